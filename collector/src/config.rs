//! Where `hark`'s settings come from: a flag, else a `HARK_*` environment variable, else the
//! TOML file named by `--config` (or `HARK_CONFIG`), else the default. clap reads the flags and
//! the environment (a flag wins); this module reads the file and fills in the rest.
//!
//! Every key of the file is a setting below; a key the collector does not know is an error that
//! names the key and the file, so that a typo does not silently leave a default in place.

use crate::http::IpNet;
use anyhow::Context as _;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://hark.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_RATE_LIMIT_PER_CLIENT: u32 = 60;
pub const DEFAULT_RATE_LIMIT_PER_SITE: u32 = 6000;
pub const DEFAULT_LOG: &str = "info";

/// The settings file, as written. Every key is optional; unknown keys are refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub log_json: Option<bool>,
    pub log: Option<String>,
    pub listen: Option<String>,
    pub public_url: Option<String>,
    pub secure_cookies: Option<bool>,
    pub rate_limit_per_client: Option<u32>,
    pub rate_limit_per_site: Option<u32>,
    pub trusted_proxies: Option<Vec<String>>,
    pub webhook_allow: Option<Vec<String>>,
    pub smtp_url: Option<String>,
    pub smtp_from: Option<String>,
    pub smtp_listen: Option<String>,
    pub mail_domain: Option<String>,
    pub smtp_tls_cert: Option<PathBuf>,
    pub smtp_tls_key: Option<PathBuf>,
    pub mail_max_bytes: Option<usize>,
    pub two_factor_key: Option<String>,
}

impl FileConfig {
    /// Reads and checks the file at `path`.
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the settings file {}", path.display()))?;
        Self::parse(&text, path)
    }

    /// Parses a settings file's text; `path` only names it in errors.
    pub fn parse(text: &str, path: &Path) -> anyhow::Result<Self> {
        let file: Self = toml::from_str(text).map_err(|e| {
            // toml's message names an unknown key ("unknown field `x`") or the bad value, with
            // the line; the file's name is ours to add.
            anyhow::anyhow!(
                "in the settings file {}: {}",
                path.display(),
                e.to_string().trim_end()
            )
        })?;
        for (key, value) in [
            ("rate_limit_per_client", file.rate_limit_per_client),
            ("rate_limit_per_site", file.rate_limit_per_site),
        ] {
            anyhow::ensure!(
                value != Some(0),
                "in the settings file {}: `{key}` must be at least 1",
                path.display()
            );
        }
        anyhow::ensure!(
            file.mail_max_bytes != Some(0),
            "in the settings file {}: `mail_max_bytes` must be at least 1",
            path.display()
        );
        Ok(file)
    }
}

/// What every command uses, resolved.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Settings {
    pub database_url: String,
    pub log_json: bool,
    pub log: String,
    pub serve: ServeSettings,
}

/// What `hark serve` uses, resolved.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ServeSettings {
    pub listen: SocketAddr,
    /// Where people reach the collector, for links it prints; `None`: `http://` and the address
    /// it listens on.
    pub public_url: Option<String>,
    pub secure_cookies: bool,
    pub rate_limit_per_client: u32,
    pub rate_limit_per_site: u32,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<IpNet>,
    /// Internal networks webhooks may reach all the same; none by default.
    pub webhook_allow: Vec<IpNet>,
    /// The SMTP server for e-mail notifications, and the sender; none by default.
    pub smtp: Option<crate::notify::email::SmtpSettings>,
    /// E-mail in (`mail_in`); off by default.
    pub mail_in: MailInSettings,
    /// The key that seals users' second-factor secrets; without it, nobody can turn two-factor
    /// sign-in on.
    pub two_factor_key: Option<crate::two_factor::TwoFactorKey>,
}

/// E-mail in, resolved: the SMTP listener's address (none: no listener), the domain of cases'
/// reply addresses (also the listener's name), its certificate for STARTTLS, and the largest
/// message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MailInSettings {
    pub smtp_listen: Option<SocketAddr>,
    pub mail_domain: Option<String>,
    pub smtp_tls_cert: Option<PathBuf>,
    pub smtp_tls_key: Option<PathBuf>,
    pub mail_max_bytes: usize,
}

/// The values clap found in flags and the environment (`None`: neither was given).
#[derive(Debug, Default, Clone)]
pub struct Given {
    pub config: Option<PathBuf>,
    pub database_url: Option<String>,
    pub log_json: Option<bool>,
    pub log: Option<String>,
    pub listen: Option<SocketAddr>,
    pub public_url: Option<String>,
    pub secure_cookies: Option<bool>,
    pub rate_limit_per_client: Option<u32>,
    pub rate_limit_per_site: Option<u32>,
    pub trusted_proxies: Option<Vec<IpNet>>,
    pub webhook_allow: Option<Vec<IpNet>>,
    pub smtp_url: Option<String>,
    pub smtp_from: Option<String>,
    pub smtp_listen: Option<SocketAddr>,
    pub mail_domain: Option<String>,
    pub smtp_tls_cert: Option<PathBuf>,
    pub smtp_tls_key: Option<PathBuf>,
    pub mail_max_bytes: Option<usize>,
    pub two_factor_key: Option<String>,
}

impl Given {
    /// Flags and environment over the file (read if one is named), over the defaults.
    pub fn resolve(self) -> anyhow::Result<Settings> {
        let file = match &self.config {
            Some(path) => FileConfig::read(path)?,
            None => FileConfig::default(),
        };
        let file_name = self
            .config
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let listen = match (self.listen, file.listen) {
            (Some(flag), _) => flag,
            (None, Some(text)) => text.trim().parse().map_err(|_| {
                anyhow::anyhow!(
                    "in the settings file {file_name}: `listen` = {text:?} is not an address like {DEFAULT_LISTEN}"
                )
            })?,
            (None, None) => DEFAULT_LISTEN.parse().expect("the default address parses"),
        };
        let trusted_proxies = match (self.trusted_proxies, file.trusted_proxies) {
            (Some(given), _) => given,
            (None, Some(list)) => list
                .iter()
                .map(|s| s.parse::<IpNet>())
                .collect::<Result<_, _>>()
                .map_err(|e| {
                    anyhow::anyhow!("in the settings file {file_name}: `trusted_proxies`: {e}")
                })?,
            (None, None) => Vec::new(),
        };
        let webhook_allow = match (self.webhook_allow, file.webhook_allow) {
            (Some(given), _) => given,
            (None, Some(list)) => list
                .iter()
                .map(|s| s.parse::<IpNet>())
                .collect::<Result<_, _>>()
                .map_err(|e| {
                    anyhow::anyhow!("in the settings file {file_name}: `webhook_allow`: {e}")
                })?,
            (None, None) => Vec::new(),
        };
        let smtp = match (
            self.smtp_url.or(file.smtp_url),
            self.smtp_from.or(file.smtp_from),
        ) {
            (Some(url), Some(from)) => {
                let s = crate::notify::email::SmtpSettings { url, from };
                crate::notify::email::Mailer::new(&s).map_err(|e| anyhow::anyhow!("{e}"))?;
                Some(s)
            }
            (None, None) => None,
            (Some(_), None) => {
                anyhow::bail!("smtp_url is set without smtp_from, the sender's address")
            }
            (None, Some(_)) => anyhow::bail!("smtp_from is set without smtp_url"),
        };
        let smtp_listen = match (self.smtp_listen, file.smtp_listen) {
            (Some(flag), _) => Some(flag),
            (None, Some(text)) => Some(text.trim().parse().map_err(|_| {
                anyhow::anyhow!(
                    "in the settings file {file_name}: `smtp_listen` = {text:?} is not an address like 0.0.0.0:25"
                )
            })?),
            (None, None) => None,
        };
        let mail_in = MailInSettings {
            smtp_listen,
            mail_domain: self
                .mail_domain
                .or(file.mail_domain)
                .map(|d| d.trim().to_ascii_lowercase()),
            smtp_tls_cert: self.smtp_tls_cert.or(file.smtp_tls_cert),
            smtp_tls_key: self.smtp_tls_key.or(file.smtp_tls_key),
            mail_max_bytes: self
                .mail_max_bytes
                .or(file.mail_max_bytes)
                .unwrap_or(crate::mail_in::DEFAULT_MAX_BYTES),
        };
        check_mail_in(&mail_in)?;
        let two_factor_key = self
            .two_factor_key
            .or(file.two_factor_key)
            .map(|k| crate::two_factor::TwoFactorKey::parse(&k))
            .transpose()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let public_url = self.public_url.or(file.public_url);
        if let Some(url) = &public_url {
            check_public_url(url)?;
        }
        Ok(Settings {
            database_url: self
                .database_url
                .or(file.database_url)
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            log_json: self.log_json.or(file.log_json).unwrap_or(false),
            log: self
                .log
                .or(file.log)
                .unwrap_or_else(|| DEFAULT_LOG.to_owned()),
            serve: ServeSettings {
                listen,
                public_url: public_url.map(|u| u.trim_end_matches('/').to_owned()),
                secure_cookies: self.secure_cookies.or(file.secure_cookies).unwrap_or(false),
                rate_limit_per_client: self
                    .rate_limit_per_client
                    .or(file.rate_limit_per_client)
                    .unwrap_or(DEFAULT_RATE_LIMIT_PER_CLIENT),
                rate_limit_per_site: self
                    .rate_limit_per_site
                    .or(file.rate_limit_per_site)
                    .unwrap_or(DEFAULT_RATE_LIMIT_PER_SITE),
                trusted_proxies,
                webhook_allow,
                smtp,
                mail_in,
                two_factor_key,
            },
        })
    }
}

fn check_mail_in(m: &MailInSettings) -> anyhow::Result<()> {
    if let Some(domain) = &m.mail_domain {
        let fine = !domain.is_empty()
            && domain.len() <= 200
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        anyhow::ensure!(
            fine,
            "mail_domain {domain:?} is not a domain like feedback.example"
        );
    }
    anyhow::ensure!(
        m.smtp_listen.is_none() || m.mail_domain.is_some(),
        "smtp_listen is set without mail_domain, the domain of cases' reply addresses"
    );
    match (&m.smtp_tls_cert, &m.smtp_tls_key) {
        (Some(_), None) => anyhow::bail!("smtp_tls_cert is set without smtp_tls_key"),
        (None, Some(_)) => anyhow::bail!("smtp_tls_key is set without smtp_tls_cert"),
        _ => {}
    }
    anyhow::ensure!(m.mail_max_bytes >= 1, "mail_max_bytes must be at least 1");
    Ok(())
}

fn check_public_url(url: &str) -> anyhow::Result<()> {
    let parsed = url::Url::parse(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    anyhow::ensure!(
        parsed.is_some(),
        "the public URL {url:?} is not an http:// or https:// URL like https://feedback.example"
    );
    Ok(())
}

impl Settings {
    /// The settings as `hark config` shows them: the database URL without its password.
    pub fn shown(&self) -> Self {
        let mut shown = self.clone();
        if let Ok(mut url) = url::Url::parse(&self.database_url) {
            if url.password().is_some() && url.set_password(Some("***")).is_ok() {
                shown.database_url = url.to_string();
            }
        }
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> anyhow::Result<FileConfig> {
        FileConfig::parse(text, Path::new("hark.toml"))
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_key_and_the_file() {
        let e = file("listn = \"0.0.0.0:80\"\n").unwrap_err().to_string();
        assert!(e.contains("listn") && e.contains("hark.toml"), "{e}");
        let e = file("rate_limit_per_site = \"lots\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("rate_limit_per_site") || e.contains("lots"),
            "{e}"
        );
        assert!(e.contains("hark.toml"), "{e}");
        let e = file("rate_limit_per_client = 0\n").unwrap_err().to_string();
        assert!(
            e.contains("rate_limit_per_client") && e.contains("at least 1"),
            "{e}"
        );
    }

    #[test]
    fn flags_and_environment_win_over_the_file_which_wins_over_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hark.toml");
        std::fs::write(
            &path,
            "listen = \"0.0.0.0:9000\"\nrate_limit_per_site = 10\nsecure_cookies = true\n",
        )
        .unwrap();
        let settings = Given {
            config: Some(path),
            listen: Some("127.0.0.1:7000".parse().unwrap()),
            ..Given::default()
        }
        .resolve()
        .unwrap();
        assert_eq!(settings.serve.listen.to_string(), "127.0.0.1:7000");
        assert_eq!(settings.serve.rate_limit_per_site, 10);
        assert!(settings.serve.secure_cookies);
        assert_eq!(settings.serve.rate_limit_per_client, 60);
        assert_eq!(settings.database_url, DEFAULT_DATABASE_URL);
    }

    #[test]
    fn the_two_factor_key_is_checked_and_never_shown() {
        let key = "0f".repeat(32);
        let settings = Given {
            two_factor_key: Some(key.clone()),
            ..Given::default()
        }
        .resolve()
        .unwrap();
        assert!(settings.serve.two_factor_key.is_some());
        let shown = serde_json::to_string(&settings.shown()).unwrap();
        assert!(!shown.contains(&key), "{shown}");
        assert!(!format!("{settings:?}").contains(&key));
        let e = Given {
            two_factor_key: Some("short".into()),
            ..Given::default()
        }
        .resolve()
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("two_factor_key") && e.contains("64 hex digits"),
            "{e}"
        );
    }

    #[test]
    fn a_database_password_is_not_shown() {
        let settings = Given {
            database_url: Some("postgres://hark:s3cret@db/hark".into()),
            ..Given::default()
        }
        .resolve()
        .unwrap();
        assert!(!settings.shown().database_url.contains("s3cret"));
    }
}
