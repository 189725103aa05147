//! Sentiment for German, French, Spanish and Portuguese: VADER's rules (Hutto & Gilbert,
//! ICWSM-14) over each language's own lexicon (`lexicons/`, sources and licences in
//! `lexicons/SOURCES.md`) and its own negations, intensifiers and contrastive "but". A word's
//! valence is flipped and damped (× −0.74) by a negation among the three words before it, raised
//! by an intensifier just before it (less for one two or three words back) and by capitals in a
//! text that is not all capitals; the words before the last "but" count half and those after it
//! one and a half; up to three `!` add emphasis; the sum is normalized to −1 … 1 as VADER's
//! compound score is (`x / √(x² + 15)`).
//!
//! German lexicon entries are lemmas: an inflected adjective (`gute`, `schlechten`) is found by
//! taking off its ending. Portuguese entries have no accents: words are looked up without them.

use std::collections::HashMap;
use std::sync::LazyLock;

/// One language's words and rules.
pub struct Language {
    words: HashMap<String, f64>,
    negations: &'static [&'static str],
    boosters: &'static [(&'static str, f64)],
    buts: &'static [&'static str],
    /// Endings tried off a word that is not in the lexicon as it is, longest first.
    endings: &'static [&'static str],
    fold_accents: bool,
}

const NEGATION: f64 = -0.74;
const BOOST: f64 = 0.293;
const CAPITALS: f64 = 0.733;
const EXCLAMATION: f64 = 0.292;
const ALPHA: f64 = 15.0;

/// A lexicon's words, leaving out those whose valence is below `least` in size: too faint to
/// tell (French's inferred adjectives go down to ±0.3, e.g. `arrivé`).
fn parse(tsv: &str, least: f64) -> HashMap<String, f64> {
    tsv.lines()
        .filter_map(|line| {
            let (word, valence) = line.split_once('\t')?;
            let valence: f64 = valence.trim().parse().ok()?;
            (valence.abs() >= least).then(|| (word.to_owned(), valence))
        })
        .collect()
}

pub static GERMAN: LazyLock<Language> = LazyLock::new(|| Language {
    words: parse(include_str!("lexicons/de.tsv"), 0.0),
    negations: &[
        "nicht", "kein", "keine", "keinen", "keinem", "keiner", "keines", "nie", "niemals",
        "nichts", "ohne", "weder",
    ],
    boosters: &[
        ("sehr", BOOST),
        ("extrem", BOOST),
        ("total", BOOST),
        ("absolut", BOOST),
        ("wirklich", BOOST),
        ("richtig", BOOST),
        ("besonders", BOOST),
        ("äußerst", BOOST),
        ("super", BOOST),
        ("echt", BOOST),
        ("so", BOOST),
        ("zu", BOOST),
        ("ziemlich", BOOST / 2.0),
        ("etwas", -BOOST),
        ("kaum", -BOOST),
        ("wenig", -BOOST),
    ],
    buts: &["aber", "jedoch", "allerdings", "doch"],
    endings: &["sten", "ste", "en", "em", "er", "es", "e"],
    fold_accents: false,
});

pub static FRENCH: LazyLock<Language> = LazyLock::new(|| Language {
    words: parse(include_str!("lexicons/fr.tsv"), 0.6),
    negations: &[
        "ne", "n", "pas", "jamais", "rien", "aucun", "aucune", "sans", "ni",
    ],
    boosters: &[
        ("très", BOOST),
        ("trop", BOOST),
        ("vraiment", BOOST),
        ("extrêmement", BOOST),
        ("tellement", BOOST),
        ("super", BOOST),
        ("absolument", BOOST),
        ("totalement", BOOST),
        ("si", BOOST),
        ("assez", BOOST / 2.0),
        ("peu", -BOOST),
    ],
    buts: &["mais", "cependant", "pourtant", "toutefois"],
    endings: &["es", "s", "e"],
    fold_accents: false,
});

pub static SPANISH: LazyLock<Language> = LazyLock::new(|| Language {
    words: parse(include_str!("lexicons/es.tsv"), 0.0),
    negations: &[
        "no", "nunca", "jamás", "nada", "ni", "sin", "tampoco", "ningún", "ninguna", "ninguno",
    ],
    boosters: &[
        ("muy", BOOST),
        ("muchísimo", BOOST),
        ("mucho", BOOST),
        ("demasiado", BOOST),
        ("realmente", BOOST),
        ("extremadamente", BOOST),
        ("totalmente", BOOST),
        ("súper", BOOST),
        ("super", BOOST),
        ("tan", BOOST),
        ("bastante", BOOST / 2.0),
        ("poco", -BOOST),
    ],
    buts: &["pero", "aunque", "embargo"],
    endings: &["os", "as", "s"],
    fold_accents: false,
});

pub static PORTUGUESE: LazyLock<Language> = LazyLock::new(|| Language {
    words: parse(include_str!("lexicons/pt.tsv"), 0.0),
    negations: &[
        "nao", "nunca", "jamais", "nada", "nem", "sem", "nenhum", "nenhuma",
    ],
    boosters: &[
        ("muito", BOOST),
        ("muita", BOOST),
        ("demais", BOOST),
        ("realmente", BOOST),
        ("extremamente", BOOST),
        ("totalmente", BOOST),
        ("super", BOOST),
        ("tao", BOOST),
        ("bastante", BOOST / 2.0),
        ("pouco", -BOOST),
    ],
    buts: &["mas", "porem", "contudo", "entretanto"],
    endings: &["os", "as", "s"],
    fold_accents: true,
});

/// The language of a primary language tag, where there is a lexicon.
pub fn language(primary: &str) -> Option<&'static Language> {
    Some(match primary {
        "de" => &GERMAN,
        "fr" => &FRENCH,
        "es" => &SPANISH,
        "pt" => &PORTUGUESE,
        _ => return None,
    })
}

/// Portuguese's (and any Latin script's) accented vowels and ç, without their marks.
fn fold(word: &str) -> String {
    word.chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ã' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            other => other,
        })
        .collect()
}

/// A token as written, and as looked up.
struct Token<'a> {
    written: &'a str,
    word: String,
}

impl Language {
    fn valence(&self, word: &str) -> Option<f64> {
        if let Some(&v) = self.words.get(word) {
            return Some(v);
        }
        self.endings.iter().find_map(|ending| {
            let stem = word.strip_suffix(ending)?;
            (stem.chars().count() >= 3).then(|| self.words.get(stem).copied())?
        })
    }

    fn booster(&self, word: &str) -> Option<f64> {
        self.boosters
            .iter()
            .find(|(w, _)| *w == word)
            .map(|&(_, b)| b)
    }

    /// The compound score of `text`, −1 … 1.
    pub fn compound(&self, text: &str) -> f64 {
        let tokens: Vec<Token<'_>> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .map(|written| {
                let lower = written.to_lowercase();
                Token {
                    written,
                    word: if self.fold_accents {
                        fold(&lower)
                    } else {
                        lower
                    },
                }
            })
            .collect();
        let letters = |t: &Token<'_>| t.written.chars().any(char::is_alphabetic);
        let shouting = |t: &Token<'_>| letters(t) && !t.written.chars().any(char::is_lowercase);
        // Capitals are emphasis only when the text also has words that are not all capitals.
        let mixed = tokens.iter().any(|t| letters(t) && !shouting(t));
        let mut scores: Vec<f64> = Vec::with_capacity(tokens.len());
        for (i, t) in tokens.iter().enumerate() {
            let Some(mut v) = self.valence(&t.word) else {
                scores.push(0.0);
                continue;
            };
            if mixed && shouting(t) && t.written.chars().count() > 1 {
                v += CAPITALS * v.signum();
            }
            for back in 1..=3 {
                let Some(before) = i.checked_sub(back).map(|j| &tokens[j]) else {
                    break;
                };
                if let Some(b) = self.booster(&before.word) {
                    let damp = [1.0, 0.95, 0.9][back - 1];
                    let mut b = b * damp;
                    if mixed && shouting(before) {
                        b += CAPITALS * b.signum();
                    }
                    v += b * v.signum();
                }
            }
            if (1..=3).any(|back| {
                i.checked_sub(back)
                    .is_some_and(|j| self.negations.contains(&tokens[j].word.as_str()))
            }) {
                v *= NEGATION;
            }
            scores.push(v);
        }
        // The last "but": what comes before weighs half, what follows one and a half.
        if let Some(at) = tokens
            .iter()
            .rposition(|t| self.buts.contains(&t.word.as_str()))
        {
            for (i, s) in scores.iter_mut().enumerate() {
                *s *= if i < at { 0.5 } else { 1.5 };
            }
        }
        let mut sum: f64 = scores.iter().sum();
        if sum != 0.0 {
            let bangs = text.matches('!').count().min(4) as f64;
            sum += bangs * EXCLAMATION * sum.signum();
        }
        let compound = sum / (sum * sum + ALPHA).sqrt();
        // VADER's four decimals.
        (compound.clamp(-1.0, 1.0) * 10_000.0).round() / 10_000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insight::sentiment::{label, Label};

    fn scored(lang: &Language, text: &str) -> (f64, Label) {
        let s = lang.compound(text);
        (s, label(s))
    }

    /// Hand-written feedback in each language, with the label a reader gives it.
    #[test]
    fn each_language_reads_praise_complaints_and_negation() {
        let cases: [(&Language, &str, Label); 28] = [
            (&GERMAN, "Der Service war gut", Label::Positive),
            (&GERMAN, "Der Service war sehr gut", Label::Positive),
            (&GERMAN, "Der Service war nicht gut", Label::Negative),
            (&GERMAN, "Die Lieferung war schrecklich", Label::Negative),
            (&GERMAN, "Die Lieferung war nicht schlecht", Label::Positive),
            (&GERMAN, "Viel zu teuer", Label::Negative),
            (&GERMAN, "Das Paket kam am Dienstag", Label::Neutral),
            (&FRENCH, "Le produit est excellent", Label::Positive),
            (&FRENCH, "Le service n'est pas bon", Label::Negative),
            (&FRENCH, "Une livraison horrible", Label::Negative),
            (&FRENCH, "Le colis est arrivé mardi", Label::Neutral),
            (&FRENCH, "Beaucoup trop cher", Label::Negative),
            (
                &FRENCH,
                "La livraison était lente, mais le vendeur était très aimable",
                Label::Positive,
            ),
            (&FRENCH, "Le vendeur est agréable", Label::Positive),
            (&SPANISH, "El servicio fue excelente", Label::Positive),
            (&SPANISH, "El producto no es bueno", Label::Negative),
            (&SPANISH, "Una experiencia horrible", Label::Negative),
            (&SPANISH, "Muy caro", Label::Negative),
            (&SPANISH, "El paquete llegó el martes", Label::Neutral),
            (&SPANISH, "Todo perfecto, gracias", Label::Positive),
            (&SPANISH, "Nada bueno", Label::Negative),
            (&PORTUGUESE, "O atendimento foi ótimo", Label::Positive),
            (&PORTUGUESE, "O produto não é bom", Label::Negative),
            (&PORTUGUESE, "Entrega horrível", Label::Negative),
            (&PORTUGUESE, "Muito caro", Label::Negative),
            (&PORTUGUESE, "O pacote chegou na terça", Label::Neutral),
            (&PORTUGUESE, "Adorei, tudo perfeito", Label::Positive),
            (
                &PORTUGUESE,
                "A entrega atrasou, mas o atendimento foi excelente",
                Label::Positive,
            ),
        ];
        let wrong: Vec<String> = cases
            .into_iter()
            .filter_map(|(lang, text, want)| {
                let (score, got) = scored(lang, text);
                (got != want).then(|| format!("{text}: {score} is {got:?}, not {want:?}"))
            })
            .collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn negation_intensifiers_but_and_emphasis_move_the_score() {
        let good = GERMAN.compound("Der Service war gut");
        assert!(GERMAN.compound("Der Service war sehr gut") > good);
        assert!(GERMAN.compound("Der Service war gut!!") > good);
        assert!(GERMAN.compound("Der Service war GUT") > good);
        // All capitals is no emphasis: the whole text shouts.
        assert_eq!(GERMAN.compound("DER SERVICE WAR GUT"), good);
        assert!(GERMAN.compound("Der Service war nicht gut") < 0.0);
        // An inflected adjective is found by its lemma.
        assert_eq!(
            GERMAN.compound("ein guter Service"),
            GERMAN.compound("ein gut Service")
        );
        // What follows "but" outweighs what comes before.
        assert!(FRENCH.compound("Le produit est bon mais la livraison est horrible") < 0.0);
        assert!(FRENCH.compound("La livraison est horrible mais le produit est excellent") > 0.0);
        // Accents or none, Portuguese reads the same.
        assert_eq!(PORTUGUESE.compound("ótimo"), PORTUGUESE.compound("otimo"));
        assert_eq!(SPANISH.compound(""), 0.0);
    }
}
