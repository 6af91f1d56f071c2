//! `--explain` and `--why RULE` of `evaluate` and `render`: after each
//! event's output, why each candidate rule did or did not alert.

use cloudtrail_alerts::explain::{self, Explainer, Explanation};

use super::*;

#[derive(clap::Args, Clone, Default)]
pub(super) struct ExplainArgs {
    /// After each event, list the candidate rules and why each did or did
    /// not alert: out of scope, disabled, excluded, or the pattern field
    /// that did not match and the value seen.
    #[arg(long)]
    explain: bool,
    /// Explain only this rule, for every event (implies --explain).
    #[arg(long, value_name = "RULE")]
    why: Option<String>,
}

/// What explains events, and how to print it.
pub(super) struct Explaining {
    explainer: Explainer,
    only: Option<String>,
    json: bool,
}

impl ExplainArgs {
    /// `Ok(None)` without the flags; `Err(exit code)` after reporting an
    /// unknown `--why` rule or a rule that does not compile.
    pub(super) fn explaining(&self, engine: &Engine, json: bool) -> Result<Option<Explaining>, u8> {
        if !self.explain && self.why.is_none() {
            return Ok(None);
        }
        let explainer = Explainer::new(engine.config()).map_err(|errors| {
            for err in &errors {
                eprintln!("cloudtrail-alerts: {err}");
            }
            EXIT_USAGE
        })?;
        if let Some(id) = &self.why
            && let Err(err) = explainer.check_rule(id)
        {
            eprintln!("cloudtrail-alerts: --why: {err}");
            return Err(EXIT_USAGE);
        }
        Ok(Some(Explaining {
            explainer,
            only: self.why.clone(),
            json,
        }))
    }
}

impl Explaining {
    /// Explain `doc` and print the explanation; `deliveries` are the state
    /// layer's decisions for the event's alerts, by rule id.
    pub(super) fn print(
        &self,
        out: &mut dyn Write,
        doc: &Document,
        deliveries: &[(String, &'static str)],
    ) -> io::Result<()> {
        let mut explanation: Explanation =
            match self.explainer.explain(&doc.bytes, self.only.as_deref()) {
                Ok(explanation) => explanation,
                Err(err) => {
                    eprintln!("cloudtrail-alerts: {}: cannot explain: {err}", doc.position);
                    return Ok(());
                }
            };
        for (rule, delivery) in deliveries {
            explanation.set_delivery(rule, delivery);
        }
        if self.json {
            writeln!(out, "{}", explain::json_line(&explanation, &doc.position))
        } else {
            writeln!(out, "{}", explain::text(&explanation, &doc.position))
        }
    }
}
