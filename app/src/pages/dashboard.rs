//! The dashboard: the health sign, every channel with its badge and live countdown, and
//! the form that adds a channel.

use super::{thousands, LoadError, Loading};
use crate::api::load_dashboard;
use crate::components::{BusyForm, ChannelStatus, DangerForm, FlashMessage, HealthSign};
use crate::model::{ChannelCard, ConfigurationFaultNotice, Dashboard, NetworkChoice, OutageNotice};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let dashboard = Resource::new(|| (), |_| load_dashboard());
    view! {
        <Title text="Dashboard · Tether"/>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match dashboard.await {
                    Ok(dashboard) => view! { <DashboardView dashboard/> }.into_any(),
                    Err(e) => view! { <LoadError error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn DashboardView(dashboard: Dashboard) -> impl IntoView {
    let clock = Clock {
        rendered_at: dashboard.now,
        offset: dashboard.clock_offset,
    };
    let person = dashboard.person;
    let facts: Vec<_> = dashboard.channels.iter().map(|c| c.facts.clone()).collect();
    let linked: Vec<_> = dashboard
        .channels
        .iter()
        .filter(|c| !c.facts.unlinked)
        .collect();
    let audience = (!linked.is_empty()).then(|| {
        let total: i64 = linked.iter().filter_map(|c| c.followers).sum();
        format!(
            "{} followers across {} linked account{}",
            thousands(total),
            linked.len(),
            if linked.len() == 1 { "" } else { "s" }
        )
    });
    let rights = Rights {
        connect: person.may_connect,
        delete: person.may_delete,
    };
    let workspace = person.workspace_name.clone();
    view! {
        <header class="topbar">
            <span class="brand">"Tether"</span>
            <span class="topbar__workspace">{workspace.clone()}</span>
            <a class="topbar__person" href="/account" title="Your account">{person.display_name}" · "{person.role}</a>
            {(!person.other_workspaces.is_empty()).then(|| view! {
                <form method="post" action="/workspace/switch" class="topbar__switch">
                    <label for="switch-workspace" class="visually-hidden">"Switch to workspace"</label>
                    <select id="switch-workspace" name="workspace_id">
                        {person
                            .other_workspaces
                            .iter()
                            .map(|(id, name)| view! { <option value=id.to_string()>{name.clone()}</option> })
                            .collect_view()}
                    </select>
                    <button type="submit" class="button button--quiet">"Switch"</button>
                </form>
            })}
            {person.may_manage_members.then(|| view! { <a class="topbar__link" href="/settings/members">"Members"</a> })}
            <a class="topbar__link" href="/notifications">
                {match person.unread_notifications {
                    0 => "Notifications".to_owned(),
                    n => format!("Notifications ({n} new)"),
                }}
            </a>
            {person.may_invite.then(|| view! { <a class="topbar__link" href="/settings/invites">"Invites"</a> })}
            {person.may_manage_webhooks.then(|| view! { <a class="topbar__link" href="/settings/webhooks">"Webhooks"</a> })}
            {(person.may_invite && person.has_outbox).then(|| view! { <a class="topbar__link" href="/settings/outbox">"Outbox"</a> })}
            {person.may_manage_keys.then(|| view! { <a class="topbar__link" href="/settings/api-keys">"API keys"</a> })}
            <form method="post" action="/auth/logout">
                <button type="submit" class="button button--quiet">"Sign out"</button>
            </form>
        </header>
        <main id="main" class="page">
            <h1 class="visually-hidden">{format!("{workspace}: channels")}</h1>
            <FlashMessage flash=dashboard.flash/>
            <ConfigurationBanner faults=dashboard.configuration_faults/>
            <OutageBanner outages=dashboard.outages/>
            <HealthSign channels=facts rendered_at=clock.rendered_at clock_offset=clock.offset/>
            <section aria-labelledby="channels-heading">
                <h2 id="channels-heading">"Channels"</h2>
                {audience.map(|words| view! { <p class="audience" data-testid="audience">{words}</p> })}
                {if dashboard.channels.is_empty() {
                    view! {
                        <p class="empty">"No channels yet. Connect one below to start keeping it alive."</p>
                    }
                        .into_any()
                } else {
                    view! {
                        <ul class="channels" role="list">
                            {dashboard
                                .channels
                                .into_iter()
                                .map(|channel| view! { <ChannelItem channel clock rights/> })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }}
            </section>
            {person
                .may_control_sandbox
                .then(|| view! { <SandboxControls networks=dashboard.networks.clone()/> })}
            {person
                .may_connect
                .then(|| view! { <AddChannel networks=dashboard.networks/> })}
        </main>
    }
    .into_any()
}

/// The server's clock as the page was rendered, handed to the live islands.
#[derive(Clone, Copy)]
struct Clock {
    rendered_at: i64,
    offset: i64,
}

/// What the person may do to channels.
#[derive(Clone, Copy)]
struct Rights {
    connect: bool,
    delete: bool,
}

#[component]
fn ChannelItem(channel: ChannelCard, clock: Clock, rights: Rights) -> impl IntoView {
    let id = channel.id;
    let initial = channel
        .name
        .chars()
        .next()
        .unwrap_or('?')
        .to_uppercase()
        .to_string();
    let missing = !channel.facts.missing_scopes.is_empty() && !channel.facts.unlinked;
    let unlinked = channel.facts.unlinked;
    let personal = channel.personal;
    let details = [
        Some(channel.access.clone()),
        channel
            .followers
            .map(|n| format!("{} followers", thousands(n))),
        match (channel.through_invite, channel.connected_by.as_ref()) {
            (true, Some(by)) => Some(format!(
                "Consented by the account holder through an invite · Reminders to {by}"
            )),
            (true, None) => Some("Consented by the account holder through an invite".into()),
            (false, by) => by.map(|by| format!("Connected by {by}")),
        },
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    view! {
        <li class="channel" data-testid="channel">
            <div class="channel__identity">
                {match channel.avatar_url {
                    Some(url) => view! { <img class="avatar" src=url alt="" width="40" height="40" loading="lazy"/> }.into_any(),
                    None => view! { <span class="avatar" aria-hidden="true">{initial}</span> }.into_any(),
                }}
                <div>
                    <p class="channel__network">{channel.network_name}" · "{channel.kind}</p>
                    <h3 class="channel__name">
                        <a href=format!("/channels/{id}")>{channel.name.clone()}</a>
                    </h3>
                    <p class="channel__handle">{channel.handle}</p>
                </div>
            </div>
            <ChannelStatus facts=channel.facts rendered_at=clock.rendered_at clock_offset=clock.offset/>
            <p class="channel__meta">{details}</p>
            {channel.connector_left.then(|| view! {
                <p class="channel__reason" data-testid="connector-left">
                    <span aria-hidden="true">"⚠ "</span>
                    "The person who connected this channel has left or may no longer reconnect it. Reconnect it yourself, name a back-up admin, or invite the account holder."
                </p>
            })}
            {rights.connect.then(|| view! {
                <div class="channel__actions">
                    {missing.then(|| view! {
                        <BusyForm action=format!("/channels/{id}/reauthorize") class="inline"
                            label="Grant missing permissions" busy_label="Opening the network…">
                            <input type="hidden" name="only_missing" value="true"/>
                        </BusyForm>
                    })}
                    <BusyForm action=format!("/channels/{id}/reauthorize") class="inline"
                        label=if unlinked { "Reconnect" } else { "Reauthorize" } busy_label="Opening the network…">
                        ""
                    </BusyForm>
                    {(!unlinked).then(|| view! {
                        <DangerForm summary="Unlink…" warning="Unlinking revokes Tether's access at the network and drops the tokens; the channel and its history stay, and reconnecting brings it back." action=format!("/channels/{id}/unlink")
                            label=format!("Unlink “{}”", channel.name) busy_label="Revoking…"/>
                    })}
                    {(rights.delete && personal && !unlinked).then(|| view! {
                        <details class="handover">
                            <summary>"Hand over…"</summary>
                            <p>"Reconnect this channel with another account of the same kind, for example when the person who connected it leaves. Its history is kept."</p>
                            <BusyForm action=format!("/channels/{id}/reauthorize") class="inline"
                                label="Reconnect with another account" busy_label="Opening the network…">
                                <input type="hidden" name="handover" value="true"/>
                            </BusyForm>
                        </details>
                    })}
                    {rights.delete.then(|| view! {
                        <DangerForm summary="Delete…" warning="Deleting wipes the tokens and the channel. The event log keeps a line that it was deleted." action=format!("/channels/{id}/delete")
                            label=format!("Delete “{}”", channel.name) busy_label="Deleting…"/>
                    })}
                </div>
            })}
        </li>
    }
    .into_any()
}

/// Says plainly which networks are failing, what happened, and that no channel is lost.
#[component]
fn OutageBanner(outages: Vec<OutageNotice>) -> impl IntoView {
    outages
        .into_iter()
        .map(|outage| {
            let calls = if outage.failures == 1 { "call" } else { "calls in a row" };
            let affected = match outage.channels {
                0 => "none of this workspace's channels is failing because of it".to_owned(),
                1 => "1 of this workspace's channels is failing because of it".to_owned(),
                n => format!("{n} of this workspace's channels are failing because of it"),
            };
            view! {
                <div class="banner banner--outage" role="status" data-testid="outage">
                    <span aria-hidden="true">"≈ "</span>
                    <strong>{format!("{} is having trouble.", outage.network)}</strong>
                    {format!(
                        " {} {calls} to it failed since {}; {affected}. Tether keeps retrying; no channel is disconnected because of it, and no one needs to reconnect.",
                        outage.failures,
                        outage.since,
                    )}
                </div>
            }
        })
        .collect_view()
}

/// Networks that refuse Tether's own app credentials: the operator's fix, named.
#[component]
fn ConfigurationBanner(faults: Vec<ConfigurationFaultNotice>) -> impl IntoView {
    (!faults.is_empty()).then(|| {
        view! {
            <div class="banner banner--outage" role="alert" data-testid="configuration-fault">
                {faults
                    .into_iter()
                    .map(|fault| {
                        view! {
                            <p>
                                <span aria-hidden="true">"⚙ "</span>
                                <strong>{format!("{}: Tether's app credentials were refused.", fault.network)}</strong>
                                {format!(
                                    " The network said “{}”; an operator must check {}. Channels keep their state, and renewals resume once it is fixed.",
                                    fault.detail,
                                    fault.setting,
                                )}
                            </p>
                        }
                    })
                    .collect_view()}
            </div>
        }
    })
}

/// Links to the sandbox networks' control pages, where accounts and networks can be made
/// to fail and the clock moved.
#[component]
fn SandboxControls(networks: Vec<NetworkChoice>) -> impl IntoView {
    let links: Vec<_> = networks
        .into_iter()
        .filter_map(|n| n.control_url.map(|url| (n.name, url)))
        .collect();
    (!links.is_empty()).then(|| {
        view! {
            <nav class="card sandbox-controls" aria-labelledby="sandbox-heading">
                <h2 id="sandbox-heading">"Sandbox controls"</h2>
                <p class="hint">"Simulated networks: make an account fail, take a network down, rotate Tether's app secret, or (on a demo) move the clock."</p>
                <ul role="list">
                    {links
                        .into_iter()
                        .map(|(name, url)| view! { <li><a href=url>{name}</a></li> })
                        .collect_view()}
                </ul>
            </nav>
        }
    })
}

#[component]
fn AddChannel(networks: Vec<NetworkChoice>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="add-heading">
            <h2 id="add-heading">"Add a channel"</h2>
            <BusyForm action="/channels/connect" class="form form--inline"
                label="Connect" busy_label="Opening the network…">
                <div class="field">
                    <label for="network">"Network"</label>
                    <select id="network" name="network" required aria-describedby="network-hint">
                        {networks
                            .into_iter()
                            .map(|n| {
                                let label = format!(
                                    "{}{} ({})",
                                    n.name,
                                    if n.sandboxed { " – sandbox" } else { "" },
                                    n.kinds
                                );
                                view! { <option value=n.id>{label}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
                <fieldset class="field">
                    <legend>"Access"</legend>
                    <label><input type="radio" name="access" value="metrics" checked/>" Read-only metrics"</label>
                    <label><input type="radio" name="access" value="publishing"/>" Publishing"</label>
                </fieldset>
                <div class="field">
                    <label for="channel-name">"Name"</label>
                    <input id="channel-name" name="name" required maxlength="80"
                        placeholder="e.g. Brand account" aria-describedby="channel-name-hint"/>
                </div>
            </BusyForm>
            <p id="channel-name-hint" class="hint">
                "The name is for your team. You will be sent to the network to approve access, then back here."
            </p>
            <p id="network-hint" class="hint">
                "Where one consent gives several pages, organizations or ads accounts, you pick which to connect next."
            </p>
        </section>
    }
    .into_any()
}
