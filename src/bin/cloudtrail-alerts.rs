//! `cloudtrail-alerts`: evaluate CloudTrail events against alert rules on your
//! own machine, preview the exact SNS messages, test event patterns offline
//! and validate rule files.

use std::cell::RefCell;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use cloudtrail_alerts::cli;
#[path = "cli/replay.rs"]
mod replay;

use cloudtrail_alerts::config::{ROUTING_VARIABLES, routing_from_vars};
use cloudtrail_alerts::decide::{self, Delivery, Digest, Policy};
use cloudtrail_alerts::engine::{Engine, Evaluation};
use cloudtrail_alerts::input::{self, Document, InputError};
use cloudtrail_alerts::pattern::{TestPatternError, test_event_pattern};
use cloudtrail_alerts::render::{self, digest};
use cloudtrail_alerts::routing::Router;
use cloudtrail_alerts::rule_test;
use cloudtrail_alerts::rules::{self, LoadOptions};
use cloudtrail_alerts::severity::Severity;
use cloudtrail_alerts::source;
use cloudtrail_alerts::state::replay::Replay;

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
    /// Do not load the built-in rule pack (same as --builtin none).
    #[arg(long, conflicts_with = "builtin")]
    no_builtin: bool,
    /// Built-in rules to turn on: default (the rules on by default), all,
    /// none, or a comma-separated list of rule ids and tags, e.g.
    /// default,credential-access [default: default].
    #[arg(long, value_name = "SELECTION")]
    builtin: Option<rules::BuiltinSelection>,
}

impl RuleArgs {
    fn options(&self) -> LoadOptions {
        LoadOptions {
            files: self.rules.clone(),
            builtin: if self.no_builtin {
                rules::BuiltinSelection::None
            } else {
                self.builtin.clone().unwrap_or_default()
            },
        }
    }
}

#[derive(clap::Args)]
struct LimitArgs {
    /// Largest event read; a larger one is reported and skipped (bytes, or
    /// with K, M or G).
    #[arg(long, value_name = "SIZE", default_value = "4M", value_parser = parse_size)]
    max_event_size: u64,
    /// Most bytes one gzip input may decompress to; past it the rest of that
    /// input is reported as unreadable (bytes, or with K, M or G).
    #[arg(long, value_name = "SIZE", default_value = "4G", value_parser = parse_size)]
    max_input_size: u64,
}

impl LimitArgs {
    fn limits(&self) -> input::Limits {
        input::Limits {
            max_document: usize::try_from(self.max_event_size).unwrap_or(usize::MAX),
            max_decompressed: self.max_input_size,
        }
    }
}

/// `123`, `64K`, `4M`, `2G` (powers of 1024).
fn parse_size(text: &str) -> Result<u64, String> {
    let (digits, shift) = match text.as_bytes().last() {
        Some(b'K' | b'k') => (&text[..text.len() - 1], 10),
        Some(b'M' | b'm') => (&text[..text.len() - 1], 20),
        Some(b'G' | b'g') => (&text[..text.len() - 1], 30),
        _ => (text, 0),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a size (bytes, or a number with K, M or G)"))?;
    n.checked_mul(1 << shift)
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("{text:?} is out of range"))
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// One JSON object per alert (the default when stdout is not a terminal).
    Json,
    /// One readable, coloured line per alert (the default on a terminal).
    Text,
}

#[derive(Clone, Copy, ValueEnum)]
enum RulesFormat {
    Text,
    Markdown,
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
        /// Show every raw match: no dedup, thresholds or shadow mode (by
        /// default they apply on event time, as in the function, and each
        /// line says its `delivery`).
        #[arg(long)]
        no_state: bool,
        #[command(flatten)]
        limits: LimitArgs,
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
        /// Every match as its own message: no dedup, thresholds, shadow mode or digests.
        #[arg(long)]
        no_state: bool,
        #[command(flatten)]
        limits: LimitArgs,
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
        /// Treat warnings (a rule the deployed pre-filter hides, a rule
        /// without `source`) as errors: exit 2.
        #[arg(long)]
        strict: bool,
    },
    /// Print the EventBridge pre-filter pattern (JSON) that passes every event
    /// the rules can match, for the EventsRule of template.yaml.
    ///
    /// Successful read-only calls are dropped except those some rule names
    /// (eventSource and eventName); rules that match read-only calls they do
    /// not name are reported on stderr. Exits 1 if the pattern is larger than
    /// EventBridge's 2048-character limit.
    Prefilter {
        #[command(flatten)]
        rules: RuleArgs,
    },
    /// Run the tests of every active rule and print a pass/fail table.
    ///
    /// A rule's tests are its `tests:` (events inline or in files next to the
    /// rule file); the built-in rules' are their fixtures,
    /// FIXTURES/<rule-id>/match/*.json (must alert) and no-match/*.json (must
    /// not), read from a source checkout. Exits 1 if any test fails.
    Test {
        #[command(flatten)]
        rules: RuleArgs,
        /// The built-in rules' fixture directory [default: tests/fixtures, if
        /// it exists; without it the built-in rules are not tested].
        #[arg(long, value_name = "DIR")]
        fixtures: Option<PathBuf>,
    },
    /// List the active rules: id, severity, title and the file each comes from.
    Rules {
        #[command(flatten)]
        rules: RuleArgs,
        /// Also list disabled rules.
        #[arg(long)]
        all: bool,
        /// `markdown`: the built-in rules' tables as README.md and docs/rules.md show them.
        #[arg(long, value_enum, default_value = "text")]
        format: RulesFormat,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Evaluate {
            rules,
            format,
            show_suppressed,
            no_state,
            limits,
            inputs,
        } => {
            let format = format.unwrap_or(if io::stdout().is_terminal() {
                Format::Text
            } else {
                Format::Json
            });
            let color = use_color();
            let replay = RefCell::new((!no_state).then(Replay::new));
            let print_digest = |out: &mut dyn Write, d: &Digest| match format {
                Format::Json => writeln!(out, "{}", digest::json(d)),
                Format::Text => writeln!(out, "{}", digest::text_line(d)),
            };
            with_engine(&rules, |engine| {
                let emit = |out: &mut dyn Write, evaluation: &Evaluation, doc: &Document| {
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
                        let mut replay = replay.borrow_mut();
                        let Some(replay) = replay.as_mut() else {
                            match format {
                                Format::Json => writeln!(out, "{}", render::summary_line(alert))?,
                                Format::Text => {
                                    writeln!(out, "{}", render::text_line(alert, color))?
                                }
                            }
                            continue;
                        };
                        let (digests, recorded) = replay.record(&policy_of(engine, alert), alert);
                        for d in &digests {
                            print_digest(out, d)?;
                        }
                        let threshold = recorded.threshold.as_ref().map(|t| t.tally.count);
                        match format {
                            Format::Json => writeln!(
                                out,
                                "{}",
                                digest::delivery_line(alert, recorded.delivery, threshold)
                            )?,
                            Format::Text => writeln!(
                                out,
                                "{} [{}]",
                                render::text_line(alert, color),
                                recorded.delivery.as_str()
                            )?,
                        }
                    }
                    Ok(())
                };
                let finish = |out: &mut dyn Write| {
                    if let Some(replay) = replay.borrow_mut().as_mut() {
                        for d in replay.finish() {
                            print_digest(out, &d)?;
                        }
                    }
                    Ok(())
                };
                evaluate(engine, &inputs, limits.limits(), emit, finish)
            })
        }
        Command::Render {
            rules,
            topic_arn,
            min_severity,
            sms_topic_arn,
            sms_min_severity,
            no_state,
            limits,
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
                    render_requests(engine, &router, &inputs, limits.limits(), no_state)
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
        Command::Validate { files, strict } => validate(&files, strict),
        Command::Prefilter { rules } => prefilter(&rules),
        Command::Test { rules, fixtures } => run_tests(&rules, fixtures),
        Command::Rules {
            rules,
            all: _,
            format: RulesFormat::Markdown,
        } => rules_markdown(&rules),
        Command::Rules { rules, all, .. } => list_rules(&rules, all),
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
/// The delivery settings of the rule that raised `alert`.
fn policy_of(engine: &Engine, alert: &cloudtrail_alerts::alert::Alert) -> Policy {
    engine
        .config()
        .rules
        .iter()
        .find(|r| r.id == alert.rule.id)
        .map(|r| r.delivery.clone())
        .unwrap_or_default()
}

/// `render`: the Publish requests the function would send, digests
/// included (unless `no_state`), one JSON line each.
fn render_requests(
    engine: &Engine,
    router: &Router,
    inputs: &[PathBuf],
    limits: input::Limits,
    no_state: bool,
) -> u8 {
    let replay = RefCell::new((!no_state).then(Replay::new));
    let print = |out: &mut dyn Write, request: &render::PublishRequest| -> io::Result<()> {
        let line = serde_json::to_string(request).map_err(io::Error::other)?;
        writeln!(out, "{line}")
    };
    let digest_requests = |out: &mut dyn Write, d: &Digest| -> io::Result<()> {
        for dest in router
            .destinations()
            .iter()
            .filter(|x| x.min_severity <= d.subject.severity)
        {
            print(out, &digest::request(d, &dest.name, &dest.topic_arn))?;
        }
        Ok(())
    };
    let emit = |out: &mut dyn Write, evaluation: &Evaluation, _: &Document| {
        for alert in &evaluation.alerts {
            let policy = policy_of(engine, alert);
            if let Some(replay) = replay.borrow_mut().as_mut() {
                let (digests, recorded) = replay.record(&policy, alert);
                for d in &digests {
                    digest_requests(out, d)?;
                }
                if let Some(t) = &recorded.threshold {
                    digest_requests(out, t)?;
                    continue;
                }
                if recorded.delivery != Delivery::Sent {
                    continue;
                }
            }
            let grouping = policy.grouping.filter(|_| !no_state);
            for mut request in router.publish_requests(alert) {
                if let Some(g) = &grouping {
                    digest::thread_request(&mut request, &decide::key_for(alert, g));
                }
                print(out, &request)?;
            }
        }
        Ok(())
    };
    let finish = |out: &mut dyn Write| {
        if let Some(replay) = replay.borrow_mut().as_mut() {
            for d in replay.finish() {
                digest_requests(out, &d)?;
            }
        }
        Ok(())
    };
    evaluate(engine, inputs, limits, emit, finish)
}

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
    limits: input::Limits,
    mut emit: impl FnMut(
        &mut dyn Write,
        &cloudtrail_alerts::engine::Evaluation,
        &Document,
    ) -> io::Result<()>,
    finish: impl FnOnce(&mut dyn Write) -> io::Result<()>,
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
        let mut documents = documents.with_limits(limits);
        let mut skipped = 0u64;
        // Splitting and scanning in one pass halves the work per byte.
        while let Some(scanned) = documents.next_scanned(engine.paths()) {
            let (document, view) = match scanned {
                Ok(scanned) => (scanned.document, scanned.view),
                Err(err) => {
                    // A garbage input would otherwise print a line per record.
                    if err.position().is_some() {
                        skipped += 1;
                    }
                    if skipped <= SHOWN_ERRORS {
                        report(&err);
                    }
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
        if skipped > 0 {
            let unshown = skipped.saturating_sub(SHOWN_ERRORS);
            eprintln!(
                "cloudtrail-alerts: {}: {skipped} record{} skipped{}",
                path.display(),
                if skipped == 1 { "" } else { "s" },
                if unshown > 0 {
                    format!(" ({unshown} not shown)")
                } else {
                    String::new()
                }
            );
        }
    }
    if let Err(err) = finish(&mut out).and_then(|()| out.flush()) {
        return stdout_failed(&err);
    }
    if failed { EXIT_INPUT } else { EXIT_OK }
}

/// Input errors printed per source; the rest are counted in its summary line.
const SHOWN_ERRORS: u64 = 20;
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

fn validate(files: &[PathBuf], strict: bool) -> u8 {
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

fn report_rule_errors(errors: &[rules::RuleFileError]) -> u8 {
    for err in errors {
        eprintln!("{err}");
    }
    EXIT_USAGE
}

fn prefilter(args: &RuleArgs) -> u8 {
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

fn run_tests(args: &RuleArgs, fixtures: Option<PathBuf>) -> u8 {
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

fn rules_markdown(args: &RuleArgs) -> u8 {
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
