//! A welcome link: the person an admin added chooses their password, then lands signed in.

use super::{LoadError, Loading};
use crate::api::load_welcome;
use crate::components::{BusyForm, FlashMessage};
use crate::model::WelcomePage;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn WelcomePage() -> impl IntoView {
    let params = use_params_map();
    let page = Resource::new(
        move || params.read().get("token").unwrap_or_default(),
        load_welcome,
    );
    view! {
        <Title text="Welcome · Tether"/>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <WelcomeView page/> }.into_any(),
                    Err(e) => view! { <LoadError error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn WelcomeView(page: WelcomePage) -> impl IntoView {
    match page.welcome {
        Ok((name, email, workspace, added_by)) => view! {
            <main id="main" class="narrow">
                <p class="brand">"Tether"</p>
                <h1>{format!("Welcome, {name}")}</h1>
                <p class="lede">
                    {format!(
                        "{} added you to “{workspace}”. Choose a password to sign in as {email}.",
                        added_by.unwrap_or_else(|| "A member".into())
                    )}
                </p>
                <FlashMessage flash=page.flash/>
                <BusyForm action=format!("/welcome/{}", page.token) class="card form"
                    label="Choose password and sign in" busy_label="Signing in…">
                    <label for="password">"Password"</label>
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
                <p>"If you already chose your password, "<a href="/login">"sign in"</a>"."</p>
            </main>
        }
        .into_any(),
    }
}
