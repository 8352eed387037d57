//! The signed-in user and the deployment around the agents: build info, regions (proxies) and
//! the wildcard app host.
use crate::open_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

open_enum! {
    /// Account status of a user.
    UserStatus {
        Active => "active",
        Dormant => "dormant",
        Suspended => "suspended",
    }
}

/// `GET /users/me` (the fields the console uses).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// User id.
    pub id: Uuid,
    /// Username (lowercase letters, digits, hyphens).
    #[serde(default)]
    pub username: String,
    /// Email address.
    #[serde(default)]
    pub email: String,
    /// Full name (may be empty).
    #[serde(default)]
    pub name: String,
    /// Avatar URL (may be empty).
    #[serde(default)]
    pub avatar_url: String,
    /// When the account was created.
    #[serde(
        deserialize_with = "crate::de::rfc3339_utc_opt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<DateTime<Utc>>,
    /// Account status.
    #[serde(default)]
    pub status: UserStatus,
}

impl User {
    /// The full name, else the username.
    pub fn display_name(&self) -> &str {
        if self.name.trim().is_empty() {
            &self.username
        } else {
            &self.name
        }
    }
}

/// `GET /buildinfo` (no auth).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BuildInfo {
    /// coderd's version, semver with build metadata (`v2.x.y+sha`, `-devel+sha`).
    #[serde(default)]
    pub version: String,
    /// Current agent API version, `major.minor`.
    #[serde(default)]
    pub agent_api_version: String,
    /// Link to this version's release or commit.
    #[serde(default)]
    pub external_url: String,
    /// The dashboard's URL.
    #[serde(default)]
    pub dashboard_url: String,
    /// Answered by a workspace proxy rather than coderd.
    #[serde(default)]
    pub workspace_proxy: bool,
    /// Deployment id.
    #[serde(default)]
    pub deployment_id: String,
}

/// One region of `GET /regions` (the primary, or a workspace proxy).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Region {
    /// Region id.
    pub id: Uuid,
    /// Name, e.g. `primary`.
    #[serde(default)]
    pub name: String,
    /// Human name.
    #[serde(default)]
    pub display_name: String,
    /// Icon path or URL.
    #[serde(default)]
    pub icon_url: String,
    /// Whether it is reachable.
    #[serde(default)]
    pub healthy: bool,
    /// Base URL for path-based apps.
    #[serde(default)]
    pub path_app_url: String,
    /// e.g. `*.apps.example.com`; empty when the deployment has no wildcard host.
    #[serde(default)]
    pub wildcard_hostname: String,
}

/// `GET /regions`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RegionsResponse {
    /// Every region.
    #[serde(default, deserialize_with = "crate::de::null_as_default")]
    pub regions: Vec<Region>,
}

/// `GET /applications/host`: the wildcard app host (empty when there is none).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppHostResponse {
    /// e.g. `*.apps.example.com`.
    #[serde(default)]
    pub host: String,
}

/// The console's JSON answer to `GET /applications/auth-redirect` asked with
/// `Accept: application/json` (coderd only redirects): where to send the browser, the app's
/// address with its one-time key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthRedirectResponse {
    /// The app's address with `coder_application_connect_api_key`.
    #[serde(default)]
    pub redirect_uri: String,
}

impl AppHostResponse {}
