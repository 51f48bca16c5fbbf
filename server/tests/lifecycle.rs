//! The lifecycle engine against the sandbox networks: renewals the way each network allows,
//! dead tokens found by the next check, outages that turn nothing red, single-flight token
//! hand-outs through the API, API keys, the channel page and the metrics.

mod common;

use chrono::TimeDelta;
use common::{location, Backend, Landing, TestApp};
use engine::crypto::Secret;
use engine::lifecycle::Pacing;
use engine::networks::call::ApiCall;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;
use std::time::Duration;

async fn app(backend: Backend) -> TestApp {
    let app = common::spawn_app(backend).await;
    app.set_up_owner().await;
    app
}

/// Connects everything `person` offers on `network`; returns the new channels' ids.
async fn connect(app: &TestApp, network: &str, person: &str) -> Vec<i64> {
    let before = ids(app, network).await;
    let consent = app
        .start_connect_on(network, &format!("{network} {person}"), "metrics")
        .await;
    let callback = app.consent_as(&consent, person, "approve", &[]).await;
    if let Landing::Pick(path) = app.land(&callback).await {
        app.pick(&path, None).await;
    }
    let mut new = ids(app, network).await;
    new.retain(|id| !before.contains(id));
    assert!(!new.is_empty(), "nothing connected on {network}");
    new
}

async fn ids(app: &TestApp, network: &str) -> Vec<i64> {
    sqlx::query("SELECT id FROM channels WHERE network = $1 ORDER BY id")
        .bind(network)
        .fetch_all(app.engine.db().pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("id"))
        .collect()
}

/// An engine on the app's database and clock that gives up on a network call quickly.
fn impatient(app: &TestApp) -> engine::Engine {
    app.engine.clone().with_pacing(Pacing {
        call_timeout: Duration::from_millis(500),
        ..Pacing::default()
    })
}

/// Whether the network accepts `token` for its identity call.
async fn works(app: &TestApp, network: &str, token: &Secret) -> bool {
    let network = app.engine.networks().get(network).unwrap();
    let http = engine::oauth::http_client(Duration::from_secs(5));
    let call = ApiCall {
        http: &http,
        network,
        token,
        granted: &[],
    };
    network.profile.adapter.discover(&call).await.is_ok()
}

struct Credential {
    access_expires_at: Option<i64>,
    due_at: Option<i64>,
    reconsent_deadline: Option<i64>,
    dead_reason: Option<String>,
}

async fn credential(app: &TestApp, channel: i64) -> Credential {
    let row = sqlx::query(
        "SELECT access_expires_at, due_at, reconsent_deadline, dead_reason FROM credentials \
         WHERE channel_id = $1",
    )
    .bind(channel)
    .fetch_one(app.engine.db().pool())
    .await
    .unwrap();
    Credential {
        access_expires_at: row.get("access_expires_at"),
        due_at: row.get("due_at"),
        reconsent_deadline: row.get("reconsent_deadline"),
        dead_reason: row.get("dead_reason"),
    }
}

/// When each of the channel's events of `kind` happened.
async fn event_times(app: &TestApp, channel: i64, kind: &str) -> Vec<i64> {
    sqlx::query("SELECT at FROM events WHERE channel_id = $1 AND kind = $2 ORDER BY at, id")
        .bind(channel)
        .bind(kind)
        .fetch_all(app.engine.db().pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("at"))
        .collect()
}

fn now(app: &TestApp) -> i64 {
    app.clock.now().timestamp()
}

/// Walks the clock in `step`s for `span`, sweeping after each step, and checks after every
/// sweep that no channel Tether can renew has lapsed and none was found dead.
async fn walk(app: &TestApp, channels: &[i64], step: TimeDelta, span: TimeDelta) {
    let steps = span.num_seconds() / step.num_seconds();
    for _ in 0..steps {
        app.advance(step);
        app.engine.sweep().await.unwrap();
        for &channel in channels {
            let c = credential(app, channel).await;
            assert_eq!(c.dead_reason, None, "channel {channel} died");
            if let Some(at) = c.access_expires_at {
                assert!(at > now(app), "channel {channel} lapsed at {at}");
            }
        }
    }
}

async fn short_lived_tokens_are_renewed_inside_their_margin_and_never_lapse(backend: Backend) {
    let app = app(backend).await;
    let x = connect(&app, "x", "1460000000000000001").await[0];
    let youtube = connect(&app, "youtube", "UC4x7Lind0Bakery000000a").await[0];
    let sandbox = connect(&app, "sandbox", "sbx-1001").await[0];
    let connected_at = now(&app);
    walk(
        &app,
        &[x, youtube, sandbox],
        TimeDelta::minutes(5),
        TimeDelta::hours(6),
    )
    .await;

    // X's 2 h tokens rotate: each refresh token is spent only in the last 20 minutes.
    let x_renewals = event_times(&app, x, "refreshed").await;
    assert_eq!(x_renewals.len(), 3, "{x_renewals:?}");
    let mut previous = connected_at;
    for at in &x_renewals {
        assert!(
            at - previous >= 100 * 60,
            "renewed after {} s",
            at - previous
        );
        previous = *at;
    }
    assert_eq!(app.sandbox_state("x").await["counters"]["refreshes"], 3);
    // One-hour tokens (YouTube's reusable, the sandbox's rotating) are renewed every
    // 50 minutes or so, and never before.
    for channel in [youtube, sandbox] {
        let renewals = event_times(&app, channel, "refreshed").await;
        assert!((6..=7).contains(&renewals.len()), "{renewals:?}");
    }
    let token = app.engine.access_token(x).await.unwrap();
    assert!(works(&app, "x", &token).await);
}

async fn long_lived_tokens_are_extended_once_old_enough_and_deadlines_stay_fixed(backend: Backend) {
    let app = app(backend).await;
    let instagram = connect(&app, "instagram", "17841400000001").await[0];
    let threads = connect(&app, "threads", "th-3001").await[0];
    let linkedin = connect(&app, "linkedin", "li-aB3x9").await;
    let facebook = connect(&app, "facebook", "fb-501").await;
    let connected_at = now(&app);
    let linkedin_wall = credential(&app, linkedin[0]).await.reconsent_deadline;
    assert!(linkedin_wall.is_some());
    let mut all = vec![instagram, threads];
    all.extend(&linkedin);
    all.extend(&facebook);
    walk(&app, &all, TimeDelta::hours(6), TimeDelta::days(60)).await;

    // Instagram and Threads: extended in place once, around half their 60 days (which
    // leaves the other half for retries), never early.
    for channel in [instagram, threads] {
        let renewals = event_times(&app, channel, "refreshed").await;
        assert_eq!(renewals.len(), 1, "{renewals:?}");
        assert!(renewals[0] - connected_at >= 30 * 86_400, "{renewals:?}");
    }
    // LinkedIn: refreshed three days before its 60 days end; the 365-day wall did not move.
    for &channel in &linkedin {
        let renewals = event_times(&app, channel, "refreshed").await;
        assert_eq!(renewals.len(), 1, "{renewals:?}");
        assert!(renewals[0] - connected_at >= 57 * 86_400);
        assert_eq!(
            credential(&app, channel).await.reconsent_deadline,
            linkedin_wall
        );
    }
    // Facebook Page tokens do not expire: checked, never renewed; the data-access
    // deadline stays where consent put it.
    for &channel in &facebook {
        assert!(event_times(&app, channel, "refreshed").await.is_empty());
        assert!(credential(&app, channel).await.reconsent_deadline.is_some());
    }
    let checked: i64 = sqlx::query("SELECT COUNT(*) AS n FROM credentials WHERE checked_at > $1")
        .bind(now(&app) - 8 * 3600)
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap()
        .get("n");
    assert_eq!(
        checked,
        all.len() as i64,
        "every channel was checked lately"
    );
}

async fn each_dead_token_event_is_found_by_the_next_check_with_its_reason(backend: Backend) {
    let events = [
        ("facebook", "fb-501", "password_changed"),
        ("facebook", "fb-501", "checkpoint"),
        ("facebook", "fb-501", "unconfirmed"),
        ("facebook", "fb-501", "data_access_expired"),
        ("linkedin", "li-aB3x9", "revoked"),
    ];
    for (network, person, reason) in events {
        let app = app(backend).await;
        let channels = connect(&app, network, person).await;
        app.sandbox_control(
            network,
            json!({"action": "account", "person": person, "reason": reason}),
        )
        .await;
        // Nothing is due yet: the check interval has not passed.
        assert_eq!(app.engine.sweep().await.unwrap().worked(), 0);
        app.advance(TimeDelta::hours(8));
        let report = app.engine.sweep().await.unwrap();
        assert_eq!(
            report.dead,
            channels.len(),
            "{network} {reason}: {report:?}"
        );
        for &channel in &channels {
            assert_eq!(
                credential(&app, channel).await.dead_reason.as_deref(),
                Some(reason),
                "{network} {reason}"
            );
            let page = app.page(&format!("/channels/{channel}")).await;
            assert!(page.contains("Check failed"), "{page}");
            assert!(page.contains("still down"), "{page}");
        }
        let words = engine::networks::DeadReason::parse(reason).unwrap().words();
        assert!(app.page("/").await.contains(words), "{network} {reason}");
    }

    // A lost Page role kills that Page (and its Instagram account), not the other Page.
    let app = app(backend).await;
    let channels = connect(&app, "facebook", "fb-501").await;
    let role = sqlx::query(
        "SELECT id, kind, external_account_id FROM channels WHERE kind = 'page' ORDER BY id",
    )
    .fetch_all(app.engine.db().pool())
    .await
    .unwrap();
    let (lost_page, kept_page): (i64, i64) = (role[0].get("id"), role[1].get("id"));
    let lost_external: String = role[0].get("external_account_id");
    app.sandbox_control(
        "facebook",
        json!({"action": "lose_role", "person": "fb-501", "page": lost_external}),
    )
    .await;
    app.advance(TimeDelta::hours(8));
    app.engine.sweep().await.unwrap();
    assert_eq!(
        credential(&app, lost_page).await.dead_reason.as_deref(),
        Some("lost_role")
    );
    assert_eq!(credential(&app, kept_page).await.dead_reason, None);
    let instagram = channels
        .iter()
        .copied()
        .find(|c| ![lost_page, kept_page].contains(c))
        .unwrap();
    assert_eq!(
        credential(&app, instagram).await.dead_reason.as_deref(),
        Some("lost_role"),
        "the Instagram account hangs off the lost Page"
    );
}

async fn a_channel_failing_alone_is_handed_to_a_person(backend: Backend) {
    let app = app(backend).await;
    let key = create_api_key(&app, "monitor").await;
    let alone = connect(&app, "x", "1460000000000000001").await[0];
    let working = connect(&app, "x", "1460000000000000002").await[0];
    let give_up_after = Pacing::default().give_up_after;
    // The owner's renewals go straight to the engine: more clicks than a person's burst
    // would be cut off by the rate limit, and that is not what this test is about.
    let owner = common::person(&app, "ada@example.com", common::OWNER_PASSWORD).await;
    // Whenever the lone channel's retry is due, X fails it; in between, X renews the other
    // channel: the trouble is this channel's, not the network's.
    for tries in 1..=give_up_after {
        let due_at = credential(&app, alone).await.due_at.unwrap();
        app.advance(TimeDelta::seconds((due_at - now(&app)).max(0)));
        app.sandbox_control("x", json!({"action": "weather", "weather": "down"}))
            .await;
        app.engine.sweep().await.unwrap();
        app.sandbox_control("x", json!({"action": "weather", "weather": "normal"}))
            .await;
        app.engine.refresh_now(&owner, working).await.unwrap();
        assert!(
            app.engine.outages().await.unwrap().is_empty(),
            "try {tries}"
        );
        let states = api_states(&app, &key).await;
        let (_, state, needs_person) = states.iter().find(|(id, ..)| *id == alone).unwrap();
        assert_eq!(
            *needs_person,
            tries == give_up_after,
            "try {tries}: {state}"
        );
    }
    for (id, state, needs_person) in api_states(&app, &key).await {
        if id == alone {
            assert_eq!(state, "needs_reauth");
        } else {
            assert_eq!((state.as_str(), needs_person), ("connected", false));
        }
    }
    let dashboard = app.page("/").await;
    assert!(
        dashboard.contains("Tether could not renew access after many tries"),
        "{dashboard}"
    );
}

/// Imports `count` X profiles, @{handle}0 and on, into the only workspace; returns its id.
async fn import_x_profiles(app: &TestApp, count: usize, handle: &str) -> i64 {
    let tokens: Vec<engine::import::ImportedToken> = (0..count)
        .map(|n| {
            serde_json::from_value(json!({
                "network": "x",
                "kind": "profile",
                "account_id": format!("146000000000000{n:04}"),
                "handle": format!("@{handle}{n}"),
                "access_token": format!("access-{n}"),
                "refresh_token": format!("refresh-{n}"),
                "expires_in": 7200,
            }))
            .unwrap()
        })
        .collect();
    let workspace: i64 = sqlx::query_scalar("SELECT id FROM workspaces")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap();
    app.engine
        .import_tokens(workspace, &tokens, 1)
        .await
        .unwrap();
    workspace
}

/// Each workspace's channel list is kept in memory between writes. A write by any process
/// (here straight to the database, as another Tether sharing it would) is in the next read.
async fn the_channel_list_is_read_again_after_any_write_it_shows(backend: Backend) {
    let app = app(backend).await;
    let pool = app.engine.db().pool();
    let workspace = import_x_profiles(&app, 2, "kept").await;
    let owner: i64 = sqlx::query_scalar("SELECT id FROM users")
        .fetch_one(pool)
        .await
        .unwrap();
    let channel = app.engine.workspace_channels(workspace).await.unwrap()[0].id;
    let read = || async {
        app.engine
            .workspace_channels(workspace)
            .await
            .unwrap()
            .into_iter()
            .find(|record| record.id == channel)
    };
    let write = |sql: &'static str, value: i64| async move {
        sqlx::query(sql).bind(value).execute(pool).await.unwrap();
    };
    assert_eq!(
        read().await.unwrap().connected_by,
        None,
        "imported by no one"
    );

    write(
        "UPDATE channels SET name = 'Renamed elsewhere' WHERE id = $1",
        channel,
    )
    .await;
    assert_eq!(read().await.unwrap().name, "Renamed elsewhere");

    write("UPDATE credentials SET connected_by = $1", owner).await;
    assert_eq!(
        read().await.unwrap().connected_by.as_deref(),
        Some("Ada Owner")
    );

    write(
        "UPDATE users SET display_name = 'Ada King' WHERE id = $1",
        owner,
    )
    .await;
    assert_eq!(
        read().await.unwrap().connected_by.as_deref(),
        Some("Ada King")
    );

    assert!(!read().await.unwrap().connector_left);
    write(
        "UPDATE memberships SET role = 'viewer' WHERE user_id = $1",
        owner,
    )
    .await;
    assert!(
        read().await.unwrap().connector_left,
        "a viewer may not reconnect"
    );

    write(
        "INSERT INTO disconnections (workspace_id, channel_id, reason, started_at) \
         SELECT workspace_id, id, 'revoked', 1000 FROM channels WHERE id = $1",
        channel,
    )
    .await;
    assert_eq!(read().await.unwrap().down_since, Some(1000));
    write(
        "UPDATE disconnections SET ended_at = 2000 WHERE channel_id = $1",
        channel,
    )
    .await;
    assert_eq!(read().await.unwrap().down_since, None);

    write(
        "UPDATE credentials SET dead_reason = 'revoked' WHERE channel_id = $1",
        channel,
    )
    .await;
    assert!(read().await.unwrap().dead_reason.is_some());

    write("DELETE FROM channels WHERE id = $1", channel).await;
    assert!(read().await.is_none());
    assert_eq!(
        app.engine
            .workspace_channels(workspace)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// An agency's thousand channels came back in one answer, with no way to ask for the ones
/// that need a person: the list comes in pages by id, the `Link` header names the next
/// one with the same filter, and a filter or cursor that is not valid is refused in words.
async fn the_channel_list_comes_in_pages_and_filters_by_state(backend: Backend) {
    let app = app(backend).await;
    let key = create_api_key(&app, "monitor").await;
    import_x_profiles(&app, 7, "paged").await;
    let pool = app.engine.db().pool();
    let all: Vec<i64> = sqlx::query_scalar("SELECT id FROM channels ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap();
    // Three of them the network refused for good.
    let refused = [all[1], all[4], all[6]];
    for id in refused {
        sqlx::query("UPDATE credentials SET dead_reason = 'revoked' WHERE channel_id = $1")
            .bind(id)
            .execute(pool)
            .await
            .unwrap();
    }
    let list = |path: String| {
        let request = app.browser.get(app.url(&path)).bearer_auth(&key);
        async move { request.send().await.unwrap() }
    };
    let ids_and_next = |answer: reqwest::Response| async move {
        assert_eq!(answer.status(), StatusCode::OK);
        let next = answer
            .headers()
            .get(reqwest::header::LINK)
            .map(|link| link.to_str().unwrap().to_owned());
        let page: Vec<Value> = answer.json().await.unwrap();
        let ids: Vec<i64> = page.iter().map(|c| c["id"].as_i64().unwrap()).collect();
        (ids, next)
    };

    // Every channel, three at a time, following the Link header.
    let mut seen = Vec::new();
    let mut path = "/api/v1/channels?limit=3".to_owned();
    let mut pages = 0;
    loop {
        let (ids, next) = ids_and_next(list(path.clone()).await).await;
        seen.extend(ids);
        pages += 1;
        match next {
            Some(link) => {
                let target = link
                    .strip_prefix('<')
                    .and_then(|l| l.strip_suffix(">; rel=\"next\""))
                    .unwrap_or_else(|| panic!("not a next link: {link}"));
                path = target.to_owned();
            }
            None => break,
        }
    }
    assert_eq!(seen, all);
    assert_eq!(pages, 3, "3 + 3 + 1");

    // Only those that need a person, two at a time: the filter stays on the next page.
    let (first, next) =
        ids_and_next(list("/api/v1/channels?needs_person=true&limit=2".into()).await).await;
    assert_eq!(first, refused[..2]);
    let next = next.expect("a second page");
    assert!(next.contains("needs_person=true"), "{next}");
    let (second, last) = ids_and_next(
        list(format!(
            "/api/v1/channels?needs_person=true&limit=2&after={}",
            refused[1]
        ))
        .await,
    )
    .await;
    assert_eq!(second, refused[2..]);
    assert_eq!(last, None);
    let (reauth, _) = ids_and_next(list("/api/v1/channels?state=needs_reauth".into()).await).await;
    assert_eq!(reauth, refused);
    let (healthy, _) = ids_and_next(list("/api/v1/channels?state=connected".into()).await).await;
    assert_eq!(healthy.len(), 4);

    for (bad, words) in [
        ("?state=dead", "There is no state \"dead\""),
        ("?limit=0", "limit must be 1 to 500."),
        ("?limit=501", "limit must be 1 to 500."),
        ("?after=first", "The query is not valid"),
        ("?status=needs_reauth", "The query is not valid"),
    ] {
        let answer = list(format!("/api/v1/channels{bad}")).await;
        assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let error: Value = answer.json().await.unwrap();
        assert_eq!(error["error"], "invalid", "{bad}");
        assert!(
            error["message"].as_str().unwrap().contains(words),
            "{bad}: {error}"
        );
    }
}

/// The states the API reports, by channel.
async fn api_states(app: &TestApp, key: &str) -> Vec<(i64, String, bool)> {
    let channels: Vec<Value> = app
        .browser
        .get(app.url("/api/v1/channels"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    channels
        .iter()
        .map(|c| {
            (
                c["id"].as_i64().unwrap(),
                c["state"].as_str().unwrap().to_owned(),
                c["needs_person"].as_bool().unwrap(),
            )
        })
        .collect()
}

async fn three_hours_of_network_trouble_turn_no_channel_red(backend: Backend) {
    for weather in ["down", "slow", "rate_limited"] {
        let app = app(backend).await;
        let key = create_api_key(&app, "monitor").await;
        let channels = [
            connect(&app, "x", "1460000000000000001").await[0],
            connect(&app, "x", "1460000000000000002").await[0],
        ];
        let sweeper = impatient(&app);
        // Just before renewals are due, X goes wrong for three hours.
        app.advance(TimeDelta::minutes(95));
        sweeper.sweep().await.unwrap();
        app.sandbox_control("x", json!({"action": "weather", "weather": weather}))
            .await;
        // An hour in 5-minute steps, then two more hours in which the retries back off
        // further apart than the failures that began the outage.
        let steps = std::iter::repeat_n(5, 12).chain(std::iter::repeat_n(30, 4));
        for minutes in steps {
            app.advance(TimeDelta::minutes(minutes));
            sweeper.sweep().await.unwrap();
            let dashboard = app.page("/").await;
            for red in ["badge--expired", "badge--needs-reauth"] {
                assert!(!dashboard.contains(red), "{weather}: {red} shown");
            }
            for (id, state, needs_person) in api_states(&app, &key).await {
                assert!(
                    ["connected", "network_outage"].contains(&state.as_str()) && !needs_person,
                    "{weather}: channel {id} is {state}"
                );
            }
        }
        // By now the tokens have expired; the outage is said plainly, nobody is asked.
        for &channel in &channels {
            let expires = credential(&app, channel).await.access_expires_at.unwrap();
            assert!(
                expires < now(&app),
                "{weather}: the token outlived the trouble"
            );
        }
        let dashboard = app.page("/").await;
        // What happened, counted: not "many channels" whatever the count.
        assert!(dashboard.contains("X is having trouble."), "{weather}");
        assert!(
            dashboard.contains("2 of this workspace&#x27;s channels are failing because of it")
                || dashboard.contains("2 of this workspace's channels are failing because of it"),
            "{weather}: {dashboard}"
        );
        assert!(dashboard.contains("badge--outage"), "{weather}");
        for &channel in &channels {
            assert_eq!(credential(&app, channel).await.dead_reason, None);
        }
        // Seen from another workspace, the outage asks nobody to act either.
        let first: i64 = sqlx::query_scalar("SELECT workspace_id FROM channels WHERE id = $1")
            .bind(channels[0])
            .fetch_one(app.engine.db().pool())
            .await
            .unwrap();
        app.post_form("/workspaces", &[("name", "Second client")])
            .await;
        let other = app.page("/").await;
        assert!(other.contains("Second client"), "{weather}: {other}");
        assert!(
            !other.contains(r#"data-testid="elsewhere""#),
            "{weather}: {other}"
        );
        app.post_form("/workspace/switch", &[("workspace_id", &first.to_string())])
            .await;

        // The network recovers: the next retry renews both; the gap is on record.
        app.sandbox_control("x", json!({"action": "weather", "weather": "normal"}))
            .await;
        app.advance(TimeDelta::hours(1));
        let report = sweeper.sweep().await.unwrap();
        assert_eq!(report.renewed, 2, "{weather}: {report:?}");
        assert!(app.engine.outages().await.unwrap().is_empty());
        for &channel in &channels {
            let token = app.engine.access_token(channel).await.unwrap();
            assert!(works(&app, "x", &token).await, "{weather}");
            let page = app.page(&format!("/channels/{channel}")).await;
            assert!(
                page.contains("Renewals failed past the token&#x27;s expiry")
                    || page.contains("Renewals failed past the token's expiry"),
                "{page}"
            );
        }
    }
}

/// Creates an API key on the API keys page; returns the key shown once.
async fn create_api_key(app: &TestApp, name: &str) -> String {
    create_api_key_on(app, &[("name", name)]).await
}

/// A key created with the form's `fields` (name, what it may do, expiry, channels).
async fn create_api_key_on(app: &TestApp, fields: &[(&str, &str)]) -> String {
    let response = app.post_form("/settings/api-keys", fields).await;
    assert_eq!(location(&response), "/settings/api-keys");
    let page = app.page("/settings/api-keys").await;
    let html = scraper::Html::parse_document(&page);
    let selector = scraper::Selector::parse("#new-key").unwrap();
    let key = html
        .select(&selector)
        .next()
        .and_then(|input| input.value().attr("value"))
        .unwrap_or_else(|| panic!("no new key shown: {page}"))
        .to_owned();
    // Shown once: the page does not show it again.
    assert!(!app.page("/settings/api-keys").await.contains(&key));
    key
}

async fn a_thousand_concurrent_token_requests_cause_one_refresh(backend: Backend) {
    let app = app(backend).await;
    let key = create_api_key(&app, "publisher").await;
    let channel = connect(&app, "x", "1460000000000000001").await[0];
    let first = app.engine.access_token(channel).await.unwrap();
    // Three minutes left: too little to hand out, so the first request renews.
    app.advance(TimeDelta::minutes(117));
    let client = reqwest::Client::new();
    let url = app.url(&format!("/api/v1/channels/{channel}/token"));
    let requests: Vec<_> = (0..1000)
        .map(|_| {
            let (client, url, key) = (client.clone(), url.clone(), key.clone());
            tokio::spawn(async move {
                let response = client.post(url).bearer_auth(key).send().await.unwrap();
                assert_eq!(response.status(), StatusCode::OK);
                let body: Value = response.json().await.unwrap();
                body["access_token"].as_str().unwrap().to_owned()
            })
        })
        .collect();
    let mut tokens = Vec::new();
    for request in requests {
        tokens.push(request.await.unwrap());
    }
    assert_eq!(app.sandbox_state("x").await["counters"]["refreshes"], 1);
    assert!(tokens.iter().all(|t| t == &tokens[0]), "one token for all");
    assert_ne!(tokens[0], first.expose());
    assert!(works(&app, "x", &Secret::new(tokens[0].clone())).await);
    let handouts: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM token_handouts WHERE channel_id = $1")
            .bind(channel)
            .fetch_one(app.engine.db().pool())
            .await
            .unwrap()
            .get("n");
    assert_eq!(handouts, 1000, "every hand-out is on record");
}

async fn handouts_are_kept_for_ninety_days(backend: Backend) {
    let app = app(backend).await;
    let key = create_api_key(&app, "publisher").await;
    let channel = connect(&app, "x", "1460000000000000002").await[0];
    let client = reqwest::Client::new();
    let url = app.url(&format!("/api/v1/channels/{channel}/token"));
    let hand_out = || client.post(url.clone()).bearer_auth(key.clone()).send();
    let count = || async {
        sqlx::query("SELECT COUNT(*) AS n FROM token_handouts WHERE channel_id = $1")
            .bind(channel)
            .fetch_one(app.engine.db().pool())
            .await
            .unwrap()
            .get::<i64, _>("n")
    };
    assert_eq!(hand_out().await.unwrap().status(), StatusCode::OK);
    app.advance(TimeDelta::days(60));
    app.engine.notify_sweep().await.unwrap();
    assert_eq!(
        count().await,
        1,
        "a hand-out 60 days old is still on record"
    );
    // The renewals go on (the sandbox X token lives 2 h), so a token is handed out again.
    app.engine.sweep().await.unwrap();
    assert_eq!(hand_out().await.unwrap().status(), StatusCode::OK);
    app.advance(TimeDelta::days(31));
    app.engine.notify_sweep().await.unwrap();
    assert_eq!(
        count().await,
        1,
        "only the hand-out of the last 90 days is kept"
    );
}

/// Reconnecting a channel with another person's account left the first person's grant
/// alive at the network: it is revoked there now (RFC 7009), unless another channel still
/// holds it. The same person's fresh consent is left alone: on networks such as Google,
/// revoking any token of a grant ends all of it, the new tokens with it.
async fn a_replaced_grant_is_revoked_at_the_network(backend: Backend) {
    let app = app(backend).await;
    let channel = connect(&app, "x", "1460000000000000001").await[0];
    let reconnect = |person: &'static str| {
        let app = &app;
        async move {
            let response = app
                .post_form(
                    &format!("/channels/{channel}/reauthorize"),
                    &[("handover", "true")],
                )
                .await;
            let consent = url::Url::parse(&location(&response)).unwrap();
            let callback = app.consent_as(&consent, person, "approve", &[]).await;
            let Landing::Dashboard(html) = app.land(&callback).await else {
                panic!("no picker on reauthorize");
            };
            assert!(html.contains("Reconnected"), "{html}");
        }
    };
    let revocations = || async {
        app.sandbox_state("x").await["counters"]["revocations"]
            .as_u64()
            .unwrap()
    };
    reconnect("1460000000000000001").await;
    assert_eq!(revocations().await, 0, "the same person's grant stays");
    let theirs = app.engine.access_token(channel).await.unwrap();
    assert!(works(&app, "x", &theirs).await);

    reconnect("1460000000000000002").await;
    assert_eq!(revocations().await, 1);
    assert!(
        !works(&app, "x", &theirs).await,
        "the first person's grant is revoked"
    );
    let new = app.engine.access_token(channel).await.unwrap();
    assert!(works(&app, "x", &new).await);
}

/// A key could do everything, forever: now its creator says until when, whether it hands
/// out tokens or only reads, and on which channels.
async fn api_keys_keep_to_their_terms(backend: Backend) {
    let app = app(backend).await;
    let first = connect(&app, "x", "1460000000000000001").await[0];
    let second = connect(&app, "x", "1460000000000000002").await[0];
    let reader = create_api_key_on(&app, &[("name", "dashboard"), ("may", "read")]).await;
    let one = create_api_key_on(
        &app,
        &[("name", "one channel"), ("channel", &first.to_string())],
    )
    .await;
    let brief = create_api_key_on(&app, &[("name", "brief"), ("expires_in_days", "30")]).await;
    let page = app.page("/settings/api-keys").await;
    assert!(
        page.contains("Reads channels only · every channel · never expires"),
        "{page}"
    );
    assert!(
        page.contains("Reads channels and hands out their tokens · x 1460000000000000001"),
        "{page}"
    );

    let client = reqwest::Client::new();
    let call = |method: reqwest::Method, path: String, key: &str| {
        client
            .request(method, app.url(&path))
            .bearer_auth(key)
            .send()
    };
    let token_of = |channel: i64| format!("/api/v1/channels/{channel}/token");
    // Read only: reads, and is refused a token in words.
    let listed = call(reqwest::Method::GET, "/api/v1/channels".into(), &reader)
        .await
        .unwrap();
    assert_eq!(listed.status(), StatusCode::OK);
    let refused = call(reqwest::Method::POST, token_of(first), &reader)
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(
        body["message"],
        "This API key may read channels but not hand out their tokens."
    );
    // One channel: the other is not there for it.
    let listed: Value = call(reqwest::Method::GET, "/api/v1/channels".into(), &one)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<i64> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [first]);
    for path in [format!("/api/v1/channels/{second}"), token_of(second)] {
        let method = if path.ends_with("token") {
            reqwest::Method::POST
        } else {
            reqwest::Method::GET
        };
        assert_eq!(
            call(method, path, &one).await.unwrap().status(),
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        call(reqwest::Method::POST, token_of(first), &one)
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    // Thirty days, then it stops, saying so.
    assert_eq!(
        call(reqwest::Method::POST, token_of(second), &brief)
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    app.advance(TimeDelta::days(31));
    let expired = call(reqwest::Method::GET, "/api/v1/channels".into(), &brief)
        .await
        .unwrap();
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
    let body: Value = expired.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("This API key expired on"),
        "{body}"
    );
    // Channels of another workspace, or none at all, are refused when the key is made.
    let response = app
        .post_form(
            "/settings/api-keys",
            &[("name", "stray"), ("channel", "987654")],
        )
        .await;
    assert_eq!(location(&response), "/settings/api-keys");
    assert!(!app.page("/settings/api-keys").await.contains("stray"));
}

const METRICS_TOKEN: &str = "metrics-token-0123456789abcdef";

async fn the_api_answers_with_states_and_clear_errors(backend: Backend) {
    let app = common::spawn_app_with(backend, &[("TETHER_METRICS_TOKEN", METRICS_TOKEN)]).await;
    app.set_up_owner().await;
    let x = connect(&app, "x", "1460000000000000001").await[0];
    let linkedin = connect(&app, "linkedin", "li-aB3x9").await[0];
    let key = create_api_key(&app, "reporting").await;
    let api = |path: &str| app.url(&format!("/api/v1{path}"));
    let client = reqwest::Client::new();

    // Without a key, with a forged one: 401 with a sentence.
    for auth in [None, Some("tether_forged"), Some("Basic abc")] {
        let mut request = client.get(api("/channels"));
        if let Some(value) = auth {
            request = request.header("authorization", format!("Bearer {value}"));
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "unauthenticated");
    }

    let states = api_states(&app, &key).await;
    assert_eq!(states.len(), 4, "X and LinkedIn's three pages");
    assert!(states.iter().all(|(_, s, _)| s == "connected"));
    let one: Value = client
        .get(api(&format!("/channels/{x}")))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["network"], "x");
    assert!(one["access_expires_at"].as_i64().unwrap() > now(&app));
    assert!(one.get("access_token").is_none(), "no token in a listing");
    let token: Value = client
        .post(api(&format!("/channels/{x}/token")))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(token["token_type"], "Bearer");
    assert!(
        works(
            &app,
            "x",
            &Secret::new(token["access_token"].as_str().unwrap().to_owned())
        )
        .await
    );

    // A channel found dead needs a person: 409 with the reason.
    app.sandbox_control(
        "linkedin",
        json!({"action": "account", "person": "li-aB3x9", "reason": "revoked"}),
    )
    .await;
    app.advance(TimeDelta::hours(8));
    app.engine.sweep().await.unwrap();
    let response = client
        .post(api(&format!("/channels/{linkedin}/token")))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "needs_person");
    assert!(
        body["message"].as_str().unwrap().contains("revoked"),
        "{body}"
    );

    // Another workspace's channel does not exist for this key.
    let response = client
        .get(api("/channels/999999"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // Revoked: refused at once.
    let page = app.page("/settings/api-keys").await;
    let key_id: i64 = sqlx::query("SELECT id FROM api_keys")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap()
        .get("id");
    assert!(page.contains("reporting"));
    app.post_form(&format!("/settings/api-keys/{key_id}/revoke"), &[])
        .await;
    assert!(app.page("/settings/api-keys").await.contains("Revoked"));
    let response = client
        .get(api("/channels"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // The OpenAPI document describes the routes; the metrics count states and work.
    let openapi: Value = client
        .get(api("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/channels",
        "/api/v1/channels/{id}",
        "/api/v1/channels/{id}/token",
    ] {
        assert!(openapi["paths"].get(path).is_some(), "{path} undocumented");
    }
    assert!(openapi["components"]["securitySchemes"]["api_key"].is_object());
    let list_parameters: Vec<&str> = openapi["paths"]["/api/v1/channels"]["get"]["parameters"]
        .as_array()
        .expect("the list's parameters")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(
        list_parameters,
        ["state", "needs_person", "after", "limit"],
        "the list's filters and cursor are documented"
    );
    let metrics = reqwest::Client::new()
        .get(app.url("/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("tether_channels{state=\"connected\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("tether_channels{state=\"needs_reauth\"} 3"),
        "{metrics}"
    );
    assert!(
        metrics.contains("tether_token_handouts_total{network=\"x\"} 1"),
        "{metrics}"
    );
    assert!(metrics
        .contains("tether_failures_total{network=\"linkedin\",action=\"check\",class=\"dead\"} 3"));
}

async fn the_channel_page_shows_history_and_renews_or_checks_on_demand(backend: Backend) {
    let app = app(backend).await;
    let channel = connect(&app, "x", "1460000000000000001").await[0];
    let path = format!("/channels/{channel}");
    let page = app.page(&path).await;
    for words in [
        "Authenticated",
        "by Ada Owner",
        "Access token expires",
        "refresh token, single use, rotates",
        "Never down since it was connected.",
        "Connected",
    ] {
        assert!(page.contains(words), "{words}: {page}");
    }
    let response = app.post_form(&format!("{path}/refresh"), &[]).await;
    assert_eq!(location(&response), path);
    let page = app.page(&path).await;
    assert!(
        page.contains("Renewed at X: the new access token lasts 2 h 0 min."),
        "{page}"
    );
    assert!(page.contains("Renewed"));
    app.post_form(&format!("{path}/check"), &[]).await;
    assert!(app
        .page(&path)
        .await
        .contains("Checked: X confirms the token works."));
    // While X is down, "check now" says so and changes nothing.
    app.sandbox_control("x", json!({"action": "weather", "weather": "down"}))
        .await;
    app.post_form(&format!("{path}/check"), &[]).await;
    let page = app.page(&path).await;
    assert!(page.contains("X did not answer (transient)"), "{page}");
    assert_eq!(credential(&app, channel).await.dead_reason, None);
}

/// Makes the database refuse every lease after the first two, the way a database that
/// fails mid-sweep would refuse a claim; giving leases back still works.
async fn refuse_leases_after_two(app: &TestApp) {
    let sql = match app.engine.db().backend() {
        engine::db::Backend::Sqlite => {
            "CREATE TABLE leases_taken (n BIGINT NOT NULL); \
             INSERT INTO leases_taken VALUES (0); \
             CREATE TRIGGER refuse_leases BEFORE UPDATE OF lease_owner ON credentials \
             WHEN NEW.lease_owner IS NOT NULL BEGIN \
             SELECT RAISE(ABORT, 'leases refused') WHERE (SELECT n FROM leases_taken) >= 2; \
             UPDATE leases_taken SET n = n + 1; END;"
        }
        engine::db::Backend::Postgres => {
            "CREATE TABLE leases_taken (n BIGINT NOT NULL); \
             INSERT INTO leases_taken VALUES (0); \
             CREATE FUNCTION refuse_leases() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF (SELECT n FROM leases_taken) >= 2 THEN RAISE EXCEPTION 'leases refused'; \
             END IF; UPDATE leases_taken SET n = n + 1; RETURN NEW; END $$; \
             CREATE TRIGGER refuse_leases BEFORE UPDATE OF lease_owner ON credentials \
             FOR EACH ROW WHEN (NEW.lease_owner IS NOT NULL) EXECUTE FUNCTION refuse_leases();"
        }
    };
    sqlx::raw_sql(sql)
        .execute(app.engine.db().pool())
        .await
        .unwrap();
}

async fn a_failed_claim_lets_the_work_in_flight_finish_first(backend: Backend) {
    let app = app(backend).await;
    let youtube = connect(&app, "youtube", "UC4x7Lind0Bakery000000a").await[0];
    let x = [
        connect(&app, "x", "1460000000000000001").await[0],
        connect(&app, "x", "1460000000000000002").await[0],
    ];
    // Two at a time, calls given up after a second: YouTube's renewal (due first) and one
    // of X's are claimed together; X's is done at once and the claim for the other X
    // channel is refused while YouTube, which has become slow, keeps its call waiting.
    let sweeper = app.engine.clone().with_pacing(Pacing {
        concurrency: 2,
        call_timeout: Duration::from_secs(1),
        ..Pacing::default()
    });
    app.advance(TimeDelta::minutes(115));
    app.sandbox_control("youtube", json!({"action": "weather", "weather": "slow"}))
        .await;
    refuse_leases_after_two(&app).await;
    assert!(
        sweeper.sweep().await.is_err(),
        "the failed claim is reported"
    );
    // The sweep returned only once the call in flight had ended and its outcome was
    // committed: dropping a renewal mid-call could lose a token the network has rotated.
    assert_eq!(event_times(&app, youtube, "refresh_failed").await.len(), 1);
    let renewed_x = [
        event_times(&app, x[0], "refreshed").await.len(),
        event_times(&app, x[1], "refreshed").await.len(),
    ];
    assert_eq!(renewed_x.iter().sum::<usize>(), 1, "{renewed_x:?}");

    // The database and YouTube are well again: the next sweep renews the other two.
    let drop_trigger = match app.engine.db().backend() {
        engine::db::Backend::Sqlite => "DROP TRIGGER refuse_leases",
        engine::db::Backend::Postgres => "DROP TRIGGER refuse_leases ON credentials",
    };
    sqlx::raw_sql(drop_trigger)
        .execute(app.engine.db().pool())
        .await
        .unwrap();
    app.sandbox_control("youtube", json!({"action": "weather", "weather": "normal"}))
        .await;
    app.advance(TimeDelta::minutes(2));
    assert_eq!(sweeper.sweep().await.unwrap().renewed, 2);
    for (network, channel) in [("youtube", youtube), ("x", x[0]), ("x", x[1])] {
        assert_eq!(credential(&app, channel).await.dead_reason, None);
        let token = app.engine.access_token(channel).await.unwrap();
        assert!(works(&app, network, &token).await, "channel {channel}");
    }
}

async fn a_token_that_cannot_be_opened_fails_only_its_own_work(backend: Backend) {
    let app = app(backend).await;
    let x = [
        connect(&app, "x", "1460000000000000001").await[0],
        connect(&app, "x", "1460000000000000002").await[0],
    ];
    // The first channel's refresh token no longer opens (damaged at rest, or sealed under
    // a key that is not loaded); both are due in the same claim.
    sqlx::query("UPDATE credentials SET refresh_token = $1 WHERE channel_id = $2")
        .bind(vec![7u8; 64])
        .bind(x[0])
        .execute(app.engine.db().pool())
        .await
        .unwrap();
    app.advance(TimeDelta::minutes(115));
    let report = app.engine.sweep().await.unwrap();
    assert_eq!((report.renewed, report.errors), (1, 1), "{report:?}");
    assert_eq!(event_times(&app, x[1], "refreshed").await.len(), 1);
    assert!(event_times(&app, x[0], "refreshed").await.is_empty());
    // Tether's own failure: nothing is said to be wrong with the channel at the network.
    assert_eq!(credential(&app, x[0]).await.dead_reason, None);
}

/// Someone rotates Tether's app secret at X: every renewal is refused with
/// `unauthorized_client`. That is the operator's to fix: no channel is called dead, the
/// dashboard names the network and the setting, the API answers `configuration_error`.
async fn a_refused_app_secret_is_an_operators_fault_not_dead_channels(backend: Backend) {
    let app = app(backend).await;
    let key = create_api_key(&app, "publisher").await;
    let channels = connect(&app, "x", "1460000000000000001").await;
    app.sandbox_control("x", json!({"action": "rotate_app_secret"}))
        .await;
    app.advance(TimeDelta::minutes(115));
    let report = app.engine.sweep().await.unwrap();
    assert_eq!(report.dead, 0, "{report:?}");
    for &channel in &channels {
        assert_eq!(credential(&app, channel).await.dead_reason, None);
    }
    let html = app.page("/").await;
    assert!(
        html.contains("X: Tether's app credentials were refused."),
        "{html}"
    );
    assert!(html.contains("an operator must check"), "{html}");
    assert!(
        html.contains("refused Tether&#x27;s app credentials, which an operator must fix")
            || html.contains("refused Tether's app credentials, which an operator must fix"),
        "{html}"
    );
    assert!(!html.contains("Needs reconnecting"), "{html}");
    // Past the token's expiry, the API says whose fault it is.
    app.advance(TimeDelta::minutes(10));
    let response = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/channels/{}/token", channels[0])))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "configuration_error", "{body}");
}

/// A third-party OpenID server (the generic network) that refuses a token at its userinfo
/// endpoint in its own words, HTTP 400 `request_refused`, where RFC 6750 3.1 would answer
/// 401 `invalid_token`. Its token endpoint is standard: a revoked grant refuses a refresh
/// with `invalid_grant` (RFC 6749 5.2). It accepts at userinfo only the access token it
/// issued last, so a token it dropped on its own side is refused while the grant lives.
struct OwnWordsServer {
    issuer: String,
    revoked: std::sync::Arc<std::sync::atomic::AtomicBool>,
    current: std::sync::Arc<std::sync::Mutex<String>>,
}

impl OwnWordsServer {
    async fn start() -> Self {
        use axum::extract::State;
        use axum::http::HeaderMap;
        use axum::response::IntoResponse;
        use axum::routing::{get, post};
        use std::sync::atomic::Ordering;

        #[derive(Clone)]
        struct Shared {
            issuer: String,
            revoked: std::sync::Arc<std::sync::atomic::AtomicBool>,
            current: std::sync::Arc<std::sync::Mutex<String>>,
            issued: std::sync::Arc<std::sync::atomic::AtomicU32>,
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let shared = Shared {
            issuer: issuer.clone(),
            revoked: Default::default(),
            current: std::sync::Arc::new(std::sync::Mutex::new("access-0".into())),
            issued: Default::default(),
        };
        let refused = || {
            (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({
                    "error": "request_refused",
                    "error_description": "This request cannot be served.",
                })),
            )
                .into_response()
        };
        let router = axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(|State(s): State<Shared>| async move {
                    axum::Json(json!({
                        "issuer": s.issuer,
                        "authorization_endpoint": format!("{}/authorize", s.issuer),
                        "token_endpoint": format!("{}/token", s.issuer),
                        "userinfo_endpoint": format!("{}/userinfo", s.issuer),
                    }))
                }),
            )
            .route(
                "/token",
                post(|State(s): State<Shared>| async move {
                    if s.revoked.load(Ordering::SeqCst) {
                        return (
                            StatusCode::BAD_REQUEST,
                            axum::Json(json!({"error": "invalid_grant"})),
                        )
                            .into_response();
                    }
                    let n = s.issued.fetch_add(1, Ordering::SeqCst) + 1;
                    let access = format!("access-{n}");
                    *s.current.lock().unwrap() = access.clone();
                    axum::Json(json!({
                        "access_token": access,
                        "token_type": "Bearer",
                        "expires_in": 3600,
                        "refresh_token": format!("refresh-{n}"),
                    }))
                    .into_response()
                }),
            )
            .route(
                "/userinfo",
                get(
                    move |State(s): State<Shared>, headers: HeaderMap| async move {
                        let current = format!("Bearer {}", s.current.lock().unwrap());
                        let sent = headers.get("authorization").and_then(|v| v.to_str().ok());
                        if s.revoked.load(Ordering::SeqCst) || sent != Some(current.as_str()) {
                            return refused();
                        }
                        axum::Json(json!({"sub": "person-1", "preferred_username": "person"}))
                            .into_response()
                    },
                ),
            )
            .with_state(shared.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        OwnWordsServer {
            issuer,
            revoked: shared.revoked,
            current: shared.current,
        }
    }
}

/// Imports a token for an account at the own-words server; returns the channel.
async fn import_own_words(app: &TestApp, account: &str, refresh_token: &str) -> i64 {
    let workspace: i64 = sqlx::query_scalar("SELECT id FROM workspaces")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap();
    let token: engine::import::ImportedToken = serde_json::from_value(json!({
        "network": "oidc",
        "kind": "account",
        "account_id": account,
        "handle": account,
        "access_token": "access-0",
        "refresh_token": refresh_token,
        "expires_in": 3600,
    }))
    .unwrap();
    app.engine
        .import_tokens(workspace, &[token], 1)
        .await
        .unwrap();
    sqlx::query_scalar("SELECT id FROM channels WHERE external_account_id = $1")
        .bind(account)
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap()
}

/// A refusal in words no rule reads is not silence: the token endpoint, the network's
/// authority on a grant, is asked before the channel is called dead or healthy, and the
/// history says which it was and why.
async fn a_refused_check_in_the_networks_own_words_is_confirmed_by_a_renewal(backend: Backend) {
    let server = OwnWordsServer::start().await;
    let app = common::spawn_app_with(
        backend,
        &[
            ("TETHER_OIDC_ISSUER", &server.issuer),
            ("TETHER_OIDC_NAME", "Own Words ID"),
            ("TETHER_OIDC_CLIENT_ID", "tether"),
            ("TETHER_OIDC_CLIENT_SECRET", "own-words-secret"),
        ],
    )
    .await;
    app.set_up_owner().await;
    let renewable = import_own_words(&app, "person-1", "refresh-0").await;
    let path = format!("/channels/{renewable}");

    // The server dropped the access token on its side; the grant lives.
    *server.current.lock().unwrap() = "access-elsewhere".into();
    app.post_form(&format!("{path}/check"), &[]).await;
    let page = app.page(&path).await;
    assert!(
        page.contains("Own Words ID refused the check (request_refused: This request cannot be served.); a renewal confirmed that access still works"),
        "{page}"
    );
    assert_eq!(credential(&app, renewable).await.dead_reason, None);
    assert_eq!(event_times(&app, renewable, "refreshed").await.len(), 1);
    assert!(!page.contains("did not answer"), "{page}");
    // The renewed token is the one the server now serves.
    app.post_form(&format!("{path}/check"), &[]).await;
    assert!(app
        .page(&path)
        .await
        .contains("Checked: Own Words ID confirms the token works."));

    // Revoked at the server: the renewal that confirms it is refused for good.
    server
        .revoked
        .store(true, std::sync::atomic::Ordering::SeqCst);
    app.post_form(&format!("{path}/check"), &[]).await;
    let page = app.page(&path).await;
    assert_eq!(
        credential(&app, renewable).await.dead_reason.as_deref(),
        Some("invalid")
    );
    assert!(page.contains("Needs reconnecting"), "{page}");
    assert!(
        page.contains(
            "Own Words ID refused the renewal for good after it refused the check (request_refused"
        ),
        "{page}"
    );

    // Nothing to renew with: the refusal is said as it is, and nothing is called dead.
    server
        .revoked
        .store(false, std::sync::atomic::Ordering::SeqCst);
    // A server that issued no refresh token (offline_access not granted) leaves nothing to
    // renew with.
    let fixed = import_own_words(&app, "person-2", "refresh-unused").await;
    sqlx::query("UPDATE credentials SET refresh_token = NULL WHERE channel_id = $1")
        .bind(fixed)
        .execute(app.engine.db().pool())
        .await
        .unwrap();
    let path = format!("/channels/{fixed}");
    app.post_form(&format!("{path}/check"), &[]).await;
    let page = app.page(&path).await;
    assert!(
        page.contains("Own Words ID refused the check (request_refused: This request cannot be served.) without saying whether access is lost"),
        "{page}"
    );
    assert!(!page.contains("did not answer"), "{page}");
    assert!(page.contains("Not confirmed"), "{page}");
    assert_eq!(credential(&app, fixed).await.dead_reason, None);
}

/// Threads ends a private profile's consent after 90 days and does not say which profiles
/// are private. Someone who knows says so on the channel's page: that end becomes the
/// channel's deadline, counted down to, reminded of, kept across reconnects, and a lapse
/// when it passes. Saying it is public takes it away.
async fn a_profile_said_private_counts_down_to_the_end_of_its_consent(backend: Backend) {
    let app = app(backend).await;
    let threads = connect(&app, "threads", "th-3001").await[0];
    let x = connect(&app, "x", "1460000000000000001").await[0];
    let consented = common::test_epoch().timestamp();
    let ends = consented + 90 * 86_400;
    let page = format!("/channels/{threads}");
    let say = |channel: i64, private: &'static str| {
        let app = app.clone();
        async move {
            let response = app
                .post_form(
                    &format!("/channels/{channel}/privacy"),
                    &[("private", private)],
                )
                .await;
            app.page(&location(&response)).await
        }
    };
    let reconnect = || async {
        let response = app
            .post_form(&format!("/channels/{threads}/reauthorize"), &[])
            .await;
        let consent = url::Url::parse(&location(&response)).unwrap();
        let callback = app.consent_as(&consent, "th-3001", "approve", &[]).await;
        app.land(&callback).await;
    };
    assert!(app.page(&page).await.contains("Mark the profile private"));
    assert_eq!(credential(&app, threads).await.reconsent_deadline, None);

    let html = say(threads, "true").await;
    assert!(html.contains("Noted: the profile is private"), "{html}");
    assert!(html.contains("Private, as someone here said"), "{html}");
    assert_eq!(
        credential(&app, threads).await.reconsent_deadline,
        Some(ends)
    );
    let planned: Option<i64> =
        sqlx::query_scalar("SELECT next_reminder_at FROM credentials WHERE channel_id = $1")
            .bind(threads)
            .fetch_one(app.engine.db().pool())
            .await
            .unwrap();
    assert_eq!(planned, Some(0), "the reminder sweep plans it");
    assert!(
        html.contains("Mark the profile public"),
        "the way back is offered"
    );

    // Neither a network without such a rule nor a malformed answer changes anything.
    let html = say(x, "true").await;
    assert!(
        html.contains("does not end a private profile's consent on its own"),
        "{html}"
    );
    assert_eq!(credential(&app, x).await.reconsent_deadline, None);
    let html = say(threads, "maybe").await;
    assert!(
        html.contains("Say whether the profile is private"),
        "{html}"
    );
    assert_eq!(
        credential(&app, threads).await.reconsent_deadline,
        Some(ends)
    );
    // A viewer may not say it.
    common::add_person(
        &app,
        "vic@example.com",
        "Vic Viewer",
        engine::domain::Role::Viewer,
    )
    .await;
    let viewer = common::sign_in_as(&app, "vic@example.com").await;
    let refused = viewer
        .post_form(
            &format!("/channels/{threads}/privacy"),
            &[("private", "false")],
        )
        .await;
    assert!(viewer
        .page(&location(&refused))
        .await
        .contains("does not allow"));
    assert_eq!(
        credential(&app, threads).await.reconsent_deadline,
        Some(ends)
    );

    // A reconnect is a new consent: its 90 days count from it.
    app.advance(TimeDelta::days(10));
    reconnect().await;
    assert_eq!(
        credential(&app, threads).await.reconsent_deadline,
        Some(ends + 10 * 86_400)
    );

    let html = say(threads, "false").await;
    assert!(html.contains("Noted: the profile is public"), "{html}");
    assert_eq!(credential(&app, threads).await.reconsent_deadline, None);

    // Ninety days after consent, saying it now would end a channel that may well work.
    app.advance(TimeDelta::days(91));
    let html = say(threads, "true").await;
    assert!(
        html.contains("so if the profile is private Threads has ended it already"),
        "{html}"
    );
    assert_eq!(credential(&app, threads).await.reconsent_deadline, None);

    // Reconnected and said private, the day passes: a lapse of consent, not a revocation.
    reconnect().await;
    say(threads, "true").await;
    app.advance(TimeDelta::days(90) + TimeDelta::minutes(30));
    impatient(&app).sweep().await.unwrap();
    assert_eq!(
        credential(&app, threads).await.dead_reason.as_deref(),
        Some("consent_lapsed")
    );
}

/// A deadline Tether counted down to is a lapse when it passes: the channel is down from
/// that moment, the people who can act are told once in the same words everywhere, and
/// nothing calls it revoked or keeps calling it working.
async fn a_passed_deadline_is_a_lapse_told_once_not_a_revocation(backend: Backend) {
    let app = app(backend).await;
    // YouTube for an app in testing: fresh consent 7 days after connecting. Facebook: the
    // 90-day data access period.
    let youtube = connect(&app, "youtube", "UC4x7Lind0Bakery000000a").await[0];
    let facebook = connect(&app, "facebook", "fb-501").await[0];
    let wall = credential(&app, youtube).await.reconsent_deadline.unwrap();
    let data_access = credential(&app, facebook).await.reconsent_deadline.unwrap();
    let sweeper = impatient(&app);

    app.advance(TimeDelta::days(7) + TimeDelta::minutes(30));
    sweeper.sweep().await.unwrap();
    app.engine.notify_sweep().await.unwrap();
    assert_eq!(
        credential(&app, youtube).await.dead_reason.as_deref(),
        Some("consent_lapsed")
    );
    let down: Vec<(String, i64)> = sqlx::query(
        "SELECT reason, started_at FROM disconnections WHERE channel_id = $1 AND ended_at IS NULL",
    )
    .bind(youtube)
    .fetch_all(app.engine.db().pool())
    .await
    .unwrap()
    .iter()
    .map(|row| (row.get("reason"), row.get("started_at")))
    .collect();
    assert_eq!(down, [("consent_lapsed".to_owned(), wall)]);
    let lapse_words = "consent period ended. The account holder must reconnect";
    let page = app.page(&format!("/channels/{youtube}")).await;
    for words in [
        lapse_words,
        "Lapsed at its deadline",
        "Needs reconnecting",
        "Down for 30 min",
    ] {
        assert!(page.contains(words), "{words}: {page}");
    }
    // The page a notification links to carries the fix.
    assert!(
        page.contains(&format!("action=\"/channels/{youtube}/reauthorize\"")),
        "{page}"
    );
    for untrue in ["revoked", "Renews in", "Renewal due"] {
        assert!(!page.contains(untrue), "{untrue}: {page}");
    }
    let notices: Vec<(String, String)> = sqlx::query(
        "SELECT title, body FROM notifications WHERE channel_id = $1 AND kind = 'disconnected'",
    )
    .bind(youtube)
    .fetch_all(app.engine.db().pool())
    .await
    .unwrap()
    .iter()
    .map(|row| (row.get("title"), row.get("body")))
    .collect();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        notices[0]
            .1
            .starts_with("The network's consent period ended."),
        "{notices:?}"
    );
    let report = app.engine.notify_sweep().await.unwrap();
    assert_eq!(report.recorded, 0, "told once");

    // Facebook's data access period: the same, in Facebook's words, and no check after it
    // claims the channel works.
    app.advance(TimeDelta::seconds(data_access - now(&app) + 60));
    sweeper.sweep().await.unwrap();
    app.engine.notify_sweep().await.unwrap();
    assert_eq!(
        credential(&app, facebook).await.dead_reason.as_deref(),
        Some("data_access_expired")
    );
    let checked_after: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM credentials WHERE channel_id = $1 AND checked_at >= $2",
    )
    .bind(facebook)
    .bind(data_access)
    .fetch_one(app.engine.db().pool())
    .await
    .unwrap();
    assert_eq!(checked_after, 0);
    // Ninety days on, the owner's session has ended: she signs in again.
    let ada = app.other_browser();
    let response = ada
        .post_form(
            "/auth/login",
            &[
                ("email", "ada@example.com"),
                ("password", common::OWNER_PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = ada.page(&format!("/channels/{facebook}")).await;
    assert!(page.contains("data access period lapsed"), "{page}");
    assert!(page.contains("Down for 1 min"), "{page}");
}

on_both_backends!(
    a_profile_said_private_counts_down_to_the_end_of_its_consent,
    a_passed_deadline_is_a_lapse_told_once_not_a_revocation,
    a_refused_check_in_the_networks_own_words_is_confirmed_by_a_renewal,
    a_refused_app_secret_is_an_operators_fault_not_dead_channels,
    short_lived_tokens_are_renewed_inside_their_margin_and_never_lapse,
    long_lived_tokens_are_extended_once_old_enough_and_deadlines_stay_fixed,
    each_dead_token_event_is_found_by_the_next_check_with_its_reason,
    three_hours_of_network_trouble_turn_no_channel_red,
    a_channel_failing_alone_is_handed_to_a_person,
    a_thousand_concurrent_token_requests_cause_one_refresh,
    handouts_are_kept_for_ninety_days,
    a_replaced_grant_is_revoked_at_the_network,
    api_keys_keep_to_their_terms,
    the_api_answers_with_states_and_clear_errors,
    the_channel_list_comes_in_pages_and_filters_by_state,
    the_channel_list_is_read_again_after_any_write_it_shows,
    the_channel_page_shows_history_and_renews_or_checks_on_demand,
    a_failed_claim_lets_the_work_in_flight_finish_first,
    a_token_that_cannot_be_opened_fails_only_its_own_work,
);
