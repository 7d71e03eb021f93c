//! Billing: metered usage ([`crate::usage`]) → invoice lines, from the price catalog. Tiers, free
//! tier and minimums are applied per billing period, the way a real invoice is made. Billing knows
//! neither the platforms nor the engine: a product's [`crate::offering`] names the schemes
//! ([`schemes`]) and prices it is billed by.
//!
//! Monthly allowances (free tier, tier thresholds) are prorated to the period's length against a
//! 730-hour month, the month AWS's and Google's calculators use.

pub mod advisor;
pub mod book;
pub mod catalog;
mod invoice;
pub mod purchase;
pub mod schemes;

pub use catalog::PriceSource;
pub use invoice::{CostCategory, Invoice, InvoiceLine, Period, accrue};

/// Seconds in a month: 730 hours (365 days × 24 h / 12), the month of AWS's Pricing Calculator
/// and Google Cloud's Pricing Calculator (calculator.aws "730 hours in a month"; checked
/// 2026-08). Used for the monthly projection and to prorate monthly allowances alike.
pub const MONTH_S: f64 = 730.0 * 3_600.0;
/// How every output labels the projection over [`MONTH_S`].
pub const MONTHLY_LABEL: &str = "monthly (730 h)";

/// How `quantity` units fall into `tiers` whose monthly bounds are scaled by `month_fraction`:
/// `(tier index, units in that tier)` for each tier reached, in order (none for 0 units).
pub fn tier_bands(
    quantity: f64,
    tiers: &[catalog::Tier],
    month_fraction: f64,
) -> Vec<(usize, f64)> {
    let mut bands = Vec::new();
    let mut lower = 0.0;
    for (i, tier) in tiers.iter().enumerate() {
        let upper = tier.up_to * month_fraction;
        if quantity <= lower {
            break;
        }
        bands.push((i, quantity.min(upper) - lower));
        lower = upper;
    }
    bands
}

/// Cost of `quantity` units under `tiers` whose monthly bounds are scaled by `month_fraction`:
/// Σ units × price over its [`tier_bands`].
pub fn tiered_cost(quantity: f64, tiers: &[catalog::Tier], month_fraction: f64) -> f64 {
    tier_bands(quantity, tiers, month_fraction)
        .into_iter()
        .fold(0.0, |cost, (i, units)| cost + units * tiers[i].usd_per_unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_split_usage_at_their_bounds() {
        let x86 = book::list_price("aws", "us-east-1", "lambda.duration.x86_64");
        // 8 B GB-s in a full month: 6 B at tier 1, 2 B at tier 2.
        let c = tiered_cost(8.0e9, &x86.tiers, 1.0);
        assert!((c - (6.0e9 * 0.000_016_666_7 + 2.0e9 * 0.000_015)).abs() < 1e-3);
        // Half a month halves the bounds: 3 B at tier 1, 4.5 B at tier 2, 0.5 B at tier 3.
        let c = tiered_cost(8.0e9, &x86.tiers, 0.5);
        let want = 3.0e9 * 0.000_016_666_7 + 4.5e9 * 0.000_015 + 0.5e9 * 0.000_013_333_4;
        assert!((c - want).abs() < 1e-3);
        let gateway = book::list_price("aws", "us-east-1", "api_gateway.http.requests");
        assert_eq!(tiered_cost(0.0, &gateway.tiers, 1.0), 0.0);
    }

    #[test]
    fn every_machine_type_is_findable_and_sane() {
        for b in &book::catalog().providers {
            for m in &b.machines {
                assert_eq!(b.machine(&m.name), Some(m));
                assert!(m.vcpus > 0 && m.memory_gib > 0.0, "{}", m.name);
                for r in &b.regions {
                    let p = b.price(&b.machine_price_id(&m.name), r, &Default::default());
                    assert!(p.unwrap().usd() > 0.0, "{} {r}", m.name);
                }
            }
        }
    }
}
