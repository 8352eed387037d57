//! The JSON error every API route answers with: coderd's `{message, detail?, validations?}`
//! (`coder_api::Response`) with its HTTP status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

pub use coder_api::ValidationError as Validation;

/// An error response: status plus coderd's `Response` body.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// The body.
    pub body: coder_api::Response,
}

impl ApiError {
    /// An error with a message only.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            body: coder_api::Response::message(message),
        }
    }

    /// Adds `detail`.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.body.detail = Some(detail.into());
        self
    }

    /// Adds one validation.
    pub fn validation(mut self, field: impl Into<String>, detail: impl Into<String>) -> Self {
        self.body = self.body.with_validation(field, detail);
        self
    }

    /// The validations (empty when there are none).
    pub fn validations(&self) -> &[Validation] {
        self.body.validations.as_deref().unwrap_or_default()
    }

    /// A body the wire crate built (coderd's own wording), with its status.
    pub fn with_body(status: StatusCode, body: coder_api::Response) -> Self {
        ApiError { status, body }
    }

    /// 400 with a body the wire crate built (a query parser's answer).
    pub fn bad_request(body: coder_api::Response) -> Self {
        Self::with_body(StatusCode::BAD_REQUEST, body)
    }

    /// 400 "Invalid query parameters." with the given validations, as coderd's query parser reports.
    pub fn invalid_query(validations: Vec<Validation>) -> Self {
        Self::bad_request(coder_api::Response::invalid_query(validations))
    }

    /// 404 for an unknown resource.
    pub fn not_found() -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "Resource not found or you do not have access to this resource",
        )
    }

    /// 404 for an unknown API route.
    pub fn route_not_found() -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "Route not found.")
    }

    /// 500 with a message and the underlying error as detail.
    pub fn internal(message: impl Into<String>, err: impl std::fmt::Display) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message).detail(err.to_string())
    }
}

/// What a request whose handler panicked is answered (500): the panic is logged, never sent to
/// the client; the process, and every other request and session, goes on.
pub fn panicked(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    tracing::error!("a request handler panicked: {what}");
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal error.")
        .detail("The server failed while answering this request; other requests are unaffected.")
        .into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// Reads a JSON request body that must be sent as `application/json`: 415 otherwise, 400 when it
/// does not parse (coderd's message). Requiring the type keeps other sites' pages out: a browser
/// sends a cross-site form or `text/plain` body without asking, but never an `application/json` one.
pub fn json_body<T: serde::de::DeserializeOwned>(
    headers: &axum::http::HeaderMap,
    body: &[u8],
) -> ApiResult<T> {
    let media = crate::security::media_type(headers);
    let is_json = media
        .as_deref()
        .is_some_and(|m| m == "application/json" || m.ends_with("+json"));
    if !is_json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Request body must be JSON.",
        )
        .detail(format!(
            "Send it with Content-Type: application/json (got {}).",
            media.as_deref().unwrap_or("none")
        )));
    }
    read_json(body)
}

/// Reads a JSON body into a `coder_api` type, with coderd's answers: 400 "Request body must be
/// valid JSON." when it does not parse, 400 "Validation failed." naming the field when a value
/// has the wrong type or is missing (`logs[0].created_at`, `id`).
pub fn read_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    let invalid = |err: serde_json::Error| {
        ApiError::new(StatusCode::BAD_REQUEST, "Request body must be valid JSON.")
            .detail(err.to_string())
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return invalid(inner);
        }
        // serde names the struct, not the field, of a missing field: take it from the message.
        let text = inner.to_string();
        let missing = text
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split_once('`'))
            .map(|(field, _)| field.to_owned());
        let field = match (path.as_str(), missing) {
            (".", Some(field)) => field,
            (path, Some(field)) => format!("{path}.{field}"),
            (path, None) => path.to_owned(),
        };
        let detail = text
            .rsplit_once(" at line ")
            .map_or(text.as_str(), |(d, _)| d)
            .to_owned();
        ApiError::new(StatusCode::BAD_REQUEST, "Validation failed.").validation(field, detail)
    })?;
    de.end().map_err(invalid)?;
    Ok(value)
}

/// Middleware of the embedded `/api/v2`: axum's own refusals (a body over its 2 MB limit, a path
/// that does not parse) are plain text, but every coderd API error is its JSON `Response`.
pub async fn json_rejections(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    let plain = crate::security::media_type(resp.headers()).as_deref() == Some("text/plain");
    if !plain || !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    // Rejection texts are one short line; anything longer is cut.
    let text = axum::body::to_bytes(resp.into_body(), 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "Request body is too large.",
        _ => status.canonical_reason().unwrap_or("Request refused."),
    };
    ApiError::new(status, message).detail(text).into_response()
}

/// Handler result type.
pub type ApiResult<T> = Result<T, ApiError>;
