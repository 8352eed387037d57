//! The shell's state, provided once by the app: how the page was opened (embed, theme), the
//! system's colour preference, and why the user was last signed out.
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

    /// Whether the page is dark with this theme, when the system prefers dark or not.
    pub fn is_dark(self, system_prefers_dark: bool) -> bool {
        match self {
            Theme::Dark => true,
            Theme::Light => false,
            Theme::System => system_prefers_dark,
        }
    }

    /// The next theme of the header's switch: the opposite of what is shown now.
    pub fn toggled(self, system_prefers_dark: bool) -> Self {
        if self.is_dark(system_prefers_dark) {
            Theme::Light
        } else {
            Theme::Dark
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
    /// The theme chosen (by the address or the header's switch).
    pub theme: RwSignal<Theme>,
    /// Whether the system prefers dark colours (followed live).
    pub system_prefers_dark: RwSignal<bool>,
    /// The reason of the last 401, shown on the sign-in page.
    pub signed_out_reason: RwSignal<Option<String>>,
}

impl Shell {
    /// Whether the page is dark now: the one decision the stylesheet and the terminal follow.
    pub fn dark(&self) -> bool {
        self.theme.get().is_dark(self.system_prefers_dark.get())
    }

    /// [`Shell::dark`] without tracking, for code that may run after the app's signals are gone
    /// (`None` then).
    pub fn try_dark_untracked(&self) -> Option<bool> {
        let theme = self.theme.try_get_untracked()?;
        Some(theme.is_dark(self.system_prefers_dark.try_get_untracked()?))
    }
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

#[cfg(test)]
mod tests {
    use super::Theme;

    #[test]
    fn the_switch_always_changes_what_is_shown() {
        for system_dark in [false, true] {
            for theme in [Theme::System, Theme::Light, Theme::Dark] {
                let next = theme.toggled(system_dark);
                assert_ne!(
                    next.is_dark(system_dark),
                    theme.is_dark(system_dark),
                    "{theme:?}, system dark: {system_dark}"
                );
            }
        }
        assert!(Theme::System.is_dark(true) && !Theme::System.is_dark(false));
    }
}
