//! What the card asks, one step at a time: a survey's questions, the complaint and suggestion
//! forms, and the launcher's menu, all as the same kind of [`Step`], so that one view renders
//! them all (one view type costs less code on customers' pages than one per screen).

use crate::config::Bad;
use js_sys::{Array, Object, Reflect};
use shared::{CsatStyle, QuestionKind, Survey};
use wasm_bindgen::JsValue;

/// How a step is answered.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A scale: one of `options`, in a row, arrow keys move.
    Scale,
    /// One of `options`, in a column.
    Single,
    /// Any of `options`.
    Multi,
    /// Free text.
    Text,
    /// An optional e-mail address and the consent to be contacted.
    Email,
    /// The launcher's menu: each option opens another flow at once.
    Menu,
}

/// One screen of the card.
pub(crate) struct Step {
    pub prompt: &'static str,
    pub kind: Kind,
    /// Each option's visible text and, where the text alone says too little (stars, faces),
    /// its accessible name.
    pub options: Vec<(&'static str, Option<&'static str>)>,
    /// Words under the two ends of a scale.
    pub ends: Option<(&'static str, &'static str)>,
    /// The last option is "Other", with a text field of this placeholder.
    pub other: Option<&'static str>,
    pub max_len: u16,
    pub optional: bool,
    /// The score of the first option of a scale: 0 for NPS, else 1.
    pub first: u8,
}

impl Step {
    fn new(prompt: &'static str, kind: Kind) -> Self {
        Step {
            prompt,
            kind,
            options: Vec::new(),
            ends: None,
            other: None,
            max_len: shared::survey::MAX_TEXT,
            optional: false,
            first: 1,
        }
    }
}

/// What the visitor gave on one step.
#[derive(Default, Clone)]
pub(crate) struct Picked {
    /// Indices of the chosen options ("Other" excluded).
    pub selected: Vec<u16>,
    /// The text (of a text step, of "Other", or the e-mail address).
    pub text: String,
    pub consent: bool,
}

/// What the card is doing.
pub(crate) enum Flow {
    Survey(Survey),
    Problem { categories: Vec<String> },
    Suggestion,
    Menu { rate_us: Option<Survey> },
}

/// The built-in words of the config, by key.
#[derive(Clone)]
pub(crate) struct Words(pub JsValue);

impl Words {
    /// The word for `key`, leaked to `&'static str` for the view (the card lives as long as
    /// the page); the key itself when the config lacks it.
    pub(crate) fn get(&self, key: &'static str) -> &'static str {
        match Reflect::get(&self.0, &key.into())
            .ok()
            .and_then(|v| v.as_string())
        {
            Some(word) => word.leak(),
            None => key,
        }
    }
}

fn leak(s: &str) -> &'static str {
    String::from(s).leak()
}

/// Numbers as text, written out: rendering a number would bring in the formatting machinery.
pub(crate) const NUMBERS_24: [&str; 25] = [
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
    "17", "18", "19", "20", "21", "22", "23", "24",
];
const NUMBERS: &[&str] = &NUMBERS_24;

/// `n` as text, without the formatting machinery.
pub(crate) fn number(mut n: u16) -> &'static str {
    let mut digits = Vec::new();
    loop {
        digits.push(b'0' + (n % 10) as u8);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default().leak()
}
const FACES: [&str; 5] = ["😞", "🙁", "😐", "🙂", "😄"];
const OF_FIVE: [&str; 5] = ["1 / 5", "2 / 5", "3 / 5", "4 / 5", "5 / 5"];

impl Flow {
    /// The steps of this flow, in order.
    pub(crate) fn steps(&self, words: &Words) -> Vec<Step> {
        let mut steps = Vec::new();
        match self {
            Flow::Survey(survey) => {
                for q in &survey.questions {
                    let mut step = Step::new(leak(&q.prompt), Kind::Scale);
                    step.optional = q.optional;
                    let (low, high) = match &q.kind {
                        QuestionKind::Nps => ("nps_low", "nps_high"),
                        QuestionKind::Csat { .. } => ("csat_low", "csat_high"),
                        QuestionKind::Ces => ("ces_low", "ces_high"),
                        _ => ("rating_low", "rating_high"),
                    };
                    match &q.kind {
                        QuestionKind::Choice {
                            options,
                            multiple,
                            other,
                        } => {
                            step.kind = if *multiple { Kind::Multi } else { Kind::Single };
                            for o in options {
                                step.options.push((leak(o), None));
                            }
                            if *other {
                                step.options.push((words.get("other"), None));
                                step.other = Some(words.get("other_label"));
                            }
                        }
                        QuestionKind::Text { max_len } => {
                            step.kind = Kind::Text;
                            step.max_len = *max_len;
                        }
                        kind => {
                            let (lo, hi) = kind.scale().unwrap_or((1, 5));
                            step.first = lo;
                            for n in lo..=hi {
                                let n = usize::from(n);
                                step.options.push(match kind {
                                    QuestionKind::Csat { style } => (
                                        if *style == CsatStyle::Faces {
                                            FACES[n - 1]
                                        } else {
                                            "★"
                                        },
                                        Some(OF_FIVE[n - 1]),
                                    ),
                                    _ => (NUMBERS[n], None),
                                });
                            }
                            step.ends = Some((
                                q.low.as_deref().map_or_else(|| words.get(low), leak),
                                q.high.as_deref().map_or_else(|| words.get(high), leak),
                            ));
                        }
                    }
                    steps.push(step);
                }
            }
            Flow::Problem { categories } => {
                if !categories.is_empty() {
                    let mut step = Step::new(words.get("category"), Kind::Single);
                    for c in categories {
                        step.options.push((leak(c), None));
                    }
                    steps.push(step);
                }
                steps.push(Step::new(words.get("what_happened"), Kind::Text));
                let mut impact = Step::new(words.get("impact"), Kind::Single);
                for key in ["impact_1", "impact_2", "impact_3", "impact_4"] {
                    impact.options.push((words.get(key), None));
                }
                impact.optional = true;
                steps.push(impact);
                steps.push(Step::new(words.get("email"), Kind::Email));
            }
            Flow::Suggestion => {
                steps.push(Step::new(words.get("what_suggest"), Kind::Text));
                steps.push(Step::new(words.get("email"), Kind::Email));
            }
            Flow::Menu { rate_us } => {
                let mut step = Step::new(words.get("launcher"), Kind::Menu);
                if rate_us.is_some() {
                    step.options.push((words.get("rate_us"), None));
                }
                step.options.push((words.get("report"), None));
                step.options.push((words.get("suggest"), None));
                steps.push(step);
            }
        }
        steps
    }

    /// The step after `index`, given what was picked there; `None` at the end.
    pub(crate) fn after(&self, index: usize, picked: &Picked, steps: &[Step]) -> Option<usize> {
        match self {
            Flow::Survey(survey) => {
                let step = &steps[index];
                let score = (step.kind == Kind::Scale)
                    .then(|| picked.selected.first().map(|&i| step.first + i as u8))
                    .flatten();
                survey.after(index, score, &picked.selected)
            }
            _ => (index + 1 < steps.len()).then_some(index + 1),
        }
    }

    /// The flow a menu option opens.
    pub(crate) fn pick(&mut self, option: usize, categories: Vec<String>) -> Option<Flow> {
        let Flow::Menu { rate_us } = self else {
            return None;
        };
        let option = option + usize::from(rate_us.is_none());
        Some(match option {
            0 => Flow::Survey(rate_us.take()?),
            1 => Flow::Problem { categories },
            _ => Flow::Suggestion,
        })
    }

    /// Where the finished flow is posted, and its JSON body (the answers along the path taken).
    pub(crate) fn body(
        &self,
        id: &str,
        site_key: &str,
        path: &[(usize, Picked)],
        steps: &[Step],
    ) -> Result<(&'static str, String), Bad> {
        let body = Object::new();
        set(&body, "id", &id.into());
        set(&body, "site_key", &site_key.into());
        let url = web_sys::window()
            .and_then(|w| w.location().href().ok())
            .filter(|u| u.len() <= shared::MAX_PAGE_URL);
        if let Some(url) = url {
            set(&body, "page_url", &url.into());
        }
        let endpoint = match self {
            Flow::Survey(survey) => {
                set(&body, "survey_id", &survey.id.as_str().into());
                set(&body, "survey_version", &survey.version.into());
                let answers = Array::new();
                for (index, picked) in path {
                    let (q, step) = (&survey.questions[*index], &steps[*index]);
                    let answer = Object::new();
                    set(&answer, "type", &q.kind.name().into());
                    set(&answer, "question_id", &q.id.as_str().into());
                    match step.kind {
                        Kind::Scale => {
                            let Some(&i) = picked.selected.first() else {
                                continue;
                            };
                            set(&answer, "score", &(step.first + i as u8).into());
                        }
                        Kind::Text => {
                            if picked.text.trim().is_empty() {
                                continue;
                            }
                            set(&answer, "text", &picked.text.as_str().into());
                        }
                        _ => {
                            let selected = Array::new();
                            for s in &picked.selected {
                                selected.push(&(*s).into());
                            }
                            if picked.selected.is_empty() && picked.text.is_empty() {
                                continue;
                            }
                            set(&answer, "selected", &selected);
                            if !picked.text.is_empty() {
                                set(&answer, "other", &picked.text.as_str().into());
                            }
                        }
                    }
                    answers.push(&answer);
                }
                if answers.length() == 0 {
                    return Err("answers");
                }
                set(&body, "answers", &answers);
                "/api/v1/responses"
            }
            Flow::Problem { categories } => {
                set(&body, "kind", &"problem".into());
                let mut at = 0;
                if !categories.is_empty() {
                    if let Some(&c) = path[0].1.selected.first() {
                        set(
                            &body,
                            "category",
                            &categories[usize::from(c)].as_str().into(),
                        );
                    }
                    at = 1;
                }
                set(&body, "description", &path[at].1.text.as_str().into());
                if let Some(&i) = path[at + 1].1.selected.first() {
                    set(&body, "impact", &(i + 1).into());
                }
                contact(&body, &path[at + 2].1);
                "/api/v1/complaints"
            }
            Flow::Suggestion => {
                set(&body, "kind", &"suggestion".into());
                set(&body, "description", &path[0].1.text.as_str().into());
                contact(&body, &path[1].1);
                "/api/v1/complaints"
            }
            Flow::Menu { .. } => return Err("view"),
        };
        let json = js_sys::JSON::stringify(&body)
            .ok()
            .and_then(|j| j.as_string())
            .ok_or("JSON")?;
        let _ = steps;
        Ok((endpoint, json))
    }
}

/// The e-mail address, only with the consent to be contacted.
fn contact(body: &Object, picked: &Picked) {
    set(body, "contact_consent", &picked.consent.into());
    if picked.consent && !picked.text.trim().is_empty() {
        set(body, "email", &picked.text.trim().into());
    }
}

pub(crate) fn set(object: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(object, &key.into(), value);
}
