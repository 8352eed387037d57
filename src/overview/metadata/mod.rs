//! The overview's metadata card: each item the template measures (CPU, memory, disk, ...), live,
//! with its age, "stale" when no fresh value came in time, errors in words, and a small chart of
//! the numbers seen since the page opened (coderd keeps no history). Its code is a split module
//! of its own (`super::metadata_card`).
mod feed;
pub mod latency;
pub mod model;

use crate::state::use_agent;
use crate::ui::time::clock;
use crate::ui::Skeleton;
use feed::{start_metadata_feed, StreamState};
use leptos::prelude::*;
use model::{Board, Freshness, Item};
use std::collections::VecDeque;

/// The history chart's size in its own units.
const SPARK_W: f64 = 96.0;
const SPARK_H: f64 = 24.0;

/// What this module adds to the overview, after the agent's name is on screen: the metadata
/// card and latency by relay region, both followed live with a history since the page opened.
#[component]
pub fn LiveCards() -> impl IntoView {
    view! {
        <MetadataCard />
        <latency::LatencyCard />
    }
}

/// The card, streaming while it is on the page.
#[component]
pub fn MetadataCard() -> impl IntoView {
    crate::ui::use_view_styles("metadata", include_str!("../../../style/metadata.css"));
    let ctx = use_agent();
    let (board, state) = start_metadata_feed(ctx.id);
    let now = clock();
    let items = move || {
        let now_ms = {
            now.track();
            js_sys::Date::now()
        };
        board.with(|b| render_items(b, now_ms))
    };
    view! {
        <section class="card metadata-card" aria-labelledby="metadata-title">
            <h2 id="metadata-title">"Metadata"</h2>
            {move || state.with(notice)}
            {move || match (state.get(), board.with(|b| b.items.is_empty())) {
                (StreamState::Connecting | StreamState::Reconnecting { .. }, true) => {
                    view! { <Skeleton lines=3 /> }.into_any()
                }
                (StreamState::Unsupported, _) => ().into_any(),
                (_, true) => {
                    view! {
                        <p class="muted">
                            "The template measures nothing for this agent (no metadata blocks)."
                        </p>
                    }
                        .into_any()
                }
                _ => items.clone().into_any(),
            }}
        </section>
    }
}

/// What the stream's state says above the items.
fn notice(state: &StreamState) -> Option<AnyView> {
    let (tone, text) = match state {
        StreamState::Reconnecting { in_ms, attempt, reason } => (
            "tone-warning",
            format!("{reason} Retry {attempt} in {} s; the values below are the last ones seen.", in_ms.div_ceil(1000)),
        ),
        StreamState::Unsupported => (
            "tone-neutral",
            "This server offers no metadata stream for this agent (it answered 404 to the WebSocket and to the event stream): coderd versions without agent metadata do not have one.".into(),
        ),
        StreamState::ServerError(message) => ("tone-danger", format!("The server reported an error: {message}")),
        _ => return None,
    };
    Some(
        view! {
            <p class=format!("notice {tone}") role="status">
                {text}
            </p>
        }
        .into_any(),
    )
}

fn render_items(board: &Board, now_ms: f64) -> AnyView {
    view! {
        <ul class="metadata-list">
            {board.items.iter().map(|item| render_item(item, now_ms)).collect_view()}
        </ul>
    }
    .into_any()
}

fn render_item(item: &Item, now_ms: f64) -> impl IntoView {
    let result = &item.metadata.result;
    let freshness = item.freshness(now_ms);
    let stale = matches!(freshness, Freshness::Stale { .. });
    let value = match freshness {
        Freshness::Waiting => {
            view! { <span class="md-value muted">"waiting for the first value…"</span> }.into_any()
        }
        _ if result.value.is_empty() && result.is_error() => ().into_any(),
        // The command ran and printed nothing: said, so it does not look like a missing value.
        _ if result.value.trim().is_empty() => {
            view! { <span class="md-value muted">"(no output)"</span> }.into_any()
        }
        _ => {
            view! { <span class="md-value">{model::display_text(&result.value)}</span> }.into_any()
        }
    };
    let age = match freshness {
        Freshness::Waiting => String::new(),
        Freshness::Fresh { age_s } => age_text(age_s),
        Freshness::Stale { age_s } => format!("stale · {}", age_text(age_s)),
    };
    let error = result
        .is_error()
        .then(|| view! { <span class="md-error">{format!("✕ {}", model::display_text(&result.error))}</span> });
    let title = item.metadata.description.display_name.clone();
    view! {
        <li class="metadata-item" class:stale=stale class:failed=result.is_error()>
            <span class="md-name">{title}</span>
            {value}
            {error}
            <span class="md-age">{age}</span>
            {sparkline(
                &item.history,
                format!("{} values since this page opened", item.metadata.description.display_name),
            )}
        </li>
    }
}

fn age_text(age_s: i64) -> String {
    match age_s {
        s if s < 2 => "just now".into(),
        s if s < 120 => format!("{s} s ago"),
        s if s < 7_200 => format!("{} min ago", s / 60),
        s => format!("{} h ago", s / 3_600),
    }
}

/// Values over time (`(ms, value)`), as a line, from two points on; `what` names them for a
/// screen reader, which also hears the range.
fn sparkline(history: &VecDeque<(f64, f64)>, what: String) -> Option<impl IntoView> {
    let points = model::spark_points(history, SPARK_W, SPARK_H)?;
    let (lo, hi) = model::span(history)?;
    Some(view! {
        <svg
            class="md-spark"
            viewBox=format!("0 0 {SPARK_W} {SPARK_H}")
            width=SPARK_W
            height=SPARK_H
            role="img"
            aria-label=format!("{what}: {} points, from {lo} to {hi}", history.len())
        >
            <polyline points=points />
        </svg>
    })
}
