//! "Load it when it is about to be seen": parts of a page below the fold whose code is loaded on
//! demand (the overview's scripts card) wait until they come near the viewport.
use leptos::html::ElementType;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// How far outside the viewport an element counts as about to be seen.
const MARGIN: &str = "0px";

/// Becomes true, once and for good, when the element of `node` is within [`MARGIN`] of the
/// viewport (at once where the browser has no IntersectionObserver).
pub fn use_near_viewport<E>(node: NodeRef<E>) -> ReadSignal<bool>
where
    E: ElementType,
    E::Output: JsCast + Clone + 'static,
{
    let (near, set_near) = signal(false);
    let observer = StoredValue::new_local(
        None::<(
            web_sys::IntersectionObserver,
            Closure<dyn FnMut(js_sys::Array)>,
        )>,
    );
    Effect::new(move |_| {
        let Some(el) = node.get() else { return };
        let el: web_sys::Element = el.unchecked_into();
        let callback = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
            let seen = entries.iter().any(|e| {
                e.unchecked_into::<web_sys::IntersectionObserverEntry>()
                    .is_intersecting()
            });
            if seen {
                let _ = set_near.try_set(true);
            }
        });
        let options = web_sys::IntersectionObserverInit::new();
        options.set_root_margin(MARGIN);
        match web_sys::IntersectionObserver::new_with_options(
            callback.as_ref().unchecked_ref(),
            &options,
        ) {
            Ok(io) => {
                io.observe(&el);
                observer.set_value(Some((io, callback)));
            }
            Err(_) => set_near.set(true),
        }
    });
    // Once near, or when the page goes, the observer is no longer needed.
    let disconnect = move || {
        let _ = observer.try_update_value(|o| {
            if let Some((io, _)) = o.take() {
                io.disconnect();
            }
        });
    };
    Effect::new(move |_| {
        if near.get() {
            disconnect();
        }
    });
    on_cleanup(disconnect);
    near
}
