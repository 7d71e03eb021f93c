//! EC2 Auto Scaling step scaling (awsdocs/amazon-ec2-auto-scaling-user-guide
//! `as-scaling-simple-step.md`).
//!
//! Each direction has its own alarm: the metric beyond `threshold` for `evaluation_periods`
//! consecutive datapoints. The step whose interval (relative to the threshold: lower bound
//! inclusive and upper exclusive above it, the reverse below) holds the breach gives the
//! adjustment; an adjustment of 0 (AWS's own example has one) does nothing. Warming instances —
//! warm-up counted from when an instance enters service — do not count as current capacity when
//! scaling out, so a breach that persists adds capacity once, and a deeper breach during warm-up
//! adds only the difference (AWS's example: 10 → desired 11, then a 30 % step of 10 → desired
//! 13). Step scaling has no cooldown. Source: Amazon EC2 Auto Scaling user guide, "Step and
//! simple scaling policies" ("Step adjustments", "Instance warmup"), 2024.

use super::{Datapoint, Decision, Observation, Policy, TargetMetric, show_metric, show_threshold};
use crate::engine::SimDuration;

/// How a step's adjustment changes capacity (`AdjustmentType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdjustmentType {
    /// `ChangeInCapacity`: add (or remove) this many instances.
    ChangeInCapacity,
    /// `ExactCapacity`: set capacity to this.
    ExactCapacity,
    /// `PercentChangeInCapacity`: change by this percentage of current capacity.
    PercentChangeInCapacity,
}

/// One step adjustment, bounds relative to the alarm threshold (`None` = unbounded).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepAdjustment {
    /// `MetricIntervalLowerBound`.
    pub lower: Option<f64>,
    /// `MetricIntervalUpperBound`.
    pub upper: Option<f64>,
    /// `ScalingAdjustment`.
    pub adjustment: i64,
}

/// One direction's alarm and steps.
#[derive(Clone, Debug, PartialEq)]
pub struct StepPolicyConfig {
    /// Alarm threshold, in the metric's unit (a fraction for CPU).
    pub threshold: f64,
    /// Consecutive breaching datapoints that set off the alarm.
    pub evaluation_periods: usize,
    /// How adjustments apply.
    pub adjustment_type: AdjustmentType,
    /// `MinAdjustmentMagnitude` for percent adjustments.
    pub min_adjustment_magnitude: Option<u32>,
    /// The steps.
    pub steps: Vec<StepAdjustment>,
}

/// Step scaling: an optional scale-out and an optional scale-in policy on one metric.
#[derive(Clone, Debug, PartialEq)]
pub struct StepScalingConfig {
    /// Metric the alarms watch.
    pub metric: TargetMetric,
    /// Metric period.
    pub period: SimDuration,
    /// `EstimatedInstanceWarmup`.
    pub instance_warmup: SimDuration,
    /// Policy for metric above its threshold.
    pub scale_out: Option<StepPolicyConfig>,
    /// Policy for metric below its threshold.
    pub scale_in: Option<StepPolicyConfig>,
}

/// A step-scaling policy.
#[derive(Clone, Debug)]
pub struct StepScaling {
    cfg: StepScalingConfig,
}

/// New capacity after `adjustment` of `kind` on `current`, with AWS's rounding of percentages:
/// above 1 round down (12.7 → 12), between 0 and 1 → 1, between −1 and 0 → −1, below −1 round
/// toward zero (−6.67 → −6); `MinAdjustmentMagnitude` then raises small changes.
pub fn apply_adjustment(
    current: u32,
    kind: AdjustmentType,
    adjustment: i64,
    min_magnitude: Option<u32>,
) -> u32 {
    let current_i = i64::from(current);
    let new = match kind {
        AdjustmentType::ChangeInCapacity => current_i + adjustment,
        AdjustmentType::ExactCapacity => adjustment,
        AdjustmentType::PercentChangeInCapacity => {
            let raw = current_i as f64 * adjustment as f64 / 100.0;
            let mut delta = if raw > 1.0 {
                raw.floor()
            } else if raw > 0.0 {
                1.0
            } else if raw > -1.0 && raw < 0.0 {
                -1.0
            } else {
                raw.ceil()
            } as i64;
            if let Some(m) = min_magnitude
                && delta != 0
                && delta.abs() < i64::from(m)
            {
                delta = delta.signum() * i64::from(m);
            }
            current_i + delta
        }
    };
    new.clamp(0, i64::from(u32::MAX)) as u32
}

impl StepScaling {
    /// A policy with the given alarms and steps.
    pub fn new(cfg: StepScalingConfig) -> Self {
        StepScaling { cfg }
    }
}

/// The latest value of `metric` if the last `n` datapoints all exist and satisfy `breach` (a
/// CloudWatch alarm of `n` out of `n` datapoints; missing data never breaches).
pub(super) fn latest_if_all(
    history: &[Datapoint],
    metric: TargetMetric,
    n: usize,
    breach: impl Fn(f64) -> bool,
) -> Option<f64> {
    if n == 0 || history.len() < n {
        return None;
    }
    let mut last = None;
    for d in &history[history.len() - n..] {
        let v = metric.of(d)?;
        if !breach(v) {
            return None;
        }
        last = Some(v);
    }
    last
}

/// An adjustment as AWS states it: "+10 %", "-1", "= 4".
fn show_adjustment(kind: AdjustmentType, adjustment: i64) -> String {
    match kind {
        AdjustmentType::ChangeInCapacity => format!("{adjustment:+}"),
        AdjustmentType::ExactCapacity => format!("= {adjustment}"),
        AdjustmentType::PercentChangeInCapacity => format!("{adjustment:+} %"),
    }
}

/// The step holding `breach` (metric − threshold): above the threshold lower bounds are
/// inclusive, below it upper bounds are.
fn step_for(steps: &[StepAdjustment], breach: f64, above: bool) -> Option<&StepAdjustment> {
    steps.iter().find(|s| {
        let lo = s.lower.unwrap_or(f64::NEG_INFINITY);
        let hi = s.upper.unwrap_or(f64::INFINITY);
        if above {
            lo <= breach && breach < hi
        } else {
            lo < breach && breach <= hi
        }
    })
}

impl Policy for StepScaling {
    fn period(&self) -> SimDuration {
        self.cfg.period
    }

    fn warmup(&self) -> SimDuration {
        self.cfg.instance_warmup
    }

    fn decide(&mut self, obs: &Observation) -> Decision {
        let cap = obs.capacity;
        let metric = self.cfg.metric;
        if let Some(out) = &self.cfg.scale_out
            && let Some(m) = latest_if_all(obs.history, metric, out.evaluation_periods, |v| {
                v > out.threshold
            })
            && let Some(step) = step_for(&out.steps, m - out.threshold, true)
        {
            let wanted = apply_adjustment(
                cap.in_service,
                out.adjustment_type,
                step.adjustment,
                out.min_adjustment_magnitude,
            );
            if wanted > cap.desired {
                return Decision::SetDesired {
                    desired: wanted,
                    reason: format!(
                        "{} above {} (step {}) over {} instances past warm-up",
                        show_metric(metric, m),
                        show_threshold(metric, out.threshold),
                        show_adjustment(out.adjustment_type, step.adjustment),
                        cap.in_service
                    ),
                };
            }
            return Decision::Hold;
        }
        if let Some(inn) = &self.cfg.scale_in
            && let Some(m) = latest_if_all(obs.history, metric, inn.evaluation_periods, |v| {
                v < inn.threshold
            })
            && let Some(step) = step_for(&inn.steps, m - inn.threshold, false)
        {
            let wanted = apply_adjustment(
                cap.desired,
                inn.adjustment_type,
                step.adjustment,
                inn.min_adjustment_magnitude,
            );
            if wanted < cap.desired {
                return Decision::SetDesired {
                    desired: wanted,
                    reason: format!(
                        "{} below {} (step {})",
                        show_metric(metric, m),
                        show_threshold(metric, inn.threshold),
                        show_adjustment(inn.adjustment_type, step.adjustment)
                    ),
                };
            }
        }
        Decision::Hold
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autoscale::Capacity;
    use crate::engine::SimTime;
    use AdjustmentType::*;

    #[test]
    fn percent_rounding_follows_aws() {
        // 12.7 → 12; 0.5 → 1; −0.5 → −1; −6.67 → −6.
        assert_eq!(
            apply_adjustment(127, PercentChangeInCapacity, 10, None),
            139
        );
        assert_eq!(apply_adjustment(5, PercentChangeInCapacity, 10, None), 6);
        assert_eq!(apply_adjustment(5, PercentChangeInCapacity, -10, None), 4);
        assert_eq!(apply_adjustment(20, PercentChangeInCapacity, -33, None), 14);
        // MinAdjustmentMagnitude 2 lifts a +1 to +2.
        assert_eq!(apply_adjustment(5, PercentChangeInCapacity, 10, Some(2)), 7);
        assert_eq!(apply_adjustment(5, ExactCapacity, 8, None), 8);
        assert_eq!(apply_adjustment(5, ChangeInCapacity, -9, None), 0);
    }

    fn policy() -> StepScaling {
        StepScaling::new(StepScalingConfig {
            metric: TargetMetric::Cpu,
            period: SimDuration::from_secs(60),
            instance_warmup: SimDuration::from_secs(300),
            scale_out: Some(StepPolicyConfig {
                threshold: 0.6,
                evaluation_periods: 1,
                adjustment_type: PercentChangeInCapacity,
                min_adjustment_magnitude: None,
                steps: vec![
                    StepAdjustment {
                        lower: Some(0.0),
                        upper: Some(0.1),
                        adjustment: 10,
                    },
                    StepAdjustment {
                        lower: Some(0.1),
                        upper: None,
                        adjustment: 30,
                    },
                ],
            }),
            scale_in: Some(StepPolicyConfig {
                threshold: 0.3,
                evaluation_periods: 1,
                adjustment_type: ChangeInCapacity,
                min_adjustment_magnitude: None,
                steps: vec![StepAdjustment {
                    lower: None,
                    upper: Some(0.0),
                    adjustment: -1,
                }],
            }),
        })
    }

    fn decide(
        p: &mut StepScaling,
        cpu: f64,
        desired: u32,
        in_service: u32,
        warming: u32,
    ) -> Option<u32> {
        let history = [Datapoint {
            cpu_utilisation: Some(cpu),
            ..Datapoint::default()
        }];
        let obs = Observation {
            now: SimTime::ZERO,
            capacity: Capacity {
                desired,
                booting: 0,
                warming,
                in_service,
                min: 1,
                max: 100,
                ..Capacity::default()
            },
            history: &history,
            pods: &[],
        };
        match p.decide(&obs) {
            Decision::SetDesired { desired, .. } => Some(desired),
            Decision::Hold => None,
        }
    }

    #[test]
    fn aws_example_adds_only_the_difference_during_warm_up() {
        let mut p = policy();
        // 10 instances, CPU 0.65: first step, +10 % of 10 = 1 → 11.
        assert_eq!(decide(&mut p, 0.65, 10, 10, 0), Some(11));
        // The same breach while the new one warms: 10 + 1 = 11, already desired: nothing.
        assert_eq!(decide(&mut p, 0.65, 11, 10, 1), None);
        // CPU 0.75 reaches the second step: +30 % of 10 = 3 → 13, i.e. 2 more.
        assert_eq!(decide(&mut p, 0.75, 11, 10, 1), Some(13));
    }

    #[test]
    fn scale_in_steps_below_the_threshold() {
        let mut p = policy();
        assert_eq!(decide(&mut p, 0.2, 10, 10, 0), Some(9));
        assert_eq!(decide(&mut p, 0.3, 10, 10, 0), None); // not below the threshold
        assert_eq!(decide(&mut p, 0.45, 10, 10, 0), None); // between the alarms
    }
}
