//! Agent-token routes besides logs: the git SSH key and external auth (`/me/gitsshkey`,
//! `/me/external-auth`, the removed `/me/gitauth`).

use std::collections::HashMap;

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use coder_api::{ExternalAuthResponse, GitSshKey};
use tokio::sync::watch;

use super::Embedded;
use crate::config::ExternalAuthProvider;
use crate::error::{ApiError, ApiResult};

/// Generates a fresh ed25519 key pair for the agent's git operations.
pub fn generate_git_ssh_key(comment: &str) -> anyhow::Result<GitSshKey> {
    let mut key = ssh_key::PrivateKey::random(&mut rand_core::OsRng, ssh_key::Algorithm::Ed25519)?;
    key.set_comment(comment);
    let private_key = key.to_openssh(ssh_key::LineEnding::LF)?.to_string();
    // coderd stores the authorized_keys form, which ends with a newline.
    let public_key = format!("{}\n", key.public_key().to_openssh()?);
    Ok(GitSshKey {
        public_key,
        private_key,
    })
}

/// `GET /workspaceagents/me/gitsshkey`.
pub async fn gitsshkey(State(key): State<GitSshKey>) -> Json<GitSshKey> {
    Json(key)
}

/// Tokens users have completed external auth with, by provider id (from the config, or set later
/// through [`Embedded::set_external_auth_token`]).
pub type ExternalTokens = watch::Sender<HashMap<String, String>>;

/// `GET /workspaceagents/me/external-auth` and `/me/gitauth`: `match` (a URL or host matched against
/// each provider's regex) or `id`; without a token, where to authenticate; with `listen`, wait until
/// a token exists (or the request goes away).
pub async fn external_auth(
    State(e): State<Embedded>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<ExternalAuthResponse>> {
    let mut matched = None;
    let mut id = None;
    let mut listen = false;
    for (k, v) in url::form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
        match &*k {
            "match" if !v.is_empty() => matched = Some(v.into_owned()),
            "id" if !v.is_empty() => id = Some(v.into_owned()),
            "listen" => listen = true,
            _ => {}
        }
    }
    let providers = &e.file().external_auth;
    let provider = match (&id, &matched) {
        (Some(id), _) => providers.iter().find(|p| &p.id == id).ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                format!("No external auth provider with the id {id:?}."),
            )
            .detail("Add it under [[external_auth]] in the agent-console config file.")
        })?,
        (None, Some(url)) => providers
            .iter()
            .find(|p| {
                regex::Regex::new(&p.r#match)
                    .map(|r| r.is_match(url))
                    .unwrap_or(false)
            })
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    format!(
                        "No matching external auth provider found in Coder for the URL {url:?}."
                    ),
                )
                .detail("You'll need to restart your workspace after adding the provider.")
            })?,
        (None, None) => {
            return Err(ApiError::invalid_query(
                ["match", "id"]
                    .map(|field| coder_api::ValidationError {
                        field: field.into(),
                        detail: "Either \"match\" or \"id\" must be provided.".into(),
                    })
                    .to_vec(),
            ))
        }
    };
    let mut rx = e.external_tokens().subscribe();
    let token = rx.borrow_and_update().get(&provider.id).cloned();
    if let Some(token) = token {
        return Ok(Json(token_response(provider, &token)));
    }
    if !listen {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("localhost");
        let url = provider.url.clone().unwrap_or_else(|| {
            format!(
                "http://{host}{}/external-auth/{}",
                e.base_path(),
                provider.id
            )
        });
        return Ok(Json(ExternalAuthResponse {
            url,
            kind: provider.r#type.clone(),
            ..ExternalAuthResponse::default()
        }));
    }
    // Wait for a token; the handler future is dropped when the client goes away.
    let shutdown = e.shutdown_token();
    loop {
        tokio::select! {
            changed = rx.changed() => {
                if changed.is_err() {
                    return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "Server is shutting down."));
                }
                if let Some(token) = rx.borrow_and_update().get(&provider.id).cloned() {
                    return Ok(Json(token_response(provider, &token)));
                }
            }
            _ = shutdown.cancelled() => {
                return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "Server is shutting down."));
            }
        }
    }
}

/// `agentsdk.ExternalAuthResponse` with the token, user name and password shaped for git the way
/// coderd shapes them per provider type.
fn token_response(p: &ExternalAuthProvider, token: &str) -> ExternalAuthResponse {
    let (user, pass) = match p.r#type.as_str() {
        "gitlab" => ("oauth2".to_owned(), token.to_owned()),
        "bitbucket-cloud" | "bitbucket-server" | "bitbucket" => {
            ("x-token-auth".to_owned(), token.to_owned())
        }
        _ => (token.to_owned(), String::new()),
    };
    ExternalAuthResponse {
        access_token: token.to_owned(),
        password: p.password.clone().unwrap_or(pass),
        token_extra: Some(serde_json::Map::new()),
        kind: p.r#type.clone(),
        url: String::new(),
        username: p.username.clone().unwrap_or(user),
        expires_at: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_pair_is_openssh() {
        let k = generate_git_ssh_key("test").unwrap();
        assert!(k.public_key.starts_with("ssh-ed25519 AAAA"));
        assert!(k
            .private_key
            .starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"));
    }
}
