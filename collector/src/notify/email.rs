//! E-mail notifications over SMTP (lettre): who is told of which event, and the message, in
//! plain text with an HTML alternative (user text escaped: never HTML). The hot-stove alert goes
//! to the site's admins and owners; an SLA warning to the assignee; a breach to the assignee, or
//! the admins when the case has none; an escalation level to whom it names; a goal at risk and
//! the weekly digest (`digest`, opt-in) to the admins. The customer is told of their own case
//! (`customer`), when they consented.

use super::customer::CustomerEvent;
use super::templates::{render, Notice, NoticeEvent};
use crate::store::notify_store::{DueEmail, NewEmail, UnmailedEvent};
use crate::store::Store;
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::Value;
use shared::notify::NotificationPreferences;
use shared::sla::SlaTarget;
use std::collections::HashMap;
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

    /// Sends one queued message; replies to it go to `reply_to`, if given.
    pub async fn send(&self, m: &DueEmail, reply_to: Option<&str>) -> Result<(), String> {
        self.deliver(&m.recipient, &m.subject, &m.text, &m.html, reply_to)
            .await
    }

    /// Sends a message written just now (an invitation), not through the outbox: the caller
    /// hears at once whether the SMTP server took it.
    pub async fn send_now(&self, to: &str, email: &super::templates::Email) -> Result<(), String> {
        self.deliver(to, &email.subject, &email.text, &email.html, None)
            .await
    }

    async fn deliver(
        &self,
        recipient: &str,
        subject: &str,
        text: &str,
        html: &str,
        reply_to: Option<&str>,
    ) -> Result<(), String> {
        let to: Mailbox = recipient
            .parse()
            .map_err(|e| format!("{recipient:?} is not an address: {e}"))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject);
        if let Some(address) = reply_to {
            let mailbox: Mailbox = address
                .parse()
                .map_err(|e| format!("{address:?} is not an address: {e}"))?;
            builder = builder.reply_to(mailbox);
        }
        let message = builder
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(text.to_owned()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(html.to_owned()),
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

/// A notice and whom it goes to, from an outbox event; `None` for an event nobody is mailed.
async fn notice_of(
    store: &dyn Store,
    event: &UnmailedEvent,
    data: &Value,
    public_url: &str,
) -> anyhow::Result<Option<(Notice, Vec<String>)>> {
    let c = &data["complaint"];
    let case_link = format!(
        "{public_url}/dashboard/#/cases/{}",
        c["id"].as_str().unwrap_or_default()
    );
    let notice = |event: NoticeEvent, excerpt: Option<&str>| Notice {
        event,
        reference: c["reference"].as_str().unwrap_or_default().to_owned(),
        link: case_link.clone(),
        excerpt: excerpt.map(str::to_owned),
    };
    let target =
        || -> anyhow::Result<SlaTarget> { Ok(serde_json::from_value(data["target"].clone())?) };
    Ok(Some(match event.kind.as_str() {
        "complaint.hot_stove" => (
            notice(NoticeEvent::HotStove, c["description"].as_str()),
            store.admin_emails(&event.site).await?,
        ),
        "sla.warning" => {
            let due = data["due_at"].as_str().map_or_else(String::new, |d| {
                // `2026-12-03T14:00:00.000Z` as `2026-12-03 14:00 UTC`.
                format!("{} UTC", d.get(..16).unwrap_or(d).replacen('T', " ", 1))
            });
            (
                notice(
                    NoticeEvent::SlaWarning {
                        target: target()?,
                        due,
                    },
                    None,
                ),
                assignee(store, event, c).await.into_iter().collect(),
            )
        }
        "sla.breached" => (
            notice(NoticeEvent::SlaBreached { target: target()? }, None),
            match assignee(store, event, c).await {
                Some(a) => vec![a],
                None => store.admin_emails(&event.site).await?,
            },
        ),
        "escalation.raised" => {
            let mut to = Vec::new();
            for who in data["notify"].as_array().into_iter().flatten() {
                match who.as_str() {
                    Some("assignee") => to.extend(assignee(store, event, c).await),
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
            let level = u32::try_from(data["level"].as_u64().unwrap_or(0)).unwrap_or(0);
            (notice(NoticeEvent::Escalated { level }, None), to)
        }
        "webhook.disabled" => (
            Notice {
                event: NoticeEvent::WebhookDisabled {
                    url: data["endpoint"]["url"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                },
                reference: String::new(),
                link: format!("{public_url}/dashboard/#/settings/webhooks"),
                excerpt: None,
            },
            store.admin_emails(&event.site).await?,
        ),
        "goal.at_risk" => {
            let g = &data["goal"];
            let metric = g["metric"].as_str().unwrap_or_default();
            (
                Notice {
                    event: NoticeEvent::GoalAtRisk {
                        goal: g["name"].as_str().unwrap_or_default().to_owned(),
                        target: super::digest::goal_value(
                            metric,
                            g["target"].as_f64().unwrap_or_default(),
                        ),
                        deadline: g["deadline"].as_str().unwrap_or_default().to_owned(),
                    },
                    reference: String::new(),
                    link: format!("{public_url}/dashboard/#/goals"),
                    excerpt: None,
                },
                store.admin_emails(&event.site).await?,
            )
        }
        _ => return Ok(None),
    }))
}

/// The messages an event makes: one to each person it concerns who takes that event by e-mail
/// (their notification preferences), in their language.
pub async fn messages(
    store: &dyn Store,
    event: &UnmailedEvent,
    public_url: &str,
) -> anyhow::Result<Vec<NewEmail>> {
    let data: Value = serde_json::from_str(&event.payload)?;
    let mut out: Vec<NewEmail> = customer_message(store, event, &data, public_url)
        .await?
        .into_iter()
        .collect();
    if event.kind == "feedback.shared" {
        // To the destination's own address: a team's inbox, not a user with preferences.
        if let Some(to) = data["destination"]["email"].as_str() {
            let email = super::digest::render_shared(&data);
            out.push(NewEmail {
                recipient: to.to_owned(),
                subject: email.subject,
                text: email.text,
                html: email.html,
                complaint: None,
            });
        }
        return Ok(out);
    }
    if event.kind == crate::insight::digest::EVENT {
        let digest: crate::insight::digest::Digest =
            serde_json::from_value(data["digest"].clone())?;
        let link = format!(
            "{public_url}/dashboard/{}",
            data["link"].as_str().unwrap_or("#/insight")
        );
        let admins = store.admin_emails(&event.site).await?;
        out.extend(
            to_each(store, event, admins, |lang| {
                super::digest::render_digest(&digest, &link, lang)
            })
            .await?,
        );
        return Ok(out);
    }
    let Some((notice, recipients)) = notice_of(store, event, &data, public_url).await? else {
        return Ok(out);
    };
    out.extend(to_each(store, event, recipients, |lang| render(&notice, lang)).await?);
    Ok(out)
}

/// The message of `event` to each of `recipients` who takes it by e-mail (their notification
/// preferences), written by `write` in their language.
async fn to_each(
    store: &dyn Store,
    event: &UnmailedEvent,
    mut recipients: Vec<String>,
    write: impl Fn(&str) -> super::templates::Email,
) -> anyhow::Result<Vec<NewEmail>> {
    recipients.sort();
    recipients.dedup();
    let preferences: HashMap<String, NotificationPreferences> = store
        .site_notification_preferences(&event.site)
        .await?
        .into_iter()
        .collect();
    let default = NotificationPreferences::default();
    Ok(recipients
        .into_iter()
        .filter_map(|recipient| {
            let p = preferences.get(&recipient).unwrap_or(&default);
            if !p.wants(&event.kind) {
                return None;
            }
            let email = write(&p.language);
            Some(NewEmail {
                recipient,
                subject: email.subject,
                text: email.text,
                html: email.html,
                complaint: None,
            })
        })
        .collect())
}

/// The message to the customer an event makes, if it is one they are told of (the case was
/// received, the team replied, the case was resolved) and they consented to be contacted.
async fn customer_message(
    store: &dyn Store,
    event: &UnmailedEvent,
    data: &Value,
    public_url: &str,
) -> anyhow::Result<Option<NewEmail>> {
    let what = match event.kind.as_str() {
        "complaint.created" => CustomerEvent::Received,
        "complaint.replied" if data["reply"]["by"] == "team" => CustomerEvent::Replied {
            body: data["reply"]["body"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        },
        "complaint.status_changed" if data["to"] == "resolved" => CustomerEvent::Resolved,
        _ => return Ok(None),
    };
    let Some(id) = data["complaint"]["id"]
        .as_str()
        .and_then(|id| shared::ResponseId::parse(id).ok())
    else {
        return Ok(None);
    };
    // Erased, or never given with consent: nobody to write to.
    let Some(case) = store.case(&event.site, &id).await? else {
        return Ok(None);
    };
    let Some(address) = case.email.clone().filter(|_| case.contact_consent) else {
        return Ok(None);
    };
    let lang = case.enrichment.locale.as_deref().unwrap_or("en");
    let email = super::customer::render(
        &what,
        &crate::complaints::reference::reference(case.number),
        public_url,
        lang,
    );
    Ok(Some(NewEmail {
        recipient: address,
        subject: email.subject,
        text: email.text,
        html: email.html,
        complaint: Some(id),
    }))
}

/// The address of the case's assignee, if it has one.
async fn assignee(store: &dyn Store, event: &UnmailedEvent, c: &Value) -> Option<String> {
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
    fn passwords_are_hidden() {
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
