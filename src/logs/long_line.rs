//! Very long lines: what a row shows of them, and the notice of what it leaves out.
//!
//! One log line can be megabytes (a minified bundle, a base64 blob). Laying out such a text
//! node freezes the tab, so a row shows the first [`DISPLAY_LIMIT`] bytes of the *cleaned* text
//! (escapes removed, `\r` rule applied) cut at a char boundary, with a notice of how much is
//! hidden. The buffer keeps the whole raw line: "show whole" and download read it from there.
//!
//! Cutting after cleaning, not before, keeps the shown text right: a progress line whose final
//! frame comes after megabytes of earlier frames shows that final frame. The parser still reads
//! the whole line (linear, with bounded output), so a 5 MB line costs one pass, not a layout.
use super::ansi::{floor_char_boundary, parse_line_limited, StyledLine};

/// Bytes of cleaned text a row shows at most (64 KiB).
pub const DISPLAY_LIMIT: usize = 64 * 1024;

/// Parses a raw log line for display: at most [`DISPLAY_LIMIT`] bytes of text, the rest counted
/// in [`StyledLine::hidden_bytes`].
pub fn display_line(raw: &str) -> StyledLine {
    parse_line_limited(raw, DISPLAY_LIMIT)
}

/// Whether the raw line is long enough that it might be cut (a cheap check before parsing:
/// cleaning only removes bytes, so a raw line within the limit is never cut).
pub fn may_be_cut(raw: &str) -> bool {
    raw.len() > DISPLAY_LIMIT
}

/// The longest prefix of `s` of at most `max` bytes that ends on a char boundary.
pub fn cut_at_char_boundary(s: &str, max: usize) -> &str {
    floor_char_boundary(s, max)
}

/// A byte count for people: "812 B", "64.0 KiB", "4.8 MiB".
pub fn format_bytes(bytes: usize) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if b < KIB * KIB {
        format!("{:.1} KiB", b / KIB)
    } else if b < KIB * KIB * KIB {
        format!("{:.1} MiB", b / (KIB * KIB))
    } else {
        format!("{:.1} GiB", b / (KIB * KIB * KIB))
    }
}

/// The notice shown after a cut line, or `None` when nothing is hidden.
pub fn hidden_notice(line: &StyledLine) -> Option<String> {
    line.is_truncated()
        .then(|| format!("… {} more not shown", format_bytes(line.hidden_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_lines_are_whole() {
        let line = display_line("\x1b[32mok\x1b[0m");
        assert_eq!(line.plain_text(), "ok");
        assert!(!line.is_truncated());
        assert_eq!(hidden_notice(&line), None);
        assert!(!may_be_cut("ok"));
    }

    #[test]
    fn long_lines_are_cut_at_a_char_boundary() {
        // 3-byte chars so the limit falls inside one.
        let raw = "€".repeat(100_000);
        assert!(may_be_cut(&raw));
        let line = display_line(&raw);
        assert!(line.plain_text().len() <= DISPLAY_LIMIT);
        assert!(line.plain_text().len() > DISPLAY_LIMIT - 3);
        assert_eq!(line.plain_text().len() + line.hidden_bytes(), raw.len());
        assert_eq!(
            hidden_notice(&line).as_deref(),
            Some("… 229.0 KiB more not shown")
        );
        assert_eq!(cut_at_char_boundary("a€", 2), "a");
        assert_eq!(cut_at_char_boundary("a€", 4), "a€");
    }

    #[test]
    fn multi_megabyte_line_shows_its_last_frame() {
        let mut raw = "x".repeat(3 * 1024 * 1024);
        raw.push_str("\r\x1b[1mdone\x1b[0m");
        let line = display_line(&raw);
        assert_eq!(line.plain_text(), "done");
        assert!(!line.is_truncated());
    }

    #[test]
    fn bytes_format() {
        assert_eq!(format_bytes(0), "0 B");
        assert_eq!(format_bytes(1023), "1023 B");
        assert_eq!(format_bytes(64 * 1024), "64.0 KiB");
        assert_eq!(format_bytes(5 * 1024 * 1024 + 1024 * 1024 / 2), "5.5 MiB");
        assert_eq!(format_bytes(3 << 30), "3.0 GiB");
    }
}
