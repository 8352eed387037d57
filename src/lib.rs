//! Agent Console: a web console for Coder workspace agents.
//!
//! `shell` is the frame (routes, header, an agent's tabs, sign-in); each view has its own folder
//! with its components and the pure logic they need; `state` is the app-wide state below them all;
//! `api` is the one door to the network.
pub mod api;
pub mod logs;
pub mod ui;

mod containers;
mod network;
mod overview;
mod picker;
pub mod ports;
mod shell;
mod signin;
pub mod startup;
mod state;
pub mod terminal;
mod tools;

pub use shell::App;
