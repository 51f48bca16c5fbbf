//! The local outbox: with no SMTP server configured, Tether writes its mail here instead of
//! sending it, and this page shows it.

use super::{LoadError, Loading};
use crate::api::load_outbox;
use crate::model::{OutboxLine, OutboxPage};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn OutboxPage() -> impl IntoView {
    let page = Resource::new(|| (), |_| load_outbox());
    view! {
        <Title text="Outbox · Tether"/>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <OutboxView page/> }.into_any(),
                    Err(e) => view! { <LoadError error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn OutboxView(page: OutboxPage) -> impl IntoView {
    view! {
        <main id="main" class="page">
            <p><a href="/">"← Back to the dashboard"</a></p>
            <h1>"Outbox"</h1>
            {match page.mails {
                None => view! {
                    <p class="lede">"Mail goes to the SMTP server set in TETHER_SMTP_HOST, so nothing is kept here."</p>
                }
                    .into_any(),
                Some(mails) => view! {
                    <p class="lede">
                        "No SMTP server is set (TETHER_SMTP_HOST), so Tether writes its mail here instead of sending it. Each message is also an .eml file in the outbox directory."
                    </p>
                    {if mails.is_empty() {
                        view! { <p class="empty">"No mail yet."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="keys" role="list">
                                {mails.into_iter().map(|mail| view! { <OutboxItem mail/> }).collect_view()}
                            </ul>
                        }
                            .into_any()
                    }}
                }
                    .into_any(),
            }}
        </main>
    }
    .into_any()
}

#[component]
fn OutboxItem(mail: OutboxLine) -> impl IntoView {
    view! {
        <li class="key" data-testid="mail">
            <p><strong>{mail.subject}</strong></p>
            <p class="hint">{format!("To {} · {}", mail.to, mail.sent)}</p>
            {match mail.text {
                Some(text) => view! {
                    <details>
                        <summary>"Show the message"</summary>
                        <pre class="mail">{text}</pre>
                    </details>
                }
                    .into_any(),
                None => view! {
                    <p class="hint">
                        "This message holds a link that signs its recipient in, so only they may read it. An operator finds it in the outbox directory."
                    </p>
                }
                    .into_any(),
            }}
        </li>
    }
    .into_any()
}
