//! A forgotten password: ask for a link by mail, then choose a new password through it.

use super::{LoadError, Loading};
use crate::api::load_reset;
use crate::components::{BusyForm, FlashMessage};
use crate::model::ResetPage;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let params = use_params_map();
    let page = Resource::new(
        move || params.read().get("token").unwrap_or_default(),
        load_reset,
    );
    view! {
        <Title text="Choose a new password · Tether"/>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <ResetView page/> }.into_any(),
                    Err(e) => view! { <LoadError error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ResetView(page: ResetPage) -> impl IntoView {
    match page.email {
        Ok(email) => view! {
            <main id="main" class="narrow">
                <p class="brand">"Tether"</p>
                <h1>"Choose a new password"</h1>
                <p class="lede">{format!("For {email}. Every other sign-in as you ends.")}</p>
                <FlashMessage flash=page.flash/>
                <BusyForm action=format!("/reset/{}", page.token) class="card form"
                    label="Set password and sign in" busy_label="Signing in…">
                    <label for="password">"New password"</label>
                    <input id="password" name="password" type="password" required minlength="12"
                        autocomplete="new-password" aria-describedby="password-hint"/>
                    <p class="hint" id="password-hint">"At least 12 characters, and not a common password."</p>
                </BusyForm>
            </main>
        }
        .into_any(),
        Err(refused) => view! {
            <main id="main" class="narrow">
                <p class="brand">"Tether"</p>
                <h1>"This link can't be used"</h1>
                <div class="flash flash--error" role="alert">
                    <span class="flash__icon" aria-hidden="true">"!"</span>
                    <span>{refused}</span>
                </div>
                <p><a href="/login/forgot">"Ask for a new link"</a>" or "<a href="/login">"sign in"</a>"."</p>
            </main>
        }
        .into_any(),
    }
}
