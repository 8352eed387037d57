//! App-wide state, provided once by the shell: how the page was opened (embed, theme) and why
//! the user was last signed out.
use leptos::prelude::*;

/// Colour theme: follow the system unless the URL or the user chose one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    System,
    Light,
    Dark,
}

impl Theme {
    /// From a `?theme=` value; anything unknown follows the system.
    pub fn from_param(value: Option<&str>) -> Self {
        match value {
            Some("light") => Theme::Light,
            Some("dark") => Theme::Dark,
            _ => Theme::System,
        }
    }

    /// The `data-theme` attribute value on `<html>` (absent for System).
    pub fn attribute(self) -> Option<&'static str> {
        match self {
            Theme::System => None,
            Theme::Light => Some("light"),
            Theme::Dark => Some("dark"),
        }
    }
}

/// The shell's context.
#[derive(Clone, Copy)]
pub struct Shell {
    /// `?embed=1`: the chosen view alone, without navigation chrome.
    pub embed: bool,
    /// The theme in force.
    pub theme: RwSignal<Theme>,
    /// The reason of the last 401, shown on the sign-in page.
    pub signed_out_reason: RwSignal<Option<String>>,
}

/// The shell's context (panics outside the app, which is a programming error).
pub fn use_shell() -> Shell {
    expect_context::<Shell>()
}

/// Reads one query parameter of the page's URL as it was opened.
pub fn initial_query_param(name: &str) -> Option<String> {
    let search = window().location().search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    params.get(name)
}
