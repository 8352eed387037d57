//! Port sharing: who may open a forwarded port besides its owner (`GET/POST/DELETE
//! /workspaces/{id}/port-share`), the template's ceiling (`Template.max_port_share_level`) and
//! coderd's checks on a share, in its order and with its wording.
use crate::de::null_as_default;
use crate::{open_enum, Response};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

open_enum! {
    /// Who may open a shared port, from the narrowest to the widest.
    WorkspaceAgentPortShareLevel {
        Owner => "owner",
        Authenticated => "authenticated",
        Organization => "organization",
        Public => "public",
    }
}

open_enum! {
    /// What the shared port speaks: its forwarded host is `{port}--…` for HTTP, `{port}s--…`
    /// for HTTPS.
    WorkspaceAgentPortShareProtocol {
        Http => "http",
        Https => "https",
    }
}

/// A value read from an absent field: coderd's Go decoder leaves it empty, which its checks
/// then refuse (a missing level is "not allowed", not "owner").
fn empty<T: From<&'static str>>() -> T {
    T::from("")
}

/// One shared port of a workspace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceAgentPortShare {
    /// The workspace.
    #[serde(default)]
    pub workspace_id: Uuid,
    /// The agent whose port it is.
    #[serde(default)]
    pub agent_name: String,
    /// The port (coderd's `int32`).
    #[serde(default)]
    pub port: i32,
    /// Who may open it.
    #[serde(default = "empty")]
    pub share_level: WorkspaceAgentPortShareLevel,
    /// HTTP or HTTPS.
    #[serde(default = "empty")]
    pub protocol: WorkspaceAgentPortShareProtocol,
}

/// `GET /workspaces/{id}/port-share`: the shares of every agent, by port.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceAgentPortShares {
    /// The shares (coderd writes `[]` when there are none).
    #[serde(default, deserialize_with = "null_as_default")]
    pub shares: Vec<WorkspaceAgentPortShare>,
}

/// `POST /workspaces/{id}/port-share`: creates or changes the share of one port.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpsertWorkspaceAgentPortShareRequest {
    /// The agent whose port it is.
    #[serde(default)]
    pub agent_name: String,
    /// The port.
    #[serde(default)]
    pub port: i32,
    /// Who may open it (never `owner`: deleting the share does that).
    #[serde(default = "empty")]
    pub share_level: WorkspaceAgentPortShareLevel,
    /// HTTP or HTTPS.
    #[serde(default = "empty")]
    pub protocol: WorkspaceAgentPortShareProtocol,
}

/// `DELETE /workspaces/{id}/port-share` (a body on a DELETE, as coderd reads it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteWorkspaceAgentPortShareRequest {
    /// The agent whose port it is.
    #[serde(default)]
    pub agent_name: String,
    /// The port.
    #[serde(default)]
    pub port: i32,
}

/// What the console reads of a template (`GET /templates/{id}`): coderd writes many more
/// fields; the ports view needs the ceiling of port sharing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    /// Template id.
    #[serde(default)]
    pub id: Uuid,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Display name (may be empty).
    #[serde(default)]
    pub display_name: String,
    /// The widest level a port of its workspaces may be shared at (coderd without the enterprise
    /// feature always says `public`).
    #[serde(default = "public")]
    pub max_port_share_level: WorkspaceAgentPortShareLevel,
}

fn public() -> WorkspaceAgentPortShareLevel {
    WorkspaceAgentPortShareLevel::Public
}

impl WorkspaceAgentPortShareLevel {
    /// The levels a share may be given, narrowest first (as the dashboard lists them).
    pub const SHAREABLE: [Self; 3] = [Self::Organization, Self::Authenticated, Self::Public];

    /// A level a share may have (coderd's `ValidPortShareLevel`): not `owner`, which is what an
    /// unshared port already is.
    pub fn is_shareable(&self) -> bool {
        Self::SHAREABLE.contains(self)
    }

    /// A level a template's ceiling may be (coderd's `ValidMaxLevel`).
    pub fn is_valid_max(&self) -> bool {
        self.is_known()
    }

    /// coderd's `IsCompatibleWithMaxLevel`: whether a share at this level is allowed under the
    /// ceiling `max` (public ⊃ authenticated ⊃ organization ⊃ owner), with coderd's message when
    /// it is not.
    pub fn check_under(&self, max: &Self) -> Result<(), String> {
        let refused = || {
            Err(format!(
                "{:?} sharing level is not allowed under max level {:?}",
                self.as_str(),
                max.as_str()
            ))
        };
        // coderd's cascade, widest first: each ceiling allows everything the checks before it
        // let through.
        if *self == Self::Owner || *max == Self::Public {
            return Ok(());
        }
        if *self == Self::Public {
            return refused();
        }
        if *max == Self::Authenticated {
            return Ok(());
        }
        if *self == Self::Authenticated {
            return refused();
        }
        if *max == Self::Organization {
            return Ok(());
        }
        if *self == Self::Organization {
            return refused();
        }
        Err(crate::error::SHARE_LEVEL_INVALID.into())
    }

    /// Why a level is not offered under the ceiling `max`, in the dashboard's words; `None`
    /// when it is allowed.
    pub fn refusal_under(&self, max: &Self) -> Option<&'static str> {
        if self.check_under(max).is_ok() {
            return None;
        }
        Some(match self {
            Self::Public => "This workspace template does not allow sharing ports publicly.",
            Self::Authenticated => {
                "This workspace template does not allow sharing ports outside of its organization."
            }
            _ => "This workspace template does not allow sharing ports. Contact a template administrator to enable port sharing.",
        })
    }
}

impl WorkspaceAgentPortShareProtocol {
    /// `http` or `https` (coderd's `ValidPortProtocol`).
    pub fn is_valid(&self) -> bool {
        self.is_known()
    }
}

impl UpsertWorkspaceAgentPortShareRequest {
    /// coderd's checks before it looks at the workspace's agents, in its order and with its
    /// bodies: the level, the port (9..=65535), the protocol, then the template's ceiling `max`.
    pub fn validate(&self, max: &WorkspaceAgentPortShareLevel) -> Result<(), Response> {
        if !self.share_level.is_shareable() {
            return Err(Response::share_level_not_allowed());
        }
        if !(i32::from(crate::MIN_APP_PORT)..=65535).contains(&self.port) {
            return Err(Response::share_port_out_of_range());
        }
        if !self.protocol.is_valid() {
            return Err(Response::share_protocol_not_allowed());
        }
        self.share_level.check_under(max).map_err(Response::message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use WorkspaceAgentPortShareLevel as L;

    fn request(level: &str, port: i32, protocol: &str) -> UpsertWorkspaceAgentPortShareRequest {
        UpsertWorkspaceAgentPortShareRequest {
            agent_name: "main".into(),
            port,
            share_level: level.into(),
            protocol: protocol.into(),
        }
    }

    #[test]
    fn shares_round_trip_and_keep_unknown_values() {
        let json = r#"{"workspace_id":"7f9b5f4e-8d1a-4a38-9a53-0b1c2d3e4f50","agent_name":"main","port":8080,"share_level":"team","protocol":"quic"}"#;
        let share: WorkspaceAgentPortShare = serde_json::from_str(json).unwrap();
        assert_eq!(share.share_level, L::Unknown("team".into()));
        assert_eq!(
            share.protocol,
            WorkspaceAgentPortShareProtocol::Unknown("quic".into())
        );
        assert_eq!(serde_json::to_string(&share).unwrap(), json);
        let list: WorkspaceAgentPortShares = serde_json::from_str(r#"{"shares":null}"#).unwrap();
        assert!(list.shares.is_empty());
        let list: WorkspaceAgentPortShares =
            serde_json::from_str(&format!(r#"{{"shares":[{json}]}}"#)).unwrap();
        assert_eq!(list.shares, [share]);
    }

    #[test]
    fn request_bodies_have_coderds_fields() {
        let body = serde_json::to_value(request("public", 3000, "https")).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"agent_name":"main","port":3000,"share_level":"public","protocol":"https"})
        );
        let delete = DeleteWorkspaceAgentPortShareRequest {
            agent_name: "main".into(),
            port: 3000,
        };
        assert_eq!(
            serde_json::to_string(&delete).unwrap(),
            r#"{"agent_name":"main","port":3000}"#
        );
        // Absent fields read as Go's empty values, which the checks refuse.
        let empty: UpsertWorkspaceAgentPortShareRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(empty.share_level, L::Unknown(String::new()));
        assert_eq!(
            empty.validate(&L::Public).unwrap_err().message,
            crate::SHARE_LEVEL_NOT_ALLOWED
        );
    }

    #[test]
    fn templates_default_to_public() {
        let t: Template =
            serde_json::from_str(r#"{"id":"7f9b5f4e-8d1a-4a38-9a53-0b1c2d3e4f50"}"#).unwrap();
        assert_eq!(t.max_port_share_level, L::Public);
        let t: Template = serde_json::from_str(r#"{"max_port_share_level":"galaxy"}"#).unwrap();
        assert_eq!(t.max_port_share_level, L::Unknown("galaxy".into()));
    }

    #[test]
    fn coderds_checks_in_its_order() {
        let refused = |r: UpsertWorkspaceAgentPortShareRequest, max: L| {
            serde_json::to_string(&r.validate(&max).unwrap_err()).unwrap()
        };
        assert_eq!(
            refused(request("owner", 8, "x"), L::Public),
            r#"{"message":"Port sharing level not allowed.","validations":[{"field":"share_level","detail":"Port sharing level not allowed."}]}"#
        );
        assert_eq!(
            refused(request("public", 8, "x"), L::Public),
            r#"{"message":"Port must be between 9 and 65535.","validations":[{"field":"port","detail":"Port must be between 9 and 65535."}]}"#
        );
        assert!(refused(request("public", 65536, "http"), L::Public).contains("between 9"));
        assert_eq!(
            refused(request("public", 9, "ftp"), L::Owner),
            r#"{"message":"Port protocol not allowed."}"#
        );
        assert_eq!(
            refused(request("public", 9, "http"), L::Authenticated),
            r#"{"message":"\"public\" sharing level is not allowed under max level \"authenticated\""}"#
        );
        assert!(request("public", 65535, "https")
            .validate(&L::Public)
            .is_ok());
        assert!(request("organization", 9, "http")
            .validate(&L::Organization)
            .is_ok());
    }

    #[test]
    fn ceilings_order_the_levels() {
        for (level, max, ok) in [
            (L::Owner, L::Owner, true),
            (L::Organization, L::Owner, false),
            (L::Organization, L::Organization, true),
            (L::Authenticated, L::Organization, false),
            (L::Authenticated, L::Authenticated, true),
            (L::Public, L::Authenticated, false),
            (L::Public, L::Public, true),
        ] {
            assert_eq!(level.check_under(&max).is_ok(), ok, "{level} under {max}");
        }
        assert_eq!(
            L::Unknown("x".into()).check_under(&L::Owner),
            Err("port sharing level is invalid.".into())
        );
        assert!(L::Public
            .check_under(&L::Unknown("x".into()))
            .unwrap_err()
            .contains("not allowed under max level \"x\""));
        assert_eq!(L::Public.refusal_under(&L::Public), None);
        assert!(L::Public
            .refusal_under(&L::Authenticated)
            .unwrap()
            .contains("publicly"));
        assert!(L::Authenticated
            .refusal_under(&L::Organization)
            .unwrap()
            .contains("outside of its organization"));
        assert!(L::Organization
            .refusal_under(&L::Owner)
            .unwrap()
            .contains("does not allow sharing ports."));
        assert!(!L::Owner.is_shareable() && L::Public.is_shareable());
        assert!(L::Owner.is_valid_max() && !L::Unknown("x".into()).is_valid_max());
    }
}
