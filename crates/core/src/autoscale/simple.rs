//! EC2 Auto Scaling simple scaling (Amazon EC2 Auto Scaling user guide, "Step and simple
//! scaling policies" and "Scaling cooldowns for Amazon EC2 Auto Scaling", awsdocs
//! `amazon-ec2-auto-scaling-user-guide` `as-scaling-simple-step.md` and
//! `ec2-auto-scaling-scaling-cooldowns.md`, 2024).
//!
//! Each direction has an alarm (the metric beyond `threshold` for `evaluation_periods`
//! consecutive datapoints) and one `ScalingAdjustment` of an `AdjustmentType`. After a simple
//! scaling activity starts, the group waits for it to complete — every new instance in service,
//! every removed one terminated — and then for the cooldown (the policy's `Cooldown`, else the
//! group's `DefaultCooldown`, 300 s) before any simple policy responds to an alarm again.
//! Warm-up does not apply: every in-service instance counts, in the metric and in capacity.

use super::step::{AdjustmentType, apply_adjustment, latest_if_all};
use super::{Decision, Observation, Policy, TargetMetric, show_metric, show_threshold};
use crate::engine::{SimDuration, SimTime};

/// One direction's alarm and adjustment.
#[derive(Clone, Debug, PartialEq)]
pub struct SimpleAdjustment {
    /// Alarm threshold, in the metric's unit (a fraction for CPU).
    pub threshold: f64,
    /// Consecutive breaching datapoints that set off the alarm.
    pub evaluation_periods: usize,
    /// `AdjustmentType`.
    pub adjustment_type: AdjustmentType,
    /// `ScalingAdjustment` (positive out, negative in; `ExactCapacity`: the new capacity).
    pub scaling_adjustment: i64,
    /// `MinAdjustmentMagnitude` for percent adjustments.
    pub min_adjustment_magnitude: Option<u32>,
    /// The policy's `Cooldown`, replacing the group's default.
    pub cooldown: Option<SimDuration>,
}

/// Simple scaling: an optional scale-out and an optional scale-in policy on one metric.
#[derive(Clone, Debug, PartialEq)]
pub struct SimpleScalingConfig {
    /// Metric the alarms watch.
    pub metric: TargetMetric,
    /// Metric period.
    pub period: SimDuration,
    /// The group's `DefaultCooldown` (300 s).
    pub default_cooldown: SimDuration,
    /// Policy for the metric above its threshold.
    pub scale_out: Option<SimpleAdjustment>,
    /// Policy for the metric below its threshold.
    pub scale_in: Option<SimpleAdjustment>,
}

/// A simple-scaling policy.
#[derive(Clone, Debug)]
pub struct SimpleScaling {
    cfg: SimpleScalingConfig,
    /// The activity in progress: when it started and the cooldown that follows it.
    activity: Option<(SimTime, SimDuration)>,
}

impl SimpleScaling {
    /// A policy with the given alarms, no activity yet.
    pub fn new(cfg: SimpleScalingConfig) -> Self {
        SimpleScaling {
            cfg,
            activity: None,
        }
    }

    /// Whether an activity or its cooldown still blocks the policies at this evaluation.
    fn blocked(&mut self, obs: &Observation) -> bool {
        let Some((started, cooldown)) = self.activity else {
            return false;
        };
        let cap = obs.capacity;
        if cap.booting > 0 || cap.draining > 0 {
            return true; // not complete yet
        }
        let completed = cap.last_change.map_or(started, |t| t.max(started));
        if completed + cooldown > obs.now {
            return true;
        }
        self.activity = None;
        false
    }
}

impl Policy for SimpleScaling {
    fn period(&self) -> SimDuration {
        self.cfg.period
    }

    fn warmup(&self) -> SimDuration {
        SimDuration::ZERO
    }

    fn decide(&mut self, obs: &Observation) -> Decision {
        if self.blocked(obs) {
            return Decision::Hold;
        }
        let metric = self.cfg.metric;
        let current = obs.capacity.desired;
        let sides = [(&self.cfg.scale_out, true), (&self.cfg.scale_in, false)];
        for (side, above) in sides {
            let Some(a) = side else { continue };
            let breach = |v: f64| {
                if above {
                    v > a.threshold
                } else {
                    v < a.threshold
                }
            };
            let Some(m) = latest_if_all(obs.history, metric, a.evaluation_periods, breach) else {
                continue;
            };
            let wanted = apply_adjustment(
                current,
                a.adjustment_type,
                a.scaling_adjustment,
                a.min_adjustment_magnitude,
            )
            .clamp(obs.capacity.min, obs.capacity.max);
            if wanted == current {
                continue;
            }
            self.activity = Some((obs.now, a.cooldown.unwrap_or(self.cfg.default_cooldown)));
            return Decision::SetDesired {
                desired: wanted,
                reason: format!(
                    "{} {} {} for {} periods (simple {:+}{})",
                    show_metric(metric, m),
                    if above { "above" } else { "below" },
                    show_threshold(metric, a.threshold),
                    a.evaluation_periods,
                    a.scaling_adjustment,
                    if a.adjustment_type == AdjustmentType::PercentChangeInCapacity {
                        " %"
                    } else {
                        ""
                    },
                ),
            };
        }
        Decision::Hold
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autoscale::{Capacity, Datapoint};

    fn policy() -> SimpleScaling {
        SimpleScaling::new(SimpleScalingConfig {
            metric: TargetMetric::Cpu,
            period: SimDuration::from_secs(60),
            default_cooldown: SimDuration::from_secs(300),
            scale_out: Some(SimpleAdjustment {
                threshold: 0.7,
                evaluation_periods: 1,
                adjustment_type: AdjustmentType::ChangeInCapacity,
                scaling_adjustment: 2,
                min_adjustment_magnitude: None,
                cooldown: None,
            }),
            scale_in: None,
        })
    }

    fn decide(p: &mut SimpleScaling, t: u64, desired: u32, booting: u32, last: u64) -> u32 {
        let history = [Datapoint {
            cpu_utilisation: Some(0.9),
            ..Datapoint::default()
        }];
        let obs = Observation {
            now: SimTime::ZERO + SimDuration::from_secs(t),
            capacity: Capacity {
                desired,
                booting,
                in_service: desired - booting,
                min: 1,
                max: 100,
                last_change: Some(SimTime::ZERO + SimDuration::from_secs(last)),
                ..Capacity::default()
            },
            history: &history,
            pods: &[],
        };
        match p.decide(&obs) {
            Decision::SetDesired { desired, .. } => desired,
            Decision::Hold => desired,
        }
    }

    #[test]
    fn waits_for_the_activity_and_the_cooldown() {
        let mut p = policy();
        // 60 s: alarm, +2 → 6.
        assert_eq!(decide(&mut p, 60, 4, 0, 0), 6);
        // 120 s: the two still boot: the activity is not complete.
        assert_eq!(decide(&mut p, 120, 6, 2, 0), 6);
        // In service at 150 s: cooldown until 450 s.
        assert_eq!(decide(&mut p, 420, 6, 0, 150), 6);
        assert_eq!(decide(&mut p, 480, 6, 0, 150), 8);
    }
}
