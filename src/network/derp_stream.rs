//! The live DERP map: `GET /api/v2/derp-map` is a WebSocket whose binary frames each carry a
//! whole map. Reconnects with the app's backoff while the view is open.
use crate::api::{ReconnectingSocket, WsUrlAuth};
use coder_api::DerpMap;
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
        // The map needs no credentials.
        let mut socket = ReconnectingSocket::new(WsUrlAuth::None, 1_000, 30_000);
        loop {
            let connection = socket
                .connect(&coder_api::routes::derp_map(), async |frame| {
                    // A frame that is not a map is shown, and the stream goes on.
                    match coder_api::parse::<DerpMap>(&frame.into_text()) {
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
                    Ok(())
                })
                .await;
            set_state.update(|s| {
                s.live = false;
                s.problem = Some(format!(
                    "The map stream closed: {}",
                    connection.ended.describe()
                ));
            });
            ReconnectingSocket::wait(socket.retry()).await;
        }
    });
    state
}
