//! Bytes in, documents out, for the CLI: turns files and stdin into a
//! stream of raw JSON documents, one per event, each with its position
//! (source name, record number) for error messages. Knows NDJSON, concatenated
//! and pretty-printed JSON, CloudTrail log files (`{"Records": [...]}`), top-level
//! arrays of events, gzip (by magic bytes, multi-member too) and a UTF-8 BOM.
//!
//! Memory is bounded: only the document being split (plus one read chunk) is
//! buffered, so a 1 GB NDJSON stream costs a few hundred KB. A single huge
//! document is held whole; for a CloudTrail log file that is one record, as
//! each element of `Records` is split out on its own.
//!
//! Any object holding a `Records` array is a log file, whatever keys come
//! before it.
//!
//! Splitting validates each document as strictly as `serde_json` would (the
//! same lexer as the scanner), so a bad record is reported here, with its
//! position. Inside an array (`Records` or top-level) the stream goes on at
//! the next element when the bad one's brackets still show where it ends;
//! otherwise at the next line that starts a value (`{` or `[` in the first
//! column: NDJSON lines and top-level documents), skipping lines whose values
//! were still open where the error was, so resynchronising stays linear.
//!
//! Callers that view every event ([`crate::event::EventView::scan`]) can use
//! [`Documents::next_scanned`] instead of iterating: it splits and scans in
//! one pass over the bytes.
//!
//! The function never comes here: the Lambda runtime hands it one event
//! already parsed, which goes to [`crate::engine::Engine::evaluate_value`].

pub mod lookup;
mod split;

use std::fmt;
use std::io::{self, Cursor, Read};
use std::path::Path;

use crate::event::{EventView, PathSet, Shape};

pub use split::Documents;
use split::{GZIP_MAGIC, Out};

/// Where a document comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position {
    pub source: String,
    /// 1-based event number within the source; each element of `Records`
    /// (or of a top-level array) counts, and so does each unreadable record.
    pub record: u64,
    /// 1-based line where the document starts.
    pub line: u64,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: record {} (line {})",
            self.source, self.record, self.line
        )
    }
}

/// The raw bytes of one event and where they came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    pub bytes: Vec<u8>,
    pub position: Position,
}

/// Why a source or one of its records could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{source_name}: cannot open: {message}")]
    Open {
        source_name: String,
        message: String,
    },
    /// Reading failed (I/O error, truncated or corrupt gzip); the rest of the
    /// source is lost.
    #[error("{position}: cannot read: {message}")]
    Read { position: Position, message: String },
    #[error("{position}: truncated JSON: {message}")]
    Truncated { position: Position, message: String },
    #[error("{position}: invalid JSON at line {line}, column {column}: {message}")]
    Syntax {
        position: Position,
        line: u64,
        column: u64,
        message: String,
    },
    #[error("{position}: not an event: expected a JSON object, found {found}")]
    NotAnObject {
        position: Position,
        found: &'static str,
    },
    #[error("{position}: invalid UTF-8 at line {line}, column {column}")]
    InvalidUtf8 {
        position: Position,
        line: u64,
        column: u64,
    },
    #[error("{source_name}: no events")]
    Empty { source_name: String },
    /// Skipped without being held: see [`Limits::max_document`].
    #[error("{position}: event larger than {limit} bytes (--max-event-size), skipped")]
    TooLarge { position: Position, limit: usize },
}

/// How much one input may cost. CloudTrail records and EventBridge events are
/// at most a few hundred KB, and a CloudTrail log file a few hundred MB once
/// decompressed; a hostile file can claim far more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest document held (and split, scanned, evaluated); a larger one is
    /// reported and discarded as it streams past, in constant memory.
    pub max_document: usize,
    /// Most bytes a gzip input may decompress to; past it the input ends
    /// with an error (a gzip bomb costs time up to here, not memory).
    pub max_decompressed: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_document: 4 << 20,
            max_decompressed: 4 << 30,
        }
    }
}

impl InputError {
    /// The record the error is about, when it is about one.
    pub fn position(&self) -> Option<&Position> {
        match self {
            InputError::Open { .. } | InputError::Empty { .. } => None,
            InputError::Read { position, .. }
            | InputError::Truncated { position, .. }
            | InputError::Syntax { position, .. }
            | InputError::NotAnObject { position, .. }
            | InputError::InvalidUtf8 { position, .. }
            | InputError::TooLarge { position, .. } => Some(position),
        }
    }
}

/// Open a file (`-` is stdin). Gzip is recognised by its magic bytes.
pub fn open(path: &Path) -> Result<Documents, InputError> {
    let name = path.display().to_string();
    if name == "-" {
        return Ok(from_reader("-", Box::new(io::stdin())));
    }
    let file = std::fs::File::open(path).map_err(|e| InputError::Open {
        source_name: name.clone(),
        message: e.to_string(),
    })?;
    Ok(from_reader(&name, Box::new(file)))
}

/// Documents read from any reader; `source` names it in positions.
pub fn from_reader(source: &str, reader: Box<dyn Read + Send>) -> Documents {
    Documents::new(source, Some(reader), Vec::new())
}

/// Documents of bytes already in memory (a benchmark corpus, a test).
pub fn from_slice(source: &str, bytes: &[u8]) -> Documents {
    if bytes.starts_with(GZIP_MAGIC) {
        return from_reader(source, Box::new(Cursor::new(bytes.to_vec())));
    }
    Documents::new(source, None, bytes.to_vec())
}

/// The UTF-8 byte order mark, which some editors and tools put first in a
/// file. It is not JSON (nor YAML content), so every reader skips it.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// `bytes` without a leading [`BOM`].
pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM).unwrap_or(bytes)
}

/// `text` without a leading [`BOM`] (U+FEFF).
pub(crate) fn strip_bom_str(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// A document split and scanned in the same pass (see [`Documents::next_scanned`]).
#[derive(Clone, Debug)]
pub struct ScannedDocument {
    pub document: Document,
    pub shape: Shape,
    pub view: EventView,
}

impl Documents {
    /// The next document together with its view for `paths`, found in the
    /// same pass over the bytes that splits it: about half the work of
    /// [`Iterator::next`] followed by [`EventView::scan`], with the same
    /// results. Errors and positions are exactly those of `next`.
    pub fn next_scanned(&mut self, paths: &PathSet) -> Option<Result<ScannedDocument, InputError>> {
        loop {
            match self.step(Some(paths))? {
                Out::Doc(document, Some((shape, view))) => {
                    return Some(Ok(ScannedDocument {
                        document,
                        shape,
                        view,
                    }));
                }
                Out::Doc(document, None) => {
                    // Not reached: documents are objects, and objects scan.
                    match EventView::scan_shaped(&document.bytes, paths) {
                        Ok((shape, view)) => {
                            return Some(Ok(ScannedDocument {
                                document,
                                shape,
                                view,
                            }));
                        }
                        Err(e) => {
                            return Some(Err(InputError::Syntax {
                                line: document.position.line,
                                column: 1,
                                position: document.position,
                                message: e.to_string(),
                            }));
                        }
                    }
                }
                Out::Err(e) => return Some(Err(e)),
                Out::Continue => {}
            }
        }
    }
}

impl Iterator for Documents {
    type Item = Result<Document, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.step(None)? {
                Out::Doc(d, _) => return Some(Ok(d)),
                Out::Err(e) => return Some(Err(e)),
                Out::Continue => {}
            }
        }
    }
}
