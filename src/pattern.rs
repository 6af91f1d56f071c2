//! The EventBridge event-pattern language: parse, validate (with EventBridge's
//! reason texts), compile, match.
//!
//! A pattern compiles to a disjunction of conjunctions (every `$or` expanded at
//! compile time). A conjunction holds one [`Field`] per dotted path; a field is a
//! list of alternatives. Matching follows EventBridge (see docs/patterns.md):
//! - fields are ANDed, alternatives ORed, an alternative holds when some leaf at
//!   the path satisfies it; `exists:false` holds when the path has no leaf;
//! - the leaves chosen for the fields of one conjunction must come from the same
//!   element of every array they share (array-consistent matching).
//!
//! Choices made where the service is not documented (each also in docs/patterns.md):
//! - numbers compare as f64 inside EventBridge's documented ±5.0e9 envelope;
//!   outside it a literal only equals the same number text (20-digit ids work),
//!   `numeric` never matches, and pattern operands are rejected;
//! - a plain pattern string that is an IP address literal also matches other
//!   spellings of the same address (as EventBridge's matcher does), same family only;
//! - `$or` is limited to 1000 expanded conjunctions (counting the conjunctions
//!   actually produced);
//! - the wildcard complexity limit is [`ops::wildcard::MAX_WILDCARD_STATES`] live states;
//! - `exactly` (an undocumented matcher-library operator) is not accepted.

mod error;
mod eval;
mod explain;
mod json;
pub(crate) mod ops;
mod parse;

use crate::event::{EventView, Leaf, Number, PathId, PathSet};

pub use error::{InField, NotValid, PatternError};
pub(crate) use explain::leaf_value;
pub use explain::{Explained, Miss};
use ops::{Cidr, Ip, NumKey, Wildcard};
pub use parse::Parsed;

/// At most this many conjunctions after expanding every `$or` (an EventBridge quota).
pub const MAX_OR_COMBINATIONS: usize = 1000;

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    conjunctions: Vec<Conjunction>,
}

/// One branch of a pattern after `$or` expansion: every field must hold.
#[derive(Debug, Clone)]
pub(crate) struct Conjunction {
    pub(crate) fields: Vec<Field>,
}

/// The alternatives for one path.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub(crate) path: PathId,
    pub(crate) tests: Tests,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Tests {
    /// Value alternatives: some leaf must satisfy one of them.
    pub(crate) alts: Vec<Alt>,
    /// `{"exists": true}` among the alternatives: any leaf will do.
    pub(crate) exists_true: bool,
    /// `{"exists": false}` among the alternatives: no leaf at all will do.
    pub(crate) exists_false: bool,
}

/// A value alternative.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Alt {
    Str { text: String, ip: Option<Ip> },
    Num(NumKey),
    Bool(bool),
    Null,
    Prefix(String),
    Suffix(String),
    PrefixIc(Vec<char>),
    SuffixIc(Vec<char>),
    EqIc(Vec<char>),
    Wildcard(Wildcard),
    Numeric(Range),
    Cidr(Cidr),
    AnythingBut(AnythingBut),
}

/// What an `anything-but` excludes; leaves of another type are never excluded.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AnythingBut {
    Strs(Vec<String>),
    Nums(Vec<NumKey>),
    Prefix(Vec<String>),
    Suffix(Vec<String>),
    EqIc(Vec<Vec<char>>),
    Wildcard(Vec<Wildcard>),
}

/// A numeric interval; a bound is (value, inclusive).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Range {
    low: Option<(f64, bool)>,
    high: Option<(f64, bool)>,
}

impl Range {
    fn contains(&self, v: f64) -> bool {
        let low_ok = match self.low {
            None => true,
            Some((b, true)) => v >= b,
            Some((b, false)) => v > b,
        };
        let high_ok = match self.high {
            None => true,
            Some((b, true)) => v <= b,
            Some((b, false)) => v < b,
        };
        low_ok && high_ok
    }
}

impl Pattern {
    /// Compile a pattern given as a JSON value, interning its paths in `paths`.
    ///
    /// A `serde_json::Value` has already sorted object keys and kept only the last
    /// of duplicate keys; when the order of members matters (which reason is
    /// reported first, which duplicate wins), use [`Pattern::parse`].
    pub fn compile(
        pattern: &serde_json::Value,
        paths: &mut PathSet,
    ) -> Result<Pattern, PatternError> {
        Ok(Parsed::from_value(pattern)?.bind(paths))
    }

    /// Parse and compile a pattern given as JSON text. Object members are taken in
    /// the order written; for a path given twice, the last one wins.
    pub fn parse(json: &str, paths: &mut PathSet) -> Result<Pattern, PatternError> {
        Ok(Parsed::parse(json)?.bind(paths))
    }

    /// Does the event match?
    pub fn matches(&self, event: &EventView) -> bool {
        self.conjunctions.iter().any(|c| c.matches(event))
    }

    /// Every path the pattern reads (each once).
    pub fn paths(&self) -> Vec<PathId> {
        let mut ids: Vec<PathId> = self
            .conjunctions
            .iter()
            .flat_map(|c| c.fields.iter().map(|f| f.path))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The conjunctions, for the rule-set index.
    pub(crate) fn conjunctions(&self) -> &[Conjunction] {
        &self.conjunctions
    }
}

/// Why `test_event_pattern` could not answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TestPatternError {
    #[error("{}", .0.not_valid())]
    InvalidPattern(PatternError),
    #[error("Parameter Event is not valid.")]
    InvalidEvent,
}

/// The fields `TestEventPattern` requires in an event.
const MANDATORY_EVENT_FIELDS: &[&str] =
    &["id", "account", "source", "time", "region", "detail-type"];

/// Offline twin of `aws events test-event-pattern`.
pub fn test_event_pattern(pattern_json: &str, event_json: &str) -> Result<bool, TestPatternError> {
    let mut paths = PathSet::new();
    let pattern =
        Pattern::parse(pattern_json, &mut paths).map_err(TestPatternError::InvalidPattern)?;
    let event: serde_json::Value =
        serde_json::from_str(event_json).map_err(|_| TestPatternError::InvalidEvent)?;
    let Some(object) = event.as_object() else {
        return Err(TestPatternError::InvalidEvent);
    };
    if MANDATORY_EVENT_FIELDS
        .iter()
        .any(|f| !object.contains_key(*f))
    {
        return Err(TestPatternError::InvalidEvent);
    }
    let view = EventView::from_value(&event, &paths).map_err(|_| TestPatternError::InvalidEvent)?;
    Ok(pattern.matches(&view))
}

// ---------------------------------------------------------------------------
// Leaf tests

fn number_equals(key: &NumKey, n: &Number) -> bool {
    match key {
        NumKey::Value(v) => ops::comparable(n.value) == Some(*v),
        NumKey::Text(_) => ops::comparable(n.value).is_none() && NumKey::of(n) == *key,
    }
}

impl Alt {
    pub(crate) fn matches(&self, leaf: &Leaf) -> bool {
        match (self, leaf) {
            (Alt::Str { text, ip }, Leaf::Str(s)) => {
                text == s || ip.is_some_and(|ip| ops::parse_ip(s) == Some(ip))
            }
            (Alt::Num(key), Leaf::Num(n)) => number_equals(key, n),
            (Alt::Bool(b), Leaf::Bool(v)) => b == v,
            (Alt::Null, Leaf::Null) => true,
            (Alt::Prefix(p), Leaf::Str(s)) => s.starts_with(p.as_str()),
            (Alt::Suffix(p), Leaf::Str(s)) => s.ends_with(p.as_str()),
            (Alt::PrefixIc(p), Leaf::Str(s)) => ops::prefix_ic(p, s),
            (Alt::SuffixIc(p), Leaf::Str(s)) => ops::suffix_ic(p, s),
            (Alt::EqIc(p), Leaf::Str(s)) => ops::eq_ic(p, s),
            (Alt::Wildcard(w), Leaf::Str(s)) => w.matches(s),
            (Alt::Numeric(r), Leaf::Num(n)) => {
                ops::comparable(n.value).is_some_and(|v| r.contains(v))
            }
            (Alt::Cidr(c), Leaf::Str(s)) => ops::parse_ip(s).is_some_and(|ip| c.contains(ip)),
            (Alt::AnythingBut(but), leaf) => !but.excludes(leaf),
            _ => false,
        }
    }
}

impl AnythingBut {
    fn excludes(&self, leaf: &Leaf) -> bool {
        match (self, leaf) {
            (AnythingBut::Strs(list), Leaf::Str(s)) => list.iter().any(|x| x == s),
            (AnythingBut::Nums(list), Leaf::Num(n)) => list.iter().any(|k| number_equals(k, n)),
            (AnythingBut::Prefix(list), Leaf::Str(s)) => {
                list.iter().any(|p| s.starts_with(p.as_str()))
            }
            (AnythingBut::Suffix(list), Leaf::Str(s)) => {
                list.iter().any(|p| s.ends_with(p.as_str()))
            }
            (AnythingBut::EqIc(list), Leaf::Str(s)) => list.iter().any(|p| ops::eq_ic(p, s)),
            (AnythingBut::Wildcard(list), Leaf::Str(s)) => list.iter().any(|w| w.matches(s)),
            _ => false,
        }
    }
}

impl Tests {
    /// Does this one leaf satisfy a value alternative (or `exists: true`)?
    pub(crate) fn leaf_ok(&self, leaf: &Leaf) -> bool {
        self.exists_true || self.alts.iter().any(|a| a.matches(leaf))
    }
}
