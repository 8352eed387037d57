//! Sign-in: paste a session token (the server's printed link fills it in automatically), or use
//! the browser's session cookie when the console is mounted behind coderd.
use crate::api::{get_json_once, signed_in_address, token, ApiError};
use crate::state::use_shell;
use coder_api::User;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};

/// Sends the browser to `app` (a forwarded port's address) with a one-time key from the server.
async fn back_to_app(app: String) -> Result<(), ApiError> {
    let address = signed_in_address(&app).await?;
    let _ = window().location().replace(&address);
    Ok(())
}

/// The sign-in page.
#[component]
pub fn SignIn() -> impl IntoView {
    let shell = use_shell();
    let query = use_query_map();
    let navigate = use_navigate();
    let (input, set_input) = signal(String::new());
    let (error, set_error) = signal(None::<ApiError>);
    let (busy, set_busy) = signal(false);
    let next = move || {
        query
            .with_untracked(|q| q.get("next"))
            .filter(|n| n.starts_with('/') && !n.starts_with("//"))
            .unwrap_or_else(|| "/".into())
    };
    // A forwarded port sent the browser here to sign in (`?app=<its address>`): once signed in,
    // the browser goes back there with a one-time key (the server checks the address is a port
    // of this agent's).
    let app = move || {
        query
            .with_untracked(|q| q.get("app"))
            .filter(|a| a.starts_with("http://") || a.starts_with("https://"))
    };

    // Tries the stored token (or the cookie when `token` is None) against /users/me.
    let attempt = move |candidate: Option<String>| {
        let navigate = navigate.clone();
        match &candidate {
            Some(t) => token::store(t),
            None => token::clear(),
        }
        set_busy.set(true);
        set_error.set(None);
        spawn_local(async move {
            let result = get_json_once::<User>(coder_api::routes::users_me()).await;
            let _ = set_busy.try_set(false);
            match result {
                Ok(_) if app().is_some() => {
                    shell.signed_out_reason.set(None);
                    if let Err(e) = back_to_app(app().unwrap_or_default()).await {
                        let _ = set_error.try_set(Some(e));
                    }
                }
                Ok(_) => {
                    shell.signed_out_reason.set(None);
                    navigate(&next(), Default::default());
                }
                Err(e) => {
                    token::clear();
                    let _ = set_error.try_set(Some(e));
                }
            }
        });
    };
    let attempt_cookie = attempt.clone();
    // Already signed in in this tab: straight back to the port.
    if app().is_some() && token::current().is_some() {
        attempt.clone()(token::current());
    }
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let t = input.get_untracked().trim().to_owned();
        if t.is_empty() {
            set_error.set(Some(ApiError::Status {
                status: 400,
                body: coder_api::Response::message("Enter a session token.".to_string()),
            }));
            return;
        }
        attempt(Some(t));
    };

    view! {
        <section class="signin card" aria-labelledby="signin-title">
            <h1 id="signin-title">"Sign in"</h1>
            {app()
                .map(|a| {
                    view! {
                        <p class="notice tone-progress" role="status">
                            "Sign in to open "
                            <code>{a}</code>
                            "."
                        </p>
                    }
                })}
            {move || {
                shell
                    .signed_out_reason
                    .get()
                    .map(|r| {
                        view! {
                            <p class="notice tone-warning" role="status">
                                "You were signed out: "
                                {r}
                            </p>
                        }
                    })
            }}
            <p class="muted">
                "Open the sign-in link the server printed, or paste a session token. "
                "The token stays in this tab only and is forgotten when the tab closes."
            </p>
            <form on:submit=on_submit class="form">
                <label for="token">"Session token"</label>
                <input
                    id="token"
                    name="token"
                    type="password"
                    autocomplete="off"
                    spellcheck="false"
                    prop:value=input
                    on:input=move |ev| set_input.set(event_target_value(&ev))
                />
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" disabled=busy>
                        "Sign in"
                    </button>
                    <button
                        type="button"
                        class="btn"
                        disabled=busy
                        on:click=move |_| attempt_cookie(None)
                    >
                        "Use my browser session"
                    </button>
                </div>
            </form>
            {move || {
                error
                    .get()
                    .map(|e| {
                        view! {
                            <p class="notice tone-danger" role="alert">
                                {e.to_string()}
                                " "
                                {e.hint()}
                            </p>
                        }
                    })
            }}
        </section>
    }
}
