//! The splitter behind [`Documents`]: a state machine over a buffer that
//! is refilled from the reader, finds where each top-level value, `Records`
//! element or array element ends, and resynchronises after an error.

use std::fmt;
use std::io::{self, Cursor, Read};

use flate2::read::MultiGzDecoder;

use super::{BOM, Document, InputError, Limits, Position};
use crate::event::scan::Scanned;
use crate::event::{EventView, PathSet, Shape};
use crate::json_lex::{LexError, LexErrorKind, LexResult, kind_at, skip_ws};

mod ends;

use ends::{element_end, records_prefix, records_tail, resync_from, scanned_end, value_end};

pub(super) const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];

const CHUNK: usize = 256 * 1024;
/// Documents from this size on are taken out of the buffer, not copied.
const TAKE_MIN: usize = 1 << 20;

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
        // One chunk at a time: zeroing room for a read touches its pages, so
        // room grown with the document would cost twice its size.
        if self.buf.len() < self.end + CHUNK {
            self.buf.resize(self.end + CHUNK, 0);
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
        let bytes = self.take(end);
        let first = bytes.first().copied().unwrap_or(b' ');
        if first != b'{' {
            return Out::Err(InputError::NotAnObject {
                position,
                found: kind_at(&bytes, 0),
            });
        }
        Out::Doc(Document { bytes, position }, view)
    }

    /// The next `len` unread bytes, owned, and move past them. A large
    /// document takes the buffer itself rather than a copy of its bytes (what
    /// follows it, no longer than it, moves to a new buffer).
    fn take(&mut self, len: usize) -> Vec<u8> {
        let len = len.min(self.end - self.pos);
        let after = self.end - self.pos - len;
        if len < TAKE_MIN || after > len {
            let bytes = self.unread()[..len].to_vec();
            self.advance(len);
            return bytes;
        }
        let start = self.pos;
        self.advance(len);
        let rest = self.unread().to_vec();
        let mut bytes = std::mem::replace(&mut self.buf, rest);
        bytes.truncate(start + len);
        bytes.drain(..start);
        self.pos = 0;
        self.end = self.buf.len();
        bytes
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
