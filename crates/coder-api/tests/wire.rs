//! What a real coderd sends beyond the reference (fixtures/wire/): the PascalCase DERP map,
//! newer agent and app fields, the endpoints around agents, unknown enum values, and missing or
//! `null` optional fields.
mod common;

use coder_api::*;
use common::{fixture, fixture_names, round_trip, Check};
use serde_json::{json, Value};

/// How each wire fixture is read. A fixture missing here fails `every_wire_fixture_is_checked`.
const WIRE: &[Check] = &[
    ("agent.json", |j| drop(round_trip::<WorkspaceAgent>(j))),
    ("agent_sessions.json", |j| {
        drop(round_trip::<WorkspaceAgent>(j));
        drop(round_trip::<AgentExtras>(j))
    }),
    ("app_host.json", |j| drop(round_trip::<AppHostResponse>(j))),
    ("app_status_patch.json", |j| {
        drop(round_trip::<PatchAppStatus>(j))
    }),
    ("buildinfo.json", |j| drop(round_trip::<BuildInfo>(j))),
    ("connection.json", |j| {
        drop(round_trip::<AgentConnectionInfo>(j))
    }),
    ("derp_map.json", |j| drop(round_trip::<DerpMap>(j))),
    ("logs_frame.json", |j| {
        drop(round_trip::<Vec<WorkspaceAgentLog>>(j))
    }),
    ("metadata_frame.json", |j| {
        drop(round_trip::<ServerSentEvent>(j))
    }),
    ("regions.json", |j| drop(round_trip::<RegionsResponse>(j))),
    ("signed_out.json", |j| drop(round_trip::<Response>(j))),
    ("users_me.json", |j| drop(round_trip::<User>(j))),
    ("workspace_app_status.json", |j| {
        drop(round_trip::<Workspace>(j))
    }),
    ("workspaces.json", |j| {
        drop(round_trip::<WorkspacesResponse>(j))
    }),
];

fn wire(name: &str) -> String {
    fixture(&format!("wire/{name}"))
}

#[test]
fn every_wire_fixture_is_checked() {
    let listed: Vec<&str> = WIRE.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        fixture_names("wire"),
        listed,
        "fixtures/wire/ and the WIRE table differ"
    );
    for (name, check) in WIRE {
        check(&wire(name));
    }
}

#[test]
fn pascal_case_derp_map() {
    let map: DerpMap = round_trip(&wire("derp_map.json"));
    assert_eq!(map.home_params, Some(DerpHomeParams { region_score: None }));
    assert_eq!(map.omit_default_regions, None);
    let ids: Vec<i64> = map.regions.values().map(|r| r.region_id).collect();
    assert_eq!(ids.len(), 4);
    assert!([1, 10, 999, 1000].iter().all(|id| ids.contains(id)));

    let coder = map.region(999).unwrap();
    assert!(coder.embedded_relay);
    assert_eq!(
        (coder.region_code.as_str(), coder.region_name.as_str()),
        ("coder", "Coder Embedded Relay")
    );
    let node = &coder.nodes[0];
    assert_eq!(
        (node.name.as_str(), node.host_name.as_str()),
        ("999b", "coder.example.com")
    );
    assert!(node.stun_disabled(), "-1 disables STUN");
    assert_eq!(node.effective_derp_port(), 443);

    let nyc = map.region(1).unwrap();
    assert_eq!(nyc.nodes.len(), 2);
    assert_eq!(nyc.nodes[0].ipv4.as_deref(), Some("199.38.181.104"));
    assert_eq!(nyc.nodes[0].ipv6.as_deref(), Some("2607:f740:f::bc"));
    assert_eq!(
        nyc.nodes[0].effective_stun_port(),
        Some(3478),
        "absent means 3478"
    );
    assert_eq!(nyc.nodes[1].can_port_80, Some(true));
    assert_eq!(nyc.avoid, None);

    let sea = map.region(10).unwrap();
    assert_eq!(sea.avoid, Some(true));
    let n = &sea.nodes[0];
    assert_eq!(n.cert_name.as_deref(), Some("derp10.tailscale.com"));
    assert_eq!(
        (n.effective_stun_port(), n.effective_derp_port()),
        (Some(3479), 8443)
    );
    assert_eq!(
        (n.force_http, n.insecure_for_tests),
        (Some(true), Some(true))
    );
    assert_eq!(n.stun_test_ip.as_deref(), Some("127.0.0.1"));

    let stun = &map.region(1000).unwrap().nodes[0];
    assert_eq!(stun.stun_only, Some(true));
    assert!(!stun.relays());
}

#[test]
fn derp_map_is_written_with_wire_names() {
    let map: DerpMap = parse(&wire("derp_map.json")).unwrap();
    let out = serde_json::to_value(&map).unwrap();
    let node = &out["Regions"]["10"]["Nodes"][0];
    for key in [
        "Name",
        "RegionID",
        "HostName",
        "CertName",
        "STUNPort",
        "DERPPort",
        "ForceHTTP",
        "InsecureForTests",
        "STUNTestIP",
    ] {
        assert!(node.get(key).is_some(), "{key}");
    }
    let region = &out["Regions"]["10"];
    for key in [
        "EmbeddedRelay",
        "RegionID",
        "RegionCode",
        "RegionName",
        "Avoid",
        "Nodes",
    ] {
        assert!(region.get(key).is_some(), "{key}");
    }
    // omitempty fields that were absent stay absent.
    assert!(out["Regions"]["1"].get("Avoid").is_none());
    assert!(out["Regions"]["1"]["Nodes"][0].get("STUNPort").is_none());
    assert!(out.get("omitDefaultRegions").is_none());
    let with_omit = DerpMap {
        omit_default_regions: Some(true),
        ..map
    };
    assert_eq!(
        serde_json::to_value(&with_omit).unwrap()["omitDefaultRegions"],
        true
    );
    // Go writes a nil map, slice or pointer entry as null: read as empty / skipped.
    let sparse: DerpMap =
        parse(r#"{"Regions":{"1":null,"2":{"RegionID":2,"Nodes":[null,{"Name":"2a"}]}}}"#).unwrap();
    assert_eq!(sparse.regions.len(), 1);
    assert_eq!(sparse.regions["2"].nodes.len(), 1);
    assert!(parse::<DerpMap>(r#"{"Regions":null,"HomeParams":null}"#)
        .unwrap()
        .regions
        .is_empty());
}

#[test]
fn connection_info_with_hostname_suffix() {
    let info: AgentConnectionInfo = round_trip(&wire("connection.json"));
    assert_eq!(info.hostname_suffix.as_deref(), Some("coder"));
    assert_eq!(info.derp_map.regions.len(), 4);
    assert!(!info.derp_force_websockets && !info.disable_direct_connections);
    // DERP map updates arrive as binary WebSocket frames.
    let frame = serde_json::to_vec(&info.derp_map).unwrap();
    assert_eq!(parse_slice::<DerpMap>(&frame).unwrap(), info.derp_map);
}

#[test]
fn newer_agent_fields() {
    let agent: WorkspaceAgent = round_trip(&wire("agent.json"));
    assert!(agent.parent_id.is_none());
    assert_eq!(agent.status, WorkspaceAgentStatus::Connected);
    assert!(agent.lifecycle_state.is_ready());
    assert_eq!(agent.updated_at.timestamp_subsec_nanos(), 918_273_645);
    assert_eq!(
        agent.updated_at.to_rfc3339(),
        "2025-06-02T07:15:11.918273645+00:00",
        "offsets become UTC"
    );
    assert!(agent.subsystems.is_empty(), "null reads as empty");
    assert_eq!(agent.display_apps.len(), 5);
    assert!(agent.display_apps.iter().all(DisplayApp::is_known));
    assert!(agent
        .display_apps
        .contains(&DisplayApp::PortForwardingHelper));
    assert_eq!(
        agent.preferred_latency().map(|(r, l)| (r, l.latency_ms)),
        Some(("Coder Embedded Relay", 12.731))
    );
    assert_eq!(agent.latencies_sorted()[1].0, "New York City");
    assert_eq!(
        agent.health,
        WorkspaceAgentHealth::derive(&agent.status, &agent.lifecycle_state)
    );
    assert_eq!(agent.scripts[0].timeout_seconds(), 300);
    assert_eq!(
        agent.scripts[0].cron, None,
        "coderd writes \"\" for no schedule"
    );
    assert_eq!(
        StartupScriptBehavior::from_scripts(&agent.scripts),
        StartupScriptBehavior::Blocking
    );
    assert_eq!(
        agent
            .log_source(&EXTERNAL_LOG_SOURCE_ID)
            .unwrap()
            .display_name,
        "External"
    );

    let code = &agent.apps[0];
    assert_eq!(code.sharing_level, WorkspaceAppSharingLevel::Organization);
    assert_eq!(code.open_in, Some(WorkspaceAppOpenIn::SlimWindow));
    assert_eq!(code.group.as_deref(), Some("Editors"));
    assert_eq!(
        code.tooltip.as_deref(),
        Some("Opens **VS Code** in the browser")
    );
    assert_eq!(code.health, WorkspaceAppHealth::Healthy);
    assert_eq!(code.healthcheck.threshold, 6);
    assert_eq!(code.statuses[0].state, WorkspaceAppStatusState::Working);
    assert_eq!(code.statuses[0].uri, "");
    let docs = &agent.apps[1];
    assert!(docs.external && docs.hidden && docs.statuses.is_empty());
    assert_eq!(docs.open_in, Some(WorkspaceAppOpenIn::Tab));
    assert!(docs.command.is_none() && docs.subdomain_name.is_none());

    // Fields this crate does not model (branch-only task fields) are ignored, not errors.
    let out = serde_json::to_value(&agent).unwrap();
    assert!(out.get("tasks").is_none());
}

#[test]
fn parent_id_set_null_or_absent() {
    let mut v: Value = serde_json::from_str(&wire("agent.json")).unwrap();
    v["parent_id"] = json!("7ad2e618-fea7-4c1a-b70a-f501566a72f1");
    let sub: WorkspaceAgent = round_trip(&v.to_string());
    assert_eq!(
        sub.parent_id.unwrap().to_string(),
        "7ad2e618-fea7-4c1a-b70a-f501566a72f1"
    );
    v.as_object_mut().unwrap().remove("parent_id");
    assert!(parse::<WorkspaceAgent>(&v.to_string())
        .unwrap()
        .parent_id
        .is_none());
    // Written as null, as coderd writes it (a `uuid.NullUUID` without `omitempty`).
    assert_eq!(
        serde_json::to_value(parse::<WorkspaceAgent>(&v.to_string()).unwrap()).unwrap()
            ["parent_id"],
        Value::Null
    );
}

#[test]
fn workspaces_lead_to_agents() {
    let list: WorkspacesResponse = round_trip(&wire("workspaces.json"));
    assert_eq!(list.count, 1);
    let ws = &list.workspaces[0];
    assert_eq!((ws.name.as_str(), ws.owner_name.as_str()), ("dev", "alice"));
    assert_eq!(ws.latest_build.status, WorkspaceStatus::Running);
    assert_eq!(ws.latest_build.transition, WorkspaceTransition::Start);
    assert_eq!(ws.latest_build.build_number, 17);
    assert_eq!(ws.latest_build.resources[0].kind, "docker_container");
    assert!(
        ws.latest_build.resources[1].agents.is_empty(),
        "a resource without agents has null"
    );
    let agent = ws.agents().next().unwrap();
    assert_eq!(agent.name, "main");
    assert_eq!(ws.agent(&agent.id).map(|a| a.name.as_str()), Some("main"));
    assert!(ws.agent(&uuid::Uuid::nil()).is_none());
}

#[test]
fn deployment_endpoints() {
    let me: User = round_trip(&wire("users_me.json"));
    assert_eq!(
        (me.username.as_str(), me.display_name()),
        ("alice", "Alice Liddell")
    );
    assert_eq!(me.status, UserStatus::Active);
    let info: BuildInfo = round_trip(&wire("buildinfo.json"));
    assert_eq!(
        (info.version.as_str(), info.agent_api_version.as_str()),
        ("v2.24.1+9f3c2a1", "2.6")
    );
    assert_eq!(info.dashboard_url, "https://coder.example.com");
    let regions: RegionsResponse = round_trip(&wire("regions.json"));
    assert_eq!(regions.regions[0].wildcard_hostname, "*.coder.example.com");
    assert!(regions.regions[0].healthy);
    let host: AppHostResponse = round_trip(&wire("app_host.json"));
    assert!(host.host.starts_with('*'));
    assert!(parse::<AppHostResponse>(r#"{"host":""}"#)
        .unwrap()
        .host
        .is_empty());
    let out: Response = round_trip(&wire("signed_out.json"));
    assert_eq!(out, Response::signed_out_no_token());
}

#[test]
fn log_frames() {
    let logs: Vec<WorkspaceAgentLog> = round_trip(&wire("logs_frame.json"));
    assert_eq!(logs.iter().map(|l| l.id).collect::<Vec<_>>(), vec![41, 42]);
    assert!(logs[0].output.starts_with("\u{1b}[32m✔"));
    assert_eq!(logs[1].level, LogLevel::Warn);
    assert!(parse::<Vec<WorkspaceAgentLog>>("[]").unwrap().is_empty());
}

#[test]
fn unknown_enum_values_are_kept_and_written_back() {
    let mut v: Value = serde_json::from_str(&wire("agent.json")).unwrap();
    v["status"] = json!("hibernating");
    v["lifecycle_state"] = json!("warming_up");
    v["startup_script_behavior"] = json!("eventually");
    v["display_apps"] = json!(["vscode", "hologram"]);
    v["subsystems"] = json!(["quantum"]);
    v["apps"][0]["health"] = json!("wobbly");
    v["apps"][0]["sharing_level"] = json!("team");
    v["apps"][0]["open_in"] = json!("split-pane");
    v["apps"][0]["statuses"][0]["state"] = json!("paused");
    let agent: WorkspaceAgent = round_trip(&v.to_string());
    assert_eq!(
        agent.status,
        WorkspaceAgentStatus::Unknown("hibernating".into())
    );
    assert_eq!(agent.lifecycle_state.as_str(), "warming_up");
    assert!(!agent.lifecycle_state.is_known() && !agent.lifecycle_state.is_starting());
    assert_eq!(
        agent.display_apps[1],
        DisplayApp::Unknown("hologram".into())
    );
    assert_eq!(
        agent.apps[0]
            .open_in
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("split-pane")
    );
    let back = serde_json::to_value(&agent).unwrap();
    for (path, want) in [
        ("/status", "hibernating"),
        ("/lifecycle_state", "warming_up"),
        ("/startup_script_behavior", "eventually"),
        ("/display_apps/1", "hologram"),
        ("/subsystems/0", "quantum"),
        ("/apps/0/health", "wobbly"),
        ("/apps/0/sharing_level", "team"),
        ("/apps/0/open_in", "split-pane"),
        ("/apps/0/statuses/0/state", "paused"),
    ] {
        assert_eq!(back.pointer(path), Some(&json!(want)), "{path}");
    }
    let level: LogLevel = parse("\"fatal\"").unwrap();
    assert_eq!(
        (level.to_string(), serde_json::to_string(&level).unwrap()),
        ("fatal".into(), "\"fatal\"".into())
    );
    let build: WorkspaceBuild = parse(r#"{"id":"497f6eca-6276-4993-bfeb-53cbbbba6f08","status":"hibernating","transition":"teleport"}"#).unwrap();
    assert_eq!(
        (build.status.as_str(), build.transition.as_str()),
        ("hibernating", "teleport")
    );
    assert_eq!(
        parse::<User>(r#"{"id":"497f6eca-6276-4993-bfeb-53cbbbba6f08","status":"banished"}"#)
            .unwrap()
            .status
            .as_str(),
        "banished"
    );
}

#[test]
fn missing_and_null_optional_fields() {
    let minimal = r#"{"id":"497f6eca-6276-4993-bfeb-53cbbbba6f08","name":"main",
        "created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z"}"#;
    let agent: WorkspaceAgent = round_trip(minimal);
    assert!(agent.apps.is_empty() && agent.latency.is_none() && agent.parent_id.is_none());
    assert_eq!(
        agent.status,
        WorkspaceAgentStatus::Connecting,
        "the first variant is the default"
    );
    let nulls = r#"{"id":"497f6eca-6276-4993-bfeb-53cbbbba6f08","name":"main","parent_id":null,
        "created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z","apps":null,"scripts":null,
        "log_sources":null,"environment_variables":null,"latency":null,"ready_at":null,"started_at":null,
        "first_connected_at":null,"last_connected_at":null,"disconnected_at":null,"directory":null,
        "expanded_directory":null,"instance_id":null,"display_apps":null,"subsystems":null,
        "startup_script_behavior":null}"#;
    assert_eq!(round_trip::<WorkspaceAgent>(nulls), agent);

    let app: WorkspaceApp = round_trip(
        r#"{"id":"497f6eca-6276-4993-bfeb-53cbbbba6f08","url":null,"icon":null,
        "command":null,"group":null,"open_in":null,"tooltip":null,"statuses":null,"subdomain_name":null}"#,
    );
    assert_eq!(
        app,
        WorkspaceApp {
            id: app.id,
            ..Default::default()
        }
    );
    assert!(
        round_trip::<WorkspaceAgentListeningPortsResponse>(r#"{"ports":null}"#)
            .ports
            .is_empty()
    );
    assert!(round_trip::<WorkspaceAgentListeningPortsResponse>("{}")
        .ports
        .is_empty());
    assert!(
        round_trip::<WorkspacesResponse>(r#"{"workspaces":null,"count":0}"#)
            .workspaces
            .is_empty()
    );
    assert!(round_trip::<RegionsResponse>(r#"{"regions":null}"#)
        .regions
        .is_empty());
    assert!(round_trip::<PatchLogs>(r#"{"logs":null}"#).logs.is_empty());
    let r: Response = round_trip(r#"{"message":"nope","detail":null,"validations":null}"#);
    assert!(r.detail.is_none() && r.validations.is_none());
    let ext: ExternalAuthResponse = round_trip(
        r#"{"url":"https://coder.example.com/external-auth/github","token_extra":null}"#,
    );
    assert!(ext.access_token.is_empty() && !ext.url.is_empty() && ext.token_extra.is_none());
    let info: AgentConnectionInfo = round_trip("{}");
    assert!(info.derp_map.regions.is_empty() && info.hostname_suffix.is_none());
}

#[test]
fn error_bodies_keep_omitempty() {
    assert_eq!(
        serde_json::to_string(&Response::message("x")).unwrap(),
        r#"{"message":"x"}"#
    );
    let v = serde_json::to_value(Response::bad_after()).unwrap();
    assert_eq!(v["validations"][0]["field"], "after");
    assert!(v.get("detail").is_none());
}

/// A `watch-metadata-ws` frame as coderd writes it: the envelope, an item collected, one never
/// collected (Go's zero time and saturated age, which are written back unchanged) and a hostile
/// value kept as text.
#[test]
fn metadata_frame_from_coderd() {
    let text = wire("metadata_frame.json");
    let MetadataEvent::Data(items) = MetadataEvent::from_ws_frame(&text).unwrap() else {
        panic!("a data event");
    };
    let keys: Vec<&str> = items.iter().map(|i| i.description.key.as_str()).collect();
    assert_eq!(
        keys,
        ["0_cpu_usage", "6_load_host", "9_hostile"],
        "coderd's order kept"
    );
    assert_eq!(items[0].result.value, "1.2/4 cores (30%)");
    assert!(!items[1].result.is_collected());
    assert_eq!(items[1].result.age, AGE_NEVER_COLLECTED);
    assert!(items[2].result.is_error());
    assert!(items[2].result.value.contains("<b>") && items[2].result.value.contains('\u{1b}'));
    // Written back, the never-collected item is what coderd wrote.
    let again = serde_json::to_value(ServerSentEvent::data(&items)).unwrap();
    let original: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(again, original);
}

/// The workspaces list of a newer coderd asked for `include_agent_metadata`: the agent carries
/// the asked items (without scripts); without it, the key is absent.
#[test]
fn agent_metadata_in_the_workspaces_list() {
    let mut agent: Value = serde_json::from_str(&wire("agent.json")).unwrap();
    let plain: WorkspaceAgent = parse(&agent.to_string()).unwrap();
    assert!(plain.metadata.is_empty());
    assert!(serde_json::to_value(&plain)
        .unwrap()
        .get("metadata")
        .is_none());
    agent["metadata"] = json!([{"result": {"collected_at": "2026-08-22T10:00:03Z", "age": 0,
        "value": "3.1/15.5 GiB (20%)", "error": ""}, "description": {"display_name": "RAM Usage",
        "key": "1_ram_usage", "script": "", "interval": 10, "timeout": 1}}]);
    let with: AgentExtras = round_trip(&agent.to_string());
    assert_eq!(with.metadata[0].result.value, "3.1/15.5 GiB (20%)");
    // The agent itself leaves it unread (see AgentExtras), and still writes what it holds.
    assert!(parse::<WorkspaceAgent>(&agent.to_string())
        .unwrap()
        .metadata
        .is_empty());
    let written = WorkspaceAgent {
        metadata: with.metadata.clone(),
        ..plain
    };
    assert_eq!(
        parse::<AgentExtras>(&serde_json::to_string(&written).unwrap()).unwrap(),
        with
    );
    agent["metadata"] = Value::Null;
    assert!(parse::<AgentExtras>(&agent.to_string())
        .unwrap()
        .metadata
        .is_empty());
}

/// Issue 17: sessions as coderd's sessions branch writes them (hostname-grouped, newest
/// connection first), with unknown statuses and connection types kept and `null` lists read.
#[test]
fn agent_sessions() {
    let agent: AgentExtras = round_trip(&wire("agent_sessions.json"));
    let [laptop, history, lost] = &agent.sessions[..] else {
        panic!("three sessions: {:?}", agent.sessions);
    };
    assert_eq!(laptop.status, WorkspaceConnectionStatus::Ongoing);
    assert_eq!(laptop.client_hostname, "laptop");
    assert_eq!(laptop.connections[0].kind, ConnectionType::PortForwarding);
    assert_eq!(laptop.connections[0].detail, "8080");
    assert_eq!(laptop.connections[0].home_derp.as_ref().unwrap().id, 999);
    assert_eq!(laptop.connections[1].kind, ConnectionType::Ssh);
    assert!(laptop.connections[1].ended_at.is_some());
    assert_eq!(laptop.connections[1].exit_code, Some(0));
    assert!(history.id.is_some() && history.connections.is_empty());
    assert_eq!(
        history.status,
        WorkspaceConnectionStatus::Unknown("teleported".into())
    );
    assert!(!history.status.is_ongoing());
    assert!(lost.ip.is_none());
    assert_eq!(
        lost.connections[0].kind,
        ConnectionType::Unknown("teleport".into())
    );
    // A coderd without sessions (main) leaves the key out; so does this crate when empty.
    let plain: WorkspaceAgent = round_trip(&wire("agent.json"));
    assert!(plain.sessions.is_empty());
    assert!(serde_json::to_value(&plain)
        .unwrap()
        .get("sessions")
        .is_none());
}

/// Grouping follows coderd: by hostname, else address; ongoing wins; newest connection first.
#[test]
fn sessions_are_grouped_like_coderd() {
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    let conn = |ip: &str, host: &str, start: &str, end: Option<&str>| WorkspaceConnection {
        ip: Some(ip.into()),
        client_hostname: host.into(),
        status: if end.is_some() {
            WorkspaceConnectionStatus::CleanDisconnected
        } else {
            WorkspaceConnectionStatus::Ongoing
        },
        created_at: at(start),
        ended_at: end.map(at),
        kind: ConnectionType::ReconnectingPty,
        ..Default::default()
    };
    let sessions = WorkspaceSession::group(vec![
        conn(
            "10.0.0.2",
            "",
            "2026-01-01T10:00:00Z",
            Some("2026-01-01T10:05:00Z"),
        ),
        conn(
            "10.0.0.1",
            "",
            "2026-01-01T09:00:00Z",
            Some("2026-01-01T09:30:00Z"),
        ),
        conn("10.0.0.1", "", "2026-01-01T11:00:00Z", None),
        conn(
            "10.0.0.9",
            "box",
            "2026-01-01T08:00:00Z",
            Some("2026-01-01T08:01:00Z"),
        ),
        conn(
            "10.0.0.8",
            "box",
            "2026-01-01T08:30:00Z",
            Some("2026-01-01T08:40:00Z"),
        ),
    ]);
    let keys: Vec<_> = sessions
        .iter()
        .map(|s| (s.client_hostname.as_str(), s.ip.as_deref().unwrap()))
        .collect();
    assert_eq!(
        keys,
        [("", "10.0.0.1"), ("", "10.0.0.2"), ("box", "10.0.0.8")]
    );
    let one = &sessions[0];
    assert_eq!(one.status, WorkspaceConnectionStatus::Ongoing);
    assert_eq!(one.started_at, at("2026-01-01T09:00:00Z"));
    assert!(one.ended_at.is_none());
    assert_eq!(one.connections[0].created_at, at("2026-01-01T11:00:00Z"));
    let boxed = &sessions[2];
    assert_eq!(boxed.connections.len(), 2);
    assert_eq!(boxed.status, WorkspaceConnectionStatus::CleanDisconnected);
    assert_eq!(boxed.ended_at, Some(at("2026-01-01T08:40:00Z")));
}

/// Issue 17: the workspace's latest app status, `outdated`, `health` and `task_id`, and what an
/// older coderd without them reads as.
#[test]
fn workspace_app_status_and_health() {
    let ws: Workspace = round_trip(&wire("workspace_app_status.json"));
    let latest = ws.latest_app_status.as_ref().unwrap();
    assert_eq!(latest.state, WorkspaceAppStatusState::Idle);
    assert_eq!(latest.uri, "https://github.com/org/repo/pull/123");
    assert!(ws.outdated && !ws.health.healthy);
    assert_eq!(ws.health.failing_agents.len(), 1);
    assert!(ws.task_id.is_some());
    // coderd writes `latest_app_status` and `task_id` as null, never leaves them out.
    let bare: Workspace = parse(r#"{"id":"7a1d0c52-3b4f-4f5e-9d8c-2b1a0f9e8d7c"}"#).unwrap();
    assert!(bare.latest_app_status.is_none() && bare.task_id.is_none());
    assert!(bare.health.healthy && !bare.outdated);
    let out = serde_json::to_value(&bare).unwrap();
    assert!(out["latest_app_status"].is_null() && out["task_id"].is_null());
    // Sub-agents do not count toward the workspace's health.
    let mut sick = WorkspaceAgent {
        health: WorkspaceAgentHealth {
            healthy: false,
            reason: Some("agent has lost connection".into()),
        },
        ..Default::default()
    };
    assert!(!WorkspaceHealth::of([&sick]).healthy);
    sick.parent_id = Some(uuid::Uuid::nil());
    assert_eq!(WorkspaceHealth::of([&sick]), WorkspaceHealth::default());
}

/// The agent's status report: the route, coderd's field names, and an app's `null` fields.
#[test]
fn app_status_patch() {
    let req: PatchAppStatus = round_trip(&wire("app_status_patch.json"));
    assert_eq!(
        routes::me_app_status(),
        "/api/v2/workspaceagents/me/app-status"
    );
    let ok = req.validate().unwrap();
    assert_eq!(
        (ok.app_slug.as_str(), ok.state),
        ("claude-code", WorkspaceAppStatusState::Working)
    );
    // Missing fields read as empty, as Go reads them: then refused for the state.
    let empty: PatchAppStatus = parse("{}").unwrap();
    assert_eq!(
        empty.validate().unwrap_err().message,
        "Failed to parse request."
    );
    let status: WorkspaceAppStatus = parse(
        r#"{"id":"1e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b","created_at":"2026-08-20T09:10:11Z","state":"waiting","uri":null,"icon":null}"#,
    )
    .unwrap();
    assert_eq!(
        status.state,
        WorkspaceAppStatusState::Unknown("waiting".into())
    );
    assert!(status.uri.is_empty() && status.icon.is_empty());
    assert_eq!(
        Response::app_status_unknown_slug("nope").detail.as_deref(),
        Some("No app found with slug \"nope\"")
    );
}
