//! Who is connected to the agent, from where and how (terminal, SSH, port forward, editor, …),
//! since when, live or ended: the agent's `sessions`, read with [`AgentExtras`] (the agent as the
//! first view reads it leaves them out), refreshed every few seconds.
use crate::api::{get_json, use_poll};
use crate::state::use_agent;
use crate::ui::status::Tone;
use crate::ui::{Badge, EmptyState, ErrorBanner, Skeleton, Timestamp};
use coder_api::{AgentExtras, ConnectionType, WorkspaceConnection, WorkspaceSession};
use leptos::prelude::*;

const REFRESH_MS: u32 = 3_000;

/// The sessions card.
#[component]
pub fn SessionsCard() -> impl IntoView {
    let id = use_agent().id;
    let extras = use_poll(Some(REFRESH_MS), move || {
        get_json::<AgentExtras>(coder_api::routes::agent_path(&id))
    });
    view! {
        <section class="card sessions-card" aria-labelledby="ov-sessions">
            <h2 id="ov-sessions">"Sessions"</h2>
            {move || {
                extras
                    .with(|l| {
                        let error = l.error.clone().map(|e| view! { <ErrorBanner error=e /> });
                        let body = match &l.value {
                            None => view! { <Skeleton lines=2 /> }.into_any(),
                            Some(x) if x.sessions.is_empty() => {
                                view! {
                                    <EmptyState title="No one is connected">
                                        <p>
                                            "Terminals, SSH, editors and port forwards show here while they are open, and for a day after. A coderd without session tracking reports none."
                                        </p>
                                    </EmptyState>
                                }
                                    .into_any()
                            }
                            Some(x) => {
                                view! {
                                    <ul class="plain session-list">
                                        {x.sessions.iter().map(session_row).collect_view()}
                                    </ul>
                                }
                                    .into_any()
                            }
                        };
                        view! {
                            {error}
                            {body}
                        }
                    })
            }}
        </section>
    }
}

/// Who: the client's hostname, else its address.
fn client(s: &WorkspaceSession) -> String {
    match (s.client_hostname.as_str(), s.ip.as_deref()) {
        ("", Some(ip)) => ip.to_owned(),
        ("", None) => "an unknown client".into(),
        (host, Some(ip)) => format!("{host} ({ip})"),
        (host, None) => host.to_owned(),
    }
}

/// How: a connection's kind in words, with its port or app.
pub fn describe_connection(c: &WorkspaceConnection) -> String {
    let kind = match &c.kind {
        ConnectionType::Ssh => "SSH".to_owned(),
        ConnectionType::Vscode => "VS Code".to_owned(),
        ConnectionType::Jetbrains => "JetBrains".to_owned(),
        ConnectionType::ReconnectingPty => "Web terminal".to_owned(),
        ConnectionType::WorkspaceApp => "App".to_owned(),
        ConnectionType::PortForwarding => "Port forward".to_owned(),
        ConnectionType::Tunnel => "Tunnel".to_owned(),
        ConnectionType::Unknown(other) => other.clone(),
    };
    match (c.detail.is_empty(), &c.kind) {
        (false, ConnectionType::PortForwarding) => format!("{kind} :{}", c.detail),
        (false, _) => format!("{kind} ({})", c.detail),
        (true, _) => kind,
    }
}

fn session_row(s: &WorkspaceSession) -> impl IntoView {
    let live = s.status.is_ongoing();
    let (tone, label) = if live {
        (Tone::Ok, "Connected".to_owned())
    } else {
        (
            Tone::Neutral,
            format!("Ended ({})", s.status.as_str().replace('_', " ")),
        )
    };
    view! {
        <li class="session" class:ended=!live>
            <div class="session-head">
                <strong>{client(s)}</strong>
                " "
                <Badge tone label />
                " "
                <span class="muted">"since "</span>
                <Timestamp at=Some(s.started_at) />
                {s
                    .ended_at
                    .map(|t| {
                        view! {
                            <span class="muted">", ended "</span>
                            <Timestamp at=Some(t) />
                        }
                    })}
            </div>
            <ul class="plain session-connections">
                {s
                    .connections
                    .iter()
                    .map(|c| {
                        view! {
                            <li class:ended=!c
                                .status
                                .is_ongoing()>
                                {describe_connection(c)}
                                <span class="muted">
                                    {if c.status.is_ongoing() {
                                        " · open".to_owned()
                                    } else {
                                        format!(" · {}", c.status.as_str().replace('_', " "))
                                    }}
                                </span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_in_words() {
        let c = |kind: ConnectionType, detail: &str| WorkspaceConnection {
            kind,
            detail: detail.into(),
            ..Default::default()
        };
        assert_eq!(
            describe_connection(&c(ConnectionType::PortForwarding, "8080")),
            "Port forward :8080"
        );
        assert_eq!(
            describe_connection(&c(ConnectionType::ReconnectingPty, "")),
            "Web terminal"
        );
        assert_eq!(
            describe_connection(&c(ConnectionType::WorkspaceApp, "code")),
            "App (code)"
        );
        assert_eq!(
            describe_connection(&c(ConnectionType::Unknown("<b>teleport</b>".into()), "")),
            "<b>teleport</b>"
        );
    }
}
