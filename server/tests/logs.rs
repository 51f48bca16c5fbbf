//! Tokens never reach the logs: a whole connect flow runs with every log line captured at
//! trace level, and none of them carries the token, the authorization code or the state.

mod common;

use common::{spawn_app, Backend};
use std::io::Write;
use std::sync::{Arc, Mutex};

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

#[tokio::test]
async fn a_connect_flow_logs_no_secret() {
    let captured = Captured::default();
    tracing_subscriber::fmt()
        // Everything, down to trace, except the HTML parser this test itself uses to read pages.
        .with_env_filter("trace,html5ever=off,selectors=off")
        .with_writer(captured.clone())
        .with_ansi(false)
        .init();

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
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
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
