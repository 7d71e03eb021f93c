//! Kubernetes Horizontal Pod Autoscaler (kubernetes/website
//! `content/en/docs/tasks/run-application/horizontal-pod-autoscale.md`), with an instance as a pod.
//!
//! Every sync period (15 s): `desired = ceil(current × metric / target)` over ready pods, skipped
//! when the ratio is within the tolerance (0.1) of 1. On scale-up, pods not yet ready count as
//! 0 % and the ratio is recomputed; if that falls within the tolerance nothing happens. Scale-down
//! uses the highest recommendation of the stabilisation window (300 s). Scale-up is limited to
//! max(100 %, 4 pods) per period.

use std::collections::VecDeque;

use super::{Decision, Observation, Policy};
use crate::engine::{SimDuration, SimTime};

/// Parameters, named as Kubernetes names them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HpaConfig {
    /// `averageUtilization` of CPU, as a fraction 0–1.
    pub average_utilization: f64,
    /// `--horizontal-pod-autoscaler-tolerance` (default 0.1).
    pub tolerance: f64,
    /// `--horizontal-pod-autoscaler-sync-period` (default 15 s).
    pub sync_period: SimDuration,
    /// `behavior.scaleDown.stabilizationWindowSeconds` (default 300 s).
    pub scale_down_stabilization: SimDuration,
    /// Scale-up policy `Percent` per period (default 100).
    pub scale_up_percent: f64,
    /// Scale-up policy `Pods` per period (default 4).
    pub scale_up_pods: u32,
}

/// An HPA.
#[derive(Clone, Debug)]
pub struct Hpa {
    cfg: HpaConfig,
    /// Recent recommendations, for the scale-down stabilisation window.
    recommendations: VecDeque<(SimTime, u32)>,
}

impl Hpa {
    /// An HPA with no recommendations yet.
    pub fn new(cfg: HpaConfig) -> Self {
        Hpa {
            cfg,
            recommendations: VecDeque::new(),
        }
    }

    /// The replica count the metric alone recommends.
    fn recommend(&self, utilization: f64, ready: u32, not_ready: u32, current: u32) -> u32 {
        let c = &self.cfg;
        let ratio = utilization / c.average_utilization;
        if (ratio - 1.0).abs() <= c.tolerance {
            return current;
        }
        if ratio > 1.0 && not_ready > 0 {
            let all = f64::from(ready + not_ready);
            let conservative = ratio * f64::from(ready) / all;
            if conservative <= 1.0 + c.tolerance {
                return current;
            }
            return (conservative * all).ceil() as u32;
        }
        (ratio * f64::from(ready)).ceil() as u32
    }
}

impl Policy for Hpa {
    fn period(&self) -> SimDuration {
        self.cfg.sync_period
    }

    fn warmup(&self) -> SimDuration {
        SimDuration::ZERO
    }

    fn decide(&mut self, obs: &Observation) -> Decision {
        let cap = obs.capacity;
        let current = cap.desired;
        let ready = cap.in_service + cap.warming;
        let Some(utilization) = obs.history.last().and_then(|d| d.cpu_utilisation) else {
            return Decision::Hold;
        };
        if ready == 0 {
            return Decision::Hold;
        }
        let recommended = self.recommend(utilization, ready, cap.booting, current);
        let window = self.cfg.scale_down_stabilization;
        self.recommendations.push_back((obs.now, recommended));
        while let Some(&(t, _)) = self.recommendations.front() {
            if t + window > obs.now {
                break;
            }
            self.recommendations.pop_front();
        }
        let stabilized = if recommended < current {
            let highest = self
                .recommendations
                .iter()
                .map(|(_, r)| *r)
                .max()
                .unwrap_or(current);
            highest.min(current)
        } else {
            recommended
        };
        let up_limit = ((f64::from(current) * (1.0 + self.cfg.scale_up_percent / 100.0)) as u32)
            .max(current + self.cfg.scale_up_pods);
        let desired = stabilized.min(up_limit);
        if desired == current {
            return Decision::Hold;
        }
        Decision::SetDesired {
            desired,
            reason: format!(
                "CPU {:.3} vs target {} over {ready} ready pods (recommended {recommended})",
                utilization, self.cfg.average_utilization
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autoscale::{Capacity, Datapoint};

    fn hpa() -> Hpa {
        Hpa::new(HpaConfig {
            average_utilization: 0.5,
            tolerance: 0.1,
            sync_period: SimDuration::from_secs(15),
            scale_down_stabilization: SimDuration::from_secs(300),
            scale_up_percent: 100.0,
            scale_up_pods: 4,
        })
    }

    /// Decide at `t` seconds with `ready` pods and `booting` not ready, CPU at `cpu`.
    fn step(h: &mut Hpa, t: u64, desired: u32, ready: u32, booting: u32, cpu: f64) -> u32 {
        let history = [Datapoint {
            cpu_utilisation: Some(cpu),
            ..Datapoint::default()
        }];
        let obs = Observation {
            now: SimTime::from_micros(t * 1_000_000),
            capacity: Capacity {
                desired,
                booting,
                warming: 0,
                in_service: ready,
                min: 1,
                max: 1_000,
            },
            history: &history,
        };
        match h.decide(&obs) {
            Decision::SetDesired { desired, .. } => desired,
            Decision::Hold => desired,
        }
    }

    #[test]
    fn doc_example_doubles_at_twice_the_target() {
        // "if the current metric value is 200m, and the desired value is 100m, the number of
        // replicas will be doubled, since 200.0 / 100.0 == 2.0"
        assert_eq!(step(&mut hpa(), 0, 3, 3, 0, 1.0), 6);
    }

    #[test]
    fn doc_example_halves_at_half_the_target() {
        // "If the current value is instead 50m, you'll halve the number of replicas"
        assert_eq!(step(&mut hpa(), 0, 6, 6, 0, 0.25), 3);
    }

    #[test]
    fn doc_tolerance_skips_ratios_near_one() {
        // Ratio 1.08 and 0.92 are within the default 0.1 tolerance; 1.12 is not.
        assert_eq!(step(&mut hpa(), 0, 10, 10, 0, 0.54), 10);
        assert_eq!(step(&mut hpa(), 0, 10, 10, 0, 0.46), 10);
        assert_eq!(step(&mut hpa(), 0, 10, 10, 0, 0.56), 12);
    }

    #[test]
    fn doc_scale_down_keeps_the_highest_recommendation_of_the_window() {
        let mut h = hpa();
        // t=0: at target, recommendation 10. Then load falls: recommendations 5 and below.
        assert_eq!(step(&mut h, 0, 10, 10, 0, 0.5), 10);
        assert_eq!(step(&mut h, 15, 10, 10, 0, 0.25), 10);
        assert_eq!(step(&mut h, 150, 10, 10, 0, 0.25), 10);
        // At 300 s the t=0 recommendation leaves the 300 s window: the highest left is 5.
        assert_eq!(step(&mut h, 300, 10, 10, 0, 0.25), 5);
    }

    #[test]
    fn doc_scale_up_is_limited_to_max_of_100_percent_and_4_pods() {
        // 1 replica at 10× the target wants 10: max(1 × 2, 1 + 4) = 5 this period.
        assert_eq!(step(&mut hpa(), 0, 1, 1, 0, 5.0), 5);
        // 10 replicas at 4× want 40: max(10 × 2, 10 + 4) = 20.
        assert_eq!(step(&mut hpa(), 0, 10, 10, 0, 2.0), 20);
    }

    #[test]
    fn doc_not_ready_pods_count_as_zero_on_scale_up() {
        // 2 ready pods at 100 % (ratio 2), 2 booting: (2 × 2)/4 = 1.0 → within tolerance.
        assert_eq!(step(&mut hpa(), 0, 4, 2, 2, 1.0), 4);
        // 2 ready at 150 % (ratio 3), 2 booting: 3 × 2/4 = 1.5 → ceil(1.5 × 4) = 6.
        assert_eq!(step(&mut hpa(), 0, 4, 2, 2, 1.5), 6);
    }
}
