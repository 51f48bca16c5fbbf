//! Creating and revoking API keys from the API keys page: plain form posts. A new key goes
//! back to the page, encrypted in a short-lived cookie, to be shown once.

use super::oauth::{act, respond, signed_in};
use app::ssr::{AppContext, NEW_KEY_COOKIE};
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use engine::api_keys::KeyTerms;
use engine::domain::ApiKeyName;

const PAGE: &str = "/settings/api-keys";

pub async fn create(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let field = |name: &str| super::first_field(&form, name).unwrap_or_default();
    let outcome = async {
        let person = signed_in(&ctx, &jar).await?;
        let name = ApiKeyName::parse(field("name"))?;
        let terms = key_terms(&ctx, field("may"), field("expires_in_days"), &form)?;
        ctx.engine.create_api_key(&person, &name, &terms).await
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

/// The terms chosen on the form; every value is checked, none guessed.
fn key_terms(
    ctx: &AppContext,
    may: &str,
    expires_in_days: &str,
    form: &[(String, String)],
) -> Result<KeyTerms, engine::Error> {
    let hands_out_tokens = match may {
        "tokens" | "" => true,
        "read" => false,
        _ => return Err(engine::Error::Invalid("Choose what the key may do.".into())),
    };
    let expires_at = match expires_in_days {
        "" => None,
        days => match days.parse::<i64>() {
            Ok(days @ 1..=3650) => Some(ctx.engine.clock().now().timestamp() + days * 86_400),
            _ => {
                return Err(engine::Error::Invalid(
                    "A key lasts between 1 day and 10 years, or until it is revoked.".into(),
                ))
            }
        },
    };
    let chosen: Vec<i64> = form
        .iter()
        .filter(|(key, _)| key == "channel")
        .map(|(_, id)| {
            id.parse()
                .map_err(|_| engine::Error::Invalid("One of the channels is not valid.".into()))
        })
        .collect::<Result<_, _>>()?;
    Ok(KeyTerms {
        expires_at,
        hands_out_tokens,
        channels: (!chosen.is_empty()).then_some(chosen),
    })
}
