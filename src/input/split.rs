//! The splitter behind [`Documents`]: a state machine over a buffer that
//! is refilled from the reader, finds where each top-level value, `Records`
//! element or array element ends, and resynchronises after an error.

use std::fmt;
use std::io::{self, Cursor, Read};

use flate2::read::MultiGzDecoder;

use super::{BOM, Document, InputError, Limits, Position};
use crate::event::scan::{Scanned, scan_one};
use crate::event::{EventView, PathSet, Shape};
use crate::json_lex::{
    LexError, LexErrorKind, LexResult, kind_at, skip_string, skip_value, skip_ws,
};

pub(super) const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];

const CHUNK: usize = 256 * 1024;

/// Where the splitter goes on after skipping a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resume {
    Top,
    Array { wrapped: bool },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Between top-level values.
    Top,
    /// Inside a top-level array or a `Records` array; `first` until an element
    /// was read, `wrapped` when the array is the `Records` of an object.
    Array {
        first: bool,
        wrapped: bool,
    },
    /// After the `Records` array: the rest of its object.
    RecordsTail,
    /// After an error: looking for a line that starts a value.
    Resync,
    /// Discarding a document over the size limit as it streams past, by its
    /// brackets and strings alone; then back to `then`.
    Skip {
        depth: usize,
        in_string: bool,
        escaped: bool,
        started: bool,
        then: Resume,
    },
    Done,
}

/// The documents of one source, in order. See the module documentation.
pub struct Documents {
    source: String,
    reader: Option<Box<dyn Read + Send>>,
    sniffed: bool,
    gzip: bool,
    /// Unread bytes are `buf[pos..end]`.
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    /// A read error met while filling, reported once buffered records are out.
    read_error: Option<String>,
    /// Line number at `pos`.
    line: u64,
    /// Bytes between the start of that line and `pos`.
    column: u64,
    record: u64,
    mode: Mode,
    saw_value: bool,
    /// In [`Mode::Resync`]: the offset into the unread bytes from which to
    /// look for the next line that starts a value.
    resync_from: usize,
    limits: Limits,
    /// Set when a parse stopped because the document outgrew the limit.
    oversize: bool,
}

impl fmt::Debug for Documents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Documents")
            .field("source", &self.source)
            .field("record", &self.record)
            .field("line", &self.line)
            .finish_non_exhaustive()
    }
}

/// What a step of the splitter produced.
pub(super) enum Out {
    Doc(Document, Option<(Shape, EventView)>),
    Err(InputError),
    Continue,
}

impl Documents {
    /// Bound what one document and the whole input may take.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    pub(super) fn new(source: &str, reader: Option<Box<dyn Read + Send>>, bytes: Vec<u8>) -> Self {
        let end = bytes.len();
        Documents {
            source: source.to_string(),
            eof: reader.is_none(),
            sniffed: reader.is_none(),
            reader,
            gzip: false,
            buf: bytes,
            pos: 0,
            end,
            read_error: None,
            line: 1,
            column: 0,
            record: 0,
            mode: Mode::Top,
            saw_value: false,
            resync_from: 1,
            limits: Limits::default(),
            oversize: false,
        }
    }

    fn unread(&self) -> &[u8] {
        self.buf.get(self.pos..self.end).unwrap_or(&[])
    }

    /// Move past `n` unread bytes, counting lines.
    fn advance(&mut self, n: usize) {
        let n = n.min(self.end - self.pos);
        let moved = &self.buf[self.pos..self.pos + n];
        match memchr::memrchr(b'\n', moved) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', moved).count() as u64;
                self.column = (n - last - 1) as u64;
            }
            None => self.column += n as u64,
        }
        self.pos += n;
    }

    /// Read more bytes; false at the end of the input (or on a read error,
    /// which is kept for later).
    fn fill(&mut self) -> bool {
        if self.eof {
            return false;
        }
        if !self.sniffed {
            self.sniff();
        }
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        let want = CHUNK.max(self.end);
        if self.buf.len() < self.end + want {
            self.buf.resize(self.end + want, 0);
        }
        let Some(reader) = self.reader.as_mut() else {
            self.eof = true;
            return false;
        };
        loop {
            match reader.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return false;
                }
                Ok(n) => {
                    self.end += n;
                    return true;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.eof = true;
                    self.read_error =
                        Some(if self.gzip && e.kind() == io::ErrorKind::UnexpectedEof {
                            format!("truncated gzip stream ({e})")
                        } else if self.gzip {
                            format!("invalid gzip data ({e})")
                        } else {
                            e.to_string()
                        });
                    return false;
                }
            }
        }
    }

    /// Look at the first bytes: gzip is decompressed from here on.
    fn sniff(&mut self) {
        self.sniffed = true;
        let Some(mut reader) = self.reader.take() else {
            return;
        };
        let mut head = [0u8; 2];
        let mut got = 0;
        while got < head.len() {
            match reader.read(&mut head[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.read_error = Some(e.to_string());
                    self.eof = true;
                    return;
                }
            }
        }
        let head = Cursor::new(head[..got].to_vec());
        if head.get_ref().as_slice() == GZIP_MAGIC {
            self.gzip = true;
            self.reader = Some(Box::new(Capped {
                inner: MultiGzDecoder::new(head.chain(reader)),
                left: self.limits.max_decompressed,
                limit: self.limits.max_decompressed,
            }));
        } else {
            self.reader = Some(Box::new(head.chain(reader)));
        }
    }

    /// Skip whitespace and BOMs, reading as needed; false at the end.
    fn skip_blank(&mut self) -> bool {
        loop {
            let unread = self.unread();
            let i = skip_ws(unread, 0);
            if unread[i..].starts_with(BOM) {
                self.advance(i + BOM.len());
                continue;
            }
            let partial_bom = i < unread.len() && BOM.starts_with(&unread[i..]);
            self.advance(i);
            if self.pos < self.end && !partial_bom {
                return true;
            }
            if !self.fill() {
                return self.pos < self.end;
            }
        }
    }

    /// Run `f` over the unread bytes, reading more while it runs out of input.
    fn parse<T>(&mut self, f: impl Fn(&[u8], bool) -> LexResult<T>) -> LexResult<T> {
        self.oversize = false;
        loop {
            let at_eof = self.eof;
            match f(self.unread(), at_eof) {
                Err(e) if e.is_eof() && !at_eof => {
                    let have = self.end - self.pos;
                    if have > self.limits.max_document {
                        self.oversize = true;
                        return Err(e);
                    }
                    // Each retry re-splits from the document's start: wait for
                    // twice the bytes so the total work stays linear.
                    let need = (2 * have.max(1)).min(self.limits.max_document + 1);
                    while self.end - self.pos < need && self.fill() {}
                }
                r => return r,
            }
        }
    }

    fn here(&self) -> Position {
        Position {
            source: self.source.clone(),
            record: self.record,
            line: self.line,
        }
    }

    /// Line and column of `offset` bytes into the unread input.
    fn line_col(&self, offset: usize) -> (u64, u64) {
        let upto = &self.unread()[..offset.min(self.end - self.pos)];
        let lines = memchr::memchr_iter(b'\n', upto).count() as u64;
        let column = match memchr::memrchr(b'\n', upto) {
            Some(i) => (upto.len() - i - 1) as u64,
            None => self.column + upto.len() as u64,
        };
        (self.line + lines, column + 1)
    }

    /// Report a splitting error for the record at `pos` and resynchronise.
    fn fail(&mut self, e: LexError) -> Out {
        let position = self.here();
        if std::mem::take(&mut self.oversize) {
            let then = match self.mode {
                Mode::Array { wrapped, .. } => Resume::Array { wrapped },
                _ => Resume::Top,
            };
            self.mode = Mode::Skip {
                depth: 0,
                in_string: false,
                escaped: false,
                started: false,
                then,
            };
            return Out::Err(InputError::TooLarge {
                position,
                limit: self.limits.max_document,
            });
        }
        let err = if let (true, Some(message)) = (e.is_eof(), self.read_error.take()) {
            InputError::Read { position, message }
        } else if e.is_eof() {
            InputError::Truncated {
                position,
                message: e.message(),
            }
        } else if e.kind == LexErrorKind::InvalidUtf8 {
            let (line, column) = self.line_col(e.offset);
            InputError::InvalidUtf8 {
                position,
                line,
                column,
            }
        } else {
            let (line, column) = self.line_col(e.offset);
            InputError::Syntax {
                position,
                line,
                column,
                message: e.message(),
            }
        };
        self.mode = Mode::Resync;
        self.resync_from = resync_from(self.unread(), e.offset);
        Out::Err(err)
    }

    /// [`Self::fail`] for an element of an array: when the bytes still show
    /// where the bad element ends (its brackets balance and a `,` or `]`
    /// follows), the splitter goes on at the next element, so one bad record
    /// of a single-line log file costs that record alone.
    fn fail_element(&mut self, e: LexError) -> Out {
        let mode = self.mode;
        let out = self.fail(e);
        if matches!(mode, Mode::Array { .. })
            && matches!(self.mode, Mode::Resync)
            && let Ok(end) = self.parse(element_end)
        {
            self.advance(end);
            self.mode = mode;
        }
        out
    }

    /// The value at `pos` as one document (or the error it is); scanned for
    /// `paths` on the way when given.
    fn document(&mut self, paths: Option<&PathSet>) -> Out {
        self.record += 1;
        self.saw_value = true;
        let (end, view) = match paths {
            None => match self.parse(value_end) {
                Ok(end) => (end, None),
                Err(e) => return self.fail_element(e),
            },
            Some(paths) => match self.parse(|b, at_eof| scanned_end(b, at_eof, paths)) {
                Ok((Scanned::Event(shape, view), end)) => (end, Some((shape, view))),
                Ok((Scanned::NotAnObject(_), end)) => (end, None),
                Err(e) => return self.fail_element(e),
            },
        };
        let position = self.here();
        if end > self.limits.max_document {
            // Already in memory (a slice, or a read that ended just in time).
            self.advance(end);
            return Out::Err(InputError::TooLarge {
                position,
                limit: self.limits.max_document,
            });
        }
        let bytes = self.unread()[..end].to_vec();
        let first = bytes.first().copied().unwrap_or(b' ');
        if first != b'{' {
            self.advance(end);
            return Out::Err(InputError::NotAnObject {
                position,
                found: kind_at(&bytes, 0),
            });
        }
        self.advance(end);
        Out::Doc(Document { bytes, position }, view)
    }

    pub(super) fn step(&mut self, paths: Option<&PathSet>) -> Option<Out> {
        match self.mode {
            Mode::Done => None,
            Mode::Top => {
                if !self.skip_blank() {
                    self.mode = Mode::Done;
                    if let Some(message) = self.read_error.take() {
                        self.record += 1;
                        return Some(Out::Err(InputError::Read {
                            position: self.here(),
                            message,
                        }));
                    }
                    if !self.saw_value {
                        return Some(Out::Err(InputError::Empty {
                            source_name: self.source.clone(),
                        }));
                    }
                    return None;
                }
                match self.unread().first() {
                    Some(b'[') => {
                        self.saw_value = true;
                        self.advance(1);
                        self.mode = Mode::Array {
                            first: true,
                            wrapped: false,
                        };
                        Some(Out::Continue)
                    }
                    Some(b'{') => match self.parse(records_prefix) {
                        Ok(Some(n)) => {
                            self.saw_value = true;
                            self.advance(n);
                            self.mode = Mode::Array {
                                first: true,
                                wrapped: true,
                            };
                            Some(Out::Continue)
                        }
                        _ => Some(self.document(paths)),
                    },
                    _ => Some(self.document(paths)),
                }
            }
            Mode::Array { first, wrapped } => {
                if !self.skip_blank() {
                    self.record += 1;
                    return Some(self.fail(LexError {
                        offset: 0,
                        kind: LexErrorKind::Eof(if wrapped { "an object" } else { "a list" }),
                    }));
                }
                let c = self.unread().first().copied();
                if c == Some(b']') {
                    self.advance(1);
                    self.mode = if wrapped {
                        Mode::RecordsTail
                    } else {
                        Mode::Top
                    };
                    return Some(Out::Continue);
                }
                if !first {
                    if c != Some(b',') {
                        self.record += 1;
                        return Some(self.fail(LexError {
                            offset: 0,
                            kind: LexErrorKind::Syntax("expected `,` or `]`"),
                        }));
                    }
                    self.advance(1);
                    if !self.skip_blank() {
                        self.record += 1;
                        return Some(self.fail(LexError {
                            offset: 0,
                            kind: LexErrorKind::Eof("a list"),
                        }));
                    }
                    if self.unread().first() == Some(&b']') {
                        self.record += 1;
                        return Some(self.fail(LexError {
                            offset: 0,
                            kind: LexErrorKind::Syntax("trailing comma"),
                        }));
                    }
                }
                self.mode = Mode::Array {
                    first: false,
                    wrapped,
                };
                Some(self.document(paths))
            }
            Mode::RecordsTail => match self.parse(records_tail) {
                Ok(n) => {
                    self.advance(n);
                    self.mode = Mode::Top;
                    Some(Out::Continue)
                }
                Err(e) => {
                    self.record += 1;
                    Some(self.fail(e))
                }
            },
            Mode::Skip {
                mut depth,
                mut in_string,
                mut escaped,
                mut started,
                then,
            } => {
                let unread = self.unread();
                let mut ended = None;
                for (i, &c) in unread.iter().enumerate() {
                    if in_string {
                        if escaped {
                            escaped = false;
                        } else if c == b'\\' {
                            escaped = true;
                        } else if c == b'"' {
                            in_string = false;
                            if depth == 0 {
                                ended = Some(i + 1);
                                break;
                            }
                        }
                        continue;
                    }
                    match c {
                        b'"' => in_string = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' if depth > 1 => depth -= 1,
                        b'}' | b']' if depth == 1 => {
                            ended = Some(i + 1);
                            break;
                        }
                        b'}' | b']' | b',' if depth == 0 => {
                            ended = Some(i);
                            break;
                        }
                        c if depth == 0 && started && crate::json_lex::is_ws(c) => {
                            ended = Some(i);
                            break;
                        }
                        _ => {}
                    }
                    started = true;
                }
                match ended {
                    Some(n) => {
                        self.advance(n);
                        self.mode = match then {
                            Resume::Top => Mode::Top,
                            Resume::Array { wrapped } => Mode::Array {
                                first: false,
                                wrapped,
                            },
                        };
                    }
                    None => {
                        let n = unread.len();
                        self.advance(n);
                        self.mode = Mode::Skip {
                            depth,
                            in_string,
                            escaped,
                            started,
                            then,
                        };
                        if !self.fill() {
                            self.mode = Mode::Top;
                        }
                    }
                }
                Some(Out::Continue)
            }
            Mode::Resync => {
                // The next line that starts an object or an array, at its
                // first column: where NDJSON records and top-level documents begin.
                let mut from = self.resync_from;
                loop {
                    let unread = self.unread();
                    let mut found = None;
                    while let Some(nl) = unread.get(from..).and_then(|u| memchr::memchr(b'\n', u)) {
                        let at = from + nl + 1;
                        match unread.get(at) {
                            Some(b'{' | b'[') => {
                                found = Some(at);
                                break;
                            }
                            Some(_) => from = at,
                            None => break,
                        }
                    }
                    if let Some(at) = found {
                        self.advance(at);
                        self.mode = Mode::Top;
                        return Some(Out::Continue);
                    }
                    // Keep a trailing newline: the next line may start after it.
                    let keep = usize::from(unread.last() == Some(&b'\n'));
                    self.advance(unread.len() - keep);
                    from = 0;
                    if !self.fill() {
                        self.advance(self.end - self.pos);
                        self.mode = Mode::Top;
                        return Some(Out::Continue);
                    }
                }
            }
        }
    }
}

/// The end of the value at the start of `b`. A number or literal running
/// into the end of the buffer may go on in the next read, so it counts as
/// running out of input until the input really ends.
fn value_end(b: &[u8], at_eof: bool) -> LexResult<usize> {
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
fn scanned_end(b: &[u8], at_eof: bool, paths: &PathSet) -> LexResult<(Scanned, usize)> {
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
fn records_prefix(b: &[u8], _at_eof: bool) -> LexResult<Option<usize>> {
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
fn records_tail(b: &[u8], _at_eof: bool) -> LexResult<usize> {
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
fn resync_from(b: &[u8], err: usize) -> usize {
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
fn element_end(b: &[u8], _at_eof: bool) -> LexResult<usize> {
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

/// A decompressing reader that fails once it has produced `limit` bytes: a
/// few hundred KB of gzip can expand to gigabytes.
struct Capped<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            // One byte more tells a stream of exactly `limit` bytes from a longer one.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other(format!(
                    "decompressed input over {} bytes (--max-input-size)",
                    self.limit
                ))),
            };
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}
