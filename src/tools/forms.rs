//! Pure helpers of the tools page: turning what the user typed into request bodies.
use chrono::{DateTime, Utc};
use coder_api::{Log, LogLevel, PatchLogs};
use uuid::Uuid;

/// One log line per non-empty line of `text`, all at `level`, stamped `now`.
pub fn patch_logs(
    source: Uuid,
    level: &LogLevel,
    text: &str,
    now: DateTime<Utc>,
) -> Result<PatchLogs, String> {
    let logs: Vec<Log> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| Log {
            created_at: now,
            level: level.clone(),
            output: l.to_owned(),
        })
        .collect();
    if logs.is_empty() {
        return Err("Write at least one line to send.".into());
    }
    Ok(PatchLogs {
        log_source_id: source,
        logs,
    })
}

/// Parses a log source id typed by the user (or returns the default one).
pub fn parse_source(input: &str) -> Result<Uuid, String> {
    let t = input.trim();
    if t.is_empty() {
        return Ok(coder_api::EXTERNAL_LOG_SOURCE_ID);
    }
    t.parse().map_err(|_| format!("\"{t}\" is not a UUID."))
}

/// Hides most of a secret for display.
pub fn mask(secret: &str) -> String {
    let n = secret.chars().count();
    if n <= 8 {
        "•".repeat(n.max(4))
    } else {
        let head: String = secret.chars().take(4).collect();
        format!("{head}{}", "•".repeat(12))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_non_empty_line_becomes_a_log() {
        let now = Utc::now();
        let body = patch_logs(Uuid::nil(), &LogLevel::Warn, "one\n\n  \ntwo\r\n", now).unwrap();
        assert_eq!(body.logs.len(), 2);
        assert_eq!(body.logs[1].output, "two");
        assert_eq!(body.logs[0].level, LogLevel::Warn);
        assert!(patch_logs(Uuid::nil(), &LogLevel::Info, " \n", now).is_err());
    }

    #[test]
    fn source_ids_are_checked() {
        assert_eq!(parse_source("").unwrap(), coder_api::EXTERNAL_LOG_SOURCE_ID);
        assert!(parse_source("nope").is_err());
        assert!(parse_source(" 497f6eca-6276-4993-bfeb-53cbbbba6f08 ").is_ok());
    }

    #[test]
    fn secrets_are_masked() {
        assert_eq!(mask("abc"), "••••");
        assert!(mask("supersecrettoken").starts_with("supe"));
        assert!(!mask("supersecrettoken").contains("secret"));
    }
}
