//! Validation of duration distributions (`{ dist = "...", ... }` in milliseconds), shared by
//! the traffic's request durations and the platforms' cold starts and boot times.

use super::{Ctx, Result, Step, index, join, key};
use crate::dist::{DurationDist, MAX_DURATION_S};
use crate::scenario::raw::*;

/// Refuse a duration in ms above [`MAX_DURATION_S`] (a week).
fn at_most_a_week(cx: &Ctx, path: &[Step], ms: f64) -> Result<()> {
    if ms > MAX_DURATION_S * 1_000.0 {
        return Err(cx.err(
            path,
            format!("{ms} ms is more than a week"),
            "allowed: 0 to 604,800,000 ms (7 days; longer than any request a load balancer or \
             a function serves)",
        ));
    }
    Ok(())
}

/// Validate a duration distribution at `path`.
pub(crate) fn dist(cx: &Ctx, path: &[Step], raw: &RawDist) -> Result<DurationDist> {
    let p = |f| join(path, &[key(f)]);
    for (field, v) in [
        ("ms", raw.ms),
        ("mean_ms", raw.mean_ms),
        ("median_ms", raw.median_ms),
        ("p99_ms", raw.p99_ms),
    ] {
        if let Some(v) = v {
            at_most_a_week(cx, &p(field), v)?;
        }
    }
    for (i, v) in raw.values_ms.iter().flatten().enumerate() {
        at_most_a_week(cx, &join(path, &[key("values_ms"), index(i)]), *v)?;
    }
    let (kind, allowed): (&str, &[&str]) = match raw.dist {
        DistKind::Constant => ("dist = \"constant\"", &["ms"]),
        DistKind::Exponential => ("dist = \"exponential\"", &["mean_ms"]),
        DistKind::Lognormal => ("dist = \"lognormal\"", &["median_ms", "p99_ms"]),
        DistKind::Empirical => ("dist = \"empirical\"", &["values_ms"]),
    };
    cx.only(path, kind, &raw.present(), allowed)?;
    Ok(match raw.dist {
        DistKind::Constant => DurationDist::Constant {
            secs: cx.non_negative(&p("ms"), cx.need(path, kind, "ms", &raw.ms)?)? / 1_000.0,
        },
        DistKind::Exponential => DurationDist::Exponential {
            mean_secs: cx.positive(&p("mean_ms"), cx.need(path, kind, "mean_ms", &raw.mean_ms)?)?
                / 1_000.0,
        },
        DistKind::Lognormal => {
            let median = cx.positive(
                &p("median_ms"),
                cx.need(path, kind, "median_ms", &raw.median_ms)?,
            )?;
            let p99 = cx.positive(&p("p99_ms"), cx.need(path, kind, "p99_ms", &raw.p99_ms)?)?;
            if p99 < median {
                return Err(cx.err(
                    &p("p99_ms"),
                    format!("p99 {p99} is below the median {median}"),
                    "p99_ms must be at least median_ms",
                ));
            }
            DurationDist::lognormal(median / 1_000.0, p99 / 1_000.0)
        }
        DistKind::Empirical => {
            let values_ms = cx.need(path, kind, "values_ms", &raw.values_ms)?;
            if values_ms.is_empty() {
                return Err(cx.err(
                    &p("values_ms"),
                    "the list is empty",
                    "give at least one duration in ms",
                ));
            }
            let mut values_secs = Vec::with_capacity(values_ms.len());
            for (i, v) in values_ms.iter().enumerate() {
                values_secs.push(
                    cx.non_negative(&join(path, &[key("values_ms"), index(i)]), *v)? / 1_000.0,
                );
            }
            DurationDist::Empirical { values_secs }
        }
    })
}
