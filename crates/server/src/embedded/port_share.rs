//! Port sharing of the embedded workspace: `GET/POST/DELETE /workspaces/{id}/port-share` with
//! coderd's checks and answers, the shares kept in the agent's database (they survive a restart)
//! and in memory for the port forwarder, which lets anyone reach a port shared `public` without
//! signing in ([`PortShares::is_public`]). Every other level needs the signed-in user, as an
//! unshared port does: this machine has one user, who is the owner, every authenticated user and
//! the whole organization at once.
//!
//! The ceiling is the template's `max_port_share_level`, configured by `[port_sharing]
//! max_level` or `--max-port-share-level`. A share stored under a wider ceiling than the one the
//! server now runs with is listed as stored but no longer opens the port to the public.

use std::sync::{Arc, RwLock};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use coder_api::{
    DeleteWorkspaceAgentPortShareRequest, Response, UpsertWorkspaceAgentPortShareRequest,
    WorkspaceAgentPortShare, WorkspaceAgentPortShareLevel, WorkspaceAgentPortShares,
};
use uuid::Uuid;

use super::database::{Database, StoredShare};
use super::Embedded;
use crate::error::{json_body, ApiError, ApiResult};

/// The workspace's shares and their ceiling (cheap to clone).
#[derive(Clone, Debug)]
pub struct PortShares {
    shares: Arc<RwLock<Vec<StoredShare>>>,
    workspace_id: Uuid,
    max_level: WorkspaceAgentPortShareLevel,
}

impl PortShares {
    /// The shares stored in `db` for workspace `workspace_id`, under the ceiling `max_level`.
    pub fn load(
        db: &Database,
        workspace_id: Uuid,
        max_level: WorkspaceAgentPortShareLevel,
    ) -> anyhow::Result<Self> {
        Ok(PortShares {
            shares: Arc::new(RwLock::new(db.port_shares()?)),
            workspace_id,
            max_level,
        })
    }

    /// The template's `max_port_share_level`.
    pub fn max_level(&self) -> &WorkspaceAgentPortShareLevel {
        &self.max_level
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<StoredShare>> {
        self.shares.read().unwrap_or_else(|p| p.into_inner())
    }

    fn wire(&self, s: &StoredShare) -> WorkspaceAgentPortShare {
        WorkspaceAgentPortShare {
            workspace_id: self.workspace_id,
            agent_name: s.agent_name.clone(),
            port: s.port,
            share_level: s.share_level.clone(),
            protocol: s.protocol.clone(),
        }
    }

    /// Every share, by port (as coderd sorts them).
    pub fn list(&self) -> WorkspaceAgentPortShares {
        let mut shares: Vec<_> = self.read().iter().map(|s| self.wire(s)).collect();
        shares.sort_by_key(|s| s.port);
        WorkspaceAgentPortShares { shares }
    }

    /// Whether `port` of agent `agent` (a host label's name: any case) is open to anyone: shared
    /// `public` under a ceiling that still allows it.
    pub fn is_public(&self, agent: &str, port: u16) -> bool {
        self.max_level == WorkspaceAgentPortShareLevel::Public
            && self.read().iter().any(|s| {
                s.port == i32::from(port)
                    && s.agent_name.eq_ignore_ascii_case(agent)
                    && s.share_level == WorkspaceAgentPortShareLevel::Public
            })
    }

    /// coderd's upsert: its checks in its order, then the share is stored (on disk first).
    pub fn upsert(
        &self,
        db: &Database,
        agent_name: &str,
        req: UpsertWorkspaceAgentPortShareRequest,
    ) -> ApiResult<WorkspaceAgentPortShare> {
        req.validate(&self.max_level)
            .map_err(ApiError::bad_request)?;
        if req.agent_name != agent_name {
            return Err(ApiError::bad_request(Response::share_agent_not_found()));
        }
        let share = StoredShare {
            agent_name: req.agent_name,
            port: req.port,
            share_level: req.share_level,
            protocol: req.protocol,
        };
        db.upsert_port_share(&share)
            .map_err(|err| ApiError::internal("Failed to store the port share.", err))?;
        let mut shares = self.shares.write().unwrap_or_else(|p| p.into_inner());
        shares.retain(|s| !(s.agent_name == share.agent_name && s.port == share.port));
        shares.push(share.clone());
        Ok(self.wire(&share))
    }

    /// coderd's delete: 404 when the port is not shared.
    pub fn delete(
        &self,
        db: &Database,
        req: &DeleteWorkspaceAgentPortShareRequest,
    ) -> ApiResult<()> {
        let removed = db
            .delete_port_share(&req.agent_name, req.port)
            .map_err(|err| ApiError::internal("Failed to delete the port share.", err))?;
        if !removed {
            return Err(ApiError::with_body(
                StatusCode::NOT_FOUND,
                Response::share_not_found(),
            ));
        }
        self.shares
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|s| !(s.agent_name == req.agent_name && s.port == req.port));
        Ok(())
    }
}

/// The `{workspace}` path parameter: 400 when not a UUID, 404 when not this workspace.
fn check_workspace(e: &Embedded, raw: &str) -> ApiResult<()> {
    if super::uuid_param(raw)? == e.agent().identity.workspace_id {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}

/// `GET /workspaces/{workspace}/port-share`.
pub async fn list(
    State(e): State<Embedded>,
    Path(workspace): Path<String>,
) -> ApiResult<Json<WorkspaceAgentPortShares>> {
    check_workspace(&e, &workspace)?;
    Ok(Json(e.port_shares().list()))
}

/// `POST /workspaces/{workspace}/port-share`: the share as stored. The body must be sent as
/// JSON, so a cross-site form cannot share a port with the user's cookie.
pub async fn upsert(
    State(e): State<Embedded>,
    Path(workspace): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<WorkspaceAgentPortShare>> {
    check_workspace(&e, &workspace)?;
    let req: UpsertWorkspaceAgentPortShareRequest = json_body(&headers, &body)?;
    let agent_name = e.agent().host.agent_name.clone();
    let share = e.port_shares().upsert(e.database(), &agent_name, req)?;
    Ok(Json(share))
}

/// `DELETE /workspaces/{workspace}/port-share`: 200 with no body, as coderd.
pub async fn delete(
    State(e): State<Embedded>,
    Path(workspace): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<StatusCode> {
    check_workspace(&e, &workspace)?;
    let req: DeleteWorkspaceAgentPortShareRequest = json_body(&headers, &body)?;
    e.port_shares().delete(e.database(), &req)?;
    Ok(StatusCode::OK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use coder_api::WorkspaceAgentPortShareLevel as L;

    fn store(max: L) -> (Database, PortShares) {
        let db = Database::open(None).unwrap();
        let shares = PortShares::load(&db, Uuid::nil(), max).unwrap();
        (db, shares)
    }

    fn share(level: &str, port: i32) -> UpsertWorkspaceAgentPortShareRequest {
        UpsertWorkspaceAgentPortShareRequest {
            agent_name: "main".into(),
            port,
            share_level: level.into(),
            protocol: "http".into(),
        }
    }

    #[test]
    fn public_shares_open_the_port_and_only_that_port() {
        let (db, shares) = store(L::Public);
        assert!(!shares.is_public("main", 8080), "unshared: owner only");
        shares
            .upsert(&db, "main", share("authenticated", 8080))
            .unwrap();
        assert!(
            !shares.is_public("main", 8080),
            "authenticated still needs sign-in"
        );
        let stored = shares.upsert(&db, "main", share("public", 8080)).unwrap();
        assert_eq!((stored.port, stored.share_level), (8080, L::Public));
        assert!(shares.is_public("MAIN", 8080), "host labels are lowercase");
        assert!(!shares.is_public("main", 8081));
        assert!(!shares.is_public("other", 8080));
        assert_eq!(shares.list().shares.len(), 1, "an upsert replaces");
        shares
            .delete(
                &db,
                &DeleteWorkspaceAgentPortShareRequest {
                    agent_name: "main".into(),
                    port: 8080,
                },
            )
            .unwrap();
        assert!(!shares.is_public("main", 8080), "unshared again");
    }

    #[test]
    fn coderds_refusals() {
        let (db, shares) = store(L::Authenticated);
        let err = shares
            .upsert(&db, "main", share("public", 8080))
            .unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            err.body.message,
            "\"public\" sharing level is not allowed under max level \"authenticated\""
        );
        let err = shares.upsert(&db, "main", share("public", 8)).unwrap_err();
        assert_eq!(err.body.message, "Port must be between 9 and 65535.");
        let mut other = share("authenticated", 8080);
        other.agent_name = "Main".into();
        let err = shares.upsert(&db, "main", other).unwrap_err();
        assert_eq!(err.body.message, "Agent not found.", "names match exactly");
        let err = shares
            .delete(
                &db,
                &DeleteWorkspaceAgentPortShareRequest {
                    agent_name: "main".into(),
                    port: 3000,
                },
            )
            .unwrap_err();
        assert_eq!(
            (err.status, err.body.message.as_str()),
            (StatusCode::NOT_FOUND, "Port share not found.")
        );
        assert!(
            shares.list().shares.is_empty(),
            "nothing refused was stored"
        );
    }

    #[test]
    fn a_lower_ceiling_closes_public_shares_stored_under_a_wider_one() {
        let db = Database::open(None).unwrap();
        let wide = PortShares::load(&db, Uuid::nil(), L::Public).unwrap();
        wide.upsert(&db, "main", share("public", 8080)).unwrap();
        let narrow = PortShares::load(&db, Uuid::nil(), L::Authenticated).unwrap();
        assert_eq!(narrow.list().shares.len(), 1, "still listed");
        assert!(!narrow.is_public("main", 8080));
        assert!(
            PortShares::load(&db, Uuid::nil(), L::Public)
                .unwrap()
                .is_public("main", 8080),
            "the positive control: the same row under a public ceiling"
        );
    }
}
