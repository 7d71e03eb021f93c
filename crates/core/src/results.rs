//! The result of a run as plain data: what [`crate::sim::run`] returns and scalesim-report
//! renders. Units live in field names; nothing here knows how it is shown, so experiments and
//! other consumers read results without the output room (polars, plotters).
//!
//! Serialised as it is, this is `summary.json`; every field's name and order is part of that file.

use crate::engine::chunks::Stretched;
use serde::{Deserialize, Serialize};

use crate::billing::Invoice;
use crate::metrics::IntervalRow;
use crate::metrics::{Counters, LatencySummary};
use crate::platform::{CapacityStats, PlatformFamily, QueueStats, ScalingActivity};

/// A service-level objective: limits a variant must stay within to be acceptable.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Slo {
    /// Highest acceptable 99th-percentile latency, ms.
    pub p99_ms: Option<f64>,
    /// Highest acceptable share of requests throttled or timed out, %.
    pub max_failed_pct: Option<f64>,
}

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
    /// The scenario file as run: as given, with the `--set` settings applied (echoed in
    /// reports).
    pub scenario_toml: String,
    /// The settings applied to the scenario file before it ran (`--set FIELD=VALUE`, in the
    /// order given); absent from `summary.json` when there were none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<String>,
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
    /// When stretches were asked for (`scenario.stretches > 1`): each variant by name, with
    /// what its stretches did or why it ran in one go. Not written to any file: a run cut into stretches writes
    /// exactly the files of the run in one go.
    #[serde(skip)]
    pub stretches: Vec<(String, Stretched)>,
    /// When function groups were asked for (`scenario.function_groups > 1`): each variant by
    /// name, with what its groups did or why it ran in one go. Not written to any file, for the
    /// same reason.
    #[serde(skip)]
    pub function_groups: Vec<(String, Grouped)>,
}

/// What splitting a variant's functions into groups did
/// ([`crate::platform::serverless::groups`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grouped {
    /// Its functions ran in `groups` groups at once.
    Ran {
        /// Groups run at once (no more than the functions).
        groups: usize,
        /// Functions of the trace.
        functions: usize,
    },
    /// It ran its functions together, for this reason.
    InOneGo(String),
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
    /// The product's name as scenario files write it (`lambda`, `ec2`): shown, never compared.
    pub platform: String,
    /// The product's family: what renderers ask. Not written to `summary.json` (its bytes are
    /// pinned); a report read back gets it again from `platform` with
    /// [`crate::offering::restore_families`].
    #[serde(skip)]
    pub family: PlatformFamily,
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
    /// meets it or there is none. The rule: [`slo_misses`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slo_missed_by: Vec<String>,
    /// When the last request completed, seconds from the start: a batch's makespan (`None`
    /// when nothing completed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_completion_s: Option<f64>,
    /// The reporting interval with the highest p99 and the one with the largest share of
    /// failed requests ([`worst_windows`]), so a short peak is not averaged away.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worst_p99_window: Option<Window>,
    /// See `worst_p99_window`; `None` when no interval had a failed request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worst_failed_window: Option<Window>,
    /// Every change of desired capacity (fleets), and every spot interruption's notice and
    /// termination.
    pub scaling_activities: Vec<ScalingActivity>,
    /// What to commit to, from the hourly usage (fleets): the savings plan and the
    /// reservation that cost least.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment: Option<crate::billing::advisor::CommitmentAdvice>,
    /// Instances interrupted (spot fleets): notices received over the run. Absent from
    /// `summary.json` when 0, so reports of variants that are not on spot are unchanged.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub interruptions: u64,
    /// Replayed interruptions (`interruptions_at`) that found no instance to interrupt: none in
    /// service or booting without a notice at that time. Absent from `summary.json` when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub interruptions_missed: u64,
    /// Per function, most requests first (traffic that names functions only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<FunctionReport>,
    /// One row per reporting interval, written to `timeseries.csv`/`.parquet`, not to JSON.
    #[serde(skip, default)]
    pub timeseries: Vec<IntervalRow>,
}

/// One reporting interval's figures: where a variant did worst.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Window {
    /// Start, seconds from the start of the run.
    pub start_s: f64,
    /// End, seconds.
    pub end_s: f64,
    /// Requests that arrived in it.
    pub arrivals: u64,
    /// 99th-percentile latency of the requests that completed in it, ms.
    pub p99_ms: Option<f64>,
    /// Throttled + timed out in it, per arrival in it (or per failure, when more failed than
    /// arrived: timeouts of earlier arrivals), %.
    pub failed_pct: f64,
    /// The traffic's named events under way in it (a sale, a spike), so the window says why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<String>,
}

/// Fewest completions an interval needs for its p99 to count as the worst: with fewer, the
/// "p99" is nearly the slowest single request.
pub const MIN_COMPLETIONS_FOR_P99: u64 = 100;

/// The interval with the highest p99 and the one with the largest failed share among `rows`.
///
/// The p99 is taken over intervals with at least [`MIN_COMPLETIONS_FOR_P99`] completions (over
/// all intervals when none has that many); the failed share over intervals with arrivals, and
/// only when some request failed. Ties go to the earliest interval.
pub fn worst_windows(rows: &[IntervalRow]) -> (Option<Window>, Option<Window>) {
    // Failures are counted in the interval they happen in, a timeout when it falls due, maybe
    // long after its request arrived: an interval where more requests failed than arrived (a
    // 900 s timeout's, with no arrival since) counts as 100 % failed, not as none.
    let failed_pct = |r: &IntervalRow| {
        let failed = r.throttled + r.timed_out;
        if failed == 0 {
            0.0
        } else {
            failed as f64 / r.arrivals.max(failed) as f64 * 100.0
        }
    };
    let window = |i: usize| {
        let r = &rows[i];
        Window {
            start_s: if i == 0 { 0.0 } else { rows[i - 1].end_s },
            end_s: r.end_s,
            arrivals: r.arrivals,
            p99_ms: r.p99_ms,
            failed_pct: failed_pct(r),
            events: Vec::new(),
        }
    };
    let enough = rows.iter().any(|r| r.completed >= MIN_COMPLETIONS_FOR_P99);
    // The first interval with the largest figure: a later one must be strictly worse.
    let mut p99: Option<(usize, f64)> = None;
    let mut failed: Option<(usize, f64)> = None;
    for (i, r) in rows.iter().enumerate() {
        if let Some(p) = r.p99_ms
            && (!enough || r.completed >= MIN_COMPLETIONS_FOR_P99)
            && p99.is_none_or(|(_, worst)| p > worst)
        {
            p99 = Some((i, p));
        }
        let f = failed_pct(r);
        if f > 0.0 && failed.is_none_or(|(_, worst)| f > worst) {
            failed = Some((i, f));
        }
    }
    (p99.map(|(i, _)| window(i)), failed.map(|(i, _)| window(i)))
}

/// Why figures miss `slo`, one reason per limit missed (empty: they meet it).
///
/// `p99_ms` is the 99th-percentile latency of completed requests; `throttled_pct` and
/// `timed_out_pct` are shares of arrived requests, %. The failure limit applies to throttled +
/// timed out together, as the scenario's `[slo] max_failed_pct` is documented. A limit that is
/// `None` is not checked; a NaN figure (nothing completed) misses any p99 limit.
pub fn slo_misses(slo: &Slo, p99_ms: f64, throttled_pct: f64, timed_out_pct: f64) -> Vec<String> {
    let mut why = Vec::new();
    if let Some(limit) = slo.p99_ms
        && (p99_ms.is_nan() || p99_ms > limit)
    {
        why.push(if p99_ms.is_nan() {
            format!("no p99 (nothing completed), limit {limit} ms")
        } else {
            format!("p99 {} ms > {limit} ms", round_ms(p99_ms))
        });
    }
    let failed = throttled_pct + timed_out_pct;
    if let Some(limit) = slo.max_failed_pct
        && failed > limit
    {
        let mut parts = Vec::new();
        if throttled_pct > 0.0 {
            parts.push(format!("{} throttled", pct_text(throttled_pct)));
        }
        if timed_out_pct > 0.0 {
            parts.push(format!("{} timed out", pct_text(timed_out_pct)));
        }
        why.push(format!("{} > {limit} % failed", parts.join(" + ")));
    }
    why
}

/// Whether a count is 0 (left out of `summary.json`).
fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn round_ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// A percentage with enough digits to tell a few requests in a million from none: `2.5 %`,
/// `0.200 %`, `< 0.001 %`.
pub fn pct_text(v: f64) -> String {
    if v >= 1.0 {
        format!("{v:.1} %")
    } else {
        format!("{v:.3} %").replace("0.000 %", "< 0.001 %")
    }
}

/// The one definition of cost per million requests: the horizon's bill over the requests that
/// *arrived* (served, throttled, timed out or in flight), × 10^6; `None` when none arrived.
pub fn cost_per_million_arrived(cost_usd: f64, arrived: u64) -> Option<f64> {
    (arrived > 0).then(|| cost_usd / arrived as f64 * 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three one-minute intervals: the second has the highest p99 among those with 100+
    /// completions (the third's 900 ms comes from 5 requests and does not count); the third
    /// has the most failures, 3 of 10 arrivals = 30 %.
    #[test]
    fn the_worst_window_is_named() {
        let row = |end_s, arrivals, completed, p99, throttled| IntervalRow {
            end_s,
            arrivals,
            completed,
            p99_ms: Some(p99),
            throttled,
            ..IntervalRow::default()
        };
        let rows = [
            row(60.0, 200, 200, 120.0, 0),
            row(120.0, 300, 299, 480.0, 1),
            row(180.0, 10, 5, 900.0, 3),
        ];
        let (p99, failed) = worst_windows(&rows);
        let p99 = p99.unwrap();
        assert_eq!(
            (p99.start_s, p99.end_s, p99.p99_ms),
            (60.0, 120.0, Some(480.0))
        );
        let failed = failed.unwrap();
        assert_eq!((failed.start_s, failed.failed_pct), (120.0, 30.0));
        assert_eq!(worst_windows(&rows[..1]).1, None);
    }

    /// Three requests of 20 minutes, one an hour from 0, under a 900 s timeout: each times out
    /// at 900 s after it arrived, in an interval where nothing arrives (the case
    /// lambda-timeout). The worst failed interval is the first of them, 1 failure of 1: 100 %,
    /// not "none" for want of arrivals.
    #[test]
    fn timeouts_in_an_interval_without_arrivals_are_its_failures() {
        let row = |end_s, arrivals, timed_out| IntervalRow {
            end_s,
            arrivals,
            timed_out,
            ..IntervalRow::default()
        };
        let rows = [
            row(60.0, 1, 0),
            row(900.0, 0, 0),
            row(960.0, 0, 1),
            row(3_660.0, 1, 0),
            row(4_560.0, 0, 1),
        ];
        let failed = worst_windows(&rows).1.unwrap();
        assert_eq!(
            (failed.start_s, failed.end_s, failed.failed_pct),
            (900.0, 960.0, 100.0)
        );
    }

    #[test]
    fn misses_name_each_limit() {
        let slo = Slo {
            p99_ms: Some(600.0),
            max_failed_pct: Some(0.1),
        };
        assert!(slo_misses(&slo, 600.0, 0.05, 0.05).is_empty());
        assert_eq!(
            slo_misses(&slo, 1041.2, 0.2, 0.0),
            vec!["p99 1041 ms > 600 ms", "0.200 % throttled > 0.1 % failed"]
        );
        assert_eq!(
            slo_misses(&slo, f64::NAN, 0.0, 2.5),
            vec![
                "no p99 (nothing completed), limit 600 ms",
                "2.5 % timed out > 0.1 % failed"
            ]
        );
    }
}
