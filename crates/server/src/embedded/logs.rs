//! Log routes: reading (`GET .../logs`, the removed `.../startup-logs`; REST or WebSocket follow)
//! and the agent writing (`PATCH /me/logs`, `POST /me/log-source`).

use axum::extract::ws::{Message, WebSocket};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use coder_api::routes::LogsQuery;
use serde_json::json;
use uuid::Uuid;

use super::log_store::{
    AppendError, LogStore, NewLog, EXTERNAL_LOG_SOURCE_ID, MAX_SOURCES, MAX_SOURCE_ICON_CHARS,
    MAX_SOURCE_NAME_CHARS,
};
use super::ws::{push_on_change, upgrade, Next, Upgrade};
use super::Embedded;
use crate::error::{read_json, ApiError, ApiResult};

/// Icon coderd gives the external log source.
const EXTERNAL_ICON: &str = "/emojis/1f310.png";

/// `GET /workspaceagents/{id}/logs` and `.../startup-logs`.
pub async fn get_logs(
    State(e): State<Embedded>,
    Path(agent): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    ws: Upgrade,
) -> ApiResult<Response> {
    e.check_agent_param(&agent)?;
    let q = LogsQuery::parse(raw.as_deref().unwrap_or_default()).map_err(ApiError::bad_request)?;
    let after = q.after.unwrap_or(0);
    if q.text {
        return Ok(text_logs(&e, after));
    }
    if !q.follow {
        return Ok(Json(e.agent().logs.after(after)).into_response());
    }
    let ws = upgrade(&headers, ws)?;
    Ok(ws
        .on_upgrade(move |socket| follow(socket, e, after))
        .into_response())
}

/// `?format=text`: each line as coderd writes it ([`coder_api::WorkspaceAgentLog::text`]), named
/// after the agent and its source.
fn text_logs(e: &Embedded, after: i64) -> Response {
    let store = &e.agent().logs;
    let names: std::collections::HashMap<Uuid, String> = store
        .sources()
        .into_iter()
        .map(|s| (s.id, s.display_name))
        .collect();
    let agent_name = &e.agent().host.agent_name;
    let mut body = String::new();
    for line in store.after(after) {
        let source = names.get(&line.source_id).map_or("", String::as_str);
        body.push_str(&line.text(agent_name, source));
        body.push('\n');
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// Lines per follow frame at most: a browser parses a frame in one go, so a large backlog (after
/// a reconnect, or while lines arrive faster than they are sent) goes out in several frames.
const FRAME_LINES: usize = 2_000;

/// Sends the backlog after `after` as the first frames, then each new batch. Every batch is
/// "everything after the last id sent", so lagging behind notifications loses nothing and repeats
/// nothing.
async fn follow(socket: WebSocket, e: Embedded, after: i64) {
    let store = e.agent().logs.clone();
    let mut last = after;
    let mut first = true;
    // The store's watch only wakes the loop; each frame is read from the store itself.
    push_on_change(socket, store.subscribe(), &e, |_| {
        let batch = store.after_at_most(last, FRAME_LINES);
        if !first && batch.is_empty() {
            return Next::Wait;
        }
        first = false;
        if let Some(l) = batch.last() {
            last = l.id;
        }
        let text = serde_json::to_string(&batch).unwrap_or_else(|_| "[]".into());
        Next::Send {
            frame: Message::Text(text.into()),
            more: batch.len() == FRAME_LINES,
        }
    })
    .await
}

/// `PATCH /workspaceagents/me/logs`: the body is `coder_api::PatchLogs`.
pub async fn patch_logs(
    State(store): State<LogStore>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let (source_id, lines) = validate_patch(read_json(&body)?)?;
    if source_id == EXTERNAL_LOG_SOURCE_ID && !store.has_source(source_id) {
        // With the agent's sources all taken, the append below says "Log source not found."
        let _ = store.upsert_source(source_id, "External", EXTERNAL_ICON);
    }
    match store.append(source_id, lines) {
        Ok(_) => Ok((StatusCode::OK, Json(json!({"message": "Logs appended."}))).into_response()),
        Err(AppendError::LimitExceeded) => Err(ApiError::with_body(
            StatusCode::PAYLOAD_TOO_LARGE,
            coder_api::Response::logs_limit_exceeded(),
        )),
        Err(AppendError::UnknownSource(id)) => Err(unknown_source(id)),
    }
}

fn unknown_source(id: Uuid) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "Log source not found.").validation(
        "log_source_id",
        format!("No log source with id {id}; create it with POST /workspaceagents/me/log-source."),
    )
}

/// What coderd requires of a `PatchLogs` beyond its shape: at least one line, known levels (an
/// empty one reads as `info`); the nil source is the external one, and a line without a time
/// (Go's zero time) gets the time of arrival.
fn validate_patch(patch: coder_api::PatchLogs) -> ApiResult<(Uuid, Vec<NewLog>)> {
    let source_id = if patch.log_source_id.is_nil() {
        EXTERNAL_LOG_SOURCE_ID
    } else {
        patch.log_source_id
    };
    if patch.logs.is_empty() {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "No logs provided.")
            .validation("logs", "Must contain at least one log."));
    }
    let now = Utc::now();
    let mut lines = Vec::with_capacity(patch.logs.len());
    for (i, log) in patch.logs.into_iter().enumerate() {
        if !log.level.is_known() {
            return Err(
                ApiError::new(StatusCode::BAD_REQUEST, "Invalid log level provided.")
                    .detail(format!("invalid log level: {:?}", log.level.as_str()))
                    .validation(
                        format!("logs[{i}].level"),
                        "Must be one of trace, debug, info, warn, error.",
                    ),
            );
        }
        lines.push(NewLog {
            created_at: if log.created_at.timestamp() > 0 {
                log.created_at
            } else {
                now
            },
            level: log.level,
            output: log.output,
        });
    }
    Ok((source_id, lines))
}

/// `POST /workspaceagents/me/log-source`: creates (or renames) a log source from a
/// `coder_api::PostLogSourceRequest`; 201 with the source, as coderd answers.
pub async fn post_log_source(
    State(store): State<LogStore>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let request: coder_api::PostLogSourceRequest = read_json(&body)?;
    if request.id.is_nil() {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "Validation failed.")
            .validation("id", "Must be a non-nil UUID."));
    }
    for (field, value, max) in [
        ("display_name", &request.display_name, MAX_SOURCE_NAME_CHARS),
        ("icon", &request.icon, MAX_SOURCE_ICON_CHARS),
    ] {
        let chars = value.chars().count();
        if chars > max {
            return Err(
                ApiError::new(StatusCode::BAD_REQUEST, "Validation failed.").validation(
                    field,
                    format!("Must be at most {max} characters (got {chars})."),
                ),
            );
        }
    }
    let source = store
        .upsert_source(request.id, &request.display_name, &request.icon)
        .ok_or_else(|| {
            ApiError::new(StatusCode::BAD_REQUEST, "Too many log sources.").detail(format!(
                "An agent has at most {MAX_SOURCES} log sources; post logs to an existing one."
            ))
        })?;
    Ok((StatusCode::CREATED, Json(source)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use coder_api::LogLevel;

    #[test]
    fn patch_validation() {
        let patch = |v: serde_json::Value| validate_patch(read_json(v.to_string().as_bytes())?);
        let ok = json!({"logs": [{"output": "a", "level": ""}, {"output": "b", "level": "warn", "created_at": "2024-01-01T00:00:00Z"}, {"output": null}]});
        let (src, lines) = patch(ok).unwrap();
        assert_eq!(src, EXTERNAL_LOG_SOURCE_ID);
        assert_eq!(lines[0].level, LogLevel::Info);
        assert_eq!(lines[1].level, LogLevel::Warn);
        assert_eq!(
            (lines[2].level.clone(), lines[2].output.as_str()),
            (LogLevel::Info, "")
        );
        assert!(
            lines[0].created_at.timestamp() > 1_700_000_000,
            "no time: the time of arrival"
        );
        let field = |v: serde_json::Value| patch(v).unwrap_err().validations()[0].field.clone();
        assert_eq!(field(json!({"logs": []})), "logs");
        assert_eq!(field(json!({"logs": "x"})), "logs");
        assert_eq!(
            field(json!({"logs": [{"output": "a", "level": "loud"}]})),
            "logs[0].level"
        );
        assert_eq!(field(json!({"logs": [{"output": 7}]})), "logs[0].output");
        assert_eq!(
            field(json!({"log_source_id": "nope", "logs": [{"output": "a"}]})),
            "log_source_id"
        );
        assert_eq!(
            patch(json!({"log_source_id": null, "logs": [{"output": "a"}]}))
                .unwrap()
                .0,
            EXTERNAL_LOG_SOURCE_ID
        );
        let err = read_json::<coder_api::PatchLogs>(b"{not json").unwrap_err();
        assert_eq!(err.body.message, "Request body must be valid JSON.");
        let err = read_json::<coder_api::PostLogSourceRequest>(b"{}").unwrap_err();
        assert_eq!(err.validations()[0].field, "id", "a missing field is named");
    }
}
