//! Tether's user interface, rendered on the server and hydrated in the browser.

pub mod api;
pub mod components;
#[cfg(feature = "ssr")]
pub mod listing;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod status;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The HTML document around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    ssr::content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="stylesheet" href="/pkg/tether.css"/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <ClockBanner/>
        <Router>
            // Async: pages are sent whole, so they work with JavaScript off and redirects
            // decided by server functions reach the response headers.
            <Routes fallback=pages::NotFound>
                <Route path=path!("/") view=pages::DashboardPage ssr=SsrMode::Async/>
                <Route path=path!("/login") view=pages::SignInPage ssr=SsrMode::Async/>
                <Route path=path!("/login/forgot") view=pages::ForgotPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/reset/:token") view=pages::ResetPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/setup") view=pages::SetUpPage ssr=SsrMode::Async/>
                <Route path=path!("/setup/:link") view=pages::SetUpPage ssr=SsrMode::Async/>
                <Route path=path!("/channels/pick/:pending") view=pages::PickPage ssr=SsrMode::Async/>
                <Route path=path!("/channels/:id") view=pages::ChannelDetailPage ssr=SsrMode::Async/>
                <Route path=path!("/settings/api-keys") view=pages::ApiKeysPage ssr=SsrMode::Async/>
                <Route path=path!("/settings/members") view=pages::MembersPage ssr=SsrMode::Async/>
                <Route path=path!("/settings/invites") view=pages::InvitesPage ssr=SsrMode::Async/>
                <Route path=path!("/settings/outbox") view=pages::OutboxPage ssr=SsrMode::Async/>
                <Route path=path!("/account") view=pages::AccountPage ssr=SsrMode::Async/>
                <Route path=path!("/notifications") view=pages::NotificationsPage ssr=SsrMode::Async/>
                <Route path=path!("/settings/webhooks") view=pages::WebhooksPage ssr=SsrMode::Async/>
                <Route path=path!("/welcome/:token") view=pages::WelcomePage ssr=SsrMode::Async/>
                <Route path=path!("/invite/:token") view=pages::InviteLinkPage ssr=SsrMode::Async/>
                <Route path=path!("/invited") view=pages::InviteDonePage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}

/// Said plainly on every page while the sandbox has moved the instance's clock.
#[component]
fn ClockBanner() -> impl IntoView {
    #[cfg(feature = "ssr")]
    let offset = use_context::<ssr::AppContext>()
        .map(|ctx| ctx.engine.clock().offset().num_seconds())
        .unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    let offset = 0i64;
    (offset != 0).then(|| {
        let days = offset / 86_400;
        let hours = (offset % 86_400) / 3600;
        view! {
            <aside class="clock-banner" aria-label="Sandbox clock" data-testid="clock-banner">
                <span aria-hidden="true">"◷ "</span>
                {format!(
                    "Sandbox clock moved forward by {days} days {hours} h: every time Tether shows is simulated. A sandbox control page puts it back."
                )}
            </aside>
        }
    })
}
