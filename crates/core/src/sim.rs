//! Runs a scenario: every variant on the same traffic, each in its own engine, in parallel.
//! Each variant's product ([`crate::offering`]) builds its model, runs it and bills it; this file
//! names no product. The result is plain data ([`crate::results`]).

use crate::par::*;

use crate::engine::chunks::Stretched;
use crate::engine::{RngStreams, SimTime};
use crate::metrics::RequestSink;
use crate::offering::RunCtx;
use crate::results::{Grouped, ReplaySummary, RunReport, TrafficSummary, VariantReport};
use crate::scenario::{Scenario, Variant};
use crate::traffic::ReplayTally;

/// Receives simulated microseconds as they pass, summed over variants; called from several
/// threads at once.
pub type ProgressFn<'a> = &'a (dyn Fn(u64) + Sync);

/// What a variant's run met in a replayed trace: a problem (it changed after it was checked) and
/// what the replay did with its rows (`None` for an arrival process); and what its stretches
/// did, when it ran in stretches of time, and what its function groups did, when it ran them.
type TraceRead = (
    Option<String>,
    Option<ReplayTally>,
    Option<Stretched>,
    Option<Grouped>,
);

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
    let mut problems = Vec::new();
    let mut tallies = Vec::new();
    let mut stretches = Vec::new();
    let mut function_groups = Vec::new();
    for (v, (problem, tally, chunking, grouping)) in scenario.variants.iter().zip(read) {
        problems.push(problem);
        tallies.push(tally);
        if scenario.stretches > 1 {
            let how = chunking.unwrap_or(Stretched::InOneGo(
                "only Lambda variants run in stretches: a fleet's or a container service's \
                 state (its instances' launch times, its autoscaler's history) meets a guess \
                 only by chance",
            ));
            stretches.push((v.name.clone(), how));
        }
        if scenario.function_groups > 1 {
            let how = grouping.unwrap_or_else(|| {
                Grouped::InOneGo(
                    "only Lambda variants run their functions in groups: a fleet's or a \
                     container service's instances serve every function"
                        .to_string(),
                )
            });
            function_groups.push((v.name.clone(), how));
        }
    }
    let mut problems: Vec<String> = problems.into_iter().flatten().collect();
    problems.dedup();
    let mut warnings = scenario.warnings.clone();
    warnings.extend(
        scenario
            .variants
            .iter()
            .zip(&variants)
            .filter_map(|(v, r)| v.platform.config().warning(&v.name, r, scenario.horizon)),
    );
    // Every variant replays the same requests; the first says what the replay did.
    let tally = tallies.into_iter().flatten().next();
    let horizon_s = scenario.horizon.as_secs_f64();
    warnings.extend(scenario.traffic.events_after(horizon_s));
    let profile = &scenario.traffic.profile;
    RunReport {
        scalesim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: scenario.name.clone(),
        description: scenario.description.clone(),
        seed: scenario.seed,
        horizon_s,
        interval_s: scenario.interval.as_secs_f64(),
        scenario_toml: scenario.source.clone(),
        settings: Vec::new(),
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
        stretches,
        function_groups,
    }
}

fn run_variant(
    scenario: &Scenario,
    variant: &Variant,
    streams: &RngStreams,
    progress: ProgressFn,
    log: Option<&mut dyn RequestSink>,
) -> (VariantReport, TraceRead) {
    let horizon = SimTime::ZERO + scenario.horizon;
    let mut requests = scenario.traffic.requests(streams, horizon);
    let mut reported_us = 0;
    let mut tick = |t: SimTime| {
        progress(t.as_micros() - reported_us);
        reported_us = t.as_micros();
    };
    let mut chunking = None;
    let mut grouping = None;
    let cx = RunCtx {
        scenario,
        variant,
        streams,
        requests: &mut requests,
        progress: &mut tick,
        // Reborrow for this call, shortening the trait object's lifetime to it.
        log: log.map(|l| &mut *l as &mut dyn RequestSink),
        progress_from_threads: progress,
        chunking: &mut chunking,
        grouping: &mut grouping,
    };
    let report = variant.platform.config().run(cx);
    (
        report,
        (
            requests.problem(),
            requests.replay_tally(),
            chunking,
            grouping,
        ),
    )
}
