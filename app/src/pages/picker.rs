//! The account picker: after a consent that gave access to several pages, organizations
//! or ads accounts, the person ticks the ones to connect.

use super::{LoadError, Loading};
use crate::api::load_picker;
use crate::components::{BusyForm, FlashMessage};
use crate::model::{PickerChoice, PickerPage};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn PickPage() -> impl IntoView {
    let params = use_params_map();
    let page = Resource::new(
        move || params.read().get("pending").unwrap_or_default(),
        load_picker,
    );
    view! {
        <Title text="Choose accounts · Tether"/>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <Picker page/> }.into_any(),
                    Err(e) => view! { <LoadError error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Picker(page: PickerPage) -> impl IntoView {
    let pickable = page
        .choices
        .iter()
        .filter(|c| c.already_connected_as.is_none() && c.elsewhere.is_none())
        .count();
    view! {
        <main id="main" class="narrow">
            <p><a href="/">"← Back to the dashboard"</a></p>
            <h1>"Choose what to connect"</h1>
            <FlashMessage flash=page.flash/>
            <p class="lede">
                {format!(
                    "Your consent at {} gave access to these accounts. Tick the ones Tether should keep connected.",
                    page.network_name
                )}
            </p>
            <BusyForm action="/channels/pick" class="card form" label="Connect the chosen accounts"
                busy_label="Connecting…">
                <input type="hidden" name="pending" value=page.pending_id/>
                <fieldset class="choices">
                    <legend>{format!("{} accounts", page.network_name)}</legend>
                    {page
                        .choices
                        .into_iter()
                        .enumerate()
                        .map(|(i, choice)| view! { <ChoiceItem choice index=i preselect=pickable == 1/> })
                        .collect_view()}
                </fieldset>
                <p class="hint">
                    {format!(
                        "One account picked is named “{}”; several are named after themselves.",
                        page.channel_name
                    )}
                </p>
            </BusyForm>
        </main>
    }
    .into_any()
}

#[component]
fn ChoiceItem(choice: PickerChoice, index: usize, preselect: bool) -> impl IntoView {
    let id = format!("choice-{index}");
    let taken = choice.already_connected_as.clone();
    let details = [
        Some(choice.kind_label),
        Some(choice.handle),
        choice
            .followers
            .map(|n| format!("{} followers", super::thousands(n))),
        choice.linked_to.map(|page| format!("linked to {page}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let key = choice.key;
    match (choice.elsewhere, choice.may_move) {
        // Held by another workspace this person also runs: they choose what happens.
        (Some(workspace), true) => view! {
            <div class="choice choice--elsewhere">
                <label for=id.clone()>
                    <strong>{choice.name}</strong>
                    " "
                    <span class="choice__details">{details}</span>
                    " "
                    <span class="choice__taken">{format!("Connected in {workspace}")}</span>
                </label>
                <select id=id name="account">
                    <option value="" selected>"Leave it there"</option>
                    <option value=format!("move:{key}")>"Move it here, with its history"</option>
                    <option value=format!("replace:{key}")>"Remove it there and connect it here"</option>
                </select>
            </div>
        }
        .into_any(),
        (elsewhere, _) => {
            let blocked = taken
                .map(|name| format!("Already connected here as “{name}”"))
                .or(elsewhere.map(|w| format!("Connected in {w}; an admin there can remove it")));
            view! {
                <div class="choice">
                    <input type="checkbox" id=id.clone() name="account" value=key
                        checked=preselect && blocked.is_none() disabled=blocked.is_some()/>
                    <label for=id>
                        <strong>{choice.name}</strong>
                        " "
                        <span class="choice__details">{details}</span>
                        {blocked.map(|words| view! { " "<span class="choice__taken">{words}</span> })}
                    </label>
                </div>
            }
            .into_any()
        }
    }
}
