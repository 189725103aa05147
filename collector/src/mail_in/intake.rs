//! What a received message does, decided outside the protocol: which recipients are taken (a
//! site's intake address, a case's reply address), and what becomes of a message to them: a new
//! complaint through the workflow's intake (channel `email`), or the customer's reply on the
//! case through `complaints::cases::customer_mail`. Each outcome and refusal is counted in
//! `/metrics` as `hark_mail_received_total{outcome}`.
//!
//! A reply to a merged case goes to the case it was merged into; a reply to a closed case opens
//! a new case that names the old one (the customer is writing about something again); a reply to
//! a case marked spam is refused. Messages from machines (auto-replies, bulk mail, bounces) are
//! accepted and dropped, so that an out-of-office answer never loops with a notification.

use super::message::{self, Mail};
use super::smtp::{Delivery, Envelope, Reply};
use super::{quote, ReplyAddresses};
use crate::complaints::cases::{self, CaseError, Files};
use crate::complaints::reference::reference;
use crate::complaints::NewEntry;
use crate::http::AppState;
use crate::store::mail_store::NewAttachment;
use crate::store::{NewComplaint, Stored};
use async_trait::async_trait;
use shared::case::{Actor, EntryKind, Status};
use shared::{ResponseId, SiteKey};

/// What `hark_mail_received_total` counts, by `outcome`.
pub const OUTCOMES: [&str; 8] = [
    "complaint",
    "reply",
    "automatic",
    "unknown_recipient",
    "too_large",
    "malformed",
    "refused",
    "failed",
];

/// A site's intake address as kept (trimmed, lower case), or what is wrong with it. It may not
/// be a case's reply address (`c+…` at `mail_domain`).
pub fn intake_address(address: &str, mail_domain: Option<&str>) -> Result<String, String> {
    let address = address.trim().to_lowercase();
    if !message::valid_address(&address) {
        return Err(format!("address {address:?} is not an e-mail address"));
    }
    if let Some(domain) = mail_domain {
        if address.starts_with("c+") && address.ends_with(&format!("@{domain}")) {
            return Err(format!(
                "address: c+…@{domain} are cases' reply addresses; choose another"
            ));
        }
    }
    Ok(address)
}

/// The longest description of a new complaint (`shared::ComplaintSubmission`'s limit).
const MAX_DESCRIPTION: usize = 5000;

/// Where a recipient's mail goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// A new complaint on the site whose intake address it is.
    Intake { site: SiteKey, address: String },
    /// The customer's reply on a case.
    Case { site: SiteKey, id: ResponseId },
}

/// The domain's side of an SMTP session.
pub struct MailIntake {
    state: AppState,
    replies: ReplyAddresses,
}

fn temporary() -> Reply {
    Reply::new(451, "4.3.0 Temporary failure, try again later")
}

impl MailIntake {
    pub fn new(state: AppState, replies: ReplyAddresses) -> Self {
        Self { state, replies }
    }

    fn count(&self, outcome: &'static str) {
        self.state.metrics.mail_received(outcome);
    }

    async fn target(&self, address: &str) -> Result<Option<Target>, crate::store::StoreError> {
        let store = self.state.store.as_ref();
        if let Some(id) = self.replies.case_of(address) {
            return Ok(store
                .complaint_site(&id)
                .await?
                .map(|site| Target::Case { site, id }));
        }
        let address = address.to_lowercase();
        Ok(store
            .site_by_intake(&address)
            .await?
            .map(|site| Target::Intake { site, address }))
    }

    /// Files as the workflow keeps them, with a note on the timeline naming those kept and
    /// those not.
    fn files(mail: &Mail) -> Files {
        let mut notes = Vec::new();
        if !mail.files.is_empty() {
            let names: Vec<String> = mail
                .files
                .iter()
                .map(|f| format!("{} ({})", f.name, size(f.bytes.len())))
                .collect();
            notes.push(NewEntry::new(
                EntryKind::InternalNote,
                Actor::System,
                format!("attached by e-mail: {}", names.join(", ")),
            ));
        }
        if !mail.refused.is_empty() {
            notes.push(NewEntry::new(
                EntryKind::InternalNote,
                Actor::System,
                format!("not kept from the e-mail: {}", mail.refused.join("; ")),
            ));
        }
        Files {
            kept: mail
                .files
                .iter()
                .map(|f| NewAttachment {
                    filename: f.name.clone(),
                    declared_type: f.declared_type.clone(),
                    content_type: f.content_type.to_owned(),
                    content: f.bytes.clone(),
                })
                .collect(),
            notes,
        }
    }

    /// A new complaint on `site` from `mail` to `address`; `note` says why, when it is not
    /// simply a new message (a reply to a closed case).
    async fn new_case(
        &self,
        site: &SiteKey,
        address: &str,
        mail: &Mail,
        note: Option<&str>,
    ) -> Result<(), CaseError> {
        let store = self.state.store.as_ref();
        let now = self.state.clock.now_ms();
        let mut description = match &mail.subject {
            Some(s) if !mail.text.starts_with(s.as_str()) => format!("{s}\n\n{}", mail.text),
            _ => mail.text.clone(),
        };
        if description.trim().is_empty() {
            description = "(files attached, no text)".to_owned();
        }
        let description = shorten(description.trim(), MAX_DESCRIPTION);
        // A message delivered again (the sender did not hear our 250) is the same complaint.
        let id = match &mail.message_id {
            Some(mid) => crate::import::response_id(site, &format!("mail:{mid}")),
            None => {
                ResponseId::from_uuid(uuid::Builder::from_random_bytes(rand::random()).into_uuid())
            }
        };
        // Whoever writes in expects the answer by e-mail: the address is kept to answer them.
        let complaint: shared::ComplaintSubmission = serde_json::from_value(serde_json::json!({
            "id": id, "site_key": site, "description": description,
            "email": mail.sender, "contact_consent": true,
        }))
        .or_else(|_| {
            serde_json::from_value(serde_json::json!({
                "id": id, "site_key": site, "description": description,
            }))
        })
        .map_err(|e| CaseError::Invalid(e.to_string()))?;
        let mut intake =
            cases::intake(store, site, &id, None, &complaint.description, None, now).await?;
        crate::complaints::mailed(&mut intake, address, note);
        let (stored, _) = store
            .insert_complaint(&NewComplaint {
                complaint,
                enrichment: crate::store::Enrichment::default(),
                received_at: now,
                intake,
                token: None,
                channel: "email",
                source_url: None,
                resolved_at: None,
            })
            .await?;
        // Delivered again: its files are there already, unless the first try stopped between
        // the case and its files.
        if stored == Stored::Created || store.attachments(&id).await?.is_empty() {
            cases::attach(store, site, &id, Self::files(mail), now).await?;
        }
        Ok(())
    }

    /// The customer's reply on case `id` of `site`, or where it leads.
    async fn reply(
        &self,
        site: &SiteKey,
        id: &ResponseId,
        mail: &Mail,
    ) -> Result<Reply, CaseError> {
        let store = self.state.store.as_ref();
        let mut id = *id;
        let mut case = store
            .case(site, &id)
            .await?
            .ok_or(CaseError::NotFound("the case is gone"))?;
        // A merged case's replies go where it was merged, as far as merges were chained.
        for _ in 0..8 {
            match (case.status, case.merged_into) {
                (Status::Merged, Some(into)) => {
                    id = into;
                    case = store
                        .case(site, &id)
                        .await?
                        .ok_or(CaseError::NotFound("the case is gone"))?;
                }
                _ => break,
            }
        }
        match case.status {
            Status::Spam => {
                self.count("refused");
                return Ok(Reply::new(550, "5.7.1 This case takes no more messages"));
            }
            Status::Closed | Status::Merged => {
                let address = store
                    .mail_intake(site)
                    .await?
                    .unwrap_or_else(|| self.replies.address(&id));
                let note = format!("a reply to {}, which was closed", reference(case.number));
                self.new_case(site, &address, mail, Some(&note)).await?;
                self.count("complaint");
                return Ok(Reply::new(250, "2.0.0 Taken as a new complaint"));
            }
            _ => {}
        }
        let mut body = quote::strip(&mail.text);
        if body.is_empty() {
            if mail.files.is_empty() {
                self.count("malformed");
                return Ok(Reply::new(550, "5.6.0 The reply has no text of its own"));
            }
            body = "(files attached, no text)".to_owned();
        }
        let body = shorten(&body, crate::complaints::MAX_REPLY);
        let now = self.state.clock.now_ms();
        // A change made meanwhile by the team is read again once.
        match cases::customer_mail(store, site, &id, body.clone(), Self::files(mail), now).await {
            Err(CaseError::Changed) => {
                cases::customer_mail(store, site, &id, body, Self::files(mail), now).await?;
            }
            other => {
                other?;
            }
        }
        self.count("reply");
        Ok(Reply::new(250, "2.0.0 Added to the case"))
    }
}

/// `text` cut to `max` characters, marked as cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max - 2).collect();
    cut.push_str(" …");
    cut
}

/// A size as people read it.
fn size(bytes: usize) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    }
}

#[async_trait]
impl Delivery for MailIntake {
    async fn recipient(&self, address: &str) -> Result<(), Reply> {
        match self.target(address).await {
            Ok(Some(_)) => Ok(()),
            Ok(None) => {
                self.count("unknown_recipient");
                Err(Reply::new(550, "5.1.1 No such recipient here"))
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot look up an e-mail recipient");
                Err(temporary())
            }
        }
    }

    async fn deliver(&self, envelope: &Envelope, raw: &[u8]) -> Reply {
        let mail = match message::read(raw) {
            Ok(mail) => mail,
            Err(why) => {
                self.count("malformed");
                return Reply::new(550, format!("5.6.0 Malformed message: {why}"));
            }
        };
        if mail.automatic || envelope.from.is_empty() {
            self.count("automatic");
            return Reply::new(250, "2.0.0 Not answered: sent by a machine");
        }
        // One reply answers for every recipient: taken if any took it, else the last refusal.
        let mut taken = None;
        let mut last = Reply::new(250, "2.0.0 OK");
        for to in &envelope.to {
            let done = match self.target(to).await {
                Ok(Some(Target::Intake { site, address })) => {
                    self.new_case(&site, &address, &mail, None).await.map(|()| {
                        self.count("complaint");
                        Reply::new(250, "2.0.0 Taken as a complaint")
                    })
                }
                Ok(Some(Target::Case { site, id })) => self.reply(&site, &id, &mail).await,
                // Gone since RCPT (erased, say): nobody to give it to.
                Ok(None) => {
                    self.count("unknown_recipient");
                    Ok(Reply::new(550, "5.1.1 No such recipient here"))
                }
                Err(e) => Err(e.into()),
            };
            last = match done {
                Ok(reply) => reply,
                Err(CaseError::Invalid(why)) => {
                    self.count("malformed");
                    return Reply::new(550, format!("5.6.0 {why}"));
                }
                Err(CaseError::NotFound(_)) => {
                    self.count("unknown_recipient");
                    Reply::new(550, "5.1.1 No such recipient here")
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot take an e-mail");
                    self.count("failed");
                    return temporary();
                }
            };
            if last.code == 250 {
                taken = Some(last.clone());
            }
        }
        taken.unwrap_or(last)
    }

    fn too_large(&self) {
        self.count("too_large");
    }
}
