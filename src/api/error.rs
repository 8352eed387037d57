//! Typed API errors, each with a sentence for the user and a hint of what to do.
use coder_api::Response as ErrorBody;

/// What went wrong with a request, as the user needs to know it.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// 401: no token, a wrong one, or an expired session.
    Unauthorized(ErrorBody),
    /// 403: signed in but not allowed.
    Forbidden(ErrorBody),
    /// 404: the agent (or route) does not exist on this deployment.
    NotFound(ErrorBody),
    /// Any other non-2xx answer, with coderd's error body (or one built from a non-JSON body).
    Status { status: u16, body: ErrorBody },
    /// The request never got an answer: offline, server down, connection reset.
    Network(String),
    /// The answer arrived but is not what the API promises (malformed JSON, wrong shape).
    Decode(String),
}

impl ApiError {
    /// Builds the error for a non-2xx answer from its status and raw body text.
    pub fn from_status(status: u16, content_type: Option<&str>, text: &str) -> Self {
        let body = error_body(status, content_type, text);
        match status {
            401 => ApiError::Unauthorized(body),
            403 => ApiError::Forbidden(body),
            404 => ApiError::NotFound(body),
            _ => ApiError::Status { status, body },
        }
    }

    /// HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Unauthorized(_) => Some(401),
            ApiError::Forbidden(_) => Some(403),
            ApiError::NotFound(_) => Some(404),
            ApiError::Status { status, .. } => Some(*status),
            ApiError::Network(_) | ApiError::Decode(_) => None,
        }
    }

    /// The server's error body, when there is one.
    pub fn body(&self) -> Option<&ErrorBody> {
        match self {
            ApiError::Unauthorized(b) | ApiError::Forbidden(b) | ApiError::NotFound(b) => Some(b),
            ApiError::Status { body, .. } => Some(body),
            ApiError::Network(_) | ApiError::Decode(_) => None,
        }
    }

    /// Whether trying the same request again may succeed (network trouble or a 5xx).
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Network(_) => true,
            ApiError::Status { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// A short headline for the error view.
    pub fn title(&self) -> String {
        match self {
            ApiError::Unauthorized(_) => "Sign-in needed".into(),
            ApiError::Forbidden(_) => "Not allowed".into(),
            ApiError::NotFound(_) => "Not found".into(),
            ApiError::Status { status, .. } if *status >= 500 => {
                format!("The server failed ({status})")
            }
            ApiError::Status { status, .. } => format!("Request refused ({status})"),
            ApiError::Network(_) => "Cannot reach the server".into(),
            ApiError::Decode(_) => "Unexpected answer from the server".into(),
        }
    }

    /// The main sentence: the server's own message when it sent one.
    pub fn message(&self) -> String {
        match self {
            ApiError::Network(m) => m.clone(),
            ApiError::Decode(m) => m.clone(),
            other => other.body().map(|b| b.message.clone()).unwrap_or_default(),
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            ApiError::Unauthorized(_) => "Sign in again with a valid session token.",
            ApiError::Forbidden(_) => "Ask an administrator for access, or sign in as another user.",
            ApiError::NotFound(_) => "Check the address, or pick the agent again from the list.",
            ApiError::Status { status, .. } if *status >= 500 => {
                "This is usually temporary: the view keeps retrying. If it persists, check the server's log."
            }
            ApiError::Status { .. } => "The details below say which input was refused.",
            ApiError::Network(_) => "Check your connection; the view retries on its own.",
            ApiError::Decode(_) => "The server may be a different version than this console expects.",
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let message = self.message();
        if message.is_empty() {
            write!(f, "{}", self.title())
        } else {
            write!(f, "{}: {}", self.title(), message)
        }
    }
}

/// Most of a non-JSON body kept as the detail, like codersdk does.
const DETAIL_LIMIT: usize = 2048;

/// coderd answers errors with a JSON body, but CSRF failures, proxies and load balancers answer
/// with text or HTML: keep what we can and never fail on it.
fn error_body(status: u16, content_type: Option<&str>, text: &str) -> ErrorBody {
    let is_json = content_type.is_some_and(|c| c.contains("json"));
    if is_json {
        // from_slice, like every other read of the client: one serde_json reader in the wasm.
        if let Ok(body) = serde_json::from_slice::<ErrorBody>(text.as_bytes()) {
            return body;
        }
    }
    let trimmed = text.trim_start();
    let looks_html = content_type.is_some_and(|c| c.contains("html"))
        || trimmed.starts_with("<!")
        || trimmed.to_ascii_lowercase().starts_with("<html");
    let message = if looks_html {
        format!("The server answered {status} with an HTML page instead of the API's JSON.")
    } else if text.trim().is_empty() {
        format!("The server answered {status} with no explanation.")
    } else {
        format!("The server answered {status}.")
    };
    let mut detail: String = text.chars().take(DETAIL_LIMIT).collect();
    if detail.len() < text.len() {
        detail.push('…');
    }
    let mut body = ErrorBody::message(message);
    if !detail.trim().is_empty() && !looks_html {
        body = body.with_detail(detail);
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_error_bodies_are_kept_with_their_validations() {
        let text = r#"{"message":"Query param \"after\" must be an integer greater than or equal to zero.","validations":[{"field":"after","detail":"Must be an integer greater than or equal to zero"}]}"#;
        let err = ApiError::from_status(400, Some("application/json"), text);
        let body = err.body().unwrap();
        assert!(body.message.starts_with("Query param"));
        assert_eq!(body.validations.as_ref().unwrap()[0].field, "after");
        assert!(!err.is_transient());
    }

    #[test]
    fn statuses_map_to_their_kind() {
        assert!(matches!(
            ApiError::from_status(401, None, ""),
            ApiError::Unauthorized(_)
        ));
        assert!(matches!(
            ApiError::from_status(403, None, ""),
            ApiError::Forbidden(_)
        ));
        assert!(matches!(
            ApiError::from_status(404, None, ""),
            ApiError::NotFound(_)
        ));
        assert!(ApiError::from_status(503, None, "").is_transient());
        assert!(ApiError::Network("offline".into()).is_transient());
    }

    #[test]
    fn html_and_text_bodies_do_not_fail_and_are_not_echoed_as_markup() {
        let err = ApiError::from_status(
            502,
            Some("text/html"),
            "<html><script>alert(1)</script></html>",
        );
        let body = err.body().unwrap();
        assert!(body.message.contains("HTML page"));
        assert!(body.detail.is_none());

        let err = ApiError::from_status(
            400,
            Some("text/plain"),
            "Something is wrong with your CSRF token.",
        );
        assert_eq!(
            err.body().unwrap().detail.as_deref(),
            Some("Something is wrong with your CSRF token.")
        );
    }

    #[test]
    fn malformed_json_error_body_falls_back_to_text() {
        let err = ApiError::from_status(500, Some("application/json"), "{\"message\": ");
        assert_eq!(
            err.body().unwrap().detail.as_deref(),
            Some("{\"message\": ")
        );
    }

    #[test]
    fn long_bodies_are_cut() {
        let text = "x".repeat(10_000);
        let err = ApiError::from_status(500, Some("text/plain"), &text);
        assert!(err.body().unwrap().detail.as_ref().unwrap().chars().count() <= DETAIL_LIMIT + 1);
    }
}
