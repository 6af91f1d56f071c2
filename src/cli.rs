//! The `cloudtrail-alerts` command line: argument definitions and one
//! module a command. The binary only parses and exits with [`run`]'s code.

mod evaluate;
mod list_rules;
mod preview;
mod test_pattern;
mod validate;
mod walk;

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::engine::Engine;
use crate::render;
use crate::rules::LoadOptions;
use crate::severity::Severity;

/// Every input was read and evaluated.
pub const EXIT_OK: u8 = 0;
/// Some input could not be read; the rest was still evaluated.
pub const EXIT_INPUT: u8 = 1;
/// Usage error or invalid rules: nothing was evaluated.
pub const EXIT_USAGE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "cloudtrail-alerts",
    version,
    about = "Alert on AWS CloudTrail events with rules written as EventBridge event patterns.",
    long_about = "Alert on AWS CloudTrail events with rules written as EventBridge event patterns.\n\n\
        Events can be EventBridge events, bare CloudTrail records, CloudTrail log files as \
        delivered to S3 ({\"Records\": [...]}, also .json.gz), or newline-delimited JSON of any \
        of these. The built-in rule pack (CIS AWS Foundations monitoring controls and more) is \
        always on unless --no-builtin is given; add or tune rules with --rules FILE.",
    after_help = "Examples:\n  \
        cloudtrail-alerts evaluate events/*.json\n  \
        cloudtrail-alerts evaluate --rules my-rules.yaml 111122223333_CloudTrail_us-east-1_*.json.gz\n  \
        cloudtrail-alerts render events/root-console-login.json\n  \
        cloudtrail-alerts test-event-pattern --event-pattern file://pattern.json --event file://events/vpc-create.json\n  \
        cloudtrail-alerts validate my-rules.yaml\n  \
        cloudtrail-alerts rules --rules my-rules.yaml"
)]
pub struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(clap::Args)]
pub(crate) struct RuleArgs {
    /// A rule/config file (YAML or JSON) to load after the built-in pack; repeatable.
    #[arg(long = "rules", value_name = "FILE")]
    rules: Vec<PathBuf>,
    /// Do not load the built-in rule pack.
    #[arg(long)]
    no_builtin: bool,
}

impl RuleArgs {
    fn options(&self) -> LoadOptions {
        LoadOptions {
            files: self.rules.clone(),
            builtin: !self.no_builtin,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    /// One JSON object per alert (the default when stdout is not a terminal).
    Json,
    /// One readable, coloured line per alert (the default on a terminal).
    Text,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Evaluate events and print one line per alert.
    ///
    /// Reads each INPUT (a file, a .gz file, or - for standard input; standard
    /// input when none is given). A file or record that cannot be read is
    /// reported on stderr with its file and record number and the run goes on;
    /// the exit code is then 1.
    Evaluate {
        #[command(flatten)]
        rules: RuleArgs,
        /// Output format [default: text on a terminal, json otherwise].
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// Also report matches silenced by an `exclude` pattern (on stderr).
        #[arg(long)]
        show_suppressed: bool,
        /// Only print alerts of this severity or above (info, low, medium, high, critical).
        #[arg(long, value_name = "SEVERITY")]
        min_severity: Option<Severity>,
        /// Only print alerts of this rule id; repeatable.
        #[arg(long = "rule", value_name = "ID")]
        only_rules: Vec<String>,
        /// Print a one-line count of files, events and alerts on stderr
        /// (always done when stderr is a terminal).
        #[arg(long)]
        summary: bool,
        /// Event files (.json, .json.gz, NDJSON, lookup-events output) or
        /// directories, read recursively; none or - reads standard input.
        #[arg(value_name = "INPUT")]
        inputs: Vec<PathBuf>,
    },
    /// Print, one JSON line per alert and destination, the exact SNS Publish
    /// request the Lambda function would send.
    ///
    /// Routing is the function's: ALERT_TOPIC_ARN, ALERT_MIN_SEVERITY,
    /// SMS_TOPIC_ARN, SMS_MIN_SEVERITY and EXTRA_DESTINATIONS are read from the
    /// environment and checked as the function checks them; the options below
    /// take precedence over the variable they name.
    Render {
        #[command(flatten)]
        rules: RuleArgs,
        /// Topic ARN of the main destination (ALERT_TOPIC_ARN) [default:
        /// arn:aws:sns:us-east-1:111122223333:cloudtrail-alerts].
        #[arg(long, value_name = "ARN")]
        topic_arn: Option<String>,
        /// Least severity sent to the main topic (ALERT_MIN_SEVERITY) [default: info].
        #[arg(long, value_name = "SEVERITY")]
        min_severity: Option<Severity>,
        /// Topic ARN of an SMS destination, if any (SMS_TOPIC_ARN).
        #[arg(long, value_name = "ARN")]
        sms_topic_arn: Option<String>,
        /// Least severity sent to the SMS topic (SMS_MIN_SEVERITY) [default: critical].
        #[arg(long, value_name = "SEVERITY")]
        sms_min_severity: Option<Severity>,
        /// Print a one-line count of files, events and alerts on stderr
        /// (always done when stderr is a terminal).
        #[arg(long)]
        summary: bool,
        /// Event files (.json, .json.gz, NDJSON, lookup-events output) or
        /// directories, read recursively; none or - reads standard input.
        #[arg(value_name = "INPUT")]
        inputs: Vec<PathBuf>,
    },
    /// Test an event pattern against an event, offline: the twin of
    /// `aws events test-event-pattern`.
    ///
    /// Prints {"Result": true} or {"Result": false}. An invalid pattern exits
    /// with 2 and "Event pattern is not valid. Reason: ..." on stderr.
    TestEventPattern {
        /// The pattern as JSON text, or file://PATH.
        #[arg(long, value_name = "JSON|file://PATH")]
        event_pattern: String,
        /// The event as JSON text, or file://PATH.
        #[arg(long, value_name = "JSON|file://PATH")]
        event: String,
    },
    /// Validate rule/config files: report every error with file, line and
    /// rule id; exit 2 if there is any. With no FILE, validates the built-in pack.
    Validate {
        /// Treat warnings (patterns that can never match a CloudTrail event) as errors.
        #[arg(long)]
        strict: bool,
        /// Rule/config files, checked together with the built-in pack.
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// List the active rules: id, severity, title and the file each comes from.
    Rules {
        #[command(flatten)]
        rules: RuleArgs,
        /// Also list disabled rules.
        #[arg(long)]
        all: bool,
    },
}

/// Run one parsed command line; the exit code.
pub fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Evaluate {
            rules,
            format,
            show_suppressed,
            min_severity,
            only_rules,
            summary,
            inputs,
        } => {
            let several = inputs.len() > 1 || inputs.iter().any(|p| p.is_dir());
            let keep = |alert: &crate::alert::Alert| {
                min_severity.is_none_or(|min| alert.rule.severity >= min)
                    && (only_rules.is_empty() || only_rules.contains(&alert.rule.id))
            };
            let format = format.unwrap_or(if io::stdout().is_terminal() {
                Format::Text
            } else {
                Format::Json
            });
            let color = use_color();
            with_engine(&rules, |engine| {
                if let Some(unknown) = unknown_rule(engine, &only_rules) {
                    eprintln!(
                        "cloudtrail-alerts: --rule {unknown}: no enabled rule has this id \
                         (see `cloudtrail-alerts rules`)"
                    );
                    return EXIT_USAGE;
                }
                let (id_width, title_width) = column_widths(engine);
                evaluate::evaluate(engine, &inputs, summary, &keep, |out, evaluation, doc| {
                    if show_suppressed {
                        for s in &evaluation.suppressed {
                            eprintln!(
                                "{}: record {}: {} suppressed by exclude[{}]",
                                doc.position.source,
                                doc.position.record,
                                s.rule_id,
                                s.exclude_index
                            );
                        }
                    }
                    for alert in evaluation.alerts.iter().filter(|a| keep(a)) {
                        let text = || render::text_columns(alert, color, id_width, title_width);
                        match format {
                            Format::Json => writeln!(out, "{}", alert_json(alert, doc))?,
                            Format::Text if several => writeln!(
                                out,
                                "{}  {}: record {}",
                                text(),
                                doc.position.source,
                                doc.position.record
                            )?,
                            Format::Text => writeln!(out, "{}", text())?,
                        }
                    }
                    Ok(())
                })
            })
        }
        Command::Render {
            rules,
            topic_arn,
            min_severity,
            sms_topic_arn,
            sms_min_severity,
            summary,
            inputs,
        } => {
            let flags = [
                ("ALERT_TOPIC_ARN", topic_arn),
                (
                    "ALERT_MIN_SEVERITY",
                    min_severity.map(|s| s.as_str().to_string()),
                ),
                ("SMS_TOPIC_ARN", sms_topic_arn),
                (
                    "SMS_MIN_SEVERITY",
                    sms_min_severity.map(|s| s.as_str().to_string()),
                ),
            ];
            match preview::render_router(flags) {
                Ok(router) => with_engine(&rules, |engine| {
                    evaluate::evaluate(engine, &inputs, summary, &|_| true, |out, evaluation, _| {
                        for alert in &evaluation.alerts {
                            for request in router.publish_requests(alert) {
                                let line =
                                    serde_json::to_string(&request).map_err(io::Error::other)?;
                                writeln!(out, "{line}")?;
                            }
                        }
                        Ok(())
                    })
                }),
                Err(message) => {
                    eprintln!("cloudtrail-alerts: {message}");
                    EXIT_USAGE
                }
            }
        }
        Command::TestEventPattern {
            event_pattern,
            event,
        } => test_pattern::test_pattern(&event_pattern, &event),
        Command::Validate { strict, files } => validate::validate(&files, strict),
        Command::Rules { rules, all } => list_rules::list_rules(&rules, all),
    }
}

/// An alert as `evaluate --format json` prints it: the summary plus where
/// the event came from (`source_file`, and `record`, its number in the file).
fn alert_json(alert: &crate::alert::Alert, doc: &crate::input::Document) -> String {
    let mut value = render::summary_json(alert);
    if let Some(obj) = value.as_object_mut() {
        obj.insert("source_file".into(), doc.position.source.clone().into());
        obj.insert("record".into(), doc.position.record.into());
    }
    render::sanitize::escape_json_output(value.to_string())
}

/// The first `--rule` id that names no enabled rule, a typo to refuse
/// rather than print nothing.
fn unknown_rule<'a>(engine: &Engine, ids: &'a [String]) -> Option<&'a str> {
    ids.iter()
        .find(|id| {
            !engine
                .config()
                .rules
                .iter()
                .any(|r| r.enabled && &r.id == *id)
        })
        .map(String::as_str)
}

/// Widths of the rule id and title columns of text output: the longest of
/// the enabled rules, so every line of a run lines up.
fn column_widths(engine: &Engine) -> (usize, usize) {
    let enabled = || engine.config().rules.iter().filter(|r| r.enabled);
    let id = enabled().map(|r| r.id.chars().count()).max().unwrap_or(0);
    let title = enabled()
        .map(|r| r.title.chars().count().min(120))
        .max()
        .unwrap_or(0);
    (id, title)
}

/// Colour only for a person at a terminal: `--format text > report.txt` or
/// `| grep` must not get escape codes. `NO_COLOR` turns it off everywhere.
pub(crate) fn use_color() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub(crate) fn with_engine(args: &RuleArgs, run: impl FnOnce(&Engine) -> u8) -> u8 {
    match Engine::load(&args.options()) {
        Ok(engine) => run(&engine),
        Err(err) => {
            eprintln!("cloudtrail-alerts: {err}");
            EXIT_USAGE
        }
    }
}

/// A closed pipe (`| head`) is a normal way to stop reading; anything else is an error.
pub(crate) fn stdout_failed(err: &io::Error) -> u8 {
    if err.kind() == io::ErrorKind::BrokenPipe {
        EXIT_OK
    } else {
        eprintln!("cloudtrail-alerts: writing output: {err}");
        EXIT_INPUT
    }
}

/// Print one line and exit with `code`; `println!` would panic on a closed pipe.
pub(crate) fn print_line(line: &dyn std::fmt::Display, code: u8) -> u8 {
    match writeln!(io::stdout().lock(), "{line}") {
        Ok(()) => code,
        Err(err) => stdout_failed(&err),
    }
}
