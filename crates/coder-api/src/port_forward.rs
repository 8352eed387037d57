//! Port-forwarding host labels, `{port}[s]--{agent}--{workspace}--{user}`, and matching a request
//! host against the deployment's wildcard host (`*.apps.example.com`, `*--apps.example.com`).
//!
//! Building the full port-forward URL is the app's job; this is the part both sides share.
use std::fmt;

/// A port-forwarding host label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortForwardLabel {
    /// Free text before `---`, which coderd allows and ignores.
    pub prefix: Option<String>,
    /// The port on the agent's machine (9..=65535).
    pub port: u16,
    /// The `s` suffix: the forwarded service speaks HTTPS.
    pub https: bool,
    /// Agent name.
    pub agent: String,
    /// Workspace name.
    pub workspace: String,
    /// Owner's username.
    pub user: String,
}

/// Why a host or label is not a port-forwarding one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PortForwardError {
    /// The host is not under the wildcard host.
    #[error("host is not under the wildcard app host")]
    NotWildcardHost,
    /// Not `{slug}--{agent}--{workspace}--{user}` with names of letters, digits and single
    /// hyphens.
    #[error("not a {{port}}--{{agent}}--{{workspace}}--{{user}} host label")]
    Malformed,
    /// A valid app label whose first part is an app slug, not a port.
    #[error("the app label names an app, not a port")]
    NotAPort,
    /// A port below 9, which coderd reserves (coderd's message).
    #[error("Application port {0} is not permitted. Coder reserves ports less than {min} for internal use.", min = crate::MIN_APP_PORT)]
    ReservedPort(u16),
}

/// `{port}[s]--{agent}--{workspace}--{user}`.
pub fn port_forward_subdomain(
    port: u16,
    https: bool,
    agent: &str,
    workspace: &str,
    user: &str,
) -> String {
    format!(
        "{port}{}--{agent}--{workspace}--{user}",
        if https { "s" } else { "" }
    )
}

impl PortForwardLabel {
    /// Renders the label.
    pub fn render(&self) -> String {
        let label = port_forward_subdomain(
            self.port,
            self.https,
            &self.agent,
            &self.workspace,
            &self.user,
        );
        match self.prefix.as_deref() {
            Some(p) => format!("{p}---{label}"),
            None => label,
        }
    }

    /// Parses a label; None when it is not a port-forwarding one. Case-insensitive (names are
    /// returned lowercase, as hosts are).
    pub fn parse(label: &str) -> Option<Self> {
        Self::try_parse(label).ok()
    }

    /// Parses a label, saying why it is not one.
    pub fn try_parse(label: &str) -> Result<Self, PortForwardError> {
        let label = label.trim().to_ascii_lowercase();
        // Like coderd: everything up to the last `---` is a prefix.
        let mut pieces: Vec<&str> = label.split("---").collect();
        let rest = pieces.pop().unwrap_or_default();
        let prefix = (!pieces.is_empty()).then(|| pieces.join("---"));
        let parts: Vec<&str> = rest.split("--").collect();
        if !parts.iter().all(|p| is_name(p)) {
            return Err(PortForwardError::Malformed);
        }
        let [slug, agent, workspace, user] = parts[..] else {
            // Three parts is an app without an agent name: never a port.
            return Err(if parts.len() == 3 {
                PortForwardError::NotAPort
            } else {
                PortForwardError::Malformed
            });
        };
        let (digits, https) = match slug.strip_suffix('s') {
            Some(d) => (d, true),
            None => (slug, false),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PortForwardError::NotAPort);
        }
        let port: u16 = digits.parse().map_err(|_| PortForwardError::NotAPort)?;
        if port < crate::MIN_APP_PORT {
            return Err(PortForwardError::ReservedPort(port));
        }
        Ok(Self {
            prefix,
            port,
            https,
            agent: agent.into(),
            workspace: workspace.into(),
            user: user.into(),
        })
    }

    /// Parses the label of a request `Host` under the wildcard host `pattern`.
    pub fn from_host(pattern: &str, host: &str) -> Result<Self, PortForwardError> {
        let label = match_wildcard_host(pattern, host).ok_or(PortForwardError::NotWildcardHost)?;
        Self::try_parse(&label)
    }
}

impl fmt::Display for PortForwardLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

/// coderd's name rule: ASCII letters and digits, with single hyphens between them.
fn is_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Matches `host` (a `Host` header: any case, optional `:port`, optional trailing dot) against
/// a wildcard host pattern whose only `*` starts it, and returns what `*` stands for, lowercase.
/// The `*` matches one or more characters other than `.`, like coderd's pattern.
pub fn match_wildcard_host(pattern: &str, host: &str) -> Option<String> {
    let pattern = pattern.trim().to_ascii_lowercase();
    let pattern = strip_port(&pattern);
    let suffix = pattern.strip_prefix('*')?;
    if suffix.contains('*') || !suffix.contains('.') || suffix.ends_with('.') {
        return None;
    }
    let host = host.trim().to_ascii_lowercase();
    let host = strip_port(&host);
    let host = host.strip_suffix('.').unwrap_or(host);
    let label = host.strip_suffix(suffix)?;
    (!label.is_empty() && !label.contains('.')).then(|| label.to_owned())
}

/// `host:port` → `host` (IPv6 literals are not app hosts and are left alone).
fn strip_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((h, port)) if !h.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_patterns() {
        assert_eq!(
            match_wildcard_host("*.localhost", "8080--main--ws--alice.localhost:7080").as_deref(),
            Some("8080--main--ws--alice")
        );
        assert_eq!(
            match_wildcard_host("*--apps.example.com", "3000--a--w--u--apps.Example.COM.")
                .as_deref(),
            Some("3000--a--w--u")
        );
        assert_eq!(
            match_wildcard_host("*.apps.example.com:443", "x.apps.example.com").as_deref(),
            Some("x")
        );
        assert!(match_wildcard_host("*.localhost", "localhost").is_none());
        assert!(match_wildcard_host("*.localhost", "a.b.localhost").is_none());
        assert!(match_wildcard_host("*.localhost", ".localhost").is_none());
        assert!(match_wildcard_host("apps.*.com", "apps.x.com").is_none());
        assert!(match_wildcard_host("*", "x").is_none());
        assert!(match_wildcard_host("", "x").is_none());
    }

    #[test]
    fn prefixes_are_kept() {
        let l = PortForwardLabel::parse("dev---8080--main--ws--alice").unwrap();
        assert_eq!(l.prefix.as_deref(), Some("dev"));
        assert_eq!(l.render(), "dev---8080--main--ws--alice");
        assert_eq!(l.to_string(), l.render());
    }
}
