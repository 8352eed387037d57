//! Does `GET /workspaceagents/{id}/coordinate` answer? The console does not speak tailnet; it
//! opens the WebSocket, notes whether the upgrade succeeded and how the server closed it.
use crate::api::{ws_url, WsUrlAuth};
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::prelude::*;
use web_sys::{CloseEvent, WebSocket};

/// Result of the probe.
#[derive(Clone, Debug, PartialEq)]
pub enum Reachability {
    Checking,
    /// The upgrade succeeded (closed afterwards with this code and reason).
    Reachable {
        close_code: Option<u16>,
        reason: String,
    },
    /// The handshake failed or closed before opening.
    Unreachable {
        close_code: u16,
        reason: String,
    },
}

/// Opens the coordinate socket once and reports what happened.
pub fn probe_coordinate(agent_id: &str) -> ReadSignal<Reachability> {
    let (state, set_state) = signal(Reachability::Checking);
    let url = ws_url(
        &format!(
            "/api/v2/workspaceagents/{}/coordinate",
            js_sys::encode_uri_component(agent_id)
        ),
        WsUrlAuth::SessionToken,
    );
    let Ok(socket) = WebSocket::new(&url) else {
        set_state.set(Reachability::Unreachable {
            close_code: 0,
            reason: "The browser refused the address.".into(),
        });
        return state;
    };
    let opened = StoredValue::new(false);
    let on_open = Closure::<dyn FnMut()>::new(move || {
        opened.set_value(true);
        let _ = set_state.try_set(Reachability::Reachable {
            close_code: None,
            reason: String::new(),
        });
    });
    let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |e: CloseEvent| {
        let was_open = opened.try_get_value().unwrap_or(false);
        let next = if was_open {
            Reachability::Reachable {
                close_code: Some(e.code()),
                reason: e.reason(),
            }
        } else {
            Reachability::Unreachable {
                close_code: e.code(),
                reason: e.reason(),
            }
        };
        let _ = set_state.try_set(next);
    });
    socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    let keep = SendWrapper::new((socket, on_open, on_close));
    on_cleanup(move || {
        let (socket, _, _) = &*keep;
        socket.set_onopen(None);
        socket.set_onclose(None);
        let _ = socket.close();
    });
    state
}
