//! The other subcommands as users run them: render, test-event-pattern,
//! validate, rules, and the help text.

use crate::support::cli::{self, read_json, run, run_stdin, write};
use serde_json::{Value, json};

/// The built-in pack's rules: `(all, enabled)`, read from the library so the
/// CLI's listing is checked against the pack itself.
fn pack_counts() -> (usize, usize) {
    let cfg = cloudtrail_alerts::rules::load_sources(&[], true).unwrap();
    (
        cfg.rules.len(),
        cfg.rules.iter().filter(|r| r.enabled).count(),
    )
}

// ---------------------------------------------------------------- render

#[test]
fn render_prints_one_publish_request_per_alert_and_destination() {
    let got = run(&[
        "render",
        "events/root-console-login.json",
        "events/vpc-create.json",
        "events/s3-get-object.json",
    ]);
    got.assert_code(0);
    assert_eq!(got.stderr, "");
    let lines = got.json_lines();
    let rules: Vec<&str> = lines.iter().map(|l| l["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["root-account-usage", "vpc-change"]);
    for line in &lines {
        let keys: Vec<&str> = line
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        for key in [
            "rule",
            "destination",
            "topic_arn",
            "subject",
            "message",
            "attributes",
        ] {
            assert!(keys.contains(&key), "{key} missing: {line}");
        }
        assert_eq!(line["destination"], "alerts");
        assert_eq!(
            line["topic_arn"],
            "arn:aws:sns:us-east-1:111122223333:cloudtrail-alerts"
        );
        let message = &line["message"];
        for protocol in ["default", "email", "sms", "https"] {
            assert!(
                message[protocol].as_str().is_some_and(|m| !m.is_empty()),
                "{protocol}: {line}"
            );
        }
        // The JSON destinations get JSON.
        let default: Value = serde_json::from_str(message["default"].as_str().unwrap()).unwrap();
        assert_eq!(default["rule"], line["rule"]);
        let _: Value = serde_json::from_str(message["https"].as_str().unwrap()).unwrap();
        assert_eq!(line["attributes"]["rule"], line["rule"]);
    }
    let root = &lines[0];
    assert_eq!(root["attributes"]["severity"], "critical");
    assert!(
        root["subject"]
            .as_str()
            .unwrap()
            .contains("Root account used"),
        "{}",
        root["subject"]
    );
    assert!(
        root["message"]["email"]
            .as_str()
            .unwrap()
            .contains("203.0.113.77")
    );
    let vpc = &lines[1];
    assert_eq!(vpc["attributes"]["event_name"], "CreateVpc");
    assert!(
        vpc["message"]["sms"]
            .as_str()
            .unwrap()
            .contains("CreateVpc")
    );
}

#[test]
fn render_subjects_fit_sns_limits_for_every_sample() {
    let mut args = vec!["render".to_string()];
    args.extend(cli::sample_events());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let got = run(&args);
    got.assert_code(0);
    let lines = got.json_lines();
    assert!(lines.len() >= 17);
    for line in lines {
        let subject = line["subject"].as_str().unwrap();
        // SNS: at most 100 characters, ASCII-safe, no line breaks or control characters.
        assert!(subject.len() <= 100, "{subject}");
        assert!(!subject.chars().any(char::is_control), "{subject:?}");
        assert!(!subject.is_empty());
    }
}

#[test]
fn render_routes_sms_to_critical_alerts_by_default() {
    let events = ["events/root-console-login.json", "events/vpc-create.json"];
    let sms = "arn:aws:sns:eu-west-1:111122223333:pager";
    let got = run(&["render", "--sms-topic-arn", sms, events[0], events[1]]);
    got.assert_code(0);
    let routed: Vec<(String, String, String)> = got
        .json_lines()
        .iter()
        .map(|l| {
            (
                l["rule"].as_str().unwrap().into(),
                l["destination"].as_str().unwrap().into(),
                l["topic_arn"].as_str().unwrap().into(),
            )
        })
        .collect();
    let main = "arn:aws:sns:us-east-1:111122223333:cloudtrail-alerts";
    let expect = |r: &str, d: &str, t: &str| (r.to_string(), d.to_string(), t.to_string());
    assert_eq!(
        routed,
        [
            expect("root-account-usage", "alerts", main),
            expect("root-account-usage", "sms", sms),
            expect("vpc-change", "alerts", main),
        ]
    );

    // Lower the SMS bar, raise the main one, and change the main topic.
    let topic = "arn:aws:sns:eu-west-1:111122223333:security";
    let got = run(&[
        "render",
        "--topic-arn",
        topic,
        "--min-severity",
        "high",
        "--sms-topic-arn",
        sms,
        "--sms-min-severity",
        "medium",
        events[0],
        events[1],
    ]);
    got.assert_code(0);
    let routed: Vec<(String, String)> = got
        .json_lines()
        .iter()
        .map(|l| {
            (
                l["rule"].as_str().unwrap().into(),
                l["topic_arn"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        routed,
        [
            ("root-account-usage".into(), topic.into()),
            ("root-account-usage".into(), sms.into()),
            ("vpc-change".into(), sms.into()),
        ]
    );
}

#[test]
fn render_previews_the_routing_of_the_function_environment() {
    let events = ["events/root-console-login.json", "events/vpc-create.json"];
    let main = "arn:aws:sns:eu-west-1:111122223333:security";
    let sms = "arn:aws:sns:eu-west-1:111122223333:pager";
    let soc = "arn:aws:sns:eu-west-1:444455556666:soc";
    let env = [
        ("ALERT_TOPIC_ARN", main),
        ("SMS_TOPIC_ARN", sms),
        ("EXTRA_DESTINATIONS", &*format!("soc={soc}@critical")),
    ];
    let routed = |got: &crate::support::cli::Run| -> Vec<(String, String, String)> {
        got.json_lines()
            .iter()
            .map(|l| {
                let s = |k: &str| l[k].as_str().unwrap().to_string();
                (s("rule"), s("destination"), s("topic_arn"))
            })
            .collect()
    };
    let expect = |r: &str, d: &str, t: &str| (r.to_string(), d.to_string(), t.to_string());
    let got = crate::support::cli::run_with(&["render", events[0], events[1]], None, &env);
    got.assert_code(0);
    assert_eq!(
        routed(&got),
        [
            expect("root-account-usage", "alerts", main),
            expect("root-account-usage", "sms", sms),
            expect("root-account-usage", "soc", soc),
            expect("vpc-change", "alerts", main),
        ]
    );

    // An option takes precedence over the variable it names.
    let got = crate::support::cli::run_with(
        &["render", "--sms-min-severity", "medium", events[1]],
        None,
        &env,
    );
    got.assert_code(0);
    assert_eq!(
        routed(&got),
        [
            expect("vpc-change", "alerts", main),
            expect("vpc-change", "sms", sms),
        ]
    );

    // The function would refuse this configuration at cold start; so does render.
    let got = crate::support::cli::run_with(
        &["render", events[0]],
        None,
        &[("EXTRA_DESTINATIONS", &*format!("alerts={soc}"))],
    );
    got.assert_code(2);
    assert_eq!(got.stdout, "");
    assert!(
        got.stderr.contains("\"alerts\" is used twice"),
        "{}",
        got.stderr
    );
}

#[test]
fn render_shares_evaluate_input_handling_and_exit_codes() {
    let bytes = cli::read("events/vpc-create.json");
    let got = run_stdin(&["render"], &bytes);
    got.assert_code(0);
    assert_eq!(got.json_lines().len(), 1);
    let got = run(&["render", "missing.json", "events/vpc-create.json"]);
    got.assert_code(1);
    assert_eq!(got.json_lines().len(), 1);
    assert!(
        got.stderr.contains("missing.json: cannot open"),
        "{}",
        got.stderr
    );
    let got = run(&[
        "render",
        "--min-severity",
        "urgent",
        "events/vpc-create.json",
    ]);
    got.assert_code(2);
    assert_eq!(got.stdout, "");
}

// ---------------------------------------------------- test-event-pattern

/// An event with every field TestEventPattern requires, and `detail`.
fn event(detail: Value) -> String {
    json!({
        "id": "7bf73129-1428-4cd3-a780-95db273d1602",
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.ec2",
        "account": "123456789012",
        "time": "2025-03-11T10:15:42Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    })
    .to_string()
}

fn tep(pattern: &str, event: &str) -> cli::Run {
    run(&[
        "test-event-pattern",
        "--event-pattern",
        pattern,
        "--event",
        event,
    ])
}

fn result_of(run: &cli::Run) -> bool {
    run.assert_code(0);
    assert_eq!(run.stderr, "");
    let lines = run.json_lines();
    assert_eq!(lines.len(), 1, "{run:?}");
    let object = lines[0].as_object().unwrap();
    assert_eq!(object.len(), 1, "{run:?}");
    object["Result"].as_bool().expect("Result is a boolean")
}

/// Answers EventBridge gives (see the pattern spec's AWS-validated cases).
#[test]
fn test_event_pattern_answers_like_eventbridge() {
    let cases: &[(&str, Value, bool)] = &[
        (r#"{"source": ["aws.ec2"]}"#, json!({}), true),
        (r#"{"source": ["aws.s3"]}"#, json!({}), false),
        (r#"{"Source": ["aws.ec2"]}"#, json!({}), false),
        // Numbers compare by value; types are strict.
        (r#"{"detail": {"n": [300]}}"#, json!({"n": 300.0}), true),
        (r#"{"detail": {"n": ["300"]}}"#, json!({"n": 300}), false),
        (
            r#"{"detail": {"n": [{"numeric": [">", 100]}]}}"#,
            json!({"n": 101.0}),
            true,
        ),
        (
            r#"{"detail": {"n": [{"numeric": [">", 100]}]}}"#,
            json!({"n": "300"}),
            false,
        ),
        // null is a value; a missing field is not null.
        (r#"{"detail": {"x": [null]}}"#, json!({"x": null}), true),
        (r#"{"detail": {"x": [null]}}"#, json!({}), false),
        (
            r#"{"detail": {"x": [{"exists": true}]}}"#,
            json!({"x": null}),
            true,
        ),
        (
            r#"{"detail": {"x": [{"exists": false}]}}"#,
            json!({"x": []}),
            true,
        ),
        (
            r#"{"detail": {"x": [{"exists": true}]}}"#,
            json!({"x": {"y": 1}}),
            false,
        ),
        (
            r#"{"detail": {"x": [{"prefix": ""}]}}"#,
            json!({"x": ""}),
            true,
        ),
        (
            r#"{"detail": {"x": [{"suffix": "Bucket"}]}}"#,
            json!({"x": "headbucket"}),
            false,
        ),
        // anything-but: some leaf must be outside; a missing field never matches.
        (
            r#"{"detail": {"x": [{"anything-but": "a"}]}}"#,
            json!({"x": ["a", "b"]}),
            true,
        ),
        (
            r#"{"detail": {"x": [{"anything-but": "a"}]}}"#,
            json!({"x": ["a"]}),
            false,
        ),
        (
            r#"{"detail": {"x": [{"anything-but": "a"}]}}"#,
            json!({}),
            false,
        ),
        (
            r#"{"detail": {"x": [{"anything-but": "a"}]}}"#,
            json!({"x": null}),
            true,
        ),
        (
            r#"{"detail": {"x": [{"anything-but": {"prefix": "Describe"}}]}}"#,
            json!({"x": "DescribeVpcs"}),
            false,
        ),
        (
            r#"{"detail": {"ip": [{"cidr": "10.0.0.0/24"}]}}"#,
            json!({"ip": "10.0.0.77"}),
            true,
        ),
        (
            r#"{"detail": {"ip": [{"cidr": "10.0.0.0/24"}]}}"#,
            json!({"ip": "10.0.1.1"}),
            false,
        ),
        (
            r#"{"detail": {"ip": [{"cidr": "2001:db8::/32"}]}}"#,
            json!({"ip": "2001:DB8:0:0::1"}),
            true,
        ),
        (
            r#"{"detail": {"x": [{"equals-ignore-case": "alice"}]}}"#,
            json!({"x": "ALICE"}),
            true,
        ),
        (
            r#"{"detail": {"x": [{"wildcard": "arn:*:role/Admin"}]}}"#,
            json!({"x": "arn:aws:iam::1:role/Admin"}),
            true,
        ),
        (
            r#"{"detail": {"x": [{"wildcard": "arn:*:role/Admin"}]}}"#,
            json!({"x": "arn:aws:iam::1:role/admin"}),
            false,
        ),
        // Dotted keys and nested keys name the same path; arrays are transparent.
        (
            r#"{"detail.state": ["running"]}"#,
            json!({"state": "running"}),
            true,
        ),
        (
            r#"{"detail": {"items": {"id": ["b"]}}}"#,
            json!({"items": [{"id": "a"}, {"id": "b"}]}),
            true,
        ),
        // JSON inside a string is just a string.
        (
            r#"{"detail": {"x": {"y": ["1"]}}}"#,
            json!({"x": "{\"y\": \"1\"}"}),
            false,
        ),
        // Type-mixed anything-but, escaped wildcard star, duplicate keys (last wins).
        (
            r#"{"detail": {"x": [{"anything-but": ["a"]}]}}"#,
            json!({"x": 5}),
            true,
        ),
        (
            r#"{"detail": {"x": [{"anything-but": [300]}]}}"#,
            json!({"x": 3.0e2}),
            false,
        ),
        (
            r#"{"detail": {"x": [{"wildcard": "a\\*b"}]}}"#,
            json!({"x": "a*b"}),
            true,
        ),
        (
            r#"{"detail": {"x": [{"wildcard": "a\\*b"}]}}"#,
            json!({"x": "axb"}),
            false,
        ),
        (
            r#"{"source": ["aws.s3"], "source": ["aws.ec2"]}"#,
            json!({}),
            true,
        ),
        (
            r#"{"detail": {"x": [{"exists": true}]}}"#,
            json!({"x": []}),
            false,
        ),
        (
            r#"{"detail": {"x": [{"cidr": "10.0.0.0/8"}]}}"#,
            json!({"x": "10.0.0.256"}),
            false,
        ),
        // Array consistency: both fields must hold in the same element.
        (
            r#"{"detail": {"i": {"a": ["1"], "b": ["4"]}}}"#,
            json!({"i": [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]}),
            false,
        ),
        (
            r#"{"detail": {"i": {"a": ["1"], "b": ["2"]}}}"#,
            json!({"i": [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]}),
            true,
        ),
        (
            r#"{"source": ["aws.ec2"], "$or": [{"detail": {"a": ["1"]}}, {"detail": {"b": ["2"]}}]}"#,
            json!({"b": "2"}),
            true,
        ),
        (
            r#"{"source": ["aws.s3"], "$or": [{"detail": {"a": ["1"]}}, {"detail": {"b": ["2"]}}]}"#,
            json!({"b": "2"}),
            false,
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (pattern, detail, expected) in cases {
        let event = event(detail.clone());
        let got = tep(pattern, &event);
        assert_eq!(result_of(&got), *expected, "{pattern} on {detail}");
        // The same pattern as a rule: evaluate's indexed matcher must agree
        // with test-event-pattern.
        let rules = json!({"rules": [{"id": "case", "title": "Case", "severity": "low", "pattern": pattern}]});
        let rules = write(dir.path(), "case.json", rules.to_string().as_bytes());
        let fired = run_stdin(
            &["evaluate", "--no-builtin", "--rules", &rules],
            event.as_bytes(),
        );
        fired.assert_code(0);
        assert_eq!(
            fired.rules() == ["case"],
            *expected,
            "evaluate: {pattern} on {detail}"
        );
    }
}

#[test]
fn test_event_pattern_reads_file_urls_and_sample_events() {
    let dir = tempfile::tempdir().unwrap();
    let pattern = write(
        dir.path(),
        "pattern.json",
        br#"{"detail-type": ["AWS API Call via CloudTrail"], "detail": {"eventName": ["CreateVpc"]}}"#,
    );
    let pattern_arg = format!("file://{pattern}");
    let got = tep(&pattern_arg, "file://events/vpc-create.json");
    assert!(result_of(&got));
    let got = tep(&pattern_arg, "file://events/route-create.json");
    assert!(!result_of(&got));
    // The output is the JSON the AWS CLI prints.
    let got = tep(&pattern_arg, "file://events/vpc-create.json");
    assert_eq!(
        serde_json::from_str::<Value>(&got.stdout).unwrap(),
        json!({"Result": true})
    );

    let got = tep(
        "file:///no/such/pattern.json",
        "file://events/vpc-create.json",
    );
    got.assert_code(2);
    assert!(
        got.stderr.contains("/no/such/pattern.json"),
        "{}",
        got.stderr
    );
    let got = tep(&pattern_arg, "file://no-such-event.json");
    got.assert_code(2);
    assert!(got.stderr.contains("no-such-event.json"), "{}", got.stderr);
}

#[test]
fn test_event_pattern_rejects_invalid_patterns_with_eventbridge_reasons() {
    let cases: &[(&str, &str)] = &[
        ("[]", "Filter is not an object"),
        ("{}", "Empty objects are not allowed"),
        (r#"{"detail": {}}"#, "Empty objects are not allowed"),
        (
            r#"{"source": "aws.ec2"}"#,
            r#""source" must be an object or an array"#,
        ),
        (r#"{"source": []}"#, "Empty arrays are not allowed"),
        (
            r#"{"source": [["a"]]}"#,
            "Match value must be String, number, true, false, or null",
        ),
        (r#"{"a": [{}]}"#, "Match expression name not found"),
        (
            r#"{"a": [{"contains": "x"}]}"#,
            "Unrecognized match type contains",
        ),
        (
            r#"{"a": [{"prefix": "a", "suffix": "b"}]}"#,
            "Only one key allowed in match expression",
        ),
        (
            r#"{"a": [{"prefix": 5}]}"#,
            "prefix match pattern must be a string",
        ),
        (
            r#"{"a": [{"wildcard": "a**"}]}"#,
            "Consecutive wildcard characters at pos 2",
        ),
        (
            r#"{"a": [{"anything-but": {"prefix": ""}}]}"#,
            "Null prefix/suffix not allowed",
        ),
        (
            r#"{"a": [{"numeric": [">", 5, "<", 5]}]}"#,
            "Bottom must be less than top",
        ),
        (
            r#"{"a": [{"numeric": [">", "5"]}]}"#,
            "Value of > must be numeric",
        ),
        (
            r#"{"a": [{"exists": "true"}]}"#,
            "exists match pattern must be either true or false.",
        ),
        (
            r#"{"a": [{"cidr": "10.0.0.0/32"}]}"#,
            "IPv4 mask bits must be < 32",
        ),
        (
            r#"{"$or": [{"a": ["x"]}]}"#,
            "There must have at least 2 Objects in $or relationship.",
        ),
    ];
    let ev = event(json!({"a": 1}));
    for (pattern, reason) in cases {
        let got = tep(pattern, &ev);
        assert_eq!(got.code, 2, "{pattern}: {got:?}");
        assert_eq!(got.stdout, "", "{pattern}");
        assert_eq!(
            got.stderr.trim_end(),
            format!("Event pattern is not valid. Reason: {reason}"),
            "{pattern}"
        );
    }
    // Not JSON at all: still the same message shape.
    let got = tep(r#"{"source": ["#, &ev);
    got.assert_code(2);
    assert!(
        got.stderr
            .starts_with("Event pattern is not valid. Reason: "),
        "{}",
        got.stderr
    );
}

#[test]
fn test_event_pattern_rejects_events_eventbridge_would_not_take() {
    let mut missing_source: Value = serde_json::from_str(&event(json!({}))).unwrap();
    missing_source.as_object_mut().unwrap().remove("source");
    let cases = [
        "[1]".to_string(),
        r#""an event""#.to_string(),
        r#"{"detail": {}}"#.to_string(),
        missing_source.to_string(),
        "{not json".to_string(),
    ];
    for ev in &cases {
        let got = tep(r#"{"source": ["aws.ec2"]}"#, ev);
        assert_eq!(got.code, 2, "{ev}: {got:?}");
        assert_eq!(got.stdout, "");
        assert!(
            got.stderr
                .starts_with("Parameter Event is not valid. Reason: "),
            "{ev}: {got:?}"
        );
    }
    // A bare CloudTrail record is not an EventBridge event.
    let record = read_json("events/vpc-create.json")["detail"].to_string();
    let got = tep(r#"{"source": ["aws.ec2"]}"#, &record);
    got.assert_code(2);
    // Both arguments are required.
    let got = run(&[
        "test-event-pattern",
        "--event-pattern",
        r#"{"source": ["x"]}"#,
    ]);
    got.assert_code(2);
    assert!(got.stderr.contains("--event"), "{}", got.stderr);
}

#[test]
fn builtin_patterns_pasted_into_test_event_pattern_agree_with_evaluate() {
    // What a user does to understand an alert: paste the rule's pattern (and
    // its excludes) from rules/builtin.yaml into test-event-pattern. A rule
    // fires on a sample exactly when its pattern says true and no exclude does
    // (the pack has no scopes).
    let dir = tempfile::tempdir().unwrap();
    let config = cloudtrail_alerts::rules::load(&cloudtrail_alerts::rules::LoadOptions {
        files: Vec::new(),
        builtin: true.into(),
    })
    .expect("built-in pack loads");
    let samples: Vec<String> = cli::sample_events()
        .into_iter()
        .filter(|p| read_json(p).get("detail").is_some())
        .collect();
    let mut positives = 0;
    for sample in &samples {
        let fired = run(&["evaluate", sample]).rules();
        let event_arg = format!("file://{sample}");
        for rule in &config.rules {
            let matches = |pattern: &Value| {
                let path = write(dir.path(), "p.json", pattern.to_string().as_bytes());
                result_of(&tep(&format!("file://{path}"), &event_arg))
            };
            let expected = matches(&rule.pattern) && !rule.exclude.iter().any(matches);
            assert_eq!(
                fired.contains(&rule.id),
                expected,
                "{} on {sample}",
                rule.id
            );
            positives += usize::from(expected);
        }
    }
    assert!(positives >= 18, "{positives}");
}

// ---------------------------------------------------------------- validate

#[test]
fn validate_accepts_the_builtin_pack_and_the_example() {
    let got = run(&["validate"]);
    got.assert_code(0);
    let (all, enabled) = pack_counts();
    assert!(enabled < all, "the pack has opt-in rules");
    assert!(
        got.stdout.contains(&format!(
            "built-in pack: OK ({all} rules, {enabled} enabled)"
        )),
        "{}",
        got.stdout
    );
    let got = run(&["validate", "rules/example.yaml"]);
    got.assert_code(0);
    assert!(
        got.stdout.contains("rules/example.yaml: OK"),
        "{}",
        got.stdout
    );
    assert_eq!(got.stderr, "");
    // The rules packaged for deployment, if present, validate too.
    if cli::root().join("config/rules.yaml").exists() {
        run(&["validate", "config/rules.yaml"]).assert_code(0);
    }
}

#[test]
fn validate_reports_every_error_with_file_line_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "bad.yaml",
        br#"rules:
  - id: dup-rule
    title: A
    severity: high
    pattern: {source: [aws.ec2]}
  - id: dup-rule
    title: B
    severity: high
    pattern: {source: [aws.ec2]}
  - id: bad-severity
    title: C
    severity: urgent
    pattern: {source: [aws.ec2]}
  - id: bad-pattern
    title: D
    severity: low
    pattern: {source: "aws.ec2"}
  - id: unknown-key
    title: E
    severity: low
    colour: red
    pattern: {source: [aws.ec2]}
  - id: bad-numeric
    title: F
    severity: low
    pattern:
      detail:
        n: [{numeric: [">", 5, "<", 1]}]
overrides:
  no-such-rule:
    enabled: false
"#,
    );
    let got = run(&["validate", &file]);
    got.assert_code(2);
    assert_eq!(got.stdout, "");
    let expected: &[(u32, &str, &str)] = &[
        (6, "dup-rule", "duplicate rule id"),
        (12, "bad-severity", "urgent"),
        (
            17,
            "bad-pattern",
            r#""source" must be an object or an array"#,
        ),
        (21, "unknown-key", "colour"),
        (28, "bad-numeric", "Bottom must be less than top"),
        (30, "no-such-rule", "unknown rule"),
    ];
    for (line, rule, what) in expected {
        let at = format!("{file}:{line}:");
        let found = got
            .stderr
            .lines()
            .find(|l| l.starts_with(&at))
            .unwrap_or_else(|| panic!("nothing reported at {at}\n{}", got.stderr));
        assert!(found.contains(rule) && found.contains(what), "{found}");
    }
    assert!(got.stderr.contains("6 problems"), "{}", got.stderr);

    // Several files: errors from each, and a missing one.
    let other = write(
        dir.path(),
        "other.yaml",
        b"rules:\n  - id: x\n    title: X\n",
    );
    let got = run(&["validate", &file, &other, "no-such.yaml"]);
    got.assert_code(2);
    assert!(got.stderr.contains(&format!("{other}:2")), "{}", got.stderr);
    assert!(got.stderr.contains("no-such.yaml"), "{}", got.stderr);
    // Not YAML at all.
    let junk = write(dir.path(), "junk.yaml", b"rules: [\n  - {id: \n");
    let got = run(&["validate", &junk]);
    got.assert_code(2);
    assert!(got.stderr.contains("junk.yaml"), "{}", got.stderr);
}

// ---------------------------------------------------------------- rules

/// (id, severity, title, source, disabled) per listed rule.
fn listed(stdout: &str) -> Vec<(String, String, String, String, bool)> {
    cli::table(stdout)
        .into_iter()
        .map(|row| {
            let severity = row["SEVERITY"].split(' ').next().unwrap().to_string();
            let disabled = row["STATUS"].starts_with("off");
            (
                row["ID"].clone(),
                severity,
                row["TITLE"].clone(),
                row["DEFINED"].clone(),
                disabled,
            )
        })
        .collect()
}

#[test]
fn rules_lists_id_severity_title_and_source() {
    let got = run(&["rules"]);
    got.assert_code(0);
    let rules = listed(&got.stdout);
    let (_, enabled) = pack_counts();
    assert_eq!(rules.len(), enabled, "{}", got.stdout);
    let root = &rules[0];
    assert_eq!(root.0, "root-account-usage");
    assert_eq!(root.1, "critical");
    assert_eq!(root.2, "Root account used");
    assert!(root.3.starts_with("builtin:"), "{}", root.3);
    assert!(rules.iter().all(|r| !r.4));

    let got = run(&["rules", "--rules", "rules/example.yaml"]);
    got.assert_code(0);
    let rules = listed(&got.stdout);
    assert_eq!(rules.len(), enabled + 1);
    let mine = rules
        .iter()
        .find(|r| r.0 == "iam-access-key-created")
        .unwrap();
    assert_eq!(mine.1, "medium");
    assert!(mine.3.starts_with("rules/example.yaml:"), "{}", mine.3);
    // The example lowers console-login-failure to medium.
    let failure = rules
        .iter()
        .find(|r| r.0 == "console-login-failure")
        .unwrap();
    assert_eq!(failure.1, "medium");

    let got = run(&["rules", "--no-builtin", "--rules", "rules/example.yaml"]);
    // Overriding a rule that is not loaded is an error, wherever rules are loaded.
    got.assert_code(2);
    assert!(
        got.stderr.contains("rules/example.yaml:14")
            && got.stderr.contains("unknown rule id `vpc-change`"),
        "{}",
        got.stderr
    );
}

#[test]
fn rules_all_shows_disabled_rules() {
    let dir = tempfile::tempdir().unwrap();
    let off = write(
        dir.path(),
        "off.yaml",
        b"overrides:\n  vpc-change:\n    enabled: false\nrules:\n  - id: parked\n    title: Parked rule\n    severity: info\n    enabled: false\n    pattern: {source: [aws.ec2]}\n",
    );
    let (all, enabled) = pack_counts();
    let active = listed(&run(&["rules", "--rules", &off]).stdout);
    assert_eq!(active.len(), enabled - 1);
    assert!(
        !active
            .iter()
            .any(|r| r.0 == "vpc-change" || r.0 == "parked")
    );
    let got = run(&["rules", "--all", "--rules", &off]);
    got.assert_code(0);
    let listed_all = listed(&got.stdout);
    assert_eq!(listed_all.len(), all + 1);
    let disabled: Vec<&str> = listed_all
        .iter()
        .filter(|r| r.4 && (r.0 == "vpc-change" || r.0 == "parked"))
        .map(|r| r.0.as_str())
        .collect();
    assert_eq!(disabled, ["vpc-change", "parked"]);
    assert_eq!(
        listed_all.iter().filter(|r| r.4).count(),
        all - enabled + 2,
        "the pack's opt-in rules are listed as disabled"
    );

    let got = run(&["rules", "--rules", "no-such.yaml"]);
    got.assert_code(2);
    assert!(got.stderr.contains("no-such.yaml"), "{}", got.stderr);
}

// ---------------------------------------------------------------- help

#[test]
fn help_names_every_subcommand_with_an_example() {
    let got = run(&["--help"]);
    got.assert_code(0);
    for sub in [
        "evaluate",
        "render",
        "test-event-pattern",
        "validate",
        "rules",
    ] {
        assert!(got.stdout.contains(sub), "{sub} missing from --help");
        assert!(
            got.stdout.contains(&format!("cloudtrail-alerts {sub} ")),
            "no example of {sub} in --help"
        );
        let sub_help = run(&[sub, "--help"]);
        sub_help.assert_code(0);
        assert!(
            sub_help.stdout.contains("Usage: cloudtrail-alerts"),
            "{sub}"
        );
    }
    // Examples are pasted: none is wrapped, even past the 100 columns help
    // text is wrapped to off a terminal.
    let long = "cloudtrail-alerts test-event-pattern --event-pattern file://pattern.json \
                --event events/vpc-create.json";
    assert!(long.len() > 100);
    assert!(
        got.stdout.lines().any(|l| l.trim() == long),
        "{long} wrapped in --help:\n{}",
        got.stdout
    );
    let got = run(&["--version"]);
    got.assert_code(0);
    assert!(
        got.stdout.starts_with("cloudtrail-alerts "),
        "{}",
        got.stdout
    );
}

// ---------------------------------------------------------------- closed stdout

#[test]
fn no_subcommand_panics_when_stdout_is_closed() {
    // `cloudtrail-alerts validate | head -0`: the reader is gone before the
    // first write. Stopping is right; a panic and exit 101 are not.
    let cases: &[&[&str]] = &[
        &["validate"],
        &["validate", "rules/example.yaml"],
        &[
            "test-event-pattern",
            "--event-pattern",
            r#"{"source": ["aws.ec2"]}"#,
            "--event",
            "file://events/vpc-create.json",
        ],
        &["rules", "--all"],
        &["evaluate", "events/vpc-create.json"],
        &["render", "events/vpc-create.json"],
    ];
    for args in cases {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = std::process::Command::new(cli::BIN)
            .args(*args)
            .current_dir(cli::root())
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}
