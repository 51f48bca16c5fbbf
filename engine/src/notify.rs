//! Reminders and notifications: getting the right person to reconnect in time.
//!
//! A sweep finds what people must hear about — a deadline that needs a person coming near
//! (on the workspace's reminder days), a channel that went down, an invite that was used —
//! and records one notification per person and event (the in-app list). Each person then
//! gets it by mail instantly, in a daily or weekly digest, or not at all, per kind. The
//! pair (person, event) is unique, so nobody is told twice about one event, even with
//! several processes sweeping.

use crate::accounts::SignedIn;
use crate::domain::{require, Permission, Role};
use crate::error::{Error, Result};
use crate::lifecycle::work::can_renew;
use crate::mail::Mail;
use crate::webhooks::WebhookEvent;
use crate::Engine;
use sqlx::Row;

/// Days before a deadline on which reminders go out, unless the workspace says otherwise.
pub const DEFAULT_REMINDER_DAYS: [i64; 5] = [30, 14, 7, 3, 1];
/// From this many days before a deadline, reminders go to every owner and admin as well:
/// the earlier ones were not acted on.
pub const ESCALATE_DAYS: i64 = 3;
const DAY: i64 = 86_400;
/// Reminder plans written per transaction.
const PLANS_PER_TRANSACTION: usize = 200;
/// The most channels a bulk action takes: an agency's whole workspace, within one request.
pub const MOST_AT_ONCE: usize = 5_000;
/// The in-app list shows this many of the newest notifications.
const LIST_LENGTH: i64 = 100;
/// One sweep starts no mail after this long; the rest waits for the next sweep.
const MAIL_BUDGET: std::time::Duration = std::time::Duration::from_secs(60);

/// What a notification is about; people choose how each kind reaches them by mail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    Expiring,
    Disconnected,
    Invites,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 3] = [
        NoticeKind::Expiring,
        NoticeKind::Disconnected,
        NoticeKind::Invites,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Expiring => "expiring",
            NoticeKind::Disconnected => "disconnected",
            NoticeKind::Invites => "invites",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    pub fn words(self) -> &'static str {
        match self {
            NoticeKind::Expiring => "A channel's access is about to end",
            NoticeKind::Disconnected => "A channel went down and needs a person",
            NoticeKind::Invites => "Someone used an invite",
        }
    }
}

/// How a kind of notification reaches a person by mail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailCadence {
    Instant,
    Daily,
    Weekly,
    Off,
}

impl MailCadence {
    pub const ALL: [MailCadence; 4] = [
        MailCadence::Instant,
        MailCadence::Daily,
        MailCadence::Weekly,
        MailCadence::Off,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MailCadence::Instant => "instant",
            MailCadence::Daily => "daily",
            MailCadence::Weekly => "weekly",
            MailCadence::Off => "off",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == raw)
    }

    /// How long a digest of this cadence gathers notifications.
    fn period(self) -> Option<i64> {
        match self {
            MailCadence::Daily => Some(DAY),
            MailCadence::Weekly => Some(7 * DAY),
            MailCadence::Instant | MailCadence::Off => None,
        }
    }
}

/// One entry of a person's in-app list.
#[derive(Clone, Debug)]
pub struct Notification {
    pub id: i64,
    pub channel_id: Option<i64>,
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    pub created_at: i64,
    pub read: bool,
}

/// What one sweep did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NotifyReport {
    /// Notifications recorded (one per person and event).
    pub recorded: u64,
    /// Mails sent for single notifications.
    pub mailed: u64,
    /// Digests sent.
    pub digests: u64,
    /// Webhook deliveries that arrived.
    pub webhooks: u64,
    /// Deadlines and open disconnections the sweep read, to tell or to plan.
    pub read: u64,
}

/// Parses "30, 14, 7" into days before a deadline, largest first.
pub fn parse_reminder_days(raw: &str) -> Result<Vec<i64>> {
    let invalid = || {
        Error::Invalid(
            "List the reminder days as whole numbers from 1 to 365, separated by commas.".into(),
        )
    };
    let mut days = raw
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| d.parse::<i64>().ok().filter(|d| (1..=365).contains(d)))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(invalid)?;
    if days.is_empty() || days.len() > 10 {
        return Err(invalid());
    }
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    Ok(days)
}

/// The reminder day whose time has come: the nearest to the deadline among those passed.
/// Days as long as the whole window are skipped (a 7-day token gets no 30-day reminder).
pub fn due_reminder(days: &[i64], window_start: i64, deadline: i64, now: i64) -> Option<i64> {
    if now >= deadline {
        return None;
    }
    days.iter()
        .copied()
        .filter(|d| deadline - d * DAY > window_start)
        .filter(|d| now >= deadline - d * DAY)
        .min()
}

/// "in 3 days", "in 5 h", "in 20 min".
pub(crate) fn time_left(seconds: i64) -> String {
    if seconds >= DAY {
        let days = seconds / DAY;
        format!("in {days} day{}", if days == 1 { "" } else { "s" })
    } else if seconds >= 3600 {
        format!("in {} h", seconds / 3600)
    } else {
        format!("in {} min", (seconds / 60).max(1))
    }
}

/// The notifications one person gets in one digest mail.
struct Digest {
    user_id: i64,
    workspace_id: i64,
    cadence: MailCadence,
    oldest: i64,
    email: String,
    workspace: String,
    entries: Vec<(i64, MailEntry)>,
}

/// One notification as a mail tells it: with a link to its channel, where the fix is.
struct MailEntry {
    title: String,
    body: String,
    channel_id: Option<i64>,
}

/// How notices name a channel: “Bakery” (@lindbakery on YouTube). The handle tells apart
/// channels of the same name, which an agency has many of.
pub(crate) fn channel_label(name: &str, handle: &str, network_name: &str) -> String {
    if handle.is_empty() || handle == name {
        format!("“{name}” ({network_name})")
    } else {
        format!("“{name}” ({handle} on {network_name})")
    }
}

/// A deadline that needs a person.
pub(crate) struct Deadline {
    pub(crate) channel_id: i64,
    pub(crate) workspace_id: i64,
    pub(crate) channel_name: String,
    pub(crate) handle: String,
    pub(crate) network_name: String,
    pub(crate) connected_by: Option<i64>,
    /// When the window that ends at the deadline began (the connection).
    pub(crate) window_start: i64,
    pub(crate) at: i64,
    /// True for the network's re-consent wall; false for a token nothing can renew.
    pub(crate) reconsent: bool,
    pub(crate) reminder_days: Vec<i64>,
}

impl Deadline {
    /// "“Bakery” (@lindbakery on YouTube) must be reconnected (the network asks for fresh
    /// consent)".
    pub(crate) fn headline(&self) -> String {
        let what = if self.reconsent {
            "must be reconnected (the network asks for fresh consent)"
        } else {
            "loses access (the network offers no renewal)"
        };
        format!(
            "{} {what}",
            channel_label(&self.channel_name, &self.handle, &self.network_name)
        )
    }

    /// The reminder days that apply: those shorter than the whole window.
    pub(crate) fn reminders(&self) -> impl Iterator<Item = i64> + '_ {
        self.reminder_days
            .iter()
            .copied()
            .filter(|d| self.at - d * DAY > self.window_start)
    }

    /// When the sweep reads this deadline next: the first moment after `now` at which a
    /// reminder becomes due, or else the deadline itself (until then `tell_again` can
    /// still bring the last reminder to someone new); None once it has passed.
    fn next_read(&self, now: i64) -> Option<i64> {
        self.reminders()
            .map(|d| self.at - d * DAY)
            .filter(|&at| at > now)
            .min()
            .or((self.at > now).then_some(self.at))
    }
}

/// Someone new can act on a workspace's channels, or on one of them: at the next sweep
/// their reminders are planned again and their open disconnections read again, so the
/// newcomer hears what is still open. Nobody is told the same thing twice.
pub(crate) async fn tell_again(
    conn: &mut sqlx::AnyConnection,
    workspace_id: i64,
    channel_id: Option<i64>,
) -> Result<()> {
    let channels = "(SELECT id FROM channels WHERE workspace_id = $1 AND ($2 IS NULL OR id = $2))";
    // A credential with no deadline (NULL) stays out: there is nothing to tell about it.
    sqlx::query(&format!(
        "UPDATE credentials SET next_reminder_at = 0 \
         WHERE next_reminder_at IS NOT NULL AND channel_id IN {channels}"
    ))
    .bind(workspace_id)
    .bind(channel_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(&format!(
        "UPDATE disconnections SET told_at = NULL \
         WHERE ended_at IS NULL AND told_at IS NOT NULL AND channel_id IN {channels}"
    ))
    .bind(workspace_id)
    .bind(channel_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The deadline a person must meet for a live credential, if any, and whether it is the
/// network's consent wall (true) or the end of access that nothing can renew (false):
/// whichever comes first.
fn deadline_at(
    renewable: bool,
    expiry: Option<i64>,
    reconsent: Option<i64>,
) -> Option<(i64, bool)> {
    match (renewable, expiry, reconsent) {
        (true, _, Some(r)) => Some((r, true)),
        (true, _, None) => None,
        (false, Some(e), Some(r)) if r <= e => Some((r, true)),
        (false, Some(e), _) => Some((e, false)),
        (false, None, Some(r)) => Some((r, true)),
        (false, None, None) => None,
    }
}

/// Whether a person has a deadline to meet for a live credential (see `deadline_at`).
pub(crate) fn has_deadline(renewable: bool, expiry: Option<i64>, reconsent: Option<i64>) -> bool {
    deadline_at(renewable, expiry, reconsent).is_some()
}

/// What `deadline_of` reads, from `DEADLINE_TABLES`.
const DEADLINE_COLUMNS: &str = "c.id, c.workspace_id, c.name, c.handle, c.network, \
     w.reminder_days, cr.connected_by, cr.connected_at, cr.access_expires_at, \
     cr.reconsent_deadline, \
     CAST(CASE WHEN cr.refresh_token IS NULL THEN 0 ELSE 1 END AS BIGINT) AS refreshable";
const DEADLINE_TABLES: &str = "FROM channels c JOIN credentials cr ON cr.channel_id = c.id \
     JOIN workspaces w ON w.id = c.workspace_id";

/// When the sweep next reads a channel, as planned from the row it read.
struct ReminderPlan {
    channel_id: i64,
    connected_at: Option<i64>,
    /// The planned time it was read at, so a row changed since keeps its own plan.
    was: i64,
    /// None when there is no deadline (any more) to tell about.
    next: Option<i64>,
}

/// One event to tell people about.
struct Notice<'a> {
    workspace_id: i64,
    channel_id: Option<i64>,
    kind: NoticeKind,
    event_key: String,
    title: String,
    body: String,
    recipients: &'a [i64],
}

/// What the member who sent an invite is told once it was used.
pub(crate) struct InviteNotice {
    /// Unique per event, so each is told once.
    pub(crate) key: String,
    pub(crate) title: String,
    pub(crate) body: String,
}

impl Engine {
    /// Records what people must hear about and mails it as each of them asked. Called by
    /// the scheduler loop; tests call it after moving the clock.
    pub async fn notify_sweep(&self) -> Result<NotifyReport> {
        let now = self.clock.now().timestamp();
        // A deadline that passed is a disconnection to tell, so lapses are found first.
        self.lapse_passed_deadlines(now).await?;
        let (reminded, deadlines_read) = self.remind_expiring(now).await?;
        let (told, disconnections_read) = self.tell_disconnected(now).await?;
        let recorded = reminded + told;
        let mailed = self.mail_instantly(now).await?;
        let digests = self.mail_digests(now).await?;
        let webhooks = self.deliver_webhooks(now).await?;
        // The minute's housekeeping rides along: nothing here is worth a task of its own.
        self.forget_old_handouts(now).await?;
        Ok(NotifyReport {
            recorded,
            mailed,
            digests,
            webhooks,
            read: deadlines_read + disconnections_read,
        })
    }

    /// Live channels' deadlines that need a person: the re-consent wall, or the token's
    /// own expiry when nothing can renew it; of one workspace or of all. Tokens kept alive
    /// by a refresh token and without a wall are left out in the query.
    pub(crate) async fn deadlines(&self, workspace_id: Option<i64>) -> Result<Vec<Deadline>> {
        let rows = sqlx::query(&format!(
            "SELECT {DEADLINE_COLUMNS} {DEADLINE_TABLES} \
             WHERE c.unlinked_at IS NULL AND cr.dead_reason IS NULL \
               AND (cr.reconsent_deadline IS NOT NULL \
                    OR (cr.access_expires_at IS NOT NULL AND cr.refresh_token IS NULL)) \
               AND ($1 IS NULL OR c.workspace_id = $1) ORDER BY c.id"
        ))
        .bind(workspace_id)
        .fetch_all(self.db.pool())
        .await?;
        let mut deadlines = Vec::new();
        for row in &rows {
            deadlines.extend(self.deadline_of(row)?);
        }
        Ok(deadlines)
    }

    /// The deadline that needs a person in a row of `DEADLINE_COLUMNS`, if it has one (see
    /// `has_deadline`).
    fn deadline_of(&self, row: &sqlx::any::AnyRow) -> Result<Option<Deadline>> {
        let network: String = row.try_get("network")?;
        let Some(profile) = self.networks.get(&network).map(|n| &n.profile) else {
            return Ok(None);
        };
        let renewable = can_renew(&profile.renewal, row.try_get::<i64, _>("refreshable")? == 1);
        let reconsent: Option<i64> = row.try_get("reconsent_deadline")?;
        let expiry: Option<i64> = row.try_get("access_expires_at")?;
        let Some((at, reconsent_due)) = deadline_at(renewable, expiry, reconsent) else {
            return Ok(None);
        };
        Ok(Some(Deadline {
            channel_id: row.try_get("id")?,
            workspace_id: row.try_get("workspace_id")?,
            channel_name: row.try_get("name")?,
            handle: row.try_get("handle")?,
            network_name: profile.display_name.clone(),
            connected_by: row.try_get("connected_by")?,
            window_start: row
                .try_get::<Option<i64>, _>("connected_at")?
                .unwrap_or_default(),
            at,
            reconsent: reconsent_due,
            reminder_days: parse_reminder_days(&row.try_get::<String, _>("reminder_days")?)
                .unwrap_or_else(|_| DEFAULT_REMINDER_DAYS.to_vec()),
        }))
    }

    /// Reminders for deadlines that come near, on the workspace's reminder days. Reads
    /// only the channels whose planned reminder time has come (0 when it must be planned
    /// again), and plans each one's next: the minute's sweep costs what is due, not what
    /// is connected. Returns the notifications recorded and the channels read.
    async fn remind_expiring(&self, now: i64) -> Result<(u64, u64)> {
        let rows = sqlx::query(&format!(
            "SELECT {DEADLINE_COLUMNS}, cr.next_reminder_at, \
                    CAST(CASE WHEN c.unlinked_at IS NULL AND cr.dead_reason IS NULL \
                         THEN 1 ELSE 0 END AS BIGINT) AS live \
             {DEADLINE_TABLES} WHERE cr.next_reminder_at <= $1"
        ))
        .bind(now)
        .fetch_all(self.db.pool())
        .await?;
        let mut recorded = 0;
        let mut plans = Vec::with_capacity(rows.len());
        for row in &rows {
            let deadline = match row.try_get::<i64, _>("live")? {
                1 => self.deadline_of(row)?,
                _ => None,
            };
            plans.push(ReminderPlan {
                channel_id: row.try_get("id")?,
                connected_at: row.try_get("connected_at")?,
                was: row.try_get("next_reminder_at")?,
                next: deadline.as_ref().and_then(|d| d.next_read(now)),
            });
            let Some(deadline) = deadline else { continue };
            let Some(day) = due_reminder(
                &deadline.reminder_days,
                deadline.window_start,
                deadline.at,
                now,
            ) else {
                continue;
            };
            recorded += self.remind(&deadline, day, now).await?;
        }
        // A plan is kept only if nothing changed the row since it was read: a consent
        // stored meanwhile is planned at the next sweep. Short transactions, so renewals
        // never wait long for a row a plan is written to.
        for chunk in plans.chunks(PLANS_PER_TRANSACTION) {
            let mut tx = self.db.pool().begin().await?;
            for plan in chunk {
                sqlx::query(
                    "UPDATE credentials SET next_reminder_at = $1 WHERE channel_id = $2 \
                     AND next_reminder_at = $3 AND COALESCE(connected_at, 0) = $4",
                )
                .bind(plan.next)
                .bind(plan.channel_id)
                .bind(plan.was)
                .bind(plan.connected_at.unwrap_or_default())
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        }
        Ok((recorded, rows.len() as u64))
    }

    /// Tells the people who can act that `deadline` is `day` days away.
    async fn remind(&self, deadline: &Deadline, day: i64, now: i64) -> Result<u64> {
        let recipients = self
            .recipients(
                deadline.workspace_id,
                deadline.channel_id,
                deadline.connected_by,
                day <= ESCALATE_DAYS,
            )
            .await?;
        self.notify(
            Notice {
                workspace_id: deadline.workspace_id,
                channel_id: Some(deadline.channel_id),
                kind: NoticeKind::Expiring,
                event_key: format!("expiring:{}:{}:{day}", deadline.channel_id, deadline.at),
                title: format!("{} {}", deadline.headline(), time_left(deadline.at - now)),
                body: format!(
                    "Reconnect it before {} so nothing stops: open the channel in Tether and choose Reconnect, or send an invite to the person who holds the account.",
                    crate::clock::utc_words(deadline.at)
                ),
                recipients: &recipients,
            },
            now,
        )
        .await
    }

    /// One notification per disconnection that needs a person, read once: when it is
    /// told, and again when someone new can act on it (`tell_again`). A token that
    /// expired while its renewal keeps failing is missing data, but Tether is still on
    /// it: not told. Returns the notifications recorded and the disconnections read.
    async fn tell_disconnected(&self, now: i64) -> Result<(u64, u64)> {
        let rows = sqlx::query(
            "SELECT d.id AS disconnection, d.reason, c.id, c.workspace_id, c.name, c.handle, \
                    c.network, cr.connected_by, \
                    CAST(CASE WHEN c.unlinked_at IS NULL THEN 1 ELSE 0 END AS BIGINT) AS linked \
             FROM disconnections d JOIN channels c ON c.id = d.channel_id \
             LEFT JOIN credentials cr ON cr.channel_id = c.id \
             WHERE d.ended_at IS NULL AND d.told_at IS NULL \
               AND d.reason <> 'renewal_failing'",
        )
        .fetch_all(self.db.pool())
        .await?;
        let mut recorded = 0;
        for row in &rows {
            let disconnection: i64 = row.try_get("disconnection")?;
            if row.try_get::<i64, _>("linked")? == 1 {
                recorded += self.tell_disconnection(row, disconnection, now).await?;
            }
            // Marked once told: a failure above leaves it to be read again, and each
            // person's notification is kept once either way.
            sqlx::query("UPDATE disconnections SET told_at = $1 WHERE id = $2")
                .bind(now)
                .bind(disconnection)
                .execute(self.db.pool())
                .await?;
        }
        Ok((recorded, rows.len() as u64))
    }

    /// Tells the people who can act on the channel of `row` that it is disconnected.
    async fn tell_disconnection(
        &self,
        row: &sqlx::any::AnyRow,
        disconnection: i64,
        now: i64,
    ) -> Result<u64> {
        let channel_id: i64 = row.try_get("id")?;
        let workspace_id: i64 = row.try_get("workspace_id")?;
        let network: String = row.try_get("network")?;
        let network_name = self.networks.display_name(&network);
        let recipients = self
            .recipients(workspace_id, channel_id, row.try_get("connected_by")?, true)
            .await?;
        self.notify(
            Notice {
                workspace_id,
                channel_id: Some(channel_id),
                kind: NoticeKind::Disconnected,
                event_key: format!("disconnected:{disconnection}"),
                title: format!(
                    "{} is disconnected",
                    channel_label(
                        &row.try_get::<String, _>("name")?,
                        &row.try_get::<String, _>("handle")?,
                        &network_name
                    )
                ),
                body: crate::networks::DeadReason::words_for(&row.try_get::<String, _>("reason")?),
                recipients: &recipients,
            },
            now,
        )
        .await
    }

    /// Tells the member who sent an invite that it was used.
    pub(crate) async fn tell_invite_completed(
        &self,
        workspace_id: i64,
        inviter: Option<i64>,
        channel_id: i64,
        notice: InviteNotice,
    ) -> Result<()> {
        let recipients: Vec<i64> = match inviter {
            Some(user_id) if self.is_member(workspace_id, user_id).await? => vec![user_id],
            _ => self.managers(workspace_id).await?,
        };
        let notice = Notice {
            workspace_id,
            channel_id: Some(channel_id),
            kind: NoticeKind::Invites,
            event_key: notice.key,
            title: notice.title,
            body: notice.body,
            recipients: &recipients,
        };
        self.notify(notice, self.clock.now().timestamp()).await?;
        Ok(())
    }

    async fn notify(&self, notice: Notice<'_>, now: i64) -> Result<u64> {
        // Someone who joins later is told of what is still open; a webhook is not, or one
        // added since would receive old events as if they had just happened.
        let told_before: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications WHERE event_key = $1 AND workspace_id = $2",
        )
        .bind(&notice.event_key)
        .bind(notice.workspace_id)
        .fetch_one(self.db.pool())
        .await?;
        let recorded = self.record_notice(&notice, now).await?;
        // Webhooks hear of an event once, when people are first told of it.
        if recorded > 0 && told_before == 0 {
            let names = sqlx::query(
                "SELECT w.name AS workspace, c.name AS channel FROM workspaces w \
                 LEFT JOIN channels c ON c.id = $2 WHERE w.id = $1",
            )
            .bind(notice.workspace_id)
            .bind(notice.channel_id)
            .fetch_one(self.db.pool())
            .await?;
            let channel: Option<String> = names.try_get("channel")?;
            let event = WebhookEvent {
                key: notice.event_key.clone(),
                kind: notice.kind.as_str(),
                workspace: names.try_get("workspace")?,
                channel: notice.channel_id.zip(channel),
                title: notice.title.clone(),
                body: notice.body.clone(),
                at: now,
            };
            self.queue_webhooks(notice.workspace_id, &event).await?;
        }
        Ok(recorded)
    }

    /// One notification per recipient. One a person wants in the app only is settled for
    /// mail at once (`mailed_at` set): no mail query reads it again, and choosing mail
    /// later sends only what comes after.
    async fn record_notice(&self, notice: &Notice<'_>, now: i64) -> Result<u64> {
        let mut recorded = 0;
        for user_id in notice.recipients {
            recorded += sqlx::query(
                "INSERT INTO notifications (workspace_id, user_id, channel_id, kind, event_key, \
                 title, body, created_at, mailed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
                 (SELECT $8 FROM notification_preferences p WHERE p.user_id = $2 \
                  AND p.workspace_id = $1 AND p.kind = $4 AND p.delivery = 'off')) \
                 ON CONFLICT (user_id, event_key) DO NOTHING",
            )
            .bind(notice.workspace_id)
            .bind(user_id)
            .bind(notice.channel_id)
            .bind(notice.kind.as_str())
            .bind(&notice.event_key)
            .bind(&notice.title)
            .bind(&notice.body)
            .bind(now)
            .execute(self.db.pool())
            .await?
            .rows_affected();
        }
        Ok(recorded)
    }

    /// Who hears about a channel: its connector while still a member who may reconnect,
    /// its back-up admins and watchers; every owner and admin as well when `escalate` or
    /// when nobody else is left.
    async fn recipients(
        &self,
        workspace_id: i64,
        channel_id: i64,
        connector: Option<i64>,
        escalate: bool,
    ) -> Result<Vec<i64>> {
        let mut people: Vec<i64> = sqlx::query(
            "SELECT f.user_id FROM channel_followers f JOIN memberships m \
             ON m.user_id = f.user_id AND m.workspace_id = $1 WHERE f.channel_id = $2",
        )
        .bind(workspace_id)
        .bind(channel_id)
        .fetch_all(self.db.pool())
        .await?
        .iter()
        .map(|row| row.try_get("user_id"))
        .collect::<Result<_, _>>()?;
        if let Some(connector) = connector {
            if self
                .connector_may_reconnect(workspace_id, connector)
                .await?
            {
                people.push(connector);
            }
        }
        if escalate || people.is_empty() {
            people.extend(self.managers(workspace_id).await?);
        }
        people.sort_unstable();
        people.dedup();
        Ok(people)
    }

    pub(crate) async fn member_role(
        &self,
        workspace_id: i64,
        user_id: i64,
    ) -> Result<Option<Role>> {
        sqlx::query("SELECT role FROM memberships WHERE workspace_id = $1 AND user_id = $2")
            .bind(workspace_id)
            .bind(user_id)
            .fetch_optional(self.db.pool())
            .await?
            .map(|row| Role::parse(&row.try_get::<String, _>("role")?))
            .transpose()
    }

    async fn is_member(&self, workspace_id: i64, user_id: i64) -> Result<bool> {
        Ok(self.member_role(workspace_id, user_id).await?.is_some())
    }

    /// False when the member who connected a channel left the workspace or lost the role
    /// that lets them reconnect it.
    pub(crate) async fn connector_may_reconnect(
        &self,
        workspace_id: i64,
        user_id: i64,
    ) -> Result<bool> {
        Ok(self
            .member_role(workspace_id, user_id)
            .await?
            .is_some_and(|role| role.may(Permission::Reauthorize)))
    }

    /// The workspace's owners and admins.
    async fn managers(&self, workspace_id: i64) -> Result<Vec<i64>> {
        sqlx::query(
            "SELECT user_id FROM memberships WHERE workspace_id = $1 \
             AND role IN ('owner', 'admin') ORDER BY user_id",
        )
        .bind(workspace_id)
        .fetch_all(self.db.pool())
        .await?
        .iter()
        .map(|row| row.try_get("user_id").map_err(Error::from))
        .collect()
    }

    /// Mails each unmailed notification whose person wants that kind instantly. A row is
    /// claimed before its mail goes, so two processes never send the same one.
    async fn mail_instantly(&self, now: i64) -> Result<u64> {
        let rows = sqlx::query(
            "SELECT n.id, n.workspace_id, n.title, n.body, n.channel_id, u.email, \
                    w.name AS workspace \
             FROM notifications n \
             JOIN users u ON u.id = n.user_id JOIN workspaces w ON w.id = n.workspace_id \
             LEFT JOIN notification_preferences p ON p.user_id = n.user_id \
               AND p.workspace_id = n.workspace_id AND p.kind = n.kind \
             WHERE n.mailed_at IS NULL AND COALESCE(p.delivery, 'instant') = 'instant' \
             ORDER BY n.id",
        )
        .fetch_all(self.db.pool())
        .await?;
        let mut mailed = 0;
        let started = std::time::Instant::now();
        for row in &rows {
            // What is left goes in the next sweep; a slow mail server delays only mail.
            if started.elapsed() >= MAIL_BUDGET {
                break;
            }
            let id: i64 = row.try_get("id")?;
            if !self.claim_for_mail(&[id], now).await? {
                continue;
            }
            let entry = MailEntry {
                title: row.try_get("title")?,
                body: row.try_get("body")?,
                channel_id: row.try_get("channel_id")?,
            };
            let workspace: String = row.try_get("workspace")?;
            let mail = self.notice_mail(
                &row.try_get::<String, _>("email")?,
                entry.title.clone(),
                (row.try_get("workspace_id")?, &workspace),
                &[entry],
            )?;
            if self.send_or_release(mail, &[id]).await? {
                mailed += 1;
            }
        }
        Ok(mailed)
    }

    /// Digests: the notifications a person wants daily or weekly gather for that period
    /// from the oldest one, then go in one mail per person, workspace and cadence.
    async fn mail_digests(&self, now: i64) -> Result<u64> {
        let rows = sqlx::query(
            "SELECT n.id, n.user_id, n.workspace_id, n.title, n.body, n.channel_id, \
                    n.created_at, p.delivery, \
                    u.email, w.name AS workspace \
             FROM notifications n JOIN notification_preferences p ON p.user_id = n.user_id \
               AND p.workspace_id = n.workspace_id AND p.kind = n.kind \
             JOIN users u ON u.id = n.user_id JOIN workspaces w ON w.id = n.workspace_id \
             WHERE n.mailed_at IS NULL AND p.delivery IN ('daily', 'weekly') \
             ORDER BY n.user_id, n.workspace_id, p.delivery, n.created_at, n.id",
        )
        .fetch_all(self.db.pool())
        .await?;
        let mut digests: Vec<Digest> = Vec::new();
        for row in &rows {
            let user_id: i64 = row.try_get("user_id")?;
            let workspace_id: i64 = row.try_get("workspace_id")?;
            let cadence = MailCadence::parse(&row.try_get::<String, _>("delivery")?)
                .ok_or_else(|| Error::Internal("stored mail cadence".into()))?;
            let entry = (
                row.try_get::<i64, _>("id")?,
                MailEntry {
                    title: row.try_get("title")?,
                    body: row.try_get("body")?,
                    channel_id: row.try_get("channel_id")?,
                },
            );
            match digests.last_mut() {
                Some(d)
                    if (d.user_id, d.workspace_id, d.cadence)
                        == (user_id, workspace_id, cadence) =>
                {
                    d.entries.push(entry)
                }
                _ => digests.push(Digest {
                    user_id,
                    workspace_id,
                    cadence,
                    oldest: row.try_get("created_at")?,
                    email: row.try_get("email")?,
                    workspace: row.try_get("workspace")?,
                    entries: vec![entry],
                }),
            }
        }
        let mut sent = 0;
        let started = std::time::Instant::now();
        for digest in digests {
            if started.elapsed() >= MAIL_BUDGET {
                break;
            }
            let period = digest.cadence.period().unwrap_or(DAY);
            let ids: Vec<i64> = digest.entries.iter().map(|(id, ..)| *id).collect();
            if now < digest.oldest + period || !self.claim_for_mail(&ids, now).await? {
                continue;
            }
            let count = digest.entries.len();
            let subject = format!(
                "Tether {} digest for {}: {count} update{}",
                digest.cadence.as_str(),
                digest.workspace,
                if count == 1 { "" } else { "s" }
            );
            let entries: Vec<MailEntry> = digest.entries.into_iter().map(|(_, e)| e).collect();
            let mail = self.notice_mail(
                &digest.email,
                subject,
                (digest.workspace_id, &digest.workspace),
                &entries,
            )?;
            if self.send_or_release(mail, &ids).await? {
                tracing::info!(
                    user_id = digest.user_id,
                    workspace_id = digest.workspace_id,
                    count,
                    "digest mailed"
                );
                sent += 1;
            }
        }
        Ok(sent)
    }

    /// Marks notifications as mailed; false if another process took any of them first.
    async fn claim_for_mail(&self, ids: &[i64], now: i64) -> Result<bool> {
        let mut tx = self.db.pool().begin().await?;
        for id in ids {
            let claimed = sqlx::query(
                "UPDATE notifications SET mailed_at = $1 WHERE id = $2 AND mailed_at IS NULL",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if claimed == 0 {
                tx.rollback().await?;
                return Ok(false);
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Sends a claimed mail; on failure the notifications are released for the next sweep.
    async fn send_or_release(&self, mail: Mail, ids: &[i64]) -> Result<bool> {
        match self.send_mail(mail).await {
            Ok(()) => Ok(true),
            Err(error) => {
                tracing::error!(detail = %error.log_detail(), "notification mail not sent; retried next sweep");
                for id in ids {
                    sqlx::query("UPDATE notifications SET mailed_at = NULL WHERE id = $1")
                        .bind(id)
                        .execute(self.db.pool())
                        .await?;
                }
                Ok(false)
            }
        }
    }

    fn notice_mail(
        &self,
        to: &str,
        subject: String,
        (workspace_id, workspace): (i64, &str),
        entries: &[MailEntry],
    ) -> Result<Mail> {
        let escape = |s: &str| html_escape::encode_text(s).into_owned();
        let link = self.public_url.as_str();
        let channel_link = |entry: &MailEntry| {
            entry
                .channel_id
                .and_then(|id| self.public_url.join(&format!("channels/{id}")).ok())
        };
        let text = format!(
            "{}\n\nOpen Tether: {link}\nYou get these mails as a member of “{workspace}”; choose how often under Notifications.",
            entries
                .iter()
                .map(|entry| match channel_link(entry) {
                    Some(url) => format!("• {}\n  {}\n  Open the channel: {url}", entry.title, entry.body),
                    None => format!("• {}\n  {}", entry.title, entry.body),
                })
                .collect::<Vec<_>>()
                .join("\n\n")
        );
        let html = format!(
            "<!DOCTYPE html><html lang=\"en\"><body style=\"font-family:sans-serif;line-height:1.5;color:#1b1f24\">\
             <ul>{}</ul><p><a href=\"{}\">Open Tether</a></p>\
             <p style=\"color:#555\">You get these mails as a member of “{}”; choose how often under Notifications.</p></body></html>",
            entries
                .iter()
                .map(|entry| {
                    let open = channel_link(entry)
                        .map(|url| {
                            format!(
                                "<br><a href=\"{}\">Open the channel</a>",
                                html_escape::encode_double_quoted_attribute(url.as_str())
                            )
                        })
                        .unwrap_or_default();
                    format!(
                        "<li><strong>{}</strong><br>{}{open}</li>",
                        escape(&entry.title),
                        escape(&entry.body)
                    )
                })
                .collect::<String>(),
            html_escape::encode_double_quoted_attribute(link),
            escape(workspace),
        );
        Ok(Mail {
            to: crate::domain::Email::parse(to)?,
            subject,
            text,
            html,
            workspace_id,
            personal: false,
        })
    }

    /// The person's in-app list, newest first.
    pub async fn notifications(&self, person: &SignedIn) -> Result<Vec<Notification>> {
        let rows = sqlx::query(
            "SELECT id, channel_id, kind, title, body, created_at, read_at FROM notifications \
             WHERE user_id = $1 AND workspace_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3",
        )
        .bind(person.user_id)
        .bind(person.workspace_id)
        .bind(LIST_LENGTH)
        .fetch_all(self.db.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get("kind")?;
                Ok(Notification {
                    id: row.try_get("id")?,
                    channel_id: row.try_get("channel_id")?,
                    kind: NoticeKind::parse(&kind)
                        .ok_or_else(|| Error::Internal(format!("stored kind {kind:?}")))?,
                    title: row.try_get("title")?,
                    body: row.try_get("body")?,
                    created_at: row.try_get("created_at")?,
                    read: row.try_get::<Option<i64>, _>("read_at")?.is_some(),
                })
            })
            .collect()
    }

    pub async fn unread_notifications(&self, person: &SignedIn) -> Result<i64> {
        Ok(sqlx::query(
            "SELECT COUNT(*) AS n FROM notifications \
             WHERE user_id = $1 AND workspace_id = $2 AND read_at IS NULL",
        )
        .bind(person.user_id)
        .bind(person.workspace_id)
        .fetch_one(self.db.pool())
        .await?
        .try_get("n")?)
    }

    pub async fn mark_notifications_read(&self, person: &SignedIn) -> Result<()> {
        sqlx::query(
            "UPDATE notifications SET read_at = $1 \
             WHERE user_id = $2 AND workspace_id = $3 AND read_at IS NULL",
        )
        .bind(self.clock.now().timestamp())
        .bind(person.user_id)
        .bind(person.workspace_id)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// How each kind reaches the person by mail in this workspace.
    pub async fn mail_preferences(
        &self,
        person: &SignedIn,
    ) -> Result<Vec<(NoticeKind, MailCadence)>> {
        let rows = sqlx::query(
            "SELECT kind, delivery FROM notification_preferences \
             WHERE user_id = $1 AND workspace_id = $2",
        )
        .bind(person.user_id)
        .bind(person.workspace_id)
        .fetch_all(self.db.pool())
        .await?;
        NoticeKind::ALL
            .into_iter()
            .map(|kind| {
                let chosen = rows
                    .iter()
                    .find(|row| {
                        row.try_get::<String, _>("kind").ok().as_deref() == Some(kind.as_str())
                    })
                    .map(|row| row.try_get::<String, _>("delivery"))
                    .transpose()?;
                Ok((
                    kind,
                    chosen
                        .and_then(|c| MailCadence::parse(&c))
                        .unwrap_or(MailCadence::Instant),
                ))
            })
            .collect()
    }

    pub async fn set_mail_preference(
        &self,
        person: &SignedIn,
        kind: NoticeKind,
        cadence: MailCadence,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO notification_preferences (user_id, workspace_id, kind, delivery) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, workspace_id, kind) \
             DO UPDATE SET delivery = excluded.delivery",
        )
        .bind(person.user_id)
        .bind(person.workspace_id)
        .bind(kind.as_str())
        .bind(cadence.as_str())
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// The workspace's reminder days, largest first.
    pub async fn reminder_days(&self, person: &SignedIn) -> Result<Vec<i64>> {
        let raw: String = sqlx::query("SELECT reminder_days FROM workspaces WHERE id = $1")
            .bind(person.workspace_id)
            .fetch_one(self.db.pool())
            .await?
            .try_get("reminder_days")?;
        parse_reminder_days(&raw)
    }

    /// Sets the workspace's reminder days; owners and admins only.
    pub async fn set_reminder_days(&self, person: &SignedIn, raw: &str) -> Result<Vec<i64>> {
        require(person.role, Permission::ManageMembers)?;
        let days = parse_reminder_days(raw)?;
        let stored = days
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let mut tx = self.db.pool().begin().await?;
        sqlx::query("UPDATE workspaces SET reminder_days = $1 WHERE id = $2")
            .bind(stored)
            .bind(person.workspace_id)
            .execute(&mut *tx)
            .await?;
        // Every deadline of the workspace is planned again on the new days.
        tell_again(&mut tx, person.workspace_id, None).await?;
        tx.commit().await?;
        Ok(days)
    }
}

/// How a member follows a channel besides its connector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FollowRole {
    /// Told about everything and expected to reconnect when the connector cannot.
    Backup,
    /// Told about everything.
    Watcher,
}

impl FollowRole {
    pub fn as_str(self) -> &'static str {
        match self {
            FollowRole::Backup => "backup",
            FollowRole::Watcher => "watcher",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "backup" => Some(FollowRole::Backup),
            "watcher" => Some(FollowRole::Watcher),
            _ => None,
        }
    }
}

/// A member who follows a channel.
#[derive(Clone, Debug)]
pub struct Follower {
    pub user_id: i64,
    pub display_name: String,
    pub role: FollowRole,
}

impl Engine {
    /// The members who follow a channel, back-up admins first.
    pub async fn followers(&self, person: &SignedIn, channel_id: i64) -> Result<Vec<Follower>> {
        self.channel(person, channel_id).await?;
        let rows = sqlx::query(
            "SELECT f.user_id, u.display_name, f.role FROM channel_followers f \
             JOIN users u ON u.id = f.user_id JOIN memberships m \
               ON m.user_id = f.user_id AND m.workspace_id = $1 \
             WHERE f.channel_id = $2 ORDER BY f.role, u.display_name",
        )
        .bind(person.workspace_id)
        .bind(channel_id)
        .fetch_all(self.db.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let role: String = row.try_get("role")?;
                Ok(Follower {
                    user_id: row.try_get("user_id")?,
                    display_name: row.try_get("display_name")?,
                    role: FollowRole::parse(&role)
                        .ok_or_else(|| Error::Internal(format!("stored follow role {role:?}")))?,
                })
            })
            .collect()
    }

    /// Makes `user_id` follow a channel. Anyone may watch a channel they see; owners and
    /// admins name back-up admins, who must be allowed to reconnect it.
    pub async fn follow(
        &self,
        person: &SignedIn,
        channel_id: i64,
        user_id: i64,
        role: FollowRole,
    ) -> Result<()> {
        self.channel(person, channel_id).await?;
        self.may_follow_as(person, user_id, role).await?;
        let mut tx = self.db.pool().begin().await?;
        sqlx::query(
            "INSERT INTO channel_followers (channel_id, user_id, role) VALUES ($1, $2, $3) \
             ON CONFLICT (channel_id, user_id) DO UPDATE SET role = excluded.role",
        )
        .bind(channel_id)
        .bind(user_id)
        .bind(role.as_str())
        .execute(&mut *tx)
        .await?;
        tell_again(&mut tx, person.workspace_id, Some(channel_id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether `person` may have `user_id` follow the workspace's channels as `role`.
    async fn may_follow_as(&self, person: &SignedIn, user_id: i64, role: FollowRole) -> Result<()> {
        if role == FollowRole::Backup || user_id != person.user_id {
            require(person.role, Permission::Transfer)?;
        }
        let their_role = self
            .member_role(person.workspace_id, user_id)
            .await?
            .ok_or(Error::NotFound)?;
        if role == FollowRole::Backup && !their_role.may(Permission::Reauthorize) {
            return Err(Error::Invalid(
                "A back-up admin must be allowed to reconnect channels: make them an editor, admin or owner first.".into(),
            ));
        }
        Ok(())
    }

    /// `follow` for many channels at once (a bulk action on the dashboard): each channel
    /// on its own, so one that cannot be followed leaves the others done. Returns each
    /// channel's outcome, in the order asked.
    pub async fn follow_each(
        &self,
        person: &SignedIn,
        channel_ids: &[i64],
        user_id: i64,
        role: FollowRole,
    ) -> Result<Vec<(i64, Result<()>)>> {
        if channel_ids.len() > MOST_AT_ONCE {
            return Err(Error::Invalid(format!(
                "Choose at most {MOST_AT_ONCE} channels at once."
            )));
        }
        // A refusal that holds for every channel is the answer, not a list of them.
        self.may_follow_as(person, user_id, role).await?;
        let mut outcomes = Vec::with_capacity(channel_ids.len());
        for &channel_id in channel_ids {
            outcomes.push((
                channel_id,
                self.follow(person, channel_id, user_id, role).await,
            ));
        }
        Ok(outcomes)
    }

    /// Stops `user_id` following a channel: themselves, or anyone for owners and admins.
    pub async fn unfollow(&self, person: &SignedIn, channel_id: i64, user_id: i64) -> Result<()> {
        self.channel(person, channel_id).await?;
        if user_id != person.user_id {
            require(person.role, Permission::Transfer)?;
        }
        sqlx::query("DELETE FROM channel_followers WHERE channel_id = $1 AND user_id = $2")
            .bind(channel_id)
            .bind(user_id)
            .execute(self.db.pool())
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reminder_days_are_parsed_sorted_and_bounded() {
        assert_eq!(
            parse_reminder_days("7, 30,1,14, 3").unwrap(),
            [30, 14, 7, 3, 1]
        );
        assert_eq!(parse_reminder_days("3,3").unwrap(), [3]);
        for bad in ["", "0", "366", "a", "1,,x", "1,2,3,4,5,6,7,8,9,10,11", "-1"] {
            assert!(parse_reminder_days(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_nearest_passed_reminder_day_is_due() {
        let days = DEFAULT_REMINDER_DAYS;
        let start = 0;
        let deadline = 60 * DAY;
        assert_eq!(due_reminder(&days, start, deadline, 29 * DAY), None);
        assert_eq!(due_reminder(&days, start, deadline, 30 * DAY), Some(30));
        assert_eq!(due_reminder(&days, start, deadline, 46 * DAY), Some(14));
        // A clock that jumps past several days names only the nearest.
        assert_eq!(due_reminder(&days, start, deadline, 59 * DAY + 1), Some(1));
        assert_eq!(due_reminder(&days, start, deadline, deadline), None);
        // A 7-day window gets its 3- and 1-day reminders, not the 30-, 14- or 7-day ones.
        let week = 7 * DAY;
        assert_eq!(due_reminder(&days, 0, week, 1), None);
        assert_eq!(due_reminder(&days, 0, week, 4 * DAY), Some(3));
        // A 45-day token: its first reminder is 30 days before, on day 15.
        assert_eq!(due_reminder(&days, 0, 45 * DAY, 15 * DAY), Some(30));
    }

    #[test]
    fn time_left_reads_naturally() {
        assert_eq!(time_left(3 * DAY + 5), "in 3 days");
        assert_eq!(time_left(DAY), "in 1 day");
        assert_eq!(time_left(5 * 3600 + 10), "in 5 h");
        assert_eq!(time_left(20), "in 1 min");
    }

    #[test]
    fn a_channel_is_named_with_its_handle_unless_that_repeats_its_name() {
        assert_eq!(
            channel_label("Bakery", "@lindbakery", "YouTube"),
            "“Bakery” (@lindbakery on YouTube)"
        );
        assert_eq!(
            channel_label("Lind Bakery", "Lind Bakery", "Facebook"),
            "“Lind Bakery” (Facebook)"
        );
        assert_eq!(channel_label("Ads", "", "LinkedIn"), "“Ads” (LinkedIn)");
    }
}
