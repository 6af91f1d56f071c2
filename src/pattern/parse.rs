//! From pattern text (or a JSON value) to a checked, compiled pattern: every
//! `$or` expanded, every operator parsed, every mistake reported with
//! EventBridge's reason and the path where it is.

use super::json::Json;
use super::ops::{self, Cidr, NumKey, Wildcard};
use super::{
    Alt, AnythingBut, Conjunction, Field, MAX_OR_COMBINATIONS, Pattern, PatternError, Range, Tests,
};
use crate::event::PathSet;

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

/// A pattern checked and compiled, its paths not yet interned in a
/// [`PathSet`]: what the rule loader keeps, so that building a rule set binds
/// each pattern to the set's paths ([`Parsed::bind`]) instead of parsing it
/// again.
#[derive(Debug, Clone)]
pub struct Parsed {
    branches: Vec<Branch>,
}

impl Parsed {
    /// Parse and check a pattern given as JSON text. Object members are taken
    /// in the order written; for a path given twice, the last one wins.
    pub fn parse(json: &str) -> Result<Parsed, PatternError> {
        let tree: Json =
            serde_json::from_str(json).map_err(|e| PatternError::new(e.to_string(), ""))?;
        Parsed::from_json(&tree)
    }

    /// Parse and check a pattern given as a JSON value (see [`Pattern::compile`]
    /// for what a value has already lost).
    pub fn from_value(pattern: &serde_json::Value) -> Result<Parsed, PatternError> {
        Parsed::from_json(&Json::from(pattern))
    }

    fn from_json(tree: &Json) -> Result<Parsed, PatternError> {
        let Json::Obj(members) = tree else {
            return Err(PatternError::new("Filter is not an object", ""));
        };
        let mut branches: Vec<Branch> = vec![Vec::new()];
        parse_object(members, "", false, 0, &mut branches)?;
        Ok(Parsed { branches })
    }

    /// The compiled pattern, its paths interned in `paths`.
    pub fn bind(&self, paths: &mut PathSet) -> Pattern {
        let conjunctions = self
            .branches
            .iter()
            .map(|branch| Conjunction {
                fields: branch
                    .iter()
                    .map(|(path, tests)| Field {
                        path: paths.intern(path),
                        tests: tests.clone(),
                    })
                    .collect(),
            })
            .collect();
        Pattern { conjunctions }
    }
}

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
