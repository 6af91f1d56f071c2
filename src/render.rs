//! One pure function per output (subject, email, SMS, chat, JSON), each with
//! its own escaping and length rules, and the Publish requests built from
//! them. The Lambda and `cloudtrail-alerts render` share this code path, so
//! what users preview locally is what they get.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::alert::Alert;
use crate::severity::Severity;

/// Where alerts go: an SNS topic and the least severity it wants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    /// Short name used in logs and `render` output, e.g. `alerts` or `sms`.
    pub name: String,
    pub topic_arn: String,
    pub min_severity: Severity,
}

/// The per-protocol bodies of one SNS message (MessageStructure = json).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Messages {
    /// JSON alert document for sqs, lambda, email-json, http and anything else.
    pub default: String,
    /// Plain text for people.
    pub email: String,
    /// At most 140 printable ASCII characters.
    pub sms: String,
    /// Amazon Q Developer in chat applications (AWS Chatbot) custom notification JSON.
    pub https: String,
}

/// Exactly what is sent to SNS Publish for one alert and one destination.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PublishRequest {
    pub rule: String,
    pub destination: String,
    pub topic_arn: String,
    /// Email subject: 1–100 printable ASCII characters, or none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub message: Messages,
    /// SNS message attributes (String type).
    pub attributes: BTreeMap<String, String>,
}
