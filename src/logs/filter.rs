//! Filters and search over the log buffer: the list of visible lines, kept up to date
//! incrementally, and the matches of a text search within it.
//!
//! A [`LogView`] holds the buffer indices that pass its [`FilterSpec`] (levels, sources,
//! optionally "only matching lines") and the positions of the lines matching the search. It
//! catches up with the buffer in [`LogView::sync_budget`] by examining only what it has not
//! seen: appended lines cost O(appended), an insert before existing lines costs a rescan from
//! that index, and a changed filter a full rescan, which can be spread over several frames by
//! giving a budget, so no task runs long on a million lines.
//!
//! Search is a case-insensitive substring match on the ANSI-stripped text ([`Query`]); it
//! highlights ([`Query::find`], [`highlight_runs`]) and navigates ([`LogView::next_match`],
//! [`LogView::prev_match`]) without hiding lines unless [`FilterSpec::only_matching`] is set.
use super::ansi::{plain_text, Span, Style, StyledLine};
use super::merge::{LevelId, LogBuffer, SourceIdx};
use std::ops::Range;

/// A level as the filter groups them: the five known levels, and "other" for any level this
/// version does not know.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LevelClass {
    /// `trace`.
    Trace,
    /// `debug`.
    Debug,
    /// `info`.
    Info,
    /// `warn`.
    Warn,
    /// `error`.
    Error,
    /// Any other level name.
    Other,
}

impl LevelClass {
    /// Every class, in display order.
    pub const ALL: [LevelClass; 6] = [
        LevelClass::Trace,
        LevelClass::Debug,
        LevelClass::Info,
        LevelClass::Warn,
        LevelClass::Error,
        LevelClass::Other,
    ];

    /// The class of a stored level.
    pub fn of(level: LevelId) -> LevelClass {
        match level {
            LevelId::TRACE => LevelClass::Trace,
            LevelId::DEBUG => LevelClass::Debug,
            LevelId::INFO => LevelClass::Info,
            LevelId::WARN => LevelClass::Warn,
            LevelId::ERROR => LevelClass::Error,
            _ => LevelClass::Other,
        }
    }

    /// A short label for the filter control.
    pub fn label(self) -> &'static str {
        match self {
            LevelClass::Trace => "trace",
            LevelClass::Debug => "debug",
            LevelClass::Info => "info",
            LevelClass::Warn => "warn",
            LevelClass::Error => "error",
            LevelClass::Other => "other",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of level classes (the levels shown).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LevelSet(u8);

impl Default for LevelSet {
    fn default() -> Self {
        LevelSet::all()
    }
}

impl LevelSet {
    /// Every class.
    pub fn all() -> Self {
        LevelSet(LevelClass::ALL.iter().fold(0, |m, c| m | c.bit()))
    }

    /// No class.
    pub fn none() -> Self {
        LevelSet(0)
    }

    /// Whether the class is in the set.
    pub fn contains(self, class: LevelClass) -> bool {
        self.0 & class.bit() != 0
    }

    /// The set with `class` added or removed.
    pub fn with(self, class: LevelClass, shown: bool) -> Self {
        if shown {
            LevelSet(self.0 | class.bit())
        } else {
            LevelSet(self.0 & !class.bit())
        }
    }

    /// The set with `class` flipped.
    pub fn toggled(self, class: LevelClass) -> Self {
        LevelSet(self.0 ^ class.bit())
    }

    /// Whether every class is in the set.
    pub fn is_all(self) -> bool {
        self == LevelSet::all()
    }
}

/// The sources shown, stored as the ones hidden, so a source that appears later is shown.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SourceSet {
    /// Bit i of word i/64: source i is hidden. No trailing zero words, so equal sets compare equal.
    hidden: Vec<u64>,
}

impl SourceSet {
    /// Every source shown.
    pub fn all() -> Self {
        SourceSet::default()
    }

    /// Whether the source is shown.
    pub fn is_shown(&self, source: SourceIdx) -> bool {
        let i = usize::from(source.0);
        self.hidden
            .get(i / 64)
            .is_none_or(|w| w & (1 << (i % 64)) == 0)
    }

    /// Shows or hides one source.
    pub fn set(&mut self, source: SourceIdx, shown: bool) {
        let i = usize::from(source.0);
        if shown {
            if let Some(w) = self.hidden.get_mut(i / 64) {
                *w &= !(1 << (i % 64));
            }
            while self.hidden.last() == Some(&0) {
                self.hidden.pop();
            }
        } else {
            if self.hidden.len() <= i / 64 {
                self.hidden.resize(i / 64 + 1, 0);
            }
            self.hidden[i / 64] |= 1 << (i % 64);
        }
    }

    /// Flips one source.
    pub fn toggle(&mut self, source: SourceIdx) {
        self.set(source, !self.is_shown(source));
    }

    /// Shows only `source` out of the first `count` sources.
    pub fn only(source: SourceIdx, count: usize) -> Self {
        let mut set = SourceSet::all();
        for i in 0..count.min(usize::from(u16::MAX)) {
            set.set(SourceIdx(i as u16), i == usize::from(source.0));
        }
        set
    }

    /// Whether every source is shown.
    pub fn is_all(&self) -> bool {
        self.hidden.is_empty()
    }
}

/// What a view shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilterSpec {
    /// Level classes shown.
    pub levels: LevelSet,
    /// Sources shown.
    pub sources: SourceSet,
    /// The search text (case-insensitive substring; empty for none).
    pub search: String,
    /// Show only the lines matching `search` (ignored when it is empty).
    pub only_matching: bool,
}

impl FilterSpec {
    fn hides_non_matching(&self) -> bool {
        self.only_matching && !self.search.is_empty()
    }
}

/// Folds a char for case-insensitive comparison: its lowercase form when that is one char.
fn fold(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// A compiled search: case-insensitive substring, matched against cleaned (ANSI-stripped) text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    folded: Vec<char>,
    /// The folded needle as bytes when it is ASCII (the fast path for ASCII lines).
    ascii: Option<Vec<u8>>,
}

impl Query {
    /// Compiles `text` (empty matches nothing).
    pub fn new(text: &str) -> Self {
        let folded: Vec<char> = text.chars().map(fold).collect();
        let ascii = folded
            .iter()
            .all(char::is_ascii)
            .then(|| folded.iter().map(|&c| c as u8).collect());
        Query { folded, ascii }
    }

    /// Whether the query is empty.
    pub fn is_empty(&self) -> bool {
        self.folded.is_empty()
    }

    /// Byte ranges of the non-overlapping matches in `hay`, in order (for highlighting).
    pub fn find(&self, hay: &str) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        self.scan(hay, |r| {
            out.push(r);
            true
        });
        out
    }

    /// Whether `hay` contains a match.
    pub fn is_match(&self, hay: &str) -> bool {
        let mut found = false;
        self.scan(hay, |_| {
            found = true;
            false
        });
        found
    }

    /// Calls `f` with each match until it returns false.
    fn scan(&self, hay: &str, mut f: impl FnMut(Range<usize>) -> bool) {
        if self.is_empty() {
            return;
        }
        if let (Some(needle), true) = (&self.ascii, hay.is_ascii()) {
            // Both ASCII: compare bytes, no decoding.
            let h = hay.as_bytes();
            let m = needle.len();
            let mut i = 0;
            while i + m <= h.len() {
                if h[i].to_ascii_lowercase() == needle[0]
                    && h[i..i + m]
                        .iter()
                        .zip(needle)
                        .all(|(a, b)| a.to_ascii_lowercase() == *b)
                {
                    if !f(i..i + m) {
                        return;
                    }
                    i += m;
                } else {
                    i += 1;
                }
            }
            return;
        }
        let chars: Vec<(usize, char)> = hay.char_indices().map(|(i, c)| (i, fold(c))).collect();
        let m = self.folded.len();
        let mut i = 0;
        while i + m <= chars.len() {
            if chars[i..i + m]
                .iter()
                .zip(&self.folded)
                .all(|((_, a), b)| a == b)
            {
                let end = chars.get(i + m).map_or(hay.len(), |&(b, _)| b);
                if !f(chars[i].0..end) {
                    return;
                }
                i += m;
            } else {
                i += 1;
            }
        }
    }
}

/// A run of a displayed line: a styled span, split where a search match starts or ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HighlightRun {
    /// Byte range in the line's cleaned text.
    pub range: Range<usize>,
    /// The ANSI style.
    pub style: Style,
    /// Whether the run is inside a search match.
    pub highlighted: bool,
}

/// Splits a line's styled spans at the match ranges (sorted, non-overlapping, as from
/// [`Query::find`]; ranges past the text are clipped).
pub fn highlight_runs(line: &StyledLine, matches: &[Range<usize>]) -> Vec<HighlightRun> {
    let mut out = Vec::with_capacity(line.spans().len() + 2 * matches.len());
    let mut m = matches.iter().peekable();
    for Span { range, style } in line.spans() {
        let mut pos = range.start;
        while pos < range.end {
            // Skip matches that end before this point.
            while m.peek().is_some_and(|r| r.end <= pos) {
                m.next();
            }
            let (end, highlighted) = match m.peek() {
                Some(r) if r.start <= pos => (r.end.min(range.end), true),
                Some(r) => (r.start.min(range.end), false),
                None => (range.end, false),
            };
            out.push(HighlightRun {
                range: pos..end,
                style: *style,
                highlighted,
            });
            pos = end;
        }
    }
    out
}

/// Where a search match is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatchPos {
    /// Which match (0-based), for "3 of 120".
    pub ordinal: usize,
    /// Its position in the view.
    pub row: usize,
}

/// What a [`LogView::sync_budget`] call changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// The lowest view position whose line changed (`Some(old len)` for a pure append), or
    /// `None` when the row list did not change.
    pub first_changed: Option<usize>,
    /// Whether the match list changed.
    pub matches_changed: bool,
    /// Whether the view has caught up with the buffer (false: call again with more budget).
    pub done: bool,
}

/// The lines of a buffer that pass a filter, and the search matches among them.
#[derive(Clone, Debug, Default)]
pub struct LogView {
    spec: FilterSpec,
    query: Query,
    /// Buffer indices shown, ascending.
    rows: Vec<u32>,
    /// Positions in `rows` that match the search, ascending.
    matches: Vec<u32>,
    /// Buffer indices below this have been examined for `rows`.
    scanned: usize,
    /// Positions of `rows` below this have been examined for `matches`.
    match_scanned: usize,
    synced_epoch: u64,
    synced_version: u64,
    /// Lines examined since creation (for tests and diagnostics: proves incremental work).
    examined: u64,
    /// Rows changed by `set_spec` since the last sync (reported by the next one).
    pending_change: Option<usize>,
    /// Matches changed by `set_spec` since the last sync.
    pending_matches_change: bool,
}

impl LogView {
    /// An empty view with this filter; call [`sync`](Self::sync) to fill it.
    pub fn new(spec: FilterSpec) -> Self {
        LogView {
            query: Query::new(&spec.search),
            spec,
            ..LogView::default()
        }
    }

    /// The filter.
    pub fn spec(&self) -> &FilterSpec {
        &self.spec
    }

    /// The compiled search (for highlighting rows).
    pub fn query(&self) -> &Query {
        &self.query
    }

    /// Changes the filter. Changing only the search (while lines are not hidden by it) keeps the
    /// row list and redoes the matches; anything else rebuilds the rows.
    pub fn set_spec(&mut self, spec: FilterSpec) {
        if spec == self.spec {
            return;
        }
        let rows_change = spec.levels != self.spec.levels
            || spec.sources != self.spec.sources
            || spec.hides_non_matching() != self.spec.hides_non_matching()
            || (spec.hides_non_matching() && spec.search != self.spec.search);
        if spec.search != self.spec.search {
            self.query = Query::new(&spec.search);
        }
        self.spec = spec;
        if rows_change {
            if !self.rows.is_empty() {
                self.pending_change = Some(0);
            }
            self.rows.clear();
            self.scanned = 0;
        }
        self.pending_matches_change |= !self.matches.is_empty() || !self.query.is_empty();
        self.matches.clear();
        self.match_scanned = 0;
    }

    /// Catches up with the buffer completely.
    pub fn sync(&mut self, buf: &LogBuffer) -> SyncReport {
        self.sync_budget(buf, usize::MAX)
    }

    /// Catches up with the buffer, examining at most about `budget` lines (call again while
    /// [`SyncReport::done`] is false, e.g. once per animation frame).
    pub fn sync_budget(&mut self, buf: &LogBuffer, budget: usize) -> SyncReport {
        let old_matches = self.matches.len();
        let mut first_changed = self.pending_change.take();
        let mut note =
            |pos: usize| first_changed = Some(first_changed.map_or(pos, |f: usize| f.min(pos)));
        if buf.epoch() != self.synced_epoch {
            if self.truncate_rows(0) {
                note(0);
            }
            self.scanned = 0;
            self.synced_epoch = buf.epoch();
        } else if let Some(from) = buf.moved_from(self.synced_version) {
            // Lines were inserted before existing ones: indices from `from` on are stale.
            if from < self.scanned {
                let keep = self.rows.partition_point(|&r| (r as usize) < from);
                if self.truncate_rows(keep) {
                    note(keep);
                }
                self.scanned = from;
            }
        }
        self.synced_version = buf.version();

        let mut budget = budget;
        let hide_non_matching = self.spec.hides_non_matching();
        let rows_before = self.rows.len();
        while self.scanned < buf.len() && budget > 0 {
            let line = buf
                .line(self.scanned)
                .unwrap_or_else(|| unreachable!("scanned < len"));
            budget -= 1;
            self.examined += 1;
            let shown = self.spec.levels.contains(LevelClass::of(line.level))
                && self.spec.sources.is_shown(line.source)
                && (!hide_non_matching || self.query.is_match(&plain_text(line.text)));
            if shown {
                self.rows.push(self.scanned as u32);
            }
            self.scanned += 1;
        }
        if self.rows.len() > rows_before {
            note(rows_before);
        }

        if self.query.is_empty() {
            self.match_scanned = self.rows.len();
        }
        while self.match_scanned < self.rows.len() && budget > 0 {
            let pos = self.match_scanned;
            // With only matching lines shown, every row is a match: no second look needed.
            let matched = hide_non_matching || {
                budget -= 1;
                let text = buf.text(self.rows[pos] as usize).unwrap_or_default();
                self.query.is_match(&plain_text(text))
            };
            if matched {
                self.matches.push(pos as u32);
            }
            self.match_scanned += 1;
        }
        let matches_changed = std::mem::take(&mut self.pending_matches_change)
            || self.matches.len() != old_matches
            || first_changed.is_some_and(|f| f < rows_before);
        SyncReport {
            first_changed,
            matches_changed,
            done: self.scanned == buf.len() && self.match_scanned == self.rows.len(),
        }
    }

    /// Keeps the first `keep` rows (and their matches); says whether any row went.
    fn truncate_rows(&mut self, keep: usize) -> bool {
        let cut = keep < self.rows.len();
        self.rows.truncate(keep);
        let kept_matches = self.matches.partition_point(|&p| (p as usize) < keep);
        self.matches.truncate(kept_matches);
        self.match_scanned = self.match_scanned.min(keep);
        cut
    }

    /// Whether the view is caught up with `buf`.
    pub fn is_synced(&self, buf: &LogBuffer) -> bool {
        self.synced_epoch == buf.epoch()
            && buf
                .moved_from(self.synced_version)
                .is_none_or(|from| from >= self.scanned)
            && self.scanned == buf.len()
            && self.match_scanned == self.rows.len()
    }

    /// Number of lines shown.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no line is shown.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The buffer index of the line at view position `pos`.
    pub fn row(&self, pos: usize) -> Option<usize> {
        self.rows.get(pos).map(|&r| r as usize)
    }

    /// Every buffer index shown, in order.
    pub fn rows(&self) -> &[u32] {
        &self.rows
    }

    /// The view position of a buffer index: `Ok` if shown, `Err(where it would be)` if not.
    pub fn position_of(&self, index: usize) -> Result<usize, usize> {
        self.rows.binary_search(&(index as u32))
    }

    /// Number of matches found so far.
    pub fn match_count(&self) -> usize {
        self.matches.len()
    }

    /// The view positions of the matches, ascending.
    pub fn matches(&self) -> &[u32] {
        &self.matches
    }

    /// Whether the line at view position `pos` matches the search.
    pub fn is_match_row(&self, pos: usize) -> bool {
        self.matches.binary_search(&(pos as u32)).is_ok()
    }

    /// The first match after view position `from` (or the first match at all when `None`),
    /// wrapping around to the first.
    pub fn next_match(&self, from: Option<usize>) -> Option<MatchPos> {
        if self.matches.is_empty() {
            return None;
        }
        let i = from.map_or(0, |f| self.matches.partition_point(|&p| p as usize <= f));
        let ordinal = if i < self.matches.len() { i } else { 0 };
        Some(MatchPos {
            ordinal,
            row: self.matches[ordinal] as usize,
        })
    }

    /// The last match before view position `from` (or the last match at all when `None`),
    /// wrapping around to the last.
    pub fn prev_match(&self, from: Option<usize>) -> Option<MatchPos> {
        if self.matches.is_empty() {
            return None;
        }
        let i = from.map_or(self.matches.len(), |f| {
            self.matches.partition_point(|&p| (p as usize) < f)
        });
        let ordinal = if i > 0 { i - 1 } else { self.matches.len() - 1 };
        Some(MatchPos {
            ordinal,
            row: self.matches[ordinal] as usize,
        })
    }

    /// Lines examined since the view was created (diagnostics: shows the work is incremental).
    pub fn lines_examined(&self) -> u64 {
        self.examined
    }
}

/// A timestamp as ISO 8601 in UTC with milliseconds (`2024-05-01T10:00:00.250Z`).
pub fn iso_timestamp(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_else(|| ms.to_string())
}

/// Appends the download form of one line: `<ISO time> <level> [<source>] <text>\n`, the text
/// ANSI-stripped and whole (never cut), so every log is exactly one line of the file.
pub fn download_line(buf: &LogBuffer, index: usize, out: &mut String) {
    let Some(line) = buf.line(index) else { return };
    out.push_str(&iso_timestamp(line.created_at_ms));
    out.push(' ');
    let level = buf.level_name(line.level);
    out.push_str(level);
    for _ in level.chars().count()..5 {
        out.push(' ');
    }
    out.push_str(" [");
    out.push_str(
        buf.source(line.source)
            .map_or("Logs", |s| s.display_name.as_str()),
    );
    out.push_str("] ");
    out.push_str(&plain_text(line.text));
    out.push('\n');
}

/// The whole download of a view as one string (fine for thousands of lines; for a million,
/// prefer [`download_parts`], which a Blob can take piece by piece).
pub fn download_text(buf: &LogBuffer, view: &LogView) -> String {
    download_parts(buf, view, usize::MAX).collect()
}

/// The download of a view in parts of about `part_bytes` each (whole lines per part), so a
/// million lines never need one huge string.
pub fn download_parts<'a>(
    buf: &'a LogBuffer,
    view: &'a LogView,
    part_bytes: usize,
) -> DownloadParts<'a> {
    DownloadParts {
        buf,
        rows: view.rows(),
        next: 0,
        part_bytes: part_bytes.max(1),
    }
}

/// Iterator of download parts; see [`download_parts`].
#[derive(Debug)]
pub struct DownloadParts<'a> {
    buf: &'a LogBuffer,
    rows: &'a [u32],
    next: usize,
    part_bytes: usize,
}

impl Iterator for DownloadParts<'_> {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        if self.next >= self.rows.len() {
            return None;
        }
        let mut part = String::new();
        while self.next < self.rows.len() && part.len() < self.part_bytes {
            download_line(self.buf, self.rows[self.next] as usize, &mut part);
            self.next += 1;
        }
        Some(part)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::ansi::parse_line;
    use crate::logs::merge::LogLine;
    use uuid::Uuid;

    const T0: i64 = 1_714_557_600_000; // 2024-05-01T10:00:00Z

    fn mk(id: i64, level: &str, source: u128, text: &str) -> LogLine {
        LogLine {
            id,
            created_at_ms: T0 + id,
            level: level.into(),
            source: Uuid::from_u128(source),
            text: text.into(),
        }
    }

    /// Six lines: two sources, every kind of level, ANSI in the text.
    fn sample() -> LogBuffer {
        let mut buf = LogBuffer::new();
        buf.insert_batch(&[
            mk(1, "info", 1, "Starting \x1b[1mcode-server\x1b[0m"),
            mk(2, "debug", 1, "loading config"),
            mk(3, "warn", 2, "disk almost FULL"),
            mk(4, "error", 2, "\x1b[31mfailed\x1b[0m to fetch"),
            mk(5, "fatal", 1, "Fetching… ünïcode"),
            mk(6, "trace", 2, "progress 10%\rprogress 100%"),
        ]);
        buf.register_source(Uuid::from_u128(1), "Startup Script", "");
        buf.register_source(Uuid::from_u128(2), "envbuilder", "");
        buf
    }

    fn ids(buf: &LogBuffer, view: &LogView) -> Vec<i64> {
        view.rows()
            .iter()
            .map(|&r| buf.id_at(r as usize).unwrap())
            .collect()
    }

    fn synced(buf: &LogBuffer, spec: FilterSpec) -> LogView {
        let mut view = LogView::new(spec);
        assert!(view.sync(buf).done);
        view
    }

    #[test]
    fn level_filter_with_other() {
        let buf = sample();
        assert_eq!(
            ids(&buf, &synced(&buf, FilterSpec::default())),
            vec![1, 2, 3, 4, 5, 6]
        );
        let levels = LevelSet::none()
            .with(LevelClass::Error, true)
            .with(LevelClass::Warn, true);
        assert_eq!(
            ids(
                &buf,
                &synced(
                    &buf,
                    FilterSpec {
                        levels,
                        ..Default::default()
                    }
                )
            ),
            vec![3, 4]
        );
        let levels = LevelSet::none().with(LevelClass::Other, true);
        assert_eq!(
            ids(
                &buf,
                &synced(
                    &buf,
                    FilterSpec {
                        levels,
                        ..Default::default()
                    }
                )
            ),
            vec![5]
        );
        let levels = LevelSet::all()
            .toggled(LevelClass::Debug)
            .toggled(LevelClass::Trace);
        assert_eq!(
            ids(
                &buf,
                &synced(
                    &buf,
                    FilterSpec {
                        levels,
                        ..Default::default()
                    }
                )
            ),
            vec![1, 3, 4, 5]
        );
        assert!(LevelSet::default().is_all());
    }

    #[test]
    fn source_filter() {
        let buf = sample();
        let s2 = buf.source_idx(&Uuid::from_u128(2)).unwrap();
        let mut sources = SourceSet::all();
        sources.set(s2, false);
        assert!(!sources.is_shown(s2));
        assert!(
            sources.is_shown(SourceIdx(1000)),
            "unknown sources are shown"
        );
        assert_eq!(
            ids(
                &buf,
                &synced(
                    &buf,
                    FilterSpec {
                        sources: sources.clone(),
                        ..Default::default()
                    }
                )
            ),
            vec![1, 2, 5]
        );
        sources.toggle(s2);
        assert_eq!(sources, SourceSet::all());
        let only = SourceSet::only(s2, buf.sources().len());
        assert_eq!(
            ids(
                &buf,
                &synced(
                    &buf,
                    FilterSpec {
                        sources: only,
                        ..Default::default()
                    }
                )
            ),
            vec![3, 4, 6]
        );
    }

    #[test]
    fn query_matching() {
        let q = Query::new("FULL");
        assert_eq!(q.find("disk almost full, Full!"), vec![12..16, 18..22]);
        assert!(q.is_match("fUlL"));
        assert!(!q.is_match("ful"));
        assert_eq!(Query::new("aa").find("aaaaa"), vec![0..2, 2..4]);
        // Non-ASCII on either side.
        assert_eq!(Query::new("ÜNÏ").find("Fetching… ünïcode"), vec![12..17]);
        assert_eq!(Query::new("code").find("… ünïcode"), vec![9..13]);
        assert_eq!(Query::new("ü").find("xÜx"), vec![1..3]);
        assert!(Query::new("").find("anything").is_empty());
        assert!(!Query::new("").is_match("anything"));
        // Searches the cleaned text, not the escape sequences.
        let q = Query::new("1m");
        assert!(!q.is_match(&plain_text("\x1b[1mbold")));
    }

    #[test]
    fn search_matches_and_navigation() {
        let buf = sample();
        let mut view = synced(
            &buf,
            FilterSpec {
                search: "progress".into(),
                ..Default::default()
            },
        );
        // "\r" rule: only "progress 100%" remains; one match line.
        assert_eq!(view.matches(), &[5]);
        view.set_spec(FilterSpec {
            search: "I".into(),
            ..Default::default()
        });
        view.sync(&buf);
        assert_eq!(view.len(), 6, "search alone hides nothing");
        // Lines with an "i": 1 (Starting), 2 (loading config), 3 (almost), 4 (failed), 5 (Fetching).
        assert_eq!(view.matches(), &[0, 1, 2, 3, 4]);
        assert_eq!(view.next_match(None), Some(MatchPos { ordinal: 0, row: 0 }));
        assert_eq!(
            view.next_match(Some(2)),
            Some(MatchPos { ordinal: 3, row: 3 })
        );
        assert_eq!(
            view.next_match(Some(4)),
            Some(MatchPos { ordinal: 0, row: 0 }),
            "wraps"
        );
        assert_eq!(
            view.prev_match(Some(2)),
            Some(MatchPos { ordinal: 1, row: 1 })
        );
        assert_eq!(
            view.prev_match(Some(0)),
            Some(MatchPos { ordinal: 4, row: 4 }),
            "wraps"
        );
        assert_eq!(view.prev_match(None), Some(MatchPos { ordinal: 4, row: 4 }));
        assert!(view.is_match_row(3) && !view.is_match_row(5));

        // Only matching lines.
        view.set_spec(FilterSpec {
            search: "FAIL".into(),
            only_matching: true,
            ..Default::default()
        });
        view.sync(&buf);
        assert_eq!(ids(&buf, &view), vec![4]);
        assert_eq!(view.matches(), &[0]);
        view.set_spec(FilterSpec::default());
        view.sync(&buf);
        assert_eq!(view.len(), 6);
        assert_eq!(view.match_count(), 0);
        assert_eq!(view.next_match(None), None);
    }

    #[test]
    fn highlight_splits_styled_spans() {
        let line = parse_line("ab\x1b[31mcdef\x1b[0mgh");
        let ranges = Query::new("bcd").find(line.plain_text());
        assert_eq!(ranges, vec![1..4]);
        let runs: Vec<(Range<usize>, bool, bool)> = highlight_runs(&line, &ranges)
            .into_iter()
            .map(|r| (r.range, r.style.fg != Default::default(), r.highlighted))
            .collect();
        assert_eq!(
            runs,
            vec![
                (0..1, false, false),
                (1..2, false, true),
                (2..4, true, true),
                (4..6, true, false),
                (6..8, false, false)
            ]
        );
        // Ranges past the text are clipped; no matches gives the spans back.
        assert_eq!(
            highlight_runs(&line, &[7..100, 200..300])
                .last()
                .map(|r| (r.range.clone(), r.highlighted)),
            Some((7..8, true))
        );
        assert_eq!(highlight_runs(&line, &[]).len(), line.spans().len());
    }

    #[test]
    fn incremental_append_examines_only_new_lines() {
        let mut buf = LogBuffer::new();
        let batch: Vec<LogLine> = (1..=100_000)
            .map(|i| mk(i, if i % 10 == 0 { "error" } else { "info" }, 1, "x"))
            .collect();
        buf.insert_batch(&batch);
        let errors = FilterSpec {
            levels: LevelSet::none().with(LevelClass::Error, true),
            search: "y".into(),
            ..Default::default()
        };
        let mut view = LogView::new(errors);
        view.sync(&buf);
        assert_eq!(view.len(), 10_000);
        let before = view.lines_examined();
        let r = buf.insert_batch(&[mk(100_001, "error", 1, "y"), mk(100_002, "info", 1, "y")]);
        assert!(r.appended);
        let report = view.sync(&buf);
        assert_eq!(view.lines_examined() - before, 2);
        assert_eq!(report.first_changed, Some(10_000));
        assert!(report.done && report.matches_changed);
        assert_eq!(view.len(), 10_001);
        assert_eq!(view.matches(), &[10_000]);
        // Nothing new: nothing examined, nothing changed.
        let report = view.sync(&buf);
        assert_eq!(
            report,
            SyncReport {
                first_changed: None,
                matches_changed: false,
                done: true
            }
        );
        assert!(view.is_synced(&buf));
    }

    #[test]
    fn insert_before_existing_lines_rescans_from_there() {
        let mut buf = LogBuffer::new();
        buf.insert_batch(
            &(1..=100)
                .map(|i| mk(i * 10, "info", 1, "x"))
                .collect::<Vec<_>>(),
        );
        let mut view = synced(&buf, FilterSpec::default());
        let before = view.lines_examined();
        buf.insert_batch(&[mk(905, "info", 1, "late"), mk(1005, "info", 1, "late")]);
        assert!(!view.is_synced(&buf));
        let report = view.sync(&buf);
        // 905 lands at index 90: indices 90.. are examined again (12 lines now).
        assert_eq!(view.lines_examined() - before, 12);
        assert_eq!(report.first_changed, Some(90));
        assert_eq!(view.len(), 102);
        let got = ids(&buf, &view);
        let mut want: Vec<i64> = (1..=100).map(|i| i * 10).chain([905, 1005]).collect();
        want.sort();
        assert_eq!(got, want);
    }

    #[test]
    fn budgeted_rebuild_resumes() {
        let mut buf = LogBuffer::new();
        buf.insert_batch(
            &(1..=1000)
                .map(|i| mk(i, "info", 1, if i % 3 == 0 { "hit" } else { "miss" }))
                .collect::<Vec<_>>(),
        );
        let mut view = LogView::new(FilterSpec {
            search: "hit".into(),
            ..Default::default()
        });
        let mut calls = 0;
        while !view.sync_budget(&buf, 64).done {
            calls += 1;
            assert!(calls < 100);
        }
        assert!(calls > 10, "the work was spread");
        assert_eq!(view.len(), 1000);
        assert_eq!(view.match_count(), 333);
        // A new buffer epoch empties the view.
        buf.clear();
        let report = view.sync(&buf);
        assert_eq!(report.first_changed, Some(0));
        assert!(view.is_empty() && view.match_count() == 0);
    }

    #[test]
    fn download_is_one_line_per_log() {
        let buf = sample();
        let view = synced(&buf, FilterSpec::default());
        let text = download_text(&buf, &view);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 6);
        assert_eq!(
            lines[0],
            "2024-05-01T10:00:00.001Z info  [Startup Script] Starting code-server"
        );
        assert_eq!(
            lines[3],
            "2024-05-01T10:00:00.004Z error [envbuilder] failed to fetch"
        );
        assert_eq!(
            lines[4],
            "2024-05-01T10:00:00.005Z fatal [Startup Script] Fetching… ünïcode"
        );
        assert_eq!(
            lines[5],
            "2024-05-01T10:00:00.006Z trace [envbuilder] progress 100%"
        );
        // Filtered, and split in parts that join to the same text.
        let errors = synced(
            &buf,
            FilterSpec {
                levels: LevelSet::none().with(LevelClass::Error, true),
                ..Default::default()
            },
        );
        assert_eq!(
            download_text(&buf, &errors),
            "2024-05-01T10:00:00.004Z error [envbuilder] failed to fetch\n"
        );
        let parts: Vec<String> = download_parts(&buf, &view, 100).collect();
        assert!(parts.len() > 1);
        assert_eq!(parts.concat(), text);
        // Embedded newlines never split a log.
        let mut buf = LogBuffer::new();
        buf.insert_batch(&[mk(1, "info", 1, "a\nb\r\n")]);
        let view = synced(&buf, FilterSpec::default());
        assert_eq!(download_text(&buf, &view).lines().count(), 1);
    }
}
