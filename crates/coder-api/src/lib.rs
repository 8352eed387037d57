//! The wire contract of Coder's workspace-agent API, as a real coderd sends it: serde types for
//! every body, the paths and queries of its routes, and the few rules both ends share (ignored
//! ports, port-forward host labels, error bodies). No I/O; builds for native and wasm32.
//!
//! - Enums keep values they do not know (`Unknown(String)`) and write them back unchanged.
//! - Omitted or `null` optional fields are `None`; `null` collections read as empty.
//! - The DERP map uses the Go field names found on the wire (`Regions`, `HostName`, …).
//! - [`parse`] reads any body with a typed error, never a panic.
//!
//! Types are re-exported here; the route builders live in [`routes`].
#![forbid(unsafe_code)]

mod agent;
mod agent_auth;
mod app;
mod connect;
pub mod de;
mod derp;
pub mod enums;
mod error;
mod logs;
mod metadata;
mod parse;
mod port_forward;
mod ports;
mod pty;
pub mod routes;
mod scripts;
mod sessions;
mod timings;
mod users;
mod workspace;

pub use agent::*;
pub use agent_auth::*;
pub use app::*;
pub use connect::*;
pub use derp::*;
pub use error::*;
pub use logs::*;
pub use metadata::*;
pub use parse::*;
pub use port_forward::*;
pub use ports::*;
pub use pty::*;
pub use scripts::*;
pub use sessions::*;
pub use timings::*;
pub use users::*;
pub use workspace::*;

#[doc(hidden)]
pub use serde as __serde;
