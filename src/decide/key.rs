//! The key that groups matches: the rule and the values of its key paths.
//!
//! Values come from the event and may be anything, any length; the stored key
//! is the rule id and a SHA-256 of the values, so it is bounded, safe in any
//! store and as a chat thread id, and two different principals cannot be
//! made to share a window.

use serde_json::Value;
use sha2::{Digest as _, Sha256};

use super::policy::KeyPaths;
use crate::alert::Alert;

/// Envelope fields a key path may name besides `detail.…`.
pub const ENVELOPE_FIELDS: &[&str] = &["account", "region", "detail-type", "time"];

/// True when `path` is something [`key_values`] can read.
pub fn is_key_path(path: &str) -> bool {
    ENVELOPE_FIELDS.contains(&path)
        || path
            .strip_prefix("detail.")
            .is_some_and(|rest| rest.split('.').all(|p| !p.is_empty()))
}

/// The value at a dotted envelope path, as JSON (absent is `null`).
fn value_at(alert: &Alert, path: &str) -> Value {
    let text = |s: &Option<String>| s.clone().map_or(Value::Null, Value::String);
    match path {
        "account" => text(&alert.account),
        "region" => text(&alert.region),
        "detail-type" => text(&alert.detail_type),
        "time" => text(&alert.event_time),
        _ => path
            .strip_prefix("detail.")
            .and_then(|rest| rest.split('.').try_fold(&*alert.record, |v, k| v.get(k)))
            .cloned()
            .unwrap_or(Value::Null),
    }
}

/// The values the key is made of: the paths' values, or account and
/// principal by default.
pub fn key_values(alert: &Alert, paths: &KeyPaths) -> Vec<Value> {
    if paths.0.is_empty() {
        let text = |s: Option<String>| s.map_or(Value::Null, Value::String);
        return vec![text(alert.account.clone()), text(alert.principal.display())];
    }
    paths.0.iter().map(|p| value_at(alert, p)).collect()
}

/// `w#<rule>#<sha256 of the values>`.
pub fn window_key(rule_id: &str, values: &[Value]) -> String {
    let canonical = Value::Array(values.to_vec()).to_string();
    format!(
        "w#{rule_id}#{}",
        hex(&Sha256::digest(canonical.as_bytes())[..16])
    )
}

/// `g#<destination>#<period start>`: one storm-guard counter per destination
/// and period.
pub fn guard_key(destination: &str, period_start: i64) -> String {
    format!("g#{destination}#{period_start}")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::{Principal, RuleInfo};
    use crate::severity::Severity;
    use serde_json::json;

    fn alert(arn: &str, ip: &str) -> Alert {
        Alert {
            rule: RuleInfo {
                id: "r".into(),
                title: "R".into(),
                description: String::new(),
                severity: Severity::High,
                runbook: None,
                references: vec![],
                tags: vec![],
            },
            event_id: None,
            event_name: Some("ConsoleLogin".into()),
            event_source: None,
            event_type: None,
            detail_type: None,
            event_time: None,
            account: Some("111122223333".into()),
            account_name: None,
            region: Some("us-east-1".into()),
            principal: Principal {
                arn: Some(arn.into()),
                ..Principal::default()
            },
            source_ip: Some(ip.into()),
            user_agent: None,
            error_code: None,
            error_message: None,
            failed: false,
            request_fields: vec![],
            record: json!({"sourceIPAddress": ip, "userIdentity": {"arn": arn}}).into(),
        }
    }

    #[test]
    fn the_default_key_is_account_and_principal() {
        let a = alert("arn:aws:iam::111122223333:user/bob", "203.0.113.9");
        let b = alert("arn:aws:iam::111122223333:user/bob", "198.51.100.1");
        let c = alert("arn:aws:iam::111122223333:user/eve", "203.0.113.9");
        let k = |a: &Alert| window_key("r", &key_values(a, &KeyPaths::default()));
        assert_eq!(k(&a), k(&b));
        assert_ne!(k(&a), k(&c));
        assert!(k(&a).starts_with("w#r#") && k(&a).len() == 4 + 32);
    }

    #[test]
    fn key_paths_read_the_envelope_and_the_record() {
        let paths = KeyPaths(vec!["account".into(), "detail.sourceIPAddress".into()]);
        let a = alert("arn:aws:iam::111122223333:user/bob", "203.0.113.9");
        assert_eq!(
            key_values(&a, &paths),
            vec![json!("111122223333"), json!("203.0.113.9")]
        );
        let b = alert("arn:aws:iam::111122223333:user/eve", "203.0.113.9");
        assert_eq!(
            window_key("r", &key_values(&a, &paths)),
            window_key("r", &key_values(&b, &paths))
        );
        let missing = KeyPaths(vec!["detail.nope.deeper".into()]);
        assert_eq!(key_values(&a, &missing), vec![Value::Null]);
    }

    #[test]
    fn values_cannot_be_spliced_into_another_key() {
        // ["a#b", "c"] and ["a", "b#c"] must differ.
        assert_ne!(
            window_key("r", &[json!("a#b"), json!("c")]),
            window_key("r", &[json!("a"), json!("b#c")])
        );
    }

    #[test]
    fn only_known_envelope_fields_and_detail_paths_are_key_paths() {
        for ok in ["account", "region", "detail.userIdentity.arn"] {
            assert!(is_key_path(ok), "{ok}");
        }
        for bad in [
            "",
            "detail",
            "detail.",
            "detail..x",
            "userIdentity.arn",
            "source",
        ] {
            assert!(!is_key_path(bad), "{bad}");
        }
    }
}
