//! The embedded backend: the local machine acting as a Coder workspace agent.
//!
//! [`Embedded`] owns the agent (identity, lifecycle, logs), the PTY sessions, the port scanner, the
//! DERP map and the agent's secrets; [`router`] maps coderd's routes onto it with coderd's auth:
//! public routes, user routes (session token), the terminal (session token, 404 when missing) and
//! `/workspaceagents/me/*` (agent token).

pub mod agent;
pub mod agent_auth;
pub mod app_auth;
pub mod apps;
pub mod around;
pub mod database;
mod frame_batch;
pub mod host;
pub mod instance_identity;
pub mod latency;
mod local_tls;
pub mod log_store;
pub mod logs;
pub mod metadata;
pub mod network;
pub mod port_forward;
pub mod ports;
pub mod pty;
mod routes;
pub mod script_runs;
pub mod scripts;
pub mod sessions;
pub mod terminal;
pub mod ws;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use self::agent::{Agent, Identity};
use self::host::HostInfo;
use self::log_store::LogStore;
use self::port_forward::ForwardConfig;
use self::ports::PortScanner;
use self::pty::{PtyConfig, PtyManager};
use self::scripts::{RunOptions, ScriptRunner};
use crate::auth::Tokens;
use crate::config::{Config, FileConfig, Mode};
use crate::error::ApiError;
use coder_api::DerpMap;
use coder_api::GitSshKey;

/// Handle to the running embedded backend (cheap to clone).
#[derive(Clone)]
pub struct Embedded {
    inner: Arc<Inner>,
}

// A handler takes the part of the backend it needs (axum's substates: `State<LogStore>`); only
// handlers that need several parts take the whole handle.
impl axum::extract::FromRef<Embedded> for LogStore {
    fn from_ref(e: &Embedded) -> Self {
        e.agent().logs.clone()
    }
}

impl axum::extract::FromRef<Embedded> for GitSshKey {
    fn from_ref(e: &Embedded) -> Self {
        e.git_ssh_key().clone()
    }
}

struct Inner {
    tokens: Tokens,
    file: FileConfig,
    local_addr: SocketAddr,
    base_path: String,
    agent: Agent,
    derp_map: watch::Sender<DerpMap>,
    ptys: PtyManager,
    ports: PortScanner,
    git_ssh_key: GitSshKey,
    external_tokens: agent_auth::ExternalTokens,
    forward: ForwardConfig,
    shutdown: CancellationToken,
    faults: Option<crate::faults::Faults>,
    scripts: ScriptRunner,
    metadata: metadata::Metadata,
    apps: apps::Apps,
    /// When a client last reported using the workspace (`POST /workspaces/{id}/usage`); the
    /// server's start until then.
    last_used: std::sync::Mutex<chrono::DateTime<chrono::Utc>>,
    /// Held for the server's life: it owns the data directory's lock.
    database: database::Database,
}

/// The console's address for a browser on this machine: the listen address, or `localhost` when
/// the server listens on every interface.
fn console_url(local_addr: SocketAddr, base_path: &str) -> String {
    let host = if local_addr.ip().is_unspecified() {
        format!("localhost:{}", local_addr.port())
    } else {
        local_addr.to_string()
    };
    format!("http://{host}{base_path}")
}

/// How long shutdown waits for the `run_on_stop` scripts before it kills them and exits.
const STOP_SCRIPTS_LIMIT: Duration = Duration::from_secs(30);

impl Embedded {
    /// Creates the backend for `config` (which must be in embedded mode) on a server bound to
    /// `local_addr`, and starts the startup scripts. Must run inside a Tokio runtime.
    pub fn start(
        config: &Config,
        local_addr: SocketAddr,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Self> {
        let Mode::Embedded { tokens, file } = &config.mode else {
            anyhow::bail!("the embedded backend needs an embedded-mode configuration");
        };
        let file = (**file).clone();
        let host = HostInfo::detect(&file.agent);
        // Identity and logs of earlier runs (a database in memory without a data directory).
        let database = database::Database::open(config.data_dir.as_deref())?;
        let identity = database.start_build(database.identity_or(Identity::random())?)?;
        let limit = file.logs.max_output_bytes;
        // Half the cap at most is kept, so this run has room for its own startup logs.
        let (sources, lines) = database.load_logs(chrono::Utc::now(), limit / 2)?;
        // One writer thread stores the logs and the script runs.
        let writer = database.writer()?;
        let logs = LogStore::restore(
            identity.agent_id,
            limit,
            sources,
            lines,
            Some(writer.clone()),
        );
        // Shells and scripts never see the console's own tokens.
        let hidden_env = tokens.env_vars_holding_them();
        let run_options = RunOptions {
            cwd: Some(host.directory.clone()),
            env_remove: hidden_env.clone(),
            ..RunOptions::default()
        };
        let metadata = metadata::Metadata::new(file.metadata.clone());
        metadata.start(run_options.clone(), shutdown.clone());
        let runs = script_runs::ScriptRuns::new(identity.build_id, Some(writer.clone()));
        let runner = ScriptRunner::new(file.scripts.clone(), Arc::new(logs.clone()), run_options)
            .with_runs(runs.clone());
        let git_ssh_key =
            agent_auth::generate_git_ssh_key(&format!("{}@{}", host.username, host.agent_name))?;
        let identity_agent_id = identity.agent_id;
        let agent = Agent::new(
            identity,
            host.clone(),
            runner.scripts().to_vec(),
            logs,
            file.derp.clone(),
            latency::Latency::start(&file.derp.regions, local_addr, shutdown.clone()),
            runs,
        );
        let external: HashMap<String, String> = file
            .external_auth
            .iter()
            .filter_map(|p| p.access_token.clone().map(|t| (p.id.clone(), t)))
            .collect();
        let sessions = sessions::Sessions::new(&host.hostname);
        let forward = ForwardConfig {
            agent_name: host.agent_name.clone(),
            workspace_name: host.workspace_name.clone(),
            owner_name: host.username.clone(),
            // As coderd: every forwarded port needs sign-in (loopback included: any page the
            // browser opens could otherwise reach the machine's services through it).
            requires_session: true,
            session_token: tokens.session.clone(),
            console_port: Some(local_addr.port()),
            app_auth: app_auth::AppAuth::default(),
            console_url: console_url(local_addr, &config.base_path),
            sessions: sessions.clone(),
        };
        let apps = apps::Apps::new(
            &file.apps,
            identity_agent_id,
            apps::Names {
                agent: host.agent_name.clone(),
                workspace: host.workspace_name.clone(),
                user: host.username.clone(),
            },
        );
        apps.start_health_checks(shutdown.clone());
        let e = Embedded {
            inner: Arc::new(Inner {
                tokens: tokens.clone(),
                derp_map: watch::channel(network::derp_map_from_config(&file.derp)).0,
                file,
                local_addr,
                base_path: config.base_path.clone(),
                ptys: PtyManager::new(PtyConfig {
                    cwd: Some(host.directory.clone()),
                    env_remove: hidden_env,
                    ..PtyConfig::default()
                }),
                ports: PortScanner::new(Some(local_addr.port())),
                agent,
                git_ssh_key,
                external_tokens: watch::channel(external).0,
                forward,
                shutdown,
                faults: config.faults.clone(),
                scripts: runner.clone(),
                metadata,
                apps,
                last_used: std::sync::Mutex::new(chrono::Utc::now()),
                database,
            }),
        };
        let lifecycle_agent = e.inner.agent.clone();
        let stop = e.inner.shutdown.clone();
        tokio::spawn(async move {
            runner
                .run_start(move |l| lifecycle_agent.set_lifecycle(l))
                .await;
            // As in Coder's agent, scheduled runs begin once the start scripts are done.
            runner.run_cron(stop).await;
        });
        Ok(e)
    }

    /// Shuts the agent down as Coder's agent does: sockets are told to close, the `run_on_stop`
    /// scripts run (lifecycle `shutting_down`, then `off` or how they failed) for at most
    /// [`STOP_SCRIPTS_LIMIT`], then the PTY sessions are killed.
    pub async fn stop(&self) {
        self.inner.shutdown.cancel();
        let runner = &self.inner.scripts;
        if runner.scripts().iter().any(|s| s.config.run_on_stop) {
            let agent = self.inner.agent.clone();
            let run = runner.run_stop(move |l| agent.set_lifecycle(l));
            if tokio::time::timeout(STOP_SCRIPTS_LIMIT, run).await.is_err() {
                tracing::warn!(
                    "stop scripts still running after {} s; they were killed",
                    STOP_SCRIPTS_LIMIT.as_secs()
                );
            }
        }
        self.inner.ptys.kill_all();
        // What the scripts (and anyone) logged is on disk before the process ends.
        self.inner.agent.logs.flush(Duration::from_secs(5));
    }

    /// The tokens.
    pub fn tokens(&self) -> &Tokens {
        &self.inner.tokens
    }

    /// The agent.
    pub fn agent(&self) -> &Agent {
        &self.inner.agent
    }

    /// The configuration file contents.
    pub fn file(&self) -> &FileConfig {
        &self.inner.file
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.inner.local_addr
    }

    /// The app's base path (`""` or `/p`).
    pub fn base_path(&self) -> &str {
        &self.inner.base_path
    }

    /// The wildcard app host: `*.localhost:{port}`.
    pub fn wildcard_hostname(&self) -> String {
        let pattern = port_forward::FORWARD_HOST_PATTERN;
        format!("{pattern}:{}", self.inner.local_addr.port())
    }

    /// The DERP map channel; sending a new map pushes it to every `/derp-map` socket.
    pub fn derp_map(&self) -> &watch::Sender<DerpMap> {
        &self.inner.derp_map
    }

    /// PTY sessions.
    pub fn ptys(&self) -> &PtyManager {
        &self.inner.ptys
    }

    /// The agent's git SSH key pair.
    pub fn git_ssh_key(&self) -> &GitSshKey {
        &self.inner.git_ssh_key
    }

    /// External-auth tokens by provider id.
    pub fn external_tokens(&self) -> &agent_auth::ExternalTokens {
        &self.inner.external_tokens
    }

    /// Records that the user completed external auth with provider `id`: `listen` requests return.
    pub fn set_external_auth_token(&self, id: &str, token: &str) {
        self.inner.external_tokens.send_modify(|m| {
            m.insert(id.to_owned(), token.to_owned());
        });
    }

    /// Cancelled at shutdown.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.inner.shutdown.clone()
    }

    /// A per-socket counter for the "drop WebSockets every N frames" fault (never drops without
    /// `--enable-fault-injection`).
    pub fn ws_faults(&self) -> crate::faults::WsFaults {
        match &self.inner.faults {
            Some(f) => f.socket(),
            None => crate::faults::WsFaults::none(),
        }
    }

    /// The listening-port scanner.
    pub fn port_scanner(&self) -> &PortScanner {
        &self.inner.ports
    }

    /// Who may be reached through port-forward hosts.
    pub fn forward_config(&self) -> &ForwardConfig {
        &self.inner.forward
    }

    /// Who is connected: terminal sockets and port-forward exchanges.
    pub fn sessions(&self) -> &sessions::Sessions {
        &self.inner.forward.sessions
    }

    /// When the workspace was last reported in use.
    pub fn last_used(&self) -> chrono::DateTime<chrono::Utc> {
        *self
            .inner
            .last_used
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Records a report that the workspace is in use now.
    pub fn mark_used(&self) {
        *self
            .inner
            .last_used
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = chrono::Utc::now();
    }

    /// The agent's apps, their health and statuses.
    pub fn apps(&self) -> &apps::Apps {
        &self.inner.apps
    }

    /// The agent's JSON as coderd writes it, with its apps and who is connected.
    pub fn agent_wire(&self) -> coder_api::WorkspaceAgent {
        let mut agent = self.inner.agent.to_wire();
        agent.apps = self.inner.apps.wire();
        agent.sessions = self.sessions().list();
        agent
    }

    /// The agent's live metadata.
    pub fn metadata(&self) -> &metadata::Metadata {
        &self.inner.metadata
    }

    /// The agent's database (identity, logs, builds and their script runs).
    pub fn database(&self) -> &database::Database {
        &self.inner.database
    }

    /// Checks the `{workspaceagent}` path parameter: 400 when not a UUID, 404 when not this agent.
    pub fn check_agent_param(&self, raw: &str) -> Result<(), ApiError> {
        if uuid_param(raw)? == self.inner.agent.identity.agent_id {
            Ok(())
        } else {
            Err(ApiError::not_found())
        }
    }
}

/// A UUID path parameter as coderd's middleware reads it: 400 with its message when it is not one.
pub fn uuid_param(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|err| {
        ApiError::new(StatusCode::BAD_REQUEST, format!("Invalid UUID {raw:?}."))
            .detail(err.to_string())
    })
}

pub use routes::{api_root, router, with_port_forwarding};
