//! The live DERP map: `GET /api/v2/derp-map` is a WebSocket whose binary frames each carry a
//! whole map. Reconnects with backoff while the view is open.
use crate::api::{sleep_ms, ws_url, WsUrlAuth};
use coder_api::DerpMap;
use futures::StreamExt;
use gloo_net::websocket::{futures::WebSocket, Message};
use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;

/// What the stream has delivered.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DerpStream {
    /// The latest map.
    pub map: Option<DerpMap>,
    /// Maps received since the view opened.
    pub updates: u32,
    /// Whether the socket is open now.
    pub live: bool,
    /// The last problem (a frame that was not a map, a dropped socket).
    pub problem: Option<String>,
}

/// Follows the DERP map while the calling view is alive.
pub fn use_derp_stream() -> ReadSignal<DerpStream> {
    let (state, set_state) = signal(DerpStream::default());
    spawn_local_scoped_with_cancellation(async move {
        let mut backoff = 1_000;
        loop {
            let url = ws_url(&coder_api::routes::derp_map(), WsUrlAuth::None);
            match WebSocket::open(&url) {
                Ok(mut socket) => {
                    while let Some(frame) = socket.next().await {
                        let text = match frame {
                            Ok(Message::Bytes(b)) => String::from_utf8_lossy(&b).into_owned(),
                            Ok(Message::Text(t)) => t,
                            Err(e) => {
                                set_state.update(|s| {
                                    s.live = false;
                                    s.problem = Some(format!("The map stream closed: {e}"));
                                });
                                break;
                            }
                        };
                        backoff = 1_000;
                        match coder_api::parse::<DerpMap>(&text) {
                            Ok(map) => set_state.update(|s| {
                                s.map = Some(map);
                                s.updates += 1;
                                s.live = true;
                                s.problem = None;
                            }),
                            Err(e) => set_state.update(|s| {
                                s.problem = Some(format!("A map update could not be read: {e}"))
                            }),
                        }
                    }
                }
                Err(e) => set_state
                    .update(|s| s.problem = Some(format!("Could not open the map stream: {e}"))),
            }
            set_state.update(|s| s.live = false);
            sleep_ms(backoff).await;
            backoff = (backoff * 2).min(30_000);
        }
    });
    state
}
