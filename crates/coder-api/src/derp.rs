//! The DERP map and the agent connection info that carries it, with the field names coderd
//! really sends: Go's PascalCase (`Regions`, `RegionID`, `HostName`, …) and the one lowercase
//! `omitDefaultRegions`, not the camelCase of the published swagger example.
use crate::de::{map_skip_nulls, vec_skip_nulls};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// STUN port used when a node says 0.
pub const DEFAULT_STUN_PORT: u16 = 3478;
/// DERP (HTTPS) port used when a node says 0.
pub const DEFAULT_DERP_PORT: u16 = 443;

/// Scores that bias the choice of home region.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DerpHomeParams {
    /// Multiplier per region id (as a string key); above 1 avoids, below 1 prefers.
    #[serde(
        rename = "RegionScore",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub region_score: Option<BTreeMap<String, f64>>,
}

/// One relay node.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DerpNode {
    /// Unique node name, e.g. `1a`.
    #[serde(rename = "Name", default)]
    pub name: String,
    /// Region it belongs to.
    #[serde(rename = "RegionID", default)]
    pub region_id: i64,
    /// DNS name (or IP) of the relay.
    #[serde(rename = "HostName", default)]
    pub host_name: String,
    /// TLS name expected, when it differs from the host name.
    #[serde(rename = "CertName", default, skip_serializing_if = "Option::is_none")]
    pub cert_name: Option<String>,
    /// IPv4 address to use instead of DNS (`none` disables IPv4).
    #[serde(rename = "IPv4", default, skip_serializing_if = "Option::is_none")]
    pub ipv4: Option<String>,
    /// IPv6 address to use instead of DNS (`none` disables IPv6).
    #[serde(rename = "IPv6", default, skip_serializing_if = "Option::is_none")]
    pub ipv6: Option<String>,
    /// 0 means 3478; -1 disables STUN.
    #[serde(rename = "STUNPort", default, skip_serializing_if = "Option::is_none")]
    pub stun_port: Option<i32>,
    /// The node only does STUN, no relaying.
    #[serde(rename = "STUNOnly", default, skip_serializing_if = "Option::is_none")]
    pub stun_only: Option<bool>,
    /// 0 means 443.
    #[serde(rename = "DERPPort", default, skip_serializing_if = "Option::is_none")]
    pub derp_port: Option<i32>,
    /// Skip TLS verification (tests only).
    #[serde(
        rename = "InsecureForTests",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub insecure_for_tests: Option<bool>,
    /// Speak plain HTTP to the relay (coder's fork).
    #[serde(rename = "ForceHTTP", default, skip_serializing_if = "Option::is_none")]
    pub force_http: Option<bool>,
    /// STUN target IP for tests.
    #[serde(
        rename = "STUNTestIP",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub stun_test_ip: Option<String>,
    /// The relay also answers on port 80 (captive-portal checks).
    #[serde(rename = "CanPort80", default, skip_serializing_if = "Option::is_none")]
    pub can_port_80: Option<bool>,
}

impl DerpNode {
    /// The STUN port in use, or None when STUN is disabled (any negative value).
    pub fn effective_stun_port(&self) -> Option<u16> {
        match self.stun_port.unwrap_or(0) {
            0 => Some(DEFAULT_STUN_PORT),
            p if p < 0 => None,
            p => u16::try_from(p).ok(),
        }
    }
    /// Whether STUN is disabled on this node.
    pub fn stun_disabled(&self) -> bool {
        self.effective_stun_port().is_none()
    }
    /// The DERP port in use (443 unless set).
    pub fn effective_derp_port(&self) -> u16 {
        match self.derp_port.unwrap_or(0) {
            p if p <= 0 => DEFAULT_DERP_PORT,
            p => u16::try_from(p).unwrap_or(DEFAULT_DERP_PORT),
        }
    }
    /// Whether the node relays traffic (not STUN-only).
    pub fn relays(&self) -> bool {
        !self.stun_only.unwrap_or(false)
    }
}

/// A relay region.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DerpRegion {
    /// The relay built into coderd.
    #[serde(rename = "EmbeddedRelay", default)]
    pub embedded_relay: bool,
    /// Region id (also its key in the map).
    #[serde(rename = "RegionID", default)]
    pub region_id: i64,
    /// Short code, e.g. `nyc`.
    #[serde(rename = "RegionCode", default)]
    pub region_code: String,
    /// Human name; the agent's `latency` map is keyed by it.
    #[serde(rename = "RegionName", default)]
    pub region_name: String,
    /// Clients should not pick it as home unless nothing else works.
    #[serde(rename = "Avoid", default, skip_serializing_if = "Option::is_none")]
    pub avoid: Option<bool>,
    /// Its nodes, in preference order.
    #[serde(rename = "Nodes", default, deserialize_with = "vec_skip_nulls")]
    pub nodes: Vec<DerpNode>,
}

/// The DERP map: regions keyed by region id written as a string (Go's JSON of `map[int]`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DerpMap {
    /// Home region scoring, when set.
    #[serde(
        rename = "HomeParams",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub home_params: Option<DerpHomeParams>,
    /// Regions by id.
    #[serde(rename = "Regions", default, deserialize_with = "map_skip_nulls")]
    pub regions: BTreeMap<String, DerpRegion>,
    /// Do not merge Tailscale's default regions in.
    #[serde(
        rename = "omitDefaultRegions",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub omit_default_regions: Option<bool>,
}

impl DerpMap {
    /// The region with this id.
    pub fn region(&self, id: i64) -> Option<&DerpRegion> {
        self.regions
            .get(&id.to_string())
            .or_else(|| self.regions.values().find(|r| r.region_id == id))
    }
    /// The home-region score of a region, when one is set.
    pub fn region_score(&self, id: i64) -> Option<f64> {
        self.home_params
            .as_ref()?
            .region_score
            .as_ref()?
            .get(&id.to_string())
            .copied()
    }
}

/// `GET /workspaceagents/{id}/connection`: how a client reaches the agent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentConnectionInfo {
    /// The relays.
    #[serde(default)]
    pub derp_map: DerpMap,
    /// Clients must reach relays over WebSockets (no plain DERP upgrade).
    #[serde(default)]
    pub derp_force_websockets: bool,
    /// Peer-to-peer connections are off: always relay.
    #[serde(default)]
    pub disable_direct_connections: bool,
    /// DNS suffix of workspace hosts (newer coderd), e.g. `coder`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname_suffix: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_defaults() {
        let node = |stun, derp| DerpNode {
            stun_port: stun,
            derp_port: derp,
            ..Default::default()
        };
        assert_eq!(node(None, None).effective_stun_port(), Some(3478));
        assert_eq!(node(Some(0), Some(0)).effective_derp_port(), 443);
        assert_eq!(
            node(Some(19302), Some(8443)).effective_stun_port(),
            Some(19302)
        );
        assert_eq!(node(None, Some(8443)).effective_derp_port(), 8443);
        assert!(node(Some(-1), None).stun_disabled());
        assert!(
            node(Some(70000), None).stun_disabled(),
            "out of range is unusable"
        );
        assert!(node(None, None).relays());
    }

    #[test]
    fn region_lookup_by_id() {
        let mut map = DerpMap::default();
        map.regions.insert(
            "7".into(),
            DerpRegion {
                region_id: 7,
                ..Default::default()
            },
        );
        assert!(map.region(7).is_some() && map.region(8).is_none());
        assert_eq!(map.region_score(7), None);
        map.home_params = Some(DerpHomeParams {
            region_score: Some(BTreeMap::from([("7".into(), 0.5)])),
        });
        assert_eq!(map.region_score(7), Some(0.5));
    }
}
