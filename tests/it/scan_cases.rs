//! The scanner on the cases real CloudTrail traffic throws at it.

use crate::support::scan::{PACK_PATHS, path_set, reference_view, same_view};
use cloudtrail_alerts::event::{
    EventError, EventView, Leaf, PathSet, Shape, detail_type_for, source_for, wrap_record,
};
use serde_json::{Value, json};

fn strs(view: &EventView, paths: &PathSet, path: &str) -> Vec<String> {
    view.leaves(paths.get(path).unwrap())
        .iter()
        .map(|l| match &l.value {
            Leaf::Str(s) => s.clone(),
            other => format!("{other:?}"),
        })
        .collect()
}

fn num(view: &EventView, paths: &PathSet, path: &str) -> (String, f64) {
    match &view.leaves(paths.get(path).unwrap())[0].value {
        Leaf::Num(n) => (n.text.clone(), n.value),
        other => panic!("not a number: {other:?}"),
    }
}

/// Scan, and check against the reference on the serde_json parse.
fn scan_checked(bytes: &[u8], paths: &PathSet) -> EventView {
    let view = EventView::scan(bytes, paths).unwrap();
    let value: Value = serde_json::from_slice(bytes).unwrap();
    same_view(&view, &reference_view(&value, paths).unwrap(), paths).unwrap();
    view
}

#[test]
fn escapes_are_decoded_in_keys_and_values() {
    let paths = path_set(&["a\"b", "x.é", "s"]);
    let doc = br#"{"a\"b": "q\"\\\/\b\f\n\r\t", "x": {"\u00e9": "\ud83d\ude00\u2028"}, "s": "caf\u00E9"}"#;
    let view = scan_checked(doc, &paths);
    assert_eq!(strs(&view, &paths, "a\"b"), ["q\"\\/\u{8}\u{c}\n\r\t"]);
    assert_eq!(strs(&view, &paths, "x.é"), ["😀\u{2028}"]);
    assert_eq!(strs(&view, &paths, "s"), ["café"]);
}

#[test]
fn lone_surrogates_and_bad_escapes_are_errors_even_in_skipped_strings() {
    let paths = path_set(&["needed"]);
    for doc in [
        &br#"{"needed": "\ud800"}"#[..],
        br#"{"skipped": "\ud800x"}"#,
        br#"{"skipped": "\udc00"}"#,
        br#"{"skipped": "\x"}"#,
        b"{\"skipped\": \"tab\there\"}",
    ] {
        assert!(serde_json::from_slice::<Value>(doc).is_err());
        let err = EventView::scan(doc, &paths).unwrap_err();
        assert!(matches!(err, EventError::Json { .. }), "{err}");
    }
}

#[test]
fn numbers_keep_serde_json_text_and_value() {
    let paths = path_set(&["a", "b", "c", "d", "e", "f"]);
    let doc = br#"{"a": -0, "b": 3.0e2, "c": 18446744073709551615, "d": 18446744073709551616, "e": -9223372036854775808, "f": 1e-400}"#;
    let view = scan_checked(doc, &paths);
    let (text, value) = num(&view, &paths, "a");
    assert_eq!(text, "-0.0");
    assert!(value == 0.0 && value.is_sign_negative());
    assert_eq!(num(&view, &paths, "b"), ("300.0".to_string(), 300.0));
    assert_eq!(num(&view, &paths, "c").0, "18446744073709551615");
    assert_eq!(num(&view, &paths, "d").1, 18446744073709551616.0);
    assert_eq!(num(&view, &paths, "e").0, "-9223372036854775808");
    assert_eq!(num(&view, &paths, "f").1, 0.0);
}

#[test]
fn numbers_out_of_f64_range_are_errors_like_serde_json() {
    let paths = path_set(&["a"]);
    for doc in [&br#"{"a": 1e400}"#[..], br#"{"skipped": [-1.5E+999]}"#] {
        assert!(serde_json::from_slice::<Value>(doc).is_err());
        let err = EventView::scan(doc, &paths).unwrap_err();
        assert!(err.to_string().contains("number out of range"), "{err}");
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let paths = path_set(&["a.a.a", "b"]);
    for n in [10_000usize, 128] {
        for (open, close) in [("{\"a\":", "}"), ("{\"b\":", "}"), ("[", "]")] {
            let doc = format!("{{\"x\":{}1{}}}", open.repeat(n), close.repeat(n));
            let doc = if open == "[" {
                format!("{{\"b\":{}1{}}}", open.repeat(n), close.repeat(n))
            } else {
                doc
            };
            assert!(serde_json::from_str::<Value>(&doc).is_err());
            let err = EventView::scan(doc.as_bytes(), &paths).unwrap_err();
            assert!(
                matches!(err, EventError::TooDeep { limit: 127, .. }),
                "{err}"
            );
        }
    }
    // As deep as serde_json allows still works, on needed and skipped paths.
    let doc = format!("{{\"b\":{}7{}}}", "[".repeat(126), "]".repeat(126));
    let view = scan_checked(doc.as_bytes(), &paths);
    assert_eq!(
        view.arrays(&view.leaves(paths.get("b").unwrap())[0]).len(),
        126
    );
}

#[test]
fn a_200_kb_request_parameters_is_skipped_and_fields_after_it_found() {
    let paths = path_set(PACK_PATHS);
    let big: Vec<Value> = (0..4000)
        .map(|i| json!({"key": format!("k{i}"), "value": "v".repeat(30), "n": i}))
        .collect();
    let event = json!({
        "version": "0", "id": "1", "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.ec2", "account": "111122223333", "region": "eu-west-1",
        "time": "2024-01-01T00:00:00Z", "resources": [],
        "detail": {
            "eventName": "RunInstances",
            "requestParameters": {"tagSet": {"items": big}},
            "responseElements": null,
            "errorCode": "Client.UnauthorizedOperation"
        }
    });
    let bytes = serde_json::to_vec(&event).unwrap();
    assert!(bytes.len() > 200_000);
    let view = scan_checked(&bytes, &paths);
    assert_eq!(
        strs(&view, &paths, "detail.errorCode"),
        ["Client.UnauthorizedOperation"]
    );
    assert_eq!(strs(&view, &paths, "detail.eventName"), ["RunInstances"]);
}

#[test]
fn a_leading_bom_is_tolerated() {
    let paths = path_set(&["source"]);
    let view = EventView::scan(
        b"\xEF\xBB\xBF {\"source\":\"aws.iam\",\"detail\":{}}",
        &paths,
    )
    .unwrap();
    assert_eq!(strs(&view, &paths, "source"), ["aws.iam"]);
}

#[test]
fn non_object_top_levels_are_rejected_with_their_kind() {
    let paths = path_set(&["a"]);
    for (doc, found) in [
        (&b"[1, 2]"[..], "an array"),
        (b" \"x\" ", "a string"),
        (b"42", "a number"),
        (b"null", "null"),
        (b"true", "a boolean"),
    ] {
        assert_eq!(
            EventView::scan(doc, &paths),
            Err(EventError::NotAnObject { found })
        );
        let v: Value = serde_json::from_slice(doc).unwrap();
        assert_eq!(
            wrap_record(v).unwrap_err(),
            EventError::NotAnObject { found }
        );
    }
}

#[test]
fn invalid_documents_report_the_byte_offset() {
    let paths = path_set(&["a"]);
    let cases: &[(&[u8], usize, &str)] = &[
        (b"{\"a\": 1,}", 8, "trailing comma"),
        (b"{\"a\" 1}", 5, "expected `:`"),
        (b"{\"a\": [1 2]}", 9, "expected `,` or `]`"),
        (b"{\"a\": 1} {}", 9, "trailing characters"),
        (b"{\"a\": nul}", 9, "expected ident"),
        (b"{\"z\": tru}", 9, "expected ident"),
    ];
    for &(doc, offset, what) in cases {
        match EventView::scan(doc, &paths) {
            Err(EventError::Json { offset: o, message }) => {
                assert_eq!(
                    (o, message.as_str()),
                    (offset, what),
                    "{}",
                    String::from_utf8_lossy(doc)
                );
            }
            other => panic!("{}: {other:?}", String::from_utf8_lossy(doc)),
        }
    }
}

#[test]
fn truncated_documents_are_errors_never_partial_views() {
    let paths = path_set(PACK_PATHS);
    let doc = serde_json::to_vec(&json!({
        "source": "aws.iam", "detail-type": "AWS API Call via CloudTrail",
        "detail": {"eventName": "PutRolePolicy", "requestParameters": {"policy": "{}", "n": [1, 2.5, true]}}
    }))
    .unwrap();
    for cut in 0..doc.len() {
        let err = EventView::scan(&doc[..cut], &paths).unwrap_err();
        assert!(
            matches!(err, EventError::Truncated { offset, .. } if offset == cut),
            "cut at {cut}: {err:?}"
        );
    }
}

#[test]
fn invalid_utf8_is_an_error() {
    let paths = path_set(&["a"]);
    let err = EventView::scan(b"{\"b\": \"\xff\", \"a\": 1}", &paths).unwrap_err();
    assert_eq!(err, EventError::InvalidUtf8 { offset: 7 });
}

#[test]
fn duplicate_keys_keep_the_last_value_like_serde_json() {
    let paths = path_set(&["a", "a.b", "a.c", "x.y"]);
    let doc = br#"{"a": {"b": 1, "c": [1, 2]}, "x": {"y": "first"}, "a": {"b": 2}, "x": {"y": "second", "y": "third"}}"#;
    let view = scan_checked(doc, &paths);
    assert_eq!(strs(&view, &paths, "x.y"), ["third"]);
    assert_eq!(view.leaves(paths.get("a.c").unwrap()), &[]);
    assert_eq!(num(&view, &paths, "a.b").0, "2");
}

#[test]
fn dotted_keys_and_nested_keys_are_one_path() {
    let paths = path_set(&["detail.state.status"]);
    let doc = br#"{"source": "aws.ec2", "detail-type": "x", "detail": {"state.status": "a", "state": {"status": "b"}}}"#;
    let view = EventView::scan(doc, &paths).unwrap();
    let mut got = strs(&view, &paths, "detail.state.status");
    got.sort();
    assert_eq!(got, ["a", "b"]);
}

#[test]
fn arrays_are_transparent_with_their_trail() {
    let paths = path_set(&["i.a", "i.b"]);
    let doc = br#"{"i": [{"a": "1", "b": "2"}, {"a": "3", "b": [["4"]]}], "j": [1]}"#;
    let view = scan_checked(doc, &paths);
    let b = view.leaves(paths.get("i.b").unwrap());
    assert_eq!(b.len(), 2);
    assert_eq!(view.arrays(&b[1]).len(), 3);
    let a = view.leaves(paths.get("i.a").unwrap());
    assert_eq!(view.arrays(&a[1])[0], view.arrays(&b[1])[0]);
    assert_ne!(view.arrays(&a[0])[0].index, view.arrays(&b[1])[0].index);
    // Leaves of one element agree; leaves of two elements of one array do not.
    assert!(view.consistent(a[1].trail, b[1].trail));
    assert!(!view.consistent(a[0].trail, b[1].trail));
}

fn bare_record() -> Value {
    json!({
        "eventVersion": "1.08",
        "userIdentity": {"type": "Root", "arn": "arn:aws:iam::111122223333:root"},
        "eventTime": "2024-05-01T12:00:00Z",
        "eventSource": "signin.amazonaws.com",
        "eventName": "ConsoleLogin",
        "awsRegion": "us-east-1",
        "eventID": "e-1",
        "eventType": "AwsConsoleSignIn",
        "recipientAccountId": "111122223333",
        "responseElements": {"ConsoleLogin": "Success"}
    })
}

#[test]
fn bare_records_are_wrapped_as_eventbridge_does() {
    let (shape, wrapped) = wrap_record(bare_record()).unwrap();
    assert_eq!(shape, Shape::Record);
    assert_eq!(
        wrapped,
        json!({
            "version": "0", "id": "e-1", "detail-type": "AWS Console Sign In via CloudTrail",
            "source": "aws.signin", "account": "111122223333", "region": "us-east-1",
            "time": "2024-05-01T12:00:00Z", "resources": [], "detail": bare_record()
        })
    );

    let paths = path_set(PACK_PATHS);
    let bytes = serde_json::to_vec_pretty(&bare_record()).unwrap();
    let (shape, view) = EventView::scan_shaped(&bytes, &paths).unwrap();
    assert_eq!(shape, Shape::Record);
    same_view(
        &view,
        &reference_view(&bare_record(), &paths).unwrap(),
        &paths,
    )
    .unwrap();
    assert_eq!(strs(&view, &paths, "source"), ["aws.signin"]);
    assert_eq!(
        strs(&view, &paths, "detail-type"),
        ["AWS Console Sign In via CloudTrail"]
    );
    assert_eq!(strs(&view, &paths, "account"), ["111122223333"]);
    assert_eq!(strs(&view, &paths, "region"), ["us-east-1"]);
    assert_eq!(strs(&view, &paths, "time"), ["2024-05-01T12:00:00Z"]);
    assert_eq!(strs(&view, &paths, "id"), ["e-1"]);
    assert_eq!(strs(&view, &paths, "detail.eventName"), ["ConsoleLogin"]);
    assert_eq!(strs(&view, &paths, "detail.userIdentity.type"), ["Root"]);
}

#[test]
fn missing_or_non_string_record_fields_are_left_out_of_the_envelope() {
    let record = json!({"eventName": "X", "eventSource": 5, "eventType": null, "awsRegion": ["a"]});
    let (shape, wrapped) = wrap_record(record.clone()).unwrap();
    assert_eq!(shape, Shape::Record);
    assert_eq!(
        wrapped,
        json!({"version": "0", "id": "", "detail-type": "AWS API Call via CloudTrail",
               "resources": [], "detail": record})
    );
    let paths = path_set(&[
        "source",
        "region",
        "account",
        "time",
        "id",
        "version",
        "detail.awsRegion",
    ]);
    let view = scan_checked(&serde_json::to_vec(&record).unwrap(), &paths);
    assert!(strs(&view, &paths, "source").is_empty());
    assert!(strs(&view, &paths, "region").is_empty());
    assert_eq!(strs(&view, &paths, "id"), [""]);
    assert_eq!(strs(&view, &paths, "version"), ["0"]);
    assert_eq!(strs(&view, &paths, "detail.awsRegion"), ["a"]);
}

#[test]
fn envelopes_and_other_events_are_kept_as_they_are() {
    let ec2 = json!({"version": "0", "source": "aws.ec2", "detail-type": "EC2 Instance State-change Notification",
                     "detail": {"state": "running", "eventName": "not a record"}});
    assert_eq!(
        wrap_record(ec2.clone()).unwrap(),
        (Shape::Envelope, ec2.clone())
    );
    let other = json!({"hello": "world"});
    assert_eq!(
        wrap_record(other.clone()).unwrap(),
        (Shape::Envelope, other)
    );
    // A record-looking object that also has an envelope key is not wrapped.
    let odd = json!({"eventName": "X", "source": "custom"});
    assert_eq!(wrap_record(odd.clone()).unwrap().0, Shape::Envelope);
    let paths = path_set(&["source", "detail.eventName"]);
    let (shape, view) = EventView::scan_shaped(&serde_json::to_vec(&odd).unwrap(), &paths).unwrap();
    assert_eq!(shape, Shape::Envelope);
    assert_eq!(strs(&view, &paths, "source"), ["custom"]);
    assert!(strs(&view, &paths, "detail.eventName").is_empty());
}

#[test]
fn event_type_and_source_mapping() {
    for (t, dt) in [
        (Some("AwsApiCall"), "AWS API Call via CloudTrail"),
        (
            Some("AwsConsoleSignIn"),
            "AWS Console Sign In via CloudTrail",
        ),
        (Some("AwsServiceEvent"), "AWS Service Event via CloudTrail"),
        (
            Some("AwsConsoleAction"),
            "AWS Console Action via CloudTrail",
        ),
        (Some("AwsCloudTrailInsight"), "AWS Insight via CloudTrail"),
        (Some("SomethingNew"), "AWS API Call via CloudTrail"),
        (None, "AWS API Call via CloudTrail"),
    ] {
        assert_eq!(detail_type_for(t), dt);
    }
    assert_eq!(source_for("iam.amazonaws.com"), "aws.iam");
    assert_eq!(source_for("sts"), "aws.sts");
}

#[test]
fn duplicate_record_fields_feed_the_envelope_with_the_last_value() {
    let doc = br#"{"eventSource": "iam.amazonaws.com", "eventName": "X", "eventSource": "kms.amazonaws.com", "awsRegion": "a", "awsRegion": 1}"#;
    let paths = path_set(&["source", "region", "detail.eventSource"]);
    let view = scan_checked(doc, &paths);
    assert_eq!(strs(&view, &paths, "source"), ["aws.kms"]);
    assert!(strs(&view, &paths, "region").is_empty());
    assert_eq!(
        strs(&view, &paths, "detail.eventSource"),
        ["kms.amazonaws.com"]
    );
}

#[test]
fn no_paths_still_validates() {
    let paths = PathSet::new();
    assert!(EventView::scan(b"{\"a\": [1, {\"b\": null}]}", &paths).is_ok());
    assert!(EventView::scan(b"{\"a\": [1, {\"b\": null}]", &paths).is_err());
}
