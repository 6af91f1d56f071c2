//! Boundaries a mutation run showed untested: CIDR mask bits, what counts as
//! an address literal, `-0` and numbers outside the envelope, and bool and
//! null literals through the rule index (`make mutants`, README's Development section).

use cloudtrail_alerts::engine::Engine;
use cloudtrail_alerts::pattern::test_event_pattern;
use cloudtrail_alerts::rules::RuleConfig;
use cloudtrail_alerts::testing;
use serde_json::{Value, json};

/// An event `test_event_pattern` accepts (EventBridge's required fields).
fn detail(field: &str, value: &str) -> String {
    format!(
        r#"{{"id": "7bf73129-1428-4cd3-a780-95db273d1602", "detail-type": "Test",
        "source": "aws.test", "account": "123456789012", "time": "2025-03-11T10:15:42Z",
        "region": "us-east-1", "resources": [], "detail": {{"{field}": {value}}}}}"#
    )
}

fn tep(pattern: &str, event: &str) -> Result<bool, String> {
    test_event_pattern(pattern, event).map_err(|e| e.to_string())
}

#[test]
fn cidr_mask_bits_stop_just_below_the_address_width() {
    let ip = |v: &str| detail("ip", &format!("\"{v}\""));
    let cidr = |c: &str| format!(r#"{{"detail": {{"ip": [{{"cidr": "{c}"}}]}}}}"#);
    assert_eq!(tep(&cidr("10.0.0.0/31"), &ip("10.0.0.1")), Ok(true));
    assert_eq!(tep(&cidr("10.0.0.0/31"), &ip("10.0.0.2")), Ok(false));
    assert_eq!(tep(&cidr("0.0.0.0/0"), &ip("203.0.113.7")), Ok(true));
    let err = tep(&cidr("10.0.0.1/32"), &ip("10.0.0.1")).unwrap_err();
    assert!(err.contains("IPv4 mask bits must be < 32"), "{err}");
    assert_eq!(tep(&cidr("2001:db8::/127"), &ip("2001:db8::1")), Ok(true));
    assert_eq!(tep(&cidr("2001:db8::/127"), &ip("2001:db8::2")), Ok(false));
    let err = tep(&cidr("2001:db8::1/128"), &ip("2001:db8::1")).unwrap_err();
    assert!(err.contains("IPv6 mask bits must be < 128"), "{err}");
}

#[test]
fn only_four_digit_runs_or_hex_with_a_colon_read_as_addresses() {
    // Not address-shaped at all: "Nonstandard", not "Invalid".
    for addr in ["1.2", "1.2.3.x", "a.b.c.d", "abc", "1.2.3.4.5"] {
        let pattern = format!(r#"{{"detail": {{"ip": [{{"cidr": "{addr}/8"}}]}}}}"#);
        let err = tep(&pattern, &detail("ip", "\"1.2.3.4\"")).unwrap_err();
        assert!(
            err.contains(&format!("Nonstandard IP address: {addr}")),
            "{addr}: {err}"
        );
    }
    // Address-shaped but out of range: "Invalid".
    for addr in ["1.2.3.256", "1:2:3"] {
        let pattern = format!(r#"{{"detail": {{"ip": [{{"cidr": "{addr}/8"}}]}}}}"#);
        let err = tep(&pattern, &detail("ip", "\"1.2.3.4\"")).unwrap_err();
        assert!(
            err.contains(&format!("Invalid IP address: {addr}")),
            "{addr}: {err}"
        );
    }
}

/// Rule ids the engine (with its value index) fires for `event`.
fn fired(rules: &[(&str, Value)], event: Value) -> Vec<String> {
    let config = RuleConfig {
        rules: rules
            .iter()
            .map(|(id, pattern)| testing::rule(id, pattern.clone()))
            .collect(),
        ..RuleConfig::default()
    };
    let engine = Engine::from_config(config).unwrap();
    let mut ids: Vec<String> = engine
        .evaluate_value(&json!({"source": "aws.test", "detail": event}))
        .unwrap()
        .alerts
        .into_iter()
        .map(|a| a.rule.id)
        .collect();
    ids.sort();
    ids
}

#[test]
fn bool_and_null_literals_are_found_through_the_index() {
    let rules = [
        ("on", json!({"detail": {"flag": [true]}})),
        ("off", json!({"detail": {"flag": [false]}})),
        ("none", json!({"detail": {"flag": [null]}})),
    ];
    assert_eq!(fired(&rules, json!({"flag": true})), ["on"]);
    assert_eq!(fired(&rules, json!({"flag": false})), ["off"]);
    assert_eq!(fired(&rules, json!({"flag": null})), ["none"]);
    assert!(fired(&rules, json!({"flag": "true"})).is_empty());
}

#[test]
fn address_literals_match_any_spelling_of_the_same_address() {
    let rules = [
        ("v4", json!({"detail": {"ip": ["10.0.0.9"]}})),
        ("v6", json!({"detail": {"ip": ["2001:db8::1"]}})),
    ];
    assert_eq!(fired(&rules, json!({"ip": "010.000.0.09"})), ["v4"]);
    assert_eq!(
        fired(&rules, json!({"ip": "2001:0DB8:0:0:0:0:0:1"})),
        ["v6"]
    );
    assert!(fired(&rules, json!({"ip": "10.0.0.90"})).is_empty());
    assert!(fired(&rules, json!({"ip": "2001:db8::2"})).is_empty());
}

/// Rule ids the engine fires for the raw event bytes (the scanner keeps each
/// number's text as written).
fn fired_raw(rules: &[(&str, Value)], detail_json: &str) -> Vec<String> {
    let config = RuleConfig {
        rules: rules
            .iter()
            .map(|(id, pattern)| testing::rule(id, pattern.clone()))
            .collect(),
        ..RuleConfig::default()
    };
    let engine = Engine::from_config(config).unwrap();
    let raw = format!(r#"{{"source": "aws.test", "detail": {detail_json}}}"#);
    let mut ids: Vec<String> = engine
        .evaluate_bytes(raw.as_bytes())
        .unwrap()
        .alerts
        .into_iter()
        .map(|a| a.rule.id)
        .collect();
    ids.sort();
    ids
}

#[test]
fn minus_zero_equals_zero_and_big_numbers_compare_by_value() {
    let rules = [
        ("zero", json!({"detail": {"n": [0]}})),
        (
            "big",
            serde_json::from_str(r#"{"detail": {"n": [6500000000.0]}}"#).unwrap(),
        ),
    ];
    for n in ["-0.0", "0.0", "0", "-0"] {
        let event = format!(r#"{{"n": {n}}}"#);
        assert_eq!(fired_raw(&rules, &event), ["zero"], "{n}");
        let value: Value = serde_json::from_str(&event).unwrap();
        assert_eq!(fired(&rules, value), ["zero"], "{n}");
    }
    // Outside the ±5e9 envelope numbers equal by canonical form, however
    // the event writes them.
    for n in ["6.5e9", "6.5E+9", "6500000000.0", "65e8"] {
        assert_eq!(
            fired_raw(&rules, &format!(r#"{{"n": {n}}}"#)),
            ["big"],
            "{n}"
        );
    }
    // An integer keeps its digits: it is not the float.
    assert!(fired_raw(&rules, r#"{"n": 6500000000}"#).is_empty());
    assert_eq!(
        tep(
            r#"{"detail": {"n": [6.5e9]}}"#,
            &detail("n", "6500000000.0")
        ),
        Ok(true)
    );
    assert_eq!(
        tep(r#"{"detail": {"n": [-0.0]}}"#, &detail("n", "0")),
        Ok(true)
    );
}
