//! The dashboard in a real browser (`wasm-bindgen-test-runner` with chromedriver).
//!
//! There is no collector here: the runner's own server answers the API with 404, which is enough
//! to drive the sign-in screen through its failure path; other tests replace `window.fetch` with
//! a fake collector (`fake_api`) that answers a few routes as the real one does and records every
//! request, to check what the dashboard sends (the CSRF token, no token where a cookie is used).

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

/// Mounts the dashboard into a fresh container, with an empty session and the runner's own
/// `fetch` (every API call is a 404).
fn mount() -> HtmlElement {
    restore_fetch();
    mount_as_is()
}

fn mount_as_is() -> HtmlElement {
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

/// Replaces `window.fetch` with a fake collector. `routes` is a JS object literal mapping
/// `"METHOD /path"` to `{status, body, headers}`; any other request gets a 404. Every request is
/// recorded in `window.harkCalls` as `{key, csrf, authorization, body}`.
fn fake_api(routes: &str) {
    let install = js_sys::Function::new_no_args(&format!(
        r#"
        if (!window.harkRealFetch) window.harkRealFetch = window.fetch;
        const routes = {routes};
        window.harkCalls = [];
        window.fetch = async (request) => {{
            const key = request.method + " " + new URL(request.url).pathname;
            window.harkCalls.push({{
                key,
                csrf: request.headers.get("X-CSRF-Token"),
                authorization: request.headers.get("Authorization"),
                body: await request.text(),
            }});
            const route = routes[key] || {{
                status: 404,
                body: {{ error: {{ code: "not_found", message: "no such route" }} }},
            }};
            const body = route.status === 204 ? null : JSON.stringify(route.body);
            return new Response(body, {{
                status: route.status,
                headers: Object.assign({{ "Content-Type": "application/json" }}, route.headers || {{}}),
            }});
        }};
        "#
    ));
    install.call0(&wasm_bindgen::JsValue::NULL).unwrap();
}

fn restore_fetch() {
    js_sys::Function::new_no_args(
        "if (window.harkRealFetch) { window.fetch = window.harkRealFetch; } window.harkCalls = [];",
    )
    .call0(&wasm_bindgen::JsValue::NULL)
    .unwrap();
}

/// The requests the fake collector saw, as JSON.
fn calls() -> Vec<serde_json::Value> {
    let calls = js_sys::Reflect::get(&web_sys::window().unwrap(), &"harkCalls".into()).unwrap();
    let json = js_sys::JSON::stringify(&calls)
        .unwrap()
        .as_string()
        .unwrap();
    serde_json::from_str(&json).unwrap()
}

fn type_into(root: &HtmlElement, selector: &str, text: &str) {
    let input: HtmlInputElement = root
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .unchecked_into();
    input.set_value(text);
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
}

fn click(root: &HtmlElement, selector: &str) {
    let button: HtmlElement = root
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector} in {}", root.inner_html()))
        .unchecked_into();
    button.click();
}

fn text_of(root: &HtmlElement, selector: &str) -> String {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector} in {}", root.inner_html()))
        .text_content()
        .unwrap_or_default()
}

const SHOP_KEY: &str = "shop0123456789ab";
const BLOG_KEY: &str = "blog0123456789ab";

/// An account with two sites, as `POST /api/v1/admin/session` answers.
const TWO_SITES: &str = r#"{
    email: "ann@shop.test",
    csrf_token: "csrf-of-the-session",
    sites: [
        { site_key: "shop0123456789ab", site_name: "Shop", role: "owner" },
        { site_key: "blog0123456789ab", site_name: "Blog", role: "viewer" }
    ]
}"#;

#[wasm_bindgen_test]
async fn the_sign_in_form_asks_for_an_email_and_password_and_offers_a_token() {
    let root = mount();
    let email: HtmlInputElement = wait_for(&root, "input#email").await.unchecked_into();
    assert_eq!(email.type_(), "email");
    assert_eq!(text_of(&root, "label[for=email]"), "E-mail address");
    let password: HtmlInputElement = root
        .query_selector("input#password")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(password.type_(), "password");
    assert_eq!(text_of(&root, "label[for=password]"), "Password");
    assert_eq!(
        text_of(&root, "form.sign-in-form button[type=submit]"),
        "Sign in"
    );
    // The token is the second way, in the same form: one "Sign in" button for both.
    assert_eq!(
        root.query_selector_all("button[type=submit]")
            .unwrap()
            .length(),
        1
    );
    let input: HtmlInputElement = root
        .query_selector("fieldset.token-sign-in input#token")
        .unwrap()
        .expect("the token form")
        .unchecked_into();
    assert_eq!(input.type_(), "password");
    assert_eq!(text_of(&root, "label[for=token]"), "API token");
    root.remove();
}

#[wasm_bindgen_test]
async fn an_empty_form_says_what_to_enter_and_sends_nothing() {
    fake_api("{}");
    let root = mount_as_is();
    wait_for(&root, "input#email").await;
    let before = calls().len();
    type_into(&root, "input#email", "ann@shop.test");
    click(&root, "form.sign-in-form button[type=submit]");
    let error = wait_for(&root, ".error[role=alert]").await;
    assert_eq!(
        error.text_content().unwrap(),
        "enter your e-mail address and password, or an API token"
    );
    assert_eq!(calls().len(), before);
    root.remove();
    restore_fetch();
}

#[wasm_bindgen_test]
async fn a_wrong_password_shows_the_servers_message() {
    fake_api(
        r#"{ "POST /api/v1/admin/session": { status: 401, body: { error: {
            code: "wrong_credentials", message: "the e-mail address or the password is wrong" } } } }"#,
    );
    let root = mount_as_is();
    wait_for(&root, "input#email").await;
    type_into(&root, "input#email", "ann@shop.test");
    type_into(&root, "input#password", "not the password");
    click(&root, "form.sign-in-form button[type=submit]");
    let error = wait_for(&root, ".error[role=alert]").await;
    assert_eq!(
        error.text_content().unwrap(),
        "the e-mail address or the password is wrong"
    );
    let login = calls()
        .into_iter()
        .find(|c| c["key"] == "POST /api/v1/admin/session")
        .expect("a login request");
    let body: serde_json::Value = serde_json::from_str(login["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"email": "ann@shop.test", "password": "not the password"})
    );
    assert!(root.query_selector("table.responses").unwrap().is_none());
    root.remove();
    restore_fetch();
}

#[wasm_bindgen_test]
async fn too_many_attempts_say_when_to_try_again() {
    fake_api(
        r#"{ "POST /api/v1/admin/session": { status: 429, headers: { "Retry-After": "42" },
            body: { error: { code: "rate_limited", message: "too many failed logins; retry in 42 s" } } } }"#,
    );
    let root = mount_as_is();
    wait_for(&root, "input#email").await;
    type_into(&root, "input#email", "ann@shop.test");
    type_into(&root, "input#password", "guess number six");
    click(&root, "form.sign-in-form button[type=submit]");
    let error = wait_for(&root, ".error[role=alert]").await;
    assert_eq!(
        error.text_content().unwrap(),
        "too many attempts, try again in 42 s"
    );
    root.remove();
    restore_fetch();
}

#[wasm_bindgen_test]
async fn a_user_with_several_sites_picks_one_and_signing_out_ends_the_session() {
    fake_api(&format!(
        r#"{{
            "POST /api/v1/admin/session": {{ status: 200, body: {TWO_SITES} }},
            "GET /api/v1/admin/sites/{BLOG_KEY}/responses": {{ status: 200,
                body: {{ site_key: "{BLOG_KEY}", responses: [] }} }},
            "DELETE /api/v1/admin/session": {{ status: 204 }}
        }}"#
    ));
    let root = mount_as_is();
    wait_for(&root, "input#email").await;
    type_into(&root, "input#email", "ann@shop.test");
    type_into(&root, "input#password", "correct horse battery");
    click(&root, "form.sign-in-form button[type=submit]");

    wait_for(&root, &format!("button.site[data-site={BLOG_KEY}]")).await;
    assert!(root
        .query_selector(&format!("button.site[data-site={SHOP_KEY}]"))
        .unwrap()
        .is_some());
    click(&root, &format!("button.site[data-site={BLOG_KEY}]"));
    wait_for(&root, "p.empty").await;
    assert_eq!(text_of(&root, "h1.site-name"), "Blog");
    assert_eq!(text_of(&root, ".role"), "viewer");
    assert_eq!(text_of(&root, ".who"), "ann@shop.test");

    click(&root, "button.sign-out");
    wait_for(&root, "input#email").await;
    let calls = calls();
    let listed = calls
        .iter()
        .find(|c| c["key"].as_str().unwrap().ends_with("/responses"))
        .expect("the list was fetched");
    // The cookie proves who it is: no token is sent, and a read needs no CSRF token.
    assert_eq!(listed["authorization"], serde_json::Value::Null);
    let logout = calls
        .iter()
        .find(|c| c["key"] == "DELETE /api/v1/admin/session")
        .expect("signing out deletes the session");
    assert_eq!(logout["csrf"], "csrf-of-the-session");
    assert_eq!(session_storage().get_item("hark.token").unwrap(), None);
    root.remove();
    restore_fetch();
}

#[wasm_bindgen_test]
async fn a_live_session_cookie_is_resumed_on_load() {
    fake_api(&format!(
        r#"{{
            "GET /api/v1/admin/me": {{ status: 200, body: {{ email: "ann@shop.test",
                csrf_token: "c", sites: [{{ site_key: "{SHOP_KEY}", site_name: "Shop", role: "owner" }}] }} }},
            "GET /api/v1/admin/sites/{SHOP_KEY}/responses": {{ status: 200,
                body: {{ site_key: "{SHOP_KEY}", responses: [] }} }}
        }}"#
    ));
    let root = mount_as_is();
    wait_for(&root, "p.empty").await;
    assert_eq!(text_of(&root, "h1.site-name"), "Shop");
    // One site: no choice to offer.
    assert!(root.query_selector("button.switch-site").unwrap().is_none());
    root.remove();
    restore_fetch();
}

/// Opens the dashboard at `/…/setup#TOKEN`, as the setup link does; the address is put back after.
async fn at_setup_page<F: std::future::Future<Output = ()>>(token: &str, test: impl FnOnce() -> F) {
    let window = web_sys::window().unwrap();
    let before = window.location().href().unwrap();
    let history = window.history().unwrap();
    history
        .push_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("setup#{token}")),
        )
        .unwrap();
    test().await;
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&before))
        .unwrap();
}

#[wasm_bindgen_test]
async fn the_setup_page_creates_the_first_owner_and_their_first_site() {
    fake_api(&format!(
        r#"{{
            "GET /api/v1/setup": {{ status: 200, body: {{ needed: true, needs_site: true }} }},
            "POST /api/v1/setup": {{ status: 201, body: {{ email: "ann@shop.test",
                csrf_token: "c", sites: [{{ site_key: "{SHOP_KEY}", site_name: "Shop", role: "owner" }}] }} }},
            "GET /api/v1/admin/sites/{SHOP_KEY}/responses": {{ status: 200,
                body: {{ site_key: "{SHOP_KEY}", responses: [] }} }}
        }}"#
    ));
    at_setup_page("the-token", || async {
        let root = mount_as_is();
        wait_for(&root, "form.setup input#setup-email").await;
        type_into(&root, "input#setup-email", "ann@shop.test");
        type_into(&root, "input#setup-password", "correct horse battery");
        type_into(&root, "input#setup-site-name", "Shop");
        type_into(&root, "input#setup-origin", "https://shop.example");
        click(&root, "form.setup button[type=submit]");
        wait_for(&root, "p.empty").await;
        assert_eq!(text_of(&root, "h1.site-name"), "Shop");
        let sent = calls()
            .into_iter()
            .find(|c| c["key"] == "POST /api/v1/setup")
            .expect("the setup request");
        let body: serde_json::Value = serde_json::from_str(sent["body"].as_str().unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"token": "the-token", "email": "ann@shop.test",
                "password": "correct horse battery", "site_name": "Shop",
                "origin": "https://shop.example"})
        );
        // The token leaves the address bar once it is spent.
        let href = web_sys::window().unwrap().location().href().unwrap();
        assert!(!href.contains("the-token"), "{href}");
        root.remove();
    })
    .await;
    restore_fetch();
}

#[wasm_bindgen_test]
async fn the_setup_page_shows_the_servers_refusal_and_says_when_setup_is_done() {
    fake_api(
        r#"{
            "GET /api/v1/setup": { status: 200, body: { needed: true, needs_site: false } },
            "POST /api/v1/setup": { status: 403, body: { error: { code: "forbidden",
                message: "this setup link is wrong, used or expired: restart `hark serve` for a new one" } } }
        }"#,
    );
    at_setup_page("old-token", || async {
        let root = mount_as_is();
        wait_for(&root, "form.setup input#setup-email").await;
        assert!(root
            .query_selector("input#setup-site-name")
            .unwrap()
            .is_none());
        type_into(&root, "input#setup-email", "ann@shop.test");
        type_into(&root, "input#setup-password", "correct horse battery");
        click(&root, "form.setup button[type=submit]");
        let error = wait_for(&root, ".error[role=alert]").await;
        assert!(error
            .text_content()
            .unwrap()
            .contains("wrong, used or expired"));
        root.remove();
    })
    .await;

    fake_api(
        r#"{ "GET /api/v1/setup": { status: 200, body: { needed: false, needs_site: false } } }"#,
    );
    at_setup_page("any", || async {
        let root = mount_as_is();
        let done = wait_for(&root, "p.done").await;
        assert!(done.text_content().unwrap().contains("set up already"));
        assert!(root.query_selector("form.setup").unwrap().is_none());
        root.remove();
    })
    .await;
    restore_fetch();
}

#[wasm_bindgen_test]
async fn a_refused_token_sign_in_shows_why_and_keeps_no_token() {
    let root = mount();
    wait_for(&root, "input#token").await;
    type_into(&root, "input#token", "not-a-real-token");
    click(&root, "form.sign-in-form button[type=submit]");

    let error = wait_for(&root, ".error[role=alert]").await;
    assert!(!error.text_content().unwrap().is_empty());
    assert_eq!(session_storage().get_item("hark.token").unwrap(), None);
    assert!(root.query_selector("table.responses").unwrap().is_none());
    root.remove();
}
