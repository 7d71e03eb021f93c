//! The run's clock as scenario files write it. Simulated time starts on **day 1, a Monday, at
//! 00:00**: `"Mon 00:00"` is time 0, `"Sat 10:00"` is 5 days 10 hours in, `"day 3 09:30"` is
//! 2 days 9.5 hours in.

/// Seconds in a day.
pub const DAY_S: f64 = 86_400.0;
/// Seconds in a week.
pub const WEEK_S: f64 = 7.0 * DAY_S;
/// The days of the week as scenario files and reports write them, Monday (day 1) first.
pub const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// The day of the week `name` names (`Mon` … `Sun`, any case), counted from Monday = 0.
pub fn weekday(name: &str) -> Option<u32> {
    WEEKDAYS
        .iter()
        .position(|d| d.eq_ignore_ascii_case(name))
        .map(|i| i as u32)
}

/// A point on the run's clock as written in a scenario file.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClockTime {
    /// Which day it names: `None` for a bare time of day (`"12:00"`), else the day of the run
    /// counted from 0 (`"Sat 10:00"` → 5, `"day 3 10:00"` → 2).
    pub day: Option<u32>,
    /// Seconds after that day's midnight (0 ≤ s < 86,400).
    pub second_of_day: f64,
}

impl ClockTime {
    /// Seconds from the start of the run: a bare time of day falls on day 1.
    pub fn offset_s(&self) -> f64 {
        f64::from(self.day.unwrap_or(0)) * DAY_S + self.second_of_day
    }

    /// Read `"HH:MM"`, `"HH:MM:SS"`, `"Ddd HH:MM"` (a weekday of the first week: `Mon` … `Sun`,
    /// any case) or `"day N HH:MM"` (N from 1; at most day 366). `None` when the text is none
    /// of these.
    pub fn parse(text: &str) -> Option<ClockTime> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let (day, time) = match words.as_slice() {
            [time] => (None, *time),
            [day, time] => (Some(weekday(day)?), *time),
            [word, n, time] if word.eq_ignore_ascii_case("day") => {
                let n: u32 = n.parse().ok()?;
                ((1..=366).contains(&n)).then_some(())?;
                (Some(n - 1), *time)
            }
            _ => return None,
        };
        let parts: Vec<&str> = time.split(':').collect();
        let field = |s: &str, max: u32| -> Option<u32> {
            (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
                .filter(|v| *v < max)
        };
        let (h, m, s) = match parts.as_slice() {
            [h, m] => (field(h, 24)?, field(m, 60)?, 0),
            [h, m, s] => (field(h, 24)?, field(m, 60)?, field(s, 60)?),
            _ => return None,
        };
        Some(ClockTime {
            day,
            second_of_day: f64::from(h * 3_600 + m * 60 + s),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_times_read_as_planners_write_them() {
        let t = |s| ClockTime::parse(s).map(|c| c.offset_s());
        assert_eq!(t("00:00"), Some(0.0));
        assert_eq!(t("12:30"), Some(45_000.0));
        assert_eq!(t("23:59:59"), Some(86_399.0));
        // Saturday is day 6: 5 days after Monday 00:00, then 10 h.
        assert_eq!(t("Sat 10:00"), Some(5.0 * 86_400.0 + 36_000.0));
        assert_eq!(t("mon 09:00"), Some(32_400.0));
        assert_eq!(t("day 3 06:00"), Some(2.0 * 86_400.0 + 21_600.0));
        for bad in [
            "24:00",
            "9:00",
            "12:60",
            "Sat",
            "Xyz 10:00",
            "day 0 10:00",
            "10m",
            "",
        ] {
            assert_eq!(t(bad), None, "{bad}");
        }
    }
}
