//! `rules`: list the loaded rules and where each comes from.

use std::io::{self, BufWriter, Write};

use super::{EXIT_OK, EXIT_USAGE, RuleArgs, stdout_failed};
use crate::rules;

pub(crate) fn list_rules(args: &RuleArgs, all: bool) -> u8 {
    let config = match rules::load(&args.options()) {
        Ok(config) => config,
        Err(errors) => {
            for err in &errors {
                eprintln!("{err}");
            }
            return EXIT_USAGE;
        }
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let width = config.rules.iter().map(|r| r.id.len()).max().unwrap_or(2);
    let mut write = || -> io::Result<()> {
        for rule in config.rules.iter().filter(|r| all || r.enabled) {
            writeln!(
                out,
                "{:width$}  {:8}  {}  ({}:{}){}",
                rule.id,
                rule.severity.as_str(),
                rule.title,
                rule.origin.file,
                rule.origin.line,
                if rule.enabled { "" } else { "  [disabled]" },
            )?;
        }
        out.flush()
    };
    match write() {
        Ok(()) => EXIT_OK,
        Err(err) => stdout_failed(&err),
    }
}
