//! What a report must satisfy: no accepted nonsense.

use scalesim_report::{RunReport, VariantReport};

/// Every problem of a report, one line each; empty when it makes sense.
pub fn check_report(report: &RunReport) -> Vec<String> {
    let mut problems = Vec::new();
    match serde_json::from_str(&scalesim_report::summary_json(report)) {
        Ok(json) => check_amounts(&json, "", &mut problems),
        Err(e) => problems.push(format!("summary.json does not read back: {e}")),
    }
    for v in &report.variants {
        let mut found = Vec::new();
        check_variant(v, &mut found);
        problems.extend(
            found
                .into_iter()
                .map(|p| format!("variant {}: {p}", v.name)),
        );
    }
    problems
}

/// Every amount of money, billed quantity and billing period in the summary (the horizon's bill
/// and the projection alike) is a finite number ≥ 0; serde_json writes NaN and ∞ as `null`.
/// The one amount that may be absent, the cost per million requests arrived (`null` when none
/// arrived), is checked in [`check_variant`], which can tell its `None` from a NaN.
fn check_amounts(v: &serde_json::Value, key: &str, problems: &mut Vec<String>) {
    use serde_json::Value;
    match v {
        Value::Object(m) => m
            .iter()
            .filter(|(k, _)| k.as_str() != "cost_per_million_arrived_usd")
            .for_each(|(k, v)| check_amounts(v, k, problems)),
        Value::Array(a) => a.iter().for_each(|v| check_amounts(v, key, problems)),
        _ if (key.ends_with("_usd") || ["quantity", "seconds", "usage_scale"].contains(&key))
            && !v.as_f64().is_some_and(|x| x.is_finite() && x >= 0.0) =>
        {
            problems.push(format!("{key} = {v}, not a finite amount ≥ 0"));
        }
        _ => {}
    }
}

/// Utilisation 100 %, give or take floating-point rounding.
const FULL: f64 = 1.0 + 1e-6;

fn check_variant(v: &VariantReport, problems: &mut Vec<String>) {
    let mut ensure = |ok: bool, what: &dyn Fn() -> String| {
        if !ok {
            problems.push(what());
        }
    };
    let c = &v.requests;
    ensure(c.is_conserved(), &|| {
        format!("requests not conserved: {c:?}")
    });
    // Absent exactly when no request arrived (a horizon of 1 µs: fuzzing found it flagged as
    // NaN when it was the honest "no requests, no price per request").
    let per_million = v.cost_per_million_arrived_usd;
    ensure(
        match per_million {
            None => c.arrived == 0,
            Some(x) => c.arrived > 0 && x.is_finite() && x >= 0.0,
        },
        &|| {
            format!(
                "cost per million arrived {per_million:?} with {} arrived",
                c.arrived
            )
        },
    );
    for f in &v.functions {
        let c = &f.requests;
        ensure(c.is_conserved(), &|| {
            format!("function {}: not conserved: {c:?}", f.name)
        });
    }
    let l = &v.latency_ms;
    let ladder = [l.p50_ms, l.p90_ms, l.p99_ms, l.p999_ms, l.max_ms];
    // Nothing completed: no latency at all (every figure NaN), never a 0 ms that reads as the
    // fastest; something completed: every figure a finite number ≥ 0, in order.
    if v.requests.completed == 0 {
        ensure(
            ladder.iter().chain([&l.mean_ms]).all(|x| x.is_nan()),
            &|| format!("a latency without a completed request: {l:?}"),
        );
    } else {
        ensure(
            ladder
                .iter()
                .chain([&l.mean_ms])
                .all(|x| x.is_finite() && *x >= 0.0),
            &|| format!("latency not finite ≥ 0: {l:?}"),
        );
        ensure(
            ladder.windows(2).all(|w| w[0] <= w[1]) && l.mean_ms <= l.max_ms,
            &|| format!("percentiles out of order or above the maximum: {l:?}"),
        );
    }
    let cdf = &v.latency_cdf;
    ensure(
        cdf.iter()
            .all(|(ms, p)| ms.is_finite() && (0.0..=1.0).contains(p))
            && cdf.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1),
        &|| format!("latency CDF not monotone within [0, 1]: {cdf:?}"),
    );
    let k = &v.capacity;
    ensure((0.0..=FULL).contains(&k.mean_utilisation), &|| {
        format!("utilisation {} outside 0–100 %", k.mean_utilisation)
    });
    ensure(
        k.mean_instances.is_finite()
            && k.mean_instances >= 0.0
            && k.peak_instances as f64 >= k.mean_instances * (1.0 - 1e-9),
        &|| {
            format!(
                "peak {} below mean {} instances",
                k.peak_instances, k.mean_instances
            )
        },
    );
    ensure(k.mean_busy.is_finite() && k.mean_busy >= 0.0, &|| {
        format!("mean busy {}", k.mean_busy)
    });
    for (name, pct) in [
        ("cold_start_pct", v.cold_start_pct),
        ("throttled_pct", v.throttled_pct),
        ("timed_out_pct", v.timed_out_pct),
    ] {
        ensure((0.0..=100.0).contains(&pct), &|| format!("{name} = {pct}"));
    }
    if let Some(row) = v
        .timeseries
        .iter()
        .find(|r| !(0.0..=FULL).contains(&r.utilisation.unwrap_or(0.0)))
    {
        let u = row.utilisation.unwrap_or_default();
        ensure(false, &|| {
            format!(
                "interval ending {} s: utilisation {u} outside 0–100 %",
                row.end_s
            )
        });
    }
}
