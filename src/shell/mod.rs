//! The application frame: routes, header and navigation, the frame of an agent's pages, the
//! sign-in rule, and the app-wide state (`crate::state`) it resolves once. The views below it
//! import only `crate::state`, never the shell.
mod agent_frame;
mod app;
mod header;
mod split;

pub use app::App;
use split::preload_link_target;
