//! Open cases that look like this one: the same category and words in common.

use super::rules::words;
use std::collections::BTreeSet;

/// Words too common to say anything about a complaint.
const STOPWORDS: &[&str] = &[
    "a", "about", "after", "again", "all", "am", "an", "and", "any", "are", "as", "at", "be",
    "been", "but", "by", "can", "could", "did", "do", "does", "for", "from", "get", "got", "had",
    "has", "have", "he", "her", "his", "how", "i", "if", "in", "into", "is", "it", "its", "just",
    "me", "my", "no", "not", "of", "on", "or", "our", "she", "so", "that", "the", "their", "them",
    "then", "there", "they", "this", "to", "too", "was", "we", "were", "what", "when", "which",
    "where", "who", "why", "will", "with", "would", "you", "your",
];

/// The distinct words of a text that carry meaning.
pub fn terms(text: &str) -> BTreeSet<String> {
    words(text)
        .into_iter()
        .filter(|w| w.chars().count() > 1 && !STOPWORDS.contains(&w.as_str()))
        .collect()
}

/// 0 to 1: the Jaccard similarity of two sets of terms.
pub fn similarity(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let shared = a.intersection(b).count();
    let all = a.len() + b.len() - shared;
    if all == 0 {
        0.0
    } else {
        shared as f64 / all as f64
    }
}

/// A case scores at least this much to be suggested.
pub const THRESHOLD: f64 = 0.2;

/// The candidates that look like `text`, most alike first, at most `limit`: each candidate is
/// `(key, its text)`, already narrowed to open cases of the same category.
pub fn rank<K: Clone>(text: &str, candidates: &[(K, String)], limit: usize) -> Vec<(K, f64)> {
    let mine = terms(text);
    let mut scored: Vec<(K, f64)> = candidates
        .iter()
        .map(|(k, t)| (k.clone(), similarity(&mine, &terms(t))))
        .filter(|(_, s)| *s >= THRESHOLD)
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    scored.truncate(limit);
    scored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_with_words_in_common_rank_first() {
        let candidates = vec![
            (1, "The parcel never arrived at my door".to_owned()),
            (2, "Parcel arrived damaged".to_owned()),
            (3, "I cannot log in to my account".to_owned()),
            (4, "My parcel never arrived".to_owned()),
        ];
        let ranked = rank("Parcel never arrived, where is it?", &candidates, 5);
        let ids: Vec<i32> = ranked.iter().map(|(k, _)| *k).collect();
        assert_eq!(ids, [4, 1, 2]);
        assert!(
            (ranked[0].1 - 1.0).abs() < 1e-9,
            "the same terms: {ranked:?}"
        );
        assert_eq!(rank("Parcel never arrived", &candidates, 1).len(), 1);
        assert!(rank("", &candidates, 5).is_empty());
    }

    #[test]
    fn stopwords_and_single_letters_do_not_count() {
        assert_eq!(
            terms("I was at the shop and it was closed"),
            ["closed", "shop"].map(String::from).into()
        );
        assert_eq!(similarity(&terms("the a of"), &terms("of the")), 0.0);
    }
}
