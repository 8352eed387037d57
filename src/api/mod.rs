//! The one door to the network: every HTTP request and WebSocket of the app goes through here.
//! It adds the token, turns non-2xx answers into typed errors carrying coderd's
//! `{message, detail, validations}`, retries idempotent GETs, and aborts requests whose view is gone.
mod app_auth;
pub mod backoff;
mod client;
mod early;
mod error;
pub mod json_array;
mod poll;
pub mod pty_socket;
pub mod readable;
mod socket;
pub mod token;
mod ws;

pub use app_auth::{open_forwarded, signed_in_address};
pub use client::{
    api_url, arrived_json, base_path, get_bytes, get_json, get_json_array, get_json_as,
    get_json_once, random_uuid, read_stream, send_json, Method,
};
pub use error::ApiError;
pub use poll::{sleep_ms, tab_hidden, use_fetch, use_poll, use_poll_from, wait_visible, Loaded};
pub use socket::{probe, Connection, Ended, Frame, Probe, ReconnectingSocket, Retry};
pub use ws::{ws_url, WsUrlAuth};
