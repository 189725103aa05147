//! The card: one step at a time, Next/Send, and what became of the answer.
//!
//! Leptos renders the card and re-renders the step when the visitor moves on; what the visitor
//! picks on a step lives in the DOM (`aria-checked`, field values) and is read when they press
//! Next or Send. One listener on the card's container handles every event: tachys's
//! per-element listeners (with their owner, thread checks and delegation tables) cost about
//! 6 KB gzip on customers' pages, and reactive per-option attributes cost more code than
//! setting `aria-checked` directly.

use crate::bridge::Bridge;
use crate::flow::{Flow, Kind, Picked, Step, Words};
use crate::position;
use js_sys::Reflect;
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, Event, HtmlElement, KeyboardEvent};

/// Where the answer is on its way to the collector (the card's `delivery`).
const UNSENT: u8 = 0;
const SENDING: u8 = 1;
/// Refused by the collector (a 4xx): the form stays, with what was picked.
const FAILED: u8 = 2;
/// Not acknowledged yet, but saved on the device and retried: the visitor may leave.
const QUEUED: u8 = 3;
/// Acknowledged: only now may the card say thanks (for a report, [`SENT_REPORT`]).
const SENT: u8 = 4;
const SENT_REPORT: u8 = 5;

/// Everything the card's listener and view share.
pub(crate) struct Card {
    words: Words,
    flow: RefCell<Flow>,
    steps: RefCell<Vec<Step>>,
    /// The steps visited, with what was picked on each.
    path: RefCell<Vec<(usize, Picked)>>,
    /// The step shown.
    step: Cell<u8>,
    delivery: Cell<u8>,
    bridge: Bridge,
    site_key: String,
    categories: Vec<String>,
    /// Made once per flow, so that a retry is stored once.
    response_id: RefCell<String>,
    rtl: bool,
    /// The survey's funnel: 0 nothing sent, 1 `shown` sent, 2 `completed` or `dismissed` sent.
    funnel: Cell<u8>,
}

impl Card {
    pub(crate) fn new(
        flow: Flow,
        words: Words,
        bridge: Bridge,
        site_key: String,
        categories: Vec<String>,
        rtl: bool,
    ) -> Rc<Self> {
        let steps = flow.steps(&words);
        Rc::new(Card {
            words,
            flow: RefCell::new(flow),
            steps: RefCell::new(steps),
            path: RefCell::new(Vec::new()),
            step: Cell::new(0),
            delivery: Cell::new(UNSENT),
            bridge,
            site_key,
            categories,
            response_id: RefCell::new(String::new()),
            rtl,
            funnel: Cell::new(0),
        })
    }

    /// Tells the collector's funnel what became of a survey's card (never of a report or a
    /// suggestion): `shown` (once), then `completed` or `dismissed` (once), the last two with
    /// the questions it showed in order, the one on screen last. Through the loader's outbox,
    /// like the answers; the field is `survey`, not `survey_id`, so that the loader does not
    /// take the event for an answer.
    pub(crate) fn funnel(&self, event: &str) {
        let stage = if event == "shown" { 1 } else { 2 };
        if self.funnel.get() + 1 != stage {
            return;
        }
        let flow = self.flow.borrow();
        let Flow::Survey(survey) = &*flow else {
            return;
        };
        self.funnel.set(stage);
        let body = js_sys::Object::new();
        let id = crate::bridge::random_uuid().unwrap_or_default();
        crate::flow::set(&body, "id", &id.into());
        crate::flow::set(&body, "site_key", &self.site_key.as_str().into());
        crate::flow::set(&body, "survey", &survey.id.as_str().into());
        crate::flow::set(&body, "event", &event.into());
        let seen = js_sys::Array::new();
        if stage == 2 {
            let current = usize::from(self.step.get());
            let mut shown: Vec<usize> = self.path.borrow().iter().map(|(i, _)| *i).collect();
            if event == "dismissed" {
                shown.retain(|i| *i != current);
                shown.push(current);
            }
            for i in shown {
                if let Some(q) = survey.questions.get(i) {
                    seen.push(&q.id.as_str().into());
                }
            }
        }
        crate::flow::set(&body, "seen", &seen);
        if let Some(json) = js_sys::JSON::stringify(&body)
            .ok()
            .and_then(|s| s.as_string())
        {
            self.bridge.send("/api/v1/funnel", &json, |_| {});
        }
    }

    /// Records where the answer is, and says it: the status paragraph (a live region, so that
    /// screen readers announce it) and, once the answer is saved, the form hidden. Only this
    /// changes the delivery, so the DOM is set here rather than through reactive bindings,
    /// which cost code on customers' pages for nothing.
    fn deliver(&self, delivery: u8) {
        self.delivery.set(delivery);
        let thanks = match &*self.flow.borrow() {
            Flow::Survey(s) => s.thank_you.as_deref().map(|t| &*String::from(t).leak()),
            _ => None,
        };
        let (class, text) = match delivery {
            FAILED => ("error", self.words.get("failed")),
            QUEUED => ("queued", self.words.get("queued")),
            SENT => ("thanks", thanks.unwrap_or_else(|| self.words.get("thanks"))),
            SENT_REPORT => ("thanks", self.words.get("report_sent")),
            _ => ("", ""),
        };
        let root = &self.bridge.root;
        if let Ok(Some(status)) = root.query_selector("[role=status] p") {
            status.set_class_name(class);
            status.set_text_content(Some(text));
        }
        if let (Ok(Some(form)), true) = (root.query_selector("form"), delivery >= QUEUED) {
            let _ = form.set_attribute("hidden", "");
        }
    }

    /// Builds step `index` into the card's `.step` element, from fresh elements (what was
    /// picked on the step before must not carry over), and moves the focus to its first control.
    ///
    /// Built with the DOM directly rather than with a `view!`: the steps differ in shape, and
    /// one view per shape (or tachys's diffing of one shape into the next) costs several KB on
    /// customers' pages. All text goes in as text nodes, never as HTML.
    pub(crate) fn show_step(&self) {
        let root = &self.bridge.root;
        let Ok(Some(holder)) = root.query_selector(".step") else {
            return;
        };
        holder.set_text_content(None);
        let index = usize::from(self.step.get());
        let steps = self.steps.borrow();
        let Some(step) = steps.get(index) else {
            return;
        };
        let kind = step.kind;
        let prompt = add(
            &holder,
            "p",
            &[("class", "prompt"), ("id", "hark-prompt")],
            step.prompt,
        );
        if step.optional {
            add(
                &prompt,
                "span",
                &[("class", "optional")],
                self.words.get("optional"),
            );
        }
        let (group_role, option_role, class) = match kind {
            Kind::Scale => ("radiogroup", "radio", "scale"),
            Kind::Single => ("radiogroup", "radio", "list"),
            Kind::Multi => ("group", "checkbox", "list"),
            _ => ("", "", "list"),
        };
        if !step.options.is_empty() {
            let group = add(
                &holder,
                "div",
                &[("class", class), ("aria-labelledby", "hark-prompt")],
                "",
            );
            if !group_role.is_empty() {
                let _ = group.set_attribute("role", group_role);
            }
            for (n, &(text, label)) in step.options.iter().enumerate() {
                let option = add(&group, "button", &[("type", "button")], text);
                if !option_role.is_empty() {
                    let _ = option.set_attribute("role", option_role);
                    let _ = option.set_attribute("aria-checked", "false");
                    // A radio group is one tab stop (a roving tabindex); checkboxes are one each.
                    let roving = option_role == "radio" && n > 0;
                    let _ = option.set_attribute("tabindex", if roving { "-1" } else { "0" });
                }
                if let Some(label) = label {
                    let _ = option.set_attribute("aria-label", label);
                }
            }
        }
        if let Some((low, high)) = step.ends {
            let ends = add(
                &holder,
                "div",
                &[("class", "ends"), ("aria-hidden", "true")],
                "",
            );
            add(&ends, "span", &[], low);
            add(&ends, "span", &[], high);
        }
        if let Some(other) = step.other {
            add(
                &holder,
                "input",
                &[
                    ("class", "other"),
                    ("type", "text"),
                    ("maxlength", "500"),
                    ("aria-label", other),
                    ("placeholder", other),
                ],
                "",
            );
        }
        if kind == Kind::Text {
            let area = add(
                &holder,
                "textarea",
                &[
                    ("rows", "4"),
                    ("aria-labelledby", "hark-prompt"),
                    ("placeholder", self.words.get("text_placeholder")),
                ],
                "",
            );
            let _ = area.set_attribute("maxlength", crate::flow::number(step.max_len));
        }
        if kind == Kind::Email {
            add(
                &holder,
                "input",
                &[
                    ("class", "email"),
                    ("type", "email"),
                    ("maxlength", "254"),
                    ("autocomplete", "email"),
                    ("aria-labelledby", "hark-prompt"),
                ],
                "",
            );
            add(
                &holder,
                "button",
                &[
                    ("type", "button"),
                    ("class", "consent"),
                    ("role", "checkbox"),
                    ("aria-checked", "false"),
                ],
                self.words.get("consent"),
            );
        }
        if kind != Kind::Menu {
            // "Send" where the step can only end the flow, "Next" where it may go on.
            let goes_on = match &*self.flow.borrow() {
                Flow::Survey(s) => {
                    let q = &s.questions[index];
                    s.after(index, None, &[]).is_some()
                        || q.branches.iter().any(|b| b.goto != shared::Step::End)
                }
                _ => index + 1 < steps.len(),
            };
            let label = self.words.get(if goes_on { "next" } else { "send" });
            let send = add(
                &holder,
                "button",
                &[("type", "submit"), ("class", "send")],
                label,
            );
            if !step.optional {
                let _ = send.set_attribute("disabled", "");
            }
        }
        drop(steps);
        if let Some(form) = holder.parent_element() {
            self.enable_send(&form);
        }
        if let Ok(Some(first)) =
            holder.query_selector("[tabindex='0'], .list > button, textarea, input.email")
        {
            let _ = first.unchecked_into::<HtmlElement>().focus();
        }
    }

    /// The whole card; the steps are built into its `.step` element by [`Card::show_step`].
    pub(crate) fn view(self: &Rc<Self>, title: &'static str) -> impl IntoView {
        let dir = if self.rtl { "rtl" } else { "ltr" };
        view! {
            <div class="card" role="dialog" aria-label=title dir=dir>
                <button type="button" class="close" aria-label=self.words.get("close")>"×"</button>
                <form>
                    <div class="step"></div>
                </form>
                <div role="status" aria-live="polite">
                    <p></p>
                </div>
            </div>
        }
    }

    /// Handles the `click`, `keydown`, `input` and `submit` events that reach the container.
    pub(crate) fn on_event(self: &Rc<Self>, ev: Event) {
        let Some(target) = ev.target().map(JsCast::unchecked_into::<Element>) else {
            return;
        };
        let kind = ev.type_();
        let form = target.closest("form").ok().flatten();
        if kind == "submit" {
            ev.prevent_default();
            if let Some(form) = form {
                self.next(&form);
            }
            return;
        }
        if kind == "keydown" {
            let key = ev.unchecked_ref::<KeyboardEvent>().key();
            if key == "Escape" {
                self.close();
            } else if target.get_attribute("role").as_deref() == Some("radio") {
                self.arrow(&ev, &target, &key);
            }
        } else if kind == "click" {
            let role = target.get_attribute("role");
            match role.as_deref() {
                Some("radio") => choose(&target),
                Some("checkbox") => {
                    let on = target.get_attribute("aria-checked").as_deref() != Some("true");
                    let _ = target.set_attribute("aria-checked", if on { "true" } else { "false" });
                }
                _ if target.class_name() == "close" => return self.close(),
                _ if target.tag_name() == "BUTTON"
                    && target.get_attribute("type").as_deref() == Some("button")
                    && role.is_none() =>
                {
                    return self.menu(position(&target));
                }
                _ => {}
            }
            // "Other" was chosen: its text is needed next.
            if let (Some(form), true) = (&form, role.is_some()) {
                if is_other(&target) {
                    if let Some(input) = find(form, ".other") {
                        let _ = input.focus();
                    }
                }
            }
        }
        if let Some(form) = form {
            self.enable_send(&form);
        }
    }

    /// Send (or Next) is enabled exactly when the step can be left.
    fn enable_send(&self, form: &Element) {
        let ready = self.read(form).is_some();
        if let Some(send) = find(form, ".send") {
            let _ = if ready {
                send.remove_attribute("disabled")
            } else {
                send.set_attribute("disabled", "")
            };
        }
    }

    /// Arrow keys, Home and End on a radio: choose the next one and move the focus there, as
    /// the ARIA radio group pattern asks (mirrored right to left).
    fn arrow(&self, ev: &Event, radio: &Element, key: &str) {
        let Some(group) = radio.parent_element() else {
            return;
        };
        let count = group.child_element_count();
        let at = position(radio) as u32;
        let (forward, back) = if self.rtl {
            ("ArrowLeft", "ArrowRight")
        } else {
            ("ArrowRight", "ArrowLeft")
        };
        let next = match key {
            k if k == forward || k == "ArrowDown" => (at + 1) % count,
            k if k == back || k == "ArrowUp" => (at + count - 1) % count,
            "Home" => 0,
            "End" => count - 1,
            _ => return,
        };
        ev.prevent_default();
        if let Some(next) = group.children().item(next) {
            choose(&next);
            let _ = next.unchecked_into::<HtmlElement>().focus();
        }
    }

    /// What is picked on the form, or `None` while the step cannot be left.
    fn read(&self, form: &Element) -> Option<Picked> {
        let steps = self.steps.borrow();
        let step = &steps[usize::from(self.step.get())];
        let mut picked = Picked::default();
        let mut other = false;
        if let Ok(chosen) = form.query_selector_all("[aria-checked=true]") {
            for i in 0..chosen.length() {
                let Some(option) = chosen.item(i).map(JsCast::unchecked_into::<Element>) else {
                    continue;
                };
                if option.class_name() == "consent" {
                    picked.consent = true;
                } else if step.other.is_some() && is_other(&option) {
                    other = true;
                } else {
                    picked.selected.push(position(&option) as u16);
                }
            }
        }
        let field = match step.kind {
            Kind::Text => "textarea",
            Kind::Email => ".email",
            _ if other => ".other",
            _ => "",
        };
        if !field.is_empty() {
            picked.text = find(form, field)
                .and_then(|f| js_sys::Reflect::get(&f, &"value".into()).ok())
                .and_then(|v| v.as_string())
                .unwrap_or_default();
        }
        let blank = picked.text.trim().is_empty();
        let ready = match step.kind {
            Kind::Text => !blank,
            // An address is optional, but kept only with the consent to be contacted.
            Kind::Email => {
                blank || (picked.consent && shared::complaint::is_email(picked.text.trim()))
            }
            Kind::Menu => false,
            _ => (!picked.selected.is_empty() || other) && !(other && blank),
        };
        (ready || (step.optional && blank && picked.selected.is_empty() && !other))
            .then_some(picked)
    }

    /// Next or Send: on to the next step, or the answers to the collector.
    fn next(self: &Rc<Self>, form: &Element) {
        if self.delivery.get() == SENDING {
            return;
        }
        let Some(picked) = self.read(form) else {
            return;
        };
        let index = usize::from(self.step.get());
        let after = {
            let steps = self.steps.borrow();
            self.flow.borrow().after(index, &picked, &steps)
        };
        {
            let mut path = self.path.borrow_mut();
            path.retain(|(i, _)| *i != index);
            path.push((index, picked));
        }
        match after {
            Some(next) => {
                self.step.set(next as u8);
                self.show_step();
            }
            None => self.send(),
        }
    }

    fn send(self: &Rc<Self>) {
        if self.response_id.borrow().is_empty() {
            *self.response_id.borrow_mut() = crate::bridge::random_uuid().unwrap_or_default();
        }
        let body = {
            let (flow, steps, path) = (self.flow.borrow(), self.steps.borrow(), self.path.borrow());
            flow.body(&self.response_id.borrow(), &self.site_key, &path, &steps)
        };
        let Ok((endpoint, body)) = body else {
            return;
        };
        self.funnel("completed");
        self.deliver(SENDING);
        // "Sending…" on the button until the outbox tells; the label comes back on a refusal.
        let button = self.bridge.root.query_selector(".send").ok().flatten();
        let label = button.as_ref().and_then(|b| b.text_content());
        if let Some(b) = &button {
            b.set_text_content(Some(self.words.get("sending")));
            let _ = b.set_attribute("disabled", "");
        }
        let card = self.clone();
        let sent = if matches!(&*self.flow.borrow(), Flow::Survey(_)) {
            SENT
        } else {
            SENT_REPORT
        };
        // The outbox says `"queued"`, or hands over the collector's final answer: a `Response`,
        // ok or refused for good. A report's acknowledgement names its case.
        self.bridge.send(endpoint, &body, move |state: JsValue| {
            let ok = Reflect::get(&state, &"ok".into())
                .ok()
                .and_then(|v| v.as_bool());
            match ok {
                Some(true) if sent == SENT_REPORT => {
                    // The thanks waits for the body, read with the promise's `then` (an async
                    // block would bring wasm-bindgen-futures' executor: kilobytes on customers'
                    // pages). Unreadable, it thanks all the same.
                    let card = card.clone();
                    let done = Closure::once_into_js(move |ack: JsValue| {
                        card.deliver(SENT_REPORT);
                        card.show_case(&ack);
                        card.focus("button.close");
                    });
                    let read = crate::bridge::call_method(&state, "json").is_some_and(|body| {
                        crate::bridge::call(&body, "then", &js_sys::Array::of2(&done, &done))
                    });
                    if !read {
                        let _ = done
                            .unchecked_ref::<js_sys::Function>()
                            .call1(&JsValue::NULL, &JsValue::NULL);
                    }
                    return;
                }
                Some(true) => card.deliver(sent),
                None => card.deliver(QUEUED),
                Some(false) => {
                    card.deliver(FAILED);
                    if let Some(b) = &button {
                        b.set_text_content(label.as_deref());
                        let _ = b.remove_attribute("disabled");
                    }
                    return;
                }
            }
            card.focus("button.close");
        });
    }

    /// Under the thanks for a report: its reference and a link to its status page (opened in a
    /// new tab, without a referrer), and the page's token kept on the device, so that a later
    /// visit can learn what became of the case.
    fn show_case(&self, ack: &JsValue) {
        let field = |name: &str| {
            Reflect::get(ack, &name.into())
                .ok()
                .and_then(|v| v.as_string())
        };
        let (Some(reference), Some(url)) = (field("reference"), field("status_url")) else {
            return;
        };
        // Only a web address of the collector's making becomes a link.
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return;
        }
        let Ok(Some(status)) = self.bridge.root.query_selector("[role=status]") else {
            return;
        };
        let line = add(
            &status,
            "p",
            &[("class", "case")],
            &[self.words.get("report_reference"), " "].concat(),
        );
        add(&line, "strong", &[], &reference);
        let link = add(&status, "p", &[("class", "case")], "");
        add(
            &link,
            "a",
            &[
                ("href", &url),
                ("target", "_blank"),
                ("rel", "noopener noreferrer"),
            ],
            self.words.get("report_follow"),
        );
        if let Some(token) = url.rsplit('/').next() {
            crate::bridge::keep_case(&self.site_key, token);
        }
    }

    /// A menu option: open the flow it names.
    fn menu(self: &Rc<Self>, option: usize) {
        let picked = self.flow.borrow_mut().pick(option, self.categories.clone());
        let Some(flow) = picked else {
            return;
        };
        *self.steps.borrow_mut() = flow.steps(&self.words);
        *self.flow.borrow_mut() = flow;
        self.path.borrow_mut().clear();
        self.step.set(0);
        self.show_step();
        self.funnel("shown");
    }

    fn close(&self) {
        let answered = self.delivery.get() >= QUEUED;
        if !answered {
            self.funnel("dismissed");
        }
        self.bridge.close(answered);
    }

    fn focus(&self, selector: &str) {
        if let Ok(Some(el)) = self.bridge.root.query_selector(selector) {
            let _ = el.unchecked_into::<HtmlElement>().focus();
        }
    }
}

/// Appends a `tag` element with `attributes` and the text `text` (as text) to `parent`.
fn add(parent: &Element, tag: &str, attributes: &[(&str, &str)], text: &str) -> Element {
    let Some(element) = parent
        .owner_document()
        .and_then(|d| d.create_element(tag).ok())
    else {
        return parent.clone();
    };
    for (name, value) in attributes {
        let _ = element.set_attribute(name, value);
    }
    if !text.is_empty() {
        element.set_text_content(Some(text));
    }
    let _ = parent.append_child(&element);
    element
}

/// Marks `radio` chosen, and its siblings not; only it stays in the tab order.
fn choose(radio: &Element) {
    let Some(group) = radio.parent_element() else {
        return;
    };
    let children = group.children();
    for i in 0..children.length() {
        if let Some(option) = children.item(i) {
            let on = &option == radio;
            let _ = option.set_attribute("aria-checked", if on { "true" } else { "false" });
            let _ = option.set_attribute("tabindex", if on { "0" } else { "-1" });
        }
    }
}

/// Whether `option` is the last of its group: the "Other" option, where there is one.
fn is_other(option: &Element) -> bool {
    option.next_element_sibling().is_none()
}

fn find(form: &Element, selector: &str) -> Option<HtmlElement> {
    form.query_selector(selector)
        .ok()
        .flatten()
        .map(JsCast::unchecked_into)
}
