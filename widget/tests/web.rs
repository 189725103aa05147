//! The widget in a real browser, mounted into a shadow root the way `loader.js` does it.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{
    Element, HtmlButtonElement, HtmlElement, KeyboardEvent, KeyboardEventInit, ShadowRoot,
    ShadowRootInit, ShadowRootMode,
};

wasm_bindgen_test_configure!(run_in_browser);

const PROMPT: &str = "How likely are you to recommend us?";
const SURVEY: &str = r#"{"id": "nps", "name": "NPS", "trigger": {"type": "page_view"},
    "frequency": {"type": "once"},
    "questions": [{"type": "nps", "id": "q1", "prompt": "How likely are you to recommend us?"}]}"#;
/// Nothing listens there (and browsers refuse the port anyway), so every send fails.
const DEAD_COLLECTOR: &str = "http://127.0.0.1:9";

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A `<hark-widget>` host with an open shadow root, as the loader makes it, and the widget in it.
fn mount(survey_json: &str) -> (Element, ShadowRoot) {
    let host = document().create_element("hark-widget").unwrap();
    document().body().unwrap().append_child(&host).unwrap();
    host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .unwrap();
    widget::mount(
        host.clone(),
        survey_json.into(),
        DEAD_COLLECTOR.into(),
        "demo".into(),
    );
    let shadow = host.shadow_root().unwrap();
    (host, shadow)
}

fn all(root: &ShadowRoot, selector: &str) -> Vec<HtmlElement> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into())
        .collect()
}

fn one(root: &ShadowRoot, selector: &str) -> Option<HtmlElement> {
    root.query_selector(selector)
        .unwrap()
        .map(JsCast::unchecked_into)
}

fn radio(root: &ShadowRoot, score: usize) -> HtmlElement {
    all(root, "[role=radio]").swap_remove(score)
}

/// The texts of the radios marked as chosen.
fn checked(root: &ShadowRoot) -> Vec<String> {
    all(root, "[role=radio][aria-checked=true]")
        .iter()
        .map(HtmlElement::inner_text)
        .collect()
}

fn send_button(root: &ShadowRoot) -> HtmlButtonElement {
    one(root, "form button[type=submit]")
        .unwrap()
        .unchecked_into()
}

fn press(target: &HtmlElement, key: &str) {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    let event = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    target.dispatch_event(&event).unwrap();
}

/// Lets the reactive system apply pending DOM updates.
async fn tick() {
    leptos::task::tick().await;
}

/// Waits on a browser timer: used only to wait for a fetch to settle.
async fn sleep(ms: i32) {
    let timer = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(timer).await.unwrap();
}

#[wasm_bindgen_test]
async fn shows_eleven_scores_in_a_labelled_radio_group() {
    let (_, root) = mount(SURVEY);
    let group = one(&root, "[role=radiogroup]").expect("a radio group");
    assert_eq!(group.get_attribute("aria-label").as_deref(), Some(PROMPT));
    let radios = all(&root, "[role=radiogroup] > button[type=button][role=radio]");
    let texts: Vec<_> = radios.iter().map(HtmlElement::inner_text).collect();
    assert_eq!(texts, (0..=10).map(|n| n.to_string()).collect::<Vec<_>>());
    assert!(checked(&root).is_empty());
    let tabbable: Vec<_> = radios.iter().filter(|r| r.tab_index() == 0).collect();
    assert_eq!(tabbable.len(), 1, "one tab stop before a choice");
    assert_eq!(tabbable[0].inner_text(), "0");
    assert_eq!(one(&root, ".prompt").unwrap().inner_text(), PROMPT);
}

#[wasm_bindgen_test]
async fn clicking_a_score_chooses_only_it_and_enables_send() {
    let (_, root) = mount(SURVEY);
    assert!(
        send_button(&root).disabled(),
        "Send is disabled before a choice"
    );
    radio(&root, 9).click();
    tick().await;
    assert_eq!(checked(&root), ["9"]);
    assert_eq!(all(&root, "[aria-checked=false]").len(), 10);
    assert_eq!(radio(&root, 9).tab_index(), 0);
    assert_eq!(radio(&root, 0).tab_index(), -1);
    assert!(!send_button(&root).disabled());
    radio(&root, 3).click();
    tick().await;
    assert_eq!(checked(&root), ["3"]);
}

#[wasm_bindgen_test]
async fn arrow_keys_move_the_choice_and_the_focus() {
    let (_, root) = mount(SURVEY);
    radio(&root, 9).click();
    tick().await;
    let focused = || {
        root.active_element()
            .map(|e| e.text_content().unwrap_or_default())
    };
    for (key, expected) in [
        ("ArrowRight", "10"),
        ("ArrowRight", "0"),
        ("ArrowLeft", "10"),
        ("ArrowUp", "9"),
        ("Home", "0"),
        ("End", "10"),
        ("ArrowDown", "0"),
    ] {
        let current = checked(&root).pop().unwrap();
        press(&radio(&root, current.parse().unwrap()), key);
        tick().await;
        assert_eq!(checked(&root), [expected], "after {key}");
        assert_eq!(focused().as_deref(), Some(expected), "focus after {key}");
        assert_eq!(all(&root, "[role=radio][tabindex='0']").len(), 1);
    }
}

fn display(element: &Element) -> String {
    web_sys::window()
        .unwrap()
        .get_computed_style(element)
        .unwrap()
        .unwrap()
        .get_property_value("display")
        .unwrap()
}

#[wasm_bindgen_test]
async fn a_failed_send_says_so_keeps_the_choice_and_never_thanks() {
    let (_, root) = mount(SURVEY);
    radio(&root, 9).click();
    tick().await;
    let status = one(&root, "[role=status] > p").expect("the status paragraph");
    assert_eq!(status.inner_text(), "");
    assert_eq!(
        display(&status),
        "none",
        "no room taken before there is news"
    );
    send_button(&root).click();
    tick().await;
    let mut waited = 0;
    while one(&root, ".error").is_none() && waited < 10_000 {
        assert!(
            one(&root, ".thanks").is_none(),
            "thanked before any acknowledgement"
        );
        sleep(50).await;
        waited += 50;
    }
    let error = one(&root, "[role=status] .error").expect("an error message");
    assert_eq!(display(&error), "block");
    assert!(
        error.inner_text().contains("Couldn't send"),
        "{}",
        error.inner_text()
    );
    assert!(one(&root, ".thanks").is_none());
    assert_eq!(checked(&root), ["9"], "the choice is kept for a retry");
    let send = send_button(&root);
    assert!(!send.disabled(), "Send can be pressed again");
    assert_eq!(send.inner_text(), "Send");
}

#[wasm_bindgen_test]
async fn config_text_is_shown_as_text() {
    let survey = SURVEY.replace(PROMPT, "<img src=x onerror=alert(1)>Why?");
    let (_, root) = mount(&survey);
    assert!(one(&root, "img").is_none());
    assert_eq!(
        one(&root, ".prompt").unwrap().inner_text(),
        "<img src=x onerror=alert(1)>Why?"
    );
}

#[wasm_bindgen_test]
async fn an_unusable_survey_renders_nothing() {
    let wrong_kind = SURVEY.replace(r#""type": "nps""#, r#""type": "essay""#);
    let no_questions = SURVEY.replace(
        r#"{"type": "nps", "id": "q1", "prompt": "How likely are you to recommend us?"}"#,
        "",
    );
    for survey in ["{nope", "null", &wrong_kind, &no_questions] {
        let (_, root) = mount(survey);
        tick().await;
        assert_eq!(root.child_element_count(), 0, "{survey}");
    }
}

#[wasm_bindgen_test]
async fn hostile_page_css_does_not_reach_the_widget() {
    let style = document().create_element("style").unwrap();
    style.set_text_content(Some(
        "* { all: unset !important; font-size: 40px !important }
         button { display: none !important }
         hark-widget { position: static !important; display: none !important }",
    ));
    document().head().unwrap().append_child(&style).unwrap();
    let (host, root) = mount(SURVEY);
    tick().await;
    let window = web_sys::window().unwrap();
    let css = |e: &Element, property: &str| {
        window
            .get_computed_style(e)
            .unwrap()
            .unwrap()
            .get_property_value(property)
            .unwrap()
    };
    let zero = radio(&root, 0);
    let seen = [
        css(&host, "position"),
        css(&host, "display"),
        css(&host, "z-index"),
        css(&host, "font-size"),
        css(&zero, "display"),
        css(&zero, "font-size"),
    ];
    let width = zero.offset_width();
    // Removed before asserting, so that a failure here cannot hide the widget in other tests.
    style.remove();
    assert_eq!(
        seen,
        ["fixed", "block", "2147483647", "14px", "block", "13px"]
    );
    assert_ne!(width, 0, "the scale is laid out");
}

/// Replaces `window.fetch` with one that answers every request with `status` and records the
/// requests in `window.harkRequests`; returns the real `fetch`, for [`restore_fetch`].
fn fake_fetch(status: u16) -> wasm_bindgen::JsValue {
    let window = web_sys::window().unwrap();
    let real = js_sys::Reflect::get(&window, &"fetch".into()).unwrap();
    let fake = js_sys::Function::new_with_args(
        "url, init",
        &format!(
            "(window.harkRequests = window.harkRequests || []).push({{url, init}});
             return Promise.resolve(new Response(null, {{status: {status}}}));"
        ),
    );
    js_sys::Reflect::set(&window, &"fetch".into(), &fake).unwrap();
    real
}

fn restore_fetch(real: &wasm_bindgen::JsValue) {
    let window = web_sys::window().unwrap();
    js_sys::Reflect::set(&window, &"fetch".into(), real).unwrap();
    js_sys::Reflect::delete_property(&window, &"harkRequests".into()).unwrap();
}

/// The requests made to the fake `fetch`, oldest first.
fn requests() -> Vec<wasm_bindgen::JsValue> {
    let window = web_sys::window().unwrap();
    js_sys::Array::from(&js_sys::Reflect::get(&window, &"harkRequests".into()).unwrap())
        .iter()
        .collect()
}

fn get(object: &wasm_bindgen::JsValue, path: &str) -> wasm_bindgen::JsValue {
    path.split('.').fold(object.clone(), |value, key| {
        js_sys::Reflect::get(&value, &key.into()).unwrap()
    })
}

/// Waits until `selector` matches inside the widget, for at most 5 s.
async fn wait_for(root: &ShadowRoot, selector: &str) -> HtmlElement {
    for _ in 0..100 {
        if let Some(found) = one(root, selector) {
            return found;
        }
        sleep(50).await;
    }
    panic!("no {selector} after 5 s");
}

#[wasm_bindgen_test]
async fn an_acknowledged_answer_is_posted_then_thanked() {
    let real = fake_fetch(201);
    let (_, root) = mount(SURVEY);
    radio(&root, 9).click();
    tick().await;
    send_button(&root).click();
    tick().await;
    let thanks = wait_for(&root, "[role=status] .thanks").await;
    let requests = requests();
    restore_fetch(&real);

    assert_eq!(thanks.inner_text(), "Thank you!");
    assert!(one(&root, ".error").is_none());
    assert!(one(&root, "form").unwrap().hidden(), "the form is gone");
    let focused = root.active_element().map(|e| e.class_name());
    assert_eq!(
        focused.as_deref(),
        Some("close"),
        "the focus stays in the card"
    );

    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        get(request, "url").as_string().as_deref(),
        Some("http://127.0.0.1:9/api/v1/responses")
    );
    let init = get(request, "init");
    assert_eq!(get(&init, "method").as_string().as_deref(), Some("POST"));
    assert_eq!(
        get(&init, "credentials").as_string().as_deref(),
        Some("omit")
    );
    assert_eq!(get(&init, "keepalive"), wasm_bindgen::JsValue::TRUE);
    assert_eq!(
        get(&init, "headers.Content-Type").as_string().as_deref(),
        Some("text/plain;charset=UTF-8")
    );
    let body: shared::ResponseSubmission =
        serde_json::from_str(&get(&init, "body").as_string().unwrap()).unwrap();
    assert_eq!(body.id.as_uuid().get_version_num(), 4);
    assert_eq!(body.site_key.as_str(), "demo");
    assert_eq!(body.survey_id.as_str(), "nps");
    assert_eq!(
        body.answers,
        [shared::Answer::Nps {
            question_id: shared::QuestionId::parse("q1").unwrap(),
            score: shared::NpsScore::new(9).unwrap(),
        }]
    );
    assert_eq!(
        body.page_url,
        web_sys::window().unwrap().location().href().ok()
    );
}

#[wasm_bindgen_test]
async fn a_retry_after_a_refusal_reuses_the_response_id() {
    let real = fake_fetch(503);
    let (_, root) = mount(SURVEY);
    radio(&root, 3).click();
    tick().await;
    send_button(&root).click();
    tick().await;
    wait_for(&root, ".error").await;
    assert!(one(&root, ".thanks").is_none(), "a 503 is not thanked");
    let first = requests();
    restore_fetch(&real);
    let real = fake_fetch(201);
    send_button(&root).click();
    tick().await;
    wait_for(&root, ".thanks").await;
    let second = requests();
    restore_fetch(&real);

    assert!(
        one(&root, ".error").is_none(),
        "the error is gone once thanked"
    );
    let id = |request: &wasm_bindgen::JsValue| {
        let body = get(request, "init.body").as_string().unwrap();
        serde_json::from_str::<shared::ResponseSubmission>(&body)
            .unwrap()
            .id
    };
    assert_eq!((first.len(), second.len()), (1, 1));
    assert_eq!(
        id(&first[0]),
        id(&second[0]),
        "the retry is the same response"
    );
}

#[wasm_bindgen_test]
async fn each_question_has_its_own_scale() {
    let survey = SURVEY.replace(
        r#"{"type": "nps", "id": "q1", "prompt": "How likely are you to recommend us?"}"#,
        r#"{"type": "nps", "id": "q1", "prompt": "Us?"}, {"type": "nps", "id": "q2", "prompt": "Them?"}"#,
    );
    let (_, root) = mount(&survey);
    let groups = all(&root, "[role=radiogroup]");
    assert_eq!(groups.len(), 2);
    let radio_of = |group: usize, score: u32| -> HtmlElement {
        groups[group]
            .children()
            .item(score)
            .unwrap()
            .unchecked_into()
    };
    radio_of(1, 4).click();
    tick().await;
    assert_eq!(checked(&root), ["4"]);
    assert_eq!(
        radio_of(1, 4).get_attribute("aria-checked").as_deref(),
        Some("true")
    );
    assert!(
        send_button(&root).disabled(),
        "one question is still unanswered"
    );
    press(&radio_of(1, 4), "ArrowLeft");
    tick().await;
    assert_eq!(
        radio_of(1, 3).get_attribute("aria-checked").as_deref(),
        Some("true")
    );
    assert_eq!(
        root.active_element().map(|e| e.text_content()),
        Some(Some("3".into()))
    );
    radio_of(0, 10).click();
    tick().await;
    assert_eq!(checked(&root), ["10", "3"]);
    assert!(!send_button(&root).disabled());
}

#[wasm_bindgen_test]
async fn the_close_button_removes_the_widget() {
    let (host, root) = mount(SURVEY);
    one(&root, "button.close").unwrap().click();
    tick().await;
    assert!(!host.is_connected());
}
