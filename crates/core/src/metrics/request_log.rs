//! The fate of each request, for an optional per-request log. Models hand every finished request
//! to a [`RequestSink`]; what the sink keeps and where it writes is the caller's business.

use crate::engine::SimTime;

/// How a request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestOutcome {
    /// Served.
    Completed,
    /// Refused by a concurrency limit.
    Throttled,
    /// Dropped after waiting too long (or when its server's deregistration delay ran out).
    TimedOut,
    /// Still running or queued at the horizon.
    InFlight,
}

impl RequestOutcome {
    /// Lower-case name for files.
    pub fn name(self) -> &'static str {
        match self {
            RequestOutcome::Completed => "completed",
            RequestOutcome::Throttled => "throttled",
            RequestOutcome::TimedOut => "timed_out",
            RequestOutcome::InFlight => "in_flight",
        }
    }
}

/// One request, as the log records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestRecord {
    /// When it arrived.
    pub arrival: SimTime,
    /// When it got an environment or a slot (`None` if it never did).
    pub start: Option<SimTime>,
    /// When it completed, was refused or dropped (`None` if still in flight).
    pub end: Option<SimTime>,
    /// Whether it started a new environment.
    pub cold: bool,
    /// How it ended.
    pub outcome: RequestOutcome,
    /// Which function of the traffic it called (0 when the traffic names none).
    pub function: u32,
}

/// Receives every request's record, in the order their fates are decided.
pub trait RequestSink: Send {
    /// One request is done (or the horizon came).
    fn record(&mut self, record: RequestRecord);
}
