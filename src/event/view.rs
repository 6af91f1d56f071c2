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

/// Where a leaf sits among the arrays of its event: an element in the view's
/// tree of array elements ([`EventView::arrays`] lists the positions), or
/// [`Trail::TOP`] outside any array.
///
/// Leaves share their enclosing elements instead of each copying the list of
/// positions, so a view stays proportional to its event however deep the
/// arrays nest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Trail(u32);

impl Trail {
    /// In no array.
    pub const TOP: Trail = Trail(0);

    /// True outside any array.
    pub fn is_empty(self) -> bool {
        self == Trail::TOP
    }
}

/// One array element that holds leaves: its position and the element it sits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Element {
    parent: Trail,
    pos: ArrayPos,
    depth: u32,
}

/// The array elements of one view; [`Trail`]s index it.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Trails {
    elements: Vec<Element>,
}

impl Trails {
    fn get(&self, t: Trail) -> Option<&Element> {
        (t.0 as usize)
            .checked_sub(1)
            .and_then(|i| self.elements.get(i))
    }

    fn depth(&self, t: Trail) -> u32 {
        self.get(t).map_or(0, |e| e.depth)
    }

    fn parent(&self, t: Trail) -> Trail {
        self.get(t).map_or(Trail::TOP, |e| e.parent)
    }

    /// The element at `pos` inside `parent`.
    pub(crate) fn enter(&mut self, parent: Trail, pos: ArrayPos) -> Trail {
        // Past u32::MAX elements (an event of over 4 GiB) later leaves
        // share their parent's trail: matching stays correct but less strict.
        let Ok(id) = u32::try_from(self.elements.len() + 1) else {
            return parent;
        };
        let depth = self.depth(parent).saturating_add(1);
        self.elements.push(Element { parent, pos, depth });
        Trail(id)
    }

    /// The positions of `t`, outermost first.
    pub(crate) fn positions(&self, t: Trail) -> Vec<ArrayPos> {
        let mut out = Vec::with_capacity(self.depth(t) as usize);
        let mut t = t;
        while let Some(e) = self.get(t) {
            out.push(e.pos);
            t = e.parent;
        }
        out.reverse();
        out
    }

    /// Whether leaves at `a` and `b` may be used together: at the outermost
    /// array where their positions differ, they are in different arrays
    /// (separate branches), not in different elements of one array. A trail
    /// that continues the other agrees with it.
    pub(crate) fn consistent(&self, a: Trail, b: Trail) -> bool {
        let (mut a, mut b) = (a, b);
        while self.depth(a) > self.depth(b) {
            a = self.parent(a);
        }
        while self.depth(b) > self.depth(a) {
            b = self.parent(b);
        }
        // Walk up together; the last difference seen is the outermost one.
        let mut verdict = true;
        while a != b {
            let (Some(x), Some(y)) = (self.get(a), self.get(b)) else {
                break;
            };
            if x.pos != y.pos {
                verdict = x.pos.array != y.pos.array;
            }
            a = x.parent;
            b = y.parent;
        }
        verdict
    }
}

/// One leaf and where it sits among the event's arrays, for array-consistent matching.
#[derive(Clone, Debug, PartialEq)]
pub struct LeafAt {
    pub value: Leaf,
    pub trail: Trail,
}

/// The leaves of one event, by path.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventView {
    slots: Vec<Slot>,
    trails: Trails,
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
            trails: Trails::default(),
        }
    }

    /// An empty view whose leaves' trails index `trails`.
    pub(crate) fn with_trails(paths: usize, trails: Trails) -> Self {
        EventView {
            slots: vec![Slot::Empty; paths],
            trails,
        }
    }

    /// The array positions of `leaf`, outermost first (empty outside arrays).
    pub fn arrays(&self, leaf: &LeafAt) -> Vec<ArrayPos> {
        self.trails.positions(leaf.trail)
    }

    /// Whether leaves at trails `a` and `b` can be used together by one
    /// match: they agree on every array they share (same element).
    pub fn consistent(&self, a: Trail, b: Trail) -> bool {
        self.trails.consistent(a, b)
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
    /// Every array visited gets an id, in traversal order from 0, and each leaf knows
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
            trail: Trail::TOP,
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
    trail: Trail,
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
                let outer = self.trail;
                for (index, item) in items.iter().enumerate() {
                    let pos = ArrayPos {
                        array,
                        index: u32::try_from(index).unwrap_or(u32::MAX),
                    };
                    self.trail = self.view.trails.enter(outer, pos);
                    self.value(item, id, path);
                }
                self.trail = outer;
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
                    trail: self.trail,
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
            .map(|l| (l.value.clone(), view.arrays(l)))
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
        assert_eq!(view.arrays(&view.leaves(b)[0]), vec![pos(0, 0)]);
        assert_eq!(
            EventView::from_value(&json!([1]), &paths),
            Err(EventError::NotAnObject { found: "an array" })
        );
    }
}
