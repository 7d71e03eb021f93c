//! Timestamps as traces write them, to seconds since the Unix epoch.

/// How timestamps are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimestampUnit {
    /// Seconds (since the epoch, or since the trace's start; fractions allowed).
    Seconds,
    /// Milliseconds.
    Millis,
    /// Microseconds.
    Micros,
    /// RFC 3339, e.g. `2026-11-28T09:00:00.250Z`.
    Rfc3339,
}

impl TimestampUnit {
    /// What a value of this unit looks like, for error messages.
    pub fn expected(self) -> &'static str {
        match self {
            TimestampUnit::Seconds => "a timestamp in seconds",
            TimestampUnit::Millis => "a timestamp in milliseconds",
            TimestampUnit::Micros => "a timestamp in microseconds",
            TimestampUnit::Rfc3339 => "an RFC 3339 timestamp (2026-11-28T09:00:00Z)",
        }
    }

    /// Seconds per unit of a numeric timestamp.
    pub fn scale_s(self) -> f64 {
        match self {
            TimestampUnit::Seconds | TimestampUnit::Rfc3339 => 1.0,
            TimestampUnit::Millis => 1e-3,
            TimestampUnit::Micros => 1e-6,
        }
    }
}

/// Seconds since the epoch.
pub fn parse(text: &str, unit: TimestampUnit) -> Option<f64> {
    match unit {
        TimestampUnit::Rfc3339 => rfc3339(text),
        _ => text
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(|v| v * unit.scale_s()),
    }
}

/// An RFC 3339 timestamp (with or without `Z`), seconds since the epoch.
pub fn rfc3339(text: &str) -> Option<f64> {
    humantime::parse_rfc3339_weak(text.trim_end_matches('Z'))
        .ok()
        .or_else(|| humantime::parse_rfc3339(text).ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs_f64())
}

/// Common Log Format time, `10/Oct/2000:13:55:36 -0700`, seconds since the epoch.
pub fn clf(text: &str) -> Option<f64> {
    let (date_time, zone) = text.split_once(' ').unwrap_or((text, "+0000"));
    let mut parts = date_time.splitn(4, [':', '/']);
    let day: u32 = parts.next()?.parse().ok()?;
    let month = parts.next()?;
    let year: i64 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':');
    let h: i64 = hms.next()?.parse().ok()?;
    let m: i64 = hms.next()?.parse().ok()?;
    let s: i64 = hms.next()?.parse().ok()?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|&n| n == month)? as u32
        + 1;
    if !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let (sign, zh, zm) = match zone.as_bytes() {
        [sign @ (b'+' | b'-'), digits @ ..] if digits.len() == 4 => {
            let n: i64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
            (if *sign == b'-' { -1 } else { 1 }, n / 100, n % 100)
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let local = days * 86_400 + h * 3_600 + m * 60 + s;
    Some((local - sign * (zh * 3_600 + zm * 60)) as f64)
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
}
