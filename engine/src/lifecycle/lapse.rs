//! Deadlines that pass. Tether counts down to the end of a network's fixed consent period
//! and to the end of access that nothing can renew; when one passes, the channel has
//! lapsed: down from that moment, told once like any disconnection, and never called
//! revoked, since no network refused anything.

use crate::error::Result;
use crate::lifecycle::work::can_renew;
use crate::networks::{Adapter, DeadReason};
use crate::Engine;
use serde_json::json;
use sqlx::Row;

/// Why and since when a channel with these facts has lapsed at `now`, if it has: the
/// earlier of the consent period's end and, where nothing can renew it, the access
/// token's expiry.
pub(crate) fn lapse(
    adapter: Adapter,
    renewable: bool,
    access_expires_at: Option<i64>,
    reconsent_deadline: Option<i64>,
    now: i64,
) -> Option<(DeadReason, i64)> {
    let consent = reconsent_deadline
        .filter(|at| *at <= now)
        .map(|at| (adapter.reconsent_lapse(), at));
    let access = access_expires_at
        .filter(|at| !renewable && *at <= now)
        .map(|at| (DeadReason::Expired, at));
    match (consent, access) {
        (Some(c), Some(a)) => Some(if a.1 < c.1 { a } else { c }),
        (c, a) => c.or(a),
    }
}

impl Engine {
    /// Marks lapsed every live channel whose deadline has passed, unless a worker holds
    /// it right now (that worker finds the lapse itself); returns how many lapsed. Each
    /// branch repeats `dead_reason IS NULL` so SQLite reads it from its own partial index
    /// (live credentials only) instead of every credential.
    pub(crate) async fn lapse_passed_deadlines(&self, now: i64) -> Result<u64> {
        let rows = sqlx::query(
            "SELECT c.id, c.workspace_id, c.network, cr.access_expires_at, \
                    cr.reconsent_deadline, \
                    CAST(CASE WHEN cr.refresh_token IS NULL THEN 0 ELSE 1 END AS BIGINT) AS refreshable \
             FROM channels c JOIN credentials cr ON cr.channel_id = c.id \
             WHERE c.unlinked_at IS NULL AND cr.dead_reason IS NULL \
               AND ((cr.reconsent_deadline <= $1 AND cr.dead_reason IS NULL) \
                    OR (cr.access_expires_at <= $1 AND cr.refresh_token IS NULL \
                        AND cr.dead_reason IS NULL))",
        )
        .bind(now)
        .fetch_all(self.db.pool())
        .await?;
        let mut lapsed = 0;
        for row in &rows {
            let network: String = row.try_get("network")?;
            let Some(profile) = self.networks.get(&network).map(|n| &n.profile) else {
                continue;
            };
            let renewable = can_renew(&profile.renewal, row.try_get::<i64, _>("refreshable")? == 1);
            let Some((reason, since)) = lapse(
                profile.adapter,
                renewable,
                row.try_get("access_expires_at")?,
                row.try_get("reconsent_deadline")?,
                now,
            ) else {
                continue;
            };
            let channel_id: i64 = row.try_get("id")?;
            let mut tx = self.db.pool().begin().await?;
            let marked = sqlx::query(
                "UPDATE credentials SET dead_reason = $1, due_at = NULL, renew_at = NULL, \
                 updated_at = $2 WHERE channel_id = $3 AND dead_reason IS NULL \
                 AND (lease_until IS NULL OR lease_until < $2)",
            )
            .bind(reason.as_str())
            .bind(now)
            .bind(channel_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if marked == 1 {
                let workspace_id = row.try_get("workspace_id")?;
                self.begin_disconnection(&mut tx, workspace_id, channel_id, reason.as_str(), since)
                    .await?;
                self.record_lapse(&mut tx, workspace_id, channel_id, reason, since)
                    .await?;
                lapsed += 1;
            }
            tx.commit().await?;
        }
        Ok(lapsed)
    }

    /// The event that says a channel lapsed at its deadline.
    pub(crate) async fn record_lapse(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        workspace_id: i64,
        channel_id: i64,
        reason: DeadReason,
        since: i64,
    ) -> Result<()> {
        self.record_event(
            tx,
            workspace_id,
            Some(channel_id),
            None,
            "lapsed",
            json!({ "reason": reason.as_str(), "deadline": since }),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_earlier_passed_deadline_is_the_lapse() {
        let google = Adapter::YouTube;
        assert_eq!(lapse(google, true, Some(50), Some(100), 99), None);
        assert_eq!(
            lapse(google, true, Some(50), Some(100), 100),
            Some((DeadReason::ConsentLapsed, 100))
        );
        assert_eq!(
            lapse(google, false, Some(50), Some(100), 120),
            Some((DeadReason::Expired, 50))
        );
        assert_eq!(
            lapse(Adapter::Facebook, false, None, Some(100), 100),
            Some((DeadReason::DataAccessExpired, 100))
        );
    }
}
