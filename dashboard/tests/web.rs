//! The dashboard in a real browser (`wasm-bindgen-test-runner` with chromedriver).
//!
//! There is no collector here: the runner's own server answers the API with 404, which is enough
//! to drive the sign-in screen through its failure path.

#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Document, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> Document {
    web_sys::window().unwrap().document().unwrap()
}

fn session_storage() -> web_sys::Storage {
    web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap()
}

/// Mounts the dashboard into a fresh container, with an empty session.
fn mount() -> HtmlElement {
    session_storage().clear().unwrap();
    let container: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&container).unwrap();
    leptos::mount::mount_to(container.clone(), dashboard::App).forget();
    container
}

/// Waits for `selector` to match inside `root`, giving up after about five seconds.
async fn wait_for(root: &HtmlElement, selector: &str) -> HtmlElement {
    for _ in 0..100 {
        if let Some(el) = root.query_selector(selector).unwrap() {
            return el.unchecked_into();
        }
        next_tick(50).await;
    }
    panic!("{selector} never appeared in {}", root.inner_html());
}

async fn next_tick(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

#[wasm_bindgen_test]
async fn the_sign_in_form_asks_for_a_hidden_token() {
    let root = mount();
    let input: HtmlInputElement = wait_for(&root, "input#token").await.unchecked_into();
    assert_eq!(input.type_(), "password");
    let label = root
        .query_selector("label[for=token]")
        .unwrap()
        .expect("a label for the token");
    assert_eq!(label.text_content().unwrap(), "API token");
    let button = root.query_selector("button[type=submit]").unwrap().unwrap();
    assert_eq!(button.text_content().unwrap(), "Sign in");
    root.remove();
}

#[wasm_bindgen_test]
async fn a_refused_sign_in_shows_why_and_keeps_no_token() {
    let root = mount();
    let input: HtmlInputElement = wait_for(&root, "input#token").await.unchecked_into();
    input.set_value("not-a-real-token");
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    let button: HtmlElement = root
        .query_selector("button[type=submit]")
        .unwrap()
        .unwrap()
        .unchecked_into();
    button.click();

    let error = wait_for(&root, ".error[role=alert]").await;
    assert!(!error.text_content().unwrap().is_empty());
    assert_eq!(session_storage().get_item("hark.token").unwrap(), None);
    assert!(root.query_selector("table.responses").unwrap().is_none());
    root.remove();
}
