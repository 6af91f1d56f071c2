//! Ties the pure steps together: event → view → matching rules → alerts.
//!
//! Matching runs on a view that holds only the paths the rules read. The CLI
//! and the function enter differently:
//! - the CLI has bytes: [`Engine::evaluate_view`] (after the input splitter
//!   scanned them) or [`Engine::evaluate_bytes`] match on a view scanned from
//!   the bytes, so an event no rule cares about never becomes a DOM; only
//!   when a rule fires is the event parsed whole, to build the alert;
//! - the function has a DOM already (the Lambda runtime hands it a parsed
//!   `serde_json::Value`): [`Engine::evaluate_value`] builds the view from it
//!   and reads the alert's fields from it in place.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::alert::{Alert, record_of};
use crate::event::{EventError, EventView, PathSet, Shape, shape_of, wrap_record};
use crate::matcher::{CompileError, Firing, RuleSet};
use crate::rules::{self, LoadOptions, RuleConfig, RuleFileError};

/// A rule that matched but was silenced by one of its `exclude` patterns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppressed {
    pub rule_id: String,
    /// Index into the rule's `exclude` list.
    pub exclude_index: usize,
}

/// The outcome of evaluating one event.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Evaluation {
    pub alerts: Vec<Alert>,
    pub suppressed: Vec<Suppressed>,
}

impl Evaluation {
    /// True when no rule matched at all (suppressed matches count as matches).
    pub fn is_quiet(&self) -> bool {
        self.alerts.is_empty() && self.suppressed.is_empty()
    }
}

/// Why an engine could not be built: every problem, each naming a file, a
/// line and a rule where one is known.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct EngineError {
    pub problems: Vec<RuleProblem>,
}

/// One reason the rules could not be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RuleProblem {
    /// A rule file that cannot be read or breaks the rule-file format.
    #[error(transparent)]
    File(#[from] RuleFileError),
    /// A loaded rule whose pattern or exclude does not compile.
    #[error(transparent)]
    Pattern(#[from] CompileError),
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "invalid rules ({n} problem{}):",
            if n == 1 { "" } else { "s" }
        )?;
        for problem in &self.problems {
            write!(f, "\n  {problem}")?;
        }
        Ok(())
    }
}

impl EngineError {
    fn new<E: Into<RuleProblem>>(errors: Vec<E>) -> EngineError {
        EngineError {
            problems: errors.into_iter().map(Into::into).collect(),
        }
    }
}

/// The compiled rules and settings, built once and shared by every evaluation.
#[derive(Debug)]
pub struct Engine {
    config: RuleConfig,
    rules: RuleSet,
}

impl Engine {
    /// Build from already-loaded rules and settings.
    pub fn from_config(config: RuleConfig) -> Result<Engine, EngineError> {
        let rules = RuleSet::compile(&config).map_err(EngineError::new)?;
        Ok(Engine { config, rules })
    }

    /// Load rule files (and the built-in pack unless disabled) and build.
    pub fn load(options: &LoadOptions) -> Result<Engine, EngineError> {
        let config = rules::load(options).map_err(EngineError::new)?;
        Engine::from_config(config)
    }

    /// Every loaded rule, enabled or not, and the settings.
    pub fn config(&self) -> &RuleConfig {
        &self.config
    }

    /// The paths the compiled rules read: what a scan must extract.
    pub fn paths(&self) -> &PathSet {
        self.rules.paths()
    }

    /// The compiled set of enabled rules.
    pub fn rule_set(&self) -> &RuleSet {
        &self.rules
    }

    /// Evaluate the raw JSON bytes of one event (envelope or bare record).
    pub fn evaluate_bytes(&self, raw: &[u8]) -> Result<Evaluation, EventError> {
        let view = EventView::scan(raw, self.rules.paths())?;
        self.evaluate_view(raw, &view)
    }

    /// Evaluate an event already scanned with this engine's paths
    /// ([`Engine::paths`]), e.g. by [`crate::input::Documents::next_scanned`],
    /// which splits and scans in one pass. `raw` is the event's bytes, parsed
    /// whole only when a rule fires.
    pub fn evaluate_view(&self, raw: &[u8], view: &EventView) -> Result<Evaluation, EventError> {
        let firings = self.rules.evaluate(view);
        self.alerts_from_bytes(raw, &firings)
    }

    /// [`Engine::evaluate_view`], freeing the view before the event is
    /// parsed for its alerts: with a huge string on a path the rules read,
    /// the view's copy and the parsed event are not held at once.
    pub fn evaluate_scanned(&self, raw: &[u8], view: EventView) -> Result<Evaluation, EventError> {
        let firings = self.rules.evaluate(&view);
        drop(view);
        self.alerts_from_bytes(raw, &firings)
    }

    fn alerts_from_bytes(
        &self,
        raw: &[u8],
        firings: &[Firing<'_>],
    ) -> Result<Evaluation, EventError> {
        if firings.is_empty() {
            return Ok(Evaluation::default());
        }
        let event: Value =
            serde_json::from_slice(crate::input::strip_bom(raw)).map_err(|e| EventError::Json {
                offset: 0,
                message: e.to_string(),
            })?;
        let (_, mut envelope) = wrap_record(event)?;
        // The alerts share the record, moved out of the envelope: a large
        // event is not copied once more per alert.
        let record = match envelope.get_mut("detail") {
            Some(detail) if detail.is_object() => Arc::new(detail.take()),
            _ => Arc::new(record_of(&envelope).clone()),
        };
        Ok(self.alerts_for(firings, &envelope, || record))
    }

    /// Evaluate one parsed event (envelope or bare record).
    pub fn evaluate_value(&self, event: &Value) -> Result<Evaluation, EventError> {
        // Envelopes (all the Lambda receives) are read in place; only a bare
        // record is copied, to be wrapped.
        let wrapped;
        let envelope = match shape_of(event)? {
            Shape::Envelope => event,
            Shape::Record => {
                wrapped = wrap_record(event.clone())?.1;
                &wrapped
            }
        };
        let view = EventView::from_value(envelope, self.rules.paths())?;
        let firings = self.rules.evaluate(&view);
        // The event is borrowed: its record is copied once, when an alert needs it.
        Ok(self.alerts_for(&firings, envelope, || Arc::new(record_of(envelope).clone())))
    }

    /// `record` gives `envelope`'s record (its `detail` may have been moved
    /// out); asked once, and only when some alert needs it.
    fn alerts_for(
        &self,
        firings: &[Firing<'_>],
        envelope: &Value,
        record: impl FnOnce() -> Arc<Value>,
    ) -> Evaluation {
        let mut record = Some(record);
        let mut shared: Option<Arc<Value>> = None;
        let mut evaluation = Evaluation::default();
        for firing in firings {
            match firing.suppressed_by {
                Some(exclude_index) => evaluation.suppressed.push(Suppressed {
                    rule_id: firing.rule.id.clone(),
                    exclude_index,
                }),
                None => {
                    let record = match (&shared, record.take()) {
                        (Some(r), _) => Arc::clone(r),
                        (None, Some(make)) => Arc::clone(shared.insert(make())),
                        (None, None) => Arc::new(record_of(envelope).clone()),
                    };
                    evaluation.alerts.push(Alert::for_record(
                        firing.rule,
                        envelope,
                        record,
                        &self.config.settings,
                    ));
                }
            }
        }
        evaluation
    }
}
