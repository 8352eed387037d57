//! REST routes of the embedded backend, directly and through the proxy: shapes, auth, parameters.

mod common;

use coder_api::{
    AppHostResponse, BuildInfo, DisplayApp, RegionsResponse, User, UserStatus, WorkspaceAgent,
    WorkspaceAgentLifecycle, WorkspaceAgentListeningPortsResponse, WorkspaceAgentStatus,
    WorkspacesResponse,
};
use common::{Server, AGENT, SESSION};
use reqwest::Method;
use serde_json::{json, Value};

const SIGNED_OUT: &str =
    "You are signed out or your session has expired. Please sign in again to continue.";

fn user_routes(s: &Server) -> Vec<String> {
    vec![
        "/api/v2/users/me".into(),
        "/api/v2/workspaces".into(),
        "/api/v2/regions".into(),
        "/api/v2/applications/host".into(),
        "/api/v2/workspaceagents/connection".into(),
        s.agent_path(""),
        s.agent_path("/connection"),
        s.agent_path("/logs"),
        s.agent_path("/startup-logs"),
        s.agent_path("/listening-ports"),
    ]
}

both_modes!(
    user_routes_accept_every_token_source,
    |s: Server| async move {
        for path in user_routes(&s) {
            let url = s.url(&path);
            let sep = if path.contains('?') { '&' } else { '?' };
            let reqs = [
                s.client.get(&url).header("Coder-Session-Token", SESSION),
                s.client
                    .get(&url)
                    .header("Cookie", format!("coder_session_token={SESSION}")),
                s.client
                    .get(&url)
                    .header("Authorization", format!("Bearer {SESSION}")),
                s.client
                    .get(format!("{url}{sep}coder_session_token={SESSION}")),
            ];
            for req in reqs {
                let resp = req.send().await.unwrap();
                assert_eq!(resp.status(), 200, "{path}");
            }
        }
    }
);

both_modes!(
    user_routes_refuse_missing_and_wrong_tokens,
    |s: Server| async move {
        for path in user_routes(&s) {
            let resp = s.client.get(s.url(&path)).send().await.unwrap();
            assert_eq!(resp.status(), 401, "{path} without token");
            let body: Value = resp.json().await.unwrap();
            assert_eq!(body["message"], SIGNED_OUT);
            assert_eq!(
                body["detail"],
                "Cookie \"coder_session_token\" or query parameter must be provided."
            );

            for (name, value) in [
                ("Coder-Session-Token", "wrong".to_string()),
                ("Coder-Session-Token", AGENT.to_string()),
            ] {
                let resp = s
                    .client
                    .get(s.url(&path))
                    .header(name, value)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 401, "{path} with a wrong token");
                let body: Value = resp.json().await.unwrap();
                assert_eq!(body["detail"], "API key is invalid.");
            }
        }
    }
);

fn me_routes() -> Vec<(Method, &'static str)> {
    vec![
        (Method::PATCH, "/api/v2/workspaceagents/me/logs"),
        (Method::POST, "/api/v2/workspaceagents/me/log-source"),
        (Method::GET, "/api/v2/workspaceagents/me/gitsshkey"),
        (
            Method::GET,
            "/api/v2/workspaceagents/me/external-auth?id=github",
        ),
        (Method::GET, "/api/v2/workspaceagents/me/gitauth?id=github"),
    ]
}

both_modes!(
    agent_routes_refuse_missing_and_wrong_tokens,
    |s: Server| async move {
        for (method, path) in me_routes() {
            let resp = s
                .client
                .request(method.clone(), s.url(path))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 401, "{path} without token");
            let body: Value = resp.json().await.unwrap();
            assert_eq!(body["message"], SIGNED_OUT);

            // The user's session token is not an agent token.
            let resp = s
                .client
                .request(method.clone(), s.url(path))
                .header("Coder-Session-Token", SESSION)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 401, "{path} with the session token");
            assert_eq!(
                resp.json::<Value>().await.unwrap()["message"],
                "Workspace agent token invalid."
            );

            let resp = s
                .client
                .request(method.clone(), s.url(path))
                .header("Coder-Session-Token", uuid::Uuid::new_v4().to_string())
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 401, "{path} with another agent's token");
            assert_eq!(
                resp.json::<Value>().await.unwrap()["message"],
                "Workspace agent not authorized."
            );
        }
    }
);

both_modes!(agent_describes_this_machine, |s: Server| async move {
    let agent: WorkspaceAgent = s.get_as(&s.agent_path(""), 200).await;
    assert_eq!(agent.id.to_string(), s.agent_id);
    assert_eq!(agent.name, "dev");
    assert_eq!(agent.status, WorkspaceAgentStatus::Connected);
    assert_eq!(agent.operating_system, "linux");
    assert!(["amd64", "arm64"].contains(&agent.architecture.as_str()));
    assert!(agent.version.starts_with("v2."));
    assert!(agent.api_version.starts_with("2."));
    assert!(agent.directory.unwrap().starts_with('/'));
    assert!(agent.health.healthy);
    assert!(!agent.logs_overflowed);
    assert!(agent.apps.is_empty());
    assert!(
        agent.display_apps.contains(&DisplayApp::WebTerminal)
            && agent
                .display_apps
                .contains(&DisplayApp::PortForwardingHelper)
    );
    // Measured for real (the embedded relay is this server): there within a few reads.
    let mut preferred = agent
        .latency
        .is_some_and(|l| l.values().any(|l| l.preferred));
    for _ in 0..50 {
        if preferred {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let a: WorkspaceAgent = s.get_as(&s.agent_path(""), 200).await;
        preferred = a.latency.is_some_and(|l| l.values().any(|l| l.preferred));
    }
    assert!(preferred, "a preferred region with a measured latency");
    // No scripts in the test config: nothing runs, lifecycle reaches ready at once.
    for _ in 0..50 {
        let a: WorkspaceAgent = s.get_as(&s.agent_path(""), 200).await;
        if a.lifecycle_state == WorkspaceAgentLifecycle::Ready {
            assert!(a.ready_at.is_some());
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("lifecycle never reached ready");
});

both_modes!(agent_param_is_validated, |s: Server| async move {
    let resp = s.get("/api/v2/workspaceagents/not-a-uuid").await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["message"], "Invalid UUID \"not-a-uuid\".");
    let other = uuid::Uuid::new_v4();
    for rest in ["", "/logs", "/connection", "/listening-ports"] {
        let resp = s
            .get(&format!("/api/v2/workspaceagents/{other}{rest}"))
            .await;
        assert_eq!(resp.status(), 404, "{rest}");
    }
});

both_modes!(around_the_agent, |s: Server| async move {
    let me: User = s.get_as("/api/v2/users/me", 200).await;
    assert_eq!(me.username, "tester");
    assert_eq!(me.status, UserStatus::Active);

    let resp = s
        .client
        .get(s.url("/api/v2/buildinfo"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "buildinfo needs no auth");
    let info: BuildInfo = coder_api::parse(&resp.text().await.unwrap()).unwrap();
    assert!(info.version.starts_with("v2."));
    assert!(!info.agent_api_version.is_empty());

    let list: WorkspacesResponse = s.get_as("/api/v2/workspaces", 200).await;
    assert_eq!(list.count, 1);
    let ws = &list.workspaces[0];
    assert_eq!((ws.name.as_str(), ws.owner_name.as_str()), ("ws", "tester"));
    let agent = ws.agents().next().expect("the latest build has the agent");
    assert_eq!(agent.id.to_string(), s.agent_id);
    assert_eq!(agent.name, "dev");
    let none: WorkspacesResponse = s
        .get_as("/api/v2/workspaces?q=name:nothing-like-this", 200)
        .await;
    assert_eq!(none.count, 0);
    assert!(none.workspaces.is_empty());

    let port = s.embedded.local_addr().port();
    let host: AppHostResponse = s.get_as("/api/v2/applications/host", 200).await;
    assert_eq!(host.host, format!("*.localhost:{port}"));
    let regions: RegionsResponse = s.get_as("/api/v2/regions", 200).await;
    assert_eq!(regions.regions[0].wildcard_hostname, host.host);
    assert!(regions.regions[0].healthy);
});

both_modes!(health_and_api_root_need_no_token, |s: Server| async move {
    let resp = s.client.get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "OK");
    let resp = s.client.get(s.url("/api/v2")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.json::<Value>().await.unwrap()["message"].is_string());
});

both_modes!(unknown_api_route_is_json_404, |s: Server| async move {
    let resp = s.get("/api/v2/no/such/route").await;
    assert_eq!(resp.status(), 404);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["message"], "Route not found.");
});

both_modes!(
    connection_info_carries_the_derp_map,
    |s: Server| async move {
        for path in [
            "/api/v2/workspaceagents/connection".to_string(),
            s.agent_path("/connection"),
        ] {
            let info = s.get_json(&path, 200).await;
            assert_eq!(info["derp_force_websockets"], false);
            assert_eq!(info["disable_direct_connections"], false);
            let region = &info["derp_map"]["Regions"]["999"];
            assert_eq!(region["RegionID"], 999);
            assert_eq!(region["Nodes"][0]["HostName"], "127.0.0.1");
        }
    }
);

both_modes!(gitsshkey_is_a_real_key_pair, |s: Server| async move {
    let resp = s
        .agent_req(Method::GET, "/api/v2/workspaceagents/me/gitsshkey")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let key: Value = resp.json().await.unwrap();
    let public = key["public_key"].as_str().unwrap();
    let private = key["private_key"].as_str().unwrap();
    assert!(public.starts_with("ssh-ed25519 AAAA"));
    let parsed = ssh_key::PrivateKey::from_openssh(private).unwrap();
    assert_eq!(parsed.public_key().to_openssh().unwrap(), public.trim());
    // Same pair on every call.
    let again: Value = s
        .agent_req(Method::GET, "/api/v2/workspaceagents/me/gitsshkey")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again, key);
});

both_modes!(
    external_auth_answers_from_the_config,
    |s: Server| async move {
        for route in ["external-auth", "gitauth"] {
            let path = |q: &str| format!("/api/v2/workspaceagents/me/{route}?{q}");
            // No token yet: where to authenticate.
            let resp = s
                .agent_req(
                    Method::GET,
                    &path("match=https://github.com/coder/coder.git"),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
            let body: Value = resp.json().await.unwrap();
            assert_eq!(body["type"], "github");
            assert!(body["url"]
                .as_str()
                .unwrap()
                .ends_with("/external-auth/github"));
            assert_eq!(body["access_token"], "", "no token yet");
            // A configured token.
            let body: Value = s
                .agent_req(Method::GET, &path("id=gitlab"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(body["access_token"], "glpat-123");
            assert_eq!(body["username"], "oauth2");
            assert_eq!(body["password"], "glpat-123");
            // Unknown provider, missing parameters.
            let resp = s
                .agent_req(Method::GET, &path("match=https://example.org/x"))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 404);
            let resp = s.agent_req(Method::GET, &path("")).send().await.unwrap();
            assert_eq!(resp.status(), 400);
            let body: Value = resp.json().await.unwrap();
            assert!(!body["validations"].as_array().unwrap().is_empty());
        }
    }
);

both_modes!(
    external_auth_listen_waits_for_a_token,
    |s: Server| async move {
        let req = s.agent_req(
            Method::GET,
            "/api/v2/workspaceagents/me/external-auth?id=github&listen",
        );
        let pending = tokio::spawn(async move { req.send().await.unwrap() });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(
            !pending.is_finished(),
            "listen must wait while there is no token"
        );
        s.embedded.set_external_auth_token("github", "gho_abc");
        let resp = tokio::time::timeout(std::time::Duration::from_secs(5), pending)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["access_token"], "gho_abc");
        assert_eq!(body["username"], "gho_abc");
    }
);

both_modes!(instance_identity_exchanges, |s: Server| async move {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let jwt_claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(br#"{"google":{"compute_engine":{"instance_id":"4242"}}}"#);
    let cases = [
        (
            "aws",
            json!({"document": "{\"instanceId\":\"i-0123456789abcdef0\"}", "signature": "sig"}),
            json!({"document": "{\"instanceId\":\"i-unknown\"}", "signature": "sig"}),
        ),
        (
            "azure",
            json!({"encoding": "pkcs7", "signature": b64.encode(br#"..{"vmId":"vm-1111"}.."#)}),
            json!({"encoding": "pkcs7", "signature": b64.encode(br#"{"vmId":"vm-2"}"#)}),
        ),
        (
            "google",
            json!({"json_web_token": format!("e30.{jwt_claims}.sig")}),
            json!({"json_web_token": format!("e30.{}.sig", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"google":{"compute_engine":{"instance_id":"1"}}}"#))}),
        ),
    ];
    for (cloud, good, unknown) in cases {
        let url = s.url(&format!(
            "/api/v2/workspaceagents/{cloud}-instance-identity"
        ));
        let resp = s.client.post(&url).json(&good).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{cloud}");
        assert_eq!(resp.json::<Value>().await.unwrap()["session_token"], AGENT);
        let resp = s.client.post(&url).json(&unknown).send().await.unwrap();
        assert_eq!(resp.status(), 401, "{cloud} unknown instance");
        assert!(resp.json::<Value>().await.unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("not a known agent instance"));
        let resp = s.client.post(&url).json(&json!({})).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{cloud} empty body");
        assert!(!resp.json::<Value>().await.unwrap()["validations"]
            .as_array()
            .unwrap()
            .is_empty());
    }
});

both_modes!(
    listening_ports_show_a_port_the_test_opens,
    |s: Server| async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let body: WorkspaceAgentListeningPortsResponse =
            s.get_as(&s.agent_path("/listening-ports"), 200).await;
        let mine = body
            .ports
            .iter()
            .find(|p| p.port == port)
            .unwrap_or_else(|| panic!("port {port} missing: {body:?}"));
        assert_eq!(mine.network, "tcp");
        // The console's own port and ignored ports are filtered.
        let own = s.embedded.local_addr().port();
        assert!(body.ports.iter().all(|p| p.port != own && p.port >= 9));
    }
);
