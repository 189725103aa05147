//! Hot-stove rules: which complaints cannot wait for the next sweep ("I was charged twice",
//! "the site is down"). Checked at intake; a match makes the case P1 and hot and alerts the
//! team at once. Pure: the caller counts the recent complaints a spike rule asks about.

use super::rules::words;
use crate::sla::Problem;
use shared::case::{HotStoveRule, HotStoveRules};

pub const MAX_RULES: usize = 50;
pub const MAX_PHRASES: usize = 100;
pub const MAX_PHRASE: usize = 100;
/// A spike's window: a week at most.
pub const MAX_SPIKE_MINUTES: u32 = 7 * 24 * 60;

/// The rule that matched a complaint, and why, as the timeline says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HotMatch {
    pub rule: String,
    pub reason: String,
}

/// A complaint as the rules see it.
#[derive(Debug, Clone, Copy)]
pub struct Filed<'a> {
    pub description: &'a str,
    pub category: Option<&'a str>,
    pub impact: Option<u8>,
}

/// Whether a phrase is written without spaces between words (here: Japanese), so that it is
/// looked for anywhere rather than on word boundaries.
fn unspaced(phrase: &str) -> bool {
    phrase.chars().any(|c| {
        matches!(c, '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}')
    })
}

fn phrase_in(phrase: &str, text: &str, text_words: &[String]) -> bool {
    if unspaced(phrase) {
        return text.to_lowercase().contains(&phrase.to_lowercase());
    }
    let p = words(phrase);
    !p.is_empty() && text_words.windows(p.len()).any(|w| w == p.as_slice())
}

/// The first rule that `c` matches; `recent(minutes)` is how many complaints of its category
/// (it included) came within the last `minutes`.
pub fn check(
    rules: &HotStoveRules,
    c: Filed<'_>,
    mut recent: impl FnMut(u32) -> u64,
) -> Option<HotMatch> {
    let text_words = words(c.description);
    rules.rules.iter().find_map(|rule| {
        let mut why = Vec::new();
        if !rule.phrases.is_empty() {
            let found: Vec<&String> = rule
                .phrases
                .iter()
                .filter(|p| phrase_in(p, c.description, &text_words))
                .collect();
            if found.is_empty() {
                return None;
            }
            let quoted: Vec<String> = found.iter().map(|p| format!("'{p}'")).collect();
            why.push(format!("matched {}", quoted.join(", ")));
        }
        if let Some(category) = &rule.category {
            if c.category != Some(category.as_str()) {
                return None;
            }
            why.push(format!("category {category}"));
        }
        if let Some(min) = rule.min_impact {
            if c.impact.is_none_or(|i| i < min) {
                return None;
            }
            why.push(format!("impact {}", c.impact.unwrap_or(min)));
        }
        if let Some(spike) = rule.spike {
            c.category?;
            let n = recent(spike.minutes);
            if n < u64::from(spike.count) {
                return None;
            }
            why.push(format!(
                "{n} complaints of this category within {} minutes",
                spike.minutes
            ));
        }
        Some(HotMatch {
            rule: rule.name.clone(),
            reason: why.join("; "),
        })
    })
}

/// What is wrong with a site's rules, each problem at its field; `categories` are the site's.
pub fn problems(rules: &HotStoveRules, categories: &[String]) -> Vec<Problem> {
    let mut out = Vec::new();
    if rules.rules.len() > MAX_RULES {
        out.push(Problem::new("rules", format!("at most {MAX_RULES} rules")));
    }
    for (i, r) in rules.rules.iter().enumerate() {
        let at = |field: &str| format!("rules[{i}].{field}");
        if r.name.trim().is_empty() || r.name.chars().count() > MAX_PHRASE {
            out.push(Problem::new(
                at("name"),
                format!("a name of 1 to {MAX_PHRASE} characters"),
            ));
        }
        if r.phrases.len() > MAX_PHRASES {
            out.push(Problem::new(
                at("phrases"),
                format!("at most {MAX_PHRASES} phrases"),
            ));
        }
        for (j, p) in r.phrases.iter().enumerate() {
            if words(p).is_empty() || p.chars().count() > MAX_PHRASE {
                out.push(Problem::new(
                    format!("rules[{i}].phrases[{j}]"),
                    format!("a phrase of 1 to {MAX_PHRASE} characters with a letter or digit"),
                ));
            }
        }
        if let Some(c) = &r.category {
            if !categories.contains(c) {
                out.push(Problem::new(
                    at("category"),
                    format!("{c:?} is not one of the site's categories"),
                ));
            }
        }
        if r.min_impact.is_some_and(|m| !(1..=4).contains(&m)) {
            out.push(Problem::new(at("min_impact"), "an impact from 1 to 4"));
        }
        if let Some(s) = r.spike {
            if !(2..=10_000).contains(&s.count) {
                out.push(Problem::new(at("spike.count"), "2 to 10,000 complaints"));
            }
            if !(1..=MAX_SPIKE_MINUTES).contains(&s.minutes) {
                out.push(Problem::new(
                    at("spike.minutes"),
                    format!("1 to {MAX_SPIKE_MINUTES} minutes"),
                ));
            }
        }
        if is_empty(r) {
            out.push(Problem::new(
                format!("rules[{i}]"),
                "set phrases, a category, a minimum impact or a spike: a rule without one matches everything",
            ));
        }
    }
    out
}

fn is_empty(r: &HotStoveRule) -> bool {
    r.phrases.is_empty() && r.category.is_none() && r.min_impact.is_none() && r.spike.is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::case::Spike;

    fn filed<'a>(description: &'a str, category: Option<&'a str>, impact: Option<u8>) -> Filed<'a> {
        Filed {
            description,
            category,
            impact,
        }
    }

    #[test]
    fn the_default_rules_catch_money_and_checkout_in_each_language() {
        let rules = HotStoveRules::default();
        for text in [
            "I was charged twice for one order!",
            "I can't check out, the button spins",
            "Mir wurde der Betrag doppelt abgebucht",
            "J'ai été débité deux fois",
            "Me han cobrado dos veces",
            "Fui cobrado duas vezes",
            "注文で二重請求されました",
            "تم خصم مرتين من حسابي",
        ] {
            let m = check(&rules, filed(text, None, Some(2)), |_| 0);
            assert!(m.is_some(), "{text}");
        }
        let m = check(&rules, filed("I was CHARGED  twice.", None, None), |_| 0).unwrap();
        assert_eq!(m.reason, "matched 'charged twice'");
        for text in [
            "The lid was cracked",
            "I was charged, twice the price?",
            "discharged twice",
        ] {
            // A comma between the words still matches (word boundaries), but not parts of words.
            let hit = check(&rules, filed(text, None, None), |_| 0).is_some();
            assert_eq!(hit, text.contains("charged, twice"), "{text}");
        }
    }

    #[test]
    fn every_condition_of_a_rule_must_hold() {
        let rules = HotStoveRules {
            rules: vec![
                HotStoveRule {
                    name: "Urgent billing".into(),
                    phrases: vec![],
                    category: Some("Billing".into()),
                    min_impact: Some(4),
                    spike: None,
                },
                HotStoveRule {
                    name: "Delivery spike".into(),
                    phrases: vec![],
                    category: Some("Delivery".into()),
                    min_impact: None,
                    spike: Some(Spike {
                        count: 5,
                        minutes: 10,
                    }),
                },
            ],
        };
        assert_eq!(
            check(&rules, filed("x", Some("Billing"), Some(3)), |_| 0),
            None
        );
        assert_eq!(
            check(&rules, filed("x", Some("Billing"), Some(4)), |_| 0),
            Some(HotMatch {
                rule: "Urgent billing".into(),
                reason: "category Billing; impact 4".into()
            })
        );
        assert_eq!(
            check(&rules, filed("x", Some("Delivery"), None), |m| u64::from(
                m == 10
            ) * 4),
            None
        );
        assert_eq!(
            check(&rules, filed("x", Some("Delivery"), None), |_| 5).map(|m| m.reason),
            Some("category Delivery; 5 complaints of this category within 10 minutes".into())
        );
    }

    #[test]
    fn bad_rules_are_named_by_field() {
        let rules = HotStoveRules {
            rules: vec![HotStoveRule {
                name: " ".into(),
                phrases: vec!["!!".into()],
                category: Some("Nope".into()),
                min_impact: Some(7),
                spike: Some(Spike {
                    count: 1,
                    minutes: 0,
                }),
            }],
        };
        let paths: Vec<String> = problems(&rules, &["Billing".into()])
            .into_iter()
            .map(|p| p.path)
            .collect();
        assert_eq!(
            paths,
            [
                "rules[0].name",
                "rules[0].phrases[0]",
                "rules[0].category",
                "rules[0].min_impact",
                "rules[0].spike.count",
                "rules[0].spike.minutes"
            ]
        );
        let empty = HotStoveRules {
            rules: vec![HotStoveRule {
                name: "All".into(),
                phrases: vec![],
                category: None,
                min_impact: None,
                spike: None,
            }],
        };
        assert_eq!(problems(&empty, &[])[0].path, "rules[0]");
        assert!(problems(&HotStoveRules::default(), &[]).is_empty());
    }
}
