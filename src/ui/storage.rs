//! Small preferences kept in the browser (localStorage): never tokens, only choices like labels.

fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Reads a remembered value.
pub fn load(key: &str) -> Option<String> {
    local()?.get_item(key).ok()?
}

/// Remembers a value; an empty one is forgotten.
pub fn save(key: &str, value: &str) {
    if let Some(s) = local() {
        let _ = if value.is_empty() {
            s.remove_item(key)
        } else {
            s.set_item(key, value)
        };
    }
}
