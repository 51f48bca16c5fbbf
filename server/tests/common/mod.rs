//! `spawn_app()`: a Tether server on port 0 with a fresh database per test, on SQLite or on
//! the Postgres that the test command starts.

#![allow(dead_code)] // each test file uses its own part of this helper

use chrono::{DateTime, TimeDelta, Utc};
use engine::clock::Clock;
use engine::crypto::EncryptionKey;
use reqwest::header::LOCATION;
use reqwest::redirect::Policy;
use reqwest::StatusCode;
use server::config::Settings;
use sqlx::{Connection, Executor, PgConnection};
use std::collections::HashMap;
use url::Url;

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: Url,
    pub engine: engine::Engine,
    pub clock: Clock,
    /// A browser: keeps cookies, does not follow redirects so tests can inspect each hop.
    pub browser: reqwest::Client,
    pub data_dir: tempfile::TempDir,
}

/// A fixed start time, so countdowns in assertions are exact.
pub fn test_epoch() -> DateTime<Utc> {
    DateTime::from_timestamp(1_900_000_000, 0).unwrap()
}

pub fn browser() -> reqwest::Client {
    // A browser's navigation asks for HTML; Tether answers page redirects with a 302 then.
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT,
        reqwest::header::HeaderValue::from_static("text/html,application/xhtml+xml"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, &[]).await
}

/// `spawn_app` with extra settings, e.g. a public URL.
pub async fn spawn_app_with(backend: Backend, extra: &[(&'static str, &str)]) -> TestApp {
    let data_dir = tempfile::tempdir().unwrap();
    let mut vars: HashMap<&str, String> = HashMap::from([
        ("TETHER_BIND", "127.0.0.1:0".to_owned()),
        ("TETHER_DATA_DIR", data_dir.path().display().to_string()),
        ("TETHER_ENCRYPTION_KEY", EncryptionKey::generate_encoded()),
    ]);
    vars.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    if let Backend::Postgres = backend {
        vars.insert("TETHER_DATABASE_URL", fresh_postgres_database().await);
    }
    let settings = Settings::from_vars(|name| vars.get(name).cloned()).unwrap();
    let clock = Clock::frozen(test_epoch());
    let running = server::start(settings, clock.clone()).await.unwrap();
    TestApp {
        // The socket itself: the public URL may name a proxy that is not there in tests.
        base: Url::parse(&format!("http://{}/", running.addr)).unwrap(),
        engine: running.engine,
        clock,
        browser: browser(),
        data_dir,
    }
}

/// Creates an empty database on the test Postgres server and returns its URL.
async fn fresh_postgres_database() -> String {
    let admin_url = match std::env::var("TETHER_TEST_POSTGRES_URL") {
        Ok(url) => url,
        Err(_) => panic!(
            "TETHER_TEST_POSTGRES_URL is not set. Run the test command from README.md \
             (scripts/test.sh), which starts a Postgres for the tests."
        ),
    };
    let name = format!(
        "tether_test_{}",
        engine::crypto::random_token()
            .expose()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(16)
            .collect::<String>()
            .to_lowercase()
    );
    let mut admin = PgConnection::connect(&admin_url).await.unwrap();
    admin
        .execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
        .await
        .unwrap();
    let mut url = Url::parse(&admin_url).unwrap();
    url.set_path(&name);
    url.to_string()
}

impl TestApp {
    pub fn url(&self, path: &str) -> Url {
        self.base.join(path.trim_start_matches('/')).unwrap()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.browser.get(self.url(path)).send().await.unwrap()
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.browser
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// The page at `path`, after following redirects within Tether.
    pub async fn page(&self, path: &str) -> String {
        let mut response = self.get(path).await;
        for _ in 0..5 {
            if !response.status().is_redirection() {
                break;
            }
            let next = location(&response);
            response = self
                .browser
                .get(self.base.join(&next).unwrap())
                .send()
                .await
                .unwrap();
        }
        assert_eq!(response.status(), StatusCode::OK);
        response.text().await.unwrap()
    }

    pub async fn set_up_owner(&self) {
        let response = self
            .post_form(
                "/auth/setup",
                &[
                    ("display_name", "Ada Owner"),
                    ("email", "ada@example.com"),
                    ("password", "correct horse battery"),
                    ("workspace_name", "Acme Social"),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&response), "/");
    }

    /// Starts connecting a sandbox channel; returns the consent page URL.
    pub async fn start_connect(&self, name: &str) -> Url {
        let response = self
            .post_form(
                "/channels/connect",
                &[("network", "sandbox"), ("name", name)],
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "{}",
            response.text().await.unwrap()
        );
        Url::parse(&location(&response)).unwrap()
    }

    /// Answers the sandbox consent page; returns the callback URL it redirects to.
    pub async fn consent(&self, consent_url: &Url, decision: &str) -> Url {
        let page = self.browser.get(consent_url.clone()).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        let mut fields = hidden_fields(&html);
        fields.push(("decision".into(), decision.into()));
        fields.push(("account".into(), "sbx-1001".into()));
        let response = self
            .browser
            .post(consent_url.clone())
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        Url::parse(&location(&response)).unwrap()
    }

    /// Follows the network's redirect back to Tether; returns the dashboard HTML it lands on.
    pub async fn finish(&self, callback: &Url) -> String {
        let response = self.browser.get(callback.clone()).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&response), "/");
        self.page("/").await
    }

    pub async fn channel_count(&self) -> i64 {
        use sqlx::Row;
        sqlx::query("SELECT COUNT(*) AS n FROM channels")
            .fetch_one(self.engine.db().pool())
            .await
            .unwrap()
            .get("n")
    }

    /// The access token of the workspace's one channel, read through the engine.
    pub async fn only_access_token(&self) -> engine::crypto::Secret {
        use sqlx::Row;
        let channel_id: i64 = sqlx::query("SELECT id FROM channels")
            .fetch_one(self.engine.db().pool())
            .await
            .unwrap()
            .get("id");
        self.engine.access_token(channel_id).await.unwrap()
    }

    pub fn advance(&self, by: TimeDelta) {
        self.clock.advance(by);
    }
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .expect("a redirect has a Location")
        .to_str()
        .unwrap()
        .to_owned()
}

pub fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(r#"input[type="hidden"]"#).unwrap();
    document
        .select(&selector)
        .map(|input| {
            (
                input.value().attr("name").unwrap().to_owned(),
                input.value().attr("value").unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Runs each scenario once on SQLite and once on Postgres.
#[macro_export]
macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $scenario() {
                super::$scenario(super::common::Backend::Sqlite).await
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $scenario() {
                super::$scenario(super::common::Backend::Postgres).await
            })*
        }
    };
}
