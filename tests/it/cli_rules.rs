//! `cloudtrail-alerts rules`, run as a user runs it: each rule's settings
//! and the file and line that set them, as aligned text and as JSON.

use std::collections::BTreeSet;

use crate::support::cli::{run, table, write};
use serde_json::Value;

/// Overrides of built-in rules, each on a known line, and a rule of its own.
const OVERRIDES: &str = "overrides:
  iam-policy-change:
    severity: critical
    exclude:
      - detail: {userIdentity: {type: [AWSService]}}
  vpc-change:
    enabled: false
  root-account-usage:
    scope: {accounts: [prod], regions: [us-east-1]}
    dedup: {window: 1h}
accounts:
  prod: [\"111122223333\"]
rules:
  - id: parked
    title: Parked rule
    severity: info
    enabled: false
    pattern: {source: [aws.ec2]}
";

fn overrides(dir: &std::path::Path) -> String {
    write(dir, "overrides.yaml", OVERRIDES.as_bytes())
}

#[test]
fn an_overridden_severity_names_the_override_file_in_text() {
    let dir = tempfile::tempdir().unwrap();
    let file = overrides(dir.path());
    let out = run(&["rules", "--all", "--rules", &file]);
    out.assert_code(0);
    let rows = table(&out.stdout);
    let row = |id: &str| {
        rows.iter()
            .find(|r| r["ID"] == id)
            .unwrap_or_else(|| panic!("{id} not listed: {out:#?}"))
            .clone()
    };
    let policy = row("iam-policy-change");
    assert_eq!(policy["SEVERITY"], format!("critical ({file}:2)"));
    // The pack's own exclude list is empty for this rule: the one exclude is ours.
    assert_eq!(policy["EXCLUDES"], format!("1 ({file})"));
    assert!(policy["DEFINED"].starts_with("builtin:"), "{policy:?}");
    assert_eq!(policy["TITLE"], "IAM policy changed");

    assert_eq!(
        row("vpc-change")["STATUS"],
        format!("off (override {file}:6)")
    );
    assert_eq!(row("parked")["STATUS"], "off (enabled: false)");
    assert_eq!(row("ssm-send-command")["STATUS"], "off (opt-in)");
    assert_eq!(row("transit-gateway-change")["EXCLUDES"], "1 (builtin)");

    let root = row("root-account-usage");
    assert_eq!(
        root["SCOPE"],
        format!("accounts prod=111122223333; regions us-east-1 ({file}:8)")
    );
    assert_eq!(root["DELIVERY"], format!("dedup 1h ({file}:8)"));
    assert_eq!(root["SEVERITY"], "critical");
    assert_eq!(root["STATUS"], "on");
}

#[test]
fn a_selection_that_turns_rules_on_or_off_is_named() {
    let out = run(&["rules", "--all", "--builtin", "evasion,ssm-send-command"]);
    out.assert_code(0);
    let rows = table(&out.stdout);
    let status = |id: &str| {
        rows.iter()
            .find(|r| r["ID"] == id)
            .map(|r| r["STATUS"].clone())
            .unwrap_or_else(|| panic!("{id} not listed: {out:#?}"))
    };
    // An opt-in rule named, a default rule left out, a default rule kept.
    assert_eq!(
        status("ssm-send-command"),
        "on (--builtin evasion,ssm-send-command)"
    );
    assert_eq!(
        status("root-account-usage"),
        "off (--builtin evasion,ssm-send-command)"
    );
    assert_eq!(status("guardduty-detector-disabled"), "on");
}

#[test]
fn columns_align_under_their_headings() {
    let dir = tempfile::tempdir().unwrap();
    let file = overrides(dir.path());
    let out = run(&["rules", "--all", "--rules", &file]);
    out.assert_code(0);
    let mut lines = out.stdout.lines();
    let heading = lines.next().unwrap();
    let starts: Vec<usize> = [
        "SEVERITY", "STATUS", "SCOPE", "EXCLUDES", "TAGS", "DELIVERY", "DEFINED", "TITLE",
    ]
    .iter()
    .map(|h| {
        heading
            .find(&format!("  {h}"))
            .map(|i| i + 2)
            .unwrap_or_else(|| panic!("no {h}: {heading}"))
    })
    .collect();
    let mut rows = 0;
    for line in lines {
        let chars: Vec<char> = line.chars().collect();
        for &s in &starts {
            // Two spaces before every column, and a cell starting there.
            assert!(
                chars[s - 2] == ' ' && chars[s - 1] == ' ' && chars[s] != ' ',
                "column at {s} misaligned in: {line}"
            );
        }
        rows += 1;
    }
    assert!(rows > 50, "{rows} rows");
}

/// The fields docs/cli.md documents for `rules --format json`.
const FIELDS: &[&str] = &[
    "id",
    "title",
    "defined_at",
    "severity",
    "severity_from",
    "enabled",
    "enabled_by",
    "enabled_from",
    "scope",
    "scope_from",
    "excludes",
    "tags",
    "delivery",
    "delivery_from",
];

#[test]
fn json_has_the_documented_fields_and_the_override_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = overrides(dir.path());
    let out = run(&["rules", "--all", "--format", "json", "--rules", &file]);
    out.assert_code(0);
    let lines = out.json_lines();
    let documented: BTreeSet<&str> = FIELDS.iter().copied().collect();
    for line in &lines {
        let keys: BTreeSet<&str> = line
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, documented, "{line}");
    }
    let docs = std::fs::read_to_string(crate::support::cli::root().join("docs/cli.md")).unwrap();
    for field in FIELDS {
        assert!(
            docs.contains(&format!("`{field}`")),
            "docs/cli.md does not document `{field}`"
        );
    }
    let rule = |id: &str| -> &Value { lines.iter().find(|l| l["id"] == id).unwrap() };
    let policy = rule("iam-policy-change");
    assert_eq!(policy["severity"], "critical");
    assert_eq!(policy["severity_from"], format!("{file}:2"));
    assert_eq!(policy["excludes"], serde_json::json!([format!("{file}:5")]));
    let vpc = rule("vpc-change");
    assert_eq!(vpc["enabled"], false);
    assert_eq!(vpc["enabled_by"], "override");
    assert_eq!(vpc["enabled_from"], format!("{file}:6"));
    let root = rule("root-account-usage");
    assert_eq!(
        root["scope"]["accounts"],
        serde_json::json!(["111122223333"])
    );
    assert_eq!(root["scope_from"], format!("{file}:8"));
    assert_eq!(root["delivery"]["dedup"], "1h");
    assert_eq!(root["severity_from"], Value::Null);
}
