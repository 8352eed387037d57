//! The application frame: routes, header and navigation, sign-in state, embed mode and theme.
mod app;
mod context;
mod header;
mod split;

pub use app::App;
pub use context::{use_shell, Theme};
pub use split::preload_link_target;
