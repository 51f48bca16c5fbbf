//! The security suite (issue 17): each test stands for a gap found by trying it against a
//! running Tether, and fails on the code that had the gap.

mod common;

use chrono::TimeDelta;
use common::{location, spawn_app, Backend, TestApp, OWNER_PASSWORD, SETUP_TOKEN};
use reqwest::StatusCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

async fn sign_in(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.post_form("/auth/login", &[("email", email), ("password", password)])
        .await
}

/// The flash a redirect carried, as the page it leads to shows it.
async fn flash_after(app: &TestApp, response: reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    app.get(&location(&response)).await.text().await.unwrap()
}

/// 100 wrong passwords used to leave the right one working at full speed: after five
/// failures in a row each further try for the account waits longer, and the wait is said.
async fn failed_sign_ins_for_an_account_wait_longer_each_time(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    for _ in 0..6 {
        let refused = sign_in(&app, "ada@example.com", "not the password").await;
        assert!(flash_after(&app, refused)
            .await
            .contains("That email and password do not match an account."));
    }
    let waiting = sign_in(&app, "ada@example.com", OWNER_PASSWORD).await;
    let page = flash_after(&app, waiting).await;
    assert!(
        page.contains("Too many failed sign-ins for this account. Try again in 30 seconds."),
        "{page}"
    );

    app.advance(TimeDelta::seconds(31));
    let signed_in = sign_in(&app, "ada@example.com", OWNER_PASSWORD).await;
    assert_eq!(location(&signed_in), "/");
    // A success forgets the failures: the next mistake is a plain refusal again.
    let refused = sign_in(&app, "ada@example.com", "not the password").await;
    assert!(flash_after(&app, refused)
        .await
        .contains("That email and password do not match an account."));
}

/// An address nobody has is throttled the same way, so the wait does not tell who has an
/// account.
async fn an_unknown_account_waits_the_same(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    for _ in 0..6 {
        sign_in(&app, "nobody@example.com", "not the password").await;
    }
    let waiting = sign_in(&app, "nobody@example.com", "not the password").await;
    assert!(flash_after(&app, waiting)
        .await
        .contains("Too many failed sign-ins for this account. Try again in 30 seconds."));
}

/// Password forms from one address are limited before any hash runs: a burst beyond ten
/// is answered 429 with words and a Retry-After.
async fn a_burst_of_password_forms_from_one_address_is_slowed(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let mut statuses = Vec::new();
    for n in 0..12 {
        let email = format!("guess-{n}@example.com");
        statuses.push(sign_in(&app, &email, "a guessed password").await);
    }
    let refused = statuses.pop().unwrap();
    assert!(statuses[..9]
        .iter()
        .all(|answer| answer.status() == StatusCode::SEE_OTHER));
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key("retry-after"));
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("Too many attempts in a short time. Nothing was done"),
        "{page}"
    );
}

/// Set-up after set-up is refused before anything typed is judged (and before a password
/// is hashed): the person is sent to sign in.
async fn set_up_after_set_up_sends_to_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let again = app
        .post_form(
            "/auth/setup",
            &[
                ("setup_link", SETUP_TOKEN),
                ("display_name", "Mallory"),
                ("email", "mallory@example.com"),
                ("password", "short"),
                ("workspace_name", "Takeover"),
            ],
        )
        .await;
    assert_eq!(location(&again), "/login");
    assert!(flash_after(&app, again)
        .await
        .contains("Tether has already been set up; sign in instead."));
}

/// On Postgres, 40 set-ups at once made two owners and two workspaces in 2 of 5 rounds.
async fn set_ups_racing_each_other_make_one_owner(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut set_ups = tokio::task::JoinSet::new();
    for n in 0..8 {
        let browser = app.other_browser();
        set_ups.spawn(async move {
            let email = format!("owner-{n}@example.com");
            browser
                .post_form(
                    "/auth/setup",
                    &[
                        ("setup_link", SETUP_TOKEN),
                        ("display_name", "Racing Owner"),
                        ("email", email.as_str()),
                        ("password", OWNER_PASSWORD),
                        ("workspace_name", "Raced"),
                    ],
                )
                .await
                .status()
        });
    }
    while let Some(answer) = set_ups.join_next().await {
        assert_eq!(answer.unwrap(), StatusCode::SEE_OTHER);
    }
    let pool = app.engine.db().pool();
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await
        .unwrap();
    let workspaces: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM workspaces")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!((users, workspaces), (1, 1));
}

/// 20 clicks on "Check now" in 0.37 s made 20 calls to the network: a person's burst of
/// network calls and mails is cut off at ten, in words, before the network is asked, and
/// the same allowance covers the invites they mail.
async fn a_burst_of_clicks_is_cut_off_before_the_network_is_asked(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let consent = app.start_connect("Studio").await;
    let callback = app.consent(&consent, "approve").await;
    app.finish(&callback).await;
    let channel: i64 = sqlx::query_scalar("SELECT id FROM channels")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap();
    let mut answers = Vec::new();
    for _ in 0..14 {
        answers.push(
            app.post_form(&format!("/channels/{channel}/check"), &[])
                .await,
        );
    }
    let served = answers
        .iter()
        .filter(|answer| answer.status() == StatusCode::SEE_OTHER)
        .count();
    let refused = answers.pop().unwrap();
    assert!((9..=11).contains(&served), "{served} served");
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("Too many attempts in a short time. Nothing was done"));
    // Invite mail shares the person's allowance: no invite is made, no mail goes.
    let invited = app
        .post_form(
            "/settings/invites",
            &[
                ("target", "new:sandbox:profile"),
                ("name", "Creator"),
                ("access", "metrics"),
                ("expires_in_days", "7"),
                ("recipient", "someone@example.com"),
            ],
        )
        .await;
    assert_eq!(invited.status(), StatusCode::TOO_MANY_REQUESTS);
    let invites: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM invites")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap();
    assert_eq!(invites, 0);
    // Another person is not slowed by the first one's clicks.
    common::add_person(&app, "bo@example.com", "Bo", engine::domain::Role::Editor).await;
    let bo = common::sign_in_as(&app, "bo@example.com").await;
    let answer = bo
        .post_form(&format!("/channels/{channel}/check"), &[])
        .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
}

/// Confirmed with a second workspace: its owner read the first workspace's welcome link on
/// the outbox page, used it and signed in as the first workspace's new admin. The outbox
/// lists only its workspace's mail, and no one's page shows a link that signs its
/// recipient in.
async fn the_outbox_shows_only_its_workspace_and_no_welcome_link(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let (bo, ..) = common::person_in_new_workspace(&app, engine::domain::Role::Owner).await;
    let added = app
        .post_form(
            "/settings/members",
            &[
                ("display_name", "Nina Admin"),
                ("email", "nina@example.com"),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(location(&added), "/settings/members");

    let theirs = bo.page("/settings/outbox").await;
    assert!(!theirs.contains("nina@example.com"), "{theirs}");
    assert!(!theirs.contains("/welcome/"), "{theirs}");
    let ours = app.page("/settings/outbox").await;
    assert!(ours.contains("To nina@example.com"), "{ours}");
    assert!(!ours.contains("/welcome/"), "{ours}");
}

/// A consent begun by an editor who is a viewer (or gone) by the time the network sends
/// them back completes nothing.
async fn a_consent_begun_before_a_demotion_does_not_complete(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let bo_id =
        common::add_person(&app, "bo@example.com", "Bo", engine::domain::Role::Editor).await;
    let bo = common::sign_in_as(&app, "bo@example.com").await;
    let consent = bo.start_connect("Studio").await;
    let callback = bo.consent(&consent, "approve").await;
    sqlx::query("UPDATE memberships SET role = 'viewer' WHERE user_id = $1")
        .bind(bo_id)
        .execute(app.engine.db().pool())
        .await
        .unwrap();
    match bo.land(&callback).await {
        common::Landing::Dashboard(html) => assert!(
            html.contains("Your role in this workspace does not allow that."),
            "{html}"
        ),
        common::Landing::Pick(path) => panic!("a picker was offered: {path}"),
    }
    assert_eq!(app.channel_count().await, 0);
}

/// Six webhooks pointing at a receiver that never answers made a renewal run after its
/// token had expired: deliveries ran inside the scheduler's loop, one at a time, 20 s
/// each. They run beside it now, so the renewal is on time while the receiver is silent.
/// A server that accepts connections and never says a word, holding each one open; its
/// address, and how many connections it has taken so far.
async fn silent_server() -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = silent.local_addr().unwrap();
    let taken = Arc::new(AtomicUsize::new(0));
    tokio::spawn({
        let taken = taken.clone();
        async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = silent.accept().await {
                held.push(stream);
                taken.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    (address, taken)
}

/// How many renewals the events record.
async fn renewals(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE kind = 'refreshed'")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap()
}

async fn renewals_stay_on_time_while_a_webhook_receiver_never_answers(backend: Backend) {
    let (silent, _) = silent_server().await;
    let silent_url = format!("http://{silent}/hook");
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let consent = app.start_connect("Studio").await;
    let callback = app.consent(&consent, "approve").await;
    app.finish(&callback).await;
    for n in 1..=3 {
        let added = app
            .post_form(
                "/settings/webhooks",
                &[("url", silent_url.as_str()), ("format", "json")],
            )
            .await;
        assert_eq!(location(&added), "/settings/webhooks");
        app.post_form(&format!("/settings/webhooks/{n}/test"), &[])
            .await;
    }
    let pool = app.engine.db().pool();
    let due_at: i64 = sqlx::query_scalar("SELECT due_at FROM credentials")
        .fetch_one(pool)
        .await
        .unwrap();
    app.advance(TimeDelta::seconds(due_at - app.clock.now().timestamp() + 1));

    let stop = tokio_util::sync::CancellationToken::new();
    let scheduler = tokio::spawn({
        let (engine, stop) = (app.engine.clone(), stop.clone());
        async move { engine.run_scheduler(stop).await }
    });
    let started = std::time::Instant::now();
    let renewed = loop {
        let refreshed = renewals(&app).await;
        if refreshed > 0 || started.elapsed() > std::time::Duration::from_secs(15) {
            break refreshed > 0;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let waited = started.elapsed();
    stop.cancel();
    // Stopping waits for the work in flight; the silent deliveries give up at their timeout.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(60), scheduler).await;
    assert!(
        renewed,
        "no renewal after {waited:?} while the webhooks waited"
    );
}

/// An SMTP server that accepts and never speaks stalled the scheduler for minutes: mail
/// goes beside the renewals, a message gives up within its bound, and the notification
/// it carried waits for the next sweep instead of being lost.
async fn renewals_stay_on_time_while_the_mail_server_never_answers(backend: Backend) {
    let (silent, mail_connections) = silent_server().await;
    let port = silent.port().to_string();
    let app = common::spawn_app_with(
        backend,
        &[
            ("TETHER_SMTP_HOST", "127.0.0.1"),
            ("TETHER_SMTP_PORT", &port),
            ("TETHER_SMTP_SECURITY", "none"),
            ("TETHER_MAIL_FROM", "Tether <tether@acme.test>"),
        ],
    )
    .await;
    app.set_up_owner().await;
    let consent = app.start_connect("Studio").await;
    let callback = app.consent(&consent, "approve").await;
    app.finish(&callback).await;
    let pool = app.engine.db().pool();
    // A notification the owner wants mailed at once (the default), waiting for the sweep.
    sqlx::query(
        "INSERT INTO notifications (workspace_id, user_id, kind, event_key, title, body, created_at) \
         SELECT workspace_id, user_id, 'disconnected', 'silent-smtp', 'Studio needs you', \
                'Reconnect it.', $1 FROM memberships",
    )
    .bind(app.clock.now().timestamp())
    .execute(pool)
    .await
    .unwrap();

    let stop = tokio_util::sync::CancellationToken::new();
    let scheduler = tokio::spawn({
        let (engine, stop) = (app.engine.clone(), stop.clone());
        async move { engine.run_scheduler(stop).await }
    });
    let waiting = std::time::Instant::now();
    while mail_connections.load(Ordering::SeqCst) == 0 {
        assert!(
            waiting.elapsed() < std::time::Duration::from_secs(10),
            "the notification's mail was never tried"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // The mail is stuck on the silent server; now the renewal falls due.
    let due_at: i64 = sqlx::query_scalar("SELECT due_at FROM credentials")
        .fetch_one(pool)
        .await
        .unwrap();
    app.advance(TimeDelta::seconds(due_at - app.clock.now().timestamp() + 1));
    let started = std::time::Instant::now();
    let renewed = loop {
        let refreshed = renewals(&app).await;
        if refreshed > 0 || started.elapsed() > std::time::Duration::from_secs(15) {
            break refreshed > 0;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let waited = started.elapsed();
    stop.cancel();
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(90), scheduler).await;
    assert!(renewed, "no renewal after {waited:?} while the mail waited");
    assert!(stopped.is_ok(), "the mail to a silent server never gave up");
    let unmailed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE mailed_at IS NULL")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(unmailed, 1, "the notification is kept for the next sweep");
}

/// `/metrics` counted every workspace's channels for anyone who asked: it is off unless an
/// operator sets a token, and then asks for it.
async fn metrics_ask_for_the_operators_token(backend: Backend) {
    let off = spawn_app(backend).await;
    let answer = off.get("/metrics").await;
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    assert!(answer
        .text()
        .await
        .unwrap()
        .contains("TETHER_METRICS_TOKEN"));

    let token = "a-metrics-token-of-24-chars-or-more";
    let on = common::spawn_app_with(backend, &[("TETHER_METRICS_TOKEN", token)]).await;
    let scrape = |bearer: Option<&'static str>| {
        let request = reqwest::Client::new().get(on.url("/metrics"));
        let request = match bearer {
            Some(bearer) => request.bearer_auth(bearer),
            None => request,
        };
        async move { request.send().await.unwrap() }
    };
    assert_eq!(scrape(None).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        scrape(Some("a-wrong-token-of-24-chars-or-more"))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let scraped = scrape(Some("a-metrics-token-of-24-chars-or-more")).await;
    assert_eq!(scraped.status(), StatusCode::OK);
    assert!(scraped.text().await.unwrap().contains("tether_channels"));
}

/// An admin could point a webhook at Tether's own loopback, the private network or a cloud
/// metadata service. Such addresses are refused when typed, and a name is judged on the
/// address the delivery connects to.
async fn webhooks_call_only_public_addresses(backend: Backend) {
    let app = common::spawn_app_with(backend, &[("TETHER_ALLOW_PRIVATE_WEBHOOKS", "no")]).await;
    app.set_up_owner().await;
    for typed in [
        "http://127.0.0.1:9000/in",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/in",
        "http://10.0.0.8/hook",
        "http://localhost:8080/hook",
    ] {
        let refused = app
            .post_form("/settings/webhooks", &[("url", typed), ("format", "json")])
            .await;
        let page = flash_after(&app, refused).await;
        assert!(page.contains("is not a public address"), "{typed}: {page}");
    }
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhooks")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap();
    assert_eq!(stored, 0);

    // A name that resolves to loopback passes the form and is refused at delivery, before
    // anything connects.
    let receiver = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = receiver.local_addr().unwrap().port();
    let connections = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    tokio::spawn({
        let connections = connections.clone();
        async move {
            while receiver.accept().await.is_ok() {
                connections.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
    });
    // A name that resolved to nothing when typed and to loopback at delivery (as DNS
    // rebinding would have it).
    let typed = format!("http://hooks.rebinding.invalid:{port}/hook");
    let added = app
        .post_form(
            "/settings/webhooks",
            &[("url", typed.as_str()), ("format", "json")],
        )
        .await;
    assert_eq!(location(&added), "/settings/webhooks");
    sqlx::query("UPDATE webhooks SET url = $1")
        .bind(format!("http://localhost:{port}/hook"))
        .execute(app.engine.db().pool())
        .await
        .unwrap();
    app.post_form("/settings/webhooks/1/test", &[]).await;
    assert_eq!(app.engine.notify_sweep().await.unwrap().webhooks, 0);
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 0);
    let log = app.page("/settings/webhooks").await;
    assert!(log.contains("resolves to no public address"), "{log}");
}

/// Pages that show a secret once were cacheable; every routed answer is `no-store` now,
/// and an https instance tells browsers to keep to https.
async fn pages_are_not_stored_and_https_is_kept(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    for path in ["/", "/settings/api-keys", "/login", "/api/v1/networks"] {
        let answer = app.get(path).await;
        assert_eq!(
            answer
                .headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap()),
            Some("no-store"),
            "{path}"
        );
        assert!(answer.headers().get("strict-transport-security").is_none());
    }
    let https = common::spawn_app_with(
        backend,
        &[
            ("TETHER_PUBLIC_URL", "https://tether.example/"),
            ("TETHER_SANDBOX_IN_PRODUCTION", "yes"),
        ],
    )
    .await;
    let answer = https.get("/login").await;
    assert_eq!(
        answer
            .headers()
            .get("strict-transport-security")
            .map(|v| v.to_str().unwrap()),
        Some("max-age=31536000; includeSubDomains")
    );
}

/// The production limits (ASVS level 2): 30 minutes without use, 12 hours in all.
async fn with_session_defaults(backend: Backend) -> TestApp {
    let app = common::spawn_app_with(
        backend,
        &[
            ("TETHER_SESSION_IDLE_MINUTES", "30"),
            ("TETHER_SESSION_HOURS", "12"),
        ],
    )
    .await;
    app.set_up_owner().await;
    app
}

async fn signed_in(app: &TestApp) -> bool {
    let answer = app.get("/").await;
    match answer.status() {
        StatusCode::OK => true,
        StatusCode::FOUND | StatusCode::SEE_OTHER => {
            assert!(location(&answer).starts_with("/login"));
            false
        }
        other => panic!("the dashboard answered {other}"),
    }
}

/// A sign-in lasted 14 days whatever happened: it now ends after 30 minutes unused and 12
/// hours after it began, however much it is used.
async fn sign_ins_end_when_idle_and_when_old(backend: Backend) {
    let app = with_session_defaults(backend).await;
    app.advance(TimeDelta::minutes(29));
    assert!(signed_in(&app).await, "used within 30 minutes");
    app.advance(TimeDelta::minutes(29));
    assert!(signed_in(&app).await, "each use keeps it alive");
    app.advance(TimeDelta::minutes(31));
    assert!(!signed_in(&app).await, "31 minutes unused");

    let again = sign_in(&app, "ada@example.com", OWNER_PASSWORD).await;
    assert_eq!(location(&again), "/");
    for _ in 0..(12 * 60 / 20 - 1) {
        app.advance(TimeDelta::minutes(20));
        assert!(signed_in(&app).await);
    }
    app.advance(TimeDelta::minutes(21));
    assert!(
        !signed_in(&app).await,
        "12 hours after sign-in, however used"
    );
}

/// A new role starts from a new sign-in; "Sign out everywhere" ends every browser's.
async fn a_new_role_or_sign_out_everywhere_ends_sign_ins(backend: Backend) {
    let app = with_session_defaults(backend).await;
    let bo_id =
        common::add_person(&app, "bo@example.com", "Bo", engine::domain::Role::Editor).await;
    let bo = common::sign_in_as(&app, "bo@example.com").await;
    assert!(signed_in(&bo).await);
    let changed = app
        .post_form(
            &format!("/settings/members/{bo_id}/role"),
            &[("role", "viewer")],
        )
        .await;
    assert_eq!(location(&changed), "/settings/members");
    assert!(
        !signed_in(&bo).await,
        "the editor's session does not carry on as viewer"
    );
    assert!(signed_in(&app).await, "the owner who changed it stays");

    let elsewhere = app.other_browser();
    let signed = sign_in(&elsewhere, "ada@example.com", OWNER_PASSWORD).await;
    assert_eq!(location(&signed), "/");
    let out = app.post_form("/auth/logout-everywhere", &[]).await;
    assert_eq!(location(&out), "/login");
    assert!(!signed_in(&app).await);
    assert!(!signed_in(&elsewhere).await);
}

/// Change password: the current one is asked for, common and short ones are refused, and
/// every other browser is signed out while this one carries on.
async fn changing_the_password_signs_out_other_browsers(backend: Backend) {
    let app = with_session_defaults(backend).await;
    let elsewhere = app.other_browser();
    sign_in(&elsewhere, "ada@example.com", OWNER_PASSWORD).await;
    let change = |current: &'static str, new: &'static str| {
        let app = app.clone();
        async move {
            let answer = app
                .post_form(
                    "/account/password",
                    &[("current_password", current), ("new_password", new)],
                )
                .await;
            assert_eq!(location(&answer), "/account");
            app.get("/account").await.text().await.unwrap()
        }
    };
    let page = change("not the password", "a brand new passphrase").await;
    assert!(page.contains("The current password is not right"), "{page}");
    let page = change(OWNER_PASSWORD, "qwertyuiopasdfghjkl").await;
    assert!(page.contains("common passwords"), "{page}");
    let page = change(OWNER_PASSWORD, "elevenchars").await;
    assert!(page.contains("at least 12 characters"), "{page}");
    assert!(signed_in(&elsewhere).await, "nothing changed yet");

    let page = change(OWNER_PASSWORD, "a brand new passphrase").await;
    assert!(page.contains("Your password is changed"), "{page}");
    assert!(signed_in(&app).await, "this browser carries on");
    assert!(
        !signed_in(&elsewhere).await,
        "the other browser is signed out"
    );
    let old = sign_in(&elsewhere, "ada@example.com", OWNER_PASSWORD).await;
    assert_eq!(location(&old), "/login");
    let new = sign_in(&elsewhere, "ada@example.com", "a brand new passphrase").await;
    assert_eq!(location(&new), "/");
}

/// Forgets this process's peak memory (Linux `clear_refs` 5), so the next reading of
/// [`peak_memory`] counts from now.
fn reset_peak_memory() {
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
}

fn peak_memory() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib * 1024
}

/// 60 failed sign-ins at once took the process from 58 MB to 1.24 GB: each Argon2 hash
/// holds 19 MiB, and all ran at once. Hashes now queue behind a few permits.
async fn a_crowd_of_sign_ins_hashes_a_few_at_a_time(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    reset_peak_memory();
    let before = peak_memory();
    let mut crowd = tokio::task::JoinSet::new();
    for n in 0..40 {
        let engine = app.engine.clone();
        crowd.spawn(async move {
            let email = format!("crowd-{n}@example.com");
            engine.sign_in(&email, "a guessed password").await
        });
    }
    while let Some(refused) = crowd.join_next().await {
        assert!(matches!(
            refused.unwrap(),
            Err(engine::Error::BadCredentials)
        ));
    }
    let grew = peak_memory().saturating_sub(before);
    // One 19 MiB block per hashing thread (four at most), and room for the tests running
    // beside this one; before, 40 hashes at once took 40 × 19 MiB = 760 MiB.
    assert!(grew < 150 * 1024 * 1024, "peak grew by {} MiB", grew >> 20);
}

/// A fresh instance could be claimed by whoever found its address first: set-up now asks
/// for the link Tether logs when it starts, and the link works once.
async fn set_up_asks_for_the_link_from_the_log(backend: Backend) {
    let app = spawn_app(backend).await;
    // Without a chosen secret each starting process makes a random one, valid beside the
    // others until set-up.
    let random = app.engine.offer_setup_link(None).await.unwrap().unwrap();
    assert_ne!(random.expose(), SETUP_TOKEN);
    assert!(app
        .engine
        .setup_link_is_valid(random.expose())
        .await
        .unwrap());
    let form = |link: &'static str| {
        [
            ("setup_link", link),
            ("display_name", "Mallory"),
            ("email", "mallory@example.com"),
            ("password", OWNER_PASSWORD),
            ("workspace_name", "Takeover"),
        ]
    };
    // Without the link, or with another, nothing is created and the page says where to look.
    for link in ["", "guessed-link-0123456789abcdefgh"] {
        let refused = app.post_form("/auth/setup", &form(link)).await;
        assert_eq!(refused.status(), StatusCode::SEE_OTHER);
        let page = flash_after(&app, refused).await;
        assert!(page.contains("This set-up link is not valid."), "{page}");
        assert!(!page.contains(r#"action="/auth/setup""#), "no form: {page}");
        assert!(app.engine.needs_setup().await.unwrap());
    }
    let setup = app.page("/setup").await;
    assert!(setup.contains("Tether is not set up yet."), "{setup}");
    assert!(!setup.contains(r#"action="/auth/setup""#), "{setup}");

    let page = app.page(&format!("/setup/{SETUP_TOKEN}")).await;
    assert!(page.contains(r#"action="/auth/setup""#), "{page}");
    let done = app.post_form("/auth/setup", &form(SETUP_TOKEN)).await;
    assert_eq!(location(&done), "/");
    // Spent: the link no longer sets anything up.
    assert!(!app.engine.setup_link_is_valid(SETUP_TOKEN).await.unwrap());
    assert!(!app
        .engine
        .setup_link_is_valid(random.expose())
        .await
        .unwrap());
    assert!(app.engine.offer_setup_link(None).await.unwrap().is_none());
    let stranger = app.other_browser();
    let again = stranger.post_form("/auth/setup", &form(SETUP_TOKEN)).await;
    assert_eq!(location(&again), "/login");
}

/// The reset links mailed to `to`, read from the outbox as their recipient would.
fn reset_links_mailed_to(app: &TestApp, to: &str) -> Vec<String> {
    let Ok(files) = std::fs::read_dir(app.data_dir.path().join("outbox")) else {
        return Vec::new();
    };
    files
        .filter_map(|file| {
            let bytes = std::fs::read(file.ok()?.path()).ok()?;
            let message = mail_parser::MessageParser::default().parse(&bytes)?;
            let addressed = message.to()?.first()?.address()? == to;
            let text = message.body_text(0)?.into_owned();
            let link = text
                .lines()
                .find(|l| l.contains("/reset/"))?
                .trim()
                .to_owned();
            addressed.then_some(link)
        })
        .collect()
}

/// Waits for a reset link to `to` other than `known` (mail goes out in the background).
async fn new_reset_link(app: &TestApp, to: &str, known: &[&str]) -> url::Url {
    for _ in 0..200 {
        if let Some(link) = reset_links_mailed_to(app, to)
            .into_iter()
            .find(|link| !known.contains(&link.as_str()))
        {
            return url::Url::parse(&link).unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no new reset mail to {to}");
}

/// A forgotten password had no way back but an admin. Reset by mail: the form answers the
/// same whether or not an account uses the address, the link works once and for 30 minutes,
/// and using it ends every other sign-in.
async fn a_forgotten_password_is_reset_through_a_mailed_link(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let stranger = app.other_browser();
    let ask = |email: &'static str| {
        let stranger = &stranger;
        async move {
            let asked = stranger
                .post_form("/auth/forgot", &[("email", email)])
                .await;
            assert_eq!(location(&asked), "/login/forgot");
            stranger.page("/login/forgot").await
        }
    };
    let for_nobody = ask("nobody@example.com").await;
    let for_ada = ask("ada@example.com").await;
    // The page's content, beside the nonce every page carries afresh.
    let answer = |page: &str, email: &str| {
        let main = &page[page.find("<main").unwrap()..page.find("</main>").unwrap()];
        main.replace(email, "EMAIL")
    };
    assert!(
        for_ada.contains("If an account uses ada@example.com"),
        "{for_ada}"
    );
    assert_eq!(
        answer(&for_nobody, "nobody@example.com"),
        answer(&for_ada, "ada@example.com"),
        "the answers must not tell who has an account"
    );
    let link = new_reset_link(&app, "ada@example.com", &[]).await;
    assert!(reset_links_mailed_to(&app, "nobody@example.com").is_empty());
    // Asking again at once sends no second mail.
    ask("ada@example.com").await;
    assert_eq!(
        std::fs::read_dir(app.data_dir.path().join("outbox"))
            .unwrap()
            .count(),
        1
    );

    let page = stranger.page(link.path()).await;
    assert!(page.contains("Choose a new password"), "{page}");
    let new_password = "a brand new long password";
    let reset = stranger
        .post_form(link.path(), &[("password", new_password)])
        .await;
    assert_eq!(location(&reset), "/");
    assert!(stranger
        .page("/")
        .await
        .contains("Your new password is set"));
    // The owner's own browser was signed out; the old password no longer works.
    assert_eq!(location(&app.get("/").await), "/login");
    assert!(app
        .engine
        .sign_in("ada@example.com", OWNER_PASSWORD)
        .await
        .is_err());
    assert!(app
        .engine
        .sign_in("ada@example.com", new_password)
        .await
        .is_ok());
    // Spent.
    assert_eq!(
        app.other_browser().get(link.path()).await.status(),
        StatusCode::GONE
    );

    // A link older than 30 minutes is refused.
    app.advance(TimeDelta::minutes(3));
    ask("ada@example.com").await;
    let late = new_reset_link(&app, "ada@example.com", &[link.as_str()]).await;
    app.advance(TimeDelta::minutes(31));
    assert_eq!(
        app.other_browser().get(late.path()).await.status(),
        StatusCode::GONE
    );
}

/// Pages ran any script injected into them: a Content-Security-Policy now lets only
/// Tether's own scripts and the inline ones carrying this response's nonce run.
async fn pages_run_only_their_own_scripts(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    for path in ["/", "/login/forgot", "/no-such-page"] {
        let response = app.get(path).await;
        let policy = response
            .headers()
            .get("content-security-policy")
            .unwrap_or_else(|| panic!("{path} has no policy"))
            .to_str()
            .unwrap()
            .to_owned();
        let page = response.text().await.unwrap();
        let nonce = policy
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap_or_else(|| panic!("{path}: {policy}"));
        assert!(page.contains(&format!(r#"nonce="{nonce}""#)), "{path}");
        for rule in [
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(policy.contains(rule), "{path}: {policy}");
        }
        assert!(!policy.contains("unsafe-inline"), "{path}: {policy}");
    }
}

/// An authorization server that answers with whatever lifetimes the test gives it: a
/// stand-in for a broken or hostile network, which no emulator of a real one would be.
mod hostile {
    use axum::extract::State;
    use axum::routing::{get, post};
    use axum::{Form, Json, Router};
    use serde_json::{json, Value};
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    pub struct Answers {
        /// `expires_in` for the code exchange and for a refresh.
        pub lifetimes: Arc<Mutex<(Value, Value)>>,
        pub refreshes: Arc<Mutex<u32>>,
    }

    pub async fn start(answers: Answers) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let metadata = json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
            "userinfo_endpoint": format!("{issuer}/me"),
            "response_types_supported": ["code"],
            "scopes_supported": ["openid", "offline_access", "profile"],
            "code_challenge_methods_supported": ["S256"],
        });
        let router = Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(move || async move { Json(metadata.clone()) }),
            )
            .route("/token", post(token))
            .route(
                "/me",
                get(|| async { Json(json!({"sub": "victim-1", "preferred_username": "victim"})) }),
            )
            .with_state(answers);
        tokio::spawn(async move { axum::serve(listener, router).await });
        issuer
    }

    async fn token(
        State(answers): State<Answers>,
        Form(form): Form<HashMap<String, String>>,
    ) -> Json<Value> {
        let (code, refresh) = answers.lifetimes.lock().unwrap().clone();
        let expires_in = if form.get("grant_type").map(String::as_str) == Some("refresh_token") {
            *answers.refreshes.lock().unwrap() += 1;
            refresh
        } else {
            code
        };
        Json(json!({
            "access_token": format!("access-{}", engine::crypto::random_token().expose()),
            "refresh_token": "the-one-refresh-token",
            "token_type": "Bearer",
            "expires_in": expires_in,
        }))
    }
}

/// A huge `expires_in` from a token endpoint panicked the callback (an empty reply),
/// panicked a scheduled renewal on every retry (dropping the new refresh token) and hung an
/// API token request for 82 s. Now any lifetime, however large, is refused in words.
async fn a_lifetime_of_any_size_from_a_network_is_refused_in_words(backend: Backend) {
    use serde_json::json;
    let answers = hostile::Answers::default();
    *answers.lifetimes.lock().unwrap() = (json!(1e30), json!(u64::MAX));
    let issuer = hostile::start(answers.clone()).await;
    let app = common::spawn_app_with(
        backend,
        &[
            ("TETHER_SANDBOX", "off"),
            ("TETHER_OIDC_ISSUER", &issuer),
            ("TETHER_OIDC_CLIENT_ID", "tether"),
            ("TETHER_OIDC_CLIENT_SECRET", "hostile-client-secret"),
        ],
    )
    .await;
    app.set_up_owner().await;
    let callback_for = |consent: url::Url| {
        let state = consent
            .query_pairs()
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v.into_owned())
            .unwrap();
        let mut callback = app.url("/oauth/callback/oidc");
        callback
            .query_pairs_mut()
            .append_pair("code", "a-code")
            .append_pair("state", &state);
        callback
    };

    // The code exchange says the token lasts 10^30 seconds: refused, nothing stored.
    let consent = app.start_connect_on("oidc", "Victim", "metrics").await;
    let common::Landing::Dashboard(html) = app.land(&callback_for(consent)).await else {
        panic!("one account: no picker");
    };
    assert!(html.contains("Nothing was changed"), "{html}");
    assert_eq!(app.channel_count().await, 0);

    // An honest first answer; every renewal after it says u64::MAX seconds.
    answers.lifetimes.lock().unwrap().0 = json!(3600);
    let consent = app.start_connect_on("oidc", "Victim", "metrics").await;
    app.land(&callback_for(consent)).await;
    assert_eq!(app.channel_count().await, 1);
    let channel: i64 = sqlx::query_scalar("SELECT id FROM channels")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap();
    let key = app
        .engine
        .create_api_key(
            &common::person(&app, "ada@example.com", OWNER_PASSWORD).await,
            &engine::domain::ApiKeyName::parse("publisher").unwrap(),
            &engine::api_keys::KeyTerms::default(),
        )
        .await
        .unwrap()
        .secret;
    // Past the token's end, so only a renewal could give a token.
    app.advance(TimeDelta::minutes(61));
    let asked = std::time::Instant::now();
    let answer = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/channels/{channel}/token")))
        .bearer_auth(key.expose())
        .send()
        .await
        .unwrap();
    assert!(
        asked.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        asked.elapsed()
    );
    assert!(answer.status().is_server_error(), "{}", answer.status());
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(
        body["message"],
        "OpenID Connect is not answering as expected right now; Tether keeps retrying. Try again shortly."
    );
    // Scheduled renewals meet the same answer and carry on, keeping the refresh token.
    for _ in 0..3 {
        app.engine.sweep().await.unwrap();
        app.advance(TimeDelta::minutes(30));
    }
    assert!(*answers.refreshes.lock().unwrap() >= 2);
    // Once the network answers sanely again, the kept refresh token renews the channel.
    answers.lifetimes.lock().unwrap().1 = json!(3600);
    let renewed = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/channels/{channel}/token")))
        .bearer_auth(key.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(renewed.status(), StatusCode::OK);
}

/// Text no field of Tether accepts: empty, too long, or with control characters.
fn hostile_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop_oneof![
        Just(String::new()),
        "\\PC{401,900}",
        // A control character inside the text; not a vertical tab, which trimming removes
        // at either end, leaving a valid name.
        "[a-z@. ]{0,8}[\\x00-\\x08\\x1f\\x7f][a-z@. ]{0,8}",
        Just("\u{202e}gnp.exe@\u{0}".to_owned()),
    ]
}

/// What a path segment or an id may be beside that: numbers out of range, a climb out of
/// the path, half an escape, a link to cloud metadata.
fn hostile_segment() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop_oneof![
        hostile_text(),
        "-?[0-9]{19,40}",
        Just("-1".to_owned()),
        Just("%zz%00".to_owned()),
        Just("../../etc/passwd".to_owned()),
        Just("http://169.254.169.254/latest/meta-data/".to_owned()),
    ]
}

/// The forms a browser posts and the links it follows, as (method, path, fields).
const FUZZED: &[(&str, &str, &[&str])] = &[
    (
        "POST",
        "/auth/setup",
        &[
            "setup_link",
            "display_name",
            "email",
            "password",
            "workspace_name",
        ],
    ),
    ("POST", "/auth/login", &["email", "password", "next"]),
    ("POST", "/auth/forgot", &["email"]),
    ("POST", "/reset/{}", &["password"]),
    ("POST", "/welcome/{}", &["password"]),
    (
        "POST",
        "/account/password",
        &["current_password", "new_password"],
    ),
    ("POST", "/account/offers/{}/accept", &[]),
    (
        "POST",
        "/settings/members",
        &["display_name", "email", "role"],
    ),
    ("POST", "/settings/members/{}/role", &["role"]),
    ("POST", "/settings/members/{}/remove", &["revoke_theirs"]),
    (
        "POST",
        "/settings/invites",
        &[
            "target",
            "name",
            "access",
            "expires_in_days",
            "recipient",
            "message",
        ],
    ),
    ("POST", "/settings/webhooks", &["url", "format"]),
    ("POST", "/settings/api-keys", &["name"]),
    ("POST", "/settings/reminders", &["days"]),
    ("POST", "/notifications/preferences", &["mode", "instant"]),
    ("POST", "/channels/connect", &["network", "name", "access"]),
    ("POST", "/channels/pick", &["pending", "account", "name"]),
    ("POST", "/channels/{}/refresh", &[]),
    (
        "POST",
        "/channels/{}/reauthorize",
        &["handover", "only_missing"],
    ),
    ("POST", "/invite/{}/consent", &["access"]),
    ("POST", "/workspace/switch", &["workspace_id"]),
    (
        "GET",
        "/oauth/callback/{}",
        &["code", "state", "error", "error_description"],
    ),
    ("GET", "/invite/{}", &[]),
    ("GET", "/channels/{}", &[]),
    ("GET", "/calendar/{}", &[]),
    ("POST", "/api/v1/channels/{}/token", &[]),
    ("GET", "/api/v1/channels", &["state", "cursor"]),
];

/// Every form, link and API path fed text no form accepts, from addresses all over (the
/// per-address limits are not what this is about): never a 5xx, never a panic, a redirect
/// only within Tether, and nothing stored.
async fn hostile_input_everywhere_is_refused_and_stores_nothing(backend: Backend) {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let app = common::spawn_app_with(backend, &[("TETHER_BEHIND_PROXY", "yes")]).await;
    app.set_up_owner().await;
    let tables = [
        "users",
        "workspaces",
        "memberships",
        "channels",
        "credentials",
        "api_keys",
        "webhooks",
        "invites",
        "membership_offers",
        "welcome_links",
    ];
    let counts = || async {
        let mut counts = Vec::new();
        for table in tables {
            let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(app.engine.db().pool())
                .await
                .unwrap();
            counts.push((table, n));
        }
        counts
    };
    let before = counts().await;
    let case = (
        0..FUZZED.len(),
        hostile_segment(),
        proptest::collection::vec(hostile_text(), 6),
        any::<[u8; 4]>(),
    );
    let mut runner = TestRunner::new(Config {
        cases: 160,
        failure_persistence: None,
        ..Config::default()
    });
    let handle = tokio::runtime::Handle::current();
    runner
        .run(&case, |(route, segment, values, address)| {
            let (method, template, fields) = FUZZED[route];
            let mut url = app.url("/");
            {
                let mut segments = url.path_segments_mut().unwrap();
                segments.clear();
                for part in template.trim_start_matches('/').split('/') {
                    segments.push(if part == "{}" { &segment } else { part });
                }
            }
            let form: Vec<(&str, &str)> = fields
                .iter()
                .zip(values.iter())
                .map(|(name, value)| (*name, value.as_str()))
                .collect();
            let address = std::net::Ipv4Addr::from(address).to_string();
            let status = tokio::task::block_in_place(|| {
                handle.block_on(async {
                    let request = if method == "GET" {
                        url.query_pairs_mut().extend_pairs(&form);
                        app.browser.get(url.clone())
                    } else {
                        app.browser.post(url.clone()).form(&form)
                    };
                    let response = request
                        .header("x-forwarded-for", &address)
                        .send()
                        .await
                        .unwrap();
                    if response.status().is_redirection() {
                        let to = location(&response);
                        prop_assert!(
                            to.starts_with('/') && !to.starts_with("//"),
                            "{method} {url} sent to {to}"
                        );
                    }
                    Ok(response.status())
                })
            })?;
            prop_assert!(
                !status.is_server_error(),
                "{method} {url} {form:?}: {status}"
            );
            Ok(())
        })
        .unwrap();
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    assert_eq!(counts().await, before, "something was stored");
}

/// One key sealed everything forever: after a rotation every value opens under the keys
/// loaded, `rekey` moves them to the newest in batches, and stopped half way (a crash
/// between batches) nothing is lost; a key that is not loaded stops it in words.
async fn a_rotated_key_rekeys_every_secret_and_a_stop_half_way_loses_nothing(backend: Backend) {
    use engine::crypto::EncryptionKey;
    let old = EncryptionKey::generate_encoded();
    let app = common::spawn_app_with(backend, &[("TETHER_ENCRYPTION_KEY", &old)]).await;
    app.set_up_owner().await;
    let tokens: Vec<engine::import::ImportedToken> = (0..5)
        .map(|n| {
            serde_json::from_value(serde_json::json!({
                "network": "x",
                "kind": "profile",
                "account_id": format!("14600000000000009{n:02}"),
                "handle": format!("@rotated{n}"),
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
    let channels: Vec<i64> = sqlx::query_scalar("SELECT id FROM channels ORDER BY id")
        .fetch_all(app.engine.db().pool())
        .await
        .unwrap();
    let with_keys = |newest: &str, older: &[&str]| {
        engine::Engine::new(
            app.engine.db().clone(),
            app.clock.clone(),
            EncryptionKey::parse(newest).unwrap(),
            engine::networks::Networks::default(),
            url::Url::parse("http://127.0.0.1/").unwrap(),
        )
        .with_older_keys(
            older
                .iter()
                .map(|k| EncryptionKey::parse(k).unwrap())
                .collect(),
        )
    };
    let opened = |engine: engine::Engine| {
        let channels = channels.clone();
        async move {
            let mut opened = Vec::new();
            for channel in channels {
                opened.push(
                    engine
                        .access_token(channel)
                        .await
                        .ok()
                        .map(|t| t.expose().to_owned()),
                );
            }
            opened
        }
    };
    let all: Vec<Option<String>> = (0..5).map(|n| Some(format!("access-{n}"))).collect();

    let new = EncryptionKey::generate_encoded();
    let rotated = with_keys(&new, &[&old]);
    assert_eq!(rotated.secrets_to_rekey().await.unwrap(), 5);
    // Stopped after its first batch.
    let first = rotated.rekey_batch(2).await.unwrap();
    assert_eq!((first.resealed, first.remaining), (2, 3));
    assert_eq!(
        opened(with_keys(&new, &[&old])).await,
        all,
        "every token opens"
    );
    let new_alone = opened(with_keys(&new, &[])).await;
    assert_eq!(new_alone.iter().filter(|t| t.is_some()).count(), 2);

    // A key that is not loaded: refused in words, nothing changed.
    let stranger = with_keys(&EncryptionKey::generate_encoded(), &[&new]);
    let refused = stranger.rekey_batch(10).await.unwrap_err().to_string();
    assert!(refused.contains("Load that key too"), "{refused}");
    assert_eq!(opened(with_keys(&new, &[&old])).await, all);

    // Run again: it carries on where it stopped, and the old key is no longer needed.
    while rotated.rekey_batch(2).await.unwrap().remaining > 0 {}
    assert_eq!(opened(with_keys(&new, &[])).await, all);
    assert_eq!(with_keys(&new, &[]).secrets_to_rekey().await.unwrap(), 0);
}

on_both_backends!(
    failed_sign_ins_for_an_account_wait_longer_each_time,
    an_unknown_account_waits_the_same,
    a_burst_of_password_forms_from_one_address_is_slowed,
    set_up_after_set_up_sends_to_sign_in,
    set_ups_racing_each_other_make_one_owner,
    a_crowd_of_sign_ins_hashes_a_few_at_a_time,
    a_burst_of_clicks_is_cut_off_before_the_network_is_asked,
    the_outbox_shows_only_its_workspace_and_no_welcome_link,
    a_consent_begun_before_a_demotion_does_not_complete,
    renewals_stay_on_time_while_a_webhook_receiver_never_answers,
    renewals_stay_on_time_while_the_mail_server_never_answers,
    metrics_ask_for_the_operators_token,
    webhooks_call_only_public_addresses,
    pages_are_not_stored_and_https_is_kept,
    sign_ins_end_when_idle_and_when_old,
    a_new_role_or_sign_out_everywhere_ends_sign_ins,
    changing_the_password_signs_out_other_browsers,
    set_up_asks_for_the_link_from_the_log,
    a_forgotten_password_is_reset_through_a_mailed_link,
    pages_run_only_their_own_scripts,
    a_lifetime_of_any_size_from_a_network_is_refused_in_words,
    hostile_input_everywhere_is_refused_and_stores_nothing,
    a_rotated_key_rekeys_every_secret_and_a_stop_half_way_loses_nothing,
);
