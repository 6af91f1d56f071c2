//! The report as one self-contained HTML page: no network, no scripts. A
//! summary table links to one section per rule holding its numbers, a daily
//! bar chart (inline SVG, one bar per day of the run) and its top principals,
//! source addresses and accounts. The markup is well-formed XML as well, so
//! any parser (and the tests) can read it.

use std::fmt::Write;

use super::{Count, Report, RuleReport, megabytes, thousands};

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin:1em 0}th,td{padding:2px 10px;text-align:left;border-bottom:1px solid #ddd}\
td.n{text-align:right;font-variant-numeric:tabular-nums}section{margin:2em 0}\
.sev-critical{color:#b00020}.sev-high{color:#c75000}.sev-medium{color:#8a6d00}\
svg rect.bar{fill:#3867d6}svg text{font-size:10px;fill:#555}.quiet{color:#888}";

/// What the state layer did, after the messages per destination.
const STATE_COLUMNS: [&str; 5] = [
    "Deduplicated",
    "Below threshold",
    "Shadow",
    "Held by storm guards",
    "Folded into digests",
];

/// Bar width and chart height in pixels.
const BAR: usize = 14;
const HEIGHT: usize = 120;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let t = &report.totals;
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
    out.push_str("<title>cloudtrail-alerts replay report</title>\n");
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    out.push_str("<h1>Replay report</h1>\n");
    let _ = writeln!(
        out,
        "<p id=\"totals\">{} files, {} events, {} MB in {:.1} s; {} unreadable records, {} skipped. \
         {} matches, {} excluded.</p>",
        thousands(t.files),
        thousands(t.events),
        megabytes(t.bytes),
        t.seconds,
        thousands(t.unreadable),
        thousands(t.skipped),
        thousands(t.matches),
        thousands(t.suppressed),
    );
    let sent: Vec<String> = t
        .destinations
        .iter()
        .map(|(d, m)| {
            format!(
                "{} to {} ({} alerts, {} digests)",
                thousands(m.alerts + m.digests),
                esc(d),
                thousands(m.alerts),
                thousands(m.digests)
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "<p id=\"sent\">Would have sent {}. {}</p>",
        if sent.is_empty() {
            "nothing".to_string()
        } else {
            sent.join(", ")
        },
        if report.state {
            format!(
                "Of the matches: {} sent, {} deduplicated, {} below threshold, {} shadow; {} folded into digests, {} held by storm guards.",
                thousands(t.delivery.sent),
                thousands(t.delivery.deduplicated),
                thousands(t.delivery.below_threshold),
                thousands(t.delivery.shadow),
                thousands(t.digested),
                thousands(t.destinations.values().map(|m| m.held).sum()),
            )
        } else {
            "No dedup, thresholds, shadow mode or storm guards (--no-state): every match counted as sent.".to_string()
        }
    );
    if report.since.is_some() || report.until.is_some() {
        let _ = writeln!(
            out,
            "<p>Events from {} to {}.</p>",
            esc(report.since.as_deref().unwrap_or("the start")),
            esc(report.until.as_deref().unwrap_or("the end")),
        );
    }
    summary(report, &mut out);
    for rule in report.rules.iter().filter(|r| r.matches + r.suppressed > 0) {
        section(rule, &report.days, &mut out);
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn summary(report: &Report, out: &mut String) {
    let destinations: Vec<&String> = report.totals.destinations.keys().collect();
    out.push_str("<table id=\"summary\">\n<tr><th>Rule</th><th>Severity</th><th>Matches</th><th>Excluded</th>");
    for d in &destinations {
        let _ = write!(out, "<th>Sent to {}</th>", esc(d));
    }
    for head in STATE_COLUMNS {
        let _ = write!(out, "<th>{head}</th>");
    }
    out.push_str("</tr>\n");
    for rule in &report.rules {
        let quiet = rule.matches + rule.suppressed == 0;
        let name = if quiet {
            esc(&rule.id)
        } else {
            format!("<a href=\"#rule-{}\">{}</a>", esc(&rule.id), esc(&rule.id))
        };
        let _ = write!(
            out,
            "<tr data-rule=\"{}\"{}><td>{name}</td><td class=\"sev-{}\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
            esc(&rule.id),
            if quiet { " class=\"quiet\"" } else { "" },
            rule.severity.as_str(),
            rule.severity.as_str(),
            rule.matches,
            rule.suppressed,
        );
        for d in &destinations {
            let _ = write!(
                out,
                "<td class=\"n\">{}</td>",
                rule.sent.get(*d).copied().unwrap_or(0)
            );
        }
        let held: u64 = rule.destinations.values().map(|m| m.held).sum();
        for n in [
            rule.delivery.deduplicated,
            rule.delivery.below_threshold,
            rule.delivery.shadow,
            held,
            rule.digested,
        ] {
            let _ = write!(out, "<td class=\"n\">{n}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

fn section(rule: &RuleReport, days: &[String], out: &mut String) {
    let _ = writeln!(
        out,
        "<section id=\"rule-{}\">\n<h2>{} <small class=\"sev-{}\">{}</small></h2>\n<p>{}</p>",
        esc(&rule.id),
        esc(&rule.id),
        rule.severity.as_str(),
        rule.severity.as_str(),
        esc(&rule.title),
    );
    let sent: Vec<String> = rule
        .destinations
        .iter()
        .map(|(d, m)| {
            format!(
                "{} to {} ({} alerts, {} digests)",
                m.alerts + m.digests,
                esc(d),
                m.alerts,
                m.digests
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "<p>{} matches, {} excluded; would have sent {}.</p>",
        rule.matches,
        rule.suppressed,
        if sent.is_empty() {
            "nothing".to_string()
        } else {
            sent.join(", ")
        },
    );
    chart(rule, days, out);
    for (title, counts) in [
        ("Top principals", &rule.top_principals),
        ("Top source IPs", &rule.top_source_ips),
        ("Top accounts", &rule.top_accounts),
    ] {
        tops(title, counts, out);
    }
    out.push_str("</section>\n");
}

/// One bar per day of the run, scaled to the rule's busiest day; each bar's
/// `<title>` gives its day and count on hover, and a table below gives the
/// same numbers as text.
fn chart(rule: &RuleReport, days: &[String], out: &mut String) {
    let max = rule.per_day.values().copied().max().unwrap_or(0).max(1);
    let width = days.len().max(1) * BAR + 40;
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{}\" role=\"img\" aria-label=\"matches per day\">",
        HEIGHT + 20
    );
    let _ = writeln!(out, "<text x=\"0\" y=\"10\">{}</text>", thousands(max));
    for (i, day) in days.iter().enumerate() {
        let n = rule.per_day.get(day).copied().unwrap_or(0);
        let h = (n as usize * HEIGHT).div_ceil(max as usize);
        let x = 40 + i * BAR;
        let _ = writeln!(
            out,
            "<rect class=\"bar\" x=\"{x}\" y=\"{}\" width=\"{}\" height=\"{h}\"><title>{}: {n}</title></rect>",
            HEIGHT - h,
            BAR - 2,
            esc(day)
        );
    }
    if let (Some(first), Some(last)) = (days.first(), days.last()) {
        let _ = writeln!(
            out,
            "<text x=\"40\" y=\"{}\">{}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            HEIGHT + 14,
            esc(first),
            width,
            HEIGHT + 14,
            esc(last)
        );
    }
    out.push_str("</svg>\n<table class=\"days\"><tr><th>Day</th><th>Matches</th></tr>\n");
    for (day, n) in &rule.per_day {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{n}</td></tr>",
            esc(day)
        );
    }
    out.push_str("</table>\n");
}

fn tops(title: &str, counts: &[Count], out: &mut String) {
    if counts.is_empty() {
        return;
    }
    let _ = writeln!(out, "<h3>{title}</h3>\n<table>");
    for c in counts {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td></tr>",
            esc(&c.value),
            c.count
        );
    }
    out.push_str("</table>\n");
}

/// Text for HTML and XML alike; characters no document may hold are dropped.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if crate::render::sanitize::is_forbidden(c) => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_text_cannot_open_markup() {
        assert_eq!(
            esc("<script>\"a\" & 'b'\u{7}"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;"
        );
    }
}
