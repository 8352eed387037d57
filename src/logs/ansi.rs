//! ANSI/VT parsing of one log line into styled runs.
//!
//! Log output is written for terminals: colours and styles arrive as SGR sequences, progress bars
//! redraw with `\r`, and tools sprinkle other escape sequences (titles, hyperlinks, cursor moves)
//! that mean nothing in a list of lines. This module keeps what a log reader needs and drops the
//! rest:
//!
//! * SGR (`CSI … m`) is applied to a [`Style`]: reset, bold, dim, italic, underline, inverse,
//!   hidden, strikethrough and their resets; 16, 256 and truecolor foreground/background in both
//!   the `;` and the `:` (ITU T.416) forms. Empty parameters mean 0; unknown or out-of-range values
//!   are ignored.
//! * Every other sequence is dropped: CSI of any kind (private markers, intermediates), OSC
//!   (ended by BEL, ST or the end of the line: titles, OSC 8 hyperlinks, OSC 52 clipboard), DCS,
//!   SOS, PM and APC strings, two-byte `ESC x` sequences, and a lone ESC. The 8-bit C1 controls
//!   (U+0080–U+009F) act like their 7-bit forms, so U+009B opens a CSI and U+009C ends a string.
//! * C0 controls are dropped except TAB (kept as text) and CR (see below).
//!
//! **The `\r` rule.** A line keeps only the text after its last `\r`, like the final frame of a
//! progress bar; the SGR state carries across the `\r`, as it would on a terminal. A `\r` that
//! is followed by no visible text (a trailing `\r`, `\r\n`, or `\r` followed only by escape
//! sequences) erases nothing: "50%\r" shows "50%", not an empty line. The text is replaced,
//! not overwritten column by column ("abc\rd" shows "d"), as Coder's dashboard does.
//!
//! **Linear time.** The parser is a single forward pass over the bytes (each byte is visited
//! once; see the `steps` count in the tests) with O(1) work per byte: parameters are capped at
//! [`MAX_PARAMS`] and saturate at 65535, string payloads are skipped without being stored, and an
//! optional output limit ([`parse_line_limited`]) bounds memory on multi-megabyte lines.
use std::borrow::Cow;
use std::fmt::Write as _;
use std::ops::Range;

/// Parameters kept per CSI sequence; later ones are read and dropped (xterm keeps 30).
pub const MAX_PARAMS: usize = 32;

/// A parameter value saturates here, so `ESC[99999999999m` cannot overflow.
const PARAM_SATURATE: u32 = 65_535;

/// A colour as the log asked for it; turned into CSS by [`Color::to_css`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Color {
    /// The viewer's own foreground or background.
    #[default]
    Default,
    /// One of the 16 basic colours (0–7 normal, 8–15 bright).
    Ansi16(u8),
    /// One of xterm's 256 colours (`38;5;n`).
    Ansi256(u8),
    /// A truecolor value (`38;2;r;g;b`).
    Rgb(u8, u8, u8),
}

/// The 16 basic colours on a dark background: readable, not neon.
const PALETTE_DARK: [(u8, u8, u8); 16] = [
    (0x4b, 0x52, 0x63), // black: lifted so it stays visible on a dark page
    (0xf0, 0x71, 0x78),
    (0x8f, 0xd1, 0x8f),
    (0xe5, 0xc0, 0x7b),
    (0x6c, 0xb6, 0xff),
    (0xd3, 0x8a, 0xea),
    (0x56, 0xc8, 0xd8),
    (0xc8, 0xcc, 0xd4),
    (0x7f, 0x84, 0x8e),
    (0xff, 0x9a, 0xa2),
    (0xb5, 0xf0, 0xa5),
    (0xff, 0xe0, 0x8a),
    (0x9c, 0xd0, 0xff),
    (0xee, 0xb0, 0xff),
    (0x8a, 0xe6, 0xf0),
    (0xff, 0xff, 0xff),
];

/// The 16 basic colours on a light background: "white" and "yellow" darkened so they show.
const PALETTE_LIGHT: [(u8, u8, u8); 16] = [
    (0x1f, 0x23, 0x28),
    (0xc4, 0x24, 0x2f),
    (0x1a, 0x7f, 0x37),
    (0x8a, 0x61, 0x00),
    (0x05, 0x50, 0xae),
    (0x82, 0x50, 0xdf),
    (0x0b, 0x72, 0x85),
    (0x6e, 0x77, 0x81),
    (0x57, 0x60, 0x6a),
    (0xe5, 0x53, 0x4b),
    (0x2d, 0xa4, 0x4e),
    (0xb0, 0x88, 0x00),
    (0x21, 0x8b, 0xff),
    (0xa4, 0x75, 0xf9),
    (0x1b, 0x9a, 0xaa),
    (0x8c, 0x95, 0x9f),
];

/// The levels of each axis of xterm's 6×6×6 colour cube (indices 16–231).
const CUBE_LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];

impl Color {
    /// The colour as RGB for the given theme (`None` for [`Color::Default`]).
    pub fn to_rgb(&self, theme_dark: bool) -> Option<(u8, u8, u8)> {
        let palette = if theme_dark {
            &PALETTE_DARK
        } else {
            &PALETTE_LIGHT
        };
        match *self {
            Color::Default => None,
            Color::Ansi16(n) => Some(palette[usize::from(n & 15)]),
            Color::Ansi256(n) if n < 16 => Some(palette[usize::from(n)]),
            Color::Ansi256(n) if n < 232 => {
                let i = n - 16;
                let level = |k: u8| CUBE_LEVELS[usize::from(k)];
                Some((level(i / 36), level((i / 6) % 6), level(i % 6)))
            }
            Color::Ansi256(n) => {
                let grey = 8 + 10 * (n - 232);
                Some((grey, grey, grey))
            }
            Color::Rgb(r, g, b) => Some((r, g, b)),
        }
    }

    /// The colour as a CSS value (`#rrggbb`), or `None` for the theme's default. Built from
    /// numbers only, so nothing from the log can reach the style attribute.
    pub fn to_css(&self, theme_dark: bool) -> Option<String> {
        self.to_rgb(theme_dark)
            .map(|(r, g, b)| format!("#{r:02x}{g:02x}{b:02x}"))
    }
}

/// The SGR state of a run of text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Style {
    /// Foreground colour.
    pub fg: Color,
    /// Background colour.
    pub bg: Color,
    /// SGR 1 (reset by 22).
    pub bold: bool,
    /// SGR 2, faint (reset by 22).
    pub dim: bool,
    /// SGR 3 (reset by 23).
    pub italic: bool,
    /// SGR 4 and 21, and `4:n` with n > 0 (reset by 24 and `4:0`).
    pub underline: bool,
    /// SGR 7: swap foreground and background (reset by 27).
    pub inverse: bool,
    /// SGR 8, concealed (reset by 28).
    pub hidden: bool,
    /// SGR 9 (reset by 29).
    pub strikethrough: bool,
}

/// Theme colours used when inverse video needs the default foreground or background as a
/// colour; the page can override them with these CSS custom properties.
const DEFAULT_FG_VAR: [&str; 2] = [
    "var(--ansi-default-fg, #1f2328)",
    "var(--ansi-default-fg, #e6edf3)",
];
const DEFAULT_BG_VAR: [&str; 2] = [
    "var(--ansi-default-bg, #ffffff)",
    "var(--ansi-default-bg, #0d1117)",
];

impl Style {
    /// Whether the style is the plain default (no `style` attribute needed).
    pub fn is_default(&self) -> bool {
        *self == Style::default()
    }

    /// An inline CSS declaration list for this style (empty for the default style). Only fixed
    /// property names, fixed keywords and numbers appear in it.
    pub fn inline_css(&self, theme_dark: bool) -> String {
        let mut css = String::new();
        if self.is_default() {
            return css;
        }
        let theme = usize::from(theme_dark);
        let (fg, bg) = if self.inverse {
            // Inverse needs a concrete colour on both sides, even when one side is "default".
            let fg = self
                .bg
                .to_css(theme_dark)
                .unwrap_or_else(|| DEFAULT_BG_VAR[theme].to_owned());
            let bg = self
                .fg
                .to_css(theme_dark)
                .unwrap_or_else(|| DEFAULT_FG_VAR[theme].to_owned());
            (Some(fg), Some(bg))
        } else {
            (self.fg.to_css(theme_dark), self.bg.to_css(theme_dark))
        };
        if let Some(fg) = fg {
            let _ = write!(css, "color:{fg};");
        }
        if let Some(bg) = bg {
            let _ = write!(css, "background-color:{bg};");
        }
        if self.bold {
            css.push_str("font-weight:600;");
        }
        if self.dim {
            css.push_str("opacity:0.7;");
        }
        if self.italic {
            css.push_str("font-style:italic;");
        }
        match (self.underline, self.strikethrough) {
            (true, true) => css.push_str("text-decoration-line:underline line-through;"),
            (true, false) => css.push_str("text-decoration-line:underline;"),
            (false, true) => css.push_str("text-decoration-line:line-through;"),
            (false, false) => {}
        }
        if self.hidden {
            css.push_str("visibility:hidden;");
        }
        css
    }
}

/// A run of text in one style: `range` indexes [`StyledLine::plain_text`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// Byte range in the cleaned text (always on char boundaries, never empty).
    pub range: Range<usize>,
    /// The style of the whole run.
    pub style: Style,
}

/// One log line with escape sequences removed and its styled runs.
///
/// Invariants: the spans are non-empty, cover the text exactly and in order, and two adjacent
/// spans never share a style.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StyledLine {
    text: String,
    spans: Vec<Span>,
    hidden_bytes: usize,
}

impl StyledLine {
    /// The visible text, ANSI stripped (for search, copy and download).
    pub fn plain_text(&self) -> &str {
        &self.text
    }

    /// The styled runs over [`plain_text`](Self::plain_text).
    pub fn spans(&self) -> &[Span] {
        &self.spans
    }

    /// Each run's text with its style, in order.
    pub fn runs(&self) -> impl Iterator<Item = (&str, &Style)> + '_ {
        self.spans
            .iter()
            .map(|s| (&self.text[s.range.clone()], &s.style))
    }

    /// Bytes of cleaned text cut off by the output limit (0 when the line is whole).
    pub fn hidden_bytes(&self) -> usize {
        self.hidden_bytes
    }

    /// Whether the output limit cut the line.
    pub fn is_truncated(&self) -> bool {
        self.hidden_bytes > 0
    }

    /// The cleaned text, consuming the line.
    pub fn into_plain_text(self) -> String {
        self.text
    }
}

/// Parses one log line (see the module docs for what is kept and what is dropped).
pub fn parse_line(input: &str) -> StyledLine {
    parse_line_limited(input, usize::MAX)
}

/// Like [`parse_line`], but keeps at most `limit` bytes of cleaned text (cut at a char
/// boundary); the rest is only counted in [`StyledLine::hidden_bytes`]. The whole input is
/// still read, so the `\r` rule and the count stay exact.
pub fn parse_line_limited(input: &str, limit: usize) -> StyledLine {
    let mut parser = Parser::new(limit, true);
    parser.run(input);
    parser.finish()
}

/// The cleaned text of a line. Borrows the input when it holds nothing to clean, which is the
/// common case and keeps search over a million lines cheap.
pub fn plain_text(input: &str) -> Cow<'_, str> {
    if !needs_cleaning(input) {
        return Cow::Borrowed(input);
    }
    let mut parser = Parser::new(usize::MAX, false);
    parser.run(input);
    Cow::Owned(parser.finish().text)
}

/// Whether `input` holds any control (other than TAB), DEL or C1 character.
fn needs_cleaning(input: &str) -> bool {
    let b = input.as_bytes();
    b.iter()
        .enumerate()
        .any(|(i, &c)| is_special(c, b.get(i + 1).copied()))
}

/// Whether the byte starts something the ground state must look at: a C0 control other than
/// TAB, DEL, or the lead byte of a C1 control (`next` is the byte after it).
#[inline]
fn is_special(c: u8, next: Option<u8>) -> bool {
    (c < 0x20 && c != b'\t') || c == 0x7f || (c == 0xc2 && matches!(next, Some(0x80..=0x9f)))
}

/// Where the parser is inside an escape sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Plain text.
    Ground,
    /// After ESC.
    Escape,
    /// After ESC and one or more intermediates (0x20–0x2F), waiting for a final byte.
    EscapeIntermediate,
    /// Inside a CSI, reading parameters.
    Csi,
    /// Inside a CSI that cannot be SGR (private marker, intermediates, misplaced bytes):
    /// skipped up to its final byte.
    CsiIgnore,
    /// Inside an OSC string (ends at BEL or ST).
    Osc,
    /// Inside a DCS, SOS, PM or APC string (ends at ST).
    Str,
}

/// CSI parameters: values with a flag telling whether each one is a `:` sub-parameter of the
/// value before it.
#[derive(Clone, Copy)]
struct Params {
    vals: [u16; MAX_PARAMS],
    sub: [bool; MAX_PARAMS],
    len: usize,
    cur: u32,
    cur_is_sub: bool,
    /// The CSI had a private marker or intermediates: not an SGR.
    not_sgr: bool,
    /// A parameter byte has been seen (private markers are only valid before the first).
    started: bool,
}

impl Params {
    const EMPTY: Params = Params {
        vals: [0; MAX_PARAMS],
        sub: [false; MAX_PARAMS],
        len: 0,
        cur: 0,
        cur_is_sub: false,
        not_sgr: false,
        started: false,
    };

    fn clear(&mut self) {
        // Only the bookkeeping is reset: values past `len` are never read.
        self.len = 0;
        self.cur = 0;
        self.cur_is_sub = false;
        self.not_sgr = false;
        self.started = false;
    }

    fn digit(&mut self, d: u8) {
        self.cur = (self.cur * 10 + u32::from(d)).min(PARAM_SATURATE);
    }

    /// Ends the current value; `next_is_sub` says whether a `:` introduced the next one.
    fn push(&mut self, next_is_sub: bool) {
        if self.len < MAX_PARAMS {
            self.vals[self.len] = self.cur as u16;
            self.sub[self.len] = self.cur_is_sub;
            self.len += 1;
        }
        self.cur = 0;
        self.cur_is_sub = next_is_sub;
    }
}

/// The single-pass state machine (a reduced VT500 parser: no DCS hooks, no OSC payloads).
struct Parser {
    state: State,
    params: Params,
    style: Style,
    text: String,
    spans: Vec<Span>,
    /// A `\r` was seen: the next visible text replaces the line.
    cr_pending: bool,
    /// Cleaned text kept at most.
    limit: usize,
    /// The limit was reached since the last `\r`: all further text is counted, not kept.
    cut: bool,
    hidden_bytes: usize,
    want_spans: bool,
    /// Bytes consumed; the linear-time tests check it equals the input length.
    steps: usize,
}

impl Parser {
    fn new(limit: usize, want_spans: bool) -> Self {
        Parser {
            state: State::Ground,
            params: Params::EMPTY,
            style: Style::default(),
            text: String::new(),
            spans: Vec::new(),
            cr_pending: false,
            limit,
            cut: false,
            hidden_bytes: 0,
            want_spans,
            steps: 0,
        }
    }

    fn finish(self) -> StyledLine {
        StyledLine {
            text: self.text,
            spans: self.spans,
            hidden_bytes: self.hidden_bytes,
        }
    }

    /// Appends visible text in the current style.
    fn emit(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        if self.cr_pending {
            // A `\r` followed by visible text: only what follows it is kept.
            self.cr_pending = false;
            self.text.clear();
            self.spans.clear();
            self.cut = false;
            self.hidden_bytes = 0;
        }
        if self.cut {
            self.hidden_bytes += s.len();
            return;
        }
        let room = self.limit - self.text.len();
        let kept = if s.len() <= room {
            s
        } else {
            self.cut = true;
            let kept = floor_char_boundary(s, room);
            self.hidden_bytes += s.len() - kept.len();
            kept
        };
        if kept.is_empty() {
            return;
        }
        let start = self.text.len();
        self.text.push_str(kept);
        if !self.want_spans {
            return;
        }
        let end = self.text.len();
        match self.spans.last_mut() {
            Some(last) if last.style == self.style => last.range.end = end,
            _ => self.spans.push(Span {
                range: start..end,
                style: self.style,
            }),
        }
    }

    /// Runs a C0 control met in the ground state or inside a sequence: TAB is text, CR starts
    /// the `\r` rule, everything else is dropped.
    fn execute(&mut self, c: u8) {
        match c {
            b'\t' => self.emit("\t"),
            b'\r' => self.cr_pending = true,
            _ => {}
        }
    }

    /// Starts the sequence a C1 control (or its `ESC x` form) introduces.
    fn c1(&mut self, c1: u8) {
        self.state = match c1 {
            0x9b => {
                self.params.clear();
                State::Csi
            }
            0x9d => State::Osc,
            0x90 | 0x98 | 0x9e | 0x9f => State::Str,
            // ST outside a string, and every other C1 control: nothing to do.
            _ => State::Ground,
        };
    }

    fn run(&mut self, input: &str) {
        let b = input.as_bytes();
        let n = b.len();
        let mut i = 0;
        while i < n {
            let c = b[i];
            // A C1 control is two bytes in UTF-8 (C2 80..C2 9F); it acts the same in every state
            // except inside strings, where only ST (C2 9C) matters.
            let c1 = if c == 0xc2 {
                b.get(i + 1).copied().filter(|d| (0x80..=0x9f).contains(d))
            } else {
                None
            };
            match self.state {
                State::Ground => {
                    if let Some(c1) = c1 {
                        self.c1(c1);
                        i += 2;
                        self.steps += 2;
                        continue;
                    }
                    if c < 0x20 || c == 0x7f {
                        if c == 0x1b {
                            self.state = State::Escape;
                        } else if c != 0x7f {
                            self.execute(c);
                        }
                        i += 1;
                        self.steps += 1;
                        continue;
                    }
                    // A run of plain text, up to the next special byte (which is ASCII or the lead
                    // byte 0xC2, so the slice ends on a char boundary).
                    let start = i;
                    while i < n && !is_special(b[i], b.get(i + 1).copied()) {
                        i += 1;
                    }
                    self.steps += i - start;
                    self.emit(&input[start..i]);
                }
                State::Osc | State::Str => {
                    // Skip the payload: nothing of it is kept, so it costs no memory.
                    let osc = self.state == State::Osc;
                    let start = i;
                    while i < n {
                        let d = b[i];
                        if d == 0x1b || d == 0x18 || d == 0x1a || (osc && d == 0x07) {
                            break;
                        }
                        if d == 0xc2 && b.get(i + 1) == Some(&0x9c) {
                            break;
                        }
                        i += 1;
                    }
                    self.steps += i - start;
                    if i < n {
                        let d = b[i];
                        self.state = if d == 0x1b {
                            State::Escape
                        } else {
                            State::Ground
                        };
                        let width = if d == 0xc2 { 2 } else { 1 };
                        i += width;
                        self.steps += width;
                    }
                }
                State::Escape | State::EscapeIntermediate | State::Csi | State::CsiIgnore => {
                    if let Some(c1) = c1 {
                        // A C1 control interrupts the sequence and starts its own.
                        self.c1(c1);
                        i += 2;
                        self.steps += 2;
                        continue;
                    }
                    if c >= 0x80 {
                        // Printable non-ASCII text inside a sequence: the sequence was malformed.
                        // Abandon it and show the text rather than swallow it (not consumed here:
                        // the ground state reads this byte next).
                        self.state = State::Ground;
                        continue;
                    }
                    i += 1;
                    self.steps += 1;
                    self.sequence_byte(c);
                }
            }
        }
        // An unfinished sequence at the end of the line is dropped with the line's end.
    }

    /// One ASCII byte inside ESC/CSI states.
    fn sequence_byte(&mut self, c: u8) {
        match c {
            0x1b => {
                self.state = State::Escape;
                return;
            }
            0x18 | 0x1a => {
                // CAN and SUB cancel the sequence.
                self.state = State::Ground;
                return;
            }
            0x7f => return,
            0x00..=0x1f => {
                // C0 controls run in the middle of a sequence, as on a VT.
                self.execute(c);
                return;
            }
            _ => {}
        }
        match self.state {
            State::Escape => match c {
                b'[' => {
                    self.params.clear();
                    self.state = State::Csi;
                }
                b']' => self.state = State::Osc,
                b'P' | b'X' | b'^' | b'_' => self.state = State::Str,
                0x20..=0x2f => self.state = State::EscapeIntermediate,
                // Any other final byte (including `\`, a stray ST) ends a two-byte sequence.
                _ => self.state = State::Ground,
            },
            State::EscapeIntermediate => {
                if !(0x20..=0x2f).contains(&c) {
                    self.state = State::Ground;
                }
            }
            State::Csi => self.csi_byte(c),
            State::CsiIgnore => {
                if (0x40..=0x7e).contains(&c) {
                    self.state = State::Ground;
                }
            }
            State::Ground | State::Osc | State::Str => {
                unreachable!("sequence_byte outside a sequence")
            }
        }
    }

    fn csi_byte(&mut self, c: u8) {
        let p = &mut self.params;
        match c {
            b'0'..=b'9' => {
                p.started = true;
                p.digit(c - b'0');
            }
            b';' => {
                p.started = true;
                p.push(false);
            }
            b':' => {
                p.started = true;
                p.push(true);
            }
            b'<'..=b'?' => {
                if p.started {
                    self.state = State::CsiIgnore;
                } else {
                    p.started = true;
                    p.not_sgr = true;
                }
            }
            0x20..=0x2f => {
                // Intermediates: only a final byte may follow; either way this is not an SGR.
                self.state = State::CsiIgnore;
            }
            0x40..=0x7e => {
                self.state = State::Ground;
                if c == b'm' && !p.not_sgr {
                    p.push(false);
                    apply_sgr(&mut self.style, p);
                }
            }
            _ => self.state = State::Ground,
        }
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a char boundary.
pub(crate) fn floor_char_boundary(s: &str, max: usize) -> &str {
    if max >= s.len() {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Applies one SGR sequence's parameters to `style`.
fn apply_sgr(style: &mut Style, p: &Params) {
    let vals = &p.vals[..p.len];
    let mut i = 0;
    while i < vals.len() {
        // The group: this value and the `:` sub-parameters after it.
        let mut j = i + 1;
        while j < vals.len() && p.sub[j] {
            j += 1;
        }
        let code = vals[i];
        if j - i > 1 {
            let subs = &vals[i + 1..j];
            match code {
                38 => style.fg = colon_color(subs).unwrap_or(style.fg),
                48 => style.bg = colon_color(subs).unwrap_or(style.bg),
                // Underline colour is not rendered.
                58 => {}
                // `4:0` is "no underline"; `4:1`..`4:5` are underline shapes.
                4 => style.underline = subs[0] != 0,
                _ => apply_simple(style, code),
            }
            i = j;
            continue;
        }
        match code {
            38 | 48 | 58 => {
                let (color, used) = semicolon_color(&vals[i + 1..]);
                match (code, color) {
                    (38, Some(c)) => style.fg = c,
                    (48, Some(c)) => style.bg = c,
                    _ => {}
                }
                i += 1 + used;
            }
            _ => {
                apply_simple(style, code);
                i += 1;
            }
        }
    }
}

/// `38;5;n` / `38;2;r;g;b` after the 38: the colour (if valid) and how many values it used.
fn semicolon_color(rest: &[u16]) -> (Option<Color>, usize) {
    let byte = |k: usize| rest.get(k).and_then(|&v| u8::try_from(v).ok());
    match rest.first() {
        Some(5) => (byte(1).map(Color::Ansi256), rest.len().min(2)),
        Some(2) => {
            let rgb = match (byte(1), byte(2), byte(3)) {
                (Some(r), Some(g), Some(b)) => Some(Color::Rgb(r, g, b)),
                _ => None,
            };
            (rgb, rest.len().min(4))
        }
        // Unknown colour space (or nothing): consume the selector only.
        Some(_) => (None, 1),
        None => (None, 0),
    }
}

/// The sub-parameters of `38:…`: `5:n`, `2:r:g:b`, or `2:colourspace:r:g:b` (T.416).
fn colon_color(subs: &[u16]) -> Option<Color> {
    let byte = |k: usize| subs.get(k).and_then(|&v| u8::try_from(v).ok());
    match subs.first()? {
        5 => byte(1).map(Color::Ansi256),
        2 => {
            let first = if subs.len() >= 5 { 2 } else { 1 };
            Some(Color::Rgb(byte(first)?, byte(first + 1)?, byte(first + 2)?))
        }
        _ => None,
    }
}

/// An SGR code without parameters of its own.
fn apply_simple(style: &mut Style, code: u16) {
    match code {
        0 => *style = Style::default(),
        1 => style.bold = true,
        2 => style.dim = true,
        3 => style.italic = true,
        4 | 21 => style.underline = true,
        7 => style.inverse = true,
        8 => style.hidden = true,
        9 => style.strikethrough = true,
        22 => {
            style.bold = false;
            style.dim = false;
        }
        23 => style.italic = false,
        24 => style.underline = false,
        27 => style.inverse = false,
        28 => style.hidden = false,
        29 => style.strikethrough = false,
        30..=37 => style.fg = Color::Ansi16((code - 30) as u8),
        39 => style.fg = Color::Default,
        40..=47 => style.bg = Color::Ansi16((code - 40) as u8),
        49 => style.bg = Color::Default,
        90..=97 => style.fg = Color::Ansi16((code - 90) as u8 + 8),
        100..=107 => style.bg = Color::Ansi16((code - 100) as u8 + 8),
        // Blink, fonts, overline, frames...: not shown.
        _ => {}
    }
}

/// A deterministic mix of hostile and ordinary terminal output of about `bytes` bytes (never
/// more), for benchmarks and linear-time tests: unterminated and repeated CSI/OSC/DCS, huge
/// parameter lists, out-of-range colours, C1 controls, `\r` progress frames, and UTF-8 text.
pub fn hostile_ansi_sample(bytes: usize) -> String {
    const PIECES: &[&str] = &[
        "\x1b[",
        "\x1b]",
        "\x1b[1;31mred\x1b[0m ",
        "\x1b[38;2;300;1;1mbad rgb ",
        "\x1b[38:2::10:20:30mcolon ",
        "\x1b[38;5;208m256 ",
        "\x1b]8;;https://example.com\x07link\x1b]8;;\x07 ",
        "\x1b]0;title",
        "\x1b]52;c;aGVsbG8=\x1b\\",
        "\u{9b}32mc1 ",
        "\x1bP1$r0m\x1b\\",
        "\x1b_apc payload",
        "progress 42%\r",
        "héllo wörld ✓ 日本 ",
        "\x1b",
        "\x1b[?25l\x1b[2K\x1b[1G",
        "\x1b(B\x1b7\x1b8",
        "\x00\x07\x08\x7f",
        "\t",
        "\x1b[;;;;;;;;;;m",
    ];
    let mut out = String::with_capacity(bytes);
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        // xorshift64: good enough to vary the mix, and the same on every run.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    while out.len() < bytes {
        let r = next();
        match r % 8 {
            // A huge parameter list, sometimes finished.
            0 => {
                out.push_str("\x1b[");
                let count = 1 + (r >> 8) as usize % 4096;
                for _ in 0..count {
                    out.push_str("1;");
                }
                if r & 0x10000 != 0 {
                    out.push('m');
                }
            }
            // A run of bare introducers.
            1 => {
                let intro = if r & 0x100 != 0 { "\x1b[" } else { "\x1b]" };
                for _ in 0..1 + (r >> 12) as usize % 2048 {
                    out.push_str(intro);
                }
            }
            _ => out.push_str(PIECES[(r >> 16) as usize % PIECES.len()]),
        }
    }
    let keep = floor_char_boundary(&out, bytes).len();
    out.truncate(keep);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(input: &str) -> usize {
        let mut p = Parser::new(usize::MAX, true);
        p.run(input);
        p.steps
    }

    fn st() -> Style {
        Style::default()
    }

    fn fg(c: Color) -> Style {
        Style { fg: c, ..st() }
    }

    fn runs(input: &str) -> Vec<(String, Style)> {
        parse_line(input)
            .runs()
            .map(|(t, s)| (t.to_owned(), *s))
            .collect()
    }

    /// The table: input → expected (text, style) runs.
    #[test]
    fn sgr_and_escape_table() {
        let bold = Style { bold: true, ..st() };
        let red = fg(Color::Ansi16(1));
        let cases: Vec<(&str, Vec<(&str, Style)>)> = vec![
            ("plain", vec![("plain", st())]),
            ("", vec![]),
            (
                "\x1b[31mred\x1b[0m plain",
                vec![("red", red), (" plain", st())],
            ),
            ("\x1b[1mbold\x1b[22m", vec![("bold", bold)]),
            ("\x1b[1;31mx", vec![("x", Style { bold: true, ..red })]),
            ("\x1b[mx", vec![("x", st())]),
            ("\x1b[31;mx", vec![("x", st())]),
            ("\x1b[;31mx", vec![("x", red)]),
            (
                "\x1b[91mx\x1b[39my",
                vec![("x", fg(Color::Ansi16(9))), ("y", st())],
            ),
            (
                "\x1b[42mx\x1b[49m",
                vec![(
                    "x",
                    Style {
                        bg: Color::Ansi16(2),
                        ..st()
                    },
                )],
            ),
            (
                "\x1b[104mx",
                vec![(
                    "x",
                    Style {
                        bg: Color::Ansi16(12),
                        ..st()
                    },
                )],
            ),
            ("\x1b[38;5;208mx", vec![("x", fg(Color::Ansi256(208)))]),
            (
                "\x1b[48;5;17mx",
                vec![(
                    "x",
                    Style {
                        bg: Color::Ansi256(17),
                        ..st()
                    },
                )],
            ),
            ("\x1b[38;2;1;2;3mx", vec![("x", fg(Color::Rgb(1, 2, 3)))]),
            (
                "\x1b[48;2;255;0;10mx",
                vec![(
                    "x",
                    Style {
                        bg: Color::Rgb(255, 0, 10),
                        ..st()
                    },
                )],
            ),
            ("\x1b[38:2::1:2:3mx", vec![("x", fg(Color::Rgb(1, 2, 3)))]),
            ("\x1b[38:2:1:2:3mx", vec![("x", fg(Color::Rgb(1, 2, 3)))]),
            ("\x1b[38:2:0:1:2:3mx", vec![("x", fg(Color::Rgb(1, 2, 3)))]),
            ("\x1b[38:5:9mx", vec![("x", fg(Color::Ansi256(9)))]),
            // Colon form followed by more parameters.
            (
                "\x1b[38:5:9;1mx",
                vec![(
                    "x",
                    Style {
                        bold: true,
                        ..fg(Color::Ansi256(9))
                    },
                )],
            ),
            // Out of range: the colour is ignored, its parameters consumed, the rest applied.
            ("\x1b[38;2;300;1;1;1mx", vec![("x", bold)]),
            ("\x1b[38;5;256;1mx", vec![("x", bold)]),
            ("\x1b[38;5mx", vec![("x", st())]),
            ("\x1b[38;2;1;2mx", vec![("x", st())]),
            ("\x1b[38;7;1mx", vec![("x", bold)]),
            ("\x1b[99999999999999999999mx", vec![("x", st())]),
            (
                "\x1b[1;2;3;4;7;9mx",
                vec![(
                    "x",
                    Style {
                        bold: true,
                        dim: true,
                        italic: true,
                        underline: true,
                        inverse: true,
                        strikethrough: true,
                        ..st()
                    },
                )],
            ),
            (
                "\x1b[1;2;3;4;7;8;9m\x1b[22;23;24;27;28;29mx",
                vec![("x", st())],
            ),
            (
                "\x1b[4:3mx\x1b[4:0my",
                vec![
                    (
                        "x",
                        Style {
                            underline: true,
                            ..st()
                        },
                    ),
                    ("y", st()),
                ],
            ),
            (
                "\x1b[21mx",
                vec![(
                    "x",
                    Style {
                        underline: true,
                        ..st()
                    },
                )],
            ),
            (
                "\x1b[8mx",
                vec![(
                    "x",
                    Style {
                        hidden: true,
                        ..st()
                    },
                )],
            ),
            // Same style twice: one run.
            ("\x1b[31ma\x1b[31mb", vec![("ab", red)]),
            // Style only, no text: no run.
            ("\x1b[31m", vec![]),
            // Non-SGR CSI: dropped.
            ("a\x1b[2Kb\x1b[10;20Hc", vec![("abc", st())]),
            ("a\x1b[?25lb\x1b[?1049hc", vec![("abc", st())]),
            ("a\x1b[>0;1mb", vec![("ab", st())]),
            ("a\x1b[1 qb", vec![("ab", st())]),
            ("a\x1b[1;?mb", vec![("ab", st())]),
            // OSC ended by BEL or ST, including hyperlinks, titles and clipboard.
            ("\x1b]0;title\x07text", vec![("text", st())]),
            ("\x1b]2;title\x1b\\text", vec![("text", st())]),
            (
                "\x1b]8;;https://x.test\x07link\x1b]8;;\x07",
                vec![("link", st())],
            ),
            ("\x1b]52;c;aGk=\x07ok", vec![("ok", st())]),
            ("a\x1b]0;unterminated title", vec![("a", st())]),
            // DCS/SOS/PM/APC.
            ("a\x1bPq#0;2;0;0;0\x1b\\b", vec![("ab", st())]),
            (
                "a\x1bXsos\x1b\\b\x1b^pm\x1b\\c\x1b_apc\x1b\\d",
                vec![("abcd", st())],
            ),
            ("a\x1bPdcs\x07still dcs\x1b\\b", vec![("ab", st())]),
            // Two-byte escapes and a lone ESC.
            ("a\x1b(Bb\x1b7c\x1b8d\x1bMe\x1bcf", vec![("abcdef", st())]),
            ("a\x1b", vec![("a", st())]),
            ("a\x1b[", vec![("a", st())]),
            ("a\x1b[31", vec![("a", st())]),
            ("a\x1b\\b", vec![("ab", st())]),
            // C0 controls: TAB kept, the rest dropped; CAN aborts a sequence.
            ("a\tb", vec![("a\tb", st())]),
            ("a\x00b\x07c\x08d\x7fe\x0bf\nG", vec![("abcdefG", st())]),
            ("a\x1b[31\x18mb", vec![("amb", st())]),
            // C1 controls in UTF-8.
            ("\u{9b}31mx", vec![("x", red)]),
            ("a\u{9d}0;title\u{9c}b", vec![("ab", st())]),
            ("a\u{85}b\u{9c}c", vec![("abc", st())]),
            // Non-ASCII text is kept, also right after a broken sequence.
            ("héllo ✓ 日本", vec![("héllo ✓ 日本", st())]),
            ("\x1b[3é", vec![("é", st())]),
            ("a\x1b]0;tïtle ✓\x07b", vec![("ab", st())]),
            // The \r rule.
            ("10%\r20%\r30%", vec![("30%", st())]),
            ("done\r", vec![("done", st())]),
            ("done\r\n", vec![("done", st())]),
            ("done\r\x1b[K", vec![("done", st())]),
            ("abc\rd", vec![("d", st())]),
            ("\x1b[31mred\rstill red", vec![("still red", red)]),
            ("a\r\r\rb", vec![("b", st())]),
            ("a\r\tb", vec![("\tb", st())]),
        ];
        for (input, want) in cases {
            let want: Vec<(String, Style)> =
                want.into_iter().map(|(t, s)| (t.to_owned(), s)).collect();
            assert_eq!(runs(input), want, "input {input:?}");
            assert_eq!(
                steps(input),
                input.len(),
                "every byte visited once: {input:?}"
            );
        }
    }

    #[test]
    fn spans_cover_text_in_order() {
        let line = parse_line("\x1b[31ma\x1b[32mbb\x1b[0mccc\x1b[1m");
        assert_eq!(line.plain_text(), "abbccc");
        let ranges: Vec<_> = line.spans().iter().map(|s| s.range.clone()).collect();
        assert_eq!(ranges, vec![0..1, 1..3, 3..6]);
    }

    #[test]
    fn many_params_are_bounded_and_applied() {
        // More than MAX_PARAMS: the first ones apply, the rest are dropped.
        let mut input = String::from("\x1b[1");
        for _ in 0..10_000 {
            input.push_str(";3");
        }
        input.push_str("mx");
        assert_eq!(
            runs(&input),
            vec![(
                "x".to_owned(),
                Style {
                    bold: true,
                    italic: true,
                    ..st()
                }
            )]
        );
        // A parameter past the cap is not applied.
        let mut late = String::from("\x1b[");
        for _ in 0..MAX_PARAMS {
            late.push_str("0;");
        }
        late.push_str("1mx");
        assert_eq!(runs(&late), vec![("x".to_owned(), st())]);
    }

    #[test]
    fn plain_text_borrows_clean_lines() {
        assert!(matches!(plain_text("nothing to do é"), Cow::Borrowed(_)));
        assert!(matches!(plain_text("tab\tis fine"), Cow::Borrowed(_)));
        assert_eq!(plain_text("\x1b[1mx\x1b[0m"), "x");
        assert_eq!(plain_text("a\rb"), "b");
        assert_eq!(plain_text("a\u{9b}1mb"), "ab");
    }

    #[test]
    fn limit_cuts_at_char_boundary_and_counts_the_rest() {
        let line = parse_line_limited("ab日本語cd", 4);
        assert_eq!(line.plain_text(), "ab");
        assert_eq!(line.hidden_bytes(), "日本語cd".len());
        assert!(line.is_truncated());
        // The \r rule still sees the whole line: the last frame is what is cut.
        let line = parse_line_limited("xxxxxxxxxx\rshort", 4);
        assert_eq!(line.plain_text(), "shor");
        assert_eq!(line.hidden_bytes(), 1);
        let line = parse_line_limited("fits", 4);
        assert_eq!((line.plain_text(), line.hidden_bytes()), ("fits", 0));
    }

    /// Linear time without timing: hostile inputs of megabytes are consumed in exactly one visit
    /// per byte, with bounded output.
    #[test]
    fn hostile_input_is_linear() {
        const MB5: usize = 5 * 1024 * 1024;
        let csi = "\x1b[".repeat(MB5 / 2);
        assert_eq!(steps(&csi), csi.len());
        assert_eq!(parse_line(&csi).plain_text(), "");

        let osc = format!("before{}after", "\x1b]".repeat(MB5 / 2));
        assert_eq!(steps(&osc), osc.len());
        // The last OSC is unterminated, so it swallows "after", as on a terminal.
        assert_eq!(parse_line(&osc).plain_text(), "before");

        let params = format!("\x1b[{}mtext", "1;".repeat(MB5 / 2));
        assert_eq!(steps(&params), params.len());
        assert_eq!(
            runs(&params),
            vec![("text".to_owned(), Style { bold: true, ..st() })]
        );

        let unterminated = format!("x\x1b[{}", "1;".repeat(MB5 / 2));
        assert_eq!(parse_line(&unterminated).plain_text(), "x");

        let repeated = "\x1b[31ma\x1b[32mb".repeat(MB5 / 14);
        assert_eq!(steps(&repeated), repeated.len());
        let line = parse_line(&repeated);
        assert_eq!(line.plain_text().len(), 2 * (MB5 / 14));

        let progress = "frame 123\r".repeat(MB5 / 10);
        assert_eq!(parse_line(&progress).plain_text(), "frame 123");

        let sample = hostile_ansi_sample(MB5);
        assert!(sample.len() <= MB5 && sample.len() > MB5 - 8);
        assert_eq!(steps(&sample), sample.len());
        let line = parse_line_limited(&sample, 64 * 1024);
        assert!(line.plain_text().len() <= 64 * 1024);
    }

    #[test]
    fn css_uses_fixed_names_and_numbers() {
        assert_eq!(Color::Default.to_css(true), None);
        assert_eq!(
            Color::Rgb(1, 2, 255).to_css(true).as_deref(),
            Some("#0102ff")
        );
        assert_eq!(Color::Ansi256(16).to_css(true).as_deref(), Some("#000000"));
        assert_eq!(Color::Ansi256(231).to_css(true).as_deref(), Some("#ffffff"));
        assert_eq!(
            Color::Ansi256(196).to_css(false).as_deref(),
            Some("#ff0000")
        );
        assert_eq!(Color::Ansi256(232).to_css(true).as_deref(), Some("#080808"));
        assert_eq!(Color::Ansi256(255).to_css(true).as_deref(), Some("#eeeeee"));
        assert_eq!(
            Color::Ansi256(1).to_css(true),
            Color::Ansi16(1).to_css(true)
        );
        assert_ne!(
            Color::Ansi16(7).to_css(true),
            Color::Ansi16(7).to_css(false)
        );

        assert_eq!(Style::default().inline_css(true), "");
        let s = Style {
            fg: Color::Ansi16(1),
            bold: true,
            underline: true,
            strikethrough: true,
            ..st()
        };
        assert_eq!(
            s.inline_css(true),
            "color:#f07178;font-weight:600;text-decoration-line:underline line-through;"
        );
        let inv = Style {
            inverse: true,
            ..st()
        };
        assert_eq!(
            inv.inline_css(true),
            "color:var(--ansi-default-bg, #0d1117);background-color:var(--ansi-default-fg, #e6edf3);"
        );
        let inv = Style {
            inverse: true,
            fg: Color::Rgb(1, 1, 1),
            bg: Color::Rgb(2, 2, 2),
            ..st()
        };
        assert_eq!(
            inv.inline_css(false),
            "color:#020202;background-color:#010101;"
        );
        // Whatever the input, the CSS holds only characters of fixed names, numbers and hex.
        let line = parse_line(&hostile_ansi_sample(200_000));
        for span in line.spans() {
            for dark in [true, false] {
                let css = span.style.inline_css(dark);
                assert!(
                    css.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "#:;-_ ,.()".contains(c)),
                    "{css}"
                );
            }
        }
    }

    #[test]
    fn hostile_sample_is_deterministic_and_bounded() {
        assert_eq!(hostile_ansi_sample(10_000), hostile_ansi_sample(10_000));
        for n in [0, 1, 7, 100, 4096] {
            assert!(hostile_ansi_sample(n).len() <= n);
        }
    }
}
