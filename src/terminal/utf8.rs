//! Invalid UTF-8 from a program becomes U+FFFD before xterm.js sees it: xterm's decoder silently
//! drops such bytes, which hides that anything was there, where terminals show a replacement
//! character. A sequence split between two frames is carried over to the next one. Pure.

/// The replacement character, UTF-8 encoded.
const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();

/// The length of `bytes` without an incomplete (but so far valid) sequence at its end.
fn complete_len(bytes: &[u8]) -> usize {
    match bytes.utf8_chunks().last() {
        Some(last)
            if std::str::from_utf8(last.invalid()).is_err_and(|e| e.error_len().is_none()) =>
        {
            bytes.len() - last.invalid().len()
        }
        _ => bytes.len(),
    }
}

/// Repairs one stream of terminal output.
#[derive(Debug, Default)]
pub struct Utf8Repair {
    /// The start of a sequence the last chunk ended in (at most 3 bytes).
    carry: Vec<u8>,
}

impl Utf8Repair {
    /// `bytes` with every invalid sequence replaced by U+FFFD (as `String::from_utf8_lossy`
    /// does), minus an incomplete sequence at the end, which is kept for the next call.
    pub fn repair(&mut self, bytes: Vec<u8>) -> Vec<u8> {
        let input = if self.carry.is_empty() {
            bytes
        } else {
            let mut joined = std::mem::take(&mut self.carry);
            joined.extend_from_slice(&bytes);
            joined
        };
        // The usual case, valid text (perhaps cut mid-character at the end), without a copy.
        match std::str::from_utf8(&input) {
            Ok(_) => return input,
            Err(e) if e.error_len().is_none() => {
                let mut out = input;
                self.carry = out.split_off(e.valid_up_to());
                return out;
            }
            Err(_) => {}
        }
        // Invalid bytes inside: each becomes U+FFFD; a sequence cut off at the end waits.
        let complete = complete_len(&input);
        self.carry = input[complete..].to_vec();
        let mut out = Vec::with_capacity(complete + 8);
        for chunk in input[..complete].utf8_chunks() {
            out.extend_from_slice(chunk.valid().as_bytes());
            if !chunk.invalid().is_empty() {
                out.extend_from_slice(REPLACEMENT);
            }
        }
        out
    }

    /// Forgets a carried partial sequence (a new attach starts a new stream).
    pub fn reset(&mut self) {
        self.carry.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repaired(chunks: &[&[u8]]) -> String {
        let mut r = Utf8Repair::default();
        let mut out = Vec::new();
        for c in chunks {
            out.extend(r.repair(c.to_vec()));
        }
        String::from_utf8(out).expect("always valid UTF-8")
    }

    #[test]
    fn invalid_bytes_become_replacement_characters() {
        assert_eq!(
            repaired(&[b"bad:\xff\xfe\xc3(ok\n"]),
            "bad:\u{FFFD}\u{FFFD}\u{FFFD}(ok\n"
        );
        // The same as the standard library's lossy decoding, sequence by sequence.
        let hostile: &[u8] = b"\xe2\x82\x28 \xf0\x9f\x92 x \xed\xa0\x80 \xc0\xaf \x80\x80";
        assert_eq!(repaired(&[hostile]), String::from_utf8_lossy(hostile));
    }

    #[test]
    fn characters_split_between_frames_are_joined() {
        let text = "é€😀 ok".as_bytes();
        for cut in 0..=text.len() {
            assert_eq!(
                repaired(&[&text[..cut], &text[cut..]]),
                "é€😀 ok",
                "cut at {cut}"
            );
        }
        assert_eq!(repaired(&[b"\xf0", b"\x9f", b"\x98", b"\x80!"]), "😀!");
    }

    #[test]
    fn valid_text_passes_unchanged_and_a_reset_drops_the_carry() {
        let mut r = Utf8Repair::default();
        assert_eq!(
            r.repair(b"plain \x1b[1mbold\x1b[0m".to_vec()),
            b"plain \x1b[1mbold\x1b[0m"
        );
        assert_eq!(r.repair(b"x\xe2\x82".to_vec()), b"x");
        r.reset();
        assert_eq!(r.repair(b"\xacy".to_vec()), "\u{FFFD}y".as_bytes());
    }
}
