//! Serverless containers: instances that each serve several requests at once, started when
//! requests need them and scaled on concurrency — Cloud Run, Knative, Azure Functions — built
//! on the replica [`Pool`] (an instance is a replica).
//!
//! What the service adds to the pool:
//! - **Minimum instances** (`min_instances`, Knative's `min-scale`, Azure's always-ready
//!   instances) start in service at time zero, are pinned (never retired) and metered apart.
//! - **Scaling from zero on arrival** ([`OnDemand`]): a request that finds no free slot starts
//!   an instance at once, without waiting for the scaler's next evaluation, and counts as a
//!   cold start; so does every request that waits for an instance to start (the pool marks
//!   them).
//! - **A scaler** ([`ScalerSpec`]) evaluated periodically on concurrency *averaged over its
//!   windows* (requests running or waiting, integrated over time), not a point sample; its
//!   desired count is clamped to [min, max] and applied: warm standby instances come back
//!   first, then new ones start (a drawn startup time: the cold start).
//! - **Idle instances** beyond what the scaler wants are either kept warm on standby for
//!   `idle_keep` (Cloud Run keeps idle instances up to 15 minutes) and then shut down, or
//!   retired at once (Knative terminates pods it scales down).
//! - **Pending requests** wait in the pool's queue up to its timeout (the product's rule:
//!   Cloud Run's pending limit, Knative's activator, Azure's request timeout) and then fail
//!   (timed out).
//! - **Metering**: the pool's active periods (the product's meter: 100 ms on Cloud Run, startup
//!   included; 1 s then 100 ms on Azure's Flex Consumption, startup not), the
//!   minimum instances' time, every instance's run, the requests, and, where a product bills
//!   executions one by one, each execution.

use crate::autoscale::{Kpa, KpaConfig, MetricsScaler, MetricsScalerConfig};
use crate::dist::DurationDist;
use crate::engine::{Model, Scheduler, SimDuration, SimRng, SimTime};
use crate::metrics::RequestSink;
use crate::platform::books::Books;
use crate::platform::pool::{Done, Pool, PoolConfig, PoolInterval, Retired, State};
use crate::platform::{Outcome, ScalingActivity};
use crate::traffic::{RequestProfile, Work};
use crate::usage::{ContainerUsage, InstanceRun, Invocations};

/// When an arriving request starts an instance at once, before the scaler's next evaluation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OnDemand {
    /// Only when the service has no instance serving or starting: Knative's activator, which
    /// holds the request and pokes the KPA, which decides at once
    /// ([`Kpa::poke`]: one pod, or `activation-scale`).
    Activator,
    /// Whenever requests wait beyond what the instances already starting will take (Cloud
    /// Run's on-demand scaling; Azure's scale controller), at most one instance per `min_gap`.
    Waiting {
        /// Shortest time between two instances started on demand (zero: none; Azure's scale
        /// controller allocates HTTP instances at most once per second).
        min_gap: SimDuration,
    },
}

/// The scaler a service runs.
#[derive(Clone, Debug, PartialEq)]
pub enum ScalerSpec {
    /// A metrics-based scaler (Cloud Run's; Azure's scale controller).
    Metrics(MetricsScalerConfig),
    /// Knative's KPA.
    Kpa(KpaConfig),
}

impl ScalerSpec {
    /// How often it is evaluated.
    pub fn period(&self) -> SimDuration {
        match self {
            ScalerSpec::Metrics(c) => c.period,
            ScalerSpec::Kpa(c) => c.tick_interval,
        }
    }
}

/// A scaler as it runs.
enum Scaler {
    Metrics(MetricsScaler),
    Kpa(Box<Kpa>),
}

/// Configuration of a service of serverless containers.
#[derive(Clone, Debug, PartialEq)]
pub struct ContainerConfig {
    /// How its instances serve: `slots` is the per-instance concurrency; the queue's timeout is
    /// how long a request may wait for a slot; `active_meter` must be set.
    pub pool: PoolConfig,
    /// Minimum instances, kept in service from time zero and never retired.
    pub min: u32,
    /// Instances in service at time zero (at least `min`; the rest are not pinned: Knative's
    /// `initial-scale`).
    pub initial: u32,
    /// Maximum instances (serving or starting).
    pub max: u32,
    /// Time from an instance's start to serving (the cold start).
    pub startup: DurationDist,
    /// Its scaler.
    pub scaler: ScalerSpec,
    /// When an arriving request starts an instance at once.
    pub on_demand: OnDemand,
    /// How long an idle instance the scaler no longer wants is kept warm before it shuts down
    /// (`None`: it is retired at once).
    pub idle_keep: Option<SimDuration>,
    /// Meter each execution one by one (Azure Functions' Consumption plan) with this
    /// configured memory, MB, besides the pool's active time.
    pub per_execution: Option<(crate::usage::Meter, u32)>,
}

/// Events of the container model.
#[derive(Clone, Copy, Debug)]
pub enum ContainerEvent {
    /// The pool's completion event of an instance.
    Done(Done),
    /// An instance finished starting.
    Ready {
        /// Index of the instance.
        instance: u32,
    },
    /// The scaler's evaluation.
    Tick,
    /// A reporting interval ended.
    ReportTick,
}

impl From<Done> for ContainerEvent {
    #[inline]
    fn from(d: Done) -> Self {
        ContainerEvent::Done(d)
    }
}

/// The simulation state of a service of serverless containers.
pub struct ContainerModel<'a> {
    cfg: &'a ContainerConfig,
    scaler: Scaler,
    startup_rng: SimRng,
    horizon: SimTime,
    pool: Pool<'a>,
    desired: u32,
    runs: Vec<InstanceRun>,
    requests: u64,
    last_tick: SimTime,
    last_scale_out: Option<SimTime>,
    activities: Vec<ScalingActivity>,
    interval_start: SimTime,
}

impl<'a> ContainerModel<'a> {
    /// A service with its minimum instances in service; `startup_rng` draws startup times;
    /// `functions` named functions share it (0: none named).
    pub fn new(
        cfg: &'a ContainerConfig,
        profile: &'a RequestProfile,
        functions: usize,
        startup_rng: SimRng,
        horizon: SimTime,
        interval: SimDuration,
    ) -> Self {
        let mut pool = Pool::new(cfg.pool, profile, Books::new(interval, functions));
        if let Some((meter, configured_mb)) = cfg.per_execution {
            pool.meter_requests(Invocations::new(meter, Some(configured_mb)), configured_mb);
        }
        let min = cfg.min.min(cfg.max);
        let initial = cfg.initial.clamp(min, cfg.max);
        for k in 0..initial {
            let i = pool.launch(SimTime::ZERO, State::InService, SimDuration::ZERO);
            if k < min {
                pool.pin(i);
            }
        }
        let scaler = match &cfg.scaler {
            ScalerSpec::Metrics(c) => Scaler::Metrics(MetricsScaler::new(*c)),
            ScalerSpec::Kpa(c) => Scaler::Kpa(Box::new(Kpa::new(c.clone()))),
        };
        ContainerModel {
            cfg,
            scaler,
            startup_rng,
            horizon,
            pool,
            desired: initial,
            runs: Vec::new(),
            requests: 0,
            last_tick: SimTime::ZERO,
            last_scale_out: None,
            activities: Vec::new(),
            interval_start: SimTime::ZERO,
        }
    }

    /// The memory each named function's executions use, MB, by function index: what a
    /// product that meters executions one by one bills as observed.
    pub fn function_memory(&mut self, per_function: Vec<u32>) {
        self.pool.function_memory(per_function);
    }

    /// Hand every request's record to `sink`.
    pub fn log_requests_to(&mut self, sink: &'a mut dyn RequestSink) {
        self.pool.books_mut().log_to(sink);
    }

    /// Instances serving or starting: what the scaler's count is compared with.
    fn serving(&self) -> u32 {
        self.pool.in_service() as u32 + self.pool.count_in_state(State::Booting)
    }

    /// Record the run of an instance launched at `launched` that ended at `now`.
    fn terminated(&mut self, launched: SimTime, now: SimTime) {
        self.runs.push(InstanceRun::ended(
            launched.as_micros(),
            now.as_micros(),
            false,
        ));
    }

    /// Whether an instance may be added at `now`: always, unless the service adds at most one
    /// per `min_gap` (Azure's scale controller) and the last came less than that ago.
    fn scale_out_allowed(&self, now: SimTime) -> bool {
        match self.cfg.on_demand {
            OnDemand::Waiting { min_gap } if min_gap > SimDuration::ZERO => {
                self.last_scale_out.is_none_or(|t| t + min_gap <= now)
            }
            _ => true,
        }
    }

    /// One more instance: a warm one back from standby if any, else a new one that starts (a
    /// drawn startup time).
    fn add_one(&mut self, sched: &mut Scheduler<ContainerEvent>) {
        if self.cfg.idle_keep.is_some() && self.pool.resume(sched).is_some() {
            return;
        }
        let i = self
            .pool
            .launch(sched.now(), State::Booting, SimDuration::ZERO);
        let startup = SimDuration::from_secs_f64(self.cfg.startup.sample(&mut self.startup_rng));
        sched.schedule_in(startup, ContainerEvent::Ready { instance: i });
    }

    /// One fewer instance: kept warm on standby (the least busy in service, which finishes its
    /// requests first; none while requests wait or instances start), or retired (a starting
    /// one first, else the least busy, which finishes its requests).
    fn remove_one(&mut self, now: SimTime) -> bool {
        if self.cfg.idle_keep.is_some() {
            // Never while requests wait or instances start: the serving one would be put away
            // while the starting one is not ready, and requests would wait with nothing to run
            // on. The next evaluation decides again.
            if self.pool.queue_len() > 0 || self.pool.count_in_state(State::Booting) > 0 {
                return false;
            }
            return self.pool.stand_by(now).is_some();
        }
        match self.pool.retire_one(now) {
            Retired::Nothing => false,
            Retired::Terminated { launched, .. } => {
                self.terminated(launched, now);
                true
            }
            Retired::Draining { .. } => true,
        }
    }

    /// Bring the instances serving or starting to `wanted` (clamped to [min, max]).
    fn scale_to(&mut self, wanted: u32, reason: String, sched: &mut Scheduler<ContainerEvent>) {
        let now = sched.now();
        let mut new = wanted.clamp(self.cfg.min.min(self.cfg.max), self.cfg.max);
        let serving = self.serving();
        // A service that adds instances at most one per `min_gap` (Azure's scale controller,
        // HTTP triggers: "at most once per second") gets one more at a time, whoever asks.
        if let OnDemand::Waiting { min_gap } = self.cfg.on_demand
            && new > serving
            && min_gap > SimDuration::ZERO
        {
            new = serving + u32::from(self.scale_out_allowed(now));
        }
        if new == serving {
            self.desired = new;
            return;
        }
        let mut to = serving;
        if new > serving {
            for _ in serving..new {
                self.add_one(sched);
                to += 1;
            }
        } else {
            for _ in new..serving {
                if !self.remove_one(now) {
                    break;
                }
                to -= 1;
            }
        }
        if to > serving {
            self.last_scale_out = Some(now);
        }
        if to != serving {
            self.activities.push(ScalingActivity {
                at_s: now.as_secs_f64(),
                from: serving,
                to,
                reason,
            });
        }
        self.desired = new;
    }

    /// After an arrival: start an instance at once if the rule says so.
    #[inline]
    fn on_demand(&mut self, sched: &mut Scheduler<ContainerEvent>) {
        let waiting = self.pool.queue_len() as u64;
        if waiting == 0 {
            return;
        }
        let now = sched.now();
        match self.cfg.on_demand {
            OnDemand::Activator => {
                if self.serving() == 0
                    && let Scaler::Kpa(k) = &mut self.scaler
                    && let Some(d) = k.poke(now, 0)
                {
                    let reason = format!("activator: a request found no pod; {}", d.reason);
                    self.scale_to(d.desired, reason, sched);
                }
            }
            OnDemand::Waiting { .. } => {
                let booting = self.pool.count_in_state(State::Booting);
                let coming = u64::from(booting) * u64::from(self.cfg.pool.slots);
                let serving = self.pool.in_service() as u32 + booting;
                if waiting > coming && serving < self.cfg.max && self.scale_out_allowed(now) {
                    self.scale_to(
                        serving + 1,
                        "on demand: a request found no free instance".into(),
                        sched,
                    );
                }
            }
        }
    }

    /// The scaler's evaluation at `now`.
    fn tick(&mut self, sched: &mut Scheduler<ContainerEvent>) {
        let now = sched.now();
        let span = now - self.last_tick;
        let area = self.pool.take_concurrency(now);
        self.pool.advance_all(now);
        let (cpu_core_s, _) = self.pool.period_cpu(now, self.last_tick);
        self.last_tick = now;
        let ready = self.pool.in_service() as u32;
        let (wanted, reason) = match &mut self.scaler {
            Scaler::Metrics(s) => {
                s.record(now, span, area, cpu_core_s);
                s.decide(now)
            }
            Scaler::Kpa(k) => {
                let mean = if span.as_micros() > 0 {
                    area / span.as_micros() as f64
                } else {
                    0.0
                };
                k.record(now, span, mean);
                let d = k.decide(now, ready);
                (d.desired, d.reason)
            }
        };
        self.scale_to(wanted, reason, sched);
        if let Some(keep) = self.cfg.idle_keep {
            for launched in self.pool.expire_standby(now, keep) {
                self.terminated(launched, now);
            }
        }
        sched.schedule_in(self.cfg.scaler.period(), ContainerEvent::Tick);
    }

    /// Close the reporting interval at `now`.
    fn close_interval(&mut self, now: SimTime) {
        let PoolInterval {
            mut snapshot,
            alive_us,
        } = self.pool.close_interval(now);
        snapshot.desired = Some(self.desired);
        snapshot.usage_requests = self.pool.books().arrivals_in_interval();
        snapshot.usage_compute = alive_us / 1e6;
        self.pool.books_mut().close_interval(now, snapshot);
        self.interval_start = now;
    }

    /// Close the books at the horizon.
    pub fn finish(mut self) -> Outcome<ContainerUsage> {
        let horizon = self.horizon;
        if self.interval_start < horizon {
            self.close_interval(horizon);
        }
        let (pool, capacity) = self.pool.close_with_runs(&mut self.runs, horizon);
        let books = pool.books;
        Outcome {
            counters: books.counters,
            latency: books.latency,
            latency_cdf: books.latency_cdf,
            capacity,
            queueing: pool.queueing,
            usage: ContainerUsage {
                runs: self.runs,
                active_us: pool.active.billed_us[0],
                min_active_us: pool.active.billed_us[1],
                min_alive_us: pool.active.pinned_alive_us,
                min_idle_us: pool.active.pinned_idle_us,
                requests: self.requests,
                started: pool.started,
                completed: books.counters.completed,
                executions: pool.invocations,
            },
            timeseries: books.timeseries,
            activities: self.activities,
            interruptions: 0,
            interruptions_missed: 0,
            functions: books.functions,
            last_completion_s: books.last_completion.map(|t| t.as_secs_f64()),
        }
    }
}

impl Model for ContainerModel<'_> {
    type Arrival = Work;
    type Event = ContainerEvent;

    fn init(&mut self, sched: &mut Scheduler<ContainerEvent>) {
        sched.schedule_in(self.cfg.scaler.period(), ContainerEvent::Tick);
        sched.schedule_in(self.pool.books().interval(), ContainerEvent::ReportTick);
    }

    #[inline]
    fn on_arrival(&mut self, work: Work, sched: &mut Scheduler<ContainerEvent>) {
        self.requests += 1;
        self.pool.admit(work, sched);
        self.on_demand(sched);
    }

    fn on_event(&mut self, event: ContainerEvent, sched: &mut Scheduler<ContainerEvent>) {
        let now = sched.now();
        match event {
            ContainerEvent::Done(done) => {
                if let Some(launched) = self.pool.done(done, sched) {
                    self.terminated(launched, now);
                }
            }
            ContainerEvent::Ready { instance } => {
                self.pool.ready(instance, sched);
            }
            ContainerEvent::Tick => self.tick(sched),
            ContainerEvent::ReportTick => {
                self.close_interval(now);
                sched.schedule_in(self.pool.books().interval(), ContainerEvent::ReportTick);
            }
        }
    }
}
