//! Port forwarding of the embedded backend: a port the test opens is reached through its
//! `{port}--{agent}--{workspace}--{user}.localhost` host.

mod common;

use common::{Mode, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A tiny HTTP server answering every request with its own port and the request line.
async fn app_server() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]);
                let line = head.lines().next().unwrap_or("").to_owned();
                let body = format!("app on {port}: {line}");
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(resp.as_bytes()).await;
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_host_reaches_the_port() {
    let s = Server::start(Mode::Embedded).await;
    let port = app_server().await;
    // The port shows in listening-ports...
    let ports = s.get_json(&s.agent_path("/listening-ports"), 200).await;
    assert!(ports["ports"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["port"] == port));
    // ...and its forward host reaches it, signed in (as coderd, even on loopback).
    let host = format!("{port}--dev--ws--tester.localhost:{}", s.addr.port());
    let anonymous = s
        .client
        .get(s.url("/hello?x=1"))
        .header("Host", &host)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let resp = s
        .client
        .get(s.url("/hello?x=1"))
        .header("Host", &host)
        .header("Coder-Session-Token", common::SESSION)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    assert_eq!(text, format!("app on {port}: GET /hello?x=1 HTTP/1.1"));
    // Not the console's CSP: the app answers for itself.
    // Other names, refused ports.
    let other = format!("{port}--other--ws--tester.localhost");
    assert_eq!(
        s.client
            .get(s.url("/"))
            .header("Host", other)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let ssh = "22--dev--ws--tester.localhost";
    assert_eq!(
        s.client
            .get(s.url("/"))
            .header("Host", ssh)
            .send()
            .await
            .unwrap()
            .status(),
        400
    );
    // A plain localhost Host is the console itself.
    let resp = s
        .client
        .get(s.url("/api/v2/buildinfo"))
        .header("Host", format!("localhost:{}", s.addr.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_mode_does_not_forward_ports() {
    let s = Server::start(Mode::Proxy).await;
    let port = app_server().await;
    let host = format!("{port}--dev--ws--tester.localhost");
    let resp = s
        .client
        .get(s.url("/api/v2/buildinfo"))
        .header("Host", host)
        .send()
        .await
        .unwrap();
    // Proxied to coderd (here the embedded upstream) as an API call, not to the port.
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.unwrap().contains("agent_api_version"));
}
