//! Emulated networks, for demos and tests: real OAuth 2.0 authorization servers and APIs
//! over HTTP that behave as each network's documentation says, and reject what the real
//! network rejects, the way it rejects it. Tether's client talks to them exactly as to the
//! real networks; only the base URL differs. Each sandbox also has a control page and JSON
//! API that make things happen to an account or the whole network; whoever mounts them
//! decides who may reach them.
//!
//! The engine knows nothing of this crate: the arrow runs from here to the engine (for
//! the clock and token hashing) and never back.

pub mod networks;
pub mod provider;

pub use networks::{emulated, Emulated, EMULATED};
pub use provider::{ControlAction, Death, Powers, RegisteredClient, SandboxProvider, Weather};

use engine::clock::Clock;
use std::sync::Arc;
use url::Url;

/// One emulated network, ready to serve: its own routes, and its control routes apart so
/// the server can put its own guard in front of them.
pub struct Mounted {
    pub provider: Arc<SandboxProvider>,
    pub network: axum::Router,
    pub control: axum::Router,
}

/// Starts the emulation of `emulated` with Tether as its one registered client; browsers
/// reach it at `public_url` (ending in `/`).
pub fn mount(
    emulated: &Emulated,
    client: RegisteredClient,
    clock: Clock,
    powers: Powers,
    public_url: Url,
) -> Mounted {
    let provider = SandboxProvider::new((emulated.spec)(), client, clock, powers, public_url);
    Mounted {
        network: provider.clone().network_router((emulated.routes)()),
        control: provider.clone().control_router(),
        provider,
    }
}
