//! Notifications: the durable outbox and its deliveries. A change that causes an event writes
//! it to `outbox_events` in its own transaction (`CaseChange::events`); `run`, inside
//! `hark serve`, fans each event out to the site's webhook endpoints that take it (one delivery
//! per endpoint, made once however many collectors run) and delivers them: signed by the
//! Standard Webhooks specification (`webhook`), to addresses the SSRF guard allows (`ssrf`),
//! retried on a schedule of about a day, each attempt recorded. Every delivery runs as a task
//! of its own, at most a few at a time per endpoint, so a slow or dead receiver holds up no
//! other endpoint, nor ingest, which only writes the outbox row.

pub mod customer;
pub mod digest;
pub mod email;
pub mod invitation;
pub mod ssrf;
pub mod templates;
pub mod webhook;

use crate::clock::{rfc3339, Clock, Millis};
use crate::http::IpNet;
use crate::store::notify_store::{AfterAttempt, Attempt, DueDelivery, DueEmail};
use crate::store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, Semaphore};
use webhook::WebhookSecret;

/// How long a notifier holds deliveries it took: longer than the most it waits for an
/// endpoint's turn and the attempt's timeout.
const LEASE_MS: Millis = 5 * 60_000;
/// Deliveries taken at a time.
const BATCH: u32 = 64;
/// Deliveries in flight at once in all, and to one endpoint.
const IN_FLIGHT: usize = 64;
const PER_ENDPOINT: usize = 4;
/// One attempt's limit: connecting, and all of it.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const TIMEOUT: Duration = Duration::from_secs(10);
/// At most this much of a receiver's answer is read (and none of it kept).
const MAX_ANSWER: usize = 4_096;
/// As in `jobs`: the sleep is capped only so that a step of the system clock delays nothing
/// long; new events and finished attempts wake the notifier at once.
const LOOK_AGAIN: Duration = Duration::from_secs(60);
/// Rounds start at least this far apart when events keep coming: under load one round takes
/// the events of many complaints, so that its transactions do not compete with ingest's once
/// per complaint. After a quiet spell the first event goes out at once. This is a rate limit
/// on work, not a timer: it runs on the real clock whatever the injected one says.
const ROUND_GAP: Duration = Duration::from_millis(25);

/// The client webhooks go out with: the guarded resolver, no redirects (a redirect could lead
/// inward), short timeouts, and a user agent that names us.
pub fn client(allow: Arc<Vec<IpNet>>) -> reqwest::Client {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(ssrf::GuardedResolver { allow }))
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(TIMEOUT)
        .user_agent(concat!("Hark-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the webhook client builds")
}

/// Sends one delivery: the attempt as it went.
pub async fn deliver(
    client: &reqwest::Client,
    allow: &[IpNet],
    d: &DueDelivery,
    now: Millis,
) -> Attempt {
    let started = Instant::now();
    let sent = send(client, allow, d, now).await;
    let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    match sent {
        Ok(status) => Attempt {
            at: now,
            status: Some(status),
            latency_ms,
            error: None,
        },
        Err(error) => Attempt {
            at: now,
            status: None,
            latency_ms,
            error: Some(error),
        },
    }
}

async fn send(
    client: &reqwest::Client,
    allow: &[IpNet],
    d: &DueDelivery,
    now: Millis,
) -> Result<u16, String> {
    // An address written in the URL is not resolved, so the resolver cannot refuse it: check
    // it here, against the allow list as it is now.
    let url = ssrf::check_url(&d.url, allow)?;
    let secret = WebhookSecret::parse(&d.secret).ok_or("the endpoint's secret is invalid")?;
    let body = webhook::body(&d.kind, &rfc3339(d.event_at), &d.payload);
    let timestamp = now / 1000;
    let signature = secret.sign(&d.event_id, timestamp, &body);
    let mut answer = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &d.event_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await
        .map_err(|e| error_text(&e))?;
    let status = answer.status().as_u16();
    let mut read = 0;
    while let Ok(Some(chunk)) = answer.chunk().await {
        read += chunk.len();
        if read >= MAX_ANSWER {
            break;
        }
    }
    Ok(status)
}

/// A failed request in words, with its cause (a refused address says why).
fn error_text(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else {
        "the request failed".to_owned()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// What follows attempt number `attempts + 1` of a delivery.
fn after(attempt: &Attempt, attempts: u32, now: Millis) -> AfterAttempt {
    if webhook::succeeded(attempt.status) {
        return AfterAttempt::Delivered;
    }
    match webhook::retry_after(attempts + 1, rand::random::<f64>()) {
        Some(wait) => {
            AfterAttempt::RetryAt(now + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX))
        }
        None => AfterAttempt::Failed,
    }
}

/// How the notifier reaches people: the networks webhooks may reach though internal, and the
/// SMTP server and the collector's public URL for e-mail (no e-mail without a server).
#[derive(Clone, Default)]
pub struct Channels {
    pub webhook_allow: Arc<Vec<IpNet>>,
    pub mailer: Option<email::Mailer>,
    pub public_url: Option<String>,
    /// The domain of cases' reply addresses (`mail_in`), when e-mail comes in: a customer's
    /// messages then carry their case's as `Reply-To`.
    pub reply_domain: Option<String>,
}

/// Messages in flight to the SMTP server at once.
const SMTP_IN_FLIGHT: usize = 4;

/// The notifier, forever: inside `hark serve`. `wake` is notified when a delivery is to be
/// tried again at once (redelivery); new outbox events wake it through `Store::watch_outbox`.
pub async fn run(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    channels: Channels,
    wake: Arc<Notify>,
) {
    let allow = channels.webhook_allow.clone();
    let smtp = Arc::new(Semaphore::new(SMTP_IN_FLIGHT));
    let replies = match &channels.reply_domain {
        Some(domain) => {
            match crate::mail_in::ReplyAddresses::stored(store.as_ref(), domain, clock.now_ms())
                .await
            {
                Ok(r) => Some(r),
                Err(e) => {
                    tracing::warn!(error = %e, "customers' e-mails go without a reply address");
                    None
                }
            }
        }
        None => None,
    };
    let watcher = {
        let (store, wake) = (store.clone(), wake.clone());
        tokio::spawn(async move { store.watch_outbox(wake).await })
    };
    let _stop = AbortOnDrop(watcher);
    let client = client(allow.clone());
    let in_flight = Arc::new(Semaphore::new(IN_FLIGHT));
    let endpoints: Arc<Mutex<HashMap<i64, Arc<Semaphore>>>> = Arc::default();
    loop {
        let started = Instant::now();
        let now = clock.now_ms();
        if let Err(e) = round(
            &store, now, &client, &allow, &in_flight, &endpoints, &wake, &clock,
        )
        .await
        {
            tracing::warn!(error = %e, "the notifier could not reach the database");
        }
        if let Err(e) = mail_round(&store, now, &channels, replies.as_ref(), &smtp, &wake).await {
            tracing::warn!(error = %e, "the notifier could not reach the database");
        }
        // With every SMTP slot taken, the next message waits for one to finish, which wakes
        // the notifier: its due time would only wake it to find no slot.
        let mail_due = if smtp.available_permits() > 0 {
            store.next_email_due().await.ok().flatten()
        } else {
            None
        };
        let next = [
            store
                .next_delivery_due(now, PER_ENDPOINT as u32)
                .await
                .ok()
                .flatten(),
            mail_due,
        ]
        .into_iter()
        .flatten()
        .min();
        let woken = wake.notified();
        tokio::select! {
            () = clock.sleep_until(next.unwrap_or(Millis::MAX), LOOK_AGAIN) => {}
            () = woken => {}
        }
        tokio::time::sleep_until((started + ROUND_GAP).into()).await;
    }
}

#[allow(clippy::too_many_arguments)]
async fn round(
    store: &Arc<dyn Store>,
    now: Millis,
    client: &reqwest::Client,
    allow: &Arc<Vec<IpNet>>,
    in_flight: &Arc<Semaphore>,
    endpoints: &Arc<Mutex<HashMap<i64, Arc<Semaphore>>>>,
    wake: &Arc<Notify>,
    clock: &Arc<dyn Clock>,
) -> crate::store::StoreResult<()> {
    store.fan_out(now).await?;
    loop {
        // A read first: behind endpoints that hold their share (a dead receiver's) there is
        // nothing to claim, and the claim's write transaction would only compete with ingest.
        let claimable = store
            .next_delivery_due(now, PER_ENDPOINT as u32)
            .await?
            .is_some_and(|at| at <= now);
        if !claimable {
            return Ok(());
        }
        let due = store
            .claim_deliveries(now, now + LEASE_MS, BATCH, PER_ENDPOINT as u32)
            .await?;
        if due.is_empty() {
            return Ok(());
        }
        for d in due {
            let Ok(permit) = in_flight.clone().acquire_owned().await else {
                return Ok(());
            };
            let turn = endpoints
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .entry(d.endpoint_id)
                .or_insert_with(|| Arc::new(Semaphore::new(PER_ENDPOINT)))
                .clone();
            let (store, client, allow, wake, clock) = (
                store.clone(),
                client.clone(),
                allow.clone(),
                wake.clone(),
                clock.clone(),
            );
            tokio::spawn(async move {
                let _permit = permit;
                let Ok(_turn) = turn.acquire_owned().await else {
                    return;
                };
                let at = clock.now_ms();
                let attempt = deliver(&client, &allow, &d, at).await;
                let next = after(&attempt, d.attempts, at);
                match store
                    .record_attempt(
                        &d,
                        &attempt,
                        &next,
                        webhook::DISABLE_AFTER_FAILURES,
                        webhook::DISABLE_AFTER_MS,
                    )
                    .await
                {
                    Ok(true) => {
                        tracing::warn!(endpoint = d.endpoint_id, url = %d.url, "a webhook endpoint kept failing and was switched off")
                    }
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot record a webhook attempt; it is tried again when its lease ends")
                    }
                }
                // The next due time may have moved.
                wake.notify_one();
            });
        }
    }
}

/// Makes the e-mails of new outbox events and sends those due, each as a task of its own.
async fn mail_round(
    store: &Arc<dyn Store>,
    now: Millis,
    channels: &Channels,
    replies: Option<&crate::mail_in::ReplyAddresses>,
    smtp: &Arc<Semaphore>,
    wake: &Arc<Notify>,
) -> crate::store::StoreResult<()> {
    loop {
        let events = store.unmailed_events(64).await?;
        let Some(last) = events.last() else {
            break;
        };
        if channels.mailer.is_none() {
            // Without an SMTP server there is no one to mail: the events are marked all the same.
            store.skip_mail_through(last.id, now).await?;
            continue;
        }
        for e in &events {
            let messages = email::messages(
                store.as_ref(),
                e,
                channels.public_url.as_deref().unwrap_or_default(),
            )
            .await
            .unwrap_or_else(|err| {
                tracing::warn!(error = %err, event = %e.event_id, "cannot make an event's e-mails");
                Vec::new()
            });
            store.queue_emails(e, &messages, now).await?;
        }
    }
    let Some(mailer) = &channels.mailer else {
        return Ok(());
    };
    // As many as there are free slots, so that a slow SMTP server never holds up the webhooks
    // of the same round, nor messages another collector could send.
    let free = smtp.available_permits();
    if free == 0 {
        return Ok(());
    }
    for m in store
        .claim_emails(
            now,
            now + LEASE_MS,
            u32::try_from(free).unwrap_or(16).min(16),
        )
        .await?
    {
        let Ok(permit) = smtp.clone().acquire_owned().await else {
            return Ok(());
        };
        let (store, mailer, wake) = (store.clone(), mailer.clone(), wake.clone());
        // A customer's message about their case: their answer goes to the case.
        let reply_to = replies
            .zip(m.complaint.as_ref())
            .map(|(r, id)| r.address(id));
        tokio::spawn(async move {
            let _permit = permit;
            let sent = match with_token(store.as_ref(), &m, now).await {
                Ok(message) => mailer.send(&message, reply_to.as_deref()).await,
                Err(e) => Err(e),
            };
            let retry = sent.as_ref().err().and_then(|_| {
                webhook::retry_after(m.attempts + 1, rand::random::<f64>())
                    .map(|w| now + i64::try_from(w.as_millis()).unwrap_or(i64::MAX))
            });
            if let Err(e) = &sent {
                tracing::warn!(error = %e, event = %m.event_id, "an e-mail could not be sent");
            }
            if let Err(e) = store.record_email(m.id, sent.err().as_deref(), retry).await {
                tracing::warn!(error = %e, "cannot record an e-mail; it is sent again when its lease ends");
            }
            wake.notify_one();
        });
    }
    Ok(())
}

/// `m` ready to send: a customer's message gets a new status-page token in its link, kept by
/// its hash, so that neither the stored message nor anything else holds it in clear.
async fn with_token(store: &dyn Store, m: &DueEmail, now: Millis) -> Result<DueEmail, String> {
    let Some(case) = &m.complaint else {
        return Ok(m.clone());
    };
    let (token, stored) = crate::closing::token::mint(now);
    store
        .add_case_token(case, &stored, now)
        .await
        .map_err(|e| format!("cannot keep the status page's token: {e}"))?;
    let slot = crate::closing::TOKEN_SLOT;
    Ok(DueEmail {
        text: m.text.replace(slot, &token),
        html: m.html.replace(slot, &token),
        ..m.clone()
    })
}

/// Stops a task when the notifier that started it stops.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
