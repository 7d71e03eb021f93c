//! Verdicts: whether a variant meets a service-level objective and why not, and the one line
//! that names the cheapest variant meeting it. One rule for `scalesim run`'s summary line, the
//! HTML and Markdown reports, and the searches (`breakeven`, `cheapest`).

use super::{RunReport, VariantReport, usd};
use scalesim_core::results::pct_text as pct;
pub use scalesim_core::results::slo_misses;
use scalesim_core::scenario::Slo;

/// The limits of `slo` as text: `p99 ≤ 600 ms, throttled + timed out ≤ 0.1 %`.
pub fn slo_text(slo: &Slo) -> String {
    let mut limits = Vec::new();
    if let Some(p99) = slo.p99_ms {
        limits.push(format!("p99 ≤ {p99} ms"));
    }
    if let Some(failed) = slo.max_failed_pct {
        limits.push(format!("throttled + timed out ≤ {failed} %"));
    }
    limits.join(", ")
}

/// The failures of a variant that has no SLO to meet, as text (`None`: it dropped nothing).
fn failures(v: &VariantReport) -> Option<String> {
    let mut parts = Vec::new();
    if v.requests.throttled > 0 {
        parts.push(format!("{} throttled", pct(v.throttled_pct)));
    }
    if v.requests.timed_out > 0 {
        parts.push(format!("{} timed out", pct(v.timed_out_pct)));
    }
    (!parts.is_empty()).then(|| parts.join(" and "))
}

/// The cheapest of `variants` by the horizon's bill (ties: the first).
pub(crate) fn cheapest<'a>(
    variants: impl Iterator<Item = &'a VariantReport>,
) -> Option<&'a VariantReport> {
    variants.fold(None, |best: Option<&VariantReport>, v| match best {
        Some(b) if b.cost.total_usd <= v.cost.total_usd => Some(b),
        _ => Some(v),
    })
}

/// The one-line verdict of a run: the cheapest variant that meets the scenario's SLO (or that
/// none does, and why each misses it: p99, throttled, timed out). Without an SLO, the cheapest
/// variant, with a warning when it dropped requests.
pub fn headline(report: &RunReport) -> String {
    let Some(slo) = report.slo else {
        return match cheapest(report.variants.iter()) {
            None => "No variants.".to_string(),
            Some(v) => {
                let mut s = format!(
                    "Cheapest: {} at {} over the horizon ({} monthly, 730 h)",
                    v.name,
                    usd(v.cost.total_usd),
                    usd(v.projection_monthly.total_usd)
                );
                match failures(v) {
                    Some(f) => s += &format!(", but it failed requests: {f}"),
                    None if v.requests.in_flight_at_end > 0 => {
                        s += &format!(
                            ", no request failed ({} still running at the horizon)",
                            crate::count(v.requests.in_flight_at_end)
                        )
                    }
                    None => s += ", every request served",
                }
                s + "; no [slo] was set, so latency was not weighed."
            }
        };
    };
    match cheapest(report.variants.iter().filter(|v| v.slo_met == Some(true))) {
        Some(v) => format!(
            "Cheapest that meets the SLO ({}): {} at {} over the horizon ({} monthly, 730 h).",
            slo_text(&slo),
            v.name,
            usd(v.cost.total_usd),
            usd(v.projection_monthly.total_usd)
        ),
        None => {
            let why: Vec<String> = report
                .variants
                .iter()
                .map(|v| {
                    let misses =
                        slo_misses(&slo, v.latency_ms.p99_ms, v.throttled_pct, v.timed_out_pct);
                    format!("{}: {}", v.name, misses.join(", "))
                })
                .collect();
            format!(
                "No variant meets the SLO ({}) — {}.",
                slo_text(&slo),
                why.join("; ")
            )
        }
    }
}
