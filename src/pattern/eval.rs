//! Matching a conjunction against an event view, array-consistently.
//!
//! The leaves chosen to satisfy the fields of one conjunction must agree on every
//! array they have in common: same array, same element ([`EventView::consistent`]).

use crate::event::{EventView, LeafAt, Trail};

use super::{Conjunction, Field};

/// Bound on consistency checks per conjunction and event. Beyond it the answer
/// falls back to plain (not array-consistent) matching, which is what it would
/// be without arrays; only adversarial events with huge arrays get there.
const CONSISTENCY_BUDGET: usize = 100_000;

pub(super) enum Status {
    /// Satisfied whatever leaves the other fields use.
    Free,
    /// Satisfied only by leaves inside arrays.
    Constrained,
    Failed,
}

pub(super) fn status(field: &Field, leaves: &[LeafAt]) -> Status {
    if leaves.is_empty() {
        return if field.tests.exists_false {
            Status::Free
        } else {
            Status::Failed
        };
    }
    let mut found = false;
    for leaf in leaves {
        if field.tests.leaf_ok(&leaf.value) {
            if leaf.trail.is_empty() {
                return Status::Free;
            }
            found = true;
        }
    }
    if found {
        Status::Constrained
    } else {
        Status::Failed
    }
}

impl Conjunction {
    pub(crate) fn matches(&self, event: &EventView) -> bool {
        let mut constrained = 0usize;
        for field in &self.fields {
            match status(field, event.leaves(field.path)) {
                Status::Failed => return false,
                Status::Constrained => constrained += 1,
                Status::Free => {}
            }
        }
        if constrained <= 1 {
            return true;
        }
        // Several fields depend on array elements: look for one agreeing choice.
        let mut candidates: Vec<Vec<Trail>> = self
            .fields
            .iter()
            .filter_map(|field| {
                let leaves = event.leaves(field.path);
                if leaves.is_empty() {
                    return None;
                }
                let trails: Vec<Trail> = leaves
                    .iter()
                    .filter(|l| field.tests.leaf_ok(&l.value))
                    .map(|l| l.trail)
                    .collect();
                if trails.iter().any(|t| t.is_empty()) {
                    None
                } else {
                    Some(trails)
                }
            })
            .collect();
        candidates.sort_by_key(Vec::len);
        let mut chosen: Vec<Trail> = Vec::with_capacity(candidates.len());
        let mut budget = CONSISTENCY_BUDGET;
        search(event, &candidates, &mut chosen, &mut budget).unwrap_or(true)
    }
}

/// Depth-first search for one trail per field, all pairwise consistent.
/// `None` when the budget ran out.
fn search(
    event: &EventView,
    candidates: &[Vec<Trail>],
    chosen: &mut Vec<Trail>,
    budget: &mut usize,
) -> Option<bool> {
    let Some((first, rest)) = candidates.split_first() else {
        return Some(true);
    };
    for &trail in first {
        let mut ok = true;
        for &c in chosen.iter() {
            *budget = budget.checked_sub(1)?;
            if !event.consistent(trail, c) {
                ok = false;
                break;
            }
        }
        if !ok {
            continue;
        }
        chosen.push(trail);
        let found = search(event, rest, chosen, budget);
        chosen.pop();
        match found {
            Some(true) => return Some(true),
            Some(false) => {}
            None => return None,
        }
    }
    Some(false)
}
