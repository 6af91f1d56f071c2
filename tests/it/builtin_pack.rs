//! The built-in pack against its fixtures and the sample events.
//!
//! Every rule must have at least one `match` and one `no-match` fixture under
//! `tests/fixtures/<rule-id>/`, so a rule added without fixtures fails here.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use crate::support::samples::SAMPLE_ALERTS;
use crate::support::{json_files, read_json, root};
use cloudtrail_alerts::event::{EventView, Shape, wrap_record};
use cloudtrail_alerts::matcher::RuleSet;
use cloudtrail_alerts::rules::{RuleConfig, load_sources};
use serde_json::Value;

/// The one sample that is a CloudTrail log file (`{"Records": [...]}`), not an envelope.
const LOG_FILE: &str = "cloudtrail-log-file";

const ENVELOPE_KEYS: &[&str] = &[
    "version",
    "id",
    "detail-type",
    "source",
    "account",
    "time",
    "region",
    "resources",
    "detail",
];

fn pack_ids() -> Vec<String> {
    load_sources(&[], true)
        .expect("the built-in pack validates")
        .rules
        .into_iter()
        .map(|r| r.id)
        .collect()
}

#[test]
fn the_pack_has_sixty_rules_or_more_with_unique_ids() {
    let ids = pack_ids();
    assert!(ids.len() >= 60, "{} rules", ids.len());
    let unique: BTreeSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len());
}

#[test]
fn every_rule_has_match_and_no_match_fixtures() {
    let ids = pack_ids();
    let mut missing = Vec::new();
    for id in &ids {
        for kind in ["match", "no-match"] {
            let dir = root().join("tests/fixtures").join(id).join(kind);
            if json_files(&dir).is_empty() {
                missing.push(format!("{id}/{kind}"));
            }
        }
    }
    assert!(missing.is_empty(), "rules without fixtures: {missing:?}");

    // And no fixture directory names a rule that does not exist.
    for entry in fs::read_dir(root().join("tests/fixtures")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(ids.contains(&name), "fixtures for unknown rule `{name}`");
    }
}

/// Sample events must look exactly like what EventBridge delivers, and agree
/// with how a bare record is wrapped (`detail-type` from `eventType`, `source`
/// from `eventSource`, `account`, `region` and `time` from the record).
fn check_envelope(path: &Path, event: &Value) {
    let name = path.display();
    let obj = event
        .as_object()
        .unwrap_or_else(|| panic!("{name}: not an object"));
    for key in ENVELOPE_KEYS {
        assert!(obj.contains_key(*key), "{name}: no `{key}`");
    }
    assert_eq!(event["version"], "0", "{name}");
    assert_eq!(event["account"], "111122223333", "{name}");
    let detail = &event["detail"];
    let Some(event_type) = detail["eventType"].as_str() else {
        return; // not a CloudTrail event (e.g. an EC2 state change)
    };
    let detail_type = match event_type {
        "AwsApiCall" => "AWS API Call via CloudTrail",
        "AwsConsoleSignIn" => "AWS Console Sign In via CloudTrail",
        "AwsServiceEvent" => "AWS Service Event via CloudTrail",
        "AwsConsoleAction" => "AWS Console Action via CloudTrail",
        "AwsCloudTrailInsight" => "AWS Insight via CloudTrail",
        other => panic!("{name}: unknown eventType {other}"),
    };
    assert_eq!(event["detail-type"], detail_type, "{name}");
    assert_eq!(event["region"], detail["awsRegion"], "{name}");
    assert_eq!(event["time"], detail["eventTime"], "{name}");
    assert_eq!(event["account"], detail["recipientAccountId"], "{name}");
    for key in [
        "eventVersion",
        "eventTime",
        "awsRegion",
        "eventID",
        "eventCategory",
    ] {
        assert!(detail.get(key).is_some(), "{name}: detail has no `{key}`");
    }
    // A forged event, posted with PutEvents, has any source but AWS's own.
    let forged = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("forged-"));
    if forged {
        let source = event["source"].as_str().unwrap_or("");
        assert!(
            !source.starts_with("aws."),
            "{name}: forged with source {source}"
        );
    }
    if event_type == "AwsCloudTrailInsight" {
        if !forged {
            assert_eq!(event["source"], "aws.cloudtrail", "{name}");
        }
        return;
    }
    let service = detail["eventSource"]
        .as_str()
        .and_then(|s| s.split('.').next())
        .unwrap_or_else(|| panic!("{name}: no eventSource"));
    if !forged {
        assert_eq!(event["source"], format!("aws.{service}"), "{name}");
    }
    for key in [
        "userIdentity",
        "eventName",
        "sourceIPAddress",
        "userAgent",
        "requestParameters",
        "responseElements",
        "readOnly",
        "managementEvent",
    ] {
        assert!(detail.get(key).is_some(), "{name}: detail has no `{key}`");
    }
    if event_type == "AwsConsoleSignIn" {
        assert!(
            detail.get("requestID").is_none(),
            "{name}: sign-in events have no requestID"
        );
        assert!(
            detail["responseElements"]["ConsoleLogin"].is_string()
                || detail["errorMessage"].is_string(),
            "{name}"
        );
    } else {
        assert!(detail["requestID"].is_string(), "{name}: no requestID");
    }
}

#[test]
fn sample_events_are_complete_eventbridge_envelopes() {
    let files = json_files(&root().join("events"));
    let mut names: Vec<String> = Vec::new();
    for path in &files {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let event = read_json(path);
        names.push(stem.clone());
        if stem == LOG_FILE {
            let records = event["Records"].as_array().expect("a CloudTrail log file");
            assert!(records.len() >= 2);
            assert!(
                records
                    .iter()
                    .all(|r| r["eventID"].is_string() && r.get("detail").is_none())
            );
            continue;
        }
        check_envelope(path, &event);
    }
    let table: Vec<String> = SAMPLE_ALERTS.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(
        names, table,
        "events/ and the table of what each fires differ"
    );
}

#[test]
fn fixtures_are_complete_eventbridge_envelopes() {
    for id in pack_ids() {
        for kind in ["match", "no-match"] {
            for path in json_files(&root().join("tests/fixtures").join(&id).join(kind)) {
                let event = read_json(&path);
                // Bare CloudTrail records (as in a log file) are named for it.
                let bare = path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("bare-record-"));
                if bare {
                    assert!(
                        event.get("detail-type").is_none() && event["eventVersion"].is_string(),
                        "{}",
                        path.display()
                    );
                } else {
                    check_envelope(&path, &event);
                }
            }
        }
    }
}

fn pack() -> RuleConfig {
    load_sources(&[], true).expect("the built-in pack validates")
}

/// The pack with its opt-in rules switched on too, for their fixtures.
fn pack_all() -> RuleConfig {
    let mut cfg = pack();
    for rule in &mut cfg.rules {
        rule.enabled = true;
    }
    cfg
}

/// The ids of the rules that alert on `event` (fired and not silenced by an exclude).
fn alerting(set: &RuleSet, event: Value) -> Vec<String> {
    let (_, envelope) = wrap_record(event).expect("wrappable event");
    let view = EventView::from_value(&envelope, set.paths()).expect("viewable event");
    alerting_in(set, &view)
}

fn alerting_in(set: &RuleSet, view: &EventView) -> Vec<String> {
    let mut ids: Vec<String> = set
        .evaluate(view)
        .into_iter()
        .filter(|f| f.suppressed_by.is_none())
        .map(|f| f.rule.id.clone())
        .collect();
    ids.sort();
    ids
}

/// The same, through the fast path that scans the raw bytes.
fn alerting_scanned(set: &RuleSet, bytes: &[u8]) -> Vec<String> {
    let view = EventView::scan(bytes, set.paths()).expect("scannable event");
    alerting_in(set, &view)
}

#[test]
fn scanning_bytes_fires_the_same_rules_as_the_reference_view() {
    let set = RuleSet::compile(&pack_all()).unwrap();
    let mut files = json_files(&root().join("events"));
    for id in pack_ids() {
        for kind in ["match", "no-match"] {
            files.extend(json_files(
                &root().join("tests/fixtures").join(&id).join(kind),
            ));
        }
    }
    for path in files {
        if path.ends_with("cloudtrail-log-file.json") {
            continue;
        }
        let bytes = fs::read(&path).unwrap();
        assert_eq!(
            alerting_scanned(&set, &bytes),
            alerting(&set, read_json(&path)),
            "{}",
            path.display()
        );
    }
}

#[test]
fn the_pack_compiles_into_a_rule_set() {
    let cfg = pack();
    let enabled = cfg.rules.iter().filter(|r| r.enabled).count();
    let set = RuleSet::compile(&cfg).expect("every pattern compiles");
    assert_eq!(set.len(), enabled);
}

#[test]
fn each_fixture_fires_or_spares_its_rule() {
    let set = RuleSet::compile(&pack_all()).unwrap();
    let mut wrong = Vec::new();
    let mut checked = 0;
    for id in pack_ids() {
        for kind in ["match", "no-match"] {
            for path in json_files(&root().join("tests/fixtures").join(&id).join(kind)) {
                let fired = alerting(&set, read_json(&path));
                if fired.contains(&id) != (kind == "match") {
                    wrong.push(format!(
                        "{}: fires {fired:?}",
                        path.strip_prefix(root()).unwrap_or(&path).display()
                    ));
                }
                checked += 1;
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "fixtures that disagree with their rule:\n{}",
        wrong.join("\n")
    );
    assert!(checked >= 34);
}

#[test]
fn each_sample_event_fires_exactly_what_its_name_promises() {
    let set = RuleSet::compile(&pack()).unwrap();
    for (name, expected) in SAMPLE_ALERTS {
        if *name == LOG_FILE {
            // Its records are checked against their envelopes below.
            continue;
        }
        let path = root().join("events").join(format!("{name}.json"));
        let fired = alerting(&set, read_json(&path));
        let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(fired, expected, "events/{name}.json");
    }
}

#[test]
fn records_of_a_cloudtrail_log_file_fire_like_their_envelopes() {
    let set = RuleSet::compile(&pack()).unwrap();
    let log = read_json(&root().join("events/cloudtrail-log-file.json"));
    let records = log["Records"].as_array().unwrap();
    let fired: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            let (shape, _) = wrap_record(r.clone()).unwrap();
            assert_eq!(shape, Shape::Record);
            alerting(&set, r.clone())
        })
        .collect();
    assert_eq!(
        fired,
        vec![vec!["root-account-usage".to_string()], vec![], vec![]]
    );
    // The same record as EventBridge delivers it fires the same.
    let envelope = read_json(&root().join("events/root-console-login.json"));
    assert_eq!(envelope["detail"], records[0]);
}

#[test]
fn excluded_read_only_transit_gateway_calls_are_suppressed_not_fired() {
    let set = RuleSet::compile(&pack()).unwrap();
    let event = read_json(&root().join("events/describe-transit-gateways.json"));
    let view = EventView::from_value(&event, set.paths()).unwrap();
    let firings = set.evaluate(&view);
    assert_eq!(firings.len(), 1);
    assert_eq!(firings[0].rule.id, "transit-gateway-change");
    assert_eq!(firings[0].suppressed_by, Some(0));
}

#[test]
fn the_example_config_scopes_and_excludes_as_documented() {
    let example = fs::read_to_string(root().join("rules/example.yaml")).unwrap();
    let cfg = load_sources(&[("rules/example.yaml".to_string(), example)], true).unwrap();
    let set = RuleSet::compile(&cfg).unwrap();

    // vpc-change is scoped to prod: the sample (account 111122223333) is prod.
    let vpc = read_json(&root().join("events/vpc-create.json"));
    assert_eq!(alerting(&set, vpc.clone()), vec!["vpc-change"]);
    let mut elsewhere = vpc;
    elsewhere["account"] = "999988887777".into();
    elsewhere["detail"]["recipientAccountId"] = "999988887777".into();
    assert_eq!(alerting(&set, elsewhere), Vec::<String>::new());

    // The deploy pipeline's security group changes are silenced; others are not.
    let sg =
        read_json(&root().join("tests/fixtures/security-group-change/match/revoke-egress.json"));
    assert_eq!(alerting(&set, sg), Vec::<String>::new());
    let sg = read_json(&root().join("events/security-group-ingress-open.json"));
    assert_eq!(
        alerting(&set, sg),
        vec!["security-group-admin-port-open", "security-group-change"]
    );
}
