//! "Refresh now" and "check now" on a channel's page: plain form posts whose outcome comes
//! back to the page as a flash message.

use super::error_flash;
use super::oauth::{respond, signed_in, success};
use app::ssr::AppContext;
use app::status::duration_words;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use engine::lifecycle::Outcome;

pub async fn refresh_now(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Path(channel_id): Path<i64>,
) -> Response {
    act(ctx, jar, channel_id, Act::Refresh).await
}

pub async fn check_now(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Path(channel_id): Path<i64>,
) -> Response {
    act(ctx, jar, channel_id, Act::Check).await
}

#[derive(Clone, Copy)]
enum Act {
    Refresh,
    Check,
}

async fn act(ctx: AppContext, jar: CookieJar, channel_id: i64, act: Act) -> Response {
    let back = format!("/channels/{channel_id}");
    let outcome = async {
        let person = signed_in(&ctx, &jar).await?;
        let channel = ctx.engine.channel(&person, channel_id).await?;
        let outcome = match act {
            Act::Refresh => ctx.engine.refresh_now(&person, channel_id).await?,
            Act::Check => ctx.engine.check_now(&person, channel_id).await?,
        };
        Ok((channel.network_name, outcome))
    }
    .await;
    let (network, outcome) = match outcome {
        Ok(done) => done,
        Err(error) => return respond(&ctx, jar, &back, Err(error)),
    };
    let now = ctx.engine.clock().now().timestamp();
    let problem = |text: String| {
        let error = engine::Error::Invalid(text);
        (error_flash(&ctx, jar.clone(), &error), Redirect::to(&back)).into_response()
    };
    let again = |retry_at: i64| duration_words(retry_at - now);
    match outcome {
        Outcome::Renewed {
            access_expires_at,
            after_refused_check,
        } => {
            let lasts = match access_expires_at {
                Some(at) => format!("the new access token lasts {}", duration_words(at - now)),
                None => "the new access token does not expire on its own".to_owned(),
            };
            let words = match after_refused_check {
                Some(refusal) => format!(
                    "{network} refused the check ({refusal}); a renewal confirmed that access \
                     still works, and {lasts}."
                ),
                None => format!("Renewed at {network}: {lasts}."),
            };
            success(&ctx, jar.clone(), &back, &words)
        }
        Outcome::Checked => success(
            &ctx,
            jar.clone(),
            &back,
            &format!("Checked: {network} confirms the token works."),
        ),
        Outcome::Dead {
            reason,
            after_refused_check: Some(refusal),
        } => problem(format!(
            "{network} refused the renewal for good after it refused the check ({refusal}). {}",
            reason.words()
        )),
        Outcome::Dead { reason, .. } => problem(format!(
            "{network} refused the token for good. {}",
            reason.words()
        )),
        Outcome::Failing {
            class: "unclear",
            retry_at,
            refusal,
        } => problem(format!(
            "{network} refused the {} ({}) without saying whether access is lost; nothing \
             is called dead yet. Tether asks again in {}.",
            match act {
                Act::Refresh => "renewal",
                Act::Check => "check",
            },
            refusal.unwrap_or_default(),
            again(retry_at)
        )),
        Outcome::Failing {
            class: "missing_permission",
            ..
        } => problem(format!(
            "{network} says a permission was withdrawn; grant it again to use everything."
        )),
        Outcome::Failing {
            class, retry_at, ..
        } => problem(format!(
            "{network} did not answer ({}). Nothing is lost; Tether tries again in {}.",
            class.replace('_', " "),
            again(retry_at)
        )),
        Outcome::Lapsed { reason } => problem(format!(
            "Nothing was asked of {network}: this channel's deadline has passed. {}",
            reason.words()
        )),
        Outcome::Skipped => problem("There was nothing to do for this channel.".into()),
    }
}
