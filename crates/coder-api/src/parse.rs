//! Reading a body into a wire type, with a typed error instead of a panic.
use serde::de::DeserializeOwned;

/// What kind of problem stopped the read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// Not JSON at all (a bad character, an HTML page, ...).
    Syntax,
    /// JSON of the wrong shape: a missing field, a wrong type, a bad UUID or time.
    Data,
    /// The text ended early (a truncated body or frame).
    Eof,
}

/// Why a body could not be read. Carries serde_json's message and position.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct ApiParseError {
    /// serde_json's message (with the position).
    pub message: String,
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// 1-based column, 0 when unknown.
    pub column: usize,
    /// The kind of problem.
    pub kind: ParseErrorKind,
}

impl ApiParseError {
    /// The message with its position (serde_json's message already ends with "at line L column
    /// C" when it knows them).
    fn describe(&self) -> String {
        if self.line > 0 && !self.message.contains(" at line ") {
            format!(
                "{} at line {} column {}",
                self.message, self.line, self.column
            )
        } else {
            self.message.clone()
        }
    }

    /// The body ended early.
    pub fn is_eof(&self) -> bool {
        self.kind == ParseErrorKind::Eof
    }
}

impl From<serde_json::Error> for ApiParseError {
    fn from(e: serde_json::Error) -> Self {
        use serde_json::error::Category;
        let kind = match e.classify() {
            Category::Eof => ParseErrorKind::Eof,
            Category::Data => ParseErrorKind::Data,
            Category::Syntax | Category::Io => ParseErrorKind::Syntax,
        };
        Self {
            message: e.to_string(),
            line: e.line(),
            column: e.column(),
            kind,
        }
    }
}

/// Parses a JSON text into a wire type.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, ApiParseError> {
    serde_json::from_str(text).map_err(ApiParseError::from)
}

/// Parses JSON bytes (a binary WebSocket frame, such as a DERP map update).
pub fn parse_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiParseError> {
    serde_json::from_slice(bytes).map_err(ApiParseError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_positions() {
        let eof = parse::<Vec<u8>>("[1,").unwrap_err();
        assert!(eof.is_eof());
        let data = parse::<Vec<u8>>("[1,\n\"x\"]").unwrap_err();
        assert_eq!((data.kind, data.line), (ParseErrorKind::Data, 2));
        let syntax = parse::<Vec<u8>>("<html>").unwrap_err();
        assert_eq!(syntax.kind, ParseErrorKind::Syntax);
        assert!(syntax.to_string().contains("line 1 column 1"), "{syntax}");
        assert!(parse_slice::<Vec<u8>>(&[0xff, 0xfe]).is_err());
        assert_eq!(parse_slice::<Vec<u8>>(b"[7]").unwrap(), vec![7]);
    }
}
