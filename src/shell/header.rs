//! The top bar: product name, link back to the agent list, tools, theme and sign-out.
use crate::api::token;
use crate::state::use_shell;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

/// The header shown on every page except in embed mode.
#[component]
pub fn Header() -> impl IntoView {
    let shell = use_shell();
    let navigate = use_navigate();
    let sign_out = move |_| {
        token::clear();
        navigate("/signin", Default::default());
    };
    let toggle_theme = move |_| {
        let system_dark = shell.system_prefers_dark.get_untracked();
        shell.theme.update(|t| *t = t.toggled(system_dark))
    };
    view! {
        <header class="app-header">
            <A href="/" attr:class="brand">
                <span class="brand-mark" aria-hidden="true">
                    ">_"
                </span>
                <span class="brand-name">"Agent Console"</span>
            </A>
            <nav
                class="header-nav"
                aria-label="Main"
                on:pointerover=super::preload_link_target
                on:focusin=super::preload_link_target
            >
                <A href="/">"Agents"</A>
                <A href="/tools">"Agent tools"</A>
            </nav>
            <div class="header-actions">
                <button
                    type="button"
                    class="btn btn-ghost"
                    on:click=toggle_theme
                    aria-label="Switch theme"
                >
                    "◐"
                </button>
                <button type="button" class="btn btn-ghost" on:click=sign_out>
                    "Sign out"
                </button>
            </div>
        </header>
    }
}
