//! The thin REST API under `/api/v1`: the workspace's channels with their state, and fresh
//! access tokens for other services, authenticated by a workspace API key
//! (`Authorization: Bearer tether_…`). Described at `/api/v1/openapi.json`.

use app::model::ChannelCard;
use app::ssr::AppContext;
use app::status::{state, status, State as ChannelState};
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRef, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use engine::api_keys::KeyHolder;
use engine::channels::ChannelRecord;
use engine::networks::NetworkSummary;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tether API",
        description = "Channels of a workspace and fresh access tokens for them. Every request \
                       except the network list carries a workspace API key as a bearer token."
    ),
    paths(list_channels, get_channel, fresh_token, networks),
    components(schemas(ApiChannel, ApiToken, ApiError)),
    modifiers(&BearerKey),
    tags((name = "channels", description = "Channels and their tokens"))
)]
pub struct ApiDoc;

struct BearerKey;

impl Modify for BearerKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "api_key",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
    }
}

pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// A channel as the API shows it: facts and state, never a token.
#[derive(Serialize, ToSchema)]
pub struct ApiChannel {
    id: i64,
    network: String,
    kind: String,
    name: String,
    handle: String,
    /// `metrics` (read-only) or `publishing`.
    access: String,
    /// connected, expiring_soon, missing_permissions, needs_reauth, expired,
    /// network_outage, unconfirmed or unlinked.
    state: String,
    /// The state in words, with what to do.
    reason: String,
    /// True when only a person can make the channel work again.
    needs_person: bool,
    /// Unix seconds; absent when the token does not expire on its own.
    access_expires_at: Option<i64>,
    /// Unix seconds: the network's fixed consent deadline, which no refresh moves.
    reconsent_deadline: Option<i64>,
    /// Unix seconds: the next renewal attempt while renewals are failing.
    retry_at: Option<i64>,
    /// Permissions the channel needs but was not granted, in words.
    missing_permissions: Vec<String>,
}

/// A fresh access token.
#[derive(Serialize, ToSchema)]
pub struct ApiToken {
    channel_id: i64,
    network: String,
    access_token: String,
    /// Always `Bearer`.
    token_type: &'static str,
    /// Unix seconds; absent when the token does not expire on its own.
    expires_at: Option<i64>,
}

/// Every error: a stable code and a sentence for people.
#[derive(Serialize, ToSchema)]
pub struct ApiError {
    /// unauthenticated, forbidden, not_found, needs_person, network_unavailable,
    /// configuration_error (the network refused Tether's app credentials: an operator must
    /// fix them), invalid or internal.
    error: &'static str,
    message: String,
}

/// An engine error as the API answers it; internal causes are logged, never sent.
pub struct ApiFailure(engine::Error);

impl From<engine::Error> for ApiFailure {
    fn from(error: engine::Error) -> Self {
        Self(error)
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        use engine::Error as E;
        let (status, code) = match &self.0 {
            E::Unauthenticated | E::BadCredentials | E::ApiKeyExpired { .. } => {
                (StatusCode::UNAUTHORIZED, "unauthenticated")
            }
            E::Forbidden | E::ApiKeyReadOnly => (StatusCode::FORBIDDEN, "forbidden"),
            E::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            E::NeedsPerson(_) => (StatusCode::CONFLICT, "needs_person"),
            E::NetworkUnavailable { .. } => {
                (StatusCode::SERVICE_UNAVAILABLE, "network_unavailable")
            }
            E::Misconfigured { .. } => (StatusCode::SERVICE_UNAVAILABLE, "configuration_error"),
            error if error.is_internal() => {
                tracing::error!(detail = %error.log_detail(), "API request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
            _ => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        };
        let message = match &self.0 {
            E::Unauthenticated => {
                "Send a workspace API key: Authorization: Bearer tether_… (create one under API keys)."
                    .to_owned()
            }
            other => other.to_string(),
        };
        let mut response = (
            status,
            Json(ApiError {
                error: code,
                message,
            }),
        )
            .into_response();
        let headers = response.headers_mut();
        match status {
            StatusCode::UNAUTHORIZED => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
            }
            _ => {}
        }
        response
    }
}

/// The workspace an API key speaks for.
pub struct ApiKey(KeyHolder);

impl<S> FromRequestParts<S> for ApiKey
where
    AppContext: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let ctx = AppContext::from_ref(state);
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or_default();
        ctx.engine
            .authenticate_api_key(presented)
            .await
            .map(ApiKey)
            .map_err(|e| ApiFailure(e).into_response())
    }
}

async fn api_channel(ctx: &AppContext, record: ChannelRecord) -> Result<ApiChannel, ApiFailure> {
    let outage = ctx.engine.outages().await?.contains(&record.network);
    let refused = ctx
        .engine
        .configuration_faults()
        .await?
        .iter()
        .any(|f| f.network == record.network);
    Ok(to_api(
        record,
        outage,
        refused,
        ctx.engine.clock().now().timestamp(),
    ))
}

fn to_api(record: ChannelRecord, outage: bool, app_refused: bool, now: i64) -> ApiChannel {
    let (id, network, kind, access) = (
        record.id,
        record.network.clone(),
        record.kind.clone(),
        record.access.as_str().to_owned(),
    );
    let mut card = ChannelCard::from(record);
    card.facts.network_outage = outage;
    card.facts.app_refused = app_refused;
    let current = status(&card.facts, now);
    ApiChannel {
        id,
        network,
        kind,
        name: card.name,
        handle: card.handle,
        access,
        state: current.state.api_name().to_owned(),
        reason: current.reason,
        needs_person: matches!(
            current.state,
            ChannelState::NeedsReauth | ChannelState::Unlinked
        ) || (current.state == ChannelState::Expired
            && card.facts.retry_at.is_none()),
        access_expires_at: card.facts.access_expires_at,
        reconsent_deadline: card.facts.reconsent_deadline,
        retry_at: card.facts.retry_at,
        missing_permissions: card.facts.missing_scopes,
    }
}

/// Channels per page of the list unless `limit` asks for another number, and the most.
const PAGE: usize = 100;
const MOST_PER_PAGE: usize = 500;

/// Which channels to list: a filter, and where the page starts.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChannelQuery {
    /// Only channels in this state: connected, expiring_soon, missing_permissions,
    /// needs_reauth, expired, network_outage, unconfirmed or unlinked.
    state: Option<String>,
    /// Only channels that need a person (`true`) or that do not (`false`).
    needs_person: Option<bool>,
    /// The cursor: channels after this id. The `Link` header of a page names the next one.
    after: Option<i64>,
    /// Channels per page, 1 to 500 (100 when absent).
    limit: Option<usize>,
}

impl ChannelQuery {
    /// Checks the values a client sent; a mistake is answered in words, not ignored.
    fn checked(query: Result<Query<Self>, QueryRejection>) -> Result<Self, ApiFailure> {
        let Query(query) = query.map_err(|rejection| {
            engine::Error::Invalid(format!(
                "The query is not valid ({}): use state, needs_person, after and limit.",
                rejection.body_text()
            ))
        })?;
        if let Some(state) = &query.state {
            if !ChannelState::ALL.iter().any(|s| s.api_name() == state) {
                let known: Vec<_> = ChannelState::ALL.iter().map(|s| s.api_name()).collect();
                return Err(engine::Error::Invalid(format!(
                    "There is no state {state:?}; the states are {}.",
                    known.join(", ")
                ))
                .into());
            }
        }
        if query.limit.is_some_and(|n| n == 0 || n > MOST_PER_PAGE) {
            return Err(
                engine::Error::Invalid(format!("limit must be 1 to {MOST_PER_PAGE}.")).into(),
            );
        }
        Ok(query)
    }

    fn wants(&self, channel: &ApiChannel) -> bool {
        self.state.as_ref().is_none_or(|s| *s == channel.state)
            && self.needs_person.is_none_or(|n| n == channel.needs_person)
    }

    /// The address of the page after the one that ends with `last`, with the same filter.
    fn next_page(&self, last: i64, limit: usize) -> String {
        let mut next = format!("/api/v1/channels?after={last}&limit={limit}");
        if let Some(state) = &self.state {
            next.push_str(&format!("&state={state}"));
        }
        if let Some(needs_person) = self.needs_person {
            next.push_str(&format!("&needs_person={needs_person}"));
        }
        next
    }
}

/// The workspace's channels with their state, reason and deadlines, in pages by id.
#[utoipa::path(
    get,
    path = "/api/v1/channels",
    tag = "channels",
    security(("api_key" = [])),
    params(ChannelQuery),
    responses(
        (status = 200, description = "A page of the channels of the key's workspace that the key was given, ordered by id. \
                                      When more follow, the `Link` header names the next page: `</api/v1/channels?after=…>; rel=\"next\"`.",
         body = [ApiChannel],
         headers(("Link" = String, description = "The next page, when there is one (RFC 8288)"))),
        (status = 401, description = "No valid API key, or one past its end", body = ApiError),
        (status = 422, description = "A filter or cursor that is not valid, in words", body = ApiError)
    )
)]
pub async fn list_channels(
    State(ctx): State<AppContext>,
    ApiKey(key): ApiKey,
    query: Result<Query<ChannelQuery>, QueryRejection>,
) -> Result<Response, ApiFailure> {
    let query = ChannelQuery::checked(query)?;
    let limit = query.limit.unwrap_or(PAGE);
    let outages = ctx.engine.outages().await?;
    let faults = ctx.engine.configuration_faults().await?;
    let now = ctx.engine.clock().now().timestamp();
    let mut channels = ctx.engine.workspace_channels(key.workspace_id).await?;
    channels.sort_by_key(|c| c.id);
    // The state is the status model's, computed here as on the dashboard, so the filter
    // runs after it; one more than a page tells whether another follows.
    let mut page: Vec<ApiChannel> = channels
        .into_iter()
        .filter(|c| key.sees(c.id) && query.after.is_none_or(|after| c.id > after))
        .map(|c| {
            let outage = outages.contains(&c.network);
            let refused = faults.iter().any(|f| f.network == c.network);
            to_api(c, outage, refused, now)
        })
        .filter(|c| query.wants(c))
        .take(limit + 1)
        .collect();
    let more = page.len() > limit;
    page.truncate(limit);
    let next = page
        .last()
        .filter(|_| more)
        .map(|last| query.next_page(last.id, limit));
    let mut response = Json(page).into_response();
    if let Some(next) = next {
        let link = HeaderValue::from_str(&format!("<{next}>; rel=\"next\""))
            .map_err(|e| engine::Error::Internal(format!("a Link header: {e}")))?;
        response.headers_mut().insert(header::LINK, link);
    }
    Ok(response)
}

/// One channel with its state, reason and deadlines.
#[utoipa::path(
    get,
    path = "/api/v1/channels/{id}",
    tag = "channels",
    security(("api_key" = [])),
    params(("id" = i64, Path, description = "The channel's id")),
    responses(
        (status = 200, description = "The channel", body = ApiChannel),
        (status = 401, description = "No valid API key", body = ApiError),
        (status = 404, description = "No such channel in the key's workspace", body = ApiError)
    )
)]
pub async fn get_channel(
    State(ctx): State<AppContext>,
    ApiKey(key): ApiKey,
    Path(channel_id): Path<i64>,
) -> Result<Json<ApiChannel>, ApiFailure> {
    if !key.sees(channel_id) {
        return Err(engine::Error::NotFound.into());
    }
    let record = ctx
        .engine
        .workspace_channel(key.workspace_id, channel_id)
        .await?;
    Ok(Json(api_channel(&ctx, record).await?))
}

/// A working access token for the channel, renewed first if it would expire within five
/// minutes. Concurrent requests cause at most one renewal. Every hand-out is recorded.
#[utoipa::path(
    post,
    path = "/api/v1/channels/{id}/token",
    tag = "channels",
    security(("api_key" = [])),
    params(("id" = i64, Path, description = "The channel's id")),
    responses(
        (status = 200, description = "A fresh access token", body = ApiToken),
        (status = 401, description = "No valid API key", body = ApiError),
        (status = 403, description = "The key may only read channels", body = ApiError),
        (status = 404, description = "No such channel in the key's workspace, or not one the key was given", body = ApiError),
        (status = 409, description = "The channel needs a person to reconnect it", body = ApiError),
        (status = 503, description = "The network is failing (network_unavailable), or refused Tether's app credentials (configuration_error); retry later (Retry-After)", body = ApiError)
    )
)]
pub async fn fresh_token(
    State(ctx): State<AppContext>,
    ApiKey(key): ApiKey,
    Path(channel_id): Path<i64>,
) -> Result<Json<ApiToken>, ApiFailure> {
    if !key.sees(channel_id) {
        return Err(engine::Error::NotFound.into());
    }
    key.may_hand_out()?;
    let handed = ctx
        .engine
        .fresh_token(key.workspace_id, channel_id, Some(key.key_id))
        .await?;
    Ok(Json(ApiToken {
        channel_id,
        network: handed.network,
        access_token: handed.token.expose().to_owned(),
        token_type: "Bearer",
        expires_at: handed.expires_at,
    }))
}

/// Every network this instance offers, as `tether networks --json` prints them. Public:
/// it holds no secret, only what the instance can connect and how.
#[utoipa::path(
    get,
    path = "/api/v1/networks",
    tag = "networks",
    responses((status = 200, description = "Networks with kinds, scopes, lifetimes and renewal",
               body = [Object]))
)]
pub async fn networks(State(ctx): State<AppContext>) -> Json<Vec<NetworkSummary>> {
    Json(
        ctx.engine
            .networks()
            .all()
            .iter()
            .map(|n| n.profile.summary())
            .collect(),
    )
}

/// Who may read `/metrics`, and the channel counts it last computed.
#[derive(Clone)]
pub struct MetricsAccess {
    /// The hash of the bearer token; `None`: metrics are off.
    token_hash: Option<Arc<String>>,
    counts: Arc<tokio::sync::Mutex<Option<CountedAt>>>,
}

/// Channels per state (API names), and when they were counted.
type CountedAt = (std::time::Instant, Vec<(&'static str, i64)>);

/// Channel counts by state are computed at most this often: reading every channel's state
/// on each scrape cost 0.45 s of CPU at 20,000 channels.
const COUNTS_FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(30);

impl MetricsAccess {
    pub fn new(token: Option<engine::crypto::Secret>) -> Self {
        Self {
            token_hash: token.map(|t| Arc::new(engine::crypto::token_hash(t.expose()))),
            counts: Arc::default(),
        }
    }
}

/// Prometheus text: this process's renewals, checks, failures by class and hand-outs, and
/// every channel by state. Served only with `TETHER_METRICS_TOKEN` as a bearer token.
pub async fn metrics(
    State(ctx): State<AppContext>,
    headers: HeaderMap,
    access: MetricsAccess,
) -> Result<Response, ApiFailure> {
    let Some(expected) = &access.token_hash else {
        return Ok((
            StatusCode::NOT_FOUND,
            "Metrics are off on this instance; an operator turns them on with TETHER_METRICS_TOKEN.\n",
        )
            .into_response());
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    // Hashes compared, so the time taken says nothing about the token.
    if presented.map(engine::crypto::token_hash).as_deref() != Some(expected.as_str()) {
        return Ok((
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "Send the metrics token as `Authorization: Bearer <TETHER_METRICS_TOKEN>`.\n",
        )
            .into_response());
    }
    let by_state = {
        let mut cached = access.counts.lock().await;
        match &*cached {
            Some((at, counts)) if at.elapsed() < COUNTS_FRESH_FOR => counts.clone(),
            _ => {
                let counts = channels_by_state(&ctx).await?;
                *cached = Some((std::time::Instant::now(), counts.clone()));
                counts
            }
        }
    };
    let body = ctx.engine.lifecycle().metrics.render(&by_state);
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response())
}

async fn channels_by_state(ctx: &AppContext) -> Result<Vec<(&'static str, i64)>, ApiFailure> {
    let outages = ctx.engine.outages().await?;
    let now = ctx.engine.clock().now().timestamp();
    let mut counts = [0_i64; ChannelState::ALL.len()];
    for record in ctx.engine.all_channels().await? {
        let outage = outages.contains(&record.network);
        let mut card = ChannelCard::from(record);
        card.facts.network_outage = outage;
        let state = state(&card.facts, now);
        if let Some(i) = ChannelState::ALL.iter().position(|s| *s == state) {
            counts[i] += 1;
        }
    }
    Ok(ChannelState::ALL
        .iter()
        .zip(counts)
        .map(|(state, n)| (state.api_name(), n))
        .collect())
}
