//! Reads the timings of the agent's latest build: every two seconds while the agent starts (the
//! chart is live), every fifteen otherwise (a scheduled script adds runs, a restart a new build).
use crate::api::{get_json, wait_visible, ApiError};
use crate::state::{agent_workspace, AgentContext};
use coder_api::{WorkspaceAgentLifecycle as Lifecycle, WorkspaceBuildTimings};
use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;
use uuid::Uuid;

const LIVE_REFRESH_MS: u32 = 2_000;
const IDLE_REFRESH_MS: u32 = 15_000;

/// The timings of one build.
#[derive(Clone, Debug, PartialEq)]
pub struct BuildTimings {
    pub build: Uuid,
    pub build_number: i64,
    pub timings: WorkspaceBuildTimings,
}

/// What the view knows of the timings.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum TimingsState {
    #[default]
    Loading,
    Loaded(BuildTimings),
    /// The server has no timings route (coderd older than script timings) or none for the build.
    Unsupported {
        build: Uuid,
    },
    /// The read failed; the last timings, if any, stay on screen.
    Failed {
        error: ApiError,
        last: Option<BuildTimings>,
    },
}

impl TimingsState {
    pub fn timings(&self) -> Option<&BuildTimings> {
        match self {
            TimingsState::Loaded(t) => Some(t),
            TimingsState::Failed { last, .. } => last.as_ref(),
            _ => None,
        }
    }
}

/// Starts reading; the loop ends with the view.
pub fn start_timings_feed(agent: AgentContext) -> ReadSignal<TimingsState> {
    let (state, set_state) = signal(TimingsState::Loading);
    spawn_local_scoped_with_cancellation(async move {
        loop {
            let next = match read(agent.id).await {
                Ok(t) => TimingsState::Loaded(t),
                Err((build, ApiError::NotFound(_))) if !build.is_nil() => {
                    TimingsState::Unsupported { build }
                }
                Err((_, error)) => TimingsState::Failed {
                    error,
                    last: state.with_untracked(|s| s.timings().cloned()),
                },
            };
            // Unchanged timings leave the chart alone.
            let open = set_state
                .try_update(|s| {
                    if *s != next {
                        *s = next;
                    }
                })
                .is_some();
            if !open {
                break;
            }
            let starting = agent
                .agent
                .try_with_untracked(|l| {
                    l.value.as_ref().is_some_and(|a| {
                        matches!(a.lifecycle_state, Lifecycle::Created | Lifecycle::Starting)
                    })
                })
                .unwrap_or(false);
            wait_visible(if starting {
                LIVE_REFRESH_MS
            } else {
                IDLE_REFRESH_MS
            })
            .await;
        }
    });
    state
}

/// The latest build of the agent's workspace, then its timings. The error carries the build id
/// once known (nil before), so a 404 of the timings is told apart from one of the workspace.
async fn read(agent: Uuid) -> Result<BuildTimings, (Uuid, ApiError)> {
    let workspace = agent_workspace(agent).await.map_err(|e| (Uuid::nil(), e))?;
    let build = workspace.latest_build;
    let timings =
        get_json::<WorkspaceBuildTimings>(coder_api::routes::workspace_build_timings(&build.id))
            .await
            .map_err(|e| (build.id, e))?;
    Ok(BuildTimings {
        build: build.id,
        build_number: build.build_number,
        timings,
    })
}
