//! Webhooks: a receiver started by the test checks every request's HMAC-SHA256 signature
//! with the secret the page showed once; failed deliveries are retried with backoff and
//! logged; Slack gets its own format; a removed webhook gets nothing more.

mod common;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use chrono::TimeDelta;
use common::{location, spawn_app, Backend, TestApp};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What the receiver got on one path, and what it answers next.
#[derive(Default)]
struct Inbox {
    /// (timestamp header, signature header, body) per request.
    requests: Vec<(String, String, String)>,
    /// Statuses to answer, first to last; 200 once they run out.
    answers: Vec<u16>,
}

type Receiver = Arc<Mutex<HashMap<String, Inbox>>>;

async fn receive(
    State(receiver): State<Receiver>,
    Path(path): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let mut inboxes = receiver.lock().unwrap();
    let inbox = inboxes.entry(path).or_default();
    inbox.requests.push((
        header("x-tether-timestamp"),
        header("x-tether-signature"),
        String::from_utf8(body.to_vec()).unwrap(),
    ));
    let status = if inbox.answers.is_empty() {
        200
    } else {
        inbox.answers.remove(0)
    };
    StatusCode::from_u16(status).unwrap()
}

/// A webhook receiver on loopback; returns its base URL and what it received.
async fn start_receiver(answers: &[(&str, &[u16])]) -> (String, Receiver) {
    let receiver: Receiver = Arc::default();
    for (path, statuses) in answers {
        receiver
            .lock()
            .unwrap()
            .entry((*path).to_owned())
            .or_default()
            .answers = statuses.to_vec();
    }
    let app = Router::new()
        .route("/{path}", post(receive))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}"), receiver)
}

/// The receiver's own check: HMAC-SHA256 of "timestamp.body" under the secret, in hex.
fn signed_by(secret: &str, timestamp: &str, body: &str, signature: &str) -> bool {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{body}").as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    signature == format!("sha256={expected}")
}

/// Adds a webhook with the form; returns its secret, read from the page that shows it once.
async fn add_webhook(app: &TestApp, url: &str, format: &str) -> String {
    let response = app
        .post_form("/settings/webhooks", &[("url", url), ("format", format)])
        .await;
    assert_eq!(location(&response), "/settings/webhooks");
    let page = app.page("/settings/webhooks").await;
    let document = scraper::Html::parse_document(&page);
    let selector = scraper::Selector::parse("input#webhook-secret").unwrap();
    document
        .select(&selector)
        .next()
        .expect("the secret is shown once")
        .value()
        .attr("value")
        .unwrap()
        .to_owned()
}

fn requests(receiver: &Receiver, path: &str) -> Vec<(String, String, String)> {
    receiver
        .lock()
        .unwrap()
        .get(path)
        .map(|inbox| inbox.requests.clone())
        .unwrap_or_default()
}

async fn webhooks_are_signed_retried_and_logged(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let (base, receiver) = start_receiver(&[("json", &[500])]).await;
    let secret = add_webhook(&app, &format!("{base}/json"), "json").await;
    let slack_secret = add_webhook(&app, &format!("{base}/slack"), "slack").await;
    assert!(secret.starts_with("whsec_") && secret != slack_secret);
    // Bad addresses are refused with words, nothing stored.
    let refused = app
        .post_form(
            "/settings/webhooks",
            &[("url", "ftp://example.com/x"), ("format", "json")],
        )
        .await;
    assert!(app
        .page(&location(&refused))
        .await
        .contains("must be a full http:// or https:// URL"));

    // A channel goes down: one event for the workspace.
    let consent = app.start_connect("Studio").await;
    let callback = app.consent(&consent, "approve").await;
    app.finish(&callback).await;
    app.sandbox_control(
        "sandbox",
        json!({"action": "account", "person": "sbx-1001", "reason": "revoked"}),
    )
    .await;
    app.post_form("/channels/1/check", &[]).await;
    let first = app.engine.notify_sweep().await.unwrap();
    assert_eq!(
        first.webhooks, 1,
        "Slack took it, the JSON receiver failed: {first:?}"
    );

    let slack = requests(&receiver, "slack");
    assert_eq!(slack.len(), 1);
    let (timestamp, signature, body) = &slack[0];
    assert!(signed_by(&slack_secret, timestamp, body, signature));
    let text: Value = serde_json::from_str(body).unwrap();
    assert!(
        text["text"]
            .as_str()
            .unwrap()
            .starts_with("*“Studio” (@sandbox.studio on Sandbox) is disconnected*"),
        "{body}"
    );

    let log = app.page("/settings/webhooks").await;
    assert!(
        log.contains("the receiver answered 500 Internal Server Error"),
        "{log}"
    );
    assert!(log.contains("next try"));
    // Not before its backoff.
    assert_eq!(app.engine.notify_sweep().await.unwrap().webhooks, 0);
    app.advance(TimeDelta::seconds(61));
    assert_eq!(app.engine.notify_sweep().await.unwrap().webhooks, 1);
    let json_requests = requests(&receiver, "json");
    assert_eq!(json_requests.len(), 2, "one failure, one retry");
    for (timestamp, signature, body) in &json_requests {
        assert!(signed_by(&secret, timestamp, body, signature));
        assert!(!signed_by(&slack_secret, timestamp, body, signature));
        // A replayed body under another timestamp does not verify.
        assert!(!signed_by(&secret, "1", body, signature));
    }
    let event: Value = serde_json::from_str(&json_requests[1].2).unwrap();
    assert_eq!(event["kind"], "disconnected");
    assert_eq!(event["workspace"], "Acme Social");
    assert_eq!(event["channel"]["name"], "Studio");
    assert!(event["url"].as_str().unwrap().ends_with("/channels/1"));
    // When it happened: RFC 3339 for people and parsers, Unix seconds beside it.
    let at = chrono::DateTime::parse_from_rfc3339(event["at"].as_str().unwrap())
        .expect("`at` is RFC 3339");
    assert_eq!(event["at_epoch"].as_i64(), Some(at.timestamp()), "{event}");
    // The page says how long retries go on, as the schedule has it.
    assert!(
        log.contains("retried with growing pauses for 8 h 31 min, then given up"),
        "{log}"
    );
    assert!(app.page("/settings/webhooks").await.contains("Delivered"));
    // Delivered once: later sweeps send nothing again.
    app.advance(TimeDelta::hours(1));
    assert_eq!(app.engine.notify_sweep().await.unwrap().webhooks, 0);

    // A webhook added later hears what happens from then on, not the old events that a
    // person who joins now is still told of.
    let (later_base, later_receiver) = start_receiver(&[]).await;
    add_webhook(&app, &format!("{later_base}/json"), "json").await;
    common::add_person(
        &app,
        "ann@example.com",
        "Ann Admin",
        engine::domain::Role::Admin,
    )
    .await;
    let report = app.engine.notify_sweep().await.unwrap();
    assert_eq!(
        report.recorded, 1,
        "Ann hears the channel is down: {report:?}"
    );
    assert_eq!(report.webhooks, 0, "{report:?}");
    assert!(requests(&later_receiver, "json").is_empty());

    // The test button, then removal.
    let response = app.post_form("/settings/webhooks/1/test", &[]).await;
    assert_eq!(location(&response), "/settings/webhooks");
    assert_eq!(app.engine.notify_sweep().await.unwrap().webhooks, 1);
    let test: Value = serde_json::from_str(&requests(&receiver, "json")[2].2).unwrap();
    assert_eq!(test["kind"], "test");
    let response = app.post_form("/settings/webhooks/1/revoke", &[]).await;
    assert_eq!(location(&response), "/settings/webhooks");
    app.post_form("/settings/webhooks/1/test", &[]).await;
    app.advance(TimeDelta::hours(1));
    app.engine.notify_sweep().await.unwrap();
    assert_eq!(
        requests(&receiver, "json").len(),
        3,
        "nothing after removal"
    );
}

async fn only_owners_and_admins_manage_webhooks(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    common::add_person(
        &app,
        "ed@example.com",
        "Ed Editor",
        engine::domain::Role::Editor,
    )
    .await;
    let ed = common::sign_in_as(&app, "ed@example.com").await;
    let response = ed
        .post_form(
            "/settings/webhooks",
            &[("url", "https://example.com/h"), ("format", "json")],
        )
        .await;
    let refused = ed.get(&location(&response)).await;
    assert_eq!(refused.status(), reqwest::StatusCode::FORBIDDEN);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("Your role in this workspace does not allow that."));
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhooks")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap();
    assert_eq!(count, 0);
}

on_both_backends!(
    webhooks_are_signed_retried_and_logged,
    only_owners_and_admins_manage_webhooks,
);
