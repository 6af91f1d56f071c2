//! "Why not?": for one event, which rules were candidates and why each did
//! or did not alert — out of scope, disabled, excluded, or the pattern field
//! that did not match with the value the event holds there.
//!
//! Every verdict comes from the matcher's own compiled rules
//! ([`RuleSet::explain`]); disabled rules are compiled too, so that a user
//! learns that a rule would have matched had it been on.

mod output;

use std::collections::HashSet;

use crate::event::{EventError, EventView, Leaf, PathId, PathSet};
use crate::matcher::{CompileError, Outcome, RuleSet};
use crate::pattern::Miss;
use crate::rules::{Origin, RuleConfig, did_you_mean};

pub use output::{json_line, text};

/// Explains events against every loaded rule, enabled or not.
#[derive(Debug)]
pub struct Explainer {
    /// Every loaded rule, compiled as if enabled.
    rules: RuleSet,
    disabled: HashSet<String>,
    ids: Vec<String>,
    header: Header,
}

/// The paths that name an event in an explanation's heading.
#[derive(Debug)]
struct Header {
    paths: PathSet,
    ids: [PathId; 4],
}

impl Header {
    const PATHS: [&'static str; 4] = [
        "detail.eventName",
        "detail.eventSource",
        "account",
        "region",
    ];

    fn new() -> Header {
        let mut paths = PathSet::new();
        let ids = Header::PATHS.map(|p| paths.intern(p));
        Header { paths, ids }
    }
}

/// What an event is, as far as its heading needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    pub event_name: Option<String>,
    pub event_source: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
}

/// The verdicts for one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub event: Event,
    /// Candidate rules (or the one rule asked about), in config order.
    pub verdicts: Vec<Verdict>,
    /// Loaded rules not listed. Without a rule asked for, these are the
    /// rules that are not candidates: the condition each is indexed under
    /// does not hold, so they cannot match.
    pub others: usize,
    /// One rule was asked for by id.
    pub focused: bool,
}

/// One rule's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub rule_id: String,
    /// The rule's indexed condition holds (false only for a rule asked
    /// about by id that is not a candidate).
    pub candidate: bool,
    pub reason: Reason,
}

/// Why a rule alerted or did not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The rule alerts; `delivery` is what the state layer decided, when known.
    Matched { delivery: Option<String> },
    /// The rule is off; `by` says what turned it off.
    Disabled { by: String, would_match: bool },
    /// The event's account or region is outside the rule's scope.
    OutOfScope {
        field: &'static str,
        wanted: Vec<String>,
        seen: Vec<serde_json::Value>,
    },
    /// The pattern matched and so did the rule's exclude number `index`,
    /// written at `at`.
    Excluded { index: usize, at: Origin },
    /// The pattern did not match; `branches` counts the `$or` branches tried.
    NoMatch { miss: Miss, branches: usize },
}

/// `--why` named a rule that is not loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no loaded rule has the id `{id}`{}", .suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
pub struct UnknownRule {
    pub id: String,
    pub suggestion: Option<String>,
}

impl Explainer {
    /// Compile every rule of `config`, disabled ones included.
    pub fn new(config: &RuleConfig) -> Result<Explainer, Vec<CompileError>> {
        let mut all = config.clone();
        let mut disabled = HashSet::new();
        for rule in &mut all.rules {
            if !rule.enabled {
                disabled.insert(rule.id.clone());
                rule.enabled = true;
            }
        }
        Ok(Explainer {
            rules: RuleSet::compile(&all)?,
            disabled,
            ids: config.rules.iter().map(|r| r.id.clone()).collect(),
            header: Header::new(),
        })
    }

    /// Check that `id` names a loaded rule, suggesting the closest id if not.
    pub fn check_rule(&self, id: &str) -> Result<(), UnknownRule> {
        if self.ids.iter().any(|i| i == id) {
            return Ok(());
        }
        Err(UnknownRule {
            id: id.to_string(),
            suggestion: did_you_mean(id, self.ids.iter().map(String::as_str)).map(str::to_string),
        })
    }

    /// Explain the raw JSON of one event (envelope or bare record), for
    /// every candidate rule or for the rule `only` names.
    pub fn explain(&self, raw: &[u8], only: Option<&str>) -> Result<Explanation, EventError> {
        let view = EventView::scan(raw, self.rules.paths())?;
        let heading = EventView::scan(raw, &self.header.paths)?;
        Ok(self.explain_view(&view, &heading, only))
    }

    fn explain_view(
        &self,
        view: &EventView,
        heading: &EventView,
        only: Option<&str>,
    ) -> Explanation {
        let checks = self.rules.explain(view, only);
        let verdicts: Vec<Verdict> = checks
            .iter()
            .map(|check| {
                let rule = check.rule;
                let reason = if self.disabled.contains(&rule.id) {
                    Reason::Disabled {
                        by: rule.provenance.enabled.cause(false, &rule.origin),
                        would_match: check.outcome == Outcome::Matched,
                    }
                } else {
                    match &check.outcome {
                        Outcome::Matched => Reason::Matched { delivery: None },
                        Outcome::Excluded { index } => Reason::Excluded {
                            index: *index,
                            at: rule
                                .provenance
                                .excludes
                                .get(*index)
                                .cloned()
                                .unwrap_or_else(|| rule.origin.clone()),
                        },
                        Outcome::OutOfScope {
                            field,
                            wanted,
                            seen,
                        } => Reason::OutOfScope {
                            field,
                            wanted: wanted.clone(),
                            seen: seen.clone(),
                        },
                        Outcome::NoMatch(explained) => Reason::NoMatch {
                            miss: explained.miss.clone(),
                            branches: explained.branches,
                        },
                    }
                };
                Verdict {
                    rule_id: rule.id.clone(),
                    candidate: check.candidate,
                    reason,
                }
            })
            .collect();
        let text = |i: usize| {
            heading
                .leaves(self.header.ids[i])
                .first()
                .and_then(|l| match &l.value {
                    Leaf::Str(s) => Some(s.clone()),
                    _ => None,
                })
        };
        Explanation {
            event: Event {
                event_name: text(0),
                event_source: text(1),
                account: text(2),
                region: text(3),
            },
            others: self.rules.len().saturating_sub(verdicts.len()),
            focused: only.is_some(),
            verdicts,
        }
    }
}

impl Explanation {
    /// Record the state layer's decision for an alert of `rule_id`.
    pub fn set_delivery(&mut self, rule_id: &str, delivery: &str) {
        for v in self.verdicts.iter_mut().filter(|v| v.rule_id == rule_id) {
            if let Reason::Matched { delivery: d } = &mut v.reason {
                *d = Some(delivery.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests;
