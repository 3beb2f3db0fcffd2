//! Layered configuration: built-in `config/default.toml` → `config/<env>.toml` (optional) →
//! `TONGYAO__SECTION__KEY` environment variables. A bad value stops start-up with a message
//! that names the key.
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

const DEFAULT_TOML: &str = include_str!("../../config/default.toml");

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub environment: Environment,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub log: LogSettings,
    #[serde(default)]
    pub clock: ClockSettings,
    pub print: PrintSettings,
    pub mail: MailSettings,
}

/// Printouts (purchase orders, later dispatch notes): the folders searched for fonts. The
/// Chinese text needs a CJK font such as Debian's fonts-noto-cjk.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrintSettings {
    pub font_dirs: Vec<PathBuf>,
}

/// Notices by e-mail (see `mail` and `jobs::outbox`): how they leave (SMTP, or `.eml` files in
/// a folder), who they are from, and how the outbox sender claims, retries and gives up.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    pub transport: MailTransport,
    /// `file` transport: the folder the `.eml` files are written to.
    pub dir: PathBuf,
    /// The sender's address, e.g. `tongyao@yaoshi.example.gov.cn`.
    pub from: String,
    /// The sender's display name (Chinese is fine).
    pub from_name: String,
    /// The right-hand side of each notice's Message-ID; unset: the domain of `from`.
    pub message_id_domain: Option<String>,
    /// How often each instance looks for notices that are due.
    pub poll_interval_secs: u64,
    /// How long a claimed notice belongs to the instance that claimed it. Longer than a whole
    /// delivery (3 × `timeout_secs`), so that no other instance takes it while it is on its way.
    pub lease_secs: u64,
    /// Tries before a notice is marked failed.
    pub max_attempts: i32,
    /// The wait after the first failed try; doubled after each further one, up to `retry_max_secs`.
    pub retry_base_secs: u64,
    pub retry_max_secs: u64,
    /// SMTP: each command waits at most this long, a whole delivery at most three times it.
    pub timeout_secs: u64,
    /// SMTP server.
    pub host: String,
    pub port: u16,
    pub tls: MailTls,
    pub username: Option<String>,
    /// Only from the environment: `TONGYAO__MAIL__PASSWORD`.
    pub password: Option<Secret>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    Smtp,
    File,
}

/// How the SMTP connection is protected.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MailTls {
    /// Plain SMTP (a relay on this machine or the hospital's network).
    None,
    /// STARTTLS required (usually port 587): no credentials or mail before the upgrade.
    Starttls,
    /// SMTP over TLS from the first byte (usually port 465).
    Tls,
}

/// A secret setting: never shown by `Debug` (settings may be logged).
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("\"***\"")
    }
}

impl MailSettings {
    /// The key at fault and why.
    fn check(&self) -> Result<(), (&'static str, String)> {
        let bad = |key, why: &str| Err((key, why.to_owned()));
        if self.from.parse::<lettre::Address>().is_err() {
            return bad(
                "mail.from",
                "must be an e-mail address like tongyao@yaoshi.example.gov.cn",
            );
        }
        if let Some(d) = &self.message_id_domain
            && (d.is_empty()
                || !d
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        {
            return bad(
                "mail.message_id_domain",
                "must be a domain name like yaoshi.example.gov.cn",
            );
        }
        if self.poll_interval_secs == 0 {
            return bad("mail.poll_interval_secs", "must be at least 1");
        }
        if self.timeout_secs == 0 {
            return bad(
                "mail.timeout_secs",
                "must be at least 1 (a delivery always has a timeout)",
            );
        }
        if self.lease_secs < 3 * self.timeout_secs + 10 {
            return Err((
                "mail.lease_secs",
                format!(
                    "must be at least 3 × mail.timeout_secs + 10 = {} s, so that a notice on its way is not taken by another instance",
                    3 * self.timeout_secs + 10
                ),
            ));
        }
        if self.max_attempts < 1 {
            return bad("mail.max_attempts", "must be at least 1");
        }
        if self.retry_base_secs == 0 {
            return bad("mail.retry_base_secs", "must be at least 1");
        }
        if self.retry_max_secs < self.retry_base_secs {
            return bad(
                "mail.retry_max_secs",
                "must be at least mail.retry_base_secs",
            );
        }
        match self.transport {
            MailTransport::File if self.dir.as_os_str().is_empty() => {
                bad("mail.dir", "must name a folder for the .eml files")
            }
            MailTransport::Smtp if self.host.trim().is_empty() => {
                bad("mail.host", "must name the SMTP server")
            }
            MailTransport::Smtp if self.port == 0 => {
                bad("mail.port", "must be a port like 25, 465 or 587")
            }
            MailTransport::Smtp if self.username.is_some() && self.password.is_none() => bad(
                "mail.password",
                "mail.username is set: give its password in the environment variable TONGYAO__MAIL__PASSWORD",
            ),
            MailTransport::Smtp
                if self.username.is_some()
                    && self.tls == MailTls::None
                    && !matches!(self.host.as_str(), "localhost" | "127.0.0.1" | "::1") =>
            {
                bad(
                    "mail.tls",
                    "credentials are sent in clear text with tls = none: use starttls or tls, or a relay on this machine",
                )
            }
            _ => Ok(()),
        }
    }
}

/// The clock (see `kernel::clock`). `today` fixes the calendar day, outside production only.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockSettings {
    pub today: Option<chrono::NaiveDate>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Test,
    Production,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub addr: String,
    /// Serve the web app from this folder (a built `frontend/dist`) instead of the one built
    /// into the binary; unset by default. For development.
    pub static_dir: Option<PathBuf>,
    pub request_timeout_secs: u64,
    pub body_limit_bytes: usize,
    pub upload_limit_bytes: usize,
    /// Origins (scheme://host[:port]) allowed on mutating requests besides the request's own host.
    pub allowed_origins: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: String,
    pub migrate_on_start: bool,
    pub max_connections: u32,
    pub busy_timeout_ms: u64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    pub cookie_secure: bool,
    pub slowdown_after_failures: i32,
    pub slowdown_step_ms: u64,
    pub lockout_after_failures: i32,
    pub lockout_minutes: i64,
    /// How long an instance may trust a session it has just checked before reading it again.
    /// Revocation on the same instance is immediate; other instances see it within this time.
    pub session_cache_ms: u64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

impl Settings {
    /// Load from the built-in defaults, the environment file in `config_dir` and the process
    /// environment.
    pub fn load(config_dir: &Path) -> Result<Self, ConfigError> {
        let env_name = std::env::var("TONGYAO_ENV").unwrap_or_else(|_| "development".into());
        let vars: Vec<(String, String)> = std::env::vars().collect();
        Self::load_from(config_dir, &env_name, vars)
    }

    /// Same as [`Settings::load`] with the environment given explicitly (tests).
    pub fn load_from(
        config_dir: &Path,
        env_name: &str,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        if !matches!(env_name, "development" | "test" | "production") {
            return Err(ConfigError(format!(
                "TONGYAO_ENV must be development, test or production, not {env_name:?}"
            )));
        }
        let env_file = config_dir.join(format!("{env_name}.toml"));
        let overrides: std::collections::HashMap<String, String> = vars
            .into_iter()
            .filter(|(k, _)| k.starts_with("TONGYAO__"))
            .collect();
        let builder = config::Config::builder()
            .add_source(config::File::from_str(
                DEFAULT_TOML,
                config::FileFormat::Toml,
            ))
            .set_override("environment", env_name)
            .map_err(|e| ConfigError(e.to_string()))?
            .add_source(config::File::from(env_file).required(false))
            .add_source(
                config::Environment::with_prefix("TONGYAO")
                    .prefix_separator("__")
                    .separator("__")
                    .list_separator(",")
                    .with_list_parse_key("server.allowed_origins")
                    .with_list_parse_key("print.font_dirs")
                    .try_parsing(true)
                    .source(Some(overrides)),
            );
        let raw = builder.build().map_err(|e| ConfigError(e.to_string()))?;
        let settings: Settings = raw
            .try_deserialize()
            .map_err(|e| ConfigError(e.to_string()))?;
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, why: &str| Err(ConfigError(format!("{key}: {why}")));
        if self.server.addr.parse::<SocketAddr>().is_err() {
            return bad("server.addr", "must be an address like 127.0.0.1:8080");
        }
        let url = &self.database.url;
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return bad("database.url", "must start with sqlite: or postgres://");
        }
        if self.database.max_connections == 0 {
            return bad("database.max_connections", "must be at least 1");
        }
        if self.server.request_timeout_secs == 0 {
            return bad("server.request_timeout_secs", "must be at least 1");
        }
        if self.server.body_limit_bytes < 1024 {
            return bad("server.body_limit_bytes", "must be at least 1024");
        }
        if self.auth.session_idle_minutes < 1 || self.auth.session_absolute_hours < 1 {
            return bad(
                "auth.session_idle_minutes",
                "session lifetimes must be positive",
            );
        }
        if self.auth.lockout_after_failures < 1 {
            return bad("auth.lockout_after_failures", "must be at least 1");
        }
        if self.environment == Environment::Production && self.clock.today.is_some() {
            return bad(
                "clock.today",
                "a fixed day is for trying things out and for tests; production runs on the real clock — unset TONGYAO__CLOCK__TODAY",
            );
        }
        if let Err((key, why)) = self.mail.check() {
            return bad(key, &why);
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return bad(
                "log.level",
                "must be a tracing filter such as info or tongyao=debug",
            );
        }
        Ok(())
    }

    pub fn socket_addr(&self) -> SocketAddr {
        // Checked in `check`.
        self.server
            .addr
            .parse()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 8080)))
    }

    /// The clock these settings ask for.
    pub fn clock(&self) -> crate::kernel::Clock {
        match self.clock.today {
            Some(d) => crate::kernel::Clock::fixed(d),
            None => crate::kernel::Clock::system(),
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.database.url.starts_with("sqlite:")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::load_from(
            Path::new("/nonexistent"),
            "development",
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())),
        )
    }

    #[test]
    fn a_fixed_day_outside_production_only() {
        let s = load(&[("TONGYAO__CLOCK__TODAY", "2027-03-01")]).expect("fixed day");
        assert_eq!(s.clock().today().to_string(), "2027-03-01");
        assert!(!load(&[]).unwrap().clock().is_fixed());
        let e = load(&[("TONGYAO__CLOCK__TODAY", "tomorrow")]).unwrap_err();
        assert!(e.0.contains("today"), "{}", e.0);
        let e = Settings::load_from(
            Path::new("/nonexistent"),
            "production",
            [(
                "TONGYAO__CLOCK__TODAY".to_string(),
                "2027-03-01".to_string(),
            )],
        )
        .unwrap_err();
        assert!(e.0.contains("clock.today"), "{}", e.0);
    }

    #[test]
    fn defaults_load() {
        let s = load(&[]).expect("defaults");
        assert_eq!(s.server.addr, "127.0.0.1:8080");
        assert!(s.database.url.starts_with("sqlite:"));
        assert_eq!(s.server.static_dir, None, "the built-in web app by default");
    }

    #[test]
    fn env_overrides_and_names_bad_keys() {
        let s = load(&[("TONGYAO__SERVER__ADDR", "0.0.0.0:9000")]).expect("override");
        assert_eq!(s.server.addr, "0.0.0.0:9000");
        let s = load(&[("TONGYAO__SERVER__STATIC_DIR", "frontend/dist")]).expect("override");
        assert_eq!(s.server.static_dir, Some(PathBuf::from("frontend/dist")));
        let e = load(&[("TONGYAO__SERVER__ADDR", "nonsense")]).unwrap_err();
        assert!(e.0.contains("server.addr"), "{}", e.0);
        let e = load(&[("TONGYAO__DATABASE__MAX_CONNECTIONS", "many")]).unwrap_err();
        assert!(e.0.contains("max_connections"), "{}", e.0);
        let e = load(&[("TONGYAO__DATABASE__URL", "mysql://x")]).unwrap_err();
        assert!(e.0.contains("database.url"), "{}", e.0);
    }

    #[test]
    fn unknown_environment_refused() {
        let e = Settings::load_from(Path::new("/x"), "staging", Vec::new()).unwrap_err();
        assert!(e.0.contains("TONGYAO_ENV"));
    }
}
