//! The agent overview: every field of the agent, refreshed live by the agent page. The cards
//! below the first screen (`details`) load with code of their own.
mod details;
pub(crate) mod sections;
pub mod version;

pub use sections::Overview;

use leptos::prelude::*;

/// The cards below the first screen, once their code is here.
async fn details() -> AnyView {
    #[cfg(split_views)]
    return load_details().await.unwrap_or_else(|_| {
        view! {
            <p class="notice tone-warning" role="alert">
                "The rest of the overview could not be loaded: check the connection, then reload the page."
            </p>
        }
        .into_any()
    });
    #[cfg(not(split_views))]
    return details::Details().into_any();
}

#[cfg(split_views)]
#[leptos::wasm_split::wasm_split(overview_details, wasm_split_path = ::leptos::wasm_split, fallible)]
fn load_details() -> Result<AnyView, leptos::wasm_split::SplitLoaderError> {
    Ok(details::Details().into_any())
}
