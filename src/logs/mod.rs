//! The log viewer: pure logic (ANSI parsing, merge by id, filters) and its components.
pub mod feed;
