//! Fresh tokens on demand, single flight: however many requests ask for one channel's
//! token at once, at most one renewal happens. Requests in this process queue on one lock;
//! requests in other processes meet at the credential's lease. The winner commits the new
//! tokens before anyone reads them; the others read what it committed.

use super::plan::FRESH_FOR;
use super::work::{can_renew, Action, Outcome};
use crate::channels::SealedTokens;
use crate::crypto::Secret;
use crate::error::{Error, Result};
use crate::networks::DeadReason;
use crate::Engine;
use chrono::TimeDelta;
use sqlx::Row;
use std::time::Duration;

/// How long the record of each token handed out is kept: a quarter, enough to answer
/// "which key took this channel's token" after an incident.
pub(crate) const HANDOUTS_KEPT_FOR: TimeDelta = TimeDelta::days(90);

/// A token handed out to a caller of the API.
#[derive(Debug)]
pub struct HandedOut {
    pub token: Secret,
    pub expires_at: Option<i64>,
    pub network: String,
}

/// What a credential's stored state says about handing out its token.
enum Verdict {
    /// Valid for at least [`FRESH_FOR`], or as good as it will get.
    HandOut,
    Renew,
    NeedsPerson(String),
}

impl Engine {
    /// A working access token for a channel of `workspace_id`, renewed first when it would
    /// expire within [`FRESH_FOR`]. Every hand-out is recorded with the API key that asked.
    pub async fn fresh_token(
        &self,
        workspace_id: i64,
        channel_id: i64,
        api_key_id: Option<i64>,
    ) -> Result<HandedOut> {
        let flight = self.lifecycle.flight(channel_id);
        let mut in_flight = None;
        let mut renewed = false;
        // Waiting for another process's renewal longer than its lease means it died.
        let patience = tokio::time::Instant::now()
            + self
                .lifecycle
                .pacing
                .lease
                .to_std()
                .unwrap_or(Duration::from_secs(120));
        loop {
            let (network, verdict) = self.verdict(workspace_id, channel_id, renewed).await?;
            match verdict {
                Verdict::HandOut => {
                    return self
                        .hand_out(workspace_id, channel_id, network, api_key_id)
                        .await
                }
                Verdict::NeedsPerson(why) => return Err(Error::NeedsPerson(why)),
                Verdict::Renew => {}
            }
            if in_flight.is_none() {
                // Queue behind this process's renewal, then read again what it committed.
                in_flight = Some(flight.clone().lock_owned().await);
                continue;
            }
            if self.try_lease(channel_id).await? {
                match self.work_leased(channel_id, Some(Action::Refresh)).await? {
                    Outcome::Renewed { .. } => renewed = true,
                    Outcome::Dead { reason, .. } | Outcome::Lapsed { reason } => {
                        return Err(Error::NeedsPerson(reason.words().into()))
                    }
                    Outcome::Failing { class, .. } => {
                        return self
                            .hand_out_if_valid(workspace_id, channel_id, network, api_key_id, class)
                            .await
                    }
                    Outcome::Checked | Outcome::Skipped => {}
                }
            } else if tokio::time::Instant::now() > patience {
                return Err(Error::NetworkUnavailable {
                    network: self.network_name(&network),
                });
            } else {
                // Another process holds the lease: it is renewing or checking right now.
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        }
    }

    async fn verdict(
        &self,
        workspace_id: i64,
        channel_id: i64,
        renewed: bool,
    ) -> Result<(String, Verdict)> {
        let row = sqlx::query(
            "SELECT c.network, c.unlinked_at, cr.channel_id AS credential, cr.access_expires_at, \
                    cr.dead_reason, \
                    CAST(CASE WHEN cr.refresh_token IS NULL THEN 0 ELSE 1 END AS BIGINT) AS has_refresh \
             FROM channels c LEFT JOIN credentials cr ON cr.channel_id = c.id \
             WHERE c.id = $1 AND c.workspace_id = $2",
        )
        .bind(channel_id)
        .bind(workspace_id)
        .fetch_optional(self.db.pool())
        .await?
        .ok_or(Error::NotFound)?;
        let network: String = row.try_get("network")?;
        if row.try_get::<Option<i64>, _>("unlinked_at")?.is_some()
            || row.try_get::<Option<i64>, _>("credential")?.is_none()
        {
            return Ok((
                network,
                Verdict::NeedsPerson("it was unlinked; reconnect it to use it again.".into()),
            ));
        }
        if let Some(reason) = row.try_get::<Option<String>, _>("dead_reason")? {
            return Ok((
                network,
                Verdict::NeedsPerson(DeadReason::words_for(&reason)),
            ));
        }
        let now = self.clock.now().timestamp();
        let expires_at: Option<i64> = row.try_get("access_expires_at")?;
        let renewable = self.networks.get(&network).is_some_and(|n| {
            can_renew(
                &n.profile.renewal,
                row.try_get::<i64, _>("has_refresh").ok() == Some(1),
            )
        });
        let expired = expires_at.is_some_and(|at| at <= now);
        let verdict = match expires_at {
            None => Verdict::HandOut,
            Some(at) if at - now >= FRESH_FOR.num_seconds() => Verdict::HandOut,
            // Renewed just now and still short-lived: as good as the network gives.
            _ if renewed && !expired => Verdict::HandOut,
            _ if renewable => Verdict::Renew,
            _ if !expired => Verdict::HandOut,
            _ => Verdict::NeedsPerson(
                "its access has expired and this network cannot renew it; reconnect it.".into(),
            ),
        };
        Ok((network, verdict))
    }

    /// After a failed renewal: the current token if it still works, else the network's
    /// trouble as the answer.
    async fn hand_out_if_valid(
        &self,
        workspace_id: i64,
        channel_id: i64,
        network: String,
        api_key_id: Option<i64>,
        failing: &str,
    ) -> Result<HandedOut> {
        let handed = self
            .hand_out(workspace_id, channel_id, network.clone(), api_key_id)
            .await?;
        if handed
            .expires_at
            .is_some_and(|at| at <= self.clock.now().timestamp())
        {
            return Err(if failing == "configuration" {
                Error::Misconfigured {
                    setting: self
                        .networks
                        .get(&network)
                        .map(|n| n.credentials_setting.clone())
                        .unwrap_or_default(),
                    network,
                }
            } else {
                Error::NetworkUnavailable {
                    network: self.network_name(&network),
                }
            });
        }
        Ok(handed)
    }

    /// Forgets the hand-outs older than [`HANDOUTS_KEPT_FOR`], so the record of who took
    /// which token does not grow without end.
    pub(crate) async fn forget_old_handouts(&self, now: i64) -> Result<()> {
        sqlx::query("DELETE FROM token_handouts WHERE at < $1")
            .bind(now - HANDOUTS_KEPT_FOR.num_seconds())
            .execute(self.db.pool())
            .await?;
        Ok(())
    }

    /// The network's name as people read it ("Facebook", not "facebook").
    fn network_name(&self, network: &str) -> String {
        self.networks
            .get(network)
            .map_or_else(|| network.to_owned(), |n| n.profile.display_name.clone())
    }

    async fn hand_out(
        &self,
        workspace_id: i64,
        channel_id: i64,
        network: String,
        api_key_id: Option<i64>,
    ) -> Result<HandedOut> {
        // Token and expiry are read together, so they always belong to each other.
        let row = sqlx::query(
            "SELECT key_id, access_token, refresh_token, access_expires_at FROM credentials \
             WHERE channel_id = $1",
        )
        .bind(channel_id)
        .fetch_optional(self.db.pool())
        .await?
        .ok_or(Error::NotFound)?;
        let token = SealedTokens::from_row(channel_id, &row)?.access(&self.key)?;
        sqlx::query(
            "INSERT INTO token_handouts (workspace_id, channel_id, api_key_id, at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(workspace_id)
        .bind(channel_id)
        .bind(api_key_id)
        .bind(self.clock.now().timestamp())
        .execute(self.db.pool())
        .await?;
        self.lifecycle.metrics.handed_out(&network);
        Ok(HandedOut {
            token,
            expires_at: row.try_get("access_expires_at")?,
            network,
        })
    }
}
