//! Sign in, and the first visit's set-up of the owner account and workspace.

use super::{LoadError, Loading};
use crate::api::load_entry;
use crate::components::{on_submit_pending, FlashMessage, SubmitButton};
use crate::model::Entry;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SignInPage() -> impl IntoView {
    let pending = RwSignal::new(false);
    view! {
        <EntryLayout entry=Entry::SignIn title="Sign in · Tether">
            <form class="card form" method="post" action="/auth/login" on:submit=on_submit_pending(pending)>
                <h2>"Sign in"</h2>
                <label for="email">"Email"</label>
                <input id="email" name="email" type="email" required autocomplete="username"/>
                <label for="password">"Password"</label>
                <input id="password" name="password" type="password" required autocomplete="current-password"/>
                <SubmitButton label="Sign in" busy_label="Signing in…" pending=pending.read_only()/>
            </form>
        </EntryLayout>
    }
}

#[component]
pub fn SetUpPage() -> impl IntoView {
    let pending = RwSignal::new(false);
    view! {
        <EntryLayout entry=Entry::SetUp title="Set up · Tether">
            <p class="lede">
                "Welcome. Create the owner account and your workspace; you can invite the rest of your team later."
            </p>
            <form class="card form" method="post" action="/auth/setup" on:submit=on_submit_pending(pending)>
                <h2>"Set up Tether"</h2>
                <label for="display_name">"Your name"</label>
                <input id="display_name" name="display_name" required maxlength="80" autocomplete="name"/>
                <label for="email">"Email"</label>
                <input id="email" name="email" type="email" required autocomplete="username"/>
                <label for="password">"Password"</label>
                <input id="password" name="password" type="password" required minlength="10"
                    autocomplete="new-password" aria-describedby="password-hint"/>
                <p id="password-hint" class="hint">"At least 10 characters."</p>
                <label for="workspace_name">"Workspace name"</label>
                <input id="workspace_name" name="workspace_name" required maxlength="80" autocomplete="organization"/>
                <SubmitButton label="Create account" busy_label="Creating…" pending=pending.read_only()/>
            </form>
        </EntryLayout>
    }
}

/// The frame both entry pages share: the server decides whether the visitor belongs here
/// (redirecting otherwise) and hands over the flash message. One instance for both pages
/// keeps the WASM small.
#[component]
fn EntryLayout(entry: Entry, title: &'static str, children: ChildrenFn) -> impl IntoView {
    let page = Resource::new(|| (), move |_| load_entry(entry));
    view! {
        <Title text=title/>
        <Suspense fallback=Loading>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match page.await {
                        Err(e) => view! { <LoadError message=e.to_string()/> }.into_any(),
                        Ok(page) => view! {
                            <main class="narrow">
                                <h1 class="brand">"Tether"</h1>
                                <FlashMessage flash=page.flash/>
                                {children()}
                            </main>
                        }
                            .into_any(),
                    }
                })
            }}
        </Suspense>
    }
}
