//! E-mail in: `hark serve`'s SMTP listener (off unless `smtp_listen` is set). A message to a
//! site's intake address becomes a complaint with channel `email`; a reply to a case's own
//! address (`c+TOKEN@mail_domain`, the `Reply-To` of the customer's notifications) is the
//! customer's reply on that case, its quoted history stripped. Point a domain's MX record, or a
//! relay, at the listener (README, "E-mail in").
//!
//! `smtp.rs` is the protocol, which knows no site or case; `intake.rs` decides what a recipient
//! is and what a message does, through the workflow (`complaints::cases`); `message.rs` reads
//! a message (`mail-parser`), `quote.rs` strips a reply's history, `attachment.rs` checks files.

pub mod attachment;
pub mod intake;
pub mod message;
pub mod quote;
pub mod smtp;

use crate::clock::Millis;
use crate::http::AppState;
use crate::store::Store;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use shared::ResponseId;
use std::path::Path;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// The default largest message: 10 MiB.
pub const DEFAULT_MAX_BYTES: usize = 10 * 1024 * 1024;
/// Connections served at once; one more is told `421` and closed.
pub const MAX_CONNECTIONS: usize = 64;

/// What the listener needs besides the state.
#[derive(Clone)]
pub struct Listening {
    /// The domain of reply addresses, and the name the server greets with.
    pub domain: String,
    pub max_bytes: usize,
    /// STARTTLS is offered only with a certificate.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
}

impl std::fmt::Debug for Listening {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listening")
            .field("domain", &self.domain)
            .field("max_bytes", &self.max_bytes)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

/// A TLS acceptor for the certificate chain and private key in these PEM files.
pub fn tls_acceptor(cert: &Path, key: &Path) -> anyhow::Result<tokio_rustls::TlsAcceptor> {
    use anyhow::Context as _;
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::pem::PemObject as _;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("smtp_tls_cert {}: no PEM certificate", cert.display()))?;
    anyhow::ensure!(
        !chain.is_empty(),
        "smtp_tls_cert {}: no PEM certificate",
        cert.display()
    );
    let key = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("smtp_tls_key {}: no PEM private key", key.display()))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .context("TLS versions")?
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .context("the SMTP certificate and key do not go together")?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// Serves SMTP on `listener` for as long as it runs (`hark serve` stops it with the HTTP
/// server). Each connection is a task of its own, at most `MAX_CONNECTIONS` at once; a broken
/// connection ends only itself.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    listening: Listening,
) -> anyhow::Result<()> {
    let replies = ReplyAddresses::stored(
        state.store.as_ref(),
        &listening.domain,
        state.clock.now_ms(),
    )
    .await?;
    let intake = Arc::new(intake::MailIntake::new(state, replies));
    let server = Arc::new(smtp::Server {
        hostname: listening.domain.clone(),
        limits: smtp::Limits {
            max_bytes: listening.max_bytes,
            ..smtp::Limits::default()
        },
    });
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let (stream, _peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors, say: wait a moment rather than spin.
                tracing::warn!(error = %e, "cannot accept an SMTP connection");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tokio::spawn(async move {
                use tokio::io::AsyncWriteExt as _;
                let mut stream = stream;
                let _ = stream
                    .write_all(b"421 4.3.2 Too busy, try again later\r\n")
                    .await;
            });
            continue;
        };
        let (server, intake, tls) = (server.clone(), intake.clone(), listening.tls.clone());
        tokio::spawn(async move {
            let _slot = slot;
            if let Err(e) = connection(stream, &server, intake.as_ref(), tls).await {
                tracing::debug!(error = %e, "an SMTP connection ended with an error");
            }
        });
    }
}

async fn connection(
    stream: tokio::net::TcpStream,
    server: &smtp::Server,
    intake: &intake::MailIntake,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> std::io::Result<()> {
    match server
        .session(stream, intake, true, tls.is_some(), false)
        .await?
    {
        smtp::Ended::Closed => Ok(()),
        smtp::Ended::StartTls(stream) => {
            let Some(tls) = tls else { return Ok(()) };
            let handshake = tokio::time::timeout(server.limits.idle, tls.accept(stream));
            let stream = handshake
                .await
                .map_err(|_| std::io::Error::other("TLS handshake timed out"))??;
            server.session(stream, intake, false, true, true).await?;
            Ok(())
        }
    }
}

/// The name of the reply addresses' secret in `server_secrets`.
const SECRET_NAME: &str = "mail_reply";

/// A case's own reply address, `c+TOKEN@domain`: the token is the case's id and an HMAC-SHA256
/// of it (128 bits) under a secret of the installation's, base32 in lower case (54 characters
/// in the local part, under SMTP's 64). Nothing is stored: the address is made when a message
/// is sent, and checked when one comes back, so that an erased case's address leads nowhere.
#[derive(Clone)]
pub struct ReplyAddresses {
    domain: String,
    key: [u8; 32],
}

impl std::fmt::Debug for ReplyAddresses {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplyAddresses")
            .field("domain", &self.domain)
            .finish_non_exhaustive()
    }
}

impl ReplyAddresses {
    pub fn new(domain: &str, key: [u8; 32]) -> Self {
        Self {
            domain: domain.to_ascii_lowercase(),
            key,
        }
    }

    /// With the secret stored in the database, created by the first process that asks, so that
    /// every collector on the database makes and checks the same addresses.
    pub async fn stored(store: &dyn Store, domain: &str, now: Millis) -> anyhow::Result<Self> {
        let candidate = hex::encode(rand::random::<[u8; 32]>());
        let stored = store.server_secret(SECRET_NAME, &candidate, now).await?;
        let mut key = [0u8; 32];
        hex::decode_to_slice(stored.trim(), &mut key)
            .map_err(|e| anyhow::anyhow!("the stored reply-address secret is unreadable: {e}"))?;
        Ok(Self::new(domain, key))
    }

    pub fn domain(&self) -> &str {
        &self.domain
    }

    fn mac(&self, id: &ResponseId) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(b"hark-reply\0");
        mac.update(id.as_uuid().as_bytes());
        mac
    }

    /// The reply address of case `id`.
    pub fn address(&self, id: &ResponseId) -> String {
        let mut bytes = id.as_uuid().as_bytes().to_vec();
        bytes.extend_from_slice(&self.mac(id).finalize().into_bytes()[..16]);
        format!("c+{}@{}", base32(&bytes), self.domain)
    }

    /// The case `address` is the reply address of, if it is one of this domain's and its token
    /// checks out; `None` for anything else.
    pub fn case_of(&self, address: &str) -> Option<ResponseId> {
        let (local, domain) = address.rsplit_once('@')?;
        if !domain.eq_ignore_ascii_case(&self.domain) {
            return None;
        }
        let token = local
            .strip_prefix("c+")
            .or_else(|| local.strip_prefix("C+"))?;
        let bytes = unbase32(token)?;
        if bytes.len() != 32 {
            return None;
        }
        let id = ResponseId::from_uuid(uuid::Uuid::from_slice(&bytes[..16]).ok()?);
        self.mac(&id).verify_truncated_left(&bytes[16..]).ok()?;
        Some(id)
    }
}

const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// RFC 4648 base32 in lower case, without padding.
fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// `base32`'s inverse, in either case; `None` for a character outside the alphabet.
fn unbase32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c.to_ascii_lowercase())?;
        buffer = (buffer << 5) | v as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_address_leads_back_to_its_case_and_nothing_else_does() {
        let replies = ReplyAddresses::new("Feedback.Example", [7; 32]);
        let id = ResponseId::from_uuid(uuid::Uuid::from_u128(
            0x0193_0000_7000_8000_0000_0000_0000_0001,
        ));
        let address = replies.address(&id);
        let local = address.split('@').next().unwrap();
        assert!(local.starts_with("c+") && local.len() <= 64, "{address}");
        assert!(address.ends_with("@feedback.example"));
        assert_eq!(replies.case_of(&address), Some(id));
        // Relays may change the case of an address.
        assert_eq!(replies.case_of(&address.to_uppercase()), Some(id));
        // Another installation's secret, a changed character, another domain: nothing.
        assert_eq!(
            ReplyAddresses::new("feedback.example", [8; 32]).case_of(&address),
            None
        );
        let mut forged = address.clone().into_bytes();
        forged[10] = if forged[10] == b'a' { b'b' } else { b'a' };
        assert_eq!(replies.case_of(std::str::from_utf8(&forged).unwrap()), None);
        assert_eq!(
            replies.case_of(&address.replace("feedback.example", "other.example")),
            None
        );
        assert_eq!(replies.case_of("c+@feedback.example"), None);
        assert_eq!(replies.case_of("support@feedback.example"), None);
        assert_eq!(replies.case_of("c+!!@feedback.example"), None);
    }

    #[test]
    fn base32_round_trips() {
        for bytes in [&b""[..], b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar"] {
            assert_eq!(unbase32(&base32(bytes)).unwrap(), bytes);
        }
        assert_eq!(base32(b"foobar"), "mzxw6ytboi");
    }
}
