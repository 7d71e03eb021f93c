//! Traffic: when requests arrive and how much work each brings.

mod arrivals;
pub mod calendar;
pub mod trace;

pub use arrivals::{ArrivalProcess, ArrivalTimes};
pub use calendar::{Calendar, ClockTime, Event, Repeat};
pub use trace::{
    Durations, FunctionInfo, ReplayCheck, ReplayControls, ReplayError, ReplaySpec, ReplayTally,
    Replayed,
};

use std::sync::{Arc, Mutex};

use crate::dist::DurationDist;
use crate::engine::{BlockRng, RngStreams, SimRng, SimTime};

/// The seam between the simulation and recorded traces (as dslab-faas's `Trace`): the
/// simulation consumes a trace's requests without knowing its format, its files or the thread
/// that reads it. `scalesim_traces::Files` reads scalesim's formats (CSV, Parquet, access logs, the
/// Azure traces); a test can wrap it (to count reads) or stand in for it.
pub trait TraceReader: Send + Sync {
    /// Read the whole trace once, before anything is simulated: every row parses (or is skipped
    /// and counted), the functions and their counts, how far rows are out of time order.
    ///
    /// # Errors
    /// The trace cannot be read or replayed as `spec` describes it ([`ReplayError`]).
    fn check(&self, spec: &ReplaySpec) -> Result<ReplayCheck, ReplayError>;

    /// The requests of one run: the trace as `check` found it, `spec`'s selection and controls
    /// applied, in time order, up to `horizon` (replay time). `rng` draws the rate multiplier's
    /// choices and whatever the format draws.
    fn open(
        &self,
        spec: &ReplaySpec,
        check: &ReplayCheck,
        rng: SimRng,
        horizon: SimTime,
    ) -> Box<dyn ReplayStream>;
}

/// The requests of one replay, in time order: `(arrival time, logged duration in seconds if
/// any, selected function index)`, with what the replay met on the way.
pub trait ReplayStream: Iterator<Item = Replayed> {
    /// A problem met while reading the trace (it changed after it was checked); the requests
    /// then stop.
    fn problem(&self) -> Option<String>;
    /// What the replay did with the trace's selected rows so far; complete once it has ended.
    fn tally(&self) -> ReplayTally;
}

/// A trace that has been checked: what the check found, shared by every scenario and run of a
/// command that replays the same trace, and the reader that replays it.
#[derive(Clone)]
pub struct CheckedTrace {
    /// What checking the trace found.
    pub check: Arc<ReplayCheck>,
    /// Reads the trace for each run.
    pub reader: Arc<dyn TraceReader>,
}

impl PartialEq for CheckedTrace {
    /// Two checked traces are equal when their checks found the same (the reader is how, not
    /// what).
    fn eq(&self, other: &Self) -> bool {
        self.check == other.check
    }
}

impl std::fmt::Debug for CheckedTrace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckedTrace")
            .field("check", &self.check)
            .finish_non_exhaustive()
    }
}

/// The traces of one command: each distinct trace is checked once through `reader` and its
/// [`ReplayCheck`] shared (an [`Arc`]) by every scenario that replays it — every point of a
/// sweep, every evaluation of a break-even or cheapest search. Two specs are the same trace
/// when they read the same file the same way and select the same functions (the check does
/// not depend on the window, speed, rate multiplier or what the durations are); a failed check
/// is remembered too.
pub struct Traces {
    reader: Arc<dyn TraceReader>,
    #[allow(clippy::type_complexity)]
    checked: Mutex<Vec<(ReplaySpec, Result<Arc<ReplayCheck>, ReplayError>)>>,
}

impl Traces {
    /// Traces read by `reader`, none checked yet.
    pub fn new(reader: Arc<dyn TraceReader>) -> Traces {
        Traces {
            reader,
            checked: Mutex::new(Vec::new()),
        }
    }

    /// `spec`'s trace, checked: by the reader the first time this trace is asked for, from
    /// memory after that. Checks run one at a time (a trace asked for by several threads at
    /// once is still read once).
    ///
    /// # Errors
    /// The check's error ([`TraceReader::check`]), the same each time it is asked for.
    pub fn check(&self, spec: &ReplaySpec) -> Result<CheckedTrace, ReplayError> {
        let mut checked = self.checked.lock().unwrap_or_else(|e| e.into_inner());
        let found = checked
            .iter()
            .find(|(s, _)| s.same_trace(spec))
            .map(|(_, r)| r.clone());
        let result = match found {
            Some(r) => r,
            None => {
                let r = self.reader.check(spec).map(Arc::new);
                checked.push((spec.clone(), r.clone()));
                r
            }
        };
        result.map(|check| CheckedTrace {
            check,
            reader: Arc::clone(&self.reader),
        })
    }
}

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
    /// Bytes of logs its handling writes (`log_bytes`, 0 by default): what CloudWatch Logs
    /// ingests where the variant sends logs there.
    pub log_bytes: u64,
}

/// Where requests come from.
#[derive(Clone, Debug, PartialEq)]
pub enum Arrivals {
    /// A synthetic arrival process.
    Process(ArrivalProcess),
    /// A recorded request log.
    Replay {
        /// The log.
        spec: ReplaySpec,
        /// The log checked, with its reader; `None` until it is checked
        /// ([`crate::scenario::parse`] does not read it, [`crate::scenario::parse_with`] does).
        trace: Option<CheckedTrace>,
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
        let duration = self.profile.duration.as_ref();
        match &self.arrivals {
            Arrivals::Process(p) => {
                Requests::Synthetic(self.synthetic_from(p, streams, SimTime::ZERO))
            }
            Arrivals::Replay { spec, trace } => Requests::Replay {
                rows: match trace {
                    Some(t) => {
                        t.reader
                            .open(spec, &t.check, streams.stream("traffic/replay"), horizon)
                    }
                    None => Box::new(Unchecked),
                },
                as_recorded: spec.durations == Durations::AsRecorded,
                duration,
                rng: streams.stream("traffic/durations"),
            },
        }
    }

    /// The requests of [`Traffic::requests`] from `start` (a multiple of
    /// [`crate::engine::BLOCK`]) on — the same requests, drawn without drawing those before —
    /// when the traffic can start there: an arrival process (its draws restart at each block),
    /// not a replayed trace (reading one starts at its first row).
    pub fn requests_from<'a>(
        &'a self,
        streams: &RngStreams,
        start: SimTime,
    ) -> Option<Synthetic<'a>> {
        match &self.arrivals {
            Arrivals::Process(p) => Some(self.synthetic_from(p, streams, start)),
            Arrivals::Replay { .. } => None,
        }
    }

    /// Whether [`Traffic::requests_from`] can start anywhere: an arrival process.
    pub fn starts_anywhere(&self) -> bool {
        matches!(self.arrivals, Arrivals::Process(_))
    }

    fn synthetic_from<'a>(
        &'a self,
        p: &'a ArrivalProcess,
        streams: &RngStreams,
        start: SimTime,
    ) -> Synthetic<'a> {
        Synthetic {
            times: p.times_from(streams.blocks("traffic/arrivals"), start),
            duration: self.profile.duration.as_ref(),
            rng: BlockRng::new(streams.blocks("traffic/durations")),
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

    /// A warning for each event of the arrivals' calendar whose first occurrence starts at or
    /// after `horizon_s`: valid, but it never happens in this run (a sale on day 9 of a 7-day
    /// run).
    pub fn events_after(&self, horizon_s: f64) -> Vec<String> {
        let Arrivals::Process(ArrivalProcess::Modulated { calendar, .. }) = &self.arrivals else {
            return Vec::new();
        };
        calendar
            .events
            .iter()
            .filter(|e| e.start_s >= horizon_s)
            .map(|e| {
                let name = if e.name.is_empty() {
                    "an event".to_string()
                } else {
                    format!("the event \"{}\"", e.name)
                };
                format!(
                    "{name} starts {} s after the start, at or after the horizon ({} s): it never \
                     happens in this run",
                    e.start_s, horizon_s
                )
            })
            .collect()
    }

    /// The named functions requests call, most requests first; empty when the traffic does not
    /// name functions (every request then calls function 0).
    pub fn functions(&self) -> &[FunctionInfo] {
        match &self.arrivals {
            Arrivals::Replay { trace: Some(t), .. } if t.check.named => &t.check.functions,
            _ => &[],
        }
    }

    /// Whether the traffic replays a trace that has not been checked yet (so what depends on
    /// its content is not known).
    pub fn trace_unchecked(&self) -> bool {
        matches!(self.arrivals, Arrivals::Replay { trace: None, .. })
    }

    /// The replayed trace's spec and what checking it found (`None` for an arrival process or
    /// a trace not checked yet).
    pub fn replay(&self) -> Option<(&ReplaySpec, &ReplayCheck)> {
        match &self.arrivals {
            Arrivals::Replay {
                spec,
                trace: Some(t),
            } => Some((spec, &t.check)),
            _ => None,
        }
    }

    /// Mean duration, seconds: a replay's logged mean (as recorded, or on the reference CPU
    /// with `durations = "reference_cpu"`), else the profile's, on the reference CPU.
    pub fn mean_duration_s(&self) -> f64 {
        match (&self.arrivals, &self.profile.duration) {
            (Arrivals::Replay { trace: Some(t), .. }, _) if t.check.mean_duration_s.is_some() => {
                t.check.mean_duration_s.unwrap_or_default()
            }
            (_, Some(d)) => d.mean_secs(),
            (_, None) => 0.0,
        }
    }
}

/// The requests of an arrival process: times from the process, durations drawn from the
/// profile (from the block of their arrival).
pub struct Synthetic<'a> {
    times: ArrivalTimes<'a>,
    duration: Option<&'a DurationDist>,
    rng: BlockRng,
}

impl Iterator for Synthetic<'_> {
    type Item = (SimTime, Work);

    #[inline]
    fn next(&mut self) -> Option<(SimTime, Work)> {
        let t = self.times.next()?;
        let duration_s = self.duration.map_or(0.0, |d| d.sample(self.rng.at(t)));
        Some((
            t,
            Work {
                duration_s,
                as_recorded: false,
                function: 0,
            },
        ))
    }
}

/// A sorted stream of `(arrival time, work)`.
pub enum Requests<'a> {
    /// From an arrival process, durations drawn from the profile.
    Synthetic(Synthetic<'a>),
    /// From a log; durations logged, else drawn from the profile.
    Replay {
        /// Rows of the log.
        rows: Box<dyn ReplayStream>,
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
            Requests::Synthetic(_) => None,
        }
    }

    /// What a replay did with the trace's rows (`None` for an arrival process); complete once
    /// the requests have run out.
    pub fn replay_tally(&self) -> Option<ReplayTally> {
        match self {
            Requests::Replay { rows, .. } => Some(rows.tally()),
            Requests::Synthetic(_) => None,
        }
    }
}

/// The requests of a trace that was never checked: none, and a problem that says so (a run of
/// a scenario from [`crate::scenario::parse`] rather than [`crate::scenario::parse_with`]).
struct Unchecked;

impl Iterator for Unchecked {
    type Item = Replayed;

    fn next(&mut self) -> Option<Replayed> {
        None
    }
}

impl ReplayStream for Unchecked {
    fn problem(&self) -> Option<String> {
        Some(
            "the replayed trace was not checked before the run (parse the scenario with \
             scenario::parse_with)"
                .to_string(),
        )
    }

    fn tally(&self) -> ReplayTally {
        ReplayTally::default()
    }
}

impl Iterator for Requests<'_> {
    type Item = (SimTime, Work);

    #[inline]
    fn next(&mut self) -> Option<(SimTime, Work)> {
        match self {
            Requests::Synthetic(s) => s.next(),
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
