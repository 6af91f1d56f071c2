//! Copies of event values no longer than an alert can show. A hostile event
//! can hold strings of many megabytes; every output caps its text far below
//! [`TEXT_MAX`], so copying more would only cost memory.

use std::io;

use serde_json::Value;

/// Longest text an alert keeps from one event field, in characters: above
/// every output's own cap, so what is shown does not change.
pub const TEXT_MAX: usize = 8192;

/// The first `max_chars` characters of `s` (all of it when shorter).
pub(crate) fn prefix(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => s[..i].to_string(),
        None => s.to_string(),
    }
}

/// `v` as compact JSON, cut after `max_chars` characters: the whole value is
/// never serialized.
pub(crate) fn json_prefix(v: &Value, max_chars: usize) -> String {
    // A character takes at most 4 bytes.
    let mut out = Limited {
        bytes: Vec::new(),
        room: max_chars.saturating_mul(4),
    };
    // Stopping at the limit is the error that ends serialization early.
    let _ = serde_json::to_writer(&mut out, v);
    let text = match std::str::from_utf8(&out.bytes) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&out.bytes[..e.valid_up_to()]).unwrap_or_default(),
    };
    prefix(text, max_chars)
}

/// A writer that keeps `room` bytes, then refuses.
struct Limited {
    bytes: Vec<u8>,
    room: usize,
}

impl io::Write for Limited {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let take = buf.len().min(self.room);
        if take == 0 && !buf.is_empty() {
            return Err(io::Error::other("limit reached"));
        }
        self.bytes.extend_from_slice(&buf[..take]);
        self.room -= take;
        Ok(take)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prefix_counts_characters_not_bytes() {
        assert_eq!(prefix("héllo", 2), "hé");
        assert_eq!(prefix("hé", 5), "hé");
        assert_eq!(prefix("", 3), "");
    }

    #[test]
    fn json_prefix_is_the_start_of_the_whole_text() {
        let v = json!({"a": ["é".repeat(50), 1, null], "b": {"c": true}});
        let whole = v.to_string();
        for max in [0, 1, 5, 17, 40, 200] {
            let got = json_prefix(&v, max);
            assert_eq!(got, prefix(&whole, max), "max {max}");
        }
    }
}
