//! Reports: plain serde data with units in field names, and the formats that show it — a
//! side-by-side table, JSON and CSV. Nothing here knows the engine.

pub mod charts;
mod csv_out;
pub mod document;
mod files;
pub mod request_log;
pub mod search;
pub mod sweep;
mod table;
pub mod timeseries;
pub mod verdict;

pub use csv_out::{functions_csv, summary_csv};
pub use files::{RenderError, ReportFile, render_files};
pub use table::{activity_log, function_table, rows, summary_table, usd};

use serde::{Deserialize, Serialize};

use crate::billing::Invoice;
use crate::metrics::IntervalRow;
use crate::metrics::{Counters, LatencySummary};
use crate::platform::{CapacityStats, QueueStats, ScalingActivity};
use crate::scenario::Slo;

/// Everything one run of a scenario produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// Version of scalesim that made the report.
    pub scalesim_version: String,
    /// Scenario name.
    pub scenario: String,
    /// Scenario description.
    pub description: String,
    /// Seed of the run.
    pub seed: u64,
    /// Simulated time, seconds.
    pub horizon_s: f64,
    /// Length of a time-series interval, seconds.
    pub interval_s: f64,
    /// The scenario file as given (echoed in reports).
    pub scenario_toml: String,
    /// What the traffic looked like.
    pub traffic: TrafficSummary,
    /// The objective variants were judged against, if the scenario set one.
    pub slo: Option<Slo>,
    /// One entry per platform variant, in scenario order.
    pub variants: Vec<VariantReport>,
    /// Problems that make the run's results untrustworthy (a replayed trace that changed after
    /// it was checked); the CLI refuses to write a report that has any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// What a planner should know about the run: values of the scenario that are valid but
    /// almost certainly not meant (a CPU target of 0.5 %), and results that are right but say
    /// the setup does not fit (every invocation of a variant ran into its function timeout).
    /// The CLI prints them on stderr and the report shows them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The traffic of a run, as configured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrafficSummary {
    /// Mean arrival rate: an arrival process's long-run rate; a replay's requests before the
    /// horizon ÷ the horizon (the span its bill and projection cover).
    pub mean_rate_per_s: f64,
    /// Mean duration: on the reference CPU, or a replay's logged mean.
    pub mean_duration_ms: f64,
    /// CPU-bound fraction of a request.
    pub cpu_fraction: f64,
    /// Threads a request can use.
    pub parallelism: f64,
    /// Memory a request uses.
    pub request_memory_mb: u32,
    /// The replayed log, when the traffic came from one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<ReplaySummary>,
}

/// A replayed trace: its rows, what was skipped or left out, its functions.
///
/// Every row is accounted for: `rows` = `skipped_rows` + `not_dispatched_rows` +
/// `not_selected_rows` + `before_window_rows` + `replayed_rows` + `after_window_rows` +
/// `after_horizon_rows`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplaySummary {
    /// The file (a folder for Azure 2019).
    pub file: String,
    /// Its format.
    #[serde(default)]
    pub format: String,
    /// Data rows in it (Azure 2019: invocations).
    pub rows: u64,
    /// Rows skipped because they did not parse (`on_error = "skip"`).
    pub skipped_rows: u64,
    /// Rows of requests no target served (an ALB log's −1 processing times): not replayed.
    #[serde(default)]
    pub not_dispatched_rows: u64,
    /// Rows of functions the selection left out.
    #[serde(default)]
    pub not_selected_rows: u64,
    /// Rows before the window's `from`.
    #[serde(default)]
    pub before_window_rows: u64,
    /// Rows replayed: in the window, starting before the horizon.
    #[serde(default)]
    pub replayed_rows: u64,
    /// Requests those rows became (after `rate_multiplier`), all arriving before the horizon.
    #[serde(default)]
    pub replayed_requests: u64,
    /// Rows at or after the window's `to` (when it ends before the horizon).
    #[serde(default)]
    pub after_window_rows: u64,
    /// Rows at or after the horizon, in replay time (when it comes before the window's end).
    #[serde(default)]
    pub after_horizon_rows: u64,
    /// Functions named in the trace (0 when it names none).
    #[serde(default)]
    pub functions_in_trace: usize,
    /// Functions replayed.
    #[serde(default)]
    pub functions_replayed: usize,
    /// Rows were put in time order; the latest came this many seconds after a later start.
    #[serde(default)]
    pub reordered_max_late_s: f64,
}

/// One function of a replayed trace on one variant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FunctionReport {
    /// Its name in the trace.
    pub name: String,
    /// Exact request counts.
    pub requests: Counters,
    /// Cold starts per invocation, %.
    pub cold_start_pct: f64,
    /// Latency of its completed requests.
    pub latency_ms: LatencySummary,
    /// Its configured memory (serverless).
    pub memory_mb: Option<u32>,
    /// Request-seconds served.
    pub busy_s: f64,
    /// Its share of the horizon's bill: its own usage on serverless (free tier and tiers shared
    /// in proportion), its share of serving time on a fleet.
    pub cost_usd: f64,
}

/// The result for one platform variant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariantReport {
    /// Variant name.
    pub name: String,
    /// `lambda` or `ec2`.
    pub platform: String,
    /// One line saying what was simulated.
    pub description: String,
    /// Exact request counts.
    pub requests: Counters,
    /// Cold starts per invocation (arrivals not throttled), %.
    pub cold_start_pct: f64,
    /// Throttled per arrival, %.
    pub throttled_pct: f64,
    /// Timed out per arrival, %.
    pub timed_out_pct: f64,
    /// Latency of completed requests.
    pub latency_ms: LatencySummary,
    /// The latency distribution, `(ms, fraction of requests at or below)`.
    pub latency_cdf: Vec<(f64, f64)>,
    /// Instances and utilisation.
    pub capacity: CapacityStats,
    /// Waiting for a slot (fleets).
    pub queueing: QueueStats,
    /// The bill for the simulated horizon.
    pub cost: Invoice,
    /// The horizon's bill per million *arrived* requests (served, throttled, timed out or still
    /// in flight alike): what a planner budgets for the traffic offered, so a variant that
    /// drops requests does not look cheaper per request. `None` when no request arrived.
    pub cost_per_million_arrived_usd: Option<f64>,
    /// The bill for a 730-hour month at the horizon's average usage (a projection, not a
    /// simulation), labelled "monthly (730 h)".
    pub projection_monthly: Invoice,
    /// Whether the variant met the scenario's SLO (`None` without one).
    pub slo_met: Option<bool>,
    /// Why it misses the SLO, one reason per limit (p99, throttled + timed out); empty when it
    /// meets it or there is none. The rule: [`verdict::slo_misses`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slo_missed_by: Vec<String>,
    /// Every change of desired capacity (fleets).
    pub scaling_activities: Vec<ScalingActivity>,
    /// Per function, most requests first (traffic that names functions only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<FunctionReport>,
    /// One row per reporting interval, written to `timeseries.csv`/`.parquet`, not to JSON.
    #[serde(skip, default)]
    pub timeseries: Vec<IntervalRow>,
}

/// `summary.json`: the report, pretty-printed, ending in a newline.
pub fn summary_json(report: &RunReport) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("report data always serialises");
    s.push('\n');
    s
}
