//! Settings: one typed struct read from `TETHER_*` environment variables (and an optional
//! `.env`). A bad value stops start-up with a message that names the variable.

use chrono::TimeDelta;
use engine::accounts::SessionPolicy;
use engine::crypto::{EncryptionKey, Secret};
use engine::db::DatabaseUrl;
use engine::lifecycle::Pacing;
use engine::mail::{SmtpSecurity, SmtpServer};
use engine::networks::{GraphVersion, LinkedInVersion, NetworkSettings};
use engine::outbound::PrivateAddresses;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use url::Url;

/// Networks whose client id and secret can be configured, in `TETHER_<NAME>_CLIENT_ID` form.
pub const NETWORK_CREDENTIAL_NAMES: &[&str] = &[
    "FACEBOOK",
    "INSTAGRAM",
    "LINKEDIN",
    "LINKEDIN_MEMBER",
    "LINKEDIN_ADS",
    "X",
    "TIKTOK",
    "YOUTUBE",
    "PINTEREST",
    "THREADS",
];

#[derive(Debug)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub database_url: DatabaseUrl,
    pub bind: SocketAddr,
    /// Where browsers reach Tether; `None` means `http://` + the bound address.
    pub public_url: Option<Url>,
    /// `None` means the key file in the data directory (created on first start).
    pub encryption_key: Option<EncryptionKey>,
    /// Keys from before a rotation, newest first: they open, never seal.
    pub older_keys: Vec<EncryptionKey>,
    pub sandbox: SandboxMode,
    /// Sandbox networks served by a separate `tether sandbox` process instead of in-process.
    pub external_sandbox: Option<ExternalSandbox>,
    pub mail: Mail,
    pub network_credentials: Vec<NetworkCredentials>,
    /// What the operator sets about the networks (the Graph API version…).
    pub networks: NetworkSettings,
    /// The generic OpenID Connect / OAuth 2.0 network, when an issuer is configured.
    pub oidc: Option<OidcSettings>,
    /// Whether this process runs the scheduler that renews and checks tokens.
    pub scheduler: bool,
    pub pacing: Pacing,
    pub log_filter: String,
    /// Whether a reverse proxy names the client in `X-Forwarded-For` / `Forwarded`; rate
    /// limits per address then read it (spoofable when Tether is reached directly).
    pub behind_proxy: bool,
    /// The bearer token `GET /metrics` asks for; without one, metrics are off.
    pub metrics_token: Option<Secret>,
    /// The set-up link's secret when the operator chooses it (automation); otherwise a
    /// fresh instance makes a random one and logs it.
    pub setup_token: Option<Secret>,
    /// Whether webhooks may call loopback and private addresses (tests, one machine).
    pub private_addresses: PrivateAddresses,
    pub sessions: SessionPolicy,
}

/// Whether this instance serves emulated networks. They are a demo and test feature: off
/// unless asked for, and never beside real networks or behind https unless the operator
/// says so with `TETHER_SANDBOX_IN_PRODUCTION=yes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SandboxMode {
    Off,
    /// Emulated networks, with controls for the workspace's owners and admins.
    On,
    /// As `On`, and the controls may also move the instance's clock (`scripts/run.sh`).
    Demo,
}

impl SandboxMode {
    pub fn is_on(self) -> bool {
        self != SandboxMode::Off
    }
}

#[derive(Clone, Debug)]
pub struct ExternalSandbox {
    pub url: Url,
    /// The client secret both processes were given.
    pub client_secret: Secret,
}

#[derive(Clone, Debug)]
pub struct OidcSettings {
    pub name: String,
    pub issuer: Url,
    pub client_id: String,
    pub client_secret: Secret,
    pub scopes: Vec<String>,
}

/// Where mail goes: a local outbox directory (the embedded default) or an SMTP server.
#[derive(Debug)]
pub enum Mail {
    Outbox { dir: PathBuf, from: String },
    Smtp { server: SmtpServer, from: String },
}

/// The sender of the embedded default's mail.
const OUTBOX_FROM: &str = "Tether <tether@localhost>";

#[derive(Clone, Debug)]
pub struct NetworkCredentials {
    pub network: &'static str,
    pub client_id: String,
    pub client_secret: Secret,
}

/// A variable that could not be used, and why.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub variable: String,
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.problem)
    }
}

impl std::error::Error for ConfigError {}

fn invalid(variable: &str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        variable: variable.to_owned(),
        problem: problem.into(),
    }
}

impl Settings {
    /// Reads the process environment, after loading `.env` from the working directory.
    pub fn from_env() -> Result<Self, ConfigError> {
        if let Err(e) = dotenvy::dotenv() {
            if !e.not_found() {
                return Err(invalid(".env", e.to_string()));
            }
        }
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Reads settings through `var`, so tests can pass their own environment.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());

        let data_dir = PathBuf::from(get("TETHER_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = match get("TETHER_DATABASE_URL") {
            Some(url) => url.parse().map_err(|e: engine::db::UnsupportedDatabase| {
                invalid("TETHER_DATABASE_URL", e.to_string())
            })?,
            None => DatabaseUrl::sqlite_file(&data_dir.join("tether.db")),
        };
        let bind = get("TETHER_BIND")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse::<SocketAddr>()
            .map_err(|_| {
                invalid(
                    "TETHER_BIND",
                    "must be an address and port such as 127.0.0.1:3000",
                )
            })?;
        let public_url = get("TETHER_PUBLIC_URL")
            .map(|raw| parse_public_url(&raw))
            .transpose()?;
        // After a rotation: every key, newest first; the newest seals, the others still
        // open what they sealed until `tether rekey` has moved it.
        let (encryption_key, older_keys) =
            match (get("TETHER_ENCRYPTION_KEYS"), get("TETHER_ENCRYPTION_KEY")) {
                (Some(_), Some(_)) => {
                    return Err(invalid(
                        "TETHER_ENCRYPTION_KEYS",
                        "set it or TETHER_ENCRYPTION_KEY, not both",
                    ))
                }
                (Some(keys), None) => {
                    let mut parsed = keys
                        .split(',')
                        .map(|raw| {
                            EncryptionKey::parse(raw).map_err(|e| {
                                invalid("TETHER_ENCRYPTION_KEYS", format!("each key {e}"))
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    let newest = parsed.remove(0);
                    (Some(newest), parsed)
                }
                (None, raw) => (
                    raw.map(|raw| {
                        EncryptionKey::parse(&raw)
                            .map_err(|e| invalid("TETHER_ENCRYPTION_KEY", e.to_string()))
                    })
                    .transpose()?,
                    Vec::new(),
                ),
            };
        // Naming a separate sandbox process (TETHER_SANDBOX_URL) asks for it too.
        let sandbox = match get("TETHER_SANDBOX").as_deref() {
            None if get("TETHER_SANDBOX_URL").is_some() => SandboxMode::On,
            None | Some("off" | "false" | "0") => SandboxMode::Off,
            Some("on" | "true" | "1") => SandboxMode::On,
            Some("demo") => SandboxMode::Demo,
            Some(_) => return Err(invalid("TETHER_SANDBOX", "must be off, on or demo")),
        };
        let external_sandbox = match get("TETHER_SANDBOX_URL") {
            None => None,
            Some(raw) => Some(ExternalSandbox {
                url: Url::parse(&raw)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https") && u.path().ends_with('/'))
                    .ok_or_else(|| {
                        invalid("TETHER_SANDBOX_URL", "must be an http(s) URL ending with /")
                    })?,
                client_secret: Secret::new(get("TETHER_SANDBOX_CLIENT_SECRET").ok_or_else(
                    || {
                        invalid(
                            "TETHER_SANDBOX_CLIENT_SECRET",
                            "is required when TETHER_SANDBOX_URL is set",
                        )
                    },
                )?),
            }),
        };
        let mail = match get("TETHER_SMTP_HOST") {
            None => Mail::Outbox {
                dir: data_dir.join("outbox"),
                from: get("TETHER_MAIL_FROM").unwrap_or_else(|| OUTBOX_FROM.into()),
            },
            Some(host) => Mail::Smtp {
                server: SmtpServer {
                    host,
                    port: get("TETHER_SMTP_PORT")
                        .unwrap_or_else(|| "587".into())
                        .parse()
                        .map_err(|_| invalid("TETHER_SMTP_PORT", "must be a port number"))?,
                    security: SmtpSecurity::parse(
                        &get("TETHER_SMTP_SECURITY").unwrap_or_else(|| "starttls".into()),
                    )
                    .ok_or_else(|| {
                        invalid("TETHER_SMTP_SECURITY", "must be starttls, tls or none")
                    })?,
                    username: get("TETHER_SMTP_USERNAME"),
                    password: get("TETHER_SMTP_PASSWORD").map(Secret::new),
                },
                from: get("TETHER_MAIL_FROM").ok_or_else(|| {
                    invalid(
                        "TETHER_MAIL_FROM",
                        "is required when TETHER_SMTP_HOST is set",
                    )
                })?,
            },
        };
        let networks = NetworkSettings {
            graph_version: match get("TETHER_FACEBOOK_GRAPH_VERSION") {
                Some(raw) => GraphVersion::parse(raw.trim())
                    .map_err(|problem| invalid("TETHER_FACEBOOK_GRAPH_VERSION", problem))?,
                None => GraphVersion::default(),
            },
            google_app_in_testing: match get("TETHER_GOOGLE_APP_STATUS").as_deref() {
                None | Some("production") => false,
                Some("testing") => true,
                Some(_) => {
                    return Err(invalid(
                        "TETHER_GOOGLE_APP_STATUS",
                        "must be production or testing",
                    ))
                }
            },
            linkedin_version: match get("TETHER_LINKEDIN_VERSION") {
                Some(raw) => LinkedInVersion::parse(raw.trim())
                    .map_err(|problem| invalid("TETHER_LINKEDIN_VERSION", problem))?,
                None => LinkedInVersion::default(),
            },
        };
        let mut network_credentials = Vec::new();
        for name in NETWORK_CREDENTIAL_NAMES {
            let id_var = format!("TETHER_{name}_CLIENT_ID");
            let secret_var = format!("TETHER_{name}_CLIENT_SECRET");
            match (get(&id_var), get(&secret_var)) {
                (Some(client_id), Some(secret)) => network_credentials.push(NetworkCredentials {
                    network: name,
                    client_id,
                    client_secret: Secret::new(secret),
                }),
                (None, None) => {}
                (Some(_), None) => {
                    return Err(invalid(
                        &secret_var,
                        format!("is required when {id_var} is set"),
                    ))
                }
                (None, Some(_)) => {
                    return Err(invalid(
                        &id_var,
                        format!("is required when {secret_var} is set"),
                    ))
                }
            }
        }
        let oidc = match get("TETHER_OIDC_ISSUER") {
            None => None,
            Some(raw) => {
                let issuer = Url::parse(&raw)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "https" | "http") && u.query().is_none())
                    .ok_or_else(|| {
                        invalid(
                            "TETHER_OIDC_ISSUER",
                            "must be an http(s) URL without a query",
                        )
                    })?;
                let required = |name: &str| {
                    get(name)
                        .ok_or_else(|| invalid(name, "is required when TETHER_OIDC_ISSUER is set"))
                };
                Some(OidcSettings {
                    name: get("TETHER_OIDC_NAME").unwrap_or_else(|| "OpenID Connect".into()),
                    issuer,
                    client_id: required("TETHER_OIDC_CLIENT_ID")?,
                    client_secret: Secret::new(required("TETHER_OIDC_CLIENT_SECRET")?),
                    scopes: get("TETHER_OIDC_SCOPES")
                        .unwrap_or_else(|| "profile".into())
                        .split_whitespace()
                        .map(str::to_owned)
                        .collect(),
                })
            }
        };
        let scheduler = match get("TETHER_SCHEDULER").as_deref() {
            None | Some("on" | "true" | "1") => true,
            Some("off" | "false" | "0") => false,
            Some(_) => return Err(invalid("TETHER_SCHEDULER", "must be on or off")),
        };
        let behind_proxy = match get("TETHER_BEHIND_PROXY").as_deref() {
            None | Some("no" | "false" | "0") => false,
            Some("yes" | "true" | "1") => true,
            Some(_) => return Err(invalid("TETHER_BEHIND_PROXY", "must be yes or no")),
        };
        let private_addresses = match get("TETHER_ALLOW_PRIVATE_WEBHOOKS").as_deref() {
            None | Some("no" | "false" | "0") => PrivateAddresses::Refused,
            Some("yes" | "true" | "1") => PrivateAddresses::Allowed,
            Some(_) => {
                return Err(invalid(
                    "TETHER_ALLOW_PRIVATE_WEBHOOKS",
                    "must be yes or no",
                ))
            }
        };
        let mut sessions = SessionPolicy::default();
        if let Some(raw) = get("TETHER_SESSION_IDLE_MINUTES") {
            sessions.idle = raw
                .parse()
                .ok()
                .filter(|minutes| (1..=60 * 24 * 365).contains(minutes))
                .map(TimeDelta::minutes)
                .ok_or_else(|| {
                    invalid(
                        "TETHER_SESSION_IDLE_MINUTES",
                        "must be a number of minutes, at least 1",
                    )
                })?;
        }
        if let Some(raw) = get("TETHER_SESSION_HOURS") {
            sessions.lifetime = raw
                .parse()
                .ok()
                .filter(|hours| (1..=24 * 365).contains(hours))
                .map(TimeDelta::hours)
                .ok_or_else(|| {
                    invalid(
                        "TETHER_SESSION_HOURS",
                        "must be a number of hours, 1 to 8760",
                    )
                })?;
        }
        let metrics_token = match get("TETHER_METRICS_TOKEN") {
            None => None,
            Some(token) if token.len() >= 24 && token.chars().all(|c| c.is_ascii_graphic()) => {
                Some(Secret::new(token))
            }
            Some(_) => {
                return Err(invalid(
                    "TETHER_METRICS_TOKEN",
                    "must be at least 24 printable characters (e.g. `openssl rand -hex 24`)",
                ))
            }
        };
        // It becomes a path segment: URL-safe characters only.
        let setup_token =
            match get("TETHER_SETUP_TOKEN") {
                None => None,
                Some(token)
                    if token.len() >= 24
                        && token
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
                {
                    Some(Secret::new(token))
                }
                Some(_) => return Err(invalid(
                    "TETHER_SETUP_TOKEN",
                    "must be at least 24 letters, digits, `-` or `_` (e.g. `openssl rand -hex 24`)",
                )),
            };
        let mut pacing = Pacing::default();
        if let Some(raw) = get("TETHER_CHECK_EVERY_MINUTES") {
            let minutes: i64 = raw
                .parse()
                .ok()
                .filter(|m| (1..=7 * 24 * 60).contains(m))
                .ok_or_else(|| {
                    invalid(
                        "TETHER_CHECK_EVERY_MINUTES",
                        "must be a number of minutes from 1 to 10080 (a week)",
                    )
                })?;
            pacing.check_every = chrono::TimeDelta::minutes(minutes);
        }
        if let Some(raw) = get("TETHER_WORKERS") {
            pacing.concurrency = raw
                .parse()
                .ok()
                .filter(|n| (1..=1024).contains(n))
                .ok_or_else(|| invalid("TETHER_WORKERS", "must be a number from 1 to 1024"))?;
        }
        if let Some(raw) = get("TETHER_CALL_TIMEOUT_SECONDS") {
            let secs: u64 = raw
                .parse()
                .ok()
                .filter(|s| (1..=120).contains(s))
                .ok_or_else(|| {
                    invalid(
                        "TETHER_CALL_TIMEOUT_SECONDS",
                        "must be a number from 1 to 120",
                    )
                })?;
            pacing.call_timeout = std::time::Duration::from_secs(secs);
        }
        if let Some(raw) = get("TETHER_LEASE_SECONDS") {
            pacing.lease = raw
                .parse()
                .ok()
                .map(chrono::TimeDelta::seconds)
                .filter(|lease| lease.num_seconds() <= 3600)
                .ok_or_else(|| invalid("TETHER_LEASE_SECONDS", "must be a number up to 3600"))?;
        }
        // A lease that lapses while its call is still running would let a second process
        // renew the same credential.
        if pacing.lease.to_std().unwrap_or_default() < pacing.call_timeout * 2 {
            return Err(invalid(
                "TETHER_LEASE_SECONDS",
                "must be at least twice TETHER_CALL_TIMEOUT_SECONDS",
            ));
        }
        if sandbox.is_on() && get("TETHER_SANDBOX_IN_PRODUCTION").as_deref() != Some("yes") {
            if let Some(real) = network_credentials.first() {
                return Err(invalid(
                    "TETHER_SANDBOX",
                    format!(
                        "emulated networks are a demo and test feature, and TETHER_{}_CLIENT_ID \
                         configures a real network. Turn the sandbox off, or set \
                         TETHER_SANDBOX_IN_PRODUCTION=yes to serve both",
                        real.network
                    ),
                ));
            }
            if public_url.as_ref().is_some_and(|u| u.scheme() == "https") {
                return Err(invalid(
                    "TETHER_SANDBOX",
                    "emulated networks are a demo and test feature and the public URL is https. \
                     Turn the sandbox off, or set TETHER_SANDBOX_IN_PRODUCTION=yes to serve them",
                ));
            }
        }
        Ok(Self {
            scheduler,
            behind_proxy,
            metrics_token,
            setup_token,
            private_addresses,
            sessions,
            pacing,
            data_dir,
            database_url,
            bind,
            public_url,
            encryption_key,
            older_keys,
            sandbox,
            external_sandbox,
            mail,
            network_credentials,
            networks,
            oidc,
            log_filter: get("TETHER_LOG").unwrap_or_else(|| "info".into()),
        })
    }
}

fn parse_public_url(raw: &str) -> Result<Url, ConfigError> {
    let mut url =
        Url::parse(raw).map_err(|e| invalid("TETHER_PUBLIC_URL", format!("is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(invalid(
            "TETHER_PUBLIC_URL",
            "must be an http or https URL with a host",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "TETHER_PUBLIC_URL",
            "must not have a query or fragment",
        ));
    }
    // Callback URLs are joined onto it: it must end with a slash to keep its path.
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// The key from `TETHER_ENCRYPTION_KEY`, or else the one kept in the data directory,
/// generated on first start with a warning that production must set its own.
pub fn load_or_create_key(settings: &Settings) -> Result<EncryptionKey, ConfigError> {
    if let Some(key) = &settings.encryption_key {
        return Ok(key.clone());
    }
    let path = settings.data_dir.join("encryption.key");
    let problem =
        |e: std::io::Error| invalid("TETHER_DATA_DIR", format!("{}: {e}", path.display()));
    if !path.exists() {
        std::fs::create_dir_all(&settings.data_dir).map_err(problem)?;
        write_private(&path, &EncryptionKey::generate_encoded()).map_err(problem)?;
        tracing::warn!(
            path = %path.display(),
            "generated an encryption key and kept it in the data directory; production must set TETHER_ENCRYPTION_KEY instead"
        );
    } else {
        tracing::warn!(
            path = %path.display(),
            "using the encryption key kept in the data directory; production must set TETHER_ENCRYPTION_KEY instead"
        );
    }
    let encoded = std::fs::read_to_string(&path).map_err(problem)?;
    EncryptionKey::parse(&encoded).map_err(|e| {
        invalid(
            "TETHER_DATA_DIR",
            format!("{} is not a valid key: {e}", path.display()),
        )
    })
}

/// Writes a file only its owner can read.
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_vars(|name| vars.get(name).cloned())
    }

    #[test]
    fn embedded_defaults() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.data_dir, PathBuf::from("./data"));
        assert_eq!(s.database_url.backend(), engine::db::Backend::Sqlite);
        assert_eq!(s.bind, "127.0.0.1:3000".parse().unwrap());
        assert!(s.public_url.is_none());
        assert!(s.encryption_key.is_none());
        assert_eq!(
            s.sandbox,
            SandboxMode::Off,
            "emulated networks only when asked"
        );
        assert!(matches!(s.mail, Mail::Outbox { ref dir, .. } if dir.ends_with("outbox")));
        assert!(s.network_credentials.is_empty());
    }

    #[test]
    fn the_sandbox_is_refused_beside_real_networks_or_https_unless_asked() {
        let real = [
            ("TETHER_SANDBOX", "on"),
            ("TETHER_X_CLIENT_ID", "id"),
            ("TETHER_X_CLIENT_SECRET", "secret"),
        ];
        let refused = settings(&real).unwrap_err();
        assert_eq!(refused.variable, "TETHER_SANDBOX");
        assert!(refused.problem.contains("TETHER_X_CLIENT_ID"), "{refused}");
        let https = [
            ("TETHER_SANDBOX", "demo"),
            ("TETHER_PUBLIC_URL", "https://tether.example/"),
        ];
        assert_eq!(settings(&https).unwrap_err().variable, "TETHER_SANDBOX");
        for mut vars in [real.to_vec(), https.to_vec()] {
            vars.push(("TETHER_SANDBOX_IN_PRODUCTION", "yes"));
            assert!(settings(&vars).unwrap().sandbox.is_on());
        }
        assert_eq!(
            settings(&[("TETHER_SANDBOX", "demo")]).unwrap().sandbox,
            SandboxMode::Demo
        );
    }

    #[test]
    fn the_scheduler_is_paced_from_settings() {
        let s = settings(&[
            ("TETHER_CHECK_EVERY_MINUTES", "30"),
            ("TETHER_WORKERS", "4"),
            ("TETHER_CALL_TIMEOUT_SECONDS", "2"),
            ("TETHER_LEASE_SECONDS", "5"),
        ])
        .unwrap();
        assert!(s.scheduler);
        assert_eq!(s.pacing.check_every, chrono::TimeDelta::minutes(30));
        assert_eq!(s.pacing.concurrency, 4);
        assert_eq!(s.pacing.call_timeout, std::time::Duration::from_secs(2));
        assert_eq!(s.pacing.lease, chrono::TimeDelta::seconds(5));
    }

    #[test]
    fn bad_values_name_their_variable() {
        let cases = [
            ("TETHER_BIND", "localhost"),
            ("TETHER_DATABASE_URL", "mysql://db"),
            ("TETHER_PUBLIC_URL", "ftp://example.com"),
            ("TETHER_ENCRYPTION_KEY", "too-short"),
            ("TETHER_SANDBOX", "maybe"),
            ("TETHER_FACEBOOK_GRAPH_VERSION", "21.0"),
            ("TETHER_LINKEDIN_VERSION", "2026-08"),
            ("TETHER_GOOGLE_APP_STATUS", "beta"),
            ("TETHER_SCHEDULER", "sometimes"),
            ("TETHER_CHECK_EVERY_MINUTES", "0"),
            ("TETHER_WORKERS", "many"),
            ("TETHER_CALL_TIMEOUT_SECONDS", "600"),
            ("TETHER_LEASE_SECONDS", "10"),
        ];
        for (variable, value) in cases {
            let error = settings(&[(variable, value)]).unwrap_err();
            assert_eq!(error.variable, variable, "{value}");
        }
        let error = settings(&[("TETHER_SMTP_HOST", "mail.example.com")]).unwrap_err();
        assert_eq!(error.variable, "TETHER_MAIL_FROM");
        let error = settings(&[("TETHER_X_CLIENT_ID", "abc")]).unwrap_err();
        assert_eq!(error.variable, "TETHER_X_CLIENT_SECRET");
    }

    #[test]
    fn rotated_keys_come_newest_first_and_alone() {
        let (new, old) = (
            EncryptionKey::generate_encoded(),
            EncryptionKey::generate_encoded(),
        );
        let both = format!("{new},{old}");
        let s = settings(&[("TETHER_ENCRYPTION_KEYS", &both)]).unwrap();
        assert_eq!(
            s.encryption_key.unwrap().id(),
            EncryptionKey::parse(&new).unwrap().id()
        );
        assert_eq!(s.older_keys.len(), 1);
        let error = settings(&[
            ("TETHER_ENCRYPTION_KEYS", &both),
            ("TETHER_ENCRYPTION_KEY", &new),
        ])
        .unwrap_err();
        assert_eq!(error.variable, "TETHER_ENCRYPTION_KEYS");
        let error = settings(&[("TETHER_ENCRYPTION_KEYS", &format!("{new},short"))]).unwrap_err();
        assert_eq!(error.variable, "TETHER_ENCRYPTION_KEYS");
    }

    #[test]
    fn secrets_are_not_printed() {
        let key = EncryptionKey::generate_encoded();
        let s = settings(&[
            ("TETHER_ENCRYPTION_KEY", &key),
            ("TETHER_X_CLIENT_ID", "client"),
            ("TETHER_X_CLIENT_SECRET", "very-secret-value"),
            (
                "TETHER_DATABASE_URL",
                "postgres://tether:db-password@localhost/tether",
            ),
            ("TETHER_SMTP_HOST", "mail.example.com"),
            ("TETHER_SMTP_PASSWORD", "smtp-password"),
            ("TETHER_MAIL_FROM", "tether@example.com"),
        ])
        .unwrap();
        let printed = format!("{s:?}");
        assert!(printed.contains("mail.example.com"));
        assert!(!printed.contains("very-secret-value"));
        assert!(!printed.contains(&key));
        assert!(!printed.contains("db-password"));
        assert!(!printed.contains("smtp-password"));
    }

    #[test]
    fn smtp_security_is_one_of_three() {
        let with = |security: &'static str| {
            settings(&[
                ("TETHER_SMTP_HOST", "mail.example.com"),
                ("TETHER_MAIL_FROM", "tether@example.com"),
                ("TETHER_SMTP_SECURITY", security),
            ])
        };
        for (raw, security) in [
            ("starttls", SmtpSecurity::StartTls),
            ("tls", SmtpSecurity::Tls),
            ("none", SmtpSecurity::None),
        ] {
            match with(raw).unwrap().mail {
                Mail::Smtp { server, .. } => assert_eq!(server.security, security),
                Mail::Outbox { .. } => panic!("SMTP was configured"),
            }
        }
        assert_eq!(with("ssl").unwrap_err().variable, "TETHER_SMTP_SECURITY");
    }

    #[test]
    fn public_url_keeps_its_path_for_callbacks() {
        let s = settings(&[("TETHER_PUBLIC_URL", "https://example.com/tether")]).unwrap();
        let url = s.public_url.unwrap();
        assert_eq!(url.as_str(), "https://example.com/tether/");
        assert_eq!(
            url.join("oauth/callback/x").unwrap().as_str(),
            "https://example.com/tether/oauth/callback/x"
        );
    }

    #[test]
    fn the_generated_key_is_kept_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().to_str().unwrap();
        let s = settings(&[("TETHER_DATA_DIR", data_dir)]).unwrap();
        let first = load_or_create_key(&s).unwrap();
        let second = load_or_create_key(&s).unwrap();
        assert_eq!(first.id(), second.id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("encryption.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
