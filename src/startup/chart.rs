//! The startup chart's model: one agent's timings on one time axis, as rows grouped by stage.
//! Pure, so that bad input (ends before starts, runs with no end, unknown stages, 10,000 runs,
//! names full of markup or escape sequences) is tested natively.
use chrono::{DateTime, Utc};
use coder_api::{
    TimingStage, WorkspaceAgent, WorkspaceAgentLifecycle as Lifecycle,
    WorkspaceAgentScriptStatus as ScriptStatus, WorkspaceBuildTimings,
};
use std::collections::HashMap;
use uuid::Uuid;

type Time = DateTime<Utc>;

/// Rows drawn at most; the rest are counted and said.
pub const MAX_ROWS: usize = 1_000;
/// Runs drawn at most on one row (a script on a schedule): the first and the latest ones.
pub const MAX_BARS_PER_ROW: usize = 200;
/// A row's label is cut to this many characters (the details show the whole name).
const MAX_LABEL_CHARS: usize = 32;
/// A name is kept to this many characters even in the details.
const MAX_NAME_CHARS: usize = 500;

/// How a bar's run went.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The agent connected.
    Connected,
    /// Not finished yet: the bar grows with the clock.
    Running,
    /// A script run that ended.
    Ended {
        status: ScriptStatus,
        exit_code: i32,
    },
}

/// One run, placed on the axis (milliseconds from the chart's origin).
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub start_ms: f64,
    /// Never before `start_ms`; for a running bar, the chart's "now".
    pub end_ms: f64,
    pub started_at: Time,
    pub ended_at: Option<Time>,
    pub outcome: Outcome,
    /// The recorded end is before the start: drawn with no length, and said in the details.
    pub inverted: bool,
}

impl Bar {
    pub fn duration_ms(&self) -> f64 {
        self.end_ms - self.start_ms
    }

    /// Whether this run failed (a script run that ended in anything but `ok`).
    pub fn failed(&self) -> bool {
        matches!(&self.outcome, Outcome::Ended { status, .. } if status.failed())
    }
}

/// What a row stands for.
#[derive(Clone, Debug, PartialEq)]
pub enum RowKind {
    Connection,
    Script {
        /// Its log source, when the agent lists a script of this name.
        log_source: Option<Uuid>,
        /// Logins wait for it (`start_blocks_login`).
        blocks_login: bool,
    },
}

/// One line of the chart: the connection, or one script in one stage (a scheduled script's runs
/// share its row).
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The name as shown in the details: control characters and escape sequences removed.
    pub name: String,
    /// The name cut for the label column.
    pub label: String,
    pub kind: RowKind,
    /// In time order.
    pub bars: Vec<Bar>,
    /// Runs recorded, including those not drawn.
    pub runs: usize,
    /// The last of the login-blocking start scripts to finish: logins waited for it.
    pub held_login: bool,
}

impl Row {
    /// The run the row's text describes: its latest one.
    pub fn latest(&self) -> &Bar {
        self.bars.last().expect("a row has a bar")
    }
}

/// A stage's rows under its title.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub title: String,
    pub rows: Vec<Row>,
}

/// The whole chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// The earliest start: 0 on the axis.
    pub origin: Time,
    /// The axis' length (at least 1 ms).
    pub span_ms: f64,
    pub groups: Vec<Group>,
    /// Rows beyond [`MAX_ROWS`], not drawn.
    pub rows_left_out: usize,
    /// Timings with no start time, which cannot be placed.
    pub unplaced: usize,
    /// When the agent became ready, from the origin.
    pub ready_ms: Option<f64>,
    /// Something is still running: the chart follows the clock.
    pub live: bool,
    /// The provisioner's steps and their length, when the build has them.
    pub provisioner: Option<(usize, f64)>,
}

impl Chart {
    /// Every row, in the order drawn.
    pub fn rows(&self) -> impl Iterator<Item = &Row> {
        self.groups.iter().flat_map(|g| g.rows.iter())
    }

    /// The row that held back login, with the time logins could start (from the origin).
    pub fn login_wait(&self) -> Option<(&Row, f64)> {
        self.rows()
            .find(|r| r.held_login)
            .map(|r| (r, r.latest().end_ms))
    }
}

/// Each script's latest run, by name: `(name, duration, still running)`. A script that runs in
/// several stages is told by its earliest stage (start before cron before stop).
pub fn latest_durations(chart: &Chart) -> Vec<(String, f64, bool)> {
    let mut out: Vec<(String, f64, bool)> = Vec::new();
    for row in chart.rows().filter(|r| r.kind != RowKind::Connection) {
        if out.iter().all(|(name, ..)| *name != row.name) {
            let bar = row.latest();
            out.push((
                row.name.clone(),
                bar.duration_ms(),
                bar.outcome == Outcome::Running,
            ));
        }
    }
    out
}

/// Lays the agent's timings out. `None` when there is nothing to draw.
pub fn build_chart(
    timings: &WorkspaceBuildTimings,
    agent: &WorkspaceAgent,
    now: Time,
) -> Option<Chart> {
    let id = agent.id.to_string();
    let mine = |agent_id: &str, agent_name: &str| {
        agent_id.eq_ignore_ascii_case(&id) || (agent_id.is_empty() && agent_name == agent.name)
    };
    let mut unplaced = 0;
    let mut runs: Vec<Run> = Vec::new();
    for c in &timings.agent_connection_timings {
        if !mine(&c.workspace_agent_id, &c.workspace_agent_name) {
            continue;
        }
        match c.started_at {
            Some(start) => runs.push(Run {
                stage: TimingStage::Connect,
                name: "Agent connection".into(),
                start,
                end: c.ended_at,
                outcome: Outcome::Connected,
            }),
            None => unplaced += 1,
        }
    }
    for s in &timings.agent_script_timings {
        if !mine(&s.workspace_agent_id, &s.workspace_agent_name) {
            continue;
        }
        match s.started_at {
            Some(start) => runs.push(Run {
                stage: s.stage.clone(),
                name: clean_name(&s.display_name),
                start,
                end: s.ended_at,
                outcome: Outcome::Ended {
                    status: s.status.clone(),
                    exit_code: s.exit_code,
                },
            }),
            None => unplaced += 1,
        }
    }
    add_running_start_scripts(&mut runs, agent);
    if runs.is_empty() {
        return None;
    }
    runs.sort_by_key(|r| r.start);
    let origin = runs[0].start;
    let ms = |t: Time| (t - origin).num_milliseconds() as f64;
    let now_ms = ms(now).max(0.0);

    // Rows keyed by stage and name, in the order of their first run.
    let mut rows: Vec<(TimingStage, Row)> = Vec::new();
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    let mut rows_left_out = 0;
    let mut live = false;
    for run in runs {
        let start_ms = ms(run.start);
        let (end_ms, inverted, outcome) = match run.end {
            Some(end) => (ms(end).max(start_ms), end < run.start, run.outcome),
            None => {
                live = true;
                (now_ms.max(start_ms), false, Outcome::Running)
            }
        };
        let bar = Bar {
            start_ms,
            end_ms,
            started_at: run.start,
            ended_at: run.end,
            outcome,
            inverted,
        };
        let key = (run.stage.as_str().to_owned(), run.name.clone());
        if let Some(&i) = index.get(&key) {
            let row = &mut rows[i].1;
            row.runs += 1;
            row.bars.push(bar);
            if row.bars.len() > MAX_BARS_PER_ROW {
                row.bars.remove(1);
            }
            continue;
        }
        if rows.len() == MAX_ROWS {
            rows_left_out += 1;
            continue;
        }
        let kind = if run.stage == TimingStage::Connect {
            RowKind::Connection
        } else {
            let script = agent
                .scripts
                .iter()
                .find(|s| clean_name(&s.display_name) == run.name);
            RowKind::Script {
                log_source: script.map(|s| s.log_source_id),
                blocks_login: script.is_some_and(|s| s.start_blocks_login),
            }
        };
        index.insert(key, rows.len());
        rows.push((
            run.stage,
            Row {
                label: shorten(&run.name, MAX_LABEL_CHARS),
                name: run.name,
                kind,
                bars: vec![bar],
                runs: 1,
                held_login: false,
            },
        ));
    }
    mark_login_holder(&mut rows);

    let ready_ms = agent
        .ready_at
        .filter(|_| agent.lifecycle_state == Lifecycle::Ready)
        .map(ms)
        .filter(|r| *r >= 0.0);
    let end_ms = rows
        .iter()
        .flat_map(|(_, r)| r.bars.iter().map(|b| b.end_ms))
        .chain(ready_ms)
        .fold(0.0, f64::max);
    let provisioner = provisioner_span(timings);
    Some(Chart {
        origin,
        span_ms: end_ms.max(1.0),
        groups: group_by_stage(rows),
        rows_left_out,
        unplaced,
        ready_ms,
        live,
        provisioner,
    })
}

/// A timing before it is placed.
struct Run {
    stage: TimingStage,
    name: String,
    start: Time,
    end: Option<Time>,
    outcome: Outcome,
}

/// While the agent is starting, coderd has no timing for a start script that is still running:
/// such a script runs since the agent started, and its bar grows until its timing arrives.
fn add_running_start_scripts(runs: &mut Vec<Run>, agent: &WorkspaceAgent) {
    let (Lifecycle::Starting, Some(started)) = (&agent.lifecycle_state, agent.started_at) else {
        return;
    };
    for s in agent.scripts.iter().filter(|s| s.run_on_start) {
        let name = clean_name(&s.display_name);
        let recorded = runs
            .iter()
            .any(|r| r.stage == TimingStage::Start && r.name == name);
        if !recorded {
            runs.push(Run {
                stage: TimingStage::Start,
                name,
                start: started,
                end: None,
                outcome: Outcome::Running,
            });
        }
    }
}

/// Logins wait for every start script that blocks them: the last of those to end held them back
/// (none while one still runs).
fn mark_login_holder(rows: &mut [(TimingStage, Row)]) {
    let blocking = |(stage, row): &(TimingStage, Row)| {
        *stage == TimingStage::Start
            && matches!(
                row.kind,
                RowKind::Script {
                    blocks_login: true,
                    ..
                }
            )
    };
    if rows
        .iter()
        .filter(|r| blocking(r))
        .any(|(_, r)| r.latest().outcome == Outcome::Running)
    {
        return;
    }
    let last = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| blocking(r))
        .max_by(|(_, a), (_, b)| a.1.latest().end_ms.total_cmp(&b.1.latest().end_ms))
        .map(|(i, _)| i);
    if let Some(i) = last {
        rows[i].1.held_login = true;
    }
}

/// The stages in the order a workspace lives them; unknown stages after, by first appearance.
fn group_by_stage(rows: Vec<(TimingStage, Row)>) -> Vec<Group> {
    let rank = |s: &TimingStage| match s {
        TimingStage::Connect => 0,
        TimingStage::Start => 1,
        TimingStage::Cron => 2,
        TimingStage::Stop => 3,
        _ => 4,
    };
    let mut groups: Vec<(TimingStage, Group)> = Vec::new();
    for (stage, row) in rows {
        match groups.iter_mut().find(|(s, _)| *s == stage) {
            Some((_, g)) => g.rows.push(row),
            None => groups.push((
                stage.clone(),
                Group {
                    title: stage_title(&stage),
                    rows: vec![row],
                },
            )),
        }
    }
    groups.sort_by_key(|(s, _)| rank(s));
    groups.into_iter().map(|(_, g)| g).collect()
}

/// A stage's heading.
pub fn stage_title(stage: &TimingStage) -> String {
    match stage {
        TimingStage::Connect => "Connection".into(),
        TimingStage::Start => "Startup scripts".into(),
        TimingStage::Cron => "Scheduled scripts".into(),
        TimingStage::Stop => "Shutdown scripts".into(),
        other => format!("Stage “{}”", shorten(&clean_name(other.as_str()), 40)),
    }
}

/// The provisioner's step count and length (first start to last end).
fn provisioner_span(t: &WorkspaceBuildTimings) -> Option<(usize, f64)> {
    let start = t
        .provisioner_timings
        .iter()
        .filter_map(|p| p.started_at)
        .min()?;
    let end = t
        .provisioner_timings
        .iter()
        .filter_map(|p| p.ended_at)
        .max()?;
    let ms = (end - start).num_milliseconds().max(0) as f64;
    Some((t.provisioner_timings.len(), ms))
}

/// A name fit to show: escape sequences and other control characters removed, at most
/// [`MAX_NAME_CHARS`] characters, never empty.
pub fn clean_name(raw: &str) -> String {
    let mut out = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI (`ESC [ … final`) and two-character sequences.
            if chars.next_if_eq(&'[').is_some() {
                while chars.next().is_some_and(|c| !('@'..='~').contains(&c)) {}
            } else {
                chars.next();
            }
        } else if !c.is_control() {
            out.push(c);
        }
    }
    let out = shorten(out.trim(), MAX_NAME_CHARS);
    if out.is_empty() {
        "(unnamed script)".into()
    } else {
        out
    }
}

/// At most `max` characters, with an ellipsis when cut.
fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

/// Tick marks for an axis of `span_ms`: a round step (1, 2 or 5 times a power of ten) giving at
/// most eight intervals, from 0 to the span.
pub fn ticks(span_ms: f64) -> Vec<f64> {
    let span = span_ms.max(1.0);
    let rough = span / 8.0;
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * power)
        .max(1.0);
    (0..)
        .map(|i| i as f64 * step)
        .take_while(|t| *t <= span + step * 1e-9)
        .collect()
}

/// A tick's label: "0", "500 ms", "2 s", "1.5 s", "2 min" (ticks are whole milliseconds).
pub fn tick_label(ms: f64) -> String {
    let ms = ms.max(0.0).round() as u64;
    let unit = |value: u64, per: u64, name: &str| -> String {
        let (whole, part) = (value / per, value % per);
        if part == 0 {
            format!("{whole} {name}")
        } else {
            let width = per.ilog10() as usize;
            let digits = format!("{part:0width$}");
            format!("{whole}.{} {name}", digits.trim_end_matches('0'))
        }
    };
    match ms {
        0 => "0".into(),
        1..=999 => format!("{ms} ms"),
        _ if ms.is_multiple_of(60_000) => format!("{} min", ms / 60_000),
        1_000.. => unit(ms, 1_000, "s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coder_api::{AgentConnectionTiming, AgentScriptTiming, WorkspaceAgentScript};

    fn t(s: f64) -> Time {
        "2026-12-03T10:00:00Z".parse::<Time>().unwrap()
            + chrono::Duration::milliseconds((s * 1000.0) as i64)
    }

    fn agent() -> WorkspaceAgent {
        let mut a: WorkspaceAgent = serde_json::from_str(
            r#"{"id":"497f6eca-6276-4993-bfeb-53cbbbba6f08","name":"main",
            "created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        a.id = Uuid::from_u128(7);
        a.name = "main".into();
        a.lifecycle_state = Lifecycle::Ready;
        a
    }

    fn script(name: &str, blocks_login: bool) -> WorkspaceAgentScript {
        let mut s: WorkspaceAgentScript = serde_json::from_value(serde_json::json!({
            "id": Uuid::from_u128(1), "log_source_id": Uuid::from_u128(1), "log_path": "",
            "script": "true", "run_on_start": true, "run_on_stop": false,
            "start_blocks_login": false, "timeout": 0, "display_name": name,
        }))
        .unwrap();
        s.display_name = name.into();
        s.log_source_id = Uuid::from_u128(name.len() as u128);
        s.run_on_start = true;
        s.start_blocks_login = blocks_login;
        s
    }

    fn run(
        name: &str,
        stage: TimingStage,
        from: f64,
        to: Option<f64>,
        status: &str,
        code: i32,
    ) -> AgentScriptTiming {
        AgentScriptTiming {
            started_at: Some(t(from)),
            ended_at: to.map(t),
            exit_code: code,
            stage,
            status: status.to_string().into(),
            display_name: name.into(),
            workspace_agent_id: Uuid::from_u128(7).to_string(),
            workspace_agent_name: "main".into(),
        }
    }

    fn connection(from: f64, to: f64) -> AgentConnectionTiming {
        AgentConnectionTiming {
            started_at: Some(t(from)),
            ended_at: Some(t(to)),
            stage: TimingStage::Connect,
            workspace_agent_id: Uuid::from_u128(7).to_string(),
            workspace_agent_name: "main".into(),
        }
    }

    #[test]
    fn the_connection_then_each_stage_on_one_axis() {
        let mut a = agent();
        a.scripts = vec![
            script("ok", true),
            script("fails", false),
            script("slow", true),
        ];
        a.ready_at = Some(t(9.0));
        let timings = WorkspaceBuildTimings {
            agent_connection_timings: vec![connection(0.0, 1.0)],
            agent_script_timings: vec![
                run("slow", TimingStage::Start, 1.0, Some(8.0), "timed_out", 255),
                run("ok", TimingStage::Start, 1.0, Some(2.5), "ok", 0),
                run(
                    "fails",
                    TimingStage::Start,
                    1.2,
                    Some(3.2),
                    "exit_failure",
                    3,
                ),
                run("ok", TimingStage::Stop, 20.0, Some(20.5), "ok", 0),
            ],
            ..Default::default()
        };
        let c = build_chart(&timings, &a, t(30.0)).unwrap();
        let titles: Vec<_> = c.groups.iter().map(|g| g.title.as_str()).collect();
        assert_eq!(
            titles,
            ["Connection", "Startup scripts", "Shutdown scripts"]
        );
        let start: Vec<_> = c.groups[1]
            .rows
            .iter()
            .map(|r| (r.name.as_str(), r.latest().duration_ms()))
            .collect();
        assert_eq!(start, [("slow", 7000.0), ("ok", 1500.0), ("fails", 2000.0)]);
        assert!(c.groups[1].rows[2].latest().failed());
        assert!(!c.groups[1].rows[1].latest().failed());
        assert_eq!(c.span_ms, 20_500.0);
        assert_eq!(c.ready_ms, Some(9_000.0));
        assert!(!c.live);
        // "slow" blocks login and ended last of the blocking ones.
        let (holder, at) = c.login_wait().unwrap();
        assert_eq!((holder.name.as_str(), at), ("slow", 8_000.0));
        let took = latest_durations(&c);
        assert_eq!(took[0], ("slow".to_string(), 7_000.0, false));
        assert_eq!(
            took.iter().find(|d| d.0 == "ok").unwrap().1,
            1_500.0,
            "its start run, not its stop run"
        );
        assert_eq!(
            c.groups[1].rows[2].kind,
            RowKind::Script {
                log_source: Some(Uuid::from_u128(5)),
                blocks_login: false
            }
        );
    }

    #[test]
    fn a_start_script_without_a_timing_runs_while_the_agent_starts() {
        let mut a = agent();
        a.lifecycle_state = Lifecycle::Starting;
        a.started_at = Some(t(1.0));
        a.scripts = vec![script("done", true), script("busy", true)];
        let timings = WorkspaceBuildTimings {
            agent_connection_timings: vec![connection(0.0, 1.0)],
            agent_script_timings: vec![run("done", TimingStage::Start, 1.0, Some(2.0), "ok", 0)],
            ..Default::default()
        };
        let at = |now| build_chart(&timings, &a, t(now)).unwrap();
        let (early, later) = (at(4.0), at(6.0));
        assert!(early.live);
        let busy = |c: &Chart| {
            c.rows()
                .find(|r| r.name == "busy")
                .unwrap()
                .latest()
                .clone()
        };
        assert_eq!(busy(&early).outcome, Outcome::Running);
        assert_eq!(
            (busy(&early).duration_ms(), busy(&later).duration_ms()),
            (3_000.0, 5_000.0)
        );
        // Login still waits: nobody held it back yet.
        assert!(early.login_wait().is_none());
        assert!(early.ready_ms.is_none());
    }

    #[test]
    fn scheduled_runs_share_a_row_and_are_capped() {
        let a = agent();
        let timings = WorkspaceBuildTimings {
            agent_script_timings: (0..1_000)
                .map(|i| {
                    run(
                        "tick",
                        TimingStage::Cron,
                        i as f64,
                        Some(i as f64 + 0.5),
                        "ok",
                        0,
                    )
                })
                .collect(),
            ..Default::default()
        };
        let c = build_chart(&timings, &a, t(0.0)).unwrap();
        let row = &c.groups[0].rows[0];
        assert_eq!((c.groups.len(), c.groups[0].rows.len()), (1, 1));
        assert_eq!((row.runs, row.bars.len()), (1_000, MAX_BARS_PER_ROW));
        // The first run and the latest ones are kept.
        assert_eq!(row.bars[0].start_ms, 0.0);
        assert_eq!(row.latest().start_ms, 999_000.0);
    }

    #[test]
    fn bad_input_is_placed_safely() {
        let mut a = agent();
        a.lifecycle_state = Lifecycle::Ready;
        let mut timings = WorkspaceBuildTimings {
            agent_script_timings: (0..10_000)
                .map(|i| {
                    run(
                        &format!("s{i}"),
                        TimingStage::Start,
                        1.0,
                        Some(2.0),
                        "ok",
                        0,
                    )
                })
                .collect(),
            ..Default::default()
        };
        let hostile = format!(
            "<img src=x onerror=alert(1)>\u{1b}[31mred\u{1b}[0m\u{7}{}",
            "x".repeat(10_000)
        );
        timings.agent_script_timings.extend([
            run(
                &hostile,
                TimingStage::Unknown("warp".into()),
                5.0,
                Some(3.0),
                "exploded",
                0,
            ),
            AgentScriptTiming {
                started_at: None,
                ..run("nowhere", TimingStage::Start, 0.0, None, "ok", 0)
            },
            // Another agent's timing is not this agent's.
            AgentScriptTiming {
                workspace_agent_id: Uuid::from_u128(8).to_string(),
                ..run("other", TimingStage::Start, 0.0, Some(100.0), "ok", 0)
            },
        ]);
        let c = build_chart(&timings, &a, t(10.0)).unwrap();
        assert_eq!(c.rows().count(), MAX_ROWS);
        assert_eq!(c.rows_left_out, 10_001 - MAX_ROWS);
        assert_eq!(c.unplaced, 1);
        assert!(c.rows().all(|r| r.name != "other"));
        assert_eq!(
            c.span_ms, 1_000.0,
            "the other agent's run does not stretch the axis"
        );

        let few = WorkspaceBuildTimings {
            agent_script_timings: timings.agent_script_timings[10_000..].to_vec(),
            ..Default::default()
        };
        let c = build_chart(&few, &a, t(10.0)).unwrap();
        let row = &c.groups[0].rows[0];
        assert_eq!(c.groups[0].title, "Stage “warp”");
        assert!(
            row.name.starts_with("<img src=x onerror=alert(1)>red"),
            "{}",
            &row.name[..40]
        );
        assert!(!row.name.contains('\u{1b}') && !row.name.contains('\u{7}'));
        assert_eq!(row.name.chars().count(), MAX_NAME_CHARS + 1);
        assert_eq!(row.label.chars().count(), MAX_LABEL_CHARS + 1);
        let bar = row.latest();
        assert!(bar.inverted && bar.duration_ms() == 0.0);
        assert_eq!(
            bar.outcome,
            Outcome::Ended {
                status: "exploded".to_string().into(),
                exit_code: 0
            }
        );
        assert!(build_chart(&WorkspaceBuildTimings::default(), &a, t(0.0)).is_none());
        assert_eq!(clean_name("\u{1b}[1m\u{1b}[0m  "), "(unnamed script)");
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(ticks(9_000.0), [0.0, 2_000.0, 4_000.0, 6_000.0, 8_000.0]);
        assert_eq!(ticks(1.0), [0.0, 1.0]);
        assert!(ticks(1e12).len() <= 9);
        assert_eq!(tick_label(2_000.0), "2 s");
        assert_eq!(tick_label(500.0), "500 ms");
        assert_eq!(tick_label(120_000.0), "2 min");
        assert_eq!(tick_label(1_500.0), "1.5 s");
        assert_eq!(tick_label(1_250.0), "1.25 s");
        assert_eq!(tick_label(100_000.0), "100 s");
    }
}
