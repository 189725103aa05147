//! The dashboard in a real browser (`wasm-bindgen-test-runner` with chromedriver).
//!
//! There is no collector here: the runner's own server answers the API with 404, which is enough
//! to drive the sign-in screen through its failure path; other tests replace `window.fetch` with
//! a fake collector (`fake_api`) that answers a few routes as the real one does and records every
//! request, to check what the dashboard sends (the CSRF token, no token where a cookie is used).
//! Signed in, a page is opened by the address's fragment (`#/cases/…`), as a bookmark would;
//! axe-core, when `cargo xtask setup` installed it (`build.rs`), checks every page.

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

thread_local! {
    /// The dashboard mounted by the last test, unmounted when the next one mounts, so that its
    /// listeners on the window (keys, the address's fragment) do not act in later tests.
    static MOUNTED: std::cell::RefCell<Option<Box<dyn std::any::Any>>> = const { std::cell::RefCell::new(None) };
}

/// Mounts the dashboard with the `fetch` as it is, at no page (the inbox) unless this is the
/// setup link's address.
fn mount_as_is() -> HtmlElement {
    let path = web_sys::window().unwrap().location().pathname().unwrap();
    if !path.ends_with("/setup") {
        at_page("");
    }
    mount_here()
}

/// Mounts the signed-in dashboard at `fragment`.
fn mount_at(fragment: &str) -> HtmlElement {
    at_page(fragment);
    mount_here()
}

fn mount_here() -> HtmlElement {
    MOUNTED.with(|m| drop(m.borrow_mut().take()));
    session_storage().clear().unwrap();
    let container: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&container).unwrap();
    let handle = leptos::mount::mount_to(container.clone(), dashboard::App);
    MOUNTED.with(|m| *m.borrow_mut() = Some(Box::new(handle)));
    container
}

/// Opens the signed-in dashboard at `fragment` (`#/inbox`, `#/cases/…`): the address names the
/// page, as a bookmark would.
fn at_page(fragment: &str) {
    let window = web_sys::window().unwrap();
    let location = window.location();
    let address = format!(
        "{}{}{fragment}",
        location.pathname().unwrap(),
        location.search().unwrap()
    );
    window
        .history()
        .unwrap()
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&address))
        .unwrap();
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
/// `"METHOD /path"` to `{status, body (JSON) or text, headers}`, or to a list of them answered in turn (the
/// last one again from then on); any other request gets a 404. Every request is
/// recorded in `window.harkCalls` as `{key, search, csrf, authorization, body}`.
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
                search: new URL(request.url).search,
                csrf: request.headers.get("X-CSRF-Token"),
                authorization: request.headers.get("Authorization"),
                body: await request.text(),
            }});
            // A list answers in turn, its last answer from then on.
            const listed = routes[key];
            const found = Array.isArray(listed)
                ? (listed.length > 1 ? listed.shift() : listed[0])
                : listed;
            const route = found || {{
                status: 404,
                body: {{ error: {{ code: "not_found", message: "no such route" }} }},
            }};
            // `text` is a body as it is (an export's CSV), `body` one as JSON.
            const body = route.status === 204 ? null
                : route.text !== undefined ? route.text : JSON.stringify(route.body);
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

/// A site without complaints, as `GET …/complaints` lists it.
const EMPTY_CASES: &str = r#"{ site_key: "shop0123456789ab", complaints: [], next: null,
    counts: { active: 0, unassigned: 0, mine: 0, by_status: {} } }"#;
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
            "GET /api/v1/admin/sites/{BLOG_KEY}/complaints": {{ status: 200,
                body: {EMPTY_CASES} }},
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
        .find(|c| c["key"].as_str().unwrap().ends_with("/complaints"))
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
                body: {{ site_key: "{SHOP_KEY}", responses: [] }} }},
            "GET /api/v1/admin/sites/{SHOP_KEY}/complaints": {{ status: 200, body: {EMPTY_CASES} }}
        }}"#
    ));
    let root = mount_as_is();
    // Signed in, the inbox is the first page.
    let empty = wait_for(&root, "p.empty").await;
    assert_eq!(empty.text_content().unwrap(), "No complaints yet.");
    assert_eq!(text_of(&root, "h1.site-name"), "Shop");
    assert_eq!(text_of(&root, "nav a[aria-current=page]"), "Inbox");
    // One site: no choice to offer.
    assert!(root.query_selector("button.switch-site").unwrap().is_none());
    // The responses are one link away.
    click(&root, "nav a[href='#/responses']");
    wait_for(&root, "div.responses p.empty").await;
    assert_eq!(text_of(&root, "nav a[aria-current=page]"), "Responses");
    assert_eq!(
        root.query_selector_all("main").unwrap().length(),
        1,
        "one main landmark"
    );
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
            "GET /api/v1/admin/sites/{SHOP_KEY}/complaints": {{ status: 200, body: {EMPTY_CASES} }}
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

// The complaint workflow: the inbox, a case's page, problems and settings, against a fake
// collector that answers the routes of the workflow's admin API.

const CASE_1: &str = "0190a0c2-7b6e-7d3f-9a55-000000000001";
const CASE_2: &str = "0190a0c2-7b6e-7d3f-9a55-000000000002";

/// The path of a site's admin route, as the fake collector keys it.
fn site(rest: &str) -> String {
    format!("/api/v1/admin/sites/{SHOP_KEY}/{rest}")
}

/// A case as the collector sends it.
fn case(
    id: &str,
    reference: &str,
    status: &str,
    priority: &str,
    description: &str,
) -> serde_json::Value {
    serde_json::json!({
        "id": id, "reference": reference, "status": status, "kind": "problem",
        "category": "Billing", "description": description, "impact": 3, "urgency": "normal",
        "priority": priority, "priority_overridden": false,
        "assignee": { "id": 4, "email": "bo@shop.test" },
        "email": "cy@customer.test", "contact_consent": true,
        "page_url": "https://shop.example/checkout", "received_at": "2026-11-23T12:13:40Z",
        "updated_at": "2026-11-23T12:13:40Z", "page_path": "/checkout", "device": "mobile",
        "browser": "Firefox", "locale": "de-DE", "user_id": "u-17",
        "attributes": { "plan": "pro" }
    })
}

/// A case's page as the collector sends it, with one entry in its timeline.
fn case_view(case: serde_json::Value, allowed: &[&str]) -> serde_json::Value {
    serde_json::json!({
        "complaint": case,
        "timeline": [{ "id": 1, "at": "2026-11-23T12:13:40Z", "kind": "received",
            "actor": { "type": "customer" }, "detail": "through the widget" }],
        "allowed_transitions": allowed,
        "suggestion": { "category": "Delivery", "matched": ["parcel"], "reason": "matched 'parcel'" },
        "similar": []
    })
}

fn two_cases() -> serde_json::Value {
    serde_json::json!({
        "site_key": SHOP_KEY,
        "complaints": [
            case(CASE_1, "HK-7QF3", "new", "P1", "I was charged twice for one order"),
            case(CASE_2, "HK-9ZX2", "open", "P3", "The parcel never arrived"),
        ],
        "next": null,
        "counts": { "active": 2, "unassigned": 1, "mine": 1,
            "by_status": { "new": 1, "open": 1, "resolved": 3 } }
    })
}

/// The fake collector's routes for a signed-in owner of the shop, plus `routes` (a JSON object
/// of `"METHOD /path"` to `{status, body}`).
fn signed_in_with(routes: serde_json::Value) -> String {
    let mut all = serde_json::json!({
        "GET /api/v1/admin/me": { "status": 200, "body": { "email": "ann@shop.test",
            "csrf_token": "csrf-of-the-session",
            "sites": [{ "site_key": SHOP_KEY, "site_name": "Shop", "role": "owner" }] } },
        (format!("GET {}", site("agents"))): { "status": 200, "body": { "agents": [
            { "id": 3, "email": "ann@shop.test", "role": "owner", "active_cases": 0 },
            { "id": 4, "email": "bo@shop.test", "role": "agent", "active_cases": 2 }
        ] } },
        (format!("GET {}", site("settings"))): { "status": 200, "body": {
            "categories": ["Billing", "Delivery"] } },
        (format!("GET {}", site("problems"))): { "status": 200, "body": {
            "site_key": SHOP_KEY, "problems": [] } },
    });
    all.as_object_mut()
        .unwrap()
        .extend(routes.as_object().unwrap().clone());
    all.to_string()
}

/// Presses `key` with the focus on the page, and lets the dashboard's effects run.
async fn press(key: &str) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    let event =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    document().body().unwrap().dispatch_event(&event).unwrap();
    next_tick(10).await;
}

fn type_into_area(root: &HtmlElement, selector: &str, text: &str) {
    let area: web_sys::HtmlTextAreaElement = root
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .unchecked_into();
    area.set_value(text);
}

fn choose(root: &HtmlElement, selector: &str, value: &str) {
    let select: web_sys::HtmlSelectElement = root
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector} in {}", root.inner_html()))
        .unchecked_into();
    select.set_value(value);
    assert_eq!(select.value(), value, "{selector} has no option {value}");
    select
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
}

/// Waits for the fake collector to see `key`, and returns the request's JSON body.
async fn sent(key: &str) -> serde_json::Value {
    for _ in 0..100 {
        if let Some(call) = calls().into_iter().rev().find(|c| c["key"] == key) {
            let body = call["body"].as_str().unwrap_or_default();
            return serde_json::from_str(body).unwrap_or(serde_json::Value::Null);
        }
        next_tick(50).await;
    }
    panic!("{key} was never sent: {:?}", calls());
}

fn sent_count(key: &str) -> usize {
    calls().into_iter().filter(|c| c["key"] == key).count()
}

#[wasm_bindgen_test]
async fn the_inbox_lists_cases_with_the_queues_counts() {
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site("complaints"))): { "status": 200, "body": two_cases() },
    })));
    let root = mount_at("#/inbox");
    wait_for(&root, "table.cases tbody tr").await;
    let rows = root.query_selector_all("table.cases tbody tr").unwrap();
    assert_eq!(rows.length(), 2);
    assert_eq!(
        text_of(&root, &format!("tr[data-id='{CASE_1}'] td.reference")),
        "HK-7QF3"
    );
    assert_eq!(
        text_of(&root, &format!("tr[data-id='{CASE_2}'] td.excerpt")),
        "The parcel never arrived"
    );
    assert_eq!(
        text_of(&root, &format!("tr[data-id='{CASE_1}'] td.assignee")),
        "bo@shop.test"
    );
    assert_eq!(
        text_of(&root, &format!("tr[data-id='{CASE_1}'] .priority")),
        "P1"
    );
    assert_eq!(text_of(&root, "button[data-queue=active] .count"), "2");
    assert_eq!(text_of(&root, "button[data-queue=unassigned] .count"), "1");
    assert_eq!(text_of(&root, "button[data-queue=mine] .count"), "1");
    assert_eq!(text_of(&root, "button[data-queue=resolved] .count"), "3");
    assert_eq!(text_of(&root, "button[data-queue=spam] .count"), "0");
    assert_eq!(text_of(&root, "nav a[aria-current=page]"), "Inbox");
    let first = calls()
        .into_iter()
        .find(|c| c["key"] == format!("GET {}", site("complaints")))
        .unwrap();
    assert!(
        first["search"].as_str().unwrap().contains("status=active"),
        "{first}"
    );

    // A queue is a filter: "Unassigned" asks for active cases of nobody.
    click(&root, "button[data-queue=unassigned]");
    for _ in 0..100 {
        if calls().iter().any(|c| {
            c["search"]
                .as_str()
                .unwrap_or_default()
                .contains("assignee=none")
        }) {
            break;
        }
        next_tick(50).await;
    }
    let last = calls()
        .into_iter()
        .rev()
        .find(|c| c["key"] == format!("GET {}", site("complaints")))
        .unwrap();
    let search = last["search"].as_str().unwrap();
    assert!(
        search.contains("status=active") && search.contains("assignee=none"),
        "{search}"
    );
    assert_eq!(
        root.query_selector("button[data-queue=unassigned]")
            .unwrap()
            .unwrap()
            .get_attribute("aria-pressed")
            .as_deref(),
        Some("true")
    );
    restore_fetch();
}

#[wasm_bindgen_test]
async fn j_k_and_enter_open_the_selected_case() {
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site("complaints"))): { "status": 200, "body": two_cases() },
        (format!("GET {}", site(&format!("complaints/{CASE_2}")))): { "status": 200,
            "body": case_view(case(CASE_2, "HK-9ZX2", "open", "P3", "The parcel never arrived"), &["in_progress", "resolved"]) },
    })));
    let root = mount_at("#/inbox");
    wait_for(&root, "table.cases tbody tr").await;
    press("j").await;
    press("j").await;
    press("j").await;
    press("k").await;
    press("j").await;
    wait_for(&root, &format!("tr.selected[data-id='{CASE_2}']")).await;
    press("Enter").await;
    let heading = wait_for(&root, "article.case h2").await;
    assert_eq!(heading.text_content().unwrap(), "HK-9ZX2");
    assert!(web_sys::window()
        .unwrap()
        .location()
        .hash()
        .unwrap()
        .ends_with(CASE_2));
    // The customer's words and what ingest learned, as text.
    assert_eq!(text_of(&root, "p.words"), "The parcel never arrived");
    let facts = text_of(&root, "dl.facts");
    for fact in [
        "Firefox",
        "mobile",
        "de-DE",
        "u-17",
        "/checkout",
        "plan",
        "pro",
        "cy@customer.test",
    ] {
        assert!(facts.contains(fact), "{fact} in {facts}");
    }
    assert_eq!(text_of(&root, "ol.timeline li .kind"), "Received");
    assert!(text_of(&root, ".suggestion").contains("matched 'parcel'"));
    assert_eq!(text_of(&root, "a.back"), "← Back to inbox");
    // Only the moves the collector allows are offered.
    let options = root
        .query_selector_all("select#case-status option")
        .unwrap();
    assert_eq!(options.length(), 2);
    // The keys do nothing once the inbox is gone.
    let before = calls().len();
    press("e").await;
    next_tick(100).await;
    assert_eq!(calls().len(), before);
    restore_fetch();
}

#[wasm_bindgen_test]
async fn e_resolves_the_selected_case_but_not_while_typing() {
    let resolved = case(
        CASE_1,
        "HK-7QF3",
        "resolved",
        "P1",
        "I was charged twice for one order",
    );
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site("complaints"))): { "status": 200, "body": two_cases() },
        (format!("POST {}", site(&format!("complaints/{CASE_1}/status")))): { "status": 200,
            "body": case_view(resolved, &["reopened", "closed"]) },
    })));
    let root = mount_at("#/inbox");
    wait_for(&root, "table.cases tbody tr").await;
    let key = format!("POST {}", site(&format!("complaints/{CASE_1}/status")));

    // A key typed into the search field is text, not a shortcut.
    let search: HtmlElement = root
        .query_selector("input#filter-q")
        .unwrap()
        .unwrap()
        .unchecked_into();
    search.focus().unwrap();
    let init = web_sys::KeyboardEventInit::new();
    init.set_key("j");
    init.set_bubbles(true);
    search
        .dispatch_event(
            &web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap(),
        )
        .unwrap();
    assert!(root.query_selector("tr.selected").unwrap().is_none());
    search.blur().unwrap();

    press("j").await;
    press("x").await;
    let checkbox: HtmlInputElement = root
        .query_selector(&format!("tr[data-id='{CASE_1}'] input[type=checkbox]"))
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert!(
        checkbox.checked(),
        "x checks the selected row: {}",
        root.inner_html()
    );
    assert_eq!(text_of(&root, ".checked-count"), "1 checked");
    press("e").await;
    assert_eq!(
        sent(&key).await,
        serde_json::json!({ "status": "resolved" })
    );
    assert_eq!(sent_count(&key), 1);
    let status = wait_for(&root, &format!("tr[data-id='{CASE_1}'] td.status")).await;
    for _ in 0..100 {
        if status.is_connected() && status.text_content().unwrap() == "Resolved" {
            break;
        }
        next_tick(50).await;
    }
    assert_eq!(
        text_of(&root, &format!("tr[data-id='{CASE_1}'] td.status")),
        "Resolved"
    );
    restore_fetch();
}

#[wasm_bindgen_test]
async fn checked_cases_are_changed_in_bulk() {
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site("complaints"))): { "status": 200, "body": two_cases() },
        (format!("POST {}", site("complaints/bulk"))): { "status": 200, "body": { "results": [
            { "id": CASE_1, "ok": true },
            { "id": CASE_2, "ok": false, "error": { "code": "invalid_transition", "message": "a case cannot go from open to closed here" } }
        ] } },
    })));
    let root = mount_at("#/inbox");
    wait_for(&root, "select#bulk-assignee option[value='4']").await;
    click(
        &root,
        &format!("tr[data-id='{CASE_1}'] input[type=checkbox]"),
    );
    click(
        &root,
        &format!("tr[data-id='{CASE_2}'] input[type=checkbox]"),
    );
    // The bar's count and its buttons follow on the next tick.
    next_tick(20).await;
    assert_eq!(text_of(&root, ".checked-count"), "2 checked");
    choose(&root, "select#bulk-assignee", "4");
    click(&root, "button.bulk-assign");
    let body = sent(&format!("POST {}", site("complaints/bulk"))).await;
    assert_eq!(
        body,
        serde_json::json!({ "ids": [CASE_1, CASE_2], "assignee": { "user_id": 4 } })
    );
    let error = wait_for(&root, ".inbox .error[role=alert]").await;
    assert!(
        error.text_content().unwrap().contains("1 changed, 1 not"),
        "{}",
        error.text_content().unwrap()
    );
    restore_fetch();
}

#[wasm_bindgen_test]
async fn a_reply_and_an_internal_note_send_their_bodies() {
    let view = case_view(
        case(CASE_1, "HK-7QF3", "open", "P1", "Charged twice"),
        &["in_progress"],
    );
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site(&format!("complaints/{CASE_1}")))): { "status": 200, "body": view },
        (format!("POST {}", site(&format!("complaints/{CASE_1}/replies")))): { "status": 201, "body": view },
    })));
    let root = mount_at(&format!("#/cases/{CASE_1}"));
    wait_for(&root, "textarea#composer-text").await;
    let key = format!("POST {}", site(&format!("complaints/{CASE_1}/replies")));

    type_into_area(
        &root,
        "textarea#composer-text",
        "We refunded the second charge.",
    );
    click(&root, "button.reply");
    assert_eq!(
        sent(&key).await,
        serde_json::json!({ "body": "We refunded the second charge.", "internal": false })
    );
    let csrf = calls().into_iter().find(|c| c["key"] == key).unwrap()["csrf"].clone();
    assert_eq!(csrf, "csrf-of-the-session");
    // The text is cleared once the collector has it.
    for _ in 0..100 {
        if sent_count(&key) == 1 && text_value(&root, "textarea#composer-text").is_empty() {
            break;
        }
        next_tick(50).await;
    }
    assert_eq!(text_value(&root, "textarea#composer-text"), "");

    type_into_area(
        &root,
        "textarea#composer-text",
        "Billing confirmed the double charge.",
    );
    click(&root, "button.note");
    for _ in 0..100 {
        if sent_count(&key) == 2 {
            break;
        }
        next_tick(50).await;
    }
    assert_eq!(
        sent(&key).await,
        serde_json::json!({ "body": "Billing confirmed the double charge.", "internal": true })
    );
    assert_eq!(text_of(&root, "button.reply"), "Reply to customer");
    assert_eq!(text_of(&root, "button.note"), "Add internal note");
    restore_fetch();
}

fn text_value(root: &HtmlElement, selector: &str) -> String {
    let area: web_sys::HtmlTextAreaElement = root
        .query_selector(selector)
        .unwrap()
        .unwrap()
        .unchecked_into();
    area.value()
}

#[wasm_bindgen_test]
async fn a_refused_transition_shows_the_servers_message() {
    let view = case_view(
        case(CASE_1, "HK-7QF3", "new", "P1", "Charged twice"),
        &["open", "closed"],
    );
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site(&format!("complaints/{CASE_1}")))): { "status": 200, "body": view },
        (format!("POST {}", site(&format!("complaints/{CASE_1}/status")))): { "status": 409,
            "body": { "error": { "code": "invalid_transition",
                "message": "a case cannot go from new to closed here; it may go to: open, resolved",
                "allowed": ["open", "resolved"] } } },
    })));
    let root = mount_at(&format!("#/cases/{CASE_1}"));
    wait_for(&root, "select#case-status").await;
    choose(&root, "select#case-status", "closed");
    click(&root, "button.set-status");
    let body = sent(&format!(
        "POST {}",
        site(&format!("complaints/{CASE_1}/status"))
    ))
    .await;
    assert_eq!(body, serde_json::json!({ "status": "closed" }));
    let error = wait_for(&root, "article.case .error[role=alert]").await;
    assert_eq!(
        error.text_content().unwrap(),
        "a case cannot go from new to closed here; it may go to: open, resolved"
    );
    // The case did not change.
    assert_eq!(text_of(&root, ".case-head .status"), "New");
    restore_fetch();
}

#[wasm_bindgen_test]
async fn a_viewer_reads_a_case_but_cannot_change_it() {
    let view = case_view(case(CASE_1, "HK-7QF3", "new", "P1", "Charged twice"), &[]);
    fake_api(&signed_in_with(serde_json::json!({
        "GET /api/v1/admin/me": { "status": 200, "body": { "email": "vi@shop.test",
            "csrf_token": "c", "sites": [{ "site_key": SHOP_KEY, "site_name": "Shop", "role": "viewer" }] } },
        (format!("GET {}", site(&format!("complaints/{CASE_1}")))): { "status": 200, "body": view },
    })));
    let root = mount_at(&format!("#/cases/{CASE_1}"));
    wait_for(&root, "article.case").await;
    for control in [
        "textarea#composer-text",
        "select#case-status",
        "select#case-assignee",
        "button.take",
        "input#case-merge",
        "button.apply-suggestion",
    ] {
        assert!(
            root.query_selector(control).unwrap().is_none(),
            "{control} shown to a viewer"
        );
    }
    restore_fetch();
}

#[wasm_bindgen_test]
async fn the_settings_page_saves_the_matrix_and_shows_a_refusal() {
    let workflow = serde_json::json!({
        "rules": [{ "category": "Billing", "keywords": ["refund", "charged"], "urgency": "high" }],
        "matrix": [["P4","P4","P3","P3"],["P4","P3","P3","P2"],["P3","P3","P2","P1"],["P3","P2","P1","P1"]],
        "routing": { "Billing": 4 }, "auto_assign": false, "auto_close_days": 14
    });
    let put = format!("PUT {}", site("workflow"));
    let routes = |answer: serde_json::Value| {
        signed_in_with(serde_json::json!({
            (format!("GET {}", site("workflow"))): { "status": 200, "body": workflow },
            (put.clone()): answer,
        }))
    };
    fake_api(&routes(
        serde_json::json!({ "status": 422, "body": { "error": {
        "code": "invalid", "message": "auto_close_days is 1 to 365" } } }),
    ));
    let root = mount_at("#/settings");
    wait_for(&root, "select#matrix-1-low").await;
    assert_eq!(text_of(&root, "nav a[aria-current=page]"), "Settings");
    let keywords: HtmlInputElement = root
        .query_selector("ul.rules input[type=text]")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(keywords.value(), "refund, charged");

    choose(&root, "select#matrix-1-low", "P3");
    choose(&root, "select#matrix-4-critical", "P2");
    click(&root, "input#auto-assign");
    type_into(&root, "input#auto-close-days", "0");
    click(&root, "button.save-workflow");
    sent(&put).await;
    let error = wait_for(&root, "form.workflow .error[role=alert]").await;
    assert_eq!(error.text_content().unwrap(), "auto_close_days is 1 to 365");

    fake_api(&routes(
        serde_json::json!({ "status": 200, "body": workflow }),
    ));
    type_into(&root, "input#auto-close-days", "7");
    type_into(&root, "input#reopen-at-or-below", "3");
    type_into(&root, "ul.rules input[type=text]", "refund, charged, twice");
    click(&root, "button.save-workflow");
    let body = sent(&put).await;
    assert_eq!(
        body,
        serde_json::json!({
            "rules": [{ "category": "Billing", "keywords": ["refund", "charged", "twice"], "urgency": "high" }],
            "matrix": [["P3","P4","P3","P3"],["P4","P3","P3","P2"],["P3","P3","P2","P1"],["P3","P2","P1","P2"]],
            "routing": { "Billing": 4 }, "auto_assign": true, "auto_close_days": 7,
            "reopen_at_or_below": 3
        })
    );
    wait_for(&root, "form.workflow .notice[role=status]").await;
    restore_fetch();
}

#[wasm_bindgen_test]
async fn the_problems_page_lists_and_creates_problems() {
    let problem = serde_json::json!({ "id": 2, "title": "Double charges at checkout",
        "category": "Billing", "status": "investigating", "linked": 5, "linked_active": 3,
        "created_at": "2026-11-20T09:00:00Z", "updated_at": "2026-11-23T10:00:00Z" });
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site("problems"))): { "status": 200, "body": {
            "site_key": SHOP_KEY, "problems": [problem] } },
        (format!("POST {}", site("problems"))): { "status": 201, "body": problem },
    })));
    let root = mount_at("#/problems");
    let title = wait_for(&root, "table.problems tbody tr td.title a").await;
    assert_eq!(title.text_content().unwrap(), "Double charges at checkout");
    assert_eq!(title.get_attribute("href").as_deref(), Some("#/problems/2"));
    assert_eq!(text_of(&root, "table.problems td.status"), "Investigating");
    assert_eq!(text_of(&root, "table.problems td.linked"), "3 active of 5");
    assert_eq!(text_of(&root, "nav a[aria-current=page]"), "Problems");

    let listed = sent_count(&format!("GET {}", site("problems")));
    type_into(&root, "input#problem-title", "Checkout times out");
    choose(&root, "select#problem-category", "Delivery");
    click(&root, "form.new-problem button[type=submit]");
    let body = sent(&format!("POST {}", site("problems"))).await;
    assert_eq!(
        body,
        serde_json::json!({ "title": "Checkout times out", "category": "Delivery" })
    );
    // The list is read again with the new problem in it.
    for _ in 0..100 {
        if sent_count(&format!("GET {}", site("problems"))) > listed {
            break;
        }
        next_tick(50).await;
    }
    assert!(sent_count(&format!("GET {}", site("problems"))) > listed);
    restore_fetch();
}

/// axe-core, when `cargo xtask setup` installed it (see `build.rs`).
const AXE: &str = include_str!(concat!(env!("OUT_DIR"), "/axe.js"));

/// Runs axe-core (WCAG 2.0/2.1 A and AA) on `root`, with the dashboard's own style sheet, and
/// returns its violations.
async fn axe(root: &HtmlElement) -> Vec<String> {
    let window = web_sys::window().unwrap();
    if !js_sys::Reflect::has(&window, &"axe".into()).unwrap() {
        js_sys::Function::new_no_args(AXE)
            .call0(&wasm_bindgen::JsValue::NULL)
            .unwrap();
        let style = document().create_element("style").unwrap();
        style.set_text_content(Some(include_str!("../style.css")));
        document().head().unwrap().append_child(&style).unwrap();
    }
    let run = js_sys::Function::new_with_args(
        "root",
        "return axe.run(root, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] })
            .then(r => r.violations.map(v => v.id + ': ' + v.help + ' @ ' +
                v.nodes.map(n => n.html).join(' | ')));",
    );
    let promise: js_sys::Promise = run
        .call1(&wasm_bindgen::JsValue::NULL, root)
        .unwrap()
        .unchecked_into();
    let found = wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
    let json = js_sys::JSON::stringify(&found)
        .unwrap()
        .as_string()
        .unwrap();
    serde_json::from_str(&json).unwrap()
}

#[wasm_bindgen_test]
async fn every_page_passes_axe() {
    if AXE.is_empty() {
        web_sys::console::warn_1(
            &"axe-core is not installed (cargo xtask setup): not checked".into(),
        );
        return;
    }
    let problem = serde_json::json!({ "id": 2, "title": "Double charges at checkout",
        "category": "Billing", "status": "investigating", "linked": 1, "linked_active": 1,
        "created_at": "2026-11-20T09:00:00Z", "updated_at": "2026-11-23T10:00:00Z" });
    let mut view = case_view(
        case(CASE_1, "HK-7QF3", "open", "P1", "Charged twice"),
        &["in_progress", "resolved"],
    );
    view["timeline"].as_array_mut().unwrap().extend([
        serde_json::json!({ "id": 2, "at": "2026-11-23T12:20:00Z", "kind": "internal_note",
            "actor": { "type": "user", "id": 3, "email": "ann@shop.test" }, "body": "Checking with billing" }),
        serde_json::json!({ "id": 3, "at": "2026-11-23T12:30:00Z", "kind": "public_reply",
            "actor": { "type": "user", "id": 3, "email": "ann@shop.test" }, "body": "We are on it" }),
    ]);
    view["similar"] = serde_json::json!([{ "id": CASE_2, "reference": "HK-9ZX2", "status": "open",
        "description": "Charged two times", "score": 0.6 }]);
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site("complaints"))): { "status": 200, "body": two_cases() },
        (format!("GET {}", site(&format!("complaints/{CASE_1}")))): { "status": 200, "body": view },
        (format!("GET {}", site("problems"))): { "status": 200, "body": {
            "site_key": SHOP_KEY, "problems": [problem] } },
        (format!("GET {}", site("problems/2"))): { "status": 200, "body": {
            "problem": problem, "complaints": [case(CASE_1, "HK-7QF3", "open", "P1", "Charged twice")] } },
        (format!("GET {}", site("workflow"))): { "status": 200, "body": {
            "rules": [{ "category": "Billing", "keywords": ["refund"] }] } },
        (format!("GET {}", site("responses"))): { "status": 200, "body": {
            "site_key": SHOP_KEY, "responses": [] } },
        (format!("GET /api/v1/admin/sites/{SHOP_KEY}")): { "status": 200, "body": site_info() },
        (format!("GET {}", site("sightings"))): { "status": 200, "body": seen_three_minutes_ago() },
        (format!("PATCH {}", site("settings"))): { "status": 422, "body": { "error": { "code": "invalid",
            "message": "theme.brand: the brand colour is #rrggbb" } } },
        (format!("GET {}", site("export"))): { "status": 200, "text": "id,answer\n1,yes\n",
            "headers": { "Content-Type": "text/csv" } },
        (format!("GET {}", site("surveys"))): { "status": 200, "body": { "site_key": SHOP_KEY,
            "surveys": [listed_survey(&translated_nps(), "active", 2), listed_survey(&exit_survey(), "paused", 2)] } },
        (format!("GET {}", site("surveys/nps"))): { "status": 200, "body": listed_survey(&translated_nps(), "active", 2) },
        (format!("GET {}", site("surveys/nps/versions"))): { "status": 200, "body": one_version() },
    })));
    let pages = [
        ("#/inbox", "table.cases tbody tr"),
        (&*format!("#/cases/{CASE_1}"), "article.case"),
        ("#/problems", "table.problems tbody tr"),
        ("#/problems/2", "article.problem"),
        ("#/settings", "select#matrix-1-low"),
        ("#/responses", "div.responses p.empty"),
        ("#/settings/site", "#theme-brand"),
        ("#/settings/exports", "section.export button.download"),
        ("#/sites/new", "#new-site-name"),
        ("#/surveys", "tr[data-id='exit']"),
        ("#/surveys/nps", "tr[data-version='2']"),
        ("#/surveys/new?template=ces-after-support", "li.question"),
    ];
    for (page, ready) in pages {
        let root = mount_at(page);
        wait_for(&root, ready).await;
        // Let the lists the controls offer (agents, categories) arrive.
        next_tick(100).await;
        let violations = axe(&root).await;
        assert!(violations.is_empty(), "{page}: {violations:#?}");
    }
    // The site page with what its actions show: a check's result, a refusal by its field, the
    // erasure's question; the exports page with a file ready to save.
    let root = mount_at("#/settings/site");
    click_when_ready(&root, "button.check-page-button").await;
    wait_for(&root, ".check-result p.seen").await;
    click(&root, "button.save-widget");
    wait_for(&root, "#theme-brand-error").await;
    type_into(&root, "#erasure-who", "ann@customer.test");
    click(&root, "button.erase");
    wait_for(&root, "button.confirm-erase").await;
    let violations = axe(&root).await;
    assert!(
        violations.is_empty(),
        "the site page in use: {violations:#?}"
    );
    let root = mount_at("#/settings/exports");
    click_when_ready(&root, "section[data-export=answers] button.download").await;
    wait_for(&root, "section[data-export=answers] a.save").await;
    let violations = axe(&root).await;
    assert!(violations.is_empty(), "an export ready: {violations:#?}");
    restore_fetch();
}

#[wasm_bindgen_test]
async fn load_more_asks_for_the_next_page() {
    let mut first = two_cases();
    first["next"] = serde_json::json!("cursor-2");
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site("complaints"))): { "status": 200, "body": first },
    })));
    let root = mount_at("#/inbox");
    wait_for(&root, "button.load-more").await;
    // The fake answers every page alike; what matters is the cursor sent.
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site("complaints"))): { "status": 200, "body": {
            "site_key": SHOP_KEY, "complaints": [
                case(CASE_2, "HK-9ZX2", "open", "P3", "The parcel never arrived"),
                case("0190a0c2-7b6e-7d3f-9a55-000000000003", "HK-3MN8", "new", "P4", "Later page"),
            ],
            "next": null, "counts": { "active": 2, "unassigned": 1, "mine": 1, "by_status": {} } } },
    })));
    click(&root, "button.load-more");
    sent(&format!("GET {}", site("complaints"))).await;
    let call = calls()
        .into_iter()
        .find(|c| c["key"] == format!("GET {}", site("complaints")))
        .unwrap();
    assert!(
        call["search"].as_str().unwrap().contains("after=cursor-2"),
        "{call}"
    );
    for _ in 0..100 {
        if root.query_selector("button.load-more").unwrap().is_none() {
            break;
        }
        next_tick(50).await;
    }
    assert!(root.query_selector("button.load-more").unwrap().is_none());
    assert!(text_of(&root, "table.cases").contains("Later page"));
    // A case on both pages is listed once.
    assert_eq!(
        root.query_selector_all("table.cases tbody tr")
            .unwrap()
            .length(),
        3
    );
    restore_fetch();
}

#[wasm_bindgen_test]
async fn an_agent_takes_a_case_for_themselves() {
    let mut unassigned = case(CASE_1, "HK-7QF3", "open", "P1", "Charged twice");
    unassigned["assignee"] = serde_json::Value::Null;
    let view = case_view(unassigned, &["in_progress"]);
    let taken = case_view(
        case(CASE_1, "HK-7QF3", "open", "P1", "Charged twice"),
        &["in_progress"],
    );
    fake_api(&signed_in_with(serde_json::json!({
        "GET /api/v1/admin/me": { "status": 200, "body": { "email": "bo@shop.test",
            "csrf_token": "c", "sites": [{ "site_key": SHOP_KEY, "site_name": "Shop", "role": "agent" }] } },
        (format!("GET {}", site(&format!("complaints/{CASE_1}")))): { "status": 200, "body": view },
        (format!("PUT {}", site(&format!("complaints/{CASE_1}/assignee")))): { "status": 200, "body": taken },
    })));
    let root = mount_at(&format!("#/cases/{CASE_1}"));
    wait_for(&root, "button.take").await;
    // Only admins give cases to others.
    assert!(root
        .query_selector("select#case-assignee")
        .unwrap()
        .is_none());
    assert_eq!(text_of(&root, "p.assignee"), "Nobody");
    click(&root, "button.take");
    let body = sent(&format!(
        "PUT {}",
        site(&format!("complaints/{CASE_1}/assignee"))
    ))
    .await;
    assert_eq!(body, serde_json::json!({ "user_id": 4 }));
    // Taken, it can be released.
    wait_for(&root, "button.release").await;
    assert_eq!(text_of(&root, "p.assignee"), "bo@shop.test");
    restore_fetch();
}

#[wasm_bindgen_test]
async fn a_case_is_merged_into_another_by_its_reference() {
    let view = case_view(
        case(CASE_1, "HK-7QF3", "open", "P1", "Charged twice"),
        &["merged"],
    );
    let mut merged = case(CASE_1, "HK-7QF3", "merged", "P1", "Charged twice");
    merged["merged_into"] = serde_json::json!(CASE_2);
    let key = format!("POST {}", site(&format!("complaints/{CASE_1}/merge")));
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site(&format!("complaints/{CASE_1}")))): { "status": 200, "body": view },
        (key.clone()): { "status": 200, "body": case_view(merged, &[]) },
    })));
    let root = mount_at(&format!("#/cases/{CASE_1}"));
    wait_for(&root, "input#case-merge").await;
    type_into(&root, "input#case-merge", " HK-9ZX2 ");
    click(&root, "button.merge");
    assert_eq!(sent(&key).await, serde_json::json!({ "into": "HK-9ZX2" }));
    for _ in 0..100 {
        if text_of(&root, ".case-head .status") == "Merged" {
            break;
        }
        next_tick(50).await;
    }
    assert_eq!(text_of(&root, ".case-head .status"), "Merged");
    assert!(text_of(&root, "dl.facts").contains(CASE_2));
    restore_fetch();
}

/// SLA clocks as the collector sends them with a case.
fn clocks(first: (&str, i64), resolution: (&str, i64)) -> serde_json::Value {
    serde_json::json!([
        { "target": "first_response", "state": first.0, "due_at": 1_796_029_200_000i64,
          "used_minutes": 10, "left_minutes": first.1 },
        { "target": "resolution", "state": resolution.0, "due_at": null,
          "used_minutes": 10, "left_minutes": resolution.1 },
    ])
}

#[wasm_bindgen_test]
async fn the_inbox_shows_each_cases_sla_and_filters_by_it() {
    let mut list = two_cases();
    list["complaints"][0]["hot"] = serde_json::json!(true);
    list["complaints"][0]["sla"] = clocks(("breached", -15), ("on_track", 300));
    list["complaints"][1]["sla"] = clocks(("met", 20), ("paused", 80));
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site("complaints"))): { "status": 200, "body": list },
    })));
    let root = mount_at("#/inbox");
    wait_for(&root, "table.cases tbody tr").await;
    let first = format!("tr[data-id='{CASE_1}']");
    let second = format!("tr[data-id='{CASE_2}']");
    assert_eq!(
        text_of(&root, &format!("{first} td.sla .badge.sla")),
        "Breached"
    );
    assert_eq!(
        text_of(&root, &format!("{first} td.sla .sla-left")),
        "breached 15 min ago"
    );
    assert_eq!(
        text_of(&root, &format!("{first} td.sla .sla-target")),
        "First response"
    );
    // Paused is worse than met: the case is judged by its resolution clock.
    assert_eq!(
        text_of(&root, &format!("{second} td.sla .sla-left")),
        "paused, 1 h 20 min left"
    );
    assert_eq!(
        text_of(&root, &format!("{first} td.reference .badge.hot")),
        "▲ Hot"
    );
    assert!(root
        .query_selector(&format!("{first}.hot"))
        .unwrap()
        .is_some());
    assert!(root
        .query_selector(&format!("{second} .badge.hot"))
        .unwrap()
        .is_none());

    let asked_for = |sla: &'static str| async move {
        for _ in 0..100 {
            if calls()
                .iter()
                .any(|c| c["search"].as_str().unwrap_or_default().contains(sla))
            {
                return;
            }
            next_tick(50).await;
        }
        panic!("never asked for {sla}: {:?}", calls());
    };
    click(&root, "#filter-sla-breached");
    asked_for("sla=breached&").await;
    click(&root, "#filter-sla-at_risk");
    asked_for("sla=breached%2Cat_risk").await;
    click(&root, "#filter-sla-breached");
    asked_for("sla=at_risk&").await;
    restore_fetch();
}

#[wasm_bindgen_test]
async fn the_case_page_shows_each_clock_and_the_hot_marker() {
    let mut c = case(CASE_1, "HK-7QF3", "open", "P1", "Charged twice");
    c["hot"] = serde_json::json!(true);
    c["sla"] = clocks(("on_track", 80), ("paused", 400));
    let view = case_view(c, &["resolved"]);
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site(&format!("complaints/{CASE_1}")))): { "status": 200, "body": view },
    })));
    let root = mount_at(&format!("#/cases/{CASE_1}"));
    wait_for(&root, ".sla-panel li.clock").await;
    let first = ".sla-panel li.clock[data-target=first_response]";
    assert_eq!(text_of(&root, &format!("{first} .badge.sla")), "On track");
    assert_eq!(text_of(&root, &format!("{first} .left")), "1 h 20 min left");
    let due = root
        .query_selector(&format!("{first} .due time"))
        .unwrap()
        .unwrap();
    assert_eq!(
        due.get_attribute("datetime").as_deref(),
        Some("2026-11-30T09:00:00.000Z")
    );
    assert!(due.text_content().unwrap().contains("(UTC"), "{due:?}");
    let resolution = ".sla-panel li.clock[data-target=resolution]";
    assert_eq!(
        text_of(&root, &format!("{resolution} .left")),
        "paused, 6 h 40 min left"
    );
    assert_eq!(
        text_of(&root, &format!("{resolution} .due")),
        "Paused while waiting on the customer"
    );
    assert_eq!(text_of(&root, ".case-head .badge.hot"), "▲ Hot");
    restore_fetch();
}

/// `shared::sla::BusinessHours::default()`, as the collector sends it.
fn office_hours() -> serde_json::Value {
    let week: Vec<serde_json::Value> = ["mon", "tue", "wed", "thu", "fri"]
        .iter()
        .map(|d| serde_json::json!({ "day": d, "start": "09:00", "end": "17:00" }))
        .collect();
    serde_json::json!({ "time_zone": "UTC", "always_open": false, "week": week, "holidays": [] })
}

#[wasm_bindgen_test]
async fn business_hours_show_each_refused_field_and_keep_what_was_typed() {
    let put = format!("PUT {}", site("business-hours"));
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site("business-hours"))): { "status": 200, "body": office_hours() },
        (put.clone()): { "status": 422, "body": { "error": { "code": "invalid",
            "message": "time_zone: \"Mars/Base\" is not an IANA time zone name such as \"Europe/Berlin\"; week[1].end: \"25:00\" is not a time of day as HH:MM, 00:00 to 24:00" } } },
    })));
    let root = mount_at("#/settings/hours");
    wait_for(&root, "#time-zone").await;
    assert_eq!(text_of(&root, "nav a[aria-current=page]"), "Settings");
    assert!(root
        .query_selector("fieldset.day[data-day=sun] .closed")
        .unwrap()
        .is_some());
    type_into(&root, "#time-zone", "Mars/Base");
    type_into(&root, "fieldset.day[data-day=tue] input.end", "25:00");
    // An overnight interval on Saturday.
    click(&root, "fieldset.day[data-day=sat] button.add-interval");
    wait_for(&root, "fieldset.day[data-day=sat] input.start").await;
    type_into(&root, "fieldset.day[data-day=sat] input.start", "22:00");
    type_into(&root, "fieldset.day[data-day=sat] input.end", "06:00");
    next_tick(10).await;
    assert_eq!(
        text_of(&root, "fieldset.day[data-day=sat] .overnight"),
        "overnight, ends the next day"
    );
    click(&root, "button.add-holiday");
    wait_for(&root, "ul.holidays input").await;
    type_into(&root, "ul.holidays input", "2026-12-25");
    click(&root, "button.save-hours");
    let body = sent(&put).await;
    assert_eq!(body["time_zone"], "Mars/Base");
    assert_eq!(body["holidays"], serde_json::json!(["2026-12-25"]));
    assert_eq!(
        body["week"][1],
        serde_json::json!({ "day": "tue", "start": "09:00", "end": "25:00" })
    );
    assert_eq!(
        body["week"][5],
        serde_json::json!({ "day": "sat", "start": "22:00", "end": "06:00" })
    );
    let zone = wait_for(&root, "#time-zone-error").await;
    assert!(zone
        .text_content()
        .unwrap()
        .starts_with("\"Mars/Base\" is not an IANA"));
    assert_eq!(
        text_of(&root, "fieldset.day[data-day=tue] .field-error"),
        "\"25:00\" is not a time of day as HH:MM, 00:00 to 24:00"
    );
    let end: HtmlInputElement = root
        .query_selector("fieldset.day[data-day=tue] input.end")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(end.value(), "25:00");
    assert_eq!(end.get_attribute("aria-invalid").as_deref(), Some("true"));
    // Monday's interval is fine.
    assert!(root
        .query_selector("fieldset.day[data-day=mon] .field-error")
        .unwrap()
        .is_none());
    restore_fetch();
}

/// `shared::sla::SlaPolicies::default()`'s P1, as the collector sends it.
fn p1_policy() -> serde_json::Value {
    serde_json::json!({ "priority": "P1", "first_response": 60, "next_response": 60,
        "resolution": 480, "warn_at_percent": 80,
        "escalation": [{ "after_minutes": 0, "actions": [{ "action": "notify", "to": "admins" }] }] })
}

#[wasm_bindgen_test]
async fn sla_policies_are_sent_per_priority_with_their_ladders() {
    let put = format!("PUT {}", site("sla-policies"));
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site("sla-policies"))): { "status": 200, "body": { "policies": [p1_policy()] } },
        (put.clone()): { "status": 200, "body": { "policies": [p1_policy()] } },
    })));
    let root = mount_at("#/settings/sla");
    wait_for(&root, "#p1-first-response").await;
    assert_eq!(text_of(&root, "#p1-resolution-hint"), "8 h");
    // P2 has no policy: no targets.
    assert_eq!(text_of(&root, "#p2-first-response-hint"), "no target");
    type_into(&root, "#p1-first-response", "90");
    next_tick(10).await;
    assert_eq!(text_of(&root, "#p1-first-response-hint"), "1 h 30 min");
    click(&root, "section.policy[data-priority=P1] button.add-level");
    wait_for(
        &root,
        "section.policy[data-priority=P1] ol.levels li:nth-child(2)",
    )
    .await;
    let second = "section.policy[data-priority=P1] ol.levels li:nth-child(2)";
    click(&root, &format!("{second} input[id$=-admins]"));
    click(&root, &format!("{second} input[id$=-assignee]"));
    click(&root, &format!("{second} input[id$=-user-4]"));
    choose(&root, &format!("{second} select"), "round_robin");
    click(&root, &format!("{second} input[id$=-raise]"));
    // Not a number: said at the field, nothing sent.
    type_into(&root, "#p3-resolution", "two days");
    click(&root, "button.save-policies");
    let error = wait_for(&root, "#p3-resolution-error").await;
    assert_eq!(
        error.text_content().unwrap(),
        "a whole number of business minutes, or empty for no target"
    );
    assert_eq!(sent_count(&put), 0);
    type_into(&root, "#p3-resolution", "");
    click(&root, "button.save-policies");
    let body = sent(&put).await;
    let policies = body["policies"].as_array().unwrap();
    assert_eq!(policies.len(), 4);
    assert_eq!(
        policies[0],
        serde_json::json!({ "priority": "P1", "first_response": 90, "next_response": 60,
            "resolution": 480, "warn_at_percent": 80, "escalation": [
                { "after_minutes": 0, "actions": [{ "action": "notify", "to": "admins" }] },
                { "after_minutes": 60, "actions": [
                    { "action": "notify", "to": "assignee" },
                    { "action": "notify", "to": { "users": [4] } },
                    { "action": "reassign", "to": "round_robin" },
                    { "action": "raise_priority" }] }] })
    );
    assert_eq!(
        policies[2],
        serde_json::json!({ "priority": "P3", "first_response": null, "next_response": null,
            "resolution": null, "warn_at_percent": 80, "escalation": [] })
    );
    wait_for(&root, "form.policies .notice[role=status]").await;
    restore_fetch();
}

#[wasm_bindgen_test]
async fn hot_stove_rules_are_sent_with_a_phrase_a_line() {
    let put = format!("PUT {}", site("hot-stove"));
    let rules = serde_json::json!({ "rules": [{ "name": "Charged twice",
        "phrases": ["charged twice", "double charged"] }] });
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site("hot-stove"))): { "status": 200, "body": rules },
        (put.clone()): { "status": 422, "body": { "error": { "code": "invalid",
            "message": "rules[1].spike.count: 2 to 10,000 complaints" } } },
    })));
    let root = mount_at("#/settings/hot-stove");
    wait_for(&root, "section.hot-rule textarea").await;
    let area: web_sys::HtmlTextAreaElement = root
        .query_selector("section.hot-rule textarea")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(area.value(), "charged twice\ndouble charged");
    click(&root, "button.add-hot-rule");
    wait_for(&root, "section.hot-rule:nth-of-type(2) input").await;
    let second = "section.hot-rule:nth-of-type(2)";
    type_into(
        &root,
        &format!("{second} input[id$=-name]"),
        "Checkout spike",
    );
    choose(&root, &format!("{second} select[id$=-category]"), "Billing");
    choose(&root, &format!("{second} select[id$=-impact]"), "3");
    type_into(&root, &format!("{second} input[id$=-spike-count]"), "1");
    type_into(&root, &format!("{second} input[id$=-spike-minutes]"), "10");
    click(&root, "button.save-hot-stove");
    let body = sent(&put).await;
    assert_eq!(
        body,
        serde_json::json!({ "rules": [
            { "name": "Charged twice", "phrases": ["charged twice", "double charged"],
              "category": null, "min_impact": null, "spike": null },
            { "name": "Checkout spike", "phrases": [], "category": "Billing", "min_impact": 3,
              "spike": { "count": 1, "minutes": 10 } }] })
    );
    let error = wait_for(&root, &format!("{second} .spike .field-error")).await;
    assert_eq!(
        error.text_content().unwrap(),
        "rules[1].spike.count: 2 to 10,000 complaints"
    );
    // The first rule has nothing wrong.
    assert!(root
        .query_selector("section.hot-rule:nth-of-type(1) .field-error")
        .unwrap()
        .is_none());
    restore_fetch();
}

#[wasm_bindgen_test]
async fn a_viewer_reads_the_service_levels_but_cannot_change_them() {
    fake_api(&signed_in_with(serde_json::json!({
        "GET /api/v1/admin/me": { "status": 200, "body": { "email": "vi@shop.test",
            "csrf_token": "c", "sites": [{ "site_key": SHOP_KEY, "site_name": "Shop", "role": "viewer" }] } },
        (format!("GET {}", site("business-hours"))): { "status": 200, "body": office_hours() },
        (format!("GET {}", site("sla-policies"))): { "status": 200, "body": { "policies": [p1_policy()] } },
        (format!("GET {}", site("webhooks"))): { "status": 403, "body": { "error": {
            "code": "forbidden", "message": "this needs the admin role on the site" } } },
    })));
    let root = mount_at("#/settings/hours");
    wait_for(&root, "#time-zone").await;
    for field in ["#time-zone", "#always-open", "fieldset.day input.start"] {
        let input: HtmlInputElement = root
            .query_selector(field)
            .unwrap()
            .unwrap()
            .unchecked_into();
        assert!(input.disabled(), "{field} is editable for a viewer");
    }
    for button in [
        "button.save-hours",
        "button.add-interval",
        "button.add-holiday",
    ] {
        assert!(root.query_selector(button).unwrap().is_none(), "{button}");
    }
    let root = mount_at("#/settings/sla");
    wait_for(&root, "#p1-first-response").await;
    assert!(root
        .query_selector("button.save-policies")
        .unwrap()
        .is_none());
    assert!(root.query_selector("button.add-level").unwrap().is_none());
    let root = mount_at("#/settings/webhooks");
    let error = wait_for(&root, ".error[role=alert]").await;
    assert_eq!(
        error.text_content().unwrap(),
        "this needs the admin role on the site"
    );
    assert!(root.query_selector("#new-webhook-url").unwrap().is_none());
    restore_fetch();
}

/// A webhook endpoint as the collector lists it.
fn endpoint(failures: i64) -> serde_json::Value {
    serde_json::json!({ "id": 7, "url": "https://hooks.shop.test/hark", "events": null,
        "enabled": true, "disabled_reason": null, "failures": failures,
        "created_at": "2026-11-23T12:00:00Z" })
}

#[wasm_bindgen_test]
async fn a_webhook_is_added_its_secret_shown_once_and_its_log_redelivered() {
    let mut created = endpoint(0);
    created["id"] = serde_json::json!(8);
    created["url"] = serde_json::json!("https://crm.shop.test/in");
    created["events"] = serde_json::json!(["complaint.hot_stove"]);
    created["secret"] = serde_json::json!("whsec_c2VjcmV0LXNlY3JldA==");
    let deliveries = serde_json::json!({ "deliveries": [{ "id": 31, "event_id": "msg_2x",
        "type": "sla.breached", "status": "pending", "next_at": "2026-11-23T12:05:00Z",
        "created_at": "2026-11-23T12:04:00Z", "attempts": [
            { "at": "2026-11-23T12:04:01Z", "status": 500, "latency_ms": 42, "error": null },
            { "at": "2026-11-23T12:04:06Z", "status": null, "latency_ms": null,
              "error": "connection refused" }] }] });
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site("webhooks"))): { "status": 200, "body": { "webhooks": [endpoint(3)] } },
        (format!("POST {}", site("webhooks"))): { "status": 201, "body": created },
        (format!("GET {}", site("webhooks/7/deliveries"))): { "status": 200, "body": deliveries },
        (format!("POST {}", site("webhooks/7/deliveries/31/redeliver"))): { "status": 202, "body": null },
        (format!("PATCH {}", site("webhooks/7"))): { "status": 204, "body": null },
    })));
    let root = mount_at("#/settings/webhooks");
    wait_for(&root, "table.webhooks tbody tr").await;
    assert_eq!(text_of(&root, "table.webhooks td.events"), "Every event");
    assert_eq!(
        text_of(&root, "table.webhooks .webhook-state"),
        "On, failing: 3 deliveries in a row failed"
    );

    type_into(&root, "#new-webhook-url", "https://crm.shop.test/in");
    click(&root, "#new-webhook-complaint-hot_stove");
    click(&root, "button.add-webhook");
    let body = sent(&format!("POST {}", site("webhooks"))).await;
    assert_eq!(
        body,
        serde_json::json!({ "url": "https://crm.shop.test/in", "events": ["complaint.hot_stove"] })
    );
    let secret: HtmlInputElement = wait_for(&root, "#webhook-secret").await.unchecked_into();
    assert_eq!(secret.value(), "whsec_c2VjcmV0LXNlY3JldA==");
    assert!(secret.read_only());
    click(&root, "button.secret-done");
    next_tick(10).await;
    assert!(root.query_selector("#webhook-secret").unwrap().is_none());

    click(&root, "table.webhooks button.deliveries");
    wait_for(&root, "li.delivery table.attempts").await;
    assert_eq!(text_of(&root, "li.delivery .delivery-status"), "Pending");
    let cells: Vec<String> = (0..2)
        .map(|i| {
            text_of(
                &root,
                &format!("table.attempts tbody tr:nth-child({}) td.status", i + 1),
            )
        })
        .collect();
    assert_eq!(cells, ["500", "no answer"]);
    assert_eq!(
        text_of(&root, "table.attempts tbody tr:nth-child(1) td.latency"),
        "42 ms"
    );
    assert_eq!(
        text_of(&root, "table.attempts tbody tr:nth-child(2) td.error-text"),
        "connection refused"
    );
    let seen = sent_count(&format!("GET {}", site("webhooks/7/deliveries")));
    click(&root, "button.redeliver");
    sent(&format!(
        "POST {}",
        site("webhooks/7/deliveries/31/redeliver")
    ))
    .await;
    for _ in 0..100 {
        if sent_count(&format!("GET {}", site("webhooks/7/deliveries"))) > seen {
            break;
        }
        next_tick(50).await;
    }
    assert!(sent_count(&format!("GET {}", site("webhooks/7/deliveries"))) > seen);

    click(&root, "table.webhooks button.toggle");
    let body = sent(&format!("PATCH {}", site("webhooks/7"))).await;
    assert_eq!(body, serde_json::json!({ "enabled": false }));
    restore_fetch();
}

#[wasm_bindgen_test]
async fn notification_preferences_are_the_callers_own() {
    let put = format!("PUT {}", site("notifications"));
    let all = serde_json::json!({ "language": "en", "email": ["complaint.hot_stove",
        "sla.warning", "sla.breached", "escalation.raised", "webhook.disabled"] });
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site("notifications"))): { "status": 200, "body": all },
        (put.clone()): { "status": 200, "body": all },
    })));
    let root = mount_at("#/settings/notifications");
    wait_for(&root, "#notify-sla-warning").await;
    click(&root, "#notify-sla-warning");
    click(&root, "#notify-webhook-disabled");
    choose(&root, "#notify-language", "de");
    click(&root, "button.save-notifications");
    let body = sent(&put).await;
    assert_eq!(
        body,
        serde_json::json!({ "language": "de", "email": ["complaint.hot_stove", "sla.breached",
            "escalation.raised"] })
    );
    wait_for(&root, "form.notification-preferences .notice[role=status]").await;
    restore_fetch();
}

#[wasm_bindgen_test]
async fn the_service_level_pages_pass_axe() {
    if AXE.is_empty() {
        return;
    }
    let mut list = two_cases();
    list["complaints"][0]["hot"] = serde_json::json!(true);
    list["complaints"][0]["sla"] = clocks(("at_risk", 5), ("on_track", 300));
    let deliveries = serde_json::json!({ "deliveries": [{ "id": 31, "event_id": "msg_2x",
        "type": "sla.breached", "status": "failed", "next_at": null,
        "created_at": "2026-11-23T12:04:00Z", "attempts": [
            { "at": "2026-11-23T12:04:01Z", "status": 500, "latency_ms": 42, "error": null }] }] });
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site("complaints"))): { "status": 200, "body": list },
        (format!("GET {}", site("business-hours"))): { "status": 200, "body": office_hours() },
        (format!("GET {}", site("sla-policies"))): { "status": 200, "body": { "policies": [p1_policy()] } },
        (format!("GET {}", site("hot-stove"))): { "status": 200, "body": { "rules": [
            { "name": "Charged twice", "phrases": ["charged twice"], "spike": { "count": 5, "minutes": 10 } }] } },
        (format!("GET {}", site("webhooks"))): { "status": 200, "body": { "webhooks": [endpoint(2)] } },
        (format!("GET {}", site("webhooks/7/deliveries"))): { "status": 200, "body": deliveries },
        (format!("GET {}", site("notifications"))): { "status": 200, "body": {
            "language": "en", "email": ["sla.breached"] } },
        (format!("GET {}", site("share-destinations"))): { "status": 200, "body": two_destinations() },
        (format!("GET {}", site("mail-intake"))): { "status": 200, "body": {
            "address": "support@feedback.example" } },
    })));
    let pages = [
        ("#/inbox", "table.cases tbody tr td.sla .badge"),
        ("#/settings/hours", "#time-zone"),
        ("#/settings/sla", "#p1-first-response"),
        ("#/settings/hot-stove", "section.hot-rule"),
        ("#/settings/webhooks", "table.webhooks"),
        ("#/settings/notifications", "#notify-language"),
        ("#/settings/sharing", "fieldset.destination"),
    ];
    for (page, ready) in pages {
        let root = mount_at(page);
        wait_for(&root, ready).await;
        next_tick(100).await;
        if page == "#/settings/webhooks" {
            click(&root, "table.webhooks button.deliveries");
            wait_for(&root, "li.delivery").await;
        }
        let violations = axe(&root).await;
        assert!(violations.is_empty(), "{page}: {violations:#?}");
    }
    restore_fetch();
}

/// Types `text` into the text area at `selector` as a person would: the value, then `input`.
fn type_into_text_area(root: &HtmlElement, selector: &str, text: &str) {
    type_into_area(root, selector, text);
    root.query_selector(selector)
        .unwrap()
        .unwrap()
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
}

fn two_destinations() -> serde_json::Value {
    serde_json::json!({ "destinations": [
        { "name": "Product team", "email": "product@shop.test", "webhook": false },
        { "name": "Billing", "webhook": true }
    ] })
}

#[wasm_bindgen_test]
async fn a_case_is_shared_with_a_destination_and_a_note_and_its_timeline_says_so() {
    let view = case_view(
        case(CASE_1, "HK-7QF3", "open", "P1", "Charged twice"),
        &["in_progress"],
    );
    let mut after = view.clone();
    after["timeline"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
        "id": 2, "at": "2026-11-23T12:20:00Z", "kind": "internal_note",
        "actor": { "type": "user", "id": 3, "email": "ann@shop.test" },
        "detail": "shared with Billing", "body": "Refund both?" }));
    let share = format!("POST {}", site(&format!("complaints/{CASE_1}/share")));
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site(&format!("complaints/{CASE_1}")))): { "status": 200, "body": view },
        (format!("GET {}", site("share-destinations"))): { "status": 200, "body": two_destinations() },
        (share.clone()): { "status": 200, "body": after },
    })));
    let root = mount_at(&format!("#/cases/{CASE_1}"));
    wait_for(&root, ".share-panel button.share-toggle").await;
    // The destinations are read only when the form opens.
    assert_eq!(
        sent_count(&format!("GET {}", site("share-destinations"))),
        0
    );
    let toggle = root
        .query_selector(".share-panel button.share-toggle")
        .unwrap()
        .unwrap();
    assert_eq!(
        toggle.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );
    click(&root, ".share-panel button.share-toggle");
    wait_for(&root, "select#case-share-destination").await;
    assert_eq!(
        toggle.get_attribute("aria-expanded").as_deref(),
        Some("true")
    );
    assert_eq!(
        toggle.get_attribute("aria-controls").as_deref(),
        Some("case-share-form")
    );
    assert_eq!(
        text_of(&root, "select#case-share-destination"),
        "Product teamBilling"
    );
    let violations = axe(&root).await;
    assert!(AXE.is_empty() || violations.is_empty(), "{violations:#?}");

    choose(&root, "select#case-share-destination", "Billing");
    type_into_text_area(&root, "textarea#case-share-note", "Refund both?");
    next_tick(10).await;
    assert_eq!(
        text_of(&root, "#case-share-note-count"),
        "12 of 2000 characters"
    );
    click(&root, "button.share-send");
    assert_eq!(
        sent(&share).await,
        serde_json::json!({ "destination": "Billing", "note": "Refund both?" })
    );
    let notice = wait_for(&root, ".share-panel .notice[role=status]").await;
    assert_eq!(notice.text_content().unwrap(), "Shared with Billing");
    // The form closed, and the timeline is the case's after the share.
    assert!(root.query_selector("#case-share-form").unwrap().is_none());
    assert!(
        root.text_content().unwrap().contains("shared with Billing"),
        "{}",
        root.inner_html()
    );
    restore_fetch();
}

#[wasm_bindgen_test]
async fn a_refused_share_says_why_and_a_site_without_destinations_says_where_to_set_them() {
    let problem = serde_json::json!({ "id": 2, "title": "Double charges at checkout",
        "category": "Billing", "status": "investigating", "linked": 1, "linked_active": 1,
        "created_at": "2026-11-20T09:00:00Z", "updated_at": "2026-11-23T10:00:00Z" });
    let share = format!("POST {}", site("problems/2/share"));
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site("problems/2"))): { "status": 200, "body": {
            "problem": problem, "complaints": [] } },
        (format!("GET {}", site("share-destinations"))): { "status": 200, "body": two_destinations() },
        (share.clone()): { "status": 422, "body": { "error": { "code": "invalid",
            "message": "a note is at most 2000 characters" } } },
    })));
    let root = mount_at("#/problems/2");
    click_when_ready(&root, ".share-panel button.share-toggle").await;
    wait_for(&root, "select#problem-share-destination").await;
    click(&root, "button.share-send");
    // A blank note is left out.
    assert_eq!(
        sent(&share).await,
        serde_json::json!({ "destination": "Product team" })
    );
    let error = wait_for(&root, ".share-panel .error[role=alert]").await;
    assert_eq!(
        error.text_content().unwrap(),
        "a note is at most 2000 characters"
    );
    // The form stays open with what was typed.
    assert!(root
        .query_selector("#problem-share-form")
        .unwrap()
        .is_some());

    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site("problems/2"))): { "status": 200, "body": {
            "problem": problem, "complaints": [] } },
        (format!("GET {}", site("share-destinations"))): { "status": 200, "body": {
            "destinations": [] } },
    })));
    let root = mount_at("#/problems/2");
    click_when_ready(&root, ".share-panel button.share-toggle").await;
    let link = wait_for(&root, "a.set-destinations").await;
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("#/settings/sharing")
    );
    restore_fetch();
}

async fn click_when_ready(root: &HtmlElement, selector: &str) {
    wait_for(root, selector).await;
    click(root, selector);
}

#[wasm_bindgen_test]
async fn the_sharing_page_saves_destinations_and_shows_each_refusal_by_its_field() {
    let put = format!("PUT {}", site("share-destinations"));
    let routes = |answer: serde_json::Value| {
        signed_in_with(serde_json::json!({
            (format!("GET {}", site("share-destinations"))): { "status": 200, "body": {
                "destinations": [{ "name": "Product team", "email": "product@shop.test", "webhook": false }] } },
            (format!("GET {}", site("mail-intake"))): { "status": 200, "body": { "address": null } },
            (put.clone()): answer,
        }))
    };
    fake_api(&routes(
        serde_json::json!({ "status": 422, "body": { "error": {
        "code": "invalid",
        "message": "destinations[1].email: an e-mail address, or `webhook: true`, or both" } } }),
    ));
    let root = mount_at("#/settings/sharing");
    wait_for(&root, "fieldset.destination input.destination-name").await;
    assert_eq!(text_of(&root, "nav a[aria-current=page]"), "Settings");
    assert_eq!(
        text_of(&root, "fieldset.destination legend"),
        "Product team"
    );
    assert_eq!(
        text_of(&root, "form.mail-intake .current"),
        "Takes no e-mail"
    );

    click(&root, "button.add-destination");
    wait_for(
        &root,
        "fieldset.destination:nth-of-type(2) input.destination-name",
    )
    .await;
    type_into(
        &root,
        "fieldset.destination:nth-of-type(2) input.destination-name",
        " Billing ",
    );
    click(&root, "button.save-destinations");
    assert_eq!(
        sent(&put).await,
        serde_json::json!({ "destinations": [
            { "name": "Product team", "email": "product@shop.test", "webhook": false },
            { "name": "Billing", "webhook": false }
        ] })
    );
    let error = wait_for(&root, "fieldset.destination:nth-of-type(2) .field-error").await;
    assert_eq!(
        error.text_content().unwrap(),
        "an e-mail address, or `webhook: true`, or both"
    );
    let email = root
        .query_selector("fieldset.destination:nth-of-type(2) input.destination-email")
        .unwrap()
        .unwrap();
    assert_eq!(email.get_attribute("aria-invalid").as_deref(), Some("true"));
    // The first destination's fields are not blamed.
    assert!(root
        .query_selector("fieldset.destination:nth-of-type(1) .field-error")
        .unwrap()
        .is_none());

    fake_api(&routes(
        serde_json::json!({ "status": 200, "body": { "destinations": [
        { "name": "Product team", "email": "product@shop.test", "webhook": false },
        { "name": "Billing", "webhook": true }
    ] } }),
    ));
    click(
        &root,
        "fieldset.destination:nth-of-type(2) input.destination-webhook",
    );
    click(&root, "button.save-destinations");
    assert_eq!(
        sent(&put).await["destinations"][1],
        serde_json::json!({ "name": "Billing", "webhook": true })
    );
    let saved = wait_for(&root, "form.share-destinations .notice[role=status]").await;
    assert_eq!(saved.text_content().unwrap(), "Share destinations saved");
    assert!(root
        .query_selector("fieldset.destination .field-error")
        .unwrap()
        .is_none());
    restore_fetch();
}

#[wasm_bindgen_test]
async fn the_intake_address_is_set_refused_by_its_field_and_stopped() {
    let put = format!("PUT {}", site("mail-intake"));
    let routes = |answer: serde_json::Value| {
        signed_in_with(serde_json::json!({
            (format!("GET {}", site("share-destinations"))): { "status": 200, "body": { "destinations": [] } },
            (format!("GET {}", site("mail-intake"))): { "status": 200, "body": { "address": null } },
            (put.clone()): answer,
        }))
    };
    fake_api(&routes(
        serde_json::json!({ "status": 409, "body": { "error": {
        "code": "conflict", "message": "another site takes e-mail at this address" } } }),
    ));
    let root = mount_at("#/settings/sharing");
    wait_for(&root, "input#intake-address").await;
    // Blank: nothing is sent.
    click(&root, "button.save-intake");
    let error = wait_for(&root, "#intake-address-error[role=alert]").await;
    assert_eq!(
        error.text_content().unwrap(),
        "enter the address, or choose “Stop taking e-mail”"
    );
    assert_eq!(sent_count(&put), 0);

    type_into(&root, "input#intake-address", "Support@Feedback.Example");
    click(&root, "button.save-intake");
    assert_eq!(
        sent(&put).await,
        serde_json::json!({ "address": "Support@Feedback.Example" })
    );
    for _ in 0..100 {
        if text_of(&root, "#intake-address-error") == "another site takes e-mail at this address" {
            break;
        }
        next_tick(50).await;
    }
    assert_eq!(
        text_of(&root, "#intake-address-error"),
        "another site takes e-mail at this address"
    );
    let input = root
        .query_selector("input#intake-address")
        .unwrap()
        .unwrap();
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert_eq!(
        input.get_attribute("aria-describedby").as_deref(),
        Some("intake-address-error")
    );

    fake_api(&routes(serde_json::json!({ "status": 200, "body": {
        "address": "support@feedback.example" } })));
    click(&root, "button.save-intake");
    let saved = wait_for(&root, "form.mail-intake .notice[role=status]").await;
    assert_eq!(
        saved.text_content().unwrap(),
        "The site takes complaints by e-mail at support@feedback.example"
    );
    assert_eq!(
        text_of(&root, "form.mail-intake .current"),
        "Takes e-mail at support@feedback.example"
    );
    let input: HtmlInputElement = root
        .query_selector("input#intake-address")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(input.value(), "support@feedback.example");
    assert!(root
        .query_selector("#intake-address-error")
        .unwrap()
        .is_none());
    let violations = axe(&root).await;
    assert!(AXE.is_empty() || violations.is_empty(), "{violations:#?}");

    fake_api(&routes(
        serde_json::json!({ "status": 200, "body": { "address": null } }),
    ));
    click(&root, "button.stop-intake");
    assert_eq!(sent(&put).await, serde_json::json!({ "address": null }));
    for _ in 0..100 {
        if text_of(&root, "form.mail-intake .current") == "Takes no e-mail" {
            break;
        }
        next_tick(50).await;
    }
    assert_eq!(
        text_of(&root, "form.mail-intake .current"),
        "Takes no e-mail"
    );
    assert!(root.query_selector("button.stop-intake").unwrap().is_none());
    restore_fetch();
}

#[wasm_bindgen_test]
async fn a_viewer_reads_the_sharing_settings_and_cannot_share() {
    let view = case_view(case(CASE_1, "HK-7QF3", "new", "P1", "Charged twice"), &[]);
    fake_api(&signed_in_with(serde_json::json!({
        "GET /api/v1/admin/me": { "status": 200, "body": { "email": "vi@shop.test",
            "csrf_token": "c", "sites": [{ "site_key": SHOP_KEY, "site_name": "Shop", "role": "viewer" }] } },
        (format!("GET {}", site(&format!("complaints/{CASE_1}")))): { "status": 200, "body": view },
        (format!("GET {}", site("share-destinations"))): { "status": 200, "body": two_destinations() },
        (format!("GET {}", site("mail-intake"))): { "status": 200, "body": {
            "address": "support@feedback.example" } },
    })));
    let root = mount_at(&format!("#/cases/{CASE_1}"));
    wait_for(&root, "article.case").await;
    assert!(root
        .query_selector("button.share-toggle")
        .unwrap()
        .is_none());

    let root = mount_at("#/settings/sharing");
    wait_for(&root, "fieldset.destination input.destination-name").await;
    for control in [
        "button.add-destination",
        "button.save-destinations",
        "button.remove-destination",
        "button.save-intake",
        "button.stop-intake",
    ] {
        assert!(
            root.query_selector(control).unwrap().is_none(),
            "{control} shown to a viewer"
        );
    }
    let name: HtmlInputElement = root
        .query_selector("input.destination-name")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert!(name.disabled());
    let violations = axe(&root).await;
    assert!(AXE.is_empty() || violations.is_empty(), "{violations:#?}");
    restore_fetch();
}

// The team, invitations, the account (password, sessions, two-factor sign-in), API tokens and
// the audit log.

/// The signed-in user of `signed_in_with`, with `role` on the shop instead of owner.
fn me_as(email: &str, role: &str) -> serde_json::Value {
    serde_json::json!({ "status": 200, "body": { "email": email, "csrf_token": "csrf-of-the-session",
        "sites": [{ "site_key": SHOP_KEY, "site_name": "Shop", "role": role }] } })
}

fn two_members() -> serde_json::Value {
    serde_json::json!({ "site_key": SHOP_KEY, "members": [
        { "user_id": 3, "email": "ann@shop.test", "role": "owner", "since": "2026-11-01T09:00:00Z",
          "last_sign_in": "2026-11-23T08:00:00Z", "two_factor": true },
        { "user_id": 4, "email": "bo@shop.test", "role": "agent", "since": "2026-11-02T09:00:00Z",
          "last_sign_in": null, "two_factor": false }
    ] })
}

fn invitation(id: i64, email: &str, role: &str) -> serde_json::Value {
    serde_json::json!({ "id": id, "email": email, "role": role, "invited_by": "ann@shop.test",
        "created_at": "2026-11-22T10:00:00Z", "expires_at": "2026-11-29T10:00:00Z" })
}

fn one_invitation() -> serde_json::Value {
    serde_json::json!({ "site_key": SHOP_KEY, "invitations": [invitation(9, "cy@shop.test", "viewer")] })
}

const INVITE_TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// Stands in for the clipboard (the test browser's needs a user's permission): what is copied
/// lands in `window.harkCopied`.
fn fake_clipboard() {
    js_sys::Function::new_no_args(
        "window.harkCopied = null;
         Object.defineProperty(navigator, 'clipboard', { configurable: true,
             value: { writeText: async (t) => { window.harkCopied = t; } } });",
    )
    .call0(&wasm_bindgen::JsValue::NULL)
    .unwrap();
}

async fn copied() -> String {
    for _ in 0..100 {
        let value =
            js_sys::Reflect::get(&web_sys::window().unwrap(), &"harkCopied".into()).unwrap();
        if let Some(text) = value.as_string() {
            return text;
        }
        next_tick(50).await;
    }
    panic!("nothing was copied");
}

/// Waits until `selector`'s text is `text`.
async fn wait_text(root: &HtmlElement, selector: &str, text: &str) {
    for _ in 0..100 {
        if let Some(el) = root.query_selector(selector).unwrap() {
            if el.text_content().unwrap_or_default() == text {
                return;
            }
        }
        next_tick(50).await;
    }
    panic!("{selector} never said {text:?}: {}", root.inner_html());
}

fn options_of(root: &HtmlElement, selector: &str) -> Vec<String> {
    let list = root
        .query_selector_all(&format!("{selector} option"))
        .unwrap();
    (0..list.length())
        .map(|i| {
            list.item(i)
                .unwrap()
                .unchecked_into::<web_sys::Element>()
                .get_attribute("value")
                .unwrap_or_default()
        })
        .collect()
}

#[wasm_bindgen_test]
async fn an_owner_invites_changes_roles_and_removes_with_each_refusal_by_its_member() {
    let link = format!("http://127.0.0.1:8080/dashboard/#/invite/{INVITE_TOKEN}");
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site("members"))): { "status": 200, "body": two_members() },
        (format!("GET {}", site("invitations"))): { "status": 200, "body": one_invitation() },
        (format!("POST {}", site("invitations"))): { "status": 201, "body": {
            "invitation": invitation(10, "dee@shop.test", "admin"), "mailed": false, "link": link } },
        (format!("DELETE {}", site("invitations/9"))): { "status": 204 },
        (format!("PUT {}", site("members/3"))): { "status": 409, "body": { "error": {
            "code": "conflict", "message": "the site's last owner cannot be given another role: make someone else owner first" } } },
        (format!("PUT {}", site("members/4"))): { "status": 200, "body": {
            "user_id": 4, "email": "bo@shop.test", "role": "admin", "since": "2026-11-02T09:00:00Z",
            "last_sign_in": null, "two_factor": false } },
        (format!("DELETE {}", site("members/4"))): { "status": 204 },
    })));
    fake_clipboard();
    let root = mount_at("#/settings/team");
    wait_for(&root, "table.members tbody tr[data-id='4']").await;
    assert_eq!(
        text_of(&root, "tr[data-id='3'] td.email"),
        "ann@shop.test (you)"
    );
    assert_eq!(text_of(&root, "tr[data-id='3'] td.two-factor"), "On");
    assert_eq!(text_of(&root, "tr[data-id='4'] td.last-sign-in"), "never");
    assert_eq!(
        text_of(&root, "tr[data-id='4'] td.since"),
        "2026-11-02 09:00:00"
    );
    // An owner gives any role.
    assert_eq!(
        options_of(&root, "#invite-role"),
        ["owner", "admin", "agent", "viewer"]
    );
    wait_for(&root, "table.invitations tr[data-id='9']").await;

    // An invitation without SMTP: the link to hand over, with a copy button.
    type_into(&root, "#invite-email", "dee@shop.test");
    choose(&root, "#invite-role", "admin");
    click(&root, "button.send-invitation");
    let body = sent(&format!("POST {}", site("invitations"))).await;
    assert_eq!(
        body,
        serde_json::json!({ "email": "dee@shop.test", "role": "admin" })
    );
    let shown: HtmlInputElement = wait_for(&root, "#invitation-link").await.unchecked_into();
    assert_eq!(shown.value(), link);
    assert!(text_of(&root, ".invitation-link p").contains("dee@shop.test"));
    click(&root, ".invitation-link button.copy");
    assert_eq!(copied().await, link);
    wait_text(&root, ".invitation-link .copied", "Copied").await;

    // The last owner stays: the refusal shows in that member's row, the choice as it was.
    // Picking a role sends nothing until "Change role".
    choose(&root, "#member-role-3", "agent");
    choose(&root, "#member-role-3", "admin");
    next_tick(10).await;
    assert_eq!(sent_count(&format!("PUT {}", site("members/3"))), 0);
    click(&root, "tr[data-id='3'] button.change-role");
    sent(&format!("PUT {}", site("members/3"))).await;
    wait_text(
        &root,
        "tr[data-id='3'] .refusal",
        "the site's last owner cannot be given another role: make someone else owner first",
    )
    .await;
    let select: web_sys::HtmlSelectElement = root
        .query_selector("#member-role-3")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(select.value(), "owner");
    assert!(root
        .query_selector("tr[data-id='3'] button.change-role")
        .unwrap()
        .is_none());
    assert!(root
        .query_selector("tr[data-id='4'] .refusal")
        .unwrap()
        .is_none());

    choose(&root, "#member-role-4", "admin");
    click_when_ready(&root, "tr[data-id='4'] button.change-role").await;
    let body = sent(&format!("PUT {}", site("members/4"))).await;
    assert_eq!(body, serde_json::json!({ "role": "admin" }));

    // Removing asks first; "Keep" sends nothing.
    let remove = format!("DELETE {}", site("members/4"));
    click(&root, "tr[data-id='4'] button.remove");
    wait_for(&root, "tr[data-id='4'] button.confirm-remove").await;
    assert!(text_of(&root, "tr[data-id='4'] .confirm-text").contains("bo@shop.test"));
    click(&root, "tr[data-id='4'] button.keep");
    wait_for(&root, "tr[data-id='4'] button.remove").await;
    assert_eq!(sent_count(&remove), 0);
    click(&root, "tr[data-id='4'] button.remove");
    click_when_ready(&root, "tr[data-id='4'] button.confirm-remove").await;
    sent(&remove).await;

    click(&root, "tr[data-id='9'] button.withdraw");
    sent(&format!("DELETE {}", site("invitations/9"))).await;
    let csrf: Vec<serde_json::Value> = calls()
        .into_iter()
        .filter(|c| c["key"].as_str().unwrap().starts_with("DELETE"))
        .map(|c| c["csrf"].clone())
        .collect();
    assert!(csrf.iter().all(|c| c == "csrf-of-the-session"), "{csrf:?}");
    restore_fetch();
}

#[wasm_bindgen_test]
async fn an_admin_is_offered_roles_up_to_their_own_and_an_invitations_refusal_shows_by_its_field() {
    fake_api(&signed_in_with(serde_json::json!({
        "GET /api/v1/admin/me": me_as("bo@shop.test", "admin"),
        (format!("GET {}", site("members"))): { "status": 200, "body": two_members() },
        (format!("GET {}", site("invitations"))): { "status": 200, "body": {
            "site_key": SHOP_KEY, "invitations": [] } },
        (format!("POST {}", site("invitations"))): [
            { "status": 409, "body": { "error": { "code": "conflict",
                "message": "ann@shop.test is a member of this site already: change their role instead" } } },
            { "status": 403, "body": { "error": { "code": "forbidden",
                "message": "an admin cannot give the owner role" } } }
        ],
    })));
    let root = mount_at("#/settings/team");
    wait_for(&root, "table.members tbody tr[data-id='4']").await;
    assert_eq!(
        options_of(&root, "#invite-role"),
        ["admin", "agent", "viewer"]
    );
    // Above oneself: no controls; at or below: a choice of roles up to one's own.
    assert!(root.query_selector("#member-role-3").unwrap().is_none());
    assert!(root
        .query_selector("tr[data-id='3'] button.remove")
        .unwrap()
        .is_none());
    assert_eq!(text_of(&root, "tr[data-id='3'] td.role"), "Owner");
    assert_eq!(
        options_of(&root, "#member-role-4"),
        ["admin", "agent", "viewer"]
    );
    wait_for(&root, "section.invitations p.empty").await;

    type_into(&root, "#invite-email", "ann@shop.test");
    click(&root, "button.send-invitation");
    wait_text(
        &root,
        "#invite-email-error",
        "ann@shop.test is a member of this site already: change their role instead",
    )
    .await;
    let email: HtmlInputElement = root
        .query_selector("#invite-email")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(email.get_attribute("aria-invalid").as_deref(), Some("true"));
    // A ceiling refusal concerns the role.
    type_into(&root, "#invite-email", "eve@shop.test");
    click(&root, "button.send-invitation");
    wait_text(
        &root,
        "form.invite .refusal",
        "an admin cannot give the owner role",
    )
    .await;
    assert!(root
        .query_selector("#invite-email-error")
        .unwrap()
        .is_none());
    restore_fetch();
}

#[wasm_bindgen_test]
async fn a_viewer_sees_the_team_and_nothing_to_change() {
    fake_api(&signed_in_with(serde_json::json!({
        "GET /api/v1/admin/me": me_as("vi@shop.test", "viewer"),
        (format!("GET {}", site("members"))): { "status": 200, "body": two_members() },
        (format!("GET {}", site("workflow"))): { "status": 200, "body": { "rules": [] } },
    })));
    let root = mount_at("#/settings/team");
    wait_for(&root, "table.members tbody tr[data-id='4']").await;
    assert_eq!(text_of(&root, "tr[data-id='4'] td.role"), "Agent");
    for absent in [
        "form.invite",
        "select",
        "button.remove",
        "section.invitations",
        "th .visually-hidden",
    ] {
        assert!(
            root.query_selector(absent).unwrap().is_none(),
            "{absent} shows for a viewer"
        );
    }
    assert_eq!(sent_count(&format!("GET {}", site("invitations"))), 0);

    // The settings page lists the team, but not the tokens or the audit log.
    let root = mount_at("#/settings");
    wait_for(&root, "nav.settings-pages a[href='#/settings/team']").await;
    assert!(root
        .query_selector("nav.settings-pages a[href='#/settings/tokens']")
        .unwrap()
        .is_none());
    assert!(root
        .query_selector("nav.settings-pages a[href='#/settings/audit']")
        .unwrap()
        .is_none());
    restore_fetch();
}

fn preview(existing_user: bool) -> serde_json::Value {
    serde_json::json!({ "status": 200, "body": { "site_key": SHOP_KEY, "site_name": "Shop",
        "email": "dee@shop.test", "role": "agent", "expires_at": "2026-11-29T10:00:00Z",
        "existing_user": existing_user } })
}

fn dee_account() -> serde_json::Value {
    serde_json::json!({ "email": "dee@shop.test", "csrf_token": "csrf-of-dee",
        "sites": [{ "site_key": SHOP_KEY, "site_name": "Shop", "role": "agent" }] })
}

#[wasm_bindgen_test]
async fn a_new_member_sets_a_password_on_the_invitation_page_and_lands_in_the_inbox() {
    fake_api(&format!(
        r#"{{
            "POST /api/v1/invitations/preview": {preview},
            "POST /api/v1/invitations/accept": {{ status: 201, body: {account} }},
            "GET {complaints}": {{ status: 200, body: {EMPTY_CASES} }}
        }}"#,
        preview = preview(false),
        account = dee_account(),
        complaints = site("complaints"),
    ));
    let root = mount_at(&format!("#/invite/{INVITE_TOKEN}"));
    wait_for(&root, "#invite-password").await;
    assert_eq!(text_of(&root, "main.invite h2"), "Join Shop");
    assert_eq!(text_of(&root, ".invited-role"), "agent");
    assert_eq!(text_of(&root, ".invited-email"), "dee@shop.test");
    assert!(text_of(&root, "p.invitation").contains("2026-11-29 10:00:00 UTC"));
    let body = sent("POST /api/v1/invitations/preview").await;
    assert_eq!(body, serde_json::json!({ "token": INVITE_TOKEN }));

    type_into(&root, "#invite-password", "correct horse battery");
    type_into(&root, "#invite-password-again", "correct horse batteyr");
    click(&root, "form.accept-invitation button.accept");
    wait_text(&root, ".error[role=alert]", "the two passwords differ").await;
    assert_eq!(sent_count("POST /api/v1/invitations/accept"), 0);

    type_into(&root, "#invite-password-again", "correct horse battery");
    click(&root, "form.accept-invitation button.accept");
    let body = sent("POST /api/v1/invitations/accept").await;
    assert_eq!(
        body,
        serde_json::json!({ "token": INVITE_TOKEN, "password": "correct horse battery" })
    );
    wait_for(&root, "p.empty").await;
    assert_eq!(text_of(&root, "h1.site-name"), "Shop");
    assert_eq!(text_of(&root, "nav a[aria-current=page]"), "Inbox");
    // The spent link's token leaves the address.
    let hash = web_sys::window().unwrap().location().hash().unwrap();
    assert_eq!(hash, "#/inbox");
    restore_fetch();
}

#[wasm_bindgen_test]
async fn a_used_invitation_link_shows_the_collectors_message() {
    fake_api(
        r#"{ "POST /api/v1/invitations/preview": { status: 410, body: { error: { code: "gone",
            message: "this invitation was used already: sign in instead" } } } }"#,
    );
    let root = mount_at(&format!("#/invite/{INVITE_TOKEN}"));
    let error = wait_for(&root, ".error[role=alert]").await;
    assert_eq!(
        error.text_content().unwrap(),
        "this invitation was used already: sign in instead"
    );
    assert!(root.query_selector("form").unwrap().is_none());
    restore_fetch();
}

#[wasm_bindgen_test]
async fn a_signed_in_member_accepts_with_one_click_and_another_signs_in_with_their_code() {
    fake_api(&format!(
        r#"{{
            "POST /api/v1/invitations/preview": {preview},
            "GET /api/v1/admin/me": {{ status: 200, body: {account} }},
            "POST /api/v1/invitations/accept": {{ status: 200, body: {account} }},
            "GET {complaints}": {{ status: 200, body: {EMPTY_CASES} }}
        }}"#,
        preview = preview(true),
        account = dee_account(),
        complaints = site("complaints"),
    ));
    let root = mount_at(&format!("#/invite/{INVITE_TOKEN}"));
    wait_for(&root, ".accept-invitation.signed-in button.accept").await;
    assert!(root
        .query_selector("input[type=password]")
        .unwrap()
        .is_none());
    click(&root, "button.accept");
    let body = sent("POST /api/v1/invitations/accept").await;
    assert_eq!(body, serde_json::json!({ "token": INVITE_TOKEN }));
    let accept = calls()
        .into_iter()
        .find(|c| c["key"] == "POST /api/v1/invitations/accept")
        .unwrap();
    assert_eq!(accept["csrf"], "csrf-of-dee");
    wait_for(&root, "p.empty").await;

    // Signed out, with two-factor sign-in: the password, then the code.
    fake_api(&format!(
        r#"{{
            "POST /api/v1/invitations/preview": {preview},
            "POST /api/v1/invitations/accept": [
                {{ status: 401, body: {{ error: {{ code: "two_factor_required",
                    message: "this account signs in with a second factor: send `code` too" }} }} }},
                {{ status: 200, body: {account} }}
            ],
            "GET {complaints}": {{ status: 200, body: {EMPTY_CASES} }}
        }}"#,
        preview = preview(true),
        account = dee_account(),
        complaints = site("complaints"),
    ));
    let root = mount_at(&format!("#/invite/{INVITE_TOKEN}"));
    wait_for(&root, "form.existing-user #invite-password").await;
    let email: HtmlInputElement = root
        .query_selector("#invite-email")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(email.value(), "dee@shop.test");
    assert!(root.query_selector("#invite-code").unwrap().is_none());
    type_into(&root, "#invite-password", "correct horse battery");
    click(&root, "form.existing-user button.accept");
    wait_for(&root, "#invite-code").await;
    type_into(&root, "#invite-code", "123456");
    click(&root, "form.existing-user button.accept");
    wait_for(&root, "p.empty").await;
    let bodies: Vec<serde_json::Value> = calls()
        .into_iter()
        .filter(|c| c["key"] == "POST /api/v1/invitations/accept")
        .map(|c| serde_json::from_str(c["body"].as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(
        bodies,
        [
            serde_json::json!({ "token": INVITE_TOKEN, "password": "correct horse battery" }),
            serde_json::json!({ "token": INVITE_TOKEN, "password": "correct horse battery",
                "code": "123456" }),
        ]
    );
    restore_fetch();
}

#[wasm_bindgen_test]
async fn sign_in_asks_for_the_second_factor_and_shows_a_wrong_codes_refusal() {
    fake_api(&format!(
        r#"{{
            "POST /api/v1/admin/session": [
                {{ status: 401, body: {{ error: {{ code: "two_factor_required",
                    message: "this account signs in with a second factor: send `code` too" }} }} }},
                {{ status: 401, body: {{ error: {{ code: "wrong_code",
                    message: "the code is wrong or was used already" }} }} }},
                {{ status: 200, body: {account} }}
            ],
            "GET {complaints}": {{ status: 200, body: {EMPTY_CASES} }}
        }}"#,
        account = dee_account(),
        complaints = site("complaints"),
    ));
    let root = mount_as_is();
    wait_for(&root, "input#email").await;
    assert!(root.query_selector("input#code").unwrap().is_none());
    type_into(&root, "input#email", "dee@shop.test");
    type_into(&root, "input#password", "correct horse battery");
    click(&root, "form.sign-in-form button[type=submit]");
    let code: HtmlInputElement = wait_for(&root, "input#code").await.unchecked_into();
    assert_eq!(
        code.get_attribute("autocomplete").as_deref(),
        Some("one-time-code")
    );
    assert!(text_of(&root, ".error[role=alert]").contains("second factor"));

    type_into(&root, "input#code", "000000");
    click(&root, "form.sign-in-form button[type=submit]");
    wait_text(
        &root,
        ".error[role=alert]",
        "the code is wrong or was used already",
    )
    .await;
    type_into(&root, "input#code", "ab12-cd34");
    click(&root, "form.sign-in-form button[type=submit]");
    wait_for(&root, "p.empty").await;
    let bodies: Vec<serde_json::Value> = calls()
        .into_iter()
        .filter(|c| c["key"] == "POST /api/v1/admin/session")
        .map(|c| serde_json::from_str(c["body"].as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(
        bodies,
        [
            serde_json::json!({ "email": "dee@shop.test", "password": "correct horse battery" }),
            serde_json::json!({ "email": "dee@shop.test", "password": "correct horse battery",
                "code": "000000" }),
            serde_json::json!({ "email": "dee@shop.test", "password": "correct horse battery",
                "code": "ab12-cd34" }),
        ]
    );
    restore_fetch();
}

fn two_factor_status(enabled: bool, left: u32) -> serde_json::Value {
    serde_json::json!({ "status": 200, "body": { "available": true, "enabled": enabled,
        "pending": false, "recovery_codes_left": left } })
}

fn ten_codes() -> Vec<String> {
    (0..10).map(|i| format!("code-{i:04}")).collect()
}

#[wasm_bindgen_test]
async fn the_account_changes_the_password_with_each_refusal_by_its_field() {
    fake_api(&signed_in_with(serde_json::json!({
        "GET /api/v1/admin/account/two-factor": two_factor_status(false, 0),
        "PUT /api/v1/admin/account/password": [
            { "status": 403, "body": { "error": { "code": "wrong_password", "message": "the password is wrong" } } },
            { "status": 422, "body": { "error": { "code": "invalid", "message": "a password has at least 10 characters" } } },
            { "status": 204 }
        ],
    })));
    let root = mount_at("#/account");
    wait_for(&root, "#current-password").await;
    // The header's address is the way here.
    assert_eq!(
        text_of(&root, "header a.who[aria-current=page]"),
        "ann@shop.test"
    );
    let put = "PUT /api/v1/admin/account/password";
    type_into(&root, "#current-password", "old one, wrong");
    type_into(&root, "#new-password", "new horse battery");
    type_into(&root, "#new-password-again", "new horse batter");
    click(&root, "button.save-password");
    wait_text(
        &root,
        "#new-password-again-error",
        "the two new passwords differ",
    )
    .await;
    assert_eq!(sent_count(put), 0);

    type_into(&root, "#new-password-again", "new horse battery");
    click(&root, "button.save-password");
    wait_text(&root, "#current-password-error", "the password is wrong").await;
    assert_eq!(
        sent(put).await,
        serde_json::json!({ "current_password": "old one, wrong", "new_password": "new horse battery" })
    );
    click(&root, "button.save-password");
    wait_text(
        &root,
        "#new-password-error",
        "a password has at least 10 characters",
    )
    .await;
    assert!(root
        .query_selector("#current-password-error")
        .unwrap()
        .is_none());
    click(&root, "button.save-password");
    wait_text(
        &root,
        "form.change-password .notice",
        "Password changed; your other sessions were signed out",
    )
    .await;
    let typed: HtmlInputElement = root
        .query_selector("#current-password")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(typed.value(), "");
    assert_eq!(sent_count(put), 3);
    restore_fetch();
}

#[wasm_bindgen_test]
async fn two_factor_is_enrolled_with_a_code_and_its_recovery_codes_shown_once() {
    let codes = ten_codes();
    fake_api(&signed_in_with(serde_json::json!({
        "GET /api/v1/admin/account/two-factor": [two_factor_status(false, 0), two_factor_status(true, 10)],
        "POST /api/v1/admin/account/two-factor": { "status": 200, "body": {
            "secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
            "otpauth_uri": "otpauth://totp/Hark:ann%40shop.test?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Hark" } },
        "POST /api/v1/admin/account/two-factor/confirm": [
            { "status": 422, "body": { "error": { "code": "invalid",
                "message": "the code does not match: check that the app's clock is right, and type the code it shows now" } } },
            { "status": 200, "body": { "recovery_codes": codes } }
        ],
        "POST /api/v1/admin/account/two-factor/recovery-codes": { "status": 200, "body": { "recovery_codes": codes } },
        "POST /api/v1/admin/account/two-factor/disable": { "status": 204 },
    })));
    fake_clipboard();
    let root = mount_at("#/account");
    wait_for(&root, "#two-factor-password").await;
    type_into(&root, "#two-factor-password", "correct horse battery");
    click(&root, "button.start-two-factor");
    assert_eq!(
        sent("POST /api/v1/admin/account/two-factor").await,
        serde_json::json!({ "password": "correct horse battery" })
    );
    let secret = wait_for(&root, "code.two-factor-secret").await;
    assert_eq!(
        secret.text_content().unwrap(),
        "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"
    );
    // The setup link as a QR code, drawn as SVG: a version 4 code or more for a link this long
    // (33 modules and the quiet zone), with dark modules.
    let qr = root.query_selector("svg.qr").unwrap().expect("the QR code");
    assert_eq!(qr.get_attribute("role").as_deref(), Some("img"));
    let side: i32 = qr
        .get_attribute("viewBox")
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(side >= 33 + 8, "{side}");
    let path = qr.query_selector("path").unwrap().unwrap();
    assert!(path.get_attribute("d").unwrap().matches('M').count() > 300);
    let uri: HtmlInputElement = root
        .query_selector("#otpauth-uri")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert!(uri
        .value()
        .starts_with("otpauth://totp/Hark:ann%40shop.test?secret=JBSWY3DP"));
    click(&root, "form.confirm-two-factor button.copy");
    assert_eq!(copied().await, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");

    type_into(&root, "#two-factor-code", "123456");
    click(&root, "button.confirm-two-factor");
    wait_for(&root, "#two-factor-code-error").await;
    assert!(text_of(&root, "#two-factor-code-error").starts_with("the code does not match"));
    type_into(&root, "#two-factor-code", "654321");
    click(&root, "button.confirm-two-factor");
    wait_for(&root, "ol.recovery-codes").await;
    assert_eq!(
        sent("POST /api/v1/admin/account/two-factor/confirm").await,
        serde_json::json!({ "code": "654321" })
    );
    let shown: Vec<String> = {
        let items = root.query_selector_all("ol.recovery-codes li").unwrap();
        (0..items.length())
            .map(|i| items.item(i).unwrap().text_content().unwrap())
            .collect()
    };
    assert_eq!(shown, codes);
    let download = root.query_selector("a.download").unwrap().unwrap();
    assert_eq!(
        download.get_attribute("download").as_deref(),
        Some("hark-recovery-codes.txt")
    );
    let href = download.get_attribute("href").unwrap();
    let text =
        js_sys::decode_uri_component(href.strip_prefix("data:text/plain;charset=utf-8,").unwrap())
            .unwrap()
            .as_string()
            .unwrap();
    assert_eq!(text, codes.join("\n") + "\n");
    fake_clipboard();
    click(&root, ".recovery button.copy");
    assert_eq!(copied().await, codes.join("\n") + "\n");

    // Once saved, they are gone: the state is read again.
    click(&root, "button.codes-done");
    wait_text(&root, "p.two-factor-state", "On. 10 recovery codes left.").await;
    assert!(root.query_selector("ol.recovery-codes").unwrap().is_none());

    // New codes with the password; off with a code.
    click(&root, "button.new-codes");
    wait_for(&root, "section.two-factor .refusal").await;
    assert_eq!(
        sent_count("POST /api/v1/admin/account/two-factor/recovery-codes"),
        0
    );
    type_into(&root, "#proof-password", "correct horse battery");
    click(&root, "button.new-codes");
    assert_eq!(
        sent("POST /api/v1/admin/account/two-factor/recovery-codes").await,
        serde_json::json!({ "password": "correct horse battery" })
    );
    wait_for(&root, "ol.recovery-codes").await;
    click(&root, "button.codes-done");
    wait_for(&root, "#proof-code").await;
    type_into(&root, "#proof-code", " 111222 ");
    click(&root, "button.disable-two-factor");
    assert_eq!(
        sent("POST /api/v1/admin/account/two-factor/disable").await,
        serde_json::json!({ "code": "111222" })
    );
    wait_for(&root, "#two-factor-password").await;
    restore_fetch();
}

#[wasm_bindgen_test]
async fn signing_out_everywhere_asks_first_and_ends_at_the_sign_in() {
    fake_api(&signed_in_with(serde_json::json!({
        "GET /api/v1/admin/account/two-factor": two_factor_status(false, 0),
        "DELETE /api/v1/admin/account/sessions": { "status": 204 },
    })));
    let root = mount_at("#/account");
    click_when_ready(&root, "button.sign-out-all").await;
    let confirm = wait_for(&root, "button.confirm-sign-out-all").await;
    // The focus follows to the question's button, for the keyboard.
    assert_eq!(
        document().active_element().map(|e| e.class_name()),
        Some(confirm.class_name())
    );
    assert_eq!(sent_count("DELETE /api/v1/admin/account/sessions"), 0);
    click(&root, "button.confirm-sign-out-all");
    let error = wait_for(&root, "main.sign-in .error[role=alert]").await;
    assert_eq!(
        error.text_content().unwrap(),
        "You were signed out everywhere, in this browser too."
    );
    let ended = calls()
        .into_iter()
        .find(|c| c["key"] == "DELETE /api/v1/admin/account/sessions")
        .unwrap();
    assert_eq!(ended["csrf"], "csrf-of-the-session");
    restore_fetch();
}

fn two_tokens() -> serde_json::Value {
    serde_json::json!({ "site_key": SHOP_KEY, "tokens": [
        { "id": 8, "role": "owner", "created_at": "2026-11-23T12:00:00Z" },
        { "id": 7, "role": "viewer", "created_at": "2026-11-20T12:00:00Z" }
    ] })
}

#[wasm_bindgen_test]
async fn a_token_is_created_its_secret_shown_once_and_revoked_after_asking() {
    fake_api(&signed_in_with(serde_json::json!({
        "GET /api/v1/admin/me": me_as("bo@shop.test", "admin"),
        (format!("GET {}", site("tokens"))): { "status": 200, "body": two_tokens() },
        (format!("POST {}", site("tokens"))): { "status": 201, "body": {
            "id": 9, "site_key": SHOP_KEY, "role": "agent", "token": "hark_secret_of_nine" } },
        (format!("DELETE {}", site("tokens/7"))): [
            { "status": 403, "body": { "error": { "code": "forbidden",
                "message": "this token was revoked meanwhile" } } },
            { "status": 204 }
        ],
    })));
    fake_clipboard();
    let root = mount_at("#/settings/tokens");
    wait_for(&root, "table.tokens tr[data-id='7']").await;
    assert_eq!(text_of(&root, "tr[data-id='8'] td.role"), "owner");
    assert_eq!(
        text_of(&root, "tr[data-id='7'] td.created"),
        "2026-11-20 12:00:00"
    );
    // An owner's token is above an admin: theirs to keep.
    assert!(root
        .query_selector("tr[data-id='8'] button.revoke")
        .unwrap()
        .is_none());
    assert_eq!(
        options_of(&root, "#new-token-role"),
        ["admin", "agent", "viewer"]
    );

    choose(&root, "#new-token-role", "agent");
    click(&root, "button.create-token");
    assert_eq!(
        sent(&format!("POST {}", site("tokens"))).await,
        serde_json::json!({ "role": "agent" })
    );
    let secret: HtmlInputElement = wait_for(&root, "#token-secret").await.unchecked_into();
    assert_eq!(secret.value(), "hark_secret_of_nine");
    assert!(secret.read_only());
    click(&root, "form.new-token button.copy");
    assert_eq!(copied().await, "hark_secret_of_nine");
    click(&root, "button.secret-done");
    next_tick(10).await;
    assert!(root.query_selector("#token-secret").unwrap().is_none());

    let revoke = format!("DELETE {}", site("tokens/7"));
    click(&root, "tr[data-id='7'] button.revoke");
    click_when_ready(&root, "tr[data-id='7'] button.confirm-revoke").await;
    wait_text(
        &root,
        "tr[data-id='7'] .refusal",
        "this token was revoked meanwhile",
    )
    .await;
    click(&root, "tr[data-id='7'] button.revoke");
    click_when_ready(&root, "tr[data-id='7'] button.confirm-revoke").await;
    for _ in 0..100 {
        if sent_count(&revoke) == 2 {
            break;
        }
        next_tick(50).await;
    }
    assert_eq!(sent_count(&revoke), 2);
    restore_fetch();
}

#[wasm_bindgen_test]
async fn a_viewer_is_refused_the_tokens_and_the_audit_log() {
    let refused = serde_json::json!({ "status": 403, "body": { "error": { "code": "forbidden",
        "message": "this needs the admin role on the site" } } });
    fake_api(&signed_in_with(serde_json::json!({
        "GET /api/v1/admin/me": me_as("vi@shop.test", "viewer"),
        (format!("GET {}", site("tokens"))): refused,
        (format!("GET {}", site("audit"))): refused,
    })));
    let root = mount_at("#/settings/tokens");
    wait_text(
        &root,
        ".error[role=alert]",
        "this needs the admin role on the site",
    )
    .await;
    assert!(root.query_selector("form.new-token").unwrap().is_none());
    let root = mount_at("#/settings/audit");
    wait_text(
        &root,
        ".error[role=alert]",
        "this needs the admin role on the site",
    )
    .await;
    restore_fetch();
}

/// `n` audit lines, newest first, one an hour back from 2026-11-23 12:00, their actions and
/// actors taking turns.
fn audit_lines(n: usize) -> serde_json::Value {
    let lines: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let (day, hour) = (23 - i / 24, 23 - i % 24);
            let (actor, action) = match i % 3 {
                0 => ("ann@shop.test", "session.create"),
                1 => ("token:7", "settings.change"),
                _ => ("bo@shop.test", "member.role"),
            };
            serde_json::json!({ "at": format!("2026-11-{day:02}T{hour:02}:00:00Z"),
                "actor": actor, "action": action, "detail": format!("line {i}") })
        })
        .collect();
    serde_json::json!({ "site_key": SHOP_KEY, "entries": lines })
}

/// The audit lines of `audit_lines(n)` whose action is `action`.
fn audit_lines_of(n: usize, action: &str) -> serde_json::Value {
    let mut all = audit_lines(n);
    let kept: Vec<serde_json::Value> = all["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["action"] == action)
        .cloned()
        .collect();
    all["entries"] = serde_json::Value::Array(kept);
    all
}

#[wasm_bindgen_test]
async fn the_audit_log_is_searched_by_action_actor_and_day_and_loads_more() {
    let audit = format!("GET {}", site("audit"));
    fake_api(&signed_in_with(serde_json::json!({
        (audit.clone()): [
            { "status": 200, "body": audit_lines(100) },
            { "status": 200, "body": audit_lines_of(60, "member.role") },
            { "status": 200, "body": { "site_key": SHOP_KEY, "entries": [] } },
            { "status": 200, "body": audit_lines(100) },
            { "status": 200, "body": audit_lines(130) }
        ],
    })));
    let root = mount_at("#/settings/audit");
    wait_for(&root, "table.audit tbody tr").await;
    let rows = || {
        root.query_selector_all("table.audit tbody tr")
            .unwrap()
            .length()
    };
    let asked = || {
        calls()
            .into_iter()
            .rev()
            .find(|c| c["key"] == audit)
            .unwrap()["search"]
            .clone()
    };
    let answered = |n: usize| {
        let audit = audit.clone();
        async move {
            for _ in 0..100 {
                if sent_count(&audit) == n {
                    break;
                }
                next_tick(50).await;
            }
            next_tick(50).await;
        }
    };
    assert_eq!(rows(), 100);
    assert_eq!(asked(), "?limit=100");
    assert_eq!(
        text_of(&root, "table.audit tbody tr:first-child td.detail"),
        "line 0"
    );
    assert_eq!(
        options_of(&root, "#audit-action"),
        ["", "member.role", "session.create", "settings.change"]
    );
    assert!(text_of(&root, "p.audit-count").starts_with("The newest 100 entries; load more"));

    // The collector searches: an action, then part of an actor and days.
    choose(&root, "#audit-action", "member.role");
    click(&root, "form.audit-filters button[type=submit]");
    answered(2).await;
    assert_eq!(asked(), "?limit=100&action=member.role");
    wait_text(&root, "p.audit-count", "20 entries match.").await;
    assert_eq!(rows(), 20);
    // The choices stay those seen, whatever the search found.
    assert_eq!(options_of(&root, "#audit-action").len(), 4);
    choose(&root, "#audit-action", "");
    type_into(&root, "#audit-actor", "ann@");
    type_into(&root, "#audit-from", "2026-11-22");
    type_into(&root, "#audit-to", "2026-11-22");
    click(&root, "form.audit-filters button[type=submit]");
    answered(3).await;
    assert_eq!(
        asked(),
        "?limit=100&actor=ann%40&from=2026-11-22&to=2026-11-22"
    );
    wait_text(&root, "p.empty", "No entries.").await;

    // Cleared, and more loaded: 130 lines is the whole log.
    type_into(&root, "#audit-actor", "");
    type_into(&root, "#audit-from", "");
    type_into(&root, "#audit-to", "");
    click(&root, "form.audit-filters button[type=submit]");
    answered(4).await;
    assert_eq!(asked(), "?limit=100");
    wait_for(&root, "button.load-more").await;
    click(&root, "button.load-more");
    answered(5).await;
    assert_eq!(asked(), "?limit=200");
    wait_text(&root, "p.audit-count", "130 entries.").await;
    assert!(root.query_selector("button.load-more").unwrap().is_none());
    restore_fetch();
}

#[wasm_bindgen_test]
async fn the_team_account_tokens_audit_and_invitation_pages_pass_axe() {
    if AXE.is_empty() {
        return;
    }
    let link = format!("http://127.0.0.1:8080/dashboard/#/invite/{INVITE_TOKEN}");
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site("members"))): { "status": 200, "body": two_members() },
        (format!("GET {}", site("invitations"))): { "status": 200, "body": one_invitation() },
        (format!("POST {}", site("invitations"))): { "status": 201, "body": {
            "invitation": invitation(10, "dee@shop.test", "admin"), "mailed": false, "link": link } },
        (format!("PUT {}", site("members/3"))): { "status": 409, "body": { "error": {
            "code": "conflict", "message": "the site's last owner cannot be given another role" } } },
        (format!("GET {}", site("tokens"))): { "status": 200, "body": two_tokens() },
        (format!("POST {}", site("tokens"))): { "status": 201, "body": {
            "id": 9, "site_key": SHOP_KEY, "role": "agent", "token": "hark_secret_of_nine" } },
        (format!("GET {}", site("audit"))): { "status": 200, "body": audit_lines(5) },
        "GET /api/v1/admin/account/two-factor": two_factor_status(false, 0),
        "POST /api/v1/admin/account/two-factor": { "status": 200, "body": {
            "secret": "JBSWY3DPEHPK3PXP", "otpauth_uri": "otpauth://totp/Hark:ann%40shop.test?secret=JBSWY3DPEHPK3PXP" } },
        "POST /api/v1/admin/account/two-factor/confirm": { "status": 200, "body": { "recovery_codes": ten_codes() } },
        "POST /api/v1/invitations/preview": preview(false),
    })));
    // The team, with a link to hand over and a refusal in a row.
    let root = mount_at("#/settings/team");
    wait_for(&root, "table.invitations tr").await;
    type_into(&root, "#invite-email", "dee@shop.test");
    click(&root, "button.send-invitation");
    wait_for(&root, "#invitation-link").await;
    choose(&root, "#member-role-3", "admin");
    click_when_ready(&root, "tr[data-id='3'] button.change-role").await;
    wait_for(&root, "tr[data-id='3'] .refusal").await;
    click(&root, "tr[data-id='4'] button.remove");
    wait_for(&root, "button.confirm-remove").await;
    let violations = axe(&root).await;
    assert!(violations.is_empty(), "team: {violations:#?}");

    let root = mount_at("#/settings/tokens");
    wait_for(&root, "table.tokens tr[data-id='7']").await;
    click(&root, "button.create-token");
    wait_for(&root, "#token-secret").await;
    let violations = axe(&root).await;
    assert!(violations.is_empty(), "tokens: {violations:#?}");

    let root = mount_at("#/settings/audit");
    wait_for(&root, "table.audit tbody tr").await;
    next_tick(50).await;
    let violations = axe(&root).await;
    assert!(violations.is_empty(), "audit: {violations:#?}");

    let root = mount_at("#/account");
    click_when_ready(&root, "button.start-two-factor").await;
    wait_for(&root, "#two-factor-password[aria-invalid]").await;
    type_into(&root, "#two-factor-password", "correct horse battery");
    click(&root, "button.start-two-factor");
    wait_for(&root, "#otpauth-uri").await;
    let violations = axe(&root).await;
    assert!(violations.is_empty(), "account, enrolment: {violations:#?}");
    type_into(&root, "#two-factor-code", "123456");
    click(&root, "button.confirm-two-factor");
    wait_for(&root, "ol.recovery-codes").await;
    let violations = axe(&root).await;
    assert!(
        violations.is_empty(),
        "account, recovery codes: {violations:#?}"
    );

    let root = mount_at("#/invite/0123");
    wait_for(&root, "#invite-password").await;
    let violations = axe(&root).await;
    assert!(violations.is_empty(), "invitation: {violations:#?}");
    restore_fetch();

    // The sign-in form asking for the code.
    fake_api(
        r#"{ "POST /api/v1/admin/session": { status: 401, body: { error: {
            code: "two_factor_required", message: "send `code` too" } } } }"#,
    );
    let root = mount_as_is();
    wait_for(&root, "input#email").await;
    type_into(&root, "input#email", "dee@shop.test");
    type_into(&root, "input#password", "correct horse battery");
    click(&root, "form.sign-in-form button[type=submit]");
    wait_for(&root, "input#code").await;
    let violations = axe(&root).await;
    assert!(
        violations.is_empty(),
        "sign-in with a code: {violations:#?}"
    );
    restore_fetch();
}

/// The shop as `GET /api/v1/admin/sites/{key}` answers.
fn site_info() -> serde_json::Value {
    serde_json::json!({ "site_key": SHOP_KEY, "name": "Shop",
        "origins": ["https://shop.example"], "retention_days": null })
}

fn two_surveys() -> serde_json::Value {
    serde_json::json!({ "site_key": SHOP_KEY, "surveys": [
        { "id": "nps", "name": "Net Promoter Score", "status": "active", "version": 1 },
        { "id": "csat", "name": "Satisfaction", "status": "paused", "version": 2 }
    ] })
}

fn seen_three_minutes_ago() -> serde_json::Value {
    serde_json::json!({ "site_key": SHOP_KEY, "origins": ["https://shop.example"],
        "sightings": [
            { "origin": "https://shop.example", "last_seen": "2026-12-05T10:00:00.000Z", "allowed": true },
            { "origin": "http://old.example", "last_seen": "2026-12-04T10:00:00.000Z", "allowed": false }
        ],
        "now": "2026-12-05T10:03:30.000Z" })
}

/// The site page's routes for a signed-in `role`, plus `routes`.
fn site_page_with(role: &str, routes: serde_json::Value) -> String {
    let mut all: serde_json::Value = serde_json::from_str(&signed_in_with(serde_json::json!({
        "GET /api/v1/admin/me": { "status": 200, "body": { "email": "ann@shop.test",
            "csrf_token": "csrf-of-the-session",
            "sites": [{ "site_key": SHOP_KEY, "site_name": "Shop", "role": role }] } },
        (format!("GET /api/v1/admin/sites/{SHOP_KEY}")): { "status": 200, "body": site_info() },
        (format!("GET {}", site("settings"))): { "status": 200, "body": {
            "theme": { "brand": "#0969da", "mode": "auto", "position": "bottom_right", "radius": 12 },
            "launcher": { "survey": "nps" }, "categories": ["Billing"], "cooldown_days": 1 } },
        (format!("GET {}", site("surveys"))): { "status": 200, "body": two_surveys() },
    })))
    .unwrap();
    all.as_object_mut()
        .unwrap()
        .extend(routes.as_object().unwrap().clone());
    all.to_string()
}

#[wasm_bindgen_test]
async fn the_site_page_shows_the_snippet_and_says_where_it_was_seen() {
    fake_api(&site_page_with(
        "owner",
        serde_json::json!({
            (format!("GET {}", site("sightings"))): [
                { "status": 200, "body": { "site_key": SHOP_KEY, "origins": ["https://shop.example"],
                    "sightings": [], "now": "2026-12-05T10:00:00.000Z" } },
                { "status": 200, "body": seen_three_minutes_ago() }
            ],
        }),
    ));
    let root = mount_at("#/settings/site");
    let tag = wait_for(&root, "pre.snippet-tag").await;
    let origin = web_sys::window().unwrap().location().origin().unwrap();
    assert_eq!(
        tag.text_content().unwrap(),
        format!(r#"<script src="{origin}/widget.js" data-site="{SHOP_KEY}" async></script>"#)
    );
    assert_eq!(
        text_of(&root, "pre.csp"),
        format!("script-src {origin} 'wasm-unsafe-eval'; connect-src {origin}; frame-src {origin}")
    );
    assert_eq!(
        root.query_selector("button.copy[aria-label='Copy the snippet']")
            .unwrap()
            .map(|_| ()),
        Some(())
    );
    // The settings page links here.
    assert_eq!(text_of(&root, "nav a[aria-current=page]"), "Settings");

    click(&root, "button.check-page-button");
    let not_seen = wait_for(&root, ".check-result p.not-seen").await;
    let words = not_seen.text_content().unwrap();
    assert!(
        words.starts_with("Not seen yet: open a page at https://shop.example with the snippet"),
        "{words}"
    );
    assert!(
        words.contains(&format!("data-site is {SHOP_KEY}")),
        "{words}"
    );
    click(&root, "button.check-page-button");
    let seen = wait_for(&root, ".check-result p.seen").await;
    assert_eq!(
        seen.text_content().unwrap(),
        "Seen on https://shop.example 3 minutes ago"
    );
    assert_eq!(
        text_of(&root, "ul.other-sightings li"),
        "http://old.example (no longer allowed): 24 hours ago"
    );
    restore_fetch();
}

#[wasm_bindgen_test]
async fn the_site_page_saves_the_widget_and_origins_with_each_refusal_by_its_field() {
    let patch_settings = format!("PATCH {}", site("settings"));
    let patch_site = format!("PATCH /api/v1/admin/sites/{SHOP_KEY}");
    fake_api(&site_page_with(
        "admin",
        serde_json::json!({
            (patch_settings.clone()): [
                { "status": 422, "body": { "error": { "code": "invalid", "message":
                    "theme.brand: the brand colour is #rrggbb; cooldown_days: cooldown_days is 0 to 365" } } },
                { "status": 200, "body": { "theme": { "brand": "#d1242f", "mode": "dark",
                    "position": "bottom_left", "radius": 4 }, "categories": ["Billing"], "cooldown_days": 7 } }
            ],
            (patch_site.clone()): [
                { "status": 422, "body": { "error": { "code": "invalid", "message":
                    "origins[1]: \"shop\" is not a URL: relative URL without a base; retention_days: 1 to 36500 days, or null to keep answers forever" } } },
                { "status": 200, "body": { "site_key": SHOP_KEY, "name": "Shop",
                    "origins": ["https://shop.example", "https://www.shop.example"], "retention_days": 90 } }
            ],
        }),
    ));
    let root = mount_at("#/settings/site");
    wait_for(&root, "#theme-brand").await;
    next_tick(50).await;
    let input = |selector: &str| -> HtmlInputElement {
        root.query_selector(selector)
            .unwrap()
            .unwrap()
            .unchecked_into()
    };
    assert_eq!(input("#theme-brand").value(), "#0969da");
    assert!(input("#launcher-on").checked());
    let survey: web_sys::HtmlSelectElement = root
        .query_selector("#launcher-survey")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(survey.value(), "nps");

    type_into(&root, "#theme-brand", "#D1242Fx");
    choose(&root, "#theme-mode", "dark");
    choose(&root, "#theme-position", "bottom_left");
    type_into(&root, "#theme-radius", "4");
    type_into(&root, "#cooldown-days", "700");
    type_into(&root, "#launcher-label", "Tell us");
    choose(&root, "#launcher-survey", "");
    // The preview follows what is typed (the last colour that is one).
    next_tick(10).await;
    assert!(root.query_selector(".theme-card.dark").unwrap().is_some());
    assert!(root.query_selector(".theme-stage.left").unwrap().is_some());
    assert_eq!(text_of(&root, ".theme-tab"), "Tell us");
    // Styled through the CSSOM, which the dashboard's CSP allows (a `style` attribute it would
    // refuse).
    let style = |selector: &str| {
        root.query_selector(selector)
            .unwrap()
            .unwrap()
            .get_attribute("style")
            .unwrap_or_default()
    };
    assert!(
        style(".theme-card").contains("border-radius: 4px"),
        "{}",
        style(".theme-card")
    );
    assert!(style(".theme-button").contains("border-radius: 4px"));
    assert!(
        style(".theme-tab").contains("color:"),
        "{}",
        style(".theme-tab")
    );
    click(&root, "button.save-widget");
    assert_eq!(
        sent(&patch_settings).await,
        serde_json::json!({
            "theme": { "brand": "#d1242fx", "mode": "dark", "position": "bottom_left", "radius": 4 },
            "launcher": { "label": "Tell us", "survey": null },
            "cooldown_days": 700
        })
    );
    let brand_error = wait_for(&root, "#theme-brand-error").await;
    assert_eq!(
        brand_error.text_content().unwrap(),
        "the brand colour is #rrggbb"
    );
    assert_eq!(
        text_of(&root, "#cooldown-days-error"),
        "cooldown_days is 0 to 365"
    );
    assert_eq!(
        input("#theme-brand")
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("true")
    );
    assert!(root
        .query_selector("#theme-radius-error")
        .unwrap()
        .is_none());
    // Nothing typed is lost.
    assert_eq!(input("#cooldown-days").value(), "700");

    type_into(&root, "#theme-brand", "#d1242f");
    type_into(&root, "#cooldown-days", "7");
    click(&root, "button.save-widget");
    let saved = wait_for(&root, "form.widget-look .notice[role=status]").await;
    assert_eq!(
        saved.text_content().unwrap(),
        "Widget settings saved: pages get them within a minute"
    );
    assert!(root.query_selector("#theme-brand-error").unwrap().is_none());

    // Origins and retention: refused by field, then saved.
    let area: web_sys::HtmlTextAreaElement = root
        .query_selector("#site-origins")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(area.value(), "https://shop.example");
    area.set_value("https://shop.example\nshop");
    area.dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    type_into(&root, "#retention-days", "0");
    click(&root, "button.save-place");
    assert_eq!(
        sent(&patch_site).await,
        serde_json::json!({ "origins": ["https://shop.example", "shop"], "retention_days": 0 })
    );
    let origins_error = wait_for(&root, "#site-origins-error").await;
    assert_eq!(
        origins_error.text_content().unwrap(),
        "origins[1]: \"shop\" is not a URL: relative URL without a base"
    );
    assert_eq!(
        text_of(&root, "#retention-days-error"),
        "1 to 36500 days, or null to keep answers forever"
    );
    area.set_value("https://shop.example\nhttps://www.shop.example");
    area.dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    type_into(&root, "#retention-days", "90");
    click(&root, "button.save-place");
    let saved = wait_for(&root, "form.place .notice[role=status]").await;
    assert_eq!(saved.text_content().unwrap(), "Origins and retention saved");
    assert_eq!(
        sent(&patch_site).await,
        serde_json::json!({ "origins": ["https://shop.example", "https://www.shop.example"], "retention_days": 90 })
    );
    restore_fetch();
}

#[wasm_bindgen_test]
async fn erasure_asks_first_and_says_how_many_were_erased() {
    let erase = format!("POST {}", site("erasure"));
    fake_api(&site_page_with(
        "owner",
        serde_json::json!({
            (erase.clone()): { "status": 200, "body": { "site_key": SHOP_KEY, "erased": 3 } },
        }),
    ));
    let root = mount_at("#/settings/site");
    wait_for(&root, "#erasure-who").await;
    choose(&root, "#erasure-by", "user_id");
    type_into(&root, "#erasure-who", "u-17");
    next_tick(10).await;
    click(&root, "button.erase");
    let confirm = wait_for(&root, "button.confirm-erase").await;
    assert_eq!(
        text_of(&root, "section.erasure .confirm-text"),
        "Erase every answer and complaint of u-17? This cannot be undone."
    );
    // Nothing is sent before the confirmation; the focus moved to it, for the keyboard.
    assert_eq!(sent_count(&erase), 0);
    assert_eq!(
        document().active_element().map(|e| e.class_name()),
        Some("confirm-erase".to_owned())
    );
    confirm.click();
    assert_eq!(sent(&erase).await, serde_json::json!({ "user_id": "u-17" }));
    let done = wait_for(&root, "section.erasure .notice[role=status]").await;
    assert_eq!(
        done.text_content().unwrap(),
        "Erased 3 answers and complaints of u-17"
    );
    restore_fetch();
}

#[wasm_bindgen_test]
async fn a_viewer_reads_the_site_page_and_may_only_check_it() {
    fake_api(&site_page_with(
        "viewer",
        serde_json::json!({
            (format!("GET {}", site("sightings"))): { "status": 200, "body": seen_three_minutes_ago() },
        }),
    ));
    let root = mount_at("#/settings/site");
    wait_for(&root, "#theme-brand").await;
    for field in [
        "#theme-brand",
        "#theme-radius",
        "#launcher-label",
        "#cooldown-days",
        "#retention-days",
    ] {
        let input: HtmlInputElement = root
            .query_selector(field)
            .unwrap()
            .unwrap()
            .unchecked_into();
        assert!(input.disabled(), "{field} is read only");
    }
    for control in ["button.save-widget", "button.save-place", "section.erasure"] {
        assert!(
            root.query_selector(control).unwrap().is_none(),
            "a viewer has no {control}"
        );
    }
    assert_eq!(
        text_of(&root, "p.muted"),
        "Only admins and owners change these settings."
    );
    click(&root, "button.check-page-button");
    wait_for(&root, ".check-result p.seen").await;
    restore_fetch();
}

#[wasm_bindgen_test]
async fn an_owner_creates_a_site_and_the_dashboard_switches_to_it() {
    const NEW_KEY: &str = "news0123456789ab";
    let create = "POST /api/v1/admin/sites";
    let one_site = serde_json::json!({ "status": 200, "body": { "email": "ann@shop.test",
        "csrf_token": "csrf-of-the-session",
        "sites": [{ "site_key": SHOP_KEY, "site_name": "Shop", "role": "owner" }] } });
    let two_sites = serde_json::json!({ "status": 200, "body": { "email": "ann@shop.test",
        "csrf_token": "csrf-of-the-session",
        "sites": [{ "site_key": SHOP_KEY, "site_name": "Shop", "role": "owner" },
            { "site_key": NEW_KEY, "site_name": "News", "role": "owner" }] } });
    fake_api(&signed_in_with(serde_json::json!({
        "GET /api/v1/admin/me": [one_site, two_sites],
        (create): [
            { "status": 422, "body": { "error": { "code": "invalid", "message":
                "name: a site's name is 1 to 200 characters; origins: at least one origin, such as https://shop.example" } } },
            { "status": 201, "body": { "site_key": NEW_KEY, "site_name": "News", "role": "owner",
                "origins": ["https://news.example"], "survey": null } }
        ],
        (format!("GET /api/v1/admin/sites/{NEW_KEY}")): { "status": 200, "body": {
            "site_key": NEW_KEY, "name": "News", "origins": ["https://news.example"], "retention_days": null } },
        (format!("GET /api/v1/admin/sites/{NEW_KEY}/settings")): { "status": 200, "body": { "categories": [] } },
        (format!("GET /api/v1/admin/sites/{NEW_KEY}/surveys")): { "status": 200, "body": {
            "site_key": NEW_KEY, "surveys": [] } },
        (format!("GET /api/v1/admin/sites/{NEW_KEY}/complaints")): { "status": 200, "body": { "site_key": NEW_KEY, "complaints": [], "next": null, "counts": { "active": 0, "unassigned": 0, "mine": 0, "by_status": {} } } },
    })));
    let root = mount_at("#/settings");
    // The settings page offers a new site to an owner.
    click_when_ready(&root, "nav.settings-pages a[href='#/sites/new']").await;
    wait_for(&root, "#new-site-name").await;
    click(&root, "button.create-site");
    assert_eq!(
        sent(create).await,
        serde_json::json!({ "name": "", "origins": [], "survey_status": "active" })
    );
    let name_error = wait_for(&root, "#new-site-name-error").await;
    assert_eq!(
        name_error.text_content().unwrap(),
        "a site's name is 1 to 200 characters"
    );
    assert_eq!(
        text_of(&root, "#new-site-origins-error"),
        "at least one origin, such as https://shop.example"
    );
    type_into(&root, "#new-site-name", "News");
    let area: web_sys::HtmlTextAreaElement = root
        .query_selector("#new-site-origins")
        .unwrap()
        .unwrap()
        .unchecked_into();
    area.set_value("https://news.example");
    area.dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    click(&root, "#new-site-paused");
    // Its first survey from a template: the page-shown ones are offered, with a description.
    assert_eq!(
        options_of(&root, "#new-site-template"),
        [
            "",
            "nps-follow-ups",
            "post-purchase-csat",
            "periodic-nps",
            "ces-after-support"
        ]
    );
    choose(&root, "#new-site-template", "post-purchase-csat");
    next_tick(10).await;
    assert!(text_of(&root, "#new-site-template-hint").contains("purchase"));
    click(&root, "button.create-site");
    for _ in 0..100 {
        if sent_count(create) == 2 {
            break;
        }
        next_tick(50).await;
    }
    let template = shared::templates::templates()
        .into_iter()
        .find(|t| t.slug == "post-purchase-csat")
        .unwrap();
    assert_eq!(
        sent(create).await,
        serde_json::json!({ "name": "News", "origins": ["https://news.example"], "survey_status": "paused",
            "survey": serde_json::to_value(&template.survey).unwrap() })
    );
    // The dashboard looks at the new site, on the page with its snippet, and keeps it for a
    // reload; the site picker now offers both.
    let tag = wait_for(&root, "pre.snippet-tag").await;
    assert!(tag.text_content().unwrap().contains(NEW_KEY));
    assert_eq!(text_of(&root, "h1.site-name"), "News");
    assert_eq!(
        session_storage().get_item("hark.site").unwrap().as_deref(),
        Some(NEW_KEY)
    );
    assert!(root.query_selector("button.switch-site").unwrap().is_some());
    restore_fetch();
}

#[wasm_bindgen_test]
async fn a_reload_stays_on_the_site_the_tab_looked_at() {
    fake_api(&format!(
        r#"{{
            "POST /api/v1/admin/session": {{ status: 200, body: {TWO_SITES} }},
            "GET /api/v1/admin/me": {{ status: 200, body: {TWO_SITES} }},
            "GET /api/v1/admin/sites/{BLOG_KEY}/complaints": {{ status: 200, body: {EMPTY_CASES} }}
        }}"#
    ));
    let root = mount_as_is();
    // As a reload finds it: the tab looked at the blog.
    session_storage().set_item("hark.site", BLOG_KEY).unwrap();
    wait_for(&root, "p.empty").await;
    assert_eq!(text_of(&root, "h1.site-name"), "Blog");
    assert!(root.query_selector("button.site").unwrap().is_none());
    restore_fetch();
}

#[wasm_bindgen_test]
async fn an_export_streams_with_its_progress_and_is_saved_from_a_blob() {
    let csv = "id,received_at,answer\n1,2026-12-01,\"two\nlines\"\n2,2026-12-02,yes\n";
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site("responses/export"))): { "status": 200, "text": csv,
            "headers": { "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": "attachment; filename=\"hark-shop-responses.csv\"" } },
        (format!("GET {}", site("complaints/export"))): { "status": 403, "body": { "error": {
            "code": "forbidden", "message": "you have no access to site shop0123456789ab" } } },
    })));
    let root = mount_at("#/settings/exports");
    wait_for(&root, "section[data-export=responses] button.download").await;
    choose(&root, "#export-responses-format", "csv");
    choose(&root, "#export-responses-days", "30");
    click(&root, "section[data-export=responses] button.download");
    let save = wait_for(&root, "section[data-export=responses] a.save").await;
    let call = calls()
        .into_iter()
        .find(|c| c["key"] == format!("GET {}", site("responses/export")))
        .unwrap();
    assert_eq!(call["search"], "?format=csv&days=30");
    assert_eq!(
        text_of(&root, "section[data-export=responses] .progress"),
        format!("{} B received, 2 rows", csv.len())
    );
    assert_eq!(save.text_content().unwrap(), "Save hark-shop-responses.csv");
    assert_eq!(
        save.get_attribute("download").as_deref(),
        Some("hark-shop-responses.csv")
    );
    let href = save.get_attribute("href").unwrap();
    assert!(href.starts_with("blob:"), "{href}");
    // The blob holds the file as sent (read with the browser's own fetch).
    let text = js_sys::Function::new_with_args(
        "href",
        "return window.harkRealFetch(href).then(r => r.text())",
    )
    .call1(&wasm_bindgen::JsValue::NULL, &href.into())
    .unwrap();
    let text = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(text))
        .await
        .unwrap();
    assert_eq!(text.as_string().unwrap(), csv);
    // The focus is on the link, for the keyboard.
    assert_eq!(
        document().active_element().map(|e| e.class_name()),
        Some("save".to_owned())
    );

    // A refusal says why, next to its export.
    click(&root, "section[data-export=complaints] button.download");
    let error = wait_for(
        &root,
        "section[data-export=complaints] .export-state .error",
    )
    .await;
    assert_eq!(
        error.text_content().unwrap(),
        "you have no access to site shop0123456789ab"
    );
    restore_fetch();
}

// The surveys page and the survey builder.

/// A survey as `GET …/surveys/{id}` answers: its status beside its fields.
fn listed_survey(survey: &serde_json::Value, status: &str, version: u32) -> serde_json::Value {
    let mut listed = survey.clone();
    listed["status"] = serde_json::json!(status);
    listed["version"] = serde_json::json!(version);
    listed
}

fn exit_survey() -> serde_json::Value {
    serde_json::json!({
        "id": "exit", "name": "Exit", "version": 2,
        "trigger": {"type": "exit_intent"}, "frequency": {"type": "until_answered"},
        "questions": [
            {"id": "why", "type": "choice", "prompt": "Why leave?", "options": ["Price", "Time"]}
        ]
    })
}

fn one_version() -> serde_json::Value {
    serde_json::json!({ "survey_id": "nps", "versions": [
        { "version": 1, "created_at": "2026-11-20T09:00:00Z", "name": "NPS", "questions": 3, "answers": 12 },
        { "version": 2, "created_at": "2026-11-23T10:00:00Z", "name": "NPS", "questions": 3, "answers": 0 }
    ] })
}

/// The invalid surveys the collector's test sends to the API too (`shared/tests/`).
fn invalid_surveys() -> Vec<serde_json::Value> {
    serde_json::from_str(include_str!("../../shared/tests/invalid_surveys.json")).unwrap()
}

#[wasm_bindgen_test]
async fn the_builder_shows_each_invalid_surveys_check_message_by_its_field_and_sends_nothing() {
    let cases = invalid_surveys();
    assert!(cases.len() >= 10);
    for case in cases {
        let survey = case["survey"].clone();
        // The message and the field are the shared check's, which the collector answers with.
        let invalid = serde_json::from_value::<shared::SurveyDraft>(survey.clone())
            .unwrap()
            .unchecked()
            .check()
            .unwrap_err();
        let field = invalid.field().unwrap().to_owned();
        assert_eq!(case["field"], field.as_str());
        // A translation of a question the survey does not have has no field of its own: it
        // shows with its language.
        let shown_at = if field == "translations.de.questions.ghost" {
            "translations.de".to_owned()
        } else {
            field.clone()
        };
        fake_api(&signed_in_with(serde_json::json!({
            (format!("GET {}", site("surveys/nps"))): { "status": 200,
                "body": listed_survey(&survey, "paused", 2) },
            (format!("GET {}", site("surveys/nps/versions"))): { "status": 200, "body": one_version() },
        })));
        let root = mount_at("#/surveys/nps");
        let selector = format!("[data-for=\"{shown_at}\"]");
        let message = wait_for(&root, &selector).await;
        assert_eq!(
            message.text_content().unwrap(),
            invalid.message(),
            "{field}"
        );
        // One problem shows, by its field, and the field says so to assistive technology.
        assert_eq!(
            root.query_selector_all(".field-error").unwrap().length(),
            1,
            "{field}: {}",
            root.inner_html()
        );
        if let Some(input) = root
            .query_selector(&format!("[data-field=\"{shown_at}\"]"))
            .unwrap()
        {
            if input.tag_name() != "DIV" {
                assert_eq!(
                    input.get_attribute("aria-describedby").as_deref(),
                    Some(message.id().as_str()),
                    "{field}"
                );
                assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
            }
        }
        click(&root, "button.save-survey");
        next_tick(50).await;
        assert_eq!(
            sent_count(&format!("PUT {}", site("surveys/nps"))),
            0,
            "{field}"
        );
    }
    restore_fetch();
}

#[wasm_bindgen_test]
async fn a_refusal_from_the_collector_shows_by_its_field() {
    let mut survey: serde_json::Value =
        serde_json::to_value(&shared::templates::templates()[0].survey).unwrap();
    survey["id"] = serde_json::json!("nps");
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site("surveys/nps"))): { "status": 200,
            "body": listed_survey(&survey, "active", 2) },
        (format!("GET {}", site("surveys/nps/versions"))): { "status": 200, "body": one_version() },
        (format!("PUT {}", site("surveys/nps"))): { "status": 422, "body": { "error": {
            "code": "invalid", "message": "a question's prompt and labels must be 1 to 500 characters",
            "field": "questions[1].prompt" } } },
    })));
    let root = mount_at("#/surveys/nps");
    wait_for(&root, "tr[data-version='1']").await;
    assert_eq!(text_of(&root, "tr[data-version='1'] td:last-child"), "12");
    click(&root, "button.save-survey");
    wait_text(
        &root,
        "[data-for=\"questions[1].prompt\"]",
        "a question's prompt and labels must be 1 to 500 characters",
    )
    .await;
    // An edit takes the refusal away until the next save.
    type_into(&root, "#survey-name", "NPS, edited");
    next_tick(10).await;
    assert!(root.query_selector(".field-error").unwrap().is_none());
    restore_fetch();
}

/// The questions' ids in the order the builder shows them.
fn question_ids(root: &HtmlElement) -> Vec<String> {
    let inputs = root
        .query_selector_all("li.question input[id$='-id']")
        .unwrap();
    (0..inputs.length())
        .map(|i| {
            inputs
                .item(i)
                .unwrap()
                .unchecked_into::<HtmlInputElement>()
                .value()
        })
        .collect()
}

fn focused_id() -> String {
    document()
        .active_element()
        .map(|e| e.id())
        .unwrap_or_default()
}

fn by_id(id: &str) -> HtmlElement {
    document()
        .get_element_by_id(id)
        .unwrap_or_else(|| panic!("no #{id}"))
        .unchecked_into()
}

#[wasm_bindgen_test]
async fn questions_move_by_keyboard_and_the_focus_stays_on_the_moved_one() {
    fake_api(&signed_in_with(serde_json::json!({})));
    let root = mount_at("#/surveys/new?template=nps-follow-ups");
    wait_for(&root, "li.question").await;
    assert_eq!(
        question_ids(&root),
        ["score", "detractor", "passive", "promoter"]
    );
    let third_up: HtmlElement = root
        .query_selector("li.question:nth-child(3) button.move-up")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(
        third_up.get_attribute("aria-label").as_deref(),
        Some("Move question 3 up")
    );
    // The buttons keep their ids (by the question's key) as the question moves.
    let up = third_up.id();
    let down = up.replace("move-up", "move-down");
    third_up.focus().unwrap();
    third_up.click();
    next_tick(50).await;
    assert_eq!(
        question_ids(&root),
        ["score", "passive", "detractor", "promoter"]
    );
    assert_eq!(
        focused_id(),
        up,
        "the focus stays on the moved question's button"
    );
    assert_eq!(
        by_id(&up).get_attribute("aria-label").as_deref(),
        Some("Move question 2 up")
    );
    // At the top its "up" is disabled: the focus goes to its "down".
    by_id(&up).click();
    next_tick(50).await;
    assert_eq!(
        question_ids(&root),
        ["passive", "score", "detractor", "promoter"]
    );
    assert!(by_id(&up).has_attribute("disabled"));
    assert_eq!(focused_id(), down);
    by_id(&down).click();
    next_tick(50).await;
    assert_eq!(
        question_ids(&root),
        ["score", "passive", "detractor", "promoter"]
    );
    assert_eq!(focused_id(), down);
    // Typing keeps the focus where it is: the form is not drawn again.
    let prompt = by_id(&up.replace("move-up", "prompt"));
    prompt.focus().unwrap();
    type_into(
        &root,
        &format!("#{}", prompt.id()),
        "What would make it a 10?",
    );
    next_tick(50).await;
    assert_eq!(focused_id(), prompt.id());
    assert!(root.contains(Some(&prompt)));
    restore_fetch();
}

#[wasm_bindgen_test]
async fn a_question_dragged_onto_another_takes_its_place() {
    fake_api(&signed_in_with(serde_json::json!({})));
    let root = mount_at("#/surveys/new?template=nps-follow-ups");
    wait_for(&root, "li.question").await;
    // One drag carries one DataTransfer from its start to its drop, as in a browser.
    let carried = web_sys::DataTransfer::new().unwrap();
    let drag = |kind: &str, target: &web_sys::Element| {
        let init = web_sys::DragEventInit::new();
        init.set_bubbles(true);
        init.set_cancelable(true);
        init.set_data_transfer(Some(&carried));
        let event = web_sys::DragEvent::new_with_event_init_dict(kind, &init).unwrap();
        target.dispatch_event(&event).unwrap();
    };
    let handle = root
        .query_selector("li.question:nth-child(4) .drag-handle")
        .unwrap()
        .unwrap();
    assert_eq!(handle.get_attribute("draggable").as_deref(), Some("true"));
    let second = root
        .query_selector("li.question:nth-child(2)")
        .unwrap()
        .unwrap();
    drag("dragstart", &handle);
    drag("dragover", &second);
    drag("drop", &second);
    next_tick(50).await;
    assert_eq!(
        question_ids(&root),
        ["score", "promoter", "detractor", "passive"]
    );
    restore_fetch();
}

#[wasm_bindgen_test]
async fn the_paths_of_each_nps_group_and_unreachable_questions_show() {
    fake_api(&signed_in_with(serde_json::json!({})));
    let root = mount_at("#/surveys/new?template=nps-follow-ups");
    wait_for(&root, "ul.nps-paths li").await;
    assert_eq!(
        text_of(&root, "li[data-group='detractors']"),
        "Detractors (0–6): 1. How likely are you to recommend us to a… → 2. We are sorry to hear that. What went wr… → End"
    );
    assert!(text_of(&root, "li[data-group='promoters']")
        .ends_with("→ 4. What do you like most about us? → End"));
    assert!(root.query_selector(".unreachable").unwrap().is_none());
    // Passives sent to the end: nothing leads to their question any more.
    choose(&root, "li.question:nth-child(1) [id$='-b1-goto']", "end");
    next_tick(20).await;
    assert_eq!(
        text_of(&root, "li[data-group='passives']"),
        "Passives (7–8): 1. How likely are you to recommend us to a… → End"
    );
    assert_eq!(
        text_of(&root, ".unreachable-summary li"),
        "3. What would make us a 10 for you?"
    );
    assert!(root
        .query_selector("li.question:nth-child(3) p.unreachable")
        .unwrap()
        .is_some());
    restore_fetch();
}

#[wasm_bindgen_test]
async fn a_new_survey_is_built_and_created_as_the_survey_it_shows() {
    let post = format!("POST {}", site("surveys"));
    fake_api(&signed_in_with(serde_json::json!({
        (post.clone()): { "status": 201, "body": listed_survey(&exit_survey(), "paused", 1) },
        (format!("GET {}", site("surveys/exit"))): { "status": 200, "body": listed_survey(&exit_survey(), "paused", 1) },
        (format!("GET {}", site("surveys/exit/versions"))): { "status": 200, "body": { "survey_id": "exit", "versions": [] } },
    })));
    let root = mount_at("#/surveys/new");
    wait_for(&root, "#survey-name").await;
    // A blank survey has no name yet: the check says so by the field.
    wait_text(
        &root,
        "[data-for='name']",
        "a survey's name must be 1 to 500 characters",
    )
    .await;
    type_into(&root, "#survey-id", "checkout");
    type_into(&root, "#survey-name", "Checkout NPS");
    // A text question after the NPS, which detractors are sent to.
    choose(&root, "#new-question-kind", "text");
    click(&root, "button.add-question-button");
    next_tick(20).await;
    type_into(
        &root,
        "li.question:nth-child(2) [id$='-prompt']",
        "What went wrong?",
    );
    click(&root, "li.question:nth-child(1) button.add-branch");
    next_tick(20).await;
    choose(&root, "li.question:nth-child(1) [id$='-b0-goto']", "q2");
    choose(&root, "li.question:nth-child(1) [id$='-next']", "end");
    // Shown on an event, with the page's call to make.
    choose(&root, "#trigger-type", "event");
    next_tick(20).await;
    type_into(&root, "#trigger-event", "checkout_done");
    next_tick(20).await;
    assert_eq!(
        text_of(&root, "pre.snippet"),
        "hark('track', 'checkout_done')"
    );
    type_into(&root, "#trigger-sample", "50");
    choose(&root, "#frequency-type", "every_days");
    next_tick(20).await;
    type_into(&root, "#frequency-days", "30");
    type_into(&root, "#new-language", "de");
    click(&root, "button.add-language-button");
    next_tick(20).await;
    // The first question's words in German (its fields are named by the question's key).
    type_into(&root, "#tr-de-q0-prompt", "Wie wahrscheinlich?");
    next_tick(20).await;
    assert!(
        root.query_selector(".field-error").unwrap().is_none(),
        "{}",
        root.inner_html()
    );
    click(&root, "button.save-survey");
    let body = sent(&post).await;
    assert_eq!(
        body,
        serde_json::json!({
            "id": "checkout", "version": 0, "name": "Checkout NPS",
            "trigger": {"type": "event", "name": "checkout_done", "sample_percent": 50},
            "frequency": {"type": "every_days", "days": 30},
            "questions": [
                {"id": "q1", "type": "nps",
                 "prompt": "How likely are you to recommend us to a friend or colleague?",
                 "branches": [{"when": {"type": "score", "min": 0, "max": 6}, "goto": "q2"}],
                 "next": "end"},
                {"id": "q2", "type": "text", "max_len": 1000, "prompt": "What went wrong?"}
            ],
            "translations": {"de": {"questions": {"q1": {"prompt": "Wie wahrscheinlich?"}}}}
        })
    );
    // The survey made is opened in the builder.
    for _ in 0..100 {
        if web_sys::window().unwrap().location().hash().unwrap() == "#/surveys/exit" {
            break;
        }
        next_tick(50).await;
    }
    assert_eq!(
        web_sys::window().unwrap().location().hash().unwrap(),
        "#/surveys/exit"
    );
    restore_fetch();
}

#[wasm_bindgen_test]
async fn the_surveys_page_lists_status_and_version_and_switches_a_survey_on() {
    let mut nps = serde_json::to_value(&shared::templates::templates()[0].survey).unwrap();
    nps["id"] = serde_json::json!("nps");
    let mut old = nps.clone();
    old["id"] = serde_json::json!("old");
    let status = format!("POST {}", site("surveys/exit/status"));
    fake_api(&signed_in_with(serde_json::json!({
        (format!("GET {}", site("surveys"))): { "status": 200, "body": { "site_key": SHOP_KEY,
            "surveys": [listed_survey(&nps, "active", 3), listed_survey(&exit_survey(), "paused", 2),
                        listed_survey(&old, "archived", 1)] } },
        (status.clone()): { "status": 200, "body": listed_survey(&exit_survey(), "active", 2) },
    })));
    let root = mount_at("#/surveys");
    wait_for(&root, "tr[data-id='exit']").await;
    assert_eq!(text_of(&root, "tr[data-id='nps'] td.status"), "Active");
    assert_eq!(text_of(&root, "tr[data-id='nps'] td.version"), "3");
    assert_eq!(text_of(&root, "tr[data-id='exit'] td.status"), "Paused");
    assert_eq!(
        text_of(&root, "tr[data-id='exit'] td.trigger"),
        "Exit intent"
    );
    let duplicate: HtmlElement = root
        .query_selector("tr[data-id='exit'] a.duplicate")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(
        duplicate.get_attribute("href").as_deref(),
        Some("#/surveys/new?from=exit")
    );
    assert_eq!(root.query_selector_all("li.template").unwrap().length(), 5);
    // An archived survey can be switched on again, not paused.
    assert_eq!(text_of(&root, "tr[data-id='old'] td.status"), "Archived");
    assert!(root
        .query_selector("tr[data-id='old'] button.to-active")
        .unwrap()
        .is_some());
    assert!(root
        .query_selector("tr[data-id='old'] button.to-paused")
        .unwrap()
        .is_none());
    assert!(root
        .query_selector("tr[data-id='nps'] button.to-paused")
        .unwrap()
        .is_some());
    click(&root, "tr[data-id='exit'] button.to-active");
    assert_eq!(
        sent(&status).await,
        serde_json::json!({ "status": "active" })
    );
    restore_fetch();
}

/// The first template as the site's survey `nps`, with a German translation.
fn translated_nps() -> serde_json::Value {
    let mut nps = serde_json::to_value(&shared::templates::templates()[0].survey).unwrap();
    nps["id"] = serde_json::json!("nps");
    nps["translations"] = serde_json::json!({ "de": { "questions": { "score": { "prompt": "Wie wahrscheinlich?" } } } });
    nps
}
