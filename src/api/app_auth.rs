//! Opening a forwarded port signed in. The port's host never gets the console's token: the
//! console asks the server for a one-time key for that address
//! (`GET /applications/auth-redirect` as JSON) and the new tab goes to the address with it; the
//! port's host trades it for a session of its own. Without a key (an older server, coderd, which
//! answers with a redirect), the tab goes to the plain address, whose host sends it to sign in.
use super::client::get_json_once;
use super::ApiError;
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
        let target = signed_in_address(&url).await.unwrap_or(url);
        let _ = tab.location().set_href(&target);
    });
}

/// `url` (a forwarded port's address) with a one-time key from the server; an error when the
/// server gives none (signed out, not a port of this agent, or a coderd that only redirects).
pub async fn signed_in_address(url: &str) -> Result<String, ApiError> {
    let path = coder_api::routes::applications_auth_redirect(url);
    let answer = get_json_once::<AuthRedirectResponse>(path).await?;
    let address = answer.redirect_uri;
    if address.starts_with("http://") || address.starts_with("https://") {
        Ok(address)
    } else {
        Err(ApiError::Decode(format!(
            "not an http(s) address: {address:?}"
        )))
    }
}
