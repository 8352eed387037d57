//! The deployment's base path: coderd (or the console) may be mounted under a prefix such as
//! `/coder`, and every route path then starts with it.
use std::fmt;

/// Normalises a base path to `""` or `/a/b`: a leading slash, no trailing slash, no empty
/// segments (`coder//x/` → `/coder/x`).
pub fn normalize_base(base: &str) -> String {
    base.trim()
        .split('/')
        .filter(|s| !s.is_empty())
        .fold(String::new(), |mut acc, s| {
            acc.push('/');
            acc.push_str(s);
            acc
        })
}

/// Joins a base path and a route path (`/api/v2/...`, with or without its leading slash).
pub fn with_base(base: &str, path: &str) -> String {
    let base = normalize_base(base);
    if path.starts_with('/') {
        format!("{base}{path}")
    } else {
        format!("{base}/{path}")
    }
}

/// A normalised base path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct BasePath(String);

impl BasePath {
    /// Normalises `raw` (see [`normalize_base`]).
    pub fn new(raw: &str) -> Self {
        Self(normalize_base(raw))
    }
    /// `""` or `/a/b`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Whether there is no prefix.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
    /// The route path under this base.
    pub fn join(&self, path: &str) -> String {
        with_base(&self.0, path)
    }
    /// The inverse of [`join`](Self::join): the route path of a request path under this base,
    /// None when the request path is outside it.
    pub fn strip<'a>(&self, path: &'a str) -> Option<&'a str> {
        if self.0.is_empty() {
            return Some(path);
        }
        match path.strip_prefix(self.0.as_str())? {
            "" => Some("/"),
            rest if rest.starts_with('/') || rest.starts_with('?') => Some(rest),
            _ => None,
        }
    }
}

impl fmt::Display for BasePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises() {
        for (raw, want) in [
            ("", ""),
            ("/", ""),
            ("//", ""),
            (" /coder/ ", "/coder"),
            ("coder//x/", "/coder/x"),
        ] {
            assert_eq!(normalize_base(raw), want, "{raw:?}");
        }
        assert_eq!(with_base("", "/api/v2/x"), "/api/v2/x");
        assert_eq!(with_base("/coder/", "api/v2/x"), "/coder/api/v2/x");
    }

    #[test]
    fn strips() {
        let b = BasePath::new("coder");
        assert_eq!(b.join("/api/v2/buildinfo"), "/coder/api/v2/buildinfo");
        assert_eq!(
            b.strip("/coder/api/v2/buildinfo"),
            Some("/api/v2/buildinfo")
        );
        assert_eq!(b.strip("/coder"), Some("/"));
        assert_eq!(b.strip("/coderx/api"), None);
        assert_eq!(b.strip("/api"), None);
        assert_eq!(BasePath::default().strip("/api"), Some("/api"));
        assert!(BasePath::new("/").is_root());
        assert_eq!(b.to_string(), "/coder");
    }
}
