//! Tokens and how requests present them, the way coderd reads them.
//!
//! A session token is looked up in coderd's order: cookie `coder_session_token`, query
//! `coder_session_token`, header `Coder-Session-Token`, `Authorization: Bearer`, query
//! `access_token`. The agent token of `/workspaceagents/me/*` is read the same way. Comparisons are
//! constant-time so a wrong token leaks nothing through timing.

use axum::http::{header, HeaderMap, StatusCode, Uri};
use rand::distributions::Alphanumeric;
use rand::Rng;
use subtle::ConstantTimeEq;

use crate::error::ApiError;

/// The names coderd reads the session token under, from the wire crate: the cookie and query
/// parameter `coder_session_token`, the header `Coder-Session-Token`.
pub use coder_api::routes::{SESSION_TOKEN_COOKIE, SESSION_TOKEN_HEADER, SESSION_TOKEN_QUERY};
/// coderd's last-resort token query parameter.
pub const ACCESS_TOKEN_QUERY: &str = "access_token";

pub use coder_api::SIGNED_OUT_MESSAGE;

/// The two secrets of the embedded backend.
#[derive(Clone)]
pub struct Tokens {
    /// Session token of the (single) user.
    pub session: String,
    /// Agent token of the (single) agent.
    pub agent: String,
    /// Whether the session token was generated here (only then is it printed).
    pub session_generated: bool,
    /// Whether the agent token was generated here (only then is it printed).
    pub agent_generated: bool,
}

impl std::fmt::Debug for Tokens {
    // Never print secrets, even in debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("session_generated", &self.session_generated)
            .field("agent_generated", &self.agent_generated)
            .finish_non_exhaustive()
    }
}

impl Tokens {
    /// Uses the given tokens, generating the missing ones: a session token shaped like coderd's
    /// (`<10 chars>-<22 chars>`) and an agent token that is a UUID, as coderd's agent tokens are.
    pub fn new(session: Option<String>, agent: Option<String>) -> anyhow::Result<Self> {
        for (name, token) in [("--session-token", &session), ("--agent-token", &agent)] {
            if let Some(t) = token {
                if t.is_empty() || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    anyhow::bail!("{name} must be non-empty and contain no spaces");
                }
            }
        }
        Ok(Tokens {
            session_generated: session.is_none(),
            agent_generated: agent.is_none(),
            session: session.unwrap_or_else(random_session_token),
            agent: agent.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        })
    }

    /// Names of this process's environment variables that hold a token: ours
    /// ([`TOKEN_ENV_VARS`]) and any other whose value is one of the tokens (a token exported
    /// under another name and passed as a flag). Shells and scripts are started without them,
    /// so a program run in a terminal cannot read the console's credentials.
    pub fn env_vars_holding_them(&self) -> Vec<String> {
        std::env::vars_os()
            .filter(|(name, value)| {
                let ours = name.to_str().is_some_and(|n| TOKEN_ENV_VARS.contains(&n));
                let holds = value
                    .to_str()
                    .is_some_and(|v| v == self.session || v == self.agent);
                ours || holds
            })
            .filter_map(|(name, _)| name.into_string().ok())
            .collect()
    }
}

/// The environment variables `agent-console serve` reads tokens from.
pub const TOKEN_ENV_VARS: [&str; 2] = ["AGENT_CONSOLE_SESSION_TOKEN", "AGENT_CONSOLE_AGENT_TOKEN"];

/// Reads a token file (`--session-token-file`): its content without surrounding whitespace, so a
/// file written by `echo` works. Refused when empty.
pub fn read_token_file(flag: &str, path: &std::path::Path) -> anyhow::Result<String> {
    use anyhow::Context as _;
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{flag}: reading {}", path.display()))?;
    let token = text.trim();
    if token.is_empty() {
        anyhow::bail!("{flag}: {} is empty", path.display());
    }
    Ok(token.to_owned())
}

/// A random token in coderd's API key shape.
pub fn random_session_token() -> String {
    let mut rng = rand::thread_rng();
    let mut part = |n| {
        (&mut rng)
            .sample_iter(&Alphanumeric)
            .take(n)
            .map(char::from)
            .collect::<String>()
    };
    let id = part(10);
    let secret = part(22);
    format!("{id}-{secret}")
}

/// Finds the token a request carries, in coderd's priority order.
pub fn token_from_request(headers: &HeaderMap, uri: &Uri) -> Option<String> {
    if let Some(t) = cookie_value(headers, SESSION_TOKEN_COOKIE) {
        return Some(t);
    }
    if let Some(t) = query_value(uri, SESSION_TOKEN_QUERY) {
        return Some(t);
    }
    if let Some(t) = headers
        .get(SESSION_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        if !t.is_empty() {
            return Some(t.to_owned());
        }
    }
    if let Some(t) = bearer(headers) {
        return Some(t);
    }
    query_value(uri, ACCESS_TOKEN_QUERY)
}

/// The token of an `Authorization: Bearer` header.
pub fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    let token = rest.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// The value of cookie `name`, if present and non-empty.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.trim_matches('"').to_owned())
}

/// The first value of query parameter `name`, percent-decoded, if non-empty.
pub fn query_value(uri: &Uri, name: &str) -> Option<String> {
    let query = uri.query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.into_owned())
}

/// Constant-time equality of a presented token and the expected one.
pub fn token_matches(presented: &str, expected: &str) -> bool {
    // `ct_eq` on slices of different lengths returns false without comparing contents; the length
    // of our own token is not a secret worth hiding.
    presented.as_bytes().ct_eq(expected.as_bytes()).into()
}

/// Checks a user (session) token; the error is coderd's 401.
pub fn require_session(headers: &HeaderMap, uri: &Uri, tokens: &Tokens) -> Result<(), ApiError> {
    match token_from_request(headers, uri) {
        None => Err(ApiError::with_body(
            StatusCode::UNAUTHORIZED,
            coder_api::Response::signed_out_no_token(),
        )),
        Some(t) if token_matches(&t, &tokens.session) => Ok(()),
        Some(_) => Err(ApiError::with_body(
            StatusCode::UNAUTHORIZED,
            coder_api::Response::signed_out("API key is invalid."),
        )),
    }
}

/// Checks the agent token of `/workspaceagents/me/*`; the errors are coderd's 401s.
pub fn require_agent(headers: &HeaderMap, uri: &Uri, tokens: &Tokens) -> Result<(), ApiError> {
    match token_from_request(headers, uri) {
        None => Err(ApiError::new(StatusCode::UNAUTHORIZED, SIGNED_OUT_MESSAGE)
            .detail(format!("Cookie {SESSION_TOKEN_COOKIE:?} must be provided."))),
        Some(t) if token_matches(&t, &tokens.agent) => Ok(()),
        Some(t) if uuid::Uuid::parse_str(&t).is_err() => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "Workspace agent token invalid.",
        )
        .detail(format!("An agent token must be a valid UUIDv4. (len {})", t.len()))),
        Some(_) => Err(ApiError::new(StatusCode::UNAUTHORIZED, "Workspace agent not authorized.").detail(
            "The agent cannot authenticate until the workspace provision job has been completed. \
             If the job is no longer running, this agent is invalid.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn uri(s: &str) -> Uri {
        s.parse().unwrap()
    }

    #[test]
    fn generated_tokens_have_coder_shapes() {
        let t = Tokens::new(None, None).unwrap();
        assert!(t.session_generated && t.agent_generated);
        let given = Tokens::new(Some("s".into()), None).unwrap();
        assert!(!given.session_generated && given.agent_generated);
        let (id, secret) = t.session.split_once('-').unwrap();
        assert_eq!((id.len(), secret.len()), (10, 22));
        assert!(uuid::Uuid::parse_str(&t.agent).is_ok());
        assert!(!format!("{t:?}").contains(&t.session));
        assert!(Tokens::new(Some("a b".into()), None).is_err());
    }

    #[test]
    fn token_sources_in_coderd_order() {
        let mut h = HeaderMap::new();
        assert_eq!(
            token_from_request(&h, &uri("/x?access_token=q2")),
            Some("q2".into())
        );
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("bEaReR b1"));
        assert_eq!(
            token_from_request(&h, &uri("/x?access_token=q2")),
            Some("b1".into())
        );
        h.insert(SESSION_TOKEN_HEADER, HeaderValue::from_static("h1"));
        assert_eq!(token_from_request(&h, &uri("/x")), Some("h1".into()));
        assert_eq!(
            token_from_request(&h, &uri("/x?coder_session_token=q%2B1")),
            Some("q+1".into())
        );
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=b; coder_session_token=c1"),
        );
        assert_eq!(
            token_from_request(&h, &uri("/x?coder_session_token=q1")),
            Some("c1".into())
        );
    }

    #[test]
    fn comparisons() {
        assert!(token_matches("abc", "abc"));
        assert!(!token_matches("abd", "abc"));
        assert!(!token_matches("ab", "abc"));
    }
}
