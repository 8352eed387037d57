//! The log viewer: pure logic (ANSI parsing, merge by id, filters) and its components.
pub mod feed;
pub mod ansi;
pub mod filter;
pub mod long_line;
pub mod merge;
pub mod virtual_list;
pub mod model;
pub mod reconcile;
pub mod render;
mod row;
mod view;

pub use view::LogsView;
