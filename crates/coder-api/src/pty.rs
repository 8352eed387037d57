//! The web terminal's client message, `{data?, height?, width?}` (all omitted when empty). One
//! message may carry data and a resize; the agent reads a stream of concatenated JSON objects
//! from text or binary frames, and answers with raw PTY bytes in binary frames.
use serde::{Deserialize, Serialize};

/// A message from the browser to the PTY.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconnectingPtyRequest {
    /// Keystrokes or pasted text, written to the PTY as is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// Rows; the agent resizes only when height and width are both non-zero.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u16>,
    /// Columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u16>,
}

impl ReconnectingPtyRequest {
    /// Keystrokes or pasted text.
    pub fn input(data: impl Into<String>) -> Self {
        Self {
            data: Some(data.into()),
            ..Self::default()
        }
    }
    /// A new terminal size.
    pub fn resize(width: u16, height: u16) -> Self {
        Self {
            data: None,
            height: Some(height),
            width: Some(width),
        }
    }
    /// The size carried as `(width, height)`, when both parts are present and non-zero (the
    /// agent ignores others).
    pub fn size(&self) -> Option<(u16, u16)> {
        match (self.width, self.height) {
            (Some(w), Some(h)) if w > 0 && h > 0 => Some((w, h)),
            _ => None,
        }
    }
    /// The data to write, when there is any.
    pub fn data(&self) -> Option<&str> {
        self.data.as_deref().filter(|d| !d.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_fields_are_omitted() {
        assert_eq!(
            serde_json::to_string(&ReconnectingPtyRequest::default()).unwrap(),
            "{}"
        );
        let both = ReconnectingPtyRequest {
            data: Some("x".into()),
            height: Some(1),
            width: Some(2),
        };
        assert_eq!(
            serde_json::to_string(&both).unwrap(),
            r#"{"data":"x","height":1,"width":2}"#
        );
        assert_eq!(both.size(), Some((2, 1)));
        assert_eq!(ReconnectingPtyRequest::resize(0, 5).size(), None);
        assert_eq!(ReconnectingPtyRequest::input("").data(), None);
    }

    #[test]
    fn sizes_are_u16() {
        assert!(serde_json::from_str::<ReconnectingPtyRequest>(r#"{"height":-1}"#).is_err());
        assert!(serde_json::from_str::<ReconnectingPtyRequest>(r#"{"width":65536}"#).is_err());
        let r: ReconnectingPtyRequest =
            serde_json::from_str(r#"{"height":null,"width":65535}"#).unwrap();
        assert_eq!((r.height, r.width), (None, Some(65535)));
    }
}
