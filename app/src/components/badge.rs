use super::use_ticking_now;
use crate::status::{state, status, ChannelFacts, Health, Status};
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

/// Badge, reason and countdown of one channel at the time `now` holds.
#[component]
fn StatusBody(facts: ChannelFacts, now: Signal<i64>) -> impl IntoView {
    let current = Memo::new(move |_| status(&facts, now.get()));
    view! {
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
    }
}

/// One channel's badge, reason and countdown, recomputed every second: the channel's own
/// page. `rendered_at` is the server's clock when it rendered the page, so the first frame
/// in the browser is exactly what the server sent.
#[island]
pub fn ChannelStatus(facts: ChannelFacts, rendered_at: i64, clock_offset: i64) -> impl IntoView {
    let now = use_ticking_now(rendered_at, clock_offset);
    view! {
        <div class="channel__status">
            <StatusBody facts now=now.into()/>
        </div>
    }
}

/// A row's status as the server rendered it, where `LiveStatuses` takes over in the
/// browser.
#[component]
pub fn RowStatus(id: i64, facts: ChannelFacts, rendered_at: i64) -> impl IntoView {
    view! {
        <div class="channel__status" id=status_slot(id)>
            <StatusBody facts now=Signal::stored(rendered_at)/>
        </div>
    }
}

fn status_slot(id: i64) -> String {
    format!("status-{id}")
}

/// Keeps every row's status on a page current with one clock: however many rows there
/// are, one island hydrates and one timer ticks. Each row's `RowStatus` is replaced by the
/// same view, driven by this clock.
#[island]
pub fn LiveStatuses(
    channels: Vec<(i64, ChannelFacts)>,
    rendered_at: i64,
    clock_offset: i64,
) -> impl IntoView {
    let now = use_ticking_now(rendered_at, clock_offset);
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let document = leptos::prelude::document();
        let mounted: Vec<_> = channels
            .into_iter()
            .filter_map(|(id, facts)| {
                let slot = document
                    .get_element_by_id(&status_slot(id))?
                    .dyn_into::<web_sys::HtmlElement>()
                    .ok()?;
                slot.set_inner_html("");
                Some(leptos::mount::mount_to(slot, move || {
                    view! { <StatusBody facts now=now.into()/> }
                }))
            })
            .collect();
        // Dropping a handle unmounts its view: keep them as long as the island.
        StoredValue::new_local(mounted);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (channels, now);
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
        let states: Vec<_> = changing.iter().map(|f| state(f, now.get())).collect();
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
