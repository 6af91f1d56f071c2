//! `evaluate` on the inputs a newcomer has at hand: `aws cloudtrail
//! lookup-events` output, folders of logs synced from S3, objects that are not
//! events; and what it says about them (summary line, where each alert came from).

use crate::support::cli::{gzip, read_json, run, run_stdin, write};
use serde_json::{Value, json};

/// One `lookup-events` entry as the AWS CLI prints it: the record sits as a
/// JSON *string* in `CloudTrailEvent`.
fn lookup_entry(sample: &str) -> Value {
    let record = read_json(sample)["detail"].clone();
    json!({
        "EventId": record["eventID"],
        "EventName": record["eventName"],
        "ReadOnly": "false",
        "EventTime": "2025-03-11T07:02:19+00:00",
        "EventSource": record["eventSource"],
        "Username": "root",
        "Resources": [],
        "CloudTrailEvent": record.to_string(),
    })
}

fn page(samples: &[&str], next_token: Option<&str>) -> String {
    let mut page = json!({ "Events": samples.iter().map(|s| lookup_entry(s)).collect::<Vec<_>>() });
    if let Some(token) = next_token {
        page["NextToken"] = json!(token);
    }
    serde_json::to_string_pretty(&page).unwrap()
}

#[test]
fn cli_lookup_events_output_is_evaluated_page_after_page() {
    let dir = tempfile::tempdir().unwrap();
    // `--no-paginate` off: the AWS CLI prints one object per page, one after another.
    let text = format!(
        "{}\n{}\n",
        page(
            &[
                "events/root-console-login.json",
                "events/s3-get-object.json"
            ],
            Some("tok")
        ),
        page(&["events/vpc-create.json"], None)
    );
    let file = write(dir.path(), "lookup.json", text.as_bytes());
    let run = run(&["evaluate", "--format", "json", "--summary", &file]);
    run.assert_code(0);
    let alerts = run.json_lines();
    let got: Vec<(String, String, u64)> = alerts
        .iter()
        .map(|a| {
            (
                a["rule"].as_str().unwrap().to_string(),
                a["source_file"].as_str().unwrap().to_string(),
                a["record"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("root-account-usage".to_string(), file.clone(), 1),
            ("vpc-change".to_string(), file.clone(), 3),
        ],
        "{run:#?}"
    );
    assert_eq!(
        run.stderr,
        "cloudtrail-alerts: 1 file, 3 events read; 2 alerts: 1 critical, 1 medium\n"
    );
}

#[test]
fn cli_objects_that_are_not_events_are_reported_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    // A digest file's shape, then an object nobody can read as an event, then a real event.
    let digest = json!({
        "awsAccountId": "111122223333",
        "digestStartTime": "2025-03-11T06:00:00Z",
        "digestEndTime": "2025-03-11T07:00:00Z",
        "logFiles": []
    });
    let event = read_json("events/vpc-create.json");
    let text = format!("{digest}\n{{\"foo\":1}}\n{event}\n");
    let file = write(dir.path(), "mixed.json", text.as_bytes());
    let run = run(&["evaluate", "--format", "json", "--summary", &file]);
    run.assert_code(1);
    assert_eq!(run.rules(), vec!["vpc-change"]);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{run:#?}");
    assert!(
        lines[0].starts_with(&format!(
            "cloudtrail-alerts: {file}: record 1 (line 1): not an event"
        )) && lines[0].contains("awsAccountId"),
        "{run:#?}"
    );
    assert!(
        lines[1].starts_with(&format!(
            "cloudtrail-alerts: {file}: record 2 (line 2): not an event"
        )) && lines[1].ends_with("keys: foo)"),
        "{run:#?}"
    );
    assert_eq!(
        lines[2],
        "cloudtrail-alerts: 1 file, 1 event read, 2 not recognised; 1 alert: 1 medium"
    );
}

#[test]
fn cli_summary_says_when_nothing_alerted_and_is_off_without_the_flag() {
    let quiet = run(&["evaluate", "--summary", "events/s3-get-object.json"]);
    quiet.assert_code(0);
    assert_eq!(quiet.stdout, "");
    assert_eq!(
        quiet.stderr,
        "cloudtrail-alerts: 1 file, 1 event read; no alerts\n"
    );
    // Piped stderr and no flag: nothing but the alerts.
    let plain = run(&["evaluate", "events/vpc-create.json"]);
    plain.assert_code(0);
    assert_eq!(plain.stderr, "");
    let rendered = run_stdin(
        &["render", "--summary"],
        &crate::support::cli::read("events/vpc-create.json"),
    );
    rendered.assert_code(0);
    assert!(
        rendered
            .stderr
            .ends_with("cloudtrail-alerts: 1 file, 1 event read; 1 alert: 1 medium\n"),
        "{rendered:#?}"
    );
}

/// With state on, the printed lines are matches: the summary says how many
/// the function would have sent.
#[test]
fn cli_summary_counts_what_would_be_sent_with_state() {
    let event: serde_json::Value =
        serde_json::from_slice(&crate::support::cli::read("events/vpc-create.json")).unwrap();
    let mut storm = String::new();
    for i in 0..3 {
        let mut e = event.clone();
        e["detail"]["eventID"] = format!("147a5f84-b048-50cc-9b1b-c86afef768c{i}").into();
        e["detail"]["eventTime"] = format!("2025-03-11T10:15:4{i}Z").into();
        storm.push_str(&format!("{e}\n"));
    }
    let got = run_stdin(&["evaluate", "--summary"], storm.as_bytes());
    got.assert_code(0);
    assert_eq!(
        got.stdout.lines().count(),
        4,
        "3 matches and a digest: {got:#?}"
    );
    assert!(
        got.stderr.ends_with(
            "cloudtrail-alerts: 1 file, 3 events read; 3 alerts: 3 medium; 1 sent, 2 deduplicated\n"
        ),
        "{got:#?}"
    );
    let raw = run_stdin(&["evaluate", "--summary", "--no-state"], storm.as_bytes());
    raw.assert_code(0);
    assert!(
        raw.stderr
            .ends_with("cloudtrail-alerts: 1 file, 3 events read; 3 alerts: 3 medium\n"),
        "{raw:#?}"
    );
}

#[test]
fn cli_directories_are_read_recursively_in_order_skipping_digests_and_hidden_files() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("AWSLogs/111122223333");
    let day = |region: &str| base.join(format!("CloudTrail/{region}/2025/03/11"));
    for d in [
        day("us-east-1"),
        day("eu-west-1"),
        base.join("CloudTrail-Digest/us-east-1/2025/03/11"),
    ] {
        std::fs::create_dir_all(d).unwrap();
    }
    let log = |sample: &str| {
        let record = read_json(sample)["detail"].clone();
        gzip(json!({ "Records": [record] }).to_string().as_bytes())
    };
    let east = write(
        &day("us-east-1"),
        "111122223333_CloudTrail_us-east-1_20250311T0705Z_a.json.gz",
        &log("events/root-console-login.json"),
    );
    let west = write(
        &day("eu-west-1"),
        "111122223333_CloudTrail_eu-west-1_20250311T1015Z_b.json.gz",
        &log("events/vpc-create.json"),
    );
    // Would alert if read: proves they are skipped, not merely quiet.
    write(
        &base.join("CloudTrail-Digest/us-east-1/2025/03/11"),
        "111122223333_CloudTrail-Digest_us-east-1_20250311T0705Z.json.gz",
        &log("events/vpc-create.json"),
    );
    write(
        &day("us-east-1"),
        ".partial.json",
        &log("events/vpc-create.json"),
    );
    write(&day("us-east-1"), "notes.txt", b"not events");

    let root = dir.path().to_str().unwrap();
    let run = run(&["evaluate", "--format", "json", "--summary", root]);
    run.assert_code(0);
    let sources: Vec<(String, String)> = run
        .json_lines()
        .iter()
        .map(|a| {
            (
                a["rule"].as_str().unwrap().to_string(),
                a["source_file"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // eu-west-1 sorts before us-east-1.
    assert_eq!(
        sources,
        vec![
            ("vpc-change".to_string(), west),
            ("root-account-usage".to_string(), east.clone()),
        ],
        "{run:#?}"
    );
    assert!(run.stderr.contains("2 files, 2 events read"), "{run:#?}");

    // Text shows where each alert came from once several files are read.
    let text = crate::support::cli::run(&["evaluate", "--format", "text", root]);
    text.assert_code(0);
    assert!(
        text.stdout
            .lines()
            .any(|l| l.contains("root-account-usage") && l.ends_with(&format!("{east}: record 1"))),
        "{text:#?}"
    );
}

/// Run the binary with a terminal for stdin, stdout and stderr (through
/// util-linux `script`), until `done` is seen in what it prints or it exits.
fn on_terminal(args: &str, done: &str) -> String {
    use std::io::Read;
    let command = format!("{} {args}", crate::support::cli::BIN);
    let mut child = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(crate::support::cli::root())
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("util-linux `script` runs the binary on a terminal");
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !String::from_utf8_lossy(&seen).contains(done) && std::time::Instant::now() < deadline {
        match rx.recv_timeout(std::time::Duration::from_millis(200)) {
            Ok(chunk) => seen.extend(chunk),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    String::from_utf8_lossy(&seen).replace('\r', "")
}

#[test]
fn cli_on_a_terminal_stdin_gets_a_hint_and_every_run_a_summary() {
    let hint = "cloudtrail-alerts: reading events from standard input; pass files or see --help";
    let waiting = on_terminal("evaluate", hint);
    assert!(waiting.contains(hint), "{waiting:?}");

    let quiet = on_terminal("evaluate events/s3-get-object.json", "no alerts");
    assert_eq!(
        // Reading stops at the words awaited, so the line end may not be in yet.
        quiet.trim_end(),
        "cloudtrail-alerts: 1 file, 1 event read; no alerts"
    );
}
