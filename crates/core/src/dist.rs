//! Random durations: request service times and cold-start latencies.

use rand::RngExt;
use rand_distr::{Distribution, Exp1, StandardNormal};

use crate::engine::SimRng;

/// z such that P(N(0,1) ≤ z) = 0.99, to place a lognormal's p99.
const Z_99: f64 = 2.326_347_874_040_840_8;

/// Longest duration a distribution may have or draw, seconds: a week. Longer than any request a
/// load balancer or a function serves (an ALB closes a connection idle for its idle timeout, at
/// most 4,000 s; Lambda stops at 900 s), long enough for batch jobs modelled as requests, and far
/// from the sums that lose precision or overflow (a 10^20 ms duration once billed billions).
/// Scenario validation refuses parameters above it; draws from unbounded tails are capped at it.
pub const MAX_DURATION_S: f64 = 7.0 * 86_400.0;

/// A distribution of durations, in seconds. Every variant is validated non-negative, finite and
/// at most [`MAX_DURATION_S`]; draws never exceed it.
#[derive(Clone, Debug, PartialEq)]
pub enum DurationDist {
    /// Always the same value.
    Constant {
        /// The value, seconds.
        secs: f64,
    },
    /// Exponential with the given mean.
    Exponential {
        /// Mean, seconds.
        mean_secs: f64,
    },
    /// Lognormal; build it from a median and 99th percentile with [`DurationDist::lognormal`].
    LogNormal {
        /// Median, seconds.
        median_secs: f64,
        /// Standard deviation of the underlying normal.
        sigma: f64,
    },
    /// Uniform choice among observed values.
    Empirical {
        /// Observed values, seconds (at least one).
        values_secs: Vec<f64>,
    },
}

impl DurationDist {
    /// Lognormal with the given median and 99th percentile (seconds, p99 ≥ median > 0).
    pub fn lognormal(median_secs: f64, p99_secs: f64) -> Self {
        let sigma = if median_secs > 0.0 && p99_secs > median_secs {
            (p99_secs / median_secs).ln() / Z_99
        } else {
            0.0
        };
        DurationDist::LogNormal { median_secs, sigma }
    }

    /// The mean of the distribution, seconds.
    pub fn mean_secs(&self) -> f64 {
        match self {
            DurationDist::Constant { secs } => *secs,
            DurationDist::Exponential { mean_secs } => *mean_secs,
            DurationDist::LogNormal { median_secs, sigma } => {
                median_secs * (sigma * sigma / 2.0).exp()
            }
            DurationDist::Empirical { values_secs } => {
                values_secs.iter().sum::<f64>() / values_secs.len() as f64
            }
        }
    }

    /// Draw one value, seconds (at most [`MAX_DURATION_S`]).
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> f64 {
        match self {
            DurationDist::Constant { secs } => *secs,
            DurationDist::Exponential { mean_secs } => {
                let e: f64 = Exp1.sample(rng);
                (e * mean_secs).min(MAX_DURATION_S)
            }
            DurationDist::LogNormal { median_secs, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                (median_secs * (z * sigma).exp()).min(MAX_DURATION_S)
            }
            DurationDist::Empirical { values_secs } => {
                values_secs[rng.random_range(0..values_secs.len())]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    fn sample_mean(d: &DurationDist, n: usize) -> f64 {
        let mut rng = RngStreams::new(1).stream("t");
        (0..n).map(|_| d.sample(&mut rng)).sum::<f64>() / n as f64
    }

    #[test]
    fn lognormal_hits_its_median_and_p99() {
        let d = DurationDist::lognormal(0.08, 0.9);
        let mut rng = RngStreams::new(3).stream("t");
        let mut v: Vec<f64> = (0..200_000).map(|_| d.sample(&mut rng)).collect();
        v.sort_by(f64::total_cmp);
        assert!(
            (v[100_000] / 0.08 - 1.0).abs() < 0.02,
            "median {}",
            v[100_000]
        );
        assert!((v[198_000] / 0.9 - 1.0).abs() < 0.05, "p99 {}", v[198_000]);
        assert!((sample_mean(&d, 400_000) / d.mean_secs() - 1.0).abs() < 0.02);
    }

    #[test]
    fn exponential_mean() {
        let d = DurationDist::Exponential { mean_secs: 2.0 };
        assert!((sample_mean(&d, 400_000) / 2.0 - 1.0).abs() < 0.01);
    }
}
