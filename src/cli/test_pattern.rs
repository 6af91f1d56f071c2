//! `test-event-pattern`: the offline twin of `aws events test-event-pattern`.

use std::path::Path;

use super::{EXIT_OK, EXIT_USAGE, print_line};
use crate::pattern::{TestPatternError, test_event_pattern};

/// `--event-pattern` and `--event` take JSON text or `file://PATH`, as the AWS CLI does.
fn read_argument(value: &str, what: &str) -> Result<String, String> {
    match value.strip_prefix("file://") {
        Some(path) => std::fs::read_to_string(Path::new(path))
            .map_err(|err| format!("cannot read {what} file {path}: {err}")),
        None => Ok(value.to_string()),
    }
}

pub(crate) fn test_pattern(pattern: &str, event: &str) -> u8 {
    let (pattern, event) = match (
        read_argument(pattern, "--event-pattern"),
        read_argument(event, "--event"),
    ) {
        (Ok(p), Ok(e)) => (p, e),
        (Err(err), _) | (_, Err(err)) => {
            eprintln!("cloudtrail-alerts: {err}");
            return EXIT_USAGE;
        }
    };
    match test_event_pattern(&pattern, &event) {
        Ok(result) => print_line(&serde_json::json!({ "Result": result }), EXIT_OK),
        Err(err @ TestPatternError::InvalidPattern(_))
        | Err(err @ TestPatternError::InvalidEvent) => {
            eprintln!("{err}");
            EXIT_USAGE
        }
    }
}
