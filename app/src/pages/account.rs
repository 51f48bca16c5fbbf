//! The person's own account: invitations to join other workspaces, a new password (which ends every other sign-in), and a way to
//! end every sign-in at once, say after using a shared computer.

use super::{LoadError, Loading};
use crate::api::load_account;
use crate::components::{BusyForm, FlashMessage};
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
}
