//! The fast path: one pass over the bytes of an event, decoding only the keys
//! on a needed path and skipping (but validating) everything else.
//!
//! The shape (envelope or bare record) is only known once the whole top level
//! has been seen, so the top level is read under both interpretations at once:
//! key `k` is looked up as path `k` (envelope) and as path `detail.k` (record,
//! which EventBridge would wrap). Each interpretation has its own leaves, array
//! numbering and array trail; the one that matches the shape is kept. For
//! envelopes the record side finds almost nothing, so this costs little.

use super::{
    ArrayPos, EventError, EventView, Leaf, LeafAt, NO_NODE, Node, Number, PathId, PathSet,
    RecordFields, Shape, ShapeKeys, Trail, Trails,
};
use crate::json_lex::{
    self as lex, EOF_LIST, EOF_OBJECT, EOF_VALUE, LexError, LexErrorKind, LexResult, MAX_DEPTH,
    expect_end, kind_at, literal, read_string, skip_number, skip_value, skip_ws, too_deep,
};

/// Marks a leaf dropped because a later duplicate key replaced its subtree.
const DEAD: PathId = PathId::MAX;

#[derive(Default)]
struct Side {
    leaves: Vec<(PathId, LeafAt)>,
    trails: Trails,
    /// The arrays open on a needed path, innermost last.
    open: Vec<Open>,
    /// How many of `open`, outermost first, have their current element in
    /// `trails`: elements are recorded only once a leaf is kept inside them.
    made: usize,
    next_array: u32,
}

/// An open array and the element being read.
#[derive(Clone, Copy)]
struct Open {
    array: u32,
    index: u32,
    element: Trail,
}

impl Side {
    /// The path id a leaf at `node` is kept under, if it is kept.
    #[inline]
    fn wants(paths: &PathSet, node: Node) -> Option<PathId> {
        if node == NO_NODE {
            None
        } else {
            paths.node_path(node)
        }
    }

    #[inline]
    fn push(&mut self, id: PathId, value: Leaf) {
        let trail = self.trail();
        self.leaves.push((id, LeafAt { value, trail }));
    }

    /// The trail of the element being read, recording the open elements
    /// not recorded yet.
    #[inline]
    fn trail(&mut self) -> Trail {
        while let Some(open) = self.open.get(self.made).copied() {
            let parent = match self.made.checked_sub(1).and_then(|i| self.open.get(i)) {
                Some(outer) => outer.element,
                None => Trail::TOP,
            };
            let pos = ArrayPos {
                array: open.array,
                index: open.index,
            };
            let element = self.trails.enter(parent, pos);
            if let Some(o) = self.open.get_mut(self.made) {
                o.element = element;
            }
            self.made += 1;
        }
        self.open.last().map_or(Trail::TOP, |o| o.element)
    }

    fn open_array(&mut self, node: Node) {
        if node != NO_NODE {
            let array = self.next_array;
            self.next_array = self.next_array.saturating_add(1);
            self.open.push(Open {
                array,
                index: 0,
                element: Trail::TOP,
            });
        }
    }

    fn next_element(&mut self, node: Node) {
        if node != NO_NODE
            && let Some(last) = self.open.last_mut()
        {
            last.index = last.index.saturating_add(1);
            self.made = self.made.min(self.open.len() - 1);
        }
    }

    fn close_array(&mut self, node: Node) {
        if node != NO_NODE {
            self.open.pop();
            self.made = self.made.min(self.open.len());
        }
    }

    /// Drop the leaves in `from..to`.
    fn kill(&mut self, from: usize, to: usize) {
        if let Some(range) = self.leaves.get_mut(from..to) {
            for (id, _) in range {
                *id = DEAD;
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Frame {
    Object {
        env: Node,
        rec: Node,
        seen_from: usize,
    },
    Array {
        env: Node,
        rec: Node,
    },
}

/// A key already met in an open object, whose subtree produced leaves from
/// `env_from`/`rec_from` on; a later duplicate replaces them (`serde_json`
/// keeps the last value of a repeated key).
#[derive(Clone, Copy)]
struct Seen {
    env: Node,
    rec: Node,
    env_from: usize,
    rec_from: usize,
}

/// Top-level string fields a bare record's envelope is built from.
#[derive(Default)]
struct Captured {
    event_id: Option<String>,
    event_type: Option<String>,
    event_source: Option<String>,
    recipient_account_id: Option<String>,
    aws_region: Option<String>,
    event_time: Option<String>,
}

impl Captured {
    fn slot(&mut self, key: &[u8]) -> Option<&mut Option<String>> {
        match key {
            b"eventID" => Some(&mut self.event_id),
            b"eventType" => Some(&mut self.event_type),
            b"eventSource" => Some(&mut self.event_source),
            b"recipientAccountId" => Some(&mut self.recipient_account_id),
            b"awsRegion" => Some(&mut self.aws_region),
            b"eventTime" => Some(&mut self.event_time),
            _ => None,
        }
    }

    fn fields(&self) -> RecordFields<'_> {
        RecordFields {
            event_id: self.event_id.as_deref(),
            event_type: self.event_type.as_deref(),
            event_source: self.event_source.as_deref(),
            recipient_account_id: self.recipient_account_id.as_deref(),
            aws_region: self.aws_region.as_deref(),
            event_time: self.event_time.as_deref(),
        }
    }
}

struct Scanner<'a> {
    b: &'a [u8],
    paths: &'a PathSet,
    env: Side,
    rec: Side,
    frames: Vec<Frame>,
    seen: Vec<Seen>,
    shape_keys: ShapeKeys,
    captured: Captured,
}

enum Step {
    /// Just after `{`: a key or `}`.
    FirstKey,
    /// Just after `[`: a value or `]`.
    FirstElement,
    /// After a complete value: `,`, `}` or `]` (or the end at the top).
    AfterValue,
}

fn to_str(bytes: &[u8], offset: usize) -> LexResult<&str> {
    std::str::from_utf8(bytes).map_err(|e| LexError {
        offset: offset + e.valid_up_to(),
        kind: LexErrorKind::InvalidUtf8,
    })
}

/// One scanned top-level value.
pub(crate) enum Scanned {
    Event(Shape, EventView),
    /// Valid JSON, but not an object: its kind.
    NotAnObject(&'static str),
}

pub(super) fn scan(bytes: &[u8], paths: &PathSet) -> Result<(Shape, EventView), EventError> {
    let rest = crate::input::strip_bom(bytes);
    let start = bytes.len() - rest.len();
    let (scanned, end) = scan_one(rest, paths).map_err(|e| shift(e, start))?;
    expect_end(rest, end).map_err(|e| shift(e, start))?;
    match scanned {
        Scanned::Event(shape, view) => Ok((shape, view)),
        Scanned::NotAnObject(found) => Err(EventError::NotAnObject { found }),
    }
}

fn shift(mut e: LexError, by: usize) -> LexError {
    e.offset += by;
    e
}

/// Scan the value at the start of `b` (after whitespace); returns what it is
/// and where it ends, whatever follows. The input splitter uses this to split
/// and scan in one pass.
pub(crate) fn scan_one(b: &[u8], paths: &PathSet) -> LexResult<(Scanned, usize)> {
    let i = skip_ws(b, 0);
    match b.get(i) {
        Some(b'{') => {}
        None => {
            return Err(LexError {
                offset: b.len(),
                kind: LexErrorKind::Eof(EOF_VALUE),
            });
        }
        Some(_) => {
            let end = skip_value(b, i, 0)?;
            return Ok((Scanned::NotAnObject(kind_at(b, i)), end));
        }
    }
    let root = paths.root();
    let mut s = Scanner {
        b,
        paths,
        env: Side {
            leaves: Vec::with_capacity(paths.len() + 8),
            ..Side::default()
        },
        rec: Side::default(),
        frames: Vec::with_capacity(16),
        seen: Vec::with_capacity(32),
        shape_keys: ShapeKeys::default(),
        captured: Captured::default(),
    };
    let detail = paths.child(root, b"detail");
    let end = s.run(i, root, detail)?;
    let (shape, view) = s.finish();
    Ok((Scanned::Event(shape, view), end))
}

impl<'a> Scanner<'a> {
    /// Parse the top-level object starting at `i` (its `{`); returns the index after it.
    fn run(&mut self, i: usize, env: Node, rec: Node) -> LexResult<usize> {
        let b = self.b;
        self.frames.push(Frame::Object {
            env,
            rec,
            seen_from: 0,
        });
        let mut i = i + 1;
        let mut step = Step::FirstKey;
        loop {
            match step {
                Step::FirstKey => {
                    i = skip_ws(b, i);
                    match b.get(i) {
                        Some(b'}') => {
                            i += 1;
                            self.close()?;
                            step = Step::AfterValue;
                        }
                        Some(b'"') => (i, step) = self.member(i)?,
                        None => return Err(eof(b.len(), EOF_OBJECT)),
                        Some(_) => return Err(syntax(i, "key must be a string")),
                    }
                }
                Step::FirstElement => {
                    i = skip_ws(b, i);
                    match b.get(i) {
                        Some(b']') => {
                            i += 1;
                            self.close()?;
                            step = Step::AfterValue;
                        }
                        None => return Err(eof(b.len(), EOF_LIST)),
                        Some(_) => {
                            let Some(&Frame::Array { env, rec }) = self.frames.last() else {
                                return Err(syntax(i, "internal: array expected"));
                            };
                            (i, step) = self.value(i, env, rec)?;
                        }
                    }
                }
                Step::AfterValue => {
                    let Some(&frame) = self.frames.last() else {
                        return Ok(i);
                    };
                    i = skip_ws(b, i);
                    match (frame, b.get(i)) {
                        (Frame::Object { .. }, Some(b',')) => {
                            i = skip_ws(b, i + 1);
                            match b.get(i) {
                                Some(b'"') => (i, step) = self.member(i)?,
                                Some(b'}') => return Err(syntax(i, "trailing comma")),
                                None => return Err(eof(b.len(), EOF_OBJECT)),
                                Some(_) => return Err(syntax(i, "key must be a string")),
                            }
                        }
                        (Frame::Array { env, rec }, Some(b',')) => {
                            i = skip_ws(b, i + 1);
                            if b.get(i) == Some(&b']') {
                                return Err(syntax(i, "trailing comma"));
                            }
                            self.env.next_element(env);
                            self.rec.next_element(rec);
                            (i, step) = self.value(i, env, rec)?;
                        }
                        (Frame::Object { .. }, Some(b'}')) | (Frame::Array { .. }, Some(b']')) => {
                            i += 1;
                            self.close()?;
                        }
                        (Frame::Object { .. }, None) => return Err(eof(b.len(), EOF_OBJECT)),
                        (Frame::Array { .. }, None) => return Err(eof(b.len(), EOF_LIST)),
                        (Frame::Object { .. }, Some(_)) => {
                            return Err(syntax(i, "expected `,` or `}`"));
                        }
                        (Frame::Array { .. }, Some(_)) => {
                            return Err(syntax(i, "expected `,` or `]`"));
                        }
                    }
                }
            }
        }
    }

    fn close(&mut self) -> LexResult<()> {
        match self.frames.pop() {
            Some(Frame::Object { seen_from, .. }) => self.seen.truncate(seen_from),
            Some(Frame::Array { env, rec }) => {
                self.env.close_array(env);
                self.rec.close_array(rec);
            }
            None => {}
        }
        Ok(())
    }

    /// One `"key": value` member of the innermost (object) frame; `i` is at the
    /// key's opening quote.
    fn member(&mut self, i: usize) -> LexResult<(usize, Step)> {
        let b = self.b;
        let Some(&Frame::Object {
            env,
            rec,
            seen_from,
        }) = self.frames.last()
        else {
            return Err(syntax(i, "internal: object expected"));
        };
        let (key, after) = read_string(b, i + 1)?;
        let mut j = skip_ws(b, after);
        match b.get(j) {
            Some(b':') => j = skip_ws(b, j + 1),
            None => return Err(eof(b.len(), EOF_OBJECT)),
            Some(_) => return Err(syntax(j, "expected `:`")),
        }
        let top = self.frames.len() == 1;
        let paths = self.paths;
        let env_child = if env == NO_NODE {
            NO_NODE
        } else {
            paths.child(env, &key)
        };
        let rec_child = if rec == NO_NODE {
            NO_NODE
        } else {
            paths.child(rec, &key)
        };
        if top {
            self.shape_keys.note_bytes(&key);
            if self.captured.slot(&key).is_some() {
                return self.top_capture(j, &key, env_child, rec_child, seen_from);
            }
        }
        if env_child == NO_NODE && rec_child == NO_NODE {
            let end = skip_value(b, j, self.frames.len())?;
            return Ok((end, Step::AfterValue));
        }
        self.note_key(env_child, rec_child, seen_from);
        self.value(j, env_child, rec_child)
    }

    /// Record that a key on a needed path starts here, dropping what an
    /// earlier occurrence of the same key in the same object produced.
    fn note_key(&mut self, env: Node, rec: Node, seen_from: usize) {
        let from = seen_from.min(self.seen.len());
        if let Some(pos) = self.seen[from..]
            .iter()
            .position(|s| s.env == env && s.rec == rec)
        {
            let k = from + pos;
            let old = self.seen[k];
            let (env_to, rec_to) = match self.seen.get(k + 1) {
                Some(next) => (next.env_from, next.rec_from),
                None => (self.env.leaves.len(), self.rec.leaves.len()),
            };
            self.env.kill(old.env_from, env_to);
            self.rec.kill(old.rec_from, rec_to);
            self.seen.remove(k);
        }
        self.seen.push(Seen {
            env,
            rec,
            env_from: self.env.leaves.len(),
            rec_from: self.rec.leaves.len(),
        });
    }

    /// A top-level key a bare record's envelope is built from: remember its
    /// string value (the last one wins, as with any duplicate key).
    fn top_capture(
        &mut self,
        j: usize,
        key: &[u8],
        env: Node,
        rec: Node,
        seen_from: usize,
    ) -> LexResult<(usize, Step)> {
        let relevant = env != NO_NODE || rec != NO_NODE;
        if relevant {
            self.note_key(env, rec, seen_from);
        }
        if self.b.get(j) == Some(&b'"') {
            let (body, end) = read_string(self.b, j + 1)?;
            let text = to_str(&body, j + 1)?.to_string();
            if relevant {
                self.emit(env, rec, Leaf::Str(text.clone()));
            }
            if let Some(slot) = self.captured.slot(key) {
                *slot = Some(text);
            }
            return Ok((end, Step::AfterValue));
        }
        if let Some(slot) = self.captured.slot(key) {
            *slot = None;
        }
        if relevant {
            self.value(j, env, rec)
        } else {
            let end = skip_value(self.b, j, self.frames.len())?;
            Ok((end, Step::AfterValue))
        }
    }

    /// The value at `i` sits on path node `env` / `rec` (at least one is a node).
    fn value(&mut self, i: usize, env: Node, rec: Node) -> LexResult<(usize, Step)> {
        let b = self.b;
        let paths = self.paths;
        let leaf = match b.get(i) {
            Some(b'"') => {
                let (body, end) = read_string(b, i + 1)?;
                let leaf = Leaf::Str(to_str(&body, i + 1)?.to_string());
                self.emit(env, rec, leaf);
                return Ok((end, Step::AfterValue));
            }
            Some(b'{') => {
                let env = if paths.node_has_children(env) {
                    env
                } else {
                    NO_NODE
                };
                let rec = if paths.node_has_children(rec) {
                    rec
                } else {
                    NO_NODE
                };
                if env == NO_NODE && rec == NO_NODE {
                    let end = skip_value(b, i, self.frames.len())?;
                    return Ok((end, Step::AfterValue));
                }
                self.check_depth(i)?;
                self.frames.push(Frame::Object {
                    env,
                    rec,
                    seen_from: self.seen.len(),
                });
                return Ok((i + 1, Step::FirstKey));
            }
            Some(b'[') => {
                self.check_depth(i)?;
                self.env.open_array(env);
                self.rec.open_array(rec);
                self.frames.push(Frame::Array { env, rec });
                return Ok((i + 1, Step::FirstElement));
            }
            Some(b't' | b'f' | b'n') => {
                let (end, v) = literal(b, i)?;
                let leaf = match v {
                    Some(v) => Leaf::Bool(v),
                    None => Leaf::Null,
                };
                (leaf, end)
            }
            Some(b'-' | b'0'..=b'9') => {
                let end = skip_number(b, i)?;
                let Some((text, value)) = lex::parse_number(&b[i..end]) else {
                    return Err(syntax(i, "number out of range"));
                };
                (Leaf::Num(Number { text, value }), end)
            }
            None => return Err(eof(b.len(), EOF_VALUE)),
            Some(_) => return Err(syntax(i, "expected value")),
        };
        let (leaf, end) = leaf;
        self.emit(env, rec, leaf);
        Ok((end, Step::AfterValue))
    }

    /// Keep `leaf` on each side whose node is a needed path (cloning only in
    /// the rare case that both are).
    #[inline]
    fn emit(&mut self, env: Node, rec: Node, leaf: Leaf) {
        match (Side::wants(self.paths, env), Side::wants(self.paths, rec)) {
            (Some(e), Some(r)) => {
                self.env.push(e, leaf.clone());
                self.rec.push(r, leaf);
            }
            (Some(e), None) => self.env.push(e, leaf),
            (None, Some(r)) => self.rec.push(r, leaf),
            (None, None) => {}
        }
    }

    fn check_depth(&self, i: usize) -> LexResult<()> {
        if self.frames.len() >= MAX_DEPTH {
            return too_deep(i);
        }
        Ok(())
    }

    fn finish(self) -> (Shape, EventView) {
        let shape = self.shape_keys.shape();
        let (side, envelope) = match shape {
            Shape::Envelope => (self.env, None),
            Shape::Record => (self.rec, Some(self.captured.fields())),
        };
        let mut view = EventView::with_trails(self.paths.len(), side.trails);
        if let Some(fields) = envelope {
            for (key, value) in fields.envelope_fields() {
                if let Some(id) = self.paths.get(key) {
                    view.push(
                        id,
                        LeafAt {
                            value: Leaf::Str(value),
                            trail: Trail::TOP,
                        },
                    );
                }
            }
        }
        for (id, leaf) in side.leaves {
            if id != DEAD {
                view.push(id, leaf);
            }
        }
        (shape, view)
    }
}

fn eof(offset: usize, what: &'static str) -> LexError {
    LexError {
        offset,
        kind: LexErrorKind::Eof(what),
    }
}

fn syntax(offset: usize, what: &'static str) -> LexError {
    LexError {
        offset,
        kind: LexErrorKind::Syntax(what),
    }
}
