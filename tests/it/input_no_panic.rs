//! No bytes make input or scan panic, and whatever input hands out as a
//! document is JSON that serde_json accepts.

use std::io::Write;

use crate::support::scan::{PACK_PATHS, path_set};
use cloudtrail_alerts::event::EventView;
use cloudtrail_alerts::input;
use proptest::prelude::*;
use serde_json::json;

fn valid_stream() -> Vec<u8> {
    let record = json!({"eventVersion": "1.08", "eventName": "ConsoleLogin", "eventSource": "signin.amazonaws.com",
                        "userIdentity": {"type": "Root"}, "responseElements": {"ConsoleLogin": "Failure"}, "n": [1, 2.5e3, null]});
    let envelope = json!({"source": "aws.iam", "detail-type": "AWS API Call via CloudTrail", "detail": record});
    let mut out = Vec::new();
    out.extend(serde_json::to_vec(&envelope).unwrap());
    out.push(b'\n');
    out.extend(serde_json::to_vec(&json!({"Records": [record, record]})).unwrap());
    out.push(b'\n');
    out.extend(serde_json::to_vec_pretty(&envelope).unwrap());
    out.extend(b"\n[");
    out.extend(serde_json::to_vec(&record).unwrap());
    out.extend(b"]\n");
    out
}

fn run(bytes: &[u8]) -> Result<(), TestCaseError> {
    let paths = path_set(PACK_PATHS);
    let mut last_record = 0;
    for d in input::from_slice("fuzz", bytes).take(10_000) {
        let record = match d {
            Ok(d) => {
                prop_assert!(serde_json::from_slice::<serde_json::Value>(&d.bytes).is_ok());
                prop_assert!(EventView::scan(&d.bytes, &paths).is_ok());
                d.position.record
            }
            Err(e) => {
                let _ = e.to_string();
                e.position().map_or(last_record + 1, |p| p.record)
            }
        };
        prop_assert!(record > last_record);
        last_record = record;
    }
    // Splitting and scanning in one pass gives what splitting then scanning gives.
    let mut one_pass = input::from_slice("fuzz", bytes);
    let two_pass: Vec<String> = input::from_slice("fuzz", bytes)
        .take(10_000)
        .map(|d| match d {
            Ok(d) => format!(
                "{:?}",
                (EventView::scan_shaped(&d.bytes, &paths).unwrap(), d)
            ),
            Err(e) => e.to_string(),
        })
        .collect();
    let mut got = Vec::new();
    while let Some(d) = one_pass.next_scanned(&paths) {
        got.push(match d {
            Ok(s) => format!("{:?}", ((s.shape, s.view), s.document)),
            Err(e) => e.to_string(),
        });
        if got.len() == 10_000 {
            break;
        }
    }
    prop_assert_eq!(got, two_pass);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        run(&bytes)?;
        let _ = EventView::scan(&bytes, &path_set(PACK_PATHS));
    }

    #[test]
    fn mutated_valid_streams(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..6),
        gzip in any::<bool>(),
    ) {
        let mut bytes = valid_stream();
        if gzip {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&bytes).unwrap();
            bytes = e.finish().unwrap();
        }
        crate::support::mutate(&mut bytes, &edits);
        run(&bytes)?;
    }
}
