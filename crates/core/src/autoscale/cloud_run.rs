//! Cloud Run's metrics-based autoscaler: the recommended number of instances is the larger of
//! what two drivers ask for, each averaged over a one-minute window and evaluated every few
//! seconds (docs.cloud.google.com/run/docs/about-instance-autoscaling, "Metrics-based
//! scaling", and /run/docs/configuring/scaling-controls, read 2026-11-30):
//!
//! - concurrency: ⌈mean concurrent requests ÷ (concurrency target × maximum concurrency per
//!   instance)⌉, target 60 % (10–95 %);
//! - CPU: ⌈(mean CPU used per second ÷ CPUs per instance) ÷ CPU target⌉, target 60 % (10–95 %);
//! - "The Cloud Run autoscaler evaluates these every 5 seconds" (the same page, 2023 copy).
//!
//! The model adds Cloud Run's second mechanism, on-demand scaling (an instance started when a
//! request finds none free), itself; this file is the periodic one. Azure Functions' scale
//! controller is driven the same way, with its own period, window and per-instance target.

use std::collections::VecDeque;

use crate::engine::{SimDuration, SimTime};

/// Settings of a metrics-based container autoscaler.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MetricsScalerConfig {
    /// How often it evaluates (Cloud Run: 5 s).
    pub period: SimDuration,
    /// The window its drivers average over (Cloud Run: 1 minute).
    pub window: SimDuration,
    /// Requests per instance it aims for: the concurrency target × the maximum concurrency
    /// per instance (Cloud Run: 60 % of `concurrency`), > 0.
    pub target_concurrency: f64,
    /// The CPU utilisation it aims for, 0–1 (Cloud Run: 0.6); `None`: no CPU driver.
    pub cpu_target: Option<f64>,
    /// vCPUs per instance (the CPU driver's divisor), > 0.
    pub vcpus: f64,
}

/// One evaluation period's observation.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Sample {
    end: SimTime,
    span_us: f64,
    /// Request-µs in the service over the period.
    concurrency_area: f64,
    /// CPU core-seconds used over the period.
    cpu_core_s: f64,
}

/// A metrics-based autoscaler with its window of observations.
#[derive(Clone, Debug)]
pub struct MetricsScaler {
    cfg: MetricsScalerConfig,
    samples: VecDeque<Sample>,
}

/// `⌈x⌉` with float noise forgiven: 48 / (0.6 × 80) is 1, not 2.
fn ceil_count(x: f64) -> u32 {
    let c = (x - 1e-9).ceil().max(0.0);
    if c >= f64::from(u32::MAX) {
        u32::MAX
    } else {
        c as u32
    }
}

impl MetricsScaler {
    /// A scaler with no observations yet.
    pub fn new(cfg: MetricsScalerConfig) -> Self {
        MetricsScaler {
            cfg,
            samples: VecDeque::new(),
        }
    }

    /// Its settings.
    pub fn config(&self) -> &MetricsScalerConfig {
        &self.cfg
    }

    /// Record the period of `span` ending at `now`: `concurrency_area` request-µs in the
    /// service (running or waiting) and `cpu_core_s` CPU core-seconds used.
    pub fn record(
        &mut self,
        now: SimTime,
        span: SimDuration,
        concurrency_area: f64,
        cpu_core_s: f64,
    ) {
        self.samples.push_back(Sample {
            end: now,
            span_us: span.as_micros() as f64,
            concurrency_area,
            cpu_core_s,
        });
        while self
            .samples
            .front()
            .is_some_and(|s| s.end + self.cfg.window <= now)
        {
            self.samples.pop_front();
        }
    }

    /// The recommended instances at `now` (before the service's minimum and maximum) and why:
    /// the larger of the two drivers over the window (the periods recorded within it).
    pub fn decide(&self, now: SimTime) -> (u32, String) {
        let in_window = self
            .samples
            .iter()
            .filter(|s| s.end + self.cfg.window > now);
        let (mut span_us, mut area, mut cpu) = (0.0, 0.0, 0.0);
        for s in in_window {
            span_us += s.span_us;
            area += s.concurrency_area;
            cpu += s.cpu_core_s;
        }
        if span_us <= 0.0 {
            return (0, "no traffic observed".into());
        }
        let concurrency = area / span_us;
        let by_concurrency = ceil_count(concurrency / self.cfg.target_concurrency);
        let mut reason = format!(
            "mean concurrency {concurrency:.2} over {} s at {:.1} per instance",
            (span_us / 1e6).round(),
            self.cfg.target_concurrency
        );
        let mut desired = by_concurrency;
        if let Some(target) = self.cfg.cpu_target {
            let cpu_per_instance = cpu / (span_us / 1e6) / self.cfg.vcpus;
            let by_cpu = ceil_count(cpu_per_instance / target);
            if by_cpu > desired {
                desired = by_cpu;
                reason = format!(
                    "mean CPU {:.2} instances' worth at a {:.0} % target",
                    cpu_per_instance,
                    target * 100.0
                );
            }
        }
        (desired, reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(s)
    }

    /// Concurrency 80, target 60 % → 48 per instance. Twelve 5 s periods at a mean of 100
    /// concurrent requests: ⌈100 / 48⌉ = 3. With 0.5 core-s per second used on 1 vCPU, the
    /// CPU driver asks ⌈0.5 / 0.6⌉ = 1: concurrency decides. A thirteenth period at 0 drops the
    /// first out of the 60 s window: the mean stays 100 over the eleven in the window plus 0 —
    /// (11 × 100 + 0) / 12 = 91.7 → ⌈1.91⌉ = 2.
    #[test]
    fn the_larger_driver_over_the_window_decides() {
        let mut s = MetricsScaler::new(MetricsScalerConfig {
            period: SimDuration::from_secs(5),
            window: SimDuration::from_secs(60),
            target_concurrency: 48.0,
            cpu_target: Some(0.6),
            vcpus: 1.0,
        });
        let p = SimDuration::from_secs(5);
        for k in 1..=12 {
            s.record(at(5 * k), p, 100.0 * 5e6, 2.5);
        }
        assert_eq!(s.decide(at(60)).0, 3);
        s.record(at(65), p, 0.0, 0.0);
        assert_eq!(s.decide(at(65)).0, 2);
    }

    /// CPU-bound: 2 core-s per second on 2 vCPUs = one instance's worth at 100 %; at a 60 %
    /// target ⌈1 / 0.6⌉ = 2, while concurrency 1 asks ⌈1 / 48⌉ = 1.
    #[test]
    fn cpu_decides_for_cpu_bound_work() {
        let mut s = MetricsScaler::new(MetricsScalerConfig {
            period: SimDuration::from_secs(5),
            window: SimDuration::from_secs(60),
            target_concurrency: 48.0,
            cpu_target: Some(0.6),
            vcpus: 2.0,
        });
        s.record(at(5), SimDuration::from_secs(5), 5e6, 10.0);
        let (n, why) = s.decide(at(5));
        assert_eq!(n, 2, "{why}");
        assert!(why.contains("CPU"), "{why}");
    }

    #[test]
    fn nothing_observed_asks_for_nothing() {
        let s = MetricsScaler::new(MetricsScalerConfig {
            period: SimDuration::from_secs(5),
            window: SimDuration::from_secs(60),
            target_concurrency: 48.0,
            cpu_target: None,
            vcpus: 1.0,
        });
        assert_eq!(s.decide(at(5)).0, 0);
    }
}
