//! The ports view: the agent's listening ports, refreshed about every 1.5 s while visible, each
//! with a port-forward link; a notice when a port opens; "connect to port" for any other port.
mod changes;
pub mod forward;
mod view;

pub use view::{ForwardContext, PortList, PortsView};
