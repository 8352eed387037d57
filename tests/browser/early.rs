//! The page's early read of an agent (`window.__agentConsoleEarly`, left by `index.html`):
//! used once, only for its own address and token, and never in place of a failed answer.
use agent_console_app::api::{arrived_json, get_json_once, token, ApiError};
use serde_json::{json, Value};
use wasm_bindgen::JsValue;

/// Leaves an early read as the page's script does. `body: None` is a read that failed;
/// `settled` is the promise the app waits on while the read is on its way.
fn leave_early(url: &str, token: Option<&str>, body: Option<&str>, settled: js_sys::Promise) {
    let early = js_sys::Object::new();
    let set = |k: &str, v: JsValue| js_sys::Reflect::set(&early, &k.into(), &v).unwrap();
    set("url", url.into());
    set("token", token.map(JsValue::from).unwrap_or(JsValue::NULL));
    set(
        "body",
        body.map(|b| js_sys::Uint8Array::from(b.as_bytes()).into())
            .unwrap_or(JsValue::NULL),
    );
    set("settled", settled.into());
    js_sys::Reflect::set(&js_sys::global(), &"__agentConsoleEarly".into(), &early).unwrap();
}

fn resolved() -> js_sys::Promise {
    js_sys::Promise::resolve(&JsValue::UNDEFINED)
}

#[wasm_bindgen_test::wasm_bindgen_test]
fn an_arrived_answer_is_used_once_for_its_address_and_token() {
    token::store("tok-early");
    leave_early(
        "/api/v2/workspaceagents/a1",
        Some("tok-early"),
        Some(r#"{"name":"dev"}"#),
        resolved(),
    );
    assert_eq!(
        arrived_json::<Value>("/api/v2/workspaceagents/other"),
        None,
        "another address"
    );
    assert_eq!(
        arrived_json::<Value>("/api/v2/workspaceagents/a1"),
        Some(json!({"name": "dev"}))
    );
    assert_eq!(
        arrived_json::<Value>("/api/v2/workspaceagents/a1"),
        None,
        "used once"
    );

    // Read with other credentials than the app's: never shown.
    leave_early(
        "/api/v2/workspaceagents/a1",
        Some("someone-else"),
        Some(r#"{"name":"dev"}"#),
        resolved(),
    );
    assert_eq!(arrived_json::<Value>("/api/v2/workspaceagents/a1"), None);
    token::clear();
}

#[wasm_bindgen_test::wasm_bindgen_test]
async fn a_request_waits_for_an_early_read_on_its_way_and_asks_itself_when_it_failed() {
    token::clear();
    // On its way: the body lands before the promise settles, as in the page's script.
    let (settled, resolve) = {
        let mut resolve = None;
        let p = js_sys::Promise::new(&mut |r, _| resolve = Some(r));
        (p, resolve.unwrap())
    };
    leave_early("/api/v2/workspaceagents/on-its-way", None, None, settled);
    assert_eq!(
        arrived_json::<Value>("/api/v2/workspaceagents/on-its-way"),
        None,
        "not arrived yet"
    );
    let early = js_sys::Reflect::get(&js_sys::global(), &"__agentConsoleEarly".into()).unwrap();
    gloo_timers::callback::Timeout::new(20, move || {
        let body = js_sys::Uint8Array::from(&br#"{"name":"late"}"#[..]);
        js_sys::Reflect::set(&early, &"body".into(), &body).unwrap();
        resolve.call0(&JsValue::UNDEFINED).unwrap();
    })
    .forget();
    // The test runner's server has no such route: only the early read can answer this.
    let got: Value = get_json_once("/api/v2/workspaceagents/on-its-way")
        .await
        .unwrap();
    assert_eq!(got, json!({"name": "late"}));

    // A failed early read (no body) is not an answer: the app asks the server, whose own answer
    // (here a 404 from the test runner) is what the view reports.
    leave_early("/api/v2/workspaceagents/failed", None, None, resolved());
    let err = get_json_once::<Value>("/api/v2/workspaceagents/failed")
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::NotFound(_) | ApiError::Status { .. }),
        "{err:?}"
    );
}
