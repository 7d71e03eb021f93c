//! Timestamps as traces write them, to seconds since the Unix epoch.

pub use scalesim_core::traffic::trace::TimestampUnit;

/// The latest time a trace may hold, seconds since the epoch: 9999-12-31T23:59:59Z, the last
/// second of four-digit years (RFC 3339's `date-fullyear = 4DIGIT`). Numeric timestamps (since
/// the epoch, or since a trace's start) may be as far on either side of zero.
pub const MAX_TIMESTAMP_S: f64 = 253_402_300_799.0;

/// Whether `t` (seconds) is a time a trace can hold: finite and within ±[`MAX_TIMESTAMP_S`].
pub fn in_range(t: f64) -> bool {
    t.is_finite() && t.abs() <= MAX_TIMESTAMP_S
}

/// Seconds since the epoch (or since the trace's start, for numbers); `None` for text that is
/// not a timestamp of `unit` or lies outside [`in_range`].
pub fn parse(text: &str, unit: TimestampUnit) -> Option<f64> {
    match unit {
        TimestampUnit::Rfc3339 => rfc3339(text),
        _ => text
            .parse::<f64>()
            .ok()
            .map(|v| v * unit.scale_s())
            .filter(|&t| in_range(t)),
    }
}

/// An RFC 3339 timestamp, seconds since the epoch: `2026-11-28T09:00:00Z`, with fractional
/// seconds, with an offset (`+01:00` is honoured: `10:00+01:00` is 09:00 UTC), a space or a
/// lowercase `t`/`z` allowed; without any offset it is taken as UTC. `None` for an impossible
/// date or time, an offset beyond ±23:59, or a year outside 1970–9999.
pub fn rfc3339(text: &str) -> Option<f64> {
    use chrono::{DateTime, NaiveDateTime};
    let text = text.trim();
    let utc = match DateTime::parse_from_rfc3339(text) {
        Ok(t) => t.to_utc(),
        Err(_) => ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())?
            .and_utc(),
    };
    let s = utc.timestamp();
    if !(0..=MAX_TIMESTAMP_S as i64).contains(&s) {
        return None;
    }
    // A leap second (…:60) has 1e9 nanoseconds or more: it stays within its minute's end.
    Some(s as f64 + f64::from(utc.timestamp_subsec_nanos()) * 1e-9)
}

/// `text` as a number of exactly `n` ASCII digits (`min..=n` when `min` < `n`).
fn digits(text: &str, min: usize, n: usize) -> Option<i64> {
    if !(min..=n).contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Days in month `m` (1–12) of year `y` (proleptic Gregorian).
fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Common Log Format time, `10/Oct/2000:13:55:36 -0700`, seconds since the epoch (Apache's
/// `%t`: day (1–2 digits), English month abbreviation, 4-digit year, `HH:MM:SS`, zone `±hhmm`;
/// nginx `$time_local` is the same). `None` unless it is a real date (no 31 Feb; years
/// 1970–9999; seconds up to 60 for a leap second) with a zone within ±23:59, as RFC 3339 allows.
pub fn clf(text: &str) -> Option<f64> {
    let (date_time, zone) = text.split_once(' ').unwrap_or((text, "+0000"));
    let mut parts = date_time.split([':', '/']);
    let day = digits(parts.next()?, 1, 2)?;
    let month = parts.next()?;
    let year = digits(parts.next()?, 4, 4)?;
    let h = digits(parts.next()?, 2, 2)?;
    let m = digits(parts.next()?, 2, 2)?;
    let s = digits(parts.next()?, 2, 2)?;
    if parts.next().is_some() {
        return None;
    }
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|&n| n == month)? as u32
        + 1;
    if year < 1970
        || !(1..=i64::from(days_in_month(year, month))).contains(&day)
        || h > 23
        || m > 59
        || s > 60
    {
        return None;
    }
    let (sign, zone) = match zone.trim_end().as_bytes() {
        [b'+', rest @ ..] => (1, rest),
        [b'-', rest @ ..] => (-1, rest),
        _ => return None,
    };
    let zone = std::str::from_utf8(zone).ok()?;
    let (zh, zm) = (digits(zone.get(..2)?, 2, 2)?, digits(zone.get(2..)?, 2, 2)?);
    if zh > 23 || zm > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day as u32);
    let local = days * 86_400 + h * 3_600 + m * 60 + s;
    let t = local - sign * (zh * 3_600 + zm * 60);
    (0..=MAX_TIMESTAMP_S as i64)
        .contains(&t)
        .then_some(t as f64)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_log_format_times() {
        // Apache's documentation example: 10/Oct/2000:13:55:36 -0700 = 20:55:36 UTC.
        assert_eq!(clf("10/Oct/2000:13:55:36 -0700"), Some(971_211_336.0));
        assert_eq!(clf("01/Jan/1970:00:00:00 +0000"), Some(0.0));
        assert_eq!(
            clf("28/Nov/2026:09:00:00 +0100"),
            rfc3339("2026-11-28T08:00:00Z")
        );
        assert_eq!(clf("32/Nov/2026:09:00:00 +0000"), None);
        assert_eq!(clf("28/Foo/2026:09:00:00 +0000"), None);
        assert_eq!(clf("28/Nov/2026:09:00:00 0000"), None);
    }

    /// Impossible dates and zones are refused (fuzzing found each accepted): 31 Feb; 29 Feb
    /// outside a leap year; zone +9999 (99 h 99 min); a 2^63−1 year; a 5-digit year; a zone
    /// with a sign in its digits; an extra time part. Real edges are kept: 29 Feb 2024 (a leap
    /// year), a leap second, ±23:59 zones.
    #[test]
    fn impossible_log_times_are_refused() {
        for bad in [
            "31/Feb/2026:09:00:00 +0000",
            "29/Feb/2026:09:00:00 +0000",
            "31/Apr/2026:09:00:00 +0000",
            "28/Nov/2026:09:00:00 +9999",
            "28/Nov/2026:09:00:00 +2400",
            "28/Nov/2026:09:00:00 +0060",
            "28/Nov/9223372036854775807:09:00:00 +0000",
            "28/Nov/10000:09:00:00 +0000",
            "28/Nov/1969:09:00:00 +0000",
            "28/Nov/2026:09:00:00 ++999",
            "28/Nov/2026:09:00:00:00 +0000",
            "28/Nov/2026:9:00:00 +0000",
            "0/Nov/2026:09:00:00 +0000",
        ] {
            assert_eq!(clf(bad), None, "{bad}");
        }
        // 2024-02-29 is day 19,782 since the epoch (2024-01-01 is day 19,723, + 31 + 28).
        assert_eq!(clf("29/Feb/2024:00:00:00 +0000"), Some(19_782.0 * 86_400.0));
        // 23:59:60 is one second after 23:59:59.
        assert_eq!(
            clf("31/Dec/2016:23:59:60 +0000"),
            clf("31/Dec/2016:23:59:59 +0000").map(|t| t + 1.0)
        );
        // 09:00 at +23:59 is 09:01 UTC the day before (9 h − 23 h 59 min = −14 h 59 min).
        assert_eq!(
            clf("28/Nov/2026:09:00:00 +2359"),
            clf("27/Nov/2026:09:01:00 +0000")
        );
    }

    /// Offsets are honoured, with or without fractional seconds (fuzzing found them ignored
    /// with a fraction — replayed an hour late — and refused without): 10:00+01:00 is 09:00Z.
    /// 2026-11-28T09:00:00Z = 1,795,856,400 s (20,785 days × 86,400 + 9 × 3,600).
    #[test]
    fn rfc3339_offsets_are_honoured() {
        let nine = 20_785.0 * 86_400.0 + 9.0 * 3_600.0;
        assert_eq!(nine, 1_795_856_400.0);
        assert_eq!(rfc3339("2026-11-28T09:00:00Z"), Some(nine));
        assert_eq!(rfc3339("2026-11-28T10:00:00+01:00"), Some(nine));
        assert_eq!(rfc3339("2026-11-28T10:00:00.000+01:00"), Some(nine));
        assert_eq!(rfc3339("2026-11-28T10:00:00.250+01:00"), Some(nine + 0.25));
        assert_eq!(rfc3339("2026-11-28T04:30:00-04:30"), Some(nine));
        assert_eq!(rfc3339("2026-11-28 09:00:00.5"), Some(nine + 0.5));
        assert_eq!(rfc3339("2026-11-28T09:00:00"), Some(nine));
        assert_eq!(rfc3339("2026-11-28t09:00:00z"), Some(nine));
        for bad in [
            "2026-02-31T09:00:00Z",
            "2026-11-28T09:00:00+24:00",
            "2026-11-28T25:00:00Z",
            "1969-12-31T23:59:59Z",
            "2026-11-28T09:00:00Zjunk",
            "2026-11-28",
            "soon",
        ] {
            assert_eq!(rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn numeric_timestamps_stay_within_year_9999() {
        assert_eq!(parse("1.5", TimestampUnit::Seconds), Some(1.5));
        assert_eq!(parse("1500", TimestampUnit::Millis), Some(1.5));
        assert_eq!(
            parse("253402300799", TimestampUnit::Seconds),
            Some(MAX_TIMESTAMP_S)
        );
        assert_eq!(parse("253402300800", TimestampUnit::Seconds), None);
        assert_eq!(parse("1e300", TimestampUnit::Micros), None);
        assert_eq!(parse("inf", TimestampUnit::Seconds), None);
        assert_eq!(parse("NaN", TimestampUnit::Seconds), None);
    }
}
