//! Reads a JSON array as its bytes arrive, one element at a time: a log backlog of a million
//! lines is over 100 MB of JSON, and holding all of it (plus every parsed line) at once would
//! grow the wasm memory, which never shrinks, far past what the lines themselves need. Pure, so
//! it is tested natively.
//!
//! The splitter only finds where each element starts and ends (tracking strings, escapes and
//! nesting); serde_json then parses each element on its own and reports its errors.
use serde::de::DeserializeOwned;

/// Where the splitter is in the top-level value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Before the top-level value.
    Start,
    /// Reading `null` (Go's nil slice: no element).
    Null(u8),
    /// After `[` or `,`: an element (or, right after `[`, the closing `]`) comes next.
    BeforeElement { first: bool },
    /// Inside an element.
    Element,
    /// After an element: `,` or `]` comes next.
    AfterElement,
    /// The top-level value is complete; only whitespace may follow.
    Done,
}

/// Why the bytes are not a JSON array.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitError {
    /// Byte offset in the whole input.
    pub offset: usize,
    pub message: String,
}

impl std::fmt::Display for SplitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
    }
}

/// Splits a JSON array into elements, fed in chunks of any size.
#[derive(Debug)]
pub struct JsonArraySplitter {
    state: State,
    /// The current element's bytes so far.
    element: Vec<u8>,
    /// Nesting depth inside the current element (objects and arrays).
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// Bytes seen so far (for error offsets).
    offset: usize,
}

impl Default for JsonArraySplitter {
    fn default() -> Self {
        Self::new()
    }
}

impl JsonArraySplitter {
    pub fn new() -> Self {
        Self {
            state: State::Start,
            element: Vec::new(),
            depth: 0,
            in_string: false,
            escaped: false,
            offset: 0,
        }
    }

    /// Feeds the next bytes; `on_element` gets each complete element's bytes, in order.
    pub fn feed(
        &mut self,
        chunk: &[u8],
        mut on_element: impl FnMut(&[u8]),
    ) -> Result<(), SplitError> {
        let mut i = 0;
        while i < chunk.len() {
            let b = chunk[i];
            let at = self.offset + i;
            match self.state {
                State::Start => match b {
                    b'[' => self.state = State::BeforeElement { first: true },
                    b'n' => self.state = State::Null(1),
                    _ if b.is_ascii_whitespace() => {}
                    _ => return Err(self.error(at, "expected a JSON array")),
                },
                State::Null(n) => {
                    if b != b"null"[usize::from(n)] {
                        return Err(self.error(at, "expected a JSON array"));
                    }
                    self.state = if n == 3 {
                        State::Done
                    } else {
                        State::Null(n + 1)
                    };
                }
                State::BeforeElement { first } => match b {
                    b']' if first => self.state = State::Done,
                    _ if b.is_ascii_whitespace() => {}
                    b']' | b',' => return Err(self.error(at, "expected an element")),
                    _ => {
                        self.state = State::Element;
                        self.depth = 0;
                        self.in_string = false;
                        self.escaped = false;
                        // Scan the element from this byte on (the loop below).
                        let consumed = self.scan_element(&chunk[i..], &mut on_element);
                        i += consumed;
                        continue;
                    }
                },
                State::Element => {
                    let consumed = self.scan_element(&chunk[i..], &mut on_element);
                    i += consumed;
                    continue;
                }
                State::AfterElement => match b {
                    b',' => self.state = State::BeforeElement { first: false },
                    b']' => self.state = State::Done,
                    _ if b.is_ascii_whitespace() => {}
                    _ => return Err(self.error(at, "expected ',' or ']'")),
                },
                State::Done => {
                    if !b.is_ascii_whitespace() {
                        return Err(self.error(at, "unexpected data after the array"));
                    }
                }
            }
            i += 1;
        }
        self.offset += chunk.len();
        Ok(())
    }

    /// Consumes element bytes from the start of `bytes`; returns how many. When the element ends
    /// it is handed over and the state moves on (the byte ending a scalar is not consumed).
    fn scan_element(&mut self, bytes: &[u8], on_element: &mut impl FnMut(&[u8])) -> usize {
        for (i, &b) in bytes.iter().enumerate() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                    if self.depth == 0 {
                        return self.finish(bytes, i + 1, on_element);
                    }
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' if self.depth > 0 => {
                    self.depth -= 1;
                    if self.depth == 0 {
                        return self.finish(bytes, i + 1, on_element);
                    }
                }
                // A scalar (number, true, false, null) ends at the next delimiter, left unread.
                b',' | b']' | b'}' if self.depth == 0 => return self.finish(bytes, i, on_element),
                _ if self.depth == 0 && b.is_ascii_whitespace() => {
                    return self.finish(bytes, i, on_element)
                }
                _ => {}
            }
        }
        self.element.extend_from_slice(bytes);
        bytes.len()
    }

    /// The element ends after `bytes[..end]`.
    fn finish(&mut self, bytes: &[u8], end: usize, on_element: &mut impl FnMut(&[u8])) -> usize {
        if self.element.is_empty() {
            on_element(&bytes[..end]);
        } else {
            self.element.extend_from_slice(&bytes[..end]);
            on_element(&self.element);
            self.element.clear();
        }
        self.state = State::AfterElement;
        end
    }

    /// Whether the whole array was read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    fn error(&self, offset: usize, message: &str) -> SplitError {
        SplitError {
            offset,
            message: message.to_owned(),
        }
    }
}

/// Parses a JSON array fed in chunks into batches of `T`: each [`ArrayReader::feed`] returns the
/// elements completed by that chunk.
pub struct ArrayReader<T> {
    splitter: JsonArraySplitter,
    _items: std::marker::PhantomData<T>,
}

impl<T: DeserializeOwned> Default for ArrayReader<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: DeserializeOwned> ArrayReader<T> {
    pub fn new() -> Self {
        Self {
            splitter: JsonArraySplitter::new(),
            _items: std::marker::PhantomData,
        }
    }

    /// The elements this chunk completed, or the first error.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Vec<T>, String> {
        let mut items = Vec::new();
        let mut bad: Option<String> = None;
        self.splitter
            .feed(chunk, |element| {
                if bad.is_none() {
                    match serde_json::from_slice::<T>(element) {
                        Ok(item) => items.push(item),
                        Err(e) => bad = Some(e.to_string()),
                    }
                }
            })
            .map_err(|e| e.to_string())?;
        match bad {
            Some(e) => Err(e),
            None => Ok(items),
        }
    }

    /// Call at the end of the input: an error when the array was not complete. An empty answer
    /// counts as no element (like `null`).
    pub fn finish(&self) -> Result<(), String> {
        if self.splitter.is_done() || self.splitter.state == State::Start {
            Ok(())
        } else {
            Err(format!(
                "the answer ended early, after {} bytes",
                self.splitter.offset
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Splits `input` fed in chunks of `size`; returns the elements as text.
    fn split(input: &str, size: usize) -> Result<Vec<String>, SplitError> {
        let mut s = JsonArraySplitter::new();
        let mut out = Vec::new();
        for chunk in input.as_bytes().chunks(size.max(1)) {
            s.feed(chunk, |e| out.push(String::from_utf8(e.to_vec()).unwrap()))?;
        }
        assert!(s.is_done(), "{input:?} was not complete");
        Ok(out)
    }

    #[test]
    fn elements_come_out_whole_whatever_the_chunk_size() {
        let input = r#" [ {"a":1,"s":"x,]}\"{["}, [1,[2]] ,"str\\\"",-1.5e3 , true,null,{} ] "#;
        let expected = [
            r#"{"a":1,"s":"x,]}\"{["}"#,
            "[1,[2]]",
            r#""str\\\"""#,
            "-1.5e3",
            "true",
            "null",
            "{}",
        ];
        for size in [1, 2, 3, 7, 64, 10_000] {
            assert_eq!(split(input, size).unwrap(), expected, "chunks of {size}");
        }
    }

    #[test]
    fn empty_and_null_arrays_have_no_element() {
        assert_eq!(split("[]", 1).unwrap(), Vec::<String>::new());
        assert_eq!(split(" [ \n ] ", 1).unwrap(), Vec::<String>::new());
        assert_eq!(split("null", 1).unwrap(), Vec::<String>::new());
        let mut r = ArrayReader::<Value>::new();
        assert!(r.feed(b" \n").unwrap().is_empty());
        assert!(r.finish().is_ok(), "an empty answer is no element");
    }

    #[test]
    fn not_an_array_is_an_error_with_its_offset() {
        let mut s = JsonArraySplitter::new();
        let e = s.feed(b"  {\"message\":\"x\"}", |_| {}).unwrap_err();
        assert_eq!(e.offset, 2);
        for bad in ["[1,,2]", "[,1]", "[1 2]", "[1] x", "nul!", "<html>"] {
            let mut s = JsonArraySplitter::new();
            assert!(s.feed(bad.as_bytes(), |_| {}).is_err(), "{bad}");
        }
    }

    #[test]
    fn elements_parse_as_they_complete_and_a_cut_answer_is_reported() {
        let mut r = ArrayReader::<Value>::new();
        assert_eq!(
            r.feed(br#"[{"id":1},{"id""#).unwrap(),
            vec![serde_json::json!({"id": 1})]
        );
        assert_eq!(
            r.feed(br#":2}"#).unwrap(),
            vec![serde_json::json!({"id": 2})]
        );
        assert!(r.finish().unwrap_err().contains("ended early"));
        assert!(r.feed(b"]").unwrap().is_empty());
        assert!(r.finish().is_ok());
    }

    #[test]
    fn a_bad_element_is_serdes_error() {
        #[derive(serde::Deserialize, Debug)]
        struct Line {
            #[allow(dead_code)]
            id: i64,
        }
        let mut r = ArrayReader::<Line>::new();
        let e = r.feed(br#"[{"id":1},{"id":"two"}]"#).unwrap_err();
        assert!(e.contains("invalid type"), "{e}");
    }

    #[test]
    fn a_large_array_in_odd_chunks_keeps_every_element_in_order() {
        let items: Vec<Value> = (0..2000)
            .map(|i| serde_json::json!({"id": i, "output": format!("line \"{i}\" [x]"), "n": null}))
            .collect();
        let text = serde_json::to_string(&items).unwrap();
        let mut r = ArrayReader::<Value>::new();
        let mut got = Vec::new();
        for chunk in text.as_bytes().chunks(997) {
            got.extend(r.feed(chunk).unwrap());
        }
        r.finish().unwrap();
        assert_eq!(got, items);
    }
}
