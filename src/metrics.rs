//! CloudWatch Embedded Metric Format (EMF): metrics as JSON log lines, which
//! CloudWatch Logs turns into metrics, so dashboards and alarms need no
//! PutMetricData calls (and no extra latency or permissions).
//!
//! Building the lines is pure ([`emf_lines`]); only [`emit`] writes to stdout.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{Value, json};

use crate::severity::Severity;

/// The CloudWatch namespace every metric goes to.
pub const NAMESPACE: &str = "CloudTrailAlerts";

/// What one invocation did, counted for metrics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InvocationMetrics {
    /// Events evaluated against the rules (1 per invocation that parsed).
    pub events_evaluated: u64,
    /// Alerts published to every destination that wanted them, by (rule id, severity).
    pub alerts_published: BTreeMap<(String, Severity), u64>,
    /// Matches silenced by an `exclude` pattern, by rule id.
    pub alerts_suppressed: BTreeMap<String, u64>,
    /// Publish requests that failed after retries, by destination name.
    pub publish_failures: BTreeMap<String, u64>,
    /// Matches decided `sent` (first of a window, threshold reached, no dedup), by rule.
    pub alerts_sent: BTreeMap<String, u64>,
    /// Matches folded into a window's digest, by rule.
    pub alerts_deduplicated: BTreeMap<String, u64>,
    /// Thresholds reached, by rule.
    pub thresholds_reached: BTreeMap<String, u64>,
    /// Matches of rules in shadow mode, by rule.
    pub shadow_matches: BTreeMap<String, u64>,
    /// Digest messages published, by rule (empty for storm-guard digests).
    pub digests_sent: BTreeMap<String, u64>,
    /// Alerts a storm guard held for its digest, by destination.
    pub alerts_held: BTreeMap<String, u64>,
    /// State store calls that failed after retries (the alert was sent anyway).
    pub state_store_errors: u64,
}

/// One EMF document. EMF gives one document a single set of dimension values,
/// so each (metric, dimension values) pair gets its own line.
fn document(timestamp_ms: u64, metric: &str, dimensions: &[(&str, &str)], value: u64) -> Value {
    let names: Vec<&str> = dimensions.iter().map(|(k, _)| *k).collect();
    let mut doc = json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [names],
                "Metrics": [{"Name": metric, "Unit": "Count"}],
            }],
        },
        metric: value,
    });
    if let Some(obj) = doc.as_object_mut() {
        for (k, v) in dimensions {
            obj.insert((*k).to_string(), Value::String((*v).to_string()));
        }
    }
    doc
}

/// The EMF lines for one invocation. `EventsEvaluated` is always written (so
/// a quiet function still shows it is alive); the others only for what happened.
pub fn emf_lines(metrics: &InvocationMetrics, timestamp_ms: u64) -> Vec<String> {
    let mut docs = vec![document(
        timestamp_ms,
        "EventsEvaluated",
        &[],
        metrics.events_evaluated,
    )];
    for ((rule, severity), n) in &metrics.alerts_published {
        docs.push(document(
            timestamp_ms,
            "AlertsPublished",
            &[("Rule", rule), ("Severity", severity.as_str())],
            *n,
        ));
    }
    for (rule, n) in &metrics.alerts_suppressed {
        docs.push(document(
            timestamp_ms,
            "AlertsSuppressed",
            &[("Rule", rule)],
            *n,
        ));
    }
    for (destination, n) in &metrics.publish_failures {
        docs.push(document(
            timestamp_ms,
            "PublishFailures",
            &[("Destination", destination)],
            *n,
        ));
    }
    for (metric, dimension, counts) in [
        ("AlertsSent", "Rule", &metrics.alerts_sent),
        ("AlertsDeduplicated", "Rule", &metrics.alerts_deduplicated),
        ("ThresholdsReached", "Rule", &metrics.thresholds_reached),
        ("ShadowMatches", "Rule", &metrics.shadow_matches),
        ("DigestsSent", "Rule", &metrics.digests_sent),
        ("AlertsHeld", "Destination", &metrics.alerts_held),
    ] {
        for (value, n) in counts {
            let dims: &[(&str, &str)] = if value.is_empty() {
                &[]
            } else {
                &[(dimension, value)]
            };
            docs.push(document(timestamp_ms, metric, dims, *n));
        }
    }
    if metrics.state_store_errors > 0 {
        docs.push(document(
            timestamp_ms,
            "StateStoreErrors",
            &[],
            metrics.state_store_errors,
        ));
    }
    docs.into_iter().map(|d| d.to_string()).collect()
}

/// Write the invocation's EMF lines to stdout, where Lambda sends them to
/// CloudWatch Logs. One locked write per line keeps them whole even when log
/// lines are written concurrently.
pub fn emit(metrics: &InvocationMetrics) {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0);
    let stdout = std::io::stdout();
    for line in emf_lines(metrics, now_ms) {
        let mut out = stdout.lock();
        // A metric line that cannot be written must not fail the invocation.
        let _ = writeln!(out, "{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(lines: &[String]) -> Vec<Value> {
        lines
            .iter()
            .map(|l| {
                assert!(!l.contains('\n'), "EMF line spans lines: {l}");
                serde_json::from_str(l).unwrap()
            })
            .collect()
    }

    #[test]
    fn a_quiet_invocation_still_counts_the_event() {
        let m = InvocationMetrics {
            events_evaluated: 1,
            ..Default::default()
        };
        let docs = parse(&emf_lines(&m, 1_700_000_000_000));
        assert_eq!(
            docs,
            vec![json!({
                "_aws": {
                    "Timestamp": 1_700_000_000_000u64,
                    "CloudWatchMetrics": [{
                        "Namespace": "CloudTrailAlerts",
                        "Dimensions": [[]],
                        "Metrics": [{"Name": "EventsEvaluated", "Unit": "Count"}],
                    }],
                },
                "EventsEvaluated": 1,
            })]
        );
    }

    #[test]
    fn each_dimension_value_set_gets_its_own_document() {
        let mut m = InvocationMetrics {
            events_evaluated: 1,
            ..Default::default()
        };
        m.alerts_published
            .insert(("root-console-login".into(), Severity::Critical), 1);
        m.alerts_published
            .insert(("iam-user-created".into(), Severity::Medium), 2);
        m.alerts_suppressed.insert("sg-open-to-world".into(), 1);
        m.publish_failures.insert("sms".into(), 1);
        let docs = parse(&emf_lines(&m, 5));
        assert_eq!(docs.len(), 5);

        let published: Vec<&Value> = docs
            .iter()
            .filter(|d| d.get("AlertsPublished").is_some())
            .collect();
        assert_eq!(published.len(), 2);
        let root = published
            .iter()
            .find(|d| d["Rule"] == "root-console-login")
            .unwrap();
        assert_eq!(root["Severity"], "critical");
        assert_eq!(root["AlertsPublished"], 1);
        assert_eq!(
            root["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Rule", "Severity"]])
        );
        assert_eq!(
            root["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"],
            "AlertsPublished"
        );

        let suppressed = docs
            .iter()
            .find(|d| d.get("AlertsSuppressed").is_some())
            .unwrap();
        assert_eq!(suppressed["Rule"], "sg-open-to-world");
        assert_eq!(
            suppressed["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Rule"]])
        );

        let failures = docs
            .iter()
            .find(|d| d.get("PublishFailures").is_some())
            .unwrap();
        assert_eq!(failures["Destination"], "sms");
        assert_eq!(failures["PublishFailures"], 1);
        for d in &docs {
            assert_eq!(d["_aws"]["CloudWatchMetrics"][0]["Namespace"], NAMESPACE);
            assert_eq!(d["_aws"]["Timestamp"], 5);
        }
    }

    #[test]
    fn delivery_metrics_are_written_for_what_happened() {
        let mut m = InvocationMetrics::default();
        m.alerts_deduplicated.insert("sg".into(), 49);
        m.digests_sent.insert(String::new(), 1);
        m.state_store_errors = 2;
        let docs = parse(&emf_lines(&m, 0));
        let find = |name: &str| docs.iter().find(|d| d.get(name).is_some()).cloned();
        assert_eq!(find("AlertsDeduplicated").unwrap()["Rule"], "sg");
        assert_eq!(
            find("AlertsDeduplicated").unwrap()["AlertsDeduplicated"],
            49
        );
        let digest = find("DigestsSent").unwrap();
        assert_eq!(
            digest["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([[]])
        );
        assert_eq!(find("StateStoreErrors").unwrap()["StateStoreErrors"], 2);
        assert!(find("ShadowMatches").is_none());
    }

    #[test]
    fn hostile_rule_ids_stay_inside_valid_json() {
        let mut m = InvocationMetrics::default();
        m.alerts_suppressed.insert("a\"b\n\u{202e}c".into(), 1);
        let docs = parse(&emf_lines(&m, 0));
        assert_eq!(docs[1]["Rule"], "a\"b\n\u{202e}c");
    }
}
