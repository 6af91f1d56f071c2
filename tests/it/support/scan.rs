//! Helpers shared by the scan tests: the reference view and a
//! comparison of views that ignores what legitimately differs between two
//! correct views of one event (leaf order across keys, array numbering).

use std::collections::HashMap;

use cloudtrail_alerts::event::{EventView, Leaf, LeafAt, PathSet, wrap_record};
use serde_json::Value;

/// The reference: serde_json's parse, wrapped, flattened by `from_value`.
pub fn reference_view(event: &Value, paths: &PathSet) -> Option<EventView> {
    let (_, wrapped) = wrap_record(event.clone()).ok()?;
    EventView::from_value(&wrapped, paths).ok()
}

fn leaf_key(view: &EventView, leaf: &LeafAt) -> (String, Vec<u32>) {
    let v = match &leaf.value {
        Leaf::Num(n) => format!("num {} {:?}", n.text, n.value.to_bits()),
        other => format!("{other:?}"),
    };
    (v, view.arrays(leaf).iter().map(|p| p.index).collect())
}

/// Equal as multisets of (path, leaf, array indices), with array ids that
/// correspond one to one. `Err` explains the first difference.
pub fn same_view(a: &EventView, b: &EventView, paths: &PathSet) -> Result<(), String> {
    let mut a_to_b: HashMap<u32, u32> = HashMap::new();
    let mut b_to_a: HashMap<u32, u32> = HashMap::new();
    for id in 0..paths.len() as u32 {
        let mut la: Vec<&LeafAt> = a.leaves(id).iter().collect();
        let mut lb: Vec<&LeafAt> = b.leaves(id).iter().collect();
        la.sort_by_key(|l| leaf_key(a, l));
        lb.sort_by_key(|l| leaf_key(b, l));
        let ka: Vec<_> = la.iter().map(|l| leaf_key(a, l)).collect();
        let kb: Vec<_> = lb.iter().map(|l| leaf_key(b, l)).collect();
        if ka != kb {
            return Err(format!(
                "path {:?}: {:?} != {:?}",
                paths.name(id),
                a.leaves(id),
                b.leaves(id)
            ));
        }
        for (x, y) in la.iter().zip(&lb) {
            for (p, q) in a.arrays(x).iter().zip(&b.arrays(y)) {
                if *a_to_b.entry(p.array).or_insert(q.array) != q.array
                    || *b_to_a.entry(q.array).or_insert(p.array) != p.array
                {
                    return Err(format!(
                        "path {:?}: array ids do not correspond: {:?} vs {:?}",
                        paths.name(id),
                        x,
                        y
                    ));
                }
            }
        }
    }
    Ok(())
}

pub fn path_set(names: &[&str]) -> PathSet {
    let mut p = PathSet::new();
    for n in names {
        p.intern(n);
    }
    p
}

/// The paths the built-in pack and the alerts read.
pub const PACK_PATHS: &[&str] = &[
    "detail-type",
    "source",
    "account",
    "region",
    "time",
    "id",
    "detail.eventName",
    "detail.eventSource",
    "detail.eventType",
    "detail.eventID",
    "detail.eventTime",
    "detail.errorCode",
    "detail.errorMessage",
    "detail.userIdentity.type",
    "detail.userIdentity.arn",
    "detail.userIdentity.invokedBy",
    "detail.sourceIPAddress",
    "detail.responseElements.ConsoleLogin",
    "detail.additionalEventData.MFAUsed",
    "detail.readOnly",
    "detail.awsRegion",
    "detail.recipientAccountId",
];
