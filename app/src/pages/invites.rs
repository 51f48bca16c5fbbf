//! Invite links. Admins create them (shown once, to copy or mail) and follow their state;
//! the person who opens one needs no account: they read who asks for what, go through the
//! network's consent and get a confirmation.

use super::{LoadError, Loading};
use crate::api::{load_invite, load_invite_done, load_invites};
use crate::components::{BusyForm, CopyButton, DangerForm, FlashMessage};
use crate::model::{FlashKind, InviteDetails, InviteLine, InvitePage, InvitesPage};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn InvitesPage() -> impl IntoView {
    let page = Resource::new(|| (), |_| load_invites());
    view! {
        <Title text="Invites · Tether"/>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <InvitesView page/> }.into_any(),
                    Err(e) => view! { <LoadError error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn InvitesView(page: InvitesPage) -> impl IntoView {
    view! {
        <main id="main" class="page">
            <p><a href="/">"← Back to the dashboard"</a></p>
            <h1>"Invites"</h1>
            <p class="lede">
                "An invite link lets a creator, a page admin or an agency connect a channel to this workspace without an account here. Each link works once."
            </p>
            <FlashMessage flash=page.flash/>
            {page.new_link.map(|link| view! { <NewLink link/> })}
            <CreateInvite
                networks=page.networks
                channels=page.channels
                default_days=page.default_days
                max_days=page.max_days
            />
            <InviteList invites=page.invites/>
        </main>
    }
    .into_any()
}

#[component]
fn NewLink(link: String) -> impl IntoView {
    view! {
        <section class="card card--reveal" aria-labelledby="new-link-heading" data-testid="new-invite">
            <h2 id="new-link-heading">"Your invite link"</h2>
            <p>"Copy it now and send it to the person who holds the account: Tether keeps only a hash and cannot show it again."</p>
            <label for="new-link">"Invite link"</label>
            <input id="new-link" class="secret" readonly value=link/>
            <CopyButton field="new-link" label="Copy the invite link"/>
        </section>
    }
    .into_any()
}

#[component]
fn CreateInvite(
    networks: Vec<crate::model::InviteNetwork>,
    channels: Vec<(i64, String)>,
    default_days: i64,
    max_days: i64,
) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="create-invite-heading">
            <h2 id="create-invite-heading">"Create an invite"</h2>
            <BusyForm action="/settings/invites" class="form" label="Create invite" busy_label="Creating…">
                <label for="invite-target">"What the invite is for"</label>
                <select id="invite-target" name="target" required>
                    {networks
                        .into_iter()
                        .map(|network| {
                            let group = format!("A new {} channel", network.name);
                            view! {
                                <optgroup label=group>
                                    {network
                                        .kinds
                                        .into_iter()
                                        .map(|(kind, label)| {
                                            let value = format!("new:{}:{kind}", network.id);
                                            view! { <option value=value>{format!("{} · {label}", network.name)}</option> }
                                        })
                                        .collect_view()}
                                </optgroup>
                            }
                        })
                        .collect_view()}
                    {(!channels.is_empty())
                        .then(|| {
                            view! {
                                <optgroup label="Reconnect a channel">
                                    {channels
                                        .into_iter()
                                        .map(|(id, label)| {
                                            view! { <option value=format!("channel:{id}")>{format!("Reconnect {label}")}</option> }
                                        })
                                        .collect_view()}
                                </optgroup>
                            }
                        })}
                </select>
                <label for="invite-name">"Channel name (for a new channel)"</label>
                <input id="invite-name" name="name" maxlength="80" placeholder="e.g. Lena's Instagram"/>
                <label for="invite-account">"Expected account (optional)"</label>
                <input id="invite-account" name="expected_account" maxlength="100"
                    aria-describedby="invite-account-hint" placeholder="@handle or id"/>
                <p class="hint" id="invite-account-hint">"When set, a consent given as any other account is refused."</p>
                <fieldset>
                    <legend>"Permissions"</legend>
                    <label><input type="radio" name="access" value="metrics" checked/>" Read-only metrics (cannot post)"</label>
                    <label><input type="radio" name="access" value="publishing"/>" Publishing"</label>
                </fieldset>
                <label for="invite-days">{format!("Expires after (days, 1–{max_days})")}</label>
                <input id="invite-days" name="expires_in_days" type="number" min="1" max=max_days.to_string()
                    value=default_days.to_string() required/>
                <label for="invite-message">"Message (optional)"</label>
                <textarea id="invite-message" name="message" maxlength="1000" rows="3"
                    placeholder="Why you ask, in a sentence or two"></textarea>
                <label for="invite-recipient">"Send to (optional email; leave empty to copy the link)"</label>
                <input id="invite-recipient" name="recipient" type="email" maxlength="254"/>
            </BusyForm>
        </section>
    }
    .into_any()
}

#[component]
fn InviteList(invites: Vec<InviteLine>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="invites-heading">
            <h2 id="invites-heading">"Sent invites"</h2>
            {if invites.is_empty() {
                view! { <p class="empty">"No invites yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="keys" role="list">
                        {invites.into_iter().map(|invite| view! { <InviteItem invite/> }).collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
    }
    .into_any()
}

#[component]
fn InviteItem(invite: InviteLine) -> impl IntoView {
    let (icon, words) = match invite.state.as_str() {
        "sent" => ("✉", "Sent"),
        "opened" => ("◔", "Opened"),
        "partial" => ("!", "Completed, missing permissions"),
        "completed" => ("✓", "Completed"),
        "expired" => ("⌛", "Expired"),
        _ => ("✕", "Withdrawn"),
    };
    let id = invite.id;
    view! {
        <li class="key" data-testid="invite" data-state=invite.state.clone()>
            <p>
                <span class=format!("badge badge--invite-{}", invite.state)>
                    <span aria-hidden="true">{icon}" "</span>{words}
                </span>
                " "<strong>{invite.summary.clone()}</strong>
            </p>
            <p class="hint">{invite.detail}</p>
            {invite
                .open
                .then(|| {
                    view! {
                        <DangerForm summary="Withdraw…" warning="The link stops working at once; anyone who opens it is told it was withdrawn." action=format!("/settings/invites/{id}/revoke")
                            label="Withdraw this invite" busy_label="Withdrawing…"/>
                    }
                })}
        </li>
    }
    .into_any()
}

/// What the person who opened an invite link sees first.
#[component]
pub fn InviteLinkPage() -> impl IntoView {
    let params = use_params_map();
    let page = Resource::new(
        move || params.read().get("token").unwrap_or_default(),
        load_invite,
    );
    view! {
        <Title text="Invitation · Tether"/>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <InviteLinkView page/> }.into_any(),
                    Err(e) => view! { <LoadError error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn InviteLinkView(page: InvitePage) -> impl IntoView {
    if let Some(done) = page.used {
        return view! {
            <main id="main" class="narrow" data-testid="invite-used">
                <p class="brand">"Tether"</p>
                <h1><span aria-hidden="true">"✓ "</span>"This link has done its job"</h1>
                <p>{done}</p>
            </main>
        }
        .into_any();
    }
    match page.invite {
        Ok(invite) => view! {
            <main id="main" class="narrow">
                <p class="brand">"Tether"</p>
                <FlashMessage flash=page.flash/>
                <InviteRequest invite token=page.token/>
            </main>
        }
        .into_any(),
        Err(refused) => view! {
            <main id="main" class="narrow">
                <p class="brand">"Tether"</p>
                <h1>"This link can't be used"</h1>
                <div class="flash flash--error" role="alert" data-testid="invite-refused">
                    <span class="flash__icon" aria-hidden="true">"!"</span>
                    <span>{refused}</span>
                </div>
                <p>"Nothing was connected and nothing about your account was shared."</p>
            </main>
        }
        .into_any(),
    }
}

#[component]
fn InviteRequest(invite: InviteDetails, token: String) -> impl IntoView {
    let who = invite
        .inviter
        .clone()
        .unwrap_or_else(|| "A member".to_owned());
    let verb = if invite.reconnect {
        "reconnect"
    } else {
        "connect"
    };
    let network = invite.network_name.clone();
    if !invite.missing.is_empty() {
        return view! { <InviteMissing invite token/> }.into_any();
    }
    view! {
        <h1>{format!("{who} asks you to {verb} your {network} account")}</h1>
        <section class="card" aria-labelledby="request-heading" data-testid="invite-request">
            <h2 id="request-heading">"What is asked"</h2>
            <dl class="facts">
                <dt>"Who asks"</dt>
                <dd>{format!("{who}, for the workspace “{}” on Tether", invite.workspace_name)}</dd>
                <dt>"Channel"</dt>
                <dd>{format!("“{}” · {} {}", invite.channel_name, network, invite.kind_label)}</dd>
                {invite
                    .expected_account
                    .clone()
                    .map(|account| {
                        view! {
                            <dt>"Account"</dt>
                            <dd>{format!("@{account} — consent as this account; any other is refused")}</dd>
                        }
                    })}
                <dt>"Link valid until"</dt>
                <dd>{invite.expires.clone()}</dd>
            </dl>
            {(!invite.message.is_empty())
                .then(|| {
                    view! {
                        <figure class="message">
                            <blockquote>{invite.message.clone()}</blockquote>
                            <figcaption>{format!("— {who}")}</figcaption>
                        </figure>
                    }
                })}
        </section>
        <section class="card" aria-labelledby="permissions-heading">
            <h2 id="permissions-heading">
                {if invite.publishing { "Permissions: publishing" } else { "Permissions: read-only" }}
            </h2>
            <p>
                {if invite.publishing {
                    "Tether will be able to read this account's statistics and to publish on it for the workspace."
                } else {
                    "Tether will be able to read this account's statistics. It cannot post, comment or change anything."
                }}
            </p>
            <ul>
                {invite.permissions.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
            </ul>
            <p class="hint">
                {format!(
                    "Tether keeps the access alive and reminds the workspace before it ends. To stop it later, remove Tether from the connected apps in your {network} settings, or ask {who} to unlink the channel."
                )}
            </p>
        </section>
        <BusyForm action=format!("/invite/{token}/consent") class="form"
            label=format!("Continue to {network}") busy_label=format!("Opening {network}…")>
            <p>{format!("{network} will ask you to sign in and to confirm. You can cancel there; nothing is stored until you agree.")}</p>
        </BusyForm>
    }
    .into_any()
}

/// After a consent without every permission asked for: what is missing, and a way to give
/// it while the link is still the account holder's.
#[component]
fn InviteMissing(invite: InviteDetails, token: String) -> impl IntoView {
    let network = invite.network_name.clone();
    let handle = invite.connected_handle.clone().unwrap_or_default();
    view! {
        <h1><span aria-hidden="true">"! "</span>"Connected, but not with everything asked for"</h1>
        <section class="card" aria-labelledby="missing-heading" data-testid="invite-missing">
            <h2 id="missing-heading">"Permissions not given"</h2>
            <p>{format!(
                "{handle} is connected to “{}” as the channel “{}”, but {network} did not give Tether these permissions, so part of what the workspace asked for will not work:",
                invite.workspace_name, invite.channel_name
            )}</p>
            <ul>{invite.missing.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
            <p class="hint">{format!("This link stays yours for them until {}.", invite.expires)}</p>
        </section>
        <BusyForm action=format!("/invite/{token}/consent") class="form"
            label="Grant the missing permissions" busy_label=format!("Opening {network}…")>
            <p>{format!("{network} will ask you to confirm again; tick every permission this time.")}</p>
        </BusyForm>
    }
    .into_any()
}

/// The confirmation after the consent went through.
#[component]
pub fn InviteDonePage() -> impl IntoView {
    let page = Resource::new(|| (), |_| load_invite_done());
    view! {
        <Title text="Connected · Tether"/>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Some(flash)) if flash.kind == FlashKind::Success => view! {
                        <main id="main" class="narrow" data-testid="invite-done">
                            <p class="brand">"Tether"</p>
                            <h1><span aria-hidden="true">"✓ "</span>"You're connected"</h1>
                            {flash.text.lines().map(|line| view! { <p>{line.to_owned()}</p> }).collect_view()}
                            <p>"You can close this page."</p>
                        </main>
                    }
                        .into_any(),
                    Ok(_) => view! {
                        <main id="main" class="narrow">
                            <p class="brand">"Tether"</p>
                            <h1>"Nothing to confirm here"</h1>
                            <p>"This page confirms a connection right after it is made. If you followed an invite, open the link again to see where it stands."</p>
                        </main>
                    }
                        .into_any(),
                    Err(e) => view! { <LoadError error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
