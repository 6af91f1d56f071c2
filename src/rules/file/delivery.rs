//! The delivery keys: `mode:`, `dedup:` and `threshold:` in rules and
//! overrides, and the top-level `storm-guard:`.

use super::{Ctx, get, section_entries, string_list};
use crate::decide::key::is_key_path;
use crate::decide::{Grouping, Guard, KeyPaths, Mode, parse_duration};
use crate::rules::yaml::{Entry, Kind, Node};

pub(super) const DEDUP_KEYS: &[&str] = &["window", "key"];
pub(super) const THRESHOLD_KEYS: &[&str] = &["count", "window", "key"];
pub(super) const GUARD_KEYS: &[&str] = &["max", "per"];
/// Most key paths per rule, and the largest threshold.
const KEY_PATHS_MAX: usize = 8;
const COUNT_MAX: u64 = 100_000;

/// What a rule or override says about delivery. `grouping` is `None` when
/// not given, `Some(None)` for `dedup: false` / `threshold: false`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawDelivery {
    pub mode: Option<Mode>,
    pub grouping: Option<Option<Grouping>>,
}

/// Read `mode`, `dedup` and `threshold` from a rule's or override's entries.
pub(super) fn delivery(ctx: &mut Ctx, entries: &[Entry], rid: Option<&str>) -> RawDelivery {
    let mode = get(entries, "mode").and_then(|n| match n.as_str() {
        Some("shadow") => Some(Mode::Shadow),
        Some("live") => Some(Mode::Live),
        _ => {
            ctx.err(
                n.line,
                rid,
                format!(
                    "`mode` must be `live` or `shadow` (evaluated and counted, never published), not {}",
                    shown(n)
                ),
            );
            None
        }
    });
    let dedup = get(entries, "dedup").map(|n| grouping(ctx, n, rid, false));
    let threshold = get(entries, "threshold").map(|n| grouping(ctx, n, rid, true));
    let grouping = match (dedup, threshold) {
        (Some(Some(Some(_))), Some(Some(Some(_)))) => {
            let line = get(entries, "threshold").map_or(0, |n| n.line);
            ctx.err(
                line,
                rid,
                "a rule has `dedup` or `threshold`, not both (a threshold already folds later matches into a digest)",
            );
            None
        }
        // Already reported.
        (Some(None), _) | (_, Some(None)) => None,
        (Some(Some(Some(g))), _) | (_, Some(Some(Some(g)))) => Some(Some(g)),
        (Some(Some(None)), _) | (_, Some(Some(None))) => Some(None),
        (None, None) => None,
    };
    RawDelivery { mode, grouping }
}

fn shown(n: &Node) -> String {
    match &n.kind {
        Kind::Str(s) => format!("`{s}`"),
        _ => n.type_name().to_string(),
    }
}

/// `{window, key}` (dedup) or `{count, window, key}` (threshold), or `false`.
/// The outer `None` means an error was reported.
fn grouping(
    ctx: &mut Ctx,
    node: &Node,
    rid: Option<&str>,
    threshold: bool,
) -> Option<Option<Grouping>> {
    let what = if threshold { "threshold" } else { "dedup" };
    let example = if threshold {
        "`threshold: {count: 5, window: 10m}`"
    } else {
        "`dedup: {window: 15m}`"
    };
    let entries = match &node.kind {
        Kind::Bool(false) => return Some(None),
        Kind::Map(entries) => entries,
        _ => {
            ctx.err(
                node.line,
                rid,
                format!(
                    "`{what}` must be a mapping such as {example}, or false, not {}",
                    node.type_name()
                ),
            );
            return None;
        }
    };
    let before = ctx.errors.len();
    let known = if threshold {
        THRESHOLD_KEYS
    } else {
        DEDUP_KEYS
    };
    ctx.unknown_keys(entries, known, &format!("`{what}`"), rid);
    let window = match get(entries, "window") {
        None => {
            ctx.err(
                node.line,
                rid,
                format!("`{what}` has no `window` (e.g. {example})"),
            );
            None
        }
        Some(n) => duration(ctx, n, &format!("{what}.window"), rid),
    };
    let key = get(entries, "key")
        .and_then(|n| key_paths(ctx, n, what, rid))
        .unwrap_or_default();
    let count = if threshold {
        match get(entries, "count") {
            None => {
                ctx.err(
                    node.line,
                    rid,
                    format!("`threshold` has no `count` (e.g. {example})"),
                );
                None
            }
            Some(n) => match n.kind {
                Kind::Int(c) if c >= 2 && c.unsigned_abs() <= COUNT_MAX => Some(c.unsigned_abs()),
                Kind::UInt(c) if (2..=COUNT_MAX).contains(&c) => Some(c),
                _ => {
                    ctx.err(
                        n.line,
                        rid,
                        format!("`threshold.count` must be a whole number from 2 to {COUNT_MAX}, not {}", shown(n)),
                    );
                    None
                }
            },
        }
    } else {
        Some(1)
    };
    if ctx.errors.len() > before {
        return None;
    }
    let (window, count) = (window?, count?);
    Some(Some(if threshold {
        Grouping::Threshold { count, window, key }
    } else {
        Grouping::Dedup { window, key }
    }))
}

fn duration(ctx: &mut Ctx, node: &Node, what: &str, rid: Option<&str>) -> Option<i64> {
    match node.as_str().map(parse_duration) {
        Some(Ok(secs)) => Some(secs),
        Some(Err(why)) => {
            ctx.err(node.line, rid, format!("`{what}`: {why}"));
            None
        }
        None => {
            ctx.err(
                node.line,
                rid,
                format!(
                    "`{what}` must be a duration such as `90s`, `15m`, `1h` or `1d`, not {}",
                    node.type_name()
                ),
            );
            None
        }
    }
}

fn key_paths(ctx: &mut Ctx, node: &Node, what: &str, rid: Option<&str>) -> Option<KeyPaths> {
    let before = ctx.errors.len();
    let paths = string_list(ctx, node, &format!("{what}.key"), rid);
    if ctx.errors.len() > before {
        return None;
    }
    for p in &paths {
        if !is_key_path(p) {
            ctx.err(
                node.line,
                rid,
                format!(
                    "`{what}.key` path `{p}` is not a path into the event: use `account`, `region` or `detail.…` (e.g. `detail.userIdentity.arn`)"
                ),
            );
        }
    }
    if paths.len() > KEY_PATHS_MAX {
        ctx.err(
            node.line,
            rid,
            format!("`{what}.key` has more than {KEY_PATHS_MAX} paths"),
        );
    }
    (ctx.errors.len() == before).then_some(KeyPaths(paths))
}

/// `storm-guard:` maps destination names to `{max, per}`.
pub(super) fn storm_guards(ctx: &mut Ctx, node: &Node) -> Vec<(String, Guard, usize)> {
    let entries = section_entries(
        ctx,
        node,
        "`storm-guard` must map destination names to limits (e.g. `sms: {max: 10, per: 1h}`)",
    );
    let mut out = Vec::new();
    for entry in entries {
        let name = &entry.key;
        let Kind::Map(fields) = &entry.value.kind else {
            ctx.err(
                entry.value.line,
                None,
                format!(
                    "storm guard `{name}` must be a mapping such as `{{max: 10, per: 1h}}`, not {}",
                    entry.value.type_name()
                ),
            );
            continue;
        };
        let before = ctx.errors.len();
        ctx.unknown_keys(fields, GUARD_KEYS, &format!("storm guard `{name}`"), None);
        let max = match get(fields, "max") {
            Some(n) => match n.kind {
                Kind::Int(m) if m >= 1 => Some(m.unsigned_abs()),
                Kind::UInt(m) if m >= 1 => Some(m),
                _ => {
                    ctx.err(n.line, None, format!("storm guard `{name}`: `max` must be a whole number of at least 1, not {}", shown(n)));
                    None
                }
            },
            None => {
                ctx.err(
                    entry.key_line,
                    None,
                    format!("storm guard `{name}` has no `max`"),
                );
                None
            }
        };
        let per = match get(fields, "per") {
            Some(n) => duration(ctx, n, &format!("storm-guard.{name}.per"), None),
            None => {
                ctx.err(
                    entry.key_line,
                    None,
                    format!("storm guard `{name}` has no `per`"),
                );
                None
            }
        };
        if let (true, Some(max), Some(per)) = (ctx.errors.len() == before, max, per) {
            out.push((name.clone(), Guard { max, per }, entry.key_line));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::decide::{Grouping, Guard, KeyPaths, Mode, Policy};
    use crate::rules::{load_sources, parse_file};

    const RULE: &str =
        "rules:\n  - id: r\n    title: R\n    severity: high\n    pattern: {source: [aws.ec2]}\n";

    fn errors(text: &str) -> Vec<String> {
        parse_file("f.yaml", text)
            .err()
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn rules_take_dedup_threshold_and_shadow_mode() {
        let text = format!(
            "{RULE}    mode: shadow\n    dedup: {{window: 15m, key: [account, detail.userIdentity.arn]}}\n"
        );
        let file = parse_file("f.yaml", &text).unwrap();
        assert_eq!(file.rules[0].delivery.mode, Some(Mode::Shadow));
        assert_eq!(
            file.rules[0].delivery.grouping,
            Some(Some(Grouping::Dedup {
                window: 900,
                key: KeyPaths(vec!["account".into(), "detail.userIdentity.arn".into()])
            }))
        );
        let text = format!("{RULE}    threshold: {{count: 5, window: 10m}}\n");
        let file = parse_file("f.yaml", &text).unwrap();
        assert_eq!(
            file.rules[0].delivery.grouping,
            Some(Some(Grouping::Threshold {
                count: 5,
                window: 600,
                key: KeyPaths::default()
            }))
        );
    }

    #[test]
    fn each_mistake_is_reported_with_its_line() {
        let e = errors(&format!("{RULE}    dedup: {{window: 15 minutes}}\n"));
        assert_eq!(e.len(), 1);
        assert!(
            e[0].starts_with("f.yaml:6: rule `r`: `dedup.window`: `15 minutes` is not a duration"),
            "{e:?}"
        );
        let e = errors(&format!(
            "{RULE}    threshold: {{count: 1, window: 10m, keys: [account]}}\n"
        ));
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(
            e.iter()
                .any(|m| m.contains("unknown key `keys` in `threshold`; did you mean `key`?")),
            "{e:?}"
        );
        assert!(
            e.iter()
                .any(|m| m.contains("`threshold.count` must be a whole number from 2")),
            "{e:?}"
        );
        let e = errors(&format!(
            "{RULE}    dedup: {{window: 1m, key: [userIdentity.arn]}}\n"
        ));
        assert!(
            e[0].contains("path `userIdentity.arn` is not a path into the event"),
            "{e:?}"
        );
        let e = errors(&format!("{RULE}    mode: quiet\n"));
        assert!(
            e[0].starts_with("f.yaml:6: rule `r`: `mode` must be `live` or `shadow`"),
            "{e:?}"
        );
        let e = errors(&format!(
            "{RULE}    dedup: {{window: 1m}}\n    threshold: {{count: 3, window: 1m}}\n"
        ));
        assert!(e[0].contains("not both"), "{e:?}");
        let e = errors("storm-guard:\n  sms: {max: 0, per: 1h}\n  email: {per: 1w}\n");
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(
            e[0].starts_with("f.yaml:2: storm guard `sms`: `max` must be"),
            "{e:?}"
        );
    }

    #[test]
    fn overrides_set_and_clear_delivery_on_built_in_rules_and_guards_load() {
        let user = "overrides:\n  r:\n    mode: shadow\n    dedup: false\nstorm-guard:\n  sms: {max: 10, per: 1h}\n";
        let base = format!("{RULE}    dedup: {{window: 15m}}\n");
        let config = load_sources(
            &[
                ("base.yaml".into(), base),
                ("user.yaml".into(), user.into()),
            ],
            false,
        )
        .unwrap();
        assert_eq!(
            config.rules[0].delivery,
            Policy {
                mode: Mode::Shadow,
                grouping: None
            }
        );
        assert_eq!(
            config.settings.storm_guards.get("sms"),
            Some(&Guard { max: 10, per: 3600 })
        );
    }
}
