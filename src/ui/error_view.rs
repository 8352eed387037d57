//! Error views: what happened, the server's own words, and what to do — never a blank area.
use crate::api::ApiError;
use leptos::prelude::*;

/// A full error panel for a view whose data could not be loaded.
#[component]
pub fn ErrorView(#[prop(into)] error: Signal<ApiError>) -> impl IntoView {
    view! {
        <section class="error-view" role="alert">
            <h2>{move || error.get().title()}</h2>
            <ErrorDetails error />
        </section>
    }
}

/// A compact banner, e.g. when a refresh failed but older data is still shown.
#[component]
pub fn ErrorBanner(#[prop(into)] error: Signal<ApiError>) -> impl IntoView {
    view! {
        <div class="error-banner" role="alert">
            <strong>{move || error.get().title()}</strong>
            <ErrorDetails error />
        </div>
    }
}

#[component]
fn ErrorDetails(error: Signal<ApiError>) -> impl IntoView {
    let detail = move || {
        error
            .get()
            .body()
            .and_then(|b| b.detail.clone())
            .filter(|d| !d.is_empty())
    };
    let validations = move || {
        error
            .get()
            .body()
            .and_then(|b| b.validations.clone())
            .unwrap_or_default()
    };
    view! {
        <p class="error-message">{move || error.get().message()}</p>
        <ul class="error-validations">
            {move || {
                validations()
                    .into_iter()
                    .map(|v| {
                        view! {
                            <li>
                                <code>{v.field}</code>
                                ": "
                                {v.detail}
                            </li>
                        }
                    })
                    .collect_view()
            }}
        </ul>
        {move || {
            detail()
                .map(|d| {
                    view! {
                        <details class="error-detail">
                            <summary>"Details"</summary>
                            <pre>{d}</pre>
                        </details>
                    }
                })
        }}
        <p class="error-hint">{move || error.get().hint()}</p>
    }
}

/// The page for an address that matches nothing.
#[component]
pub fn NotFoundView(#[prop(into)] what: String) -> impl IntoView {
    view! {
        <section class="error-view" role="alert">
            <h2>"Not found"</h2>
            <p>{what}</p>
            <p>
                <a href="/">"Choose an agent"</a>
            </p>
        </section>
    }
}
