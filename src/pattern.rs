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

mod eval;
mod json;
pub(crate) mod ops;

use crate::event::{EventView, Leaf, Number, PathId, PathSet};

use json::Json;
use ops::{Cidr, Ip, NumKey, Wildcard};

/// Why a pattern is invalid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{reason}")]
pub struct PatternError {
    /// EventBridge's reason text, word for word where EventBridge has one.
    pub reason: String,
    /// Dotted pattern path where the problem is, `""` at the top level.
    pub path: String,
}

impl PatternError {
    fn new(reason: impl Into<String>, path: &str) -> Self {
        PatternError {
            reason: reason.into(),
            path: path.to_string(),
        }
    }
}

/// At most this many conjunctions after expanding every `$or` (an EventBridge quota).
pub const MAX_OR_COMBINATIONS: usize = 1000;

/// Deeper nesting than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 128;

/// Field names that EventBridge refuses inside `$or` branches.
const RESERVED_IN_OR: &[&str] = &[
    "exactly",
    "equals-ignore-case",
    "prefix",
    "suffix",
    "anything-but",
    "exists",
    "wildcard",
    "numeric",
    "cidr",
    "html",
    "=",
    "<",
    "<=",
    ">",
    ">=",
    "regex",
    "not-wildcard",
    "not-equals-ignore-case",
    "date-after",
    "date-on-or-after",
    "date-before",
    "date-on-or-before",
    "in-date-range",
    "ip-address-in-range",
    "ip-address-not-in-range",
];

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
        Self::compile_json(&Json::from(pattern), paths)
    }

    /// Parse and compile a pattern given as JSON text. Object members are taken in
    /// the order written; for a path given twice, the last one wins.
    pub fn parse(json: &str, paths: &mut PathSet) -> Result<Pattern, PatternError> {
        let tree: Json =
            serde_json::from_str(json).map_err(|e| PatternError::new(e.to_string(), ""))?;
        Self::compile_json(&tree, paths)
    }

    fn compile_json(tree: &Json, paths: &mut PathSet) -> Result<Pattern, PatternError> {
        let Json::Obj(members) = tree else {
            return Err(PatternError::new("Filter is not an object", ""));
        };
        let mut branches: Vec<Branch> = vec![Vec::new()];
        parse_object(members, "", false, 0, &mut branches)?;
        let conjunctions = branches
            .into_iter()
            .map(|branch| Conjunction {
                fields: branch
                    .into_iter()
                    .map(|(path, tests)| Field {
                        path: paths.intern(&path),
                        tests,
                    })
                    .collect(),
            })
            .collect();
        Ok(Pattern { conjunctions })
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
    #[error("Event pattern is not valid. Reason: {}", .0.reason)]
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
// Compilation

/// A conjunction under construction: (dotted path, tests), one entry a path.
type Branch = Vec<(String, Tests)>;

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn parse_object(
    members: &[(String, Json)],
    prefix: &str,
    in_or: bool,
    depth: usize,
    branches: &mut Vec<Branch>,
) -> Result<(), PatternError> {
    if depth > MAX_DEPTH {
        return Err(PatternError::new(
            format!("Pattern is nested more than {MAX_DEPTH} levels deep"),
            prefix,
        ));
    }
    if members.is_empty() {
        return Err(PatternError::new("Empty objects are not allowed", prefix));
    }
    for (key, value) in members {
        if key == "$or" {
            parse_or(value, prefix, depth, branches)?;
            continue;
        }
        if in_or && RESERVED_IN_OR.contains(&key.as_str()) {
            return Err(PatternError::new(
                format!("{key} is Ruler reserved fieldName which cannot be used inside $or."),
                prefix,
            ));
        }
        let path = join(prefix, key);
        match value {
            Json::Obj(inner) => parse_object(inner, &path, in_or, depth + 1, branches)?,
            Json::Arr(items) => {
                let tests = parse_alternatives(items, &path)?;
                for branch in branches.iter_mut() {
                    // A later condition on the same path replaces the earlier one.
                    match branch.iter_mut().find(|(p, _)| *p == path) {
                        Some(slot) => slot.1 = tests.clone(),
                        None => branch.push((path.clone(), tests.clone())),
                    }
                }
            }
            _ => {
                return Err(PatternError::new(
                    format!("\"{key}\" must be an object or an array"),
                    &path,
                ));
            }
        }
    }
    Ok(())
}

fn parse_or(
    value: &Json,
    prefix: &str,
    depth: usize,
    branches: &mut Vec<Branch>,
) -> Result<(), PatternError> {
    let Json::Arr(items) = value else {
        return Err(PatternError::new(
            "It must be an Array followed with $or.",
            prefix,
        ));
    };
    let current = std::mem::take(branches);
    let mut expanded = Vec::new();
    for item in items {
        let Json::Obj(members) = item else {
            return Err(PatternError::new(
                "Only JSON object is allowed in array of $or relationship.",
                prefix,
            ));
        };
        let mut copy = current.clone();
        parse_object(members, prefix, true, depth + 1, &mut copy)?;
        expanded.extend(copy);
        if expanded.len() > MAX_OR_COMBINATIONS {
            return Err(PatternError::new(
                format!(
                    "The $or conditions expand to more than {MAX_OR_COMBINATIONS} combinations; \
                     use fewer alternatives under $or"
                ),
                prefix,
            ));
        }
    }
    if items.len() < 2 {
        return Err(PatternError::new(
            "There must have at least 2 Objects in $or relationship.",
            prefix,
        ));
    }
    *branches = expanded;
    Ok(())
}

fn parse_alternatives(items: &[Json], path: &str) -> Result<Tests, PatternError> {
    let err = |reason: String| PatternError::new(reason, path);
    let mut tests = Tests::default();
    for item in items {
        match item {
            Json::Str(s) => tests.alts.push(Alt::Str {
                text: s.clone(),
                ip: ops::parse_ip(s),
            }),
            Json::Num(n) => tests
                .alts
                .push(Alt::Num(NumKey::of(&ops::pattern_number(n)))),
            Json::Bool(b) => tests.alts.push(Alt::Bool(*b)),
            Json::Null => tests.alts.push(Alt::Null),
            Json::Obj(members) => match parse_operator(members).map_err(err)? {
                Operator::Alt(alt) => tests.alts.push(alt),
                Operator::Exists(true) => tests.exists_true = true,
                Operator::Exists(false) => tests.exists_false = true,
            },
            Json::Arr(_) => {
                return Err(err(
                    "Match value must be String, number, true, false, or null".to_string(),
                ));
            }
        }
    }
    if items.is_empty() {
        return Err(err("Empty arrays are not allowed".to_string()));
    }
    Ok(tests)
}

enum Operator {
    Alt(Alt),
    Exists(bool),
}

const ONE_KEY: &str = "Only one key allowed in match expression";
const TOO_MANY_ELEMENTS: &str = "Too many elements in numeric expression";

fn one_key(more: bool, reason: &str) -> Result<(), String> {
    if more {
        Err(reason.to_string())
    } else {
        Ok(())
    }
}

fn parse_operator(members: &[(String, Json)]) -> Result<Operator, String> {
    let Some(((name, value), rest)) = members.split_first() else {
        return Err("Match expression name not found".to_string());
    };
    let more = !rest.is_empty();
    let alt = match name.as_str() {
        "prefix" | "suffix" => {
            let is_prefix = name == "prefix";
            let alt = match value {
                Json::Obj(inner) => {
                    let chars = parse_ignore_case_affix(inner, is_prefix)?;
                    if is_prefix {
                        Alt::PrefixIc(chars)
                    } else {
                        Alt::SuffixIc(chars)
                    }
                }
                Json::Str(s) if is_prefix => Alt::Prefix(s.clone()),
                Json::Str(s) => Alt::Suffix(s.clone()),
                _ => return Err(format!("{name} match pattern must be a string")),
            };
            one_key(more, ONE_KEY)?;
            alt
        }
        "numeric" => {
            let Json::Arr(items) = value else {
                return Err("Value of numeric must be an array.".to_string());
            };
            let range = parse_numeric(items)?;
            one_key(more, TOO_MANY_ELEMENTS)?;
            Alt::Numeric(range)
        }
        "anything-but" => {
            let alt = parse_anything_but(value)?;
            one_key(more, TOO_MANY_ELEMENTS)?;
            Alt::AnythingBut(alt)
        }
        "exists" => {
            let Json::Bool(b) = value else {
                return Err("exists match pattern must be either true or false.".to_string());
            };
            one_key(more, ONE_KEY)?;
            return Ok(Operator::Exists(*b));
        }
        "cidr" => {
            // EventBridge's own (misleading) reason for a non-string CIDR.
            let Json::Str(s) = value else {
                return Err("prefix match pattern must be a string".to_string());
            };
            let cidr = Cidr::parse(s)?;
            one_key(more, ONE_KEY)?;
            Alt::Cidr(cidr)
        }
        "equals-ignore-case" => {
            let Json::Str(s) = value else {
                return Err("equals-ignore-case match pattern must be a string".to_string());
            };
            one_key(more, ONE_KEY)?;
            Alt::EqIc(s.chars().collect())
        }
        "wildcard" => {
            let Json::Str(s) = value else {
                return Err("wildcard match pattern must be a string".to_string());
            };
            let wildcard = Wildcard::parse(s)?;
            one_key(more, ONE_KEY)?;
            Alt::Wildcard(wildcard)
        }
        other => return Err(format!("Unrecognized match type {other}")),
    };
    Ok(Operator::Alt(alt))
}

/// `{"prefix": {"equals-ignore-case": "s"}}` and the suffix twin.
fn parse_ignore_case_affix(inner: &[(String, Json)], is_prefix: bool) -> Result<Vec<char>, String> {
    let (label, kind) = if is_prefix {
        ("Prefix", "prefix")
    } else {
        ("Suffix", "suffix")
    };
    let Some(((name, value), rest)) = inner.split_first() else {
        return Err(format!("{label} expression name not found"));
    };
    if name != "equals-ignore-case" {
        return Err(format!("Unsupported {kind} pattern: {name}"));
    }
    let Json::Str(s) = value else {
        return Err("equals-ignore-case match pattern must be a string".to_string());
    };
    one_key(!rest.is_empty(), ONE_KEY)?;
    Ok(s.chars().collect())
}

fn numeric_operand(value: Option<&Json>, op: &str) -> Result<f64, String> {
    let label = if op == "=" { "equals" } else { op };
    match value {
        Some(Json::Num(n)) => {
            let v = n.as_f64().unwrap_or(f64::NAN);
            ops::comparable(v).ok_or_else(|| ops::OUT_OF_RANGE.to_string())
        }
        _ => Err(format!("Value of {label} must be numeric")),
    }
}

fn token_text(value: Option<&Json>) -> String {
    value
        .map(Json::token_text)
        .unwrap_or_else(|| "]".to_string())
}

fn parse_numeric(items: &[Json]) -> Result<Range, String> {
    let op = match items.first() {
        Some(Json::Str(op)) => op.as_str(),
        other => {
            return Err(format!(
                "Invalid member in numeric match: {}",
                token_text(other)
            ));
        }
    };
    match op {
        "=" => {
            let v = numeric_operand(items.get(1), op)?;
            one_key(items.len() > 2, TOO_MANY_ELEMENTS)?;
            Ok(Range {
                low: Some((v, true)),
                high: Some((v, true)),
            })
        }
        "<" | "<=" => {
            let v = numeric_operand(items.get(1), op)?;
            one_key(items.len() > 2, TOO_MANY_ELEMENTS)?;
            Ok(Range {
                low: None,
                high: Some((v, op == "<=")),
            })
        }
        ">" | ">=" => {
            let low = numeric_operand(items.get(1), op)?;
            let low = Some((low, op == ">="));
            let Some(second) = items.get(2) else {
                return Ok(Range { low, high: None });
            };
            let Json::Str(op2) = second else {
                return Err(format!(
                    "Bad value in numeric range: {}",
                    second.token_text()
                ));
            };
            if op2 != "<" && op2 != "<=" {
                return Err(format!("Bad numeric range operator: {op2}"));
            }
            let high = numeric_operand(items.get(3), op2)?;
            one_key(
                items.len() > 4,
                "Too many terms in numeric range expression",
            )?;
            if low.map(|(b, _)| b).unwrap_or(f64::NEG_INFINITY) >= high {
                return Err("Bottom must be less than top".to_string());
            }
            Ok(Range {
                low,
                high: Some((high, op2 == "<=")),
            })
        }
        other => Err(format!("Unrecognized numeric range operator: {other}")),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum ButKind {
    Plain,
    EqIc,
    Prefix,
    Suffix,
    Wildcard,
}

fn parse_anything_but(value: &Json) -> Result<AnythingBut, String> {
    let (kind, value, inner_more) = match value {
        Json::Obj(inner) => {
            let Some(((name, v), rest)) = inner.split_first() else {
                return Err("Anything-But expression name not found".to_string());
            };
            let kind = match name.as_str() {
                "equals-ignore-case" => ButKind::EqIc,
                "prefix" => ButKind::Prefix,
                "suffix" => ButKind::Suffix,
                "wildcard" => ButKind::Wildcard,
                other => return Err(format!("Unsupported anything-but pattern: {other}")),
            };
            (kind, v, !rest.is_empty())
        }
        v => (ButKind::Plain, v, false),
    };
    if !matches!(value, Json::Arr(_) | Json::Str(_) | Json::Num(_)) {
        return Err(
            "Value of anything-but must be an array or single string/number value.".to_string(),
        );
    }
    let single = std::slice::from_ref(value);
    let (items, is_list) = match value {
        Json::Arr(items) => (items.as_slice(), true),
        _ => (single, false),
    };
    let result = if kind == ButKind::Plain {
        let mut strs = Vec::new();
        let mut nums = Vec::new();
        for item in items {
            match item {
                Json::Str(s) => strs.push(s.clone()),
                Json::Num(n) => {
                    let v = n.as_f64().unwrap_or(f64::NAN);
                    let v = ops::comparable(v).ok_or_else(|| ops::OUT_OF_RANGE.to_string())?;
                    nums.push(NumKey::Value(v));
                }
                _ if is_list => {
                    return Err(
                        "Inside anything but list, start|null|boolean is not supported."
                            .to_string(),
                    );
                }
                _ => {
                    return Err(
                        "Inside anything-but list, start|null|boolean is not supported."
                            .to_string(),
                    );
                }
            }
        }
        match (strs.is_empty(), nums.is_empty()) {
            (false, true) => AnythingBut::Strs(strs),
            (true, false) => AnythingBut::Nums(nums),
            _ => {
                return Err(
                    "Inside anything but list, either all values are number or string, \
                            mixed type is not supported"
                        .to_string(),
                );
            }
        }
    } else {
        let mut strs = Vec::new();
        for item in items {
            match item {
                Json::Str(s) => {
                    if s.is_empty() && matches!(kind, ButKind::Prefix | ButKind::Suffix) {
                        return Err("Null prefix/suffix not allowed".to_string());
                    }
                    strs.push(s.as_str());
                }
                _ => {
                    return Err(match kind {
                        ButKind::EqIc => "Inside anything-but/equals-ignore-case list, \
                                          number|start|null|boolean is not supported."
                            .to_string(),
                        ButKind::Wildcard => "wildcard match pattern must be a string".to_string(),
                        _ => "prefix/suffix match pattern must be a string".to_string(),
                    });
                }
            }
        }
        // EventBridge accepts an empty list here but then fails when matching.
        if strs.is_empty() {
            return Err("Empty arrays are not allowed".to_string());
        }
        let owned = || strs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        match kind {
            ButKind::EqIc => AnythingBut::EqIc(strs.iter().map(|s| s.chars().collect()).collect()),
            ButKind::Prefix => AnythingBut::Prefix(owned()),
            ButKind::Suffix => AnythingBut::Suffix(owned()),
            _ => AnythingBut::Wildcard(
                strs.iter()
                    .map(|s| Wildcard::parse(s))
                    .collect::<Result<_, _>>()?,
            ),
        }
    };
    one_key(inner_more, TOO_MANY_ELEMENTS)?;
    Ok(result)
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
