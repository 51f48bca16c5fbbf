//! API keys: create one (shown once), see when each was last used, revoke.

use super::{LoadError, Loading};
use crate::api::load_api_keys;
use crate::components::{BusyForm, FlashMessage};
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
                <BusyForm action="/settings/api-keys" class="form form--inline"
                    label="Create key" busy_label="Creating…">
                    <div class="field">
                        <label for="key-name">"Name"</label>
                        <input id="key-name" name="name" required maxlength="80"
                            placeholder="e.g. Publishing service"/>
                    </div>
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
