//! One pure function per output (subject, email, SMS, chat, JSON), each with
//! its own escaping and length rules, and the Publish request that carries
//! them to one destination. Which destinations an alert goes to is decided by
//! [`crate::routing`]. The Lambda and `cloudtrail-alerts render` share this
//! code path, so what users preview locally is what they get.
//!
//! Event content is attacker-controlled; see [`sanitize`] for what every
//! output does to it.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::alert::Alert;
use crate::routing::Destination;
use crate::severity::Severity;

mod chat;
pub mod digest;
mod email;
mod json;
pub mod sanitize;
mod sms;
mod subject;

pub use chat::chat;
pub use email::email;
pub use json::{JSON_MAX, json, summary_json, summary_line};
pub use sms::{SMS_MAX, sms};
pub use subject::{SUBJECT_MAX, subject};

use sanitize::{ascii_line, clean};

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

impl Messages {
    /// The SNS `Message` for MessageStructure `json`:
    /// `{"default": ..., "email": ..., "sms": ..., "https": ...}`.
    pub fn to_sns_message(&self) -> String {
        sanitize::escape_json_output(serde_json::json!(self).to_string())
    }
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

/// Every body of one alert.
pub fn messages(alert: &Alert) -> Messages {
    Messages {
        default: json(alert),
        email: email(alert),
        sms: sms(alert),
        https: chat(alert),
    }
}

/// Longest message attribute value kept.
const ATTRIBUTE_MAX: usize = 256;

/// SNS message attributes: severity, rule, account, region and event name,
/// as printable ASCII, only those with a value.
pub fn attributes(alert: &Alert) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let severity = alert.rule.severity.as_str();
    for (name, value) in [
        ("severity", Some(severity)),
        ("rule", Some(alert.rule.id.as_str())),
        ("account", alert.account.as_deref()),
        ("region", alert.region.as_deref()),
        ("event_name", alert.event_name.as_deref()),
    ] {
        let Some(value) = value.map(|v| ascii_line(v, ATTRIBUTE_MAX)) else {
            continue;
        };
        if !value.trim().is_empty() {
            out.insert(name.to_string(), value);
        }
    }
    out
}

/// One request per destination given (routing chose them; see
/// [`crate::routing::Router::publish_requests`]), the messages rendered once.
pub fn publish_requests<'a>(
    alert: &Alert,
    destinations: impl IntoIterator<Item = &'a Destination>,
) -> Vec<PublishRequest> {
    let mut destinations = destinations.into_iter().peekable();
    if destinations.peek().is_none() {
        return Vec::new();
    }
    let message = messages(alert);
    let subject = subject(alert);
    let attributes = attributes(alert);
    destinations
        .map(|d| PublishRequest {
            rule: alert.rule.id.clone(),
            destination: d.name.clone(),
            topic_arn: d.topic_arn.clone(),
            subject: subject.clone(),
            message: message.clone(),
            attributes: attributes.clone(),
        })
        .collect()
}

/// `s` reduced to `[A-Za-z0-9-_:.]`, at most 64 characters.
pub fn token(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
        .take(64)
        .collect()
}

/// The message sent when SNS refuses the full one as invalid: rule id,
/// severity, account and event id only, each reduced to `[A-Za-z0-9-_:.]`,
/// so nothing in the event can make it fail too.
pub fn fallback_request(alert: &Alert, destination: &Destination) -> PublishRequest {
    let sev = alert.rule.severity;
    let or_dash = |s: Option<&str>| {
        let t = s.map(token).unwrap_or_default();
        if t.is_empty() { "-".to_string() } else { t }
    };
    let rule = or_dash(Some(&alert.rule.id));
    let account = or_dash(alert.account.as_deref());
    let event_id = or_dash(alert.event_id.as_deref());
    let note = "The full alert could not be delivered; look the event up in CloudTrail by its id.";
    let default = serde_json::json!({
        "rule": rule,
        "severity": sev.as_str(),
        "account": account,
        "event_id": event_id,
        "fallback": true,
        "note": note,
    })
    .to_string();
    let email = format!(
        "{}: alert from rule {rule}\n\nSeverity:     {}\nRule:         {rule}\nAccount:      {account}\nEvent id:     {event_id}\n\n{note}\n",
        sev.label(),
        sev.label()
    );
    let sms = sanitize::ellipsize(
        &format!("{}: rule {rule} in {account} event {event_id}", sev.label()),
        SMS_MAX,
    );
    let https = serde_json::json!({
        "version": "1.0",
        "source": "custom",
        "content": {
            "textType": "client-markdown",
            "title": format!("[{}] Alert from rule {}", sev.label(), sanitize::defang(&rule)),
            "description": format!(
                "*Account:* {}\n*Event id:* {}\n{note}",
                sanitize::defang(&account),
                sanitize::defang(&event_id)
            ),
            "keywords": [sev.label(), sanitize::defang(&rule)],
        },
    })
    .to_string();
    let subject = sanitize::ellipsize(
        &format!("[{}] Alert from rule {rule}", sev.label()),
        SUBJECT_MAX,
    );
    let mut attributes = BTreeMap::new();
    attributes.insert("severity".to_string(), sev.as_str().to_string());
    attributes.insert("rule".to_string(), rule.clone());
    PublishRequest {
        rule: alert.rule.id.clone(),
        destination: destination.name.clone(),
        topic_arn: destination.topic_arn.clone(),
        subject: Some(subject),
        message: Messages {
            default,
            email,
            sms,
            https,
        },
        attributes,
    }
}

/// One line for `evaluate --format text`, optionally with the severity in
/// colour. Event values are cleaned, so they cannot send escapes to the
/// terminal.
pub fn text_line(alert: &Alert, color: bool) -> String {
    let label = severity_label(alert, color);
    format!(
        "{label} {}{}",
        clean(&alert.rule.id, 120),
        text_details(alert)
    )
}

/// [`text_line`] in columns: the rule id padded to `id_width` characters and
/// the rule's title padded to `title_width`, then the event's facts, so the
/// lines of a run read as a table.
pub fn text_columns(alert: &Alert, color: bool, id_width: usize, title_width: usize) -> String {
    let label = severity_label(alert, color);
    let id = clean(&alert.rule.id, 120);
    let title = clean(&alert.rule.title, 120);
    format!(
        "{label} {id:<id_width$}  {title:<title_width$}  {}",
        text_details(alert).trim_start()
    )
}

fn severity_label(alert: &Alert, color: bool) -> String {
    let sev = alert.rule.severity;
    let label = format!("{:<8}", sev.label());
    if color {
        let code = match sev {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        format!("\u{1b}[{code}m{label}\u{1b}[0m")
    } else {
        label
    }
}

/// The event's facts after the rule id: what, by whom, where, when.
fn text_details(alert: &Alert) -> String {
    let v = |s: &str| clean(s, 120);
    let mut line = String::new();
    if let Some(e) = alert.event_name.as_deref().map(v).filter(|e| !e.is_empty()) {
        line.push_str(&format!(" {e}"));
        if alert.failed {
            line.push_str(" (failed)");
        }
    }
    if let Some(who) = alert.who().map(|w| v(&w)).filter(|w| !w.is_empty()) {
        line.push_str(&format!(" by {who}"));
    }
    let account = match (alert.account_name.as_deref(), alert.account.as_deref()) {
        (Some(n), Some(a)) => Some(format!("{} ({})", v(n), v(a))),
        (Some(n), None) => Some(v(n)),
        (None, Some(a)) => Some(v(a)),
        (None, None) => None,
    };
    if let Some(account) = account {
        line.push_str(&format!(" in {account}"));
    }
    if let Some(region) = alert.region.as_deref().map(v).filter(|r| !r.is_empty()) {
        line.push_str(&format!(" {region}"));
    }
    if let Some(ip) = alert.source_ip.as_deref().map(v).filter(|i| !i.is_empty()) {
        line.push_str(&format!(" from {ip}"));
    }
    if let Some(t) = alert.event_time.as_deref().map(v).filter(|t| !t.is_empty()) {
        line.push_str(&format!(" at {t}"));
    }
    if let Some(id) = alert.event_id.as_deref().map(v).filter(|i| !i.is_empty()) {
        line.push_str(&format!(" [{id}]"));
    }
    line
}

/// CloudTrail Insights events report unusual activity, not a call that
/// succeeded or failed.
pub(crate) fn is_insight(alert: &Alert) -> bool {
    alert.event_type.as_deref() == Some("AwsCloudTrailInsight")
        || alert
            .record
            .get("insightDetails")
            .is_some_and(Value::is_object)
}

/// `Success`, or `Failed` with the error code.
pub(crate) fn result_text(alert: &Alert) -> String {
    match (alert.failed, alert.error_code.as_deref()) {
        (true, Some(code)) => format!("Failed: {code}"),
        (true, None) => "Failed".to_string(),
        (false, _) => "Success".to_string(),
    }
}

/// `2024-05-01 09:12:44 UTC` from CloudTrail's `2024-05-01T09:12:44Z`; other
/// shapes are shown as they are.
pub(crate) fn event_time(alert: &Alert) -> Option<String> {
    let t = alert.event_time.as_deref()?;
    let b = t.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    let shaped = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[b.len() - 1] == b'Z';
    if shaped {
        Some(format!("{} {} UTC", &t[..10], &t[11..19]))
    } else {
        Some(t.to_string())
    }
}

fn console_link_or_none(alert: &Alert) -> Value {
    alert.console_link().map_or(Value::Null, Value::String)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert() -> Alert {
        let mut a = crate::testing::alert("root-account-usage", Severity::Critical);
        a.rule.title = "Root account used".into();
        a.rule.description = "Root did something.".into();
        a.rule.runbook = Some("1. Check.\n2. Act.".into());
        a.event_id = Some("3f1a2b4c-9d8e-4f70-8a6b-5c4d3e2f1a0b".into());
        a.event_time = Some("2024-05-01T09:12:44Z".into());
        a.detail_type = None;
        a.principal.user_name = Some("root".into());
        a
    }

    #[test]
    fn subject_drops_the_least_useful_parts_first() {
        let mut a = alert();
        assert_eq!(
            subject(&a).as_deref(),
            Some("[CRITICAL] Root account used: ConsoleLogin in prod (111122223333)")
        );
        a.account_name = Some("a-rather-long-account-name-xx".into());
        assert_eq!(
            subject(&a).as_deref(),
            Some(
                "[CRITICAL] Root account used: ConsoleLogin in a-rather-long-account-name-xx (111122223333)"
            )
        );
        a.rule.title = "A title long enough to push the subject past the limit".into();
        assert_eq!(
            subject(&a).as_deref(),
            Some("[CRITICAL] A title long enough to push the subject past the limit: ConsoleLogin")
        );
        a.rule.title = "T".repeat(150);
        let s = subject(&a).unwrap();
        assert_eq!(s, format!("[CRITICAL] {}...", "T".repeat(77)));
    }

    #[test]
    fn sms_keeps_the_essentials_first_and_fits() {
        let mut a = alert();
        assert_eq!(
            sms(&a),
            "CRITICAL: Root account used (ConsoleLogin) in prod by root from 203.0.113.7"
        );
        a.source_ip = Some("2001:db8:1234:5678:9abc:def0:1234:5678".into());
        a.principal.kind = Some("IAMUser".into());
        a.principal.user_name = Some("u".repeat(100));
        let s = sms(&a);
        assert!(s.len() <= SMS_MAX);
        assert!(s.starts_with("CRITICAL: Root account used (ConsoleLogin) in prod by uuu"));
        a.failed = true;
        assert!(sms(&a).contains("(ConsoleLogin failed)"));
    }

    #[test]
    fn email_shows_failures_and_formats_time() {
        let mut a = alert();
        a.failed = true;
        a.error_code = Some("AccessDenied".into());
        a.error_message = Some("no".into());
        let e = email(&a);
        assert!(e.contains("\nResult:       Failed: AccessDenied\nError:        no\n"));
        assert!(e.contains("\nTime:         2024-05-01 09:12:44 UTC\n"));
        a.event_time = Some("yesterday".into());
        assert!(email(&a).contains("\nTime:         yesterday\n"));
        assert!(!email(&a).contains("\nRequest\n"));
    }

    #[test]
    fn json_keeps_small_records_and_trims_big_ones() {
        let mut a = alert();
        let doc: Value = serde_json::from_str(&json(&a)).unwrap();
        assert_eq!(doc["detail"], *a.record);
        assert_eq!(doc["detail_truncated"], false);
        a.record = serde_json::json!({
            "eventName": "X",
            "big": "é".repeat(300_000),
            "list": (0..10_000).collect::<Vec<u32>>(),
        })
        .into();
        let out = json(&a);
        assert!(out.len() <= JSON_MAX);
        let doc: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(doc["detail_truncated"], true);
        assert_eq!(doc["detail"]["eventName"], "X");
        assert!(
            doc["detail"]["big"]
                .as_str()
                .unwrap()
                .ends_with("...[truncated, 300000 characters]")
        );
    }

    #[test]
    fn messages_serialise_as_the_sns_json_structure() {
        let m = messages(&alert());
        let v: Value = serde_json::from_str(&m.to_sns_message()).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["default", "email", "https", "sms"]);
        assert_eq!(v["sms"], m.sms);
    }
}
