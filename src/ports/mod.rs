//! The ports view: the agent's listening ports, refreshed about every 1.5 s while visible, each
//! with a port-forward link; what happens when a port opens (a notice, a new tab, or nothing),
//! remembered per port or range; sharing a port; "connect to port" for any other port.
mod changes;
pub mod forward;
mod hook;
mod policy;
mod policy_view;
mod share;
mod view;

pub use forward::is_forward_address;
pub use hook::{use_forwarding, Forwarding};
pub use view::{open_signed_in, PortList, PortsView};
