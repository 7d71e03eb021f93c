//! One set of books for every platform model: what became of each request.
//!
//! A model tells its [`Books`] each request's fate once, when it is decided — arrived,
//! throttled, timed out, completed, or left at the horizon — and the books fan it out to the
//! four records a run keeps:
//!
//! - the run's exact [`Counters`];
//! - the per-interval time series ([`IntervalRecorder`]: counts and latencies per interval);
//! - the per-function tallies ([`FunctionTally`]), when the traffic names functions;
//! - the request log ([`RequestSink`]), when the caller asked for one.
//!
//! Conservation — every arrival is completed, throttled, timed out or still in flight, exactly
//! once, in total and per function — is checked in one place, [`Books::close`].
//!
//! What a model measures beyond fates (capacity, utilisation, metered usage, request-seconds
//! served) stays in the model; the interval's capacity snapshot is handed over at
//! [`Books::close_interval`], and per-function figures other than counts go to
//! [`Books::tally_mut`].
//!
//! Cost per request: a handful of integer increments, a latency record and, only when a log is
//! attached, one call through the sink. No allocation per request.

use crate::engine::{SimDuration, SimTime};
use crate::metrics::{
    Counters, FunctionOutcome, FunctionTally, IntervalRecorder, IntervalRow, IntervalSlice,
    LatencyRecorder, LatencySummary, OpenInterval, RequestOutcome, RequestRecord, RequestSink,
    Snapshot,
};

/// A request still in a model's hands when the books close at the horizon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Left {
    /// Still running, or waiting in a queue whose timeout has not fallen due: in flight.
    InFlight {
        /// When it arrived.
        arrival: SimTime,
        /// When it got an environment or a slot (`None`: still queued).
        start: Option<SimTime>,
        /// Whether it started a new environment.
        cold: bool,
        /// Which function of the traffic (0 when the traffic names none).
        function: u32,
    },
    /// Waited in a queue until its timeout, which fell due at `end`, no later than the
    /// horizon: timed out, never started. (The time series has closed by then and does not
    /// count it.)
    TimedOutInQueue {
        /// When it arrived.
        arrival: SimTime,
        /// When its queue timeout fell due.
        end: SimTime,
        /// Which function of the traffic.
        function: u32,
    },
}

/// The books at the horizon: what [`Books::close`] returns.
#[derive(Clone, Debug, PartialEq)]
pub struct Closed {
    /// Exact request counts, conserved.
    pub counters: Counters,
    /// Latency of completed requests over the run.
    pub latency: LatencySummary,
    /// The latency distribution, `(ms, fraction at or below)`.
    pub latency_cdf: Vec<(f64, f64)>,
    /// One row per reporting interval.
    pub timeseries: Vec<IntervalRow>,
    /// Per function, in the traffic's function order (empty when the traffic names none);
    /// `memory_mb` is `None` (the model fills in what it knows).
    pub functions: Vec<FunctionOutcome>,
    /// When the last request completed (`None` when none did): a batch's makespan.
    pub last_completion: Option<SimTime>,
}

/// What a set of books measured over a stretch of a run ([`Books::take_part`]).
#[derive(Debug)]
pub struct BooksPart {
    counters: Counters,
    rows: Vec<IntervalRow>,
    latency: LatencyRecorder,
    last_completion: Option<SimTime>,
}

impl BooksPart {
    /// The parts of two consecutive stretches as one: counts added, rows and latencies in time
    /// order, the later last completion.
    pub fn merge(mut self, later: BooksPart) -> BooksPart {
        self.counters = self.counters + later.counters;
        self.rows.extend(later.rows);
        self.latency.add(&later.latency);
        self.last_completion = later.last_completion.or(self.last_completion);
        self
    }
}

/// What the books of one function group measured over a whole run ([`Books::into_group_end`]),
/// for the run's own books to take in ([`Books::absorb`]).
#[derive(Debug)]
pub struct GroupBooks {
    counters: Counters,
    latency: LatencyRecorder,
    /// The tallies of the group's own functions, by index.
    tallies: Vec<(u32, FunctionTally)>,
    last_completion: Option<SimTime>,
}

/// The running books of one model's run; see the module docs.
pub struct Books<'a> {
    counters: Counters,
    series: IntervalRecorder,
    tallies: Option<Vec<FunctionTally>>,
    log: Option<&'a mut dyn RequestSink>,
    last_completion: Option<SimTime>,
}

impl<'a> Books<'a> {
    /// Empty books with reporting intervals of `interval`, and a tally for each of `functions`
    /// named functions (0: the traffic names none, no tallies).
    pub fn new(interval: SimDuration, functions: usize) -> Self {
        Books {
            counters: Counters::default(),
            series: IntervalRecorder::new(interval),
            tallies: (functions > 0).then(|| vec![FunctionTally::default(); functions]),
            log: None,
            last_completion: None,
        }
    }

    /// Hand every request's record to `sink`, in the order fates are decided.
    pub fn log_to(&mut self, sink: &'a mut dyn RequestSink) {
        self.log = Some(sink);
    }

    #[inline]
    fn log(&mut self, record: RequestRecord) {
        if let Some(sink) = &mut self.log {
            sink.record(record);
        }
    }

    /// Length of a reporting interval.
    #[inline]
    pub fn interval(&self) -> SimDuration {
        self.series.interval
    }

    /// Counts so far (in flight at the end stays 0 until [`Books::close`]).
    #[inline]
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Requests that arrived so far in the open reporting interval.
    #[inline]
    pub fn arrivals_in_interval(&self) -> u64 {
        self.series.arrivals()
    }

    /// Function `function`'s tally, for figures the model measures itself (request-seconds
    /// served, metered usage); `None` when the traffic names no functions.
    #[inline]
    pub fn tally_mut(&mut self, function: u32) -> Option<&mut FunctionTally> {
        self.tallies.as_mut().map(|t| &mut t[function as usize])
    }

    /// Whether the books keep per-function tallies.
    pub fn has_tallies(&self) -> bool {
        self.tallies.is_some()
    }

    /// Whether a request log is attached.
    pub fn logs(&self) -> bool {
        self.log.is_some()
    }

    /// A request for `function` arrived.
    #[inline]
    pub fn arrived(&mut self, function: u32) {
        self.counters.arrived += 1;
        self.series.arrival();
        if let Some(t) = self.tally_mut(function) {
            t.counters.arrived += 1;
        }
    }

    /// A request for `function` started a new environment (a cold start; not a fate of its
    /// own: it still completes, times out or is in flight).
    #[inline]
    pub fn cold_start(&mut self, function: u32) {
        self.counters.cold_starts += 1;
        self.series.cold_start();
        if let Some(t) = self.tally_mut(function) {
            t.counters.cold_starts += 1;
        }
    }

    /// A request for `function` arriving at `now` was refused at once (HTTP 429).
    #[inline]
    pub fn throttled(&mut self, now: SimTime, function: u32) {
        self.counters.throttled += 1;
        self.series.throttled();
        if let Some(t) = self.tally_mut(function) {
            t.counters.throttled += 1;
        }
        self.log(RequestRecord {
            arrival: now,
            start: None,
            end: Some(now),
            cold: false,
            outcome: RequestOutcome::Throttled,
            function,
        });
    }

    /// A request for `function` that arrived at `arrival` and got a slot at `start` (`None`:
    /// it never did) was dropped at `end`: a queue or function timeout, or its server's
    /// deregistration delay ran out.
    #[inline]
    pub fn timed_out(
        &mut self,
        arrival: SimTime,
        start: Option<SimTime>,
        end: SimTime,
        cold: bool,
        function: u32,
    ) {
        self.counters.timed_out += 1;
        self.series.timed_out(1);
        if let Some(t) = self.tally_mut(function) {
            t.counters.timed_out += 1;
        }
        self.log(RequestRecord {
            arrival,
            start,
            end: Some(end),
            cold,
            outcome: RequestOutcome::TimedOut,
            function,
        });
    }

    /// A request for `function` that arrived at `arrival` and started at `start` completed at
    /// `now`; its latency is `now − arrival`.
    #[inline(always)]
    pub fn completed(
        &mut self,
        arrival: SimTime,
        start: SimTime,
        now: SimTime,
        cold: bool,
        function: u32,
    ) {
        let latency = now - arrival;
        self.counters.completed += 1;
        self.last_completion = Some(now);
        self.series.completed(latency);
        if let Some(t) = self.tally_mut(function) {
            t.completed(latency);
        }
        self.log(RequestRecord {
            arrival,
            start: Some(start),
            end: Some(now),
            cold,
            outcome: RequestOutcome::Completed,
            function,
        });
    }

    /// Close the reporting interval ending at `end` with the model's capacity `snapshot`.
    #[inline]
    pub fn close_interval(&mut self, end: SimTime, snapshot: Snapshot) {
        self.series.close(end, snapshot);
    }

    /// Take out what the books measured since the last cut, leaving them counting from zero
    /// with the interval still open: a part of a time-parallel run
    /// ([`crate::engine::chunks`]). Books with per-function tallies or a request log are never
    /// cut (their runs are not time-parallel).
    pub fn take_part(&mut self) -> BooksPart {
        debug_assert!(self.tallies.is_none() && self.log.is_none());
        let (rows, latency) = self.series.take_closed();
        BooksPart {
            counters: std::mem::take(&mut self.counters),
            rows,
            latency,
            last_completion: self.last_completion.take(),
        }
    }

    /// Put back what was measured before what these books hold (the merge of every earlier
    /// part, [`BooksPart::merge`]).
    pub fn put_before(&mut self, earlier: BooksPart) {
        self.counters = earlier.counters + self.counters;
        self.series.put_closed_before(earlier.rows, earlier.latency);
        self.last_completion = self.last_completion.or(earlier.last_completion);
    }

    /// Take out what the open interval recorded, leaving it open and empty: one function
    /// group's part of it ([`IntervalRecorder::take_open`]).
    pub fn take_open_interval(&mut self) -> IntervalSlice {
        self.series.take_open()
    }

    /// Close the interval ending at `end` from every function group's part of it and the
    /// run's `snapshot` ([`IntervalRecorder::close_merged`]).
    pub fn close_merged_interval(
        &mut self,
        end: SimTime,
        slices: Vec<IntervalSlice>,
        snapshot: Snapshot,
    ) {
        self.series.close_merged(end, slices, snapshot);
    }

    /// What these books of one function group measured, for the run's books to take in: the
    /// counts and latencies, and the tallies of the functions `owns` says are the group's
    /// (the others' are empty here). Books with a request log are never split into groups.
    pub fn into_group_end(mut self, owns: impl Fn(u32) -> bool) -> GroupBooks {
        debug_assert!(self.log.is_none());
        let (rows, latency) = self.series.take_closed();
        debug_assert!(
            rows.is_empty(),
            "a group's books close no rows of their own"
        );
        GroupBooks {
            counters: self.counters,
            latency,
            tallies: self
                .tallies
                .take()
                .unwrap_or_default()
                .into_iter()
                .enumerate()
                .map(|(f, t)| (f as u32, t))
                .filter(|(f, _)| owns(*f))
                .collect(),
            last_completion: self.last_completion,
        }
    }

    /// Take in what one function group's books measured ([`Books::into_group_end`]): counts
    /// added, latencies merged, its functions' tallies, the later last completion. Taking in
    /// every group gives the books of the run in one go.
    pub fn absorb(&mut self, group: GroupBooks) {
        self.counters = self.counters + group.counters;
        self.series.put_closed_before(Vec::new(), group.latency);
        if let Some(tallies) = self.tallies.as_mut() {
            for (f, t) in group.tallies {
                tallies[f as usize] = t;
            }
        }
        self.last_completion = self.last_completion.max(group.last_completion);
    }

    /// The interval still open, for comparing the state of two runs.
    pub fn open_interval(&self) -> OpenInterval {
        self.series.open()
    }

    /// Close the books at the horizon. `left` are the requests still in the model's hands, in
    /// the order the request log should list them.
    ///
    /// # Panics
    ///
    /// When an arrival is not accounted for exactly once, in total or for some function: a bug
    /// in the model that fed these books.
    pub fn close(mut self, left: impl IntoIterator<Item = Left>) -> Closed {
        let mut in_flight = vec![0u64; self.tallies.as_ref().map_or(0, Vec::len)];
        for l in left {
            match l {
                Left::InFlight {
                    arrival,
                    start,
                    cold,
                    function,
                } => {
                    self.counters.in_flight_at_end += 1;
                    if let Some(n) = in_flight.get_mut(function as usize) {
                        *n += 1;
                    }
                    self.log(RequestRecord {
                        arrival,
                        start,
                        end: None,
                        cold,
                        outcome: RequestOutcome::InFlight,
                        function,
                    });
                }
                Left::TimedOutInQueue {
                    arrival,
                    end,
                    function,
                } => {
                    self.counters.timed_out += 1;
                    if let Some(t) = self.tally_mut(function) {
                        t.counters.timed_out += 1;
                    }
                    self.log(RequestRecord {
                        arrival,
                        start: None,
                        end: Some(end),
                        cold: false,
                        outcome: RequestOutcome::TimedOut,
                        function,
                    });
                }
            }
        }
        let counters = self.counters;
        assert!(
            counters.is_conserved(),
            "bug: the books do not balance: {counters:?}"
        );
        let functions: Vec<FunctionOutcome> = match &self.tallies {
            Some(tallies) => tallies
                .iter()
                .zip(in_flight)
                .map(|(t, n)| t.outcome(n, None))
                .collect(),
            None => Vec::new(),
        };
        for (f, o) in functions.iter().enumerate() {
            assert!(
                o.counters.is_conserved(),
                "bug: function {f}'s books do not balance: {:?}",
                o.counters
            );
        }
        let latency = self.series.total_latency();
        Closed {
            counters,
            latency: latency.summary(),
            latency_cdf: latency.cdf(),
            timeseries: self.series.into_rows(),
            functions,
            last_completion: self.last_completion,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(s)
    }

    struct Keep(Vec<RequestRecord>);
    impl RequestSink for Keep {
        fn record(&mut self, record: RequestRecord) {
            self.0.push(record);
        }
    }

    /// Five arrivals over two functions: one throttled, one timed out, one completed (cold),
    /// one in flight and one timed out in the queue at the horizon. Each fate reaches the
    /// counters, the tallies and the log once; the books balance.
    #[test]
    fn each_fate_fans_out_once_and_the_books_balance() {
        let mut sink = Keep(Vec::new());
        let mut books = Books::new(SimDuration::from_secs(60), 2);
        books.log_to(&mut sink);
        for f in [0, 0, 1, 1, 1] {
            books.arrived(f);
        }
        books.throttled(t(1), 0);
        books.timed_out(t(1), Some(t(2)), t(3), false, 0);
        books.cold_start(1);
        books.completed(t(2), t(2), t(5), true, 1);
        books.close_interval(t(60), Snapshot::default());
        let closed = books.close([
            Left::InFlight {
                arrival: t(50),
                start: None,
                cold: false,
                function: 1,
            },
            Left::TimedOutInQueue {
                arrival: t(55),
                end: t(58),
                function: 1,
            },
        ]);
        let c = closed.counters;
        assert_eq!(
            (
                c.arrived,
                c.throttled,
                c.timed_out,
                c.completed,
                c.in_flight_at_end
            ),
            (5, 1, 2, 1, 1)
        );
        assert_eq!(c.cold_starts, 1);
        let f1 = closed.functions[1].counters;
        assert_eq!(
            (f1.arrived, f1.completed, f1.timed_out, f1.in_flight_at_end),
            (3, 1, 1, 1)
        );
        assert_eq!(closed.timeseries[0].arrivals, 5);
        assert_eq!(closed.latency.max_ms, 3_000.0);
        let outcomes: Vec<_> = sink.0.iter().map(|r| r.outcome).collect();
        use RequestOutcome::*;
        assert_eq!(
            outcomes,
            [Throttled, TimedOut, Completed, InFlight, TimedOut]
        );
    }

    #[test]
    #[should_panic(expected = "do not balance")]
    fn an_arrival_without_a_fate_is_a_bug() {
        let mut books = Books::new(SimDuration::from_secs(60), 0);
        books.arrived(0);
        books.close(Vec::new());
    }
}
