//! Killing Tether in the middle of a sweep and starting it again loses no token. The real
//! `tether` binary runs against `tether sandbox` in a process of its own (whose grants
//! survive Tether's restart, as a real network's would), with tokens imported through
//! `tether import`.

mod processes;

use processes::{free_port, import_line, Running};
use serde_json::{json, Value};
use sqlx::Row;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "restart-test-sandbox-secret";
const TOKENS: usize = 1500;

struct Setup {
    dir: tempfile::TempDir,
    key: String,
    sandbox: String,
    tether_port: u16,
}

impl Setup {
    fn tether(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tether"));
        command
            .args(args)
            .env_clear()
            .env("TETHER_DATA_DIR", self.dir.path())
            .env("TETHER_ENCRYPTION_KEY", &self.key)
            .env("TETHER_BIND", format!("127.0.0.1:{}", self.tether_port))
            .env("TETHER_SANDBOX_URL", &self.sandbox)
            .env("TETHER_SANDBOX_CLIENT_SECRET", SECRET)
            .env("TETHER_WORKERS", "4")
            .env("TETHER_CALL_TIMEOUT_SECONDS", "2")
            .env("TETHER_LEASE_SECONDS", "5")
            .env("TETHER_LOG", "warn")
            .current_dir(self.dir.path());
        command
    }

    fn run(&self, args: &[&str], stdin: &str) -> String {
        processes::run(self.tether(args), stdin.as_bytes())
    }

    async fn serve(&self) -> Running {
        let running = Running(
            self.tether(&["serve"])
                .stdout(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let health = format!("http://127.0.0.1:{}/healthz", self.tether_port);
        wait_until("Tether answers", || async {
            reqwest::get(&health)
                .await
                .is_ok_and(|r| r.status().is_success())
        })
        .await;
        running
    }

    async fn refreshes_at_sandbox(&self, network: &str) -> u64 {
        let state: Value = reqwest::get(format!("{}sandbox/{network}/_control/api", self.sandbox))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        state["counters"]["refreshes"].as_u64().unwrap()
    }

    async fn db(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&format!(
            "sqlite://{}",
            self.dir.path().join("tether.db").display()
        ))
        .await
        .unwrap()
    }
}

async fn wait_until<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(90);
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Mints `count` accounts at the sandbox of `network` and imports their tokens, due for
/// renewal within a second or two.
async fn import(setup: &Setup, network: &str, kind: &str, count: usize) {
    let minted: Vec<Value> = reqwest::Client::new()
        .post(format!(
            "{}sandbox/{network}/_control/api/mint",
            setup.sandbox
        ))
        .json(&json!({ "count": count }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Renewal is due at once: the sweep starts as soon as Tether does.
    let lines: String = minted
        .iter()
        .map(|m| import_line(network, kind, m, 2) + "\n")
        .collect();
    let out = setup.run(&["import"], &lines);
    assert!(out.contains(&format!("Imported {count} channels")), "{out}");
}

async fn renewed_channels(db: &sqlx::AnyPool, network: &str) -> (i64, i64, i64) {
    let row = sqlx::query(
        "SELECT COUNT(DISTINCT e.channel_id) AS renewed, COUNT(e.id) AS renewals, \
                (SELECT COUNT(*) FROM credentials cr JOIN channels c ON c.id = cr.channel_id \
                 WHERE c.network = $1 AND cr.dead_reason IS NOT NULL) AS dead \
         FROM events e JOIN channels c ON c.id = e.channel_id \
         WHERE c.network = $1 AND e.kind = 'refreshed'",
    )
    .bind(network)
    .fetch_one(db)
    .await
    .unwrap();
    (row.get("renewed"), row.get("renewals"), row.get("dead"))
}

#[tokio::test]
async fn killing_tether_mid_sweep_loses_no_token() {
    let sandbox_port = free_port();
    let tether_port = free_port();
    let setup = Setup {
        dir: tempfile::tempdir().unwrap(),
        key: engine::crypto::EncryptionKey::generate_encoded(),
        sandbox: format!("http://127.0.0.1:{sandbox_port}/"),
        tether_port,
    };
    let _sandbox = processes::sandbox(
        sandbox_port,
        &format!("http://127.0.0.1:{tether_port}/"),
        SECRET,
    );
    let control = format!("{}sandbox/sandbox/_control/api", setup.sandbox);
    wait_until("the sandbox answers", || async {
        reqwest::get(&control).await.is_ok()
    })
    .await;
    setup.run(
        &[
            "setup",
            "--email",
            "ada@example.com",
            "--name",
            "Ada Owner",
            "--workspace",
            "Acme Social",
        ],
        "correct horse battery\n",
    );
    let db = setup.db().await;

    // SIGKILL, no warning, on a network whose refresh tokens are reused (YouTube); then
    // SIGTERM on one whose refresh tokens rotate (the sandbox network), where a response
    // lost between the network and the database would cost the token: Tether stops
    // claiming and lets every renewal in flight commit before it exits.
    for (network, kind, signal) in [
        ("youtube", "channel", "KILL"),
        ("sandbox", "profile", "TERM"),
    ] {
        import(&setup, network, kind, TOKENS).await;
        let mut tether = setup.serve().await;
        wait_until("the sweep is under way", || async {
            setup.refreshes_at_sandbox(network).await >= (TOKENS / 5) as u64
        })
        .await;
        let status = tether.signal(signal);
        let at_stop = setup.refreshes_at_sandbox(network).await;
        assert!(
            at_stop < TOKENS as u64,
            "{network}: the sweep was over before the signal ({at_stop})"
        );
        if signal == "TERM" {
            assert!(status.success(), "a graceful stop exits cleanly: {status}");
            let (_, renewals, _) = renewed_channels(&db, network).await;
            assert_eq!(
                renewals as u64, at_stop,
                "every renewal the network made was committed before exit"
            );
        }

        let mut tether = setup.serve().await;
        wait_until("every channel is renewed", || async {
            renewed_channels(&db, network).await.0 == TOKENS as i64
        })
        .await;
        let (_, renewals, dead) = renewed_channels(&db, network).await;
        assert_eq!(dead, 0, "{network}: no channel lost");
        let at_sandbox = setup.refreshes_at_sandbox(network).await;
        if signal == "TERM" {
            assert_eq!(
                renewals as u64, at_sandbox,
                "{network}: nothing renewed twice"
            );
        } else {
            // A renewal answered while the process died is made again: harmless here.
            assert!(at_sandbox >= renewals as u64);
        }
        assert!(tether.signal("TERM").success());
    }

    // Every channel still works: each fresh token is accepted by the network.
    let key = setup.run(&["api-key", "create", "--name", "restart test"], "");
    let key = key.trim();
    let mut tether = setup.serve().await;
    let client = reqwest::Client::new();
    let channels: Vec<(i64, String)> = sqlx::query("SELECT id, network FROM channels")
        .fetch_all(&db)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("id"), r.get("network")))
        .collect();
    assert_eq!(channels.len(), 2 * TOKENS);
    for (id, network) in channels {
        let token: Value = client
            .post(format!(
                "http://127.0.0.1:{tether_port}/api/v1/channels/{id}/token"
            ))
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let access = token["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("{token}"));
        let identity = match network.as_str() {
            "youtube" => "youtube/youtube/v3/channels?part=snippet&mine=true",
            _ => "sandbox/me",
        };
        let status = client
            .get(format!("{}sandbox/{identity}", setup.sandbox))
            .bearer_auth(access)
            .send()
            .await
            .unwrap()
            .status();
        assert!(status.is_success(), "channel {id} on {network}: {status}");
    }
    assert!(tether.signal("TERM").success());
}
