//! Scheduled actions: at a time of day, every day — or on a day of the week, every week — set
//! the minimum, maximum and/or desired capacity (EC2 Auto Scaling
//! `PutScheduledUpdateGroupAction` with a recurrence such as `0 9 * * *` or `0 9 * * MON`).
//! The fleet runs them at their exact times, whatever its policy. The run starts on a Monday
//! at 00:00 ([`crate::engine::clock`]).

use crate::engine::clock::WEEKDAYS;
use crate::engine::{SimDuration, SimTime};

const DAY_US: u64 = 86_400_000_000;
/// A day, the period of a daily action.
pub const DAY: SimDuration = SimDuration::from_micros(DAY_US);
/// A week, the period of a weekly action.
pub const WEEK: SimDuration = SimDuration::from_micros(7 * DAY_US);

/// One action that repeats every `period`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScheduledAction {
    /// When it runs within its period: the time of day for a daily action, the time from
    /// Monday 00:00 for a weekly one (less than `period`).
    pub at: SimDuration,
    /// [`DAY`] or [`WEEK`].
    pub period: SimDuration,
    /// New `MinSize`, if set.
    pub min_size: Option<u32>,
    /// New `MaxSize`, if set.
    pub max_size: Option<u32>,
    /// New `DesiredCapacity`, if set.
    pub desired_capacity: Option<u32>,
}

impl ScheduledAction {
    /// The first time at or after `now` that the action runs.
    pub fn next_after(&self, now: SimTime) -> SimTime {
        let period = self.period.as_micros().max(1);
        let start = now.as_micros() / period * period;
        let this = SimTime::from_micros(start) + self.at;
        if this >= now {
            this
        } else {
            this + self.period
        }
    }

    /// When it runs as the scenario writes it: `08:00` (daily) or `Sat 10:00` (weekly).
    pub fn label(&self) -> String {
        let minutes = self.at.as_micros() / 60_000_000;
        let time = format!("{:02}:{:02}", minutes / 60 % 24, minutes % 60);
        if self.period == WEEK {
            format!("{} {time}", WEEKDAYS[(minutes / 1_440) as usize % 7])
        } else {
            time
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_daily_at_its_time() {
        let a = ScheduledAction {
            at: SimDuration::from_secs(8 * 3_600),
            period: DAY,
            min_size: Some(4),
            max_size: None,
            desired_capacity: None,
        };
        let h = |h: u64| SimTime::from_micros(h * 3_600_000_000);
        assert_eq!(a.next_after(h(0)), h(8));
        assert_eq!(a.next_after(h(8)), h(8));
        assert_eq!(a.next_after(h(9)), h(32));
        assert_eq!(a.label(), "08:00");
    }

    /// Saturday 10:00 is 5 × 24 + 10 = 130 h after Monday 00:00; a week later 130 + 168 = 298.
    #[test]
    fn runs_weekly_on_its_day() {
        let a = ScheduledAction {
            at: SimDuration::from_secs(130 * 3_600),
            period: WEEK,
            min_size: None,
            max_size: None,
            desired_capacity: Some(6),
        };
        let h = |h: u64| SimTime::from_micros(h * 3_600_000_000);
        assert_eq!(a.next_after(h(0)), h(130));
        assert_eq!(a.next_after(h(131)), h(298));
        assert_eq!(a.label(), "Sat 10:00");
    }
}
