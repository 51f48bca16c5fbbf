//! Server-side plumbing shared by the server functions and the server's own form and OAuth
//! routes: the request context, session and flash cookies, and error mapping.

use crate::model::{Flash, FlashKind};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use cookie::time::Duration;
use cookie::CookieBuilder;
use engine::accounts::SignedIn;
use engine::Engine;
use leptos::prelude::*;

/// The session cookie's name over http; over https it is [`SECURE_SESSION_COOKIE`].
pub const SESSION_COOKIE: &str = "tether_session";
/// `__Host-`: the browser keeps it only if it is `Secure`, for `/` and this host alone.
pub const SECURE_SESSION_COOKIE: &str = "__Host-tether_session";
pub const FLASH_COOKIE: &str = "tether_flash";

/// What every request handler can reach: the engine and how cookies must be set.
#[derive(Clone, Debug)]
pub struct AppContext {
    pub engine: Engine,
    /// True when Tether is served over https, so cookies carry `Secure`.
    pub secure_cookies: bool,
    /// Each workspace's channel list as the dashboard last read it.
    pub sheets: std::sync::Arc<crate::listing::Sheets>,
}

impl AppContext {
    pub fn session_cookie(&self, token: &str) -> Cookie<'static> {
        let lifetime = self.engine.session_policy().lifetime;
        self.cookie(self.session_cookie_name(), token.to_owned())
            .max_age(Duration::seconds(lifetime.num_seconds()))
            .build()
    }

    pub fn session_cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            SECURE_SESSION_COOKIE
        } else {
            SESSION_COOKIE
        }
    }

    /// The session token these cookies carry, if any.
    pub fn session_token<'a>(&self, jar: &'a CookieJar) -> Option<&'a str> {
        jar.get(self.session_cookie_name())
            .map(|cookie| cookie.value())
    }

    pub fn flash_cookie(&self, kind: FlashKind, text: &str) -> Cookie<'static> {
        self.refusal_cookie(kind, text, Vec::new())
    }

    /// A flash that also carries back what was typed into a refused form (never a
    /// password), so the page can fill it in again.
    pub fn refusal_cookie(
        &self,
        kind: FlashKind,
        text: &str,
        typed: Vec<(String, String)>,
    ) -> Cookie<'static> {
        let json = serde_json::to_vec(&Flash {
            kind,
            text: text.to_owned(),
            typed,
        })
        .expect("a flash serialises");
        let value = URL_SAFE_NO_PAD.encode(json);
        let tag = self.engine.sign(value.as_bytes());
        self.cookie(FLASH_COOKIE, format!("{value}.{tag}"))
            .max_age(Duration::minutes(5))
            .build()
    }

    /// Carries a secret just created (an API key, an invite link), encrypted, to the page
    /// that shows it once; `name` is one of the `NEW_*_COOKIE`s.
    pub fn reveal_once_cookie(
        &self,
        name: &'static str,
        secret: &engine::crypto::Secret,
    ) -> Cookie<'static> {
        let value = self.engine.seal_for_browser(secret, name);
        self.cookie(name, value)
            .max_age(Duration::minutes(5))
            .build()
    }

    /// Binds the consent started from an invite link to this browser. It holds the link's
    /// token, encrypted, so a failed consent can lead back to the invite page.
    pub fn invite_cookie(&self, invite_token: &str) -> Cookie<'static> {
        let value = self
            .engine
            .seal_for_browser(&engine::crypto::Secret::new(invite_token), INVITE_COOKIE);
        self.cookie(INVITE_COOKIE, value)
            .max_age(Duration::seconds(
                engine::channels::HANDSHAKE_LIFETIME.num_seconds(),
            ))
            .build()
    }

    /// The invite token inside an invite cookie, if Tether sealed it.
    pub fn invite_token(&self, cookie_value: &str) -> Option<String> {
        self.engine
            .open_from_browser(cookie_value, INVITE_COOKIE)
            .map(|token| token.expose().to_owned())
    }

    /// Remembers, for one handshake, the view of the list a reconnect was started from.
    pub fn return_cookie(&self, list: &str) -> Cookie<'static> {
        self.cookie(RETURN_COOKIE, list.to_owned())
            .max_age(Duration::seconds(
                engine::channels::HANDSHAKE_LIFETIME.num_seconds(),
            ))
            .build()
    }

    /// A cookie that deletes `name` in the browser.
    pub fn removal(&self, name: &'static str) -> Cookie<'static> {
        let mut cookie = self.cookie(name, String::new()).build();
        cookie.make_removal();
        cookie
    }

    fn cookie(&self, name: &'static str, value: String) -> CookieBuilder<'static> {
        Cookie::build((name, value))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure_cookies)
    }

    /// The signed-in person behind these cookies, if any.
    pub async fn person(&self, jar: &CookieJar) -> Result<Option<SignedIn>, engine::Error> {
        match self.session_token(jar) {
            Some(token) => self.engine.signed_in(token).await,
            None => Ok(None),
        }
    }
}

/// Reads and clears the flash message, if one came with this request and Tether signed it
/// (so nobody else can put words on Tether's pages).
pub fn take_flash(ctx: &AppContext, jar: &CookieJar) -> Option<Flash> {
    let cookie = jar.get(FLASH_COOKIE)?;
    set_cookie(ctx.removal(FLASH_COOKIE));
    let (value, tag) = cookie.value().rsplit_once('.')?;
    if !ctx.engine.verify(value.as_bytes(), tag) {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(value).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Adds a `Set-Cookie` header to the response of the current server function or page.
pub fn set_cookie(cookie: Cookie<'static>) {
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(&cookie.to_string()),
    ) {
        response.append_header(http::header::SET_COOKIE, value);
    }
}

/// The context and cookies of the request a server function is answering.
pub fn request() -> Result<(AppContext, CookieJar), ServerFnError> {
    let ctx = use_context::<AppContext>()
        .ok_or_else(|| ServerFnError::new("Tether's server context is missing."))?;
    let parts = use_context::<http::request::Parts>()
        .ok_or_else(|| ServerFnError::new("The request is missing."))?;
    Ok((ctx, CookieJar::from_headers(&parts.headers)))
}

/// The signed-in person, or a redirect to the sign-in page.
pub async fn require_person(ctx: &AppContext, jar: &CookieJar) -> Result<SignedIn, ServerFnError> {
    match ctx.person(jar).await.map_err(public_error)? {
        Some(person) => Ok(person),
        None => {
            // Signing in comes back to the page that was asked for.
            let asked = use_context::<http::request::Parts>()
                .and_then(|parts| parts.uri.path_and_query().map(|pq| pq.as_str().to_owned()));
            let to = match asked.as_deref().and_then(local_path) {
                Some(path) if path != "/" && !path.starts_with("/api/") => format!(
                    "/login?{}",
                    url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("next", path)
                        .finish()
                ),
                _ => "/login".to_owned(),
            };
            leptos_axum::redirect(&to);
            // A browser's navigation is sent on with a 302; code calling a server function
            // is told it must sign in, with the sign-in page in `Location`.
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                let redirected = response.0.read().is_ok_and(|parts| parts.status.is_some());
                if !redirected {
                    response.set_status(http::StatusCode::UNAUTHORIZED);
                }
            }
            Err(ServerFnError::new(
                engine::Error::Unauthenticated.to_string(),
            ))
        }
    }
}

/// `raw` if it is a path on this site to send a person back to; anything else (another
/// site, `//host`, control characters) is refused, so a link cannot send anyone away.
pub fn local_path(raw: &str) -> Option<&str> {
    let local = raw.starts_with('/')
        && !raw.starts_with("//")
        && !raw.contains('\\')
        && raw.len() <= 500
        && !raw.chars().any(char::is_control);
    local.then_some(raw)
}

/// Turns an engine error into what the browser may see, with the HTTP status that names
/// it; internal causes are logged here.
pub fn public_error(error: engine::Error) -> ServerFnError {
    if error.is_internal() {
        tracing::error!(detail = %error.log_detail(), "request failed");
    }
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status_of(&error));
    }
    ServerFnError::new(error.to_string())
}

fn status_of(error: &engine::Error) -> http::StatusCode {
    use engine::error::ConnectError;
    use engine::invites::InviteRefused;
    use engine::Error as E;
    use http::StatusCode as S;
    match error {
        E::Unauthenticated | E::BadCredentials => S::UNAUTHORIZED,
        E::Forbidden | E::SetUpLinkRefused => S::FORBIDDEN,
        E::TooManyAttempts { .. } => S::TOO_MANY_REQUESTS,
        E::NotFound | E::Invite(InviteRefused::Unknown) => S::NOT_FOUND,
        E::Connect(ConnectError::PickExpired) | E::Invite(_) => S::GONE,
        E::NetworkUnavailable { .. } | E::Misconfigured { .. } => S::SERVICE_UNAVAILABLE,
        error if error.is_internal() => S::INTERNAL_SERVER_ERROR,
        _ => S::UNPROCESSABLE_ENTITY,
    }
}

/// The page's Content-Security-Policy: scripts only from Tether itself or inline with this
/// response's nonce (the hydration scripts carry it), WebAssembly compiled, nothing framed,
/// no plugins, no `<base>` tricks. Avatars come from the networks' image hosts, over https.
pub fn content_security_policy() {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' https: data:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// "2 API keys and 1 webhook", or `None` when both are zero.
pub fn keys_and_webhooks(keys: u64, webhooks: u64) -> Option<String> {
    let counted = |n: u64, one: &str| match n {
        0 => None,
        1 => Some(format!("1 {one}")),
        n => Some(format!("{n} {one}s")),
    };
    match (counted(keys, "API key"), counted(webhooks, "webhook")) {
        (Some(k), Some(w)) => Some(format!("{k} and {w}")),
        (one, other) => one.or(other),
    }
}

/// A time as people read it on a page rendered by the server.
pub fn when(at: i64) -> String {
    engine::clock::utc_words(at)
}

/// An event of the log in words: what happened, and the detail that matters.
pub fn event_words(kind: &str, detail: &serde_json::Value) -> (String, String) {
    let text = |key: &str| detail.get(key).and_then(|v| v.as_str()).unwrap_or_default();
    let reason = || {
        engine::networks::DeadReason::parse(text("reason"))
            .map(|r| r.words().to_owned())
            .unwrap_or_default()
    };
    let after_refused_check = || match text("after_refused_check") {
        "" => String::new(),
        refusal => format!(" Asked because the network refused a check ({refusal})."),
    };
    let trouble = || match text("class") {
        "dead" => format!("{}{}", reason(), after_refused_check()),
        "rate_limited" => "The network is rate-limiting; Tether waits for its reset.".to_owned(),
        "missing_permission" => "A permission was withdrawn at the network.".to_owned(),
        "unclear" => format!(
            "The network refused ({}) without saying whether access is lost; Tether asks again.",
            text("refusal")
        ),
        _ => "The network did not answer; Tether retries with backoff.".to_owned(),
    };
    let list = |key: &str| {
        detail
            .get(key)
            .and_then(|v| v.as_array())
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    match kind {
        "connected" => ("Connected".into(), text("handle").into()),
        "imported" => (
            "Imported".into(),
            format!("{}: a token obtained outside Tether", text("handle")),
        ),
        "reauthorized" => ("Reauthorized".into(), text("handle").into()),
        "handed_over" => (
            "Handed over to another account".into(),
            format!("{} → {}", text("previous_handle"), text("handle")),
        ),
        "moved_in" => ("Moved here from another workspace".into(), String::new()),
        "moved_out" => ("Moved to another workspace".into(), String::new()),
        "unlinked" => ("Unlinked".into(), String::new()),
        "renamed" => (
            "Renamed".into(),
            format!("“{}” → “{}”", text("from"), text("to")),
        ),
        "profile_privacy" => (
            "Profile privacy".into(),
            match detail.get("private").and_then(|v| v.as_bool()) {
                Some(true) => "Said to be private: its consent ends after a fixed period".into(),
                _ => "Said to be public: its consent has no fixed end".into(),
            },
        ),
        "deleted" => ("Deleted".into(), text("reason").into()),
        "refreshed" => match text("after_refused_check") {
            "" => ("Renewed".into(), String::new()),
            refusal => (
                "Renewed".into(),
                format!(
                    "The network refused a check ({refusal}); this renewal confirmed that access still works."
                ),
            ),
        },
        "refresh_failed" if detail.get("gave_up") == Some(&serde_json::Value::Bool(true)) => (
            "Renewal given up".into(),
            "Renewals kept failing for this channel alone; a person must reconnect.".into(),
        ),
        "refresh_failed" => ("Renewal failed".into(), trouble()),
        "check_failed" => ("Check failed".into(), trouble()),
        "lapsed" => ("Lapsed at its deadline".into(), reason()),
        "reconnect_failed" => ("Reconnect failed".into(), text("reason").into()),
        "permissions_changed" => (
            "Permissions changed".into(),
            [
                ("granted", list("granted")),
                ("withdrawn", list("withdrawn")),
            ]
            .into_iter()
            .filter(|(_, l)| !l.is_empty())
            .map(|(what, l)| format!("{what}: {l}"))
            .collect::<Vec<_>>()
            .join("; "),
        ),
        other => (other.replace('_', " "), String::new()),
    }
}

pub const NEW_KEY_COOKIE: &str = "tether_new_key";
pub const NEW_INVITE_COOKIE: &str = "tether_new_invite";
pub const NEW_CALENDAR_COOKIE: &str = "tether_new_calendar";
pub const NEW_WEBHOOK_COOKIE: &str = "tether_new_webhook";
pub const NEW_WELCOME_COOKIE: &str = "tether_new_welcome";
pub const INVITE_COOKIE: &str = "tether_invite";
/// The view of the channel list a reconnect was started from, to come back to.
pub const RETURN_COOKIE: &str = "tether_return";

/// The secret just created, once: the cookie that carried it is removed as it is read.
pub fn take_revealed(ctx: &AppContext, jar: &CookieJar, name: &'static str) -> Option<String> {
    let value = jar.get(name)?.value().to_owned();
    set_cookie(ctx.removal(name));
    ctx.engine
        .open_from_browser(&value, name)
        .map(|secret| secret.expose().to_owned())
}
