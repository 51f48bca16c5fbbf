//! Each workspace's channel records, kept in memory while nothing they are read from has
//! changed: an agency's dashboard of thousands of channels then reads one row, the change
//! counter, instead of every channel with its credential. Triggers (migration 28) move the
//! counter at every write to a channel, its credential (not leases nor reminder plans), its
//! disconnections, or the name and role of whoever connected it, whichever process made it.
//!
//! The counter is read before the records, so a list kept under a counter value holds
//! at least every write committed before that value was read; anything later moves it.
//! One counter serves every workspace: with the scheduler renewing and checking, a write to
//! any channel makes the next dashboard read its list again.

use crate::channels::ChannelRecord;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Lists kept at most; past it the one read longest ago goes.
const MOST_WORKSPACES: usize = 64;

#[derive(Debug, Default)]
pub(crate) struct ChannelLists {
    kept: Mutex<Shelf>,
}

#[derive(Debug, Default)]
struct Shelf {
    lists: HashMap<i64, Kept>,
    /// How many lists were ever kept: each list's turn, to find the one kept longest ago.
    turns: u64,
}

#[derive(Debug)]
struct Kept {
    /// The change counter read before the records were.
    version: i64,
    /// Its turn among the lists kept: the lowest goes first.
    turn: u64,
    records: Arc<Vec<ChannelRecord>>,
}

impl ChannelLists {
    /// The workspace's records, if they were read at this counter value.
    pub(crate) fn get(&self, workspace_id: i64, version: i64) -> Option<Arc<Vec<ChannelRecord>>> {
        let shelf = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        shelf
            .lists
            .get(&workspace_id)
            .filter(|k| k.version == version)
            .map(|k| Arc::clone(&k.records))
    }

    /// Keeps `records`, read after the counter said `version`. The counter only rises, so
    /// lists kept under a lower value can never be served again and go now.
    pub(crate) fn keep(&self, workspace_id: i64, version: i64, records: Arc<Vec<ChannelRecord>>) {
        let mut shelf = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let lists = &mut shelf.lists;
        if lists
            .get(&workspace_id)
            .is_some_and(|k| k.version > version)
        {
            // A reader that started earlier finished later: keep the newer list.
            return;
        }
        lists.retain(|_, k| k.version >= version);
        if lists.len() >= MOST_WORKSPACES && !lists.contains_key(&workspace_id) {
            if let Some(oldest) = lists.iter().min_by_key(|(_, k)| k.turn).map(|(id, _)| *id) {
                lists.remove(&oldest);
            }
        }
        shelf.turns += 1;
        let turn = shelf.turns;
        shelf.lists.insert(
            workspace_id,
            Kept {
                version,
                turn,
                records,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_is_served_only_at_the_counter_it_was_read_under() {
        let lists = ChannelLists::default();
        lists.keep(1, 5, Arc::new(Vec::new()));
        assert!(lists.get(1, 5).is_some());
        assert!(lists.get(1, 6).is_none(), "something changed since");
        assert!(lists.get(2, 5).is_none(), "another workspace");
    }

    #[test]
    fn lists_that_can_never_be_served_again_go() {
        let lists = ChannelLists::default();
        lists.keep(1, 5, Arc::new(Vec::new()));
        lists.keep(2, 7, Arc::new(Vec::new()));
        assert!(lists.get(1, 5).is_none(), "the counter has passed 5");
        // A slower reader of an older value does not replace the newer list.
        lists.keep(2, 6, Arc::new(Vec::new()));
        assert!(lists.get(2, 7).is_some());
        for workspace in 10..10 + MOST_WORKSPACES as i64 {
            lists.keep(workspace, 7, Arc::new(Vec::new()));
        }
        let kept = lists.kept.lock().unwrap().lists.len();
        assert_eq!(kept, MOST_WORKSPACES);
        assert!(lists.get(2, 7).is_none(), "the one read longest ago went");
    }
}
