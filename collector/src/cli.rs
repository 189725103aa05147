//! The `hark` command line.

use crate::access::{ApiToken, Role};
use crate::accounts::{Email, Password};
use crate::clock::{Clock, SystemClock};
use crate::config::{Given, Settings};
use crate::enrich::email_label;
use crate::export::{next_complaint_page, next_page, Format};
use crate::store::{self, normalize_origin};
use crate::AppState;
use anyhow::Context as _;
use clap::builder::BoolishValueParser;
use clap::{Args, Parser, Subcommand};
use shared::SiteKey;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Hark collector: surveys and complaints from an embeddable widget, with an admin dashboard.
///
/// Settings come from a flag, else a `HARK_*` environment variable, else the `--config` file,
/// else the default (README, "Configuration reference").
#[derive(Debug, Parser)]
#[command(name = "hark", version, about, long_about = None)]
pub struct Cli {
    /// A TOML file of settings (keys as in the README's configuration reference).
    #[arg(long, global = true, env = "HARK_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Database URL: `sqlite://PATH` (created if missing) or `postgres://USER:PASSWORD@HOST/DB`
    /// [default: sqlite://hark.db]
    #[arg(long, global = true, env = "HARK_DATABASE_URL")]
    pub database_url: Option<String>,

    /// Log as JSON lines instead of text (`--log-json`, or `--log-json=false`).
    #[arg(long, global = true, env = "HARK_LOG_JSON", num_args = 0..=1, require_equals = true,
          default_missing_value = "true", value_parser = BoolishValueParser::new())]
    pub log_json: Option<bool>,

    /// What to log, as a tracing filter like `hark=debug,tower_http=debug` [default: info]
    #[arg(long, global = true, env = "HARK_LOG", value_name = "FILTER")]
    pub log: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

/// The settings of `hark serve`. Each is optional here: one not given as a flag or in the
/// environment comes from the settings file or the default.
#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "HARK_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Where people reach the collector, like `https://feedback.example`: the start of the links
    /// it prints (the setup link) [default: http:// and the address it listens on]
    #[arg(long, env = "HARK_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Mark session cookies `Secure`, so that browsers send them only over HTTPS. Turn it on
    /// whenever the dashboard is reached through TLS; off, plain `http://localhost` works.
    #[arg(long, env = "HARK_SECURE_COOKIES", num_args = 0..=1, require_equals = true,
          default_missing_value = "true", value_parser = BoolishValueParser::new())]
    pub secure_cookies: Option<bool>,
    /// Answers a minute one client address may send; it may send half a minute's worth at
    /// once. Raise it when many visitors share one address (a proxy) or for load tests [default: 60]
    #[arg(long, env = "HARK_RATE_LIMIT_PER_CLIENT", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit_per_client: Option<u32>,
    /// Answers a minute one site may receive; it may receive ten seconds' worth at once [default: 6000]
    #[arg(long, env = "HARK_RATE_LIMIT_PER_SITE", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit_per_site: Option<u32>,
    /// Reverse proxies (addresses or networks, comma-separated, like `10.0.0.0/8,127.0.0.1`)
    /// whose `X-Forwarded-For` names the client, for rate limits, visitor hashes and login limits
    /// [default: none: the client is the TCP peer]
    #[arg(
        long,
        env = "HARK_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_name = "NETWORKS"
    )]
    pub trusted_proxies: Option<Vec<crate::http::IpNet>>,
    /// Internal networks (comma-separated, like `10.0.0.0/8`) that webhooks may reach all the
    /// same: loopback, private and link-local addresses are refused otherwise
    /// [default: none]
    #[arg(
        long,
        env = "HARK_WEBHOOK_ALLOW",
        value_delimiter = ',',
        value_name = "NETWORKS"
    )]
    pub webhook_allow: Option<Vec<crate::http::IpNet>>,
    /// The SMTP server for e-mail notifications: `smtp://HOST:PORT` (plain),
    /// `smtp://USER:PASSWORD@HOST:587?tls=required` (STARTTLS) or `smtps://USER:PASSWORD@HOST`
    /// (TLS) [default: none: no e-mail]
    #[arg(long, env = "HARK_SMTP_URL", value_name = "URL")]
    pub smtp_url: Option<String>,
    /// The sender of e-mail notifications, like `Hark <hark@example.com>`
    #[arg(long, env = "HARK_SMTP_FROM", value_name = "ADDRESS")]
    pub smtp_from: Option<String>,
    /// Take e-mail in: the address the SMTP listener listens on, like `0.0.0.0:25` (needs
    /// `--mail-domain`) [default: none: no listener]
    #[arg(long, env = "HARK_SMTP_LISTEN", value_name = "ADDRESS")]
    pub smtp_listen: Option<SocketAddr>,
    /// The domain of cases' reply addresses (`c+TOKEN@DOMAIN`, the `Reply-To` of customers'
    /// e-mails), whose MX points at the listener; also the listener's name
    #[arg(long, env = "HARK_MAIL_DOMAIN", value_name = "DOMAIN")]
    pub mail_domain: Option<String>,
    /// The SMTP listener's certificate chain (PEM): STARTTLS is offered only with one
    #[arg(long, env = "HARK_SMTP_TLS_CERT", value_name = "FILE")]
    pub smtp_tls_cert: Option<PathBuf>,
    /// The SMTP listener's private key (PEM)
    #[arg(long, env = "HARK_SMTP_TLS_KEY", value_name = "FILE")]
    pub smtp_tls_key: Option<PathBuf>,
    /// The largest message the SMTP listener takes, in bytes [default: 10485760]
    #[arg(long, env = "HARK_MAIL_MAX_BYTES", value_name = "BYTES",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub mail_max_bytes: Option<u64>,
    /// The key that seals users' two-factor (TOTP) secrets in the database: 64 hex digits, like
    /// `openssl rand -hex 32`. Every collector on one database needs the same one; without it,
    /// two-factor sign-in cannot be turned on [default: none]
    #[arg(
        long,
        env = "HARK_TWO_FACTOR_KEY",
        value_name = "HEX",
        hide_env_values = true
    )]
    pub two_factor_key: Option<String>,
}

impl Cli {
    /// Flags and environment over the settings file over the defaults.
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let serve = match &self.command {
            Command::Serve(args) | Command::Config { args, .. } => args.clone(),
            _ => ServeArgs::default(),
        };
        Given {
            config: self.config.clone(),
            database_url: self.database_url.clone(),
            log_json: self.log_json,
            log: self.log.clone(),
            listen: serve.listen,
            public_url: serve.public_url,
            secure_cookies: serve.secure_cookies,
            rate_limit_per_client: serve.rate_limit_per_client,
            rate_limit_per_site: serve.rate_limit_per_site,
            trusted_proxies: serve.trusted_proxies,
            webhook_allow: serve.webhook_allow,
            smtp_url: serve.smtp_url,
            smtp_from: serve.smtp_from,
            smtp_listen: serve.smtp_listen,
            mail_domain: serve.mail_domain,
            smtp_tls_cert: serve.smtp_tls_cert,
            smtp_tls_key: serve.smtp_tls_key,
            mail_max_bytes: serve
                .mail_max_bytes
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            two_factor_key: serve.two_factor_key,
        }
        .resolve()
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the widget, the public API, the admin API and the dashboard.
    Serve(ServeArgs),
    /// Print the settings `hark serve` would run with (the database password hidden), then exit.
    Config {
        #[command(flatten)]
        args: ServeArgs,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Manage sites.
    Site {
        #[command(subcommand)]
        command: SiteCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Manage the people who sign in to the dashboard.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Erase every answer of one respondent on a site (a data-subject request), named by
    /// exactly one of e-mail, user id or visitor hash.
    Erase {
        /// The site's key.
        #[arg(long)]
        site: String,
        #[arg(long, required_unless_present_any = ["user_id", "visitor"], conflicts_with_all = ["user_id", "visitor"])]
        email: Option<String>,
        #[arg(long, conflicts_with = "visitor")]
        user_id: Option<String>,
        /// A visitor hash, as listed with an answer.
        #[arg(long)]
        visitor: Option<String>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Measure: the rollups the dashboard's scores and trends are read from.
    Insight {
        #[command(subcommand)]
        command: InsightCommand,
    },
    /// Bring in what was gathered elsewhere.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Export a site's answers (or, with --complaints, its complaints), oldest first.
    Export {
        /// The site's key.
        #[arg(long)]
        site: String,
        /// Export the site's complaints instead of its answers (the columns of
        /// `GET /api/v1/admin/sites/{site_key}/complaints/export`; no e-mail addresses).
        #[arg(long)]
        complaints: bool,
        #[arg(long, value_enum, default_value = "csv")]
        format: Format,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum InsightCommand {
    /// Recompute the rollups from the stored answers (one site's, or every site's), one site
    /// per transaction. Ingest keeps them current by itself: this is for after restoring
    /// answers from elsewhere, or to check that nothing drifted. Answers keep arriving meanwhile;
    /// on SQLite they wait for each site's transaction.
    Rebuild {
        /// The site's key; without it, every site.
        #[arg(long)]
        site: Option<String>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import answers from a CSV file, one response per row (columns: external_id, received_at,
    /// survey_id, nps, csat, ces, comment, page_url, locale, device, browser, user_id, channel).
    /// Each row is checked against its survey; one bad row (reported with its line) imports
    /// nothing. A row's external_id makes a second import of it do nothing.
    Answers {
        /// The site's key.
        #[arg(long)]
        site: String,
        /// The CSV file (`-` for standard input).
        #[arg(
            required_unless_present = "sample_days",
            conflicts_with = "sample_days"
        )]
        file: Option<std::path::PathBuf>,
        /// Instead of a file: this many days of generated sample answers to `--survey` (its
        /// NPS question and, if it has one, its text question), for trying Hark.
        #[arg(long, requires = "survey")]
        sample_days: Option<u32>,
        /// The survey the sample answers.
        #[arg(long)]
        survey: Option<String>,
        /// Check every row and report, storing nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Import complaints from another system's history (a CSV file, one complaint per row;
    /// columns: external_id, received_at, description, channel, kind, category, impact, email,
    /// contact_consent, locale, user_id, source_url, status, first_response_at, resolved_at).
    /// Each goes through the site's intake rules at its own time; nothing is sent for the
    /// past. One bad row (reported with its line) imports nothing; an external_id imported
    /// before is skipped.
    Complaints {
        /// The site's key.
        #[arg(long)]
        site: String,
        /// The CSV file (`-` for standard input).
        #[arg(
            required_unless_present = "sample_days",
            conflicts_with = "sample_days"
        )]
        file: Option<std::path::PathBuf>,
        /// Instead of a file: this many days of generated sample complaints, for trying Hark.
        #[arg(long)]
        sample_days: Option<u32>,
        /// Check every row and report, storing nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user with a role on one site. The password is read from standard input.
    Create {
        /// The user's e-mail address, their login.
        #[arg(long)]
        email: String,
        /// What the user may do on the site.
        #[arg(long, value_enum)]
        role: Role,
        /// The site's key.
        #[arg(long)]
        site: String,
        /// Read the password from standard input (its first line), so that it stays out of the
        /// shell's history and the process list. Required: there is no other way.
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Turn a user's two-factor sign-in off, for someone who lost both their authenticator and
    /// their recovery codes: they sign in with their password alone, and can enrol again. Their
    /// sessions end.
    TwoFactorOff {
        /// The user's e-mail address.
        #[arg(long)]
        email: String,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SiteCommand {
    /// Create a site. It starts with one active NPS survey, shown once per visitor on any page.
    Create {
        /// The site's name, as visitors see it in questions.
        #[arg(long)]
        name: String,
        /// An origin allowed to embed the widget, like `https://shop.example` (repeatable).
        #[arg(long = "origin", required = true)]
        origins: Vec<String>,
        /// Delete answers older than this many days (1 to 36500); without it, keep them forever.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=36_500))]
        retention_days: Option<u32>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// List sites.
    List {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a site. It is printed once; only its hash is stored.
    Create {
        /// The site's key.
        #[arg(long)]
        site: String,
        /// What the token may do on that site.
        #[arg(long, value_enum)]
        role: Role,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

/// The tokio runtime `hark` runs on: `http_workers` worker threads, unless `TOKIO_WORKER_THREADS`
/// says otherwise (tokio reads it when no number is given).
pub fn runtime(settings: &Settings) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all();
    if std::env::var_os("TOKIO_WORKER_THREADS").is_none() {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let on_sqlite = settings.database_url.starts_with("sqlite:");
        builder.worker_threads(http_workers(cores, on_sqlite));
    }
    builder.build()
}

/// How many threads run the HTTP side (and every other task). On SQLite, answers are written and
/// synced by a thread of the group commit's own (`store::GroupCommit`): one core
/// fewer than the machine has, and at least one, so that the writer is not time-sliced against
/// the workers that queue its work. On 2 cores each answer at 5,000 a second cost 3–7 % less
/// CPU (`cargo xtask bench`, A/B pairs); the closed loop did not move beyond the noise. On
/// PostgreSQL the writing is the server's: every core.
pub fn http_workers(cores: usize, on_sqlite: bool) -> usize {
    if on_sqlite {
        cores.saturating_sub(1).max(1)
    } else {
        cores.max(1)
    }
}

/// Logs to standard error, filtered by `filter` (`info` if it does not parse).
pub fn init_tracing(json: bool, filter: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|e| {
        eprintln!("warning: the log filter {filter:?} does not parse ({e}); logging at info");
        EnvFilter::new("info")
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Runs a command, with the settings it resolves (`Cli::settings`).
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.settings()?;
    run_with(cli, settings).await
}

/// Runs a command with settings resolved already (`main` resolves them first, for the logs).
pub async fn run_with(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    if let Command::Config { json, .. } = &cli.command {
        let shown = settings.shown();
        if *json {
            println!("{}", serde_json::to_string(&shown)?);
        } else {
            let serve = &shown.serve;
            println!("database_url = {:?}", shown.database_url);
            println!("log_json = {}", shown.log_json);
            println!("log = {:?}", shown.log);
            println!("listen = \"{}\"", serve.listen);
            match &serve.public_url {
                Some(url) => println!("public_url = {url:?}"),
                None => println!("# public_url: not set (http://{})", serve.listen),
            }
            println!("secure_cookies = {}", serve.secure_cookies);
            println!("rate_limit_per_client = {}", serve.rate_limit_per_client);
            println!("rate_limit_per_site = {}", serve.rate_limit_per_site);
            let proxies: Vec<String> = serve
                .trusted_proxies
                .iter()
                .map(|p| format!("{:?}", p.to_string()))
                .collect();
            println!("trusted_proxies = [{}]", proxies.join(", "));
            let allow: Vec<String> = serve
                .webhook_allow
                .iter()
                .map(|p| format!("{:?}", p.to_string()))
                .collect();
            println!("webhook_allow = [{}]", allow.join(", "));
            match &serve.smtp {
                Some(s) => {
                    println!("smtp_url = {:?}", crate::notify::email::redacted(&s.url));
                    println!("smtp_from = {:?}", s.from);
                }
                None => println!("# smtp_url: not set (no e-mail notifications)"),
            }
            let mail = &serve.mail_in;
            match mail.smtp_listen {
                Some(a) => println!("smtp_listen = \"{a}\""),
                None => println!("# smtp_listen: not set (no e-mail in)"),
            }
            if let Some(d) = &mail.mail_domain {
                println!("mail_domain = {d:?}");
            }
            if let (Some(cert), Some(key)) = (&mail.smtp_tls_cert, &mail.smtp_tls_key) {
                println!("smtp_tls_cert = {:?}", cert.display().to_string());
                println!("smtp_tls_key = {:?}", key.display().to_string());
            }
            println!("mail_max_bytes = {}", mail.mail_max_bytes);
            match &serve.two_factor_key {
                Some(_) => println!("# two_factor_key: set (not shown)"),
                None => println!("# two_factor_key: not set (no two-factor sign-in)"),
            }
        }
        return Ok(());
    }
    let store = store::open(&settings.database_url).await?;
    let now = SystemClock.now_ms();
    match cli.command {
        Command::Config { .. } => unreachable!("handled above"),
        Command::Serve(_) => {
            let recomputed = store
                .recover_rollups()
                .await
                .context("cannot recompute the rollups a stopped collector owed")?;
            if recomputed > 0 {
                tracing::info!(
                    answers = recomputed,
                    "recomputed the rollups a stopped collector owed"
                );
            }
            let serve = settings.serve;
            let listen = serve.listen;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            let listener_address = listener.local_addr()?;
            let limits = crate::http::Limits {
                per_client: crate::http::Rate {
                    per_minute: serve.rate_limit_per_client,
                    burst: (serve.rate_limit_per_client / 2).max(1),
                },
                per_site: crate::http::Rate {
                    per_minute: serve.rate_limit_per_site,
                    burst: (serve.rate_limit_per_site / 6).max(1),
                },
            };
            let state = AppState::new(store)
                .with_secure_cookies(serve.secure_cookies)
                .with_limits(limits)
                .with_trusted_proxies(serve.trusted_proxies.clone())
                .with_webhook_allow(serve.webhook_allow.clone())
                .with_mail(
                    serve
                        .smtp
                        .as_ref()
                        .map(crate::notify::email::Mailer::new)
                        .transpose()
                        .map_err(|e| anyhow::anyhow!("{e}"))?,
                    Some(
                        serve
                            .public_url
                            .clone()
                            .unwrap_or_else(|| format!("http://{}", reachable(listener_address))),
                    ),
                );
            let state = match crate::clock::AheadClock::from_env()? {
                Some(clock) => {
                    tracing::warn!(
                        ahead_ms = clock.ahead_ms(),
                        "the clock runs ahead of the system's ({}): for tests only",
                        crate::clock::AheadClock::VARIABLE
                    );
                    state.with_clock(std::sync::Arc::new(clock))
                }
                None => state,
            };
            // E-mail in: the listener is bound (and its certificate read) before anything is
            // served, so that a wrong setting stops `hark serve` at once.
            let state = state
                .with_mail_domain(serve.mail_in.mail_domain.clone())
                .with_two_factor_key(serve.two_factor_key.clone());
            let mail_in = match (serve.mail_in.smtp_listen, &serve.mail_in.mail_domain) {
                (Some(address), Some(domain)) => {
                    let tls = match (&serve.mail_in.smtp_tls_cert, &serve.mail_in.smtp_tls_key) {
                        (Some(cert), Some(key)) => Some(crate::mail_in::tls_acceptor(cert, key)?),
                        _ => None,
                    };
                    let smtp = tokio::net::TcpListener::bind(address)
                        .await
                        .with_context(|| format!("cannot listen for SMTP on {address}"))?;
                    tracing::info!(%address, starttls = tls.is_some(), "taking e-mail in");
                    let listening = crate::mail_in::Listening {
                        domain: domain.clone(),
                        max_bytes: serve.mail_in.mail_max_bytes,
                        tls,
                    };
                    let state = state.clone();
                    Some(tokio::spawn(async move {
                        if let Err(e) = crate::mail_in::serve(smtp, state, listening).await {
                            tracing::error!(error = %e, "the SMTP listener stopped");
                        }
                    }))
                }
                _ => None,
            };
            tokio::spawn(crate::retention::run(
                state.store.clone(),
                state.clock.clone(),
                crate::retention::PERIOD,
            ));
            if !state.assets.has_widget() || !state.assets.has_dashboard() {
                tracing::warn!(
                    "built without the widget or dashboard bundle: run `cargo xtask dist`"
                );
            }
            let address = listener.local_addr()?;
            if let Some(token) =
                crate::http::issue_setup_token(state.store.as_ref(), state.clock.now_ms()).await?
            {
                let base = serve
                    .public_url
                    .clone()
                    .unwrap_or_else(|| format!("http://{}", reachable(address)));
                let url = format!("{base}/dashboard/setup#{token}");
                tracing::warn!(%url, "no user can sign in yet: open the setup link within 24 hours to create the first one");
                println!("set up Hark: open {url} within 24 hours to create the first user (the link works once)");
            }
            tracing::info!(%address, "hark is serving");
            crate::serve(listener, state, shutdown_signal()).await?;
            if let Some(mail_in) = mail_in {
                mail_in.abort();
            }
            tracing::info!("stopped");
        }
        Command::Migrate => println!("the database is up to date"),
        Command::Insight {
            command: InsightCommand::Rebuild { site, json },
        } => {
            let site = match site {
                Some(site) => Some(existing_site(store.as_ref(), site).await?),
                None => None,
            };
            let folded = store.rebuild_rollups(site.as_ref()).await?;
            if json {
                println!("{}", serde_json::json!({ "answers": folded }));
            } else {
                println!("rebuilt the rollups from {folded} answers");
            }
        }
        Command::Site {
            command:
                SiteCommand::Create {
                    name,
                    origins,
                    retention_days,
                    json,
                },
        } => {
            let name = name.trim();
            anyhow::ensure!(
                !name.is_empty() && name.len() <= 200,
                "a site name is 1 to 200 characters"
            );
            let origins = origins
                .iter()
                .map(|o| normalize_origin(o))
                .collect::<Result<Vec<_>, _>>()
                .map_err(anyhow::Error::msg)?;
            let site = store.create_site(name, &origins, now).await?;
            if retention_days.is_some() {
                store.set_retention_days(&site.key, retention_days).await?;
            }
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "key": site.key,
                        "name": site.name,
                        "origins": site.origins,
                        "retention_days": retention_days,
                    })
                );
            } else {
                println!("created site {:?} with key {}", site.name, site.key);
                println!("snippet: <script src=\"https://YOUR-COLLECTOR/widget.js\" data-site=\"{}\" async></script>", site.key);
            }
        }
        Command::Site {
            command: SiteCommand::List { json },
        } => {
            let sites = store.sites().await?;
            if json {
                let sites: Vec<_> = sites
                    .iter()
                    .map(|s| serde_json::json!({ "key": s.key, "name": s.name, "origins": s.origins }))
                    .collect();
                println!("{}", serde_json::json!({ "sites": sites }));
            } else {
                for s in sites {
                    println!("{}\t{}\t{}", s.key, s.name, s.origins.join(" "));
                }
            }
        }
        Command::Token {
            command: TokenCommand::Create { site, role, json },
        } => {
            let key = SiteKey::parse(site).map_err(anyhow::Error::msg)?;
            anyhow::ensure!(
                store.site(&key).await?.is_some(),
                "no site has the key {key}"
            );
            let token = ApiToken::generate();
            store
                .create_token(&key, role, &ApiToken::hash(token.expose()), now)
                .await?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "site": key, "role": role, "token": token.expose() })
                );
            } else {
                println!("{}", token.expose());
                eprintln!("this {role} token for site {key} is shown once; keep it secret");
            }
        }
        Command::User {
            command:
                UserCommand::Create {
                    email,
                    role,
                    site,
                    password_stdin: _,
                    json,
                },
        } => {
            let email = Email::parse(&email).map_err(anyhow::Error::msg)?;
            let key = SiteKey::parse(site).map_err(anyhow::Error::msg)?;
            anyhow::ensure!(
                store.site(&key).await?.is_some(),
                "no site has the key {key}"
            );
            let password = read_password(std::io::stdin().lock())?;
            let hash = tokio::task::spawn_blocking(move || password.hash()).await??;
            let id = match store.create_user(email.as_str(), &hash, now).await {
                Err(store::StoreError::Conflict(_)) => {
                    anyhow::bail!("a user with the e-mail address {email} already exists")
                }
                other => other?,
            };
            store.set_membership(id, &key, role, now).await?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "id": id, "email": email.as_str(), "site": key, "role": role })
                );
            } else {
                println!("created user {email} with the {role} role on site {key}");
            }
        }
        Command::User {
            command: UserCommand::TwoFactorOff { email, json },
        } => {
            let email = Email::parse(&email).map_err(anyhow::Error::msg)?;
            let user = store
                .user_by_email(email.as_str())
                .await?
                .with_context(|| format!("no user has the e-mail address {email}"))?;
            let was_on = store.disable_two_factor(user.id).await?;
            let ended = store.end_sessions(user.id).await?;
            let mut sites: Vec<_> = store
                .memberships(user.id)
                .await?
                .into_iter()
                .map(|g| Some(g.site.key))
                .collect();
            if sites.is_empty() {
                sites.push(None);
            }
            for site in sites {
                store
                    .record_audit(&store::AuditEntry {
                        at: now,
                        actor: "cli".into(),
                        site,
                        action: "two_factor.disable".into(),
                        detail: format!("{email}, {ended} sessions ended"),
                    })
                    .await?;
            }
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "email": email.as_str(), "was_on": was_on, "sessions_ended": ended })
                );
            } else if was_on {
                println!("turned two-factor sign-in off for {email}; {ended} sessions ended");
            } else {
                println!("{email} had no two-factor sign-in; {ended} sessions ended");
            }
        }
        Command::Erase {
            site,
            email,
            user_id,
            visitor,
            json,
        } => {
            let key = existing_site(store.as_ref(), site).await?;
            let (who, label) = match (email, user_id, visitor) {
                (Some(e), _, _) => (store::Respondent::Email(e.clone()), email_label(&e)),
                (_, Some(u), _) => (store::Respondent::UserId(u.clone()), format!("user_id:{u}")),
                (_, _, Some(v)) => (
                    store::Respondent::Visitor(v.clone()),
                    format!("visitor:{v}"),
                ),
                _ => anyhow::bail!("name the respondent with --email, --user-id or --visitor"),
            };
            let erased = store.erase_respondent(&key, &who).await?;
            store
                .record_audit(&store::AuditEntry {
                    at: now,
                    actor: "cli".into(),
                    site: Some(key.clone()),
                    action: "responses.erase".into(),
                    detail: format!("{label} erased={erased}"),
                })
                .await?;
            if json {
                println!("{}", serde_json::json!({ "site": key, "erased": erased }));
            } else {
                println!("erased {erased} answers and complaints on site {key}");
            }
        }
        Command::Import {
            command:
                ImportCommand::Answers {
                    site,
                    file,
                    sample_days,
                    survey,
                    dry_run,
                    json,
                },
        } => {
            let site = existing_site(store.as_ref(), site).await?;
            let sample = match sample_days {
                Some(days) => {
                    anyhow::ensure!((1..=730).contains(&days), "--sample-days is 1 to 730");
                    let survey = survey.unwrap_or_default();
                    let surveys = store.surveys(&site).await?;
                    let found = surveys
                        .iter()
                        .find(|r| r.survey.id.as_str() == survey)
                        .with_context(|| format!("the site has no survey {survey:?}"))?;
                    let comments = found
                        .survey
                        .questions
                        .iter()
                        .any(|q| matches!(q.kind, shared::QuestionKind::Text { .. }));
                    Some(crate::import::sample_answers(
                        &survey, days, now, 7, comments,
                    ))
                }
                None => None,
            };
            let input = import_input(file.as_deref(), sample)?;
            let mut progress = |n: u64| {
                if !json {
                    eprintln!("{n} rows stored");
                }
            };
            let report = crate::import::import_answers(
                store.as_ref(),
                &site,
                input,
                dry_run,
                now,
                &mut progress,
            )
            .await?;
            print_import(&report, json)?;
        }
        Command::Import {
            command:
                ImportCommand::Complaints {
                    site,
                    file,
                    sample_days,
                    dry_run,
                    json,
                },
        } => {
            let site = existing_site(store.as_ref(), site).await?;
            let sample = match sample_days {
                Some(days) => {
                    anyhow::ensure!((1..=730).contains(&days), "--sample-days is 1 to 730");
                    Some(crate::import_complaints::sample_complaints(days, now, 11))
                }
                None => None,
            };
            let input = import_input(file.as_deref(), sample)?;
            let mut progress = |n: u64| {
                if !json {
                    eprintln!("{n} rows stored");
                }
            };
            let report = crate::import_complaints::import_complaints(
                store.as_ref(),
                &site,
                input,
                dry_run,
                now,
                &mut progress,
            )
            .await?;
            print_import(&report, json)?;
        }
        Command::Export {
            site,
            complaints,
            format,
            output,
        } => {
            let key = existing_site(store.as_ref(), site).await?;
            let mut out: Box<dyn Write> = match &output {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("cannot create {}", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let mut after = None;
            if complaints {
                out.write_all(&format.complaint_header())?;
                while let Some(rows) = next_complaint_page(store.as_ref(), &key, &mut after).await?
                {
                    out.write_all(&format.encode_complaints(&rows))?;
                }
            } else {
                out.write_all(&format.header())?;
                while let Some(rows) = next_page(store.as_ref(), &key, &mut after).await? {
                    out.write_all(&format.encode(&rows))?;
                }
            }
            out.flush()?;
        }
    }
    Ok(())
}

/// An address a browser on this machine can open: a wildcard listen address as loopback.
fn reachable(address: SocketAddr) -> SocketAddr {
    match address.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, address.port()))
        }
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, address.port()))
        }
        _ => address,
    }
}

/// A site key given on the command line, of a site that exists.
async fn existing_site(store: &dyn store::Store, site: String) -> anyhow::Result<SiteKey> {
    let key = SiteKey::parse(site).map_err(anyhow::Error::msg)?;
    anyhow::ensure!(
        store.site(&key).await?.is_some(),
        "no site has the key {key}"
    );
    Ok(key)
}

/// The password on the first line of `input`, without its line ending.
fn read_password(mut input: impl std::io::BufRead) -> anyhow::Result<Password> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let text = line.strip_suffix('\n').unwrap_or(&line);
    let text = text.strip_suffix('\r').unwrap_or(text);
    anyhow::ensure!(
        !text.is_empty(),
        "no password on standard input: pipe it in, like `printf %s \"$PASSWORD\" | hark user create …`"
    );
    Password::new(text.to_owned()).map_err(anyhow::Error::msg)
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: draining requests");
}

/// What an import reads: the generated sample, standard input (`-`) or the file.
fn import_input(
    file: Option<&std::path::Path>,
    sample: Option<String>,
) -> anyhow::Result<Box<dyn std::io::Read>> {
    Ok(match (file, sample) {
        (_, Some(sample)) => Box::new(std::io::Cursor::new(sample)),
        (Some(path), None) if path.as_os_str() == "-" => Box::new(std::io::stdin()),
        (Some(path), None) => Box::new(
            std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?,
        ),
        (None, None) => anyhow::bail!("name a file, or --sample-days"),
    })
}

/// What an import did, for people or as one JSON object; exits with status 2 when a row was bad
/// (and nothing was imported).
fn print_import(report: &crate::import::Report, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        for bad in &report.bad {
            println!("line {}: {}", bad.line, bad.message);
        }
        if !report.bad.is_empty() {
            println!(
                "{} of {} rows are bad: nothing was imported",
                report.bad.len(),
                report.rows
            );
        } else if report.dry_run {
            println!(
                "all {} rows can be imported (dry run: nothing was stored)",
                report.rows
            );
        } else {
            println!(
                "imported {} rows ({} were imported before)",
                report.imported, report.already
            );
        }
    }
    if !report.bad.is_empty() {
        std::process::exit(2);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_password_is_the_first_line_of_stdin_and_long_enough() {
        let read = |s: &str| super::read_password(s.as_bytes());
        assert!(read("correct horse\n").is_ok());
        assert!(read("correct horse\r\nmore").is_ok());
        let short = read("too short\n").unwrap_err().to_string();
        assert!(short.contains("at least 10"), "{short}");
        assert!(!short.contains("too short"), "{short}");
        assert!(read("").unwrap_err().to_string().contains("no password"));
    }

    #[test]
    fn on_sqlite_the_writer_keeps_a_core_of_its_own() {
        // (cores, on SQLite, HTTP workers)
        for (cores, on_sqlite, workers) in [
            (1, true, 1),
            (2, true, 1),
            (8, true, 7),
            (1, false, 1),
            (2, false, 2),
            (8, false, 8),
            (0, true, 1),
            (0, false, 1),
        ] {
            assert_eq!(
                super::http_workers(cores, on_sqlite),
                workers,
                "{cores} {on_sqlite}"
            );
        }
    }
}
