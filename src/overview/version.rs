//! Is the agent older than the server? Outdated when both versions are semver and the agent's is
//! lower; deprecated when the major of its API version is below the server's (which wins).
use std::cmp::Ordering;

/// How an agent's version compares with the server's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersionStatus {
    Current,
    Outdated,
    Deprecated,
}

/// `v2.14.3+abc`, `2.14.3-rc.1` → (2, 14, 3, is_prerelease); None when not semver-like.
fn parse_semver(v: &str) -> Option<(u64, u64, u64, bool)> {
    let v = v.trim().trim_start_matches('v');
    let v = v.split('+').next()?;
    let (core, pre) = match v.split_once('-') {
        Some((c, _)) => (c, true),
        None => (v, false),
    };
    let mut parts = core.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let patch = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    Some((major, minor, patch, pre))
}

fn compare(a: (u64, u64, u64, bool), b: (u64, u64, u64, bool)) -> Ordering {
    (a.0, a.1, a.2)
        .cmp(&(b.0, b.1, b.2))
        .then(match (a.3, b.3) {
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            _ => Ordering::Equal,
        })
}

/// The major number of an API version such as `2.3` (lenient: `v2`, `2`).
fn api_major(v: &str) -> Option<u64> {
    v.trim()
        .trim_start_matches('v')
        .split('.')
        .next()?
        .parse()
        .ok()
}

/// Compares agent and server versions (and API versions).
pub fn version_status(
    agent: &str,
    server: &str,
    agent_api: &str,
    server_api: &str,
) -> VersionStatus {
    if let (Some(a), Some(s)) = (api_major(agent_api), api_major(server_api)) {
        if a < s {
            return VersionStatus::Deprecated;
        }
    }
    match (parse_semver(agent), parse_semver(server)) {
        (Some(a), Some(s)) if compare(a, s) == Ordering::Less => VersionStatus::Outdated,
        _ => VersionStatus::Current,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_agents_are_outdated() {
        assert_eq!(
            version_status("v2.13.0", "v2.14.1", "2.0", "2.1"),
            VersionStatus::Outdated
        );
        assert_eq!(
            version_status("v2.14.1+abc", "v2.14.1", "2.1", "2.1"),
            VersionStatus::Current
        );
        assert_eq!(
            version_status("v2.15.0", "v2.14.1", "2.1", "2.1"),
            VersionStatus::Current
        );
        assert_eq!(
            version_status("v2.14.1-rc.1", "v2.14.1", "2.1", "2.1"),
            VersionStatus::Outdated
        );
    }

    #[test]
    fn older_api_major_is_deprecated_and_wins() {
        assert_eq!(
            version_status("v2.13.0", "v2.14.1", "1.0", "2.1"),
            VersionStatus::Deprecated
        );
    }

    #[test]
    fn unparseable_versions_are_not_flagged() {
        assert_eq!(
            version_status("devel", "v2.14.1", "", "2.1"),
            VersionStatus::Current
        );
        assert_eq!(version_status("", "", "", ""), VersionStatus::Current);
    }
}
