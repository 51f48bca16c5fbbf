//! Workspaces, from the account page: an owner creates one (and acts in it at once),
//! renames the one they act in, or deletes it.

use super::oauth::act;
use app::ssr::AppContext;
use axum::extract::{Form, State};
use axum::response::Response;
use axum_extra::extract::CookieJar;
use engine::domain::WorkspaceName;
use std::collections::HashMap;

fn name_in(form: &HashMap<String, String>) -> Result<WorkspaceName, engine::Error> {
    WorkspaceName::parse(form.get("name").map_or("", String::as_str))
}

pub async fn create(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    act(
        &ctx,
        jar,
        "/account",
        async |person| {
            let name = name_in(&form)?;
            ctx.engine.create_workspace(&person, &name).await?;
            Ok(name)
        },
        |name| {
            format!(
                "Created “{}”: you own it and act in it now; switch back from the top bar.",
                name.as_str()
            )
        },
    )
    .await
}

pub async fn rename(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    act(
        &ctx,
        jar,
        "/account",
        async |person| {
            let name = name_in(&form)?;
            let before = ctx.engine.rename_workspace(&person, &name).await?;
            Ok((before, name))
        },
        |(before, name)| format!("Renamed “{before}” to “{}”.", name.as_str()),
    )
    .await
}

pub async fn delete(State(ctx): State<AppContext>, jar: CookieJar) -> Response {
    act(
        &ctx,
        jar,
        "/account",
        async |person| ctx.engine.delete_workspace(&person).await,
        |name| format!("Deleted the workspace “{name}”."),
    )
    .await
}
