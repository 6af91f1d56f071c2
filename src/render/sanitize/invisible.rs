//! Which code points no output may carry raw: decided by Unicode general
//! category, so a character Unicode classes as invisible is caught without
//! anyone listing it, plus the few invisible ones filed under visible
//! categories (data in `invisible.txt`).

use std::sync::OnceLock;

use unicode_general_category::{GeneralCategory, get_general_category};

/// The Unicode version of the category tables. A character assigned in a later
/// version is still unassigned (Cn) here, so it is removed until the tables
/// catch up.
pub const UNICODE_VERSION: (u64, u64, u64) = unicode_general_category::UNICODE_VERSION;

/// Controls (Cc), format characters (Cf: bidi controls, zero-width
/// characters, tags, Arabic number signs…), line and paragraph separators
/// (Zl, Zp), spaces other than U+0020 (Zs), private-use (Co) and unassigned
/// (Cn) code points, and the invisible fillers and variation selectors of
/// `invisible.txt`.
pub fn is_forbidden(c: char) -> bool {
    use GeneralCategory as G;
    match get_general_category(c) {
        G::Control
        | G::Format
        | G::LineSeparator
        | G::ParagraphSeparator
        | G::PrivateUse
        | G::Surrogate
        | G::Unassigned => true,
        G::SpaceSeparator => c != ' ',
        _ => is_filler(c),
    }
}

fn is_filler(c: char) -> bool {
    let c = u32::from(c);
    let ranges = fillers();
    let i = ranges.partition_point(|&(_, last)| last < c);
    ranges.get(i).is_some_and(|&(first, _)| first <= c)
}

/// The ranges of `invisible.txt`, sorted.
fn fillers() -> &'static [(u32, u32)] {
    static RANGES: OnceLock<Vec<(u32, u32)>> = OnceLock::new();
    RANGES.get_or_init(|| {
        let mut ranges: Vec<(u32, u32)> = include_str!("invisible.txt")
            .lines()
            .filter_map(parse_line)
            .collect();
        ranges.sort_unstable();
        ranges
    })
}

/// `034F  NAME` or `FE00..FE0F  NAME`; `None` for comments and blank lines.
fn parse_line(line: &str) -> Option<(u32, u32)> {
    let field = line.split_whitespace().next()?;
    if field.starts_with('#') {
        return None;
    }
    let (first, last) = field.split_once("..").unwrap_or((field, field));
    let first = u32::from_str_radix(first, 16).ok()?;
    let last = u32::from_str_radix(last, 16).ok()?;
    (first <= last).then_some((first, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_data_line_parses() {
        let data_lines = include_str!("invisible.txt")
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count();
        assert_eq!(fillers().len(), data_lines);
    }

    #[test]
    fn categories_and_fillers_are_forbidden_and_text_is_not() {
        for c in [
            '\u{0}',
            '\u{85}',
            '\u{AD}',
            '\u{600}',
            '\u{200B}',
            '\u{202E}',
            '\u{2028}',
            '\u{A0}',
            '\u{3000}',
            '\u{E000}',
            '\u{FFFF}',
            '\u{1D173}',
            '\u{1BCA0}',
            '\u{E0041}',
            '\u{2800}',
            '\u{3164}',
            '\u{FE0F}',
            '\u{180B}',
            '\u{E0100}',
            '\u{E01EF}',
            '\u{E01F0}',
            '\u{10FFFF}',
        ] {
            assert!(is_forbidden(c), "U+{:04X}", u32::from(c));
        }
        for c in [
            ' ', 'a', 'é', '日', '🚀', '\u{FF20}', '\u{2801}', '\u{1161}',
        ] {
            assert!(!is_forbidden(c), "U+{:04X}", u32::from(c));
        }
    }
}
