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

mod lex;
mod scan;

pub(crate) use lex::{LexError, LexErrorKind, MAX_DEPTH};

/// Byte-level JSON helpers the input splitter shares with the scanner.
pub(crate) mod json {
    pub(crate) use super::lex::{LexResult, kind_at, skip_string, skip_value, skip_ws};
    pub(crate) use super::scan::{Scanned, scan_one};
}

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

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
    /// The same paths as a tree of dot-separated segments, for the scanner: one
    /// short lookup per object key instead of building and hashing dotted strings.
    trie: Trie,
}

/// Node index in a [`Trie`]; `NO_NODE` when a path leads nowhere.
pub(crate) type Node = u32;
pub(crate) const NO_NODE: Node = u32::MAX;

#[derive(Clone, Debug, Default)]
struct Trie {
    /// Node 0 is the root once any path is interned.
    nodes: Vec<TrieNode>,
}

#[derive(Clone, Debug, Default)]
struct TrieNode {
    children: Vec<(Box<[u8]>, Node)>,
    /// One bit per child key (see [`key_bit`]): most keys of an event are not
    /// on any needed path, and this turns them away without comparing bytes.
    filter: u64,
    path: Option<PathId>,
}

#[inline]
fn key_bit(key: &[u8]) -> u64 {
    let first = key.first().copied().unwrap_or(0) as usize;
    let last = key.last().copied().unwrap_or(0) as usize;
    let h = key.len().wrapping_mul(31) ^ first.wrapping_mul(7) ^ last.wrapping_mul(13);
    1u64 << (h % 64)
}

impl TrieNode {
    #[inline]
    fn find(&self, segment: &[u8]) -> Node {
        if self.filter & key_bit(segment) == 0 {
            return NO_NODE;
        }
        self.children
            .iter()
            .find(|(k, _)| **k == *segment)
            .map_or(NO_NODE, |&(_, n)| n)
    }
}

impl Trie {
    fn insert(&mut self, dotted: &str, id: PathId) {
        if self.nodes.is_empty() {
            self.nodes.push(TrieNode::default());
        }
        let mut node = 0usize;
        for segment in dotted.as_bytes().split(|&c| c == b'.') {
            let found = self.nodes[node]
                .children
                .iter()
                .find(|(k, _)| **k == *segment)
                .map(|&(_, n)| n as usize);
            node = match found {
                Some(n) => n,
                None => {
                    let n = self.nodes.len();
                    self.nodes.push(TrieNode::default());
                    let parent = &mut self.nodes[node];
                    parent.filter |= key_bit(segment);
                    parent
                        .children
                        .push((segment.into(), Node::try_from(n).unwrap_or(NO_NODE)));
                    n
                }
            };
        }
        self.nodes[node].path = Some(id);
    }
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
        self.trie.insert(dotted, id);
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

    /// The root of the path tree (`NO_NODE` when no path was interned).
    pub(crate) fn root(&self) -> Node {
        if self.trie.nodes.is_empty() {
            NO_NODE
        } else {
            0
        }
    }

    /// The node reached from `node` by the object key `key`; a key holding dots
    /// walks several levels, which is what makes `"a.b"` and `a` → `b` one path.
    #[inline]
    pub(crate) fn child(&self, node: Node, key: &[u8]) -> Node {
        let Some(n) = self.trie.nodes.get(node as usize) else {
            return NO_NODE;
        };
        if !key.contains(&b'.') {
            return n.find(key);
        }
        let mut node = node;
        for segment in key.split(|&c| c == b'.') {
            let Some(n) = self.trie.nodes.get(node as usize) else {
                return NO_NODE;
            };
            node = n.find(segment);
            if node == NO_NODE {
                return NO_NODE;
            }
        }
        node
    }

    /// The path id ending at `node`, if that path is needed.
    #[inline]
    pub(crate) fn node_path(&self, node: Node) -> Option<PathId> {
        self.trie.nodes.get(node as usize).and_then(|n| n.path)
    }

    /// Whether some needed path continues below `node`.
    #[inline]
    pub(crate) fn node_has_children(&self, node: Node) -> bool {
        self.trie
            .nodes
            .get(node as usize)
            .is_some_and(|n| !n.children.is_empty())
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
    slots: Vec<Slot>,
}

/// Most paths hold no leaf or exactly one: keeping that one inline saves an
/// allocation per path per event, a good share of the scanner's cost.
#[derive(Clone, Debug, Default, PartialEq)]
enum Slot {
    #[default]
    Empty,
    One(LeafAt),
    Many(Vec<LeafAt>),
}

impl EventView {
    /// An empty view able to hold leaves for `paths` paths.
    pub fn with_paths(paths: usize) -> Self {
        EventView {
            slots: vec![Slot::Empty; paths],
        }
    }

    pub fn push(&mut self, path: PathId, leaf: LeafAt) {
        if let Some(slot) = self.slots.get_mut(path as usize) {
            *slot = match std::mem::take(slot) {
                Slot::Empty => Slot::One(leaf),
                Slot::One(first) => Slot::Many(vec![first, leaf]),
                Slot::Many(mut all) => {
                    all.push(leaf);
                    Slot::Many(all)
                }
            };
        }
    }

    /// Every leaf at `path`, in document order.
    pub fn leaves(&self, path: PathId) -> &[LeafAt] {
        match self.slots.get(path as usize) {
            Some(Slot::One(leaf)) => std::slice::from_ref(leaf),
            Some(Slot::Many(all)) => all,
            Some(Slot::Empty) | None => &[],
        }
    }

    /// Reference implementation: view a parsed event that is already in envelope form.
    ///
    /// Only keys whose dotted path is needed (or leads to a needed path) are visited.
    /// Every array visited gets an id, in traversal order from 0, and each leaf carries
    /// the arrays it sits in. Traversal follows the `serde_json::Map` order, so array
    /// ids and the order of leaves within a path may differ from [`EventView::scan`];
    /// matching depends on neither.
    pub fn from_value(event: &Value, paths: &PathSet) -> Result<EventView, EventError> {
        let Value::Object(map) = event else {
            return Err(EventError::NotAnObject {
                found: json_kind(event),
            });
        };
        let mut walk = ValueWalk {
            paths,
            view: EventView::with_paths(paths.len()),
            trail: Vec::new(),
            next_array: 0,
        };
        let mut path = String::new();
        walk.object(map, &mut path);
        Ok(walk.view)
    }

    /// Fast path: view raw JSON bytes of one event without building a DOM.
    ///
    /// Gives the same view as [`EventView::from_value`] on
    /// `wrap_record(serde_json::from_slice(bytes)?)?.1` (leaf order within a
    /// path and array numbering aside: this follows document order, the
    /// reference follows sorted keys), and accepts exactly the documents
    /// `serde_json` accepts, with two deliberate exceptions: a leading UTF-8 BOM
    /// is allowed, and escapes in strings that no path needs are checked for
    /// form but not decoded. As with `serde_json`, the last of duplicate keys wins.
    /// Only keys on a needed path are decoded; everything else is skipped
    /// (still validated) without allocating.
    pub fn scan(bytes: &[u8], paths: &PathSet) -> Result<EventView, EventError> {
        scan::scan(bytes, paths).map(|(_, view)| view)
    }

    /// [`EventView::scan`], also telling whether the event was an envelope or
    /// a bare record.
    pub fn scan_shaped(bytes: &[u8], paths: &PathSet) -> Result<(Shape, EventView), EventError> {
        scan::scan(bytes, paths)
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// State of one [`EventView::from_value`] traversal.
struct ValueWalk<'p> {
    paths: &'p PathSet,
    view: EventView,
    trail: Vec<ArrayPos>,
    next_array: u32,
}

impl ValueWalk<'_> {
    fn object(&mut self, map: &serde_json::Map<String, Value>, path: &mut String) {
        let base = path.len();
        for (key, value) in map {
            if base > 0 {
                path.push('.');
            }
            path.push_str(key);
            let id = self.paths.get(path);
            if id.is_some() || self.paths.is_prefix(path) {
                self.value(value, id, path);
            }
            path.truncate(base);
        }
    }

    /// `id` is the path's id when the path itself is needed (leaves are kept).
    fn value(&mut self, value: &Value, id: Option<PathId>, path: &mut String) {
        let leaf = match value {
            Value::Object(map) => return self.object(map, path),
            Value::Array(items) => {
                let array = self.next_array;
                self.next_array = self.next_array.saturating_add(1);
                for (index, item) in items.iter().enumerate() {
                    self.trail.push(ArrayPos {
                        array,
                        index: u32::try_from(index).unwrap_or(u32::MAX),
                    });
                    self.value(item, id, path);
                    self.trail.pop();
                }
                return;
            }
            Value::Null => Leaf::Null,
            Value::Bool(b) => Leaf::Bool(*b),
            Value::String(s) => Leaf::Str(s.clone()),
            Value::Number(n) => Leaf::Num(Number {
                text: n.to_string(),
                value: n.as_f64().unwrap_or(f64::NAN),
            }),
        };
        if let Some(id) = id {
            self.view.push(
                id,
                LeafAt {
                    value: leaf,
                    arrays: self.trail.clone(),
                },
            );
        }
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

/// Tells an envelope from a bare record by the top-level keys of an event.
///
/// An EventBridge envelope has `source` and `detail-type` or `detail`; a bare
/// CloudTrail record has none of those three keys and at least one of `eventVersion`,
/// `eventSource`, `eventName`, `eventType`, `eventID`. Anything else (an EC2
/// state change, a scheduled event) is taken as an envelope: it is matched as is.
#[derive(Clone, Copy, Debug, Default)]
pub struct ShapeKeys {
    detail_type: bool,
    detail: bool,
    source: bool,
    record: bool,
}

impl ShapeKeys {
    /// Note one top-level key (whatever its value).
    #[inline]
    pub fn note(&mut self, key: &str) {
        self.note_bytes(key.as_bytes());
    }

    #[inline]
    pub(crate) fn note_bytes(&mut self, key: &[u8]) {
        match key {
            b"detail-type" => self.detail_type = true,
            b"detail" => self.detail = true,
            b"source" => self.source = true,
            b"eventVersion" | b"eventSource" | b"eventName" | b"eventType" | b"eventID" => {
                self.record = true
            }
            _ => {}
        }
    }

    pub fn shape(&self) -> Shape {
        let any_envelope_key = self.source || self.detail_type || self.detail;
        if self.record && !any_envelope_key {
            Shape::Record
        } else {
            Shape::Envelope
        }
    }
}

/// The record fields EventBridge builds its envelope from; `None` when missing
/// or not a string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecordFields<'a> {
    pub event_id: Option<&'a str>,
    pub event_type: Option<&'a str>,
    pub event_source: Option<&'a str>,
    pub recipient_account_id: Option<&'a str>,
    pub aws_region: Option<&'a str>,
    pub event_time: Option<&'a str>,
}

impl<'a> RecordFields<'a> {
    pub fn from_object(record: &'a Map<String, Value>) -> Self {
        let get = |k: &str| record.get(k).and_then(Value::as_str);
        RecordFields {
            event_id: get("eventID"),
            event_type: get("eventType"),
            event_source: get("eventSource"),
            recipient_account_id: get("recipientAccountId"),
            aws_region: get("awsRegion"),
            event_time: get("eventTime"),
        }
    }

    /// The envelope's string fields (all but `resources` and `detail`), as
    /// EventBridge sets them. Fields whose record field is missing are left
    /// out rather than invented, except `id` (empty) and `detail-type` (API call).
    pub fn envelope_fields(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("version", "0".to_string()),
            ("id", self.event_id.unwrap_or("").to_string()),
            ("detail-type", detail_type_for(self.event_type).to_string()),
        ];
        if let Some(src) = self.event_source {
            out.push(("source", source_for(src)));
        }
        for (key, value) in [
            ("account", self.recipient_account_id),
            ("region", self.aws_region),
            ("time", self.event_time),
        ] {
            if let Some(v) = value {
                out.push((key, v.to_string()));
            }
        }
        out
    }
}

/// EventBridge's `detail-type` for a CloudTrail `eventType`.
pub fn detail_type_for(event_type: Option<&str>) -> &'static str {
    match event_type {
        Some("AwsConsoleSignIn") => "AWS Console Sign In via CloudTrail",
        Some("AwsServiceEvent") => "AWS Service Event via CloudTrail",
        Some("AwsConsoleAction") => "AWS Console Action via CloudTrail",
        Some("AwsCloudTrailInsight") => "AWS Insight via CloudTrail",
        _ => "AWS API Call via CloudTrail",
    }
}

/// EventBridge's `source` for a CloudTrail `eventSource`: "aws." + its first
/// label (`iam.amazonaws.com` → `aws.iam`).
pub fn source_for(event_source: &str) -> String {
    let label = event_source.split('.').next().unwrap_or("");
    format!("aws.{label}")
}

/// Turn a parsed event into envelope form: an envelope is returned unchanged, a
/// bare CloudTrail record is wrapped as EventBridge wraps it (`detail-type` from
/// `eventType`, `source` "aws." + first label of `eventSource`, `account` from
/// `recipientAccountId`, `region` from `awsRegion`, `time` from `eventTime`).
pub fn wrap_record(event: Value) -> Result<(Shape, Value), EventError> {
    if shape_of(&event)? == Shape::Envelope {
        return Ok((Shape::Envelope, event));
    }
    let Value::Object(record) = event else {
        return Err(EventError::NotAnObject {
            found: json_kind(&event),
        });
    };
    let mut envelope = Map::new();
    for (key, value) in RecordFields::from_object(&record).envelope_fields() {
        envelope.insert(key.to_string(), Value::String(value));
    }
    envelope.insert("resources".to_string(), Value::Array(Vec::new()));
    envelope.insert("detail".to_string(), Value::Object(record));
    Ok((Shape::Record, Value::Object(envelope)))
}

/// Whether a parsed event is an envelope or a bare record, without touching it.
pub fn shape_of(event: &Value) -> Result<Shape, EventError> {
    let Value::Object(map) = event else {
        return Err(EventError::NotAnObject {
            found: json_kind(event),
        });
    };
    let mut keys = ShapeKeys::default();
    for k in map.keys() {
        keys.note(k);
    }
    Ok(keys.shape())
}

/// Why an event could not be read. Offsets are bytes into the event's document.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EventError {
    #[error("invalid JSON at byte {offset}: {message}")]
    Json { offset: usize, message: String },
    #[error("event is not a JSON object (found {found})")]
    NotAnObject { found: &'static str },
    /// The document ends inside a value.
    #[error("truncated JSON at byte {offset}: {message}")]
    Truncated { offset: usize, message: String },
    #[error("JSON nested deeper than {limit} levels at byte {offset}")]
    TooDeep { offset: usize, limit: usize },
    #[error("invalid UTF-8 at byte {offset}")]
    InvalidUtf8 { offset: usize },
}

impl From<LexError> for EventError {
    fn from(e: LexError) -> Self {
        match e.kind {
            LexErrorKind::Eof(_) => EventError::Truncated {
                offset: e.offset,
                message: e.message(),
            },
            LexErrorKind::Syntax(_) => EventError::Json {
                offset: e.offset,
                message: e.message(),
            },
            LexErrorKind::TooDeep => EventError::TooDeep {
                offset: e.offset,
                limit: MAX_DEPTH,
            },
            LexErrorKind::InvalidUtf8 => EventError::InvalidUtf8 { offset: e.offset },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pos(array: u32, index: u32) -> ArrayPos {
        ArrayPos { array, index }
    }

    #[test]
    fn from_value_flattens_needed_paths_with_array_trails() {
        let mut paths = PathSet::new();
        let ab = paths.intern("a.b");
        let n = paths.intern("n");
        let dotted = paths.intern("x.y");
        let event = json!({
            "a": [{"b": 1}, {"b": [2.5, [null, "s"]]}, {"c": 9}],
            "n": 300,
            "x.y": true,
            "skipped": {"b": 1},
            "empty": []
        });
        let view = EventView::from_value(&event, &paths).unwrap();
        let got: Vec<(Leaf, Vec<ArrayPos>)> = view
            .leaves(ab)
            .iter()
            .map(|l| (l.value.clone(), l.arrays.clone()))
            .collect();
        let num = |text: &str, value: f64| {
            Leaf::Num(Number {
                text: text.to_string(),
                value,
            })
        };
        assert_eq!(
            got,
            vec![
                (num("1", 1.0), vec![pos(0, 0)]),
                (num("2.5", 2.5), vec![pos(0, 1), pos(1, 0)]),
                (Leaf::Null, vec![pos(0, 1), pos(1, 1), pos(2, 0)]),
                (Leaf::Str("s".into()), vec![pos(0, 1), pos(1, 1), pos(2, 1)]),
            ]
        );
        assert_eq!(view.leaves(n)[0].value, num("300", 300.0));
        assert_eq!(view.leaves(dotted)[0].value, Leaf::Bool(true));
    }

    #[test]
    fn from_value_skips_unneeded_arrays_and_objects_without_leaves() {
        let mut paths = PathSet::new();
        let a = paths.intern("a");
        let b = paths.intern("b");
        // "other" holds an array that is not needed: it must not consume an array id.
        let event = json!({"a": {"nested": 1}, "b": ["x"], "other": [[1]]});
        let view = EventView::from_value(&event, &paths).unwrap();
        assert!(view.leaves(a).is_empty());
        assert_eq!(view.leaves(b)[0].arrays, vec![pos(0, 0)]);
        assert_eq!(
            EventView::from_value(&json!([1]), &paths),
            Err(EventError::NotAnObject { found: "an array" })
        );
    }
}
