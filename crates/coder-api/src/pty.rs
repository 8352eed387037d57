//! The web terminal's client message: `{data?, height?, width?}`. Data and a resize may share one
//! message; the agent reads a stream of concatenated JSON objects.
use serde::{Deserialize, Serialize};

/// A message from the browser to the PTY.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconnectingPtyRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u16>,
}

impl ReconnectingPtyRequest {
    /// Keystrokes or pasted text.
    pub fn input(data: impl Into<String>) -> Self {
        Self { data: Some(data.into()), ..Self::default() }
    }
    /// A new terminal size.
    pub fn resize(width: u16, height: u16) -> Self {
        Self { data: None, height: Some(height), width: Some(width) }
    }
    /// The size carried, when both parts are present and non-zero (the agent ignores others).
    pub fn size(&self) -> Option<(u16, u16)> {
        match (self.width, self.height) {
            (Some(w), Some(h)) if w > 0 && h > 0 => Some((w, h)),
            _ => None,
        }
    }
}
