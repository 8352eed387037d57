//! The machine's real listening TCP ports, as `GET /workspaceagents/{id}/listening-ports` reports them.
//!
//! Linux exposes every socket in `/proc/net/tcp` and `/proc/net/tcp6`; a listening socket has state
//! `0A`. The owning process is found by matching the socket's inode against the `socket:[inode]`
//! links under `/proc/[pid]/fd`, and its name is `/proc/[pid]/comm`. Ports are filtered like coderd
//! filters them (below 9 and its ignore list removed) and the console's own port is dropped.
//!
//! The UI polls this every second or two, so walking every process's fds each time would be
//! wasteful: [`PortScanner`] remembers which process owns which listening inode and walks `/proc`
//! again only when a listening socket it has never seen appears (or the cache grows old).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The lowest port coderd lets an agent report or forward; lower ports are reserved.
pub const MIN_PORT: u16 = coder_api::MIN_APP_PORT;

/// How long a resolved inode → process name mapping is trusted before `/proc` is walked again.
/// A socket can change hands (fork then exec renames the process), so the cache must not live forever.
const NAME_CACHE_TTL: Duration = Duration::from_secs(10);

// The port record and coderd's filter rules are part of the wire contract.
pub use coder_api::{is_ignored_port, WorkspaceAgentListeningPort as ListeningPort};

/// A listening socket read from `/proc/net/tcp{,6}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListeningSocket {
    /// The local port.
    pub port: u16,
    /// The socket's inode (0 when the kernel does not expose it, e.g. another network namespace).
    pub inode: u64,
}

/// Parses the text of `/proc/net/tcp` or `/proc/net/tcp6` and returns the sockets in state LISTEN
/// (`0A`). The header line and malformed lines are skipped.
pub fn parse_proc_net_tcp(text: &str) -> Vec<ListeningSocket> {
    text.lines().filter_map(parse_proc_net_tcp_line).collect()
}

fn parse_proc_net_tcp_line(line: &str) -> Option<ListeningSocket> {
    // Fields: sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields.len() < 10 || !fields[0].ends_with(':') {
        return None;
    }
    if !fields[3].eq_ignore_ascii_case("0A") {
        return None;
    }
    let (_, port_hex) = fields[1].rsplit_once(':')?;
    let port = u16::from_str_radix(port_hex, 16).ok()?;
    let inode = fields[9].parse().ok()?;
    Some(ListeningSocket { port, inode })
}

/// Parses the target of a `/proc/[pid]/fd/N` link; sockets read `socket:[inode]`.
pub fn parse_socket_link(target: &str) -> Option<u64> {
    target
        .strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// Keeps the ports coderd would show, one entry per port (a port listening on both IPv4 and IPv6
/// appears once, with a process name if either socket has one), sorted by port.
///
/// `names` maps socket inodes to process names; `exclude` is the console server's own port.
pub fn listening_ports(
    sockets: &[ListeningSocket],
    names: &HashMap<u64, String>,
    exclude: Option<u16>,
) -> Vec<ListeningPort> {
    let mut by_port: BTreeMap<u16, String> = BTreeMap::new();
    for socket in sockets {
        if is_ignored_port(socket.port) || Some(socket.port) == exclude {
            continue;
        }
        let name = names.get(&socket.inode).cloned().unwrap_or_default();
        let entry = by_port.entry(socket.port).or_default();
        if entry.is_empty() {
            *entry = name;
        }
    }
    by_port
        .into_iter()
        .map(|(port, process_name)| ListeningPort {
            process_name,
            network: "tcp".to_owned(),
            port,
        })
        .collect()
}

/// Scans the machine's listening TCP ports. Cheap to clone; clones share the process-name cache.
#[derive(Clone, Debug)]
pub struct PortScanner {
    inner: Arc<ScannerInner>,
}

#[derive(Debug)]
struct ScannerInner {
    proc_root: PathBuf,
    exclude: Option<u16>,
    cache: Mutex<NameCache>,
}

#[derive(Debug, Default)]
struct NameCache {
    /// Listening inode → owning process name, for the inodes of the last walk.
    names: HashMap<u64, String>,
    /// Listening inodes the last walk could not attribute (another user's process): walking again
    /// would not help until the cache expires.
    unresolved: HashSet<u64>,
    walked_at: Option<Instant>,
}

impl PortScanner {
    /// A scanner of this machine's `/proc` that leaves out `own_port` (the console server's port).
    pub fn new(own_port: Option<u16>) -> Self {
        Self::with_proc_root("/proc", own_port)
    }

    /// A scanner reading another procfs mount (tests, containers).
    pub fn with_proc_root(proc_root: impl Into<PathBuf>, own_port: Option<u16>) -> Self {
        Self {
            inner: Arc::new(ScannerInner {
                proc_root: proc_root.into(),
                exclude: own_port,
                cache: Mutex::new(NameCache::default()),
            }),
        }
    }

    /// The listening ports right now, sorted by port. Reads procfs on a blocking thread.
    pub async fn scan(&self) -> io::Result<Vec<ListeningPort>> {
        let scanner = self.clone();
        tokio::task::spawn_blocking(move || scanner.scan_blocking())
            .await
            .map_err(io::Error::other)?
    }

    /// The listening ports right now, sorted by port (blocking file I/O; prefer [`Self::scan`] in
    /// async code). Fails only when `/proc/net/tcp` cannot be read; a missing `tcp6` (IPv6
    /// disabled) is not an error.
    pub fn scan_blocking(&self) -> io::Result<Vec<ListeningPort>> {
        let root = &self.inner.proc_root;
        let mut sockets = parse_proc_net_tcp(&std::fs::read_to_string(root.join("net/tcp"))?);
        match std::fs::read_to_string(root.join("net/tcp6")) {
            Ok(text) => sockets.extend(parse_proc_net_tcp(&text)),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }

        let wanted: HashSet<u64> = sockets
            .iter()
            .filter(|s| {
                s.inode != 0 && !is_ignored_port(s.port) && Some(s.port) != self.inner.exclude
            })
            .map(|s| s.inode)
            .collect();

        let mut cache = self.inner.cache.lock().unwrap_or_else(|e| e.into_inner());
        let expired = cache
            .walked_at
            .is_none_or(|at| at.elapsed() >= NAME_CACHE_TTL);
        let unseen = wanted
            .iter()
            .any(|inode| !cache.names.contains_key(inode) && !cache.unresolved.contains(inode));
        if expired || unseen {
            let names = walk_socket_owners(root, &wanted);
            cache.unresolved = wanted
                .iter()
                .filter(|i| !names.contains_key(i))
                .copied()
                .collect();
            cache.names = names;
            cache.walked_at = Some(Instant::now());
        }
        Ok(listening_ports(&sockets, &cache.names, self.inner.exclude))
    }
}

/// Finds the process owning each of `wanted` socket inodes by reading every `/proc/[pid]/fd`.
/// Processes that vanish or whose fds are not readable are skipped; the walk stops early once all
/// inodes are found.
fn walk_socket_owners(proc_root: &Path, wanted: &HashSet<u64>) -> HashMap<u64, String> {
    let mut found = HashMap::new();
    if wanted.is_empty() {
        return found;
    }
    let Ok(procs) = std::fs::read_dir(proc_root) else {
        return found;
    };
    for proc_entry in procs.flatten() {
        let file_name = proc_entry.file_name();
        let Some(pid) = file_name
            .to_str()
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        let pid_dir = proc_root.join(pid);
        let Ok(fds) = std::fs::read_dir(pid_dir.join("fd")) else {
            continue;
        };
        let mut comm: Option<String> = None;
        for fd in fds.flatten() {
            let Ok(target) = std::fs::read_link(fd.path()) else {
                continue;
            };
            let Some(inode) = target.to_str().and_then(parse_socket_link) else {
                continue;
            };
            if !wanted.contains(&inode) || found.contains_key(&inode) {
                continue;
            }
            let name = comm.get_or_insert_with(|| {
                std::fs::read_to_string(pid_dir.join("comm"))
                    .map(|s| s.trim_end_matches('\n').to_owned())
                    .unwrap_or_default()
            });
            found.insert(inode, name.clone());
        }
        if found.len() == wanted.len() {
            break;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 111 1 0000000000000000 100 0 0 10 0
   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 222 1 0000000000000000 100 0 0 10 0
   2: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 333 1 0000000000000000 20 4 30 10 -1
   3: 00000000:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 444 1 0000000000000000 100 0 0 10 0
   4: 00000000:0004 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 555 1 0000000000000000 100 0 0 10 0
";

    const TCP6: &str = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 666 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000000000000:1538 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 777 1 0000000000000000 100 0 0 10 0
   2: 00000000000000000000000000000000:2328 00000000000000000000000000000000:0000 06 00000000:00000000 00:00000000 00000000  1000        0 0 1 0000000000000000 100 0 0 10 0
";

    #[test]
    fn parses_only_listening_sockets() {
        assert_eq!(
            parse_proc_net_tcp(TCP),
            vec![
                ListeningSocket {
                    port: 8080,
                    inode: 111
                },
                ListeningSocket {
                    port: 22,
                    inode: 222
                },
                ListeningSocket {
                    port: 3000,
                    inode: 444
                },
                ListeningSocket {
                    port: 4,
                    inode: 555
                },
            ]
        );
        assert_eq!(
            parse_proc_net_tcp(TCP6),
            vec![
                ListeningSocket {
                    port: 8080,
                    inode: 666
                },
                ListeningSocket {
                    port: 5432,
                    inode: 777
                },
            ]
        );
    }

    #[test]
    fn skips_malformed_lines() {
        assert!(parse_proc_net_tcp("").is_empty());
        assert!(parse_proc_net_tcp("garbage\n 0: nonsense").is_empty());
        assert!(parse_proc_net_tcp(
            "   0: 0100007F:ZZZZ 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1"
        )
        .is_empty());
    }

    #[test]
    fn parses_socket_links() {
        assert_eq!(parse_socket_link("socket:[12345]"), Some(12345));
        assert_eq!(parse_socket_link("pipe:[12345]"), None);
        assert_eq!(parse_socket_link("/dev/null"), None);
        assert_eq!(parse_socket_link("socket:[]"), None);
    }

    #[test]
    fn ignores_like_coderd() {
        for port in [
            0, 1, 8, 20, 21, 22, 23, 25, 53, 110, 143, 179, 389, 465, 587, 636, 989, 990,
        ]
        .into_iter()
        .chain([993, 995, 3306, 3389, 5432, 27017, 27018, 27019, 28017])
        {
            assert!(is_ignored_port(port), "{port} should be ignored");
        }
        for port in [9, 80, 443, 3000, 8080, 27016, 27020, 65535] {
            assert!(!is_ignored_port(port), "{port} should be shown");
        }
    }

    #[test]
    fn filters_dedupes_names_and_sorts() {
        let mut sockets = parse_proc_net_tcp(TCP);
        sockets.extend(parse_proc_net_tcp(TCP6));
        // The IPv4 socket on 8080 is unnamed, the IPv6 one is named: the name wins.
        let names = HashMap::from([(666, "node".to_owned()), (444, "python3".to_owned())]);
        let ports = listening_ports(&sockets, &names, None);
        let port = |port, name: &str| ListeningPort {
            process_name: name.to_owned(),
            network: "tcp".to_owned(),
            port,
        };
        assert_eq!(ports, vec![port(3000, "python3"), port(8080, "node")]);
        // The console's own port is left out.
        assert_eq!(
            listening_ports(&sockets, &names, Some(8080)),
            vec![port(3000, "python3")]
        );
    }

    #[test]
    fn scans_a_fake_procfs() {
        let dir =
            std::env::temp_dir().join(format!("agent-console-ports-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("net")).unwrap();
        std::fs::create_dir_all(dir.join("42/fd")).unwrap();
        std::fs::write(dir.join("net/tcp"), TCP).unwrap();
        // No tcp6 file: IPv6 disabled is not an error.
        std::fs::write(dir.join("42/comm"), "python3\n").unwrap();
        std::os::unix::fs::symlink("socket:[444]", dir.join("42/fd/3")).unwrap();
        std::os::unix::fs::symlink("/dev/null", dir.join("42/fd/0")).unwrap();

        let scanner = PortScanner::with_proc_root(&dir, None);
        let ports = scanner.scan_blocking().unwrap();
        assert_eq!(
            ports
                .iter()
                .map(|p| (p.port, p.process_name.as_str()))
                .collect::<Vec<_>>(),
            vec![(3000, "python3"), (8080, "")]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn sees_a_real_listener_on_ipv4_and_ipv6() {
        let v4 = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let v4_port = v4.local_addr().unwrap().port();
        // IPv6 may be disabled in the test environment; only check it when binding works.
        let v6 = std::net::TcpListener::bind("[::1]:0").ok();
        let scanner = PortScanner::new(None);
        let ports = scanner.scan().await.unwrap();
        let found = ports
            .iter()
            .find(|p| p.port == v4_port)
            .expect("IPv4 listener reported");
        assert_eq!(found.network, "tcp");
        // The test binary owns the socket, so its name is readable.
        assert!(!found.process_name.is_empty());
        if let Some(v6) = &v6 {
            let v6_port = v6.local_addr().unwrap().port();
            assert!(
                ports.iter().any(|p| p.port == v6_port),
                "IPv6 listener reported"
            );
        }
        assert!(ports.windows(2).all(|w| w[0].port < w[1].port));

        // Excluding the console's own port.
        let scanner = PortScanner::new(Some(v4_port));
        assert!(scanner
            .scan()
            .await
            .unwrap()
            .iter()
            .all(|p| p.port != v4_port));

        // A closed listener disappears. Other tests fork (shells, scripts) concurrently, and a
        // child shares our fds until its exec closes them, so allow a moment.
        drop(v4);
        let scanner = PortScanner::new(None);
        let mut gone = false;
        for _ in 0..100 {
            if scanner
                .scan()
                .await
                .unwrap()
                .iter()
                .all(|p| p.port != v4_port)
            {
                gone = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(gone, "closed listener {v4_port} still reported");
    }
}
