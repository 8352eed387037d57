//! What the embedded agent keeps across restarts, in SQLite: its identity (so its id and its
//! workspace's stay the same), its logs and log sources, and its shared ports.
//!
//! The log store stays in memory for readers and followers; every append is also handed to a
//! writer thread that commits in batches, so a flood of lines never waits on the disk. Shutdown
//! flushes what is queued. On start the kept logs are loaded and trimmed to the retention:
//! lines older than [`RETENTION_DAYS`] go, then the oldest until they take at most half of the
//! cap, so a new run always has room for its own startup logs. Ids continue where they stopped,
//! so a follower that reconnects after a restart with `after = N` gets exactly what it missed.
//!
//! Each start is a new build of the workspace ([`Database::start_build`]); the runs of the
//! latest [`BUILDS_KEPT`] builds' scripts are kept.
//!
//! The data directory holds `agent.sqlite3` and a `lock` file that one server at a time holds:
//! two servers on one directory would be the same agent.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use coder_api::{LogLevel, WorkspaceAgentLog, WorkspaceAgentLogSource};
use rusqlite::{params, Connection, OptionalExtension as _};
use uuid::Uuid;

use super::agent::Identity;
use super::script_runs::ScriptRun;

/// Kept logs older than this are dropped at start.
pub const RETENTION_DAYS: i64 = 7;
/// How many builds (server starts) keep their script runs.
pub const BUILDS_KEPT: i64 = 10;
/// The database file in the data directory.
pub const DATABASE_FILE: &str = "agent.sqlite3";

const SCHEMA: &str = "
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = NORMAL;
    CREATE TABLE IF NOT EXISTS identity (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        json TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS log_sources (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        display_name TEXT NOT NULL,
        icon TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS builds (
        id TEXT PRIMARY KEY,
        number INTEGER NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS script_runs (
        build_id TEXT NOT NULL,
        script_id TEXT NOT NULL,
        stage TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT NOT NULL,
        exit_code INTEGER NOT NULL,
        status TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS script_runs_by_build ON script_runs (build_id);
    CREATE TABLE IF NOT EXISTS port_shares (
        agent_name TEXT NOT NULL,
        port INTEGER NOT NULL,
        share_level TEXT NOT NULL,
        protocol TEXT NOT NULL,
        PRIMARY KEY (agent_name, port)
    );
    CREATE TABLE IF NOT EXISTS logs (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        level TEXT NOT NULL,
        output TEXT NOT NULL,
        source_id TEXT NOT NULL
    );
";

/// A port share as stored: the workspace is the embedded one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredShare {
    /// The agent whose port it is.
    pub agent_name: String,
    /// The port.
    pub port: i32,
    /// Who may open it.
    pub share_level: coder_api::WorkspaceAgentPortShareLevel,
    /// HTTP or HTTPS.
    pub protocol: coder_api::WorkspaceAgentPortShareProtocol,
}

/// The agent's database: in a data directory, or in memory (tests, `Config::embedded`).
pub struct Database {
    conn: Mutex<Connection>,
    /// Where the writer thread opens its own connection; `None` in memory (the writer then
    /// shares nothing and the writes go nowhere else).
    file: Option<PathBuf>,
    /// Held for the life of the server: one server per data directory.
    _lock: Option<std::fs::File>,
}

/// What the writer thread is asked to do.
enum Write {
    Logs(Vec<WorkspaceAgentLog>),
    Source(WorkspaceAgentLogSource),
    Run(Uuid, ScriptRun),
    Flush(mpsc::Sender<()>),
}

/// The handle the log store writes through (cheap to clone).
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Write>,
}

impl Writer {
    /// Queues lines to be stored.
    pub fn logs(&self, lines: Vec<WorkspaceAgentLog>) {
        let _ = self.tx.send(Write::Logs(lines));
    }

    /// Queues a log source (new or renamed) to be stored.
    pub fn source(&self, source: WorkspaceAgentLogSource) {
        let _ = self.tx.send(Write::Source(source));
    }

    /// Queues a finished script run of build `build_id` to be stored.
    pub fn script_run(&self, build_id: Uuid, run: ScriptRun) {
        let _ = self.tx.send(Write::Run(build_id, run));
    }

    /// Waits (at most `within`) until everything queued so far is committed.
    pub fn flush(&self, within: Duration) -> bool {
        let (done, wait) = mpsc::channel();
        self.tx.send(Write::Flush(done)).is_ok() && wait.recv_timeout(within).is_ok()
    }
}

impl Database {
    /// Opens (creating) the database of `dir`, or one in memory when `dir` is `None`.
    pub fn open(dir: Option<&Path>) -> anyhow::Result<Self> {
        let Some(dir) = dir else {
            let conn = Connection::open_in_memory()?;
            conn.execute_batch(SCHEMA)?;
            return Ok(Database {
                conn: Mutex::new(conn),
                file: None,
                _lock: None,
            });
        };
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the data directory {}", dir.display()))?;
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("lock"))
            .with_context(|| format!("opening {}", dir.join("lock").display()))?;
        if lock.try_lock().is_err() {
            anyhow::bail!(
                "another agent-console is using the data directory {}; give this one its own --data-dir",
                dir.display()
            );
        }
        let file = dir.join(DATABASE_FILE);
        let conn =
            Connection::open(&file).with_context(|| format!("opening {}", file.display()))?;
        conn.execute_batch(SCHEMA)
            .with_context(|| format!("preparing {}", file.display()))?;
        Ok(Database {
            conn: Mutex::new(conn),
            file: Some(file),
            _lock: Some(lock),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The agent's identity: the stored one, or `fresh` (then stored) on the first start.
    pub fn identity_or(&self, fresh: Identity) -> anyhow::Result<Identity> {
        let conn = self.conn();
        let stored: Option<String> = conn
            .query_row("SELECT json FROM identity WHERE id = 1", [], |r| r.get(0))
            .optional()?;
        if let Some(json) = stored {
            return serde_json::from_str(&json).context("reading the stored agent identity");
        }
        conn.execute(
            "INSERT INTO identity (id, json) VALUES (1, ?1)",
            params![serde_json::to_string(&fresh)?],
        )?;
        Ok(fresh)
    }

    /// Starts a new build of the workspace: `identity` gets a new build and job id, the next
    /// build number and the time now, is stored, and the builds before the latest
    /// [`BUILDS_KEPT`] lose their runs.
    pub fn start_build(&self, mut identity: Identity) -> anyhow::Result<Identity> {
        identity.build_id = Uuid::new_v4();
        identity.job_id = Uuid::new_v4();
        identity.build_number = identity.build_number.max(0) + 1;
        identity.build_created_at = Some(Utc::now());
        let conn = self.conn();
        conn.execute(
            "INSERT OR REPLACE INTO identity (id, json) VALUES (1, ?1)",
            params![serde_json::to_string(&identity)?],
        )?;
        conn.execute(
            "INSERT INTO builds (id, number, created_at) VALUES (?1, ?2, ?3)",
            params![
                identity.build_id.to_string(),
                identity.build_number,
                identity.build_started_at().to_rfc3339()
            ],
        )?;
        let oldest_kept = identity.build_number - BUILDS_KEPT + 1;
        conn.execute(
            "DELETE FROM script_runs WHERE build_id IN (SELECT id FROM builds WHERE number < ?1)",
            params![oldest_kept],
        )?;
        conn.execute("DELETE FROM builds WHERE number < ?1", params![oldest_kept])?;
        Ok(identity)
    }

    /// When build `build_id` began and its stored runs (in the order they ended), or `None`
    /// when the build is not one of the kept ones.
    pub fn build(&self, build_id: Uuid) -> anyhow::Result<Option<(DateTime<Utc>, Vec<ScriptRun>)>> {
        let conn = self.conn();
        let id = build_id.to_string();
        let created_at: Option<String> = conn
            .query_row(
                "SELECT created_at FROM builds WHERE id = ?1",
                params![id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(created_at) = created_at else {
            return Ok(None);
        };
        let mut stmt = conn.prepare(
            "SELECT script_id, stage, started_at, ended_at, exit_code, status FROM script_runs WHERE build_id = ?1 ORDER BY rowid",
        )?;
        let rows = stmt.query_map(params![id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i32>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        let mut runs = Vec::new();
        for row in rows {
            let (script_id, stage, started_at, ended_at, exit_code, status) = row?;
            runs.push(ScriptRun {
                script_id: script_id.parse()?,
                stage: stage.as_str().into(),
                started_at: parse_time(&started_at)?,
                ended_at: parse_time(&ended_at)?,
                exit_code,
                status: status.as_str().into(),
            });
        }
        Ok(Some((parse_time(&created_at)?, runs)))
    }

    /// The kept log sources and lines (in id order), trimmed to the retention first: lines older
    /// than [`RETENTION_DAYS`] before `now`, then the oldest until the rest are charged at most
    /// `keep_charged` (see `log_store::charge`).
    pub fn load_logs(
        &self,
        now: DateTime<Utc>,
        keep_charged: usize,
    ) -> anyhow::Result<(Vec<WorkspaceAgentLogSource>, Vec<WorkspaceAgentLog>)> {
        let conn = self.conn();
        let cutoff = now - chrono::Duration::days(RETENTION_DAYS);
        let mut sources = Vec::new();
        let mut stmt =
            conn.prepare("SELECT id, created_at, display_name, icon FROM log_sources")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        for row in rows {
            let (id, created_at, display_name, icon) = row?;
            sources.push(WorkspaceAgentLogSource {
                workspace_agent_id: Uuid::nil(),
                id: Uuid::parse_str(&id)?,
                created_at: parse_time(&created_at)?,
                display_name,
                icon,
            });
        }
        let mut lines = Vec::new();
        let mut stmt =
            conn.prepare("SELECT id, created_at, level, output, source_id FROM logs ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        for row in rows {
            let (id, created_at, level, output, source_id) = row?;
            lines.push(WorkspaceAgentLog {
                id,
                created_at: parse_time(&created_at)?,
                output,
                level: LogLevel::from_wire(&level),
                source_id: Uuid::parse_str(&source_id)?,
            });
        }
        drop(stmt);
        let first_kept = first_kept(&lines, cutoff, keep_charged);
        if first_kept > 0 {
            // Every line before the first kept one goes (all of them when none is kept).
            match lines.get(first_kept) {
                Some(kept) => conn.execute("DELETE FROM logs WHERE id < ?1", params![kept.id])?,
                None => conn.execute("DELETE FROM logs", [])?,
            };
            lines.drain(..first_kept);
        }
        Ok((sources, lines))
    }

    /// The stored port shares (their workspace is this one), by agent name and port.
    pub fn port_shares(&self) -> anyhow::Result<Vec<StoredShare>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT agent_name, port, share_level, protocol FROM port_shares ORDER BY agent_name, port",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(StoredShare {
                agent_name: r.get(0)?,
                port: r.get(1)?,
                share_level: r.get::<_, String>(2)?.into(),
                protocol: r.get::<_, String>(3)?.into(),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Creates or changes the share of a port, committed before it returns (a share is a
    /// promise to whoever holds the link).
    pub fn upsert_port_share(&self, share: &StoredShare) -> anyhow::Result<()> {
        self.conn().execute(
            "INSERT OR REPLACE INTO port_shares (agent_name, port, share_level, protocol) VALUES (?1, ?2, ?3, ?4)",
            params![
                share.agent_name,
                share.port,
                share.share_level.as_str(),
                share.protocol.as_str()
            ],
        )?;
        Ok(())
    }

    /// Removes the share of a port; false when there was none.
    pub fn delete_port_share(&self, agent_name: &str, port: i32) -> anyhow::Result<bool> {
        let removed = self.conn().execute(
            "DELETE FROM port_shares WHERE agent_name = ?1 AND port = ?2",
            params![agent_name, port],
        )?;
        Ok(removed > 0)
    }

    /// Starts the writer thread and returns its handle.
    pub fn writer(&self) -> anyhow::Result<Writer> {
        let (tx, rx) = mpsc::channel();
        let conn = match &self.file {
            Some(file) => {
                let conn = Connection::open(file)?;
                conn.busy_timeout(Duration::from_secs(5))?;
                Some(conn)
            }
            None => None,
        };
        std::thread::Builder::new()
            .name("agent-console-db".into())
            .spawn(move || write_loop(conn, rx))?;
        Ok(Writer { tx })
    }
}

/// Index of the first line to keep: after every line older than `cutoff`, and far enough that
/// what follows is charged at most `keep_charged`. `lines.len()` keeps none.
fn first_kept(lines: &[WorkspaceAgentLog], cutoff: DateTime<Utc>, keep_charged: usize) -> usize {
    let mut start = lines.partition_point(|l| l.created_at < cutoff);
    let mut charged: usize = lines[start..]
        .iter()
        .map(|l| super::log_store::charge(&l.output))
        .sum();
    while charged > keep_charged && start < lines.len() {
        charged -= super::log_store::charge(&lines[start].output);
        start += 1;
    }
    start
}

fn parse_time(s: &str) -> anyhow::Result<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(s)?.with_timezone(&Utc))
}

/// Commits what arrives, each burst in one transaction, until every handle is gone.
fn write_loop(mut conn: Option<Connection>, rx: mpsc::Receiver<Write>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while let Ok(more) = rx.try_recv() {
            batch.push(more);
            if batch.len() >= 512 {
                break;
            }
        }
        if let Some(conn) = conn.as_mut() {
            if let Err(err) = commit(conn, &batch) {
                tracing::error!("storing logs: {err}");
            }
        }
        for write in batch {
            if let Write::Flush(done) = write {
                let _ = done.send(());
            }
        }
    }
}

fn commit(conn: &mut Connection, batch: &[Write]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut line = tx.prepare_cached(
            "INSERT OR REPLACE INTO logs (id, created_at, level, output, source_id) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let mut run = tx.prepare_cached(
            "INSERT INTO script_runs (build_id, script_id, stage, started_at, ended_at, exit_code, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        let mut source = tx.prepare_cached(
            "INSERT OR REPLACE INTO log_sources (id, created_at, display_name, icon) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for write in batch {
            match write {
                Write::Logs(lines) => {
                    for l in lines {
                        line.execute(params![
                            l.id,
                            l.created_at.to_rfc3339(),
                            l.level.as_str(),
                            l.output,
                            l.source_id.to_string()
                        ])?;
                    }
                }
                Write::Source(s) => {
                    source.execute(params![
                        s.id.to_string(),
                        s.created_at.to_rfc3339(),
                        s.display_name,
                        s.icon
                    ])?;
                }
                Write::Run(build_id, r) => {
                    run.execute(params![
                        build_id.to_string(),
                        r.script_id.to_string(),
                        r.stage.as_str(),
                        r.started_at.to_rfc3339(),
                        r.ended_at.to_rfc3339(),
                        r.exit_code,
                        r.status.as_str()
                    ])?;
                }
                Write::Flush(_) => {}
            }
        }
    }
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: i64, age_days: i64, output: &str) -> WorkspaceAgentLog {
        WorkspaceAgentLog {
            id,
            created_at: Utc::now() - chrono::Duration::days(age_days),
            output: output.into(),
            level: LogLevel::Info,
            source_id: Uuid::nil(),
        }
    }

    #[test]
    fn retention_drops_old_lines_then_the_oldest_over_the_budget() {
        let cutoff = Utc::now() - chrono::Duration::days(RETENTION_DAYS);
        let lines = vec![line(1, 9, "old"), line(2, 1, "aaaa"), line(3, 0, "bbbb")];
        assert_eq!(first_kept(&lines, cutoff, usize::MAX), 1);
        let one = super::super::log_store::charge("bbbb");
        assert_eq!(first_kept(&lines, cutoff, one), 2);
        assert_eq!(first_kept(&lines, cutoff, 0), 3);
        assert_eq!(first_kept(&[], cutoff, 0), 0);
    }

    #[test]
    fn port_shares_survive_a_reopen_and_keep_unknown_values() {
        let dir = std::env::temp_dir().join(format!("agent-console-db-{}", Uuid::new_v4()));
        let share = |port, level: &str| StoredShare {
            agent_name: "main".into(),
            port,
            share_level: level.into(),
            protocol: "https".into(),
        };
        {
            let db = Database::open(Some(&dir)).unwrap();
            db.upsert_port_share(&share(8080, "authenticated")).unwrap();
            db.upsert_port_share(&share(8080, "public")).unwrap();
            db.upsert_port_share(&share(3000, "galaxy")).unwrap();
            db.upsert_port_share(&share(4000, "public")).unwrap();
            assert!(db.delete_port_share("main", 4000).unwrap());
            assert!(!db.delete_port_share("main", 4000).unwrap(), "already gone");
        }
        let db = Database::open(Some(&dir)).unwrap();
        assert_eq!(
            db.port_shares().unwrap(),
            [share(3000, "galaxy"), share(8080, "public")],
            "the change and the unknown level are kept, the deleted share stays deleted"
        );
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn identity_and_logs_survive_a_reopen() {
        let dir = std::env::temp_dir().join(format!("agent-console-db-{}", Uuid::new_v4()));
        let first = Identity::random();
        let id = first.agent_id;
        {
            let db = Database::open(Some(&dir)).unwrap();
            assert_eq!(db.identity_or(first).unwrap().agent_id, id);
            assert!(
                Database::open(Some(&dir)).is_err(),
                "a second server on the same directory is refused"
            );
            let writer = db.writer().unwrap();
            writer.source(WorkspaceAgentLogSource {
                workspace_agent_id: id,
                id: Uuid::nil(),
                created_at: Utc::now(),
                display_name: "S".into(),
                icon: String::new(),
            });
            writer.logs(vec![line(7, 0, "seven"), line(8, 0, "eight")]);
            assert!(writer.flush(Duration::from_secs(5)));
        }
        let db = Database::open(Some(&dir)).unwrap();
        assert_eq!(db.identity_or(Identity::random()).unwrap().agent_id, id);
        let (sources, lines) = db.load_logs(Utc::now(), usize::MAX).unwrap();
        assert_eq!(sources[0].display_name, "S");
        let ids: Vec<i64> = lines.iter().map(|l| l.id).collect();
        assert_eq!(ids, [7, 8]);
        assert_eq!(lines[1].output, "eight");
        // A budget that keeps nothing drops every line (and keeps them dropped).
        assert!(db.load_logs(Utc::now(), 0).unwrap().1.is_empty());
        assert!(db.load_logs(Utc::now(), usize::MAX).unwrap().1.is_empty());
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
