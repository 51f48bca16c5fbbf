//! Set-up, sign-in and sign-out as plain form posts that answer with a redirect.

use super::{error_flash, refused_form, typed, url_segment};
use app::model::FlashKind;
use app::ssr::AppContext;
use axum::extract::{Form, State};
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::CookieJar;
use engine::accounts::NewUser;
use engine::domain::{DisplayName, Email, NewPassword, WorkspaceName};
use std::collections::HashMap;

type Fields = HashMap<String, String>;

fn field<'a>(form: &'a Fields, name: &str) -> &'a str {
    form.get(name).map(String::as_str).unwrap_or_default()
}

pub async fn set_up(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Form(form): Form<Fields>,
) -> (CookieJar, Redirect) {
    let outcome = async {
        // Said before anything typed is judged: whoever posts here after set-up is told to
        // sign in, not that their password is too short.
        if !ctx.engine.needs_setup().await? {
            return Err(engine::Error::AlreadySetUp);
        }
        let owner = NewUser {
            display_name: DisplayName::parse(field(&form, "display_name"))?,
            email: Email::parse(field(&form, "email"))?,
            password: NewPassword::parse(field(&form, "password"))?,
        };
        let workspace = WorkspaceName::parse(field(&form, "workspace_name"))?;
        ctx.engine
            .set_up_through_link(field(&form, "setup_link"), owner, workspace)
            .await
    }
    .await;
    match outcome {
        Ok(session) => (
            jar.add(ctx.session_cookie(session.expose()))
                .add(ctx.flash_cookie(
                    FlashKind::Success,
                    "Tether is set up. Connect your first channel below.",
                )),
            Redirect::to("/"),
        ),
        Err(engine::Error::AlreadySetUp) => (
            error_flash(&ctx, jar, &engine::Error::AlreadySetUp),
            Redirect::to("/login"),
        ),
        Err(error) => (
            refused_form(
                &ctx,
                jar,
                &error,
                typed(&form, &["display_name", "email", "workspace_name"]),
            ),
            Redirect::to(&match url_segment(field(&form, "setup_link")) {
                link if link.is_empty() => "/setup".to_owned(),
                link => format!("/setup/{link}"),
            }),
        ),
    }
}

pub async fn sign_in(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Form(form): Form<Fields>,
) -> (CookieJar, Redirect) {
    match ctx
        .engine
        .sign_in(field(&form, "email"), field(&form, "password"))
        .await
    {
        Ok(session) => (
            jar.add(ctx.session_cookie(session.expose())),
            Redirect::to(app::ssr::local_path(field(&form, "next")).unwrap_or("/")),
        ),
        Err(error) => (
            refused_form(&ctx, jar, &error, typed(&form, &["email", "next"])),
            Redirect::to("/login"),
        ),
    }
}

pub async fn sign_out(State(ctx): State<AppContext>, jar: CookieJar) -> (CookieJar, Redirect) {
    if let Some(session) = ctx.session_token(&jar) {
        if let Err(error) = ctx.engine.sign_out(session).await {
            tracing::error!(detail = %error.log_detail(), "sign-out failed");
        }
    }
    (
        jar.add(ctx.removal(ctx.session_cookie_name()))
            .add(ctx.flash_cookie(FlashKind::Success, "You are signed out.")),
        Redirect::to("/login"),
    )
}

/// Switches the session to another of the person's workspaces.
pub async fn switch_workspace(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Form(form): Form<Fields>,
) -> axum::response::Response {
    let outcome = async {
        let person = super::oauth::signed_in(&ctx, &jar).await?;
        let workspace_id = field(&form, "workspace_id")
            .parse()
            .map_err(|_| engine::Error::Invalid("Choose a workspace.".into()))?;
        ctx.engine.switch_workspace(&person, workspace_id).await
    }
    .await;
    match outcome {
        Ok(()) => Redirect::to("/").into_response(),
        Err(error) => super::oauth::respond(&ctx, jar, "/", Err(error)),
    }
}

/// Ends every sign-in of the person, on every device.
pub async fn sign_out_everywhere(
    State(ctx): State<AppContext>,
    jar: CookieJar,
) -> axum::response::Response {
    let outcome = async {
        let person = super::oauth::signed_in(&ctx, &jar).await?;
        ctx.engine.sign_out_everywhere(&person).await
    }
    .await;
    match outcome {
        Ok(()) => (
            jar.add(ctx.removal(ctx.session_cookie_name()))
                .add(ctx.flash_cookie(FlashKind::Success, "You are signed out everywhere.")),
            Redirect::to("/login"),
        )
            .into_response(),
        Err(error) => super::oauth::respond(&ctx, jar, "/account", Err(error)),
    }
}

/// A new password: every other sign-in ends, and this browser gets a fresh one.
pub async fn change_password(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Form(form): Form<Fields>,
) -> axum::response::Response {
    let outcome = async {
        let person = super::oauth::signed_in(&ctx, &jar).await?;
        let new = NewPassword::parse(field(&form, "new_password"))?;
        ctx.engine
            .change_password(&person, field(&form, "current_password"), new)
            .await
    }
    .await;
    match outcome {
        Ok(session) => (
            jar.add(ctx.session_cookie(session.expose()))
                .add(ctx.flash_cookie(
                    FlashKind::Success,
                    "Your password is changed; every other browser signed in as you is signed out.",
                )),
            Redirect::to("/account"),
        )
            .into_response(),
        Err(error) => super::oauth::respond(&ctx, jar, "/account", Err(error)),
    }
}

/// "Forgot your password?": the same answer whether or not an account uses the address.
pub async fn forgot_password(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Form(form): Form<Fields>,
) -> axum::response::Response {
    let outcome = async {
        let email = Email::parse(field(&form, "email"))?;
        ctx.engine.request_password_reset(&email).await?;
        Ok::<_, engine::Error>(email)
    }
    .await;
    match outcome {
        Ok(email) => (
            jar.add(ctx.flash_cookie(
                FlashKind::Success,
                &format!(
                    "If an account uses {}, a link to choose a new password is on its way. It works once, for 30 minutes.",
                    email.as_str()
                ),
            )),
            Redirect::to("/login/forgot"),
        )
            .into_response(),
        Err(error) => (
            refused_form(&ctx, jar, &error, typed(&form, &["email"])),
            Redirect::to("/login/forgot"),
        )
            .into_response(),
    }
}

/// The new password, chosen through a reset link: every other sign-in ends.
pub async fn reset_password(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    axum::extract::Path(token): axum::extract::Path<String>,
    Form(form): Form<Fields>,
) -> axum::response::Response {
    let outcome = async {
        let new = NewPassword::parse(field(&form, "password"))?;
        ctx.engine.reset_password(&token, new).await
    }
    .await;
    match outcome {
        Ok(session) => (
            jar.add(ctx.session_cookie(session.expose()))
                .add(ctx.flash_cookie(
                    FlashKind::Success,
                    "Your new password is set; every other sign-in as you has ended.",
                )),
            Redirect::to("/"),
        )
            .into_response(),
        Err(error) => (
            error_flash(&ctx, jar, &error),
            Redirect::to(&format!("/reset/{}", url_segment(&token))),
        )
            .into_response(),
    }
}
