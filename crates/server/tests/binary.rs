//! The `agent-console` binary itself: its banner, the loopback rule, clean shutdown, and that
//! tokens never reach its log output.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_agent-console");

fn config_file() -> common::TempDir {
    let dir = common::TempDir::new("cfg");
    std::fs::write(dir.0.join("config.toml"), "scripts = []\n").unwrap();
    dir
}

/// Starts `agent-console serve` with `args`; returns the child and its banner lines.
fn spawn(args: &[&str]) -> (Child, Vec<String>) {
    spawn_with_env(args, &[])
}

/// [`spawn`] with extra environment variables. The agent's data directory is `data` beside the
/// `--config` file (each test has its own), unless the test gives `--data-dir` itself.
fn spawn_with_env(args: &[&str], env: &[(&str, &str)]) -> (Child, Vec<String>) {
    let config = args
        .iter()
        .position(|a| *a == "--config")
        .map(|i| std::path::Path::new(args[i + 1]).with_file_name("data"));
    let data_dir: Vec<String> = match config {
        Some(dir) if !args.contains(&"--data-dir") => {
            vec!["--data-dir".into(), dir.display().to_string()]
        }
        _ => Vec::new(),
    };
    let mut child = Command::new(BIN)
        .arg("serve")
        .args(args)
        .args(&data_dir)
        .envs(env.iter().copied())
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut banner = Vec::new();
    for _ in 0..3 {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        banner.push(line.trim_end().to_owned());
    }
    (child, banner)
}

fn terminate(child: &Child) {
    // Only the process this test started, by its id.
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > within {
            let _ = child.kill();
            panic!("agent-console did not exit within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn addr_of(banner: &[String]) -> String {
    let first = &banner[0];
    let start = first.find("http://").unwrap() + "http://".len();
    first[start..].trim_end_matches('/').to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prints_a_sign_in_link_and_keeps_tokens_out_of_the_log() {
    let cfg = config_file();
    let cfg_path = cfg.0.join("config.toml");
    let session = "sess-0123456789-abcdefghijklmnopqrstuv";
    let agent = "0d6f1f2e-3a4b-4c5d-8e9f-a0b1c2d3e4f5";
    let (mut child, banner) = spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--session-token",
        session,
        "--agent-token",
        agent,
        "--config",
        cfg_path.to_str().unwrap(),
        "--dist",
        "/nonexistent",
    ]);
    let addr = addr_of(&banner);
    // Supplied tokens are not printed (issue 15, item 8): the operator has them.
    assert_eq!(
        banner[1],
        format!("Sign in: http://{addr}/ with the session token you supplied")
    );
    assert!(!banner[2].contains(agent), "{}", banner[2]);

    let client = reqwest::Client::new();
    let base = format!("http://{addr}");
    let ws: serde_json::Value = client
        .get(format!(
            "{base}/api/v2/workspaces?coder_session_token={session}"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let agent_id = ws["workspaces"][0]["latest_build"]["resources"][0]["agents"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for req in [
        client
            .get(format!("{base}/api/v2/users/me"))
            .header("Coder-Session-Token", session),
        client
            .get(format!("{base}/api/v2/users/me"))
            .header("Cookie", format!("coder_session_token={session}")),
        client
            .get(format!("{base}/api/v2/users/me"))
            .header("Authorization", format!("Bearer {session}")),
        client.get(format!(
            "{base}/api/v2/users/me?coder_session_token=wrong-{session}"
        )),
        client
            .get(format!("{base}/api/v2/workspaceagents/me/gitsshkey"))
            .header("Coder-Session-Token", agent),
    ] {
        req.send().await.unwrap();
    }
    // A WebSocket with the token in its query, open while the server shuts down.
    let url = format!(
        "ws://{addr}/api/v2/workspaceagents/{agent_id}/logs?follow&coder_session_token={session}"
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let first = common::next_msg(&mut socket).await;
    assert!(matches!(
        first,
        Some(tokio_tungstenite::tungstenite::Message::Text(_))
    ));

    terminate(&child);
    let status = wait_exit(&mut child, Duration::from_secs(10));
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(
        log.contains("GET /api/v2/users/me 200"),
        "requests are logged: {log}"
    );
    assert!(
        log.contains(&format!("GET /api/v2/workspaceagents/{agent_id}/logs 101")),
        "{log}"
    );
    assert!(
        !log.contains(session),
        "session token leaked into the log: {log}"
    );
    assert!(
        !log.contains(agent),
        "agent token leaked into the log: {log}"
    );
    assert!(
        !log.contains("coder_session_token="),
        "query strings are not logged: {log}"
    );
}

/// Like Coder's agent, shutting down runs the `run_on_stop` scripts (and only then).
#[test]
fn sigterm_runs_the_stop_scripts_before_exiting() {
    let dir = common::TempDir::new("stop");
    let marker = dir.0.join("stopped");
    std::fs::write(
        dir.0.join("config.toml"),
        format!(
            "[[scripts]]\ndisplay_name = \"Save state\"\nscript = \"sleep 0.3; echo saved > '{}'\"\nrun_on_start = false\nrun_on_stop = true\n",
            marker.display()
        ),
    )
    .unwrap();
    let config = dir.0.join("config.toml");
    let (mut child, _banner) = spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--config",
        config.to_str().unwrap(),
    ]);
    std::thread::sleep(Duration::from_millis(300));
    assert!(!marker.exists(), "a stop script does not run at start");
    terminate(&child);
    let status = wait_exit(&mut child, Duration::from_secs(20));
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "saved\n");
}

#[test]
fn generates_tokens_when_none_are_given() {
    let cfg = config_file();
    let (mut child, banner) = spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--config",
        cfg.0.join("config.toml").to_str().unwrap(),
    ]);
    let token = banner[1].rsplit("#token=").next().unwrap();
    let (id, secret) = token.split_once('-').unwrap();
    assert_eq!((id.len(), secret.len()), (10, 22), "{token}");
    let agent = banner[2].rsplit(' ').next().unwrap();
    assert!(uuid::Uuid::parse_str(agent).is_ok(), "{agent}");
    terminate(&child);
    assert!(wait_exit(&mut child, Duration::from_secs(10)).success());
}

#[test]
fn refuses_a_non_loopback_address_without_tokens() {
    for args in [
        vec!["--listen", "0.0.0.0:0"],
        vec!["--listen", "0.0.0.0:0", "--session-token", "only-one"],
    ] {
        let out = Command::new(BIN).arg("serve").args(&args).output().unwrap();
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("refusing to listen on non-loopback address"),
            "{err}"
        );
    }
}

#[test]
fn rejects_bad_flags() {
    for args in [
        vec!["--coder-url", "ftp://x"],
        vec!["--base-path", "/a b"],
        vec!["--frame-ancestors", "'self'; script-src *"],
        vec!["--config", "/nonexistent/agent-console.toml"],
    ] {
        let out = Command::new(BIN)
            .arg("serve")
            .arg("--listen")
            .arg("127.0.0.1:0")
            .args(&args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
    }
}

/// Issue 15, item 8: tokens given in the environment are not inherited by scripts, metadata
/// scripts (issue 17) or terminal shells (nor is a copy exported under another name); tokens
/// given in files stay out of `ps` and the banner, and work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_stay_out_of_children_ps_and_the_banner() {
    use tokio_tungstenite::tungstenite::Message;
    let dir = common::TempDir::new("tokens");
    let env_dump = dir.0.join("script-env");
    let metadata_dump = dir.0.join("metadata-env");
    std::fs::write(
        dir.0.join("config.toml"),
        format!(
            "[[scripts]]\ndisplay_name = \"Dump\"\nscript = \"env > '{}'\"\n\
             [[metadata]]\nkey = \"env\"\nscript = \"env > '{}'\"\ninterval = 0\n",
            env_dump.display(),
            metadata_dump.display()
        ),
    )
    .unwrap();
    let session = "envsess-0123456789-abcdefghijklmnopqrstuv";
    let agent = "7e1d3c2b-4a5f-4e6d-9c8b-a7f6e5d4c3b2";
    let (mut child, banner) = spawn_with_env(
        &[
            "--listen",
            "127.0.0.1:0",
            "--config",
            dir.0.join("config.toml").to_str().unwrap(),
        ],
        &[
            ("AGENT_CONSOLE_SESSION_TOKEN", session),
            ("AGENT_CONSOLE_AGENT_TOKEN", agent),
            ("MY_COPY_OF_THE_TOKEN", session),
            ("HARMLESS_MARKER", "visible-to-children"),
        ],
    );
    let addr = addr_of(&banner);
    assert!(
        banner
            .iter()
            .all(|l| !l.contains(session) && !l.contains(agent)),
        "{banner:?}"
    );

    // A child's environment: the harmless variable (positive control), no token.
    let inherited_nothing_secret = |child_env: &str| {
        assert!(
            child_env.contains("HARMLESS_MARKER=visible-to-children"),
            "positive control: {child_env}"
        );
        assert!(
            !child_env.contains(session) && !child_env.contains(agent),
            "{child_env}"
        );
    };

    // The environments of the startup script and of the metadata script.
    for dump in [&env_dump, &metadata_dump] {
        let start = Instant::now();
        let script_env = loop {
            match std::fs::read_to_string(dump) {
                Ok(text) if text.contains("HARMLESS_MARKER") => break text,
                _ if start.elapsed() > Duration::from_secs(10) => {
                    panic!("{} was never written", dump.display())
                }
                _ => std::thread::sleep(Duration::from_millis(50)),
            }
        };
        inherited_nothing_secret(&script_env);
    }

    // A terminal shell's environment.
    let client = reqwest::Client::new();
    let agent_id = common::first_agent_id(&format!("http://{addr}"), session).await;
    let url = format!(
        "ws://{addr}/api/v2/workspaceagents/{agent_id}/pty?reconnect={}&width=200&height=50&command=env&coder_session_token={session}",
        uuid::Uuid::new_v4()
    );
    let mut ws = common::ws_connect(&url, &[]).await.unwrap();
    let mut shell_env = String::new();
    while let Some(Message::Binary(b)) = common::next_msg(&mut ws).await {
        shell_env.push_str(&String::from_utf8_lossy(&b));
    }
    inherited_nothing_secret(&shell_env);
    terminate(&child);
    assert!(wait_exit(&mut child, Duration::from_secs(10)).success());

    // Token files: not in the command line, not in the banner, and they work.
    let session_file = dir.0.join("session");
    let agent_file = dir.0.join("agent");
    std::fs::write(&session_file, format!("{session}\n")).unwrap();
    std::fs::write(&agent_file, agent).unwrap();
    let plain = config_file();
    let (mut child, banner) = spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--config",
        plain.0.join("config.toml").to_str().unwrap(),
        "--session-token-file",
        session_file.to_str().unwrap(),
        "--agent-token-file",
        agent_file.to_str().unwrap(),
    ]);
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", child.id())).unwrap();
    let cmdline = String::from_utf8_lossy(&cmdline);
    assert!(cmdline.contains("--session-token-file"), "{cmdline}");
    assert!(
        !cmdline.contains(session) && !cmdline.contains(agent),
        "{cmdline}"
    );
    assert!(
        banner
            .iter()
            .all(|l| !l.contains(session) && !l.contains(agent)),
        "{banner:?}"
    );
    let addr = addr_of(&banner);
    for (path, token) in [
        ("/api/v2/users/me", session),
        ("/api/v2/workspaceagents/me/gitsshkey", agent),
    ] {
        let status = client
            .get(format!("http://{addr}{path}"))
            .header("Coder-Session-Token", token)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200, "{path}");
    }
    terminate(&child);
    assert!(wait_exit(&mut child, Duration::from_secs(10)).success());
}

/// Issue 15, item 4: under a low open-file limit, 300 sockets that send half a request no longer
/// make `/healthz` wait for them: the server raises its soft limit to the hard one, caps its
/// connections below it, and drops a client that has not sent its headers (or, kept alive, its
/// next request) within the header timeout, and a request body that stalls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_do_not_starve_the_server() {
    use agent_console_server::listen::{BODY_TIMEOUT, HEADER_TIMEOUT};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let cfg = config_file();
    let config = cfg.0.join("config.toml");
    let mut child = Command::new("sh")
        .args(["-c", "ulimit -Sn 256 && exec \"$0\" \"$@\"", BIN, "serve"])
        .args(["--listen", "127.0.0.1:0", "--config"])
        .arg(&config)
        .arg("--data-dir")
        .arg(cfg.0.join("data"))
        .args(["--agent-token", "2f1e0d9c-8b7a-4654-8321-0fedcba98765"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let addr = addr_of(&[first.trim_end().to_owned()]);

    // 300 half requests, held open.
    let mut slow = Vec::new();
    for _ in 0..300 {
        let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
        tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            .await
            .unwrap();
        slow.push(tcp);
    }
    // A body that stalls after 10 of its 1,000 bytes.
    let mut stalled = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stalled
        .write_all(b"PATCH /api/v2/workspaceagents/me/logs HTTP/1.1\r\nHost: 127.0.0.1\r\nCoder-Session-Token: 2f1e0d9c-8b7a-4654-8321-0fedcba98765\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"logs\": [")
        .await
        .unwrap();

    let client = reqwest::Client::builder()
        .timeout(HEADER_TIMEOUT / 2)
        .build()
        .unwrap();
    let health = client.get(format!("http://{addr}/healthz")).send().await;
    assert_eq!(
        health
            .expect("/healthz answers with 300 slow sockets open")
            .status(),
        200
    );

    // Each half request is dropped by the server (EOF), not held forever.
    let closed = futures_util::future::join_all(slow.iter_mut().map(|tcp| async move {
        let mut buf = [0u8; 64];
        tokio::time::timeout(HEADER_TIMEOUT * 3, tcp.read(&mut buf)).await
    }))
    .await;
    let held = closed.iter().filter(|r| r.is_err()).count();
    assert_eq!(
        held,
        0,
        "{held} of 300 half requests still open after {:?}",
        HEADER_TIMEOUT * 3
    );

    // The stalled body fails once it has sent nothing for the body timeout.
    let mut answer = Vec::new();
    let read = tokio::time::timeout(BODY_TIMEOUT * 2, stalled.read_to_end(&mut answer)).await;
    assert!(
        read.is_ok(),
        "a stalled body is still held after {:?}",
        BODY_TIMEOUT * 2
    );
    let answer = String::from_utf8_lossy(&answer);
    assert!(!answer.starts_with("HTTP/1.1 200"), "{answer}");

    // And the server still answers.
    let health = client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    terminate(&child);
    assert!(wait_exit(&mut child, Duration::from_secs(10)).success());
}

/// Log frames of a follow socket, as (id, output), until one has the output `marker`.
async fn read_until(ws: &mut common::Ws, marker: &str) -> Vec<(i64, String)> {
    use tokio_tungstenite::tungstenite::Message;
    let mut lines: Vec<(i64, String)> = Vec::new();
    while !lines.iter().any(|(_, o)| o == marker) {
        match common::next_msg(ws).await {
            Some(Message::Text(t)) => {
                let batch: Vec<serde_json::Value> = serde_json::from_str(t.as_str()).unwrap();
                lines.extend(batch.iter().map(|l| {
                    (
                        l["id"].as_i64().unwrap(),
                        l["output"].as_str().unwrap().to_owned(),
                    )
                }));
            }
            other => panic!("expected a frame, got {other:?}"),
        }
    }
    lines
}

/// Issue 15, item 7: a restart keeps the agent's id and its logs (SQLite in the data directory),
/// and a follower that was at line N gets, after the restart, exactly the lines after N: those
/// written while it was not reading, then the new run's, none lost or doubled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_keeps_the_agent_and_its_logs() {
    let dir = common::TempDir::new("restart");
    let config = dir.0.join("config.toml");
    std::fs::write(
        &config,
        "[[scripts]]\ndisplay_name = \"Hello\"\nscript = \"echo hello-from-a-run\"\n",
    )
    .unwrap();
    let session = "restart-0123456789-abcdefghijklmnopqrstu";
    let agent = "3c2b1a09-8f7e-4d6c-9b5a-493827160504";
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--config",
        config.to_str().unwrap(),
        "--session-token",
        session,
        "--agent-token",
        agent,
    ];
    let client = reqwest::Client::new();
    let agent_id = |addr: String| async move {
        common::first_agent_id(&format!("http://{addr}"), session).await
    };
    let patch = |addr: String, lines: Vec<String>| {
        let client = client.clone();
        async move {
            let logs: Vec<serde_json::Value> = lines
                .iter()
                .map(|l| serde_json::json!({"created_at": chrono::Utc::now(), "output": l}))
                .collect();
            let status = client
                .patch(format!("http://{addr}/api/v2/workspaceagents/me/logs"))
                .header("Coder-Session-Token", agent)
                .json(&serde_json::json!({ "logs": logs }))
                .send()
                .await
                .unwrap()
                .status();
            assert_eq!(status, 200);
        }
    };
    let outputs_after = |addr: String, id: String, after: i64| async move {
        let url = format!(
            "ws://{addr}/api/v2/workspaceagents/{id}/logs?follow&after={after}&coder_session_token={session}"
        );
        common::ws_connect(&url, &[]).await.unwrap()
    };
    // First run: the script's line and 100 of ours, followed.
    let (child, banner) = spawn(&args);
    let addr = addr_of(&banner);
    let id = agent_id(addr.clone()).await;
    let build = |addr: String| async move {
        let list =
            common::get_value(&format!("http://{addr}"), "/api/v2/workspaces", session).await;
        let b = &list["workspaces"][0]["latest_build"];
        (
            b["id"].as_str().unwrap().to_owned(),
            b["build_number"].as_i64().unwrap(),
        )
    };
    let timings = |addr: String, build: String| {
        let client = client.clone();
        async move {
            let resp = client
                .get(format!(
                    "http://{addr}/api/v2/workspacebuilds/{build}/timings"
                ))
                .header("Coder-Session-Token", session)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
            resp.json::<coder_api::WorkspaceBuildTimings>()
                .await
                .unwrap()
        }
    };
    let (first_build, first_number) = build(addr.clone()).await;
    let first: Vec<String> = (0..100).map(|i| format!("first-{i:03}")).collect();
    patch(addr.clone(), first.clone()).await;
    let mut follower = outputs_after(addr.clone(), id.clone(), 0).await;
    let seen = read_until(&mut follower, "first-099").await;
    let cursor = seen.last().unwrap().0;
    // 50 more the follower does not read before the server stops.
    let late: Vec<String> = (0..50).map(|i| format!("late-{i:03}")).collect();
    patch(addr.clone(), late.clone()).await;
    terminate(&child);
    let mut child = child;
    assert!(wait_exit(&mut child, Duration::from_secs(20)).success());
    drop(follower);

    // Second run on the same data directory: the same agent, its lines kept, ids continued.
    let (mut child, banner) = spawn(&args);
    let addr = addr_of(&banner);
    assert_eq!(agent_id(addr.clone()).await, id, "the agent keeps its id");
    let mut follower = outputs_after(addr.clone(), id.clone(), cursor).await;
    patch(addr.clone(), vec!["second-run-marker".into()]).await;
    let resumed = read_until(&mut follower, "second-run-marker").await;
    let outputs: Vec<&str> = resumed.iter().map(|(_, o)| o.as_str()).collect();
    let late_seen: Vec<&str> = outputs
        .iter()
        .copied()
        .filter(|o| o.starts_with("late-"))
        .collect();
    assert_eq!(
        late_seen,
        late.iter().map(String::as_str).collect::<Vec<_>>(),
        "nothing lost"
    );
    assert!(
        outputs.iter().all(|o| !o.starts_with("first-")),
        "nothing doubled: {outputs:?}"
    );
    assert_eq!(
        outputs.iter().filter(|o| **o == "hello-from-a-run").count(),
        1,
        "the second run's script line, once: {outputs:?}"
    );
    let ids: Vec<i64> = resumed.iter().map(|(i, _)| *i).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]) && ids[0] > cursor,
        "{ids:?}"
    );
    // The REST backlog holds both runs.
    let all = common::get_value(
        &format!("http://{addr}"),
        &format!("/api/v2/workspaceagents/{id}/logs"),
        session,
    )
    .await;
    let all = all.as_array().expect("a JSON array of logs");
    assert!(all.iter().any(|l| l["output"] == "first-000"));
    assert_eq!(
        all.iter()
            .filter(|l| l["output"] == "hello-from-a-run")
            .count(),
        2,
        "one script line per run"
    );
    // Each start is a build of its own; the first one's script run is still answered.
    let (second_build, second_number) = build(addr.clone()).await;
    assert_ne!(second_build, first_build);
    assert_eq!(second_number, first_number + 1);
    let earlier = timings(addr.clone(), first_build).await;
    assert_eq!(earlier.agent_script_timings.len(), 1, "{earlier:?}");
    assert_eq!(earlier.agent_script_timings[0].display_name, "Hello");
    assert_eq!(
        earlier.agent_script_timings[0].status,
        coder_api::WorkspaceAgentScriptStatus::Ok
    );
    terminate(&child);
    assert!(wait_exit(&mut child, Duration::from_secs(20)).success());
}
