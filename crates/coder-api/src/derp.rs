//! The DERP map and connection info, with the field names coderd really sends: Go's PascalCase
//! (`Regions`, `RegionID`, `HostName`, …) and the one lowercase `omitDefaultRegions` — not the
//! camelCase of the published swagger.
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Default STUN port when a node says 0.
pub const DEFAULT_STUN_PORT: u16 = 3478;
/// Default DERP (HTTPS) port when a node says 0.
pub const DEFAULT_DERP_PORT: u16 = 443;

/// Scores that bias the choice of home region.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DerpHomeParams {
    #[serde(rename = "RegionScore", default, skip_serializing_if = "Option::is_none")]
    pub region_score: Option<BTreeMap<String, f64>>,
}

/// One relay node.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DerpNode {
    #[serde(rename = "Name", default)]
    pub name: String,
    #[serde(rename = "RegionID", default)]
    pub region_id: i64,
    #[serde(rename = "HostName", default)]
    pub host_name: String,
    #[serde(rename = "CertName", default, skip_serializing_if = "Option::is_none")]
    pub cert_name: Option<String>,
    #[serde(rename = "IPv4", default, skip_serializing_if = "Option::is_none")]
    pub ipv4: Option<String>,
    #[serde(rename = "IPv6", default, skip_serializing_if = "Option::is_none")]
    pub ipv6: Option<String>,
    /// 0 means 3478; -1 disables STUN.
    #[serde(rename = "STUNPort", default, skip_serializing_if = "Option::is_none")]
    pub stun_port: Option<i32>,
    #[serde(rename = "STUNOnly", default, skip_serializing_if = "Option::is_none")]
    pub stun_only: Option<bool>,
    /// 0 means 443.
    #[serde(rename = "DERPPort", default, skip_serializing_if = "Option::is_none")]
    pub derp_port: Option<i32>,
    #[serde(rename = "InsecureForTests", default, skip_serializing_if = "Option::is_none")]
    pub insecure_for_tests: Option<bool>,
    #[serde(rename = "ForceHTTP", default, skip_serializing_if = "Option::is_none")]
    pub force_http: Option<bool>,
    #[serde(rename = "STUNTestIP", default, skip_serializing_if = "Option::is_none")]
    pub stun_test_ip: Option<String>,
    #[serde(rename = "CanPort80", default, skip_serializing_if = "Option::is_none")]
    pub can_port_80: Option<bool>,
}

impl DerpNode {
    /// The STUN port in use, or None when STUN is disabled (-1).
    pub fn effective_stun_port(&self) -> Option<u16> {
        match self.stun_port.unwrap_or(0) {
            0 => Some(DEFAULT_STUN_PORT),
            p if p < 0 => None,
            p => u16::try_from(p).ok(),
        }
    }
    /// The DERP port in use.
    pub fn effective_derp_port(&self) -> u16 {
        match self.derp_port.unwrap_or(0) {
            p if p <= 0 => DEFAULT_DERP_PORT,
            p => u16::try_from(p).unwrap_or(DEFAULT_DERP_PORT),
        }
    }
}

/// A relay region.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DerpRegion {
    #[serde(rename = "EmbeddedRelay", default)]
    pub embedded_relay: bool,
    #[serde(rename = "RegionID", default)]
    pub region_id: i64,
    #[serde(rename = "RegionCode", default)]
    pub region_code: String,
    #[serde(rename = "RegionName", default)]
    pub region_name: String,
    #[serde(rename = "Avoid", default, skip_serializing_if = "Option::is_none")]
    pub avoid: Option<bool>,
    #[serde(rename = "Nodes", default, deserialize_with = "crate::enums::null_as_default")]
    pub nodes: Vec<DerpNode>,
}

/// The DERP map: regions keyed by region id (as a string, like Go's JSON of `map[int]`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DerpMap {
    #[serde(rename = "HomeParams", default, skip_serializing_if = "Option::is_none")]
    pub home_params: Option<DerpHomeParams>,
    #[serde(rename = "Regions", default, deserialize_with = "crate::enums::null_as_default")]
    pub regions: BTreeMap<String, DerpRegion>,
    #[serde(rename = "omitDefaultRegions", default, skip_serializing_if = "Option::is_none")]
    pub omit_default_regions: Option<bool>,
}

impl DerpMap {
    /// Regions sorted by id.
    pub fn sorted_regions(&self) -> Vec<&DerpRegion> {
        let mut v: Vec<_> = self.regions.values().collect();
        v.sort_by_key(|r| r.region_id);
        v
    }
}

/// `GET /workspaceagents/{id}/connection`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentConnectionInfo {
    #[serde(default)]
    pub derp_map: DerpMap,
    #[serde(default)]
    pub derp_force_websockets: bool,
    #[serde(default)]
    pub disable_direct_connections: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname_suffix: Option<String>,
}
