//! The instance-identity routes: a cloud instance proves who it is and gets the agent token.
//!
//! coderd verifies each cloud's signature (AWS and Azure certificates, Google's keys) before it
//! trusts the instance id. The embedded backend cannot (that needs the clouds' key servers), so it
//! refuses every document unless `[instance_identity] accept_unverified = true` says to emulate the
//! exchange: it then reads the instance id out of the document (AWS `instanceId`, Azure `vmId`,
//! Google `google.compute_engine.instance_id`) and answers with the agent token when that id is
//! listed under `[instance_identity]`; otherwise 401. Bodies must be `application/json`, so a
//! page of another site cannot send one as a form or `text/plain` "simple request".

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use base64::Engine as _;
use coder_api::AuthenticateResponse;
use serde_json::Value;

use super::Embedded;
use crate::error::{ApiError, ApiResult};

/// The three clouds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloud {
    /// `POST /workspaceagents/aws-instance-identity` `{document, signature}`.
    Aws,
    /// `POST /workspaceagents/azure-instance-identity` `{encoding, signature}`.
    Azure,
    /// `POST /workspaceagents/google-instance-identity` `{json_web_token}`.
    Google,
}

impl Cloud {
    fn name(self) -> &'static str {
        match self {
            Cloud::Aws => "AWS",
            Cloud::Azure => "Azure",
            Cloud::Google => "Google Cloud",
        }
    }
}

/// Handler for one cloud.
pub async fn exchange(
    cloud: Cloud,
    State(e): State<Embedded>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Json<AuthenticateResponse>> {
    let value: Value = crate::error::json_body(&headers, &body)?;
    let ids = &e.file().instance_identity;
    if !ids.accept_unverified {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            format!(
                "{} instance identities are not accepted here.",
                cloud.name()
            ),
        )
        .detail(
            "This server cannot verify the cloud's signature. To emulate the exchange anyway, set \
             accept_unverified = true under [instance_identity] in the agent-console config file.",
        ));
    }
    let instance_id = instance_id(cloud, &value)?;
    let allowed = match cloud {
        Cloud::Aws => &ids.aws,
        Cloud::Azure => &ids.azure,
        Cloud::Google => &ids.google,
    };
    if allowed.iter().any(|a| a == &instance_id) {
        return Ok(Json(AuthenticateResponse {
            session_token: e.tokens().agent.clone(),
        }));
    }
    Err(ApiError::new(
        StatusCode::UNAUTHORIZED,
        format!(
            "{} instance {instance_id:?} is not a known agent instance.",
            cloud.name()
        ),
    )
    .detail("List its id under [instance_identity] in the agent-console config file to accept it."))
}

fn required<'a>(value: &'a Value, field: &str) -> ApiResult<&'a str> {
    value
        .get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            ApiError::new(StatusCode::BAD_REQUEST, "Validation failed.").validation(
                field,
                "Validation failed for tag \"required\" with value: \"\"",
            )
        })
}

fn bad_identity(cloud: Cloud, detail: impl Into<String>) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        format!("Invalid {} identity.", cloud.name()),
    )
    .detail(detail)
}

/// Extracts the instance id a document claims.
pub fn instance_id(cloud: Cloud, value: &Value) -> ApiResult<String> {
    match cloud {
        Cloud::Aws => {
            let document = required(value, "document")?;
            required(value, "signature")?;
            let doc: Value =
                serde_json::from_str(document).map_err(|e| bad_identity(cloud, e.to_string()))?;
            doc.get("instanceId")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| bad_identity(cloud, "The document has no instanceId."))
        }
        Cloud::Azure => {
            required(value, "encoding")?;
            let signature = required(value, "signature")?;
            // The PKCS#7 envelope carries its JSON content in clear; look for `"vmId":"..."` in it.
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(signature.trim())
                .map_err(|e| bad_identity(cloud, format!("signature is not base64: {e}")))?;
            let text = String::from_utf8_lossy(&bytes);
            let re = regex::Regex::new(r#""vmId"\s*:\s*"([^"]+)""#).expect("static regex");
            re.captures(&text)
                .map(|c| c[1].to_owned())
                .ok_or_else(|| bad_identity(cloud, "The signed document has no vmId."))
        }
        Cloud::Google => {
            let jwt = required(value, "json_web_token")?;
            let payload = jwt
                .split('.')
                .nth(1)
                .ok_or_else(|| bad_identity(cloud, "Not a JWT."))?;
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload.trim_end_matches('='))
                .map_err(|e| bad_identity(cloud, format!("JWT payload is not base64url: {e}")))?;
            let claims: Value =
                serde_json::from_slice(&bytes).map_err(|e| bad_identity(cloud, e.to_string()))?;
            let id = &claims["google"]["compute_engine"]["instance_id"];
            id.as_str()
                .map(str::to_owned)
                .or_else(|| id.as_u64().map(|n| n.to_string()))
                .ok_or_else(|| {
                    bad_identity(
                        cloud,
                        "The JWT has no google.compute_engine.instance_id claim.",
                    )
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn extracts_ids() {
        let aws = json!({"document": "{\"instanceId\":\"i-1\"}", "signature": "x"});
        assert_eq!(instance_id(Cloud::Aws, &aws).unwrap(), "i-1");
        let sig = base64::engine::general_purpose::STANDARD
            .encode(b"\x30\x82junk{\"vmId\": \"vm-9\"}junk");
        let azure = json!({"encoding": "pkcs7", "signature": sig});
        assert_eq!(instance_id(Cloud::Azure, &azure).unwrap(), "vm-9");
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"google":{"compute_engine":{"instance_id":"123"}}}"#);
        let google = json!({"json_web_token": format!("h.{claims}.s")});
        assert_eq!(instance_id(Cloud::Google, &google).unwrap(), "123");
        assert_eq!(
            instance_id(Cloud::Aws, &json!({})).unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
    }
}
