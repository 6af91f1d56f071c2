//! Where a rule's settings come from, recorded while the files are loaded and
//! merged, so that `rules` and explanations can name the file and line that
//! set a severity, turned a rule off or added an exclude.

use std::fmt;

use super::{Origin, Override};

/// What set a rule's settings, where it was not the rule's own entry alone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provenance {
    /// The last override that set the severity; `None`: the rule's entry.
    pub severity: Option<Origin>,
    /// What decided whether the rule is on.
    pub enabled: EnabledBy,
    /// Where each exclude was written, in the order of `Rule::exclude`.
    pub excludes: Vec<Origin>,
    /// The last override that changed the scope; `None`: the rule's entry.
    pub scope: Option<Origin>,
    /// The last override that changed mode, dedup or threshold.
    pub delivery: Option<Origin>,
}

impl Provenance {
    /// Note what the override at `here` (in `file`) changes; called before
    /// it is applied, in file order, so the last one wins as it does.
    pub(crate) fn record(&mut self, over: &Override, here: &Origin, file: &str) {
        if over.severity.is_some() {
            self.severity = Some(here.clone());
        }
        if over.enabled.is_some() {
            self.enabled = EnabledBy::Override(here.clone());
        }
        self.excludes.extend(over.exclude.iter().map(|x| Origin {
            file: file.to_string(),
            line: x.line,
        }));
        if over.scope.is_some() {
            self.scope = Some(here.clone());
        }
        if over.delivery.mode.is_some() || over.delivery.grouping.is_some() {
            self.delivery = Some(here.clone());
        }
    }
}

/// What decided whether a rule is on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum EnabledBy {
    /// The rule's own entry: its `enabled:` as written, on when absent.
    #[default]
    Entry,
    /// The built-in rule selection (`--builtin`, `BUILTIN_RULES`), as given.
    Selection(String),
    /// An override's `enabled:`.
    Override(Origin),
    /// A setting of the deployed function, e.g. `DISABLED_RULES`.
    Setting(String),
}

impl EnabledBy {
    /// What set the rule's state (`enabled`), as a phrase that follows "on
    /// by" or "off by": `default (an opt-in rule, builtin/identity.yaml:40)`,
    /// `override in my.yaml:3`.
    pub fn cause(&self, enabled: bool, origin: &Origin) -> String {
        match self {
            EnabledBy::Entry if enabled => format!("its entry in {origin}"),
            EnabledBy::Entry if super::is_builtin_file(&origin.file) => {
                format!("default (an opt-in rule, {origin})")
            }
            EnabledBy::Entry => format!("`enabled: false` in {origin}"),
            EnabledBy::Selection(selection) => format!("the built-in selection `{selection}`"),
            EnabledBy::Override(at) => format!("override in {at}"),
            EnabledBy::Setting(name) => format!("the setting {name}"),
        }
    }

    /// The kind, as JSON output names it: `entry`, `selection`, `override`, `setting`.
    pub fn kind(&self) -> &'static str {
        match self {
            EnabledBy::Entry => "entry",
            EnabledBy::Selection(_) => "selection",
            EnabledBy::Override(_) => "override",
            EnabledBy::Setting(_) => "setting",
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::load_sources;

    const BASE: &str = "rules:
  - id: own
    title: T
    severity: low
    pattern: {source: [aws.iam]}
    exclude:
      - {detail: {eventName: [A]}}
";
    const FIRST: &str = "overrides:
  own:
    severity: high
    enabled: false
    exclude:
      - {detail: {eventName: [B]}}
";
    const SECOND: &str = "overrides:
  own:
    severity: critical
    enabled: true
    mode: shadow
    scope: {regions: [eu-west-1]}
";

    fn at(file: &str, line: usize) -> Origin {
        Origin {
            file: file.into(),
            line,
        }
    }

    #[test]
    fn the_last_override_is_named_and_excludes_keep_their_lines() {
        let sources = [
            ("base.yaml", BASE),
            ("first.yaml", FIRST),
            ("second.yaml", SECOND),
        ]
        .map(|(n, t)| (n.to_string(), t.to_string()));
        let config = load_sources(&sources, false).unwrap();
        let rule = &config.rules[0];
        assert_eq!(
            rule.provenance,
            Provenance {
                severity: Some(at("second.yaml", 2)),
                enabled: EnabledBy::Override(at("second.yaml", 2)),
                excludes: vec![at("base.yaml", 7), at("first.yaml", 6)],
                scope: Some(at("second.yaml", 2)),
                delivery: Some(at("second.yaml", 2)),
            }
        );
        assert_eq!(rule.exclude.len(), rule.provenance.excludes.len());
    }

    #[test]
    fn a_rule_left_alone_names_its_entry() {
        let config = load_sources(&[("base.yaml".into(), BASE.into())], false).unwrap();
        let rule = &config.rules[0];
        assert_eq!(rule.provenance.enabled, EnabledBy::Entry);
        assert_eq!(rule.provenance.severity, None);
        assert_eq!(
            rule.provenance.enabled.cause(true, &rule.origin),
            "its entry in base.yaml:2"
        );
    }
}
