//! Live agent metadata: the values a template's `metadata` blocks measure (CPU, memory, disk, …)
//! and the event envelope coderd streams them in.
//!
//! As coder/coder writes them (`codersdk/workspaceagents.go`, `codersdk/serversentevents.go`,
//! `coderd/workspaceagents.go` `watchWorkspaceAgentMetadata`; see `docs/coder-wire.md`):
//!
//! - `GET /api/v2/workspaceagents/{id}/watch-metadata-ws` ([`crate::routes::watch_metadata_ws`])
//!   is a one-way WebSocket: each TEXT frame is one [`ServerSentEvent`] in JSON,
//!   `{"type":"data","data":[…]}`.
//! - `GET /api/v2/workspaceagents/{id}/watch-metadata` ([`crate::routes::watch_metadata`]) is the
//!   older server-sent-events route (deprecated in coderd, kept as the fallback): the same events
//!   as `event: data\ndata: […]\n\n`, and `event: ping\n\n` every 15 s.
//! - The first event is the full list at once; then at most one a second while values change,
//!   and at least one every 5 s so `age` stays current. Each `data` event carries **every**
//!   item (not only the changed ones), sorted by the template's `order`, then by `key`.
//!
//! Reading either transport: [`MetadataEvent::from_ws_frame`] and [`MetadataEvent::from_sse`].
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::de::{go_time_opt, null_as_default, write_go_time_opt};
use crate::{ApiParseError, Response};

/// The longest `value` coderd stores, in bytes; a longer one is cut and its `error` replaced
/// ("value of N bytes exceeded 2048 bytes"). The same limit applies to `error`.
pub const MAX_METADATA_VALUE_LEN: usize = 2048;

/// What coderd writes as `age` for an item never collected: Go's `time.Since` of the zero time
/// saturates at the largest `time.Duration` (about 292 years), 9,223,372,036 whole seconds.
pub const AGE_NEVER_COLLECTED: i64 = i64::MAX / 1_000_000_000;

/// One metadata item: the template's description and the latest result
/// (`codersdk.WorkspaceAgentMetadata`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceAgentMetadata {
    /// The latest value (or error) and when it was collected.
    #[serde(default)]
    pub result: WorkspaceAgentMetadataResult,
    /// What the template says to measure, and how often.
    #[serde(default)]
    pub description: WorkspaceAgentMetadataDescription,
}

/// The latest collection of an item (`codersdk.WorkspaceAgentMetadataResult`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceAgentMetadataResult {
    /// When coderd received the value (coderd ignores the agent's clock). `None` until the first
    /// collection: coderd then writes Go's zero time `0001-01-01T00:00:00Z`, which reads (and is
    /// written back) as `None`. Coder's dashboard shows such an item as loading.
    #[serde(
        default,
        deserialize_with = "go_time_opt",
        serialize_with = "write_go_time_opt"
    )]
    pub collected_at: Option<DateTime<Utc>>,
    /// Whole seconds since `collected_at` by the server's clock when it sent the event (rounded
    /// down). Prefer it to `collected_at` for staleness: it is immune to clock skew between
    /// server and browser. [`AGE_NEVER_COLLECTED`] before the first collection.
    #[serde(default, deserialize_with = "null_as_default")]
    pub age: i64,
    /// The script's output without surrounding whitespace, at most [`MAX_METADATA_VALUE_LEN`]
    /// bytes. Untrusted text: may hold markup or ANSI escapes. Kept when `error` is set (a
    /// script that printed and then failed).
    #[serde(default, deserialize_with = "null_as_default")]
    pub value: String,
    /// Why the latest collection failed (a non-zero exit, a timeout, an over-long value); empty
    /// when it succeeded.
    #[serde(default, deserialize_with = "null_as_default")]
    pub error: String,
}

impl WorkspaceAgentMetadataResult {
    /// A result as coderd stores one the agent reports (`coderd/agentapi/metadata.go`): value and
    /// error trimmed of surrounding whitespace; a value over [`MAX_METADATA_VALUE_LEN`] bytes is
    /// cut there and the error says so; an over-long error is replaced by one that says so.
    /// Cuts fall on a character boundary (coderd cuts bytes). `age` is 0: set it when sending
    /// ([`Self::aged`]).
    pub fn collected(value: &str, error: &str, at: DateTime<Utc>) -> Self {
        let (value, reported) = (value.trim(), error.trim());
        // coderd's order: an over-long error wins over an over-long value.
        let error = if reported.len() > MAX_METADATA_VALUE_LEN {
            format!(
                "error of {} bytes exceeded {MAX_METADATA_VALUE_LEN} bytes",
                reported.len()
            )
        } else if value.len() > MAX_METADATA_VALUE_LEN {
            format!(
                "value of {} bytes exceeded {MAX_METADATA_VALUE_LEN} bytes",
                value.len()
            )
        } else {
            reported.to_owned()
        };
        Self {
            collected_at: Some(at),
            age: 0,
            value: crate::error::truncate(value, MAX_METADATA_VALUE_LEN).to_owned(),
            error,
        }
    }

    /// This result with `age` computed for `now` as coderd does (whole seconds, rounded down;
    /// [`AGE_NEVER_COLLECTED`] when never collected, 0 when `collected_at` is in the future).
    pub fn aged(mut self, now: DateTime<Utc>) -> Self {
        self.age = match self.collected_at {
            Some(at) => (now - at).num_seconds().max(0),
            None => AGE_NEVER_COLLECTED,
        };
        self
    }

    /// Whether a value (or an error) has been collected yet.
    pub fn is_collected(&self) -> bool {
        self.collected_at.is_some()
    }

    /// Whether the latest collection failed.
    pub fn is_error(&self) -> bool {
        !self.error.is_empty()
    }
}

/// What to measure (`codersdk.WorkspaceAgentMetadataDescription`), from the template's
/// `metadata` block of its `coder_agent`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceAgentMetadataDescription {
    /// Label for people.
    #[serde(default, deserialize_with = "null_as_default")]
    pub display_name: String,
    /// Unique per agent: the identity of an item across events.
    #[serde(default, deserialize_with = "null_as_default")]
    pub key: String,
    /// The command the agent runs (empty in the workspaces list's `include_agent_metadata`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub script: String,
    /// Seconds between collections; 0: collected once, when the agent starts (never stale).
    #[serde(default, deserialize_with = "null_as_default")]
    pub interval: i64,
    /// Seconds a collection may take before it is killed; 0: the agent's default (the interval,
    /// else a few seconds).
    #[serde(default, deserialize_with = "null_as_default")]
    pub timeout: i64,
}

crate::open_enum! {
    /// The kind of a streamed event (`codersdk.ServerSentEventType`).
    ServerSentEventType {
        /// Keep-alive; `data` is `null` (server-sent events only: the WebSocket pings in its
        /// own frames).
        Ping => "ping",
        /// The payload: for metadata, the full list of items.
        Data => "data",
        /// A failure on coderd's side; `data` is a [`Response`].
        Error => "error",
    }
}

/// coderd's event envelope (`codersdk.ServerSentEvent`): one WebSocket frame, or one event of a
/// `text/event-stream`. `data` is Go's `interface{}`: its shape depends on `type` (see
/// [`MetadataEvent`] for the metadata routes), so it is read as JSON (`T` = `Value`) and written
/// from a typed value (fields in the struct's order, as Go writes them).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerSentEvent<T = serde_json::Value> {
    /// What `data` holds.
    #[serde(rename = "type", default)]
    pub kind: ServerSentEventType,
    /// The payload (coderd always writes the key; `null` for a ping).
    #[serde(default)]
    pub data: T,
}

impl<T: Serialize> ServerSentEvent<T> {
    /// A `data` event carrying `data`.
    pub fn data(data: T) -> Self {
        Self {
            kind: ServerSentEventType::Data,
            data,
        }
    }

    /// The event in coderd's `text/event-stream` framing (`httpapi.ServerSentEventSender`):
    /// `event: <type>\n`, then `data: <json>\n` unless `data` is `null`, then a blank line.
    /// The JSON is compact, so it is always a single `data:` line.
    pub fn to_sse(&self) -> String {
        let mut out = format!("event: {}\n", self.kind);
        let data = serde_json::to_string(&self.data).unwrap_or_else(|_| "null".into());
        if data != "null" {
            out.push_str("data: ");
            out.push_str(&data);
            out.push('\n');
        }
        out.push('\n');
        out
    }
}

impl ServerSentEvent {
    /// Splits a `text/event-stream` body into its complete events (the unfinished tail is
    /// left out): `event:` names the type, `data:` lines are joined with `\n` and read as JSON
    /// (`null` when there are none), comments and other fields are ignored, a block of comments
    /// only is skipped. For native clients
    /// and tests; browsers have `EventSource`.
    pub fn parse_sse_stream(text: &str) -> Result<Vec<Self>, ApiParseError> {
        let text = text.replace("\r\n", "\n");
        let Some(end) = text.rfind("\n\n") else {
            return Ok(Vec::new());
        };
        text[..end]
            .split("\n\n")
            .filter_map(|block| {
                let (mut kind, mut data) = (None, Vec::new());
                for line in block.lines() {
                    let (field, value) = line.split_once(':').unwrap_or((line, ""));
                    let value = value.strip_prefix(' ').unwrap_or(value);
                    match field {
                        "event" => kind = Some(value),
                        "data" => data.push(value),
                        _ => {}
                    }
                }
                // A block of comments only (a keep-alive) is no event.
                if kind.is_none() && data.is_empty() {
                    return None;
                }
                Some(Ok(Self {
                    kind: ServerSentEventType::from(kind.unwrap_or_default()),
                    data: match data.is_empty() {
                        true => serde_json::Value::Null,
                        false => match crate::parse(&data.join("\n")) {
                            Ok(data) => data,
                            Err(err) => return Some(Err(err)),
                        },
                    },
                }))
            })
            .collect()
    }
}

/// An event of the metadata routes, read into what it carries.
#[derive(Clone, Debug, PartialEq)]
pub enum MetadataEvent {
    /// Every item, in coderd's order (template `order`, then `key`): replaces what was shown.
    Data(Vec<WorkspaceAgentMetadata>),
    /// coderd could not read the metadata (it ends the stream after this).
    Error(Response),
    /// A keep-alive.
    Ping,
    /// A type this version does not know (kept, to be ignored).
    Other(ServerSentEventType),
}

impl MetadataEvent {
    /// Reads an event whose envelope is already parsed.
    pub fn from_event(event: ServerSentEvent) -> Result<Self, ApiParseError> {
        Ok(match event.kind {
            ServerSentEventType::Data => Self::Data(
                // Go writes a nil slice as null; coderd sends [] but a client need not care.
                Option::<Vec<WorkspaceAgentMetadata>>::deserialize(event.data)
                    .map_err(ApiParseError::from)?
                    .unwrap_or_default(),
            ),
            ServerSentEventType::Error => {
                Self::Error(Response::deserialize(event.data).map_err(ApiParseError::from)?)
            }
            ServerSentEventType::Ping => Self::Ping,
            other => Self::Other(other),
        })
    }

    /// Reads one TEXT frame of `watch-metadata-ws` (the JSON envelope).
    pub fn from_ws_frame(text: &str) -> Result<Self, ApiParseError> {
        Self::from_event(crate::parse(text)?)
    }

    /// Reads one event of `watch-metadata` as `EventSource` delivers it: the event's name
    /// (`data`, `ping`, `error`) and its data text (empty when it has none).
    pub fn from_sse(event: &str, data: &str) -> Result<Self, ApiParseError> {
        Self::from_event(ServerSentEvent {
            kind: ServerSentEventType::from(event),
            data: match data.trim().is_empty() {
                true => serde_json::Value::Null,
                false => crate::parse(data)?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// A frame as coderd's `watch-metadata-ws` writes it: an item collected, one never
    /// collected (Go's zero time, the saturated age), one that failed.
    const CODERD_FRAME: &str = r#"{"type":"data","data":[
        {"result":{"collected_at":"2026-08-22T10:00:03.123456Z","age":2,"value":"12.5%","error":""},
         "description":{"display_name":"CPU Usage","key":"0_cpu_usage","script":"coder stat cpu","interval":10,"timeout":1}},
        {"result":{"collected_at":"0001-01-01T00:00:00Z","age":9223372036,"value":"","error":""},
         "description":{"display_name":"RAM Usage","key":"1_ram_usage","script":"coder stat mem","interval":10,"timeout":1}},
        {"result":{"collected_at":"2026-08-22T10:00:04Z","age":1,"value":"partial","error":"run cmd: exit status 1"},
         "description":{"display_name":"Home Disk","key":"3_home_disk","script":"exit 1","interval":60,"timeout":1}}
    ]}"#;

    #[test]
    fn coderds_frame_reads_into_items() {
        let MetadataEvent::Data(items) = MetadataEvent::from_ws_frame(CODERD_FRAME).unwrap() else {
            panic!("a data event");
        };
        assert_eq!(items.len(), 3);
        let cpu = &items[0];
        assert_eq!(cpu.description.key, "0_cpu_usage");
        assert_eq!(cpu.description.display_name, "CPU Usage");
        assert_eq!((cpu.description.interval, cpu.description.timeout), (10, 1));
        assert_eq!(cpu.result.value, "12.5%");
        assert!(cpu.result.is_collected() && !cpu.result.is_error());
        assert_eq!(cpu.result.age, 2);
        let ram = &items[1].result;
        assert!(!ram.is_collected(), "the zero time is 'not yet'");
        assert_eq!(ram.age, AGE_NEVER_COLLECTED);
        let disk = &items[2].result;
        assert!(disk.is_error() && disk.value == "partial");
    }

    #[test]
    fn written_back_as_coderd_writes_it() {
        let never = WorkspaceAgentMetadataResult::default().aged(Utc::now());
        let json = serde_json::to_value(&never).unwrap();
        assert_eq!(json["collected_at"], crate::de::GO_ZERO_TIME);
        assert_eq!(json["age"], 9_223_372_036_i64);
        assert_eq!(
            json.as_object().unwrap().len(),
            4,
            "every field, always: {json}"
        );
        // In Go's field order, so a frame reads like coderd's.
        let frame =
            serde_json::to_string(&ServerSentEvent::data([WorkspaceAgentMetadata::default()]))
                .unwrap();
        let order = [
            "\"type\"",
            "\"data\"",
            "\"result\"",
            "\"collected_at\"",
            "\"age\"",
            "\"value\"",
            "\"error\"",
            "\"description\"",
            "\"display_name\"",
            "\"key\"",
            "\"script\"",
            "\"interval\"",
            "\"timeout\"",
        ];
        let at: Vec<usize> = order.iter().map(|k| frame.find(k).unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{frame}");
    }

    #[test]
    fn missing_and_null_fields_are_tolerated() {
        let items: Vec<WorkspaceAgentMetadata> = crate::parse(
            r#"[{}, {"result":{"value":null,"error":null,"age":null},"description":{"key":"k"}}]"#,
        )
        .unwrap();
        assert_eq!(items[0], WorkspaceAgentMetadata::default());
        assert_eq!(items[1].description.key, "k");
        assert!(!items[1].result.is_collected());
        // A null list (Go's nil slice) is an empty one.
        assert_eq!(
            MetadataEvent::from_ws_frame(r#"{"type":"data","data":null}"#).unwrap(),
            MetadataEvent::Data(Vec::new())
        );
        // Wrong types still fail, with a typed error.
        assert!(
            MetadataEvent::from_ws_frame(r#"{"type":"data","data":[{"result":{"age":"x"}}]}"#)
                .is_err()
        );
        assert!(MetadataEvent::from_ws_frame("<html>").is_err());
    }

    #[test]
    fn other_event_types() {
        assert_eq!(
            MetadataEvent::from_ws_frame(r#"{"type":"ping","data":null}"#).unwrap(),
            MetadataEvent::Ping
        );
        let error =
            r#"{"type":"error","data":{"message":"Failed to get metadata.","detail":"db gone"}}"#;
        let MetadataEvent::Error(body) = MetadataEvent::from_ws_frame(error).unwrap() else {
            panic!("an error event");
        };
        assert_eq!(body.message, "Failed to get metadata.");
        assert_eq!(
            MetadataEvent::from_ws_frame(r#"{"type":"delta","data":[1]}"#).unwrap(),
            MetadataEvent::Other(ServerSentEventType::Unknown("delta".into()))
        );
        let kept: ServerSentEvent = crate::parse(r#"{"type":"delta","data":1}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&kept).unwrap(),
            r#"{"type":"delta","data":1}"#
        );
    }

    #[test]
    fn sse_framing_is_coderds() {
        let items = vec![WorkspaceAgentMetadata::default()];
        let data = ServerSentEvent::data(&items).to_sse();
        assert!(
            data.starts_with("event: data\ndata: [{\"result\":"),
            "{data}"
        );
        assert!(
            data.ends_with("}]\n\n") && data.matches('\n').count() == 3,
            "{data:?}"
        );
        let ping = ServerSentEvent {
            kind: ServerSentEventType::Ping,
            data: serde_json::Value::Null,
        };
        assert_eq!(ping.to_sse(), "event: ping\n\n");

        // Read back, as a stream (the unfinished tail waits) and as EventSource hands it over.
        let stream = format!("{data}{}: a comment\n\nevent: data\ndata: [", ping.to_sse());
        let events = ServerSentEvent::parse_sse_stream(&stream).unwrap();
        assert_eq!(events.len(), 2, "{events:?}");
        assert_eq!(
            MetadataEvent::from_event(events[0].clone()).unwrap(),
            MetadataEvent::Data(items)
        );
        assert_eq!(events[1].kind, ServerSentEventType::Ping);
        assert_eq!(
            MetadataEvent::from_sse("ping", "").unwrap(),
            MetadataEvent::Ping
        );
        let one = r#"[{"description":{"key":"k"}}]"#;
        assert!(
            matches!(MetadataEvent::from_sse("data", one).unwrap(), MetadataEvent::Data(v) if v[0].description.key == "k")
        );
        assert!(MetadataEvent::from_sse("data", "[").is_err());
    }

    #[test]
    fn collected_values_are_bounded_like_coderd_bounds_them() {
        let at = Utc.with_ymd_and_hms(2026, 8, 22, 10, 0, 0).unwrap();
        let ok = WorkspaceAgentMetadataResult::collected("  42%\n", "", at);
        assert_eq!((ok.value.as_str(), ok.error.as_str()), ("42%", ""));
        assert_eq!(ok.collected_at, Some(at));

        let huge = "é".repeat(600_000);
        let cut = WorkspaceAgentMetadataResult::collected(&huge, "", at);
        assert!(cut.value.len() <= MAX_METADATA_VALUE_LEN && cut.value.len() > 2040);
        assert!(
            cut.value.chars().all(|c| c == 'é'),
            "cut on a character boundary"
        );
        assert_eq!(cut.error, "value of 1200000 bytes exceeded 2048 bytes");

        let long_error = WorkspaceAgentMetadataResult::collected("v", &"x".repeat(3000), at);
        assert_eq!(long_error.error, "error of 3000 bytes exceeded 2048 bytes");
        assert_eq!(long_error.value, "v");

        let later = at + chrono::Duration::milliseconds(5_999);
        assert_eq!(ok.clone().aged(later).age, 5, "whole seconds, rounded down");
        assert_eq!(ok.aged(at - chrono::Duration::seconds(3)).age, 0);
    }
}
