//! Connecting a channel: the form that starts the handshake and the network's callback.

use super::error_flash;
use app::model::FlashKind;
use app::ssr::{AppContext, SESSION_COOKIE};
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use engine::channels::CallbackParams;
use engine::domain::ChannelName;
use std::collections::HashMap;

pub async fn connect(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let outcome = async {
        let person = ctx
            .person(&jar)
            .await?
            .ok_or(engine::Error::Unauthenticated)?;
        let name = ChannelName::parse(form.get("name").map(String::as_str).unwrap_or_default())?;
        let network = form.get("network").map(String::as_str).unwrap_or_default();
        ctx.engine.begin_connect(&person, network, name).await
    }
    .await;
    match outcome {
        Ok(consent_url) => Redirect::to(consent_url.as_str()).into_response(),
        Err(engine::Error::Unauthenticated) => Redirect::to("/login").into_response(),
        Err(error) => (error_flash(&ctx, jar, &error), Redirect::to("/")).into_response(),
    }
}

pub async fn callback(
    State(ctx): State<AppContext>,
    Path(network): Path<String>,
    jar: CookieJar,
    Query(mut query): Query<HashMap<String, String>>,
) -> (CookieJar, Redirect) {
    let params = CallbackParams {
        state: query.remove("state"),
        code: query.remove("code"),
        error: query.remove("error"),
        error_description: query.remove("error_description"),
    };
    let session = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned());
    match ctx
        .engine
        .finish_connect(session.as_deref(), &network, params)
        .await
    {
        Ok(connected) => {
            let text = format!("Connected “{}” ({}).", connected.name, connected.handle);
            (
                jar.add(ctx.flash_cookie(FlashKind::Success, &text)),
                Redirect::to("/"),
            )
        }
        Err(error) => (error_flash(&ctx, jar, &error), Redirect::to("/")),
    }
}
