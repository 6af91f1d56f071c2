//! What the `prefilter` and `validate` commands compute, apart from printing.

use serde_json::Value;

use crate::prefilter;
use crate::rules::{self, LoadOptions, RuleConfig, RuleFileError, Warning};

/// The pre-filter for `config`'s rules (enabled or not), pretty-printed, and
/// notes about rules whose read-only calls it cannot name.
pub struct PrefilterReport {
    pub pattern: Value,
    pub notes: Vec<String>,
}

impl PrefilterReport {
    pub fn size(&self) -> usize {
        prefilter::size(&self.pattern)
    }

    pub fn too_large(&self) -> bool {
        self.size() > prefilter::PATTERN_SIZE_LIMIT
    }
}

pub fn prefilter_report(config: &RuleConfig) -> PrefilterReport {
    let notes = config
        .rules
        .iter()
        .filter_map(|rule| {
            let cov = prefilter::coverage(&rule.pattern);
            (!cov.open.is_empty()).then(|| {
                format!(
                    "{}:{}: rule `{}`: not covered by the pre-filter: {}",
                    rule.origin.file,
                    rule.origin.line,
                    rule.id,
                    cov.open.join("; ")
                )
            })
        })
        .collect();
    PrefilterReport {
        pattern: prefilter::pattern(&config.rules),
        notes,
    }
}

/// The pre-filter deployed by template.yaml: the one for the built-in pack,
/// default and opt-in rules alike.
pub fn deployed_prefilter() -> Result<Value, Vec<RuleFileError>> {
    let builtin = rules::load(&LoadOptions {
        files: Vec::new(),
        builtin: true.into(),
    })?;
    Ok(prefilter::pattern(&builtin.rules))
}

/// `validate`'s warnings: every rule from the user's files; the built-in
/// pack's own are checked by its tests.
pub fn validate_warnings(config: &RuleConfig) -> Result<Vec<Warning>, Vec<RuleFileError>> {
    let deployed = deployed_prefilter()?;
    Ok(rules::lint(config, &deployed)
        .into_iter()
        .filter(|w| !rules::is_builtin_file(&w.origin.file))
        .collect())
}
