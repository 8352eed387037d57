//! Percent-encoding and query strings, written here to keep the crate free of URL dependencies.

/// Percent-encodes a query value or path segment: RFC 3986 unreserved characters stay, every
/// other byte of the UTF-8 becomes `%XX`.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 0xf)] as char);
            }
        }
    }
    out
}

/// Decodes `%XX` escapes (and `+` as a space, as in form-encoded queries). None when an escape
/// is broken or the result is not UTF-8.
pub fn decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The decoded `key=value` pairs of a raw query (without the `?`), in order. As Go's
/// `url.ParseQuery`, a pair that does not decode (or holds a `;`) is left out, and a bare key has
/// an empty value.
pub fn pairs(raw: &str) -> impl Iterator<Item = (String, String)> + '_ {
    raw.split('&')
        .filter(|p| !p.is_empty() && !p.contains(';'))
        .filter_map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Some((decode(k)?, decode(v)?))
        })
}

/// The first value of `key` in a raw query, as Go's `Query().Get` (`None` when absent).
pub fn first(raw: &str, key: &str) -> Option<String> {
    pairs(raw).find(|(k, _)| k == key).map(|(_, v)| v)
}

/// Whether `key` is present at all (coderd's presence-only flags).
pub fn has(raw: &str, key: &str) -> bool {
    pairs(raw).any(|(k, _)| k == key)
}

/// A query string being built: `?a=1&flag&b=x`. Keys are written as given (they are constants).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query(Vec<String>);

impl Query {
    /// Adds `key=value` (value encoded).
    pub fn pair(mut self, key: &str, value: impl ToString) -> Self {
        self.0.push(format!("{key}={}", encode(&value.to_string())));
        self
    }
    /// Adds `key=value` when present.
    pub fn opt(self, key: &str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.pair(key, v),
            None => self,
        }
    }
    /// Adds a presence-only flag (coderd checks only that the key exists, so `key=false` would
    /// still turn it on): the bare key when on, nothing when off.
    pub fn flag(mut self, key: &str, on: bool) -> Self {
        if on {
            self.0.push(key.to_owned());
        }
        self
    }
    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// `?…`, or an empty string.
    pub fn render(&self) -> String {
        if self.0.is_empty() {
            String::new()
        } else {
            format!("?{}", self.0.join("&"))
        }
    }
}

impl std::fmt::Display for Query {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_reserved_and_non_ascii() {
        assert_eq!(encode("a-Z_0.~"), "a-Z_0.~");
        assert_eq!(
            encode("a b&c=d/e?f#g+h%"),
            "a%20b%26c%3Dd%2Fe%3Ff%23g%2Bh%25"
        );
        assert_eq!(encode("ü€"), "%C3%BC%E2%82%AC");
        assert_eq!(encode(""), "");
    }

    #[test]
    fn decode_inverts_encode() {
        for s in ["", "plain", "a b&c=d", "ü€ \u{1F600}", "%", "100%+"] {
            assert_eq!(decode(&encode(s)).as_deref(), Some(s));
        }
        assert_eq!(decode("a+b%20c").as_deref(), Some("a b c"));
        assert_eq!(decode("%zz"), None);
        assert_eq!(decode("%4"), None);
        assert_eq!(decode("%FF"), None, "not UTF-8");
    }

    #[test]
    fn pairs_decode_like_go() {
        let raw = "a=1&flag&b=x%20y&bad=%zz&semi=1;2&a=2&=v";
        let got: Vec<_> = pairs(raw).collect();
        let want = [
            ("a", "1"),
            ("flag", ""),
            ("b", "x y"),
            ("a", "2"),
            ("", "v"),
        ];
        assert_eq!(
            got,
            want.map(|(k, v)| (k.to_owned(), v.to_owned())).to_vec()
        );
        assert_eq!(
            first(raw, "a").as_deref(),
            Some("1"),
            "the first value wins"
        );
        assert!(has(raw, "flag") && !has(raw, "bad") && !has(raw, "missing"));
        assert_eq!(pairs("").count(), 0);
    }

    #[test]
    fn query_building() {
        let q = Query::default()
            .pair("a", 1)
            .opt("b", None::<u8>)
            .flag("f", true)
            .flag("g", false)
            .pair("c", "x y");
        assert_eq!(q.render(), "?a=1&f&c=x%20y");
        assert_eq!(q.to_string(), q.render());
        assert!(Query::default().is_empty() && Query::default().render().is_empty());
    }
}
