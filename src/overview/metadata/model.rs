//! The metadata panel's state, pure: the items of the latest event (one per key, in the server's
//! order), what each has looked like since the page opened (numbers only), and whether a value is
//! fresh, stale or an error.
use coder_api::{WorkspaceAgentMetadata, WorkspaceAgentMetadataResult};
use std::collections::VecDeque;

/// Points kept per item: at the embedded agent's fastest interval (1 s), two minutes of history.
pub const MAX_HISTORY: usize = 120;

/// Coder's agent times a collection out after its interval when the template sets no timeout,
/// and after this many seconds when it sets neither.
const DEFAULT_TIMEOUT_S: i64 = 3;

/// One item as the panel shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub metadata: WorkspaceAgentMetadata,
    /// When the event carrying this result arrived (ms, the page's clock): `age` was right then.
    pub received_ms: f64,
    /// `(collected_at in ms, value)` of each fresh numeric value seen since the page opened.
    pub history: VecDeque<(f64, f64)>,
}

/// How an item's value stands now.
#[derive(Clone, Debug, PartialEq)]
pub enum Freshness {
    /// Not collected yet.
    Waiting,
    /// Collected within its interval plus its timeout (or collected once, with no interval).
    Fresh { age_s: i64 },
    /// No fresh value for longer than its interval plus its timeout.
    Stale { age_s: i64 },
}

/// Every item of the agent, in the order of the latest event.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Board {
    pub items: Vec<Item>,
}

impl Board {
    /// Takes an event's list: it replaces the items (coderd sends all of them every time), keeps
    /// each key's history, and adds a point when a numeric value is newer than the last one. A key
    /// listed twice is shown once (its last entry).
    pub fn apply(&mut self, list: Vec<WorkspaceAgentMetadata>, now_ms: f64) {
        let mut old = std::mem::take(&mut self.items);
        for metadata in list {
            let key = &metadata.description.key;
            let history = match old.iter().position(|i| &i.metadata.description.key == key) {
                Some(at) => old.swap_remove(at).history,
                None => match self
                    .items
                    .iter()
                    .position(|i| &i.metadata.description.key == key)
                {
                    Some(at) => self.items.remove(at).history,
                    None => VecDeque::new(),
                },
            };
            let mut item = Item {
                metadata,
                received_ms: now_ms,
                history,
            };
            item.record();
            self.items.push(item);
        }
    }
}

impl Item {
    /// Adds the current value to the history when it is a number collected after the last point.
    fn record(&mut self) {
        let result = &self.metadata.result;
        let (Some(at), false) = (result.collected_at, result.is_error()) else {
            return;
        };
        let Some(value) = first_number(&result.value) else {
            return;
        };
        let at = at.timestamp_millis() as f64;
        if self.history.back().is_some_and(|(t, _)| *t >= at) {
            return;
        }
        if self.history.len() == MAX_HISTORY {
            self.history.pop_front();
        }
        self.history.push_back((at, value));
    }

    /// Whether the value is fresh at `now_ms`: its age when it arrived plus the time since.
    pub fn freshness(&self, now_ms: f64) -> Freshness {
        freshness(
            &self.metadata.result,
            self.metadata.description.interval,
            self.metadata.description.timeout,
            ((now_ms - self.received_ms) / 1000.0).max(0.0) as i64,
        )
    }
}

/// The rule behind [`Item::freshness`]: stale once the age exceeds the interval plus the timeout
/// (the time the agent may take to send the next value). An item with no interval is collected
/// once and never goes stale.
pub fn freshness(
    result: &WorkspaceAgentMetadataResult,
    interval_s: i64,
    timeout_s: i64,
    since_event_s: i64,
) -> Freshness {
    if !result.is_collected() {
        return Freshness::Waiting;
    }
    let age_s = result.age.saturating_add(since_event_s);
    let timeout_s = match (timeout_s, interval_s) {
        (t, _) if t > 0 => t,
        (_, i) if i > 0 => i,
        _ => DEFAULT_TIMEOUT_S,
    };
    if interval_s > 0 && age_s > interval_s.saturating_add(timeout_s) {
        Freshness::Stale { age_s }
    } else {
        Freshness::Fresh { age_s }
    }
}

/// A value or error as shown: escape sequences and control characters removed line by line
/// (the lines kept), so a script's colours or cursor moves show as plain text.
pub fn display_text(raw: &str) -> String {
    raw.lines()
        .map(crate::logs::ansi::plain_text)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first number in a value (`12.5%`, `3.1/15.6 GiB`, `load 0.52 0.61`), if any: what the
/// history chart draws.
pub fn first_number(value: &str) -> Option<f64> {
    let bytes = value.as_bytes();
    let start = bytes.iter().enumerate().position(|(i, b)| {
        b.is_ascii_digit()
            || (*b == b'-' || *b == b'.') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
    })?;
    let len = value[start..]
        .char_indices()
        .take_while(|(i, c)| c.is_ascii_digit() || *c == '.' || (*i == 0 && *c == '-'))
        .count();
    let text = value[start..start + len].trim_end_matches('.');
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The lowest and highest of the history's values.
pub fn span(history: &VecDeque<(f64, f64)>) -> Option<(f64, f64)> {
    let mut values = history.iter().map(|(_, v)| *v);
    let first = values.next()?;
    Some(values.fold((first, first), |(lo, hi), v| (lo.min(v), hi.max(v))))
}

/// The history as an SVG polyline's points in a `w`×`h` box: time across, value up (a flat
/// history sits in the middle). `None` below two points.
pub fn spark_points(history: &VecDeque<(f64, f64)>, w: f64, h: f64) -> Option<String> {
    if history.len() < 2 {
        return None;
    }
    let (lo, hi) = span(history)?;
    let (t0, t1) = (history.front()?.0, history.back()?.0);
    let x = |t: f64| {
        if t1 > t0 {
            (t - t0) / (t1 - t0) * w
        } else {
            0.0
        }
    };
    let y = |v: f64| {
        if hi > lo {
            h - (v - lo) / (hi - lo) * h
        } else {
            h / 2.0
        }
    };
    Some(
        history
            .iter()
            .map(|(t, v)| format!("{:.1},{:.1}", x(*t), y(*v)))
            .collect::<Vec<_>>()
            .join(" "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use coder_api::{WorkspaceAgentMetadataDescription, WorkspaceAgentMetadataResult};

    fn item(key: &str, value: &str, at_s: i64, age: i64) -> WorkspaceAgentMetadata {
        WorkspaceAgentMetadata {
            result: WorkspaceAgentMetadataResult {
                collected_at: Some(Utc.timestamp_opt(1_800_000_000 + at_s, 0).unwrap()),
                age,
                value: value.into(),
                error: String::new(),
            },
            description: WorkspaceAgentMetadataDescription {
                display_name: key.to_uppercase(),
                key: key.into(),
                script: String::new(),
                interval: 10,
                timeout: 2,
            },
        }
    }

    #[test]
    fn numbers_are_found_in_what_templates_print() {
        assert_eq!(first_number("12.5%"), Some(12.5));
        assert_eq!(first_number("3.1/15.6 GiB"), Some(3.1));
        assert_eq!(first_number("load 0.52 0.61 0.70"), Some(0.52));
        assert_eq!(first_number("-4 °C"), Some(-4.0));
        assert_eq!(first_number(".5 s"), Some(0.5));
        assert_eq!(first_number("v1."), Some(1.0));
        for none in ["", "ok", "-", "...", "<b>x</b>"] {
            assert_eq!(first_number(none), None, "{none:?}");
        }
        // Huge or endless digits do not make infinity.
        assert_eq!(first_number(&"9".repeat(400)), None);
    }

    #[test]
    fn events_replace_items_keep_history_and_never_show_a_key_twice() {
        let mut b = Board::default();
        b.apply(
            vec![item("cpu", "10%", 0, 0), item("mem", "1/2 GiB", 0, 0)],
            0.0,
        );
        b.apply(
            vec![item("cpu", "20%", 5, 0), item("mem", "1/2 GiB", 0, 5)],
            5_000.0,
        );
        // The same collection again adds no point.
        b.apply(
            vec![item("cpu", "20%", 5, 1), item("mem", "1/2 GiB", 0, 6)],
            6_000.0,
        );
        let cpu = &b.items[0];
        assert_eq!(cpu.metadata.result.value, "20%");
        let points: Vec<f64> = cpu.history.iter().map(|(_, v)| *v).collect();
        assert_eq!(points, [10.0, 20.0]);
        assert_eq!(b.items[1].history.len(), 1);
        // A key sent twice in one event is one item; a key gone from the event is gone.
        b.apply(
            vec![item("cpu", "30%", 9, 0), item("cpu", "31%", 10, 0)],
            10_000.0,
        );
        assert_eq!(b.items.len(), 1);
        assert_eq!(b.items[0].metadata.result.value, "31%");
        assert_eq!(b.items[0].history.len(), 4);
    }

    #[test]
    fn history_is_bounded() {
        let mut b = Board::default();
        for s in 0..(MAX_HISTORY as i64 + 50) {
            b.apply(vec![item("cpu", &format!("{s}%"), s, 0)], s as f64 * 1000.0);
        }
        let h = &b.items[0].history;
        assert_eq!(h.len(), MAX_HISTORY);
        assert_eq!(h.back().unwrap().1, (MAX_HISTORY + 49) as f64);
    }

    #[test]
    fn errors_and_text_add_no_point() {
        let mut b = Board::default();
        let mut failed = item("disk", "50%", 0, 0);
        failed.result.error = "exited with code 1".into();
        b.apply(vec![failed, item("os", "Debian", 0, 0)], 0.0);
        assert!(b.items.iter().all(|i| i.history.is_empty()));
    }

    #[test]
    fn stale_after_interval_plus_timeout_counting_time_since_the_event() {
        let r = item("cpu", "1", 0, 3).result;
        assert_eq!(freshness(&r, 10, 2, 0), Freshness::Fresh { age_s: 3 });
        assert_eq!(freshness(&r, 10, 2, 9), Freshness::Fresh { age_s: 12 });
        assert_eq!(freshness(&r, 10, 2, 10), Freshness::Stale { age_s: 13 });
        // No timeout set: the interval stands in for it.
        assert_eq!(freshness(&r, 10, 0, 17), Freshness::Fresh { age_s: 20 });
        assert_eq!(freshness(&r, 10, 0, 18), Freshness::Stale { age_s: 21 });
        // Collected once (no interval): never stale.
        assert_eq!(
            freshness(&r, 0, 0, 100_000),
            Freshness::Fresh { age_s: 100_003 }
        );
        // Not collected yet, whatever coderd says its age is.
        let never = WorkspaceAgentMetadataResult::default();
        assert_eq!(freshness(&never, 10, 2, 100), Freshness::Waiting);
    }

    #[test]
    fn escapes_are_removed_and_lines_kept() {
        assert_eq!(
            display_text("\u{1b}[31m12%\u{1b}[0m\nline 2\u{7}"),
            "12%\nline 2"
        );
        assert_eq!(display_text("<b>x</b>"), "<b>x</b>");
    }

    #[test]
    fn the_chart_spans_its_box() {
        let h: VecDeque<(f64, f64)> = [(0.0, 10.0), (500.0, 30.0), (1_000.0, 20.0)].into();
        assert_eq!(span(&h), Some((10.0, 30.0)));
        assert_eq!(
            spark_points(&h, 100.0, 20.0).unwrap(),
            "0.0,20.0 50.0,0.0 100.0,10.0"
        );
        let flat: VecDeque<(f64, f64)> = [(0.0, 5.0), (10.0, 5.0)].into();
        assert_eq!(
            spark_points(&flat, 100.0, 20.0).unwrap(),
            "0.0,10.0 100.0,10.0"
        );
        assert_eq!(spark_points(&[(0.0, 1.0)].into(), 100.0, 20.0), None);
    }

    #[test]
    fn the_item_reads_the_clock_since_its_event() {
        let mut b = Board::default();
        b.apply(vec![item("cpu", "1", 0, 0)], 1_000.0);
        assert_eq!(b.items[0].freshness(1_000.0), Freshness::Fresh { age_s: 0 });
        assert_eq!(
            b.items[0].freshness(14_000.0),
            Freshness::Stale { age_s: 13 }
        );
    }
}
