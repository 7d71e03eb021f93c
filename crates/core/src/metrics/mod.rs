//! Metrics: exact request counters and latency histograms with bounded memory.

mod functions;
mod interval;
mod request_log;

pub use functions::{FunctionOutcome, FunctionTally};
pub use interval::{
    CountIntegral, Integral, IntervalRecorder, IntervalRow, IntervalSlice, OpenInterval, Snapshot,
};
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

impl std::ops::Add for Counters {
    type Output = Counters;

    /// The counts of two stretches of a run together.
    fn add(self, o: Counters) -> Counters {
        Counters {
            arrived: self.arrived + o.arrived,
            completed: self.completed + o.completed,
            cold_starts: self.cold_starts + o.cold_starts,
            throttled: self.throttled + o.throttled,
            timed_out: self.timed_out + o.timed_out,
            in_flight_at_end: self.in_flight_at_end + o.in_flight_at_end,
        }
    }
}

impl Counters {
    /// True when every arrival is accounted for exactly once.
    pub fn is_conserved(&self) -> bool {
        self.arrived == self.completed + self.throttled + self.timed_out + self.in_flight_at_end
    }
}

/// Latency percentiles of completed requests, milliseconds. When no request completed there is
/// no latency: every figure is NaN ([`LatencySummary::NONE`]) — `null` in JSON, an empty cell in
/// CSV, "—" in a table, a miss against a p99 SLO — never a 0 ms that would read as fastest.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct LatencySummary {
    /// Exact mean.
    #[serde(deserialize_with = "nan_if_null")]
    pub mean_ms: f64,
    /// Median (≤ 0.1 % relative error, as every percentile here).
    #[serde(deserialize_with = "nan_if_null")]
    pub p50_ms: f64,
    /// 90th percentile.
    #[serde(deserialize_with = "nan_if_null")]
    pub p90_ms: f64,
    /// 99th percentile.
    #[serde(deserialize_with = "nan_if_null")]
    pub p99_ms: f64,
    /// 99.9th percentile.
    #[serde(deserialize_with = "nan_if_null")]
    pub p999_ms: f64,
    /// Exact maximum.
    #[serde(deserialize_with = "nan_if_null")]
    pub max_ms: f64,
}

impl LatencySummary {
    /// No latency: nothing completed.
    pub const NONE: LatencySummary = LatencySummary {
        mean_ms: f64::NAN,
        p50_ms: f64::NAN,
        p90_ms: f64::NAN,
        p99_ms: f64::NAN,
        p999_ms: f64::NAN,
        max_ms: f64::NAN,
    };

    /// Whether there is a latency (some request completed).
    pub fn is_some(&self) -> bool {
        !self.max_ms.is_nan()
    }
}

impl Default for LatencySummary {
    fn default() -> Self {
        LatencySummary::NONE
    }
}

/// Two summaries are equal when every figure is the same number, or both are NaN (no latency).
impl PartialEq for LatencySummary {
    fn eq(&self, other: &Self) -> bool {
        let figures = |s: &LatencySummary| {
            [s.mean_ms, s.p50_ms, s.p90_ms, s.p99_ms, s.p999_ms, s.max_ms].map(f64::to_bits)
        };
        figures(self) == figures(other)
    }
}

/// A figure written as `null` (what serde_json writes for NaN) reads back as NaN.
fn nan_if_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// Latencies kept exactly while there are few of them.
const EXACT_UP_TO: usize = 64;

/// Records latencies: exactly while there are at most 64 of them (a function of a trace that ran
/// a few times costs a few hundred bytes), then in an HDR histogram with 3 significant digits
/// (≤ 0.1 % relative error) whose memory is bounded by the range of values, not their number.
/// Percentiles never exceed the exact maximum nor fall below the exact minimum.
#[derive(Clone, Debug)]
pub struct LatencyRecorder {
    /// The latencies, µs, while there are at most [`EXACT_UP_TO`] and no histogram.
    exact: Vec<u64>,
    hist: Option<Box<Histogram<u64>>>,
    sum_us: u128,
    /// The exact minimum (`u64::MAX` while empty) and maximum.
    min_us: u64,
    max_us: u64,
}

impl Default for LatencyRecorder {
    fn default() -> Self {
        LatencyRecorder {
            exact: Vec::new(),
            hist: None,
            sum_us: 0,
            min_us: u64::MAX,
            max_us: 0,
        }
    }
}

fn new_histogram() -> Box<Histogram<u64>> {
    Box::new(Histogram::new(3).expect("3 significant digits is a valid histogram precision"))
}

/// The highest value the histogram's bucket holding `us` stands for — what
/// `Histogram::highest_equivalent` returns for the histograms made here (3 significant digits,
/// lowest discernible value 1: 2,048 sub-buckets, unit magnitude 0), without one at hand.
/// Values below 2,048 have buckets of their own; from there each power of two doubles a
/// bucket's width.
#[inline]
fn highest_equivalent(us: u64) -> u64 {
    // hdrhistogram's `bucket_for`: leading_zero_count_base (64 − 0 − 11) minus the leading
    // zeros of the value with the sub-bucket mask (2,047) set.
    let range = 1u64 << (53 - (us | 2_047).leading_zeros());
    let lowest = us & !(range - 1);
    // As hdrhistogram: the next bucket's start, saturated, minus one (so the top bucket ends
    // at u64::MAX − 1), except for u64::MAX itself.
    if us == u64::MAX {
        u64::MAX
    } else {
        lowest.saturating_add(range) - 1
    }
}

fn record_in(hist: &mut Histogram<u64>, us: u64) {
    // The histogram resizes itself to fit; `saturating_record` would clamp to its initial
    // range instead.
    if hist.record(us).is_err() {
        hist.saturating_record(us);
    }
}

/// Two recorders are equal when they hold the same latencies (exactly, or as the same
/// histogram counts) with the same sum and extremes.
impl PartialEq for LatencyRecorder {
    fn eq(&self, other: &Self) -> bool {
        let counts = |h: &Histogram<u64>| {
            h.iter_recorded()
                .map(|v| (v.value_iterated_to(), v.count_at_value()))
                .collect::<Vec<_>>()
        };
        self.exact == other.exact
            && self.sum_us == other.sum_us
            && self.min_us == other.min_us
            && self.max_us == other.max_us
            && match (&self.hist, &other.hist) {
                (None, None) => true,
                (Some(a), Some(b)) => a.len() == b.len() && counts(a) == counts(b),
                _ => false,
            }
    }
}

impl LatencyRecorder {
    /// Record one latency.
    #[inline]
    pub fn record(&mut self, latency: SimDuration) {
        let us = latency.as_micros();
        match &mut self.hist {
            Some(h) => record_in(h, us),
            None => self.record_exact(us),
        }
        self.min_us = self.min_us.min(us);
        self.sum_us += u128::from(us);
        self.max_us = self.max_us.max(us);
    }

    /// Keep `us` exactly, or move to the histogram once there are too many.
    #[cold]
    fn record_exact(&mut self, us: u64) {
        if self.exact.len() < EXACT_UP_TO {
            self.exact.push(us);
            return;
        }
        let mut h = new_histogram();
        for &v in &self.exact {
            record_in(&mut h, v);
        }
        record_in(&mut h, us);
        self.exact = Vec::new();
        self.hist = Some(h);
    }

    /// Add everything `other` recorded.
    pub fn add(&mut self, other: &LatencyRecorder) {
        if other.count() == 0 {
            return;
        }
        match (&mut self.hist, &other.hist) {
            (Some(h), Some(o)) => h
                .add(o.as_ref())
                .expect("auto-resizing histograms accept any values"),
            (Some(h), None) => other.exact.iter().for_each(|&v| record_in(h, v)),
            (None, _)
                if self.exact.len() + other.exact.len() <= EXACT_UP_TO && other.hist.is_none() =>
            {
                self.exact.extend_from_slice(&other.exact)
            }
            (None, _) => {
                let mut h = new_histogram();
                for &v in self.exact.iter().chain(&other.exact) {
                    record_in(&mut h, v);
                }
                if let Some(o) = &other.hist {
                    h.add(o.as_ref())
                        .expect("auto-resizing histograms accept any values");
                }
                self.exact = Vec::new();
                self.hist = Some(h);
            }
        }
        self.sum_us += other.sum_us;
        self.min_us = self.min_us.min(other.min_us);
        self.max_us = self.max_us.max(other.max_us);
    }

    /// Forget everything recorded, keeping the memory it uses.
    pub fn reset(&mut self) {
        self.exact.clear();
        if let Some(h) = &mut self.hist {
            h.reset();
        }
        self.sum_us = 0;
        self.min_us = u64::MAX;
        self.max_us = 0;
    }

    /// Number of latencies recorded.
    pub fn count(&self) -> u64 {
        match &self.hist {
            Some(h) => h.len(),
            None => self.exact.len() as u64,
        }
    }

    /// The latency at quantile `q` (0–1), µs: exact (nearest rank, ⌈q·n⌉) while few were
    /// recorded, else the histogram's value, clamped to the exact minimum and maximum.
    fn quantile_us(&self, q: f64, sorted: &[u64]) -> u64 {
        let v = match &self.hist {
            Some(h) => h.value_at_quantile(q),
            None => {
                let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
                sorted[rank - 1]
            }
        };
        v.clamp(self.min_us, self.max_us)
    }

    fn sorted_exact(&self) -> Vec<u64> {
        let mut v = self.exact.clone();
        v.sort_unstable();
        v
    }

    /// Points of the latency distribution, `(latency ms, fraction of requests at or below)`, at
    /// quantiles spaced evenly on a log scale of the tail (0.5 … 0.99999) plus the maximum;
    /// non-decreasing in both coordinates, never past the maximum.
    pub fn cdf(&self) -> Vec<(f64, f64)> {
        if self.count() == 0 {
            return Vec::new();
        }
        let sorted = self.sorted_exact();
        let at = |q: f64| (self.quantile_us(q, &sorted) as f64 / 1_000.0, q);
        let body = (1..10).map(|i| f64::from(i) * 0.05);
        // Tail fraction from 0.5 down to 1e-5, evenly in log space.
        let tail = (0..=40).map(|i| 1.0 - 0.5 * 10f64.powf(-f64::from(i) / 8.0));
        let mut points: Vec<(f64, f64)> = body.chain(tail).map(at).collect();
        points.push((self.max_us as f64 / 1_000.0, 1.0));
        points
    }

    /// Percentiles in milliseconds; [`LatencySummary::NONE`] (NaN) when nothing was recorded.
    pub fn summary(&self) -> LatencySummary {
        let n = self.count();
        if n == 0 {
            return LatencySummary::NONE;
        }
        let sorted = self.sorted_exact();
        let q = |q: f64| self.quantile_us(q, &sorted) as f64 / 1_000.0;
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
    fn percentiles_never_pass_the_maximum() {
        // 100 latencies of exactly 1,001 ms: the histogram's bucket holding 1,001,000 µs spans
        // 512 µs (values in [2^19, 2^20) µs share a sub-bucket 2^9 µs wide at 3 significant
        // digits) and reads up to 1,001.471 ms; every percentile must read the exact 1,001.
        let mut r = LatencyRecorder::default();
        for _ in 0..100 {
            r.record(SimDuration::from_millis(1_001));
        }
        let s = r.summary();
        for p in [s.p50_ms, s.p90_ms, s.p99_ms, s.p999_ms, s.max_ms] {
            assert_eq!(p, 1_001.0);
        }
        let cdf = r.cdf();
        assert!(cdf.iter().all(|&(ms, _)| ms == 1_001.0));
        assert!(cdf.windows(2).all(|w| w[0].1 <= w[1].1));
    }

    #[test]
    fn few_latencies_are_exact_and_cost_no_histogram() {
        let mut r = LatencyRecorder::default();
        // Nearest rank: of 1..=10 ms, p50 is the 5th (⌈0.5·10⌉), p90 the 9th, p99 the 10th.
        for ms in 1..=10 {
            r.record(SimDuration::from_millis(ms));
        }
        let s = r.summary();
        assert_eq!((s.p50_ms, s.p90_ms, s.p99_ms), (5.0, 9.0, 10.0));
        assert!(r.hist.is_none());
        // An idle recorder allocates nothing.
        assert_eq!(LatencyRecorder::default().exact.capacity(), 0);
        // Merging past 64 values moves to the histogram and keeps every value.
        let mut big = LatencyRecorder::default();
        for _ in 0..7 {
            big.add(&r);
        }
        assert!(big.hist.is_some());
        assert_eq!(big.count(), 70);
        assert_eq!(big.summary().max_ms, 10.0);
    }

    /// `highest_equivalent` is hdrhistogram's, at the edges of the buckets and anywhere.
    #[test]
    fn highest_equivalent_is_the_histograms() {
        let h = new_histogram();
        let mut edges = vec![
            0,
            1,
            2_046,
            2_047,
            2_048,
            2_049,
            4_095,
            4_096,
            u64::MAX - 1,
            u64::MAX,
        ];
        edges.extend((11..64).flat_map(|k| [(1u64 << k) - 1, 1 << k, (1 << k) + 1]));
        for v in edges {
            assert_eq!(highest_equivalent(v), h.highest_equivalent(v), "{v}");
        }
        proptest::proptest!(|(v in proptest::prelude::any::<u64>(), small in 0u64..100_000_000)| {
            proptest::prop_assert_eq!(highest_equivalent(v), h.highest_equivalent(v));
            proptest::prop_assert_eq!(highest_equivalent(small), h.highest_equivalent(small));
        });
    }

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
