//! A fleet of provisioned servers behind a load balancer, fixed or autoscaled.
//!
//! - Instances live through booting → in service → draining → terminated. A launch takes a
//!   boot time drawn from a distribution; billing runs from launch to termination.
//! - The load balancer sends a request to the in-service instance with the fewest in flight
//!   (lowest index on ties). When no in-service slot is free the request waits in one FIFO queue;
//!   a request that has waited `queue_timeout` is dropped and counted as timed out. The queue
//!   holds at most [`MAX_QUEUE`] requests: one arriving when it is full is dropped at once
//!   (timed out, waiting 0), so memory stays flat however overloaded the fleet is.
//! - A request's CPU-bound part runs at the instance's speed on min(parallelism, vCPUs) cores.
//!   The requests on an instance share its vCPUs (processor sharing, see `sharing.rs`): when
//!   their demands exceed the vCPUs, all of them slow down alike, a start slowing those already
//!   running; CPU use never exceeds the vCPUs and every request gets all its CPU work.
//! - Every metric period the fleet publishes a datapoint (CPU of in-service instances past
//!   warm-up, requests per target, queue) and asks its policy for a decision: policies see
//!   completed periods only. Scale-in drains instances: no new requests, in-flight ones finish,
//!   and whatever still runs at the end of the deregistration delay is dropped (timed out).
//! - Metering: each launch's run time (billing applies the per-second, 60 s minimum rule) and,
//!   per hour, what the load balancer handled: requests, connections, bytes, rule evaluations.

mod balancer;
mod books;
mod instance;
mod scaling;
mod sharing;

use std::collections::VecDeque;

pub use balancer::{Balancer, BalancerHour};
use instance::{Instance, State};

use crate::autoscale::{Datapoint, HISTORY_LEN, Policy, ScheduledAction};
use crate::dist::DurationDist;
use crate::engine::{Model, Scheduler, SimDuration, SimRng, SimTime};
use crate::metrics::{
    Counters, FunctionTally, Integral, IntervalRecorder, RequestOutcome, RequestRecord, RequestSink,
};
use crate::platform::{ScalingActivity, run_time};
use crate::traffic::{RequestProfile, Work};

const HOUR_US: u64 = 3_600_000_000;

/// Most requests the fleet's queue holds: a million. A real server's accept queue holds a few
/// thousand connections (Linux `somaxconn`, 4,096 since 5.4) and an ALB queues none (it answers
/// 503), so no real fleet gets near it; it keeps an overloaded run's memory flat (~25 MB).
pub const MAX_QUEUE: usize = 1_000_000;

/// Largest fleet accepted, instances (a scenario's `count`, `max_size`, scheduled sizes and
/// adjustments are bounded by it).
pub const MAX_INSTANCES: u32 = 100_000;

/// Default longest wait in the fleet's queue for a free slot (a scenario's `queue_timeout`).
pub const DEFAULT_QUEUE_TIMEOUT: SimDuration = SimDuration::from_secs(30);

/// Default time from launch to serving: lognormal, median 60 s, p99 160 s (the reference file's
/// preset "median 60 s, p95 120 s" — launch 25–40 s + application 5–30 s + first health check
/// 0–30 s — with σ = ln 2 / 1.645 carried to the 99th percentile). Sources:
/// daemonology.net EC2 boot benchmarks (2021), brevdev/ec2-coldboot-research (2025), ELB docs.
pub fn default_boot_time() -> DurationDist {
    DurationDist::lognormal(60.0, 160.0)
}

/// Default ALB deregistration delay (target-group attribute `deregistration_delay`, 300 s).
pub const DEFAULT_DEREGISTRATION_DELAY: SimDuration = SimDuration::from_secs(300);

/// Configuration of a fleet.
#[derive(Clone, Debug, PartialEq)]
pub struct FleetConfig {
    /// Instances in service at time zero (the initial desired capacity).
    pub initial: u32,
    /// Lower bound on desired capacity.
    pub min: u32,
    /// Upper bound on desired capacity.
    pub max: u32,
    /// vCPUs per instance.
    pub vcpus: f64,
    /// CPU speed relative to the reference CPU (1.0 = one Lambda vCPU).
    pub cpu_speed: f64,
    /// Requests one instance runs at once.
    pub slots: u32,
    /// Longest a request may wait in the queue before it is dropped.
    pub queue_timeout: SimDuration,
    /// Time from launch to in service.
    pub boot_time: DurationDist,
    /// Longest a draining instance waits for its requests before it terminates.
    pub deregistration_delay: SimDuration,
    /// Daily actions that set min, max or desired capacity.
    pub schedule: Vec<ScheduledAction>,
    /// How clients use the load balancer in front (what it meters).
    pub balancer: Balancer,
}

/// What a fleet run consumed, as the provider meters it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FleetUsage {
    /// Run time of each instance launch, launch to termination (or the horizon).
    pub instance_runs: Vec<SimDuration>,
    /// How many of the last `instance_runs` were still running at the horizon (cut by it, not
    /// terminated): a projection scales their time, not their launch.
    pub open_at_end: usize,
    /// What the load balancer handled in each hour of the horizon (the last may be partial).
    pub balancer_hours: Vec<BalancerHour>,
}

/// Events of the fleet model.
#[derive(Clone, Copy, Debug)]
pub enum FleetEvent {
    /// The next request to finish on an instance is done (if `generation` is still current).
    Done {
        /// Index of the instance.
        instance: u32,
        /// The instance's event stamp when this was scheduled.
        generation: u32,
    },
    /// An instance finished booting.
    Ready {
        /// Index of the instance.
        instance: u32,
    },
    /// A draining instance's deregistration delay ran out.
    DrainDeadline {
        /// Index of the instance.
        instance: u32,
    },
    /// A metric period ended: publish the datapoint and ask the policy.
    Tick,
    /// A reporting interval ended.
    ReportTick,
    /// A scheduled action falls due.
    Scheduled {
        /// Index into the schedule.
        action: u32,
    },
}

/// The simulation state of a fleet.
pub struct FleetModel<'a> {
    cfg: &'a FleetConfig,
    profile: &'a RequestProfile,
    policy: Box<dyn Policy + 'a>,
    boot_rng: SimRng,
    horizon: SimTime,
    instances: Vec<Instance>,
    /// Indices of in-service instances, for the load balancer.
    in_service: Vec<u32>,
    desired: u32,
    min: u32,
    max: u32,
    alive: u32,
    peak: u32,
    queue: VecDeque<(SimTime, Work)>,
    counters: Counters,
    queued: u64,
    started: u64,
    wait_us: u128,
    busy_us: u64,
    cpu_core_s: f64,
    runs: Vec<SimDuration>,
    requests_per_hour: Vec<u64>,
    period_start: SimTime,
    period_arrivals: u64,
    history: VecDeque<Datapoint>,
    activities: Vec<ScalingActivity>,
    series: IntervalRecorder,
    interval_start: SimTime,
    /// In-service instances over the current reporting interval.
    in_service_area: Integral,
    /// Running (billed) instances over the current reporting interval.
    alive_area: Integral,
    interval_cpu_core_s: f64,
    /// Per-function tallies (traffic that names functions only).
    tallies: Option<Vec<FunctionTally>>,
    log: Option<&'a mut dyn RequestSink>,
}

impl<'a> FleetModel<'a> {
    /// A fleet with `cfg.initial` instances in service; `boot_rng` draws boot times;
    /// `functions` named functions share it (0: the traffic names none) and get tallies.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        cfg: &'a FleetConfig,
        profile: &'a RequestProfile,
        functions: usize,
        policy: Box<dyn Policy + 'a>,
        boot_rng: SimRng,
        horizon: SimTime,
        interval: SimDuration,
    ) -> Self {
        let hours = horizon.as_micros().div_ceil(HOUR_US).max(1) as usize;
        let initial = cfg.initial.clamp(cfg.min, cfg.max);
        FleetModel {
            cfg,
            profile,
            policy,
            boot_rng,
            horizon,
            instances: (0..initial)
                // The fleet at time zero is already running: no warm-up.
                .map(|_| Instance::launch(SimTime::ZERO, State::InService, SimDuration::ZERO))
                .collect(),
            in_service: (0..initial).collect(),
            desired: initial,
            min: cfg.min,
            max: cfg.max,
            alive: initial,
            peak: initial,
            queue: VecDeque::new(),
            counters: Counters::default(),
            queued: 0,
            started: 0,
            wait_us: 0,
            busy_us: 0,
            cpu_core_s: 0.0,
            runs: Vec::new(),
            requests_per_hour: vec![0; hours],
            period_start: SimTime::ZERO,
            period_arrivals: 0,
            history: VecDeque::with_capacity(HISTORY_LEN),
            activities: Vec::new(),
            series: IntervalRecorder::new(interval),
            interval_start: SimTime::ZERO,
            in_service_area: Integral::default(),
            alive_area: Integral::default(),
            interval_cpu_core_s: 0.0,
            tallies: (functions > 0).then(|| vec![FunctionTally::default(); functions]),
            log: None,
        }
    }

    /// The in-service instance with the fewest requests in flight, if it has a free slot.
    #[inline]
    pub(super) fn least_loaded(&self) -> Option<usize> {
        let (n, i) = self
            .in_service
            .iter()
            .map(|&i| (self.instances[i as usize].in_flight, i))
            .min()?;
        (n < self.cfg.slots).then_some(i as usize)
    }

    /// Drop queued requests whose wait reached the timeout by `now`.
    #[inline]
    pub(super) fn drop_timed_out(&mut self, now: SimTime) {
        while let Some(&(arrival, work)) = self.queue.front() {
            if arrival + self.cfg.queue_timeout > now {
                break;
            }
            self.queue.pop_front();
            self.counters.timed_out += 1;
            if let Some(t) = &mut self.tallies {
                t[work.function as usize].counters.timed_out += 1;
            }
            self.series.timed_out(1);
            self.log_timed_out_in_queue(arrival, work.function);
        }
    }

    /// Drop a request that finds the queue full: timed out at once, never started.
    #[cold]
    fn drop_at_once(&mut self, now: SimTime, function: u32) {
        self.counters.timed_out += 1;
        if let Some(t) = &mut self.tallies {
            t[function as usize].counters.timed_out += 1;
        }
        self.series.timed_out(1);
        self.log(RequestRecord {
            arrival: now,
            start: None,
            end: Some(now),
            cold: false,
            outcome: RequestOutcome::TimedOut,
            function,
        });
    }

    /// Start queued requests while an in-service slot is free.
    pub(super) fn dispatch_queue(&mut self, sched: &mut Scheduler<FleetEvent>) {
        self.drop_timed_out(sched.now());
        while !self.queue.is_empty() {
            let Some(i) = self.least_loaded() else { break };
            if let Some((arrival, work)) = self.queue.pop_front() {
                self.start_request(i, arrival, work, sched);
            }
        }
    }

    pub(super) fn advance_cpu(&mut self, i: usize, now: SimTime) {
        let used = self.instances[i].advance(now, self.cfg.vcpus);
        self.cpu_core_s += used;
        self.interval_cpu_core_s += used;
    }

    pub(super) fn start_request(
        &mut self,
        i: usize,
        arrival: SimTime,
        work: Work,
        sched: &mut Scheduler<FleetEvent>,
    ) {
        let now = sched.now();
        self.advance_cpu(i, now);
        self.wait_us += u128::from((now - arrival).as_micros());
        // Alone on the instance: the I/O part, then the CPU part on the cores it can use (a
        // recorded duration as recorded).
        let (solo_s, core_s) = run_time(work, self.profile, self.cfg.vcpus, self.cfg.cpu_speed);
        let inst = &mut self.instances[i];
        inst.work
            .start(solo_s, core_s, self.started, (arrival, now, work.function));
        inst.in_flight += 1;
        self.started += 1;
        self.reschedule(i, sched);
    }

    /// Schedule instance `i`'s next completion after its running requests changed (call
    /// `advance_cpu` first). The pending event is kept when its time is unchanged (to the
    /// microsecond); otherwise a new one is stamped and the old one goes stale.
    #[inline]
    fn reschedule(&mut self, i: usize, sched: &mut Scheduler<FleetEvent>) {
        let now = sched.now();
        let inst = &mut self.instances[i];
        let next = inst.work.next_finish(now, self.cfg.vcpus);
        let same = match (next, inst.due) {
            (Some(t), Some(d)) => t.as_micros().abs_diff(d.as_micros()) <= 1,
            (None, None) => true,
            _ => false,
        };
        if same {
            return;
        }
        inst.generation = inst.generation.wrapping_add(1);
        inst.due = next;
        if let Some(t) = next {
            sched.schedule_in(
                t - now,
                FleetEvent::Done {
                    instance: i as u32,
                    generation: inst.generation,
                },
            );
        }
    }

    /// Instance `i`'s next request (and any due at the same microsecond) completed at `now`.
    fn complete_due(&mut self, i: usize, sched: &mut Scheduler<FleetEvent>) {
        let now = sched.now();
        self.advance_cpu(i, now);
        self.instances[i].due = None;
        let mut first = true;
        while first || self.instances[i].work.next_is_due(self.cfg.vcpus) {
            first = false;
            let Some(r) = self.instances[i].finish_next() else {
                break;
            };
            let busy_us = now.saturating_since(r.start).as_micros();
            self.busy_us += busy_us;
            self.counters.completed += 1;
            self.series.completed(now - r.arrival);
            if let Some(t) = &mut self.tallies {
                let t = &mut t[r.function as usize];
                t.busy_s += busy_us as f64 / 1e6;
                t.completed(now - r.arrival);
            }
            self.log(RequestRecord {
                arrival: r.arrival,
                start: Some(r.start),
                end: Some(now),
                cold: false,
                outcome: RequestOutcome::Completed,
                function: r.function,
            });
        }
        if self.instances[i].state == State::Draining && self.instances[i].in_flight == 0 {
            self.terminate(i, now);
        } else {
            self.reschedule(i, sched);
        }
        self.dispatch_queue(sched);
    }

    /// Drop the requests still running on draining instance `i` at the end of its
    /// deregistration delay: each is timed out.
    fn abandon(&mut self, i: usize, now: SimTime) {
        self.advance_cpu(i, now);
        let dropped = self.instances[i].abandon_all();
        self.counters.timed_out += dropped.len() as u64;
        self.series.timed_out(dropped.len() as u64);
        for r in dropped {
            let busy_us = now.saturating_since(r.start).as_micros();
            self.busy_us += busy_us;
            if let Some(t) = &mut self.tallies {
                let t = &mut t[r.function as usize];
                t.busy_s += busy_us as f64 / 1e6;
                t.counters.timed_out += 1;
            }
            self.log(RequestRecord {
                arrival: r.arrival,
                start: Some(r.start),
                end: Some(now),
                cold: false,
                outcome: RequestOutcome::TimedOut,
                function: r.function,
            });
        }
        self.terminate(i, now);
    }
}

impl Model for FleetModel<'_> {
    type Arrival = Work;
    type Event = FleetEvent;

    fn init(&mut self, sched: &mut Scheduler<FleetEvent>) {
        self.capacity_changed(SimTime::ZERO);
        sched.schedule_in(self.policy.period(), FleetEvent::Tick);
        sched.schedule_in(self.series.interval, FleetEvent::ReportTick);
        for (i, action) in self.cfg.schedule.iter().enumerate() {
            let first = action.next_after(SimTime::ZERO);
            sched.schedule_in(
                first - SimTime::ZERO,
                FleetEvent::Scheduled { action: i as u32 },
            );
        }
    }

    #[inline]
    fn on_arrival(&mut self, work: Work, sched: &mut Scheduler<FleetEvent>) {
        let now = sched.now();
        self.counters.arrived += 1;
        if let Some(t) = &mut self.tallies {
            t[work.function as usize].counters.arrived += 1;
        }
        self.period_arrivals += 1;
        self.series.arrival();
        let hour = (now.as_micros() / HOUR_US) as usize;
        if let Some(h) = self.requests_per_hour.get_mut(hour) {
            *h += 1;
        }
        self.drop_timed_out(now);
        match self.least_loaded() {
            Some(i) if self.queue.is_empty() => self.start_request(i, now, work, sched),
            _ if self.queue.len() >= MAX_QUEUE => self.drop_at_once(now, work.function),
            _ => {
                self.queued += 1;
                self.queue.push_back((now, work));
            }
        }
    }

    fn on_event(&mut self, event: FleetEvent, sched: &mut Scheduler<FleetEvent>) {
        let now = sched.now();
        match event {
            FleetEvent::Done {
                instance,
                generation,
            } => {
                let i = instance as usize;
                if self.instances[i].generation == generation {
                    self.complete_due(i, sched);
                }
            }
            FleetEvent::Ready { instance } => {
                let i = instance as usize;
                if self.instances[i].state != State::Booting {
                    return; // retired while booting
                }
                self.instances[i].state = State::InService;
                self.instances[i].in_service_since = Some(now);
                self.in_service.push(instance);
                self.capacity_changed(now);
                self.dispatch_queue(sched);
            }
            FleetEvent::DrainDeadline { instance } => {
                let i = instance as usize;
                if self.instances[i].state != State::Draining {
                    return;
                }
                self.abandon(i, now);
            }
            FleetEvent::Tick => self.tick(sched),
            FleetEvent::ReportTick => {
                self.close_interval(now);
                sched.schedule_in(self.series.interval, FleetEvent::ReportTick);
            }
            FleetEvent::Scheduled { action } => {
                let a = self.cfg.schedule[action as usize];
                self.min = a.min_size.unwrap_or(self.min);
                self.max = a.max_size.unwrap_or(self.max).max(self.min);
                let wanted = a.desired_capacity.unwrap_or(self.desired);
                self.set_desired(wanted, format!("scheduled action at {}", a.label()), sched);
                let next = a.next_after(now + SimDuration::from_micros(1));
                sched.schedule_in(next - now, FleetEvent::Scheduled { action });
            }
        }
    }
}
