//! Cheapest setting: try each value of one field of one variant (a memory size, a fleet size)
//! and pick the cheapest that keeps within latency and failure limits.

use crate::par::*;
use serde::{Deserialize, Serialize};

use super::stats::Estimate;
use super::vary::{at, field_to_vary};
use super::{ExperimentError, Overrides, Work, invalid_at, replicate, variant_index};
use crate::results::VariantReport;
use crate::results::slo_misses;
use crate::scenario::{Scenario, Slo, parse_with};
use crate::traffic::Traces;

/// The limits a setting must keep (each on the mean over replications).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// Highest p99 latency, ms.
    pub p99_ms: Option<f64>,
    /// Highest share of requests throttled or timed out, %.
    pub max_failed_pct: Option<f64>,
}

impl Limits {
    /// These limits, or where one is missing the scenario's `[slo]`'s; a failure limit that
    /// neither gives is 0 %: a point that drops any request (throttled or timed out) is not
    /// feasible.
    pub fn or_slo(self, slo: Option<Slo>) -> Limits {
        Limits {
            p99_ms: self.p99_ms.or(slo.and_then(|s| s.p99_ms)),
            max_failed_pct: self
                .max_failed_pct
                .or(slo.and_then(|s| s.max_failed_pct))
                .or(Some(0.0)),
        }
    }

    /// Why the means of `reports`' variant `i` miss the limits (empty: feasible), by the rule
    /// of [`slo_misses`]; also the means of p99 and failed %.
    pub(super) fn judge(&self, reports: &[crate::results::RunReport], i: usize) -> Judged {
        let of = |f: fn(&VariantReport) -> f64| {
            Estimate::of(
                &reports
                    .iter()
                    .map(|r| f(&r.variants[i]))
                    .collect::<Vec<_>>(),
            )
        };
        let cost = of(|v| v.cost.total_usd);
        let p99_ms = of(|v| v.latency_ms.p99_ms);
        let throttled = of(|v| v.throttled_pct);
        let timed_out = of(|v| v.timed_out_pct);
        let slo = Slo {
            p99_ms: self.p99_ms,
            max_failed_pct: self.max_failed_pct,
        };
        Judged {
            cost,
            p99_ms,
            failed_pct: Estimate::of(
                &reports
                    .iter()
                    .map(|r| r.variants[i].throttled_pct + r.variants[i].timed_out_pct)
                    .collect::<Vec<_>>(),
            ),
            misses: slo_misses(&slo, p99_ms.mean, throttled.mean, timed_out.mean),
        }
    }
}

/// One variant's figures at one point, and why it is not feasible there.
pub(super) struct Judged {
    pub cost: Estimate,
    pub p99_ms: Estimate,
    pub failed_pct: Estimate,
    pub misses: Vec<String>,
}

/// What a cheapest-setting search tries.
#[derive(Clone, Debug)]
pub struct CheapestSpec {
    /// The field to vary, e.g. `variant[fn].memory_mb`.
    pub vary: String,
    /// The values tried, in this order.
    pub values: Vec<f64>,
    /// The variant whose cost and limits are judged (the others are left out of its runs).
    pub variant: String,
    /// The limits a value must keep (missing ones from the scenario's `[slo]`:
    /// [`Limits::or_slo`]).
    pub limits: Limits,
    /// Seeds per value.
    pub replications: u32,
    /// Seed and horizon overrides.
    pub overrides: Overrides,
}

/// One value tried.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The value.
    pub x: f64,
    /// Cost over the horizon, USD (NaN when the value did not validate).
    pub cost: Estimate,
    /// p99 latency, ms.
    pub p99_ms: Estimate,
    /// Throttled + timed out, %.
    pub failed_pct: Estimate,
    /// Whether it keeps the limits.
    pub feasible: bool,
    /// Why not: the limits missed, or the validation error of the scenario at this value.
    pub why_not: Option<String>,
}

fn nan() -> Estimate {
    Estimate::of(&[f64::NAN])
}

/// Try every value of `spec.vary` for `spec.variant` (in parallel) and return the candidates
/// in the order given and the index of the cheapest feasible one (ties: the first); `None` is
/// an answer (no value keeps the limits), not an error. Limits default to the scenario's
/// `[slo]`, the failure limit to 0 % ([`Limits::or_slo`]). A value at which the scenario does
/// not validate is an infeasible candidate carrying the error; the others still run. A
/// replayed trace is checked once through `traces` and shared by every value.
///
/// # Errors
/// The field or variant does not exist, there are no values, or a run's results cannot be
/// trusted (a replayed trace changed under it).
pub fn cheapest(
    text: &str,
    file: &str,
    spec: &CheapestSpec,
    traces: &Traces,
) -> Result<(Vec<Candidate>, Option<usize>), ExperimentError> {
    let vary = spec.vary.as_str();
    let (path, form) = field_to_vary(text, file, vary, "the search")?;
    if spec.values.is_empty() {
        return Err(ExperimentError::NoValues);
    }
    let base = parse_with(text, file, traces)?;
    variant_index(&base, &spec.variant)?;
    let limits = spec.limits.or_slo(base.slo);
    let candidates: Vec<Candidate> = spec
        .values
        .par_iter()
        .map(|&x| {
            let mut s = match at(text, file, &path, form, x, spec.overrides, traces) {
                Ok(s) => s,
                Err(ExperimentError::Scenario(e)) => {
                    return Ok(Candidate {
                        x,
                        cost: nan(),
                        p99_ms: nan(),
                        failed_pct: nan(),
                        feasible: false,
                        why_not: Some(invalid_at(vary, x, &e)),
                    });
                }
                Err(e) => return Err(e),
            };
            s.variants.retain(|v| v.name == spec.variant);
            let reports = replicate(&s, spec.replications)?;
            let j = limits.judge(&reports, 0);
            Ok(Candidate {
                x,
                cost: j.cost,
                p99_ms: j.p99_ms,
                failed_pct: j.failed_pct,
                feasible: j.misses.is_empty(),
                why_not: (!j.misses.is_empty()).then(|| j.misses.join(", ")),
            })
        })
        .collect::<Result<_, ExperimentError>>()?;
    let best = candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| c.feasible)
        .min_by(|(i, p), (j, q)| p.cost.mean.total_cmp(&q.cost.mean).then(i.cmp(j)))
        .map(|(i, _)| i);
    Ok((candidates, best))
}

/// The work of a cheapest-setting search, estimated from the smallest and largest value's
/// scenario (one variant), the larger of the two × the number of values × replications.
/// Values that do not validate count nothing.
///
/// # Errors
/// The field does not exist.
pub fn cheapest_work(
    text: &str,
    file: &str,
    spec: &CheapestSpec,
    traces: &Traces,
) -> Result<Work, ExperimentError> {
    let (path, form) = field_to_vary(text, file, &spec.vary, "the search")?;
    let values = &spec.values;
    let replications = spec.replications;
    let ends = [
        values.iter().copied().fold(f64::INFINITY, f64::min),
        values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    ];
    let (per_run, periods_per_run) = ends
        .iter()
        .filter_map(|&x| at(text, file, &path, form, x, spec.overrides, traces).ok())
        .map(|mut s: Scenario| {
            s.variants.retain(|v| v.name == spec.variant);
            let w = Work::of(&s);
            (w.requests, w.instance_periods)
        })
        .fold((0.0, 0.0), |(r, i), (a, b)| {
            (f64::max(r, a), f64::max(i, b))
        });
    Ok(Work {
        requests: per_run * values.len() as f64 * f64::from(replications.max(1)),
        instance_periods: periods_per_run * values.len() as f64 * f64::from(replications.max(1)),
        runs: values.len() as u64 * u64::from(replications.max(1)),
    })
}
