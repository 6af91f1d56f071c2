//! Rule files come from users: no text, however broken, may panic the loader.

use cloudtrail_alerts::rules::{load_sources, parse_file};
use proptest::prelude::*;

/// Fragments that make the text look like a rule file, so generated inputs get
/// past the YAML parser and exercise the schema checks too.
fn yamlish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("rules:\n".to_string()),
        Just("  - id: a-rule\n".to_string()),
        Just("    title: T\n".to_string()),
        Just("    severity: high\n".to_string()),
        Just("    pattern: {detail: {eventName: [X]}}\n".to_string()),
        Just("    pattern: '{\"a\": [1]}'\n".to_string()),
        Just("    exclude: [{}]\n".to_string()),
        Just("    scope: {accounts: [prod], regions: [eu-west-1]}\n".to_string()),
        Just("accounts:\n  prod: [\"111122223333\"]\n".to_string()),
        Just("overrides:\n  a-rule: {enabled: false}\n".to_string()),
        Just("&x ".to_string()),
        Just("*x".to_string()),
        Just("!!int ".to_string()),
        Just("---\n".to_string()),
        Just("[".to_string()),
        Just("{".to_string()),
        Just(": ".to_string()),
        Just("\t".to_string()),
        "[ -~]{0,12}".prop_map(|s| s),
        "\\PC{0,4}".prop_map(|s| s),
    ];
    proptest::collection::vec(token, 0..24).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_text_gives_a_result_not_a_panic(text in yamlish()) {
        let _ = parse_file("fuzz.yaml", &text);
        if let Err(errors) = load_sources(&[("fuzz.yaml".to_string(), text)], true) {
            for e in errors {
                prop_assert_eq!(e.file, "fuzz.yaml");
                prop_assert!(!e.message.is_empty());
            }
        }
    }

    #[test]
    fn arbitrary_strings_do_not_panic(text in "\\PC{0,200}") {
        let _ = parse_file("any.yaml", &text);
    }
}

#[test]
fn deeply_nested_text_is_an_error_not_a_crash() {
    for depth in [1_000, 100_000] {
        for text in [
            format!("rules: {}{}", "[".repeat(depth), "]".repeat(depth)),
            format!("rules: {}1{}", "{a: ".repeat(depth), "}".repeat(depth)),
        ] {
            let errors = parse_file("deep.yaml", &text).unwrap_err();
            assert!(
                errors.iter().all(|e| e.file == "deep.yaml" && e.line == 1),
                "depth {depth}: {errors:?}"
            );
        }
    }
}

#[test]
fn deep_nesting_reports_a_line() {
    let text = format!(
        "rules:\n  - {}1{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let errs = parse_file("deep.yaml", &text).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].line, 2);
    assert!(errs[0].message.starts_with("YAML syntax error"));
}
