//! Webhook endpoints and their deliveries: what the notifier (`notify/`) reads and records. A
//! supertrait of `Store`; its SQL is written once for both engines (`notify_sql.rs`).

use super::StoreResult;
use crate::clock::Millis;
use async_trait::async_trait;
use shared::SiteKey;

/// A site's webhook endpoint (its secret only where the notifier signs with it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    pub id: i64,
    pub url: String,
    /// The event types it takes; `None` for all.
    pub events: Option<Vec<String>>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub failures: i64,
    pub created_at: Millis,
}

/// A delivery a notifier has taken, held until its lease ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDelivery {
    pub id: i64,
    pub endpoint_id: i64,
    pub url: String,
    pub secret: String,
    pub event_id: String,
    pub kind: String,
    pub payload: String,
    pub event_at: Millis,
    pub attempts: u32,
}

/// One try of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub at: Millis,
    pub status: Option<u16>,
    pub latency_ms: i64,
    pub error: Option<String>,
}

/// What follows an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterAttempt {
    Delivered,
    RetryAt(Millis),
    /// The schedule is spent.
    Failed,
}

/// A delivery with its attempts, newest first, as the delivery log shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    pub id: i64,
    pub event_id: String,
    pub kind: String,
    pub status: String,
    pub next_at: Option<Millis>,
    pub created_at: Millis,
    pub attempts: Vec<Attempt>,
}

/// An outbox event whose e-mails are not made yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmailedEvent {
    pub id: i64,
    pub site: SiteKey,
    pub event_id: String,
    pub kind: String,
    pub payload: String,
}

/// One message to make for an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEmail {
    pub recipient: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The case of a customer's e-mail, whose status-page link (`closing::TOKEN_SLOT` in the
    /// bodies) gets its token when the message is sent, never stored in clear.
    pub complaint: Option<shared::ResponseId>,
}

/// A message a notifier has taken to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueEmail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub event_id: String,
    pub attempts: u32,
    pub complaint: Option<shared::ResponseId>,
}

#[async_trait]
pub trait NotifyStore: Send + Sync + 'static {
    /// Up to `limit` outbox events whose e-mails are not made yet, oldest first.
    async fn unmailed_events(&self, limit: u32) -> StoreResult<Vec<UnmailedEvent>>;

    /// Makes an event's messages (each once per recipient) and marks it mailed, in one
    /// transaction.
    async fn queue_emails(
        &self,
        event: &UnmailedEvent,
        emails: &[NewEmail],
        now: Millis,
    ) -> StoreResult<()>;

    /// Marks every event up to `last` (by id) as made into mail, with none: for a collector
    /// without an SMTP server, one statement rather than one transaction per event.
    async fn skip_mail_through(&self, last: i64, now: Millis) -> StoreResult<()>;

    /// Takes up to `limit` messages due at `now`, until `lease_until`.
    async fn claim_emails(
        &self,
        now: Millis,
        lease_until: Millis,
        limit: u32,
    ) -> StoreResult<Vec<DueEmail>>;

    /// A message was sent (`None`) or failed with an error, to be tried at `retry_at` or never.
    async fn record_email(
        &self,
        id: i64,
        error: Option<&str>,
        retry_at: Option<Millis>,
    ) -> StoreResult<()>;

    /// When a message is next due.
    async fn next_email_due(&self) -> StoreResult<Option<Millis>>;

    /// The addresses of the site's admins and owners.
    async fn admin_emails(&self, site: &SiteKey) -> StoreResult<Vec<String>>;

    /// A user's notification preferences on a site: the defaults when never set; `None` when
    /// the user is not a member of the site.
    async fn notification_preferences(
        &self,
        site: &SiteKey,
        user: i64,
    ) -> StoreResult<Option<shared::notify::NotificationPreferences>>;

    /// Stores them; false when the user is not a member of the site.
    async fn set_notification_preferences(
        &self,
        site: &SiteKey,
        user: i64,
        preferences: &shared::notify::NotificationPreferences,
    ) -> StoreResult<bool>;

    /// The preferences set on a site, by the user's address (those not listed take the
    /// defaults).
    async fn site_notification_preferences(
        &self,
        site: &SiteKey,
    ) -> StoreResult<Vec<(String, shared::notify::NotificationPreferences)>>;

    /// A new endpoint of `site`; `None` when no site has the key.
    async fn create_webhook(
        &self,
        site: &SiteKey,
        url: &str,
        events: Option<&[String]>,
        secret: &str,
        now: Millis,
    ) -> StoreResult<Option<WebhookEndpoint>>;

    async fn webhooks(&self, site: &SiteKey) -> StoreResult<Vec<WebhookEndpoint>>;

    async fn delete_webhook(&self, site: &SiteKey, id: i64) -> StoreResult<bool>;

    /// Switches an endpoint on (its failures forgotten) or off.
    async fn set_webhook_enabled(
        &self,
        site: &SiteKey,
        id: i64,
        enabled: bool,
    ) -> StoreResult<bool>;

    /// Makes a delivery for each enabled endpoint that takes each outbox event not yet fanned
    /// out, once (a second collector doing the same adds none); how many events it took.
    async fn fan_out(&self, now: Millis) -> StoreResult<u64>;

    /// Takes up to `limit` deliveries due at `now` that nobody holds, until `lease_until`, oldest
    /// first but no more than `per_endpoint` held at once for any one endpoint (those held
    /// already count), so that a receiver that is slow or never answers holds up no other.
    async fn claim_deliveries(
        &self,
        now: Millis,
        lease_until: Millis,
        limit: u32,
        per_endpoint: u32,
    ) -> StoreResult<Vec<DueDelivery>>;

    /// Records an attempt and what follows; an endpoint whose deliveries failed
    /// `disable_after` times in a row over at least `disable_after_ms` is switched off (true).
    async fn record_attempt(
        &self,
        delivery: &DueDelivery,
        attempt: &Attempt,
        after: &AfterAttempt,
        disable_after: i64,
        disable_after_ms: i64,
    ) -> StoreResult<bool>;

    /// When `claim_deliveries(…, per_endpoint)` next has something to take: the first due
    /// delivery of an endpoint holding fewer than `per_endpoint`, or the first lease to end. An
    /// endpoint at its share is due again only when one of its own finishes (which wakes the
    /// notifier) or its lease ends, so that a backlog behind a receiver that never answers is
    /// not looked at again and again meanwhile.
    async fn next_delivery_due(
        &self,
        now: Millis,
        per_endpoint: u32,
    ) -> StoreResult<Option<Millis>>;

    /// An endpoint's deliveries, newest first.
    async fn deliveries(
        &self,
        site: &SiteKey,
        endpoint: i64,
        limit: u32,
    ) -> StoreResult<Option<Vec<DeliveryRecord>>>;

    /// Tries a delivery again now, its schedule started afresh.
    async fn redeliver(
        &self,
        site: &SiteKey,
        endpoint: i64,
        delivery: i64,
        now: Millis,
    ) -> StoreResult<bool>;
}
