//! Notifications: what the person was told (newest first), how each kind reaches them by
//! mail, and — for owners and admins — the workspace's reminder days.

use super::{LoadError, Loading};
use crate::api::load_notifications;
use crate::components::{BusyForm, CopyButton, FlashMessage};
use crate::model::{NoticeLine, NotificationsPage};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let page = Resource::new(|| (), |_| load_notifications());
    view! {
        <Title text="Notifications · Tether"/>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <NotificationsView page/> }.into_any(),
                    Err(e) => view! { <LoadError error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn NotificationsView(page: NotificationsPage) -> impl IntoView {
    // After a refusal, the days typed, to be corrected rather than retyped.
    let days = crate::model::Flash::typed(&page.flash, "days")
        .unwrap_or_else(|| page.reminder_days.clone());
    let unread = page.items.iter().filter(|n| n.unread).count();
    view! {
        <main id="main" class="page">
            <p><a href="/">"← Back to the dashboard"</a></p>
            <h1>"Notifications"</h1>
            <FlashMessage flash=page.flash/>
            <section class="card" aria-labelledby="list-heading">
                <h2 id="list-heading">
                    {if unread == 0 { "All read".to_owned() } else { format!("{unread} unread") }}
                </h2>
                {if page.items.is_empty() {
                    view! { <p class="empty">"Nothing yet. Tether tells you here when a channel needs someone."</p> }.into_any()
                } else {
                    view! {
                        <ul class="keys" role="list">
                            {page.items.into_iter().map(|item| view! { <NoticeItem item/> }).collect_view()}
                        </ul>
                    }
                        .into_any()
                }}
                {(unread > 0).then(|| view! {
                    <BusyForm action="/notifications/read" class="inline" label="Mark all as read" busy_label="Marking…">
                        ""
                    </BusyForm>
                })}
            </section>
            <section class="card" aria-labelledby="mail-heading">
                <h2 id="mail-heading">"By mail"</h2>
                <BusyForm action="/notifications/preferences" class="form" label="Save mail choices" busy_label="Saving…">
                    {page
                        .preferences
                        .into_iter()
                        .map(|(kind, words, chosen)| {
                            let id = format!("mail-{kind}");
                            view! {
                                <label for=id.clone()>{words}</label>
                                <select id=id name=kind>
                                    {[("instant", "At once"), ("daily", "Daily digest"), ("weekly", "Weekly digest"), ("off", "Not by mail")]
                                        .into_iter()
                                        .map(|(value, label)| view! { <option value=value selected=chosen == value>{label}</option> })
                                        .collect_view()}
                                </select>
                            }
                        })
                        .collect_view()}
                </BusyForm>
            </section>
            <section class="card" aria-labelledby="calendar-heading">
                <h2 id="calendar-heading">"Calendar"</h2>
                <p class="hint">"A private address for your calendar app: every deadline of this workspace's channels, with an alert on each reminder day. Anyone with the address can read it, so keep it to yourself."</p>
                {page.new_calendar_link.map(|link| view! {
                    <div class="card--reveal" data-testid="new-calendar">
                        <label for="calendar-link">"Your calendar address (shown once)"</label>
                        <input id="calendar-link" class="secret" readonly value=link/>
            <CopyButton field="calendar-link" label="Copy the calendar address"/>
                    </div>
                })}
                {match page.calendar_since {
                    Some(since) => view! {
                        <p>{format!("Your calendar address is on since {since}.")}</p>
                        <BusyForm action="/notifications/calendar" class="inline"
                            label="Make a new address (the old one stops)" busy_label="Making…">
                            ""
                        </BusyForm>
                        <BusyForm action="/notifications/calendar/revoke" class="inline"
                            label="Turn the calendar address off" busy_label="Turning off…">
                            ""
                        </BusyForm>
                    }
                        .into_any(),
                    None => view! {
                        <BusyForm action="/notifications/calendar" class="inline"
                            label="Make a calendar address" busy_label="Making…">
                            ""
                        </BusyForm>
                    }
                        .into_any(),
                }}
            </section>
            {page.may_set_reminders.then(|| view! {
                <section class="card" aria-labelledby="reminders-heading">
                    <h2 id="reminders-heading">"Reminder days"</h2>
                    <p class="hint">"Days before a deadline that needs a person (fresh consent, or a token nothing can renew) on which its connector, back-up admins and watchers are reminded. From 3 days before, every owner and admin is told too. Days longer than a token's whole life are skipped."</p>
                    <BusyForm action="/settings/reminders" class="form" label="Save reminder days" busy_label="Saving…">
                        <label for="reminder-days">"Days before the deadline"</label>
                        <input id="reminder-days" name="days" value=days.clone() required
                            inputmode="numeric" pattern="[0-9, ]+"/>
                    </BusyForm>
                </section>
            })}
        </main>
    }
    .into_any()
}

#[component]
fn NoticeItem(item: NoticeLine) -> impl IntoView {
    view! {
        <li class="key" data-testid="notification" data-unread=item.unread.to_string()>
            <p>
                {item.unread.then(|| view! { <span class="badge badge--unread">"New"</span>" " })}
                <strong>{item.title}</strong>
            </p>
            <p>{item.body}</p>
            <p class="hint">
                {item.at}
                {item.channel_id.map(|id| view! { " · "<a href=format!("/channels/{id}")>"Open the channel"</a> })}
            </p>
        </li>
    }
    .into_any()
}
