//! The commands that only read rules or one pattern: `test-event-pattern`,
//! `validate`, `prefilter`, `test` and `rules`. `evaluate`, `render` and
//! `replay` stream events and stay with the input handling in the binary.

use super::*;

/// Print one line and exit with `code`; `println!` would panic on a closed pipe.
pub(super) fn print_line(line: &dyn std::fmt::Display, code: u8) -> u8 {
    match writeln!(io::stdout().lock(), "{line}") {
        Ok(()) => code,
        Err(err) => stdout_failed(&err),
    }
}

pub(super) fn test_pattern(pattern: &str, event: &str) -> u8 {
    use cli::test_pattern::{event_reason, looks_like_yaml, read_argument};
    let (pattern, event) = match (
        read_argument(pattern, "--event-pattern"),
        read_argument(event, "--event"),
    ) {
        (Ok(p), Ok(e)) => (p, e),
        (Err(err), _) | (_, Err(err)) => {
            eprintln!("cloudtrail-alerts: {err}");
            return EXIT_USAGE;
        }
    };
    match test_event_pattern(&pattern, &event) {
        Ok(result) => print_line(&serde_json::json!({ "Result": result }), EXIT_OK),
        Err(err @ TestPatternError::InvalidPattern(_)) => {
            eprintln!("{err}");
            if looks_like_yaml(&pattern) {
                eprintln!("cloudtrail-alerts: patterns are JSON here; rule files take YAML");
            }
            EXIT_USAGE
        }
        Err(err @ TestPatternError::InvalidEvent) => {
            eprintln!("{err} Reason: {}", event_reason(&event));
            EXIT_USAGE
        }
    }
}

pub(super) fn validate(files: &[PathBuf], strict: bool) -> u8 {
    let options = LoadOptions {
        files: files.to_vec(),
        builtin: true.into(),
    };
    match Engine::load(&options) {
        Ok(engine) => {
            let config = engine.config();
            let checked = if files.is_empty() {
                "built-in pack".to_string()
            } else {
                files
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let warnings = match cli::validate_warnings(config) {
                Ok(warnings) => warnings,
                Err(errors) => return report_rule_errors(&errors),
            };
            for warning in &warnings {
                eprintln!("{warning}");
            }
            if strict && !warnings.is_empty() {
                eprintln!(
                    "cloudtrail-alerts: {} warning{} (--strict)",
                    warnings.len(),
                    if warnings.len() == 1 { "" } else { "s" }
                );
                return EXIT_USAGE;
            }
            let line = format!(
                "{checked}: OK ({} rules, {} enabled{})",
                config.rules.len(),
                config.rules.iter().filter(|r| r.enabled).count(),
                match warnings.len() {
                    0 => String::new(),
                    1 => ", 1 warning".to_string(),
                    n => format!(", {n} warnings"),
                }
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

pub(super) fn report_rule_errors(errors: &[rules::RuleFileError]) -> u8 {
    for err in errors {
        eprintln!("{err}");
    }
    EXIT_USAGE
}

pub(super) fn prefilter(args: &RuleArgs) -> u8 {
    let config = match rules::load(&args.options()) {
        Ok(config) => config,
        Err(errors) => return report_rule_errors(&errors),
    };
    let report = cli::prefilter_report(&config);
    for note in &report.notes {
        eprintln!("{note}");
    }
    let text = serde_json::to_string_pretty(&report.pattern).unwrap_or_default();
    let code = if report.too_large() {
        eprintln!(
            "cloudtrail-alerts: the pattern is {} characters, over EventBridge's limit of {} \
             (raise the \"Event pattern size\" quota, or name fewer read-only calls)",
            report.size(),
            cloudtrail_alerts::prefilter::PATTERN_SIZE_LIMIT
        );
        EXIT_INPUT
    } else {
        EXIT_OK
    };
    print_line(&text, code)
}

pub(super) fn run_tests(args: &RuleArgs, fixtures: Option<PathBuf>) -> u8 {
    let fixtures = match fixtures {
        Some(dir) if !dir.is_dir() => {
            eprintln!(
                "cloudtrail-alerts: --fixtures {}: not a directory",
                dir.display()
            );
            return EXIT_USAGE;
        }
        Some(dir) => Some(dir),
        None => Some(PathBuf::from("tests/fixtures")).filter(|d| d.is_dir()),
    };
    with_engine(args, |engine| {
        let config = engine.config();
        let builtin = config
            .rules
            .iter()
            .any(|r| rules::is_builtin_file(&r.origin.file));
        if builtin && fixtures.is_none() {
            eprintln!(
                "cloudtrail-alerts: no tests/fixtures here: the built-in rules' fixtures are not run \
                 (run from a source checkout or pass --fixtures DIR)"
            );
        }
        let cases = rule_test::cases(config, fixtures.as_deref());
        let outcomes: Vec<_> = cases.iter().map(|c| rule_test::run(engine, c)).collect();
        let failed = outcomes.iter().filter(|o| !o.passed).count();
        let stdout = io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        let w = |f: fn(&rule_test::Outcome) -> usize, min: usize| {
            outcomes.iter().map(f).max().unwrap_or(0).max(min)
        };
        let (rw, tw, ew) = (
            w(|o| o.rule_id.len(), 4),
            w(|o| o.test.len(), 4),
            w(|o| o.expected.len(), 8),
        );
        let mut write = || -> io::Result<()> {
            writeln!(
                out,
                "{:6}{:rw$}  {:tw$}  {:ew$}  GOT",
                "", "RULE", "TEST", "EXPECTED"
            )?;
            for o in &outcomes {
                let mark = if o.passed { "PASS" } else { "FAIL" };
                writeln!(
                    out,
                    "{mark:6}{:rw$}  {:tw$}  {:ew$}  {}",
                    o.rule_id, o.test, o.expected, o.got
                )?;
            }
            writeln!(
                out,
                "{} tests: {} passed, {failed} failed",
                outcomes.len(),
                outcomes.len() - failed
            )?;
            out.flush()
        };
        match write() {
            Ok(()) if failed > 0 => EXIT_INPUT,
            Ok(()) => EXIT_OK,
            Err(err) => stdout_failed(&err),
        }
    })
}

pub(super) fn rules_markdown(args: &RuleArgs) -> u8 {
    match rules::load(&args.options()) {
        Ok(config) => {
            let text = format!(
                "{}\n{}\n{}",
                cli::TABLES_BEGIN,
                cli::rules_markdown(&config),
                cli::TABLES_END
            );
            print_line(&text, EXIT_OK)
        }
        Err(errors) => report_rule_errors(&errors),
    }
}

pub(super) fn list_rules(args: &RuleArgs, all: bool, json: bool) -> u8 {
    let config = match rules::load(&args.options()) {
        Ok(config) => config,
        Err(errors) => return report_rule_errors(&errors),
    };
    let text = if json {
        cloudtrail_alerts::rule_list::json_lines(&config, all)
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        cloudtrail_alerts::rule_list::text(&config, all)
    };
    print_line(&text, EXIT_OK)
}
