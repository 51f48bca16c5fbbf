//! `tether`: serve the app, migrate the database, and administer from scripts.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use engine::accounts::NewUser;
use engine::clock::Clock;
use engine::domain::{DisplayName, Email, NewPassword, Role, WorkspaceName};
use server::config::{self, Settings};
use std::io::BufRead;
use tracing_subscriber::EnvFilter;

/// Tether keeps social media connections alive. Settings come from TETHER_* environment
/// variables (see README.md).
#[derive(Parser)]
#[command(name = "tether", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app and API (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// After a key rotation (TETHER_ENCRYPTION_KEYS, newest first): re-seal every stored
    /// secret under the newest key, in batches, printing progress. Safe to stop and run
    /// again; once it reports nothing left, the older keys may be dropped.
    Rekey {
        /// Rows re-sealed per transaction.
        #[arg(long, default_value_t = 200)]
        batch: i64,
    },
    /// Create the owner account and the first workspace, as the first visit in a browser
    /// does. The password is read from the first line of stdin.
    Setup {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        workspace: String,
    },
    /// Manage people.
    #[command(subcommand)]
    User(UserCommand),
    /// Import tokens obtained outside Tether, one JSON object per line on stdin
    /// ({"network", "kind", "account_id", "handle", "access_token", "refresh_token",
    /// "expires_in", "scope", "name", "access"}); Tether keeps them alive from then on.
    Import {
        /// The workspace's id (the first workspace is 1).
        #[arg(long, default_value_t = 1)]
        workspace: i64,
    },
    /// Manage API keys for /api/v1.
    #[command(subcommand, name = "api-key")]
    ApiKey(ApiKeyCommand),
    /// Print every network this instance offers: kinds, scope sets, token lifetimes,
    /// refresh semantics, and whether it runs real or sandboxed.
    Networks {
        /// Print JSON (the same as GET /api/v1/networks) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Serve the sandbox networks on their own, for a Tether elsewhere (set its
    /// TETHER_SANDBOX_URL to this address). The shared client secret is read from
    /// TETHER_SANDBOX_CLIENT_SECRET.
    Sandbox {
        #[arg(long, default_value = "127.0.0.1:3100")]
        bind: std::net::SocketAddr,
        /// The public URL of the Tether that connects to these sandboxes.
        #[arg(long)]
        tether_url: url::Url,
    },
}

#[derive(Subcommand)]
enum ApiKeyCommand {
    /// Create a key for a workspace and print it (once: only its hash is kept).
    Create {
        #[arg(long)]
        name: String,
        /// The workspace's id (the first workspace is 1).
        #[arg(long, default_value_t = 1)]
        workspace: i64,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a member to the workspace. The password is read from the first line of stdin.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// owner, admin, editor or viewer.
        #[arg(long, default_value = "editor")]
        role: String,
    },
}

#[tokio::main]
async fn main() {
    if let Err(error) = run().await {
        eprintln!("tether: {error:#}");
        std::process::exit(1);
    }
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::from_env().map_err(|e| anyhow::anyhow!("{e}"))?;
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_new(&settings.log_filter)
                .map_err(|e| anyhow::anyhow!("TETHER_LOG: {e}"))?,
        )
        .init();

    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let running = server::start(settings, Clock::system()).await?;
            println!("Tether is running at {}", running.public_url);
            shutdown_signal().await?;
            tracing::info!("shutting down: finishing the work in flight");
            running.shutdown().await?;
            println!("Tether stopped.");
        }
        Command::ApiKey(ApiKeyCommand::Create { name, workspace }) => {
            let name = engine::domain::ApiKeyName::parse(&name)?;
            let created = admin_engine(&settings)
                .await?
                .create_api_key_for(workspace, &name)
                .await
                .map_err(|e| match e {
                    engine::Error::NotFound => anyhow::anyhow!("there is no workspace {workspace}"),
                    other => other.into(),
                })?;
            println!("{}", created.secret.expose());
            eprintln!(
                "Created API key {name} (id {}). It is shown only now; keep it safe.",
                created.id
            );
        }
        Command::Import { workspace } => {
            let engine = network_engine(&settings).await?;
            let imported = import_lines(&engine, workspace, std::io::stdin().lock()).await?;
            println!("Imported {imported} channels into workspace {workspace}.");
        }
        Command::Rekey { batch } => {
            let engine = admin_engine(&settings).await?;
            let total = engine.secrets_to_rekey().await?;
            println!("{total} sealed values to move to the newest key.");
            let mut done = 0;
            loop {
                let step = engine.rekey_batch(batch.clamp(1, 10_000)).await?;
                done += step.resealed;
                println!("re-sealed {done} of {total}; {} left", step.remaining);
                if step.remaining == 0 {
                    println!("Every stored secret is sealed under the newest key.");
                    break;
                }
                if step.resealed == 0 {
                    anyhow::bail!("{} values could not be moved; run it again", step.remaining);
                }
            }
        }
        Command::Migrate => {
            server::open_database(&settings).await?;
            println!("Migrations applied.");
        }
        Command::Setup {
            email,
            name,
            workspace,
        } => {
            let owner = new_user(&email, &name)?;
            let email = owner.email.as_str().to_owned();
            let workspace = WorkspaceName::parse(&workspace)?;
            admin_engine(&settings)
                .await?
                .set_up(owner, workspace)
                .await?;
            println!("Tether is set up; {email} owns the workspace.");
        }
        Command::Networks { json } => {
            let networks = offered_networks(&settings).await?;
            let summaries: Vec<_> = networks.iter().map(|n| n.profile.summary()).collect();
            if json {
                println!("{}", serde_json::to_string_pretty(&summaries)?);
            } else {
                for n in &summaries {
                    print_network(n);
                }
            }
        }
        Command::Sandbox { bind, tether_url } => {
            let secret = std::env::var("TETHER_SANDBOX_CLIENT_SECRET")
                .map(engine::crypto::Secret::new)
                .context("TETHER_SANDBOX_CLIENT_SECRET must be set (the same value as Tether's)")?;
            let in_testing = std::env::var("TETHER_GOOGLE_APP_STATUS").as_deref() == Ok("testing");
            let listener = tokio::net::TcpListener::bind(bind)
                .await
                .with_context(|| format!("cannot listen on {bind}"))?;
            let served_at = url::Url::parse(&format!("http://{}/", listener.local_addr()?))?;
            let router =
                server::standalone_sandboxes(&served_at, &tether_url, &secret, in_testing)?;
            println!(
                "Sandbox networks at http://{}/sandbox/<network>/",
                listener.local_addr()?
            );
            tokio::select! {
                served = axum::serve(listener, router) => served.context("serving HTTP")?,
                _ = tokio::signal::ctrl_c() => tracing::info!("shutting down"),
            }
        }
        Command::User(UserCommand::Add { email, name, role }) => {
            let user = new_user(&email, &name)?;
            let role = Role::parse(&role)?;
            let email = user.email.as_str().to_owned();
            let id = admin_engine(&settings)
                .await?
                .add_member(user, role)
                .await?;
            println!("Added {email} as {} (user {id}).", role.as_str());
        }
    }
    Ok(())
}

/// A new account from the command line, its password read from the first line of stdin.
fn new_user(email: &str, name: &str) -> anyhow::Result<NewUser> {
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .context("reading the password from stdin")?;
    Ok(NewUser {
        email: Email::parse(email)?,
        display_name: DisplayName::parse(name)?,
        password: NewPassword::parse(password.trim_end_matches(['\r', '\n']))?,
    })
}

/// Reads JSON lines and imports them in batches, each stored whole or not at all.
async fn import_lines(
    engine: &engine::Engine,
    workspace: i64,
    input: impl BufRead,
) -> anyhow::Result<usize> {
    const BATCH: usize = 1000;
    let mut batch = Vec::with_capacity(BATCH);
    let (mut imported, mut first_line) = (0, 1);
    for (i, line) in input.lines().enumerate() {
        let line = line.context("reading stdin")?;
        if line.trim().is_empty() {
            continue;
        }
        batch.push(
            serde_json::from_str::<engine::import::ImportedToken>(&line)
                .with_context(|| format!("line {}: not an import line", i + 1))?,
        );
        if batch.len() == BATCH {
            imported += engine.import_tokens(workspace, &batch, first_line).await?;
            batch.clear();
            first_line = i + 2;
        }
    }
    if !batch.is_empty() {
        imported += engine.import_tokens(workspace, &batch, first_line).await?;
    }
    Ok(imported)
}

/// Ctrl-C or SIGTERM (what service managers send).
async fn shutdown_signal() -> anyhow::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        interrupted = tokio::signal::ctrl_c() => interrupted?,
        _ = terminate.recv() => {}
    }
    Ok(())
}

/// The networks this instance offers, as `tether serve` would configure them.
async fn offered_networks(
    settings: &Settings,
) -> anyhow::Result<Vec<engine::networks::ConfiguredNetwork>> {
    let url = url::Url::parse(&format!("http://{}/", settings.bind))?;
    let public = settings.public_url.clone().unwrap_or_else(|| url.clone());
    let (networks, _) = server::configure_networks(
        settings,
        &public,
        &url,
        &Clock::system(),
        &engine::oauth::http_client(engine::lifecycle::Pacing::default().call_timeout),
    )
    .await?;
    Ok(networks)
}

/// The engine for commands that need the networks too (import).
async fn network_engine(settings: &Settings) -> anyhow::Result<engine::Engine> {
    let key = config::load_or_create_key(settings).map_err(|e| anyhow::anyhow!("{e}"))?;
    let db = server::open_database(settings).await?;
    Ok(engine::Engine::new(
        db,
        Clock::system(),
        key,
        engine::networks::Networks::new(offered_networks(settings).await?),
        url::Url::parse("http://127.0.0.1/")?,
    )
    .with_older_keys(settings.older_keys.clone()))
}

/// The engine for admin commands: the database and key, no networks or web server.
async fn admin_engine(settings: &Settings) -> anyhow::Result<engine::Engine> {
    let key = config::load_or_create_key(settings).map_err(|e| anyhow::anyhow!("{e}"))?;
    let db = server::open_database(settings).await?;
    Ok(engine::Engine::new(
        db,
        Clock::system(),
        key,
        engine::networks::Networks::default(),
        url::Url::parse("http://127.0.0.1/")?,
    )
    .with_older_keys(settings.older_keys.clone()))
}

fn print_network(n: &engine::networks::NetworkSummary) {
    let lifetime = |secs: Option<i64>| match secs {
        None => "not fixed".to_owned(),
        Some(s) if s % 86_400 == 0 => format!("{} days", s / 86_400),
        Some(s) => format!("{} h", s / 3600),
    };
    let kinds: Vec<&str> = n.kinds.iter().map(|k| k.label).collect();
    println!("{} ({}) – {}", n.name, n.id, n.mode);
    println!("  kinds:        {}", kinds.join(", "));
    println!("  metrics:      {}", n.scopes.metrics.join(" "));
    println!("  publishing:   + {}", n.scopes.publishing.join(" "));
    println!("  access token: {}", lifetime(n.access_token_lifetime_secs));
    println!("  refresh:      {}", n.renewal);
    if let Some(refresh) = n.refresh_token_lifetime_secs {
        println!("  refresh token: {}", lifetime(Some(refresh)));
    }
    if let Some(reconsent) = n.reconsent_after_secs {
        println!("  re-consent:   after {}", lifetime(Some(reconsent)));
    }
    println!(
        "  PKCE S256: {}; partial consent: {}; revocable: {}",
        if n.pkce_s256 { "yes" } else { "no" },
        if n.partial_consent { "yes" } else { "no" },
        if n.revocable { "yes" } else { "no" }
    );
}
