//! The log buffer: every line of an agent, merged by id, compact enough for a million lines.
//!
//! **Merge by id.** Batches (the REST backlog, each WebSocket frame, a reconnect's backlog)
//! may arrive in any order and overlap. [`LogBuffer::insert_batch`] keeps the lines sorted by
//! id and drops ids it already holds. The common case, a batch of ids above the last one, is a
//! plain append; anything else is one merge pass over the tail it touches.
//!
//! **No gap detection.** coderd's ids come from one database sequence shared by every agent,
//! so the ids of one agent are increasing but not contiguous: a jump says nothing about missing
//! lines. Completeness comes from the protocol instead: the server answers `after=N` with every
//! line whose id is above N, so reconnecting with `after = `[`LogBuffer::cursor`] (the highest
//! id held) cannot skip a line, and merging by id cannot double one.
//!
//! **Memory.** Lines are stored as fixed 32-byte rows (id, time in ms, a text reference, level
//! and source as small ids) plus the raw output bytes in a chunked arena. Nothing is parsed
//! ahead: ANSI is parsed per visible row. The arena grows in chunks of at most 256 KiB, so no
//! reallocation ever copies the whole text. A million 80-byte lines take about 32 MB of rows
//! and 80 MB of text.
use std::collections::HashMap;
use uuid::Uuid;

/// What a buffer needs from one log line; implemented for the wire type and for [`LogLine`].
pub trait LogRecord {
    /// The server's id (increasing with every insert).
    fn id(&self) -> i64;
    /// Creation time, milliseconds since the Unix epoch.
    fn created_at_ms(&self) -> i64;
    /// The level as sent (`"info"`, `"error"`, or anything newer).
    fn level(&self) -> &str;
    /// The log source the line belongs to.
    fn source(&self) -> Uuid;
    /// The raw output, escape sequences included.
    fn output(&self) -> &str;
}

impl LogRecord for coder_api::WorkspaceAgentLog {
    fn id(&self) -> i64 {
        self.id
    }
    fn created_at_ms(&self) -> i64 {
        self.created_at.timestamp_millis()
    }
    fn level(&self) -> &str {
        self.level.as_str()
    }
    fn source(&self) -> Uuid {
        self.source_id
    }
    fn output(&self) -> &str {
        &self.output
    }
}

/// A log line independent of the wire format (tests, synthetic lines).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// The server's id.
    pub id: i64,
    /// Milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// The level as sent.
    pub level: String,
    /// The log source.
    pub source: Uuid,
    /// The raw output.
    pub text: String,
}

impl LogRecord for LogLine {
    fn id(&self) -> i64 {
        self.id
    }
    fn created_at_ms(&self) -> i64 {
        self.created_at_ms
    }
    fn level(&self) -> &str {
        &self.level
    }
    fn source(&self) -> Uuid {
        self.source
    }
    fn output(&self) -> &str {
        &self.text
    }
}

/// A line's level as stored: the five known levels, or an index into the buffer's table of
/// other level names (a newer coderd may add levels; they are kept and shown as sent).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LevelId(pub u8);

impl LevelId {
    /// `trace`.
    pub const TRACE: LevelId = LevelId(0);
    /// `debug`.
    pub const DEBUG: LevelId = LevelId(1);
    /// `info`.
    pub const INFO: LevelId = LevelId(2);
    /// `warn`.
    pub const WARN: LevelId = LevelId(3);
    /// `error`.
    pub const ERROR: LevelId = LevelId(4);
    /// Names of the known levels, by id.
    const KNOWN: [&'static str; 5] = ["trace", "debug", "info", "warn", "error"];
    /// Ids past this many other names all share the last one.
    const MAX: u8 = u8::MAX;

    /// Whether this is one of the five known levels.
    pub fn is_known(self) -> bool {
        usize::from(self.0) < Self::KNOWN.len()
    }

    /// The id of a known level name (ASCII case ignored), if it is one.
    pub fn known(name: &str) -> Option<LevelId> {
        Self::KNOWN
            .iter()
            .position(|k| k.eq_ignore_ascii_case(name))
            .map(|i| LevelId(i as u8))
    }
}

/// A source's index in the buffer's registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceIdx(pub u16);

/// Colours for sources without an icon, picked by a hash of the display name so a source keeps
/// its colour across reloads. Chosen to read on both light and dark backgrounds.
pub const SOURCE_PALETTE: [&str; 10] = [
    "#5b8def", "#3fa37b", "#d08c2f", "#c9577a", "#8f6ed5", "#2c9fb8", "#b86b3f", "#6f9a3a",
    "#a3689e", "#5f7d95",
];

/// A log source: where lines come from (a script, envbuilder, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceInfo {
    /// The source's id on the wire.
    pub id: Uuid,
    /// The name to show.
    pub display_name: String,
    /// An icon URL or path (may be empty).
    pub icon: String,
    /// Index into [`SOURCE_PALETTE`], from the display name.
    pub color_index: u8,
    /// Whether the server described this source; `false` for ids only seen on lines.
    pub described: bool,
}

impl SourceInfo {
    /// The source's colour (for a dot when there is no icon, or a row marker).
    pub fn color(&self) -> &'static str {
        SOURCE_PALETTE[usize::from(self.color_index)]
    }
}

/// FNV-1a over the name: small, stable across platforms and releases.
pub fn name_hash(name: &str) -> u32 {
    name.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// The palette index for a display name.
pub fn color_index_for(name: &str) -> u8 {
    (name_hash(name) % SOURCE_PALETTE.len() as u32) as u8
}

/// What the buffer shows for a source it has only seen on lines.
fn placeholder_name(id: &Uuid) -> String {
    if *id == coder_api::EXTERNAL_LOG_SOURCE_ID {
        "External".to_owned()
    } else if id.is_nil() {
        "Logs".to_owned()
    } else {
        let simple = id.simple().to_string();
        format!("Source {}", &simple[..8])
    }
}

/// Where a line's text lives in the arena.
#[derive(Clone, Copy, Debug)]
struct TextRef {
    chunk: u32,
    start: u32,
    len: u32,
}

/// One stored line: 32 bytes.
#[derive(Clone, Copy, Debug)]
struct Row {
    id: i64,
    time_ms: i64,
    text: TextRef,
    source: SourceIdx,
    level: LevelId,
}

/// Append-only text storage in chunks, so growth never copies what is already stored.
#[derive(Debug, Default)]
struct TextArena {
    chunks: Vec<String>,
    /// The chunk that receives small lines (lines larger than a quarter chunk get their own).
    open: Option<usize>,
    bytes: usize,
    capacity: usize,
}

impl TextArena {
    const MAX_CHUNK: usize = 256 * 1024;
    const MIN_CHUNK: usize = 4 * 1024;

    fn push(&mut self, s: &str) -> TextRef {
        // A text reference is 32-bit; a single line over 4 GiB is cut (never happens in a browser).
        let s = super::ansi::floor_char_boundary(s, u32::MAX as usize);
        self.bytes += s.len();
        if s.len() > Self::MAX_CHUNK / 4 {
            self.chunks.push(s.to_owned());
            self.capacity += s.len();
            return TextRef {
                chunk: (self.chunks.len() - 1) as u32,
                start: 0,
                len: s.len() as u32,
            };
        }
        let fits = self.open.is_some_and(|i| {
            let c = &self.chunks[i];
            c.capacity() - c.len() >= s.len()
        });
        if !fits {
            // Chunks double from 4 KiB up to 256 KiB: small logs stay small, big ones waste little.
            let last = self.open.map_or(0, |i| self.chunks[i].capacity());
            let size = (last * 2)
                .clamp(Self::MIN_CHUNK, Self::MAX_CHUNK)
                .max(s.len());
            self.chunks.push(String::with_capacity(size));
            self.capacity += size;
            self.open = Some(self.chunks.len() - 1);
        }
        let index = self.open.unwrap_or_default();
        let chunk = &mut self.chunks[index];
        let start = chunk.len();
        chunk.push_str(s);
        TextRef {
            chunk: index as u32,
            start: start as u32,
            len: s.len() as u32,
        }
    }

    fn get(&self, r: TextRef) -> &str {
        let start = r.start as usize;
        &self.chunks[r.chunk as usize][start..start + r.len as usize]
    }
}

/// What one batch did to the buffer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MergeOutcome {
    /// Lines added.
    pub added: usize,
    /// Lines dropped because their id was already held (or repeated within the batch).
    pub duplicates: usize,
    /// Index of the first added line in the buffer's order; `Some(len before)` for an append.
    pub first_index: Option<usize>,
    /// Whether every added line went after the old last line (no index moved).
    pub appended: bool,
}

/// One line as read from the buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineRef<'a> {
    /// Position in the buffer (sorted by id).
    pub index: usize,
    /// The server's id.
    pub id: i64,
    /// Milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// The level.
    pub level: LevelId,
    /// The source.
    pub source: SourceIdx,
    /// The raw output (escape sequences included).
    pub text: &'a str,
}

/// Every log line of one agent, sorted by id, without duplicates.
#[derive(Debug, Default)]
pub struct LogBuffer {
    rows: Vec<Row>,
    text: TextArena,
    other_levels: Vec<String>,
    sources: Vec<SourceInfo>,
    source_index: HashMap<Uuid, SourceIdx>,
    /// Moves on whenever a source is added or described, so its chip list knows to refresh.
    sources_version: u64,
    version: u64,
    epoch: u64,
    /// (version, index) of each insert that moved existing lines, oldest first, so a filter
    /// that last looked at version v knows where its indices stopped being valid.
    moves: Vec<(u64, usize)>,
}

impl LogBuffer {
    /// Inserts that moved lines are remembered this many at a time (older ones are folded
    /// together, which only makes filters rescan a little more).
    const MAX_MOVES: usize = 32;

    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of lines held.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no line is held.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Bumped by every change (lines, sources, clear): the UI re-renders when it moves.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Bumped by [`clear`](Self::clear): every index taken before it is void.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The highest id held.
    pub fn last_id(&self) -> Option<i64> {
        self.rows.last().map(|r| r.id)
    }

    /// The `after` to (re)connect with: the highest id held, or 0 for everything.
    pub fn cursor(&self) -> i64 {
        self.last_id().unwrap_or(0).max(0)
    }

    /// Forgets every line (a new agent, a new build). Sources stay registered.
    pub fn clear(&mut self) {
        self.rows = Vec::new();
        self.text = TextArena::default();
        self.moves.clear();
        self.version += 1;
        self.epoch += 1;
    }

    /// Merges a batch by id (see the module docs). The batch may be in any order and may
    /// repeat ids, its own or the buffer's.
    pub fn insert_batch<R: LogRecord>(&mut self, batch: &[R]) -> MergeOutcome {
        if batch.is_empty() {
            return MergeOutcome::default();
        }
        let old_len = self.rows.len();
        let last = self.last_id();
        let sorted = batch.windows(2).all(|w| w[0].id() < w[1].id());
        // Fast path: strictly increasing and past the end (every live frame, every backlog).
        if sorted && last.is_none_or(|l| batch[0].id() > l) {
            self.rows.reserve(batch.len());
            for rec in batch {
                let row = self.make_row(rec);
                self.rows.push(row);
            }
            self.version += 1;
            return MergeOutcome {
                added: batch.len(),
                duplicates: 0,
                first_index: Some(old_len),
                appended: true,
            };
        }

        // Slow path: order the batch, drop repeats within it and ids already held.
        let mut order: Vec<usize> = (0..batch.len()).collect();
        if !sorted {
            order.sort_by_key(|&i| batch[i].id());
        }
        let mut duplicates = 0;
        let mut fresh: Vec<usize> = Vec::with_capacity(order.len());
        for i in order {
            let id = batch[i].id();
            let repeat = fresh.last().is_some_and(|&j| batch[j].id() == id);
            if repeat || self.index_of_id(id).is_some() {
                duplicates += 1;
            } else {
                fresh.push(i);
            }
        }
        if fresh.is_empty() {
            return MergeOutcome {
                added: 0,
                duplicates,
                first_index: None,
                appended: true,
            };
        }
        let new_rows: Vec<Row> = fresh.iter().map(|&i| self.make_row(&batch[i])).collect();
        let first = self.rows.partition_point(|r| r.id < new_rows[0].id);
        let appended = first == old_len;
        if appended {
            self.rows.extend_from_slice(&new_rows);
        } else {
            // One merge pass over the tail from the first new id; the head stays in place.
            let tail = self.rows.split_off(first);
            self.rows.reserve(tail.len() + new_rows.len());
            let (mut a, mut b) = (tail.into_iter().peekable(), new_rows.into_iter().peekable());
            loop {
                let take_a = match (a.peek(), b.peek()) {
                    (Some(x), Some(y)) => x.id < y.id,
                    (Some(_), None) => true,
                    (None, Some(_)) => false,
                    (None, None) => break,
                };
                let next = if take_a { a.next() } else { b.next() };
                self.rows.extend(next);
            }
            self.record_move(first);
        }
        self.version += 1;
        MergeOutcome {
            added: fresh.len(),
            duplicates,
            first_index: Some(first),
            appended,
        }
    }

    fn record_move(&mut self, index: usize) {
        // `version + 1` is the version this insert produces.
        self.moves.push((self.version + 1, index));
        if self.moves.len() > Self::MAX_MOVES {
            // Fold the two oldest: the later version with the lower index is conservative.
            let (v0, i0) = self.moves.remove(0);
            let (v1, i1) = self.moves[0];
            self.moves[0] = (v0.max(v1), i0.min(i1));
        }
    }

    /// The lowest index at which lines moved (were inserted before existing lines) after
    /// `since`, or `None` if every change since then was an append. A filter that saw version
    /// `since` keeps its indices below this and rescans from it.
    pub fn moved_from(&self, since: u64) -> Option<usize> {
        self.moves
            .iter()
            .filter(|(v, _)| *v > since)
            .map(|(_, i)| *i)
            .min()
    }

    fn make_row<R: LogRecord>(&mut self, rec: &R) -> Row {
        let level = self.level_id(rec.level());
        let source = self.source_for(rec.source());
        Row {
            id: rec.id(),
            time_ms: rec.created_at_ms(),
            text: self.text.push(rec.output()),
            source,
            level,
        }
    }

    fn level_id(&mut self, name: &str) -> LevelId {
        if let Some(id) = LevelId::known(name) {
            return id;
        }
        let base = LevelId::KNOWN.len();
        if let Some(i) = self.other_levels.iter().position(|l| l == name) {
            return LevelId((base + i) as u8);
        }
        if base + self.other_levels.len() > usize::from(LevelId::MAX) {
            // 250 different unknown levels: the rest share the last slot rather than grow.
            return LevelId(LevelId::MAX);
        }
        self.other_levels.push(name.to_owned());
        LevelId((base + self.other_levels.len() - 1) as u8)
    }

    /// The name of a level as sent.
    pub fn level_name(&self, level: LevelId) -> &str {
        let i = usize::from(level.0);
        match LevelId::KNOWN.get(i) {
            Some(name) => name,
            None => self
                .other_levels
                .get(i - LevelId::KNOWN.len())
                .map_or("other", String::as_str),
        }
    }

    /// Every level seen that is not one of the known five.
    pub fn other_levels(&self) -> impl Iterator<Item = (LevelId, &str)> {
        let base = LevelId::KNOWN.len();
        self.other_levels
            .iter()
            .enumerate()
            .map(move |(i, n)| (LevelId((base + i) as u8), n.as_str()))
    }

    fn source_for(&mut self, id: Uuid) -> SourceIdx {
        if let Some(&idx) = self.source_index.get(&id) {
            return idx;
        }
        let name = placeholder_name(&id);
        self.add_source(SourceInfo {
            id,
            color_index: color_index_for(&name),
            display_name: name,
            icon: String::new(),
            described: false,
        })
    }

    fn add_source(&mut self, info: SourceInfo) -> SourceIdx {
        self.sources_version += 1;
        // 65,535 sources is far beyond any agent; further ones share the last index.
        let idx = SourceIdx(self.sources.len().min(usize::from(u16::MAX)) as u16);
        if self.sources.len() < usize::from(u16::MAX) {
            self.source_index.insert(info.id, idx);
            self.sources.push(info);
        }
        idx
    }

    /// Registers (or describes) a source: its name, icon and colour. Lines may arrive before
    /// their source is described; they then show a placeholder until this is called.
    pub fn register_source(&mut self, id: Uuid, display_name: &str, icon: &str) -> SourceIdx {
        self.version += 1;
        self.sources_version += 1;
        let name = if display_name.trim().is_empty() {
            placeholder_name(&id)
        } else {
            display_name.to_owned()
        };
        let info = SourceInfo {
            id,
            color_index: color_index_for(&name),
            display_name: name,
            icon: icon.to_owned(),
            described: true,
        };
        match self.source_index.get(&id) {
            Some(&idx) => {
                self.sources[usize::from(idx.0)] = info;
                idx
            }
            None => self.add_source(info),
        }
    }

    /// Changes whenever a source is added or (re)described.
    pub fn sources_version(&self) -> u64 {
        self.sources_version
    }

    /// Every source, by index.
    pub fn sources(&self) -> &[SourceInfo] {
        &self.sources
    }

    /// One source by index.
    pub fn source(&self, idx: SourceIdx) -> Option<&SourceInfo> {
        self.sources.get(usize::from(idx.0))
    }

    /// A source's index by id.
    pub fn source_idx(&self, id: &Uuid) -> Option<SourceIdx> {
        self.source_index.get(id).copied()
    }

    /// The line at `index` (0 = lowest id).
    pub fn line(&self, index: usize) -> Option<LineRef<'_>> {
        let r = self.rows.get(index)?;
        Some(LineRef {
            index,
            id: r.id,
            created_at_ms: r.time_ms,
            level: r.level,
            source: r.source,
            text: self.text.get(r.text),
        })
    }

    /// The raw output of the line at `index`.
    pub fn text(&self, index: usize) -> Option<&str> {
        self.rows.get(index).map(|r| self.text.get(r.text))
    }

    /// The id of the line at `index`.
    pub fn id_at(&self, index: usize) -> Option<i64> {
        self.rows.get(index).map(|r| r.id)
    }

    /// The index of the line with this id, if held.
    pub fn index_of_id(&self, id: i64) -> Option<usize> {
        self.rows.binary_search_by_key(&id, |r| r.id).ok()
    }

    /// The index of the first line whose id is at least `id` (where it would go).
    pub fn lower_bound(&self, id: i64) -> usize {
        self.rows.partition_point(|r| r.id < id)
    }

    /// Lines from `start` on, in order.
    pub fn lines_from(&self, start: usize) -> impl Iterator<Item = LineRef<'_>> {
        (start..self.rows.len()).filter_map(|i| self.line(i))
    }

    /// Bytes held (row table and text arena, by capacity), for diagnostics.
    pub fn memory_bytes(&self) -> usize {
        self.rows.capacity() * std::mem::size_of::<Row>()
            + self.text.capacity
            + self.text.chunks.capacity() * std::mem::size_of::<String>()
    }

    /// Bytes of raw output held.
    pub fn text_bytes(&self) -> usize {
        self.text.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn line(id: i64) -> LogLine {
        LogLine {
            id,
            created_at_ms: 1_700_000_000_000 + id,
            level: "info".into(),
            source: src(1),
            text: format!("line {id}"),
        }
    }

    fn lines(ids: impl IntoIterator<Item = i64>) -> Vec<LogLine> {
        ids.into_iter().map(line).collect()
    }

    fn ids(buf: &LogBuffer) -> Vec<i64> {
        (0..buf.len()).map(|i| buf.id_at(i).unwrap()).collect()
    }

    fn check_consistent(buf: &LogBuffer) {
        for i in 0..buf.len() {
            let l = buf.line(i).unwrap();
            assert_eq!(l.text, format!("line {}", l.id));
            if i > 0 {
                assert!(buf.id_at(i - 1).unwrap() < l.id, "sorted and unique");
            }
        }
    }

    #[test]
    fn row_is_32_bytes() {
        assert_eq!(std::mem::size_of::<Row>(), 32);
    }

    #[test]
    fn appends_in_order() {
        let mut buf = LogBuffer::new();
        assert_eq!(buf.cursor(), 0);
        let out = buf.insert_batch(&lines(1..=3));
        assert_eq!(
            out,
            MergeOutcome {
                added: 3,
                duplicates: 0,
                first_index: Some(0),
                appended: true
            }
        );
        let out = buf.insert_batch(&lines([10, 20]));
        assert_eq!(
            out,
            MergeOutcome {
                added: 2,
                duplicates: 0,
                first_index: Some(3),
                appended: true
            }
        );
        assert_eq!(ids(&buf), vec![1, 2, 3, 10, 20]);
        assert_eq!(buf.last_id(), Some(20));
        assert_eq!(buf.cursor(), 20);
        assert_eq!(buf.moved_from(0), None);
        check_consistent(&buf);
    }

    #[test]
    fn duplicates_are_dropped() {
        let mut buf = LogBuffer::new();
        buf.insert_batch(&lines(1..=5));
        let v = buf.version();
        let out = buf.insert_batch(&lines(1..=5));
        assert_eq!(
            out,
            MergeOutcome {
                added: 0,
                duplicates: 5,
                first_index: None,
                appended: true
            }
        );
        assert_eq!(buf.version(), v, "nothing changed");
        // Repeats inside one batch.
        let out = buf.insert_batch(&lines([6, 6, 7, 6]));
        assert_eq!((out.added, out.duplicates), (2, 2));
        assert_eq!(ids(&buf), vec![1, 2, 3, 4, 5, 6, 7]);
        check_consistent(&buf);
    }

    #[test]
    fn overlapping_batches_merge() {
        let mut buf = LogBuffer::new();
        buf.insert_batch(&lines(1..=10));
        // A reconnect whose backlog overlaps what the last socket delivered.
        let out = buf.insert_batch(&lines(8..=15));
        assert_eq!((out.added, out.duplicates, out.appended), (5, 3, true));
        assert_eq!(ids(&buf), (1..=15).collect::<Vec<_>>());
        check_consistent(&buf);
    }

    #[test]
    fn out_of_order_arrival() {
        let mut buf = LogBuffer::new();
        buf.insert_batch(&lines([10, 20, 30]));
        let v = buf.version();
        let out = buf.insert_batch(&lines([25, 5, 15]));
        assert_eq!(
            out,
            MergeOutcome {
                added: 3,
                duplicates: 0,
                first_index: Some(0),
                appended: false
            }
        );
        assert_eq!(ids(&buf), vec![5, 10, 15, 20, 25, 30]);
        assert_eq!(buf.moved_from(v), Some(0));
        assert_eq!(buf.moved_from(buf.version()), None);
        let v = buf.version();
        buf.insert_batch(&lines([27, 40]));
        assert_eq!(buf.moved_from(v), Some(5));
        assert_eq!(buf.last_id(), Some(40));
        check_consistent(&buf);
    }

    #[test]
    fn any_arrival_order_gives_the_same_buffer() {
        // Split 1..=300 into overlapping batches and deliver them in a scrambled order.
        let mut batches: Vec<Vec<LogLine>> =
            (0..30).map(|k| lines(k * 10 + 1..=k * 10 + 15)).collect();
        let mut seed = 7u64;
        for i in (1..batches.len()).rev() {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            batches.swap(i, (seed >> 33) as usize % (i + 1));
        }
        let mut buf = LogBuffer::new();
        let mut added = 0;
        for b in &mut batches {
            b.reverse();
            added += buf.insert_batch(b).added;
        }
        assert_eq!(added, 305);
        assert_eq!(ids(&buf), (1..=305).collect::<Vec<_>>());
        check_consistent(&buf);
    }

    #[test]
    fn moves_history_is_bounded_and_conservative() {
        let mut buf = LogBuffer::new();
        buf.insert_batch(&lines((0..1000).map(|i| i * 1000)));
        let v0 = buf.version();
        for k in (1..100).rev() {
            buf.insert_batch(&lines([k * 1000 + 1]));
        }
        assert!(buf.moves.len() <= LogBuffer::MAX_MOVES);
        // The lowest insert happened last (index 2); any older version must rescan from ≤ 2.
        assert_eq!(buf.moved_from(v0), Some(2));
        check_consistent(&buf);
    }

    #[test]
    fn levels_and_sources() {
        let mut buf = LogBuffer::new();
        let mk = |id, level: &str, source| LogLine {
            id,
            created_at_ms: 0,
            level: level.into(),
            source,
            text: String::new(),
        };
        buf.insert_batch(&[
            mk(1, "error", src(1)),
            mk(2, "fatal", src(2)),
            mk(3, "ERROR", src(1)),
            mk(4, "fatal", coder_api::EXTERNAL_LOG_SOURCE_ID),
        ]);
        let l: Vec<LineRef<'_>> = (0..4).map(|i| buf.line(i).unwrap()).collect();
        assert_eq!(l[0].level, LevelId::ERROR);
        assert_eq!(l[2].level, LevelId::ERROR);
        assert!(!l[1].level.is_known());
        assert_eq!(l[1].level, l[3].level);
        assert_eq!(buf.level_name(l[1].level), "fatal");
        assert_eq!(
            buf.other_levels().collect::<Vec<_>>(),
            vec![(l[1].level, "fatal")]
        );
        assert_eq!(l[0].source, l[2].source);
        assert_eq!(buf.sources().len(), 3);
        assert_eq!(buf.source(l[3].source).unwrap().display_name, "External");
        let placeholder = buf.source(l[1].source).unwrap();
        assert_eq!(placeholder.display_name, "Source 00000000");
        assert!(!placeholder.described);
        let fatal_source = l[1].source;

        let v = buf.version();
        let idx = buf.register_source(src(2), "Startup Script", "/icon/code.svg");
        assert_eq!(idx, fatal_source);
        assert!(buf.version() > v);
        let s = buf.source(idx).unwrap();
        assert_eq!(
            (s.display_name.as_str(), s.icon.as_str(), s.described),
            ("Startup Script", "/icon/code.svg", true)
        );
        assert_eq!(
            s.color(),
            SOURCE_PALETTE[usize::from(color_index_for("Startup Script"))]
        );
        // A source described before any of its lines.
        let early = buf.register_source(src(9), "dotfiles", "");
        assert_eq!(buf.source_idx(&src(9)), Some(early));
    }

    #[test]
    fn colours_are_stable_and_spread() {
        assert_eq!(name_hash(""), 0x811c_9dc5);
        assert_eq!(name_hash("a"), 0xe40c_292c);
        let names = [
            "Startup Script",
            "envbuilder",
            "dotfiles",
            "code-server",
            "jetbrains",
            "Coder Agent",
            "VS Code",
            "web",
            "db",
            "ssh",
            "git",
            "npm",
        ];
        let used: std::collections::HashSet<u8> =
            names.iter().map(|n| color_index_for(n)).collect();
        assert!(used.len() >= 5, "names spread over the palette: {used:?}");
    }

    #[test]
    fn wire_type_is_a_record() {
        let json = r#"[{"id":7,"created_at":"2024-05-01T10:00:00.250Z","output":"hi","level":"warn","source_id":"3b579bf4-1ed8-4b99-87a8-e9a1e3410410"}]"#;
        let batch: Vec<coder_api::WorkspaceAgentLog> = serde_json::from_str(json).unwrap();
        let mut buf = LogBuffer::new();
        buf.insert_batch(&batch);
        let l = buf.line(0).unwrap();
        assert_eq!((l.id, l.level, l.text), (7, LevelId::WARN, "hi"));
        assert_eq!(l.created_at_ms, 1_714_557_600_250);
        assert_eq!(buf.source(l.source).unwrap().display_name, "External");
    }

    #[test]
    fn arena_handles_long_lines_and_chunk_growth() {
        let mut buf = LogBuffer::new();
        let long = "x".repeat(1024 * 1024);
        let batch = vec![
            line(1),
            LogLine {
                text: long.clone(),
                ..line(2)
            },
            line(3),
        ];
        buf.insert_batch(&batch);
        assert_eq!(buf.text(1).unwrap().len(), long.len());
        assert_eq!(buf.text(0), Some("line 1"));
        assert_eq!(buf.text(2), Some("line 3"));
    }

    #[test]
    fn clear_bumps_epoch() {
        let mut buf = LogBuffer::new();
        buf.insert_batch(&lines(1..=3));
        let e = buf.epoch();
        buf.clear();
        assert!(buf.is_empty());
        assert_eq!(buf.epoch(), e + 1);
        assert_eq!(buf.cursor(), 0);
    }

    #[test]
    fn a_million_lines() {
        let mut buf = LogBuffer::new();
        let mut next = 1i64;
        while next <= 1_000_000 {
            let batch = lines(next..next + 10_000);
            buf.insert_batch(&batch);
            next += 10_000;
        }
        assert_eq!(buf.len(), 1_000_000);
        assert_eq!(buf.last_id(), Some(1_000_000));
        // Overlap at the end, as after a reconnect.
        let out = buf.insert_batch(&lines(999_990..=1_000_010));
        assert_eq!((out.added, out.duplicates), (10, 11));
        assert_eq!(buf.index_of_id(500_000), Some(499_999));
        assert_eq!(buf.line(999_999).unwrap().text, "line 1000000");
        // Rows plus text: ~32 bytes of row per line above the text itself.
        let overhead = buf.memory_bytes() - buf.text_bytes();
        assert!(overhead < 1_000_010 * 48, "overhead {overhead}");
    }
}
