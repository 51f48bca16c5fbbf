//! The person's own account: their workspaces (owners create more, one per client, and
//! rename or delete the one they act in), invitations to join other workspaces, a new
//! password (which ends every other sign-in), and a way to end every sign-in at once, say
//! after using a shared computer.

use super::{LoadError, Loading};
use crate::api::load_account;
use crate::components::{BusyForm, DangerForm, FlashMessage};
use crate::model::AccountPage;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AccountPage() -> impl IntoView {
    let page = Resource::new(|| (), |_| load_account());
    view! {
        <Title text="Your account · Tether"/>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <AccountView page/> }.into_any(),
                    Err(e) => view! { <LoadError error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AccountView(page: AccountPage) -> impl IntoView {
    view! {
        <main id="main" class="page">
            <p><a href="/">"← Back to the dashboard"</a></p>
            <h1>"Your account"</h1>
            <p class="lede">{format!("{} · {}", page.display_name, page.email)}</p>
            <FlashMessage flash=page.flash/>
            {(!page.offers.is_empty()).then(|| view! {
                <section aria-labelledby="offers-heading">
                    <h2 id="offers-heading">"Invitations to join a workspace"</h2>
                    <ul class="keys" role="list">
                        {page.offers.into_iter().map(|offer| {
                            let id = offer.workspace_id;
                            view! {
                                <li class="key" data-testid="offer">
                                    <p><strong>{offer.workspace_name.clone()}</strong></p>
                                    <p class="hint">{offer.details}</p>
                                    <div class="channel__actions">
                                        <BusyForm action=format!("/account/offers/{id}/accept") class="inline"
                                            label=format!("Join {}", offer.workspace_name) busy_label="Joining…">""</BusyForm>
                                        <BusyForm action=format!("/account/offers/{id}/decline") class="inline"
                                            label=format!("Decline {}", offer.workspace_name) busy_label="Declining…">""</BusyForm>
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
            })}
            <Workspaces workspaces=page.workspaces current=page.workspace_name
                may_manage=page.may_manage_workspace/>
            <section aria-labelledby="password-heading">
                <h2 id="password-heading">"Change your password"</h2>
                <BusyForm action="/account/password" class="card form"
                    label="Change password" busy_label="Changing…">
                    <label for="current-password">"Current password"</label>
                    <input id="current-password" name="current_password" type="password" required
                        autocomplete="current-password"/>
                    <label for="new-password">"New password"</label>
                    <input id="new-password" name="new_password" type="password" required minlength="12"
                        autocomplete="new-password" aria-describedby="new-password-hint"/>
                    <p class="hint" id="new-password-hint">
                        "At least 12 characters, and not a common password. Every other browser signed in as you is signed out."
                    </p>
                </BusyForm>
            </section>
            <section aria-labelledby="sessions-heading">
                <h2 id="sessions-heading">"Where you are signed in"</h2>
                <p>{page.session_limits}</p>
                <form method="post" action="/auth/logout-everywhere" class="card form">
                    <p class="hint">"Ends every sign-in as you, this one included, on every device."</p>
                    <button type="submit" class="button">"Sign out everywhere"</button>
                </form>
            </section>
        </main>
    }
    .into_any()
}

/// The person's workspaces, and for owners the forms that create, rename and delete them.
#[component]
fn Workspaces(
    workspaces: Vec<(String, String, bool)>,
    current: String,
    may_manage: bool,
) -> impl IntoView {
    let rename_label = format!("Rename “{current}”");
    let (delete_summary, delete_label) = (
        format!("Delete “{current}”…"),
        format!("Delete “{current}”"),
    );
    view! {
        <section aria-labelledby="workspaces-heading">
            <h2 id="workspaces-heading">"Your workspaces"</h2>
            <ul class="keys" role="list">
                {workspaces
                    .into_iter()
                    .map(|(name, role, acting)| view! {
                        <li class="key" data-testid="workspace">
                            <p>
                                <strong>{name}</strong>
                                {format!(" · {role}")}
                                {acting.then_some(" · the one you act in now")}
                            </p>
                        </li>
                    })
                    .collect_view()}
            </ul>
            {may_manage.then(|| view! {
                <BusyForm action="/workspaces" class="card form" label="Create workspace" busy_label="Creating…">
                    <label for="new-workspace">"A new workspace, for example one per client"</label>
                    <input id="new-workspace" name="name" required maxlength="80" aria-describedby="new-workspace-hint"/>
                    <p class="hint" id="new-workspace-hint">
                        "It starts empty, with you as its owner, and you act in it at once. Its members, channels, invites, reminder days, webhooks and API keys are its own."
                    </p>
                </BusyForm>
                <BusyForm action="/settings/workspace/rename" class="card form" label="Rename workspace" busy_label="Renaming…">
                    <label for="workspace-name">{rename_label}</label>
                    <input id="workspace-name" name="name" required maxlength="80" value=current/>
                </BusyForm>
                <DangerForm summary=delete_summary
                    warning="Deleting ends every member's access to this workspace, with its invites, webhooks and API keys. Tether refuses while it holds channels (delete them first, so each is revoked at its network) or when it is your only workspace."
                    action="/settings/workspace/delete" label=delete_label busy_label="Deleting…"/>
            })}
        </section>
    }
    .into_any()
}
