//! EC2 Auto Scaling target tracking (awsdocs/amazon-ec2-auto-scaling-user-guide
//! `as-scaling-target-tracking.md`; alarm shapes as observed in the console).
//!
//! - Scale out when the metric is above the target for `scale_out_datapoints` consecutive
//!   periods (AlarmHigh, 3 of 3 one-minute datapoints): desired = ceil(current × metric / target),
//!   where current leaves out warming instances, so they are not added twice.
//! - Scale in when the metric is below `scale_in_ratio` × target for `scale_in_datapoints`
//!   consecutive periods (AlarmLow, 15 of 15, 0.9 × target): desired = ceil(current × metric /
//!   target), which removes only the whole part of the surplus — and never while a scale-out is
//!   in progress (instances booting or warming), nor without data. AWS: "the policy doesn't
//!   scale in if removing the minimum capacity unit would likely push the metric above the
//!   target"; capacity goes only when the metric is "sufficiently below the target (usually 10 %
//!   or more)" (docs.aws.amazon.com/autoscaling/application/userguide/
//!   target-tracking-scaling-policy-overview.html). Near a peak the metric then sits just under
//!   the target after a scale-in, and noise can trigger the next scale-out a few minutes later.

use super::{Datapoint, Decision, Observation, Policy, show_metric, show_threshold};
use crate::engine::SimDuration;

/// The metric a target-tracking policy follows (AWS's predefined metric types).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetMetric {
    /// `ASGAverageCPUUtilization`, as a fraction 0–1.
    Cpu,
    /// `ALBRequestCountPerTarget`: requests per in-service instance per period.
    RequestsPerTarget,
    /// `LambdaProvisionedConcurrencyUtilization` (Application Auto Scaling): provisioned
    /// environments busy ÷ provisioned concurrency configured, averaged over the period, 0–1.
    ProvisionedConcurrencyUtilization,
}

impl TargetMetric {
    /// The metric's value in a datapoint.
    pub(super) fn of(self, d: &Datapoint) -> Option<f64> {
        match self {
            TargetMetric::Cpu => d.cpu_utilisation,
            TargetMetric::RequestsPerTarget => d.requests_per_target,
            TargetMetric::ProvisionedConcurrencyUtilization => d.provisioned_utilisation,
        }
    }
}

/// Parameters, named as AWS names them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TargetTrackingConfig {
    /// Metric followed.
    pub metric: TargetMetric,
    /// `TargetValue` (a fraction for CPU).
    pub target_value: f64,
    /// Scale-in alarm threshold as a fraction of the target (observed 0.7–0.9; default 0.9).
    pub scale_in_ratio: f64,
    /// Consecutive high datapoints that trigger scale-out (default 3).
    pub scale_out_datapoints: usize,
    /// Consecutive low datapoints that trigger scale-in (default 15).
    pub scale_in_datapoints: usize,
    /// Metric period (default 60 s: detailed monitoring).
    pub period: SimDuration,
    /// `InstanceWarmup` (default 300 s).
    pub instance_warmup: SimDuration,
    /// `DisableScaleIn`.
    pub disable_scale_in: bool,
}

/// A target-tracking policy.
#[derive(Clone, Debug)]
pub struct TargetTracking {
    cfg: TargetTrackingConfig,
}

impl TargetTracking {
    /// A policy with the given parameters.
    pub fn new(cfg: TargetTrackingConfig) -> Self {
        TargetTracking { cfg }
    }

    /// The last `n` values of the metric, if all `n` exist.
    fn last(&self, history: &[Datapoint], n: usize) -> Option<Vec<f64>> {
        if n == 0 || history.len() < n {
            return None;
        }
        history[history.len() - n..]
            .iter()
            .map(|d| self.cfg.metric.of(d))
            .collect()
    }
}

impl Policy for TargetTracking {
    fn period(&self) -> SimDuration {
        self.cfg.period
    }

    fn warmup(&self) -> SimDuration {
        self.cfg.instance_warmup
    }

    fn decide(&mut self, obs: &Observation) -> Decision {
        let c = &self.cfg;
        let cap = obs.capacity;
        let target = c.target_value;
        if let Some(high) = self.last(obs.history, c.scale_out_datapoints)
            && high.iter().all(|m| *m > target)
        {
            let metric = high[high.len() - 1];
            let wanted = (f64::from(cap.in_service) * metric / target).ceil() as u32;
            if wanted > cap.desired {
                return Decision::SetDesired {
                    desired: wanted,
                    reason: format!(
                        "{} above target {} for {} periods",
                        show_metric(c.metric, metric),
                        show_threshold(c.metric, target),
                        c.scale_out_datapoints
                    ),
                };
            }
            return Decision::Hold;
        }
        let scale_out_in_progress = cap.booting > 0 || cap.warming > 0;
        if c.disable_scale_in || scale_out_in_progress {
            return Decision::Hold;
        }
        if let Some(low) = self.last(obs.history, c.scale_in_datapoints)
            && low.iter().all(|m| *m < target * c.scale_in_ratio)
        {
            let metric = low[low.len() - 1];
            let wanted = (f64::from(cap.desired) * metric / target).ceil() as u32;
            if wanted < cap.desired {
                return Decision::SetDesired {
                    desired: wanted,
                    reason: format!(
                        "{} below {} ({} × target {}) for {} periods",
                        show_metric(c.metric, metric),
                        show_threshold(c.metric, target * c.scale_in_ratio),
                        c.scale_in_ratio,
                        show_threshold(c.metric, target),
                        c.scale_in_datapoints
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

    fn policy() -> TargetTracking {
        TargetTracking::new(TargetTrackingConfig {
            metric: TargetMetric::Cpu,
            target_value: 0.5,
            scale_in_ratio: 0.9,
            scale_out_datapoints: 3,
            scale_in_datapoints: 15,
            period: SimDuration::from_secs(60),
            instance_warmup: SimDuration::from_secs(300),
            disable_scale_in: false,
        })
    }

    fn cpu(values: &[f64]) -> Vec<Datapoint> {
        values
            .iter()
            .map(|v| Datapoint {
                cpu_utilisation: Some(*v),
                ..Datapoint::default()
            })
            .collect()
    }

    fn decide(history: &[Datapoint], cap: Capacity) -> Decision {
        policy().decide(&Observation {
            now: SimTime::ZERO,
            capacity: cap,
            history,
            pods: &[],
        })
    }

    fn cap(desired: u32, in_service: u32, booting: u32, warming: u32) -> Capacity {
        Capacity {
            desired,
            booting,
            warming,
            in_service,
            min: 1,
            max: 100,
            ..Capacity::default()
        }
    }

    fn desired(d: Decision) -> Option<u32> {
        match d {
            Decision::SetDesired { desired, .. } => Some(desired),
            Decision::Hold => None,
        }
    }

    #[test]
    fn scales_out_after_three_high_periods_proportionally() {
        // Two high datapoints are not an alarm yet.
        assert_eq!(
            desired(decide(&cpu(&[0.4, 0.8, 0.8]), cap(4, 4, 0, 0))),
            None
        );
        // Three are: ceil(4 × 0.8 / 0.5) = ceil(6.4) = 7.
        assert_eq!(
            desired(decide(&cpu(&[0.8, 0.8, 0.8]), cap(4, 4, 0, 0))),
            Some(7)
        );
    }

    #[test]
    fn warming_instances_are_not_added_twice() {
        // 4 in service past warm-up, 3 more booting (desired 7): ceil(4 × 0.8/0.5) = 7, no change.
        assert_eq!(desired(decide(&cpu(&[0.8; 3]), cap(7, 4, 3, 0))), None);
        // Load grew further: ceil(4 × 1.0/0.5) = 8 > 7 adds one.
        assert_eq!(desired(decide(&cpu(&[1.0; 3]), cap(7, 4, 3, 0))), Some(8));
    }

    #[test]
    fn scales_in_after_fifteen_low_periods_removing_the_whole_surplus_only() {
        // Below 0.9 × 0.5 = 0.45 for 14 periods: nothing.
        assert_eq!(desired(decide(&cpu(&[0.3; 14]), cap(4, 4, 0, 0))), None);
        // 15 periods at 0.3: ceil(4 × 0.3/0.5) = ceil(2.4) = 3 — removes 1 of a 1.6 surplus.
        assert_eq!(desired(decide(&cpu(&[0.3; 15]), cap(4, 4, 0, 0))), Some(3));
        // One period in the window at 0.46 (not below 0.45): no scale-in.
        let mut h = cpu(&[0.3; 15]);
        h[7].cpu_utilisation = Some(0.46);
        assert_eq!(desired(decide(&h, cap(4, 4, 0, 0))), None);
    }

    #[test]
    fn no_scale_in_during_scale_out_or_without_data() {
        assert_eq!(desired(decide(&cpu(&[0.1; 15]), cap(4, 3, 1, 0))), None);
        assert_eq!(desired(decide(&cpu(&[0.1; 15]), cap(4, 3, 0, 1))), None);
        let mut h = cpu(&[0.1; 15]);
        h[14].cpu_utilisation = None;
        assert_eq!(desired(decide(&h, cap(4, 4, 0, 0))), None);
    }
}
