//! Why each rule did or did not fire for one event, decided by the same
//! compiled rules, index, scope check, patterns and excludes as
//! [`RuleSet::evaluate`]: only slower, and with the reasons kept.

use super::{ACCOUNT_PATH, CompiledRule, REGION_PATH, RuleSet, allows};
use crate::event::{EventView, PathId};
use crate::pattern::Explained;
use crate::pattern::leaf_value;
use crate::rules::Rule;

/// One rule's verdict for one event.
#[derive(Debug, Clone)]
pub struct Check<'a> {
    pub rule: &'a Rule,
    /// The index offered the rule for this event: the condition it is filed
    /// under holds. Rules that are not candidates cannot match.
    pub candidate: bool,
    pub outcome: Outcome,
}

/// What the rule's scope, pattern and excludes say about the event, in the
/// order [`RuleSet::evaluate`] checks them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The rule fires.
    Matched,
    /// The pattern matched, and the exclude at this index of `rule.exclude` too.
    Excluded { index: usize },
    /// The event's `account` or `region` is not one the scope names.
    OutOfScope {
        /// `account` or `region`.
        field: &'static str,
        wanted: Vec<String>,
        /// The values at that path; empty when absent.
        seen: Vec<serde_json::Value>,
    },
    /// The pattern does not match.
    NoMatch(Explained),
}

impl RuleSet {
    /// The verdict of every candidate rule for `event`, in config order, or
    /// of the one rule `only` names (candidate or not; empty when no
    /// compiled rule has that id).
    pub fn explain(&self, event: &EventView, only: Option<&str>) -> Vec<Check<'_>> {
        let candidates = self.index.candidates(event);
        self.rules
            .iter()
            .enumerate()
            .filter(|(_, r)| only.is_none_or(|id| r.rule.id == id))
            .filter_map(|(i, r)| {
                let candidate =
                    u32::try_from(i).is_ok_and(|i| candidates.binary_search(&i).is_ok());
                (candidate || only.is_some()).then(|| Check {
                    rule: &r.rule,
                    candidate,
                    outcome: self.outcome(r, event),
                })
            })
            .collect()
    }

    /// How many compiled rules the index offers for `event`.
    pub fn candidate_count(&self, event: &EventView) -> usize {
        self.index.candidates(event).len()
    }

    fn outcome(&self, rule: &CompiledRule, event: &EventView) -> Outcome {
        for (limit, field) in [(&rule.accounts, ACCOUNT_PATH), (&rule.regions, REGION_PATH)] {
            if let (false, Some((path, wanted))) = (allows(limit, event), limit) {
                return Outcome::OutOfScope {
                    field,
                    wanted: wanted.clone(),
                    seen: seen(event, *path),
                };
            }
        }
        if let Some(explained) = rule.pattern.explain(event, &self.paths) {
            return Outcome::NoMatch(explained);
        }
        match rule.excludes.iter().position(|x| x.matches(event)) {
            Some(index) => Outcome::Excluded { index },
            None => Outcome::Matched,
        }
    }
}

fn seen(event: &EventView, path: PathId) -> Vec<serde_json::Value> {
    event
        .leaves(path)
        .iter()
        .map(|l| leaf_value(&l.value))
        .collect()
}
