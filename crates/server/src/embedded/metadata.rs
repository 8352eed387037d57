//! Live agent metadata of the embedded agent, collected for real and served as coderd serves it.
//!
//! Items come from the config file (`[[metadata]]` tables, see [`MetadataConfig`]) or, without
//! any, from [`default_metadata`], which measures this machine. Each item's script runs on its
//! interval the way the `[[scripts]]` run ([`super::scripts::shell_command`]: same shell, same
//! directory, no token variables), is killed at its timeout, and its output becomes the value
//! under coderd's limits ([`WorkspaceAgentMetadataResult::collected`]).
//!
//! Results are published on a watch channel at most once a second while they change, and every
//! 5 s regardless so `age` stays current (coderd's cadence). The routes
//! `GET /workspaceagents/{id}/watch-metadata-ws` (one JSON envelope per TEXT frame) and
//! `GET /workspaceagents/{id}/watch-metadata` (`text/event-stream`) send what it holds.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use coder_api::{
    ServerSentEvent, ServerSentEventType, WorkspaceAgentMetadata,
    WorkspaceAgentMetadataDescription, WorkspaceAgentMetadataResult,
};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt as _;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::scripts::{kill_tree, remove_temp, shell_command, RunOptions};
use super::ws::{self, HEARTBEAT};
use super::Embedded;
use crate::error::ApiError;

/// The most output kept from one collection (Coder's agent: 10 KiB); the rest is read and
/// dropped, so a chatty script never blocks on a full pipe.
pub const OUTPUT_LIMIT: usize = 10 << 10;

/// How often results may go out while they change (coderd: every second).
const SEND_INTERVAL: Duration = Duration::from_secs(1);
/// The longest time without an event, so `age` stays current (coderd: 5 s).
const REFRESH_INTERVAL: Duration = Duration::from_secs(5);

/// One item, as written in the config file (the fields of a template's `metadata` block):
///
/// ```toml
/// [[metadata]]
/// display_name = "Open files"   # optional
/// key = "open_files"            # unique
/// script = "lsof | wc -l"
/// interval = 10                 # seconds between collections; 0: once, at start
/// timeout = 2                   # seconds; 0: the interval, else 3 (Coder's agent)
/// order = 1                     # optional: lower first, then by key
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetadataConfig {
    /// Label for people.
    #[serde(default)]
    pub display_name: String,
    /// Identity of the item (unique).
    pub key: String,
    /// Shell text, run with `/bin/sh -c`; a script starting with `#!` runs with that interpreter.
    pub script: String,
    /// Seconds between collections; 0 collects once.
    pub interval: u64,
    /// Seconds a collection may take; 0 means Coder's agent's default ([`Self::timeout`]).
    #[serde(default)]
    pub timeout: u64,
    /// Position among the items: lower first, equal orders by key.
    #[serde(default)]
    pub order: i64,
}

impl MetadataConfig {
    /// The time a collection may take: `timeout`, else the interval, else 3 s (three times
    /// Coder's agent's report interval of 1 s).
    pub fn timeout(&self) -> Duration {
        let secs = match (self.timeout, self.interval) {
            (0, 0) => 3,
            (0, interval) => interval,
            (timeout, _) => timeout,
        };
        Duration::from_secs(secs)
    }

    /// The wire description.
    pub fn description(&self) -> WorkspaceAgentMetadataDescription {
        let seconds = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        WorkspaceAgentMetadataDescription {
            display_name: self.display_name.clone(),
            key: self.key.clone(),
            script: self.script.clone(),
            interval: seconds(self.interval),
            timeout: seconds(self.timeout),
        }
    }
}

/// Checks the items as coderd and its provider would: keys present and unique, names and keys
/// within coderd's 127 characters, scripts present.
pub fn validate(items: &[MetadataConfig]) -> Result<(), String> {
    let mut keys = std::collections::HashSet::new();
    for item in items {
        let key = &item.key;
        if key.trim().is_empty() {
            return Err("a [[metadata]] item has an empty key".into());
        }
        if !keys.insert(key.as_str()) {
            return Err(format!("duplicate metadata key {key:?}"));
        }
        if key.chars().count() > 127 || item.display_name.chars().count() > 127 {
            return Err(format!(
                "metadata {key:?}: key and display_name are at most 127 characters"
            ));
        }
        if item.script.trim().is_empty() {
            return Err(format!("metadata {key:?} has no script"));
        }
    }
    Ok(())
}

/// CPU use over one second, from two reads of `/proc/stat` (all CPUs).
const CPU_SCRIPT: &str = r#"s() { awk '/^cpu /{t=0; for (i=2; i<=NF; i++) t+=$i; print t, $5+$6}' /proc/stat; }
a=$(s); sleep 1; b=$(s); n=$(grep -c '^processor' /proc/cpuinfo)
echo "$a $b $n" | awk '{t=$3-$1; i=$4-$2; p=t>0 ? 100*(t-i)/t : 0; printf "%.1f%% of %d cores\n", p, $5}'"#;
/// Memory in use (`MemTotal` − `MemAvailable`) from `/proc/meminfo`.
const MEMORY_SCRIPT: &str = r#"awk '/^MemTotal:/{t=$2} /^MemAvailable:/{a=$2} END{u=t-a; p=(t>0 ? 100*u/t : 0); printf "%.2f/%.2f GiB (%.0f%%)\n", u/1048576, t/1048576, p}' /proc/meminfo"#;
/// Disk use of the filesystem holding the agent's directory (scripts run there).
const DISK_SCRIPT: &str =
    r#"df -Pk . | awk 'NR==2{printf "%.1f/%.1f GiB (%s)\n", $3/1048576, $2/1048576, $5}'"#;
/// Load average over 1, 5 and 15 minutes.
const LOAD_SCRIPT: &str = r#"cut -d' ' -f1-3 /proc/loadavg"#;

/// The items used when the config has none: this machine's CPU, memory, disk and load, measured
/// by the shell scripts above (`/proc` reads and `df`; each item's `script` shows its text).
pub fn default_metadata() -> Vec<MetadataConfig> {
    let item = |order, key: &str, name: &str, script: &str, interval, timeout| MetadataConfig {
        display_name: name.into(),
        key: key.into(),
        script: script.into(),
        interval,
        timeout,
        order,
    };
    vec![
        item(0, "cpu_usage", "CPU Usage", CPU_SCRIPT, 5, 3),
        item(1, "memory_usage", "Memory Usage", MEMORY_SCRIPT, 5, 2),
        item(2, "disk_usage", "Disk Usage", DISK_SCRIPT, 60, 5),
        item(3, "load_average", "Load Average", LOAD_SCRIPT, 10, 2),
    ]
}

/// Runs `item`'s script once: its output (stdout and stderr together, as Coder's agent reads
/// them) and what went wrong, as coderd would store them.
pub async fn collect(item: &MetadataConfig, options: &RunOptions) -> WorkspaceAgentMetadataResult {
    let (value, error) = run_once(item, options).await;
    WorkspaceAgentMetadataResult::collected(&value, &error, Utc::now())
}

async fn run_once(item: &MetadataConfig, options: &RunOptions) -> (String, String) {
    let (mut command, temp) = match shell_command(&item.script, "metadata", options) {
        Ok(built) => built,
        Err(err) => {
            return (
                String::new(),
                format!("could not prepare the script: {err}"),
            )
        }
    };
    // One pipe for both streams keeps their order, as in Coder's agent.
    let pipe = std::io::pipe().and_then(|(reader, writer)| {
        let receiver =
            tokio::net::unix::pipe::Receiver::from_owned_fd(std::os::fd::OwnedFd::from(reader))?;
        Ok((receiver, writer.try_clone()?, writer))
    });
    let (mut output, stdout, stderr) = match pipe {
        Ok(pipe) => pipe,
        Err(err) => {
            remove_temp(temp);
            return (String::new(), format!("could not start: {err}"));
        }
    };
    command.stdout(stdout).stderr(stderr);
    let spawned = command.spawn();
    // Our copies of the pipe's writing end go with the command, so the end of output is seen.
    drop(command);
    let mut child = match spawned {
        Ok(child) => child,
        Err(err) => {
            remove_temp(temp);
            return (String::new(), format!("could not start: {err}"));
        }
    };
    let pid = child.id();
    let limit = item.timeout();
    let mut kept = Vec::new();
    let mut total = 0usize;
    let run = async {
        let mut chunk = vec![0u8; 16 * 1024];
        loop {
            match output.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    total += n;
                    let room = OUTPUT_LIMIT.saturating_sub(kept.len());
                    kept.extend_from_slice(&chunk[..n.min(room)]);
                }
            }
        }
        child.wait().await
    };
    let waited = tokio::time::timeout(limit, run).await;
    let mut problems = Vec::new();
    match waited {
        Ok(Ok(status)) if status.success() => {}
        Ok(Ok(status)) => problems.push(match status.code() {
            Some(code) => format!("exited with code {code}"),
            None => "was ended by a signal".to_owned(),
        }),
        Ok(Err(err)) => problems.push(format!("could not wait for it: {err}")),
        Err(_) => {
            kill_tree(&mut child, pid).await;
            problems.push(format!(
                "timed out after {} s and was stopped",
                limit.as_secs()
            ));
        }
    }
    remove_temp(temp);
    if total > OUTPUT_LIMIT {
        problems.push(format!(
            "output truncated from {total} to {OUTPUT_LIMIT} bytes"
        ));
    }
    (
        String::from_utf8_lossy(&kept).into_owned(),
        problems.join("; "),
    )
}

/// The items with their latest results, in coderd's order (`order`, then `key`).
#[derive(Clone, Debug)]
pub struct Snapshot {
    items: Vec<(MetadataConfig, WorkspaceAgentMetadataResult)>,
    /// A result arrived since the last publication.
    pending: bool,
}

impl Snapshot {
    /// The wire items, with `age` as of `now`.
    pub fn to_wire(&self, now: chrono::DateTime<Utc>) -> Vec<WorkspaceAgentMetadata> {
        self.items
            .iter()
            .map(|(config, result)| WorkspaceAgentMetadata {
                result: result.clone().aged(now),
                description: config.description(),
            })
            .collect()
    }
}

/// The agent's metadata: its items, their collectors and the published results. Cheap to clone.
#[derive(Clone)]
pub struct Metadata {
    tx: Arc<watch::Sender<Snapshot>>,
}

impl Metadata {
    /// Items sorted as coderd sends them, none collected yet.
    pub fn new(mut items: Vec<MetadataConfig>) -> Self {
        items.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.key.cmp(&b.key)));
        let items = items
            .into_iter()
            .map(|config| (config, WorkspaceAgentMetadataResult::default()))
            .collect();
        let snapshot = Snapshot {
            items,
            pending: false,
        };
        Self {
            tx: Arc::new(watch::channel(snapshot).0),
        }
    }

    /// Starts one collector per item and the publisher; all stop at `stop`.
    pub fn start(&self, options: RunOptions, stop: CancellationToken) {
        let options = Arc::new(options);
        let configs: Vec<MetadataConfig> = self
            .tx
            .borrow()
            .items
            .iter()
            .map(|(c, _)| c.clone())
            .collect();
        for (index, config) in configs.into_iter().enumerate() {
            let (this, options, stop) = (self.clone(), options.clone(), stop.clone());
            tokio::spawn(async move {
                loop {
                    let started = Instant::now();
                    let result = tokio::select! {
                        result = collect(&config, &options) => result,
                        _ = stop.cancelled() => return,
                    };
                    // Stored without waking the sockets: the publisher decides when to send.
                    this.tx.send_if_modified(|s| {
                        s.items[index].1 = result;
                        s.pending = true;
                        false
                    });
                    if config.interval == 0 {
                        return;
                    }
                    let due = started + Duration::from_secs(config.interval);
                    tokio::select! {
                        _ = tokio::time::sleep_until(due) => {}
                        _ = stop.cancelled() => return,
                    }
                }
            });
        }
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(SEND_INTERVAL);
            let mut last = Instant::now();
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stop.cancelled() => return,
                }
                tx.send_if_modified(|s| {
                    let due = s.pending || last.elapsed() >= REFRESH_INTERVAL;
                    if due {
                        s.pending = false;
                        last = Instant::now();
                    }
                    due
                });
            }
        });
    }

    /// Woken at each publication.
    pub fn subscribe(&self) -> watch::Receiver<Snapshot> {
        self.tx.subscribe()
    }

    /// The items whose keys are in `keys` (case-insensitive), as the workspaces list carries
    /// them for `include_agent_metadata`: scripts left out, `age` as of now.
    pub fn listed(&self, keys: &[String]) -> Vec<WorkspaceAgentMetadata> {
        let mut items = self.tx.borrow().to_wire(Utc::now());
        items.retain(|m| {
            keys.iter()
                .any(|k| k.eq_ignore_ascii_case(&m.description.key))
        });
        for item in &mut items {
            item.description.script.clear();
        }
        items
    }
}

fn data_event(snapshot: &Snapshot) -> ServerSentEvent<Vec<WorkspaceAgentMetadata>> {
    ServerSentEvent::data(snapshot.to_wire(Utc::now()))
}

/// `GET /workspaceagents/{id}/watch-metadata-ws`: a one-way WebSocket, one JSON envelope per
/// TEXT frame, the first at once.
pub async fn watch_ws(
    State(e): State<Embedded>,
    Path(id): Path<String>,
    headers: HeaderMap,
    upgrade: ws::Upgrade,
) -> Result<Response, ApiError> {
    e.check_agent_param(&id)?;
    let upgrade = ws::upgrade(&headers, upgrade)?;
    let rx = e.metadata().subscribe();
    Ok(ws::push_text_on_change(upgrade, rx, e, |snapshot| {
        serde_json::to_string(&data_event(snapshot)).unwrap_or_default()
    }))
}

/// `GET /workspaceagents/{id}/watch-metadata`: the same events as `text/event-stream`, in
/// coderd's framing ([`ServerSentEvent::to_sse`]), with a `ping` event every 15 s.
pub async fn watch_sse(
    State(e): State<Embedded>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    e.check_agent_param(&id)?;
    let rx = e.metadata().subscribe();
    let stop = e.shutdown_token();
    let ping = tokio::time::interval_at(Instant::now() + HEARTBEAT, HEARTBEAT);
    // The first event goes out at once; then each publication, or a ping.
    let events = futures_util::stream::unfold(
        (rx, ping, stop, true),
        |(mut rx, mut ping, stop, first)| async move {
            let text = if first {
                data_event(&rx.borrow_and_update()).to_sse()
            } else {
                tokio::select! {
                    changed = rx.changed() => {
                        changed.ok()?;
                        data_event(&rx.borrow_and_update()).to_sse()
                    }
                    _ = ping.tick() => ServerSentEvent {
                        kind: ServerSentEventType::Ping,
                        data: serde_json::Value::Null,
                    }
                    .to_sse(),
                    _ = stop.cancelled() => return None,
                }
            };
            Some((
                Ok::<_, Infallible>(Bytes::from(text)),
                (rx, ping, stop, false),
            ))
        },
    );
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (
            header::HeaderName::from_static("x-accel-buffering"),
            HeaderValue::from_static("no"),
        ),
    ];
    Ok((headers, Body::from_stream(events)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(script: &str, timeout: u64) -> MetadataConfig {
        MetadataConfig {
            display_name: "Test".into(),
            key: "test".into(),
            script: script.into(),
            interval: 1,
            timeout,
            order: 0,
        }
    }

    #[test]
    fn timeouts_default_as_in_coders_agent() {
        let mut m = item("true", 0);
        assert_eq!(m.timeout(), Duration::from_secs(1), "the interval");
        m.interval = 0;
        assert_eq!(m.timeout(), Duration::from_secs(3));
        m.timeout = 7;
        assert_eq!(m.timeout(), Duration::from_secs(7));
    }

    #[test]
    fn validation_refuses_what_coder_refuses() {
        let ok = item("true", 0);
        assert!(validate(std::slice::from_ref(&ok)).is_ok());
        assert!(validate(&[ok.clone(), ok.clone()])
            .unwrap_err()
            .contains("duplicate"));
        let mut bad = ok.clone();
        bad.key = " ".into();
        assert!(validate(&[bad]).is_err());
        let mut bad = ok.clone();
        bad.display_name = "x".repeat(128);
        assert!(validate(&[bad]).is_err());
        let mut bad = ok;
        bad.script = String::new();
        assert!(validate(&[bad]).is_err());
        assert!(validate(&default_metadata()).is_ok());
    }

    /// The default items measure this machine: each gives a value and no error, and memory
    /// agrees with `/proc/meminfo` read here.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn default_items_measure_this_machine() {
        let options = RunOptions::default();
        let mut values = std::collections::HashMap::new();
        for item in default_metadata() {
            let result = collect(&item, &options).await;
            assert_eq!(result.error, "", "{}: {result:?}", item.key);
            values.insert(item.key, result.value);
        }
        let number = |text: &str| -> f64 {
            let end = text
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(text.len());
            text[..end]
                .parse()
                .unwrap_or_else(|_| panic!("no number in {text:?}"))
        };
        let cpu = &values["cpu_usage"];
        assert!(
            cpu.ends_with("cores") && (0.0..=100.0).contains(&number(cpu)),
            "{cpu}"
        );
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap();
        let field = |name: &str| -> f64 {
            let line = meminfo.lines().find(|l| l.starts_with(name)).unwrap();
            number(line[name.len()..].trim()) / 1_048_576.0
        };
        let used = field("MemTotal:") - field("MemAvailable:");
        let memory = &values["memory_usage"];
        let shown = number(memory);
        assert!(
            (shown - used).abs() <= used * 0.1 + 0.01,
            "{memory} vs {used:.2} GiB"
        );
        assert!(memory.ends_with("%)"), "{memory}");
        let disk = &values["disk_usage"];
        assert!(disk.contains(" GiB (") && disk.ends_with("%)"), "{disk}");
        let load = &values["load_average"];
        assert_eq!(load.split(' ').map(number).count(), 3, "{load}");
    }

    #[tokio::test]
    async fn output_and_failures() {
        let options = RunOptions::default();
        let ok = collect(&item("echo '  42% '; echo oops >&2", 5), &options).await;
        assert_eq!(ok.value, "42% \noops", "both streams, in order, trimmed");
        assert_eq!(ok.error, "");
        let failed = collect(&item("echo partial; exit 4", 5), &options).await;
        assert_eq!(
            (failed.value.as_str(), failed.error.as_str()),
            ("partial", "exited with code 4")
        );
        let slow = collect(&item("echo started; sleep 30", 1), &options).await;
        assert_eq!(slow.value, "started", "what it printed is kept");
        assert_eq!(slow.error, "timed out after 1 s and was stopped");
        let chatty = collect(
            &item("head -c 3000000 /dev/zero | tr '\\0' x", 10),
            &options,
        )
        .await;
        assert_eq!(chatty.value.len(), coder_api::MAX_METADATA_VALUE_LEN);
        assert_eq!(chatty.error, "value of 10240 bytes exceeded 2048 bytes");
    }
}
