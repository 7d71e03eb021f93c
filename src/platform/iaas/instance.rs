//! One server's lifecycle: booting → in service → draining → terminated, and the CPU it used.

use crate::engine::{SimDuration, SimTime};

/// Where an instance is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Launched, not yet serving (boot, application start, first health check).
    Booting,
    /// Registered with the load balancer, taking requests.
    InService,
    /// Deregistered: takes no new requests, finishes those in flight.
    Draining,
    /// Gone; no longer billed.
    Terminated,
}

/// An instance of the fleet.
#[derive(Clone, Debug)]
pub struct Instance {
    /// Lifecycle state.
    pub state: State,
    /// When it was launched (billing starts).
    pub launched: SimTime,
    /// Requests running on it.
    pub in_flight: u32,
    /// CPU core-seconds per second that its running requests use.
    cpu_rate: f64,
    /// CPU core-seconds used since the current metric period began.
    pub period_cpu_core_s: f64,
    /// When `period_cpu_core_s` was last brought up to date.
    cpu_since: SimTime,
    /// When it entered service, if it has.
    pub in_service_since: Option<SimTime>,
    /// Its warm-up (EC2 Auto Scaling `InstanceWarmup`), counted from when it enters service.
    pub warmup: SimDuration,
    /// When it terminated, if it has.
    pub terminated_at: Option<SimTime>,
}

impl Instance {
    /// A new instance, launched at `now`, in the given state, with a warm-up that starts when it
    /// enters service.
    pub fn launch(now: SimTime, state: State, warmup: SimDuration) -> Self {
        Instance {
            state,
            launched: now,
            in_flight: 0,
            cpu_rate: 0.0,
            period_cpu_core_s: 0.0,
            cpu_since: now,
            in_service_since: (state == State::InService).then_some(now),
            warmup,
            terminated_at: None,
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

    /// Bring the CPU account up to `now`; returns the core-seconds added.
    #[inline]
    pub fn advance(&mut self, now: SimTime) -> f64 {
        let used = self.cpu_rate * now.saturating_since(self.cpu_since).as_secs_f64();
        self.period_cpu_core_s += used;
        self.cpu_since = now;
        used
    }

    /// A request using `rate` core-seconds per second starts (call `advance` first).
    #[inline]
    pub fn start(&mut self, rate: f64) {
        self.in_flight += 1;
        self.cpu_rate += rate;
    }

    /// A request using `rate` core-seconds per second ends (call `advance` first).
    #[inline]
    pub fn finish(&mut self, rate: f64) {
        self.in_flight -= 1;
        self.cpu_rate = if self.in_flight == 0 {
            0.0
        } else {
            (self.cpu_rate - rate).max(0.0)
        };
    }

    /// Drop every running request (at the end of the deregistration delay).
    pub fn abandon_all(&mut self) -> u32 {
        let n = self.in_flight;
        self.in_flight = 0;
        self.cpu_rate = 0.0;
        n
    }
}
