//! Load on the embedded backend (the real binary, on loopback).
//!
//! 1. Log followers (`AGENT_CONSOLE_LOAD_FOLLOWERS`, default 50) and 10 PTY sessions for
//!    `AGENT_CONSOLE_LOAD_SECS` seconds (default 30) while lines are PATCHed continuously. Every
//!    follower must receive every line exactly once and in order, every PTY must echo its
//!    markers, and the server's resident memory must stay bounded.
//! 2. Terminals flooding at once (`AGENT_CONSOLE_LOAD_FLOOD_PTYS`, default 10, each printing
//!    `AGENT_CONSOLE_LOAD_FLOOD_LINES` lines of 17 bytes, default 60,000 ≈ 1 MB): every byte must
//!    arrive, and `/buildinfo` keeps answering meanwhile (its p95 is reported).
//!
//! The figures are printed and written to `target/test-logs/load.json` and `load-flood.json`.
//! The README's figures come from `AGENT_CONSOLE_LOAD_FOLLOWERS=200 AGENT_CONSOLE_LOAD_SECS=20
//! AGENT_CONSOLE_LOAD_FLOOD_PTYS=50 AGENT_CONSOLE_LOAD_FLOOD_LINES=308405` (5 MiB each).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{ws_connect, AGENT, SESSION};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

const BIN: &str = env!("CARGO_BIN_EXE_agent-console");
const PTYS: usize = 10;

/// A count from the environment, else `default`.
fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
/// Growth of the server's resident memory allowed over the run.
const MAX_GROWTH_MB: f64 = 200.0;
/// coderd allows 1 MiB of log output per agent, each line charged its overhead too; stay below it.
const MAX_LOG_BYTES: usize = 900_000;

struct Child_(Child);

impl Drop for Child_ {
    fn drop(&mut self) {
        // Only the process this test started, by its id.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// The release-like server under load: the real binary with no scripts, its own config and data
/// directory, killed when dropped.
struct LoadServer {
    addr: String,
    pid: u32,
    agent_id: String,
    _child: Child_,
    _dir: common::TempDir,
}

impl LoadServer {
    async fn start(name: &str) -> Self {
        let dir = common::TempDir::new(name);
        std::fs::write(dir.0.join("c.toml"), "scripts = []\n").unwrap();
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--dist"])
            .arg(dir.0.join("no-dist"))
            .args([
                "--session-token",
                SESSION,
                "--agent-token",
                AGENT,
                "--config",
            ])
            .arg(dir.0.join("c.toml"))
            .arg("--data-dir")
            .arg(dir.0.join("data"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        let addr = first[first.find("http://").unwrap() + 7..]
            .trim()
            .trim_end_matches('/')
            .to_owned();
        let pid = child.id();
        let agent_id = common::first_agent_id(&format!("http://{addr}"), SESSION).await;
        LoadServer {
            addr,
            pid,
            agent_id,
            _child: Child_(child),
            _dir: dir,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followers_and_terminals_stay_exact_and_bounded() {
    let secs = env_or("AGENT_CONSOLE_LOAD_SECS", 30) as u64;
    let followers_n = env_or("AGENT_CONSOLE_LOAD_FOLLOWERS", 50);
    let server = LoadServer::start("load").await;
    let (addr, pid, agent_id) = (server.addr.clone(), server.pid, server.agent_id.clone());
    let client = reqwest::Client::new();
    let base = format!("http://{addr}");
    let source = uuid::Uuid::new_v4().to_string();
    let resp = client
        .post(format!("{base}/api/v2/workspaceagents/me/log-source"))
        .header("Coder-Session-Token", AGENT)
        .json(&json!({"id": source, "display_name": "load", "icon": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let rss_start = rss_mb(pid);

    // Followers: collect our source's outputs until "END".
    let follow_url = format!(
        "ws://{addr}/api/v2/workspaceagents/{agent_id}/logs?follow&after=0&coder_session_token={SESSION}"
    );
    let mut followers = Vec::new();
    for _ in 0..followers_n {
        let mut sock = ws_connect(&follow_url, &[]).await.unwrap();
        followers.push(tokio::spawn(async move {
            let mut outputs: Vec<String> = Vec::new();
            let mut last_id = 0i64;
            loop {
                let msg = tokio::time::timeout(Duration::from_secs(30), sock.next())
                    .await
                    .expect("a follower waited 30 s for a frame");
                let text = match msg {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    other => panic!("follower got {other:?} after {} lines", outputs.len()),
                };
                let batch: Vec<Value> = serde_json::from_str(text.as_str()).unwrap();
                for l in batch {
                    let id = l["id"].as_i64().unwrap();
                    assert!(id > last_id, "ids in order: {id} after {last_id}");
                    last_id = id;
                    let o = l["output"].as_str().unwrap().to_owned();
                    if o == "END" {
                        return outputs;
                    }
                    outputs.push(o);
                }
            }
        }));
    }

    // Terminals: each prints its own marker again and again and must read it back.
    let stop = Arc::new(AtomicBool::new(false));
    let mut ptys = Vec::new();
    for i in 0..PTYS {
        let url = format!(
            "ws://{addr}/api/v2/workspaceagents/{agent_id}/pty?reconnect={}&width=120&height=40&coder_session_token={SESSION}",
            uuid::Uuid::new_v4()
        );
        let mut sock = ws_connect(&url, &[]).await.unwrap();
        let stop = stop.clone();
        ptys.push(tokio::spawn(async move {
            let mut rtts = Vec::new();
            let mut k = 0u64;
            let mut seen = String::new();
            while !stop.load(Ordering::Relaxed) {
                k += 1;
                // The command line itself does not contain the marker, only its output does.
                let marker = format!("mark{i}x{k}y");
                let cmd = format!("printf 'mark%sx%sy\\n' {i} {k}\r");
                let t = Instant::now();
                sock.send(Message::Text(json!({ "data": cmd }).to_string().into()))
                    .await
                    .unwrap();
                loop {
                    let msg = tokio::time::timeout(Duration::from_secs(10), sock.next())
                        .await
                        .unwrap_or_else(|_| panic!("pty {i}: no {marker} within 10 s"));
                    match msg {
                        Some(Ok(Message::Binary(b))) => seen.push_str(&String::from_utf8_lossy(&b)),
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                        other => panic!("pty {i}: {other:?}"),
                    }
                    if let Some(at) = seen.find(&marker) {
                        seen.drain(..at + marker.len());
                        break;
                    }
                }
                rtts.push(t.elapsed().as_secs_f64() * 1000.0);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            rtts
        }));
    }

    // Memory sampler.
    let peak = Arc::new(AtomicU64::new(rss_start.to_bits()));
    let sampler = {
        let (peak, stop) = (peak.clone(), stop.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let now = rss_mb(pid);
                if now > f64::from_bits(peak.load(Ordering::Relaxed)) {
                    peak.store(now.to_bits(), Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        })
    };

    // The writer: batches of 20 lines every 10 ms until the time is up.
    let started = Instant::now();
    let deadline = started + Duration::from_secs(secs);
    let mut sent: Vec<String> = Vec::new();
    let mut bytes = 0usize;
    let mut patches = 0u64;
    while Instant::now() < deadline && bytes < MAX_LOG_BYTES {
        let lines: Vec<Value> = (0..20)
            .map(|j| {
                let o = format!("L{:06}", sent.len() + j);
                json!({"created_at": chrono::Utc::now(), "level": "info", "output": o})
            })
            .collect();
        let resp = client
            .patch(format!("{base}/api/v2/workspaceagents/me/logs"))
            .header("Coder-Session-Token", AGENT)
            .json(&json!({"log_source_id": source, "logs": lines}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            200,
            "{}",
            resp.text().await.unwrap_or_default()
        );
        for l in &lines {
            let o = l["output"].as_str().unwrap().to_owned();
            bytes += o.len() + agent_console_server::embedded::log_store::OVERHEAD_PER_LOG;
            sent.push(o);
        }
        patches += 1;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let resp = client
        .patch(format!("{base}/api/v2/workspaceagents/me/logs"))
        .header("Coder-Session-Token", AGENT)
        .json(&json!({"log_source_id": source, "logs": [{"output": "END"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    stop.store(true, Ordering::Relaxed);

    for (n, f) in followers.into_iter().enumerate() {
        let got = tokio::time::timeout(Duration::from_secs(15), f)
            .await
            .expect("follower finished")
            .unwrap();
        assert_eq!(got.len(), sent.len(), "follower {n}: line count");
        assert!(
            got == sent,
            "follower {n}: lines differ (lost, doubled or reordered)"
        );
    }
    let mut rtts = Vec::new();
    for (i, p) in ptys.into_iter().enumerate() {
        let r = tokio::time::timeout(Duration::from_secs(15), p)
            .await
            .expect("pty task finished")
            .unwrap();
        assert!(!r.is_empty(), "pty {i} echoed nothing");
        rtts.extend(r);
    }
    sampler.await.unwrap();
    let rss_end = rss_mb(pid);
    let rss_peak = f64::from_bits(peak.load(Ordering::Relaxed)).max(rss_end);
    rtts.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let report = json!({
        "seconds": elapsed,
        "followers": followers_n,
        "ptys": PTYS,
        "lines": sent.len(),
        "patches": patches,
        "lines_per_s": sent.len() as f64 / elapsed,
        "lines_delivered": sent.len() * followers_n,
        "pty_round_trips": rtts.len(),
        "pty_rtt_p50_ms": percentile(&rtts, 0.5),
        "pty_rtt_p95_ms": percentile(&rtts, 0.95),
        "rss_start_mb": rss_start,
        "rss_peak_mb": rss_peak,
        "rss_end_mb": rss_end,
        "rss_growth_mb": rss_peak - rss_start,
    });
    println!("load: {report:#}");
    let dir = common::repo_root().join("target/test-logs");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("load.json"), format!("{report:#}\n"));
    assert!(
        sent.len() > 100,
        "the writer wrote too little: {}",
        sent.len()
    );
    assert!(
        rss_peak - rss_start < MAX_GROWTH_MB,
        "server memory grew {:.1} MB (start {rss_start:.1} MB, peak {rss_peak:.1} MB)",
        rss_peak - rss_start
    );
}

/// Terminals flooding at once: every byte of every one arrives, and the server keeps answering
/// `/buildinfo` meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flooding_terminals_deliver_every_byte() {
    const LINE: &str = "abcdefghijklmnop"; // 16 bytes, 17 with the newline (18 through the PTY)
    let ptys = env_or("AGENT_CONSOLE_LOAD_FLOOD_PTYS", 10);
    let lines = env_or("AGENT_CONSOLE_LOAD_FLOOD_LINES", 60_000);
    let server = LoadServer::start("flood").await;
    let (addr, agent_id) = (server.addr.clone(), server.agent_id.clone());
    let client = reqwest::Client::new();
    let base = format!("http://{addr}");
    let started = Instant::now();
    let mut floods = Vec::new();
    for i in 0..ptys {
        // The command prints the lines, then a marker the command line itself does not contain.
        let command = format!("yes {LINE} | head -n {lines}; printf 'fl%sod-done\\n' {i}");
        let url = format!(
            "ws://{addr}/api/v2/workspaceagents/{agent_id}/pty?reconnect={}&width=80&height=24&command={}&coder_session_token={SESSION}",
            uuid::Uuid::new_v4(),
            url::form_urlencoded::byte_serialize(command.as_bytes()).collect::<String>()
        );
        let mut sock = ws_connect(&url, &[]).await.unwrap();
        floods.push(tokio::spawn(async move {
            let done = format!("fl{i}od-done");
            let needle = format!("{LINE}\r\n");
            let (mut count, mut bytes, mut tail) = (0usize, 0usize, String::new());
            loop {
                let msg = tokio::time::timeout(Duration::from_secs(60), sock.next())
                    .await
                    .unwrap_or_else(|_| panic!("pty {i}: stalled after {bytes} bytes"));
                match msg {
                    Some(Ok(Message::Binary(b))) => {
                        bytes += b.len();
                        tail.push_str(&String::from_utf8_lossy(&b));
                        count += tail.matches(&needle).count();
                        if tail.contains(&done) {
                            return (count, bytes);
                        }
                        // Keep only what may start a line split across frames.
                        let keep = tail.rfind('\n').map_or(0, |at| at + 1);
                        tail.drain(..keep);
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    other => panic!("pty {i}: {other:?} after {bytes} bytes"),
                }
            }
        }));
    }
    // /buildinfo while the terminals flood.
    let mut latencies = Vec::new();
    while floods.iter().any(|f| !f.is_finished()) {
        let t = Instant::now();
        let status = client
            .get(format!("{base}/api/v2/buildinfo"))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200);
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut total = 0usize;
    for (i, f) in floods.into_iter().enumerate() {
        let (count, bytes) = f.await.unwrap();
        assert_eq!(count, lines, "pty {i}: every line arrives");
        total += bytes;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let report = json!({
        "ptys": ptys,
        "lines_each": lines,
        "bytes_delivered": total,
        "seconds": elapsed,
        "mb_per_s": total as f64 / elapsed / 1e6,
        "buildinfo_requests": latencies.len(),
        "buildinfo_p50_ms": percentile(&latencies, 0.5),
        "buildinfo_p95_ms": percentile(&latencies, 0.95),
    });
    println!("flood: {report:#}");
    let dir = common::repo_root().join("target/test-logs");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("load-flood.json"), format!("{report:#}\n"));
}
