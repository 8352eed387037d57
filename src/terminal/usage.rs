//! While a terminal is connected, the workspace is reported in use as Coder's own terminal reports
//! it (`POST /workspaces/{id}/usage` as `reconnecting-pty`, at once and then every minute), so a
//! deployment that stops idle workspaces does not stop one someone is typing in. The embedded
//! backend records it as the workspace's `last_used_at`.
use crate::api::{send_json, sleep_ms, Method};
use coder_api::{PostWorkspaceUsageRequest, USAGE_APP_RECONNECTING_PTY, USAGE_INTERVAL_MS};
use leptos::prelude::*;
use uuid::Uuid;

/// Reports usage for `agent`'s workspace each minute while `connected` holds, for as long as the
/// calling view lives.
pub fn report_usage_while_connected(agent: Uuid, connected: Signal<bool>) {
    // Disposed with the view: every later read is `try_`, and a `None` ends the loop.
    let alive = RwSignal::new(());
    leptos::task::spawn_local(async move {
        let _ = report(agent, connected, alive).await;
    });
}

/// The loop; `None` once the view is gone.
async fn report(agent: Uuid, connected: Signal<bool>, alive: RwSignal<()>) -> Option<()> {
    // A deployment that cannot name the workspace has nothing to report usage on.
    let workspace = crate::state::agent_workspace(agent).await.ok()?;
    let path = coder_api::routes::workspace_usage(&workspace.id);
    let body = PostWorkspaceUsageRequest {
        agent_id: agent,
        app_name: USAGE_APP_RECONNECTING_PTY.into(),
    };
    loop {
        alive.try_get_untracked()?;
        if connected.try_get_untracked()? {
            // A refusal (an older coderd, a network drop) is retried at the next minute.
            let _ = send_json::<_, ()>(Method::Post, &path, &body, None).await;
            sleep_ms(USAGE_INTERVAL_MS).await;
        } else {
            sleep_ms(1_000).await;
        }
    }
}
