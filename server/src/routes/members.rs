//! Changing members' roles and removing members from the members page: plain form posts.

use super::oauth::{respond, signed_in, success};
use app::ssr::AppContext;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use axum_extra::extract::CookieJar;
use engine::domain::Role;
use std::collections::HashMap;

const PAGE: &str = "/settings/members";

pub async fn change_role(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Path(user_id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let outcome = async {
        let person = signed_in(&ctx, &jar).await?;
        let role = Role::parse(form.get("role").map(String::as_str).unwrap_or_default())?;
        ctx.engine.change_role(&person, user_id, role).await
    }
    .await;
    match outcome {
        Ok(()) => success(&ctx, jar, PAGE, "The role is changed."),
        Err(error) => respond(&ctx, jar, PAGE, Err(error)),
    }
}

pub async fn remove(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Path(user_id): Path<i64>,
) -> Response {
    let outcome = async {
        let person = signed_in(&ctx, &jar).await?;
        ctx.engine.remove_member(&person, user_id).await
    }
    .await;
    match outcome {
        Ok(()) => success(
            &ctx,
            jar,
            PAGE,
            "Removed from the workspace; their sessions no longer reach it.",
        ),
        Err(error) => respond(&ctx, jar, PAGE, Err(error)),
    }
}
