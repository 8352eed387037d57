//! Agent-token routes: instance identity exchange, git SSH key and external auth.
use serde::{Deserialize, Serialize};

/// `POST /workspaceagents/aws-instance-identity`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AwsInstanceIdentityToken {
    #[serde(default)]
    pub document: String,
    #[serde(default)]
    pub signature: String,
}

/// `POST /workspaceagents/azure-instance-identity`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AzureInstanceIdentityToken {
    #[serde(default)]
    pub encoding: String,
    #[serde(default)]
    pub signature: String,
}

/// `POST /workspaceagents/google-instance-identity`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GoogleInstanceIdentityToken {
    #[serde(default)]
    pub json_web_token: String,
}

/// The agent token an instance identity is exchanged for.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AuthenticateResponse {
    pub session_token: String,
}

/// `GET /workspaceagents/me/gitsshkey`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GitSshKey {
    pub public_key: String,
    pub private_key: String,
}

/// `GET /workspaceagents/me/external-auth` (and the removed `gitauth`): either a token, or the
/// `url` where the user must authenticate first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ExternalAuthResponse {
    #[serde(default)]
    pub access_token: String,
    #[serde(default)]
    pub password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_extra: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub username: String,
}
