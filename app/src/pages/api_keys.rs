//! API keys: create one (shown once), see when each was last used, revoke.

use super::{LoadError, Loading};
use crate::api::load_api_keys;
use crate::components::{BusyForm, CopyButton, FlashMessage};
use crate::model::{ApiKeyLine, ApiKeysPage};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let page = Resource::new(|| (), |_| load_api_keys());
    view! {
        <Title text="API keys · Tether"/>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <KeysView page/> }.into_any(),
                    Err(e) => view! { <LoadError error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn KeysView(page: ApiKeysPage) -> impl IntoView {
    view! {
        <main id="main" class="page">
            <p><a href="/">"← Back to the dashboard"</a></p>
            <h1>"API keys"</h1>
            <p class="lede">
                "A key lets another service read this workspace's channels and fetch fresh access tokens, so it never keeps tokens of its own. Treat it like a password."
            </p>
            <FlashMessage flash=page.flash/>
            {page.new_key.map(|key| view! { <NewKey key/> })}
            <section class="card" aria-labelledby="create-heading">
                <h2 id="create-heading">"Create a key"</h2>
                <BusyForm action="/settings/api-keys" class="form"
                    label="Create key" busy_label="Creating…">
                    <label for="key-name">"Name"</label>
                    <input id="key-name" name="name" required maxlength="80"
                        placeholder="e.g. Publishing service"/>
                    <label for="key-may">"It may"</label>
                    <select id="key-may" name="may">
                        <option value="tokens" selected>"read channels and hand out their tokens"</option>
                        <option value="read">"only read channels (states, deadlines)"</option>
                    </select>
                    <label for="key-expires">"It stops working"</label>
                    <select id="key-expires" name="expires_in_days">
                        <option value="">"never (revoke it by hand)"</option>
                        <option value="30">"in 30 days"</option>
                        <option value="90" selected>"in 90 days"</option>
                        <option value="365">"in a year"</option>
                    </select>
                    <label for="key-channels">"Channels"</label>
                    <select id="key-channels" name="channel" multiple aria-describedby="key-channels-hint">
                        {page.channels.into_iter().map(|(id, name)| view! {
                            <option value=id.to_string()>{name}</option>
                        }).collect_view()}
                    </select>
                    <p class="hint" id="key-channels-hint">"Choose none for every channel, now and later."</p>
                </BusyForm>
            </section>
            <KeyList keys=page.keys/>
        </main>
    }
    .into_any()
}

#[component]
fn NewKey(key: String) -> impl IntoView {
    view! {
        <section class="card card--reveal" aria-labelledby="new-key-heading" data-testid="new-key">
            <h2 id="new-key-heading">"Your new key"</h2>
            <p>"Copy it now: Tether keeps only a hash and cannot show it again."</p>
            <label for="new-key">"API key"</label>
            <input id="new-key" class="secret" readonly value=key.clone()/>
            <CopyButton field="new-key" label="Copy the API key"/>
            <p class="hint">"Use it as a bearer token, for example:"</p>
            <pre class="code">{format!("curl -X POST -H 'Authorization: Bearer {key}' \\\n  <tether>/api/v1/channels/<id>/token")}</pre>
            <p class="hint"><a href="/api/v1/openapi.json">"The API described (OpenAPI)"</a></p>
        </section>
    }
    .into_any()
}

#[component]
fn KeyList(keys: Vec<ApiKeyLine>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="keys-heading">
            <h2 id="keys-heading">"Keys"</h2>
            {if keys.is_empty() {
                view! { <p class="empty">"No keys yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="keys" role="list">
                        {keys
                            .into_iter()
                            .map(|key| {
                                let id = key.id;
                                view! {
                                    <li class="key" data-testid="api-key">
                                        <p><strong>{key.name.clone()}</strong>" "<code>{key.shown}</code></p>
                                        <p class="hint">{format!("Created {} · Last used: {}", key.created, key.last_used)}</p>
                                        <p class="hint">{key.terms}</p>
                                        {match key.revoked {
                                            Some(at) => view! { <p class="key__revoked">{format!("✕ Revoked {at}")}</p> }.into_any(),
                                            None => view! {
                                                <BusyForm action=format!("/settings/api-keys/{id}/revoke") class="inline"
                                                    label=format!("Revoke “{}”", key.name) busy_label="Revoking…">
                                                    ""
                                                </BusyForm>
                                            }
                                                .into_any(),
                                        }}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
    }
    .into_any()
}
