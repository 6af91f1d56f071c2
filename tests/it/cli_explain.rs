//! `evaluate --explain` and `--why RULE` (and the same in `render`), run as a
//! user runs them: why each rule did or did not alert for an event.

use crate::support::cli::{run, write};
use serde_json::Value;

/// A real-shaped PutRolePolicy by an assumed role in 111122223333, us-east-1.
const EVENT: &str = "events/iam-put-role-policy.json";

/// A rule that misses the sample by one field (the role name), and
/// overrides that silence, re-scope or turn off the built-in rule that
/// alerts on it.
fn rules_file(dir: &std::path::Path, overrides: &str) -> String {
    let text = format!(
        "rules:
  - id: admin-role-policy
    title: Inline policy put on an admin role
    severity: high
    pattern:
      source: [aws.iam]
      detail:
        eventName: [PutRolePolicy]
        requestParameters:
          roleName: [{{prefix: admin-}}]
overrides:
{overrides}"
    );
    write(dir, "my-rules.yaml", text.as_bytes())
}

fn explain_text(args: &[&str]) -> (crate::support::cli::Run, Vec<String>) {
    let out = run(args);
    let lines = out.stdout.lines().map(str::to_string).collect();
    (out, lines)
}

/// The explanation line of `rule`, with runs of spaces squeezed.
fn line_of(lines: &[String], rule: &str) -> String {
    let line = lines
        .iter()
        .find(|l| l.starts_with(&format!("  {rule} ")))
        .unwrap_or_else(|| panic!("no explanation line for {rule}: {lines:#?}"));
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn a_rule_missed_by_one_field_names_the_field_what_it_wanted_and_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rules_file(dir.path(), "  {}\n");
    let (out, lines) = explain_text(&[
        "evaluate",
        "--format",
        "text",
        "--rules",
        &rules,
        "--why",
        "admin-role-policy",
        EVENT,
    ]);
    out.assert_code(0);
    assert_eq!(
        line_of(&lines, "admin-role-policy"),
        r#"admin-role-policy no match detail.requestParameters.roleName: wanted prefix "admin-", saw "app-orders-api""#,
        "{out:#?}"
    );
    let heading = "explain events/iam-put-role-policy.json: record 1: PutRolePolicy \
                   iam.amazonaws.com 111122223333 us-east-1";
    assert!(lines.iter().any(|l| l == heading), "{lines:#?}");
}

#[test]
fn an_excluded_event_names_the_exclude_and_where_it_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rules_file(
        dir.path(),
        "  iam-policy-change:\n    exclude:\n      - detail: {userIdentity: {type: [AssumedRole]}}\n",
    );
    let (out, lines) = explain_text(&[
        "evaluate",
        "--format",
        "text",
        "--rules",
        &rules,
        "--explain",
        EVENT,
    ]);
    out.assert_code(0);
    // The exclude is the list item on line 14 of the file.
    assert_eq!(
        line_of(&lines, "iam-policy-change"),
        format!("iam-policy-change excluded by exclude[0] at {rules}:14"),
        "{out:#?}"
    );
    assert!(
        !out.stdout.contains("HIGH "),
        "the excluded rule alerted: {out:#?}"
    );
}

#[test]
fn an_out_of_scope_account_is_named_with_the_accounts_wanted() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rules_file(
        dir.path(),
        "  iam-policy-change:\n    scope: {accounts: [\"444455556666\"]}\n",
    );
    let (out, lines) = explain_text(&[
        "evaluate",
        "--format",
        "text",
        "--rules",
        &rules,
        "--explain",
        EVENT,
    ]);
    out.assert_code(0);
    assert_eq!(
        line_of(&lines, "iam-policy-change"),
        r#"iam-policy-change out of scope account: wanted one of [444455556666], saw "111122223333""#,
        "{out:#?}"
    );
}

#[test]
fn a_disabled_rule_says_what_disabled_it_and_that_it_would_match() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rules_file(dir.path(), "  iam-policy-change:\n    enabled: false\n");
    let (out, lines) = explain_text(&[
        "evaluate",
        "--format",
        "text",
        "--rules",
        &rules,
        "--why",
        "iam-policy-change",
        EVENT,
    ]);
    out.assert_code(0);
    assert_eq!(
        line_of(&lines, "iam-policy-change"),
        format!("iam-policy-change disabled by override in {rules}:12; the pattern matches"),
        "{out:#?}"
    );
    // Only the heading and the one rule asked about.
    assert_eq!(lines.len(), 2, "{out:#?}");
}

#[test]
fn a_matching_rule_says_so_with_its_delivery_and_the_columns_align() {
    let (out, lines) = explain_text(&["evaluate", "--format", "text", "--explain", EVENT]);
    out.assert_code(0);
    assert!(
        lines[0].contains("iam-policy-change"),
        "the alert line comes first: {lines:#?}"
    );
    assert_eq!(
        line_of(&lines, "iam-policy-change"),
        "iam-policy-change matched delivery: sent"
    );
    let rule_lines: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("  ") && !l.contains("other rule"))
        .collect();
    assert!(rule_lines.len() >= 2, "{lines:#?}");
    let verdict_column = |l: &str| {
        let after_id = l[2..].find(' ').map(|i| i + 2).unwrap();
        after_id + l[after_id..].find(|c: char| c != ' ').unwrap()
    };
    let first = verdict_column(rule_lines[0]);
    for l in &rule_lines {
        assert_eq!(verdict_column(l), first, "not aligned: {lines:#?}");
    }
}

#[test]
fn why_an_unknown_rule_fails_with_a_suggestion() {
    let out = run(&["evaluate", "--why", "iam-policy-chang", EVENT]);
    out.assert_code(2);
    assert!(out.stdout.is_empty(), "{out:#?}");
    assert!(
        out.stderr.contains(
            "no loaded rule has the id `iam-policy-chang`; did you mean `iam-policy-change`?"
        ),
        "{out:#?}"
    );
}

#[test]
fn json_explanations_are_one_line_per_event_with_the_documented_fields() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rules_file(dir.path(), "  {}\n");
    let out = run(&[
        "evaluate",
        "--format",
        "json",
        "--rules",
        &rules,
        "--explain",
        EVENT,
    ]);
    out.assert_code(0);
    let lines = out.json_lines();
    let explained: Vec<&Value> = lines
        .iter()
        .filter(|l| l.get("explain").is_some())
        .collect();
    assert_eq!(explained.len(), 1, "{out:#?}");
    let e = explained[0];
    assert_eq!(e["source_file"], EVENT);
    assert_eq!(e["record"], 1);
    assert_eq!(e["event_name"], "PutRolePolicy");
    assert!(
        e["rules_not_listed"].as_u64().is_some_and(|n| n > 10),
        "{e}"
    );
    let verdict = |rule: &str| {
        e["explain"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["rule"] == rule)
            .unwrap_or_else(|| panic!("no verdict for {rule}: {e}"))
            .clone()
    };
    let missed = verdict("admin-role-policy");
    assert_eq!(missed["verdict"], "no-match");
    assert_eq!(missed["candidate"], true);
    assert_eq!(missed["path"], "detail.requestParameters.roleName");
    assert_eq!(missed["wanted"], "prefix \"admin-\"");
    assert_eq!(missed["seen"], serde_json::json!(["app-orders-api"]));
    assert_eq!(verdict("iam-policy-change")["verdict"], "matched");
    assert_eq!(verdict("iam-policy-change")["delivery"], "sent");
    // The alert line is still there.
    assert!(
        lines.iter().any(|l| l["rule"] == "iam-policy-change"),
        "{out:#?}"
    );
}

#[test]
fn render_explains_too() {
    let out = run(&["render", "--why", "iam-policy-change", EVENT]);
    out.assert_code(0);
    let lines = out.json_lines();
    let explained: Vec<&Value> = lines
        .iter()
        .filter(|l| l.get("explain").is_some())
        .collect();
    assert_eq!(explained.len(), 1, "{out:#?}");
    assert_eq!(explained[0]["explain"][0]["verdict"], "matched");
    assert!(
        lines.iter().any(|l| l.get("topic_arn").is_some()),
        "{out:#?}"
    );
}

#[test]
fn every_event_of_every_input_gets_its_own_explanation() {
    let out = run(&[
        "evaluate",
        "--format",
        "json",
        "--why",
        "root-account-usage",
        "events/root-console-login.json",
        "events/cloudtrail-log-file.json",
    ]);
    out.assert_code(0);
    let explained: Vec<(String, u64, String)> = out
        .json_lines()
        .iter()
        .filter(|l| l.get("explain").is_some())
        .map(|l| {
            (
                l["source_file"].as_str().unwrap().to_string(),
                l["record"].as_u64().unwrap(),
                l["explain"][0]["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let log = crate::support::cli::read_json("events/cloudtrail-log-file.json");
    let records = log["Records"].as_array().unwrap().len() as u64;
    assert_eq!(explained.len() as u64, 1 + records, "{out:#?}");
    assert_eq!(
        explained[0],
        (
            "events/root-console-login.json".to_string(),
            1,
            "matched".to_string()
        )
    );
    for (i, (file, record, _)) in explained[1..].iter().enumerate() {
        assert_eq!(file, "events/cloudtrail-log-file.json");
        assert_eq!(*record, i as u64 + 1);
    }
}
