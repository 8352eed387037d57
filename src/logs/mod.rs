//! The log viewer: pure logic (ANSI parsing, merge by id, filters) and its components.
pub mod ansi;
pub mod feed;
pub mod filter;
pub mod line_link;
mod list;
pub mod long_line;
pub mod merge;
pub mod model;
mod notices;
pub mod reconcile;
pub mod render;
mod row;
mod toolbar;
mod view;
pub mod virtual_list;

pub use view::LogsView;
