//! Webhooks: where Tether POSTs every notification event of the workspace, signed, as JSON
//! or for Slack; with each one's delivery log.

use super::{LoadError, Loading};
use crate::api::load_webhooks;
use crate::components::{BusyForm, CopyButton, DangerForm, FlashMessage};
use crate::model::{WebhookLine, WebhooksPage};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let page = Resource::new(|| (), |_| load_webhooks());
    view! {
        <Title text="Webhooks · Tether"/>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <WebhooksView page/> }.into_any(),
                    Err(e) => view! { <LoadError error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn WebhooksView(page: WebhooksPage) -> impl IntoView {
    view! {
        <main id="main" class="page">
            <p><a href="/">"← Back to the dashboard"</a></p>
            <h1>"Webhooks"</h1>
            <p class="lede">
                "Tether POSTs every notification of this workspace — deadlines coming near, channels down, invites used — to these addresses. Each request carries X-Tether-Timestamp and X-Tether-Signature: sha256= the hex HMAC-SHA256 of “timestamp.body” keyed with the whole secret, whsec_ included. "
                {format!("Failed deliveries are retried with growing pauses for {}, then given up.", page.retried_for)}
            </p>
            <FlashMessage flash=page.flash/>
            {page.new_secret.map(|secret| view! {
                <section class="card card--reveal" aria-labelledby="secret-heading" data-testid="new-webhook">
                    <h2 id="secret-heading">"The webhook's signing secret"</h2>
                    <p>"Copy it now into the receiving service: Tether cannot show it again."</p>
                    <label for="webhook-secret">"Signing secret"</label>
                    <input id="webhook-secret" class="secret" readonly value=secret/>
            <CopyButton field="webhook-secret" label="Copy the signing secret"/>
                </section>
            })}
            <section class="card" aria-labelledby="add-webhook-heading">
                <h2 id="add-webhook-heading">"Add a webhook"</h2>
                <BusyForm action="/settings/webhooks" class="form" label="Add webhook" busy_label="Adding…">
                    <label for="webhook-url">"Address"</label>
                    <input id="webhook-url" name="url" type="url" required maxlength="2000"
                        placeholder="https://hooks.example.com/tether"/>
                    <fieldset>
                        <legend>"Format"</legend>
                        <label><input type="radio" name="format" value="json" checked/>" JSON event"</label>
                        <label><input type="radio" name="format" value="slack"/>" Slack incoming webhook"</label>
                    </fieldset>
                </BusyForm>
            </section>
            {if page.hooks.is_empty() {
                view! { <p class="empty">"No webhooks yet."</p> }.into_any()
            } else {
                page.hooks.into_iter().map(|hook| view! { <HookCard hook/> }).collect_view().into_any()
            }}
        </main>
    }
    .into_any()
}

#[component]
fn HookCard(hook: WebhookLine) -> impl IntoView {
    let id = hook.id;
    let heading = format!("webhook-{id}");
    let labelled_by = heading.clone();
    view! {
        <section class="card" aria-labelledby=labelled_by data-testid="webhook">
            <h2 id=heading><code>{hook.url.clone()}</code></h2>
            <p class="hint">
                {format!("{} · added {}", hook.format, hook.created)}
                {hook.revoked.clone().map(|at| format!(" · ✕ removed {at}"))}
            </p>
            {hook.revoked.is_none().then(|| view! {
                <div class="channel__actions">
                    <BusyForm action=format!("/settings/webhooks/{id}/test") class="inline"
                        label="Send a test event" busy_label="Queuing…">
                        ""
                    </BusyForm>
                    <DangerForm summary="Remove…" warning="Nothing more is sent to this address, not even the deliveries still waiting." action=format!("/settings/webhooks/{id}/revoke")
                            label="Remove this webhook" busy_label="Removing…"/>
                </div>
            })}
            <h3>"Deliveries"</h3>
            {if hook.deliveries.is_empty() {
                view! { <p class="empty">"Nothing sent yet."</p> }.into_any()
            } else {
                view! {
                    <table class="table" data-testid="deliveries">
                        <thead><tr><th scope="col">"Event"</th><th scope="col">"Queued"</th><th scope="col">"Outcome"</th></tr></thead>
                        <tbody>
                            {hook
                                .deliveries
                                .into_iter()
                                .map(|d| {
                                    let icon = match d.state.as_str() {
                                        "delivered" => "✓ ",
                                        "given up" => "✕ ",
                                        _ => "↻ ",
                                    };
                                    view! {
                                        <tr>
                                            <td><code>{d.event}</code></td>
                                            <td>{d.queued}</td>
                                            <td><span aria-hidden="true">{icon}</span>{d.outcome}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                    .into_any()
            }}
        </section>
    }
    .into_any()
}
