//! The Tether server: wires settings, the engine, the sandbox networks and the Leptos app
//! into one axum router, and starts it.

pub mod config;
mod routes;

use anyhow::Context as _;
use app::ssr::AppContext;
use config::Settings;
use engine::clock::Clock;
use engine::crypto::random_token;
use engine::db::Db;
use engine::networks::{self, ConfiguredNetwork, Networks};
use engine::sandbox::{RegisteredClient, SandboxProvider};
use engine::Engine;
use leptos::config::LeptosOptions;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use tokio::net::TcpListener;
use url::Url;

/// Where the sandbox network's provider is mounted.
const SANDBOX_MOUNT: &str = "sandbox/sandbox/";

/// A started server.
pub struct Running {
    pub addr: SocketAddr,
    pub public_url: Url,
    pub engine: Engine,
    pub serving: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Connects and migrates the database.
pub async fn open_database(settings: &Settings) -> anyhow::Result<Db> {
    if settings.database_url.backend() == engine::db::Backend::Sqlite {
        std::fs::create_dir_all(&settings.data_dir).with_context(|| {
            format!(
                "TETHER_DATA_DIR: cannot create {}",
                settings.data_dir.display()
            )
        })?;
    }
    let db = Db::connect(&settings.database_url)
        .await
        .context("TETHER_DATABASE_URL: cannot connect to the database")?;
    db.migrate().await.context("applying database migrations")?;
    Ok(db)
}

/// Binds, migrates and starts serving in the background. `clock` is injected so tests and
/// the sandbox can move time.
pub async fn start(settings: Settings, clock: Clock) -> anyhow::Result<Running> {
    let listener = TcpListener::bind(settings.bind)
        .await
        .with_context(|| format!("TETHER_BIND: cannot listen on {}", settings.bind))?;
    let addr = listener.local_addr()?;
    let public_url = match &settings.public_url {
        Some(url) => url.clone(),
        None => Url::parse(&format!("http://{addr}/"))?,
    };
    // Server-to-server calls to the in-process sandbox go straight to the socket, not
    // through whatever proxy the public URL names.
    let loopback = if addr.ip().is_unspecified() {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
    } else {
        addr
    };
    let internal_url = Url::parse(&format!("http://{loopback}/"))?;

    let key = config::load_or_create_key(&settings)?;
    let db = open_database(&settings).await?;

    let mut configured = Vec::new();
    let mut sandbox_router = None;
    if settings.sandbox {
        let client_secret = random_token();
        let client_id = "tether".to_owned();
        let provider = SandboxProvider::new(
            networks::sandbox::provider_spec(),
            RegisteredClient {
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
                redirect_uri: public_url.join("oauth/callback/sandbox")?,
            },
            clock.clone(),
        );
        let mut profile = networks::sandbox::profile(&internal_url.join(SANDBOX_MOUNT)?);
        profile.authorize_url = public_url.join(SANDBOX_MOUNT)?.join("authorize")?;
        configured.push(ConfiguredNetwork {
            profile,
            client_id,
            client_secret,
        });
        sandbox_router = Some(provider.router());
    }

    let engine = Engine::new(
        db,
        clock,
        key,
        Networks::new(configured),
        public_url.clone(),
    );
    let ctx = AppContext {
        engine: engine.clone(),
        secure_cookies: public_url.scheme() == "https",
    };
    let leptos_options = LeptosOptions::builder()
        .output_name("tether")
        .site_root(std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into()))
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build();
    let router = routes::router(ctx, leptos_options, sandbox_router, &public_url);

    log_start(&settings, &engine, &public_url);
    let serving = tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(Running {
        addr,
        public_url,
        engine,
        serving,
    })
}

fn log_start(settings: &Settings, engine: &Engine, public_url: &Url) {
    let mail = match &settings.mail {
        config::Mail::Outbox(dir) => format!("outbox at {}", dir.display()),
        config::Mail::Smtp { host, port, .. } => format!("SMTP via {host}:{port}"),
    };
    let networks: Vec<_> = engine
        .networks()
        .all()
        .iter()
        .map(|n| n.profile.id)
        .collect();
    let real_credentials: Vec<_> = settings
        .network_credentials
        .iter()
        .map(|c| c.network)
        .collect();
    tracing::info!(
        %public_url,
        database = ?settings.database_url.backend(),
        mail,
        ?networks,
        ?real_credentials,
        "Tether is listening"
    );
}
