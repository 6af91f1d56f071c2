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

#[cfg(test)]
mod tests {
    use super::super::parse;
    use crate::alert::{FieldFormat, FieldPath};

    const HEAD: &str =
        "rules:\n  - id: r\n    title: R\n    severity: low\n    pattern: {source: [aws.ec2]}\n";

    /// The errors of a rule file made of [`HEAD`] and `rest`, as displayed.
    fn errors(rest: &str) -> Vec<String> {
        let parsed = parse("f.yaml", &format!("{HEAD}{rest}"));
        assert!(parsed.file.rules.is_empty() || parsed.errors.is_empty());
        parsed.errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn fields_and_tags_are_carried() {
        let parsed = parse(
            "f.yaml",
            &format!(
                "{HEAD}    tags: [cis, network-4]\n    fields:\n      \
                 - {{label: Group id, path: [requestParameters.groupId, responseElements.groupId]}}\n      \
                 - {{label: Rules, path: requestParameters.ipPermissions, format: ip-permissions}}\n      \
                 - {{label: Trail, path: requestParameters.name, event-source: cloudtrail.amazonaws.com}}\n"
            ),
        );
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let rule = &parsed.file.rules[0];
        assert_eq!(rule.tags, ["cis", "network-4"]);
        let f = &rule.fields;
        assert_eq!(f.len(), 3);
        assert_eq!(f[0].label, "Group id");
        assert_eq!(
            f[0].paths,
            [
                FieldPath::parse("requestParameters.groupId").unwrap(),
                FieldPath::parse("responseElements.groupId").unwrap()
            ]
        );
        assert_eq!(
            (f[0].format, f[1].format),
            (FieldFormat::Text, FieldFormat::IpPermissions)
        );
        assert_eq!(
            f[2].event_source.as_deref(),
            Some("cloudtrail.amazonaws.com")
        );
        assert_eq!(f[0].event_source, None);
    }

    #[test]
    fn field_problems_have_lines_and_hints() {
        assert_eq!(
            errors(
                "    fields:\n      - {labels: A, path: a.b}\n      - {label: B}\n      - {path: c}\n"
            ),
            [
                "f.yaml:7: rule `r`: unknown key `labels` in a field; did you mean `label`?",
                "f.yaml:7: rule `r`: field has no `label`",
                "f.yaml:8: rule `r`: field has no `path` (e.g. `path: requestParameters.groupId`)",
                "f.yaml:9: rule `r`: field has no `label`",
            ]
        );
        assert_eq!(
            errors(
                "    fields:\n      - label: A\n        path: [a.b, 'a..b']\n        format: ip-permission\n"
            ),
            [
                "f.yaml:8: rule `r`: bad path `a..b`: a path has no empty parts (no leading, trailing or double dots)",
                "f.yaml:9: rule `r`: unknown field format `ip-permission`; did you mean `ip-permissions`?",
            ]
        );
        assert_eq!(
            errors(
                "    fields:\n      - {label: A, path: detail.x, event-source: aws.cloudtrail}\n"
            ),
            [
                "f.yaml:7: rule `r`: bad path `detail.x`: paths start inside the CloudTrail record; write `x`",
                "f.yaml:7: rule `r`: `aws.cloudtrail` is not a CloudTrail event source (e.g. `cloudtrail.amazonaws.com`); write `cloudtrail.amazonaws.com`",
            ]
        );
        assert_eq!(
            errors("    fields: {label: A, path: a}\n"),
            [
                "f.yaml:6: rule `r`: `fields` must be a list of `{label: ..., path: ...}` entries, not a mapping"
            ]
        );
        let long = "x".repeat(41);
        let errs = errors(&format!(
            "    fields:\n      - {{label: {long}, path: a}}\n      - {{label: A, path: []}}\n      - {{label: B, path: 5}}\n      - {{label: B, path: b, format: 7}}\n"
        ));
        assert_eq!(errs.len(), 4, "{errs:?}");
        assert!(errs[0].contains("must be 1 to 40 characters"), "{errs:?}");
        assert!(errs[1].ends_with("`path` lists no paths"), "{errs:?}");
        assert!(errs[2].contains("`path` must be a dotted path or a list of them, not an integer"));
        assert!(errs[3].contains("`format` must be a string"), "{errs:?}");
    }

    #[test]
    fn too_many_fields_and_repeated_labels() {
        let nine: String = (0..9)
            .map(|i| format!("      - {{label: F{i}, path: p{i}}}\n"))
            .collect();
        assert_eq!(
            errors(&format!("    fields:\n{nine}")),
            [
                "f.yaml:7: rule `r`: too many fields: an alert shows at most 8 (those without `event-source` count for every event source)"
            ]
        );
        // Eight for each of two services is fine: a record shows one service's.
        let per_service: String = ["s3", "iam"]
            .iter()
            .flat_map(|s| {
                (0..8).map(move |i| {
                    format!(
                        "      - {{label: F{i}, path: p{i}, event-source: {s}.amazonaws.com}}\n"
                    )
                })
            })
            .collect();
        assert_eq!(
            errors(&format!("    fields:\n{per_service}")),
            Vec::<String>::new()
        );
        assert_eq!(
            errors("    fields:\n      - {label: A, path: a}\n      - {label: A, path: b}\n"),
            ["f.yaml:8: rule `r`: field label `A` is used twice"]
        );
    }

    #[test]
    fn tag_problems() {
        assert_eq!(
            errors("    tags: [CIS, cis, cis, 'two words', -x]\n"),
            [
                "f.yaml:6: rule `r`: tag `CIS` must be a short lower-case word: letters, digits and dashes, starting with a letter or digit, at most 32 characters",
                "f.yaml:6: rule `r`: tag `cis` is listed twice",
                "f.yaml:6: rule `r`: tag `two words` must be a short lower-case word: letters, digits and dashes, starting with a letter or digit, at most 32 characters",
                "f.yaml:6: rule `r`: tag `-x` must be a short lower-case word: letters, digits and dashes, starting with a letter or digit, at most 32 characters",
            ]
        );
        assert_eq!(
            errors("    tags: cis\n"),
            [
                "f.yaml:6: rule `r`: `tags` must be a list of words such as `[cis, evasion]`, not a string"
            ]
        );
        let many: Vec<String> = (0..17).map(|i| format!("t{i}")).collect();
        assert_eq!(
            errors(&format!("    tags: [{}]\n", many.join(", "))),
            ["f.yaml:6: rule `r`: too many tags: at most 16"]
        );
    }
}
