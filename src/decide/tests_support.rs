//! Alerts shaped like a security-group storm, for the tests of windows and stores.

use serde_json::json;

use crate::alert::{Alert, Principal, RuleInfo};
use crate::severity::Severity;

/// Change `n` by bob from 203.0.113.9.
pub(crate) fn alert(n: u32) -> Alert {
    alert_by(n, "bob", "203.0.113.9")
}

pub(crate) fn alert_by(n: u32, who: &str, ip: &str) -> Alert {
    Alert {
        rule: RuleInfo {
            id: "security-group-change".into(),
            title: "Security group changed".into(),
            description: String::new(),
            severity: Severity::High,
            runbook: None,
            references: vec![],
            tags: vec![],
        },
        event_id: Some(format!("00000000-0000-0000-0000-{n:012}")),
        event_name: Some(
            if n.is_multiple_of(2) {
                "AuthorizeSecurityGroupIngress"
            } else {
                "RevokeSecurityGroupIngress"
            }
            .into(),
        ),
        event_source: Some("ec2.amazonaws.com".into()),
        event_type: Some("AwsApiCall".into()),
        detail_type: None,
        event_time: None,
        account: Some("111122223333".into()),
        account_name: None,
        region: Some("us-east-1".into()),
        principal: Principal {
            arn: Some(format!("arn:aws:iam::111122223333:user/{who}")),
            ..Principal::default()
        },
        source_ip: Some(ip.into()),
        user_agent: None,
        error_code: None,
        error_message: None,
        failed: false,
        request_fields: vec![("Group id".into(), format!("sg-{:04}", n % 3))],
        record: json!({}).into(),
    }
}
