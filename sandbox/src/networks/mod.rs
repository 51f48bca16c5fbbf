//! One file per emulated network, mirroring `engine/src/networks/` by name: each says how
//! that network behaves as its documentation says, with the source beside each rule. None
//! reads the client's constants: where client and emulator agree, both answer to the
//! documents (and the shared fixtures in `fixtures/networks/`), not to each other.

pub mod demo;
pub mod facebook;
pub mod instagram;
pub mod linkedin;
pub mod linkedin_ads;
pub mod linkedin_member;
pub mod pinterest;
pub mod threads;
pub mod tiktok;
pub mod x;
pub mod youtube;

use crate::provider::{SandboxProvider, SandboxSpec};
use axum::Router;
use std::sync::Arc;

/// An emulated network: the id Tether mounts it under, how its provider behaves, and the
/// paths it serves (the real network's paths).
pub struct Emulated {
    pub id: &'static str,
    pub spec: fn() -> SandboxSpec,
    pub routes: fn() -> Router<Arc<SandboxProvider>>,
}

pub const EMULATED: &[Emulated] = &[
    Emulated {
        id: "facebook",
        spec: facebook::spec,
        routes: facebook::routes,
    },
    Emulated {
        id: "instagram",
        spec: instagram::spec,
        routes: instagram::routes,
    },
    Emulated {
        id: "linkedin",
        spec: linkedin::spec,
        routes: linkedin::routes,
    },
    Emulated {
        id: "linkedin_member",
        spec: linkedin_member::spec,
        routes: linkedin_member::routes,
    },
    Emulated {
        id: "linkedin_ads",
        spec: linkedin_ads::spec,
        routes: linkedin_ads::routes,
    },
    Emulated {
        id: "x",
        spec: x::spec,
        routes: x::routes,
    },
    Emulated {
        id: "tiktok",
        spec: tiktok::spec,
        routes: tiktok::routes,
    },
    Emulated {
        id: "youtube",
        spec: youtube::spec,
        routes: youtube::routes,
    },
    Emulated {
        id: "pinterest",
        spec: pinterest::spec,
        routes: pinterest::routes,
    },
    Emulated {
        id: "threads",
        spec: threads::spec,
        routes: threads::routes,
    },
    Emulated {
        id: "sandbox",
        spec: demo::spec,
        routes: demo::routes,
    },
];

/// The emulation of network `id`, if there is one.
pub fn emulated(id: &str) -> Option<&'static Emulated> {
    EMULATED.iter().find(|e| e.id == id)
}
