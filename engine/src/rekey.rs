//! After a key rotation (`TETHER_ENCRYPTION_KEYS`, newest first), every stored secret is
//! moved to the newest key in small batches, each its own transaction: a crash loses at
//! most the batch in flight, which the next run does again, and every value opens with the
//! keys loaded at every moment. Once nothing is left, the older keys may be dropped.

use crate::crypto::{Sealed, Secret};
use crate::error::{Error, Result};
use crate::Engine;
use sqlx::Row;

/// A table that keeps sealed values: its key, the sealed columns and the context each was
/// sealed for.
struct SealedTable {
    name: &'static str,
    id: &'static str,
    numeric_id: bool,
    columns: &'static [&'static str],
    context: fn(&str, &str) -> String,
}

fn credential_context(id: &str, column: &str) -> String {
    let part = column.trim_end_matches("_token");
    crate::channels::seal_context(id.parse().unwrap_or_default(), part)
}

fn webhook_context(id: &str, _: &str) -> String {
    format!("webhook:{id}")
}

fn state_context(id: &str, _: &str) -> String {
    format!("oauth_state:{id}")
}

fn pending_context(id: &str, _: &str) -> String {
    format!("pending:{id}")
}

const TABLES: &[SealedTable] = &[
    SealedTable {
        name: "credentials",
        id: "channel_id",
        numeric_id: true,
        columns: &["access_token", "refresh_token"],
        context: credential_context,
    },
    SealedTable {
        name: "webhooks",
        id: "id",
        numeric_id: true,
        columns: &["secret"],
        context: webhook_context,
    },
    SealedTable {
        name: "oauth_states",
        id: "state_hash",
        numeric_id: false,
        columns: &["pkce_verifier"],
        context: state_context,
    },
    SealedTable {
        name: "pending_connections",
        id: "id_hash",
        numeric_id: false,
        columns: &["payload"],
        context: pending_context,
    },
];

/// What one batch did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rekeyed {
    pub resealed: u64,
    pub remaining: u64,
}

impl Engine {
    /// How many stored rows are sealed under a key other than the newest.
    pub async fn secrets_to_rekey(&self) -> Result<u64> {
        let mut remaining = 0;
        for table in TABLES {
            let n: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM {} WHERE key_id IS NOT NULL AND key_id <> $1",
                table.name
            ))
            .bind(self.key.newest_id())
            .fetch_one(self.db.pool())
            .await?;
            remaining += n.unsigned_abs();
        }
        Ok(remaining)
    }

    /// Re-seals up to `batch` rows under the newest key, in one transaction; returns how
    /// many and how many are left. A row sealed under a key that is not loaded stops it in
    /// words, with nothing changed.
    pub async fn rekey_batch(&self, batch: i64) -> Result<Rekeyed> {
        let newest = self.key.newest_id().to_owned();
        let mut tx = self.db.pool().begin().await?;
        let mut resealed = 0;
        for table in TABLES {
            if resealed >= batch {
                break;
            }
            let rows = sqlx::query(&format!(
                "SELECT {id} AS row_id, key_id, {columns} FROM {name} \
                 WHERE key_id IS NOT NULL AND key_id <> $1 ORDER BY {id} LIMIT $2",
                id = table.id,
                columns = table.columns.join(", "),
                name = table.name,
            ))
            .bind(&newest)
            .bind(batch - resealed)
            .fetch_all(&mut *tx)
            .await?;
            for row in &rows {
                let id = if table.numeric_id {
                    row.try_get::<i64, _>("row_id")?.to_string()
                } else {
                    row.try_get::<String, _>("row_id")?
                };
                let key_id: String = row.try_get("key_id")?;
                let sql = format!(
                    "UPDATE {name} SET key_id = $1, {sets} WHERE {id} = ${n} AND key_id = ${m}",
                    name = table.name,
                    sets = table
                        .columns
                        .iter()
                        .enumerate()
                        .map(|(i, column)| format!("{column} = ${}", i + 2))
                        .collect::<Vec<_>>()
                        .join(", "),
                    id = table.id,
                    n = table.columns.len() + 2,
                    m = table.columns.len() + 3,
                );
                let mut update = sqlx::query(&sql).bind(&newest);
                for column in table.columns {
                    let Some(bytes) = row.try_get::<Option<Vec<u8>>, _>(*column)? else {
                        update = update.bind(None::<Vec<u8>>);
                        continue;
                    };
                    let context = (table.context)(&id, column);
                    let sealed = Sealed {
                        key_id: key_id.clone(),
                        bytes,
                    };
                    let secret: Secret = self.key.open(&sealed, &context).map_err(|e| {
                        Error::Invalid(format!(
                            "{} {id}: {e}. Load that key too (TETHER_ENCRYPTION_KEYS, newest first) and run again; nothing was changed.",
                            table.name
                        ))
                    })?;
                    update = update.bind(Some(self.key.seal(&secret, &context).bytes));
                }
                update = if table.numeric_id {
                    update.bind(id.parse::<i64>().unwrap_or_default())
                } else {
                    update.bind(id.clone())
                };
                update.bind(&key_id).execute(&mut *tx).await?;
                resealed += 1;
            }
        }
        tx.commit().await?;
        Ok(Rekeyed {
            resealed: resealed.unsigned_abs(),
            remaining: self.secrets_to_rekey().await?,
        })
    }
}
