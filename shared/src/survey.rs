//! Surveys as a site configures them: questions, branching, triggers and frequency.
//!
//! A [`Survey`] that exists is valid: deserializing one runs [`Survey::check`], which the widget
//! also runs on the config it receives, so that both sides refuse the same surveys. Its messages
//! are fixed strings: the widget runs this code on customers' pages, where formatting machinery
//! costs kilobytes.

use crate::ids::{QuestionId, SurveyId};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

/// The longest prompt, option label, scale label or thank-you text, in characters (as JSON
/// Schema's `maxLength` counts them, so that the API's document can say it).
pub const MAX_LABEL: usize = 500;
/// The most options a choice question may offer.
pub const MAX_OPTIONS: usize = 20;
/// The most questions in one survey.
pub const MAX_QUESTIONS: usize = 30;
/// The longest free-text answer, in characters.
pub const MAX_TEXT: u16 = 5000;
/// The most branches one question may have.
pub const MAX_BRANCHES: usize = 10;

/// One question of a survey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Question {
    pub id: QuestionId,
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 500, pattern = r"\S")
    )]
    pub prompt: String,
    /// What kind of answer it takes; `type` on the wire.
    #[serde(flatten)]
    pub kind: QuestionKind,
    /// A visitor may go on without answering.
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
    /// Scales: the words under the lowest and the highest point (the widget has defaults).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 500, pattern = r"\S")
    )]
    pub low: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 500, pattern = r"\S")
    )]
    pub high: Option<String>,
    /// Where an answer leads, first match wins; otherwise to [`Question::next`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    pub branches: Vec<Branch>,
    /// Where the survey goes after this question when no branch matched: by default the next
    /// question in order, or the end after the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Step>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The kinds of question, tagged by `type` on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuestionKind {
    /// "How likely are you to recommend …?", 0 to 10.
    Nps,
    /// Customer satisfaction, 1 to 5, shown as stars or faces.
    Csat {
        #[serde(default)]
        style: CsatStyle,
    },
    /// Customer effort, 1 (very difficult) to 7 (very easy).
    Ces,
    /// A rating from 1 to `max` (2 to 10).
    Rating {
        #[cfg_attr(feature = "openapi", schema(minimum = 2, maximum = 10))]
        max: u8,
    },
    /// One of `options` (or several with `multiple`), and with `other` a free "Other" answer.
    Choice {
        #[cfg_attr(feature = "openapi", schema(min_items = 2, max_items = 20, inline, value_type = Vec<crate::openapi::Label>))]
        options: Vec<String>,
        #[serde(default, skip_serializing_if = "is_false")]
        multiple: bool,
        #[serde(default, skip_serializing_if = "is_false")]
        other: bool,
    },
    /// Free text of at most `max_len` characters.
    Text {
        #[serde(default = "default_max_len")]
        #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 5000))]
        max_len: u16,
    },
}

fn default_max_len() -> u16 {
    1000
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CsatStyle {
    #[default]
    Stars,
    Faces,
}

impl QuestionKind {
    /// The lowest and highest score of a scale question; `None` for choices and text.
    pub fn scale(&self) -> Option<(u8, u8)> {
        match self {
            QuestionKind::Nps => Some((0, 10)),
            QuestionKind::Csat { .. } => Some((1, 5)),
            QuestionKind::Ces => Some((1, 7)),
            QuestionKind::Rating { max } => Some((1, *max)),
            QuestionKind::Choice { .. } | QuestionKind::Text { .. } => None,
        }
    }

    /// The wire name (`type`) of this kind.
    pub fn name(&self) -> &'static str {
        match self {
            QuestionKind::Nps => "nps",
            QuestionKind::Csat { .. } => "csat",
            QuestionKind::Ces => "ces",
            QuestionKind::Rating { .. } => "rating",
            QuestionKind::Choice { .. } => "choice",
            QuestionKind::Text { .. } => "text",
        }
    }
}

/// A step of a survey: a question, or the end (the thank-you step). On the wire, the question's
/// id or `"end"` (which is why no question may be called `end`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Step {
    Question(QuestionId),
    End,
}

impl TryFrom<String> for Step {
    type Error = crate::ids::IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        if s == "end" {
            Ok(Step::End)
        } else {
            QuestionId::parse(s).map(Step::Question)
        }
    }
}

impl From<Step> for String {
    fn from(s: Step) -> String {
        match s {
            Step::Question(id) => id.as_str().to_owned(),
            Step::End => "end".to_owned(),
        }
    }
}

/// "When the answer is …, go to …".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Branch {
    pub when: When,
    pub goto: Step,
}

/// The condition of a [`Branch`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum When {
    /// A scale's score is within `min..=max`.
    Score { min: u8, max: u8 },
    /// The option at `index` was chosen (one of them, for a multiple choice).
    Choice { index: u16 },
}

impl When {
    /// Whether an answer with `score` (scales) or these chosen options matches.
    pub fn matches(&self, score: Option<u8>, chosen: &[u16]) -> bool {
        match *self {
            When::Score { min, max } => score.is_some_and(|s| min <= s && s <= max),
            When::Choice { index } => chosen.contains(&index),
        }
    }
}

/// When a survey may be shown. The loader evaluates it on the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Trigger {
    /// What shows it; `type` on the wire.
    #[serde(flatten)]
    pub on: On,
    /// Only on pages whose path matches one of these (all pages when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(max_items = 50))]
    pub pages: Vec<PageRule>,
    /// Seconds to wait after the event before showing.
    #[serde(default, skip_serializing_if = "is_zero")]
    #[cfg_attr(feature = "openapi", schema(format = Int64, minimum = 0, maximum = 4294967295_u64))]
    pub delay_seconds: u32,
    /// The share of visitors (0 to 100) who are asked at all.
    #[serde(default = "hundred")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100))]
    pub sample_percent: u8,
    /// Unix seconds: not shown before, and not after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<i64>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn hundred() -> u8 {
    100
}

impl Trigger {
    /// On every page view, at once, for everyone.
    pub fn page_view() -> Self {
        Self {
            on: On::PageView,
            pages: Vec::new(),
            delay_seconds: 0,
            sample_percent: 100,
            starts_at: None,
            ends_at: None,
        }
    }
}

/// The event that shows a survey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum On {
    /// Loading a page, or a single-page app's route change (history API).
    PageView,
    /// Scrolling past `percent` of the page.
    Scroll {
        #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100))]
        percent: u8,
    },
    /// The pointer leaving the top of the window (desktop).
    ExitIntent,
    /// `hark('track', name)` called by the page, e.g. after a purchase.
    Event {
        #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9_-]{1,64}$"))]
        name: String,
    },
    /// Never on the site's pages: the survey a customer answers about their resolved case, on
    /// its status page (`/c/{token}`). A site's active survey with this trigger replaces the
    /// built-in one.
    Resolution,
}

/// A rule for the page's path (`location.pathname`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PageRule {
    #[serde(rename = "match")]
    pub kind: PageMatch,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 2048))]
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PageMatch {
    Exact,
    Prefix,
    /// `*` stands for any run of characters, e.g. `/product/*/reviews`.
    Wildcard,
}

impl PageRule {
    /// Whether the page path `path` matches (the loader implements the same rule in JS).
    pub fn matches(&self, path: &str) -> bool {
        match self.kind {
            PageMatch::Exact => path == self.value,
            PageMatch::Prefix => path.starts_with(&self.value),
            PageMatch::Wildcard => wildcard(self.value.as_bytes(), path.as_bytes()),
        }
    }
}

fn wildcard(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|i| wildcard(rest, &text[i..])),
        Some((c, rest)) => text.first() == Some(c) && wildcard(rest, &text[1..]),
    }
}

/// How often one visitor may be asked a survey. Kept on the device by the loader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Frequency {
    /// Once: shown once, answered or dismissed.
    Once,
    /// Again on later visits until answered; a dismissal still waits out the site's cooldown.
    UntilAnswered,
    /// Periodic: again `days` after it was last shown.
    EveryDays {
        #[cfg_attr(feature = "openapi", schema(minimum = 1))]
        days: u16,
    },
}

/// Text of a survey in another language, by language code (`de`, `pt`, …).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Translation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thank_you: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub questions: BTreeMap<QuestionId, QuestionText>,
}

/// The words of one question in another language; what is missing stays as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionText {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<String>,
}

/// A survey: what the widget receives (the collector fills in `version` and, for the visitor's
/// language, applies `translations` before sending it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "SurveyDraft")]
pub struct Survey {
    pub id: SurveyId,
    /// Raised by every edit; each answer records the version it answered.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(format = Int64, minimum = 0, maximum = 4294967295_u64))]
    pub version: u32,
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 500, pattern = r"\S")
    )]
    pub name: String,
    pub trigger: Trigger,
    pub frequency: Frequency,
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 30))]
    pub questions: Vec<Question>,
    /// Said after the last step (the widget has a default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 500, pattern = r"\S")
    )]
    pub thank_you: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: BTreeMap<String, Translation>,
}

/// A survey's fields as written, before [`Survey::check`]: the collector reads a body as this
/// and checks it itself, to answer with the field a refusal concerns; the builder opens a
/// stored survey as this, so that one a later check would refuse can still be opened and fixed.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurveyDraft {
    id: SurveyId,
    #[serde(default)]
    version: u32,
    name: String,
    trigger: Trigger,
    frequency: Frequency,
    questions: Vec<Question>,
    #[serde(default)]
    thank_you: Option<String>,
    #[serde(default)]
    translations: BTreeMap<String, Translation>,
}

impl SurveyDraft {
    /// The survey as written, whether or not [`Survey::check`] takes it: for an editor to show
    /// and fix, never to store or to ask.
    pub fn unchecked(self) -> Survey {
        Survey {
            id: self.id,
            version: self.version,
            name: self.name,
            trigger: self.trigger,
            frequency: self.frequency,
            questions: self.questions,
            thank_you: self.thank_you,
            translations: self.translations,
        }
    }
}

impl TryFrom<SurveyDraft> for Survey {
    type Error = Invalid;
    fn try_from(draft: SurveyDraft) -> Result<Self, Invalid> {
        let survey = draft.unchecked();
        survey.check()?;
        Ok(survey)
    }
}

fn label_ok(s: &str) -> bool {
    !s.trim().is_empty() && s.chars().count() <= MAX_LABEL
}

fn optional_label_ok(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(label_ok)
}

impl Survey {
    /// Whether the survey is shown on the site's pages (and answered through ingest): every
    /// one but the resolution survey, which is answered only about a case.
    pub fn on_pages(&self) -> bool {
        self.trigger.on != On::Resolution
    }

    pub fn question(&self, id: &QuestionId) -> Option<&Question> {
        self.questions.iter().find(|q| &q.id == id)
    }

    fn position(&self, id: &QuestionId) -> Option<usize> {
        self.questions.iter().position(|q| &q.id == id)
    }

    /// Everything that makes a survey askable: sizes, limits, unique ids, and branches that only
    /// lead forward (so every path ends) to questions that exist. The refusal names the field
    /// it concerns by its path in the survey's JSON ([`Invalid::field`]).
    pub fn check(&self) -> Result<(), Invalid> {
        let fail = |why: &'static str, field: Field| Err(Invalid::new(why).at(field.0));
        if !label_ok(&self.name) {
            return fail(
                "a survey's name must be 1 to 500 characters",
                Field::root("name"),
            );
        }
        if self.questions.is_empty() || self.questions.len() > MAX_QUESTIONS {
            return fail("a survey has 1 to 30 questions", Field::root("questions"));
        }
        if !optional_label_ok(&self.thank_you) {
            return fail(
                "the thank-you text must be 1 to 500 characters",
                Field::root("thank_you"),
            );
        }
        let t = &self.trigger;
        let trigger = || Field::root("trigger");
        if t.sample_percent > 100 {
            return fail(
                "sample_percent is 0 to 100",
                trigger().key("sample_percent"),
            );
        }
        const PAGES: &str = "up to 50 page rules of 1 to 2048 characters";
        if t.pages.len() > 50 {
            return fail(PAGES, trigger().key("pages"));
        }
        if let Some(k) = t
            .pages
            .iter()
            .position(|p| p.value.is_empty() || p.value.chars().count() > 2048)
        {
            return fail(PAGES, trigger().key("pages").index(k).key("value"));
        }
        if let (Some(start), Some(end)) = (t.starts_at, t.ends_at) {
            if end <= start {
                return fail(
                    "ends_at must come after starts_at",
                    trigger().key("ends_at"),
                );
            }
        }
        match &t.on {
            On::Scroll { percent } if *percent == 0 || *percent > 100 => {
                return fail(
                    "a scroll trigger's percent is 1 to 100",
                    trigger().key("percent"),
                )
            }
            On::Event { name } if !crate::ids::is_token(name) => {
                return fail(
                    "an event name is 1 to 64 characters of a-z, A-Z, 0-9, '_' or '-'",
                    trigger().key("name"),
                )
            }
            _ => {}
        }
        if let Frequency::EveryDays { days: 0 } = self.frequency {
            return fail(
                "every_days needs at least 1 day",
                Field::root("frequency").key("days"),
            );
        }
        let question = |i: usize| Field::root("questions").index(i);
        for (i, q) in self.questions.iter().enumerate() {
            if q.id.as_str() == "end" {
                return fail(
                    "no question may be called 'end': it names the end of a survey",
                    question(i).key("id"),
                );
            }
            if self.questions[..i].iter().any(|p| p.id == q.id) {
                return fail("two questions have the same id", question(i).key("id"));
            }
        }
        for (i, q) in self.questions.iter().enumerate() {
            const LABELS: &str = "a question's prompt and labels must be 1 to 500 characters";
            if !label_ok(&q.prompt) {
                return fail(LABELS, question(i).key("prompt"));
            }
            if !optional_label_ok(&q.low) {
                return fail(LABELS, question(i).key("low"));
            }
            if !optional_label_ok(&q.high) {
                return fail(LABELS, question(i).key("high"));
            }
            let options = match &q.kind {
                QuestionKind::Rating { max } if !(2..=10).contains(max) => {
                    return fail("a rating's max is 2 to 10", question(i).key("max"))
                }
                QuestionKind::Choice { options, .. } => {
                    if options.len() < 2 || options.len() > MAX_OPTIONS {
                        return fail(
                            "a choice question has 2 to 20 options",
                            question(i).key("options"),
                        );
                    }
                    if let Some(k) = options.iter().position(|o| !label_ok(o)) {
                        return fail(
                            "an option must be 1 to 500 characters",
                            question(i).key("options").index(k),
                        );
                    }
                    options.len()
                }
                QuestionKind::Text { max_len } if *max_len == 0 || *max_len > MAX_TEXT => {
                    return fail(
                        "a text question's max_len is 1 to 5000",
                        question(i).key("max_len"),
                    )
                }
                _ => 0,
            };
            if q.branches.len() > MAX_BRANCHES {
                return fail(
                    "a question has at most 10 branches",
                    question(i).key("branches"),
                );
            }
            let leads_forward = |step: &Step| match step {
                Step::End => true,
                Step::Question(to) => self.position(to).is_some_and(|j| j > i),
            };
            for (b, branch) in q.branches.iter().enumerate() {
                let fits = match (&branch.when, q.kind.scale()) {
                    (When::Score { min, max }, Some((lo, hi))) => {
                        lo <= *min && min <= max && *max <= hi
                    }
                    (When::Choice { index }, None) => usize::from(*index) < options,
                    _ => false,
                };
                let at = || question(i).key("branches").index(b);
                if !fits {
                    return fail(
                        "a branch's condition does not fit its question",
                        at().key("when"),
                    );
                }
                if !leads_forward(&branch.goto) {
                    return fail(
                        "a branch must lead to a later question or to the end",
                        at().key("goto"),
                    );
                }
            }
            if !q.next.as_ref().is_none_or(leads_forward) {
                return fail(
                    "next must be a later question or the end",
                    question(i).key("next"),
                );
            }
        }
        for (lang, t) in &self.translations {
            let translation = || Field::root("translations").key(lang);
            if !crate::i18n::is_lang(lang) {
                return fail(
                    "translations are keyed by a language code such as 'de'",
                    translation(),
                );
            }
            if !optional_label_ok(&t.thank_you) {
                return fail(
                    "a translated thank-you text must be 1 to 500 characters",
                    translation().key("thank_you"),
                );
            }
            for (id, text) in &t.questions {
                let at = || translation().key("questions").key(id.as_str());
                if self.question(id).is_none() {
                    return fail(
                        "a translation names a question the survey does not have",
                        at(),
                    );
                }
                const LABELS: &str = "translated labels must be 1 to 500 characters";
                if !optional_label_ok(&text.prompt) {
                    return fail(LABELS, at().key("prompt"));
                }
                if !optional_label_ok(&text.low) {
                    return fail(LABELS, at().key("low"));
                }
                if !optional_label_ok(&text.high) {
                    return fail(LABELS, at().key("high"));
                }
                if text.options.len() > MAX_OPTIONS {
                    return fail(LABELS, at().key("options"));
                }
                if let Some(k) = text.options.iter().position(|o| !label_ok(o)) {
                    return fail(LABELS, at().key("options").index(k));
                }
            }
        }
        Ok(())
    }

    /// The step after question `index` for an answer with `score` / `chosen` options.
    pub fn after(&self, index: usize, score: Option<u8>, chosen: &[u16]) -> Option<usize> {
        let q = self.questions.get(index)?;
        let step = q
            .branches
            .iter()
            .find(|b| b.when.matches(score, chosen))
            .map(|b| &b.goto)
            .or(q.next.as_ref());
        match step {
            Some(Step::End) => None,
            Some(Step::Question(id)) => self.position(id),
            None => (index + 1 < self.questions.len()).then_some(index + 1),
        }
    }

    /// The answers to question `index` that lead to different steps: each score of a scale,
    /// each option of a choice alone (choosing several leads where one of them alone does, the
    /// first matching branch winning), and no answer where one may go on without (an optional
    /// question, a choice's own "Other" text, any text question).
    fn distinct_answers(&self, index: usize) -> Vec<(Option<u8>, Vec<u16>)> {
        let Some(q) = self.questions.get(index) else {
            return Vec::new();
        };
        let mut answers = Vec::new();
        let none = match &q.kind {
            QuestionKind::Choice { options, other, .. } => {
                let n = u16::try_from(options.len()).unwrap_or(u16::MAX);
                answers.extend((0..n).map(|k| (None, vec![k])));
                *other
            }
            QuestionKind::Text { .. } => true,
            kind => {
                if let Some((lo, hi)) = kind.scale() {
                    answers.extend((lo..=hi).map(|s| (Some(s), Vec::new())));
                }
                false
            }
        };
        if none || q.optional {
            answers.push((None, Vec::new()));
        }
        answers
    }

    /// Which questions some visitor can reach from the first, by any answers through every
    /// branch and `next`: `reachable()[i]` for question `i`. Works on a draft that
    /// [`Survey::check`] would refuse too (a branch leading back is followed once).
    pub fn reachable(&self) -> Vec<bool> {
        let mut reached = vec![false; self.questions.len()];
        let mut todo = Vec::new();
        if !reached.is_empty() {
            reached[0] = true;
            todo.push(0);
        }
        while let Some(i) = todo.pop() {
            for (score, chosen) in self.distinct_answers(i) {
                if let Some(j) = self.after(i, score, &chosen) {
                    if !reached[j] {
                        reached[j] = true;
                        todo.push(j);
                    }
                }
            }
        }
        reached
    }

    /// The questions no visitor can reach, by index, in order.
    pub fn unreachable(&self) -> Vec<usize> {
        self.reachable()
            .iter()
            .enumerate()
            .filter(|(_, r)| !**r)
            .map(|(i, _)| i)
            .collect()
    }

    /// The questions, by index and in order, that a visitor passes through who gives every
    /// NPS question `score` and answers every other question without taking a branch (where it
    /// cannot be skipped, with the first score or option that takes none, if there is one).
    /// Stops where a draft would lead back.
    pub fn path_with_score(&self, score: u8) -> Vec<usize> {
        let mut path = Vec::new();
        let mut at = (!self.questions.is_empty()).then_some(0);
        while let Some(i) = at {
            if path.last().is_some_and(|last| *last >= i) {
                break;
            }
            path.push(i);
            let q = &self.questions[i];
            let next = if q.kind == QuestionKind::Nps {
                self.after(i, Some(score), &[])
            } else {
                let unbranched = self
                    .distinct_answers(i)
                    .into_iter()
                    .find(|(s, c)| !q.branches.iter().any(|b| b.when.matches(*s, c)));
                match unbranched {
                    Some((s, c)) => self.after(i, s, &c),
                    None => self.after(i, None, &[]),
                }
            };
            at = next;
        }
        path
    }

    /// This survey in `lang`: its translation applied where there is one, translations dropped.
    pub fn localized(mut self, lang: &str) -> Survey {
        let translations = std::mem::take(&mut self.translations);
        let Some(t) = translations.get(lang) else {
            return self;
        };
        if let Some(thanks) = &t.thank_you {
            self.thank_you = Some(thanks.clone());
        }
        for q in &mut self.questions {
            let Some(text) = t.questions.get(&q.id) else {
                continue;
            };
            if let Some(prompt) = &text.prompt {
                q.prompt = prompt.clone();
            }
            if text.low.is_some() {
                q.low = text.low.clone();
            }
            if text.high.is_some() {
                q.high = text.high.clone();
            }
            if let QuestionKind::Choice { options, .. } = &mut q.kind {
                if text.options.len() == options.len() {
                    options.clone_from(&text.options);
                }
            }
        }
        self
    }
}

/// Why a value was refused, in words a developer can act on, and where a check knows it, the
/// field it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    message: Cow<'static, str>,
    field: Option<String>,
}

impl Invalid {
    pub fn new(message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            message: message.into(),
            field: None,
        }
    }

    /// This refusal, concerning the field at `path` (as [`Invalid::field`] names it).
    pub fn at(mut self, path: impl Into<String>) -> Self {
        self.field = Some(path.into());
        self
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// The field refused, by its path in the value's JSON: `name`, `trigger.sample_percent`,
    /// `questions[2].branches[0].goto`, `translations.de.questions.score.prompt`.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// A field's path as [`Survey::check`] builds it. Written by hand rather than with `format!`:
/// the widget runs the check on customers' pages, where formatting machinery costs kilobytes.
struct Field(String);

impl Field {
    fn root(key: &str) -> Self {
        Field(key.to_owned())
    }

    fn key(mut self, key: &str) -> Self {
        self.0.push('.');
        self.0.push_str(key);
        self
    }

    fn index(mut self, i: usize) -> Self {
        self.0.push('[');
        let mut digits = [0u8; 20];
        let mut n = i;
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        for d in &digits[at..] {
            self.0.push(char::from(*d));
        }
        self.0.push(']');
        self
    }
}

impl std::error::Error for Invalid {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn branching() -> serde_json::Value {
        json!({
            "id": "nps", "name": "NPS",
            "trigger": {"type": "page_view"}, "frequency": {"type": "once"},
            "questions": [
                {"id": "score", "type": "nps", "prompt": "How likely?", "branches": [
                    {"when": {"type": "score", "min": 0, "max": 6}, "goto": "wrong"},
                    {"when": {"type": "score", "min": 9, "max": 10}, "goto": "love"}
                ], "next": "end"},
                {"id": "wrong", "type": "text", "prompt": "What went wrong?", "next": "end"},
                {"id": "love", "type": "choice", "prompt": "What do you love?",
                 "options": ["Price", "Speed"], "multiple": true, "other": true}
            ]
        })
    }

    #[test]
    fn branching_takes_each_path() {
        let s: Survey = serde_json::from_value(branching()).unwrap();
        assert_eq!(s.after(0, Some(3), &[]), Some(1), "detractor");
        assert_eq!(s.after(0, Some(10), &[]), Some(2), "promoter");
        assert_eq!(s.after(0, Some(8), &[]), None, "passive ends");
        assert_eq!(s.after(1, None, &[]), None, "after what went wrong");
        assert_eq!(s.after(2, None, &[0]), None, "last question");
    }

    #[test]
    fn surveys_round_trip() {
        let s: Survey = serde_json::from_value(branching()).unwrap();
        let again: Survey = serde_json::from_value(serde_json::to_value(&s).unwrap()).unwrap();
        assert_eq!(s, again);
        assert_eq!(s.trigger, Trigger::page_view());
    }

    #[test]
    fn bad_surveys_say_why_and_where() {
        // (where the change goes, the value, what the message says, the field it names: none
        // for a body serde refuses before any check runs).
        let cases: [(&str, serde_json::Value, &str, Option<&str>); 10] = [
            (
                "/questions/0/branches/0/goto",
                json!("nowhere"),
                "later question",
                Some("questions[0].branches[0].goto"),
            ),
            (
                "/questions/1/next",
                json!("score"),
                "later question",
                Some("questions[1].next"),
            ),
            (
                "/questions/0/branches/0/when/max",
                json!(11),
                "does not fit",
                Some("questions[0].branches[0].when"),
            ),
            (
                "/questions/2/options",
                json!(vec!["x"; 10_000]),
                "2 to 20 options",
                Some("questions[2].options"),
            ),
            (
                "/questions/2/options",
                json!(["only"]),
                "2 to 20 options",
                Some("questions[2].options"),
            ),
            (
                "/questions/1/prompt",
                json!(" "),
                "1 to 500 characters",
                Some("questions[1].prompt"),
            ),
            (
                "/questions/1/id",
                json!("love"),
                "same id",
                Some("questions[2].id"),
            ),
            (
                "/trigger",
                json!({"type": "page_view", "sample_percent": 101}),
                "0 to 100",
                Some("trigger.sample_percent"),
            ),
            ("/questions/1/type", json!("essay"), "unknown variant", None),
            (
                "/frequency",
                json!({"type": "every_days", "days": 0}),
                "1 day",
                Some("frequency.days"),
            ),
        ];
        for (path, value, expected, field) in cases {
            let mut s = branching();
            *s.pointer_mut(path).unwrap() = value;
            // Deserializing a survey runs the check, with the same message.
            let err = serde_json::from_value::<Survey>(s.clone())
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(expected),
                "{path}: {err} should say {expected}"
            );
            let refused = serde_json::from_value::<SurveyDraft>(s)
                .map(|draft| draft.unchecked().check().unwrap_err());
            match refused {
                Ok(invalid) => {
                    assert_eq!(invalid.message(), err, "{path}");
                    assert_eq!(invalid.field(), field, "{path}");
                }
                Err(e) => {
                    assert_eq!(field, None, "{path}: serde refused it first: {e}");
                    assert_eq!(e.to_string(), err, "{path}");
                }
            }
        }
    }

    /// The invalid surveys the collector's and the dashboard's tests share: each is refused by
    /// one check, with its message and the field it names.
    #[test]
    fn every_shared_invalid_survey_names_its_message_and_field() {
        let cases: Vec<serde_json::Value> =
            serde_json::from_str(include_str!("../tests/invalid_surveys.json")).unwrap();
        assert!(cases.len() >= 10);
        for case in cases {
            let draft: SurveyDraft = serde_json::from_value(case["survey"].clone()).unwrap();
            let invalid = draft.unchecked().check().unwrap_err();
            assert_eq!(invalid.message(), case["message"], "{case}");
            assert_eq!(invalid.field(), case["field"].as_str(), "{case}");
        }
    }

    fn question(id: &str, kind: QuestionKind) -> Question {
        Question {
            id: QuestionId::parse(id).unwrap(),
            prompt: "?".into(),
            kind,
            optional: false,
            low: None,
            high: None,
            branches: Vec::new(),
            next: None,
        }
    }

    fn to(id: &str) -> Step {
        Step::Question(QuestionId::parse(id).unwrap())
    }

    fn score(min: u8, max: u8, goto: Step) -> Branch {
        Branch {
            when: When::Score { min, max },
            goto,
        }
    }

    #[test]
    fn reachability_follows_every_branch_and_next() {
        let text = || QuestionKind::Text { max_len: 100 };
        let choice = |other| QuestionKind::Choice {
            options: vec!["a".into(), "b".into()],
            multiple: false,
            other,
        };
        let branched = |mut q: Question, branches: Vec<Branch>, next: Option<Step>| {
            q.branches = branches;
            q.next = next;
            q
        };
        let choose = |index, goto| Branch {
            when: When::Choice { index },
            goto,
        };
        let cases: Vec<(&str, Vec<Question>, Vec<usize>)> = vec![
            (
                "in order, every question",
                vec![question("a", QuestionKind::Nps), question("b", text())],
                vec![],
            ),
            (
                "branches cover every score: what follows in order is skipped",
                vec![
                    branched(
                        question("a", QuestionKind::Nps),
                        vec![score(0, 6, to("c")), score(7, 10, Step::End)],
                        None,
                    ),
                    question("b", text()),
                    question("c", text()),
                ],
                vec![1],
            ),
            (
                "an optional question may be skipped past its branches",
                vec![
                    {
                        let mut q = branched(
                            question("a", QuestionKind::Nps),
                            vec![score(0, 10, to("c"))],
                            None,
                        );
                        q.optional = true;
                        q
                    },
                    question("b", text()),
                    question("c", text()),
                ],
                vec![],
            ),
            (
                "a scale branch leaves a gap: the gap goes on in order",
                vec![
                    branched(
                        question("a", QuestionKind::Ces),
                        vec![score(1, 3, to("c"))],
                        None,
                    ),
                    question("b", text()),
                    question("c", text()),
                ],
                vec![],
            ),
            (
                "next to the end leaves the rest unreachable",
                vec![
                    branched(question("a", text()), vec![], Some(Step::End)),
                    question("b", text()),
                    question("c", text()),
                ],
                vec![1, 2],
            ),
            (
                "next jumps over a question",
                vec![
                    branched(question("a", text()), vec![], Some(to("c"))),
                    question("b", text()),
                    question("c", text()),
                ],
                vec![1],
            ),
            (
                "each option branches: no option goes on in order",
                vec![
                    branched(
                        question("a", choice(false)),
                        vec![choose(0, to("c")), choose(1, Step::End)],
                        None,
                    ),
                    question("b", text()),
                    question("c", text()),
                ],
                vec![1],
            ),
            (
                "an Other answer takes no branch",
                vec![
                    branched(
                        question("a", choice(true)),
                        vec![choose(0, to("c")), choose(1, Step::End)],
                        None,
                    ),
                    question("b", text()),
                    question("c", text()),
                ],
                vec![],
            ),
            (
                "a second branch on the same option never wins",
                vec![
                    branched(
                        question("a", choice(false)),
                        vec![choose(0, to("c")), choose(0, to("b")), choose(1, to("c"))],
                        None,
                    ),
                    question("b", text()),
                    question("c", text()),
                ],
                vec![1],
            ),
            (
                "what only an unreachable question leads to is unreachable too",
                vec![
                    branched(question("a", text()), vec![], Some(to("d"))),
                    branched(question("b", text()), vec![], Some(to("c"))),
                    question("c", text()),
                    question("d", text()),
                ],
                vec![1, 2],
            ),
        ];
        for (what, questions, unreachable) in cases {
            let mut s: Survey = serde_json::from_value(branching()).unwrap();
            s.questions = questions;
            assert_eq!(s.check(), Ok(()), "{what}");
            assert_eq!(s.unreachable(), unreachable, "{what}");
        }
        let s: Survey = serde_json::from_value(branching()).unwrap();
        assert_eq!(s.unreachable(), Vec::<usize>::new());
    }

    #[test]
    fn each_nps_group_takes_its_path() {
        let s: Survey = serde_json::from_value(branching()).unwrap();
        for (score, path) in [
            (0, vec![0, 1]),
            (6, vec![0, 1]),
            (7, vec![0]),
            (8, vec![0]),
            (9, vec![0, 2]),
            (10, vec![0, 2]),
        ] {
            assert_eq!(s.path_with_score(score), path, "score {score}");
        }
        // A draft whose branch leads back stops there rather than going round.
        let mut back = s.clone();
        back.questions[1].next = Some(to("score"));
        assert_eq!(back.path_with_score(3), vec![0, 1]);
        assert_eq!(back.reachable(), vec![true, true, true]);
    }

    #[test]
    fn page_rules_match_paths() {
        let rule = |kind, value: &str| PageRule {
            kind,
            value: value.into(),
        };
        let cases = [
            (rule(PageMatch::Exact, "/cart"), "/cart", true),
            (rule(PageMatch::Exact, "/cart"), "/cart/", false),
            (rule(PageMatch::Prefix, "/blog/"), "/blog/post-1", true),
            (rule(PageMatch::Prefix, "/blog/"), "/blog", false),
            (
                rule(PageMatch::Wildcard, "/p/*/reviews"),
                "/p/42/reviews",
                true,
            ),
            (
                rule(PageMatch::Wildcard, "/p/*/reviews"),
                "/p/42/specs",
                false,
            ),
            (rule(PageMatch::Wildcard, "*"), "/anything", true),
        ];
        for (rule, path, expected) in cases {
            assert_eq!(rule.matches(path), expected, "{rule:?} on {path}");
        }
    }

    #[test]
    fn translations_apply_to_one_language() {
        let mut s = branching();
        s["translations"] = json!({"de": {"thank_you": "Danke!", "questions": {
            "score": {"prompt": "Wie wahrscheinlich?"},
            "love": {"options": ["Preis", "Tempo"]}
        }}});
        let s: Survey = serde_json::from_value(s).unwrap();
        let de = s.clone().localized("de");
        assert_eq!(de.questions[0].prompt, "Wie wahrscheinlich?");
        assert_eq!(de.thank_you.as_deref(), Some("Danke!"));
        assert!(
            matches!(&de.questions[2].kind, QuestionKind::Choice { options, .. } if options[0] == "Preis")
        );
        assert!(de.translations.is_empty());
        assert_eq!(s.clone().localized("fr").questions[0].prompt, "How likely?");
    }
}
