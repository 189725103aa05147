//! A site's keyword rules: which category (and urgency) a complaint's words point to, and the
//! checks a workflow's settings must pass.

use shared::case::{KeywordRule, Suggestion, Urgency, Workflow};

/// At most this many rules per site, keywords per rule, and bytes per keyword.
pub const MAX_RULES: usize = 100;
pub const MAX_KEYWORDS: usize = 50;
pub const MAX_KEYWORD: usize = 100;

/// What the rules make of a text: the category with the most matched keywords (the first such
/// rule on a tie) and the highest urgency of every matching rule.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Verdict {
    pub suggestion: Option<Suggestion>,
    pub urgency: Option<(Urgency, String)>,
}

/// Lower-case words of a text, split at anything that is not a letter or a digit.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether `phrase` (one or more words) occurs in `text_words` on word boundaries.
fn contains_phrase(text_words: &[String], phrase: &[String]) -> bool {
    !phrase.is_empty() && text_words.windows(phrase.len()).any(|w| w == phrase)
}

fn matched(rule: &KeywordRule, text_words: &[String]) -> Vec<String> {
    rule.keywords
        .iter()
        .filter(|k| contains_phrase(text_words, &words(k)))
        .cloned()
        .collect()
}

/// `matched 'refund', 'charged'`.
fn reason(matched: &[String]) -> String {
    let quoted: Vec<String> = matched.iter().map(|k| format!("'{k}'")).collect();
    format!("matched {}", quoted.join(", "))
}

/// Applies the rules to a complaint's text.
pub fn judge(rules: &[KeywordRule], text: &str) -> Verdict {
    let text_words = words(text);
    let mut verdict = Verdict::default();
    let mut best = 0;
    for rule in rules {
        let found = matched(rule, &text_words);
        if found.is_empty() {
            continue;
        }
        if found.len() > best {
            best = found.len();
            verdict.suggestion = Some(Suggestion {
                category: rule.category.clone(),
                reason: reason(&found),
                matched: found.clone(),
            });
        }
        if let Some(u) = rule.urgency {
            if verdict.urgency.as_ref().is_none_or(|(v, _)| u > *v) {
                verdict.urgency = Some((u, reason(&found)));
            }
        }
    }
    verdict
}

/// The suggestion worth showing for a case filed under `current`: one that names another
/// category (or any, when it has none).
pub fn suggest(rules: &[KeywordRule], text: &str, current: Option<&str>) -> Option<Suggestion> {
    judge(rules, text)
        .suggestion
        .filter(|s| current != Some(s.category.as_str()))
}

/// Checks a workflow against the site's categories; the message says what is wrong.
pub fn check(workflow: &Workflow, categories: &[String]) -> Result<(), String> {
    let known = |c: &str| categories.iter().any(|k| k == c);
    if workflow.rules.len() > MAX_RULES {
        return Err(format!("at most {MAX_RULES} keyword rules"));
    }
    for (i, rule) in workflow.rules.iter().enumerate() {
        let n = i + 1;
        if !known(&rule.category) {
            return Err(format!(
                "rule {n}: the site has no category {:?}",
                rule.category
            ));
        }
        if rule.keywords.is_empty() || rule.keywords.len() > MAX_KEYWORDS {
            return Err(format!("rule {n}: 1 to {MAX_KEYWORDS} keywords"));
        }
        if let Some(k) = rule
            .keywords
            .iter()
            .find(|k| words(k).is_empty() || k.len() > MAX_KEYWORD)
        {
            return Err(format!(
                "rule {n}: the keyword {k:?} needs a letter or digit and at most {MAX_KEYWORD} bytes"
            ));
        }
    }
    if let Some(c) = workflow.routing.keys().find(|c| !known(c)) {
        return Err(format!("routing: the site has no category {c:?}"));
    }
    if !(1..=365).contains(&workflow.auto_close_days) {
        return Err("auto_close_days is 1 to 365".into());
    }
    if workflow.reopen_at_or_below > 5 {
        return Err("reopen_at_or_below is a CSAT score, 1 to 5, or 0 for never".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(category: &str, keywords: &[&str], urgency: Option<Urgency>) -> KeywordRule {
        KeywordRule {
            category: category.into(),
            keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
            urgency,
        }
    }

    fn rules() -> Vec<KeywordRule> {
        vec![
            rule("Delivery", &["parcel", "courier", "never arrived"], None),
            rule("Billing", &["refund", "charged", "invoice"], None),
            rule("Billing", &["charged twice"], Some(Urgency::Critical)),
            rule("Website", &["login", "checkout"], Some(Urgency::High)),
        ]
    }

    #[test]
    fn the_rule_with_most_matches_names_the_category_and_says_why() {
        let v = judge(&rules(), "I was CHARGED for a parcel; I want a refund!");
        let s = v.suggestion.unwrap();
        assert_eq!(s.category, "Billing");
        assert_eq!(s.matched, vec!["refund", "charged"]);
        assert_eq!(s.reason, "matched 'refund', 'charged'");
        assert_eq!(v.urgency, None);
    }

    #[test]
    fn keywords_match_whole_words_and_phrases_only() {
        // "recharged" is not "charged", "parcels" is not "parcel".
        assert_eq!(judge(&rules(), "recharged my parcels").suggestion, None);
        // A phrase needs its words in a row.
        assert_eq!(judge(&rules(), "never, ever arrived").suggestion, None);
        let v = judge(&rules(), "It never\narrived.");
        assert_eq!(v.suggestion.unwrap().category, "Delivery");
    }

    #[test]
    fn the_highest_urgency_of_matching_rules_wins() {
        let v = judge(&rules(), "checkout failed and I got charged twice");
        assert_eq!(
            v.urgency,
            Some((Urgency::Critical, "matched 'charged twice'".into()))
        );
        let v = judge(&rules(), "the login page is broken");
        assert_eq!(v.urgency.unwrap().0, Urgency::High);
    }

    #[test]
    fn a_suggestion_is_made_only_when_it_differs_from_the_category() {
        let text = "please refund me";
        assert_eq!(suggest(&rules(), text, Some("Billing")), None);
        assert_eq!(
            suggest(&rules(), text, Some("Website")).unwrap().category,
            "Billing"
        );
        assert_eq!(suggest(&rules(), text, None).unwrap().category, "Billing");
        assert_eq!(suggest(&rules(), "all good", None), None);
    }

    #[test]
    fn malformed_workflows_say_what_is_wrong() {
        let categories: Vec<String> = ["Billing", "Delivery", "Website"].map(String::from).into();
        let ok = Workflow {
            rules: rules(),
            ..Workflow::default()
        };
        check(&ok, &categories).unwrap();
        let cases: [(Workflow, &str); 5] = [
            (
                Workflow {
                    rules: vec![rule("Nope", &["x"], None)],
                    ..Workflow::default()
                },
                "rule 1: the site has no category \"Nope\"",
            ),
            (
                Workflow {
                    rules: vec![rule("Billing", &[], None)],
                    ..Workflow::default()
                },
                "rule 1: 1 to 50 keywords",
            ),
            (
                Workflow {
                    rules: vec![rule("Billing", &["--"], None)],
                    ..Workflow::default()
                },
                "rule 1: the keyword \"--\" needs a letter or digit and at most 100 bytes",
            ),
            (
                Workflow {
                    routing: [("Nope".to_owned(), 1)].into(),
                    ..Workflow::default()
                },
                "routing: the site has no category \"Nope\"",
            ),
            (
                Workflow {
                    auto_close_days: 0,
                    ..Workflow::default()
                },
                "auto_close_days is 1 to 365",
            ),
        ];
        for (workflow, message) in cases {
            assert_eq!(check(&workflow, &categories).unwrap_err(), message);
        }
    }
}
