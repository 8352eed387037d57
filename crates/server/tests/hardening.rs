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
    let document =
        json!({"document": "{\"instanceId\":\"i-0123456789abcdef0\"}", "signature": "sig"});
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
    let resp = s
        .client
        .post(s.url(url))
        .json(&document)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "positive control");
    assert_eq!(resp.json::<Value>().await.unwrap()["session_token"], AGENT);

    let strict = TEST_CONFIG.replace("accept_unverified = true", "");
    let s = Server::start_with(Mode::Embedded, &strict, |_| {}).await;
    let resp = s
        .client
        .post(s.url(url))
        .json(&document)
        .send()
        .await
        .unwrap();
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

/// Item 9: the small ones, each with its control.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_defects_are_fixed() {
    let dist = common::TempDir::new("dist");
    std::fs::write(
        dist.0.join("index.html"),
        "<!doctype html><title>app</title>",
    )
    .unwrap();
    std::fs::write(dist.0.join("a.txt"), "file").unwrap();
    let path = dist.0.clone();
    for mode in [Mode::Embedded, Mode::Proxy] {
        let path = path.clone();
        let s = Server::start_with(mode, TEST_CONFIG, move |c| c.dist = Some(path.clone())).await;

        // A path segment longer than any file name is missing (404), not a server error.
        let long = format!("/{}.txt", "a".repeat(300));
        assert_eq!(s.get(&long).await.status(), 404, "{mode:?}");
        assert_eq!(s.get("/a.txt").await.status(), 200, "{mode:?}");

        // `/api/v2/` is the API, never the app's page.
        for path in ["/api/v2/", "/api/v2"] {
            let resp = s.get(path).await;
            assert_eq!(resp.status(), 200, "{mode:?} {path}");
            assert!(resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"));
            assert_eq!(resp.json::<Value>().await.unwrap()["message"], "👋");
        }

        // The page carries coderd's Referrer-Policy and Permissions-Policy.
        let resp = s.get("/").await;
        assert_eq!(resp.headers()["referrer-policy"], "no-referrer");
        let permissions = resp.headers()["permissions-policy"].to_str().unwrap();
        assert!(permissions.contains("camera=()") && permissions.contains("microphone=()"));
    }

    // 413 is coderd's JSON, not axum's plain text; a body under the limit passes.
    let s = Server::start(Mode::Embedded).await;
    let source = s.log_source("big").await;
    let huge = "x".repeat(3 << 20);
    let resp = s.patch_logs(&source, &[huge]).await;
    assert_eq!(resp.status(), 413);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["message"], "Request body is too large.");
    assert_eq!(s.patch_logs(&source, &["fits".into()]).await.status(), 200);
}

/// Item 9: a terminal message over the size limit ends the socket with a close frame saying
/// why (1009), where it used to vanish; a normal message before it is echoed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_terminal_message_gets_a_close_reason() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let s = Server::start(Mode::Embedded).await;
    let url = s.ws_url(&s.agent_path(&format!(
        "/pty?reconnect={}&width=80&height=24&coder_session_token={SESSION}",
        uuid::Uuid::new_v4()
    )));
    let mut ws = common::ws_connect(&url, &[]).await.unwrap();
    let marker = "echo hardening-$((6*7))\r";
    common::send_text(&mut ws, &json!({ "data": marker }).to_string()).await;
    common::read_until(&mut ws, "hardening-42").await;
    // Sent while reading, as a browser does: the server refuses the message from its header.
    let too_big = vec![b' '; agent_console_server::embedded::terminal::MAX_PTY_MESSAGE + 1];
    let (mut sink, mut stream) = futures_util::StreamExt::split(ws);
    let sending = tokio::spawn(async move { sink.send(Message::binary(too_big)).await });
    loop {
        let next = tokio::time::timeout(std::time::Duration::from_secs(10), stream.next())
            .await
            .expect("no close frame within 10 s");
        match next {
            Some(Ok(Message::Binary(_))) | Some(Ok(Message::Ping(_))) => continue,
            Some(Ok(Message::Close(Some(frame)))) => {
                assert_eq!(u16::from(frame.code), 1009);
                assert!(frame.reason.contains("MiB"), "{}", frame.reason);
                break;
            }
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
    sending.abort();
}

/// Item 2: a startup script printing 3,000,000 empty lines used to be free (the cap counted
/// output bytes only): 266 MB of server memory and a 416 MB `GET …/logs`. Each line is now
/// charged Coder's per-line overhead, so the store stops at 1 MiB / 21 lines and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn millions_of_empty_lines_are_bounded() {
    use agent_console_server::embedded::log_store::{MAX_LOGS_LENGTH, OVERHEAD_PER_LOG};
    let config = TEST_CONFIG.replace(
        "scripts = []",
        "[[scripts]]\ndisplay_name = \"Flood\"\nscript = \"yes '' | head -n 3000000; echo done-flooding >&2\"",
    );
    let s = Server::start_with(Mode::Embedded, &config, |_| {}).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let agent = loop {
        let agent = s.get_json(&s.agent_path(""), 200).await;
        if agent["lifecycle_state"] == "ready" || agent["lifecycle_state"] == "start_error" {
            break agent;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the flood never finished: {agent}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(agent["logs_overflowed"], true, "{agent}");
    let resp = s.get(&s.agent_path("/logs")).await;
    assert_eq!(resp.status(), 200);
    let body = resp.bytes().await.unwrap();
    let logs: Vec<Value> = serde_json::from_slice(&body).unwrap();
    let most = MAX_LOGS_LENGTH / OVERHEAD_PER_LOG;
    assert!(logs.len() <= most, "{} lines kept", logs.len());
    assert!(
        logs.len() > most / 2,
        "the flood is stored up to the cap: {}",
        logs.len()
    );
    assert!(
        body.len() < 16 << 20,
        "GET …/logs answered {} bytes",
        body.len()
    );
}

/// Item 3: coderd's column limits on what agents send: a log source's display name is at most
/// 127 characters (`varchar(127)`), so a 1.9 MB name is refused with coderd's validation shape
/// and `GET /workspaces` stays small; 127 characters (multi-byte ones too) are accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strings_agents_send_are_bounded() {
    let s = Server::start(Mode::Embedded).await;
    let post = |name: String, icon: String| {
        s.agent_req(Method::POST, "/api/v2/workspaceagents/me/log-source")
            .json(&json!({"id": uuid::Uuid::new_v4(), "display_name": name, "icon": icon}))
            .send()
    };
    for _ in 0..3 {
        let resp = post("n".repeat(1_900_000), String::new()).await.unwrap();
        assert_eq!(resp.status(), 400);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["message"], "Validation failed.");
        assert_eq!(body["validations"][0]["field"], "display_name");
    }
    let resp = post("é".repeat(128), String::new()).await.unwrap();
    assert_eq!(resp.status(), 400);
    let resp = post("/icon/x.svg".into(), "i".repeat(4096)).await.unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["validations"][0]["field"],
        "icon"
    );
    let resp = post("é".repeat(127), "/icon/x.svg".into()).await.unwrap();
    assert_eq!(resp.status(), 201, "positive control");
    let workspaces = s.get("/api/v2/workspaces").await.bytes().await.unwrap();
    assert!(workspaces.len() < 64 * 1024, "{} bytes", workspaces.len());
}

/// Item 5: the port forwarder needs sign-in, on loopback too, and a browser gets it through the
/// console: auth-redirect sends a signed-out browser to the sign-in page, gives a signed-in one
/// the port's address with a one-time key, and the forward host turns the key into its own
/// cookie. Addresses that are not this agent's ports are refused (no open redirect).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_ports_sign_in_through_the_console() {
    let s = Server::start(Mode::Embedded).await;
    let app = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app_port = app.local_addr().unwrap().port();
    tokio::spawn(async move {
        let router = axum::Router::new().fallback(|| async { "the app itself" });
        axum::serve(app, router).await.unwrap();
    });
    let host = format!("{app_port}--dev--ws--tester.localhost:{}", s.addr.port());
    let page_url = format!("http://{host}/page?q=1");
    let page = |req: reqwest::RequestBuilder| {
        req.header("Host", &host)
            .header("Accept", "text/html")
            .send()
    };

    // Signed out: the forward host sends the browser to the console...
    let resp = page(s.client.get(s.url("/page?q=1"))).await.unwrap();
    assert_eq!(resp.status(), 303);
    let to_console = resp.headers()["location"].to_str().unwrap().to_owned();
    let encoded: String = url::form_urlencoded::byte_serialize(page_url.as_bytes()).collect();
    assert!(
        to_console.ends_with(&format!(
            "/api/v2/applications/auth-redirect?redirect_uri={encoded}"
        )),
        "{to_console}"
    );
    let auth_path = to_console
        .split_once("/api/")
        .map(|(_, p)| format!("/api/{p}"))
        .unwrap();
    // ...which, without a session, sends it to sign in and come back.
    let resp = s
        .client
        .get(s.url(&auth_path))
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], format!("/signin?app={encoded}"));

    // Signed in (the app asks for JSON): the address with a one-time key.
    let resp = s
        .client
        .get(s.url(&auth_path))
        .header("Accept", "application/json")
        .header("Coder-Session-Token", SESSION)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let answer: coder_api::AuthRedirectResponse = resp.json().await.unwrap();
    let with_key = url::Url::parse(&answer.redirect_uri).unwrap();
    assert_eq!(
        with_key.host_str(),
        Some(format!("{app_port}--dev--ws--tester.localhost").as_str())
    );
    assert!(
        !answer.redirect_uri.contains(SESSION),
        "the console's token stays home"
    );
    let key_path = format!("{}?{}", with_key.path(), with_key.query().unwrap());
    let resp = page(s.client.get(s.url(&key_path))).await.unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/page?q=1");
    let cookie = resp.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert!(
        cookie.starts_with("coder_subdomain_app_session_token_"),
        "{cookie}"
    );
    let resp = page(s.client.get(s.url("/page?q=1")).header("Cookie", &cookie))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "the app itself");
    // The key is spent.
    let resp = page(s.client.get(s.url(&key_path))).await.unwrap();
    assert_eq!(resp.status(), 401);

    // Only this agent's ports: no open redirect through the console.
    for bad in [
        "http://evil.example/".to_owned(),
        format!("http://{app_port}--other--ws--tester.localhost/"),
        format!("javascript:alert(1)//{app_port}--dev--ws--tester.localhost"),
    ] {
        let path = coder_api::routes::applications_auth_redirect(&bad);
        let resp = s
            .client
            .get(s.url(&path))
            .header("Coder-Session-Token", SESSION)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{bad}");
    }
}
