use serde_json::{Value, json};

use super::*;
use crate::event::PathSet;

/// What `pattern` wanted at the field it missed on, and what it saw there.
fn miss(pattern: &str, event: Value) -> (String, String, Vec<Value>) {
    let mut paths = PathSet::new();
    let pattern = Pattern::parse(pattern, &mut paths).unwrap();
    let view = EventView::from_value(&event, &paths).unwrap();
    match pattern.explain(&view, &paths) {
        Some(Explained {
            miss: Miss::Field { path, wanted, seen },
            ..
        }) => (path, wanted, seen),
        other => panic!("expected a missed field, got {other:?}"),
    }
}

fn wanted(pattern: &str, a: Value) -> String {
    let (path, wanted, seen) = miss(pattern, json!({ "a": a.clone() }));
    assert_eq!(path, "a");
    assert_eq!(seen, vec![a]);
    wanted
}

#[test]
fn a_matching_event_has_no_explanation() {
    let mut paths = PathSet::new();
    let pattern = Pattern::parse(r#"{"a": [{"prefix": "x"}]}"#, &mut paths).unwrap();
    let view = EventView::from_value(&json!({"a": "xy"}), &paths).unwrap();
    assert_eq!(pattern.explain(&view, &paths), None);
}

#[test]
fn each_operator_has_a_short_form() {
    let cases: &[(&str, Value, &str)] = &[
        (r#"{"a": ["x"]}"#, json!("y"), r#""x""#),
        (r#"{"a": [300]}"#, json!(301), "300"),
        (r#"{"a": [true]}"#, json!(false), "true"),
        (r#"{"a": [null]}"#, json!("x"), "null"),
        (
            r#"{"a": [{"suffix": ".json"}]}"#,
            json!("x.txt"),
            r#"suffix ".json""#,
        ),
        (
            r#"{"a": [{"prefix": {"equals-ignore-case": "AD"}}]}"#,
            json!("user"),
            r#"prefix (any case) "AD""#,
        ),
        (
            r#"{"a": [{"equals-ignore-case": "ADMIN"}]}"#,
            json!("user"),
            r#"equals-ignore-case "ADMIN""#,
        ),
        (
            r#"{"a": [{"anything-but": {"prefix": "test-"}}]}"#,
            json!("test-1"),
            r#"anything-but prefix ["test-"]"#,
        ),
        (
            r#"{"a": [{"anything-but": {"suffix": ".tmp"}}]}"#,
            json!("x.tmp"),
            r#"anything-but suffix [".tmp"]"#,
        ),
        (
            r#"{"a": [{"anything-but": [1, 2]}]}"#,
            json!(1),
            "anything-but [1, 2]",
        ),
        (
            r#"{"a": [{"anything-but": {"equals-ignore-case": ["ROOT"]}}]}"#,
            json!("root"),
            r#"anything-but equals-ignore-case ["ROOT"]"#,
        ),
        (
            r#"{"a": [{"anything-but": {"wildcard": "*.tmp"}}]}"#,
            json!("x.tmp"),
            r#"anything-but wildcard ["*.tmp"]"#,
        ),
        (r#"{"a": [{"numeric": ["=", 5]}]}"#, json!(6), "numeric = 5"),
        (r#"{"a": [{"numeric": [">", 0]}]}"#, json!(0), "numeric > 0"),
        (
            r#"{"a": [{"cidr": "2001:db8::/32"}]}"#,
            json!("10.0.0.1"),
            "cidr 2001:db8::/32",
        ),
        (
            r#"{"a": [{"wildcard": "a\\*b*"}]}"#,
            json!("ab"),
            r#"wildcard "a\\*b*""#,
        ),
        (
            r#"{"a": ["x", {"prefix": "y"}, {"exists": false}]}"#,
            json!("z"),
            r#""x" or prefix "y" or absent"#,
        ),
        (
            r#"{"a": ["a", "b", "c", "d", "e", "f", "g"]}"#,
            json!("z"),
            r#"one of ["a", "b", "c", "d", "e", … 2 more]"#,
        ),
    ];
    for (pattern, value, expected) in cases {
        assert_eq!(wanted(pattern, value.clone()), *expected, "{pattern}");
    }
}

#[test]
fn every_value_at_the_path_is_seen() {
    let (_, _, seen) = miss(r#"{"a": ["x"]}"#, json!({"a": ["y", 2, null]}));
    assert_eq!(seen, vec![json!("y"), json!(2), Value::Null]);
}

#[test]
fn the_first_failing_field_is_reported_in_the_order_written() {
    let (path, ..) = miss(r#"{"b": ["no"], "a": ["no"]}"#, json!({"a": "x", "b": "y"}));
    assert_eq!(path, "b");
}
