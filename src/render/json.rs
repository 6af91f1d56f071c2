//! The machine-readable alert: the CLI's JSON summary, and the default SNS
//! message (summary + the CloudTrail record, trimmed to fit).
//!
//! Values are data here, not display: they are kept as they are (capped), and
//! JSON escaping plus [`escape_json_output`] keeps control, bidi and
//! zero-width characters out of the bytes.

use serde_json::{Map, Value, json};

use crate::alert::Alert;

use super::console_link_or_none;
use super::sanitize::{escape_json_output, truncate};

/// The version of the default message's fields (docs/alerts.md): raised when
/// a field is renamed, removed or changes type, so subscribers can tell.
pub const SCHEMA_VERSION: u64 = 1;

/// The default message stays at or below this many bytes.
pub const JSON_MAX: usize = 96 * 1024;
/// ...and this many once embedded as a JSON string in the SNS message
/// (quotes and backslashes double), keeping the whole message far below
/// SNS's 256 KiB.
const EMBEDDED_MAX: usize = 128 * 1024;
/// Longest summary value, in characters.
const SUMMARY_VALUE_MAX: usize = 2048;
/// Shorter caps for the default message when its values alone are too big
/// (each invisible character is written as a 6- or 12-byte escape).
const DEFAULT_VALUE_CAPS: &[usize] = &[SUMMARY_VALUE_MAX, 512, 128, 32];

fn capped_to(s: Option<&str>, max: usize) -> Value {
    match s {
        Some(s) if s.chars().count() > max => Value::String(truncate(s, max - 3) + "..."),
        Some(s) => Value::String(s.to_string()),
        None => Value::Null,
    }
}

/// The compact alert used by `evaluate --format json` and at the top of the
/// default message.
pub fn summary_json(alert: &Alert) -> Value {
    summary_capped(alert, SUMMARY_VALUE_MAX)
}

fn summary_capped(alert: &Alert, max: usize) -> Value {
    let capped = |s: Option<&str>| capped_to(s, max);
    json!({
        "rule": capped(Some(&alert.rule.id)),
        "severity": alert.rule.severity.as_str(),
        "title": capped(Some(&alert.rule.title)),
        "tags": alert.rule.tags,
        "event_id": capped(alert.event_id.as_deref()),
        "event_name": capped(alert.event_name.as_deref()),
        "event_source": capped(alert.event_source.as_deref()),
        "event_time": capped(alert.event_time.as_deref()),
        "account": capped(alert.account.as_deref()),
        "account_name": capped(alert.account_name.as_deref()),
        "region": capped(alert.region.as_deref()),
        "principal": capped(alert.principal.display().as_deref()),
        "principal_type": capped(alert.principal.kind.as_deref()),
        "source_ip": capped(alert.source_ip.as_deref()),
        "user_agent": capped(alert.user_agent.as_deref()),
        "error_code": capped(alert.error_code.as_deref()),
        "error_message": capped(alert.error_message.as_deref()),
        "failed": alert.failed,
    })
}

/// [`summary_json`] as one line of JSON, safe to print to a terminal.
pub fn summary_line(alert: &Alert) -> String {
    escape_json_output(summary_json(alert).to_string())
}

/// The default SNS message: [`summary_json`] plus the rule's text, the
/// principal in full, the request fields, the console link and `detail`, the
/// CloudTrail record trimmed until the document fits [`JSON_MAX`].
pub fn json(alert: &Alert) -> String {
    let mut out = String::new();
    for &max in DEFAULT_VALUE_CAPS {
        out = fit(document(alert, max), &alert.record);
        if fits(&out) {
            break;
        }
    }
    out
}

/// The default message without `detail`, each value at most `max` characters.
fn document(alert: &Alert, max: usize) -> Value {
    let capped = |s: Option<&str>| capped_to(s, max);
    let mut doc = summary_capped(alert, max);
    let obj = doc.as_object_mut();
    if let Some(obj) = obj {
        let p = &alert.principal;
        obj.insert("schema_version".into(), Value::from(SCHEMA_VERSION));
        obj.insert("description".into(), capped(Some(&alert.rule.description)));
        obj.insert(
            "runbook".into(),
            alert.rule.runbook.as_deref().map_or(Value::Null, |r| {
                Value::String(truncate(r, 8192.min(max * 4)))
            }),
        );
        obj.insert(
            "references".into(),
            Value::Array(
                alert
                    .rule
                    .references
                    .iter()
                    .take(20)
                    .map(|r| capped(Some(r)))
                    .collect(),
            ),
        );
        obj.insert(
            "identity".into(),
            json!({
                "type": capped(p.kind.as_deref()),
                "arn": capped(p.arn.as_deref()),
                "user_name": capped(p.user_name.as_deref()),
                "account_id": capped(p.account_id.as_deref()),
                "principal_id": capped(p.principal_id.as_deref()),
                "access_key_id": capped(p.access_key_id.as_deref()),
                "session_name": capped(p.session_name.as_deref()),
                "role_arn": capped(p.role_arn.as_deref()),
                "role_name": capped(p.role_name.as_deref()),
                "invoked_by": capped(p.invoked_by.as_deref()),
                "mfa": p.mfa,
            }),
        );
        obj.insert(
            "request".into(),
            Value::Array(
                alert
                    .request_fields
                    .iter()
                    .take(20)
                    .map(|(k, v)| json!({"name": capped(Some(k)), "value": capped(Some(v))}))
                    .collect(),
            ),
        );
        obj.insert("console_url".into(), console_link_or_none(alert));
    }
    doc
}

/// How hard the record is trimmed at one level.
struct Limits {
    string: usize,
    array: usize,
    keys: usize,
    depth: usize,
}

const LEVELS: &[Limits] = &[
    Limits {
        string: 8192,
        array: 200,
        keys: 500,
        depth: 32,
    },
    Limits {
        string: 2048,
        array: 50,
        keys: 200,
        depth: 16,
    },
    Limits {
        string: 512,
        array: 20,
        keys: 100,
        depth: 10,
    },
    Limits {
        string: 128,
        array: 10,
        keys: 50,
        depth: 6,
    },
];

/// Record fields a reader needs first; the last resort keeps only these.
const KEY_FIELDS: &[&str] = &[
    "eventVersion",
    "eventTime",
    "eventSource",
    "eventName",
    "eventType",
    "eventCategory",
    "eventID",
    "awsRegion",
    "recipientAccountId",
    "sourceIPAddress",
    "userAgent",
    "errorCode",
    "errorMessage",
    "readOnly",
    "userIdentity",
    "insightDetails",
];

fn fits(s: &str) -> bool {
    s.len() <= JSON_MAX && serde_json::to_string(s).is_ok_and(|e| e.len() <= EMBEDDED_MAX)
}

/// Whether `v` as compact JSON takes at most `max` bytes, counted without
/// building the text.
fn json_fits(v: &Value, max: usize) -> bool {
    struct Budget(usize);
    impl std::io::Write for Budget {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 = self
                .0
                .checked_sub(buf.len())
                .ok_or_else(|| std::io::Error::other("over budget"))?;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    serde_json::to_writer(Budget(max), v).is_ok()
}

fn with_detail(doc: &Value, detail: Value, truncated: bool) -> String {
    let mut doc = doc.clone();
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("detail_truncated".into(), Value::Bool(truncated));
        obj.insert("detail".into(), detail);
    }
    escape_json_output(doc.to_string())
}

fn fit(doc: Value, record: &Value) -> String {
    // A record too big to fit whole is not copied whole to find out.
    if json_fits(record, JSON_MAX) && depth(record, 0) <= LEVELS[0].depth {
        let whole = with_detail(&doc, record.clone(), false);
        if fits(&whole) {
            return whole;
        }
    }
    for limits in LEVELS {
        let s = with_detail(&doc, trim(record, limits, 0), true);
        if fits(&s) {
            return s;
        }
    }
    let last = &LEVELS[LEVELS.len() - 1];
    let key_only = match record {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| KEY_FIELDS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), trim(v, last, 1)))
                .collect(),
        ),
        other => trim(other, last, 0),
    };
    let s = with_detail(&doc, key_only, true);
    if fits(&s) {
        return s;
    }
    with_detail(&doc, Value::String("[omitted: too large]".into()), true)
}

fn depth(v: &Value, d: usize) -> usize {
    match v {
        Value::Array(a) => a.iter().map(|x| depth(x, d + 1)).max().unwrap_or(d + 1),
        Value::Object(m) => m.values().map(|x| depth(x, d + 1)).max().unwrap_or(d + 1),
        _ => d,
    }
}

/// A copy of `v` within `limits`, each cut marked so a reader knows.
fn trim(v: &Value, limits: &Limits, d: usize) -> Value {
    match v {
        Value::String(s) => {
            let n = s.chars().count();
            if n > limits.string {
                Value::String(format!(
                    "{}...[truncated, {n} characters]",
                    truncate(s, limits.string)
                ))
            } else {
                v.clone()
            }
        }
        Value::Array(_) | Value::Object(_) if d >= limits.depth => {
            Value::String("[truncated: nested too deep]".into())
        }
        Value::Array(items) => {
            let mut out: Vec<Value> = items
                .iter()
                .take(limits.array)
                .map(|x| trim(x, limits, d + 1))
                .collect();
            if items.len() > limits.array {
                out.push(Value::String(format!(
                    "[truncated: {} more items]",
                    items.len() - limits.array
                )));
            }
            Value::Array(out)
        }
        Value::Object(map) => {
            let mut out: Map<String, Value> = map
                .iter()
                .take(limits.keys)
                .map(|(k, x)| (truncate(k, limits.string), trim(x, limits, d + 1)))
                .collect();
            if map.len() > limits.keys {
                out.insert(
                    "_truncated_keys".into(),
                    Value::from(map.len() - limits.keys),
                );
            }
            Value::Object(out)
        }
        _ => v.clone(),
    }
}
