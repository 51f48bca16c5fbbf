//! One channel: its state with the live countdown, when it was authenticated and by whom,
//! when access and consent end, "refresh now" / "check now", its history and the periods
//! in which it was down (the data that may be missing).

use super::{thousands, LoadError, Loading};
use crate::api::load_channel;
use crate::components::{BusyForm, ChannelStatus, DangerForm, FlashMessage};
use crate::model::{ChannelPage, DowntimeLine, FollowerLine, HistoryLine};
use crate::status::NextAction;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The view of the dashboard a channel was opened from, if `from` names one; only a
/// dashboard address is followed, so a link cannot send people elsewhere.
fn back_to(from: Option<String>) -> String {
    from.as_deref()
        .and_then(crate::model::list_address)
        .unwrap_or("/")
        .to_owned()
}

#[component]
pub fn ChannelDetailPage() -> impl IntoView {
    let back = back_to(use_query_map().with_untracked(|query| query.get("from")));
    let params = use_params_map();
    let page = Resource::new(
        move || {
            params
                .read()
                .get("id")
                .and_then(|id| id.parse::<i64>().ok())
                .unwrap_or_default()
        },
        load_channel,
    );
    view! {
        <Suspense fallback=Loading>
            {move || {
                let back = back.clone();
                Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <ChannelView page back/> }.into_any(),
                    Err(e) => view! { <LoadError error=e/> }.into_any(),
                }
            })}}
        </Suspense>
    }
}

#[component]
fn ChannelView(page: ChannelPage, back: String) -> impl IntoView {
    let channel = &page.channel;
    let subtitle = [
        Some(format!("{} · {}", channel.network_name, channel.kind)),
        Some(channel.handle.clone()),
        channel
            .followers
            .map(|n| format!("{} followers", thousands(n))),
        Some(channel.access.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let name = channel.name.clone();
    let ChannelPage {
        disconnections,
        history,
        flash,
        followers,
        following,
        backup_candidates,
        ..
    } = page.clone();
    let id = page.channel.id;
    view! {
        <Title text=format!("{name} · Tether")/>
        <main id="main" class="page">
            <p><a href=back.clone()>"← Back to the dashboard"</a></p>
            <h1>{name}</h1>
            <p class="lede">{subtitle}</p>
            <FlashMessage flash/>
            <StateCard page=page.clone() back=back.clone()/>
            <Manage page back=back.clone()/>
            <WhoIsTold id followers following backup_candidates/>
            <Disconnections lines=disconnections/>
            {match history {
                Some(lines) => view! { <History lines/> }.into_any(),
                None => view! {
                    <section class="card" aria-labelledby="history-heading">
                        <h2 id="history-heading">"History"</h2>
                        <p class="empty">"Your role does not show who did what to this channel; ask an editor or admin."</p>
                    </section>
                }
                    .into_any(),
            }}
        </main>
    }
    .into_any()
}

/// What cannot be undone or is rarely needed, away from the dashboard's rows: reauthorize,
/// unlink, hand over, delete. Each destructive one asks first.
#[component]
fn Manage(page: ChannelPage, back: String) -> impl IntoView {
    let id = page.channel.id;
    let name = page.channel.name.clone();
    let facts = &page.channel.facts;
    let unlinked = facts.unlinked;
    let live = !unlinked && facts.dead_reason.is_none();
    let hand_over = page.may_delete && page.channel.personal && !unlinked;
    (page.may_act || page.may_delete).then(|| view! {
        <section class="card" aria-labelledby="manage-heading">
            <h2 id="manage-heading">"Manage"</h2>
            {page.may_act.then(|| view! {
                <form method="post" action=format!("/channels/{id}/rename") class="form form--inline rename">
                    <div class="field">
                        <label for="rename">"Name for your team"</label>
                        <input id="rename" name="name" required maxlength="80" value=name.clone()/>
                    </div>
                    <button type="submit" class="button">"Rename"</button>
                </form>
            })}
            <div class="channel__actions">
                {(page.may_act && live).then(|| view! {
                    <BusyForm action=format!("/channels/{id}/reauthorize") class="inline"
                        label="Reauthorize" busy_label="Opening the network…">
                        <ReturnTo back=back.clone()/>
                    </BusyForm>
                })}
                {(page.may_act && !unlinked).then(|| view! {
                    <DangerForm summary="Unlink…" warning="Unlinking revokes Tether's access at the network and drops the tokens; the channel and its history stay, and reconnecting brings it back." action=format!("/channels/{id}/unlink")
                        label=format!("Unlink “{name}”") busy_label="Revoking…"/>
                })}
                {hand_over.then(|| view! {
                    <details class="handover">
                        <summary>"Hand over…"</summary>
                        <p>"Reconnect this channel with another account of the same kind, for example when the person who connected it leaves. Its history is kept."</p>
                        <BusyForm action=format!("/channels/{id}/reauthorize") class="inline"
                            label="Reconnect with another account" busy_label="Opening the network…">
                            <input type="hidden" name="handover" value="true"/>
                        </BusyForm>
                    </details>
                })}
                {page.may_delete.then(|| view! {
                    <DangerForm summary="Delete…" warning="Deleting wipes the tokens and the channel. The event log keeps a line that it was deleted." action=format!("/channels/{id}/delete")
                        label=format!("Delete “{name}”") busy_label="Deleting…"/>
                })}
            </div>
        </section>
    })
}

/// Where a reconnect started here comes back to once the network is done: the view of the
/// list the page was opened from.
#[component]
fn ReturnTo(back: String) -> impl IntoView {
    (back != "/").then(|| view! { <input type="hidden" name="from" value=back/> })
}

#[component]
fn StateCard(page: ChannelPage, back: String) -> impl IntoView {
    let id = page.channel.id;
    let facts = page.channel.facts;
    let unlinked = facts.unlinked;
    let live = !unlinked && facts.dead_reason.is_none();
    // The page a notification links to carries the fix itself.
    let fix = match crate::status::status(&facts, page.now).next_action {
        NextAction::Reconnect => Some(("Reconnect", false)),
        NextAction::GrantPermissions => Some(("Grant missing permissions", true)),
        NextAction::Nothing | NextAction::Wait => None,
    };
    view! {
        <section class="card" aria-labelledby="state-heading">
            <h2 id="state-heading">"State"</h2>
            <ChannelStatus facts rendered_at=page.now clock_offset=page.clock_offset/>
            <dl class="facts">
                {page
                    .facts
                    .into_iter()
                    .map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> })
                    .collect_view()}
            </dl>
            // What the network does not say and a person may know: whether the profile is
            // private, which gives its consent an end.
            {page.private_profile.filter(|_| page.may_act && !unlinked).map(|private| view! {
                <div class="channel__actions">
                    <form method="post" action=format!("/channels/{id}/privacy") class="inline">
                        <input type="hidden" name="private" value=if private { "false" } else { "true" }/>
                        <button type="submit" class="button">
                            {if private { "Mark the profile public" } else { "Mark the profile private" }}
                        </button>
                    </form>
                </div>
            })}
            {fix.filter(|_| page.may_act).map(|(label, only_missing)| view! {
                <div class="channel__actions">
                    <BusyForm action=format!("/channels/{id}/reauthorize") class="inline"
                        label=label busy_label="Opening the network…">
                        {only_missing.then(|| view! {
                            <input type="hidden" name="only_missing" value="true"/>
                        })}
                        <ReturnTo back=back.clone()/>
                    </BusyForm>
                </div>
            })}
            {(page.may_act && live).then(|| view! {
                <div class="channel__actions">
                    {page.renewable.then(|| view! {
                        <BusyForm action=format!("/channels/{id}/refresh") class="inline"
                            label="Refresh now" busy_label="Renewing at the network…">
                            ""
                        </BusyForm>
                    })}
                    <BusyForm action=format!("/channels/{id}/check") class="inline"
                        label="Check now" busy_label="Asking the network…">
                        ""
                    </BusyForm>
                </div>
            })}
        </section>
    }
    .into_any()
}

/// Who hears about this channel besides its connector, and the buttons that change it.
#[component]
fn WhoIsTold(
    id: i64,
    followers: Vec<FollowerLine>,
    following: Option<String>,
    backup_candidates: Option<Vec<(i64, String)>>,
) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="told-heading">
            <h2 id="told-heading">"Who is told"</h2>
            <p class="hint">"Reminders and alerts go to the person who connected the channel, its back-up admins and its watchers; every owner and admin hears when it is urgent or nobody else is left."</p>
            {if followers.is_empty() {
                view! { <p class="empty">"No back-up admins or watchers yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="keys" role="list">
                        {followers
                            .into_iter()
                            .map(|f| {
                                let user = f.user_id;
                                view! {
                                    <li class="key" data-testid="follower">
                                        <p><strong>{f.name.clone()}</strong>" · "{f.role}</p>
                                        {f.removable.then(|| view! {
                                            <BusyForm action=format!("/channels/{id}/followers/{user}/remove") class="inline"
                                                label=format!("Stop telling {}", f.name) busy_label="Saving…">
                                                ""
                                            </BusyForm>
                                        })}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
            {following.is_none().then(|| view! {
                <BusyForm action=format!("/channels/{id}/followers") class="inline"
                    label="Watch this channel" busy_label="Saving…">
                    <input type="hidden" name="role" value="watcher"/>
                </BusyForm>
            })}
            {backup_candidates.map(|candidates| view! {
                <BusyForm action=format!("/channels/{id}/followers") class="form form--inline"
                    label="Make back-up admin" busy_label="Saving…">
                    <input type="hidden" name="role" value="backup"/>
                    <div class="field">
                        <label for="backup-user">"Back-up admin"</label>
                        <select id="backup-user" name="user_id">
                            {candidates
                                .into_iter()
                                .map(|(user, name)| view! { <option value=user.to_string()>{name}</option> })
                                .collect_view()}
                        </select>
                    </div>
                </BusyForm>
            })}
        </section>
    }
    .into_any()
}

#[component]
fn Disconnections(lines: Vec<DowntimeLine>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="down-heading">
            <h2 id="down-heading">"Disconnections"</h2>
            {if lines.is_empty() {
                view! { <p class="empty">"Never down since it was connected."</p> }.into_any()
            } else {
                view! {
                    <table class="table" data-testid="disconnections">
                        <caption class="hint">"Data from these periods may be missing."</caption>
                        <thead><tr><th scope="col">"From"</th><th scope="col">"To"</th><th scope="col">"Lasted"</th><th scope="col">"Why"</th></tr></thead>
                        <tbody>
                            {lines
                                .into_iter()
                                .map(|d| view! {
                                    <tr><td>{d.from}</td><td>{d.to}</td><td>{d.lasted}</td><td>{d.reason}</td></tr>
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                    .into_any()
            }}
        </section>
    }
    .into_any()
}

#[component]
fn History(lines: Vec<HistoryLine>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="history-heading">
            <h2 id="history-heading">"History"</h2>
            <ol class="history" role="list" data-testid="history">
                {lines
                    .into_iter()
                    .map(|line| view! {
                        <li>
                            <time>{line.at}</time>
                            <strong>{line.what}</strong>
                            <span class="history__who">{format!(" · {}", line.who)}</span>
                            {(!line.detail.is_empty()).then(|| view! { <p class="history__detail">{line.detail}</p> })}
                        </li>
                    })
                    .collect_view()}
            </ol>
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::back_to;

    #[test]
    fn only_a_view_of_the_dashboard_is_followed_back() {
        let back = |from: &str| back_to(Some(from.to_owned()));
        assert_eq!(back("/?show=attention&page=2"), "/?show=attention&page=2");
        assert_eq!(back_to(None), "/");
        for elsewhere in [
            "https://evil.example/",
            "//evil.example/?x",
            "/settings/members",
            "/?a=//b",
            "/?a=\\b",
        ] {
            assert_eq!(back(elsewhere), "/", "{elsewhere}");
        }
    }
}
