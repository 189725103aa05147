//! A case's reference: a short code a customer can read out on the phone (`HK-7QF3`), from the
//! site's own running number of cases, scrambled so that references do not reveal how many
//! complaints a site gets, and in Crockford's base 32 (no I, L, O or U to misread).

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Numbers below this get four characters; the scrambling is a bijection on them.
const SPACE: u64 = 1 << 20;
/// Odd, so that multiplying by it is a bijection modulo `SPACE`.
const MULTIPLIER: u64 = 0x5_BD1F;
const MASK: u64 = 0xA_5A5A;

/// The reference of a site's `n`th case (from 1). Distinct numbers give distinct references.
pub fn reference(n: u64) -> String {
    let (value, width) = if n < SPACE {
        ((n.wrapping_mul(MULTIPLIER) ^ MASK) % SPACE, 4)
    } else {
        // Past a million cases, the number itself, in five characters or more: no four-
        // character reference is reused.
        (n, 5)
    };
    let mut digits = Vec::new();
    let mut v = value;
    while v > 0 || digits.len() < width {
        digits.push(ALPHABET[(v % 32) as usize]);
        v /= 32;
    }
    digits.reverse();
    format!("HK-{}", String::from_utf8(digits).expect("ASCII"))
}

/// The inverse of `MULTIPLIER` modulo 2⁶⁴ (and so modulo `SPACE`), by Newton's iteration.
const INVERSE: u64 = {
    let mut inv = MULTIPLIER;
    let mut i = 0;
    while i < 5 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(MULTIPLIER.wrapping_mul(inv)));
        i += 1;
    }
    inv
};

/// The number a reference was made from, if `input` is one: `HK-` and the code, in any case,
/// O read as 0, I and L as 1.
pub fn number(input: &str) -> Option<u64> {
    let upper = input.trim().to_ascii_uppercase();
    let code = upper.strip_prefix("HK-")?;
    if code.len() < 4 || code.len() > 12 {
        return None;
    }
    let mut value: u64 = 0;
    for c in code.bytes() {
        let c = match c {
            b'O' => b'0',
            b'I' | b'L' => b'1',
            c => c,
        };
        let digit = ALPHABET.iter().position(|a| *a == c)? as u64;
        value = value.checked_mul(32)?.checked_add(digit)?;
    }
    let n = if code.len() == 4 {
        ((value ^ MASK).wrapping_mul(INVERSE)) % SPACE
    } else if value >= SPACE {
        value
    } else {
        return None;
    };
    (n > 0).then_some(n)
}

/// Reads what a person typed as a reference: case and spaces ignored, `HK-` optional.
pub fn normalize(input: &str) -> String {
    let s: String = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let code = s.strip_prefix("HK-").unwrap_or(&s);
    format!("HK-{code}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn references_are_short_distinct_and_unreadable_as_counts() {
        let mut seen = HashSet::new();
        for n in 1..200_000 {
            let r = reference(n);
            assert_eq!(r.len(), 7, "{r}");
            assert!(seen.insert(r), "{n} repeats a reference");
        }
        assert_ne!(reference(2)[3..], reference(1)[3..]);
        assert!(!reference(1).ends_with("0001"));
        for n in [SPACE, SPACE + 1, 40_000_000] {
            let r = reference(n);
            assert!(r.len() >= 8, "{r}");
            assert!(seen.insert(r));
        }
        assert!(reference(7)[3..].bytes().all(|b| ALPHABET.contains(&b)));
    }

    #[test]
    fn a_reference_gives_back_its_number() {
        for n in [1, 2, 77, 1000, SPACE - 1, SPACE, 40_000_000] {
            assert_eq!(number(&reference(n)), Some(n), "{n}");
        }
        let r = reference(1234).to_lowercase().replace('0', "o");
        assert_eq!(number(&r), Some(1234));
        assert_eq!(number("hello"), None);
        assert_eq!(number(&reference(5)[3..]), None, "no HK- prefix");
        assert_eq!(number("HK-U000"), None, "U is not a digit");
        assert_eq!(
            number("HK-00000"),
            None,
            "five characters are past a million"
        );
    }

    #[test]
    fn typed_references_are_normalized() {
        assert_eq!(normalize(" hk-7qf3 "), "HK-7QF3");
        assert_eq!(normalize("7QF3"), "HK-7QF3");
    }
}
