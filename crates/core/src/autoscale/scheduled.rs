//! Scheduled actions: at a time of day, every day, set the minimum, maximum and/or desired
//! capacity (EC2 Auto Scaling `PutScheduledUpdateGroupAction` with a daily recurrence). The fleet
//! runs them at their exact times, whatever its policy.

use crate::engine::{SimDuration, SimTime};

const DAY_US: u64 = 86_400_000_000;

/// One daily action.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScheduledAction {
    /// Time of day it runs, from midnight.
    pub at: SimDuration,
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
        let day_start = now.as_micros() / DAY_US * DAY_US;
        let today = SimTime::from_micros(day_start) + self.at;
        if today >= now {
            today
        } else {
            today + SimDuration::from_micros(DAY_US)
        }
    }

    /// The time of day as HH:MM.
    pub fn label(&self) -> String {
        let minutes = self.at.as_micros() / 60_000_000;
        format!("{:02}:{:02}", minutes / 60, minutes % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_daily_at_its_time() {
        let a = ScheduledAction {
            at: SimDuration::from_secs(8 * 3_600),
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
}
