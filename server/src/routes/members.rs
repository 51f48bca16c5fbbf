//! Adding members, changing their roles and removing them from the members page, and the
//! welcome link where someone new chooses their password: plain form posts.

use super::oauth::{act, respond, signed_in};
use super::url_segment;
use app::model::FlashKind;
use app::ssr::{keys_and_webhooks, AppContext, NEW_WELCOME_COOKIE};
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use engine::domain::{DisplayName, Email, NewPassword, Role};
use engine::welcome::{Added, NewMember};
use std::collections::HashMap;

const PAGE: &str = "/settings/members";

pub async fn change_role(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Path(user_id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let role = form.get("role").map(String::as_str).unwrap_or_default();
    act(
        &ctx,
        jar,
        PAGE,
        async |person| {
            let role = Role::parse(role)?;
            ctx.engine.change_role(&person, user_id, role).await
        },
        |()| "The role is changed.".into(),
    )
    .await
}

pub async fn remove(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Path(user_id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let revoke_theirs = form.get("revoke_theirs").map(String::as_str) == Some("yes");
    act(
        &ctx,
        jar,
        PAGE,
        async |person| {
            ctx.engine
                .remove_member(&person, user_id, revoke_theirs)
                .await
        },
        |removed| {
            let removed = match keys_and_webhooks(removed.keys, removed.webhooks) {
                Some(what) => format!(" The {what} they created no longer work."),
                None => String::new(),
            };
            format!("Removed from the workspace; their sessions no longer reach it.{removed}")
        },
    )
    .await
}

pub async fn add(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let outcome = async {
        let person = signed_in(&ctx, &jar).await?;
        let member = NewMember {
            display_name: DisplayName::parse(field("display_name"))?,
            email: Email::parse(field("email"))?,
            role: Role::parse(field("role"))?,
        };
        let email = member.email.as_str().to_owned();
        let (added, mailed) = ctx.engine.add_workspace_member(&person, member).await?;
        Ok((email, added, mailed))
    }
    .await;
    match outcome {
        Ok((email, added, mailed)) => {
            let mail = if mailed {
                format!("A mail went to {email}.")
            } else {
                format!("The mail to {email} could not be sent; tell them yourself.")
            };
            let (jar, words) = match added {
                Added::Offered => (jar, format!("{email} already has an account: they join once they accept, on their account page. {mail}")),
                Added::New { link } => (
                    jar.add(ctx.reveal_once_cookie(NEW_WELCOME_COOKIE, &link)),
                    format!("{email} is added; they choose their password with the welcome link. {mail}"),
                ),
            };
            let kind = if mailed {
                FlashKind::Success
            } else {
                FlashKind::Error
            };
            (jar.add(ctx.flash_cookie(kind, &words)), Redirect::to(PAGE)).into_response()
        }
        Err(error) => respond(&ctx, jar, PAGE, Err(error)),
    }
}

/// The welcome page's form: the new password, then signed in on the dashboard.
pub async fn welcome(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let back = format!("/welcome/{}", url_segment(&token));
    let outcome = async {
        let password =
            NewPassword::parse(form.get("password").map(String::as_str).unwrap_or_default())?;
        ctx.engine.accept_welcome(&token, password).await
    }
    .await;
    match outcome {
        Ok(session) => (
            jar.add(ctx.session_cookie(session.expose())),
            Redirect::to("/"),
        )
            .into_response(),
        Err(error) => respond(&ctx, jar, &back, Err(error)),
    }
}

/// Accepts or declines an offer to join another workspace, from the person's account page.
pub async fn answer_offer(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Path((workspace_id, answer)): Path<(i64, String)>,
) -> Response {
    let accept = match answer.as_str() {
        "accept" => true,
        "decline" => false,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    act(
        &ctx,
        jar,
        "/account",
        async |person| {
            ctx.engine
                .answer_membership_offer(&person, workspace_id, accept)
                .await
        },
        |name| {
            if accept {
                format!("You joined “{name}”; switch to it from the top bar.")
            } else {
                format!("You declined to join “{name}”.")
            }
        },
    )
    .await
}
