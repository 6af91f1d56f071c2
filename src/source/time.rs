//! Calendar days and the `--since`/`--until` bounds, in UTC, without a date
//! crate: CloudTrail names its folders `YYYY/MM/DD` and writes `eventTime` as
//! `YYYY-MM-DDTHH:MM:SSZ`, so days and fixed-width UTC strings are all the
//! arithmetic the sources need.

use std::fmt;

/// One UTC calendar day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Day {
    /// A real day (leap years included), or `None`.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Day> {
        let ok = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        ok.then_some(Day { year, month, day })
    }

    /// `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Day> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        Day::new(
            digits(&text[0..4])? as i32,
            digits(&text[5..7])?,
            digits(&text[8..10])?,
        )
    }

    /// Days since 1970-01-01 (negative before).
    pub fn to_days(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    pub fn from_days(days: i64) -> Day {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Day { year, month, day }
    }

    pub fn next(self) -> Day {
        Day::from_days(self.to_days() + 1)
    }

    /// Today in UTC by the system clock.
    pub fn today() -> Day {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Day::from_days((secs / 86_400) as i64)
    }

    /// The `YYYY/MM/DD/` folder CloudTrail writes this day's files to.
    pub fn folder(self) -> String {
        format!("{:04}/{:02}/{:02}/", self.year, self.month, self.day)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// One end of a time range: the day (for choosing folders) and the instant
/// as `YYYY-MM-DDTHH:MM:SSZ`, which orders like `eventTime` strings do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bound {
    pub day: Day,
    pub instant: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{flag} {value:?}: expected a date (2026-11-01), a UTC time (2026-11-01T08:30:00Z) or a number of days back (7d)"
)]
pub struct TimeError {
    pub flag: &'static str,
    pub value: String,
}

/// Which end of the range a bound is: a bare date means the start of that
/// day for `--since` and its end for `--until`, so `--until 2026-11-07`
/// includes the 7th.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Since,
    Until,
}

impl End {
    fn flag(self) -> &'static str {
        match self {
            End::Since => "--since",
            End::Until => "--until",
        }
    }
}

/// Parse `2026-11-01`, `2026-11-01T08:30`, `2026-11-01T08:30:00Z` or `7d`
/// (that many days before `today`, at the start of the day).
pub fn parse_bound(text: &str, end: End, today: Day) -> Result<Bound, TimeError> {
    let err = || TimeError {
        flag: end.flag(),
        value: text.to_string(),
    };
    let text = text.trim();
    if let Some(n) = text.strip_suffix('d').and_then(digits) {
        let day = Day::from_days(today.to_days() - i64::from(n));
        return Ok(bound_of_day(day, end));
    }
    let date = text.get(..10).ok_or_else(err)?;
    let day = Day::parse(date).ok_or_else(err)?;
    let rest = &text[10..];
    if rest.is_empty() {
        return Ok(bound_of_day(day, end));
    }
    let time = rest
        .strip_prefix(['T', ' '])
        .ok_or_else(err)?
        .trim_end_matches('Z');
    let mut parts = time.split(':');
    let (h, m) = (parts.next(), parts.next());
    let s = parts.next().unwrap_or("00");
    let (h, m) = (
        h.and_then(digits).ok_or_else(err)?,
        m.and_then(digits).ok_or_else(err)?,
    );
    // Fractions of a second are dropped: CloudTrail's eventTime has none.
    let s = s.split('.').next().and_then(digits).ok_or_else(err)?;
    if parts.next().is_some() || h > 23 || m > 59 || s > 59 {
        return Err(err());
    }
    Ok(Bound {
        day,
        instant: format!("{day}T{h:02}:{m:02}:{s:02}Z"),
    })
}

fn bound_of_day(day: Day, end: End) -> Bound {
    let clock = match end {
        End::Since => "00:00:00",
        End::Until => "23:59:59",
    };
    Bound {
        day,
        instant: format!("{day}T{clock}Z"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Day {
        Day::parse(s).unwrap()
    }

    #[test]
    fn days_round_trip_across_leap_years_and_the_epoch() {
        for d in [-800_000, -1, 0, 1, 11_016, 19_782, 20_000, 2_932_896] {
            assert_eq!(Day::from_days(d).to_days(), d);
        }
        assert_eq!(Day::from_days(0).to_string(), "1970-01-01");
        assert_eq!(day("2024-02-28").next().to_string(), "2024-02-29");
        assert_eq!(day("2023-02-28").next().to_string(), "2023-03-01");
        assert_eq!(day("2026-12-31").next().to_string(), "2027-01-01");
    }

    #[test]
    fn impossible_days_are_refused() {
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "2026-04-31",
            "2026-1-01",
            "26-01-01x",
        ] {
            assert_eq!(Day::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_bare_date_covers_the_whole_day_at_either_end() {
        let today = day("2026-11-29");
        let since = parse_bound("2026-11-01", End::Since, today).unwrap();
        let until = parse_bound("2026-11-07", End::Until, today).unwrap();
        assert_eq!(since.instant, "2026-11-01T00:00:00Z");
        assert_eq!(until.instant, "2026-11-07T23:59:59Z");
        assert_eq!(until.day, day("2026-11-07"));
    }

    #[test]
    fn times_and_days_back() {
        let today = day("2026-11-29");
        let t = parse_bound("2026-11-01T08:30", End::Until, today).unwrap();
        assert_eq!(t.instant, "2026-11-01T08:30:00Z");
        let t = parse_bound("2026-11-01T08:30:05Z", End::Since, today).unwrap();
        assert_eq!(t.instant, "2026-11-01T08:30:05Z");
        let t = parse_bound("7d", End::Since, today).unwrap();
        assert_eq!(t.instant, "2026-11-22T00:00:00Z");
        for bad in [
            "yesterday",
            "2026-11-01T25:00",
            "2026-11-01X",
            "d",
            "2026-11-01T08",
        ] {
            let err = parse_bound(bad, End::Since, today).unwrap_err();
            assert!(err.to_string().contains("--since"), "{err}");
        }
    }
}
