//! Rate limits (tower_governor): per client address on the forms that check a password,
//! per signed-in person on the actions that call a network or send mail. A burst of
//! guesses or clicks is answered 429 before it costs memory, mail or a network's quota.

use app::ssr::{SECURE_SESSION_COOKIE, SESSION_COOKIE};
use axum::body::Body;
use axum::http::{header, HeaderValue, Request, Response, StatusCode};
use axum_extra::extract::CookieJar;
use governor::clock::{DefaultClock, QuantaInstant};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::RateLimiter;
use std::net::IpAddr;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tower_governor::governor::{GovernorConfig, GovernorConfigBuilder};
use tower_governor::key_extractor::{KeyExtractor, PeerIpKeyExtractor, SmartIpKeyExtractor};
use tower_governor::{GovernorError, GovernorLayer};

/// Password forms: ten at once from one address, then one every six seconds.
const PASSWORD_BURST: u32 = 10;
const PASSWORD_PERIOD: Duration = Duration::from_secs(6);
/// Network calls and mail: ten at once from one person, then one every two seconds.
const ACTION_BURST: u32 = 10;
const ACTION_PERIOD: Duration = Duration::from_secs(2);

/// The client's address: the peer's, or the one a trusted reverse proxy names.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddress {
    pub behind_proxy: bool,
}

impl KeyExtractor for ClientAddress {
    type Key = IpAddr;

    fn extract<T>(&self, request: &Request<T>) -> Result<IpAddr, GovernorError> {
        if self.behind_proxy {
            SmartIpKeyExtractor.extract(request)
        } else {
            PeerIpKeyExtractor.extract(request)
        }
    }
}

/// A signed-in person by their session; anyone else (an invite's account holder) by address.
#[derive(Clone, Copy, Debug)]
pub struct Person {
    address: ClientAddress,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub enum PersonKey {
    Session(String),
    Address(IpAddr),
}

impl KeyExtractor for Person {
    type Key = PersonKey;

    fn extract<T>(&self, request: &Request<T>) -> Result<PersonKey, GovernorError> {
        let jar = CookieJar::from_headers(request.headers());
        match jar
            .get(SECURE_SESSION_COOKIE)
            .or_else(|| jar.get(SESSION_COOKIE))
        {
            Some(session) => Ok(PersonKey::Session(engine::crypto::token_hash(
                session.value(),
            ))),
            None => self.address.extract(request).map(PersonKey::Address),
        }
    }
}

pub fn per_address(behind_proxy: bool) -> GovernorLayer<ClientAddress, NoHeaders, Body> {
    layer(
        ClientAddress { behind_proxy },
        PASSWORD_BURST,
        PASSWORD_PERIOD,
    )
}

pub fn per_person(behind_proxy: bool) -> GovernorLayer<Person, NoHeaders, Body> {
    let address = ClientAddress { behind_proxy };
    layer(Person { address }, ACTION_BURST, ACTION_PERIOD)
}

type NoHeaders = NoOpMiddleware<QuantaInstant>;

fn layer<K>(key: K, burst: u32, period: Duration) -> GovernorLayer<K, NoHeaders, Body>
where
    K: KeyExtractor + Send + Sync + 'static,
    K::Key: Send + Sync + 'static,
{
    let config: GovernorConfig<K, NoHeaders> = GovernorConfigBuilder::default()
        .key_extractor(key)
        .period(period)
        .burst_size(burst)
        .finish()
        .expect("burst and period are not zero");
    forget_idle_keys(Arc::downgrade(config.limiter()));
    GovernorLayer::new(config).error_handler(refusal)
}

type Limiter<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, NoHeaders>;

/// Keys that have their full burst back take no memory; a limiter no router holds any more
/// (a stopped server) ends the task.
fn forget_idle_keys<K>(limiter: Weak<Limiter<K>>)
where
    K: std::hash::Hash + Eq + Clone + Send + Sync + 'static,
{
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        loop {
            every.tick().await;
            match limiter.upgrade() {
                Some(limiter) => limiter.retain_recent(),
                None => return,
            }
        }
    });
}

fn refusal(error: GovernorError) -> Response<Body> {
    let (status, wait, words) = match error {
        GovernorError::TooManyRequests { wait_time, .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            Some(wait_time.max(1)),
            format!(
                "Too many attempts in a short time. Nothing was done; try again in {} seconds.",
                wait_time.max(1)
            ),
        ),
        GovernorError::UnableToExtractKey | GovernorError::Other { .. } => (
            StatusCode::BAD_REQUEST,
            None,
            "Tether could not tell where this request came from, so it was not served.".into(),
        ),
    };
    tracing::info!(status = status.as_u16(), "request refused by a rate limit");
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Slow down · Tether</title></head><body><main>\
         <h1>Slow down</h1><p role=\"alert\">{words}</p><p><a href=\"/\">Back to Tether</a></p>\
         </main></body></html>"
    );
    let mut response = Response::new(Body::from(page));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Some(wait) = wait {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(wait));
    }
    response
}
