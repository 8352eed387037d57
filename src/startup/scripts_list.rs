//! The overview's list of scripts, loaded when its card comes near the viewport: each script's
//! schedule, timeout and log file, the outcome of its latest run, and how long that run took
//! (from the build's timings, the same model the startup chart draws).
use super::chart::{build_chart, clean_name, latest_durations};
use super::feed::start_timings_feed;
use crate::overview::sections::{fact, or_dash};
use crate::state::use_agent;
use crate::ui::status::{describe_script_outcome, Tone};
use crate::ui::time::{clock, format_duration};
use crate::ui::Badge;
use coder_api::WorkspaceAgentScript;
use leptos::prelude::*;
use leptos_router::components::A;

/// `(name, duration in ms, still running)` of each script's latest run.
type Durations = Vec<(String, f64, bool)>;

#[component]
pub fn ScriptsList() -> impl IntoView {
    let ctx = use_agent();
    // Only a change of the scripts redraws the list (the agent is re-read every few seconds).
    let scripts = Memo::new(move |_| {
        ctx.agent.with(|l| {
            l.value
                .as_ref()
                .map(|a| a.scripts.clone())
                .unwrap_or_default()
        })
    });
    let durations = follow_durations();
    move || {
        let scripts = scripts.get();
        if scripts.is_empty() {
            return view! { <p class="muted">"No scripts."</p> }.into_any();
        }
        view! {
            <p>
                <A href=format!("/agents/{}/startup", ctx.id)>"Startup timeline"</A>
                " — each run's outcome and duration."
            </p>
            <ul class="plain script-list">
                {scripts.into_iter().map(|s| script(s, durations)).collect_view()}
            </ul>
        }
        .into_any()
    }
}

fn script(s: WorkspaceAgentScript, durations: Memo<Durations>) -> impl IntoView {
    let mut when = Vec::new();
    if s.run_on_start {
        when.push("on start");
    }
    if s.run_on_stop {
        when.push("on stop");
    }
    let timeout = match s.timeout_seconds() {
        0 => "none".to_string(),
        t => format!("{t} s"),
    };
    let outcome = s
        .status
        .as_ref()
        .map(|st| describe_script_outcome(st, s.exit_code.unwrap_or(0)));
    let failed = outcome.as_ref().is_some_and(|o| o.tone == Tone::Danger);
    let name = clean_name(&s.display_name);
    let took = move || {
        durations.with(|d| {
            let (_, ms, running) = d.iter().find(|(n, ..)| *n == name)?;
            let label = if *running { "Running for" } else { "Took" };
            Some(fact(label, format_duration(*ms)))
        })
    };
    view! {
        <li class="script" class:failed=failed>
            <strong>{s.display_name.clone()}</strong>
            {outcome
                .map(|o| {
                    view! {
                        " "
                        <Badge tone=o.tone label=o.label title=o.description />
                    }
                })}
            {s
                .start_blocks_login
                .then(|| {
                    view! {
                        " "
                        <Badge tone=Tone::Neutral label="blocks login".to_string() />
                    }
                })}
            <dl class="facts">
                {fact("Runs", if when.is_empty() { "—".to_string() } else { when.join(", ") })}
                {fact("Schedule", or_dash(s.cron.clone()))} {fact("Timeout", timeout)}
                {fact("Log file", or_dash(Some(s.log_path.clone())))} {took}
            </dl>
            <details>
                <summary>"Script"</summary>
                <pre>{s.script.clone()}</pre>
            </details>
        </li>
    }
}

/// Each script's latest run from the build's timings; running ones count on with the clock.
fn follow_durations() -> Memo<Durations> {
    let ctx = use_agent();
    let timings = start_timings_feed(ctx);
    let clock = clock();
    Memo::new(move |_| {
        let now = clock.get_untracked();
        timings
            .with(|t| {
                let t = t.timings()?;
                ctx.agent.with(|l| {
                    let c = build_chart(&t.timings, l.value.as_ref()?, now)?;
                    if c.live {
                        clock.track();
                    }
                    Some(latest_durations(&c))
                })
            })
            .unwrap_or_default()
    })
}
