//! The calendar of a run: clock times ("12:00", "Sat 10:00", "day 3 09:30"), a weekly pattern
//! and events (a sale, a spike) that multiply an arrival process's rate.
//!
//! Simulated time starts on **day 1, a Monday, at 00:00**: `"Mon 00:00"` is time 0, `"Sat 10:00"`
//! is 5 days 10 hours in. The rate of a modulated process at time `t` is the process's own rate
//! × the weekly multiplier of `t`'s day (or hour of the week) × the multiplier of every event
//! under way at `t`. Every multiplier is constant between two instants this module computes
//! ([`Calendar::at`]), so the modulated process is drawn exactly, one constant piece at a time.

pub use crate::engine::clock::{ClockTime, DAY_S, WEEK_S, WEEKDAYS};

/// How often an event comes back.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Repeat {
    /// Once, at its start.
    Once,
    /// Every day from its start.
    Daily,
    /// Every week from its start.
    Weekly,
}

impl Repeat {
    /// The period, seconds (`None` for once).
    pub fn period_s(self) -> Option<f64> {
        match self {
            Repeat::Once => None,
            Repeat::Daily => Some(DAY_S),
            Repeat::Weekly => Some(WEEK_S),
        }
    }
}

/// An event on top of the traffic: for `duration_s` from `start_s` (and again every period
/// after, when it repeats) the rate is × `multiplier`.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Its name in the scenario (for reports); may be empty.
    pub name: String,
    /// First start, seconds from the start of the run.
    pub start_s: f64,
    /// How long each occurrence lasts, seconds (> 0, at most the period when it repeats).
    pub duration_s: f64,
    /// Rate multiplier while it lasts (≥ 0).
    pub multiplier: f64,
    /// How often it comes back.
    pub repeat: Repeat,
}

impl Event {
    /// Whether the event is under way at `t` and the next instant (> `t`) at which that changes
    /// (`f64::INFINITY` when it never does again).
    fn at(&self, t: f64) -> (bool, f64) {
        if t < self.start_s {
            return (false, self.start_s);
        }
        let (start, period) = match self.repeat.period_s() {
            None => (self.start_s, f64::INFINITY),
            Some(p) => (self.start_s + ((t - self.start_s) / p).floor() * p, p),
        };
        let end = start + self.duration_s;
        if t < end {
            (true, end)
        } else {
            (false, start + period)
        }
    }
}

/// A weekly pattern and events: what multiplies an arrival process's rate over time.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Calendar {
    /// Multipliers over the week, Monday 00:00 first: 7 (one per day) or 168 (one per hour of
    /// the week); empty for none.
    pub weekly: Vec<f64>,
    /// Events, in the scenario's order.
    pub events: Vec<Event>,
}

impl Calendar {
    /// The multiplier at `t` (seconds from the start) and the next instant, after `t`, at which
    /// it may change (`f64::INFINITY` when it never does).
    pub fn at(&self, t: f64) -> (f64, f64) {
        let mut m = 1.0;
        let mut next = f64::INFINITY;
        if !self.weekly.is_empty() {
            let slot = WEEK_S / self.weekly.len() as f64;
            let n = (t / slot).floor();
            m *= self.weekly[(n as u64 % self.weekly.len() as u64) as usize];
            next = (n + 1.0) * slot;
        }
        for e in &self.events {
            let (on, change) = e.at(t);
            if on {
                m *= e.multiplier;
            }
            next = next.min(change);
        }
        if next <= t {
            // Rounding put a boundary at `t` itself: the next representable instant is later.
            next = f64::from_bits(t.to_bits() + 1);
        }
        (m, next)
    }

    /// The pieces of `[from, to)` on which the multiplier is constant, as `(start, end, m)`.
    pub fn pieces(&self, from: f64, to: f64) -> impl Iterator<Item = (f64, f64, f64)> + '_ {
        let mut t = from;
        std::iter::from_fn(move || {
            if t >= to {
                return None;
            }
            let (m, next) = self.at(t);
            let end = next.min(to);
            let piece = (t, end, m);
            t = end;
            Some(piece)
        })
    }

    /// The names of the named events under way at some time in `[from, to)`, each once, in
    /// the scenario's order.
    pub fn events_between(&self, from: f64, to: f64) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for e in self.events.iter().filter(|e| !e.name.is_empty()) {
            let (on, change) = e.at(from);
            // Under way at `from`, or starting before `to`.
            let hit = on || change < to;
            if hit && !names.contains(&e.name) {
                names.push(e.name.clone());
            }
        }
        names
    }

    /// The highest multiplier reached at any time: the week's pieces (every repeat divides a
    /// week), and those of the first occurrence of each event that happens once.
    pub fn max_multiplier(&self) -> f64 {
        let last_once = self
            .events
            .iter()
            .filter(|e| e.repeat == Repeat::Once)
            .map(|e| e.start_s + e.duration_s)
            .fold(0.0, f64::max);
        let first_repeat = self
            .events
            .iter()
            .filter(|e| e.repeat != Repeat::Once)
            .map(|e| e.start_s)
            .fold(0.0, f64::max);
        // From the last repeating event's first start, one week holds every combination.
        let span = (first_repeat + WEEK_S).max(last_once);
        self.pieces(0.0, span).map(|p| p.2).fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sale on Saturday 10:00–12:00 (× 5) on a week whose Saturday is × 0.5 and a daily
    /// lunchtime peak 12:00–13:00 (× 2): Saturday 11:00 is 0.5 × 5 = 2.5 until the sale ends
    /// at 12:00; Saturday 12:30 is 0.5 × 2 = 1 until 13:00.
    #[test]
    fn multipliers_multiply_and_say_when_they_change() {
        let c = Calendar {
            weekly: vec![1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5],
            events: vec![
                Event {
                    name: "sale".into(),
                    start_s: 5.0 * DAY_S + 36_000.0,
                    duration_s: 7_200.0,
                    multiplier: 5.0,
                    repeat: Repeat::Once,
                },
                Event {
                    name: "lunch".into(),
                    start_s: 43_200.0,
                    duration_s: 3_600.0,
                    multiplier: 2.0,
                    repeat: Repeat::Daily,
                },
            ],
        };
        let sat = 5.0 * DAY_S;
        assert_eq!(c.at(sat + 39_600.0), (2.5, sat + 43_200.0));
        assert_eq!(c.at(sat + 45_000.0), (1.0, sat + 46_800.0));
        // Monday 12:30, lunch: 1 × 2 until 13:00. Tuesday 09:00: 1 until lunch at 12:00.
        assert_eq!(c.at(45_000.0), (2.0, 46_800.0));
        assert_eq!(c.at(DAY_S + 32_400.0), (1.0, DAY_S + 43_200.0));
        // The highest: the sale on a half-rate Saturday (0.5 × 5 = 2.5) beats a weekday lunch
        // (1 × 2 = 2).
        assert_eq!(c.max_multiplier(), 2.5);
        // Pieces cover the span without gaps.
        let pieces: Vec<_> = c.pieces(0.0, WEEK_S).collect();
        assert_eq!(pieces.first().map(|p| p.0), Some(0.0));
        assert_eq!(pieces.last().map(|p| p.1), Some(WEEK_S));
        assert!(pieces.windows(2).all(|w| w[0].1 == w[1].0));
    }
}
