//! What the logs say: a whole connect flow runs with every log line captured at trace
//! level, and none of them carries the token, the authorization code or the state; a
//! client's mistake is answered 4xx and is not logged as an error.

mod common;

use common::{spawn_app, Backend};
use reqwest::StatusCode;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    /// Every line logged by this test binary so far.
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// The one capture of this binary's logs, set up by whichever test comes first.
fn captured() -> &'static Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        tracing_subscriber::fmt()
            // Everything, down to trace, except the HTML parser the tests use to read pages.
            .with_env_filter("trace,html5ever=off,selectors=off")
            .with_writer(captured.clone())
            .with_ansi(false)
            .init();
        captured
    })
}

#[tokio::test]
async fn a_connect_flow_logs_no_secret() {
    let captured = captured();

    let app = spawn_app(Backend::Sqlite).await;
    app.set_up_owner().await;
    let consent = app.start_connect("Studio").await;
    let callback = app.consent(&consent, "approve").await;
    app.finish(&callback).await;
    assert_eq!(app.channel_count().await, 1);

    // A link's secret is in its path: the logs name the route, not the path.
    let link_secret = "a-link-secret-0123456789abcdef";
    for page in ["invite", "welcome", "calendar"] {
        app.get(&format!("/{page}/{link_secret}")).await;
    }

    let token = app.only_access_token().await;
    let param = |name: &str| {
        callback
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    let logs = captured.text();
    // The one secret the log is for: the link that sets a fresh instance up.
    assert!(
        logs.contains(&format!(
            "Tether is not set up yet: open {} to create the owner account",
            app.url(&format!("/setup/{}", common::SETUP_TOKEN))
        )),
        "{logs}"
    );
    assert!(
        logs.contains("channel connected"),
        "the capture must see the flow's own log lines"
    );
    assert!(logs.contains(r#"route="/invite/{token}""#), "{logs}");
    for (what, secret) in [
        ("access token", token.expose().to_owned()),
        ("authorization code", param("code")),
        ("state", param("state")),
        ("password", "correct horse battery".to_owned()),
        ("link secret", link_secret.to_owned()),
    ] {
        let leaks: Vec<_> = logs.lines().filter(|l| l.contains(&secret)).collect();
        assert!(
            leaks.is_empty(),
            "the {what} appears in the logs: {leaks:#?}"
        );
    }
}

#[tokio::test]
async fn a_clients_mistake_with_a_server_function_is_a_4xx_and_no_error() {
    use leptos::server_fn::ServerFn;
    let captured = captured();
    let app = spawn_app(Backend::Sqlite).await;
    app.set_up_owner().await;
    // Server functions are called by code, which does not ask for HTML.
    let client = reqwest::Client::new();
    let call = |path: &str, body: String| {
        client
            .post(app.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", app.url("/").origin().ascii_serialization())
            .body(body)
            .send()
    };
    let dashboard = <app::api::LoadDashboard as ServerFn>::PATH;
    let channel = <app::api::LoadChannel as ServerFn>::PATH;

    let anonymous = call(dashboard, String::new()).await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        common::location(&anonymous),
        "/login",
        "told where to sign in"
    );
    let malformed = call(channel, "channel_id=not-a-number".into())
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let missing = call(channel, String::new()).await.unwrap();
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    let oversized = call(channel, format!("channel_id={}", "1".repeat(3 << 20)))
        .await
        .unwrap();
    assert_eq!(oversized.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let errors: Vec<_> = captured
        .text()
        .lines()
        .filter(|line| line.contains(" ERROR ") && line.contains(r#"route="/api/"#))
        .map(str::to_owned)
        .collect();
    assert!(errors.is_empty(), "logged as errors: {errors:#?}");
}
