//! Issue 7's security list in one place: every `/api/v2` route refuses a missing and a wrong
//! token (REST and WebSocket), cross-origin WebSocket upgrades are refused on every socket route,
//! the CSP is on the app page and on API answers, and a non-loopback bind needs both tokens.

mod common;

use agent_console_server::cli::{Cli, Command};
use clap::Parser;
use common::{ws_connect, ws_refused, Mode, Server, TempDir, AGENT, SESSION};
use reqwest::Method;

/// Which token a route takes.
#[derive(Debug, Clone, Copy)]
enum Auth {
    /// The session token; refusals are 401.
    Session,
    /// The session token, refusals are 404 like coderd's terminal.
    SessionAs404,
    /// The agent token.
    Agent,
}

/// Every route of the embedded backend that needs a token, REST and WebSocket (`ws`).
/// Public by design (like coderd): `/`, `/buildinfo`, `/derp-map` and the instance-identity
/// exchanges (they authenticate with the identity document itself).
fn routes(s: &Server) -> Vec<(Method, String, bool, Auth)> {
    let a = |rest: &str| s.agent_path(rest);
    let id = uuid::Uuid::new_v4();
    vec![
        (Method::GET, "/api/v2/users/me".into(), false, Auth::Session),
        (
            Method::GET,
            "/api/v2/workspaces".into(),
            false,
            Auth::Session,
        ),
        (Method::GET, "/api/v2/regions".into(), false, Auth::Session),
        (
            Method::GET,
            "/api/v2/applications/host".into(),
            false,
            Auth::Session,
        ),
        (
            Method::GET,
            "/api/v2/workspaceagents/connection".into(),
            false,
            Auth::Session,
        ),
        (Method::GET, a(""), false, Auth::Session),
        (Method::GET, a("/connection"), false, Auth::Session),
        (Method::GET, a("/logs"), false, Auth::Session),
        (Method::GET, a("/startup-logs"), false, Auth::Session),
        (Method::GET, a("/listening-ports"), false, Auth::Session),
        (Method::GET, a("/logs?follow"), true, Auth::Session),
        (Method::GET, a("/startup-logs?follow"), true, Auth::Session),
        (Method::GET, a("/coordinate"), true, Auth::Session),
        (
            Method::GET,
            a(&format!("/pty?reconnect={id}")),
            true,
            Auth::SessionAs404,
        ),
        (
            Method::PATCH,
            "/api/v2/workspaceagents/me/logs".into(),
            false,
            Auth::Agent,
        ),
        (
            Method::POST,
            "/api/v2/workspaceagents/me/log-source".into(),
            false,
            Auth::Agent,
        ),
        (
            Method::GET,
            "/api/v2/workspaceagents/me/gitsshkey".into(),
            false,
            Auth::Agent,
        ),
        (
            Method::GET,
            "/api/v2/workspaceagents/me/external-auth?id=github".into(),
            false,
            Auth::Agent,
        ),
        (
            Method::GET,
            "/api/v2/workspaceagents/me/gitauth?id=github".into(),
            false,
            Auth::Agent,
        ),
    ]
}

both_modes!(
    every_route_refuses_missing_and_wrong_tokens,
    |s: Server| async move {
        for (method, path, is_ws, auth) in routes(&s) {
            let refused = match auth {
                Auth::SessionAs404 => 404,
                _ => 401,
            };
            // Wrong tokens: garbage, the other kind of token, a well-formed stranger.
            let wrong: Vec<String> = match auth {
                Auth::Agent => vec![
                    "wrong".into(),
                    SESSION.into(),
                    uuid::Uuid::new_v4().to_string(),
                ],
                _ => vec!["wrong".into(), AGENT.into(), format!("{SESSION}x")],
            };
            if is_ws {
                let url = s.ws_url(&path);
                let (status, _) = ws_refused(&url, &[]).await;
                assert_eq!(status, refused, "{path} without token");
                let sep = if path.contains('?') { '&' } else { '?' };
                for w in &wrong {
                    let (status, _) = ws_refused(&url, &[("Coder-Session-Token", w)]).await;
                    assert_eq!(status, refused, "{path} with header token {w:?}");
                    let (status, _) =
                        ws_refused(&format!("{url}{sep}coder_session_token={w}"), &[]).await;
                    assert_eq!(status, refused, "{path} with query token {w:?}");
                }
            } else {
                let resp = s
                    .client
                    .request(method.clone(), s.url(&path))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(
                    resp.status().as_u16(),
                    refused,
                    "{method} {path} without token"
                );
                for w in &wrong {
                    for req in [
                        s.client
                            .request(method.clone(), s.url(&path))
                            .header("Coder-Session-Token", w),
                        s.client
                            .request(method.clone(), s.url(&path))
                            .header("Cookie", format!("coder_session_token={w}")),
                        s.client
                            .request(method.clone(), s.url(&path))
                            .header("Authorization", format!("Bearer {w}")),
                    ] {
                        let resp = req.send().await.unwrap();
                        assert_eq!(
                            resp.status().as_u16(),
                            refused,
                            "{method} {path} with {w:?}"
                        );
                    }
                }
            }
        }
    }
);

both_modes!(
    socket_routes_refuse_a_foreign_origin,
    |s: Server| async move {
        let id = uuid::Uuid::new_v4();
        let token = [("Coder-Session-Token", SESSION)];
        let sockets = [
            s.agent_path("/logs?follow"),
            s.agent_path("/startup-logs?follow"),
            s.agent_path(&format!("/pty?reconnect={id}")),
            "/api/v2/derp-map".to_string(),
            s.agent_path("/coordinate"),
        ];
        let own = format!("http://{}", s.addr);
        for path in &sockets {
            let url = s.ws_url(path);
            for origin in [
                "http://evil.example",
                "https://127.0.0.1.evil.example",
                "null",
                &format!("http://{}:1", s.addr.ip()),
            ] {
                let (status, _) = ws_refused(&url, &[token[0], ("Origin", origin)]).await;
                assert_eq!(status, 403, "{path} from {origin}");
            }
            // The same origin is accepted (the refusals above are about the Origin, nothing else).
            let ok = ws_connect(&url, &[token[0], ("Origin", &own)]).await;
            assert!(ok.is_ok(), "{path} same-origin: {:?}", ok.err());
        }
    }
);

#[tokio::test]
async fn the_app_page_and_api_answers_carry_the_csp() {
    let dist = TempDir::new("csp");
    std::fs::write(
        dist.0.join("index.html"),
        "<!doctype html><title>t</title><script>console.log(1)</script>",
    )
    .unwrap();
    let d = dist.0.clone();
    let s = Server::start_with(Mode::Embedded, common::TEST_CONFIG, move |c| {
        c.dist = Some(d.clone())
    })
    .await;
    for path in [
        "/",
        "/agents/x/logs",
        "/api/v2/buildinfo",
        "/api/v2/workspaces",
    ] {
        let resp = s.client.get(s.url(path)).send().await.unwrap();
        let csp = resp
            .headers()
            .get("content-security-policy")
            .unwrap_or_else(|| panic!("{path}: no CSP"))
            .to_str()
            .unwrap()
            .to_owned();
        for directive in [
            "default-src 'self'",
            "script-src 'self' 'wasm-unsafe-eval'",
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'self'",
        ] {
            assert!(
                csp.contains(directive),
                "{path}: {directive} missing in {csp}"
            );
        }
        assert!(!csp.contains("'unsafe-eval'") || csp.contains("'wasm-unsafe-eval'"));
        assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
        assert_eq!(
            resp.headers()["x-content-type-options"],
            "nosniff",
            "{path}"
        );
    }
    // The page's inline script is allowed by its hash, not by 'unsafe-inline'.
    let resp = s.client.get(s.url("/")).send().await.unwrap();
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("'sha256-"), "{csp}");
}

#[test]
fn a_non_loopback_bind_needs_both_tokens() {
    let config = |args: &[&str]| {
        let mut argv = vec!["agent-console", "serve"];
        argv.extend_from_slice(args);
        let Command::Serve(a) = Cli::try_parse_from(argv).unwrap().command;
        a.into_config()
    };
    for listen in ["0.0.0.0:7080", "[::]:7080", "192.168.1.10:7080"] {
        for extra in [
            vec![],
            vec!["--session-token", "s-0123456789abcdef"],
            vec!["--agent-token", "a-0123456789abcdef"],
        ] {
            let mut args = vec!["--listen", listen];
            args.extend(extra.iter());
            let err = config(&args)
                .err()
                .unwrap_or_else(|| panic!("{args:?} accepted"));
            assert!(err.to_string().contains("non-loopback"), "{err}");
        }
        let ok = config(&[
            "--listen",
            listen,
            "--session-token",
            "s-0123456789abcdef",
            "--agent-token",
            "a-0123456789abcdef",
        ]);
        assert!(ok.is_ok(), "{listen} with both tokens: {:?}", ok.err());
    }
    for listen in ["127.0.0.1:7080", "[::1]:7080"] {
        assert!(config(&["--listen", listen]).is_ok(), "{listen}");
    }
}
