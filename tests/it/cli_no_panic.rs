//! No input makes `evaluate` panic: random bytes and mutated real events go
//! through the same steps the binary takes (split, scan, match, build the
//! alert, render it), and a handful go through the binary itself.

use std::sync::OnceLock;

use crate::support::{cli, printable_ascii};
use cloudtrail_alerts::engine::Engine;
use cloudtrail_alerts::input;
use cloudtrail_alerts::render;
use cloudtrail_alerts::routing::{Destination, Router};
use cloudtrail_alerts::rules::LoadOptions;
use cloudtrail_alerts::testing;
use proptest::prelude::*;
use serde_json::{Value, json};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        Engine::load(&LoadOptions {
            files: vec![cli::root().join("rules/example.yaml")],
            builtin: true.into(),
        })
        .expect("the built-in pack and the example load")
    })
}

fn samples() -> &'static [Vec<u8>] {
    static SAMPLES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SAMPLES.get_or_init(|| cli::sample_events().iter().map(|p| cli::read(p)).collect())
}

fn destinations() -> Vec<Destination> {
    testing::destinations(testing::ALERTS_TOPIC, testing::SMS_TOPIC)
}

/// What `evaluate` and `render` do with `bytes`, as library calls. Every
/// error must name its source; every alert must render.
fn pipeline(bytes: &[u8]) -> Result<usize, TestCaseError> {
    let mut alerts = 0;
    for document in input::from_slice("fuzz.json", bytes).take(10_000) {
        let document = match document {
            Ok(d) => d,
            Err(e) => {
                prop_assert!(e.to_string().starts_with("fuzz.json: "), "{e}");
                continue;
            }
        };
        // Errors are expected here; what matters is that none panics.
        if let Ok(evaluation) = engine().evaluate_bytes(&document.bytes) {
            for alert in &evaluation.alerts {
                alerts += 1;
                // The terminal-safe line is the same JSON once parsed.
                let summary = render::summary_json(alert);
                let line: Value = serde_json::from_str(&render::summary_line(alert))
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(&line, &summary);
                let line = render::text_line(alert, true);
                prop_assert!(!line.contains('\n'), "{line:?}");
                for request in Router::new(destinations()).publish_requests(alert) {
                    let subject = request.subject.as_deref().unwrap_or("x");
                    prop_assert!(
                        !subject.is_empty() && subject.len() < 100 && printable_ascii(subject),
                        "{:?}",
                        subject
                    );
                    prop_assert!(
                        serde_json::from_str::<Value>(&request.message.default).is_ok(),
                        "{}",
                        request.message.default
                    );
                }
            }
        }
    }
    Ok(alerts)
}

/// When a document is JSON, the fast path (scan the bytes) and the reference
/// path (a full `Value`) must give the same alerts.
fn same_on_both_paths(bytes: &[u8]) -> Result<(), TestCaseError> {
    for document in input::from_slice("fuzz.json", bytes).take(1_000).flatten() {
        let Ok(value) = serde_json::from_slice::<Value>(&document.bytes) else {
            continue;
        };
        let fast = engine().evaluate_bytes(&document.bytes);
        let reference = engine().evaluate_value(&value);
        match (fast, reference) {
            (Ok(fast), Ok(reference)) => prop_assert_eq!(fast, reference),
            (fast, reference) => prop_assert_eq!(fast.is_ok(), reference.is_ok()),
        }
    }
    Ok(())
}

/// A byte-level change to a real event: flip, delete, insert, truncate, splice.
#[derive(Clone, Debug)]
enum Mutation {
    Set(usize, u8),
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Truncate(usize),
    Duplicate(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let interesting = prop::sample::select(vec![
        b'{', b'}', b'[', b']', b'"', b'\\', b',', b':', b'\n', b'0', b'-', b'e', 0xff, 0xef, 0x1f,
    ]);
    prop_oneof![
        (any::<usize>(), interesting).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<usize>(), 1..64usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (
            any::<usize>(),
            prop::sample::select(vec![
                b"\"".to_vec(),
                b"{\"Records\":[".to_vec(),
                b"]}".to_vec(),
                b"\n".to_vec(),
                b"\xEF\xBB\xBF".to_vec(),
                b"\\u0000".to_vec(),
                b"\\ud800".to_vec(),
                b"1e999".to_vec(),
                b"-0.0e-400".to_vec(),
                b"null".to_vec(),
                b"[[[[[[[[[[[[[[[[".to_vec(),
                "é\u{202e}".as_bytes().to_vec(),
            ])
        )
            .prop_map(|(i, s)| Mutation::Insert(i, s)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 1..200usize).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let at = |i: usize, len: usize| if len == 0 { 0 } else { i % (len + 1) };
    match mutation {
        Mutation::Set(i, b) => {
            if !bytes.is_empty() {
                let i = i % bytes.len();
                bytes[i] = *b;
            }
        }
        Mutation::Delete(i, n) => {
            let i = at(*i, bytes.len());
            let end = (i + n).min(bytes.len());
            bytes.drain(i..end);
        }
        Mutation::Insert(i, s) => {
            let i = at(*i, bytes.len());
            bytes.splice(i..i, s.iter().copied());
        }
        Mutation::Truncate(i) => {
            let i = at(*i, bytes.len());
            bytes.truncate(i);
        }
        Mutation::Duplicate(i, n) => {
            let i = at(*i, bytes.len());
            let end = (i + n).min(bytes.len());
            let copy = bytes[i..end].to_vec();
            bytes.splice(end..end, copy);
        }
    }
}

/// Replace the value at a random path of a real event by an odd one: real
/// records have nulls, numbers where strings are usual, huge and deep values.
fn odd_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "\\PC{0,20}".prop_map(Value::String),
        Just(json!("")),
        Just(json!("Root")),
        Just(json!("ConsoleLogin")),
        Just(json!("AwsServiceEvent")),
        Just(json!(u64::MAX)),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn replace_somewhere(event: &mut Value, mut choice: usize, new: Value) {
    let mut node = event;
    loop {
        let next = match node {
            Value::Object(m) if !m.is_empty() => {
                let keys: Vec<String> = m.keys().cloned().collect();
                let key = &keys[choice % keys.len()];
                choice /= keys.len();
                // Stop here one time in four, so upper levels get replaced too.
                if choice.is_multiple_of(4) {
                    m.insert(key.clone(), new);
                    return;
                }
                choice /= 4;
                m.get_mut(key)
            }
            Value::Array(a) if !a.is_empty() => {
                let i = choice % a.len();
                choice /= a.len();
                a.get_mut(i)
            }
            _ => None,
        };
        match next {
            Some(n) if n.is_object() || n.is_array() => node = n,
            Some(n) => {
                *n = new;
                return;
            }
            None => return,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..1024)) {
        pipeline(&bytes)?;
    }

    #[test]
    fn mutated_samples_never_panic_and_both_paths_agree(
        sample in 0..64usize,
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let mut bytes = samples()[sample % samples().len()].clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        pipeline(&bytes)?;
        same_on_both_paths(&bytes)?;
    }

    #[test]
    fn odd_values_in_real_events_never_panic_and_both_paths_agree(
        sample in 0..64usize,
        edits in prop::collection::vec((any::<usize>(), odd_value()), 1..4),
        pretty in any::<bool>(),
    ) {
        let mut event: Value = serde_json::from_slice(&samples()[sample % samples().len()]).unwrap();
        for (choice, new) in edits {
            replace_somewhere(&mut event, choice, new);
        }
        let bytes = if pretty {
            serde_json::to_vec_pretty(&event).unwrap()
        } else {
            serde_json::to_vec(&event).unwrap()
        };
        pipeline(&bytes)?;
        same_on_both_paths(&bytes)?;
    }
}

#[test]
fn every_sample_gives_the_same_alerts_on_both_paths() {
    let mut alerts = 0;
    for bytes in samples() {
        same_on_both_paths(bytes).unwrap();
        alerts += pipeline(bytes).unwrap();
    }
    assert!(alerts >= 18, "{alerts}");
}

#[test]
fn deep_and_huge_events_through_the_binary() {
    let vpc: Value = serde_json::from_slice(&cli::read("events/vpc-create.json")).unwrap();
    let mut cases: Vec<Vec<u8>> = Vec::new();
    // Deep nesting inside requestParameters.
    let mut deep = vpc.clone();
    let nested = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
    deep["detail"]["requestParameters"] = json!("PLACEHOLDER");
    let text = serde_json::to_string(&deep).unwrap();
    cases.push(text.replace("\"PLACEHOLDER\"", &nested).into_bytes());
    // Deep objects.
    let deep_objects = format!("{}1{}", "{\"a\":".repeat(3000), "}".repeat(3000));
    cases.push(deep_objects.into_bytes());
    // 2 MB of requestParameters.
    let mut huge = vpc.clone();
    huge["detail"]["requestParameters"] = json!({"blob": "x".repeat(2 << 20)});
    cases.push(serde_json::to_vec(&huge).unwrap());
    // A very long line of many small events.
    let mut many = Vec::new();
    for _ in 0..2000 {
        many.extend(serde_json::to_vec(&vpc).unwrap());
        many.push(b' ');
    }
    cases.push(many);
    for bytes in &cases {
        let got = cli::run_stdin(&["evaluate"], bytes);
        assert!(got.code == 0 || got.code == 1, "{got:?}");
        assert!(!got.stderr.contains("panicked"), "{}", got.stderr);
        for line in got.stdout.lines() {
            let _: Value = serde_json::from_str(line).unwrap();
        }
    }
}

proptest! {
    // Each case spawns the binary: few cases, but the real thing.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn the_binary_survives_mutated_input(
        sample in 0..64usize,
        mutations in prop::collection::vec(mutation(), 1..8),
        format in prop::sample::select(vec!["json", "text"]),
    ) {
        let mut bytes = samples()[sample % samples().len()].clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        let got = cli::run_stdin(&["evaluate", "--format", format], &bytes);
        prop_assert!(got.code == 0 || got.code == 1, "{:?}", got);
        prop_assert!(!got.stderr.contains("panicked"), "{}", got.stderr);
        for line in got.stderr.lines() {
            prop_assert!(line.starts_with("cloudtrail-alerts: -: "), "{}", line);
        }
        if format == "json" {
            for line in got.stdout.lines() {
                prop_assert!(serde_json::from_str::<Value>(line).is_ok(), "{}", line);
            }
        }
        // Exit 1 exactly when something was reported.
        prop_assert_eq!(got.code == 1, !got.stderr.is_empty());
    }
}
