//! The view of one event that rules see.
//!
//! An event is viewed the way EventBridge views it: a multiset of
//! (dotted path, leaf value) pairs, arrays transparent. Only the paths a compiled
//! rule set needs (a [`PathSet`]) are extracted; the rest is skipped.
//!
//! Two ways in, with identical results:
//! - [`EventView::scan`]: the fast path over raw JSON bytes, no DOM.
//! - [`EventView::from_value`]: the reference path over a parsed `serde_json::Value`.
//!
//! A bare CloudTrail record (no EventBridge envelope) is viewed as EventBridge
//! would deliver it: wrapped in an envelope whose `detail` is the record
//! (see [`wrap_record`]).

mod envelope;
mod paths;
pub(crate) mod scan;
mod view;

pub use envelope::{
    RecordFields, Shape, ShapeKeys, detail_type_for, shape_of, source_for, wrap_record,
};
pub(crate) use paths::{NO_NODE, Node};
pub use paths::{PathId, PathSet};
pub(crate) use view::Trails;
pub use view::{ArrayPos, EventView, Leaf, LeafAt, Number, Trail};

use serde_json::Value;

use crate::json_lex::{LexError, LexErrorKind, MAX_DEPTH};

/// How a JSON value is named in error messages.
fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Why an event could not be read. Offsets are bytes into the event's document.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EventError {
    #[error("invalid JSON at byte {offset}: {message}")]
    Json { offset: usize, message: String },
    #[error("event is not a JSON object (found {found})")]
    NotAnObject { found: &'static str },
    /// The document ends inside a value.
    #[error("truncated JSON at byte {offset}: {message}")]
    Truncated { offset: usize, message: String },
    #[error("JSON nested deeper than {limit} levels at byte {offset}")]
    TooDeep { offset: usize, limit: usize },
    #[error("invalid UTF-8 at byte {offset}")]
    InvalidUtf8 { offset: usize },
}

impl From<LexError> for EventError {
    fn from(e: LexError) -> Self {
        match e.kind {
            LexErrorKind::Eof(_) => EventError::Truncated {
                offset: e.offset,
                message: e.message(),
            },
            LexErrorKind::Syntax(_) => EventError::Json {
                offset: e.offset,
                message: e.message(),
            },
            LexErrorKind::TooDeep => EventError::TooDeep {
                offset: e.offset,
                limit: MAX_DEPTH,
            },
            LexErrorKind::InvalidUtf8 => EventError::InvalidUtf8 { offset: e.offset },
        }
    }
}
