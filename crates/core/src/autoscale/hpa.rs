//! Kubernetes Horizontal Pod Autoscaler on CPU, with an instance as a pod.
//!
//! Sources: Kubernetes documentation, "Horizontal Pod Autoscaling", sections "Algorithm
//! details", "Stabilization window", "Default behavior" (kubernetes/website
//! `content/en/docs/tasks/run-application/horizontal-pod-autoscale.md`, 2024); the controller,
//! kubernetes/kubernetes `pkg/controller/podautoscaler/replica_calculator.go`
//! (`GetResourceReplicas`, `groupPods`) and `horizontal.go` (`stabilizeRecommendationWithBehaviors`,
//! `convertDesiredReplicasWithBehaviorRate`), v1.30, 2024.
//!
//! Every sync period (15 s):
//! 1. Pods are grouped. Starting pods (phase `Pending`: the instance boots) are *unready*. A
//!    ready pod still within `cpu_initialization_period` (5 min) of its start is also unready
//!    until one full metric window (a sync period) has passed since it became ready. Past that
//!    period a ready pod counts. (`--horizontal-pod-autoscaler-initial-readiness-delay`, 30 s,
//!    decides only for pods that run but are not ready, which a fleet instance never is: it is
//!    booting or in service.) A ready pod without a CPU sample is *missing*.
//! 2. `ratio = mean CPU of ready pods / averageUtilization`. With no unready pod on a scale-up
//!    and no missing pod: nothing if |ratio − 1| ≤ tolerance (0.1), else
//!    `ceil(ratio × ready)`. Otherwise the average is recomputed: missing pods at 100 % of their
//!    request on a scale-down, 0 % on a scale-up; on a scale-up unready pods at 0 %. If the new
//!    ratio is within the tolerance or points the other way, nothing; else
//!    `ceil(new ratio × pods counted)`, unless that moves the other way.
//! 3. No ready pod with a sample: no recommendation (the controller reports an error).
//! 4. Stabilisation: the result is kept between the lowest recommendation of the scale-up window
//!    (default 0 s) and the highest of the scale-down window (default 300 s), both including the
//!    current one; with a 0 s window the current recommendation is acted on at once.
//! 5. Rate: `behavior` policies limit the change (defaults: up max(100 %, 4 pods) per 15 s,
//!    down 100 % per 15 s), then `minReplicas`/`maxReplicas`.
//!
//! The controller without a `behavior` field uses an older limit, max(2 × current, 4); scalesim
//! applies the documented "Default behavior" in every case.

use super::behavior::{ScaleEvent, scale_down_limit, scale_up_limit};
use super::{Decision, HpaScalingRules, Observation, Policy};
use crate::engine::{SimDuration, SimTime};

/// Parameters, named as Kubernetes names them.
#[derive(Clone, Debug, PartialEq)]
pub struct HpaConfig {
    /// `averageUtilization` of CPU, as a fraction (0.5 for 50 %).
    pub average_utilization: f64,
    /// `--horizontal-pod-autoscaler-tolerance` (default 0.1).
    pub tolerance: f64,
    /// `--horizontal-pod-autoscaler-sync-period` (default 15 s); also the metric window.
    pub sync_period: SimDuration,
    /// `--horizontal-pod-autoscaler-cpu-initialization-period` (default 5 min).
    pub cpu_initialization_period: SimDuration,
    /// `behavior.scaleUp`, defaults filled in.
    pub scale_up: HpaScalingRules,
    /// `behavior.scaleDown`, defaults filled in.
    pub scale_down: HpaScalingRules,
}

impl HpaConfig {
    /// Kubernetes' defaults for a CPU target `average_utilization` (a fraction).
    pub fn with_defaults(average_utilization: f64) -> Self {
        HpaConfig {
            average_utilization,
            tolerance: 0.1,
            sync_period: SimDuration::from_secs(15),
            cpu_initialization_period: SimDuration::from_secs(300),
            scale_up: HpaScalingRules::default_scale_up(),
            scale_down: HpaScalingRules::default_scale_down(SimDuration::from_secs(300)),
        }
    }
}

/// An HPA.
#[derive(Clone, Debug)]
pub struct Hpa {
    cfg: HpaConfig,
    /// Recent unstabilised recommendations, for the stabilisation windows.
    recommendations: Vec<(SimTime, u32)>,
    /// Recent scale-ups and scale-downs, for the rate policies.
    ups: Vec<ScaleEvent>,
    downs: Vec<ScaleEvent>,
}

/// Pods grouped as `groupPods` groups them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Groups {
    ready: u32,
    /// Sum of the ready pods' CPU utilisations.
    ready_cpu: f64,
    unready: u32,
    missing: u32,
}

impl Hpa {
    /// An HPA with no recommendations yet.
    pub fn new(cfg: HpaConfig) -> Self {
        Hpa {
            cfg,
            recommendations: Vec::new(),
            ups: Vec::new(),
            downs: Vec::new(),
        }
    }

    fn group(&self, obs: &Observation) -> Groups {
        let mut g = Groups::default();
        for pod in obs.pods {
            let Some(ready_at) = pod.ready_since else {
                g.unready += 1; // Pending
                continue;
            };
            let Some(cpu) = pod.cpu_utilisation else {
                g.missing += 1;
                continue;
            };
            // Within the CPU initialisation period a pod counts only once a whole metric window
            // has passed since it became ready.
            let initialising = pod.started + self.cfg.cpu_initialization_period > obs.now;
            if initialising && obs.now < ready_at + self.cfg.sync_period {
                g.unready += 1;
                continue;
            }
            g.ready += 1;
            g.ready_cpu += cpu;
        }
        g
    }

    fn within_tolerance(&self, ratio: f64) -> bool {
        (ratio - 1.0).abs() <= self.cfg.tolerance
    }

    /// The replica count the metric recommends (`GetResourceReplicas`), with the ratio that
    /// led to it; `None` without any ready pod's sample.
    fn recommend(&self, g: Groups, current: u32) -> Option<(u32, f64)> {
        if g.ready == 0 {
            return None;
        }
        let target = self.cfg.average_utilization;
        let ratio = g.ready_cpu / f64::from(g.ready) / target;
        let scale_up_with_unready = g.unready > 0 && ratio > 1.0;
        if !scale_up_with_unready && g.missing == 0 {
            if self.within_tolerance(ratio) {
                return Some((current, ratio));
            }
            return Some(((ratio * f64::from(g.ready)).ceil() as u32, ratio));
        }
        let (mut sum, mut n) = (g.ready_cpu, g.ready);
        if ratio < 1.0 {
            // Missing pods at 100 % of their request (or the target, were it higher).
            sum += f64::from(g.missing) * target.max(1.0);
            n += g.missing;
        } else if ratio > 1.0 {
            n += g.missing; // at 0 %
        }
        if scale_up_with_unready {
            n += g.unready; // at 0 %
        }
        let new_ratio = sum / f64::from(n) / target;
        let flips = (ratio < 1.0 && new_ratio > 1.0) || (ratio > 1.0 && new_ratio < 1.0);
        if self.within_tolerance(new_ratio) || flips {
            return Some((current, ratio));
        }
        let replicas = (new_ratio * f64::from(n)).ceil() as u32;
        if (new_ratio < 1.0 && replicas > current) || (new_ratio > 1.0 && replicas < current) {
            return Some((current, ratio));
        }
        Some((replicas, new_ratio))
    }

    /// Keep `desired` between the lowest recommendation of the scale-up window and the
    /// highest of the scale-down window, then record it.
    fn stabilize(&mut self, now: SimTime, current: u32, desired: u32) -> u32 {
        let (up_window, down_window) = (
            self.cfg.scale_up.stabilization_window,
            self.cfg.scale_down.stabilization_window,
        );
        let (mut up, mut down) = (desired, desired);
        for &(t, r) in &self.recommendations {
            if t + up_window > now {
                up = up.min(r);
            }
            if t + down_window > now {
                down = down.max(r);
            }
        }
        let keep = up_window.max(down_window);
        self.recommendations.retain(|&(t, _)| t + keep > now);
        self.recommendations.push((now, desired));
        current.max(up).min(down)
    }

    /// Apply the rate policies and the replica bounds (`convertDesiredReplicasWithBehaviorRate`).
    fn limit(&self, now: SimTime, current: u32, desired: u32, min: u32, max: u32) -> u32 {
        if desired > current {
            let limit = scale_up_limit(&self.cfg.scale_up, current, now, &self.ups, &self.downs);
            desired.min(limit.min(max))
        } else if desired < current {
            let limit =
                scale_down_limit(&self.cfg.scale_down, current, now, &self.ups, &self.downs);
            desired.max(limit.max(min))
        } else {
            desired
        }
    }

    fn record(&mut self, now: SimTime, current: u32, desired: u32) {
        let keep = self
            .cfg
            .scale_up
            .longest_period()
            .max(self.cfg.scale_down.longest_period());
        self.ups.retain(|e| e.at + keep > now);
        self.downs.retain(|e| e.at + keep > now);
        let (events, change) = if desired > current {
            (&mut self.ups, desired - current)
        } else {
            (&mut self.downs, current - desired)
        };
        events.push(ScaleEvent { at: now, change });
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
        let now = obs.now;
        let desired = if current > cap.max {
            cap.max
        } else if current < cap.min {
            cap.min
        } else {
            let g = self.group(obs);
            let Some((recommended, ratio)) = self.recommend(g, current) else {
                return Decision::Hold;
            };
            let stabilized = self.stabilize(now, current, recommended);
            let desired = self.limit(now, current, stabilized, cap.min, cap.max);
            if desired == current {
                return Decision::Hold;
            }
            self.record(now, current, desired);
            let mean = g.ready_cpu / f64::from(g.ready);
            return Decision::SetDesired {
                desired,
                reason: format!(
                    "CPU {:.1} % vs target {} % over {} ready pods ({} not ready, {} without \
                     metrics): ratio {:.2}, recommended {recommended}",
                    mean * 100.0,
                    (self.cfg.average_utilization * 100.0 * 1e6).round() / 1e6,
                    g.ready,
                    g.unready,
                    g.missing,
                    ratio,
                ),
            };
        };
        if desired == current {
            return Decision::Hold;
        }
        self.record(now, current, desired);
        Decision::SetDesired {
            desired,
            reason: format!("{current} replicas outside [{}, {}]", cap.min, cap.max),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autoscale::{Capacity, PodSample};

    fn hpa() -> Hpa {
        Hpa::new(HpaConfig::with_defaults(0.5))
    }

    fn at(s: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(s)
    }

    /// Decide at `t` s (≥ 600 s, past every pod's initialisation) with `ready` pods at `cpu`
    /// and `booting` pods.
    fn step(h: &mut Hpa, t: u64, desired: u32, ready: u32, booting: u32, cpu: f64) -> u32 {
        let mut pods = vec![
            PodSample {
                started: SimTime::ZERO,
                ready_since: Some(SimTime::ZERO),
                cpu_utilisation: Some(cpu),
            };
            ready as usize
        ];
        pods.extend((0..booting).map(|_| PodSample {
            started: at(t - 10),
            ready_since: None,
            cpu_utilisation: None,
        }));
        let obs = Observation {
            now: at(t),
            capacity: Capacity {
                desired,
                booting,
                in_service: ready,
                min: 1,
                max: 1_000,
                ..Capacity::default()
            },
            history: &[],
            pods: &pods,
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
        assert_eq!(step(&mut hpa(), 600, 3, 3, 0, 1.0), 6);
    }

    #[test]
    fn doc_example_halves_at_half_the_target() {
        // "If the current value is instead 50m, you'll halve the number of replicas": with the
        // default 300 s window only once nothing higher was recommended in it.
        let mut h = hpa();
        h.cfg.scale_down.stabilization_window = SimDuration::ZERO;
        assert_eq!(step(&mut h, 600, 6, 6, 0, 0.25), 3);
    }

    #[test]
    fn doc_tolerance_skips_ratios_near_one() {
        // Ratio 1.08 and 0.92 are within the default 0.1 tolerance; 1.12 is not.
        assert_eq!(step(&mut hpa(), 600, 10, 10, 0, 0.54), 10);
        assert_eq!(step(&mut hpa(), 600, 10, 10, 0, 0.46), 10);
        assert_eq!(step(&mut hpa(), 600, 10, 10, 0, 0.56), 12);
    }

    #[test]
    fn doc_scale_down_keeps_the_highest_recommendation_of_the_window() {
        let mut h = hpa();
        // t=600: at target, recommendation 10. Then load falls: recommendations 5.
        assert_eq!(step(&mut h, 600, 10, 10, 0, 0.5), 10);
        assert_eq!(step(&mut h, 615, 10, 10, 0, 0.25), 10);
        assert_eq!(step(&mut h, 750, 10, 10, 0, 0.25), 10);
        // At 900 s the t=600 recommendation is 300 s old, out of the window: the highest left is 5.
        assert_eq!(step(&mut h, 900, 10, 10, 0, 0.25), 5);
    }

    #[test]
    fn a_zero_window_scales_down_at_once() {
        let mut h = hpa();
        h.cfg.scale_down.stabilization_window = SimDuration::ZERO;
        assert_eq!(step(&mut h, 600, 2, 2, 0, 0.5), 2);
        assert_eq!(step(&mut h, 615, 2, 2, 0, 0.0), 1);
    }

    #[test]
    fn doc_scale_up_is_limited_to_max_of_100_percent_and_4_pods() {
        // 1 replica at 10× the target wants 10: max(1 × 2, 1 + 4) = 5 this period.
        assert_eq!(step(&mut hpa(), 600, 1, 1, 0, 5.0), 5);
        // 10 replicas at 4× want 40: max(10 × 2, 10 + 4) = 20.
        assert_eq!(step(&mut hpa(), 600, 10, 10, 0, 2.0), 20);
    }

    #[test]
    fn doc_not_ready_pods_count_as_zero_on_scale_up() {
        // 2 ready pods at 100 % (ratio 2), 2 booting: (2 × 2)/4 = 1.0 → within tolerance.
        assert_eq!(step(&mut hpa(), 600, 4, 2, 2, 1.0), 4);
        // 2 ready at 150 % (ratio 3), 2 booting: 3 × 2/4 = 1.5 → ceil(1.5 × 4) = 6.
        assert_eq!(step(&mut hpa(), 600, 4, 2, 2, 1.5), 6);
    }
}
