//! The value tests behind the operators: numbers, IP addresses and CIDR ranges,
//! case-insensitive comparison and wildcards.

use std::net::Ipv6Addr;

use crate::event::Number;

// ---------------------------------------------------------------------------
// Numbers

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

// ---------------------------------------------------------------------------
// IP addresses and CIDR

/// An address, families kept apart: an IPv4 range never contains an IPv6 value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Ip {
    V4(u32),
    V6(u128),
}

/// Does `s` look like an address literal at all? Mirrors EventBridge's pre-check:
/// four dot-separated digit runs, or hex digits and colons with at least one colon.
fn ip_shape(s: &str) -> Option<bool> {
    let v4 = s.split('.').count() == 4
        && s.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if v4 {
        return Some(true);
    }
    let v6 = s.contains(':') && s.bytes().all(|b| b.is_ascii_hexdigit() || b == b':');
    if v6 { Some(false) } else { None }
}

enum IpParse {
    NotIp,
    Invalid,
    Ok(Ip),
}

fn parse_ip_detailed(s: &str) -> IpParse {
    match ip_shape(s) {
        None => IpParse::NotIp,
        Some(true) => {
            let mut addr: u32 = 0;
            for part in s.split('.') {
                // Leading zeros are read as decimal, as Java's address parser does.
                let trimmed = part.trim_start_matches('0');
                if trimmed.len() > 3 {
                    return IpParse::Invalid;
                }
                let octet: u32 = if trimmed.is_empty() {
                    0
                } else {
                    match trimmed.parse() {
                        Ok(v) => v,
                        Err(_) => return IpParse::Invalid,
                    }
                };
                if octet > 255 {
                    return IpParse::Invalid;
                }
                addr = (addr << 8) | octet;
            }
            IpParse::Ok(Ip::V4(addr))
        }
        Some(false) => match s.parse::<Ipv6Addr>() {
            Ok(a) => IpParse::Ok(Ip::V6(u128::from(a))),
            Err(_) => IpParse::Invalid,
        },
    }
}

/// The address `s` denotes, if it is an IPv4 or IPv6 literal (any textual form).
pub(crate) fn parse_ip(s: &str) -> Option<Ip> {
    match parse_ip_detailed(s) {
        IpParse::Ok(ip) => Some(ip),
        _ => None,
    }
}

/// Canonical text of an address (used as an index key).
pub(crate) fn ip_text(ip: Ip) -> String {
    match ip {
        Ip::V4(a) => std::net::Ipv4Addr::from(a).to_string(),
        Ip::V6(a) => Ipv6Addr::from(a).to_string(),
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Cidr {
    low: Ip,
    high: Ip,
}

impl Cidr {
    pub(crate) fn parse(text: &str) -> Result<Cidr, String> {
        // Java's String.split drops trailing empty parts: "10.0.0.0/8/" has two.
        let mut parts: Vec<&str> = text.split('/').collect();
        while parts.len() > 1 && parts.last().is_some_and(|p| p.is_empty()) {
            parts.pop();
        }
        if parts.len() == 1 && parts[0].is_empty() && text.contains('/') {
            parts.clear();
        }
        let [addr, mask] = parts.as_slice() else {
            return Err("Malformed CIDR, one '/' required".to_string());
        };
        let mask: i32 = mask
            .parse()
            .map_err(|_| "Malformed CIDR, mask bits must be an integer".to_string())?;
        if mask < 0 {
            return Err("Malformed CIDR, mask bits must not be negative".to_string());
        }
        let ip = match parse_ip_detailed(addr) {
            IpParse::Ok(ip) => ip,
            IpParse::Invalid => return Err(format!("Invalid IP address: {addr}")),
            IpParse::NotIp => return Err(format!("Nonstandard IP address: {addr}")),
        };
        match ip {
            Ip::V4(a) => {
                if mask > 31 {
                    return Err("IPv4 mask bits must be < 32".to_string());
                }
                let host = u32::MAX.checked_shr(mask as u32).unwrap_or(0);
                Ok(Cidr {
                    low: Ip::V4(a & !host),
                    high: Ip::V4(a | host),
                })
            }
            Ip::V6(a) => {
                if mask > 127 {
                    return Err("IPv6 mask bits must be < 128".to_string());
                }
                let host = u128::MAX.checked_shr(mask as u32).unwrap_or(0);
                Ok(Cidr {
                    low: Ip::V6(a & !host),
                    high: Ip::V6(a | host),
                })
            }
        }
    }

    pub(crate) fn contains(&self, ip: Ip) -> bool {
        match (self.low, self.high, ip) {
            (Ip::V4(lo), Ip::V4(hi), Ip::V4(v)) => lo <= v && v <= hi,
            (Ip::V6(lo), Ip::V6(hi), Ip::V6(v)) => lo <= v && v <= hi,
            _ => false,
        }
    }
}

// ---------------------------------------------------------------------------
// Case-insensitive comparison

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

// ---------------------------------------------------------------------------
// Wildcards

/// A compiled wildcard: literal segments separated by `*`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Wildcard {
    /// Literal text between stars (escapes resolved); `segments.len()` = stars + 1.
    segments: Vec<String>,
}

/// Reason for a wildcard whose state machine is too non-deterministic.
pub(crate) const TOO_COMPLEX: &str = "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character";

/// Largest number of pattern positions a wildcard may have live at once while
/// reading a worst-case value. `*a*b*c*` reaches 4, `a*b*c*d*e*f` 6, while
/// `*:*:*:*:*:event-bus/*`, which EventBridge rejects, reaches 7.
pub(crate) const MAX_WILDCARD_STATES: usize = 6;

/// Bound on the subsets explored when scoring a wildcard; beyond it the pattern
/// counts as too complex.
const MAX_SUBSETS: usize = 20_000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tok {
    Star,
    Byte(u8),
}

impl Wildcard {
    /// Parse with EventBridge's escapes (`\*`, `\\`) and errors. Positions count
    /// UTF-8 bytes from 1 (EventBridge counts the opening quote as position 0).
    pub(crate) fn parse(text: &str) -> Result<Wildcard, String> {
        let bytes = text.as_bytes();
        let mut toks = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'*' => {
                    if bytes.get(i + 1) == Some(&b'*') {
                        return Err(format!("Consecutive wildcard characters at pos {}", i + 1));
                    }
                    toks.push(Tok::Star);
                }
                b'\\' => match bytes.get(i + 1) {
                    Some(&next @ (b'*' | b'\\')) => {
                        toks.push(Tok::Byte(next));
                        i += 1;
                    }
                    _ => return Err(format!("Invalid escape character at pos {}", i + 1)),
                },
                b => toks.push(Tok::Byte(b)),
            }
            i += 1;
        }
        if live_states(&toks) > MAX_WILDCARD_STATES {
            return Err(TOO_COMPLEX.to_string());
        }
        let mut segments = vec![Vec::new()];
        for t in toks {
            match t {
                Tok::Star => segments.push(Vec::new()),
                Tok::Byte(b) => {
                    if let Some(last) = segments.last_mut() {
                        last.push(b);
                    }
                }
            }
        }
        // Escapes only ever remove ASCII bytes, so segments stay valid UTF-8.
        let segments = segments
            .into_iter()
            .map(|s| String::from_utf8_lossy(&s).into_owned())
            .collect();
        Ok(Wildcard { segments })
    }

    pub(crate) fn matches(&self, value: &str) -> bool {
        let Some((first, rest)) = self.segments.split_first() else {
            return false;
        };
        let Some((last, middle)) = rest.split_last() else {
            return value == first;
        };
        if value.len() < first.len() + last.len()
            || !value.starts_with(first.as_str())
            || !value.ends_with(last.as_str())
        {
            return false;
        }
        // Leftmost placement of each middle segment is optimal when `*` is the only
        // metacharacter.
        let mut window = &value[first.len()..value.len() - last.len()];
        for seg in middle {
            // memmem: str::find sets up a two-way searcher on every call, which
            // dominates on the short values (ARNs, names) rules look at.
            match memchr::memmem::find(window.as_bytes(), seg.as_bytes()) {
                Some(at) => window = &window[at + seg.len()..],
                None => return false,
            }
        }
        true
    }
}

/// The largest number of non-star positions live at once in the pattern's NFA,
/// over every input (explored as reachable subsets, bounded by [`MAX_SUBSETS`]).
fn live_states(toks: &[Tok]) -> usize {
    use std::collections::HashSet;
    if !toks.contains(&Tok::Star) {
        return 1;
    }
    let n = toks.len();
    let closure = |set: &mut Vec<usize>| {
        let mut i = 0;
        while i < set.len() {
            let p = set[i];
            if p < n && toks[p] == Tok::Star && !set.contains(&(p + 1)) {
                set.push(p + 1);
            }
            i += 1;
        }
        set.sort_unstable();
        set.dedup();
    };
    let score = |set: &[usize]| {
        set.iter()
            .filter(|&&p| p == n || toks[p] != Tok::Star)
            .count()
    };
    let mut alphabet: Vec<u8> = toks
        .iter()
        .filter_map(|t| match t {
            Tok::Byte(b) => Some(*b),
            Tok::Star => None,
        })
        .collect();
    alphabet.sort_unstable();
    alphabet.dedup();
    // One byte that appears nowhere in the pattern stands for all the others.
    if let Some(other) = (0..=255u8).find(|b| !alphabet.contains(b)) {
        alphabet.push(other);
    }
    let mut start = vec![0];
    closure(&mut start);
    let mut best = score(&start);
    let mut seen: HashSet<Vec<usize>> = HashSet::new();
    seen.insert(start.clone());
    let mut queue = vec![start];
    while let Some(set) = queue.pop() {
        for &b in &alphabet {
            let mut next: Vec<usize> = Vec::new();
            for &p in &set {
                match toks.get(p) {
                    Some(Tok::Star) => next.push(p),
                    Some(Tok::Byte(c)) if *c == b => next.push(p + 1),
                    _ => {}
                }
            }
            closure(&mut next);
            if next.is_empty() || seen.contains(&next) {
                continue;
            }
            best = best.max(score(&next));
            if best > MAX_WILDCARD_STATES || seen.len() >= MAX_SUBSETS {
                return usize::MAX;
            }
            seen.insert(next.clone());
            queue.push(next);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_complexity_threshold_separates_the_documented_examples() {
        assert_eq!(
            Wildcard::parse("*:*:*:*:*:event-bus/*"),
            Err(TOO_COMPLEX.to_string())
        );
        assert!(Wildcard::parse("*a*b*c*").is_ok());
        assert!(Wildcard::parse("a*b*c*d*e*f").is_ok());
        assert!(Wildcard::parse("arn:aws:iam::*:role/*").is_ok());
    }

    #[test]
    fn wildcard_matching() {
        let w = Wildcard::parse("a*b*c").unwrap();
        assert!(w.matches("abc"));
        assert!(w.matches("axxbyyc"));
        assert!(!w.matches("ac"));
        assert!(!w.matches("abcd"));
        let w = Wildcard::parse("ab*ba").unwrap();
        assert!(!w.matches("aba"));
        assert!(w.matches("abba"));
        let w = Wildcard::parse(r"a\*b*").unwrap();
        assert!(w.matches("a*bzz"));
        assert!(!w.matches("axb"));
    }

    #[test]
    fn cidr_parsing_and_ranges() {
        let c = Cidr::parse("10.0.0.77/24").unwrap();
        assert!(c.contains(parse_ip("10.0.0.1").unwrap()));
        assert!(!c.contains(parse_ip("10.0.1.1").unwrap()));
        assert!(Cidr::parse("10.0.0.0/8/").is_ok());
        assert_eq!(
            Cidr::parse("1.2.3.4/32"),
            Err("IPv4 mask bits must be < 32".into())
        );
        let c = Cidr::parse("::/0").unwrap();
        assert!(c.contains(parse_ip("2001:db8::1").unwrap()));
        assert!(!c.contains(parse_ip("10.0.0.1").unwrap()));
    }

    #[test]
    fn case_folding_is_per_code_point() {
        assert!(eq_ic(&"ÉTÉ".chars().collect::<Vec<_>>(), "été"));
        assert!(!eq_ic(&"ß".chars().collect::<Vec<_>>(), "SS"));
        assert!(prefix_ic(&"abc".chars().collect::<Vec<_>>(), "ABCdef"));
        assert!(suffix_ic(&"DEF".chars().collect::<Vec<_>>(), "abcdef"));
    }
}

#[cfg(test)]
mod long_wildcards {
    use super::*;

    #[test]
    fn long_literal_segments_are_not_too_complex() {
        // Pseudo-random text: little self-overlap, as in real ARNs and names.
        let mut x: u32 = 7;
        let body: String = (0..2000)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                char::from(b'a' + ((x >> 16) % 26) as u8)
            })
            .collect();
        let w = Wildcard::parse(&format!("*{body}*{body}")).unwrap();
        assert!(w.matches(&format!("x{body}yy{body}")));
        assert!(!w.matches(&format!("x{body}yy")));
    }

    #[test]
    fn repeating_sequences_after_a_wildcard_are_too_complex() {
        // Each repetition is one more live position (EventBridge's documented cause).
        let repetitive = "ab".repeat(10);
        assert_eq!(
            Wildcard::parse(&format!("*{repetitive}")),
            Err(TOO_COMPLEX.to_string())
        );
    }
}
