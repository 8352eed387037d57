//! The agent's latency to each relay region, measured for real: the time to open a TCP
//! connection to the region's node, every few seconds (the embedded relay is this server, so its
//! node is the console's own listening address). A region whose node does not answer is left out
//! of the agent's `latency` map, as coderd's agent leaves out regions its netcheck did not reach;
//! a region with `latency_ms` in the config reports that value instead.
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::config::DerpRegionConfig;

/// How often every region is measured.
pub const LATENCY_INTERVAL: Duration = Duration::from_secs(5);
/// A node slower than this to accept a connection counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// The latest round trip per region name (ms); regions not reached are absent.
#[derive(Clone, Default)]
pub struct Latency {
    measured: Arc<Mutex<BTreeMap<String, f64>>>,
}

impl Latency {
    /// Measures `regions` now and then every [`LATENCY_INTERVAL`] until `stop`.
    pub fn start(regions: &[DerpRegionConfig], own: SocketAddr, stop: CancellationToken) -> Self {
        let latency = Latency::default();
        let targets: Vec<(String, String)> = regions
            .iter()
            .filter(|r| r.latency_ms.is_none())
            .map(|r| (r.name.clone(), node_address(r, own)))
            .collect();
        if targets.is_empty() {
            return latency;
        }
        let measured = latency.measured.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(LATENCY_INTERVAL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tick.tick() => {}
                }
                for (name, address) in &targets {
                    let ms = connect_ms(address).await;
                    let mut map = measured.lock().unwrap_or_else(|p| p.into_inner());
                    match ms {
                        Some(ms) => map.insert(name.clone(), ms),
                        None => map.remove(name),
                    };
                }
            }
        });
        latency
    }

    /// What to report for `region` now: its configured value, else the latest measurement.
    pub fn of(&self, region: &DerpRegionConfig) -> Option<f64> {
        region.latency_ms.or_else(|| {
            self.measured
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&region.name)
                .copied()
        })
    }
}

/// `host:port` of a region's node; the embedded relay's node is this server.
fn node_address(r: &DerpRegionConfig, own: SocketAddr) -> String {
    if r.embedded_relay {
        let ip = match own.ip() {
            ip if ip.is_unspecified() && ip.is_ipv4() => "127.0.0.1".parse().expect("an address"),
            ip if ip.is_unspecified() => "::1".parse().expect("an address"),
            ip => ip,
        };
        SocketAddr::new(ip, own.port()).to_string()
    } else if r.host.contains(':') && !r.host.starts_with('[') {
        format!("[{}]:{}", r.host, r.derp_port)
    } else {
        format!("{}:{}", r.host, r.derp_port)
    }
}

/// Milliseconds to open (and at once close) a TCP connection; `None` when refused or too slow.
async fn connect_ms(address: &str) -> Option<f64> {
    let start = Instant::now();
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::TcpStream::connect(address))
        .await
        .ok()?
        .ok()?;
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    drop(stream);
    Some(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(
        name: &str,
        embedded: bool,
        host: &str,
        port: i32,
        fixed: Option<f64>,
    ) -> DerpRegionConfig {
        DerpRegionConfig {
            id: 1,
            code: name.into(),
            name: name.into(),
            embedded_relay: embedded,
            host: host.into(),
            derp_port: port,
            stun_port: -1,
            latency_ms: fixed,
        }
    }

    #[tokio::test]
    async fn a_listening_node_is_measured_a_silent_one_left_out_a_fixed_one_reported() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let own = listener.local_addr().unwrap();
        // A port nothing listens on: bound, then closed.
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap();
        let regions = [
            region("here", true, "ignored", 1, None),
            region("gone", false, "127.0.0.1", i32::from(closed.port()), None),
            region("fixed", false, "::1", 3340, Some(12.5)),
        ];
        let stop = CancellationToken::new();
        let latency = Latency::start(&regions, own, stop.clone());
        let mut here = None;
        for _ in 0..100 {
            here = latency.of(&regions[0]);
            if here.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let here = here.expect("the console's own address answers");
        assert!(here >= 0.0 && here < CONNECT_TIMEOUT.as_millis() as f64);
        assert_eq!(latency.of(&regions[1]), None);
        assert_eq!(latency.of(&regions[2]), Some(12.5));
        stop.cancel();
    }

    #[test]
    fn node_addresses() {
        let own: SocketAddr = "0.0.0.0:7080".parse().unwrap();
        assert_eq!(
            node_address(&region("a", true, "x", 1, None), own),
            "127.0.0.1:7080"
        );
        assert_eq!(
            node_address(&region("b", false, "::1", 3340, None), own),
            "[::1]:3340"
        );
        assert_eq!(
            node_address(&region("c", false, "relay.example", 443, None), own),
            "relay.example:443"
        );
    }
}
