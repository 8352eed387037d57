//! Every example JSON of the published Agents API reference (copied under fixtures/) parses into
//! the wire types and survives a round trip (parse → serialize → parse gives the same value).
use coder_api::*;
use serde::{de::DeserializeOwned, Serialize};
use std::fmt::Debug;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn round_trip<T: DeserializeOwned + Serialize + PartialEq + Debug>(json: &str) -> T {
    let first: T = parse(json).unwrap_or_else(|e| panic!("parse failed: {e}\n{json}"));
    let again: T = parse(&serde_json::to_string(&first).unwrap()).unwrap();
    assert_eq!(first, again);
    first
}

#[test]
fn agent_example_parses_every_field() {
    let agent: WorkspaceAgent = round_trip(&fixture("workspaceagents_workspaceagent.response.json"));
    assert_eq!(agent.id.to_string(), "497f6eca-6276-4993-bfeb-53cbbbba6f08");
    assert_eq!(agent.status, WorkspaceAgentStatus::Connecting);
    assert_eq!(agent.lifecycle_state, WorkspaceAgentLifecycle::Created);
    assert_eq!(agent.apps.len(), 1);
    assert_eq!(agent.apps[0].health, WorkspaceAppHealth::Disabled);
    assert_eq!(agent.apps[0].sharing_level, WorkspaceAppSharingLevel::Owner);
    assert_eq!(agent.display_apps, vec![DisplayApp::Vscode]);
    assert_eq!(agent.subsystems, vec![AgentSubsystem::Envbox]);
    assert_eq!(agent.health.reason.as_deref(), Some("agent has lost connection"));
    assert_eq!(agent.latency.as_ref().unwrap().len(), 2);
    assert_eq!(agent.environment_variables.len(), 2);
    assert_eq!(agent.scripts[0].timeout, 0);
    assert_eq!(agent.startup_script_behavior, Some(StartupScriptBehavior::Blocking));
    assert_eq!(agent.log_sources.len(), 1);
    assert!(agent.logs_overflowed);
}

#[test]
fn logs_examples_parse() {
    for name in ["workspaceagents_workspaceagent_logs.response.json", "workspaceagents_workspaceagent_startup_logs.response.json"] {
        let logs: Vec<WorkspaceAgentLog> = round_trip(&fixture(name));
        assert_eq!(logs.len(), 1);
        assert_eq!(logs[0].level, LogLevel::Trace);
    }
}

#[test]
fn agent_side_examples_parse() {
    let r: AuthenticateResponse = round_trip(&fixture("workspaceagents_aws_instance_identity.response.json"));
    assert_eq!(r.session_token, "string");
    round_trip::<AuthenticateResponse>(&fixture("workspaceagents_azure_instance_identity.response.json"));
    round_trip::<AuthenticateResponse>(&fixture("workspaceagents_google_instance_identity.response.json"));
    round_trip::<AwsInstanceIdentityToken>(&fixture("workspaceagents_aws_instance_identity.body.json"));
    round_trip::<AzureInstanceIdentityToken>(&fixture("workspaceagents_azure_instance_identity.body.json"));
    round_trip::<GoogleInstanceIdentityToken>(&fixture("workspaceagents_google_instance_identity.body.json"));
    let ext: ExternalAuthResponse = round_trip(&fixture("workspaceagents_me_external_auth.response.json"));
    assert_eq!(ext.kind, "string");
    assert!(ext.token_extra.is_some());
    round_trip::<ExternalAuthResponse>(&fixture("workspaceagents_me_gitauth.response.json"));
    round_trip::<GitSshKey>(&fixture("workspaceagents_me_gitsshkey.response.json"));
    let src: WorkspaceAgentLogSource = round_trip(&fixture("workspaceagents_me_log_source.response.json"));
    assert_eq!(src.workspace_agent_id.to_string(), "7ad2e618-fea7-4c1a-b70a-f501566a72f1");
    let resp: Response = round_trip(&fixture("workspaceagents_me_logs.response.json"));
    assert_eq!(resp.validations.unwrap()[0].field, "string");
    let ports: WorkspaceAgentListeningPortsResponse =
        round_trip(&fixture("workspaceagents_workspaceagent_listening_ports.response.json"));
    assert_eq!(ports.ports[0].port, 0);
}

#[test]
fn post_log_source_example_uses_a_placeholder_id() {
    // The reference writes "string" where a UUID belongs; coderd refuses that too. With a real
    // id the same body parses and round-trips.
    let text = fixture("workspaceagents_me_log_source.body.json");
    assert!(parse::<PostLogSourceRequest>(&text).is_err());
    let fixed = text.replace("\"id\": \"string\"", "\"id\": \"497f6eca-6276-4993-bfeb-53cbbbba6f08\"");
    let body: PostLogSourceRequest = round_trip(&fixed);
    assert_eq!(body.display_name, "string");
}

#[test]
fn patch_logs_example_uses_placeholder_id_and_time() {
    // Same for the PATCH body: "string" stands for a UUID and an RFC 3339 time.
    let text = fixture("workspaceagents_me_logs.body.json");
    let err = parse::<PatchLogs>(&text).unwrap_err();
    assert!(err.line > 0);
    let fixed = text
        .replace("\"log_source_id\": \"string\"", "\"log_source_id\": \"497f6eca-6276-4993-bfeb-53cbbbba6f08\"")
        .replace("\"created_at\": \"string\"", "\"created_at\": \"2024-05-01T10:00:00.123456Z\"");
    let body: PatchLogs = round_trip(&fixed);
    assert_eq!(body.logs[0].level, LogLevel::Trace);
}

#[test]
fn swagger_camel_case_derp_map_is_not_the_wire_format() {
    // The reference's connection example spells the DERP map in camelCase, which coderd never
    // sends. It still parses (unknown names are ignored) but yields no regions.
    let info: AgentConnectionInfo = round_trip(&fixture("workspaceagents_workspaceagent_connection.response.json"));
    assert!(info.derp_force_websockets);
    assert!(info.disable_direct_connections);
    assert!(info.derp_map.regions.is_empty());
}
