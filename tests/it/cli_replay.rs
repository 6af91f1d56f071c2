//! `cloudtrail-alerts replay` over a generated archive on disk, run as a user
//! runs it: same results on one thread and many, the same alerts as
//! `evaluate`, pruning by date, account and region, the reports' shapes.

use std::path::Path;

use crate::support::cli::{Run, run};
use crate::support::replay::{Archive, generate, stable};
use serde_json::Value;

fn archive_dir() -> (tempfile::TempDir, Archive) {
    let dir = tempfile::tempdir().expect("tempdir");
    let archive = generate();
    archive.write_to(dir.path());
    (dir, archive)
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp path")
}

fn replay(args: &[&str]) -> Run {
    let mut all = vec!["replay", "--quiet"];
    all.extend_from_slice(args);
    run(&all)
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("report is not JSON ({e}): {run:#?}"))
}

#[test]
fn one_thread_and_many_give_the_same_report_and_alert_lines() {
    let (dir, archive) = archive_dir();
    let out = tempfile::tempdir().expect("tempdir");
    let one = out.path().join("one.ndjson");
    let many = out.path().join("many.ndjson");
    let root = path(dir.path());
    let serial = replay(&[
        "--threads",
        "1",
        "--report",
        "json",
        "--alerts",
        path(&one),
        root,
    ]);
    let parallel = replay(&[
        "--threads",
        "4",
        "--report",
        "json",
        "--alerts",
        path(&many),
        root,
    ]);
    serial.assert_code(0);
    parallel.assert_code(0);
    let report = json(&serial);
    assert_eq!(stable(report.clone()), stable(json(&parallel)));
    assert_eq!(report["totals"]["files"], archive.log_files);
    assert_eq!(report["totals"]["events"], archive.records);
    let (one, many) = (
        std::fs::read_to_string(one).unwrap(),
        std::fs::read_to_string(many).unwrap(),
    );
    assert!(one.lines().count() > 10, "the archive fires rules: {one}");
    assert_eq!(one, many);
    // Alert lines come in event-time order, whatever the files' order;
    // digest lines (no event time) where their windows close.
    let lines: Vec<Value> = one
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let times: Vec<&str> = lines
        .iter()
        .filter_map(|l| l["event_time"].as_str())
        .collect();
    assert!(times.len() > 10 && times.len() < lines.len(), "{one}");
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
}

/// Every record of the archive's log files as NDJSON, in the order replay
/// decides them: event time, then file (as the tree is walked), then
/// position in the file.
fn in_replay_order(archive: &Archive, dir: &Path) -> String {
    let mut files: Vec<std::path::PathBuf> = archive
        .log_paths(dir)
        .into_iter()
        .map(std::path::PathBuf::from)
        .collect();
    files.sort();
    let mut records = Vec::new();
    for file in files {
        let mut text = String::new();
        let bytes = std::fs::read(&file).unwrap();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text)
            .unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        records.extend(doc["Records"].as_array().unwrap().iter().cloned());
    }
    // Stable: equal times keep file and position order.
    records.sort_by(|a, b| a["eventTime"].as_str().cmp(&b["eventTime"].as_str()));
    records.iter().map(|r| format!("{r}\n")).collect()
}

#[test]
fn replay_sends_what_evaluate_prints_for_the_same_events_in_time_order() {
    let (dir, archive) = archive_dir();
    let out = tempfile::tempdir().expect("tempdir");
    let alerts = out.path().join("alerts.ndjson");
    replay(&["--alerts", path(&alerts), path(dir.path())]).assert_code(0);
    let sorted = out.path().join("sorted.ndjson");
    std::fs::write(&sorted, in_replay_order(&archive, dir.path())).unwrap();
    let evaluated = run(&["evaluate", "--format", "json", path(&sorted)]);
    evaluated.assert_code(0);
    let replayed = std::fs::read_to_string(&alerts).unwrap();
    assert!(
        replayed.contains("\"delivery\":\"deduplicated\""),
        "{replayed}"
    );
    // Both say where each alert came from: the archive's file, or the sorted copy.
    assert!(
        replayed.contains(&format!("\"source_file\":\"{}", path(dir.path()))),
        "{replayed}"
    );
    assert_eq!(
        replayed.lines().map(without_origin).collect::<Vec<_>>(),
        evaluated
            .stdout
            .lines()
            .map(without_origin)
            .collect::<Vec<_>>()
    );
}

#[test]
fn without_state_replay_sends_every_match_evaluate_prints_for_the_same_files() {
    let (dir, archive) = archive_dir();
    let out = tempfile::tempdir().expect("tempdir");
    let alerts = out.path().join("alerts.ndjson");
    let replayed = replay(&["--no-state", "--alerts", path(&alerts), path(dir.path())]);
    replayed.assert_code(0);
    let replay_lines: Vec<String> = std::fs::read_to_string(&alerts)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();

    let files = archive.log_paths(dir.path());
    let mut args = vec!["evaluate", "--no-state", "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    let evaluated = run(&args);
    evaluated.assert_code(0);
    // evaluate also says which file and record each alert came from.
    let mut evaluate_lines: Vec<String> = evaluated.stdout.lines().map(without_origin).collect();
    let mut replay_lines: Vec<String> = replay_lines.iter().map(|l| without_origin(l)).collect();
    replay_lines.sort();
    evaluate_lines.sort();
    assert_eq!(replay_lines, evaluate_lines);

    // `evaluate DIR` walks the same tree: digests, READMEs and hidden files skipped.
    let walked = run(&[
        "evaluate",
        "--no-state",
        "--format",
        "json",
        path(dir.path()),
    ]);
    walked.assert_code(0);
    let mut walked_lines: Vec<String> = walked.stdout.lines().map(without_origin).collect();
    walked_lines.sort();
    assert_eq!(walked_lines, evaluate_lines);
}

/// An alert line without where it came from (`source_file`, `record`):
/// every alert line carries both, digests neither.
fn without_origin(line: &str) -> String {
    let mut v: Value = serde_json::from_str(line).unwrap();
    let obj = v.as_object_mut().unwrap();
    let digest = obj.get("delivery").is_some_and(|d| d == "digest");
    assert_eq!(
        obj.remove("source_file").is_some_and(|f| f.is_string()),
        !digest,
        "{line}"
    );
    assert_eq!(
        obj.remove("record").is_some_and(|r| r.is_u64()),
        !digest,
        "{line}"
    );
    v.to_string()
}

#[test]
fn a_date_range_accounts_and_regions_read_only_their_files() {
    let (dir, _) = archive_dir();
    let out = replay(&[
        "--since",
        "2026-11-02",
        "--until",
        "2026-11-02",
        "--accounts",
        "444455556666",
        "--regions",
        "us-east-1",
        "--report",
        "json",
        path(dir.path()),
    ]);
    out.assert_code(0);
    let report = json(&out);
    // The day's three files, and the next day's first, delivered after
    // midnight with the day's last events.
    assert_eq!(report["totals"]["files"], 4);
    assert_eq!(report["totals"]["events"], 20);
    assert_eq!(report["days"], serde_json::json!(["2026-11-02"]));
    let last_minutes = replay(&[
        "--since",
        "2026-11-02T23:50",
        "--until",
        "2026-11-02",
        "--accounts",
        "444455556666",
        "--regions",
        "us-east-1",
        "--report",
        "json",
        path(dir.path()),
    ]);
    let last_minutes = json(&last_minutes);
    assert!(
        last_minutes["totals"]["matches"].as_u64() > Some(0),
        "{last_minutes}"
    );
    assert_eq!(report["since"], "2026-11-02T00:00:00Z");
    assert_eq!(report["until"], "2026-11-02T23:59:59Z");
    for rule in report["rules"].as_array().unwrap() {
        for account in rule["top_accounts"].as_array().unwrap() {
            assert_eq!(account["value"], "444455556666");
        }
    }
    // A time inside the day keeps only the events after it.
    let later = replay(&[
        "--since",
        "2026-11-02T12:00:00Z",
        "--until",
        "2026-11-02",
        "--accounts",
        "444455556666",
        "--regions",
        "us-east-1",
        "--report",
        "json",
        path(dir.path()),
    ]);
    let later = json(&later);
    let (all, after) = (
        report["totals"]["matches"].as_u64().unwrap(),
        later["totals"]["matches"].as_u64().unwrap(),
    );
    assert!(after > 0 && after < all, "{after} of {all}");
}

#[test]
fn a_corrupt_file_is_reported_and_skipped_and_the_rest_is_read() {
    let (dir, archive) = archive_dir();
    let bad = dir
        .path()
        .join("AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/02/111122223333_CloudTrail_eu-west-1_20261102T2355Z_bad.json.gz");
    let mut corrupt = crate::support::cli::gzip(br#"{"Records": [{"eventVersion": "1.09"}]}"#);
    let middle = corrupt.len() / 2;
    corrupt[middle..].iter_mut().for_each(|b| *b = !*b);
    std::fs::write(&bad, corrupt).unwrap();
    let out = replay(&["--report", "json", path(dir.path())]);
    out.assert_code(1);
    assert!(
        out.stderr.contains(path(&bad)) && out.stderr.contains("cannot read"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("incomplete"), "{}", out.stderr);
    let report = json(&out);
    assert_eq!(report["totals"]["skipped"], 1);
    assert_eq!(report["totals"]["files"], archive.log_files + 1);
    assert!(report["totals"]["events"].as_u64().unwrap() >= archive.records as u64);
}

#[test]
fn the_html_report_is_well_formed_and_holds_every_rules_numbers() {
    let (dir, _) = archive_dir();
    let out = tempfile::tempdir().expect("tempdir");
    let page = out.path().join("report.html");
    let html_run = replay(&[
        "--sms-min-severity",
        "high",
        "--report",
        "html",
        path(&page),
        path(dir.path()),
    ]);
    html_run.assert_code(0);
    let report = json(&replay(&[
        "--sms-min-severity",
        "high",
        "--report",
        "json",
        path(dir.path()),
    ]));
    let text = std::fs::read_to_string(&page).unwrap();
    // Self-contained: no script, nothing loaded from elsewhere.
    for outside in ["<script", " src=", "href=\"http", "url(", "@import"] {
        assert!(!text.contains(outside), "the page holds {outside}");
    }
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(&text, options)
        .unwrap_or_else(|e| panic!("not well-formed: {e}"));
    let rules = report["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["matches"].as_u64() > Some(0)));
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        let row = doc
            .descendants()
            .find(|n| n.attribute("data-rule") == Some(id))
            .unwrap_or_else(|| panic!("no summary row for {id}"));
        let cells: Vec<String> = row
            .children()
            .filter(|n| n.has_tag_name("td"))
            .map(|td| {
                td.descendants()
                    .filter(|n| n.is_text())
                    .filter_map(|n| n.text())
                    .collect()
            })
            .collect();
        let expected = [
            id.to_string(),
            rule["severity"].as_str().unwrap().to_string(),
            rule["matches"].to_string(),
            rule["suppressed"].to_string(),
            rule["sent"]["alerts"].to_string(),
            rule["sent"]["sms"].to_string(),
            rule["delivery"]["deduplicated"].to_string(),
            rule["delivery"]["below-threshold"].to_string(),
            rule["delivery"]["shadow"].to_string(),
            (rule["destinations"]["alerts"]["held"].as_u64().unwrap()
                + rule["destinations"]["sms"]["held"].as_u64().unwrap())
            .to_string(),
            rule["digested"].to_string(),
        ];
        assert_eq!(cells, expected, "summary row of {id}");
        if rule["matches"].as_u64() == Some(0) && rule["suppressed"].as_u64() == Some(0) {
            continue;
        }
        let section = doc
            .descendants()
            .find(|n| n.attribute("id") == Some(&format!("rule-{id}")))
            .unwrap_or_else(|| panic!("no section for {id}"));
        let bars: Vec<String> = section
            .descendants()
            .filter(|n| n.has_tag_name("title"))
            .filter_map(|n| n.text().map(str::to_string))
            .collect();
        for (day, count) in rule["per_day"].as_object().unwrap() {
            assert!(
                bars.contains(&format!("{day}: {count}")),
                "{id}: no bar for {day} in {bars:?}"
            );
        }
        let text: String = section.descendants().filter_map(|n| n.text()).collect();
        for top in rule["top_principals"].as_array().unwrap() {
            assert!(
                text.contains(top["value"].as_str().unwrap()),
                "{id}: principal missing"
            );
        }
    }
}

#[test]
fn the_json_report_follows_its_documented_schema() {
    let (dir, _) = archive_dir();
    let report = json(&replay(&[
        "--sms-min-severity",
        "critical",
        "--report",
        "json",
        path(dir.path()),
    ]));
    let schema = crate::support::cli::read_json("docs/report.schema.json");
    let mut errors = Vec::new();
    check(&report, &schema, &schema, "$", &mut errors);
    assert!(errors.is_empty(), "{errors:#?}");
    // The checker itself rejects a drifted report.
    let mut drifted = report.clone();
    drifted["totals"]["files"] = "many".into();
    drifted["rules"][0]["surprise"] = true.into();
    let mut errors = Vec::new();
    check(&drifted, &schema, &schema, "$", &mut errors);
    assert_eq!(errors.len(), 2, "{errors:#?}");
}

/// The part of JSON Schema the report's schema uses: type, enum, minimum,
/// required, properties, additionalProperties, items and local $ref.
fn check(value: &Value, schema: &Value, root: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        let target = r
            .trim_start_matches("#/")
            .split('/')
            .fold(root, |s, k| &s[k]);
        return check(value, target, root, at, errors);
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        errors.push(format!("{at}: {value} not in {allowed:?}"));
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let is = |t: &str| match t {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_u64() || value.is_i64(),
        "number" => value.is_number(),
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        _ => false,
    };
    if !types.is_empty() && !types.iter().any(|t| is(t)) {
        errors.push(format!("{at}: {value} is not {types:?}"));
        return;
    }
    if let (Some(min), Some(n)) = (schema["minimum"].as_f64(), value.as_f64())
        && n < min
    {
        errors.push(format!("{at}: {n} < {min}"));
    }
    if let Some(object) = value.as_object() {
        for key in schema["required"].as_array().into_iter().flatten() {
            if !object.contains_key(key.as_str().unwrap_or_default()) {
                errors.push(format!("{at}: missing {key}"));
            }
        }
        for (key, v) in object {
            let path = format!("{at}.{key}");
            match (&schema["properties"][key], &schema["additionalProperties"]) {
                (Value::Object(_), _) => check(v, &schema["properties"][key], root, &path, errors),
                (_, Value::Bool(false)) => errors.push(format!("{path}: not in the schema")),
                (_, extra @ Value::Object(_)) => check(v, extra, root, &path, errors),
                _ => {}
            }
        }
    }
    if let Some(items) = value.as_array() {
        for (i, v) in items.iter().enumerate() {
            check(v, &schema["items"], root, &format!("{at}[{i}]"), errors);
        }
    }
}

#[test]
fn usage_errors_say_what_to_write() {
    let html = replay(&["--report", "html"]);
    html.assert_code(2);
    assert!(
        html.stderr.contains("--report html needs a FILE"),
        "{}",
        html.stderr
    );
    let since = replay(&["--since", "last tuesday", "events"]);
    since.assert_code(2);
    assert!(
        since.stderr.contains("--since \"last tuesday\""),
        "{}",
        since.stderr
    );
    let order = replay(&["--since", "2026-11-05", "--until", "2026-11-01", "events"]);
    order.assert_code(2);
    let none = replay(&[]);
    none.assert_code(2);
    assert!(
        none.stderr.contains("at least one SOURCE"),
        "{}",
        none.stderr
    );
    // `--report json` takes no FILE: a second value is a SOURCE.
    let json_then_source = replay(&["--report", "json", "events"]);
    json_then_source.assert_code(0);
    assert!(json_then_source.stdout.starts_with('{'));
}

#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    let (dir, archive) = archive_dir();
    let out = run(&["replay", path(dir.path())]);
    out.assert_code(0);
    assert_eq!(
        out.stderr, "",
        "stderr is a pipe here: nothing but errors belongs on it"
    );
    let first = format!("Replayed {} files", archive.log_files);
    assert!(out.stdout.starts_with(&first), "{}", out.stdout);
}
