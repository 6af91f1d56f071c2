//! What EventBridge does to a bare CloudTrail record: tell an envelope from a
//! record, and wrap a record in the envelope EventBridge would deliver.

use serde_json::{Map, Value};

use super::{EventError, json_kind};

/// What kind of document an event is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// An EventBridge envelope (`detail-type`, `source`, `detail`, …).
    Envelope,
    /// A bare CloudTrail record, wrapped as EventBridge would.
    Record,
}

/// Tells an envelope from a bare record by the top-level keys of an event.
///
/// An EventBridge envelope has `source` and `detail-type` or `detail`; a bare
/// CloudTrail record has none of those three keys and at least one of `eventVersion`,
/// `eventSource`, `eventName`, `eventType`, `eventID`. Anything else (an EC2
/// state change, a scheduled event) is taken as an envelope: it is matched as is.
#[derive(Clone, Copy, Debug, Default)]
pub struct ShapeKeys {
    detail_type: bool,
    detail: bool,
    source: bool,
    record: bool,
}

impl ShapeKeys {
    /// Note one top-level key (whatever its value).
    #[inline]
    pub fn note(&mut self, key: &str) {
        self.note_bytes(key.as_bytes());
    }

    #[inline]
    pub(crate) fn note_bytes(&mut self, key: &[u8]) {
        match key {
            b"detail-type" => self.detail_type = true,
            b"detail" => self.detail = true,
            b"source" => self.source = true,
            b"eventVersion" | b"eventSource" | b"eventName" | b"eventType" | b"eventID" => {
                self.record = true
            }
            _ => {}
        }
    }

    pub fn shape(&self) -> Shape {
        let any_envelope_key = self.source || self.detail_type || self.detail;
        if self.record && !any_envelope_key {
            Shape::Record
        } else {
            Shape::Envelope
        }
    }
}

/// The record fields EventBridge builds its envelope from; `None` when missing
/// or not a string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecordFields<'a> {
    pub event_id: Option<&'a str>,
    pub event_type: Option<&'a str>,
    pub event_source: Option<&'a str>,
    pub recipient_account_id: Option<&'a str>,
    pub aws_region: Option<&'a str>,
    pub event_time: Option<&'a str>,
}

impl<'a> RecordFields<'a> {
    pub fn from_object(record: &'a Map<String, Value>) -> Self {
        let get = |k: &str| record.get(k).and_then(Value::as_str);
        RecordFields {
            event_id: get("eventID"),
            event_type: get("eventType"),
            event_source: get("eventSource"),
            recipient_account_id: get("recipientAccountId"),
            aws_region: get("awsRegion"),
            event_time: get("eventTime"),
        }
    }

    /// The envelope's string fields (all but `resources` and `detail`), as
    /// EventBridge sets them. Fields whose record field is missing are left
    /// out rather than invented, except `id` (empty) and `detail-type` (API call).
    pub fn envelope_fields(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("version", "0".to_string()),
            ("id", self.event_id.unwrap_or("").to_string()),
            ("detail-type", detail_type_for(self.event_type).to_string()),
        ];
        if let Some(src) = self.event_source {
            out.push(("source", source_for(src)));
        }
        for (key, value) in [
            ("account", self.recipient_account_id),
            ("region", self.aws_region),
            ("time", self.event_time),
        ] {
            if let Some(v) = value {
                out.push((key, v.to_string()));
            }
        }
        out
    }
}

/// EventBridge's `detail-type` for a CloudTrail `eventType`.
pub fn detail_type_for(event_type: Option<&str>) -> &'static str {
    match event_type {
        Some("AwsConsoleSignIn") => "AWS Console Sign In via CloudTrail",
        Some("AwsServiceEvent") => "AWS Service Event via CloudTrail",
        Some("AwsConsoleAction") => "AWS Console Action via CloudTrail",
        Some("AwsCloudTrailInsight") => "AWS Insight via CloudTrail",
        _ => "AWS API Call via CloudTrail",
    }
}

/// EventBridge's `source` for a CloudTrail `eventSource`: "aws." + its first
/// label (`iam.amazonaws.com` → `aws.iam`).
pub fn source_for(event_source: &str) -> String {
    let label = event_source.split('.').next().unwrap_or("");
    format!("aws.{label}")
}

/// Turn a parsed event into envelope form: an envelope is returned unchanged, a
/// bare CloudTrail record is wrapped as EventBridge wraps it (`detail-type` from
/// `eventType`, `source` "aws." + first label of `eventSource`, `account` from
/// `recipientAccountId`, `region` from `awsRegion`, `time` from `eventTime`).
pub fn wrap_record(event: Value) -> Result<(Shape, Value), EventError> {
    if shape_of(&event)? == Shape::Envelope {
        return Ok((Shape::Envelope, event));
    }
    let Value::Object(record) = event else {
        return Err(EventError::NotAnObject {
            found: json_kind(&event),
        });
    };
    let mut envelope = Map::new();
    for (key, value) in RecordFields::from_object(&record).envelope_fields() {
        envelope.insert(key.to_string(), Value::String(value));
    }
    envelope.insert("resources".to_string(), Value::Array(Vec::new()));
    envelope.insert("detail".to_string(), Value::Object(record));
    Ok((Shape::Record, Value::Object(envelope)))
}

/// Whether a parsed event is an envelope or a bare record, without touching it.
pub fn shape_of(event: &Value) -> Result<Shape, EventError> {
    let Value::Object(map) = event else {
        return Err(EventError::NotAnObject {
            found: json_kind(event),
        });
    };
    let mut keys = ShapeKeys::default();
    for k in map.keys() {
        keys.note(k);
    }
    Ok(keys.shape())
}
