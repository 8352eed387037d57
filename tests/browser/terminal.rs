//! The terminal's key bar (no xterm.js needed): latches toggle and report their state, keys are
//! handed to the caller, and the buttons never take the focus from the terminal.
use super::support::{mount, tick};
use agent_console_app::terminal::keybar::{Key, KeyBar};
use leptos::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

fn button(root: &web_sys::HtmlElement, label: &str) -> web_sys::HtmlElement {
    root.query_selector(&format!("button[aria-label^='{label}']"))
        .unwrap()
        .unwrap()
        .unchecked_into()
}

#[wasm_bindgen_test]
async fn keys_reach_the_caller_and_latches_toggle() {
    let pressed: Rc<RefCell<Vec<Key>>> = Rc::default();
    let refocused = RwSignal::new(0);
    let ctrl = RwSignal::new(false);
    let alt = RwSignal::new(false);
    let p = pressed.clone();
    let root = mount(move || {
        let p = p.clone();
        view! {
            <KeyBar
                ctrl
                alt
                on_key=move |k| p.borrow_mut().push(k)
                refocus=move || refocused.update(|n| *n += 1)
            />
        }
    });
    tick().await;
    let bar = root.query_selector("[role='toolbar']").unwrap().unwrap();
    assert_eq!(
        bar.get_attribute("aria-label").as_deref(),
        Some("Terminal keys")
    );
    assert_eq!(root.query_selector_all("button").unwrap().length(), 11);

    button(&root, "Escape").click();
    button(&root, "Up arrow").click();
    button(&root, "Pipe").click();
    assert_eq!(*pressed.borrow(), vec![Key::Esc, Key::Up, Key::Char('|')]);

    let ctrl_button = button(&root, "Control");
    assert_eq!(
        ctrl_button.get_attribute("aria-pressed").as_deref(),
        Some("false")
    );
    ctrl_button.click();
    tick().await;
    assert!(ctrl.get_untracked());
    assert_eq!(
        ctrl_button.get_attribute("aria-pressed").as_deref(),
        Some("true")
    );
    assert_eq!(refocused.get_untracked(), 1);
    ctrl.set(false);
    tick().await;
    assert_eq!(
        ctrl_button.get_attribute("aria-pressed").as_deref(),
        Some("false")
    );
    assert!(!alt.get_untracked());
}

#[wasm_bindgen_test]
async fn pressing_a_key_does_not_move_the_focus() {
    let root = mount(|| {
        view! {
            <input id="kb-focus-probe" />
            <KeyBar
                ctrl=RwSignal::new(false)
                alt=RwSignal::new(false)
                on_key=|_| ()
                refocus=|| ()
            />
        }
    });
    tick().await;
    let input: web_sys::HtmlElement = root
        .query_selector("#kb-focus-probe")
        .unwrap()
        .unwrap()
        .unchecked_into();
    input.focus().unwrap();
    let tab = button(&root, "Tab");
    for kind in ["pointerdown", "mousedown"] {
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        init.set_cancelable(true);
        let event = web_sys::Event::new_with_event_init_dict(kind, &init).unwrap();
        assert!(!tab.dispatch_event(&event).unwrap(), "{kind} is cancelled");
    }
    let active = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .active_element()
        .unwrap();
    assert_eq!(active.id(), "kb-focus-probe");
}
