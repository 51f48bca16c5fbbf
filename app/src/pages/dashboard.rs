//! The dashboard: the health sign, the counts per state, the channels that need a person
//! first (filtered, searched and in pages, all in the address), and the form that adds a
//! channel. Rows carry only the next step; the rest is on each channel's page.

use super::{LoadError, Loading};
use crate::api::load_dashboard;
use crate::components::{BusyForm, FlashMessage, HealthSign, LiveStatuses, RowStatus};
use crate::model::{
    ChannelCard, ChannelFilter, ConfigurationFaultNotice, Dashboard, ElsewhereLine, Listing,
    NetworkChoice, OutageNotice,
};
use crate::status::{status, NextAction, State};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let filter = use_query_map().with_untracked(|query| ChannelFilter {
        show: query.get("show").unwrap_or_default(),
        network: query.get("network").unwrap_or_default(),
        q: query.get("q").unwrap_or_default(),
        who: query.get("who").unwrap_or_default(),
        page: query
            .get("page")
            .and_then(|page| page.parse().ok())
            .unwrap_or(1),
    });
    let dashboard = Resource::new(move || filter.clone(), load_dashboard);
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
    let may_connect = person.may_connect;
    let workspace = person.workspace_name.clone();
    let listing = dashboard.listing;
    let channels = dashboard.channels;
    let backup_candidates = dashboard.backup_candidates;
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
            <HealthSign changing=dashboard.health.changing settled=dashboard.health.settled
                rendered_at=clock.rendered_at clock_offset=clock.offset/>
            <Elsewhere lines=dashboard.elsewhere/>
            <section aria-labelledby="channels-heading">
                <h2 id="channels-heading">"Channels"</h2>
                {listing.audience.clone().map(|words| view! { <p class="audience" data-testid="audience">{words}</p> })}
                {if listing.total == 0 {
                    view! {
                        <p class="empty">"No channels yet. Connect one below to start keeping it alive."</p>
                    }
                        .into_any()
                } else {
                    let may_invite = person.may_invite;
                    view! { <ChannelList listing channels clock may_connect backup_candidates may_invite/> }.into_any()
                }}
            </section>
            {person
                .may_control_sandbox
                .then(|| view! { <SandboxControls networks=dashboard.networks.clone()/> })}
            {may_connect.then(|| view! { <AddChannel networks=dashboard.networks/> })}
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

/// The counts per state, the filter form, one page of channels and the way to the others.
#[component]
fn ChannelList(
    listing: Listing,
    channels: Vec<ChannelCard>,
    clock: Clock,
    may_connect: bool,
    backup_candidates: Vec<(i64, String)>,
    may_invite: bool,
) -> impl IntoView {
    let filter = listing.filter.clone();
    let filtered = filter
        != ChannelFilter {
            page: filter.page,
            ..ChannelFilter::default()
        };
    let count = |n: usize| super::thousands(n as i64);
    let shown = match (channels.len(), filtered) {
        (0, _) => "No channel matches.".to_owned(),
        (1, false) if listing.total == 1 => "1 channel".to_owned(),
        (n, false) if n == listing.total => format!("{} channels", count(n)),
        (n, false) => format!(
            "{}–{} of {} channels",
            count(listing.first),
            count(listing.first + n - 1),
            count(listing.total)
        ),
        (n, true) => format!(
            "{}–{} of {} matching channel{} (of {} in all)",
            count(listing.first),
            count(listing.first + n - 1),
            count(listing.matching),
            if listing.matching == 1 { "" } else { "s" },
            count(listing.total)
        ),
    };
    // The states some channel is in, and the one asked for: an empty choice says nothing
    // true, and a state no channel is in is no word to show.
    let mut states: Vec<(String, String)> = listing
        .counts
        .iter()
        .filter(|count| count.show != "attention")
        .map(|count| (count.show.clone(), count.label.clone()))
        .collect();
    if let Some(asked) = State::ALL.iter().find(|s| s.api_name() == filter.show) {
        if !states.iter().any(|(show, _)| show == asked.api_name()) {
            states.push((asked.api_name().to_owned(), asked.label().to_owned()));
        }
    }
    let state_choice = |value: &str, label: String| {
        let selected = filter.show == value;
        view! { <option value=value.to_owned() selected=selected>{label}</option> }
    };
    view! {
        <nav class="state-counts" aria-label="Channels by state">
            <ul role="list">
                {listing
                    .counts
                    .iter()
                    .map(|count| {
                        let current = (filter.show == count.show).then_some("page");
                        view! {
                            <li>
                                <a href=count.href.clone() aria-current=current data-testid="state-count">
                                    <span aria-hidden="true">{count.icon.clone()}" "</span>
                                    {format!("{} {}", count.count, count.label.to_lowercase())}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
        <form method="get" action="/" class="form form--inline filters" role="search" aria-label="Find channels">
            <div class="field">
                <label for="find">"Search"</label>
                <input id="find" name="q" type="search" value=filter.q.clone() maxlength="100"
                    placeholder="A name or @handle"/>
            </div>
            <div class="field">
                <label for="show">"State"</label>
                <select id="show" name="show">
                    {state_choice("", "Every state".into())}
                    {state_choice("attention", "Needs attention".into())}
                    {states
                        .into_iter()
                        .map(|(show, label)| state_choice(&show, label))
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="on-network">"On network"</label>
                <select id="on-network" name="network">
                    <option value="" selected=filter.network.is_empty()>"Every network"</option>
                    {listing
                        .networks
                        .iter()
                        .map(|(key, name)| {
                            let selected = filter.network == *key;
                            view! { <option value=key.clone() selected=selected>{name.clone()}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            {(!listing.people.is_empty()).then(|| view! {
                <div class="field">
                    <label for="who">"Reminders to"</label>
                    <select id="who" name="who">
                        <option value="" selected=filter.who.is_empty()>"Anyone"</option>
                        {listing
                            .people
                            .iter()
                            .map(|(id, name)| {
                                let selected = filter.who == *id;
                                view! { <option value=id.clone() selected=selected>{name.clone()}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
            })}
            <button type="submit" class="button">"Show"</button>
            {filtered.then(|| view! { <a class="button button--quiet" href="/">"Show all"</a> })}
        </form>
        {listing.notice.clone().map(|notice| view! {
            <p class="banner banner--info" role="status"><span aria-hidden="true">"ⓘ "</span>{notice}</p>
        })}
        <p class="listing-summary" role="status" data-testid="listing-summary">{shown}</p>
        {(!channels.is_empty()).then(|| view! {
            <BulkActions listing=listing.clone() backup_candidates may_invite/>
        })}
        <LiveStatuses
            channels=channels.iter().map(|channel| (channel.id, channel.facts.clone())).collect()
            rendered_at=clock.rendered_at
            clock_offset=clock.offset
        />
        <ul class="channels" role="list">
            {channels
                .into_iter()
                .map(|channel| {
                    let page = format!("/channels/{}{}", channel.id, listing.back_query);
                    let here = listing.here.clone();
                    view! { <ChannelItem channel page here clock may_connect/> }
                })
                .collect_view()}
        </ul>
        {(listing.pages > 1).then(|| view! {
            <nav class="pager" aria-label="Pages of channels">
                {listing.previous.clone().map(|href| view! { <a href=href rel="prev">"← Previous"</a> })}
                <span>{format!("Page {} of {}", listing.page, listing.pages)}</span>
                {listing.next.clone().map(|href| view! { <a href=href rel="next">"Next →"</a> })}
            </nav>
        })}
    }
}

/// What to do with many channels at once: those ticked in the list below, or all that
/// match this view. It posts a plain form, so it works before the WASM loads; once loaded,
/// its button shows that the work is under way.
#[component]
fn BulkActions(
    listing: Listing,
    backup_candidates: Vec<(i64, String)>,
    /// Whether the person may send invites (owners and admins).
    may_invite: bool,
) -> impl IntoView {
    let filter = listing.filter.clone();
    let matching = super::thousands(listing.matching as i64);
    view! {
        <details class="card bulk" data-testid="bulk">
            <summary>"Act on several channels"</summary>
            <BusyForm id="bulk" action="/channels/bulk" class="form form--inline"
                label="Apply" busy_label="Working through the channels…">
                <input type="hidden" name="from" value=listing.here.clone()/>
                <input type="hidden" name="show" value=filter.show.clone()/>
                <input type="hidden" name="network" value=filter.network.clone()/>
                <input type="hidden" name="q" value=filter.q.clone()/>
                <input type="hidden" name="who" value=filter.who.clone()/>
                <fieldset class="field">
                    <legend>"Which channels"</legend>
                    <label><input type="radio" name="which" value="ticked" checked/>" Those ticked in the list"</label>
                    <label><input type="radio" name="which" value="matching"/>{format!(" All {matching} that match this view")}</label>
                </fieldset>
                <div class="field">
                    <label for="bulk-action">"What to do"</label>
                    <select id="bulk-action" name="action">
                        <option value="watch">"Watch them: tell me about each"</option>
                        {may_invite.then(|| view! {
                            <option value="invite">"Mail each a reconnect invite, to whoever gave its consent"</option>
                        })}
                        {(!backup_candidates.is_empty()).then(|| view! {
                            <option value="backup">"Name a back-up admin"</option>
                        })}
                    </select>
                </div>
                {(!backup_candidates.is_empty()).then(|| view! {
                    <div class="field">
                        <label for="bulk-backup">"Back-up admin (when naming one)"</label>
                        <select id="bulk-backup" name="user_id">
                            {backup_candidates
                                .into_iter()
                                .map(|(id, name)| view! { <option value=id.to_string()>{name}</option> })
                                .collect_view()}
                        </select>
                    </div>
                })}
            </BusyForm>
        </details>
    }
}

/// One channel: who it is, its live state, and the one step that fixes it, if any. Every
/// other action is on its page, so a thousand rows stay light.
#[component]
fn ChannelItem(
    channel: ChannelCard,
    /// The channel's page, leading back to this view of the list.
    page: String,
    /// This view of the list, where a reconnect comes back to.
    here: String,
    clock: Clock,
    may_connect: bool,
) -> impl IntoView {
    let id = channel.id;
    let initial = channel
        .name
        .chars()
        .next()
        .unwrap_or('?')
        .to_uppercase()
        .to_string();
    let fix = match status(&channel.facts, clock.rendered_at).next_action {
        NextAction::Reconnect => Some(("Reconnect", false)),
        NextAction::GrantPermissions => Some(("Grant missing permissions", true)),
        NextAction::Nothing | NextAction::Wait => None,
    };
    let details = [
        Some(channel.access.clone()),
        channel
            .followers
            .map(|n| format!("{} followers", super::thousands(n))),
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
                <input type="checkbox" class="channel__pick" form="bulk" name="channel"
                    value=id.to_string() id=format!("pick-{id}")/>
                <label for=format!("pick-{id}") class="visually-hidden">
                    {format!("Select “{}”", channel.name)}
                </label>
                {match channel.avatar_url {
                    Some(url) => view! { <img class="avatar" src=url alt="" width="40" height="40" loading="lazy"/> }.into_any(),
                    None => view! { <span class="avatar" aria-hidden="true">{initial}</span> }.into_any(),
                }}
                <div>
                    <p class="channel__network">{channel.network_name}" · "{channel.kind}</p>
                    <h3 class="channel__name">
                        <a href=page.clone()>{channel.name.clone()}</a>
                    </h3>
                    <p class="channel__handle">{channel.handle}</p>
                </div>
            </div>
            <RowStatus id facts=channel.facts rendered_at=clock.rendered_at/>
            <p class="channel__meta">{details}</p>
            {channel.connector_left.then(|| view! {
                <p class="channel__reason" data-testid="connector-left">
                    <span aria-hidden="true">"⚠ "</span>
                    "The person who connected this channel has left or may no longer reconnect it. Reconnect it yourself, name a back-up admin, or invite the account holder."
                </p>
            })}
            {may_connect.then(|| view! {
                <div class="channel__actions">
                    {fix.map(|(label, only_missing)| view! {
                        <BusyForm action=format!("/channels/{id}/reauthorize") class="inline"
                            label=label busy_label="Opening the network…">
                            {only_missing.then(|| view! {
                                <input type="hidden" name="only_missing" value="true"/>
                            })}
                            {(here != "/").then(|| view! {
                                <input type="hidden" name="from" value=here.clone()/>
                            })}
                        </BusyForm>
                    })}
                    <a class="button button--quiet" href=page.clone()>
                        {format!("Manage “{}”", channel.name)}
                    </a>
                </div>
            })}
        </li>
    }
    .into_any()
}

/// What needs attention in the person's other workspaces, with the way there.
#[component]
fn Elsewhere(lines: Vec<ElsewhereLine>) -> impl IntoView {
    (!lines.is_empty()).then(|| view! {
        <section class="banner banner--info elsewhere" aria-labelledby="elsewhere-heading" data-testid="elsewhere">
            <h2 id="elsewhere-heading">"In your other workspaces"</h2>
            <ul role="list">
                {lines
                    .into_iter()
                    .map(|line| view! {
                        <li>
                            <form method="post" action="/workspace/switch">
                                <input type="hidden" name="workspace_id" value=line.workspace_id.to_string()/>
                                <span aria-hidden="true">"! "</span>
                                {format!(
                                    "{}: {} ",
                                    line.name,
                                    match line.attention {
                                        1 => "1 channel needs attention".to_owned(),
                                        n => format!("{n} channels need attention"),
                                    }
                                )}
                                <button type="submit" class="button button--quiet">{format!("Switch to {}", line.name)}</button>
                            </form>
                        </li>
                    })
                    .collect_view()}
            </ul>
        </section>
    })
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
                "The name is for your team; you can rename the channel on its page later. You will be sent to the network to approve access, then back here."
            </p>
            <p id="network-hint" class="hint">
                "Where one consent gives several pages, organizations or ads accounts, you pick which to connect next."
            </p>
        </section>
    }
    .into_any()
}
