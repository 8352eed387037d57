//! coderd's response body for messages and errors: `{message, detail?, validations?}`.
use serde::{Deserialize, Serialize};

/// One refused field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationError {
    pub field: String,
    pub detail: String,
}

/// A message, with optional debug detail and per-field validation errors.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validations: Option<Vec<ValidationError>>,
}

impl Response {
    /// A body with only a message.
    pub fn message(message: impl Into<String>) -> Self {
        Self { message: message.into(), ..Self::default() }
    }
    /// Adds the detail.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
    /// Adds one validation error.
    pub fn with_validation(mut self, field: impl Into<String>, detail: impl Into<String>) -> Self {
        self.validations.get_or_insert_with(Vec::new).push(ValidationError { field: field.into(), detail: detail.into() });
        self
    }

    /// coderd's 401 body when no (valid) session token came with a request.
    pub fn signed_out(detail: impl Into<String>) -> Self {
        Self::message("You are signed out or your session has expired. Please sign in again to continue.")
            .with_detail(detail)
    }

    /// coderd's 400 body for a bad `after` on the logs route.
    pub fn bad_after() -> Self {
        Self::message("Query param \"after\" must be an integer greater than or equal to zero.")
            .with_validation("after", "Must be an integer greater than or equal to zero")
    }

    /// coderd's 400 body for bad query parameters (PTY and others).
    pub fn invalid_query(validations: Vec<ValidationError>) -> Self {
        Self { message: "Invalid query parameters.".into(), detail: None, validations: Some(validations) }
    }
}

/// Why a body could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiParseError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for ApiParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (line {}, column {})", self.message, self.line, self.column)
    }
}

impl std::error::Error for ApiParseError {}

/// Parses a JSON body into a wire type; a typed error, never a panic.
pub fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ApiParseError> {
    serde_json::from_str(text).map_err(|e| ApiParseError { message: e.to_string(), line: e.line(), column: e.column() })
}
