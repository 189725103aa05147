//! The status page as HTML: no script, one inline stylesheet allowed by its hash, forms that
//! post back to the collector, in the customer's language and direction. Every piece of text
//! that came from a person is escaped (`html::escape`): never markup.

use super::words::{words, Words};
use crate::html::escape;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use shared::case::{EntryKind, PublicCase};
use shared::survey::{Question, QuestionKind};
use std::fmt::Write as _;
use std::sync::LazyLock;

/// What the page says above the case, after a form was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flash {
    ReplyAdded,
    /// A rating that did not reopen the case.
    Thanks,
    /// A rating that reopened it.
    Sorry,
    /// What was wrong with what was sent (which the form shows again).
    Problem(String),
}

const STYLE: &str = "\
:root{color-scheme:light;font-family:system-ui,sans-serif;line-height:1.5;color:#1a1a1a;background:#fff}\
body{margin:0}main{max-width:40rem;margin:0 auto;padding:1.5rem 1rem 3rem}\
h1{font-size:1.5rem;margin:0 0 .5rem}h2{font-size:1.15rem;margin:2rem 0 .75rem}\
.state strong{display:inline-block;padding:.1rem .6rem;border-radius:1rem;background:#e8eefc;color:#1e3a8a}\
.note,.problem{padding:.75rem 1rem;border-radius:.5rem;margin:1rem 0}\
.note{background:#ecfdf3;color:#14532d}.problem{background:#fef2f2;color:#7f1d1d}\
ol{list-style:none;padding:0;margin:0}li{border-inline-start:3px solid #c7d2fe;padding:.25rem 0 .75rem 1rem;margin-bottom:.5rem}\
.meta{color:#4b5563;font-size:.9rem;margin:0}.body{white-space:pre-wrap;margin:.25rem 0 0;overflow-wrap:anywhere}\
fieldset{border:1px solid #d1d5db;border-radius:.5rem;margin:0 0 1rem;padding:.75rem 1rem}legend{font-weight:600;padding:0 .25rem}\
.scale{display:flex;flex-wrap:wrap;gap:.25rem}.scale label{display:inline-flex;align-items:center;gap:.2rem;padding:.25rem .5rem;border:1px solid #d1d5db;border-radius:.35rem}\
.ends{display:flex;justify-content:space-between;color:#4b5563;font-size:.85rem;margin:.25rem 0 0}\
.choice label{display:block;padding:.15rem 0}\
label.field{display:block;font-weight:600;margin-bottom:.25rem}\
textarea,input[type=text]{box-sizing:border-box;width:100%;font:inherit;padding:.5rem;border:1px solid #6b7280;border-radius:.35rem}\
button{font:inherit;margin-top:.75rem;padding:.5rem 1.25rem;border:0;border-radius:.35rem;background:#1d4ed8;color:#fff;cursor:pointer}\
button:focus-visible,input:focus-visible,textarea:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}\
.privacy{margin-top:2.5rem;color:#4b5563;font-size:.85rem}";

/// The page's Content-Security-Policy: nothing but its own stylesheet, forms back to the
/// collector, and no framing.
pub static CSP: LazyLock<String> = LazyLock::new(|| {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; img-src 'none'; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'"
    )
});

fn head(out: &mut String, lang: &str, title: &str) {
    let dir = if shared::i18n::is_rtl(lang) {
        "rtl"
    } else {
        "ltr"
    };
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"{lang}\" dir=\"{dir}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex\">\n<title>{}</title>\n<style>{STYLE}</style>\n\
         </head>\n<body>\n<main>\n",
        escape(title)
    );
}

/// `2026-12-03T14:05:09.000Z` as `2026-12-03 14:05 UTC`.
fn when(at: &str) -> String {
    format!("{} UTC", at.get(..16).unwrap_or(at).replacen('T', " ", 1))
}

/// The status page of `case`, whose token is `token`. `draft` is the reply to show again after
/// a problem; `answers` the rating form's fields.
pub fn render(
    case: &PublicCase,
    token: &str,
    flash: Option<&Flash>,
    draft: &str,
    answers: &[(String, String)],
) -> String {
    let w = words(&case.lang);
    let title = w.title.replace("{reference}", &case.reference);
    let mut out = String::with_capacity(8192);
    head(&mut out, &case.lang, &title);
    let _ = write!(
        out,
        "<h1>{}</h1>\n<p class=\"state\">{}: <strong>{}</strong></p>\n",
        escape(&title),
        escape(w.state_label),
        escape(&case.state)
    );
    match flash {
        Some(Flash::Problem(why)) => {
            let _ = writeln!(
                out,
                "<p class=\"problem\" role=\"alert\">{} {}</p>",
                escape(w.problem),
                escape(why)
            );
        }
        Some(f) => {
            let text = match f {
                Flash::ReplyAdded => w.reply_added,
                Flash::Thanks => w.thanks,
                _ => w.sorry,
            };
            let _ = writeln!(
                out,
                "<p class=\"note\" role=\"status\">{}</p>",
                escape(text)
            );
        }
        None => {}
    }
    if let Some(survey) = &case.rating {
        let _ = write!(
            out,
            "<section aria-labelledby=\"rate\">\n<h2 id=\"rate\">{}</h2>\n\
             <form method=\"post\" action=\"/c/{token}/rating\">\n",
            escape(w.rate)
        );
        let strings = shared::i18n::strings(&case.lang);
        for q in &survey.questions {
            question(&mut out, q, w, &strings, answers);
        }
        let _ = write!(
            out,
            "<button type=\"submit\">{}</button>\n</form>\n</section>\n",
            escape(w.rate_send)
        );
    }
    let _ = write!(
        out,
        "<section aria-labelledby=\"timeline\">\n<h2 id=\"timeline\">{}</h2>\n<ol>\n",
        escape(w.timeline)
    );
    for e in &case.timeline {
        let what = match e.kind {
            EntryKind::Received => w.you_reported.to_owned(),
            EntryKind::PublicReply => w.team_replied.to_owned(),
            EntryKind::CustomerReply => w.you_replied.to_owned(),
            EntryKind::Rated => match &e.detail {
                Some(d) => format!("{} ({d})", w.you_rated),
                None => w.you_rated.to_owned(),
            },
            _ => w
                .status_now
                .replace("{state}", e.state.as_deref().unwrap_or_default()),
        };
        let _ = write!(
            out,
            "<li><p class=\"meta\"><time datetime=\"{}\">{}</time> · {}</p>",
            escape(&e.at),
            escape(&when(&e.at)),
            escape(&what)
        );
        if let Some(body) = &e.body {
            // A person's words take the direction of their own script (`dir="auto"`), so that
            // an English reply reads right on an Arabic page, and the other way round.
            let _ = write!(out, "<p class=\"body\" dir=\"auto\">{}</p>", escape(body));
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ol>\n</section>\n");
    if case.can_reply {
        let _ = write!(
            out,
            "<section aria-labelledby=\"reply\">\n<h2 id=\"reply\">{}</h2>\n\
             <form method=\"post\" action=\"/c/{token}/reply\">\n\
             <label class=\"field\" for=\"body\">{}</label>\n\
             <textarea id=\"body\" name=\"body\" dir=\"auto\" rows=\"5\" maxlength=\"{}\" required>{}</textarea>\n\
             <button type=\"submit\">{}</button>\n</form>\n</section>\n",
            escape(w.reply),
            escape(w.reply_label),
            crate::complaints::MAX_REPLY,
            escape(draft),
            escape(w.reply_send)
        );
    } else {
        let _ = writeln!(out, "<p>{}</p>", escape(w.closed));
    }
    let _ = write!(
        out,
        "<p class=\"privacy\">{}</p>\n</main>\n</body>\n</html>\n",
        escape(w.privacy)
    );
    out
}

/// One question of the rating form, with what was sent before checked again.
fn question(
    out: &mut String,
    q: &Question,
    w: &Words,
    strings: &shared::i18n::Strings,
    answers: &[(String, String)],
) {
    let name = format!("q.{}", q.id);
    let given = |value: &str| answers.iter().any(|(k, v)| *k == name && v == value);
    let required = if q.optional { "" } else { " required" };
    let optional = if q.optional {
        format!(" <span>({})</span>", escape(w.optional))
    } else {
        String::new()
    };
    let id = format!("q-{}", q.id);
    match &q.kind {
        QuestionKind::Text { max_len } => {
            let text = answers
                .iter()
                .find(|(k, _)| *k == name)
                .map_or("", |(_, v)| v.as_str());
            let _ = write!(
                out,
                "<p><label class=\"field\" for=\"{id}\">{}{optional}</label>\n\
                 <textarea id=\"{id}\" name=\"{name}\" dir=\"auto\" rows=\"3\" maxlength=\"{max_len}\"{required}>{}</textarea></p>\n",
                escape(&q.prompt),
                escape(text)
            );
        }
        QuestionKind::Choice {
            options,
            multiple,
            other,
        } => {
            let _ = write!(
                out,
                "<fieldset class=\"choice\">\n<legend>{}{optional}</legend>\n",
                escape(&q.prompt)
            );
            let kind = if *multiple { "checkbox" } else { "radio" };
            for (i, option) in options.iter().enumerate() {
                let value = i.to_string();
                let checked = if given(&value) { " checked" } else { "" };
                // A group of radios is required by one of them; checkboxes cannot say "one
                // at least", so the collector checks that.
                let req = if !*multiple && i == 0 { required } else { "" };
                let _ = writeln!(
                    out,
                    "<label><input type=\"{kind}\" name=\"{name}\" value=\"{value}\"{checked}{req}> {}</label>",
                    escape(option)
                );
            }
            if *other {
                let text = answers
                    .iter()
                    .find(|(k, _)| *k == format!("{name}.other"))
                    .map_or("", |(_, v)| v.as_str());
                let _ = writeln!(
                    out,
                    "<label>{} <input type=\"text\" name=\"{name}.other\" value=\"{}\" maxlength=\"{}\"></label>",
                    escape(w.other),
                    escape(text),
                    shared::survey::MAX_LABEL
                );
            }
            out.push_str("</fieldset>\n");
        }
        kind => {
            let (lo, hi) = kind.scale().unwrap_or((1, 5));
            let (low, high) = match kind {
                QuestionKind::Nps => (&strings.nps_low, &strings.nps_high),
                QuestionKind::Csat { .. } => (&strings.csat_low, &strings.csat_high),
                QuestionKind::Ces => (&strings.ces_low, &strings.ces_high),
                _ => (&strings.rating_low, &strings.rating_high),
            };
            let low = q.low.as_deref().unwrap_or(low);
            let high = q.high.as_deref().unwrap_or(high);
            let _ = write!(
                out,
                "<fieldset>\n<legend>{}{optional}</legend>\n<div class=\"scale\">\n",
                escape(&q.prompt)
            );
            for score in lo..=hi {
                let value = score.to_string();
                let checked = if given(&value) { " checked" } else { "" };
                let req = if score == lo { required } else { "" };
                let _ = writeln!(
                    out,
                    "<label><input type=\"radio\" name=\"{name}\" value=\"{value}\"{checked}{req}> {value}</label>"
                );
            }
            let _ = write!(
                out,
                "</div>\n<p class=\"ends\"><span>{lo} = {}</span><span>{hi} = {}</span></p>\n</fieldset>\n",
                escape(low),
                escape(high)
            );
        }
    }
}

/// A page that says only `text` (an error other than "not found").
pub fn message(lang: &str, text: &str) -> String {
    let mut out = String::new();
    head(&mut out, lang, text);
    let _ = write!(
        out,
        "<h1>{}</h1>\n</main>\n</body>\n</html>\n",
        escape(text)
    );
    out
}

/// The page for a token that opens nothing: wrong, expired or erased alike.
pub fn not_found(lang: &str) -> String {
    let w = words(lang);
    let mut out = String::new();
    head(&mut out, lang, w.not_found_title);
    let _ = write!(
        out,
        "<h1>{}</h1>\n<p>{}</p>\n</main>\n</body>\n</html>\n",
        escape(w.not_found_title),
        escape(w.not_found)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::case::{PublicEntry, Status};

    fn case(lang: &str, rating: bool) -> PublicCase {
        PublicCase {
            reference: "HK-7QF3".into(),
            status: Status::Resolved,
            state: "Resolved".into(),
            lang: lang.into(),
            timeline: vec![PublicEntry {
                at: "2026-12-03T14:05:09.000Z".into(),
                kind: EntryKind::Received,
                body: Some("<script>alert(1)</script> & more".into()),
                status: None,
                state: None,
                detail: None,
            }],
            can_reply: true,
            rating: rating.then(|| super::super::survey::default_survey().localized(lang)),
        }
    }

    #[test]
    fn the_page_is_text_never_markup_and_has_no_script() {
        let html = render(&case("en", true), "TOKEN", None, "my <b>draft</b>", &[]);
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"));
        assert!(html.contains(">my &lt;b&gt;draft&lt;/b&gt;</textarea>"));
        assert!(html.contains("action=\"/c/TOKEN/rating\""));
        assert!(html.contains("action=\"/c/TOKEN/reply\""));
        assert!(html.contains("2026-12-03 14:05 UTC"));
        assert!(html.contains("<h2 id=\"rate\">"));
        assert!(html.contains("name=\"q.satisfaction\" value=\"1\" required"));
        // The optional question is not required.
        assert!(html
            .contains("name=\"q.better\" dir=\"auto\" rows=\"3\" maxlength=\"1000\"></textarea>"));
        // The stylesheet the page carries is the one its CSP allows.
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE));
        assert!(CSP.contains(&hash));
        assert!(CSP.starts_with("default-src 'none'"));
        assert!(CSP.contains("frame-ancestors 'none'"));
    }

    #[test]
    fn arabic_reads_right_to_left_and_answers_are_kept_after_a_problem() {
        let answers = vec![("q.satisfaction".to_owned(), "4".to_owned())];
        let html = render(
            &case("ar", true),
            "T",
            Some(&Flash::Problem("bad".into())),
            "",
            &answers,
        );
        assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"));
        // The customer's own words keep their script's direction.
        assert!(html.contains("<p class=\"body\" dir=\"auto\">&lt;script&gt;"));
        assert!(html.contains("role=\"alert\""));
        assert!(html.contains("value=\"4\" checked"));
        assert!(html.contains("ما مدى رضاك"));
        let plain = render(&case("en", false), "T", Some(&Flash::Thanks), "", &[]);
        assert!(!plain.contains("id=\"rate\""));
        assert!(plain.contains(words("en").thanks));
        assert!(not_found("de").contains("Seite nicht gefunden"));
    }
}
