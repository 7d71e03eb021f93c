//! Metrics: exact request counters and latency histograms with bounded memory.

mod functions;
mod interval;
mod request_log;

pub use functions::{FunctionOutcome, FunctionTally};
pub use interval::{Integral, IntervalRecorder, IntervalRow, Snapshot};
pub use request_log::{RequestOutcome, RequestRecord, RequestSink};

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::engine::SimDuration;

/// Exact counts of what happened to requests. Every arrival ends in exactly one of completed,
/// throttled, timed out, or still in flight at the horizon.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Requests that arrived before the horizon.
    pub arrived: u64,
    /// Requests that finished by the horizon.
    pub completed: u64,
    /// Requests that started a new execution environment (serverless).
    pub cold_starts: u64,
    /// Requests refused at once because a concurrency limit was reached (HTTP 429).
    pub throttled: u64,
    /// Requests dropped after waiting in a queue for longer than the timeout.
    pub timed_out: u64,
    /// Requests still running or queued at the horizon.
    pub in_flight_at_end: u64,
}

impl Counters {
    /// True when every arrival is accounted for exactly once.
    pub fn is_conserved(&self) -> bool {
        self.arrived == self.completed + self.throttled + self.timed_out + self.in_flight_at_end
    }
}

/// Latency percentiles of completed requests, milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    /// Exact mean.
    pub mean_ms: f64,
    /// Median (≤ 0.1 % relative error, as every percentile here).
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// 99.9th percentile.
    pub p999_ms: f64,
    /// Exact maximum.
    pub max_ms: f64,
}

/// Records latencies in an HDR histogram: 3 significant digits (≤ 0.1 % relative error), memory
/// bounded by the range of values, not their number.
#[derive(Clone, Debug)]
pub struct LatencyRecorder {
    hist: Histogram<u64>,
    sum_us: u128,
    max_us: u64,
}

impl Default for LatencyRecorder {
    fn default() -> Self {
        LatencyRecorder {
            hist: Histogram::new(3).expect("3 significant digits is a valid histogram precision"),
            sum_us: 0,
            max_us: 0,
        }
    }
}

impl LatencyRecorder {
    /// Record one latency.
    #[inline]
    pub fn record(&mut self, latency: SimDuration) {
        let us = latency.as_micros();
        // The histogram resizes itself to fit; `saturating_record` would clamp to its initial
        // range instead.
        if self.hist.record(us).is_err() {
            self.hist.saturating_record(us);
        }
        self.sum_us += u128::from(us);
        self.max_us = self.max_us.max(us);
    }

    /// Add everything `other` recorded.
    pub fn add(&mut self, other: &LatencyRecorder) {
        self.hist
            .add(&other.hist)
            .expect("auto-resizing histograms accept any values");
        self.sum_us += other.sum_us;
        self.max_us = self.max_us.max(other.max_us);
    }

    /// Forget everything recorded, keeping the histogram's memory.
    pub fn reset(&mut self) {
        self.hist.reset();
        self.sum_us = 0;
        self.max_us = 0;
    }

    /// Number of latencies recorded.
    pub fn count(&self) -> u64 {
        self.hist.len()
    }

    /// Points of the latency distribution, `(latency ms, fraction of requests at or below)`, at
    /// quantiles spaced evenly on a log scale of the tail (0.5 … 0.99999) plus the maximum.
    pub fn cdf(&self) -> Vec<(f64, f64)> {
        if self.hist.is_empty() {
            return Vec::new();
        }
        let mut points: Vec<(f64, f64)> = (0..=40)
            .map(|i| {
                // Tail fraction from 0.5 down to 1e-5, evenly in log space; plus the body.
                let q = 1.0 - 0.5 * 10f64.powf(-f64::from(i) / 8.0);
                (self.hist.value_at_quantile(q) as f64 / 1_000.0, q)
            })
            .collect();
        let body = (1..10).map(|i| {
            let q = f64::from(i) * 0.05;
            (self.hist.value_at_quantile(q) as f64 / 1_000.0, q)
        });
        points.splice(0..0, body);
        points.push((self.max_us as f64 / 1_000.0, 1.0));
        points
    }

    /// Percentiles in milliseconds; all zero when nothing was recorded.
    pub fn summary(&self) -> LatencySummary {
        let n = self.hist.len();
        if n == 0 {
            return LatencySummary::default();
        }
        let q = |q: f64| self.hist.value_at_quantile(q) as f64 / 1_000.0;
        LatencySummary {
            mean_ms: (self.sum_us as f64 / n as f64) / 1_000.0,
            p50_ms: q(0.50),
            p90_ms: q(0.90),
            p99_ms: q(0.99),
            p999_ms: q(0.999),
            max_ms: self.max_us as f64 / 1_000.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_within_a_tenth_of_a_percent() {
        let mut r = LatencyRecorder::default();
        for us in 1..=100_000u64 {
            r.record(SimDuration::from_micros(us * 10));
        }
        let s = r.summary();
        assert!((s.p50_ms / 500.0 - 1.0).abs() <= 0.001, "{}", s.p50_ms);
        assert!((s.p99_ms / 990.0 - 1.0).abs() <= 0.001, "{}", s.p99_ms);
        assert_eq!(s.max_ms, 1_000.0);
        assert!((s.mean_ms - 500.005).abs() < 1e-9);
    }
}
