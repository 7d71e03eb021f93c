//! Runs a scenario: every variant on the same traffic, each in its own engine, in parallel.
//! This is the one place that joins scenario, traffic, platform, engine and billing; the result
//! is plain report data.

use rayon::prelude::*;

use crate::autoscale::PolicySpec;
use crate::billing::{
    Invoice, Period, accrue, ec2_interval_cost, ec2_invoice, lambda_interval_cost, lambda_invoice,
    lambda_list_cost,
};
use crate::engine::{self, RngStreams, SimTime};
use crate::metrics::{FunctionOutcome, IntervalRow, RequestSink};
use crate::platform::Outcome;
use crate::platform::iaas::FleetModel;
use crate::platform::serverless::limits::MAX_TIMEOUT;
use crate::platform::serverless::{FunctionModel, FunctionSetup, lambda_memory_for};
use crate::report::verdict::slo_misses;
use crate::report::{FunctionReport, ReplaySummary, RunReport, TrafficSummary, VariantReport};
use crate::scenario::{PlatformSpec, Scenario, Variant};
use crate::traffic::ReplayTally;

/// Receives simulated microseconds as they pass, summed over variants; called from several
/// threads at once.
pub type ProgressFn<'a> = &'a (dyn Fn(u64) + Sync);

/// What a variant's run met in a replayed trace: a problem (it changed after it was checked) and
/// what the replay did with its rows (`None` for an arrival process).
type TraceRead = (Option<String>, Option<ReplayTally>);

/// Simulate every variant of `scenario` and bill it.
///
/// Variants are independent and run in parallel; the result is the same on one thread or many.
pub fn run(scenario: &Scenario, progress: ProgressFn) -> RunReport {
    let mut no_logs: Vec<Option<&mut dyn RequestSink>> = Vec::new();
    no_logs.resize_with(scenario.variants.len(), || None);
    run_logged(scenario, progress, &mut no_logs)
}

/// [`run`], handing each variant's requests to its sink in `logs` (one slot per variant, in
/// scenario order; `None` for no log). The caller finishes the sinks afterwards.
pub fn run_logged(
    scenario: &Scenario,
    progress: ProgressFn,
    logs: &mut [Option<&mut dyn RequestSink>],
) -> RunReport {
    assert_eq!(
        logs.len(),
        scenario.variants.len(),
        "bug: one log slot per variant"
    );
    let streams = RngStreams::new(scenario.seed);
    let (variants, read): (Vec<VariantReport>, Vec<TraceRead>) = scenario
        .variants
        .par_iter()
        .zip(logs.par_iter_mut())
        .map(|(v, log)| {
            // Reborrow for this call, shortening the trait object's lifetime to it.
            let log = log.as_mut().map(|l| &mut **l as &mut dyn RequestSink);
            run_variant(scenario, v, &streams, progress, log)
        })
        .unzip();
    let (problems, tallies): (Vec<_>, Vec<_>) = read.into_iter().unzip();
    let mut problems: Vec<String> = problems.into_iter().flatten().collect();
    problems.dedup();
    let mut warnings = scenario.warnings.clone();
    warnings.extend(
        scenario
            .variants
            .iter()
            .zip(&variants)
            .filter_map(|(v, r)| timeout_warning(v, r)),
    );
    // Every variant replays the same requests; the first says what the replay did.
    let tally = tallies.into_iter().flatten().next();
    let horizon_s = scenario.horizon.as_secs_f64();
    let profile = &scenario.traffic.profile;
    RunReport {
        scalesim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: scenario.name.clone(),
        description: scenario.description.clone(),
        seed: scenario.seed,
        horizon_s,
        interval_s: scenario.interval.as_secs_f64(),
        scenario_toml: scenario.source.clone(),
        traffic: TrafficSummary {
            // A replay's rate over the span its bill and projection cover: the horizon.
            mean_rate_per_s: match (scenario.traffic.mean_rate_per_s(horizon_s), tally) {
                (Some(rate), _) => rate,
                (None, Some(t)) => t.requests as f64 / horizon_s,
                (None, None) => 0.0,
            },
            mean_duration_ms: scenario.traffic.mean_duration_s() * 1_000.0,
            replay: scenario
                .traffic
                .replay()
                .map(|(spec, check)| ReplaySummary {
                    file: spec.path.display().to_string(),
                    format: spec.format.name().to_string(),
                    rows: check.rows,
                    skipped_rows: check.skipped,
                    not_dispatched_rows: check.not_dispatched,
                    not_selected_rows: check.not_selected,
                    before_window_rows: tally.map_or(0, |t| t.before_window),
                    after_window_rows: tally.map_or(0, |t| t.after_window),
                    after_horizon_rows: tally.map_or(0, |t| t.after_horizon),
                    replayed_rows: tally.map_or(0, |t| t.replayed),
                    replayed_requests: tally.map_or(0, |t| t.requests),
                    functions_in_trace: check.functions_in_trace,
                    functions_replayed: check.functions.len(),
                    reordered_max_late_s: check.max_late_s,
                }),
            cpu_fraction: profile.cpu_fraction,
            parallelism: profile.parallelism,
            request_memory_mb: profile.memory_mb,
        },
        slo: scenario.slo,
        variants,
        problems,
        warnings,
    }
}

/// A warning when every invocation of a Lambda variant ran into its function timeout: the
/// workload does not fit in a function as configured (at most 15 minutes on Lambda).
fn timeout_warning(variant: &Variant, report: &VariantReport) -> Option<String> {
    let PlatformSpec::Lambda { function, .. } = &variant.platform else {
        return None;
    };
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
            "variant {}: every one of its {invocations} finished invocations ran into its \
             function timeout of {timeout_s} s and was stopped there (billed up to it); {fix}",
            variant.name,
        )
    })
}

fn run_variant(
    scenario: &Scenario,
    variant: &Variant,
    streams: &RngStreams,
    progress: ProgressFn,
    log: Option<&mut dyn RequestSink>,
) -> (VariantReport, TraceRead) {
    let horizon = SimTime::ZERO + scenario.horizon;
    let profile = &scenario.traffic.profile;
    let mut requests = scenario.traffic.requests(streams, horizon);
    let mut reported_us = 0;
    let mut tick = |t: SimTime| {
        progress(t.as_micros() - reported_us);
        reported_us = t.as_micros();
    };
    let report = match &variant.platform {
        PlatformSpec::Lambda { function, billing } => {
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
                profile,
                &setups,
                !fns.is_empty(),
                rng,
                horizon,
                scenario.interval,
            );
            if let Some(log) = log {
                model.log_requests_to(log);
            }
            let (_, sched) = engine::run(&mut model, &mut requests, horizon, &mut tick);
            let outcome = model.finish(sched.pending_events());
            let arch = billing.arch.name();
            let gateway = if billing.api_gateway {
                " + API Gateway"
            } else {
                ""
            };
            let memory = match outcome.usage.memory_mb {
                Some(mb) => format!("{mb} MB"),
                None => "memory per function".to_string(),
            };
            let description = format!("Lambda {arch} {memory}{gateway}");
            variant_report(
                scenario,
                variant,
                description,
                outcome,
                |usage, period| lambda_invoice(usage, billing, period),
                |row, _| lambda_interval_cost(row, billing),
                |f| {
                    let gb_s = f.mb_ms as f64 / 1_024_000.0;
                    let c = &f.counters;
                    lambda_list_cost(c.arrived - c.throttled, gb_s, c.arrived, billing)
                },
            )
        }
        PlatformSpec::Ec2 {
            fleet,
            policy,
            billing,
        } => {
            let rng = streams.stream(&format!("boot/{}", variant.name));
            let mut model = FleetModel::new(
                fleet,
                profile,
                scenario.traffic.functions().len(),
                policy.build(),
                rng,
                horizon,
                scenario.interval,
            );
            if let Some(log) = log {
                model.log_requests_to(log);
            }
            let (_, sched) = engine::run(&mut model, &mut requests, horizon, &mut tick);
            let outcome = model.finish(sched.pending_events());
            let lb = if billing.load_balancer { " + ALB" } else { "" };
            let size = if matches!(policy, PolicySpec::Fixed { .. }) {
                let scheduled = if fleet.schedule.is_empty() {
                    ""
                } else {
                    ", scheduled actions"
                };
                format!("{} × {}{scheduled}", fleet.initial, billing.instance.name)
            } else {
                let (lo, hi, name) = (fleet.min, fleet.max, billing.instance.name);
                format!("{lo}–{hi} × {name}, {}", policy.name())
            };
            let description = format!("{size}, {} slots each{lb}", fleet.slots);
            variant_report(
                scenario,
                variant,
                description,
                outcome,
                |usage, period| ec2_invoice(usage, billing, period),
                |row, interval_s| ec2_interval_cost(row, billing, interval_s),
                // A shared fleet's cost goes to functions by the time it spent on each.
                |f| f.busy_s,
            )
        }
    };
    (report, (requests.problem(), requests.replay_tally()))
}

/// Bill `outcome` for the horizon and the 730-hour month and assemble the variant's report.
fn variant_report<U>(
    scenario: &Scenario,
    variant: &Variant,
    description: String,
    outcome: Outcome<U>,
    bill: impl Fn(&U, Period) -> Invoice,
    interval_cost: impl Fn(&IntervalRow, f64) -> f64,
    function_weight: impl Fn(&FunctionOutcome) -> f64,
) -> VariantReport {
    let horizon_s = scenario.horizon.as_secs_f64();
    let cost = bill(&outcome.usage, Period::horizon(horizon_s));
    let projection_monthly = bill(&outcome.usage, Period::monthly(horizon_s));
    let slo = scenario.slo;
    let mut timeseries = outcome.timeseries;
    let mut start_s = 0.0;
    let mut costs: Vec<f64> = timeseries
        .iter()
        .map(|row| {
            let cost = interval_cost(row, row.end_s - start_s);
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
    let mut shares: Vec<f64> = outcome.functions.iter().map(&function_weight).collect();
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

/// The one definition of cost per million requests: the horizon's bill over the requests that
/// *arrived* (served, throttled, timed out or in flight), × 10^6; `None` when none arrived.
pub fn cost_per_million_arrived(cost_usd: f64, arrived: u64) -> Option<f64> {
    (arrived > 0).then(|| cost_usd / arrived as f64 * 1e6)
}
