//! Members: who is in the workspace, with which role; change a role or remove someone.

use super::{LoadError, Loading};
use crate::api::load_members;
use crate::components::{BusyForm, CopyButton, DangerForm, FlashMessage};
use crate::model::{MemberLine, MembersPage};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MembersPage() -> impl IntoView {
    let page = Resource::new(|| (), |_| load_members());
    view! {
        <Title text="Members · Tether"/>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <MembersView page/> }.into_any(),
                    Err(e) => view! { <LoadError error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn MembersView(page: MembersPage) -> impl IntoView {
    let grantable = page.grantable;
    let addable = grantable.clone();
    view! {
        <main id="main" class="page">
            <p><a href="/">"← Back to the dashboard"</a></p>
            <h1>"Members"</h1>
            <p class="lede">
                "Viewers watch; editors keep channels connected; owners and admins also delete and transfer channels, invite people, manage members and API keys. Only an owner changes an owner."
            </p>
            <FlashMessage flash=page.flash/>
            {page.new_welcome_link.map(|link| view! {
                <section class="card card--reveal" aria-labelledby="welcome-heading" data-testid="new-welcome">
                    <h2 id="welcome-heading">"Their welcome link"</h2>
                    <p>"It was mailed to them; if the mail does not arrive, send it yourself. It works once, for 7 days, and is not shown again."</p>
                    <label for="welcome-link">"Welcome link"</label>
                    <input id="welcome-link" class="secret" readonly value=link/>
            <CopyButton field="welcome-link" label="Copy the welcome link"/>
                </section>
            })}
            <section class="card" aria-labelledby="add-member-heading">
                <h2 id="add-member-heading">"Add a member"</h2>
                <BusyForm action="/settings/members" class="form" label="Add member" busy_label="Adding…">
                    <label for="member-name">"Name"</label>
                    <input id="member-name" name="display_name" required maxlength="80" autocomplete="off"/>
                    <label for="member-email">"Email"</label>
                    <input id="member-email" name="email" type="email" required maxlength="254" autocomplete="off"/>
                    <label for="member-role">"Role"</label>
                    <select id="member-role" name="role">
                        {addable
                            .into_iter()
                            .map(|role| {
                                let selected = role == "editor";
                                let label = role.clone();
                                view! { <option value=role selected=selected>{label}</option> }
                            })
                            .collect_view()}
                    </select>
                    <p class="hint">"Someone new gets a link to choose their password; someone with an account joins at once. Both get a mail."</p>
                </BusyForm>
            </section>
            <section class="card" aria-labelledby="members-heading">
                <h2 id="members-heading">"People in this workspace"</h2>
                <ul class="keys" role="list">
                    {page
                        .members
                        .into_iter()
                        .map(|member| view! { <MemberItem member grantable=grantable.clone()/> })
                        .collect_view()}
                </ul>
            </section>
        </main>
    }
    .into_any()
}

#[component]
fn MemberItem(member: MemberLine, grantable: Vec<String>) -> impl IntoView {
    let id = member.user_id;
    let select_id = format!("role-{id}");
    view! {
        <li class="key" data-testid="member">
            <p><strong>{member.name.clone()}</strong>" "<span class="hint">{member.email}</span></p>
            <p class="hint">{format!("Role: {} · member since {}", member.role, member.since)}</p>
            {match member.locked {
                Some(why) => view! { <p class="hint">{why}</p> }.into_any(),
                None => view! {
                    <BusyForm action=format!("/settings/members/{id}/role") class="form form--inline"
                        label=format!("Change {}'s role", member.name) busy_label="Changing…">
                        <div class="field">
                            <label for=select_id.clone()>"New role"</label>
                            <select id=select_id name="role">
                                {grantable
                                    .into_iter()
                                    .map(|role| {
                                        let selected = role == member.role;
                                        view! { <option value=role.clone() selected=selected>{role.clone()}</option> }
                                    })
                                    .collect_view()}
                            </select>
                        </div>
                    </BusyForm>
                    <DangerForm summary="Remove…" warning=format!("{} stops reaching this workspace at once. Channels they connected stay; name someone else to be told about them.", member.name) action=format!("/settings/members/{id}/remove")
                            label=format!("Remove {}", member.name) busy_label="Removing…">
                        {member.created_access.map(|what| {
                            let check_id = format!("revoke-theirs-{id}");
                            view! {
                                <div class="choice">
                                    <input type="checkbox" id=check_id.clone() name="revoke_theirs" value="yes" checked/>
                                    <label for=check_id>{format!("Also revoke the {what} they created: services using them stop at once")}</label>
                                </div>
                            }
                        })}
                    </DangerForm>
                }
                    .into_any(),
            }}
        </li>
    }
    .into_any()
}
