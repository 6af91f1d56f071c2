//! `test-event-pattern`'s arguments and the reasons it gives when AWS's own
//! message ("Parameter Event is not valid.") would leave a user guessing.

use std::path::Path;

use serde_json::Value;

use crate::event::{Shape, shape_of};

/// `--event-pattern` and `--event` take JSON text or `file://PATH`, as the
/// AWS CLI does, or a plain path, as the other commands do: text that does
/// not start like JSON (object, array, string) is taken for a path.
pub fn read_argument(value: &str, what: &str) -> Result<String, String> {
    let path = match value.strip_prefix("file://") {
        Some(path) => path,
        None if value.trim_start().starts_with(['{', '[', '"'])
            || serde_json::from_str::<Value>(value).is_ok() =>
        {
            return Ok(value.to_string());
        }
        None => value,
    };
    std::fs::read_to_string(Path::new(path))
        .map_err(|err| format!("cannot read {what} file {path}: {err}"))
}

/// Why `TestEventPattern` would refuse `event`: the fields it requires, and
/// the common mistake of passing a bare CloudTrail record.
pub fn event_reason(event: &str) -> String {
    let value: Value = match serde_json::from_str(event) {
        Ok(value) => value,
        Err(err) => return format!("not JSON: {err}"),
    };
    let Some(object) = value.as_object() else {
        return "not a JSON object".to_string();
    };
    if shape_of(&value) == Ok(Shape::Record) {
        return "this is a bare CloudTrail record, not an EventBridge event: wrap it in an \
                envelope (id, detail-type, source, account, time, region, detail) or use \
                `cloudtrail-alerts evaluate`, which takes records as they are"
            .to_string();
    }
    let missing: Vec<&str> = ["id", "account", "source", "time", "region", "detail-type"]
        .into_iter()
        .filter(|f| !object.contains_key(*f))
        .collect();
    if missing.is_empty() {
        "a field has a type EventBridge does not accept".to_string()
    } else {
        format!("missing {}", missing.join(", "))
    }
}

/// A pattern that is not JSON and does not try to be: most likely the
/// YAML of a rule file pasted as it is.
pub fn looks_like_yaml(pattern: &str) -> bool {
    serde_json::from_str::<Value>(pattern).is_err() && !pattern.trim_start().starts_with('{')
}
