//! The in-page feedback widget.
//!
//! The loader (`loader.js`) decides that a survey is due (or the visitor opened the launcher),
//! appends a `<hark-widget>` host with an open shadow root to the page, imports this module and
//! calls [`mount`]. Everything the widget shows lives inside that shadow root and is styled by
//! one constructed stylesheet ([`style`]), so the host page's CSS cannot reach the widget and
//! the widget cannot reach the page.

mod bridge;
mod card;
mod config;
mod flow;
mod style;

use bridge::Bridge;
use card::Card;
use flow::{Flow, Words};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// How many of `element`'s earlier siblings there are: its position in its group.
fn position(element: &web_sys::Element) -> usize {
    let mut position = 0;
    let mut sibling = element.previous_element_sibling();
    while let Some(earlier) = sibling {
        position += 1;
        sibling = earlier.previous_element_sibling();
    }
    position
}

/// Shows `view` of the site config `config_json` (a `shared::SiteConfig`, in the visitor's
/// language) in the shadow root of `host`: a survey's id, or `menu`, `complaint` or
/// `suggestion`. `bridge` is the loader's object (`send`, `close`). Anything unusable is
/// reported with one console warning and nothing is shown: this runs on other people's pages,
/// so it never throws into them.
#[wasm_bindgen]
pub fn mount(host: web_sys::Element, config_json: String, view: String, bridge: JsValue) {
    if let Err(why) = try_mount(host, &config_json, &view, bridge.clone()) {
        web_sys::console::warn_1(
            &(String::from("hark: invalid config (bad or unsupported: ") + why + ")").into(),
        );
        // The loader takes its (empty) host away again, so that nothing blocks a later open.
        Bridge::close_raw(&bridge);
    }
}

fn try_mount(
    host: web_sys::Element,
    config_json: &str,
    view: &str,
    bridge: JsValue,
) -> Result<(), &'static str> {
    let config = config::parse(config_json)?;
    let words = Words(config::field(&config, "strings")?);
    if !words.0.is_object() {
        return Err("strings");
    }
    let site_key = config::string(&config, "site_key")?;
    let categories = config::categories(&config)?;
    let launcher = config::field(&config, "launcher")?;
    let flow = match view {
        "menu" => Flow::Menu {
            rate_us: config::string(&launcher, "survey")
                .ok()
                .and_then(|id| config::find_survey(&config, &id).ok()),
        },
        "complaint" => Flow::Problem {
            categories: categories.clone(),
        },
        "suggestion" => Flow::Suggestion,
        id => Flow::Survey(config::find_survey(&config, id)?),
    };
    let title: &'static str = match &flow {
        Flow::Survey(s) => String::from(s.name.as_str()).leak(),
        _ => words.get("launcher"),
    };
    let shadow = host.shadow_root().ok_or("host")?;
    let document = host.owner_document().ok_or("host")?;
    let theme = config::field(&config, "theme")?;
    let pos = style::adopt(&shadow, &document, &theme).map_err(|_| "theme")?;
    if pos {
        let _ = host.set_attribute("data-pos", "left");
    }
    let mode = config::string(&theme, "mode").unwrap_or_default();
    let container = document
        .create_element("div")
        .map_err(|_| "host")?
        .unchecked_into::<web_sys::HtmlElement>();
    container.set_class_name(match mode.as_str() {
        "dark" => "dark",
        "light" => "light",
        _ => "auto",
    });
    shadow.append_child(&container).map_err(|_| "host")?;

    let rtl = config::string(&config, "dir").ok().as_deref() == Some("rtl");
    let card = Card::new(
        flow,
        words,
        Bridge::new(bridge, shadow),
        site_key,
        categories,
        rtl,
    );
    // The widget lives as long as the page (or until closed): nothing ever unmounts it, so the
    // handle and the listener are forgotten rather than dropped, which would undo them at once.
    let on_event = {
        let card = card.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |ev| card.on_event(ev))
    };
    for event in ["click", "keydown", "submit", "input"] {
        container
            .add_event_listener_with_callback(event, on_event.as_ref().unchecked_ref())
            .map_err(|_| "host")?;
    }
    on_event.forget();
    let view = card.view(title);
    mount_to(container, move || view).forget();
    card.show_step();
    card.funnel("shown");
    Ok(())
}
