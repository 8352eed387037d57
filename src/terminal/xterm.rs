//! xterm.js 6, loaded on demand, through `xterm-js-rs` plus the few bindings that crate lacks or
//! binds for xterm 4 (`write` with bytes and a callback, `options`, the OSC parser hook, modes).
//!
//! Loading: `xterm-loader.js` (a wasm-bindgen snippet) `import()`s xterm.js and its addons from
//! `/vendor/xterm/` only when [`load`] is awaited, and constructs the objects. Everything else here
//! calls methods on those objects structurally, so the app's compiled JavaScript never imports
//! the `xterm` module by name — the first view downloads no xterm file, and the browser test
//! page (which has no vendor files) still loads the app.
use js_sys::{Function, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use xterm_js_rs::addons::fit::FitAddon;
use xterm_js_rs::{Disposable, Terminal, TerminalAddon, TerminalOptions, Theme};

#[wasm_bindgen(module = "/src/terminal/xterm-loader.js")]
extern "C" {
    #[wasm_bindgen(js_name = loadTerminalFonts, catch)]
    async fn load_terminal_fonts(families: Vec<String>) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = loadXterm, catch)]
    async fn load_xterm() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = loadWebgl, catch)]
    async fn load_webgl() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = webglKind)]
    fn webgl_kind() -> String;
    #[wasm_bindgen(js_name = newTerminal, catch)]
    fn new_terminal(options: &TerminalOptions) -> Result<Terminal, JsValue>;
    #[wasm_bindgen(js_name = newFitAddon)]
    fn new_fit_addon() -> FitAddon;
    #[wasm_bindgen(js_name = newWebLinksAddon)]
    fn new_web_links_addon(handler: &Function) -> TerminalAddon;
    #[wasm_bindgen(js_name = newUnicode11Addon)]
    fn new_unicode11_addon() -> TerminalAddon;
    #[wasm_bindgen(js_name = newImageAddon, catch)]
    fn new_image_addon(options: &Object) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = newWebglAddon, catch)]
    fn new_webgl_addon() -> Result<WebglAddon, JsValue>;
    #[wasm_bindgen(js_name = newSearchAddon, catch)]
    async fn new_search_addon(options: &Object) -> Result<JsValue, JsValue>;
}

// xterm 6 methods (structural: no module import). They are declared on local types the crate's
// objects are cast to, as an extern block may only add methods to its own types.
#[wasm_bindgen]
extern "C" {
    /// An xterm 6 `Terminal`, for the methods below.
    type TerminalApi;
    /// `IParser`.
    type OscParser;
    /// `IModes`.
    type Modes;
    /// The WebGL renderer addon.
    #[derive(Clone)]
    type WebglAddon;

    #[wasm_bindgen(method, js_name = write)]
    fn write_bytes(this: &TerminalApi, data: &Uint8Array, callback: &Function);
    #[wasm_bindgen(method, js_name = write)]
    fn write_text(this: &TerminalApi, data: &str);
    #[wasm_bindgen(method, getter, js_name = options)]
    fn live_options(this: &TerminalApi) -> Object;
    #[wasm_bindgen(method, getter, js_name = parser)]
    fn osc_parser(this: &TerminalApi) -> OscParser;
    #[wasm_bindgen(method, js_name = registerOscHandler)]
    fn register_osc_handler(this: &OscParser, ident: u32, callback: &Function) -> Disposable;
    #[wasm_bindgen(method, getter)]
    fn modes(this: &TerminalApi) -> Modes;
    #[wasm_bindgen(method, getter, js_name = applicationCursorKeysMode)]
    fn application_cursor_keys_mode(this: &Modes) -> bool;
    #[wasm_bindgen(method, catch, js_name = loadAddon)]
    fn try_load_addon(this: &TerminalApi, addon: &WebglAddon) -> Result<(), JsValue>;
    #[wasm_bindgen(method, js_name = onContextLoss)]
    fn on_context_loss(this: &WebglAddon, listener: &Function) -> Disposable;
    #[wasm_bindgen(method, js_name = dispose)]
    fn dispose_webgl(this: &WebglAddon);
}

/// Sets `obj[key]` (options objects and the like; setting a property on an object cannot fail).
fn set(obj: &JsValue, key: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(obj, &key.into(), &value.into());
}

/// Calls `obj[name](...args)`: the addons' few methods, without a binding each (bindings are
/// glue in the first view).
fn call_method(obj: &JsValue, name: &str, args: &[&JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = Reflect::get(obj, &name.into())?.dyn_into()?;
    f.apply(obj, &args.iter().copied().collect::<js_sys::Array>())
}

/// What one terminal may hold of inline images (Sixel and iTerm's protocol), decoded, in MB:
/// past it the oldest images give way to a placeholder. With at most [`super::tabs::MAX_TABS`]
/// tabs a page holds at most 12 × 16 MB; one 2048 × 2048 image fits.
pub const IMAGE_STORAGE_MB: u32 = 16;
/// The largest image drawn, in pixels (2048 × 2048, 16 MB decoded); a larger one is dropped.
pub const IMAGE_PIXEL_LIMIT: u32 = 2048 * 2048;
/// The most encoded bytes one image may take (Sixel data, or an iTerm file before decoding):
/// past it the sequence is dropped unparsed.
pub const IMAGE_ENCODED_LIMIT: u32 = 8 * 1024 * 1024;

/// The image addon's options: its memory bounded, Sixel and iTerm images on, and the size
/// reports programs use to size their images.
fn image_options() -> Object {
    let o = Object::new();
    for (k, v) in [
        ("storageLimit", IMAGE_STORAGE_MB),
        ("pixelLimit", IMAGE_PIXEL_LIMIT),
        ("sixelSizeLimit", IMAGE_ENCODED_LIMIT),
        ("iipSizeLimit", IMAGE_ENCODED_LIMIT),
    ] {
        set(&o, k, v);
    }
    for k in [
        "sixelSupport",
        "iipSupport",
        "enableSizeReports",
        "showPlaceholder",
    ] {
        set(&o, k, true);
    }
    o
}

/// How many matches are highlighted at most (and counted: past it the count is "more than").
pub const SEARCH_HIGHLIGHT_LIMIT: u32 = 1_000;

/// A search's options, as the search addon reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SearchQuery<'a> {
    pub term: &'a str,
    pub case_sensitive: bool,
    /// Typing: the match under the cursor stays if it still matches.
    pub incremental: bool,
    pub dark: bool,
}

impl SearchQuery<'_> {
    fn options(&self) -> Object {
        let o = Object::new();
        set(&o, "caseSensitive", self.case_sensitive);
        set(&o, "incremental", self.incremental);
        // Colours must be #RRGGBB; they follow the palettes' selection and cursor colours.
        let (matched, active) = if self.dark {
            ("#4a5a2a", "#b08800")
        } else {
            ("#fff1a8", "#ffb347")
        };
        let d = Object::new();
        set(&d, "matchBackground", matched);
        set(&d, "matchOverviewRuler", matched);
        set(&d, "activeMatchBackground", active);
        set(&d, "activeMatchColorOverviewRuler", active);
        set(&o, "decorations", d);
        o
    }
}

/// Downloads xterm.js and its addons (once per page; a failure may be retried).
pub async fn load() -> Result<(), String> {
    load_xterm()
        .await
        .map(|_| ())
        .map_err(|e| js_error_text(&e))
}

fn js_error_text(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

/// Colours for one app theme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Palette {
    pub background: &'static str,
    pub foreground: &'static str,
    pub cursor: &'static str,
    pub selection: &'static str,
    /// black, red, green, yellow, blue, magenta, cyan, white, then the bright eight.
    pub ansi: [&'static str; 16],
}

/// Dark palette (matches the app's dark surfaces).
pub const DARK: Palette = Palette {
    background: "#0e1115",
    foreground: "#e7eaee",
    cursor: "#7aa7ff",
    selection: "rgba(122, 167, 255, 0.35)",
    ansi: [
        "#2b323c", "#ff7b72", "#5fd39a", "#f5c060", "#7aa7ff", "#d2a8ff", "#56d4dd", "#c9d1d9",
        "#6e7681", "#ffa198", "#8ee8b4", "#ffd98a", "#a5c4ff", "#e2c5ff", "#8be9f0", "#f0f3f6",
    ],
};

/// Light palette (dark text on the app's light surface, colours dark enough to read on white).
pub const LIGHT: Palette = Palette {
    background: "#ffffff",
    foreground: "#16191d",
    cursor: "#1d4ed8",
    selection: "rgba(29, 78, 216, 0.22)",
    ansi: [
        "#16191d", "#b42318", "#11703f", "#8a5300", "#1d4ed8", "#8a2fb5", "#0b6e7a", "#d7dce3",
        "#58616c", "#d92d20", "#16894f", "#a86a00", "#2e62e6", "#a347d1", "#0e8a99", "#f6f7f9",
    ],
};

fn theme_object(p: &Palette) -> Theme {
    let t = Theme::new();
    t.set_background(p.background);
    t.set_foreground(p.foreground);
    t.set_cursor(p.cursor);
    t.set_cursor_accent(p.background);
    // xterm 5 renamed `selection` to `selectionBackground`.
    set(&t, "selectionBackground", p.selection);
    let names = [
        "black",
        "red",
        "green",
        "yellow",
        "blue",
        "magenta",
        "cyan",
        "white",
        "brightBlack",
        "brightRed",
        "brightGreen",
        "brightYellow",
        "brightBlue",
        "brightMagenta",
        "brightCyan",
        "brightWhite",
    ];
    for (name, colour) in names.iter().zip(p.ansi) {
        set(&t, name, colour);
    }
    t
}

/// Lines kept above the screen.
pub const SCROLLBACK: u32 = 5_000;

/// Which renderer draws the terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Renderer {
    Dom,
    Webgl,
}

impl Renderer {
    /// As shown to the user and the tests.
    pub fn as_str(self) -> &'static str {
        match self {
            Renderer::Dom => "dom",
            Renderer::Webgl => "webgl",
        }
    }
}

/// One xterm.js terminal with its fit addon. Listeners registered through it are disposed with it.
pub struct Xterm {
    term: Terminal,
    fit: FitAddon,
    webgl: std::cell::RefCell<Option<WebglAddon>>,
    /// The scrollback search addon, once a search opened.
    search: std::cell::RefCell<Option<JsValue>>,
    /// The inline image addon (none if it failed to load: the terminal works without).
    images: Option<JsValue>,
    disposables: std::cell::RefCell<Vec<Disposable>>,
    /// Rust closures called by JavaScript: kept alive until the terminal is disposed.
    closures: std::cell::RefCell<Vec<Box<dyn std::any::Any>>>,
}

impl Xterm {
    /// Creates a terminal inside `host` (xterm.js must be loaded) and fits it.
    pub fn open(host: &web_sys::HtmlElement, font_size: u32, dark: bool) -> Result<Self, String> {
        let options = TerminalOptions::new();
        options.set_font_size(font_size);
        options.set_font_family(super::fonts::SYSTEM_STACK);
        options.set_cursor_blink(false);
        // Enough to search a long build's output; each line costs memory in every tab, and a
        // longer scrollback slows down floods of short lines.
        options.set_scrollback(SCROLLBACK);
        options.set_theme(&theme_object(if dark { &DARK } else { &LIGHT }));
        // A little leading keeps underscores, which many fonts draw below the baseline cell,
        // from being clipped by the DOM renderer.
        set(&options, "lineHeight", 1.1);
        // The unicode API (wide characters, emoji) is still "proposed" in xterm 6.
        set(&options, "allowProposedApi", true);
        let term = new_terminal(&options).map_err(|e| js_error_text(&e))?;
        let fit = new_fit_addon();
        term.load_addon(fit.clone().unchecked_into());
        let unicode = new_unicode11_addon();
        term.load_addon(unicode);
        if let Ok(u) = Reflect::get(&term, &"unicode".into()) {
            set(&u, "activeVersion", "11");
        }
        term.open(host.clone());
        // After open(): the addon draws on a layer of the opened terminal.
        let images = new_image_addon(&image_options())
            .and_then(|addon| call_method(&term, "loadAddon", &[&addon]).map(|_| addon))
            .ok();
        let x = Xterm {
            term,
            fit,
            webgl: Default::default(),
            search: Default::default(),
            images,
            disposables: Default::default(),
            closures: Default::default(),
        };
        // Twice: the first fit can overflow by a row while the fonts settle.
        x.fit();
        x.fit();
        Ok(x)
    }

    /// Switches to the WebGL renderer when the browser has a hardware GPU (software WebGL is
    /// slower than the DOM renderer), or when `force` asks for it. Falls back to the DOM renderer
    /// on any failure and when the GPU context is lost.
    pub async fn use_best_renderer(
        &self,
        force: Option<Renderer>,
        on_lost: impl Fn() + 'static,
    ) -> Renderer {
        let want = match force {
            Some(r) => r,
            None if webgl_kind() == "hardware" => Renderer::Webgl,
            None => Renderer::Dom,
        };
        if want == Renderer::Dom || load_webgl().await.is_err() {
            return Renderer::Dom;
        }
        let Ok(addon) = new_webgl_addon() else {
            return Renderer::Dom;
        };
        if self.api().try_load_addon(&addon).is_err() {
            return Renderer::Dom;
        }
        let lost_addon = addon.clone();
        // Disposing the addon puts xterm back on its DOM renderer.
        let on_lost = Closure::<dyn FnMut()>::new(move || {
            lost_addon.dispose_webgl();
            on_lost();
        });
        self.disposables
            .borrow_mut()
            .push(addon.on_context_loss(on_lost.as_ref().unchecked_ref()));
        self.closures.borrow_mut().push(Box::new(on_lost));
        *self.webgl.borrow_mut() = Some(addon);
        Renderer::Webgl
    }

    /// Loads the search addon into the terminal (the first time), then calls `on_results` with
    /// (index of the active match or -1, number of matches) after each search.
    pub async fn start_search(
        &self,
        on_results: impl Fn(i32, i32) + 'static,
    ) -> Result<(), String> {
        if self.search.borrow().is_some() {
            return Ok(());
        }
        let options = Object::new();
        set(&options, "highlightLimit", SEARCH_HIGHLIGHT_LIMIT);
        let addon = new_search_addon(&options)
            .await
            .map_err(|e| js_error_text(&e))?;
        call_method(&self.term, "loadAddon", &[&addon]).map_err(|e| js_error_text(&e))?;
        let c = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
            let get = |k: &str| {
                Reflect::get(&e, &k.into())
                    .ok()
                    .and_then(|v| v.as_f64())
                    .unwrap_or(-1.0) as i32
            };
            on_results(get("resultIndex"), get("resultCount"));
        });
        let listener: &JsValue = c.as_ref();
        let d = call_method(&addon, "onDidChangeResults", &[listener])
            .map_err(|e| js_error_text(&e))?;
        self.disposables.borrow_mut().push(d.unchecked_into());
        self.keep(c);
        *self.search.borrow_mut() = Some(addon);
        Ok(())
    }

    /// Moves to the next (or previous) match of `query`; false when there is none.
    pub fn find(&self, query: &SearchQuery, forward: bool) -> bool {
        let Some(addon) = self.search.borrow().clone() else {
            return false;
        };
        let method = if forward { "findNext" } else { "findPrevious" };
        call_method(&addon, method, &[&query.term.into(), &query.options()])
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }

    /// Removes the highlights of a search.
    pub fn end_search(&self) {
        if let Some(addon) = self.search.borrow().as_ref() {
            let _ = call_method(addon, "clearDecorations", &[]);
        }
        self.term.clear_selection();
    }

    /// The decoded images held and the most allowed, in MB (`None` without the image addon).
    pub fn image_storage(&self) -> Option<(f64, f64)> {
        let addon = self.images.as_ref()?;
        let get = |k: &str| Reflect::get(addon, &k.into()).ok().and_then(|v| v.as_f64());
        Some((get("storageUsage")?, get("storageLimit")?))
    }

    fn api(&self) -> &TerminalApi {
        self.term.unchecked_ref()
    }

    /// Fits the terminal to its container; xterm's `onResize` fires when the size changed.
    pub fn fit(&self) {
        // fit() measures the container: a hidden or detached one proposes nothing, and fit then
        // does nothing, which is what we want.
        self.fit.fit();
    }

    /// Columns and rows.
    pub fn size(&self) -> (u32, u32) {
        (self.term.get_cols(), self.term.get_rows())
    }

    /// Queues output bytes; `done` is called once xterm has parsed them. The bytes are copied into
    /// a fresh JavaScript array: xterm keeps the array until parsed, and a view into wasm memory
    /// could change under it.
    pub fn write(&self, bytes: &[u8], done: &Function) {
        let array = Uint8Array::new_with_length(bytes.len() as u32);
        array.copy_from(bytes);
        self.api().write_bytes(&array, done);
    }

    /// Writes text (the app's own notices), queued after any output.
    pub fn write_notice(&self, text: &str) {
        self.api().write_text(text);
    }

    /// Sets a live option (`fontSize`, `disableStdin`, `theme`, ...).
    pub fn set_option(&self, name: &str, value: &JsValue) {
        set(&self.api().live_options(), name, value);
    }

    /// Downloads the faces `font` needs (once per page), then draws with it and refits.
    pub async fn use_font(&self, font: super::fonts::TerminalFont) -> Result<(), String> {
        let families: Vec<String> = font.downloads().iter().map(|f| f.to_string()).collect();
        if !families.is_empty() {
            load_terminal_fonts(families)
                .await
                .map_err(|e| js_error_text(&e))?;
        }
        self.set_option("fontFamily", &font.css_family().into());
        self.fit();
        Ok(())
    }

    /// The font family it draws with.
    pub fn font_family(&self) -> String {
        Reflect::get(&self.api().live_options(), &"fontFamily".into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    }

    /// Font size in pixels; refits.
    pub fn set_font_size(&self, px: u32) {
        self.set_option("fontSize", &px.into());
        self.fit();
    }

    /// Light or dark colours.
    pub fn set_dark(&self, dark: bool) {
        self.set_option("theme", &theme_object(if dark { &DARK } else { &LIGHT }));
    }

    /// Whether the program asked for application cursor keys (DECCKM).
    pub fn application_cursor(&self) -> bool {
        self.api().modes().application_cursor_keys_mode()
    }

    /// Whether a full-screen program switched to the alternate screen.
    pub fn in_alternate_screen(&self) -> bool {
        let active =
            Reflect::get(&self.term.get_buffer(), &"active".into()).unwrap_or(JsValue::UNDEFINED);
        Reflect::get(&active, &"type".into())
            .ok()
            .and_then(|t| t.as_string())
            .as_deref()
            == Some("alternate")
    }

    /// Gives the keyboard focus to the terminal.
    pub fn focus(&self) {
        self.term.focus();
    }

    /// The selected text, if any.
    pub fn selection(&self) -> Option<String> {
        self.term
            .has_selection()
            .then(|| self.term.get_selection())
            .filter(|s| !s.is_empty())
    }

    /// Pastes text as the user would (bracketed paste when the program asked for it).
    pub fn paste(&self, text: &str) {
        self.term.paste(text);
    }

    /// The text of the whole buffer (scrollback and screen), one line per row, trailing blanks
    /// trimmed. Used by the test hook.
    pub fn text(&self) -> String {
        let buffer = self.term.get_buffer().get_active();
        let n = buffer.get_length();
        let mut out = String::new();
        for y in 0..n {
            out.push_str(&buffer.get_line(y).translate_to_String(true, None, None));
            out.push('\n');
        }
        out
    }

    /// Keeps a closure alive as long as the terminal.
    fn keep<T: 'static>(&self, closure: T) {
        self.closures.borrow_mut().push(Box::new(closure));
    }

    /// Calls `f` with each input the user types or pastes.
    pub fn on_data(&self, f: impl FnMut(String) + 'static) {
        let c = Closure::<dyn FnMut(String)>::new(f);
        self.disposables
            .borrow_mut()
            .push(self.term.on_data(c.as_ref().unchecked_ref()));
        self.keep(c);
    }

    /// Calls `f` with the new size whenever it changes.
    pub fn on_resize(&self, mut f: impl FnMut(u32, u32) + 'static) {
        let c = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
            let get = |k: &str| {
                Reflect::get(&e, &k.into())
                    .ok()
                    .and_then(|v| v.as_f64())
                    .unwrap_or(0.0) as u32
            };
            f(get("cols"), get("rows"));
        });
        self.disposables
            .borrow_mut()
            .push(self.term.on_resize(c.as_ref().unchecked_ref()));
        self.keep(c);
    }

    /// Calls `f` with each window title the program sets (raw: the caller cleans it).
    pub fn on_title(&self, f: impl FnMut(String) + 'static) {
        let c = Closure::<dyn FnMut(String)>::new(f);
        self.disposables
            .borrow_mut()
            .push(self.term.on_title_change(c.as_ref().unchecked_ref()));
        self.keep(c);
    }

    /// Calls `f` whenever the selection changes.
    pub fn on_selection(&self, f: impl FnMut() + 'static) {
        let c = Closure::<dyn FnMut()>::new(f);
        self.disposables
            .borrow_mut()
            .push(self.term.on_selection_change(c.as_ref().unchecked_ref()));
        self.keep(c);
    }

    /// Handles an OSC number; `f` gets the text after `NN;` and returns whether it handled it.
    pub fn on_osc(&self, ident: u32, f: impl FnMut(String) -> bool + 'static) {
        let c = Closure::<dyn FnMut(String) -> bool>::new(f);
        let d = self
            .api()
            .osc_parser()
            .register_osc_handler(ident, c.as_ref().unchecked_ref());
        self.disposables.borrow_mut().push(d);
        self.keep(c);
    }

    /// Sees each key event first; returning false stops xterm from handling it.
    pub fn on_key_event(&self, f: impl FnMut(web_sys::KeyboardEvent) -> bool + 'static) {
        let c = Closure::<dyn FnMut(web_sys::KeyboardEvent) -> bool>::new(f);
        self.term
            .attach_custom_key_event_handler(c.as_ref().unchecked_ref());
        self.keep(c);
    }

    /// Plain-text URLs become links; `f` gets each clicked URL.
    pub fn on_text_link(&self, f: impl FnMut(web_sys::MouseEvent, String) + 'static) {
        let c = Closure::<dyn FnMut(web_sys::MouseEvent, String)>::new(f);
        let addon = new_web_links_addon(c.as_ref().unchecked_ref());
        self.term.load_addon(addon);
        self.keep(c);
    }

    /// OSC 8 hyperlinks: `f` gets each activated link (xterm only offers http and https ones).
    pub fn on_osc8_link(&self, f: impl FnMut(web_sys::MouseEvent, String) + 'static) {
        let c = Closure::<dyn FnMut(web_sys::MouseEvent, String)>::new(f);
        let handler = Object::new();
        set(&handler, "activate", c.as_ref());
        set(&handler, "allowNonHttpProtocols", false);
        self.set_option("linkHandler", &handler);
        self.keep(c);
    }
}

impl Drop for Xterm {
    fn drop(&mut self) {
        for d in self.disposables.borrow_mut().drain(..) {
            d.dispose();
        }
        if let Some(w) = self.webgl.borrow_mut().take() {
            w.dispose_webgl();
        }
        self.term.dispose();
        // The closures go last: nothing can call them once the terminal is disposed.
    }
}
