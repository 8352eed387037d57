//! Operating-system commands a program in the terminal may send, read safely: OSC 52 (clipboard)
//! and the window title. Pure; the view decides what to do with them.

/// Largest clipboard text a program may offer (decoded bytes).
pub const MAX_CLIPBOARD_BYTES: usize = 1024 * 1024;
/// Longest window title shown.
const MAX_TITLE_CHARS: usize = 120;

/// An OSC 52 request, from the text after `52;`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClipboardRequest {
    /// Put this text on the clipboard (needs the user's permission).
    Write(String),
    /// Read the clipboard back: always refused, a program must never see the user's clipboard.
    Read,
    /// Malformed, empty or too large: ignored.
    Invalid,
}

/// Parses OSC 52's `Pc;Pd` (selection targets, then base64 data or `?`).
pub fn parse_osc52(data: &str) -> ClipboardRequest {
    let Some((targets, payload)) = data.split_once(';') else {
        return ClipboardRequest::Invalid;
    };
    if !targets
        .chars()
        .all(|c| matches!(c, 'c' | 'p' | 'q' | 's' | '0'..='7'))
    {
        return ClipboardRequest::Invalid;
    }
    if payload == "?" {
        return ClipboardRequest::Read;
    }
    match decode_base64(payload) {
        Some(bytes) if !bytes.is_empty() && bytes.len() <= MAX_CLIPBOARD_BYTES => {
            ClipboardRequest::Write(String::from_utf8_lossy(&bytes).into_owned())
        }
        _ => ClipboardRequest::Invalid,
    }
}

/// Standard base64 (padding optional, whitespace ignored); `None` on any other character.
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    if s.len() > MAX_CLIPBOARD_BYTES / 3 * 4 + 8 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut padding = false;
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding = true;
                continue;
            }
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        };
        if padding {
            return None; // data after padding
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // A lone 6-bit group cannot encode a byte.
    (bits < 6).then_some(out)
}

/// A window title as plain text: control characters removed, whitespace collapsed, length capped.
pub fn clean_title(raw: &str) -> String {
    let mut out = String::new();
    let mut last_space = true;
    for c in raw.chars() {
        let c = if c.is_whitespace() { ' ' } else { c };
        if c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        {
            continue;
        }
        if c == ' ' && last_space {
            continue;
        }
        last_space = c == ' ';
        out.push(c);
    }
    let trimmed = out.trim_end();
    match trimmed.char_indices().nth(MAX_TITLE_CHARS) {
        Some((i, _)) => format!("{}…", &trimmed[..i]),
        None => trimmed.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_known_values() {
        assert_eq!(decode_base64("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode_base64("aGVsbG8").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode_base64("w6k=").as_deref(), Some("é".as_bytes()));
        assert_eq!(decode_base64("").as_deref(), Some(&b""[..]));
        assert_eq!(decode_base64("a"), None);
        assert_eq!(decode_base64("aGV*"), None);
        assert_eq!(decode_base64("aG=Vs"), None);
    }

    #[test]
    fn osc52_writes_reads_and_garbage() {
        assert_eq!(
            parse_osc52("c;aGVsbG8="),
            ClipboardRequest::Write("hello".into())
        );
        assert_eq!(parse_osc52(";aGk="), ClipboardRequest::Write("hi".into()));
        assert_eq!(parse_osc52("c;?"), ClipboardRequest::Read);
        assert_eq!(parse_osc52("c;"), ClipboardRequest::Invalid);
        assert_eq!(parse_osc52("aGk="), ClipboardRequest::Invalid);
        assert_eq!(parse_osc52("x;aGk="), ClipboardRequest::Invalid);
        let huge = "QUFB".repeat(MAX_CLIPBOARD_BYTES / 3 + 1);
        assert_eq!(parse_osc52(&format!("c;{huge}")), ClipboardRequest::Invalid);
    }

    #[test]
    fn titles_are_plain_text() {
        assert_eq!(clean_title("user@host: ~/src"), "user@host: ~/src");
        assert_eq!(clean_title("a\u{1b}[31mb\u{7}\n  c\t"), "a[31mb c");
        assert_eq!(clean_title("\u{202e}evil"), "evil");
        let long = clean_title(&"x".repeat(500));
        assert_eq!(long.chars().count(), MAX_TITLE_CHARS + 1);
        assert!(long.ends_with('…'));
    }
}
