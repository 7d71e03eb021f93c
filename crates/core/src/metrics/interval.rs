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

/// Latencies an interval keeps exactly before it falls back to a histogram: 65,536 (512 KB;
/// 1,092 req/s over a one-minute interval).
const INTERVAL_EXACT_UP_TO: usize = 1 << 16;

/// Collects one [`IntervalRow`] per interval.
///
/// An interval's latencies are kept exactly (up to 65,536) and its p50 and p99 found by selection
/// when it closes, so a close costs in proportion to what the interval recorded, not to the
/// histogram's bucket array (which it used to walk five times: four quantiles, the addition into
/// the run's total, the reset). Each latency also goes straight into the run's total. The figures
/// are those the histogram gave, bit for bit: once any interval has held more than 64 latencies
/// (when the histogram used to take over for good), a quantile is the highest value of the
/// histogram bucket holding the latency of its rank, capped at the interval's maximum; before, the
/// latency of its rank.
#[derive(Clone, Debug)]
pub struct IntervalRecorder {
    /// Length of an interval.
    pub interval: SimDuration,
    current: IntervalRow,
    /// The open interval's latencies, µs, while there are at most [`INTERVAL_EXACT_UP_TO`].
    values: Vec<u64>,
    /// The open interval's latencies once there are more (`None` before).
    overflow: Option<LatencyRecorder>,
    /// Some interval has held more than [`super::EXACT_UP_TO`] latencies: quantiles are read
    /// as the histogram reads them from then on.
    bucketed: bool,
    /// Every latency recorded, closed intervals and the open one.
    total: LatencyRecorder,
    rows: Vec<IntervalRow>,
}

impl IntervalRecorder {
    /// A recorder for intervals of `interval`.
    pub fn new(interval: SimDuration) -> Self {
        IntervalRecorder {
            interval,
            current: IntervalRow::default(),
            values: Vec::new(),
            overflow: None,
            bucketed: false,
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
        self.total.record(latency);
        if self.values.len() < INTERVAL_EXACT_UP_TO {
            self.values.push(latency.as_micros());
        } else {
            self.overflowed(latency);
        }
    }

    /// Past [`INTERVAL_EXACT_UP_TO`] latencies in one interval: the rest of it goes to a
    /// histogram.
    #[cold]
    fn overflowed(&mut self, latency: SimDuration) {
        let h = self.overflow.get_or_insert_with(|| {
            let mut h = LatencyRecorder::default();
            for &us in &self.values {
                h.record(SimDuration::from_micros(us));
            }
            h
        });
        h.record(latency);
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

    /// The open interval's median and 99th percentile, ms (`None` when nothing completed).
    fn quantiles_ms(&mut self) -> Option<(f64, f64)> {
        let n = self.values.len();
        self.bucketed |= n > super::EXACT_UP_TO;
        if let Some(h) = self.overflow.take() {
            let s = h.summary();
            return Some((s.p50_ms, s.p99_ms));
        }
        if n == 0 {
            return None;
        }
        // Nearest rank, as `LatencyRecorder::quantile_us` and hdrhistogram's
        // `value_at_quantile` both take it: ⌈q·n⌉, at least 1.
        let rank = |q: f64| ((q * n as f64).ceil() as usize).clamp(1, n);
        let (r50, r99) = (rank(0.50), rank(0.99));
        let (_, &mut v50, above) = self.values.select_nth_unstable(r50 - 1);
        let (v99, max) = if r99 == r50 {
            (v50, above.iter().copied().max().unwrap_or(v50))
        } else {
            let (_, &mut v99, top) = above.select_nth_unstable(r99 - r50 - 1);
            (v99, top.iter().copied().max().unwrap_or(v99))
        };
        let read = |v: u64| {
            let us = if self.bucketed {
                super::highest_equivalent(v).min(max)
            } else {
                v
            };
            us as f64 / 1_000.0
        };
        Some((read(v50), read(v99)))
    }

    /// Close the interval ending at `end` with `snapshot`, and start the next.
    pub fn close(&mut self, end: SimTime, snapshot: Snapshot) {
        let quantiles = self.quantiles_ms();
        let row = IntervalRow {
            end_s: end.as_secs_f64(),
            p50_ms: quantiles.map(|q| q.0),
            p99_ms: quantiles.map(|q| q.1),
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
        self.values.clear();
    }

    /// Latencies of the whole run: every closed interval and whatever the open one holds.
    pub fn total_latency(&self) -> LatencyRecorder {
        self.total.clone()
    }

    /// The rows recorded.
    pub fn into_rows(self) -> Vec<IntervalRow> {
        self.rows
    }

    /// Take out the rows of the intervals closed so far and every latency recorded so far
    /// (the open interval's too: a latency counts in the part of the run in which it
    /// completed), leaving the open interval's row to close: a part of a time-parallel run
    /// ([`crate::engine::chunks`]).
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

    /// Take out what the open interval recorded (its counts and latencies), leaving it empty
    /// and open, without closing a row: one function group's part of an interval that the run's
    /// own recorder closes from every group's ([`IntervalRecorder::close_merged`]).
    pub fn take_open(&mut self) -> IntervalSlice {
        IntervalSlice {
            row: std::mem::take(&mut self.current),
            values: std::mem::take(&mut self.values),
            overflow: self.overflow.take(),
        }
    }

    /// Close the interval ending at `end` from `slices` (what each function group recorded in
    /// it, [`IntervalRecorder::take_open`]) and the run's `snapshot`, exactly as if one
    /// recorder had recorded all of it: counts added; latencies a multiset (the row's quantiles
    /// do not depend on their order), past 65,536 in all a histogram of them
    /// all, as [`IntervalRecorder::completed`] falls back to one. Nothing may have been recorded
    /// into this recorder's open interval.
    pub fn close_merged(&mut self, end: SimTime, slices: Vec<IntervalSlice>, snapshot: Snapshot) {
        debug_assert!(self.values.is_empty() && self.overflow.is_none());
        let n: u64 = slices.iter().map(IntervalSlice::latencies).sum();
        let row = &mut self.current;
        for s in &slices {
            row.arrivals += s.row.arrivals;
            row.completed += s.row.completed;
            row.cold_starts += s.row.cold_starts;
            row.throttled += s.row.throttled;
            row.timed_out += s.row.timed_out;
        }
        for s in &slices {
            let room = INTERVAL_EXACT_UP_TO - self.values.len();
            self.values.extend(s.values.iter().take(room).copied());
        }
        if n > INTERVAL_EXACT_UP_TO as u64 {
            let mut all = LatencyRecorder::default();
            for s in &slices {
                match &s.overflow {
                    Some(h) => all.add(h),
                    None => s
                        .values
                        .iter()
                        .for_each(|&us| all.record(SimDuration::from_micros(us))),
                }
            }
            self.overflow = Some(all);
        }
        self.close(end, snapshot);
    }

    /// The interval still open, for comparing the state of two runs: its counts so far, its
    /// latencies (as a multiset: all its close reads) and whether quantiles read as the
    /// histogram does.
    pub fn open(&self) -> OpenInterval {
        let mut values = self.values.clone();
        values.sort_unstable();
        OpenInterval {
            row: self.current,
            values,
            overflow: self.overflow.clone(),
            bucketed: self.bucketed,
        }
    }
}

/// What one function group recorded in an interval ([`IntervalRecorder::take_open`]): its
/// counts, and its latencies (µs) exactly or, past 65,536, as a histogram of
/// them all.
#[derive(Clone, Debug, Default)]
pub struct IntervalSlice {
    row: IntervalRow,
    values: Vec<u64>,
    overflow: Option<LatencyRecorder>,
}

impl IntervalSlice {
    /// Latencies recorded.
    fn latencies(&self) -> u64 {
        self.overflow
            .as_ref()
            .map_or(self.values.len() as u64, LatencyRecorder::count)
    }
}

/// What an [`IntervalRecorder`]'s open interval holds that decides its row when it closes
/// ([`IntervalRecorder::open`]); two runs whose open intervals are equal close them alike.
#[derive(Clone, Debug, PartialEq)]
pub struct OpenInterval {
    row: IntervalRow,
    /// Latencies, µs, sorted.
    values: Vec<u64>,
    overflow: Option<LatencyRecorder>,
    bucketed: bool,
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

/// A time-weighted integral of a whole count, exact: [`Integral`] in integers (count × µs), so
/// that it never rounds, however long the interval and however many are counted, and the
/// integrals of parts of a count add up to the integral of the whole.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CountIntegral {
    area_us: u128,
    value: u64,
    since: SimTime,
}

impl CountIntegral {
    /// The count changes to `value` at `now`.
    #[inline]
    pub fn set(&mut self, now: SimTime, value: u64) {
        self.area_us +=
            u128::from(self.value) * u128::from(now.saturating_since(self.since).as_micros());
        self.value = value;
        self.since = now;
    }

    /// The area (count × µs) since the last `take`, up to `now`; starts a new interval.
    pub fn take(&mut self, now: SimTime) -> u128 {
        self.set(now, self.value);
        std::mem::take(&mut self.area_us)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The recorder as it was before closes touched only what was recorded: the interval's
    /// latencies in a [`LatencyRecorder`] of their own, summarised, added into the total and
    /// reset at each close. The new one must give the same rows and total, bit for bit.
    struct Reference {
        latency: LatencyRecorder,
        total: LatencyRecorder,
        rows: Vec<(Option<f64>, Option<f64>)>,
    }

    impl Reference {
        fn close(&mut self) {
            let has = self.latency.count() > 0;
            let s = self.latency.summary();
            self.rows
                .push((has.then_some(s.p50_ms), has.then_some(s.p99_ms)));
            self.total.add(&self.latency);
            self.latency.reset();
        }
    }

    /// Intervals of 0 to 300 latencies (some past 64, where the histogram took over), spread
    /// over a few µs to hours, closed one after another; and one interval past the exact bound.
    fn same_as_reference(intervals: &[Vec<u64>]) -> Result<(), TestCaseError> {
        let mut new = IntervalRecorder::new(SimDuration::from_secs(60));
        let mut old = Reference {
            latency: LatencyRecorder::default(),
            total: LatencyRecorder::default(),
            rows: Vec::new(),
        };
        for (i, values) in intervals.iter().enumerate() {
            for &us in values {
                new.completed(SimDuration::from_micros(us));
                old.latency.record(SimDuration::from_micros(us));
            }
            // The open interval counts in the total too.
            let mut open = old.total.clone();
            open.add(&old.latency);
            prop_assert_eq!(new.total_latency().summary(), open.summary());
            new.close(SimTime::from_micros(i as u64), Snapshot::default());
            old.close();
        }
        prop_assert_eq!(new.total_latency().summary(), old.total.summary());
        prop_assert_eq!(new.total_latency().cdf(), old.total.cdf());
        let rows: Vec<_> = new
            .into_rows()
            .iter()
            .map(|r| (r.p50_ms, r.p99_ms))
            .collect();
        prop_assert_eq!(rows, old.rows);
        Ok(())
    }

    proptest! {
        #[test]
        fn closes_read_as_the_histogram_did(
            intervals in prop::collection::vec(
                prop_oneof![
                    prop::collection::vec(0u64..5_000, 0..70),
                    prop::collection::vec(1u64..20_000_000_000, 0..300),
                    prop::collection::vec(990_000u64..1_010_000, 0..100),
                ],
                0..12,
            )
        ) {
            same_as_reference(&intervals)?;
        }
    }

    #[test]
    fn an_interval_past_the_exact_bound_reads_the_same() {
        let big: Vec<u64> = (0..INTERVAL_EXACT_UP_TO as u64 + 1_000)
            .map(|i| (i * 7_919) % 3_000_000 + 1)
            .collect();
        let intervals = [vec![5, 7], big, vec![3; 10], vec![]];
        same_as_reference(&intervals).unwrap();
    }

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
