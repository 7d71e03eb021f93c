//! Invoices: lines, periods, categories, and the billing options of each product. The lines of
//! a product's invoice are made by its [`crate::offering`] from the generic schemes in
//! [`super::schemes`].

use serde::{Deserialize, Serialize};

use super::catalog::{self, Arch, InstanceType, LambdaPrices};
use super::{MONTH_S, MONTHLY_LABEL};

/// What a cost line pays for, to group lines in reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostCategory {
    /// Compute time: GB-seconds or instance-seconds.
    Compute,
    /// Per-request charges of the compute service.
    Requests,
    /// API gateway in front of functions.
    Gateway,
    /// Load balancer in front of a fleet.
    LoadBalancer,
}

/// One line of an invoice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvoiceLine {
    /// What is billed, e.g. "Lambda duration (x86_64, 512 MB)".
    pub item: String,
    /// What it pays for.
    pub category: CostCategory,
    /// Billed quantity (after rounding and minimums, before free tier).
    pub quantity: f64,
    /// Unit of `quantity`.
    pub unit: String,
    /// Cost of the line.
    pub cost_usd: f64,
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

/// An invoice: lines and their total.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Invoice {
    /// What period it covers.
    pub period: Period,
    /// Cost lines.
    pub lines: Vec<InvoiceLine>,
    /// Sum of the lines.
    pub total_usd: f64,
}

impl Invoice {
    /// An invoice of `lines` for `period`; the total is their sum, in order.
    pub fn new(period: Period, lines: Vec<InvoiceLine>) -> Self {
        let total_usd = lines.iter().fold(0.0, |sum, l| sum + l.cost_usd);
        Invoice {
            period,
            lines,
            total_usd,
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

/// How a function is billed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LambdaBilling {
    /// Architecture, which picks the price list.
    pub arch: Arch,
    /// Whether an API Gateway HTTP API fronts the function.
    pub api_gateway: bool,
    /// Whether the perpetual free tier applies.
    pub free_tier: bool,
}

impl LambdaBilling {
    /// The price list of its architecture.
    pub fn prices(&self) -> &'static LambdaPrices {
        match self.arch {
            Arch::X86_64 => &catalog::LAMBDA_X86_64,
            Arch::Arm64 => &catalog::LAMBDA_ARM64,
        }
    }
}

/// How a fleet is billed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ec2Billing {
    /// The instance type, which sets the hourly price.
    pub instance: &'static InstanceType,
    /// Whether an Application Load Balancer fronts the fleet.
    pub load_balancer: bool,
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
