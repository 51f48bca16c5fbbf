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
