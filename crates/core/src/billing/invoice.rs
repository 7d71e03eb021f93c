//! Invoices: lines, periods, categories, and the billing options of each product. The lines of
//! a product's invoice are made by its [`crate::offering`] from the generic schemes in
//! [`super::schemes`].

use serde::{Deserialize, Serialize};

use super::catalog::PriceSource;
use super::{MONTH_S, MONTHLY_LABEL};

/// What a cost line pays for, to group lines in reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostCategory {
    /// Compute time: GB-seconds or instance-hours.
    Compute,
    /// Per-request charges of the compute service.
    Requests,
    /// API gateway in front of functions.
    Gateway,
    /// Load balancer in front of a fleet.
    LoadBalancer,
    /// Capacity bought ahead, paid whether used or not: provisioned concurrency, the hours of
    /// a reservation or a savings plan's commitment.
    Commitment,
    /// The lines people forget: data transfer out to the internet, a NAT gateway's hours and
    /// data, CloudWatch Logs ingestion, EBS storage of instances.
    Other,
}

/// One line of an invoice: `quantity` × `unit_price_usd` = `cost_usd`, exactly as computed.
///
/// A meter billed in tiers has a line per price band it reached, and a free-tier allowance its
/// own line at a unit price of 0, the way AWS bills show them ("AWS Lambda - Compute Free Tier
/// - 400,000 GB-Seconds … $0.00"): the quantities of a meter's lines add up to its usage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvoiceLine {
    /// What is billed, e.g. "Lambda duration incl. INIT (x86_64, 512 MB), first 6 B
    /// GB-s/month".
    pub item: String,
    /// What it pays for.
    pub category: CostCategory,
    /// Billed quantity of this line (after rounding and minimums; the free tier and each price
    /// band on lines of their own).
    pub quantity: f64,
    /// Unit of `quantity`.
    pub unit: String,
    /// Price of one unit of `quantity`, USD (0 on a free-tier line).
    pub unit_price_usd: f64,
    /// Cost of the line: `quantity × unit_price_usd`.
    pub cost_usd: f64,
    /// Where its price comes from: an index into the invoice's [`Invoice::sources`].
    pub source: usize,
    /// How the scenario changed its price from the list ("list $0.0816 → private rate
    /// $0.07"), if it did ([`super::book::PriceChange`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_change: Option<String>,
}

impl InvoiceLine {
    /// A line of `quantity` at `unit_price_usd`, costing their product; its source is set by
    /// [`Invoice::new`].
    pub fn priced(
        item: String,
        category: CostCategory,
        quantity: f64,
        unit: &str,
        unit_price_usd: f64,
    ) -> Self {
        InvoiceLine {
            item,
            category,
            quantity,
            unit: unit.into(),
            unit_price_usd,
            cost_usd: quantity * unit_price_usd,
            source: 0,
            price_change: None,
        }
    }
}

/// The billing period an invoice covers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Period {
    /// `"simulated horizon"` or `"monthly (730 h)"`.
    pub label: String,
    /// Length, seconds.
    pub seconds: f64,
    /// Usage multiplier from the simulated horizon to this period (1 for the horizon itself).
    pub usage_scale: f64,
}

impl Period {
    /// The simulated horizon itself.
    pub fn horizon(seconds: f64) -> Self {
        Period {
            label: "simulated horizon".into(),
            seconds,
            usage_scale: 1.0,
        }
    }

    /// A 730-hour month ([`MONTH_S`]) at the simulated horizon's average usage: a projection,
    /// not a simulation. `horizon_s` must be above 0 (validation refuses a 0 s horizon).
    pub fn monthly(horizon_s: f64) -> Self {
        Period {
            label: MONTHLY_LABEL.into(),
            seconds: MONTH_S,
            usage_scale: MONTH_S / horizon_s,
        }
    }

    /// The period's length as a fraction of a 730-hour month: what monthly allowances (free
    /// tier, tier bounds) are prorated by.
    pub fn month_fraction(&self) -> f64 {
        self.seconds / MONTH_S
    }
}

/// An invoice: lines, their total and where their prices come from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Invoice {
    /// What period it covers.
    pub period: Period,
    /// Cost lines.
    pub lines: Vec<InvoiceLine>,
    /// Sum of the lines.
    pub total_usd: f64,
    /// The price lists its lines were priced from (each line's [`InvoiceLine::source`] indexes
    /// this list), each once, in the order of the lines.
    pub sources: Vec<PriceSource>,
}

impl Invoice {
    /// An invoice for `period` of the lines priced from each source, in order: each line's
    /// [`InvoiceLine::source`] is set to its source's place in [`Invoice::sources`] (a source
    /// given twice is listed once). The total is the lines' sum, in order.
    pub fn new(period: Period, priced: Vec<(PriceSource, Vec<InvoiceLine>)>) -> Self {
        let mut sources: Vec<PriceSource> = Vec::new();
        let mut lines = Vec::new();
        for (source, part) in priced.into_iter().filter(|(_, part)| !part.is_empty()) {
            let index = match sources.iter().position(|s| *s == source) {
                Some(i) => i,
                None => {
                    sources.push(source);
                    sources.len() - 1
                }
            };
            lines.extend(part.into_iter().map(|l| InvoiceLine { source: index, ..l }));
        }
        let total_usd = lines.iter().fold(0.0, |sum, l| sum + l.cost_usd);
        Invoice {
            period,
            lines,
            total_usd,
            sources,
        }
    }

    /// Total of the lines in one category; `None` when the invoice has no such line.
    pub fn category_usd(&self, category: CostCategory) -> Option<f64> {
        self.lines
            .iter()
            .filter(|l| l.category == category)
            .map(|l| l.cost_usd)
            .reduce(|a, b| a + b)
    }
}

/// Scale per-interval costs so they add up to the invoice's `total_usd` exactly, keeping their
/// shape (spread evenly when the shape is all zero).
pub fn accrue(costs: &mut [f64], total_usd: f64) {
    let sum: f64 = costs.iter().sum();
    if sum > 0.0 {
        let k = total_usd / sum;
        costs.iter_mut().for_each(|c| *c *= k);
    } else if !costs.is_empty() {
        let even = total_usd / costs.len() as f64;
        costs.iter_mut().for_each(|c| *c = even);
    }
}
