//! Port-forward URLs, built the way Coder builds them: the wildcard app host with its `*`
//! replaced by `{port}[s]--{agent}--{workspace}--{user}`, opened with the page's scheme.

/// Longest DNS label browsers and resolvers accept.
pub const MAX_DNS_LABEL: usize = 63;
/// Lowest and highest port a user may forward (Coder reserves the ports below 9).
pub const MIN_PORT: u16 = 9;
pub const MAX_PORT: u16 = 65535;

/// The protocol the forwarded service speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Http,
    Https,
}

impl Protocol {
    /// As stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Http => "http",
            Protocol::Https => "https",
        }
    }
    /// From a stored value; anything else is HTTP, Coder's default.
    pub fn parse(s: &str) -> Self {
        if s == "https" {
            Protocol::Https
        } else {
            Protocol::Http
        }
    }
}

/// Who the agent belongs to, as the forwarded host names it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ForwardOwner {
    pub agent: String,
    pub workspace: String,
    pub user: String,
}

/// Everything the forwarded URLs of one agent need: what the ports view and the terminal's
/// local links both build from (see [`super::use_forwarding`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ForwardBase {
    /// The wildcard app host, e.g. `*.apps.example.com` (empty: the deployment has none).
    pub wildcard_host: String,
    /// Agent, workspace and user names.
    pub owner: ForwardOwner,
    /// Labels and the protocol choice are remembered per workspace.
    pub workspace_id: String,
    /// The console's own scheme (`http:` or `https:`), which forwarded URLs use.
    pub page_scheme: String,
}

impl ForwardBase {
    /// The forwarded URL of `port` (see [`forward_url`]).
    pub fn url(&self, port: u16, protocol: Protocol) -> Result<String, ForwardProblem> {
        forward_url(
            &self.wildcard_host,
            port,
            protocol,
            &self.owner,
            &self.page_scheme,
        )
    }
}

/// Why a port cannot be opened through the wildcard host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ForwardProblem {
    /// The deployment has no wildcard app host, so subdomain forwarding cannot work.
    NoWildcardHost,
    /// The host label would be longer than DNS allows.
    LabelTooLong { label: String, length: usize },
}

impl ForwardProblem {
    /// A plain explanation.
    pub fn explain(&self) -> String {
        match self {
            ForwardProblem::NoWildcardHost => "This deployment has no wildcard app host, so ports cannot be opened in the browser. An administrator can set one (CODER_WILDCARD_ACCESS_URL); until then, use `coder port-forward` from your machine.".into(),
            ForwardProblem::LabelTooLong { length, .. } => format!(
                "The forwarded host name would need a {length}-character label, but DNS allows at most {MAX_DNS_LABEL}. Shorter agent, workspace or user names fix this; `coder port-forward` works meanwhile."
            ),
        }
    }
}

/// The URL that opens `port` in the browser, or why it cannot be built.
/// `page_scheme` is the console's own scheme (`http:` or `https:`), as Coder uses the dashboard's.
pub fn forward_url(
    wildcard_host: &str,
    port: u16,
    protocol: Protocol,
    owner: &ForwardOwner,
    page_scheme: &str,
) -> Result<String, ForwardProblem> {
    let host = wildcard_host.trim();
    if host.is_empty() || !host.contains('*') {
        return Err(ForwardProblem::NoWildcardHost);
    }
    let label = coder_api::port_forward_subdomain(
        port,
        protocol == Protocol::Https,
        &owner.agent.to_lowercase(),
        &owner.workspace.to_lowercase(),
        &owner.user.to_lowercase(),
    );
    // The `*` may stand for a whole label (`*.apps.example.com`) or part of one (`*-apps.example.com`).
    let first_label = host
        .split('.')
        .next()
        .unwrap_or_default()
        .replacen('*', &label, 1);
    if first_label.len() > MAX_DNS_LABEL {
        return Err(ForwardProblem::LabelTooLong {
            length: first_label.len(),
            label,
        });
    }
    let scheme = if page_scheme.starts_with("https") {
        "https"
    } else {
        "http"
    };
    Ok(format!("{scheme}://{}/", host.replacen('*', &label, 1)))
}

/// Whether `url` is an address under the wildcard app host (`*.apps.example.com` covers
/// `http://8080--a--b--c.apps.example.com/x`): such an address opens signed in
/// (`crate::api::open_forwarded`).
pub fn is_forward_address(url: &str, wildcard_host: &str) -> bool {
    let Some((_, suffix)) = wildcard_host.trim().split_once('*') else {
        return false;
    };
    let Some(rest) = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
    else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    !suffix.is_empty()
        && authority.len() > suffix.len()
        && authority
            .to_ascii_lowercase()
            .ends_with(&suffix.to_ascii_lowercase())
}

/// Checks what the user typed in "connect to port".
pub fn parse_port_input(input: &str) -> Result<u16, String> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err("Enter a port number.".into());
    }
    match trimmed.parse::<u32>() {
        Ok(p) if (u32::from(MIN_PORT)..=u32::from(MAX_PORT)).contains(&p) => Ok(p as u16),
        Ok(_) => Err(format!(
            "Ports from {MIN_PORT} to {MAX_PORT} can be opened."
        )),
        Err(_) => Err("A port is a whole number.".into()),
    }
}

/// localStorage key of the protocol choice for a workspace (remembered per workspace).
pub fn protocol_key(workspace_id: &str) -> String {
    format!("agent-console.ports.protocol.{workspace_id}")
}

/// localStorage key of the label a user gave a port.
pub fn label_key(workspace_id: &str, port: u16) -> String {
    format!("agent-console.ports.label.{workspace_id}.{port}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner() -> ForwardOwner {
        ForwardOwner {
            agent: "main".into(),
            workspace: "dev".into(),
            user: "alice".into(),
        }
    }

    #[test]
    fn forward_addresses_are_recognised_by_the_wildcard() {
        let embedded = "*.localhost:7080";
        assert!(is_forward_address(
            "http://8080--a--b--c.localhost:7080/x?y",
            embedded
        ));
        assert!(is_forward_address(
            "http://8080S--A--B--C.LOCALHOST:7080",
            embedded
        ));
        assert!(
            !is_forward_address("http://localhost:7080/", embedded),
            "the console itself"
        );
        assert!(!is_forward_address(
            "http://8080--a--b--c.localhost:9999/",
            embedded
        ));
        assert!(!is_forward_address("https://example.com/", embedded));
        assert!(!is_forward_address(
            "javascript:alert(1)//x.localhost:7080",
            embedded
        ));
        let partial = "*-apps.example.com";
        assert!(is_forward_address(
            "https://8080--a--b--c-apps.example.com/",
            partial
        ));
        assert!(!is_forward_address(
            "https://evil.com/?x=-apps.example.com",
            partial
        ));
        assert!(!is_forward_address("http://x.localhost:7080/", ""));
    }

    #[test]
    fn urls_follow_coders_scheme() {
        assert_eq!(
            forward_url(
                "*.apps.example.com",
                8080,
                Protocol::Http,
                &owner(),
                "https:"
            )
            .unwrap(),
            "https://8080--main--dev--alice.apps.example.com/"
        );
        assert_eq!(
            forward_url("*.localhost:7080", 3000, Protocol::Https, &owner(), "http:").unwrap(),
            "http://3000s--main--dev--alice.localhost:7080/"
        );
        assert_eq!(
            forward_url(
                "*-apps.example.com",
                5000,
                Protocol::Http,
                &owner(),
                "https:"
            )
            .unwrap(),
            "https://5000--main--dev--alice-apps.example.com/"
        );
        let upper = ForwardOwner {
            agent: "Main".into(),
            workspace: "Dev".into(),
            user: "Alice".into(),
        };
        assert!(forward_url("*.x.io", 80, Protocol::Http, &upper, "https:")
            .unwrap()
            .contains("80--main--dev--alice"));
    }

    #[test]
    fn missing_wildcard_is_explained() {
        assert_eq!(
            forward_url("", 8080, Protocol::Http, &owner(), "https:"),
            Err(ForwardProblem::NoWildcardHost)
        );
        assert_eq!(
            forward_url("apps.example.com", 8080, Protocol::Http, &owner(), "https:"),
            Err(ForwardProblem::NoWildcardHost)
        );
        assert!(ForwardProblem::NoWildcardHost
            .explain()
            .contains("wildcard"));
    }

    #[test]
    fn labels_longer_than_63_are_refused() {
        let long = ForwardOwner {
            agent: "a".repeat(20),
            workspace: "w".repeat(20),
            user: "u".repeat(20),
        };
        match forward_url("*.example.com", 65535, Protocol::Https, &long, "https:") {
            Err(ForwardProblem::LabelTooLong { length, .. }) => {
                assert_eq!(length, 6 + 2 + 20 + 2 + 20 + 2 + 20)
            }
            other => panic!("{other:?}"),
        }
        let fits = ForwardOwner {
            agent: "a".repeat(17),
            workspace: "w".repeat(17),
            user: "u".repeat(17),
        };
        assert!(forward_url("*.example.com", 65535, Protocol::Https, &fits, "https:").is_ok());
    }

    #[test]
    fn port_input_is_validated() {
        assert_eq!(parse_port_input(" 8080 "), Ok(8080));
        assert_eq!(parse_port_input("9"), Ok(9));
        assert_eq!(parse_port_input("65535"), Ok(65535));
        assert!(parse_port_input("8").is_err());
        assert!(parse_port_input("65536").is_err());
        assert!(parse_port_input("80a").is_err());
        assert!(parse_port_input("").is_err());
        assert!(parse_port_input("-1").is_err());
    }

    #[test]
    fn storage_keys_are_per_workspace() {
        assert_ne!(protocol_key("a"), protocol_key("b"));
        assert_ne!(label_key("a", 80), label_key("a", 81));
    }
}
