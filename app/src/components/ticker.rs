use leptos::prelude::*;

/// "Now" in Unix seconds. It starts at the server's `rendered_at`, so the hydrated page
/// shows exactly what the server rendered, then ticks every second from the browser's clock
/// plus `clock_offset` (how far the server's clock was moved, as the sandbox can).
pub fn use_ticking_now(rendered_at: i64, clock_offset: i64) -> ReadSignal<i64> {
    let (now, set_now) = signal(rendered_at);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let interval = gloo_timers::callback::Interval::new(1_000, move || {
            let browser_now = (js_sys::Date::now() / 1000.0).floor() as i64;
            set_now.set(browser_now + clock_offset);
        });
        // Dropping the interval cancels it: keep it as long as the page that asked for it.
        StoredValue::new_local(interval);
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (set_now, clock_offset);
    now
}
