//! The dashboard's list for many channels: those that need a person first, sorted by
//! deadline; filtered by state, network and words; cut into pages; counted per state; and
//! the health sign's facts reduced to the channels that time may change today.
//!
//! It reads each channel through a [`Row`] borrowed from the engine's kept records, and makes
//! a [`ChannelCard`] only for the rows a page shows: with ten thousand channels, copying each
//! record into a card cost more than all the rest of a render.

use crate::model::{ChannelCard, ChannelFilter, HealthFacts, Listing, StateCount};
use crate::pages::thousands;
use crate::status::{deadline, may_change_within, state, ChannelFacts, Health, State};
use engine::accounts::SignedIn;
use engine::channels::ChannelRecord;
use engine::lifecycle::{ConfigurationFault, OutageReport};

/// Channels per page: the first screen stays light with a thousand channels.
pub const PAGE_SIZE: usize = 50;
/// The health sign recomputes the channels whose state may change within this span.
const HEALTH_SPAN: i64 = 86_400;
/// Search words are cut to this length.
const MOST_SEARCH_CHARS: usize = 100;

/// What the listing reads of one channel.
#[derive(Clone, Debug)]
pub struct Row<'a> {
    pub id: i64,
    /// The network's key, as filters name it.
    pub network: &'a str,
    pub network_name: &'a str,
    pub name: &'a str,
    pub handle: &'a str,
    pub followers: Option<i64>,
    /// Who keeps it, by user id and name, when the person may see that.
    pub connector: Option<(i64, &'a str)>,
    /// With what the networks' troubles add: an outage, Tether's app refused.
    pub facts: ChannelFacts,
}

/// Each record as a row, as `person` may see it, with what the networks' troubles add to
/// its facts.
pub fn rows<'a>(
    records: &'a [ChannelRecord],
    outages: &[OutageReport],
    faults: &[ConfigurationFault],
    person: &SignedIn,
) -> Vec<Row<'a>> {
    records
        .iter()
        .map(|record| {
            let mut facts = facts(record);
            facts.network_outage = outages.iter().any(|o| o.network == record.network);
            facts.app_refused = faults.iter().any(|f| f.network == record.network);
            Row {
                id: record.id,
                network: &record.network,
                network_name: &record.network_name,
                name: &record.name,
                handle: &record.handle,
                followers: record.followers,
                connector: record.connector_seen_by(person),
                facts,
            }
        })
        .collect()
}

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

/// The card a page shows for `record`, read as `row`.
pub fn card(record: &ChannelRecord, row: &Row) -> ChannelCard {
    ChannelCard {
        connected_by: row.connector.map(|(_, name)| name.to_owned()),
        connector_id: row.connector.map(|(id, _)| id),
        facts: row.facts.clone(),
        ..ChannelCard::from(record.clone())
    }
}

/// The ids of every channel `filter` matches at `now`, on every page: what a bulk action
/// on "all that match" acts on.
pub fn matching_ids(rows: &[Row], asked: &ChannelFilter, now: i64) -> Vec<i64> {
    let (filter, _) = understood(asked, rows);
    let words = filter.q.to_lowercase();
    rows.iter()
        .filter(|row| shown(&filter, &words, row, state(&row.facts, now)))
        .map(|row| row.id)
        .collect()
}

/// Whether a channel in `state` is one `filter` (its words lower-cased) shows.
fn shown(filter: &ChannelFilter, words: &str, row: &Row, state: State) -> bool {
    (match filter.show.as_str() {
        "" => true,
        "attention" => state.needs_attention(),
        show => state.api_name() == show,
    }) && (filter.network.is_empty() || filter.network == row.network)
        && (filter.who.is_empty()
            || row.connector.map(|(id, _)| id.to_string()).as_deref() == Some(filter.who.as_str()))
        && (words.is_empty()
            || row.name.to_lowercase().contains(words)
            || row.handle.to_lowercase().contains(words))
}

/// One page of `rows` as `filter` asks, at `now`: the indices of the rows shown, in order.
pub fn list(rows: &[Row], asked: &ChannelFilter, now: i64) -> (Vec<usize>, Listing, HealthFacts) {
    let (filter, notice) = understood(asked, rows);
    let total = rows.len();
    let mut counted = [0usize; State::ALL.len()];
    let mut changing = Vec::new();
    let mut settled_states = Vec::new();
    let mut settled_refused = 0;
    let mut networks: Vec<(&str, &str)> = Vec::new();
    let mut people: Vec<(i64, &str)> = Vec::new();
    // Only counts the networks told: an imported account's audience is unknown, not zero.
    let linked: Vec<i64> = rows
        .iter()
        .filter(|r| !r.facts.unlinked)
        .filter_map(|r| r.followers)
        .collect();
    let words = filter.q.to_lowercase();
    let mut matching: Vec<(State, Option<i64>, usize)> = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let current = state(&row.facts, now);
        counted[State::ALL.iter().position(|s| *s == current).unwrap_or(0)] += 1;
        if may_change_within(&row.facts, now, HEALTH_SPAN) {
            changing.push(row.facts.clone());
        } else {
            settled_states.push(current);
            settled_refused += usize::from(row.facts.app_refused);
        }
        if !networks.iter().any(|(key, _)| *key == row.network) {
            networks.push((row.network, row.network_name));
        }
        if let Some((id, name)) = row.connector {
            if !people.iter().any(|(known, _)| *known == id) {
                people.push((id, name));
            }
        }
        if shown(&filter, &words, row, current) {
            matching.push((current, deadline(&row.facts).map(|d| d.at), index));
        }
    }
    // What needs a person comes first, the nearest deadline (or the longest outage) first;
    // the rest keep their order by name.
    matching.sort_by_key(|(state, deadline, _)| {
        if state.needs_attention() {
            (0, deadline.unwrap_or(i64::MIN))
        } else {
            (1, 0)
        }
    });
    let pages = matching.len().div_ceil(PAGE_SIZE).max(1);
    let page = filter.page.clamp(1, pages);
    let first = (page - 1) * PAGE_SIZE;
    let matched = matching.len();
    let shown: Vec<usize> = matching
        .into_iter()
        .skip(first)
        .take(PAGE_SIZE)
        .map(|(.., index)| index)
        .collect();
    networks.sort_by(|a, b| a.1.cmp(b.1));
    people.sort_by(|a, b| a.1.cmp(b.1));
    let networks: Vec<(String, String)> = networks
        .into_iter()
        .map(|(key, name)| (key.to_owned(), name.to_owned()))
        .collect();
    let people: Vec<(String, String)> = people
        .into_iter()
        .map(|(id, name)| (id.to_string(), name.to_owned()))
        .collect();
    let attention: usize = State::ALL
        .iter()
        .zip(counted)
        .filter(|(s, _)| s.needs_attention())
        .map(|(_, n)| n)
        .sum();
    let mut counts = vec![StateCount {
        show: "attention".into(),
        icon: "!".into(),
        label: "Need attention".into(),
        count: attention,
        href: href(&ChannelFilter {
            show: "attention".into(),
            ..ChannelFilter::default()
        }),
    }];
    counts.extend(
        State::ALL
            .iter()
            .zip(counted)
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
    let audience = (!linked.is_empty()).then(|| {
        format!(
            "{} followers across {} linked account{}",
            thousands(linked.iter().sum()),
            thousands(linked.len() as i64),
            if linked.len() == 1 { "" } else { "s" }
        )
    });
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
        total,
        matching: matched,
        first: first + 1,
        page,
        pages,
        previous: (page > 1).then(|| at_page(page - 1)),
        next: (page < pages).then(|| at_page(page + 1)),
        counts,
        networks,
        people,
        audience,
        filter: ChannelFilter { page, ..filter },
    };
    let settled = Health::of(&settled_states).with_app_refused(settled_refused);
    (shown, listing, HealthFacts { changing, settled })
}

/// The filter with what was not understood dropped, and a sentence saying so.
fn understood(asked: &ChannelFilter, rows: &[Row]) -> (ChannelFilter, Option<String>) {
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
    if !filter.network.is_empty() && !rows.iter().any(|row| row.network == filter.network) {
        notice = Some(format!(
            "No channel here is on a network called “{}”; every network is shown.",
            filter.network
        ));
        filter.network.clear();
    }
    let responsible =
        |row: &Row| row.connector.map(|(id, _)| id.to_string()) == Some(filter.who.clone());
    if !filter.who.is_empty() && !rows.iter().any(responsible) {
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
    use crate::status::ChannelFacts;

    /// A channel as a test owns it; `row` lends it to the listing.
    struct Channel {
        id: i64,
        name: String,
        handle: String,
        followers: Option<i64>,
        connector: Option<(i64, String)>,
        facts: ChannelFacts,
    }

    fn card(id: i64, name: &str, facts: ChannelFacts) -> Channel {
        Channel {
            id,
            name: name.into(),
            handle: format!("@{}", name.to_lowercase()),
            followers: Some(10),
            connector: None,
            facts,
        }
    }

    fn row(channel: &Channel) -> Row<'_> {
        let even = channel.id % 2 == 0;
        Row {
            id: channel.id,
            network: if even { "x" } else { "youtube" },
            network_name: if even { "X" } else { "YouTube" },
            name: &channel.name,
            handle: &channel.handle,
            followers: channel.followers,
            connector: channel
                .connector
                .as_ref()
                .map(|(id, name)| (*id, name.as_str())),
            facts: channel.facts.clone(),
        }
    }

    /// `list` over `channels`, with the ids of those shown.
    fn listed(
        channels: &[Channel],
        filter: &ChannelFilter,
        now: i64,
    ) -> (Vec<i64>, Listing, HealthFacts) {
        let rows: Vec<Row> = channels.iter().map(row).collect();
        let (shown, listing, health) = list(&rows, filter, now);
        (shown.iter().map(|&i| rows[i].id).collect(), listing, health)
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
            card.connector = who.map(|(id, name)| (id, name.to_owned()));
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
}
