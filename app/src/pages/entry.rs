//! Sign in (and a forgotten password), and the first visit's set-up of the owner account
//! and workspace.

use super::{LoadError, Loading};
use crate::api::load_entry;
use crate::components::{BusyForm, FlashMessage};
use crate::model::{Entry, Flash};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SignInPage() -> impl IntoView {
    view! {
        <EntryLayout entry=Entry::SignIn title="Sign in · Tether">
            <BusyForm action="/auth/login" class="card form"
                label="Sign in" busy_label="Signing in…">
                <h2>"Sign in"</h2>
                <input type="hidden" name="next" value=back_to()/>
                <label for="email">"Email"</label>
                <input id="email" name="email" type="email" required autocomplete="username"
                    value=refill("email")/>
                <label for="password">"Password"</label>
                <input id="password" name="password" type="password" required autocomplete="current-password"/>
            </BusyForm>
            <p><a href="/login/forgot">"Forgot your password?"</a></p>
        </EntryLayout>
    }
}

/// Asks for a link to choose a new password; says the same whether or not an account uses
/// the address.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    view! {
        <EntryLayout entry=Entry::SignIn title="Forgot your password · Tether">
            <BusyForm action="/auth/forgot" class="card form"
                label="Mail me a link" busy_label="Sending…">
                <h2>"Forgot your password?"</h2>
                <p class="hint" id="forgot-hint">"Tether mails a link to choose a new one. It works once, for 30 minutes."</p>
                <label for="email">"Email"</label>
                <input id="email" name="email" type="email" required autocomplete="username"
                    aria-describedby="forgot-hint" value=refill("email")/>
            </BusyForm>
            <p><a href="/login">"Back to sign in"</a></p>
        </EntryLayout>
    }
}

#[component]
pub fn SetUpPage() -> impl IntoView {
    view! {
        <EntryLayout entry=Entry::SetUp title="Set up · Tether">
            <SetUpForm/>
        </EntryLayout>
    }
}

/// The owner's form when the page was opened through a set-up link from the log; without
/// one, where to find it.
#[component]
fn SetUpForm() -> impl IntoView {
    let link = setup_link();
    let valid = use_context::<SetUpLinkValid>().is_some_and(|SetUpLinkValid(valid)| valid);
    match link {
        Some(link) if valid => view! {
            <p class="lede">
                "Welcome. Create the owner account and your workspace; you can invite the rest of your team later."
            </p>
            <BusyForm action="/auth/setup" class="card form"
                label="Create account" busy_label="Creating…">
                <h2>"Set up Tether"</h2>
                <input type="hidden" name="setup_link" value=link/>
                <label for="display_name">"Your name"</label>
                <input id="display_name" name="display_name" required maxlength="80" autocomplete="name"
                    value=refill("display_name")/>
                <label for="email">"Email"</label>
                <input id="email" name="email" type="email" required autocomplete="username"
                    value=refill("email")/>
                <label for="password">"Password"</label>
                <input id="password" name="password" type="password" required minlength="12"
                    autocomplete="new-password" aria-describedby="password-hint"/>
                <p id="password-hint" class="hint">"At least 12 characters, and not a common password."</p>
                <label for="workspace_name">"Workspace name"</label>
                <input id="workspace_name" name="workspace_name" required maxlength="80" autocomplete="organization"
                    value=refill("workspace_name")/>
            </BusyForm>
        }
        .into_any(),
        other => view! {
            <section class="card">
                <h2>"Set up Tether"</h2>
                <p>
                    {if other.is_some() {
                        "This set-up link is not valid (it may be from before someone set Tether up). "
                    } else {
                        "Tether is not set up yet. "
                    }}
                    "Only whoever runs Tether can set it up: open the set-up link it wrote to its log when it started (the line "
                    <q>"Tether is not set up yet: open … to create the owner account"</q>
                    "). Restarting Tether writes a new one."
                </p>
            </section>
        }
        .into_any(),
    }
}

/// The set-up link in the address, when there is one.
fn setup_link() -> Option<String> {
    leptos_router::hooks::use_params_map().with_untracked(|params| params.get("link"))
}

/// The frame both entry pages share: the server decides whether the visitor belongs here
/// (redirecting otherwise) and hands over the flash message. One instance for both pages
/// keeps the WASM small.
#[component]
fn EntryLayout(entry: Entry, title: &'static str, children: ChildrenFn) -> impl IntoView {
    let link = setup_link();
    let page = Resource::new(|| (), move |_| load_entry(entry, link.clone()));
    view! {
        <Title text=title/>
        <Suspense fallback=Loading>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match page.await {
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                        Ok(page) => {
                            provide_context(Refill(page.flash.clone()));
                            provide_context(SetUpLinkValid(page.setup_link_valid));
                            view! {
                            <main id="main" class="narrow">
                                <h1 class="brand">"Tether"</h1>
                                <FlashMessage flash=page.flash/>
                                {children()}
                            </main>
                            }
                            .into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}

/// Whether the set-up page's link may set Tether up, as the server found.
#[derive(Clone, Copy)]
struct SetUpLinkValid(bool);

/// What was typed into the entry form before the server refused it (never a password).
#[derive(Clone)]
struct Refill(Option<Flash>);

fn refill(name: &str) -> String {
    use_context::<Refill>()
        .and_then(|Refill(flash)| Flash::typed(&flash, name))
        .unwrap_or_default()
}

/// The page to come back to after signing in: from the address, or from a refused try.
fn back_to() -> String {
    let asked = leptos_router::hooks::use_query_map().with_untracked(|query| query.get("next"));
    asked.unwrap_or_else(|| refill("next"))
}
