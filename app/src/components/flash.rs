use crate::model::{Flash, FlashKind};
use leptos::prelude::*;

/// A one-time message after a redirect. Errors are announced at once; successes politely.
#[component]
pub fn FlashMessage(flash: Option<Flash>) -> impl IntoView {
    flash.map(|flash| {
        let (class, role, icon) = match flash.kind {
            FlashKind::Success => ("flash flash--success", "status", "✓"),
            FlashKind::Error => ("flash flash--error", "alert", "!"),
        };
        view! {
            <div class=class role=role>
                <span class="flash__icon" aria-hidden="true">{icon}</span>
                <span>{flash.text}</span>
            </div>
        }
    })
}
