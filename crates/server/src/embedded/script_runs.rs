//! What each script run did: start, end, exit code, status and stage, as Coder's agent reports
//! them to coderd (`ScriptCompleted`), kept per build.
//!
//! Every start of the server is a new build of the embedded workspace (see
//! `Database::start_build`). A run is recorded when it ends; its script's latest run gives the
//! agent JSON its `exit_code` and `status`, and the build's runs answer
//! `GET /workspacebuilds/{build}/timings`. Runs are stored in the database as they end, so the
//! builds of earlier starts can still be answered.
//!
//! Bounded: a scheduled script keeps its first run of a build and its latest
//! [`CRON_RUNS_KEPT`]; start and stop scripts run once per build.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use coder_api::{
    AgentConnectionTiming, AgentScriptTiming, TimingStage, WorkspaceAgentScriptStatus,
    WorkspaceBuildTimings,
};
use tokio::sync::watch;
use uuid::Uuid;

use super::database::Writer;
use crate::error::ApiError;

/// The scheduled runs of one script kept per build besides its first.
pub const CRON_RUNS_KEPT: usize = 100;

/// One finished run of a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptRun {
    /// The script (`WorkspaceAgentScript.id`).
    pub script_id: Uuid,
    /// `start`, `stop` or `cron`.
    pub stage: TimingStage,
    /// When it was started.
    pub started_at: DateTime<Utc>,
    /// When it ended (its output read, or given up on).
    pub ended_at: DateTime<Utc>,
    /// Its exit code; -1 when a signal ended it, 255 when there was none (it could not start,
    /// or its timeout killed it), as Coder's agent reports them.
    pub exit_code: i32,
    /// How it ended.
    pub status: WorkspaceAgentScriptStatus,
}

/// The runs of the current build (cheap to clone). Woken on every new run.
#[derive(Clone)]
pub struct ScriptRuns {
    build_id: Uuid,
    runs: Arc<Mutex<Vec<ScriptRun>>>,
    changed: watch::Sender<usize>,
    writer: Option<Writer>,
}

impl std::fmt::Debug for ScriptRuns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptRuns")
            .field("build_id", &self.build_id)
            .finish_non_exhaustive()
    }
}

impl Default for ScriptRuns {
    /// Runs kept in memory only, for a build of their own.
    fn default() -> Self {
        Self::new(Uuid::new_v4(), None)
    }
}

impl ScriptRuns {
    /// The runs of build `build_id`, each also stored through `writer` when there is one.
    pub fn new(build_id: Uuid, writer: Option<Writer>) -> Self {
        Self {
            build_id,
            runs: Arc::default(),
            changed: watch::channel(0).0,
            writer,
        }
    }

    /// The build these runs belong to.
    pub fn build_id(&self) -> Uuid {
        self.build_id
    }

    /// Records a finished run.
    pub fn record(&self, run: ScriptRun) {
        if let Some(writer) = &self.writer {
            writer.script_run(self.build_id, run.clone());
        }
        let count = {
            let mut runs = self.runs.lock().unwrap_or_else(|p| p.into_inner());
            if run.stage == TimingStage::Cron {
                forget_old_cron_run(&mut runs, run.script_id);
            }
            runs.push(run);
            runs.len()
        };
        self.changed.send_replace(count);
    }

    /// Every run of this build, in the order they ended.
    pub fn all(&self) -> Vec<ScriptRun> {
        self.runs.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The latest run of `script_id` (by start), if it has run in this build.
    pub fn latest(&self, script_id: Uuid) -> Option<ScriptRun> {
        let runs = self.runs.lock().unwrap_or_else(|p| p.into_inner());
        runs.iter()
            .filter(|r| r.script_id == script_id)
            .max_by_key(|r| r.started_at)
            .cloned()
    }

    /// Woken with the number of runs whenever one is recorded.
    pub fn watch(&self) -> watch::Receiver<usize> {
        self.changed.subscribe()
    }
}

/// Before another scheduled run of `script_id` is added: when [`CRON_RUNS_KEPT`] besides the
/// first are already kept, the oldest of them goes.
fn forget_old_cron_run(runs: &mut Vec<ScriptRun>, script_id: Uuid) {
    let mut cron = runs
        .iter()
        .enumerate()
        .filter(|(_, r)| r.script_id == script_id && r.stage == TimingStage::Cron)
        .map(|(i, _)| i);
    let _first = cron.next();
    let later: Vec<usize> = cron.collect();
    if later.len() >= CRON_RUNS_KEPT {
        runs.remove(later[0]);
    }
}

/// `GET /workspacebuilds/{workspacebuild}/timings`: the runs of the current build, or of one of
/// the kept earlier builds, with the agent's connection. There is no provisioner here, so its
/// list is empty. Unlike coderd, which lists only each script's first run of a build, every
/// kept run is listed (a scheduled script's too), in the order they started.
pub async fn build_timings(
    axum::extract::State(e): axum::extract::State<super::Embedded>,
    axum::extract::Path(raw): axum::extract::Path<String>,
) -> Result<axum::Json<WorkspaceBuildTimings>, ApiError> {
    let build_id = super::uuid_param(&raw)?;
    let agent = e.agent();
    let (runs, connection) = if build_id == agent.runs.build_id() {
        let started = agent.identity.build_started_at();
        (agent.runs.all(), (started, agent.connected_at))
    } else {
        let kept = e
            .database()
            .build(build_id)
            .map_err(|err| ApiError::internal("Failed to read the build's timings.", err))?;
        let Some((created_at, runs)) = kept else {
            return Err(ApiError::not_found());
        };
        (runs, (created_at, created_at))
    };
    Ok(axum::Json(timings_wire(agent, runs, connection)))
}

/// The wire form of a build's runs, named after the configured scripts.
fn timings_wire(
    agent: &super::agent::Agent,
    mut runs: Vec<ScriptRun>,
    (connect_started, connected): (DateTime<Utc>, DateTime<Utc>),
) -> WorkspaceBuildTimings {
    runs.sort_by_key(|r| r.started_at);
    let agent_id = agent.identity.agent_id.to_string();
    let agent_name = &agent.host.agent_name;
    let name = |id: Uuid| {
        agent
            .scripts
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.config.display_name.clone())
            .unwrap_or_default()
    };
    WorkspaceBuildTimings {
        provisioner_timings: Vec::new(),
        agent_script_timings: runs
            .into_iter()
            .map(|r| AgentScriptTiming {
                started_at: Some(r.started_at),
                ended_at: Some(r.ended_at),
                exit_code: r.exit_code,
                stage: r.stage,
                status: r.status,
                display_name: name(r.script_id),
                workspace_agent_id: agent_id.clone(),
                workspace_agent_name: agent_name.clone(),
            })
            .collect(),
        agent_connection_timings: vec![AgentConnectionTiming {
            started_at: Some(connect_started),
            ended_at: Some(connected),
            stage: TimingStage::Connect,
            workspace_agent_id: agent_id.clone(),
            workspace_agent_name: agent_name.clone(),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(script_id: Uuid, stage: TimingStage, second: i64) -> ScriptRun {
        let at = DateTime::from_timestamp(1_800_000_000 + second, 0).unwrap();
        ScriptRun {
            script_id,
            stage,
            started_at: at,
            ended_at: at + chrono::Duration::milliseconds(500),
            exit_code: 0,
            status: WorkspaceAgentScriptStatus::Ok,
        }
    }

    #[test]
    fn latest_run_and_bounded_schedules() {
        let runs = ScriptRuns::default();
        let seen = runs.watch();
        let (start, tick) = (Uuid::new_v4(), Uuid::new_v4());
        assert!(runs.latest(start).is_none());
        runs.record(run(start, TimingStage::Start, 0));
        assert!(seen.has_changed().unwrap());
        for s in 1..=250 {
            runs.record(run(tick, TimingStage::Cron, s));
        }
        let all = runs.all();
        let ticks: Vec<i64> = all
            .iter()
            .filter(|r| r.script_id == tick)
            .map(|r| r.started_at.timestamp() - 1_800_000_000)
            .collect();
        // The first run and the latest hundred.
        assert_eq!(ticks.len(), 1 + CRON_RUNS_KEPT);
        assert_eq!(ticks[0], 1);
        assert_eq!(ticks[1], 151);
        assert_eq!(*ticks.last().unwrap(), 250);
        assert_eq!(all[0].script_id, start, "other scripts' runs stay");
        assert_eq!(
            runs.latest(tick).unwrap().started_at.timestamp(),
            1_800_000_250
        );
    }
}
