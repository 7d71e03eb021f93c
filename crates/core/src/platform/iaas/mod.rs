//! A fleet of provisioned servers behind a load balancer, fixed or autoscaled, built on the
//! replica [`Pool`] (an instance is a replica).
//!
//! - Instances live through booting → in service → draining → terminated. A launch takes a
//!   boot time drawn from a distribution; billing runs from launch to termination.
//! - The load balancer sends a request to the in-service instance with the fewest in flight
//!   (lowest index on ties). When no in-service slot is free the request waits in one FIFO queue;
//!   a request that has waited `queue_timeout` is dropped and counted as timed out. The queue
//!   holds at most [`MAX_QUEUE`] requests: one arriving when it is full is dropped at once
//!   (timed out, waiting 0), so memory stays flat however overloaded the fleet is.
//! - A request's CPU-bound part runs at the instance's speed on min(parallelism, vCPUs) cores.
//!   The requests on an instance share its vCPUs (processor sharing, see `pool/sharing.rs`):
//!   when their demands exceed the vCPUs, all of them slow down alike, a start slowing those
//!   already running; CPU use never exceeds the vCPUs and every request gets all its CPU work.
//!
//! Dispatch, the queue, processor sharing and the request books are the pool's; the fleet adds
//! the boot time, draining with the deregistration delay, the policy tick, scheduled actions and
//! the metering (instance runs, the load balancer's hours).
//! - Every metric period the fleet publishes a datapoint (CPU of in-service instances past
//!   warm-up, requests per target, queue) and asks its policy for a decision: policies see
//!   completed periods only. Scale-in drains instances: no new requests, in-flight ones finish,
//!   and whatever still runs at the end of the deregistration delay is dropped (timed out).
//! - Interruptions (spot capacity, `spot.rs`): an instance told it will be taken away is
//!   deregistered and replaced at the notice and terminates at its end, its running requests
//!   retried or failed.
//! - Metering: each launch's launch and end (the product's meter applies the per-second, 60 s
//!   minimum rule) and the requests that reached the fleet in each hour (what an hourly-billed
//!   load balancer meters).

mod balancer;
mod books;
mod scaling;
mod spot;

use std::collections::VecDeque;

pub use crate::usage::BalancerHour;
pub use balancer::Balancer;
pub use spot::{Interruptions, OnInterruption};

use crate::autoscale::{Datapoint, HISTORY_LEN, Policy, ScheduledAction};
use crate::dist::DurationDist;
use crate::engine::{Model, Scheduler, SimDuration, SimRng, SimTime};
use crate::platform::ScalingActivity;
use crate::platform::books::Books;
use crate::platform::pool::{Done, Pool, PoolConfig, State};
use crate::traffic::{RequestProfile, Work};
use crate::usage::{HOUR_US, InstanceRun};

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
    /// How its instances are interrupted, when they run on spot capacity (`None`: never).
    pub interruptions: Option<Interruptions>,
}

impl FleetConfig {
    /// How the fleet's instances serve, as a replica pool: `slots` per instance, its vCPUs
    /// and speed, the queue's timeout, at most [`MAX_QUEUE`] waiting.
    pub fn pool(&self) -> PoolConfig {
        PoolConfig {
            slots: self.slots,
            vcpus: self.vcpus,
            cpu_speed: self.cpu_speed,
            queue_timeout: self.queue_timeout,
            queue_cap: MAX_QUEUE,
            active_meter: None,
            startup_active: false,
        }
    }
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
    /// An instance's interruption notice (its drawn time).
    SpotNotice {
        /// Index of the instance.
        instance: u32,
    },
    /// A replayed interruption: the longest-running instance gets its notice.
    SpotTrace {
        /// Index into the replayed times.
        index: u32,
    },
    /// An interrupted instance's notice ran out: it terminates.
    SpotEnd {
        /// Index of the instance.
        instance: u32,
    },
}

impl From<Done> for FleetEvent {
    #[inline]
    fn from(d: Done) -> Self {
        FleetEvent::Done {
            instance: d.replica,
            generation: d.generation,
        }
    }
}

/// The random streams of a fleet.
pub struct FleetRngs {
    /// Boot times.
    pub boot: SimRng,
    /// Interruption times (drawn from only when the fleet has [`Interruptions`]).
    pub spot: SimRng,
}

/// The simulation state of a fleet.
pub struct FleetModel<'a> {
    cfg: &'a FleetConfig,
    policy: Box<dyn Policy + 'a>,
    boot_rng: SimRng,
    /// Draws the interruption times (untouched without interruptions).
    spot_rng: SimRng,
    /// Interruption notices so far.
    interruptions: u64,
    /// Replayed interruptions that found no instance to interrupt.
    interruptions_missed: u64,
    horizon: SimTime,
    /// The instances, their queue and the request books.
    pool: Pool<'a>,
    desired: u32,
    min: u32,
    max: u32,
    runs: Vec<InstanceRun>,
    requests_per_hour: Vec<u64>,
    period_start: SimTime,
    period_arrivals: u64,
    history: VecDeque<Datapoint>,
    activities: Vec<ScalingActivity>,
    interval_start: SimTime,
}

impl<'a> FleetModel<'a> {
    /// A fleet with `cfg.initial` instances in service; `rngs` draw boot times and
    /// interruptions; `functions` named functions share it (0: the traffic names none) and get
    /// tallies.
    pub fn new(
        cfg: &'a FleetConfig,
        profile: &'a RequestProfile,
        functions: usize,
        policy: Box<dyn Policy + 'a>,
        rngs: FleetRngs,
        horizon: SimTime,
        interval: SimDuration,
    ) -> Self {
        let hours = horizon.as_micros().div_ceil(HOUR_US).max(1) as usize;
        let initial = cfg.initial.clamp(cfg.min, cfg.max);
        let mut pool = Pool::new(cfg.pool(), profile, Books::new(interval, functions));
        for _ in 0..initial {
            // The fleet at time zero is already running: no warm-up.
            pool.launch(SimTime::ZERO, State::InService, SimDuration::ZERO);
        }
        FleetModel {
            cfg,
            policy,
            boot_rng: rngs.boot,
            spot_rng: rngs.spot,
            interruptions: 0,
            interruptions_missed: 0,
            horizon,
            pool,
            desired: initial,
            min: cfg.min,
            max: cfg.max,
            runs: Vec::new(),
            requests_per_hour: vec![0; hours],
            period_start: SimTime::ZERO,
            period_arrivals: 0,
            history: VecDeque::with_capacity(HISTORY_LEN),
            activities: Vec::new(),
            interval_start: SimTime::ZERO,
        }
    }

    /// Record the run of an instance launched at `launched` that terminated at `now`, by a
    /// spot interruption when `interrupted`.
    #[inline]
    fn terminated(&mut self, launched: SimTime, now: SimTime, interrupted: bool) {
        self.runs.push(InstanceRun::ended(
            launched.as_micros(),
            now.as_micros(),
            interrupted,
        ));
    }
}

impl Model for FleetModel<'_> {
    type Arrival = Work;
    type Event = FleetEvent;

    fn init(&mut self, sched: &mut Scheduler<FleetEvent>) {
        sched.schedule_in(self.policy.period(), FleetEvent::Tick);
        sched.schedule_in(self.pool.books().interval(), FleetEvent::ReportTick);
        for (i, action) in self.cfg.schedule.iter().enumerate() {
            let first = action.next_after(SimTime::ZERO);
            sched.schedule_in(
                first - SimTime::ZERO,
                FleetEvent::Scheduled { action: i as u32 },
            );
        }
        self.spot_init(sched);
    }

    #[inline]
    fn on_arrival(&mut self, work: Work, sched: &mut Scheduler<FleetEvent>) {
        let now = sched.now();
        self.period_arrivals += 1;
        let hour = (now.as_micros() / HOUR_US) as usize;
        if let Some(h) = self.requests_per_hour.get_mut(hour) {
            *h += 1;
        }
        self.pool.admit(work, sched);
    }

    fn on_event(&mut self, event: FleetEvent, sched: &mut Scheduler<FleetEvent>) {
        let now = sched.now();
        match event {
            FleetEvent::Done {
                instance,
                generation,
            } => {
                let done = Done {
                    replica: instance,
                    generation,
                };
                // A draining instance whose last request finished has terminated.
                if let Some(launched) = self.pool.done(done, sched) {
                    self.terminated(launched, now, false);
                }
            }
            FleetEvent::Ready { instance } => {
                // Ignored when it was retired while booting.
                self.pool.ready(instance, sched);
            }
            FleetEvent::DrainDeadline { instance } => {
                // Whatever still runs at the end of the deregistration delay is dropped.
                if let Some(launched) = self.pool.abandon(instance, now) {
                    self.terminated(launched, now, false);
                }
            }
            FleetEvent::Tick => self.tick(sched),
            FleetEvent::ReportTick => {
                self.close_interval(now);
                sched.schedule_in(self.pool.books().interval(), FleetEvent::ReportTick);
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
            FleetEvent::SpotNotice { instance } => self.spot_notice(instance, sched),
            FleetEvent::SpotTrace { .. } => self.spot_trace(sched),
            FleetEvent::SpotEnd { instance } => self.spot_end(instance, sched),
        }
    }
}
