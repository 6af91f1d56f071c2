//! `replay` reports what would have been sent, as the function decides it:
//! a storm of security-group changes and a password-spraying run in an
//! archive, counted raw and per destination, the same on one thread and
//! many, and the same lines as `evaluate` over the same events in event-time
//! order.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::support::cli::{Run, gzip, run, run_with};

const ACCOUNT: &str = "111122223333";
/// The storm: one principal's security-group changes, one a second from
/// 23:58:00, so it runs past midnight into the next day's folder.
const STORM: u32 = 200;
const STORM_START: i64 = 1_741_737_480; // 2025-03-11T23:58:00Z
/// The next morning's failed sign-ins: 4 from one address (below the
/// built-in threshold of 5 in 10 minutes), 6 from another.
const FEW: &str = "198.51.100.4";
const MANY: &str = "203.0.113.9";

fn detail(sample: &str) -> Value {
    let path = crate::support::root().join(format!("events/{sample}.json"));
    let event: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("sample")).expect("JSON");
    event["detail"].clone()
}

fn at(seconds: i64) -> String {
    cloudtrail_alerts::decide::time::format_time(seconds)
}

fn with(mut record: Value, time: String, id: String, region: &str) -> Value {
    record["eventTime"] = time.into();
    record["eventID"] = id.into();
    record["awsRegion"] = region.into();
    record["recipientAccountId"] = ACCOUNT.into();
    record
}

struct Trail {
    dir: tempfile::TempDir,
    /// Every record, in event-time order (all times differ).
    in_time_order: Vec<Value>,
}

impl Trail {
    fn root(&self) -> &str {
        self.dir.path().to_str().expect("UTF-8 temp path")
    }

    /// The records as one NDJSON file in `dir` (outside the archive), in
    /// event-time order.
    fn sorted_file(&self, dir: &Path) -> PathBuf {
        let path = dir.join("sorted.ndjson");
        let text: String = self
            .in_time_order
            .iter()
            .map(|r| format!("{r}\n"))
            .collect();
        std::fs::write(&path, text).expect("write");
        path
    }
}

fn write_log(dir: &Path, region: &str, day: &str, stamp: &str, records: &[Value]) {
    let folder = dir.join(format!(
        "AWSLogs/{ACCOUNT}/CloudTrail/{region}/2025/03/{day}"
    ));
    std::fs::create_dir_all(&folder).expect("mkdir");
    let body = json!({ "Records": records }).to_string();
    let name = format!("{ACCOUNT}_CloudTrail_{region}_{stamp}_x.json.gz");
    std::fs::write(folder.join(name), gzip(body.as_bytes())).expect("write");
}

/// The archive: the storm in three files (the second and third, delivered
/// after midnight, in the next day's folder), the sign-ins interleaved
/// across two regions' files, and two root sign-ins (critical: `sms` too).
fn trail() -> Trail {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut change = detail("security-group-ingress-open");
    change["eventName"] = "RevokeSecurityGroupIngress".into();
    let storm: Vec<Value> = (0..STORM)
        .map(|n| {
            with(
                change.clone(),
                at(STORM_START + i64::from(n)),
                format!("00000000-0000-4000-8000-{n:012}"),
                "us-east-1",
            )
        })
        .collect();
    write_log(
        dir.path(),
        "us-east-1",
        "11",
        "20250311T2355Z",
        &storm[..70],
    );
    write_log(
        dir.path(),
        "us-east-1",
        "12",
        "20250312T0000Z",
        &storm[70..140],
    );
    write_log(
        dir.path(),
        "us-east-1",
        "12",
        "20250312T0005Z",
        &storm[140..],
    );

    let morning = STORM_START + 8 * 3600 + 120; // 2025-03-12T08:00:00Z
    let failure = detail("console-login-failure");
    let sign_in = |ip: &str, offset: i64, n: u32, region: &str| {
        let mut r = with(
            failure.clone(),
            at(morning + offset),
            format!("10000000-0000-4000-8000-{n:012}"),
            region,
        );
        r["sourceIPAddress"] = ip.into();
        r
    };
    let few: Vec<Value> = (0..4)
        .map(|i| sign_in(FEW, i * 60, i as u32, "eu-west-1"))
        .collect();
    let many: Vec<Value> = (0..6)
        .map(|i| sign_in(MANY, i * 60 + 30, 10 + i as u32, "us-east-1"))
        .collect();
    write_log(dir.path(), "eu-west-1", "12", "20250312T0805Z", &few);
    write_log(dir.path(), "us-east-1", "12", "20250312T0810Z", &many);

    let root = detail("root-console-login");
    let roots: Vec<Value> = (0..2)
        .map(|i| {
            with(
                root.clone(),
                at(morning + 4 * 3600 + i * 600),
                format!("20000000-0000-4000-8000-{i:012}"),
                "us-east-1",
            )
        })
        .collect();
    write_log(dir.path(), "us-east-1", "12", "20250312T1215Z", &roots);

    let mut in_time_order: Vec<Value> = storm.into_iter().chain(few).chain(many).collect();
    in_time_order.extend(roots);
    in_time_order.sort_by(|a, b| a["eventTime"].as_str().cmp(&b["eventTime"].as_str()));
    Trail { dir, in_time_order }
}

fn replay(args: &[&str]) -> Run {
    let mut all = vec!["replay", "--quiet"];
    all.extend_from_slice(args);
    let out = run(&all);
    out.assert_code(0);
    out
}

fn report(args: &[&str]) -> Value {
    let mut all = vec!["--report", "json"];
    all.extend_from_slice(args);
    let out = replay(&all);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {out:#?}"))
}

fn rule<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {report}"))
}

/// alerts, digests and held messages for `destination`.
fn messages(rule: &Value, destination: &str) -> (u64, u64, u64) {
    let m = &rule["destinations"][destination];
    let n = |k: &str| m[k].as_u64().unwrap_or_else(|| panic!("{k} in {m}"));
    (n("alerts"), n("digests"), n("held"))
}

#[test]
fn a_storm_and_a_spraying_run_count_raw_matches_and_what_was_sent() {
    let trail = trail();
    let got = report(&[trail.root()]);
    assert_eq!(got["state"], true);

    let storm = rule(&got, "security-group-change");
    assert_eq!(storm["matches"], 200);
    assert_eq!(
        storm["delivery"],
        json!({"sent": 1, "deduplicated": 199, "below-threshold": 0, "shadow": 0})
    );
    // Medium goes to `alerts` only: the first change at once, one digest for the rest.
    assert_eq!(messages(storm, "alerts"), (1, 1, 0));
    assert_eq!(messages(storm, "sms"), (0, 0, 0));
    assert_eq!(storm["sent"], json!({"alerts": 2, "sms": 0}));
    assert_eq!(storm["digested"], 199);
    assert_eq!(
        storm["per_day"],
        json!({"2025-03-11": 120, "2025-03-12": 80})
    );

    // 4 failures from one address never reach 5; the other's fifth sends
    // one threshold alert and its sixth goes into a digest.
    let spray = rule(&got, "console-login-failure");
    assert_eq!(spray["matches"], 10);
    assert_eq!(
        spray["delivery"],
        json!({"sent": 1, "deduplicated": 1, "below-threshold": 8, "shadow": 0})
    );
    assert_eq!(messages(spray, "alerts"), (1, 1, 0));
    assert_eq!(spray["digested"], 1);

    // Critical and without dedup: every root sign-in to both.
    let root = rule(&got, "root-account-usage");
    assert_eq!(root["matches"], 2);
    assert_eq!(messages(root, "alerts"), (2, 0, 0));
    assert_eq!(messages(root, "sms"), (2, 0, 0));

    let totals = &got["totals"];
    let rules = got["rules"].as_array().unwrap();
    for key in ["matches", "digested"] {
        let sum: u64 = rules.iter().map(|r| r[key].as_u64().unwrap()).sum();
        assert_eq!(totals[key], sum, "{key}");
    }
    for d in ["alerts", "sms"] {
        let sum: u64 = rules.iter().map(|r| r["sent"][d].as_u64().unwrap()).sum();
        assert_eq!(totals["sent"][d], sum, "{d}");
    }

    // Without the state layer every match is sent where it routes.
    let raw = report(&["--no-state", trail.root()]);
    assert_eq!(raw["state"], false);
    let storm = rule(&raw, "security-group-change");
    assert_eq!(storm["matches"], 200);
    assert_eq!(messages(storm, "alerts"), (200, 0, 0));
    assert_eq!(storm["delivery"]["sent"], 200);
    assert_eq!(
        messages(rule(&raw, "console-login-failure"), "alerts"),
        (10, 0, 0)
    );
    assert_eq!(raw["totals"]["matches"], got["totals"]["matches"]);
}

#[test]
fn the_table_says_what_was_matched_and_what_was_sent() {
    let trail = trail();
    let table = replay(&[trail.root()]).stdout;
    let got = report(&[trail.root()]);
    let alerts = &got["totals"]["destinations"]["alerts"];
    let t = &got["totals"];
    let expected = format!(
        "would have sent {} to alerts ({} alerts, {} digests)",
        t["sent"]["alerts"], alerts["alerts"], alerts["digests"]
    );
    assert!(table.contains(&expected), "{expected}\n{table}");
    let expected = format!(
        "Of the matches: {} sent, {} deduplicated, {} below threshold, 0 shadow; {} folded into digests, 0 held",
        t["delivery"]["sent"],
        t["delivery"]["deduplicated"],
        t["delivery"]["below-threshold"],
        t["digested"]
    );
    assert!(table.contains(&expected), "{expected}\n{table}");
    let row = table
        .lines()
        .find(|l| l.starts_with("security-group-change "))
        .unwrap_or_else(|| panic!("{table}"));
    let cells: Vec<&str> = row
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        cells[..8],
        [
            "security-group-change",
            "medium",
            "200",
            "0",
            "2 (1 digest)",
            "0",
            "199",
            "0"
        ]
    );
}

#[test]
fn replay_writes_the_lines_evaluate_prints_for_the_same_events_in_time_order() {
    let trail = trail();
    let out = tempfile::tempdir().expect("tempdir");
    let sorted = trail.sorted_file(out.path());
    let sorted = sorted.to_str().unwrap();
    for mode in [&[][..], &["--no-state"][..]] {
        let lines = out.path().join("alerts.ndjson");
        let mut args = mode.to_vec();
        args.extend(["--alerts", lines.to_str().unwrap(), trail.root()]);
        replay(&args);
        let replayed = std::fs::read_to_string(&lines).expect("alert lines");

        let mut args = vec!["evaluate", "--format", "json"];
        args.extend_from_slice(mode);
        args.push(sorted);
        let evaluated = run(&args);
        evaluated.assert_code(0);
        // The same lines but for where each came from: the archive's files
        // or the sorted copy.
        let unplaced = |text: &str| -> Vec<Value> {
            text.lines()
                .map(|l| {
                    let mut v: Value = serde_json::from_str(l).expect("JSON line");
                    let obj = v.as_object_mut().expect("object");
                    let digest = obj.get("delivery").is_some_and(|d| d == "digest");
                    assert_eq!(obj.remove("source_file").is_some(), !digest, "{l}");
                    assert_eq!(obj.remove("record").is_some(), !digest, "{l}");
                    v
                })
                .collect()
        };
        assert_eq!(unplaced(&replayed), unplaced(&evaluated.stdout), "{mode:?}");
        let digests = replayed.matches("\"delivery\":\"digest\"").count();
        assert_eq!(digests, if mode.is_empty() { 2 } else { 0 }, "{mode:?}");
    }
}

#[test]
fn many_threads_decide_exactly_as_one() {
    let trail = trail();
    let out = tempfile::tempdir().expect("tempdir");
    let mut seen = Vec::new();
    for threads in ["1", "3"] {
        let lines = out.path().join(format!("{threads}.ndjson"));
        let mut got = report(&[
            "--threads",
            threads,
            "--alerts",
            lines.to_str().unwrap(),
            trail.root(),
        ]);
        got["totals"]["seconds"] = Value::Null;
        seen.push((got, std::fs::read_to_string(&lines).expect("lines")));
    }
    assert_eq!(seen[0], seen[1]);
    assert!(seen[0].1.lines().count() > 200);
}

#[test]
fn a_storm_guard_holds_sms_past_its_limit_and_counts_its_digest() {
    let trail = trail();
    let rules = trail.dir.path().join("guard.yaml");
    std::fs::write(&rules, "storm-guard:\n  sms: {max: 1, per: 1h}\n").expect("write");
    let got = report(&["--rules", rules.to_str().unwrap(), trail.root()]);
    let root = rule(&got, "root-account-usage");
    assert_eq!(messages(root, "sms"), (1, 0, 1));
    assert_eq!(messages(root, "alerts"), (2, 0, 0));
    // The guard's digest is the destination's, not a rule's.
    assert_eq!(got["totals"]["destinations"]["sms"]["digests"], 1);
    assert_eq!(got["totals"]["sent"]["sms"], 2);
}

#[test]
fn past_the_match_limit_the_replay_stops_and_says_why() {
    let trail = trail();
    let out = run(&["replay", "--quiet", "--max-matches", "50", trail.root()]);
    out.assert_code(1);
    assert!(out.stdout.is_empty(), "no report of part of the archive");
    assert!(
        out.stderr.contains("more than 50 matches"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_deployments_routing_variables_decide_the_destinations() {
    let trail = trail();
    let out = run_with(
        &["replay", "--quiet", "--report", "json", trail.root()],
        None,
        &[
            (
                "ALERT_TOPIC_ARN",
                "arn:aws:sns:eu-west-1:111122223333:alerts",
            ),
            (
                "EXTRA_DESTINATIONS",
                "soc=arn:aws:sns:eu-west-1:111122223333:soc@high",
            ),
        ],
    );
    out.assert_code(0);
    let got: Value = serde_json::from_str(&out.stdout).expect("JSON report");
    let names: Vec<&String> = got["totals"]["sent"].as_object().unwrap().keys().collect();
    assert_eq!(names, ["alerts", "soc"], "no SMS topic, so no sms");
    // High and above: the spray's threshold message and digest; not the medium storm.
    assert_eq!(
        messages(rule(&got, "console-login-failure"), "soc"),
        (1, 1, 0)
    );
    assert_eq!(
        messages(rule(&got, "security-group-change"), "soc"),
        (0, 0, 0)
    );
}
