//! What the containers view shows, decided without the DOM: a dev container's state in words,
//! which port may become a link, and how much of a long list is drawn.
use crate::ports::forward::{ForwardBase, Protocol};
use crate::ui::link::safe_http_url;
use crate::ui::status::Tone;
use coder_api::{WorkspaceAgentContainerPort, WorkspaceAgentDevcontainerStatus as Status};

/// Cards or rows drawn at first, and added by each "show more": a few hundred entries never
/// block the page.
pub const PAGE: usize = 50;

/// A dev container's status as a tone and a word; a status this version does not know is shown
/// as sent.
pub fn describe_status(status: &Status) -> (Tone, String) {
    let (tone, label) = match status {
        Status::Running => (Tone::Ok, "Running"),
        Status::Stopped => (Tone::Neutral, "Stopped"),
        Status::Starting => (Tone::Progress, "Starting"),
        Status::Stopping => (Tone::Progress, "Stopping"),
        Status::Deleting => (Tone::Progress, "Deleting"),
        Status::Error => (Tone::Danger, "Error"),
        Status::Unknown(other) => return (Tone::Neutral, other.clone()),
    };
    (tone, label.to_owned())
}

/// The rebuild button's word, as Coder's dashboard has it: "Start" when there is no container.
pub fn rebuild_label(status: &Status, has_container: bool) -> &'static str {
    match status {
        Status::Deleting => "Deleting",
        Status::Stopping => "Stopping",
        _ if has_container => "Rebuild",
        _ => "Start",
    }
}

/// How a port reads: `8080/tcp → 0.0.0.0:18080`, or "not bound to the host".
pub fn port_text(p: &WorkspaceAgentContainerPort) -> String {
    let inside = format!("{}/{}", p.port, p.network);
    match p.host_port {
        Some(host) => {
            let ip = p.host_ip.as_deref().unwrap_or_default();
            let ip = if ip.contains(':') {
                format!("[{ip}]")
            } else {
                ip.to_owned()
            };
            format!("{inside} → {ip}:{host}")
        }
        None => format!("{inside} (not bound to the host)"),
    }
}

/// The forwarded URL that opens a container's port, when it can be one: a TCP port bound to
/// the agent's host on a loopback or every-interface address (the forwarder reaches the host's
/// loopback), through the page's forward rules, and only if it is http(s).
pub fn port_link(p: &WorkspaceAgentContainerPort, forward: Option<&ForwardBase>) -> Option<String> {
    let host_port = p.host_port?;
    let reachable = match p.host_ip.as_deref().unwrap_or_default() {
        "" => true,
        ip => ip
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified()),
    };
    if !(reachable && p.network.eq_ignore_ascii_case("tcp")) {
        return None;
    }
    let url = forward?.url(host_port, Protocol::Http).ok()?;
    safe_http_url(&url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::forward::ForwardOwner;

    fn port(ip: Option<&str>, host: Option<u16>, network: &str) -> WorkspaceAgentContainerPort {
        WorkspaceAgentContainerPort {
            port: 3000,
            network: network.into(),
            host_ip: ip.map(Into::into),
            host_port: host,
        }
    }

    fn base(wildcard: &str) -> ForwardBase {
        ForwardBase {
            wildcard_host: wildcard.into(),
            owner: ForwardOwner {
                agent: "main".into(),
                workspace: "dev".into(),
                user: "me".into(),
            },
            workspace_id: "w".into(),
            page_scheme: "http:".into(),
        }
    }

    #[test]
    fn only_host_bound_tcp_ports_on_reachable_addresses_link() {
        let b = base("*.localhost:7080");
        assert_eq!(
            port_link(&port(Some("0.0.0.0"), Some(13000), "tcp"), Some(&b)).as_deref(),
            Some("http://13000--main--dev--me.localhost:7080/")
        );
        assert!(port_link(&port(Some("::1"), Some(13000), "tcp"), Some(&b)).is_some());
        assert!(port_link(&port(None, Some(13000), "tcp"), Some(&b)).is_some());
        assert_eq!(
            port_link(&port(Some("0.0.0.0"), None, "tcp"), Some(&b)),
            None,
            "unbound"
        );
        assert_eq!(
            port_link(&port(Some("10.1.2.3"), Some(13000), "tcp"), Some(&b)),
            None,
            "bound to another interface"
        );
        assert_eq!(port_link(&port(None, Some(53), "udp"), Some(&b)), None);
        assert_eq!(
            port_link(&port(None, Some(13000), "tcp"), None),
            None,
            "no base yet"
        );
        assert_eq!(
            port_link(&port(None, Some(13000), "tcp"), Some(&base(""))),
            None,
            "no wildcard host"
        );
        // A wildcard host that would make a non-http URL never becomes a link.
        assert_eq!(
            port_link(&port(None, Some(13000), "tcp"), Some(&base("*. x"))),
            None
        );
    }

    #[test]
    fn ports_read_as_bindings() {
        assert_eq!(
            port_text(&port(Some("0.0.0.0"), Some(13000), "tcp")),
            "3000/tcp → 0.0.0.0:13000"
        );
        assert_eq!(
            port_text(&port(Some("::"), Some(1), "tcp")),
            "3000/tcp → [::]:1"
        );
        assert_eq!(
            port_text(&port(None, None, "tcp")),
            "3000/tcp (not bound to the host)"
        );
    }

    #[test]
    fn statuses_in_words_unknown_as_sent() {
        assert_eq!(describe_status(&Status::Running).1, "Running");
        assert_eq!(describe_status(&Status::Error).0, Tone::Danger);
        let odd = Status::from_wire("hibernating");
        assert_eq!(describe_status(&odd), (Tone::Neutral, "hibernating".into()));
        assert_eq!(rebuild_label(&Status::Running, true), "Rebuild");
        assert_eq!(rebuild_label(&Status::Stopped, false), "Start");
        assert_eq!(rebuild_label(&Status::Deleting, true), "Deleting");
    }
}
