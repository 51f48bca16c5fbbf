//! The generic network against a real third-party authorization server: the npm package
//! `oidc-provider` (OpenID Certified), started on loopback by `tests/oidc/provider.mjs`.
//! Discovery with the issuer checked, authorization code with PKCE S256 (required by the
//! server), refresh with rotation, and RFC 7009 revocation seen by the server.

mod common;

use common::{location, Backend, Landing};
use reqwest::StatusCode;
use sqlx::Row;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use url::Url;

const PUBLIC_URL: &str = "http://tether.test/";
const CLIENT_SECRET: &str = "oidc-client-secret-for-tests";

/// The provider process, stopped when dropped.
struct Provider {
    child: Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_provider() -> Provider {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oidc");
    assert!(
        dir.join("node_modules/oidc-provider").exists(),
        "oidc-provider is not installed. Run the test command from README.md \
         (scripts/test.sh), which installs it with npm ci in {}.",
        dir.display()
    );
    // The issuer names its port, so pick a free one first.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new("node")
        .arg("provider.mjs")
        .current_dir(&dir)
        .env("PORT", port.to_string())
        .env("CLIENT_ID", "tether")
        .env("CLIENT_SECRET", CLIENT_SECRET)
        .env("REDIRECT_URI", format!("{PUBLIC_URL}oauth/callback/oidc"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node runs");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first_line = String::new();
    stdout.read_line(&mut first_line).unwrap();
    // Keep reading whatever else it prints, so its writes never hit a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let issuer = first_line
        .trim()
        .strip_prefix("ready ")
        .unwrap_or_else(|| panic!("the provider did not start: {first_line:?}"))
        .to_owned();
    Provider { child, issuer }
}

/// Plays the person at oidc-provider's development login and consent pages until the
/// provider redirects to Tether; returns that redirect, pointed at the test's socket.
async fn sign_in_at_provider(app: &common::TestApp, consent: &Url, login: &str) -> Url {
    let mut next = consent.clone();
    for _ in 0..12 {
        let response = app.browser.get(next.clone()).send().await.unwrap();
        if response.status().is_redirection() {
            let to = next.join(&location(&response)).unwrap();
            if to.as_str().starts_with(PUBLIC_URL) {
                let mut back = to;
                back.set_host(app.base.host_str()).unwrap();
                back.set_port(app.base.port()).unwrap();
                return back;
            }
            next = to;
            continue;
        }
        assert_eq!(response.status(), StatusCode::OK);
        let page = next.clone();
        let html = response.text().await.unwrap();
        let document = scraper::Html::parse_document(&html);
        let form = document
            .select(&scraper::Selector::parse("form").unwrap())
            .next()
            .unwrap_or_else(|| panic!("no form at the provider: {html}"));
        let action = page.join(form.value().attr("action").unwrap()).unwrap();
        let mut fields = common::hidden_fields(&html);
        if html.contains(r#"name="login""#) {
            fields.push(("login".into(), login.into()));
            fields.push(("password".into(), "any password".into()));
        }
        let response = app
            .browser
            .post(action.clone())
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_redirection(), "{}", response.status());
        next = action.join(&location(&response)).unwrap();
    }
    panic!("the provider never redirected back to Tether");
}

async fn the_generic_network_completes_code_pkce_refresh_and_revoke(backend: Backend) {
    let provider = start_provider();
    let app = common::spawn_app_with(
        backend,
        &[
            ("TETHER_PUBLIC_URL", PUBLIC_URL),
            ("TETHER_SANDBOX", "off"),
            ("TETHER_OIDC_ISSUER", &provider.issuer),
            ("TETHER_OIDC_NAME", "Example ID"),
            ("TETHER_OIDC_CLIENT_ID", "tether"),
            ("TETHER_OIDC_CLIENT_SECRET", CLIENT_SECRET),
            ("TETHER_OIDC_SCOPES", "profile metrics"),
        ],
    )
    .await;
    app.set_up_owner().await;

    let consent = app
        .start_connect_on("oidc", "Example account", "metrics")
        .await;
    assert!(consent.as_str().starts_with(&provider.issuer), "{consent}");
    let pairs: std::collections::HashMap<_, _> = consent.query_pairs().into_owned().collect();
    assert_eq!(pairs["code_challenge_method"], "S256");
    assert_eq!(pairs["scope"], "openid offline_access profile metrics");

    let callback = sign_in_at_provider(&app, &consent, "alice").await;
    let Landing::Dashboard(html) = app.land(&callback).await else {
        panic!("one account: no picker");
    };
    assert!(
        html.contains("Connected “Example account” (alice)"),
        "{html}"
    );
    let channel: i64 = sqlx::query("SELECT id FROM channels")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap()
        .get("id");
    let userinfo = format!("{}/me", provider.issuer);
    let works = |token: String| {
        let url = userinfo.clone();
        async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let first = app.engine.access_token(channel).await.unwrap();
    assert_eq!(works(first.expose().to_owned()).await, StatusCode::OK);

    // Refresh: a new access token, and the rotated refresh token is stored.
    let channel_page = format!("/channels/{channel}");
    let refresh_path = format!("{channel_page}/refresh");
    let refresh_now = || app.post_form(&refresh_path, &[]);
    assert_eq!(location(&refresh_now().await), channel_page);
    assert!(app
        .page(&channel_page)
        .await
        .contains("Renewed at Example ID: the new access token lasts"));
    let second = app.engine.access_token(channel).await.unwrap();
    assert_ne!(first.expose(), second.expose());
    assert_eq!(works(second.expose().to_owned()).await, StatusCode::OK);
    // Twice more: each refresh spent the previous refresh token, so storing the rotated
    // one is what keeps this working.
    refresh_now().await;
    refresh_now().await;
    let current = app.engine.access_token(channel).await.unwrap();

    // Unlink revokes at the provider: the grant is gone there.
    let response = app
        .post_form(&format!("/channels/{channel}/unlink"), &[])
        .await;
    assert_eq!(location(&response), "/");
    assert!(app
        .page("/")
        .await
        .contains("Access was revoked at Example ID"));
    assert_eq!(
        works(current.expose().to_owned()).await,
        StatusCode::UNAUTHORIZED
    );
}

/// Checked before any database is touched, so once is enough.
#[tokio::test]
async fn a_discovery_document_for_another_issuer_stops_start_up() {
    let provider = start_provider();
    // The same server reached under another name: its document names a different issuer.
    let other_name = provider.issuer.replace("127.0.0.1", "localhost");
    let vars = [
        ("TETHER_BIND", "127.0.0.1:0".to_owned()),
        ("TETHER_SANDBOX", "off".to_owned()),
        (
            "TETHER_ENCRYPTION_KEY",
            engine::crypto::EncryptionKey::generate_encoded(),
        ),
        ("TETHER_OIDC_ISSUER", other_name),
        ("TETHER_OIDC_CLIENT_ID", "tether".to_owned()),
        ("TETHER_OIDC_CLIENT_SECRET", CLIENT_SECRET.to_owned()),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut vars: std::collections::HashMap<&str, String> = vars.into_iter().collect();
    vars.insert("TETHER_DATA_DIR", dir.path().display().to_string());
    let settings = server::config::Settings::from_vars(|name| vars.get(name).cloned()).unwrap();
    let error = server::start(settings, engine::clock::Clock::system())
        .await
        .err()
        .expect("start-up must refuse the document");
    assert!(format!("{error:#}").contains("names issuer"), "{error:#}");
}

mod sqlite {
    #[tokio::test]
    async fn the_generic_network_completes_code_pkce_refresh_and_revoke() {
        super::the_generic_network_completes_code_pkce_refresh_and_revoke(
            super::common::Backend::Sqlite,
        )
        .await
    }
}

mod postgres {
    #[tokio::test]
    async fn the_generic_network_completes_code_pkce_refresh_and_revoke() {
        super::the_generic_network_completes_code_pkce_refresh_and_revoke(
            super::common::Backend::Postgres,
        )
        .await
    }
}
