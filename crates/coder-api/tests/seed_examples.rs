//! Every example JSON of the published Agents API reference (copied verbatim under fixtures/)
//! parses into the wire types and survives a round trip (parse → serialize → parse → equal).
mod common;

use coder_api::*;
use common::{fixture, fixture_names, round_trip, Check};
use uuid::Uuid;

/// How each seed fixture is read. A fixture missing here fails `every_seed_fixture_is_checked`.
const SEED: &[Check] = &[
    ("workspaceagents_aws_instance_identity.body.json", |j| {
        drop(round_trip::<AwsInstanceIdentityToken>(j))
    }),
    ("workspaceagents_aws_instance_identity.response.json", |j| {
        drop(round_trip::<AuthenticateResponse>(j))
    }),
    ("workspaceagents_azure_instance_identity.body.json", |j| {
        drop(round_trip::<AzureInstanceIdentityToken>(j))
    }),
    (
        "workspaceagents_azure_instance_identity.response.json",
        |j| drop(round_trip::<AuthenticateResponse>(j)),
    ),
    ("workspaceagents_google_instance_identity.body.json", |j| {
        drop(round_trip::<GoogleInstanceIdentityToken>(j))
    }),
    (
        "workspaceagents_google_instance_identity.response.json",
        |j| drop(round_trip::<AuthenticateResponse>(j)),
    ),
    ("workspaceagents_me_external_auth.response.json", |j| {
        drop(round_trip::<ExternalAuthResponse>(j))
    }),
    ("workspaceagents_me_gitauth.response.json", |j| {
        drop(round_trip::<ExternalAuthResponse>(j))
    }),
    ("workspaceagents_me_gitsshkey.response.json", |j| {
        drop(round_trip::<GitSshKey>(j))
    }),
    ("workspaceagents_me_log_source.body.json", |j| {
        drop(round_trip::<PostLogSourceRequest>(&real_ids(j)))
    }),
    ("workspaceagents_me_log_source.response.json", |j| {
        drop(round_trip::<WorkspaceAgentLogSource>(j))
    }),
    ("workspaceagents_me_logs.body.json", |j| {
        drop(round_trip::<PatchLogs>(&real_ids(j)))
    }),
    ("workspaceagents_me_logs.response.json", |j| {
        drop(round_trip::<Response>(j))
    }),
    ("workspaceagents_workspaceagent.response.json", |j| {
        drop(round_trip::<WorkspaceAgent>(j))
    }),
    (
        "workspaceagents_workspaceagent_connection.response.json",
        |j| drop(round_trip::<AgentConnectionInfo>(j)),
    ),
    (
        "workspaceagents_workspaceagent_listening_ports.response.json",
        |j| drop(round_trip::<WorkspaceAgentListeningPortsResponse>(j)),
    ),
    ("workspaceagents_workspaceagent_logs.response.json", |j| {
        drop(round_trip::<Vec<WorkspaceAgentLog>>(j))
    }),
    (
        "workspaceagents_workspaceagent_startup_logs.response.json",
        |j| drop(round_trip::<Vec<WorkspaceAgentLog>>(j)),
    ),
];

/// The reference writes `"string"` where a UUID or an RFC 3339 time belongs, in the two agent
/// request bodies; coderd refuses those too. This swaps in real values of the same fields.
fn real_ids(json: &str) -> String {
    json.replace(
        "\"id\": \"string\"",
        "\"id\": \"497f6eca-6276-4993-bfeb-53cbbbba6f08\"",
    )
    .replace(
        "\"log_source_id\": \"string\"",
        "\"log_source_id\": \"497f6eca-6276-4993-bfeb-53cbbbba6f08\"",
    )
    .replace(
        "\"created_at\": \"string\"",
        "\"created_at\": \"2024-05-01T10:00:00.123456Z\"",
    )
}

#[test]
fn every_seed_fixture_is_checked() {
    let listed: Vec<&str> = SEED.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        fixture_names(""),
        listed,
        "fixtures/ and the SEED table differ"
    );
    for (name, check) in SEED {
        check(&fixture(name));
    }
}

#[test]
fn agent_example_fills_every_field() {
    let agent: WorkspaceAgent =
        round_trip(&fixture("workspaceagents_workspaceagent.response.json"));
    let id: Uuid = "497f6eca-6276-4993-bfeb-53cbbbba6f08".parse().unwrap();
    assert_eq!(agent.id, id);
    assert_eq!(agent.status, WorkspaceAgentStatus::Connecting);
    assert_eq!(agent.lifecycle_state, WorkspaceAgentLifecycle::Created);
    assert!(agent.lifecycle_state.is_starting());
    assert_eq!(
        agent.startup_script_behavior,
        Some(StartupScriptBehavior::Blocking)
    );
    assert_eq!(agent.display_apps, vec![DisplayApp::Vscode]);
    assert_eq!(agent.subsystems, vec![AgentSubsystem::Envbox]);
    assert_eq!(
        agent.health,
        WorkspaceAgentHealth {
            healthy: false,
            reason: Some("agent has lost connection".into())
        }
    );
    assert_eq!(agent.environment_variables["property1"], "string");
    assert_eq!(agent.latency.as_ref().unwrap().len(), 2);
    assert_eq!(agent.preferred_latency().unwrap().0, "property1");
    assert!(agent.logs_overflowed);
    assert_eq!(agent.logs_length, 0);
    assert_eq!(agent.instance_id.as_deref(), Some("string"));
    assert_eq!(agent.directory.as_deref(), Some("string"));
    assert_eq!(agent.expanded_directory.as_deref(), Some("string"));
    for t in [
        agent.first_connected_at,
        agent.last_connected_at,
        agent.disconnected_at,
        agent.started_at,
        agent.ready_at,
    ] {
        assert_eq!(t.unwrap().to_rfc3339(), "2019-08-24T14:15:22+00:00");
    }
    assert_eq!(
        agent.resource_id.to_string(),
        "4d5215ed-38bb-48ed-879a-fdb9ca58522f"
    );
    assert!(
        agent.parent_id.is_none(),
        "the 2024 reference predates parent_id"
    );

    let app = &agent.apps[0];
    assert_eq!(app.health, WorkspaceAppHealth::Disabled);
    assert_eq!(app.sharing_level, WorkspaceAppSharingLevel::Owner);
    assert_eq!(
        app.healthcheck,
        Healthcheck {
            url: "string".into(),
            interval: 0,
            threshold: 0
        }
    );
    assert!(app.external && app.hidden && app.subdomain);
    assert_eq!(app.command.as_deref(), Some("string"));
    assert_eq!(app.subdomain_name.as_deref(), Some("string"));
    assert!(
        app.open_in.is_none() && app.group.is_none() && app.statuses.is_empty(),
        "newer fields absent"
    );

    let script = &agent.scripts[0];
    assert_eq!(
        script.log_source_id.to_string(),
        "4197ab25-95cf-4b91-9c78-f7f2af5d353a"
    );
    assert_eq!((script.timeout, script.timeout_duration()), (0, None));
    assert!(script.run_on_start && script.run_on_stop && script.start_blocks_login);
    assert_eq!(script.cron.as_deref(), Some("string"));
    assert_eq!(
        agent.log_sources[0].workspace_agent_id.to_string(),
        "7ad2e618-fea7-4c1a-b70a-f501566a72f1"
    );
}

#[test]
fn logs_examples() {
    for name in [
        "workspaceagents_workspaceagent_logs.response.json",
        "workspaceagents_workspaceagent_startup_logs.response.json",
    ] {
        let logs: Vec<WorkspaceAgentLog> = round_trip(&fixture(name));
        assert_eq!(logs.len(), 1);
        assert_eq!(
            (logs[0].id, &logs[0].level, logs[0].output.as_str()),
            (0, &LogLevel::Trace, "string")
        );
        assert_eq!(
            logs[0].source_id.to_string(),
            "ae50a35c-df42-4eff-ba26-f8bc28d2af81"
        );
    }
}

#[test]
fn agent_side_examples() {
    let r: AuthenticateResponse = round_trip(&fixture(
        "workspaceagents_aws_instance_identity.response.json",
    ));
    assert_eq!(r.session_token, "string");
    let aws: AwsInstanceIdentityToken =
        round_trip(&fixture("workspaceagents_aws_instance_identity.body.json"));
    assert_eq!(
        (aws.document.as_str(), aws.signature.as_str()),
        ("string", "string")
    );
    let azure: AzureInstanceIdentityToken = round_trip(&fixture(
        "workspaceagents_azure_instance_identity.body.json",
    ));
    assert_eq!(azure.encoding, "string");
    let google: GoogleInstanceIdentityToken = round_trip(&fixture(
        "workspaceagents_google_instance_identity.body.json",
    ));
    assert_eq!(google.json_web_token, "string");
    let ext: ExternalAuthResponse =
        round_trip(&fixture("workspaceagents_me_external_auth.response.json"));
    assert_eq!(
        (
            ext.kind.as_str(),
            ext.username.as_str(),
            ext.password.as_str()
        ),
        ("string", "string", "string")
    );
    assert!(ext.token_extra.as_ref().is_some_and(|m| m.is_empty()));
    assert!(!ext.access_token.is_empty());
    let key: GitSshKey = round_trip(&fixture("workspaceagents_me_gitsshkey.response.json"));
    assert_eq!(key.public_key, "string");
    let resp: Response = round_trip(&fixture("workspaceagents_me_logs.response.json"));
    assert_eq!(
        resp.validations(),
        &[ValidationError {
            field: "string".into(),
            detail: "string".into()
        }]
    );
    let ports: WorkspaceAgentListeningPortsResponse = round_trip(&fixture(
        "workspaceagents_workspaceagent_listening_ports.response.json",
    ));
    assert_eq!(
        ports.ports[0],
        WorkspaceAgentListeningPort {
            process_name: "string".into(),
            network: "string".into(),
            port: 0
        }
    );
}

#[test]
fn request_body_examples_use_placeholders_for_ids_and_times() {
    // As written, "string" is neither a UUID nor a time: a typed error, as coderd gives a 400.
    let source = fixture("workspaceagents_me_log_source.body.json");
    assert!(parse::<PostLogSourceRequest>(&source).is_err());
    let body: PostLogSourceRequest = round_trip(&real_ids(&source));
    assert_eq!(
        (body.display_name.as_str(), body.icon.as_str()),
        ("string", "string")
    );

    let logs = fixture("workspaceagents_me_logs.body.json");
    assert!(parse::<PatchLogs>(&logs).unwrap_err().line > 0);
    let body: PatchLogs = round_trip(&real_ids(&logs));
    assert_eq!(body.logs[0].level, LogLevel::Trace);
}

#[test]
fn camel_case_derp_example_is_not_the_wire_format() {
    // The reference's connection example spells the DERP map in camelCase (`regions`,
    // `regionID`, `hostName`), which coderd never sends: it marshals tailcfg.DERPMap with Go's
    // field names. We read the wire names only, so this example parses without error (unknown
    // keys are ignored) into an empty map. The one exception is `omitDefaultRegions`, whose
    // wire tag really is lowercase.
    let info: AgentConnectionInfo = round_trip(&fixture(
        "workspaceagents_workspaceagent_connection.response.json",
    ));
    assert!(info.derp_force_websockets && info.disable_direct_connections);
    assert!(info.derp_map.regions.is_empty());
    assert!(info.derp_map.home_params.is_none());
    assert_eq!(info.derp_map.omit_default_regions, Some(true));
    assert!(info.hostname_suffix.is_none());
}
