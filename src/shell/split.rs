//! Views whose code is loaded the first time they open, so the first page downloads only the frame
//! and the overview.
//!
//! The release build (`scripts/build-wasm.mjs`) compiles with `--cfg split_views`: each function
//! below then becomes a split point, and `wasm-split-cli` moves the code only it reaches into its
//! own `.wasm` file, fetched by the router when the route first matches. Without the cfg (tests,
//! `cargo check`), the same routes render at once from the one module.
use leptos::prelude::*;
use leptos_router::LazyRoute;

/// For each view: a route type for `leptos_router::Lazy` whose view comes from split module
/// `$module`, and (split builds) its loader and preloader; then `preload_segment`, which starts
/// the download of the view whose path ends in the given segment.
macro_rules! split_routes {
    ($($(#[$doc:meta])* $route:ident: $module:ident, $load:ident, $preload:ident, $view:path, $segment:literal;)*) => {
        $(
            $(#[$doc])*
            pub struct $route;

            #[cfg(split_views)]
            #[leptos::wasm_split::wasm_split($module, wasm_split_path = ::leptos::wasm_split, fallible, preload($preload))]
            fn $load() -> Result<AnyView, leptos::wasm_split::SplitLoaderError> {
                Ok($view().into_any())
            }

            impl LazyRoute for $route {
                fn data() -> Self {
                    $route
                }

                async fn view(_: Self) -> AnyView {
                    #[cfg(split_views)]
                    return $load().await.unwrap_or_else(|_| load_failed(stringify!($module)));
                    #[cfg(not(split_views))]
                    return $view().into_any();
                }
            }
        )*

        #[cfg(split_views)]
        fn preload_segment(segment: String) {
            leptos::task::spawn_local(async move {
                let _ = match segment.as_str() {
                    $($segment => $preload().await,)*
                    _ => Ok(()),
                };
            });
        }

        #[cfg(not(split_views))]
        fn preload_segment(_: String) {}
    };
}

split_routes! {
    /// The startup timeline (`/agents/:id/startup`).
    StartupRoute: startup, load_startup, preload_startup, crate::startup::StartupView, "startup";
    /// The logs view (`/agents/:id/logs`).
    LogsRoute: logs, load_logs, preload_logs, crate::logs::LogsView, "logs";
    /// The terminal view (`/agents/:id/terminal`).
    TerminalRoute: terminal, load_terminal, preload_terminal, crate::terminal::TerminalView, "terminal";
    /// The ports view (`/agents/:id/ports`).
    PortsRoute: ports, load_ports, preload_ports, crate::ports::PortsView, "ports";
    /// The containers view (`/agents/:id/containers`).
    ContainersRoute: containers, load_containers, preload_containers, crate::containers::ContainersView, "containers";
    /// The network view (`/agents/:id/network`).
    NetworkRoute: network, load_network, preload_network, crate::network::NetworkView, "network";
    /// The agent picker (`/`).
    PickerRoute: picker, load_picker, preload_picker, crate::picker::Picker, "";
    /// The sign-in page (`/signin`).
    SignInRoute: signin, load_signin, preload_signin, crate::signin::SignIn, "signin";
    /// The tools page (`/tools`).
    ToolsRoute: tools, load_tools, preload_tools, crate::tools::ToolsView, "tools";
}

/// Starts fetching the module of the view a link leads to, when the pointer reaches the link or
/// it gets focus: by the click, the view's code is usually there. Failures are ignored (the
/// click loads again and reports them).
pub fn preload_link_target(ev: impl AsRef<web_sys::Event>) {
    use wasm_bindgen::JsCast;
    let Some(href) = ev
        .as_ref()
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|e| e.closest("a[href]").ok().flatten())
        .and_then(|a| a.get_attribute("href"))
    else {
        return;
    };
    preload_segment(view_segment(&href, &crate::api::base_path()).to_owned());
}

/// The segment that names the view a link leads to: the last one of its path below the base path
/// (`""` for the picker at the root).
fn view_segment<'a>(href: &'a str, base: &str) -> &'a str {
    let path = href.split(['?', '#']).next().unwrap_or_default();
    let path = path
        .strip_prefix(base)
        .filter(|p| p.is_empty() || p.starts_with('/'))
        .unwrap_or(path);
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
}

/// The view's module could not be fetched (server gone, network down): say so, and let the
/// user try again; the loader does not remember failures, so opening the view again refetches it.
#[cfg_attr(not(split_views), allow(dead_code))]
fn load_failed(view: &'static str) -> AnyView {
    view! {
        <section class="error-view" role="alert">
            <h2>"This view could not be loaded"</h2>
            <p class="error-message">
                {format!("The code of the {view} view could not be downloaded.")}
            </p>
            <p>"Check the connection, then open the view again or reload the page."</p>
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::view_segment;

    #[test]
    fn a_link_names_its_view_with_or_without_a_base_path() {
        for base in ["", "/console"] {
            assert_eq!(
                view_segment(&format!("{base}/"), base),
                "",
                "picker under {base:?}"
            );
            assert_eq!(
                view_segment(&format!("{base}/agents/a1/logs?x=1#y"), base),
                "logs"
            );
            assert_eq!(
                view_segment(&format!("{base}/agents/a1/terminal/"), base),
                "terminal"
            );
            assert_eq!(view_segment(&format!("{base}/tools"), base), "tools");
        }
        // A base that is only a prefix of the first segment is not the base.
        assert_eq!(view_segment("/consoles", "/console"), "consoles");
        assert_eq!(view_segment("/console", "/console"), "");
    }
}
