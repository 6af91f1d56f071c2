//! `validate` warns about patterns that load but can never match a
//! CloudTrail event; `--strict` makes the warnings errors.

use crate::support::cli::{run, write};

const NEVER_MATCH: &[u8] = br#"rules:
  - id: no-detail
    title: User created
    severity: low
    pattern:
      eventName: [CreateUser]
  - id: service-host-as-source
    title: IAM call
    severity: low
    pattern:
      source: [iam.amazonaws.com]
  - id: wrong-case
    title: User created
    severity: low
    pattern:
      source: [aws.iam]
      detail:
        EventName: [CreateUser]
"#;

#[test]
fn cli_validate_warns_with_did_you_mean_and_strict_fails() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "never.yaml", NEVER_MATCH);
    let got = run(&["validate", &file]);
    got.assert_code(0);
    assert!(
        got.stdout.starts_with(&format!("{file}: OK (")) && got.stdout.ends_with(" warnings)\n"),
        "{got:#?}"
    );
    // The rules also lack a `source` or name no calls, which other warnings
    // say; these are the ones about keys and values no event has.
    let lines: Vec<&str> = got
        .stderr
        .lines()
        .filter(|l| l.contains("never matches"))
        .collect();
    assert_eq!(lines.len(), 3, "{got:#?}");
    assert!(lines[0].starts_with(&format!(
        "{file}:2: warning: rule `no-detail`: pattern: `eventName`"
    )));
    assert!(
        lines[0].ends_with("did you mean `detail.eventName`?"),
        "{}",
        lines[0]
    );
    assert!(lines[1].starts_with(&format!(
        "{file}:7: warning: rule `service-host-as-source`: pattern: source `iam.amazonaws.com`"
    )));
    assert!(
        lines[1].ends_with("did you mean `aws.iam`?"),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with(&format!(
        "{file}:12: warning: rule `wrong-case`: pattern: `detail.EventName`"
    )));
    assert!(
        lines[2].ends_with("did you mean `detail.eventName`?"),
        "{}",
        lines[2]
    );

    let strict = run(&["validate", "--strict", &file]);
    strict.assert_code(2);
    assert_eq!(strict.stdout, "");
    assert!(strict.stderr.contains("never matches"), "{strict:#?}");
    assert!(
        strict.stderr.ends_with(" warnings (--strict)\n"),
        "{strict:#?}"
    );
}

#[test]
fn cli_validate_is_quiet_for_patterns_that_can_match() {
    let dir = tempfile::tempdir().unwrap();
    // The near miss of each warning above, written right.
    let good = write(
        dir.path(),
        "good.yaml",
        br#"rules:
  - id: user-created
    title: User created
    severity: low
    pattern:
      source: [aws.iam]
      detail-type: [AWS API Call via CloudTrail]
      detail:
        eventName: [CreateUser]
        userIdentity:
          type: [Root]
  - id: instance-stopped
    title: Instance stopped
    severity: low
    pattern:
      source: [aws.ec2]
      detail-type: [EC2 Instance State-change Notification]
      detail:
        state: [stopped]
"#,
    );
    // The built-in pack has no such warning, nor has the file (the state
    // change rule is only told the deployed pre-filter passes no EC2 state
    // changes).
    run(&["validate", "--strict"]).assert_code(0);
    let got = run(&["validate", &good]);
    got.assert_code(0);
    assert!(!got.stderr.contains("never matches"), "{got:#?}");
    assert!(!got.stderr.contains("did you mean"), "{got:#?}");
}

#[test]
fn cli_validate_says_to_quote_a_wildcard_yaml_reads_as_an_alias() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "anchor.yaml",
        b"rules:\n  - id: creates\n    title: Creates\n    severity: low\n    pattern:\n      source: [aws.iam]\n      detail:\n        eventName: [*Create]\n",
    );
    let got = run(&["validate", &file]);
    got.assert_code(2);
    assert_eq!(got.stdout, "");
    let first = got.stderr.lines().next().unwrap();
    assert!(
        first.starts_with(&format!("{file}:8: YAML syntax error: ")),
        "{got:#?}"
    );
    assert!(
        first.contains("unknown anchor")
            && first.ends_with(
                "quote it; \"*Create\" is the literal text, {wildcard: \"*Create\"} the wildcard)"
            ),
        "{got:#?}"
    );
    // Quoted, it is the wildcard the user meant.
    let quoted = write(
        dir.path(),
        "quoted.yaml",
        b"rules:\n  - id: creates\n    title: Creates\n    severity: low\n    pattern:\n      source: [aws.iam]\n      detail:\n        eventName: [{wildcard: \"*Create\"}]\n",
    );
    run(&["validate", &quoted]).assert_code(0);
}

#[test]
fn cli_validate_reports_every_pattern_error_of_a_rule_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "mistakes.yaml",
        br#"rules:
  - id: two-mistakes
    title: Three mistakes
    severity: low
    pattern:
      source: [aws.ec2]
      detail:
        eventName: []
        sourceIPAddress: [{cidr: "203.0.113.7/32"}]
        userAgent: [{prefix: 5}]
  - id: json-string
    title: JSON string
    severity: low
    pattern: '{"source": ["aws.ec2"], "detail": '
"#,
    );
    let got = run(&["validate", &file]);
    got.assert_code(2);
    assert_eq!(got.stdout, "");
    let lines: Vec<&str> = got.stderr.lines().collect();
    assert_eq!(lines.len(), 5, "{got:#?}");
    let rule = format!("{file}:8: rule `two-mistakes`: `pattern` at `detail.eventName`: ");
    assert_eq!(
        lines[0],
        format!("{rule}Event pattern is not valid. Reason: Empty arrays are not allowed")
    );
    // EventBridge's reason, then what to write instead.
    assert!(
        lines[1].starts_with(&format!(
            "{file}:9: rule `two-mistakes`: `pattern` at `detail.sourceIPAddress`: \
             Event pattern is not valid. Reason: IPv4 mask bits must be < 32; use the plain address"
        )),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with(&format!(
            "{file}:10: rule `two-mistakes`: `pattern` at `detail.userAgent`: "
        )),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].starts_with(&format!(
            "{file}:14: rule `json-string`: `pattern` is a string but not valid JSON"
        )),
        "{}",
        lines[3]
    );
    assert_eq!(lines[4], "cloudtrail-alerts: 4 problems found");

    // The near miss: one address written plainly loads.
    let plain = write(
        dir.path(),
        "plain.yaml",
        br#"rules:
  - id: one-address
    title: One address
    severity: low
    pattern:
      source: [aws.ec2]
      detail:
        sourceIPAddress: ["203.0.113.7"]
"#,
    );
    let got = run(&["validate", &plain]);
    got.assert_code(0);
    assert!(!got.stderr.contains("not valid"), "{got:#?}");
}
