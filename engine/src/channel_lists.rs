//! Each workspace's channel records, kept in memory while nothing they are read from has
//! changed: an agency's dashboard of thousands of channels then reads one row, the change
//! counter, instead of every channel with its credential. Triggers (migration 28) move the
//! counter at every write to a channel, its credential (not leases nor reminder plans), its
//! disconnections, or the name and role of whoever connected it, whichever process made it.
//!
//! The counter is read before the records, so a list kept under a counter value holds
//! at least every write committed before that value was read; anything later moves it.

use crate::channels::ChannelRecord;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Lists kept at most; past it the oldest goes. Ten thousand records are a few megabytes.
const MOST_WORKSPACES: usize = 64;

#[derive(Debug, Default)]
pub(crate) struct ChannelLists {
    kept: Mutex<HashMap<i64, Kept>>,
}

#[derive(Debug)]
struct Kept {
    /// The change counter read before the records were.
    version: i64,
    records: Arc<Vec<ChannelRecord>>,
}

impl ChannelLists {
    /// The workspace's records, if they were read at this counter value.
    pub(crate) fn get(&self, workspace_id: i64, version: i64) -> Option<Arc<Vec<ChannelRecord>>> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.get(&workspace_id)
            .filter(|k| k.version == version)
            .map(|k| Arc::clone(&k.records))
    }

    /// Keeps `records`, read after the counter said `version`.
    pub(crate) fn keep(&self, workspace_id: i64, version: i64, records: Arc<Vec<ChannelRecord>>) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() >= MOST_WORKSPACES && !kept.contains_key(&workspace_id) {
            if let Some(oldest) = kept
                .iter()
                .min_by_key(|(_, k)| k.version)
                .map(|(id, _)| *id)
            {
                kept.remove(&oldest);
            }
        }
        kept.insert(workspace_id, Kept { version, records });
    }
}
