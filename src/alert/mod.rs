//! What fired and the facts a person needs: who, what, where, when, from
//! where, result and the request fields the rule names. Every user-controlled
//! string is carried raw here and sanitized per output in `render`.
//!
//! Building is lenient: an attacker can put anything in a CloudTrail record
//! they cause, so any field may be missing, null, a number or an object, and
//! an alert must still come out.

mod bounded;
mod fields;
mod principal;

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::aws_ids::{is_event_id, is_region};
use crate::event::{Shape, shape_of};
use crate::render::sanitize::ellipsize;
use crate::rules::{Rule, Settings};
use crate::severity::Severity;

pub use bounded::TEXT_MAX;
pub use fields::{
    FieldFormat, FieldPath, LABEL_MAX, REQUEST_FIELDS_MAX, REQUEST_VALUE_MAX, RequestField,
    most_shown,
};
pub use principal::Principal;

/// The rule that fired, as shown in alerts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleInfo {
    pub id: String,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub runbook: Option<String>,
    pub references: Vec<String>,
    /// Short words that group rules (`cis`, `evasion`).
    pub tags: Vec<String>,
}

impl RuleInfo {
    pub fn from_rule(rule: &Rule) -> RuleInfo {
        RuleInfo {
            id: rule.id.clone(),
            title: rule.title.clone(),
            description: rule.description.clone(),
            severity: rule.severity,
            runbook: rule.runbook.clone(),
            references: rule.references.clone(),
            tags: rule.tags.clone(),
        }
    }
}

/// One alert: a rule that fired for one event.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Alert {
    pub rule: RuleInfo,
    pub event_id: Option<String>,
    pub event_name: Option<String>,
    pub event_source: Option<String>,
    pub event_type: Option<String>,
    pub detail_type: Option<String>,
    pub event_time: Option<String>,
    pub account: Option<String>,
    pub account_name: Option<String>,
    pub region: Option<String>,
    pub principal: Principal,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// True when the call failed: an error code or message, or a
    /// `responseElements` value of `Failure` (sign-in page events).
    pub failed: bool,
    /// The request fields the rule names (or the generic ones), in display order.
    pub request_fields: Vec<(String, String)>,
    /// The CloudTrail record (`detail`), for the machine-readable message;
    /// the alerts of one event share it.
    pub record: Arc<Value>,
}

/// Objects found where a string was expected are kept as compact JSON, this long at most.
const OBJECT_TEXT_MAX: usize = 2048;

impl Alert {
    /// The alert for `rule` firing on `event` (EventBridge envelope form, its
    /// `detail` the CloudTrail record; a bare record is accepted too).
    pub fn build(rule: &Rule, event: &Value, settings: &Settings) -> Alert {
        Alert::for_record(rule, event, Arc::new(record_of(event).clone()), settings)
    }

    /// [`Alert::build`] with `event`'s record (see [`record_of`]) given, so
    /// that the alerts of one event share one copy of it, or none when the
    /// caller owns the event.
    pub fn for_record(
        rule: &Rule,
        event: &Value,
        record: Arc<Value>,
        settings: &Settings,
    ) -> Alert {
        let detail: &Value = &record;
        let text = |v: &Value, path: &[&str]| at(v, path).and_then(value_text);

        let account = text(event, &["account"]).or_else(|| text(detail, &["recipientAccountId"]));
        let account_name = account
            .as_deref()
            .and_then(|id| settings.account_name(id))
            .map(str::to_string);
        let region = text(event, &["region"]).or_else(|| text(detail, &["awsRegion"]));

        let error_code = text(detail, &["errorCode"]);
        let error_message = text(detail, &["errorMessage"]);

        Alert {
            rule: RuleInfo::from_rule(rule),
            event_id: event_id_in(event, detail),
            // An Insights record names the API call it is about only in its details.
            event_name: text(detail, &["eventName"])
                .or_else(|| text(detail, &["insightDetails", "eventName"])),
            event_source: text(detail, &["eventSource"])
                .or_else(|| text(detail, &["insightDetails", "eventSource"])),
            event_type: text(detail, &["eventType"]),
            detail_type: text(event, &["detail-type"]),
            event_time: text(detail, &["eventTime"]).or_else(|| text(event, &["time"])),
            account,
            account_name,
            region,
            principal: principal::principal(detail),
            source_ip: text(detail, &["sourceIPAddress"]),
            user_agent: text(detail, &["userAgent"]),
            failed: failed(detail),
            error_code,
            error_message,
            request_fields: fields::request_fields(detail, &rule.fields),
            record: Arc::clone(&record),
        }
    }

    /// The id of `event` (envelope or bare record) as its alerts carry it: the
    /// record's `eventID`, else the envelope's `id`.
    pub fn event_id_of(event: &Value) -> Option<String> {
        event_id_in(event, record_of(event))
    }

    /// The CloudTrail console page of this event, when region and event id
    /// are well formed (so a crafted event cannot point the link elsewhere).
    pub fn console_link(&self) -> Option<String> {
        console_link(self.region.as_deref()?, self.event_id.as_deref()?)
    }

    /// The short principal display (see [`Principal::short`]).
    pub fn who(&self) -> Option<String> {
        self.principal.short()
    }
}

/// `https://{region}.console.aws.amazon.com/cloudtrailv2/home?region={region}#/events/{eventId}`,
/// only for a region like `eu-west-1` and an event id of hex digits and dashes.
pub fn console_link(region: &str, event_id: &str) -> Option<String> {
    if !is_region(region) || !is_event_id(event_id) {
        return None;
    }
    Some(format!(
        "https://{region}.console.aws.amazon.com/cloudtrailv2/home?region={region}#/events/{event_id}"
    ))
}

/// The record's `eventID`, else the envelope's `id`.
fn event_id_in(event: &Value, record: &Value) -> Option<String> {
    at(record, &["eventID"])
        .and_then(value_text)
        .or_else(|| at(event, &["id"]).and_then(value_text))
}

/// The CloudTrail record of an event: an envelope's `detail`, or the event
/// itself when it is a bare record.
pub fn record_of(event: &Value) -> &Value {
    match event.get("detail") {
        Some(d) if d.is_object() => d,
        _ if shape_of(event) == Ok(Shape::Record)
            || event.get("eventName").is_some()
            || event.get("eventSource").is_some() =>
        {
            event
        }
        _ => &Value::Null,
    }
}

fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, key| v.get(*key))
}

/// A field as text whatever its JSON type, at most [`TEXT_MAX`] characters;
/// `None` for null, absent or empty.
fn value_text(v: &Value) -> Option<String> {
    let s = match v {
        Value::Null => return None,
        Value::String(s) => bounded::prefix(s, TEXT_MAX),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(_) | Value::Object(_) => ellipsize(
            &bounded::json_prefix(v, OBJECT_TEXT_MAX + 1),
            OBJECT_TEXT_MAX,
        ),
    };
    (!s.is_empty()).then_some(s)
}

/// Whether the call failed. CloudTrail says so in several places: an
/// `errorCode` or an `errorMessage` (sign-in events carry only the message),
/// or, for the sign-in page's own calls (`ConsoleLogin`, `PasswordUpdated`,
/// `ExternalIdPDirectoryLogin`, ...), a `responseElements` value of `Failure`.
fn failed(record: &Value) -> bool {
    let present = |key: &str| record.get(key).and_then(value_text).is_some();
    present("errorCode")
        || present("errorMessage")
        || record
            .get("responseElements")
            .and_then(Value::as_object)
            .is_some_and(|elements| {
                elements.values().any(|v| {
                    v.as_str()
                        .is_some_and(|s| s.eq_ignore_ascii_case("Failure"))
                })
            })
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    use super::testing::build;
    use super::*;
    use serde_json::json;

    #[test]
    fn root_console_login_facts() {
        let a = build(json!({
            "detail-type": "AWS Console Sign In via CloudTrail",
            "account": "111122223333",
            "region": "us-east-1",
            "detail": {
                "eventName": "ConsoleLogin",
                "eventSource": "signin.amazonaws.com",
                "eventID": "3f1a2b4c-0000-4000-8000-123456789abc",
                "eventTime": "2024-05-01T09:12:44Z",
                "sourceIPAddress": "203.0.113.7",
                "userIdentity": {"type": "Root", "arn": "arn:aws:iam::111122223333:root", "principalId": "111122223333"},
                "responseElements": {"ConsoleLogin": "Success"},
                "additionalEventData": {"MFAUsed": "No"}
            }
        }));
        assert_eq!(a.account.as_deref(), Some("111122223333"));
        assert_eq!(a.account_name.as_deref(), Some("prod"));
        assert_eq!(a.principal.user_name.as_deref(), Some("root"));
        assert_eq!(a.who().as_deref(), Some("root"));
        assert_eq!(a.principal.mfa, Some(false));
        assert!(!a.failed);
        assert_eq!(
            a.console_link().as_deref(),
            Some(
                "https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1#/events/3f1a2b4c-0000-4000-8000-123456789abc"
            )
        );
    }

    #[test]
    fn console_login_failure_is_a_failure_without_error_code() {
        let a = build(json!({"detail": {
            "eventName": "ConsoleLogin",
            "errorMessage": "Failed authentication",
            "responseElements": {"ConsoleLogin": "Failure"}
        }}));
        assert!(a.failed);
        assert_eq!(a.error_code, None);
        assert_eq!(a.error_message.as_deref(), Some("Failed authentication"));
    }

    #[test]
    fn lenient_on_wrong_types_and_missing_fields() {
        let a = build(json!({"account": 12, "region": {"x": 1}, "detail": {
            "eventName": ["a", "b"], "userIdentity": "nope", "eventID": null,
            "requestParameters": [1, 2], "additionalEventData": {"MFAUsed": 5}
        }}));
        assert_eq!(a.account.as_deref(), Some("12"));
        assert_eq!(a.event_id, None);
        assert_eq!(a.principal, Principal::default());
        assert!(a.request_fields.is_empty());
        assert_eq!(a.console_link(), None);
        let empty = build(json!(null));
        assert_eq!(empty.event_name, None);
        assert_eq!(*empty.record, Value::Null);
    }

    #[test]
    fn console_link_refuses_crafted_region_or_event_id() {
        assert!(console_link("us-east-1", "abc-123").is_some());
        assert!(console_link("us-gov-west-1", "abc").is_some());
        assert!(console_link("evil.com/x", "abc").is_none());
        assert!(console_link("us-east-1", "abc#x").is_none());
        assert!(console_link("us-east-", "abc").is_none());
        assert!(console_link("useast-1", "abc").is_none());
        assert!(console_link("us-east-1", "").is_none());
        assert!(console_link("us-east-1", &"a".repeat(65)).is_none());
    }

    fn failure_of(detail: Value) -> bool {
        build(json!({ "detail": detail })).failed
    }

    #[test]
    fn sign_in_page_failures_outside_console_login_are_failures() {
        for (key, message) in [
            ("PasswordUpdated", "Authentication failed"),
            ("ExternalIdPDirectoryLogin", "Failed authentication"),
            ("ConsoleLogin", "Failed authentication"),
        ] {
            let a = build(json!({"detail": {
                "eventSource": "signin.amazonaws.com",
                "eventName": key,
                "errorMessage": message,
                "responseElements": {key: "Failure"}
            }}));
            assert!(a.failed, "{key}");
            assert_eq!(a.error_code, None);
        }
    }

    #[test]
    fn each_sign_of_failure_alone_is_a_failure() {
        assert!(failure_of(
            json!({"responseElements": {"PasswordUpdated": "Failure"}})
        ));
        assert!(failure_of(
            json!({"responseElements": {"ExternalIdPDirectoryLogin": "FAILURE"}})
        ));
        assert!(failure_of(json!({"errorCode": "AccessDenied"})));
        assert!(failure_of(json!({"errorMessage": "Failed authentication"})));
    }

    #[test]
    fn success_and_other_values_are_not_failures() {
        assert!(!failure_of(
            json!({"responseElements": {"ConsoleLogin": "Success"}})
        ));
        assert!(!failure_of(
            json!({"responseElements": {"PasswordUpdated": "Success"}})
        ));
        assert!(!failure_of(json!({
            "errorCode": null, "errorMessage": "",
            "responseElements": {"status": "Failed", "nested": {"x": "Failure"}, "list": ["Failure"]}
        })));
        assert!(!failure_of(json!({"responseElements": "Failure"})));
        assert!(!failure_of(json!({})));
    }

    #[test]
    fn a_failed_password_change_does_not_read_as_a_success() {
        let a = build(json!({"detail": {
            "eventSource": "signin.amazonaws.com",
            "eventName": "PasswordUpdated",
            "eventType": "AwsConsoleSignIn",
            "errorMessage": "Authentication failed",
            "responseElements": {"PasswordUpdated": "Failure"}
        }}));
        let email = crate::render::email(&a);
        assert!(email.contains("\nResult:       Failed\n"), "{email}");
        assert!(!email.contains("Success"), "{email}");
        assert!(crate::render::sms(&a).contains("(PasswordUpdated failed)"));
    }

    #[test]
    fn the_json_alert_carries_the_rule_tags() {
        let mut rule = super::testing::rule();
        rule.tags = vec!["cis".into(), "network".into()];
        let a = super::testing::build_with(&rule, json!({"detail": {"eventName": "CreateVpc"}}));
        assert_eq!(a.rule.tags, ["cis", "network"]);
        let doc: Value = serde_json::from_str(&crate::render::json(&a)).unwrap();
        assert_eq!(doc["tags"], json!(["cis", "network"]));
        let summary: Value = serde_json::from_str(&crate::render::summary_line(&a)).unwrap();
        assert_eq!(summary["tags"], json!(["cis", "network"]));
    }
}
