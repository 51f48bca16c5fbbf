//! Creating and revoking API keys from the API keys page: plain form posts. A new key goes
//! back to the page, encrypted in a short-lived cookie, to be shown once.

use super::oauth::{act, respond, signed_in};
use app::ssr::{AppContext, NEW_KEY_COOKIE};
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use engine::domain::ApiKeyName;
use std::collections::HashMap;

const PAGE: &str = "/settings/api-keys";

pub async fn create(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let outcome = async {
        let person = signed_in(&ctx, &jar).await?;
        let name = ApiKeyName::parse(form.get("name").map(String::as_str).unwrap_or_default())?;
        ctx.engine.create_api_key(&person, &name).await
    }
    .await;
    match outcome {
        Ok(created) => (
            jar.add(ctx.reveal_once_cookie(NEW_KEY_COOKIE, &created.secret)),
            Redirect::to(PAGE),
        )
            .into_response(),
        Err(error) => respond(&ctx, jar, PAGE, Err(error)),
    }
}

pub async fn revoke(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Path(key_id): Path<i64>,
) -> Response {
    act(
        &ctx,
        jar,
        PAGE,
        async |person| ctx.engine.revoke_api_key(&person, key_id).await,
        |()| "The key is revoked; it stopped working at once.".into(),
    )
    .await
}
