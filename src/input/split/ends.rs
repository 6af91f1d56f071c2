//! Where things end in a buffer of JSON bytes: a value, a `Records` array's
//! opening and tail, an array element, and where to resynchronise after an
//! error. Pure functions over bytes; the state machine in `split` calls them.

use crate::event::PathSet;
use crate::event::scan::{Scanned, scan_one};
use crate::json_lex::{LexError, LexErrorKind, LexResult, skip_string, skip_value, skip_ws};

/// The end of the value at the start of `b`. A number or literal running
/// into the end of the buffer may go on in the next read, so it counts as
/// running out of input until the input really ends.
pub(super) fn value_end(b: &[u8], at_eof: bool) -> LexResult<usize> {
    let end = skip_value(b, 0, 0)?;
    if end == b.len() && !at_eof && !matches!(b.last(), Some(b'}' | b']' | b'"')) {
        return Err(LexError {
            offset: end,
            kind: LexErrorKind::Eof("a value"),
        });
    }
    Ok(end)
}

/// [`value_end`], scanning the value for `paths` as it goes.
pub(super) fn scanned_end(b: &[u8], at_eof: bool, paths: &PathSet) -> LexResult<(Scanned, usize)> {
    let (scanned, end) = scan_one(b, paths)?;
    if end == b.len() && !at_eof && !matches!(b.last(), Some(b'}' | b']' | b'"')) {
        return Err(LexError {
            offset: end,
            kind: LexErrorKind::Eof("a value"),
        });
    }
    Ok((scanned, end))
}

/// `Some(n)` when the object at the start of `b` holds a `Records` array,
/// whatever members come before it: `n` bytes reach past its `[`. `None`
/// when it holds none, or is not valid up to there (then it is split as one
/// document, which reports the error). The members before `Records` are not
/// events and are dropped.
pub(super) fn records_prefix(b: &[u8], _at_eof: bool) -> LexResult<Option<usize>> {
    let need_more = |i: usize| LexError {
        offset: i,
        kind: LexErrorKind::Eof("an object"),
    };
    // Anything but running out of input means "not a log file".
    let or_none = |r: LexResult<usize>| match r {
        Ok(i) => Ok(Some(i)),
        Err(e) if e.is_eof() => Err(e),
        Err(_) => Ok(None),
    };
    let mut i = skip_ws(b, 1);
    loop {
        match b.get(i) {
            None => return Err(need_more(i)),
            Some(b'"') => {}
            Some(_) => return Ok(None),
        }
        let Some(key_end) = or_none(skip_string(b, i + 1))? else {
            return Ok(None);
        };
        let is_records = &b[i..key_end] == b"\"Records\"";
        i = skip_ws(b, key_end);
        match b.get(i) {
            None => return Err(need_more(i)),
            Some(b':') => i = skip_ws(b, i + 1),
            Some(_) => return Ok(None),
        }
        if is_records {
            return match b.get(i) {
                None => Err(need_more(i)),
                Some(b'[') => Ok(Some(i + 1)),
                Some(_) => Ok(None),
            };
        }
        let Some(value_end) = or_none(skip_value(b, i, 1))? else {
            return Ok(None);
        };
        i = skip_ws(b, value_end);
        match b.get(i) {
            None => return Err(need_more(i)),
            Some(b',') => i = skip_ws(b, i + 1),
            Some(_) => return Ok(None),
        }
    }
}

/// The rest of a `Records` object after its array: other members, if any,
/// and the closing brace. Returns its length.
pub(super) fn records_tail(b: &[u8], _at_eof: bool) -> LexResult<usize> {
    let eof = |i| LexError {
        offset: i,
        kind: LexErrorKind::Eof("an object"),
    };
    let syntax = |i, what| LexError {
        offset: i,
        kind: LexErrorKind::Syntax(what),
    };
    let mut i = skip_ws(b, 0);
    loop {
        match b.get(i) {
            Some(b'}') => return Ok(i + 1),
            Some(b',') => {
                i = skip_ws(b, i + 1);
                match b.get(i) {
                    Some(b'"') => i = skip_string(b, i + 1)?,
                    None => return Err(eof(i)),
                    Some(_) => return Err(syntax(i, "key must be a string")),
                }
                i = skip_ws(b, i);
                match b.get(i) {
                    Some(b':') => i = skip_value(b, i + 1, 1)?,
                    None => return Err(eof(i)),
                    Some(_) => return Err(syntax(i, "expected `:`")),
                }
                i = skip_ws(b, i);
            }
            None => return Err(eof(i)),
            Some(_) => return Err(syntax(i, "expected `,` or `}`")),
        }
    }
}

/// Where to look for the next document after the one at the start of `b`
/// failed at `err`: the newline before the first line-start `{` or `[` whose
/// value closed before the error, or else the newline before the error's own
/// line. Line starts whose values were still open at the error would fail
/// there again; skipping them keeps resynchronising linear in the input
/// (`{"a":` on every line would otherwise re-read each line once per level
/// of nesting allowed).
pub(super) fn resync_from(b: &[u8], err: usize) -> usize {
    let err = err.min(b.len());
    let Some(err_line) = memchr::memrchr(b'\n', &b[..err]) else {
        return 1;
    };
    // One entry an open bracket: where it is when it starts a line. The lexer read
    // these bytes without error, so strings are well formed and the nesting
    // is at most one past its limit.
    let mut open: Vec<Option<usize>> = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut first_closed: Option<usize> = None;
    for (i, &c) in b[..err].iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_string = false;
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'{' | b'[' => open.push((i > 0 && b[i - 1] == b'\n').then_some(i)),
            b'}' | b']' => {
                // Nested values close first, so keep the earliest start seen.
                if let Some(Some(start)) = open.pop() {
                    first_closed = Some(first_closed.map_or(start, |f| f.min(start)));
                }
            }
            _ => {}
        }
    }
    first_closed.map_or(err_line, |start| start - 1)
}

/// The length of the array element at the start of `b`, judged by its
/// brackets alone (strings skipped) because it failed to parse, when a `,`
/// or `]` follows it; an error when the bytes do not show where it ends.
pub(super) fn element_end(b: &[u8], _at_eof: bool) -> LexResult<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut end = None;
    for (i, &c) in b.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_string = false;
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' if depth == 0 => {
                end = Some(i);
                break;
            }
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    end = Some(i + 1);
                    break;
                }
            }
            b',' if depth == 0 => {
                end = Some(i);
                break;
            }
            _ => {}
        }
    }
    let Some(end) = end else {
        return Err(LexError {
            offset: b.len(),
            kind: LexErrorKind::Eof("a list"),
        });
    };
    let next = skip_ws(b, end);
    match b.get(next) {
        Some(b',' | b']') => Ok(end),
        None => Err(LexError {
            offset: next,
            kind: LexErrorKind::Eof("a list"),
        }),
        Some(_) => Err(LexError {
            offset: next,
            kind: LexErrorKind::Syntax("expected `,` or `]`"),
        }),
    }
}
