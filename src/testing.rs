//! Builders for tests, shared by the unit tests and the integration tests
//! (which build the crate with the `testing` feature): a rule as the loader
//! makes it, an alert as evaluation makes it, and the deployed default
//! destinations. Each gives plain values; a test changes the fields it is about.

use serde_json::{Value, json};

use crate::alert::{Alert, Principal, RuleInfo};
use crate::routing::Destination;
use crate::rules::{Origin, Rule, Scope};
use crate::severity::Severity;

/// An enabled, unscoped rule with `pattern`, titled by its id, from `rules.yaml` line 1.
pub fn rule(id: &str, pattern: Value) -> Rule {
    Rule {
        id: id.to_string(),
        title: id.to_string(),
        description: String::new(),
        severity: Severity::High,
        pattern,
        exclude: Vec::new(),
        runbook: None,
        enabled: true,
        references: Vec::new(),
        fields: Vec::new(),
        tags: Vec::new(),
        scope: Scope::default(),
        origin: Origin {
            file: "rules.yaml".to_string(),
            line: 1,
        },
        delivery: Default::default(),
        provenance: Default::default(),
    }
}

/// An alert of rule `rule` for a root console sign-in to account 111122223333
/// ("prod") in us-east-1, with event id `evt-<rule>`.
pub fn alert(rule: &str, severity: Severity) -> Alert {
    Alert {
        rule: RuleInfo {
            id: rule.to_string(),
            title: format!("{rule} title"),
            description: "A rule for tests.".to_string(),
            severity,
            runbook: None,
            references: vec![],
            tags: vec![],
        },
        event_id: Some(format!("evt-{rule}")),
        event_name: Some("ConsoleLogin".into()),
        event_source: Some("signin.amazonaws.com".into()),
        event_type: Some("AwsConsoleSignIn".into()),
        detail_type: Some("AWS Console Sign In via CloudTrail".into()),
        event_time: Some("2024-05-01T12:00:00Z".into()),
        account: Some("111122223333".into()),
        account_name: Some("prod".into()),
        region: Some("us-east-1".into()),
        principal: Principal {
            kind: Some("Root".into()),
            arn: Some("arn:aws:iam::111122223333:root".into()),
            ..Principal::default()
        },
        source_ip: Some("203.0.113.7".into()),
        user_agent: Some("Mozilla/5.0".into()),
        error_code: None,
        error_message: None,
        failed: false,
        request_fields: vec![],
        record: json!({"eventName": "ConsoleLogin"}).into(),
    }
}

/// The main topic of the examples.
pub const ALERTS_TOPIC: &str = "arn:aws:sns:us-east-1:111122223333:alerts";
/// The SMS topic of the examples.
pub const SMS_TOPIC: &str = "arn:aws:sns:us-east-1:111122223333:sms";

/// The destinations a deployment with both topics has: `alerts` for every
/// severity, `sms` for critical alerts only.
pub fn destinations(alerts_topic: &str, sms_topic: &str) -> Vec<Destination> {
    vec![
        Destination {
            name: "alerts".into(),
            topic_arn: alerts_topic.into(),
            min_severity: Severity::Info,
        },
        Destination {
            name: "sms".into(),
            topic_arn: sms_topic.into(),
            min_severity: Severity::Critical,
        },
    ]
}
