//! Traffic: when requests arrive and how much work each brings.

mod arrivals;
pub mod replay;

pub use arrivals::{ArrivalProcess, ArrivalTimes};
pub use replay::{Durations, FunctionInfo, ReplayCheck, ReplayControls, ReplaySpec, ReplayTally};

use crate::dist::DurationDist;
use crate::engine::{RngStreams, SimRng, SimTime};

/// What a request needs, independent of where it runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Work {
    /// Wall-clock duration, seconds: on the reference CPU (one Lambda vCPU, i.e. 1,769 MB), or
    /// as recorded when `as_recorded`.
    pub duration_s: f64,
    /// The duration is a trace's recorded wall-clock time, to be run as it is on any platform
    /// (its CPU part, `cpu_fraction` of it, still counts as CPU core-seconds); otherwise its
    /// CPU-bound part stretches with the CPU a platform gives it.
    pub as_recorded: bool,
    /// Which function of the traffic it calls (index into [`Traffic::functions`]; 0 when the
    /// traffic has one unnamed function).
    pub function: u32,
}

/// The shape of every request in a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestProfile {
    /// Duration on the reference CPU (`None` when a replayed log gives every duration).
    pub duration: Option<DurationDist>,
    /// Fraction of the duration that is CPU-bound (0–1); the rest is waiting on I/O.
    pub cpu_fraction: f64,
    /// How many threads the CPU-bound part can use at once (≥ 1).
    pub parallelism: f64,
    /// Memory a request uses, MB.
    pub memory_mb: u32,
    /// Bytes of a request as a load balancer processes it (headers and body).
    pub request_bytes: u64,
    /// Bytes of its response (headers and body).
    pub response_bytes: u64,
}

/// Where requests come from.
#[derive(Clone, Debug, PartialEq)]
pub enum Arrivals {
    /// A synthetic arrival process.
    Process(ArrivalProcess),
    /// A recorded request log, checked.
    Replay {
        /// The log.
        spec: ReplaySpec,
        /// What checking it found.
        check: ReplayCheck,
    },
}

/// Traffic of a scenario: arrivals plus a request profile.
#[derive(Clone, Debug, PartialEq)]
pub struct Traffic {
    /// When requests arrive.
    pub arrivals: Arrivals,
    /// What each request needs.
    pub profile: RequestProfile,
}

impl Traffic {
    /// The stream of requests before `horizon`, identical for every platform variant of a run:
    /// arrival times and durations each come from their own stream of `streams`.
    pub fn requests<'a>(&'a self, streams: &RngStreams, horizon: SimTime) -> Requests<'a> {
        let rng = streams.stream("traffic/durations");
        let duration = self.profile.duration.as_ref();
        match &self.arrivals {
            Arrivals::Process(p) => Requests::Synthetic {
                times: p.times(streams.stream("traffic/arrivals")),
                duration,
                rng,
            },
            Arrivals::Replay { spec, check } => Requests::Replay {
                rows: replay::rows(spec, check, streams.stream("traffic/replay"), horizon),
                as_recorded: spec.durations == Durations::AsRecorded,
                duration,
                rng,
            },
        }
    }

    /// Mean arrival rate over `[0, horizon_s)`, per second, of an arrival process. A replay's
    /// is known once it has run — the requests it replayed before the horizon ÷ the horizon
    /// ([`ReplayTally::requests`]), the span its bill covers too — so this is `None` for one.
    pub fn mean_rate_per_s(&self, horizon_s: f64) -> Option<f64> {
        match &self.arrivals {
            Arrivals::Process(p) => Some(p.mean_rate_per_s(horizon_s)),
            Arrivals::Replay { .. } => None,
        }
    }

    /// The named functions requests call, most requests first; empty when the traffic does not
    /// name functions (every request then calls function 0).
    pub fn functions(&self) -> &[FunctionInfo] {
        match &self.arrivals {
            Arrivals::Replay { check, .. } if check.named => &check.functions,
            _ => &[],
        }
    }

    /// Mean duration, seconds: a replay's logged mean (as recorded, or on the reference CPU
    /// with `durations = "reference_cpu"`), else the profile's, on the reference CPU.
    pub fn mean_duration_s(&self) -> f64 {
        match (&self.arrivals, &self.profile.duration) {
            (Arrivals::Replay { check, .. }, _) if check.mean_duration_s.is_some() => {
                check.mean_duration_s.unwrap_or_default()
            }
            (_, Some(d)) => d.mean_secs(),
            (_, None) => 0.0,
        }
    }
}

/// A sorted stream of `(arrival time, work)`.
pub enum Requests<'a> {
    /// From an arrival process, durations drawn from the profile.
    Synthetic {
        /// Arrival times.
        times: ArrivalTimes<'a>,
        /// Duration distribution.
        duration: Option<&'a DurationDist>,
        /// Stream for durations.
        rng: SimRng,
    },
    /// From a log; durations logged, else drawn from the profile.
    Replay {
        /// Rows of the log.
        rows: replay::Replay,
        /// Whether logged durations run as recorded.
        as_recorded: bool,
        /// Duration distribution for rows without one.
        duration: Option<&'a DurationDist>,
        /// Stream for durations.
        rng: SimRng,
    },
}

impl Requests<'_> {
    /// A problem met while reading a replayed trace (it changed after it was checked).
    pub fn problem(&self) -> Option<String> {
        match self {
            Requests::Replay { rows, .. } => rows.problem(),
            Requests::Synthetic { .. } => None,
        }
    }

    /// What a replay did with the trace's rows (`None` for an arrival process); complete once
    /// the requests have run out.
    pub fn replay_tally(&self) -> Option<ReplayTally> {
        match self {
            Requests::Replay { rows, .. } => Some(rows.tally()),
            Requests::Synthetic { .. } => None,
        }
    }
}

impl Iterator for Requests<'_> {
    type Item = (SimTime, Work);

    #[inline]
    fn next(&mut self) -> Option<(SimTime, Work)> {
        match self {
            Requests::Synthetic {
                times,
                duration,
                rng,
            } => {
                let t = times.next()?;
                let duration_s = duration.map_or(0.0, |d| d.sample(rng));
                Some((
                    t,
                    Work {
                        duration_s,
                        as_recorded: false,
                        function: 0,
                    },
                ))
            }
            Requests::Replay {
                rows,
                as_recorded,
                duration,
                rng,
            } => {
                let (t, logged, function) = rows.next()?;
                // A row without a duration takes the profile's, on the reference CPU.
                let work = match logged {
                    Some(duration_s) => Work {
                        duration_s,
                        as_recorded: *as_recorded,
                        function,
                    },
                    None => Work {
                        duration_s: duration.map_or(0.0, |d| d.sample(rng)),
                        as_recorded: false,
                        function,
                    },
                };
                Some((t, work))
            }
        }
    }
}
