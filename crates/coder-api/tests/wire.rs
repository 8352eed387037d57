//! What a real coderd sends beyond the reference: PascalCase DERP maps, unknown enum values,
//! missing and null fields, and malformed bodies that must fail with a typed error.
use coder_api::*;

const WIRE_DERP: &str = r#"{
  "HomeParams": {"RegionScore": {"999": 1.0}},
  "Regions": {
    "999": {"EmbeddedRelay": true, "RegionID": 999, "RegionCode": "coder", "RegionName": "Coder Embedded Relay",
      "Nodes": [{"Name": "999a", "RegionID": 999, "HostName": "coder.example.com", "IPv4": "", "IPv6": "",
                 "STUNPort": -1, "STUNOnly": false, "DERPPort": 443, "ForceHTTP": false, "CanPort80": true}]},
    "1": {"EmbeddedRelay": false, "RegionID": 1, "RegionCode": "nyc", "RegionName": "New York City", "Avoid": false,
      "Nodes": [{"Name": "1a", "RegionID": 1, "HostName": "derp1.example.com", "STUNPort": 0}]}
  },
  "omitDefaultRegions": true
}"#;

#[test]
fn pascal_case_derp_map_parses_and_round_trips() {
    let map: DerpMap = parse(WIRE_DERP).unwrap();
    assert_eq!(map.regions.len(), 2);
    assert_eq!(map.omit_default_regions, Some(true));
    let sorted = map.sorted_regions();
    assert_eq!(sorted[0].region_code, "nyc");
    let coder = &map.regions["999"];
    assert!(coder.embedded_relay);
    assert_eq!(coder.nodes[0].host_name, "coder.example.com");
    assert_eq!(coder.nodes[0].effective_stun_port(), None, "-1 disables STUN");
    assert_eq!(map.regions["1"].nodes[0].effective_stun_port(), Some(3478), "0 means the default");
    assert_eq!(map.regions["1"].nodes[0].effective_derp_port(), 443);
    let json = serde_json::to_value(&map).unwrap();
    assert!(json.get("Regions").is_some() && json.get("omitDefaultRegions").is_some());
    assert!(json["Regions"]["1"]["Nodes"][0].get("HostName").is_some());
    assert_eq!(parse::<DerpMap>(&json.to_string()).unwrap(), map);
}

#[test]
fn unknown_enum_values_are_kept_and_written_back() {
    let json = r#"{"id":"497f6eca-6276-4993-bfeb-53cbbbba6f08","name":"main",
        "created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00.123456789+02:00",
        "status":"hibernating","lifecycle_state":"warming_up","display_apps":["vscode","hologram"],
        "subsystems":["quantum"]}"#;
    let agent: WorkspaceAgent = parse(json).unwrap();
    assert_eq!(agent.status, WorkspaceAgentStatus::Unknown("hibernating".into()));
    assert_eq!(agent.lifecycle_state.as_str(), "warming_up");
    assert!(!agent.lifecycle_state.is_known());
    assert_eq!(agent.display_apps[1], DisplayApp::Unknown("hologram".into()));
    let back = serde_json::to_value(&agent).unwrap();
    assert_eq!(back["status"], "hibernating");
    assert_eq!(back["subsystems"][0], "quantum");
    let level: LogLevel = parse("\"fatal\"").unwrap();
    assert_eq!(level.to_string(), "fatal");
}

#[test]
fn missing_and_null_optional_fields_parse() {
    let minimal = r#"{"id":"497f6eca-6276-4993-bfeb-53cbbbba6f08","name":"main",
        "created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z"}"#;
    let agent: WorkspaceAgent = parse(minimal).unwrap();
    assert!(agent.apps.is_empty() && agent.latency.is_none() && agent.parent_id.is_none());
    let nulls = r#"{"id":"497f6eca-6276-4993-bfeb-53cbbbba6f08","name":"main","parent_id":null,
        "created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z","apps":null,"scripts":null,
        "log_sources":null,"environment_variables":null,"latency":null,"ready_at":null,"directory":null,
        "display_apps":null,"subsystems":null,"startup_script_behavior":null}"#;
    let agent: WorkspaceAgent = parse(nulls).unwrap();
    assert!(agent.scripts.is_empty() && agent.ready_at.is_none());
    let with_parent = minimal.replace("\"name\"", "\"parent_id\":\"7ad2e618-fea7-4c1a-b70a-f501566a72f1\",\"name\"");
    assert!(parse::<WorkspaceAgent>(&with_parent).unwrap().parent_id.is_some());
    let ports: WorkspaceAgentListeningPortsResponse = parse(r#"{"ports":null}"#).unwrap();
    assert!(ports.ports.is_empty());
}

#[test]
fn newer_app_fields_parse() {
    let json = r#"{"id":"497f6eca-6276-4993-bfeb-53cbbbba6f08","slug":"code","display_name":"Code",
        "group":"Editors","tooltip":"Opens VS Code","open_in":"slim-window","hidden":false,
        "statuses":[{"id":"497f6eca-6276-4993-bfeb-53cbbbba6f08","created_at":"2024-01-01T00:00:00Z",
                     "state":"working","message":"Refactoring","needs_user_attention":false}]}"#;
    let app: WorkspaceApp = parse(json).unwrap();
    assert_eq!(app.group.as_deref(), Some("Editors"));
    assert_eq!(app.open_in, Some(WorkspaceAppOpenIn::SlimWindow));
    assert_eq!(app.statuses[0].state, WorkspaceAppStatusState::Working);
}

#[test]
fn script_timeout_is_nanoseconds() {
    let s: WorkspaceAgentScript = parse(r#"{"timeout": 300000000000, "display_name": "setup"}"#).unwrap();
    assert_eq!(s.timeout_seconds(), 300);
    assert_eq!(s.timeout_duration(), Some(std::time::Duration::from_secs(300)));
}

#[test]
fn connection_info_hostname_suffix_is_optional() {
    let info: AgentConnectionInfo = parse(&format!(
        r#"{{"derp_map": {WIRE_DERP}, "derp_force_websockets": false, "disable_direct_connections": true, "hostname_suffix": "coder"}}"#
    )).unwrap();
    assert_eq!(info.hostname_suffix.as_deref(), Some("coder"));
    assert_eq!(info.derp_map.regions.len(), 2);
}

#[test]
fn malformed_input_is_a_typed_error_not_a_panic() {
    for bad in ["", "{", "[", "null", "{\"id\": 5}", "{\"name\": \"x\", \"created_at\": 1}", "\u{0}", "[{\"id\":\"x\"}]"] {
        assert!(parse::<WorkspaceAgent>(bad).is_err(), "{bad:?} should fail");
    }
    assert!(parse::<Vec<WorkspaceAgentLog>>(r#"[{"id":"one","created_at":"2024-01-01T00:00:00Z"}]"#).is_err());
    let err = parse::<DerpMap>("{\"Regions\": {\"1\": {\"RegionID\": \"one\"}}}").unwrap_err();
    assert!(err.to_string().contains("line 1"));
}

#[test]
fn error_body_shapes() {
    let r: Response = parse(r#"{"message":"nope"}"#).unwrap();
    assert!(r.detail.is_none() && r.validations.is_none());
    let json = serde_json::to_value(Response::bad_after()).unwrap();
    assert_eq!(json["validations"][0]["field"], "after");
    assert!(serde_json::to_value(Response::message("x")).unwrap().get("detail").is_none());
}

#[test]
fn pty_messages_omit_empty_fields() {
    assert_eq!(serde_json::to_string(&ReconnectingPtyRequest::input("ls\r")).unwrap(), r#"{"data":"ls\r"}"#);
    assert_eq!(serde_json::to_string(&ReconnectingPtyRequest::resize(120, 40)).unwrap(), r#"{"height":40,"width":120}"#);
    let both: ReconnectingPtyRequest = parse(r#"{"data":"x","height":24,"width":80}"#).unwrap();
    assert_eq!(both.size(), Some((80, 24)));
    assert_eq!(ReconnectingPtyRequest::default().size(), None);
    assert!(parse::<ReconnectingPtyRequest>(r#"{"width": 70000}"#).is_err());
}
