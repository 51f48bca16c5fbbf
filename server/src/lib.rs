//! The Tether server: wires settings, the engine, the emulated networks (when asked for)
//! and the Leptos app into one axum router, and starts it.

pub mod config;
mod routes;

use anyhow::Context as _;
use app::ssr::AppContext;
use config::Settings;
use engine::clock::Clock;
use engine::crypto::random_token;
use engine::db::Db;
use engine::mail::Mailer;
use engine::networks::generic::{self, GenericConfig};
use engine::networks::{sandbox_mount, Builtin, ConfiguredNetwork, Hosts, Networks, BUILTIN};
use engine::Engine;
use leptos::config::LeptosOptions;
use sandbox::{Powers, RegisteredClient};
use std::future::IntoFuture as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use url::Url;

/// A started server.
pub struct Running {
    pub addr: SocketAddr,
    pub public_url: Url,
    pub engine: Engine,
    pub serving: tokio::task::JoinHandle<std::io::Result<()>>,
    scheduler: Option<tokio::task::JoinHandle<()>>,
    stop: CancellationToken,
}

impl Running {
    /// Stops taking requests and claiming work, lets the renewals in flight commit, and
    /// returns once nothing is left running.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        self.stop.cancel();
        if let Some(scheduler) = self.scheduler {
            scheduler.await.context("stopping the scheduler")?;
        }
        self.serving.await?.context("serving HTTP")?;
        Ok(())
    }
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

    let http = engine::oauth::http_client(engine::lifecycle::Pacing::default().call_timeout);
    let (configured, sandbox_router) =
        configure_networks(&settings, &public_url, &internal_url, &clock, &http).await?;

    let engine = Engine::new(
        db,
        clock,
        key,
        Networks::new(configured),
        public_url.clone(),
    )
    .with_older_keys(settings.older_keys.clone())
    .with_private_addresses(settings.private_addresses)
    .with_session_policy(settings.sessions)
    .with_pacing(settings.pacing.clone())
    .with_mailer(match &settings.mail {
        config::Mail::Outbox { dir, from } => Mailer::outbox(dir.clone(), from)?,
        config::Mail::Smtp { server, from } => Mailer::smtp(server, from)?,
    });
    let ctx = AppContext {
        engine: engine.clone(),
        secure_cookies: public_url.scheme() == "https",
        sheets: Default::default(),
    };
    let leptos_options = LeptosOptions::builder()
        .output_name("tether")
        .site_root(std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into()))
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build();
    let router = routes::router(ctx, leptos_options, sandbox_router, &public_url, &settings);

    log_start(&settings, &engine, &public_url);
    // Whoever reads the log (the operator) holds the link; a visitor who only found the
    // address cannot claim the owner account.
    if let Some(link) = engine
        .offer_setup_link(settings.setup_token.as_ref())
        .await?
    {
        let url = public_url.join(&format!("setup/{}", link.expose()))?;
        tracing::warn!("Tether is not set up yet: open {url} to create the owner account");
    }
    let stop = CancellationToken::new();
    let scheduler = settings.scheduler.then(|| {
        let (engine, stop) = (engine.clone(), stop.clone());
        tokio::spawn(async move { engine.run_scheduler(stop).await })
    });
    let serving = tokio::spawn(
        // Rate limits key on the peer's address.
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(stop.clone().cancelled_owned())
        .into_future(),
    );
    Ok(Running {
        addr,
        public_url,
        engine,
        serving,
        scheduler,
        stop,
    })
}

/// The emulated networks an instance serves: their own routes, open as the real networks'
/// are, and their controls, which the router guards.
pub struct SandboxRoutes {
    pub network: axum::Router,
    pub control: axum::Router,
}

/// Tether as the sandboxes know it: where it is, the secret it was registered with, and
/// whether its Google app is in "Testing".
struct SandboxClient<'a> {
    url: &'a Url,
    secret: &'a engine::crypto::Secret,
    in_testing: bool,
}

impl SandboxRoutes {
    fn new() -> Self {
        Self {
            network: axum::Router::new(),
            control: axum::Router::new(),
        }
    }

    /// Adds the emulation of `builtin` under `/sandbox/{network}` of `served_at` (where
    /// browsers reach the sandboxes), with Tether as its one registered client.
    fn mount(
        self,
        builtin: &Builtin,
        served_at: &Url,
        tether: &SandboxClient<'_>,
        clock: &Clock,
        powers: Powers,
    ) -> anyhow::Result<Self> {
        let emulated = sandbox::emulated(builtin.id)
            .with_context(|| format!("no emulation of {} in the sandbox crate", builtin.id))?;
        let mounted = sandbox::mount(
            emulated,
            RegisteredClient {
                in_testing: tether.in_testing,
                client_id: sandbox_client_id(builtin.id),
                client_secret: tether.secret.clone(),
                redirect_uri: tether.url.join(&format!("oauth/callback/{}", builtin.id))?,
            },
            clock.clone(),
            powers,
            served_at.join(&format!("{}/", sandbox_mount(builtin.id)))?,
        );
        let at = format!("/{}", sandbox_mount(builtin.id));
        Ok(Self {
            network: self.network.nest(&at, mounted.network),
            control: self.control.nest(&at, mounted.control),
        })
    }
}

/// The networks this instance offers: real ones where their credentials are configured;
/// in sandbox mode every other built-in network as Tether's own sandbox of it, served under
/// `/sandbox/{network}`; and the generic OpenID Connect network when an issuer is set.
pub async fn configure_networks(
    settings: &Settings,
    public_url: &Url,
    internal_url: &Url,
    clock: &Clock,
    http: &reqwest::Client,
) -> anyhow::Result<(Vec<ConfiguredNetwork>, Option<SandboxRoutes>)> {
    let sandbox_hosts = Hosts::Sandbox {
        browser: public_url.clone(),
        server: internal_url.clone(),
    };
    let mut configured = Vec::new();
    let mut sandboxes = SandboxRoutes::new();
    // Moving the clock moves the whole instance: only a demo may.
    let powers = Powers {
        clock: settings.sandbox == config::SandboxMode::Demo,
        mint: false,
    };
    for builtin in BUILTIN {
        let real = settings
            .network_credentials
            .iter()
            .find(|c| c.network.eq_ignore_ascii_case(builtin.id));
        if let Some(credentials) = real {
            configured.push(ConfiguredNetwork {
                profile: (builtin.profile)(&Hosts::Real, &settings.networks),
                client_id: credentials.client_id.clone(),
                client_secret: credentials.client_secret.clone(),
                credentials_setting: format!(
                    "TETHER_{0}_CLIENT_ID and TETHER_{0}_CLIENT_SECRET",
                    credentials.network
                ),
            });
        } else if let Some(external) = settings
            .external_sandbox
            .as_ref()
            .filter(|_| settings.sandbox.is_on())
        {
            let hosts = Hosts::Sandbox {
                browser: external.url.clone(),
                server: external.url.clone(),
            };
            configured.push(ConfiguredNetwork {
                profile: (builtin.profile)(&hosts, &settings.networks),
                client_id: sandbox_client_id(builtin.id),
                client_secret: external.client_secret.clone(),
                credentials_setting: "TETHER_SANDBOX_CLIENT_SECRET".into(),
            });
        } else if settings.sandbox.is_on() {
            // Each start registers Tether anew with its sandboxes, with a fresh secret.
            let client_id = sandbox_client_id(builtin.id);
            let client_secret = random_token();
            // The emulated app is in the publishing status the operator says theirs is in.
            let in_testing = settings.networks.google_app_in_testing;
            let tether = SandboxClient {
                url: public_url,
                secret: &client_secret,
                in_testing,
            };
            sandboxes = sandboxes.mount(builtin, public_url, &tether, clock, powers)?;
            configured.push(ConfiguredNetwork {
                profile: (builtin.profile)(&sandbox_hosts, &settings.networks),
                client_id,
                client_secret,
                credentials_setting:
                    "Tether's registration with the sandbox (restart Tether to register anew)"
                        .into(),
            });
        }
    }
    if let Some(oidc) = &settings.oidc {
        let config = GenericConfig {
            display_name: oidc.name.clone(),
            issuer: oidc.issuer.clone(),
            scopes: oidc.scopes.clone(),
        };
        let profile = generic::discover_issuer(http, &config)
            .await
            .map_err(|problem| anyhow::anyhow!("TETHER_OIDC_ISSUER: {problem}"))?;
        configured.push(ConfiguredNetwork {
            profile,
            client_id: oidc.client_id.clone(),
            client_secret: oidc.client_secret.clone(),
            credentials_setting: "TETHER_OIDC_CLIENT_ID and TETHER_OIDC_CLIENT_SECRET".into(),
        });
    }
    let in_process = settings.sandbox.is_on() && settings.external_sandbox.is_none();
    Ok((configured, in_process.then_some(sandboxes)))
}

/// The client id Tether is registered under at a sandbox network.
pub fn sandbox_client_id(network: &str) -> String {
    format!("tether-{network}")
}

/// Every sandbox network on its own, for `tether sandbox`: registered for the Tether whose
/// public URL is `tether_url`, with one shared client secret, on its own system clock. A
/// test tool on its own port: its controls are open and can mint people in bulk, and its
/// clock, which no Tether shares, does not move.
pub fn standalone_sandboxes(
    served_at: &Url,
    tether_url: &Url,
    client_secret: &engine::crypto::Secret,
    google_app_in_testing: bool,
) -> anyhow::Result<axum::Router> {
    let clock = Clock::system();
    let powers = Powers {
        clock: false,
        mint: true,
    };
    let routes = BUILTIN
        .iter()
        .try_fold(SandboxRoutes::new(), |routes, builtin| {
            let tether = SandboxClient {
                url: tether_url,
                secret: client_secret,
                in_testing: google_app_in_testing,
            };
            routes.mount(builtin, served_at, &tether, &clock, powers)
        })?;
    Ok(routes.network.merge(routes.control))
}

fn log_start(settings: &Settings, engine: &Engine, public_url: &Url) {
    let mail = match &settings.mail {
        config::Mail::Outbox { dir, .. } => format!("outbox at {}", dir.display()),
        config::Mail::Smtp { server, .. } => format!("SMTP via {}:{}", server.host, server.port),
    };
    let networks: Vec<_> = engine
        .networks()
        .all()
        .iter()
        .map(|n| n.profile.id.as_str())
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
