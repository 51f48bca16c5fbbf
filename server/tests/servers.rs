//! Several Tether servers in one process, as the test suite and the benchmark run them.

mod common;

use common::{spawn_app, Backend};
use std::time::Duration;

/// Starting a server must not stall a page another server in the process is rendering
/// (leptos-rs/leptos#4773: listing the pages switches resource loading off process-wide).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_while_other_servers_start() {
    let app = spawn_app(Backend::Sqlite).await;
    app.set_up_owner().await;
    for _ in 0..5 {
        let starting = tokio::spawn(spawn_app(Backend::Sqlite));
        while !starting.is_finished() {
            let render = || async {
                let page = tokio::time::timeout(Duration::from_secs(10), app.page("/"))
                    .await
                    .expect("the dashboard rendered within 10 s");
                assert!(page.contains("Channels"), "{page}");
            };
            tokio::join!(render(), render(), render(), render());
        }
        starting.await.unwrap();
    }
}

/// A server built by plain `cargo build` (as `cargo bench` and this test binary are) asked
/// for `tether_bg.wasm`, which cargo-leptos never writes, so nothing hydrated: Leptos picks
/// the name from a variable cargo-leptos sets at compile time, which `.cargo/config.toml`
/// now sets for every build. The pages must ask for the files cargo-leptos writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_ask_for_the_files_the_release_build_writes() {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml"))
        .expect("the workspace manifest");
    let project = manifest
        .split("[[workspace.metadata.leptos]]")
        .nth(1)
        .and_then(|section| {
            section
                .lines()
                .find_map(|line| line.strip_prefix("name = "))
        })
        .map(|name| name.trim_matches('"').to_owned())
        .expect("the Leptos project's name");
    let app = spawn_app(Backend::Sqlite).await;
    app.set_up_owner().await;
    let page = app.page("/").await;
    for file in [format!("/pkg/{project}.js"), format!("/pkg/{project}.wasm")] {
        assert!(
            page.contains(&format!("\"{file}\"")),
            "{file} not asked for: {page}"
        );
    }
    assert!(!page.contains("_bg.wasm"), "{page}");
}
