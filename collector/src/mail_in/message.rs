//! A received message, parsed by `mail-parser`, turned into what the workflow needs: who sent
//! it, its subject and text (an HTML-only message's text taken from its HTML), whether a machine
//! sent it (an auto-reply, a list), and its files, each kept or refused with the reason.

use super::attachment::{self, MAX_FILES, MAX_FILE_BYTES, MAX_TOTAL_BYTES};
use mail_parser::{MessageParser, MimeHeaders as _};

/// What the workflow takes from a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// Where to answer: the `Reply-To` address, else the `From` address.
    pub sender: String,
    pub subject: Option<String>,
    pub message_id: Option<String>,
    /// The message's text as sent (quotes and signature still in it).
    pub text: String,
    /// Sent by a machine (RFC 3834's `Auto-Submitted`, a `Precedence` of bulk, junk or list):
    /// answering it could start a loop of messages.
    pub automatic: bool,
    pub files: Vec<File>,
    /// Files not kept, each as `name (why)`.
    pub refused: Vec<String>,
}

/// A file to keep, its type checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub name: String,
    pub declared_type: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// Why a message cannot be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Malformed {
    #[error("not an Internet message")]
    NotAMessage,
    #[error("no sender address in From")]
    NoSender,
    #[error("no text and no file that is kept")]
    Empty,
}

/// Reads a message as received.
pub fn read(raw: &[u8]) -> Result<Mail, Malformed> {
    let message = MessageParser::default()
        .parse(raw)
        .filter(|m| !m.headers().is_empty())
        .ok_or(Malformed::NotAMessage)?;
    let address = |a: Option<&mail_parser::Address<'_>>| {
        a.and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(str::trim)
            .filter(|a| valid_address(a))
            .map(str::to_owned)
    };
    let from = address(message.from()).ok_or(Malformed::NoSender)?;
    let sender = address(message.reply_to()).unwrap_or(from);
    let header = |name: &str| {
        message
            .header_raw(name)
            .map(|v| v.trim().to_ascii_lowercase())
    };
    let automatic = header("Auto-Submitted").is_some_and(|v| v != "no")
        || header("Precedence").is_some_and(|v| ["bulk", "junk", "list"].contains(&v.as_str()))
        || header("X-Autoreply").is_some()
        || header("X-Autorespond").is_some();
    let text = message
        .body_text(0)
        .map(|t| t.replace("\r\n", "\n").trim().to_owned())
        .unwrap_or_default();
    let mut files = Vec::new();
    let mut refused = Vec::new();
    let mut total = 0;
    for (n, part) in message.attachments().enumerate() {
        let name = attachment::clean_name(part.attachment_name(), n + 1);
        let declared = part
            .content_type()
            .map(|t| match t.subtype() {
                Some(sub) => format!("{}/{}", t.ctype(), sub),
                None => t.ctype().to_owned(),
            })
            .unwrap_or_else(|| "application/octet-stream".to_owned())
            .to_ascii_lowercase();
        let bytes = part.contents();
        let why = if part.is_message() {
            Some("an attached message is not kept".to_owned())
        } else if files.len() == MAX_FILES {
            Some(format!("only {MAX_FILES} files of a message are kept"))
        } else if bytes.len() > MAX_FILE_BYTES {
            Some(format!("larger than {} MB", MAX_FILE_BYTES / (1024 * 1024)))
        } else if total + bytes.len() > MAX_TOTAL_BYTES {
            Some(format!(
                "the message's files are kept up to {} MB together",
                MAX_TOTAL_BYTES / (1024 * 1024)
            ))
        } else {
            None
        };
        let checked = attachment::sniff(&declared, bytes);
        match (why, checked) {
            (Some(why), _) => refused.push(format!("{name} ({why})")),
            (None, None) => refused.push(format!("{name} ({declared}: not a type that is kept)")),
            (None, Some(content_type)) => {
                total += bytes.len();
                files.push(File {
                    name,
                    declared_type: declared,
                    content_type,
                    bytes: bytes.to_vec(),
                });
            }
        }
    }
    if text.is_empty() && files.is_empty() {
        return Err(Malformed::Empty);
    }
    Ok(Mail {
        sender,
        subject: message
            .subject()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        message_id: message.message_id().map(str::to_owned),
        text,
        automatic,
        files,
        refused,
    })
}

/// `local@domain`, each part there, no spaces, at most 254 characters.
pub fn valid_address(a: &str) -> bool {
    a.len() <= 254
        && !a.chars().any(|c| c.is_whitespace() || c.is_control())
        && a.rsplit_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && (domain.contains('.') || domain == "localhost")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_message_gives_its_sender_subject_and_text() {
        let m = read(
            b"From: Ann Example <ann@shop.test>\r\nTo: support@feedback.test\r\nSubject: Charged twice\r\nMessage-ID: <1@shop.test>\r\n\r\nMy card was charged twice.\r\n",
        )
        .unwrap();
        assert_eq!(m.sender, "ann@shop.test");
        assert_eq!(m.subject.as_deref(), Some("Charged twice"));
        assert_eq!(m.message_id.as_deref(), Some("1@shop.test"));
        assert_eq!(m.text, "My card was charged twice.");
        assert!(!m.automatic && m.files.is_empty());
    }

    #[test]
    fn html_only_mail_is_read_as_text_and_reply_to_wins() {
        let m = read(
            b"From: a@shop.test\r\nReply-To: Ann <ann@home.test>\r\nContent-Type: text/html\r\n\r\n<p>It <b>broke</b></p><script>x()</script>\r\n",
        )
        .unwrap();
        assert_eq!(m.sender, "ann@home.test");
        assert!(
            m.text.contains("It broke") && !m.text.contains('<'),
            "{}",
            m.text
        );
    }

    #[test]
    fn machines_and_malformed_messages_are_told_apart() {
        let auto =
            read(b"From: a@b.test\r\nAuto-Submitted: auto-replied\r\n\r\nI am away.\r\n").unwrap();
        assert!(auto.automatic);
        let list = read(b"From: a@b.test\r\nPrecedence: bulk\r\n\r\nNews\r\n").unwrap();
        assert!(list.automatic);
        assert_eq!(read(b"").unwrap_err(), Malformed::NotAMessage);
        assert_eq!(
            read(b"Subject: no sender\r\n\r\ntext\r\n").unwrap_err(),
            Malformed::NoSender
        );
        assert_eq!(
            read(b"From: not an address\r\n\r\ntext\r\n").unwrap_err(),
            Malformed::NoSender
        );
        assert_eq!(
            read(b"From: a@b.test\r\n\r\n \r\n").unwrap_err(),
            Malformed::Empty
        );
    }

    #[test]
    fn files_are_kept_by_type_and_size_and_the_rest_named() {
        let png = b"\x89PNG\r\n\x1a\n0000";
        let raw = format!(
            "From: a@b.test\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n\
             --XX\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n\
             --XX\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"shot.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n\
             --XX\r\nContent-Type: text/html\r\nContent-Disposition: attachment; filename=\"page.html\"\r\n\r\n<script>alert(1)</script>\r\n\
             --XX--\r\n",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, png)
        );
        let m = read(raw.as_bytes()).unwrap();
        assert_eq!(m.text, "See attached.");
        assert_eq!(m.files.len(), 1);
        assert_eq!(m.files[0].name, "shot.png");
        assert_eq!(m.files[0].content_type, "image/png");
        assert_eq!(m.files[0].bytes, png);
        assert_eq!(
            m.refused,
            ["page.html (text/html: not a type that is kept)"]
        );
    }
}
