//! The report as aligned text for a terminal: the run's totals, then one row
//! per rule that matched anything, noisiest first. Values from events
//! (principals, addresses) are cleaned of control characters first.

use std::fmt::Write;

use super::{Count, Report, megabytes, thousands};
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
        .sent
        .iter()
        .map(|(d, n)| format!("{} to {d}", thousands(*n)))
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

    let destinations: Vec<&String> = t.sent.keys().collect();
    let mut header = vec![
        "RULE".to_string(),
        "SEVERITY".into(),
        "MATCHES".into(),
        "EXCLUDED".into(),
    ];
    header.extend(destinations.iter().map(|d| format!("SENT {d}")));
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
        row.extend(
            destinations
                .iter()
                .map(|d| thousands(rule.sent.get(*d).copied().unwrap_or(0))),
        );
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
