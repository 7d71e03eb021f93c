//! Platform models: where requests run. They meter usage as a provider does, but know nothing of
//! prices or output formats.
//!
//! - [`books`]: one set of books for every model (each request's fate → counters, interval
//!   series, per-function tallies, request log; conservation checked once).
//! - [`serverless`]: Lambda's fast path (one request per environment, the lazy keep-alive deque).
//! - [`pool`]: a reusable pool of replicas serving requests in slots (dispatch, queue, processor
//!   sharing) — the base of server fleets, container services and pods.
//! - [`iaas`]: server fleets (EC2, Compute Engine, Azure VMs), built on the pool.
//! - [`containers`]: serverless containers (Cloud Run, Knative, Azure Functions), built on the
//!   pool: per-instance concurrency, minimum instances, scaling from zero on arrival, a scaler
//!   on windowed concurrency, active-time metering.

pub mod books;
pub mod containers;
pub mod iaas;
pub mod pool;
pub mod serverless;

use serde::{Deserialize, Serialize};

use crate::metrics::{Counters, FunctionOutcome, IntervalRow, LatencySummary};
use crate::traffic::{RequestProfile, Work};

/// The kind of machinery a product runs on: what reports ask instead of a product's name.
///
/// A product (an [`crate::offering`]) names its family; renderers decide what to show from it
/// (a cold-start column, idle capacity, scaling actions), so a new product of a known family
/// needs no change in `report/`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PlatformFamily {
    /// Functions: one request per execution environment, environments made on demand and
    /// reclaimed when idle, billed per use (AWS Lambda).
    #[default]
    Function,
    /// Serverless containers: replicas that serve several requests each, scaled on requests
    /// (Cloud Run, Knative, Azure Functions).
    Container,
    /// A fleet of provisioned servers behind a load balancer, fixed or autoscaled, billed while
    /// they run (EC2).
    Fleet,
    /// Pods on nodes with a cluster autoscaler (Kubernetes). No product yet.
    Cluster,
}

impl PlatformFamily {
    /// Whether capacity follows requests and is billed per use (functions, serverless
    /// containers): the side a report compares against provisioned capacity.
    pub fn is_serverless(self) -> bool {
        matches!(self, Self::Function | Self::Container)
    }

    /// Whether a request can wait for a new environment or replica (a cold start worth a
    /// column of its own).
    pub fn has_cold_starts(self) -> bool {
        matches!(self, Self::Function | Self::Container)
    }

    /// Whether a policy changes the desired capacity (and its scaling activities are recorded).
    pub fn has_scaling_policy(self) -> bool {
        matches!(self, Self::Fleet | Self::Container | Self::Cluster)
    }

    /// Whether capacity is billed while it runs, used or not, so a bill has idle capacity in
    /// it (compute × (1 − utilisation)).
    pub fn bills_idle_capacity(self) -> bool {
        matches!(self, Self::Fleet | Self::Cluster)
    }
}

/// Capacity figures over the horizon.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CapacityStats {
    /// Time-weighted mean number of instances (execution environments or servers) alive.
    pub mean_instances: f64,
    /// Most instances alive at once.
    pub peak_instances: u64,
    /// Time-weighted mean number of requests being served (Little's law: λ·E\[S\]).
    pub mean_busy: f64,
    /// Mean utilisation, 0–1: for serverless the fraction of environment time spent on
    /// requests; for a fleet the CPU utilisation (CPU-seconds used ÷ vCPU-seconds available).
    pub mean_utilisation: f64,
}

/// What a platform reports once its run is over.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome<U> {
    /// Exact request counts.
    pub counters: Counters,
    /// Latency of completed requests.
    pub latency: LatencySummary,
    /// The latency distribution, `(ms, fraction at or below)`.
    pub latency_cdf: Vec<(f64, f64)>,
    /// Instances and utilisation.
    pub capacity: CapacityStats,
    /// Platform-specific queueing figures (fleet only; zero elsewhere).
    pub queueing: QueueStats,
    /// Metered usage, for billing.
    pub usage: U,
    /// One row per reporting interval.
    pub timeseries: Vec<IntervalRow>,
    /// Every change of desired capacity (fleets), and every interruption.
    pub activities: Vec<ScalingActivity>,
    /// Instances interrupted (spot fleets; 0 elsewhere).
    pub interruptions: u64,
    /// Replayed interruptions (`interruptions_at`) that found no instance to interrupt (spot
    /// fleets; 0 elsewhere).
    pub interruptions_missed: u64,
    /// Per function, in the traffic's function order (traffic that names functions only).
    pub functions: Vec<FunctionOutcome>,
    /// When the last request completed, seconds from the start (`None` when none did).
    pub last_completion_s: Option<f64>,
}

/// A change of desired capacity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScalingActivity {
    /// When, seconds.
    pub at_s: f64,
    /// Desired capacity before.
    pub from: u32,
    /// Desired capacity after.
    pub to: u32,
    /// Why.
    pub reason: String,
}

/// How requests waited for a free slot (server fleets).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct QueueStats {
    /// Fraction of arrivals that found every slot busy and had to queue.
    pub wait_probability: f64,
    /// Mean wait in the queue over requests that started, milliseconds (zero waits included).
    pub mean_wait_ms: f64,
}

/// How long the CPU-bound part of a request takes on some hardware.
///
/// `cores` is the CPU available to one request (a Lambda's vCPU share, or an instance's vCPUs),
/// `speed` the CPU's speed relative to the reference CPU. Only `parallelism` threads can run at
/// once, so cores beyond it do not help. Returns `(wall seconds, CPU core-seconds)`.
#[inline]
pub fn cpu_time(cpu_work_s: f64, parallelism: f64, cores: f64, speed: f64) -> (f64, f64) {
    let usable = parallelism.min(cores);
    let core_s = cpu_work_s / speed;
    (core_s / usable, core_s)
}

/// How long `work` runs, alone, on hardware that gives it `cores` at `speed` (see
/// [`cpu_time`]), and the CPU core-seconds it uses: `(wall seconds, CPU core-seconds)`.
///
/// Its CPU-bound part is `cpu_fraction` of its duration. A duration on the reference CPU
/// stretches that part with the hardware; a recorded one (`work.as_recorded`: a replayed trace's
/// measured time) runs as it is, its CPU part counted as core-seconds at face value.
#[inline]
pub fn run_time(work: Work, profile: &RequestProfile, cores: f64, speed: f64) -> (f64, f64) {
    let cpu_work_s = work.duration_s * profile.cpu_fraction;
    if work.as_recorded {
        return (work.duration_s, cpu_work_s);
    }
    let (cpu_wall_s, core_s) = cpu_time(cpu_work_s, profile.parallelism, cores, speed);
    (work.duration_s - cpu_work_s + cpu_wall_s, core_s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_stretches_below_one_core_and_shrinks_only_with_threads() {
        // 100 ms of CPU work on half a vCPU takes 200 ms.
        assert_eq!(cpu_time(0.1, 1.0, 0.5, 1.0).0, 0.2);
        // A single thread gains nothing from 4 cores; four threads do.
        assert_eq!(cpu_time(0.1, 1.0, 4.0, 1.0).0, 0.1);
        assert_eq!(cpu_time(0.1, 4.0, 4.0, 1.0).0, 0.025);
        // A CPU twice as fast halves the time and the core-seconds.
        assert_eq!(cpu_time(0.1, 1.0, 1.0, 2.0), (0.05, 0.05));
    }
}
