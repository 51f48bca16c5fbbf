//! The pages. Forms post to plain server routes, so they work before the WASM has loaded.

mod api_keys;
mod channel;
mod dashboard;
mod entry;
mod invites;
mod members;
mod notifications;
mod outbox;
mod picker;
mod webhooks;
mod welcome;

pub use api_keys::ApiKeysPage;
pub use channel::ChannelDetailPage;
pub use dashboard::DashboardPage;
pub use entry::{SetUpPage, SignInPage};
pub use invites::{InviteDonePage, InviteLinkPage, InvitesPage};
pub use members::MembersPage;
pub use notifications::NotificationsPage;
pub use outbox::OutboxPage;
pub use picker::PickPage;
pub use webhooks::WebhooksPage;
pub use welcome::WelcomePage;

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found · Tether"/>
        <main class="narrow">
            <h1>"This page does not exist"</h1>
            <p><a href="/">"Go to the dashboard"</a></p>
        </main>
    }
}

/// Shown while a page's data is on its way (client-side navigation only: the server sends
/// pages whole).
#[component]
fn Loading() -> impl IntoView {
    view! {
        <p class="loading" role="status">
            <span class="spinner" aria-hidden="true"></span>
            "Loading…"
        </p>
    }
}

/// Shown when a page's data could not be loaded.
#[component]
fn LoadError(message: String) -> impl IntoView {
    view! {
        <main class="narrow">
            <div class="flash flash--error" role="alert">
                <span class="flash__icon" aria-hidden="true">"!"</span>
                <span>{message}</span>
            </div>
        </main>
    }
}

/// 12400 → "12,400".
pub(crate) fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn follower_counts_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(12_400), "12,400");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
