//! Where windows live between invocations: a small port and its adapters,
//! in memory (the CLI, replays, tests) and DynamoDB (the function).
//!
//! Adapters only store. What to send is [`crate::decide`]'s; the loop that
//! reads a window, decides and writes it back only if nobody wrote in
//! between is [`gate`]'s, the same for every adapter.

pub mod gate;
pub mod memory;
pub mod replay;

#[cfg(feature = "lambda")]
pub mod dynamodb;

use std::future::Future;

use crate::decide::{Seconds, Window};

pub use gate::{Claimed, FailOpen};
pub use memory::MemoryStore;

/// A window as stored, with the version a conditional write must name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub window: Window,
    pub version: u64,
}

/// The condition of a write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// No window is stored under the key.
    Absent,
    /// The stored window has this version.
    Version(u64),
}

/// Why the store did not do what was asked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// Someone wrote the window in between: read again and decide again.
    #[error("window {key} changed while it was being updated")]
    Conflict { key: String },
    /// The store could not be reached, throttled us or failed, after the
    /// client's retries.
    #[error("state store unavailable ({operation} {key}): {detail}")]
    Unavailable {
        operation: &'static str,
        key: String,
        detail: String,
    },
    /// What is stored under the key cannot be read as a window.
    #[error("window {key} is unreadable: {detail}")]
    Corrupt { key: String, detail: String },
}

impl StoreError {
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Conflict { .. })
    }
}

/// The port: read a window, write it on a condition, and list the windows
/// that owe a digest by a time without scanning.
pub trait StateStore: Send + Sync {
    fn get(&self, key: &str) -> impl Future<Output = Result<Option<Stored>, StoreError>> + Send;

    /// Store `window` under its key if `expect` holds; the new version.
    fn put(
        &self,
        window: &Window,
        expect: Expect,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Keys of the windows whose [`crate::decide::due_at`] is at or before
    /// `now`. May include windows no longer due (the caller re-reads them).
    fn due(&self, now: Seconds) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;

    /// Wait before retry `attempt` (1-based) after a conflict, so racing
    /// writers spread out. An in-memory store never waits.
    fn pause(&self, attempt: u32) -> impl Future<Output = ()> + Send;
}
