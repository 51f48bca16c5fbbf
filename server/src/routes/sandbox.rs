//! The emulated networks' control pages and API, behind a guard: only a signed-in owner or
//! admin of a workspace may make things happen to the emulated accounts, their weather or
//! (on a demo instance) the clock. Anyone else gets 401 or 403 and nothing changes.

use app::ssr::AppContext;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use engine::domain::{require, Permission};

pub async fn guard(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    request: Request,
    next: Next,
) -> Response {
    let person = match ctx.person(&jar).await {
        Ok(Some(person)) => person,
        Ok(None) => {
            return (
                StatusCode::UNAUTHORIZED,
                "Sign in to Tether as an owner or admin to use the sandbox controls.",
            )
                .into_response()
        }
        Err(error) => {
            tracing::error!(?error, "reading the session for the sandbox controls");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if require(person.role, Permission::ControlSandbox).is_err() {
        return (
            StatusCode::FORBIDDEN,
            "Only owners and admins may use the sandbox controls.",
        )
            .into_response();
    }
    next.run(request).await
}
