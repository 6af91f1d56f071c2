//! Warnings about rules that load but may not do what their author expects.
//! `validate` prints them (exit 0; `--strict` makes them errors).

mod fields;

use std::fmt;

use serde_json::Value;

use super::{Origin, Rule, RuleConfig};
use crate::prefilter;

pub use fields::{Finding, LintKind};

/// One warning about one rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub rule_id: String,
    pub origin: Origin,
    pub kind: WarningKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WarningKind {
    /// The pattern has no `source` condition: anyone allowed to PutEvents on
    /// the bus can post an event under their own source that fires it.
    NoSource,
    /// The deployed pre-filter drops some events the rule matches: the
    /// read-only calls it does not list, and why others cannot be listed.
    HiddenByPrefilter {
        calls: Vec<(String, String)>,
        reasons: Vec<String>,
    },
    /// A key or value no CloudTrail event has (`eventName` outside
    /// `detail`, `source: [iam.amazonaws.com]`, `detail.EventName`).
    NeverMatches(Finding),
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: warning: rule `{}`: ",
            self.origin.file, self.origin.line, self.rule_id
        )?;
        match &self.kind {
            WarningKind::NeverMatches(finding) => write!(f, "{finding}"),
            WarningKind::NoSource => write!(
                f,
                "its pattern has no `source` condition, so an event posted under any \
                 source (a forged one) can fire it; add e.g. `source: [aws.iam]`"
            ),
            WarningKind::HiddenByPrefilter { calls, reasons } => {
                write!(
                    f,
                    "the deployed pre-filter drops successful read-only calls, so in AWS \
                     it cannot fire on"
                )?;
                if !calls.is_empty() {
                    let list: Vec<String> = calls.iter().map(|(s, n)| format!("{s} {n}")).collect();
                    write!(f, " {}", list.join(", "))?;
                }
                if !reasons.is_empty() {
                    if !calls.is_empty() {
                        write!(f, ", nor on")?;
                    }
                    write!(
                        f,
                        " the read-only calls it cannot name ({}); name them with exact \
                         `eventSource` and `eventName` values",
                        reasons.join("; ")
                    )?;
                }
                write!(
                    f,
                    ". To fix: deploy this file together with the pre-filter \
                     `cloudtrail-alerts prefilter --rules FILE` prints, in place of the \
                     EventPattern of EventsRule (template.yaml) and ForwardRule (forwarder.yaml)"
                )
            }
        }
    }
}

/// Warnings for every rule of `config`; `deployed` is the pre-filter in front
/// of the function ([`prefilter::pattern`] of the built-in pack).
pub fn lint(config: &RuleConfig, deployed: &Value) -> Vec<Warning> {
    config
        .rules
        .iter()
        .flat_map(|rule| lint_rule(rule, deployed))
        .collect()
}

fn lint_rule(rule: &Rule, deployed: &Value) -> Vec<Warning> {
    let warning = |kind| Warning {
        rule_id: rule.id.clone(),
        origin: rule.origin.clone(),
        kind,
    };
    let mut warnings: Vec<Warning> = fields::findings(rule)
        .into_iter()
        .map(|finding| warning(WarningKind::NeverMatches(finding)))
        .collect();
    if !prefilter::names_source(&rule.pattern) {
        warnings.push(warning(WarningKind::NoSource));
    }
    if let Some(hidden) = prefilter::hidden(rule, deployed) {
        warnings.push(warning(WarningKind::HiddenByPrefilter {
            calls: hidden.pairs.into_iter().collect(),
            reasons: hidden.open,
        }));
    }
    warnings
}
