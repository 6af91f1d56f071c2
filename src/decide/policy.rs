//! A rule's delivery settings, as parsed from its rule file: shadow mode,
//! dedup or threshold windows and their keys; and the storm guard of a
//! destination.

use serde::Serialize;

use super::time::Seconds;

/// Whether a rule's alerts are published.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Live,
    /// Evaluated, logged and counted, never published.
    Shadow,
}

/// How a rule groups its matches, by key, inside a window of event time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grouping {
    /// The first match of a window is sent at once; the rest go into one
    /// digest when the window ends.
    Dedup { window: Seconds, key: KeyPaths },
    /// Nothing is sent until `count` matches fall in the window that the
    /// first one opened; then one alert says so, and later matches in that
    /// window go into its digest.
    Threshold {
        count: u64,
        window: Seconds,
        key: KeyPaths,
    },
}

impl Grouping {
    pub fn window(&self) -> Seconds {
        match self {
            Grouping::Dedup { window, .. } | Grouping::Threshold { window, .. } => *window,
        }
    }

    pub fn key(&self) -> &KeyPaths {
        match self {
            Grouping::Dedup { key, .. } | Grouping::Threshold { key, .. } => key,
        }
    }

    /// Matches needed before anything is sent (1 for dedup).
    pub fn count(&self) -> u64 {
        match self {
            Grouping::Dedup { .. } => 1,
            Grouping::Threshold { count, .. } => *count,
        }
    }
}

/// Dotted paths into the event envelope (`account`,
/// `detail.userIdentity.arn`); empty means the default key, account and
/// principal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyPaths(pub Vec<String>);

/// A rule's delivery settings. The default is today's behaviour: every match
/// is published.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    pub mode: Mode,
    pub grouping: Option<Grouping>,
}

impl Policy {
    /// True when the rule needs no state: every match is sent (or, in
    /// shadow mode, none is).
    pub fn is_stateless(&self) -> bool {
        self.mode == Mode::Shadow || self.grouping.is_none()
    }
}

/// At most `max` messages to one destination per `per` seconds of event
/// time; past that, alerts for it are held and counted in one digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Guard {
    pub max: u64,
    pub per: Seconds,
}
