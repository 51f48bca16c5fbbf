//! Webhooks: every notification event of a workspace, POSTed to the addresses its owners
//! and admins registered, as JSON or in Slack's incoming-webhook format. Each request is
//! signed: `X-Tether-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` with the
//! webhook's secret, and `X-Tether-Timestamp`, so a receiver can check it came from Tether
//! and is fresh. Failed deliveries are retried with doubling backoff, then given up; every
//! attempt's outcome is kept in the delivery log.

use crate::accounts::SignedIn;
use crate::crypto::{random_token, Sealed, Secret};
use crate::domain::{require, Permission};
use crate::error::{Error, Result};
use crate::Engine;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use sqlx::Row;
use url::Url;

/// The first retry waits this long; each further one twice as long, up to `MAX_BACKOFF`.
const FIRST_BACKOFF: i64 = 60;
const MAX_BACKOFF: i64 = 6 * 3600;
/// A delivery is given up after this many failed attempts: see [`retry_span`].
pub const MAX_ATTEMPTS: i64 = 10;
/// A claimed delivery is left alone by other processes this long.
const CLAIM_SECONDS: i64 = 120;
/// Deliveries sent at once: a receiver that never answers holds one of these, not the
/// others.
const PARALLEL_DELIVERIES: usize = 8;
/// The most deliveries one sweep sends, and the time after which it starts no more.
const DELIVERIES_PER_SWEEP: i64 = 200;
const DELIVERY_BUDGET: std::time::Duration = std::time::Duration::from_secs(60);
/// The log keeps this many of a webhook's newest deliveries on the page.
const LOG_LENGTH: i64 = 20;

/// What the receiving end expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookFormat {
    /// Tether's own JSON event.
    Json,
    /// `{"text": …}`, as Slack's incoming webhooks take it.
    Slack,
}

impl WebhookFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFormat::Json => "json",
            WebhookFormat::Slack => "slack",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "json" => Some(WebhookFormat::Json),
            "slack" => Some(WebhookFormat::Slack),
            _ => None,
        }
    }
}

/// A registered webhook with its newest deliveries.
#[derive(Clone, Debug)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub format: WebhookFormat,
    /// Who added it, while they have an account.
    pub created_by: Option<String>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub deliveries: Vec<Delivery>,
}

/// One line of the delivery log.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub event_key: String,
    pub created_at: i64,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
    pub next_attempt_at: Option<i64>,
    pub given_up_at: Option<i64>,
}

/// The signature a receiver recomputes: hex HMAC-SHA256 of `"<timestamp>.<body>"`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("sha256={}", hex(&mac.finalize().into_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An address Tether may POST to: http(s), a host, no credentials in it.
fn valid_url(raw: &str) -> Result<Url> {
    let invalid = || {
        Error::Invalid(
            "The webhook address must be a full http:// or https:// URL without a user name or password.".into(),
        )
    };
    let url = Url::parse(raw.trim()).map_err(|_| invalid())?;
    if !matches!(url.scheme(), "http" | "https")
        || url.host_str().is_none()
        || !url.username().is_empty()
        || url.password().is_some()
        || raw.len() > 2000
    {
        return Err(invalid());
    }
    Ok(url)
}

/// Seconds from a delivery's first failed attempt to its last, when every one fails.
pub fn retry_span() -> i64 {
    (0..MAX_ATTEMPTS - 1).map(backoff).sum()
}

fn backoff(attempts: i64) -> i64 {
    FIRST_BACKOFF
        .saturating_mul(1 << attempts.clamp(0, 20))
        .min(MAX_BACKOFF)
}

fn seal_context(webhook_id: i64) -> String {
    format!("webhook:{webhook_id}")
}

impl Engine {
    /// Registers a webhook; returns its id and signing secret, shown once.
    pub async fn create_webhook(
        &self,
        person: &SignedIn,
        url: &str,
        format: WebhookFormat,
    ) -> Result<(i64, Secret)> {
        require(person.role, Permission::ManageApiKeys)?;
        let url = valid_url(url)?;
        if let Some(refused) = crate::outbound::refusal_now(&url, self.private_addresses).await {
            return Err(Error::Invalid(format!("{refused}. Nothing was stored.")));
        }
        let secret = Secret::new(format!("whsec_{}", random_token().expose()));
        let mut tx = self.db.pool().begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO webhooks (workspace_id, url, format, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(person.workspace_id)
        .bind(url.as_str())
        .bind(format.as_str())
        .bind(person.user_id)
        .bind(self.clock.now().timestamp())
        .fetch_one(&mut *tx)
        .await?;
        let sealed = self.key.seal(&secret, &seal_context(id));
        sqlx::query("UPDATE webhooks SET key_id = $1, secret = $2 WHERE id = $3")
            .bind(&sealed.key_id)
            .bind(sealed.bytes)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(webhook_id = id, "webhook created");
        Ok((id, secret))
    }

    /// Stops a webhook; its pending deliveries are dropped with it.
    pub async fn revoke_webhook(&self, person: &SignedIn, webhook_id: i64) -> Result<()> {
        require(person.role, Permission::ManageApiKeys)?;
        let revoked = sqlx::query(
            "UPDATE webhooks SET revoked_at = $1 \
             WHERE id = $2 AND workspace_id = $3 AND revoked_at IS NULL",
        )
        .bind(self.clock.now().timestamp())
        .bind(webhook_id)
        .bind(person.workspace_id)
        .execute(self.db.pool())
        .await?;
        if revoked.rows_affected() == 0 {
            return Err(Error::NotFound);
        }
        Ok(())
    }

    /// Queues a test event for one webhook, delivered by the next sweep.
    pub async fn test_webhook(&self, person: &SignedIn, webhook_id: i64) -> Result<()> {
        require(person.role, Permission::ManageApiKeys)?;
        let now = self.clock.now().timestamp();
        let format: String = sqlx::query_scalar(
            "SELECT format FROM webhooks WHERE id = $1 AND workspace_id = $2 AND revoked_at IS NULL",
        )
        .bind(webhook_id)
        .bind(person.workspace_id)
        .fetch_optional(self.db.pool())
        .await?
        .ok_or(Error::NotFound)?;
        let event = WebhookEvent {
            key: format!("test:{webhook_id}:{now}"),
            kind: "test",
            workspace: person.workspace_name.clone(),
            channel: None,
            title: "A test event from Tether".into(),
            body: format!("Sent by {} to check this webhook.", person.display_name),
            at: now,
        };
        let format = WebhookFormat::parse(&format)
            .ok_or_else(|| Error::Internal(format!("stored webhook format {format:?}")))?;
        self.queue_delivery(webhook_id, format, &event).await
    }

    /// The workspace's webhooks with their newest deliveries.
    pub async fn webhooks(&self, person: &SignedIn) -> Result<Vec<Webhook>> {
        require(person.role, Permission::ManageApiKeys)?;
        let rows = sqlx::query(
            "SELECT w.id, w.url, w.format, u.display_name AS creator, w.created_at, \
                    w.revoked_at \
             FROM webhooks w LEFT JOIN users u ON u.id = w.created_by \
             WHERE w.workspace_id = $1 ORDER BY w.created_at DESC, w.id DESC",
        )
        .bind(person.workspace_id)
        .fetch_all(self.db.pool())
        .await?;
        let mut webhooks = Vec::new();
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            let format: String = row.try_get("format")?;
            let deliveries = sqlx::query(
                "SELECT event_key, created_at, attempts, last_status, last_error, delivered_at, \
                        next_attempt_at, given_up_at FROM webhook_deliveries \
                 WHERE webhook_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
            )
            .bind(id)
            .bind(LOG_LENGTH)
            .fetch_all(self.db.pool())
            .await?
            .iter()
            .map(|d| {
                let delivered_at: Option<i64> = d.try_get("delivered_at")?;
                let given_up_at: Option<i64> = d.try_get("given_up_at")?;
                Ok(Delivery {
                    event_key: d.try_get("event_key")?,
                    created_at: d.try_get("created_at")?,
                    attempts: d.try_get("attempts")?,
                    last_status: d.try_get("last_status")?,
                    last_error: d.try_get("last_error")?,
                    next_attempt_at: (delivered_at.is_none() && given_up_at.is_none())
                        .then(|| d.try_get("next_attempt_at"))
                        .transpose()?,
                    delivered_at,
                    given_up_at,
                })
            })
            .collect::<Result<Vec<_>>>()?;
            webhooks.push(Webhook {
                id,
                url: row.try_get("url")?,
                format: WebhookFormat::parse(&format)
                    .ok_or_else(|| Error::Internal(format!("stored webhook format {format:?}")))?,
                created_by: row.try_get("creator")?,
                created_at: row.try_get("created_at")?,
                revoked_at: row.try_get("revoked_at")?,
                deliveries,
            });
        }
        Ok(webhooks)
    }

    /// Queues an event for every live webhook of its workspace; once per webhook and event.
    pub(crate) async fn queue_webhooks(
        &self,
        workspace_id: i64,
        event: &WebhookEvent,
    ) -> Result<()> {
        let hooks = sqlx::query(
            "SELECT id, format FROM webhooks WHERE workspace_id = $1 AND revoked_at IS NULL",
        )
        .bind(workspace_id)
        .fetch_all(self.db.pool())
        .await?;
        for hook in &hooks {
            let format: String = hook.try_get("format")?;
            let format = WebhookFormat::parse(&format)
                .ok_or_else(|| Error::Internal(format!("stored webhook format {format:?}")))?;
            self.queue_delivery(hook.try_get("id")?, format, event)
                .await?;
        }
        Ok(())
    }

    async fn queue_delivery(
        &self,
        webhook_id: i64,
        format: WebhookFormat,
        event: &WebhookEvent,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO webhook_deliveries (webhook_id, event_key, payload, created_at, \
             next_attempt_at) VALUES ($1, $2, $3, $4, $4) \
             ON CONFLICT (webhook_id, event_key) DO NOTHING",
        )
        .bind(webhook_id)
        .bind(&event.key)
        .bind(event.payload(format, &self.public_url))
        .bind(self.clock.now().timestamp())
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// Sends the deliveries that are due, [`PARALLEL_DELIVERIES`] at a time, at most
    /// [`DELIVERIES_PER_SWEEP`] of them and none started after [`DELIVERY_BUDGET`]; what is
    /// left waits for the next sweep. Returns how many arrived.
    pub(crate) async fn deliver_webhooks(&self, now: i64) -> Result<u64> {
        let due = sqlx::query(
            "SELECT d.id, d.webhook_id, d.payload, d.attempts, w.url, w.key_id, w.secret \
             FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
             WHERE d.delivered_at IS NULL AND d.given_up_at IS NULL \
               AND d.next_attempt_at <= $1 AND w.revoked_at IS NULL \
             ORDER BY d.next_attempt_at, d.id LIMIT $2",
        )
        .bind(now)
        .bind(DELIVERIES_PER_SWEEP)
        .fetch_all(self.db.pool())
        .await?;
        let started = std::time::Instant::now();
        let mut running = tokio::task::JoinSet::new();
        let mut delivered = 0;
        let mut failure = None;
        for row in &due {
            if started.elapsed() >= DELIVERY_BUDGET {
                break;
            }
            if running.len() >= PARALLEL_DELIVERIES {
                match running.join_next().await {
                    Some(Ok(Ok(true))) => delivered += 1,
                    Some(Ok(Ok(false))) | None => {}
                    Some(Ok(Err(error))) => failure = Some(error),
                    Some(Err(panic)) => {
                        failure = Some(Error::Internal(format!("delivery panicked: {panic}")))
                    }
                }
            }
            let delivery = DueDelivery {
                id: row.try_get("id")?,
                webhook_id: row.try_get("webhook_id")?,
                payload: row.try_get("payload")?,
                url: row.try_get("url")?,
                attempts: row.try_get::<i64, _>("attempts")? + 1,
                sealed_secret: Sealed {
                    key_id: row.try_get("key_id")?,
                    bytes: row.try_get("secret")?,
                },
            };
            let engine = self.clone();
            running.spawn(async move { engine.deliver(delivery, now).await });
        }
        while let Some(joined) = running.join_next().await {
            match joined {
                Ok(Ok(true)) => delivered += 1,
                Ok(Ok(false)) => {}
                Ok(Err(error)) => failure = Some(error),
                Err(panic) => {
                    failure = Some(Error::Internal(format!("delivery panicked: {panic}")))
                }
            }
        }
        failure.map_or(Ok(delivered), Err)
    }

    /// Claims one delivery, sends it and records the answer; true when it arrived.
    async fn deliver(&self, delivery: DueDelivery, now: i64) -> Result<bool> {
        // Claimed first, so a second process leaves it alone while it is in flight.
        let claimed = sqlx::query(
            "UPDATE webhook_deliveries SET next_attempt_at = $1 \
             WHERE id = $2 AND next_attempt_at <= $3 AND delivered_at IS NULL",
        )
        .bind(now + CLAIM_SECONDS)
        .bind(delivery.id)
        .bind(now)
        .execute(self.db.pool())
        .await?
        .rows_affected();
        if claimed == 0 {
            return Ok(false);
        }
        let DueDelivery {
            id,
            webhook_id,
            payload,
            url,
            attempts,
            sealed_secret,
        } = delivery;
        let secret = self
            .key
            .open(&sealed_secret, &seal_context(webhook_id))
            .map_err(|e| Error::Internal(format!("cannot open webhook secret: {e}")))?;
        let refused = Url::parse(&url)
            .ok()
            .and_then(|parsed| crate::outbound::refusal(&parsed, self.private_addresses));
        let sent = match refused {
            Some(refused) => Err(Undelivered::Refused(refused)),
            None => self
                .webhook_http
                .post(&url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header("X-Tether-Timestamp", now.to_string())
                .header(
                    "X-Tether-Signature",
                    signature(secret.expose(), now, &payload),
                )
                .body(payload)
                .send()
                .await
                .map_err(Undelivered::Http),
        };
        let (status, error) = match sent {
            Ok(response) if response.status().is_success() => {
                (Some(i64::from(response.status().as_u16())), None)
            }
            Ok(response) => (
                Some(i64::from(response.status().as_u16())),
                Some(format!("the receiver answered {}", response.status())),
            ),
            Err(Undelivered::Refused(refused)) => (None, Some(refused)),
            Err(Undelivered::Http(error)) if error.is_timeout() => {
                (None, Some("the receiver did not answer in time".to_owned()))
            }
            Err(Undelivered::Http(error)) if is_private_refusal(&error) => (
                None,
                Some("its address resolves to no public address; Tether calls only addresses on the internet".to_owned()),
            ),
            Err(Undelivered::Http(_)) => {
                (None, Some("the receiver could not be reached".to_owned()))
            }
        };
        let ok = error.is_none();
        let given_up = !ok && attempts >= MAX_ATTEMPTS;
        sqlx::query(
            "UPDATE webhook_deliveries SET attempts = $1, last_attempt_at = $2, \
             last_status = $3, last_error = $4, delivered_at = $5, given_up_at = $6, \
             next_attempt_at = $7 WHERE id = $8",
        )
        .bind(attempts)
        .bind(now)
        .bind(status)
        .bind(&error)
        .bind(ok.then_some(now))
        .bind(given_up.then_some(now))
        .bind(now + backoff(attempts - 1))
        .bind(id)
        .execute(self.db.pool())
        .await?;
        if !ok {
            tracing::warn!(webhook_id, attempts, error = ?error, "webhook delivery failed");
        }
        Ok(ok)
    }
}

/// Why a delivery did not arrive before any answer.
enum Undelivered {
    /// Its address is not public.
    Refused(String),
    Http(reqwest::Error),
}

/// Whether the resolver refused the address for being private.
fn is_private_refusal(error: &reqwest::Error) -> bool {
    let mut cause: Option<&dyn std::error::Error> = Some(error);
    while let Some(current) = cause {
        if current
            .to_string()
            .contains("resolves to no public address")
        {
            return true;
        }
        cause = current.source();
    }
    false
}

/// One due delivery, as read for sending.
struct DueDelivery {
    id: i64,
    webhook_id: i64,
    payload: String,
    url: String,
    /// This attempt's number.
    attempts: i64,
    sealed_secret: Sealed,
}

/// An event as webhooks carry it.
pub(crate) struct WebhookEvent {
    pub(crate) key: String,
    pub(crate) kind: &'static str,
    pub(crate) workspace: String,
    /// (id, name)
    pub(crate) channel: Option<(i64, String)>,
    pub(crate) title: String,
    pub(crate) body: String,
    pub(crate) at: i64,
}

impl WebhookEvent {
    fn payload(&self, format: WebhookFormat, public_url: &Url) -> String {
        let link = self
            .channel
            .as_ref()
            .map(|(id, _)| public_url.join(&format!("channels/{id}")))
            .transpose()
            .ok()
            .flatten();
        match format {
            WebhookFormat::Json => json!({
                "id": self.key,
                "kind": self.kind,
                "workspace": self.workspace,
                "channel": self.channel.as_ref().map(|(id, name)| json!({"id": id, "name": name})),
                "title": self.title,
                "body": self.body,
                "url": link.as_ref().map(Url::as_str),
                "at": chrono::DateTime::from_timestamp(self.at, 0)
                    .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                "at_epoch": self.at,
            }),
            WebhookFormat::Slack => json!({
                "text": match &link {
                    Some(link) => format!("*{}*\n{}\n<{link}|Open in Tether>", self.title, self.body),
                    None => format!("*{}*\n{}", self.title, self.body),
                },
            }),
        }
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_http_urls_without_credentials() {
        assert!(valid_url("https://hooks.example.com/tether").is_ok());
        assert!(valid_url("http://127.0.0.1:9000/in").is_ok());
        for bad in [
            "",
            "hooks.example.com",
            "ftp://example.com/",
            "https://user:pw@example.com/",
            "javascript:alert(1)",
        ] {
            assert!(valid_url(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn retries_double_up_to_six_hours() {
        assert_eq!(backoff(0), 60);
        assert_eq!(backoff(1), 120);
        assert_eq!(backoff(5), 1920);
        assert_eq!(backoff(9), 6 * 3600);
        assert_eq!(backoff(60), 6 * 3600);
        // 1 + 2 + … + 256 minutes.
        assert_eq!(retry_span(), 511 * 60);
    }

    #[test]
    fn the_signature_covers_timestamp_and_body() {
        let a = signature("whsec_1", 100, "{}");
        assert!(a.starts_with("sha256=") && a.len() == 7 + 64);
        assert_ne!(a, signature("whsec_1", 101, "{}"));
        assert_ne!(a, signature("whsec_1", 100, "{ }"));
        assert_ne!(a, signature("whsec_2", 100, "{}"));
    }
}
