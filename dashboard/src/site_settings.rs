//! The "Site and snippet" page: the `<script>` tag to paste with the site's key and this
//! collector's origin, the Content-Security-Policy lines the site's pages need, "Check my page"
//! (whether the collector saw the snippet on an allowed origin, and when), the allowed origins
//! and the retention window, the widget's look (theme with a preview, the launcher and its menu's
//! survey, the cooldown; the complaint categories stay on the settings page) and erasure of one
//! respondent. Admins and owners change them; other roles read them (and may check the page).

use crate::api::{ApiError, Sightings, SiteApi, SiteInfo, SurveyChoice};
use crate::controls::{
    described_by, invalid, Choice, ConfirmButton, CopyButton, FieldError, FieldErrors, LinesField,
    Notice, Refusal, TextField,
};
use crate::route::Page;
use crate::settings::SettingsHead;
use crate::shell::Desk;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};
use shared::{Position, SiteSettings, ThemeMode};

/// What the page loads before it shows its forms.
type Loaded = (SiteInfo, SiteSettings, Vec<SurveyChoice>);

/// The site and snippet page.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn SiteSettingsPage() -> impl IntoView {
    let desk = Desk::expect();
    let api = desk.api.clone();
    let loaded = LocalResource::new(move || {
        let api = api.clone();
        async move {
            let site = api.site_info().await?;
            let settings = api.settings().await?;
            // The launcher's survey can still be read without the list.
            let surveys = api.survey_choices().await.unwrap_or_default();
            Ok::<Loaded, ApiError>((site, settings, surveys))
        }
    });
    view! {
        <div class="settings site-settings">
            <SettingsHead title="Site and snippet" read_only=!desk.role.configures() />
            <Transition fallback=|| {
                view! { <p class="loading" role="status">"Loading the site…"</p> }
            }>
                {move || Suspend::new(async move {
                    match loaded.await {
                        Ok((site, settings, surveys)) => {
                            view! {
                                <Snippet />
                                <CheckPage />
                                <PlaceForm site />
                                <WidgetForm settings surveys />
                                <Erasure />
                            }
                                .into_any()
                        }
                        Err(e) => {
                            let message = e.message().to_owned();
                            view! { <p class="error" role="alert">{message}</p> }.into_any()
                        }
                    }
                })}
            </Transition>
        </div>
    }
}

/// The collector's origin as this page reached it: the dashboard is served by the collector,
/// so it is where pages reach the loader too (`https://feedback.example`).
fn collector_origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// The snippet, exactly as README documents it.
pub(crate) fn snippet(collector: &str, site: &str) -> String {
    format!(r#"<script src="{collector}/widget.js" data-site="{site}" async></script>"#)
}

/// The Content-Security-Policy directives a page with the snippet needs, each with why: the
/// loader and the widget's module (and its WebAssembly), the config, answers and the wasm file,
/// and the hosted page the loader frames where WebAssembly is not allowed.
pub(crate) fn csp_lines(collector: &str) -> [(String, &'static str); 3] {
    [
        (
            format!("script-src {collector} 'wasm-unsafe-eval'"),
            "the loader and the widget; 'wasm-unsafe-eval' lets the widget run in the page",
        ),
        (
            format!("connect-src {collector}"),
            "the site's config, the answers and reports, and the widget's WebAssembly file",
        ),
        (
            format!("frame-src {collector}"),
            "without 'wasm-unsafe-eval', the survey shows in a frame of the collector's hosted page",
        ),
    ]
}

/// The snippet with its copy button, and the CSP lines.
#[component]
fn Snippet() -> impl IntoView {
    let desk = Desk::expect();
    let collector = collector_origin();
    let tag = snippet(&collector, desk.api.site.as_str());
    let lines = csp_lines(&collector);
    let csp = lines
        .iter()
        .map(|(line, _)| line.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let explained = lines
        .into_iter()
        .map(|(line, why)| {
            view! {
                <li>
                    <code>{line}</code>
                    ": "
                    {why}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="panel snippet" aria-labelledby="snippet-title">
            <h3 id="snippet-title">"The snippet"</h3>
            <p class="hint">
                "Paste it into every page that should show surveys and the feedback tab, before "
                <code>"</body>"</code>
                ". It loads a few kilobytes; the widget itself only when a survey is due."
            </p>
            <pre class="snippet-tag"><code>{tag.clone()}</code></pre>
            <div class="copy-row">
                <CopyButton text=tag label="Copy the snippet" />
            </div>
            <h4>"Content-Security-Policy"</h4>
            <p class="hint">
                "If the site sends a Content-Security-Policy header, add these sources to its directives:"
            </p>
            <ul class="csp-lines">{explained}</ul>
            <pre class="csp"><code>{csp.clone()}</code></pre>
            <div class="copy-row">
                <CopyButton text=csp label="Copy the CSP sources" />
            </div>
        </section>
    }
}

/// Milliseconds since the Unix epoch of an RFC 3339 time, as the browser reads it.
fn millis(rfc3339: &str) -> f64 {
    js_sys::Date::parse(rfc3339)
}

/// How long ago `then` was at `now` (both RFC 3339), in words.
pub(crate) fn ago(then: &str, now: &str) -> String {
    let minutes = ((millis(now) - millis(then)) / 60_000.0).floor().max(0.0) as i64;
    match minutes {
        0 => "just now".to_owned(),
        1 => "1 minute ago".to_owned(),
        m if m < 120 => format!("{m} minutes ago"),
        m if m < 48 * 60 => format!("{} hours ago", m / 60),
        m => format!("{} days ago", m / (24 * 60)),
    }
}

/// What "Check my page" says about `seen`.
pub(crate) fn verdict(seen: &Sightings, site: &str) -> (bool, String) {
    if let Some(s) = seen.sightings.iter().find(|s| s.allowed) {
        return (
            true,
            format!("Seen on {} {}", s.origin, ago(&s.last_seen, &seen.now)),
        );
    }
    let origins = if seen.origins.is_empty() {
        "the site allows no origin yet: add the pages' origin below".to_owned()
    } else {
        format!(
            "open a page at {} with the snippet",
            seen.origins.join(" or ")
        )
    };
    (
        false,
        format!(
            "Not seen yet: {origins}, then check again. Check that the snippet is in the page as \
             published, that its data-site is {site}, that the page's address starts with one of \
             the allowed origins (scheme, host and port alike), and that the page's \
             Content-Security-Policy allows the collector (above)."
        ),
    )
}

/// What "Check my page" found: whether it was seen, the verdict, and the other sightings.
type Checked = Result<(bool, String, Vec<String>), String>;

/// "Check my page": whether the collector saw the snippet, where and when.
#[component]
fn CheckPage() -> impl IntoView {
    let desk = Desk::expect();
    let (result, set_result) = signal(None::<Checked>);
    let (checking, set_checking) = signal(false);
    let api = desk.api.clone();
    let check = move |_| {
        let api = api.clone();
        set_checking.set(true);
        spawn_local(async move {
            set_result.set(Some(match api.sightings().await {
                Ok(seen) => {
                    // Every sighting but the one the verdict names.
                    let named = seen.sightings.iter().position(|s| s.allowed);
                    let others = seen
                        .sightings
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| Some(*i) != named)
                        .map(|(_, s)| {
                            let allowed = if s.allowed {
                                ""
                            } else {
                                " (no longer allowed)"
                            };
                            format!("{}{allowed}: {}", s.origin, ago(&s.last_seen, &seen.now))
                        })
                        .collect();
                    let (found, words) = verdict(&seen, api.site.as_str());
                    Ok((found, words, others))
                }
                Err(e) => Err(e.message().to_owned()),
            }));
            set_checking.set(false);
        });
    };
    view! {
        <section class="panel check-page" aria-labelledby="check-page-title">
            <h3 id="check-page-title">"Is the snippet in place?"</h3>
            <p class="hint">
                "The collector notes each allowed origin whose pages load the snippet (at most once a minute). Open one of your pages, then check."
            </p>
            <button type="button" class="check-page-button" disabled=checking on:click=check>
                "Check my page"
            </button>
            <div class="check-result" role="status">
                {move || match result.get() {
                    Some(Ok((found, words, others))) => {
                        let others = (!others.is_empty())
                            .then(|| {
                                view! {
                                    <p class="hint">"Seen on:"</p>
                                    <ul class="other-sightings">
                                        {others.into_iter().map(|o| view! { <li>{o}</li> }).collect_view()}
                                    </ul>
                                }
                            });
                        view! {
                            <p class=if found { "seen" } else { "not-seen" }>{words}</p>
                            {others}
                        }
                            .into_any()
                    }
                    Some(Err(message)) => view! { <p class="error">{message}</p> }.into_any(),
                    None => ().into_any(),
                }}
            </div>
        </section>
    }
}

/// The allowed origins (one a line) and the retention window.
///
/// - `site`: as loaded.
#[component]
fn PlaceForm(site: SiteInfo) -> impl IntoView {
    let desk = Desk::expect();
    let editable = desk.role.configures();
    let typed = RwSignal::new(site.origins.join("\n"));
    let days = RwSignal::new(
        site.retention_days
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    let errors = FieldErrors::new();
    let (notice, set_notice) = signal(None::<Result<String, String>>);
    let (saving, set_saving) = signal(false);
    let origins_error = Signal::derive(move || errors.under("origins"));
    let days_error = Signal::derive(move || errors.under("retention_days"));
    let api = desk.api.clone();
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        let lines: Vec<String> = typed
            .get_untracked()
            .lines()
            .map(|l| l.trim().to_owned())
            .collect();
        let days_typed = days.get_untracked().trim().to_owned();
        let retention = if days_typed.is_empty() {
            Value::Null
        } else {
            match days_typed.parse::<u32>() {
                Ok(d) => json!(d),
                Err(_) => {
                    errors.set_one(
                        "retention_days".to_owned(),
                        "a whole number of days, or empty to keep answers forever".to_owned(),
                    );
                    return;
                }
            }
        };
        let body = json!({ "origins": lines, "retention_days": retention });
        let api = api.clone();
        set_saving.set(true);
        spawn_local(async move {
            match api.update_site(&body).await {
                Ok(site) => {
                    errors.clear();
                    typed.set(site.origins.join("\n"));
                    set_notice.set(Some(Ok("Origins and retention saved".to_owned())));
                }
                Err(e) => {
                    errors.show(&e);
                    set_notice.set(Some(Err(e.message().to_owned())));
                }
            }
            set_saving.set(false);
        });
    };
    view! {
        <form class="panel place" on:submit=save aria-labelledby="place-title">
            <h3 id="place-title">"Origins and retention"</h3>
            <LinesField
                id="site-origins"
                label="Allowed origins, one a line"
                hint="Where the site's pages are, as scheme://host[:port] (https://shop.example). The collector serves the config and takes answers only from these."
                value=typed
                error=origins_error
                disabled=!editable
            />
            <TextField
                id="retention-days"
                label="Keep answers and complaints for (days; empty: forever)"
                value=days
                error=days_error
                disabled=!editable
                numeric=true
            />
            {editable
                .then(|| {
                    view! {
                        <button type="submit" class="save-place" disabled=saving>
                            "Save origins and retention"
                        </button>
                    }
                })}
            <Notice notice />
        </form>
    }
}

/// The text colour that reads on `brand` (`#rrggbb`): black or white, by the widget's own rule
/// (`widget/src/style.rs`: WCAG's relative luminance with sRGB's curve taken as a square,
/// against 0.179, where both contrast equally).
pub(crate) fn text_on(brand: &str) -> &'static str {
    if !is_colour(brand) {
        return "#fff";
    }
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&brand[i..i + 2], 16).unwrap_or(0)) / 255.0;
        c * c
    };
    let luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    if luminance > 0.179 {
        "#000"
    } else {
        "#fff"
    }
}

/// Whether `s` is a colour as the settings take it, `#rrggbb`.
fn is_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

fn mode_str(mode: ThemeMode) -> &'static str {
    match mode {
        ThemeMode::Light => "light",
        ThemeMode::Dark => "dark",
        ThemeMode::Auto => "auto",
    }
}

fn position_str(position: Position) -> &'static str {
    match position {
        Position::BottomRight => "bottom_right",
        Position::BottomLeft => "bottom_left",
    }
}

/// The widget's look and behaviour: theme with a preview, the launcher, the cooldown.
///
/// - `settings`: as loaded.
/// - `surveys`: the site's surveys, for the launcher's "Rate us".
#[component]
fn WidgetForm(settings: SiteSettings, surveys: Vec<SurveyChoice>) -> impl IntoView {
    let desk = Desk::expect();
    let editable = desk.role.configures();
    let read_only = Signal::stored(!editable);
    let brand = RwSignal::new(settings.theme.brand.clone());
    let mode = RwSignal::new(mode_str(settings.theme.mode).to_owned());
    let position = RwSignal::new(position_str(settings.theme.position).to_owned());
    let radius = RwSignal::new(settings.theme.radius.to_string());
    let launcher_on = RwSignal::new(settings.launcher.is_some());
    let label = RwSignal::new(
        settings
            .launcher
            .as_ref()
            .and_then(|l| l.label.clone())
            .unwrap_or_default(),
    );
    let launcher_survey = RwSignal::new(
        settings
            .launcher
            .as_ref()
            .and_then(|l| l.survey.as_ref())
            .map(|s| s.to_string())
            .unwrap_or_default(),
    );
    let cooldown = RwSignal::new(settings.cooldown_days.to_string());
    let errors = FieldErrors::new();
    let (notice, set_notice) = signal(None::<Result<String, String>>);
    let (saving, set_saving) = signal(false);
    let error_of = move |path: &'static str| Signal::derive(move || errors.under(path));
    let brand_error = error_of("theme.brand");
    let radius_error = error_of("theme.radius");
    let label_error = error_of("launcher.label");
    let survey_error = error_of("launcher.survey");
    let cooldown_error = error_of("cooldown_days");

    let api = desk.api.clone();
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Ok(radius) = radius.get_untracked().trim().parse::<u8>() else {
            errors.set_one(
                "theme.radius".to_owned(),
                "the corner radius is 0 to 24 pixels".to_owned(),
            );
            return;
        };
        let Ok(cooldown) = cooldown.get_untracked().trim().parse::<u16>() else {
            errors.set_one(
                "cooldown_days".to_owned(),
                "a whole number of days, 0 to 365".to_owned(),
            );
            return;
        };
        let text = |v: String| {
            let v = v.trim().to_owned();
            if v.is_empty() {
                Value::Null
            } else {
                json!(v)
            }
        };
        let launcher = if launcher_on.get_untracked() {
            json!({ "label": text(label.get_untracked()), "survey": text(launcher_survey.get_untracked()) })
        } else {
            Value::Null
        };
        let patch = json!({
            "theme": {
                "brand": brand.get_untracked().trim().to_ascii_lowercase(),
                "mode": mode.get_untracked(),
                "position": position.get_untracked(),
                "radius": radius,
            },
            "launcher": launcher,
            "cooldown_days": cooldown,
        });
        let api: SiteApi = api.clone();
        set_saving.set(true);
        spawn_local(async move {
            match api.patch_settings(&patch).await {
                Ok(_) => {
                    errors.clear();
                    set_notice.set(Some(Ok(
                        "Widget settings saved: pages get them within a minute".to_owned(),
                    )));
                }
                Err(e) => {
                    errors.show(&e);
                    set_notice.set(Some(Err(e.message().to_owned())));
                }
            }
            set_saving.set(false);
        });
    };

    let modes = vec![
        ("auto".to_owned(), "As the visitor's device".to_owned()),
        ("light".to_owned(), "Light".to_owned()),
        ("dark".to_owned(), "Dark".to_owned()),
    ];
    let positions = vec![
        ("bottom_right".to_owned(), "Bottom right".to_owned()),
        ("bottom_left".to_owned(), "Bottom left".to_owned()),
    ];
    let survey_options: Vec<(String, String)> = std::iter::once((
        String::new(),
        "None: reports and suggestions only".to_owned(),
    ))
    .chain(surveys.into_iter().map(|s| {
        let label = if s.status == "active" {
            s.name
        } else {
            format!("{} ({})", s.name, s.status)
        };
        (s.id, label)
    }))
    .collect();
    // The colour typed when it is one (the default while one is being typed), for the preview.
    let shown = Signal::derive(move || {
        let typed = brand.get().trim().to_ascii_lowercase();
        if is_colour(&typed) {
            typed
        } else {
            "#0969da".to_owned()
        }
    });

    view! {
        <form class="panel widget-look" on:submit=save aria-labelledby="widget-look-title">
            <h3 id="widget-look-title">"The widget"</h3>
            <FieldError id="widget-look-error" message=Signal::derive(move || errors.at("")) />
            <div class="theme-fields">
                <div class="field">
                    <label for="theme-brand">"Brand colour (#rrggbb)"</label>
                    <input
                        id="theme-brand"
                        type="text"
                        spellcheck="false"
                        maxlength="7"
                        bind:value=brand
                        disabled=!editable
                        aria-invalid=invalid(brand_error)
                        aria-describedby=described_by("theme-brand-error".to_owned(), brand_error)
                    />
                    <FieldError id="theme-brand-error" message=brand_error />
                </div>
                <div class="field">
                    <label for="theme-mode">"Light or dark"</label>
                    <Choice
                        id="theme-mode"
                        options=modes
                        current=mode
                        on_pick=move |v| mode.set(v)
                        disabled=read_only
                    />
                </div>
                <div class="field">
                    <label for="theme-position">"Position"</label>
                    <Choice
                        id="theme-position"
                        options=positions
                        current=position
                        on_pick=move |v| position.set(v)
                        disabled=read_only
                    />
                </div>
                <TextField
                    id="theme-radius"
                    label="Corner radius (0 to 24 pixels)"
                    value=radius
                    error=radius_error
                    disabled=!editable
                    numeric=true
                />
            </div>
            <Preview brand=shown mode position radius label launcher_on />
            <h4>"The feedback tab"</h4>
            <div class="field checkbox">
                <input id="launcher-on" type="checkbox" bind:checked=launcher_on disabled=!editable />
                <label for="launcher-on">"Show the feedback tab on every page, with its menu"</label>
            </div>
            <TextField
                id="launcher-label"
                label="The tab's words (empty: “Feedback” in the visitor's language)"
                value=label
                error=label_error
                disabled=Signal::derive(move || !editable || !launcher_on.get())
            />
            <div class="field">
                <label for="launcher-survey">"The menu's “Rate us” survey"</label>
                <Choice
                    id="launcher-survey"
                    options=survey_options
                    current=launcher_survey
                    on_pick=move |v| launcher_survey.set(v)
                    disabled=Signal::derive(move || !editable || !launcher_on.get())
                />
                <FieldError id="launcher-survey-error" message=survey_error />
            </div>
            <p class="hint">
                "The menu also offers “Report a problem”, with the site's complaint categories (edited on "
                <a href=Page::Settings.href()>"the settings page"</a>
                "), and “Suggest something”."
            </p>
            <TextField
                id="cooldown-days"
                label="Days after a survey before another may show (0 to 365)"
                value=cooldown
                error=cooldown_error
                disabled=!editable
                numeric=true
            />
            {editable
                .then(|| {
                    view! {
                        <button type="submit" class="save-widget" disabled=saving>
                            "Save the widget"
                        </button>
                    }
                })}
            <Notice notice />
        </form>
    }
}

/// A simple rendering of the widget with the settings being edited: a card with the brand's
/// button on the light or dark background, and the feedback tab at its side.
#[component]
fn Preview(
    #[prop(into)] brand: Signal<String>,
    mode: RwSignal<String>,
    position: RwSignal<String>,
    radius: RwSignal<String>,
    label: RwSignal<String>,
    launcher_on: RwSignal<bool>,
) -> impl IntoView {
    let dark = move || mode.get() == "dark";
    let corner = move || {
        let r = radius.get().trim().parse::<u8>().unwrap_or(12).min(24);
        format!("{r}px")
    };
    // Set through the CSSOM (`style:`), never as a `style` attribute: the dashboard's CSP
    // allows no inline styles.
    let background = move || brand.get();
    let foreground = move || text_on(&brand.get());
    let tab = move || {
        let l = label.get();
        if l.trim().is_empty() {
            "Feedback".to_owned()
        } else {
            l
        }
    };
    view! {
        <figure class="widget-preview" aria-labelledby="widget-preview-caption">
            <figcaption id="widget-preview-caption">
                {move || {
                    if mode.get() == "auto" {
                        "Preview (light; dark on devices set to dark)"
                    } else {
                        "Preview"
                    }
                }}
            </figcaption>
            <div
                class="theme-stage"
                class:left=move || position.get() == "bottom_left"
            >
                <div
                    class="theme-card"
                    class:dark=dark
                    style:border-radius=corner
                >
                    <p class="theme-question">"How likely are you to recommend us?"</p>
                    <span
                        class="theme-button"
                        style:background=background
                        style:color=foreground
                        style:border-radius=corner
                    >
                        "Send"
                    </span>
                </div>
                {move || {
                    launcher_on
                        .get()
                        .then(|| {
                            view! {
                                <span
                                    class="theme-tab"
                                    style:background=background
                                    style:color=foreground
                                >
                                    {tab}
                                </span>
                            }
                        })
                }}
            </div>
        </figure>
    }
}

/// Erasure of one respondent's answers and complaints, after a confirmation (admins and owners).
#[component]
fn Erasure() -> impl IntoView {
    let desk = Desk::expect();
    if !desk.role.configures() {
        return ().into_any();
    }
    let by = RwSignal::new("email".to_owned());
    let who = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let (done, set_done) = signal(None::<Result<String, String>>);
    let (busy, set_busy) = signal(false);
    let confirming = RwSignal::new(false);
    let api = desk.api.clone();
    let erase = move |()| {
        let value = who.get_untracked().trim().to_owned();
        let field = by.get_untracked();
        confirming.set(false);
        if value.is_empty() {
            error.set(Some("enter whom to erase".to_owned()));
            return;
        }
        let api = api.clone();
        error.set(None);
        set_done.set(None);
        set_busy.set(true);
        spawn_local(async move {
            let mut body = json!({});
            body[field.as_str()] = json!(value);
            match api.erase(&body).await {
                Ok(n) => {
                    who.set(String::new());
                    set_done.set(Some(Ok(format!(
                        "Erased {n} answer{} and complaint{} of {value}",
                        if n == 1 { "" } else { "s" },
                        if n == 1 { "" } else { "s" },
                    ))));
                }
                Err(e) => error.set(Some(e.message().to_owned())),
            }
            set_busy.set(false);
        });
    };
    let kinds = vec![
        ("email".to_owned(), "E-mail address".to_owned()),
        (
            "user_id".to_owned(),
            "User id (hark('identify'))".to_owned(),
        ),
        ("visitor".to_owned(), "Visitor hash".to_owned()),
    ];
    let question = move || {
        format!(
            "Erase every answer and complaint of {}? This cannot be undone.",
            who.get().trim()
        )
    };
    view! {
        <section class="panel erasure" aria-labelledby="erasure-title">
            <h3 id="erasure-title">"Erase a respondent"</h3>
            <p class="hint">
                "A data-subject request: every answer and complaint of one person on this site is deleted. The audit log names an e-mail address only by a hash."
            </p>
            <div class="field">
                <label for="erasure-by">"Find them by"</label>
                <Choice id="erasure-by" options=kinds current=by on_pick=move |v| by.set(v) />
            </div>
            <TextField id="erasure-who" label="Whom" value=who error=Signal::stored(None::<String>) />
            <div class="actions">
                <ConfirmButton
                    class="erase"
                    label="Erase"
                    aria_label="Erase this respondent's answers and complaints"
                    question=Signal::derive(question)
                    busy
                    confirming
                    on_confirm=erase
                />
            </div>
            <Refusal message=Signal::derive(move || error.get()) />
            <Notice notice=done />
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn text_on_the_brand_is_the_colour_that_contrasts() {
        assert_eq!(text_on("#0969da"), "#fff");
        assert_eq!(text_on("#ffd33d"), "#000");
        assert_eq!(text_on("#000000"), "#fff");
        assert_eq!(text_on("#ffffff"), "#000");
    }

    #[wasm_bindgen_test]
    fn a_sighting_is_said_with_how_long_ago() {
        assert_eq!(
            ago("2026-12-05T10:00:00Z", "2026-12-05T10:03:30Z"),
            "3 minutes ago"
        );
        assert_eq!(
            ago("2026-12-05T10:00:00Z", "2026-12-05T10:00:20Z"),
            "just now"
        );
        assert_eq!(
            ago("2026-12-05T10:00:00Z", "2026-12-05T13:00:00Z"),
            "3 hours ago"
        );
    }
}
