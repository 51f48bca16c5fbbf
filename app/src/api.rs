//! Server functions. Each is thin: find the person, check the role, ask the engine.

use crate::model::{Dashboard, Entry, EntryPage};
use leptos::prelude::*;

/// Everything the dashboard shows. Sends a visitor who is not signed in to sign in.
#[server]
pub async fn load_dashboard() -> Result<Dashboard, ServerFnError> {
    use crate::model::{ChannelCard, NetworkChoice, Person};
    use crate::ssr::{public_error, request, require_person, take_flash};

    let (ctx, jar) = request()?;
    let person = require_person(&ctx, &jar).await?;
    let channels = ctx.engine.channels(&person).await.map_err(public_error)?;
    Ok(Dashboard {
        now: ctx.engine.clock().now().timestamp(),
        clock_offset: ctx.engine.clock().offset().num_seconds(),
        person: Person {
            display_name: person.display_name.clone(),
            workspace_name: person.workspace_name.clone(),
            role: person.role.as_str().to_owned(),
            may_connect: person.role.may_connect_channels(),
        },
        channels: channels.into_iter().map(ChannelCard::from).collect(),
        networks: ctx
            .engine
            .networks()
            .all()
            .iter()
            .map(|n| NetworkChoice {
                id: n.profile.id.to_owned(),
                name: n.profile.display_name.to_owned(),
            })
            .collect(),
        flash: take_flash(&ctx, &jar),
    })
}

/// What the sign-in and set-up pages need; sends the visitor to the right page when they
/// are on the wrong one (already signed in, or Tether not set up yet).
#[server]
pub async fn load_entry(entry: Entry) -> Result<EntryPage, ServerFnError> {
    use crate::ssr::{public_error, request, take_flash};

    let (ctx, jar) = request()?;
    if ctx.person(&jar).await.map_err(public_error)?.is_some() {
        leptos_axum::redirect("/");
    } else {
        let needs_setup = ctx.engine.needs_setup().await.map_err(public_error)?;
        match (entry, needs_setup) {
            (Entry::SignIn, true) => leptos_axum::redirect("/setup"),
            (Entry::SetUp, false) => leptos_axum::redirect("/login"),
            _ => {}
        }
    }
    Ok(EntryPage {
        flash: take_flash(&ctx, &jar),
    })
}

#[cfg(feature = "ssr")]
impl From<engine::channels::ChannelRecord> for crate::model::ChannelCard {
    fn from(channel: engine::channels::ChannelRecord) -> Self {
        let missing_scopes = channel
            .required_scopes
            .iter()
            .filter(|s| !channel.granted_scopes.contains(s))
            .cloned()
            .collect();
        Self {
            id: channel.id,
            network_name: channel.network_name,
            kind: channel.kind,
            name: channel.name,
            handle: channel.handle,
            connected_by: channel.connected_by,
            facts: crate::status::ChannelFacts {
                access_expires_at: channel.access_expires_at,
                reconsent_deadline: channel.reconsent_deadline,
                renewable: channel.renewable,
                missing_scopes,
                dead_reason: channel.dead_reason,
                network_outage: false,
            },
        }
    }
}
