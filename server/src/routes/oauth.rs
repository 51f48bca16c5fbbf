//! Connecting channels: the form that starts a handshake, the network's callback, the
//! account picker's answer, reauthorizing, renaming, unlinking and deleting. All plain form posts,
//! so they work before the WASM loads; the outcome comes back as a flash message.

use super::{error_flash, url_segment};
use app::model::FlashKind;
use app::ssr::{AppContext, INVITE_COOKIE, RETURN_COOKIE};
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use engine::accounts::SignedIn;
use engine::channels::AtNetwork;
use engine::channels::{BrowserCookies, CallbackParams, ConnectOutcome, Connected, Reauthorize};
use engine::domain::ChannelName;
use engine::invites::InviteCompleted;
use engine::networks::Access;
use std::collections::HashMap;

pub(super) async fn signed_in(
    ctx: &AppContext,
    jar: &CookieJar,
) -> Result<SignedIn, engine::Error> {
    ctx.person(jar).await?.ok_or(engine::Error::Unauthenticated)
}

/// Sends the browser on, or back to where it came from with the error as a flash.
pub(super) fn respond(
    ctx: &AppContext,
    jar: CookieJar,
    back: &str,
    outcome: Result<Response, engine::Error>,
) -> Response {
    match outcome {
        Ok(response) => response,
        Err(engine::Error::Unauthenticated) => Redirect::to("/login").into_response(),
        Err(error) => (error_flash(ctx, jar, &error), Redirect::to(back)).into_response(),
    }
}

/// Runs what a signed-in person asked for and sends them back to `page`: with a success
/// message made from the outcome, or with the error.
pub(super) async fn act<T>(
    ctx: &AppContext,
    jar: CookieJar,
    page: &str,
    action: impl AsyncFnOnce(SignedIn) -> Result<T, engine::Error>,
    done: impl FnOnce(T) -> String,
) -> Response {
    let outcome = match signed_in(ctx, &jar).await {
        Ok(person) => action(person).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(value) => success(ctx, jar, page, &done(value)),
        Err(error) => respond(ctx, jar, page, Err(error)),
    }
}

pub(super) fn success(ctx: &AppContext, jar: CookieJar, to: &str, text: &str) -> Response {
    (
        jar.add(ctx.flash_cookie(FlashKind::Success, text)),
        Redirect::to(to),
    )
        .into_response()
}

fn connected_words(connected: &[Connected]) -> String {
    let names: Vec<String> = connected
        .iter()
        .map(|c| format!("“{}” ({})", c.name, c.handle))
        .collect();
    format!("Connected {}.", names.join(", "))
}

pub async fn connect(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let outcome = async {
        let person = signed_in(&ctx, &jar).await?;
        let name = ChannelName::parse(field("name"))?;
        let access = match field("access") {
            "" => Access::Metrics,
            raw => Access::parse(raw).ok_or_else(|| {
                engine::Error::Invalid("Choose read-only metrics or publishing.".into())
            })?,
        };
        let url = ctx
            .engine
            .begin_connect(&person, field("network"), name, access)
            .await?;
        Ok(Redirect::to(url.as_str()).into_response())
    }
    .await;
    respond(&ctx, jar, "/", outcome)
}

pub async fn callback(
    State(ctx): State<AppContext>,
    Path(network): Path<String>,
    jar: CookieJar,
    Query(mut query): Query<HashMap<String, String>>,
) -> Response {
    let params = CallbackParams {
        state: query.remove("state"),
        code: query.remove("code"),
        error: query.remove("error"),
        error_description: query.remove("error_description"),
    };
    let session = ctx.session_token(&jar).map(str::to_owned);
    let invite = jar.get(INVITE_COOKIE).map(|c| c.value().to_owned());
    let cookies = BrowserCookies {
        session: session.as_deref(),
        invite: invite.as_deref(),
    };
    let outcome = ctx.engine.finish_connect(cookies, &network, params).await;
    // The invite cookie served this one handshake; a failure leads back to the invite.
    if let Some(invite) = &invite {
        let jar = jar.clone().add(ctx.removal(INVITE_COOKIE));
        match (outcome, ctx.invite_token(invite)) {
            // Not everything was given: the link, still theirs, says what and asks again.
            (Ok(ConnectOutcome::Invited(done)), Some(token)) if !done.missing.is_empty() => {
                let page = format!("/invite/{}", url_segment(&token));
                return (jar, Redirect::to(&page)).into_response();
            }
            (Ok(ConnectOutcome::Invited(done)), _) => {
                return success(&ctx, jar, "/invited", &invited_words(&done))
            }
            (Err(error), Some(token)) => {
                let page = format!("/invite/{}", url_segment(&token));
                return respond(&ctx, jar, &page, Err(error));
            }
            (outcome, _) => return member_callback(&ctx, jar, outcome),
        }
    }
    member_callback(&ctx, jar, outcome)
}

fn member_callback(
    ctx: &AppContext,
    jar: CookieJar,
    outcome: Result<ConnectOutcome, engine::Error>,
) -> Response {
    // A reconnect comes back to the view of the list it was started from.
    let back = jar
        .get(RETURN_COOKIE)
        .and_then(|cookie| app::model::list_address(cookie.value()))
        .unwrap_or("/")
        .to_owned();
    let jar = match jar.get(RETURN_COOKIE) {
        Some(_) => jar.add(ctx.removal(RETURN_COOKIE)),
        None => jar,
    };
    match outcome {
        Ok(ConnectOutcome::Connected(connected)) => {
            success(ctx, jar, "/", &connected_words(&connected))
        }
        Ok(ConnectOutcome::Reauthorized(channel)) => success(
            ctx,
            jar,
            &back,
            &format!("Reconnected “{}” ({}).", channel.name, channel.handle),
        ),
        Ok(ConnectOutcome::Pick { pending_id }) => {
            Redirect::to(&format!("/channels/pick/{pending_id}")).into_response()
        }
        Ok(ConnectOutcome::Invited(done)) => success(ctx, jar, "/invited", &invited_words(&done)),
        Err(error) => (error_flash(ctx, jar, &error), Redirect::to(&back)).into_response(),
    }
}

/// The confirmation for someone who followed an invite, one paragraph per line.
fn invited_words(done: &InviteCompleted) -> String {
    let who = done
        .inviter
        .clone()
        .unwrap_or_else(|| "the person who invited you".to_owned());
    let verb = if done.reconnected {
        "reconnected"
    } else {
        "connected"
    };
    let access = match done.access {
        Access::Metrics => "Read-only: Tether can read this account's statistics; it cannot post.",
        Access::Publishing => {
            "Publishing: Tether can read statistics and publish for the workspace."
        }
    };
    format!(
        "You {verb} {} on {} to “{}” as the channel “{}”.\n{access}\nTo stop this later, remove Tether from the connected apps in your {} settings, or ask {who} to unlink the channel.",
        done.handle, done.network_name, done.workspace_name, done.channel_name, done.network_name
    )
}

/// The picker's answer: `pending` and one `account` per ticked box.
pub async fn pick(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let pending = form
        .iter()
        .find(|(name, _)| name == "pending")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let chosen: Vec<String> = form
        .into_iter()
        // "Leave it there" sends an empty value.
        .filter(|(name, value)| name == "account" && !value.is_empty())
        .map(|(_, v)| v)
        .collect();
    let back = format!("/channels/pick/{}", url_segment(&pending));
    let outcome = async {
        let person = signed_in(&ctx, &jar).await?;
        let connected = ctx.engine.finish_pick(&person, &pending, &chosen).await?;
        Ok(connected)
    }
    .await;
    match outcome {
        Ok(connected) => success(&ctx, jar, "/", &connected_words(&connected)),
        // A pick that can no longer be made goes back to the dashboard.
        Err(error @ engine::Error::Connect(engine::ConnectError::PickExpired)) => {
            respond(&ctx, jar, "/", Err(error))
        }
        Err(error) => respond(&ctx, jar, &back, Err(error)),
    }
}

pub async fn reauthorize(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Path(channel_id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mode = if form.get("handover").is_some_and(|v| v == "true") {
        Reauthorize::Handover
    } else if form.get("only_missing").is_some_and(|v| v == "true") {
        Reauthorize::OnlyMissing
    } else {
        Reauthorize::Full
    };
    // Back to the view of the list it was started from, once the network is done.
    let back = form
        .get("from")
        .and_then(|from| app::model::list_address(from))
        .unwrap_or("/");
    let outcome = async {
        let person = signed_in(&ctx, &jar).await?;
        let url = ctx
            .engine
            .begin_reauthorize(&person, channel_id, mode)
            .await?;
        let jar = match back {
            "/" => jar.clone().add(ctx.removal(RETURN_COOKIE)),
            list => jar.clone().add(ctx.return_cookie(list)),
        };
        Ok((jar, Redirect::to(url.as_str())).into_response())
    }
    .await;
    respond(&ctx, jar, back, outcome)
}

pub async fn unlink(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Path(channel_id): Path<i64>,
) -> Response {
    let outcome = async {
        let person = signed_in(&ctx, &jar).await?;
        let channel = ctx.engine.channel(&person, channel_id).await?;
        let revoked = ctx.engine.unlink(&person, channel_id).await?;
        Ok((channel, revoked))
    }
    .await;
    match outcome {
        Ok((channel, revoked)) => {
            let network = &channel.network_name;
            let how = match revoked {
                AtNetwork::Revoked => format!("Access was revoked at {network}."),
                AtNetwork::NotOffered => format!(
                    "{network} offers no way to revoke from here; remove Tether in the account's app settings there to be sure."
                ),
                AtNetwork::KeptForOthers { channels } => format!(
                    "Access stays granted at {network}: {} connected with the same consent still {} it.",
                    plural(channels, "other channel", "other channels"),
                    if channels == 1 { "uses" } else { "use" }
                ),
                AtNetwork::Failed => format!(
                    "{network} could not be reached to revoke access; remove Tether in the account's app settings there to be sure."
                ),
                AtNetwork::GiverUnknown => format!(
                    "{network} revokes access per person, and Tether does not know which {network} account gave this imported token; remove Tether in that account's app settings there to be sure."
                ),
            };
            success(
                &ctx,
                jar,
                "/",
                &format!("Unlinked “{}”. {how} Its history is kept.", channel.name),
            )
        }
        Err(error) => respond(&ctx, jar, "/", Err(error)),
    }
}

/// Renames a channel from its page, and goes back there.
pub async fn rename(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Path(channel_id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let page = format!("/channels/{channel_id}");
    act(
        &ctx,
        jar,
        &page,
        async |person| {
            let name = ChannelName::parse(form.get("name").map_or("", String::as_str))?;
            let before = ctx
                .engine
                .rename_channel(&person, channel_id, &name)
                .await?;
            Ok((before, name))
        },
        |(before, name)| format!("Renamed “{before}” to “{}”.", name.as_str()),
    )
    .await
}

/// Says whether a channel's profile is private (Threads), from its page, and goes back.
pub async fn privacy(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Path(channel_id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let page = format!("/channels/{channel_id}");
    act(
        &ctx,
        jar,
        &page,
        async |person| {
            let private = match form.get("private").map(String::as_str) {
                Some("true") => true,
                Some("false") => false,
                _ => {
                    return Err(engine::Error::Invalid(
                        "Say whether the profile is private.".into(),
                    ))
                }
            };
            ctx.engine
                .set_private_profile(&person, channel_id, private)
                .await?;
            Ok(private)
        },
        |private| match private {
            true => "Noted: the profile is private. Tether counts down to the end of its consent and reminds before it.".to_owned(),
            false => "Noted: the profile is public. Its consent has no fixed end.".to_owned(),
        },
    )
    .await
}

pub async fn delete(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Path(channel_id): Path<i64>,
) -> Response {
    let outcome = async {
        let person = signed_in(&ctx, &jar).await?;
        let channel = ctx.engine.channel(&person, channel_id).await?;
        ctx.engine.delete_channel(&person, channel_id).await?;
        Ok(channel)
    }
    .await;
    match outcome {
        Ok(channel) => success(
            &ctx,
            jar,
            "/",
            &format!("Deleted “{}” and its tokens.", channel.name),
        ),
        Err(error) => respond(&ctx, jar, "/", Err(error)),
    }
}

/// "1 other channel", "3 other channels".
fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
