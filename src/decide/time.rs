//! Event time and durations, as whole seconds since the Unix epoch.
//!
//! Windows run on CloudTrail's `eventTime` (`2024-05-01T09:12:44Z`), never the
//! wall clock, so a replay decides exactly what the function decided.

/// Seconds since 1970-01-01T00:00:00Z.
pub type Seconds = i64;

/// `2024-05-01T09:12:44Z`, optionally with fractional seconds
/// (`…:44.123Z`) or a numeric offset (`+02:00`); `None` for any other shape.
pub fn parse_time(text: &str) -> Option<Seconds> {
    let b = text.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = b.get(r)?;
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    };
    let sep = |i: usize, c: u8| b.get(i) == Some(&c);
    if !(sep(4, b'-') && sep(7, b'-') && (sep(10, b'T') || sep(10, b't')) && sep(13, b':')) {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute) = (num(11..13)?, num(14..16)?);
    if !sep(16, b':') {
        return None;
    }
    let second = num(17..19)?;
    let mut rest = &text[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let o = rest.as_bytes();
            if o.len() != 6 || o[3] != b':' || !matches!(o[0], b'+' | b'-') {
                return None;
            }
            let hh: i64 = rest.get(1..3)?.parse().ok()?;
            let mm: i64 = rest.get(4..6)?.parse().ok()?;
            if hh > 23 || mm > 59 {
                return None;
            }
            let sign = if o[0] == b'-' { -1 } else { 1 };
            sign * (hh * 3600 + mm * 60)
        }
    };
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// `2024-05-01T09:12:44Z`.
pub fn format_time(t: Seconds) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's civil calendar algorithms (public domain).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Longest window or guard period accepted: a week.
pub const DURATION_MAX: Seconds = 7 * 86_400;

/// A duration written `90s`, `15m`, `1h` or `1d`, between 1 second and a week.
pub fn parse_duration(text: &str) -> Result<Seconds, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let unit_secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "`{text}` is not a duration: write a whole number and a unit, s, m, h or d (e.g. `90s`, `15m`, `1h`, `1d`)"
            ));
        }
    };
    let n: i64 = digits.parse().map_err(|_| {
        format!("`{text}` is not a duration: it needs a whole number before the unit (e.g. `15m`)")
    })?;
    let secs = n.checked_mul(unit_secs).unwrap_or(Seconds::MAX);
    if !(1..=DURATION_MAX).contains(&secs) {
        return Err(format!("`{text}` is out of range: between 1s and 7d"));
    }
    Ok(secs)
}

/// `90s`, `15m`, `1h`, `2d`: the largest unit that divides the duration.
pub fn format_duration(secs: Seconds) -> String {
    match secs {
        s if s > 0 && s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s > 0 && s % 3600 == 0 => format!("{}h", s / 3600),
        s if s > 0 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// A span for people: `45 s`, `6 min`, `2 h 5 min`.
pub fn human_span(secs: Seconds) -> String {
    let secs = secs.max(0);
    if secs < 60 {
        format!("{secs} s")
    } else if secs < 3600 {
        format!("{} min", (secs + 30) / 60)
    } else {
        let m = (secs % 3600 + 30) / 60;
        if m == 0 || m == 60 {
            format!("{} h", (secs + 1800) / 3600)
        } else {
            format!("{} h {m} min", secs / 3600)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloudtrail_times_parse_and_format_back() {
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_time("2024-05-01T09:12:44Z"), Some(1_714_554_764));
        assert_eq!(parse_time("2024-05-01T09:12:44.987Z"), Some(1_714_554_764));
        assert_eq!(parse_time("2024-05-01T11:12:44+02:00"), Some(1_714_554_764));
        assert_eq!(format_time(1_714_554_764), "2024-05-01T09:12:44Z");
        assert_eq!(
            parse_time("2024-02-29T23:59:59Z")
                .map(format_time)
                .as_deref(),
            Some("2024-02-29T23:59:59Z")
        );
        assert_eq!(format_time(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn malformed_times_are_refused_not_guessed() {
        for bad in [
            "",
            "2024-05-01",
            "2024-05-01 09:12:44Z",
            "2024-13-01T09:12:44Z",
            "2023-02-29T09:12:44Z",
            "2024-05-01T24:00:00Z",
            "2024-05-01T09:12:44",
            "2024-05-01T09:12:44.Z",
            "2024-05-01T09:12:44+2:00",
            "２０２４-05-01T09:12:44Z",
            "2024-05-01T09:12:4Z",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn durations_take_one_unit_and_stay_in_range() {
        assert_eq!(parse_duration("90s"), Ok(90));
        assert_eq!(parse_duration("15m"), Ok(900));
        assert_eq!(parse_duration("1h"), Ok(3600));
        assert_eq!(parse_duration("1d"), Ok(86_400));
        for bad in [
            "",
            "15",
            "m",
            "1.5h",
            "-1m",
            "0s",
            "8d",
            "1w",
            "15 m",
            "99999999999999999999d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(format_duration(900), "15m");
        assert_eq!(format_duration(90), "90s");
        assert_eq!(format_duration(7200), "2h");
        assert_eq!(human_span(360), "6 min");
        assert_eq!(human_span(3600 + 300), "1 h 5 min");
        assert_eq!(human_span(12), "12 s");
    }
}
