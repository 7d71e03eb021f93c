//! Processor sharing on one replica (an instance): the requests running on it share its vCPUs.
//!
//! Each request would use `demand` cores on average if it ran alone (its CPU core-seconds over
//! its solo duration, at most the cores it can use). While the demands of the running requests
//! add up to no more than the vCPUs, every request runs at full speed; beyond, every request is
//! slowed by the same factor vCPUs ÷ total demand, so the instance uses exactly its vCPUs and no
//! more, and every request still receives all the CPU work it needs (the work is conserved).
//!
//! Because all requests on an instance progress at the same speed, progress is kept as one
//! *virtual time* per instance (solo-seconds every running request has progressed): a request
//! finishes when the virtual time reaches its start plus its solo duration, so only the next
//! request to finish needs an event, and a start or a finish reschedules that one event.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::engine::{SimDuration, SimTime};
use crate::traffic::Work;

/// A request running on an instance.
#[derive(Clone, Copy, Debug)]
pub struct Running {
    /// Virtual time at which it is done.
    v_end: f64,
    /// Order of starting, to break ties.
    seq: u64,
    /// Cores it uses when running alone.
    demand: f64,
    /// When it arrived at the load balancer.
    pub arrival: SimTime,
    /// When it started on the instance.
    pub start: SimTime,
    /// The request as it arrived (its function; what a retry runs again).
    pub work: Work,
    /// It waited for its replica to start (a cold start; always `false` in a pool that does
    /// not count them).
    pub cold: bool,
}

impl PartialEq for Running {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Running {}
impl PartialOrd for Running {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Running {
    /// Reversed, so that the max-heap pops the earliest finish (then the earliest start).
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .v_end
            .total_cmp(&self.v_end)
            .then(other.seq.cmp(&self.seq))
    }
}

/// The requests running on one instance and the CPU they use.
#[derive(Clone, Debug, Default)]
pub struct Sharing {
    /// Solo-seconds every running request has progressed since the instance launched.
    v: f64,
    /// When `v` was last brought up to date.
    since: SimTime,
    /// Sum of the running requests' demands, cores.
    demand: f64,
    running: BinaryHeap<Running>,
}

impl Sharing {
    /// Nothing running, accounts up to date at `now`.
    pub fn new(now: SimTime) -> Self {
        Sharing {
            since: now,
            ..Sharing::default()
        }
    }

    /// Speed of every running request relative to running alone (1 unless oversubscribed).
    #[inline]
    fn speed(&self, vcpus: f64) -> f64 {
        if self.demand <= vcpus {
            1.0
        } else {
            vcpus / self.demand
        }
    }

    /// Bring the accounts up to `now` on `vcpus`; returns the core-seconds used since the last
    /// call (never more than `vcpus` × the time elapsed).
    #[inline]
    pub fn advance(&mut self, now: SimTime, vcpus: f64) -> f64 {
        let dt = now.saturating_since(self.since).as_secs_f64();
        self.since = now;
        if self.running.is_empty() || dt == 0.0 {
            return 0.0;
        }
        self.v += dt * self.speed(vcpus);
        dt * self.demand.min(vcpus)
    }

    /// Start a request (call `advance` first) that alone would take `solo_s` seconds using
    /// `core_s` core-seconds of CPU; `r` is its arrival, its start, the request and whether it
    /// is a cold start.
    #[inline]
    pub fn start(&mut self, solo_s: f64, core_s: f64, seq: u64, r: (SimTime, SimTime, Work, bool)) {
        let demand = if solo_s > 0.0 { core_s / solo_s } else { 0.0 };
        self.demand += demand;
        self.running.push(Running {
            v_end: self.v + solo_s,
            seq,
            demand,
            arrival: r.0,
            start: r.1,
            work: r.2,
            cold: r.3,
        });
    }

    /// When the next request finishes at the current speed (call `advance` first).
    #[inline]
    pub fn next_finish(&self, now: SimTime, vcpus: f64) -> Option<SimTime> {
        let next = self.running.peek()?;
        let left_s = (next.v_end - self.v).max(0.0) / self.speed(vcpus);
        Some(now + SimDuration::from_secs_f64(left_s))
    }

    /// Remove the request that finishes next (call `advance` first).
    #[inline]
    pub fn pop_next(&mut self) -> Option<Running> {
        let r = self.running.pop()?;
        self.demand = if self.running.is_empty() {
            0.0
        } else {
            (self.demand - r.demand).max(0.0)
        };
        Some(r)
    }

    /// Whether the next request is done within one microsecond at the current speed.
    #[inline]
    pub fn next_is_due(&self, vcpus: f64) -> bool {
        self.running
            .peek()
            .is_some_and(|r| r.v_end - self.v <= 1e-6 * self.speed(vcpus))
    }

    /// Remove every running request.
    pub fn drain(&mut self) -> Vec<Running> {
        self.demand = 0.0;
        std::mem::take(&mut self.running).into_vec()
    }

    /// The running requests, in no particular order.
    pub fn running(&self) -> impl Iterator<Item = &Running> {
        self.running.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: SimTime = SimTime::ZERO;
    const W: Work = Work {
        duration_s: 10.0,
        as_recorded: false,
        function: 0,
    };

    fn at(s: u64) -> SimTime {
        T0 + SimDuration::from_secs(s)
    }

    /// Four CPU-bound one-hour requests on 2 vCPUs: demand 4 cores, speed 1/2. Over 600 s the
    /// instance uses 2 × 600 = 1,200 core-seconds (100 %, not 158 %), and all four finish at
    /// 4 × 3,600 core-s / 2 vCPUs = 7,200 s.
    #[test]
    fn oversubscribed_requests_share_the_vcpus() {
        let mut s = Sharing::new(T0);
        for seq in 0..4 {
            s.start(3_600.0, 3_600.0, seq, (T0, T0, W, false));
        }
        assert_eq!(s.advance(at(600), 2.0), 1_200.0);
        assert_eq!(s.next_finish(at(600), 2.0), Some(at(7_200)));
        assert_eq!(s.advance(at(7_200), 2.0), 2.0 * 6_600.0);
        for _ in 0..4 {
            assert!(s.next_is_due(2.0));
            s.pop_next();
        }
        assert_eq!(s.next_finish(at(7_200), 2.0), None);
    }

    /// A 10 s request using 1 core alone starts alone on 1 vCPU; at 4 s a second one like it
    /// starts. Both run at half speed: the first has 6 solo-seconds left → 12 s → ends at 16 s;
    /// then the second, with 10 − 6 = 4 left alone, ends at 20 s. CPU: 1 core for 20 s = 20
    /// core-s, exactly the two requests' 10 + 10.
    #[test]
    fn a_start_slows_the_requests_already_running() {
        let mut s = Sharing::new(T0);
        s.start(10.0, 10.0, 0, (T0, T0, W, false));
        let mut used = s.advance(at(4), 1.0);
        s.start(10.0, 10.0, 1, (at(4), at(4), W, false));
        assert_eq!(s.next_finish(at(4), 1.0), Some(at(16)));
        used += s.advance(at(16), 1.0);
        assert_eq!(s.pop_next().map(|r| r.start), Some(T0));
        assert_eq!(s.next_finish(at(16), 1.0), Some(at(20)));
        used += s.advance(at(20), 1.0);
        assert!((used - 20.0).abs() < 1e-9);
    }
}
