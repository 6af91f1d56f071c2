//! Request fields: the few facts of a record a rule's alert shows under
//! "Request". A rule declares them (`fields:` in a rule file: a label, paths
//! into the record and a format); a rule that declares none gets a generic
//! fallback of a few scalar request parameters.

use std::fmt;

use serde_json::Value;

use super::bounded::{json_prefix, prefix};
use crate::render::sanitize::ellipsize;

/// Longest request field value kept, in characters.
pub const REQUEST_VALUE_MAX: usize = 200;
/// Most request fields shown per alert (and declared for any one record).
pub const REQUEST_FIELDS_MAX: usize = 8;
/// Longest label, in characters.
pub const LABEL_MAX: usize = 40;
/// Generic fallback: this many scalar top-level request parameters.
const GENERIC_MAX: usize = 4;
/// Longest path written in a rule file, in characters.
const PATH_MAX: usize = 256;

/// One fact a rule's alert shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestField {
    pub label: String,
    /// Alternative paths into the record; the first present and non-null wins.
    pub paths: Vec<FieldPath>,
    pub format: FieldFormat,
    /// Shown only for records of this event source (`cloudtrail.amazonaws.com`),
    /// so that a rule about any call can name the fields of each service it
    /// commonly catches. `None`: every record.
    pub event_source: Option<String>,
}

impl RequestField {
    fn applies_to(&self, event_source: Option<&str>) -> bool {
        self.event_source.is_none() || self.event_source.as_deref() == event_source
    }
}

/// A dotted path into the CloudTrail record, e.g. `requestParameters.groupId`.
/// A segment of digits also indexes an array (`resources.0.ARN`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldPath(Vec<String>);

impl FieldPath {
    /// Parse a dotted path; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<FieldPath, String> {
        if text.is_empty() {
            return Err("the path is empty".to_string());
        }
        if text.chars().count() > PATH_MAX {
            return Err(format!("the path is longer than {PATH_MAX} characters"));
        }
        if let Some(inside) = text.strip_prefix("detail.") {
            return Err(format!(
                "paths start inside the CloudTrail record; write `{inside}`"
            ));
        }
        if let Some(c) = text
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':')))
        {
            return Err(format!(
                "`{}` cannot appear in a path (dotted names: letters, digits, `-`, `_`, `:`)",
                c.escape_default()
            ));
        }
        let segments: Vec<String> = text.split('.').map(str::to_string).collect();
        if segments.iter().any(String::is_empty) {
            return Err("a path has no empty parts (no leading, trailing or double dots)".into());
        }
        Ok(FieldPath(segments))
    }

    /// The value at this path in `record`, if any.
    pub fn resolve<'a>(&self, record: &'a Value) -> Option<&'a Value> {
        self.0.iter().try_fold(record, |v, key| match v {
            Value::Object(map) => map.get(key),
            Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        })
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

/// How a field's value is turned into text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FieldFormat {
    /// Scalars as they are, arrays joined with ", ", EC2's `{"items": [...]}`
    /// unwrapped, flat objects as `k=v, k=v`, deeper ones as compact JSON.
    #[default]
    Text,
    /// EC2 `ipPermissions`: protocol, ports and the sources opened.
    IpPermissions,
}

impl FieldFormat {
    /// Every format's name, as written in rule files.
    pub const NAMES: &'static [&'static str] = &["text", "ip-permissions"];

    pub fn from_name(name: &str) -> Option<FieldFormat> {
        match name {
            "text" => Some(FieldFormat::Text),
            "ip-permissions" => Some(FieldFormat::IpPermissions),
            _ => None,
        }
    }
}

/// The most fields `fields` can show for one record: those for every event
/// source plus those of the event source that has the most.
pub fn most_shown(fields: &[RequestField]) -> usize {
    let everywhere = fields.iter().filter(|f| f.event_source.is_none()).count();
    let per_source = fields
        .iter()
        .filter_map(|f| f.event_source.as_deref())
        .map(|s| fields.iter().filter(|f| f.applies_to(Some(s))).count())
        .max()
        .unwrap_or(0);
    everywhere.max(per_source)
}

/// The `(label, value)` pairs `fields` show for `record`, in the order
/// declared, capped; the generic fallback when none of `fields` applies to
/// the record's event source.
pub(crate) fn request_fields(record: &Value, fields: &[RequestField]) -> Vec<(String, String)> {
    let source = record.get("eventSource").and_then(Value::as_str);
    let mut applicable = fields.iter().filter(|f| f.applies_to(source)).peekable();
    if applicable.peek().is_none() {
        return generic_fields(record);
    }
    applicable
        .filter_map(|f| {
            let v = f
                .paths
                .iter()
                .find_map(|p| p.resolve(record).filter(|v| !v.is_null()))?;
            let text = match f.format {
                FieldFormat::Text => compact(v),
                FieldFormat::IpPermissions => ip_permissions(v).or_else(|| compact(v)),
            }?;
            Some((f.label.clone(), ellipsize(&text, REQUEST_VALUE_MAX)))
        })
        .take(REQUEST_FIELDS_MAX)
        .collect()
}

/// Up to [`GENERIC_MAX`] scalar top-level request parameters, under their
/// own names when those are plain identifiers (a crafted name must not pass
/// for one of the alert's own labels).
fn generic_fields(record: &Value) -> Vec<(String, String)> {
    let Some(params) = record.get("requestParameters").and_then(Value::as_object) else {
        return Vec::new();
    };
    params
        .iter()
        .filter(|(k, _)| {
            (1..=40).contains(&k.len())
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
        })
        .filter_map(|(k, v)| match v {
            Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                Some((k.clone(), ellipsize(&compact(v)?, REQUEST_VALUE_MAX)))
            }
            _ => None,
        })
        .take(GENERIC_MAX)
        .collect()
}

/// Short text for a request value (see [`FieldFormat::Text`]). `None` when
/// there is nothing to show.
fn compact(v: &Value) -> Option<String> {
    let s = match v {
        Value::Null => return None,
        // One character more than shown, so that the cut still shows.
        Value::String(s) => prefix(s, REQUEST_VALUE_MAX + 1),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .take(REQUEST_VALUE_MAX)
                .filter_map(compact)
                .collect();
            parts.join(", ")
        }
        Value::Object(map) => {
            if let Some(items) = map.get("items").filter(|_| map.len() == 1) {
                return compact(items);
            }
            if let Some(value) = map
                .get("value")
                .filter(|v| map.len() == 1 && !v.is_object() && !v.is_array())
            {
                return compact(value);
            }
            if map.values().all(|v| !v.is_object() && !v.is_array()) {
                let parts: Vec<String> = map
                    .iter()
                    .take(REQUEST_VALUE_MAX)
                    .filter_map(|(k, v)| Some(format!("{k}={}", compact(v)?)))
                    .collect();
                parts.join(", ")
            } else {
                ellipsize(&json_prefix(v, REQUEST_VALUE_MAX + 1), REQUEST_VALUE_MAX)
            }
        }
    };
    (!s.is_empty()).then_some(s)
}

/// `tcp 22 from 0.0.0.0/0, ::/0; udp 53 from sg-1`: what a security group
/// change opens or closes.
fn ip_permissions(v: &Value) -> Option<String> {
    let items = items_of(v);
    let rules: Vec<String> = items
        .iter()
        .take(20)
        .filter_map(|item| {
            let item = item.as_object()?;
            let protocol = match item.get("ipProtocol").and_then(scalar_text).as_deref() {
                Some("-1") => "all traffic".to_string(),
                Some(p) => p.to_string(),
                None => "?".to_string(),
            };
            let port = |k: &str| {
                item.get(k)
                    .and_then(scalar_text)
                    .filter(|p| p != "-1" && !p.is_empty())
            };
            let ports = match (port("fromPort"), port("toPort")) {
                (Some(a), Some(b)) if a == b => Some(a),
                (Some(a), Some(b)) => Some(format!("{a}-{b}")),
                (Some(a), None) | (None, Some(a)) => Some(a),
                (None, None) => None,
            };
            let mut sources = Vec::new();
            for (list, key) in [
                ("ipRanges", "cidrIp"),
                ("ipv6Ranges", "cidrIpv6"),
                ("prefixListIds", "prefixListId"),
                ("groups", "groupId"),
            ] {
                if let Some(list) = item.get(list) {
                    for entry in items_of(list).iter().take(50) {
                        if let Some(s) = entry.get(key).and_then(scalar_text) {
                            sources.push(s);
                        }
                    }
                }
            }
            let mut rule = protocol;
            if let Some(ports) = ports {
                rule.push(' ');
                rule.push_str(&ports);
            }
            if !sources.is_empty() {
                rule.push_str(" from ");
                rule.push_str(&sources.join(", "));
            }
            Some(rule)
        })
        .collect();
    (!rules.is_empty()).then(|| rules.join("; "))
}

/// The elements of an array, or of EC2's `{"items": [...]}` wrapper.
fn items_of(v: &Value) -> &[Value] {
    match v {
        Value::Array(a) => a,
        Value::Object(m) => m.get("items").and_then(Value::as_array).map_or(&[], |a| a),
        _ => &[],
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(prefix(s, REQUEST_VALUE_MAX + 1)),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{build, build_with, builtin_rule};
    use super::*;
    use serde_json::json;

    #[test]
    fn security_group_rules_show_protocol_ports_and_cidrs() {
        let a = build_with(
            &builtin_rule("security-group-change"),
            json!({"detail": {
                "eventName": "AuthorizeSecurityGroupIngress",
                "eventSource": "ec2.amazonaws.com",
                "requestParameters": {
                    "groupId": "sg-0123456789abcdef0",
                    "ipPermissions": {"items": [
                        {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22,
                         "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]},
                         "ipv6Ranges": {"items": [{"cidrIpv6": "::/0"}]}},
                        {"ipProtocol": "-1", "groups": {"items": [{"groupId": "sg-1"}]}},
                        {"ipProtocol": "udp", "fromPort": 1000, "toPort": 2000, "ipRanges": {}}
                    ]}
                }
            }}),
        );
        assert_eq!(
            a.request_fields,
            vec![
                ("Group id".to_string(), "sg-0123456789abcdef0".to_string()),
                (
                    "Rules".to_string(),
                    "tcp 22 from 0.0.0.0/0, ::/0; all traffic from sg-1; udp 1000-2000".to_string()
                ),
            ]
        );
    }

    #[test]
    fn kms_nacl_insight_and_generic_fields() {
        let kms = build_with(
            &builtin_rule("kms-key-disable-or-deletion"),
            json!({"detail": {
                "eventName": "ScheduleKeyDeletion", "eventSource": "kms.amazonaws.com",
                "requestParameters": {"keyId": "1234abcd", "pendingWindowInDays": 7}
            }}),
        );
        assert_eq!(
            kms.request_fields,
            vec![
                ("Key id".to_string(), "1234abcd".to_string()),
                ("Pending days".to_string(), "7".to_string())
            ]
        );
        let nacl = build_with(
            &builtin_rule("network-acl-change"),
            json!({"detail": {
                "eventName": "CreateNetworkAclEntry", "eventSource": "ec2.amazonaws.com",
                "requestParameters": {"networkAclId": "acl-1", "ruleNumber": 100, "cidrBlock": "0.0.0.0/0",
                    "egress": false, "ruleAction": "allow", "portRange": {"from": 22, "to": 22}}
            }}),
        );
        let labels: Vec<&str> = nacl
            .request_fields
            .iter()
            .map(|(l, _)| l.as_str())
            .collect();
        assert_eq!(
            labels,
            [
                "Network ACL",
                "Rule number",
                "CIDR",
                "Egress",
                "Action",
                "Ports"
            ]
        );
        assert_eq!(nacl.request_fields[5].1, "from=22, to=22");
        let insight = build_with(
            &builtin_rule("cloudtrail-insight"),
            json!({"detail": {
                "eventCategory": "Insight", "eventSource": "cloudtrail.amazonaws.com",
                "insightDetails": {"state": "Start", "eventName": "RunInstances", "insightType": "ApiCallRateInsight"}
            }}),
        );
        assert_eq!(
            insight.request_fields[0],
            ("Insight state".into(), "Start".into())
        );
        let generic = build(json!({"detail": {
            "eventName": "DeleteFunction", "eventSource": "lambda.amazonaws.com",
            "requestParameters": {"functionName": "f", "qualifier": 3, "nested": {"a": 1},
                "Severity: low\n": "x", "b": true, "c": "c", "d": "d"}
        }}));
        assert_eq!(generic.request_fields.len(), 4);
        assert!(generic.request_fields.iter().all(|(k, _)| !k.contains(' ')));
    }

    #[test]
    fn request_values_are_capped() {
        let a = build(json!({"detail": {
            "eventName": "PutBucketPolicy", "eventSource": "s3.amazonaws.com",
            "requestParameters": {"bucketName": "x".repeat(5000)}
        }}));
        assert_eq!(a.request_fields[0].1.chars().count(), REQUEST_VALUE_MAX);
        assert!(a.request_fields[0].1.ends_with("..."));
    }

    fn field(label: &str, paths: &[&str], event_source: Option<&str>) -> RequestField {
        RequestField {
            label: label.into(),
            paths: paths.iter().map(|p| FieldPath::parse(p).unwrap()).collect(),
            format: FieldFormat::Text,
            event_source: event_source.map(str::to_string),
        }
    }

    #[test]
    fn first_present_non_null_path_wins_and_arrays_are_indexed() {
        let record = json!({
            "requestParameters": {"name": null, "trailName": "org"},
            "resources": [{"ARN": "arn:aws:s3:::b"}],
        });
        let fields = [
            field(
                "Trail",
                &[
                    "requestParameters.missing",
                    "requestParameters.name",
                    "requestParameters.trailName",
                ],
                None,
            ),
            field("Resource", &["resources.0.ARN"], None),
            field("Absent", &["resources.1.ARN", "resources.x"], None),
        ];
        assert_eq!(
            request_fields(&record, &fields),
            vec![
                ("Trail".to_string(), "org".to_string()),
                ("Resource".to_string(), "arn:aws:s3:::b".to_string())
            ]
        );
    }

    #[test]
    fn fields_for_another_event_source_leave_the_generic_fallback() {
        let fields = [field(
            "Trail",
            &["requestParameters.name"],
            Some("cloudtrail.amazonaws.com"),
        )];
        let trail = json!({"eventSource": "cloudtrail.amazonaws.com",
            "requestParameters": {"name": "org", "other": "x"}});
        assert_eq!(
            request_fields(&trail, &fields),
            vec![("Trail".to_string(), "org".to_string())]
        );
        let policy = json!({"eventSource": "organizations.amazonaws.com",
            "requestParameters": {"name": "deny-all"}});
        assert_eq!(
            request_fields(&policy, &fields),
            vec![("name".to_string(), "deny-all".to_string())]
        );
    }

    #[test]
    fn most_shown_counts_the_fullest_record() {
        let fields = [
            field("A", &["a"], None),
            field("B", &["b"], Some("s3.amazonaws.com")),
            field("C", &["c"], Some("s3.amazonaws.com")),
            field("D", &["d"], Some("iam.amazonaws.com")),
        ];
        assert_eq!(most_shown(&fields), 3);
        assert_eq!(most_shown(&fields[..1]), 1);
        assert_eq!(most_shown(&[]), 0);
    }

    #[test]
    fn path_syntax() {
        for ok in [
            "requestParameters.x-amz-acl",
            "insightDetails.insightContext.statistics.baseline.average",
            "resources.0.ARN",
            "eventName",
        ] {
            assert_eq!(
                FieldPath::parse(ok).map(|p| p.to_string()),
                Ok(ok.to_string())
            );
        }
        for (bad, says) in [
            ("", "empty"),
            ("requestParameters..groupId", "empty parts"),
            (".groupId", "empty parts"),
            ("groupId.", "empty parts"),
            ("requestParameters.group id", "` `"),
            ("$.requestParameters", "`$`"),
            ("requestParameters[0]", "`[`"),
            (
                "detail.requestParameters.groupId",
                "write `requestParameters.groupId`",
            ),
        ] {
            let err = FieldPath::parse(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
        assert!(FieldPath::parse(&"a.".repeat(200)).is_err());
    }

    /// The built-in pack's fields are data: each path is checked against the
    /// CloudTrail records the rule is tested with, so a misspelt path shows.
    #[test]
    fn every_builtin_rule_with_fields_shows_them_on_its_fixtures() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let pack = crate::rules::load_sources(&[], true).unwrap_or_else(|e| panic!("{e:?}"));
        // Transit gateway calls wrap their parameters in `<Action>Request`
        // objects with PascalCase keys, which the pack's paths (and so the
        // sample's golden email, which shows no request) do not follow yet.
        let known_gaps = ["transit-gateway-change"];
        let mut checked = 0;
        for rule in pack
            .rules
            .iter()
            .filter(|r| !r.fields.is_empty() && !known_gaps.contains(&r.id.as_str()))
        {
            let dir = root.join(&rule.id).join("match");
            let mut files: Vec<_> = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .map(|e| e.unwrap().path())
                .collect();
            files.sort();
            let mut shown = std::collections::BTreeSet::new();
            for file in files {
                let event: Value =
                    serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
                let alert = build_with(rule, event);
                let declared = |label: &str| rule.fields.iter().any(|f| f.label == label);
                // Some calls carry nothing (LeaveOrganization's requestParameters is null).
                let has_facts = ["requestParameters", "insightDetails"]
                    .iter()
                    .any(|k| alert.record.get(k).is_some_and(Value::is_object));
                assert!(
                    !has_facts
                        || alert.request_fields.iter().any(|(l, _)| declared(l))
                        || rule.fields.iter().all(|f| f.event_source.is_some()),
                    "{}: no declared field shown for {}",
                    rule.id,
                    file.display()
                );
                shown.extend(alert.request_fields.into_iter().map(|(l, _)| l));
                checked += 1;
            }
            assert!(!shown.is_empty(), "{}", rule.id);
        }
        assert!(checked >= 20, "{checked}");
    }
}
