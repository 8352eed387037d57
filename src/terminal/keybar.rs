//! The key bar for touch screens: the keys a soft keyboard lacks (Esc, Tab, Ctrl, Alt, arrows and
//! a few symbols that hide behind its layers). Ctrl and Alt latch: tap one, then a key (on the bar
//! or the soft keyboard), and that key is sent modified.
use leptos::prelude::*;

/// A key of the bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Esc,
    Tab,
    Up,
    Down,
    Left,
    Right,
    /// A printable character (`|`, `~`, `/`).
    Char(char),
}

/// Latched modifiers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mods {
    pub ctrl: bool,
    pub alt: bool,
}

impl Mods {
    /// No modifier latched.
    pub fn is_empty(self) -> bool {
        !self.ctrl && !self.alt
    }
}

/// The control character Ctrl+`c` produces in a terminal, if any (letters, and the symbols
/// terminals map: `@ [ \ ] ^ _ ?`, space and the digits 2–8).
pub fn ctrl_char(c: char) -> Option<char> {
    let code = match c.to_ascii_lowercase() {
        l @ 'a'..='z' => l as u8 - b'a' + 1,
        '@' | ' ' | '2' => 0,
        '[' | '3' => 0x1b,
        '\\' | '4' => 0x1c,
        ']' | '5' => 0x1d,
        '^' | '6' => 0x1e,
        '_' | '7' | '/' => 0x1f,
        '?' | '8' => 0x7f,
        _ => return None,
    };
    Some(char::from(code))
}

/// Text typed while modifiers are latched: Ctrl turns the first character into its control
/// character, Alt prefixes it with ESC (what terminals send for Meta). The rest passes as typed.
pub fn apply_mods(data: &str, mods: Mods) -> String {
    if mods.is_empty() {
        return data.to_owned();
    }
    let mut chars = data.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    let mut out = String::new();
    if mods.alt {
        out.push('\u{1b}');
    }
    match (mods.ctrl, ctrl_char(first)) {
        (true, Some(c)) => out.push(c),
        _ => out.push(first),
    }
    out.push_str(chars.as_str());
    out
}

/// The bytes a key of the bar sends. `app_cursor` is the terminal's application-cursor mode
/// (DECCKM, set by full-screen programs), which changes unmodified arrows from `CSI A` to `SS3 A`.
pub fn key_bytes(key: Key, mods: Mods, app_cursor: bool) -> String {
    let arrow = |letter: char| {
        if mods.is_empty() {
            if app_cursor {
                format!("\u{1b}O{letter}")
            } else {
                format!("\u{1b}[{letter}")
            }
        } else {
            // xterm's modifier parameter: 1 + Alt(2) + Ctrl(4).
            let m = 1 + if mods.alt { 2 } else { 0 } + if mods.ctrl { 4 } else { 0 };
            format!("\u{1b}[1;{m}{letter}")
        }
    };
    match key {
        Key::Up => arrow('A'),
        Key::Down => arrow('B'),
        Key::Right => arrow('C'),
        Key::Left => arrow('D'),
        Key::Esc => {
            if mods.alt {
                "\u{1b}\u{1b}".into()
            } else {
                "\u{1b}".into()
            }
        }
        Key::Tab => {
            if mods.alt {
                "\u{1b}\t".into()
            } else {
                "\t".into()
            }
        }
        Key::Char(c) => apply_mods(&c.to_string(), mods),
    }
}

/// The bar. `on_key` sends a key (the caller applies and then releases the latches).
#[component]
pub fn KeyBar(
    /// Ctrl latched.
    ctrl: RwSignal<bool>,
    /// Alt latched.
    alt: RwSignal<bool>,
    /// Called with each key tapped.
    on_key: impl Fn(Key) + Clone + 'static,
    /// Gives the focus back to the terminal after a latch changed.
    refocus: impl Fn() + Copy + 'static,
) -> impl IntoView {
    // The buttons must not take the focus from the terminal, or the soft keyboard would close.
    let keep_focus = |ev: web_sys::PointerEvent| ev.prevent_default();
    let keep_focus_mouse = |ev: web_sys::MouseEvent| ev.prevent_default();
    let key_button = move |key: Key, label: &'static str, name: &'static str| {
        let on_key = on_key.clone();
        view! {
            <button
                type="button"
                class="key"
                aria-label=name
                title=name
                on:pointerdown=keep_focus
                on:mousedown=keep_focus_mouse
                on:click=move |_| on_key(key)
            >
                {label}
            </button>
        }
    };
    let latch = move |sig: RwSignal<bool>, label: &'static str, name: &'static str| {
        view! {
            <button
                type="button"
                class="key key-latch"
                aria-label=name
                title=name
                aria-pressed=move || if sig.get() { "true" } else { "false" }
                on:pointerdown=keep_focus
                on:mousedown=keep_focus_mouse
                on:click=move |_| {
                    sig.update(|v| *v = !*v);
                    refocus();
                }
            >
                {label}
            </button>
        }
    };
    view! {
        <div class="keybar" role="toolbar" aria-label="Terminal keys">
            {key_button(Key::Esc, "Esc", "Escape")}
            {key_button(Key::Tab, "Tab", "Tab")}
            {latch(ctrl, "Ctrl", "Control (applies to the next key)")}
            {latch(alt, "Alt", "Alt (applies to the next key)")}
            {key_button(Key::Char('|'), "|", "Pipe")}
            {key_button(Key::Char('~'), "~", "Tilde")}
            {key_button(Key::Char('/'), "/", "Slash")}
            {key_button(Key::Left, "←", "Left arrow")}
            {key_button(Key::Up, "↑", "Up arrow")}
            {key_button(Key::Down, "↓", "Down arrow")}
            {key_button(Key::Right, "→", "Right arrow")}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CTRL: Mods = Mods {
        ctrl: true,
        alt: false,
    };
    const ALT: Mods = Mods {
        ctrl: false,
        alt: true,
    };
    const BOTH: Mods = Mods {
        ctrl: true,
        alt: true,
    };

    #[test]
    fn ctrl_letters_and_symbols() {
        assert_eq!(ctrl_char('c'), Some('\u{3}'));
        assert_eq!(ctrl_char('C'), Some('\u{3}'));
        assert_eq!(ctrl_char('a'), Some('\u{1}'));
        assert_eq!(ctrl_char('z'), Some('\u{1a}'));
        assert_eq!(ctrl_char('['), Some('\u{1b}'));
        assert_eq!(ctrl_char('?'), Some('\u{7f}'));
        assert_eq!(ctrl_char(' '), Some('\u{0}'));
        assert_eq!(ctrl_char('é'), None);
    }

    #[test]
    fn latched_mods_apply_to_typed_text() {
        assert_eq!(apply_mods("c", CTRL), "\u{3}");
        assert_eq!(apply_mods("d", ALT), "\u{1b}d");
        assert_eq!(apply_mods("x", BOTH), "\u{1b}\u{18}");
        assert_eq!(apply_mods("cd", CTRL), "\u{3}d");
        assert_eq!(apply_mods("é", CTRL), "é");
        assert_eq!(apply_mods("ls", Mods::default()), "ls");
        assert_eq!(apply_mods("", CTRL), "");
    }

    #[test]
    fn bar_keys() {
        let none = Mods::default();
        assert_eq!(key_bytes(Key::Esc, none, false), "\u{1b}");
        assert_eq!(key_bytes(Key::Tab, none, false), "\t");
        assert_eq!(key_bytes(Key::Up, none, false), "\u{1b}[A");
        assert_eq!(key_bytes(Key::Up, none, true), "\u{1b}OA");
        assert_eq!(key_bytes(Key::Left, CTRL, true), "\u{1b}[1;5D");
        assert_eq!(key_bytes(Key::Right, ALT, false), "\u{1b}[1;3C");
        assert_eq!(key_bytes(Key::Down, BOTH, false), "\u{1b}[1;7B");
        assert_eq!(key_bytes(Key::Char('|'), none, false), "|");
        assert_eq!(key_bytes(Key::Char('/'), CTRL, false), "\u{1f}");
        assert_eq!(key_bytes(Key::Esc, ALT, false), "\u{1b}\u{1b}");
    }
}
