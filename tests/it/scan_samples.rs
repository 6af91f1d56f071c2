//! On every sample event, the scanner gives the reference view, for the
//! pack's paths and for every path the event has.

use crate::support::scan::{PACK_PATHS, path_set, reference_view, same_view};
use cloudtrail_alerts::event::{EventView, PathSet};
use cloudtrail_alerts::input;
use serde_json::Value;

fn all_paths(v: &Value, prefix: &str, out: &mut PathSet) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                all_paths(child, &p, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| all_paths(i, prefix, out)),
        _ => {
            out.intern(prefix);
        }
    }
}

#[test]
fn every_sample_event_scans_like_the_reference() {
    let mut files: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/events"))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    let mut seen = 0;
    for file in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "json"))
    {
        for doc in input::open(file).unwrap() {
            let doc = doc.unwrap_or_else(|e| panic!("{e}"));
            let value: Value = serde_json::from_slice(&doc.bytes).unwrap();
            let (_, wrapped) = cloudtrail_alerts::event::wrap_record(value.clone()).unwrap();
            let mut every = PathSet::new();
            all_paths(&wrapped, "", &mut every);
            for paths in [path_set(PACK_PATHS), every] {
                let got = EventView::scan(&doc.bytes, &paths).unwrap();
                let want = reference_view(&value, &paths).unwrap();
                same_view(&got, &want, &paths).unwrap_or_else(|e| panic!("{}: {e}", doc.position));
            }
            seen += 1;
        }
    }
    if !files.is_empty() {
        assert!(
            seen >= files.len(),
            "{seen} events in {} files",
            files.len()
        );
    }
}
