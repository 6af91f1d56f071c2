//! Why a pattern is invalid, and the one wording of it that every caller
//! (`test-event-pattern`, rule files, compiled rule sets) shows users.

use std::fmt;

/// Why a pattern is invalid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{reason}")]
pub struct PatternError {
    /// EventBridge's reason text, word for word where EventBridge has one.
    pub reason: String,
    /// Dotted pattern path where the problem is, `""` at the top level.
    pub path: String,
}

impl PatternError {
    pub(crate) fn new(reason: impl Into<String>, path: &str) -> Self {
        PatternError {
            reason: reason.into(),
            path: path.to_string(),
        }
    }

    /// EventBridge's message: `Event pattern is not valid. Reason: REASON`.
    pub fn not_valid(&self) -> NotValid<'_> {
        NotValid(self)
    }

    /// The message for a pattern written under `field` (e.g. `pattern` or
    /// `exclude[1]`, as the caller quotes it):
    /// ``FIELD at `PATH`: Event pattern is not valid. Reason: REASON``, the
    /// path only when the problem is below the top level, so a deep mistake
    /// is found without re-reading the whole pattern.
    pub fn in_field<'a>(&'a self, field: &'a str) -> InField<'a> {
        InField { field, error: self }
    }
}

/// See [`PatternError::not_valid`].
pub struct NotValid<'a>(&'a PatternError);

impl fmt::Display for NotValid<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Event pattern is not valid. Reason: {}", self.0.reason)
    }
}

/// See [`PatternError::in_field`].
pub struct InField<'a> {
    field: &'a str,
    error: &'a PatternError,
}

impl fmt::Display for InField<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.field)?;
        if !self.error.path.is_empty() {
            write!(f, " at `{}`", self.error.path)?;
        }
        write!(f, ": {}", self.error.not_valid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wording_is_eventbridges_with_the_field_and_path_when_known() {
        let top = PatternError::new("Filter is not an object", "");
        assert_eq!(
            top.not_valid().to_string(),
            "Event pattern is not valid. Reason: Filter is not an object"
        );
        assert_eq!(
            top.in_field("`pattern`").to_string(),
            "`pattern`: Event pattern is not valid. Reason: Filter is not an object"
        );
        let deep = PatternError::new("Empty arrays are not allowed", "detail.eventName");
        assert_eq!(
            deep.in_field("exclude[0]").to_string(),
            "exclude[0] at `detail.eventName`: Event pattern is not valid. Reason: Empty arrays are not allowed"
        );
    }
}
