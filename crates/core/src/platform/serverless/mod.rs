//! Serverless functions with AWS Lambda semantics.
//!
//! - One request per execution environment. A request takes the most recently used idle
//!   environment, else starts a new one and waits for its cold start (INIT).
//! - Fixed keep-alive: an environment idle for `keep_alive` is reclaimed.
//! - Memory sets the CPU share: 1,769 MB = 1 vCPU, linear, at most 6.
//! - Lambda's documented limits ([`limits`]): the account's concurrency limit is shared by its
//!   functions, less what functions reserve (`reserved_concurrency`: a function's guaranteed
//!   share and its cap); the account invokes at most 10 × its concurrency limit per second; each
//!   function adds at most 1,000 environments per 10 s. A request beyond any of them is
//!   throttled (HTTP 429), never queued.
//! - The function timeout: an invocation still running at `timeout` is stopped, counted as timed
//!   out, billed for the time it ran, and its environment is reset (not reused).
//! - Metering: each invocation's run time (INIT + duration, the duration cut at the timeout) and
//!   its configured and observed memory go to the product's [`Meter`] when it starts (Lambda's:
//!   `ceil_ms(run)` × configured memory).
//! - Traffic that names functions (a replayed trace) gets one function each: its own
//!   environments, keep-alive, memory, scale-out rate and reservation, and its own tallies.
//! - Provisioned concurrency ([`provisioned`]): a function keeps `level` environments
//!   initialised ahead. They are ready when the level takes effect at the start of the run; a
//!   level raised later becomes ready after an initialisation time drawn from the function's
//!   cold-start distribution (from the same random stream). They are never reclaimed by
//!   keep-alive and are used first: a request takes an idle provisioned environment when there
//!   is one (no INIT, no cold start), else goes on as above on an on-demand one. They count
//!   toward the function's reserved concurrency — or, without one, the unreserved pool — busy
//!   or idle, as AWS counts allocated concurrency. When the level drops, surplus idle
//!   environments are released at once, busy (or still initialising) ones when they finish. An
//!   invocation on one that times out resets it: it initialises again. The usage records each
//!   period at a level and the duration that ran on provisioned environments.
//!
//! Keep-alive is applied lazily. With one fixed timeout, idle environments expire in the order
//! they became idle, so they sit in a deque (oldest idle at the front, most recently used at the
//! back) and expired ones are dropped — with their exact expiry time — before each arrival looks
//! for one. This gives the same answer as a timer per idle period without putting tens of
//! thousands of timers in the event heap. With many functions, a heap holds one entry per
//! function that has idle environments (keyed no later than its oldest), so expired
//! environments of *every* function are reclaimed before a new one is counted: the peak is the
//! peak of the total alive at once.

mod cpu_share;
#[cfg(feature = "parallel")]
pub mod groups;
pub mod limits;
pub mod provisioned;
mod runtimes;

pub use cpu_share::{MAX_MEMORY_MB, MAX_VCPU, MB_PER_VCPU, MIN_MEMORY_MB, vcpu_share};
pub use provisioned::{ProvisionedConcurrency, ProvisionedTargetTracking};
pub use runtimes::{RUNTIMES, RuntimePreset, runtime_cold_start, runtime_names};

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use limits::{RequestRate, ScaleOutWindow};
use provisioned::PROVISIONED_PERIOD;

use crate::autoscale::{
    Capacity, Datapoint, Decision, HISTORY_LEN, Observation, Policy, TargetTracking,
};
use crate::dist::DurationDist;
use crate::engine::chunks::Chunked;
use crate::engine::{BlockRng, BlockSeed, Model, Scheduler, SimDuration, SimTime};
use crate::metrics::{CountIntegral, Integral, IntervalSlice, RequestSink, Snapshot};
use crate::platform::books::{Books, BooksPart, Left};
use crate::platform::{CapacityStats, Outcome, QueueStats, run_time};
use crate::traffic::{RequestProfile, Work};
use crate::usage::{Invocations, Meter, ProvisionedPeriod, ProvisionedUsage, gb_s};

/// Default keep-alive of an idle environment: ~10 minutes, fixed since July 2019
/// (mikhail.io/2019/08/aws-lambda-cold-starts-after-10-minutes; Shahrad et al., ATC'20).
pub const DEFAULT_KEEP_ALIVE: SimDuration = SimDuration::from_secs(600);

/// Configuration of one function.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionConfig {
    /// Configured memory, 128–10,240 MB.
    pub memory_mb: u32,
    /// Idle time after which an environment is reclaimed.
    pub keep_alive: SimDuration,
    /// The account's concurrency limit: most requests in flight at once over all functions.
    pub account_concurrency: u32,
    /// Functions' reserved concurrency.
    pub reserved_concurrency: ReservedConcurrency,
    /// Functions' provisioned concurrency.
    pub provisioned_concurrency: ProvisionedConcurrency,
    /// The function timeout (1–900 s).
    pub timeout: SimDuration,
    /// Cold-start (INIT) latency.
    pub cold_start: DurationDist,
    /// Give each function of a replayed trace the memory the trace records for it (when it
    /// records one), instead of `memory_mb`.
    pub memory_from_trace: bool,
}

/// Reserved concurrency (AWS's `ReservedConcurrentExecutions`): a function's guaranteed share of
/// the account's concurrency, and its cap.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum ReservedConcurrency {
    /// No function reserves any.
    #[default]
    None,
    /// Every function of the variant reserves this much.
    Each(u32),
    /// The functions at these indices (into the traffic's functions) reserve this much.
    ByFunction(Vec<(u32, u32)>),
}

impl ReservedConcurrency {
    /// The reservation of each of `functions` functions (at least one).
    pub fn per_function(&self, functions: usize) -> Vec<Option<u32>> {
        let n = functions.max(1);
        match self {
            ReservedConcurrency::None => vec![None; n],
            ReservedConcurrency::Each(r) => vec![Some(*r); n],
            ReservedConcurrency::ByFunction(list) => {
                let mut v = vec![None; n];
                for &(f, r) in list {
                    if let Some(slot) = v.get_mut(f as usize) {
                        *slot = Some(r);
                    }
                }
                v
            }
        }
    }
}

/// How one function of a workload is set up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FunctionSetup {
    /// Configured memory, MB.
    pub memory_mb: u32,
    /// Its reserved concurrency, if any.
    pub reserved: Option<u32>,
}

/// The Lambda memory setting for a function a trace says uses `mb`: whole MB, 128–10,240.
pub fn lambda_memory_for(mb: f64) -> u32 {
    (mb.ceil() as u32).clamp(MIN_MEMORY_MB, MAX_MEMORY_MB)
}

/// Events of the function model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FunctionEvent {
    /// A request finished; its environment becomes idle.
    Done {
        /// When the request arrived.
        arrival: SimTime,
        /// Whether it started a new environment.
        cold: bool,
        /// Which function.
        function: u32,
        /// Whether it was stopped at the function timeout.
        timed_out: bool,
        /// Whether it ran on a provisioned environment.
        provisioned: bool,
    },
    /// A reporting interval ended.
    Tick,
    /// A provisioned environment of a function finished initialising.
    ProvisionedReady {
        /// Which function.
        function: u32,
    },
    /// A scheduled action of provisioned concurrency runs (an index into the schedule).
    ProvisionedAction {
        /// Which action.
        action: u32,
    },
    /// Target tracking of provisioned concurrency evaluates each function (every minute).
    ProvisionedEvaluate,
}

/// The provisioned concurrency of one function.
#[derive(Debug, Default)]
struct Provisioned {
    /// The level configured.
    level: u32,
    /// When it was configured.
    since: SimTime,
    /// Environments ready and idle, busy, and still initialising.
    idle: u32,
    busy: u32,
    starting: u32,
    /// Busy provisioned environments over the current metric period (target tracking).
    busy_area: Integral,
    /// Its utilisation datapoints, oldest first, at most [`HISTORY_LEN`] (target tracking).
    history: Vec<Datapoint>,
}

impl Provisioned {
    /// Environments allocated: idle, busy or initialising.
    #[inline]
    fn allocated(&self) -> u32 {
        self.idle + self.busy + self.starting
    }
}

/// One function's environments.
struct Function {
    memory_mb: u32,
    vcpus: f64,
    /// Idle environments by the time they became idle, oldest first.
    idle: VecDeque<SimTime>,
    /// Requests in flight on on-demand environments.
    busy: u32,
    /// Its provisioned environments.
    pc: Provisioned,
    /// Its reserved concurrency (else it draws on the unreserved pool).
    reserved: Option<u32>,
    /// Its scale-out rate.
    scale_out: ScaleOutWindow,
    /// Whether it has an entry in `FunctionModel::expiry` (many functions only).
    in_expiry: bool,
    /// Its cold starts and provisioned initialisations, drawn from the block of their instant:
    /// a stream of its own, so what one function draws does not depend on the others.
    rng: BlockRng,
}

/// The simulation state of the functions of a workload.
pub struct FunctionModel<'a> {
    cfg: &'a FunctionConfig,
    profile: &'a RequestProfile,
    fns: Vec<Function>,
    /// Counters, interval series, per-function tallies (traffic that names functions only) and
    /// the request log.
    books: Books<'a>,
    horizon: SimTime,
    /// Environments alive over all functions: busy, idle and (provisioned) initialising.
    busy: u32,
    idle: u32,
    starting: u32,
    peak: u32,
    /// Concurrency used by functions without a reservation — requests in flight on on-demand
    /// environments and provisioned environments allocated — and the most they may use.
    unreserved_busy: u32,
    unreserved_limit: u32,
    /// The most of `unreserved_busy` at once since the last [`groups`] window (a group's part of
    /// the account check).
    unreserved_peak: u32,
    /// The account's request rate.
    rate: RequestRate,
    /// With many functions: `(no later than the oldest idle since, function)` for each function
    /// with idle environments, earliest first.
    expiry: BinaryHeap<Reverse<(SimTime, u32)>>,
    /// Environment-µs alive and request-µs served in the intervals closed so far.
    total_env_us: i128,
    total_busy_us: u128,
    usage: Invocations,
    interval_start: SimTime,
    interval_end: SimTime,
    /// Busy environments over the current interval.
    busy_area: CountIntegral,
    /// Environment-µs alive in the current interval (credited to its end, debited at reclaim),
    /// an integer: exact however long the interval, and the sum of groups' parts is the whole.
    env_area_us: i128,
    interval_invocations: u64,
    interval_mb_ms: u128,
    /// Provisioned concurrency's usage, when it is configured.
    provisioned: Option<ProvisionedUsage>,
    /// Target tracking of provisioned concurrency, when it is configured.
    tracking: Option<TargetTracking>,
    /// When the model runs one group of a workload's functions ([`groups`]): what the run's
    /// books need from it that the group's own would get wrong.
    group: Option<Box<GroupLog>>,
}

/// What a model running one group of a workload's functions hands over after each stretch of
/// time ([`FunctionModel::take_window`]), for the run's books to merge with the other groups'.
#[cfg_attr(not(feature = "parallel"), allow(dead_code))]
#[derive(Debug, Default)]
struct GroupLog {
    /// The intervals closed: the group's part of each.
    slices: Vec<GroupSlice>,
    /// Changes of the environments alive: `(when, +1 or −1, whether a cold start)` — a cold
    /// start, an environment reclaimed (at its expiry) or reset by a timeout.
    alive: Vec<(SimTime, i32, bool)>,
    /// The most requests in flight at once on unreserved concurrency in the stretch.
    unreserved_peak: u32,
}

/// One function group's part of a reporting interval.
#[cfg_attr(not(feature = "parallel"), allow(dead_code))]
#[derive(Debug)]
struct GroupSlice {
    end: SimTime,
    open: IntervalSlice,
    measured: IntervalMeasure,
}

/// What the model measured of an interval beyond fates: busy and idle environments at its end,
/// busy environment-µs and environment-µs alive over it, invocations and billed MB·ms. All
/// whole numbers, so the measures of function groups add up exactly to the run's.
#[derive(Clone, Copy, Debug, Default)]
struct IntervalMeasure {
    busy: u32,
    idle: u32,
    busy_area: u128,
    env_area_us: i128,
    invocations: u64,
    mb_ms: u128,
}

impl IntervalMeasure {
    /// The interval's capacity snapshot (utilisation is busy ÷ alive environment-µs; compute
    /// is the MB·ms as GB-s).
    fn snapshot(&self) -> Snapshot {
        Snapshot {
            in_service: self.busy,
            booting: None,
            idle: self.idle,
            utilisation: (self.env_area_us > 0)
                .then(|| self.busy_area as f64 / self.env_area_us as f64),
            usage_requests: self.invocations,
            usage_compute: gb_s(self.mb_ms),
            ..Snapshot::default()
        }
    }

    /// Another group's measure of the same interval added in.
    #[cfg_attr(not(feature = "parallel"), allow(dead_code))]
    fn add(&mut self, other: &IntervalMeasure) {
        self.busy += other.busy;
        self.idle += other.idle;
        self.busy_area += other.busy_area;
        self.env_area_us += other.env_area_us;
        self.invocations += other.invocations;
        self.mb_ms += other.mb_ms;
    }
}

impl<'a> FunctionModel<'a> {
    /// Functions with no environments yet, one per entry of `setups` (one function with the
    /// configured memory and no reservation when empty); `tally` keeps per-function figures;
    /// `rng` draws cold starts (from the block of their instant); `meter` is the product's
    /// metering rule.
    ///
    /// The unreserved pool is the account's concurrency less every reservation (validation keeps
    /// at least [`limits::MIN_UNRESERVED_CONCURRENCY`] of it; here it saturates at 0).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        cfg: &'a FunctionConfig,
        profile: &'a RequestProfile,
        setups: &[FunctionSetup],
        tally: bool,
        rng: BlockSeed,
        horizon: SimTime,
        interval: SimDuration,
        meter: Meter,
    ) -> Self {
        let one = [FunctionSetup {
            memory_mb: cfg.memory_mb,
            reserved: cfg.reserved_concurrency.per_function(1)[0],
        }];
        let setups = if setups.is_empty() { &one[..] } else { setups };
        let same = setups.iter().all(|s| s.memory_mb == setups[0].memory_mb);
        let reserved: u64 = setups
            .iter()
            .filter_map(|s| s.reserved)
            .map(u64::from)
            .sum();
        let unreserved_limit = u64::from(cfg.account_concurrency).saturating_sub(reserved) as u32;
        let levels = cfg.provisioned_concurrency.initial_levels(setups.len());
        FunctionModel {
            cfg,
            profile,
            fns: setups
                .iter()
                .zip(levels)
                .enumerate()
                .map(|(i, (s, level))| Function {
                    memory_mb: s.memory_mb,
                    vcpus: vcpu_share(s.memory_mb),
                    idle: VecDeque::new(),
                    busy: 0,
                    // The start of the run configures it (`Model::init`).
                    pc: Provisioned {
                        level: 0,
                        idle: level,
                        ..Provisioned::default()
                    },
                    reserved: s.reserved,
                    scale_out: ScaleOutWindow::default(),
                    in_expiry: false,
                    rng: BlockRng::new(rng.child(i as u64)),
                })
                .collect(),
            books: Books::new(interval, if tally { setups.len() } else { 0 }),
            horizon,
            busy: 0,
            idle: 0,
            starting: 0,
            peak: 0,
            unreserved_busy: 0,
            unreserved_limit,
            unreserved_peak: 0,
            rate: RequestRate::for_account(cfg.account_concurrency),
            expiry: BinaryHeap::new(),
            total_env_us: 0,
            total_busy_us: 0,
            usage: Invocations::new(meter, same.then_some(setups[0].memory_mb)),
            interval_start: SimTime::ZERO,
            interval_end: SimTime::ZERO + interval,
            busy_area: CountIntegral::default(),
            env_area_us: 0,
            interval_invocations: 0,
            interval_mb_ms: 0,
            provisioned: cfg
                .provisioned_concurrency
                .is_some()
                .then(ProvisionedUsage::default),
            tracking: match &cfg.provisioned_concurrency {
                ProvisionedConcurrency::TargetTracking(t) => Some(t.policy()),
                _ => None,
            },
            group: None,
        }
    }

    /// Hand every request's record to `sink`.
    pub fn log_requests_to(&mut self, sink: &'a mut dyn RequestSink) {
        self.books.log_to(sink);
    }

    /// Keep the billed MB·ms hour by hour ([`Invocations::mb_ms_by_hour`]), for a bill that
    /// applies something hour by hour (a savings plan).
    pub fn keep_usage_by_hour(&mut self) {
        self.usage.by_hour = true;
    }

    /// Start the model at `at` instead of zero (a stretch of a time-parallel run,
    /// [`crate::engine::chunks`]): its first interval begins there. Only for a model
    /// [`FunctionModel::can_run_in_stretches`].
    pub fn start_at(&mut self, at: SimTime) {
        self.interval_start = at;
        self.interval_end = at + self.books.interval();
    }

    /// Whether the model can run as stretches of a time-parallel run: its state is what
    /// [`Chunked::state`] compares and what it measures merges exactly — not with provisioned
    /// concurrency (its levels and target tracking look back over the run), per-function tallies
    /// (a trace's functions) or a request log (written in order as it runs).
    pub fn can_run_in_stretches(&self) -> bool {
        self.provisioned.is_none() && !self.books.has_tallies() && !self.books.logs()
    }

    fn alive(&self) -> u32 {
        self.busy + self.idle + self.starting
    }

    /// Configure `level` provisioned environments for function `f` at `now`: the period at the
    /// previous level ends; environments missing are allocated (ready at once when `ready_now`,
    /// else each after an initialisation time drawn from the cold-start distribution); surplus
    /// idle ones are released (busy and initialising ones when they finish).
    fn set_level(
        &mut self,
        f: usize,
        level: u32,
        now: SimTime,
        sched: &mut Scheduler<FunctionEvent>,
        ready_now: bool,
    ) {
        let mb = u64::from(self.fns[f].memory_mb);
        let old = self.fns[f].pc.level;
        if old == level {
            return;
        }
        if let Some(usage) = self.provisioned.as_mut()
            && old > 0
        {
            usage.periods.push(ProvisionedPeriod {
                mb: u64::from(old) * mb,
                start_us: self.fns[f].pc.since.as_micros(),
                end_us: now.as_micros(),
                running_at_end: false,
            });
        }
        let unreserved = self.fns[f].reserved.is_none();
        let to_end = i128::from(self.interval_end.saturating_since(now).as_micros());
        let func = &mut self.fns[f];
        let pc = &mut func.pc;
        pc.level = level;
        pc.since = now;
        let allocated = pc.allocated();
        if level > allocated {
            let n = level - allocated;
            if ready_now {
                pc.idle += n;
                self.idle += n;
            } else {
                pc.starting += n;
                self.starting += n;
                for _ in 0..n {
                    let init = self.cfg.cold_start.sample(func.rng.at(now));
                    sched.schedule_in(
                        SimDuration::from_secs_f64(init),
                        FunctionEvent::ProvisionedReady { function: f as u32 },
                    );
                }
            }
            if unreserved {
                self.unreserved_busy += n;
            }
            self.env_area_us += i128::from(n) * to_end;
            self.peak = self.peak.max(self.alive());
        } else {
            let surplus = (allocated - level).min(pc.idle);
            pc.idle -= surplus;
            self.idle -= surplus;
            if unreserved {
                self.unreserved_busy -= surplus;
            }
            self.env_area_us -= i128::from(surplus) * to_end;
        }
    }

    /// Target tracking of function `f` at the end of a metric period at `now`: record the
    /// period's utilisation (busy provisioned environments averaged over it ÷ the level) and set
    /// the level the policy decides, within `min_capacity`..=`max_capacity`.
    fn track(&mut self, f: usize, now: SimTime, sched: &mut Scheduler<FunctionEvent>) {
        let ProvisionedConcurrency::TargetTracking(t) = &self.cfg.provisioned_concurrency else {
            return;
        };
        let (min, max) = (t.min_capacity, t.max_capacity);
        let pc = &mut self.fns[f].pc;
        let area_us = pc.busy_area.take(now);
        let period_us = PROVISIONED_PERIOD.as_micros() as f64;
        if pc.history.len() == HISTORY_LEN {
            pc.history.remove(0);
        }
        pc.history.push(Datapoint {
            end_s: now.as_secs_f64(),
            provisioned_utilisation: (pc.level > 0)
                .then(|| area_us / (period_us * f64::from(pc.level))),
            ..Datapoint::default()
        });
        let Some(policy) = self.tracking.as_mut() else {
            return;
        };
        // No warm-up for provisioned concurrency: the level configured is the capacity;
        // environments still initialising hold scale-in back, as a scale-out in progress does.
        let decision = policy.decide(&Observation {
            now,
            capacity: Capacity {
                desired: pc.level,
                booting: pc.starting,
                warming: 0,
                in_service: pc.level,
                draining: 0,
                min,
                max,
                last_change: None,
            },
            history: &pc.history,
            pods: &[],
        });
        if let Decision::SetDesired { desired, .. } = decision {
            self.set_level(f, desired.clamp(min, max), now, sched, false);
        }
    }

    /// A provisioned environment of function `f` is free at `now` (initialised, or done with a
    /// request): idle, or released when the function has more than its level.
    fn provisioned_free(&mut self, f: usize, now: SimTime) {
        let pc = &mut self.fns[f].pc;
        if pc.allocated() >= pc.level {
            if self.fns[f].reserved.is_none() {
                self.unreserved_busy -= 1;
            }
            self.env_area_us -= i128::from(self.interval_end.saturating_since(now).as_micros());
        } else {
            pc.idle += 1;
            self.idle += 1;
        }
    }

    /// Close the reporting interval at `now` (a tick, or the horizon).
    fn close_interval(&mut self, now: SimTime) {
        self.reclaim_all_expired(now);
        // Credits ran to the interval's end; a partial last interval gives the rest back.
        self.env_area_us -= i128::from(self.alive())
            * i128::from(self.interval_end.saturating_since(now).as_micros());
        let busy_area = self.busy_area.take(now);
        // Whole µs (counts × µs) kept as integers: exact, and the groups' parts add up.
        self.total_env_us += self.env_area_us;
        self.total_busy_us += busy_area;
        let measured = IntervalMeasure {
            busy: self.busy,
            idle: self.idle,
            busy_area,
            env_area_us: self.env_area_us,
            invocations: self.interval_invocations,
            mb_ms: self.interval_mb_ms,
        };
        match &mut self.group {
            Some(g) => g.slices.push(GroupSlice {
                end: now,
                open: self.books.take_open_interval(),
                measured,
            }),
            None => self.books.close_interval(now, measured.snapshot()),
        }
        self.interval_invocations = 0;
        self.interval_mb_ms = 0;
        self.interval_start = now;
        self.interval_end = now + self.books.interval();
        self.env_area_us = i128::from(self.alive()) * i128::from(self.books.interval().as_micros());
    }

    /// Reclaim every environment of function `f` whose keep-alive ran out at or before `now`.
    #[inline]
    fn reclaim_expired(&mut self, f: usize, now: SimTime) {
        if self.fns[f]
            .idle
            .front()
            .is_some_and(|&since| since + self.cfg.keep_alive <= now)
        {
            self.reclaim_expired_from(f, now);
        }
    }

    /// [`FunctionModel::reclaim_expired`] once the oldest idle environment has expired: out of
    /// the arrival's hot code.
    #[inline(never)]
    fn reclaim_expired_from(&mut self, f: usize, now: SimTime) {
        let idle = &mut self.fns[f].idle;
        while let Some(&idle_since) = idle.front() {
            let expiry = idle_since + self.cfg.keep_alive;
            if expiry > now {
                break;
            }
            idle.pop_front();
            self.idle -= 1;
            self.env_area_us -= i128::from(self.interval_end.saturating_since(expiry).as_micros());
            if let Some(g) = &mut self.group {
                g.alive.push((expiry, -1, false));
            }
        }
    }

    /// Reclaim the expired environments of every function by `now`, so that `self.idle` counts
    /// only environments still alive.
    fn reclaim_all_expired(&mut self, now: SimTime) {
        if self.fns.len() == 1 {
            self.reclaim_expired(0, now);
            return;
        }
        while let Some(&Reverse((since, f))) = self.expiry.peek() {
            if since + self.cfg.keep_alive > now {
                break;
            }
            self.expiry.pop();
            let f = f as usize;
            self.reclaim_expired(f, now);
            match self.fns[f].idle.front() {
                Some(&oldest) => self.expiry.push(Reverse((oldest, f as u32))),
                None => self.fns[f].in_expiry = false,
            }
        }
    }

    /// Whether function `f` may run one more request under its reservation or the unreserved
    /// pool.
    #[inline]
    fn has_concurrency(&self, f: usize) -> bool {
        match self.fns[f].reserved {
            Some(r) => self.fns[f].busy + self.fns[f].pc.allocated() < r,
            None => self.unreserved_busy < self.unreserved_limit,
        }
    }

    /// How long `work` runs in an environment of its function's size.
    #[inline]
    fn exec_duration(&self, work: Work) -> SimDuration {
        let vcpus = self.fns[work.function as usize].vcpus;
        let (wall_s, _) = run_time(work, self.profile, vcpus, 1.0);
        SimDuration::from_secs_f64(wall_s)
    }

    /// Close the last reporting interval at the horizon, if it is still open.
    fn close_at_horizon(&mut self) {
        if self.interval_start < self.horizon {
            self.close_interval(self.horizon);
        }
    }

    /// Close the books at the horizon. `pending` are the completions still scheduled.
    pub fn finish<'e>(
        mut self,
        pending: impl Iterator<Item = (SimTime, &'e FunctionEvent)>,
    ) -> Outcome<Invocations> {
        self.close_at_horizon();
        let in_flight = in_flight(pending);
        self.finish_with(in_flight)
    }

    /// [`FunctionModel::finish`] once the last interval is closed, with the requests still in
    /// flight as `(arrival, cold, function)`, sorted.
    fn finish_with(mut self, in_flight: Vec<(SimTime, bool, u32)>) -> Outcome<Invocations> {
        let horizon = self.horizon;
        self.reclaim_all_expired(horizon);
        if let Some(usage) = self.provisioned.as_mut() {
            for f in self.fns.iter().filter(|f| f.pc.level > 0) {
                usage.periods.push(ProvisionedPeriod {
                    mb: u64::from(f.pc.level) * u64::from(f.memory_mb),
                    start_us: f.pc.since.as_micros(),
                    end_us: horizon.as_micros(),
                    running_at_end: true,
                });
            }
        }
        let mut closed =
            self.books
                .close(
                    in_flight
                        .into_iter()
                        .map(|(arrival, cold, function)| Left::InFlight {
                            arrival,
                            start: Some(arrival),
                            cold,
                            function,
                        }),
                );
        for (o, f) in closed.functions.iter_mut().zip(&self.fns) {
            o.memory_mb = Some(f.memory_mb);
        }
        let counters = closed.counters;
        let usage = Invocations {
            front_door_requests: counters.arrived,
            provisioned: self.provisioned,
            ..self.usage
        };
        let horizon_us = self.horizon.as_micros().max(1) as f64;
        let (total_env_us, total_busy_us) = (self.total_env_us as f64, self.total_busy_us as f64);
        Outcome {
            counters,
            latency: closed.latency,
            latency_cdf: closed.latency_cdf,
            capacity: CapacityStats {
                mean_instances: total_env_us / horizon_us,
                mean_busy: total_busy_us / horizon_us,
                peak_instances: u64::from(self.peak),
                mean_utilisation: if total_env_us == 0.0 {
                    0.0
                } else {
                    total_busy_us / total_env_us
                },
            },
            queueing: QueueStats::default(),
            usage,
            timeseries: closed.timeseries,
            activities: Vec::new(),
            interruptions: 0,
            interruptions_missed: 0,
            functions: closed.functions,
            last_completion_s: closed.last_completion.map(|t| t.as_secs_f64()),
        }
    }
}

/// The requests still in flight among `pending` events, as `(arrival, cold, function)`, sorted:
/// the order the books list them in.
fn in_flight<'e>(
    pending: impl Iterator<Item = (SimTime, &'e FunctionEvent)>,
) -> Vec<(SimTime, bool, u32)> {
    let mut in_flight: Vec<(SimTime, bool, u32)> = pending
        .filter_map(|(_, e)| match e {
            FunctionEvent::Done {
                arrival,
                cold,
                function,
                ..
            } => Some((*arrival, *cold, *function)),
            _ => None,
        })
        .collect();
    in_flight.sort_unstable();
    in_flight
}

/// The state of [`FunctionModel`] that decides what happens next ([`Chunked::state`]): every
/// environment (idle since when, busy), the scale-out window's units in use, and the interval
/// still open. Not the account's request rate: it counts within a whole second, and every
/// boundary is a whole minute, so the next invocation starts a new second whatever the count.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionState {
    /// Per function: idle since (oldest first), busy, provisioned counts, scale-out window,
    /// whether it is in the expiry heap.
    fns: Vec<FunctionAt>,
    /// Busy, idle, starting, unreserved busy.
    counts: [u32; 4],
    expiry: Vec<(SimTime, u32)>,
    interval: [SimTime; 2],
    busy_area: CountIntegral,
    env_area_us: i128,
    interval_invocations: u64,
    interval_mb_ms: u128,
    open: crate::metrics::OpenInterval,
}

/// One function's part of [`FunctionState`].
#[derive(Clone, Debug, PartialEq)]
struct FunctionAt {
    idle_since: Vec<SimTime>,
    busy: u32,
    /// Provisioned: level, idle, busy, starting.
    provisioned: [u32; 4],
    /// The scale-out window's units still in use.
    scale_out: Vec<SimTime>,
    in_expiry: bool,
}

/// What [`FunctionModel`] measured over a stretch of a time-parallel run.
#[derive(Debug)]
pub struct FunctionPart {
    books: BooksPart,
    total_env_us: i128,
    total_busy_us: u128,
    peak: u32,
    invocations: u64,
    mb_ms: u128,
    mb_ms_by_hour: Vec<u128>,
}

impl Chunked for FunctionModel<'_> {
    type State = FunctionState;
    type Part = FunctionPart;

    fn state(&self, now: SimTime) -> FunctionState {
        let mut expiry: Vec<(SimTime, u32)> = self.expiry.iter().map(|Reverse(e)| *e).collect();
        expiry.sort_unstable();
        FunctionState {
            fns: self
                .fns
                .iter()
                .map(|f| FunctionAt {
                    idle_since: f.idle.iter().copied().collect(),
                    busy: f.busy,
                    provisioned: [f.pc.level, f.pc.idle, f.pc.busy, f.pc.starting],
                    scale_out: f.scale_out.in_use_at(now),
                    in_expiry: f.in_expiry,
                })
                .collect(),
            counts: [self.busy, self.idle, self.starting, self.unreserved_busy],
            expiry,
            interval: [self.interval_start, self.interval_end],
            busy_area: self.busy_area,
            env_area_us: self.env_area_us,
            interval_invocations: self.interval_invocations,
            interval_mb_ms: self.interval_mb_ms,
            open: self.books.open_interval(),
        }
    }

    fn take_part(&mut self) -> FunctionPart {
        FunctionPart {
            books: self.books.take_part(),
            total_env_us: std::mem::take(&mut self.total_env_us),
            total_busy_us: std::mem::take(&mut self.total_busy_us),
            peak: std::mem::take(&mut self.peak),
            invocations: std::mem::take(&mut self.usage.invocations),
            mb_ms: std::mem::take(&mut self.usage.mb_ms),
            mb_ms_by_hour: std::mem::take(&mut self.usage.mb_ms_by_hour),
        }
    }

    fn merge(mut a: FunctionPart, b: FunctionPart) -> FunctionPart {
        a.books = a.books.merge(b.books);
        a.total_env_us += b.total_env_us;
        a.total_busy_us += b.total_busy_us;
        a.peak = a.peak.max(b.peak);
        a.invocations += b.invocations;
        a.mb_ms += b.mb_ms;
        if a.mb_ms_by_hour.len() < b.mb_ms_by_hour.len() {
            a.mb_ms_by_hour.resize(b.mb_ms_by_hour.len(), 0);
        }
        for (x, y) in a.mb_ms_by_hour.iter_mut().zip(b.mb_ms_by_hour) {
            *x += y;
        }
        a
    }

    fn put_before(&mut self, earlier: FunctionPart) {
        let own = self.take_part();
        let all = Self::merge(earlier, own);
        self.books.put_before(all.books);
        self.total_env_us = all.total_env_us;
        self.total_busy_us = all.total_busy_us;
        self.peak = all.peak;
        self.usage.invocations = all.invocations;
        self.usage.mb_ms = all.mb_ms;
        self.usage.mb_ms_by_hour = all.mb_ms_by_hour;
    }
}

impl Model for FunctionModel<'_> {
    type Arrival = Work;
    type Event = FunctionEvent;

    fn init(&mut self, sched: &mut Scheduler<FunctionEvent>) {
        sched.schedule_in(self.books.interval(), FunctionEvent::Tick);
        // The levels at the start of the run, initialised ahead.
        for f in 0..self.fns.len() {
            let level = std::mem::take(&mut self.fns[f].pc.idle);
            self.set_level(f, level, SimTime::ZERO, sched, true);
        }
        if self.tracking.is_some() {
            sched.schedule_in(PROVISIONED_PERIOD, FunctionEvent::ProvisionedEvaluate);
        }
        if let ProvisionedConcurrency::Schedule(actions) = &self.cfg.provisioned_concurrency {
            for (i, a) in actions.iter().enumerate() {
                sched.schedule_in(
                    a.next_after(SimTime::ZERO).saturating_since(SimTime::ZERO),
                    FunctionEvent::ProvisionedAction { action: i as u32 },
                );
            }
        }
    }

    // Always inlined: the loop is instantiated twice for this model (a run in one go, and the
    // stretches of a time-parallel one), and LLVM inlines a handler with two callers into
    // neither (7 % more instructions per request, callgrind).
    #[inline(always)]
    fn on_arrival(&mut self, work: Work, sched: &mut Scheduler<FunctionEvent>) {
        let now = sched.now();
        let f = work.function as usize;
        self.books.arrived(work.function);
        // An idle provisioned environment first (its concurrency is already allocated).
        let provisioned = self.fns[f].pc.idle > 0;
        if !(provisioned || self.has_concurrency(f)) || !self.rate.allows(now) {
            return self.books.throttled(now, work.function);
        }
        if provisioned {
            self.rate.invoked();
            let pc = &mut self.fns[f].pc;
            pc.idle -= 1;
            pc.busy += 1;
            pc.busy_area.set(now, f64::from(pc.busy));
            self.idle -= 1;
            return self.start(work, now, SimDuration::ZERO, false, true, sched);
        }
        self.reclaim_expired(f, now);
        let cold = self.fns[f].idle.is_empty();
        // A new environment needs a unit of the function's scale-out rate.
        if cold && !self.fns[f].scale_out.try_create(now) {
            return self.books.throttled(now, work.function);
        }
        self.rate.invoked();
        let init = if !cold {
            self.fns[f].idle.pop_back();
            self.idle -= 1;
            SimDuration::ZERO
        } else {
            // Expired environments of other functions are gone by now (this one's already
            // are): the peak counts only environments alive at once.
            if self.fns.len() > 1 {
                self.reclaim_all_expired(now);
            }
            self.books.cold_start(work.function);
            self.env_area_us += i128::from(self.interval_end.saturating_since(now).as_micros());
            if let Some(g) = &mut self.group {
                g.alive.push((now, 1, true));
            }
            SimDuration::from_secs_f64(self.cfg.cold_start.sample(self.fns[f].rng.at(now)))
        };
        self.fns[f].busy += 1;
        if self.fns[f].reserved.is_none() {
            self.unreserved_busy += 1;
            // Branch-free: kept whether or not the model runs as a group.
            self.unreserved_peak = self.unreserved_peak.max(self.unreserved_busy);
        }
        self.start(work, now, init, cold, false, sched);
    }

    #[inline(always)]
    fn on_event(&mut self, event: FunctionEvent, sched: &mut Scheduler<FunctionEvent>) {
        let now = sched.now();
        match event {
            FunctionEvent::Done {
                arrival,
                cold,
                function,
                timed_out,
                provisioned,
            } => {
                let f = function as usize;
                if provisioned {
                    let pc = &mut self.fns[f].pc;
                    pc.busy -= 1;
                    pc.busy_area.set(now, f64::from(pc.busy));
                } else {
                    self.fns[f].busy -= 1;
                    if self.fns[f].reserved.is_none() {
                        self.unreserved_busy -= 1;
                    }
                }
                self.busy -= 1;
                self.busy_area.set(now, u64::from(self.busy));
                if timed_out {
                    // "Task timed out": Lambda resets the environment; the next request on
                    // this function starts a new one (a provisioned one initialises again).
                    if provisioned {
                        self.fns[f].pc.starting += 1;
                        self.starting += 1;
                        let init = SimDuration::from_secs_f64(
                            self.cfg.cold_start.sample(self.fns[f].rng.at(now)),
                        );
                        sched.schedule_in(init, FunctionEvent::ProvisionedReady { function });
                    } else {
                        self.env_area_us -=
                            i128::from(self.interval_end.saturating_since(now).as_micros());
                        if let Some(g) = &mut self.group {
                            g.alive.push((now, -1, false));
                        }
                    }
                    self.books
                        .timed_out(arrival, Some(arrival), now, cold, function);
                } else {
                    if provisioned {
                        self.provisioned_free(f, now);
                    } else {
                        self.fns[f].idle.push_back(now);
                        self.idle += 1;
                        if self.fns.len() > 1 && !self.fns[f].in_expiry {
                            self.fns[f].in_expiry = true;
                            self.expiry.push(Reverse((now, function)));
                        }
                    }
                    self.books.completed(arrival, arrival, now, cold, function);
                }
            }
            FunctionEvent::Tick => {
                self.close_interval(now);
                sched.schedule_in(self.books.interval(), FunctionEvent::Tick);
            }
            FunctionEvent::ProvisionedReady { function } => {
                let f = function as usize;
                self.fns[f].pc.starting -= 1;
                self.starting -= 1;
                self.provisioned_free(f, now);
            }
            FunctionEvent::ProvisionedAction { action } => {
                let ProvisionedConcurrency::Schedule(actions) = &self.cfg.provisioned_concurrency
                else {
                    unreachable!("a scheduled action without a schedule (a bug)");
                };
                let a = actions[action as usize];
                if let Some(level) = a.desired_capacity {
                    for f in 0..self.fns.len() {
                        self.set_level(f, level, now, sched, false);
                    }
                }
                sched.schedule_in(provisioned::next_run(&a, now).saturating_since(now), event);
            }
            FunctionEvent::ProvisionedEvaluate => {
                for f in 0..self.fns.len() {
                    self.track(f, now, sched);
                }
                sched.schedule_in(PROVISIONED_PERIOD, event);
            }
        }
    }
}

impl FunctionModel<'_> {
    /// Start `work` at `now` on an environment of its function already counted as busy there
    /// (`provisioned`, or on-demand after `init`, `cold` when it is new): meter it and schedule
    /// its end.
    #[inline(always)]
    fn start(
        &mut self,
        work: Work,
        now: SimTime,
        init: SimDuration,
        cold: bool,
        provisioned: bool,
        sched: &mut Scheduler<FunctionEvent>,
    ) {
        let f = work.function as usize;
        self.busy += 1;
        self.busy_area.set(now, u64::from(self.busy));
        self.peak = self.peak.max(self.alive());
        let run = self.exec_duration(work);
        let timed_out = run > self.cfg.timeout;
        let latency = init + run.min(self.cfg.timeout);
        let mb_ms = self.usage.record(
            now.as_micros(),
            latency.as_micros(),
            self.fns[f].memory_mb,
            self.profile.memory_mb,
        );
        self.interval_invocations += 1;
        self.interval_mb_ms += mb_ms;
        if provisioned && let Some(usage) = self.provisioned.as_mut() {
            usage.record(now.as_micros(), mb_ms);
        }
        if let Some(t) = self.books.tally_mut(work.function) {
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
                timed_out,
                provisioned,
            },
        );
    }
}
