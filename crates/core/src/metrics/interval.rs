//! Per-interval time series: what happened in each reporting interval (default one minute).
//! A model counts events as they happen and closes the interval at each boundary with a
//! snapshot of its capacity.

use serde::{Deserialize, Serialize};

use super::LatencyRecorder;
use crate::engine::{SimDuration, SimTime};

/// One interval of one variant: traffic, latency, capacity and metered usage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IntervalRow {
    /// End of the interval, seconds.
    pub end_s: f64,
    /// Requests that arrived.
    pub arrivals: u64,
    /// Requests that completed.
    pub completed: u64,
    /// Requests that started a new execution environment.
    pub cold_starts: u64,
    /// Requests refused by a concurrency limit.
    pub throttled: u64,
    /// Requests dropped after waiting too long.
    pub timed_out: u64,
    /// Median latency of requests completed in the interval, ms (`None` when none completed).
    pub p50_ms: Option<f64>,
    /// 99th percentile latency of requests completed in the interval, ms.
    pub p99_ms: Option<f64>,
    /// Instances serving requests at the end (busy environments; in-service servers).
    pub in_service: u32,
    /// Instances starting at the end (booting servers; `None` where not tracked).
    pub booting: Option<u32>,
    /// Idle instances at the end (warm idle environments; in-service servers with nothing to do).
    pub idle: u32,
    /// Servers draining at the end (fleets).
    pub draining: Option<u32>,
    /// Desired capacity at the end (fleets).
    pub desired: Option<u32>,
    /// Requests waiting in a queue at the end (fleets).
    pub queue_length: Option<u64>,
    /// Utilisation over the interval: busy share of environment time (serverless), CPU used ÷ CPU
    /// of in-service servers (fleets). `None` without capacity.
    pub utilisation: Option<f64>,
    /// Billable requests in the interval (invocations; load-balancer requests).
    pub usage_requests: u64,
    /// Billable compute in the interval: GB-seconds (serverless) or instance-seconds (fleets).
    pub usage_compute: f64,
    /// Cost accrued in the interval (filled in by billing), USD.
    pub cost_usd: f64,
}

/// Capacity at the end of an interval, and the interval's utilisation and compute usage.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// See [`IntervalRow::in_service`].
    pub in_service: u32,
    /// See [`IntervalRow::booting`].
    pub booting: Option<u32>,
    /// See [`IntervalRow::idle`].
    pub idle: u32,
    /// See [`IntervalRow::draining`].
    pub draining: Option<u32>,
    /// See [`IntervalRow::desired`].
    pub desired: Option<u32>,
    /// See [`IntervalRow::queue_length`].
    pub queue_length: Option<u64>,
    /// See [`IntervalRow::utilisation`].
    pub utilisation: Option<f64>,
    /// See [`IntervalRow::usage_requests`].
    pub usage_requests: u64,
    /// See [`IntervalRow::usage_compute`].
    pub usage_compute: f64,
}

/// Collects one [`IntervalRow`] per interval.
#[derive(Clone, Debug)]
pub struct IntervalRecorder {
    /// Length of an interval.
    pub interval: SimDuration,
    current: IntervalRow,
    latency: LatencyRecorder,
    /// Every closed interval's latencies, so each completion is recorded once.
    total: LatencyRecorder,
    rows: Vec<IntervalRow>,
}

impl IntervalRecorder {
    /// A recorder for intervals of `interval`.
    pub fn new(interval: SimDuration) -> Self {
        IntervalRecorder {
            interval,
            current: IntervalRow::default(),
            latency: LatencyRecorder::default(),
            total: LatencyRecorder::default(),
            rows: Vec::new(),
        }
    }

    /// A request arrived.
    #[inline]
    pub fn arrival(&mut self) {
        self.current.arrivals += 1;
    }

    /// A request completed after `latency`.
    #[inline]
    pub fn completed(&mut self, latency: SimDuration) {
        self.current.completed += 1;
        self.latency.record(latency);
    }

    /// A request started a new environment.
    #[inline]
    pub fn cold_start(&mut self) {
        self.current.cold_starts += 1;
    }

    /// A request was throttled.
    #[inline]
    pub fn throttled(&mut self) {
        self.current.throttled += 1;
    }

    /// `n` requests timed out.
    #[inline]
    pub fn timed_out(&mut self, n: u64) {
        self.current.timed_out += n;
    }

    /// Requests that arrived so far in this interval.
    pub fn arrivals(&self) -> u64 {
        self.current.arrivals
    }

    /// Close the interval ending at `end` with `snapshot`, and start the next.
    pub fn close(&mut self, end: SimTime, snapshot: Snapshot) {
        let has_latency = self.latency.count() > 0;
        let summary = self.latency.summary();
        let row = IntervalRow {
            end_s: end.as_secs_f64(),
            p50_ms: has_latency.then_some(summary.p50_ms),
            p99_ms: has_latency.then_some(summary.p99_ms),
            in_service: snapshot.in_service,
            booting: snapshot.booting,
            idle: snapshot.idle,
            draining: snapshot.draining,
            desired: snapshot.desired,
            queue_length: snapshot.queue_length,
            utilisation: snapshot.utilisation,
            usage_requests: snapshot.usage_requests,
            usage_compute: snapshot.usage_compute,
            ..self.current
        };
        self.rows.push(row);
        self.current = IntervalRow::default();
        self.total.add(&self.latency);
        self.latency.reset();
    }

    /// Latencies of the whole run: every closed interval and whatever the open one holds.
    pub fn total_latency(&self) -> LatencyRecorder {
        let mut total = self.total.clone();
        total.add(&self.latency);
        total
    }

    /// The rows recorded.
    pub fn into_rows(self) -> Vec<IntervalRow> {
        self.rows
    }

    /// Take out the intervals closed so far (their rows and their latencies together), leaving
    /// the open one: a part of a time-parallel run ([`crate::engine::chunks`]).
    pub fn take_closed(&mut self) -> (Vec<IntervalRow>, LatencyRecorder) {
        (
            std::mem::take(&mut self.rows),
            std::mem::take(&mut self.total),
        )
    }

    /// Put back intervals closed before those this recorder holds (from
    /// [`IntervalRecorder::take_closed`], merged in time order).
    pub fn put_closed_before(&mut self, mut rows: Vec<IntervalRow>, mut total: LatencyRecorder) {
        rows.append(&mut self.rows);
        total.add(&self.total);
        self.rows = rows;
        self.total = total;
    }

    /// The interval still open: its counts so far and its latencies.
    pub fn open(&self) -> (IntervalRow, &LatencyRecorder) {
        (self.current, &self.latency)
    }
}

/// A time-weighted integral of a count that changes at known instants, within one interval.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Integral {
    area_us: f64,
    value: f64,
    since: SimTime,
}

impl Integral {
    /// The value changes to `value` at `now`.
    #[inline]
    pub fn set(&mut self, now: SimTime, value: f64) {
        self.area_us += self.value * now.saturating_since(self.since).as_micros() as f64;
        self.value = value;
        self.since = now;
    }

    /// The area (value × µs) since the last `take`, up to `now`; starts a new interval.
    pub fn take(&mut self, now: SimTime) -> f64 {
        self.set(now, self.value);
        std::mem::take(&mut self.area_us)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_weights_values_by_time() {
        let t = SimTime::from_micros;
        let mut i = Integral::default();
        i.set(t(0), 2.0);
        i.set(t(10), 4.0);
        assert_eq!(i.take(t(15)), 2.0 * 10.0 + 4.0 * 5.0);
        assert_eq!(i.take(t(20)), 4.0 * 5.0);
    }

    #[test]
    fn rows_carry_counts_and_reset() {
        let mut r = IntervalRecorder::new(SimDuration::from_secs(60));
        r.arrival();
        r.completed(SimDuration::from_millis(5));
        r.close(SimTime::from_micros(60_000_000), Snapshot::default());
        r.close(SimTime::from_micros(120_000_000), Snapshot::default());
        let rows = r.into_rows();
        assert_eq!((rows[0].arrivals, rows[0].completed), (1, 1));
        // Within the histogram's 0.1 % precision.
        assert!((rows[0].p99_ms.unwrap() - 5.0).abs() <= 0.005);
        assert_eq!((rows[1].arrivals, rows[1].p99_ms), (0, None));
    }
}
