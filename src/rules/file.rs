//! One rule file: its YAML tree checked against the rule-file schema.
//!
//! Every problem is collected (never only the first), each with its line and,
//! inside a rule or an override, the rule id, so that a user fixes a file in
//! one pass.

mod accounts;
mod delivery;
mod fields;
mod names;
mod patterns;
mod routes;
mod rule_tests;

use super::yaml::{self, Entry, Kind, Node};
use super::{CheckedPattern, RuleFileError};
use crate::alert::RequestField;
#[cfg(test)]
use crate::aws_ids::is_region;
use crate::decide::Guard;
use crate::severity::Severity;
use accounts::{parse_accounts, scope};
use names::to_kebab_case;
pub(crate) use names::{did_you_mean, is_kebab_case};
use patterns::{excludes, pattern};
pub use rule_tests::{ALERT_KEYS, RuleTest, TestEvent};

pub use delivery::RawDelivery;
pub use routes::RawRoute;

/// A parsed rule file: rules, account names and overrides, with their lines.
/// Account names in scopes are not resolved yet (other files may define them).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RuleFile {
    pub name: String,
    pub rules: Vec<RawRule>,
    pub accounts: Vec<AccountDef>,
    pub overrides: Vec<Override>,
    /// `storm-guard:`: destination name, limit, line.
    pub storm_guards: Vec<(String, Guard, usize)>,
    /// `routes:`, in order; names not resolved yet.
    pub routes: Vec<RawRoute>,
}

/// A rule as written in a file.
#[derive(Clone, Debug, PartialEq)]
pub struct RawRule {
    pub id: String,
    pub line: usize,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub pattern: CheckedPattern,
    pub exclude: Vec<CheckedPattern>,
    pub runbook: Option<String>,
    pub enabled: bool,
    pub references: Vec<String>,
    pub fields: Vec<RequestField>,
    pub tags: Vec<String>,
    pub scope: Option<RawScope>,
    pub delivery: RawDelivery,
    /// Events the rule must (or must not) alert on.
    pub tests: Vec<RuleTest>,
}

/// A scope as written: accounts may be ids or names defined under `accounts:`.
/// `None` for a list means the key was not given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawScope {
    pub line: usize,
    /// Account ids or names, each with its line.
    pub accounts: Option<Vec<(String, usize)>>,
    pub regions: Option<Vec<String>>,
}

/// An account name and its ids, e.g. `prod: ["111122223333"]`.
#[derive(Clone, Debug, PartialEq)]
pub struct AccountDef {
    pub name: String,
    pub line: usize,
    pub ids: Vec<String>,
}

/// A change to an existing rule (built-in or from another file), by id.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    pub rule_id: String,
    pub line: usize,
    pub enabled: Option<bool>,
    pub severity: Option<Severity>,
    /// Added to the rule's own excludes.
    pub exclude: Vec<CheckedPattern>,
    pub scope: Option<RawScope>,
    pub delivery: RawDelivery,
}

pub(crate) const TOP_KEYS: &[&str] = &["rules", "accounts", "overrides", "storm-guard", "routes"];
pub(crate) const RULE_KEYS: &[&str] = &[
    "id",
    "title",
    "description",
    "severity",
    "pattern",
    "exclude",
    "runbook",
    "enabled",
    "references",
    "fields",
    "tags",
    "mode",
    "dedup",
    "threshold",
    "scope",
    "tests",
];
pub(crate) const OVERRIDE_KEYS: &[&str] = &[
    "enabled",
    "severity",
    "exclude",
    "scope",
    "mode",
    "dedup",
    "threshold",
];
pub(crate) const SCOPE_KEYS: &[&str] = &["accounts", "regions"];

/// What parsing a file produced: the valid parts, every error, and the ids of
/// all rules that had a usable id, valid or not (so that other files'
/// overrides and duplicate checks do not report a second, misleading error).
pub(crate) struct Parsed {
    pub file: RuleFile,
    pub errors: Vec<RuleFileError>,
    pub ids: Vec<(String, usize)>,
    /// Every scope written (in rules and overrides, valid or not), so that
    /// account names are checked even where the rule itself has other errors.
    pub scopes: Vec<(Option<String>, RawScope)>,
}

struct Ctx<'a> {
    file: &'a str,
    errors: Vec<RuleFileError>,
    scopes: Vec<(Option<String>, RawScope)>,
}

impl Ctx<'_> {
    fn err(&mut self, line: usize, rule_id: Option<&str>, message: impl Into<String>) {
        self.errors.push(RuleFileError {
            file: self.file.to_string(),
            line,
            rule_id: rule_id.map(str::to_string),
            message: message.into(),
        });
    }

    fn unknown_keys(&mut self, entries: &[Entry], known: &[&str], what: &str, rule: Option<&str>) {
        for entry in entries {
            if !known.contains(&entry.key.as_str()) {
                let hint = did_you_mean(&entry.key, known.iter().copied())
                    .map(|k| format!("; did you mean `{k}`?"))
                    .unwrap_or_else(|| format!("; expected one of {}", known.join(", ")));
                self.err(
                    entry.key_line,
                    rule,
                    format!("unknown key `{}` in {what}{hint}", entry.key),
                );
            }
        }
    }
}

pub(crate) fn parse(name: &str, text: &str) -> Parsed {
    let mut ctx = Ctx {
        file: name,
        errors: Vec::new(),
        scopes: Vec::new(),
    };
    let mut file = RuleFile {
        name: name.to_string(),
        ..RuleFile::default()
    };
    let mut ids = Vec::new();
    let root = match yaml::parse(text) {
        Ok(root) => root,
        Err(errors) => {
            for e in errors {
                ctx.err(e.line, None, e.message);
            }
            return Parsed {
                file,
                errors: ctx.errors,
                ids,
                scopes: ctx.scopes,
            };
        }
    };
    match &root.kind {
        Kind::Null => {}
        Kind::Map(entries) => {
            ctx.unknown_keys(entries, TOP_KEYS, "a rule file", None);
            if let Some(node) = get(entries, "accounts") {
                file.accounts = parse_accounts(&mut ctx, node);
            }
            if let Some(node) = get(entries, "rules") {
                match &node.kind {
                    Kind::Seq(items) => {
                        for item in items {
                            if let Some(rule) = parse_rule(&mut ctx, item, &mut ids) {
                                file.rules.push(rule);
                            }
                        }
                    }
                    Kind::Null => {}
                    _ => ctx.err(
                        node.line,
                        None,
                        format!("`rules` must be a list of rules, not {}", node.type_name()),
                    ),
                }
            }
            if let Some(node) = get(entries, "overrides") {
                file.overrides = parse_overrides(&mut ctx, node);
            }
            if let Some(node) = get(entries, "storm-guard") {
                file.storm_guards = delivery::storm_guards(&mut ctx, node);
            }
            if let Some(node) = get(entries, "routes") {
                file.routes = routes::routes(&mut ctx, node);
            }
        }
        Kind::Seq(_) => ctx.err(
            root.line,
            None,
            "a rule file is a mapping; put the list of rules under `rules:`",
        ),
        _ => ctx.err(
            root.line,
            None,
            format!(
                "a rule file is a mapping with `rules`, `accounts` and `overrides`, not {}",
                root.type_name()
            ),
        ),
    }
    Parsed {
        file,
        errors: ctx.errors,
        ids,
        scopes: ctx.scopes,
    }
}

fn get<'a>(entries: &'a [Entry], key: &str) -> Option<&'a Node> {
    entries.iter().find(|e| e.key == key).map(|e| &e.value)
}

fn parse_rule(ctx: &mut Ctx, node: &Node, ids: &mut Vec<(String, usize)>) -> Option<RawRule> {
    let Kind::Map(entries) = &node.kind else {
        ctx.err(
            node.line,
            None,
            format!("a rule must be a mapping, not {}", node.type_name()),
        );
        return None;
    };
    let before = ctx.errors.len();

    let id = match get(entries, "id") {
        None => {
            ctx.err(node.line, None, "rule has no `id`");
            None
        }
        Some(n) => match n.as_str() {
            Some(id) if is_kebab_case(id) => Some(id.to_string()),
            Some(id) => {
                ctx.err(
                    n.line,
                    Some(id),
                    format!(
                        "rule id `{id}` is not kebab-case (lower-case letters, digits and single \
                         dashes, starting with a letter, e.g. `{}`)",
                        to_kebab_case(id)
                    ),
                );
                None
            }
            None => {
                ctx.err(
                    n.line,
                    None,
                    format!("`id` must be a string, not {}", n.type_name()),
                );
                None
            }
        },
    };
    if let Some(id) = &id {
        ids.push((id.clone(), node.line));
    }
    let rid = id.as_deref();
    ctx.unknown_keys(entries, RULE_KEYS, "a rule", rid);

    let title = match get(entries, "title") {
        None => {
            ctx.err(node.line, rid, "rule has no `title`");
            None
        }
        Some(n) => string(ctx, n, "title", rid).and_then(|t| {
            if t.trim().is_empty() {
                ctx.err(n.line, rid, "`title` is empty");
                None
            } else if t.contains('\n') {
                ctx.err(
                    n.line,
                    rid,
                    "`title` must be one line (it is used in e-mail subjects and SMS)",
                );
                None
            } else {
                Some(t)
            }
        }),
    };
    let description = get(entries, "description")
        .and_then(|n| string(ctx, n, "description", rid))
        .unwrap_or_default();
    let severity = match get(entries, "severity") {
        None => {
            ctx.err(node.line, rid, "rule has no `severity`");
            None
        }
        Some(n) => severity(ctx, n, rid),
    };
    let pattern = match get(entries, "pattern") {
        None => {
            ctx.err(node.line, rid, "rule has no `pattern`");
            None
        }
        Some(n) => pattern(ctx, n, rid, "pattern"),
    };
    let exclude = get(entries, "exclude")
        .map(|n| excludes(ctx, n, rid))
        .unwrap_or_default();
    let runbook = get(entries, "runbook").and_then(|n| string(ctx, n, "runbook", rid));
    let enabled = get(entries, "enabled")
        .and_then(|n| boolean(ctx, n, "enabled", rid))
        .unwrap_or(true);
    let references = get(entries, "references")
        .map(|n| string_list(ctx, n, "references", rid))
        .unwrap_or_default();
    let request_fields = get(entries, "fields")
        .and_then(|n| fields::request_fields(ctx, n, rid))
        .unwrap_or_default();
    let tags = get(entries, "tags")
        .map(|n| fields::tags(ctx, n, rid))
        .unwrap_or_default();
    let scope = get(entries, "scope").and_then(|n| scope(ctx, n, rid));
    let delivery = delivery::delivery(ctx, entries, rid);
    let tests = get(entries, "tests")
        .and_then(|n| rule_tests::rule_tests(ctx, n, rid))
        .unwrap_or_default();

    if ctx.errors.len() > before {
        return None;
    }
    Some(RawRule {
        id: id?,
        line: node.line,
        title: title?,
        description,
        severity: severity?,
        pattern: pattern?,
        exclude,
        runbook,
        enabled,
        references,
        fields: request_fields,
        tags,
        scope,
        delivery,
        tests,
    })
}

/// The entries of a top-level section that must be a map; an empty section
/// has none, anything else is reported as `what`.
fn section_entries<'n>(ctx: &mut Ctx, node: &'n Node, what: &str) -> &'n [Entry] {
    match &node.kind {
        Kind::Map(entries) => entries,
        Kind::Null => &[],
        _ => {
            ctx.err(node.line, None, format!("{what}, not {}", node.type_name()));
            &[]
        }
    }
}

fn parse_overrides(ctx: &mut Ctx, node: &Node) -> Vec<Override> {
    let entries = section_entries(
        ctx,
        node,
        "`overrides` must map rule ids to changes (e.g. `vpc-change: {enabled: false}`)",
    );
    let mut out = Vec::new();
    for entry in entries {
        let rid = Some(entry.key.as_str());
        let fields = match &entry.value.kind {
            Kind::Map(fields) => fields,
            _ => {
                ctx.err(
                    entry.value.line,
                    rid,
                    format!(
                        "an override must be a mapping with {}, not {}",
                        OVERRIDE_KEYS.join(", "),
                        entry.value.type_name()
                    ),
                );
                continue;
            }
        };
        let before = ctx.errors.len();
        ctx.unknown_keys(fields, OVERRIDE_KEYS, "an override", rid);
        let over = Override {
            rule_id: entry.key.clone(),
            line: entry.key_line,
            enabled: get(fields, "enabled").and_then(|n| boolean(ctx, n, "enabled", rid)),
            severity: get(fields, "severity").and_then(|n| severity(ctx, n, rid)),
            exclude: get(fields, "exclude")
                .map(|n| excludes(ctx, n, rid))
                .unwrap_or_default(),
            scope: get(fields, "scope").and_then(|n| scope(ctx, n, rid)),
            delivery: delivery::delivery(ctx, fields, rid),
        };
        if ctx.errors.len() == before {
            out.push(over);
        }
    }
    out
}

fn string(ctx: &mut Ctx, node: &Node, key: &str, rid: Option<&str>) -> Option<String> {
    match &node.kind {
        Kind::Str(s) => Some(s.clone()),
        _ => {
            ctx.err(
                node.line,
                rid,
                format!("`{key}` must be a string, not {}", node.type_name()),
            );
            None
        }
    }
}

fn string_list(ctx: &mut Ctx, node: &Node, key: &str, rid: Option<&str>) -> Vec<String> {
    let Kind::Seq(items) = &node.kind else {
        ctx.err(
            node.line,
            rid,
            format!(
                "`{key}` must be a list of strings, not {}",
                node.type_name()
            ),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        if let Some(s) = string(ctx, item, key, rid) {
            out.push(s);
        }
    }
    out
}

fn boolean(ctx: &mut Ctx, node: &Node, key: &str, rid: Option<&str>) -> Option<bool> {
    match &node.kind {
        Kind::Bool(b) => Some(*b),
        Kind::Str(s) => {
            ctx.err(
                node.line,
                rid,
                format!("`{key}` must be true or false, not the string `{s}` (YAML 1.2 reads yes/no/on/off as strings)"),
            );
            None
        }
        _ => {
            ctx.err(
                node.line,
                rid,
                format!("`{key}` must be true or false, not {}", node.type_name()),
            );
            None
        }
    }
}

fn severity(ctx: &mut Ctx, node: &Node, rid: Option<&str>) -> Option<Severity> {
    let parsed = node.as_str().map(str::parse::<Severity>);
    match parsed {
        Some(Ok(sev)) => Some(sev),
        _ => {
            let shown = match &node.kind {
                Kind::Str(s) => format!("`{s}`"),
                _ => node.type_name().to_string(),
            };
            ctx.err(
                node.line,
                rid,
                format!("bad severity {shown}: expected one of info, low, medium, high, critical"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_and_suggestions() {
        assert!(is_region("us-gov-west-1") && is_region("eu-west-1"));
        assert!(!is_region("us-east1") && !is_region("US-EAST-1") && !is_region("global"));
        assert_eq!(
            did_you_mean("severty", RULE_KEYS.iter().copied()),
            Some("severity")
        );
        assert_eq!(
            did_you_mean("excludes", RULE_KEYS.iter().copied()),
            Some("exclude")
        );
        assert_eq!(did_you_mean("zzz", RULE_KEYS.iter().copied()), None);
    }
}
