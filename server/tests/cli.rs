//! The `tether` binary driven as a script would: migrate, add a member, refuse bad settings.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn tether(
    data_dir: &std::path::Path,
    args: &[&str],
    stdin: &str,
    extra_env: &[(&str, &str)],
) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tether"))
        .args(args)
        .env_clear()
        .env("TETHER_DATA_DIR", data_dir)
        .env("TETHER_LOG", "warn")
        .envs(extra_env.iter().copied())
        .current_dir(data_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// The engine over the same data directory, to check what the commands stored.
async fn open_engine(data_dir: &std::path::Path) -> engine::Engine {
    let key = std::fs::read_to_string(data_dir.join("encryption.key")).unwrap();
    engine_with_keys(data_dir, &key, &[]).await
}

/// The engine over the data directory with `newest` and `older` keys loaded.
async fn engine_with_keys(
    data_dir: &std::path::Path,
    newest: &str,
    older: &[&str],
) -> engine::Engine {
    let parse = |key: &str| engine::crypto::EncryptionKey::parse(key.trim()).unwrap();
    let url = engine::db::DatabaseUrl::sqlite_file(&data_dir.join("tether.db"));
    engine::Engine::new(
        engine::db::Db::connect(&url).await.unwrap(),
        engine::clock::Clock::system(),
        parse(newest),
        engine::networks::Networks::default(),
        url::Url::parse("http://127.0.0.1/").unwrap(),
    )
    .with_older_keys(older.iter().map(|key| parse(key)).collect())
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn set_up_and_add_a_member_from_a_script() {
    let dir = tempfile::tempdir().unwrap();
    let migrated = tether(dir.path(), &["migrate"], "", &[]);
    assert!(migrated.status.success(), "{}", text(&migrated.stderr));
    assert!(dir.path().join("tether.db").exists());

    // No workspace yet: a clear refusal.
    let add = [
        "user",
        "add",
        "--email",
        "Ann@Example.com",
        "--name",
        "Ann",
        "--role",
        "admin",
    ];
    let early = tether(dir.path(), &add, "a long password\n", &[]);
    assert!(!early.status.success());
    assert!(
        text(&early.stderr).contains("Set Tether up first"),
        "{}",
        text(&early.stderr)
    );

    let setup = [
        "setup",
        "--email",
        "owner@example.com",
        "--name",
        "Owner",
        "--workspace",
        "Acme",
    ];
    let set_up = tether(dir.path(), &setup, "owner password\n", &[]);
    assert!(set_up.status.success(), "{}", text(&set_up.stderr));
    assert!(text(&set_up.stdout).contains("owner@example.com owns the workspace"));
    let again = tether(dir.path(), &setup, "owner password\n", &[]);
    assert!(
        text(&again.stderr).contains("already been set up"),
        "{}",
        text(&again.stderr)
    );

    let added = tether(dir.path(), &add, "a long password\n", &[]);
    assert!(added.status.success(), "{}", text(&added.stderr));
    assert!(text(&added.stdout).contains("Added ann@example.com as admin"));
    let engine = open_engine(dir.path()).await;
    assert!(engine
        .sign_in("owner@example.com", "owner password")
        .await
        .is_ok());
    let session = engine
        .sign_in("ann@example.com", "a long password")
        .await
        .unwrap();
    let ann = engine.signed_in(session.expose()).await.unwrap().unwrap();
    assert_eq!(ann.role, engine::domain::Role::Admin);
    assert_eq!(ann.workspace_name, "Acme");

    let twice = tether(dir.path(), &add, "a long password\n", &[]);
    assert!(
        text(&twice.stderr).contains("already has an account"),
        "{}",
        text(&twice.stderr)
    );
}

#[test]
fn bad_settings_stop_start_up_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let out = tether(dir.path(), &["migrate"], "", &[("TETHER_BIND", "nowhere")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("TETHER_BIND"),
        "{}",
        text(&out.stderr)
    );

    let out = tether(
        dir.path(),
        &["serve"],
        "",
        &[("TETHER_ENCRYPTION_KEY", "c2VjcmV0")],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("TETHER_ENCRYPTION_KEY"), "{stderr}");
    assert!(
        !stderr.contains("c2VjcmV0"),
        "the bad key must not be echoed: {stderr}"
    );
}

#[test]
fn a_weak_password_is_refused_before_anything_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let out = tether(
        dir.path(),
        &["user", "add", "--email", "ann@example.com", "--name", "Ann"],
        "short\n",
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("at least 12 characters"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.path().join("tether.db").exists());
}

#[tokio::test]
async fn networks_lists_every_network_real_or_sandboxed() {
    let dir = tempfile::tempdir().unwrap();
    let real_x = [
        ("TETHER_X_CLIENT_ID", "x-app"),
        ("TETHER_X_CLIENT_SECRET", "x-secret"),
        ("TETHER_SANDBOX", "on"),
    ];
    // Emulated networks beside a real one only when the operator says so.
    let refused = tether(dir.path(), &["networks", "--json"], "", &real_x);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("TETHER_SANDBOX_IN_PRODUCTION"),
        "{}",
        text(&refused.stderr)
    );
    let mut both = real_x.to_vec();
    both.push(("TETHER_SANDBOX_IN_PRODUCTION", "yes"));
    let listed = tether(dir.path(), &["networks", "--json"], "", &both);
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let networks: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let networks = networks.as_array().unwrap();
    assert_eq!(networks.len(), 11);
    let find = |id: &str| networks.iter().find(|n| n["id"] == id).unwrap();
    assert_eq!(find("x")["mode"], "real");
    assert_eq!(find("facebook")["mode"], "sandbox");
    assert_eq!(find("linkedin")["reconsent_after_secs"], 365 * 86_400);
    assert_eq!(find("linkedin_ads")["mode"], "sandbox");
    assert_eq!(find("x")["access_token_lifetime_secs"], 2 * 3600);
    assert!(find("instagram")["renewal"]
        .as_str()
        .unwrap()
        .contains("24 h"));
    assert!(!text(&listed.stdout).contains("x-secret"));

    let words = tether(dir.path(), &["networks"], "", &[]);
    assert!(words.status.success());
    assert!(
        text(&words.stdout).is_empty(),
        "on its defaults: no sandbox, no credentials, nothing offered"
    );
    let words = tether(dir.path(), &["networks"], "", &[("TETHER_SANDBOX", "on")]);
    let out = text(&words.stdout);
    assert!(out.contains("LinkedIn (linkedin) – sandbox"), "{out}");
    assert!(out.contains("re-consent:   after 365 days"), "{out}");
}

/// Sets Tether up in `data_dir` and imports `count` X channels, the n-th with handle
/// `{handle}{n}` and access token `access-{n}`.
fn set_up_with_channels(data_dir: &std::path::Path, count: usize, handle: &str) {
    let setup = [
        "setup",
        "--email",
        "owner@example.com",
        "--name",
        "Olu",
        "--workspace",
        "Acme",
    ];
    let done = tether(data_dir, &setup, "a long enough password\n", &[]);
    assert!(done.status.success(), "{}", text(&done.stderr));
    let lines: String = (0..count)
        .map(|n| {
            format!(
                r#"{{"network":"x","kind":"profile","account_id":"1460000000000{n:06}","handle":"{handle}{n}","access_token":"access-{n}","refresh_token":"refresh-{n}","expires_in":7200}}"#
            ) + "\n"
        })
        .collect();
    let imported = tether(data_dir, &["import"], &lines, &[("TETHER_SANDBOX", "on")]);
    assert!(imported.status.success(), "{}", text(&imported.stderr));
}

/// `tether rekey` after a rotation: progress printed, every token then opens under the new
/// key alone.
#[tokio::test]
async fn rekey_moves_every_token_to_the_newest_key() {
    let dir = tempfile::tempdir().unwrap();
    set_up_with_channels(dir.path(), 3, "@cli");

    let old = std::fs::read_to_string(dir.path().join("encryption.key")).unwrap();
    let new = engine::crypto::EncryptionKey::generate_encoded();
    let keys = format!("{new},{}", old.trim());
    let rekeyed = tether(
        dir.path(),
        &["rekey", "--batch", "1"],
        "",
        &[("TETHER_ENCRYPTION_KEYS", &keys)],
    );
    let out = text(&rekeyed.stdout);
    assert!(rekeyed.status.success(), "{}", text(&rekeyed.stderr));
    assert!(out.contains("3 sealed values to move"), "{out}");
    assert!(out.contains("re-sealed 1 of 3; 2 left"), "{out}");
    assert!(
        out.contains("Every stored secret is sealed under the newest key."),
        "{out}"
    );

    // The old key can go: the new one alone opens every token.
    std::fs::write(dir.path().join("encryption.key"), &new).unwrap();
    let engine = open_engine(dir.path()).await;
    for n in 0..3 {
        let channel: i64 = sqlx::query_scalar("SELECT id FROM channels WHERE handle = $1")
            .bind(format!("@cli{n}"))
            .fetch_one(engine.db().pool())
            .await
            .unwrap();
        assert_eq!(
            engine.access_token(channel).await.unwrap().expose(),
            format!("access-{n}")
        );
    }
}

/// Killed half way with no warning (SIGKILL), `rekey` loses nothing: every token opens with
/// the keys loaded, and running it again finishes the move.
#[tokio::test]
async fn rekey_killed_half_way_loses_nothing_and_finishes_when_run_again() {
    use std::io::BufRead;
    const CHANNELS: usize = 2_000;
    let dir = tempfile::tempdir().unwrap();
    set_up_with_channels(dir.path(), CHANNELS, "@killed");

    let old = std::fs::read_to_string(dir.path().join("encryption.key")).unwrap();
    let new = engine::crypto::EncryptionKey::generate_encoded();
    let keys = format!("{new},{}", old.trim());
    let mut rekey = Command::new(env!("CARGO_BIN_EXE_tether"))
        .args(["rekey", "--batch", "1"])
        .env_clear()
        .env("TETHER_DATA_DIR", dir.path())
        .env("TETHER_LOG", "warn")
        .env("TETHER_ENCRYPTION_KEYS", &keys)
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut progress = std::io::BufReader::new(rekey.stdout.take().unwrap()).lines();
    let first = progress
        .find_map(|line| line.ok().filter(|line| line.starts_with("re-sealed")))
        .expect("rekey reports progress");
    rekey.kill().unwrap();
    rekey.wait().unwrap();

    let both = engine_with_keys(dir.path(), &new, &[&old]).await;
    let left = both.secrets_to_rekey().await.unwrap();
    assert!(
        left > 0 && left < CHANNELS as u64,
        "killed half way ({first}): {left} left"
    );
    let channels: Vec<(i64, String)> = sqlx::query_as("SELECT id, handle FROM channels")
        .fetch_all(both.db().pool())
        .await
        .unwrap();
    assert_eq!(channels.len(), CHANNELS);
    for (id, handle) in &channels {
        let n = handle.trim_start_matches("@killed");
        assert_eq!(
            both.access_token(*id).await.unwrap().expose(),
            format!("access-{n}")
        );
    }

    let finished = tether(
        dir.path(),
        &["rekey", "--batch", "500"],
        "",
        &[("TETHER_ENCRYPTION_KEYS", &keys)],
    );
    assert!(finished.status.success(), "{}", text(&finished.stderr));
    assert!(text(&finished.stdout).contains(&format!("{left} sealed values to move")));
    let newest_only = engine_with_keys(dir.path(), &new, &[]).await;
    assert_eq!(newest_only.secrets_to_rekey().await.unwrap(), 0);
    for (id, handle) in &channels {
        let n = handle.trim_start_matches("@killed");
        assert_eq!(
            newest_only.access_token(*id).await.unwrap().expose(),
            format!("access-{n}")
        );
    }
}
