//! `cloudtrail-alerts`: evaluate CloudTrail events against alert rules on your
//! own machine, preview the exact SNS messages, test event patterns offline
//! and validate rule files.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[path = "cli/replay.rs"]
mod replay;

use cloudtrail_alerts::config::{ROUTING_VARIABLES, routing_from_vars};
use cloudtrail_alerts::engine::Engine;
use cloudtrail_alerts::input::{self, Document, InputError};
use cloudtrail_alerts::pattern::{TestPatternError, test_event_pattern};
use cloudtrail_alerts::render;
use cloudtrail_alerts::routing::Router;
use cloudtrail_alerts::rules::{self, LoadOptions};
use cloudtrail_alerts::severity::Severity;
use cloudtrail_alerts::source;

/// Every input was read and evaluated.
const EXIT_OK: u8 = 0;
/// Some input could not be read; the rest was still evaluated.
const EXIT_INPUT: u8 = 1;
/// Usage error or invalid rules: nothing was evaluated.
const EXIT_USAGE: u8 = 2;

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
        cloudtrail-alerts replay --since 7d --report html report.html ./AWSLogs\n  \
        cloudtrail-alerts render events/root-console-login.json\n  \
        cloudtrail-alerts test-event-pattern --event-pattern file://pattern.json --event file://events/vpc-create.json\n  \
        cloudtrail-alerts validate my-rules.yaml\n  \
        cloudtrail-alerts rules --rules my-rules.yaml"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct RuleArgs {
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
enum Format {
    /// One JSON object per alert (the default when stdout is not a terminal).
    Json,
    /// One readable, coloured line per alert (the default on a terminal).
    Text,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate events and print one line per alert.
    ///
    /// Reads each INPUT (a file, a .gz file, a directory tree, or - for standard input; standard
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
        /// Event files or directories to read (.json, .json.gz, NDJSON; a directory's
        /// event files, CloudTrail-Digest skipped); none or - reads standard input.
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
        /// Event files to read (.json, .json.gz, NDJSON); none or - reads standard input.
        #[arg(value_name = "INPUT")]
        inputs: Vec<PathBuf>,
    },
    /// Replay a CloudTrail archive (directory trees or s3://BUCKET/PREFIX)
    /// against the rules, on every core, and report what would have been sent.
    ///
    /// Prints a report: per rule, matches, alerts sent per destination, per-day
    /// counts and top principals, source IPs and accounts. Exit 1 when a source,
    /// file or record was skipped (each is reported on stderr), 2 on a usage error.
    Replay(replay::ReplayArgs),
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Evaluate {
            rules,
            format,
            show_suppressed,
            inputs,
        } => {
            let format = format.unwrap_or(if io::stdout().is_terminal() {
                Format::Text
            } else {
                Format::Json
            });
            let color = use_color();
            with_engine(&rules, |engine| {
                evaluate(engine, &inputs, |out, evaluation, doc| {
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
                    for alert in &evaluation.alerts {
                        match format {
                            Format::Json => writeln!(out, "{}", render::summary_line(alert))?,
                            Format::Text => writeln!(out, "{}", render::text_line(alert, color))?,
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
            match render_router(flags) {
                Ok(router) => with_engine(&rules, |engine| {
                    evaluate(engine, &inputs, |out, evaluation, _| {
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
        Command::Replay(args) => replay::run(args),
        Command::TestEventPattern {
            event_pattern,
            event,
        } => test_pattern(&event_pattern, &event),
        Command::Validate { files } => validate(&files),
        Command::Rules { rules, all } => list_rules(&rules, all),
    };
    ExitCode::from(code)
}

/// The main topic `render` uses when neither `--topic-arn` nor ALERT_TOPIC_ARN names one.
const PREVIEW_TOPIC_ARN: &str = "arn:aws:sns:us-east-1:111122223333:cloudtrail-alerts";

/// The function's routing, from its environment variables with `flags`
/// (variable, value given on the command line) taking precedence.
fn render_router<const N: usize>(flags: [(&str, Option<String>); N]) -> Result<Router, String> {
    let mut vars: Vec<(String, String)> = ROUTING_VARIABLES
        .iter()
        .filter_map(|name| Some((name.to_string(), std::env::var(name).ok()?)))
        .collect();
    for (name, value) in flags {
        if let Some(value) = value {
            vars.retain(|(k, _)| k != name);
            vars.push((name.to_string(), value));
        }
    }
    if !vars
        .iter()
        .any(|(k, v)| k == "ALERT_TOPIC_ARN" && !v.trim().is_empty())
    {
        vars.retain(|(k, _)| k != "ALERT_TOPIC_ARN");
        vars.push(("ALERT_TOPIC_ARN".to_string(), PREVIEW_TOPIC_ARN.to_string()));
    }
    routing_from_vars(vars).map_err(|e| e.to_string())
}

/// Colour only for a person at a terminal: `--format text > report.txt` or
/// `| grep` must not get escape codes. `NO_COLOR` turns it off everywhere.
fn use_color() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn with_engine(args: &RuleArgs, run: impl FnOnce(&Engine) -> u8) -> u8 {
    match Engine::load(&args.options()) {
        Ok(engine) => run(&engine),
        Err(err) => {
            eprintln!("cloudtrail-alerts: {err}");
            EXIT_USAGE
        }
    }
}

type Emit<'a> = dyn FnMut(&mut dyn Write, &cloudtrail_alerts::engine::Evaluation, &Document) -> io::Result<()>
    + 'a;

/// Read every input, evaluate every event, and hand the results to `emit`.
/// Errors in one file or record are reported and the run goes on.
fn evaluate(
    engine: &Engine,
    inputs: &[PathBuf],
    mut emit: impl FnMut(
        &mut dyn Write,
        &cloudtrail_alerts::engine::Evaluation,
        &Document,
    ) -> io::Result<()>,
) -> u8 {
    let stdin_only = [PathBuf::from("-")];
    let inputs = if inputs.is_empty() {
        &stdin_only[..]
    } else {
        inputs
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut failed = false;
    let emit: &mut Emit<'_> = &mut emit;
    for path in expand_directories(inputs, &mut failed) {
        let path = &path;
        let documents = match input::open(path) {
            Ok(documents) => documents,
            Err(err) => {
                report(&err);
                failed = true;
                continue;
            }
        };
        let mut documents = documents;
        // Splitting and scanning in one pass halves the work per byte.
        while let Some(scanned) = documents.next_scanned(engine.paths()) {
            let (document, view) = match scanned {
                Ok(scanned) => (scanned.document, scanned.view),
                Err(err) => {
                    report(&err);
                    failed = true;
                    continue;
                }
            };
            match engine.evaluate_view(&document.bytes, &view) {
                Ok(evaluation) => {
                    if let Err(err) = emit(&mut out, &evaluation, &document) {
                        return stdout_failed(&err);
                    }
                }
                Err(err) => {
                    eprintln!(
                        "cloudtrail-alerts: {}: record {} (line {}): {err}",
                        document.position.source, document.position.record, document.position.line
                    );
                    failed = true;
                }
            }
        }
    }
    if let Err(err) = out.flush() {
        return stdout_failed(&err);
    }
    if failed { EXIT_INPUT } else { EXIT_OK }
}

/// Directories become the event files below them, in a stable order
/// (digests and hidden files skipped); other inputs stay as given.
fn expand_directories(inputs: &[PathBuf], failed: &mut bool) -> Vec<PathBuf> {
    let mut files = Vec::with_capacity(inputs.len());
    for path in inputs {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let (items, problems) = source::local::walk(path, &source::Filter::default());
        for problem in problems {
            eprintln!("cloudtrail-alerts: {problem}");
            *failed = true;
        }
        files.extend(items.into_iter().filter_map(|i| match i.location {
            source::Location::File(p) => Some(p),
            source::Location::S3 { .. } => None,
        }));
    }
    files
}

fn report(err: &InputError) {
    eprintln!("cloudtrail-alerts: {err}");
}

/// A closed pipe (`| head`) is a normal way to stop reading; anything else is an error.
fn stdout_failed(err: &io::Error) -> u8 {
    if err.kind() == io::ErrorKind::BrokenPipe {
        EXIT_OK
    } else {
        eprintln!("cloudtrail-alerts: writing output: {err}");
        EXIT_INPUT
    }
}

/// Print one line and exit with `code`; `println!` would panic on a closed pipe.
fn print_line(line: &dyn std::fmt::Display, code: u8) -> u8 {
    match writeln!(io::stdout().lock(), "{line}") {
        Ok(()) => code,
        Err(err) => stdout_failed(&err),
    }
}

/// `--event-pattern` and `--event` take JSON text or `file://PATH`, as the AWS CLI does.
fn read_argument(value: &str, what: &str) -> Result<String, String> {
    match value.strip_prefix("file://") {
        Some(path) => std::fs::read_to_string(Path::new(path))
            .map_err(|err| format!("cannot read {what} file {path}: {err}")),
        None => Ok(value.to_string()),
    }
}

fn test_pattern(pattern: &str, event: &str) -> u8 {
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
        Err(err @ TestPatternError::InvalidPattern(_))
        | Err(err @ TestPatternError::InvalidEvent) => {
            eprintln!("{err}");
            EXIT_USAGE
        }
    }
}

fn validate(files: &[PathBuf]) -> u8 {
    let options = LoadOptions {
        files: files.to_vec(),
        builtin: true,
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

fn list_rules(args: &RuleArgs, all: bool) -> u8 {
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
