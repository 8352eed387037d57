//! Paths and URLs of the routes.
use coder_api::routes::*;
use coder_api::*;
use uuid::Uuid;

fn id() -> Uuid {
    "497f6eca-6276-4993-bfeb-53cbbbba6f08".parse().unwrap()
}

#[test]
fn agent_routes() {
    let a = "/api/v2/workspaceagents/497f6eca-6276-4993-bfeb-53cbbbba6f08";
    assert_eq!(agent_path(&id()), a);
    assert_eq!(connection(&id()), format!("{a}/connection"));
    assert_eq!(coordinate(&id()), format!("{a}/coordinate"));
    assert_eq!(listening_ports(&id()), format!("{a}/listening-ports"));
    assert_eq!(derp_map(), "/api/v2/derp-map");
    assert_eq!(aws_instance_identity(), "/api/v2/workspaceagents/aws-instance-identity");
    assert_eq!(azure_instance_identity(), "/api/v2/workspaceagents/azure-instance-identity");
    assert_eq!(google_instance_identity(), "/api/v2/workspaceagents/google-instance-identity");
    assert_eq!(me_gitsshkey(), "/api/v2/workspaceagents/me/gitsshkey");
    assert_eq!(me_log_source(), "/api/v2/workspaceagents/me/log-source");
    assert_eq!(me_logs(), "/api/v2/workspaceagents/me/logs");
    assert_eq!((users_me(), buildinfo(), workspaces(), regions(), applications_host()),
        ("/api/v2/users/me".into(), "/api/v2/buildinfo".into(), "/api/v2/workspaces".into(),
         "/api/v2/regions".into(), "/api/v2/applications/host".into()));
}

#[test]
fn logs_query_uses_presence_only_flags() {
    let a = "/api/v2/workspaceagents/497f6eca-6276-4993-bfeb-53cbbbba6f08";
    assert_eq!(logs(&id(), &LogsQuery::default()), format!("{a}/logs"));
    let q = LogsQuery { after: Some(42), follow: true, ..Default::default() };
    assert_eq!(logs(&id(), &q), format!("{a}/logs?after=42&follow"));
    let q = LogsQuery { after: Some(0), before: Some(9), follow: true, no_compression: true };
    assert_eq!(startup_logs(&id(), &q), format!("{a}/startup-logs?before=9&after=0&follow&no_compression"));
}

#[test]
fn pty_query_encodes_and_only_sends_container_user_with_a_container() {
    let reconnect: Uuid = "7ad2e618-fea7-4c1a-b70a-f501566a72f1".parse().unwrap();
    let q = PtyQuery { reconnect, width: Some(120), height: Some(40), command: Some("echo a&b=c ü".into()),
        container: None, container_user: Some("root".into()) };
    assert_eq!(pty(&id(), &q), "/api/v2/workspaceagents/497f6eca-6276-4993-bfeb-53cbbbba6f08/pty?reconnect=7ad2e618-fea7-4c1a-b70a-f501566a72f1&width=120&height=40&command=echo%20a%26b%3Dc%20%C3%BC");
    let q = PtyQuery { reconnect, container: Some("dev".into()), container_user: Some("root".into()), ..Default::default() };
    assert!(pty(&id(), &q).ends_with("&container=dev&container_user=root"));
}

#[test]
fn external_auth_query() {
    let q = ExternalAuthQuery { r#match: Some("https://github.com/coder/coder".into()), id: None, listen: true };
    assert_eq!(me_external_auth(&q), "/api/v2/workspaceagents/me/external-auth?match=https%3A%2F%2Fgithub.com%2Fcoder%2Fcoder&listen");
    let q = ExternalAuthQuery { r#match: None, id: Some("github".into()), listen: false };
    assert_eq!(me_gitauth(&q), "/api/v2/workspaceagents/me/gitauth?id=github");
}

#[test]
fn base_paths_and_websocket_urls() {
    assert_eq!(normalize_base(""), "");
    assert_eq!(normalize_base("/"), "");
    assert_eq!(normalize_base("coder/"), "/coder");
    assert_eq!(with_base("/coder/", "/api/v2/buildinfo"), "/coder/api/v2/buildinfo");
    assert_eq!(websocket_url("http://localhost:7080", "/api/v2/derp-map", None).unwrap(), "ws://localhost:7080/api/v2/derp-map");
    assert_eq!(websocket_url("https://dev.example.com/coder/", "/api/v2/x?follow", Some("a b")).unwrap(),
        "wss://dev.example.com/coder/api/v2/x?follow&coder_session_token=a%20b");
    assert_eq!(websocket_url("https://h", "/p", Some("t")).unwrap(), "wss://h/p?coder_session_token=t");
    assert!(websocket_url("ftp://h", "/p", None).is_none());
    assert!(websocket_url("nonsense", "/p", None).is_none());
}

#[test]
fn port_forward_labels() {
    let label = PortForwardLabel::parse("8080--main--dev--alice").unwrap();
    assert_eq!((label.port, label.https, label.agent.as_str()), (8080, false, "main"));
    assert_eq!(label.render(), "8080--main--dev--alice");
    let tls = PortForwardLabel::parse("8443S--Main--Dev--Alice").unwrap();
    assert!(tls.https);
    assert_eq!(tls.user, "alice");
    assert_eq!(port_forward_subdomain(3000, true, "a", "w", "u"), "3000s--a--w--u");
    for bad in ["8--main--dev--alice", "70000--a--w--u", "x80--a--w--u", "80--a--w", "80--a--w--u--x", "--a--w--u", "80----w--u", "s--a--w--u"] {
        assert!(PortForwardLabel::parse(bad).is_none(), "{bad}");
    }
}

#[test]
fn ignored_ports_match_coderd() {
    for p in [0, 8, 20, 21, 22, 23, 25, 53, 110, 143, 179, 389, 465, 587, 636, 989, 990, 993, 995, 3306, 3389, 5432, 27017, 27018, 27019, 28017] {
        assert!(is_ignored_port(p), "{p}");
    }
    for p in [9, 80, 443, 3000, 8080, 27020, 65535] {
        assert!(!is_ignored_port(p), "{p}");
    }
}
