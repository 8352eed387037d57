//! Startup (and shutdown) scripts of the embedded agent, run for real.
//!
//! Scripts come from the config file (`[[scripts]]` tables, see [`ScriptConfig`]) or, without one,
//! from [`default_scripts`]. Like the Coder agent, all start scripts run concurrently; the agent's
//! lifecycle goes `starting` → `ready` once every one of them succeeded, `start_error` if one
//! failed and `start_timeout` if one ran past its timeout (it is then killed). Each script has its
//! own log source; its stdout lines become `info` logs and its stderr lines `error` logs, handed
//! to a [`LogSink`] as they are read.
//!
//! Lines are split on `\n` only, so a `\r` progress line arrives as one line with its `\r`s
//! inside (a trailing `\r` of a `\r\n` ending is dropped, as Go's line scanner does in the
//! agent). A line longer than [`MAX_LINE_BYTES`] is cut into several.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use coder_api::WorkspaceAgentLifecycle as Lifecycle;
use coder_api::{TimingStage, WorkspaceAgentScriptStatus as Status};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use uuid::Uuid;

use super::script_runs::{ScriptRun, ScriptRuns};

/// The longest single log line; longer output is split into lines of at most this many bytes.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// After a script exits, how long to wait for its output to close before reporting the result
/// (Coder's agent's `WaitDelay`). Processes it left in the background may keep its pipes open:
/// the run is then `pipes_left_open`, a failure, as in Coder. Their output keeps being logged.
pub const OUTPUT_WAIT: Duration = Duration::from_secs(10);

/// One script, as written in the config file:
///
/// ```toml
/// [[scripts]]
/// display_name = "Install dependencies"
/// script = "npm ci"
/// run_on_start = true        # default true
/// run_on_stop = false        # default false
/// start_blocks_login = true  # default false
/// timeout_seconds = 300      # default 0: no timeout
/// cron = "0 */15 * * * *"    # optional: run on this schedule once the start scripts are done
/// log_path = "/tmp/npm.log"  # optional: output is also appended to this file
/// icon = "/icon/node.svg"    # optional
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptConfig {
    /// Name shown for the script and its log source.
    pub display_name: String,
    /// Shell text, run with `/bin/sh -c`; a script starting with `#!` runs with that interpreter.
    pub script: String,
    /// Run when the agent starts.
    #[serde(default = "default_true")]
    pub run_on_start: bool,
    /// Run when the agent shuts down.
    #[serde(default)]
    pub run_on_stop: bool,
    /// Whether logins should wait for this script (reported in the agent JSON).
    #[serde(default)]
    pub start_blocks_login: bool,
    /// A schedule to run the script on, in Coder's format (see [`parse_schedule`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron: Option<String>,
    /// Kill the script after this many seconds; 0 means no timeout.
    #[serde(default)]
    pub timeout_seconds: u64,
    /// A file the script's output is also appended to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_path: Option<String>,
    /// Icon URL of the script's log source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
}

fn default_true() -> bool {
    true
}

impl ScriptConfig {
    /// The timeout, if any (`timeout_seconds` of 0 means none).
    pub fn timeout(&self) -> Option<Duration> {
        (self.timeout_seconds > 0).then(|| Duration::from_secs(self.timeout_seconds))
    }
}

/// The `[[scripts]]` part of the config file. A file without any `[[scripts]]` gets
/// [`default_scripts`]; `scripts = []` means no scripts at all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptsConfig {
    /// The scripts, in the order they are listed.
    #[serde(default = "default_scripts")]
    pub scripts: Vec<ScriptConfig>,
}

impl Default for ScriptsConfig {
    fn default() -> Self {
        Self {
            scripts: default_scripts(),
        }
    }
}

/// The built-in scripts used when the config has none: two short scripts that print a few lines
/// over about three seconds, with 16-colour, 256-colour and truecolour ANSI styles, bold text, a
/// line on stderr and a `\r` progress line, and succeed.
pub fn default_scripts() -> Vec<ScriptConfig> {
    vec![
        ScriptConfig {
            display_name: "Prepare workspace".to_owned(),
            script: PREPARE_SCRIPT.to_owned(),
            run_on_start: true,
            run_on_stop: false,
            start_blocks_login: true,
            cron: None,
            timeout_seconds: 60,
            log_path: None,
            icon: None,
        },
        ScriptConfig {
            display_name: "Check environment".to_owned(),
            script: CHECK_SCRIPT.to_owned(),
            run_on_start: true,
            run_on_stop: false,
            start_blocks_login: false,
            cron: None,
            timeout_seconds: 60,
            log_path: None,
            icon: None,
        },
    ]
}

const PREPARE_SCRIPT: &str = r#"printf '\033[1;34m==>\033[0m \033[1mPreparing the workspace\033[0m\n'
sleep 0.4
printf '  \033[32mok\033[0m   found %s\n' "$(uname -sm)"
sleep 0.4
printf '  fetching dependencies'
for pct in 12 37 64 88 100; do
  sleep 0.25
  printf '\r  fetching dependencies \033[36m%3d%%\033[0m' "$pct"
done
printf '\n'
sleep 0.3
printf '  \033[33mwarning:\033[0m no dependency cache found, starting cold\n' >&2
sleep 0.4
printf '  \033[38;5;208m256-colour\033[0m and \033[38;2;95;175;255mtruecolour\033[0m styles render as text\n'
sleep 0.3
printf '\033[1;32m==> Workspace prepared\033[0m\n'
"#;

const CHECK_SCRIPT: &str = r#"printf '\033[1;35m==>\033[0m \033[1mChecking the environment\033[0m\n'
sleep 0.5
printf '  user   \033[1m%s\033[0m\n' "$(id -un 2>/dev/null || echo unknown)"
sleep 0.3
printf '  shell  %s\n' "${SHELL:-/bin/sh}"
sleep 0.3
printf '  home   %s\n' "${HOME:-/}"
sleep 0.4
printf '  \033[2mdim\033[0m \033[4munderline\033[0m \033[7minverse\033[0m \033[91mbright red\033[0m \033[30;42m on green \033[0m\n'
sleep 0.3
printf '\033[32m==> Environment looks good\033[0m\n'
"#;

/// Reads a script's `cron` as Coder's agent does: seconds, minutes, hours, day of month, month,
/// then an optional day of week (0 or 7 is Sunday), in local time. So `"*/5 * * * *"` runs every
/// five seconds, and `"0 0 9 * * 1-5"` at nine on weekdays.
pub fn parse_schedule(expr: &str) -> Result<croner::Cron, String> {
    let pattern = match expr.split_whitespace().count() {
        5 => format!("{} *", expr.trim()),
        6 => expr.trim().to_owned(),
        n => {
            return Err(format!(
                "a schedule has 5 or 6 fields (seconds, minutes, hours, day of month, month[, day of week]), not {n}"
            ))
        }
    };
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Required)
        .year(croner::parser::Year::Disallowed)
        .build()
        .parse(&pattern)
        .map_err(|e| e.to_string())
}

/// Parses the `[[scripts]]` tables of a TOML document (other keys are ignored).
pub fn parse_scripts_toml(text: &str) -> Result<Vec<ScriptConfig>, toml::de::Error> {
    toml::from_str::<ScriptsConfig>(text).map(|c| c.scripts)
}

/// A log level, as Coder spells it on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// `trace`
    Trace,
    /// `debug`
    Debug,
    /// `info`: script stdout.
    Info,
    /// `warn`
    Warn,
    /// `error`: script stderr.
    Error,
}

/// Where script output goes (the agent's log store implements it). Called from async tasks, once
/// per line, in order within each stream.
pub trait LogSink: Send + Sync + 'static {
    /// Appends one line (without its trailing newline) from log source `source_id`.
    fn append(&self, source_id: Uuid, level: LogLevel, output: String, created_at: DateTime<Utc>);
}

impl<F> LogSink for F
where
    F: Fn(Uuid, LogLevel, String, DateTime<Utc>) + Send + Sync + 'static,
{
    fn append(&self, source_id: Uuid, level: LogLevel, output: String, created_at: DateTime<Utc>) {
        self(source_id, level, output, created_at)
    }
}

/// A configured script with its identity: the ids the agent JSON lists under `scripts` and
/// `log_sources`. Ids are derived from the script's position and name, so they stay the same
/// across restarts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Script {
    /// The script's id (`WorkspaceAgentScript.id`).
    pub id: Uuid,
    /// Its log source's id (`WorkspaceAgentScript.log_source_id`, `WorkspaceAgentLogSource.id`).
    pub log_source_id: Uuid,
    /// What the config says.
    pub config: ScriptConfig,
}

impl Script {
    /// Gives each config its ids.
    pub fn identify(configs: Vec<ScriptConfig>) -> Vec<Script> {
        configs
            .into_iter()
            .enumerate()
            .map(|(index, config)| Script {
                id: stable_uuid(&["script", &index.to_string(), &config.display_name]),
                log_source_id: stable_uuid(&[
                    "log-source",
                    &index.to_string(),
                    &config.display_name,
                ]),
                config,
            })
            .collect()
    }
}

/// A version-8 UUID from a fixed hash of `parts` (two FNV-1a passes with different offsets), so it
/// is the same on every run and every build.
fn stable_uuid(parts: &[&str]) -> Uuid {
    let hash = |offset: u64| {
        let mut h = offset;
        for byte in b"agent-console".iter().chain(
            parts
                .iter()
                .flat_map(|p| std::iter::once(&0u8).chain(p.as_bytes())),
        ) {
            h ^= u64::from(*byte);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h
    };
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&hash(0xcbf2_9ce4_8422_2325).to_be_bytes());
    bytes[8..].copy_from_slice(&hash(0x6c62_272e_07bb_0142).to_be_bytes());
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// How one script run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScriptOutcome {
    /// Exit status 0.
    Success,
    /// Non-zero exit; `code` is `None` when a signal ended it.
    Failed {
        /// The exit code.
        code: Option<i32>,
    },
    /// Killed after its timeout.
    TimedOut,
    /// Exited with 0, but something it started still held its output open after
    /// [`OUTPUT_WAIT`].
    PipesLeftOpen,
    /// It could not be started.
    SpawnFailed(String),
}

impl ScriptOutcome {
    /// The exit code and status Coder's agent reports for such an end: 255 when the script
    /// has no exit code of its own (never started, killed at its timeout), -1 for a signal.
    pub fn exit_code_and_status(&self) -> (i32, Status) {
        match self {
            ScriptOutcome::Success => (0, Status::Ok),
            ScriptOutcome::Failed { code } => (code.unwrap_or(-1), Status::ExitFailure),
            ScriptOutcome::TimedOut => (255, Status::TimedOut),
            ScriptOutcome::PipesLeftOpen => (0, Status::PipesLeftOpen),
            ScriptOutcome::SpawnFailed(_) => (255, Status::ExitFailure),
        }
    }
}

/// How scripts are run.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Shell for scripts without `#!`; default `/bin/sh`.
    pub shell: Option<PathBuf>,
    /// Working directory; default `$HOME` (or the server's directory).
    pub cwd: Option<PathBuf>,
    /// Extra environment variables (on top of the server's own).
    pub env: Vec<(String, String)>,
    /// Variables of the server's environment scripts must not inherit (those holding tokens).
    pub env_remove: Vec<String>,
    /// How long to wait for a script's output to close after it exits; default [`OUTPUT_WAIT`].
    pub output_wait: Option<Duration>,
}

/// Runs the agent's scripts and reports their output and the lifecycle. Cheap to clone.
#[derive(Clone)]
pub struct ScriptRunner {
    scripts: Arc<[Script]>,
    sink: Arc<dyn LogSink>,
    options: Arc<RunOptions>,
    runs: ScriptRuns,
}

impl std::fmt::Debug for ScriptRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptRunner")
            .field("scripts", &self.scripts)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl ScriptRunner {
    /// A runner for `configs` (ids assigned by [`Script::identify`]) writing output to `sink`.
    pub fn new(configs: Vec<ScriptConfig>, sink: Arc<dyn LogSink>, options: RunOptions) -> Self {
        Self {
            scripts: Script::identify(configs).into(),
            sink,
            options: Arc::new(options),
            runs: ScriptRuns::default(),
        }
    }

    /// Records every run in `runs` (instead of a list of its own).
    pub fn with_runs(mut self, runs: ScriptRuns) -> Self {
        self.runs = runs;
        self
    }

    /// The finished runs.
    pub fn runs(&self) -> &ScriptRuns {
        &self.runs
    }

    /// Runs `script` once as part of `stage`, and records how it went.
    async fn run_recorded(&self, script: &Script, stage: TimingStage) -> ScriptOutcome {
        let started_at = Utc::now();
        let outcome = run_script(script, self.sink.clone(), &self.options).await;
        let (exit_code, status) = outcome.exit_code_and_status();
        self.runs.record(ScriptRun {
            script_id: script.id,
            stage,
            started_at,
            ended_at: Utc::now(),
            exit_code,
            status,
        });
        outcome
    }

    /// Every configured script with its ids, in config order (for the agent JSON).
    pub fn scripts(&self) -> &[Script] {
        &self.scripts
    }

    /// Runs every `run_on_start` script concurrently. Calls `on_lifecycle(Starting)` first, then
    /// once with the result, which is also returned: `Ready`, or `StartTimeout` if any script
    /// timed out, else `StartError` if any failed.
    pub async fn run_start(&self, on_lifecycle: impl Fn(Lifecycle)) -> Lifecycle {
        on_lifecycle(Lifecycle::Starting);
        let outcomes = self
            .run_matching(TimingStage::Start, |c| c.run_on_start)
            .await;
        let result = summarize(
            &outcomes,
            Lifecycle::Ready,
            Lifecycle::StartError,
            Lifecycle::StartTimeout,
        );
        on_lifecycle(result.clone());
        result
    }

    /// Runs every `run_on_stop` script concurrently: `ShuttingDown`, then `Off`,
    /// `ShutdownError` or `ShutdownTimeout`.
    pub async fn run_stop(&self, on_lifecycle: impl Fn(Lifecycle)) -> Lifecycle {
        on_lifecycle(Lifecycle::ShuttingDown);
        let outcomes = self
            .run_matching(TimingStage::Stop, |c| c.run_on_stop)
            .await;
        let result = summarize(
            &outcomes,
            Lifecycle::Off,
            Lifecycle::ShutdownError,
            Lifecycle::ShutdownTimeout,
        );
        on_lifecycle(result.clone());
        result
    }

    /// Runs each script that has a `cron` schedule whenever it comes due, until `stop` is
    /// cancelled (a run then in progress is killed). A run that overlaps the next due time makes
    /// that one wait: a script never runs twice at once. Schedules that cannot be read are skipped
    /// (the config check refuses them before this).
    pub async fn run_cron(&self, stop: tokio_util::sync::CancellationToken) {
        let loops = self.scripts.iter().filter_map(|script| {
            let schedule = parse_schedule(script.config.cron.as_deref()?).ok()?;
            let stop = stop.clone();
            Some(async move {
                loop {
                    let now = chrono::Local::now();
                    let Ok(next) = schedule.find_next_occurrence(&now, false) else {
                        return; // never again
                    };
                    let wait = (next - now).to_std().unwrap_or_default();
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = tokio::time::sleep(wait) => {}
                    }
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = self.run_recorded(script, TimingStage::Cron) => {}
                    }
                }
            })
        });
        futures_util::future::join_all(loops).await;
    }

    /// Runs one script to the end, logging its output; the outcome of each script in order.
    async fn run_matching(
        &self,
        stage: TimingStage,
        wanted: impl Fn(&ScriptConfig) -> bool,
    ) -> Vec<ScriptOutcome> {
        let runs = self
            .scripts
            .iter()
            .filter(|s| wanted(&s.config))
            .map(|s| self.run_recorded(s, stage.clone()));
        futures_util::future::join_all(runs).await
    }
}

fn summarize(
    outcomes: &[ScriptOutcome],
    ok: Lifecycle,
    error: Lifecycle,
    timeout: Lifecycle,
) -> Lifecycle {
    // As Coder's agent: a timeout makes the start (or stop) time out, any other failure
    // (pipes left open included) makes it fail.
    if outcomes.contains(&ScriptOutcome::TimedOut) {
        timeout
    } else if outcomes.iter().all(|o| *o == ScriptOutcome::Success) {
        ok
    } else {
        error
    }
}

/// Runs `script`, sending its output lines to `sink` under its log source.
pub async fn run_script(
    script: &Script,
    sink: Arc<dyn LogSink>,
    options: &RunOptions,
) -> ScriptOutcome {
    let source = script.log_source_id;
    let note = |text: String| sink.append(source, LogLevel::Error, text, Utc::now());
    let log_file = script.config.log_path.as_deref().and_then(|path| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map(|f| Arc::new(Mutex::new(f)))
            .ok()
    });

    let (mut command, temp_file) =
        match shell_command(&script.config.script, &script.id.to_string(), options) {
            Ok(built) => built,
            Err(err) => {
                let message = format!("could not prepare the script: {err}");
                note(message.clone());
                return ScriptOutcome::SpawnFailed(message);
            }
        };
    let spawned = command.spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(err) => {
            remove_temp(temp_file);
            let message = format!("could not start the script: {err}");
            note(message.clone());
            return ScriptOutcome::SpawnFailed(message);
        }
    };
    let pid = child.id();

    let mut pumps = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        pumps.push(tokio::spawn(pump_lines(
            stdout,
            source,
            LogLevel::Info,
            sink.clone(),
            log_file.clone(),
        )));
    }
    if let Some(stderr) = child.stderr.take() {
        pumps.push(tokio::spawn(pump_lines(
            stderr,
            source,
            LogLevel::Error,
            sink.clone(),
            log_file,
        )));
    }

    let waited = match script.config.timeout() {
        Some(limit) => match tokio::time::timeout(limit, child.wait()).await {
            Ok(status) => Waited::from(status),
            Err(_) => {
                kill_tree(&mut child, pid).await;
                Waited::TimedOut
            }
        },
        None => Waited::from(child.wait().await),
    };
    // Let the readers finish the output written before the exit, so it is logged before the
    // result is reported; output still open after the wait is something the script left behind.
    let output_closed = tokio::time::timeout(
        options.output_wait.unwrap_or(OUTPUT_WAIT),
        futures_util::future::join_all(pumps.iter_mut()),
    )
    .await
    .is_ok();
    remove_temp(temp_file);

    let name = &script.config.display_name;
    match waited {
        Waited::TimedOut => {
            note(format!(
                "\"{name}\" timed out after {} s and was stopped",
                script.config.timeout_seconds
            ));
            ScriptOutcome::TimedOut
        }
        Waited::Failed(err) => {
            let message = format!("could not wait for \"{name}\" to finish: {err}");
            note(message.clone());
            ScriptOutcome::SpawnFailed(message)
        }
        Waited::Exited(status) if status.success() && output_closed => ScriptOutcome::Success,
        Waited::Exited(status) if status.success() => {
            note(format!(
                "\"{name}\" exited, but its output was still open {} s later: a process it started holds it. Redirect that process's output, or give it a script of its own.",
                options.output_wait.unwrap_or(OUTPUT_WAIT).as_secs()
            ));
            ScriptOutcome::PipesLeftOpen
        }
        Waited::Exited(status) => {
            let how = match status.code() {
                Some(code) => format!("exited with code {code}"),
                None => "was ended by a signal".to_owned(),
            };
            note(format!("\"{name}\" {how}"));
            ScriptOutcome::Failed {
                code: status.code(),
            }
        }
    }
}

/// How waiting for a script ended.
enum Waited {
    Exited(ExitStatus),
    TimedOut,
    Failed(std::io::Error),
}

impl From<std::io::Result<ExitStatus>> for Waited {
    fn from(result: std::io::Result<ExitStatus>) -> Self {
        result.map_or_else(Waited::Failed, Waited::Exited)
    }
}

/// The command for a script's `text`: `sh -c TEXT`, or for a `#!` script its interpreter with
/// the text saved to a temporary file (named with `tag`; returned so it can be removed
/// afterwards). Running the interpreter rather than the file itself avoids "text file busy"
/// races with other threads' forks. Every command the agent runs for a configured script
/// (scripts, metadata) is built here: no stdin, stdout and stderr piped, its own process group,
/// the options' environment (without the console's tokens) and directory.
pub(crate) fn shell_command(
    text: &str,
    tag: &str,
    options: &RunOptions,
) -> std::io::Result<(tokio::process::Command, Option<PathBuf>)> {
    let (mut command, temp_file) = match text.strip_prefix("#!") {
        Some(rest) => {
            let line = rest.lines().next().unwrap_or_default().trim();
            let (program, arg) = match line.split_once(char::is_whitespace) {
                Some((program, arg)) => (program, Some(arg.trim())),
                None => (line, None),
            };
            if program.is_empty() {
                return Err(std::io::Error::other("the #! line names no interpreter"));
            }
            let path =
                std::env::temp_dir().join(format!("agent-console-script-{tag}-{}", Uuid::new_v4()));
            std::fs::File::create(&path)?.write_all(text.as_bytes())?;
            let mut command = tokio::process::Command::new(program);
            command.args(arg.filter(|a| !a.is_empty())).arg(&path);
            (command, Some(path))
        }
        None => {
            let shell = options
                .shell
                .clone()
                .unwrap_or_else(|| PathBuf::from("/bin/sh"));
            let mut command = tokio::process::Command::new(shell);
            command.arg("-c").arg(text);
            (command, None)
        }
    };
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .process_group(0)
        .envs(options.env.iter().map(|(k, v)| (k, v)));
    for key in &options.env_remove {
        command.env_remove(key);
    }
    let cwd = options
        .cwd
        .clone()
        .or_else(|| std::env::var_os("HOME").map(PathBuf::from))
        .filter(|p| p.is_dir());
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    Ok((command, temp_file))
}

pub(crate) fn remove_temp(path: Option<PathBuf>) {
    if let Some(path) = path {
        let _ = std::fs::remove_file(path);
    }
}

/// Kills a script started by [`shell_command`] (whose `pid` was read at its start) with
/// everything it started: it runs in its own process group, so its children go with it.
pub(crate) async fn kill_tree(child: &mut tokio::process::Child, pid: Option<u32>) {
    if let Some(pid) = pid {
        kill_process_group(pid).await;
    }
    let _ = child.kill().await;
}

/// SIGKILLs a whole process group. std offers no safe `kill(2)`, so this goes through the
/// shell's builtin `kill`, present wherever `/bin/sh` is.
async fn kill_process_group(pgid: u32) {
    let _ = tokio::process::Command::new("/bin/sh")
        .args(["-c", "kill -s KILL -- \"-$1\"", "sh", &pgid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await;
}

/// Reads `reader` to the end, sending each line to `sink` (and appending it to `log_file`).
async fn pump_lines(
    reader: impl AsyncRead + Unpin,
    source: Uuid,
    level: LogLevel,
    sink: Arc<dyn LogSink>,
    log_file: Option<Arc<Mutex<std::fs::File>>>,
) {
    let emit = |line: &[u8]| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let text = String::from_utf8_lossy(line).into_owned();
        if let Some(file) = &log_file {
            let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
            let _ = writeln!(file, "{text}");
        }
        sink.append(source, level, text, Utc::now());
    };
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let mut line: Vec<u8> = Vec::new();
    loop {
        let buf = match reader.fill_buf().await {
            Ok(buf) => buf,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        if buf.is_empty() {
            break;
        }
        let (consumed, complete) = match buf.iter().position(|&b| b == b'\n') {
            Some(end) => {
                line.extend_from_slice(&buf[..end]);
                (end + 1, true)
            }
            None => {
                line.extend_from_slice(buf);
                (buf.len(), false)
            }
        };
        reader.consume(consumed);
        // Cut an over-long line into pieces; the rest waits for more output or its newline.
        while line.len() > MAX_LINE_BYTES {
            let cut = utf8_cut(&line, MAX_LINE_BYTES);
            emit(&line[..cut]);
            line.drain(..cut);
        }
        if complete {
            emit(&line);
            line.clear();
        }
    }
    if !line.is_empty() {
        emit(&line);
    }
}

/// The largest index ≤ `max` that does not split a UTF-8 sequence; `max` itself when the bytes
/// there are not UTF-8 (no lead byte within 3 bytes back).
fn utf8_cut(bytes: &[u8], max: usize) -> usize {
    let max = max.min(bytes.len());
    (max.saturating_sub(3)..=max)
        .rev()
        .find(|&i| i == bytes.len() || bytes[i] & 0xC0 != 0x80)
        .filter(|&i| i > 0)
        .unwrap_or(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Lines = Arc<Mutex<Vec<(Uuid, LogLevel, String)>>>;

    fn collector() -> (Lines, Arc<dyn LogSink>) {
        let lines: Lines = Arc::default();
        let sink_lines = lines.clone();
        let sink = move |source: Uuid, level: LogLevel, output: String, _at: DateTime<Utc>| {
            sink_lines.lock().unwrap().push((source, level, output));
        };
        (lines, Arc::new(sink))
    }

    fn script(name: &str, text: &str) -> ScriptConfig {
        ScriptConfig {
            display_name: name.to_owned(),
            script: text.to_owned(),
            run_on_start: true,
            run_on_stop: false,
            start_blocks_login: false,
            cron: None,
            timeout_seconds: 0,
            log_path: None,
            icon: None,
        }
    }

    fn outputs(lines: &Lines, source: Uuid, level: LogLevel) -> Vec<String> {
        lines
            .lock()
            .unwrap()
            .iter()
            .filter(|(s, l, _)| *s == source && *l == level)
            .map(|(_, _, o)| o.clone())
            .collect()
    }

    #[test]
    fn schedules_read_as_coders_agent_reads_them() {
        use chrono::{Local, TimeZone, Timelike};
        let next = |expr: &str, after: DateTime<Local>| {
            parse_schedule(expr)
                .unwrap()
                .find_next_occurrence(&after, false)
                .unwrap()
        };
        // A Saturday.
        let t = Local.with_ymd_and_hms(2026, 11, 28, 10, 0, 2).unwrap();
        // Five fields: the first is seconds, and the day of week is left out.
        assert_eq!(next("*/5 * * * *", t), t + chrono::Duration::seconds(3));
        assert_eq!(next("0 */15 * * * *", t).minute(), 15);
        // Six fields: the sixth is the day of week (1-5 Monday to Friday, 0 Sunday).
        let weekday = next("0 0 9 * * 1-5", t);
        assert_eq!(
            weekday,
            Local.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap()
        );
        let sunday = next("0 30 8 * * 0", t);
        assert_eq!(
            sunday,
            Local.with_ymd_and_hms(2026, 11, 29, 8, 30, 0).unwrap()
        );

        for bad in ["* * * *", "* * * * * * *", "61 * * * *", "every hour", ""] {
            assert!(parse_schedule(bad).is_err(), "{bad:?}");
        }
        // The server refuses to start with a schedule it cannot read, and says which.
        let config =
            "[[scripts]]\ndisplay_name = \"Backup\"\nscript = \"true\"\ncron = \"@sometimes\"\n";
        let err = format!(
            "{:#}",
            crate::config::FileConfig::parse(config).unwrap_err()
        );
        assert!(
            err.contains("Backup") && err.contains("@sometimes"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn cron_scripts_run_when_due_until_stopped() {
        let (lines, sink) = collector();
        let mut every_second = script("Tick", "echo tick");
        every_second.run_on_start = false;
        every_second.cron = Some("* * * * * *".into());
        let once_a_year = ScriptConfig {
            cron: Some("0 0 0 1 1 *".into()),
            ..script("Yearly", "echo yearly")
        };
        let runner =
            ScriptRunner::new(vec![every_second, once_a_year], sink, RunOptions::default());
        let (tick, yearly) = (
            runner.scripts()[0].log_source_id,
            runner.scripts()[1].log_source_id,
        );
        let stop = tokio_util::sync::CancellationToken::new();
        let cron = tokio::spawn({
            let (runner, stop) = (runner.clone(), stop.clone());
            async move { runner.run_cron(stop).await }
        });
        // Two runs a second apart (at most 20 s on a loaded machine), then stop.
        for _ in 0..200 {
            if outputs(&lines, tick, LogLevel::Info).len() >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        stop.cancel();
        tokio::time::timeout(Duration::from_secs(5), cron)
            .await
            .expect("the schedules end when stopped")
            .unwrap();
        let ticks = outputs(&lines, tick, LogLevel::Info);
        assert!(ticks.len() >= 2, "{ticks:?}");
        assert!(ticks.iter().all(|t| t == "tick"));
        assert!(outputs(&lines, yearly, LogLevel::Info).is_empty());
        tokio::time::sleep(Duration::from_millis(1_200)).await;
        assert_eq!(
            outputs(&lines, tick, LogLevel::Info).len(),
            ticks.len(),
            "nothing runs after the stop"
        );
        let runs = runner.runs().all();
        assert!(runs.len() >= 2, "each scheduled run is recorded: {runs:?}");
        assert!(runs
            .iter()
            .all(|r| r.stage == TimingStage::Cron && r.status == Status::Ok));
    }

    async fn run_start(runner: &ScriptRunner) -> (Lifecycle, Vec<Lifecycle>) {
        let seen = Mutex::new(Vec::new());
        let result = runner.run_start(|l| seen.lock().unwrap().push(l)).await;
        (result, seen.into_inner().unwrap())
    }

    #[tokio::test]
    async fn captures_lines_levels_and_order() {
        let (lines, sink) = collector();
        let runner = ScriptRunner::new(
            vec![
                script(
                    "first",
                    "echo one; echo two >&2; printf 'a\\rb\\rc\\n'; printf 'crlf\\r\\n'; echo; printf 'no newline'",
                ),
                script("second", "for i in 1 2 3 4 5; do echo line-$i; done"),
            ],
            sink,
            RunOptions::default(),
        );
        let (result, seen) = run_start(&runner).await;
        assert_eq!(result, Lifecycle::Ready);
        assert_eq!(seen, vec![Lifecycle::Starting, Lifecycle::Ready]);

        let [first, second] = runner.scripts() else {
            panic!()
        };
        assert_ne!(first.log_source_id, second.log_source_id);
        assert_eq!(
            outputs(&lines, first.log_source_id, LogLevel::Info),
            vec!["one", "a\rb\rc", "crlf", "", "no newline"]
        );
        assert_eq!(
            outputs(&lines, first.log_source_id, LogLevel::Error),
            vec!["two"]
        );
        assert_eq!(
            outputs(&lines, second.log_source_id, LogLevel::Info),
            (1..=5).map(|i| format!("line-{i}")).collect::<Vec<_>>()
        );
    }

    #[tokio::test]
    async fn failure_gives_start_error() {
        let (lines, sink) = collector();
        let runner = ScriptRunner::new(
            vec![
                script("ok", "echo fine"),
                script("bad", "echo oops >&2; exit 3"),
            ],
            sink,
            RunOptions::default(),
        );
        let (result, seen) = run_start(&runner).await;
        assert_eq!(result, Lifecycle::StartError);
        assert_eq!(seen, vec![Lifecycle::Starting, Lifecycle::StartError]);
        let bad = &runner.scripts()[1];
        let errors = outputs(&lines, bad.log_source_id, LogLevel::Error);
        assert_eq!(errors[0], "oops");
        assert!(errors[1].contains("exited with code 3"), "{errors:?}");
    }

    #[tokio::test]
    async fn timeout_kills_the_script_and_its_children() {
        let (lines, sink) = collector();
        let mut slow = script("slow", "sleep 30 & echo bg=$!; sleep 30; echo never");
        slow.timeout_seconds = 1;
        let runner = ScriptRunner::new(
            vec![slow, script("quick", "exit 1")],
            sink,
            RunOptions::default(),
        );
        let (result, seen) = run_start(&runner).await;
        // Timeout wins over the other script's failure.
        assert_eq!(result, Lifecycle::StartTimeout);
        assert_eq!(seen, vec![Lifecycle::Starting, Lifecycle::StartTimeout]);
        let source = runner.scripts()[0].log_source_id;
        let info = outputs(&lines, source, LogLevel::Info);
        assert_eq!(info.len(), 1, "{info:?}");
        assert!(outputs(&lines, source, LogLevel::Error)[0].contains("timed out after 1 s"));
        // The background child went with the script's process group (a zombie would still be
        // listed, but init reaps it once its parent `sh` is gone).
        let bg = info[0].strip_prefix("bg=").unwrap();
        let gone = tokio::time::timeout(Duration::from_secs(5), async {
            while let Ok(stat) = std::fs::read_to_string(format!("/proc/{bg}/stat")) {
                if stat.contains(") Z ") {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
        assert!(gone.is_ok(), "background process {bg} survived the timeout");
    }

    #[tokio::test]
    async fn output_left_open_is_pipes_left_open() {
        let (lines, sink) = collector();
        let runner = ScriptRunner::new(
            vec![
                script("holds output", "sleep 20 & echo started"),
                script("redirects", "sleep 20 >/dev/null 2>&1 & echo started"),
            ],
            sink,
            RunOptions {
                output_wait: Some(Duration::from_millis(500)),
                ..RunOptions::default()
            },
        );
        let started = std::time::Instant::now();
        // As in Coder's agent, output left open fails the start (after the wait, not 20 s).
        assert_eq!(run_start(&runner).await.0, Lifecycle::StartError);
        assert!(started.elapsed() < Duration::from_secs(5));
        let [holds, redirects] = runner.scripts() else {
            panic!()
        };
        let latest = |id| runner.runs().latest(id).unwrap();
        assert_eq!(latest(holds.id).status, Status::PipesLeftOpen);
        assert_eq!(latest(holds.id).exit_code, 0, "it did exit with 0");
        assert_eq!(latest(redirects.id).status, Status::Ok);
        assert!(outputs(&lines, holds.log_source_id, LogLevel::Error)[0]
            .contains("output was still open"));
        assert!(outputs(&lines, redirects.log_source_id, LogLevel::Error).is_empty());
    }

    #[tokio::test]
    async fn every_run_is_recorded_with_its_stage() {
        let (_lines, sink) = collector();
        let mut stop = script("stop", "exit 4");
        stop.run_on_start = false;
        stop.run_on_stop = true;
        let runner = ScriptRunner::new(
            vec![script("start", "sleep 0.2"), stop],
            sink,
            RunOptions::default(),
        );
        run_start(&runner).await;
        runner.run_stop(|_| {}).await;
        let runs = runner.runs().all();
        let summary: Vec<_> = runs
            .iter()
            .map(|r| (r.stage.clone(), r.exit_code, r.status.clone()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (TimingStage::Start, 0, Status::Ok),
                (TimingStage::Stop, 4, Status::ExitFailure)
            ]
        );
        assert!(runs[0].ended_at - runs[0].started_at >= chrono::Duration::milliseconds(200));
        assert!(runs[1].started_at >= runs[0].ended_at);
    }

    #[tokio::test]
    async fn stop_scripts_and_filters() {
        let (lines, sink) = collector();
        let mut stop = script("stop", "echo bye");
        stop.run_on_start = false;
        stop.run_on_stop = true;
        let runner = ScriptRunner::new(
            vec![script("start", "echo hi"), stop],
            sink,
            RunOptions::default(),
        );
        assert_eq!(run_start(&runner).await.0, Lifecycle::Ready);
        let seen = Mutex::new(Vec::new());
        let result = runner.run_stop(|l| seen.lock().unwrap().push(l)).await;
        assert_eq!(result, Lifecycle::Off);
        assert_eq!(
            seen.into_inner().unwrap(),
            vec![Lifecycle::ShuttingDown, Lifecycle::Off]
        );
        let all: Vec<String> = lines
            .lock()
            .unwrap()
            .iter()
            .map(|(_, _, o)| o.clone())
            .collect();
        assert_eq!(all, vec!["hi", "bye"]);
    }

    #[tokio::test]
    async fn no_scripts_is_ready_at_once() {
        let (_lines, sink) = collector();
        let runner = ScriptRunner::new(Vec::new(), sink, RunOptions::default());
        assert_eq!(
            run_start(&runner).await,
            (
                Lifecycle::Ready,
                vec![Lifecycle::Starting, Lifecycle::Ready]
            )
        );
    }

    #[tokio::test]
    async fn shebang_env_and_log_path() {
        let (lines, sink) = collector();
        let log_path =
            std::env::temp_dir().join(format!("agent-console-test-{}.log", Uuid::new_v4()));
        let mut config = script(
            "shebang",
            "#!/bin/sh -e\necho from-$GREETING\nfalse\necho unreachable",
        );
        config.log_path = Some(log_path.display().to_string());
        let runner = ScriptRunner::new(
            vec![config],
            sink,
            RunOptions {
                env: vec![("GREETING".into(), "env".into())],
                ..RunOptions::default()
            },
        );
        // `-e` from the #! line applies, so `false` fails the script.
        assert_eq!(run_start(&runner).await.0, Lifecycle::StartError);
        let source = runner.scripts()[0].log_source_id;
        assert_eq!(outputs(&lines, source, LogLevel::Info), vec!["from-env"]);
        assert_eq!(std::fs::read_to_string(&log_path).unwrap(), "from-env\n");
        std::fs::remove_file(&log_path).unwrap();
    }

    #[tokio::test]
    async fn long_lines_are_split() {
        let (lines, sink) = collector();
        let total = MAX_LINE_BYTES + 10;
        let runner = ScriptRunner::new(
            vec![script(
                "long",
                &format!("head -c {total} /dev/zero | tr '\\0' x; echo; echo after"),
            )],
            sink,
            RunOptions::default(),
        );
        assert_eq!(run_start(&runner).await.0, Lifecycle::Ready);
        let out = outputs(&lines, runner.scripts()[0].log_source_id, LogLevel::Info);
        let lens: Vec<usize> = out.iter().map(String::len).collect();
        assert_eq!(lens, vec![MAX_LINE_BYTES, 10, 5]);
        assert_eq!(out[2], "after");
    }

    #[tokio::test]
    async fn default_scripts_run_with_colours_stderr_and_progress() {
        let (lines, sink) = collector();
        let runner = ScriptRunner::new(default_scripts(), sink, RunOptions::default());
        let started = std::time::Instant::now();
        assert_eq!(run_start(&runner).await.0, Lifecycle::Ready);
        let elapsed = started.elapsed();
        assert!(
            elapsed > Duration::from_secs(2) && elapsed < Duration::from_secs(10),
            "{elapsed:?}"
        );
        let lines = lines.lock().unwrap();
        let text = |pred: &dyn Fn(&str) -> bool| lines.iter().any(|(_, _, o)| pred(o));
        assert!(lines.len() >= 8, "{lines:?}");
        assert!(lines
            .iter()
            .any(|(_, l, o)| *l == LogLevel::Error && o.contains("warning")));
        assert!(text(&|o| o.contains('\r') && o.contains("100%")));
        assert!(text(&|o| o.contains("\x1b[1;")));
        assert!(text(&|o| o.contains("\x1b[38;5;")));
        assert!(text(&|o| o.contains("\x1b[38;2;")));
        assert!(!text(&|o| o.contains("could not") || o.contains("exited")));
    }

    #[test]
    fn parses_toml_with_defaults() {
        let scripts = parse_scripts_toml(
            r#"
            listen = "ignored"
            [[scripts]]
            display_name = "Build"
            script = "make"
            timeout_seconds = 30
            start_blocks_login = true

            [[scripts]]
            display_name = "Cleanup"
            script = "rm -rf tmp"
            run_on_start = false
            run_on_stop = true
            cron = "0 0 * * *"
            log_path = "/tmp/cleanup.log"
            icon = "/icon/trash.svg"
            "#,
        )
        .unwrap();
        assert_eq!(scripts.len(), 2);
        assert!(
            scripts[0].run_on_start && !scripts[0].run_on_stop && scripts[0].start_blocks_login
        );
        assert_eq!(scripts[0].timeout(), Some(Duration::from_secs(30)));
        assert_eq!(scripts[1].cron.as_deref(), Some("0 0 * * *"));
        assert_eq!(scripts[1].timeout(), None);
        assert!(!scripts[1].run_on_start && scripts[1].run_on_stop);

        assert_eq!(parse_scripts_toml("").unwrap(), default_scripts());
        assert!(parse_scripts_toml("scripts = []").unwrap().is_empty());
        assert!(
            parse_scripts_toml("[[scripts]]\nscript = \"x\"").is_err(),
            "display_name is required"
        );
    }

    #[test]
    fn ids_are_stable_and_distinct() {
        let a = Script::identify(default_scripts());
        let b = Script::identify(default_scripts());
        assert_eq!(a, b);
        let mut ids: Vec<Uuid> = a.iter().flat_map(|s| [s.id, s.log_source_id]).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 4);
        assert_eq!(a[0].id.get_version_num(), 8);
    }

    #[test]
    fn utf8_cuts_stay_on_boundaries() {
        let text = "aé€".as_bytes(); // 1 + 2 + 3 bytes
        assert_eq!(utf8_cut(text, 2), 1);
        assert_eq!(utf8_cut(text, 3), 3);
        assert_eq!(utf8_cut(text, 4), 3);
        assert_eq!(utf8_cut(text, 6), 6);
        assert_eq!(utf8_cut(&[0x80; 8], 4), 4, "not UTF-8: cut anyway");
    }
}
