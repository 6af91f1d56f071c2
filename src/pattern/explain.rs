//! Why a compiled pattern does not match an event: the first field that
//! fails, what it wanted in short form and what the event holds there.
//!
//! The verdict comes from the matcher itself ([`Pattern::matches`] and the
//! per-field check of [`super::eval`]); this module only picks the field to
//! report and writes its condition in a readable form.

use serde_json::Value;

use crate::event::{EventView, Leaf, LeafAt, PathSet};

use super::eval::{Status, status};
use super::{Alt, AnythingBut, Conjunction, Field, Pattern, Range, Tests};

/// At most this many alternatives or event values are written out.
const SHOWN: usize = 5;

/// Why a pattern did not match an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Miss {
    /// A field whose condition no value at its path satisfies.
    Field {
        /// The dotted path, e.g. `detail.eventName`.
        path: String,
        /// The condition in short form, e.g. `"CreateUser"` or `prefix "arn:"`.
        wanted: String,
        /// The values at the path; empty when there are none.
        seen: Vec<Value>,
    },
    /// Every field holds on its own, but not with values from the same
    /// element of the arrays they share.
    Arrays { paths: Vec<String> },
}

/// A miss and how many `$or` branches were tried (1 without `$or`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explained {
    pub miss: Miss,
    pub branches: usize,
}

impl Pattern {
    /// `None` when the event matches; otherwise the reason, taken from the
    /// `$or` branch that came closest (fewest failing fields, the first on a tie).
    pub fn explain(&self, event: &EventView, paths: &PathSet) -> Option<Explained> {
        if self.matches(event) {
            return None;
        }
        let closest = self
            .conjunctions
            .iter()
            .map(|c| (failing(c, event), c))
            .min_by_key(|(failed, _)| failed.len())?;
        let miss = match closest {
            (failed, _) if !failed.is_empty() => {
                let field = failed[0];
                Miss::Field {
                    path: paths.name(field.path).to_string(),
                    wanted: describe(&field.tests),
                    seen: event
                        .leaves(field.path)
                        .iter()
                        .map(|l| leaf_value(&l.value))
                        .collect(),
                }
            }
            (_, conjunction) => Miss::Arrays {
                paths: conjunction
                    .fields
                    .iter()
                    .filter(|f| in_arrays(f, event.leaves(f.path)))
                    .map(|f| paths.name(f.path).to_string())
                    .collect(),
            },
        };
        Some(Explained {
            miss,
            branches: self.conjunctions.len(),
        })
    }
}

fn failing<'a>(conjunction: &'a Conjunction, event: &EventView) -> Vec<&'a Field> {
    conjunction
        .fields
        .iter()
        .filter(|f| matches!(status(f, event.leaves(f.path)), Status::Failed))
        .collect()
}

fn in_arrays(field: &Field, leaves: &[LeafAt]) -> bool {
    matches!(status(field, leaves), Status::Constrained)
}

/// A leaf as a JSON value; a number JSON cannot hold keeps its text.
pub(crate) fn leaf_value(leaf: &Leaf) -> Value {
    match leaf {
        Leaf::Str(s) => Value::from(s.as_str()),
        Leaf::Num(n) => serde_json::from_str::<serde_json::Number>(&n.text)
            .map(Value::Number)
            .unwrap_or_else(|_| Value::from(n.text.as_str())),
        Leaf::Bool(b) => Value::Bool(*b),
        Leaf::Null => Value::Null,
    }
}

fn quote(s: &str) -> String {
    Value::from(s).to_string()
}

fn list(items: &[String]) -> String {
    let mut shown: Vec<&str> = items.iter().take(SHOWN).map(String::as_str).collect();
    let more = items.len().saturating_sub(SHOWN);
    let tail = format!("… {more} more");
    if more > 0 {
        shown.push(&tail);
    }
    format!("[{}]", shown.join(", "))
}

fn quoted(items: &[String]) -> Vec<String> {
    items.iter().map(|s| quote(s)).collect()
}

fn chars(c: &[char]) -> String {
    quote(&c.iter().collect::<String>())
}

/// A field's condition in short form: one alternative as itself, several
/// literals as a list, other alternatives joined by `or`.
pub(crate) fn describe(tests: &Tests) -> String {
    let literals: Vec<String> = tests.alts.iter().filter_map(literal).collect();
    let mut parts = Vec::new();
    if literals.len() > 1 {
        parts.push(format!("one of {}", list(&literals)));
    } else {
        parts.extend(literals);
    }
    parts.extend(tests.alts.iter().filter_map(operator));
    if tests.exists_true {
        parts.push("exists".to_string());
    }
    if tests.exists_false {
        parts.push("absent".to_string());
    }
    if parts.is_empty() {
        // An empty list of alternatives: nothing satisfies it.
        return "[] (nothing matches)".to_string();
    }
    parts.join(" or ")
}

fn literal(alt: &Alt) -> Option<String> {
    match alt {
        Alt::Str { text, .. } => Some(quote(text)),
        Alt::Num(super::NumKey::Value(v)) => Some(v.to_string()),
        Alt::Num(super::NumKey::Text(t)) => Some(t.clone()),
        Alt::Bool(b) => Some(b.to_string()),
        Alt::Null => Some("null".to_string()),
        _ => None,
    }
}

fn operator(alt: &Alt) -> Option<String> {
    Some(match alt {
        Alt::Prefix(p) => format!("prefix {}", quote(p)),
        Alt::Suffix(p) => format!("suffix {}", quote(p)),
        Alt::PrefixIc(p) => format!("prefix (any case) {}", chars(p)),
        Alt::SuffixIc(p) => format!("suffix (any case) {}", chars(p)),
        Alt::EqIc(p) => format!("equals-ignore-case {}", chars(p)),
        Alt::Wildcard(w) => format!("wildcard {}", quote(&w.text())),
        Alt::Numeric(r) => format!("numeric {}", range(r)),
        Alt::Cidr(c) => format!("cidr {}", c.text()),
        Alt::AnythingBut(but) => format!("anything-but {}", anything_but(but)),
        _ => return None,
    })
}

fn range(r: &Range) -> String {
    if let (Some((low, true)), Some((high, true))) = (r.low, r.high)
        && low == high
    {
        return format!("= {low}");
    }
    let bound = |b: Option<(f64, bool)>, incl: &str, excl: &str| {
        b.map(|(v, inclusive)| format!("{} {v}", if inclusive { incl } else { excl }))
    };
    let parts: Vec<String> = [bound(r.low, ">=", ">"), bound(r.high, "<=", "<")]
        .into_iter()
        .flatten()
        .collect();
    if parts.is_empty() {
        "any number".to_string()
    } else {
        parts.join(", ")
    }
}

fn anything_but(but: &AnythingBut) -> String {
    match but {
        AnythingBut::Strs(list_) => list(&quoted(list_)),
        AnythingBut::Nums(nums) => list(
            &nums
                .iter()
                .map(|n| match n {
                    super::NumKey::Value(v) => v.to_string(),
                    super::NumKey::Text(t) => t.clone(),
                })
                .collect::<Vec<_>>(),
        ),
        AnythingBut::Prefix(p) => format!("prefix {}", list(&quoted(p))),
        AnythingBut::Suffix(p) => format!("suffix {}", list(&quoted(p))),
        AnythingBut::EqIc(p) => format!(
            "equals-ignore-case {}",
            list(&p.iter().map(|c| chars(c)).collect::<Vec<_>>())
        ),
        AnythingBut::Wildcard(w) => format!(
            "wildcard {}",
            list(&w.iter().map(|w| quote(&w.text())).collect::<Vec<_>>())
        ),
    }
}

#[cfg(test)]
mod tests;
