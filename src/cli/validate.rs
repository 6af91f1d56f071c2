//! `validate`: check rule files together with the built-in pack.

use std::path::PathBuf;

use super::{EXIT_OK, EXIT_USAGE, print_line};
use crate::engine::Engine;
use crate::rules::LoadOptions;

/// Load `files` with the built-in pack; report errors (exit 2), then
/// warnings (exit 0, or 2 with `strict`), then the OK line.
pub(crate) fn validate(files: &[PathBuf], strict: bool) -> u8 {
    let options = LoadOptions {
        files: files.to_vec(),
        builtin: true,
    };
    match Engine::load(&options) {
        Ok(engine) => {
            let config = engine.config();
            let warnings = crate::rules::lint::lint(config);
            for warning in &warnings {
                eprintln!("warning: {warning}");
            }
            if strict && !warnings.is_empty() {
                eprintln!(
                    "cloudtrail-alerts: {} warning{} (--strict makes them errors)",
                    warnings.len(),
                    if warnings.len() == 1 { "" } else { "s" }
                );
                return EXIT_USAGE;
            }
            let checked = if files.is_empty() {
                "built-in pack".to_string()
            } else {
                files
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let line = format!(
                "{checked}: OK ({} rules, {} enabled)",
                config.rules.len(),
                config.rules.iter().filter(|r| r.enabled).count()
            );
            print_line(&line, EXIT_OK)
        }
        Err(err) => {
            for problem in &err.problems {
                eprintln!("{problem}");
            }
            eprintln!(
                "cloudtrail-alerts: {} problem{} found",
                err.problems.len(),
                if err.problems.len() == 1 { "" } else { "s" }
            );
            EXIT_USAGE
        }
    }
}
