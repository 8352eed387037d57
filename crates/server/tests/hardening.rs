//! Issue 15: what a hostile page, a flood, a slow client or a restart must not break. Each test
//! reproduces one confirmed defect against a real server on loopback and shows it fixed, with a
//! positive control beside every refusal.

mod common;

use common::{Mode, Server, AGENT, SESSION, TEST_CONFIG};
use reqwest::Method;
use serde_json::{json, Value};

/// Item 1: a page on another domain rebound to 127.0.0.1 is not answered, whatever the route;
/// the names the server is for are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dns_rebinding_hosts_are_refused() {
    for mode in [Mode::Embedded, Mode::Proxy] {
        let s = Server::start(mode).await;
        let port = s.addr.port();
        for path in ["/", "/api/v2/buildinfo", "/api/v2/users/me", "/healthz"] {
            let resp = s
                .client
                .get(s.url(path))
                .header("Host", format!("rebind.attacker.example:{port}"))
                .header("Coder-Session-Token", SESSION)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 421, "{mode:?} {path}");
            let body: Value = resp.json().await.unwrap();
            assert!(
                body["message"]
                    .as_str()
                    .unwrap()
                    .contains("rebind.attacker.example"),
                "{body}"
            );
        }
        // Positive controls: the listen address and localhost names.
        for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
            let resp = s
                .client
                .get(s.url("/api/v2/users/me"))
                .header("Host", &host)
                .header("Coder-Session-Token", SESSION)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200, "{mode:?} {host}");
        }
    }
    // A name given with --allowed-host is answered.
    let s = Server::start_with(Mode::Embedded, TEST_CONFIG, |c| {
        c.allowed_hosts = vec!["console.example.com".into()]
    })
    .await;
    let resp = s
        .client
        .get(s.url("/api/v2/buildinfo"))
        .header("Host", "console.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

/// Item 1, the exchange the probe used: an identity document posted as `text/plain` (which a
/// page of any site may send without asking) is refused, and without `accept_unverified` no
/// document gets the agent token at all, since this server cannot check the cloud's signature.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_documents_need_json_and_an_explicit_switch() {
    let document = json!({"document": "{\"instanceId\":\"i-0123456789abcdef0\"}", "signature": "sig"});
    let url = "/api/v2/workspaceagents/aws-instance-identity";

    let s = Server::start(Mode::Embedded).await; // TEST_CONFIG sets accept_unverified
    let resp = s
        .client
        .post(s.url(url))
        .header("Content-Type", "text/plain")
        .body(document.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["message"], "Request body must be JSON.");
    let resp = s.client.post(s.url(url)).json(&document).send().await.unwrap();
    assert_eq!(resp.status(), 200, "positive control");
    assert_eq!(resp.json::<Value>().await.unwrap()["session_token"], AGENT);

    let strict = TEST_CONFIG.replace("accept_unverified = true", "");
    let s = Server::start_with(Mode::Embedded, &strict, |_| {}).await;
    let resp = s.client.post(s.url(url)).json(&document).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    let body = resp.text().await.unwrap();
    assert!(!body.contains(AGENT), "{body}");
    assert!(body.contains("accept_unverified"), "{body}");
    // And so the git SSH key stays out of reach too.
    let resp = s
        .client
        .request(Method::GET, s.url("/api/v2/workspaceagents/me/gitsshkey"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}
