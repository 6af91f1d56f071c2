//! `test-event-pattern` off the documented path: plain paths, a bare
//! CloudTrail record instead of an event, a YAML pattern.

use crate::support::cli::{read_json, run, write};

#[test]
fn cli_test_event_pattern_takes_plain_paths_as_well_as_file_urls() {
    let dir = tempfile::tempdir().unwrap();
    let pattern = write(
        dir.path(),
        "p.json",
        br#"{"source": ["aws.ec2"], "detail": {"eventName": ["CreateVpc"]}}"#,
    );
    let plain = run(&[
        "test-event-pattern",
        "--event-pattern",
        &pattern,
        "--event",
        "events/vpc-create.json",
    ]);
    plain.assert_code(0);
    assert_eq!(plain.stdout, "{\"Result\":true}\n");
    assert_eq!(plain.stderr, "");
    let url = format!("file://{pattern}");
    let other = run(&[
        "test-event-pattern",
        "--event-pattern",
        &url,
        "--event",
        "file://events/route-create.json",
    ]);
    other.assert_code(0);
    assert_eq!(other.stdout, "{\"Result\":false}\n");
    let missing = run(&[
        "test-event-pattern",
        "--event-pattern",
        &pattern,
        "--event",
        "events/nope.json",
    ]);
    missing.assert_code(2);
    assert!(
        missing
            .stderr
            .starts_with("cloudtrail-alerts: cannot read --event file events/nope.json: "),
        "{missing:#?}"
    );
}

#[test]
fn cli_test_event_pattern_says_why_a_record_or_a_yaml_pattern_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let record = read_json("events/vpc-create.json")["detail"].clone();
    let bare = write(dir.path(), "bare.json", record.to_string().as_bytes());
    let got = run(&[
        "test-event-pattern",
        "--event-pattern",
        r#"{"source":["aws.ec2"]}"#,
        "--event",
        &bare,
    ]);
    got.assert_code(2);
    assert_eq!(got.stdout, "");
    assert!(
        got.stderr
            .starts_with("Parameter Event is not valid. Reason: this is a bare CloudTrail record")
            && got.stderr.contains("cloudtrail-alerts evaluate"),
        "{got:#?}"
    );

    let yaml = write(dir.path(), "p.yaml", b"source:\n  - aws.ec2\n");
    let got = run(&[
        "test-event-pattern",
        "--event-pattern",
        &yaml,
        "--event",
        "events/vpc-create.json",
    ]);
    got.assert_code(2);
    let lines: Vec<&str> = got.stderr.lines().collect();
    assert!(
        lines[0].starts_with("Event pattern is not valid. Reason: "),
        "{got:#?}"
    );
    assert_eq!(
        lines[1],
        "cloudtrail-alerts: patterns are JSON here; rule files take YAML"
    );
}
