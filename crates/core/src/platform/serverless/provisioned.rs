//! Provisioned concurrency (AWS's `ProvisionedConcurrentExecutions`): execution environments a
//! function keeps initialised ahead, at a level that is fixed, set by scheduled actions, or
//! followed by target tracking on its utilisation (Application Auto Scaling).
//!
//! Sources (read 2026-11):
//! - docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html: environments
//!   "pre-initialized … ready to respond immediately"; requests beyond them run on on-demand
//!   environments (with cold starts as usual); provisioned concurrency counts toward the
//!   function's reserved concurrency and the account's concurrency.
//! - docs.aws.amazon.com/lambda/latest/dg/monitoring-concurrency.html: `ClaimedAccountConcurrency`
//!   = unreserved concurrent executions + allocated concurrency (total reserved + total
//!   provisioned): provisioned environments take their share of the pool whether busy or not;
//!   `ProvisionedConcurrencyUtilization` = provisioned concurrent executions ÷ provisioned
//!   concurrency configured.
//! - docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html: a function's
//!   provisioned concurrency is at most its reserved concurrency, and at most the unreserved
//!   account concurrency less 100 ("You can reserve up to the Unreserved account concurrency
//!   value that is shown, minus 100"; repost.aws QUzGtqXgNdSNCHkmM0qJ2NfA).
//! - Application Auto Scaling target tracking for Lambda (`LambdaProvisionedConcurrencyUtilization`):
//!   the alarms of EC2 target tracking, 3 one-minute datapoints above the target to scale out,
//!   15 below 90 % of it to scale in ([`crate::autoscale::TargetTracking`]); Lambda's default
//!   cooldowns are 0 s (reference file §4.1, `BasicTargetTrackingScalingPolicyProps`).
//!
//! Simplifications: an environment allocated after the start of the run is ready after one
//! INIT drawn from the function's cold-start distribution (AWS says allocation can take a few
//! minutes; it does not say how long), and allocating uses none of the function's on-demand
//! scale-out rate (1,000 environments per 10 s).

use crate::autoscale::{ScheduledAction, TargetMetric, TargetTracking, TargetTrackingConfig};
use crate::engine::{SimDuration, SimTime};

/// The period of `ProvisionedConcurrencyUtilization` datapoints and of target tracking's
/// evaluations: one minute (Lambda's metrics have 1-minute granularity, monitoring-concurrency.html).
pub const PROVISIONED_PERIOD: SimDuration = SimDuration::from_secs(60);

/// Provisioned concurrency of a variant's functions.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum ProvisionedConcurrency {
    /// None.
    #[default]
    None,
    /// Every function keeps this many environments.
    Each(u32),
    /// The functions at these indices (into the traffic's functions) keep this many.
    ByFunction(Vec<(u32, u32)>),
    /// Every function's level is set by scheduled actions (each action's `desired_capacity` is
    /// the level); the run starts at the level the latest action before it set (a schedule that
    /// has been running all along).
    Schedule(Vec<ScheduledAction>),
    /// Every function's level follows target tracking on its utilisation.
    TargetTracking(ProvisionedTargetTracking),
}

/// Target tracking on `LambdaProvisionedConcurrencyUtilization`, named as Application Auto
/// Scaling names it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProvisionedTargetTracking {
    /// `TargetValue`: utilisation, 0–1 (AWS's examples use 0.7).
    pub target_value: f64,
    /// `MinCapacity`: the level it never goes below, and the level the run starts at.
    pub min_capacity: u32,
    /// `MaxCapacity`.
    pub max_capacity: u32,
}

impl ProvisionedTargetTracking {
    /// The policy: EC2 Auto Scaling's target tracking ([`TargetTracking`]) on the utilisation,
    /// with the alarms Application Auto Scaling creates (3 of 3 one-minute datapoints above the
    /// target to scale out, 15 of 15 below 90 % of it to scale in), no warm-up and no cooldown.
    pub fn policy(&self) -> TargetTracking {
        TargetTracking::new(TargetTrackingConfig {
            metric: TargetMetric::ProvisionedConcurrencyUtilization,
            target_value: self.target_value,
            scale_in_ratio: 0.9,
            scale_out_datapoints: 3,
            scale_in_datapoints: 15,
            period: PROVISIONED_PERIOD,
            instance_warmup: SimDuration::ZERO,
            disable_scale_in: false,
        })
    }
}

impl ProvisionedConcurrency {
    /// Whether any function may have provisioned concurrency.
    pub fn is_some(&self) -> bool {
        !matches!(self, ProvisionedConcurrency::None)
    }

    /// The level of each of `functions` functions (at least one) at the start of the run.
    pub fn initial_levels(&self, functions: usize) -> Vec<u32> {
        let n = functions.max(1);
        match self {
            ProvisionedConcurrency::None => vec![0; n],
            ProvisionedConcurrency::Each(level) => vec![*level; n],
            ProvisionedConcurrency::ByFunction(list) => {
                let mut v = vec![0; n];
                for &(f, level) in list {
                    if let Some(slot) = v.get_mut(f as usize) {
                        *slot = level;
                    }
                }
                v
            }
            ProvisionedConcurrency::Schedule(actions) => vec![level_at_start(actions); n],
            ProvisionedConcurrency::TargetTracking(t) => vec![t.min_capacity; n],
        }
    }
}

/// The level a repeating schedule has at time zero: the one its latest action at or before it
/// set, looking back one period (an action at exactly 00:00 Monday counts; of two at the same
/// time, the later in the list).
pub fn level_at_start(actions: &[ScheduledAction]) -> u32 {
    let mut best: Option<(i128, u32)> = None;
    for a in actions {
        let Some(level) = a.desired_capacity else {
            continue;
        };
        let at = a.at.as_micros() as i128;
        let last = if at == 0 {
            0
        } else {
            at - a.period.as_micros() as i128
        };
        if best.is_none_or(|(t, _)| last >= t) {
            best = Some((last, level));
        }
    }
    best.map_or(0, |(_, level)| level)
}

/// The first time after `now` that `action` runs again.
pub fn next_run(action: &ScheduledAction, now: SimTime) -> SimTime {
    action.next_after(now + SimDuration::from_micros(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autoscale::scheduled::{DAY, WEEK};

    fn action(at_h: u64, period: SimDuration, level: u32) -> ScheduledAction {
        ScheduledAction {
            at: SimDuration::from_secs(at_h * 3_600),
            period,
            min_size: None,
            max_size: None,
            desired_capacity: Some(level),
        }
    }

    /// 200 at 08:00 Monday to Friday, 10 at 20:00 every day: at Monday 00:00 the latest action
    /// was Sunday's 20:00 (10); the weekday ones were last on Friday.
    #[test]
    fn a_schedule_starts_at_the_level_it_last_set() {
        let mut actions: Vec<ScheduledAction> =
            (0..5).map(|d| action(d * 24 + 8, WEEK, 200)).collect();
        actions.push(action(20, DAY, 10));
        assert_eq!(level_at_start(&actions), 10);
        // An action at exactly Monday 00:00 is the level at the start.
        actions.push(action(0, WEEK, 50));
        assert_eq!(level_at_start(&actions), 50);
        assert_eq!(level_at_start(&[]), 0);
    }

    use crate::engine::{self, RngStreams};
    use crate::platform::Outcome;
    use crate::platform::serverless::{
        FunctionConfig, FunctionModel, FunctionSetup, ReservedConcurrency,
    };
    use crate::traffic::{RequestProfile, Work};
    use crate::usage::{Invocations, Meter};

    /// A 1,024 MB function (account concurrency 1,000), INIT a constant 300 ms.
    fn config(provisioned: ProvisionedConcurrency) -> FunctionConfig {
        FunctionConfig {
            memory_mb: 1_024,
            keep_alive: SimDuration::from_secs(600),
            account_concurrency: 1_000,
            reserved_concurrency: ReservedConcurrency::None,
            provisioned_concurrency: provisioned,
            timeout: SimDuration::from_secs(900),
            cold_start: crate::dist::DurationDist::Constant { secs: 0.3 },
            memory_from_trace: false,
        }
    }

    /// Requests all I/O: they run their duration on any memory.
    fn profile() -> RequestProfile {
        RequestProfile {
            duration: None,
            cpu_fraction: 0.0,
            parallelism: 1.0,
            memory_mb: 128,
            request_bytes: 0,
            response_bytes: 0,
            log_bytes: 0,
        }
    }

    /// Requests of `duration_s` at `(µs, function)`.
    fn works(
        at: impl Iterator<Item = (u64, u32)>,
        duration_s: f64,
    ) -> impl Iterator<Item = (SimTime, Work)> {
        at.map(move |(us, function)| {
            (
                SimTime::from_micros(us),
                Work {
                    duration_s,
                    as_recorded: false,
                    function,
                },
            )
        })
    }

    fn model<'a>(
        cfg: &'a FunctionConfig,
        profile: &'a RequestProfile,
        setups: &[FunctionSetup],
        horizon: SimTime,
    ) -> FunctionModel<'a> {
        FunctionModel::new(
            cfg,
            profile,
            setups,
            !setups.is_empty(),
            RngStreams::new(1).blocks("cold-starts"),
            horizon,
            SimDuration::from_secs(60),
            Meter::Millisecond,
        )
    }

    /// Run requests of `duration_s` at `(seconds, function)` to a horizon of `horizon_s`.
    fn outcome(
        cfg: &FunctionConfig,
        setups: &[FunctionSetup],
        at_s: &[(f64, u32)],
        duration_s: f64,
        horizon_s: u64,
    ) -> Outcome<Invocations> {
        let profile = profile();
        let horizon = SimTime::from_micros(horizon_s * 1_000_000);
        let mut m = model(cfg, &profile, setups, horizon);
        let at = at_s.iter().map(|&(s, f)| ((s * 1e6).round() as u64, f));
        let (_, sched) = engine::run(&mut m, works(at, duration_s), horizon, &mut |_| {});
        m.finish(sched.pending_events())
    }

    /// Two functions, 2 provisioned for the second only: one request to the first is cold; two
    /// to the second run on its provisioned environments.
    #[test]
    fn levels_by_function() {
        let cfg = config(ProvisionedConcurrency::ByFunction(vec![(1, 2)]));
        let setups = [FunctionSetup {
            memory_mb: 1_024,
            reserved: None,
        }; 2];
        let o = outcome(&cfg, &setups, &[(0.0, 0), (0.0, 1), (0.0, 1)], 1.0, 10);
        assert_eq!(o.functions[0].counters.cold_starts, 1);
        assert_eq!(o.functions[1].counters.cold_starts, 0);
        let pc = o.usage.provisioned.unwrap();
        assert_eq!(pc.invocations, 2);
        // The second function's 2 × 1 GB for 10 s, rounded up to 5 minutes: 600 GB-s.
        assert_eq!(pc.configured_gb_s(1.0), 600.0);
    }

    /// Reserved 3 with 2 provisioned: 4 requests at once run 2 provisioned and 1 on demand
    /// (2 allocated + 1 = 3); the 4th is throttled.
    #[test]
    fn provisioned_counts_toward_reserved_concurrency() {
        let cfg = config(ProvisionedConcurrency::Each(2));
        let setups = [FunctionSetup {
            memory_mb: 1_024,
            reserved: Some(3),
        }];
        let o = outcome(&cfg, &setups, &[(0.0, 0); 4], 1.0, 10);
        assert_eq!(o.counters.throttled, 1);
        assert_eq!(o.counters.cold_starts, 1);
    }

    /// An account of 10 without reservations and 5 provisioned: the 5 allocated take their
    /// share of the unreserved pool busy or not, so 11 requests at once run 5 provisioned and 5
    /// on demand; the 11th is throttled. After 5 s (all done), 5 at once run on the provisioned
    /// environments alone.
    #[test]
    fn provisioned_counts_toward_the_unreserved_pool() {
        let cfg = FunctionConfig {
            account_concurrency: 10,
            ..config(ProvisionedConcurrency::Each(5))
        };
        let mut at = vec![(0.0, 0); 11];
        at.extend([(5.0, 0); 5]);
        let o = outcome(&cfg, &[], &at, 1.0, 10);
        assert_eq!(o.counters.throttled, 1);
        assert_eq!(o.counters.cold_starts, 5);
        assert_eq!(o.usage.provisioned.unwrap().invocations, 10);
    }

    /// 3 from 00:00, 1 from 01:00: three 10 s requests at 59:55 are still running when the
    /// level drops; each is released when it ends until 1 is left (the last to end stays, idle).
    /// At 60:06 two requests: one on it, one cold on demand.
    #[test]
    fn a_dropped_level_releases_busy_environments_when_they_finish() {
        let action = |at_h: u64, level| ScheduledAction {
            at: SimDuration::from_secs(at_h * 3_600),
            period: DAY,
            min_size: None,
            max_size: None,
            desired_capacity: Some(level),
        };
        let cfg = config(ProvisionedConcurrency::Schedule(vec![
            action(0, 3),
            action(1, 1),
        ]));
        let o = outcome(
            &cfg,
            &[],
            &[
                (3_595.0, 0),
                (3_595.0, 0),
                (3_595.0, 0),
                (3_606.0, 0),
                (3_606.0, 0),
            ],
            10.0,
            3_700,
        );
        assert_eq!(o.counters.cold_starts, 1);
        assert_eq!(o.usage.provisioned.as_ref().unwrap().invocations, 4);
        // 3 × 1 GB × 3,600 s, then 1 × 1 GB × 100 s rounded up to 300: 11,100 GB-s.
        assert_eq!(o.usage.provisioned.unwrap().configured_gb_s(1.0), 11_100.0);
        // Alive at once at most: 3 provisioned at 59:55; at 60:06, 1 provisioned + 1 on demand.
        assert_eq!(o.capacity.peak_instances, 3);
    }

    /// Target tracking at 0.7 from `min_capacity` 1: 5 requests of 1 s arrive each second
    /// (evenly, 5 in flight at all times) for 30 minutes, then 1 per second.
    ///
    /// While the level L is 5 or less the provisioned environments are (nearly) always busy:
    /// utilisation > 0.7, and after 3 such minutes the level goes to ceil(L × u / 0.7). Once
    /// L ≥ 5 every request runs on a provisioned environment and L × u = 5, so the next level is
    /// ceil(5 / 0.7) = ceil(7.14) = 8, whatever the path; at 8, u = 5/8 = 0.625: not above 0.7,
    /// and though below 0.63 (0.9 × 0.7) the scale-in alarm wants ceil(8 × 0.625 / 0.7) = 8 —
    /// no change: it settles at 8, never above (L × u ≤ 5).
    ///
    /// So the scale-in alarm has been low for 15 minutes already when the load falls to 1 at
    /// 30:00, and the next datapoint (30:00–31:00) scales in at once: 1 busy all minute plus the
    /// last four 5-per-second requests finishing (0.2 + 0.4 + 0.6 + 0.8 s) = 62 s over 8 × 60:
    /// u = 0.129, ceil(8 × 0.129 / 0.7) = ceil(1.48) = 2. Then u = 1/2 = 0.5 wants ceil(1.43) =
    /// 2: it settles at 2.
    #[test]
    fn target_tracking_settles_where_utilisation_is_below_target() {
        let cfg = config(ProvisionedConcurrency::TargetTracking(
            ProvisionedTargetTracking {
                target_value: 0.7,
                min_capacity: 1,
                max_capacity: 20,
            },
        ));
        let profile = profile();
        let arrivals = (0..1_800 * 5)
            .map(|k| (k * 200_000, 0))
            .chain((1_800..3_600).map(|s| (s * 1_000_000, 0)));
        let horizon = SimTime::from_micros(3_600_000_000);
        let mut model = model(&cfg, &profile, &[], horizon);
        engine::run(&mut model, works(arrivals, 1.0), horizon, &mut |_| {});
        // The levels it went through, from the periods that ended, then the one in force.
        let periods = &model.provisioned.as_ref().unwrap().periods;
        let mut levels: Vec<u64> = periods.iter().map(|p| p.mb / 1_024).collect();
        levels.push(u64::from(model.fns[0].pc.level));
        let at = |s: u64| {
            periods
                .iter()
                .find(|p| p.start_us <= s * 1_000_000 && s * 1_000_000 < p.end_us)
                .map(|p| p.mb / 1_024)
        };
        assert_eq!(levels.iter().max(), Some(&8), "{levels:?}");
        assert_eq!(at(1_799), Some(8), "{levels:?}");
        assert_eq!(levels.last(), Some(&2), "{levels:?}");
        // Up while the load is 5, down once after it fell: rising, then falling.
        let top = levels.iter().position(|&l| l == 8).unwrap();
        assert!(levels[..=top].windows(2).all(|w| w[0] < w[1]), "{levels:?}");
        assert!(levels[top..].windows(2).all(|w| w[0] > w[1]), "{levels:?}");
        // 8 until 31:00, then 2.
        let down = periods.iter().find(|p| p.mb == 8 * 1_024).unwrap().end_us;
        assert_eq!(down, 1_860_000_000);
        assert_eq!(&levels[top..], [8, 2]);
    }

    #[test]
    fn next_run_is_strictly_later() {
        let a = action(8, DAY, 1);
        let h = |h: u64| SimTime::from_micros(h * 3_600_000_000);
        assert_eq!(next_run(&a, h(8)), h(32));
        assert_eq!(next_run(&a, h(0)), h(8));
    }
}
