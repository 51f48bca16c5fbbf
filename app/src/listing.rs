//! The dashboard's list for many channels: those that need a person first, sorted by
//! deadline; filtered by state, network and words; cut into pages; counted per state; and
//! the health sign's facts reduced to the channels that time may change today.

use crate::model::{ChannelCard, ChannelFilter, HealthFacts, Listing, StateCount};
use crate::pages::thousands;
use crate::status::{may_change_within, status, Health, State};

/// Channels per page: the first screen stays light with a thousand channels.
pub const PAGE_SIZE: usize = 50;
/// The health sign recomputes the channels whose state may change within this span.
const HEALTH_SPAN: i64 = 86_400;
/// Search words are cut to this length.
const MOST_SEARCH_CHARS: usize = 100;

/// The workspace's channels as the dashboard lists them, each with its network's key, with
/// what the networks' troubles add to their facts: an outage, Tether's app refused.
pub fn cards(
    records: Vec<engine::channels::ChannelRecord>,
    outages: &[engine::lifecycle::OutageReport],
    faults: &[engine::lifecycle::ConfigurationFault],
) -> Vec<(String, ChannelCard)> {
    records
        .into_iter()
        .map(|record| {
            let network = record.network.clone();
            let mut card = ChannelCard::from(record);
            card.facts.network_outage = outages.iter().any(|o| o.network == network);
            card.facts.app_refused = faults.iter().any(|f| f.network == network);
            (network, card)
        })
        .collect()
}

/// The ids of every channel `filter` matches at `now`, on every page: what a bulk action
/// on "all that match" acts on.
pub fn matching_ids(cards: &[(String, ChannelCard)], asked: &ChannelFilter, now: i64) -> Vec<i64> {
    let (filter, _) = understood(asked, cards);
    let words = filter.q.to_lowercase();
    cards
        .iter()
        .filter(|(network, card)| {
            shown(
                &filter,
                &words,
                network,
                card,
                status(&card.facts, now).state,
            )
        })
        .map(|(_, card)| card.id)
        .collect()
}

/// Whether a channel in `state` on `network` is one `filter` (its words lower-cased) shows.
fn shown(
    filter: &ChannelFilter,
    words: &str,
    network: &str,
    card: &ChannelCard,
    state: State,
) -> bool {
    (match filter.show.as_str() {
        "" => true,
        "attention" => state.needs_attention(),
        show => state.api_name() == show,
    }) && (filter.network.is_empty() || filter.network == network)
        && (filter.who.is_empty()
            || card.connector_id.map(|id| id.to_string()).as_deref() == Some(filter.who.as_str()))
        && (words.is_empty()
            || card.name.to_lowercase().contains(words)
            || card.handle.to_lowercase().contains(words))
}

/// One page of `cards` (each with its network's key) as `filter` asks, at `now`.
pub fn list(
    cards: Vec<(String, ChannelCard)>,
    asked: &ChannelFilter,
    now: i64,
) -> (Vec<ChannelCard>, Listing, HealthFacts) {
    let (filter, notice) = understood(asked, &cards);
    let total = cards.len();
    let mut counted = [0usize; State::ALL.len()];
    let mut changing = Vec::new();
    let mut settled_states = Vec::new();
    let mut settled_refused = 0;
    let mut networks: Vec<(String, String)> = Vec::new();
    let mut people: Vec<(String, String)> = Vec::new();
    // Only counts the networks told: an imported account's audience is unknown, not zero.
    let linked: Vec<i64> = cards
        .iter()
        .filter(|(_, c)| !c.facts.unlinked)
        .filter_map(|(_, c)| c.followers)
        .collect();
    let words = filter.q.to_lowercase();
    let mut matching: Vec<(State, Option<i64>, ChannelCard)> = Vec::new();
    for (network, card) in cards {
        let current = status(&card.facts, now);
        counted[State::ALL
            .iter()
            .position(|s| *s == current.state)
            .unwrap_or(0)] += 1;
        if may_change_within(&card.facts, now, HEALTH_SPAN) {
            changing.push(card.facts.clone());
        } else {
            settled_states.push(current.state);
            settled_refused += usize::from(card.facts.app_refused);
        }
        if !networks.iter().any(|(key, _)| *key == network) {
            networks.push((network.clone(), card.network_name.clone()));
        }
        if let (Some(id), Some(name)) = (card.connector_id, &card.connected_by) {
            let id = id.to_string();
            if !people.iter().any(|(known, _)| *known == id) {
                people.push((id, name.clone()));
            }
        }
        if shown(&filter, &words, &network, &card, current.state) {
            matching.push((current.state, current.deadline.map(|d| d.at), card));
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
    let shown: Vec<ChannelCard> = matching
        .into_iter()
        .skip(first)
        .take(PAGE_SIZE)
        .map(|(.., card)| card)
        .collect();
    networks.sort_by(|a, b| a.1.cmp(&b.1));
    people.sort_by(|a, b| a.1.cmp(&b.1));
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
fn understood(
    asked: &ChannelFilter,
    cards: &[(String, ChannelCard)],
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
    if !filter.network.is_empty() && !cards.iter().any(|(key, _)| *key == filter.network) {
        notice = Some(format!(
            "No channel here is on a network called “{}”; every network is shown.",
            filter.network
        ));
        filter.network.clear();
    }
    let responsible = |(_, card): &(String, ChannelCard)| {
        card.connector_id.map(|id| id.to_string()) == Some(filter.who.clone())
    };
    if !filter.who.is_empty() && !cards.iter().any(responsible) {
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

    fn card(id: i64, name: &str, facts: ChannelFacts) -> (String, ChannelCard) {
        (
            if id % 2 == 0 { "x" } else { "youtube" }.to_owned(),
            ChannelCard {
                id,
                network_name: if id % 2 == 0 { "X" } else { "YouTube" }.to_owned(),
                kind: "profile".into(),
                personal: true,
                name: name.into(),
                handle: format!("@{}", name.to_lowercase()),
                avatar_url: None,
                followers: Some(10),
                access: "Publishing".into(),
                connected_by: None,
                connector_id: None,
                through_invite: false,
                connector_left: false,
                facts,
            },
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

    fn ids(cards: &[ChannelCard]) -> Vec<i64> {
        cards.iter().map(|c| c.id).collect()
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
        let (shown, listing, _) = list(cards, &ChannelFilter::default(), 0);
        assert_eq!(ids(&shown), [3, 4, 2, 1]);
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
            let (network, mut card) = card(id, "Imported", healthy());
            card.followers = None;
            (network, card)
        };
        let (_, listing, _) = list(vec![unknown(1), unknown(2)], &ChannelFilter::default(), 0);
        assert_eq!(listing.audience, None);
        let (_, listing, _) = list(
            vec![unknown(1), card(2, "Known", healthy())],
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
        let (first, listing, _) = list(cards.clone(), &all(1), 0);
        assert_eq!(first.len(), PAGE_SIZE);
        assert_eq!(first[0].id, 121, "the dead one leads");
        assert_eq!((listing.page, listing.pages, listing.total), (1, 3, 121));
        assert_eq!(listing.next.as_deref(), Some("/?page=2"));
        let (last, listing, _) = list(cards.clone(), &all(9), 0);
        assert_eq!((listing.page, listing.first, last.len()), (3, 101, 21));
        assert_eq!(listing.previous.as_deref(), Some("/?page=2"));
        assert_eq!(listing.back_query, "?from=%2F%3Fpage%3D3");
        assert_eq!(list(cards.clone(), &all(1), 0).1.back_query, "");

        let only = |show: &str, network: &str, q: &str| ChannelFilter {
            show: show.into(),
            network: network.into(),
            q: q.into(),
            ..all(1)
        };
        let (found, ..) = list(cards.clone(), &only("needs_reauth", "", ""), 0);
        assert_eq!(ids(&found), [121]);
        let (found, ..) = list(cards.clone(), &only("", "", "@shop 11"), 0);
        assert_eq!(
            ids(&found),
            [11, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119]
        );
        let (found, listing, _) = list(cards.clone(), &only("", "x", "shop 1"), 0);
        assert!(found.iter().all(|c| c.id % 2 == 0), "{:?}", ids(&found));
        assert_eq!(listing.matching, 16);
        let (_, listing, _) = list(cards.clone(), &only("", "x", "café & co"), 0);
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
        let (shown, listing, _) = list(cards, &odd, 0);
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
            let (network, mut card) = card(id, name, healthy());
            card.connector_id = who.map(|(id, _)| id);
            card.connected_by = who.map(|(_, name)| name.to_owned());
            (network, card)
        };
        let cards = vec![
            kept_by(1, "Alpha", Some((7, "Ed Editor"))),
            kept_by(2, "Bravo", Some((3, "Ada Owner"))),
            kept_by(3, "Charlie", Some((7, "Ed Editor"))),
            // Consented through an invite nobody sent any more, or seen by a viewer.
            kept_by(4, "Delta", None),
        ];
        let (_, listing, _) = list(cards.clone(), &ChannelFilter::default(), 0);
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
        let (shown, listing, _) = list(cards.clone(), &eds, 0);
        assert_eq!(ids(&shown), [1, 3]);
        assert_eq!(href(&listing.filter), "/?who=7");
        assert!(listing.notice.is_none());
        // A person no channel here belongs to is said, and everyone's are shown.
        let (shown, listing, _) = list(
            cards.clone(),
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
        let (_, _, health) = list(cards, &ChannelFilter::default(), 0);
        assert_eq!(health.changing.len(), 1);
        assert_eq!((health.settled.total, health.settled.attention), (2, 1));
    }
}
