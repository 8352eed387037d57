//! Views whose code is loaded the first time they open, so the first page downloads only the frame
//! and the overview.
//!
//! The release build (`scripts/build-wasm.mjs`) compiles with `--cfg split_views`: each function
//! below then becomes a split point, and `wasm-split-cli` moves the code only it reaches into its
//! own `.wasm` file, fetched by the router when the route first matches. Without the cfg (tests,
//! `cargo check`), the same routes render at once from the one module.
use crate::ui::ErrorView;
use leptos::prelude::*;
use leptos_router::LazyRoute;

/// Defines a route type for `leptos_router::Lazy` whose view comes from split module `$module`.
macro_rules! split_route {
    ($(#[$doc:meta])* $route:ident, $module:ident, $load:ident, $view:path) => {
        $(#[$doc])*
        pub struct $route;

        #[cfg(split_views)]
        #[leptos::wasm_split::wasm_split($module, wasm_split_path = ::leptos::wasm_split, fallible)]
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
    };
}

split_route!(
    /// The logs view (`/agents/:id/logs`).
    LogsRoute, logs, load_logs, crate::logs::LogsView
);
split_route!(
    /// The terminal view (`/agents/:id/terminal`).
    TerminalRoute, terminal, load_terminal, crate::terminal::TerminalView
);
split_route!(
    /// The ports view (`/agents/:id/ports`).
    PortsRoute, ports, load_ports, crate::ports::PortsView
);
split_route!(
    /// The network view (`/agents/:id/network`).
    NetworkRoute, network, load_network, crate::network::NetworkView
);
split_route!(
    /// The agent picker (`/`).
    PickerRoute, picker, load_picker, crate::picker::Picker
);
split_route!(
    /// The sign-in page (`/signin`).
    SignInRoute, signin, load_signin, crate::signin::SignIn
);
split_route!(
    /// The tools page (`/tools`).
    ToolsRoute, tools, load_tools, crate::tools::ToolsView
);

/// The view's module could not be fetched (server gone, network down): say so, and let the
/// user try again; the loader does not remember failures, so opening the view again refetches it.
#[cfg_attr(not(split_views), allow(dead_code))]
fn load_failed(view: &'static str) -> AnyView {
    let error = crate::api::ApiError::Network(format!(
        "The code of the {view} view could not be downloaded. Check the connection, then open the view again or reload the page."
    ));
    view! { <ErrorView error=error/> }.into_any()
}
