//! coderd's body for messages and errors, `{message, detail?, validations?}`, with constructors
//! for the exact bodies coderd sends in the cases the console and its server meet.
use serde::{Deserialize, Serialize};
use std::fmt;

/// coderd's 401 message when a request has no valid session token.
pub const SIGNED_OUT_MESSAGE: &str =
    "You are signed out or your session has expired. Please sign in again to continue.";
/// coderd's 401 detail when no token came at all.
pub const NO_TOKEN_DETAIL: &str =
    "Cookie \"coder_session_token\" or query parameter must be provided.";
/// coderd's 400 message for a bad `after` on the logs route.
pub const BAD_AFTER_MESSAGE: &str =
    "Query param \"after\" must be an integer greater than or equal to zero.";
/// The validation detail that goes with [`BAD_AFTER_MESSAGE`].
pub const BAD_AFTER_DETAIL: &str = "Must be an integer greater than or equal to zero";
/// coderd's 400 message for query parameters that do not parse.
pub const INVALID_QUERY_MESSAGE: &str = "Invalid query parameters.";
/// coderd's 413 message when an agent's logs would pass the 1 MiB cap.
pub const LOGS_LIMIT_MESSAGE: &str = "Logs limit exceeded";
/// coderd's 400 message when a WebSocket upgrade fails before it starts.
pub const WEBSOCKET_ACCEPT_MESSAGE: &str = "Failed to accept websocket.";

/// coderd's 400 message for a port share's level it refuses (`owner`, empty, unknown).
pub const SHARE_LEVEL_NOT_ALLOWED: &str = "Port sharing level not allowed.";
/// coderd's 400 message for a port share's port outside 9..=65535.
pub const SHARE_PORT_OUT_OF_RANGE: &str = "Port must be between 9 and 65535.";
/// coderd's 400 message for a port share's protocol other than `http` and `https`.
pub const SHARE_PROTOCOL_NOT_ALLOWED: &str = "Port protocol not allowed.";
/// coderd's message for a level none of its checks knows (`IsCompatibleWithMaxLevel`).
pub const SHARE_LEVEL_INVALID: &str = "port sharing level is invalid.";
/// coderd's 400 message for a port share of an agent the workspace does not have.
pub const SHARE_AGENT_NOT_FOUND: &str = "Agent not found.";
/// coderd's 404 message for deleting a port share that does not exist.
pub const SHARE_NOT_FOUND: &str = "Port share not found.";

/// Longest non-JSON body kept as `detail` by [`Response::from_body`] (as coderd's SDK does).
const NON_JSON_DETAIL_LIMIT: usize = 2048;

/// One refused field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationError {
    /// The field (or query parameter) name.
    #[serde(default)]
    pub field: String,
    /// What is wrong with it.
    #[serde(default)]
    pub detail: String,
}

/// A message, with optional debug detail and per-field validation errors.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// A sentence for the user.
    #[serde(default)]
    pub message: String,
    /// Debug text (an error chain, a limit, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Per-field errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validations: Option<Vec<ValidationError>>,
}

impl Response {
    /// A body with only a message.
    pub fn message(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            ..Self::default()
        }
    }
    /// Adds the detail.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
    /// Adds one validation error.
    pub fn with_validation(mut self, field: impl Into<String>, detail: impl Into<String>) -> Self {
        self.validations
            .get_or_insert_with(Vec::new)
            .push(ValidationError {
                field: field.into(),
                detail: detail.into(),
            });
        self
    }
    /// The validation errors (empty when there are none).
    pub fn validations(&self) -> &[ValidationError] {
        self.validations.as_deref().unwrap_or_default()
    }

    /// coderd's 401 body, with a detail such as [`NO_TOKEN_DETAIL`] or "API key expired at …".
    pub fn signed_out(detail: impl Into<String>) -> Self {
        Self::message(SIGNED_OUT_MESSAGE).with_detail(detail)
    }
    /// coderd's 401 body when no token came with the request.
    pub fn signed_out_no_token() -> Self {
        Self::signed_out(NO_TOKEN_DETAIL)
    }
    /// coderd's 400 body for a bad `after` on the logs route.
    pub fn bad_after() -> Self {
        Self::message(BAD_AFTER_MESSAGE).with_validation("after", BAD_AFTER_DETAIL)
    }
    /// coderd's 400 body for a logs `format` other than `json` or `text`.
    pub fn invalid_log_format() -> Self {
        Self::message("Invalid format parameter.")
            .with_detail("Allowed values are \"json\" and \"text\".")
    }
    /// coderd's 400 body for `format=text` together with `follow`.
    pub fn text_logs_not_followed() -> Self {
        Self::message("Text format is not supported with follow mode.")
            .with_detail("Use format=json or omit the follow parameter.")
    }
    /// coderd's 400 body for bad query parameters (PTY and others).
    pub fn invalid_query(validations: Vec<ValidationError>) -> Self {
        Self {
            message: INVALID_QUERY_MESSAGE.into(),
            detail: None,
            validations: Some(validations),
        }
    }
    /// coderd's 413 body when an agent's logs would pass the cap.
    pub fn logs_limit_exceeded() -> Self {
        Self::message(LOGS_LIMIT_MESSAGE)
    }
    /// coderd's 400 body when an agent must be connected (e.g. listening ports).
    pub fn agent_not_connected(state: &str) -> Self {
        Self::message(format!(
            "Agent state is \"{state}\", it must be in the \"connected\" state."
        ))
    }
    /// coderd's 400 body when a WebSocket upgrade fails.
    pub fn websocket_accept_failed(detail: impl Into<String>) -> Self {
        Self::message(WEBSOCKET_ACCEPT_MESSAGE).with_detail(detail)
    }

    /// coderd's 400 body for a port share's level it refuses.
    pub fn share_level_not_allowed() -> Self {
        Self::message(SHARE_LEVEL_NOT_ALLOWED)
            .with_validation("share_level", SHARE_LEVEL_NOT_ALLOWED)
    }
    /// coderd's 400 body for a port share's port outside 9..=65535.
    pub fn share_port_out_of_range() -> Self {
        Self::message(SHARE_PORT_OUT_OF_RANGE).with_validation("port", SHARE_PORT_OUT_OF_RANGE)
    }
    /// coderd's 400 body for a port share's protocol other than `http` and `https`.
    pub fn share_protocol_not_allowed() -> Self {
        Self::message(SHARE_PROTOCOL_NOT_ALLOWED)
    }
    /// coderd's 400 body for a port share of an agent the workspace does not have.
    pub fn share_agent_not_found() -> Self {
        Self::message(SHARE_AGENT_NOT_FOUND)
    }
    /// coderd's 404 body for deleting a port share that does not exist.
    pub fn share_not_found() -> Self {
        Self::message(SHARE_NOT_FOUND)
    }

    /// Reads an error body that may not be JSON: CSRF failures and some proxies answer with
    /// plain text or HTML. Non-JSON text becomes the detail (at most 2 KiB); `message` then
    /// says what kind of body came.
    pub fn from_body(body: &str) -> Self {
        let json = serde_json::from_str::<Response>(body);
        if let Ok(r) = &json {
            if !r.message.is_empty() {
                return r.clone();
            }
        }
        let trimmed = body.trim();
        let message = if json.is_ok() {
            "The server sent an error without a message."
        } else if trimmed.is_empty() {
            "The server sent an empty response."
        } else if looks_like_html(trimmed) {
            "The server sent an HTML page instead of JSON."
        } else {
            "The server sent a response that is not JSON."
        };
        let detail = Some(truncate(trimmed, NON_JSON_DETAIL_LIMIT)).filter(|d| !d.is_empty());
        Self {
            message: message.into(),
            detail: detail.map(str::to_owned),
            validations: None,
        }
    }
}

fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(64)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html") || head.starts_with("<head")
}

/// `text` cut to at most `max` bytes, on a character boundary.
pub(crate) fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

impl fmt::Display for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(d) = self.detail.as_deref().filter(|d| !d.is_empty()) {
            write!(f, ": {d}")?;
        }
        for v in self.validations() {
            write!(f, " ({}: {})", v.field, v.detail)?;
        }
        Ok(())
    }
}

impl std::error::Error for Response {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_and_display() {
        let r = Response::message("Nope.")
            .with_detail("because")
            .with_validation("a", "bad");
        assert_eq!(r.to_string(), "Nope.: because (a: bad)");
        assert_eq!(Response::message("x").validations(), &[]);
        let json = serde_json::to_string(&Response::message("x")).unwrap();
        assert_eq!(json, r#"{"message":"x"}"#);
    }

    #[test]
    fn exact_coderd_bodies() {
        let after = serde_json::to_string(&Response::bad_after()).unwrap();
        assert_eq!(
            after,
            r#"{"message":"Query param \"after\" must be an integer greater than or equal to zero.","validations":[{"field":"after","detail":"Must be an integer greater than or equal to zero"}]}"#
        );
        let out = Response::signed_out_no_token();
        assert_eq!(out.message, SIGNED_OUT_MESSAGE);
        assert_eq!(
            out.detail.as_deref(),
            Some("Cookie \"coder_session_token\" or query parameter must be provided.")
        );
        assert_eq!(
            Response::agent_not_connected("connecting").message,
            "Agent state is \"connecting\", it must be in the \"connected\" state."
        );
        assert_eq!(Response::invalid_query(vec![]).validations, Some(vec![]));
    }

    #[test]
    fn non_json_bodies() {
        let r = Response::from_body(r#"{"message":"m","detail":"d"}"#);
        assert_eq!((r.message.as_str(), r.detail.as_deref()), ("m", Some("d")));
        let csrf = Response::from_body("Something is wrong with your CSRF token.");
        assert!(csrf.message.contains("not JSON"));
        assert_eq!(
            csrf.detail.as_deref(),
            Some("Something is wrong with your CSRF token.")
        );
        assert!(Response::from_body("<!DOCTYPE html><p>")
            .message
            .contains("HTML"));
        assert!(Response::from_body("  ").detail.is_none());
        let long = "é".repeat(3000);
        assert!(Response::from_body(&long).detail.unwrap().len() <= 2048);
        assert!(Response::from_body("{}")
            .message
            .contains("without a message"));
    }
}
