//! Any bytes through input (both ways) and the scanner: no panic, and the
//! one-pass split+scan agrees with split then scan.
//!
//! cargo +nightly fuzz run input_scan   (from the repository root)
#![no_main]

use cloudtrail_alerts::event::{EventView, PathSet};
use cloudtrail_alerts::input;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut paths = PathSet::new();
    for p in ["source", "detail-type", "detail.eventName", "detail.userIdentity.type", "a.b", ""] {
        paths.intern(p);
    }
    let _ = EventView::scan(data, &paths);
    let two: Vec<String> = input::from_slice("fuzz", data)
        .map(|d| match d {
            Ok(d) => format!("{:?}", EventView::scan_shaped(&d.bytes, &paths).map(|v| (v, d))),
            Err(e) => e.to_string(),
        })
        .collect();
    let mut docs = input::from_slice("fuzz", data);
    let mut one = Vec::new();
    while let Some(d) = docs.next_scanned(&paths) {
        one.push(match d {
            Ok(s) => format!("{:?}", Ok::<_, ()>(((s.shape, s.view), s.document))),
            Err(e) => e.to_string(),
        });
    }
    assert_eq!(one, two);
});
