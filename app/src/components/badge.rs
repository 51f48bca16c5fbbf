use crate::status::{status, ChannelFacts, Status};
use leptos::prelude::*;

/// A channel's state as an icon and words; the colour only repeats what they say.
#[component]
pub fn Badge(status: Memo<Status>) -> impl IntoView {
    let state = move || status.get().state;
    view! {
        <span class=move || format!("badge badge--{}", state().slug())>
            <span class="badge__icon" aria-hidden="true">{move || state().icon()}</span>
            <span class="badge__label">{move || state().label()}</span>
        </span>
    }
}

/// Badge, reason and countdown of one channel, recomputed from its facts as `now` ticks.
#[component]
pub fn ChannelStatus(facts: ChannelFacts, #[prop(into)] now: Signal<i64>) -> impl IntoView {
    let current = Memo::new(move |_| status(&facts, now.get()));
    view! {
        <div class="channel__status">
            <Badge status=current/>
            <p class="channel__reason">{move || current.get().reason}</p>
            {move || {
                current
                    .get()
                    .deadline
                    .map(|deadline| {
                        view! {
                            <p class="channel__countdown" data-testid="countdown">
                                {move || deadline.describe(now.get())}
                            </p>
                        }
                    })
            }}
        </div>
    }
}
