//! Logs: REST, WebSocket follow (backlog, then batches, no gap or duplicate), the agent's PATCH and
//! log sources, the 1 MiB cap — directly and through the proxy.

mod common;

use coder_api::{LogLevel, WorkspaceAgent, WorkspaceAgentLog};
use common::{next_json, next_msg, ws_connect, ws_refused, Server, SESSION};
use reqwest::Method;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

fn lines(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}-{i}")).collect()
}

both_modes!(rest_returns_logs_after_an_id, |s: Server| async move {
    let empty = s.get_json(&s.agent_path("/logs"), 200).await;
    assert_eq!(empty, json!([]), "no logs is [] (never null)");
    let src = s.log_source("Test").await;
    assert_eq!(s.patch_logs(&src, &lines("a", 3)).await.status(), 200);
    let all: Vec<WorkspaceAgentLog> = s.get_as(&s.agent_path("/logs"), 200).await;
    let ids: Vec<i64> = all.iter().map(|l| l.id).collect();
    assert_eq!(ids, [1, 2, 3]);
    assert_eq!(all[0].output, "a-0");
    assert_eq!(all[0].level, LogLevel::Info);
    assert_eq!(all[0].source_id.to_string(), src);
    let tail: Vec<WorkspaceAgentLog> = s.get_as(&s.agent_path("/logs?after=2&before=1"), 200).await;
    let tail_ids: Vec<i64> = tail.iter().map(|l| l.id).collect();
    assert_eq!(tail_ids, [3], "before is ignored like coderd");
    let legacy: Vec<WorkspaceAgentLog> =
        s.get_as(&s.agent_path("/startup-logs?after=1"), 200).await;
    assert_eq!(legacy.len(), 2);
    // The source and the byte count show on the agent.
    let agent: WorkspaceAgent = s.get_as(&s.agent_path(""), 200).await;
    assert_eq!(agent.logs_length, 9);
    assert!(agent
        .log_sources
        .iter()
        .any(|l| l.id.to_string() == src && l.display_name == "Test"));
});

both_modes!(bad_after_is_400_with_validations, |s: Server| async move {
    for bad in ["-1", "abc", "1.5", "99999999999999999999"] {
        for route in ["/logs", "/startup-logs"] {
            for follow in ["", "&follow"] {
                let resp = s
                    .get(&s.agent_path(&format!("{route}?after={bad}{follow}")))
                    .await;
                assert_eq!(resp.status(), 400, "after={bad}");
                let body: Value = resp.json().await.unwrap();
                assert_eq!(
                    body["message"],
                    "Query param \"after\" must be an integer greater than or equal to zero."
                );
                assert_eq!(
                    body["validations"],
                    json!([{"field": "after", "detail": "Must be an integer greater than or equal to zero"}])
                );
            }
        }
    }
});

both_modes!(
    a_large_backlog_is_followed_in_frames_of_at_most_2000_lines,
    |s: Server| async move {
        let src = s.log_source("Big").await;
        s.patch_logs(&src, &lines("big", 5_000)).await;
        let url = s.ws_url(&format!(
            "{}?follow=true&after=0&coder_session_token={SESSION}",
            s.agent_path("/logs")
        ));
        let mut ws = ws_connect(&url, &[]).await.unwrap();
        let mut outputs = Vec::new();
        let mut ids = Vec::new();
        while outputs.len() < 5_000 {
            let frame = next_json(&mut ws).await;
            let frame = frame.as_array().unwrap();
            assert!(frame.len() <= 2_000, "a frame of {} lines", frame.len());
            for l in frame {
                let out = l["output"].as_str().unwrap();
                if out.starts_with("big") {
                    outputs.push(out.to_owned());
                    ids.push(l["id"].as_i64().unwrap());
                }
            }
        }
        assert_eq!(outputs, lines("big", 5_000));
        assert!(
            ids.windows(2).all(|w| w[1] == w[0] + 1),
            "ids in order, none twice, none missing"
        );
    }
);

both_modes!(
    follow_sends_backlog_then_batches_without_gap_or_duplicate,
    |s: Server| async move {
        let src = s.log_source("Follow").await;
        s.patch_logs(&src, &lines("old", 5)).await;
        let url = s.ws_url(&format!(
            "{}?follow=false&after=2&coder_session_token={SESSION}",
            s.agent_path("/logs")
        ));
        let mut ws = ws_connect(&url, &[]).await.unwrap();
        let backlog = next_json(&mut ws).await;
        let ids: Vec<i64> = backlog
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, [3, 4, 5], "first frame is the backlog after `after`");

        // Write 40 batches from another task while reading.
        let writer = {
            let client = s.client.clone();
            let url = s.url("/api/v2/workspaceagents/me/logs");
            let src = src.clone();
            tokio::spawn(async move {
                for b in 0..40 {
                    let logs: Vec<Value> = (0..5)
                        .map(|i| json!({"output": format!("new-{b}-{i}"), "level": "debug"}))
                        .collect();
                    let resp = client
                        .patch(&url)
                        .header("Coder-Session-Token", common::AGENT)
                        .json(&json!({"log_source_id": src, "logs": logs}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(resp.status(), 200);
                }
            })
        };
        let mut seen = Vec::new();
        while seen.len() < 200 {
            let batch = next_json(&mut ws).await;
            let batch = batch.as_array().unwrap();
            assert!(!batch.is_empty(), "later frames are never empty");
            seen.extend(batch.iter().map(|l| {
                (
                    l["id"].as_i64().unwrap(),
                    l["output"].as_str().unwrap().to_owned(),
                )
            }));
        }
        writer.await.unwrap();
        let ids: Vec<i64> = seen.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, (6..206).collect::<Vec<_>>(), "every id once, in order");
        assert_eq!(seen[0].1, "new-0-0");
        assert_eq!(seen[199].1, "new-39-4");
        ws.close(None).await.unwrap();
    }
);

both_modes!(
    follow_of_nothing_starts_with_an_empty_frame,
    |s: Server| async move {
        let url = s.ws_url(&format!("{}?follow&after=0", s.agent_path("/startup-logs")));
        let mut ws = ws_connect(&url, &[("Coder-Session-Token", SESSION)])
            .await
            .unwrap();
        assert_eq!(next_json(&mut ws).await, json!([]));
        let src = s.log_source("Late").await;
        s.patch_logs(&src, &["first".to_string()]).await;
        let batch = next_json(&mut ws).await;
        assert_eq!(batch[0]["output"], "first");
        assert_eq!(batch[0]["id"], 1);
    }
);

both_modes!(
    follow_refuses_bad_tokens_and_foreign_origins,
    |s: Server| async move {
        let url = s.ws_url(&format!("{}?follow", s.agent_path("/logs")));
        let (status, body) = ws_refused(&url, &[]).await;
        assert_eq!(status, 401);
        assert!(body.contains("signed out"));
        let (status, _) = ws_refused(&format!("{url}&coder_session_token=wrong"), &[]).await;
        assert_eq!(status, 401);
        let (status, body) = ws_refused(
            &url,
            &[
                ("Coder-Session-Token", SESSION),
                ("Origin", "http://evil.example"),
            ],
        )
        .await;
        assert_eq!(status, 403);
        assert!(body.contains("not authorized"));
        // Same origin is fine.
        let origin = format!("http://{}", s.addr);
        let mut ws = ws_connect(
            &url,
            &[("Coder-Session-Token", SESSION), ("Origin", &origin)],
        )
        .await
        .unwrap();
        assert_eq!(next_json(&mut ws).await, json!([]));
    }
);

both_modes!(patch_validates_its_body, |s: Server| async move {
    let patch = |body: Value| {
        s.agent_req(Method::PATCH, "/api/v2/workspaceagents/me/logs")
            .json(&body)
            .send()
    };
    let cases = [
        (json!({"logs": []}), "logs"),
        (
            json!({"logs": [{"output": "x", "level": "loud"}]}),
            "logs[0].level",
        ),
        (
            json!({"log_source_id": "nope", "logs": [{"output": "x"}]}),
            "log_source_id",
        ),
        (
            json!({"log_source_id": uuid::Uuid::new_v4(), "logs": [{"output": "x"}]}),
            "log_source_id",
        ),
        (
            json!({"logs": [{"output": "x", "created_at": "yesterday"}]}),
            "logs[0].created_at",
        ),
    ];
    for (body, field) in cases {
        let resp = patch(body.clone()).await.unwrap();
        assert_eq!(resp.status(), 400, "{body}");
        let err: Value = resp.json().await.unwrap();
        assert_eq!(err["validations"][0]["field"], field, "{body}");
    }
    let resp = s
        .agent_req(Method::PATCH, "/api/v2/workspaceagents/me/logs")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    // No source: the external source, created on first use.
    let resp = patch(json!({"logs": [{"output": "legacy", "level": ""}]}))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let logs = s.get_json(&s.agent_path("/logs"), 200).await;
    assert_eq!(logs[0]["source_id"], "3b579bf4-1ed8-4b99-87a8-e9a1e3410410");
    assert_eq!(logs[0]["level"], "info");
    let agent = s.get_json(&s.agent_path(""), 200).await;
    assert!(agent["log_sources"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["display_name"] == "External"));
});

both_modes!(log_source_validates_its_body, |s: Server| async move {
    for body in [
        json!({}),
        json!({"id": "x"}),
        json!({"id": uuid::Uuid::nil()}),
        json!({"id": uuid::Uuid::new_v4(), "icon": 3}),
    ] {
        let resp = s
            .agent_req(Method::POST, "/api/v2/workspaceagents/me/log-source")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{body}");
        assert!(!resp.json::<Value>().await.unwrap()["validations"]
            .as_array()
            .unwrap()
            .is_empty());
    }
    let id = uuid::Uuid::new_v4();
    let resp = s
        .agent_req(Method::POST, "/api/v2/workspaceagents/me/log-source")
        .json(&json!({"id": id, "display_name": "Envbuilder", "icon": "/icon/e.svg"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let source: Value = resp.json().await.unwrap();
    assert_eq!(source["id"], id.to_string());
    assert_eq!(source["workspace_agent_id"], s.agent_id.as_str());
    assert_eq!(source["display_name"], "Envbuilder");
    assert!(source["created_at"].is_string());
});

both_modes!(
    one_mebibyte_cap_gives_413_and_overflow,
    |s: Server| async move {
        let src = s.log_source("Big").await;
        let chunk = "x".repeat(100 * 1024);
        for _ in 0..10 {
            assert_eq!(
                s.patch_logs(&src, std::slice::from_ref(&chunk))
                    .await
                    .status(),
                200
            );
        }
        // 1000 KiB stored; 100 KiB more passes 1 MiB.
        let resp = s.patch_logs(&src, std::slice::from_ref(&chunk)).await;
        assert_eq!(resp.status(), 413);
        assert_eq!(
            resp.json::<Value>().await.unwrap()["message"],
            "Logs limit exceeded"
        );
        let agent = s.get_json(&s.agent_path(""), 200).await;
        assert_eq!(agent["logs_overflowed"], true);
        assert_eq!(agent["logs_length"], 10 * 100 * 1024);
        // Once overflowed, even a small line is refused.
        assert_eq!(
            s.patch_logs(&src, &["small".to_string()]).await.status(),
            413
        );
        let logs = s.get_json(&s.agent_path("/logs"), 200).await;
        assert_eq!(logs.as_array().unwrap().len(), 10);
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn startup_scripts_produce_logs_and_lifecycle() {
    let config = r#"
        [[scripts]]
        display_name = "Hello"
        script = "echo hello from the script; echo oops >&2"
        [[scripts]]
        display_name = "Broken"
        script = "exit 3"
    "#;
    let s = Server::start_with(common::Mode::Embedded, config, |_| {}).await;
    let mut lifecycle = Value::Null;
    for _ in 0..100 {
        let agent = s.get_json(&s.agent_path(""), 200).await;
        lifecycle = agent["lifecycle_state"].clone();
        if lifecycle == "start_error" {
            assert_eq!(
                agent["health"]["reason"],
                "agent startup script exited with an error"
            );
            assert_eq!(agent["scripts"].as_array().unwrap().len(), 2);
            let hello = &agent["scripts"][0];
            assert_eq!(hello["display_name"], "Hello");
            assert!(agent["log_sources"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["id"] == hello["log_source_id"]));
            let logs = s.get_json(&s.agent_path("/logs"), 200).await;
            let logs = logs.as_array().unwrap();
            assert!(logs.iter().any(|l| l["output"] == "hello from the script"
                && l["level"] == "info"
                && l["source_id"] == hello["log_source_id"]));
            assert!(logs
                .iter()
                .any(|l| l["output"] == "oops" && l["level"] == "error"));
            return;
        }
        assert!(
            ["created", "starting"].contains(&lifecycle.as_str().unwrap()),
            "{lifecycle}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("lifecycle stuck at {lifecycle}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_closes_with_going_away_on_shutdown() {
    let s = Server::start(common::Mode::Embedded).await;
    let url = s.ws_url(&format!(
        "{}?follow&coder_session_token={SESSION}",
        s.agent_path("/logs")
    ));
    let mut ws = ws_connect(&url, &[]).await.unwrap();
    assert_eq!(next_json(&mut ws).await, json!([]));
    drop(s);
    match next_msg(&mut ws).await {
        Some(Message::Close(Some(frame))) => assert_eq!(u16::from(frame.code), 1001),
        other => panic!("expected a close frame, got {other:?}"),
    }
}
