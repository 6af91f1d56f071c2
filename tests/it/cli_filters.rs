//! `evaluate --min-severity` / `--rule`, and the text columns.

use crate::support::cli::{run, sample_events};

fn rank(severity: &str) -> usize {
    ["info", "low", "medium", "high", "critical"]
        .iter()
        .position(|s| *s == severity)
        .unwrap_or_else(|| panic!("unknown severity {severity}"))
}

#[test]
fn cli_min_severity_and_rule_keep_only_those_alerts() {
    let samples = sample_events();
    let mut args = vec!["evaluate", "--format", "json"];
    args.extend(samples.iter().map(String::as_str));
    let all = run(&args);
    all.assert_code(0);
    let all = all.json_lines();
    assert!(
        all.iter()
            .any(|a| rank(a["severity"].as_str().unwrap()) < 3)
    );

    let mut high = vec!["evaluate", "--format", "json", "--min-severity", "high"];
    high.extend(samples.iter().map(String::as_str));
    let got = run(&high);
    got.assert_code(0);
    let expected: Vec<_> = all
        .iter()
        .filter(|a| rank(a["severity"].as_str().unwrap()) >= rank("high"))
        .cloned()
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(got.json_lines(), expected);

    let mut one = vec!["evaluate", "--format", "json", "--rule", "vpc-change"];
    one.extend(samples.iter().map(String::as_str));
    let got = run(&one);
    got.assert_code(0);
    assert_eq!(got.rules(), ["vpc-change"]);

    let typo = run(&["evaluate", "--rule", "vpc-chang", "events/vpc-create.json"]);
    typo.assert_code(2);
    assert_eq!(typo.stdout, "");
    assert_eq!(
        typo.stderr,
        "cloudtrail-alerts: --rule vpc-chang: no enabled rule has this id (see `cloudtrail-alerts rules`)\n"
    );
}

#[test]
fn cli_text_lines_show_the_title_in_aligned_columns() {
    let samples = sample_events();
    let mut json = vec!["evaluate", "--format", "json"];
    json.extend(samples.iter().map(String::as_str));
    let alerts = run(&json).json_lines();
    let mut text = vec!["evaluate", "--format", "text"];
    text.extend(samples.iter().map(String::as_str));
    let got = run(&text);
    got.assert_code(0);
    let lines: Vec<&str> = got.stdout.lines().collect();
    assert_eq!(lines.len(), alerts.len());
    let mut title_columns = std::collections::BTreeSet::new();
    for (line, alert) in lines.iter().zip(&alerts) {
        let id = alert["rule"].as_str().unwrap();
        let title = alert["title"].as_str().unwrap();
        assert_eq!(line.find(id), Some(9), "{line}");
        let at = line
            .find(&format!("  {title}"))
            .unwrap_or_else(|| panic!("no title in {line}"));
        title_columns.insert(at);
    }
    assert_eq!(title_columns.len(), 1, "{}", got.stdout);
}
