//! The dashboard's list for many channels: those that need a person first, sorted by
//! deadline; filtered by state, network and words; cut into pages; counted per state; and
//! the health sign's facts reduced to the channels that time may change today.
//!
//! A [`Sheet`] reads the engine's kept records once: each channel's facts, state and
//! deadline, the order they are shown in and the counts. Renders reuse it until the records
//! or the networks' troubles change, or time reaches the first moment a state changes; each
//! render then only filters and cuts its page. A [`ChannelCard`] is made only for the rows
//! a page shows.

use crate::model::{ChannelCard, ChannelFilter, HealthFacts, Listing, StateCount};
use crate::pages::thousands;
use crate::status::{deadline, next_change, state, ChannelFacts, Health, State};
use engine::accounts::SignedIn;
use engine::channels::{sees_connectors, ChannelRecord};
use engine::lifecycle::{ConfigurationFault, OutageReport};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

/// Channels per page: the first screen stays light with a thousand channels.
pub const PAGE_SIZE: usize = 50;
/// The health sign recomputes the channels whose state may change within this span.
const HEALTH_SPAN: i64 = 86_400;
/// Search words are cut to this length.
const MOST_SEARCH_CHARS: usize = 100;
/// Sheets kept at most, one per workspace; the one used longest ago goes first.
const MOST_SHEETS: usize = 64;

/// What the status model reads of a record.
pub fn facts(record: &ChannelRecord) -> ChannelFacts {
    ChannelFacts {
        access_expires_at: record.access_expires_at,
        renew_at: record.renew_at,
        down_since: record.down_since,
        reconsent_deadline: record.reconsent_deadline,
        renewable: record.renewable,
        missing_scopes: record.missing_scopes.clone(),
        dead_reason: record.dead_reason.clone(),
        network_outage: false,
        app_refused: false,
        retry_at: record.retry_at,
        gave_up: record.gave_up_at.is_some(),
        unconfirmed_since: record.unconfirmed_since,
        unlinked: record.unlinked_at.is_some(),
    }
}

/// The networks in trouble, as they add to every channel's facts: an outage, or Tether's
/// app credentials refused.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Troubles {
    outages: Vec<String>,
    refused: Vec<String>,
}

impl Troubles {
    pub fn new(outages: &[OutageReport], faults: &[ConfigurationFault]) -> Self {
        let networks = |names: Vec<&String>| {
            let mut names: Vec<String> = names.into_iter().cloned().collect();
            names.sort();
            names.dedup();
            names
        };
        Self {
            outages: networks(outages.iter().map(|o| &o.network).collect()),
            refused: networks(faults.iter().map(|f| &f.network).collect()),
        }
    }
}

/// What a sheet works out for one channel beside its record.
#[derive(Clone, Debug)]
struct Reading {
    /// With what the networks' troubles add.
    facts: ChannelFacts,
    state: State,
    /// The moment its countdown runs to: what needs a person is ordered by it.
    deadline: Option<i64>,
    /// The first moment time alone changes its state.
    next_change: Option<i64>,
}

/// A workspace's kept records read for the listing at one moment.
#[derive(Debug)]
pub struct Sheet {
    records: Arc<Vec<ChannelRecord>>,
    troubles: Troubles,
    read_at: i64,
    /// The first moment time changes any channel's state: the sheet serves renders before it.
    until: Option<i64>,
    readings: Vec<Reading>,
    /// Every row: what needs a person first, the nearest deadline (or the longest outage)
    /// first; the rest keep the records' order, by name.
    order: Vec<usize>,
    counted: [usize; State::ALL.len()],
    /// Each network once, by key and name, sorted by name.
    networks: Vec<(String, String)>,
    /// Each connector once, by user id and name, sorted by name; shown only to those who
    /// may see connectors.
    connectors: Vec<(String, String)>,
    audience: Option<String>,
}

impl Sheet {
    /// Reads `records`, with `troubles` added to their facts, at `now`.
    pub fn read(records: Arc<Vec<ChannelRecord>>, troubles: Troubles, now: i64) -> Self {
        let readings: Vec<Reading> = records
            .iter()
            .map(|record| {
                let mut facts = facts(record);
                facts.network_outage = troubles.outages.contains(&record.network);
                facts.app_refused = troubles.refused.contains(&record.network);
                Reading {
                    state: state(&facts, now),
                    deadline: deadline(&facts).map(|d| d.at),
                    next_change: next_change(&facts, now),
                    facts,
                }
            })
            .collect();
        let mut order: Vec<usize> = (0..readings.len()).collect();
        order.sort_by_key(|&i| {
            let reading = &readings[i];
            if reading.state.needs_attention() {
                (0, reading.deadline.unwrap_or(i64::MIN))
            } else {
                (1, 0)
            }
        });
        let mut counted = [0; State::ALL.len()];
        for reading in &readings {
            counted[state_index(reading.state)] += 1;
        }
        let by_name = |named: BTreeMap<String, &str>| {
            let mut named: Vec<(String, String)> = named
                .into_iter()
                .map(|(key, name)| (key, name.to_owned()))
                .collect();
            named.sort_by(|a, b| a.1.cmp(&b.1));
            named
        };
        let networks = by_name(
            records
                .iter()
                .map(|r| (r.network.clone(), r.network_name.as_str()))
                .collect(),
        );
        let connectors = by_name(
            records
                .iter()
                .filter_map(|r| r.connector_id.zip(r.connected_by.as_deref()))
                .map(|(id, name)| (id.to_string(), name))
                .collect(),
        );
        // Only counts the networks told: an imported account's audience is unknown, not zero.
        let linked: Vec<i64> = records
            .iter()
            .filter(|r| r.unlinked_at.is_none())
            .filter_map(|r| r.followers)
            .collect();
        let audience = (!linked.is_empty()).then(|| {
            format!(
                "{} followers across {} linked account{}",
                thousands(linked.iter().sum()),
                thousands(linked.len() as i64),
                if linked.len() == 1 { "" } else { "s" }
            )
        });
        Self {
            until: readings.iter().filter_map(|r| r.next_change).min(),
            records,
            troubles,
            read_at: now,
            readings,
            order,
            counted,
            networks,
            connectors,
            audience,
        }
    }

    /// Whether a render of `records` with `troubles` at `now` may use this sheet.
    fn serves(&self, records: &Arc<Vec<ChannelRecord>>, troubles: &Troubles, now: i64) -> bool {
        Arc::ptr_eq(&self.records, records)
            && self.troubles == *troubles
            && now >= self.read_at
            && self.until.is_none_or(|until| now < until)
    }

    /// How many channels need a person.
    pub fn attention(&self) -> usize {
        State::ALL
            .iter()
            .zip(self.counted)
            .filter(|(state, _)| state.needs_attention())
            .map(|(_, count)| count)
            .sum()
    }

    /// The card a page shows for row `index`, as `person` may see it.
    pub fn card(&self, index: usize, person: &SignedIn) -> ChannelCard {
        let record = &self.records[index];
        let connector = record.connector_seen_by(person);
        ChannelCard {
            connected_by: connector.map(|(_, name)| name.to_owned()),
            connector_id: connector.map(|(id, _)| id),
            facts: self.readings[index].facts.clone(),
            ..ChannelCard::from(record.clone())
        }
    }

    /// Whether row `index` is one `filter` (its words lower-cased) shows to `person`.
    fn shows(&self, index: usize, filter: &ChannelFilter, words: &str, person: &SignedIn) -> bool {
        let record = &self.records[index];
        let state = self.readings[index].state;
        (match filter.show.as_str() {
            "" => true,
            "attention" => state.needs_attention(),
            show => state.api_name() == show,
        }) && (filter.network.is_empty() || filter.network == record.network)
            && (filter.who.is_empty()
                || record
                    .connector_seen_by(person)
                    .is_some_and(|(id, _)| id.to_string() == filter.who))
            && (words.is_empty()
                || record.name.to_lowercase().contains(words)
                || record.handle.to_lowercase().contains(words))
    }
}

fn state_index(state: State) -> usize {
    State::ALL.iter().position(|s| *s == state).unwrap_or(0)
}

/// The sheet last read for each workspace, so a render reuses what the one before it
/// worked out.
#[derive(Debug, Default)]
pub struct Sheets(Mutex<Kept>);

#[derive(Debug, Default)]
struct Kept {
    /// Counts the sheets handed out: the one handed out longest ago goes first.
    turn: u64,
    /// Each workspace's sheet, with the turn it was last handed out on.
    sheets: HashMap<i64, (u64, Arc<Sheet>)>,
}

impl Sheets {
    /// A sheet of `records` (the engine's kept list) with `troubles` that serves `now`.
    pub fn sheet(
        &self,
        workspace_id: i64,
        records: Arc<Vec<ChannelRecord>>,
        troubles: Troubles,
        now: i64,
    ) -> Arc<Sheet> {
        {
            let mut kept = self.kept();
            kept.turn += 1;
            let turn = kept.turn;
            if let Some((used, sheet)) = kept
                .sheets
                .get_mut(&workspace_id)
                .filter(|(_, sheet)| sheet.serves(&records, &troubles, now))
            {
                *used = turn;
                return sheet.clone();
            }
        }
        // Read outside the lock: ten thousand channels take milliseconds.
        let sheet = Arc::new(Sheet::read(records, troubles, now));
        let mut kept = self.kept();
        if kept.sheets.len() >= MOST_SHEETS && !kept.sheets.contains_key(&workspace_id) {
            let least_used = kept
                .sheets
                .iter()
                .min_by_key(|(_, (used, _))| *used)
                .map(|(id, _)| *id);
            if let Some(least_used) = least_used {
                kept.sheets.remove(&least_used);
            }
        }
        let turn = kept.turn;
        kept.sheets.insert(workspace_id, (turn, sheet.clone()));
        sheet
    }

    fn kept(&self) -> MutexGuard<'_, Kept> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The ids of every channel `filter` matches, on every page: what a bulk action on "all
/// that match" acts on.
pub fn matching_ids(sheet: &Sheet, person: &SignedIn, asked: &ChannelFilter) -> Vec<i64> {
    let (filter, _) = understood(asked, sheet, person);
    let words = filter.q.to_lowercase();
    (0..sheet.records.len())
        .filter(|&index| sheet.shows(index, &filter, &words, person))
        .map(|index| sheet.records[index].id)
        .collect()
}

/// One page of `sheet` as `filter` asks, for `person` at `now`: the indices of the rows
/// shown, in order.
pub fn list(
    sheet: &Sheet,
    person: &SignedIn,
    asked: &ChannelFilter,
    now: i64,
) -> (Vec<usize>, Listing, HealthFacts) {
    let (filter, notice) = understood(asked, sheet, person);
    let words = filter.q.to_lowercase();
    let matching: Vec<usize> = sheet
        .order
        .iter()
        .copied()
        .filter(|&index| sheet.shows(index, &filter, &words, person))
        .collect();
    let pages = matching.len().div_ceil(PAGE_SIZE).max(1);
    let page = filter.page.clamp(1, pages);
    let first = (page - 1) * PAGE_SIZE;
    let shown: Vec<usize> = matching
        .iter()
        .skip(first)
        .take(PAGE_SIZE)
        .copied()
        .collect();
    let soon = now.saturating_add(HEALTH_SPAN);
    let mut changing = Vec::new();
    let mut settled_states = Vec::new();
    let mut settled_refused = 0;
    for reading in &sheet.readings {
        if reading.next_change.is_some_and(|at| at <= soon) {
            changing.push(reading.facts.clone());
        } else {
            settled_states.push(reading.state);
            settled_refused += usize::from(reading.facts.app_refused);
        }
    }
    let mut counts = vec![StateCount {
        show: "attention".into(),
        icon: "!".into(),
        label: "Need attention".into(),
        count: sheet.attention(),
        href: href(&ChannelFilter {
            show: "attention".into(),
            ..ChannelFilter::default()
        }),
    }];
    counts.extend(
        State::ALL
            .iter()
            .zip(sheet.counted)
            .filter(|(_, n)| *n > 0)
            .map(|(state, count)| StateCount {
                show: state.api_name().into(),
                icon: state.icon().into(),
                label: state.label().into(),
                count,
                href: href(&ChannelFilter {
                    show: state.api_name().into(),
                    ..ChannelFilter::default()
                }),
            }),
    );
    let at_page = |page: usize| {
        href(&ChannelFilter {
            page,
            ..filter.clone()
        })
    };
    let here = href(&ChannelFilter {
        page,
        ..filter.clone()
    });
    let back_query = if here == "/" {
        String::new()
    } else {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("from", &here)
            .finish();
        format!("?{query}")
    };
    let listing = Listing {
        here,
        back_query,
        notice,
        total: sheet.records.len(),
        matching: matching.len(),
        first: first + 1,
        page,
        pages,
        previous: (page > 1).then(|| at_page(page - 1)),
        next: (page < pages).then(|| at_page(page + 1)),
        counts,
        networks: sheet.networks.clone(),
        people: if sees_connectors(person) {
            sheet.connectors.clone()
        } else {
            Vec::new()
        },
        audience: sheet.audience.clone(),
        filter: ChannelFilter { page, ..filter },
    };
    let settled = Health::of(&settled_states).with_app_refused(settled_refused);
    (shown, listing, HealthFacts { changing, settled })
}

/// The filter with what was not understood dropped, and a sentence saying so.
fn understood(
    asked: &ChannelFilter,
    sheet: &Sheet,
    person: &SignedIn,
) -> (ChannelFilter, Option<String>) {
    let mut filter = ChannelFilter {
        show: asked.show.trim().to_owned(),
        network: asked.network.trim().to_owned(),
        q: asked.q.trim().chars().take(MOST_SEARCH_CHARS).collect(),
        who: asked.who.trim().to_owned(),
        page: asked.page.max(1),
    };
    let mut notice = None;
    let known_state = |show: &str| {
        show.is_empty() || show == "attention" || State::ALL.iter().any(|s| s.api_name() == show)
    };
    if !known_state(&filter.show) {
        notice = Some(format!(
            "“{}” is not a state a channel can be in; every state is shown.",
            filter.show
        ));
        filter.show.clear();
    }
    if !filter.network.is_empty() && !sheet.networks.iter().any(|(key, _)| *key == filter.network) {
        notice = Some(format!(
            "No channel here is on a network called “{}”; every network is shown.",
            filter.network
        ));
        filter.network.clear();
    }
    let responsible =
        sees_connectors(person) && sheet.connectors.iter().any(|(id, _)| *id == filter.who);
    if !filter.who.is_empty() && !responsible {
        notice = Some("No channel here is that person’s to keep; everyone’s are shown.".into());
        filter.who.clear();
    }
    (filter, notice)
}

/// The dashboard's address for `filter`, leaving out what is not set.
pub fn href(filter: &ChannelFilter) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("show", filter.show.as_str()),
        ("network", filter.network.as_str()),
        ("q", filter.q.as_str()),
        ("who", filter.who.as_str()),
    ] {
        if !value.is_empty() {
            query.append_pair(name, value);
        }
    }
    if filter.page > 1 {
        query.append_pair("page", &filter.page.to_string());
    }
    match query.finish() {
        query if query.is_empty() => "/".to_owned(),
        query => format!("/?{query}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::domain::Role;

    /// A channel as the engine keeps it, with `facts` as its record states them.
    fn card(id: i64, name: &str, facts: ChannelFacts) -> ChannelRecord {
        let even = id % 2 == 0;
        ChannelRecord {
            id,
            network: if even { "x" } else { "youtube" }.into(),
            network_name: if even { "X" } else { "YouTube" }.into(),
            name: name.into(),
            handle: format!("@{}", name.to_lowercase()),
            followers: Some(10),
            access_expires_at: facts.access_expires_at,
            renew_at: facts.renew_at,
            down_since: facts.down_since,
            reconsent_deadline: facts.reconsent_deadline,
            renewable: facts.renewable,
            missing_scopes: facts.missing_scopes,
            dead_reason: facts.dead_reason,
            retry_at: facts.retry_at,
            gave_up_at: facts.gave_up.then_some(0),
            unconfirmed_since: facts.unconfirmed_since,
            unlinked_at: facts.unlinked.then_some(0),
            ..ChannelRecord::default()
        }
    }

    fn person(role: Role) -> SignedIn {
        SignedIn {
            user_id: 1,
            email: "ada@example.com".into(),
            display_name: "Ada Owner".into(),
            workspace_id: 1,
            workspace_name: "Agency".into(),
            role,
            session_hash: String::new(),
        }
    }

    /// `list` over `channels` for an owner, with the ids of those shown.
    fn listed(
        channels: &[ChannelRecord],
        filter: &ChannelFilter,
        now: i64,
    ) -> (Vec<i64>, Listing, HealthFacts) {
        listed_by(&person(Role::Owner), channels, filter, now)
    }

    fn listed_by(
        person: &SignedIn,
        channels: &[ChannelRecord],
        filter: &ChannelFilter,
        now: i64,
    ) -> (Vec<i64>, Listing, HealthFacts) {
        let sheet = Sheet::read(Arc::new(channels.to_vec()), Troubles::default(), now);
        let (shown, listing, health) = list(&sheet, person, filter, now);
        (
            shown.iter().map(|&i| sheet.records[i].id).collect(),
            listing,
            health,
        )
    }

    fn healthy() -> ChannelFacts {
        ChannelFacts {
            renewable: true,
            ..ChannelFacts::default()
        }
    }

    fn dead() -> ChannelFacts {
        ChannelFacts {
            dead_reason: Some("revoked".into()),
            ..ChannelFacts::default()
        }
    }

    #[test]
    fn channels_that_need_a_person_come_first_nearest_deadline_first() {
        let lapsing = |at| ChannelFacts {
            reconsent_deadline: Some(at),
            renewable: true,
            ..ChannelFacts::default()
        };
        let cards = vec![
            card(1, "Alpha", healthy()),
            card(2, "Bravo", lapsing(3 * 86_400)),
            card(3, "Charlie", dead()),
            card(4, "Delta", lapsing(86_400)),
        ];
        let (shown, listing, _) = listed(&cards, &ChannelFilter::default(), 0);
        assert_eq!(shown, [3, 4, 2, 1]);
        assert_eq!(listing.counts[0].count, 3, "{:?}", listing.counts);
        assert_eq!(listing.counts[0].href, "/?show=attention");
        assert_eq!(
            listing.audience.as_deref(),
            Some("40 followers across 4 linked accounts")
        );
    }

    #[test]
    fn an_audience_no_network_told_is_not_called_zero() {
        let unknown = |id| {
            let mut card = card(id, "Imported", healthy());
            card.followers = None;
            card
        };
        let (_, listing, _) = listed(&[unknown(1), unknown(2)], &ChannelFilter::default(), 0);
        assert_eq!(listing.audience, None);
        let (_, listing, _) = listed(
            &[unknown(1), card(2, "Known", healthy())],
            &ChannelFilter::default(),
            0,
        );
        assert_eq!(
            listing.audience.as_deref(),
            Some("10 followers across 1 linked account")
        );
    }

    #[test]
    fn filters_by_state_network_and_words_and_cuts_pages() {
        let mut cards: Vec<_> = (1..=120)
            .map(|id| card(id, &format!("Shop {id}"), healthy()))
            .collect();
        cards.push(card(121, "Lost Bakery", dead()));
        let all = |page| ChannelFilter {
            page,
            ..ChannelFilter::default()
        };
        let (first, listing, _) = listed(&cards, &all(1), 0);
        assert_eq!(first.len(), PAGE_SIZE);
        assert_eq!(first[0], 121, "the dead one leads");
        assert_eq!((listing.page, listing.pages, listing.total), (1, 3, 121));
        assert_eq!(listing.next.as_deref(), Some("/?page=2"));
        let (last, listing, _) = listed(&cards, &all(9), 0);
        assert_eq!((listing.page, listing.first, last.len()), (3, 101, 21));
        assert_eq!(listing.previous.as_deref(), Some("/?page=2"));
        assert_eq!(listing.back_query, "?from=%2F%3Fpage%3D3");
        assert_eq!(listed(&cards, &all(1), 0).1.back_query, "");

        let only = |show: &str, network: &str, q: &str| ChannelFilter {
            show: show.into(),
            network: network.into(),
            q: q.into(),
            ..all(1)
        };
        let (found, ..) = listed(&cards, &only("needs_reauth", "", ""), 0);
        assert_eq!(found, [121]);
        let (found, ..) = listed(&cards, &only("", "", "@shop 11"), 0);
        assert_eq!(
            found,
            [11, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119]
        );
        let (found, listing, _) = listed(&cards, &only("", "x", "shop 1"), 0);
        assert!(found.iter().all(|id| id % 2 == 0), "{found:?}");
        assert_eq!(listing.matching, 16);
        let (_, listing, _) = listed(&cards, &only("", "x", "café & co"), 0);
        assert_eq!(listing.filter.q, "café & co");
        assert_eq!(
            href(&ChannelFilter {
                page: 2,
                ..listing.filter
            }),
            "/?network=x&q=caf%C3%A9+%26+co&page=2"
        );
    }

    #[test]
    fn a_filter_that_is_not_understood_is_said_and_dropped() {
        let cards = vec![card(1, "Alpha", healthy()), card(2, "Bravo", dead())];
        let odd = ChannelFilter {
            show: "dead".into(),
            network: "myspace".into(),
            q: String::new(),
            who: String::new(),
            page: 1,
        };
        let (shown, listing, _) = listed(&cards, &odd, 0);
        assert_eq!(shown.len(), 2);
        assert_eq!(
            listing.filter,
            ChannelFilter {
                page: 1,
                ..ChannelFilter::default()
            }
        );
        assert!(listing.notice.unwrap().contains("“myspace”"));
    }

    #[test]
    fn filters_by_the_person_responsible() {
        let kept_by = |id, name: &str, who: Option<(i64, &str)>| {
            let mut card = card(id, name, healthy());
            card.connector_id = who.map(|(id, _)| id);
            card.connected_by = who.map(|(_, name)| name.to_owned());
            card
        };
        let cards = vec![
            kept_by(1, "Alpha", Some((7, "Ed Editor"))),
            kept_by(2, "Bravo", Some((3, "Ada Owner"))),
            kept_by(3, "Charlie", Some((7, "Ed Editor"))),
            // Consented through an invite nobody sent any more, or seen by a viewer.
            kept_by(4, "Delta", None),
        ];
        let (_, listing, _) = listed(&cards, &ChannelFilter::default(), 0);
        assert_eq!(
            listing.people,
            [
                ("3".to_owned(), "Ada Owner".to_owned()),
                ("7".to_owned(), "Ed Editor".to_owned())
            ]
        );
        let eds = ChannelFilter {
            who: "7".into(),
            page: 1,
            ..ChannelFilter::default()
        };
        let (shown, listing, _) = listed(&cards, &eds, 0);
        assert_eq!(shown, [1, 3]);
        assert_eq!(href(&listing.filter), "/?who=7");
        assert!(listing.notice.is_none());
        // A person no channel here belongs to is said, and everyone's are shown.
        let (shown, listing, _) = listed(
            &cards,
            &ChannelFilter {
                who: "99".into(),
                ..eds
            },
            0,
        );
        assert_eq!(shown.len(), 4);
        assert!(listing.notice.unwrap().contains("that person"));
    }

    #[test]
    fn the_health_sign_ticks_only_what_may_change_today() {
        let failing_to_renew = ChannelFacts {
            access_expires_at: Some(3_600),
            retry_at: Some(600),
            renewable: true,
            ..ChannelFacts::default()
        };
        let cards = vec![
            card(1, "Alpha", healthy()),
            card(2, "Bravo", dead()),
            card(3, "Charlie", failing_to_renew),
        ];
        let (_, _, health) = listed(&cards, &ChannelFilter::default(), 0);
        assert_eq!(health.changing.len(), 1);
        assert_eq!((health.settled.total, health.settled.attention), (2, 1));
    }

    #[test]
    fn a_sheet_serves_until_its_records_troubles_or_a_state_change() {
        const DAY: i64 = 86_400;
        let lapsing = ChannelFacts {
            access_expires_at: Some(30 * DAY),
            ..ChannelFacts::default()
        };
        let records = Arc::new(vec![card(1, "Alpha", healthy()), card(2, "Bravo", lapsing)]);
        let sheets = Sheets::default();
        let read = |records: &Arc<Vec<ChannelRecord>>, troubles: Troubles, now| {
            sheets.sheet(7, records.clone(), troubles, now)
        };
        let first = read(&records, Troubles::default(), 0);
        let attention = |sheet: &Sheet, now| {
            list(sheet, &person(Role::Owner), &ChannelFilter::default(), now)
                .1
                .counts[0]
                .count
        };
        assert_eq!(attention(&first, 0), 0);
        assert!(Arc::ptr_eq(
            &first,
            &read(&records, Troubles::default(), 23 * DAY - 1)
        ));
        // Its last week begins: the state changes, so the sheet is read again.
        let week = read(&records, Troubles::default(), 23 * DAY);
        assert!(!Arc::ptr_eq(&first, &week));
        assert_eq!(attention(&week, 23 * DAY), 1);
        // A clock moved back is not served what a later moment read.
        assert!(!Arc::ptr_eq(&week, &read(&records, Troubles::default(), 0)));
        // New records, even equal ones, are other records.
        let copied = Arc::new(records.as_ref().clone());
        let again = read(&copied, Troubles::default(), 0);
        assert!(!Arc::ptr_eq(
            &again,
            &read(&records, Troubles::default(), 0)
        ));
        // An outage on YouTube turns Bravo's state.
        let outage = Troubles {
            outages: vec!["youtube".into()],
            refused: Vec::new(),
        };
        let troubled = read(&records, outage, 0);
        let (_, listing, _) = list(
            &troubled,
            &person(Role::Owner),
            &ChannelFilter::default(),
            0,
        );
        assert!(
            listing
                .counts
                .iter()
                .any(|c| c.show == "network_outage" && c.count == 1),
            "{:?}",
            listing.counts
        );
    }

    #[test]
    fn the_sheet_used_longest_ago_goes_first() {
        let records = Arc::new(vec![card(1, "Alpha", healthy())]);
        let sheets = Sheets::default();
        let get =
            |workspace_id| sheets.sheet(workspace_id, records.clone(), Troubles::default(), 0);
        let first = get(0);
        let second = get(1);
        for workspace_id in 2..MOST_SHEETS as i64 {
            get(workspace_id);
        }
        assert!(Arc::ptr_eq(&first, &get(0)), "used again, so kept longest");
        get(MOST_SHEETS as i64);
        assert!(Arc::ptr_eq(&first, &get(0)));
        assert!(
            !Arc::ptr_eq(&second, &get(1)),
            "the one used longest ago went"
        );
    }

    #[test]
    fn who_keeps_a_channel_is_hidden_from_those_who_may_not_see_it() {
        let mut kept = card(1, "Alpha", healthy());
        kept.connector_id = Some(7);
        kept.connected_by = Some("Ed Editor".into());
        let channels = [kept, card(2, "Bravo", healthy())];
        let eds = ChannelFilter {
            who: "7".into(),
            page: 1,
            ..ChannelFilter::default()
        };
        let (shown, listing, _) = listed(&channels, &eds, 0);
        assert_eq!((shown.as_slice(), listing.people.len()), (&[1][..], 1));
        let viewer = person(Role::Viewer);
        let (shown, listing, _) = listed_by(&viewer, &channels, &eds, 0);
        assert_eq!(shown.len(), 2, "the filter is dropped, not applied");
        assert!(listing.people.is_empty());
        assert!(listing.notice.unwrap().contains("that person"));
        let sheet = Sheet::read(Arc::new(channels.to_vec()), Troubles::default(), 0);
        assert_eq!(matching_ids(&sheet, &person(Role::Owner), &eds), [1]);
        assert_eq!(matching_ids(&sheet, &viewer, &eds), [1, 2]);
        assert_eq!(sheet.card(0, &viewer).connected_by, None);
        assert_eq!(
            sheet.card(0, &person(Role::Owner)).connected_by.as_deref(),
            Some("Ed Editor")
        );
    }
}
