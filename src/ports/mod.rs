//! The ports view: the agent's listening ports, refreshed about every 1.5 s while visible, each
//! with a port-forward link; a notice when a port opens; "connect to port" for any other port.
mod changes;
pub mod forward;
mod hook;
mod view;

pub use forward::is_forward_address;
pub use hook::{use_forwarding, Forwarding};
pub use view::{open_signed_in, PortList, PortsView};
