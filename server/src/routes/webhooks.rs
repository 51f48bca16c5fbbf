//! Webhooks over plain form posts: add (the secret goes to the page once), test, remove.

use super::oauth::{act, respond, signed_in};
use app::ssr::{AppContext, NEW_WEBHOOK_COOKIE};
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use engine::webhooks::WebhookFormat;
use std::collections::HashMap;

const PAGE: &str = "/settings/webhooks";

pub async fn create(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let outcome = async {
        let person = signed_in(&ctx, &jar).await?;
        let format = WebhookFormat::parse(form.get("format").map(String::as_str).unwrap_or("json"))
            .ok_or_else(|| engine::Error::Invalid("Choose JSON or Slack.".into()))?;
        let url = form.get("url").map(String::as_str).unwrap_or_default();
        ctx.engine.create_webhook(&person, url, format).await
    }
    .await;
    match outcome {
        Ok((_, secret)) => (
            jar.add(ctx.reveal_once_cookie(NEW_WEBHOOK_COOKIE, &secret)),
            Redirect::to(PAGE),
        )
            .into_response(),
        Err(error) => respond(&ctx, jar, PAGE, Err(error)),
    }
}

pub async fn test(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Path(webhook_id): Path<i64>,
) -> Response {
    act(
        &ctx,
        jar,
        PAGE,
        async |person| ctx.engine.test_webhook(&person, webhook_id).await,
        |()| {
            "A test event is queued; it goes out within a minute and shows in the log below.".into()
        },
    )
    .await
}

pub async fn revoke(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Path(webhook_id): Path<i64>,
) -> Response {
    act(
        &ctx,
        jar,
        PAGE,
        async |person| ctx.engine.revoke_webhook(&person, webhook_id).await,
        |()| "The webhook is removed; nothing more is sent to it.".into(),
    )
    .await
}
