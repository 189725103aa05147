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
use shared::{Frequency, Question, QuestionId, Survey, SurveyId, Trigger};
use wasm_bindgen::JsValue;

/// Parses the `shared::Survey` JSON the loader took from the site's config.
pub(crate) fn parse(json: &str) -> Result<Survey, String> {
    let survey = JSON::parse(json).map_err(|_| "not JSON")?;
    Ok(Survey {
        id: SurveyId::parse(string(&survey, "id")?).map_err(|e| e.to_string())?,
        name: string(&survey, "name")?,
        trigger: match tag(&survey, "trigger")?.as_str() {
            "page_view" => Trigger::PageView,
            other => return Err(format!("unknown trigger `{other}`")),
        },
        frequency: match tag(&survey, "frequency")?.as_str() {
            "once" => Frequency::Once,
            other => return Err(format!("unknown frequency `{other}`")),
        },
        questions: array(&survey, "questions")?
            .iter()
            .map(|q| question(&q))
            .collect::<Result<_, _>>()?,
    })
}

fn question(q: &JsValue) -> Result<Question, String> {
    match string(q, "type")?.as_str() {
        "nps" => Ok(Question::Nps {
            id: QuestionId::parse(string(q, "id")?).map_err(|e| e.to_string())?,
            prompt: string(q, "prompt")?,
        }),
        other => Err(format!("unknown question type `{other}`")),
    }
}

fn field(object: &JsValue, name: &str) -> Result<JsValue, String> {
    // `Reflect.get` throws on `null` and on primitives, so only objects get through.
    Reflect::get(object, &name.into())
        .ok()
        .filter(|v| !v.is_undefined())
        .ok_or_else(|| format!("missing `{name}`"))
}

fn string(object: &JsValue, name: &str) -> Result<String, String> {
    field(object, name)?
        .as_string()
        .ok_or_else(|| format!("`{name}` is not a string"))
}

/// The `type` of a tagged object such as `"trigger": {"type": "page_view"}`.
fn tag(object: &JsValue, name: &str) -> Result<String, String> {
    string(&field(object, name)?, "type")
}

fn array(object: &JsValue, name: &str) -> Result<Array, String> {
    let value = field(object, name)?;
    if Array::is_array(&value) {
        Ok(value.into())
    } else {
        Err(format!("`{name}` is not an array"))
    }
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
