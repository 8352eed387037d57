//! Every answer of the embedded backend has coderd's shape, field for field: checked against
//! Coder's published OpenAPI definitions (`coderd/apidoc/swagger.json`) and the Go structs that
//! write them, both kept in `coderd-schema/` with the commit they come from (see its SOURCE.md).
//!
//! The rules, for each object with a Go struct behind it:
//! - every key written is one coderd writes (no invented or misspelled fields);
//! - every field coderd always writes (no `omitempty`, or an `omitempty` Go ignores on a struct)
//!   is present;
//! - `null` appears only where Go can write it (pointers, nil slices and maps, `NullUUID`,
//!   `NullTime`); a field coderd omits when empty is omitted rather than written as `null`;
//! - values have the schema's type, format (uuid, date-time) and enum values.
//!
//! Where the schema and the Go structs disagree, the Go structs win, as coderd's JSON comes from
//! them: `uuid.NullUUID` and `NullTime` are a string or `null` on the wire (the schema says an
//! object and a plain date-time), and the `tailcfg` DERP types use Go's field names (`Regions`,
//! `HostName`; the schema spells them `regions`, `hostName`).
mod common;

use std::collections::BTreeMap;

use common::{next_msg, ws_connect, Mode, Server, AGENT};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

/// The excerpt of coderd's schema and the facts of its Go structs.
struct Schema {
    definitions: BTreeMap<String, Value>,
    go: BTreeMap<String, Value>,
}

impl Schema {
    fn load() -> Self {
        let read = |file: &str| -> Value {
            let path = format!("{}/tests/coderd-schema/{file}", env!("CARGO_MANIFEST_DIR"));
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
        };
        let definitions = read("definitions.json")["definitions"]
            .as_object()
            .unwrap()
            .clone()
            .into_iter()
            .collect();
        let go = read("go-structs.json")
            .as_object()
            .unwrap()
            .clone()
            .into_iter()
            .collect();
        Self { definitions, go }
    }

    /// The problems of `value` as an instance of definition `name` (empty when it conforms).
    fn check(&self, name: &str, value: &Value) -> Vec<String> {
        let mut problems = Vec::new();
        self.definition(name, value, name, &mut problems);
        problems
    }

    fn definition(&self, name: &str, value: &Value, at: &str, problems: &mut Vec<String>) {
        // The Go structs win: these marshal as a string or null, not as the schema's object.
        if name == "uuid.NullUUID" {
            if !value.is_null() {
                uuid_string(value, at, problems);
            }
            return;
        }
        let Some(schema) = self.definitions.get(name) else {
            return problems.push(format!("{at}: no definition {name} in the excerpt"));
        };
        match self.go.get(name) {
            Some(go) => self.go_object(name, schema, go, value, at, problems),
            None => self.schema(schema, value, at, problems),
        }
    }

    /// An object with a Go struct behind it: presence and `null` follow the struct's fields.
    fn go_object(
        &self,
        name: &str,
        schema: &Value,
        go: &Value,
        value: &Value,
        at: &str,
        problems: &mut Vec<String>,
    ) {
        let Some(object) = value.as_object() else {
            return problems.push(format!("{at}: expected a {name} object, got {value}"));
        };
        let fields = go["fields"].as_object().unwrap();
        let properties = schema["properties"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for key in object.keys() {
            if !fields.contains_key(key) {
                problems.push(format!("{at}.{key}: coderd's {name} has no such field"));
            }
        }
        for (key, field) in fields {
            let here = format!("{at}.{key}");
            let omittable = field["omitempty"] == true && field["omitempty_effective"] != false;
            let Some(v) = object.get(key) else {
                if !omittable {
                    problems.push(format!(
                        "{here}: missing; coderd always writes it ({})",
                        field["go_type"]
                    ));
                }
                continue;
            };
            if v.is_null() {
                if field["nullable"] != true {
                    problems.push(format!(
                        "{here}: null, which coderd never writes ({}{})",
                        field["go_type"],
                        if omittable {
                            ", omitted when empty"
                        } else {
                            ""
                        }
                    ));
                }
                continue;
            }
            let go_type = field["go_type"].as_str().unwrap_or_default();
            if go_type.trim_start_matches('*').ends_with("NullTime") {
                date_time(v, &here, problems);
                continue;
            }
            match properties.get(key) {
                Some(property) => self.schema(property, v, &here, problems),
                None => problems.push(format!("{here}: not in coderd's schema of {name}")),
            }
        }
    }

    /// A value against a schema fragment (no Go facts: types, formats, enums, nesting).
    fn schema(&self, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
        if let Some(reference) = schema["$ref"].as_str() {
            let name = reference.trim_start_matches("#/definitions/");
            return self.definition(name, value, at, problems);
        }
        if let Some(all) = schema["allOf"].as_array() {
            for part in all {
                self.schema(part, value, at, problems);
            }
            return;
        }
        if let Some(allowed) = schema["enum"].as_array() {
            if !allowed.contains(value) {
                problems.push(format!("{at}: {value} is not one of coderd's {allowed:?}"));
            }
        }
        let kind = schema["type"].as_str().unwrap_or_default();
        let ok = match kind {
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => true,
        };
        if !ok {
            return problems.push(format!("{at}: expected {kind}, got {value}"));
        }
        match (schema["format"].as_str(), kind) {
            (Some("uuid"), "string") => uuid_string(value, at, problems),
            (Some("date-time"), "string") => date_time(value, at, problems),
            _ => {}
        }
        if let (Some(items), Some(list)) = (schema.get("items"), value.as_array()) {
            for (i, item) in list.iter().enumerate() {
                self.schema(items, item, &format!("{at}[{i}]"), problems);
            }
        }
        if let Some(object) = value.as_object() {
            if let Some(each) = schema.get("additionalProperties") {
                for (k, v) in object {
                    self.schema(each, v, &format!("{at}[{k:?}]"), problems);
                }
            } else if let Some(properties) = schema["properties"].as_object() {
                // Types without Go facts (tailcfg): Go's field names, which the schema lowercases.
                for (k, v) in object {
                    let property = properties
                        .iter()
                        .find(|(name, _)| name.eq_ignore_ascii_case(k))
                        .map(|(_, p)| p);
                    match property {
                        Some(p) if !v.is_null() => {
                            self.schema(p, v, &format!("{at}.{k}"), problems)
                        }
                        Some(_) => {}
                        None => problems.push(format!("{at}.{k}: not in coderd's schema")),
                    }
                }
            }
        }
    }
}

fn uuid_string(value: &Value, at: &str, problems: &mut Vec<String>) {
    if value
        .as_str()
        .and_then(|s| uuid::Uuid::parse_str(s).ok())
        .is_none()
    {
        problems.push(format!("{at}: expected a UUID string, got {value}"));
    }
}

fn date_time(value: &Value, at: &str, problems: &mut Vec<String>) {
    let ok = value
        .as_str()
        .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok());
    if !ok {
        problems.push(format!("{at}: expected an RFC 3339 time, got {value}"));
    }
}

/// Asserts `value` is a `definition`, listing every problem.
fn assert_shape(schema: &Schema, definition: &str, value: &Value) {
    let problems = schema.check(definition, value);
    assert!(
        problems.is_empty(),
        "{definition} differs from coderd's:\n  {}",
        problems.join("\n  ")
    );
}

/// The checker itself: it must refuse what coderd would never send, or the test below proves
/// nothing.
#[test]
fn the_checker_refuses_what_coderd_never_sends() {
    let schema = Schema::load();
    let good = json!({"port": 8080, "network": "tcp", "process_name": "node"});
    assert_shape(&schema, "codersdk.WorkspaceAgentListeningPort", &good);
    let cases = [
        (
            json!({"port": 8080, "network": "tcp"}),
            "process_name: missing",
        ),
        (
            json!({"port": "8080", "network": "tcp", "process_name": "x"}),
            "expected integer",
        ),
        (
            json!({"port": 1, "network": "tcp", "process_name": "x", "pid": 3}),
            "no such field",
        ),
        (
            json!({"port": 1, "network": null, "process_name": "x"}),
            "null, which coderd never writes",
        ),
    ];
    for (bad, why) in cases {
        let problems = schema.check("codersdk.WorkspaceAgentListeningPort", &bad);
        assert!(
            problems.iter().any(|p| p.contains(why)),
            "{bad}: {problems:?}"
        );
    }
    // A field coderd omits when empty must be omitted, not null; an enum keeps to its values.
    let response = json!({"message": "x", "detail": null});
    assert!(schema.check("codersdk.Response", &response)[0].contains("omitted when empty"));
    let lifecycle = schema.check("codersdk.WorkspaceAgentLifecycle", &json!("resting"));
    assert!(lifecycle[0].contains("not one of"), "{lifecycle:?}");
    // Go wins over the schema: a NullUUID is a string or null, never the schema's object.
    assert!(schema.check("uuid.NullUUID", &Value::Null).is_empty());
    assert!(!schema
        .check("uuid.NullUUID", &json!({"uuid": "x", "valid": true}))
        .is_empty());
}

/// Reads a path with the session token and checks it against a definition.
async fn check_get(s: &Server, schema: &Schema, path: &str, definition: &str) -> Value {
    let value = s.get_json(path, 200).await;
    assert_shape(schema, definition, &value);
    value
}

/// The workspaces list, checked.
async fn check_workspaces(s: &Server, schema: &Schema) -> Value {
    check_get(
        s,
        schema,
        "/api/v2/workspaces",
        "codersdk.WorkspacesResponse",
    )
    .await
}

#[tokio::test]
async fn every_embedded_answer_has_coderds_shape() {
    let schema = Schema::load();
    let s = Server::start(Mode::Embedded).await;
    let source = s.log_source("Schema check").await;
    let resp = s
        .patch_logs(&source, &["one".into(), "\u{1b}[31mtwo\u{1b}[0m".into()])
        .await;
    assert_eq!(resp.status(), 200);
    assert_shape(&schema, "codersdk.Response", &resp.json().await.unwrap());

    check_get(
        &s,
        &schema,
        "/api/v2/buildinfo",
        "codersdk.BuildInfoResponse",
    )
    .await;
    check_get(&s, &schema, "/api/v2/users/me", "codersdk.User").await;
    let list = check_workspaces(&s, &schema).await;
    assert!(
        !list["workspaces"][0]["latest_build"]["resources"][0]["agents"][0]["log_sources"]
            .as_array()
            .unwrap()
            .is_empty(),
        "the nested agent was checked with its sources"
    );
    check_get(&s, &schema, &s.agent_path(""), "codersdk.WorkspaceAgent").await;
    check_get(
        &s,
        &schema,
        &s.agent_path("/connection"),
        "workspacesdk.AgentConnectionInfo",
    )
    .await;
    check_get(
        &s,
        &schema,
        "/api/v2/workspaceagents/connection",
        "workspacesdk.AgentConnectionInfo",
    )
    .await;
    check_get(
        &s,
        &schema,
        &s.agent_path("/listening-ports"),
        "codersdk.WorkspaceAgentListeningPortsResponse",
    )
    .await;
    let logs = s.get_json(&s.agent_path("/logs"), 200).await;
    assert!(logs.as_array().unwrap().len() >= 2);
    for line in logs.as_array().unwrap() {
        assert_shape(&schema, "codersdk.WorkspaceAgentLog", line);
    }
    let build = &list["workspaces"][0]["latest_build"]["id"];
    let timings = check_get(
        &s,
        &schema,
        &format!(
            "/api/v2/workspacebuilds/{}/timings",
            build.as_str().unwrap()
        ),
        "codersdk.WorkspaceBuildTimings",
    )
    .await;
    assert_eq!(
        timings["agent_connection_timings"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "the connection timing was checked"
    );
    check_get(
        &s,
        &schema,
        "/api/v2/regions",
        "codersdk.RegionsResponse-codersdk_Region",
    )
    .await;
    check_get(
        &s,
        &schema,
        "/api/v2/applications/host",
        "codersdk.AppHostResponse",
    )
    .await;

    // The agent-token routes.
    let agent_get = |path: &str| {
        let url = s.url(path);
        let client = s.client.clone();
        async move {
            let resp = client
                .get(url)
                .header("Coder-Session-Token", AGENT)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
            resp.json::<Value>().await.unwrap()
        }
    };
    let key = agent_get("/api/v2/workspaceagents/me/gitsshkey").await;
    assert_shape(&schema, "agentsdk.GitSSHKey", &key);
    for q in ["id=gitlab", "id=github"] {
        let auth = agent_get(&format!("/api/v2/workspaceagents/me/external-auth?{q}")).await;
        assert_shape(&schema, "agentsdk.ExternalAuthResponse", &auth);
    }
    let identity = s
        .client
        .post(s.url("/api/v2/workspaceagents/aws-instance-identity"))
        .json(&json!({"signature": "sig", "document": "{\"instanceId\":\"i-0123456789abcdef0\"}"}))
        .send()
        .await
        .unwrap();
    assert_eq!(identity.status(), 200);
    assert_shape(
        &schema,
        "agentsdk.AuthenticateResponse",
        &identity.json().await.unwrap(),
    );

    // Errors: a message, validations when a field is refused, never a null detail.
    for (path, status) in [
        (s.agent_path("/logs?after=-1"), 400),
        (
            "/api/v2/workspaceagents/00000000-0000-0000-0000-000000000001".into(),
            404,
        ),
        ("/api/v2/no-such-route".into(), 404),
    ] {
        let body = s.get_json(&path, status).await;
        assert_shape(&schema, "codersdk.Response", &body);
    }

    // The DERP map stream: each frame a tailcfg.DERPMap.
    let mut ws = ws_connect(&s.ws_url("/api/v2/derp-map"), &[])
        .await
        .unwrap();
    let frame = match next_msg(&mut ws).await {
        Some(Message::Binary(b)) => serde_json::from_slice::<Value>(&b).unwrap(),
        other => panic!("expected a binary map frame, got {other:?}"),
    };
    assert!(frame["Regions"].is_object(), "Go's field names: {frame}");
    assert_shape(&schema, "tailcfg.DERPMap", &frame);
}

/// A script that has run: its outcome in the agent JSON and its run in the build's timings.
#[tokio::test]
async fn script_runs_have_coderds_shape() {
    let schema = Schema::load();
    let config = "[[scripts]]\ndisplay_name = \"Quick\"\nscript = \"exit 2\"\n";
    let s = Server::start_with(Mode::Embedded, config, |_| {}).await;
    let mut agent = Value::Null;
    for _ in 0..200 {
        agent = s.get_json(&s.agent_path(""), 200).await;
        if agent["scripts"][0]["status"].is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(agent["scripts"][0]["exit_code"], 2, "{agent}");
    assert_shape(&schema, "codersdk.WorkspaceAgent", &agent);
    let list = s.get_json("/api/v2/workspaces", 200).await;
    let build = list["workspaces"][0]["latest_build"]["id"]
        .as_str()
        .unwrap();
    let timings = check_get(
        &s,
        &schema,
        &format!("/api/v2/workspacebuilds/{build}/timings"),
        "codersdk.WorkspaceBuildTimings",
    )
    .await;
    assert_eq!(timings["agent_script_timings"][0]["status"], "exit_failure");
}

/// Issue 17: apps (one with a health check, one without) and a posted status, in the agent JSON
/// and the workspaces list (`latest_app_status`, `health`, `task_id`). Sessions are left out: they
/// come from a coderd version this excerpt does not hold (see docs/coder-wire.md).
#[tokio::test]
async fn apps_and_statuses_have_coderds_shape() {
    let schema = Schema::load();
    let config = r#"
scripts = []
metadata = []

[[apps]]
slug = "web"
display_name = "Web"
url = "http://localhost:8080/"
subdomain = true
healthcheck = { url = "http://127.0.0.1:9/", interval = 5, threshold = 3 }

[[apps]]
slug = "term"
command = "htop"
open_in = "tab"
"#;
    let s = Server::start_with(Mode::Embedded, config, |_| {}).await;
    let resp = s
        .agent_req(
            reqwest::Method::PATCH,
            "/api/v2/workspaceagents/me/app-status",
        )
        .json(&json!({"app_slug": "web", "state": "complete", "message": "Done"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let agent = check_get(&s, &schema, &s.agent_path(""), "codersdk.WorkspaceAgent").await;
    assert_eq!(
        agent["apps"][1]["statuses"][0]["state"], "complete",
        "{agent}"
    );
    assert_eq!(agent["apps"][0]["health"], "disabled");
    let list = check_workspaces(&s, &schema).await;
    assert_eq!(
        list["workspaces"][0]["latest_app_status"]["message"],
        "Done"
    );
    let missing = s
        .agent_req(
            reqwest::Method::PATCH,
            "/api/v2/workspaceagents/me/app-status",
        )
        .json(&json!({"app_slug": "nope", "state": "idle"}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 400);
    assert_shape(&schema, "codersdk.Response", &missing.json().await.unwrap());
}

/// The metadata stream: each frame a `codersdk.ServerSentEvent` whose data are
/// `codersdk.WorkspaceAgentMetadata` items (one collected, one not yet), and the workspaces list
/// that carries them on request.
#[tokio::test]
async fn metadata_has_coderds_shape() {
    let schema = Schema::load();
    let config = "scripts = []\n\
        [[metadata]]\nkey = \"quick\"\nscript = \"echo 1\"\ninterval = 1\n\
        [[metadata]]\nkey = \"slow\"\nscript = \"sleep 30\"\ninterval = 0\ntimeout = 30\n";
    let s = Server::start_with(Mode::Embedded, config, |_| {}).await;
    let url = s.ws_url(&format!(
        "{}?coder_session_token={}",
        s.agent_path("/watch-metadata-ws"),
        common::SESSION
    ));
    let mut ws = ws_connect(&url, &[]).await.unwrap();
    let mut frame = Value::Null;
    for _ in 0..20 {
        frame = match next_msg(&mut ws).await {
            Some(Message::Text(t)) => serde_json::from_str(t.as_str()).unwrap(),
            other => panic!("expected a TEXT frame, got {other:?}"),
        };
        assert_shape(&schema, "codersdk.ServerSentEvent", &frame);
        if frame["data"][0]["result"]["value"] == "1" {
            break;
        }
    }
    assert_eq!(frame["type"], "data");
    let items = frame["data"].as_array().unwrap();
    assert_eq!(items[0]["result"]["value"], "1", "{frame}");
    assert_eq!(items[1]["result"]["collected_at"], "0001-01-01T00:00:00Z");
    for item in items {
        assert_shape(&schema, "codersdk.WorkspaceAgentMetadata", item);
    }
    let list = check_get(
        &s,
        &schema,
        "/api/v2/workspaces?q=include_agent_metadata:quick",
        "codersdk.WorkspacesResponse",
    )
    .await;
    let agent = &list["workspaces"][0]["latest_build"]["resources"][0]["agents"][0];
    assert_eq!(
        agent["metadata"][0]["description"]["key"], "quick",
        "{agent}"
    );
}
