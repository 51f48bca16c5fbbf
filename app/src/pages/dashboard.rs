//! The dashboard: the health sign, every channel with its badge and live countdown, and
//! the form that adds a channel.

use super::{LoadError, Loading};
use crate::api::load_dashboard;
use crate::components::{BusyForm, ChannelStatus, FlashMessage, HealthSign};
use crate::model::{ChannelCard, Dashboard, NetworkChoice};
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
                    Err(e) => view! { <LoadError message=e.to_string()/> }.into_any(),
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
    view! {
        <header class="topbar">
            <span class="brand">"Tether"</span>
            <span class="topbar__workspace">{person.workspace_name}</span>
            <span class="topbar__person">{person.display_name}" · "{person.role}</span>
            <form method="post" action="/auth/logout">
                <button type="submit" class="button button--quiet">"Sign out"</button>
            </form>
        </header>
        <main class="page">
            <FlashMessage flash=dashboard.flash/>
            <HealthSign channels=facts rendered_at=clock.rendered_at clock_offset=clock.offset/>
            <section aria-labelledby="channels-heading">
                <h2 id="channels-heading">"Channels"</h2>
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
                                .map(|channel| view! { <ChannelItem channel clock/> })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }}
            </section>
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

#[component]
fn ChannelItem(channel: ChannelCard, clock: Clock) -> impl IntoView {
    view! {
        <li class="channel" data-testid="channel">
            <div class="channel__identity">
                <p class="channel__network">{channel.network_name}" · "{channel.kind}</p>
                <h3 class="channel__name">{channel.name}</h3>
                <p class="channel__handle">{channel.handle}</p>
            </div>
            <ChannelStatus facts=channel.facts rendered_at=clock.rendered_at clock_offset=clock.offset/>
            {channel
                .connected_by
                .map(|by| view! { <p class="channel__meta">"Connected by "{by}</p> })}
        </li>
    }
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
                    <select id="network" name="network" required>
                        {networks
                            .into_iter()
                            .map(|n| view! { <option value=n.id>{n.name}</option> })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="channel-name">"Name"</label>
                    <input id="channel-name" name="name" required maxlength="80"
                        placeholder="e.g. Brand account" aria-describedby="channel-name-hint"/>
                </div>
            </BusyForm>
            <p id="channel-name-hint" class="hint">
                "The name is for your team. You will be sent to the network to approve access, then back here."
            </p>
        </section>
    }
    .into_any()
}
