//! The pages. Forms post to plain server routes, so they work before the WASM has loaded.

mod account;
mod api_keys;
mod channel;
mod dashboard;
mod entry;
mod invites;
mod members;
mod notifications;
mod outbox;
mod picker;
mod reset;
mod webhooks;
mod welcome;

pub use account::AccountPage;
pub use api_keys::ApiKeysPage;
pub use channel::ChannelDetailPage;
pub use dashboard::DashboardPage;
pub use entry::{ForgotPasswordPage, SetUpPage, SignInPage};
pub use invites::{InviteDonePage, InviteLinkPage, InvitesPage};
pub use members::MembersPage;
pub use notifications::NotificationsPage;
pub use outbox::OutboxPage;
pub use picker::PickPage;
pub use reset::ResetPasswordPage;
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
        <main id="main" class="narrow">
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

/// Shown when a page's data could not be loaded: a page of its own, with the status the
/// server set for the refusal (403, 404, 410…), a heading that names it, the refusal's
/// words and a way back.
#[component]
fn LoadError(error: ServerFnError) -> impl IntoView {
    let message = match error {
        ServerFnError::ServerError(message) => message,
        other => other.to_string(),
    };
    #[cfg(feature = "ssr")]
    let status = use_context::<leptos_axum::ResponseOptions>()
        .and_then(|response| response.0.read().ok().and_then(|parts| parts.status))
        .map(|status| status.as_u16());
    #[cfg(not(feature = "ssr"))]
    let status: Option<u16> = None;
    let heading = match status {
        Some(401) => "Please sign in",
        Some(403) => "Not for your role",
        Some(404) => "Not found",
        Some(410) => "No longer available",
        Some(503) => "A network is not answering",
        Some(400..=499) => "That did not work",
        _ => "Something went wrong",
    };
    view! {
        <Title text=format!("{heading} · Tether")/>
        <header class="topbar">
            <a class="brand" href="/">"Tether"</a>
        </header>
        <main id="main" class="narrow">
            <h1>{heading}</h1>
            <div class="flash flash--error" role="alert">
                <span class="flash__icon" aria-hidden="true">"!"</span>
                <span>{message}</span>
            </div>
            <p><a href="/">"← Back to the dashboard"</a></p>
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
