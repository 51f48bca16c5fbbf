//! Server functions. Each is thin: find the person, check the role, ask the engine.

use crate::model::{Dashboard, Entry, EntryPage, PickerPage};
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
            may_delete: person.role.may_delete_channels(),
        },
        channels: channels.into_iter().map(ChannelCard::from).collect(),
        networks: ctx
            .engine
            .networks()
            .all()
            .iter()
            .map(|n| NetworkChoice {
                id: n.profile.id.clone(),
                name: n.profile.display_name.clone(),
                kinds: n
                    .profile
                    .kinds
                    .iter()
                    .map(|k| k.label)
                    .collect::<Vec<_>>()
                    .join(", "),
                sandboxed: n.profile.sandboxed,
                control_url: n.profile.sandbox_control_url().map(|u| u.to_string()),
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

/// The accounts a consent offered, for the person to pick from.
#[server]
pub async fn load_picker(pending_id: String) -> Result<PickerPage, ServerFnError> {
    use crate::model::PickerChoice;
    use crate::ssr::{public_error, request, require_person, take_flash};

    let (ctx, jar) = request()?;
    let person = require_person(&ctx, &jar).await?;
    let choice = ctx
        .engine
        .pending_choice(&person, &pending_id)
        .await
        .map_err(public_error)?;
    Ok(PickerPage {
        pending_id,
        network_name: choice.network_name,
        channel_name: choice.channel_name,
        choices: choice
            .choices
            .into_iter()
            .map(|c| PickerChoice {
                key: c.key,
                kind_label: c.kind_label,
                name: c.name,
                handle: c.handle,
                followers: c.followers,
                linked_to: c.linked_to,
                already_connected_as: c.already_connected_as,
                may_move: c.elsewhere.as_ref().is_some_and(|e| e.manageable),
                elsewhere: c.elsewhere.map(|e| e.workspace),
            })
            .collect(),
        flash: take_flash(&ctx, &jar),
    })
}

#[cfg(feature = "ssr")]
impl From<engine::channels::ChannelRecord> for crate::model::ChannelCard {
    fn from(channel: engine::channels::ChannelRecord) -> Self {
        Self {
            id: channel.id,
            network_name: channel.network_name,
            kind: channel.kind_label,
            personal: channel.personal,
            name: channel.name,
            handle: channel.handle,
            avatar_url: channel.avatar_url,
            followers: channel.followers,
            access: match channel.access {
                engine::networks::Access::Metrics => "Read-only metrics".into(),
                engine::networks::Access::Publishing => "Publishing".into(),
            },
            connected_by: channel.connected_by,
            facts: crate::status::ChannelFacts {
                access_expires_at: channel.access_expires_at,
                reconsent_deadline: channel.reconsent_deadline,
                renewable: channel.renewable,
                missing_scopes: channel.missing_scopes,
                dead_reason: channel.dead_reason,
                network_outage: false,
                unlinked: channel.unlinked_at.is_some(),
            },
        }
    }
}
