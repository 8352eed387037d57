//! The page's early read. `index.html` starts the first request of the page it opens on
//! (`GET /api/v2/workspaceagents/{id}` for an agent page, `GET /api/v2/workspaces` for the agent
//! list) while the app's code is still downloading, and leaves `{url, token, body, settled}` on
//! `window.__agentConsoleEarly`; the app takes that answer over once instead of asking again.
//! Only a complete 2xx answer read with the app's own token is used: anything else (a refusal, a
//! network error, another address) is dropped and the app makes its normal request, which
//! reports the problem the usual way.
use super::token;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

const GLOBAL: &str = "__agentConsoleEarly";

/// The body of the early answer for `url`, if it has fully arrived (the agent page's first render
/// can then show the agent at once). The answer is used once.
pub fn take_arrived(url: &str) -> Option<Vec<u8>> {
    let early = find(url)?;
    let body = body(&early)?;
    forget();
    Some(body)
}

/// The body of the early answer for `url`, waiting for it if it is still on its way. `None` when
/// there is none for `url` or it failed. The answer is used once.
pub async fn take_settled(url: &str) -> Option<Vec<u8>> {
    let early = find(url)?;
    forget();
    let settled = get(&early, "settled").dyn_into::<js_sys::Promise>().ok()?;
    // The page's promise never rejects (its failures leave no body), so an error here only
    // means there is nothing to use.
    JsFuture::from(settled).await.ok()?;
    body(&early)
}

/// The early read left by the page, if it was for `url` with the token the app uses.
fn find(url: &str) -> Option<JsValue> {
    let early = get(&web_sys::window()?.into(), GLOBAL);
    if !early.is_object() {
        return None;
    }
    let same_url = get(&early, "url").as_string().as_deref() == Some(url);
    let same_token = get(&early, "token").as_string() == token::current();
    (same_url && same_token).then_some(early)
}

fn body(early: &JsValue) -> Option<Vec<u8>> {
    get(early, "body")
        .dyn_into::<js_sys::Uint8Array>()
        .ok()
        .map(|b| b.to_vec())
}

fn forget() {
    if let Some(window) = web_sys::window() {
        let _ = js_sys::Reflect::delete_property(&window.into(), &JsValue::from_str(GLOBAL));
    }
}

fn get(target: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}
