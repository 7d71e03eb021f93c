//! What the serverless-container products share — Cloud Run (`platform = "cloud_run"`) and
//! Azure Functions (`platform = "azure_functions"`): the startup time a variant gives or takes
//! from a runtime's preset ([`startup`]), the run on the serverless-container model
//! ([`run_service`], [`crate::platform::containers`]) and the presets' lines ([`runtimes`]).
//! Each product keeps its own rules, fields and bill in its file.

use crate::dist::DurationDist;
use crate::engine::{self, SimTime};
use crate::platform::containers::{ContainerConfig, ContainerModel};
use crate::results::VariantReport;
use crate::scenario::VariantCx;
use crate::scenario::raw::RawDist;
use crate::scenario::validate::{Result, dist, join, key};
use crate::usage::ContainerUsage;

use super::extras::Served;
use super::{Bills, RunCtx, variant_report};

/// A warning when a service ran out of room: it reached its most instances (`max`, the
/// product's `max_instances`, `max_scale` or the nodes' room, `maximum_instance_count`) and
/// requests waited for a slot (10 ms or more on average) or failed — the answer then depends on that cap, not on the
/// platform, and the planner should know before comparing.
pub fn capacity_warning(variant: &str, report: &VariantReport, max: u32) -> Option<String> {
    let c = &report.requests;
    let failed = c.timed_out + c.throttled;
    let reached = report.capacity.peak_instances >= u64::from(max) && max > 0;
    // A wait worth a warning: 10 ms on average over every request started (a few ms is the
    // ordinary queueing of a busy service, not a cap).
    (reached && (failed > 0 || report.queueing.mean_wait_ms >= 10.0)).then(|| {
        format!(
            "variant {variant} reached its most instances ({max}) and requests waited \
             ({:.1} ms on average) or failed ({failed}): raise the maximum (or the nodes) or \
             lower the work per instance before reading its latency as the platform's",
            report.queueing.mean_wait_ms
        )
    })
}

/// What a service served, for the lines people forget ([`Extras::lines`](super::extras::Extras::lines)): its completed
/// requests sent their responses and wrote their logs.
pub fn served(usage: &ContainerUsage) -> Served {
    Served {
        responses: usage.completed,
        logged: usage.completed,
    }
}

/// A runtime's startup preset: (name, median s, p99 s) of a lognormal startup time.
pub type StartupPreset = (&'static str, f64, f64);

/// The startup time (the cold start) of a `kind` variant: its `cold_start` when given, else the
/// preset of its `runtime` among `presets`.
///
/// # Errors
/// An unknown runtime, an invalid `cold_start`, or neither given: an error at the field,
/// naming the presets.
pub fn startup(
    v: &VariantCx<'_>,
    kind: &str,
    runtime: Option<&str>,
    cold_start: Option<&RawDist>,
    presets: &[StartupPreset],
) -> Result<DurationDist> {
    let names: Vec<&str> = presets.iter().map(|p| p.0).collect();
    match (runtime, cold_start) {
        (_, Some(d)) => dist(v.ctx(), &join(v.base(), &[key("cold_start")]), d),
        (Some(rt), None) => presets
            .iter()
            .find(|(name, ..)| *name == rt)
            .map(|&(_, median, p99)| DurationDist::lognormal(median, p99))
            .ok_or_else(|| {
                v.error(
                    "runtime",
                    format!("unknown runtime \"{rt}\""),
                    format!(
                        "allowed: {}; or give `cold_start` explicitly",
                        names.join(", ")
                    ),
                )
            }),
        (None, None) => Err(v.error(
            "runtime",
            format!("a {kind} variant needs `runtime` or `cold_start`"),
            format!(
                "set runtime = {}, or cold_start = {{ dist = \"constant\", ms = 500 }}",
                quoted_or(&names)
            ),
        )),
    }
}

/// `"a", "b" or "c"`.
fn quoted_or(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// Simulate `service` on the context's requests (startup times drawn from the variant's own
/// stream, `cold-starts/<variant>`) and bill it with `bills`: the variant's result, described
/// as `description`.
pub fn run_service<B: Bills<Usage = ContainerUsage>>(
    service: &ContainerConfig,
    cx: RunCtx<'_, '_>,
    description: String,
    bills: &B,
) -> VariantReport {
    let RunCtx {
        scenario,
        variant,
        streams,
        requests,
        progress,
        log,
        ..
    } = cx;
    let horizon = SimTime::ZERO + scenario.horizon;
    let rng = streams.stream(&format!("cold-starts/{}", variant.name));
    let mut model = ContainerModel::new(
        service,
        &scenario.traffic.profile,
        scenario.traffic.functions().len(),
        rng,
        horizon,
        scenario.interval,
    );
    // A trace's per-function memory is what its executions were observed to use.
    if service.per_execution.is_some() {
        let profile_mb = scenario.traffic.profile.memory_mb;
        model.function_memory(
            scenario
                .traffic
                .functions()
                .iter()
                .map(|f| {
                    f.memory_mb
                        .map_or(profile_mb, |mb| mb.ceil().max(1.0) as u32)
                })
                .collect(),
        );
    }
    if let Some(log) = log {
        model.log_requests_to(log);
    }
    engine::run(&mut model, &mut *requests, horizon, progress);
    let outcome = model.finish();
    variant_report(scenario, variant, description, outcome, bills)
}

/// The startup presets as `scalesim presets` lists them: "go (median 0.12 s, p99 0.3 s), ...".
pub fn runtimes(presets: &[StartupPreset]) -> String {
    let runtimes: Vec<String> = presets
        .iter()
        .map(|(n, m, p)| format!("{n} (median {m} s, p99 {p} s)"))
        .collect();
    runtimes.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_listed_with_or() {
        assert_eq!(
            quoted_or(&["go", "rust", "python", "nodejs"]),
            "\"go\", \"rust\", \"python\" or \"nodejs\""
        );
        assert_eq!(quoted_or(&["dotnet"]), "\"dotnet\"");
    }
}
