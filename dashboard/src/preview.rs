//! The survey builder's live preview: the real widget, the very bundle the collector serves to
//! sites, mounted with the draft survey in the site's theme and a chosen language, answerable,
//! and sending nothing.
//!
//! The widget's glue is an ES module that the loader imports; the dashboard imports it the same
//! way, through `preview.js` (`import()` is syntax, which Rust cannot call), and passes `mount`
//! the config a visitor in that language receives from the collector (`GET …/config?lang=`,
//! built by `shared::SiteConfig::for_visitor`: the site's theme, the words of that language),
//! with the draft in that language (`Survey::localized`) as its survey, and a bridge of its own: where the loader's `send` puts an answer in
//! its outbox and posts it, this one acknowledges it on the spot, so that the widget thanks the
//! visitor and nothing reaches the collector; `close` takes the widget away and offers a restart.
//! The widget lives in its own shadow root, so the dashboard's styles do not reach it; the stage
//! it is mounted in has a `transform`, which makes the widget's fixed position relative to it.

use crate::shell::Desk;
use js_sys::{Function, Object, Promise, Reflect};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::Survey;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/src/preview.js")]
extern "C" {
    #[wasm_bindgen(js_name = importModule)]
    fn import_module(url: &str) -> Promise;
}

/// Where the widget's bundle is, read from the loader the collector serves
/// (`…/assets/VERSION/widget.js`): the same file sites load.
fn bundle_url(loader: &str) -> Option<String> {
    let at = loader.find("/assets/")?;
    let rest = &loader[at + "/assets/".len()..];
    let version: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    (!version.is_empty()).then(|| format!("/assets/{version}/widget.js"))
}

/// A mounted widget: its host element, and the bridge's callbacks, which live as long as it.
struct Mounted {
    host: web_sys::Element,
    _send: Closure<dyn FnMut(JsValue, JsValue, JsValue)>,
    _close: Closure<dyn FnMut(JsValue)>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.host.remove();
    }
}

fn failed(what: &str) -> impl Fn(JsValue) -> String + '_ {
    move |e| {
        let detail = e
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_default();
        format!("{what} {detail}").trim_end().to_owned()
    }
}

/// The widget's module (its glue initialized, so that `mount` may be called).
async fn widget_module() -> Result<JsValue, String> {
    let loader = crate::api::loader()
        .await
        .map_err(|e| format!("the loader could not be read: {}", e.message()))?;
    let url = bundle_url(&loader)
        .ok_or_else(|| "the collector serves no widget bundle (built without it)".to_owned())?;
    let module = JsFuture::from(import_module(&url))
        .await
        .map_err(failed("the widget bundle could not be loaded:"))?;
    let init: Function = Reflect::get(&module, &"default".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| "the widget bundle has no init".to_owned())?;
    let started = init
        .call0(&JsValue::NULL)
        .map_err(failed("the widget did not start:"))?;
    JsFuture::from(Promise::resolve(&started))
        .await
        .map_err(failed("the widget did not start:"))?;
    Ok(module)
}

/// Mounts the widget showing survey `view` of `config_json` in `stage`. `on_sent` hears each
/// answer the preview kept; `on_close` the widget being closed.
fn mount(
    module: &JsValue,
    stage: &web_sys::HtmlElement,
    config_json: &str,
    view: &str,
    on_sent: impl Fn() + 'static,
    on_close: impl Fn() + 'static,
) -> Result<Mounted, String> {
    let document = stage.owner_document().ok_or("no document")?;
    let host = document
        .create_element("hark-widget")
        .map_err(failed("no host:"))?;
    host.attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))
        .map_err(failed("no shadow root:"))?;
    stage.append_child(&host).map_err(failed("no host:"))?;

    // The loader's `send(path, body, onState)`: acknowledged here as the collector would
    // (201), and kept, never posted.
    let send = Closure::<dyn FnMut(JsValue, JsValue, JsValue)>::new(
        move |_path: JsValue, _body: JsValue, on_state: JsValue| {
            let init = web_sys::ResponseInit::new();
            init.set_status(201);
            let acknowledged = web_sys::Response::new_with_opt_str_and_init(Some("{}"), &init)
                .map(JsValue::from)
                .unwrap_or(JsValue::TRUE);
            if let Some(f) = on_state.dyn_ref::<Function>() {
                let _ = f.call1(&JsValue::NULL, &acknowledged);
            }
            on_sent();
        },
    );
    let close = Closure::<dyn FnMut(JsValue)>::new(move |_answered: JsValue| on_close());
    let bridge = Object::new();
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let _ = Reflect::set(&bridge, &"base".into(), &origin.into());
    let _ = Reflect::set(&bridge, &"send".into(), send.as_ref());
    let _ = Reflect::set(&bridge, &"close".into(), close.as_ref());

    let mounted = Mounted {
        host: host.clone(),
        _send: send,
        _close: close,
    };
    let mount: Function = Reflect::get(module, &"mount".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or("the widget bundle has no mount")?;
    let args = js_sys::Array::of4(&host, &config_json.into(), &view.into(), &bridge);
    mount
        .apply(&JsValue::NULL, &args)
        .map_err(failed("the widget refused the survey:"))?;
    Ok(mounted)
}

/// The languages the preview offers: the built-in ones and the survey's translations.
fn languages(survey: &Survey) -> Vec<(String, String)> {
    let mut langs: Vec<String> = shared::i18n::LANGS
        .iter()
        .map(|l| (*l).to_owned())
        .collect();
    for lang in survey.translations.keys() {
        if !langs.contains(lang) {
            langs.push(lang.clone());
        }
    }
    langs
        .into_iter()
        .map(|l| {
            let label = if survey.translations.contains_key(&l) {
                format!("{l} (translated)")
            } else {
                l.clone()
            };
            (l, label)
        })
        .collect()
}

/// The preview panel.
///
/// - `survey`: the draft, as it is now.
/// - `valid`: whether `Survey::check` takes it (the widget refuses any other).
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn Preview(
    #[prop(into)] survey: Signal<Survey>,
    #[prop(into)] valid: Signal<bool>,
) -> impl IntoView {
    let desk = Desk::expect();
    let stage = NodeRef::<leptos::html::Div>::new();
    let lang = RwSignal::new("en".to_owned());
    // Whether the preview was asked for (it loads the widget's bundle only then).
    let (started, set_started) = signal(false);
    let (closed, set_closed) = signal(false);
    let (kept, set_kept) = signal(0u32);
    let (problem, set_problem) = signal(None::<String>);
    let (restarts, set_restarts) = signal(0u32);
    let mounted = StoredValue::new_local(None::<Mounted>);
    // Each mount's number: a slower, earlier one that finishes late is not shown.
    let generation = StoredValue::new(0u32);
    let api = desk.api.clone();

    Effect::new(move |_| {
        let draft = survey.get();
        let lang = lang.get();
        restarts.track();
        if !started.get() {
            return;
        }
        mounted.set_value(None);
        if !valid.get() {
            set_problem.set(Some(
                "The preview shows the survey once the problems above are fixed.".to_owned(),
            ));
            return;
        }
        let this = generation.get_value() + 1;
        generation.set_value(this);
        let api = api.clone();
        spawn_local(async move {
            let module = match widget_module().await {
                Ok(m) => m,
                Err(e) => {
                    set_problem.set(Some(e));
                    return;
                }
            };
            if generation.get_value() != this {
                return;
            }
            // The config a visitor in this language receives from the collector (its words, the
            // site's theme and launcher), with the draft, in that language, as its survey.
            let lang = shared::site::choose_lang(Some(&lang), std::slice::from_ref(&draft));
            let mut config = match api.visitor_config(&lang).await {
                Ok(config) => config,
                Err(e) => {
                    set_problem.set(Some(format!(
                        "the site's config could not be read: {}",
                        e.message()
                    )));
                    return;
                }
            };
            let view = draft.id.to_string();
            let Ok(survey) = serde_json::to_value(draft.localized(&lang)) else {
                return;
            };
            config["surveys"] = serde_json::Value::Array(vec![survey]);
            config["dir"] = if shared::i18n::is_rtl(&lang) {
                "rtl"
            } else {
                "ltr"
            }
            .into();
            config["lang"] = lang.into();
            let json = config.to_string();
            if generation.get_value() != this {
                return;
            }
            let Some(stage) = stage.get_untracked() else {
                return;
            };
            let on_close = move || {
                set_closed.set(true);
                // Taken away after the widget's own handler has returned.
                set_timeout(move || mounted.set_value(None), std::time::Duration::ZERO);
            };
            match mount(
                &module,
                &stage,
                &json,
                &view,
                move || set_kept.update(|n| *n += 1),
                on_close,
            ) {
                Ok(m) => {
                    // A fresh widget (a restart, or the draft changed): nothing answered in it yet.
                    set_problem.set(None);
                    set_kept.set(0);
                    set_closed.set(false);
                    mounted.set_value(Some(m));
                }
                Err(e) => set_problem.set(Some(e)),
            }
        });
    });
    on_cleanup(move || mounted.set_value(None));

    let start = move |_| {
        set_kept.set(0);
        set_closed.set(false);
        if started.get_untracked() {
            set_restarts.update(|n| *n += 1);
        } else {
            set_started.set(true);
        }
    };
    let options = Signal::derive(move || survey.with(languages));
    view! {
        <section class="panel preview" aria-labelledby="preview-title">
            <h3 id="preview-title">"Preview"</h3>
            <p class="hint">
                "The real widget, in the site's theme, as a visitor in this language sees it. Answers in the preview are never sent."
            </p>
            <div class="preview-controls">
                <label for="preview-lang">"Language"</label>
                <crate::controls::Choice
                    id="preview-lang"
                    options=options
                    current=Signal::derive(move || lang.get())
                    on_pick=move |l| lang.set(l)
                />
                <button type="button" class="secondary start-preview" on:click=start>
                    {move || if started.get() { "Restart preview" } else { "Show preview" }}
                </button>
            </div>
            <p class="preview-status" role="status">
                {move || {
                    if let Some(problem) = problem.get() {
                        problem
                    } else if closed.get() {
                        "The preview was closed.".to_owned()
                    } else if kept.get() > 0 {
                        "Answered in the preview: nothing was sent to the collector.".to_owned()
                    } else {
                        String::new()
                    }
                }}
            </p>
            <div class="preview-stage" node_ref=stage></div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::bundle_url;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn the_bundle_is_found_in_the_loader() {
        let minified = "(()=>{const m=await import(b+'/assets/0a1b2c3d4e5f/widget.js')})";
        assert_eq!(
            bundle_url(minified).as_deref(),
            Some("/assets/0a1b2c3d4e5f/widget.js")
        );
        assert_eq!(
            bundle_url("const m = import(b + '__HARK_ASSETS__/widget.js')"),
            None
        );
    }
}
