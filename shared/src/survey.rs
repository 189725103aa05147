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

/// The longest prompt, option label, scale label or thank-you text, in bytes.
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
pub struct Question {
    pub id: QuestionId,
    pub prompt: String,
    /// What kind of answer it takes; `type` on the wire.
    #[serde(flatten)]
    pub kind: QuestionKind,
    /// A visitor may go on without answering.
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
    /// Scales: the words under the lowest and the highest point (the widget has defaults).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<String>,
    /// Where an answer leads, first match wins; otherwise to [`Question::next`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
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
    Rating { max: u8 },
    /// One of `options` (or several with `multiple`), and with `other` a free "Other" answer.
    Choice {
        options: Vec<String>,
        #[serde(default, skip_serializing_if = "is_false")]
        multiple: bool,
        #[serde(default, skip_serializing_if = "is_false")]
        other: bool,
    },
    /// Free text of at most `max_len` characters.
    Text {
        #[serde(default = "default_max_len")]
        max_len: u16,
    },
}

fn default_max_len() -> u16 {
    1000
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct Branch {
    pub when: When,
    pub goto: Step,
}

/// The condition of a [`Branch`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct Trigger {
    /// What shows it; `type` on the wire.
    #[serde(flatten)]
    pub on: On,
    /// Only on pages whose path matches one of these (all pages when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pages: Vec<PageRule>,
    /// Seconds to wait after the event before showing.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub delay_seconds: u32,
    /// The share of visitors (0 to 100) who are asked at all.
    #[serde(default = "hundred")]
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
#[serde(tag = "type", rename_all = "snake_case")]
pub enum On {
    /// Loading a page, or a single-page app's route change (history API).
    PageView,
    /// Scrolling past `percent` of the page.
    Scroll { percent: u8 },
    /// The pointer leaving the top of the window (desktop).
    ExitIntent,
    /// `hark('track', name)` called by the page, e.g. after a purchase.
    Event { name: String },
    /// Never on the site's pages: the survey a customer answers about their resolved case, on
    /// its status page (`/c/{token}`). A site's active survey with this trigger replaces the
    /// built-in one.
    Resolution,
}

/// A rule for the page's path (`location.pathname`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRule {
    #[serde(rename = "match")]
    pub kind: PageMatch,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Frequency {
    /// Once: shown once, answered or dismissed.
    Once,
    /// Again on later visits until answered; a dismissal still waits out the site's cooldown.
    UntilAnswered,
    /// Periodic: again `days` after it was last shown.
    EveryDays { days: u16 },
}

/// Text of a survey in another language, by language code (`de`, `pt`, …).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Translation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thank_you: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub questions: BTreeMap<QuestionId, QuestionText>,
}

/// The words of one question in another language; what is missing stays as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
#[serde(try_from = "RawSurvey")]
pub struct Survey {
    pub id: SurveyId,
    /// Raised by every edit; each answer records the version it answered.
    #[serde(default)]
    pub version: u32,
    pub name: String,
    pub trigger: Trigger,
    pub frequency: Frequency,
    pub questions: Vec<Question>,
    /// Said after the last step (the widget has a default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thank_you: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: BTreeMap<String, Translation>,
}

#[derive(Deserialize)]
struct RawSurvey {
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

impl TryFrom<RawSurvey> for Survey {
    type Error = Invalid;
    fn try_from(raw: RawSurvey) -> Result<Self, Invalid> {
        let survey = Survey {
            id: raw.id,
            version: raw.version,
            name: raw.name,
            trigger: raw.trigger,
            frequency: raw.frequency,
            questions: raw.questions,
            thank_you: raw.thank_you,
            translations: raw.translations,
        };
        survey.check()?;
        Ok(survey)
    }
}

fn label_ok(s: &str) -> bool {
    !s.trim().is_empty() && s.len() <= MAX_LABEL
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
    /// lead forward (so every path ends) to questions that exist.
    pub fn check(&self) -> Result<(), Invalid> {
        let fail = |why: &'static str| Err(Invalid::new(why));
        if !label_ok(&self.name) {
            return fail("a survey's name must be 1 to 500 bytes");
        }
        if self.questions.is_empty() || self.questions.len() > MAX_QUESTIONS {
            return fail("a survey has 1 to 30 questions");
        }
        if !optional_label_ok(&self.thank_you) {
            return fail("the thank-you text must be 1 to 500 bytes");
        }
        let t = &self.trigger;
        if t.sample_percent > 100 {
            return fail("sample_percent is 0 to 100");
        }
        if t.pages.len() > 50
            || t.pages
                .iter()
                .any(|p| p.value.is_empty() || p.value.len() > 2048)
        {
            return fail("up to 50 page rules of 1 to 2048 bytes");
        }
        if let (Some(start), Some(end)) = (t.starts_at, t.ends_at) {
            if end <= start {
                return fail("ends_at must come after starts_at");
            }
        }
        match &t.on {
            On::Scroll { percent } if *percent == 0 || *percent > 100 => {
                return fail("a scroll trigger's percent is 1 to 100")
            }
            On::Event { name } if !crate::ids::is_token(name) => {
                return fail("an event name is 1 to 64 characters of a-z, A-Z, 0-9, '_' or '-'")
            }
            _ => {}
        }
        if let Frequency::EveryDays { days: 0 } = self.frequency {
            return fail("every_days needs at least 1 day");
        }
        for (i, q) in self.questions.iter().enumerate() {
            if q.id.as_str() == "end" {
                return fail("no question may be called 'end': it names the end of a survey");
            }
            if self.questions[..i].iter().any(|p| p.id == q.id) {
                return fail("two questions have the same id");
            }
        }
        for (i, q) in self.questions.iter().enumerate() {
            if !label_ok(&q.prompt) || !optional_label_ok(&q.low) || !optional_label_ok(&q.high) {
                return fail("a question's prompt and labels must be 1 to 500 bytes");
            }
            let options = match &q.kind {
                QuestionKind::Rating { max } if !(2..=10).contains(max) => {
                    return fail("a rating's max is 2 to 10")
                }
                QuestionKind::Choice { options, .. } => {
                    if options.len() < 2 || options.len() > MAX_OPTIONS {
                        return fail("a choice question has 2 to 20 options");
                    }
                    if !options.iter().all(|o| label_ok(o)) {
                        return fail("an option must be 1 to 500 bytes");
                    }
                    options.len()
                }
                QuestionKind::Text { max_len } if *max_len == 0 || *max_len > MAX_TEXT => {
                    return fail("a text question's max_len is 1 to 5000")
                }
                _ => 0,
            };
            if q.branches.len() > MAX_BRANCHES {
                return fail("a question has at most 10 branches");
            }
            let leads_forward = |step: &Step| match step {
                Step::End => true,
                Step::Question(to) => self.position(to).is_some_and(|j| j > i),
            };
            for b in &q.branches {
                let fits = match (&b.when, q.kind.scale()) {
                    (When::Score { min, max }, Some((lo, hi))) => {
                        lo <= *min && min <= max && *max <= hi
                    }
                    (When::Choice { index }, None) => usize::from(*index) < options,
                    _ => false,
                };
                if !fits {
                    return fail("a branch's condition does not fit its question");
                }
                if !leads_forward(&b.goto) {
                    return fail("a branch must lead to a later question or to the end");
                }
            }
            if !q.next.as_ref().is_none_or(leads_forward) {
                return fail("next must be a later question or the end");
            }
        }
        for (lang, t) in &self.translations {
            if !crate::i18n::is_lang(lang) {
                return fail("translations are keyed by a language code such as 'de'");
            }
            if !optional_label_ok(&t.thank_you) {
                return fail("a translated thank-you text must be 1 to 500 bytes");
            }
            for (id, text) in &t.questions {
                if self.question(id).is_none() {
                    return fail("a translation names a question the survey does not have");
                }
                if !optional_label_ok(&text.prompt)
                    || !optional_label_ok(&text.low)
                    || !optional_label_ok(&text.high)
                    || text.options.len() > MAX_OPTIONS
                    || !text.options.iter().all(|o| label_ok(o))
                {
                    return fail("translated labels must be 1 to 500 bytes");
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

/// Why a value was refused, in words a developer can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(Cow<'static, str>);

impl Invalid {
    pub fn new(message: impl Into<Cow<'static, str>>) -> Self {
        Self(message.into())
    }

    pub fn message(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
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
    fn bad_surveys_say_why() {
        let cases: [(&str, serde_json::Value, &str); 10] = [
            (
                "/questions/0/branches/0/goto",
                json!("nowhere"),
                "later question",
            ),
            ("/questions/1/next", json!("score"), "later question"),
            (
                "/questions/0/branches/0/when/max",
                json!(11),
                "does not fit",
            ),
            (
                "/questions/2/options",
                json!(vec!["x"; 10_000]),
                "2 to 20 options",
            ),
            ("/questions/2/options", json!(["only"]), "2 to 20 options"),
            ("/questions/1/prompt", json!(" "), "1 to 500 bytes"),
            ("/questions/1/id", json!("love"), "same id"),
            (
                "/trigger",
                json!({"type": "page_view", "sample_percent": 101}),
                "0 to 100",
            ),
            ("/questions/1/type", json!("essay"), "unknown variant"),
            (
                "/frequency",
                json!({"type": "every_days", "days": 0}),
                "1 day",
            ),
        ];
        for (path, value, expected) in cases {
            let mut s = branching();
            *s.pointer_mut(path).unwrap() = value;
            let err = serde_json::from_value::<Survey>(s).unwrap_err().to_string();
            assert!(
                err.contains(expected),
                "{path}: {err} should say {expected}"
            );
        }
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
