//! Hydrates the islands of the server-rendered page (countdowns, busy buttons), so they
//! come alive without a round trip.

// The islands are exported from the app crate; naming it links them into this WASM.
extern crate app;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Panic messages in the console help while developing; the release WASM leaves the
    // formatting machinery out to stay within its size budget.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
