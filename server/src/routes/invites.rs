//! Invite links over plain form posts: an admin creates or withdraws one; the person who
//! opened one starts the network's consent. The callback is the shared OAuth callback.

use super::oauth::{act, respond, signed_in};
use super::url_segment;
use app::model::FlashKind;
use app::ssr::{AppContext, NEW_INVITE_COOKIE};
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use engine::domain::{ChannelName, Email};
use engine::invites::{Delivery, NewInvite};
use engine::networks::Access;
use std::collections::HashMap;

const PAGE: &str = "/settings/invites";

/// Reads the create form: `target` is `new:<network>:<kind>` or `channel:<id>`.
fn new_invite(form: &HashMap<String, String>) -> Result<NewInvite, engine::Error> {
    let field = |name: &str| form.get(name).map(|v| v.trim()).unwrap_or_default();
    let invalid = |words: &str| engine::Error::Invalid(words.to_owned());
    let (network, kind, channel_id) = match field("target").split(':').collect::<Vec<_>>()[..] {
        ["new", network, kind] => (network.to_owned(), kind.to_owned(), None),
        ["channel", id] => {
            let id = id
                .parse()
                .map_err(|_| invalid("Choose what the invite is for."))?;
            (String::new(), String::new(), Some(id))
        }
        _ => return Err(invalid("Choose what the invite is for.")),
    };
    let channel_name = match (channel_id, field("name")) {
        (Some(_), _) => None,
        (None, name) => Some(ChannelName::parse(name)?),
    };
    let access = Access::parse(field("access"))
        .ok_or_else(|| invalid("Choose read-only metrics or publishing."))?;
    let expires_in_days = field("expires_in_days")
        .parse()
        .map_err(|_| invalid("Say after how many days the invite expires."))?;
    let recipient = match field("recipient") {
        "" => None,
        email => Some(Email::parse(email)?),
    };
    Ok(NewInvite {
        network,
        kind,
        channel_id,
        channel_name,
        expected_account: Some(field("expected_account").to_owned()),
        access,
        expires_in_days,
        message: form.get("message").cloned().unwrap_or_default(),
        recipient,
    })
}

pub async fn create(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let outcome = async {
        let person = signed_in(&ctx, &jar).await?;
        let invite = new_invite(&form)?;
        ctx.engine.create_invite(&person, invite).await
    }
    .await;
    match outcome {
        Ok(created) => {
            let link = engine::crypto::Secret::new(ctx.engine.invite_link(&created.token));
            let jar = jar.add(ctx.reveal_once_cookie(NEW_INVITE_COOKIE, &link));
            let jar = match created.delivery {
                Delivery::Copy => jar,
                Delivery::Mailed(to) => jar.add(ctx.flash_cookie(
                    FlashKind::Success,
                    &format!("The invite was mailed to {to}. Its link is below too."),
                )),
                Delivery::NotMailed(to) => jar.add(ctx.flash_cookie(
                    FlashKind::Error,
                    &format!(
                        "The invite was created, but the mail to {to} could not be sent. Copy the link below and send it yourself."
                    ),
                )),
            };
            (jar, Redirect::to(PAGE)).into_response()
        }
        Err(error) => respond(&ctx, jar, PAGE, Err(error)),
    }
}

pub async fn revoke(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Path(invite_id): Path<i64>,
) -> Response {
    act(
        &ctx,
        jar,
        PAGE,
        async |person| ctx.engine.revoke_invite(&person, invite_id).await,
        |()| "The invite is withdrawn; its link stopped working at once.".into(),
    )
    .await
}

/// The invite page's button: off to the network's consent, bound to this browser by the
/// invite cookie. A link that cannot be used goes back to its page, which says why.
pub async fn consent(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Path(token): Path<String>,
) -> Response {
    let page = format!("/invite/{}", url_segment(&token));
    let cookie = ctx.invite_cookie(&token);
    match ctx
        .engine
        .begin_invite_consent(&token, cookie.value())
        .await
    {
        Ok(Ok(consent_url)) => {
            (jar.add(cookie), Redirect::to(consent_url.as_str())).into_response()
        }
        Ok(Err(_refused)) => Redirect::to(&page).into_response(),
        Err(error) => respond(&ctx, jar, &page, Err(error)),
    }
}
