//! E-mail notifications over SMTP (lettre): who is told of which event, and the message, in
//! plain text with an HTML alternative (user text escaped: never HTML). The hot-stove alert goes
//! to the site's admins and owners; an SLA warning to the assignee; a breach to the assignee, or
//! the admins when the case has none; an escalation level to whom it names.

use crate::store::notify_store::{DueEmail, NewEmail, UnmailedEvent};
use crate::store::Store;
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::Value;
use std::fmt;

/// Where mail goes out: an SMTP URL (`smtp://host:25` plain, `smtp://user:pass@host:587?tls=required`
/// for STARTTLS, `smtps://user:pass@host:465` for TLS) and the sender.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub url: String,
    pub from: String,
}

impl serde::Serialize for SmtpSettings {
    /// As `Debug` shows them: the password hidden.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut st = s.serialize_struct("SmtpSettings", 2)?;
        st.serialize_field("url", &redacted(&self.url))?;
        st.serialize_field("from", &self.from)?;
        st.end()
    }
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("url", &redacted(&self.url))
            .field("from", &self.from)
            .finish()
    }
}

/// The URL with its password hidden, for logs and `hark config`.
pub fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

/// A ready transport and sender.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// Checks the settings: a URL lettre takes, a sender address.
    pub fn new(s: &SmtpSettings) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&s.url)
            .map_err(|e| format!("smtp_url {}: {e}", redacted(&s.url)))?
            .build();
        let from: Mailbox = s
            .from
            .parse()
            .map_err(|e| format!("smtp_from {:?} is not an address: {e}", s.from))?;
        Ok(Self { transport, from })
    }

    /// Sends one message.
    pub async fn send(&self, m: &DueEmail) -> Result<(), String> {
        let to: Mailbox = m
            .recipient
            .parse()
            .map_err(|e| format!("{:?} is not an address: {e}", m.recipient))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&m.subject)
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(m.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(m.html.clone()),
                    ),
            )
            .map_err(|e| format!("cannot build the message: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// `text` for HTML: the five characters that could start markup, escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn target_name(t: &str) -> &str {
    match t {
        "first_response" => "first response",
        "next_response" => "next response",
        "resolution" => "resolution",
        other => other,
    }
}

/// The messages an event makes, to whom.
pub async fn messages(
    store: &dyn Store,
    event: &UnmailedEvent,
    public_url: Option<&str>,
) -> anyhow::Result<Vec<NewEmail>> {
    let data: Value = serde_json::from_str(&event.payload)?;
    let c = &data["complaint"];
    let reference = c["reference"].as_str().unwrap_or("a case");
    let description = c["description"].as_str().unwrap_or_default();
    let priority = c["priority"].as_str().unwrap_or_default();
    let target = target_name(data["target"].as_str().unwrap_or_default());
    let assignee = async {
        let id = c["id"]
            .as_str()
            .and_then(|i| shared::ResponseId::parse(i).ok());
        match id {
            Some(id) => store
                .case(&event.site, &id)
                .await
                .ok()
                .flatten()
                .and_then(|case| case.assignee.map(|a| a.email)),
            None => None,
        }
    };
    let (recipients, subject, lead): (Vec<String>, String, String) = match event.kind.as_str() {
        "complaint.hot_stove" => (
            store.admin_emails(&event.site).await?,
            format!("[Hark] Hot stove: {reference} needs someone now"),
            format!(
                "A complaint matched the hot-stove rule \"{}\" ({}). It is {priority} now.",
                data["rule"].as_str().unwrap_or_default(),
                data["reason"].as_str().unwrap_or_default()
            ),
        ),
        "sla.warning" => (
            assignee.await.into_iter().collect(),
            format!("[Hark] {reference}: the {target} target is near"),
            format!("The {target} target of {reference} ({priority}) is near."),
        ),
        "sla.breached" => {
            let to = match assignee.await {
                Some(a) => vec![a],
                None => store.admin_emails(&event.site).await?,
            };
            (
                to,
                format!("[Hark] {reference}: the {target} target was missed"),
                format!("The {target} target of {reference} ({priority}) was missed."),
            )
        }
        "escalation.raised" => {
            let mut to = Vec::new();
            for who in data["notify"].as_array().into_iter().flatten() {
                match who.as_str() {
                    Some("assignee") => to.extend(assignee_of(store, event, c).await),
                    Some("admins") => to.extend(store.admin_emails(&event.site).await?),
                    _ => {
                        let ids: Vec<i64> = who["users"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_i64)
                            .collect();
                        let agents = store.agents(&event.site).await?;
                        to.extend(
                            agents
                                .into_iter()
                                .filter(|a| ids.contains(&a.id))
                                .map(|a| a.email),
                        );
                    }
                }
            }
            (
                to,
                format!(
                    "[Hark] {reference}: escalated (level {})",
                    data["level"].as_i64().unwrap_or(0)
                ),
                format!(
                    "The {target} target of {reference} ({priority}) was missed, and it was \
                     escalated to level {}.",
                    data["level"].as_i64().unwrap_or(0)
                ),
            )
        }
        _ => return Ok(Vec::new()),
    };
    let mut recipients = recipients;
    recipients.sort();
    recipients.dedup();
    let link = public_url.map(|u| {
        format!(
            "{u}/dashboard/#/cases/{}",
            c["id"].as_str().unwrap_or_default()
        )
    });
    let text = format!(
        "{lead}\n\n\"{description}\"\n\n{}Sent by Hark.\n",
        link.as_ref()
            .map(|l| format!("Open it: {l}\n\n"))
            .unwrap_or_default()
    );
    let html = format!(
        "<p>{}</p><blockquote>{}</blockquote>{}<p>Sent by Hark.</p>",
        escape(&lead),
        escape(description),
        link.map(|l| format!("<p><a href=\"{0}\">Open it</a></p>", escape(&l)))
            .unwrap_or_default()
    );
    Ok(recipients
        .into_iter()
        .map(|recipient| NewEmail {
            recipient,
            subject: subject.clone(),
            text: text.clone(),
            html: html.clone(),
        })
        .collect())
}

async fn assignee_of(store: &dyn Store, event: &UnmailedEvent, c: &Value) -> Option<String> {
    let id = shared::ResponseId::parse(c["id"].as_str()?).ok()?;
    store
        .case(&event.site, &id)
        .await
        .ok()
        .flatten()?
        .assignee
        .map(|a| a.email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_is_escaped_and_passwords_hidden() {
        assert_eq!(
            escape("<b>\"x\" & 'y'</b>"),
            "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"
        );
        assert_eq!(
            redacted("smtp://hark:secret@mail.example:587?tls=required"),
            "smtp://hark:***@mail.example:587?tls=required"
        );
        let s = SmtpSettings {
            url: "smtps://u:pw@m.example".into(),
            from: "Hark <h@example.com>".into(),
        };
        assert!(!format!("{s:?}").contains("pw@"));
        assert!(Mailer::new(&s).is_ok());
        let bad = SmtpSettings {
            url: "smtp://m.example".into(),
            from: "not an address".into(),
        };
        assert!(Mailer::new(&bad).unwrap_err().contains("smtp_from"));
    }
}
