//! Every bad input is reported with its source and record number, and the
//! good records after it still come through.

use std::io::Write;

use cloudtrail_alerts::input::{self, InputError};

/// "ok <record>" for documents (with their `n`), the error text for errors.
fn outcome(bytes: &[u8]) -> Vec<String> {
    input::from_slice("x.json", bytes)
        .map(|d| match d {
            Ok(d) => {
                let v: serde_json::Value = serde_json::from_slice(&d.bytes).unwrap();
                format!("ok {} n={}", d.position, v["n"])
            }
            Err(e) => e.to_string(),
        })
        .collect()
}

#[test]
fn truncated_json_at_the_end() {
    let got = outcome(b"{\"n\":1}\n{\"n\":2}\n{\"n\":3, \"detail\": {\"a\": [1,");
    assert_eq!(
        got,
        [
            "ok x.json: record 1 (line 1) n=1",
            "ok x.json: record 2 (line 2) n=2",
            "x.json: record 3 (line 3): truncated JSON: EOF while parsing a value",
        ]
    );
}

#[test]
fn truncated_lines_in_the_middle_do_not_swallow_the_next_ones() {
    let got = outcome(
        b"{\"n\":1, \"s\": \"cut here\n{\"n\":2}\n{\"n\":3, \"o\": {\"a\": 1}\n{\"n\":4}\n{\"n\":5, \"o\":\n{\"n\":6}\n{\"n\":7}\n",
    );
    assert_eq!(
        got,
        [
            "x.json: record 1 (line 1): invalid JSON at line 1, column 23: control character (\\u0000-\\u001F) found while parsing a string",
            "ok x.json: record 2 (line 2) n=2",
            "x.json: record 3 (line 3): invalid JSON at line 4, column 1: expected `,` or `}`",
            "ok x.json: record 4 (line 4) n=4",
            "x.json: record 5 (line 5): invalid JSON at line 7, column 1: expected `,` or `}`",
            "ok x.json: record 6 (line 6) n=6",
            "ok x.json: record 7 (line 7) n=7",
        ]
    );
}

#[test]
fn binary_garbage_is_one_error_then_the_stream_goes_on() {
    let mut bytes = b"{\"n\":1}\n".to_vec();
    bytes.extend((0..2000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8 | 0x80));
    bytes.extend(b"\n\x00\x01\x02\n{\"n\":2}\n");
    let got = outcome(&bytes);
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[0], "ok x.json: record 1 (line 1) n=1");
    assert!(
        got[1].starts_with(
            "x.json: record 2 (line 2): invalid JSON at line 2, column 1: expected value"
        ),
        "{}",
        got[1]
    );
    assert!(got[2].starts_with("ok x.json: record 3 "), "{}", got[2]);
}

#[test]
fn an_array_of_strings_names_each_bad_record() {
    let got = outcome(b"[\"a\", \"b\", {\"n\": 3}, 4]");
    assert_eq!(
        got,
        [
            "x.json: record 1 (line 1): not an event: expected a JSON object, found a string",
            "x.json: record 2 (line 1): not an event: expected a JSON object, found a string",
            "ok x.json: record 3 (line 1) n=3",
            "x.json: record 4 (line 1): not an event: expected a JSON object, found a number",
        ]
    );
}

#[test]
fn bad_records_inside_a_log_file() {
    let got = outcome(b"{\"Records\": [{\"n\": 1}, null, {\"n\": 3}]}\n{\"Records\": [{\"n\": 4} {\"n\": 5}]}\n{\"n\": 6}");
    assert_eq!(
        got,
        [
            "ok x.json: record 1 (line 1) n=1",
            "x.json: record 2 (line 1): not an event: expected a JSON object, found null",
            "ok x.json: record 3 (line 1) n=3",
            "ok x.json: record 4 (line 2) n=4",
            "x.json: record 5 (line 2): invalid JSON at line 2, column 23: expected `,` or `]`",
            "ok x.json: record 6 (line 3) n=6",
        ]
    );
}

#[test]
fn top_level_scalars_are_not_events() {
    let got = outcome(b"42\n\"str\"\n{\"n\":3}");
    assert_eq!(
        got,
        [
            "x.json: record 1 (line 1): not an event: expected a JSON object, found a number",
            "x.json: record 2 (line 2): not an event: expected a JSON object, found a string",
            "ok x.json: record 3 (line 3) n=3",
        ]
    );
}

#[test]
fn empty_inputs_have_no_events() {
    for bytes in [&b""[..], b"  \n\n", b"\xEF\xBB\xBF\n"] {
        assert_eq!(outcome(bytes), ["x.json: no events"]);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.json");
    std::fs::write(&path, "").unwrap();
    let errs: Vec<_> = input::open(&path).unwrap().collect();
    assert!(matches!(&errs[..], [Err(InputError::Empty { .. })]));
}

#[test]
fn truncated_gzip_keeps_what_came_before() {
    let mut text = String::new();
    for n in 1..=2000 {
        text.push_str(&format!(
            "{{\"n\":{n},\"pad\":\"{}\"}}\n",
            "p".repeat(n % 97)
        ));
    }
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(text.as_bytes()).unwrap();
    let gz = e.finish().unwrap();
    let cut = &gz[..gz.len() * 2 / 3];
    let got = outcome(cut);
    let last = got.last().unwrap();
    assert!(
        last.contains("cannot read: truncated gzip stream"),
        "{last}"
    );
    assert!(last.starts_with("x.json: record "), "{last}");
    let good = got.iter().filter(|g| g.starts_with("ok ")).count();
    assert!(good > 100, "{good} records before the cut");
    assert_eq!(got.len(), good + 1);
}

#[test]
fn invalid_utf8_is_reported_and_skipped() {
    let got = outcome(b"{\"n\":1, \"s\": \"caf\xe9\"}\n{\"n\":2}\n");
    assert_eq!(
        got,
        [
            "x.json: record 1 (line 1): invalid UTF-8 at line 1, column 18",
            "ok x.json: record 2 (line 2) n=2",
        ]
    );
}

#[test]
fn a_missing_file_cannot_be_opened() {
    let err = input::open(std::path::Path::new("/nonexistent/events.json")).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("/nonexistent/events.json: cannot open:"),
        "{err}"
    );
}

#[test]
fn errors_carry_their_position() {
    let errs: Vec<_> = input::from_slice("x.json", b"{\"n\":1}\n[1]")
        .filter_map(Result::err)
        .collect();
    let pos = errs[0].position().unwrap();
    assert_eq!(
        (pos.source.as_str(), pos.record, pos.line),
        ("x.json", 2, 2)
    );
}

/// A CloudTrail-like record numbered `n`, as one line of JSON.
fn log_record(n: u64) -> String {
    serde_json::json!({"eventVersion": "1.08", "eventSource": "iam.amazonaws.com",
        "eventName": "PutRolePolicy", "n": n, "eventID": format!("id-{n}"),
        "requestParameters": {"roleName": "r", "policyDocument": "{\"Statement\":[{}]}"},
        "resources": [{"ARN": "arn:aws:iam::123456789012:role/r"}, {"type": "AWS::IAM::Role"}]})
    .to_string()
}

#[test]
fn a_bad_record_in_a_one_line_log_file_costs_that_record_alone() {
    let mut records: Vec<String> = (1..=127).map(log_record).collect();
    // A value cut short in record 55: `"n": ,`.
    records[54] = records[54].replace("\"n\":55", "\"n\":");
    let file = format!("{{\"Records\":[{}]}}", records.join(","));
    assert!(!file.contains('\n'));
    let got = outcome(file.as_bytes());
    assert_eq!(got.len(), 127, "{got:?}");
    let bad: Vec<&String> = got.iter().filter(|g| !g.starts_with("ok ")).collect();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(
        bad[0].starts_with("x.json: record 55 (line 1): invalid JSON at line 1, column "),
        "{}",
        bad[0]
    );
    assert_eq!(got[55], "ok x.json: record 56 (line 1) n=56");
    assert_eq!(got[126], "ok x.json: record 127 (line 1) n=127");
}

#[test]
fn a_bad_record_in_a_pretty_printed_log_file_costs_that_record_alone() {
    let records: Vec<serde_json::Value> = (1..=121)
        .map(|n| serde_json::from_str(&log_record(n)).unwrap())
        .collect();
    let pretty = serde_json::to_string_pretty(&serde_json::json!({"Records": records})).unwrap();
    // Record 50 loses its value: `"n": ,`.
    let pretty = pretty.replacen("\"n\": 50,", "\"n\": ,", 1);
    let got = outcome(pretty.as_bytes());
    assert_eq!(got.len(), 121, "{got:?}");
    assert_eq!(got.iter().filter(|g| g.starts_with("ok ")).count(), 120);
    assert!(got[49].starts_with("x.json: record 50 "), "{}", got[49]);
}

#[test]
fn a_records_array_after_other_keys_is_still_a_log_file() {
    let records: Vec<String> = (1..=10).map(log_record).collect();
    let file = format!(
        "{{\"x\": 1, \"y\": {{\"Records\": \"no\"}}, \"Records\": [{}], \"z\": [2]}}",
        records.join(", ")
    );
    let got = outcome(file.as_bytes());
    let want: Vec<String> = (1..=10)
        .map(|n| format!("ok x.json: record {n} (line 1) n={n}"))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn resynchronising_does_not_reread_lines_still_open_at_the_error() {
    // Every line opens one more object: each value nests until the depth
    // limit. Retrying each line would re-read the next 128 lines for every
    // line; the error count shows how many attempts were made.
    let lines = 20_000;
    let bytes = "{\"a\":\n".repeat(lines);
    let got = outcome(bytes.as_bytes());
    assert!(!got.is_empty());
    assert!(got.iter().all(|g| !g.starts_with("ok ")), "{got:?}");
    assert!(
        got.len() <= lines / 100,
        "{} attempts for {lines} lines",
        got.len()
    );
}

fn limited(bytes: &[u8], max_document: usize) -> Vec<String> {
    let limits = input::Limits {
        max_document,
        ..input::Limits::default()
    };
    // Read in small pieces, as from a file, and all at once.
    let dribbled: Vec<String> =
        input::from_reader("x.json", Box::new(std::io::Cursor::new(bytes.to_vec())))
            .with_limits(limits)
            .map(|d| {
                d.map(|d| d.position.to_string())
                    .unwrap_or_else(|e| e.to_string())
            })
            .collect();
    let whole: Vec<String> = input::from_slice("x.json", bytes)
        .with_limits(limits)
        .map(|d| {
            d.map(|d| d.position.to_string())
                .unwrap_or_else(|e| e.to_string())
        })
        .collect();
    assert_eq!(dribbled, whole);
    input::from_slice("x.json", bytes)
        .with_limits(limits)
        .map(|d| match d {
            Ok(d) => {
                let v: serde_json::Value = serde_json::from_slice(&d.bytes).unwrap();
                format!("ok {} n={}", d.position, v["n"])
            }
            Err(e) => e.to_string(),
        })
        .collect()
}

#[test]
fn a_document_over_the_size_limit_is_reported_and_skipped() {
    let big = format!(
        "{{\"n\":2, \"s\": \"{}\", \"o\": [{{\"t\": \"]}}\\\"\"}}]}}",
        "x".repeat(300_000)
    );
    let ndjson = format!("{{\"n\":1}}\n{big}\n{{\"n\":3}}\n");
    assert_eq!(
        limited(ndjson.as_bytes(), 100_000),
        [
            "ok x.json: record 1 (line 1) n=1",
            "x.json: record 2 (line 2): event larger than 100000 bytes (--max-event-size), skipped",
            "ok x.json: record 3 (line 3) n=3",
        ]
    );
    let log = format!(
        "{{\"Records\":[{{\"n\":1}},{big},\"{}\",{{\"n\":4}}]}}",
        "y".repeat(300_000)
    );
    assert_eq!(
        limited(log.as_bytes(), 100_000),
        [
            "ok x.json: record 1 (line 1) n=1",
            "x.json: record 2 (line 1): event larger than 100000 bytes (--max-event-size), skipped",
            "x.json: record 3 (line 1): event larger than 100000 bytes (--max-event-size), skipped",
            "ok x.json: record 4 (line 1) n=4",
        ]
    );
    // Under the limit, the same document is read.
    assert_eq!(
        limited(big.as_bytes(), 400_000),
        ["ok x.json: record 1 (line 1) n=2"]
    );
}
