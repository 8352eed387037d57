//! Widgets shared by every view: state badges, times, errors, skeletons, copy buttons.
mod copy;
mod dialog;
mod error_view;
pub mod link;
mod skeleton;
pub mod status;
mod status_badge;
pub mod storage;
pub mod time;
mod view_styles;
pub mod visible;

pub use copy::CopyButton;
pub use dialog::show_modal_while;
pub use error_view::{ErrorBanner, ErrorView, NotFoundView};
pub use skeleton::{EmptyState, Skeleton};
pub use status_badge::{AgentStateBadge, Badge};
pub use time::Timestamp;
pub use view_styles::use_view_styles;
