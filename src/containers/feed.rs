//! The containers list, live: coderd's `containers/watch` socket sends the whole list at once and
//! again on each change. When the upgrade is refused (a server without the socket, a proxy that
//! drops upgrades), the list is read with a GET instead, again at each retry of the socket.
use crate::api::{get_json, ApiError, Frame, ReconnectingSocket, WsUrlAuth};
use coder_api::WorkspaceAgentListContainersResponse as List;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;
use uuid::Uuid;

const RETRY_BASE_MS: u32 = 1_000;
/// Also the slowest polling of the GET while the socket is refused.
const RETRY_CAP_MS: u32 = 10_000;

/// What the view knows of the list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Feed {
    /// The latest list.
    pub list: Option<List>,
    /// Lists arrive on the socket now.
    pub live: bool,
    /// The socket is refused: the list is polled.
    pub polling: bool,
    /// Why the latest read failed (the list shown, if any, is older).
    pub error: Option<ApiError>,
    /// Why the socket dropped, while it reconnects.
    pub problem: Option<String>,
}

/// Follows the containers of `agent` while the calling view is alive.
pub fn use_containers_feed(agent: Uuid) -> (ReadSignal<Feed>, impl Fn() + Copy) {
    let (feed, set_feed) = signal(Feed::default());
    spawn_local_scoped_with_cancellation(async move {
        let mut socket =
            ReconnectingSocket::new(WsUrlAuth::SessionToken, RETRY_BASE_MS, RETRY_CAP_MS);
        loop {
            let path = coder_api::routes::containers_watch(&agent);
            let connection = socket
                .connect(&path, async |frame| {
                    let list = coder_api::parse::<List>(&Frame::into_text(frame))
                        .map_err(|e| format!("A list could not be read ({e}); reconnecting."))?;
                    set_feed.update(|f| {
                        f.list = Some(list);
                        f.live = true;
                        f.polling = false;
                        f.error = None;
                        f.problem = None;
                    });
                    Ok(())
                })
                .await;
            let refused = !connection.delivered;
            set_feed.update(|f| {
                f.live = false;
                f.problem = (!refused).then(|| connection.ended.describe());
            });
            if refused {
                read_once(agent, set_feed).await;
            }
            ReconnectingSocket::wait(socket.retry()).await;
        }
    });
    // After an action: read the list now rather than wait for the socket's next frame.
    let refresh = move || {
        leptos::task::spawn_local(async move { read_once(agent, set_feed).await });
    };
    (feed, refresh)
}

/// One GET of the list.
async fn read_once(agent: Uuid, set_feed: WriteSignal<Feed>) {
    let read = get_json::<List>(&coder_api::routes::containers(&agent)).await;
    let _ = set_feed.try_update(|f| match read {
        Ok(list) => {
            f.list = Some(list);
            f.polling = !f.live;
            f.error = None;
        }
        Err(e) => f.error = Some(e),
    });
}
