//! Wire types of Coder's workspace-agent API, as a real coderd sends them, and the paths of its
//! routes. No I/O: the web app and the server both build on it, native and wasm32.
//!
//! Enums keep values they do not know (`Unknown(String)`), optional fields are `Option`, and the
//! DERP map uses the Go field names found on the wire.
mod agent;
mod agent_auth;
mod app;
mod derp;
pub mod enums;
mod error;
mod logs;
mod ports;
mod pty;
pub mod routes;
mod workspace;

pub use agent::*;
pub use agent_auth::*;
pub use app::*;
pub use derp::*;
pub use error::*;
pub use logs::*;
pub use ports::*;
pub use pty::*;
pub use workspace::*;
