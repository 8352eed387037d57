//! Opening a forwarded port signed in. The port's host never gets the console's token: the
//! console asks the server for a one-time key for that address
//! (`GET /applications/auth-redirect` as JSON) and the new tab goes to the address with it; the
//! port's host trades it for a session of its own. Without a key (an older server, coderd, which
//! answers with a redirect), the tab goes to the plain address, whose host sends it to sign in.
use super::client::get_json_once;
use coder_api::AuthRedirectResponse;
use wasm_bindgen::JsValue;

/// Opens `url`, a forwarded port's address, in a new tab, signed in. The tab is opened at once
/// (the click's permission to open one does not outlast the request) and gets no handle on the
/// console's window.
pub fn open_forwarded(url: String) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(Some(tab)) = window.open_with_url_and_target("", "_blank") else {
        return;
    };
    let _ = tab.set_opener(&JsValue::NULL);
    leptos::task::spawn_local(async move {
        let path = coder_api::routes::applications_auth_redirect(&url);
        let target = match get_json_once::<AuthRedirectResponse>(path).await {
            Ok(answer) if answer.redirect_uri.starts_with("http") => answer.redirect_uri,
            _ => url,
        };
        let _ = tab.location().set_href(&target);
    });
}
