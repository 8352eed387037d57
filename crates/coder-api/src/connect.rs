//! How a person connects to an agent from their own machine, as coderd's dashboard offers it: the
//! deployment's SSH settings (`GET /deployment/ssh`), the host name `coder config-ssh` writes for
//! an agent, and the deep link the Coder VS Code extension opens.
//!
//! Read in coder/coder (search index): `codersdk/deployment.go` `SSHConfigResponse`,
//! `site/src/modules/resources/SSHButton/SSHButton.tsx` (`coder config-ssh`, then
//! `ssh {hostname_prefix}{workspace}.{agent}`), `site/src/modules/apps/apps.ts` `getVSCodeHref`
//! (`{scheme}://coder.coder-remote/open?owner&workspace&url&token&openRecent=true[&agent][&folder]`)
//! and `VSCodeDesktopButton.tsx` (shown for the `vscode` and `vscode_insiders` display apps).
use crate::routes::Query;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `GET /deployment/ssh`: what `coder config-ssh` writes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SshConfigResponse {
    /// Prefix of the host names `coder config-ssh` writes (`coder.` by default).
    #[serde(default)]
    pub hostname_prefix: String,
    /// Extra options written into each host's block.
    #[serde(default, deserialize_with = "crate::de::null_as_default")]
    pub ssh_config_options: BTreeMap<String, String>,
}

/// The host name `ssh` reaches an agent by once `coder config-ssh` ran:
/// `{prefix}{workspace}.{agent}`.
pub fn ssh_host(prefix: &str, workspace: &str, agent: &str) -> String {
    format!("{prefix}{workspace}.{agent}")
}

/// The VS Code flavours the Coder extension registers a URI handler in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VscodeFlavour {
    Stable,
    Insiders,
}

impl VscodeFlavour {
    /// The URI scheme the editor registers.
    pub fn scheme(self) -> &'static str {
        match self {
            VscodeFlavour::Stable => "vscode",
            VscodeFlavour::Insiders => "vscode-insiders",
        }
    }
}

/// What the extension's `/open` handler needs to open an agent's folder.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VscodeTarget<'a> {
    pub owner: &'a str,
    pub workspace: &'a str,
    /// The deployment's URL (the extension signs in there).
    pub url: &'a str,
    pub agent: &'a str,
    /// The folder to open; none opens the editor's default.
    pub folder: Option<&'a str>,
}

/// The deep link the Coder VS Code extension opens. coderd's dashboard adds a fresh API key as
/// `token`; this one carries none, so no credential ever sits in a link, and the extension asks
/// the person to sign in to `url` when it has no token for it yet.
pub fn vscode_open_uri(flavour: VscodeFlavour, t: &VscodeTarget<'_>) -> String {
    let query = Query::default()
        .pair("owner", t.owner)
        .pair("workspace", t.workspace)
        .pair("url", t.url)
        .pair("openRecent", "true")
        .opt("agent", Some(t.agent).filter(|a| !a.is_empty()))
        .opt("folder", t.folder.filter(|f| !f.is_empty()));
    format!(
        "{}://coder.coder-remote/open{}",
        flavour.scheme(),
        query.render()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ssh_host_is_prefix_workspace_dot_agent() {
        assert_eq!(ssh_host("coder.", "dev", "main"), "coder.dev.main");
        let r: SshConfigResponse =
            serde_json::from_str(r#"{"hostname_prefix":"coder.","ssh_config_options":null}"#)
                .unwrap();
        assert_eq!(r.hostname_prefix, "coder.");
        assert!(r.ssh_config_options.is_empty());
        let r: SshConfigResponse = serde_json::from_str("{}").unwrap();
        assert_eq!(r.hostname_prefix, "");
    }

    #[test]
    fn the_vscode_link_has_coders_shape_encoded_and_no_token() {
        let t = VscodeTarget {
            owner: "alice",
            workspace: "dev",
            url: "https://coder.example.com",
            agent: "main",
            folder: Some("/home/alice/my project"),
        };
        assert_eq!(
            vscode_open_uri(VscodeFlavour::Stable, &t),
            "vscode://coder.coder-remote/open?owner=alice&workspace=dev&url=https%3A%2F%2Fcoder.example.com&openRecent=true&agent=main&folder=%2Fhome%2Falice%2Fmy%20project"
        );
        let hostile = VscodeTarget {
            owner: "a&token=x",
            folder: None,
            ..t
        };
        let uri = vscode_open_uri(VscodeFlavour::Insiders, &hostile);
        assert!(uri.starts_with("vscode-insiders://coder.coder-remote/open?owner=a%26token%3Dx&"));
        assert!(!uri.contains("token="), "{uri}");
        assert!(!uri.contains("folder"), "{uri}");
    }
}
