//! The storm the delivery tests share: 500 security-group rule removals by
//! one principal over 3 minutes, shaped like CloudTrail's records (the
//! sample `events/security-group-ingress-open.json` with its call changed to
//! RevokeSecurityGroupIngress, so only `security-group-change` fires).
#![allow(dead_code)]

use serde_json::{Value, json};

pub const EVENTS: u32 = 500;
pub const START: &str = "2025-03-11T10:15:00Z";
/// A Scheduled Event time after the 15-minute window of the storm.
pub const FLUSH_AT: &str = "2025-03-11T10:31:00Z";

fn sample() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("events/security-group-ingress-open.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("sample event")).expect("JSON")
}

/// Event `n` of the storm, `n * 180 / 500` seconds after [`START`].
pub fn event(n: u32) -> Value {
    let mut e = sample();
    let t =
        cloudtrail_alerts::decide::parse_time(START).expect("start") + i64::from(n * 180 / EVENTS);
    e["detail"]["eventName"] = json!("RevokeSecurityGroupIngress");
    e["detail"]["eventTime"] = json!(cloudtrail_alerts::decide::time::format_time(t));
    e["detail"]["eventID"] = json!(format!("00000000-0000-0000-0000-{n:012}"));
    e["id"] = json!(format!("10000000-0000-0000-0000-{n:012}"));
    e["time"] = e["detail"]["eventTime"].clone();
    e
}

pub fn events() -> Vec<Value> {
    (0..EVENTS).map(event).collect()
}

pub fn ndjson() -> String {
    events().iter().map(|e| format!("{e}\n")).collect()
}

/// The EventBridge Scheduled Event that flushes digests at `time`.
pub fn schedule(time: &str) -> Value {
    json!({
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": time,
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/cloudtrail-alerts-flush"],
        "detail": {}
    })
}
