//! `routes:`: which destinations take which alerts, as written. Rule ids,
//! tags and account names are resolved when every file is loaded; the
//! destinations are checked against the deployment's ([`crate::routing`]).

use super::accounts::account_entry;
use super::{Ctx, get, severity};
use crate::rules::yaml::{Kind, Node};
use crate::severity::Severity;

pub(super) const ROUTE_KEYS: &[&str] = &["match", "to"];
pub(super) const MATCH_KEYS: &[&str] = &["rule", "tag", "severity", "account"];

/// A value as written, with its line.
pub type Written = (String, usize);

/// One route as written. `None` for a condition: not given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawRoute {
    pub line: usize,
    pub rules: Option<Vec<Written>>,
    pub tags: Option<Vec<Written>>,
    pub severities: Option<Vec<Severity>>,
    /// Account ids or names under `accounts:`.
    pub accounts: Option<Vec<Written>>,
    pub to: Vec<Written>,
}

const EXAMPLE: &str = "`- {match: {severity: [critical]}, to: [sms, alerts]}`";

pub(super) fn routes(ctx: &mut Ctx, node: &Node) -> Vec<RawRoute> {
    let items = match &node.kind {
        Kind::Seq(items) => items.as_slice(),
        Kind::Null => &[],
        _ => {
            ctx.err(
                node.line,
                None,
                format!(
                    "`routes` must be a list of routes such as {EXAMPLE}, not {}",
                    node.type_name()
                ),
            );
            &[]
        }
    };
    let mut out: Vec<RawRoute> = Vec::new();
    let mut catch_all: Option<usize> = None;
    for item in items {
        let Some(route) = route(ctx, item) else {
            continue;
        };
        if let Some(line) = catch_all {
            ctx.err(
                route.line,
                None,
                format!(
                    "this route is never tried: the route at line {line} has an empty `match` and takes every alert (routes are tried in order, the first that matches decides)"
                ),
            );
        }
        let is_catch_all = route.rules.is_none()
            && route.tags.is_none()
            && route.severities.is_none()
            && route.accounts.is_none();
        if is_catch_all && catch_all.is_none() {
            catch_all = Some(route.line);
        }
        out.push(route);
    }
    out
}

fn route(ctx: &mut Ctx, node: &Node) -> Option<RawRoute> {
    let Kind::Map(fields) = &node.kind else {
        ctx.err(
            node.line,
            None,
            format!(
                "a route must be a mapping such as {EXAMPLE}, not {}",
                node.type_name()
            ),
        );
        return None;
    };
    let before = ctx.errors.len();
    ctx.unknown_keys(fields, ROUTE_KEYS, "a route", None);
    let mut route = RawRoute {
        line: node.line,
        ..RawRoute::default()
    };
    match get(fields, "match") {
        None => ctx.err(
            node.line,
            None,
            "a route has no `match` (any of rule, tag, severity, account; `match: {}` takes every alert)",
        ),
        Some(m) => match &m.kind {
            Kind::Map(conditions) => {
                ctx.unknown_keys(conditions, MATCH_KEYS, "a route's `match`", None);
                route.rules = get(conditions, "rule").map(|n| names(ctx, n, "match.rule"));
                route.tags = get(conditions, "tag").map(|n| names(ctx, n, "match.tag"));
                route.accounts = get(conditions, "account").map(|n| accounts(ctx, n));
                route.severities = get(conditions, "severity").map(|n| {
                    items(ctx, n, "match.severity")
                        .into_iter()
                        .filter_map(|item| severity(ctx, item, None))
                        .collect()
                });
            }
            _ => ctx.err(
                m.line,
                None,
                format!(
                    "a route's `match` must be a mapping of rule, tag, severity and account lists, not {}",
                    m.type_name()
                ),
            ),
        },
    }
    match get(fields, "to") {
        None => ctx.err(
            node.line,
            None,
            "a route has no `to` (the destinations that take its alerts, e.g. `to: [alerts]`)",
        ),
        Some(n) => {
            route.to = names(ctx, n, "to");
            for (name, line) in &route.to {
                let ok = name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                if !ok {
                    ctx.err(
                        *line,
                        None,
                        format!(
                            "`to`: `{name}` is not a destination name (letters, digits, - or _)"
                        ),
                    );
                }
            }
        }
    }
    (ctx.errors.len() == before).then_some(route)
}

/// A list (or one value) that must not be empty: an empty list would make
/// the route match nothing, or send its alerts nowhere.
fn items<'n>(ctx: &mut Ctx, node: &'n Node, what: &str) -> Vec<&'n Node> {
    let list: Vec<&Node> = match &node.kind {
        Kind::Seq(items) => items.iter().collect(),
        Kind::Null => Vec::new(),
        _ => vec![node],
    };
    if list.is_empty() {
        ctx.err(node.line, None, format!("`{what}` lists nothing"));
    }
    list
}

fn names(ctx: &mut Ctx, node: &Node, what: &str) -> Vec<Written> {
    items(ctx, node, what)
        .into_iter()
        .filter_map(|item| match &item.kind {
            Kind::Str(s) if !s.trim().is_empty() => Some((s.clone(), item.line)),
            _ => {
                ctx.err(
                    item.line,
                    None,
                    format!("`{what}` must list names, not {}", item.type_name()),
                );
                None
            }
        })
        .collect()
}

fn accounts(ctx: &mut Ctx, node: &Node) -> Vec<Written> {
    items(ctx, node, "match.account")
        .into_iter()
        .filter_map(|item| {
            account_entry(
                ctx,
                item,
                None,
                "`match.account`",
                "`match.account` lists account ids or names under `accounts:`",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::{load_sources, parse_file};
    use crate::severity::Severity;

    const RULE: &str = "accounts:\n  sandbox: [\"444455556666\"]\nrules:\n  - id: org-change\n    title: R\n    severity: high\n    tags: [org]\n    pattern: {source: [aws.organizations]}\n";

    fn errors(routes: &str) -> Vec<String> {
        let text = format!("{RULE}routes:\n{routes}");
        match load_sources(&[("f.yaml".into(), text)], false) {
            Ok(_) => Vec::new(),
            Err(e) => e.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn routes_parse_in_order_with_names_resolved() {
        let text = format!(
            "{RULE}routes:\n  - match: {{severity: [critical, high], tag: [org]}}\n    to: [sms, alerts]\n  - match: {{account: [sandbox, \"777788889999\"]}}\n    to: alerts\n"
        );
        let file = parse_file("f.yaml", &text).unwrap();
        assert_eq!(file.routes.len(), 2);
        assert_eq!(
            file.routes[0].severities,
            Some(vec![Severity::Critical, Severity::High])
        );
        let config = load_sources(&[("f.yaml".into(), text)], false).unwrap();
        let routes = &config.settings.routes;
        assert_eq!(routes[0].to, ["sms", "alerts"]);
        assert_eq!(routes[0].when.tags, Some(vec!["org".to_string()]));
        assert_eq!(
            routes[1].when.accounts,
            Some(vec!["444455556666".to_string(), "777788889999".to_string()])
        );
        assert_eq!(
            (routes[1].origin.file.as_str(), routes[1].origin.line),
            ("f.yaml", 12)
        );
    }

    #[test]
    fn each_mistake_is_reported_with_its_line() {
        assert_eq!(
            errors("  - match: {rule: [org-chnage]}\n    to: [alerts]\n"),
            ["f.yaml:10: a route names unknown rule id `org-chnage`; did you mean `org-change`?"]
        );
        assert_eq!(
            errors("  - match: {tag: [orgs]}\n    to: [alerts]\n"),
            ["f.yaml:10: a route names unknown tag `orgs`; did you mean `org`?"]
        );
        assert_eq!(
            errors("  - match: {account: [sandbx]}\n    to: [alerts]\n"),
            [
                "f.yaml:10: a route names account `sandbx`, which is neither a 12-digit account id nor a name under `accounts:`; did you mean `sandbox`?"
            ]
        );
        assert_eq!(
            errors("  - match: {rules: [org-change]}\n    to: [alerts]\n"),
            ["f.yaml:10: unknown key `rules` in a route's `match`; did you mean `rule`?"]
        );
        assert_eq!(
            errors("  - match: {severity: [urgent]}\n    to: []\n"),
            [
                "f.yaml:10: bad severity `urgent`: expected one of info, low, medium, high, critical",
                "f.yaml:11: `to` lists nothing"
            ]
        );
        assert_eq!(
            errors("  - to: [alerts]\n"),
            [
                "f.yaml:10: a route has no `match` (any of rule, tag, severity, account; `match: {}` takes every alert)"
            ]
        );
        assert_eq!(
            errors("  - match: {}\n    to: [alerts]\n  - match: {tag: [org]}\n    to: [sms]\n"),
            [
                "f.yaml:12: this route is never tried: the route at line 10 has an empty `match` and takes every alert (routes are tried in order, the first that matches decides)"
            ]
        );
        assert_eq!(
            errors("  match: {}\n"),
            [
                "f.yaml:10: `routes` must be a list of routes such as `- {match: {severity: [critical]}, to: [sms, alerts]}`, not a mapping"
            ]
        );
    }
}
