//! Paths, queries and WebSocket URLs of the routes.
use coder_api::routes::*;
use uuid::Uuid;

const A: &str = "/api/v2/workspaceagents/497f6eca-6276-4993-bfeb-53cbbbba6f08";

fn id() -> Uuid {
    "497f6eca-6276-4993-bfeb-53cbbbba6f08".parse().unwrap()
}

#[test]
fn every_seed_route() {
    assert_eq!(derp_map(), "/api/v2/derp-map");
    assert_eq!(
        aws_instance_identity(),
        "/api/v2/workspaceagents/aws-instance-identity"
    );
    assert_eq!(
        azure_instance_identity(),
        "/api/v2/workspaceagents/azure-instance-identity"
    );
    assert_eq!(
        google_instance_identity(),
        "/api/v2/workspaceagents/google-instance-identity"
    );
    assert_eq!(
        me_external_auth(&ExternalAuthQuery::default()),
        "/api/v2/workspaceagents/me/external-auth"
    );
    assert_eq!(me_gitsshkey(), "/api/v2/workspaceagents/me/gitsshkey");
    assert_eq!(me_log_source(), "/api/v2/workspaceagents/me/log-source");
    assert_eq!(me_logs(), "/api/v2/workspaceagents/me/logs");
    assert_eq!(agent_path(&id()), A);
    assert_eq!(connection(&id()), format!("{A}/connection"));
    assert_eq!(coordinate(&id()), format!("{A}/coordinate"));
    assert_eq!(listening_ports(&id()), format!("{A}/listening-ports"));
    assert_eq!(watch_metadata_ws(&id()), format!("{A}/watch-metadata-ws"));
    assert_eq!(watch_metadata(&id()), format!("{A}/watch-metadata"));
    assert_eq!(logs(&id(), &LogsQuery::default()), format!("{A}/logs"));
    assert_eq!(
        pty(
            &id(),
            &PtyQuery {
                reconnect: id(),
                ..Default::default()
            }
        ),
        format!("{A}/pty?reconnect={}", id())
    );
    assert_eq!(
        startup_logs(&id(), &LogsQuery::default()),
        format!("{A}/startup-logs")
    );
}

#[test]
fn routes_around_agents() {
    assert_eq!(users_me(), "/api/v2/users/me");
    assert_eq!(buildinfo(), "/api/v2/buildinfo");
    assert_eq!(workspaces(), "/api/v2/workspaces");
    assert_eq!(
        workspace(&id()),
        "/api/v2/workspaces/497f6eca-6276-4993-bfeb-53cbbbba6f08"
    );
    assert_eq!(regions(), "/api/v2/regions");
    assert_eq!(applications_host(), "/api/v2/applications/host");
}

#[test]
fn logs_query_uses_presence_only_flags() {
    let q = LogsQuery {
        after: Some(42),
        follow: true,
        ..Default::default()
    };
    assert_eq!(logs(&id(), &q), format!("{A}/logs?after=42&follow"));
    let q = LogsQuery {
        after: Some(0),
        before: Some(9),
        follow: true,
        no_compression: true,
        text: false,
    };
    assert_eq!(
        startup_logs(&id(), &q),
        format!("{A}/startup-logs?before=9&after=0&follow&no_compression")
    );
    // Off means absent: coderd would treat `follow=false` as on.
    let q = LogsQuery {
        after: Some(7),
        follow: false,
        no_compression: false,
        before: None,
        text: false,
    };
    assert_eq!(q.render(), "?after=7");
    let q = LogsQuery {
        text: true,
        ..Default::default()
    };
    assert_eq!(logs(&id(), &q), format!("{A}/logs?format=text"));
    assert!(!logs(&id(), &q).contains("follow"));
}

#[test]
fn pty_query() {
    let reconnect: Uuid = "7ad2e618-fea7-4c1a-b70a-f501566a72f1".parse().unwrap();
    let q = PtyQuery {
        reconnect,
        width: Some(120),
        height: Some(40),
        command: Some("echo a&b=c ü #x".into()),
        container: None,
        container_user: Some("root".into()),
    };
    assert_eq!(
        pty(&id(), &q),
        format!("{A}/pty?reconnect=7ad2e618-fea7-4c1a-b70a-f501566a72f1&width=120&height=40&command=echo%20a%26b%3Dc%20%C3%BC%20%23x")
    );
    let with_container = PtyQuery {
        container: Some("dev box".into()),
        ..q.clone()
    };
    assert!(pty(&id(), &with_container).ends_with("&container=dev%20box&container_user=root"));
    let empty_container = PtyQuery {
        container: Some(String::new()),
        command: Some(String::new()),
        ..q
    };
    assert!(
        !empty_container.render().contains("container")
            && !empty_container.render().contains("command")
    );
    let round: Vec<(String, String)> = with_container.render()[1..]
        .split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_owned(), decode(v).unwrap())
        })
        .collect();
    assert_eq!(round[3], ("command".into(), "echo a&b=c ü #x".into()));
}

#[test]
fn external_auth_query() {
    let q = ExternalAuthQuery {
        r#match: Some("https://github.com/coder/coder".into()),
        id: None,
        listen: true,
    };
    assert_eq!(me_external_auth(&q), "/api/v2/workspaceagents/me/external-auth?match=https%3A%2F%2Fgithub.com%2Fcoder%2Fcoder&listen");
    let q = ExternalAuthQuery {
        r#match: Some("m".into()),
        id: Some("github".into()),
        listen: false,
    };
    assert_eq!(
        me_external_auth(&q),
        "/api/v2/workspaceagents/me/external-auth?match=m&id=github"
    );
}

#[test]
fn base_paths() {
    assert_eq!(normalize_base(""), "");
    assert_eq!(normalize_base("/"), "");
    assert_eq!(normalize_base("coder/"), "/coder");
    assert_eq!(normalize_base("//a//b//"), "/a/b");
    assert_eq!(
        with_base("/coder/", &buildinfo()),
        "/coder/api/v2/buildinfo"
    );
    let base = BasePath::new("/coder/");
    assert_eq!(
        base.join(&logs(
            &id(),
            &LogsQuery {
                follow: true,
                ..Default::default()
            }
        )),
        format!("/coder{A}/logs?follow")
    );
    assert_eq!(
        base.strip(&base.join(&derp_map())),
        Some(derp_map().as_str())
    );
}

#[test]
fn websocket_urls() {
    assert_eq!(
        websocket_url("http://localhost:7080", &derp_map(), None).unwrap(),
        "ws://localhost:7080/api/v2/derp-map"
    );
    assert_eq!(
        websocket_url(
            "https://dev.example.com/coder/",
            "/api/v2/x?follow",
            Some("a b")
        )
        .unwrap(),
        "wss://dev.example.com/coder/api/v2/x?follow&coder_session_token=a%20b"
    );
    assert_eq!(
        websocket_url("https://h", "/p", Some("t")).unwrap(),
        "wss://h/p?coder_session_token=t"
    );
    assert_eq!(
        websocket_url("http://[::1]:80/", "/p", None).unwrap(),
        "ws://[::1]:80/p"
    );
    let q = LogsQuery {
        after: Some(10),
        follow: true,
        ..Default::default()
    };
    assert_eq!(
        websocket_url(
            "http://127.0.0.1:7080/console",
            &logs(&id(), &q),
            Some("abc-123")
        )
        .unwrap(),
        format!("ws://127.0.0.1:7080/console{A}/logs?after=10&follow&coder_session_token=abc-123")
    );
    let token = "id0123456-secret/+=&?";
    let url = websocket_url("https://h", &pty(&id(), &PtyQuery::default()), Some(token)).unwrap();
    assert!(
        url.ends_with(&format!(
            "&{SESSION_TOKEN_QUERY}=id0123456-secret%2F%2B%3D%26%3F"
        )),
        "{url}"
    );
    for bad in ["ftp://h", "nonsense", "", "http://"] {
        assert!(websocket_url(bad, "/p", None).is_none(), "{bad}");
    }
}

#[test]
fn logs_query_parses_like_coderd() {
    let q = LogsQuery::parse("").unwrap();
    assert_eq!(q, LogsQuery::default());
    let q = LogsQuery::parse("follow=false&after=7&no_compression").unwrap();
    assert_eq!(
        (q.after, q.follow, q.no_compression),
        (Some(7), true, true),
        "flags by presence"
    );
    let q = LogsQuery::parse("follow&before=x").unwrap();
    assert!(q.follow && q.before.is_none(), "coderd ignores before");
    for bad in ["after=-1", "after=abc", "after=1.5"] {
        let err = LogsQuery::parse(bad).unwrap_err();
        assert_eq!(
            err.message,
            "Query param \"after\" must be an integer greater than or equal to zero."
        );
        assert_eq!(err.validations.unwrap()[0].field, "after");
    }
    let q = LogsQuery {
        after: Some(42),
        follow: true,
        ..Default::default()
    };
    assert_eq!(
        LogsQuery::parse(&q.render()[1..]).unwrap(),
        q,
        "render and parse agree"
    );
    // format: json (or nothing) and text; text never with follow; checked before `after`.
    assert!(!LogsQuery::parse("format=json").unwrap().text);
    assert!(!LogsQuery::parse("format=").unwrap().text);
    let text = LogsQuery::parse("format=text&after=3").unwrap();
    assert!(text.text && text.after == Some(3));
    assert_eq!(LogsQuery::parse(&text.render()[1..]).unwrap(), text);
    let err = LogsQuery::parse("format=xml&after=-1").unwrap_err();
    assert_eq!(err.message, "Invalid format parameter.");
    let err = LogsQuery::parse("format=text&follow").unwrap_err();
    assert_eq!(
        err.message,
        "Text format is not supported with follow mode."
    );
    assert_eq!(
        err.detail.as_deref(),
        Some("Use format=json or omit the follow parameter.")
    );
}

#[test]
fn timings_route() {
    let build = id();
    assert_eq!(
        coder_api::routes::workspace_build_timings(&build),
        format!("/api/v2/workspacebuilds/{build}/timings")
    );
}

#[test]
fn pty_query_parses_like_coderd() {
    let id = id();
    let q = PtyQuery::parse(&format!("reconnect={id}&width=100&height=30&command=top")).unwrap();
    assert_eq!(
        (q.reconnect, q.width, q.height, q.command.as_deref()),
        (id, Some(100), Some(30), Some("top"))
    );
    let q = PtyQuery::parse(&format!("reconnect={id}&width=&command=")).unwrap();
    assert_eq!(
        (q.width, q.command),
        (None, None),
        "empty values are absent"
    );
    let err = PtyQuery::parse("").unwrap_err();
    assert_eq!(err.message, "Invalid query parameters.");
    assert_eq!(err.validations.unwrap()[0].field, "reconnect");
    let err = PtyQuery::parse("reconnect=nope&width=-1&height=x").unwrap_err();
    let fields: Vec<_> = err
        .validations
        .unwrap()
        .into_iter()
        .map(|v| v.field)
        .collect();
    assert_eq!(fields, ["reconnect", "width", "height"]);
    let q = PtyQuery {
        reconnect: id,
        width: Some(80),
        command: Some("echo a&b".into()),
        container: Some("c1".into()),
        container_user: Some("root".into()),
        ..Default::default()
    };
    assert_eq!(
        PtyQuery::parse(&q.render()[1..]).unwrap(),
        q,
        "render and parse agree"
    );
}
