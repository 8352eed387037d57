//! Server configuration: the validated command line ([`Config`]) and the optional TOML file of the
//! embedded backend ([`FileConfig`]).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::Deserialize;

use crate::auth::Tokens;

/// Everything `serve` needs, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to bind.
    pub listen: SocketAddr,
    /// Directory of a built web app (`--dist`); `None`: the app built into the binary.
    pub dist: Option<PathBuf>,
    /// Path prefix of the app: empty, or `/seg[/seg...]` without a trailing slash.
    pub base_path: String,
    /// Value of the CSP `frame-ancestors` directive.
    pub frame_ancestors: String,
    /// Embedded backend or proxy.
    pub mode: Mode,
    /// Fault injection for tests (`--enable-fault-injection`): `None` when off.
    pub faults: Option<crate::faults::Faults>,
    /// Host names answered beside the listen address and localhost names (`--allowed-host`).
    pub allowed_hosts: Vec<String>,
    /// Where the embedded agent keeps its identity and logs (`--data-dir`); `None` keeps them in
    /// memory only (tests).
    pub data_dir: Option<PathBuf>,
}

/// Where `/api/v2/*` is answered.
#[derive(Debug, Clone)]
pub enum Mode {
    /// The local machine emulated as a Coder agent.
    Embedded {
        /// Session and agent tokens.
        tokens: Tokens,
        /// The TOML configuration (or its default).
        file: Box<FileConfig>,
    },
    /// Everything under `/api/v2` forwarded to a real coderd.
    Proxy {
        /// Base URL of the coderd.
        upstream: url::Url,
    },
}

impl Config {
    /// A configuration for tests and embedding: embedded backend on `listen` with the given tokens.
    pub fn embedded(listen: SocketAddr, tokens: Tokens, file: FileConfig) -> Self {
        Config {
            listen,
            dist: None,
            base_path: String::new(),
            frame_ancestors: "'self'".into(),
            mode: Mode::Embedded {
                tokens,
                file: Box::new(file),
            },
            faults: None,
            allowed_hosts: Vec::new(),
            data_dir: None,
        }
    }

    /// A configuration for tests and embedding: proxy to `upstream`.
    pub fn proxy(listen: SocketAddr, upstream: url::Url) -> Self {
        Config {
            listen,
            dist: None,
            base_path: String::new(),
            frame_ancestors: "'self'".into(),
            mode: Mode::Proxy { upstream },
            faults: None,
            allowed_hosts: Vec::new(),
            data_dir: None,
        }
    }
}

/// The default `--data-dir`: `$XDG_DATA_HOME/agent-console`, else
/// `$HOME/.local/share/agent-console`, else `.agent-console` in the working directory.
pub fn default_data_dir() -> PathBuf {
    let from = |var: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    from("XDG_DATA_HOME")
        .or_else(|| from("HOME").map(|home| home.join(".local/share")))
        .map(|base| base.join("agent-console"))
        .unwrap_or_else(|| PathBuf::from(".agent-console"))
}

/// Normalises `--base-path`: `""`, `"/"` → `""`; `"p/"`, `"/p"` → `"/p"`.
pub fn normalize_base_path(raw: &str) -> anyhow::Result<String> {
    let trimmed = raw.trim().trim_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    let ok = trimmed.split('/').all(|seg| {
        !seg.is_empty()
            && seg != "."
            && seg != ".."
            && seg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
    });
    if !ok {
        bail!("--base-path {raw:?} must be a path like /console (letters, digits, - . _ ~)");
    }
    Ok(coder_api::routes::normalize_base(trimmed))
}

/// The TOML file of the embedded backend. Every section is optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FileConfig {
    /// How the agent presents itself.
    pub agent: AgentSection,
    /// `[[scripts]]`: startup scripts (see the script runner); absent → its built-in defaults.
    pub scripts: Vec<crate::embedded::scripts::ScriptConfig>,
    /// External auth providers answered by `/workspaceagents/me/external-auth`.
    pub external_auth: Vec<ExternalAuthProvider>,
    /// Instance ids accepted by the instance-identity routes.
    pub instance_identity: InstanceIdentitySection,
    /// The DERP map served by `/derp-map` and `.../connection`.
    pub derp: DerpSection,
    /// The agent's log store.
    pub logs: LogsSection,
    /// `[[metadata]]`: live values shown on the overview, shaped like a template's `metadata`
    /// blocks; absent → [`crate::embedded::metadata::default_metadata`] (this machine's CPU,
    /// memory, disk and load); `metadata = []` → none.
    pub metadata: Vec<crate::embedded::metadata::MetadataConfig>,
    /// `[[apps]]`: the agent's apps, shaped like a template's `coder_app` (none by default).
    pub apps: Vec<crate::embedded::apps::AppConfig>,
}

impl Default for FileConfig {
    fn default() -> Self {
        FileConfig {
            agent: AgentSection::default(),
            scripts: crate::embedded::scripts::default_scripts(),
            external_auth: Vec::new(),
            instance_identity: InstanceIdentitySection::default(),
            derp: DerpSection::default(),
            logs: LogsSection::default(),
            metadata: crate::embedded::metadata::default_metadata(),
            apps: Vec::new(),
        }
    }
}

impl FileConfig {
    /// Reads and parses a TOML file.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("parsing {}", path.display()))
    }

    /// Parses TOML text.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let file: FileConfig = toml::from_str(text)?;
        for provider in &file.external_auth {
            regex::Regex::new(&provider.r#match)
                .with_context(|| format!("external_auth {:?}: bad match regex", provider.id))?;
        }
        for script in &file.scripts {
            if let Some(cron) = &script.cron {
                crate::embedded::scripts::parse_schedule(cron).map_err(|e| {
                    anyhow::anyhow!("script {:?}: cron {cron:?}: {e}", script.display_name)
                })?;
            }
        }
        crate::embedded::metadata::validate(&file.metadata).map_err(anyhow::Error::msg)?;
        crate::embedded::apps::validate(&file.apps).map_err(anyhow::Error::msg)?;
        Ok(file)
    }
}

/// `[logs]`: the agent's log store.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogsSection {
    /// Total output bytes kept per agent before it is marked overflowed (coderd: 1 MiB). Raising
    /// it lets the benchmark hold a million lines.
    pub max_output_bytes: usize,
}

impl Default for LogsSection {
    fn default() -> Self {
        LogsSection {
            max_output_bytes: crate::embedded::log_store::MAX_LOGS_LENGTH,
        }
    }
}

/// `[agent]`: naming of the emulated agent, workspace and user.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AgentSection {
    /// Agent name (default: derived from the hostname).
    pub name: Option<String>,
    /// Workspace name (default: `local`).
    pub workspace: Option<String>,
    /// Username (default: the login name, else `coder`).
    pub username: Option<String>,
    /// Working directory reported as the agent's `directory` (default: the server's cwd).
    pub directory: Option<PathBuf>,
}

/// `[[external_auth]]`: one provider.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalAuthProvider {
    /// Provider id (`?id=`).
    pub id: String,
    /// Provider type, e.g. `github`.
    #[serde(default = "default_provider_type")]
    pub r#type: String,
    /// Regex matched against `?match=` (a URL or host).
    pub r#match: String,
    /// Where the user authenticates (default: a page of this console).
    pub url: Option<String>,
    /// The token, once the user has one. Without it, `listen` waits.
    pub access_token: Option<String>,
    /// Username returned with the token (default: `oauth2` like coderd's git helpers).
    pub username: Option<String>,
    /// Password returned with the token.
    pub password: Option<String>,
}

fn default_provider_type() -> String {
    "github".into()
}

/// `[instance_identity]`: instance ids that may exchange an identity for the agent token.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InstanceIdentitySection {
    /// AWS instance ids (`i-...`), read from the document's `instanceId`.
    pub aws: Vec<String>,
    /// Azure VM ids, read from the decoded `encoding` payload's `vmId`.
    pub azure: Vec<String>,
    /// Google instance ids, read from the JWT's `google.compute_engine.instance_id`.
    pub google: Vec<String>,
    /// Accept documents without verifying the cloud's signature (which this server cannot do).
    /// Off by default: then every exchange is refused.
    pub accept_unverified: bool,
}

/// `[derp]`: the static DERP map of the embedded backend.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DerpSection {
    /// `derp_force_websockets` of the connection info.
    pub force_websockets: bool,
    /// `disable_direct_connections` of the connection info.
    pub disable_direct_connections: bool,
    /// `hostname_suffix` of the connection info.
    pub hostname_suffix: String,
    /// Regions of the map.
    pub regions: Vec<DerpRegionConfig>,
}

impl Default for DerpSection {
    fn default() -> Self {
        DerpSection {
            force_websockets: false,
            disable_direct_connections: false,
            hostname_suffix: "coder".into(),
            regions: vec![
                DerpRegionConfig {
                    id: 999,
                    code: "coder".into(),
                    name: "Embedded (this machine)".into(),
                    embedded_relay: true,
                    host: "127.0.0.1".into(),
                    derp_port: 7080,
                    stun_port: -1,
                    latency_ms: None,
                },
                DerpRegionConfig {
                    id: 1000,
                    code: "loop6".into(),
                    name: "Loopback IPv6".into(),
                    embedded_relay: false,
                    host: "::1".into(),
                    derp_port: 3340,
                    stun_port: 3478,
                    latency_ms: None,
                },
            ],
        }
    }
}

/// One region of the DERP map (with a single node).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DerpRegionConfig {
    /// Region id (`RegionID`).
    pub id: i64,
    /// Short code (`RegionCode`).
    pub code: String,
    /// Display name (`RegionName`); also the key of the agent's `latency` map.
    pub name: String,
    /// `EmbeddedRelay`.
    #[serde(default)]
    pub embedded_relay: bool,
    /// Node host name or IP.
    #[serde(default = "default_derp_host")]
    pub host: String,
    /// `DERPPort`.
    #[serde(default)]
    pub derp_port: i32,
    /// `STUNPort` (-1 disables STUN).
    #[serde(default = "default_stun_port")]
    pub stun_port: i32,
    /// Latency reported for this region in the agent's `latency` map; when unset, measured (the
    /// time to connect to its node, see `embedded/latency.rs`).
    #[serde(default)]
    pub latency_ms: Option<f64>,
}

fn default_derp_host() -> String {
    "127.0.0.1".into()
}

fn default_stun_port() -> i32 {
    -1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_path_is_normalised() {
        assert_eq!(normalize_base_path("").unwrap(), "");
        assert_eq!(normalize_base_path("/").unwrap(), "");
        assert_eq!(normalize_base_path("console/").unwrap(), "/console");
        assert_eq!(normalize_base_path("/a/b").unwrap(), "/a/b");
        assert!(normalize_base_path("/a/../b").is_err());
        assert!(normalize_base_path("/a b").is_err());
    }

    #[test]
    fn file_config_parses_sections() {
        let cfg = FileConfig::parse(
            r#"
            [agent]
            name = "dev"
            [[external_auth]]
            id = "github"
            match = "github\\.com"
            [instance_identity]
            aws = ["i-123"]
            "#,
        )
        .unwrap();
        assert_eq!(cfg.agent.name.as_deref(), Some("dev"));
        assert_eq!(cfg.external_auth[0].r#type, "github");
        assert_eq!(cfg.instance_identity.aws, ["i-123"]);
        assert_eq!(cfg.derp.regions.len(), 2);
        assert!(!cfg.scripts.is_empty(), "built-in scripts by default");
        assert!(FileConfig::parse("scripts = []")
            .unwrap()
            .scripts
            .is_empty());
        assert!(FileConfig::parse("[[external_auth]]\nid='x'\nmatch='('").is_err());
    }

    #[test]
    fn metadata_defaults_to_this_machine_and_is_checked() {
        let keys = |cfg: &FileConfig| -> Vec<String> {
            cfg.metadata.iter().map(|m| m.key.clone()).collect()
        };
        let default = FileConfig::parse("").unwrap();
        assert_eq!(
            keys(&default),
            ["cpu_usage", "memory_usage", "disk_usage", "load_average"]
        );
        assert!(FileConfig::parse("metadata = []")
            .unwrap()
            .metadata
            .is_empty());
        let one = "[[metadata]]\nkey = 'k'\nscript = 'date'\ninterval = 5\n";
        let cfg = FileConfig::parse(one).unwrap();
        assert_eq!(keys(&cfg), ["k"]);
        assert_eq!((cfg.metadata[0].timeout, cfg.metadata[0].order), (0, 0));
        let twice = format!("{one}{one}");
        let err = FileConfig::parse(&twice).unwrap_err();
        assert!(
            format!("{err:#}").contains("duplicate metadata key"),
            "{err:#}"
        );
        assert!(FileConfig::parse("[[metadata]]\nkey = 'k'\nscript = 'date'\n").is_err());
        assert!(FileConfig::parse(&format!("{one}colour = 1\n")).is_err());
    }
}
