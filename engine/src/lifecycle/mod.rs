//! Keeping every token alive: scheduled renewals and health checks claimed under a lease,
//! failures classified and retried with backoff, outages told apart from dead channels,
//! disconnection intervals, and fresh tokens handed out with at most one refresh in flight
//! per channel.

mod flight;
mod lapse;
mod metrics;
pub mod plan;
mod scheduler;
pub(crate) mod work;
mod writer;

pub use flight::HandedOut;
pub use metrics::Metrics;
pub use plan::Pacing;
pub use scheduler::SweepReport;
pub use work::{ConfigurationFault, Disconnection, OutageReport, Outcome};

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

/// What the lifecycle keeps per process: its pacing, its name in leases, the refreshes in
/// flight, and its counters.
#[derive(Debug)]
pub struct Lifecycle {
    pub pacing: Pacing,
    /// Written into the leases this process takes; unique per process start.
    pub owner: String,
    pub metrics: Metrics,
    flights: Mutex<HashMap<i64, Weak<tokio::sync::Mutex<()>>>>,
    /// Started with the first renewal, inside the runtime.
    writer: std::sync::OnceLock<writer::Writer>,
}

impl Lifecycle {
    pub fn new(pacing: Pacing) -> Self {
        Self {
            pacing,
            owner: format!(
                "{}-{}",
                std::process::id(),
                &crate::crypto::random_token().expose()[..8]
            ),
            metrics: Metrics::default(),
            flights: Mutex::default(),
            writer: std::sync::OnceLock::new(),
        }
    }

    fn writer(&self, db: &crate::db::Db) -> &writer::Writer {
        self.writer
            .get_or_init(|| writer::Writer::start(db.clone()))
    }

    /// The lock that lets one request in this process renew a channel while the others wait.
    fn flight(&self, channel_id: i64) -> Arc<tokio::sync::Mutex<()>> {
        let mut flights = self
            .flights
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(existing) = flights.get(&channel_id).and_then(Weak::upgrade) {
            return existing;
        }
        // Forget locks nobody holds any more before adding one.
        flights.retain(|_, lock| lock.strong_count() > 0);
        let lock = Arc::new(tokio::sync::Mutex::new(()));
        flights.insert(channel_id, Arc::downgrade(&lock));
        lock
    }
}
