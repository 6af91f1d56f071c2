//! Stand-ins for `render::publish_requests` and `render::fallback_request`
//! until the renderer lands; removed then. Deliberately plain: ASCII-only,
//! truncated, no user-controlled text beyond the rule and event ids.

use std::collections::BTreeMap;

use crate::alert::Alert;
use crate::render::{Destination, Messages, PublishRequest};

fn ascii(s: &str, max: usize) -> String {
    s.chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(max)
        .collect()
}

fn request(alert: &Alert, dest: &Destination) -> PublishRequest {
    let sev = alert.rule.severity.label();
    let text = format!(
        "[{sev}] {} ({}) event {}",
        ascii(&alert.rule.title, 60),
        ascii(&alert.rule.id, 40),
        ascii(alert.event_id.as_deref().unwrap_or("-"), 40)
    );
    let default = serde_json::json!({
        "rule": alert.rule.id,
        "severity": alert.rule.severity,
        "event_id": alert.event_id,
        "account": alert.account,
    })
    .to_string();
    let https = serde_json::json!({
        "version": "1.0",
        "source": "custom",
        "content": {"title": ascii(&text, 100), "description": ""},
    })
    .to_string();
    let mut attributes = BTreeMap::new();
    attributes.insert(
        "severity".to_string(),
        alert.rule.severity.as_str().to_string(),
    );
    attributes.insert("rule".to_string(), alert.rule.id.clone());
    PublishRequest {
        rule: alert.rule.id.clone(),
        destination: dest.name.clone(),
        topic_arn: dest.topic_arn.clone(),
        subject: Some(ascii(&text, 100)).filter(|s| !s.is_empty()),
        message: Messages {
            default,
            email: text.clone(),
            sms: ascii(&text, 140),
            https,
        },
        attributes,
    }
}

pub fn publish_requests(alert: &Alert, destinations: &[Destination]) -> Vec<PublishRequest> {
    destinations
        .iter()
        .filter(|d| alert.rule.severity >= d.min_severity)
        .map(|d| request(alert, d))
        .collect()
}

pub fn fallback_request(alert: &Alert, destination: &Destination) -> PublishRequest {
    let mut r = request(alert, destination);
    r.attributes.clear();
    r
}

/// Stand-in for `rules::load_sources` until rule loading lands: knows no
/// rules, so a cold start fails with "no enabled rules" rather than running
/// with an empty rule set.
pub fn load_sources(
    _sources: &[(String, String)],
    _builtin: bool,
) -> Result<crate::rules::RuleConfig, Vec<RuleFileError>> {
    Ok(crate::rules::RuleConfig::default())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleFileError {
    pub file: String,
    pub line: usize,
    pub rule_id: Option<String>,
    pub message: String,
}
