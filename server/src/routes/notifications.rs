//! Notifications over plain form posts: mark read, mail choices, reminder days, and who
//! follows a channel.

use super::oauth::{act, respond, signed_in, success};
use super::{refused_form, typed};
use app::model::ChannelFilter;
use app::ssr::{AppContext, NEW_CALENDAR_COOKIE};
use axum::extract::{Form, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use engine::invites::Delivery;
use engine::notify::{FollowRole, MailCadence, NoticeKind};
use std::collections::HashMap;

const PAGE: &str = "/notifications";

pub async fn mark_read(State(ctx): State<AppContext>, jar: CookieJar) -> Response {
    act(
        &ctx,
        jar,
        PAGE,
        async |person| ctx.engine.mark_notifications_read(&person).await,
        |()| "All notifications are marked as read.".into(),
    )
    .await
}

/// One select per kind, named after the kind.
pub async fn preferences(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    act(
        &ctx,
        jar,
        PAGE,
        async |person| {
            let mut chosen = Vec::new();
            for kind in NoticeKind::ALL {
                let Some(raw) = form.get(kind.as_str()) else {
                    continue;
                };
                let cadence = MailCadence::parse(raw).ok_or_else(|| {
                    engine::Error::Invalid("Choose at once, daily, weekly or not by mail.".into())
                })?;
                chosen.push((kind, cadence));
            }
            for (kind, cadence) in chosen {
                ctx.engine
                    .set_mail_preference(&person, kind, cadence)
                    .await?;
            }
            Ok(())
        },
        |()| "Your mail choices are saved.".into(),
    )
    .await
}

pub async fn reminder_days(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let raw = form.get("days").map(String::as_str).unwrap_or_default();
    let outcome = match signed_in(&ctx, &jar).await {
        Ok(person) => ctx.engine.set_reminder_days(&person, raw).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(days) => {
            let days: Vec<String> = days.iter().map(i64::to_string).collect();
            let words = format!("Reminders go {} days before a deadline.", days.join(", "));
            success(&ctx, jar, PAGE, &words)
        }
        Err(engine::Error::Unauthenticated) => Redirect::to("/login").into_response(),
        // The days typed come back into the field, to be corrected rather than retyped.
        Err(error) => (
            refused_form(&ctx, jar, &error, typed(&form, &["days"])),
            Redirect::to(PAGE),
        )
            .into_response(),
    }
}

/// `role` is "watcher" (the person themselves) or "backup" with a `user_id`.
pub async fn follow(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Path(channel_id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    act(
        &ctx,
        jar,
        &format!("/channels/{channel_id}"),
        async |person| {
            let role = form
                .get("role")
                .and_then(|r| FollowRole::parse(r))
                .ok_or_else(|| engine::Error::Invalid("Choose back-up admin or watcher.".into()))?;
            let user_id = match form.get("user_id") {
                Some(raw) => raw
                    .parse()
                    .map_err(|_| engine::Error::Invalid("Choose a member.".into()))?,
                None => person.user_id,
            };
            ctx.engine.follow(&person, channel_id, user_id, role).await
        },
        |()| "Saved: they will be told about this channel.".into(),
    )
    .await
}

/// The dashboard's bulk action: watch, or name a back-up admin of, the channels ticked
/// (`channel`, repeated) or all that match the view (`which=matching` with its filter).
/// Back to that view, told how many were done and which were not, by name.
pub async fn follow_many(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let field = |name: &str| super::first_field(&form, name);
    let back = field("from")
        .and_then(app::model::list_address)
        .unwrap_or("/")
        .to_owned();
    act(
        &ctx,
        jar,
        &back,
        async |person| {
            let action = match field("action") {
                Some("watch") => Bulk::Follow(FollowRole::Watcher, person.user_id),
                Some("backup") => Bulk::Follow(
                    FollowRole::Backup,
                    field("user_id")
                        .and_then(|raw| raw.parse().ok())
                        .ok_or_else(|| engine::Error::Invalid("Choose a member.".into()))?,
                ),
                Some("invite") => Bulk::Invite,
                _ => {
                    return Err(engine::Error::Invalid(
                        "Choose what to do with the channels.".into(),
                    ))
                }
            };
            // Read once, for "all that match" and for naming each channel in the result.
            let records = ctx
                .engine
                .kept_workspace_channels(person.workspace_id)
                .await?;
            let ids: Vec<i64> = match field("which") {
                Some("matching") => {
                    let filter = ChannelFilter {
                        show: field("show").unwrap_or_default().to_owned(),
                        network: field("network").unwrap_or_default().to_owned(),
                        q: field("q").unwrap_or_default().to_owned(),
                        who: field("who").unwrap_or_default().to_owned(),
                        page: 1,
                    };
                    let outages = ctx.engine.outage_reports(person.workspace_id).await?;
                    let faults = ctx.engine.configuration_faults().await?;
                    let now = ctx.engine.clock().now().timestamp();
                    let sheet = ctx.sheets.sheet(
                        person.workspace_id,
                        records.clone(),
                        app::listing::Troubles::new(&outages, &faults),
                        now,
                    );
                    app::listing::matching_ids(&sheet, &person, &filter)
                }
                _ => form
                    .iter()
                    .filter(|(key, _)| key == "channel")
                    .map(|(_, id)| {
                        id.parse().map_err(|_| {
                            engine::Error::Invalid("A ticked channel was not understood.".into())
                        })
                    })
                    .collect::<Result<_, _>>()?,
            };
            if ids.is_empty() {
                return Err(engine::Error::Invalid(
                    "Tick the channels to act on, or choose all that match this view.".into(),
                ));
            }
            let outcomes: Vec<(i64, Result<Option<Delivery>, engine::Error>)> = match action {
                Bulk::Follow(role, user_id) => ctx
                    .engine
                    .follow_each(&person, &ids, user_id, role)
                    .await?
                    .into_iter()
                    .map(|(id, outcome)| (id, outcome.map(|()| None)))
                    .collect(),
                Bulk::Invite => ctx
                    .engine
                    .invite_each(&person, &ids)
                    .await?
                    .into_iter()
                    .map(|(id, outcome)| (id, outcome.map(Some)))
                    .collect(),
            };
            for (channel_id, outcome) in &outcomes {
                if let Err(error) = outcome {
                    if error.is_internal() {
                        tracing::error!(channel_id, detail = %error.log_detail(), "bulk action failed");
                    }
                }
            }
            Ok((action, records, outcomes))
        },
        |(action, records, outcomes)| bulk_words(action, &records, &outcomes),
    )
    .await
}

/// What a bulk action does to each channel.
#[derive(Clone, Copy)]
enum Bulk {
    /// Someone follows each, as a watcher or back-up admin.
    Follow(FollowRole, i64),
    /// Whoever gave each one's consent is mailed a reconnect invite.
    Invite,
}

/// "You now watch 11 channels. Not “Bakery”: That was not found."
fn bulk_words(
    action: Bulk,
    records: &[engine::channels::ChannelRecord],
    outcomes: &[(i64, Result<Option<Delivery>, engine::Error>)],
) -> String {
    let done = outcomes
        .iter()
        .filter(|(_, outcome)| outcome.is_ok())
        .count();
    let channels = |n: usize| match n {
        1 => "1 channel".to_owned(),
        n => format!("{n} channels"),
    };
    let mut words = match action {
        Bulk::Follow(FollowRole::Watcher, _) => format!("You now watch {}.", channels(done)),
        Bulk::Follow(FollowRole::Backup, _) => {
            format!("A back-up admin is named for {}.", channels(done))
        }
        Bulk::Invite => {
            let mailed: Vec<&str> = outcomes
                .iter()
                .filter_map(|(_, outcome)| match outcome {
                    Ok(Some(Delivery::Mailed(to))) => Some(to.as_str()),
                    _ => None,
                })
                .collect();
            let mut addresses = mailed.clone();
            addresses.sort_unstable();
            addresses.dedup();
            let mut words = match mailed.len() {
                0 => "No reconnect invite was mailed.".to_owned(),
                n => format!(
                    "Reconnect invites mailed for {} (to {}).",
                    channels(n),
                    addresses.join(", ")
                ),
            };
            for (id, outcome) in outcomes {
                if let Ok(Some(Delivery::NotMailed(to))) = outcome {
                    words.push_str(&format!(
                        " For {} the mail to {to} could not be sent: copy its link from the invites page.",
                        name_of(records, *id)
                    ));
                }
            }
            words
        }
    };
    for (id, outcome) in outcomes {
        if let Err(error) = outcome {
            words.push_str(&format!(" Not {}: {error}", name_of(records, *id)));
        }
    }
    words
}

fn name_of(records: &[engine::channels::ChannelRecord], id: i64) -> String {
    records
        .iter()
        .find(|r| r.id == id)
        .map(|r| format!("“{}”", r.name))
        .unwrap_or_else(|| format!("channel {id}"))
}

pub async fn unfollow(
    State(ctx): State<AppContext>,
    jar: CookieJar,
    Path((channel_id, user_id)): Path<(i64, i64)>,
) -> Response {
    act(
        &ctx,
        jar,
        &format!("/channels/{channel_id}"),
        async |person| ctx.engine.unfollow(&person, channel_id, user_id).await,
        |()| "Saved: they are no longer told about this channel.".into(),
    )
    .await
}

pub async fn create_calendar(State(ctx): State<AppContext>, jar: CookieJar) -> Response {
    let outcome = async {
        let person = signed_in(&ctx, &jar).await?;
        ctx.engine.create_calendar_feed(&person).await
    }
    .await;
    match outcome {
        Ok(token) => {
            let link = engine::crypto::Secret::new(ctx.engine.calendar_link(&token));
            (
                jar.add(ctx.reveal_once_cookie(NEW_CALENDAR_COOKIE, &link)),
                Redirect::to(PAGE),
            )
                .into_response()
        }
        Err(error) => respond(&ctx, jar, PAGE, Err(error)),
    }
}

pub async fn revoke_calendar(State(ctx): State<AppContext>, jar: CookieJar) -> Response {
    act(
        &ctx,
        jar,
        PAGE,
        async |person| ctx.engine.revoke_calendar_feed(&person).await,
        |_| "The calendar address is off; it stopped working at once.".into(),
    )
    .await
}

/// The feed itself: `GET /calendar/<token>.ics`, no session (calendar apps have none).
pub async fn calendar_feed(State(ctx): State<AppContext>, Path(file): Path<String>) -> Response {
    let Some(token) = file.strip_suffix(".ics") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match ctx.engine.calendar_feed(token).await {
        Ok(Some(ics)) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "private, max-age=300"),
            ],
            ics,
        )
            .into_response(),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            "This calendar address is not valid (any more). Make a new one under Notifications in Tether.",
        )
            .into_response(),
        Err(error) => {
            tracing::error!(detail = %error.log_detail(), "calendar feed failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
