//! The widget in a real browser, mounted into a shadow root the way `loader.js` does it, with a
//! bridge that records what the widget hands to the loader's outbox.

use serde_json::{json, Value};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{
    Element, HtmlButtonElement, HtmlElement, KeyboardEvent, KeyboardEventInit, ShadowRoot,
    ShadowRootInit, ShadowRootMode,
};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn strings(lang: &str) -> Value {
    serde_json::to_value(shared::i18n::strings(lang)).unwrap()
}

/// A site config as the collector serves it, with `surveys`.
fn config(surveys: Value) -> Value {
    json!({
        "site_key": "demo", "lang": "en", "dir": "ltr", "strings": strings("en"),
        "theme": {"brand": "#0969da", "mode": "light", "position": "bottom_right", "radius": 12},
        "launcher": {"survey": "nps"},
        "categories": ["Delivery", "Billing"], "cooldown_days": 1,
        "surveys": surveys
    })
}

/// The NPS survey with branches: detractors are asked what went wrong, promoters what they
/// love, passives nothing more.
fn branching() -> Value {
    json!({
        "id": "nps", "version": 3, "name": "NPS",
        "trigger": {"type": "page_view"}, "frequency": {"type": "once"},
        "questions": [
            {"id": "score", "type": "nps", "prompt": "How likely are you to recommend us?",
             "branches": [
                {"when": {"type": "score", "min": 0, "max": 6}, "goto": "wrong"},
                {"when": {"type": "score", "min": 9, "max": 10}, "goto": "love"}
             ], "next": "end"},
            {"id": "wrong", "type": "text", "prompt": "What went wrong?", "max_len": 200, "next": "end"},
            {"id": "love", "type": "choice", "prompt": "What do you love?",
             "options": ["Price", "Speed", "Staff"], "multiple": true, "other": true}
        ]
    })
}

fn one_question(question: Value) -> Value {
    json!({
        "id": "one", "name": "One", "trigger": {"type": "page_view"}, "frequency": {"type": "once"},
        "questions": [question]
    })
}

/// Records what the widget hands over: `sent` ([path, body] pairs of answers and reports),
/// `funnel` (the funnel events' bodies, which take the same road), `closed`, and the last
/// answer's `onState` callback as `state`.
fn bridge() -> JsValue {
    js_sys::Function::new_no_args(
        "return {sent: [], funnel: [], closed: [],
                 send(path, body, onState) {
                   if (path == '/api/v1/funnel') { this.funnel.push(JSON.parse(body)); return; }
                   this.sent.push([path, body]); this.state = onState;
                 },
                 close(answered) { this.closed.push(answered); }};",
    )
    .call0(&JsValue::NULL)
    .unwrap()
}

struct Mounted {
    host: Element,
    root: ShadowRoot,
    bridge: JsValue,
}

impl Mounted {
    fn all(&self, selector: &str) -> Vec<HtmlElement> {
        let list = self.root.query_selector_all(selector).unwrap();
        (0..list.length())
            .map(|i| list.item(i).unwrap().unchecked_into())
            .collect()
    }

    fn one(&self, selector: &str) -> Option<HtmlElement> {
        self.root
            .query_selector(selector)
            .unwrap()
            .map(JsCast::unchecked_into)
    }

    fn options(&self) -> Vec<HtmlElement> {
        self.all("form [role=radio], form [role=checkbox]:not(.consent), .list > button")
    }

    fn send_button(&self) -> HtmlButtonElement {
        self.one("form .send").unwrap().unchecked_into()
    }

    fn prompt(&self) -> String {
        self.one(".prompt").unwrap().inner_text()
    }

    fn status(&self) -> String {
        self.one("[role=status] p")
            .unwrap()
            .text_content()
            .unwrap_or_default()
    }

    /// The bodies handed to the outbox: (path, JSON).
    fn sent(&self) -> Vec<(String, Value)> {
        js_sys::Array::from(&get(&self.bridge, "sent"))
            .iter()
            .map(|pair| {
                let pair = js_sys::Array::from(&pair);
                (
                    pair.get(0).as_string().unwrap(),
                    serde_json::from_str(&pair.get(1).as_string().unwrap()).unwrap(),
                )
            })
            .collect()
    }

    /// Tells the widget what the outbox did: "queued" (a string, as the loader says it), or
    /// the collector's final answer as a real `Response`: "sent" (a report's acknowledgement
    /// with its reference and status page) or "rejected" (a 422).
    fn outbox_says(&self, state: &str) {
        let answer = match state {
            "queued" => JsValue::from("queued"),
            _ => js_sys::Function::new_with_args(
                "status",
                "return new Response(status == 201 ? JSON.stringify({id: 'x', reference: 'HK-7QF3', \
                 status_url: 'http://collector.test/c/' + 'T'.repeat(43)}) : '{}', {status})",
            )
            .call1(
                &JsValue::NULL,
                &JsValue::from(if state == "sent" { 201 } else { 422 }),
            )
            .unwrap(),
        };
        get(&self.bridge, "state")
            .unchecked_into::<js_sys::Function>()
            .call1(&JsValue::NULL, &answer)
            .unwrap();
    }

    fn type_text(&self, selector: &str, text: &str) {
        let field = self.one(selector).unwrap();
        js_sys::Reflect::set(&field, &"value".into(), &text.into()).unwrap();
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        field
            .dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap())
            .unwrap();
    }

    fn focused(&self) -> Option<Element> {
        self.root.active_element()
    }
}

fn get(object: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(object, &key.into()).unwrap()
}

fn mount_view(config: &Value, view: &str) -> Mounted {
    let host = document().create_element("hark-widget").unwrap();
    document().body().unwrap().append_child(&host).unwrap();
    host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .unwrap();
    let bridge = bridge();
    widget::mount(
        host.clone(),
        config.to_string(),
        view.into(),
        bridge.clone(),
    );
    let root = host.shadow_root().unwrap();
    Mounted { host, root, bridge }
}

async fn mount(config: &Value, view: &str) -> Mounted {
    let m = mount_view(config, view);
    tick().await;
    m
}

fn press(target: &Element, key: &str) {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    let event = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    target.dispatch_event(&event).unwrap();
}

/// Lets the reactive system apply pending DOM updates (and the focus moves after them).
async fn tick() {
    for _ in 0..3 {
        leptos::task::tick().await;
        let resolved = js_sys::Promise::resolve(&JsValue::NULL);
        wasm_bindgen_futures::JsFuture::from(resolved)
            .await
            .unwrap();
    }
}

fn checked(m: &Mounted) -> Vec<String> {
    m.all("form [aria-checked=true]")
        .iter()
        .map(|e| e.text_content().unwrap())
        .collect()
}

/// A submission's id is a version 7 UUID of this moment (ids that grow with time keep the
/// collector's index of them append-only).
fn assert_is_made_now(id: &Value) {
    let id = uuid::Uuid::parse_str(id.as_str().expect("the id is a string")).unwrap();
    assert_eq!(id.get_version_num(), 7, "{id}");
    let (seconds, _) = id.get_timestamp().expect("v7 has a time").to_unix();
    let now = js_sys::Date::now() / 1000.0;
    assert!(
        (seconds as f64 - now).abs() < 60.0,
        "{id} is of {seconds}, now is {now}"
    );
}

#[wasm_bindgen_test]
async fn a_detractor_is_asked_what_went_wrong_by_mouse() {
    let m = mount(&config(json!([branching()])), "nps").await;
    assert_eq!(m.prompt(), "How likely are you to recommend us?");
    let scale = m.one("[role=radiogroup]").unwrap();
    assert_eq!(
        scale.get_attribute("aria-labelledby").unwrap(),
        "hark-prompt"
    );
    assert_eq!(m.options().len(), 11);
    assert!(m.send_button().disabled(), "nothing chosen yet");
    m.options()[3].click();
    tick().await;
    assert_eq!(checked(&m), ["3"]);
    assert!(!m.send_button().disabled());
    m.send_button().click();
    tick().await;
    assert_eq!(m.prompt(), "What went wrong?");
    assert!(m.send_button().disabled(), "an empty answer cannot be sent");
    m.type_text("textarea", "Late parcel");
    tick().await;
    m.send_button().click();
    tick().await;
    let sent = m.sent();
    assert_eq!(sent.len(), 1);
    let (path, body) = &sent[0];
    assert_eq!(path, "/api/v1/responses");
    assert_eq!(
        body["answers"],
        json!([
            {"type": "nps", "question_id": "score", "score": 3},
            {"type": "text", "question_id": "wrong", "text": "Late parcel"}
        ])
    );
    assert_eq!(body["survey_id"], "nps");
    assert_eq!(body["survey_version"], 3);
    assert_eq!(body["site_key"], "demo");
    // The body is what the collector accepts.
    let parsed: shared::ResponseSubmission = serde_json::from_value(body.clone()).unwrap();
    let survey: shared::Survey = serde_json::from_value(branching()).unwrap();
    parsed.check_against(&survey).unwrap();
    assert_is_made_now(&body["id"]);
    assert_eq!(m.send_button().text_content().unwrap(), "Sending…");
    assert_eq!(m.status(), "", "no thanks before the acknowledgement");
    m.outbox_says("sent");
    tick().await;
    assert_eq!(m.status(), "Thank you!");
    assert!(m.one("form").unwrap().has_attribute("hidden"));
    m.host.remove();
}

#[wasm_bindgen_test]
async fn a_promoter_is_asked_what_they_love_by_keyboard_alone() {
    let m = mount(&config(json!([branching()])), "nps").await;
    // The focus is on the scale, on its first score.
    let first = m.focused().expect("the focus moved into the widget");
    assert_eq!(first.text_content().unwrap(), "0");
    press(&first, "End");
    tick().await;
    assert_eq!(checked(&m), ["10"]);
    let ten = m.focused().unwrap();
    assert_eq!(ten.text_content().unwrap(), "10");
    press(&ten, "ArrowLeft");
    tick().await;
    assert_eq!(checked(&m), ["9"]);
    assert_eq!(m.focused().unwrap().get_attribute("tabindex").unwrap(), "0");
    // Enter in the form submits it, as the browser does for a submit button.
    m.send_button().click();
    tick().await;
    assert_eq!(m.prompt(), "What do you love?");
    let love = m.options();
    assert_eq!(love.len(), 4, "three options and Other");
    assert_eq!(
        m.one("[role=group]")
            .unwrap()
            .get_attribute("aria-labelledby")
            .unwrap(),
        "hark-prompt"
    );
    love[0].click();
    love[2].click();
    love[3].click();
    tick().await;
    assert!(m.send_button().disabled(), "Other needs its text");
    m.type_text(".other", "Packaging");
    tick().await;
    m.send_button().click();
    tick().await;
    assert_eq!(
        m.sent()[0].1["answers"],
        json!([
            {"type": "nps", "question_id": "score", "score": 9},
            {"type": "choice", "question_id": "love", "selected": [0, 2], "other": "Packaging"}
        ])
    );
    m.host.remove();
}

#[wasm_bindgen_test]
async fn a_passive_sends_after_the_first_question() {
    let m = mount(&config(json!([branching()])), "nps").await;
    m.options()[8].click();
    tick().await;
    m.send_button().click();
    tick().await;
    assert_eq!(
        m.sent()[0].1["answers"],
        json!([{"type": "nps", "question_id": "score", "score": 8}])
    );
    m.host.remove();
}

#[wasm_bindgen_test]
async fn every_scale_sends_its_own_score() {
    let cases = [
        (
            json!({"id": "q", "type": "csat", "prompt": "Happy?"}),
            5,
            4,
            "★",
            "csat",
        ),
        (
            json!({"id": "q", "type": "csat", "prompt": "Happy?", "style": "faces"}),
            5,
            0,
            "😞",
            "csat",
        ),
        (
            json!({"id": "q", "type": "ces", "prompt": "Easy?"}),
            7,
            6,
            "7",
            "ces",
        ),
        (
            json!({"id": "q", "type": "rating", "prompt": "Rate", "max": 4}),
            4,
            1,
            "2",
            "rating",
        ),
    ];
    for (question, count, pick, label, kind) in cases {
        let m = mount(&config(json!([one_question(question.clone())])), "one").await;
        let options = m.options();
        assert_eq!(options.len(), count, "{question}");
        assert_eq!(options[pick].text_content().unwrap(), label);
        if kind == "csat" {
            let name = options[pick].get_attribute("aria-label").unwrap();
            assert!(name.ends_with("/ 5"), "{name}: stars and faces have a name");
        }
        // By keyboard: Home, then ArrowRight `pick` times.
        let first = m.focused().unwrap();
        press(&first, "Home");
        for _ in 0..pick {
            let at = m.focused().unwrap();
            press(&at, "ArrowRight");
        }
        tick().await;
        m.send_button().click();
        tick().await;
        let answer = &m.sent()[0].1["answers"][0];
        assert_eq!(answer["type"], kind);
        assert_eq!(
            answer["score"],
            pick as u64 + if kind == "nps" { 0 } else { 1 },
            "{question}"
        );
        m.host.remove();
    }
}

#[wasm_bindgen_test]
async fn single_choice_and_optional_text() {
    let survey = json!({
        "id": "two", "name": "Two", "trigger": {"type": "page_view"}, "frequency": {"type": "once"},
        "questions": [
            {"id": "pick", "type": "choice", "prompt": "Which?", "options": ["A", "B"], "other": true},
            {"id": "more", "type": "text", "prompt": "Anything else?", "optional": true, "max_len": 10}
        ]
    });
    let m = mount(&config(json!([survey])), "two").await;
    let options = m.options();
    options[0].click();
    options[1].click();
    tick().await;
    assert_eq!(checked(&m), ["B"], "one at a time");
    m.send_button().click();
    tick().await;
    assert_eq!(m.prompt(), "Anything else?optional");
    assert_eq!(
        m.one("textarea")
            .unwrap()
            .get_attribute("maxlength")
            .unwrap(),
        "10"
    );
    assert!(!m.send_button().disabled(), "optional: may be left empty");
    m.send_button().click();
    tick().await;
    assert_eq!(
        m.sent()[0].1["answers"],
        json!([{"type": "choice", "question_id": "pick", "selected": [1]}])
    );
    m.host.remove();
}

#[wasm_bindgen_test]
async fn a_complaint_is_reported_step_by_step() {
    let m = mount(&config(json!([branching()])), "complaint").await;
    assert_eq!(m.prompt(), "What is it about?");
    m.options()[1].click();
    tick().await;
    m.send_button().click();
    tick().await;
    assert_eq!(m.prompt(), "What happened?");
    m.type_text("textarea", "Charged twice");
    tick().await;
    m.send_button().click();
    tick().await;
    assert_eq!(m.prompt(), "How badly does it affect you?optional");
    m.options()[3].click();
    tick().await;
    m.send_button().click();
    tick().await;
    assert_eq!(m.prompt(), "Your e-mail (optional)");
    m.type_text(".email", "ann@example.com");
    tick().await;
    assert!(m.send_button().disabled(), "an address needs the consent");
    m.one(".consent").unwrap().click();
    tick().await;
    m.send_button().click();
    tick().await;
    let (path, body) = &m.sent()[0];
    assert_eq!(path, "/api/v1/complaints");
    assert_eq!(body["kind"], "problem");
    assert_eq!(body["category"], "Billing");
    assert_eq!(body["description"], "Charged twice");
    assert_eq!(body["impact"], 4);
    assert_eq!(body["email"], "ann@example.com");
    assert_eq!(body["contact_consent"], true);
    serde_json::from_value::<shared::ComplaintSubmission>(body.clone()).unwrap();
    assert_is_made_now(&body["id"]);
    m.outbox_says("queued");
    tick().await;
    assert_eq!(m.status(), shared::i18n::strings("en").queued);
    m.outbox_says("sent");
    // The thanks waits for the acknowledgement's body, which the browser reads in a task of
    // its own: up to a second of 10 ms waits.
    for _ in 0..100 {
        if m.one(".case a").is_some() {
            break;
        }
        let wait = js_sys::Promise::new(&mut |done, _| {
            let _ = web_sys::window()
                .unwrap()
                .set_timeout_with_callback_and_timeout_and_arguments_0(&done, 10);
        });
        wasm_bindgen_futures::JsFuture::from(wait).await.unwrap();
    }
    assert_eq!(m.status(), "Thank you! We've received your report.");
    // The acknowledgement's reference and a link to the case's page, whose token the device
    // keeps for later visits.
    let case: Vec<String> = m
        .all(".case")
        .iter()
        .map(|p| p.text_content().unwrap())
        .collect();
    assert_eq!(case, ["Your reference: HK-7QF3", "Follow your report"]);
    let link = m.one(".case a").unwrap();
    let token = "T".repeat(43);
    assert_eq!(
        link.get_attribute("href").unwrap(),
        format!("http://collector.test/c/{token}")
    );
    assert_eq!(link.get_attribute("rel").unwrap(), "noopener noreferrer");
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    let kept = storage.get_item("hark:demo:cases").unwrap().unwrap();
    assert_eq!(kept, format!("[\"{token}\"]"));
    storage.remove_item("hark:demo:cases").unwrap();
    m.host.remove();
}

#[wasm_bindgen_test]
async fn the_menu_opens_each_flow() {
    let m = mount(&config(json!([branching()])), "menu").await;
    let items: Vec<String> = m
        .options()
        .iter()
        .map(|o| o.text_content().unwrap())
        .collect();
    assert_eq!(items, ["Rate us", "Report a problem", "Suggest something"]);
    m.options()[2].click();
    tick().await;
    assert_eq!(m.prompt(), "What would you suggest?");
    m.type_text("textarea", "Dark mode");
    tick().await;
    m.send_button().click();
    tick().await;
    m.send_button().click();
    tick().await;
    let (path, body) = &m.sent()[0];
    assert_eq!(path, "/api/v1/complaints");
    assert_eq!(body["kind"], "suggestion");
    assert_eq!(body.get("email"), None);
    m.host.remove();

    let m = mount(&config(json!([branching()])), "menu").await;
    m.options()[0].click();
    tick().await;
    assert_eq!(m.prompt(), "How likely are you to recommend us?");
    m.host.remove();
}

#[wasm_bindgen_test]
async fn a_refusal_says_so_and_keeps_the_answer() {
    let m = mount(&config(json!([branching()])), "nps").await;
    m.options()[8].click();
    tick().await;
    m.send_button().click();
    tick().await;
    m.outbox_says("rejected");
    tick().await;
    assert_eq!(m.status(), "Couldn't send your answer. Please try again.");
    assert!(!m.one("form").unwrap().has_attribute("hidden"));
    assert_eq!(checked(&m), ["8"]);
    m.send_button().click();
    tick().await;
    let sent = m.sent();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[0].1["id"], sent[1].1["id"],
        "a retry reuses the response id"
    );
    m.host.remove();
}

#[wasm_bindgen_test]
async fn escape_and_the_close_button_dismiss() {
    let m = mount(&config(json!([branching()])), "nps").await;
    press(&m.focused().unwrap(), "Escape");
    m.one(".close").unwrap().click();
    let closed = js_sys::Array::from(&get(&m.bridge, "closed"));
    assert_eq!(closed.length(), 2);
    assert_eq!(closed.get(0), JsValue::FALSE, "dismissed, not answered");
    m.host.remove();
}

/// The funnel events the widget handed over: `[event, survey, seen]` each.
fn funnel(m: &Mounted) -> Vec<Value> {
    let events: Value = serde_wasm_json(&get(&m.bridge, "funnel"));
    events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| json!([e["event"], e["survey"], e["seen"]]))
        .collect()
}

fn serde_wasm_json(value: &JsValue) -> Value {
    serde_json::from_str(&js_sys::JSON::stringify(value).unwrap().as_string().unwrap()).unwrap()
}

#[wasm_bindgen_test]
async fn the_funnel_hears_shown_then_completed_or_dismissed_once() {
    // Answered: shown at once, completed with the questions on its path when sent.
    let m = mount(&config(json!([branching()])), "nps").await;
    assert_eq!(funnel(&m), [json!(["shown", "nps", []])]);
    m.options()[3].click();
    tick().await;
    m.send_button().click();
    tick().await;
    m.type_text("textarea", "Late parcel");
    tick().await;
    m.send_button().click();
    tick().await;
    m.outbox_says("sent");
    tick().await;
    m.one(".close").unwrap().click();
    let events = funnel(&m);
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[1], json!(["completed", "nps", ["score", "wrong"]]));
    let ids: Vec<Value> = serde_wasm_json(&get(&m.bridge, "funnel"))
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].clone())
        .collect();
    assert_ne!(ids[0], ids[1], "each event its own id");
    m.host.remove();

    // Dismissed on the second question: the questions shown, the one on screen last; a second
    // close says nothing more.
    let m = mount(&config(json!([branching()])), "nps").await;
    m.options()[10].click();
    tick().await;
    m.send_button().click();
    tick().await;
    press(&m.focused().unwrap(), "Escape");
    m.one(".close").unwrap().click();
    assert_eq!(
        funnel(&m),
        [
            json!(["shown", "nps", []]),
            json!(["dismissed", "nps", ["score", "love"]])
        ]
    );
    m.host.remove();

    // A report is no survey: no funnel.
    let m = mount(&config(json!([])), "complaint").await;
    m.one(".close").unwrap().click();
    assert_eq!(funnel(&m), Vec::<Value>::new());
    m.host.remove();
}

#[wasm_bindgen_test]
async fn config_text_is_shown_as_text() {
    let mut survey = branching();
    survey["questions"][0]["prompt"] = json!("<img src=x onerror=alert(1)>Why?");
    survey["questions"][2]["options"][0] = json!("<script>alert(1)</script>");
    let m = mount(&config(json!([survey])), "nps").await;
    assert!(m.one("img").is_none());
    assert_eq!(m.prompt(), "<img src=x onerror=alert(1)>Why?");
    m.host.remove();
}

#[wasm_bindgen_test]
async fn hostile_configs_render_nothing_and_never_throw() {
    let mut unknown = branching();
    unknown["questions"][0]["type"] = json!("essay");
    let mut huge = branching();
    huge["questions"][2]["options"] = json!(vec!["x"; 10_000]);
    let mut looping = branching();
    looping["questions"][1]["next"] = json!("score");
    let cases = [
        config(json!([unknown])).to_string(),
        config(json!([huge])).to_string(),
        config(json!([looping])).to_string(),
        config(json!([])).to_string(),
        "{nope".into(),
        "null".into(),
        json!({"surveys": [branching()]}).to_string(),
    ];
    // Counts the warnings each mount logs (and still logs them).
    js_sys::eval(
        "window.harkWarnings = 0; const warn = console.warn;
         console.warn = (...a) => { window.harkWarnings++; warn.apply(console, a); };",
    )
    .unwrap();
    let warnings = || {
        get(&web_sys::window().unwrap(), "harkWarnings")
            .as_f64()
            .unwrap()
    };
    for json in cases {
        let before = warnings();
        let host = document().create_element("hark-widget").unwrap();
        document().body().unwrap().append_child(&host).unwrap();
        host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
            .unwrap();
        // `mount` returns normally (a throw would fail the test) and shows nothing.
        let bridge = bridge();
        widget::mount(host.clone(), json.clone(), "nps".into(), bridge.clone());
        tick().await;
        assert_eq!(
            host.shadow_root().unwrap().child_element_count(),
            0,
            "{json}"
        );
        assert_eq!(warnings() - before, 1.0, "one console warning for {json}");
        let closed = js_sys::Array::from(&get(&bridge, "closed"));
        assert_eq!(
            closed.to_vec(),
            [JsValue::FALSE],
            "the loader is told to take the host away"
        );
        host.remove();
    }
}

#[wasm_bindgen_test]
async fn arabic_renders_right_to_left_with_a_mirrored_scale() {
    let mut c = config(json!([branching()]));
    c["lang"] = json!("ar");
    c["dir"] = json!("rtl");
    c["strings"] = strings("ar");
    let m = mount(&c, "nps").await;
    let card = m.one(".card").unwrap();
    assert_eq!(card.get_attribute("dir").unwrap(), "rtl");
    let options = m.options();
    let (zero, ten) = (
        options[0].get_bounding_client_rect(),
        options[10].get_bounding_client_rect(),
    );
    assert!(zero.left() > ten.left(), "0 sits on the right");
    assert_eq!(m.send_button().text_content().unwrap(), "التالي");
    // ArrowLeft moves toward 10 in a right-to-left scale.
    let first = m.focused().unwrap();
    press(&first, "ArrowLeft");
    tick().await;
    assert_eq!(checked(&m), ["1"]);
    m.host.remove();
}

#[wasm_bindgen_test]
async fn theme_colours_and_position_apply() {
    let mut c = config(json!([branching()]));
    c["theme"] =
        json!({"brand": "#ffd33d", "mode": "dark", "position": "bottom_left", "radius": 4});
    let m = mount(&c, "nps").await;
    assert_eq!(m.host.get_attribute("data-pos").unwrap(), "left");
    m.options()[2].click();
    tick().await;
    // Ends the colour transition, as if its 120 ms had passed.
    js_sys::eval("document.querySelector('hark-widget:last-of-type').shadowRoot.getAnimations().forEach(a => a.finish())").unwrap();
    let style = web_sys::window()
        .unwrap()
        .get_computed_style(&m.options()[2])
        .unwrap()
        .unwrap();
    assert_eq!(
        style.get_property_value("background-color").unwrap(),
        "rgb(255, 211, 61)"
    );
    // A light brand colour gets dark text, for contrast.
    assert_eq!(style.get_property_value("color").unwrap(), "rgb(0, 0, 0)");
    assert_eq!(
        style.get_property_value("border-top-left-radius").unwrap(),
        "2px"
    );
    let card = web_sys::window()
        .unwrap()
        .get_computed_style(&m.one(".card").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(
        card.get_property_value("background-color").unwrap(),
        "rgb(28, 33, 40)",
        "dark"
    );
    m.host.remove();
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
    let m = mount(&config(json!([branching()])), "nps").await;
    let window = web_sys::window().unwrap();
    let css = |e: &Element, property: &str| {
        window
            .get_computed_style(e)
            .unwrap()
            .unwrap()
            .get_property_value(property)
            .unwrap()
    };
    let zero = m.options()[0].clone();
    let seen = [
        css(&m.host, "position"),
        css(&m.host, "display"),
        css(&m.host, "z-index"),
        css(&m.host, "font-size"),
        css(&zero, "display"),
    ];
    let width = zero.offset_width();
    // Removed before asserting, so that a failure here cannot hide the widget in other tests.
    style.remove();
    m.host.remove();
    assert_eq!(seen, ["fixed", "block", "2147483647", "14px", "block"]);
    assert_ne!(width, 0, "the scale is laid out");
}
