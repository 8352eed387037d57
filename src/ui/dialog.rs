//! Modal dialogs (`<dialog>`) driven by a signal: the terminal's questions, the containers
//! view's confirmations.
use leptos::html;
use leptos::prelude::*;

/// Keeps `dialog` open (modal) exactly while `open` says so.
pub fn show_modal_while(dialog: NodeRef<html::Dialog>, open: impl Fn() -> bool + 'static) {
    Effect::new(move |_| {
        if let Some(d) = dialog.get() {
            match open() {
                true if !d.open() => {
                    let _ = d.show_modal();
                }
                false if d.open() => d.close(),
                _ => {}
            }
        }
    });
}
