//! A pool of replicas that serve requests in slots: the part of a server fleet, a container
//! service (Cloud Run, Knative) or a Kubernetes deployment that is the same in all of them.
//!
//! # What the pool does
//!
//! - **Replicas** live in an arena that never shrinks (a replica's index is its id, never
//!   reused) and go through booting → in service → draining → terminated ([`State`]). Each
//!   carries a *generation* stamp: the pool keeps one completion event per replica in the
//!   engine's queue, and when the replica's running work changes a new one is stamped and the
//!   old one goes stale and is ignored on arrival ([`Done`]).
//! - **Dispatch**: a request goes to the in-service replica with the fewest requests in flight
//!   (lowest index on ties) that has a free slot ([`PoolConfig::slots`]: per-replica
//!   concurrency).
//! - **Queue**: when no slot is free the request waits in one FIFO queue. A request that has
//!   waited [`PoolConfig::queue_timeout`] is dropped, timed out; one that finds
//!   [`PoolConfig::queue_cap`] requests waiting is dropped at once (timed out, waiting 0).
//! - **Interruptions**: the owner may *interrupt* a replica ([`Pool::deregister`] at the
//!   notice, [`Pool::interrupt`] at its end). Its running requests are then failed (timed out)
//!   or retried: sent again to the pool, where they start afresh (no work is kept) ahead of the
//!   queue, oldest arrival first, and may wait `queue_timeout` counted from the retry. A
//!   retried request keeps its arrival (its latency counts the lost attempt) and is counted
//!   once, whatever its fate; its new start counts as a start in the wait figures.
//! - **Processor sharing**: a request's CPU-bound part runs at the replica's speed on
//!   min(parallelism, vCPUs) cores, and the requests on a replica share its vCPUs
//!   (`sharing.rs`): when their demands exceed the vCPUs all of them slow down alike.
//! - **Books**: every request's fate goes to the shared [`Books`] (counters, interval series,
//!   per-function tallies, request log); the pool also keeps the capacity figures a report
//!   needs: replicas alive and in service over time, the peak, request-seconds served, CPU
//!   core-seconds used, and how requests waited.
//!
//! # What the owner does
//!
//! The model that owns a pool (the EC2 fleet today) decides *when* replicas come and go and
//! meters them: it launches replicas ([`Pool::launch`]) and schedules their readiness
//! ([`Pool::ready`]), retires them ([`Pool::retire_one`]) and schedules the drain deadline
//! ([`Pool::abandon`]), runs its scaling policy from [`Pool::replicas`] and
//! [`Pool::period_cpu`], and records each replica's run (launch to termination: the pool
//! returns the launch time of every replica it terminates). Its event type carries the pool's
//! [`Done`] events (`E: From<Done>`), so the pool schedules them without dynamic dispatch.
//!
//! A container product would add a scale-from-zero hook on arrival (launch when a request finds
//! no replica), a minimum of replicas and a request-based scaler around the same pool; a
//! Kubernetes model would place the pool's replicas (pods) on nodes.
//!
//! Units: times are [`SimTime`] / [`SimDuration`] (µs); CPU in cores and core-seconds; areas in
//! replica-µs.

mod replica;
mod sharing;

use std::collections::VecDeque;

pub use replica::{Replica, State};
pub use sharing::{Running, Sharing};

use crate::engine::{Scheduler, SimDuration, SimTime};
use crate::metrics::{Integral, Snapshot};
use crate::platform::books::{Books, Closed, Left};
use crate::platform::{CapacityStats, QueueStats, run_time};
use crate::traffic::{RequestProfile, Work};
use crate::usage::{InstanceRun, Invocations, Meter};

/// How the replicas of a pool serve requests.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PoolConfig {
    /// Requests one replica runs at once (per-replica concurrency), ≥ 1.
    pub slots: u32,
    /// vCPUs of one replica.
    pub vcpus: f64,
    /// CPU speed relative to the reference CPU (1.0 = one Lambda vCPU).
    pub cpu_speed: f64,
    /// Longest a request may wait in the queue before it is dropped (timed out).
    pub queue_timeout: SimDuration,
    /// Most requests the queue holds; one arriving when it is full is dropped at once.
    pub queue_cap: usize,
    /// Serverless-container accounting, `None` for a fleet. When set: a request that waited
    /// for its replica to start (it starts the instant the replica enters service, having
    /// arrived before) is a cold start; each replica's active periods — from launch while it boots (when
    /// [`PoolConfig::startup_active`]), and while at least one request is in flight on it —
    /// are metered by this [`Meter`] one period at a time (Cloud Run's request-based billing:
    /// "billed only while at least one request is in flight", rounded up to 100 ms; startup
    /// included); the requests in the pool (running or waiting) are integrated over time for a
    /// scaler ([`Pool::take_concurrency`]).
    pub active_meter: Option<Meter>,
    /// Whether a booting replica's startup is active time (Cloud Run bills it; Azure Functions'
    /// Flex Consumption bills only the time function code executes). Read only with
    /// [`PoolConfig::active_meter`].
    pub startup_active: bool,
}

/// The active time of a pool that meters it ([`PoolConfig::active_meter`]), at the horizon.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ActiveTime {
    /// Billed active time, µs (each period rounded by the meter): `[0]` on replicas the owner
    /// launched on demand, `[1]` on its pinned (minimum, always-ready) replicas.
    pub billed_us: [u64; 2],
    /// Time the pinned replicas were alive, µs (launch to termination or the horizon).
    pub pinned_alive_us: u64,
    /// Time the pinned replicas were alive and not in a billed active period, µs: their life
    /// less their billed (rounded) active time.
    pub pinned_idle_us: u64,
}

/// The event a pool schedules: replica `replica`'s next request is done, if `generation` is
/// still the replica's stamp (else it is stale and ignored). The owner's event type carries it
/// (`From<Done>`) and hands it back to [`Pool::done`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Done {
    /// Index of the replica.
    pub replica: u32,
    /// The replica's stamp when this was scheduled.
    pub generation: u32,
}

/// What [`Pool::retire_one`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retired {
    /// Nothing to retire.
    Nothing,
    /// Replica `replica`, launched at `launched`, terminated at once (it was booting, or in
    /// service with nothing in flight).
    Terminated {
        /// Index of the replica.
        replica: u32,
        /// When it was launched.
        launched: SimTime,
    },
    /// Replica `replica` drains: it takes no new requests and terminates when its last one
    /// finishes ([`Pool::done`]) or when the owner abandons it ([`Pool::abandon`]).
    Draining {
        /// Index of the replica.
        replica: u32,
    },
}

/// A pool's figures for the reporting interval that just closed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PoolInterval {
    /// Capacity at the end of the interval and utilisation over it (in service = in-service
    /// replicas with requests in flight; idle = the others; booting, draining, queue length);
    /// the owner fills in its own fields (desired capacity, usage).
    pub snapshot: Snapshot,
    /// Replica-µs alive (launched, not terminated) over the interval.
    pub alive_us: f64,
}

/// A pool's figures at the horizon: what [`Pool::close`] returns.
#[derive(Clone, Debug, PartialEq)]
pub struct PoolClosed {
    /// Active time, when the pool meters it ([`PoolConfig::active_meter`]; zero otherwise).
    pub active: ActiveTime,
    /// Each request's run, metered one by one, when the owner asked
    /// ([`Pool::meter_requests`]).
    pub invocations: Option<Invocations>,
    /// Requests started on a replica (a retried request's new start counted again).
    pub started: u64,
    /// The closed books: counters, latency, time series, per-function outcomes.
    pub books: Closed,
    /// Most replicas alive at once.
    pub peak: u32,
    /// Request-µs served (start to end, or to the horizon).
    pub busy_us: u64,
    /// CPU core-seconds used over the run.
    pub cpu_core_s: f64,
    /// How requests waited for a slot.
    pub queueing: QueueStats,
}

/// A pool of replicas; see the module docs.
pub struct Pool<'a> {
    cfg: PoolConfig,
    profile: &'a RequestProfile,
    replicas: Vec<Replica>,
    /// Indices of in-service replicas, for dispatch.
    in_service: Vec<u32>,
    /// Indices of alive (not terminated) replicas, ascending: what every scan over the
    /// replicas walks, so that a long run's terminated replicas cost nothing.
    alive_ids: Vec<u32>,
    /// Waiting requests with their arrival, oldest first.
    queue: VecDeque<(SimTime, Work)>,
    /// Retried requests waiting (their arrival, when they were sent again), served before
    /// `queue`. Empty unless the owner interrupts replicas.
    retries: VecDeque<(SimTime, SimTime, Work)>,
    alive: u32,
    peak: u32,
    /// Requests that had to queue, requests started, and their total wait.
    queued: u64,
    started: u64,
    wait_us: u128,
    busy_us: u64,
    cpu_core_s: f64,
    interval_cpu_core_s: f64,
    /// In-service replicas over the current reporting interval.
    in_service_area: Integral,
    /// Alive replicas over the current reporting interval.
    alive_area: Integral,
    /// Requests running on replicas.
    running: u64,
    /// Requests in the pool (running or waiting) over time, for a scaler.
    concurrency: Integral,
    /// Each request's run, metered as it ends ([`Pool::meter_requests`]).
    invocations: Option<(Invocations, u32)>,
    /// Observed memory per named function, MB ([`Pool::function_memory`]; empty: the
    /// profile's).
    function_mb: Vec<u32>,
    books: Books<'a>,
}

impl<'a> Pool<'a> {
    /// An empty pool whose requests are shaped by `profile`, keeping `books`.
    pub fn new(cfg: PoolConfig, profile: &'a RequestProfile, books: Books<'a>) -> Self {
        Pool {
            cfg,
            profile,
            replicas: Vec::new(),
            in_service: Vec::new(),
            alive_ids: Vec::new(),
            queue: VecDeque::new(),
            retries: VecDeque::new(),
            alive: 0,
            peak: 0,
            queued: 0,
            started: 0,
            wait_us: 0,
            busy_us: 0,
            cpu_core_s: 0.0,
            interval_cpu_core_s: 0.0,
            in_service_area: Integral::default(),
            alive_area: Integral::default(),
            running: 0,
            concurrency: Integral::default(),
            invocations: None,
            function_mb: Vec::new(),
            books,
        }
    }

    /// Meter each request's run as it ends (completed, or dropped while running) into
    /// `invocations`, with `configured_mb` of configured memory and the request profile's
    /// memory as observed (Azure Functions' Consumption plan bills executions one by one).
    pub fn meter_requests(&mut self, invocations: Invocations, configured_mb: u32) {
        self.invocations = Some((invocations, configured_mb));
    }

    /// Pin replica `i`: one of the owner's minimum replicas ([`Replica::pinned`]).
    pub fn pin(&mut self, i: u32) {
        self.replicas[i as usize].pinned = true;
    }

    /// The area under the number of requests in the pool (running or waiting), request-µs,
    /// since the last call, up to `now` (a pool with [`PoolConfig::active_meter`] only; zero
    /// otherwise).
    pub fn take_concurrency(&mut self, now: SimTime) -> f64 {
        self.concurrency.take(now)
    }

    /// Requests in the pool now: running or waiting.
    pub fn requests_in_pool(&self) -> u64 {
        self.running + self.queue_len() as u64
    }

    /// Record the requests in the pool after a change at `now` (metering pools only).
    #[inline]
    fn concurrency_changed(&mut self, now: SimTime) {
        if self.cfg.active_meter.is_some() {
            let n = self.requests_in_pool() as f64;
            self.concurrency.set(now, n);
        }
    }

    /// Close replica `i`'s active period at `now`, if one is open: its time is billed by the
    /// meter, rounded up (100 ms; Flex: 1 s at least), and the period is remembered until the
    /// end of what was billed ([`Replica::billed_until`]).
    #[inline]
    fn close_active(&mut self, i: usize, now: SimTime) {
        let Some(meter) = self.cfg.active_meter else {
            return;
        };
        let r = &mut self.replicas[i];
        if let Some(since) = r.active_since.take() {
            let billed = meter.billed_us(now.saturating_since(since).as_micros());
            r.billed_us += billed;
            r.last_period = Some((since, billed));
        }
    }

    /// Replica `i` becomes active at `now`: a new period, or — when `now` falls within the time
    /// its last period was already billed for (its rounding up) — that period again, so that
    /// no instant is billed twice: the period is taken back and will be billed once, whole, when
    /// it closes. An instance's billed active time never exceeds its life by more than one
    /// rounding.
    #[inline]
    fn open_active(&mut self, i: usize, now: SimTime) {
        let r = &mut self.replicas[i];
        if r.active_since.is_some() {
            return;
        }
        match r.last_period.take() {
            Some((since, billed)) if now < since + SimDuration::from_micros(billed) => {
                r.billed_us -= billed;
                r.active_since = Some(since);
            }
            _ => r.active_since = Some(now),
        }
    }

    /// Meter one request's run from `start` to `now`, when the owner asked.
    #[inline]
    fn meter_run(&mut self, start: SimTime, now: SimTime, function: u32) {
        if let Some((inv, configured_mb)) = &mut self.invocations {
            let observed = self
                .function_mb
                .get(function as usize)
                .copied()
                .unwrap_or(self.profile.memory_mb);
            inv.record(
                start.as_micros(),
                now.saturating_since(start).as_micros(),
                *configured_mb,
                observed,
            );
        }
    }

    /// The memory each named function's executions use, MB, by function index (a trace's
    /// per-function memory): what [`Pool::meter_requests`] meters as observed instead of the
    /// request profile's.
    pub fn function_memory(&mut self, per_function: Vec<u32>) {
        self.function_mb = per_function;
    }

    /// The pool's books, to record fates the owner decides and to close intervals.
    #[inline]
    pub fn books_mut(&mut self) -> &mut Books<'a> {
        &mut self.books
    }

    /// The pool's books.
    #[inline]
    pub fn books(&self) -> &Books<'a> {
        &self.books
    }

    /// How the replicas serve.
    pub fn config(&self) -> &PoolConfig {
        &self.cfg
    }

    /// Every replica ever launched, by index (terminated ones included).
    pub fn replicas(&self) -> &[Replica] {
        &self.replicas
    }

    /// Replica `i`'s state.
    pub fn state(&self, i: u32) -> State {
        self.replicas[i as usize].state
    }

    /// Replicas in service.
    pub fn in_service(&self) -> usize {
        self.in_service.len()
    }

    /// Requests waiting in the queue (retries included).
    pub fn queue_len(&self) -> usize {
        self.queue.len() + self.retries.len()
    }

    /// Replicas alive (launched, not terminated).
    pub fn alive(&self) -> u32 {
        self.alive
    }

    /// Launch a replica at `now` in `state` (booting, or already in service) with a warm-up
    /// counted from when it enters service; returns its index. A booting replica serves once
    /// the owner calls [`Pool::ready`].
    pub fn launch(&mut self, now: SimTime, state: State, warmup: SimDuration) -> u32 {
        let i = self.replicas.len() as u32;
        let mut r = Replica::launch(now, state, warmup);
        if self.cfg.active_meter.is_some() && self.cfg.startup_active && state == State::Booting {
            // Startup is billed time on Cloud Run's request-based billing.
            r.active_since = Some(now);
        }
        self.replicas.push(r);
        self.alive_ids.push(i);
        if state == State::InService {
            self.in_service.push(i);
        }
        self.alive += 1;
        self.peak = self.peak.max(self.alive);
        self.capacity_changed(now);
        i
    }

    /// Record the in-service and alive counts after a change at `now`.
    #[inline]
    fn capacity_changed(&mut self, now: SimTime) {
        self.in_service_area.set(now, self.in_service.len() as f64);
        self.alive_area.set(now, f64::from(self.alive));
    }

    /// Booting replica `i` is ready: it enters service and takes queued requests. Returns
    /// `false` (and does nothing) when it is no longer booting (retired while booting).
    pub fn ready<E: From<Done>>(&mut self, i: u32, sched: &mut Scheduler<E>) -> bool {
        let now = sched.now();
        let r = &mut self.replicas[i as usize];
        if r.state != State::Booting {
            return false;
        }
        r.state = State::InService;
        r.in_service_since = Some(now);
        self.in_service.push(i);
        self.capacity_changed(now);
        self.dispatch_queue(sched);
        if self.replicas[i as usize].in_flight == 0 {
            self.close_active(i as usize, now);
        }
        true
    }

    /// A request arrives: count it, then start it on the least-loaded in-service replica if
    /// one has a free slot and nobody is waiting, else queue it (or drop it when the queue is
    /// full).
    #[inline]
    pub fn admit<E: From<Done>>(&mut self, work: Work, sched: &mut Scheduler<E>) {
        let now = sched.now();
        self.books.arrived(work.function);
        self.drop_timed_out(now);
        match self.least_loaded() {
            Some(i) if self.queue.is_empty() && self.retries.is_empty() => {
                self.start_request(i, now, now, work, sched);
            }
            _ if self.queue.len() >= self.cfg.queue_cap => self.drop_at_once(now, work.function),
            _ => {
                self.queued += 1;
                self.queue.push_back((now, work));
            }
        }
        self.concurrency_changed(now);
    }

    /// The in-service replica with the fewest requests in flight, if it has a free slot.
    #[inline]
    fn least_loaded(&self) -> Option<usize> {
        let (n, i) = self
            .in_service
            .iter()
            .map(|&i| (self.replicas[i as usize].in_flight, i))
            .min()?;
        (n < self.cfg.slots).then_some(i as usize)
    }

    /// Drop queued requests whose wait reached the timeout by `now`.
    #[inline]
    fn drop_timed_out(&mut self, now: SimTime) {
        let before = self.queue_len();
        self.drop_timed_out_waiting(now);
        if self.queue_len() != before {
            self.concurrency_changed(now);
        }
    }

    /// [`Pool::drop_timed_out`] without the concurrency record.
    #[inline]
    fn drop_timed_out_waiting(&mut self, now: SimTime) {
        while let Some(&(arrival, since, work)) = self.retries.front() {
            if since + self.cfg.queue_timeout > now {
                break;
            }
            self.retries.pop_front();
            let end = since + self.cfg.queue_timeout;
            self.books
                .timed_out(arrival, None, end, false, work.function);
        }
        while let Some(&(arrival, work)) = self.queue.front() {
            if arrival + self.cfg.queue_timeout > now {
                break;
            }
            self.queue.pop_front();
            let end = arrival + self.cfg.queue_timeout;
            self.books
                .timed_out(arrival, None, end, false, work.function);
        }
    }

    /// Drop a request that finds the queue full: timed out at once, never started.
    #[cold]
    fn drop_at_once(&mut self, now: SimTime, function: u32) {
        self.books.timed_out(now, None, now, false, function);
    }

    /// Start queued requests while an in-service slot is free.
    pub fn dispatch_queue<E: From<Done>>(&mut self, sched: &mut Scheduler<E>) {
        self.drop_timed_out(sched.now());
        while !self.retries.is_empty() {
            let Some(i) = self.least_loaded() else { return };
            if let Some((arrival, since, work)) = self.retries.pop_front() {
                self.start_request(i, arrival, since, work, sched);
            }
        }
        while !self.queue.is_empty() {
            let Some(i) = self.least_loaded() else { break };
            if let Some((arrival, work)) = self.queue.pop_front() {
                self.start_request(i, arrival, arrival, work, sched);
            }
        }
    }

    /// Bring replica `i`'s CPU account up to `now`.
    #[inline]
    fn advance_cpu(&mut self, i: usize, now: SimTime) {
        let used = self.replicas[i].advance(now, self.cfg.vcpus);
        self.cpu_core_s += used;
        self.interval_cpu_core_s += used;
    }

    /// Bring every alive replica's CPU account up to `now`.
    pub fn advance_all(&mut self, now: SimTime) {
        for k in 0..self.alive_ids.len() {
            self.advance_cpu(self.alive_ids[k] as usize, now);
        }
    }

    /// Start `work`, which arrived at `arrival` and has waited since `since` (its arrival, or
    /// its retry), on replica `i`.
    fn start_request<E: From<Done>>(
        &mut self,
        i: usize,
        arrival: SimTime,
        since: SimTime,
        work: Work,
        sched: &mut Scheduler<E>,
    ) {
        let now = sched.now();
        self.advance_cpu(i, now);
        self.wait_us += u128::from((now - since).as_micros());
        // Alone on the replica: the I/O part, then the CPU part on the cores it can use (a
        // recorded duration as recorded).
        let (solo_s, core_s) = run_time(work, self.profile, self.cfg.vcpus, self.cfg.cpu_speed);
        let metering = self.cfg.active_meter.is_some();
        let r = &mut self.replicas[i];
        // It waited for this replica to start: it starts the instant the replica enters service
        // (one of the requests the new replica takes from the queue), having arrived before.
        // A request that waited for a busy slot of a replica already up is not cold.
        let cold = metering && arrival < now && r.in_service_since == Some(now);
        if metering {
            self.open_active(i, now);
        }
        let r = &mut self.replicas[i];
        r.work
            .start(solo_s, core_s, self.started, (arrival, now, work, cold));
        r.in_flight += 1;
        self.started += 1;
        self.running += 1;
        if cold {
            self.books.cold_start(work.function);
        }
        self.reschedule(i, sched);
    }

    /// Schedule replica `i`'s next completion after its running requests changed (call
    /// `advance_cpu` first). The pending event is kept when its time is unchanged (to the
    /// microsecond); otherwise a new one is stamped and the old one goes stale.
    #[inline]
    fn reschedule<E: From<Done>>(&mut self, i: usize, sched: &mut Scheduler<E>) {
        let now = sched.now();
        let r = &mut self.replicas[i];
        let next = r.work.next_finish(now, self.cfg.vcpus);
        let same = match (next, r.due) {
            (Some(t), Some(d)) => t.as_micros().abs_diff(d.as_micros()) <= 1,
            (None, None) => true,
            _ => false,
        };
        if same {
            return;
        }
        r.generation = r.generation.wrapping_add(1);
        r.due = next;
        if let Some(t) = next {
            sched.schedule_in(
                t - now,
                E::from(Done {
                    replica: i as u32,
                    generation: r.generation,
                }),
            );
        }
    }

    /// A [`Done`] event fell due: unless it is stale, the replica's next request (and any due
    /// at the same microsecond) completed; then queued requests start. Returns the launch time
    /// of the replica when it was draining and has now terminated (its last request done), so
    /// the owner can record its run.
    pub fn done<E: From<Done>>(&mut self, done: Done, sched: &mut Scheduler<E>) -> Option<SimTime> {
        let i = done.replica as usize;
        if self.replicas[i].generation != done.generation {
            return None;
        }
        let now = sched.now();
        self.advance_cpu(i, now);
        self.replicas[i].due = None;
        let mut first = true;
        while first || self.replicas[i].work.next_is_due(self.cfg.vcpus) {
            first = false;
            let Some(r) = self.replicas[i].finish_next() else {
                break;
            };
            let busy_us = now.saturating_since(r.start).as_micros();
            self.busy_us += busy_us;
            self.running -= 1;
            if let Some(t) = self.books.tally_mut(r.work.function) {
                t.busy_s += busy_us as f64 / 1e6;
            }
            self.meter_run(r.start, now, r.work.function);
            self.books
                .completed(r.arrival, r.start, now, r.cold, r.work.function);
        }
        let r = &self.replicas[i];
        let idle = r.in_flight == 0;
        let terminated = if r.state == State::Draining && idle && !r.interrupted {
            if r.then_standby {
                // Its active period closes below, with every idle replica's.
                let r = &mut self.replicas[i];
                r.state = State::Standby;
                r.then_standby = false;
                r.standby_since = Some(now);
                None
            } else {
                Some(self.terminate(i, now))
            }
        } else {
            self.reschedule(i, sched);
            None
        };
        self.dispatch_queue(sched);
        if self.replicas[i].in_flight == 0 && self.replicas[i].state != State::Booting {
            self.close_active(i, now);
        }
        self.concurrency_changed(now);
        terminated
    }

    /// Terminate replica `i` at `now`; returns when it was launched.
    fn terminate(&mut self, i: usize, now: SimTime) -> SimTime {
        self.advance_cpu(i, now);
        self.close_active(i, now);
        if let Ok(k) = self.alive_ids.binary_search(&(i as u32)) {
            self.alive_ids.remove(k);
        }
        let r = &mut self.replicas[i];
        r.state = State::Terminated;
        r.standby_since = None;
        r.terminated_at = Some(now);
        let launched = r.launched;
        self.alive -= 1;
        self.capacity_changed(now);
        launched
    }

    /// Retire one replica at `now`: a booting one if any (the newest), else the in-service one
    /// with the fewest requests in flight (the newest on ties), which drains.
    pub fn retire_one(&mut self, now: SimTime) -> Retired {
        let booting = self
            .alive_ids
            .iter()
            .rev()
            .map(|&i| i as usize)
            .find(|&i| self.replicas[i].state == State::Booting && !self.replicas[i].pinned);
        if let Some(i) = booting {
            let launched = self.terminate(i, now);
            return Retired::Terminated {
                replica: i as u32,
                launched,
            };
        }
        let Some(i) = self.least_busy_unpinned() else {
            return Retired::Nothing;
        };
        self.in_service.retain(|&j| j as usize != i);
        self.capacity_changed(now);
        self.replicas[i].state = State::Draining;
        if self.replicas[i].in_flight == 0 {
            let launched = self.terminate(i, now);
            Retired::Terminated {
                replica: i as u32,
                launched,
            }
        } else {
            Retired::Draining { replica: i as u32 }
        }
    }

    /// The in-service replica the owner may retire or put on standby: not pinned, the fewest
    /// requests in flight, the newest on ties.
    fn least_busy_unpinned(&self) -> Option<usize> {
        self.in_service
            .iter()
            .filter(|&&i| !self.replicas[i as usize].pinned)
            .min_by_key(|&&i| (self.replicas[i as usize].in_flight, std::cmp::Reverse(i)))
            .map(|&i| i as usize)
    }

    /// Take one replica out of service at `now` but keep it warm (a serverless container's
    /// idle instance): the unpinned in-service replica with the fewest requests in flight (the
    /// newest on ties) takes no new requests, finishes those it runs, then waits on standby
    /// ([`State::Standby`]) for [`Pool::resume`] or [`Pool::expire_standby`]. Returns its
    /// index, `None` when no unpinned replica is in service.
    pub fn stand_by(&mut self, now: SimTime) -> Option<u32> {
        let i = self.least_busy_unpinned()?;
        self.in_service.retain(|&j| j as usize != i);
        let r = &mut self.replicas[i];
        if r.in_flight == 0 {
            r.state = State::Standby;
            r.standby_since = Some(now);
        } else {
            r.state = State::Draining;
            r.then_standby = true;
        }
        self.capacity_changed(now);
        Some(i as u32)
    }

    /// Bring a warm replica back into service at `now` without a start: one draining to
    /// standby if any (it is still running requests), else the one on standby the shortest
    /// time. Returns its index, `None` when there is none.
    pub fn resume<E: From<Done>>(&mut self, sched: &mut Scheduler<E>) -> Option<u32> {
        let now = sched.now();
        let draining = self.alive_ids.iter().rev().map(|&i| i as usize).find(|&i| {
            let r = &self.replicas[i];
            r.state == State::Draining && r.then_standby && !r.interrupted
        });
        let i = draining.or_else(|| {
            self.alive_ids
                .iter()
                .map(|&i| i as usize)
                .filter(|&i| self.replicas[i].state == State::Standby)
                .max_by_key(|&i| (self.replicas[i].standby_since, i))
        })?;
        let r = &mut self.replicas[i];
        r.state = State::InService;
        r.then_standby = false;
        r.standby_since = None;
        self.in_service.push(i as u32);
        self.capacity_changed(now);
        self.dispatch_queue(sched);
        if self.replicas[i].in_flight == 0 {
            self.close_active(i, now);
        }
        Some(i as u32)
    }

    /// Terminate the replicas that have been on standby for `keep` or longer at `now`; returns
    /// the launch time of each, for the owner to record its run.
    pub fn expire_standby(&mut self, now: SimTime, keep: SimDuration) -> Vec<SimTime> {
        let due: Vec<usize> = self
            .alive_ids
            .iter()
            .map(|&i| i as usize)
            .filter(|&i| {
                self.replicas[i]
                    .standby_since
                    .is_some_and(|t| t + keep <= now)
            })
            .collect();
        due.into_iter().map(|i| self.terminate(i, now)).collect()
    }

    /// Replicas in `state`.
    pub fn count_in_state(&self, state: State) -> u32 {
        self.count_in(state)
    }

    /// Drop the requests still running on draining replica `i` at `now` (each timed out) and
    /// terminate it; returns when it was launched. `None` (nothing done) when it is not
    /// draining.
    pub fn abandon(&mut self, i: u32, now: SimTime) -> Option<SimTime> {
        let i = i as usize;
        if self.replicas[i].state != State::Draining || self.replicas[i].interrupted {
            return None;
        }
        for r in self.take_running(i, now) {
            self.meter_run(r.start, now, r.work.function);
            self.books
                .timed_out(r.arrival, Some(r.start), now, r.cold, r.work.function);
        }
        self.concurrency_changed(now);
        Some(self.terminate(i, now))
    }

    /// Take the requests running on replica `i` off it at `now`, their time so far counted as
    /// served.
    fn take_running(&mut self, i: usize, now: SimTime) -> Vec<Running> {
        self.advance_cpu(i, now);
        let taken = self.replicas[i].abandon_all();
        self.running -= taken.len() as u64;
        self.close_active(i, now);
        for r in &taken {
            let busy_us = now.saturating_since(r.start).as_micros();
            self.busy_us += busy_us;
            if let Some(t) = self.books.tally_mut(r.work.function) {
                t.busy_s += busy_us as f64 / 1e6;
            }
        }
        taken
    }

    /// Replica `i` received an interruption notice at `now`: it takes no new requests (a
    /// booting one never will) and stays up, finishing what it runs, until the owner calls
    /// [`Pool::interrupt`]. Returns its state before: the owner replaces a booting or
    /// in-service replica. A draining or terminated one, or one already interrupted, is left
    /// as it is.
    pub fn deregister(&mut self, i: u32, now: SimTime) -> State {
        let r = &mut self.replicas[i as usize];
        let before = r.state;
        if r.interrupted || !matches!(before, State::Booting | State::InService) {
            return before;
        }
        r.state = State::Draining;
        r.interrupted = true;
        self.in_service.retain(|&j| j != i);
        self.capacity_changed(now);
        before
    }

    /// Replica `i`'s interruption takes effect: the requests still running on it are retried
    /// (`retry`: sent again to the pool, see the module docs) or failed (timed out), and it
    /// terminates. Returns when it was launched and how many requests it had running; `None`
    /// (nothing done) when it had already terminated.
    pub fn interrupt<E: From<Done>>(
        &mut self,
        i: u32,
        retry: bool,
        sched: &mut Scheduler<E>,
    ) -> Option<(SimTime, usize)> {
        let (i, now) = (i as usize, sched.now());
        if self.replicas[i].state == State::Terminated {
            return None;
        }
        if self.replicas[i].state != State::Draining {
            self.in_service.retain(|&j| j as usize != i);
        }
        let mut taken = self.take_running(i, now);
        let launched = self.terminate(i, now);
        let n = taken.len();
        // The heap's order is deterministic but arbitrary: oldest arrival first.
        taken.sort_by_key(|r| (r.arrival, r.start));
        for r in taken {
            if !retry {
                self.meter_run(r.start, now, r.work.function);
                self.books
                    .timed_out(r.arrival, Some(r.start), now, r.cold, r.work.function);
                continue;
            }
            // Sent again: it starts at once where a slot is free (before the queue), else waits.
            match self.least_loaded() {
                Some(j) if self.retries.is_empty() => {
                    self.start_request(j, r.arrival, now, r.work, sched);
                }
                _ => self.retries.push_back((r.arrival, now, r.work)),
            }
        }
        self.concurrency_changed(now);
        Some((launched, n))
    }

    /// Requests running on alive replicas.
    pub fn requests_in_flight(&self) -> u64 {
        self.alive_ids
            .iter()
            .map(|&i| u64::from(self.replicas[i as usize].in_flight))
            .sum()
    }

    /// Alive replicas in `state` (O(alive)).
    fn count_in(&self, state: State) -> u32 {
        self.alive_ids
            .iter()
            .filter(|&&i| self.replicas[i as usize].state == state)
            .count() as u32
    }

    /// CPU of the metric period that ends at `now` and began at `period_start`, from in-service
    /// replicas past their warm-up: `(core-seconds used, core-seconds available)`. Resets every
    /// replica's period account; call [`Pool::advance_all`] first.
    pub fn period_cpu(&mut self, now: SimTime, period_start: SimTime) -> (f64, f64) {
        let (mut used, mut available) = (0.0, 0.0);
        for &i in &self.alive_ids {
            let r = &mut self.replicas[i as usize];
            if let (State::InService, Some(since)) = (r.state, r.in_service_since)
                && r.is_warm(now)
            {
                used += r.period_cpu_core_s;
                available +=
                    self.cfg.vcpus * now.saturating_since(since.max(period_start)).as_secs_f64();
            }
            r.period_cpu_core_s = 0.0;
        }
        (used, available)
    }

    /// Close the pool's side of the reporting interval at `now`: brings the CPU accounts up to
    /// date and returns the capacity snapshot and the replica-µs alive.
    pub fn close_interval(&mut self, now: SimTime) -> PoolInterval {
        self.advance_all(now);
        let in_service_us = self.in_service_area.take(now);
        let alive_us = self.alive_area.take(now);
        let busy = self
            .in_service
            .iter()
            .filter(|&&i| self.replicas[i as usize].in_flight > 0)
            .count() as u32;
        let cpu_available = self.cfg.vcpus * in_service_us / 1e6;
        let snapshot = Snapshot {
            in_service: busy,
            booting: Some(self.count_in(State::Booting)),
            // Replicas kept warm on standby are idle capacity too.
            idle: self.in_service.len() as u32 - busy + self.count_in(State::Standby),
            draining: Some(self.count_in(State::Draining)),
            queue_length: Some(self.queue.len() as u64),
            utilisation: (cpu_available > 0.0).then(|| self.interval_cpu_core_s / cpu_available),
            ..Snapshot::default()
        };
        self.interval_cpu_core_s = 0.0;
        PoolInterval { snapshot, alive_us }
    }

    /// Close the pool at the horizon for an owner that records every replica's run in `runs`
    /// (terminated ones as they ended): the replicas still alive are added as running at the
    /// horizon, and the capacity figures are made from the runs — mean replicas alive, peak,
    /// mean busy, CPU utilisation of the replicas' vCPUs — beside the closed pool.
    pub fn close_with_runs(
        self,
        runs: &mut Vec<InstanceRun>,
        horizon: SimTime,
    ) -> (PoolClosed, CapacityStats) {
        for launched in self.alive_launches() {
            runs.push(InstanceRun {
                launch_us: launched.as_micros(),
                end_us: horizon.as_micros(),
                running_at_end: true,
                interrupted: false,
            });
        }
        let horizon_s = horizon.as_secs_f64().max(1e-6);
        // A fold from +0.0: an empty sum of f64 is −0.0, which printed as "-0.00" instances.
        let instance_s: f64 = runs
            .iter()
            .fold(0.0, |sum, r| sum + r.run_us() as f64 / 1e6);
        let vcpus = self.cfg.vcpus;
        let closed = self.close(horizon);
        let capacity = CapacityStats {
            mean_instances: instance_s / horizon_s,
            peak_instances: u64::from(closed.peak),
            mean_busy: closed.busy_us as f64 / 1e6 / horizon_s,
            mean_utilisation: if instance_s > 0.0 {
                closed.cpu_core_s / (vcpus * instance_s)
            } else {
                0.0
            },
        };
        (closed, capacity)
    }

    /// The launch time of each replica still alive, by index.
    pub fn alive_launches(&self) -> impl Iterator<Item = SimTime> + '_ {
        self.alive_ids
            .iter()
            .map(|&i| self.replicas[i as usize].launched)
    }

    /// Close the pool at the horizon (close the last reporting interval first): requests still
    /// running were busy until the horizon and are in flight; queued ones whose timeout fell due
    /// by the horizon timed out, the rest are in flight; then the books close.
    ///
    /// # Panics
    ///
    /// When the books do not balance ([`Books::close`]): a bug.
    pub fn close(mut self, horizon: SimTime) -> PoolClosed {
        let running_starts: Vec<(SimTime, u32)> = self
            .replicas
            .iter()
            .flat_map(|r| r.work.running())
            .map(|r| (r.start, r.work.function))
            .collect();
        // Executions still running at the horizon are metered up to it, as the others' time is.
        for (start, function) in running_starts {
            self.meter_run(start, horizon, function);
        }
        for r in self.replicas.iter().flat_map(|r| r.work.running()) {
            self.busy_us += horizon.saturating_since(r.start).as_micros();
            if let Some(t) = self.books.tally_mut(r.work.function) {
                t.busy_s += horizon.saturating_since(r.start).as_secs_f64();
            }
        }
        self.advance_all(horizon);
        for i in 0..self.replicas.len() {
            self.close_active(i, horizon);
        }
        let mut active = ActiveTime::default();
        for r in &self.replicas {
            active.billed_us[usize::from(r.pinned)] += r.billed_us;
        }
        for r in self.replicas.iter().filter(|r| r.pinned) {
            let alive = r
                .terminated_at
                .unwrap_or(horizon)
                .saturating_since(r.launched)
                .as_micros();
            active.pinned_alive_us += alive;
            // Idle is what the active periods, as billed (rounded up), leave of its life: no
            // instant is billed both active and idle.
            active.pinned_idle_us += alive.saturating_sub(r.billed_us);
        }
        let mut running: Vec<(SimTime, SimTime, u32, bool)> = self
            .replicas
            .iter()
            .flat_map(|r| r.work.running())
            .map(|r| (r.arrival, r.start, r.work.function, r.cold))
            .collect();
        running.sort_unstable();
        let queue_timeout = self.cfg.queue_timeout;
        let left = running
            .into_iter()
            .map(|(arrival, start, function, cold)| Left::InFlight {
                arrival,
                start: Some(start),
                cold,
                function,
            })
            .chain(
                self.queue
                    .iter()
                    .map(|&(arrival, work)| (arrival, arrival, work))
                    .chain(self.retries.iter().copied())
                    .map(|(arrival, since, work)| {
                        // Waiting since `since` (its arrival, or its retry).
                        let end = since + queue_timeout;
                        if end <= horizon {
                            Left::TimedOutInQueue {
                                arrival,
                                end,
                                function: work.function,
                            }
                        } else {
                            Left::InFlight {
                                arrival,
                                start: None,
                                cold: false,
                                function: work.function,
                            }
                        }
                    }),
            );
        let books = self.books.close(left);
        let arrived = books.counters.arrived;
        PoolClosed {
            active,
            invocations: self.invocations.map(|(inv, _)| inv),
            started: self.started,
            peak: self.peak,
            busy_us: self.busy_us,
            cpu_core_s: self.cpu_core_s,
            queueing: QueueStats {
                wait_probability: if arrived == 0 {
                    0.0
                } else {
                    self.queued as f64 / arrived as f64
                },
                mean_wait_ms: if self.started == 0 {
                    0.0
                } else {
                    self.wait_us as f64 / self.started as f64 / 1_000.0
                },
            },
            books,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{self, Model};

    /// A model that is nothing but a pool.
    struct Bare<'a>(Pool<'a>);

    impl Model for Bare<'_> {
        type Arrival = Work;
        type Event = Done;
        fn on_arrival(&mut self, work: Work, sched: &mut Scheduler<Done>) {
            self.0.admit(work, sched);
        }
        fn on_event(&mut self, done: Done, sched: &mut Scheduler<Done>) {
            self.0.done(done, sched);
        }
    }

    fn at(ms: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_millis(ms)
    }

    /// One replica with one slot, a queue of one with a 2 s timeout; 3 s requests, all I/O,
    /// arriving at 0, 1, 1.5 and 4 s; horizon 6 s.
    /// - 0 s: starts at once, done at 3 s.
    /// - 1 s: queues; at 3 s its 2 s timeout falls due as the slot frees: timed out.
    /// - 1.5 s: the queue is full: dropped at once.
    /// - 4 s: starts at once, still running at 6 s: in flight, busy 2 s.
    ///
    /// Arrived 4 = completed 1 + timed out 2 + in flight 1; busy 3 + 2 = 5 s; one of four
    /// queued; the two that started waited 0.
    #[test]
    fn dispatch_queue_timeout_cap_and_horizon() {
        let profile = RequestProfile {
            duration: None,
            cpu_fraction: 0.0,
            parallelism: 1.0,
            memory_mb: 128,
            request_bytes: 0,
            response_bytes: 0,
            log_bytes: 0,
        };
        let cfg = PoolConfig {
            slots: 1,
            vcpus: 1.0,
            cpu_speed: 1.0,
            queue_timeout: SimDuration::from_secs(2),
            queue_cap: 1,
            active_meter: None,
            startup_active: false,
        };
        let mut pool = Pool::new(cfg, &profile, Books::new(SimDuration::from_secs(60), 0));
        pool.launch(SimTime::ZERO, State::InService, SimDuration::ZERO);
        let mut model = Bare(pool);
        let work = Work {
            duration_s: 3.0,
            as_recorded: false,
            function: 0,
        };
        let arrivals = [0, 1_000, 1_500, 4_000].map(|ms| (at(ms), work));
        engine::run(&mut model, arrivals, at(6_000), &mut |_| {});
        let closed = model.0.close(at(6_000));
        let c = closed.books.counters;
        assert_eq!(
            (c.arrived, c.completed, c.timed_out, c.in_flight_at_end),
            (4, 1, 2, 1)
        );
        assert_eq!(closed.busy_us, 5_000_000);
        assert_eq!(closed.queueing.wait_probability, 0.25);
        assert_eq!(closed.queueing.mean_wait_ms, 0.0);
        assert_eq!(closed.peak, 1);
    }
}
