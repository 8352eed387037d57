//! The tools page's components. The agent token is held in this page's memory only.
use super::forms::{mask, parse_source, patch_logs};
use crate::api::{get_json_as, send_json, ApiError, Method};
use crate::ui::{CopyButton, ErrorBanner};
use coder_api::routes::{self, ExternalAuthQuery};
use coder_api::*;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::de::DeserializeOwned;
use std::future::Future;

/// The outcome of one form's last submission.
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    Idle,
    Busy,
    Done(String),
    Failed(ApiError),
}

/// Runs `request` and stores a summary of its result in `outcome`.
fn run<T, F, Fut>(outcome: RwSignal<Outcome>, request: F, summarize: impl Fn(T) -> String + 'static)
where
    T: DeserializeOwned + 'static,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    outcome.set(Outcome::Busy);
    let fut = request();
    spawn_local(async move {
        let next = match fut.await {
            Ok(v) => Outcome::Done(summarize(v)),
            Err(e) => Outcome::Failed(e),
        };
        let _ = outcome.try_set(next);
    });
}

#[component]
fn OutcomeView(outcome: RwSignal<Outcome>) -> impl IntoView {
    move || {
        match outcome.get() {
            Outcome::Idle => ().into_any(),
            Outcome::Busy => view! {
                <p class="muted" role="status">
                    "Sending…"
                </p>
            }
            .into_any(),
            Outcome::Done(text) => view! {
                <p class="notice tone-ok outcome" role="status">
                    "✓ "
                    {text}
                </p>
            }
            .into_any(),
            // A 401 here is about the agent token typed above, not the user's session.
            Outcome::Failed(ApiError::Unauthorized(body)) => view! {
                <div class="error-banner" role="alert">
                    <strong>"The server refused this agent token."</strong>
                    <p class="error-message">{body.message}</p>
                    <p class="error-hint">
                        "Check the token printed by the server (or your agent's CODER_AGENT_TOKEN)."
                    </p>
                </div>
            }
            .into_any(),
            Outcome::Failed(e) => view! { <ErrorBanner error=e /> }.into_any(),
        }
    }
}

fn input_value(ev: &leptos::ev::Event) -> String {
    event_target_value(ev)
}

/// `/tools`.
#[component]
pub fn ToolsView() -> impl IntoView {
    let token = RwSignal::new(String::new());
    view! {
        <section aria-labelledby="tools-title">
            <h1 id="tools-title">"Agent tools"</h1>
            <p class="muted">
                "These forms call the agent-side API with an agent token, as the agent itself would. "
                "The token stays in this page's memory and is gone when you leave it."
            </p>
            <div class="card form">
                <label for="agent-token">"Agent token"</label>
                <input
                    id="agent-token"
                    type="password"
                    autocomplete="off"
                    spellcheck="false"
                    prop:value=move || token.get()
                    on:input=move |ev| token.set(input_value(&ev))
                />
            </div>
            <div class="grid">
                <LogSourceForm token />
                <SendLogsForm token />
                <GitSshKeyForm token />
                <ExternalAuthForm token />
                <AppStatusForm token />
            </div>
            <InstanceIdentityForms />
        </section>
    }
}

fn missing_token(token: RwSignal<String>, outcome: RwSignal<Outcome>) -> bool {
    let missing = token.get_untracked().trim().is_empty();
    if missing {
        refuse(outcome, Response::message("Enter the agent token first."));
    }
    missing
}

/// A form's input refused here, before anything is sent: shown as the server would answer it.
fn refuse(outcome: RwSignal<Outcome>, body: Response) {
    outcome.set(Outcome::Failed(ApiError::Status { status: 400, body }));
}

/// A `<select>` of fixed wire values, each shown as it is sent.
#[component]
fn Choice(
    id: &'static str,
    options: &'static [&'static str],
    value: RwSignal<String>,
) -> impl IntoView {
    view! {
        <select id=id on:change=move |ev| value.set(input_value(&ev))>
            {options
                .iter()
                .map(|o| {
                    view! {
                        <option value=*o selected=move || value.get() == *o>
                            {*o}
                        </option>
                    }
                })
                .collect_view()}
        </select>
    }
}

#[component]
fn LogSourceForm(token: RwSignal<String>) -> impl IntoView {
    let name = RwSignal::new("My tool".to_string());
    let icon = RwSignal::new(String::new());
    let outcome = RwSignal::new(Outcome::Idle);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if missing_token(token, outcome) {
            return;
        }
        let id = crate::api::random_uuid();
        let body = PostLogSourceRequest {
            id,
            display_name: name.get_untracked(),
            icon: icon.get_untracked(),
        };
        let t = token.get_untracked();
        run(
            outcome,
            move || async move {
                send_json::<_, WorkspaceAgentLogSource>(
                    Method::Post,
                    &routes::me_log_source(),
                    &body,
                    Some(&t),
                )
                .await
            },
            |s| format!("Created log source \"{}\" with id {}", s.display_name, s.id),
        );
    };
    view! {
        <form class="card form" on:submit=submit aria-labelledby="tool-source">
            <h2 id="tool-source">"Create a log source"</h2>
            <label for="source-name">"Display name"</label>
            <input
                id="source-name"
                prop:value=move || name.get()
                on:input=move |ev| name.set(input_value(&ev))
            />
            <label for="source-icon">"Icon URL (optional)"</label>
            <input
                id="source-icon"
                prop:value=move || icon.get()
                on:input=move |ev| icon.set(input_value(&ev))
            />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary">
                    "Create"
                </button>
            </div>
            <OutcomeView outcome />
        </form>
    }
}

#[component]
fn SendLogsForm(token: RwSignal<String>) -> impl IntoView {
    let source = RwSignal::new(String::new());
    let level = RwSignal::new("info".to_string());
    let text = RwSignal::new(String::new());
    let outcome = RwSignal::new(Outcome::Idle);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if missing_token(token, outcome) {
            return;
        }
        let body = match parse_source(&source.get_untracked()).and_then(|s| {
            patch_logs(
                s,
                &LogLevel::from_wire(&level.get_untracked()),
                &text.get_untracked(),
                chrono::Utc::now(),
            )
        }) {
            Ok(b) => b,
            Err(message) => return refuse(outcome, Response::message(message)),
        };
        let count = body.logs.len();
        let t = token.get_untracked();
        run(
            outcome,
            move || async move {
                send_json::<_, Response>(Method::Patch, &routes::me_logs(), &body, Some(&t)).await
            },
            move |_| {
                format!(
                    "Sent {count} line{}; they are in the agent's logs now.",
                    if count == 1 { "" } else { "s" }
                )
            },
        );
    };
    view! {
        <form class="card form" on:submit=submit aria-labelledby="tool-logs">
            <h2 id="tool-logs">"Send log lines"</h2>
            <label for="logs-source">"Log source id (empty: the external source)"</label>
            <input
                id="logs-source"
                placeholder="UUID"
                prop:value=move || source.get()
                on:input=move |ev| source.set(input_value(&ev))
            />
            <label for="logs-level">"Level"</label>
            <Choice
                id="logs-level"
                options=&["trace", "debug", "info", "warn", "error"]
                value=level
            />
            <label for="logs-text">"Lines (one log per line)"</label>
            <textarea
                id="logs-text"
                rows="4"
                prop:value=move || text.get()
                on:input=move |ev| text.set(input_value(&ev))
            ></textarea>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary">
                    "Send"
                </button>
            </div>
            <OutcomeView outcome />
        </form>
    }
}

/// Reports an app's status, as an AI agent in the workspace does; coderd's checks run here first
/// (`PatchAppStatus::validate`), so a refusal is explained before anything is sent.
#[component]
fn AppStatusForm(token: RwSignal<String>) -> impl IntoView {
    let slug = RwSignal::new(String::new());
    let state = RwSignal::new("working".to_string());
    let message = RwSignal::new(String::new());
    let uri = RwSignal::new(String::new());
    let outcome = RwSignal::new(Outcome::Idle);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if missing_token(token, outcome) {
            return;
        }
        let body = PatchAppStatus {
            app_slug: slug.get_untracked().trim().to_owned(),
            state: WorkspaceAppStatusState::from_wire(&state.get_untracked()),
            message: message.get_untracked(),
            uri: uri.get_untracked().trim().to_owned(),
            ..Default::default()
        };
        if let Err(refused) = body.validate() {
            return refuse(outcome, refused);
        }
        let t = token.get_untracked();
        let app = body.app_slug.clone();
        run(
            outcome,
            move || async move {
                send_json::<_, ()>(Method::Patch, &routes::me_app_status(), &body, Some(&t)).await
            },
            move |_| format!("Reported the status of \"{app}\"; the overview shows it."),
        );
    };
    view! {
        <form class="card form" on:submit=submit aria-labelledby="tool-app-status">
            <h2 id="tool-app-status">"Report an app status"</h2>
            <label for="status-slug">"App slug"</label>
            <input
                id="status-slug"
                prop:value=move || slug.get()
                on:input=move |ev| slug.set(input_value(&ev))
            />
            <label for="status-state">"State"</label>
            <Choice
                id="status-state"
                options=&["working", "idle", "complete", "failure"]
                value=state
            />
            <label for="status-message">"Message (at most 160 characters)"</label>
            <input
                id="status-message"
                maxlength="160"
                prop:value=move || message.get()
                on:input=move |ev| message.set(input_value(&ev))
            />
            <label for="status-uri">"Link (optional)"</label>
            <input
                id="status-uri"
                placeholder="https://"
                prop:value=move || uri.get()
                on:input=move |ev| uri.set(input_value(&ev))
            />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary">
                    "Report"
                </button>
            </div>
            <OutcomeView outcome />
        </form>
    }
}

#[component]
fn GitSshKeyForm(token: RwSignal<String>) -> impl IntoView {
    let key = RwSignal::new(None::<String>);
    let outcome = RwSignal::new(Outcome::Idle);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if missing_token(token, outcome) {
            return;
        }
        let t = token.get_untracked();
        run(
            outcome,
            move || async move { get_json_as::<GitSshKey>(routes::me_gitsshkey(), &t).await },
            move |k| {
                key.set(Some(k.public_key.trim().to_owned()));
                "Fetched the agent's key. The private key stays on the server side of this form."
                    .into()
            },
        );
    };
    view! {
        <form class="card form" on:submit=submit aria-labelledby="tool-ssh">
            <h2 id="tool-ssh">"Git SSH key"</h2>
            <p class="muted">"The public key to add to your git host so the workspace can push."</p>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary">
                    "Fetch public key"
                </button>
            </div>
            <OutcomeView outcome />
            {move || {
                key.get()
                    .map(|k| {
                        view! {
                            <pre class="ssh-key">{k.clone()}</pre>
                            <CopyButton text=k label="Copy public key".to_string() />
                        }
                    })
            }}
        </form>
    }
}

#[component]
fn ExternalAuthForm(token: RwSignal<String>) -> impl IntoView {
    let matcher = RwSignal::new(String::new());
    let provider = RwSignal::new(String::new());
    let listen = RwSignal::new(false);
    let outcome = RwSignal::new(Outcome::Idle);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if missing_token(token, outcome) {
            return;
        }
        let q = ExternalAuthQuery {
            r#match: Some(matcher.get_untracked()).filter(|s| !s.trim().is_empty()),
            id: Some(provider.get_untracked()).filter(|s| !s.trim().is_empty()),
            listen: listen.get_untracked(),
        };
        let t = token.get_untracked();
        run(
            outcome,
            move || async move {
                get_json_as::<ExternalAuthResponse>(routes::me_external_auth(&q), &t).await
            },
            |r| {
                if !r.access_token.is_empty() {
                    format!(
                        "A {} token is available: {}",
                        if r.kind.is_empty() {
                            "provider"
                        } else {
                            &r.kind
                        },
                        mask(&r.access_token)
                    )
                } else if let Some(url) = crate::ui::link::safe_http_url(&r.url) {
                    format!("Not authenticated yet. Authenticate at {url}")
                } else {
                    "No token and no authentication address was returned.".into()
                }
            },
        );
    };
    view! {
        <form class="card form" on:submit=submit aria-labelledby="tool-ext">
            <h2 id="tool-ext">"External auth"</h2>
            <label for="ext-match">"Match (a URL, e.g. a git remote)"</label>
            <input
                id="ext-match"
                placeholder="https://github.com/org/repo"
                prop:value=move || matcher.get()
                on:input=move |ev| matcher.set(input_value(&ev))
            />
            <label for="ext-id">"Or a provider id"</label>
            <input
                id="ext-id"
                placeholder="github"
                prop:value=move || provider.get()
                on:input=move |ev| provider.set(input_value(&ev))
            />
            <label class="checkbox">
                <input
                    type="checkbox"
                    prop:checked=move || listen.get()
                    on:change=move |ev| listen.set(event_target_checked(&ev))
                />
                " Wait until a token is issued"
            </label>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary">
                    "Query"
                </button>
            </div>
            <OutcomeView outcome />
        </form>
    }
}

/// The three cloud identity exchanges (no token needed: the identity is the credential).
#[component]
fn InstanceIdentityForms() -> impl IntoView {
    let cloud = RwSignal::new("aws".to_string());
    let a = RwSignal::new(String::new());
    let b = RwSignal::new(String::new());
    let outcome = RwSignal::new(Outcome::Idle);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (x, y) = (a.get_untracked(), b.get_untracked());
        let summarize = |r: AuthenticateResponse| {
            format!("Exchanged for an agent token: {}", mask(&r.session_token))
        };
        match cloud.get_untracked().as_str() {
            "azure" => run(
                outcome,
                move || async move {
                    send_json::<_, AuthenticateResponse>(
                        Method::Post,
                        &routes::azure_instance_identity(),
                        &AzureInstanceIdentityToken {
                            encoding: x,
                            signature: y,
                        },
                        Some(""),
                    )
                    .await
                },
                summarize,
            ),
            "google" => run(
                outcome,
                move || async move {
                    send_json::<_, AuthenticateResponse>(
                        Method::Post,
                        &routes::google_instance_identity(),
                        &GoogleInstanceIdentityToken { json_web_token: x },
                        Some(""),
                    )
                    .await
                },
                summarize,
            ),
            _ => run(
                outcome,
                move || async move {
                    send_json::<_, AuthenticateResponse>(
                        Method::Post,
                        &routes::aws_instance_identity(),
                        &AwsInstanceIdentityToken {
                            document: x,
                            signature: y,
                        },
                        Some(""),
                    )
                    .await
                },
                summarize,
            ),
        }
    };
    let first_label = move || match cloud.get().as_str() {
        "azure" => "Encoding",
        "google" => "JSON web token",
        _ => "Identity document",
    };
    view! {
        <form class="card form" on:submit=submit aria-labelledby="tool-identity">
            <h2 id="tool-identity">"Instance identity"</h2>
            <p class="muted">
                "A cloud VM proves who it is with a signed identity and gets its agent token back."
            </p>
            <label for="identity-cloud">"Cloud"</label>
            <select id="identity-cloud" on:change=move |ev| cloud.set(input_value(&ev))>
                <option value="aws">"AWS"</option>
                <option value="azure">"Azure"</option>
                <option value="google">"Google Cloud"</option>
            </select>
            <label for="identity-a">{first_label}</label>
            <textarea
                id="identity-a"
                rows="3"
                prop:value=move || a.get()
                on:input=move |ev| a.set(input_value(&ev))
            ></textarea>
            {move || {
                (cloud.get() != "google")
                    .then(|| {
                        view! {
                            <label for="identity-b">"Signature"</label>
                            <textarea
                                id="identity-b"
                                rows="2"
                                prop:value=move || b.get()
                                on:input=move |ev| b.set(input_value(&ev))
                            ></textarea>
                        }
                    })
            }}
            <div class="form-actions">
                <button type="submit" class="btn btn-primary">
                    "Exchange"
                </button>
            </div>
            <OutcomeView outcome />
        </form>
    }
}
