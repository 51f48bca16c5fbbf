//! Hydrates the server-rendered page so the countdowns tick without a round trip.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Panic messages in the console help while developing; the release WASM leaves the
    // formatting machinery out to stay within its size budget.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
