//! WebSocket routes besides logs: the DERP map, coordinate and the terminal — directly and
//! through the proxy.

mod common;

use std::time::Duration;

use common::{next_msg, read_until, ws_connect, ws_refused, Server, Ws, SESSION};
use futures_util::SinkExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

async fn next_binary_json(ws: &mut Ws) -> Value {
    match next_msg(ws).await {
        Some(Message::Binary(b)) => serde_json::from_slice(&b).unwrap(),
        other => panic!("expected a binary frame, got {other:?}"),
    }
}

both_modes!(
    derp_map_arrives_as_pascal_case_binary_frames,
    |s: Server| async move {
        // No token needed, like coderd.
        let mut ws = ws_connect(&s.ws_url("/api/v2/derp-map"), &[])
            .await
            .unwrap();
        let map = next_binary_json(&mut ws).await;
        let region = &map["Regions"]["999"];
        assert_eq!(region["RegionID"], 999);
        assert_eq!(region["RegionCode"], "coder");
        assert_eq!(region["EmbeddedRelay"], true);
        assert_eq!(region["Nodes"][0]["HostName"], "127.0.0.1");
        assert!(map.get("regions").is_none(), "no camelCase names");
        // A change is pushed as a new whole map.
        s.embedded.derp_map().send_modify(|m| {
            m.regions.remove("1000");
        });
        let map = next_binary_json(&mut ws).await;
        assert!(map["Regions"].get("1000").is_none());
        assert!(map["Regions"].get("999").is_some());
    }
);

both_modes!(derp_map_refuses_a_foreign_origin, |s: Server| async move {
    let (status, _) = ws_refused(
        &s.ws_url("/api/v2/derp-map"),
        &[("Origin", "https://evil.example")],
    )
    .await;
    assert_eq!(status, 403);
});

both_modes!(
    coordinate_upgrades_then_closes_with_a_reason,
    |s: Server| async move {
        let url = s.ws_url(&s.agent_path("/coordinate"));
        let (status, _) = ws_refused(&url, &[]).await;
        assert_eq!(status, 401);
        let (status, _) = ws_refused(
            &url,
            &[("Coder-Session-Token", SESSION), ("Origin", "http://evil")],
        )
        .await;
        assert_eq!(status, 403);
        let (status, body) = ws_refused(
            &format!("{url}?version=9.0"),
            &[("Coder-Session-Token", SESSION)],
        )
        .await;
        assert_eq!(status, 400);
        assert!(body.contains("\"field\":\"version\""), "{body}");
        let mut ws = ws_connect(
            &format!("{url}?version=2.0"),
            &[("Coder-Session-Token", SESSION)],
        )
        .await
        .unwrap();
        match next_msg(&mut ws).await {
            Some(Message::Close(Some(frame))) => {
                assert_eq!(frame.code, CloseCode::Error);
                assert!(frame
                    .reason
                    .contains("tailnet coordination is not provided"));
            }
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
);

fn pty_url(s: &Server, query: &str) -> String {
    s.ws_url(&format!(
        "{}?{query}&coder_session_token={SESSION}",
        s.agent_path("/pty")
    ))
}

async fn send_input(ws: &mut Ws, data: &str, binary: bool) {
    let json = serde_json::json!({ "data": data }).to_string();
    let msg = if binary {
        Message::Binary(json.into_bytes().into())
    } else {
        Message::Text(json.into())
    };
    ws.send(msg).await.unwrap();
}

both_modes!(
    a_command_that_ends_at_once_closes_normally_even_while_the_client_talks,
    |s: Server| async move {
        // The client sends a resize and input right after connecting, as the app does, while
        // the command has already ended: the close must still arrive as 1000 (a connection torn
        // down with those frames unread used to reach the browser as 1006, and the app then
        // reconnected instead of saying the session ended).
        for round in 0..20 {
            let id = uuid::Uuid::new_v4();
            let mut ws = ws_connect(&pty_url(&s, &format!("reconnect={id}&command=true")), &[])
                .await
                .unwrap();
            ws.send(Message::Text(r#"{"height":30,"width":100}"#.into()))
                .await
                .ok();
            send_input(&mut ws, "x", false).await;
            let code = loop {
                match tokio::time::timeout(Duration::from_secs(15), next_msg(&mut ws)).await {
                    Ok(Some(Message::Close(Some(frame)))) => break u16::from(frame.code),
                    Ok(Some(Message::Binary(_) | Message::Ping(_) | Message::Pong(_))) => {}
                    other => {
                        panic!("round {round}: expected output, then a close frame; got {other:?}")
                    }
                }
            };
            assert_eq!(code, 1000, "round {round}");
        }
    }
);

both_modes!(
    terminal_echoes_and_reattaches_to_the_same_shell,
    |s: Server| async move {
        let id = uuid::Uuid::new_v4();
        let mut ws = ws_connect(
            &pty_url(&s, &format!("reconnect={id}&width=100&height=30")),
            &[],
        )
        .await
        .unwrap();
        // Binary and text input both work; the marker is split so the echo of the command itself
        // does not match.
        send_input(
            &mut ws,
            "export AC_MARK=set-before-drop; echo one-$((40+2))\r",
            true,
        )
        .await;
        read_until(&mut ws, "one-42").await;
        // Data and a resize in one message, and two objects in one frame.
        ws.send(Message::Text(
            r#"{"data":"stty size\r","height":31,"width":101}{"data":"echo two-$((1+1))\r"}"#
                .into(),
        ))
        .await
        .unwrap();
        let out = read_until(&mut ws, "two-2").await;
        assert!(out.contains("31 101"), "resize applied: {out:?}");
        drop(ws);

        // Same reconnect id: the same shell, with the replay of earlier output first.
        let mut ws = ws_connect(&pty_url(&s, &format!("reconnect={id}")), &[])
            .await
            .unwrap();
        let replay = read_until(&mut ws, "one-42").await;
        assert!(replay.contains("one-42"));
        send_input(&mut ws, "echo mark=$AC_MARK\r", false).await;
        read_until(&mut ws, "mark=set-before-drop").await;

        // A new id is a new shell without the variable.
        let mut other = ws_connect(
            &pty_url(&s, &format!("reconnect={}", uuid::Uuid::new_v4())),
            &[],
        )
        .await
        .unwrap();
        send_input(&mut other, "echo other=[$AC_MARK]\r", false).await;
        read_until(&mut other, "other=[]").await;

        // When the shell exits the socket closes normally.
        send_input(&mut ws, "exit\r", false).await;
        loop {
            match next_msg(&mut ws).await {
                Some(Message::Binary(_)) => continue,
                Some(Message::Close(frame)) => {
                    assert_eq!(frame.map(|f| f.code), Some(CloseCode::Normal));
                    break;
                }
                None => break,
                other => panic!("unexpected {other:?}"),
            }
        }
    }
);

both_modes!(
    terminal_validates_query_auth_and_origin,
    |s: Server| async move {
        let base = s.ws_url(&s.agent_path("/pty"));
        let id = uuid::Uuid::new_v4();
        // Without a session the terminal is "not found", as in coderd.
        let (status, _) = ws_refused(&format!("{base}?reconnect={id}"), &[]).await;
        assert_eq!(status, 404);
        let (status, _) = ws_refused(
            &format!("{base}?reconnect={id}&coder_session_token=wrong"),
            &[],
        )
        .await;
        assert_eq!(status, 404);
        for (query, fields) in [
            ("".to_string(), vec!["reconnect"]),
            ("reconnect=not-a-uuid".to_string(), vec!["reconnect"]),
            (format!("reconnect={id}&width=-3"), vec!["width"]),
            (
                format!("reconnect={id}&height=abc&width=70000"),
                vec!["width", "height"],
            ),
        ] {
            let (status, body) = ws_refused(&pty_url(&s, &query), &[]).await;
            assert_eq!(status, 400, "{query}");
            let body: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(body["message"], "Invalid query parameters.");
            let got: Vec<&str> = body["validations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["field"].as_str().unwrap())
                .collect();
            assert_eq!(got, fields, "{query}");
        }
        let (status, _) = ws_refused(
            &pty_url(&s, &format!("reconnect={id}")),
            &[("Origin", "http://attacker.example")],
        )
        .await;
        assert_eq!(status, 403);
    }
);

both_modes!(terminal_closes_on_malformed_input, |s: Server| async move {
    let mut ws = ws_connect(
        &pty_url(&s, &format!("reconnect={}", uuid::Uuid::new_v4())),
        &[],
    )
    .await
    .unwrap();
    ws.send(Message::Text("not json".into())).await.unwrap();
    loop {
        match next_msg(&mut ws).await {
            Some(Message::Binary(_)) => continue,
            Some(Message::Close(Some(frame))) => {
                assert_eq!(frame.code, CloseCode::Invalid);
                break;
            }
            other => panic!("expected close 1007, got {other:?}"),
        }
    }
});
