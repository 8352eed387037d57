//! The agent overview: every field of the agent, refreshed live by the agent page. The cards
//! below the first screen (`details`) load with code of their own.
mod apps;
mod connect;
mod details;
pub mod metadata;
pub(crate) mod sections;
mod sessions;
pub mod version;

pub use sections::Overview;

use leptos::prelude::*;

/// The cards below the first screen, once their code is here.
async fn details() -> AnyView {
    #[cfg(split_views)]
    return load_details()
        .await
        .unwrap_or_else(|_| load_failed("The rest of the overview"));
    #[cfg(not(split_views))]
    return details::Details().into_any();
}

/// The metadata and latency history cards, once their code is here (after the agent's name is on screen).
async fn metadata_card() -> AnyView {
    #[cfg(split_views)]
    return load_metadata()
        .await
        .unwrap_or_else(|_| load_failed("The metadata card"));
    #[cfg(not(split_views))]
    return metadata::LiveCards().into_any();
}

#[cfg(split_views)]
fn load_failed(what: &str) -> AnyView {
    view! {
        <p class="notice tone-warning" role="alert">
            {format!("{what} could not be loaded: check the connection, then reload the page.")}
        </p>
    }
    .into_any()
}

#[cfg(split_views)]
#[leptos::wasm_split::wasm_split(overview_details, wasm_split_path = ::leptos::wasm_split, fallible)]
fn load_details() -> Result<AnyView, leptos::wasm_split::SplitLoaderError> {
    Ok(details::Details().into_any())
}

#[cfg(split_views)]
#[leptos::wasm_split::wasm_split(overview_metadata, wasm_split_path = ::leptos::wasm_split, fallible)]
fn load_metadata() -> Result<AnyView, leptos::wasm_split::SplitLoaderError> {
    Ok(metadata::LiveCards().into_any())
}
