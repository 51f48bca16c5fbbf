//! HTTP routes outside the Leptos pages: plain form posts (so forms work before the WASM
//! loads), the OAuth callback, health, the sandbox networks, and the security middleware.

mod api;
mod api_keys;
mod auth;
mod invites;
mod lifecycle;
mod members;
mod notifications;
mod oauth;
mod sandbox;
mod server_fn_errors;
mod throttle;
mod webhooks;
mod workspaces;

use app::model::FlashKind;
use app::ssr::AppContext;
use app::{shell, App};
use axum::body::Body;
use axum::extract::{FromRef, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::CookieJar;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use url::Url;

#[derive(Clone)]
pub struct ServerState {
    leptos_options: LeptosOptions,
    ctx: AppContext,
}

impl FromRef<ServerState> for LeptosOptions {
    fn from_ref(state: &ServerState) -> Self {
        state.leptos_options.clone()
    }
}

impl FromRef<ServerState> for AppContext {
    fn from_ref(state: &ServerState) -> Self {
        state.ctx.clone()
    }
}

pub fn router(
    ctx: AppContext,
    leptos_options: LeptosOptions,
    sandbox: Option<crate::SandboxRoutes>,
    public_url: &Url,
    settings: &crate::config::Settings,
) -> Router {
    let behind_proxy = settings.behind_proxy;
    let metrics = api::MetricsAccess::new(settings.metrics_token.clone());
    let routes = page_routes();
    let ctx_for_guard = ctx.clone();
    let state = ServerState {
        leptos_options: leptos_options.clone(),
        ctx: ctx.clone(),
    };
    let password_forms = Router::new()
        .route("/auth/setup", post(auth::set_up))
        .route("/auth/login", post(auth::sign_in))
        .route("/welcome/{token}", post(members::welcome))
        .route("/account/password", post(auth::change_password))
        // Each sends a mail or hashes a password: both are limited per address.
        .route("/auth/forgot", post(auth::forgot_password))
        .route("/reset/{token}", post(auth::reset_password))
        .route_layer(throttle::per_address(behind_proxy));
    let costly_actions = Router::new()
        .route("/channels/{id}/refresh", post(lifecycle::refresh_now))
        .route("/channels/{id}/check", post(lifecycle::check_now))
        .route("/settings/members", post(members::add))
        .route("/settings/invites", post(invites::create))
        .route("/invite/{token}/consent", post(invites::consent))
        .route("/settings/webhooks/{id}/test", post(webhooks::test))
        .route_layer(throttle::per_person(behind_proxy));
    let mut router = Router::new()
        .merge(password_forms)
        .merge(costly_actions)
        .route(
            "/account/offers/{workspace_id}/{answer}",
            post(members::answer_offer),
        )
        .route("/healthz", get(healthz))
        .route("/api/v1/networks", get(api::networks))
        .route("/api/v1/openapi.json", get(api::openapi))
        .route("/api/v1/channels", get(api::list_channels))
        .route("/api/v1/channels/{id}", get(api::get_channel))
        .route("/api/v1/channels/{id}/token", post(api::fresh_token))
        .route(
            "/metrics",
            get(move |state, headers| api::metrics(state, headers, metrics.clone())),
        )
        .route("/settings/api-keys", post(api_keys::create))
        .route("/settings/api-keys/{id}/revoke", post(api_keys::revoke))
        .route("/settings/members/{id}/role", post(members::change_role))
        .route("/settings/members/{id}/remove", post(members::remove))
        .route("/settings/invites/{id}/revoke", post(invites::revoke))
        .route("/notifications/read", post(notifications::mark_read))
        .route(
            "/notifications/preferences",
            post(notifications::preferences),
        )
        .route("/settings/reminders", post(notifications::reminder_days))
        .route(
            "/notifications/calendar",
            post(notifications::create_calendar),
        )
        .route(
            "/notifications/calendar/revoke",
            post(notifications::revoke_calendar),
        )
        .route("/calendar/{file}", get(notifications::calendar_feed))
        .route("/settings/webhooks", post(webhooks::create))
        .route("/settings/webhooks/{id}/revoke", post(webhooks::revoke))
        .route("/channels/{id}/followers", post(notifications::follow))
        .route("/channels/bulk", post(notifications::follow_many))
        .route(
            "/channels/{id}/followers/{user_id}/remove",
            post(notifications::unfollow),
        )
        .route("/auth/logout", post(auth::sign_out))
        .route("/auth/logout-everywhere", post(auth::sign_out_everywhere))
        .route("/workspace/switch", post(auth::switch_workspace))
        .route("/workspaces", post(workspaces::create))
        .route("/settings/workspace/rename", post(workspaces::rename))
        .route("/settings/workspace/delete", post(workspaces::delete))
        .route("/channels/connect", post(oauth::connect))
        .route("/oauth/callback/{network}", get(oauth::callback))
        .route("/channels/pick", post(oauth::pick))
        .route("/channels/{id}/reauthorize", post(oauth::reauthorize))
        .route("/channels/{id}/rename", post(oauth::rename))
        .route("/channels/{id}/privacy", post(oauth::privacy))
        .route("/channels/{id}/unlink", post(oauth::unlink))
        .route("/channels/{id}/delete", post(oauth::delete))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(ctx.clone()),
            move || shell(leptos_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<ServerState, _>(shell))
        .with_state(state);
    if let Some(sandbox) = sandbox {
        let controls = sandbox.control.layer(middleware::from_fn_with_state(
            ctx_for_guard,
            sandbox::guard,
        ));
        router = router.merge(sandbox.network).merge(controls);
    }
    let public_origin = public_url.origin().ascii_serialization();
    let router = router
        .layer(middleware::from_fn(no_store_but_assets))
        .layer(middleware::from_fn(
            server_fn_errors::client_mistakes_are_4xx,
        ))
        .layer(middleware::from_fn_with_state(
            public_origin,
            same_origin_posts,
        ));
    // Browsers that reached Tether over https keep to it for a year.
    let router = if public_url.scheme() == "https" {
        router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ))
    } else {
        router
    };
    router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        // Spans name the matched route, never the path or query: links carry their secret
        // in the path (`/invite/{token}`), OAuth redirects their code and state in the query.
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<Body>| {
                let route = request
                    .extensions()
                    .get::<axum::extract::MatchedPath>()
                    .map_or("(no route)", |matched| matched.as_str());
                tracing::info_span!("request", method = %request.method(), route)
            }),
        )
}

/// The first value of `name` in a form read as pairs (where a name may repeat).
fn first_field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// Records an error for the next page, logging internal causes.
fn error_flash(ctx: &AppContext, jar: CookieJar, error: &engine::Error) -> CookieJar {
    refused_form(ctx, jar, error, Vec::new())
}

/// The refusal's flash, carrying back what was typed so the form can be filled in again.
fn refused_form(
    ctx: &AppContext,
    jar: CookieJar,
    error: &engine::Error,
    typed: Vec<(String, String)>,
) -> CookieJar {
    if error.is_internal() {
        tracing::error!(detail = %error.log_detail(), "request failed");
    }
    jar.add(ctx.refusal_cookie(FlashKind::Error, &error.to_string(), typed))
}

/// The fields of a form worth typing again, as they came; passwords are never among them.
fn typed(
    form: &std::collections::HashMap<String, String>,
    names: &[&str],
) -> Vec<(String, String)> {
    names
        .iter()
        .filter_map(|name| {
            let value = form.get(*name)?;
            // A cookie holds about 4 KB; a refused form never needs more than this back.
            (value.len() <= 300).then(|| ((*name).to_owned(), value.clone()))
        })
        .collect()
}

async fn healthz(State(ctx): State<AppContext>) -> Response {
    if ctx.engine.db().is_reachable().await {
        (StatusCode::OK, "ok").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
    }
}

/// Refuses state-changing requests sent by another site's page. Browsers send `Origin` on
/// every POST; together with SameSite=Lax cookies this closes cross-site request forgery.
async fn same_origin_posts(
    State(public_origin): State<String>,
    request: Request,
    next: Next,
) -> Response {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    match origin {
        Some(origin)
            if request.method() != Method::GET
                && request.method() != Method::HEAD
                && origin != public_origin =>
        {
            (
                StatusCode::FORBIDDEN,
                format!(
                    "This form was sent from {origin}, but Tether runs at {public_origin}. \
                 Open Tether at {public_origin} (or set TETHER_PUBLIC_URL to the address you use)."
                ),
            )
                .into_response()
        }
        _ => next.run(request).await,
    }
}

/// Every page and answer is the signed-in person's and may show a secret once (an API key,
/// an invite link): none is kept by a browser or a proxy. Only the built assets, served by
/// the fallback with no route of their own, may be cached.
async fn no_store_but_assets(request: Request, next: Next) -> Response {
    let routed = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .is_some();
    let mut response = next.run(request).await;
    if routed {
        response
            .headers_mut()
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
    response
}

/// A token or id as a URL path segment: the engine refuses anything not base64url, and the
/// redirect must not break either.
fn url_segment(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// The app's pages, listed once per process. Listing them renders the app with resource
/// loading switched off for the whole process (leptos_router's `SuppressResourceLoad`); a
/// page another server in this process renders meanwhile would wait forever
/// (leptos-rs/leptos#4773). Tests start many servers in one process.
fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}
