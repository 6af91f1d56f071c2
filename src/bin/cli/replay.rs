//! `cloudtrail-alerts replay`: the command line around [`cloudtrail_alerts::replay`]:
//! arguments to a filter and sources, the progress bar, and where the report
//! and the alert lines go.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use cloudtrail_alerts::config::ROUTING_VARIABLES;
use cloudtrail_alerts::delivery::counted_router;
use cloudtrail_alerts::engine::Engine;
use cloudtrail_alerts::replay::{self, Batch, MAX_MATCHES, Options, Progress, Silent};
use cloudtrail_alerts::report::{self, Report};
use cloudtrail_alerts::severity::Severity;
use cloudtrail_alerts::source::time::{Day, End, parse_bound};
use cloudtrail_alerts::source::{self, Filter, SourceError, SourceSpec};

use super::{EXIT_INPUT, EXIT_OK, EXIT_USAGE, RuleArgs};

#[derive(clap::Args)]
pub struct ReplayArgs {
    #[command(flatten)]
    rules: RuleArgs,
    /// Only events at or after this: a date (2026-11-01), a UTC time
    /// (2026-11-01T08:00:00Z) or days back (7d). Up to today if --until is not given.
    #[arg(long, value_name = "WHEN")]
    since: Option<String>,
    /// Only events at or before this; a date includes the whole day.
    #[arg(long, value_name = "WHEN")]
    until: Option<String>,
    /// Only these accounts (ids or names from the rule files' `accounts:`), comma-separated.
    #[arg(long, value_name = "ACCOUNT,...", value_delimiter = ',')]
    accounts: Vec<String>,
    /// Only these regions, comma-separated.
    #[arg(long, value_name = "REGION,...", value_delimiter = ',')]
    regions: Vec<String>,
    /// Matching threads [default: one per core].
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// S3 objects fetched at the same time.
    #[arg(long, value_name = "N", default_value_t = 16)]
    max_gets: usize,
    /// Least severity sent to the main destination, `alerts`
    /// (ALERT_MIN_SEVERITY) [default: info].
    #[arg(long, value_name = "SEVERITY")]
    min_severity: Option<Severity>,
    /// Least severity sent to `sms` (SMS_MIN_SEVERITY) [default: critical].
    #[arg(long, value_name = "SEVERITY")]
    sms_min_severity: Option<Severity>,
    /// Count every raw match as sent: no dedup, thresholds, shadow mode or
    /// storm guards (by default they apply on event time, as in the function).
    #[arg(long)]
    no_state: bool,
    /// Most matches held in memory (about 2 KB each) for deciding them in
    /// event-time order; past it the replay stops and says so.
    #[arg(long, value_name = "N", default_value_t = MAX_MATCHES)]
    max_matches: u64,
    /// The report: `table` (default), `json` (on stdout) or `html FILE`.
    #[arg(long, value_name = "FORMAT", num_args = 1..=2)]
    report: Vec<String>,
    /// Write the alert lines, as `evaluate` prints them in JSON, to FILE (- for stdout).
    #[arg(long, value_name = "FILE")]
    alerts: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Directory trees or s3://BUCKET/PREFIX in CloudTrail's layout (AWSLogs/…), or files.
    #[arg(value_name = "SOURCE")]
    sources: Vec<String>,
}

enum ReportTo {
    Table,
    Json,
    Html(PathBuf),
}

pub fn run(mut args: ReplayArgs) -> u8 {
    let report_to = match report_format(&mut args) {
        Ok(r) => r,
        Err(message) => return usage(&message),
    };
    if args.sources.is_empty() {
        return usage("replay needs at least one SOURCE (a directory or s3://BUCKET/PREFIX)");
    }
    let engine = match Engine::load(&args.rules.options()) {
        Ok(engine) => engine,
        Err(err) => {
            eprintln!("cloudtrail-alerts: {err}");
            return EXIT_USAGE;
        }
    };
    let filter = match filter(&args, &engine) {
        Ok(f) => f,
        Err(message) => return usage(&message),
    };
    let router = match router(&args).and_then(|r| super::render_cmd::with_rule_routes(r, &engine)) {
        Ok(r) => r,
        Err(message) => return usage(&message),
    };
    let options = Options {
        filter,
        threads: args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1),
        router,
        state: !args.no_state,
        alert_lines: args.alerts.is_some(),
        max_matches: args.max_matches,
    };

    let (batches, problems) = batches(&args.sources, &options.filter, args.max_gets);
    let total: u64 = batches.iter().flat_map(|b| b.items()).map(|i| i.size).sum();
    let files = batches.iter().map(|b| b.items().len() as u64).sum();
    let show_bar = !args.quiet && io::stderr().is_terminal();
    let outcome = if show_bar {
        let bar = Bar::new(total, files);
        let outcome = replay::run(&engine, batches, problems, &options, &bar);
        bar.bar.finish_and_clear();
        outcome
    } else {
        replay::run(&engine, batches, problems, &options, &Silent)
    };

    for problem in &outcome.problems {
        eprintln!("cloudtrail-alerts: {problem}");
    }
    if let Some(limit) = outcome.too_many {
        eprintln!(
            "cloudtrail-alerts: stopped: more than {limit} matches to hold; \
             replay a shorter range (--since/--until, --accounts, --regions), \
             exclude the noisiest matches, or raise --max-matches"
        );
        return EXIT_INPUT;
    }
    if let Some(path) = &args.alerts
        && let Err(err) = write_to(path, |out| {
            outcome
                .alert_lines
                .iter()
                .try_for_each(|line| writeln!(out, "{line}"))
        })
    {
        eprintln!("cloudtrail-alerts: writing {}: {err}", path.display());
        return EXIT_INPUT;
    }
    if let Err(err) = write_report(&outcome.report, &report_to) {
        return super::stdout_failed(&err);
    }
    if outcome.incomplete() {
        let t = &outcome.report.totals;
        eprintln!(
            "cloudtrail-alerts: incomplete: {} skipped (sources, folders or files), {} unreadable records",
            t.skipped, t.unreadable
        );
        EXIT_INPUT
    } else {
        EXIT_OK
    }
}

fn usage(message: &str) -> u8 {
    eprintln!("cloudtrail-alerts: {message}");
    EXIT_USAGE
}

/// `--report FORMAT [FILE]`: only `html` takes a FILE, so a second value
/// after `table` or `json` is a SOURCE that clap put there.
fn report_format(args: &mut ReplayArgs) -> Result<ReportTo, String> {
    let mut values = std::mem::take(&mut args.report).into_iter();
    let format = values.next();
    let second = values.next();
    match (format.as_deref(), second) {
        (None | Some("table"), extra) => {
            args.sources.extend(extra);
            Ok(ReportTo::Table)
        }
        (Some("json"), extra) => {
            args.sources.extend(extra);
            Ok(ReportTo::Json)
        }
        (Some("html"), Some(file)) => Ok(ReportTo::Html(PathBuf::from(file))),
        (Some("html"), None) => Err("--report html needs a FILE: --report html report.html".into()),
        (Some(other), _) => Err(format!(
            "--report {other:?}: expected table, json or html FILE"
        )),
    }
}

fn filter(args: &ReplayArgs, engine: &Engine) -> Result<Filter, String> {
    let today = Day::today();
    let since = args
        .since
        .as_deref()
        .map(|s| parse_bound(s, End::Since, today))
        .transpose()
        .map_err(|e| e.to_string())?;
    let mut until = args
        .until
        .as_deref()
        .map(|s| parse_bound(s, End::Until, today))
        .transpose()
        .map_err(|e| e.to_string())?;
    if since.is_some() && until.is_none() {
        // Bounded at both ends, the days become prefixes: nothing is listed to find them.
        until = parse_bound("0d", End::Until, today).ok();
    }
    if let (Some(s), Some(u)) = (&since, &until)
        && s.instant > u.instant
    {
        return Err(format!(
            "--since {} is after --until {}",
            s.instant, u.instant
        ));
    }
    let settings = &engine.config().settings;
    let mut accounts = Vec::new();
    for a in &args.accounts {
        match settings.accounts.get(a) {
            Some(ids) => accounts.extend(ids.iter().cloned()),
            None if source::layout::is_account(a) => accounts.push(a.clone()),
            None => {
                return Err(format!(
                    "--accounts {a:?}: not a 12-digit account id nor an account name from the rule files"
                ));
            }
        }
    }
    accounts.sort();
    accounts.dedup();
    Ok(Filter {
        since,
        until,
        accounts,
        regions: args.regions.clone(),
    })
}

/// The function's routing variables from the environment, the flags
/// taking precedence over the variable they name.
fn router(args: &ReplayArgs) -> Result<cloudtrail_alerts::routing::Router, String> {
    let mut vars: Vec<(String, String)> = ROUTING_VARIABLES
        .iter()
        .filter_map(|name| Some((name.to_string(), std::env::var(name).ok()?)))
        .collect();
    for (name, flag) in [
        ("ALERT_MIN_SEVERITY", args.min_severity),
        ("SMS_MIN_SEVERITY", args.sms_min_severity),
    ] {
        if let Some(severity) = flag {
            vars.retain(|(k, _)| k != name);
            vars.push((name.to_string(), severity.as_str().to_string()));
        }
    }
    counted_router(&vars).map_err(|e| e.to_string())
}

/// The files of every SOURCE, and what could not be listed.
fn batches(sources: &[String], filter: &Filter, max_gets: usize) -> (Vec<Batch>, Vec<SourceError>) {
    let mut batches = Vec::new();
    let mut problems = Vec::new();
    for arg in sources {
        match SourceSpec::parse(arg) {
            Ok(SourceSpec::Local(path)) => {
                let (items, mut failed) = source::local::walk(&path, filter);
                problems.append(&mut failed);
                batches.push(Batch::Local(items));
            }
            Ok(SourceSpec::S3 { bucket, prefix }) => {
                match s3_batch(&bucket, &prefix, filter, max_gets) {
                    Ok((batch, mut failed)) => {
                        problems.append(&mut failed);
                        batches.push(batch);
                    }
                    Err(err) => problems.push(err),
                }
            }
            Err(err) => problems.push(err),
        }
    }
    (batches, problems)
}

#[cfg(feature = "s3")]
fn s3_batch(
    bucket: &str,
    prefix: &str,
    filter: &Filter,
    max_gets: usize,
) -> Result<(Batch, Vec<SourceError>), SourceError> {
    use cloudtrail_alerts::source::{Item, Location, plan, s3::S3Source};
    let mut s3 = S3Source::connect(bucket)?;
    let planned = plan::plan(prefix, filter, &mut s3)?;
    let items = planned
        .objects
        .into_iter()
        .map(|o| Item {
            name: format!("s3://{bucket}/{}", o.key),
            size: o.size,
            location: Location::S3 {
                bucket: bucket.to_string(),
                key: o.key,
            },
        })
        .collect();
    Ok((
        Batch::S3 {
            source: s3,
            items,
            max_gets: max_gets.max(1),
        },
        planned.problems,
    ))
}

#[cfg(not(feature = "s3"))]
fn s3_batch(
    bucket: &str,
    prefix: &str,
    _: &Filter,
    _: usize,
) -> Result<(Batch, Vec<SourceError>), SourceError> {
    Err(SourceError::NoS3Support {
        url: format!("s3://{bucket}/{prefix}"),
    })
}

fn write_report(report: &Report, to: &ReportTo) -> io::Result<()> {
    match to {
        ReportTo::Table => write_to(Path::new("-"), |out| {
            out.write_all(report::table::render(report).as_bytes())
        }),
        ReportTo::Json => write_to(Path::new("-"), |out| {
            serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::other)?;
            writeln!(out)
        }),
        ReportTo::Html(path) => std::fs::write(path, report::html::render(report))
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
    }
}

/// Write through a buffer to FILE, or stdout for `-`.
fn write_to(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    if path == Path::new("-") {
        let stdout = io::stdout();
        let mut out = io::BufWriter::new(stdout.lock());
        write(&mut out)?;
        out.flush()
    } else {
        let mut out = io::BufWriter::new(std::fs::File::create(path)?);
        write(&mut out)?;
        out.flush()
    }
}

/// The progress bar on stderr: bytes read of the total, files, events per
/// second, matches so far and the time left.
struct Bar {
    bar: ProgressBar,
    files: u64,
    done: AtomicU64,
    events: AtomicU64,
    matches: AtomicU64,
    started: Instant,
}

impl Bar {
    fn new(total: u64, files: u64) -> Bar {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{bar:30} {binary_bytes}/{binary_total_bytes} {msg} ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        Bar {
            bar,
            files,
            done: AtomicU64::new(0),
            events: AtomicU64::new(0),
            matches: AtomicU64::new(0),
            started: Instant::now(),
        }
    }
}

impl Progress for Bar {
    fn bytes(&self, n: u64) {
        self.bar.inc(n);
    }

    fn file_done(&self, events: u64, matches: u64) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let events = self.events.fetch_add(events, Ordering::Relaxed) + events;
        let matches = self.matches.fetch_add(matches, Ordering::Relaxed) + matches;
        let per_second = events as f64 / self.started.elapsed().as_secs_f64().max(0.001);
        self.bar.set_message(format!(
            "{done}/{} files, {:.0} events/s, {matches} matches",
            self.files, per_second
        ));
    }
}
