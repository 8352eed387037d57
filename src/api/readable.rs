//! Reading a `ReadableStream` chunk by chunk: a fetch body (a log backlog parsed while it
//! downloads) and a `WebSocketStream`'s messages (the terminal) are both read this way.
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    type DefaultReader;
    #[wasm_bindgen(method)]
    fn read(this: &DefaultReader) -> Promise;
    #[wasm_bindgen(method)]
    fn cancel(this: &DefaultReader) -> Promise;
}

/// The default reader of a stream.
pub struct ChunkReader(DefaultReader);

impl ChunkReader {
    /// Locks `stream` (any `ReadableStream`) to a new reader; `None` if it is not one.
    pub fn new(stream: &JsValue) -> Option<Self> {
        let get = Reflect::get(stream, &"getReader".into())
            .ok()?
            .dyn_into::<Function>()
            .ok()?;
        Some(Self(get.call0(stream).ok()?.unchecked_into()))
    }

    /// The next chunk; `Ok(None)` once the stream is done, `Err` when it failed.
    pub async fn next(&self) -> Result<Option<JsValue>, JsValue> {
        let result = JsFuture::from(self.0.read()).await?;
        if Reflect::get(&result, &"done".into())
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(true)
        {
            return Ok(None);
        }
        Ok(Some(
            Reflect::get(&result, &"value".into()).unwrap_or(JsValue::UNDEFINED),
        ))
    }

    /// Gives up on the rest of the stream.
    pub fn cancel(&self) {
        let _ = self.0.cancel();
    }
}
