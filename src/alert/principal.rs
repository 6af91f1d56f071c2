//! Who made the call: the principal of a CloudTrail record's `userIdentity`,
//! and the shortest display that still says who.

use serde::Serialize;
use serde_json::Value;

use super::{at, value_text};

/// Who made the call.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Principal {
    /// `userIdentity.type`: Root, IAMUser, AssumedRole, AWSService, …
    pub kind: Option<String>,
    pub arn: Option<String>,
    /// `userIdentity.userName`; `root` for the root user.
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
    /// `userIdentity.principalId`.
    pub principal_id: Option<String>,
    /// The name of the role behind a session (`sessionContext.sessionIssuer.userName`).
    pub role_name: Option<String>,
}
impl Principal {
    /// The shortest display that still says who: `root`, a user name,
    /// `Role/session`, the service, or the ARN's last part.
    pub fn short(&self) -> Option<String> {
        let kind = self.kind.as_deref().unwrap_or("");
        if kind == "Root" {
            return Some("root".to_string());
        }
        if kind == "AssumedRole" {
            return match (&self.role_name, &self.session_name) {
                (Some(role), Some(session)) => Some(format!("{role}/{session}")),
                (Some(role), None) => Some(role.clone()),
                (None, Some(session)) => Some(session.clone()),
                (None, None) => self.arn.as_deref().map(last_arn_part),
            };
        }
        if let Some(by) = self.invoked_by.as_ref().filter(|_| kind == "AWSService") {
            return Some(by.clone());
        }
        self.user_name
            .clone()
            .or_else(|| self.arn.as_deref().map(last_arn_part))
            .or_else(|| self.invoked_by.clone())
            .or_else(|| self.principal_id.clone())
            .or_else(|| self.account_id.clone())
    }

    /// The ARN if known, else the best short display.
    pub fn display(&self) -> Option<String> {
        self.arn.clone().or_else(|| self.short())
    }
}

fn last_arn_part(arn: &str) -> String {
    arn.rsplit(['/', ':'])
        .find(|p| !p.is_empty())
        .unwrap_or(arn)
        .to_string()
}

pub(super) fn principal(detail: &Value) -> Principal {
    let id = detail.get("userIdentity").unwrap_or(&Value::Null);
    let text = |path: &[&str]| at(id, path).and_then(value_text);
    let kind = text(&["type"]);
    let arn = text(&["arn"]);
    let is_kind = |k: &str| kind.as_deref() == Some(k);

    let mut user_name = text(&["userName"]);
    if is_kind("Root") && user_name.is_none() {
        user_name = Some("root".to_string());
    }
    let (session_name, role_arn, role_name) = if is_kind("AssumedRole") {
        (
            arn.as_deref().map(last_arn_part),
            text(&["sessionContext", "sessionIssuer", "arn"]),
            text(&["sessionContext", "sessionIssuer", "userName"]),
        )
    } else {
        (None, None, None)
    };

    let mfa = at(detail, &["additionalEventData", "MFAUsed"])
        .and_then(yes_no)
        .or_else(|| at(id, &["sessionContext", "attributes", "mfaAuthenticated"]).and_then(yes_no));

    Principal {
        kind,
        arn,
        user_name,
        account_id: text(&["accountId"]),
        access_key_id: text(&["accessKeyId"]),
        role_arn,
        session_name,
        invoked_by: text(&["invokedBy"]),
        mfa,
        principal_id: text(&["principalId"]),
        role_name,
    }
}

/// `"true"`/`"false"`, `"Yes"`/`"No"` or a JSON boolean.
fn yes_no(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "yes" => Some(true),
            "false" | "no" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{build_with, builtin_rule};
    use serde_json::json;

    #[test]
    fn assumed_role_session_and_mfa_from_session_context() {
        let a = build_with(
            &builtin_rule("cloudtrail-config-change"),
            json!({"detail": {
                "eventName": "StopLogging",
                "eventSource": "cloudtrail.amazonaws.com",
                "recipientAccountId": "444455556666",
                "awsRegion": "eu-west-1",
                "requestParameters": {"name": "arn:aws:cloudtrail:eu-west-1:444455556666:trail/org"},
                "userIdentity": {
                    "type": "AssumedRole",
                    "arn": "arn:aws:sts::444455556666:assumed-role/Admin/alice@example.com",
                    "accessKeyId": "ASIAEXAMPLE",
                    "sessionContext": {
                        "sessionIssuer": {"arn": "arn:aws:iam::444455556666:role/Admin", "userName": "Admin"},
                        "attributes": {"mfaAuthenticated": "true"}
                    }
                }
            }}),
        );
        assert_eq!(a.account.as_deref(), Some("444455556666"));
        assert_eq!(a.account_name, None);
        assert_eq!(a.region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            a.principal.session_name.as_deref(),
            Some("alice@example.com")
        );
        assert_eq!(
            a.principal.role_arn.as_deref(),
            Some("arn:aws:iam::444455556666:role/Admin")
        );
        assert_eq!(a.who().as_deref(), Some("Admin/alice@example.com"));
        assert_eq!(a.principal.mfa, Some(true));
        assert_eq!(
            a.request_fields,
            vec![(
                "Trail".to_string(),
                "arn:aws:cloudtrail:eu-west-1:444455556666:trail/org".to_string()
            )]
        );
    }
}
