//! `evaluate` and `render` apply dedup on event time, as the function does.

use std::collections::BTreeMap;

use crate::support::cli::run_stdin;
use crate::support::storm;

fn deliveries(stdout: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for line in stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let d = v["delivery"].as_str().unwrap_or("none").to_string();
        *out.entry(d).or_default() += 1;
    }
    out
}

#[test]
fn cli_state_storm_is_one_alert_then_one_digest_and_no_state_shows_every_match() {
    let input = storm::ndjson();
    let got = run_stdin(&["evaluate", "--format", "json"], input.as_bytes());
    got.assert_code(0);
    let counts = deliveries(&got.stdout);
    let expected: BTreeMap<String, usize> = [("sent", 1), ("deduplicated", 499), ("digest", 1)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    assert_eq!(counts, expected);
    let digest: serde_json::Value =
        serde_json::from_str(got.stdout.lines().last().unwrap()).unwrap();
    assert_eq!(digest["rule"], "security-group-change");
    assert_eq!(digest["count"], 499);
    assert_eq!(digest["first_time"], "2025-03-11T10:15:00Z");
    assert_eq!(digest["last_time"], "2025-03-11T10:17:59Z");

    let raw = run_stdin(
        &["evaluate", "--format", "json", "--no-state"],
        input.as_bytes(),
    );
    raw.assert_code(0);
    assert_eq!(deliveries(&raw.stdout).get("none"), Some(&500));

    let text = run_stdin(&["evaluate", "--format", "text"], input.as_bytes());
    assert!(text.stdout.lines().next().unwrap().ends_with("[sent]"));
    assert!(
        text.stdout
            .lines()
            .last()
            .unwrap()
            .starts_with("DIGEST   security-group-change 499 more")
    );
}

#[test]
fn cli_state_render_shows_the_alert_and_the_digest_messages() {
    let input = storm::ndjson();
    let got = run_stdin(&["render"], input.as_bytes());
    got.assert_code(0);
    let lines: Vec<serde_json::Value> = got
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["attributes"]["digest"], "true");
    // In chat, the alert and its digest thread together.
    let thread = |l: &serde_json::Value| -> serde_json::Value {
        serde_json::from_str::<serde_json::Value>(l["message"]["https"].as_str().unwrap()).unwrap()
            ["metadata"]["threadId"]
            .clone()
    };
    assert!(thread(&lines[0]).is_string());
    assert_eq!(thread(&lines[0]), thread(&lines[1]));
    assert!(
        lines[1]["subject"]
            .as_str()
            .unwrap()
            .starts_with("[MEDIUM] 499 more: Security group changed")
    );
    let raw = run_stdin(&["render", "--no-state"], input.as_bytes());
    assert_eq!(raw.stdout.lines().count(), 500);
}

#[test]
fn cli_state_digest_is_printed_where_its_window_closes() {
    let mut input = storm::ndjson();
    // An unrelated event an hour later closes the storm's window first.
    let mut later = storm::event(0);
    later["detail"]["eventTime"] = serde_json::json!("2025-03-11T11:15:00Z");
    later["detail"]["userIdentity"]["arn"] =
        serde_json::json!("arn:aws:sts::111122223333:assumed-role/Admin/bob");
    input.push_str(&format!("{later}\n"));
    let got = run_stdin(&["evaluate", "--format", "json"], input.as_bytes());
    let lines: Vec<serde_json::Value> = got
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[500]["delivery"], "digest");
    assert_eq!(lines[501]["delivery"], "sent");
    assert_eq!(lines.len(), 502);
}
