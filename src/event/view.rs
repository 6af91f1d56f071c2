//! The leaves of one event by path, and the reference way to build them from
//! a parsed `serde_json::Value`.

use serde_json::Value;

use super::{EventError, PathId, PathSet, Shape, json_kind, scan};

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
        walk.object(map, &mut path, false);
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

/// State of one [`EventView::from_value`] traversal.
struct ValueWalk<'p> {
    paths: &'p PathSet,
    view: EventView,
    trail: Vec<ArrayPos>,
    next_array: u32,
}

impl ValueWalk<'_> {
    /// `nested` rather than a non-empty `path` decides the dot: under a
    /// top-level `""` key the path is empty yet its children are `.child`, as
    /// the scanner (and the dotted join) has them.
    fn object(&mut self, map: &serde_json::Map<String, Value>, path: &mut String, nested: bool) {
        let base = path.len();
        for (key, value) in map {
            if nested {
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
            Value::Object(map) => return self.object(map, path, true),
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pos(array: u32, index: u32) -> ArrayPos {
        ArrayPos { array, index }
    }

    #[test]
    fn a_child_of_the_top_level_empty_key_is_dot_child() {
        let mut paths = PathSet::new();
        let dotted = paths.intern(".a");
        let bare = paths.intern("a");
        let event = json!({"": {"a": 1}});
        let view = EventView::from_value(&event, &paths).unwrap();
        assert_eq!(view.leaves(dotted).len(), 1);
        assert!(view.leaves(bare).is_empty());
        let scanned = EventView::scan(event.to_string().as_bytes(), &paths).unwrap();
        assert_eq!(scanned.leaves(dotted).len(), 1);
        assert!(scanned.leaves(bare).is_empty());
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
