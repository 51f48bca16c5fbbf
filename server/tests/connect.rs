//! The first slice over real HTTP: set up, sign in, connect a sandbox channel through the
//! OAuth handshake, and see it on the dashboard; plus every way the handshake can go wrong.

mod common;

use chrono::TimeDelta;
use common::{
    add_person, location, spawn_app, spawn_app_with, Backend, TestApp, PASSWORD, SETUP_TOKEN,
};
use reqwest::StatusCode;
use sqlx::Row;

on_both_backends!(
    first_visit_leads_to_set_up_and_then_to_an_empty_dashboard,
    a_reconnect_comes_back_to_the_list_it_was_started_from,
    a_thousand_channels_are_found_by_state_network_and_name,
    a_channel_is_renamed_from_its_page,
    set_up_is_refused_once_done_and_sign_in_works,
    connecting_a_sandbox_channel_stores_it_encrypted_and_shows_it_connected,
    a_denied_consent_stores_nothing,
    a_forged_state_stores_nothing,
    a_replayed_callback_is_refused,
    a_callback_from_another_session_is_refused,
    an_expired_handshake_is_refused,
    invalid_input_is_refused_with_a_message,
    viewers_cannot_connect_channels,
    health_answers_when_the_database_does,
    cross_site_posts_are_refused,
    cookies_are_secure_when_tether_is_served_over_https,
    lapsed_sessions_and_abandoned_handshakes_are_swept,
    a_planted_flash_message_is_not_shown,
);

/// With 1,000 channels the dashboard was 3.9 MB and nothing helped find the few that
/// needed a person: they come first, the counts per state lead to their filter, a search
/// finds a channel by handle, the rest is in pages, and the first screen stays under
/// 100 KB. Everything is in the address, so it works before any script runs.
async fn a_thousand_channels_are_found_by_state_network_and_name(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let token = |network: &str, kind: &str, n: usize| {
        serde_json::from_value::<engine::import::ImportedToken>(serde_json::json!({
            "network": network,
            "kind": kind,
            "account_id": format!("{network}{n:019}"),
            "handle": format!("@client{n}"),
            "name": format!("Client {n:04}"),
            "access_token": format!("access-{n}"),
            "refresh_token": format!("refresh-{n}"),
            "expires_in": 7200,
        }))
        .unwrap()
    };
    let mut tokens: Vec<_> = (0..990).map(|n| token("x", "profile", n)).collect();
    tokens.extend((990..1000).map(|n| token("youtube", "channel", n)));
    let pool = app.engine.db().pool();
    let workspace: i64 = sqlx::query_scalar("SELECT id FROM workspaces")
        .fetch_one(pool)
        .await
        .unwrap();
    app.engine
        .import_tokens(workspace, &tokens, 1)
        .await
        .unwrap();
    // Ten the network refused, spread through the alphabet.
    sqlx::query(
        "UPDATE credentials SET dead_reason = 'revoked' WHERE channel_id IN \
         (SELECT id FROM channels WHERE handle LIKE '@client_7' OR handle = '@client995')",
    )
    .execute(pool)
    .await
    .unwrap();
    let dead: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM credentials WHERE dead_reason IS NOT NULL")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(dead, 10);
    let names = |html: &str| -> Vec<String> {
        let page = scraper::Html::parse_document(html);
        let selector = scraper::Selector::parse("[data-testid=channel] .channel__name a").unwrap();
        page.select(&selector)
            .map(|a| a.text().collect::<String>())
            .collect()
    };

    let first = app.page("/").await;
    assert!(
        first.len() < 100_000,
        "the first screen is {} bytes",
        first.len()
    );
    let shown = names(&first);
    assert_eq!(shown.len(), 50, "one page");
    let needing: Vec<String> = (1..10)
        .map(|n| format!("Client {:04}", n * 10 + 7))
        .chain(["Client 0995".to_owned()])
        .collect();
    assert_eq!(
        shown[..10],
        needing[..],
        "the ones that need a person first"
    );
    assert!(first.contains("1–50 of 1,000 channels"), "{first}");
    assert!(first.contains(r#"href="/?show=attention""#));
    assert!(first.contains("10 need attention"), "{first}");
    assert!(first.contains(r#"href="/?page=2" rel="next""#), "{first}");

    let attention = app.page("/?show=attention").await;
    assert_eq!(names(&attention).len(), 10);
    // A channel opened from a filtered view leads back to it.
    let opened = scraper::Html::parse_document(&attention)
        .select(&scraper::Selector::parse("[data-testid=channel] .channel__name a").unwrap())
        .next()
        .and_then(|a| a.value().attr("href"))
        .unwrap()
        .to_owned();
    assert!(opened.ends_with("?from=%2F%3Fshow%3Dattention"), "{opened}");
    assert!(
        app.page(&opened)
            .await
            .contains(r#"<a href="/?show=attention">← Back to the dashboard</a>"#),
        "{opened}"
    );
    assert!(
        attention.contains("1–10 of 10 matching channels (of 1,000 in all)"),
        "{attention}"
    );
    let searched = app.page("/?q=%40client995").await;
    assert_eq!(names(&searched), ["Client 0995"]);
    let youtube = app.page("/?network=youtube").await;
    assert_eq!(names(&youtube).len(), 10);
    assert!(names(&youtube).iter().all(|n| n.as_str() >= "Client 0990"));
    let last = app.page("/?page=20").await;
    assert_eq!(names(&last).len(), 50);
    assert!(last.contains("Page 20 of 20"), "{last}");
    let odd = app.page("/?show=gone&page=abc").await;
    assert!(
        odd.contains("“gone” is not a state a channel can be in"),
        "{odd}"
    );
    assert_eq!(names(&odd).len(), 50);
}

/// The picker promised "you can rename them later" and nothing could: the channel's page
/// renames it for editors and up, the history says from what to what, and a name that is
/// empty or too long is refused in words with the old name kept.
async fn a_channel_is_renamed_from_its_page(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let consent = app.start_connect("Studio").await;
    let callback = app.consent(&consent, "approve").await;
    app.finish(&callback).await;
    let channel: i64 = sqlx::query_scalar("SELECT id FROM channels")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap();
    let page = format!("/channels/{channel}");
    let rename = format!("/channels/{channel}/rename");
    assert!(app
        .page(&page)
        .await
        .contains(&format!("action=\"{rename}\"")));

    let renamed = app.post_form(&rename, &[("name", "  Studio EU ")]).await;
    assert_eq!(location(&renamed), page);
    let html = app.page(&page).await;
    assert!(html.contains("Renamed “Studio” to “Studio EU”."), "{html}");
    assert!(html.contains("<h1>Studio EU</h1>"), "{html}");
    assert!(
        html.contains("“Studio” → “Studio EU”"),
        "the history says it: {html}"
    );
    assert!(app.page("/").await.contains("Studio EU"));

    let long = "x".repeat(81);
    for (name, words) in [
        ("   ", "The channel name must not be empty."),
        (
            long.as_str(),
            "The channel name must be at most 80 characters",
        ),
    ] {
        let refused = app.post_form(&rename, &[("name", name)]).await;
        assert_eq!(location(&refused), page);
        let html = app.page(&page).await;
        assert!(html.contains(words), "{words}: {html}");
        assert!(html.contains("<h1>Studio EU</h1>"), "kept: {html}");
    }

    add_person(
        &app,
        "vic@example.com",
        "Vic Viewer",
        engine::domain::Role::Viewer,
    )
    .await;
    let viewer = common::sign_in_as(&app, "vic@example.com").await;
    assert!(!viewer.page(&page).await.contains(&rename));
    let refused = viewer.post_form(&rename, &[("name", "Mine now")]).await;
    assert!(viewer
        .page(&location(&refused))
        .await
        .contains("does not allow"));
    let name: String = sqlx::query_scalar("SELECT name FROM channels")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap();
    assert_eq!(name, "Studio EU");
}

async fn first_visit_leads_to_set_up_and_then_to_an_empty_dashboard(backend: Backend) {
    let app = spawn_app(backend).await;
    let dashboard = app.get("/").await;
    assert_eq!(dashboard.status(), StatusCode::FOUND);
    assert_eq!(location(&dashboard), "/login");
    let login = app.get("/login").await;
    assert_eq!(location(&login), "/setup");
    let setup = app.page(&format!("/setup/{SETUP_TOKEN}")).await;
    assert!(setup.contains(r#"action="/auth/setup""#));

    app.set_up_owner().await;
    let html = app.page("/").await;
    assert!(html.contains("Acme Social"));
    assert!(html.contains("Tether is set up."));
    assert!(html.contains("No channels yet"));
    // The flash is shown once.
    assert!(!app.page("/").await.contains("Tether is set up."));
}

async fn set_up_is_refused_once_done_and_sign_in_works(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let again = app
        .post_form(
            "/auth/setup",
            &[
                ("setup_link", SETUP_TOKEN),
                ("display_name", "Mallory"),
                ("email", "mallory@example.com"),
                ("password", "another long password"),
                ("workspace_name", "Takeover"),
            ],
        )
        .await;
    assert_eq!(location(&again), "/login");

    let signed_out = app.post_form("/auth/logout", &[]).await;
    assert_eq!(location(&signed_out), "/login");
    assert_eq!(location(&app.get("/").await), "/login");

    let wrong = app
        .post_form(
            "/auth/login",
            &[
                ("email", "ada@example.com"),
                ("password", "wrong password!"),
            ],
        )
        .await;
    assert_eq!(location(&wrong), "/login");
    assert!(app.page("/login").await.contains("do not match an account"));
    let unknown = app
        .post_form(
            "/auth/login",
            &[
                ("email", "mallory@example.com"),
                ("password", "another long password"),
            ],
        )
        .await;
    assert_eq!(location(&unknown), "/login");

    let right = app
        .post_form(
            "/auth/login",
            &[
                ("email", "ADA@example.com"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(location(&right), "/");
    let cookie = right
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http must not mark cookies Secure: {cookie}"
    );
    assert!(app.page("/").await.contains("Ada Owner"));
}

async fn connecting_a_sandbox_channel_stores_it_encrypted_and_shows_it_connected(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;

    let consent_url = app.start_connect("Studio").await;
    let query: std::collections::HashMap<_, _> = consent_url.query_pairs().into_owned().collect();
    assert_eq!(consent_url.path(), "/sandbox/sandbox/authorize");
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["code_challenge"].len(), 43);
    assert_eq!(query["state"].len(), 43);
    assert_eq!(
        query["redirect_uri"],
        app.url("/oauth/callback/sandbox").as_str()
    );

    let callback = app.consent(&consent_url, "approve").await;
    assert!(callback.query_pairs().any(|(k, _)| k == "code"));
    let html = app.finish(&callback).await;

    assert!(
        html.contains("Connected “Studio” (@sandbox.studio)."),
        "{html}"
    );
    assert!(html.contains("badge--connected"));
    // The countdown is to the renewal Tether planned, before the hour-long token ends.
    let renew_at: i64 = sqlx::query_scalar("SELECT renew_at FROM credentials")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap();
    let left = renew_at - app.clock.now().timestamp();
    assert!((1..3600).contains(&left), "{left}");
    let countdown = format!("Renews in {}", app::status::duration_words(left));
    assert!(html.contains(&countdown), "{countdown}: {html}");
    assert!(html.contains("All well"));
    assert_eq!(app.channel_count().await, 1);

    // The token works at the network, is sealed in the database, and never reaches the page.
    let token = app.only_access_token().await;
    let me = app
        .browser
        .get(app.url("/sandbox/sandbox/me"))
        .bearer_auth(token.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    assert!(!html.contains(token.expose()));
    let stored: Vec<u8> = sqlx::query("SELECT access_token FROM credentials")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap()
        .get("access_token");
    assert!(!String::from_utf8_lossy(&stored).contains(token.expose()));
    let row =
        sqlx::query("SELECT refresh_token, granted_scopes, access_expires_at FROM credentials")
            .fetch_one(app.engine.db().pool())
            .await
            .unwrap();
    assert!(row.get::<Option<Vec<u8>>, _>("refresh_token").is_some());
    assert_eq!(
        row.get::<String, _>("granted_scopes"),
        "offline_access profile.read metrics.read"
    );
    assert_eq!(
        row.get::<i64, _>("access_expires_at"),
        (common::test_epoch() + TimeDelta::hours(1)).timestamp()
    );

    let events = app.engine.events(1, 10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, "connected");
    assert_eq!(events[0].detail["handle"], "@sandbox.studio");
    assert!(!events[0].detail.to_string().contains(token.expose()));

    // Time moves on: the countdown follows the injected clock.
    app.advance(TimeDelta::minutes(30));
    let later = format!(
        "Renews in {}",
        app::status::duration_words(renew_at - app.clock.now().timestamp())
    );
    assert!(app.page("/").await.contains(&later), "{later}");
}

async fn a_denied_consent_stores_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let consent_url = app.start_connect("Studio").await;
    let callback = app.consent(&consent_url, "deny").await;
    assert!(callback
        .query_pairs()
        .any(|(k, v)| k == "error" && v == "access_denied"));
    let html = app.finish(&callback).await;
    assert!(
        html.contains("The connection was cancelled at Sandbox; nothing was changed."),
        "{html}"
    );
    assert!(html.contains(r#"role="alert""#));
    assert_eq!(app.channel_count().await, 0);
}

async fn a_forged_state_stores_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    // A real handshake is in flight; the forged callback must not ride on it.
    let consent_url = app.start_connect("Studio").await;
    let real = app.consent(&consent_url, "approve").await;
    let code = real
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let forged = app.url(&format!(
        "/oauth/callback/sandbox?code={code}&state=forged-state"
    ));
    let html = app.finish(&forged).await;
    assert!(html.contains("cannot be completed any more"), "{html}");
    assert_eq!(app.channel_count().await, 0);
    let missing = app.url("/oauth/callback/sandbox?code=abc");
    assert!(app
        .finish(&missing)
        .await
        .contains("cannot be completed any more"));
    assert_eq!(app.channel_count().await, 0);
}

async fn a_replayed_callback_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let consent_url = app.start_connect("Studio").await;
    let callback = app.consent(&consent_url, "approve").await;
    app.finish(&callback).await;
    assert_eq!(app.channel_count().await, 1);
    let html = app.finish(&callback).await;
    assert!(html.contains("cannot be completed any more"), "{html}");
    assert_eq!(app.channel_count().await, 1);
}

async fn a_callback_from_another_session_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let consent_url = app.start_connect("Studio").await;
    let callback = app.consent(&consent_url, "approve").await;
    // Another browser (no session, or someone else's) opens the victim's callback URL.
    let stranger = common::browser();
    let response = stranger.get(callback.clone()).send().await.unwrap();
    assert_eq!(location(&response), "/");
    assert_eq!(app.channel_count().await, 0);
    // The state was spent by that attempt: the original browser cannot use it either.
    assert!(app
        .finish(&callback)
        .await
        .contains("cannot be completed any more"));
    assert_eq!(app.channel_count().await, 0);
}

async fn an_expired_handshake_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let consent_url = app.start_connect("Studio").await;
    let callback = app.consent(&consent_url, "approve").await;
    app.advance(TimeDelta::minutes(11));
    assert!(app
        .finish(&callback)
        .await
        .contains("cannot be completed any more"));
    assert_eq!(app.channel_count().await, 0);
}

async fn invalid_input_is_refused_with_a_message(backend: Backend) {
    let app = spawn_app(backend).await;
    let weak = app
        .post_form(
            "/auth/setup",
            &[
                ("setup_link", SETUP_TOKEN),
                ("display_name", "Ada"),
                ("email", "ada@example.com"),
                ("password", "short"),
                ("workspace_name", "Acme"),
            ],
        )
        .await;
    let back = format!("/setup/{SETUP_TOKEN}");
    assert_eq!(location(&weak), back);
    let refused = app.page(&back).await;
    assert!(refused.contains("at least 12 characters"));
    // What was typed comes back, except the password.
    for kept in [
        r#"value="Ada""#,
        r#"value="ada@example.com""#,
        r#"value="Acme""#,
    ] {
        assert!(refused.contains(kept), "{kept}: {refused}");
    }
    assert!(!refused.contains("short"), "{refused}");
    let bad_email = app
        .post_form(
            "/auth/setup",
            &[
                ("setup_link", SETUP_TOKEN),
                ("display_name", "Ada"),
                ("email", "not-an-email"),
                ("password", "long enough pw"),
                ("workspace_name", "Acme"),
            ],
        )
        .await;
    assert_eq!(location(&bad_email), back);
    assert!(app.engine.needs_setup().await.unwrap());

    app.set_up_owner().await;
    // A wrong password: the email stays in its field, the password does not.
    let stranger = app.other_browser();
    let wrong = stranger
        .post_form(
            "/auth/login",
            &[
                ("email", "ada@example.com"),
                ("password", "not the password"),
            ],
        )
        .await;
    assert_eq!(location(&wrong), "/login");
    let refused = stranger.page("/login").await;
    assert!(refused.contains(r#"value="ada@example.com""#), "{refused}");
    assert!(!refused.contains("not the password"), "{refused}");
    // Asked for a page while signed out: signing in comes back to it, and never elsewhere.
    let visitor = app.other_browser();
    let asked = visitor.get("/settings/members").await;
    assert_eq!(location(&asked), "/login?next=%2Fsettings%2Fmembers");
    let login = visitor.page(&location(&asked)).await;
    assert!(
        login.contains(r#"name="next" value="/settings/members""#),
        "{login}"
    );
    let signed_in = |next: &'static str| {
        let browser = app.other_browser();
        async move {
            let response = browser
                .post_form(
                    "/auth/login",
                    &[
                        ("email", "ada@example.com"),
                        ("password", common::OWNER_PASSWORD),
                        ("next", next),
                    ],
                )
                .await;
            location(&response)
        }
    };
    assert_eq!(signed_in("/settings/members").await, "/settings/members");
    assert_eq!(signed_in("//evil.example/x").await, "/");
    assert_eq!(signed_in("https://evil.example/").await, "/");
    // Reminder days that do not parse come back to be corrected.
    let days = app
        .post_form("/settings/reminders", &[("days", "30, 14, soon")])
        .await;
    assert_eq!(location(&days), "/notifications");
    let refused = app.page("/notifications").await;
    assert!(refused.contains(r#"value="30, 14, soon""#), "{refused}");
    let blank = app
        .post_form(
            "/channels/connect",
            &[("network", "sandbox"), ("name", "   ")],
        )
        .await;
    assert_eq!(location(&blank), "/");
    assert!(app
        .page("/")
        .await
        .contains("The channel name must not be empty."));
    let unknown = app
        .post_form(
            "/channels/connect",
            &[("network", "myspace"), ("name", "Old")],
        )
        .await;
    assert_eq!(location(&unknown), "/");
    assert!(app
        .page("/")
        .await
        .contains("myspace is not a network Tether can connect."));
    let html_name = app
        .post_form(
            "/channels/connect",
            &[
                ("network", "sandbox"),
                ("name", "<script>alert(1)</script>"),
            ],
        )
        .await;
    // Any name is fine as text; it is escaped wherever it is shown.
    let consent = url::Url::parse(&location(&html_name)).unwrap();
    let callback = app.consent(&consent, "approve").await;
    let html = app.finish(&callback).await;
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

async fn viewers_cannot_connect_channels(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    add_person(
        &app,
        "vic@example.com",
        "Vic Viewer",
        engine::domain::Role::Viewer,
    )
    .await;
    let viewer = TestApp {
        browser: common::browser(),
        ..app
    };
    let signed_in = viewer
        .post_form(
            "/auth/login",
            &[("email", "vic@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(location(&signed_in), "/");
    let html = viewer.page("/").await;
    assert!(!html.contains(r#"action="/channels/connect""#));
    let attempt = viewer
        .post_form(
            "/channels/connect",
            &[("network", "sandbox"), ("name", "Sneaky")],
        )
        .await;
    assert_eq!(location(&attempt), "/");
    assert!(viewer
        .page("/")
        .await
        .contains("Your role in this workspace does not allow that."));
    assert_eq!(viewer.channel_count().await, 0);
}

async fn health_answers_when_the_database_does(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "ok");
}

async fn cross_site_posts_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app
        .browser
        .post(app.url("/auth/setup"))
        .header("origin", "https://evil.example")
        .form(&[
            ("setup_link", SETUP_TOKEN),
            ("display_name", "Eve"),
            ("email", "eve@example.com"),
            ("password", "long enough pw"),
            ("workspace_name", "Evil"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(app.engine.needs_setup().await.unwrap());
    let own_origin = app.base.origin().ascii_serialization();
    let response = app
        .browser
        .post(app.url("/auth/setup"))
        .header("origin", own_origin)
        .form(&[
            ("setup_link", SETUP_TOKEN),
            ("display_name", "Ada"),
            ("email", "ada@example.com"),
            ("password", "long enough pw"),
            ("workspace_name", "Acme"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/");
}

async fn cookies_are_secure_when_tether_is_served_over_https(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[
            ("TETHER_PUBLIC_URL", "https://tether.example.com"),
            // Over https the sandbox must be asked for explicitly.
            ("TETHER_SANDBOX_IN_PRODUCTION", "yes"),
        ],
    )
    .await;
    let response = app
        .post_form(
            "/auth/setup",
            &[
                ("setup_link", SETUP_TOKEN),
                ("display_name", "Ada"),
                ("email", "ada@example.com"),
                ("password", "long enough pw"),
                ("workspace_name", "Acme"),
            ],
        )
        .await;
    let cookies: Vec<_> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    // `__Host-`: browsers keep it only if Secure, for `/`, on this host alone.
    let session = cookies
        .iter()
        .find(|c| c.starts_with("__Host-tether_session="))
        .unwrap();
    assert!(
        session.contains("Secure") && session.contains("HttpOnly") && session.contains("Path=/"),
        "{session}"
    );
    assert!(!session.contains("Domain"), "{session}");
    assert!(cookies.iter().all(|c| c.contains("Secure")), "{cookies:?}");
}

async fn lapsed_sessions_and_abandoned_handshakes_are_swept(backend: Backend) {
    let app = common::spawn_app_with(
        backend,
        &[
            ("TETHER_SESSION_IDLE_MINUTES", "30"),
            ("TETHER_SESSION_HOURS", "12"),
        ],
    )
    .await;
    let count = |table: &'static str| {
        let pool = app.engine.db().pool().clone();
        async move {
            sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
                .fetch_one(&pool)
                .await
                .unwrap()
                .get::<i64, _>("n")
        }
    };
    app.set_up_owner().await;
    app.start_connect("Abandoned").await;
    app.advance(TimeDelta::minutes(10));
    app.start_connect("Second try").await;
    assert_eq!(
        count("oauth_states").await,
        1,
        "the abandoned handshake is gone"
    );

    app.advance(TimeDelta::days(15));
    assert_eq!(
        location(&app.get("/").await),
        "/login",
        "the session has lapsed"
    );
    let signed_in = app
        .post_form(
            "/auth/login",
            &[
                ("email", "ada@example.com"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(location(&signed_in), "/");
    assert_eq!(count("sessions").await, 1, "the lapsed session is gone");
}

async fn a_planted_flash_message_is_not_shown(backend: Backend) {
    use base64::Engine as _;
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let planted = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(r#"{"kind":"Error","text":"Call +1 555 0100 to restore your account"}"#);
    let visitor = common::browser();
    for cookie in [
        format!("tether_flash={planted}"),
        format!("tether_flash={planted}.forged-tag"),
    ] {
        let html = visitor
            .get(app.url("/login"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains(r#"action="/auth/login""#),
            "the sign-in page still renders"
        );
        assert!(
            !html.contains("Call +1 555 0100"),
            "a planted message must not be shown"
        );
    }
    // Tether's own flash still comes through.
    app.post_form("/auth/logout", &[]).await;
    assert!(app.page("/login").await.contains("You are signed out."));
}

/// Reconnecting from a filtered view of the list (on the row, or on the channel's page
/// opened from it) comes back to that view once the network is done; an address that is
/// not the list's is never followed.
async fn a_reconnect_comes_back_to_the_list_it_was_started_from(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let consent = app.start_connect("Studio").await;
    let callback = app.consent(&consent, "approve").await;
    app.finish(&callback).await;
    let channel: i64 = sqlx::query_scalar("SELECT MAX(id) FROM channels")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap();
    app.sandbox_control(
        "sandbox",
        serde_json::json!({"action": "account", "person": "sbx-1001", "reason": "revoked"}),
    )
    .await;
    app.post_form(&format!("/channels/{channel}/check"), &[])
        .await;
    let list = "/?show=attention";
    let carries_it = r#"name="from" value="/?show=attention""#;
    assert!(app.page(list).await.contains(carries_it), "on the row");
    let opened = app
        .page(&format!("/channels/{channel}?from=%2F%3Fshow%3Dattention"))
        .await;
    assert!(opened.contains(carries_it), "on the channel's page");
    app.sandbox_control(
        "sandbox",
        serde_json::json!({"action": "restore", "person": "sbx-1001"}),
    )
    .await;

    let reconnect = |from: &'static str| {
        let app = &app;
        async move {
            let started = app
                .post_form(
                    &format!("/channels/{channel}/reauthorize"),
                    &[("from", from)],
                )
                .await;
            let consent = url::Url::parse(&location(&started)).unwrap();
            let callback = app.consent(&consent, "approve").await;
            let back = app.browser.get(callback).send().await.unwrap();
            assert_eq!(back.status(), StatusCode::SEE_OTHER);
            location(&back)
        }
    };
    assert_eq!(reconnect(list).await, list);
    let back = app.page(list).await;
    assert!(back.contains("Reconnected “Studio”"), "{back}");
    assert!(back.contains("No channel matches."), "{back}");
    // Once back, the next connection leads to the dashboard as before.
    for elsewhere in [
        "//evil.example/?x",
        "https://evil.example/",
        "/settings?x",
        "",
    ] {
        assert_eq!(reconnect(elsewhere).await, "/", "{elsewhere:?}");
    }
}
