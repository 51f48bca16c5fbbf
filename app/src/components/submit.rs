use leptos::prelude::*;

/// A submit button that shows progress once its form is on its way. Plain HTML without
/// the WASM; after hydration it also stops a second submission.
#[component]
pub fn SubmitButton(
    #[prop(into)] label: String,
    #[prop(into)] busy_label: String,
    pending: ReadSignal<bool>,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            class="button"
            aria-busy=move || pending.get().to_string()
            aria-disabled=move || pending.get().to_string()
        >
            {move || {
                if pending.get() {
                    view! {
                        <span class="spinner" aria-hidden="true"></span>
                        {busy_label.clone()}
                    }
                        .into_any()
                } else {
                    label.clone().into_any()
                }
            }}
        </button>
    }
}

/// A submit handler that marks the form pending and refuses a second submission.
pub fn on_submit_pending(
    pending: RwSignal<bool>,
) -> impl Fn(leptos::ev::SubmitEvent) + Clone + 'static {
    move |event| {
        if pending.get_untracked() {
            event.prevent_default();
        } else {
            pending.set(true);
        }
    }
}
