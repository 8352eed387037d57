//! The application frame: routes, header and navigation, the sign-in rule, and the app-wide
//! state (`crate::state`) it resolves once.
mod app;
mod header;
mod split;

pub use app::App;
pub use split::preload_link_target;
