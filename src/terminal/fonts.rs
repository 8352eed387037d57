//! The terminal's font family: the system's monospace (the default, nothing downloaded), or
//! JetBrains Mono with the Nerd Fonts symbols (prompts' icons), shipped from npm and fetched only
//! when chosen (scripts/terminal-fonts.mjs). The choice is remembered in localStorage.
use crate::ui::storage;

const FONT_FAMILY_KEY: &str = "agent-console.terminal.font-family";

/// The monospace stack of the app's stylesheet (`--mono`), plus common Linux fallbacks.
pub const SYSTEM_STACK: &str =
    "ui-monospace, 'SF Mono', 'JetBrains Mono', Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace";

/// A font family the terminal offers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TerminalFont {
    #[default]
    System,
    JetBrainsNerd,
}

impl TerminalFont {
    pub const ALL: [TerminalFont; 2] = [TerminalFont::System, TerminalFont::JetBrainsNerd];

    /// As stored and as the menu's value.
    pub fn key(self) -> &'static str {
        match self {
            TerminalFont::System => "system",
            TerminalFont::JetBrainsNerd => "jetbrains-mono-nerd",
        }
    }

    /// From a stored value; anything unknown is the default.
    pub fn from_key(key: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|f| f.key() == key)
            .unwrap_or_default()
    }

    /// As the menu shows it.
    pub fn label(self) -> &'static str {
        match self {
            TerminalFont::System => "System monospace",
            TerminalFont::JetBrainsNerd => "JetBrains Mono + Nerd Font symbols",
        }
    }

    /// The families that must be downloaded first.
    pub fn downloads(self) -> &'static [&'static str] {
        match self {
            TerminalFont::System => &[],
            TerminalFont::JetBrainsNerd => &["JetBrains Mono", "Pure Nerd Font"],
        }
    }

    /// xterm's `fontFamily`: the chosen faces, then the system's stack for anything they lack.
    pub fn css_family(self) -> String {
        let lead: String = self
            .downloads()
            .iter()
            .map(|f| format!("'{f}', "))
            .collect();
        format!("{lead}{SYSTEM_STACK}")
    }
}

/// The remembered choice.
pub fn load_choice() -> TerminalFont {
    storage::load(FONT_FAMILY_KEY)
        .map(|k| TerminalFont::from_key(&k))
        .unwrap_or_default()
}

/// Remembers the choice.
pub fn save_choice(font: TerminalFont) {
    storage::save(FONT_FAMILY_KEY, font.key());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_unknown_ones_are_the_default() {
        for f in TerminalFont::ALL {
            assert_eq!(TerminalFont::from_key(f.key()), f);
        }
        assert_eq!(TerminalFont::from_key("comic-sans"), TerminalFont::System);
    }

    #[test]
    fn the_chosen_faces_come_first_with_the_system_stack_behind() {
        assert_eq!(TerminalFont::System.css_family(), SYSTEM_STACK);
        assert!(TerminalFont::JetBrainsNerd
            .css_family()
            .starts_with("'JetBrains Mono', 'Pure Nerd Font', ui-monospace"));
    }
}
