//! `cloudtrail-alerts test`: the built-in rules' fixtures and the tests users
//! write in their rule files, as a pass/fail table and an exit code.

use cloudtrail_alerts::rules::{self, LoadOptions};

use crate::support::cli::{run, write};
use crate::support::{json_files, root};

#[test]
fn the_whole_pack_passes_its_fixtures() {
    let pack = rules::load(&LoadOptions {
        files: Vec::new(),
        builtin: "all".parse().expect("selection"),
    })
    .expect("pack loads");
    let fixtures: usize = pack
        .rules
        .iter()
        .map(|r| {
            let dir = root().join("tests/fixtures").join(&r.id);
            json_files(&dir.join("match")).len() + json_files(&dir.join("no-match")).len()
        })
        .sum();
    assert!(fixtures > 400, "{fixtures}");
    let run = run(&["test", "--builtin", "all"]);
    run.assert_code(0);
    assert_eq!(run.stderr, "");
    let last = run.stdout.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        format!("{fixtures} tests: {fixtures} passed, 0 failed")
    );
    assert_eq!(
        run.stdout
            .lines()
            .filter(|l| l.starts_with("PASS  "))
            .count(),
        fixtures
    );
}

const USER_RULES: &str = "rules:
  - id: iam-user-deleted
    title: IAM user deleted
    severity: high
    pattern:
      source: [aws.iam]
      detail:
        eventSource: [iam.amazonaws.com]
        eventName: [DeleteUser]
    tests:
      - name: deleted
        event:
          source: aws.iam
          detail-type: AWS API Call via CloudTrail
          detail: {eventSource: iam.amazonaws.com, eventName: DeleteUser}
        expect: alert
        alert: {severity: critical, event_name: DeleteUser}
      - name: created
        file: created.json
        expect: no-alert
";

#[test]
fn a_failing_user_test_is_shown_and_exits_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "mine.yaml", USER_RULES.as_bytes());
    write(
        dir.path(),
        "created.json",
        br#"{"source":"aws.iam","detail-type":"AWS API Call via CloudTrail","detail":{"eventSource":"iam.amazonaws.com","eventName":"CreateUser"}}"#,
    );
    let run = run(&["test", "--no-builtin", "--rules", &file]);
    run.assert_code(1);
    assert_eq!(run.stderr, "");
    let rows: Vec<Vec<&str>> = run
        .stdout
        .lines()
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(
        rows,
        [
            vec!["RULE", "TEST", "EXPECTED", "GOT"],
            vec![
                "FAIL",
                "iam-user-deleted",
                "deleted",
                r#"alert (severity: "critical", event_name: "DeleteUser")"#,
                r#"alert (severity: "high")"#
            ],
            vec![
                "PASS",
                "iam-user-deleted",
                "created",
                "no-alert",
                "no-alert"
            ],
            vec!["2 tests: 1 passed, 1 failed"],
        ]
    );
}

#[test]
fn a_missing_test_file_fails_its_test() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "mine.yaml", USER_RULES.as_bytes());
    let run = run(&["test", "--no-builtin", "--rules", &file]);
    run.assert_code(1);
    let created = run
        .stdout
        .lines()
        .find(|l| l.contains(" created "))
        .unwrap_or_default();
    assert!(
        created.starts_with("FAIL") && created.contains("error: cannot read"),
        "{run:?}"
    );
}

#[test]
fn a_wrong_test_is_a_rule_file_error_with_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = USER_RULES
        .replace("expect: no-alert", "expect: nothing")
        .replace("severity: critical,", "severty: critical,");
    let file = write(dir.path(), "mine.yaml", bad.as_bytes());
    let run = run(&["test", "--no-builtin", "--rules", &file]);
    run.assert_code(2);
    assert!(
        run.stderr.contains(&format!("{file}:17: rule `iam-user-deleted`: unknown alert field `severty` in a test; did you mean `severity`?")),
        "{run:?}"
    );
    assert!(
        run.stderr.contains(&format!(
            "{file}:20: rule `iam-user-deleted`: `expect` must be `alert` or `no-alert`"
        )),
        "{run:?}"
    );
}
