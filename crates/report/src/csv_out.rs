//! `summary.csv`: one row per variant, flat columns with units in their names.

use serde::Serialize;

use super::RunReport;
use scalesim_core::billing::CostCategory;

#[derive(Serialize)]
struct Row<'a> {
    scenario: &'a str,
    seed: u64,
    horizon_s: f64,
    variant: &'a str,
    platform: &'a str,
    arrived: u64,
    completed: u64,
    cold_starts: u64,
    throttled: u64,
    timed_out: u64,
    in_flight_at_end: u64,
    cold_start_pct: f64,
    throttled_pct: f64,
    timed_out_pct: f64,
    latency_mean_ms: Option<f64>,
    latency_p50_ms: Option<f64>,
    latency_p90_ms: Option<f64>,
    latency_p99_ms: Option<f64>,
    latency_p999_ms: Option<f64>,
    latency_max_ms: Option<f64>,
    mean_instances: f64,
    peak_instances: u64,
    mean_busy: f64,
    mean_utilisation: f64,
    wait_probability: f64,
    mean_wait_ms: f64,
    cost_usd: f64,
    cost_compute_usd: f64,
    cost_requests_usd: f64,
    cost_gateway_usd: f64,
    cost_load_balancer_usd: f64,
    cost_commitment_usd: f64,
    cost_other_usd: f64,
    cost_per_million_arrived_usd: Option<f64>,
    monthly_730h_usd: f64,
    interruptions: u64,
}

/// A latency figure, or an empty cell when nothing completed (NaN: no latency).
fn some(ms: f64) -> Option<f64> {
    (!ms.is_nan()).then_some(ms)
}

/// The summary as CSV text.
pub fn summary_csv(report: &RunReport) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    for v in &report.variants {
        let (c, l, cap) = (&v.requests, &v.latency_ms, &v.capacity);
        w.serialize(Row {
            scenario: &report.scenario,
            seed: report.seed,
            horizon_s: report.horizon_s,
            variant: &v.name,
            platform: &v.platform,
            arrived: c.arrived,
            completed: c.completed,
            cold_starts: c.cold_starts,
            throttled: c.throttled,
            timed_out: c.timed_out,
            in_flight_at_end: c.in_flight_at_end,
            cold_start_pct: v.cold_start_pct,
            throttled_pct: v.throttled_pct,
            timed_out_pct: v.timed_out_pct,
            latency_mean_ms: some(l.mean_ms),
            latency_p50_ms: some(l.p50_ms),
            latency_p90_ms: some(l.p90_ms),
            latency_p99_ms: some(l.p99_ms),
            latency_p999_ms: some(l.p999_ms),
            latency_max_ms: some(l.max_ms),
            mean_instances: cap.mean_instances,
            peak_instances: cap.peak_instances,
            mean_busy: cap.mean_busy,
            mean_utilisation: cap.mean_utilisation,
            wait_probability: v.queueing.wait_probability,
            mean_wait_ms: v.queueing.mean_wait_ms,
            cost_usd: v.cost.total_usd,
            cost_compute_usd: v.cost.category_usd(CostCategory::Compute).unwrap_or(0.0),
            cost_requests_usd: v.cost.category_usd(CostCategory::Requests).unwrap_or(0.0),
            cost_gateway_usd: v.cost.category_usd(CostCategory::Gateway).unwrap_or(0.0),
            cost_load_balancer_usd: v
                .cost
                .category_usd(CostCategory::LoadBalancer)
                .unwrap_or(0.0),
            cost_commitment_usd: v.cost.category_usd(CostCategory::Commitment).unwrap_or(0.0),
            cost_other_usd: v.cost.category_usd(CostCategory::Other).unwrap_or(0.0),
            cost_per_million_arrived_usd: v.cost_per_million_arrived_usd,
            monthly_730h_usd: v.projection_monthly.total_usd,
            interruptions: v.interruptions,
        })
        .expect("writing CSV to memory cannot fail");
    }
    String::from_utf8(w.into_inner().expect("flushing to memory cannot fail"))
        .expect("CSV of UTF-8 fields is UTF-8")
}

#[derive(Serialize)]
struct FunctionRow<'a> {
    variant: &'a str,
    function: &'a str,
    memory_mb: Option<u32>,
    arrived: u64,
    completed: u64,
    cold_starts: u64,
    throttled: u64,
    timed_out: u64,
    in_flight_at_end: u64,
    cold_start_pct: f64,
    latency_mean_ms: Option<f64>,
    latency_p50_ms: Option<f64>,
    latency_p99_ms: Option<f64>,
    latency_max_ms: Option<f64>,
    busy_s: f64,
    cost_usd: f64,
}

/// `functions.csv`: one row per variant and function; `None` when the traffic names none.
pub fn functions_csv(report: &RunReport) -> Option<String> {
    if report.variants.iter().all(|v| v.functions.is_empty()) {
        return None;
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    for v in &report.variants {
        for f in &v.functions {
            let (c, l) = (&f.requests, &f.latency_ms);
            w.serialize(FunctionRow {
                variant: &v.name,
                function: &f.name,
                memory_mb: f.memory_mb,
                arrived: c.arrived,
                completed: c.completed,
                cold_starts: c.cold_starts,
                throttled: c.throttled,
                timed_out: c.timed_out,
                in_flight_at_end: c.in_flight_at_end,
                cold_start_pct: f.cold_start_pct,
                latency_mean_ms: some(l.mean_ms),
                latency_p50_ms: some(l.p50_ms),
                latency_p99_ms: some(l.p99_ms),
                latency_max_ms: some(l.max_ms),
                busy_s: f.busy_s,
                cost_usd: f.cost_usd,
            })
            .expect("writing CSV to memory cannot fail");
        }
    }
    Some(
        String::from_utf8(w.into_inner().expect("flushing to memory cannot fail"))
            .expect("CSV of UTF-8 fields is UTF-8"),
    )
}
