//! Facts about this machine that the emulated agent, workspace and user report.

use std::path::PathBuf;

use crate::config::AgentSection;

/// Names and directories of the emulated agent.
#[derive(Debug, Clone)]
pub struct HostInfo {
    /// Agent name: a DNS label derived from the hostname (it appears in port-forward host names).
    pub agent_name: String,
    /// Workspace name: a DNS label.
    pub workspace_name: String,
    /// Username: a DNS label.
    pub username: String,
    /// The machine's hostname as-is.
    pub hostname: String,
    /// `operating_system` in Go's spelling (`linux`, `darwin`, `windows`).
    pub operating_system: String,
    /// `architecture` in Go's spelling (`amd64`, `arm64`, ...).
    pub architecture: String,
    /// The agent's `directory` (the server's working directory unless configured).
    pub directory: PathBuf,
    /// The user's home directory.
    pub home: PathBuf,
}

impl HostInfo {
    /// Reads the machine, applying `[agent]` overrides.
    pub fn detect(section: &AgentSection) -> Self {
        let hostname = read_hostname();
        let login = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_default();
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/"));
        let directory = section
            .directory
            .clone()
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| home.clone());
        HostInfo {
            agent_name: dns_label(section.name.as_deref().unwrap_or(&hostname), "main"),
            workspace_name: dns_label(section.workspace.as_deref().unwrap_or("local"), "local"),
            username: section
                .username
                .clone()
                .map(|n| dns_label(&n, "coder"))
                .unwrap_or_else(|| dns_label(&login, "coder")),
            hostname,
            operating_system: go_os(std::env::consts::OS).to_owned(),
            architecture: go_arch(std::env::consts::ARCH).to_owned(),
            directory,
            home,
        }
    }
}

fn read_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}

/// Lowercase letters, digits and single hyphens, at most 32 characters (Coder's name rules), so the
/// name fits in `{port}--{agent}--{workspace}--{user}` host labels; `fallback` when nothing is left.
pub fn dns_label(raw: &str, fallback: &str) -> String {
    let mut out = String::new();
    for c in raw.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 32 {
            break;
        }
    }
    let out = out.trim_matches('-').to_owned();
    if out.is_empty() {
        fallback.to_owned()
    } else {
        out
    }
}

fn go_os(os: &str) -> &str {
    match os {
        "macos" => "darwin",
        other => other,
    }
}

fn go_arch(arch: &str) -> &str {
    match arch {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_dns_safe() {
        assert_eq!(dns_label("My_Host.example.com", "x"), "my-host-example-com");
        assert_eq!(dns_label("--", "x"), "x");
        assert_eq!(dns_label("a--b", "x"), "a-b");
        assert!(dns_label(&"a".repeat(80), "x").len() <= 32);
    }

    #[test]
    fn detects_something() {
        let info = HostInfo::detect(&AgentSection::default());
        assert_eq!(info.agent_name, dns_label(&info.hostname, "main"));
        assert_eq!(info.workspace_name, "local");
        assert!(!info.workspace_name.is_empty());
        assert_eq!(go_arch("x86_64"), "amd64");
    }
}
