//! Mail: an invite sent to an address lands, with a plain-text and an HTML body, in the
//! local outbox (the embedded default, shown by the UI) or at a real SMTP server
//! (Nodemailer's `smtp-server`, started on loopback by `tests/smtp/server.mjs`).

mod common;

use common::{location, spawn_app, spawn_app_with, Backend, TestApp};
use reqwest::StatusCode;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const SMTP_USER: &str = "tether";
const SMTP_PASSWORD: &str = "smtp-password-for-tests";

/// Sends an invite for Lena by mail with the admin's form; returns the page after it.
async fn invite_lena(app: &TestApp) -> String {
    let response = app
        .post_form(
            "/settings/invites",
            &[
                ("target", "new:sandbox:profile"),
                ("name", "Lena's channel"),
                ("access", "metrics"),
                ("expires_in_days", "7"),
                ("message", "Hi Lena, this lets us read your stats."),
                ("recipient", "lena@example.com"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/settings/invites");
    app.page("/settings/invites").await
}

/// The link the invites page shows once.
fn shown_link(html: &str) -> String {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse("input#new-link").unwrap();
    document
        .select(&selector)
        .next()
        .expect("the link is shown once")
        .value()
        .attr("value")
        .unwrap()
        .to_owned()
}

/// Checks a raw invite message: both bodies, who asks, the message and the link.
fn assert_invite_message(raw: &[u8], link: &str) {
    let message = mail_parser::MessageParser::default().parse(raw).unwrap();
    assert_eq!(
        message.subject(),
        Some("Ada Owner asks you to connect your Sandbox Profile")
    );
    let to = message
        .to()
        .and_then(|to| to.first())
        .and_then(|a| a.address());
    assert_eq!(to, Some("lena@example.com"));
    let text = message.body_text(0).unwrap();
    let html = message.body_html(0).unwrap();
    for body in [&text, &html] {
        assert!(body.contains("Acme Social"), "{body}");
        assert!(
            body.contains("Hi Lena, this lets us read your stats."),
            "{body}"
        );
        assert!(body.contains("cannot post"), "{body}");
        assert!(body.contains(link), "{body}");
    }
    assert!(html.contains("<a href"), "{html}");
    assert!(!text.contains('<'), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invites_are_written_to_the_outbox_that_the_ui_shows() {
    let app = spawn_app(Backend::Sqlite).await;
    app.set_up_owner().await;
    let page = invite_lena(&app).await;
    assert!(
        page.contains("The invite was mailed to lena@example.com"),
        "{page}"
    );
    let link = shown_link(&page);

    let outbox = app.data_dir.path().join("outbox");
    let files: Vec<PathBuf> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_invite_message(&std::fs::read(&files[0]).unwrap(), &link);

    let shown = app.page("/settings/outbox").await;
    assert!(shown.contains("Ada Owner asks you to connect your Sandbox Profile"));
    assert!(shown.contains("To lena@example.com"));
    assert!(shown.contains(&link));
    // The dashboard leads there while mail goes to the outbox.
    assert!(app.page("/").await.contains(r#"href="/settings/outbox""#));
}

/// The SMTP server process, stopped when dropped, and the messages it received.
struct SmtpServer {
    child: Child,
    port: u16,
    received: mpsc::Receiver<serde_json::Value>,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_smtp_server() -> SmtpServer {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/smtp");
    assert!(
        dir.join("node_modules/smtp-server").exists(),
        "smtp-server is not installed. Run the test command from README.md \
         (scripts/test.sh), which installs it with npm ci in {}.",
        dir.display()
    );
    let mut child = Command::new("node")
        .arg("server.mjs")
        .current_dir(&dir)
        .env("SMTP_USER", SMTP_USER)
        .env("SMTP_PASSWORD", SMTP_PASSWORD)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let port = first
        .strip_prefix("ready ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("the SMTP server did not start: {first:?}"));
    let (sender, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let _ = sender.send(serde_json::from_str(&line).unwrap());
        }
    });
    SmtpServer {
        child,
        port,
        received,
    }
}

/// Tether sending through the SMTP server on `port`, signing in with `password`.
async fn app_with_smtp(port: u16, password: &str) -> TestApp {
    let port = port.to_string();
    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            ("TETHER_SMTP_HOST", "127.0.0.1"),
            ("TETHER_SMTP_PORT", &port),
            ("TETHER_SMTP_SECURITY", "none"),
            ("TETHER_SMTP_USERNAME", SMTP_USER),
            ("TETHER_SMTP_PASSWORD", password),
            ("TETHER_MAIL_FROM", "Tether <tether@acme.test>"),
        ],
    )
    .await;
    app.set_up_owner().await;
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invites_are_mailed_through_a_real_smtp_server() {
    let smtp = start_smtp_server();
    let app = app_with_smtp(smtp.port, SMTP_PASSWORD).await;
    let page = invite_lena(&app).await;
    assert!(
        page.contains("The invite was mailed to lena@example.com"),
        "{page}"
    );
    let link = shown_link(&page);
    let received = smtp
        .received
        .recv_timeout(Duration::from_secs(30))
        .expect("the SMTP server received the invite");
    assert_eq!(received["from"], "tether@acme.test");
    assert_eq!(received["to"], serde_json::json!(["lena@example.com"]));
    assert_eq!(received["user"], SMTP_USER);
    assert_invite_message(received["raw"].as_str().unwrap().as_bytes(), &link);
    // Nothing goes to the outbox, and the UI says so.
    assert!(!app.page("/").await.contains(r#"href="/settings/outbox""#));

    // A server that refuses Tether's sign-in: the invite stands, the admin copies the link.
    let refused = app_with_smtp(smtp.port, "wrong password").await;
    let page = invite_lena(&refused).await;
    assert!(
        page.contains("the mail to lena@example.com could not be sent"),
        "{page}"
    );
    let link = shown_link(&page);
    assert!(refused
        .other_browser()
        .page(&link)
        .await
        .contains("Ada Owner asks you"));
    assert!(smtp.received.try_recv().is_err(), "nothing was delivered");
}
