//! The scheduler: one loop per process claims due credentials under a lease (Postgres:
//! row locks with SKIP LOCKED, so several processes never take the same one) and works on
//! them a few at a time. Stopping it lets the work in flight finish and commit first.

use super::work::{Action, Due, Outcome};
use crate::accounts::SignedIn;
use crate::db::Backend;
use crate::domain::{require, Permission};
use crate::error::{Error, Result};
use crate::notify::NotifyReport;
use crate::Engine;
use std::collections::HashMap;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// What one sweep did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub renewed: usize,
    pub checked: usize,
    pub dead: usize,
    pub failing: usize,
    pub skipped: usize,
    /// Work that failed inside Tether (database); the lease lapses and it is tried again.
    pub errors: usize,
}

impl SweepReport {
    pub fn worked(&self) -> usize {
        self.renewed + self.checked + self.dead + self.failing + self.skipped + self.errors
    }

    fn add(&mut self, result: &Result<Outcome>) {
        match result {
            Ok(Outcome::Renewed { .. }) => self.renewed += 1,
            Ok(Outcome::Checked) => self.checked += 1,
            Ok(Outcome::Dead { .. } | Outcome::Lapsed { .. }) => self.dead += 1,
            Ok(Outcome::Failing { .. }) => self.failing += 1,
            Ok(Outcome::Skipped) => self.skipped += 1,
            Err(_) => self.errors += 1,
        }
    }
}

impl Engine {
    /// Claims up to `limit` due credentials for this process, earliest first.
    pub async fn claim_due(&self, limit: usize) -> Result<Vec<i64>> {
        let now = self.clock.now().timestamp();
        let lease_until = now + self.lifecycle.pacing.lease.num_seconds();
        let lock = match self.db.backend() {
            // Another process's claim in flight is skipped, not waited for.
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            // One writer at a time: the statement itself is the lock.
            Backend::Sqlite => "",
        };
        let _turn = self.db.write_turn().await;
        let claimed = sqlx::query_scalar(&format!(
            "UPDATE credentials SET lease_owner = $1, lease_until = $2 \
             WHERE channel_id IN (SELECT channel_id FROM credentials \
                 WHERE due_at <= $3 AND (lease_until IS NULL OR lease_until < $3) \
                 ORDER BY due_at LIMIT $4 {lock}) \
             RETURNING channel_id"
        ))
        .bind(&self.lifecycle.owner)
        .bind(lease_until)
        .bind(now)
        .bind(limit as i64)
        .fetch_all(self.db.pool())
        .await?;
        Ok(claimed)
    }

    /// Takes the lease of one credential, unless another worker holds it.
    pub(crate) async fn try_lease(&self, channel_id: i64) -> Result<bool> {
        let now = self.clock.now().timestamp();
        let taken = sqlx::query(
            "UPDATE credentials SET lease_owner = $1, lease_until = $2 \
             WHERE channel_id = $3 AND (lease_until IS NULL OR lease_until < $4)",
        )
        .bind(&self.lifecycle.owner)
        .bind(now + self.lifecycle.pacing.lease.num_seconds())
        .bind(channel_id)
        .bind(now)
        .execute(self.db.pool())
        .await?;
        Ok(taken.rows_affected() == 1)
    }

    /// Gives back a lease this process holds without changing anything else.
    pub(crate) async fn release(&self, channel_id: i64) -> Result<()> {
        sqlx::query(
            "UPDATE credentials SET lease_owner = NULL, lease_until = NULL \
             WHERE channel_id = $1 AND lease_owner = $2",
        )
        .bind(channel_id)
        .bind(&self.lifecycle.owner)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// Works through everything due now, `concurrency` at a time, and returns what it did.
    /// The loop in [`Engine::run_scheduler`] is this, repeated; tests call it directly.
    pub async fn sweep(&self) -> Result<SweepReport> {
        self.sweep_until(&CancellationToken::new()).await
    }

    async fn sweep_until(&self, stop: &CancellationToken) -> Result<SweepReport> {
        let concurrency = self.lifecycle.pacing.concurrency.max(1);
        let half = concurrency.div_ceil(2);
        let mut report = SweepReport::default();
        let mut running = JoinSet::new();
        let mut claim_failed = None;
        loop {
            // Claim in batches, and only what can start now, so no lease waits in a queue:
            // when half the slots are free, fill them.
            let free = concurrency - running.len();
            let claimed = if stop.is_cancelled() || claim_failed.is_some() || free < half {
                Vec::new()
            } else {
                match self.claim_loaded(free).await {
                    Ok(claimed) => claimed,
                    // Told once the work in flight is done: dropping a renewal in the middle
                    // of its call could lose a refresh token the network has just rotated.
                    Err(error) => {
                        claim_failed = Some(error);
                        Vec::new()
                    }
                }
            };
            let exhausted = claim_failed.is_some() || (claimed.is_empty() && free >= half);
            for (channel_id, due) in claimed {
                let engine = self.clone();
                running.spawn(async move {
                    let result = engine.work_loaded(channel_id, due, None).await;
                    if let Err(error) = &result {
                        tracing::error!(channel_id, error = %error.log_detail(), "scheduled work failed");
                    }
                    result
                });
            }
            if exhausted && running.is_empty() {
                return claim_failed.map_or(Ok(report), Err);
            }
            if let Some(joined) = running.join_next().await {
                match joined {
                    Ok(result) => report.add(&result),
                    Err(panic) => {
                        tracing::error!(error = %panic, "scheduled work panicked");
                        report.errors += 1;
                    }
                }
            }
        }
    }

    /// Claims up to `limit` due credentials and reads them (`None`: no longer live).
    async fn claim_loaded(&self, limit: usize) -> Result<Vec<(i64, Option<Due>)>> {
        let claimed = self.claim_due(limit).await?;
        let mut loaded: HashMap<i64, Due> = self
            .load_due(&claimed)
            .await?
            .into_iter()
            .map(|due| (due.channel_id, due))
            .collect();
        Ok(claimed
            .into_iter()
            .map(|channel_id| (channel_id, loaded.remove(&channel_id)))
            .collect())
    }

    /// The scheduler loop: sweeps, then sleeps until more is due, until `stop` is
    /// cancelled; then the work in flight is finished (and committed) before it returns.
    /// Reminders, mail and webhooks run beside it in a task of their own, so a slow mail
    /// server or webhook receiver never holds back a renewal.
    pub async fn run_scheduler(&self, stop: CancellationToken) {
        tracing::info!(owner = %self.lifecycle.owner, "scheduler started");
        let notifier = tokio::spawn({
            let (engine, stop) = (self.clone(), stop.clone());
            async move { engine.run_notifier(stop).await }
        });
        while !stop.is_cancelled() {
            match self.sweep_until(&stop).await {
                Ok(report) if report.worked() > 0 => {
                    tracing::debug!(?report, "sweep done");
                    continue;
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::error!(error = %error.log_detail(), "sweep failed");
                }
            }
            tokio::select! {
                () = stop.cancelled() => {}
                () = tokio::time::sleep(self.lifecycle.pacing.idle_poll) => {}
            }
        }
        if let Err(panic) = notifier.await {
            tracing::error!(error = %panic, "notification sweeps panicked");
        }
        tracing::info!("scheduler stopped");
    }

    /// Sweeps reminders, mail and webhooks every `notify_every` until `stop` is cancelled.
    async fn run_notifier(&self, stop: CancellationToken) {
        while !stop.is_cancelled() {
            match self.notify_sweep().await {
                Ok(report) if report != NotifyReport::default() => {
                    tracing::info!(?report, "notifications swept");
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::error!(error = %error.log_detail(), "notification sweep failed");
                }
            }
            tokio::select! {
                () = stop.cancelled() => {}
                () = tokio::time::sleep(self.lifecycle.pacing.notify_every) => {}
            }
        }
    }

    /// "Refresh now" from the channel page: renews at once, whatever the schedule.
    pub async fn refresh_now(&self, person: &SignedIn, channel_id: i64) -> Result<Outcome> {
        self.work_now(person, channel_id, Action::Refresh).await
    }

    /// "Check now" from the channel page: asks the network at once whether the token works.
    pub async fn check_now(&self, person: &SignedIn, channel_id: i64) -> Result<Outcome> {
        self.work_now(person, channel_id, Action::Check).await
    }

    async fn work_now(
        &self,
        person: &SignedIn,
        channel_id: i64,
        action: Action,
    ) -> Result<Outcome> {
        require(person.role, Permission::Reauthorize)?;
        let channel = self.channel(person, channel_id).await?;
        if channel.unlinked_at.is_some() || channel.dead_reason.is_some() {
            return Err(Error::Invalid(
                "This channel needs reconnecting first; Tether holds no working token for it."
                    .into(),
            ));
        }
        if !self.try_lease(channel_id).await? {
            return Err(Error::Invalid(
                "Tether is working on this channel right now; try again in a moment.".into(),
            ));
        }
        self.work_leased(channel_id, Some(action)).await
    }
}
