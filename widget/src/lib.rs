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

use card::survey_card;
use leptos::prelude::*;
use send::Collector;
use shared::SiteKey;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// How many of `element`'s earlier siblings have its class: its position among its like siblings.
fn position(element: &web_sys::Element) -> usize {
    let class = element.class_name();
    let mut position = 0;
    let mut sibling = element.previous_element_sibling();
    while let Some(earlier) = sibling {
        if earlier.class_name() == class {
            position += 1;
        }
        sibling = earlier.previous_element_sibling();
    }
    position
}

/// Shows `survey_json` (a [`shared::Survey`]) in the shadow root of `host`; answers go to
/// `api_base`. Anything unusable is reported with one console warning and nothing is shown:
/// this runs on other people's pages, so it never throws into them.
#[wasm_bindgen]
pub fn mount(host: web_sys::Element, survey_json: String, api_base: String, site_key: String) {
    if let Err(why) = try_mount(host, &survey_json, api_base, site_key) {
        web_sys::console::warn_1(&(String::from("hark: ") + &why).into());
    }
}

fn try_mount(
    host: web_sys::Element,
    survey_json: &str,
    api_base: String,
    site_key: String,
) -> Result<(), String> {
    // Messages are put together without `format!`: its machinery costs kilobytes on the page.
    let survey = survey::parse(survey_json)
        .map_err(|at| String::from("invalid survey (bad or unsupported: ") + at + ")")?;
    if survey.questions.is_empty() {
        return Err("the survey has no questions".into());
    }
    let site_key = SiteKey::parse(site_key)
        .map_err(|_| "site key must be 1 to 64 characters of a-z, A-Z, 0-9, '_' or '-'")?;
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
    // handle and the listener are forgotten rather than dropped, which would undo them at once.
    let (card, on_event) = survey_card(survey, collector, move || host.remove());
    let on_event = Closure::<dyn FnMut(web_sys::Event)>::new(on_event);
    for event in ["click", "keydown", "submit"] {
        container
            .add_event_listener_with_callback(event, on_event.as_ref().unchecked_ref())
            .map_err(|_| "cannot listen to the card")?;
    }
    on_event.forget();
    mount_to(container, move || card).forget();
    Ok(())
}
