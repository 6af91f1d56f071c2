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
/// A segment of digits also indexes an array (`resources.0.ARN`); a `*`
/// segment stands for any member, because EC2's newer APIs wrap their
/// parameters in a per-action object
/// (`requestParameters.CreateTransitGatewayRouteRequest.TransitGatewayRouteTableId`).
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
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '*')))
        {
            return Err(format!(
                "`{}` cannot appear in a path (dotted names: letters, digits, `-`, `_`, `:`, or `*` for any member)",
                c.escape_default()
            ));
        }
        let segments: Vec<String> = text.split('.').map(str::to_string).collect();
        if segments.iter().any(String::is_empty) {
            return Err("a path has no empty parts (no leading, trailing or double dots)".into());
        }
        if segments.iter().any(|s| s.contains('*') && s != ANY) {
            return Err("`*` stands alone as a segment (`requestParameters.*.VpcId`)".into());
        }
        Ok(FieldPath(segments))
    }

    /// The first non-null value at this path in `record`, if any; `*`
    /// segments try members in the record's order.
    pub fn resolve<'a>(&self, record: &'a Value) -> Option<&'a Value> {
        resolve_in(record, &self.0)
    }
}

/// The segment that stands for any member of an object or list.
const ANY: &str = "*";

// Each node is visited at most once per path, so `*` segments cost at most
// one walk of the record.
fn resolve_in<'a>(v: &'a Value, path: &[String]) -> Option<&'a Value> {
    let Some((key, rest)) = path.split_first() else {
        return (!v.is_null()).then_some(v);
    };
    if key == ANY {
        return match v {
            Value::Object(map) => map.values().find_map(|m| resolve_in(m, rest)),
            Value::Array(items) => items.iter().find_map(|m| resolve_in(m, rest)),
            _ => None,
        };
    }
    let next = match v {
        Value::Object(map) => map.get(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    }?;
    resolve_in(next, rest)
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
mod tests;
