//! Replaying an archive: every file matched in parallel, then the matches
//! decided one by one in event-time order, so the result is the same on one
//! core or many, and the same as the function would have produced.
//!
//! Matching a file depends on nothing but the file, so workers take files
//! from a shared queue (local paths, or S3 objects being fetched ahead) and
//! each returns its matches. What is decided per match (dedup, thresholds,
//! shadow mode, storm guards and routing: [`crate::delivery`]) then runs over
//! all matches sorted by (event time, file, position in file): an order that
//! does not depend on which thread finished first.
//!
//! Memory: only matches are held until they are sorted, each shrunk to what
//! deciding and reporting read ([`crate::delivery::keep_for_decisions`]);
//! past [`Options::max_matches`] the run stops rather than grow without end.

use std::io::Read;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use crate::alert::Alert;
use crate::decide::{Digest, DigestKind};
use crate::delivery::{Deliverer, Fate, Sink, keep_for_decisions};
use crate::engine::Engine;
use crate::input::{self, InputError};
use crate::render::{self, digest};
use crate::report::{Report, ReportBuilder, Totals};
use crate::routing::Router;
use crate::source::{Filter, Item, SourceError};

/// How a replay runs.
#[derive(Clone, Debug)]
pub struct Options {
    pub filter: Filter,
    /// Matching threads (at least one).
    pub threads: usize,
    /// Where alerts would have been sent and from which severity.
    pub router: Router,
    /// Apply dedup, thresholds, shadow mode and storm guards (false: every
    /// match is sent where it routes, as `evaluate --no-state` shows).
    pub state: bool,
    /// Keep the alert lines `evaluate` would print.
    pub alert_lines: bool,
    /// Most matches held at once; past it the run stops (see [`Outcome::too_many`]).
    pub max_matches: u64,
}

/// Matches held by default: at about 2 KB each once shrunk (measured on
/// security-group changes), about 2 GB.
pub const MAX_MATCHES: u64 = 1_000_000;

/// Told as the run goes, for a progress display. Called from every worker.
pub trait Progress: Sync {
    /// `n` more bytes (as stored) were read.
    fn bytes(&self, n: u64);
    /// A file is done: its events and matches.
    fn file_done(&self, events: u64, matches: u64);
}

/// A progress display that shows nothing.
pub struct Silent;

impl Progress for Silent {
    fn bytes(&self, _: u64) {}
    fn file_done(&self, _: u64, _: u64) {}
}

/// The files of one source, ready to be read.
pub enum Batch {
    Local(Vec<Item>),
    #[cfg(feature = "s3")]
    S3 {
        source: crate::source::s3::S3Source,
        items: Vec<Item>,
        max_gets: usize,
    },
}

impl Batch {
    pub fn items(&self) -> &[Item] {
        match self {
            Batch::Local(items) => items,
            #[cfg(feature = "s3")]
            Batch::S3 { items, .. } => items,
        }
    }
}

/// What a replay found.
#[derive(Debug)]
pub struct Outcome {
    pub report: Report,
    /// One JSON line per alert and digest, as `evaluate` prints them, in
    /// decided order (when [`Options::alert_lines`] asked for them).
    pub alert_lines: Vec<String>,
    /// Everything that could not be read, in file order.
    pub problems: Vec<String>,
    /// Set (to the limit) when the matches passed [`Options::max_matches`]:
    /// the run stopped and the report is not the archive's.
    pub too_many: Option<u64>,
}

impl Outcome {
    /// Whether anything was skipped: a source, file, object or record.
    pub fn incomplete(&self) -> bool {
        self.report.totals.skipped > 0 || self.report.totals.unreadable > 0
    }
}

/// One match, with what orders it (its event time is the alert's). Boxed:
/// moving and growing the lists of matches then copies a pointer, not the
/// whole alert.
struct Matched {
    file: usize,
    seq: usize,
    /// Where the alert lines say it came from, as `evaluate` says it.
    source: Arc<str>,
    record: u64,
    alert: Box<Alert>,
}

impl Matched {
    fn time(&self) -> &str {
        self.alert.event_time.as_deref().unwrap_or_default()
    }
}

/// What reading one file gave.
#[derive(Default)]
struct FileOutcome {
    file: usize,
    read: bool,
    broken: bool,
    events: u64,
    unreadable: u64,
    bytes: u64,
    matches: Vec<Matched>,
    suppressed: Vec<String>,
    problems: Vec<String>,
}

/// Replay `batches` (one per SOURCE, in order); `problems` are those met
/// while listing them, reported first and counted as skipped.
pub fn run(
    engine: &Engine,
    batches: Vec<Batch>,
    problems: Vec<SourceError>,
    options: &Options,
    progress: &dyn Progress,
) -> Outcome {
    let started = std::time::Instant::now();
    let mut outcomes = Vec::new();
    let mut offset = 0;
    let held = Held {
        matches: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        limit: options.max_matches,
    };
    for batch in batches {
        let count = batch.items().len();
        let mut done = read_batch(engine, batch, offset, options, progress, &held);
        outcomes.append(&mut done);
        offset += count;
    }
    outcomes.sort_by_key(|o| o.file);

    let mut totals = Totals {
        skipped: problems.len() as u64,
        ..Totals::default()
    };
    let mut messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let names: Vec<String> = options
        .router
        .destinations()
        .iter()
        .map(|d| d.name.clone())
        .collect();
    let rules = engine.config().rules.iter().filter(|r| r.enabled);
    let mut report = ReportBuilder::new(rules, &names, options.state);
    let mut matches = Vec::new();
    for o in outcomes {
        totals.files += u64::from(o.read);
        totals.skipped += u64::from(!o.read || o.broken);
        totals.events += o.events;
        totals.unreadable += o.unreadable;
        totals.bytes += o.bytes;
        for rule in &o.suppressed {
            report.add_suppressed(rule);
        }
        messages.extend(o.problems);
        matches.extend(o.matches);
    }
    let too_many = held
        .stop
        .load(Ordering::Relaxed)
        .then_some(options.max_matches);
    let mut sink = Decided {
        report: &mut report,
        lines: options.alert_lines.then(Vec::new),
        origin: None,
    };
    // Past the limit the matches are not the archive's: nothing to decide.
    if too_many.is_none() {
        matches.sort_by(|a, b| (a.time(), a.file, a.seq).cmp(&(b.time(), b.file, b.seq)));
        let mut deliverer = Deliverer::new(engine, &options.router, options.state);
        for m in matches {
            sink.origin = Some((m.source, m.record));
            deliverer.push(&m.alert, &mut sink);
        }
        sink.origin = None;
        deliverer.finish(&mut sink);
    }
    let alert_lines = sink.lines.take().unwrap_or_default();
    totals.seconds = started.elapsed().as_secs_f64();
    let since = options.filter.since.as_ref().map(|b| b.instant.clone());
    let until = options.filter.until.as_ref().map(|b| b.instant.clone());
    Outcome {
        report: report.finish(totals, since, until),
        alert_lines,
        problems: messages,
        too_many,
    }
}

/// Matches held by every worker, against the limit.
struct Held {
    matches: AtomicU64,
    stop: AtomicBool,
    limit: u64,
}

impl Held {
    /// Count a file's matches; false once past the limit.
    fn add(&self, n: u64) -> bool {
        let now = self.matches.fetch_add(n, Ordering::Relaxed) + n;
        if now > self.limit {
            self.stop.store(true, Ordering::Relaxed);
        }
        !self.stopped()
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// Where decisions go: the report, and the alert lines if asked for.
struct Decided<'a> {
    report: &'a mut ReportBuilder,
    lines: Option<Vec<String>>,
    /// The file and record of the match being decided.
    origin: Option<(Arc<str>, u64)>,
}

impl Sink for Decided<'_> {
    fn alert(&mut self, alert: &Alert, fate: &Fate<'_>) {
        self.report.add_match(alert, fate);
        if let Some(lines) = &mut self.lines {
            let mut doc = render::summary_json(alert);
            if let Some(r) = fate.recorded {
                doc["delivery"] = r.delivery.as_str().into();
                if let Some(t) = &r.threshold {
                    doc["threshold"] = t.tally.count.into();
                }
            }
            if let Some((source, record)) = &self.origin {
                doc["source_file"] = source.as_ref().into();
                doc["record"] = (*record).into();
            }
            lines.push(render::sanitize::escape_json_output(doc.to_string()));
        }
    }

    fn digest(&mut self, d: &Digest, sent_to: &[String]) {
        self.report.add_digest(d, sent_to);
        // Storm guards are per destination and `evaluate` decides per match,
        // so its lines have no guard digests; the report counts them.
        if let Some(lines) = &mut self.lines
            && !matches!(d.kind, DigestKind::Held { .. })
        {
            lines.push(digest::json(d));
        }
    }
}

/// A file handed to a worker: its index in the batch and a reader, or why
/// it could not be opened.
type Opened = (usize, Result<Box<dyn Read + Send>, SourceError>);

/// Something that hands out the files of a batch to workers, in order.
trait Queue: Sync {
    fn next(&self) -> Option<Opened>;
}

struct LocalQueue<'a> {
    items: &'a [Item],
    next: AtomicUsize,
}

impl Queue for LocalQueue<'_> {
    fn next(&self) -> Option<Opened> {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        let item = self.items.get(i)?;
        let opened = match &item.location {
            crate::source::Location::File(path) => std::fs::File::open(path)
                .map(|f| Box::new(f) as Box<dyn Read + Send>)
                .map_err(|e| SourceError::Local {
                    path: item.name.clone(),
                    message: e.to_string(),
                }),
            crate::source::Location::S3 { .. } => Err(SourceError::NoS3Support {
                url: item.name.clone(),
            }),
        };
        Some((i, opened))
    }
}

#[cfg(feature = "s3")]
impl Queue for crate::source::s3::FetchQueue {
    fn next(&self) -> Option<Opened> {
        let (i, reader) = crate::source::s3::FetchQueue::next(self)?;
        Some((
            i,
            reader.start().map(|r| Box::new(r) as Box<dyn Read + Send>),
        ))
    }
}

fn read_batch(
    engine: &Engine,
    batch: Batch,
    offset: usize,
    options: &Options,
    progress: &dyn Progress,
    held: &Held,
) -> Vec<FileOutcome> {
    match batch {
        Batch::Local(items) => {
            let queue = LocalQueue {
                items: &items,
                next: AtomicUsize::new(0),
            };
            read_all(engine, &queue, &items, offset, options, progress, held)
        }
        #[cfg(feature = "s3")]
        Batch::S3 {
            source,
            items,
            max_gets,
        } => {
            let keys = items
                .iter()
                .map(|i| match &i.location {
                    crate::source::Location::S3 { key, .. } => key.clone(),
                    crate::source::Location::File(p) => p.display().to_string(),
                })
                .collect();
            let queue = source.fetch(keys, max_gets);
            read_all(engine, &queue, &items, offset, options, progress, held)
        }
    }
}

fn read_all(
    engine: &Engine,
    queue: &dyn Queue,
    items: &[Item],
    offset: usize,
    options: &Options,
    progress: &dyn Progress,
    held: &Held,
) -> Vec<FileOutcome> {
    let done = Mutex::new(Vec::with_capacity(items.len()));
    std::thread::scope(|scope| {
        for _ in 0..options.threads.max(1) {
            scope.spawn(|| {
                let mut mine = Vec::new();
                while !held.stopped()
                    && let Some((i, opened)) = queue.next()
                {
                    let Some(item) = items.get(i) else { continue };
                    let mut outcome = match opened {
                        Ok(reader) => read_file(engine, item, reader, &options.filter, progress),
                        Err(err) => FileOutcome {
                            problems: vec![err.to_string()],
                            ..FileOutcome::default()
                        },
                    };
                    outcome.file = offset + i;
                    for m in &mut outcome.matches {
                        m.file = outcome.file;
                    }
                    progress.file_done(outcome.events, outcome.matches.len() as u64);
                    let more = held.add(outcome.matches.len() as u64);
                    mine.push(outcome);
                    if !more {
                        break;
                    }
                }
                done.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .append(&mut mine);
            });
        }
    });
    done.into_inner().unwrap_or_else(|p| p.into_inner())
}

fn read_file(
    engine: &Engine,
    item: &Item,
    reader: Box<dyn Read + Send>,
    filter: &Filter,
    progress: &dyn Progress,
) -> FileOutcome {
    let total = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut outcome = FileOutcome {
        read: true,
        ..FileOutcome::default()
    };
    // Documents needs a 'static reader and the progress display is only
    // borrowed: bytes are counted in the reader and passed on per document.
    let counter = std::sync::Arc::clone(&total);
    let reader = Box::new(CountingStatic {
        inner: reader,
        total: counter,
    });
    let mut documents = input::from_reader(&item.name, reader);
    let source: Arc<str> = Arc::from(item.name.as_str());
    let mut reported = 0;
    let mut seq = 0;
    while let Some(scanned) = documents.next_scanned(engine.paths()) {
        let now = total.load(Ordering::Relaxed);
        progress.bytes(now - reported);
        reported = now;
        let scanned = match scanned {
            Ok(s) => s,
            Err(err) => {
                if matches!(err, InputError::Read { .. }) {
                    outcome.broken = true;
                } else if !matches!(err, InputError::Empty { .. }) {
                    outcome.unreadable += 1;
                }
                outcome.problems.push(err.to_string());
                continue;
            }
        };
        outcome.events += 1;
        let evaluation = match engine.evaluate_view(&scanned.document.bytes, &scanned.view) {
            Ok(e) => e,
            Err(err) => {
                outcome.unreadable += 1;
                outcome
                    .problems
                    .push(format!("{}: {err}", scanned.document.position));
                continue;
            }
        };
        outcome
            .suppressed
            .extend(evaluation.suppressed.into_iter().map(|s| s.rule_id));
        for mut alert in evaluation.alerts {
            if !filter.time_ok(alert.event_time.as_deref().unwrap_or_default()) {
                continue;
            }
            let policy = engine
                .config()
                .rules
                .iter()
                .find(|r| r.id == alert.rule.id)
                .map(|r| &r.delivery);
            keep_for_decisions(&mut alert, policy);
            outcome.matches.push(Matched {
                file: 0,
                seq,
                source: Arc::clone(&source),
                record: scanned.document.position.record,
                alert: Box::new(alert),
            });
            seq += 1;
        }
    }
    let now = total.load(Ordering::Relaxed);
    progress.bytes(now - reported);
    outcome.bytes = now;
    outcome
}

/// A counting reader that owns its counter, so it can live inside
/// [`input::Documents`].
struct CountingStatic {
    inner: Box<dyn Read + Send>,
    total: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Read for CountingStatic {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.total.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}
