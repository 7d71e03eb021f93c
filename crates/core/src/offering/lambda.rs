//! AWS Lambda: what makes the function model *Lambda* on the run-and-bill side — its memory per
//! function, its 1 ms meter on configured memory, its invoice (requests, GB-s in tiers, the free
//! tier, an optional API Gateway), its list-rate interval cost, its description and its presets.
//!
//! The model itself is [`crate::platform::serverless`]; the scenario schema and its validation
//! are in `scenario/` (`platform = "lambda"`).

use crate::billing::catalog::API_GATEWAY_HTTP;
use crate::billing::{CostCategory, Invoice, LambdaBilling, Period, schemes};
use crate::engine::{self, SimTime};
use crate::metrics::{FunctionOutcome, IntervalRow};
use crate::platform::PlatformFamily;
use crate::platform::serverless::limits::{self, MAX_TIMEOUT};
use crate::platform::serverless::{
    FunctionConfig, FunctionModel, FunctionSetup, RUNTIMES, lambda_memory_for,
};
use crate::results::VariantReport;
use crate::usage::{Invocations, Meter, gb_s};

use super::{Bills, RunCtx, variant_report};

/// The name scenario files and reports give it: `platform = "lambda"`.
pub const KIND: &str = crate::scenario::PlatformSpec::LAMBDA;
/// Functions.
pub const FAMILY: PlatformFamily = PlatformFamily::Function;
/// Each invocation's duration (INIT included) rounded up to 1 ms, × configured memory.
pub const METER: Meter = Meter::Millisecond;

/// Run a Lambda variant: one function per function the traffic names (its memory from the trace
/// with `memory_from_trace`), billed as Lambda bills.
pub fn run(
    function: &FunctionConfig,
    billing: &LambdaBilling,
    cx: RunCtx<'_, '_>,
) -> VariantReport {
    let RunCtx {
        scenario,
        variant,
        streams,
        requests,
        progress,
        log,
    } = cx;
    let horizon = SimTime::ZERO + scenario.horizon;
    let rng = streams.stream(&format!("cold-starts/{}", variant.name));
    let fns = scenario.traffic.functions();
    let reserved = function.reserved_concurrency.per_function(fns.len());
    let setups: Vec<FunctionSetup> = fns
        .iter()
        .zip(reserved)
        .map(|(f, reserved)| FunctionSetup {
            memory_mb: match f.memory_mb {
                Some(mb) if function.memory_from_trace => lambda_memory_for(mb),
                _ => function.memory_mb,
            },
            reserved,
        })
        .collect();
    let mut model = FunctionModel::new(
        function,
        &scenario.traffic.profile,
        &setups,
        !fns.is_empty(),
        rng,
        horizon,
        scenario.interval,
        METER,
    );
    if let Some(log) = log {
        model.log_requests_to(log);
    }
    let (_, sched) = engine::run(&mut model, &mut *requests, horizon, progress);
    let outcome = model.finish(sched.pending_events());
    let description = describe(billing, &outcome.usage);
    let bill = LambdaBill(billing);
    variant_report(scenario, variant, FAMILY, description, outcome, &bill)
}

/// "Lambda x86_64 512 MB + API Gateway".
pub fn describe(billing: &LambdaBilling, usage: &Invocations) -> String {
    let gateway = if billing.api_gateway {
        " + API Gateway"
    } else {
        ""
    };
    format!(
        "Lambda {} {}{gateway}",
        billing.arch.name(),
        memory_label(usage)
    )
}

/// The memory of a variant: "512 MB", or "memory per function" when its functions differ.
fn memory_label(usage: &Invocations) -> String {
    match usage.memory_mb {
        Some(mb) => format!("{mb} MB"),
        None => "memory per function".to_string(),
    }
}

/// The invoice of one Lambda variant: requests, GB-seconds (INIT included) in tiers less the
/// free tier when it applies, and API Gateway HTTP API requests when it fronts the function.
pub fn invoice(usage: &Invocations, billing: &LambdaBilling, period: Period) -> Invoice {
    let prices = billing.prices();
    let k = period.usage_scale;
    let month = period.month_fraction();
    let free = |allowance: f64| {
        if billing.free_tier {
            allowance * month
        } else {
            0.0
        }
    };
    let requests = usage.invocations as f64 * k;
    let gb_s = usage.gb_s() * k;
    let arch = billing.arch.name();
    let mut lines = vec![
        schemes::per_unit(
            "Lambda requests".into(),
            CostCategory::Requests,
            requests,
            "requests",
            free(prices.free_requests),
            prices.request_usd,
        ),
        schemes::tiered(
            format!(
                "Lambda duration incl. INIT ({arch}, {})",
                memory_label(usage)
            ),
            CostCategory::Compute,
            gb_s,
            "GB-s",
            free(prices.free_gb_s),
            prices.gb_s_tiers,
            month,
        ),
    ];
    if billing.api_gateway {
        lines.push(schemes::tiered(
            "API Gateway HTTP API requests".into(),
            CostCategory::Gateway,
            usage.front_door_requests as f64 * k,
            "requests",
            0.0,
            API_GATEWAY_HTTP,
            month,
        ));
    }
    Invoice::new(period, lines)
}

/// Cost at list rates (first tier, no free tier) of `invocations` using `gb_s`, with
/// `front_door` requests through the gateway: the shape of cost over time and the weight of a
/// function's share of the bill.
pub fn list_cost(invocations: u64, gb_s: f64, front_door: u64, billing: &LambdaBilling) -> f64 {
    let prices = billing.prices();
    let gateway = if billing.api_gateway {
        front_door as f64 * API_GATEWAY_HTTP[0].usd_per_unit
    } else {
        0.0
    };
    invocations as f64 * prices.request_usd + gb_s * prices.gb_s_tiers[0].usd_per_unit + gateway
}

/// Lambda's bill, for the runner.
struct LambdaBill<'a>(&'a LambdaBilling);

impl Bills for LambdaBill<'_> {
    type Usage = Invocations;

    fn invoice(&self, usage: &Invocations, period: Period) -> Invoice {
        invoice(usage, self.0, period)
    }

    fn interval_cost(&self, row: &IntervalRow, _interval_s: f64) -> f64 {
        list_cost(row.usage_requests, row.usage_compute, row.arrivals, self.0)
    }

    fn function_weight(&self, f: &FunctionOutcome) -> f64 {
        let c = &f.counters;
        list_cost(c.arrived - c.throttled, gb_s(f.mb_ms), c.arrived, self.0)
    }
}

/// A warning when every invocation of the variant ran into its function timeout: the workload
/// does not fit in a function as configured (at most 15 minutes on Lambda).
pub fn warning(function: &FunctionConfig, variant: &str, report: &VariantReport) -> Option<String> {
    let c = &report.requests;
    let invocations = c.arrived - c.throttled - c.in_flight_at_end;
    (invocations > 0 && c.timed_out == invocations).then(|| {
        let timeout_s = function.timeout.as_secs_f64();
        let fix = if function.timeout < MAX_TIMEOUT {
            format!(
                "raise `timeout` (at most {} s, Lambda's maximum) or split the work",
                MAX_TIMEOUT.as_secs_f64()
            )
        } else {
            "Lambda allows no more than 900 s: the work does not fit in a function".to_string()
        };
        format!(
            "variant {variant}: every one of its {invocations} finished invocations ran into its \
             function timeout of {timeout_s} s and was stopped there (billed up to it); {fix}",
        )
    })
}

/// Lambda's lines of `scalesim presets`: prices per architecture, limits, cold-start presets.
pub fn presets() -> String {
    let mut s = format!("\nLambda (platform = \"{KIND}\"):\n");
    for (arch, p) in [
        ("x86_64", &crate::billing::catalog::LAMBDA_X86_64),
        ("arm64", &crate::billing::catalog::LAMBDA_ARM64),
    ] {
        let tiers: Vec<String> = p
            .gb_s_tiers
            .iter()
            .map(|t| format!("${}", t.usd_per_unit))
            .collect();
        s += &format!(
            "  {arch:<7} ${:.2} per million requests, GB-s tiers {}\n",
            p.request_usd * 1e6,
            tiers.join(" / ")
        );
    }
    s += &format!(
        "  limits: account concurrency (concurrency) default {}, shared by functions, at least {} \
         unreserved;\n          {} invocations per second per unit of it; {} new environments per \
         function per {} s;\n          timeout {}–{} s (default {} s)\n",
        limits::DEFAULT_CONCURRENCY,
        limits::MIN_UNRESERVED_CONCURRENCY,
        limits::REQUESTS_PER_SECOND_PER_CONCURRENCY,
        limits::SCALE_OUT_ENVIRONMENTS,
        limits::SCALE_OUT_WINDOW.as_secs_f64(),
        limits::MIN_TIMEOUT.as_secs_f64(),
        limits::MAX_TIMEOUT.as_secs_f64(),
        limits::MAX_TIMEOUT.as_secs_f64(),
    );
    s += "\nCold-start presets (runtime = ...), lognormal INIT latency:\n";
    for r in RUNTIMES {
        s += &format!(
            "  {:<7} median {:>6.1} ms  p99 {:>6.1} ms\n",
            r.name, r.median_ms, r.p99_ms
        );
    }
    s
}

/// The price of the gateway that can front a function, from the catalog: "$1.00 per million
/// requests (first 300M)".
pub fn front_door_prices() -> String {
    let first = API_GATEWAY_HTTP[0];
    format!(
        "${:.2} per million requests (first {}M)",
        first.usd_per_unit * 1e6,
        first.up_to / 1e6
    )
}
