//! Byte-level JSON lexing shared by the event scanner and the input splitter.
//!
//! Everything here validates what it passes over as strictly as `serde_json`
//! does (grammar, escapes, control characters, number range, nesting limit),
//! so that a document accepted here is one `serde_json::from_slice` accepts.
//! UTF-8 is the exception: callers validate a whole document at once with
//! `std::str::from_utf8`, which is faster than doing it string by string.
//! Nothing here allocates unless a string with escapes must be decoded.

use std::borrow::Cow;

/// `serde_json` refuses documents nested 128 containers deep; so do we, so
/// that the fast path and the reference path accept the same documents.
pub(crate) const MAX_DEPTH: usize = 127;

/// What went wrong and where (byte offset into the slice being lexed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LexError {
    pub offset: usize,
    pub kind: LexErrorKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LexErrorKind {
    /// The input ended inside a value: the text says inside what.
    Eof(&'static str),
    /// Anything else.
    Syntax(&'static str),
    TooDeep,
    /// A string holds bytes that are not UTF-8.
    InvalidUtf8,
}

impl LexError {
    pub fn message(&self) -> String {
        match self.kind {
            LexErrorKind::Eof(what) => format!("EOF while parsing {what}"),
            LexErrorKind::Syntax(what) => what.to_string(),
            LexErrorKind::TooDeep => {
                format!("nesting deeper than {MAX_DEPTH} arrays and objects")
            }
            LexErrorKind::InvalidUtf8 => "invalid UTF-8".to_string(),
        }
    }

    pub fn is_eof(&self) -> bool {
        matches!(self.kind, LexErrorKind::Eof(_))
    }
}

pub(crate) type LexResult<T> = Result<T, LexError>;

fn eof<T>(offset: usize, what: &'static str) -> LexResult<T> {
    Err(LexError {
        offset,
        kind: LexErrorKind::Eof(what),
    })
}

fn syntax<T>(offset: usize, what: &'static str) -> LexResult<T> {
    Err(LexError {
        offset,
        kind: LexErrorKind::Syntax(what),
    })
}

pub(crate) fn too_deep<T>(offset: usize) -> LexResult<T> {
    Err(LexError {
        offset,
        kind: LexErrorKind::TooDeep,
    })
}

pub(crate) const EOF_VALUE: &str = "a value";
pub(crate) const EOF_STRING: &str = "a string";
pub(crate) const EOF_LIST: &str = "a list";
pub(crate) const EOF_OBJECT: &str = "an object";

#[inline]
pub(crate) fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\n' | b'\t' | b'\r')
}

/// Index of the first non-whitespace byte at or after `i` (or `b.len()`).
#[inline]
pub(crate) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(&c) = b.get(i) {
        if !is_ws(c) {
            break;
        }
        i += 1;
    }
    i
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// High bit set in every byte of the result where `x` has a zero byte (exact
/// for the lowest such byte, which is all we use).
#[inline]
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// Index of the first byte at or after `i` that is `"`, `\`, a control
/// character or not ASCII, eight bytes at a time: string bodies are most of a
/// CloudTrail record and seldom contain any of these.
#[inline]
fn find_string_special(b: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = b.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let x = u64::from_le_bytes(w);
        let quote = zero_bytes(x ^ (ONES * u64::from(b'"')));
        let backslash = zero_bytes(x ^ (ONES * u64::from(b'\\')));
        // Bytes below 0x20: subtracting 0x20 borrows into the high bit; bytes
        // with the high bit already set are excluded by `!x`.
        let control = x.wrapping_sub(ONES * 0x20) & !x & HIGHS;
        let hits = quote | backslash | control | (x & HIGHS);
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || !(0x20..0x80).contains(&c) {
            return i;
        }
        i += 1;
    }
    i
}

/// Check the UTF-8 character starting at `i` (a byte >= 0x80); returns its end.
/// Validating characters as strings are crossed makes a separate pass over
/// the document unnecessary: outside strings only ASCII is accepted anyway.
#[cold]
fn utf8_char(b: &[u8], i: usize) -> LexResult<usize> {
    let width = match b.get(i) {
        Some(0xC2..=0xDF) => 2,
        Some(0xE0..=0xEF) => 3,
        Some(0xF0..=0xF4) => 4,
        _ => {
            return Err(LexError {
                offset: i,
                kind: LexErrorKind::InvalidUtf8,
            });
        }
    };
    let Some(ch) = b.get(i..i + width) else {
        // Cut inside a character: a truncated document, unless what is
        // there is already wrong.
        let rest = &b[i..];
        return match std::str::from_utf8(rest) {
            Err(e) if e.error_len().is_some() => Err(LexError {
                offset: i,
                kind: LexErrorKind::InvalidUtf8,
            }),
            _ => eof(b.len(), EOF_STRING),
        };
    };
    if std::str::from_utf8(ch).is_err() {
        return Err(LexError {
            offset: i,
            kind: LexErrorKind::InvalidUtf8,
        });
    }
    Ok(i + width)
}

fn hex4(b: &[u8], i: usize) -> LexResult<u16> {
    let mut v: u16 = 0;
    for k in 0..4 {
        let Some(&c) = b.get(i + k) else {
            return eof(b.len(), EOF_STRING);
        };
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return syntax(i + k, "invalid escape"),
        };
        v = (v << 4) | u16::from(d);
    }
    Ok(v)
}

/// Decode the escape whose backslash is at `i`; returns the index after it.
/// Surrogates must come in pairs, as `serde_json` requires.
fn escape(b: &[u8], i: usize, out: Option<&mut Vec<u8>>) -> LexResult<usize> {
    let Some(&c) = b.get(i + 1) else {
        return eof(b.len(), EOF_STRING);
    };
    let simple = match c {
        b'"' => b'"',
        b'\\' => b'\\',
        b'/' => b'/',
        b'b' => 0x08,
        b'f' => 0x0c,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'u' => {
            let hi = hex4(b, i + 2)?;
            let (ch, next) = match hi {
                0xD800..=0xDBFF => {
                    for (k, want) in [(6, b'\\'), (7, b'u')] {
                        match b.get(i + k) {
                            None => return eof(b.len(), EOF_STRING),
                            Some(&c) if c == want => {}
                            Some(_) => {
                                return syntax(i + k, "lone leading surrogate in hex escape");
                            }
                        }
                    }
                    let lo = hex4(b, i + 8)?;
                    if !(0xDC00..=0xDFFF).contains(&lo) {
                        return syntax(i + 8, "lone leading surrogate in hex escape");
                    }
                    let cp = 0x10000 + ((u32::from(hi) - 0xD800) << 10) + (u32::from(lo) - 0xDC00);
                    (char::from_u32(cp), i + 12)
                }
                0xDC00..=0xDFFF => {
                    return syntax(i + 2, "lone trailing surrogate in hex escape");
                }
                _ => (char::from_u32(u32::from(hi)), i + 6),
            };
            let Some(ch) = ch else {
                return syntax(i, "invalid unicode code point");
            };
            if let Some(out) = out {
                let mut tmp = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
            }
            return Ok(next);
        }
        _ => return syntax(i + 1, "invalid escape"),
    };
    if let Some(out) = out {
        out.push(simple);
    }
    Ok(i + 2)
}

/// Skip a string whose opening quote is at `i - 1`; returns the index after
/// the closing quote.
#[inline]
pub(crate) fn skip_string(b: &[u8], mut i: usize) -> LexResult<usize> {
    loop {
        i = find_string_special(b, i);
        match b.get(i) {
            None => return eof(b.len(), EOF_STRING),
            Some(b'"') => return Ok(i + 1),
            Some(b'\\') => i = escape(b, i, None)?,
            Some(&c) if c >= 0x80 => i = utf8_char(b, i)?,
            Some(_) => {
                return syntax(
                    i,
                    "control character (\\u0000-\\u001F) found while parsing a string",
                );
            }
        }
    }
}

/// Read a string whose opening quote is at `start - 1`: its body (borrowed
/// when it has no escapes) and the index after the closing quote. The body is
/// valid UTF-8.
#[inline]
pub(crate) fn read_string(b: &[u8], start: usize) -> LexResult<(Cow<'_, [u8]>, usize)> {
    let mut i = start;
    let mut out: Option<Vec<u8>> = None;
    let mut copied = start;
    loop {
        i = find_string_special(b, i);
        match b.get(i) {
            None => return eof(b.len(), EOF_STRING),
            Some(b'"') => {
                let body = match out {
                    None => Cow::Borrowed(&b[start..i]),
                    Some(mut out) => {
                        out.extend_from_slice(&b[copied..i]);
                        Cow::Owned(out)
                    }
                };
                return Ok((body, i + 1));
            }
            Some(b'\\') => {
                let buf = out.get_or_insert_with(|| Vec::with_capacity(i - start + 16));
                buf.extend_from_slice(&b[copied..i]);
                i = escape(b, i, Some(buf))?;
                copied = i;
            }
            Some(&c) if c >= 0x80 => i = utf8_char(b, i)?,
            Some(_) => {
                return syntax(
                    i,
                    "control character (\\u0000-\\u001F) found while parsing a string",
                );
            }
        }
    }
}

/// One or more digits at `i` (a fraction or an exponent must have one), and
/// the offset after them.
fn skip_digits(b: &[u8], mut i: usize) -> LexResult<usize> {
    match b.get(i) {
        None => return eof(b.len(), EOF_VALUE),
        Some(b'0'..=b'9') => {}
        Some(_) => return syntax(i, "invalid number"),
    }
    while matches!(b.get(i), Some(b'0'..=b'9')) {
        i += 1;
    }
    Ok(i)
}

/// Skip a number starting at `i`; returns its end. Validates the grammar and,
/// like `serde_json`, rejects numbers too large for an f64.
#[inline]
pub(crate) fn skip_number(b: &[u8], start: usize) -> LexResult<usize> {
    let mut i = start;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        None => return eof(b.len(), EOF_VALUE),
        Some(b'0') => {
            i += 1;
            if matches!(b.get(i), Some(b'0'..=b'9')) {
                return syntax(i, "invalid number");
            }
        }
        Some(b'1'..=b'9') => {
            i += 1;
            while matches!(b.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        Some(_) => return syntax(i, "invalid number"),
    }
    let mut slow = i - start > 300;
    if b.get(i) == Some(&b'.') {
        i = skip_digits(b, i + 1)?;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        slow = true;
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        i = skip_digits(b, i)?;
    }
    if slow && parse_number(&b[start..i]).is_none() {
        return syntax(start, "number out of range");
    }
    Ok(i)
}

/// A number's text as `serde_json` prints it, and its f64 value. `None` when
/// out of f64 range.
pub(crate) fn parse_number(text: &[u8]) -> Option<(String, f64)> {
    let n: serde_json::Number = serde_json::from_slice(text).ok()?;
    let value = n.as_f64()?;
    Some((n.to_string(), value))
}

/// Skip `true`, `false` or `null` at `i`; returns its end and value
/// (`Some(bool)` or `None` for null).
#[inline]
pub(crate) fn literal(b: &[u8], i: usize) -> LexResult<(usize, Option<bool>)> {
    let (word, value): (&[u8], Option<bool>) = match b.get(i) {
        Some(b't') => (b"true", Some(true)),
        Some(b'f') => (b"false", Some(false)),
        _ => (b"null", None),
    };
    for (k, &w) in word.iter().enumerate() {
        match b.get(i + k) {
            None => return eof(b.len(), EOF_VALUE),
            Some(&c) if c == w => {}
            Some(_) => return syntax(i + k, "expected ident"),
        }
    }
    Ok((i + word.len(), value))
}

/// Skip the value starting at `i` (whitespace allowed before it); returns the
/// index after it. `depth` is how many containers enclose it already.
/// Iterative: a bit stack (one bit a level, at most [`MAX_DEPTH`] levels) remembers
/// whether each open container is an object.
pub(crate) fn skip_value(b: &[u8], i: usize, depth: usize) -> LexResult<usize> {
    let mut i = skip_ws(b, i);
    let mut stack: u128 = 0;
    let mut level = depth;
    let base = depth;
    'value: loop {
        // A value starts at `i` (after whitespace).
        match b.get(i) {
            None => return eof(b.len(), EOF_VALUE),
            Some(b'"') => i = skip_string(b, i + 1)?,
            Some(b'{') => {
                if level >= MAX_DEPTH {
                    return too_deep(i);
                }
                i = skip_ws(b, i + 1);
                match b.get(i) {
                    Some(b'}') => i += 1,
                    Some(b'"') => {
                        stack = (stack << 1) | 1;
                        level += 1;
                        i = key_colon(b, i)?;
                        continue 'value;
                    }
                    None => return eof(b.len(), EOF_OBJECT),
                    Some(_) => return syntax(i, "key must be a string"),
                }
            }
            Some(b'[') => {
                if level >= MAX_DEPTH {
                    return too_deep(i);
                }
                i = skip_ws(b, i + 1);
                match b.get(i) {
                    Some(b']') => i += 1,
                    None => return eof(b.len(), EOF_LIST),
                    Some(_) => {
                        stack <<= 1;
                        level += 1;
                        continue 'value;
                    }
                }
            }
            Some(b't' | b'f' | b'n') => i = literal(b, i)?.0,
            Some(b'-' | b'0'..=b'9') => i = skip_number(b, i)?,
            Some(_) => return syntax(i, "expected value"),
        }
        // After a value: close containers or move to the next element.
        loop {
            if level == base {
                return Ok(i);
            }
            i = skip_ws(b, i);
            let in_object = stack & 1 == 1;
            match (b.get(i), in_object) {
                (Some(b','), true) => {
                    i = skip_ws(b, i + 1);
                    match b.get(i) {
                        Some(b'"') => i = key_colon(b, i)?,
                        Some(b'}') => return syntax(i, "trailing comma"),
                        None => return eof(b.len(), EOF_OBJECT),
                        Some(_) => return syntax(i, "key must be a string"),
                    }
                    continue 'value;
                }
                (Some(b','), false) => {
                    i = skip_ws(b, i + 1);
                    if b.get(i) == Some(&b']') {
                        return syntax(i, "trailing comma");
                    }
                    continue 'value;
                }
                (Some(b'}'), true) | (Some(b']'), false) => {
                    i += 1;
                    stack >>= 1;
                    level -= 1;
                }
                (None, true) => return eof(b.len(), EOF_OBJECT),
                (None, false) => return eof(b.len(), EOF_LIST),
                (Some(_), true) => return syntax(i, "expected `,` or `}`"),
                (Some(_), false) => return syntax(i, "expected `,` or `]`"),
            }
        }
    }
}

/// Skip a key (opening quote at `i`), whitespace and the colon; returns the
/// index after the colon and whitespace, where the value starts.
#[inline]
fn key_colon(b: &[u8], i: usize) -> LexResult<usize> {
    let i = skip_ws(b, skip_string(b, i + 1)?);
    match b.get(i) {
        Some(b':') => Ok(skip_ws(b, i + 1)),
        None => eof(b.len(), EOF_OBJECT),
        Some(_) => syntax(i, "expected `:`"),
    }
}

/// Check that only whitespace follows `i`.
pub(crate) fn expect_end(b: &[u8], i: usize) -> LexResult<()> {
    let i = skip_ws(b, i);
    if i < b.len() {
        return syntax(i, "trailing characters");
    }
    Ok(())
}

/// JSON type name of the value starting at `i`, for "not an object" messages.
pub(crate) fn kind_at(b: &[u8], i: usize) -> &'static str {
    match b.get(i) {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        Some(b'-' | b'0'..=b'9') => "a number",
        _ => "something else",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip_all(s: &[u8]) -> LexResult<usize> {
        let end = skip_value(s, 0, 0)?;
        expect_end(s, end)?;
        Ok(end)
    }

    #[test]
    fn skip_agrees_with_serde_json_on_small_documents() {
        let cases: &[&[u8]] = &[
            b"{}",
            b"[]",
            b" {\"a\" : [1, -2.5e3, true, false, null, \"x\\\"y\", {}] } ",
            b"[1,]",
            b"{\"a\":1,}",
            b"{\"a\" 1}",
            b"01",
            b"-",
            b"1.",
            b"1e400",
            b"\"\\ud800\"",
            b"\"\\ud800\\u0041\"",
            b"\"\\udc00\"",
            b"\"\\ud83d\\ude00\"",
            b"\"a\tb\"",
            b"\"\\x\"",
            b"tru",
            b"nul",
            b"{} x",
            b"[",
            b"{\"a\":",
            b"{1:2}",
            b"[1 2]",
            b"{\"a\":1 \"b\":2}",
            b"",
            b"   ",
            b"}",
        ];
        for &case in cases {
            let ours = skip_all(case).is_ok();
            let theirs = serde_json::from_slice::<serde_json::Value>(case).is_ok();
            assert_eq!(ours, theirs, "{}", String::from_utf8_lossy(case));
        }
    }

    #[test]
    fn nesting_limit_matches_serde_json() {
        for n in [126usize, 127, 128, 10_000] {
            let doc = format!("{}{}", "[".repeat(n), "]".repeat(n));
            let ours = skip_all(doc.as_bytes()).is_ok();
            let theirs = serde_json::from_str::<serde_json::Value>(&doc).is_ok();
            assert_eq!(ours, theirs, "depth {n}");
        }
    }

    #[test]
    fn strings_decode_escapes() {
        let (s, end) = read_string(b"a\\n\\u00e9\\ud83d\\ude00b\"rest", 0).unwrap();
        assert_eq!(&*s, "a\né😀b".as_bytes());
        assert_eq!(end, 23);
    }

    #[test]
    fn eof_is_distinguished_from_syntax() {
        assert!(skip_all(b"{\"a\": [1, 2").unwrap_err().is_eof());
        assert!(skip_all(b"{\"a\": \"x").unwrap_err().is_eof());
        assert!(!skip_all(b"{\"a\": x}").unwrap_err().is_eof());
    }
}
