//! Reminders and notifications: reminders fire on the workspace's days when the clock moves,
//! escalate to owners and admins near the deadline, reach back-up admins and watchers, are
//! never sent twice, and gather into digests for those who asked; a channel whose connector
//! left says so, and its disconnection is told to the people who can act.

mod common;

use chrono::TimeDelta;
use common::{add_person, location, person, sign_in_as, spawn_app, Backend, Landing, TestApp};
use engine::domain::Role;
use engine::mail::{read_outbox, OutboxMail};
use engine::notify::NotifyReport;
use reqwest::StatusCode;
use serde_json::json;
use sqlx::Row;

/// Connects a YouTube channel (a testing app: fresh consent every 7 days); returns its id.
async fn connect_youtube(app: &TestApp, name: &str) -> i64 {
    let consent = app.start_connect_on("youtube", name, "metrics").await;
    let callback = app
        .consent_as(&consent, "UC4x7Lind0Bakery000000a", "approve", &[])
        .await;
    if let Landing::Pick(path) = app.land(&callback).await {
        app.pick(&path, None).await;
    }
    newest_channel(app).await
}

async fn newest_channel(app: &TestApp) -> i64 {
    sqlx::query("SELECT MAX(id) AS id FROM channels")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap()
        .get("id")
}

/// The mail about the only workspace these tests make (the first id both databases give).
fn outbox(app: &TestApp) -> Vec<OutboxMail> {
    read_outbox(&app.data_dir.path().join("outbox"), 1)
}

fn mails_to(app: &TestApp, to: &str) -> Vec<OutboxMail> {
    outbox(app).into_iter().filter(|m| m.to == to).collect()
}

async fn sweep(app: &TestApp) -> NotifyReport {
    app.engine.notify_sweep().await.unwrap()
}

/// What a sweep told people, leaving out how many deadlines it read.
async fn told(app: &TestApp) -> NotifyReport {
    NotifyReport {
        read: 0,
        ..sweep(app).await
    }
}

/// Connects the sandbox account "Studio" (renewed by Tether: no deadline); returns its id.
async fn connect_studio(app: &TestApp) -> i64 {
    let consent = app.start_connect("Studio").await;
    let callback = app.consent(&consent, "approve").await;
    app.finish(&callback).await;
    newest_channel(app).await
}

/// The account holder revokes Tether at the sandbox, and a check finds the channel dead.
async fn revoke_and_check(app: &TestApp, channel: i64) {
    app.sandbox_control(
        "sandbox",
        json!({"action": "account", "person": "sbx-1001", "reason": "revoked"}),
    )
    .await;
    app.post_form(&format!("/channels/{channel}/check"), &[])
        .await;
}

/// A form post that must succeed (a redirect with no error).
async fn post_ok(app: &TestApp, path: &str, form: &[(&str, &str)]) {
    let response = app.post_form(path, form).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
    let page = app.page(&location(&response)).await;
    let error = page
        .split_once("flash--error")
        .map(|(_, rest)| rest.chars().take(400).collect::<String>());
    assert!(error.is_none(), "{path}: {error:?}");
}

async fn reminders_fire_on_the_right_days_and_escalate(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    add_person(&app, "ann@example.com", "Ann Admin", Role::Admin).await;
    let ed = add_person(&app, "ed@example.com", "Ed Editor", Role::Editor).await;
    add_person(&app, "vi@example.com", "Vi Viewer", Role::Viewer).await;
    post_ok(&app, "/settings/reminders", &[("days", "1, 5,3")]).await;
    let channel = connect_youtube(&app, "Bakery").await;
    let followers = format!("/channels/{channel}/followers");
    post_ok(
        &app,
        &followers,
        &[("role", "backup"), ("user_id", &ed.to_string())],
    )
    .await;
    let vi = sign_in_as(&app, "vi@example.com").await;
    post_ok(&vi, &followers, &[("role", "watcher")]).await;
    post_ok(
        &vi,
        "/notifications/preferences",
        &[
            ("expiring", "daily"),
            ("disconnected", "instant"),
            ("invites", "off"),
        ],
    )
    .await;
    // A viewer names nobody a back-up admin.
    let refused = vi
        .post_form(
            &followers,
            &[("role", "backup"), ("user_id", &ed.to_string())],
        )
        .await;
    assert!(vi
        .page(&location(&refused))
        .await
        .contains("does not allow"));
    let page = app.page(&format!("/channels/{channel}")).await;
    assert!(
        page.contains("Ed Editor") && page.contains("Back-up admin"),
        "{page}"
    );
    assert!(
        page.contains("Vi Viewer") && page.contains("Watcher"),
        "{page}"
    );

    // Fresh consent is due 7 days after connecting; reminders 5, 3 and 1 day before.
    assert_eq!(told(&app).await, NotifyReport::default());
    app.advance(TimeDelta::days(2) - TimeDelta::seconds(1));
    assert_eq!(told(&app).await, NotifyReport::default());
    app.advance(TimeDelta::seconds(1));
    let five_days = sweep(&app).await;
    // Ada (connector), Ed (back-up), Vi (watcher); not yet Ann.
    assert_eq!(
        (five_days.recorded, five_days.mailed),
        (3, 2),
        "{five_days:?}"
    );
    assert_eq!(told(&app).await, NotifyReport::default(), "nothing twice");
    let ada_mails = mails_to(&app, "ada@example.com");
    assert_eq!(ada_mails.len(), 1);
    assert_eq!(
        ada_mails[0].subject,
        "“Bakery” (@lindbakery on YouTube) must be reconnected (the network asks for fresh consent) in 5 days"
    );
    assert_eq!(mails_to(&app, "ed@example.com").len(), 1);
    assert!(mails_to(&app, "ann@example.com").is_empty());
    assert!(
        mails_to(&app, "vi@example.com").is_empty(),
        "Vi waits for her digest"
    );

    // 3 days before: not acted on, so every owner and admin is told too.
    app.advance(TimeDelta::days(2));
    let three_days = sweep(&app).await;
    assert_eq!(
        (three_days.recorded, three_days.mailed, three_days.digests),
        (4, 3, 1),
        "{three_days:?}"
    );
    assert_eq!(mails_to(&app, "ann@example.com").len(), 1);
    let digest = mails_to(&app, "vi@example.com");
    assert_eq!(digest.len(), 1);
    assert_eq!(
        digest[0].subject,
        "Tether daily digest for Acme Social: 2 updates"
    );
    assert!(
        digest[0].text.as_deref().unwrap().contains("in 5 days")
            && digest[0].text.as_deref().unwrap().contains("in 3 days")
    );

    // The in-app list: newest first, unread until marked.
    let dashboard = app.page("/").await;
    assert!(dashboard.contains("Notifications (2 new)"), "{dashboard}");
    let list = app.page("/notifications").await;
    assert!(list.contains("2 unread"));
    post_ok(&app, "/notifications/read", &[]).await;
    assert!(app.page("/notifications").await.contains("All read"));
    let ada = person(&app, "ada@example.com", common::OWNER_PASSWORD).await;
    assert_eq!(app.engine.unread_notifications(&ada).await.unwrap(), 0);

    // The last reminder; once the deadline has passed, no more reminders but the lapse,
    // told once to the same four people.
    app.advance(TimeDelta::days(2));
    assert_eq!(sweep(&app).await.recorded, 4);
    app.advance(TimeDelta::days(2));
    assert_eq!(sweep(&app).await.recorded, 4);
    assert_eq!(sweep(&app).await.recorded, 0);
    let kinds: Vec<(String, i64)> =
        sqlx::query("SELECT kind, COUNT(*) AS n FROM notifications GROUP BY kind ORDER BY kind")
            .fetch_all(app.engine.db().pool())
            .await
            .unwrap()
            .iter()
            .map(|row| (row.get("kind"), row.get("n")))
            .collect();
    assert_eq!(
        kinds,
        [
            ("disconnected".to_owned(), 4),
            ("expiring".to_owned(), 3 + 4 + 4)
        ]
    );
}

async fn a_channel_whose_connector_left_asks_for_a_new_one(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let ed_id = add_person(&app, "ed@example.com", "Ed Editor", Role::Editor).await;
    let ed = sign_in_as(&app, "ed@example.com").await;
    let consent = ed.start_connect("Studio").await;
    let callback = ed.consent(&consent, "approve").await;
    ed.finish(&callback).await;
    let channel = newest_channel(&app).await;
    assert!(!app.page("/").await.contains("connector-left"));

    post_ok(&app, &format!("/settings/members/{ed_id}/remove"), &[]).await;
    let dashboard = app.page("/").await;
    assert!(dashboard.contains("connector-left"), "{dashboard}");
    assert!(dashboard.contains("has left or may no longer reconnect it"));

    // The token dies: the people who can act hear it once, Ed (gone) does not.
    app.sandbox_control(
        "sandbox",
        json!({"action": "account", "person": "sbx-1001", "reason": "revoked"}),
    )
    .await;
    let check = app
        .post_form(&format!("/channels/{channel}/check"), &[])
        .await;
    let page = app.page(&location(&check)).await;
    assert!(page.contains("refused the token for good"), "{page}");
    let report = sweep(&app).await;
    assert_eq!((report.recorded, report.mailed), (1, 1), "{report:?}");
    assert_eq!(told(&app).await, NotifyReport::default());
    let mails = mails_to(&app, "ada@example.com");
    assert_eq!(mails.len(), 1);
    assert_eq!(
        mails[0].subject,
        "“Studio” (@sandbox.studio on Sandbox) is disconnected"
    );
    // The mail leads to the channel, where the fix is.
    assert!(
        mails[0].text.as_deref().unwrap().lines().any(|line| {
            let line = line.trim();
            line.starts_with("Open the channel: http")
                && line.ends_with(&format!("/channels/{channel}"))
        }),
        "{}",
        mails[0].text.as_deref().unwrap()
    );
    assert!(mails_to(&app, "ed@example.com").is_empty());

    // The account holder sorts it out at the network; the owner reconnects and becomes
    // the connector: the warning goes.
    app.sandbox_control(
        "sandbox",
        json!({"action": "restore", "person": "sbx-1001"}),
    )
    .await;
    let consent = app
        .post_form(&format!("/channels/{channel}/reauthorize"), &[])
        .await;
    let consent = url::Url::parse(&location(&consent)).unwrap();
    let callback = app.consent(&consent, "approve").await;
    let dashboard = app.finish(&callback).await;
    assert!(dashboard.contains("Reconnected “Studio”"), "{dashboard}");
    assert!(!dashboard.contains("connector-left"));
}

/// The calendar address the notifications page shows once.
async fn make_calendar_address(app: &TestApp) -> String {
    let response = app.post_form("/notifications/calendar", &[]).await;
    assert_eq!(location(&response), "/notifications");
    let page = app.page("/notifications").await;
    let document = scraper::Html::parse_document(&page);
    let selector = scraper::Selector::parse("input#calendar-link").unwrap();
    document
        .select(&selector)
        .next()
        .expect("the address is shown once")
        .value()
        .attr("value")
        .unwrap()
        .to_owned()
}

async fn the_calendar_feed_has_every_deadline_and_parses(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    connect_youtube(&app, "Bakery").await;
    // A rotating-refresh channel has no deadline that needs a person: not in the feed.
    let consent = app.start_connect("Studio").await;
    let callback = app.consent(&consent, "approve").await;
    app.finish(&callback).await;

    let address = make_calendar_address(&app).await;
    assert!(address.ends_with(".ics"), "{address}");
    // A calendar app has no session.
    let calendar_app = common::browser();
    let response = calendar_app.get(&address).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    let text = response.text().await.unwrap();
    text.parse::<icalendar::Calendar>()
        .expect("the typed parser reads the feed");
    let unfolded = icalendar::parser::unfold(&text);
    let calendar = icalendar::parser::read_calendar(&unfolded).unwrap();
    let events: Vec<_> = calendar
        .components
        .iter()
        .filter(|c| c.name == "VEVENT")
        .collect();
    assert_eq!(events.len(), 1, "{text}");
    let event = events[0];
    let prop = |name: &str| event.find_prop(name).unwrap().val.as_str().to_owned();
    assert_eq!(
        prop("SUMMARY"),
        "“Bakery” (@lindbakery on YouTube) must be reconnected (the network asks for fresh consent)"
    );
    let deadline = common::test_epoch() + TimeDelta::days(7);
    assert_eq!(
        prop("DTSTART"),
        deadline.format("%Y%m%dT%H%M%SZ").to_string()
    );
    // A 7-day window: alerts 3 days and 1 day before (30, 14 and 7 do not fit).
    let triggers: Vec<String> = event
        .components
        .iter()
        .filter(|c| c.name == "VALARM")
        .map(|alarm| alarm.find_prop("TRIGGER").unwrap().val.as_str().to_owned())
        .collect();
    // 3 days and 1 day before the start, in seconds.
    assert_eq!(triggers, ["-PT259200S", "-PT86400S"], "{text}");
    assert!(text.contains("in 3 days") && text.contains("in 1 day\r\n"));
    // Stamped with Tether's clock, not the machine's.
    assert_eq!(
        prop("DTSTAMP"),
        common::test_epoch().format("%Y%m%dT%H%M%SZ").to_string()
    );

    // A new address stops the old one; turning it off stops the new one.
    let renewed = make_calendar_address(&app).await;
    let status = |url: String| {
        let calendar_app = calendar_app.clone();
        async move { calendar_app.get(url).send().await.unwrap().status() }
    };
    assert_eq!(status(address.clone()).await, StatusCode::NOT_FOUND);
    assert_eq!(status(renewed.clone()).await, StatusCode::OK);
    post_ok(&app, "/notifications/calendar/revoke", &[]).await;
    assert_eq!(status(renewed.clone()).await, StatusCode::NOT_FOUND);
    let forged = format!(
        "{}calendar/{}.ics",
        app.base,
        engine::crypto::random_token().expose()
    );
    assert_eq!(status(forged).await, StatusCode::NOT_FOUND);
}

/// The minute's sweep reads a channel only when its next reminder is due, or when what
/// decides it changed (a new consent, other reminder days), so 100,000 quiet channels cost
/// what none do.
async fn the_sweep_reads_a_deadline_only_when_its_reminder_is_due(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    post_ok(&app, "/settings/reminders", &[("days", "5, 1")]).await;
    let channel = connect_youtube(&app, "Bakery").await;
    let read = |report: NotifyReport| (report.read, report.recorded);

    // Planned once; then nothing is read until 5 days before the deadline.
    assert_eq!(read(sweep(&app).await), (1, 0));
    assert_eq!(read(sweep(&app).await), (0, 0));
    app.advance(TimeDelta::days(2) - TimeDelta::seconds(1));
    assert_eq!(read(sweep(&app).await), (0, 0));
    app.advance(TimeDelta::seconds(1));
    assert_eq!(read(sweep(&app).await), (1, 1));
    assert_eq!(read(sweep(&app).await), (0, 0));

    // Other reminder days: read again, and the 4-day reminder is due at once.
    post_ok(&app, "/settings/reminders", &[("days", "4, 1")]).await;
    app.advance(TimeDelta::days(1));
    assert_eq!(read(sweep(&app).await), (1, 1));
    assert_eq!(read(sweep(&app).await), (0, 0));

    // A fresh consent moves the deadline: read again, and quiet until its own reminders.
    let consent = app
        .post_form(&format!("/channels/{channel}/reauthorize"), &[])
        .await;
    let consent = url::Url::parse(&location(&consent)).unwrap();
    let callback = app
        .consent_as(&consent, "UC4x7Lind0Bakery000000a", "approve", &[])
        .await;
    assert!(app.finish(&callback).await.contains("Reconnected “Bakery”"));
    assert_eq!(read(sweep(&app).await), (1, 0));
    assert_eq!(read(sweep(&app).await), (0, 0));
    app.advance(TimeDelta::days(2));
    assert_eq!(read(sweep(&app).await), (0, 0));
    app.advance(TimeDelta::days(1));
    assert_eq!(read(sweep(&app).await), (1, 1));
}

/// An open disconnection is read once, when it is told, and again only for someone who
/// can act on it and was not there to hear: a new member, a new role, a new follower.
async fn a_disconnection_is_read_once_and_again_for_someone_new(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let read = |report: NotifyReport| (report.read, report.recorded);
    let channel = connect_studio(&app).await;
    assert_eq!(
        read(sweep(&app).await),
        (0, 0),
        "renewed by Tether: no deadline to plan"
    );
    revoke_and_check(&app, channel).await;
    assert_eq!(read(sweep(&app).await), (1, 1), "Ada is told");
    assert_eq!(read(sweep(&app).await), (0, 0));

    // A new admin hears of it (escalations go to admins), once.
    let ann = add_person(&app, "ann@example.com", "Ann Admin", Role::Admin).await;
    assert_eq!(read(sweep(&app).await), (1, 1), "Ann is told");
    assert_eq!(read(sweep(&app).await), (0, 0));
    // A new viewer is not told (only the connector, back-up admins, watchers and
    // managers are), until watching.
    let vi = add_person(&app, "vi@example.com", "Vi Viewer", Role::Viewer).await;
    assert_eq!(read(sweep(&app).await), (1, 0));
    post_ok(
        &app,
        &format!("/channels/{channel}/followers"),
        &[("role", "watcher"), ("user_id", &vi.to_string())],
    )
    .await;
    assert_eq!(read(sweep(&app).await), (1, 1), "Vi, watching, is told");
    assert_eq!(read(sweep(&app).await), (0, 0));
    let told: Vec<i64> = sqlx::query_scalar(
        "SELECT user_id FROM notifications WHERE kind = 'disconnected' ORDER BY user_id",
    )
    .fetch_all(app.engine.db().pool())
    .await
    .unwrap();
    assert_eq!(told.len(), 3);
    assert!(told.contains(&ann) && told.contains(&vi));
}

/// From the dashboard, many channels at once: those ticked, or all that match a view;
/// each done on its own, the refused ones named, nothing done when the request cannot be.
async fn a_bulk_action_watches_or_backs_up_many_channels(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let ed = add_person(&app, "ed@example.com", "Ed Editor", Role::Editor).await;
    let vi = add_person(&app, "vi@example.com", "Vi Viewer", Role::Viewer).await;
    let tokens: Vec<engine::import::ImportedToken> = (1..=5)
        .map(|n| engine::import::ImportedToken {
            network: "sandbox".into(),
            kind: "profile".into(),
            account_id: format!("shop-{n}"),
            handle: format!("@shop{n}"),
            name: Some(format!("Shop {n}")),
            access: None,
            access_token: format!("access-{n}"),
            refresh_token: Some(format!("refresh-{n}")),
            expires_in: Some(30 * 86_400),
            scope: None,
        })
        .collect();
    app.engine.import_tokens(1, &tokens, 1).await.unwrap();
    let pool = app.engine.db().pool();
    let id_of = |name: &'static str| async move {
        sqlx::query_scalar::<_, i64>("SELECT id FROM channels WHERE name = $1")
            .bind(name)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    sqlx::query(
        "UPDATE credentials SET dead_reason = 'revoked' WHERE channel_id IN \
         (SELECT id FROM channels WHERE name IN ('Shop 2', 'Shop 4'))",
    )
    .execute(pool)
    .await
    .unwrap();
    let following = |role: &'static str, user_id: i64| async move {
        sqlx::query_scalar::<_, String>(
            "SELECT c.name FROM channel_followers f JOIN channels c ON c.id = f.channel_id \
             WHERE f.role = $1 AND f.user_id = $2 ORDER BY c.name",
        )
        .bind(role)
        .bind(user_id)
        .fetch_all(pool)
        .await
        .unwrap()
    };
    let bulk = |app: &TestApp, form: Vec<(&'static str, String)>| {
        let app = app.clone();
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let response = app.post_form("/channels/bulk", &form).await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER);
            let to = location(&response);
            (to.clone(), app.page(&to).await)
        }
    };

    let dashboard = app.page("/?show=attention").await;
    assert!(
        dashboard.contains(r#"form="bulk" name="channel""#),
        "{dashboard}"
    );
    assert!(
        dashboard.contains("All 2 that match this view"),
        "{dashboard}"
    );

    // Ticked: watched by the person acting, back to the same view.
    let (to, page) = bulk(
        &app,
        vec![
            ("from", "/?show=attention".into()),
            ("action", "watch".into()),
            ("channel", id_of("Shop 1").await.to_string()),
            ("channel", id_of("Shop 3").await.to_string()),
        ],
    )
    .await;
    assert_eq!(to, "/?show=attention");
    assert!(page.contains("You now watch 2 channels."), "{page}");
    assert_eq!(following("watcher", 1).await, ["Shop 1", "Shop 3"]);

    // All that match the view: the two dead ones get Ed as back-up admin.
    let (_, page) = bulk(
        &app,
        vec![
            ("which", "matching".into()),
            ("show", "attention".into()),
            ("action", "backup".into()),
            ("user_id", ed.to_string()),
        ],
    )
    .await;
    assert!(
        page.contains("A back-up admin is named for 2 channels."),
        "{page}"
    );
    assert_eq!(following("backup", ed).await, ["Shop 2", "Shop 4"]);

    // One channel that is not there is named; the rest is done.
    let (_, page) = bulk(
        &app,
        vec![
            ("action", "watch".into()),
            ("channel", id_of("Shop 5").await.to_string()),
            ("channel", "999999".into()),
        ],
    )
    .await;
    assert!(
        page.contains("You now watch 1 channel. Not channel 999999: That was not found."),
        "{page}"
    );
    assert_eq!(
        following("watcher", 1).await,
        ["Shop 1", "Shop 3", "Shop 5"]
    );

    // Refused whole: nothing ticked; a viewer as back-up admin; a viewer naming anyone.
    let (_, page) = bulk(&app, vec![("action", "watch".into())]).await;
    assert!(page.contains("Tick the channels to act on"), "{page}");
    let (_, page) = bulk(
        &app,
        vec![
            ("action", "backup".into()),
            ("user_id", vi.to_string()),
            ("channel", id_of("Shop 1").await.to_string()),
        ],
    )
    .await;
    assert!(page.contains("must be allowed to reconnect"), "{page}");
    let viewer = sign_in_as(&app, "vi@example.com").await;
    let (_, page) = bulk(
        &viewer,
        vec![
            ("which", "matching".into()),
            ("action", "backup".into()),
            ("user_id", ed.to_string()),
        ],
    )
    .await;
    assert!(page.contains("does not allow"), "{page}");
    assert_eq!(following("backup", ed).await, ["Shop 2", "Shop 4"]);
    assert!(following("backup", vi).await.is_empty());
}

/// A notification its person wants in the app only is settled for mail when it is recorded:
/// the minute's mail queries never step over it again, and choosing mail later does not
/// send what came before.
async fn notifications_not_wanted_by_mail_are_not_left_waiting(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    post_ok(
        &app,
        "/notifications/preferences",
        &[
            ("expiring", "instant"),
            ("disconnected", "off"),
            ("invites", "instant"),
        ],
    )
    .await;
    let channel = connect_studio(&app).await;
    revoke_and_check(&app, channel).await;
    let report = sweep(&app).await;
    assert_eq!((report.recorded, report.mailed), (1, 0), "{report:?}");
    let waiting: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE mailed_at IS NULL")
            .fetch_one(app.engine.db().pool())
            .await
            .unwrap();
    assert_eq!(waiting, 0, "nothing left for the mail queries");
    assert!(app.page("/notifications").await.contains("is disconnected"));

    post_ok(
        &app,
        "/notifications/preferences",
        &[
            ("expiring", "instant"),
            ("disconnected", "instant"),
            ("invites", "instant"),
        ],
    )
    .await;
    let report = sweep(&app).await;
    assert_eq!(report.mailed, 0, "what came before is not mailed now");
    assert!(mails_to(&app, "ada@example.com").is_empty());
}

on_both_backends!(
    reminders_fire_on_the_right_days_and_escalate,
    notifications_not_wanted_by_mail_are_not_left_waiting,
    a_bulk_action_watches_or_backs_up_many_channels,
    a_disconnection_is_read_once_and_again_for_someone_new,
    the_sweep_reads_a_deadline_only_when_its_reminder_is_due,
    a_channel_whose_connector_left_asks_for_a_new_one,
    the_calendar_feed_has_every_deadline_and_parses,
);
