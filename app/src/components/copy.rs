//! A button beside a secret shown once (an API key, an invite or welcome link, a webhook
//! secret, a calendar address) that copies it and says whether it did.

use leptos::prelude::*;

/// Copies the value of the input with id `field`, read when clicked, so the secret is not
/// repeated in the island's props. Before the WASM loads the button does nothing; the
/// field can still be selected and copied by hand.
#[island]
pub fn CopyButton(#[prop(into)] field: String, #[prop(into)] label: String) -> impl IntoView {
    let (said, set_said) = signal(String::new());
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let field = field.clone();
            leptos::task::spawn_local(async move {
                let copied = copy_field(&field).await;
                set_said.set(if copied {
                    "Copied.".into()
                } else {
                    "Could not copy: select the text and copy it.".into()
                });
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&field, set_said);
    };
    view! {
        <button type="button" class="button button--quiet copy" on:click=copy>{label}</button>
        <span class="copy__said" role="status">{said}</span>
    }
}

#[cfg(feature = "hydrate")]
async fn copy_field(field: &str) -> bool {
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return false;
    };
    let value = window
        .document()
        .and_then(|document| document.get_element_by_id(field))
        .and_then(|element| element.dyn_into::<web_sys::HtmlInputElement>().ok())
        .map(|input| input.value());
    match value {
        Some(value) => {
            wasm_bindgen_futures::JsFuture::from(window.navigator().clipboard().write_text(&value))
                .await
                .is_ok()
        }
        None => false,
    }
}
