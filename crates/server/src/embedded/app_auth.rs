//! Signing in to forwarded ports, the way coderd signs in to subdomain apps: a port-forward host
//! never sees the console's token.
//!
//! 1. A browser without a session for the forward host is sent to the console,
//!    `GET /api/v2/applications/auth-redirect?redirect_uri=<the forward URL>` (coderd's route).
//! 2. There, with the user's session, the console mints a one-time key (valid
//!    [`KEY_LIFETIME`]) and sends the browser back to the forward URL with
//!    `coder_application_connect_api_key=<key>`. Without a session it shows the sign-in page,
//!    which comes back here once signed in. The app's own links ask for the key with
//!    `Accept: application/json` and get `{"redirect_uri": ...}` instead of a redirect.
//! 3. The forward host trades the key for an app session of its own (valid
//!    [`SESSION_LIFETIME`], good for that host only), set as coderd's cookie
//!    `coder_subdomain_app_session_token_<first 16 hex digits of sha256(host)>`, and redirects
//!    to the URL without the key.
//!
//! Keys and sessions live in memory (a restart signs forward hosts out) and are bounded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::distributions::Alphanumeric;
use rand::Rng;
use sha2::{Digest, Sha256};

/// The query parameter carrying a one-time key to a forward host (coderd's name).
pub const CONNECT_KEY_QUERY: &str = coder_api::routes::APP_CONNECT_KEY_QUERY;
/// How long a minted key may wait to be used.
pub const KEY_LIFETIME: Duration = Duration::from_secs(60);
/// How long a forward host's app session lasts.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// Keys and sessions kept at most (each kind); the oldest go first.
const MAX_ENTRIES: usize = 10_000;

/// Keys and app sessions (cheap to clone).
#[derive(Clone, Default)]
pub struct AppAuth {
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for AppAuth {
    // The secrets are never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppAuth").finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Inner {
    /// Key → (forward host it is for, expiry).
    keys: HashMap<String, (String, Instant)>,
    /// App session token → (forward host, expiry).
    sessions: HashMap<String, (String, Instant)>,
}

/// Keeps `map` within [`MAX_ENTRIES`] after dropping what expired.
fn prune(map: &mut HashMap<String, (String, Instant)>, now: Instant) {
    map.retain(|_, (_, expiry)| *expiry > now);
    while map.len() >= MAX_ENTRIES {
        let Some(oldest) = map
            .iter()
            .min_by_key(|(_, (_, expiry))| *expiry)
            .map(|(k, _)| k.clone())
        else {
            break;
        };
        map.remove(&oldest);
    }
}

fn start_session(inner: &mut Inner, host: &str, now: Instant) -> String {
    prune(&mut inner.sessions, now);
    let session = random_secret();
    inner
        .sessions
        .insert(session.clone(), (host.to_owned(), now + SESSION_LIFETIME));
    session
}

fn random_secret() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

impl AppAuth {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A one-time key for `host` (a forward host, lowercased, without port).
    pub fn mint_key(&self, host: &str) -> String {
        let now = Instant::now();
        let key = random_secret();
        let mut inner = self.lock();
        prune(&mut inner.keys, now);
        inner
            .keys
            .insert(key.clone(), (host.to_owned(), now + KEY_LIFETIME));
        key
    }

    /// Uses up `key` for `host` and returns a new app session for it; `None` when the key is
    /// unknown, used, expired, or was minted for another host.
    pub fn redeem(&self, key: &str, host: &str) -> Option<String> {
        let now = Instant::now();
        let mut inner = self.lock();
        let (for_host, expiry) = inner.keys.remove(key)?;
        if for_host != host || expiry <= now {
            return None;
        }
        Some(start_session(&mut inner, host, now))
    }

    /// A new app session for `host`, for a request that signed in with the console's token.
    pub fn new_session(&self, host: &str) -> String {
        start_session(&mut self.lock(), host, Instant::now())
    }

    /// Whether `session` is a live app session of `host`.
    pub fn is_session(&self, session: &str, host: &str) -> bool {
        let now = Instant::now();
        self.lock()
            .sessions
            .get(session)
            .is_some_and(|(for_host, expiry)| for_host == host && *expiry > now)
    }
}

/// `GET /api/v2/applications/auth-redirect?redirect_uri=…` (public: it checks the session itself
/// so that a browser without one is sent to sign in rather than refused).
pub async fn auth_redirect(
    axum::extract::State(e): axum::extract::State<super::Embedded>,
    headers: axum::http::HeaderMap,
    uri: axum::http::Uri,
) -> axum::response::Response {
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;
    let raw = crate::auth::query_value(&uri, "redirect_uri").unwrap_or_default();
    let Some(target) = our_forward_target(&raw, e.forward_config()) else {
        return crate::error::ApiError::new(StatusCode::BAD_REQUEST, "Invalid redirect_uri.")
            .validation(
                "redirect_uri",
                "Must be the address of a forwarded port of this agent.",
            )
            .into_response();
    };
    let wants_json = crate::security::accepts(&headers, "application/json");
    if let Err(err) = crate::auth::require_session(&headers, &uri, e.tokens()) {
        if wants_json {
            return err.into_response();
        }
        // The sign-in page comes back here once the user has signed in.
        let next: String = url::form_urlencoded::byte_serialize(raw.as_bytes()).collect();
        let location = format!("{}/signin?app={next}", e.base_path());
        return (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
    }
    let key = e
        .forward_config()
        .app_auth
        .mint_key(&super::port_forward::canonical_host(&target));
    let mut with_key = url::Url::parse(&raw).expect("checked above");
    with_key
        .query_pairs_mut()
        .append_pair(CONNECT_KEY_QUERY, &key);
    let redirect_uri = with_key.to_string();
    if wants_json {
        return axum::Json(coder_api::AuthRedirectResponse { redirect_uri }).into_response();
    }
    (
        StatusCode::TEMPORARY_REDIRECT,
        [(header::LOCATION, redirect_uri)],
    )
        .into_response()
}

/// The forward target `raw` names, when it is an http(s) address of one of this agent's ports.
fn our_forward_target(
    raw: &str,
    config: &super::port_forward::ForwardConfig,
) -> Option<super::port_forward::ForwardTarget> {
    let url = url::Url::parse(raw).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str()?),
        None => url.host_str()?.to_owned(),
    };
    let target = super::port_forward::parse_forward_host(&host).ok()?;
    config.is_ours(&target).then_some(target)
}

/// coderd's cookie name for a subdomain app's session: the host's hash keeps apps apart.
pub fn session_cookie_name(host: &str) -> String {
    let digest = Sha256::digest(host.as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("coder_subdomain_app_session_token_{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_used_once_and_only_for_its_host() {
        let auth = AppAuth::default();
        let key = auth.mint_key("8080--a--b--c.localhost");
        assert!(auth.redeem(&key, "9090--a--b--c.localhost").is_none());
        let key = auth.mint_key("8080--a--b--c.localhost");
        let session = auth.redeem(&key, "8080--a--b--c.localhost").unwrap();
        assert!(
            auth.redeem(&key, "8080--a--b--c.localhost").is_none(),
            "used up"
        );
        assert!(auth.is_session(&session, "8080--a--b--c.localhost"));
        assert!(!auth.is_session(&session, "9090--a--b--c.localhost"));
        assert!(!auth.is_session("guess", "8080--a--b--c.localhost"));
    }

    #[test]
    fn cookie_names_follow_coderds_shape() {
        let name = session_cookie_name("8080--a--b--c.localhost");
        let hex = name
            .strip_prefix("coder_subdomain_app_session_token_")
            .unwrap();
        assert_eq!(hex.len(), 16);
        assert_ne!(name, session_cookie_name("9090--a--b--c.localhost"));
    }
}
