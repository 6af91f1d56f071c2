//! Wildcards: compiled literal segments between `*`, with EventBridge's
//! complexity limit.

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

    /// The wildcard as it would be written: stars between the segments,
    /// literal stars and backslashes escaped.
    pub(crate) fn text(&self) -> String {
        let escaped: Vec<String> = self
            .segments
            .iter()
            .map(|s| s.replace('\\', "\\\\").replace('*', "\\*"))
            .collect();
        escaped.join("*")
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
