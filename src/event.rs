//! The view of one event that rules see.
//!
//! An event is viewed the way EventBridge views it: a multiset of
//! (dotted path, leaf value) pairs, arrays transparent. Only the paths a compiled
//! rule set needs (a [`PathSet`]) are extracted; the rest is skipped.
//!
//! Two ways in, with identical results:
//! - [`EventView::scan`]: the fast path over raw JSON bytes, no DOM.
//! - [`EventView::from_value`]: the reference path over a parsed `serde_json::Value`.
//!
//! A bare CloudTrail record (no EventBridge envelope) is viewed as EventBridge
//! would deliver it: wrapped in an envelope whose `detail` is the record
//! (see [`wrap_record`]).

use std::collections::{HashMap, HashSet};

use serde_json::Value;

/// Index of a dotted path in a [`PathSet`].
pub type PathId = u32;

/// The dotted paths that a compiled rule set reads.
///
/// Paths are joined with `.`, which makes the event key `"a.b"` and the nested
/// keys `a` → `b` the same path, as in EventBridge.
#[derive(Clone, Debug, Default)]
pub struct PathSet {
    ids: HashMap<String, PathId>,
    names: Vec<String>,
    /// Every proper prefix (at a `.`) of a needed path: where the scanner must descend.
    prefixes: HashSet<String>,
}

impl PathSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `dotted`, adding it if new.
    pub fn intern(&mut self, dotted: &str) -> PathId {
        if let Some(&id) = self.ids.get(dotted) {
            return id;
        }
        let id = PathId::try_from(self.names.len()).unwrap_or(PathId::MAX);
        self.ids.insert(dotted.to_string(), id);
        self.names.push(dotted.to_string());
        for (i, _) in dotted.match_indices('.') {
            self.prefixes.insert(dotted[..i].to_string());
        }
        id
    }

    pub fn get(&self, dotted: &str) -> Option<PathId> {
        self.ids.get(dotted).copied()
    }

    /// True when some needed path starts with `dotted` followed by a `.`.
    pub fn is_prefix(&self, dotted: &str) -> bool {
        self.prefixes.contains(dotted)
    }

    pub fn name(&self, id: PathId) -> &str {
        self.names
            .get(id as usize)
            .map(String::as_str)
            .unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// A JSON number as it appeared in the event.
#[derive(Clone, Debug, PartialEq)]
pub struct Number {
    /// The number's text (as written in the source, or as serde_json prints it).
    pub text: String,
    /// Its value as an f64 (infinite when out of range).
    pub value: f64,
}

/// A leaf value: strings, numbers, booleans and null. Objects and arrays never are.
#[derive(Clone, Debug, PartialEq)]
pub enum Leaf {
    Str(String),
    Num(Number),
    Bool(bool),
    Null,
}

/// Position of a leaf inside one array of the event: `array` identifies the array
/// node (unique within one event), `index` the element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ArrayPos {
    pub array: u32,
    pub index: u32,
}

/// One leaf and the arrays (outermost first) it sits in, for array-consistent matching.
#[derive(Clone, Debug, PartialEq)]
pub struct LeafAt {
    pub value: Leaf,
    pub arrays: Vec<ArrayPos>,
}

/// The leaves of one event, by path.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventView {
    slots: Vec<Vec<LeafAt>>,
}

impl EventView {
    /// An empty view able to hold leaves for `paths` paths.
    pub fn with_paths(paths: usize) -> Self {
        EventView {
            slots: vec![Vec::new(); paths],
        }
    }

    pub fn push(&mut self, path: PathId, leaf: LeafAt) {
        if let Some(slot) = self.slots.get_mut(path as usize) {
            slot.push(leaf);
        }
    }

    /// Every leaf at `path`, in document order.
    pub fn leaves(&self, path: PathId) -> &[LeafAt] {
        self.slots
            .get(path as usize)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Reference implementation: view a parsed event (envelope or bare record).
    pub fn from_value(_event: &Value, _paths: &PathSet) -> Result<EventView, EventError> {
        todo!("event view from serde_json::Value")
    }

    /// Fast path: view raw JSON bytes of one event without building a DOM.
    pub fn scan(_bytes: &[u8], _paths: &PathSet) -> Result<EventView, EventError> {
        todo!("event view by scanning bytes")
    }
}

/// What kind of document an event is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// An EventBridge envelope (`detail-type`, `source`, `detail`, …).
    Envelope,
    /// A bare CloudTrail record, wrapped as EventBridge would.
    Record,
}

/// Turn a parsed event into envelope form: an envelope is returned unchanged, a
/// bare CloudTrail record is wrapped as EventBridge wraps it (`detail-type` from
/// `eventType`, `source` "aws." + first label of `eventSource`, `account` from
/// `recipientAccountId`, `region` from `awsRegion`, `time` from `eventTime`).
pub fn wrap_record(_event: Value) -> Result<(Shape, Value), EventError> {
    todo!("wrap bare records")
}

/// Why an event could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EventError {
    #[error("invalid JSON at byte {offset}: {message}")]
    Json { offset: usize, message: String },
    #[error("event is not a JSON object (found {found})")]
    NotAnObject { found: &'static str },
}
