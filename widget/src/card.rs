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
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, Event, HtmlElement, KeyboardEvent};

/// Where the answer is on its way to the collector (the card's `delivery` signal).
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
    /// The step shown (re-rendered on every `set`, even to the same value).
    step: ArcRwSignal<u8>,
    delivery: ArcRwSignal<u8>,
    bridge: Bridge,
    site_key: String,
    categories: Vec<String>,
    /// Made once per flow, so that a retry is stored once.
    response_id: RefCell<String>,
    rtl: bool,
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
            step: ArcRwSignal::new(0),
            delivery: ArcRwSignal::new(UNSENT),
            bridge,
            site_key,
            categories,
            response_id: RefCell::new(String::new()),
            rtl,
        })
    }

    /// What the card says about the answer, by `delivery`: the status paragraph's class and
    /// text. (Worked out once: the view's closures may only hold what can cross threads.)
    fn outcomes(&self) -> [(&'static str, &'static str); 6] {
        let thanks = match &*self.flow.borrow() {
            Flow::Survey(s) => s.thank_you.as_deref().map(|t| &*String::from(t).leak()),
            _ => None,
        };
        [
            ("", ""),
            ("", ""),
            ("error", self.words.get("failed")),
            ("queued", self.words.get("queued")),
            ("thanks", thanks.unwrap_or_else(|| self.words.get("thanks"))),
            ("thanks", self.words.get("report_sent")),
        ]
    }

    /// The view of step `index`.
    fn step_view(self: &Rc<Self>, index: usize) -> impl IntoView {
        let steps = self.steps.borrow();
        let step = &steps[index];
        let kind = step.kind;
        let (group_role, option_role, class) = match kind {
            Kind::Scale => (Some("radiogroup"), Some("radio"), "scale"),
            Kind::Single => (Some("radiogroup"), Some("radio"), "list"),
            Kind::Multi => (Some("group"), Some("checkbox"), "list"),
            _ => (None, None, "list"),
        };
        let last = !matches!(kind, Kind::Menu)
            && self
                .flow
                .borrow()
                .after(index, &Picked::default(), &steps)
                .is_none()
            && !matches!(&*self.flow.borrow(), Flow::Survey(s) if s.questions[index].branches.iter().any(|b| b.goto != shared::Step::End));
        let send_text = if last { "send" } else { "next" };
        let send_label = self.words.get(send_text);
        let sending = {
            let (delivery, sending) = (self.delivery.clone(), self.words.get("sending"));
            move || {
                if delivery.get() == SENDING {
                    sending
                } else {
                    send_label
                }
            }
        };
        let hidden = {
            let delivery = self.delivery.clone();
            move || delivery.get() >= QUEUED
        };
        let optional = step.optional.then(|| self.words.get("optional"));
        let (low, high) = step.ends.unwrap_or(("", ""));
        let options = step
            .options
            .iter()
            .enumerate()
            .map(|(n, &(text, label))| {
                // A radio group is one tab stop (a roving tabindex); checkboxes are one each.
                let tab = if n == 0 || option_role != Some("radio") { "0" } else { "-1" };
                let checked = option_role.map(|_| "false");
                view! {
                    <button type="button" role=option_role aria-checked=checked tabindex=tab aria-label=label>
                        {text}
                    </button>
                }
            })
            .collect_view();
        let consent = self.words.get("consent");
        let view = view! {
            <form hidden=hidden>
                <p class="prompt" id="hark-prompt">
                    {step.prompt}
                    <span class="optional" hidden=optional.is_none()>{optional.unwrap_or_default()}</span>
                </p>
                <div class=class role=group_role aria-labelledby="hark-prompt" hidden=step.options.is_empty()>
                    {options}
                </div>
                <div class="ends" hidden=step.ends.is_none() aria-hidden="true">
                    <span>{low}</span>
                    <span>{high}</span>
                </div>
                <input class="other" type="text" maxlength="500" hidden=step.other.is_none()
                    aria-label=step.other.unwrap_or_default() placeholder=step.other.unwrap_or_default() />
                <textarea rows="4" maxlength=step.max_len hidden=kind != Kind::Text
                    aria-labelledby="hark-prompt" placeholder=self.words.get("text_placeholder")></textarea>
                <input class="email" type="email" maxlength="254" autocomplete="email"
                    hidden=kind != Kind::Email aria-labelledby="hark-prompt" />
                <button type="button" class="consent" role="checkbox" aria-checked="false"
                    hidden=kind != Kind::Email>
                    {consent}
                </button>
                <button type="submit" class="send" hidden=kind == Kind::Menu disabled=!step.optional>
                    {sending}
                </button>
            </form>
        };
        view
    }

    /// The whole card.
    pub(crate) fn view(self: &Rc<Self>, title: &'static str) -> impl IntoView {
        let steps = {
            let card = SendWrapper::new(self.clone());
            move || card.step_view(usize::from(card.step.get()))
        };
        let outcomes = self.outcomes();
        let class = {
            let delivery = self.delivery.clone();
            move || outcomes[usize::from(delivery.get())].0
        };
        let delivery = self.delivery.clone();
        let text = move || outcomes[usize::from(delivery.get())].1;
        let dir = if self.rtl { "rtl" } else { "ltr" };
        view! {
            <div class="card" role="dialog" aria-label=title dir=dir>
                <button type="button" class="close" aria-label=self.words.get("close")>"×"</button>
                {steps}
                <div role="status" aria-live="polite">
                    <p class=class>{text}</p>
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
        let step = &steps[usize::from(self.step.get_untracked())];
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
        if self.delivery.get_untracked() == SENDING {
            return;
        }
        let Some(picked) = self.read(form) else {
            return;
        };
        let index = usize::from(self.step.get_untracked());
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
        self.delivery.set(SENDING);
        let card = self.clone();
        let sent = if matches!(&*self.flow.borrow(), Flow::Survey(_)) {
            SENT
        } else {
            SENT_REPORT
        };
        self.bridge.send(endpoint, &body, move |state: String| {
            card.delivery.set(match state.as_str() {
                "sent" => sent,
                "queued" => QUEUED,
                _ => FAILED,
            });
            if state != "rejected" {
                card.focus("button.close");
            }
        });
    }

    /// A menu option: open the flow it names.
    fn menu(self: &Rc<Self>, option: usize) {
        let Some(flow) = self.flow.borrow().pick(option, self.categories.clone()) else {
            return;
        };
        *self.steps.borrow_mut() = flow.steps(&self.words);
        *self.flow.borrow_mut() = flow;
        self.path.borrow_mut().clear();
        self.step.set(0);
        self.show_step();
    }

    fn close(&self) {
        self.bridge.close(self.delivery.get_untracked() >= QUEUED);
    }

    /// Once step `index` is rendered: clears what was picked and moves the focus to its first
    /// control. (Leptos renders a step into the elements of the one before, and compares with
    /// what it rendered, not with the DOM: the choices, values and the disabled Send that the
    /// listener changed would otherwise carry over.)
    pub(crate) fn show_step(self: &Rc<Self>) {
        let card = self.clone();
        self.after_render(move |root| {
            if let Ok(options) = root.query_selector_all("[aria-checked]") {
                for i in 0..options.length() {
                    if let Some(option) = options.item(i).map(JsCast::unchecked_into::<Element>) {
                        let _ = option.set_attribute("aria-checked", "false");
                        if option.get_attribute("role").as_deref() == Some("radio") {
                            let first = option.previous_element_sibling().is_none();
                            let _ = option.set_attribute("tabindex", if first { "0" } else { "-1" });
                        }
                    }
                }
            }
            if let Ok(fields) = root.query_selector_all("input, textarea") {
                for i in 0..fields.length() {
                    if let Some(field) = fields.item(i) {
                        let _ = js_sys::Reflect::set(&field, &"value".into(), &"".into());
                    }
                }
            }
            if let Ok(Some(form)) = root.query_selector("form") {
                card.enable_send(&form);
            }
            if let Ok(Some(first)) = root.query_selector(
                "form [role=radio][tabindex='0'], form [role=checkbox][tabindex='0'], .list > button, textarea:not([hidden]), input.email:not([hidden])",
            ) {
                let _ = first.unchecked_into::<HtmlElement>().focus();
            }
        });
    }

    fn focus(self: &Rc<Self>, selector: &'static str) {
        self.after_render(move |root| {
            if let Ok(Some(el)) = root.query_selector(selector) {
                let _ = el.unchecked_into::<HtmlElement>().focus();
            }
        });
    }

    /// Runs `then` on the shadow root after the reactive system has rendered the latest change
    /// (its effects run as microtasks, queued before this one).
    fn after_render(&self, then: impl FnOnce(&web_sys::ShadowRoot) + 'static) {
        let root = self.bridge.root.clone();
        leptos::task::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&JsValue::NULL))
                .await;
            then(&root);
        });
    }
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
