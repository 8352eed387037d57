//! Agent-side authentication: instance identities exchanged for an agent token, and what an agent
//! token fetches for its workspace (git SSH key, external-auth tokens).
use serde::{Deserialize, Serialize};

/// Body of `POST /workspaceagents/aws-instance-identity`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsInstanceIdentityToken {
    /// The instance identity document (JSON text).
    #[serde(default)]
    pub document: String,
    /// Its signature, base64.
    #[serde(default)]
    pub signature: String,
}

/// Body of `POST /workspaceagents/azure-instance-identity`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AzureInstanceIdentityToken {
    /// Encoding of the signature (as Azure's metadata service returns it).
    #[serde(default)]
    pub encoding: String,
    /// The signed attested document, base64 PKCS#7.
    #[serde(default)]
    pub signature: String,
}

/// Body of `POST /workspaceagents/google-instance-identity`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoogleInstanceIdentityToken {
    /// The instance identity JWT from the metadata server.
    #[serde(default)]
    pub json_web_token: String,
}

/// The agent token an instance identity is exchanged for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthenticateResponse {
    /// The agent token.
    pub session_token: String,
}

/// `GET /workspaceagents/me/gitsshkey`: the workspace owner's git SSH key pair.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GitSshKey {
    /// OpenSSH public key line.
    #[serde(default)]
    pub public_key: String,
    /// PEM private key.
    #[serde(default)]
    pub private_key: String,
}

/// `GET /workspaceagents/me/external-auth` (and the removed `gitauth`): either a token, or the
/// `url` where the user must authenticate first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ExternalAuthResponse {
    /// OAuth access token.
    #[serde(default)]
    pub access_token: String,
    /// Password for git over HTTPS.
    #[serde(default)]
    pub password: String,
    /// Extra fields of the provider's token response (`null` when there is no token: coderd
    /// always writes the field).
    #[serde(default)]
    pub token_extra: Option<serde_json::Map<String, serde_json::Value>>,
    /// Provider type, e.g. `github`.
    #[serde(default, rename = "type")]
    pub kind: String,
    /// Where the user must go to authenticate, when there is no token yet.
    #[serde(default)]
    pub url: String,
    /// Username for git over HTTPS.
    #[serde(default)]
    pub username: String,
    /// When the token expires (`None`: never, or no token; written as Go's zero time).
    #[serde(
        default,
        deserialize_with = "crate::de::go_time_opt",
        serialize_with = "crate::de::write_go_time_opt"
    )]
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl ExternalAuthResponse {}
