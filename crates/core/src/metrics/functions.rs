//! Per-function tallies, for traffic that names functions (replayed traces): what happened to
//! each function's requests, their latency, the time spent serving them and (serverless) their
//! metered compute.

use serde::{Deserialize, Serialize};

use super::{Counters, LatencyRecorder, LatencySummary};
use crate::engine::SimDuration;

/// What one function's requests met, while a run goes on.
#[derive(Clone, Debug, Default)]
pub struct FunctionTally {
    /// Counts (in flight at the end is filled in when the run closes).
    pub counters: Counters,
    /// Latency of completed requests.
    pub latency: LatencyRecorder,
    /// Request-seconds served (start to end, within the horizon).
    pub busy_s: f64,
    /// Σ billed ms × MB (serverless).
    pub mb_ms: u128,
}

impl FunctionTally {
    /// A completed request.
    #[inline]
    pub fn completed(&mut self, latency: SimDuration) {
        self.counters.completed += 1;
        self.latency.record(latency);
    }

    /// The closing figures; `in_flight` requests were still running or queued at the horizon.
    pub fn outcome(&self, in_flight: u64, memory_mb: Option<u32>) -> FunctionOutcome {
        let mut counters = self.counters;
        counters.in_flight_at_end = in_flight;
        FunctionOutcome {
            counters,
            latency: self.latency.summary(),
            busy_s: self.busy_s,
            mb_ms: self.mb_ms,
            memory_mb,
        }
    }
}

/// What one function's requests met over a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FunctionOutcome {
    /// Exact counts.
    pub counters: Counters,
    /// Latency of completed requests.
    pub latency: LatencySummary,
    /// Request-seconds served.
    pub busy_s: f64,
    /// Σ billed ms × MB (serverless; 0 on a fleet).
    pub mb_ms: u128,
    /// The function's configured memory (serverless).
    pub memory_mb: Option<u32>,
}
