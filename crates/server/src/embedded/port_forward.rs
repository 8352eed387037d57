//! Port forwarding for real: requests to `{port}[s]--{agent}--{workspace}--{user}.localhost` are
//! proxied to that port on this machine.
//!
//! The embedded backend reports `*.localhost:{port}` as its wildcard app host; browsers resolve
//! every `*.localhost` name to loopback, so the links the ports view builds reach this server, and
//! [`forward`] relays them to `127.0.0.1:{port}` (or `[::1]:{port}` when nothing listens on IPv4).
//! Plain HTTP is streamed both ways; upgrades (WebSocket and any other) are relayed as raw bytes
//! once the upstream server has accepted them. The `s` suffix reaches the port over TLS, without
//! checking its (usually self-signed) certificate (`local_tls`).
//!
//! As coderd does, ports below 9 and its ignored ports are refused, and names that are not this
//! agent's give 404. A forwarded port needs the user's session, the way coderd requires sign-in
//! for port-forwarded apps, unless it is shared `public` (`port_share`); the session token is
//! never passed upstream.
//!
//! Wiring: a middleware in front of every route calls [`forward_target`] on each request and, when
//! it returns a target, answers with [`forward`] instead of the console's own routes.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::{Request, Response, StatusCode, Uri};
use axum::response::IntoResponse;
use coder_api::PortForwardError;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::app_auth::{session_cookie_name, CONNECT_KEY_QUERY};
use super::local_tls;
use super::ports::{is_ignored_port, MIN_PORT};
use super::sessions::ConnectionGuard;
use crate::auth::{
    ACCESS_TOKEN_QUERY, SESSION_TOKEN_COOKIE, SESSION_TOKEN_HEADER, SESSION_TOKEN_QUERY,
};

/// Marks requests this server sent upstream, so a request forwarded back to the console itself
/// is recognised and stopped instead of looping.
const LOOP_HEADER: &str = "x-agent-console-forwarded";

/// The wildcard this server's forward hosts match (with any `:port`): browsers resolve every
/// `*.localhost` name to loopback.
pub const FORWARD_HOST_PATTERN: &str = "*.localhost";

/// A forward host's label: `{port}[s]--{agent}--{workspace}--{user}`, parsed by the wire crate.
pub type ForwardTarget = coder_api::PortForwardLabel;

/// The host name in its one spelling (lowercase, no port, no trailing dot): what keys, app
/// sessions and their cookie are bound to.
pub fn canonical_host(target: &ForwardTarget) -> String {
    format!("{target}.localhost")
}

/// Parses a Host value `{port}[s]--{agent}--{workspace}--{user}.localhost[:port]`
/// (case-insensitive; a trailing dot is allowed), saying why when it is not one.
pub fn parse_forward_host(host: &str) -> Result<ForwardTarget, PortForwardError> {
    ForwardTarget::from_host(FORWARD_HOST_PATTERN, host)
}

/// The forward target named by a request's Host (or, for HTTP/2, its URI authority).
pub fn forward_target<B>(req: &Request<B>) -> Result<ForwardTarget, PortForwardError> {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .unwrap_or_default();
    parse_forward_host(host)
}

/// Answers a request whose Host is a forward host, and hands back any other request. A port
/// coderd reserves (below 9) is refused with coderd's message rather than served the console.
pub async fn forward_request(
    req: Request<Body>,
    config: &ForwardConfig,
) -> Result<Response<Body>, Request<Body>> {
    match forward_target(&req) {
        Ok(target) => Ok(forward(req, target, config).await),
        Err(reserved @ PortForwardError::ReservedPort(_)) => {
            Ok(error(StatusCode::BAD_REQUEST, reserved.to_string(), None))
        }
        Err(_) => Err(req),
    }
}

/// Who the embedded agent is and how forwarded requests are authorised.
#[derive(Clone, Debug)]
pub struct ForwardConfig {
    /// The embedded agent's name.
    pub agent_name: String,
    /// Its workspace's name.
    pub workspace_name: String,
    /// The workspace owner's username.
    pub owner_name: String,
    /// Require sign-in (always, as coderd does for ports; the relay tests turn it off).
    pub requires_session: bool,
    /// The user's session token, checked when `requires_session` is set.
    pub session_token: String,
    /// The console server's own port, refused so a request cannot be forwarded back to it.
    pub console_port: Option<u16>,
    /// One-time keys and the forward hosts' app sessions.
    pub app_auth: super::app_auth::AppAuth,
    /// Where a browser is sent to sign in: the console's origin and base path
    /// (`http://127.0.0.1:7080/p`).
    pub console_url: String,
    /// Where each forwarded exchange is recorded as a `port_forwarding` connection.
    pub sessions: super::sessions::Sessions,
    /// The workspace's shared ports: a port shared `public` needs no sign-in.
    pub shares: super::port_share::PortShares,
}

impl ForwardConfig {
    /// Whether `target` names this agent, its workspace and its owner (case-insensitively).
    pub fn is_ours(&self, target: &ForwardTarget) -> bool {
        let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        same(&target.agent, &self.agent_name)
            && same(&target.workspace, &self.workspace_name)
            && same(&target.user, &self.owner_name)
    }
}

/// Answers a request for `target`: checks names, port and session, then proxies it to the port.
///
/// Errors are coderd-style JSON (`{message, detail?}`): 404 for another agent's names, 400 for a
/// refused port, 401 without a valid session (when required), 502 when nothing answers on the
/// port (or not over TLS when HTTPS was asked for), 508 when a request comes back to the console
/// itself.
pub async fn forward(
    req: Request<Body>,
    target: ForwardTarget,
    config: &ForwardConfig,
) -> Response<Body> {
    if !config.is_ours(&target) {
        return error(
            StatusCode::NOT_FOUND,
            "No workspace agent by that name.".to_owned(),
            Some(format!(
                "This server forwards ports of agent \"{}\" in workspace \"{}\" owned by \"{}\" only.",
                config.agent_name, config.workspace_name, config.owner_name
            )),
        );
    }
    if is_ignored_port(target.port) {
        return error(
            StatusCode::BAD_REQUEST,
            format!(
                "Port {} cannot be forwarded: ports below {MIN_PORT} and well-known service ports are reserved.",
                target.port
            ),
            None,
        );
    }
    if Some(target.port) == config.console_port || req.headers().contains_key(LOOP_HEADER) {
        return error(
            StatusCode::LOOP_DETECTED,
            format!(
                "Port {} is the console itself, so it cannot be forwarded.",
                target.port
            ),
            None,
        );
    }

    let mut req = req;
    let host = canonical_host(&target);
    let connect_key = crate::auth::query_value(req.uri(), CONNECT_KEY_QUERY);
    let app_session = crate::auth::cookie_value(req.headers(), &session_cookie_name(&host));
    let presented = take_console_credentials(&mut req, &config.session_token);
    let mut new_session = None;
    if config.requires_session {
        if let Some(key) = connect_key {
            return match config.app_auth.redeem(&key, &host) {
                Some(session) => signed_in(req.uri(), &host, &session),
                None => error(
                    StatusCode::UNAUTHORIZED,
                    "This sign-in link has expired or was already used.".to_owned(),
                    Some("Open the port again from the console.".to_owned()),
                ),
            };
        }
        let by_app_session = app_session.is_some_and(|s| config.app_auth.is_session(&s, &host));
        let by_token = match &presented {
            Some((token, from_query)) => {
                let ok = crate::auth::token_matches(token, &config.session_token);
                // A token in the address becomes an app session (its cookie), never a cookie
                // holding the console's own token.
                if ok && *from_query {
                    new_session = Some(config.app_auth.new_session(&host));
                }
                ok
            }
            None => false,
        };
        // A public share opens the port to anyone; every other level is the signed-in user.
        let shared_publicly = || config.shares.is_public(&target.agent, target.port);
        if !by_app_session && !by_token && !shared_publicly() {
            if wants_a_page(&req) {
                return sign_in_redirect(&req, config);
            }
            return error(
                StatusCode::UNAUTHORIZED,
                "Sign in to open a forwarded port.".to_owned(),
                Some(format!(
                    "Open it from the console, or send the session token in the Coder-Session-Token header or the {SESSION_TOKEN_QUERY} query parameter."
                )),
            );
        }
    }
    let client = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let connection = config.sessions.open_forward(client, target.port);
    let mut response = match proxy(req, target.port, target.https, connection).await {
        Ok(response) => response,
        Err(err) => return err,
    };
    if let Some(session) = new_session {
        if let Some(cookie) = session_cookie(&host, &session) {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
    }
    response
}

/// A browser opening a page (not a script's request or a socket), which can be sent to sign in.
fn wants_a_page(req: &Request<Body>) -> bool {
    (req.method() == axum::http::Method::GET || req.method() == axum::http::Method::HEAD)
        && crate::security::accepts(req.headers(), "text/html")
        && !is_upgrade(req.headers())
}

/// 303 to the console's `auth-redirect` for this very address (credentials already taken off).
fn sign_in_redirect(req: &Request<Body>, config: &ForwardConfig) -> Response<Body> {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let here = format!(
        "http://{host}{}",
        req.uri().path_and_query().map_or("/", |p| p.as_str())
    );
    let location = format!(
        "{}{}",
        config.console_url,
        coder_api::routes::applications_auth_redirect(&here)
    );
    redirect_303(&location, None)
}

/// The key was good: the app session's cookie, and the same address without the key.
fn signed_in(uri: &Uri, host: &str, session: &str) -> Response<Body> {
    let location = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    redirect_303(&location, session_cookie(host, session))
}

fn redirect_303(location: &str, cookie: Option<HeaderValue>) -> Response<Body> {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// The forward host's app-session cookie: HttpOnly, for this host only, as long as the session.
fn session_cookie(host: &str, session: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{}={session}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax",
        session_cookie_name(host),
        super::app_auth::SESSION_LIFETIME.as_secs()
    ))
    .ok()
}

/// Sends `req` to `port` on loopback (over TLS when `https`) and relays the response (and the
/// upgraded connection); `connection` stays ongoing until the response body or the upgraded
/// connection ends.
async fn proxy(
    req: Request<Body>,
    port: u16,
    https: bool,
    connection: ConnectionGuard,
) -> Result<Response<Body>, Response<Body>> {
    let stream = connect(port).await.map_err(|err| {
        error(
            StatusCode::BAD_GATEWAY,
            format!("Nothing is answering on port {port}."),
            Some(err.to_string()),
        )
    })?;
    if !https {
        return relay(req, port, stream, connection).await;
    }
    let stream = local_tls::connect(stream).await.map_err(|err| {
        error(
            StatusCode::BAD_GATEWAY,
            format!("Port {port} did not answer over HTTPS."),
            Some(format!(
                "{err}. If it serves plain HTTP, open it without the \"s\" after the port number."
            )),
        )
    })?;
    relay(req, port, stream, connection).await
}

/// Relays `req` over `stream`, an open connection to the port.
async fn relay<S>(
    mut req: Request<Body>,
    port: u16,
    stream: S,
    held: ConnectionGuard,
) -> Result<Response<Body>, Response<Body>>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let upgrade = is_upgrade(req.headers());
    let client_upgrade = upgrade.then(|| hyper::upgrade::on(&mut req));
    prepare_upstream_request(&mut req);

    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|err| upstream_error(port, &err))?;
    tokio::spawn(async move {
        // Ends when the upstream connection closes; its errors surface through the response.
        let _ = connection.with_upgrades().await;
    });

    let mut response = sender
        .send_request(req)
        .await
        .map_err(|err| upstream_error(port, &err))?;
    if response.status() == StatusCode::SWITCHING_PROTOCOLS {
        if let Some(client_upgrade) = client_upgrade {
            let upstream_upgrade = hyper::upgrade::on(&mut response);
            tokio::spawn(async move {
                if let (Ok(client), Ok(upstream)) = (client_upgrade.await, upstream_upgrade.await) {
                    let copied = tokio::io::copy_bidirectional(
                        &mut TokioIo::new(client),
                        &mut TokioIo::new(upstream),
                    )
                    .await;
                    if copied.is_ok() {
                        held.end_cleanly();
                    }
                }
            });
            return Ok(response.map(Body::new));
        }
    } else {
        strip_hop_by_hop(response.headers_mut(), false);
    }
    Ok(response.map(|body| {
        Body::new(HeldBody {
            body: Body::new(body),
            connection: Some(held),
        })
    }))
}

/// A response body holding its connection ongoing: it ends cleanly when the body was sent
/// whole, and as a client disconnection when the body failed or the client left before its end.
struct HeldBody {
    body: Body,
    connection: Option<ConnectionGuard>,
}

impl axum::body::HttpBody for HeldBody {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        let next = std::pin::Pin::new(&mut self.body).poll_frame(cx);
        match &next {
            std::task::Poll::Ready(Some(Err(_))) => drop(self.connection.take()),
            // A body of known length is done with its last bytes: hyper need not ask again.
            std::task::Poll::Ready(None) => self.end_if_done(true),
            std::task::Poll::Ready(Some(Ok(_))) => {
                let done = self.body.is_end_stream();
                self.end_if_done(done);
            }
            std::task::Poll::Pending => {}
        }
        next
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}

impl HeldBody {
    fn end_if_done(&mut self, done: bool) {
        if done {
            if let Some(c) = self.connection.take() {
                c.end_cleanly();
            }
        }
    }
}

/// Connects to `port` on 127.0.0.1, then on ::1 if IPv4 refused.
async fn connect(port: u16) -> std::io::Result<TcpStream> {
    match TcpStream::connect((Ipv4Addr::LOCALHOST, port)).await {
        Ok(stream) => Ok(stream),
        Err(v4_err) => TcpStream::connect((Ipv6Addr::LOCALHOST, port))
            .await
            .map_err(|_| v4_err),
    }
}

/// Rewrites the client's request for the upstream server: origin-form URI, no hop-by-hop headers
/// (except an upgrade's), forwarding headers added. The Host is kept, as coderd's reverse proxy
/// keeps it.
fn prepare_upstream_request(req: &mut Request<Body>) {
    let path = req.uri().path().to_owned();
    let query = req
        .uri()
        .query()
        .map(str::to_owned)
        .filter(|q| !q.is_empty());
    let path_and_query = match query {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    *req.uri_mut() = path_and_query
        .parse()
        .unwrap_or_else(|_| Uri::from_static("/"));
    *req.version_mut() = axum::http::Version::HTTP_11;

    let client_addr = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let upgrade = is_upgrade(req.headers());
    let headers = req.headers_mut();
    strip_hop_by_hop(headers, upgrade);
    let host = headers.get(header::HOST).cloned();
    if let Some(host) = host {
        headers.insert("x-forwarded-host", host);
    }
    headers.insert("x-forwarded-proto", HeaderValue::from_static("http"));
    if let Some(ip) = client_addr {
        let value = match headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
            Some(previous) => format!("{previous}, {ip}"),
            None => ip.to_string(),
        };
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert("x-forwarded-for", value);
        }
    }
    headers.insert(LOOP_HEADER, HeaderValue::from_static("1"));
}

/// Takes the console's credentials off a request bound for a local app, which must never see
/// them, and returns the session token it presented (read as coderd reads it, percent-decoding
/// included) with whether it came in the query string (it is then moved into a cookie).
///
/// Removed: the `Coder-Session-Token` header; every Coder cookie (`coder_session_token`, the app
/// cookies `coder_*_app_*token*`), as coderd's `StripCoderCookies` does; `Authorization` and the
/// `access_token` query parameter when they carry the console's session token (a local app's own
/// credentials in them pass); and the `coder_session_token` query parameter.
fn take_console_credentials(
    req: &mut Request<Body>,
    session_token: &str,
) -> Option<(String, bool)> {
    let presented = crate::auth::token_from_request(req.headers(), req.uri());
    let from_query = presented.as_deref().is_some_and(|t| {
        [SESSION_TOKEN_QUERY, ACCESS_TOKEN_QUERY]
            .iter()
            .any(|name| crate::auth::query_value(req.uri(), name).as_deref() == Some(t))
    }) && crate::auth::cookie_value(req.headers(), SESSION_TOKEN_COOKIE).is_none()
        && !req.headers().contains_key(SESSION_TOKEN_HEADER);

    if let Some(query) = req.uri().query() {
        let kept = strip_credential_query(query, session_token);
        let path_and_query = if kept.is_empty() {
            req.uri().path().to_owned()
        } else {
            format!("{}?{kept}", req.uri().path())
        };
        if let Ok(uri) = path_and_query.parse() {
            *req.uri_mut() = uri;
        }
    }
    let headers = req.headers_mut();
    headers.remove(SESSION_TOKEN_HEADER);
    let bearer_is_ours =
        crate::auth::bearer(headers).is_some_and(|t| crate::auth::token_matches(&t, session_token));
    if bearer_is_ours {
        headers.remove(header::AUTHORIZATION);
    }
    let cookies: Vec<HeaderValue> = headers.get_all(header::COOKIE).iter().cloned().collect();
    headers.remove(header::COOKIE);
    for cookie in cookies {
        let Ok(text) = cookie.to_str() else {
            headers.append(header::COOKIE, cookie);
            continue;
        };
        let kept: Vec<&str> = text
            .split(';')
            .map(str::trim)
            .filter(|pair| !pair.is_empty())
            .filter(|pair| !is_coder_cookie(pair.split('=').next().unwrap_or("").trim()))
            .collect();
        if !kept.is_empty() {
            if let Ok(value) = HeaderValue::from_str(&kept.join("; ")) {
                headers.append(header::COOKIE, value);
            }
        }
    }
    presented.map(|t| (t, from_query))
}

/// coderd's own cookies: the session and the app tokens.
fn is_coder_cookie(name: &str) -> bool {
    name == SESSION_TOKEN_COOKIE
        || name == "coder_signed_app_token"
        || (name.starts_with("coder_") && name.contains("app_session_token"))
}

/// The query without the console's credentials: `coder_session_token` always, `access_token`
/// when it is the console's session token.
fn strip_credential_query(query: &str, session_token: &str) -> String {
    query
        .split('&')
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            if name == SESSION_TOKEN_QUERY || name == CONNECT_KEY_QUERY {
                return false;
            }
            if name == ACCESS_TOKEN_QUERY {
                // The value as coderd reads it, percent-decoded.
                let value = url::form_urlencoded::parse(pair.as_bytes()).next();
                return !value.is_some_and(|(_, v)| crate::auth::token_matches(&v, session_token));
            }
            true
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Whether the request asks to switch protocols (WebSocket or other).
fn is_upgrade(headers: &HeaderMap) -> bool {
    headers.contains_key(header::UPGRADE)
        && connection_tokens(headers).any(|t| t.eq_ignore_ascii_case("upgrade"))
}

fn connection_tokens(headers: &HeaderMap) -> impl Iterator<Item = String> + '_ {
    headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// Removes headers that describe one hop and must not be relayed. For an upgrade the
/// `Connection: upgrade` and `Upgrade` headers are what the next hop needs, so they stay.
fn strip_hop_by_hop(headers: &mut HeaderMap, keep_upgrade: bool) {
    let named: Vec<HeaderName> = connection_tokens(headers)
        .filter(|t| !(keep_upgrade && t.eq_ignore_ascii_case("upgrade")))
        .filter_map(|t| HeaderName::from_bytes(t.as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in crate::proxy::HOP_BY_HOP {
        headers.remove(name);
    }
    if keep_upgrade {
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    } else {
        headers.remove(header::CONNECTION);
        headers.remove(header::UPGRADE);
    }
}

fn upstream_error(port: u16, err: &hyper::Error) -> Response<Body> {
    error(
        StatusCode::BAD_GATEWAY,
        format!("The server on port {port} did not answer properly."),
        Some(err.to_string()),
    )
}

/// The server's one API error shape (`crate::error::ApiError`), as a response.
fn error(status: StatusCode, message: String, detail: Option<String>) -> Response<Body> {
    let err = crate::error::ApiError::new(status, message);
    match detail {
        Some(detail) => err.detail(detail),
        None => err,
    }
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::ws::{Message as AxumMessage, WebSocketUpgrade};
    use axum::routing::{any, get, post};
    use axum::Router;
    use futures_util::{SinkExt, StreamExt};
    use http_body_util::BodyExt;
    use tokio::net::TcpListener;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::Message;

    const TOKEN: &str = "secret-session-token";

    fn config(requires_session: bool) -> ForwardConfig {
        ForwardConfig {
            agent_name: "main".into(),
            workspace_name: "dev".into(),
            owner_name: "alice".into(),
            requires_session,
            session_token: TOKEN.into(),
            console_port: None,
            app_auth: Default::default(),
            sessions: crate::embedded::sessions::Sessions::new("test"),
            console_url: "http://127.0.0.1:7080".into(),
            shares: shares().1,
        }
    }

    /// An empty share store under a public ceiling, with the database it writes to.
    fn shares() -> (
        crate::embedded::database::Database,
        crate::embedded::port_share::PortShares,
    ) {
        let db = crate::embedded::database::Database::open(None).unwrap();
        let shares = crate::embedded::port_share::PortShares::load(
            &db,
            uuid::Uuid::nil(),
            coder_api::WorkspaceAgentPortShareLevel::Public,
        )
        .unwrap();
        (db, shares)
    }

    async fn serve(listener: TcpListener, app: Router) -> SocketAddr {
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        addr
    }

    /// An app to forward to, over plain HTTP.
    async fn upstream(listener: TcpListener) -> u16 {
        serve(listener, upstream_app()).await.port()
    }

    /// The same app over TLS with a self-signed certificate, as local development servers have.
    async fn tls_upstream() -> u16 {
        use hyper_util::service::TowerToHyperService;
        use rustls::pki_types::PrivateKeyDer;
        use std::sync::Arc;

        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let key = PrivateKeyDer::Pkcs8(cert.key_pair.serialize_der().into());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert.cert.der().clone()], key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let app = upstream_app();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, app) = (acceptor.clone(), app.clone());
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), TowerToHyperService::new(app))
                        .with_upgrades()
                        .await;
                });
            }
        });
        port
    }

    /// What the tests forward to: reports what it received, echoes bodies and WebSocket messages.
    fn upstream_app() -> Router {
        Router::new()
            .route(
                "/inspect",
                get(|req: Request<Body>| async move {
                    let h = |name: &str| {
                        req.headers()
                            .get(name)
                            .map(|v| v.to_str().unwrap().to_owned())
                            .unwrap_or_else(|| "-".into())
                    };
                    format!(
                        "uri={} host={} cookie={} token={} fwd-host={} loop={} auth={} end",
                        req.uri(),
                        h("host"),
                        h("cookie"),
                        h("coder-session-token"),
                        h("x-forwarded-host"),
                        h(LOOP_HEADER),
                        h("authorization")
                    )
                }),
            )
            .route("/echo", post(|body: Body| async move { Body::new(body) }))
            .route(
                "/ws",
                any(|ws: WebSocketUpgrade| async move {
                    ws.on_upgrade(|mut socket| async move {
                        while let Some(Ok(msg)) = socket.recv().await {
                            let reply = match msg {
                                AxumMessage::Text(t) => {
                                    AxumMessage::Text(format!("echo:{}", t.as_str()).into())
                                }
                                AxumMessage::Binary(b) => AxumMessage::Binary(b),
                                AxumMessage::Close(_) => break,
                                _ => continue,
                            };
                            if socket.send(reply).await.is_err() {
                                break;
                            }
                        }
                    })
                }),
            )
    }

    /// The console side: forwards when the Host names a port, else 418 so tests can tell.
    async fn console(config: ForwardConfig) -> SocketAddr {
        let app = Router::new().fallback(move |req: Request<Body>| {
            let config = config.clone();
            async move {
                match forward_request(req, &config).await {
                    Ok(answer) => answer,
                    Err(_) => StatusCode::IM_A_TEAPOT.into_response(),
                }
            }
        });
        serve(TcpListener::bind("127.0.0.1:0").await.unwrap(), app).await
    }

    async fn request(
        console: SocketAddr,
        host: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (StatusCode, HeaderMap, String) {
        let stream = TcpStream::connect(console).await.unwrap();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(conn);
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header("host", host);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let response = sender
            .send_request(builder.body(Body::from(body.to_owned())).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            headers,
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    }

    fn host(port: u16) -> String {
        format!("{port}--main--dev--alice.localhost:7080")
    }

    #[test]
    fn parses_forward_hosts() {
        let target = |port, https| ForwardTarget {
            prefix: None,
            port,
            https,
            agent: "main".into(),
            workspace: "dev".into(),
            user: "alice".into(),
        };
        assert_eq!(
            parse_forward_host("8080--main--dev--alice.localhost"),
            Ok(target(8080, false))
        );
        assert_eq!(
            parse_forward_host("8080--main--dev--alice.localhost:7080"),
            Ok(target(8080, false))
        );
        assert_eq!(
            parse_forward_host("443s--Main--DEV--Alice.LOCALHOST."),
            Ok(target(443, true))
        );
        assert_eq!(
            parse_forward_host("3000--my-agent--my-ws--bob.localhost").map(|t| (
                t.port,
                t.agent,
                t.workspace
            )),
            Ok((3000, "my-agent".into(), "my-ws".into()))
        );
        for bad in [
            "localhost:7080",
            "127.0.0.1:7080",
            "8080--main--dev.localhost",
            "8080--main--dev--alice--x.localhost",
            "8080--main--dev--alice.example.com",
            "8080--main--dev--alice.sub.localhost",
            "a.8080--main--dev--alice.localhost",
            "x8080--main--dev--alice.localhost",
            "8080x--main--dev--alice.localhost",
            "s--main--dev--alice.localhost",
            "99999--main--dev--alice.localhost",
            "123456--main--dev--alice.localhost",
            "8080----dev--alice.localhost",
            "8080--main--dev--alice.localhost:abc",
            "[::1]:7080",
            "",
        ] {
            assert!(parse_forward_host(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_forward_host("8--main--dev--alice.localhost"),
            Err(PortForwardError::ReservedPort(8)),
            "ports below 9 are coderd's"
        );
    }

    #[test]
    fn strips_the_consoles_credentials_from_the_query() {
        let strip = |q: &str| strip_credential_query(q, TOKEN);
        assert_eq!(strip("a=1&coder_session_token=x&b=2"), "a=1&b=2");
        assert_eq!(strip("coder_session_token=x"), "");
        assert_eq!(
            strip("coder_session_token_other=x"),
            "coder_session_token_other=x"
        );
        assert_eq!(strip(&format!("access_token={TOKEN}&x=1")), "x=1");
        assert_eq!(
            strip("access_token=the-apps-own&x=1"),
            "access_token=the-apps-own&x=1",
            "a local app's own token passes"
        );
    }

    #[tokio::test]
    async fn http_reaches_the_port_without_the_session() {
        let port = upstream(TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
        let console = console(config(false)).await;
        let (status, _, body) = request(
            console,
            &host(port),
            "GET",
            "/inspect?x=1&y=two",
            &[
                (
                    "cookie",
                    "theme=dark; coder_session_token=abc; lang=en; coder_signed_app_token=s",
                ),
                ("coder-session-token", "abc"),
            ],
            "",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.contains("uri=/inspect?x=1&y=two "), "{body}");
        assert!(body.contains(&format!("host={}", host(port))), "{body}");
        assert!(body.contains("cookie=theme=dark; lang=en "), "{body}");
        assert!(body.contains("token=- "), "{body}");
        assert!(body.contains(&format!("fwd-host={}", host(port))), "{body}");

        // Streaming body both ways.
        let big = "0123456789".repeat(100_000);
        let (status, _, body) = request(console, &host(port), "POST", "/echo", &[], &big).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body.len(), big.len());
        assert!(body == big);

        // A Host that is not a forward host goes to the console's own routes.
        let (status, _, _) = request(console, "localhost:7080", "GET", "/inspect", &[], "").await;
        assert_eq!(status, StatusCode::IM_A_TEAPOT);
    }

    /// Issue 15, item 5: the console's credentials in every form coderd reads are taken off;
    /// the app's own `Authorization` and `access_token` pass.
    #[tokio::test]
    async fn the_consoles_credentials_never_reach_the_app() {
        let port = upstream(TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
        let console = console(config(true)).await;
        let bearer = format!("Bearer {TOKEN}");
        let path = format!("/inspect?access_token={TOKEN}&keep=1");
        let (status, _, body) = request(
            console,
            &host(port),
            "GET",
            &path,
            &[("authorization", &bearer)],
            "",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "the bearer token signs in: {body}");
        assert!(!body.contains(TOKEN), "{body}");
        assert!(body.contains("uri=/inspect?keep=1 "), "{body}");
        assert!(body.contains("auth=- "), "{body}");

        let cookie = format!("{SESSION_TOKEN_COOKIE}={TOKEN}");
        let (status, _, body) = request(
            console,
            &host(port),
            "GET",
            "/inspect?access_token=apps-own",
            &[("cookie", &cookie), ("authorization", "Basic YXBwOnB3")],
            "",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(
            body.contains("uri=/inspect?access_token=apps-own "),
            "{body}"
        );
        assert!(body.contains("auth=Basic YXBwOnB3 "), "{body}");
        assert!(!body.contains(TOKEN), "{body}");
    }

    #[tokio::test]
    async fn https_reaches_a_port_with_a_self_signed_certificate() {
        let port = tls_upstream().await;
        let console = console(config(false)).await;
        let host = format!("{port}s--main--dev--alice.localhost:7080");
        let (status, _, body) = request(console, &host, "GET", "/inspect?x=1", &[], "").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.contains("uri=/inspect?x=1 "), "{body}");
        assert!(body.contains(&format!("host={host}")), "{body}");

        let big = "abcdefghij".repeat(50_000);
        let (status, _, body) = request(console, &host, "POST", "/echo", &[], &big).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body == big);

        // WebSocket through TLS as well.
        let mut req = format!("ws://{console}/ws").into_client_request().unwrap();
        req.headers_mut().insert("host", host.parse().unwrap());
        let stream = TcpStream::connect(console).await.unwrap();
        let (mut ws, _) = tokio_tungstenite::client_async(req, stream).await.unwrap();
        ws.send(Message::text("over tls")).await.unwrap();
        assert_eq!(
            ws.next().await.unwrap().unwrap(),
            Message::text("echo:over tls")
        );
    }

    #[tokio::test]
    async fn https_to_a_plain_http_port_says_so() {
        let port = upstream(TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
        let console = console(config(false)).await;
        let host = format!("{port}s--main--dev--alice.localhost");
        let (status, _, body) = request(console, &host, "GET", "/inspect", &[], "").await;
        assert_eq!(status, StatusCode::BAD_GATEWAY);
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            json["message"],
            format!("Port {port} did not answer over HTTPS.")
        );
        assert!(
            json["detail"]
                .as_str()
                .unwrap()
                .contains("without the \"s\""),
            "{body}"
        );
        // The same port over HTTP works.
        let (status, _, _) = request(
            console,
            &host.replacen('s', "", 1),
            "GET",
            "/inspect",
            &[],
            "",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }

    #[tokio::test]
    async fn websocket_is_relayed_both_ways() {
        let port = upstream(TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
        let console = console(config(false)).await;
        let mut req = format!("ws://{console}/ws").into_client_request().unwrap();
        req.headers_mut()
            .insert("host", host(port).parse().unwrap());
        let stream = TcpStream::connect(console).await.unwrap();
        let (mut ws, response) = tokio_tungstenite::client_async(req, stream).await.unwrap();
        assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
        for i in 0..3 {
            ws.send(Message::text(format!("hello {i}"))).await.unwrap();
            assert_eq!(
                ws.next().await.unwrap().unwrap(),
                Message::text(format!("echo:hello {i}"))
            );
        }
        let payload = vec![7u8; 200_000];
        ws.send(Message::binary(payload.clone())).await.unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap(), Message::binary(payload));
        ws.close(None).await.unwrap();
    }

    #[tokio::test]
    async fn falls_back_to_ipv6() {
        let Ok(listener) = TcpListener::bind("[::1]:0").await else {
            return; // no IPv6 loopback here
        };
        let port = upstream(listener).await;
        let console = console(config(false)).await;
        let (status, _, body) = request(console, &host(port), "GET", "/inspect", &[], "").await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    #[tokio::test]
    async fn refuses_reserved_ports_and_other_names() {
        let mut cfg = config(false);
        cfg.console_port = Some(7080);
        let console = console(cfg).await;
        for port in [5, 22, 5432, 27017] {
            let (status, _, body) = request(console, &host(port), "GET", "/", &[], "").await;
            assert_eq!(status, StatusCode::BAD_REQUEST);
            let json: serde_json::Value = serde_json::from_str(&body).unwrap();
            let message = json["message"].as_str().unwrap().to_ascii_lowercase();
            assert!(message.contains(&format!("port {port} ")), "{body}");
        }
        for other in [
            "8080--other--dev--alice.localhost",
            "8080--main--prod--alice.localhost",
            "8080--main--dev--bob.localhost",
        ] {
            let (status, _, body) = request(console, other, "GET", "/", &[], "").await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{other}");
            assert!(body.contains("\"message\""));
        }
        // Names match case-insensitively.
        let (status, _, _) = request(
            console,
            "7080--MAIN--Dev--ALICE.localhost",
            "GET",
            "/",
            &[],
            "",
        )
        .await;
        assert_eq!(
            status,
            StatusCode::LOOP_DETECTED,
            "the console's own port is refused"
        );
        let (status, _, _) = request(
            console,
            "8443s--main--dev--alice.localhost",
            "GET",
            "/",
            &[],
            "",
        )
        .await;
        assert_eq!(status, StatusCode::BAD_GATEWAY);
    }

    #[tokio::test]
    async fn closed_port_gives_bad_gateway() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let console = console(config(false)).await;
        let (status, _, body) = request(console, &host(port), "GET", "/", &[], "").await;
        assert_eq!(status, StatusCode::BAD_GATEWAY);
        assert!(body.contains(&format!("port {port}")), "{body}");
    }

    /// Issue 15, item 5: a browser without a session for the forward host is sent to sign in
    /// through the console; the one-time key it comes back with becomes the host's app session
    /// (an HttpOnly cookie) and is then worthless. A script's request gets 401.
    #[tokio::test]
    async fn a_browser_signs_in_through_the_console() {
        let port = upstream(TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
        let cfg = config(true);
        let auth = cfg.app_auth.clone();
        let console = console(cfg).await;
        let h = host(port);
        let page = [("accept", "text/html,application/xhtml+xml")];
        let (status, headers, _) = request(console, &h, "GET", "/inspect?x=1", &page, "").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let location = headers[header::LOCATION].to_str().unwrap();
        let back = format!("http://{h}/inspect?x=1");
        let encoded: String = url::form_urlencoded::byte_serialize(back.as_bytes()).collect();
        assert_eq!(
            location,
            format!(
                "http://127.0.0.1:7080/api/v2/applications/auth-redirect?redirect_uri={encoded}"
            )
        );
        // A script (no HTML wanted) is refused outright.
        let (status, _, _) = request(console, &h, "GET", "/inspect", &[], "").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        // The console minted a key for this host: the browser comes back with it.
        let key = auth.mint_key(&format!("{port}--main--dev--alice.localhost"));
        let path = format!("/inspect?x=1&{CONNECT_KEY_QUERY}={key}");
        let (status, headers, _) = request(console, &h, "GET", &path, &page, "").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(
            headers[header::LOCATION],
            "/inspect?x=1",
            "the key leaves the address"
        );
        let set_cookie = headers[header::SET_COOKIE].to_str().unwrap();
        assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"));
        let cookie = set_cookie.split(';').next().unwrap().to_owned();
        let (status, _, body) = request(
            console,
            &h,
            "GET",
            "/inspect?x=1",
            &[("cookie", &cookie)],
            "",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(
            body.contains("uri=/inspect?x=1 ") && body.contains("cookie=- "),
            "{body}"
        );
        // The key was used up.
        let (status, _, _) = request(console, &h, "GET", &path, &page, "").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    #[tokio::test]
    async fn a_public_share_opens_the_port_without_a_session() {
        let port = upstream(TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
        let (db, shares) = shares();
        let console = console(ForwardConfig {
            shares: shares.clone(),
            ..config(true)
        })
        .await;
        let share = |level: &str| coder_api::UpsertWorkspaceAgentPortShareRequest {
            agent_name: "main".into(),
            port: i32::from(port),
            share_level: level.into(),
            protocol: "http".into(),
        };
        let h = host(port);
        let anonymous = || request(console, &h, "GET", "/inspect", &[], "");

        assert_eq!(anonymous().await.0, StatusCode::UNAUTHORIZED, "unshared");
        shares.upsert(&db, "main", share("authenticated")).unwrap();
        assert_eq!(
            anonymous().await.0,
            StatusCode::UNAUTHORIZED,
            "authenticated"
        );
        shares.upsert(&db, "main", share("public")).unwrap();
        let (status, _, body) = anonymous().await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.contains("uri=/inspect "), "{body}");
        // Another port stays closed to strangers.
        let other = upstream(TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
        let (status, _, _) = request(console, &host(other), "GET", "/inspect", &[], "").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        shares
            .delete(
                &db,
                &coder_api::DeleteWorkspaceAgentPortShareRequest {
                    agent_name: "main".into(),
                    port: i32::from(port),
                },
            )
            .unwrap();
        assert_eq!(
            anonymous().await.0,
            StatusCode::UNAUTHORIZED,
            "unshared again"
        );
    }

    #[tokio::test]
    async fn session_required_on_non_loopback() {
        let port = upstream(TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
        let console = console(config(true)).await;
        let h = host(port);

        let (status, _, body) = request(console, &h, "GET", "/inspect", &[], "").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        let (status, _, _) = request(
            console,
            &h,
            "GET",
            "/inspect",
            &[("coder-session-token", "wrong")],
            "",
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        let cookie = format!("{SESSION_TOKEN_COOKIE}={TOKEN}");
        let (status, _, body) =
            request(console, &h, "GET", "/inspect", &[("cookie", &cookie)], "").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            body.contains("cookie=- "),
            "the session cookie is not passed on: {body}"
        );

        let (status, _, _) = request(
            console,
            &h,
            "GET",
            "/inspect",
            &[("coder-session-token", TOKEN)],
            "",
        )
        .await;
        assert_eq!(status, StatusCode::OK);

        // A token in the address becomes an app session for this host (its cookie holds a
        // token of its own, never the console's), and the session then signs in alone.
        let path = format!("/inspect?a=1&{SESSION_TOKEN_QUERY}={TOKEN}");
        let (status, headers, body) = request(console, &h, "GET", &path, &[], "").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("uri=/inspect?a=1 "), "{body}");
        let set_cookie = headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
        let name = super::session_cookie_name(&format!("{port}--main--dev--alice.localhost"));
        assert!(set_cookie.starts_with(&format!("{name}=")), "{set_cookie}");
        assert!(!set_cookie.contains(TOKEN), "{set_cookie}");
        let app_cookie = set_cookie.split(';').next().unwrap().to_owned();
        let (status, _, body) = request(
            console,
            &h,
            "GET",
            "/inspect",
            &[("cookie", &app_cookie)],
            "",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(
            body.contains("cookie=- "),
            "the app cookie is not passed on: {body}"
        );
        // The cookie is good for its own host only.
        let other_port = upstream(TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
        let (status, _, _) = request(
            console,
            &host(other_port),
            "GET",
            "/inspect",
            &[(
                "cookie",
                &app_cookie.replace(
                    &name,
                    &super::session_cookie_name(&format!(
                        "{other_port}--main--dev--alice.localhost"
                    )),
                ),
            )],
            "",
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        // WebSocket upgrades need the session too.
        let mut req = format!("ws://{console}/ws").into_client_request().unwrap();
        req.headers_mut().insert("host", h.parse().unwrap());
        let stream = TcpStream::connect(console).await.unwrap();
        assert!(tokio_tungstenite::client_async(req, stream).await.is_err());
    }
}
