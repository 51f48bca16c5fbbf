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

#[derive(Clone)]
pub struct TestApp {
    pub base: Url,
    pub engine: engine::Engine,
    pub clock: Clock,
    /// A browser: keeps cookies, does not follow redirects so tests can inspect each hop.
    pub browser: reqwest::Client,
    pub data_dir: std::sync::Arc<tempfile::TempDir>,
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
        // A stuck request fails its test, naming the URL, instead of hanging the suite.
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap()
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, &[]).await
}

/// `spawn_app` with extra settings, e.g. a public URL.
pub async fn spawn_app_with(backend: Backend, extra: &[(&'static str, &str)]) -> TestApp {
    // `TETHER_TEST_LOG=warn` (any filter) shows what the app logged beside a failing test.
    if let Ok(filter) = std::env::var("TETHER_TEST_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_test_writer()
            .try_init();
    }
    let data_dir = tempfile::tempdir().unwrap();
    let mut vars: HashMap<&str, String> = HashMap::from([
        ("TETHER_BIND", "127.0.0.1:0".to_owned()),
        ("TETHER_DATA_DIR", data_dir.path().display().to_string()),
        ("TETHER_ENCRYPTION_KEY", EncryptionKey::generate_encoded()),
        // Tests sweep when they choose to; a background sweep would race their assertions.
        ("TETHER_SCHEDULER", "off".to_owned()),
        // The emulated networks, as the tests' stand-ins for the real ones, with a Google
        // app in "Testing" status as a demo's would be.
        ("TETHER_SANDBOX", "on".to_owned()),
        ("TETHER_GOOGLE_APP_STATUS", "testing".to_owned()),
        // Test receivers listen on loopback; the security suite turns this off.
        ("TETHER_ALLOW_PRIVATE_WEBHOOKS", "yes".to_owned()),
        // Tests move the clock by days and keep their browsers signed in; the security
        // suite checks the defaults.
        ("TETHER_SESSION_IDLE_MINUTES", (60 * 24 * 365).to_string()),
        ("TETHER_SESSION_HOURS", (24 * 365).to_string()),
        // The set-up link's secret, which the log would otherwise be the only place to read.
        ("TETHER_SETUP_TOKEN", SETUP_TOKEN.to_owned()),
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
        data_dir: std::sync::Arc::new(data_dir),
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
                    ("setup_link", SETUP_TOKEN),
                    ("display_name", "Ada Owner"),
                    ("email", "ada@example.com"),
                    ("password", OWNER_PASSWORD),
                    ("workspace_name", "Acme Social"),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&response), "/");
    }

    /// Starts connecting a sandbox channel; returns the consent page URL.
    pub async fn start_connect(&self, name: &str) -> Url {
        self.start_connect_on("sandbox", name, "metrics").await
    }

    /// Starts connecting a channel on `network`; returns the consent page URL.
    pub async fn start_connect_on(&self, network: &str, name: &str, access: &str) -> Url {
        let response = self
            .post_form(
                "/channels/connect",
                &[("network", network), ("name", name), ("access", access)],
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
        self.consent_as(consent_url, "sbx-1001", decision, &[])
            .await
    }

    /// Answers a sandbox consent page as `person`, unticking `untick`; returns the
    /// callback URL it redirects to.
    pub async fn consent_as(
        &self,
        consent_url: &Url,
        person: &str,
        decision: &str,
        untick: &[&str],
    ) -> Url {
        let page = self.browser.get(consent_url.clone()).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        let mut fields = hidden_fields(&html);
        fields.extend(
            checked_boxes(&html, "granted")
                .into_iter()
                .filter(|scope| !untick.contains(&scope.as_str()))
                .map(|scope| ("granted".to_owned(), scope)),
        );
        fields.push(("decision".into(), decision.into()));
        fields.push(("person".into(), person.into()));
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

    /// Follows the network's redirect back to Tether: to the dashboard (with its HTML) or
    /// to the account picker (with its path).
    pub async fn land(&self, callback: &Url) -> Landing {
        let response = self.browser.get(callback.clone()).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let to = location(&response);
        if to.starts_with("/channels/pick/") {
            Landing::Pick(to)
        } else {
            assert_eq!(to, "/");
            Landing::Dashboard(self.page("/").await)
        }
    }

    /// Ticks `keys` (or every offered account) on the picker at `path` and submits;
    /// returns the dashboard HTML.
    pub async fn pick(&self, path: &str, keys: Option<&[&str]>) -> String {
        let html = self.page(path).await;
        let offered = checkboxes(&html, "account");
        let chosen: Vec<String> = match keys {
            Some(keys) => keys.iter().map(|k| (*k).to_owned()).collect(),
            None => offered,
        };
        let mut form = hidden_fields(&html);
        form.extend(chosen.into_iter().map(|key| ("account".to_owned(), key)));
        let response = self
            .browser
            .post(self.url("/channels/pick"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let to = location(&response);
        self.page(&to).await
    }

    /// What the sandbox of `network` saw and was told.
    pub async fn sandbox_state(&self, network: &str) -> serde_json::Value {
        self.browser
            .get(self.url(&format!("/sandbox/{network}/_control/api")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Tells the sandbox of `network` to make something happen.
    pub async fn sandbox_control(&self, network: &str, action: serde_json::Value) {
        let response = self
            .browser
            .post(self.url(&format!("/sandbox/{network}/_control/api")))
            .json(&action)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{}",
            response.text().await.unwrap()
        );
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

    /// The same server seen from another browser (its own cookies).
    pub fn other_browser(&self) -> TestApp {
        TestApp {
            browser: browser(),
            ..self.clone()
        }
    }

    pub fn advance(&self, by: TimeDelta) {
        self.clock.advance(by);
    }
}

/// The password of the owner `set_up_owner` creates.
pub const OWNER_PASSWORD: &str = "correct horse battery";
/// The set-up link's secret every test instance is started with.
pub const SETUP_TOKEN: &str = "test-set-up-link-0123456789abcdef";
/// The password of everyone `add_person` adds.
pub const PASSWORD: &str = "another long password";

/// Adds a member to the first workspace; returns their user id.
pub async fn add_person(app: &TestApp, email: &str, name: &str, role: engine::domain::Role) -> i64 {
    app.engine
        .add_member(
            engine::accounts::NewUser {
                email: engine::domain::Email::parse(email).unwrap(),
                display_name: engine::domain::DisplayName::parse(name).unwrap(),
                password: engine::domain::NewPassword::parse(PASSWORD).unwrap(),
            },
            role,
        )
        .await
        .unwrap()
}

/// Bo, with `role` in a second workspace, “Bo's Agency”: his signed-in browser, his user
/// id and the workspace's id.
pub async fn person_in_new_workspace(
    app: &TestApp,
    role: engine::domain::Role,
) -> (TestApp, i64, i64) {
    use sqlx::Row;
    let user_id = add_person(app, "bo@example.com", "Bo Agency", role).await;
    let pool = app.engine.db().pool();
    let workspace: i64 =
        sqlx::query("INSERT INTO workspaces (name, created_at) VALUES ($1, 0) RETURNING id")
            .bind("Bo's Agency")
            .fetch_one(pool)
            .await
            .unwrap()
            .get("id");
    sqlx::query("UPDATE memberships SET workspace_id = $1 WHERE user_id = $2")
        .bind(workspace)
        .bind(user_id)
        .execute(pool)
        .await
        .unwrap();
    (sign_in_as(app, "bo@example.com").await, user_id, workspace)
}

/// The app seen from a browser of its own, signed in as `email`.
pub async fn sign_in_as(app: &TestApp, email: &str) -> TestApp {
    let browser = app.other_browser();
    let response = browser
        .post_form("/auth/login", &[("email", email), ("password", PASSWORD)])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    browser
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

/// Where a network's redirect led.
pub enum Landing {
    Dashboard(String),
    Pick(String),
}

/// Values of the checkboxes named `name` that are ticked.
pub fn checked_boxes(html: &str, name: &str) -> Vec<String> {
    select_values(
        html,
        &format!(r#"input[type="checkbox"][name="{name}"][checked]"#),
    )
}

/// Values of the enabled checkboxes named `name`.
pub fn checkboxes(html: &str, name: &str) -> Vec<String> {
    select_values(
        html,
        &format!(r#"input[type="checkbox"][name="{name}"]:not([disabled])"#),
    )
}

fn select_values(html: &str, selector: &str) -> Vec<String> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(selector).unwrap();
    document
        .select(&selector)
        .filter_map(|input| input.value().attr("value").map(str::to_owned))
        .collect()
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

/// Runs each scenario once on SQLite and once on Postgres, on a multi-threaded runtime as
/// the server has in production (one thread would let any blocking call stall the server
/// and the test's own requests together).
#[macro_export]
macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $scenario() {
                super::$scenario(super::common::Backend::Sqlite).await
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $scenario() {
                super::$scenario(super::common::Backend::Postgres).await
            })*
        }
    };
}

/// The engine's view of a signed-in person, for tests that call the engine directly.
pub async fn person(app: &TestApp, email: &str, password: &str) -> engine::accounts::SignedIn {
    let session = app.engine.sign_in(email, password).await.unwrap();
    app.engine
        .signed_in(session.expose())
        .await
        .unwrap()
        .expect("a fresh session is signed in")
}
