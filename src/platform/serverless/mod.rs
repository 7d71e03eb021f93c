//! Serverless functions with AWS Lambda semantics.
//!
//! - One request per execution environment. A request takes the most recently used idle
//!   environment, else starts a new one and waits for its cold start (INIT).
//! - Fixed keep-alive: an environment idle for `keep_alive` is reclaimed.
//! - Memory sets the CPU share: 1,769 MB = 1 vCPU, linear, at most 6.
//! - Beyond the concurrency limit a request is throttled (HTTP 429), never queued.
//! - Metering: each invocation is billed `ceil_ms(INIT + duration)` × memory when it starts.
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
use crate::metrics::{Counters, LatencyRecorder};
use crate::platform::{CapacityStats, Outcome, QueueStats, cpu_time};
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
}

/// What a function run consumed, as the provider meters it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FunctionUsage {
    /// Configured memory, MB.
    pub memory_mb: u32,
    /// Invocations started (throttled requests are not invocations).
    pub invocations: u64,
    /// Σ ceil_ms(INIT + duration) over invocations.
    pub billed_ms: u64,
    /// Σ ceil_ms(INIT) over cold starts (part of `billed_ms`, shown for information).
    pub init_ms: u64,
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
    },
}

/// The simulation state of one function.
pub struct FunctionModel<'a> {
    cfg: &'a FunctionConfig,
    profile: &'a RequestProfile,
    vcpus: f64,
    rng: SimRng,
    horizon: SimTime,
    /// Idle environments by the time they became idle, oldest first.
    idle: VecDeque<SimTime>,
    busy: u32,
    peak: u32,
    /// Environment-µs alive within the horizon (credited to the horizon at creation, debited
    /// at reclaim).
    env_us: u64,
    /// Request-µs being served within the horizon.
    busy_us: u64,
    counters: Counters,
    latency: LatencyRecorder,
    usage: FunctionUsage,
}

impl<'a> FunctionModel<'a> {
    /// A function with no environments yet; `rng` draws its cold starts.
    pub fn new(
        cfg: &'a FunctionConfig,
        profile: &'a RequestProfile,
        rng: SimRng,
        horizon: SimTime,
    ) -> Self {
        FunctionModel {
            cfg,
            profile,
            vcpus: vcpu_share(cfg.memory_mb),
            rng,
            horizon,
            idle: VecDeque::new(),
            busy: 0,
            peak: 0,
            env_us: 0,
            busy_us: 0,
            counters: Counters::default(),
            latency: LatencyRecorder::default(),
            usage: FunctionUsage {
                memory_mb: cfg.memory_mb,
                ..FunctionUsage::default()
            },
        }
    }

    /// Reclaim every environment whose keep-alive ran out at or before `now`.
    #[inline]
    fn reclaim_expired(&mut self, now: SimTime) {
        while let Some(&idle_since) = self.idle.front() {
            let expiry = idle_since + self.cfg.keep_alive;
            if expiry > now {
                break;
            }
            self.idle.pop_front();
            self.env_us -= self.horizon.saturating_since(expiry).as_micros();
        }
    }

    /// How long `work` runs in an environment of this function's size.
    #[inline]
    fn exec_duration(&self, work: Work) -> SimDuration {
        let p = self.profile;
        let cpu_work = work.ref_duration_s * p.cpu_fraction;
        let (cpu_wall, _) = cpu_time(cpu_work, p.parallelism, self.vcpus, 1.0);
        SimDuration::from_secs_f64(work.ref_duration_s - cpu_work + cpu_wall)
    }

    /// Close the books at the horizon. `pending` are the completions still scheduled.
    pub fn finish<'e>(
        self,
        pending: impl Iterator<Item = (SimTime, &'e FunctionEvent)>,
    ) -> Outcome<FunctionUsage> {
        let mut counters = self.counters;
        counters.in_flight_at_end = pending.count() as u64;
        let usage = FunctionUsage {
            front_door_requests: counters.arrived,
            ..self.usage
        };
        let horizon_us = self.horizon.as_micros().max(1) as f64;
        Outcome {
            counters,
            latency: self.latency.summary(),
            capacity: CapacityStats {
                mean_instances: self.env_us as f64 / horizon_us,
                mean_busy: self.busy_us as f64 / horizon_us,
                peak_instances: u64::from(self.peak),
                mean_utilisation: if self.env_us == 0 {
                    0.0
                } else {
                    self.busy_us as f64 / self.env_us as f64
                },
            },
            queueing: QueueStats::default(),
            usage,
            timeline: Vec::new(),
            activities: Vec::new(),
        }
    }
}

impl Model for FunctionModel<'_> {
    type Arrival = Work;
    type Event = FunctionEvent;

    #[inline]
    fn on_arrival(&mut self, work: Work, sched: &mut Scheduler<FunctionEvent>) {
        let now = sched.now();
        self.counters.arrived += 1;
        if self.busy >= self.cfg.concurrency_limit {
            self.counters.throttled += 1;
            return;
        }
        self.reclaim_expired(now);
        let init = if self.idle.pop_back().is_some() {
            SimDuration::ZERO
        } else {
            self.counters.cold_starts += 1;
            self.env_us += self.horizon.saturating_since(now).as_micros();
            let init = SimDuration::from_secs_f64(self.cfg.cold_start.sample(&mut self.rng));
            self.usage.init_ms += init.ceil_millis();
            init
        };
        self.busy += 1;
        self.peak = self.peak.max(self.busy + self.idle.len() as u32);
        let latency = init + self.exec_duration(work);
        let end = now + latency;
        self.busy_us += end.min(self.horizon).saturating_since(now).as_micros();
        self.usage.invocations += 1;
        self.usage.billed_ms += latency.ceil_millis();
        sched.schedule_in(latency, FunctionEvent::Done { arrival: now });
    }

    #[inline]
    fn on_event(&mut self, event: FunctionEvent, sched: &mut Scheduler<FunctionEvent>) {
        let FunctionEvent::Done { arrival } = event;
        let now = sched.now();
        self.busy -= 1;
        self.idle.push_back(now);
        self.counters.completed += 1;
        self.latency.record(now - arrival);
    }
}
