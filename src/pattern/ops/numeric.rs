//! Numbers: the numeric envelope EventBridge compares within, and how a number
//! takes part in equality.

use crate::event::Number;

/// The documented numeric envelope: EventBridge compares numbers only within
/// ±5.0e9. Pattern operands outside it are invalid; event numbers outside it never
/// satisfy `numeric` and only equal a literal by their text.
pub(crate) const NUMERIC_LIMIT: f64 = 5.0e9;

/// EventBridge's reason for an operand outside [`NUMERIC_LIMIT`].
pub(crate) const OUT_OF_RANGE: &str = "Value must be between -5.0E9 and 5.0E9, inclusive";

/// The value of a number when it is comparable (finite and inside the envelope),
/// with `-0` folded into `0`.
pub(crate) fn comparable(value: f64) -> Option<f64> {
    if value.is_finite() && (-NUMERIC_LIMIT..=NUMERIC_LIMIT).contains(&value) {
        Some(value + 0.0)
    } else {
        None
    }
}

/// How a number takes part in equality: by value inside the envelope, by
/// canonical text outside it (long integers such as 20-digit ids keep every digit).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum NumKey {
    Value(f64),
    Text(String),
}

impl NumKey {
    pub(crate) fn of(number: &Number) -> NumKey {
        match comparable(number.value) {
            Some(v) => NumKey::Value(v),
            None => NumKey::Text(canonical_text(&number.text, number.value)),
        }
    }
}

/// Integers keep their digits; other forms (fraction or exponent) are reprinted
/// from their value so that `6.5e9` and `6500000000.0` agree.
fn canonical_text(text: &str, value: f64) -> String {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        text.to_string()
    } else {
        format!("{value:e}")
    }
}

/// A number as it appears in a pattern.
pub(crate) fn pattern_number(n: &serde_json::Number) -> Number {
    Number {
        text: n.to_string(),
        value: n.as_f64().unwrap_or(f64::NAN),
    }
}
