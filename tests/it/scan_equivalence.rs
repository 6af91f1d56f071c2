//! The fast scanner and the reference flattening agree on every document
//! `serde_json` accepts, and the scanner never panics on any bytes.

use crate::support::scan::{path_set, reference_view, same_view};
use cloudtrail_alerts::event::{EventView, PathSet};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Keys drawn from a small alphabet so that random paths hit; envelope and
/// record keys included so both shapes (and mixtures) come up.
const KEYS: &[&str] = &[
    "a",
    "b",
    "c",
    "detail",
    "source",
    "detail-type",
    "eventName",
    "eventSource",
    "eventType",
    "eventID",
    "awsRegion",
    "eventTime",
    "recipientAccountId",
    "",
    "ü",
];

fn key() -> impl Strategy<Value = String> {
    prop::sample::select(KEYS).prop_map(str::to_string)
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e300f64..1e300).prop_map(Value::from),
        "[a-z.]{0,6}".prop_map(Value::String),
        "\\PC{0,8}".prop_map(Value::String),
        prop::sample::select(vec![
            "iam.amazonaws.com",
            "AwsApiCall",
            "AwsConsoleSignIn",
            "AwsServiceEvent",
            "\u{0}\u{1f}\"\\/\u{7f}\u{2028}😀",
        ])
        .prop_map(|s| Value::String(s.to_string())),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..7)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Any top-level keys, the empty one included (its children are `.child`
/// on both paths).
fn object() -> impl Strategy<Value = Value> {
    prop::collection::vec((key(), json()), 0..9)
        .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>()))
}

fn paths() -> impl Strategy<Value = PathSet> {
    let path = prop::collection::vec(key(), 1..4).prop_map(|ks| ks.join("."));
    prop::collection::vec(path, 0..12).prop_map(|names| {
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        path_set(&refs)
    })
}

/// The reference sees what serde_json parsed from the bytes (its float parsing
/// is not always exact, and the scanner must agree with it, not with the
/// generator's f64).
fn check(bytes: &[u8], paths: &PathSet) -> Result<(), TestCaseError> {
    let event: Value = serde_json::from_slice(bytes).unwrap();
    let expected = reference_view(&event, paths).expect("objects always wrap");
    let got = EventView::scan(bytes, paths).map_err(|e| TestCaseError::fail(e.to_string()))?;
    same_view(&got, &expected, paths).map_err(TestCaseError::fail)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn scan_equals_reference_on_compact_json(event in object(), paths in paths()) {
        let bytes = serde_json::to_vec(&event).unwrap();
        check(&bytes, &paths)?;
    }

    #[test]
    fn scan_equals_reference_on_pretty_json(event in object(), paths in paths()) {
        let bytes = serde_json::to_vec_pretty(&event).unwrap();
        check(&bytes, &paths)?;
    }

    /// Characters written as `\uXXXX` escapes (surrogate pairs beyond the
    /// BMP), in keys and values, decode to what serde_json decodes.
    #[test]
    fn scan_equals_reference_with_unicode_escapes(event in object(), paths in paths(), seed in any::<u64>()) {
        let text = serde_json::to_string(&event).unwrap();
        let bytes = escape_some(&text, seed);
        check(bytes.as_bytes(), &paths)?;
    }

    /// Whatever the bytes: no panic, and when serde_json accepts them the
    /// views agree; when we accept them, so does serde_json (except a BOM).
    #[test]
    fn scan_agrees_with_serde_json_on_mutated_documents(
        event in object(),
        paths in paths(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..4),
    ) {
        let mut bytes = serde_json::to_vec(&event).unwrap();
        crate::support::mutate(&mut bytes, &edits);
        let ours = EventView::scan(&bytes, &paths);
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(v) if v.is_object() => {
                let got = ours.map_err(|e| TestCaseError::fail(format!("scan rejected: {e}")))?;
                let expected = reference_view(&v, &paths).unwrap();
                same_view(&got, &expected, &paths).map_err(TestCaseError::fail)?;
            }
            Ok(_) => prop_assert!(ours.is_err()),
            Err(e) => prop_assert!(ours.is_err(), "serde_json said {e}, scan accepted"),
        }
    }

    #[test]
    fn scan_never_panics_on_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256), paths in paths()) {
        let _ = EventView::scan(&bytes, &paths);
    }
}

/// Rewrite about half the characters inside strings as `\uXXXX` escapes.
fn escape_some(json: &str, mut seed: u64) -> String {
    let mut out = String::with_capacity(json.len() * 2);
    let mut in_string = false;
    let mut chars = json.chars();
    while let Some(c) = chars.next() {
        if !in_string {
            in_string = c == '"';
            out.push(c);
            continue;
        }
        match c {
            '"' => {
                in_string = false;
                out.push(c);
            }
            '\\' => {
                out.push(c);
                let next = chars.next().unwrap();
                out.push(next);
                if next == 'u' {
                    (0..4).for_each(|_| out.push(chars.next().unwrap()));
                }
            }
            _ => {
                // splitmix64: well mixed even for neighbouring seeds.
                seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = seed;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^= z >> 31;
                if z & 1 == 1 {
                    let mut units = [0u16; 2];
                    for u in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{:04x}", u));
                    }
                } else {
                    out.push(c);
                }
            }
        }
    }
    out
}

#[test]
fn escape_some_really_escapes() {
    let escaped: Vec<String> = (0..8)
        .map(|seed| escape_some(r#"{"ké":"é😀xyz"}"#, seed))
        .collect();
    assert!(
        escaped.iter().any(|e| e.contains(r"\ud83d\ude00")),
        "{escaped:?}"
    );
    for e in &escaped {
        let v: Value = serde_json::from_str(e).unwrap();
        assert_eq!(v, serde_json::json!({"ké": "é😀xyz"}));
    }
}
