//! The report as aligned text for a terminal: the run's totals, then one row
//! per rule that matched anything, noisiest first: raw matches beside what
//! each destination would have been sent. Values from events
//! (principals, addresses) are cleaned of control characters first.

use std::fmt::Write;

use super::{Count, Messages, Report, megabytes, thousands};
use crate::render::sanitize::clean;

/// Widest a value from an event may be in a column.
const VALUE_MAX: usize = 48;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let t = &report.totals;
    let _ = writeln!(
        out,
        "Replayed {} files, {} events, {} MB in {:.1} s; {} unreadable records, {} skipped",
        thousands(t.files),
        thousands(t.events),
        megabytes(t.bytes),
        t.seconds,
        thousands(t.unreadable),
        thousands(t.skipped),
    );
    if report.since.is_some() || report.until.is_some() {
        let _ = writeln!(
            out,
            "Events from {} to {}",
            report.since.as_deref().unwrap_or("the start"),
            report.until.as_deref().unwrap_or("the end"),
        );
    }
    let sent: Vec<String> = t
        .destinations
        .iter()
        .map(|(d, m)| format!("{} to {d}{}", thousands(m.alerts + m.digests), kinds(m)))
        .collect();
    let _ = writeln!(
        out,
        "{} matches, {} excluded; would have sent {}",
        thousands(t.matches),
        thousands(t.suppressed),
        if sent.is_empty() {
            "nothing".to_string()
        } else {
            sent.join(", ")
        },
    );
    if report.state {
        let held: u64 = t.destinations.values().map(|m| m.held).sum();
        let _ = writeln!(
            out,
            "Of the matches: {} sent, {} deduplicated, {} below threshold, {} shadow; {} folded into digests, {} held by storm guards",
            thousands(t.delivery.sent),
            thousands(t.delivery.deduplicated),
            thousands(t.delivery.below_threshold),
            thousands(t.delivery.shadow),
            thousands(t.digested),
            thousands(held),
        );
    } else {
        out.push_str("No dedup, thresholds, shadow mode or storm guards (--no-state): every match counted as sent\n");
    }

    let destinations: Vec<&String> = t.destinations.keys().collect();
    let mut header = vec![
        "RULE".to_string(),
        "SEVERITY".into(),
        "MATCHES".into(),
        "EXCLUDED".into(),
    ];
    header.extend(destinations.iter().map(|d| format!("SENT {d}")));
    if report.state {
        header.extend([
            "DEDUPLICATED".into(),
            "BELOW THRESHOLD".into(),
            "SHADOW".into(),
            "HELD".into(),
        ]);
    }
    header.extend([
        "BUSIEST DAY".into(),
        "TOP PRINCIPAL".into(),
        "TOP SOURCE IP".into(),
        "TOP ACCOUNT".into(),
    ]);
    let mut rows = vec![header];
    let mut silent = 0;
    for rule in &report.rules {
        if rule.matches + rule.suppressed == 0 {
            silent += 1;
            continue;
        }
        let mut row = vec![
            rule.id.clone(),
            rule.severity.as_str().to_string(),
            thousands(rule.matches),
            thousands(rule.suppressed),
        ];
        row.extend(destinations.iter().map(|d| {
            let m = rule.destinations.get(*d).cloned().unwrap_or_default();
            format!("{}{}", thousands(m.alerts + m.digests), digests(&m))
        }));
        if report.state {
            row.extend([
                thousands(rule.delivery.deduplicated),
                thousands(rule.delivery.below_threshold),
                thousands(rule.delivery.shadow),
                thousands(rule.destinations.values().map(|m| m.held).sum()),
            ]);
        }
        let busiest = rule
            .per_day
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map_or_else(String::new, |(day, n)| format!("{day} ({})", thousands(*n)));
        row.push(busiest);
        row.push(first(&rule.top_principals));
        row.push(first(&rule.top_source_ips));
        row.push(first(&rule.top_accounts));
        rows.push(row);
    }
    out.push('\n');
    if rows.len() == 1 {
        out.push_str("No rule matched.\n");
    } else {
        aligned(&rows, &mut out);
    }
    if silent > 0 {
        let _ = writeln!(out, "\n{silent} enabled rules matched nothing.");
    }
    out
}

/// ` (2 alerts, 1 digest)`: what a destination's messages were.
fn kinds(m: &Messages) -> String {
    if m.alerts + m.digests == 0 {
        return String::new();
    }
    format!(
        " ({} alert{}, {} digest{})",
        thousands(m.alerts),
        if m.alerts == 1 { "" } else { "s" },
        thousands(m.digests),
        if m.digests == 1 { "" } else { "s" },
    )
}

/// ` (1 digest)` in a cell, when some of the messages were digests.
fn digests(m: &Messages) -> String {
    match m.digests {
        0 => String::new(),
        1 => " (1 digest)".into(),
        n => format!(" ({} digests)", thousands(n)),
    }
}

fn first(counts: &[Count]) -> String {
    counts.first().map_or_else(String::new, |c| {
        format!("{} ({})", clean(&c.value, VALUE_MAX), thousands(c.count))
    })
}

/// Columns padded to their widest cell, two spaces apart, no trailing spaces.
fn aligned(rows: &[Vec<String>], out: &mut String) {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = String::new();
        for (cell, width) in row.iter().zip(&widths) {
            let _ = write!(line, "{cell:width$}  ");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}
