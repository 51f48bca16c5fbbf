//! Every network, through its sandbox over real HTTP: connect (with the picker where one
//! consent gives several accounts), partial consent and the re-ask for what is missing,
//! reauthorizing with the same and with a different account, the same account in another
//! workspace, cancelling, unlinking with revocation seen by the sandbox, deleting.

mod common;

use common::{
    add_person, location, person_in_new_workspace, sign_in_as, spawn_app, Backend, Landing, TestApp,
};
use reqwest::StatusCode;
use serde_json::json;
use sqlx::Row;

/// What the tests need to know of each network's sandbox.
struct Net {
    id: &'static str,
    name: &'static str,
    /// Two people who can consent.
    people: [&'static str; 2],
    /// A needed scope a person may untick (networks with partial consent).
    untickable: Option<&'static str>,
    /// Channels the first person's consent yields when every offered account is picked.
    accounts: usize,
    /// Whether Tether can revoke at this network.
    revocable: bool,
}

const NETS: &[Net] = &[
    Net {
        id: "sandbox",
        name: "Sandbox",
        people: ["sbx-1001", "sbx-1002"],
        untickable: Some("metrics.read"),
        accounts: 1,
        revocable: true,
    },
    Net {
        id: "facebook",
        name: "Facebook",
        people: ["fb-501", "fb-502"],
        untickable: Some("read_insights"),
        // Two Pages and the Instagram business account linked to the first.
        accounts: 3,
        revocable: true,
    },
    Net {
        id: "instagram",
        name: "Instagram",
        people: ["17841400000001", "17841400000002"],
        untickable: Some("instagram_business_manage_insights"),
        accounts: 1,
        revocable: false,
    },
    Net {
        id: "linkedin",
        name: "LinkedIn",
        people: ["li-aB3x9", "li-Qz71k"],
        untickable: None,
        // Two company pages and a showcase page: the consent asks for Community
        // Management alone, so no member profile or ads account comes with it.
        accounts: 3,
        revocable: true,
    },
    Net {
        id: "x",
        name: "X",
        people: ["1460000000000000001", "1460000000000000002"],
        untickable: None,
        accounts: 1,
        revocable: true,
    },
    Net {
        id: "tiktok",
        name: "TikTok",
        people: ["-000Tx7aWqK3lP", "-000Tx9bYmR5nQ"],
        untickable: Some("video.list"),
        accounts: 1,
        revocable: true,
    },
    Net {
        id: "youtube",
        name: "YouTube",
        people: ["UC4x7Lind0Bakery000000a", "UC9yJunoMakes000000000b"],
        untickable: Some("https://www.googleapis.com/auth/yt-analytics.readonly"),
        accounts: 1,
        revocable: true,
    },
    Net {
        id: "pinterest",
        name: "Pinterest",
        people: ["549755885175", "549755885176"],
        untickable: None,
        accounts: 1,
        revocable: false,
    },
    Net {
        id: "threads",
        name: "Threads",
        people: ["th-3001", "th-3002"],
        untickable: None,
        accounts: 1,
        revocable: false,
    },
    Net {
        id: "linkedin_member",
        name: "LinkedIn profile",
        people: ["li-aB3x9", "li-Qz71k"],
        untickable: None,
        accounts: 1,
        revocable: true,
    },
    Net {
        id: "linkedin_ads",
        name: "LinkedIn Ads",
        people: ["li-aB3x9", "li-Qz71k"],
        untickable: None,
        // Two ads accounts, on an Advertising API app of their own.
        accounts: 2,
        revocable: true,
    },
];

async fn app(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    app
}

/// A demo instance, whose sandbox controls may move the clock.
async fn demo_app(backend: Backend) -> TestApp {
    let app = common::spawn_app_with(backend, &[("TETHER_SANDBOX", "demo")]).await;
    app.set_up_owner().await;
    app
}

/// Connects everything `person` offers on `net`; returns the dashboard HTML.
async fn connect_all(app: &TestApp, net: &Net, person: &str) -> String {
    let consent = app
        .start_connect_on(net.id, &format!("{} main", net.name), "metrics")
        .await;
    let callback = app.consent_as(&consent, person, "approve", &[]).await;
    match app.land(&callback).await {
        Landing::Dashboard(html) => html,
        Landing::Pick(path) => app.pick(&path, None).await,
    }
}

async fn count(app: &TestApp, sql: &str, network: &str) -> i64 {
    sqlx::query(sql)
        .bind(network)
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap()
        .get::<i64, _>(0)
}

async fn channels_of(app: &TestApp, network: &str) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM channels WHERE network = $1",
        network,
    )
    .await
}

async fn first_channel(app: &TestApp, network: &str) -> i64 {
    count(
        app,
        "SELECT MIN(id) FROM channels WHERE network = $1",
        network,
    )
    .await
}

async fn every_network_connects_with_its_accounts(backend: Backend) {
    let app = app(backend).await;
    for net in NETS {
        let html = connect_all(&app, net, net.people[0]).await;
        assert!(html.contains("Connected "), "{}: {html}", net.id);
        assert_eq!(
            channels_of(&app, net.id).await,
            net.accounts as i64,
            "{}",
            net.id
        );
        let dead: i64 = count(
            &app,
            "SELECT COUNT(*) FROM credentials cr JOIN channels c ON c.id = cr.channel_id \
             WHERE c.network = $1 AND cr.dead_reason IS NOT NULL",
            net.id,
        )
        .await;
        assert_eq!(dead, 0, "{}", net.id);
    }
    // Each network's lifetimes, as its sandbox issued them, landed in the store.
    let now = common::test_epoch().timestamp();
    let facts = |network: &'static str, kind: &'static str| {
        let pool = app.engine.db().pool().clone();
        async move {
            let row = sqlx::query(
                "SELECT cr.access_expires_at, cr.reconsent_deadline, \
                 CAST(CASE WHEN cr.refresh_token IS NULL THEN 0 ELSE 1 END AS BIGINT) AS refresh \
                 FROM channels c JOIN credentials cr ON cr.channel_id = c.id \
                 WHERE c.network = $1 AND c.kind = $2 ORDER BY c.id LIMIT 1",
            )
            .bind(network)
            .bind(kind)
            .fetch_one(&pool)
            .await
            .unwrap();
            (
                row.get::<Option<i64>, _>("access_expires_at")
                    .map(|at| at - now),
                row.get::<Option<i64>, _>("reconsent_deadline")
                    .map(|at| at - now),
                row.get::<i64, _>("refresh") == 1,
            )
        }
    };
    let day = 86_400;
    // Facebook: a Page token does not expire; data access lapses after 90 days.
    assert_eq!(
        facts("facebook", "page").await,
        (None, Some(90 * day), false)
    );
    assert_eq!(
        facts("facebook", "instagram_business").await,
        (None, Some(90 * day), false)
    );
    // Instagram and Threads: the short token was exchanged for a 60-day one.
    assert_eq!(
        facts("instagram", "professional").await,
        (Some(60 * day), None, false)
    );
    assert_eq!(
        facts("threads", "profile").await,
        (Some(60 * day), None, false)
    );
    // LinkedIn: 60-day access, refresh fixed at 365 days from consent.
    assert_eq!(
        facts("linkedin", "organization").await,
        (Some(60 * day), Some(365 * day), true)
    );
    // A member profile on a self-serve app: no refresh token, reconnected within 60 days.
    assert_eq!(
        facts("linkedin_member", "member").await,
        (Some(60 * day), None, false)
    );
    assert_eq!(
        facts("linkedin_ads", "ads_account").await,
        (Some(60 * day), Some(365 * day), true)
    );
    assert_eq!(facts("x", "profile").await, (Some(2 * 3600), None, true));
    // TikTok: 2-hour access tokens (current docs).
    assert_eq!(
        facts("tiktok", "profile").await,
        (Some(2 * 3600), None, true)
    );
    // The YouTube sandbox is a Google app in testing: consent ends after 7 days.
    assert_eq!(
        facts("youtube", "channel").await,
        (Some(3599), Some(7 * day), true)
    );
    assert_eq!(
        facts("pinterest", "profile").await,
        (Some(30 * day), None, true)
    );

    // Handles, follower counts and the total are on the dashboard.
    let html = app.page("/").await;
    for expected in [
        "Lind Bakery",
        "@lindbakery",
        "12,400 followers",
        "Northwind Labs",
    ] {
        assert!(html.contains(expected), "missing {expected}");
    }
    assert!(html.contains(r#"data-testid="audience""#));
}

async fn the_picker_connects_only_what_was_ticked(backend: Backend) {
    let app = app(backend).await;
    let consent = app
        .start_connect_on("linkedin", "Northwind", "metrics")
        .await;
    let callback = app.consent_as(&consent, "li-aB3x9", "approve", &[]).await;
    let Landing::Pick(path) = app.land(&callback).await else {
        panic!("LinkedIn offers several accounts: the picker must come first");
    };
    assert_eq!(
        app.channel_count().await,
        0,
        "nothing is stored before the pick"
    );
    let picker = app.page(&path).await;
    for offered in ["Company page", "Showcase page", "18,900 followers"] {
        assert!(picker.contains(offered), "picker lacks {offered}");
    }
    // Nothing ticked: refused, the pick stays open.
    let response = app
        .post_form(
            "/channels/pick",
            &[("pending", path.trim_start_matches("/channels/pick/"))],
        )
        .await;
    assert_eq!(location(&response), path);
    // A key the consent did not offer: refused.
    let html = app.pick(&path, Some(&["organization:999"])).await;
    assert!(html.contains("was not offered"), "{html}");
    assert_eq!(app.channel_count().await, 0);

    let html = app.pick(&path, Some(&["organization:2414190"])).await;
    assert!(
        html.contains("Connected “Northwind” (northwind-labs)"),
        "{html}"
    );
    assert_eq!(app.channel_count().await, 1);
    // Spent: the same pick cannot be made twice.
    let response = app
        .post_form(
            "/channels/pick",
            &[
                ("pending", path.trim_start_matches("/channels/pick/")),
                ("account", "organization:2414183"),
            ],
        )
        .await;
    assert_eq!(location(&response), "/");
    assert!(app.page("/").await.contains("expired or was already used"));
    assert_eq!(app.channel_count().await, 1);

    // The next consent shows the connected one as taken.
    let consent = app
        .start_connect_on("linkedin", "Northwind 2", "metrics")
        .await;
    let callback = app.consent_as(&consent, "li-aB3x9", "approve", &[]).await;
    let Landing::Pick(path) = app.land(&callback).await else {
        panic!("picker expected");
    };
    assert!(app
        .page(&path)
        .await
        .contains("Already connected here as “Northwind”"));
}

async fn facebook_and_instagram_connect_in_one_consent(backend: Backend) {
    let app = app(backend).await;
    let consent = app.start_connect_on("facebook", "Bakery", "metrics").await;
    let callback = app.consent_as(&consent, "fb-501", "approve", &[]).await;
    let Landing::Pick(path) = app.land(&callback).await else {
        panic!("picker expected");
    };
    let picker = app.page(&path).await;
    assert!(picker.contains("linked to Lind Bakery"), "{picker}");
    let html = app
        .pick(
            &path,
            Some(&["page:fbp-7001", "instagram_business:igb-9001"]),
        )
        .await;
    assert!(
        html.contains("Lind Bakery") && html.contains("@lindbakery"),
        "{html}"
    );
    assert_eq!(app.channel_count().await, 2);
    // Both hold the Page's token, and both work at the network.
    let tokens: Vec<i64> = sqlx::query("SELECT id FROM channels ORDER BY id")
        .fetch_all(app.engine.db().pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("id"))
        .collect();
    let page = app.engine.access_token(tokens[0]).await.unwrap();
    let ig = app.engine.access_token(tokens[1]).await.unwrap();
    assert_eq!(page.expose(), ig.expose());
    // The emulated app requires the app secret's proof, as Meta advises.
    let secret = &app.engine.networks().get("facebook").unwrap().client_secret;
    let me = reqwest::Client::new()
        .get(app.url("/sandbox/facebook/v21.0/me"))
        .query(&[(
            "appsecret_proof",
            engine::networks::call::appsecret_proof(secret, &page),
        )])
        .bearer_auth(page.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    // Unticking the Instagram permissions leaves the Instagram account out of the offer.
    let consent = app
        .start_connect_on("facebook", "Bakery again", "metrics")
        .await;
    let callback = app
        .consent_as(&consent, "fb-502", "approve", &["instagram_basic"])
        .await;
    let Landing::Pick(path) = app.land(&callback).await else {
        panic!("picker expected");
    };
    let picker = app.page(&path).await;
    assert!(picker.contains("Haddad Cycles") && !picker.contains("@haddadcycles"));
    assert!(!picker.contains("Instagram business account"), "{picker}");
}

async fn partial_consent_shows_missing_permissions_and_asks_again(backend: Backend) {
    let app = app(backend).await;
    for net in NETS.iter().filter(|n| n.untickable.is_some()) {
        let scope = net.untickable.unwrap();
        let consent = app.start_connect_on(net.id, net.name, "metrics").await;
        let callback = app
            .consent_as(&consent, net.people[0], "approve", &[scope])
            .await;
        let html = match app.land(&callback).await {
            Landing::Dashboard(html) => html,
            Landing::Pick(path) => {
                let offered = common::checkboxes(&app.page(&path).await, "account");
                app.pick(&path, Some(&[offered[0].as_str()])).await
            }
        };
        assert!(html.contains("Missing permissions"), "{}: {html}", net.id);
        let channel = first_channel(&app, net.id).await;
        // Re-ask for just what is missing.
        let response = app
            .post_form(
                &format!("/channels/{channel}/reauthorize"),
                &[("only_missing", "true")],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let consent = url::Url::parse(&location(&response)).unwrap();
        let asked: String = consent
            .query_pairs()
            .find(|(k, _)| k == "scope")
            .map(|(_, v)| v.into_owned())
            .unwrap();
        assert!(asked.contains(scope), "{}: asked {asked}", net.id);
        let callback = app
            .consent_as(&consent, net.people[0], "approve", &[])
            .await;
        let Landing::Dashboard(html) = app.land(&callback).await else {
            panic!("reauthorizing never needs the picker");
        };
        assert!(html.contains("Reconnected"), "{}: {html}", net.id);
        let row = sqlx::query(
            "SELECT c.required_scopes, cr.granted_scopes FROM channels c \
             JOIN credentials cr ON cr.channel_id = c.id WHERE c.id = $1",
        )
        .bind(channel)
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap();
        let granted: String = row.get("granted_scopes");
        let required: String = row.get("required_scopes");
        for scope in required.split_whitespace() {
            assert!(
                granted.split_whitespace().any(|g| g == scope),
                "{}: {scope}",
                net.id
            );
        }
    }
    let html = app.page("/").await;
    assert!(!html.contains("Missing permissions"), "{html}");
}

async fn reauthorizing_keeps_the_channel_and_refuses_another_account(backend: Backend) {
    let app = app(backend).await;
    for net in NETS {
        connect_all(&app, net, net.people[0]).await;
        let channel = first_channel(&app, net.id).await;
        let before = app.engine.access_token(channel).await.unwrap();

        let response = app
            .post_form(&format!("/channels/{channel}/reauthorize"), &[])
            .await;
        let consent = url::Url::parse(&location(&response)).unwrap();
        let callback = app
            .consent_as(&consent, net.people[0], "approve", &[])
            .await;
        let Landing::Dashboard(html) = app.land(&callback).await else {
            panic!("{}: no picker on reauthorize", net.id);
        };
        assert!(html.contains("Reconnected"), "{}: {html}", net.id);
        assert_eq!(first_channel(&app, net.id).await, channel);
        let renewed = app.engine.access_token(channel).await.unwrap();
        assert_ne!(before.expose(), renewed.expose(), "{}", net.id);

        let response = app
            .post_form(&format!("/channels/{channel}/reauthorize"), &[])
            .await;
        let consent = url::Url::parse(&location(&response)).unwrap();
        let callback = app
            .consent_as(&consent, net.people[1], "approve", &[])
            .await;
        let Landing::Dashboard(html) = app.land(&callback).await else {
            panic!("{}: no picker on reauthorize", net.id);
        };
        assert!(
            html.contains("but the consent was given as"),
            "{}: {html}",
            net.id
        );
        let kept = app.engine.access_token(channel).await.unwrap();
        assert_eq!(
            kept.expose(),
            renewed.expose(),
            "{}: tokens must be untouched",
            net.id
        );
        // The refused reconnect stays in the channel's history, in words.
        let history = app.page(&format!("/channels/{channel}")).await;
        assert!(
            history.contains("Reconnect failed"),
            "{}: {history}",
            net.id
        );
        assert!(
            history.contains("but the consent was given as"),
            "{}: {history}",
            net.id
        );
    }
    let reauthorized: i64 = count(
        &app,
        "SELECT COUNT(*) FROM events WHERE kind = $1",
        "reauthorized",
    )
    .await;
    assert_eq!(reauthorized, NETS.len() as i64);
}

async fn an_account_connected_in_another_workspace_is_refused(backend: Backend) {
    let app = app(backend).await;
    for net in NETS {
        connect_all(&app, net, net.people[0]).await;
    }
    let connected = app.channel_count().await;
    // A second workspace with its own editor.
    let bo = person_in_new_workspace(&app, engine::domain::Role::Editor)
        .await
        .0;
    for net in NETS {
        let consent = bo.start_connect_on(net.id, "Theirs", "metrics").await;
        let callback = bo.consent_as(&consent, net.people[0], "approve", &[]).await;
        match bo.land(&callback).await {
            // Bo is not a member of the workspace that holds the account: he is told it
            // is taken, never which workspace has it.
            Landing::Dashboard(html) => {
                assert!(
                    html.contains("already connected in another Tether workspace"),
                    "{}: {html}",
                    net.id
                );
                assert!(!html.contains("Acme Social"), "{}: {html}", net.id);
            }
            // The picker says each account is taken, and offers none of them.
            Landing::Pick(path) => {
                let html = bo.page(&path).await;
                assert!(
                    html.contains(
                        "Connected in another Tether workspace; an admin there can remove it"
                    ),
                    "{html}"
                );
                assert!(!html.contains("Acme Social"), "{html}");
                assert!(
                    common::checkboxes(&html, "account").is_empty(),
                    "{}",
                    net.id
                );
                // Forcing one through is refused all the same.
                let key = first_key(&html);
                let forced = bo.pick(&path, Some(&[key.as_str()])).await;
                assert!(
                    forced.contains("already connected in another Tether workspace"),
                    "{forced}"
                );
                assert!(!forced.contains("Acme Social"), "{forced}");
                // So is a move by someone who does not run the other workspace.
                let moved = bo.pick(&path, Some(&[&format!("move:{key}")])).await;
                assert!(moved.contains("does not allow that"), "{moved}");
            }
        }
    }
    assert_eq!(app.channel_count().await, connected);
}

/// An admin hands a person's own channel to another person's account; a page cannot be
/// handed to another page, and an editor cannot hand over at all.
async fn an_admin_may_hand_a_channel_to_another_account(backend: Backend) {
    let app = app(backend).await;
    connect_all(&app, &NETS[4], NETS[4].people[0]).await;
    let channel = first_channel(&app, "x").await;
    let response = app
        .post_form(
            &format!("/channels/{channel}/reauthorize"),
            &[("handover", "true")],
        )
        .await;
    let consent = url::Url::parse(&location(&response)).unwrap();
    let callback = app
        .consent_as(&consent, NETS[4].people[1], "approve", &[])
        .await;
    let Landing::Dashboard(html) = app.land(&callback).await else {
        panic!("no picker on reauthorize");
    };
    assert!(html.contains("Reconnected “X main” (@omarrides)"), "{html}");

    // An editor may reconnect but not hand over.
    add_person(
        &app,
        "ed@example.com",
        "Ed Editor",
        engine::domain::Role::Editor,
    )
    .await;
    let ed = sign_in_as(&app, "ed@example.com").await;
    let response = ed
        .post_form(
            &format!("/channels/{channel}/reauthorize"),
            &[("handover", "true")],
        )
        .await;
    assert_eq!(location(&response), "/");
    let html = ed.page("/").await;
    assert!(html.contains("does not allow that"), "{html}");
    assert!(!html.contains("Hand over"), "editors are not offered it");
    assert_eq!(first_channel(&app, "x").await, channel, "the same channel");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM events WHERE kind = $1",
            "handed_over"
        )
        .await,
        1
    );

    // A company page is not handed to another company page.
    let consent = app
        .start_connect_on("linkedin", "Northwind", "metrics")
        .await;
    let callback = app.consent_as(&consent, "li-aB3x9", "approve", &[]).await;
    let Landing::Pick(path) = app.land(&callback).await else {
        panic!("picker expected");
    };
    app.pick(&path, Some(&["organization:2414183"])).await;
    let page = count(
        &app,
        "SELECT MIN(id) FROM channels WHERE network = $1 AND kind = 'organization'",
        "linkedin",
    )
    .await;
    let response = app
        .post_form(
            &format!("/channels/{page}/reauthorize"),
            &[("handover", "true")],
        )
        .await;
    let consent = url::Url::parse(&location(&response)).unwrap();
    let callback = app.consent_as(&consent, "li-Qz71k", "approve", &[]).await;
    let Landing::Dashboard(html) = app.land(&callback).await else {
        panic!("no picker on reauthorize");
    };
    assert!(html.contains("but the consent was given as"), "{html}");
}

/// The network fails after consent (down, then rate-limiting): a clear message, nothing
/// stored, and an existing channel stays as it was.
async fn a_failing_network_stores_nothing(backend: Backend) {
    let app = app(backend).await;
    for weather in ["down", "rate_limited"] {
        let consent = app.start_connect_on("x", "Bakery", "publishing").await;
        let asked: String = consent
            .query_pairs()
            .find(|(k, _)| k == "scope")
            .map(|(_, v)| v.into_owned())
            .unwrap();
        assert!(
            asked.contains("tweet.write"),
            "publishing asks to post: {asked}"
        );
        let callback = app
            .consent_as(&consent, NETS[4].people[0], "approve", &[])
            .await;
        app.sandbox_control("x", json!({"action": "weather", "weather": weather}))
            .await;
        let Landing::Dashboard(html) = app.land(&callback).await else {
            panic!("no picker after a failure");
        };
        assert!(
            html.contains("X") && html.contains("Nothing was changed"),
            "{weather}: {html}"
        );
        app.sandbox_control("x", json!({"action": "weather", "weather": "normal"}))
            .await;
    }
    assert_eq!(app.channel_count().await, 0);
}

/// The value of the first (disabled or not) account checkbox on a picker page.
fn first_key(html: &str) -> String {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(r#"input[name="account"]"#).unwrap();
    document
        .select(&selector)
        .next()
        .and_then(|input| input.value().attr("value"))
        .unwrap()
        .to_owned()
}

/// Bo runs two workspaces; an account his second workspace holds can be moved to the
/// first with its history, or removed there and connected afresh.
async fn an_admin_of_both_workspaces_may_move_or_remove(backend: Backend) {
    let app = app(backend).await;
    let (bo, bo_id, agency) = person_in_new_workspace(&app, engine::domain::Role::Admin).await;
    let pool = app.engine.db().pool();
    // In his agency's workspace: X and TikTok.
    connect_all(&bo, &NETS[4], NETS[4].people[0]).await;
    connect_all(&bo, &NETS[5], NETS[5].people[0]).await;
    let x_channel = first_channel(&app, "x").await;
    // Now he also runs Acme Social (the workspace his session opens first).
    sqlx::query(
        "INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES (1, $1, 'admin', 0)",
    )
    .bind(bo_id)
    .execute(pool)
    .await
    .unwrap();

    let consent = bo.start_connect_on("x", "Bakery on X", "metrics").await;
    let callback = bo
        .consent_as(&consent, NETS[4].people[0], "approve", &[])
        .await;
    let Landing::Pick(path) = bo.land(&callback).await else {
        panic!("an account held by another workspace he runs goes to the picker");
    };
    let picker = bo.page(&path).await;
    assert!(
        picker.contains("Connected in your workspace “Bo&#39;s Agency”")
            || picker.contains("Connected in your workspace “Bo's Agency”"),
        "{picker}"
    );
    assert!(picker.contains("Move it here, with its history"));
    let key = first_key_of_select(&picker);
    let html = bo.pick(&path, Some(&[&format!("move:{key}")])).await;
    assert!(
        html.contains("Connected “Lind Bakery”") || html.contains("Connected “"),
        "{html}"
    );
    let row = sqlx::query("SELECT workspace_id FROM channels WHERE id = $1")
        .bind(x_channel)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(
        row.get::<i64, _>("workspace_id"),
        1,
        "the same channel, moved"
    );
    let history: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM events WHERE channel_id = $1 AND workspace_id = 1")
            .bind(x_channel)
            .fetch_one(pool)
            .await
            .unwrap()
            .get("n");
    assert_eq!(
        history, 2,
        "its connected event came along, and the move is logged"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM events WHERE kind = $1",
            "moved_out"
        )
        .await,
        1
    );

    // TikTok: removed there, connected here afresh.
    let consent = bo
        .start_connect_on("tiktok", "Bakery on TikTok", "metrics")
        .await;
    let callback = bo
        .consent_as(&consent, NETS[5].people[0], "approve", &[])
        .await;
    let Landing::Pick(path) = bo.land(&callback).await else {
        panic!("picker expected");
    };
    let key = first_key_of_select(&bo.page(&path).await);
    bo.pick(&path, Some(&[&format!("replace:{key}")])).await;
    assert_eq!(channels_of(&app, "tiktok").await, 1);
    let removed: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM events WHERE kind = 'deleted' AND workspace_id = $1",
    )
    .bind(agency)
    .fetch_one(pool)
    .await
    .unwrap()
    .get("n");
    assert_eq!(removed, 1, "the removal is logged where it happened");
    assert_eq!(events_naming_missing_channels(pool).await, 0);
    let here: i64 = sqlx::query("SELECT workspace_id FROM channels WHERE network = 'tiktok'")
        .fetch_one(pool)
        .await
        .unwrap()
        .get("workspace_id");
    assert_eq!(here, 1);
}

/// The account key offered by the first move/replace select on a picker page.
fn first_key_of_select(html: &str) -> String {
    let document = scraper::Html::parse_document(html);
    let selector =
        scraper::Selector::parse(r#"select[name="account"] option[value^="move:"]"#).unwrap();
    document
        .select(&selector)
        .next()
        .and_then(|o| o.value().attr("value"))
        .unwrap()
        .trim_start_matches("move:")
        .to_owned()
}

async fn cancelling_at_any_network_stores_nothing(backend: Backend) {
    let app = app(backend).await;
    for net in NETS {
        let consent = app.start_connect_on(net.id, net.name, "publishing").await;
        let callback = app.consent_as(&consent, net.people[0], "deny", &[]).await;
        let Landing::Dashboard(html) = app.land(&callback).await else {
            panic!("a cancel never reaches the picker");
        };
        assert!(
            html.contains(&format!("cancelled at {}", net.name)),
            "{}: {html}",
            net.id
        );
    }
    assert_eq!(app.channel_count().await, 0);
}

/// Graph revokes a person's whole grant by naming the person. An imported Page token came
/// without its giver: unlinking it names no one, says so, and never asks Graph to revoke
/// "the Page's" permissions as if the Page were a person.
async fn an_imported_page_whose_giver_is_unknown_is_not_revoked_as_a_person(backend: Backend) {
    let app = app(backend).await;
    let token = serde_json::from_value::<engine::import::ImportedToken>(json!({
        "network": "facebook",
        "kind": "page",
        "account_id": "1029384756",
        "handle": "imported-bakery",
        "name": "Imported Bakery",
        "access_token": "EAAB-imported-page-token",
    }))
    .unwrap();
    let workspace: i64 = sqlx::query_scalar("SELECT id FROM workspaces")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap();
    app.engine
        .import_tokens(workspace, &[token], 1)
        .await
        .unwrap();
    let channel = first_channel(&app, "facebook").await;
    let response = app
        .post_form(&format!("/channels/{channel}/unlink"), &[])
        .await;
    let html = app.page(&location(&response)).await;
    assert!(
        html.contains("Tether does not know which Facebook account gave this imported token"),
        "{html}"
    );
    assert!(!html.contains("could not be reached"), "{html}");
    assert_eq!(
        app.sandbox_state("facebook").await["counters"]["revocations"],
        json!(0)
    );
    let unlinked: Option<i64> =
        sqlx::query_scalar("SELECT unlinked_at FROM channels WHERE id = $1")
            .bind(channel)
            .fetch_one(app.engine.db().pool())
            .await
            .unwrap();
    assert!(unlinked.is_some(), "unlinked all the same");
}

async fn unlinking_revokes_at_the_network_and_keeps_the_history(backend: Backend) {
    let app = app(backend).await;
    for net in NETS {
        connect_all(&app, net, net.people[0]).await;
        let channels = count(
            &app,
            "SELECT COUNT(*) FROM channels WHERE network = $1",
            net.id,
        )
        .await;
        // The channels of one consent share its grant: each unlink but the last keeps it
        // at the network, or the others would be cut off.
        for left in (0..channels).rev() {
            let channel = count(
                &app,
                "SELECT MIN(id) FROM channels WHERE network = $1 AND unlinked_at IS NULL",
                net.id,
            )
            .await;
            let response = app
                .post_form(&format!("/channels/{channel}/unlink"), &[])
                .await;
            assert_eq!(location(&response), "/");
            let html = app.page("/").await;
            assert!(html.contains("Unlinked “"), "{}: {html}", net.id);
            let revocations = app.sandbox_state(net.id).await["counters"]["revocations"]
                .as_u64()
                .unwrap();
            if !net.revocable {
                assert_eq!(revocations, 0, "{}", net.id);
                assert!(html.contains("offers no way to revoke"), "{}", net.id);
            } else if left > 0 {
                assert_eq!(revocations, 0, "{}: siblings keep the grant", net.id);
                assert!(
                    html.contains(&format!("Access stays granted at {}", net.name)),
                    "{}: {html}",
                    net.id
                );
            } else {
                assert_eq!(revocations, 1, "{}", net.id);
                assert!(
                    html.contains(&format!("Access was revoked at {}", net.name)),
                    "{}",
                    net.id
                );
            }
            assert!(
                app.engine.access_token(channel).await.is_err(),
                "{}: tokens dropped",
                net.id
            );
        }
        assert_eq!(
            channels_of(&app, net.id).await,
            net.accounts as i64,
            "{}: kept",
            net.id
        );
    }
    let html = app.page("/").await;
    assert!(html.contains("Unlinked on purpose"));
    let unlinked = count(
        &app,
        "SELECT COUNT(*) FROM events WHERE kind = $1",
        "unlinked",
    )
    .await;
    let every_channel: usize = NETS.iter().map(|n| n.accounts).sum();
    assert_eq!(unlinked, every_channel as i64);
}

/// Events still naming a channel that is gone (the log has no foreign key to keep them
/// consistent; deleting a channel must detach its history).
async fn events_naming_missing_channels(pool: &sqlx::AnyPool) -> i64 {
    sqlx::query(
        "SELECT COUNT(*) AS n FROM events e WHERE e.channel_id IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM channels c WHERE c.id = e.channel_id)",
    )
    .fetch_one(pool)
    .await
    .unwrap()
    .get("n")
}

async fn deleting_wipes_tokens_and_channel_but_logs_it(backend: Backend) {
    let app = app(backend).await;
    connect_all(&app, &NETS[5], NETS[5].people[0]).await;
    let channel = first_channel(&app, "tiktok").await;
    let response = app
        .post_form(&format!("/channels/{channel}/delete"), &[])
        .await;
    assert_eq!(location(&response), "/");
    assert!(app
        .page("/")
        .await
        .contains("Deleted “TikTok main” and its tokens."));
    assert_eq!(app.channel_count().await, 0);
    let credentials: i64 = sqlx::query("SELECT COUNT(*) AS n FROM credentials")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap()
        .get("n");
    assert_eq!(credentials, 0);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM events WHERE kind = $1",
            "deleted"
        )
        .await,
        1
    );
    assert_eq!(
        events_naming_missing_channels(app.engine.db().pool()).await,
        0,
        "the deleted channel's history stays, detached from it"
    );
    assert_eq!(
        app.sandbox_state("tiktok").await["counters"]["revocations"],
        json!(1)
    );
}

async fn the_api_describes_every_network(backend: Backend) {
    let app = spawn_app(backend).await;
    let networks: serde_json::Value = app
        .browser
        .get(app.url("/api/v1/networks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = networks
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    for net in NETS {
        assert!(ids.contains(&net.id), "{} missing", net.id);
    }
    let facebook = networks
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "facebook")
        .unwrap();
    assert_eq!(facebook["mode"], "sandbox");
    assert_eq!(facebook["long_lived_exchange"], "fb_exchange_token");
    assert_eq!(facebook["partial_consent"], true);
    assert_eq!(facebook["scopes"]["publishing"][0], "pages_manage_posts");
    let threads = networks
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "threads")
        .unwrap();
    assert_eq!(threads["private_profile_consent_secs"], 90 * 86_400);
    assert_eq!(threads["reconsent_after_secs"], json!(null));
}

/// Threads ends a private profile's permissions 90 days after consent and says nothing of
/// which profiles are private: the channel page says when that would be, as a possibility,
/// and nothing counts down to it or reminds anyone of it.
async fn a_threads_channel_says_when_a_private_profiles_consent_would_end(backend: Backend) {
    let app = app(backend).await;
    let threads = NETS.iter().find(|n| n.id == "threads").unwrap();
    connect_all(&app, threads, threads.people[0]).await;
    let channel = first_channel(&app, "threads").await;
    let page = app.page(&format!("/channels/{channel}")).await;
    let ends = common::test_epoch().timestamp() + 90 * 86_400;
    assert!(page.contains("If the profile is private"), "{page}");
    assert!(
        page.contains(&format!(
            "Threads ends these permissions on {} (90 days after consent)",
            engine::clock::utc_words(ends)
        )),
        "{page}"
    );
    assert!(page.contains("Threads does not say which this profile is"));
    assert!(page.contains("No fixed deadline"), "no deadline is claimed");

    let x = NETS.iter().find(|n| n.id == "x").unwrap();
    connect_all(&app, x, x.people[0]).await;
    let page = app
        .page(&format!("/channels/{}", first_channel(&app, "x").await))
        .await;
    assert!(!page.contains("If the profile is private"));
}

async fn the_sandbox_moves_the_clock_and_every_page_says_so(backend: Backend) {
    let app = common::spawn_app_with(
        backend,
        &[
            ("TETHER_SANDBOX", "demo"),
            ("TETHER_SESSION_IDLE_MINUTES", "30"),
            ("TETHER_SESSION_HOURS", "12"),
        ],
    )
    .await;
    app.set_up_owner().await;
    connect_all(&app, &NETS[3], NETS[3].people[0]).await;
    assert!(!app.page("/").await.contains("clock-banner"));
    // 360 days on, LinkedIn's fixed 365-day consent is about to end.
    app.sandbox_control(
        "linkedin",
        json!({"action": "move_clock", "seconds": 360 * 86_400}),
    )
    .await;
    // Sessions follow the instance's clock and last 12 hours here, so the move signed
    // everyone out; the banner is on that page too.
    let html = app.page("/").await;
    assert!(html.contains("Sign in"), "{html}");
    assert!(html.contains("Sandbox clock moved forward by 360 days"));
    let response = app
        .post_form(
            "/auth/login",
            &[
                ("email", "ada@example.com"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(location(&response), "/");
    let html = app.page("/").await;
    assert!(
        html.contains("Sandbox clock moved forward by 360 days"),
        "{html}"
    );
    assert!(html.contains("Expiring soon"), "{html}");
    let state = app.sandbox_state("x").await;
    assert_eq!(
        state["clock_offset_secs"],
        360 * 86_400,
        "one clock for the instance"
    );
    app.sandbox_control("facebook", json!({"action": "reset_clock"}))
        .await;
    let html = app.page("/").await;
    assert!(!html.contains("clock-banner"));
    // Control input is validated.
    let refused = app
        .browser
        .post(app.url("/sandbox/x/_control/api"))
        .json(&json!({"action": "move_clock", "seconds": -5}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

async fn a_separate_sandbox_process_serves_tether(backend: Backend) {
    let secret = engine::crypto::Secret::new("shared-sandbox-secret");
    let public = url::Url::parse("http://tether.test/").unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox_url = format!("http://{}/", listener.local_addr().unwrap());
    let served_at = url::Url::parse(&sandbox_url).unwrap();
    let router = server::standalone_sandboxes(&served_at, &public, &secret, false).unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let app = common::spawn_app_with(
        backend,
        &[
            ("TETHER_PUBLIC_URL", "http://tether.test/"),
            ("TETHER_SANDBOX_URL", &sandbox_url),
            ("TETHER_SANDBOX_CLIENT_SECRET", "shared-sandbox-secret"),
        ],
    )
    .await;
    app.set_up_owner().await;
    let consent = app.start_connect_on("x", "Bakery on X", "metrics").await;
    assert!(consent.as_str().starts_with(&sandbox_url), "{consent}");
    let callback = app
        .consent_as(&consent, NETS[4].people[0], "approve", &[])
        .await;
    // The browser would go to tether.test; in the test that is the app's socket.
    let mut callback = callback;
    callback.set_host(app.base.host_str()).unwrap();
    callback.set_port(app.base.port()).unwrap();
    let Landing::Dashboard(html) = app.land(&callback).await else {
        panic!("X needs no picker");
    };
    assert!(
        html.contains("Connected “Bakery on X” (@lindbakery)"),
        "{html}"
    );
    // Tether serves no sandbox of its own in this mode.
    assert_eq!(
        app.get("/sandbox/x/_control/api").await.status(),
        StatusCode::NOT_FOUND
    );
}

/// The controls of the emulated networks are the demo's, never an open door: an
/// anonymous request changes nothing (today's bug: an anonymous POST moved the whole
/// instance 400 days), a viewer is refused, an owner may use them.
async fn the_sandbox_controls_need_an_owner_or_admin(backend: Backend) {
    let app = demo_app(backend).await;
    let anonymous = reqwest::Client::new();
    for path in ["/sandbox/x/_control/api", "/sandbox/facebook/_control/api"] {
        let moved = anonymous
            .post(app.url(path))
            .json(&json!({"action": "move_clock", "seconds": 34_560_000}))
            .send()
            .await
            .unwrap();
        assert_eq!(moved.status(), StatusCode::UNAUTHORIZED, "{path}");
        let killed = anonymous
            .post(app.url(path))
            .json(&json!({"action": "account", "person": "fb-501", "reason": "revoked"}))
            .send()
            .await
            .unwrap();
        assert_eq!(killed.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    let form = anonymous
        .post(app.url("/sandbox/x/_control"))
        .form(&[("action", "move_clock"), ("seconds", "86400")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::UNAUTHORIZED);
    let page = anonymous
        .get(app.url("/sandbox/x/_control"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::UNAUTHORIZED);
    assert!(app.clock.offset().is_zero(), "the clock did not move");

    add_person(
        &app,
        "vi@example.com",
        "Vi Viewer",
        engine::domain::Role::Viewer,
    )
    .await;
    let viewer = sign_in_as(&app, "vi@example.com").await;
    let refused = viewer
        .browser
        .post(viewer.url("/sandbox/x/_control/api"))
        .json(&json!({"action": "weather", "weather": "down"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.sandbox_state("x").await["weather"], "normal");
    assert!(!viewer.page("/").await.contains("Sandbox controls"));

    // The owner of a demo may move the clock; bulk minting belongs to the standalone
    // sandbox alone.
    app.sandbox_control("x", json!({"action": "move_clock", "seconds": 86_400}))
        .await;
    assert_eq!(app.clock.offset(), chrono::TimeDelta::days(1));
    app.sandbox_control("x", json!({"action": "reset_clock"}))
        .await;
    let mint = app
        .browser
        .post(app.url("/sandbox/x/_control/api/mint"))
        .json(&json!({"count": 10}))
        .send()
        .await
        .unwrap();
    assert_eq!(mint.status(), StatusCode::NOT_FOUND);
    assert!(app.page("/").await.contains("Sandbox controls"));
}

/// Outside a demo the clock belongs to the instance: the controls never move it.
async fn only_a_demo_moves_the_clock(backend: Backend) {
    let app = app(backend).await;
    let refused = app
        .browser
        .post(app.url("/sandbox/x/_control/api"))
        .json(&json!({"action": "move_clock", "seconds": 3600}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("demo"));
    assert!(app.clock.offset().is_zero());
}

/// `tether serve` on its defaults serves no emulated network at all.
async fn tether_serve_on_its_defaults_serves_no_sandbox(backend: Backend) {
    let app = common::spawn_app_with(backend, &[("TETHER_SANDBOX", "off")]).await;
    app.set_up_owner().await;
    let anonymous = reqwest::Client::new();
    let moved = anonymous
        .post(app.url("/sandbox/x/_control/api"))
        .json(&json!({"action": "move_clock", "seconds": 34_560_000}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), StatusCode::NOT_FOUND);
    let owner = app
        .browser
        .post(app.url("/sandbox/x/_control/api"))
        .json(&json!({"action": "move_clock", "seconds": 34_560_000}))
        .send()
        .await
        .unwrap();
    assert_eq!(owner.status(), StatusCode::NOT_FOUND);
    assert!(app.clock.offset().is_zero());
    assert!(app.engine.networks().all().is_empty());
}

on_both_backends!(
    an_imported_page_whose_giver_is_unknown_is_not_revoked_as_a_person,
    a_threads_channel_says_when_a_private_profiles_consent_would_end,
    the_sandbox_controls_need_an_owner_or_admin,
    only_a_demo_moves_the_clock,
    tether_serve_on_its_defaults_serves_no_sandbox,
    a_failing_network_stores_nothing,
    an_admin_may_hand_a_channel_to_another_account,
    an_admin_of_both_workspaces_may_move_or_remove,
    the_api_describes_every_network,
    the_sandbox_moves_the_clock_and_every_page_says_so,
    a_separate_sandbox_process_serves_tether,
    every_network_connects_with_its_accounts,
    the_picker_connects_only_what_was_ticked,
    facebook_and_instagram_connect_in_one_consent,
    partial_consent_shows_missing_permissions_and_asks_again,
    reauthorizing_keeps_the_channel_and_refuses_another_account,
    an_account_connected_in_another_workspace_is_refused,
    cancelling_at_any_network_stores_nothing,
    unlinking_revokes_at_the_network_and_keeps_the_history,
    deleting_wipes_tokens_and_channel_but_logs_it,
);
