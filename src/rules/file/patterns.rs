//! Event patterns in a rule file (`pattern:` and `exclude:`), checked by the
//! pattern language's own validation, errors pointing at the offending line.

use serde_json::Value;

use super::Ctx;
use crate::pattern::PatternError;
use crate::rules::CheckedPattern;
use crate::rules::yaml::{Kind, Node};

pub(super) fn excludes(ctx: &mut Ctx, node: &Node, rid: Option<&str>) -> Vec<CheckedPattern> {
    let Kind::Seq(items) = &node.kind else {
        ctx.err(
            node.line,
            rid,
            format!(
                "`exclude` must be a list of event patterns, not {}",
                node.type_name()
            ),
        );
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| pattern(ctx, item, rid, &format!("exclude[{i}]")))
        .collect()
}

/// An event pattern, written as YAML or as a string holding JSON, checked by
/// the pattern language's own validation.
pub(super) fn pattern(
    ctx: &mut Ctx,
    node: &Node,
    rid: Option<&str>,
    what: &str,
) -> Option<CheckedPattern> {
    let (text, value) = match &node.kind {
        Kind::Str(text) => match serde_json::from_str::<Value>(text) {
            Ok(value) => (text.clone(), value),
            Err(e) => {
                ctx.err(
                    node.line,
                    rid,
                    format!("`{what}` is a string but not valid JSON: {e}"),
                );
                return None;
            }
        },
        _ => (node.to_json_text(), node.to_json()),
    };
    match crate::rules::validate_pattern(&text) {
        Ok(parsed) => Some(CheckedPattern {
            value,
            parsed,
            line: node.line,
        }),
        Err(first) => {
            for error in every_error(&value, first) {
                let hint = hint(&error);
                ctx.err(
                    line_of_path(node, &error.path),
                    rid,
                    format!("{}{hint}", error.in_field(&format!("`{what}`"))),
                );
            }
            None
        }
    }
}

/// Every field of `pattern` the language refuses, `first` (the whole
/// pattern's error) first: each field is checked on its own, so one run
/// shows every mistake rather than one per run. A problem of the whole (a
/// pattern too large, a bad `$or`) is `first` alone.
fn every_error(pattern: &Value, first: PatternError) -> Vec<PatternError> {
    let mut errors = vec![first];
    let mut leaves = Vec::new();
    leaves_of(pattern, &mut Vec::new(), &mut leaves);
    for (keys, leaf) in leaves {
        let single = keys.iter().rev().fold(leaf.clone(), |inner, key| {
            Value::Object(serde_json::Map::from_iter([(key.to_string(), inner)]))
        });
        if let Err(error) = crate::rules::validate_pattern(&single.to_string())
            && !errors.contains(&error)
        {
            errors.push(error);
        }
    }
    errors
}

/// The fields of a pattern: every value that is not an object (a list of
/// values or matchers), with the keys leading to it; `$or` is one field.
fn leaves_of<'a>(
    value: &'a Value,
    keys: &mut Vec<&'a str>,
    out: &mut Vec<(Vec<&'a str>, &'a Value)>,
) {
    match value.as_object() {
        Some(map) => {
            for (key, inner) in map {
                keys.push(key);
                if inner.is_object() && key != "$or" {
                    leaves_of(inner, keys, out);
                } else {
                    out.push((keys.clone(), inner));
                }
                keys.pop();
            }
        }
        _ => out.push((keys.clone(), value)),
    }
}

/// What to write instead, where EventBridge's reason leaves it unsaid.
fn hint(error: &PatternError) -> &'static str {
    if error.reason.contains("mask bits must be <") {
        // EventBridge refuses a /32 (or /128) range: one address is a
        // plain value.
        "; use the plain address: match one address as a value, `[\"203.0.113.7\"]`, not a /32 range"
    } else {
        ""
    }
}

/// The line of the deepest node of `node` along the dotted `path` (keys may
/// themselves contain dots, and `$or` branches are searched), so an error points
/// at the offending field rather than at the start of the pattern.
fn line_of_path(node: &Node, path: &str) -> usize {
    fn walk(node: &Node, rest: &str) -> Option<usize> {
        if rest.is_empty() {
            return Some(node.line);
        }
        match &node.kind {
            Kind::Map(entries) => entries.iter().find_map(|e| {
                if e.key == "$or" {
                    return walk(&e.value, rest);
                }
                let after = rest.strip_prefix(e.key.as_str())?;
                if after.is_empty() {
                    Some(walk(&e.value, "").unwrap_or(e.key_line))
                } else {
                    let after = after.strip_prefix('.')?;
                    Some(walk(&e.value, after).unwrap_or(e.key_line))
                }
            }),
            Kind::Seq(items) => items.iter().find_map(|item| walk(item, rest)),
            _ => None,
        }
    }
    walk(node, path).unwrap_or(node.line)
}
