//! Headless-browser tests (wasm-bindgen-test in Chromium): mount components and check the DOM.
//! One test binary for the whole app keeps link and load time down; each area is a module.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;
wasm_bindgen_test_configure!(run_in_browser);

#[path = "browser/early.rs"]
mod early;
#[path = "browser/logs.rs"]
mod logs;
#[path = "browser/ports.rs"]
mod ports;
#[path = "browser/shell.rs"]
mod shell;
#[path = "browser/support.rs"]
mod support;
#[path = "browser/terminal.rs"]
mod terminal;
