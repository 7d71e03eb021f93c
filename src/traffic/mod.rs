//! Traffic: when requests arrive and how much work each brings.

mod arrivals;

pub use arrivals::{ArrivalProcess, ArrivalTimes};

use crate::dist::DurationDist;
use crate::engine::{RngStreams, SimRng, SimTime};

/// What a request needs, independent of where it runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Work {
    /// Wall-clock duration on the reference CPU (one Lambda vCPU, i.e. 1,769 MB), seconds.
    pub ref_duration_s: f64,
}

/// The shape of every request in a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestProfile {
    /// Duration on the reference CPU.
    pub duration: DurationDist,
    /// Fraction of the duration that is CPU-bound (0–1); the rest is waiting on I/O.
    pub cpu_fraction: f64,
    /// How many threads the CPU-bound part can use at once (≥ 1).
    pub parallelism: f64,
    /// Memory a request uses, MB.
    pub memory_mb: u32,
}

/// Traffic of a scenario: arrivals plus a request profile.
#[derive(Clone, Debug, PartialEq)]
pub struct Traffic {
    /// When requests arrive.
    pub arrivals: ArrivalProcess,
    /// What each request needs.
    pub profile: RequestProfile,
}

impl Traffic {
    /// The stream of requests, identical for every platform variant of a run: arrival times and
    /// durations each come from their own stream of `streams`.
    pub fn requests<'a>(&'a self, streams: &RngStreams) -> Requests<'a> {
        Requests {
            times: self.arrivals.times(streams.stream("traffic/arrivals")),
            duration: &self.profile.duration,
            rng: streams.stream("traffic/durations"),
        }
    }
}

/// A sorted stream of `(arrival time, work)`.
pub struct Requests<'a> {
    times: ArrivalTimes<'a>,
    duration: &'a DurationDist,
    rng: SimRng,
}

impl Iterator for Requests<'_> {
    type Item = (SimTime, Work);

    #[inline]
    fn next(&mut self) -> Option<(SimTime, Work)> {
        let t = self.times.next()?;
        let work = Work {
            ref_duration_s: self.duration.sample(&mut self.rng),
        };
        Some((t, work))
    }
}
