//! One replica's lifecycle: booting → in service → draining → terminated, and the CPU it used.
//! A replica is whatever serves requests in slots: a server of a fleet, a container instance,
//! a pod.

use super::sharing::{Running, Sharing};
use crate::engine::{SimDuration, SimTime};

/// Where a replica is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Launched, not yet serving (boot, application start, first health check).
    Booting,
    /// Taking requests (registered with the load balancer, ready).
    InService,
    /// Deregistered: takes no new requests, finishes those in flight.
    Draining,
    /// Out of service but kept warm, idle, for its owner to bring back at once or terminate
    /// (a serverless container's idle instance, kept up to 15 minutes on Cloud Run).
    Standby,
    /// Gone; no longer billed.
    Terminated,
}

/// A replica of a pool.
#[derive(Clone, Debug)]
pub struct Replica {
    /// Lifecycle state.
    pub state: State,
    /// When it was launched (billing of instance time starts).
    pub launched: SimTime,
    /// Requests running on it.
    pub in_flight: u32,
    /// The running requests, sharing its vCPUs.
    pub work: Sharing,
    /// Stamp of the one valid `Done` event; older ones are stale and ignored.
    pub generation: u32,
    /// When that event falls due, if one is scheduled.
    pub due: Option<SimTime>,
    /// CPU core-seconds used since the current metric period began.
    pub period_cpu_core_s: f64,
    /// When it entered service, if it has.
    pub in_service_since: Option<SimTime>,
    /// Its warm-up (EC2 Auto Scaling `InstanceWarmup`; zero where a product has none), counted
    /// from when it enters service.
    pub warmup: SimDuration,
    /// When it terminated, if it has.
    pub terminated_at: Option<SimTime>,
    /// It was told it will be taken away (a spot interruption notice): it drains but stays up,
    /// idle or not, until its owner terminates it ([`super::Pool::interrupt`]).
    pub interrupted: bool,
    /// It is one of the owner's minimum (always-ready) replicas: never retired, never put on
    /// standby, and metered apart ([`super::ActiveTime`]).
    pub pinned: bool,
    /// Since when it has been active (booting, or at least one request in flight) in a pool
    /// that meters active time; `None` while idle.
    pub active_since: Option<SimTime>,
    /// Its closed active periods as billed (each rounded up by the pool's meter), µs.
    pub billed_us: u64,
    /// Its last closed active period: (start, billed µs), while the replica may still become
    /// active within the billed time (which then continues that period).
    pub last_period: Option<(SimTime, u64)>,
    /// When it went on standby, while it is ([`State::Standby`]).
    pub standby_since: Option<SimTime>,
    /// It drains to standby rather than to termination.
    pub then_standby: bool,
}

impl Replica {
    /// A new replica, launched at `now`, in the given state, with a warm-up that starts when it
    /// enters service.
    pub fn launch(now: SimTime, state: State, warmup: SimDuration) -> Self {
        Replica {
            state,
            launched: now,
            in_flight: 0,
            work: Sharing::new(now),
            generation: 0,
            due: None,
            period_cpu_core_s: 0.0,
            in_service_since: (state == State::InService).then_some(now),
            warmup,
            terminated_at: None,
            interrupted: false,
            pinned: false,
            active_since: None,
            last_period: None,
            billed_us: 0,
            standby_since: None,
            then_standby: false,
        }
    }

    /// From when its metrics count and it counts as current capacity: the end of its warm-up,
    /// which starts when it enters service (InService), not at launch (Amazon EC2 Auto Scaling
    /// user guide, "Set the default instance warmup for an Auto Scaling group", 2024: the warm-up
    /// is how long after an instance reaches the InService state it waits before contributing
    /// usage data; 0–3,600 s). `None` while it has not entered service.
    pub fn warm_from(&self) -> Option<SimTime> {
        self.in_service_since.map(|t| t + self.warmup)
    }

    /// Whether it is in service and past its warm-up at `now`.
    pub fn is_warm(&self, now: SimTime) -> bool {
        self.warm_from().is_some_and(|t| t <= now)
    }

    /// Bring the CPU account up to `now` on `vcpus`; returns the core-seconds added.
    #[inline]
    pub fn advance(&mut self, now: SimTime, vcpus: f64) -> f64 {
        let used = self.work.advance(now, vcpus);
        self.period_cpu_core_s += used;
        used
    }

    /// The request that finishes next is done (call `advance` first).
    #[inline]
    pub fn finish_next(&mut self) -> Option<Running> {
        let r = self.work.pop_next()?;
        self.in_flight -= 1;
        Some(r)
    }

    /// Take every running request off it (at the end of the deregistration delay, or of an
    /// interruption notice).
    pub fn abandon_all(&mut self) -> Vec<Running> {
        self.in_flight = 0;
        self.generation = self.generation.wrapping_add(1);
        self.due = None;
        self.work.drain()
    }
}
