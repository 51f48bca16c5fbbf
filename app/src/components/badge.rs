use super::use_ticking_now;
use crate::status::{status, ChannelFacts, Health, Status};
use leptos::prelude::*;

/// A channel's state as an icon and words; the colour only repeats what they say.
#[component]
fn Badge(status: Memo<Status>) -> impl IntoView {
    let state = move || status.get().state;
    view! {
        <span class=move || format!("badge badge--{}", state().slug())>
            <span class="badge__icon" aria-hidden="true">{move || state().icon()}</span>
            <span class="badge__label">{move || state().label()}</span>
        </span>
    }
}

/// Badge, reason and countdown of one channel, recomputed from its facts every second.
/// `rendered_at` is the server's clock when it rendered the page, so the first frame in
/// the browser is exactly what the server sent.
#[island]
pub fn ChannelStatus(facts: ChannelFacts, rendered_at: i64, clock_offset: i64) -> impl IntoView {
    let now = use_ticking_now(rendered_at, clock_offset);
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

/// The dashboard's health sign: how many channels need attention, kept current as
/// deadlines pass. Only the `changing` channels are recomputed; `settled` tallies those
/// that time does not change within a day of rendering.
#[island]
pub fn HealthSign(
    changing: Vec<ChannelFacts>,
    settled: Health,
    rendered_at: i64,
    clock_offset: i64,
) -> impl IntoView {
    let now = use_ticking_now(rendered_at, clock_offset);
    let health = Memo::new(move |_| {
        let states: Vec<_> = changing
            .iter()
            .map(|f| status(f, now.get()).state)
            .collect();
        Health::of(&states)
            .with_app_refused(changing.iter().filter(|f| f.app_refused).count())
            .plus(settled)
    });
    let all_well = move || health.get().all_well();
    view! {
        <section
            class=move || if all_well() { "health health--well" } else { "health health--attention" }
            aria-live="polite"
            data-testid="health"
        >
            <span class="health__icon" aria-hidden="true">
                {move || if all_well() { "✓" } else { "!" }}
            </span>
            <span>{move || health.get().summary()}</span>
        </section>
    }
}
