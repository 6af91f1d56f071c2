//! `cloudtrail-alerts evaluate`, run as a user runs it: every input shape,
//! rule options, and what happens (exit code, stderr) when input is bad.

use crate::support::cli::{
    self, gzip, read, read_json, run, run_stdin, run_with, sample_events, write,
};
use crate::support::samples::SAMPLE_ALERTS;
use serde_json::{Value, json};

/// Severities as the built-in pack promises them.
fn builtin_severity(rule: &str) -> &'static str {
    match rule {
        "root-account-usage" | "cloudtrail-config-change" => "critical",
        "console-login-failure"
        | "console-login-without-mfa"
        | "iam-policy-change"
        | "kms-key-disable-or-deletion"
        | "config-service-change"
        | "organizations-change" => "high",
        "unauthorized-api-call"
        | "s3-bucket-policy-change"
        | "security-group-change"
        | "network-acl-change"
        | "network-gateway-change"
        | "route-table-change"
        | "vpc-change"
        | "transit-gateway-change"
        | "cloudtrail-insight" => "medium",
        other => {
            // The area files' rules: the severity their YAML declares.
            let cfg = cloudtrail_alerts::rules::load_sources(&[], true).unwrap();
            let rule = cfg.rules.iter().find(|r| r.id == other);
            let rule = rule.unwrap_or_else(|| panic!("not a built-in rule: {other}"));
            assert!(rule.origin.file.starts_with("builtin/"), "{other}");
            rule.severity.as_str()
        }
    }
}

fn promised(name: &str) -> &'static [&'static str] {
    SAMPLE_ALERTS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, rules)| *rules)
        .unwrap_or_else(|| panic!("events/{name}.json has no entry in SAMPLE_ALERTS"))
}

/// The CloudTrail records of a sample, with the envelope each came in (if any).
fn records_of(sample: &Value) -> Vec<(Option<&Value>, &Value)> {
    if let Some(records) = sample.get("Records").and_then(Value::as_array) {
        records.iter().map(|r| (None, r)).collect()
    } else if sample.get("detail").is_some() {
        vec![(Some(sample), &sample["detail"])]
    } else {
        vec![(None, sample)]
    }
}

#[test]
fn every_sample_fires_what_its_name_promises_with_the_event_facts() {
    let mut fired = std::collections::BTreeSet::new();
    for path in sample_events() {
        let name = path.trim_start_matches("events/").trim_end_matches(".json");
        let run = run(&["evaluate", &path]);
        run.assert_code(0);
        assert_eq!(run.stderr, "", "{path}");
        assert_eq!(run.rules(), promised(name), "{path}");
        let sample = read_json(&path);
        let records = records_of(&sample);
        for alert in run.json_lines() {
            let rule = alert["rule"].as_str().unwrap();
            fired.insert(rule.to_string());
            assert_eq!(alert["severity"], builtin_severity(rule), "{path}");
            assert!(
                alert["title"].as_str().is_some_and(|t| !t.is_empty()),
                "{path}: {alert}"
            );
            // The alert is about one of the file's records: find it by id.
            let (envelope, record) = records
                .iter()
                .find(|(_, r)| r["eventID"] == alert["event_id"])
                .unwrap_or_else(|| panic!("{path}: no record with the alert's event_id: {alert}"));
            // Insight records carry the API they are about under insightDetails.
            let or_insight = |key: &str| {
                if record[key].is_null() {
                    record["insightDetails"][key].clone()
                } else {
                    record[key].clone()
                }
            };
            assert_eq!(alert["event_name"], or_insight("eventName"), "{path}");
            assert_eq!(alert["event_source"], or_insight("eventSource"), "{path}");
            assert_eq!(alert["event_time"], record["eventTime"], "{path}");
            assert_eq!(
                alert["source_ip"],
                record["sourceIPAddress"].clone(),
                "{path}"
            );
            assert_eq!(
                alert["principal"],
                record["userIdentity"]["arn"].clone(),
                "{path}"
            );
            let (account, region) = match envelope {
                Some(e) => (&e["account"], &e["region"]),
                None => (&record["recipientAccountId"], &record["awsRegion"]),
            };
            assert_eq!(&alert["account"], account, "{path}");
            assert_eq!(&alert["region"], region, "{path}");
        }
    }
    // The samples fire exactly the rules the table names, and show every rule
    // of the CIS file (the area files' rules are shown by their fixtures).
    let all: std::collections::BTreeSet<&str> = SAMPLE_ALERTS
        .iter()
        .flat_map(|(_, r)| r.iter().copied())
        .collect();
    assert_eq!(
        fired
            .iter()
            .map(String::as_str)
            .collect::<std::collections::BTreeSet<_>>(),
        all
    );
    let cfg = cloudtrail_alerts::rules::load_sources(&[], true).unwrap();
    for rule in cfg.rules.iter().filter(|r| r.origin.file == "builtin") {
        assert!(fired.contains(&rule.id), "no sample shows {}", rule.id);
    }
}

#[test]
fn text_format_has_one_readable_line_per_alert() {
    let events = sample_events();
    let mut args = vec!["evaluate", "--format", "json"];
    args.extend(events.iter().map(String::as_str));
    let json = run(&args);
    json.assert_code(0);
    args[2] = "text";
    let text = run(&args);
    text.assert_code(0);
    let alerts = json.json_lines();
    let lines: Vec<&str> = text.stdout.lines().collect();
    assert_eq!(lines.len(), alerts.len(), "{}", text.stdout);
    assert!(alerts.len() >= 17);
    for (line, alert) in lines.iter().zip(&alerts) {
        assert!(!line.contains('\x1b'), "NO_COLOR is set: {line:?}");
        assert!(
            line.starts_with(&alert["severity"].as_str().unwrap().to_uppercase()),
            "{line}"
        );
        for key in ["rule", "event_id", "account", "region", "event_time"] {
            let v = alert[key].as_str().unwrap();
            assert!(line.contains(v), "{key} {v} missing from {line}");
        }
        if let Some(name) = alert["event_name"].as_str() {
            assert!(line.contains(name), "{line}");
        }
    }
}

#[test]
fn text_format_is_coloured_only_on_a_terminal() {
    // A pipe is not a terminal: a forced text report saved to a file or piped
    // to grep must not carry escape codes.
    let run = run_with(
        &[
            "evaluate",
            "--format",
            "text",
            "events/root-console-login.json",
        ],
        None,
        &[],
    );
    run.assert_code(0);
    assert!(run.stdout.contains("root-account-usage"), "{run:?}");
    assert!(!run.stdout.contains('\x1b'), "{:?}", run.stdout);
}

#[test]
fn json_is_the_default_when_stdout_is_not_a_terminal() {
    let default = run(&["evaluate", "events/vpc-create.json"]);
    let json = run(&["evaluate", "--format", "json", "events/vpc-create.json"]);
    default.assert_code(0);
    assert_eq!(default.stdout, json.stdout);
    assert_eq!(default.rules(), ["vpc-change"]);
}

#[test]
fn stdin_is_read_with_a_dash_and_with_no_input() {
    let bytes = read("events/iam-put-role-policy.json");
    let file = run(&["evaluate", "events/iam-put-role-policy.json"]);
    let dash = run_stdin(&["evaluate", "-"], &bytes);
    let none = run_stdin(&["evaluate"], &bytes);
    file.assert_code(0);
    dash.assert_code(0);
    none.assert_code(0);
    assert_eq!(file.rules(), ["iam-policy-change"]);
    assert_eq!(without_origin(&dash.stdout), without_origin(&file.stdout));
    assert_eq!(without_origin(&none.stdout), without_origin(&file.stdout));
    // Errors on stdin name it `-`.
    let bad = run_stdin(&["evaluate"], b"{\"detail\": ");
    bad.assert_code(1);
    assert!(bad.stderr.contains("-: record 1"), "{}", bad.stderr);
}

/// All the sample envelopes (not the log file), compacted to one line each.
fn ndjson_of_samples() -> (Vec<String>, Vec<u8>) {
    let paths: Vec<String> = sample_events()
        .into_iter()
        .filter(|p| !p.contains("log-file"))
        .collect();
    let mut ndjson = Vec::new();
    for p in &paths {
        ndjson.extend(serde_json::to_vec(&read_json(p)).unwrap());
        ndjson.push(b'\n');
    }
    (paths, ndjson)
}

#[test]
fn ndjson_gives_the_same_alerts_as_one_file_per_event() {
    let (paths, ndjson) = ndjson_of_samples();
    let mut args = vec!["evaluate"];
    args.extend(paths.iter().map(String::as_str));
    let separate = run(&args);
    separate.assert_code(0);
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "all.ndjson", &ndjson);
    let together = run(&["evaluate", &file]);
    together.assert_code(0);
    assert_eq!(
        without_origin(&together.stdout),
        without_origin(&separate.stdout)
    );
    assert_eq!(together.stderr, "");
    // Pretty-printed events back to back (`cat events/*.json`) work too.
    let mut cat = Vec::new();
    for p in &paths {
        cat.extend(read(p));
    }
    let catted = run_stdin(&["evaluate"], &cat);
    catted.assert_code(0);
    assert_eq!(
        without_origin(&catted.stdout),
        without_origin(&separate.stdout)
    );
}

#[test]
fn gzip_files_single_and_multi_member() {
    let (_, ndjson) = ndjson_of_samples();
    let plain = run_stdin(&["evaluate"], &ndjson);
    plain.assert_code(0);
    assert!(plain.rules().len() >= 17);

    let dir = tempfile::tempdir().unwrap();
    let one = write(dir.path(), "one.json.gz", &gzip(&ndjson));
    let got = run(&["evaluate", &one]);
    got.assert_code(0);
    assert_eq!(without_origin(&got.stdout), without_origin(&plain.stdout));

    // `cat a.gz b.gz > c.gz` is a valid gzip file with two members.
    let half = ndjson.len() / 2;
    let cut = half + ndjson[half..].iter().position(|&b| b == b'\n').unwrap() + 1;
    let mut multi = gzip(&ndjson[..cut]);
    multi.extend(gzip(&ndjson[cut..]));
    let multi = write(dir.path(), "multi.json.gz", &multi);
    let got = run(&["evaluate", &multi]);
    got.assert_code(0);
    assert_eq!(without_origin(&got.stdout), without_origin(&plain.stdout));

    // Gzip is recognised by its bytes, whatever the name, and on stdin.
    let log = gzip(&read("events/cloudtrail-log-file.json"));
    let renamed = write(dir.path(), "log.json", &log);
    let got = run(&["evaluate", &renamed]);
    got.assert_code(0);
    assert_eq!(got.rules(), ["root-account-usage"]);
    let got = run_stdin(&["evaluate"], &log);
    got.assert_code(0);
    assert_eq!(got.rules(), ["root-account-usage"]);
}

#[test]
fn a_utf8_bom_is_tolerated() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(read("events/vpc-create.json"));
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "bom.json", &bytes);
    let got = run(&["evaluate", &file]);
    got.assert_code(0);
    assert_eq!(got.rules(), ["vpc-change"]);
    assert_eq!(
        without_origin(&got.stdout),
        without_origin(&run(&["evaluate", "events/vpc-create.json"]).stdout)
    );
    let got = run_stdin(&["evaluate"], &bytes);
    got.assert_code(0);
    assert_eq!(got.rules(), ["vpc-change"]);
    let mut log = b"\xEF\xBB\xBF".to_vec();
    log.extend(read("events/cloudtrail-log-file.json"));
    let got = run_stdin(&["evaluate"], &gzip(&log));
    got.assert_code(0);
    assert_eq!(got.rules(), ["root-account-usage"]);
}

/// Sample envelopes whose detail is a CloudTrail record (not EC2 state changes).
fn cloudtrail_envelopes() -> Vec<(String, Value)> {
    sample_events()
        .into_iter()
        .map(|p| {
            let v = read_json(&p);
            (p, v)
        })
        .filter(|(_, v)| {
            v["detail-type"]
                .as_str()
                .is_some_and(|t| t.ends_with("via CloudTrail"))
        })
        .collect()
}

#[test]
fn an_envelope_its_bare_record_and_a_records_file_give_the_same_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let mut records = Vec::new();
    let mut all_alerts = String::new();
    let envelopes = cloudtrail_envelopes();
    assert!(envelopes.len() >= 20, "{}", envelopes.len());
    for (path, envelope) in &envelopes {
        let record = &envelope["detail"];
        // The envelope's own fields must be what EventBridge derives from the
        // record, else the shapes legitimately differ.
        assert_eq!(envelope["account"], record["recipientAccountId"], "{path}");
        assert_eq!(envelope["region"], record["awsRegion"], "{path}");
        let from_envelope = run(&["evaluate", path]);
        from_envelope.assert_code(0);
        let bare = write(
            dir.path(),
            "bare.json",
            &serde_json::to_vec(record).unwrap(),
        );
        let from_bare = run(&["evaluate", &bare]);
        from_bare.assert_code(0);
        assert_eq!(
            without_origin(&from_bare.stdout),
            without_origin(&from_envelope.stdout),
            "{path}"
        );
        let log = json!({"Records": [record]});
        let log = write(dir.path(), "log.json", &serde_json::to_vec(&log).unwrap());
        let from_log = run(&["evaluate", &log]);
        from_log.assert_code(0);
        assert_eq!(
            without_origin(&from_log.stdout),
            without_origin(&from_envelope.stdout),
            "{path}"
        );
        records.push(record.clone());
        all_alerts.push_str(&from_envelope.stdout);
    }
    // One log file holding every record, pretty-printed, gzipped, as S3 has it.
    let log = serde_json::to_vec_pretty(&json!({"Records": records})).unwrap();
    let log = write(dir.path(), "111122223333_CloudTrail.json.gz", &gzip(&log));
    let got = run(&["evaluate", &log]);
    got.assert_code(0);
    assert_eq!(without_origin(&got.stdout), without_origin(&all_alerts));
}

/// JSON alert lines without where they came from (`source_file`, `record`),
/// to compare alerts on the same event read from different files.
fn without_origin(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            let obj = v.as_object_mut().unwrap();
            assert!(
                obj.remove("source_file").is_some_and(|f| f.is_string()),
                "{l}"
            );
            assert!(
                obj.remove("record").is_some_and(|r| r.as_u64() >= Some(1)),
                "{l}"
            );
            v
        })
        .collect()
}

#[test]
fn rules_file_adds_a_rule_and_no_builtin_keeps_only_it() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write(
        dir.path(),
        "mine.yaml",
        br#"
rules:
  - id: role-policy-by-alice
    title: Alice changed a role policy
    severity: low
    pattern:
      detail:
        eventName: [PutRolePolicy]
        userIdentity:
          arn: [{suffix: "/alice"}]
"#,
    );
    let both = run(&[
        "evaluate",
        "--rules",
        &rules,
        "events/iam-put-role-policy.json",
    ]);
    both.assert_code(0);
    assert_eq!(both.rules(), ["iam-policy-change", "role-policy-by-alice"]);
    let mine = &both.json_lines()[1];
    assert_eq!(mine["severity"], "low");
    assert_eq!(mine["title"], "Alice changed a role policy");
    assert_eq!(mine["event_name"], "PutRolePolicy");

    let only = run(&[
        "evaluate",
        "--no-builtin",
        "--rules",
        &rules,
        "events/iam-put-role-policy.json",
        "events/vpc-create.json",
    ]);
    only.assert_code(0);
    assert_eq!(only.rules(), ["role-policy-by-alice"]);

    let none = run(&["evaluate", "--no-builtin", "events/vpc-create.json"]);
    none.assert_code(0);
    assert_eq!(none.stdout, "");
}

#[test]
fn overrides_disable_rescope_and_reweight_builtin_rules() {
    let dir = tempfile::tempdir().unwrap();
    let events = ["events/vpc-create.json", "events/route-create.json"];
    let base = run(&["evaluate", events[0], events[1]]);
    assert_eq!(base.rules(), ["vpc-change", "route-table-change"]);

    let off = write(
        dir.path(),
        "off.yaml",
        b"overrides:\n  vpc-change:\n    enabled: false\n",
    );
    let got = run(&["evaluate", "--rules", &off, events[0], events[1]]);
    got.assert_code(0);
    assert_eq!(got.rules(), ["route-table-change"]);

    // The samples come from account 111122223333.
    let elsewhere = write(
        dir.path(),
        "elsewhere.yaml",
        b"accounts:\n  prod: [\"444455556666\"]\noverrides:\n  vpc-change:\n    scope:\n      accounts: [prod]\n",
    );
    let got = run(&["evaluate", "--rules", &elsewhere, events[0], events[1]]);
    got.assert_code(0);
    assert_eq!(got.rules(), ["route-table-change"]);

    let here = write(
        dir.path(),
        "here.yaml",
        b"accounts:\n  prod: [\"111122223333\"]\noverrides:\n  vpc-change:\n    scope:\n      accounts: [prod]\n      regions: [eu-west-1]\n    severity: critical\n",
    );
    let got = run(&["evaluate", "--rules", &here, events[0], events[1]]);
    got.assert_code(0);
    assert_eq!(got.rules(), ["vpc-change", "route-table-change"]);
    let vpc = &got.json_lines()[0];
    assert_eq!(vpc["severity"], "critical");
    assert_eq!(vpc["account_name"], "prod");

    let wrong_region = write(
        dir.path(),
        "region.yaml",
        b"overrides:\n  vpc-change:\n    scope:\n      regions: [us-east-1]\n",
    );
    let got = run(&["evaluate", "--rules", &wrong_region, events[0]]);
    got.assert_code(0);
    assert_eq!(got.stdout, "");

    // rules/example.yaml scopes vpc-change to prod, which holds the sample account.
    let got = run(&["evaluate", "--rules", "rules/example.yaml", events[0]]);
    got.assert_code(0);
    assert_eq!(got.rules(), ["vpc-change"]);
    assert_eq!(got.json_lines()[0]["account_name"], "prod");
}

#[test]
fn exclude_suppresses_and_show_suppressed_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write(
        dir.path(),
        "exclude.yaml",
        br#"
overrides:
  security-group-change:
    exclude: &admins
      - detail:
          userIdentity:
            arn: [{wildcard: "arn:aws:sts::111122223333:assumed-role/Admin/*"}]
  security-group-admin-port-open:
    exclude: *admins
"#,
    );
    let event = "events/security-group-ingress-open.json";
    let quiet = run(&["evaluate", "--rules", &rules, event]);
    quiet.assert_code(0);
    assert_eq!(quiet.stdout, "");
    assert_eq!(quiet.stderr, "");

    let shown = run(&["evaluate", "--show-suppressed", "--rules", &rules, event]);
    shown.assert_code(0);
    assert_eq!(shown.stdout, "");
    assert!(
        shown.stderr.contains(event)
            && shown.stderr.contains("record 1")
            && shown
                .stderr
                .contains("security-group-change suppressed by exclude[0]"),
        "{}",
        shown.stderr
    );
    // Other principals still alert.
    let mut other = read_json(event);
    other["detail"]["userIdentity"]["arn"] = json!("arn:aws:iam::111122223333:user/bob");
    let got = run_stdin(
        &["evaluate", "--show-suppressed", "--rules", &rules],
        &serde_json::to_vec(&other).unwrap(),
    );
    got.assert_code(0);
    assert_eq!(
        got.rules(),
        ["security-group-change", "security-group-admin-port-open"]
    );
    assert_eq!(got.stderr, "");
}

/// Each kind of unreadable input, on its own: exit 1, reported with its file
/// (and record number where there is a record).
#[test]
fn each_unreadable_input_is_reported_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let vpc = read("events/vpc-create.json");
    let mut garbage: Vec<u8> = (0..2000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    garbage[0] = 0xff;
    let gz = gzip(&vpc);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated.json", vpc[..vpc.len() / 2].to_vec(), "record 1"),
        ("garbage.bin", garbage, "record 1"),
        ("strings.json", br#"["a", "b"]"#.to_vec(), "record 1"),
        ("empty.json", Vec::new(), "no events"),
        ("blank.json", b"  \n\n".to_vec(), "no events"),
        (
            "truncated.json.gz",
            gz[..gz.len() - 20].to_vec(),
            "record 1",
        ),
        ("number.json", b"42\n".to_vec(), "record 1"),
        (
            "bad-utf8.json",
            b"{\"detail\": \"\xff\xfe\"}\n".to_vec(),
            "record 1",
        ),
    ];
    for (name, bytes, what) in cases {
        let path = write(dir.path(), name, &bytes);
        let got = run(&["evaluate", &path]);
        assert_eq!(got.code, 1, "{name}: {got:?}");
        assert_eq!(got.stdout, "", "{name}");
        assert!(
            got.stderr.contains(&path) && got.stderr.contains(what),
            "{name}: {}",
            got.stderr
        );
    }
    let missing = dir.path().join("missing.json");
    let got = run(&["evaluate", missing.to_str().unwrap()]);
    got.assert_code(1);
    assert!(
        got.stderr.contains("missing.json: cannot open"),
        "{}",
        got.stderr
    );
    let got = run(&["evaluate", dir.path().to_str().unwrap()]);
    got.assert_code(1);
    assert!(
        got.stderr.contains(dir.path().to_str().unwrap()),
        "{}",
        got.stderr
    );
}

#[test]
fn the_run_goes_on_after_bad_files_and_bad_records() {
    let dir = tempfile::tempdir().unwrap();
    let vpc = serde_json::to_vec(&read_json("events/vpc-create.json")).unwrap();
    let sg = serde_json::to_vec(&read_json("events/route-create.json")).unwrap();
    // Record 2 is a string and record 3 is cut short; 1 and 4 are fine.
    let mut mixed = vpc.clone();
    mixed.extend(b"\n\"not an event\"\n{\"detail\": {\"eventName\": \"CreateVpc\"\n");
    mixed.extend(&sg);
    mixed.push(b'\n');
    let mixed = write(dir.path(), "mixed.ndjson", &mixed);
    let empty = write(dir.path(), "empty.json", b"");
    let good = write(dir.path(), "good.json", &vpc);
    let got = run(&["evaluate", "missing.json", &empty, &mixed, &good]);
    got.assert_code(1);
    assert_eq!(
        got.rules(),
        ["vpc-change", "route-table-change", "vpc-change"]
    );
    let stderr: Vec<&str> = got.stderr.lines().collect();
    assert_eq!(stderr.len(), 5, "{}", got.stderr);
    assert!(
        stderr[0].contains("missing.json: cannot open"),
        "{}",
        stderr[0]
    );
    assert!(stderr[1].contains("empty.json: no events"), "{}", stderr[1]);
    assert!(
        stderr[2].contains("mixed.ndjson: record 2 (line 2)"),
        "{}",
        stderr[2]
    );
    assert!(stderr[2].contains("not an event"), "{}", stderr[2]);
    assert!(
        stderr[3].contains("mixed.ndjson: record 3 (line 3)"),
        "{}",
        stderr[3]
    );
    assert!(
        stderr[4].ends_with("mixed.ndjson: 2 records skipped"),
        "{}",
        stderr[4]
    );

    // In a log file, a bad element of Records is one bad record.
    let log = read_json("events/cloudtrail-log-file.json");
    let mut records = log["Records"].as_array().unwrap().clone();
    records.insert(0, json!("oops"));
    records.insert(2, json!([1, 2]));
    let log = write(
        dir.path(),
        "log.json",
        &serde_json::to_vec_pretty(&json!({"Records": records})).unwrap(),
    );
    let got = run(&["evaluate", &log]);
    got.assert_code(1);
    assert_eq!(got.rules(), ["root-account-usage"]);
    let stderr: Vec<&str> = got.stderr.lines().collect();
    assert_eq!(stderr.len(), 3, "{}", got.stderr);
    assert!(stderr[0].contains("log.json: record 1"), "{}", stderr[0]);
    assert!(stderr[1].contains("log.json: record 3"), "{}", stderr[1]);
    assert!(
        stderr[2].ends_with("log.json: 2 records skipped"),
        "{}",
        stderr[2]
    );
}

#[test]
fn a_readable_record_that_is_not_a_cloudtrail_event_fires_nothing() {
    // Any other EventBridge event, or an object with odd types, is evaluated
    // and fires nothing; it is not an input error.
    let inputs: &[&[u8]] = &[
        b"{\"detail\": null}",
        b"{\"detail-type\": 5, \"detail\": {\"eventName\": [\"CreateVpc\"]}}",
        b"{\"eventType\": \"AwsApiCall\", \"eventName\": 7, \"eventSource\": null}",
        b"{\"Records\": []}",
        b"{\"version\": \"0\", \"detail-type\": \"Scheduled Event\", \"source\": \"aws.events\", \"detail\": {}}",
    ];
    for input in inputs {
        let got = run_stdin(&["evaluate"], input);
        let shown = String::from_utf8_lossy(input);
        assert_eq!(got.code, 0, "{shown}: {got:?}");
        assert_eq!(got.stdout, "", "{shown}");
        assert_eq!(got.stderr, "", "{shown}");
    }
    // An object that is neither an event nor a record is not checked at all:
    // saying nothing would pass for "no alerts".
    for (input, keys) in [
        (&b"{}"[..], "no keys"),
        (b"{\"Records\": null}", "keys: Records"),
    ] {
        let got = run_stdin(&["evaluate"], input);
        let shown = String::from_utf8_lossy(input);
        assert_eq!(got.code, 1, "{shown}: {got:?}");
        assert_eq!(got.stdout, "", "{shown}");
        assert_eq!(
            got.stderr,
            format!(
                "cloudtrail-alerts: -: record 1 (line 1): not an event (neither an EventBridge \
                 event nor a CloudTrail record; {keys})\n"
            ),
            "{shown}"
        );
    }
}

#[test]
fn usage_errors_and_invalid_rules_exit_2_before_reading_anything() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "bad.yaml",
        b"rules:\n  - id: x-rule\n    title: X\n    severity: high\n    pattern: {source: \"aws.ec2\"}\n",
    );
    let cases: Vec<Vec<&str>> = vec![
        vec!["evaluate", "--format", "xml", "events/vpc-create.json"],
        vec!["evaluate", "--frobnicate", "events/vpc-create.json"],
        vec!["evaluate", "--rules"],
        vec!["evaluate", "--rules", &bad, "events/vpc-create.json"],
        vec![
            "evaluate",
            "--rules",
            "no-such-rules.yaml",
            "events/vpc-create.json",
        ],
        vec!["explode"],
        vec![],
    ];
    for args in cases {
        let got = run(&args);
        assert_eq!(got.code, 2, "{args:?}: {got:?}");
        assert_eq!(got.stdout, "", "{args:?}");
        assert!(!got.stderr.is_empty(), "{args:?}");
    }
    let got = run(&["evaluate", "--rules", &bad, "events/vpc-create.json"]);
    assert!(
        got.stderr.contains("bad.yaml:5") && got.stderr.contains("x-rule"),
        "{}",
        got.stderr
    );
    assert!(
        got.stderr.contains("must be an object or an array"),
        "{}",
        got.stderr
    );
}

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    // `evaluate big.json | head -1`: stdout closes early; that is not an error.
    let (_, ndjson) = ndjson_of_samples();
    let mut big = Vec::new();
    for _ in 0..200 {
        big.extend(&ndjson);
    }
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "big.ndjson", &big);
    let script = format!("'{}' evaluate '{}' | head -n 1", cli::BIN, file);
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
}

#[test]
fn a_truncated_gzip_keeps_the_records_before_the_cut() {
    let line = serde_json::to_vec(&read_json("events/vpc-create.json")).unwrap();
    let mut ndjson = Vec::new();
    for _ in 0..40 {
        ndjson.extend(&line);
        ndjson.push(b'\n');
    }
    let gz = gzip(&ndjson);
    let dir = tempfile::tempdir().unwrap();
    let cut = write(dir.path(), "cut.json.gz", &gz[..gz.len() * 9 / 10]);
    let got = run(&["evaluate", &cut]);
    got.assert_code(1);
    let alerts = got.rules().len();
    assert!((1..40).contains(&alerts), "{alerts}");
    // The error names the record where reading stopped: the one after the last alert.
    let at = format!("cut.json.gz: record {} ", alerts + 1);
    assert!(got.stderr.contains(&at), "{at} not in {}", got.stderr);
    assert!(got.stderr.contains("gzip"), "{}", got.stderr);
}

#[test]
fn errors_in_a_pretty_printed_log_file_name_the_record_and_its_line() {
    let record = &read_json("events/vpc-create.json")["detail"];
    let log =
        serde_json::to_string_pretty(&json!({"Records": [record, record, "x", record]})).unwrap();
    let line = 1 + log.lines().position(|l| l.trim() == "\"x\",").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "log.json", log.as_bytes());
    let got = run(&["evaluate", &file]);
    got.assert_code(1);
    assert_eq!(got.rules(), ["vpc-change", "vpc-change", "vpc-change"]);
    assert!(
        got.stderr
            .contains(&format!("log.json: record 3 (line {line}): not an event")),
        "line {line}: {}",
        got.stderr
    );
}

#[test]
fn the_example_rule_file_works_end_to_end() {
    // rules/example.yaml adds iam-access-key-created (scoped to prod and
    // staging, silenced for the break-glass role).
    let mut event = read_json("events/iam-put-role-policy.json");
    event["detail"]["eventName"] = json!("CreateAccessKey");
    let bytes = serde_json::to_vec(&event).unwrap();
    let got = run_stdin(&["evaluate", "--rules", "rules/example.yaml"], &bytes);
    got.assert_code(0);
    assert_eq!(got.rules(), ["iam-access-key-created"]);
    assert_eq!(got.json_lines()[0]["account_name"], "prod");

    let mut break_glass = event.clone();
    break_glass["detail"]["userIdentity"]["sessionContext"]["sessionIssuer"]["userName"] =
        json!("break-glass");
    let got = run_stdin(
        &[
            "evaluate",
            "--show-suppressed",
            "--rules",
            "rules/example.yaml",
        ],
        &serde_json::to_vec(&break_glass).unwrap(),
    );
    got.assert_code(0);
    assert_eq!(got.stdout, "");
    assert!(
        got.stderr
            .contains("iam-access-key-created suppressed by exclude[0]"),
        "{}",
        got.stderr
    );

    let mut sandbox = event.clone();
    sandbox["account"] = json!("123456789012");
    sandbox["detail"]["recipientAccountId"] = json!("123456789012");
    let got = run_stdin(
        &["evaluate", "--rules", "rules/example.yaml"],
        &serde_json::to_vec(&sandbox).unwrap(),
    );
    got.assert_code(0);
    assert_eq!(got.stdout, "");

    // The same rules as JSON work the same.
    let dir = tempfile::tempdir().unwrap();
    let json_rules = write(
        dir.path(),
        "rules.json",
        br#"{"rules": [{"id": "access-key", "title": "Access key", "severity": "high",
            "pattern": {"detail": {"eventName": ["CreateAccessKey"]}}}]}"#,
    );
    let got = run_stdin(
        &["evaluate", "--no-builtin", "--rules", &json_rules],
        &bytes,
    );
    got.assert_code(0);
    assert_eq!(got.rules(), ["access-key"]);
}

/// The CloudTrail record of a sample that fires, as one line, with
/// `eventID` set to `id`.
fn firing_record(id: &str) -> String {
    let mut record = read_json("events/iam-put-role-policy.json")["detail"].clone();
    record["eventID"] = json!(id);
    serde_json::to_string(&record).unwrap()
}

#[test]
fn a_records_array_after_another_key_is_evaluated() {
    let dir = tempfile::tempdir().unwrap();
    // Raw matches: one line per firing record, no digest lines.
    let one = run(&["evaluate", "--no-state", "events/iam-put-role-policy.json"]);
    one.assert_code(0);
    let per_record = one.json_lines().len();
    assert!(per_record > 0);
    let records: Vec<String> = (1..=10)
        .map(|n| firing_record(&format!("id-{n}")))
        .collect();
    let file = format!("{{\"x\":1,\"Records\":[{}]}}", records.join(","));
    let file = write(dir.path(), "log.json", file.as_bytes());
    let got = run(&["evaluate", "--no-state", &file]);
    got.assert_code(0);
    assert_eq!(got.json_lines().len(), 10 * per_record, "{got:#?}");
}

#[test]
fn a_syntax_error_in_a_one_line_log_file_skips_one_record_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let per_record = run(&["evaluate", "--no-state", "events/iam-put-role-policy.json"])
        .json_lines()
        .len();
    let records: Vec<String> = (1..=127)
        .map(|n| {
            let r = firing_record(&format!("id-{n}"));
            if n == 55 {
                r.replace("\"id-55\"", "")
            } else {
                r
            }
        })
        .collect();
    let file = format!("{{\"Records\":[{}]}}", records.join(","));
    let file = write(dir.path(), "log.json", file.as_bytes());
    let got = run(&["evaluate", "--no-state", &file]);
    got.assert_code(1);
    assert_eq!(got.json_lines().len(), 126 * per_record);
    let stderr: Vec<&str> = got.stderr.lines().collect();
    assert_eq!(stderr.len(), 2, "{stderr:?}");
    assert!(
        stderr[0].contains("log.json: record 55 (line 1): invalid JSON"),
        "{stderr:?}"
    );
    assert!(
        stderr[1].ends_with("log.json: 1 record skipped"),
        "{stderr:?}"
    );
}

#[test]
fn repeated_input_errors_are_capped_then_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = "1\n".repeat(5000);
    bytes.push_str(&firing_record("id-ok"));
    let file = write(dir.path(), "bad.json", bytes.as_bytes());
    let got = run(&["evaluate", &file]);
    got.assert_code(1);
    assert!(!got.json_lines().is_empty());
    let stderr: Vec<&str> = got.stderr.lines().collect();
    assert_eq!(stderr.len(), 21, "{stderr:?}");
    assert!(
        stderr[0].contains("bad.json: record 1 (line 1): not an event"),
        "{stderr:?}"
    );
    assert!(
        stderr[20].ends_with("bad.json: 5000 records skipped (4980 not shown)"),
        "{stderr:?}"
    );
}

/// Runs the CLI on `args` and samples its peak resident memory (VmHWM, in
/// KiB) until it exits. VmHWM only grows, so the last sample is the peak
/// unless memory grew in the last moments, after the work was done.
fn peak_rss_kib(args: &[&str]) -> (cli::Run, u64) {
    use std::process::{Command, Stdio};
    let mut child = Command::new(cli::BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let hwm = |pid: u32| -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.trim_start_matches("VmHWM:")
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    };
    let pid = child.id();
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let read_all = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    };
    let out = read_all(Box::new(stdout));
    let err = read_all(Box::new(stderr));
    let mut peak = 0;
    let status = loop {
        if let Some(k) = hwm(pid) {
            peak = peak.max(k);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    };
    let run = cli::Run {
        code: status.code().expect("exited by a signal (a crash?)"),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    (run, peak)
}

/// A gzip file (multi-member, as cheap to build as to compress) holding one
/// event whose string is `mib` MiB of `a`, then one event that fires.
fn gzip_bomb(mib: usize) -> Vec<u8> {
    let chunk = gzip(&vec![b'a'; 1 << 20]);
    let mut bytes = gzip(b"{\"eventVersion\":\"1.08\",\"s\":\"");
    for _ in 0..mib {
        bytes.extend(&chunk);
    }
    bytes.extend(gzip(b"\"}\n"));
    bytes.extend(gzip(firing_record("id-after").as_bytes()));
    bytes
}

#[test]
fn a_gzip_bomb_is_skipped_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = gzip_bomb(256);
    assert!(bomb.len() < 1 << 20, "{} bytes", bomb.len());
    let file = write(dir.path(), "bomb.json.gz", &bomb);
    let (got, peak_kib) = peak_rss_kib(&["evaluate", &file]);
    got.assert_code(1);
    assert!(
        !got.json_lines().is_empty(),
        "the event after the bomb fires"
    );
    assert!(
        got.stderr
            .contains("bomb.json.gz: record 1 (line 1): event larger than 4194304 bytes"),
        "{}",
        got.stderr
    );
    // The default limit holds 4 MiB; the 256 MiB string is never held.
    assert!(peak_kib < 64 * 1024, "peak RSS {peak_kib} KiB");
    eprintln!("256 MiB gzip bomb: peak RSS {peak_kib} KiB");
}

#[test]
fn decompressed_bytes_are_capped_per_input() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "bomb.json.gz", &gzip_bomb(64));
    let got = run(&["evaluate", "--max-input-size", "16M", &file]);
    got.assert_code(1);
    assert!(
        got.stderr
            .contains("decompressed input over 16777216 bytes"),
        "{}",
        got.stderr
    );
    let usage = run(&["evaluate", "--max-event-size", "4Q", &file]);
    usage.assert_code(2);
}
