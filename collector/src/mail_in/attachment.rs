//! Which files of a message are kept: up to a size each and in all, and only of the types the
//! team can open safely, told by their first bytes rather than by what the message declares.

/// The largest file kept, in bytes.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// The most files kept of one message, and their most bytes together.
pub const MAX_FILES: usize = 10;
pub const MAX_TOTAL_BYTES: usize = 10 * 1024 * 1024;

/// The type `bytes` are, among those kept, by their signature; plain text is text that is
/// UTF-8 without control characters but tabs and line ends, and only where the message
/// declared `text/plain` (any bytes can look like text). `None`: not a type that is kept.
pub fn sniff(declared: &str, bytes: &[u8]) -> Option<&'static str> {
    const SIGNATURES: [(&[u8], &str); 5] = [
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
        (b"%PDF-", "application/pdf"),
    ];
    if let Some((_, t)) = SIGNATURES.iter().find(|(sig, _)| bytes.starts_with(sig)) {
        return Some(t);
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some("image/webp");
    }
    let declared_text = declared
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/plain"));
    let text = std::str::from_utf8(bytes).is_ok_and(|s| {
        s.chars()
            .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
    });
    (declared_text && text && !bytes.is_empty()).then_some("text/plain; charset=utf-8")
}

/// A file name to keep and offer for download: the last path segment of what the sender named
/// it, without control characters or quotes, at most 120 characters; `attachment-N` when
/// nothing is left.
pub fn clean_name(name: Option<&str>, n: usize) -> String {
    let last = name
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\'' | '<' | '>' | ':' | '*' | '?' | '|'))
        .take(120)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_owned();
    if cleaned.is_empty() {
        format!("attachment-{n}")
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_told_by_their_first_bytes() {
        let cases: &[(&str, &[u8], Option<&str>)] = &[
            (
                "image/png",
                b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
                Some("image/png"),
            ),
            // A PNG declared as something else is kept as what it is.
            (
                "application/octet-stream",
                b"\x89PNG\r\n\x1a\n....",
                Some("image/png"),
            ),
            (
                "image/jpeg",
                b"\xff\xd8\xff\xe0\0\x10JFIF",
                Some("image/jpeg"),
            ),
            ("image/gif", b"GIF89a\x01\0\x01\0", Some("image/gif")),
            ("image/webp", b"RIFF\x24\0\0\0WEBPVP8 ", Some("image/webp")),
            ("application/pdf", b"%PDF-1.7\n", Some("application/pdf")),
            (
                "text/plain; charset=utf-8",
                "Bestellnummer 1234\n".as_bytes(),
                Some("text/plain; charset=utf-8"),
            ),
            // HTML declared as text is not text; HTML as HTML is not kept at all.
            ("text/plain", b"<html>\0<script>", None),
            ("text/html", b"<html><script>alert(1)</script>", None),
            ("image/png", b"<svg onload=alert(1)>", None),
            (
                "image/svg+xml",
                b"<svg xmlns='http://www.w3.org/2000/svg'/>",
                None,
            ),
            ("application/x-msdownload", b"MZ\x90\0", None),
            ("text/plain", b"", None),
        ];
        for (declared, bytes, want) in cases {
            assert_eq!(sniff(declared, bytes), *want, "{declared} {bytes:?}");
        }
    }

    #[test]
    fn names_lose_paths_and_characters_that_could_break_a_header() {
        assert_eq!(clean_name(Some("receipt.pdf"), 1), "receipt.pdf");
        assert_eq!(
            clean_name(Some("C:\\Users\\ann\\photo.jpg"), 1),
            "photo.jpg"
        );
        assert_eq!(clean_name(Some("../../etc/passwd"), 1), "passwd");
        assert_eq!(clean_name(Some("a\"b\r\nc.png"), 1), "abc.png");
        assert_eq!(clean_name(Some(".."), 2), "attachment-2");
        assert_eq!(clean_name(None, 3), "attachment-3");
        assert_eq!(clean_name(Some(&"x".repeat(300)), 1).chars().count(), 120);
    }
}
