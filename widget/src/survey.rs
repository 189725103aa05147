//! Reading the survey that the loader hands over as JSON.
//!
//! The JSON is parsed by the browser and mapped onto `shared`'s types through their own
//! constructors, rather than deserialized with serde: serde's derive for `shared`'s internally
//! tagged enums, together with serde_json's error formatting (which drags in float printing),
//! costs about 35 KB gzip — more than half of the widget's budget on customers' pages.
//! Every id still goes through `shared`'s parsing, so what the widget accepts is what the
//! collector accepts; a survey with a kind of question this widget does not know is refused,
//! as serde would refuse it.

use js_sys::{Array, Reflect, JSON};
use shared::{Frequency, Question, QuestionId, QuestionKind, Survey, SurveyId, Trigger};
use wasm_bindgen::{JsCast, JsValue};

/// Parses the `shared::Survey` JSON the loader took from the site's config. On failure, names
/// the field that is missing, malformed, or of a kind this widget does not know (or "JSON").
///
/// (Field names rather than sentences, and loops rather than iterator chains: the widget's code
/// ships to every visitor of the site, and the formatting machinery costs kilobytes.)
pub(crate) fn parse(json: &str) -> Result<Survey, &'static str> {
    let survey = JSON::parse(json).map_err(|_| "JSON")?;
    let questions = field(&survey, "questions")?;
    if !Array::is_array(&questions) {
        return Err("questions");
    }
    let mut parsed = Vec::new();
    for q in questions.unchecked_into::<Array>().iter() {
        parsed.push(match string(&q, "type")?.as_str() {
            "nps" => Question {
                id: QuestionId::parse(string(&q, "id")?).map_err(|_| "id")?,
                prompt: string(&q, "prompt")?,
                kind: QuestionKind::Nps,
                optional: false,
                low: None,
                high: None,
                branches: Vec::new(),
                next: None,
            },
            _ => return Err("type"),
        });
    }
    Ok(Survey {
        id: SurveyId::parse(string(&survey, "id")?).map_err(|_| "id")?,
        version: 0,
        thank_you: None,
        translations: Default::default(),
        name: string(&survey, "name")?,
        trigger: match tag(&survey, "trigger")?.as_str() {
            "page_view" => Trigger::page_view(),
            _ => return Err("trigger"),
        },
        frequency: match tag(&survey, "frequency")?.as_str() {
            "once" => Frequency::Once,
            _ => return Err("frequency"),
        },
        questions: parsed,
    })
}

/// `object[name]`, or `Err(name)` when `object` is not an object (`Reflect.get` throws on `null`
/// and on primitives).
fn field(object: &JsValue, name: &'static str) -> Result<JsValue, &'static str> {
    Reflect::get(object, &name.into()).map_err(|_| name)
}

fn string(object: &JsValue, name: &'static str) -> Result<String, &'static str> {
    field(object, name)?.as_string().ok_or(name)
}

/// The `type` of a tagged object such as `"trigger": {"type": "page_view"}`.
fn tag(object: &JsValue, name: &'static str) -> Result<String, &'static str> {
    string(&field(object, name)?, "type").map_err(|_| name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    /// The hand-written mapping must accept and refuse exactly what serde would.
    #[wasm_bindgen_test]
    fn agrees_with_serde() {
        let nps = r#"{"type": "nps", "id": "q1", "prompt": "How likely?"}"#;
        let survey = |questions: &str| {
            format!(
                r#"{{"id": "nps-1", "name": "NPS", "trigger": {{"type": "page_view"}},
                    "frequency": {{"type": "once"}}, "questions": [{questions}], "theme": {{}}}}"#
            )
        };
        let cases = [
            survey(nps),
            survey(&format!("{nps}, {}", nps.replace("q1", "q2"))),
            survey(""),
            survey(&nps.replace("nps\"", "essay\"")),
            survey(&nps.replace("q1", "q/1")),
            survey(&nps.replace("\"How likely?\"", "7")),
            survey(nps).replace("page_view", "click"),
            survey(nps).replace("once", "always"),
            survey(nps).replace("nps-1", "nps 1"),
            survey(nps).replace(r#""name": "NPS","#, ""),
            survey(nps)
                .replace(r#"[{"type""#, r#"{"x": [{"type""#)
                .replace("}]", "}]}"),
            "null".into(),
            "[]".into(),
            "{nope".into(),
        ];
        for json in cases {
            let ours = parse(&json).ok();
            let serde = serde_json::from_str::<Survey>(&json).ok();
            assert_eq!(ours, serde, "{json}");
        }
    }
}
