//! The weekly digest in words (`insight::digest::Digest`): a subject, a plain-text body and an
//! HTML alternative in which every name, topic and quote is escaped, in each of the widget's
//! languages, English where a recipient's language has no words here.

use super::templates::{fill, Email};
use crate::html::escape;
use crate::insight::digest::{Digest, DigestGoal, DigestScore};
use shared::insight::ScoreKind;

/// A value of a goal's metric, with its unit: `42` (NPS), `4.3` (CSAT, CES), `95 min`, `87 %`,
/// `3.5/week`.
pub fn goal_value(metric: &str, v: f64) -> String {
    match metric {
        "nps" => format!("{v:.0}"),
        "first_response" | "resolution" => format!("{v:.0} min"),
        "sla_compliance" => format!("{v:.0} %"),
        "complaint_volume" => format!("{v:.1}/week"),
        _ => format!("{v:.1}"),
    }
}

/// A score: NPS as a whole number, means with one decimal.
fn score_value(kind: ScoreKind, v: f64) -> String {
    match kind {
        ScoreKind::Nps => format!("{v:.0}"),
        _ => format!("{v:.1}"),
    }
}

fn kind_name(kind: ScoreKind) -> &'static str {
    match kind {
        ScoreKind::Nps => "NPS",
        ScoreKind::Csat => "CSAT",
        ScoreKind::Ces => "CES",
        ScoreKind::Rating => "Rating",
    }
}

/// One score's line: `How are we doing? — NPS 42 (120 answers), up 12`.
fn score_line(w: &Words, s: &DigestScore) -> String {
    let answers = fill(w.answers, &[("n", &s.n.to_string())]);
    let Some(value) = s.value.filter(|_| s.enough) else {
        return format!(
            "{} — {} ({answers}): {}",
            s.survey_name,
            kind_name(s.kind),
            w.too_few
        );
    };
    let change = match s.change {
        Some(d) if d > 0.0 => fill(w.up, &[("delta", &score_value(s.kind, d))]),
        Some(d) => fill(w.down, &[("delta", &score_value(s.kind, -d))]),
        None => w.steady.to_owned(),
    };
    format!(
        "{} — {} {} ({answers}), {change}",
        s.survey_name,
        kind_name(s.kind),
        score_value(s.kind, value)
    )
}

/// One goal's line: `NPS 40 by March: on track (now 38, target 40)`.
fn goal_line(w: &Words, g: &DigestGoal) -> String {
    let status = match g.status.as_str() {
        "on_track" => w.on_track,
        "off_track" => w.off_track,
        "met" => w.met,
        "missed" => w.missed,
        _ => w.too_little_data,
    };
    let target = fill(w.target, &[("value", &goal_value(&g.metric, g.target))]);
    match g.current {
        Some(v) => {
            let now = fill(w.now, &[("value", &goal_value(&g.metric, v))]);
            format!("{}: {status} ({now}, {target})", g.name)
        }
        None => format!("{}: {status} ({target})", g.name),
    }
}

/// Puts the digest in words in `lang`; `link` opens the week on the Insight page.
pub fn render_digest(d: &Digest, link: &str, lang: &str) -> Email {
    let lang = shared::i18n::pick(lang);
    let w = words(lang);
    let subject = fill(w.subject, &[("site", &d.site_name)]);
    let lead = if d.responses == 0 {
        format!(
            "{} {}",
            fill(w.week, &[("from", &d.from), ("to", &d.to)]),
            w.nothing
        )
    } else {
        format!(
            "{} {}",
            fill(w.week, &[("from", &d.from), ("to", &d.to)]),
            fill(
                w.lead,
                &[
                    ("responses", &d.responses.to_string()),
                    ("previous", &d.previous_responses.to_string()),
                ]
            )
        )
    };
    let topic_line = |t: &crate::insight::digest::DigestTopic| {
        let answers = fill(w.answers, &[("n", &t.answers.to_string())]);
        if t.rising {
            format!("{}: {answers}, {}", t.term, w.rising)
        } else {
            format!("{}: {answers}", t.term)
        }
    };
    let sections: Vec<(&str, Vec<String>, bool)> = vec![
        (
            w.scores,
            d.scores.iter().map(|s| score_line(w, s)).collect(),
            false,
        ),
        (w.topics, d.topics.iter().map(topic_line).collect(), false),
        (
            w.goals,
            d.goals.iter().map(|g| goal_line(w, g)).collect(),
            false,
        ),
        (w.praise, d.praise.clone(), true),
    ];

    let mut text = format!("{lead}\n");
    let dir = if shared::i18n::is_rtl(lang) {
        "rtl"
    } else {
        "ltr"
    };
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\" dir=\"{dir}\">\n<head><meta charset=\"utf-8\"><title>{}</title></head>\n<body style=\"font-family: sans-serif; line-height: 1.5\">\n<p>{}</p>\n",
        escape(&subject),
        escape(&lead)
    );
    for (heading, lines, quotes) in sections.iter().filter(|(_, l, _)| !l.is_empty()) {
        text.push_str(&format!("\n{heading}\n"));
        html.push_str(&format!(
            "<h2 style=\"font-size: 1.1em\">{}</h2>\n",
            escape(heading)
        ));
        if *quotes {
            for q in lines {
                let q = super::templates::shorten(q);
                for line in q.lines() {
                    text.push_str(&format!("> {line}\n"));
                }
                text.push('\n');
                html.push_str(&format!(
                    "<blockquote style=\"white-space: pre-wrap; border-inline-start: 3px solid #ccc; margin: 0 0 .5em; padding-inline-start: 1em\">{}</blockquote>\n",
                    escape(&q)
                ));
            }
        } else {
            html.push_str("<ul>\n");
            for line in lines {
                text.push_str(&format!("- {line}\n"));
                html.push_str(&format!("<li>{}</li>\n", escape(line)));
            }
            html.push_str("</ul>\n");
        }
    }
    text.push_str(&format!(
        "\n{}: {link}\n\n-- \n{}\n",
        w.open_insight, w.footer
    ));
    html.push_str(&format!(
        "<p><a href=\"{}\">{}</a></p>\n<p style=\"color: #666; font-size: smaller\">{}</p>\n</body>\n</html>\n",
        escape(link),
        escape(w.open_insight),
        escape(w.footer)
    ));
    Email {
        lang,
        subject,
        text,
        html,
    }
}

/// The message a share destination gets (`feedback.shared`): what was shared (a case, a problem
/// record or a topic), the team's note and a link, in English (a team's inbox has no language
/// preference), every outside text escaped in the HTML part.
pub fn render_shared(data: &serde_json::Value) -> Email {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let or = |v: &serde_json::Value, none: &str| v.as_str().unwrap_or(none).to_owned();
    let destination = s(&data["destination"]["name"]);
    // What was shared: its name, one line of facts, the words quoted and what the link opens.
    let (name, facts, quoted, open) = if data["problem"].is_object() {
        let p = &data["problem"];
        let mut words = String::new();
        for (label, field) in [
            ("Root cause", "root_cause"),
            ("Workaround", "workaround"),
            ("Fix", "fix"),
        ] {
            if let Some(t) = p[field].as_str() {
                words.push_str(&format!("{label}: {t}\n"));
            }
        }
        (
            format!("problem {}", s(&p["title"])),
            format!(
                "Problem #{}, {}, {}; {} complaints linked, {} of them open",
                p["id"],
                s(&p["status"]),
                or(&p["category"], "no category"),
                p["linked"],
                p["linked_active"],
            ),
            (!words.is_empty()).then(|| ("What the team knows:", words.trim_end().to_owned())),
            "Open the problem",
        )
    } else if data["topic"].is_object() {
        let t = &data["topic"];
        let nps = match (t["nps_with"].as_f64(), t["nps_without"].as_f64()) {
            (Some(with), Some(without)) => {
                format!("; NPS {with:.0} where it is mentioned, {without:.0} elsewhere")
            }
            _ => String::new(),
        };
        let examples: Vec<String> = t["examples"]
            .as_array()
            .map(|e| {
                e.iter()
                    .filter_map(|x| x.as_str())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        (
            format!("topic \"{}\"", s(&t["term"])),
            format!(
                "Topic \"{}\": {} written answers ({:.0} % of those read), {:.0} % of them negative{nps}{}",
                s(&t["term"]),
                t["answers"],
                t["share"].as_f64().unwrap_or(0.0) * 100.0,
                t["negative"].as_f64().unwrap_or(0.0) * 100.0,
                if t["emerging"].as_bool() == Some(true) { "; rising this week" } else { "" },
            ),
            (!examples.is_empty()).then(|| ("Customers wrote:", examples.join("\n\n"))),
            "Open the answers",
        )
    } else {
        let c = &data["complaint"];
        let reference = s(&c["reference"]);
        (
            reference.clone(),
            format!(
                "{reference}, {}, {}, {}, from {}",
                s(&c["status"]),
                s(&c["priority"]),
                or(&c["category"], "no category"),
                s(&c["channel"]),
            ),
            Some(("The customer wrote:", s(&c["description"]))),
            "Open the case",
        )
    };
    let subject = format!("Shared with {destination}: {name}");
    let quoted = quoted.map(|(label, t)| (label, super::templates::shorten(&t)));
    let note = data["note"].as_str().map(super::templates::shorten);
    let link = s(&data["link"]);
    let mut text = format!("{facts}\n");
    let mut blocks: Vec<(&str, &str)> = Vec::new();
    if let Some((label, t)) = &quoted {
        blocks.push((label, t));
    }
    if let Some(n) = &note {
        blocks.push(("Note from the team:", n));
    }
    for (label, t) in &blocks {
        text.push_str(&format!("\n{label}\n"));
        for line in t.lines() {
            text.push_str(&format!("> {line}\n"));
        }
    }
    text.push_str(&format!("\n{open}: {link}\n\n-- \nShared from Hark.\n"));
    let quote = |t: &str| {
        format!(
            "<blockquote style=\"white-space: pre-wrap; border-inline-start: 3px solid #ccc; margin: 0; padding-inline-start: 1em\">{}</blockquote>\n",
            escape(t)
        )
    };
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{}</title></head>\n<body style=\"font-family: sans-serif; line-height: 1.5\">\n<p>{}</p>\n",
        escape(&subject),
        escape(&facts),
    );
    for (label, t) in &blocks {
        html.push_str(&format!("<p>{}</p>\n{}", escape(label), quote(t)));
    }
    html.push_str(&format!(
        "<p><a href=\"{}\">{}</a></p>\n<p style=\"color: #666; font-size: smaller\">Shared from Hark.</p>\n</body>\n</html>\n",
        escape(&link),
        escape(open),
    ));
    Email {
        lang: "en",
        subject,
        text,
        html,
    }
}

/// The digest's words in one language. `{site}`, `{from}`, `{to}`, `{responses}`, `{previous}`,
/// `{n}`, `{delta}` and `{value}` are filled in.
struct Words {
    subject: &'static str,
    week: &'static str,
    lead: &'static str,
    nothing: &'static str,
    scores: &'static str,
    topics: &'static str,
    goals: &'static str,
    praise: &'static str,
    answers: &'static str,
    up: &'static str,
    down: &'static str,
    steady: &'static str,
    too_few: &'static str,
    rising: &'static str,
    now: &'static str,
    target: &'static str,
    on_track: &'static str,
    off_track: &'static str,
    too_little_data: &'static str,
    met: &'static str,
    missed: &'static str,
    open_insight: &'static str,
    footer: &'static str,
}

fn words(lang: &str) -> &'static Words {
    match lang {
        "de" => &DE,
        "fr" => &FR,
        "es" => &ES,
        "pt" => &PT,
        "ja" => &JA,
        "ar" => &AR,
        _ => &EN,
    }
}

const EN: Words = Words {
    subject: "{site}: your week in feedback",
    week: "{from} to {to}:",
    lead: "{responses} answers ({previous} the week before).",
    nothing: "no answers this week.",
    scores: "Scores",
    topics: "What customers wrote about",
    goals: "Goals",
    praise: "Praise",
    answers: "{n} answers",
    up: "up {delta}",
    down: "down {delta}",
    steady: "no significant change",
    too_few: "too few answers to say",
    rising: "rising",
    now: "now {value}",
    target: "target {value}",
    on_track: "on track",
    off_track: "off track",
    too_little_data: "too little data",
    met: "met",
    missed: "missed",
    open_insight: "Open Insight",
    footer: "You get this digest because you asked for it in your notification settings. Hark sent it automatically.",
};

const DE: Words = Words {
    subject: "{site}: Ihre Feedback-Woche",
    week: "{from} bis {to}:",
    lead: "{responses} Antworten ({previous} in der Woche davor).",
    nothing: "diese Woche keine Antworten.",
    scores: "Werte",
    topics: "Worüber Kunden schrieben",
    goals: "Ziele",
    praise: "Lob",
    answers: "{n} Antworten",
    up: "gestiegen um {delta}",
    down: "gesunken um {delta}",
    steady: "keine signifikante Änderung",
    too_few: "zu wenige Antworten für eine Aussage",
    rising: "steigend",
    now: "jetzt {value}",
    target: "Ziel {value}",
    on_track: "auf Kurs",
    off_track: "nicht auf Kurs",
    too_little_data: "zu wenige Daten",
    met: "erreicht",
    missed: "verfehlt",
    open_insight: "Insight öffnen",
    footer: "Sie erhalten diese Übersicht, weil Sie sie in Ihren Benachrichtigungen gewählt haben. Hark hat sie automatisch gesendet.",
};

const FR: Words = Words {
    subject: "{site} : votre semaine de retours",
    week: "Du {from} au {to} :",
    lead: "{responses} réponses ({previous} la semaine précédente).",
    nothing: "aucune réponse cette semaine.",
    scores: "Scores",
    topics: "Les sujets des clients",
    goals: "Objectifs",
    praise: "Compliments",
    answers: "{n} réponses",
    up: "en hausse de {delta}",
    down: "en baisse de {delta}",
    steady: "pas de changement significatif",
    too_few: "trop peu de réponses pour conclure",
    rising: "en hausse",
    now: "actuellement {value}",
    target: "cible {value}",
    on_track: "en bonne voie",
    off_track: "hors trajectoire",
    too_little_data: "trop peu de données",
    met: "atteint",
    missed: "manqué",
    open_insight: "Ouvrir Insight",
    footer: "Vous recevez ce résumé parce que vous l'avez demandé dans vos notifications. Hark l'a envoyé automatiquement.",
};

const ES: Words = Words {
    subject: "{site}: su semana de opiniones",
    week: "Del {from} al {to}:",
    lead: "{responses} respuestas ({previous} la semana anterior).",
    nothing: "ninguna respuesta esta semana.",
    scores: "Puntuaciones",
    topics: "De qué escribieron los clientes",
    goals: "Objetivos",
    praise: "Elogios",
    answers: "{n} respuestas",
    up: "sube {delta}",
    down: "baja {delta}",
    steady: "sin cambio significativo",
    too_few: "muy pocas respuestas para decirlo",
    rising: "en aumento",
    now: "ahora {value}",
    target: "meta {value}",
    on_track: "en camino",
    off_track: "desviado",
    too_little_data: "pocos datos",
    met: "cumplido",
    missed: "no cumplido",
    open_insight: "Abrir Insight",
    footer:
        "Recibe este resumen porque lo pidió en sus notificaciones. Hark lo envió automáticamente.",
};

const PT: Words = Words {
    subject: "{site}: a sua semana de feedback",
    week: "De {from} a {to}:",
    lead: "{responses} respostas ({previous} na semana anterior).",
    nothing: "nenhuma resposta esta semana.",
    scores: "Pontuações",
    topics: "Sobre o que os clientes escreveram",
    goals: "Metas",
    praise: "Elogios",
    answers: "{n} respostas",
    up: "subiu {delta}",
    down: "desceu {delta}",
    steady: "sem mudança significativa",
    too_few: "poucas respostas para dizer",
    rising: "em alta",
    now: "agora {value}",
    target: "alvo {value}",
    on_track: "no caminho",
    off_track: "fora do caminho",
    too_little_data: "poucos dados",
    met: "atingida",
    missed: "não atingida",
    open_insight: "Abrir Insight",
    footer:
        "Recebe este resumo porque o pediu nas suas notificações. O Hark enviou-o automaticamente.",
};

const JA: Words = Words {
    subject: "{site}：今週のフィードバック",
    week: "{from}〜{to}：",
    lead: "回答 {responses} 件（前週 {previous} 件）。",
    nothing: "今週の回答はありません。",
    scores: "スコア",
    topics: "お客様が書いた話題",
    goals: "目標",
    praise: "称賛",
    answers: "{n} 件の回答",
    up: "{delta} 上昇",
    down: "{delta} 低下",
    steady: "有意な変化なし",
    too_few: "判断するには回答が少なすぎます",
    rising: "増加中",
    now: "現在 {value}",
    target: "目標 {value}",
    on_track: "順調",
    off_track: "遅れ",
    too_little_data: "データ不足",
    met: "達成",
    missed: "未達",
    open_insight: "Insight を開く",
    footer: "通知設定で選択されたため、このダイジェストをお送りしています。Hark から自動送信されました。",
};

const AR: Words = Words {
    subject: "{site}: أسبوعك من الملاحظات",
    week: "من {from} إلى {to}:",
    lead: "{responses} إجابة ({previous} في الأسبوع السابق).",
    nothing: "لا إجابات هذا الأسبوع.",
    scores: "الدرجات",
    topics: "ما كتب عنه العملاء",
    goals: "الأهداف",
    praise: "الثناء",
    answers: "{n} إجابة",
    up: "ارتفع بمقدار {delta}",
    down: "انخفض بمقدار {delta}",
    steady: "لا تغيير ذو دلالة",
    too_few: "الإجابات أقل من أن يُحكم بها",
    rising: "في ازدياد",
    now: "الآن {value}",
    target: "الهدف {value}",
    on_track: "على المسار",
    off_track: "خارج المسار",
    too_little_data: "بيانات قليلة",
    met: "تحقق",
    missed: "لم يتحقق",
    open_insight: "افتح Insight",
    footer: "تصلك هذه الخلاصة لأنك طلبتها في إعدادات الإشعارات. أرسلها Hark تلقائيًا.",
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insight::digest::DigestTopic;

    fn digest() -> Digest {
        Digest {
            site_name: "Shop <Main>".into(),
            from: "2026-11-23".into(),
            to: "2026-11-29".into(),
            responses: 120,
            previous_responses: 100,
            scores: vec![
                DigestScore {
                    survey_name: "How are we doing?".into(),
                    kind: ScoreKind::Nps,
                    value: Some(42.4),
                    n: 120,
                    enough: true,
                    change: Some(12.2),
                },
                DigestScore {
                    survey_name: "Support".into(),
                    kind: ScoreKind::Csat,
                    value: Some(4.0),
                    n: 12,
                    enough: false,
                    change: None,
                },
            ],
            topics: vec![DigestTopic {
                term: "<script>alert(1)</script>".into(),
                answers: 14,
                rising: true,
            }],
            goals: vec![DigestGoal {
                name: "First replies within 2 h".into(),
                metric: "first_response".into(),
                target: 120.0,
                current: Some(95.0),
                status: "on_track".into(),
            }],
            praise: vec!["Fast & \"friendly\"\nThanks!".into()],
        }
    }

    #[test]
    fn every_section_is_in_the_digest_in_every_language_and_nothing_is_markup() {
        for lang in shared::i18n::LANGS {
            let e = render_digest(&digest(), "https://f.example/dashboard/#/insight", lang);
            assert!(e.subject.contains("Shop <Main>"), "{lang}");
            for part in [&e.subject, &e.text, &e.html] {
                assert!(!part.contains('{'), "{lang}: {part}");
            }
            for needle in [
                "NPS 42",
                "120",
                "CSAT",
                "95 min",
                "120 min",
                "> Fast & \"friendly\"",
                "<script>alert(1)</script>: 14",
            ] {
                assert!(e.text.contains(needle), "{lang}: {needle} in {}", e.text);
            }
            assert!(
                e.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
                "{lang}"
            );
            assert!(e.html.contains("Shop &lt;Main&gt;"), "{lang}");
            assert!(
                !e.html.contains("<script>") && !e.html.contains("<Main>"),
                "{lang}"
            );
            assert!(e.text.contains("https://f.example/dashboard/#/insight"));
        }
        let e = render_digest(&digest(), "x", "en");
        assert!(e.text.contains("NPS 42 (120 answers), up 12"), "{}", e.text);
        assert!(e.text.contains("CSAT (12 answers): too few answers to say"));
        assert!(e
            .text
            .contains("First replies within 2 h: on track (now 95 min, target 120 min)"));
        assert!(e.text.contains("rising"));
    }

    #[test]
    fn a_quiet_week_says_so_and_leaves_out_empty_sections() {
        let quiet = Digest {
            responses: 0,
            scores: vec![],
            topics: vec![],
            goals: vec![],
            praise: vec![],
            ..digest()
        };
        let e = render_digest(&quiet, "x", "en");
        assert!(
            e.text
                .contains("2026-11-23 to 2026-11-29: no answers this week."),
            "{}",
            e.text
        );
        assert!(!e.text.contains("Scores") && !e.html.contains("<ul>"));
    }
}
