//! Group commit for renewals. Each renewal hands its new tokens to one writer per process
//! and waits until they are committed; the writer commits whatever has gathered meanwhile
//! in one transaction (lingering 2 ms for more). A renewal is committed a few milliseconds
//! after its network answered, and a busy sweep makes a few statements per batch instead of
//! several per renewal.

use super::work::network_recovered_sql;
use crate::db::{Backend, Db};
use crate::error::{Error, Result};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};

/// At most this many renewals per transaction (9 parameters each).
const MAX_BATCH: usize = 256;
/// How long the writer lets more renewals gather after the first arrives: short against a
/// network call, long enough to fill a batch when a sweep is busy.
const LINGER: std::time::Duration = std::time::Duration::from_millis(2);

/// A renewal ready to store: sealed tokens and the new schedule.
pub(crate) struct RenewalRow {
    pub channel_id: i64,
    pub workspace_id: i64,
    pub key_id: String,
    pub access_token: Vec<u8>,
    /// `None` keeps the stored refresh token (networks that do not rotate).
    pub refresh_token: Option<Vec<u8>>,
    pub access_expires_at: Option<i64>,
    /// `None` keeps the stored expiry (fixed windows, or none sent).
    pub refresh_expires_at: Option<i64>,
    pub renew_at: Option<i64>,
    pub due_at: i64,
    pub at: i64,
    pub after_failures: i64,
    /// An open disconnection ends with this renewal.
    pub down: bool,
    pub network: String,
    /// The network had trouble; this success ends it.
    pub network_failing: bool,
    /// The network's words refusing the check this renewal confirmed over.
    pub after_refused_check: Option<String>,
}

type Done = oneshot::Sender<std::result::Result<(), String>>;

#[derive(Debug)]
pub(crate) struct Writer {
    queue: mpsc::UnboundedSender<(RenewalRow, Done)>,
}

impl Writer {
    pub fn start(db: Db) -> Self {
        let (queue, incoming) = mpsc::unbounded_channel();
        tokio::spawn(run(db, incoming));
        Self { queue }
    }

    /// Stores a renewal; returns once it is committed.
    pub async fn write(&self, row: RenewalRow) -> Result<()> {
        let (done, committed) = oneshot::channel();
        self.queue
            .send((row, done))
            .map_err(|_| Error::Internal("the renewal writer has stopped".into()))?;
        committed
            .await
            .map_err(|_| Error::Internal("the renewal writer has stopped".into()))?
            .map_err(Error::Internal)
    }
}

async fn run(db: Db, mut incoming: mpsc::UnboundedReceiver<(RenewalRow, Done)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while incoming.recv_many(&mut batch, MAX_BATCH).await > 0 {
        if batch.len() < MAX_BATCH {
            tokio::time::sleep(LINGER).await;
            while batch.len() < MAX_BATCH {
                match incoming.try_recv() {
                    Ok(more) => batch.push(more),
                    Err(_) => break,
                }
            }
        }
        let rows: Vec<&RenewalRow> = batch.iter().map(|(row, _)| row).collect();
        match write_batch(&db, &rows).await {
            Ok(()) => {
                for (_, done) in batch.drain(..) {
                    let _ = done.send(Ok(()));
                }
            }
            Err(error) => {
                // One bad row must not sink the others: write them one by one.
                tracing::warn!(error = %error, rows = rows.len(), "batch write failed; writing singly");
                for (row, done) in batch.drain(..) {
                    let _ = done.send(write_batch(&db, &[&row]).await.map_err(|e| e.to_string()));
                }
            }
        }
    }
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// One statement of a batch's transaction: its text and how its parameters are bound
/// (owned copies, so one binder serves a query of any lifetime).
struct Statement<'a> {
    sql: String,
    bind: Box<dyn for<'q> Fn(AnyQuery<'q>) -> AnyQuery<'q> + Send + Sync + 'a>,
}

async fn write_batch(db: &Db, rows: &[&RenewalRow]) -> std::result::Result<(), sqlx::Error> {
    let statements = batch_statements(db.backend(), rows);
    let _turn = db.write_turn().await;
    match db.backend() {
        Backend::Postgres => {
            let mut tx = db.pool().begin().await?;
            for statement in &statements {
                (statement.bind)(sqlx::query(&statement.sql))
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await
        }
        // Every statement hands work to the connection's thread and waits for it: one
        // script (its `?` parameters bound in order) makes a batch one hand-off, not five.
        Backend::Sqlite => {
            let script = std::iter::once("BEGIN IMMEDIATE".to_owned())
                .chain(statements.iter().map(|s| s.sql.clone()))
                .chain(std::iter::once("COMMIT".to_owned()))
                .collect::<Vec<_>>()
                .join(";\n");
            let query = statements
                .iter()
                .fold(sqlx::query(&script), |query, s| (s.bind)(query));
            let mut conn = db.pool().acquire().await?;
            let written = query.execute(&mut *conn).await;
            if written.is_err() && sqlx::query("ROLLBACK").execute(&mut *conn).await.is_err() {
                // Still inside the failed transaction: this connection must not be reused.
                conn.close_on_drop();
            }
            written.map(|_| ())
        }
    }
}

/// The statements that store a batch of renewals, parameters numbered from 1 in each.
fn batch_statements<'a>(backend: Backend, rows: &'a [&'a RenewalRow]) -> Vec<Statement<'a>> {
    // `rows.len()` rows of `width` parameters, each shaped by `row`.
    let values = |width: usize, row: &dyn Fn(&[String]) -> String| -> String {
        (0..rows.len())
            .map(|r| {
                let params: Vec<String> = (1..=width)
                    .map(|c| backend.placeholder(r * width + c))
                    .collect();
                row(&params)
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let p = |n| backend.placeholder(n);
    let mut statements = vec![
        // Written whoever holds the lease now: these are the newest tokens the network
        // knows, and a rotated refresh token must never be dropped.
        Statement {
            sql: format!(
                "UPDATE credentials SET key_id = v.column2, access_token = v.column3, \
                 refresh_token = COALESCE(v.column4, credentials.refresh_token), \
                 access_expires_at = v.column5, \
                 refresh_expires_at = COALESCE(v.column6, credentials.refresh_expires_at), \
                 renew_at = v.column7, due_at = v.column8, failures = 0, failing_since = NULL, \
                 failure_class = NULL, gave_up_at = NULL, checked_at = v.column9, \
                 updated_at = v.column9, lease_owner = NULL, lease_until = NULL \
                 FROM (VALUES {}) AS v WHERE credentials.channel_id = v.column1",
                values(9, &|p| format!("({})", p.join(", ")))
            ),
            bind: Box::new(move |query| {
                rows.iter().fold(query, |query, row| {
                    query
                        .bind(row.channel_id)
                        .bind(row.key_id.clone())
                        .bind(row.access_token.clone())
                        .bind(row.refresh_token.clone())
                        .bind(row.access_expires_at)
                        .bind(row.refresh_expires_at)
                        .bind(row.renew_at)
                        .bind(row.due_at)
                        .bind(row.at)
                })
            }),
        },
        Statement {
            sql: format!(
                "INSERT INTO events (workspace_id, channel_id, kind, detail, at) VALUES {}",
                values(4, &|p| format!(
                    "({}, {}, 'refreshed', {}, {})",
                    p[0], p[1], p[2], p[3]
                ))
            ),
            bind: Box::new(move |query| {
                rows.iter().fold(query, |query, row| {
                    query
                        .bind(row.workspace_id)
                        .bind(row.channel_id)
                        .bind(
                            json!({
                                "access_expires_at": row.access_expires_at,
                                "after_failures": row.after_failures,
                                "after_refused_check": row.after_refused_check,
                            })
                            .to_string(),
                        )
                        .bind(row.at)
                })
            }),
        },
    ];
    for row in rows.iter().filter(|r| r.down) {
        statements.push(Statement {
            sql: format!(
                "UPDATE disconnections SET ended_at = {} WHERE channel_id = {} \
                 AND ended_at IS NULL",
                p(1),
                p(2)
            ),
            bind: Box::new(move |query| query.bind(row.at).bind(row.channel_id)),
        });
    }
    let mut recovered: Vec<(&str, i64)> = rows
        .iter()
        .filter(|r| r.network_failing)
        .map(|r| (r.network.as_str(), r.at))
        .collect();
    recovered.dedup_by_key(|(network, _)| *network);
    for (network, at) in recovered {
        statements.push(Statement {
            sql: network_recovered_sql(&p(1), &p(2), true),
            bind: Box::new(move |query| query.bind(at).bind(network.to_owned())),
        });
    }
    statements
}
