//! Serverless functions with AWS Lambda semantics.
//!
//! - One request per execution environment. A request takes the most recently used idle
//!   environment, else starts a new one and waits for its cold start (INIT).
//! - Fixed keep-alive: an environment idle for `keep_alive` is reclaimed.
//! - Memory sets the CPU share: 1,769 MB = 1 vCPU, linear, at most 6.
//! - Beyond the concurrency limit a request is throttled (HTTP 429), never queued.
//! - Metering: each invocation is billed `ceil_ms(INIT + duration)` × memory when it starts.
//! - Traffic that names functions (a replayed trace) gets one function each: its own
//!   environments, keep-alive, memory and concurrency limit, and its own tallies.
//!
//! Keep-alive is applied lazily. With one fixed timeout, idle environments expire in the order
//! they became idle, so they sit in a deque (oldest idle at the front, most recently used at the
//! back) and expired ones are dropped — with their exact expiry time — before each arrival looks
//! for one. This gives the same answer as a timer per idle period without putting tens of
//! thousands of timers in the event heap.

mod cpu_share;
mod runtimes;

pub use cpu_share::{MAX_MEMORY_MB, MAX_VCPU, MB_PER_VCPU, MIN_MEMORY_MB, vcpu_share};
pub use runtimes::{RUNTIMES, RuntimePreset, runtime_cold_start, runtime_names};

use std::collections::VecDeque;

use crate::dist::DurationDist;
use crate::engine::{Model, Scheduler, SimDuration, SimRng, SimTime};
use crate::metrics::{
    Counters, FunctionTally, Integral, IntervalRecorder, RequestOutcome, RequestRecord,
    RequestSink, Snapshot,
};
use crate::platform::{CapacityStats, Outcome, QueueStats, run_time};
use crate::traffic::{RequestProfile, Work};

/// Configuration of one function.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionConfig {
    /// Configured memory, 128–10,240 MB.
    pub memory_mb: u32,
    /// Idle time after which an environment is reclaimed.
    pub keep_alive: SimDuration,
    /// Most requests in flight at once (account limit or reserved concurrency).
    pub concurrency_limit: u32,
    /// Cold-start (INIT) latency.
    pub cold_start: DurationDist,
    /// Give each function of a replayed trace the memory the trace records for it (when it
    /// records one), instead of `memory_mb`.
    pub memory_from_trace: bool,
}

/// The Lambda memory setting for a function a trace says uses `mb`: whole MB, 128–10,240.
pub fn lambda_memory_for(mb: f64) -> u32 {
    (mb.ceil() as u32).clamp(MIN_MEMORY_MB, MAX_MEMORY_MB)
}

/// What a function run consumed, as the provider meters it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FunctionUsage {
    /// The configured memory, MB, when every function has the same (else `None`).
    pub memory_mb: Option<u32>,
    /// Invocations started (throttled requests are not invocations).
    pub invocations: u64,
    /// Σ ceil_ms(INIT + duration) × configured MB over invocations.
    pub mb_ms: u128,
    /// Requests that reached the front door (API gateway), throttled ones included.
    pub front_door_requests: u64,
}

/// Events of the function model.
#[derive(Clone, Copy, Debug)]
pub enum FunctionEvent {
    /// A request finished; its environment becomes idle.
    Done {
        /// When the request arrived.
        arrival: SimTime,
        /// Whether it started a new environment.
        cold: bool,
        /// Which function.
        function: u32,
    },
    /// A reporting interval ended.
    Tick,
}

/// One function's environments.
struct Function {
    memory_mb: u32,
    vcpus: f64,
    /// Idle environments by the time they became idle, oldest first.
    idle: VecDeque<SimTime>,
    busy: u32,
}

/// The simulation state of the functions of a workload.
pub struct FunctionModel<'a> {
    cfg: &'a FunctionConfig,
    profile: &'a RequestProfile,
    fns: Vec<Function>,
    /// Per-function tallies (traffic that names functions only).
    tallies: Option<Vec<FunctionTally>>,
    rng: SimRng,
    horizon: SimTime,
    /// Environments alive over all functions: busy and idle.
    busy: u32,
    idle: u32,
    peak: u32,
    /// Environment-µs alive and request-µs served in the intervals closed so far.
    total_env_us: f64,
    total_busy_us: f64,
    counters: Counters,
    usage: FunctionUsage,
    series: IntervalRecorder,
    interval_start: SimTime,
    interval_end: SimTime,
    /// Busy environments over the current interval.
    busy_area: Integral,
    /// Environment-µs alive in the current interval (credited to its end, debited at reclaim).
    env_area_us: f64,
    interval_invocations: u64,
    interval_mb_ms: u128,
    log: Option<&'a mut dyn RequestSink>,
}

impl<'a> FunctionModel<'a> {
    /// Functions with no environments yet, one per entry of `memories` (its memory, MB);
    /// `tally` keeps per-function figures; `rng` draws cold starts.
    pub fn new(
        cfg: &'a FunctionConfig,
        profile: &'a RequestProfile,
        memories: &[u32],
        tally: bool,
        rng: SimRng,
        horizon: SimTime,
        interval: SimDuration,
    ) -> Self {
        let memories = if memories.is_empty() {
            &[cfg.memory_mb][..]
        } else {
            memories
        };
        let same = memories.iter().all(|&m| m == memories[0]);
        FunctionModel {
            cfg,
            profile,
            fns: memories
                .iter()
                .map(|&memory_mb| Function {
                    memory_mb,
                    vcpus: vcpu_share(memory_mb),
                    idle: VecDeque::new(),
                    busy: 0,
                })
                .collect(),
            tallies: tally.then(|| vec![FunctionTally::default(); memories.len()]),
            rng,
            horizon,
            busy: 0,
            idle: 0,
            peak: 0,
            total_env_us: 0.0,
            total_busy_us: 0.0,
            counters: Counters::default(),
            usage: FunctionUsage {
                memory_mb: same.then_some(memories[0]),
                ..FunctionUsage::default()
            },
            series: IntervalRecorder::new(interval),
            interval_start: SimTime::ZERO,
            interval_end: SimTime::ZERO + interval,
            busy_area: Integral::default(),
            env_area_us: 0.0,
            interval_invocations: 0,
            interval_mb_ms: 0,
            log: None,
        }
    }

    /// Hand every request's record to `sink`.
    pub fn log_requests_to(&mut self, sink: &'a mut dyn RequestSink) {
        self.log = Some(sink);
    }

    #[inline]
    fn log(&mut self, record: RequestRecord) {
        if let Some(sink) = &mut self.log {
            sink.record(record);
        }
    }

    fn alive(&self) -> u32 {
        self.busy + self.idle
    }

    /// Close the reporting interval at `now` (a tick, or the horizon).
    fn close_interval(&mut self, now: SimTime) {
        for f in 0..self.fns.len() {
            self.reclaim_expired(f, now);
        }
        // Credits ran to the interval's end; a partial last interval gives the rest back.
        self.env_area_us -=
            f64::from(self.alive()) * self.interval_end.saturating_since(now).as_micros() as f64;
        let busy_area = self.busy_area.take(now);
        self.total_env_us += self.env_area_us;
        self.total_busy_us += busy_area;
        let gb_s = self.interval_mb_ms as f64 / 1_024_000.0;
        self.series.close(
            now,
            Snapshot {
                in_service: self.busy,
                booting: None,
                idle: self.idle,
                utilisation: (self.env_area_us > 0.0).then(|| busy_area / self.env_area_us),
                usage_requests: self.interval_invocations,
                usage_compute: gb_s,
                ..Snapshot::default()
            },
        );
        self.interval_invocations = 0;
        self.interval_mb_ms = 0;
        self.interval_start = now;
        self.interval_end = now + self.series.interval;
        self.env_area_us = f64::from(self.alive()) * self.series.interval.as_micros() as f64;
    }

    /// Reclaim every environment of function `f` whose keep-alive ran out at or before `now`.
    #[inline]
    fn reclaim_expired(&mut self, f: usize, now: SimTime) {
        let idle = &mut self.fns[f].idle;
        while let Some(&idle_since) = idle.front() {
            let expiry = idle_since + self.cfg.keep_alive;
            if expiry > now {
                break;
            }
            idle.pop_front();
            self.idle -= 1;
            self.env_area_us -= self.interval_end.saturating_since(expiry).as_micros() as f64;
        }
    }

    /// How long `work` runs in an environment of its function's size.
    #[inline]
    fn exec_duration(&self, work: Work) -> SimDuration {
        let vcpus = self.fns[work.function as usize].vcpus;
        let (wall_s, _) = run_time(work, self.profile, vcpus, 1.0);
        SimDuration::from_secs_f64(wall_s)
    }

    /// Close the books at the horizon. `pending` are the completions still scheduled.
    pub fn finish<'e>(
        mut self,
        pending: impl Iterator<Item = (SimTime, &'e FunctionEvent)>,
    ) -> Outcome<FunctionUsage> {
        let horizon = self.horizon;
        if self.interval_start < horizon {
            self.close_interval(horizon);
        }
        for f in 0..self.fns.len() {
            self.reclaim_expired(f, horizon);
        }
        let mut in_flight: Vec<(SimTime, bool, u32)> = pending
            .filter_map(|(_, e)| match e {
                FunctionEvent::Done {
                    arrival,
                    cold,
                    function,
                } => Some((*arrival, *cold, *function)),
                FunctionEvent::Tick => None,
            })
            .collect();
        in_flight.sort_unstable();
        let functions = match &self.tallies {
            Some(tallies) => {
                let mut left = vec![0u64; tallies.len()];
                for &(_, _, f) in &in_flight {
                    left[f as usize] += 1;
                }
                tallies
                    .iter()
                    .zip(&self.fns)
                    .zip(left)
                    .map(|((t, f), n)| t.outcome(n, Some(f.memory_mb)))
                    .collect()
            }
            None => Vec::new(),
        };
        for &(arrival, cold, function) in &in_flight {
            self.log(RequestRecord {
                arrival,
                start: Some(arrival),
                end: None,
                cold,
                outcome: RequestOutcome::InFlight,
                function,
            });
        }
        let mut counters = self.counters;
        counters.in_flight_at_end = in_flight.len() as u64;
        let usage = FunctionUsage {
            front_door_requests: counters.arrived,
            ..self.usage
        };
        let horizon_us = self.horizon.as_micros().max(1) as f64;
        let latency = self.series.total_latency();
        Outcome {
            counters,
            latency: latency.summary(),
            latency_cdf: latency.cdf(),
            capacity: CapacityStats {
                mean_instances: self.total_env_us / horizon_us,
                mean_busy: self.total_busy_us / horizon_us,
                peak_instances: u64::from(self.peak),
                mean_utilisation: if self.total_env_us == 0.0 {
                    0.0
                } else {
                    self.total_busy_us / self.total_env_us
                },
            },
            queueing: QueueStats::default(),
            usage,
            timeseries: self.series.into_rows(),
            activities: Vec::new(),
            functions,
        }
    }
}

impl Model for FunctionModel<'_> {
    type Arrival = Work;
    type Event = FunctionEvent;

    fn init(&mut self, sched: &mut Scheduler<FunctionEvent>) {
        sched.schedule_in(self.series.interval, FunctionEvent::Tick);
    }

    #[inline]
    fn on_arrival(&mut self, work: Work, sched: &mut Scheduler<FunctionEvent>) {
        let now = sched.now();
        let f = work.function as usize;
        self.counters.arrived += 1;
        self.series.arrival();
        if let Some(t) = &mut self.tallies {
            t[f].counters.arrived += 1;
        }
        if self.fns[f].busy >= self.cfg.concurrency_limit {
            self.counters.throttled += 1;
            self.series.throttled();
            if let Some(t) = &mut self.tallies {
                t[f].counters.throttled += 1;
            }
            self.log(RequestRecord {
                arrival: now,
                start: None,
                end: Some(now),
                cold: false,
                outcome: RequestOutcome::Throttled,
                function: work.function,
            });
            return;
        }
        self.reclaim_expired(f, now);
        let cold = match self.fns[f].idle.pop_back() {
            Some(_) => {
                self.idle -= 1;
                false
            }
            None => true,
        };
        let init = if !cold {
            SimDuration::ZERO
        } else {
            self.counters.cold_starts += 1;
            self.series.cold_start();
            self.env_area_us += self.interval_end.saturating_since(now).as_micros() as f64;
            SimDuration::from_secs_f64(self.cfg.cold_start.sample(&mut self.rng))
        };
        self.fns[f].busy += 1;
        self.busy += 1;
        self.busy_area.set(now, f64::from(self.busy));
        self.peak = self.peak.max(self.alive());
        let latency = init + self.exec_duration(work);
        let mb_ms = u128::from(latency.ceil_millis()) * u128::from(self.fns[f].memory_mb);
        self.usage.invocations += 1;
        self.usage.mb_ms += mb_ms;
        self.interval_invocations += 1;
        self.interval_mb_ms += mb_ms;
        if let Some(t) = &mut self.tallies {
            let t = &mut t[f];
            t.counters.cold_starts += u64::from(cold);
            t.mb_ms += mb_ms;
            t.busy_s += (now + latency)
                .min(self.horizon)
                .saturating_since(now)
                .as_secs_f64();
        }
        sched.schedule_in(
            latency,
            FunctionEvent::Done {
                arrival: now,
                cold,
                function: work.function,
            },
        );
    }

    #[inline]
    fn on_event(&mut self, event: FunctionEvent, sched: &mut Scheduler<FunctionEvent>) {
        let now = sched.now();
        match event {
            FunctionEvent::Done {
                arrival,
                cold,
                function,
            } => {
                let f = function as usize;
                self.fns[f].busy -= 1;
                self.busy -= 1;
                self.busy_area.set(now, f64::from(self.busy));
                self.fns[f].idle.push_back(now);
                self.idle += 1;
                self.counters.completed += 1;
                self.series.completed(now - arrival);
                if let Some(t) = &mut self.tallies {
                    t[f].completed(now - arrival);
                }
                self.log(RequestRecord {
                    arrival,
                    start: Some(arrival),
                    end: Some(now),
                    cold,
                    outcome: RequestOutcome::Completed,
                    function,
                });
            }
            FunctionEvent::Tick => {
                self.close_interval(now);
                sched.schedule_in(self.series.interval, FunctionEvent::Tick);
            }
        }
    }
}
