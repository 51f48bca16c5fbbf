//! Mail. The embedded default writes each message as a standard `.eml` file to a local
//! outbox directory, which the UI lists; with an SMTP server configured, messages go there.
//! Every message has a plain-text and an HTML body.

use crate::domain::Email;
use crate::error::{Error, Result};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How long an SMTP exchange may take before the message counts as not sent.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);
/// How long one message's whole SMTP exchange may take.
const SMTP_EXCHANGE: Duration = Duration::from_secs(60);
/// The outbox shows this many of the newest messages.
const OUTBOX_SHOWN: usize = 100;

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (port 587); the default.
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same machine or in tests.
    None,
}

impl SmtpSecurity {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "starttls" => Some(Self::StartTls),
            "tls" => Some(Self::Tls),
            "none" => Some(Self::None),
            _ => None,
        }
    }
}

/// Where an SMTP server is and how to sign in to it.
#[derive(Clone, Debug)]
pub struct SmtpServer {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<crate::crypto::Secret>,
}

enum Transport {
    Outbox {
        dir: PathBuf,
        files: AsyncFileTransport<Tokio1Executor>,
    },
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

/// Sends Tether's mail.
#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: Arc<Transport>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let to = match &*self.transport {
            Transport::Outbox { dir, .. } => format!("outbox {}", dir.display()),
            Transport::Smtp(_) => "smtp".to_owned(),
        };
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .field("to", &to)
            .finish()
    }
}

/// One message, both bodies.
#[derive(Clone, Debug)]
pub struct Mail {
    pub to: Email,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The workspace it is about: its outbox page is the only one that lists it.
    pub workspace_id: i64,
    /// Carries a link that signs its holder in: only its recipient may read it.
    pub personal: bool,
}

/// A message in the outbox, as the UI shows it.
#[derive(Clone, Debug)]
pub struct OutboxMail {
    pub to: String,
    pub subject: String,
    pub sent_at: i64,
    /// `None` for a personal message: its body is for its recipient only.
    pub text: Option<String>,
}

/// Outbox files name their workspace and whether they are personal in headers of their
/// own; mail sent through SMTP carries neither.
const WORKSPACE_HEADER: &str = "X-Tether-Workspace";
const PERSONAL_HEADER: &str = "X-Tether-Personal";

fn sender(from: &str) -> Result<Mailbox> {
    from.parse()
        .map_err(|_| Error::Invalid(format!("The sender address {from:?} is not valid.")))
}

impl Mailer {
    /// Mail written to `dir` (created if missing).
    pub fn outbox(dir: PathBuf, from: &str) -> Result<Self> {
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::Internal(format!("cannot create the outbox {dir:?}: {e}")))?;
        Ok(Self {
            from: sender(from)?,
            transport: Arc::new(Transport::Outbox {
                files: AsyncFileTransport::new(&dir),
                dir,
            }),
        })
    }

    /// Mail sent through an SMTP server.
    pub fn smtp(server: &SmtpServer, from: &str) -> Result<Self> {
        let builder = match server.security {
            SmtpSecurity::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&server.host)
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&server.host),
            SmtpSecurity::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                &server.host,
            )),
        }
        .map_err(|e| Error::Invalid(format!("The SMTP server cannot be used: {e}")))?;
        let mut builder = builder.port(server.port).timeout(Some(SMTP_TIMEOUT));
        if let (Some(user), Some(password)) = (&server.username, &server.password) {
            builder =
                builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
        }
        Ok(Self {
            from: sender(from)?,
            transport: Arc::new(Transport::Smtp(builder.build())),
        })
    }

    /// The outbox directory, when mail goes there.
    pub fn outbox_dir(&self) -> Option<&Path> {
        match &*self.transport {
            Transport::Outbox { dir, .. } => Some(dir),
            Transport::Smtp(_) => None,
        }
    }

    /// Sends one message dated `now` (the engine's clock, so a moved sandbox clock shows).
    pub async fn send(&self, mail: Mail, now: chrono::DateTime<chrono::Utc>) -> Result<()> {
        let to: Mailbox =
            mail.to.as_str().parse().map_err(|_| {
                Error::Invalid(format!("{} cannot receive mail.", mail.to.as_str()))
            })?;
        let mut message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject)
            .date(now.into())
            .multipart(MultiPart::alternative_plain_html(mail.text, mail.html))
            .map_err(|e| Error::Internal(format!("cannot build a message: {e}")))?;
        if self.outbox_dir().is_some() {
            let label = |name: &'static str, value: String| {
                HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
            };
            let headers = message.headers_mut();
            headers.insert_raw(label(WORKSPACE_HEADER, mail.workspace_id.to_string()));
            if mail.personal {
                headers.insert_raw(label(PERSONAL_HEADER, "yes".into()));
            }
        }
        let sent = match &*self.transport {
            Transport::Outbox { files, .. } => files
                .send(message)
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            // lettre's timeout covers each read and write, not a server that keeps the
            // exchange going without finishing it: the whole exchange gets a limit too.
            Transport::Smtp(smtp) => {
                match tokio::time::timeout(SMTP_EXCHANGE, smtp.send(message)).await {
                    Ok(sent) => sent.map(drop).map_err(|e| e.to_string()),
                    Err(_) => Err(format!(
                        "the SMTP server did not finish within {} s",
                        SMTP_EXCHANGE.as_secs()
                    )),
                }
            }
        };
        sent.map_err(|cause| Error::Internal(format!("mail not sent: {cause}")))
    }
}

/// The newest messages of an outbox directory about `workspace_id`, newest first. Files
/// that are not mail, and mail about other workspaces, are skipped.
pub fn read_outbox(dir: &Path, workspace_id: i64) -> Vec<OutboxMail> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let parser = mail_parser::MessageParser::default();
    let workspace = workspace_id.to_string();
    let mut mails: Vec<OutboxMail> = entries
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().extension().is_some_and(|e| e == "eml"))
        .filter_map(|entry| std::fs::read(entry.path()).ok())
        .filter_map(|bytes| {
            let message = parser.parse(&bytes)?;
            let label = |name: &str| {
                message
                    .header_raw(name)
                    .map(|value| value.trim().to_owned())
            };
            if label(WORKSPACE_HEADER)? != workspace {
                return None;
            }
            let personal = label(PERSONAL_HEADER).is_some();
            Some(OutboxMail {
                to: message
                    .to()
                    .and_then(|to| to.first())
                    .and_then(|to| to.address())
                    .unwrap_or_default()
                    .to_owned(),
                subject: message.subject().unwrap_or_default().to_owned(),
                sent_at: message.date().map(|d| d.to_timestamp()).unwrap_or_default(),
                text: (!personal).then(|| {
                    message
                        .body_text(0)
                        .map(|t| t.into_owned())
                        .unwrap_or_default()
                }),
            })
        })
        .collect();
    mails.sort_by_key(|mail| std::cmp::Reverse(mail.sent_at));
    mails.truncate(OUTBOX_SHOWN);
    mails
}
