//! What fired and the facts a person needs: who, what, where, when, from
//! where, result and the key request fields. Every user-controlled string is
//! carried raw here and sanitized per output in `render`.

use serde::Serialize;
use serde_json::Value;

use crate::severity::Severity;

/// The rule that fired, as shown in alerts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleInfo {
    pub id: String,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub runbook: Option<String>,
    pub references: Vec<String>,
}

/// Who made the call.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Principal {
    /// `userIdentity.type`: Root, IAMUser, AssumedRole, AWSService, …
    pub kind: Option<String>,
    pub arn: Option<String>,
    pub user_name: Option<String>,
    pub account_id: Option<String>,
    pub access_key_id: Option<String>,
    /// The role behind an assumed-role session (`sessionContext.sessionIssuer.arn`).
    pub role_arn: Option<String>,
    /// The session name of an assumed role (last part of the ARN).
    pub session_name: Option<String>,
    /// `userIdentity.invokedBy`, when a service acted for the principal.
    pub invoked_by: Option<String>,
    /// `sessionContext.attributes.mfaAuthenticated` or `additionalEventData.MFAUsed`.
    pub mfa: Option<bool>,
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
    /// The request fields that matter for this kind of event, in display order.
    pub request_fields: Vec<(String, String)>,
    /// The CloudTrail record (`detail`), for the machine-readable message.
    pub record: Value,
}
