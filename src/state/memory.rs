//! Windows in a map: the CLI's store (decisions on event time, so a replay
//! reproduces what the function sent) and the tests'.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::pin;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

use super::{Expect, StateStore, StoreError, Stored};
use crate::decide::{Seconds, Window, due_at};

#[derive(Debug, Default)]
pub struct MemoryStore {
    windows: Mutex<BTreeMap<String, Stored>>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// Every stored window, by key.
    pub fn snapshot(&self) -> BTreeMap<String, Stored> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Stored>> {
        // A panic while holding the lock cannot leave a half-written window
        // (writes are single inserts), so a poisoned map is still sound.
        self.windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl StateStore for MemoryStore {
    async fn get(&self, key: &str) -> Result<Option<Stored>, StoreError> {
        Ok(self.lock().get(key).cloned())
    }

    async fn put(&self, window: &Window, expect: Expect) -> Result<u64, StoreError> {
        let mut map = self.lock();
        let current = map.get(&window.key).map(|s| s.version);
        let version = match (expect, current) {
            (Expect::Absent, None) => 1,
            (Expect::Version(v), Some(c)) if v == c => c + 1,
            _ => {
                return Err(StoreError::Conflict {
                    key: window.key.clone(),
                });
            }
        };
        map.insert(
            window.key.clone(),
            Stored {
                window: window.clone(),
                version,
            },
        );
        Ok(version)
    }

    async fn due(&self, now: Seconds) -> Result<Vec<String>, StoreError> {
        Ok(self
            .lock()
            .iter()
            .filter(|(_, s)| due_at(&s.window).is_some_and(|t| t <= now))
            .map(|(k, _)| k.clone())
            .collect())
    }

    async fn pause(&self, _attempt: u32) {}
}

/// Run a future that never waits, such as any call on a [`MemoryStore`],
/// without an async runtime (the CLI has none). `None` if it did wait.
pub fn run_ready<F: Future>(future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(out) => Some(out),
        Poll::Pending => None,
    }
}
