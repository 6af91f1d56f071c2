//! The splitter behind [`Documents`]: a state machine over a buffer that
//! is refilled from the reader, finds where each top-level value, `Records`
//! element or array element ends, and resynchronises after an error.

use std::fmt;
use std::io::{self, Cursor, Read};

use flate2::read::MultiGzDecoder;

use super::{BOM, Document, InputError, Position};
use crate::event::scan::{Scanned, scan_one};
use crate::event::{EventView, PathSet, Shape};
use crate::json_lex::{
    LexError, LexErrorKind, LexResult, kind_at, skip_string, skip_value, skip_ws,
};

pub(super) const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];

const CHUNK: usize = 256 * 1024;

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
            self.reader = Some(Box::new(MultiGzDecoder::new(head.chain(reader))));
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
        loop {
            let at_eof = self.eof;
            match f(self.unread(), at_eof) {
                Err(e) if e.is_eof() && !at_eof => {
                    // Each retry re-splits from the document's start: wait for
                    // twice the bytes so the total work stays linear.
                    let need = 2 * (self.end - self.pos).max(1);
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
        Out::Err(err)
    }

    /// The value at `pos` as one document (or the error it is); scanned for
    /// `paths` on the way when given.
    fn document(&mut self, paths: Option<&PathSet>) -> Out {
        self.record += 1;
        self.saw_value = true;
        let (end, view) = match paths {
            None => match self.parse(value_end) {
                Ok(end) => (end, None),
                Err(e) => return self.fail(e),
            },
            Some(paths) => match self.parse(|b, at_eof| scanned_end(b, at_eof, paths)) {
                Ok((Scanned::Event(shape, view), end)) => (end, Some((shape, view))),
                Ok((Scanned::NotAnObject(_), end)) => (end, None),
                Err(e) => return self.fail(e),
            },
        };
        let position = self.here();
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
            Mode::Resync => {
                // The next line that starts an object or an array, at its
                // first column: where NDJSON records and top-level documents begin.
                let mut from = 1;
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

/// `Some(n)` when `b` starts with `{"Records": [` (any whitespace), `n` bytes
/// long; `None` when it does not.
fn records_prefix(b: &[u8], _at_eof: bool) -> LexResult<Option<usize>> {
    let need_more = |i: usize| LexError {
        offset: i,
        kind: LexErrorKind::Eof("an object"),
    };
    let mut i = skip_ws(b, 1);
    for &want in b"\"Records\"" {
        match b.get(i) {
            None => return Err(need_more(i)),
            Some(&c) if c == want => i += 1,
            Some(_) => return Ok(None),
        }
    }
    for want in [b':', b'['] {
        i = skip_ws(b, i);
        match b.get(i) {
            None => return Err(need_more(i)),
            Some(&c) if c == want => i += 1,
            Some(_) => return Ok(None),
        }
    }
    Ok(Some(i))
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
