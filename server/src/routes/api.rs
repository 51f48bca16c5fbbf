//! The thin REST API under `/api/v1`.

use app::ssr::AppContext;
use axum::extract::State;
use axum::Json;
use engine::networks::NetworkSummary;

/// Every network this instance offers, as `tether networks --json` prints them. Public:
/// it holds no secret, only what the instance can connect and how.
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
