//! The survey builder (`#/surveys/new`, `#/surveys/{id}`): a survey's name and thank-you text,
//! its questions of every kind with their options, labels and branches, reordered by dragging
//! or by keyboard; the path each NPS group takes and the questions no path reaches; the trigger,
//! frequency and translations; the live preview; and the saved versions.
//!
//! Every problem the builder shows is `Survey::check`'s own message, run on the draft as it is
//! edited and shown next to the field its path names, so that the builder refuses exactly what
//! the collector would (and shows the collector's refusal the same way, should it still refuse).
//!
//! The form is drawn from the draft's [`Shape`] (its questions, their kinds, branches and
//! options, the trigger's kind, the languages): typing changes the draft but not its shape, so
//! nothing is drawn again; adding, removing, moving or retyping something draws the form again,
//! and the focus is put back on the control that had it. Every control is one [`Field`], whose
//! message and ARIA state follow the check: a few components with reactive parts rather than a
//! reactive part per control keep the dashboard's bundle within its budget.

use crate::api::{ApiError, SiteApi};
use crate::controls::Refusal;
use crate::format;
use crate::preview::Preview;
use crate::route::{self, Page, SurveyStart};
use crate::shell::Desk;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::SurveyVersionInfo;
use shared::survey::{
    Branch, CsatStyle, Frequency, On, PageMatch, PageRule, Question, QuestionKind, QuestionText,
    Step, Trigger, When,
};
use shared::{QuestionId, Survey, SurveyId};
use wasm_bindgen::JsCast;

/// What the builder opens.
#[derive(Debug, Clone, PartialEq)]
enum Opening {
    New(SurveyStart),
    Saved(SurveyId),
}

/// The builder with a new survey: blank, from a template, or a copy of a saved one.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn NewSurveyPage(start: SurveyStart) -> impl IntoView {
    view! { <BuilderPage opening=Opening::New(start) /> }
}

/// The builder with the site's survey `id`.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn SurveyPage(id: SurveyId) -> impl IntoView {
    view! { <BuilderPage opening=Opening::Saved(id) /> }
}

/// The survey a page opens with: `(survey, status)`, the status `None` for a new one.
async fn open(api: &SiteApi, opening: Opening) -> Result<(Survey, Option<String>), String> {
    match opening {
        Opening::New(SurveyStart::Blank) => Ok((blank(), None)),
        Opening::New(SurveyStart::Template(slug)) => shared::templates::templates()
            .into_iter()
            .find(|t| t.slug == slug)
            .map(|t| (t.survey, None))
            .ok_or_else(|| format!("there is no template {slug}")),
        Opening::New(SurveyStart::Copy(id)) => {
            let original = api.survey(&id).await.map_err(|e| e.message().to_owned())?;
            let mut copy = original.survey();
            copy.id =
                SurveyId::parse(format!("{}-copy", copy.id)).unwrap_or_else(|_| fresh_survey_id());
            copy.name = format!("{} (copy)", copy.name);
            Ok((copy, None))
        }
        Opening::Saved(id) => {
            let listed = api.survey(&id).await.map_err(|e| e.message().to_owned())?;
            Ok((listed.survey(), Some(listed.status.clone())))
        }
    }
}

#[component]
fn BuilderPage(opening: Opening) -> impl IntoView {
    let desk = Desk::expect();
    let loaded = RwSignal::new(None::<Result<(Survey, Option<String>), String>>);
    let api = desk.api.clone();
    spawn_local(async move {
        let result = open(&api, opening).await;
        loaded.try_set(Some(result));
    });
    move || match loaded.get() {
        None => view! { <p class="loading" role="status">"Loading the survey…"</p> }.into_any(),
        Some(Ok((survey, status))) => view! { <Builder survey status /> }.into_any(),
        Some(Err(message)) => view! {
            <a class="back" href=Page::Surveys.href()>"← Surveys"</a>
            <p class="error" role="alert">{message}</p>
        }
        .into_any(),
    }
}

/// A survey id that no survey of the site is likely to have yet.
fn fresh_survey_id() -> SurveyId {
    let n = js_sys::Date::now() as u64 % 1_000_000;
    SurveyId::parse(format!("survey-{n}")).expect("a valid id")
}

/// A new survey: one NPS question, shown on page views, once.
fn blank() -> Survey {
    Survey {
        id: fresh_survey_id(),
        version: 0,
        name: String::new(),
        trigger: Trigger::page_view(),
        frequency: Frequency::Once,
        questions: vec![new_question(
            "q1",
            QuestionKind::Nps,
            "How likely are you to recommend us to a friend or colleague?",
        )],
        thank_you: None,
        translations: Default::default(),
    }
}

fn new_question(id: &str, kind: QuestionKind, prompt: &str) -> Question {
    Question {
        id: QuestionId::parse(id).expect("a valid id"),
        prompt: prompt.to_owned(),
        kind,
        optional: false,
        low: None,
        high: None,
        branches: Vec::new(),
        next: None,
    }
}

/// `(value, label)` pairs for a `<select>`.
fn options(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
        .collect()
}

/// The kinds of question, as the type's `<select>` offers them.
const KINDS: [(&str, &str); 6] = [
    ("nps", "NPS (0–10)"),
    ("csat", "CSAT (1–5)"),
    ("ces", "CES (1–7)"),
    ("rating", "Rating (1 to a maximum)"),
    ("choice", "Choice"),
    ("text", "Text"),
];

/// A question kind of this wire name, with its usual settings.
fn kind_named(name: &str) -> QuestionKind {
    match name {
        "csat" => QuestionKind::Csat {
            style: CsatStyle::Stars,
        },
        "ces" => QuestionKind::Ces,
        "rating" => QuestionKind::Rating { max: 5 },
        "choice" => QuestionKind::Choice {
            options: vec!["Option 1".to_owned(), "Option 2".to_owned()],
            multiple: false,
            other: false,
        },
        "text" => QuestionKind::Text { max_len: 1000 },
        _ => QuestionKind::Nps,
    }
}

/// Where a refusal's field shows in the builder: the field itself, or where the builder has no
/// control for it (a translation of a question the survey lacks, labels on a question that
/// takes none), the closest one that holds it.
pub(crate) fn slot(field: &str, survey: &Survey) -> String {
    if let Some(rest) = field.strip_prefix("translations.") {
        let (lang, tail) = rest.split_once(".questions.").unwrap_or((rest, ""));
        if !tail.is_empty() {
            let id = tail.split(['.', '[']).next().unwrap_or_default();
            let known = QuestionId::parse(id)
                .ok()
                .and_then(|id| survey.question(&id).cloned());
            let translation = format!("translations.{lang}");
            let Some(q) = known else {
                return translation;
            };
            let part = tail[id.len()..].trim_start_matches('.');
            let shown = match part.split(['.', '[']).next().unwrap_or_default() {
                "prompt" => true,
                "low" | "high" => q.kind.scale().is_some(),
                "options" => matches!(q.kind, QuestionKind::Choice { .. }),
                _ => false,
            };
            if !shown {
                return format!("{translation}.questions.{id}");
            }
        }
        return field.to_owned();
    }
    if let Some(rest) = field.strip_prefix("questions[") {
        if let Some((i, part)) = rest.split_once("].") {
            let kind = i
                .parse::<usize>()
                .ok()
                .and_then(|i| survey.questions.get(i))
                .map(|q| &q.kind);
            let shown = match part.split(['.', '[']).next().unwrap_or_default() {
                "low" | "high" => kind.is_some_and(|k| k.scale().is_some()),
                _ => true,
            };
            if !shown {
                return format!("questions[{i}]");
            }
        }
    }
    field.to_owned()
}

/// The id of the message for the field at `path`.
fn error_id(path: &str) -> String {
    let slug: String = path
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("err-{slug}")
}

/// The survey being edited, with a key per question that stays with it as it moves.
#[derive(Debug, Clone, Copy)]
struct Draft {
    survey: RwSignal<Survey>,
    keys: RwSignal<Vec<u32>>,
    next_key: StoredValue<u32>,
    /// What the builder itself refused before the check could run (an id that does not parse),
    /// by its path.
    local: RwSignal<Option<(String, String)>>,
    /// What the collector refused at the last save, by its slot, until the next edit.
    refused: RwSignal<Option<(String, String)>>,
    /// The refusal the builder shows, by its slot.
    problem: Memo<Option<(String, String)>>,
    /// The id of the control to focus once the form is drawn again.
    focus: StoredValue<Option<String>>,
}

impl Draft {
    fn new(survey: Survey) -> Self {
        let n = u32::try_from(survey.questions.len()).unwrap_or(0);
        let survey = RwSignal::new(survey);
        let local = RwSignal::new(None::<(String, String)>);
        let refused = RwSignal::new(None::<(String, String)>);
        let problem = Memo::new(move |_| {
            let checked = survey.with(|s| {
                s.check().err().map(|e| {
                    let field = e.field().map(|f| slot(f, s)).unwrap_or_default();
                    (field, e.message().to_owned())
                })
            });
            local.get().or(checked).or_else(|| refused.get())
        });
        Draft {
            survey,
            keys: RwSignal::new((0..n).collect()),
            next_key: StoredValue::new(n),
            local,
            refused,
            problem,
            focus: StoredValue::new(None),
        }
    }

    /// The message for the field at `path`, if the refusal is about it.
    fn error(self, path: String) -> Signal<Option<String>> {
        Signal::derive(move || {
            self.problem.with(|p| {
                p.as_ref()
                    .filter(|(slot, _)| *slot == path)
                    .map(|(_, message)| message.clone())
            })
        })
    }

    /// Changes the draft. Boxed, so that the many edits of the form share one copy of the
    /// signal's update rather than each having its own.
    fn edit(self, f: impl FnOnce(&mut Survey)) {
        self.edit_boxed(Box::new(f));
    }

    fn edit_boxed(self, f: Box<dyn FnOnce(&mut Survey) + '_>) {
        self.refused.set(None);
        self.survey.update(|s| f(s));
    }

    /// Where question `key` is now.
    fn index(self, key: u32) -> Option<usize> {
        self.keys
            .with_untracked(|k| k.iter().position(|x| *x == key))
    }

    fn edit_question(self, key: u32, f: impl FnOnce(&mut Question)) {
        self.edit_question_boxed(key, Box::new(f));
    }

    fn edit_question_boxed(self, key: u32, f: Box<dyn FnOnce(&mut Question) + '_>) {
        if let Some(i) = self.index(key) {
            self.edit_boxed(Box::new(move |s: &mut Survey| {
                if let Some(q) = s.questions.get_mut(i) {
                    f(q);
                }
            }));
        }
    }

    fn add(self, kind: QuestionKind) {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        self.focus.set_value(Some(format!("q-{key}-prompt")));
        self.keys.update(|k| k.push(key));
        self.edit(|s| {
            let id = (1..)
                .map(|n| format!("q{n}"))
                .find(|id| !s.questions.iter().any(|q| q.id.as_str() == id))
                .expect("a free id");
            s.questions.push(new_question(&id, kind, ""));
        });
    }

    /// Removes question `key`, and its translations (which would name a question the survey
    /// no longer has).
    fn remove(self, key: u32) {
        let Some(i) = self.index(key) else {
            return;
        };
        self.focus.set_value(Some("new-question-kind".to_owned()));
        self.keys.update(|k| {
            k.remove(i);
        });
        self.edit(|s| {
            let q = s.questions.remove(i);
            for t in s.translations.values_mut() {
                t.questions.remove(&q.id);
            }
        });
    }

    /// Moves question `key` to position `to`; the focus goes to `focus` once it has moved.
    fn move_to(self, key: u32, to: usize, focus: Option<String>) {
        let Some(from) = self.index(key) else {
            return;
        };
        let len = self.keys.with_untracked(Vec::len);
        if to >= len || to == from {
            return;
        }
        self.focus.set_value(focus);
        self.keys.update(|k| {
            let moved = k.remove(from);
            k.insert(to, moved);
        });
        self.edit(|s| {
            let q = s.questions.remove(from);
            s.questions.insert(to, q);
        });
    }

    /// Renames a question, and every branch, `next` and translation that names it.
    fn rename(self, key: u32, to: QuestionId) {
        let Some(i) = self.index(key) else {
            return;
        };
        self.edit(|s| {
            let from = std::mem::replace(&mut s.questions[i].id, to.clone());
            let renamed = |step: &mut Step| {
                if *step == Step::Question(from.clone()) {
                    *step = Step::Question(to.clone());
                }
            };
            for q in &mut s.questions {
                q.branches.iter_mut().for_each(|b| renamed(&mut b.goto));
                if let Some(next) = &mut q.next {
                    renamed(next);
                }
            }
            for t in s.translations.values_mut() {
                if let Some(text) = t.questions.remove(&from) {
                    t.questions.insert(to.clone(), text);
                }
            }
        });
    }
}

/// What the form's controls are: when it changes, the form is drawn again.
#[derive(Debug, Clone, PartialEq)]
struct Shape {
    questions: Vec<QuestionShape>,
    trigger: &'static str,
    frequency: &'static str,
    pages: usize,
    langs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
struct QuestionShape {
    key: u32,
    id: String,
    kind: &'static str,
    /// Each branch: whether it is on an option (else on a score).
    branches: Vec<bool>,
    options: usize,
}

fn shape(survey: &Survey, keys: &[u32]) -> Shape {
    Shape {
        questions: survey
            .questions
            .iter()
            .zip(keys)
            .map(|(q, key)| QuestionShape {
                key: *key,
                id: q.id.to_string(),
                kind: q.kind.name(),
                branches: q
                    .branches
                    .iter()
                    .map(|b| matches!(b.when, When::Choice { .. }))
                    .collect(),
                options: match &q.kind {
                    QuestionKind::Choice { options, .. } => options.len(),
                    _ => 0,
                },
            })
            .collect(),
        trigger: trigger_name(&survey.trigger.on),
        frequency: match survey.frequency {
            Frequency::Once => "once",
            Frequency::UntilAnswered => "until_answered",
            Frequency::EveryDays { .. } => "every_days",
        },
        pages: survey.trigger.pages.len(),
        langs: survey.translations.keys().cloned().collect(),
    }
}

/// A change to a choice question's options, `multiple` and `other`.
type ChoiceEdit = Box<dyn FnOnce(&mut Vec<String>, &mut bool, &mut bool)>;

/// A change to a question's words in a language, given how many options the question has.
type TextEdit = Box<dyn FnOnce(&mut QuestionText, usize)>;

/// A number typed into a field, saturated to the field's type (so that a value out of range
/// reaches the check, which says what the range is); `None` for text that is not a number.
fn number<T: TryFrom<u64> + Bounded>(text: &str) -> Option<T> {
    let n: u64 = text.trim().parse().ok()?;
    Some(T::try_from(n).unwrap_or(T::MAX))
}

trait Bounded {
    const MAX: Self;
}

impl Bounded for u8 {
    const MAX: u8 = u8::MAX;
}

impl Bounded for u16 {
    const MAX: u16 = u16::MAX;
}

impl Bounded for u32 {
    const MAX: u32 = u32::MAX;
}

/// Unix seconds at 00:00 UTC of a `YYYY-MM-DD` date.
fn date_seconds(date: &str) -> Option<i64> {
    let ms = js_sys::Date::parse(date);
    (!ms.is_nan()).then(|| (ms / 1000.0) as i64)
}

/// The `YYYY-MM-DD` (UTC) of unix seconds.
fn seconds_date(seconds: i64) -> String {
    let iso: String = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(seconds as f64 * 1000.0))
        .to_iso_string()
        .into();
    iso.get(..10).unwrap_or_default().to_owned()
}

/// An optional text: empty is none.
fn optional(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

/// Focuses the element with this id once the view has caught up.
fn focus_later(id: String) {
    request_animation_frame(move || {
        if let Some(el) = document()
            .get_element_by_id(&id)
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
}

/// What kind of control a [`Field`] is, with what it holds when drawn.
#[derive(Debug, Clone, PartialEq)]
enum Control {
    Text(String),
    Number(String),
    Date(String),
    /// Told of each change only when it is done (on `change`): an id, which must parse.
    Id(String),
    Select {
        options: Vec<(String, String)>,
        current: String,
    },
    Check(bool),
}

/// One labelled control of the form, with the check's message for its field next to it.
///
/// - `id`: the control's id.
/// - `label`: what it is.
/// - `path`: the field's path, as `Survey::check` names it (its message shows here).
/// - `control`: its kind, and what it holds when drawn.
/// - `on_change`: called with the value at each change (`true`/`false` for a checkbox).
/// - `hint`: a line under the label, if any.
///
/// A function rather than a component, as are [`message`] and [`act`], and each erased to an
/// `AnyView`: the form has dozens of them, and views of one type cost the bundle once.
fn field(
    draft: Draft,
    id: impl Into<String>,
    label: impl Into<String>,
    path: impl Into<String>,
    control: Control,
    hint: Option<&str>,
    on_change: impl Fn(String) + Send + Sync + 'static,
) -> AnyView {
    field_view(
        draft,
        id.into(),
        label.into(),
        path.into(),
        control,
        hint.map(str::to_owned),
        Callback::new(on_change),
    )
}

fn field_view(
    draft: Draft,
    id: String,
    label: String,
    path: String,
    control: Control,
    hint: Option<String>,
    on_change: Callback<String>,
) -> AnyView {
    let problem = draft.error(path.clone());
    let err = error_id(&path);
    let invalid = move || problem.with(Option::is_some).then_some("true");
    let described = {
        let err = err.clone();
        move || problem.with(Option::is_some).then(|| err.clone())
    };
    let input = |kind: &'static str, value: String| {
        view! {
            <input
                id=id.clone()
                type=kind
                data-field=path.clone()
                value=value
                aria-invalid=invalid
                aria-describedby=described.clone()
                on:input=move |ev| on_change.run(event_target_value(&ev))
            />
        }
        .into_any()
    };
    let (class, control) = match control {
        Control::Text(v) => ("field", input("text", v)),
        Control::Number(v) => ("field", input("number", v)),
        Control::Date(v) => ("field", input("date", v)),
        Control::Id(v) => (
            "field",
            view! {
                <input
                    id=id.clone()
                    type="text"
                    class="short"
                    data-field=path.clone()
                    value=v
                    aria-invalid=invalid
                    aria-describedby=described.clone()
                    on:change=move |ev| on_change.run(event_target_value(&ev))
                />
            }
            .into_any(),
        ),
        Control::Select { options, current } => (
            "field",
            view! {
                <select
                    id=id.clone()
                    data-field=path.clone()
                    aria-invalid=invalid
                    aria-describedby=described.clone()
                    on:change=move |ev| on_change.run(event_target_value(&ev))
                >
                    {options
                        .into_iter()
                        .map(|(value, text)| {
                            let selected = value == current;
                            view! { <option value=value selected=selected>{text}</option> }
                        })
                        .collect_view()}
                </select>
            }
            .into_any(),
        ),
        Control::Check(on) => (
            "field checkbox",
            view! {
                <input
                    id=id.clone()
                    type="checkbox"
                    checked=on
                    on:change=move |ev| on_change.run(event_target_checked(&ev).to_string())
                />
            }
            .into_any(),
        ),
    };
    let checkbox = class == "field checkbox";
    view! {
        <div class=class>
            {(!checkbox).then(|| view! { <label for=id.clone()>{label.clone()}</label> })}
            {hint.map(|h| view! { <span class="hint">{h}</span> })}
            {control}
            {checkbox.then(|| view! { <label for=id.clone()>{label.clone()}</label> })}
            {message(draft, path.clone())}
        </div>
    }
    .into_any()
}

/// The check's message for the field at `path`, where `aria-describedby` finds it; also for a
/// slot with no control of its own (a list, a question as a whole, a language).
fn message(draft: Draft, path: impl Into<String>) -> AnyView {
    let path = path.into();
    let message = draft.error(path.clone());
    (move || {
        message.get().map(|m| {
            view! { <p class="field-error" id=error_id(&path) data-for=path.clone()>{m}</p> }
        })
    })
    .into_any()
}

/// A button of the form.
///
/// - `class`: what it does, for the style and the tests.
/// - `label`: what it says; `aria_label`, where that alone is unclear.
fn act(
    class: &str,
    label: &str,
    aria_label: Option<String>,
    id: Option<String>,
    disabled: bool,
    on_press: impl Fn(()) + Send + Sync + 'static,
) -> AnyView {
    let on_press = Callback::new(on_press);
    view! {
        <button
            type="button"
            id=id
            class=format!("secondary {class}")
            aria-label=aria_label
            disabled=disabled
            on:click=move |_| on_press.run(())
        >
            {label.to_owned()}
        </button>
    }
    .into_any()
}

/// The builder: the form, the paths, the preview and the versions.
///
/// - `survey`: what it starts with (saved, or new when `status` is `None`).
/// - `status`: the saved survey's status.
#[component]
fn Builder(survey: Survey, status: Option<String>) -> impl IntoView {
    let desk = Desk::expect();
    let manages = desk.role.configures();
    let is_new = status.is_none();
    let draft = Draft::new(survey.clone());
    let id_text = StoredValue::new(survey.id.to_string());
    let (saving, set_saving) = signal(false);
    let (notice, set_notice) = signal(None::<String>);
    let failure = RwSignal::new(None::<String>);
    let saved_id = survey.id.clone();
    let versions_changed = RwSignal::new(0u32);

    let api = desk.api.clone();
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        set_notice.set(None);
        failure.set(None);
        let mut survey = draft.survey.get_untracked();
        if is_new {
            match SurveyId::parse(id_text.get_value()) {
                Ok(id) => survey.id = id,
                Err(e) => {
                    draft.local.set(Some(("id".to_owned(), e.to_string())));
                    focus_later("survey-id".to_owned());
                    return;
                }
            }
        }
        if draft.local.with_untracked(Option::is_some) {
            return;
        }
        if let Err(e) = survey.check() {
            // Shown by its field already: take the admin there.
            if let Some(field) = e.field() {
                let slot = slot(field, &survey);
                if let Some(el) = document()
                    .query_selector(&format!("[data-field=\"{slot}\"]"))
                    .ok()
                    .flatten()
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let _ = el.focus();
                }
            }
            return;
        }
        let api: SiteApi = api.clone();
        set_saving.set(true);
        spawn_local(async move {
            let result = if is_new {
                api.create_survey(&survey).await
            } else {
                api.update_survey(&survey).await
            };
            match result {
                Ok(listed) => {
                    let saved = listed.survey();
                    if is_new {
                        route::go(&Page::Survey(saved.id.clone()));
                    } else {
                        draft.survey.update(|s| s.version = saved.version);
                        versions_changed.update(|n| *n += 1);
                        set_notice.set(Some(format!("Saved as version {}", saved.version)));
                    }
                }
                // Shown by its field, and in the line by the button.
                Err(ApiError::Refused { field, message }) => {
                    let slot = draft.survey.with_untracked(|s| slot(&field, s));
                    draft.refused.set(Some((slot, message)));
                }
                Err(e) => failure.set(Some(e.message().to_owned())),
            }
            set_saving.set(false);
        });
    };

    let survey_signal = Signal::derive(move || draft.survey.get());
    let valid = Signal::derive(move || draft.survey.with(|s| s.check().is_ok()));
    let title = survey.name.clone();
    let status_line = status.map(|s| {
        view! { <p class="muted survey-status">{format!("Status: {s}, version {}", survey.version)}</p> }
    });
    let shape = Memo::new(move |_| draft.keys.with(|k| draft.survey.with(|s| shape(s, k))));
    let form = move || {
        let shape = shape.get();
        let survey = draft.survey.get_untracked();
        // The control that had the focus gets it back in the form drawn again.
        let focus = draft.focus.get_value().or_else(|| {
            document()
                .active_element()
                .map(|e| e.id())
                .filter(|id| !id.is_empty())
        });
        draft.focus.set_value(None);
        if let Some(id) = focus {
            focus_later(id);
        }
        form_view(draft, &shape, &survey)
    };

    view! {
        <div class="builder">
            <a class="back" href=Page::Surveys.href()>"← Surveys"</a>
            <div class="page-head">
                <h2>{if title.trim().is_empty() { "New survey".to_owned() } else { title }}</h2>
            </div>
            {status_line}
            {(!manages).then(|| view! { <p class="muted">"Only admins and owners change surveys."</p> })}
            <div class="builder-columns">
                <form class="builder-form" on:submit=save novalidate>
                    <section class="panel basics" aria-labelledby="basics-title">
                        <h3 id="basics-title">"Survey"</h3>
                        {if is_new {
                            view! {
                                {field(
                                    draft,
                                    "survey-id",
                                    "Id",
                                    "id",
                                    Control::Text(survey.id.to_string()),
                                    Some("Answers and the API name the survey by it; it cannot change later."),
                                    move |v: String| {
                                        draft.local.set(None);
                                        id_text.set_value(v);
                                    },
                                )}
                            }
                                .into_any()
                        } else {
                            view! { <p class="survey-id">"Id " <code>{saved_id.to_string()}</code></p> }.into_any()
                        }}
                        {field(
                            draft,
                            "survey-name",
                            "Name",
                            "name",
                            Control::Text(survey.name.clone()),
                            None,
                            move |v: String| draft.edit(|s| s.name = v),
                        )}
                        {field(
                            draft,
                            "survey-thank-you",
                            "Thank-you text",
                            "thank_you",
                            Control::Text(survey.thank_you.clone().unwrap_or_default()),
                            Some("Said after the last question; empty for the widget's own words."),
                            move |v: String| draft.edit(|s| s.thank_you = optional(v)),
                        )}
                    </section>
                    {form}
                    <Paths draft />
                    <div class="save-bar">
                        <button type="submit" class="save-survey" disabled=move || { saving.get() || !manages }>
                            {if is_new { "Create survey" } else { "Save as a new version" }}
                        </button>
                        {move || {
                            draft
                                .problem
                                .get()
                                .map(|(_, message)| {
                                    view! { <p class="problem-summary">{format!("To fix before saving: {message}")}</p> }
                                })
                        }}
                        {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
                        <Refusal message=Signal::derive(move || failure.get()) />
                    </div>
                </form>
                <div class="builder-side">
                    <Preview survey=survey_signal valid />
                    {(!is_new).then(|| view! { <Versions id=saved_id.clone() changed=versions_changed /> })}
                </div>
            </div>
        </div>
    }
}

/// The steps a question at `i` may lead to: the later questions and the end, as
/// `(value, label)` for a `<select>`; and `current` too where it is none of them (a draft's
/// branch leading back), so that the `<select>` shows what the draft holds.
fn steps_after(
    shape: &Shape,
    i: usize,
    current: &str,
    none: Option<&str>,
) -> Vec<(String, String)> {
    let mut steps: Vec<(String, String)> = none
        .map(|label| (String::new(), label.to_owned()))
        .into_iter()
        .chain(
            shape
                .questions
                .iter()
                .enumerate()
                .skip(i + 1)
                .map(|(j, q)| (q.id.clone(), format!("Question {} ({})", j + 1, q.id))),
        )
        .chain(std::iter::once(("end".to_owned(), "The end".to_owned())))
        .collect();
    if !steps.iter().any(|(v, _)| v == current) {
        steps.push((
            current.to_owned(),
            format!("{current} (not later: fix this)"),
        ));
    }
    steps
}

fn step_value(step: &Step) -> String {
    match step {
        Step::End => "end".to_owned(),
        Step::Question(id) => id.to_string(),
    }
}

fn step_of(value: &str) -> Option<Step> {
    if value == "end" {
        Some(Step::End)
    } else {
        QuestionId::parse(value).ok().map(Step::Question)
    }
}

/// The form's parts that follow its shape: the questions, the trigger, the frequency and the
/// translations, holding what `survey` holds.
fn form_view(draft: Draft, shape: &Shape, survey: &Survey) -> AnyView {
    let questions = shape
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| question_view(draft, shape, survey, i, q))
        .collect_view();
    view! {
        <section class="panel questions" aria-labelledby="questions-title">
            <h3 id="questions-title">"Questions"</h3>
            <p class="hint">
                "Drag a question by its handle to move it, or use its Move up and Move down buttons."
            </p>
            {message(draft, "questions")}
            <ol class="question-list">{questions}</ol>
            <AddQuestion draft />
        </section>
        {trigger_view(draft, shape, survey)}
        {frequency_view(draft, shape, survey)}
        {translations_view(draft, shape, survey)}
    }
    .into_any()
}

/// The kind of a new question, and the button that adds it.
#[component]
fn AddQuestion(draft: Draft) -> impl IntoView {
    let kind = StoredValue::new("text".to_owned());
    view! {
        <div class="add-question">
            {field(
                draft,
                "new-question-kind",
                "New question's type",
                "new-question",
                Control::Select { options: options(&KINDS), current: "text".to_owned() },
                None,
                move |k: String| kind.set_value(k),
            )}
            {act(
                "add-question-button",
                "Add question",
                None,
                None,
                false,
                move |()| draft.add(kind_named(&kind.get_value())),
            )}
        </div>
    }
}

/// Question `i` (of key `q.key`): its place, kind, words, settings and branches.
fn question_view(
    draft: Draft,
    shape: &Shape,
    survey: &Survey,
    i: usize,
    q: &QuestionShape,
) -> AnyView {
    let key = q.key;
    let question = &survey.questions[i];
    let n = i + 1;
    let last = shape.questions.len() == n;
    let at = |part: &str| format!("questions[{i}].{part}");
    let move_to = move |to: usize, up: bool| {
        // The focus stays on the moved question: on the same button, unless it is now disabled
        // (at the top or the bottom), then on the other one.
        let last = draft.keys.with_untracked(Vec::len).saturating_sub(1);
        let same_ok = if up { to > 0 } else { to < last };
        let which = if up == same_ok { "up" } else { "down" };
        draft.move_to(key, to, Some(format!("q-{key}-move-{which}")));
    };
    let scale = question.kind.scale().is_some();
    let labels = scale.then(|| {
        view! {
            <div class="field-row">
                {field(
                    draft,
                    format!("q-{key}-low"),
                    "Label under the lowest score",
                    at("low"),
                    Control::Text(question.low.clone().unwrap_or_default()),
                    None,
                    move |v: String| draft.edit_question(key, |q| q.low = optional(v)),
                )}
                {field(
                    draft,
                    format!("q-{key}-high"),
                    "Label under the highest score",
                    at("high"),
                    Control::Text(question.high.clone().unwrap_or_default()),
                    None,
                    move |v: String| draft.edit_question(key, |q| q.high = optional(v)),
                )}
            </div>
        }
    });
    let settings = kind_settings(draft, i, key, question);
    let branches = question
        .branches
        .iter()
        .enumerate()
        .map(|(b, branch)| branch_view(draft, shape, question, i, key, b, branch))
        .collect_view();
    let branchable = !matches!(question.kind, QuestionKind::Text { .. });
    let next = question.next.as_ref().map(step_value).unwrap_or_default();
    view! {
        <li
            class="question"
            data-key=key
            on:dragover=|ev: web_sys::DragEvent| ev.prevent_default()
            on:drop=move |ev: web_sys::DragEvent| {
                ev.prevent_default();
                let from = ev
                    .data_transfer()
                    .and_then(|dt| dt.get_data("text/plain").ok())
                    .and_then(|k| k.parse::<u32>().ok());
                if let Some(from) = from {
                    draft.move_to(from, i, None);
                }
            }
        >
            <div class="question-head">
                <span
                    class="drag-handle"
                    draggable="true"
                    title="Drag to move"
                    on:dragstart=move |ev: web_sys::DragEvent| {
                        if let Some(dt) = ev.data_transfer() {
                            let _ = dt.set_data("text/plain", &key.to_string());
                            dt.set_effect_allowed("move");
                        }
                    }
                >
                    "⠿"
                </span>
                <h4>{format!("Question {n}")}</h4>
                {act(
                    "move-up",
                    "↑",
                    Some(format!("Move question {n} up")),
                    Some(format!("q-{key}-move-up")),
                    i == 0,
                    move |()| move_to(i.saturating_sub(1), true),
                )}
                {act(
                    "move-down",
                    "↓",
                    Some(format!("Move question {n} down")),
                    Some(format!("q-{key}-move-down")),
                    last,
                    move |()| move_to(i + 1, false),
                )}
                {act(
                    "remove-question",
                    "Remove",
                    Some(format!("Remove question {n}")),
                    None,
                    false,
                    move |()| draft.remove(key),
                )}
            </div>
            <Unreachable draft index=i />
            {message(draft, format!("questions[{i}]"))}
            <div class="field-row">
                {field(
                    draft,
                    format!("q-{key}-id"),
                    "Id",
                    at("id"),
                    Control::Id(q.id.clone()),
                    None,
                    move |v: String| match QuestionId::parse(v) {
                        Ok(id) => {
                            draft.local.set(None);
                            draft.rename(key, id);
                        }
                        Err(e) => draft.local.set(Some((format!("questions[{i}].id"), e.to_string()))),
                    },
                )}
                {field(
                    draft,
                    format!("q-{key}-type"),
                    "Type",
                    at("type"),
                    Control::Select { options: options(&KINDS), current: q.kind.to_owned() },
                    None,
                    move |k: String| {
                        draft.edit_question(key, |q| {
                            q.kind = kind_named(&k);
                            q.branches.clear();
                            if q.kind.scale().is_none() {
                                q.low = None;
                                q.high = None;
                            }
                        })
                    },
                )}
                {field(
                    draft,
                    format!("q-{key}-optional"),
                    "Optional",
                    at("optional"),
                    Control::Check(question.optional),
                    None,
                    move |v: String| draft.edit_question(key, |q| q.optional = v == "true"),
                )}
            </div>
            {field(
                draft,
                format!("q-{key}-prompt"),
                "Prompt",
                at("prompt"),
                Control::Text(question.prompt.clone()),
                None,
                move |v: String| draft.edit_question(key, |q| q.prompt = v),
            )}
            {labels}
            {settings}
            <fieldset class="branches">
                <legend>"Where it leads"</legend>
                {message(draft, at("branches"))}
                {branches}
                {branchable
                    .then(|| {
                        view! {
                            {act(
                                "add-branch",
                                "Add branch",
                                Some(format!("Add a branch to question {n}")),
                                Some(format!("q-{key}-add-branch")),
                                false,
                                move |()| {
                                    draft.focus.set_value(Some(format!("q-{key}-add-branch")));
                                    draft.edit_question(key, |q| {
                                        let when = match (&q.kind, q.kind.scale()) {
                                            (QuestionKind::Nps, _) => When::Score { min: 0, max: 6 },
                                            (_, Some((lo, _))) => When::Score { min: lo, max: lo },
                                            _ => When::Choice { index: 0 },
                                        };
                                        q.branches.push(Branch { when, goto: Step::End });
                                    })
                                },
                            )}
                        }
                    })}
                {field(
                    draft,
                    format!("q-{key}-next"),
                    "Otherwise, go to",
                    at("next"),
                    Control::Select {
                        options: steps_after(shape, i, &next, Some("The next question in order")),
                        current: next.clone(),
                    },
                    None,
                    move |v: String| draft.edit_question(key, |q| q.next = step_of(&v)),
                )}
            </fieldset>
        </li>
    }
    .into_any()
}

/// The warning on a question no answer leads to.
#[component]
fn Unreachable(draft: Draft, index: usize) -> impl IntoView {
    let lost = Memo::new(move |_| draft.survey.with(|s| s.unreachable().contains(&index)));
    move || {
        lost.get().then(|| {
            view! {
                <p class="warning unreachable">
                    "No answer leads to this question: no visitor is ever asked it."
                </p>
            }
        })
    }
}

/// What a question of its kind takes besides its words: a CSAT's style, a rating's top, a
/// text's length, a choice's options.
fn kind_settings(draft: Draft, i: usize, key: u32, question: &Question) -> AnyView {
    let path = |part: &str| format!("questions[{i}].{part}");
    match &question.kind {
        QuestionKind::Csat { style } => view! {
            {field(
                draft,
                format!("q-{key}-style"),
                "Shown as",
                path("style"),
                Control::Select {
                    options: options(&[("stars", "Stars"), ("faces", "Faces")]),
                    current: if *style == CsatStyle::Faces { "faces" } else { "stars" }.to_owned(),
                },
                None,
                move |v: String| {
                    let style = if v == "faces" { CsatStyle::Faces } else { CsatStyle::Stars };
                    draft.edit_question(key, |q| q.kind = QuestionKind::Csat { style })
                },
            )}
        }
        .into_any(),
        QuestionKind::Rating { max } => view! {
            {field(
                draft,
                format!("q-{key}-max"),
                "Highest score (2 to 10)",
                path("max"),
                Control::Number(max.to_string()),
                None,
                move |v: String| {
                    if let Some(max) = number::<u8>(&v) {
                        draft.edit_question(key, |q| q.kind = QuestionKind::Rating { max })
                    }
                },
            )}
        }
        .into_any(),
        QuestionKind::Text { max_len } => view! {
            {field(
                draft,
                format!("q-{key}-max-len"),
                "Longest answer, in characters (1 to 5000)",
                path("max_len"),
                Control::Number(max_len.to_string()),
                None,
                move |v: String| {
                    if let Some(max_len) = number::<u16>(&v) {
                        draft.edit_question(key, |q| q.kind = QuestionKind::Text { max_len })
                    }
                },
            )}
        }
        .into_any(),
        QuestionKind::Choice {
            options: texts,
            multiple,
            other,
        } => {
            let edit = move |f: ChoiceEdit| {
                draft.edit_question(key, |q| {
                    if let QuestionKind::Choice {
                        options,
                        multiple,
                        other,
                    } = &mut q.kind
                    {
                        f(options, multiple, other);
                    }
                });
            };
            let n = i + 1;
            let rows = texts
                .iter()
                .enumerate()
                .map(|(k, text)| {
                    view! {
                        <div class="option-row">
                            {field(
                                draft,
                                format!("q-{key}-option-{k}"),
                                format!("Option {}", k + 1),
                                format!("questions[{i}].options[{k}]"),
                                Control::Text(text.clone()),
                                None,
                                move |v: String| {
                                    edit(Box::new(move |options, _, _| {
                                        if let Some(o) = options.get_mut(k) {
                                            *o = v;
                                        }
                                    }))
                                },
                            )}
                            {act(
                                "remove-option",
                                "Remove",
                                Some(format!("Remove option {} of question {n}", k + 1)),
                                None,
                                false,
                                move |()| {
                                    edit(Box::new(move |options, _, _| {
                                        if k < options.len() {
                                            options.remove(k);
                                        }
                                    }))
                                },
                            )}
                        </div>
                    }
                })
                .collect_view();
            view! {
                <fieldset class="options">
                    <legend>"Options"</legend>
                    {message(draft, path("options"))}
                    {rows}
                    {act(
                        "add-option",
                        "Add option",
                        Some(format!("Add an option to question {n}")),
                        Some(format!("q-{key}-add-option")),
                        false,
                        move |()| {
                            draft.focus.set_value(Some(format!("q-{key}-add-option")));
                            edit(Box::new(|options, _, _| {
                                let n = options.len() + 1;
                                options.push(format!("Option {n}"));
                            }))
                        },
                    )}
                    {field(
                        draft,
                        format!("q-{key}-multiple"),
                        "Several may be chosen",
                        path("multiple"),
                        Control::Check(*multiple),
                        None,
                        move |v: String| edit(Box::new(move |_, multiple, _| *multiple = v == "true")),
                    )}
                    {field(
                        draft,
                        format!("q-{key}-other"),
                        "Offer “Other” with a text",
                        path("other"),
                        Control::Check(*other),
                        None,
                        move |v: String| edit(Box::new(move |_, _, other| *other = v == "true")),
                    )}
                </fieldset>
            }
            .into_any()
        }
        QuestionKind::Nps | QuestionKind::Ces => ().into_any(),
    }
}

/// Branch `b` of question `i`: its condition and where it leads.
fn branch_view(
    draft: Draft,
    shape: &Shape,
    question: &Question,
    i: usize,
    key: u32,
    b: usize,
    branch: &Branch,
) -> AnyView {
    let n = i + 1;
    let path = |part: &str| format!("questions[{i}].branches[{b}].{part}");
    let edit = move |f: Box<dyn FnOnce(&mut Branch)>| {
        draft.edit_question(key, |q| {
            if let Some(branch) = q.branches.get_mut(b) {
                f(branch);
            }
        })
    };
    let condition = match branch.when {
        When::Choice { index } => {
            let choices = match &question.kind {
                QuestionKind::Choice { options, .. } => options
                    .iter()
                    .enumerate()
                    .map(|(k, o)| {
                        (
                            k.to_string(),
                            format!("{}. {}", k + 1, format::excerpt(o, 30)),
                        )
                    })
                    .collect(),
                _ => Vec::new(),
            };
            view! {
                {field(
                    draft,
                    format!("q-{key}-b{b}-option"),
                    "When the answer is",
                    path("when"),
                    Control::Select { options: choices, current: index.to_string() },
                    None,
                    move |v: String| {
                        if let Some(index) = number::<u16>(&v) {
                            edit(Box::new(move |branch| branch.when = When::Choice { index }))
                        }
                    },
                )}
            }
            .into_any()
        }
        When::Score { min, max } => {
            let set = move |low: bool, v: String| {
                if let Some(s) = number::<u8>(&v) {
                    edit(Box::new(move |branch| {
                        if let When::Score { min, max } = &mut branch.when {
                            *(if low { min } else { max }) = s;
                        }
                    }))
                }
            };
            view! {
                {field(
                    draft,
                    format!("q-{key}-b{b}-min"),
                    "When the score is from",
                    path("when"),
                    Control::Number(min.to_string()),
                    None,
                    move |v: String| set(true, v),
                )}
                {field(
                    draft,
                    format!("q-{key}-b{b}-max"),
                    "to",
                    path("when.max"),
                    Control::Number(max.to_string()),
                    None,
                    move |v: String| set(false, v),
                )}
            }
            .into_any()
        }
    };
    let goto = step_value(&branch.goto);
    view! {
        <div class="branch" role="group" aria-label=format!("Branch {} of question {n}", b + 1)>
            {condition}
            {field(
                draft,
                format!("q-{key}-b{b}-goto"),
                "go to",
                path("goto"),
                Control::Select { options: steps_after(shape, i, &goto, None), current: goto.clone() },
                None,
                move |v: String| {
                    if let Some(step) = step_of(&v) {
                        edit(Box::new(move |branch| branch.goto = step))
                    }
                },
            )}
            {act(
                "remove-branch",
                "Remove",
                Some(format!("Remove branch {} of question {n}", b + 1)),
                None,
                false,
                move |()| {
                    draft.edit_question(key, |q| {
                        if b < q.branches.len() {
                            q.branches.remove(b);
                        }
                    })
                },
            )}
        </div>
    }
    .into_any()
}

/// The trigger's kinds, as its `<select>` offers them.
const TRIGGERS: [(&str, &str); 5] = [
    ("page_view", "Page view"),
    ("scroll", "Scrolling past a share of the page"),
    ("exit_intent", "Exit intent (the pointer leaves the window)"),
    ("event", "An event the page tracks"),
    ("resolution", "A resolved case's status page"),
];

fn trigger_name(on: &On) -> &'static str {
    match on {
        On::PageView => "page_view",
        On::Scroll { .. } => "scroll",
        On::ExitIntent => "exit_intent",
        On::Event { .. } => "event",
        On::Resolution => "resolution",
    }
}

/// The page's call that shows a survey triggered by an event, as the page's code has it.
#[component]
fn Snippet(draft: Draft) -> impl IntoView {
    let call = move || {
        draft.survey.with(|s| match &s.trigger.on {
            On::Event { name } => format!("hark('track', '{name}')"),
            _ => String::new(),
        })
    };
    view! {
        <p class="hint snippet-hint">"The page shows it by calling:"</p>
        <pre class="snippet"><code>{call}</code></pre>
    }
}

/// When the survey shows: what shows it, on which pages, to whom and between which dates.
fn trigger_view(draft: Draft, shape: &Shape, survey: &Survey) -> AnyView {
    let t = &survey.trigger;
    let edit = move |f: Box<dyn FnOnce(&mut Trigger)>| draft.edit(|s| f(&mut s.trigger));
    let specific = match &t.on {
        On::Scroll { percent } => view! {
            {field(
                draft,
                "trigger-percent",
                "Scrolled past (percent of the page, 1 to 100)",
                "trigger.percent",
                Control::Number(percent.to_string()),
                None,
                move |v: String| {
                    if let Some(percent) = number::<u8>(&v) {
                        edit(Box::new(move |t| t.on = On::Scroll { percent }))
                    }
                },
            )}
        }
        .into_any(),
        On::Event { name } => view! {
            {field(
                draft,
                "trigger-event",
                "Event name",
                "trigger.name",
                Control::Text(name.clone()),
                None,
                move |v: String| edit(Box::new(move |t| t.on = On::Event { name: v })),
            )}
            <Snippet draft />
        }
        .into_any(),
        On::Resolution => view! {
            <p class="hint">
                "Asked on a resolved case's status page, never on the site's pages; while active it replaces the built-in resolution survey. Its questions show all at once there, so it takes no branches."
            </p>
        }
        .into_any(),
        On::PageView | On::ExitIntent => ().into_any(),
    };
    let rules = t
        .pages
        .iter()
        .enumerate()
        .map(|(k, rule)| page_rule_view(draft, k, rule))
        .collect_view();
    view! {
        <section class="panel trigger" aria-labelledby="trigger-title">
            <h3 id="trigger-title">"When it shows"</h3>
            {field(
                draft,
                "trigger-type",
                "Shown on",
                "trigger.type",
                Control::Select { options: options(&TRIGGERS), current: shape.trigger.to_owned() },
                None,
                move |v: String| {
                    edit(Box::new(move |t| {
                        t.on = match v.as_str() {
                            "scroll" => On::Scroll { percent: 50 },
                            "exit_intent" => On::ExitIntent,
                            "event" => On::Event { name: "purchase".to_owned() },
                            "resolution" => On::Resolution,
                            _ => On::PageView,
                        }
                    }))
                },
            )}
            {specific}
            <div class="field-row">
                {field(
                    draft,
                    "trigger-delay",
                    "Delay (seconds)",
                    "trigger.delay_seconds",
                    Control::Number(t.delay_seconds.to_string()),
                    None,
                    move |v: String| {
                        if let Some(n) = number::<u32>(&v) {
                            edit(Box::new(move |t| t.delay_seconds = n))
                        }
                    },
                )}
                {field(
                    draft,
                    "trigger-sample",
                    "Visitors asked (percent)",
                    "trigger.sample_percent",
                    Control::Number(t.sample_percent.to_string()),
                    None,
                    move |v: String| {
                        if let Some(n) = number::<u8>(&v) {
                            edit(Box::new(move |t| t.sample_percent = n))
                        }
                    },
                )}
            </div>
            <div class="field-row">
                {field(
                    draft,
                    "trigger-starts",
                    "From (UTC date)",
                    "trigger.starts_at",
                    Control::Date(t.starts_at.map(seconds_date).unwrap_or_default()),
                    None,
                    move |v: String| edit(Box::new(move |t| t.starts_at = date_seconds(&v))),
                )}
                {field(
                    draft,
                    "trigger-ends",
                    "Until (UTC date)",
                    "trigger.ends_at",
                    Control::Date(t.ends_at.map(seconds_date).unwrap_or_default()),
                    None,
                    move |v: String| edit(Box::new(move |t| t.ends_at = date_seconds(&v))),
                )}
            </div>
            <fieldset class="page-rules">
                <legend>"Pages (every page when there is none)"</legend>
                {message(draft, "trigger.pages")}
                {rules}
                {act(
                    "add-page-rule",
                    "Add a page rule",
                    None,
                    Some("add-page-rule".to_owned()),
                    false,
                    move |()| {
                        draft.focus.set_value(Some("add-page-rule".to_owned()));
                        edit(Box::new(|t| t.pages.push(PageRule { kind: PageMatch::Prefix, value: "/".to_owned() })))
                    },
                )}
            </fieldset>
        </section>
    }
    .into_any()
}

/// Page rule `k` of the trigger.
fn page_rule_view(draft: Draft, k: usize, rule: &PageRule) -> impl IntoView {
    let edit = move |f: Box<dyn FnOnce(&mut PageRule)>| {
        draft.edit(|s| {
            if let Some(rule) = s.trigger.pages.get_mut(k) {
                f(rule);
            }
        })
    };
    let kind = match rule.kind {
        PageMatch::Exact => "exact",
        PageMatch::Wildcard => "wildcard",
        PageMatch::Prefix => "prefix",
    };
    view! {
        <div class="page-rule" role="group" aria-label=format!("Page rule {}", k + 1)>
            {field(
                draft,
                format!("page-{k}-match"),
                "The path",
                format!("trigger.pages[{k}].match"),
                Control::Select {
                    options: options(&[("prefix", "starts with"), ("exact", "is"), ("wildcard", "matches (* is anything)")]),
                    current: kind.to_owned(),
                },
                None,
                move |v: String| {
                    edit(Box::new(move |r| {
                        r.kind = match v.as_str() {
                            "exact" => PageMatch::Exact,
                            "wildcard" => PageMatch::Wildcard,
                            _ => PageMatch::Prefix,
                        }
                    }))
                },
            )}
            {field(
                draft,
                format!("page-{k}-value"),
                "Path",
                format!("trigger.pages[{k}].value"),
                Control::Text(rule.value.clone()),
                None,
                move |v: String| edit(Box::new(move |r| r.value = v)),
            )}
            {act(
                "remove-page-rule",
                "Remove",
                Some(format!("Remove page rule {}", k + 1)),
                None,
                false,
                move |()| {
                    draft.edit(|s| {
                        if k < s.trigger.pages.len() {
                            s.trigger.pages.remove(k);
                        }
                    })
                },
            )}
        </div>
    }
}

/// How often one visitor may be asked.
fn frequency_view(draft: Draft, shape: &Shape, survey: &Survey) -> AnyView {
    let days = match survey.frequency {
        Frequency::EveryDays { days } => Some(days),
        _ => None,
    };
    view! {
        <section class="panel frequency" aria-labelledby="frequency-title">
            <h3 id="frequency-title">"How often"</h3>
            {field(
                draft,
                "frequency-type",
                "Asked",
                "frequency.type",
                Control::Select {
                    options: options(&[
                        ("once", "Once per visitor"),
                        ("until_answered", "Until answered"),
                        ("every_days", "Again every so many days"),
                    ]),
                    current: shape.frequency.to_owned(),
                },
                None,
                move |v: String| {
                    draft.edit(|s| {
                        s.frequency = match v.as_str() {
                            "until_answered" => Frequency::UntilAnswered,
                            "every_days" => Frequency::EveryDays { days: 90 },
                            _ => Frequency::Once,
                        }
                    })
                },
            )}
            {days
                .map(|days| {
                    view! {
                        {field(
                            draft,
                            "frequency-days",
                            "Days between",
                            "frequency.days",
                            Control::Number(days.to_string()),
                            None,
                            move |v: String| {
                                if let Some(days) = number::<u16>(&v) {
                                    draft.edit(|s| s.frequency = Frequency::EveryDays { days })
                                }
                            },
                        )}
                    }
                })}
        </section>
    }
    .into_any()
}

/// The survey's words in other languages.
fn translations_view(draft: Draft, shape: &Shape, survey: &Survey) -> AnyView {
    let languages = shape
        .langs
        .iter()
        .map(|lang| translation_view(draft, shape, survey, lang))
        .collect_view();
    let new_lang = StoredValue::new(String::new());
    view! {
        <section class="panel translations" aria-labelledby="translations-title">
            <h3 id="translations-title">"Translations"</h3>
            <p class="hint">
                "A visitor whose language has a translation reads it; what is left empty stays as written above."
            </p>
            {languages}
            <div class="add-language">
                {field(
                    draft,
                    "new-language",
                    "Language code (de, pt-BR, …)",
                    "new-language",
                    Control::Text(String::new()),
                    None,
                    move |v: String| new_lang.set_value(v),
                )}
                {act(
                    "add-language-button",
                    "Add language",
                    None,
                    Some("add-language".to_owned()),
                    false,
                    move |()| {
                        let lang = new_lang.get_value().trim().to_owned();
                        if !lang.is_empty() {
                            draft.focus.set_value(Some("add-language".to_owned()));
                            draft.edit(|s| {
                                s.translations.entry(lang).or_default();
                            });
                        }
                    },
                )}
            </div>
        </section>
    }
    .into_any()
}

/// One language's words: the thank-you text and each question's.
fn translation_view(draft: Draft, shape: &Shape, survey: &Survey, lang: &str) -> AnyView {
    let translation = survey.translations.get(lang).cloned().unwrap_or_default();
    let base = format!("translations.{lang}");
    let slug: String = lang
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let lang_key = StoredValue::new(lang.to_owned());
    let questions = survey
        .questions
        .iter()
        .zip(&shape.questions)
        .map(|(q, qs)| {
            let text = translation
                .questions
                .get(&q.id)
                .cloned()
                .unwrap_or_default();
            question_translation_view(draft, lang_key, &base, &slug, q, qs.key, &text)
        })
        .collect_view();
    let title = format!("In {lang}");
    let group_label = title.clone();
    view! {
        <div class="translation" role="group" aria-label=group_label>
            <h4>{title}</h4>
            {message(draft, base.clone())}
            {field(
                draft,
                format!("tr-{slug}-thank-you"),
                "Thank-you text",
                format!("{base}.thank_you"),
                Control::Text(translation.thank_you.clone().unwrap_or_default()),
                None,
                move |v: String| {
                    draft.edit(|s| {
                        if let Some(t) = s.translations.get_mut(&lang_key.get_value()) {
                            t.thank_you = optional(v);
                        }
                    })
                },
            )}
            {questions}
            {act(
                "remove-language",
                "Remove language",
                Some(format!("Remove the translation into {lang}")),
                None,
                false,
                move |()| {
                    draft.edit(|s| {
                        s.translations.remove(&lang_key.get_value());
                    })
                },
            )}
        </div>
    }
    .into_any()
}

/// One question's words in one language.
fn question_translation_view(
    draft: Draft,
    lang: StoredValue<String>,
    base: &str,
    slug: &str,
    q: &Question,
    key: u32,
    text: &QuestionText,
) -> AnyView {
    let id = q.id.clone();
    let base = format!("{base}.questions.{id}");
    let edit = move |f: TextEdit| {
        let id = id.clone();
        draft.edit(|s| {
            let options = s
                .question(&id)
                .map(|q| match &q.kind {
                    QuestionKind::Choice { options, .. } => options.len(),
                    _ => 0,
                })
                .unwrap_or(0);
            if let Some(t) = s.translations.get_mut(&lang.get_value()) {
                let entry = t.questions.entry(id.clone()).or_default();
                f(entry, options);
                if *entry == QuestionText::default() {
                    t.questions.remove(&id);
                }
            }
        })
    };
    let labels = q.kind.scale().is_some().then(|| {
        let edit = edit.clone();
        let edit2 = edit.clone();
        view! {
            {field(
                draft,
                format!("tr-{slug}-q{key}-low"),
                "Label under the lowest score",
                format!("{base}.low"),
                Control::Text(text.low.clone().unwrap_or_default()),
                None,
                move |v: String| edit(Box::new(move |t, _| t.low = optional(v))),
            )}
            {field(
                draft,
                format!("tr-{slug}-q{key}-high"),
                "Label under the highest score",
                format!("{base}.high"),
                Control::Text(text.high.clone().unwrap_or_default()),
                None,
                move |v: String| edit2(Box::new(move |t, _| t.high = optional(v))),
            )}
        }
    });
    let options = match &q.kind {
        QuestionKind::Choice { options, .. } => options
            .iter()
            .enumerate()
            .map(|(k, option)| {
                let edit = edit.clone();
                view! {
                    {field(
                        draft,
                        format!("tr-{slug}-q{key}-option-{k}"),
                        format!("Option: {option}"),
                        format!("{base}.options[{k}]"),
                        Control::Text(text.options.get(k).cloned().unwrap_or_default()),
                        None,
                        move |v: String| {
                            edit(Box::new(move |t, n| {
                                // All of them, or none: the widget uses a translation of the
                                // options only when there is one for each.
                                if t.options.len() != n {
                                    t.options = vec![String::new(); n];
                                }
                                if let Some(o) = t.options.get_mut(k) {
                                    *o = v;
                                }
                                if t.options.iter().all(String::is_empty) {
                                    t.options.clear();
                                }
                            }))
                        },
                    )}
                }
            })
            .collect_view()
            .into_any(),
        _ => ().into_any(),
    };
    let edit_prompt = edit.clone();
    view! {
        <div class="question-translation" role="group" aria-label=format!("{} in {}", q.prompt, lang.get_value())>
            {message(draft, base.clone())}
            {field(
                draft,
                format!("tr-{slug}-q{key}-prompt"),
                format!("Prompt: {}", q.prompt),
                format!("{base}.prompt"),
                Control::Text(text.prompt.clone().unwrap_or_default()),
                None,
                move |v: String| edit_prompt(Box::new(move |t, _| t.prompt = optional(v))),
            )}
            {labels}
            {message(draft, format!("{base}.options"))}
            {options}
        </div>
    }
    .into_any()
}

/// A short name of question `i` for the paths: its number and prompt.
fn question_label(i: usize, q: &Question) -> String {
    let prompt = format::excerpt(&q.prompt, 40);
    if prompt.is_empty() {
        format!("{}. ({})", i + 1, q.id)
    } else {
        format!("{}. {prompt}", i + 1)
    }
}

/// The path each NPS group takes through the survey, and the questions no path reaches.
#[component]
fn Paths(draft: Draft) -> impl IntoView {
    let groups = Memo::new(move |_| {
        draft.survey.with(|s| {
            if !s.questions.iter().any(|q| q.kind == QuestionKind::Nps) {
                return Vec::new();
            }
            [
                ("Detractors", 0u8..=6),
                ("Passives", 7..=8),
                ("Promoters", 9..=10),
            ]
            .into_iter()
            .map(|(group, scores)| {
                // Scores of one group may part ways (a branch on 0–3 only): each way once.
                let mut ways: Vec<(Vec<u8>, Vec<usize>)> = Vec::new();
                for score in scores {
                    let path = s.path_with_score(score);
                    match ways.iter_mut().find(|(_, p)| *p == path) {
                        Some((scores, _)) => scores.push(score),
                        None => ways.push((vec![score], path)),
                    }
                }
                let ways = ways
                    .into_iter()
                    .map(|(scores, path)| {
                        let range = match (scores.first(), scores.last()) {
                            (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
                            (Some(a), _) => a.to_string(),
                            _ => String::new(),
                        };
                        let steps = path
                            .iter()
                            .filter_map(|i| s.questions.get(*i).map(|q| question_label(*i, q)))
                            .chain(std::iter::once("End".to_owned()))
                            .collect::<Vec<_>>()
                            .join(" → ");
                        (range, steps)
                    })
                    .collect::<Vec<_>>();
                (group, ways)
            })
            .collect()
        })
    });
    let unreachable = Memo::new(move |_| {
        draft.survey.with(|s| {
            s.unreachable()
                .into_iter()
                .filter_map(|i| s.questions.get(i).map(|q| question_label(i, q)))
                .collect::<Vec<_>>()
        })
    });
    view! {
        <section class="panel paths" aria-labelledby="paths-title">
            <h3 id="paths-title">"Paths"</h3>
            {move || {
                let groups = groups.get();
                if groups.is_empty() {
                    return view! { <p class="muted">"Paths are shown for surveys with an NPS question."</p> }.into_any();
                }
                view! {
                    <ul class="nps-paths">
                        {groups
                            .into_iter()
                            .map(|(group, ways)| {
                                let ways = ways
                                    .into_iter()
                                    .map(|(range, steps)| {
                                        view! {
                                            <li data-group=group.to_lowercase()>
                                                <strong>{format!("{group} ({range}): ")}</strong>
                                                <span class="path">{steps}</span>
                                            </li>
                                        }
                                    })
                                    .collect_view();
                                view! { {ways} }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
            {move || {
                let lost = unreachable.get();
                (!lost.is_empty())
                    .then(|| {
                        view! {
                            <div class="warning unreachable-summary" role="note">
                                <p>"No path reaches these questions, so no visitor is asked them:"</p>
                                <ul>{lost.into_iter().map(|q| view! { <li>{q}</li> }).collect_view()}</ul>
                            </div>
                        }
                    })
            }}
        </section>
    }
}

/// The saved versions of a survey, newest first.
///
/// - `id`: the survey.
/// - `changed`: raised after each save, to list them again.
#[component]
fn Versions(id: SurveyId, changed: RwSignal<u32>) -> impl IntoView {
    let desk = Desk::expect();
    let listed = RwSignal::new(None::<Result<Vec<SurveyVersionInfo>, String>>);
    let api = desk.api.clone();
    Effect::new(move |_| {
        changed.track();
        let (api, id) = (api.clone(), id.clone());
        spawn_local(async move {
            let result = api
                .survey_versions(&id)
                .await
                .map_err(|e| e.message().to_owned());
            listed.try_set(Some(result));
        });
    });
    let table = move || match listed.get() {
        None => view! { <p class="loading" role="status">"Loading the versions…"</p> }.into_any(),
        Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
        Some(Ok(versions)) => {
            let rows = versions
                .into_iter()
                .rev()
                .map(|v| {
                    view! {
                        <tr data-version=v.version>
                            <td>{v.version}</td>
                            <td>{format::received_at(&v.created_at)}</td>
                            <td>{v.name}</td>
                            <td>{v.questions}</td>
                            <td>{v.answers}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <table class="version-list">
                    <caption class="visually-hidden">"Versions, newest first"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Version"</th>
                            <th scope="col">"Saved (UTC)"</th>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Questions"</th>
                            <th scope="col">"Answers"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            }
            .into_any()
        }
    };
    view! {
        <section class="panel versions" aria-labelledby="versions-title">
            <h3 id="versions-title">"Versions"</h3>
            <p class="hint">"Each save is a new version; each answer keeps the version it answered."</p>
            {table}
        </section>
    }
}
