//! No pattern and no event may make the engine panic.

use cloudtrail_alerts::event::{EventView, PathSet};
use cloudtrail_alerts::pattern::{Pattern, test_event_pattern};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn key() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "a",
        "b",
        "a.b",
        "$or",
        "prefix",
        "suffix",
        "anything-but",
        "numeric",
        "exists",
        "cidr",
        "wildcard",
        "equals-ignore-case",
        "exactly",
        "",
        "detail",
    ])
    .prop_map(str::to_string)
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        (-1e12f64..1e12).prop_map(|n| json!(n)),
        prop::sample::select(vec![
            "",
            "*",
            "**",
            "a*b",
            "\\",
            "\\*",
            "10.0.0.0/8",
            "::/0",
            "1.2.3.4",
            "2001:db8::1",
            ">",
            ">=",
            "<",
            "<=",
            "=",
            "x",
            "ß",
            "É",
            "10.0.0.256/33",
            "/",
            "a/b/",
        ])
        .prop_map(|s| json!(s)),
        "\\PC{0,6}".prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(5, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..4)
                .prop_map(|members| Value::Object(members.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_patterns_and_events_never_panic(pattern in json_value(), event in json_value()) {
        let mut paths = PathSet::new();
        let compiled = Pattern::compile(&pattern, &mut paths);
        let parsed = Pattern::parse(&pattern.to_string(), &mut paths);
        // Text and value forms agree on validity (keys are sorted either way here).
        prop_assert_eq!(compiled.is_ok(), parsed.is_ok());
        if let (Ok(p), Ok(view)) = (compiled, EventView::from_value(&event, &paths)) {
            let _ = p.matches(&view);
        }
        let _ = test_event_pattern(&pattern.to_string(), &event.to_string());
    }

    #[test]
    fn random_text_never_panics(text in "\\PC{0,40}") {
        let mut paths = PathSet::new();
        let _ = Pattern::parse(&text, &mut paths);
        let _ = test_event_pattern(&text, &text);
    }
}
