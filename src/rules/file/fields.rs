//! The `fields:` and `tags:` keys of a rule.

use super::{Ctx, did_you_mean, get, string};
use crate::alert::{
    FieldFormat, FieldPath, LABEL_MAX, REQUEST_FIELDS_MAX, RequestField, most_shown,
};
use crate::rules::yaml::{Kind, Node};

pub(super) const FIELD_KEYS: &[&str] = &["label", "path", "format", "event-source"];

/// Most tags a rule may carry, and longest tag.
const TAGS_MAX: usize = 16;
const TAG_MAX: usize = 32;

/// `fields:`, a list of `{label, path, format, event-source}`. `None` when any
/// entry is wrong (each problem is reported).
pub(super) fn request_fields(
    ctx: &mut Ctx,
    node: &Node,
    rid: Option<&str>,
) -> Option<Vec<RequestField>> {
    let Kind::Seq(items) = &node.kind else {
        ctx.err(
            node.line,
            rid,
            format!(
                "`fields` must be a list of `{{label: ..., path: ...}}` entries, not {}",
                node.type_name()
            ),
        );
        return None;
    };
    let before = ctx.errors.len();
    let mut out: Vec<RequestField> = Vec::new();
    for item in items {
        let Some(field) = request_field(ctx, item, rid) else {
            continue;
        };
        if let Some(same) = out
            .iter()
            .find(|f| f.label == field.label && f.event_source == field.event_source)
        {
            ctx.err(
                item.line,
                rid,
                format!("field label `{}` is used twice", same.label),
            );
            continue;
        }
        out.push(field);
    }
    if ctx.errors.len() > before {
        return None;
    }
    if most_shown(&out) > REQUEST_FIELDS_MAX {
        ctx.err(
            node.line,
            rid,
            format!(
                "too many fields: an alert shows at most {REQUEST_FIELDS_MAX} (those without \
                 `event-source` count for every event source)"
            ),
        );
        return None;
    }
    Some(out)
}

fn request_field(ctx: &mut Ctx, node: &Node, rid: Option<&str>) -> Option<RequestField> {
    let Kind::Map(entries) = &node.kind else {
        ctx.err(
            node.line,
            rid,
            format!(
                "a field is a mapping such as `{{label: Group id, path: requestParameters.groupId}}`, not {}",
                node.type_name()
            ),
        );
        return None;
    };
    let before = ctx.errors.len();
    ctx.unknown_keys(entries, FIELD_KEYS, "a field", rid);
    let label = match get(entries, "label") {
        None => {
            ctx.err(node.line, rid, "field has no `label`");
            None
        }
        Some(n) => string(ctx, n, "label", rid).and_then(|label| {
            let len = label.chars().count();
            if len == 0 || len > LABEL_MAX || label.trim() != label {
                ctx.err(
                    n.line,
                    rid,
                    format!("field label `{label}` must be 1 to {LABEL_MAX} characters, without leading or trailing spaces"),
                );
                None
            } else if label.chars().any(char::is_control) {
                ctx.err(n.line, rid, "field label must be printable text on one line");
                None
            } else {
                Some(label)
            }
        }),
    };
    let paths = match get(entries, "path") {
        None => {
            ctx.err(
                node.line,
                rid,
                "field has no `path` (e.g. `path: requestParameters.groupId`)",
            );
            None
        }
        Some(n) => paths(ctx, n, rid),
    };
    let format = get(entries, "format").and_then(|n| {
        let name = string(ctx, n, "format", rid)?;
        let format = FieldFormat::from_name(&name);
        if format.is_none() {
            let hint = did_you_mean(&name, FieldFormat::NAMES.iter().copied())
                .map(|f| format!("; did you mean `{f}`?"))
                .unwrap_or_else(|| format!("; expected one of {}", FieldFormat::NAMES.join(", ")));
            ctx.err(n.line, rid, format!("unknown field format `{name}`{hint}"));
        }
        format
    });
    let event_source = get(entries, "event-source").and_then(|n| {
        let source = string(ctx, n, "event-source", rid)?;
        if is_event_source(&source) {
            Some(source)
        } else {
            let hint = match source.strip_prefix("aws.") {
                Some(service) => format!("; write `{service}.amazonaws.com`"),
                None => String::new(),
            };
            ctx.err(
                n.line,
                rid,
                format!(
                    "`{source}` is not a CloudTrail event source (e.g. `cloudtrail.amazonaws.com`){hint}"
                ),
            );
            None
        }
    });
    if ctx.errors.len() > before {
        return None;
    }
    Some(RequestField {
        label: label?,
        paths: paths?,
        format: format.unwrap_or_default(),
        event_source,
    })
}

/// One dotted path or a list of them.
fn paths(ctx: &mut Ctx, node: &Node, rid: Option<&str>) -> Option<Vec<FieldPath>> {
    let items: Vec<&Node> = match &node.kind {
        Kind::Seq(items) if items.is_empty() => {
            ctx.err(node.line, rid, "`path` lists no paths");
            return None;
        }
        Kind::Seq(items) => items.iter().collect(),
        _ => vec![node],
    };
    let mut out = Vec::new();
    let mut ok = true;
    for item in items {
        let Some(text) = item.as_str() else {
            ctx.err(
                item.line,
                rid,
                format!(
                    "`path` must be a dotted path or a list of them, not {}",
                    item.type_name()
                ),
            );
            ok = false;
            continue;
        };
        match FieldPath::parse(text) {
            Ok(path) => out.push(path),
            Err(reason) => {
                ctx.err(item.line, rid, format!("bad path `{text}`: {reason}"));
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

/// `cloudtrail.amazonaws.com`, `s3-outposts.amazonaws.com`.
fn is_event_source(s: &str) -> bool {
    s.strip_suffix(".amazonaws.com").is_some_and(|service| {
        service.split('.').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
    })
}

/// `tags:`, a list of short lower-case words (`[cis, evasion]`).
pub(super) fn tags(ctx: &mut Ctx, node: &Node, rid: Option<&str>) -> Vec<String> {
    let Kind::Seq(items) = &node.kind else {
        ctx.err(
            node.line,
            rid,
            format!(
                "`tags` must be a list of words such as `[cis, evasion]`, not {}",
                node.type_name()
            ),
        );
        return Vec::new();
    };
    if items.len() > TAGS_MAX {
        ctx.err(node.line, rid, format!("too many tags: at most {TAGS_MAX}"));
    }
    let mut out: Vec<String> = Vec::new();
    for item in items {
        let Some(tag) = string(ctx, item, "tags", rid) else {
            continue;
        };
        if !is_tag(&tag) {
            ctx.err(
                item.line,
                rid,
                format!(
                    "tag `{tag}` must be a short lower-case word: letters, digits and dashes, \
                     starting with a letter or digit, at most {TAG_MAX} characters"
                ),
            );
        } else if out.contains(&tag) {
            ctx.err(item.line, rid, format!("tag `{tag}` is listed twice"));
        } else {
            out.push(tag);
        }
    }
    out
}

fn is_tag(s: &str) -> bool {
    (1..=TAG_MAX).contains(&s.len())
        && s.as_bytes().first().is_some_and(u8::is_ascii_alphanumeric)
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
