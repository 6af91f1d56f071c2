//! Ties the pure steps together: raw event → view → matching rules → alerts.

use serde_json::Value;

use crate::alert::Alert;
use crate::event::{EventError, Shape};
use crate::rules::{LoadOptions, RuleConfig};

/// A rule that matched but was silenced by one of its `exclude` patterns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppressed {
    pub rule_id: String,
    /// Index into the rule's `exclude` list.
    pub exclude_index: usize,
}

/// The outcome of evaluating one event.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub shape: Shape,
    pub alerts: Vec<Alert>,
    pub suppressed: Vec<Suppressed>,
}

/// Why an engine could not be built.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("invalid rules:\n{0}")]
    Rules(String),
}

/// The compiled rules and settings, built once and shared by every evaluation.
#[derive(Debug)]
pub struct Engine {
    config: RuleConfig,
}

impl Engine {
    /// Build from already-loaded rules and settings.
    pub fn from_config(config: RuleConfig) -> Result<Engine, EngineError> {
        Ok(Engine { config })
    }

    /// Load rule files (and the built-in pack unless disabled) and build.
    pub fn load(_options: &LoadOptions) -> Result<Engine, EngineError> {
        todo!("load rule files")
    }

    pub fn config(&self) -> &RuleConfig {
        &self.config
    }

    /// Evaluate the raw JSON bytes of one event (envelope or bare record).
    pub fn evaluate_bytes(&self, _raw: &[u8]) -> Result<Evaluation, EventError> {
        todo!("evaluate bytes")
    }

    /// Evaluate one parsed event (envelope or bare record).
    pub fn evaluate_value(&self, _event: &Value) -> Result<Evaluation, EventError> {
        todo!("evaluate value")
    }
}
