//! The in-page feedback widget.
//!
//! The loader (`loader.js`) decides that a survey is due, appends a `<hark-widget>` host with an
//! open shadow root to the page, imports this module and calls [`mount`]. Everything the widget
//! shows lives inside that shadow root and is styled by one constructed stylesheet ([`style`]),
//! so the host page's CSS cannot reach the widget and the widget cannot reach the page.

mod card;
mod nps;
mod send;
mod style;
mod survey;

use card::SurveyCard;
use leptos::prelude::*;
use send::Collector;
use shared::SiteKey;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Shows `survey_json` (a [`shared::Survey`]) in the shadow root of `host`; answers go to
/// `api_base`. Anything unusable is reported with one console warning and nothing is shown:
/// this runs on other people's pages, so it never throws into them.
#[wasm_bindgen]
pub fn mount(host: web_sys::Element, survey_json: String, api_base: String, site_key: String) {
    if let Err(why) = try_mount(host, &survey_json, api_base, site_key) {
        leptos::logging::warn!("hark: {why}");
    }
}

fn try_mount(
    host: web_sys::Element,
    survey_json: &str,
    api_base: String,
    site_key: String,
) -> Result<(), String> {
    let survey = survey::parse(survey_json).map_err(|e| format!("invalid survey: {e}"))?;
    if survey.questions.is_empty() {
        return Err(format!("survey {} has no questions", survey.id));
    }
    let site_key = SiteKey::parse(site_key).map_err(|e| e.to_string())?;
    let collector = Collector::new(api_base, site_key).ok_or("no crypto to make response ids")?;
    let shadow = host
        .shadow_root()
        .ok_or("the host element has no open shadow root")?;
    let document = host
        .owner_document()
        .ok_or("the host element has no document")?;

    style::adopt(&shadow, &document).map_err(|_| "cannot style the shadow root")?;
    let container = document
        .create_element("div")
        .map_err(|_| "cannot create the container")?
        .unchecked_into::<web_sys::HtmlElement>();
    shadow
        .append_child(&container)
        .map_err(|_| "cannot fill the shadow root")?;

    // The widget lives as long as the page (or until closed): nothing ever unmounts it, so the
    // handle is forgotten rather than dropped, which would unmount at once.
    mount_to(container, move || {
        view! { <SurveyCard survey=survey collector=collector on_close=move || host.remove() /> }
    })
    .forget();
    Ok(())
}
