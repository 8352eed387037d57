//! Issue 17: the embedded agent's live metadata, collected by real commands and served on
//! coderd's two routes with coderd's framing (a WebSocket of JSON envelopes, server-sent events),
//! directly and through the proxy.

mod common;

use std::time::Duration;

use chrono::{DateTime, Utc};
use coder_api::routes::{watch_metadata, watch_metadata_ws};
use coder_api::{
    AgentExtras, MetadataEvent, ServerSentEvent, ServerSentEventType, WorkspaceAgentMetadata,
    MAX_METADATA_VALUE_LEN,
};
use common::{next_msg, ws_connect, ws_refused, Mode, Server, TempDir, SESSION};
use tokio_tungstenite::tungstenite::Message;

/// A counter that counts its runs in a file, one item that fails after printing, one that hangs
/// past its timeout, and one that prints markup, escapes and 1 MB.
fn config(dir: &TempDir) -> String {
    let count = dir.0.join("count");
    format!(
        r#"
scripts = []

[agent]
name = "dev"
workspace = "ws"
username = "tester"

[[metadata]]
display_name = "Counter"
key = "counter"
script = "n=$(cat '{count}' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '{count}'; echo $n"
interval = 1
order = 1

[[metadata]]
display_name = "Fails"
key = "fails"
script = "echo partial; exit 3"
interval = 1
order = 1

[[metadata]]
display_name = "Hangs"
key = "hangs"
script = "echo waiting; sleep 30"
interval = 1
timeout = 1
order = 0

[[metadata]]
display_name = "Hostile"
key = "hostile"
script = '''printf '<script>alert(1)</script>\033[31mred\033[0m'; head -c 1048576 /dev/zero | tr '\0' x'''
interval = 0
order = 2
"#,
        count = count.display()
    )
}

async fn start(mode: Mode, dir: &TempDir) -> Server {
    Server::start_with(mode, &config(dir), |_| {}).await
}

/// The metadata WebSocket, signed in with the token in the query as the web app does.
async fn open_ws(s: &Server) -> common::Ws {
    let id = s.agent_id.parse().unwrap();
    let url = s.ws_url(&format!(
        "{}?coder_session_token={SESSION}",
        watch_metadata_ws(&id)
    ));
    ws_connect(&url, &[]).await.unwrap()
}

/// The next frame, which must be a TEXT frame holding a `data` envelope.
async fn next_items(ws: &mut common::Ws) -> Vec<WorkspaceAgentMetadata> {
    match next_msg(ws).await {
        Some(Message::Text(text)) => match MetadataEvent::from_ws_frame(text.as_str()) {
            Ok(MetadataEvent::Data(items)) => items,
            other => panic!("expected a data event, got {other:?}: {text}"),
        },
        other => panic!("expected a TEXT frame, got {other:?}"),
    }
}

/// Frames until `done` holds for one (within 20 s); returns that frame's items.
async fn items_until(
    ws: &mut common::Ws,
    done: impl Fn(&[WorkspaceAgentMetadata]) -> bool,
) -> Vec<WorkspaceAgentMetadata> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let items = tokio::time::timeout_at(deadline, next_items(ws))
            .await
            .expect("the awaited values never came");
        if done(&items) {
            return items;
        }
    }
}

fn item<'a>(items: &'a [WorkspaceAgentMetadata], key: &str) -> &'a WorkspaceAgentMetadata {
    items
        .iter()
        .find(|m| m.description.key == key)
        .unwrap_or_else(|| panic!("no {key:?} in {items:?}"))
}

fn all_collected(items: &[WorkspaceAgentMetadata]) -> bool {
    items.iter().all(|m| m.result.is_collected())
}

/// `collected_at` lies between the test's start and now; `age` is the whole seconds since then.
fn assert_sane_time(m: &WorkspaceAgentMetadata, began: DateTime<Utc>) {
    let at = m.result.collected_at.expect("collected");
    let now = Utc::now();
    assert!(began <= at && at <= now, "{at} not in [{began}, {now}]");
    let since = (now - at).num_seconds();
    assert!(
        (0..=since).contains(&m.result.age),
        "{}: age {} with {since} s since collection",
        m.description.key,
        m.result.age
    );
}

async fn values_errors_and_timeouts(mode: Mode) {
    let began = Utc::now();
    let dir = TempDir::new("metadata");
    let s = start(mode, &dir).await;
    let mut ws = open_ws(&s).await;

    // The first frame lists every item at once, in coderd's order: `order`, then `key`.
    let first = next_items(&mut ws).await;
    let keys: Vec<&str> = first.iter().map(|m| m.description.key.as_str()).collect();
    assert_eq!(keys, ["hangs", "counter", "fails", "hostile"]);
    let hangs = item(&first, "hangs");
    assert_eq!(
        (hangs.description.interval, hangs.description.timeout),
        (1, 1)
    );
    assert_eq!(hangs.description.script, "echo waiting; sleep 30");

    let items = items_until(&mut ws, all_collected).await;
    for m in &items {
        assert_sane_time(m, began);
    }
    let counter = &item(&items, "counter").result;
    assert!(counter.value.parse::<u32>().is_ok(), "{counter:?}");
    assert_eq!(counter.error, "");
    let fails = &item(&items, "fails").result;
    assert_eq!(
        (fails.value.as_str(), fails.error.as_str()),
        ("partial", "exited with code 3")
    );
    let hangs = &item(&items, "hangs").result;
    assert_eq!(
        (hangs.value.as_str(), hangs.error.as_str()),
        ("waiting", "timed out after 1 s and was stopped")
    );
    // Hostile output is kept as text, but bounded as coderd bounds it.
    let hostile = &item(&items, "hostile").result;
    assert!(hostile.value.len() <= MAX_METADATA_VALUE_LEN);
    assert!(
        hostile
            .value
            .starts_with("<script>alert(1)</script>\u{1b}[31mred\u{1b}[0mxxx"),
        "{:?}",
        &hostile.value[..40]
    );
    assert_eq!(hostile.error, "value of 10240 bytes exceeded 2048 bytes");

    // The counter changes on its interval: later frames carry higher counts, collected later.
    let (count, at) = (counter.value.parse::<u32>().unwrap(), counter.collected_at);
    let later = items_until(&mut ws, |items| {
        item(items, "counter").result.value.parse::<u32>().unwrap() >= count + 2
    })
    .await;
    let counter = &item(&later, "counter").result;
    assert!(counter.collected_at > at, "{counter:?}");
    assert_sane_time(item(&later, "counter"), began);
    // Never an item twice.
    assert_eq!(later.len(), 4);
}

// The proxy passes the WebSocket through unchanged.
both_modes!(mode websocket_values_errors_and_timeouts, values_errors_and_timeouts);

/// Reads the event stream until `count` events have come (within 20 s); returns the raw text.
async fn read_events(resp: &mut reqwest::Response, count: usize) -> (String, Vec<ServerSentEvent>) {
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let events = ServerSentEvent::parse_sse_stream(&text).unwrap();
        if events.len() >= count {
            return (text, events);
        }
        let chunk = tokio::time::timeout_at(deadline, resp.chunk())
            .await
            .expect("no more events")
            .unwrap()
            .expect("the stream ended");
        text.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}

async fn server_sent_events(mode: Mode) {
    let dir = TempDir::new("metadata-sse");
    let s = start(mode, &dir).await;
    let id = s.agent_id.parse().unwrap();
    let mut resp = s.get(&watch_metadata(&id)).await;
    assert_eq!(resp.status(), 200);
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(header("content-type").as_deref(), Some("text/event-stream"));
    assert_eq!(header("cache-control").as_deref(), Some("no-cache"));
    assert_eq!(header("content-encoding"), None, "never compressed");

    let (text, events) = read_events(&mut resp, 2).await;
    // coderd's framing: the event's type, then the data alone (no envelope), then a blank line.
    assert!(
        text.starts_with("event: data\ndata: [{\"result\":{"),
        "{text}"
    );
    assert!(!text.contains("\"type\""), "{text}");
    for event in &events {
        assert_eq!(event.kind, ServerSentEventType::Data);
        let MetadataEvent::Data(items) = MetadataEvent::from_event(event.clone()).unwrap() else {
            panic!("{event:?}");
        };
        assert_eq!(items.len(), 4);
    }
    // Values arrive on this route too.
    let (_, events) = read_events(&mut resp, 6).await;
    let collected = events.iter().any(|e| {
        matches!(MetadataEvent::from_event(e.clone()), Ok(MetadataEvent::Data(items))
            if item(&items, "fails").result.error == "exited with code 3")
    });
    assert!(collected, "{events:?}");
}

// The proxy streams the events as they come.
both_modes!(mode server_sent_events_framing, server_sent_events);

/// Both routes want the session token, like every user route; the agent token is not one, and
/// another agent or another site's page gets nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strangers_are_refused() {
    let s = Server::start(Mode::Embedded).await;
    let id = s.agent_id.parse().unwrap();
    let ws = s.ws_url(&watch_metadata_ws(&id));
    for token in [
        "",
        "?coder_session_token=wrong",
        &format!("?coder_session_token={}", common::AGENT),
    ] {
        let (status, body) = ws_refused(&format!("{ws}{token}"), &[]).await;
        assert_eq!(status, 401, "{token}: {body}");
        assert!(body.contains("signed out"), "{body}");
    }
    let other = s.ws_url(&format!(
        "{}?coder_session_token={SESSION}",
        watch_metadata_ws(&uuid::Uuid::new_v4())
    ));
    assert_eq!(ws_refused(&other, &[]).await.0, 404);
    let (status, _) = ws_refused(
        &format!("{ws}?coder_session_token={SESSION}"),
        &[("Origin", "http://evil.example")],
    )
    .await;
    assert_eq!(status, 403);

    let sse = s.url(&watch_metadata(&id));
    for token in [None, Some("wrong"), Some(common::AGENT)] {
        let mut req = s.client.get(&sse);
        if let Some(t) = token {
            req = req.header("Coder-Session-Token", t);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 401, "{token:?}");
        assert!(resp.text().await.unwrap().contains("signed out"));
    }
    let bad_id = s
        .get("/api/v2/workspaceagents/not-a-uuid/watch-metadata")
        .await;
    assert_eq!(bad_id.status(), 400);
}

/// coderd lists metadata in the agent only in the workspaces list, only when asked, only the
/// keys asked for, without scripts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workspaces_list_carries_asked_metadata() {
    let dir = TempDir::new("metadata-list");
    let s = start(Mode::Embedded, &dir).await;
    // The agent's metadata as the app reads it (AgentExtras: WorkspaceAgent leaves it unread).
    let agent = |list: &serde_json::Value| -> AgentExtras {
        serde_json::from_value(
            list["workspaces"][0]["latest_build"]["resources"][0]["agents"][0].clone(),
        )
        .unwrap()
    };
    let plain = s.get_json("/api/v2/workspaces", 200).await;
    assert!(agent(&plain).metadata.is_empty());
    let raw = s.get_json(&s.agent_path(""), 200).await;
    assert!(raw.get("metadata").is_none(), "{raw}");

    let q =
        "/api/v2/workspaces?q=include_agent_metadata:%22FAILS%22%20include_agent_metadata:hangs";
    let asked = s.get_json(q, 200).await;
    assert_eq!(
        asked["workspaces"].as_array().map(Vec::len),
        Some(1),
        "not a filter"
    );
    let listed = agent(&asked).metadata;
    let keys: Vec<&str> = listed.iter().map(|m| m.description.key.as_str()).collect();
    assert_eq!(
        keys,
        ["hangs", "fails"],
        "case-insensitive, in coderd's order"
    );
    assert!(listed.iter().all(|m| m.description.script.is_empty()));
}

/// Without `[[metadata]]`, the agent measures this machine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_configuration_this_machine_is_measured() {
    let config = "scripts = []\n[agent]\nname = \"dev\"\n";
    let s = Server::start_with(Mode::Embedded, config, |_| {}).await;
    let mut ws = open_ws(&s).await;
    let first = next_items(&mut ws).await;
    let keys: Vec<&str> = first.iter().map(|m| m.description.key.as_str()).collect();
    assert_eq!(
        keys,
        ["cpu_usage", "memory_usage", "disk_usage", "load_average"]
    );
    assert!(first.iter().all(|m| !m.description.script.is_empty()));
    let items = items_until(&mut ws, |items| {
        item(items, "memory_usage").result.is_collected()
    })
    .await;
    let memory = &item(&items, "memory_usage").result;
    assert_eq!(memory.error, "");
    assert!(memory.value.contains(" GiB ("), "{memory:?}");
}
