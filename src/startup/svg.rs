//! Draws a [`Chart`] as SVG: the axis and its grid, a heading per stage, and per row its label,
//! its bars and a text with the outcome (symbol and words) and the duration. Every name goes in
//! as text, never as markup.
use super::chart::{tick_label, ticks, Bar, Chart, Outcome, Row, RowKind};
use crate::ui::status::{describe_script_outcome, StateText, Tone};
use crate::ui::time::format_duration;
use leptos::prelude::*;
use std::ops::Range;
use std::sync::Arc;

/// The drawing's width in its own units; narrower screens scroll it inside its frame.
pub const WIDTH: f64 = 960.0;
const LABEL_X: f64 = 8.0;
const PLOT_X: f64 = 240.0;
const PLOT_W: f64 = 520.0;
const AXIS_H: f64 = 28.0;
const GROUP_H: f64 = 26.0;
const ROW_H: f64 = 26.0;
const BAR_H: f64 = 14.0;
const FOOT_H: f64 = 24.0;
/// A run too short for the scale (or with no length) still shows.
const MIN_BAR_W: f64 = 2.0;

/// A bar of a row: `(row, bar)`, rows counted across the stages in drawing order.
pub type Pick = (usize, usize);

/// How the chart talks to the page: what is shown in the details, and what opens a script's logs.
#[derive(Clone, Copy)]
pub struct Interaction {
    pub selected: RwSignal<Option<Pick>>,
    pub activate: Callback<usize>,
    /// The pointer that went down last was a finger: its tap selects, the next one activates.
    pub touch: StoredValue<bool>,
}

/// What a bar's outcome means: tone, label and sentence.
pub fn describe_bar(bar: &Bar) -> StateText {
    match &bar.outcome {
        Outcome::Connected => StateText {
            tone: Tone::Ok,
            label: "Connected".into(),
            description: "The agent connected to the control plane.".into(),
        },
        Outcome::Running => StateText {
            tone: Tone::Progress,
            label: "Running".into(),
            description: "It has not finished yet.".into(),
        },
        Outcome::Ended { status, exit_code } => describe_script_outcome(status, *exit_code),
    }
}

/// The text beside a row's bars: symbol, outcome, duration and what else matters.
pub fn row_summary(row: &Row) -> String {
    let bar = row.latest();
    let state = describe_bar(bar);
    let mut text = format!(
        "{} {} · {}",
        state.tone.symbol(),
        state.label,
        format_duration(bar.duration_ms())
    );
    if row.runs > 1 {
        text.push_str(&format!(" · {} runs", row.runs));
    }
    if row.held_login {
        text.push_str(" · logins waited for it");
    }
    text
}

fn x(chart: &Chart, ms: f64) -> f64 {
    PLOT_X + (ms / chart.span_ms).clamp(0.0, 1.0) * PLOT_W
}

/// Rows drawn beyond each edge of the frame's visible band, so that Tab and a short scroll always
/// meet drawn rows (the browser scrolls a focused row into view, and the band follows).
const OVERSCAN: usize = 12;

/// Where everything sits in the drawing. The SVG is as tall as every row, but only the rows near
/// the frame's visible band are in the page: 1,000 scripts draw as fast as 30.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// Each stage's heading and its top.
    pub titles: Vec<(String, f64)>,
    /// Each row's top, in drawing order (ascending).
    pub row_tops: Vec<f64>,
    pub height: f64,
}

/// Lays the stages and their rows out one below the other.
pub fn layout(chart: &Chart) -> Layout {
    let mut y = AXIS_H;
    let mut titles = Vec::new();
    let mut row_tops = Vec::new();
    for group in &chart.groups {
        titles.push((group.title.clone(), y));
        y += GROUP_H;
        for _ in &group.rows {
            row_tops.push(y);
            y += ROW_H;
        }
    }
    Layout {
        titles,
        row_tops,
        height: y + FOOT_H,
    }
}

/// The rows to draw for a visible band `[top, top + height)` of the drawing, with [`OVERSCAN`]
/// rows on each side.
pub fn rows_in_band(row_tops: &[f64], top: f64, height: f64) -> Range<usize> {
    let first = row_tops.partition_point(|t| t + ROW_H <= top);
    let end = row_tops.partition_point(|t| *t < top + height.max(0.0));
    first.saturating_sub(OVERSCAN)..(end + OVERSCAN).min(row_tops.len())
}

/// The chart in its frame, which scrolls it (never the page) and tells it which rows are in view.
#[component]
pub fn ChartFrame(chart: Chart, io: Interaction) -> impl IntoView {
    let frame = NodeRef::<leptos::html::Div>::new();
    // Before the frame is measured, the window's height is a safe guess of the band.
    let band = RwSignal::new((0.0, window_height()));
    let measure = move || {
        if let Some(f) = frame.get_untracked() {
            band.set((f64::from(f.scroll_top()), f64::from(f.client_height())));
        }
    };
    Effect::new(move |_| {
        if frame.get().is_some() {
            measure();
        }
    });
    let resize = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());
    view! {
        <div class="chart-frame" tabindex="-1" node_ref=frame on:scroll=move |_| measure()>
            {chart_svg(chart, band.into(), io)}
        </div>
    }
}

fn window_height() -> f64 {
    window()
        .inner_height()
        .ok()
        .and_then(|h| h.as_f64())
        .unwrap_or(1000.0)
}

/// The whole drawing; rows are drawn for the visible `band` (top, height) of it.
fn chart_svg(chart: Chart, band: Signal<(f64, f64)>, io: Interaction) -> impl IntoView {
    let Layout {
        titles,
        row_tops,
        height: h,
    } = layout(&chart);
    let titles = titles
        .into_iter()
        .map(|(title, y)| {
            view! {
                <text class="stage-title" x=LABEL_X y=y + GROUP_H * 0.7>
                    {title}
                </text>
            }
        })
        .collect_view();
    let axis = axis(&chart, h);
    let ready = ready_marker(&chart, h);
    let chart = Arc::new(chart);
    let row_tops = Arc::new(row_tops);
    let in_band = {
        let row_tops = row_tops.clone();
        Memo::new(move |_| band.with(|(top, height)| rows_in_band(&row_tops, *top, *height)))
    };
    // Keyed by index: rows that stay in the band keep their elements (and the keyboard focus).
    let rows = view! {
        <For each=move || in_band.get() key=|i| *i let:index>
            {chart.rows().nth(index).map(|row| row_view(&chart, row, index, row_tops[index], io))}
        </For>
    };
    view! {
        <svg
            class="startup-chart"
            viewBox=format!("0 0 {WIDTH} {h}")
            width=WIDTH
            height=h
            role="group"
            aria-label="Startup timeline"
        >
            {axis}
            {titles}
            {rows}
            {ready}
        </svg>
    }
}

fn axis(chart: &Chart, h: f64) -> impl IntoView {
    ticks(chart.span_ms)
        .into_iter()
        .map(|t| {
            let at = x(chart, t);
            view! {
                <g class="tick" aria-hidden="true">
                    <line x1=at x2=at y1=AXIS_H - 6.0 y2=h - FOOT_H />
                    <text x=at y=AXIS_H - 10.0 text-anchor="middle">
                        {tick_label(t)}
                    </text>
                </g>
            }
        })
        .collect_view()
}

fn ready_marker(chart: &Chart, h: f64) -> Option<impl IntoView> {
    let ready = chart.ready_ms?;
    let at = x(chart, ready);
    // The label sits on whichever side of the line has room.
    let (dx, anchor) = if at > PLOT_X + PLOT_W * 0.7 {
        (-4.0, "end")
    } else {
        (4.0, "start")
    };
    Some(view! {
        <g class="ready-marker">
            <line x1=at x2=at y1=AXIS_H - 6.0 y2=h - FOOT_H + 4.0 />
            <text x=at + dx y=h - 6.0 text-anchor=anchor>
                {format!("Ready · {}", format_duration(ready))}
            </text>
        </g>
    })
}

fn row_view(chart: &Chart, row: &Row, index: usize, y: f64, io: Interaction) -> impl IntoView {
    let latest = row.bars.len() - 1;
    let summary = row_summary(row);
    let opens_logs = matches!(
        row.kind,
        RowKind::Script {
            log_source: Some(_),
            ..
        }
    );
    let label = format!(
        "{}: {}{}",
        row.name,
        summary.trim_start_matches(|c: char| !c.is_alphanumeric()),
        if opens_logs { ". Opens its logs." } else { "" }
    );
    let tone = describe_bar(row.latest()).tone;
    let select = move || io.selected.set(Some((index, latest)));
    let activate = move || {
        if opens_logs {
            io.activate.run(index);
        }
    };
    let end_x = row
        .bars
        .iter()
        .map(|b| x(chart, b.end_ms))
        .fold(PLOT_X, f64::max);
    let bars = row
        .bars
        .iter()
        .enumerate()
        .map(|(i, bar)| bar_view(chart, bar, (index, i), y, io))
        .collect_view();
    view! {
        <g
            class=move || {
                let selected = io.selected.get().is_some_and(|(r, _)| r == index);
                format!(
                    "row {}{}{}",
                    tone.class(),
                    if selected { " selected" } else { "" },
                    if opens_logs { " opens-logs" } else { "" },
                )
            }
            data-row=index
            tabindex="0"
            role=if opens_logs { "button" } else { "img" }
            aria-label=label
            on:focus=move |_| select()
            // A finger's tap selects on its click (the first tap shows details, the next opens).
            on:pointerenter=move |ev| {
                if ev.pointer_type() != "touch" {
                    select()
                }
            }
            on:pointerdown=move |ev| io.touch.set_value(ev.pointer_type() == "touch")
            on:click=move |_| {
                let first_tap = io.touch.get_value()
                    && io.selected.get_untracked().is_none_or(|(r, _)| r != index);
                if first_tap { select() } else { activate() }
            }
            on:keydown=move |ev| {
                if ev.key() == "Enter" || ev.key() == " " {
                    ev.prevent_default();
                    activate();
                }
            }
        >
            <rect class="row-hit" x=0 y=y width=WIDTH height=ROW_H />
            <text class="row-label" x=LABEL_X + 12.0 y=y + ROW_H * 0.68>
                {row.label.clone()}
            </text>
            {bars}
            <text class="row-outcome" x=end_x + 6.0 y=y + ROW_H * 0.68>
                {summary}
            </text>
        </g>
    }
}

fn bar_view(chart: &Chart, bar: &Bar, pick: Pick, y: f64, io: Interaction) -> impl IntoView {
    let x1 = x(chart, bar.start_ms);
    let w = (x(chart, bar.end_ms) - x1).max(MIN_BAR_W);
    let tone = describe_bar(bar).tone;
    view! {
        <rect
            class=format!("bar {}", tone.class())
            class:running=bar.outcome == Outcome::Running
            x=x1
            y=y + (ROW_H - BAR_H) / 2.0
            width=w
            height=BAR_H
            rx=3
            on:pointerenter=move |ev| {
                if ev.pointer_type() != "touch" {
                    io.selected.set(Some(pick))
                }
            }
        />
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tops(n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| AXIS_H + GROUP_H + i as f64 * ROW_H)
            .collect()
    }

    #[test]
    fn the_band_draws_the_rows_it_shows_and_a_margin() {
        let t = tops(1_000);
        // The frame's top shows rows 0..=21 (560 px): those and the overscan below.
        let r = rows_in_band(&t, 0.0, 560.0);
        assert_eq!(r.start, 0);
        let last_seen = t.iter().rposition(|y| *y < 560.0).unwrap();
        assert_eq!(r.end, last_seen + 1 + OVERSCAN);
        // Scrolled to the middle: a margin on both sides.
        let top = t[500];
        let r = rows_in_band(&t, top, 260.0);
        assert_eq!(r, 500 - OVERSCAN..510 + OVERSCAN);
        // A row cut by the band's top edge is still drawn.
        let r = rows_in_band(&t, t[500] + 1.0, 260.0);
        assert_eq!(r.start, 500 - OVERSCAN);
    }

    #[test]
    fn the_band_stays_within_the_rows() {
        let t = tops(5);
        assert_eq!(rows_in_band(&t, 0.0, 10_000.0), 0..5);
        // Scrolled past the end (a shrinking chart): the last rows, never an empty drawing.
        assert_eq!(rows_in_band(&tops(100), 1e9, 500.0), 100 - OVERSCAN..100);
        assert_eq!(rows_in_band(&[], 0.0, 500.0), 0..0);
        // A frame not laid out yet (no height) still draws the first rows.
        assert_eq!(rows_in_band(&t, 0.0, 0.0), 0..5);
    }
}
