//! The dashboard benchmark: a workspace of 1,000 and of 10,000 channels (1 % of them
//! refused by the network, so there is something to find), served by a release `tether
//! serve` on SQLite with its scheduler off. Prints the first screen's size, its latency for
//! one client (also right after a write, which makes the server read the list again) and its
//! rate for eight, beside `/healthz` on the same server (the ceiling of a bare handler),
//! against the goals of issue 18.
//!
//! Run with `scripts/bench.sh`; sizes through TETHER_BENCH_DASHBOARD_SIZES (`1000,10000`).
//! The clients run in this process on the same two cores as the server, as `wrk` would.

#[path = "../tests/processes/mod.rs"]
mod processes;

use processes::{free_port, Running};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "benchmark password";
const SEQUENTIAL: usize = 200;
const AFTER_WRITES: usize = 50;
const CLIENTS: usize = 8;
const LOAD_FOR: Duration = Duration::from_secs(5);

fn tether(dir: &std::path::Path, key: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tether"));
    command
        .env_clear()
        .env("TETHER_DATA_DIR", dir)
        .env(
            "TETHER_DATABASE_URL",
            format!("sqlite://{}?mode=rwc", dir.join("bench.db").display()),
        )
        .env("TETHER_ENCRYPTION_KEY", key)
        .env("TETHER_SANDBOX", "on")
        .env("TETHER_SCHEDULER", "off")
        .env("TETHER_LOG", "warn")
        .current_dir(dir);
    command
}

/// A workspace with `channels` imported channels, served; a signed-in client for it.
async fn serve(dir: &std::path::Path, channels: usize) -> (Running, String, reqwest::Client) {
    let key = engine::crypto::EncryptionKey::generate_encoded();
    let run = |args: &[&str], stdin: &[u8]| {
        let mut command = tether(dir, &key);
        command.args(args);
        processes::run(command, stdin);
    };
    run(
        &[
            "setup",
            "--email",
            "bench@example.com",
            "--name",
            "Bench",
            "--workspace",
            "Agency",
        ],
        format!("{PASSWORD}\n").as_bytes(),
    );
    let lines: String = (0..channels)
        .map(|n| {
            serde_json::json!({
                "network": "sandbox",
                "kind": "profile",
                "account_id": format!("bench-{n}"),
                "handle": format!("@client{n}"),
                "name": format!("Client {n:05}"),
                "access_token": format!("access-{n}"),
                "refresh_token": format!("refresh-{n}"),
                "expires_in": 30 * 86_400,
            })
            .to_string()
                + "\n"
        })
        .collect();
    run(&["import"], lines.as_bytes());
    let database =
        sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.join("bench.db").display()))
            .await
            .unwrap();
    sqlx::query("UPDATE credentials SET dead_reason = 'revoked' WHERE channel_id % 100 = 7")
        .execute(&database)
        .await
        .unwrap();
    database.close().await;

    let port = free_port();
    let server = Running(
        tether(dir, &key)
            .env("TETHER_BIND", format!("127.0.0.1:{port}"))
            .env("TETHER_PUBLIC_URL", format!("http://127.0.0.1:{port}/"))
            .arg("serve")
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let started = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "tether did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let signed_in = client
        .post(format!("{base}/auth/login"))
        .form(&[("email", "bench@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        signed_in.headers().get("location").unwrap(),
        "/",
        "signed in"
    );
    (server, base, client)
}

async fn fetch(client: &reqwest::Client, url: &str) -> usize {
    let answer = client.get(url).send().await.unwrap();
    assert!(answer.status().is_success(), "{url}: {}", answer.status());
    answer.bytes().await.unwrap().len()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// p50 and p99 of one client asking `SEQUENTIAL` times, and its rate.
async fn one_client(client: &reqwest::Client, url: &str) -> (Duration, Duration, f64) {
    fetch(client, url).await;
    let mut times = Vec::with_capacity(SEQUENTIAL);
    let started = Instant::now();
    for _ in 0..SEQUENTIAL {
        let asked = Instant::now();
        fetch(client, url).await;
        times.push(asked.elapsed());
    }
    let rate = SEQUENTIAL as f64 / started.elapsed().as_secs_f64();
    times.sort();
    (percentile(&times, 0.5), percentile(&times, 0.99), rate)
}

/// p50 of one client asking right after each of `AFTER_WRITES` writes like a check's: each
/// moves the change counter, so the server reads the channel list again instead of its kept
/// one, as it does after any renewal or check while the scheduler runs.
async fn after_a_write(
    client: &reqwest::Client,
    url: &str,
    database: &std::path::Path,
) -> Duration {
    let database = sqlx::SqlitePool::connect(&format!("sqlite://{}", database.display()))
        .await
        .unwrap();
    let mut times = Vec::with_capacity(AFTER_WRITES);
    for _ in 0..AFTER_WRITES {
        sqlx::query(
            "UPDATE credentials SET checked_at = COALESCE(checked_at, 0) + 1 WHERE channel_id = 1",
        )
        .execute(&database)
        .await
        .unwrap();
        let asked = Instant::now();
        fetch(client, url).await;
        times.push(asked.elapsed());
    }
    database.close().await;
    times.sort();
    percentile(&times, 0.5)
}

/// Requests per second and p99 with `CLIENTS` clients asking as fast as answers come.
async fn many_clients(client: &reqwest::Client, url: &str) -> (f64, Duration) {
    let started = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (client, url) = (client.clone(), url.to_owned());
            tokio::spawn(async move {
                let mut times = Vec::new();
                while started.elapsed() < LOAD_FOR {
                    let asked = Instant::now();
                    fetch(&client, &url).await;
                    times.push(asked.elapsed());
                }
                times
            })
        })
        .collect();
    let mut times = Vec::new();
    for task in tasks {
        times.extend(task.await.unwrap());
    }
    let rate = times.len() as f64 / started.elapsed().as_secs_f64();
    times.sort();
    (rate, percentile(&times, 0.99))
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let sizes: Vec<usize> = std::env::var("TETHER_BENCH_DASHBOARD_SIZES")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    println!(
        "dashboard benchmark: release `tether serve` on SQLite, scheduler off, 1 % of channels refused; \
         clients in this process on the same cores"
    );
    println!(
        "{:>8} | {:>10} | {:>9} | {:>9} | {:>8} | {:>11} | {:>12} | {:>9} | {:>14} | {:>8}",
        "channels",
        "first page",
        "1 cl. p50",
        "1 cl. p99",
        "1 cl./s",
        "after write",
        "8 cl. req/s",
        "8 cl. p99",
        "needs a person",
        "healthz/s"
    );
    for channels in sizes {
        let dir = tempfile::tempdir().unwrap();
        let (_server, base, client) = serve(dir.path(), channels).await;
        let dashboard = format!("{base}/");
        let size = fetch(&client, &dashboard).await;
        let attention = fetch(&client, &format!("{base}/?show=attention")).await;
        let (p50, p99, rate) = one_client(&client, &dashboard).await;
        let written = after_a_write(&client, &dashboard, &dir.path().join("bench.db")).await;
        let (loaded, loaded_p99) = many_clients(&client, &dashboard).await;
        let (healthz, _) = many_clients(&client, &format!("{base}/healthz")).await;
        println!(
            "{channels:>8} | {:>7.1} KB | {:>9} | {:>9} | {rate:>8.0} | {:>11} | {loaded:>12.0} | {:>9} | {:>11.1} KB | {healthz:>9.0}",
            size as f64 / 1000.0,
            ms(p50),
            ms(p99),
            ms(written),
            ms(loaded_p99),
            attention as f64 / 1000.0,
        );
    }
    println!(
        "goals (issue 18): first screen under 100 KB; one client p99 under 15 ms; 8 clients at least 500 req/s"
    );
}
