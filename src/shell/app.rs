//! The root component: providers, the route table, and the 401 → sign-in rule.
use super::agent_frame::AgentPage;
use super::header::Header;
use super::split::{
    ContainersRoute, LogsRoute, NetworkRoute, PickerRoute, PortsRoute, SignInRoute, StartupRoute,
    TerminalRoute, ToolsRoute,
};
use crate::api::{base_path, token};
use crate::overview;
use crate::state::{initial_query_param, Shell, Theme};
use crate::ui::NotFoundView;
use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::path;
use leptos_router::Lazy;

/// The whole application.
// The route views are in parentheses: leptosfmt drops the braces a turbofish needs in `view!`.
#[allow(unused_parens)]
#[component]
pub fn App() -> impl IntoView {
    let shell = Shell {
        embed: initial_query_param("embed").is_some_and(|v| v == "1" || v == "true"),
        theme: RwSignal::new(Theme::from_param(initial_query_param("theme").as_deref())),
        system_prefers_dark: RwSignal::new(false),
        signed_out_reason: RwSignal::new(None),
    };
    provide_context(shell);
    follow_system_colour_scheme(shell.system_prefers_dark);
    Effect::new(move |_| {
        let root = document().document_element().expect("<html>");
        match shell.theme.get().attribute() {
            Some(t) => root.set_attribute("data-theme", t).ok(),
            None => root.remove_attribute("data-theme").ok(),
        };
        if shell.embed {
            let _ = root.set_attribute("data-embed", "1");
        }
    });

    let base = base_path();
    view! {
        <Router base=base>
            <SignInOnUnauthorized />
            <div class="app" class:embed=shell.embed>
                {(!shell.embed).then(|| view! { <Header /> })}
                <main id="main" class="app-main">
                    <Routes fallback=|| {
                        view! { <NotFoundView what="There is no page at this address." /> }
                    }>
                        <Route path=path!("/") view=(Lazy::<PickerRoute>::new()) />
                        <Route path=path!("/signin") view=(Lazy::<SignInRoute>::new()) />
                        <Route path=path!("/tools") view=(Lazy::<ToolsRoute>::new()) />
                        <ParentRoute path=path!("/agents/:id") view=AgentPage>
                            <Route path=path!("") view=overview::Overview />
                            <Route path=path!("startup") view=(Lazy::<StartupRoute>::new()) />
                            <Route path=path!("logs") view=(Lazy::<LogsRoute>::new()) />
                            <Route path=path!("terminal") view=(Lazy::<TerminalRoute>::new()) />
                            <Route path=path!("ports") view=(Lazy::<PortsRoute>::new()) />
                            <Route path=path!("network") view=(Lazy::<NetworkRoute>::new()) />
                            <Route path=path!("containers") view=(Lazy::<ContainersRoute>::new()) />
                        </ParentRoute>
                    </Routes>
                </main>
            </div>
        </Router>
    }
}

/// Any 401 answer sends the user to sign-in with the server's reason and a way back.
#[component]
fn SignInOnUnauthorized() -> impl IntoView {
    let shell = crate::state::use_shell();
    let navigate = use_navigate();
    let location = use_location();
    token::on_unauthorized(move |reason| {
        shell.signed_out_reason.set(Some(reason));
        let here = location.pathname.get_untracked();
        if here != "/signin" {
            // The whole address comes back after sign-in: its query and a line link too.
            let search = location.search.get_untracked();
            let query = if search.is_empty() { "" } else { "?" };
            let here = format!("{here}{query}{search}{}", location.hash.get_untracked());
            let next = js_sys::encode_uri_component(&here);
            navigate(&format!("/signin?next={next}"), Default::default());
        }
    });
}

/// Keeps `prefers_dark` equal to the system's `prefers-color-scheme` for the page's life.
fn follow_system_colour_scheme(prefers_dark: RwSignal<bool>) {
    let Some(query) = window()
        .match_media("(prefers-color-scheme: dark)")
        .ok()
        .flatten()
    else {
        return;
    };
    prefers_dark.set(query.matches());
    let watched = query.clone();
    let on_change = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
        prefers_dark.set(watched.matches())
    });
    query.set_onchange(Some(wasm_bindgen::JsCast::unchecked_ref(
        on_change.as_ref(),
    )));
    // The app lives as long as the page: the handler is never removed.
    on_change.forget();
}
