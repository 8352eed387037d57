//! Command line: `agent-console serve [...]`, turned into a validated [`Config`].

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};

use crate::auth::{read_token_file, Tokens};
use crate::config::{normalize_base_path, Config, FileConfig, Mode};

/// The `agent-console` command line.
#[derive(Debug, Parser)]
#[command(
    name = "agent-console",
    version,
    about = "Web console for Coder workspace agents"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app and the Coder API (embedded backend, or a proxy with --coder-url).
    Serve(ServeArgs),
}

/// Flags of `agent-console serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on. Non-loopback addresses need both tokens set explicitly.
    #[arg(long, default_value = "127.0.0.1:7080", env = "AGENT_CONSOLE_LISTEN")]
    pub listen: SocketAddr,
    /// Serve the web app from this directory (a built dist/) instead of the copy built into the
    /// binary.
    #[arg(long, env = "AGENT_CONSOLE_DIST")]
    pub dist: Option<PathBuf>,
    /// Proxy /api/v2 to this coderd instead of running the embedded backend.
    #[arg(long, env = "AGENT_CONSOLE_CODER_URL")]
    pub coder_url: Option<String>,
    /// Session token for user routes of the embedded backend (random when absent). A flag shows
    /// in `ps`: prefer --session-token-file or the environment variable.
    #[arg(long, env = "AGENT_CONSOLE_SESSION_TOKEN", hide_env_values = true)]
    pub session_token: Option<String>,
    /// A file holding the session token (surrounding whitespace ignored).
    #[arg(long, value_name = "FILE", conflicts_with = "session_token")]
    pub session_token_file: Option<PathBuf>,
    /// Agent token for /workspaceagents/me/* of the embedded backend (random when absent).
    #[arg(long, env = "AGENT_CONSOLE_AGENT_TOKEN", hide_env_values = true)]
    pub agent_token: Option<String>,
    /// A file holding the agent token (surrounding whitespace ignored).
    #[arg(long, value_name = "FILE", conflicts_with = "agent_token")]
    pub agent_token_file: Option<PathBuf>,
    /// Path prefix the app is served under, e.g. /console.
    #[arg(long, default_value = "", env = "AGENT_CONSOLE_BASE_PATH")]
    pub base_path: String,
    /// CSP frame-ancestors sources allowed to embed the app in a frame.
    #[arg(long, default_value = "'self'", env = "AGENT_CONSOLE_FRAME_ANCESTORS")]
    pub frame_ancestors: String,
    /// A host name the server answers besides its listen address and localhost names (DNS-rebinding
    /// defence): the name users reach it by through DNS or a reverse proxy. Repeatable;
    /// `*.example.com` allows its subdomains.
    #[arg(
        long = "allowed-host",
        value_name = "NAME",
        env = "AGENT_CONSOLE_ALLOWED_HOSTS",
        value_delimiter = ','
    )]
    pub allowed_hosts: Vec<String>,
    /// Where the embedded agent keeps its identity and logs across restarts (SQLite). Default:
    /// $XDG_DATA_HOME/agent-console, else ~/.local/share/agent-console.
    #[arg(long, value_name = "DIR", env = "AGENT_CONSOLE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// TOML configuration of the embedded backend (startup scripts, external auth, DERP map, ...).
    #[arg(long, env = "AGENT_CONSOLE_CONFIG")]
    pub config: Option<PathBuf>,
    /// The widest level a forwarded port may be shared at (owner, organization, authenticated,
    /// public): the template's max_port_share_level. Overrides `[port_sharing] max_level`;
    /// default public.
    #[arg(long, value_name = "LEVEL", env = "AGENT_CONSOLE_MAX_PORT_SHARE_LEVEL")]
    pub max_port_share_level: Option<String>,
    /// Tests only: turn on fault injection (loopback, embedded backend) and the `/__faults` route.
    #[arg(long, hide = true)]
    pub enable_fault_injection: bool,
    /// Tests only: the initial faults, e.g. "ws-drop-every=5,delay-ms=200,status=503".
    #[arg(long, hide = true, requires = "enable_fault_injection")]
    pub faults: Option<String>,
}

impl ServeArgs {
    /// Validates the flags and builds the server configuration.
    pub fn into_config(mut self) -> anyhow::Result<Config> {
        if let Some(path) = self.session_token_file.take() {
            self.session_token = Some(read_token_file("--session-token-file", &path)?);
        }
        if let Some(path) = self.agent_token_file.take() {
            self.agent_token = Some(read_token_file("--agent-token-file", &path)?);
        }
        let base_path = normalize_base_path(&self.base_path)?;
        let frame_ancestors = self.frame_ancestors.trim().to_owned();
        if frame_ancestors.is_empty() || frame_ancestors.contains([';', ',', '\n', '\r']) {
            bail!("--frame-ancestors must be a space-separated list of CSP sources");
        }
        let mode = match self.coder_url {
            Some(url) => {
                let upstream =
                    url::Url::parse(&url).with_context(|| format!("--coder-url {url:?}"))?;
                if !matches!(upstream.scheme(), "http" | "https") || upstream.host_str().is_none() {
                    bail!("--coder-url must be an http(s) URL with a host");
                }
                Mode::Proxy { upstream }
            }
            None => {
                let explicit = self.session_token.is_some() && self.agent_token.is_some();
                if !self.listen.ip().is_loopback() && !explicit {
                    bail!(
                        "refusing to listen on non-loopback address {} without both --session-token and --agent-token",
                        self.listen
                    );
                }
                let mut file = match &self.config {
                    Some(path) => FileConfig::load(path)?,
                    None => FileConfig::default(),
                };
                if let Some(level) = &self.max_port_share_level {
                    file.port_sharing.max_level = level.as_str().into();
                    file.port_sharing
                        .validate()
                        .context("--max-port-share-level")?;
                }
                let tokens = Tokens::new(self.session_token, self.agent_token)?;
                Mode::Embedded {
                    tokens,
                    file: Box::new(file),
                }
            }
        };
        let faults = if self.enable_fault_injection {
            if !self.listen.ip().is_loopback() {
                bail!(
                    "refusing --enable-fault-injection on non-loopback address {}",
                    self.listen
                );
            }
            if !matches!(mode, Mode::Embedded { .. }) {
                bail!("--enable-fault-injection needs the embedded backend (not --coder-url)");
            }
            let spec = crate::faults::FaultSpec::parse(self.faults.as_deref().unwrap_or(""))
                .context("--faults")?;
            Some(crate::faults::Faults::new(spec))
        } else {
            None
        };
        crate::hosts::AllowedHosts::new(self.listen, &self.allowed_hosts)?;
        let data_dir = matches!(mode, Mode::Embedded { .. }).then(|| {
            self.data_dir
                .unwrap_or_else(crate::config::default_data_dir)
        });
        Ok(Config {
            allowed_hosts: self.allowed_hosts,
            data_dir,
            listen: self.listen,
            dist: self.dist,
            base_path,
            frame_ancestors,
            mode,
            faults,
        })
    }
}
