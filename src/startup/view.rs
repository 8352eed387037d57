//! The startup page: a summary (time to ready, what held back login, what failed), the chart, and
//! the details of the bar under the pointer, the keyboard focus or the last tap.
use super::chart::{build_chart, Chart, Outcome, Row, RowKind, MAX_ROWS};
use super::feed::{start_timings_feed, TimingsState};
use super::svg::{describe_bar, ChartFrame, Interaction, Pick};
use crate::state::{use_agent, use_shell};
use crate::ui::time::{clock, exact, format_duration};
use crate::ui::{Badge, EmptyState, ErrorBanner, ErrorView, Skeleton};
use coder_api::WorkspaceAgentLifecycle as Lifecycle;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use uuid::Uuid;

/// The startup timeline of the current agent.
#[component]
pub fn StartupView() -> impl IntoView {
    crate::ui::use_view_styles("startup", include_str!("../../style/startup.css"));
    let ctx = use_agent();
    let agent = crate::overview::sections::steady_agent();
    let timings = start_timings_feed(ctx);
    let now = clock();
    // Rebuilt when the timings or the agent change (not its heartbeat or latency: `steady_agent`); it follows the clock only while something
    // runs, so a finished chart is drawn once.
    let chart = Memo::new(move |previous: Option<&Option<Chart>>| {
        let was_live = previous.is_some_and(|c| c.as_ref().is_some_and(|c| c.live));
        let starting = agent.with(|a| {
            a.as_ref()
                .is_some_and(|a| a.lifecycle_state == Lifecycle::Starting)
        });
        let now = if was_live || starting {
            now.get()
        } else {
            now.get_untracked()
        };
        timings.with(|t| {
            let t = t.timings()?;
            agent.with(|a| build_chart(&t.timings, a.as_ref()?, now))
        })
    });
    let selected = RwSignal::new(None::<Pick>);
    let navigate = use_navigate();
    let embed = use_shell().embed;
    let logs_link = move |source: Uuid| {
        let embed = if embed { "&embed=1" } else { "" };
        format!("/agents/{}/logs?source={source}{embed}", ctx.id)
    };
    let activate = Callback::new(move |index: usize| {
        let source = chart.with_untracked(|c| {
            c.as_ref()
                .and_then(|c| c.rows().nth(index).and_then(log_source))
        });
        if let Some(source) = source {
            navigate(&logs_link(source), Default::default());
        }
    });
    let io = Interaction {
        selected,
        activate,
        touch: StoredValue::new(false),
    };

    view! {
        <section class="startup-page" aria-labelledby="startup-title">
            <h2 id="startup-title" class="visually-hidden">
                "Startup"
            </h2>
            {move || timings.with(problem)}
            {move || match chart.get() {
                Some(c) => {
                    view! {
                        <StartupSummary chart=c.clone() />
                        <ChartFrame chart=c io />
                        <BarDetails chart selected logs_link />
                    }
                        .into_any()
                }
                None => timings.with(empty).into_any(),
            }}
        </section>
    }
}

fn log_source(row: &Row) -> Option<Uuid> {
    match row.kind {
        RowKind::Script { log_source, .. } => log_source,
        RowKind::Connection => None,
    }
}

/// Why the timings are missing or stale, above whatever is drawn.
fn problem(t: &TimingsState) -> Option<AnyView> {
    match t {
        TimingsState::Unsupported { build } => Some(
            view! {
                <div class="notice tone-neutral" role="status">
                    <strong>"This server does not report startup timings. "</strong>
                    {format!(
                        "It answered 404 for the timings of build {build}; Coder servers older than script timings do not have them. The overview still shows each script's outcome when the server reports it.",
                    )}
                </div>
            }
            .into_any(),
        ),
        TimingsState::Failed { error, last: Some(_) } => {
            Some(view! { <ErrorBanner error=error.clone() /> }.into_any())
        }
        _ => None,
    }
}

/// What stands in for the chart when there is none.
fn empty(t: &TimingsState) -> AnyView {
    match t {
        TimingsState::Loading => view! { <Skeleton lines=4 /> }.into_any(),
        TimingsState::Failed { error, last: None } => {
            view! { <ErrorView error=error.clone() /> }.into_any()
        }
        TimingsState::Unsupported { .. } => ().into_any(),
        _ => view! {
            <EmptyState title="Nothing recorded yet">
                <p>
                    "This build has no timings for this agent: it has not connected or run a script yet."
                </p>
            </EmptyState>
        }
        .into_any(),
    }
}

/// The facts above the chart.
#[component]
fn StartupSummary(chart: Chart) -> impl IntoView {
    let failed: Vec<&Row> = chart.rows().filter(|r| r.latest().failed()).collect();
    let running = chart
        .rows()
        .filter(|r| r.latest().outcome == Outcome::Running)
        .count();
    let slowest = chart
        .rows()
        .filter(|r| !matches!(r.kind, RowKind::Connection))
        .max_by(|a, b| {
            a.latest()
                .duration_ms()
                .total_cmp(&b.latest().duration_ms())
        });
    let fact = |label: &'static str, value: AnyView| {
        view! {
            <dt>{label}</dt>
            <dd>{value}</dd>
        }
    };
    let ready = match chart.ready_ms {
        Some(ms) => view! { <strong>{format_duration(ms)}</strong> }.into_any(),
        None if running > 0 => view! {
            <Badge
                tone=crate::ui::status::Tone::Progress
                label=format!("Starting: {running} running")
            />
        }
        .into_any(),
        None => view! { <span class="muted">"Not ready"</span> }.into_any(),
    };
    let outcome = if failed.is_empty() {
        view! { <span>"None failed"</span> }.into_any()
    } else {
        let names = first_names(failed.iter().map(|r| r.label.as_str()), NAMES_SHOWN);
        view! {
            <Badge tone=crate::ui::status::Tone::Danger label=format!("{} failed", failed.len()) />
            " "
            <span>{names}</span>
        }
        .into_any()
    };
    let login = chart.login_wait().map(|(row, at)| {
        fact(
            "Logins waited for",
            view! { <span>{format!("{} (until {})", row.label, format_duration(at))}</span> }
                .into_any(),
        )
    });
    let slowest = slowest.map(|r| {
        fact(
            "Slowest script",
            view! { <span>{format!("{} ({})", r.label, format_duration(r.latest().duration_ms()))}</span> }
                .into_any(),
        )
    });
    let provisioner = match chart.provisioner {
        Some((steps, ms)) => format!("{steps} steps, {}", format_duration(ms)),
        None => "No provisioner timings in this build".into(),
    };
    let left_out = (chart.rows_left_out > 0).then(|| {
        view! {
            <p class="muted" role="note">
                {format!(
                    "{} more scripts are not drawn: the chart draws at most {MAX_ROWS} rows.",
                    chart.rows_left_out,
                )}
            </p>
        }
    });
    let unplaced = (chart.unplaced > 0).then(|| {
        view! {
            <p class="muted" role="note">
                {format!("{} timings have no start time and are not drawn.", chart.unplaced)}
            </p>
        }
    });
    view! {
        <dl class="facts startup-summary">
            {fact("Time to ready", ready)} {fact("Failed scripts", outcome)} {login} {slowest}
            {fact("Provisioner", view! { <span>{provisioner}</span> }.into_any())}
        </dl>
        {left_out}
        {unplaced}
    }
}

/// Failed scripts named in the summary; the chart and its details have the rest.
const NAMES_SHOWN: usize = 5;

/// `a, b, c and 4 more`: the first `shown` names, and how many are left.
fn first_names<'a>(names: impl ExactSizeIterator<Item = &'a str>, shown: usize) -> String {
    let total = names.len();
    let mut text = names.take(shown).collect::<Vec<_>>().join(", ");
    if total > shown {
        text.push_str(&format!(" and {} more", total - shown));
    }
    text
}

/// The selected bar's facts, with a way to its logs (the way in on a phone).
#[component]
fn BarDetails(
    chart: Memo<Option<Chart>>,
    selected: RwSignal<Option<Pick>>,
    logs_link: impl Fn(Uuid) -> String + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let details = move || {
        let (row, bar) = selected.get()?;
        chart.with(|c| {
            let row = c.as_ref()?.rows().nth(row)?;
            let bar = row.bars.get(bar).or(row.bars.last())?;
            let state = describe_bar(bar);
            let ended = match bar.ended_at {
                Some(t) => exact(t),
                None => "still running".into(),
            };
            let outcome_facts = match &bar.outcome {
                Outcome::Ended { status, exit_code } => Some(view! {
                    <dt>"Exit code"</dt>
                    <dd>{exit_code.to_string()}</dd>
                    <dt>"Status"</dt>
                    <dd>
                        <code>{status.as_str().to_owned()}</code>
                    </dd>
                }),
                _ => None,
            };
            let runs = (row.runs > 1).then(|| {
                view! {
                    <dt>"Runs"</dt>
                    <dd>{format!("{} recorded, {} drawn", row.runs, row.bars.len())}</dd>
                }
            });
            let logs = log_source(row).map(|s| {
                view! {
                    <a class="btn btn-small" href=logs_link(s)>
                        "Open its logs"
                    </a>
                }
            });
            Some(view! {
                <h3 class="details-name">{row.name.clone()}</h3>
                <Badge tone=state.tone label=state.label title=state.description />
                <dl class="facts">
                    <dt>"Started"</dt>
                    <dd>{exact(bar.started_at)}</dd>
                    <dt>"Ended"</dt>
                    <dd>{ended}</dd>
                    <dt>"Duration"</dt>
                    <dd>{format_duration(bar.duration_ms())}</dd>
                    {outcome_facts}
                    {runs}
                </dl>
                {bar
                    .inverted
                    .then(|| {
                        view! {
                            <p class="muted">
                                "The recorded end is before its start: drawn with no length."
                            </p>
                        }
                    })}
                {row
                    .held_login
                    .then(|| {
                        view! {
                            <p>
                                "Logins waited for this script: it was the last one blocking them to finish."
                            </p>
                        }
                    })}
                {logs}
            })
        })
    };
    view! {
        <aside class="card bar-details" aria-live="polite" aria-label="Selected bar">
            {move || {
                details()
                    .map(|d| d.into_any())
                    .unwrap_or_else(|| {
                        view! {
                            <p class="muted">
                                "Point at a bar, focus it with Tab or tap it to see its details; activate a script to open its logs."
                            </p>
                        }
                            .into_any()
                    })
            }}
        </aside>
    }
}

#[cfg(test)]
mod tests {
    use super::first_names;

    #[test]
    fn a_long_list_of_names_is_cut_with_a_count() {
        let names = ["a", "b", "c"];
        assert_eq!(first_names(names.iter().copied(), 5), "a, b, c");
        assert_eq!(first_names(names.iter().copied(), 3), "a, b, c");
        assert_eq!(first_names(names.iter().copied(), 2), "a, b and 1 more");
        assert_eq!(first_names([].iter().copied(), 2), "");
    }
}
