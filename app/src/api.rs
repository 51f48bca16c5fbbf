//! Server functions. Each is thin: find the person, check the role, ask the engine.

use crate::model::{
    AccountPage, ApiKeysPage, ChannelFilter, ChannelPage, Dashboard, Entry, EntryPage, InvitePage,
    InvitesPage, MembersPage, NotificationsPage, OutboxPage, PickerPage, ResetPage, WebhooksPage,
    WelcomePage,
};
use leptos::prelude::*;

/// Everything the dashboard shows, with the page of channels `filter` asks for. Sends a
/// visitor who is not signed in to sign in.
#[server]
pub async fn load_dashboard(
    // Absent means the whole list, so a bare call is answered (or refused) as before.
    #[server(default)] filter: ChannelFilter,
) -> Result<Dashboard, ServerFnError> {
    use crate::model::{
        ConfigurationFaultNotice, ElsewhereLine, NetworkChoice, OutageNotice, Person,
    };
    use crate::ssr::{public_error, request, require_person, take_flash, when};
    use engine::domain::Permission;

    let (ctx, jar) = request()?;
    let person = require_person(&ctx, &jar).await?;
    let records = ctx
        .engine
        .kept_workspace_channels(person.workspace_id)
        .await
        .map_err(public_error)?;
    let outages = ctx
        .engine
        .outage_reports(person.workspace_id)
        .await
        .map_err(public_error)?;
    let faults = ctx
        .engine
        .configuration_faults()
        .await
        .map_err(public_error)?;
    let now = ctx.engine.clock().now().timestamp();
    let troubles = crate::listing::Troubles::new(&outages, &faults);
    let sheet = ctx
        .sheets
        .sheet(person.workspace_id, records, troubles.clone(), now);
    let (shown, listing, health) = crate::listing::list(&sheet, &person, &filter, now);
    let channels = shown.into_iter().map(|i| sheet.card(i, &person)).collect();
    let workspaces = ctx.engine.workspaces(&person).await.map_err(public_error)?;
    let mut elsewhere = Vec::new();
    for (workspace_id, name, _) in &workspaces {
        if *workspace_id == person.workspace_id {
            continue;
        }
        // Counted as that workspace's own dashboard counts them: the networks' troubles
        // are the same everywhere.
        let records = ctx
            .engine
            .kept_workspace_channels(*workspace_id)
            .await
            .map_err(public_error)?;
        let attention = ctx
            .sheets
            .sheet(*workspace_id, records, troubles.clone(), now)
            .attention();
        if attention > 0 {
            elsewhere.push(ElsewhereLine {
                workspace_id: *workspace_id,
                name: name.clone(),
                attention,
            });
        }
    }
    let backup_candidates = if person.role.may(Permission::Transfer) {
        ctx.engine
            .members(&person)
            .await
            .map_err(public_error)?
            .into_iter()
            .filter(|m| m.role.may(Permission::Reauthorize))
            .map(|m| (m.user_id, m.display_name))
            .collect()
    } else {
        Vec::new()
    };
    Ok(Dashboard {
        now,
        clock_offset: ctx.engine.clock().offset().num_seconds(),
        backup_candidates,
        person: Person {
            display_name: person.display_name.clone(),
            workspace_name: person.workspace_name.clone(),
            role: person.role.as_str().to_owned(),
            may_connect: person.role.may(Permission::Connect),
            may_delete: person.role.may(Permission::Delete),
            may_manage_keys: person.role.may(Permission::ManageApiKeys),
            may_manage_members: person.role.may(Permission::ManageMembers),
            may_invite: person.role.may(Permission::Invite),
            may_manage_webhooks: person.role.may(Permission::ManageApiKeys),
            may_control_sandbox: person.role.may(Permission::ControlSandbox),
            has_outbox: ctx.engine.mailer().and_then(|m| m.outbox_dir()).is_some(),
            unread_notifications: ctx
                .engine
                .unread_notifications(&person)
                .await
                .map_err(public_error)?,
            other_workspaces: workspaces
                .into_iter()
                .filter(|(id, ..)| *id != person.workspace_id)
                .map(|(id, name, _)| (id, name))
                .collect(),
        },
        channels,
        listing,
        health,
        elsewhere,
        configuration_faults: faults
            .into_iter()
            .map(|f| ConfigurationFaultNotice {
                network: f.network_name,
                setting: f.setting,
                detail: f.detail,
            })
            .collect(),
        outages: outages
            .into_iter()
            .map(|o| OutageNotice {
                network: o.network_name,
                since: when(o.since),
                failures: o.failures,
                channels: o.channels,
            })
            .collect(),
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
pub async fn load_entry(
    entry: Entry,
    setup_link: Option<String>,
) -> Result<EntryPage, ServerFnError> {
    use crate::ssr::{public_error, request, take_flash};

    let (ctx, jar) = request()?;
    let mut setup_link_valid = false;
    if ctx.person(&jar).await.map_err(public_error)?.is_some() {
        leptos_axum::redirect("/");
    } else {
        let needs_setup = ctx.engine.needs_setup().await.map_err(public_error)?;
        match (entry, needs_setup) {
            (Entry::SignIn, true) => leptos_axum::redirect("/setup"),
            (Entry::SetUp, false) => leptos_axum::redirect("/login"),
            (Entry::SetUp, true) => {
                if let Some(link) = setup_link {
                    setup_link_valid = ctx
                        .engine
                        .setup_link_is_valid(&link)
                        .await
                        .map_err(public_error)?;
                }
            }
            _ => {}
        }
    }
    Ok(EntryPage {
        flash: take_flash(&ctx, &jar),
        setup_link_valid,
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
                elsewhere: c.elsewhere.map(|e| match e.workspace {
                    Some(name) if e.manageable => format!("your workspace “{name}”"),
                    Some(name) => format!("the workspace “{name}”"),
                    None => "another Tether workspace".to_owned(),
                }),
            })
            .collect(),
        flash: take_flash(&ctx, &jar),
    })
}

#[cfg(feature = "ssr")]
impl From<engine::channels::ChannelRecord> for crate::model::ChannelCard {
    fn from(channel: engine::channels::ChannelRecord) -> Self {
        let facts = crate::listing::facts(&channel);
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
            connector_id: channel.connector_id,
            through_invite: channel.through_invite,
            connector_left: channel.connector_left,
            facts,
        }
    }
}

/// One channel with its facts, history and disconnections.
#[server]
pub async fn load_channel(channel_id: i64) -> Result<ChannelPage, ServerFnError> {
    use crate::model::{ChannelCard, DowntimeLine, FollowerLine, HistoryLine};
    use crate::ssr::{event_words, public_error, request, require_person, take_flash, when};
    use crate::status::duration_words;
    use engine::domain::Permission;

    let (ctx, jar) = request()?;
    let person = require_person(&ctx, &jar).await?;
    let engine = &ctx.engine;
    let channel = engine
        .channel(&person, channel_id)
        .await
        .map_err(public_error)?;
    let history = if person.role.may(Permission::SeeTokenMetadata) {
        Some(
            engine
                .channel_history(&person, channel_id, 100)
                .await
                .map_err(public_error)?,
        )
    } else {
        None
    };
    let disconnections = engine
        .disconnections(channel_id)
        .await
        .map_err(public_error)?;
    let outage = engine
        .outages()
        .await
        .map_err(public_error)?
        .contains(&channel.network);
    let app_refused = engine
        .configuration_faults()
        .await
        .map_err(public_error)?
        .iter()
        .any(|f| f.network == channel.network);
    let now = engine.clock().now().timestamp();
    let renewal = engine
        .networks()
        .get(&channel.network)
        .map(|n| n.profile.renewal.describe());
    let mut facts = vec![(
        "Authenticated".to_owned(),
        match (
            channel.connected_at,
            &channel.connected_by,
            channel.through_invite,
        ) {
            (Some(at), _, true) => format!("{} by the account holder, through an invite", when(at)),
            (Some(at), Some(by), false) => format!("{} by {by}", when(at)),
            (Some(at), None, false) => when(at),
            (None, ..) => "Not connected".to_owned(),
        },
    )];
    if let (true, Some(by)) = (channel.through_invite, &channel.connected_by) {
        facts.push(("Reminders go to".to_owned(), by.clone()));
    }
    facts.push((
        "Access token expires".to_owned(),
        channel
            .access_expires_at
            .map_or("Does not expire on its own".to_owned(), when),
    ));
    facts.push((
        "Consent must be renewed by".to_owned(),
        channel
            .reconsent_deadline
            .map_or("No fixed deadline".to_owned(), when),
    ));
    let private_profile = channel
        .private_consent_ends_at
        .map(|_| channel.private_profile);
    if let (Some(ends), Some(given), None) = (
        channel.private_consent_ends_at,
        channel.connected_at,
        channel.unlinked_at,
    ) {
        let network = &channel.network_name;
        let days = (ends - given) / 86_400;
        facts.push(if channel.private_profile {
            (
                "Profile".to_owned(),
                format!(
                    "Private, as someone here said: {network} ends a private profile's \
                     permissions {days} days after consent, so they must be given again by {}.",
                    when(ends)
                ),
            )
        } else {
            (
                "If the profile is private".to_owned(),
                format!(
                    "{network} ends these permissions on {} ({days} days after consent) and they \
                     must be given again; a public profile's do not end. {network} does not say \
                     which this profile is: if it is private, mark it so below and Tether counts \
                     down to that day and reminds.",
                    when(ends),
                ),
            )
        });
    }
    if let Some(renewal) = renewal {
        facts.push(("How it is kept alive".to_owned(), renewal));
    }
    facts.push((
        "Last confirmed working".to_owned(),
        channel
            .checked_at
            .map_or("Not checked yet".to_owned(), when),
    ));
    if let Some(since) = channel.failing_since {
        facts.push(("Renewal failing since".to_owned(), when(since)));
    }
    let renewable = channel.renewable;
    let followers = engine
        .followers(&person, channel_id)
        .await
        .map_err(public_error)?;
    let may_name_backups = person.role.may(Permission::Transfer);
    let backup_candidates = if may_name_backups {
        let members = engine.members(&person).await.map_err(public_error)?;
        Some(
            members
                .into_iter()
                .filter(|m| m.role.may(Permission::Reauthorize))
                .map(|m| (m.user_id, m.display_name))
                .collect(),
        )
    } else {
        None
    };
    let mut card = ChannelCard::from(channel);
    card.facts.network_outage = outage;
    card.facts.app_refused = app_refused;
    Ok(ChannelPage {
        now,
        clock_offset: engine.clock().offset().num_seconds(),
        channel: card,
        may_act: person.role.may(Permission::Reauthorize),
        may_delete: person.role.may(Permission::Delete),
        renewable,
        private_profile,
        facts,
        history: history.map(|history| {
            history
                .into_iter()
                .map(|event| {
                    let (what, detail) = event_words(&event.kind, &event.detail);
                    HistoryLine {
                        at: when(event.at),
                        what,
                        who: event.actor.unwrap_or_else(|| "Tether".to_owned()),
                        detail,
                    }
                })
                .collect()
        }),
        disconnections: disconnections
            .into_iter()
            .map(|d| DowntimeLine {
                from: when(d.started_at),
                to: d.ended_at.map_or("still down".to_owned(), when),
                lasted: duration_words(d.ended_at.unwrap_or(now) - d.started_at),
                reason: engine::networks::DeadReason::parse(&d.reason).map_or_else(
                    || "Renewals failed past the token's expiry".to_owned(),
                    |r| r.words().to_owned(),
                ),
            })
            .collect(),
        following: followers
            .iter()
            .find(|f| f.user_id == person.user_id)
            .map(|f| f.role.as_str().to_owned()),
        followers: followers
            .into_iter()
            .map(|f| FollowerLine {
                removable: may_name_backups || f.user_id == person.user_id,
                user_id: f.user_id,
                name: f.display_name,
                role: match f.role {
                    engine::notify::FollowRole::Backup => "Back-up admin".into(),
                    engine::notify::FollowRole::Watcher => "Watcher".into(),
                },
            })
            .collect(),
        backup_candidates,
        flash: take_flash(&ctx, &jar),
    })
}

/// The workspace's members; for those who manage members.
#[server]
pub async fn load_members() -> Result<MembersPage, ServerFnError> {
    use crate::model::MemberLine;
    use crate::ssr::{
        keys_and_webhooks, public_error, request, require_person, take_flash, take_revealed, when,
        NEW_WELCOME_COOKIE,
    };
    use engine::domain::Role;

    let (ctx, jar) = request()?;
    let person = require_person(&ctx, &jar).await?;
    let members = ctx.engine.members(&person).await.map_err(public_error)?;
    let is_owner = person.role == Role::Owner;
    Ok(MembersPage {
        members: members
            .into_iter()
            .map(|member| MemberLine {
                locked: if member.user_id == person.user_id {
                    Some("You".to_owned())
                } else if member.role == Role::Owner && !is_owner {
                    Some("Only an owner can change an owner".to_owned())
                } else {
                    None
                },
                user_id: member.user_id,
                name: member.display_name,
                email: member.email,
                role: member.role.as_str().to_owned(),
                since: when(member.since),
                created_access: keys_and_webhooks(
                    member.live_keys.unsigned_abs(),
                    member.live_webhooks.unsigned_abs(),
                ),
            })
            .collect(),
        grantable: Role::ALL
            .into_iter()
            .filter(|role| is_owner || *role != Role::Owner)
            .map(|role| role.as_str().to_owned())
            .collect(),
        new_welcome_link: take_revealed(&ctx, &jar, NEW_WELCOME_COOKIE),
        flash: take_flash(&ctx, &jar),
    })
}

/// The workspace's API keys; owners and admins only.
#[server]
pub async fn load_api_keys() -> Result<ApiKeysPage, ServerFnError> {
    use crate::model::ApiKeyLine;
    use crate::ssr::{
        public_error, request, require_person, take_flash, take_revealed, when, NEW_KEY_COOKIE,
    };

    let (ctx, jar) = request()?;
    let person = require_person(&ctx, &jar).await?;
    let keys = ctx.engine.api_keys(&person).await.map_err(public_error)?;
    let channels = ctx.engine.channels(&person).await.map_err(public_error)?;
    let now = ctx.engine.clock().now().timestamp();
    let terms = |terms: &engine::api_keys::KeyTerms| {
        let may = if terms.hands_out_tokens {
            "Reads channels and hands out their tokens"
        } else {
            "Reads channels only"
        };
        let on = match &terms.channels {
            None => "every channel".to_owned(),
            Some(ids) => ids
                .iter()
                .map(|id| {
                    channels
                        .iter()
                        .find(|c| c.id == *id)
                        .map_or_else(|| format!("channel {id} (deleted)"), |c| c.name.clone())
                })
                .collect::<Vec<_>>()
                .join(", "),
        };
        let until = match terms.expires_at {
            None => "never expires".to_owned(),
            Some(at) if at <= now => format!("expired {}", when(at)),
            Some(at) => format!("expires {}", when(at)),
        };
        format!("{may} · {on} · {until}")
    };
    Ok(ApiKeysPage {
        keys: keys
            .into_iter()
            .map(|key| ApiKeyLine {
                terms: terms(&key.terms),
                id: key.id,
                name: key.name,
                shown: format!("{}…", key.shown),
                created: match key.created_by {
                    Some(by) => format!("{} by {by}", when(key.created_at)),
                    None => format!("{} from the command line", when(key.created_at)),
                },
                last_used: key.last_used_at.map_or("Never used".to_owned(), when),
                revoked: key.revoked_at.map(when),
            })
            .collect(),
        new_key: take_revealed(&ctx, &jar, NEW_KEY_COOKIE),
        channels: channels
            .iter()
            .filter(|c| c.unlinked_at.is_none())
            .map(|c| (c.id, format!("{} · {}", c.name, c.network)))
            .collect(),
        flash: take_flash(&ctx, &jar),
    })
}

/// What an invite link asks, for the person who opened it; no account needed.
#[server]
pub async fn load_invite(token: String) -> Result<InvitePage, ServerFnError> {
    use crate::model::InviteDetails;
    use crate::ssr::{public_error, request, take_flash, when};
    use engine::invites::InviteRefused;

    let (ctx, jar) = request()?;
    let opened = ctx.engine.open_invite(&token).await.map_err(public_error)?;
    let mut used = None;
    let invite = match opened {
        Ok(opened) => {
            let invite = opened.invite;
            let network = ctx.engine.networks().get(&invite.network);
            let profile = network.map(|n| &n.profile);
            let scopes = profile
                .map(|p| engine::channels::scopes_for_kind(p, &invite.kind, invite.access))
                .unwrap_or_default();
            let supporting = profile
                .map(|p| p.scopes.supporting.clone())
                .unwrap_or_default();
            Ok(InviteDetails {
                workspace_name: opened.workspace_name,
                inviter: invite.created_by,
                network_name: profile
                    .map(|p| p.display_name.clone())
                    .unwrap_or_else(|| invite.network.clone()),
                kind_label: profile
                    .and_then(|p| p.kind(&invite.kind))
                    .map(|k| k.label.to_owned())
                    .unwrap_or_else(|| invite.kind.clone()),
                channel_name: invite.channel_name,
                reconnect: invite.channel_id.is_some(),
                expected_account: invite.expected_account,
                publishing: invite.access == engine::networks::Access::Publishing,
                permissions: scopes
                    .iter()
                    .filter(|s| !supporting.contains(s))
                    .map(|s| profile.map(|p| p.scope_in_words(s)).unwrap_or(s.clone()))
                    .collect(),
                message: invite.message,
                expires: when(invite.expires_at),
                connected_handle: invite.completed_handle,
                missing: opened.missing,
            })
        }
        Err(refused) => {
            let status = match refused {
                InviteRefused::Unknown => http::StatusCode::NOT_FOUND,
                _ => http::StatusCode::GONE,
            };
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(status);
            }
            // The account holder opening their own used link is told it did its job.
            if refused == InviteRefused::Used {
                used = ctx
                    .engine
                    .used_invite(&token)
                    .await
                    .map_err(public_error)?
                    .map(|done| {
                        format!(
                            "{} was connected on {} to the workspace “{}” as the channel “{}”, on {}. There is nothing more to do. To stop it, remove Tether from the connected apps in your {} settings, or ask {} to unlink the channel.",
                            done.handle,
                            done.network_name,
                            done.workspace_name,
                            done.channel_name,
                            when(done.completed_at),
                            done.network_name,
                            done.inviter.unwrap_or_else(|| "the workspace".into()),
                        )
                    });
            }
            Err(refused.to_string())
        }
    };
    Ok(InvitePage {
        token,
        invite,
        used,
        flash: take_flash(&ctx, &jar),
    })
}

/// The confirmation after an invite's consent went through: the words come with the
/// (signed) flash message, so a reload or a stranger sees nothing.
#[server]
pub async fn load_invite_done() -> Result<Option<crate::model::Flash>, ServerFnError> {
    use crate::ssr::{request, take_flash};

    let (ctx, jar) = request()?;
    Ok(take_flash(&ctx, &jar))
}

/// The workspace's invites and what a new one can ask for; owners and admins only.
#[server]
pub async fn load_invites() -> Result<InvitesPage, ServerFnError> {
    use crate::model::{InviteLine, InviteNetwork};
    use crate::ssr::{
        public_error, request, require_person, take_flash, take_revealed, when, NEW_INVITE_COOKIE,
    };
    use engine::invites::{InviteState, DEFAULT_DAYS, MAX_DAYS};

    let (ctx, jar) = request()?;
    let person = require_person(&ctx, &jar).await?;
    let invites = ctx.engine.invites(&person).await.map_err(public_error)?;
    let channels = ctx.engine.channels(&person).await.map_err(public_error)?;
    let network_name = |id: &str| {
        ctx.engine
            .networks()
            .get(id)
            .map_or_else(|| id.to_owned(), |n| n.profile.display_name.clone())
    };
    Ok(InvitesPage {
        invites: invites
            .into_iter()
            .map(|invite| {
                let access = match invite.access {
                    engine::networks::Access::Metrics => "read-only metrics",
                    engine::networks::Access::Publishing => "publishing",
                };
                let verb = if invite.channel_id.is_some() {
                    "Reconnect"
                } else {
                    "Connect"
                };
                let to = invite
                    .recipient
                    .clone()
                    .map_or_else(
                        || "not mailed: the link was shown once, to copy".to_owned(),
                        |r| format!("mailed to {r}"),
                    );
                let mut detail = vec![format!(
                    "Created {} by {} · {to}",
                    when(invite.created_at),
                    invite
                        .created_by
                        .clone()
                        .unwrap_or_else(|| "a former member".into())
                )];
                detail.push(match invite.state {
                    InviteState::Sent => {
                        format!("Not opened yet · expires {}", when(invite.expires_at))
                    }
                    InviteState::Opened => format!(
                        "Opened {} · expires {}",
                        invite.opened_at.map(when).unwrap_or_default(),
                        when(invite.expires_at)
                    ),
                    InviteState::Partial => format!(
                        "Connected as {} without every permission · the link stays open for the rest until {}",
                        invite.completed_handle.clone().unwrap_or_default(),
                        when(invite.expires_at)
                    ),
                    InviteState::Completed => format!(
                        "Completed {} as {}",
                        invite.completed_at.map(when).unwrap_or_default(),
                        invite.completed_handle.clone().unwrap_or_default()
                    ),
                    InviteState::Expired => format!("Expired {}", when(invite.expires_at)),
                    InviteState::Revoked => format!(
                        "Withdrawn {}",
                        invite.revoked_at.map(when).unwrap_or_default()
                    ),
                });
                InviteLine {
                    id: invite.id,
                    state: invite.state.as_str().to_owned(),
                    summary: format!(
                        "{verb} “{}” · {} · {access}{}",
                        invite.channel_name,
                        network_name(&invite.network),
                        invite
                            .expected_account
                            .map(|a| format!(" · expects @{a}"))
                            .unwrap_or_default()
                    ),
                    detail: detail.join(" · "),
                    open: matches!(
                        invite.state,
                        InviteState::Sent | InviteState::Opened | InviteState::Partial
                    ),
                }
            })
            .collect(),
        networks: ctx
            .engine
            .networks()
            .all()
            .iter()
            .map(|n| InviteNetwork {
                id: n.profile.id.clone(),
                name: n.profile.display_name.clone(),
                kinds: n
                    .profile
                    .kinds
                    .iter()
                    .map(|k| (k.id.to_owned(), k.label.to_owned()))
                    .collect(),
            })
            .collect(),
        channels: channels
            .into_iter()
            .map(|c| (c.id, format!("{} · {}", c.name, c.network_name)))
            .collect(),
        new_link: take_revealed(&ctx, &jar, NEW_INVITE_COOKIE),
        default_days: DEFAULT_DAYS,
        max_days: MAX_DAYS,
        flash: take_flash(&ctx, &jar),
    })
}

/// The person's own account: changing the password, ending every sign-in.
#[server]
pub async fn load_account() -> Result<AccountPage, ServerFnError> {
    use crate::model::OfferLine;
    use crate::ssr::{public_error, request, require_person, take_flash, when};

    let (ctx, jar) = request()?;
    let person = require_person(&ctx, &jar).await?;
    let limits = ctx.engine.session_policy();
    let span = |minutes: i64| match minutes {
        m if m % (60 * 24) == 0 && m >= 60 * 24 => format!("{} days", m / (60 * 24)),
        m if m % 60 == 0 => format!("{} hours", m / 60),
        m => format!("{m} minutes"),
    };
    Ok(AccountPage {
        display_name: person.display_name.clone(),
        email: person.email.clone(),
        session_limits: format!(
            "A sign-in here ends after {} without use, and {} after it began.",
            span(limits.idle.num_minutes()),
            span(limits.lifetime.num_minutes())
        ),
        offers: ctx
            .engine
            .membership_offers(&person)
            .await
            .map_err(public_error)?
            .into_iter()
            .map(|offer| OfferLine {
                workspace_id: offer.workspace_id,
                details: format!(
                    "{} as {} · open until {}",
                    offer
                        .offered_by
                        .map_or("You are invited".to_owned(), |by| format!(
                            "{by} invites you"
                        )),
                    offer.role.as_str(),
                    when(offer.expires_at)
                ),
                workspace_name: offer.workspace_name,
            })
            .collect(),
        workspaces: ctx
            .engine
            .workspaces(&person)
            .await
            .map_err(public_error)?
            .into_iter()
            .map(|(id, name, role)| (name, role.as_str().to_owned(), id == person.workspace_id))
            .collect(),
        workspace_name: person.workspace_name.clone(),
        may_manage_workspace: person.role.may(engine::domain::Permission::ManageWorkspace),
        flash: take_flash(&ctx, &jar),
    })
}

/// The mail in the local outbox, newest first; for those who invite people.
#[server]
pub async fn load_outbox() -> Result<OutboxPage, ServerFnError> {
    use crate::model::OutboxLine;
    use crate::ssr::{public_error, request, require_person, when};
    use engine::domain::{require, Permission};

    let (ctx, jar) = request()?;
    let person = require_person(&ctx, &jar).await?;
    require(person.role, Permission::Invite).map_err(public_error)?;
    let dir = ctx.engine.mailer().and_then(|m| m.outbox_dir());
    Ok(OutboxPage {
        mails: dir.map(|dir| {
            engine::mail::read_outbox(dir, person.workspace_id)
                .into_iter()
                .map(|mail| OutboxLine {
                    to: mail.to,
                    subject: mail.subject,
                    sent: when(mail.sent_at),
                    text: mail.text,
                })
                .collect()
        }),
    })
}

/// The person's notifications, how each kind reaches them by mail, and the workspace's
/// reminder days.
#[server]
pub async fn load_notifications() -> Result<NotificationsPage, ServerFnError> {
    use crate::model::NoticeLine;
    use crate::ssr::{
        public_error, request, require_person, take_flash, take_revealed, when, NEW_CALENDAR_COOKIE,
    };
    use engine::domain::Permission;

    let (ctx, jar) = request()?;
    let person = require_person(&ctx, &jar).await?;
    let engine = &ctx.engine;
    let items = engine.notifications(&person).await.map_err(public_error)?;
    let preferences = engine
        .mail_preferences(&person)
        .await
        .map_err(public_error)?;
    let days = engine.reminder_days(&person).await.map_err(public_error)?;
    Ok(NotificationsPage {
        items: items
            .into_iter()
            .map(|n| NoticeLine {
                title: n.title,
                body: n.body,
                at: when(n.created_at),
                unread: !n.read,
                channel_id: n.channel_id,
            })
            .collect(),
        preferences: preferences
            .into_iter()
            .map(|(kind, cadence)| {
                (
                    kind.as_str().to_owned(),
                    kind.words().to_owned(),
                    cadence.as_str().to_owned(),
                )
            })
            .collect(),
        reminder_days: days
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        may_set_reminders: person.role.may(Permission::ManageMembers),
        calendar_since: engine
            .calendar_feed_since(&person)
            .await
            .map_err(public_error)?
            .map(when),
        new_calendar_link: take_revealed(&ctx, &jar, NEW_CALENDAR_COOKIE),
        flash: take_flash(&ctx, &jar),
    })
}

/// The workspace's webhooks with their delivery logs; owners and admins only.
#[server]
pub async fn load_webhooks() -> Result<WebhooksPage, ServerFnError> {
    use crate::model::{DeliveryLine, WebhookLine};
    use crate::ssr::{
        public_error, request, require_person, take_flash, take_revealed, when, NEW_WEBHOOK_COOKIE,
    };
    use engine::webhooks::WebhookFormat;

    let (ctx, jar) = request()?;
    let person = require_person(&ctx, &jar).await?;
    let hooks = ctx.engine.webhooks(&person).await.map_err(public_error)?;
    Ok(WebhooksPage {
        retried_for: crate::status::duration_words(engine::webhooks::retry_span()),
        hooks: hooks
            .into_iter()
            .map(|hook| WebhookLine {
                id: hook.id,
                url: hook.url,
                format: match hook.format {
                    WebhookFormat::Json => "JSON".into(),
                    WebhookFormat::Slack => "Slack".into(),
                },
                created: match hook.created_by {
                    Some(by) => format!("{} by {by}", when(hook.created_at)),
                    None => when(hook.created_at),
                },
                revoked: hook.revoked_at.map(when),
                deliveries: hook
                    .deliveries
                    .into_iter()
                    .map(|d| {
                        let tries = format!(
                            "{} attempt{}",
                            d.attempts,
                            if d.attempts == 1 { "" } else { "s" }
                        );
                        let last = match (d.last_status, &d.last_error) {
                            (_, Some(error)) => error.clone(),
                            (Some(status), None) => format!("answered {status}"),
                            (None, None) => "not sent yet".into(),
                        };
                        let (state, outcome) = if let Some(at) = d.delivered_at {
                            ("delivered", format!("Delivered {} · {tries}", when(at)))
                        } else if let Some(at) = d.given_up_at {
                            (
                                "given up",
                                format!("Given up {} after {tries}: {last}", when(at)),
                            )
                        } else {
                            (
                                "retrying",
                                format!(
                                    "{last} · next try {}",
                                    d.next_attempt_at.map(when).unwrap_or_default()
                                ),
                            )
                        };
                        DeliveryLine {
                            event: d.event_key,
                            queued: when(d.created_at),
                            state: state.into(),
                            outcome,
                        }
                    })
                    .collect(),
            })
            .collect(),
        new_secret: take_revealed(&ctx, &jar, NEW_WEBHOOK_COOKIE),
        flash: take_flash(&ctx, &jar),
    })
}

/// What a welcome link shows the person it is for; no session needed.
#[server]
pub async fn load_welcome(token: String) -> Result<WelcomePage, ServerFnError> {
    use crate::ssr::{public_error, request, take_flash};

    let (ctx, jar) = request()?;
    let welcome = ctx.engine.welcome(&token).await.map_err(public_error)?;
    if welcome.is_err() {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::GONE);
        }
    }
    Ok(WelcomePage {
        token,
        welcome: welcome
            .map(|w| (w.display_name, w.email, w.workspace_name, w.added_by))
            .map_err(|refused| refused.to_string()),
        flash: take_flash(&ctx, &jar),
    })
}

/// A password reset link: whose password it sets, or why it cannot be used (410).
#[server]
pub async fn load_reset(token: String) -> Result<ResetPage, ServerFnError> {
    use crate::ssr::{public_error, request, take_flash};

    let (ctx, jar) = request()?;
    let email = match ctx.engine.password_reset_email(&token).await {
        Ok(email) => Ok(email),
        Err(engine::Error::Invalid(refused)) => {
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(http::StatusCode::GONE);
            }
            Err(refused)
        }
        Err(other) => return Err(public_error(other)),
    };
    Ok(ResetPage {
        token,
        email,
        flash: take_flash(&ctx, &jar),
    })
}
