//! Offerings: one file per product, holding what makes it that product on the run-and-bill
//! side — its model built from its spec, its [`Meter`](crate::usage::Meter), its invoice lines,
//! its interval cost, its one-line description, its [`PlatformFamily`] and its lines of
//! `scalesim presets`. The generic pricing schemes stay in [`crate::billing::schemes`]; each
//! product names those it is billed by.
//!
//! The runner ([`crate::sim`]) names no product: it calls [`run`], and this file dispatches on
//! [`PlatformSpec`] with one `match` per operation, one line per product, so the compiler lists
//! every place a new product must be handled. `docs/adding-a-product.md` is the recipe.

pub mod ec2;
pub mod lambda;

use crate::billing::{Invoice, Period, accrue};
use crate::engine::{RngStreams, SimTime};
use crate::metrics::{FunctionOutcome, IntervalRow, RequestSink};
use crate::platform::{Outcome, PlatformFamily};
use crate::results::{
    FunctionReport, RunReport, VariantReport, cost_per_million_arrived, slo_misses,
};
use crate::scenario::{PlatformSpec, Scenario, Variant};
use crate::traffic::Requests;

/// What a product's run needs from the runner: the scenario and variant, the random streams,
/// the variant's stream of requests, where simulated time is reported, and the request log.
pub struct RunCtx<'a, 'r> {
    /// The scenario being run.
    pub scenario: &'a Scenario,
    /// The variant to simulate.
    pub variant: &'a Variant,
    /// The run's random streams (each product draws from streams named after the variant).
    pub streams: &'a RngStreams,
    /// The requests, the same for every variant.
    pub requests: &'r mut Requests<'a>,
    /// Called with the simulated time as it passes.
    pub progress: &'r mut dyn FnMut(SimTime),
    /// Where every request's record goes, if anywhere.
    pub log: Option<&'r mut dyn RequestSink>,
}

/// Simulate `spec` on the context's requests and bill it: the variant's result.
pub fn run(spec: &PlatformSpec, cx: RunCtx<'_, '_>) -> VariantReport {
    match spec {
        PlatformSpec::Lambda { function, billing } => lambda::run(function, billing, cx),
        PlatformSpec::Ec2 {
            fleet,
            policy,
            billing,
        } => ec2::run(fleet, policy, billing, cx),
    }
}

/// The family of the product `spec` configures.
pub fn family(spec: &PlatformSpec) -> PlatformFamily {
    match spec {
        PlatformSpec::Lambda { .. } => lambda::FAMILY,
        PlatformSpec::Ec2 { .. } => ec2::FAMILY,
    }
}

/// What a planner should know about a variant's result that its product alone can tell (a
/// Lambda variant whose every invocation hit the function timeout), if anything.
pub fn warning(spec: &PlatformSpec, variant: &str, report: &VariantReport) -> Option<String> {
    match spec {
        PlatformSpec::Lambda { function, .. } => lambda::warning(function, variant, report),
        PlatformSpec::Ec2 { .. } => None,
    }
}

/// Every product's name as scenario files and reports write it (`platform = "lambda"`), with its
/// family.
const PRODUCTS: [(&str, PlatformFamily); 2] =
    [(lambda::KIND, lambda::FAMILY), (ec2::KIND, ec2::FAMILY)];

/// Give every variant of a report read back from `summary.json` its family again (the file
/// does not carry it), from its `platform` name.
///
/// # Errors
/// The first variant whose `platform` names no product, as a sentence.
pub fn restore_families(report: &mut RunReport) -> Result<(), String> {
    for v in &mut report.variants {
        v.family = PRODUCTS
            .iter()
            .find(|(kind, _)| *kind == v.platform)
            .map(|&(_, family)| family)
            .ok_or_else(|| {
                let known: Vec<&str> = PRODUCTS.iter().map(|p| p.0).collect();
                format!(
                    "variant {}: platform {:?} is none of {}",
                    v.name,
                    v.platform,
                    known.join(", ")
                )
            })?;
    }
    Ok(())
}

/// `scalesim presets`: every product's catalog prices, limits and presets.
pub fn presets_text() -> String {
    let mut s = format!(
        "Price catalog (USD, us-east-1, on-demand, checked {})\n\n",
        crate::billing::catalog::CATALOG_AS_OF
    );
    s += &ec2::presets();
    s += &lambda::presets();
    s += &format!(
        "\nLoad balancer: {}. API Gateway HTTP API: {}.\n",
        ec2::front_door_prices(),
        lambda::front_door_prices()
    );
    s
}

/// How a product turns its usage into money: the three questions the runner's bill asks.
trait Bills {
    /// The product's metered usage.
    type Usage;
    /// The invoice of `usage` over `period`.
    fn invoice(&self, usage: &Self::Usage, period: Period) -> Invoice;
    /// One interval's cost at list rates (a shape, fitted to the invoice by [`accrue`]);
    /// `interval_s` is its length.
    fn interval_cost(&self, row: &IntervalRow, interval_s: f64) -> f64;
    /// The weight of a function's share of the bill (traffic that names functions).
    fn function_weight(&self, f: &FunctionOutcome) -> f64;
}

/// Bill `outcome` for the horizon and the 730-hour month and assemble the variant's result.
fn variant_report<B: Bills>(
    scenario: &Scenario,
    variant: &Variant,
    family: PlatformFamily,
    description: String,
    outcome: Outcome<B::Usage>,
    bills: &B,
) -> VariantReport {
    let horizon_s = scenario.horizon.as_secs_f64();
    let cost = bills.invoice(&outcome.usage, Period::horizon(horizon_s));
    let projection_monthly = bills.invoice(&outcome.usage, Period::monthly(horizon_s));
    let slo = scenario.slo;
    let mut timeseries = outcome.timeseries;
    let mut start_s = 0.0;
    let mut costs: Vec<f64> = timeseries
        .iter()
        .map(|row| {
            let cost = bills.interval_cost(row, row.end_s - start_s);
            start_s = row.end_s;
            cost
        })
        .collect();
    accrue(&mut costs, cost.total_usd);
    for (row, c) in timeseries.iter_mut().zip(costs) {
        row.cost_usd = c;
    }
    let pct = |n: u64, of: u64| {
        if of == 0 {
            0.0
        } else {
            100.0 * n as f64 / of as f64
        }
    };
    let mut shares: Vec<f64> = outcome
        .functions
        .iter()
        .map(|f| bills.function_weight(f))
        .collect();
    accrue(&mut shares, cost.total_usd);
    let functions = scenario
        .traffic
        .functions()
        .iter()
        .zip(&outcome.functions)
        .zip(shares)
        .map(|((info, f), cost_usd)| FunctionReport {
            name: info.name.clone(),
            requests: f.counters,
            cold_start_pct: pct(
                f.counters.cold_starts,
                f.counters.arrived - f.counters.throttled,
            ),
            latency_ms: f.latency,
            memory_mb: f.memory_mb,
            busy_s: f.busy_s,
            cost_usd,
        })
        .collect();
    let c = outcome.counters;
    let (throttled_pct, timed_out_pct) = (pct(c.throttled, c.arrived), pct(c.timed_out, c.arrived));
    let slo_missed_by = slo.map_or_else(Vec::new, |slo| {
        slo_misses(&slo, outcome.latency.p99_ms, throttled_pct, timed_out_pct)
    });
    let slo_met = slo.map(|_| slo_missed_by.is_empty());
    VariantReport {
        name: variant.name.clone(),
        platform: variant.platform.kind().to_string(),
        family,
        description,
        requests: c,
        cold_start_pct: pct(c.cold_starts, c.arrived - c.throttled),
        throttled_pct,
        timed_out_pct,
        latency_ms: outcome.latency,
        latency_cdf: outcome.latency_cdf,
        capacity: outcome.capacity,
        queueing: outcome.queueing,
        cost_per_million_arrived_usd: cost_per_million_arrived(cost.total_usd, c.arrived),
        cost,
        projection_monthly,
        slo_met,
        slo_missed_by,
        scaling_activities: outcome.activities,
        functions,
        timeseries,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report read back from JSON gets the families its run gave it: the names this file
    /// maps back are the names scenario files use.
    #[test]
    fn families_come_back_from_product_names() {
        let s = crate::scenario::parse(
            r#"
name = "kinds"
horizon = "1m"
[traffic]
arrivals = { process = "poisson", rate_per_s = 1 }
[traffic.request]
duration = { dist = "constant", ms = 10 }
[[variant]]
name = "fn"
platform = "lambda"
memory_mb = 512
runtime = "python"
[[variant]]
name = "fleet"
platform = "ec2"
instance_type = "m7g.large"
count = 1
slots = 8
"#,
            "kinds.toml",
        )
        .expect("a valid scenario");
        let mut r = crate::sim::run(&s, &|_| {});
        let ran: Vec<PlatformFamily> = r.variants.iter().map(|v| v.family).collect();
        assert_eq!(ran, [PlatformFamily::Function, PlatformFamily::Fleet]);
        r.variants
            .iter_mut()
            .for_each(|v| v.family = PlatformFamily::Cluster);
        restore_families(&mut r).expect("known products");
        let back: Vec<PlatformFamily> = r.variants.iter().map(|v| v.family).collect();
        assert_eq!(back, ran);
        r.variants[0].platform = "cloud_run".into();
        assert!(restore_families(&mut r).is_err());
    }
}
