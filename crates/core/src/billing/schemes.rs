//! Generic pricing schemes: how a metered quantity becomes invoice lines, each `quantity ×
//! unit price = cost`. A product's [`crate::offering`] names the schemes it is billed by and
//! passes its prices from the catalog; nothing here names a product.

use super::book::Price;
use super::catalog::{PriceSource, Tier};
use super::invoice::{CostCategory, InvoiceLine};
use super::tier_bands;

/// What a meter measured over a billing period: the item billed, what it pays for, how much
/// and in what unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Metered<'a> {
    /// What is billed, e.g. "Lambda requests"; lines of a free tier or a price band add to it.
    pub item: &'a str,
    /// What it pays for.
    pub category: CostCategory,
    /// The quantity metered over the period (after rounding and minimums).
    pub quantity: f64,
    /// Its unit, e.g. "requests", "GB-s".
    pub unit: &'a str,
}

/// A flat price per unit above a monthly free allowance (per-request charges): a free-tier line
/// of up to `free_per_month × month_fraction` units at $0 when that allowance is above 0, then
/// the rest at `usd_per_unit` ([`tiered`] with one unbounded tier).
pub fn per_unit(
    metered: Metered,
    free_per_month: f64,
    usd_per_unit: f64,
    month_fraction: f64,
) -> Vec<InvoiceLine> {
    let tier = [Tier {
        up_to: f64::INFINITY,
        usd_per_unit,
    }];
    tiered(metered, free_per_month, &tier, month_fraction)
}

/// A tiered price per unit above a monthly free allowance (GB-seconds, gateway requests), the
/// allowance and the tiers' monthly bounds prorated by `month_fraction`:
/// - a free-tier line, when `free_per_month` is above 0: the units it covers at $0;
/// - a line per price band the rest reaches ([`tier_bands`]), its units at the band's price.
///
/// The lines' quantities add up to the metered quantity; a meter that measured nothing still
/// gets a line (its first band, 0 units) unless it has a free-tier line.
pub fn tiered(
    metered: Metered,
    free_per_month: f64,
    tiers: &[Tier],
    month_fraction: f64,
) -> Vec<InvoiceLine> {
    let Metered {
        item,
        category,
        quantity,
        unit,
    } = metered;
    let free = free_per_month * month_fraction;
    let mut lines = Vec::new();
    if free > 0.0 {
        lines.push(InvoiceLine::priced(
            format!(
                "{item}, free tier ({} {unit}/month)",
                amount(free_per_month)
            ),
            category,
            quantity.min(free),
            unit,
            0.0,
        ));
    }
    let bands = tier_bands((quantity - free).max(0.0), tiers, month_fraction);
    for (i, units) in bands {
        lines.push(InvoiceLine::priced(
            band_item(item, tiers, i, unit),
            category,
            units,
            unit,
            tiers[i].usd_per_unit,
        ));
    }
    if lines.is_empty() {
        lines.push(InvoiceLine::priced(
            band_item(item, tiers, 0, unit),
            category,
            0.0,
            unit,
            tiers[0].usd_per_unit,
        ));
    }
    lines
}

/// `metered` priced by `price` ([`tiered`] over its bands, with its monthly free allowance when
/// `free_tier`), each line that costs money marked with the price's change from the list if
/// the scenario changed it; with the price's source, as [`super::Invoice::new`] takes them.
pub fn by_price(
    metered: Metered,
    price: &Price,
    free_tier: bool,
    month_fraction: f64,
) -> (PriceSource, Vec<InvoiceLine>) {
    let free = if free_tier { price.free_per_month } else { 0.0 };
    let lines = tiered(metered, free, &price.tiers, month_fraction);
    (price.source.clone(), marked(lines, price))
}

/// `lines` priced by `price`, each marked with its change from the list, if any: every line
/// with a unit price above 0, and every line when the price was changed to 0 (free-tier lines
/// at a price above 0 stay as they are).
pub fn marked(mut lines: Vec<InvoiceLine>, price: &Price) -> Vec<InvoiceLine> {
    if let Some(change) = price.change_text() {
        let zero = price.tiers.iter().all(|t| t.usd_per_unit == 0.0);
        for l in lines.iter_mut().filter(|l| zero || l.unit_price_usd > 0.0) {
            l.price_change = Some(change.clone());
        }
    }
    lines
}

/// The item of price band `i` of `tiers`: "ITEM, first 6 B GB-s/month", "ITEM, next 9 B
/// GB-s/month", "ITEM, over 15 B GB-s/month"; just ITEM when there is one unbounded tier.
fn band_item(item: &str, tiers: &[Tier], i: usize, unit: &str) -> String {
    let lower = if i == 0 { 0.0 } else { tiers[i - 1].up_to };
    let upper = tiers[i].up_to;
    if upper.is_infinite() {
        if i == 0 {
            item.to_string()
        } else {
            format!("{item}, over {} {unit}/month", amount(lower))
        }
    } else if i == 0 {
        format!("{item}, first {} {unit}/month", amount(upper))
    } else {
        format!("{item}, next {} {unit}/month", amount(upper - lower))
    }
}

/// A monthly amount as price pages write it: "400,000", "1 M", "300 M", "7.5 B", "18.75 B".
fn amount(units: f64) -> String {
    if units >= 1e9 {
        format!("{} B", units / 1e9)
    } else if units >= 1e6 {
        format!("{} M", units / 1e6)
    } else {
        let digits = format!("{}", units.round() as u64);
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    }
}

/// Instance time at an hourly price, shown as instance-hours (as an EC2 bill states it):
/// `instance_s` billed instance-seconds (after the product's meter) ÷ 3,600 at `usd_per_hour`.
/// The cost is computed from the seconds, `instance_s × usd_per_hour ÷ 3,600` — per-second
/// billing, and exact where whole hours are (4 × 48 h × $0.0725 = $13.92, where the hours'
/// product gives 13.919999999999998); it equals quantity × unit price but for the last digit.
pub fn per_instance_hour(item: String, instance_s: f64, usd_per_hour: f64) -> InvoiceLine {
    InvoiceLine {
        cost_usd: instance_s * usd_per_hour / 3_600.0,
        ..InvoiceLine::priced(
            item,
            CostCategory::Compute,
            instance_s / 3_600.0,
            "instance-hours",
            usd_per_hour,
        )
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
        InvoiceLine::priced(
            names[0].0.into(),
            CostCategory::LoadBalancer,
            hours,
            names[0].1,
            hour_usd,
        ),
        InvoiceLine::priced(
            names[1].0.into(),
            CostCategory::LoadBalancer,
            lcu_hours,
            names[1].1,
            lcu_hour_usd,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::book::list_price;
    use super::*;

    #[test]
    fn amounts_read_as_price_pages_write_them() {
        assert_eq!(amount(400_000.0), "400,000");
        assert_eq!(amount(1.0e6), "1 M");
        assert_eq!(amount(300.0e6), "300 M");
        assert_eq!(amount(7.5e9), "7.5 B");
        assert_eq!(amount(18.75e9), "18.75 B");
    }

    #[test]
    fn bands_are_named_by_their_monthly_bounds() {
        let gateway = list_price("aws", "us-east-1", "api_gateway.http.requests").tiers;
        let names: Vec<String> = (0..2)
            .map(|i| band_item("GW", &gateway, i, "requests"))
            .collect();
        assert_eq!(
            names,
            [
                "GW, first 300 M requests/month",
                "GW, over 300 M requests/month"
            ]
        );
        let rest = list_price("aws", "us-east-1", "api_gateway.rest.requests").tiers;
        assert_eq!(
            band_item("R", &rest, 1, "requests"),
            "R, next 667 M requests/month"
        );
        assert_eq!(
            band_item(
                "D",
                &list_price("aws", "us-east-1", "lambda.duration.arm64").tiers,
                1,
                "GB-s"
            ),
            "D, next 11.25 B GB-s/month"
        );
    }

    /// Half a month of 8 B GB-s with the free tier: 200,000 GB-s free (400,000 × 0.5), then
    /// 7,999,800,000 GB-s in bands whose bounds are halved: 3 B at tier 1, 4.5 B at tier 2,
    /// 499,800,000 at tier 3. The quantities add up to the usage, each cost is its product.
    #[test]
    fn a_tiered_meter_has_a_line_per_band_and_one_for_the_free_tier() {
        let metered = Metered {
            item: "D",
            category: CostCategory::Compute,
            quantity: 8.0e9,
            unit: "GB-s",
        };
        let x86 = list_price("aws", "us-east-1", "lambda.duration.x86_64");
        let lines = tiered(metered, 400_000.0, &x86.tiers, 0.5);
        let got: Vec<(f64, f64)> = lines
            .iter()
            .map(|l| (l.quantity, l.unit_price_usd))
            .collect();
        assert_eq!(
            got,
            [
                (200_000.0, 0.0),
                (3.0e9, 0.000_016_666_7),
                (4.5e9, 0.000_015),
                (499_800_000.0, 0.000_013_333_4)
            ]
        );
        assert_eq!(lines[0].item, "D, free tier (400,000 GB-s/month)");
        assert!(
            lines
                .iter()
                .all(|l| l.cost_usd == l.quantity * l.unit_price_usd)
        );
        assert_eq!(lines.iter().map(|l| l.quantity).sum::<f64>(), 8.0e9);
    }

    /// A meter that measured nothing still shows: its first band at 0 units, or its free tier.
    #[test]
    fn an_idle_meter_keeps_a_line() {
        let metered = Metered {
            item: "R",
            category: CostCategory::Requests,
            quantity: 0.0,
            unit: "requests",
        };
        let lines = per_unit(metered, 0.0, 0.2e-6, 1.0);
        assert_eq!((lines.len(), lines[0].item.as_str()), (1, "R"));
        assert_eq!((lines[0].quantity, lines[0].cost_usd), (0.0, 0.0));
        let lines = per_unit(metered, 1.0e6, 0.2e-6, 1.0);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].item, "R, free tier (1 M requests/month)");
    }
}
