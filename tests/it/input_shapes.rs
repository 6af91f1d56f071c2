//! Every input shape users have comes out as one document per event.

use std::io::{Read, Write};

use cloudtrail_alerts::input::{self, Document, InputError, Position};
use serde_json::{Value, json};

fn docs(bytes: &[u8]) -> Vec<Result<Document, InputError>> {
    input::from_slice("test.json", bytes).collect()
}

fn ok_values(bytes: &[u8]) -> Vec<(Value, u64, u64)> {
    docs(bytes)
        .into_iter()
        .map(|d| {
            let d = d.unwrap();
            (
                serde_json::from_slice(&d.bytes).unwrap(),
                d.position.record,
                d.position.line,
            )
        })
        .collect()
}

fn event(n: u64) -> Value {
    json!({"version": "0", "id": n.to_string(), "detail-type": "AWS API Call via CloudTrail",
           "source": "aws.iam", "detail": {"eventName": "PutRolePolicy", "n": n, "s": "a\nb}{]["}})
}

fn record(n: u64) -> Value {
    json!({"eventVersion": "1.08", "eventID": n.to_string(), "eventName": "ConsoleLogin",
           "eventSource": "signin.amazonaws.com", "requestParameters": null})
}

/// Reads at most a few bytes at a time, to cross every buffer boundary.
struct Dribble {
    data: Vec<u8>,
    at: usize,
    step: usize,
}

impl Read for Dribble {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        self.step = self.step % 7 + 1;
        Ok(n)
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn one_event() {
    let bytes = serde_json::to_vec(&event(1)).unwrap();
    assert_eq!(ok_values(&bytes), [(event(1), 1, 1)]);
}

#[test]
fn ndjson_with_blank_lines_and_crlf() {
    let mut text = String::new();
    for n in 1..=3 {
        text.push_str(&serde_json::to_string(&event(n)).unwrap());
        text.push_str("\r\n\n");
    }
    assert_eq!(
        ok_values(text.as_bytes()),
        [(event(1), 1, 1), (event(2), 2, 3), (event(3), 3, 5)]
    );
}

#[test]
fn concatenated_and_pretty_printed_values() {
    let text = format!(
        "{}{}\n{}",
        serde_json::to_string(&event(1)).unwrap(),
        serde_json::to_string(&event(2)).unwrap(),
        serde_json::to_string_pretty(&event(3)).unwrap()
    );
    let got = ok_values(text.as_bytes());
    assert_eq!(got, [(event(1), 1, 1), (event(2), 2, 1), (event(3), 3, 2)]);
}

#[test]
fn a_bom_is_skipped() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(serde_json::to_vec(&event(1)).unwrap());
    assert_eq!(ok_values(&bytes), [(event(1), 1, 1)]);
}

#[test]
fn cloudtrail_log_files_give_one_document_per_record() {
    let file = json!({"Records": [record(1), record(2), record(3)]});
    let got = ok_values(&serde_json::to_vec(&file).unwrap());
    assert_eq!(
        got,
        [(record(1), 1, 1), (record(2), 2, 1), (record(3), 3, 1)]
    );

    let pretty = serde_json::to_string_pretty(&file).unwrap();
    let lines: Vec<u64> = ok_values(pretty.as_bytes()).iter().map(|v| v.2).collect();
    assert_eq!(lines, [3, 10, 17]);
}

#[test]
fn ndjson_of_log_files_and_events_mixed() {
    let text = format!(
        "{}\n{}\n{}\n",
        serde_json::to_string(&json!({"Records": [record(1), record(2)]})).unwrap(),
        serde_json::to_string(&event(3)).unwrap(),
        serde_json::to_string(&json!({"Records": [record(4)], "extra": {"x": [1]}})).unwrap(),
    );
    assert_eq!(
        ok_values(text.as_bytes()),
        [
            (record(1), 1, 1),
            (record(2), 2, 1),
            (event(3), 3, 2),
            (record(4), 4, 3)
        ]
    );
}

#[test]
fn empty_records_is_no_error() {
    assert!(docs(br#"{"Records": []}"#).is_empty());
}

#[test]
fn an_object_holding_a_records_array_is_a_log_file_whatever_comes_first() {
    // serde_json sorts keys: write the order by hand.
    let got = docs(br#"{"eventName": "X", "Records": [{"n": 1}, 2]}"#);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].as_ref().unwrap().bytes, br#"{"n": 1}"#);
    assert!(matches!(got[1], Err(InputError::NotAnObject { .. })));
}

#[test]
fn an_object_whose_records_is_not_an_array_is_one_event() {
    let v = json!({"eventName": "X", "Records": {"a": [1]}});
    let got = ok_values(br#"{"eventName": "X", "Records": {"a": [1]}}"#);
    assert_eq!(got, [(v, 1, 1)]);
}

#[test]
fn a_top_level_array_gives_one_document_per_element() {
    let text = format!(
        "[\n{},\n{}\n]\n{}",
        serde_json::to_string(&event(1)).unwrap(),
        serde_json::to_string(&record(2)).unwrap(),
        serde_json::to_string(&event(3)).unwrap()
    );
    assert_eq!(
        ok_values(text.as_bytes()),
        [(event(1), 1, 2), (record(2), 2, 3), (event(3), 3, 5)]
    );
}

#[test]
fn gzip_single_and_multi_member() {
    let a = serde_json::to_vec(&json!({"Records": [record(1), record(2)]})).unwrap();
    let b = serde_json::to_vec(&event(3)).unwrap();
    let mut gz = gzip(&a);
    gz.extend(gzip(&b));
    assert_eq!(
        ok_values(&gz),
        [(record(1), 1, 1), (record(2), 2, 1), (event(3), 3, 1)]
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.json.gz");
    std::fs::write(&path, &gz).unwrap();
    let got: Vec<_> = input::open(&path)
        .unwrap()
        .map(|d| d.unwrap().position)
        .collect();
    assert_eq!(
        got.last(),
        Some(&Position {
            source: path.display().to_string(),
            record: 3,
            line: 1
        })
    );
}

#[test]
fn any_read_sizes_give_the_same_documents() {
    let mut text = String::new();
    for n in 1..=20 {
        let v = if n % 3 == 0 {
            serde_json::to_string_pretty(&event(n)).unwrap()
        } else {
            serde_json::to_string(&json!({"Records": [record(n), record(n + 100)]})).unwrap()
        };
        text.push_str(&v);
        text.push('\n');
    }
    text.push_str("garbage\n{\"truncated\": ");
    let whole: Vec<String> = input::from_slice("s", text.as_bytes())
        .map(|d| format!("{d:?}"))
        .collect();
    for (step, gz) in [(1, false), (5, false), (3, true)] {
        let data = if gz {
            gzip(text.as_bytes())
        } else {
            text.clone().into_bytes()
        };
        let reader = Dribble { data, at: 0, step };
        let dribbled: Vec<String> = input::from_reader("s", Box::new(reader))
            .map(|d| format!("{d:?}"))
            .collect();
        assert_eq!(dribbled, whole);
    }
}

#[test]
fn a_large_document_is_held_whole() {
    let big =
        json!({"source": "aws.s3", "detail": {"requestParameters": {"p": "x".repeat(3_000_000)}}});
    let text = format!(
        "{}\n{}\n",
        serde_json::to_string(&big).unwrap(),
        serde_json::to_string(&event(2)).unwrap()
    );
    let data = text.into_bytes();
    let reader = Dribble {
        data,
        at: 0,
        step: 7,
    };
    // Dribbling 3 MB a few bytes per read: this only finishes quickly if big
    // documents are not re-split from scratch after every read.
    let got: Vec<_> = input::from_reader(
        "big",
        Box::new(std::io::BufReader::with_capacity(1 << 16, reader)),
    )
    .map(|d| d.unwrap().position.record)
    .collect();
    assert_eq!(got, [1, 2]);
}

#[test]
fn splitting_and_scanning_in_one_pass_gives_the_same_views() {
    let mut paths = cloudtrail_alerts::event::PathSet::new();
    for p in [
        "source",
        "detail-type",
        "detail.eventName",
        "detail.n",
        "detail.eventID",
    ] {
        paths.intern(p);
    }
    let mut text = String::new();
    for n in 1..=30 {
        let v = match n % 3 {
            0 => serde_json::to_string_pretty(&event(n)).unwrap(),
            1 => serde_json::to_string(&json!({"Records": [record(n), record(n + 100)]})).unwrap(),
            _ => serde_json::to_string(&event(n)).unwrap(),
        };
        text.push_str(&v);
        text.push('\n');
    }
    text.push_str("[1, {\"n\": 2}]\n{\"bad\" 1}\n{\"n\": 3}\n{\"truncated\": ");
    let two_pass: Vec<String> = input::from_slice("s", text.as_bytes())
        .map(|d| match d {
            Ok(d) => {
                let (shape, view) =
                    cloudtrail_alerts::event::EventView::scan_shaped(&d.bytes, &paths).unwrap();
                format!("{:?}", (shape, view, d))
            }
            Err(e) => e.to_string(),
        })
        .collect();
    for step in [1, 4, 1000] {
        let reader = Dribble {
            data: text.clone().into_bytes(),
            at: 0,
            step,
        };
        let mut docs = input::from_reader("s", Box::new(reader));
        let mut one_pass = Vec::new();
        while let Some(d) = docs.next_scanned(&paths) {
            one_pass.push(match d {
                Ok(s) => format!("{:?}", (s.shape, s.view, s.document)),
                Err(e) => e.to_string(),
            });
        }
        assert_eq!(one_pass, two_pass);
    }
    assert!(two_pass.iter().filter(|s| s.starts_with("(Record")).count() >= 20);
}
