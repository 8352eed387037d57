//! The agent's logs, in memory: ordered, ids increasing from 1 across all sources, with coderd's
//! 1 MiB cap per agent. The cap charges each line its output plus [`OVERHEAD_PER_LOG`] bytes, as
//! Coder's agent counts its queue, so a flood of empty lines is bounded too (at most
//! 1 MiB / 21 ≈ 50,000 lines): counting output alone let 3,000,000 empty lines in.
//!
//! Followers are woken through a `watch` channel carrying the last id; they then ask for
//! everything after the last id they sent. A slow follower therefore never loses or repeats a line:
//! it may skip notifications, never logs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use coder_api::{LogLevel, WorkspaceAgentLog as StoredLog, WorkspaceAgentLogSource as LogSource};
use tokio::sync::watch;
use uuid::Uuid;

pub use coder_api::{EXTERNAL_LOG_SOURCE_ID, MAX_LOGS_LENGTH};

/// What each line costs beyond its output: Coder's agent's `overheadPerLog` (agent/logs.go).
pub const OVERHEAD_PER_LOG: usize = 21;

/// coderd's `display_name varchar(127)` of `workspace_agent_log_sources`, in characters.
pub const MAX_SOURCE_NAME_CHARS: usize = 127;
/// The icon column is unbounded `text` in coderd; this server bounds it so sources cannot grow
/// every agent read without limit (a path or URL, or a small data: URL, fits).
pub const MAX_SOURCE_ICON_CHARS: usize = 2048;
/// Log sources per agent (coderd has no such limit; each source is part of every agent read).
pub const MAX_SOURCES: usize = 1000;

/// What a line costs against the cap: its output and [`OVERHEAD_PER_LOG`].
pub fn charge(output: &str) -> usize {
    output.len() + OVERHEAD_PER_LOG
}

/// One line to append.
#[derive(Debug, Clone)]
pub struct NewLog {
    /// When it was produced.
    pub created_at: DateTime<Utc>,
    /// Its level.
    pub level: LogLevel,
    /// The text.
    pub output: String,
}

/// Why an append was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppendError {
    /// The 1 MiB cap is (or would be) exceeded; the agent is now marked overflowed.
    LimitExceeded,
    /// The log source does not exist.
    UnknownSource(Uuid),
}

/// Shared, cheap-to-clone handle to the store.
#[derive(Clone)]
pub struct LogStore {
    inner: Arc<Mutex<Inner>>,
    last_id: watch::Sender<i64>,
    agent_id: Uuid,
    /// Where appends and sources are also stored (the agent's database), if anywhere.
    writer: Option<super::database::Writer>,
}

struct Inner {
    /// Output bytes allowed in total (coderd: [`MAX_LOGS_LENGTH`]).
    limit: usize,
    /// Lines in id order, ids contiguous from `first_id`.
    logs: Vec<StoredLog>,
    /// Id of `logs[0]` (or of the next line while empty): kept logs start past 1 after a
    /// restart trimmed the oldest.
    first_id: i64,
    next_id: i64,
    /// Output bytes stored (`logs_length`).
    length: usize,
    /// What the cap counts: output plus [`OVERHEAD_PER_LOG`] per line.
    charged: usize,
    overflowed: bool,
    sources: Vec<LogSource>,
    source_index: HashMap<Uuid, usize>,
}

impl LogStore {
    /// An empty store for agent `agent_id`, with coderd's limit.
    pub fn new(agent_id: Uuid) -> Self {
        Self::with_limit(agent_id, MAX_LOGS_LENGTH)
    }

    /// An empty store that holds up to `limit` bytes (each line charged its overhead).
    pub fn with_limit(agent_id: Uuid, limit: usize) -> Self {
        Self::restore(agent_id, limit, Vec::new(), Vec::new(), None)
    }

    /// A store holding what an earlier run kept (`lines` in id order, contiguous), writing what
    /// is added through `writer`. Ids continue after the last kept line.
    pub fn restore(
        agent_id: Uuid,
        limit: usize,
        sources: Vec<LogSource>,
        lines: Vec<StoredLog>,
        writer: Option<super::database::Writer>,
    ) -> Self {
        let next_id = lines.last().map_or(1, |l| l.id + 1);
        let first_id = lines.first().map_or(next_id, |l| l.id);
        let (last_id, _) = watch::channel(next_id - 1);
        let source_index = sources.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
        let sources = sources
            .into_iter()
            .map(|s| LogSource {
                workspace_agent_id: agent_id,
                ..s
            })
            .collect();
        LogStore {
            inner: Arc::new(Mutex::new(Inner {
                limit,
                length: lines.iter().map(|l| l.output.len()).sum(),
                charged: lines.iter().map(|l| charge(&l.output)).sum(),
                logs: lines,
                first_id,
                next_id,
                overflowed: false,
                sources,
                source_index,
            })),
            last_id,
            agent_id,
            writer,
        }
    }

    /// Waits (at most `within`) until what was appended is stored.
    pub fn flush(&self, within: std::time::Duration) {
        if let Some(writer) = &self.writer {
            if !writer.flush(within) {
                tracing::warn!("logs not all stored within {within:?}");
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent data (every mutation is one push), so
        // poisoning is ignored rather than spread.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Creates (or replaces the name and icon of) a log source; `None` when the agent already
    /// has [`MAX_SOURCES`] others. Names and icons are bounded by the caller.
    pub fn upsert_source(&self, id: Uuid, display_name: &str, icon: &str) -> Option<LogSource> {
        let mut inner = self.lock();
        if let Some(&i) = inner.source_index.get(&id) {
            let s = &mut inner.sources[i];
            s.display_name = display_name.to_owned();
            s.icon = icon.to_owned();
            let source = s.clone();
            self.store_source(&source);
            return Some(source);
        }
        if inner.sources.len() >= MAX_SOURCES {
            return None;
        }
        let source = LogSource {
            workspace_agent_id: self.agent_id,
            id,
            created_at: Utc::now(),
            display_name: display_name.to_owned(),
            icon: icon.to_owned(),
        };
        let index = inner.sources.len();
        inner.sources.push(source.clone());
        inner.source_index.insert(id, index);
        self.store_source(&source);
        Some(source)
    }

    /// Queues a new or renamed source for the database, if there is one.
    fn store_source(&self, source: &LogSource) {
        if let Some(writer) = &self.writer {
            writer.source(source.clone());
        }
    }

    /// Whether source `id` exists.
    pub fn has_source(&self, id: Uuid) -> bool {
        self.lock().source_index.contains_key(&id)
    }

    /// Every log source, in creation order.
    pub fn sources(&self) -> Vec<LogSource> {
        self.lock().sources.clone()
    }

    /// Appends lines of one source atomically (all or none), like coderd's single insert: refused
    /// once the agent has overflowed, or when they would take the total past the limit
    /// (which marks the agent overflowed). Returns the ids given to the lines.
    pub fn append(
        &self,
        source_id: Uuid,
        lines: Vec<NewLog>,
    ) -> Result<std::ops::RangeInclusive<i64>, AppendError> {
        let mut inner = self.lock();
        if !inner.source_index.contains_key(&source_id) {
            return Err(AppendError::UnknownSource(source_id));
        }
        if inner.overflowed {
            return Err(AppendError::LimitExceeded);
        }
        let added: usize = lines.iter().map(|l| l.output.len()).sum();
        let charged: usize = lines.iter().map(|l| charge(&l.output)).sum();
        if inner.charged + charged > inner.limit {
            inner.overflowed = true;
            drop(inner);
            // Followers re-read the agent; wake them even though no line was added.
            self.last_id.send_modify(|_| {});
            return Err(AppendError::LimitExceeded);
        }
        let first = inner.next_id;
        for line in lines {
            let id = inner.next_id;
            inner.next_id += 1;
            inner.logs.push(StoredLog {
                id,
                created_at: line.created_at,
                output: line.output,
                level: line.level,
                source_id,
            });
        }
        inner.length += added;
        inner.charged += charged;
        let last = inner.next_id - 1;
        if let (Some(writer), true) = (&self.writer, last >= first) {
            // Queued, not written, under the lock: the order on disk is the order of ids.
            let added = (last + 1 - first) as usize;
            writer.logs(inner.logs[inner.logs.len() - added..].to_vec());
        }
        drop(inner);
        if last >= first {
            self.last_id.send_replace(last);
        }
        Ok(first..=last)
    }

    /// Appends one line, creating nothing: a convenience for the script runner.
    pub fn append_line(
        &self,
        source_id: Uuid,
        level: LogLevel,
        output: String,
        created_at: DateTime<Utc>,
    ) {
        let _ = self.append(
            source_id,
            vec![NewLog {
                created_at,
                level,
                output,
            }],
        );
    }

    /// Every log with `id > after`, in id order.
    pub fn after(&self, after: i64) -> Vec<StoredLog> {
        self.after_at_most(after, usize::MAX)
    }

    /// The first `limit` lines after id `after`.
    pub fn after_at_most(&self, after: i64, limit: usize) -> Vec<StoredLog> {
        let inner = self.lock();
        // Ids are contiguous from `first_id`, so id `after + 1` is at `after + 1 - first_id`.
        let start = usize::try_from((after.saturating_add(1) - inner.first_id).max(0))
            .unwrap_or(usize::MAX)
            .min(inner.logs.len());
        let end = start.saturating_add(limit).min(inner.logs.len());
        inner.logs[start..end].to_vec()
    }

    /// Total output bytes stored (`logs_length`).
    pub fn length(&self) -> usize {
        self.lock().length
    }

    /// Whether the cap was hit (`logs_overflowed`).
    pub fn overflowed(&self) -> bool {
        self.lock().overflowed
    }

    /// A receiver woken whenever lines are added (its value is the last id).
    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.last_id.subscribe()
    }
}

impl crate::embedded::scripts::LogSink for LogStore {
    fn append(
        &self,
        source_id: Uuid,
        level: crate::embedded::scripts::LogLevel,
        output: String,
        created_at: DateTime<Utc>,
    ) {
        use crate::embedded::scripts::LogLevel as L;
        let level = match level {
            L::Trace => LogLevel::Trace,
            L::Debug => LogLevel::Debug,
            L::Info => LogLevel::Info,
            L::Warn => LogLevel::Warn,
            L::Error => LogLevel::Error,
        };
        self.append_line(source_id, level, output, created_at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(s: &str) -> NewLog {
        NewLog {
            created_at: Utc::now(),
            level: LogLevel::Info,
            output: s.into(),
        }
    }

    #[test]
    fn a_raised_limit_holds_more_than_coderds() {
        let store = LogStore::with_limit(Uuid::nil(), 4 * MAX_LOGS_LENGTH);
        let source = Uuid::new_v4();
        store.upsert_source(source, "bench", "");
        let big = "x".repeat(MAX_LOGS_LENGTH);
        for _ in 0..3 {
            store.append(source, vec![line(&big)]).unwrap();
        }
        assert_eq!(store.length(), 3 * MAX_LOGS_LENGTH);
        assert!(!store.overflowed());
        assert_eq!(
            store.append(source, vec![line(&big), line("y")]),
            Err(AppendError::LimitExceeded)
        );
        assert!(store.overflowed());
    }

    #[test]
    fn ids_increase_across_sources() {
        let store = LogStore::new(Uuid::nil());
        let a = Uuid::new_v4();
        store.upsert_source(a, "A", "");
        store.upsert_source(EXTERNAL_LOG_SOURCE_ID, "External", "");
        assert_eq!(store.append(a, vec![line("1"), line("2")]).unwrap(), 1..=2);
        assert_eq!(
            store
                .append(EXTERNAL_LOG_SOURCE_ID, vec![line("3")])
                .unwrap(),
            3..=3
        );
        assert_eq!(
            store.after(0).iter().map(|l| l.id).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert_eq!(store.after(2)[0].output, "3");
        assert!(store.after(3).is_empty());
        assert!(store.after(99).is_empty());
        assert_eq!(store.length(), 3);
        let unknown = Uuid::new_v4();
        assert_eq!(
            store.append(unknown, vec![line("x")]),
            Err(AppendError::UnknownSource(unknown))
        );
    }

    #[test]
    fn cap_overflows_and_sticks() {
        let store = LogStore::new(Uuid::nil());
        let s = Uuid::new_v4();
        store.upsert_source(s, "S", "");
        // One line: its output and its overhead leave 30 bytes of the cap.
        let big = "x".repeat(MAX_LOGS_LENGTH - 30 - OVERHEAD_PER_LOG);
        store.append(s, vec![line(&big)]).unwrap();
        // Nine bytes and the overhead fill it exactly; one byte more would not fit.
        assert_eq!(
            store.append(s, vec![line(&"y".repeat(10))]),
            Err(AppendError::LimitExceeded)
        );
        assert!(store.overflowed());
        assert_eq!(
            store.append(s, vec![line("z")]),
            Err(AppendError::LimitExceeded)
        );
        // `logs_length` is output bytes, as coderd reports it.
        assert_eq!(store.length(), MAX_LOGS_LENGTH - 30 - OVERHEAD_PER_LOG);

        let exact = LogStore::new(Uuid::nil());
        exact.upsert_source(s, "S", "");
        exact.append(s, vec![line(&big)]).unwrap();
        exact.append(s, vec![line(&"y".repeat(9))]).unwrap();
        assert!(!exact.overflowed(), "the cap is reached, not passed");
    }

    #[test]
    fn empty_lines_are_charged_their_overhead() {
        let store = LogStore::new(Uuid::nil());
        let s = Uuid::new_v4();
        store.upsert_source(s, "S", "");
        let mut accepted = 0;
        while store.append(s, vec![line("")]).is_ok() {
            accepted += 1;
            assert!(accepted <= MAX_LOGS_LENGTH, "empty lines are never free");
        }
        assert_eq!(accepted, MAX_LOGS_LENGTH / OVERHEAD_PER_LOG);
        assert!(store.overflowed());
        assert_eq!(store.length(), 0);
    }

    #[test]
    fn sources_are_bounded_but_renaming_is_not_refused() {
        let store = LogStore::new(Uuid::nil());
        let first = Uuid::new_v4();
        assert!(store.upsert_source(first, "first", "").is_some());
        for _ in 1..MAX_SOURCES {
            assert!(store.upsert_source(Uuid::new_v4(), "s", "").is_some());
        }
        assert!(store
            .upsert_source(Uuid::new_v4(), "one too many", "")
            .is_none());
        assert_eq!(
            store
                .upsert_source(first, "renamed", "")
                .unwrap()
                .display_name,
            "renamed"
        );
    }

    #[test]
    fn a_restored_store_continues_its_ids() {
        let stored = |id: i64| StoredLog {
            id,
            created_at: Utc::now(),
            output: format!("line {id}"),
            level: LogLevel::Info,
            source_id: EXTERNAL_LOG_SOURCE_ID,
        };
        let source = LogSource {
            id: EXTERNAL_LOG_SOURCE_ID,
            ..LogSource::default()
        };
        // An earlier run kept lines 5 to 7 (the oldest were trimmed).
        let agent = Uuid::new_v4();
        let store = LogStore::restore(
            agent,
            MAX_LOGS_LENGTH,
            vec![source],
            (5..=7).map(stored).collect(),
            None,
        );
        assert_eq!(store.sources()[0].workspace_agent_id, agent);
        let ids = |after| store.after(after).iter().map(|l| l.id).collect::<Vec<_>>();
        assert_eq!(ids(0), [5, 6, 7]);
        assert_eq!(ids(5), [6, 7]);
        assert!(ids(7).is_empty());
        assert_eq!(*store.subscribe().borrow(), 7);
        assert_eq!(
            store
                .append(EXTERNAL_LOG_SOURCE_ID, vec![line("new")])
                .unwrap(),
            8..=8
        );
        assert_eq!(ids(6), [7, 8]);
        assert_eq!(store.length(), "line 5line 6line 7new".len());
    }

    #[test]
    fn subscribers_see_the_last_id() {
        let store = LogStore::new(Uuid::nil());
        let s = Uuid::new_v4();
        store.upsert_source(s, "S", "");
        let rx = store.subscribe();
        store.append(s, vec![line("a"), line("b")]).unwrap();
        assert_eq!(*rx.borrow(), 2);
    }
}
