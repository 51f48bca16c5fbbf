//! One piece of work on one credential: renew it or check it, then record in one
//! transaction what happened (tokens, schedule, failures, events, disconnections) and
//! release the lease.

use super::plan;
use super::writer::RenewalRow;
use crate::channels::{scope_list, seal_context, seconds_after, SealedTokens};
use crate::crypto::Secret;
use crate::error::{Error, Result};
use crate::networks::call::{printable, ApiCall, NetworkFailure};
use crate::networks::{ConfiguredNetwork, DeadReason, Discovery, FailureClass, Renewal};
use crate::oauth::{self, TokenGrant};
use crate::Engine;
use rand::Rng;
use serde_json::json;
use sqlx::Row;

/// What one piece of work did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Renewed {
        access_expires_at: Option<i64>,
        /// The network's words refusing the check this renewal was asked to confirm.
        after_refused_check: Option<String>,
    },
    Checked,
    /// The network refused for good; the channel needs a person.
    Dead {
        reason: DeadReason,
        /// The network's words refusing the check a renewal was asked to confirm.
        after_refused_check: Option<String>,
    },
    /// The network failed (transient, rate limited, refused in unclear words); the next
    /// attempt is at `retry_at`.
    Failing {
        class: &'static str,
        retry_at: i64,
        /// The network's own words, when it answered at all.
        refusal: Option<String>,
    },
    /// A deadline Tether counted down to has passed (the consent period, or access that
    /// nothing can renew); the channel needs a person, and no network was asked.
    Lapsed {
        reason: DeadReason,
    },
    /// Nothing to do: the channel is dead, unlinked or gone.
    Skipped,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    Refresh,
    Check,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Refresh => "refresh",
            Action::Check => "check",
        }
    }
}

/// A failure that leaves the token alive for now, as [`Engine::record_trouble`] keeps it.
struct Trouble {
    class: &'static str,
    retry_at: i64,
    give_up: bool,
    /// The network's own words, kept where they are what a person needs to read.
    refusal: Option<String>,
}

/// A period in which a channel could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disconnection {
    pub reason: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
}

/// When a credential is next renewed and worked on.
pub(crate) struct Schedule {
    pub renew_at: Option<i64>,
    pub due_at: i64,
}

/// A live credential, as the lifecycle needs it.
pub(crate) struct Due {
    pub(crate) channel_id: i64,
    workspace_id: i64,
    network: String,
    kind: String,
    account_id: String,
    access_expires_at: Option<i64>,
    reconsent_deadline: Option<i64>,
    renew_at: Option<i64>,
    failures: i64,
    failure_class: Option<String>,
    granted: Vec<String>,
    tokens: SealedTokens,
    /// An open disconnection to close when it works again.
    down: bool,
    /// The network had trouble lately; a success ends it.
    network_failing: bool,
}

impl Due {
    /// From a row of [`Engine::load_due`]'s query; the tokens stay sealed until used.
    fn from_row(row: &sqlx::any::AnyRow) -> Result<Self> {
        let channel_id: i64 = row.try_get("id")?;
        Ok(Due {
            tokens: SealedTokens::from_row(channel_id, row)?,
            down: row.try_get::<i64, _>("down")? == 1,
            network_failing: row.try_get::<i64, _>("network_failing")? == 1,
            channel_id,
            workspace_id: row.try_get("workspace_id")?,
            network: row.try_get("network")?,
            kind: row.try_get("kind")?,
            account_id: row.try_get("external_account_id")?,
            access_expires_at: row.try_get("access_expires_at")?,
            reconsent_deadline: row.try_get("reconsent_deadline")?,
            renew_at: row.try_get("renew_at")?,
            failures: row.try_get("failures")?,
            failure_class: row.try_get("failure_class")?,
            granted: scope_list(&row.try_get::<String, _>("granted_scopes")?),
        })
    }
}

impl Engine {
    /// When a credential just written should be renewed and next looked at.
    pub(crate) fn schedule(
        &self,
        renewal: &Renewal,
        issued_at: i64,
        access_expires_at: Option<i64>,
        has_refresh_token: bool,
    ) -> Schedule {
        let mut rng = rand::thread_rng();
        let renew_at = plan::renew_at(
            renewal,
            issued_at,
            access_expires_at,
            has_refresh_token,
            rng.gen(),
        );
        let next_check = plan::next_check(issued_at, self.lifecycle.pacing.check_every, rng.gen());
        Schedule {
            renew_at,
            due_at: plan::due_at(issued_at, renew_at, next_check),
        }
    }

    /// Live credentials among `channel_ids`, with everything their work needs, tokens
    /// included, in one read; dead, unlinked or deleted ones are left out.
    pub(crate) async fn load_due(&self, channel_ids: &[i64]) -> Result<Vec<Due>> {
        if channel_ids.is_empty() {
            return Ok(Vec::new());
        }
        let backend = self.db.backend();
        let list: Vec<String> = (1..=channel_ids.len())
            .map(|n| backend.placeholder(n))
            .collect();
        let sql = format!(
            "SELECT c.id, c.workspace_id, c.network, c.kind, c.external_account_id, \
                    cr.access_expires_at, cr.reconsent_deadline, cr.renew_at, cr.failures, \
                    cr.failure_class, \
                    cr.granted_scopes, cr.key_id, cr.access_token, cr.refresh_token, \
                    CAST(CASE WHEN EXISTS (SELECT 1 FROM disconnections d \
                        WHERE d.channel_id = c.id AND d.ended_at IS NULL) \
                        THEN 1 ELSE 0 END AS BIGINT) AS down, \
                    CAST(CASE WHEN EXISTS (SELECT 1 FROM network_trouble t \
                        WHERE t.network = c.network AND t.failing_since IS NOT NULL) \
                        THEN 1 ELSE 0 END AS BIGINT) AS network_failing \
             FROM channels c JOIN credentials cr ON cr.channel_id = c.id \
             WHERE c.id IN ({}) AND cr.dead_reason IS NULL AND c.unlinked_at IS NULL",
            list.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for id in channel_ids {
            query = query.bind(id);
        }
        let rows = query.fetch_all(self.db.pool()).await?;
        rows.iter().map(Due::from_row).collect()
    }

    /// Works on a credential whose lease this process holds: renews it when renewal is due
    /// (or `force` says so), checks it otherwise, records the outcome and releases the lease.
    pub(crate) async fn work_leased(
        &self,
        channel_id: i64,
        force: Option<Action>,
    ) -> Result<Outcome> {
        let due = self.load_due(&[channel_id]).await?.pop();
        self.work_loaded(channel_id, due, force).await
    }

    /// [`Engine::work_leased`] with the credential already read (`None`: not live).
    pub(crate) async fn work_loaded(
        &self,
        channel_id: i64,
        due: Option<Due>,
        force: Option<Action>,
    ) -> Result<Outcome> {
        let Some(due) = due else {
            // Dead or unlinked meanwhile: nothing is due until a person reconnects.
            self.postpone(channel_id, None).await?;
            return Ok(Outcome::Skipped);
        };
        let Ok(network) = self.network(&due.network) else {
            // The network is no longer configured: look again after a check interval.
            let later = self.clock.now() + self.lifecycle.pacing.check_every;
            self.postpone(channel_id, Some(later.timestamp())).await?;
            return Ok(Outcome::Skipped);
        };
        let now = self.clock.now().timestamp();
        let renewable = can_renew(&network.profile.renewal, due.tokens.has_refresh());
        if let Some((reason, since)) = super::lapse::lapse(
            network.profile.adapter,
            renewable,
            due.access_expires_at,
            due.reconsent_deadline,
            now,
        ) {
            // Past the deadline no network call can say more, and a check that still
            // passed would claim a working channel the network has ended.
            let mut tx = self.db.pool().begin().await?;
            self.mark_dead(&mut tx, due.workspace_id, channel_id, reason, since)
                .await?;
            self.record_lapse(&mut tx, due.workspace_id, channel_id, reason, since)
                .await?;
            tx.commit().await?;
            return Ok(Outcome::Lapsed { reason });
        }
        let action = match force {
            Some(Action::Refresh) if !renewable => {
                self.release(channel_id).await?;
                return Err(Error::Invalid(
                    "This channel cannot be renewed without a person; reconnect it instead.".into(),
                ));
            }
            Some(action) => action,
            None if renewable && due.renew_at.is_some_and(|at| at <= now) => Action::Refresh,
            None => Action::Check,
        };
        let result = match action {
            Action::Refresh => {
                let token = self.renewal_token(&network.profile.renewal, &due)?;
                self.call_renewal(network, token.as_ref()).await.map(Ok)
            }
            Action::Check => {
                let access = due.tokens.access(&self.key)?;
                self.call_check(network, &due, &access).await.map(Err)
            }
        };
        match result {
            Ok(Ok(grant)) => self.record_renewal(network, &due, grant, None).await,
            Ok(Err(discovery)) => self.record_check(network, &due, discovery).await,
            Err(refused)
                if action == Action::Check
                    && renewable
                    && refused.class() == FailureClass::Unclear =>
            {
                // A refusal no rule reads is neither silence nor proof of death: the token
                // endpoint, the network's authority on the grant, settles it.
                let after = refused.refusal();
                let token = self.renewal_token(&network.profile.renewal, &due)?;
                match self.call_renewal(network, token.as_ref()).await {
                    Ok(grant) => self.record_renewal(network, &due, grant, after).await,
                    Err(failure) => {
                        self.record_failure(network, &due, Action::Refresh, failure, after)
                            .await
                    }
                }
            }
            Err(failure) => {
                self.record_failure(network, &due, action, failure, None)
                    .await
            }
        }
    }

    /// Releases the lease and sets when the credential is next due (`None`: never).
    async fn postpone(&self, channel_id: i64, due_at: Option<i64>) -> Result<()> {
        sqlx::query(
            "UPDATE credentials SET due_at = $1, lease_owner = NULL, lease_until = NULL \
             WHERE channel_id = $2",
        )
        .bind(due_at)
        .bind(channel_id)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// The token a renewal sends, opened: the access token where the network extends or
    /// re-exchanges it, the refresh token (if any) elsewhere.
    fn renewal_token(&self, renewal: &Renewal, due: &Due) -> Result<Option<Secret>> {
        match renewal {
            Renewal::ExtendInPlace { .. } | Renewal::ReExchange => {
                due.tokens.access(&self.key).map(Some)
            }
            _ => due.tokens.refresh(&self.key),
        }
    }

    async fn call_renewal(
        &self,
        network: &ConfiguredNetwork,
        token: Option<&Secret>,
    ) -> Result<TokenGrant, NetworkFailure> {
        let Some(token) = token else {
            return Err(NetworkFailure::Unavailable("nothing to renew with".into()));
        };
        match &network.profile.renewal {
            Renewal::ExtendInPlace {
                url, grant_type, ..
            } => oauth::extend(&self.http, network, url, grant_type, token).await,
            Renewal::ReExchange => oauth::exchange_long_lived(&self.http, network, token)
                .await?
                .ok_or_else(|| NetworkFailure::Unavailable("no long-lived exchange".into())),
            _ => oauth::refresh(&self.http, network, token).await,
        }
    }

    /// A health check: the network's own identity / account call with the channel's token.
    /// The channel's account must still be among those the token reaches (a lost Page
    /// role hides the Page).
    async fn call_check(
        &self,
        network: &ConfiguredNetwork,
        due: &Due,
        access: &Secret,
    ) -> Result<Discovery, NetworkFailure> {
        let call = ApiCall {
            http: &self.http,
            network,
            token: access,
            granted: &due.granted,
        };
        let discovery = network
            .profile
            .adapter
            .check(&call, &due.kind, &due.account_id)
            .await?;
        if discovery
            .accounts
            .iter()
            .any(|a| a.kind == due.kind && a.id == due.account_id)
        {
            Ok(discovery)
        } else {
            Err(NetworkFailure::Refused {
                class: FailureClass::dead(DeadReason::LostRole),
                code: "account_not_reachable".into(),
                description: "the token no longer reaches this account".into(),
            })
        }
    }

    async fn record_renewal(
        &self,
        network: &ConfiguredNetwork,
        due: &Due,
        grant: TokenGrant,
        after_refused_check: Option<String>,
    ) -> Result<Outcome> {
        let now = self.clock.now();
        let now_secs = now.timestamp();
        let access_expires_at = seconds_after(now, grant.expires_in);
        let channel_id = due.channel_id;
        let sealed_access = self
            .key
            .seal(&grant.access_token, &seal_context(channel_id, "access"));
        // A rotating network sends a new refresh token; others keep the old one.
        let new_refresh = grant
            .refresh_token
            .as_ref()
            .map(|t| self.key.seal(t, &seal_context(channel_id, "refresh")));
        let refresh_expires_in = match (&network.profile.renewal, &new_refresh) {
            // The fixed window is never pushed by a refresh.
            (Renewal::FixedWindowRefresh, _) | (_, None) => None,
            (_, Some(_)) => grant
                .refresh_expires_in
                .or(network.profile.lifetimes.refresh),
        };
        let schedule = self.schedule(
            &network.profile.renewal,
            now_secs,
            access_expires_at,
            due.tokens.has_refresh() || new_refresh.is_some(),
        );
        self.lifecycle
            .writer(&self.db)
            .write(RenewalRow {
                channel_id,
                workspace_id: due.workspace_id,
                key_id: sealed_access.key_id,
                access_token: sealed_access.bytes,
                refresh_token: new_refresh.map(|r| r.bytes),
                access_expires_at,
                refresh_expires_at: seconds_after(now, refresh_expires_in),
                renew_at: schedule.renew_at,
                due_at: schedule.due_at,
                at: now_secs,
                after_failures: due.failures,
                down: due.down,
                network: due.network.clone(),
                network_failing: due.network_failing,
                after_refused_check: after_refused_check.clone(),
            })
            .await?;
        self.lifecycle.metrics.refreshed(&due.network);
        Ok(Outcome::Renewed {
            access_expires_at,
            after_refused_check,
        })
    }

    async fn record_check(
        &self,
        network: &ConfiguredNetwork,
        due: &Due,
        discovery: Discovery,
    ) -> Result<Outcome> {
        let now = self.clock.now().timestamp();
        let next_check = plan::next_check(
            now,
            self.lifecycle.pacing.check_every,
            rand::thread_rng().gen(),
        );
        let due_at = plan::due_at(now, due.renew_at, next_check);
        // A check's own failures are forgotten; a failing renewal is not.
        let check_was_failing = due
            .failure_class
            .as_deref()
            .is_some_and(|c| c.starts_with("check:"));
        let mut tx = self.db.pool().begin().await?;
        sqlx::query(
            "UPDATE credentials SET checked_at = $1, due_at = $2, lease_owner = NULL, \
             lease_until = NULL, \
             failures = CASE WHEN $3 = 1 THEN 0 ELSE failures END, \
             failing_since = CASE WHEN $3 = 1 THEN NULL ELSE failing_since END, \
             failure_class = CASE WHEN $3 = 1 THEN NULL ELSE failure_class END \
             WHERE channel_id = $4",
        )
        .bind(now)
        .bind(due_at)
        .bind(i64::from(check_was_failing))
        .bind(due.channel_id)
        .execute(&mut *tx)
        .await?;
        if let Some(account) = discovery
            .accounts
            .iter()
            .find(|a| a.kind == due.kind && a.id == due.account_id)
        {
            sqlx::query(
                "UPDATE channels SET handle = $1, avatar_url = $2, followers = $3 WHERE id = $4",
            )
            .bind(&account.handle)
            .bind(&account.avatar_url)
            .bind(account.followers)
            .bind(due.channel_id)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(granted) = discovery.granted_scopes {
            let added: Vec<&String> = granted
                .iter()
                .filter(|s| !due.granted.contains(s))
                .collect();
            let removed: Vec<&String> = due
                .granted
                .iter()
                .filter(|s| !granted.contains(s))
                .collect();
            if !added.is_empty() || !removed.is_empty() {
                sqlx::query("UPDATE credentials SET granted_scopes = $1 WHERE channel_id = $2")
                    .bind(granted.join(" "))
                    .bind(due.channel_id)
                    .execute(&mut *tx)
                    .await?;
                let words = |scopes: &[&String]| -> Vec<String> {
                    scopes
                        .iter()
                        .map(|s| network.profile.scope_in_words(s))
                        .collect()
                };
                self.record_event(
                    &mut tx,
                    due.workspace_id,
                    Some(due.channel_id),
                    None,
                    "permissions_changed",
                    json!({ "granted": words(&added), "withdrawn": words(&removed) }),
                )
                .await?;
            }
        }
        self.note_network_success(&mut tx, &due.network, now, discovery.app_accepted)
            .await?;
        tx.commit().await?;
        self.lifecycle.metrics.checked(&due.network);
        Ok(Outcome::Checked)
    }

    async fn record_failure(
        &self,
        network: &ConfiguredNetwork,
        due: &Due,
        action: Action,
        failure: NetworkFailure,
        after_refused_check: Option<String>,
    ) -> Result<Outcome> {
        let now = self.clock.now().timestamp();
        let class = failure.class();
        let refusal = failure.refusal();
        let class_name = match class {
            FailureClass::Dead { .. } => "dead",
            FailureClass::MissingPermission => "missing_permission",
            FailureClass::RateLimited { .. } => "rate_limited",
            FailureClass::Transient => "transient",
            FailureClass::Unclear => "unclear",
            FailureClass::Misconfigured => "configuration",
        };
        // The cause is for the log only; it never holds a token.
        tracing::info!(
            channel_id = due.channel_id,
            network = %network.profile.id,
            action = action.as_str(),
            class = class_name,
            cause = ?failure,
            "network call failed"
        );
        self.lifecycle
            .metrics
            .failed(&due.network, action.as_str(), class_name);
        let event = match action {
            Action::Refresh => "refresh_failed",
            Action::Check => "check_failed",
        };
        let mut tx = self.db.pool().begin().await?;
        let outcome = match class {
            FailureClass::Dead { reason } => {
                // An expired token was down from its expiry, not from when it was noticed.
                let since = match (reason, due.access_expires_at) {
                    (DeadReason::Expired, Some(at)) => at.min(now),
                    _ => now,
                };
                self.mark_dead(&mut tx, due.workspace_id, due.channel_id, reason, since)
                    .await?;
                self.record_event(
                    &mut tx,
                    due.workspace_id,
                    Some(due.channel_id),
                    None,
                    event,
                    json!({
                        "class": "dead",
                        "reason": reason.as_str(),
                        "after_refused_check": after_refused_check,
                    }),
                )
                .await?;
                Outcome::Dead {
                    reason,
                    after_refused_check,
                }
            }
            FailureClass::MissingPermission if action == Action::Check => {
                // The token works; a permission was withdrawn. The next check reads them.
                let next = plan::next_check(
                    now,
                    self.lifecycle.pacing.check_every,
                    rand::thread_rng().gen(),
                );
                let due_at = plan::due_at(now, due.renew_at, next);
                sqlx::query(
                    "UPDATE credentials SET due_at = $1, lease_owner = NULL, lease_until = NULL \
                     WHERE channel_id = $2",
                )
                .bind(due_at)
                .bind(due.channel_id)
                .execute(&mut *tx)
                .await?;
                self.record_event(
                    &mut tx,
                    due.workspace_id,
                    Some(due.channel_id),
                    None,
                    event,
                    json!({ "class": "missing_permission" }),
                )
                .await?;
                Outcome::Failing {
                    class: "missing_permission",
                    retry_at: due_at,
                    refusal,
                }
            }
            FailureClass::RateLimited {
                retry_after,
                reset_at,
            } => {
                let backoff = plan::retry_at(
                    now,
                    due.failures + 1,
                    &self.lifecycle.pacing,
                    rand::thread_rng().gen(),
                );
                let retry_at = backoff
                    .max(reset_at.unwrap_or(now))
                    .max(now + retry_after.unwrap_or(0));
                let trouble = Trouble {
                    class: "rate_limited",
                    retry_at,
                    give_up: false,
                    refusal: None,
                };
                self.record_trouble(&mut tx, due, action, &trouble, event)
                    .await?;
                Outcome::Failing {
                    class: "rate_limited",
                    retry_at,
                    refusal,
                }
            }
            FailureClass::Misconfigured => {
                // Tether's app credentials were refused: no channel is at fault. Each keeps
                // its state and is retried with backoff; the network carries the fault.
                let retry_at = plan::retry_at(
                    now,
                    due.failures + 1,
                    &self.lifecycle.pacing,
                    rand::thread_rng().gen(),
                );
                let detail = refusal.clone().unwrap_or_default();
                note_configuration_fault(&mut tx, &due.network, &detail, now).await?;
                let trouble = Trouble {
                    class: "configuration",
                    retry_at,
                    give_up: false,
                    refusal: None,
                };
                self.record_trouble(&mut tx, due, action, &trouble, event)
                    .await?;
                Outcome::Failing {
                    class: "configuration",
                    retry_at,
                    refusal,
                }
            }
            FailureClass::Transient | FailureClass::MissingPermission => {
                let retry_at = plan::retry_at(
                    now,
                    due.failures + 1,
                    &self.lifecycle.pacing,
                    rand::thread_rng().gen(),
                );
                let outage = self
                    .note_network_failure(&mut tx, &due.network, now)
                    .await?;
                // Give up and ask a person only when renewing keeps failing for this
                // channel alone; an outage is waited out.
                let give_up = action == Action::Refresh
                    && !outage
                    && due.failures + 1 >= self.lifecycle.pacing.give_up_after;
                let trouble = Trouble {
                    class: "transient",
                    retry_at,
                    give_up,
                    refusal: None,
                };
                self.record_trouble(&mut tx, due, action, &trouble, event)
                    .await?;
                Outcome::Failing {
                    class: "transient",
                    retry_at,
                    refusal,
                }
            }
            FailureClass::Unclear => {
                // This channel's own trouble, not the network's: no outage is noted. A
                // renewal refused this way keeps being retried until Tether gives up.
                let retry_at = plan::retry_at(
                    now,
                    due.failures + 1,
                    &self.lifecycle.pacing,
                    rand::thread_rng().gen(),
                );
                let give_up = action == Action::Refresh
                    && due.failures + 1 >= self.lifecycle.pacing.give_up_after;
                let trouble = Trouble {
                    class: "unclear",
                    retry_at,
                    give_up,
                    refusal: refusal.clone(),
                };
                self.record_trouble(&mut tx, due, action, &trouble, event)
                    .await?;
                Outcome::Failing {
                    class: "unclear",
                    retry_at,
                    refusal,
                }
            }
        };
        if matches!(class, FailureClass::RateLimited { .. }) {
            self.note_network_failure(&mut tx, &due.network, now)
                .await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// Counts a failure that is not yet the token's death, and schedules the retry. The
    /// event is written once per run of failures (and when Tether gives up), not per try.
    async fn record_trouble(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        due: &Due,
        action: Action,
        trouble: &Trouble,
        event: &str,
    ) -> Result<()> {
        let Trouble {
            class,
            retry_at,
            give_up,
            refusal,
        } = trouble;
        let (retry_at, give_up) = (*retry_at, *give_up);
        let now = self.clock.now().timestamp();
        let failure_class = format!("{}:{class}", action.as_str());
        sqlx::query(
            "UPDATE credentials SET failures = failures + 1, \
             failing_since = COALESCE(failing_since, $1), failure_class = $2, due_at = $3, \
             gave_up_at = CASE WHEN $4 = 1 THEN COALESCE(gave_up_at, $1) ELSE gave_up_at END, \
             lease_owner = NULL, lease_until = NULL \
             WHERE channel_id = $5",
        )
        .bind(now)
        .bind(&failure_class)
        .bind(retry_at)
        .bind(i64::from(give_up))
        .bind(due.channel_id)
        .execute(&mut **tx)
        .await?;
        // Past its expiry the token is unusable even though it may come back: that time
        // is missing data, kept as a disconnection.
        if action == Action::Refresh && due.access_expires_at.is_some_and(|at| at <= now) {
            self.begin_disconnection(
                tx,
                due.workspace_id,
                due.channel_id,
                "renewal_failing",
                due.access_expires_at.unwrap_or(now),
            )
            .await?;
        }
        let first_of_run = due.failure_class.as_deref() != Some(failure_class.as_str());
        if first_of_run || give_up {
            self.record_event(
                tx,
                due.workspace_id,
                Some(due.channel_id),
                None,
                event,
                json!({
                    "class": class,
                    "attempt": due.failures + 1,
                    "retry_at": retry_at,
                    "gave_up": give_up,
                    "refusal": refusal,
                }),
            )
            .await?;
        }
        Ok(())
    }

    async fn mark_dead(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        workspace_id: i64,
        channel_id: i64,
        reason: DeadReason,
        since: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE credentials SET dead_reason = $1, due_at = NULL, renew_at = NULL, \
             lease_owner = NULL, lease_until = NULL, updated_at = $2 WHERE channel_id = $3",
        )
        .bind(reason.as_str())
        .bind(self.clock.now().timestamp())
        .bind(channel_id)
        .execute(&mut **tx)
        .await?;
        self.begin_disconnection(tx, workspace_id, channel_id, reason.as_str(), since)
            .await
    }

    pub(super) async fn begin_disconnection(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        workspace_id: i64,
        channel_id: i64,
        reason: &str,
        since: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO disconnections (workspace_id, channel_id, reason, started_at) \
             SELECT $1, $2, $3, $4 WHERE NOT EXISTS \
             (SELECT 1 FROM disconnections WHERE channel_id = $2 AND ended_at IS NULL)",
        )
        .bind(workspace_id)
        .bind(channel_id)
        .bind(reason)
        .bind(since)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Closes a channel's open disconnection: it works again.
    pub(crate) async fn end_disconnection(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        channel_id: i64,
        at: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE disconnections SET ended_at = $1 WHERE channel_id = $2 AND ended_at IS NULL",
        )
        .bind(at)
        .bind(channel_id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Counts a failed call to `network`; returns whether the network is now in an outage.
    async fn note_network_failure(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        network: &str,
        now: i64,
    ) -> Result<bool> {
        let current_since = now - self.lifecycle.pacing.outage_memory.num_seconds();
        let recent: i64 = sqlx::query_scalar(
            "INSERT INTO network_trouble (network, failing_since, last_failure_at, recent_failures) \
             VALUES ($1, $2, $2, 1) \
             ON CONFLICT (network) DO UPDATE SET \
             recent_failures = CASE WHEN network_trouble.last_failure_at >= $3 \
                 THEN network_trouble.recent_failures + 1 ELSE 1 END, \
             failing_since = CASE WHEN network_trouble.last_failure_at >= $3 \
                 THEN COALESCE(network_trouble.failing_since, $2) ELSE $2 END, \
             last_failure_at = $2 \
             RETURNING recent_failures",
        )
        .bind(network)
        .bind(now)
        .bind(current_since)
        .fetch_one(&mut **tx)
        .await?;
        Ok(recent >= self.lifecycle.pacing.outage_failures)
    }

    /// A call to `network` worked: whatever trouble it had is over; a configuration fault
    /// too, when the call spoke as the app.
    async fn note_network_success(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        network: &str,
        now: i64,
        app_accepted: bool,
    ) -> Result<()> {
        sqlx::query(&network_recovered_sql("$1", "$2", app_accepted))
            .bind(now)
            .bind(network)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// The networks in an outage now: several failures in a row, the last one recent
    /// enough that the trouble is current.
    pub async fn outages(&self) -> Result<Vec<String>> {
        let pacing = &self.lifecycle.pacing;
        let now = self.clock.now().timestamp();
        let recent = now - pacing.outage_memory.num_seconds();
        Ok(sqlx::query_scalar(
            "SELECT network FROM network_trouble WHERE failing_since IS NOT NULL \
             AND recent_failures >= $1 AND last_failure_at >= $2 ORDER BY network",
        )
        .bind(pacing.outage_failures)
        .bind(recent)
        .fetch_all(self.db.pool())
        .await?)
    }

    /// The networks in an outage now, with what happened: since when, how many calls in a
    /// row failed, and how many of `workspace_id`'s channels are failing because of it.
    pub async fn outage_reports(&self, workspace_id: i64) -> Result<Vec<OutageReport>> {
        let pacing = &self.lifecycle.pacing;
        let recent = self.clock.now().timestamp() - pacing.outage_memory.num_seconds();
        let rows = sqlx::query(
            "SELECT t.network, t.failing_since, t.recent_failures, \
                    (SELECT COUNT(*) FROM credentials cr JOIN channels c ON c.id = cr.channel_id \
                      WHERE c.network = t.network AND c.workspace_id = $3 \
                        AND cr.failing_since IS NOT NULL \
                        AND (cr.failure_class LIKE '%:transient' \
                             OR cr.failure_class LIKE '%:rate_limited')) AS channels \
             FROM network_trouble t WHERE t.failing_since IS NOT NULL \
             AND t.recent_failures >= $1 AND t.last_failure_at >= $2 ORDER BY t.network",
        )
        .bind(pacing.outage_failures)
        .bind(recent)
        .bind(workspace_id)
        .fetch_all(self.db.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let network: String = row.try_get("network")?;
                Ok(OutageReport {
                    network_name: self.networks.display_name(&network),
                    network,
                    since: row.try_get("failing_since")?,
                    failures: row.try_get("recent_failures")?,
                    channels: row.try_get("channels")?,
                })
            })
            .collect()
    }

    /// The networks that refused Tether's app credentials and have not accepted them since.
    pub async fn configuration_faults(&self) -> Result<Vec<ConfigurationFault>> {
        let rows = sqlx::query(
            "SELECT network, config_fault, config_fault_since FROM network_trouble \
             WHERE config_fault IS NOT NULL ORDER BY network",
        )
        .fetch_all(self.db.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let network: String = row.try_get("network")?;
                let configured = self.networks.get(&network);
                Ok(ConfigurationFault {
                    network_name: self.networks.display_name(&network),
                    setting: configured
                        .map(|n| n.credentials_setting.clone())
                        .unwrap_or_default(),
                    network,
                    detail: row.try_get("config_fault")?,
                    since: row.try_get("config_fault_since")?,
                })
            })
            .collect()
    }

    /// A channel's disconnection intervals, newest first.
    pub async fn disconnections(&self, channel_id: i64) -> Result<Vec<Disconnection>> {
        let rows = sqlx::query(
            "SELECT reason, started_at, ended_at FROM disconnections WHERE channel_id = $1 \
             ORDER BY started_at DESC, id DESC",
        )
        .bind(channel_id)
        .fetch_all(self.db.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Disconnection {
                    reason: row.try_get("reason")?,
                    started_at: row.try_get("started_at")?,
                    ended_at: row.try_get("ended_at")?,
                })
            })
            .collect()
    }
}

/// Ends a network's trouble: a call to it worked at `at` (both arguments are placeholders).
/// Touches the row only while the network was failing, so a busy sweep does not queue
/// every success behind one row lock. Renewals say it in the writer's batches. A
/// configuration fault ends only with a call that spoke as the app (`app_accepted`): a
/// channel's own token working says nothing of the app's secret.
pub(super) fn network_recovered_sql(at: &str, network: &str, app_accepted: bool) -> String {
    if app_accepted {
        format!(
            "UPDATE network_trouble SET failing_since = NULL, recent_failures = 0, \
             config_fault = NULL, config_fault_since = NULL, last_success_at = {at} \
             WHERE network = {network} AND failing_since IS NOT NULL"
        )
    } else {
        format!(
            "UPDATE network_trouble SET recent_failures = 0, last_success_at = {at}, \
             failing_since = CASE WHEN config_fault IS NULL THEN NULL ELSE failing_since END \
             WHERE network = {network} AND failing_since IS NOT NULL"
        )
    }
}

/// A network failing for everyone, as a person should read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutageReport {
    pub network: String,
    pub network_name: String,
    pub since: i64,
    /// Calls in a row that failed, over every workspace.
    pub failures: i64,
    /// This workspace's channels whose renewal or check is failing now.
    pub channels: i64,
}

/// A network refused Tether's own credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigurationFault {
    pub network: String,
    pub network_name: String,
    /// Where an operator fixes it ("TETHER_X_CLIENT_ID and TETHER_X_CLIENT_SECRET").
    pub setting: String,
    /// What the network said.
    pub detail: String,
    pub since: i64,
}

/// Notes that `network` refused Tether's app credentials: the network is in trouble (so
/// the next success that speaks as the app ends it) without counting toward an outage.
pub(crate) async fn note_configuration_fault(
    conn: &mut sqlx::AnyConnection,
    network: &str,
    detail: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO network_trouble (network, failing_since, last_failure_at, recent_failures, \
         config_fault, config_fault_since) VALUES ($1, $2, $2, 0, $3, $2) \
         ON CONFLICT (network) DO UPDATE SET \
         failing_since = COALESCE(network_trouble.failing_since, $2), \
         last_failure_at = $2, config_fault = $3, \
         config_fault_since = COALESCE(network_trouble.config_fault_since, $2)",
    )
    .bind(network)
    .bind(now)
    .bind(printable(detail))
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether Tether can renew a credential on its own.
pub(crate) fn can_renew(renewal: &Renewal, has_refresh_token: bool) -> bool {
    match renewal {
        Renewal::ExtendInPlace { .. } | Renewal::ReExchange => true,
        Renewal::Nothing => false,
        _ => has_refresh_token,
    }
}
