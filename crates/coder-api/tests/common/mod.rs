//! Fixture loading and the round-trip check shared by the integration tests.
#![allow(dead_code)]
use coder_api::parse;
use serde::{de::DeserializeOwned, Serialize};
use std::fmt::Debug;

/// A fixture file name and the check that reads it.
pub type Check = (&'static str, fn(&str));

/// The text of `tests/fixtures/{name}`.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// File names directly in `tests/fixtures/{dir}` (sorted).
pub fn fixture_names(dir: &str) -> Vec<String> {
    let path = format!("{}/tests/fixtures/{dir}", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Parses `json`, then checks serialize → parse gives the same value; returns the value.
pub fn round_trip<T: DeserializeOwned + Serialize + PartialEq + Debug>(json: &str) -> T {
    let first: T = parse(json).unwrap_or_else(|e| panic!("parse failed: {e}\n{json}"));
    let text = serde_json::to_string(&first).expect("serialize");
    let again: T = parse(&text).unwrap_or_else(|e| panic!("re-parse failed: {e}\n{text}"));
    assert_eq!(first, again);
    first
}
