use leptos::prelude::*;

/// A form that posts to a plain server route, so it works before the WASM has loaded; once
/// hydrated, its button shows progress and a second submission is refused.
#[island]
pub fn BusyForm(
    #[prop(into)] action: String,
    #[prop(optional, into)] class: Option<String>,
    /// For fields elsewhere on the page that belong to this form (`form="…"`).
    #[prop(optional, into)]
    id: Option<String>,
    #[prop(into)] label: String,
    #[prop(into)] busy_label: String,
    children: Children,
) -> impl IntoView {
    let pending = RwSignal::new(false);
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        if pending.get_untracked() {
            event.prevent_default();
        } else {
            pending.set(true);
        }
    };
    view! {
        <form id=id class=class.unwrap_or_else(|| "form".into()) method="post" action=action on:submit=on_submit>
            {children()}
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
        </form>
    }
}

/// A destructive action behind a disclosure: it says what will happen and asks first, in
/// the danger style, and works before the WASM has loaded.
#[component]
pub fn DangerForm(
    #[prop(into)] summary: String,
    #[prop(into)] warning: String,
    #[prop(into)] action: String,
    #[prop(into)] label: String,
    #[prop(into)] busy_label: String,
    /// Choices that go with the action (what else to undo), inside the form.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    view! {
        <details class="danger">
            <summary>{summary}</summary>
            <p>{warning}</p>
            <BusyForm action class="inline" label busy_label>{children.map(|c| c())}</BusyForm>
        </details>
    }
}
