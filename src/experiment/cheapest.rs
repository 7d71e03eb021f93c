//! Cheapest setting: try each value of one field of one variant (a memory size, a fleet size)
//! and pick the cheapest that keeps within latency and failure limits.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::breakeven::{at, field_to_vary};
use super::stats::Estimate;
use super::{ExperimentError, Overrides, replicate, variant_index};

/// The limits a setting must keep (each on the mean over replications).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// Highest p99 latency, ms.
    pub p99_ms: Option<f64>,
    /// Highest share of requests throttled or timed out, %.
    pub max_failed_pct: Option<f64>,
}

/// One value tried.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The value.
    pub x: f64,
    /// Cost over the horizon, USD.
    pub cost: Estimate,
    /// p99 latency, ms.
    pub p99_ms: Estimate,
    /// Throttled + timed out, %.
    pub failed_pct: Estimate,
    /// Whether it keeps the limits.
    pub feasible: bool,
}

/// Try every value of `vary` for `variant` (in parallel) and return the candidates in the
/// order given and the index of the cheapest feasible one (ties: the first). Limits default to
/// the scenario's `[slo]`.
#[allow(clippy::too_many_arguments)]
pub fn cheapest(
    text: &str,
    file: &str,
    vary: &str,
    values: &[f64],
    variant: &str,
    limits: Limits,
    replications: u32,
    overrides: Overrides,
) -> Result<(Vec<Candidate>, Option<usize>), ExperimentError> {
    let (path, form) = field_to_vary(text, file, vary, "the search")?;
    if values.is_empty() {
        return Err(ExperimentError::Invalid("no values to try".into()));
    }
    let base = at(text, file, &path, form, values[0], overrides)?;
    variant_index(&base, variant)?;
    let limits = Limits {
        p99_ms: limits.p99_ms.or(base.slo.and_then(|s| s.p99_ms)),
        max_failed_pct: limits
            .max_failed_pct
            .or(base.slo.and_then(|s| s.max_failed_pct)),
    };
    if limits.p99_ms.is_none() && limits.max_failed_pct.is_none() {
        return Err(ExperimentError::Invalid(
            "no limit to keep: give --p99-max (and/or --max-failed-pct) or an [slo] in the scenario"
                .into(),
        ));
    }
    let candidates: Vec<Candidate> = values
        .par_iter()
        .map(|&x| {
            let mut s = at(text, file, &path, form, x, overrides)?;
            s.variants.retain(|v| v.name == variant);
            let reports = replicate(&s, replications)?;
            let of = |f: fn(&crate::report::VariantReport) -> f64| {
                Estimate::of(
                    &reports
                        .iter()
                        .map(|r| f(&r.variants[0]))
                        .collect::<Vec<_>>(),
                )
            };
            let cost = of(|v| v.cost.total_usd);
            let p99_ms = of(|v| v.latency_ms.p99_ms);
            let failed_pct = of(|v| v.throttled_pct + v.timed_out_pct);
            let feasible = limits.p99_ms.is_none_or(|l| p99_ms.mean <= l)
                && limits.max_failed_pct.is_none_or(|l| failed_pct.mean <= l);
            Ok(Candidate {
                x,
                cost,
                p99_ms,
                failed_pct,
                feasible,
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
