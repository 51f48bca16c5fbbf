//! The database: SQLite embedded by default, Postgres to scale out. One query text serves
//! both (sqlx's `Any` driver, `$n` placeholders, times as Unix seconds); only the migrations
//! differ, for the column types each backend spells its own way.

use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::AnyPool;
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The placeholder for the `n`th parameter (from 1) of a statement whose parameters
    /// all appear in order. SQLite gets anonymous `?`: binding a named one costs it a
    /// search through every name, which grows square with a batch's hundreds.
    pub fn placeholder(self, n: usize) -> String {
        match self {
            Backend::Sqlite => "?".to_owned(),
            Backend::Postgres => format!("${n}"),
        }
    }
}

/// A database URL that names a backend Tether supports.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    url: String,
    backend: Backend,
}

#[derive(Debug, thiserror::Error)]
#[error("must start with sqlite: or postgres:// (got a URL starting with {scheme:?})")]
pub struct UnsupportedDatabase {
    scheme: String,
}

impl FromStr for DatabaseUrl {
    type Err = UnsupportedDatabase;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            let scheme = url.split(':').next().unwrap_or_default().to_owned();
            return Err(UnsupportedDatabase { scheme });
        };
        Ok(Self {
            url: url.to_owned(),
            backend,
        })
    }
}

impl DatabaseUrl {
    /// A SQLite file, created when missing.
    pub fn sqlite_file(path: &std::path::Path) -> Self {
        Self {
            url: format!("sqlite://{}?mode=rwc", path.display()),
            backend: Backend::Sqlite,
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
}

impl std::fmt::Debug for DatabaseUrl {
    // A Postgres URL may carry a password: show the backend only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl({:?})", self.backend)
    }
}

#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// SQLite takes one writer at a time and makes the others sleep and retry (its busy
    /// handler sleeps whole milliseconds); the busy write paths queue here instead.
    write_gate: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl Db {
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = url.backend;
        let pool = AnyPoolOptions::new()
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // With WAL, NORMAL syncs at checkpoints instead of every commit: a
                        // killed process loses nothing committed; only an operating-system
                        // crash or power loss can undo the last commits. Checked on each
                        // connection, since the setting is per connection.
                        sqlx::query("PRAGMA synchronous = NORMAL")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .max_connections(match url.backend {
                // SQLite has one writer; a small pool avoids lock contention.
                Backend::Sqlite => 4,
                Backend::Postgres => 16,
            })
            // A pooled SQLite connection is a file handle in this process and cannot go
            // stale; pinging it first would cost a hand-off to its thread on every use.
            .test_before_acquire(backend == Backend::Postgres)
            .acquire_timeout(Duration::from_secs(10))
            .connect(&url.url)
            .await?;
        if url.backend == Backend::Sqlite {
            // WAL lets readers proceed while the single writer commits.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        Ok(Self {
            pool,
            backend: url.backend,
            write_gate: Default::default(),
        })
    }

    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await,
        }
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Held across a busy write (a claim, a batch of renewals) so that on SQLite such
    /// writes take turns in this process instead of sleeping in SQLite's busy handler.
    /// Postgres locks rows, not the database: nothing to wait for there.
    pub async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.backend {
            Backend::Sqlite => Some(self.write_gate.lock().await),
            Backend::Postgres => None,
        }
    }

    /// True when the database answers a trivial query; for `/healthz`.
    pub async fn is_reachable(&self) -> bool {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await.is_ok()
    }
}
