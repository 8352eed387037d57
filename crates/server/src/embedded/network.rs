//! Network routes: connection info, the DERP map WebSocket and the coordinate WebSocket.
//!
//! The DERP map is static (from `[derp]` of the config), kept in a `watch` channel so a change
//! (e.g. from a test or a future reload) reaches every `/derp-map` subscriber. It is serialised
//! with Go's field names (`RegionID`, `HostName`, ...) because that is what coderd sends.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use coder_api::{AgentConnectionInfo, DerpMap, DerpNode, DerpRegion};

use super::ws::{push_on_change, upgrade, Next, Upgrade};
use super::Embedded;
use crate::config::DerpSection;
use crate::error::{ApiError, ApiResult};

/// The map described by `[derp]`: one node per region, addresses kept as given.
pub fn derp_map_from_config(derp: &DerpSection) -> DerpMap {
    let regions = derp
        .regions
        .iter()
        .map(|r| {
            let ip: Option<std::net::IpAddr> = r.host.parse().ok();
            let node = DerpNode {
                name: format!("{}a", r.id),
                region_id: r.id,
                host_name: r.host.clone(),
                ipv4: ip.filter(|i| i.is_ipv4()).map(|i| i.to_string()),
                ipv6: ip.filter(|i| i.is_ipv6()).map(|i| i.to_string()),
                stun_port: Some(r.stun_port),
                derp_port: Some(r.derp_port),
                // Loopback relays speak plain HTTP.
                force_http: ip.is_some_and(|i| i.is_loopback()).then_some(true),
                ..DerpNode::default()
            };
            let region = DerpRegion {
                embedded_relay: r.embedded_relay,
                region_id: r.id,
                region_code: r.code.clone(),
                region_name: r.name.clone(),
                avoid: None,
                nodes: vec![node],
            };
            (r.id.to_string(), region)
        })
        .collect();
    DerpMap {
        home_params: None,
        regions,
        omit_default_regions: Some(true),
    }
}

/// `GET /workspaceagents/connection` and `GET /workspaceagents/{id}/connection`.
pub async fn connection(State(e): State<Embedded>) -> Json<AgentConnectionInfo> {
    let derp = &e.agent().derp;
    Json(AgentConnectionInfo {
        derp_map: e.derp_map().borrow().clone(),
        derp_force_websockets: derp.force_websockets,
        disable_direct_connections: derp.disable_direct_connections,
        hostname_suffix: Some(derp.hostname_suffix.clone()).filter(|s| !s.is_empty()),
    })
}

/// `GET /derp-map`: no auth (as in coderd), same-origin only, binary frames of whole maps.
pub async fn derp_map_ws(
    State(e): State<Embedded>,
    headers: HeaderMap,
    ws: Upgrade,
) -> ApiResult<Response> {
    let ws = upgrade(&headers, ws)?;
    Ok(ws
        .on_upgrade(move |socket| derp_map_loop(socket, e))
        .into_response())
}

async fn derp_map_loop(socket: WebSocket, e: Embedded) {
    // Every change sends the whole map, as coderd does.
    push_on_change(socket, e.derp_map().subscribe(), &e, |rx| Next::Send {
        frame: Message::Binary(serde_json::to_vec(&*rx.borrow()).unwrap_or_default().into()),
        more: false,
    })
    .await
}

/// Query of `GET .../coordinate`.
#[derive(Debug, serde::Deserialize)]
pub struct CoordinateQuery {
    /// Tailnet protocol version (default "1.0").
    pub version: Option<String>,
}

/// The reason the coordinate socket closes with.
pub const COORDINATE_CLOSE_REASON: &str =
    "tailnet coordination is not provided by the embedded backend";

/// `GET /workspaceagents/{id}/coordinate`: validates `version` like coderd, upgrades, then closes
/// with 1011 and a reason saying tailnet is out of scope.
pub async fn coordinate(
    Query(q): Query<CoordinateQuery>,
    headers: HeaderMap,
    ws: Upgrade,
) -> ApiResult<Response> {
    let version = q
        .version
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "1.0".into());
    if let Err(detail) = validate_tailnet_version(&version) {
        return Err(ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "Unknown or unsupported API version",
        )
        .validation("version", detail));
    }
    let ws = upgrade(&headers, ws)?;
    Ok(ws
        .on_upgrade(|mut socket| async move {
            let _ = socket
                .send(Message::Close(Some(CloseFrame {
                    code: 1011,
                    reason: COORDINATE_CLOSE_REASON.into(),
                })))
                .await;
            // Wait briefly for the client's close reply so it sees a clean close.
            let _ = tokio::time::timeout(Duration::from_secs(2), socket.recv()).await;
        })
        .into_response())
}

/// Tailnet API versions are `major.minor`; coderd speaks majors 1 and 2.
fn validate_tailnet_version(v: &str) -> Result<(), String> {
    let (major, minor) = v
        .split_once('.')
        .ok_or_else(|| format!("invalid version string: {v:?}"))?;
    let major: u32 = major
        .parse()
        .map_err(|_| format!("invalid major version: {major:?}"))?;
    let _minor: u32 = minor
        .parse()
        .map_err(|_| format!("invalid minor version: {minor:?}"))?;
    if !(1..=2).contains(&major) {
        return Err(format!(
            "server version 2.x is not compatible with client version {v}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derp_map_uses_go_names() {
        let map = derp_map_from_config(&DerpSection::default());
        let json = serde_json::to_value(&map).unwrap();
        let region = &json["Regions"]["999"];
        assert_eq!(region["RegionID"], 999);
        assert_eq!(region["RegionCode"], "coder");
        assert_eq!(region["EmbeddedRelay"], true);
        assert_eq!(region["Nodes"][0]["HostName"], "127.0.0.1");
        assert_eq!(region["Nodes"][0]["IPv4"], "127.0.0.1");
        assert_eq!(region["Nodes"][0]["STUNPort"], -1);
        assert_eq!(json["omitDefaultRegions"], true);
        assert!(json.get("HomeParams").is_none());
    }

    #[test]
    fn tailnet_versions() {
        assert!(validate_tailnet_version("1.0").is_ok());
        assert!(validate_tailnet_version("2.3").is_ok());
        assert!(validate_tailnet_version("3.0").is_err());
        assert!(validate_tailnet_version("x").is_err());
    }
}
