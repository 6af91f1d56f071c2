//! The `rules` listing: each rule's settings and where each comes from (the
//! rule's entry, an override, the built-in selection), as aligned text
//! columns or one JSON object a rule (documented in docs/cli.md).

use serde_json::{Value, json};

use crate::decide::time::format_duration;
use crate::decide::{Grouping, Mode, Policy};
use crate::rules::{EnabledBy, Origin, Rule, RuleConfig, Settings};

const HEADINGS: [&str; 9] = [
    "ID", "SEVERITY", "STATUS", "SCOPE", "EXCLUDES", "TAGS", "DELIVERY", "DEFINED", "TITLE",
];

/// The rules to list: every rule with `all`, else the enabled ones.
fn listed(config: &RuleConfig, all: bool) -> impl Iterator<Item = &Rule> {
    config.rules.iter().filter(move |r| all || r.enabled)
}

/// A heading line, then one line a rule, each column as wide as its widest
/// cell; no final newline.
pub fn text(config: &RuleConfig, all: bool) -> String {
    let rows: Vec<[String; 9]> = listed(config, all)
        .map(|rule| row(rule, &config.settings))
        .collect();
    let mut widths = HEADINGS.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut out = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i > 0 {
                out.push_str("  ");
            }
            out.push_str(cell);
            let pad = width.saturating_sub(cell.chars().count());
            out.extend(std::iter::repeat_n(' ', pad));
        }
        out.trim_end().to_string()
    };
    let mut lines = vec![line(&HEADINGS.map(str::to_string))];
    lines.extend(rows.iter().map(|r| line(r)));
    lines.join("\n")
}

fn row(rule: &Rule, settings: &Settings) -> [String; 9] {
    let p = &rule.provenance;
    [
        rule.id.clone(),
        with_origin(rule.severity.as_str().to_string(), p.severity.as_ref()),
        status(rule),
        with_origin(scope_text(rule, settings), p.scope.as_ref()),
        excludes_text(&p.excludes),
        if rule.tags.is_empty() {
            "-".to_string()
        } else {
            rule.tags.join(",")
        },
        with_origin(delivery_text(&rule.delivery), p.delivery.as_ref()),
        rule.origin.to_string(),
        rule.title.clone(),
    ]
}

fn with_origin(text: String, origin: Option<&Origin>) -> String {
    match origin {
        Some(at) => format!("{text} ({at})"),
        None => text,
    }
}

fn status(rule: &Rule) -> String {
    let state = if rule.enabled { "on" } else { "off" };
    match &rule.provenance.enabled {
        EnabledBy::Entry if rule.enabled => state.to_string(),
        EnabledBy::Entry if crate::rules::is_builtin_file(&rule.origin.file) => {
            "off (opt-in)".to_string()
        }
        EnabledBy::Entry => "off (enabled: false)".to_string(),
        EnabledBy::Selection(selection) => format!("{state} (--builtin {selection})"),
        EnabledBy::Override(at) => format!("{state} (override {at})"),
        EnabledBy::Setting(name) => format!("{state} ({name})"),
    }
}

fn scope_text(rule: &Rule, settings: &Settings) -> String {
    let mut parts = Vec::new();
    if !rule.scope.accounts.is_empty() {
        let accounts: Vec<String> = rule
            .scope
            .accounts
            .iter()
            .map(|id| match settings.account_name(id) {
                Some(name) => format!("{name}={id}"),
                None => id.clone(),
            })
            .collect();
        parts.push(format!("accounts {}", accounts.join(",")));
    }
    if !rule.scope.regions.is_empty() {
        parts.push(format!("regions {}", rule.scope.regions.join(",")));
    }
    if parts.is_empty() {
        "all".to_string()
    } else {
        parts.join("; ")
    }
}

/// The count and the files they were written in, each once, in order.
fn excludes_text(excludes: &[Origin]) -> String {
    if excludes.is_empty() {
        return "-".to_string();
    }
    let mut files: Vec<&str> = Vec::new();
    for x in excludes {
        if !files.contains(&x.file.as_str()) {
            files.push(&x.file);
        }
    }
    format!("{} ({})", excludes.len(), files.join(", "))
}

fn delivery_text(policy: &Policy) -> String {
    let mut parts = Vec::new();
    if policy.mode == Mode::Shadow {
        parts.push("shadow".to_string());
    }
    match &policy.grouping {
        Some(Grouping::Dedup { window, .. }) => {
            parts.push(format!("dedup {}", format_duration(*window)))
        }
        Some(Grouping::Threshold { count, window, .. }) => {
            parts.push(format!("threshold {count} in {}", format_duration(*window)))
        }
        None => {}
    }
    if parts.is_empty() {
        "every match".to_string()
    } else {
        parts.join(", ")
    }
}

/// One JSON object a listed rule.
pub fn json_lines(config: &RuleConfig, all: bool) -> Vec<Value> {
    listed(config, all).map(rule_json).collect()
}

fn rule_json(rule: &Rule) -> Value {
    let p = &rule.provenance;
    let at = |o: Option<&Origin>| o.map(ToString::to_string);
    let enabled_from = match &p.enabled {
        EnabledBy::Entry => rule.origin.to_string(),
        EnabledBy::Selection(selection) => selection.clone(),
        EnabledBy::Override(origin) => origin.to_string(),
        EnabledBy::Setting(name) => name.clone(),
    };
    let (dedup, threshold) = match &rule.delivery.grouping {
        Some(Grouping::Dedup { window, .. }) => (Some(format_duration(*window)), None),
        Some(Grouping::Threshold { count, window, .. }) => (
            None,
            Some(json!({"count": count, "window": format_duration(*window)})),
        ),
        None => (None, None),
    };
    json!({
        "id": rule.id,
        "title": rule.title,
        "defined_at": rule.origin.to_string(),
        "severity": rule.severity.as_str(),
        "severity_from": at(p.severity.as_ref()),
        "enabled": rule.enabled,
        "enabled_by": p.enabled.kind(),
        "enabled_from": enabled_from,
        "scope": {"accounts": rule.scope.accounts, "regions": rule.scope.regions},
        "scope_from": at(p.scope.as_ref()),
        "excludes": p.excludes.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "tags": rule.tags,
        "delivery": {"mode": rule.delivery.mode, "dedup": dedup, "threshold": threshold},
        "delivery_from": at(p.delivery.as_ref()),
    })
}
