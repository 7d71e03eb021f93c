//! Invoices for each platform.

use serde::{Deserialize, Serialize};

use super::catalog::{self, ALB, API_GATEWAY_HTTP, Arch, InstanceType, LambdaPrices};
use super::{MONTH_S, MONTHLY_LABEL, tiered_cost};
use crate::metrics::IntervalRow;
use crate::platform::iaas::FleetUsage;
use crate::platform::serverless::FunctionUsage;

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

    fn month_fraction(&self) -> f64 {
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
    fn new(period: Period, lines: Vec<InvoiceLine>) -> Self {
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

/// The invoice of one Lambda function.
pub fn lambda_invoice(usage: &FunctionUsage, billing: &LambdaBilling, period: Period) -> Invoice {
    let prices: &LambdaPrices = match billing.arch {
        Arch::X86_64 => &catalog::LAMBDA_X86_64,
        Arch::Arm64 => &catalog::LAMBDA_ARM64,
    };
    let k = period.usage_scale;
    let month = period.month_fraction();
    let free = |allowance: f64| {
        if billing.free_tier {
            allowance * month
        } else {
            0.0
        }
    };
    let requests = usage.invocations as f64 * k;
    // ms × MB is exact in integers; one division then rounds once.
    let mb_ms = usage.mb_ms;
    let gb_s = mb_ms as f64 / 1_024_000.0 * k;
    let arch = billing.arch.name();
    let mut lines = vec![
        InvoiceLine {
            item: "Lambda requests".into(),
            category: CostCategory::Requests,
            quantity: requests,
            unit: "requests".into(),
            cost_usd: (requests - free(prices.free_requests)).max(0.0) * prices.request_usd,
        },
        InvoiceLine {
            item: match usage.memory_mb {
                Some(mb) => format!("Lambda duration incl. INIT ({arch}, {mb} MB)"),
                None => format!("Lambda duration incl. INIT ({arch}, memory per function)"),
            },
            category: CostCategory::Compute,
            quantity: gb_s,
            unit: "GB-s".into(),
            cost_usd: tiered_cost(
                (gb_s - free(prices.free_gb_s)).max(0.0),
                prices.gb_s_tiers,
                month,
            ),
        },
    ];
    if billing.api_gateway {
        let gw = usage.front_door_requests as f64 * k;
        lines.push(InvoiceLine {
            item: "API Gateway HTTP API requests".into(),
            category: CostCategory::Gateway,
            quantity: gw,
            unit: "requests".into(),
            cost_usd: tiered_cost(gw, API_GATEWAY_HTTP, month),
        });
    }
    Invoice::new(period, lines)
}

/// How a fleet is billed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ec2Billing {
    /// The instance type, which sets the hourly price.
    pub instance: &'static InstanceType,
    /// Whether an Application Load Balancer fronts the fleet.
    pub load_balancer: bool,
}

/// The invoice of one EC2 fleet.
pub fn ec2_invoice(usage: &FleetUsage, billing: &Ec2Billing, period: Period) -> Invoice {
    let k = period.usage_scale;
    // Each launch is billed per second with a 60 s minimum. A projection repeats the horizon's
    // launches (minimum and all) k times, but an instance still running at the horizon simply
    // keeps running: its seconds scale, its one minimum does not (else a 30 s horizon would bill
    // a fixed fleet's month twice over).
    let closed = usage.instance_runs.len() - usage.open_at_end.min(usage.instance_runs.len());
    let (terminated, open) = usage.instance_runs.split_at(closed);
    let terminated_s: u64 = terminated
        .iter()
        .map(|run| run.ceil_secs().max(catalog::EC2_MIN_BILLED_S))
        .sum();
    let open_s: f64 = open
        .iter()
        .map(|run| (run.as_secs_f64() * k).max(catalog::EC2_MIN_BILLED_S as f64))
        .map(|s| if k == 1.0 { s.ceil() } else { s })
        .sum();
    let instance_s = terminated_s as f64 * k + open_s;
    let mut lines = vec![InvoiceLine {
        item: format!("EC2 {} on-demand", billing.instance.name),
        category: CostCategory::Compute,
        quantity: instance_s,
        unit: "instance-seconds".into(),
        cost_usd: instance_s * billing.instance.usd_per_hour / 3_600.0,
    }];
    if billing.load_balancer {
        let alb_hours = (period.seconds / 3_600.0).ceil();
        let lcu_hours: f64 = usage
            .balancer_hours
            .iter()
            .map(|hour| ALB.lcus(hour))
            .sum::<f64>()
            * k;
        lines.push(InvoiceLine {
            item: "Application Load Balancer hours".into(),
            category: CostCategory::LoadBalancer,
            quantity: alb_hours,
            unit: "ALB-hours".into(),
            cost_usd: alb_hours * ALB.hour_usd,
        });
        lines.push(InvoiceLine {
            item: "Application Load Balancer LCUs (largest of 4 dimensions, per hour)".into(),
            category: CostCategory::LoadBalancer,
            quantity: lcu_hours,
            unit: "LCU-hours".into(),
            cost_usd: lcu_hours * ALB.lcu_hour_usd,
        });
    }
    Invoice::new(period, lines)
}

/// Cost of one interval's usage at list rates (first tier, no free tier, no minimums) for a
/// function: the shape of cost over time, before [`accrue`] fits it to the invoice.
pub fn lambda_interval_cost(row: &IntervalRow, billing: &LambdaBilling) -> f64 {
    lambda_list_cost(row.usage_requests, row.usage_compute, row.arrivals, billing)
}

/// Cost at list rates (first tier, no free tier) of `invocations` using `gb_s`, with
/// `front_door` requests through the gateway: the weight of a share of a Lambda bill.
pub fn lambda_list_cost(
    invocations: u64,
    gb_s: f64,
    front_door: u64,
    billing: &LambdaBilling,
) -> f64 {
    let prices = match billing.arch {
        Arch::X86_64 => &catalog::LAMBDA_X86_64,
        Arch::Arm64 => &catalog::LAMBDA_ARM64,
    };
    let gateway = if billing.api_gateway {
        front_door as f64 * API_GATEWAY_HTTP[0].usd_per_unit
    } else {
        0.0
    };
    invocations as f64 * prices.request_usd + gb_s * prices.gb_s_tiers[0].usd_per_unit + gateway
}

/// Cost of one interval of `interval_s` seconds at list rates for a fleet (see
/// [`lambda_interval_cost`]); the load balancer's LCUs are weighed by requests (one connection
/// each): a shape only, [`accrue`] fits it to the invoice.
pub fn ec2_interval_cost(row: &IntervalRow, billing: &Ec2Billing, interval_s: f64) -> f64 {
    let compute = row.usage_compute * billing.instance.usd_per_hour / 3_600.0;
    let lb = if billing.load_balancer {
        interval_s / 3_600.0 * ALB.hour_usd
            + row.usage_requests as f64 / 3_600.0 / ALB.new_conns_per_s_per_lcu * ALB.lcu_hour_usd
    } else {
        0.0
    };
    compute + lb
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
