//! Interruptions: the provider takes instances back (spot capacity), with a notice.
//!
//! - **When**: each instance is interrupted after an exponential time from its launch, at
//!   `per_instance_hour` interruptions per instance-hour (a constant hazard, drawn from the
//!   fleet's own stream when the instance launches), and at each time of a replayed trace
//!   (`at`) the longest-running instance in service is (the earliest launched, the lowest index
//!   on ties; the oldest booting one when none is in service; nothing when none is alive).
//! - **The notice**: the instance is deregistered at once (no new requests, like draining) and,
//!   when it was booting or in service, a replacement is launched at once, so the fleet keeps
//!   its desired capacity. This is EC2 Auto Scaling with Capacity Rebalancing, the rule for a
//!   group that runs spot: the group replaces an instance when EC2 sends its rebalance
//!   recommendation, which comes no later than the two-minute interruption notice; modelled as
//!   coming with the notice (Amazon EC2 Auto Scaling user guide, "Use Capacity Rebalancing to
//!   handle Amazon EC2 Spot Interruptions", read 2026-11; without it the group waits for the
//!   instance to be gone and fail its health check).
//! - **The end of the notice**: the instance terminates (its run, and its bill, end there);
//!   the requests still running on it are retried or failed ([`OnInterruption`]). An instance
//!   that was already draining (scale-in) when its notice came is not replaced and terminates
//!   at the end of the notice unless its drain ended first.
//! - Each notice and each termination is a line of the fleet's scaling activities; the run
//!   counts its interruptions (notices), and the replayed ones that found no instance to
//!   interrupt (`interruptions_missed`, each also a line of the activities). A replayed time at
//!   or after the horizon never happens: the run warns of it.
//!
//! A fleet without interruptions draws nothing and schedules no event here: its run is the
//! same as before interruptions existed.

use rand::RngExt;

use super::{FleetEvent, FleetModel};
use crate::engine::{Scheduler, SimDuration, SimTime};
use crate::platform::ScalingActivity;
use crate::platform::pool::State;

/// What becomes of the requests still running on an instance when its interruption takes
/// effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnInterruption {
    /// Sent again to the fleet, where they start afresh (a client or queue retry).
    Retry,
    /// Failed: counted as timed out.
    Fail,
}

/// How a fleet's instances are interrupted (spot capacity); see the module docs.
#[derive(Clone, Debug, PartialEq)]
pub struct Interruptions {
    /// Interruptions per instance-hour: the hazard from each instance's launch (0: none drawn).
    pub per_instance_hour: f64,
    /// Times from the start of the run at which the longest-running instance is interrupted.
    pub at: Vec<SimDuration>,
    /// From the notice to the termination.
    pub notice: SimDuration,
    /// What becomes of the requests running at the termination.
    pub on_interruption: OnInterruption,
}

impl Interruptions {
    /// The replayed times (`at`) at or after a horizon of `horizon`: they never happen in the
    /// run. In the order given.
    pub fn after(&self, horizon: SimDuration) -> Vec<SimDuration> {
        self.at.iter().copied().filter(|&t| t >= horizon).collect()
    }

    /// Time from a launch to its interruption notice, drawn from `rng` (`None`: never, with a
    /// zero rate).
    pub fn draw(&self, rng: &mut crate::engine::SimRng) -> Option<SimDuration> {
        if self.per_instance_hour <= 0.0 {
            return None;
        }
        // Inverse CDF of the exponential: −ln(1 − u) / λ, u in [0, 1).
        let u: f64 = rng.random();
        let hours = -(1.0 - u).ln() / self.per_instance_hour;
        Some(SimDuration::from_secs_f64(
            (hours * 3_600.0).min(MAX_DRAW_S),
        ))
    }
}

/// Longest time to an interruption kept, seconds: ten years, past any horizon (a tiny rate
/// draws astronomically long times).
const MAX_DRAW_S: f64 = 10.0 * 366.0 * 86_400.0;

impl FleetModel<'_> {
    /// Instance `i` was launched at `now`: draw when it will be interrupted.
    pub(super) fn spot_launched(&mut self, i: u32, sched: &mut Scheduler<FleetEvent>) {
        let Some(spot) = &self.cfg.interruptions else {
            return;
        };
        if let Some(after) = spot.draw(&mut self.spot_rng)
            && sched.now() + after < self.horizon
        {
            sched.schedule_in(after, FleetEvent::SpotNotice { instance: i });
        }
    }

    /// Schedule the replayed interruptions (at the start of the run).
    pub(super) fn spot_init(&mut self, sched: &mut Scheduler<FleetEvent>) {
        let cfg = self.cfg;
        let Some(spot) = &cfg.interruptions else {
            return;
        };
        // A time at or after the horizon never happens in the run (at the horizon itself it
        // would only launch a replacement billed its 60 s minimum); the run warns of them
        // ([`Interruptions::after`]).
        for (k, &at) in spot.at.iter().enumerate() {
            if SimTime::ZERO + at < self.horizon {
                sched.schedule_in(at, FleetEvent::SpotTrace { index: k as u32 });
            }
        }
        for i in 0..self.pool.replicas().len() as u32 {
            self.spot_launched(i, sched);
        }
    }

    /// A replayed interruption: the longest-running instance in service gets its notice. When
    /// there is none to interrupt (no instance in service or booting that has not had its
    /// notice: none alive, or all draining or interrupted already), it is counted as missed
    /// and logged, not dropped.
    pub(super) fn spot_trace(&mut self, sched: &mut Scheduler<FleetEvent>) {
        let oldest = |state: State| {
            self.pool
                .replicas()
                .iter()
                .enumerate()
                .filter(|(_, r)| r.state == state && !r.interrupted)
                .min_by_key(|(i, r)| (r.launched, *i))
                .map(|(i, _)| i as u32)
        };
        if let Some(i) = oldest(State::InService).or_else(|| oldest(State::Booting)) {
            self.spot_notice(i, sched);
        } else {
            self.interruptions_missed += 1;
            let now = sched.now();
            self.activities.push(ScalingActivity {
                at_s: now.as_secs_f64(),
                from: self.desired,
                to: self.desired,
                reason: format!(
                    "replayed spot interruption at {}: no instance to interrupt (none in \
                     service or booting without a notice already); nothing happens",
                    now.saturating_since(SimTime::ZERO).human()
                ),
            });
        }
    }

    /// Instance `i` gets its interruption notice: deregistered, replaced, terminated at the end
    /// of the notice. Nothing when it is gone or already interrupted.
    pub(super) fn spot_notice(&mut self, i: u32, sched: &mut Scheduler<FleetEvent>) {
        let Some(spot) = &self.cfg.interruptions else {
            return;
        };
        let notice = spot.notice;
        if self.pool.replicas()[i as usize].interrupted {
            return;
        }
        let now = sched.now();
        let before = self.pool.deregister(i, now);
        let what = match before {
            State::Terminated => return,
            State::Draining | State::Standby => "already draining, not replaced",
            State::Booting | State::InService => "replacement launched",
        };
        self.interruptions += 1;
        self.activities.push(ScalingActivity {
            at_s: now.as_secs_f64(),
            from: self.desired,
            to: self.desired,
            reason: format!(
                "spot interruption notice: instance {i} (launched at {}) terminates in {}; {what}",
                // To the second: the activity's own time is written to the second.
                SimDuration::from_secs(
                    self.pool.replicas()[i as usize].launched.as_micros() / 1_000_000
                )
                .human(),
                notice.human()
            ),
        });
        if before != State::Draining {
            self.launch_one(sched);
        }
        sched.schedule_in(notice, FleetEvent::SpotEnd { instance: i });
    }

    /// Instance `i`'s notice ran out: it terminates, its running requests retried or failed.
    pub(super) fn spot_end(&mut self, i: u32, sched: &mut Scheduler<FleetEvent>) {
        let Some(spot) = &self.cfg.interruptions else {
            return;
        };
        let retry = spot.on_interruption == OnInterruption::Retry;
        let now = sched.now();
        let Some((launched, running)) = self.pool.interrupt(i, retry, sched) else {
            return;
        };
        self.terminated(launched, now, true);
        let fate = if retry { "retried" } else { "failed" };
        self.activities.push(ScalingActivity {
            at_s: now.as_secs_f64(),
            from: self.desired,
            to: self.desired,
            reason: format!(
                "terminated by spot interruption: instance {i}, {running} running requests {fate}"
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    fn at_rate(per_instance_hour: f64) -> Interruptions {
        Interruptions {
            per_instance_hour,
            at: Vec::new(),
            notice: SimDuration::from_secs(120),
            on_interruption: OnInterruption::Retry,
        }
    }

    /// Rate 0 draws nothing; at 0.5 per hour the mean time to an interruption is 1 / 0.5 = 2 h.
    /// 10,000 draws of an exponential (standard deviation = mean) give a mean within
    /// 2 h × 4 / √10,000 = 0.08 h of it (4 σ).
    #[test]
    fn draws_are_exponential_at_the_rate() {
        let mut rng = RngStreams::new(1).stream("spot/test");
        assert_eq!(at_rate(0.0).draw(&mut rng), None);
        let spot = at_rate(0.5);
        let n = 10_000;
        let hours: f64 = (0..n)
            .map(|_| spot.draw(&mut rng).unwrap().as_secs_f64() / 3_600.0)
            .sum::<f64>()
            / f64::from(n);
        assert!((hours - 2.0).abs() < 0.08, "{hours}");
    }
}
