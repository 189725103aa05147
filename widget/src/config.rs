//! Reading the site config the loader hands over as JSON.
//!
//! The JSON is parsed by the browser and mapped onto `shared`'s types by hand, rather than
//! deserialized with serde: serde's derive for `shared`'s internally tagged enums, together with
//! serde_json's error formatting (which drags in float printing), costs about 35 KB gzip — more
//! than half of the widget's budget on customers' pages. The survey is then checked by
//! `Survey::check`, the very rules the collector applies, so what the widget shows is what the
//! collector accepts. Triggers and frequency are the loader's business and are not read here.
//!
//! (Field names rather than sentences, and loops rather than iterator chains: the widget's code
//! ships to every visitor of the site, and the formatting machinery costs kilobytes.)

use js_sys::{Array, Reflect, JSON};
use shared::{
    Branch, CsatStyle, Frequency, Question, QuestionId, QuestionKind, Step, Survey, SurveyId,
    Trigger, When,
};
use wasm_bindgen::{JsCast, JsValue};

/// What went wrong: the name of the field that is missing, malformed or unknown.
pub(crate) type Bad = &'static str;

/// `object[name]`, or `Err(name)` when `object` is not an object (`Reflect.get` throws on `null`
/// and on primitives).
pub(crate) fn field(object: &JsValue, name: &'static str) -> Result<JsValue, Bad> {
    Reflect::get(object, &name.into()).map_err(|_| name)
}

pub(crate) fn string(object: &JsValue, name: &'static str) -> Result<String, Bad> {
    field(object, name)?.as_string().ok_or(name)
}

/// An optional string field: absent (or `null`) is `None`, anything but a string is an error.
fn opt_string(object: &JsValue, name: &'static str) -> Result<Option<String>, Bad> {
    let v = field(object, name)?;
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_string().map(Some).ok_or(name)
}

/// An optional whole number field that fits `max`.
fn opt_number(object: &JsValue, name: &'static str, max: f64) -> Result<Option<f64>, Bad> {
    let v = field(object, name)?;
    if v.is_undefined() {
        return Ok(None);
    }
    match v.as_f64() {
        Some(n) if n >= 0.0 && n <= max && n.fract() == 0.0 => Ok(Some(n)),
        _ => Err(name),
    }
}

fn opt_bool(object: &JsValue, name: &'static str) -> Result<bool, Bad> {
    let v = field(object, name)?;
    if v.is_undefined() {
        return Ok(false);
    }
    v.as_bool().ok_or(name)
}

fn array(object: &JsValue, name: &'static str) -> Result<Array, Bad> {
    let v = field(object, name)?;
    if v.is_undefined() {
        return Ok(Array::new());
    }
    if !Array::is_array(&v) {
        return Err(name);
    }
    Ok(v.unchecked_into())
}

fn step(object: &JsValue, name: &'static str) -> Result<Option<Step>, Bad> {
    match opt_string(object, name)? {
        Some(s) => Step::try_from(s).map(Some).map_err(|_| name),
        None => Ok(None),
    }
}

fn question_id(object: &JsValue, name: &'static str) -> Result<QuestionId, Bad> {
    QuestionId::parse(string(object, name)?).map_err(|_| name)
}

fn labels(object: &JsValue, name: &'static str) -> Result<Vec<String>, Bad> {
    let mut out = Vec::new();
    for v in array(object, name)?.iter() {
        out.push(v.as_string().ok_or(name)?);
    }
    Ok(out)
}

fn question(q: &JsValue) -> Result<Question, Bad> {
    let kind = match string(q, "type")?.as_str() {
        "nps" => QuestionKind::Nps,
        "csat" => QuestionKind::Csat {
            style: match opt_string(q, "style")?.as_deref() {
                None | Some("stars") => CsatStyle::Stars,
                Some("faces") => CsatStyle::Faces,
                _ => return Err("style"),
            },
        },
        "ces" => QuestionKind::Ces,
        "rating" => QuestionKind::Rating {
            max: opt_number(q, "max", 255.0)?.ok_or("max")? as u8,
        },
        "choice" => QuestionKind::Choice {
            options: labels(q, "options")?,
            multiple: opt_bool(q, "multiple")?,
            other: opt_bool(q, "other")?,
        },
        "text" => QuestionKind::Text {
            max_len: opt_number(q, "max_len", 65535.0)?.map_or(1000, |n| n as u16),
        },
        _ => return Err("type"),
    };
    let mut branches = Vec::new();
    for b in array(q, "branches")?.iter() {
        let when = field(&b, "when")?;
        let when = match string(&when, "type")?.as_str() {
            "score" => When::Score {
                min: opt_number(&when, "min", 255.0)?.ok_or("min")? as u8,
                max: opt_number(&when, "max", 255.0)?.ok_or("max")? as u8,
            },
            "choice" => When::Choice {
                index: opt_number(&when, "index", 65535.0)?.ok_or("index")? as u16,
            },
            _ => return Err("when"),
        };
        branches.push(Branch {
            when,
            goto: step(&b, "goto")?.ok_or("goto")?,
        });
    }
    Ok(Question {
        id: question_id(q, "id")?,
        prompt: string(q, "prompt")?,
        kind,
        optional: opt_bool(q, "optional")?,
        low: opt_string(q, "low")?,
        high: opt_string(q, "high")?,
        branches,
        next: step(q, "next")?,
    })
}

/// Parses one `shared::Survey` (already in the visitor's language) and checks it.
pub(crate) fn survey(survey: &JsValue) -> Result<Survey, Bad> {
    let mut questions = Vec::new();
    for q in array(survey, "questions")?.iter() {
        questions.push(question(&q)?);
    }
    let survey = Survey {
        id: SurveyId::parse(string(survey, "id")?).map_err(|_| "id")?,
        version: opt_number(survey, "version", 4_294_967_295.0)?.unwrap_or(0.0) as u32,
        name: string(survey, "name")?,
        // Read by the loader only.
        trigger: Trigger::page_view(),
        frequency: Frequency::Once,
        questions,
        thank_you: opt_string(survey, "thank_you")?,
        translations: Default::default(),
    };
    survey.check().map_err(|_| "survey")?;
    Ok(survey)
}

/// The config: the parsed JSON, or `Err("JSON")`.
pub(crate) fn parse(json: &str) -> Result<JsValue, Bad> {
    let config = JSON::parse(json).map_err(|_| "JSON")?;
    if !config.is_object() {
        return Err("JSON");
    }
    Ok(config)
}

/// The survey `id` among the config's surveys.
pub(crate) fn find_survey(config: &JsValue, id: &str) -> Result<Survey, Bad> {
    for s in array(config, "surveys")?.iter() {
        if string(&s, "id").ok().as_deref() == Some(id) {
            return survey(&s);
        }
    }
    Err("view")
}

/// The site's complaint categories.
pub(crate) fn categories(config: &JsValue) -> Result<Vec<String>, Bad> {
    let categories = labels(config, "categories")?;
    if categories.len() > 30 || categories.iter().any(|c| c.is_empty() || c.len() > 500) {
        return Err("categories");
    }
    Ok(categories)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    /// The hand-written mapping must accept and refuse exactly what serde would (triggers and
    /// frequency aside, which the loader reads).
    #[wasm_bindgen_test]
    fn agrees_with_serde() {
        let base = serde_json::json!({
            "id": "nps-1", "name": "NPS", "version": 3,
            "trigger": {"type": "page_view"}, "frequency": {"type": "once"},
            "thank_you": "Thanks!",
            "questions": [
                {"type": "nps", "id": "q1", "prompt": "How likely?", "low": "no", "high": "yes",
                 "branches": [{"when": {"type": "score", "min": 0, "max": 6}, "goto": "why"}],
                 "next": "end"},
                {"type": "csat", "id": "sat", "prompt": "Happy?", "style": "faces"},
                {"type": "ces", "id": "eff", "prompt": "Easy?", "optional": true},
                {"type": "rating", "id": "r", "prompt": "Rate", "max": 4},
                {"type": "choice", "id": "c", "prompt": "Pick", "options": ["a", "b"],
                 "multiple": true, "other": true,
                 "branches": [{"when": {"type": "choice", "index": 1}, "goto": "end"}]},
                {"type": "text", "id": "why", "prompt": "Why?", "max_len": 300}
            ]
        });
        let mut cases = vec![base.clone()];
        let edits: [(&str, serde_json::Value); 14] = [
            ("/questions/0/type", "essay".into()),
            ("/questions/0/id", "q/1".into()),
            ("/questions/0/prompt", 7.into()),
            ("/questions/0/branches/0/goto", "q1".into()),
            ("/questions/0/branches/0/when/max", 11.into()),
            ("/questions/1/style", "hearts".into()),
            ("/questions/3/max", 11.into()),
            ("/questions/4/options", serde_json::json!(vec!["x"; 10_000])),
            (
                "/questions/4/options",
                serde_json::json!(["<script>alert(1)</script>", "b"]),
            ),
            ("/questions/4/branches/0/when/index", 2.into()),
            ("/questions/5/max_len", 0.into()),
            ("/questions/5/id", "end".into()),
            ("/questions", serde_json::json!([])),
            ("/id", "nps 1".into()),
        ];
        for (path, value) in edits {
            let mut case = base.clone();
            *case.pointer_mut(path).unwrap() = value;
            cases.push(case);
        }
        for case in cases {
            let json = case.to_string();
            let ours = survey(&JSON::parse(&json).unwrap()).ok();
            let serde = serde_json::from_str::<Survey>(&json).ok().map(|mut s| {
                s.trigger = Trigger::page_view();
                s
            });
            assert_eq!(ours, serde, "{json}");
        }
        for json in ["null", "[]", "7"] {
            assert!(survey(&JSON::parse(json).unwrap()).is_err(), "{json}");
        }
    }
}
