//! Malformed bodies give a typed error, never a panic: truncated JSON (every prefix of every
//! fixture), wrong types, and random corruption.
mod common;

use coder_api::*;
use common::{fixture, fixture_names};
use serde::de::DeserializeOwned;

/// Parses `text` as every response type the console reads; the results are dropped, only a
/// panic would fail.
fn parse_all(text: &str) {
    fn any<T: DeserializeOwned>(text: &str) -> bool {
        parse::<T>(text).is_ok()
    }
    let _ = any::<WorkspaceAgent>(text)
        | any::<Vec<WorkspaceAgentLog>>(text)
        | any::<AgentConnectionInfo>(text)
        | any::<DerpMap>(text)
        | any::<WorkspaceAgentListeningPortsResponse>(text)
        | any::<WorkspacesResponse>(text)
        | any::<Response>(text)
        | any::<ExternalAuthResponse>(text)
        | any::<User>(text)
        | any::<ReconnectingPtyRequest>(text)
        | MetadataEvent::from_ws_frame(text).is_ok();
}

fn all_fixtures() -> Vec<(String, String)> {
    let seed = fixture_names("")
        .into_iter()
        .map(|n| (n.clone(), fixture(&n)));
    let wire = fixture_names("wire")
        .into_iter()
        .map(|n| (n.clone(), fixture(&format!("wire/{n}"))));
    seed.chain(wire).collect()
}

#[test]
fn every_truncation_is_an_error() {
    for (name, text) in all_fixtures() {
        let text = text.trim_end();
        // Every typed parser on every prefix is quadratic; a few hundred cuts per file suffice.
        let stride = (text.len() / 300).max(1);
        for end in (0..text.len()).filter(|i| text.is_char_boundary(*i)) {
            let cut = &text[..end];
            // Each fixture is one object or array, so any strict prefix is incomplete JSON.
            let err = parse::<serde_json::Value>(cut).expect_err(name.as_str());
            assert!(
                err.is_eof() || cut.trim().is_empty(),
                "{name} at {end}: {err}"
            );
            if end % stride == 0 {
                parse_all(cut);
            }
        }
    }
}

#[test]
fn truncated_typed_bodies_fail() {
    let agent = fixture("wire/agent.json");
    for end in [1, 10, agent.len() / 2, agent.len() - 2] {
        let err = parse::<WorkspaceAgent>(&agent[..end]).unwrap_err();
        assert!(err.line >= 1, "{err}");
    }
    assert!(
        parse::<Vec<WorkspaceAgentLog>>(r#"[{"id":1,"created_at":"2024-01-01T00:00:00Z"},"#)
            .unwrap_err()
            .is_eof()
    );
}

#[test]
fn wrong_types_fail() {
    type Case = (&'static str, fn(&str) -> bool);
    let cases: &[Case] = &[
        ("", |t| parse::<WorkspaceAgent>(t).is_err()),
        ("null", |t| parse::<WorkspaceAgent>(t).is_err()),
        ("[]", |t| parse::<WorkspaceAgent>(t).is_err()),
        (r#"{"id": 5}"#, |t| parse::<WorkspaceAgent>(t).is_err()),
        (
            r#"{"id":"not-a-uuid","name":"x","created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z"}"#,
            |t| parse::<WorkspaceAgent>(t).is_err(),
        ),
        (
            r#"{"id":"497f6eca-6276-4993-bfeb-53cbbbba6f08","name":"x","created_at":"yesterday","updated_at":"2024-01-01T00:00:00Z"}"#,
            |t| parse::<WorkspaceAgent>(t).is_err(),
        ),
        (
            r#"{"id":"497f6eca-6276-4993-bfeb-53cbbbba6f08","name":"x","created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z","status":7}"#,
            |t| parse::<WorkspaceAgent>(t).is_err(),
        ),
        (
            r#"{"id":"497f6eca-6276-4993-bfeb-53cbbbba6f08","name":"x","created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z","apps":{}}"#,
            |t| parse::<WorkspaceAgent>(t).is_err(),
        ),
        (
            r#"{"id":"497f6eca-6276-4993-bfeb-53cbbbba6f08","name":"x","created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z","logs_length":"big"}"#,
            |t| parse::<WorkspaceAgent>(t).is_err(),
        ),
        (
            r#"[{"id":"one","created_at":"2024-01-01T00:00:00Z"}]"#,
            |t| parse::<Vec<WorkspaceAgentLog>>(t).is_err(),
        ),
        (r#"[{"id":1.5,"created_at":"2024-01-01T00:00:00Z"}]"#, |t| {
            parse::<Vec<WorkspaceAgentLog>>(t).is_err()
        }),
        (r#"{"ports":[{"port":70000}]}"#, |t| {
            parse::<WorkspaceAgentListeningPortsResponse>(t).is_err()
        }),
        (r#"{"ports":[{"port":-1}]}"#, |t| {
            parse::<WorkspaceAgentListeningPortsResponse>(t).is_err()
        }),
        (r#"{"Regions":{"1":{"RegionID":"one"}}}"#, |t| {
            parse::<DerpMap>(t).is_err()
        }),
        (r#"{"Regions":[]}"#, |t| parse::<DerpMap>(t).is_err()),
        (r#"{"derp_map":"none"}"#, |t| {
            parse::<AgentConnectionInfo>(t).is_err()
        }),
        (r#"{"message":1}"#, |t| parse::<Response>(t).is_err()),
        (r#"{"validations":{"field":"a"}}"#, |t| {
            parse::<Response>(t).is_err()
        }),
        (r#"{"width":65536}"#, |t| {
            parse::<ReconnectingPtyRequest>(t).is_err()
        }),
        (r#"{"data":5}"#, |t| {
            parse::<ReconnectingPtyRequest>(t).is_err()
        }),
        ("<!DOCTYPE html><html></html>", |t| {
            parse::<Response>(t).is_err()
        }),
        ("{\"message\":\"x\"} trailing", |t| {
            parse::<Response>(t).is_err()
        }),
    ];
    for (text, fails) in cases {
        assert!(fails(text), "should fail: {text}");
    }
    let err = parse::<DerpMap>(r#"{"Regions": {"1": {"RegionID": "one"}}}"#).unwrap_err();
    assert_eq!(err.kind, ParseErrorKind::Data);
    assert!(err.to_string().contains("line 1"), "{err}");
}

#[test]
fn random_corruption_never_panics() {
    // A fixed linear congruential generator: deterministic, no dependency.
    let mut seed: u64 = 0x5eed;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    const NOISE: &[u8] = b"{}[]\":,0a-\\\x00\xff";
    for (_, text) in all_fixtures() {
        let bytes = text.into_bytes();
        for _ in 0..200 {
            let mut b = bytes.clone();
            for _ in 0..1 + next() % 4 {
                let i = next() % b.len();
                b[i] = NOISE[next() % NOISE.len()];
            }
            let _ = parse_slice::<WorkspaceAgent>(&b);
            let _ = parse_slice::<DerpMap>(&b);
            if let Ok(s) = std::str::from_utf8(&b) {
                parse_all(s);
            }
        }
    }
}
