//! The reminder benchmark: the minute's notify sweep (lapses, reminders, disconnections,
//! mail, webhooks) over a workspace of 1,000 and of 100,000 Facebook Pages whose tokens
//! nothing renews, their deadlines on each of the next 60 days (at the hour they were
//! imported), on SQLite. Prints what the
//! first sweep costs (it plans every channel once), the minute a day later when that
//! day's reminders fall due, and the quiet minutes after it; a quiet minute should cost the
//! same at both sizes (issue 18).
//!
//! Run with `scripts/bench.sh`; sizes through TETHER_BENCH_REMINDER_SIZES (`1000,100000`).

use chrono::TimeDelta;
use engine::clock::Clock;
use engine::import::ImportedToken;
use server::config::Settings;
use std::collections::HashMap;
use std::time::{Duration, Instant};

const DAY: i64 = 86_400;
const IMPORT_BATCH: usize = 1_000;
const QUIET_MINUTES: u32 = 20;

struct Figures {
    channels: usize,
    first: Duration,
    quiet_median: Duration,
    quiet_worst: Duration,
    due: Duration,
    reminded: u64,
    read_when_due: u64,
}

async fn measure(channels: usize) -> Figures {
    let dir = tempfile::tempdir().unwrap();
    let vars: HashMap<&str, String> = HashMap::from([
        ("TETHER_BIND", "127.0.0.1:0".to_owned()),
        ("TETHER_DATA_DIR", dir.path().display().to_string()),
        (
            "TETHER_ENCRYPTION_KEY",
            engine::crypto::EncryptionKey::generate_encoded(),
        ),
        ("TETHER_SCHEDULER", "off".to_owned()),
        ("TETHER_SANDBOX", "on".to_owned()),
        ("TETHER_LOG", "warn".to_owned()),
    ]);
    let settings = Settings::from_vars(|name| vars.get(name).cloned()).unwrap();
    let clock = Clock::system();
    let running = server::start(settings, clock.clone()).await.unwrap();
    let engine = running.engine.clone();
    engine
        .set_up(
            engine::accounts::NewUser {
                email: engine::domain::Email::parse("bench@example.com").unwrap(),
                display_name: engine::domain::DisplayName::parse("Bench").unwrap(),
                password: engine::domain::NewPassword::parse("benchmark password").unwrap(),
            },
            engine::domain::WorkspaceName::parse("Agency").unwrap(),
        )
        .await
        .unwrap();
    // Facebook Pages: nothing renews a token, so each one's expiry is a deadline a person
    // must meet.
    let tokens: Vec<ImportedToken> = (0..channels)
        .map(|n| ImportedToken {
            network: "facebook".into(),
            kind: "page".into(),
            account_id: format!("bench-{n}"),
            handle: format!("@client{n}"),
            name: Some(format!("Client {n:06}")),
            access: None,
            access_token: format!("access-{n}"),
            refresh_token: None,
            expires_in: Some((1 + n as i64 % 60) * DAY),
            scope: None,
        })
        .collect();
    for (batch, chunk) in tokens.chunks(IMPORT_BATCH).enumerate() {
        engine
            .import_tokens(1, chunk, batch * IMPORT_BATCH + 1)
            .await
            .unwrap();
    }

    let timed = || async {
        let started = Instant::now();
        let report = engine.notify_sweep().await.unwrap();
        (started.elapsed(), report)
    };
    let (first, _) = timed().await;
    clock.advance(TimeDelta::days(1));
    let (due, report) = timed().await;
    // Quiet minutes come after a day's reminders, so their history is there to skip; no
    // deadline falls within them, so they cost what the sweep reads for nothing.
    let mut quiet = Vec::new();
    for _ in 0..QUIET_MINUTES {
        clock.advance(TimeDelta::minutes(1));
        quiet.push(timed().await.0);
    }
    quiet.sort();
    running.shutdown().await.unwrap();
    Figures {
        channels,
        first,
        quiet_median: quiet[quiet.len() / 2],
        quiet_worst: quiet[quiet.len() - 1],
        due,
        reminded: report.recorded,
        read_when_due: report.read,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let sizes: Vec<usize> = std::env::var("TETHER_BENCH_REMINDER_SIZES")
        .unwrap_or_else(|_| "1000,100000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("sizes are numbers"))
        .collect();
    println!("Reminder sweep (SQLite, one process; deadlines on each of the next 60 days)");
    let mut figures = Vec::new();
    for channels in sizes {
        let f = measure(channels).await;
        println!(
            "  {:>7} channels: first sweep (plans each once) {}, quiet minute median {} \
             (worst of {QUIET_MINUTES} {}), a day later {} ({} deadlines and disconnections read, {} notifications)",
            f.channels,
            ms(f.first),
            ms(f.quiet_median),
            ms(f.quiet_worst),
            ms(f.due),
            f.read_when_due,
            f.reminded
        );
        figures.push(f);
    }
    if let [small, .., large] = figures.as_slice() {
        println!(
            "  quiet minute, {} against {} channels: {:.1}× (goal: the same cost, about 1×)",
            large.channels,
            small.channels,
            large.quiet_median.as_secs_f64() / small.quiet_median.as_secs_f64()
        );
    }
}
