use crate::status::{status, ChannelFacts, State};
use leptos::prelude::*;

/// A channel's state as an icon and words; the colour only repeats what they say.
#[component]
pub fn Badge(#[prop(into)] state: Signal<State>) -> impl IntoView {
    view! {
        <span class=move || format!("badge badge--{}", state.get().slug())>
            <span class="badge__icon" aria-hidden="true">{move || state.get().icon()}</span>
            <span class="badge__label">{move || state.get().label()}</span>
        </span>
    }
}

/// Badge, reason and countdown of one channel, recomputed from its facts as `now` ticks.
#[component]
pub fn ChannelStatus(facts: ChannelFacts, #[prop(into)] now: Signal<i64>) -> impl IntoView {
    let current = Memo::new(move |_| status(&facts, now.get()));
    let state = Signal::derive(move || current.get().state);
    view! {
        <div class="channel__status">
            <Badge state/>
            <p class="channel__reason">{move || current.get().reason}</p>
            {move || {
                current
                    .get()
                    .deadline
                    .map(|deadline| {
                        view! {
                            <p class="channel__countdown" data-testid="countdown">
                                <span aria-hidden="true">"⏱ "</span>
                                {move || deadline.describe(now.get())}
                            </p>
                        }
                    })
            }}
        </div>
    }
}
