//! The sweep benchmark: 100,000 due connections renewed against a sandbox provider running
//! as its own process on loopback, on SQLite (one Tether process) and on Postgres (three
//! Tether processes sharing the database). Prints renewals per second, the provider's own
//! raw token-endpoint rate measured right before and right after each sweep, double
//! refreshes and peak RSS; and what CPU each part spends per renewal, Postgres measured
//! alone on the same statements too (pgbench), against the goals of issue 18.
//!
//! Run with `scripts/bench.sh` (starts a durable Postgres); sizes through environment:
//! TETHER_BENCH_CONNECTIONS (100000), TETHER_BENCH_WORKERS (per process, 256),
//! TETHER_BENCH_POSTGRES_URL (an admin URL; Postgres is skipped without it),
//! TETHER_BENCH_BACKENDS (which to run: `sqlite,postgres`), TETHER_BENCH_PGBENCH (pgbench).

#[path = "../tests/processes/mod.rs"]
mod processes;

use processes::{free_port, import_line, Running};
use serde_json::{json, Value};
use sqlx::Row;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const NETWORK: &str = "sandbox";
const SECRET: &str = "benchmark-sandbox-secret";
const MINT_CHUNK: usize = 10_000;
const RAW_CONCURRENCY: usize = 64;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Sandbox {
    process: Running,
    url: String,
    http: reqwest::Client,
}

impl Sandbox {
    async fn start() -> Self {
        let port = free_port();
        // Tether's callback is never used: tokens come in by import.
        let process = processes::sandbox(port, "http://127.0.0.1:9/", SECRET);
        let sandbox = Self {
            process,
            url: format!("http://127.0.0.1:{port}/sandbox/{NETWORK}/"),
            http: reqwest::Client::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while sandbox.refreshes().await.is_none() {
            assert!(Instant::now() < deadline, "the sandbox did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        sandbox
    }

    async fn refreshes(&self) -> Option<u64> {
        let state: Value = self
            .http
            .get(format!("{}_control/api", self.url))
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        state["counters"]["refreshes"].as_u64()
    }

    /// `count` new accounts with their tokens.
    async fn mint(&self, count: usize) -> Vec<Value> {
        let mut minted = Vec::with_capacity(count);
        while minted.len() < count {
            let chunk = MINT_CHUNK.min(count - minted.len());
            let batch: Vec<Value> = self
                .http
                .post(format!("{}_control/api/mint", self.url))
                .json(&json!({ "count": chunk }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            minted.extend(batch);
        }
        minted
    }

    /// The provider's own rate: refresh grants sent straight to its token endpoint, as
    /// fast as `RAW_CONCURRENCY` connections go.
    async fn raw_rate(&self, count: usize) -> RawRate {
        let refresh_tokens: Vec<String> = self
            .mint(count)
            .await
            .iter()
            .map(|m| m["tokens"]["refresh_token"].as_str().unwrap().to_owned())
            .collect();
        let queue = std::sync::Arc::new(std::sync::Mutex::new(refresh_tokens));
        let cpu_before = self.process.cpu_secs();
        let client_cpu_before = processes::cpu_secs_of(std::process::id());
        let started = Instant::now();
        let mut clients = tokio::task::JoinSet::new();
        for _ in 0..RAW_CONCURRENCY {
            let (queue, http, url) = (queue.clone(), self.http.clone(), self.url.clone());
            clients.spawn(async move {
                loop {
                    let Some(token) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    let response = http
                        .post(format!("{url}token"))
                        .basic_auth(server::sandbox_client_id(NETWORK), Some(SECRET))
                        .form(&[("grant_type", "refresh_token"), ("refresh_token", &token)])
                        .send()
                        .await
                        .unwrap();
                    assert!(response.status().is_success(), "raw refresh refused");
                    response.bytes().await.unwrap();
                }
            });
        }
        while clients.join_next().await.is_some() {}
        let per_refresh = |secs: f64| secs * 1e6 / count as f64;
        RawRate {
            rate: count as f64 / started.elapsed().as_secs_f64(),
            provider_cpu_us: per_refresh(self.process.cpu_secs() - cpu_before),
            client_cpu_us: per_refresh(
                processes::cpu_secs_of(std::process::id()) - client_cpu_before,
            ),
        }
    }
}

/// The provider's raw rate, with the CPU per refresh (µs) of the provider and of the
/// client sending them (this process: as lean an HTTP client as a renewal can have).
#[derive(Clone, Copy)]
struct RawRate {
    rate: f64,
    provider_cpu_us: f64,
    client_cpu_us: f64,
}

impl RawRate {
    fn mean(samples: [RawRate; 2]) -> RawRate {
        let mean = |f: fn(&RawRate) -> f64| (f(&samples[0]) + f(&samples[1])) / 2.0;
        RawRate {
            rate: mean(|r| r.rate),
            provider_cpu_us: mean(|r| r.provider_cpu_us),
            client_cpu_us: mean(|r| r.client_cpu_us),
        }
    }
}

struct Backend {
    name: &'static str,
    database_url: String,
    processes: usize,
}

/// Busy and total CPU ticks of the whole machine, from /proc/stat.
fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    // idle and iowait are the 4th and 5th.
    let idle = ticks.get(3).copied().unwrap_or(0) + ticks.get(4).copied().unwrap_or(0);
    let total: u64 = ticks.iter().sum();
    (total - idle, total)
}

/// CPU time, in seconds, of every `postgres` process on this machine, with what the
/// postmaster reaped of its children (backends that ended). Zero when the database runs
/// elsewhere.
fn postgres_cpu_secs() -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    entries
        .flatten()
        .filter_map(|entry| std::fs::read_to_string(entry.path().join("stat")).ok())
        .filter_map(|stat| match processes::stat_cpu_secs(&stat, true) {
            Some(("postgres", secs)) => Some(secs),
            _ => None,
        })
        .sum()
}

/// Renewals per batch in `postgres_alone.sql`.
const ALONE_BATCH: f64 = 256.0;
const ALONE_SECS: u64 = 15;

/// Postgres doing only what renewals ask of it (`postgres_alone.sql`, from pgbench with one
/// client per Tether process, on the swept database): renewals per second and Postgres CPU
/// per renewal. No Tether and no network: a floor for the database's share. `None` when
/// pgbench cannot run (TETHER_BENCH_PGBENCH names it; `scripts/bench.sh` sets it).
fn postgres_alone(database_url: &str, clients: usize) -> Option<(f64, f64)> {
    let script = tempfile::NamedTempFile::new().ok()?;
    std::fs::write(script.path(), include_str!("postgres_alone.sql")).ok()?;
    let pgbench = std::env::var("TETHER_BENCH_PGBENCH").unwrap_or_else(|_| "pgbench".into());
    let clients = clients.to_string();
    let cpu_before = postgres_cpu_secs();
    let output = Command::new(pgbench)
        .args(["-n", "-c", &clients, "-j", &clients, "-T"])
        .arg(ALONE_SECS.to_string())
        .arg("-f")
        .arg(script.path())
        .arg(database_url)
        .output()
        .ok()?;
    let cpu = postgres_cpu_secs() - cpu_before;
    let report = String::from_utf8_lossy(&output.stdout);
    let batches: f64 = report
        .lines()
        .find_map(|l| l.strip_prefix("number of transactions actually processed: "))?
        .split('/')
        .next()?
        .trim()
        .parse()
        .ok()?;
    let renewals = batches * ALONE_BATCH;
    (output.status.success() && renewals > 0.0)
        .then(|| (renewals / ALONE_SECS as f64, cpu * 1e6 / renewals))
}

struct Figures {
    /// The provider's raw rate, right before and right after the sweep.
    raw: [RawRate; 2],
    rate: f64,
    /// CPU time per renewal, in microseconds: all Tether processes, and the provider.
    tether_cpu_us: f64,
    provider_cpu_us: f64,
    /// The database server's CPU per renewal, when it runs on this machine.
    database_cpu_us: Option<f64>,
    /// Postgres alone on the renewals' statements: renewals per second, CPU per renewal.
    postgres_alone: Option<(f64, f64)>,
    /// How busy the machine's cores were during the sweep, in percent.
    machine_busy: f64,
    import_secs: f64,
    double_refreshes: i64,
    dead: i64,
    peak_rss_mib: Vec<f64>,
}

fn tether(dir: &std::path::Path, database_url: &str, sandbox: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tether"));
    command
        .env_clear()
        .env("TETHER_DATA_DIR", dir)
        .env("TETHER_DATABASE_URL", database_url)
        .env("TETHER_SANDBOX_URL", sandbox)
        .env("TETHER_SANDBOX_CLIENT_SECRET", SECRET)
        .env("TETHER_LOG", "warn")
        .current_dir(dir);
    command
}

async fn sweep(
    sandbox: &Sandbox,
    backend: &Backend,
    connections: usize,
    workers: usize,
    raw_sample: usize,
) -> Figures {
    let dir = tempfile::tempdir().unwrap();
    let sandbox_base = sandbox
        .url
        .trim_end_matches(&format!("sandbox/{NETWORK}/"))
        .to_owned();
    let key = engine::crypto::EncryptionKey::generate_encoded();
    let run = |args: &[&str], stdin: &[u8]| {
        let mut command = tether(dir.path(), &backend.database_url, &sandbox_base);
        command.env("TETHER_ENCRYPTION_KEY", &key).args(args);
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
            "Bench",
        ],
        b"benchmark password\n",
    );
    // Due at once: every connection is renewed in the sweep being measured.
    let lines: String = sandbox
        .mint(connections)
        .await
        .iter()
        .map(|minted| import_line(NETWORK, "profile", minted, 1) + "\n")
        .collect();
    let imported = Instant::now();
    run(&["import"], lines.as_bytes());
    let import_secs = imported.elapsed().as_secs_f64();

    // This VM's speed drifts by a quarter within minutes: the raw rate is taken on both
    // sides of the sweep it is compared with, not once for the whole run.
    let raw_before = sandbox.raw_rate(raw_sample).await;
    let before = sandbox.refreshes().await.unwrap();
    let provider_cpu_before = sandbox.process.cpu_secs();
    let machine_before = machine_ticks();
    let on_postgres = backend.database_url.starts_with("postgres");
    let database_before = postgres_cpu_secs();
    let tethers: Vec<Running> = (0..backend.processes)
        .map(|_| {
            Running(
                tether(dir.path(), &backend.database_url, &sandbox_base)
                    .env("TETHER_ENCRYPTION_KEY", &key)
                    .env("TETHER_BIND", format!("127.0.0.1:{}", free_port()))
                    .env("TETHER_WORKERS", workers.to_string())
                    .arg("serve")
                    .stdout(Stdio::null())
                    .spawn()
                    .unwrap(),
            )
        })
        .collect();
    // Timed from the first renewal to the last, as the provider counts them.
    let target = before + connections as u64;
    let mut first = None;
    let deadline = Instant::now() + Duration::from_secs(1800);
    loop {
        let done = sandbox.refreshes().await.unwrap();
        if first.is_none() && done > before {
            first = Some(Instant::now());
        }
        if done >= target {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the sweep did not finish ({done})"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = first.unwrap().elapsed().as_secs_f64();
    // CPU counted from the processes' start: their start-up is a small part of a sweep.
    let tether_cpu: f64 = tethers.iter().map(Running::cpu_secs).sum();
    let provider_cpu = sandbox.process.cpu_secs() - provider_cpu_before;
    let machine_after = machine_ticks();
    let database_cpu = postgres_cpu_secs() - database_before;
    let machine_busy = 100.0 * (machine_after.0 - machine_before.0) as f64
        / (machine_after.1 - machine_before.1).max(1) as f64;
    // Let the last commits land, then read what the processes and the database say.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let peak_rss_mib = tethers.iter().map(Running::peak_rss_mib).collect();
    for mut tether in tethers {
        tether.signal("TERM");
    }
    let extra_at_provider = sandbox.refreshes().await.unwrap() as i64 - target as i64;
    let raw_after = sandbox.raw_rate(raw_sample).await;
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&backend.database_url).await.unwrap();
    let twice: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM (SELECT channel_id FROM events WHERE kind = 'refreshed' \
         GROUP BY channel_id HAVING COUNT(*) > 1) AS twice",
    )
    .fetch_one(&db)
    .await
    .unwrap()
    .get("n");
    let dead: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM credentials WHERE dead_reason IS NOT NULL")
            .fetch_one(&db)
            .await
            .unwrap()
            .get("n");
    let postgres_alone = on_postgres
        .then(|| postgres_alone(&backend.database_url, backend.processes))
        .flatten();
    Figures {
        raw: [raw_before, raw_after],
        rate: connections as f64 / elapsed,
        tether_cpu_us: tether_cpu * 1e6 / connections as f64,
        provider_cpu_us: provider_cpu * 1e6 / connections as f64,
        database_cpu_us: (on_postgres && database_cpu > 0.0)
            .then(|| database_cpu * 1e6 / connections as f64),
        machine_busy,
        import_secs,
        postgres_alone,
        double_refreshes: twice + extra_at_provider.max(0),
        dead,
        peak_rss_mib,
    }
}

async fn fresh_postgres(admin_url: &str) -> String {
    use sqlx::{Connection, Executor};
    let name = format!("tether_bench_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(admin_url).await.unwrap();
    admin
        .execute(format!(r#"DROP DATABASE IF EXISTS "{name}""#).as_str())
        .await
        .unwrap();
    admin
        .execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
        .await
        .unwrap();
    let mut url = url::Url::parse(admin_url).unwrap();
    url.set_path(&name);
    url.to_string()
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; nothing to filter here.
    let connections = env_number("TETHER_BENCH_CONNECTIONS", 100_000);
    let workers = env_number("TETHER_BENCH_WORKERS", 256);
    let sandbox = Sandbox::start().await;
    let raw_sample = connections.min(20_000);
    println!(
        "sweep benchmark: {connections} due connections, {workers} workers per Tether process"
    );
    println!(
        "provider raw rate: {raw_sample} refresh grants straight to its token endpoint over {RAW_CONCURRENCY} connections, right before and right after each sweep"
    );

    let chosen =
        std::env::var("TETHER_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    let dir = tempfile::tempdir().unwrap();
    let mut backends = Vec::new();
    if chosen.contains("sqlite") {
        backends.push(Backend {
            name: "SQLite, 1 process",
            database_url: format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("bench.db").display()
            ),
            processes: 1,
        });
    }
    match std::env::var("TETHER_BENCH_POSTGRES_URL") {
        Ok(admin) if chosen.contains("postgres") => backends.push(Backend {
            name: "Postgres, 3 processes",
            database_url: fresh_postgres(&admin).await,
            processes: 3,
        }),
        Ok(_) => {}
        Err(_) => println!("(TETHER_BENCH_POSTGRES_URL not set: Postgres skipped)"),
    }
    for backend in &backends {
        let figures = sweep(&sandbox, backend, connections, workers, raw_sample).await;
        let [before, after] = figures.raw;
        let raw = RawRate::mean(figures.raw);
        let rss: Vec<String> = figures
            .peak_rss_mib
            .iter()
            .map(|m| format!("{m:.1} MiB"))
            .collect();
        println!("{}:", backend.name);
        println!(
            "  provider raw rate: {:.0}/s ({:.0} before, {:.0} after; CPU per refresh: provider {:.0} µs, client {:.0} µs)",
            raw.rate, before.rate, after.rate, raw.provider_cpu_us, raw.client_cpu_us
        );
        println!(
            "  renewals:          {:.0}/s ({:.0} % of the provider's raw rate)",
            figures.rate,
            100.0 * figures.rate / raw.rate
        );
        println!(
            "  import:            {:.1} s ({:.0} tokens/s)",
            figures.import_secs,
            connections as f64 / figures.import_secs
        );
        println!(
            "  CPU per renewal:   Tether {:.0} µs, provider {:.0} µs (machine {:.0} % busy)",
            figures.tether_cpu_us, figures.provider_cpu_us, figures.machine_busy
        );
        if let Some(database) = figures.database_cpu_us {
            println!(
                "                     Postgres {database:.0} µs (its processes on this machine)"
            );
        }
        if let Some((rate, cpu)) = figures.postgres_alone {
            println!(
                "  Postgres alone:    {rate:.0}/s, {cpu:.0} µs CPU each (pgbench on a renewal's statements: no Tether, no network)"
            );
        }
        // The goals of issue 18, each reachable on two shared cores and still demanding.
        // A renewal cannot spend less than the raw loop's provider and client, plus what
        // the database needs alone: that floor caps the rate Postgres can reach.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let met = |ok: bool| if ok { "met" } else { "NOT met" };
        let share = 100.0 * figures.rate / raw.rate;
        let own_cpu = figures.tether_cpu_us - raw.client_cpu_us;
        let own_goal = if figures.postgres_alone.is_some() {
            25.0
        } else {
            45.0
        };
        match figures.postgres_alone {
            Some((_, database)) => {
                let floor = raw.provider_cpu_us + raw.client_cpu_us + database;
                let allowed = cores as f64 * 1e6 / floor;
                let of_floor = 100.0 * figures.rate / allowed;
                println!(
                    "  goal, rate:        {of_floor:.0} % of the {allowed:.0}/s its floor allows ({floor:.0} µs CPU: provider, client, Postgres alone; {share:.0} % of raw): at least 85 %, {}",
                    met(of_floor >= 85.0)
                );
            }
            None => println!(
                "  goal, rate:        {share:.0} % of the provider's raw rate: at least 50 %, {}",
                met(share >= 50.0)
            ),
        }
        println!(
            "  goal, own CPU:     {own_cpu:.0} µs per renewal beyond its HTTP client (Tether {:.0} µs − client {:.0} µs): at most {own_goal:.0} µs, {}",
            figures.tether_cpu_us,
            raw.client_cpu_us,
            met(own_cpu <= own_goal)
        );
        println!("  double refreshes:  {}", figures.double_refreshes);
        println!("  channels lost:     {}", figures.dead);
        println!("  peak RSS:          {}", rss.join(", "));
    }
    println!(
        "sandbox provider peak RSS: {:.1} MiB",
        sandbox.process.peak_rss_mib()
    );
}
