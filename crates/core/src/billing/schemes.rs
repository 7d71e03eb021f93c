//! Generic pricing schemes: how a metered quantity becomes an invoice line. A product's
//! [`crate::offering`] names the schemes it is billed by and passes its prices from the catalog;
//! nothing here names a product.

use super::catalog::Tier;
use super::invoice::{CostCategory, InvoiceLine};
use super::tiered_cost;

/// A flat price per unit above a free allowance: `(quantity − free)⁺ × usd_per_unit`
/// (per-request charges). `quantity` is the billed quantity shown on the line.
pub fn per_unit(
    item: String,
    category: CostCategory,
    quantity: f64,
    unit: &str,
    free: f64,
    usd_per_unit: f64,
) -> InvoiceLine {
    InvoiceLine {
        item,
        category,
        quantity,
        unit: unit.into(),
        cost_usd: (quantity - free).max(0.0) * usd_per_unit,
    }
}

/// A tiered price per unit above a free allowance, the tiers' monthly bounds prorated by
/// `month_fraction` ([`tiered_cost`] of `(quantity − free)⁺`): GB-seconds, gateway requests.
pub fn tiered(
    item: String,
    category: CostCategory,
    quantity: f64,
    unit: &str,
    free: f64,
    tiers: &[Tier],
    month_fraction: f64,
) -> InvoiceLine {
    InvoiceLine {
        item,
        category,
        quantity,
        unit: unit.into(),
        cost_usd: tiered_cost((quantity - free).max(0.0), tiers, month_fraction),
    }
}

/// Instance time at an hourly price: `instance_s` billed instance-seconds (after the product's
/// meter) × `usd_per_hour` ÷ 3,600.
pub fn per_instance_second(item: String, instance_s: f64, usd_per_hour: f64) -> InvoiceLine {
    InvoiceLine {
        item,
        category: CostCategory::Compute,
        quantity: instance_s,
        unit: "instance-seconds".into(),
        cost_usd: instance_s * usd_per_hour / 3_600.0,
    }
}

/// A load balancer billed per hour it exists (a partial hour billed whole, over a period of
/// `period_s` seconds) plus per capacity-unit-hour (`lcu_hours`, LCU-hours already summed over
/// the period's hours): the two lines, as `(item, unit)` in `names`.
pub fn hours_and_capacity_units(
    names: [(&str, &str); 2],
    period_s: f64,
    lcu_hours: f64,
    hour_usd: f64,
    lcu_hour_usd: f64,
) -> [InvoiceLine; 2] {
    let hours = (period_s / 3_600.0).ceil();
    [
        InvoiceLine {
            item: names[0].0.into(),
            category: CostCategory::LoadBalancer,
            quantity: hours,
            unit: names[0].1.into(),
            cost_usd: hours * hour_usd,
        },
        InvoiceLine {
            item: names[1].0.into(),
            category: CostCategory::LoadBalancer,
            quantity: lcu_hours,
            unit: names[1].1.into(),
            cost_usd: lcu_hours * lcu_hour_usd,
        },
    ]
}
