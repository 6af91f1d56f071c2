//! Case-insensitive comparison (`equals-ignore-case`, and `prefix`/`suffix`
//! with `equals-ignore-case`), code point by code point.

/// A code point's simple (one-to-one) lower and upper case mappings; a mapping to
/// several code points (`ß` → `SS`) leaves the code point unchanged.
fn simple_lower(c: char) -> char {
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

fn simple_upper(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Two code points are equal ignoring case when they are equal or their simple
/// lower or upper case mappings are.
pub(crate) fn char_eq_ic(a: char, b: char) -> bool {
    a == b || simple_lower(a) == simple_lower(b) || simple_upper(a) == simple_upper(b)
}

pub(crate) fn eq_ic(pattern: &[char], value: &str) -> bool {
    let mut chars = value.chars();
    for &p in pattern {
        match chars.next() {
            Some(c) if char_eq_ic(p, c) => {}
            _ => return false,
        }
    }
    chars.next().is_none()
}

pub(crate) fn prefix_ic(pattern: &[char], value: &str) -> bool {
    let mut chars = value.chars();
    pattern
        .iter()
        .all(|&p| chars.next().is_some_and(|c| char_eq_ic(p, c)))
}

pub(crate) fn suffix_ic(pattern: &[char], value: &str) -> bool {
    let mut chars = value.chars().rev();
    pattern
        .iter()
        .rev()
        .all(|&p| chars.next().is_some_and(|c| char_eq_ic(p, c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_folding_is_per_code_point() {
        assert!(eq_ic(&"ÉTÉ".chars().collect::<Vec<_>>(), "été"));
        assert!(!eq_ic(&"ß".chars().collect::<Vec<_>>(), "SS"));
        assert!(prefix_ic(&"abc".chars().collect::<Vec<_>>(), "ABCdef"));
        assert!(suffix_ic(&"DEF".chars().collect::<Vec<_>>(), "abcdef"));
    }
}
