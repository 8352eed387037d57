//! Issue 16: each script run's outcome and timing, the build's timings route and the plain-text
//! logs, on the embedded backend (and through the proxy, which passes them on unchanged).

mod common;

use std::time::Duration;

use coder_api::{
    TimingStage, WorkspaceAgent, WorkspaceAgentLifecycle, WorkspaceAgentLog,
    WorkspaceAgentScriptStatus as Status, WorkspaceBuildTimings, WorkspacesResponse,
};
use common::{Mode, Server};

/// One script that succeeds after a moment, one that exits 3, one that its timeout kills.
const THREE_SCRIPTS: &str = r#"
[agent]
name = "dev"
workspace = "ws"
username = "tester"

[[scripts]]
display_name = "Succeeds"
script = "sleep 0.3; echo fine"

[[scripts]]
display_name = "Exits 3"
script = "echo 'about to fail <b>' >&2; exit 3"

[[scripts]]
display_name = "Times out"
script = "echo waiting; sleep 30"
timeout_seconds = 1
"#;

async fn started(mode: Mode) -> (Server, WorkspaceAgent) {
    let s = Server::start_with(mode, THREE_SCRIPTS, |_| {}).await;
    for _ in 0..300 {
        let agent: WorkspaceAgent = s.get_as(&s.agent_path(""), 200).await;
        if agent.lifecycle_state != WorkspaceAgentLifecycle::Starting
            && agent.lifecycle_state != WorkspaceAgentLifecycle::Created
        {
            return (s, agent);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the start scripts did not finish");
}

async fn latest_build(s: &Server) -> uuid::Uuid {
    let list: WorkspacesResponse = s.get_as("/api/v2/workspaces", 200).await;
    list.workspaces[0].latest_build.id
}

async fn outcomes_and_timings(mode: Mode) {
    let (s, agent) = started(mode).await;
    // A timeout wins over a failure, as in Coder's agent.
    assert_eq!(agent.lifecycle_state, WorkspaceAgentLifecycle::StartTimeout);
    let outcome = |name: &str| {
        let script = agent
            .scripts
            .iter()
            .find(|x| x.display_name == name)
            .unwrap();
        (script.exit_code, script.status.clone())
    };
    assert_eq!(outcome("Succeeds"), (Some(0), Some(Status::Ok)));
    assert_eq!(outcome("Exits 3"), (Some(3), Some(Status::ExitFailure)));
    assert_eq!(outcome("Times out"), (Some(255), Some(Status::TimedOut)));

    let build = latest_build(&s).await;
    let path = coder_api::routes::workspace_build_timings(&build);
    let timings: WorkspaceBuildTimings = s.get_as(&path, 200).await;
    assert!(
        timings.provisioner_timings.is_empty(),
        "no provisioner here"
    );
    let runs = &timings.agent_script_timings;
    assert_eq!(runs.len(), 3, "{runs:?}");
    for run in runs {
        assert_eq!(run.stage, TimingStage::Start);
        assert_eq!(run.workspace_agent_id, agent.id.to_string());
        assert_eq!(run.workspace_agent_name, "dev");
    }
    let run = |name: &str| runs.iter().find(|r| r.display_name == name).unwrap();
    let took = |name: &str| {
        let r = run(name);
        (r.ended_at.unwrap() - r.started_at.unwrap()).num_milliseconds()
    };
    assert_eq!(
        (run("Succeeds").exit_code, &run("Succeeds").status),
        (0, &Status::Ok)
    );
    assert_eq!(
        (run("Exits 3").exit_code, &run("Exits 3").status),
        (3, &Status::ExitFailure)
    );
    assert_eq!(run("Times out").status, Status::TimedOut);
    assert!(took("Succeeds") >= 300, "{}", took("Succeeds"));
    assert!(
        (1_000..5_000).contains(&took("Times out")),
        "{}",
        took("Times out")
    );
    assert_eq!(timings.agent_connection_timings.len(), 1);
    assert_eq!(
        timings.agent_connection_timings[0].stage,
        TimingStage::Connect
    );

    // coderd's answers for a build id that is not one, or not this workspace's.
    let bad = s
        .get_json("/api/v2/workspacebuilds/not-a-uuid/timings", 400)
        .await;
    assert_eq!(bad["message"], "Invalid UUID \"not-a-uuid\".");
    s.get_json(
        &coder_api::routes::workspace_build_timings(&uuid::Uuid::new_v4()),
        404,
    )
    .await;
    let anonymous = reqwest::get(s.url(&path)).await.unwrap();
    assert_eq!(anonymous.status(), 401, "the timings need sign-in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn script_outcomes_and_build_timings_embedded() {
    outcomes_and_timings(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn script_outcomes_and_build_timings_proxy() {
    outcomes_and_timings(Mode::Proxy).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_text_logs_match_the_json_backlog() {
    let (s, _) = started(Mode::Embedded).await;
    let lines: Vec<WorkspaceAgentLog> = s.get_as(&s.agent_path("/logs"), 200).await;
    assert!(lines.len() >= 4, "{lines:?}");
    let resp = s.get(&s.agent_path("/logs?format=text")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/plain; charset=utf-8");
    let text = resp.text().await.unwrap();
    let text_lines: Vec<&str> = text.lines().collect();
    assert_eq!(text_lines.len(), lines.len(), "one text line per log line");
    for (json, text) in lines.iter().zip(&text_lines) {
        assert!(text.ends_with(&format!("] {}", json.output)), "{text}");
        assert!(
            text.contains(&format!("[{}] [agent.dev|", json.level.as_str())),
            "{text}"
        );
    }
    assert!(
        text.contains("[error] [agent.dev|Exits 3] about to fail <b>"),
        "{text}"
    );
    // `after` applies; text is refused with follow and unknown formats are refused.
    let after = lines[1].id;
    let rest = s
        .get(&s.agent_path(&format!("/logs?format=text&after={after}")))
        .await;
    assert_eq!(rest.text().await.unwrap().lines().count(), lines.len() - 2);
    let follow = s
        .get_json(&s.agent_path("/logs?format=text&follow"), 400)
        .await;
    assert_eq!(
        follow["message"],
        "Text format is not supported with follow mode."
    );
    let xml = s.get_json(&s.agent_path("/logs?format=xml"), 400).await;
    assert_eq!(xml["message"], "Invalid format parameter.");
}

/// The README's example config reads, with a script that succeeds, one that fails and one that
/// times out.
#[test]
fn the_example_config_reads() {
    let text = std::fs::read_to_string(common::repo_root().join("examples/startup-outcomes.toml"))
        .unwrap();
    let file = agent_console_server::config::FileConfig::parse(&text).unwrap();
    let names: Vec<&str> = file
        .scripts
        .iter()
        .map(|s| s.display_name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "Install dependencies",
            "Run migrations",
            "Wait for the database",
            "Refresh caches"
        ]
    );
    assert_eq!(file.scripts[2].timeout_seconds, 3);
}
