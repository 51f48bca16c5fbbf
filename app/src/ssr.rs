//! Server-side plumbing shared by the server functions and the server's own form and OAuth
//! routes: the request context, session and flash cookies, and error mapping.

use crate::model::{Flash, FlashKind};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use cookie::time::Duration;
use cookie::CookieBuilder;
use engine::accounts::{SignedIn, SESSION_LIFETIME};
use engine::Engine;
use leptos::prelude::*;

pub const SESSION_COOKIE: &str = "tether_session";
pub const FLASH_COOKIE: &str = "tether_flash";

/// What every request handler can reach: the engine and how cookies must be set.
#[derive(Clone, Debug)]
pub struct AppContext {
    pub engine: Engine,
    /// True when Tether is served over https, so cookies carry `Secure`.
    pub secure_cookies: bool,
}

impl AppContext {
    pub fn session_cookie(&self, token: &str) -> Cookie<'static> {
        self.cookie(SESSION_COOKIE, token.to_owned())
            .max_age(Duration::seconds(SESSION_LIFETIME.num_seconds()))
            .build()
    }

    pub fn flash_cookie(&self, kind: FlashKind, text: &str) -> Cookie<'static> {
        let json = serde_json::to_vec(&Flash {
            kind,
            text: text.to_owned(),
        })
        .expect("a flash serialises");
        let value = URL_SAFE_NO_PAD.encode(json);
        let tag = self.engine.sign(value.as_bytes());
        self.cookie(FLASH_COOKIE, format!("{value}.{tag}"))
            .max_age(Duration::minutes(5))
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
        match jar.get(SESSION_COOKIE) {
            Some(cookie) => self.engine.signed_in(cookie.value()).await,
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
            leptos_axum::redirect("/login");
            Err(ServerFnError::new(
                engine::Error::Unauthenticated.to_string(),
            ))
        }
    }
}

/// Turns an engine error into what the browser may see; internal causes are logged here.
pub fn public_error(error: engine::Error) -> ServerFnError {
    if error.is_internal() {
        tracing::error!(detail = %error.log_detail(), "request failed");
    }
    ServerFnError::new(error.to_string())
}
