//! What prices are made of: where a price comes from ([`PriceSource`]), a band of a tiered price
//! ([`Tier`]), CPU architectures, and the size of a load balancer capacity unit. The prices
//! themselves are data: the price books of [`super::book`].

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// Where the prices of one price list come from: what a planner needs to check an invoice line
/// against a public price page. Text is `Cow` so the catalog's constants borrow and a price book
/// read from a file owns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceSource {
    /// The provider, e.g. "AWS".
    pub provider: Cow<'static, str>,
    /// The service the prices are for, e.g. "AWS Lambda".
    pub service: Cow<'static, str>,
    /// The region they apply to, e.g. "us-east-1".
    pub region: Cow<'static, str>,
    /// When they were read: an ISO date, to the day where the source gives one ("2026-05-04")
    /// or to the month ("2026-08").
    pub read_on: Cow<'static, str>,
    /// The provider's public price page, the document to check a line against.
    pub url: Cow<'static, str>,
    /// Where the numbers were transcribed from when not straight from that page (copies,
    /// announcements), and what was derived rather than read.
    pub via: Cow<'static, str>,
}

/// One band of a tiered price: units up to `up_to` (cumulative, per month) cost `usd_per_unit`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tier {
    /// Upper bound of the band in units per month (cumulative); `f64::INFINITY` for the last.
    pub up_to: f64,
    /// Price of one unit in this band.
    pub usd_per_unit: f64,
}

/// The size of one Application Load Balancer capacity unit (LCU).
///
/// Each hour (a partial hour billed whole) costs the ALB-hour price (`alb.hour` in the price
/// book) plus the LCU-hour price (`alb.lcu_hour`) per LCU, the LCUs being the largest of four dimensions measured over the hour: new connections per second
/// ÷ 25, active connections per minute ÷ 3,000, processed GB ÷ 1 (EC2, container and IP
/// targets; 0.4 GB for Lambda targets) and rule evaluations per second ÷ 1,000 (the first 10
/// rules evaluated for a request are free).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AlbCapacityUnit {
    /// New connections per second that make one LCU.
    pub new_conns_per_s_per_lcu: f64,
    /// Active connections (mean over the hour, sampled per minute) that make one LCU.
    pub active_conns_per_lcu: f64,
    /// Bytes processed in an hour that make one LCU (EC2 targets; 1 GB = 10^9 bytes, as AWS's
    /// example counts: 300 KB/s × 3,600 s = 1.08 GB).
    pub bytes_per_hour_per_lcu: f64,
    /// Rule evaluations per second that make one LCU.
    pub rule_evals_per_s_per_lcu: f64,
    /// Rules evaluated for each request that are free.
    pub free_rules_per_request: f64,
}

// Source: aws.amazon.com/elasticloadbalancing/pricing/ and its worked example ("25 new
// connections per second, 3,000 active connections per minute, 1 GB per hour for EC2
// instances, containers and IP addresses as targets, 1,000 rule evaluations per second"; first
// 10 rules free), as transcribed on 2026-09-20 (github api-evangelist/amazon-elastic-load-
// balancing, plans/amazon-elastic-load-balancing-plans-pricing.yml); the same in
// handbook.vantage.sh/aws/services/elb-pricing (May 2026).
/// Application Load Balancer capacity units, in every region.
pub const ALB_LCU: AlbCapacityUnit = AlbCapacityUnit {
    new_conns_per_s_per_lcu: 25.0,
    active_conns_per_lcu: 3_000.0,
    bytes_per_hour_per_lcu: 1.0e9,
    rule_evals_per_s_per_lcu: 1_000.0,
    free_rules_per_request: 10.0,
};

impl AlbCapacityUnit {
    /// LCUs of one hour of load balancer usage: the largest of the four dimensions.
    pub fn lcus(&self, hour: &crate::usage::BalancerHour) -> f64 {
        let new_conns = hour.new_connections / 3_600.0 / self.new_conns_per_s_per_lcu;
        let active = hour.connection_s / 3_600.0 / self.active_conns_per_lcu;
        let bytes = hour.processed_bytes / self.bytes_per_hour_per_lcu;
        let billable_rules =
            (hour.rule_evaluations - hour.requests as f64 * self.free_rules_per_request).max(0.0);
        let rules = billable_rules / 3_600.0 / self.rule_evals_per_s_per_lcu;
        new_conns.max(active).max(bytes).max(rules)
    }
}

/// CPU architecture of an instance type or function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arch {
    /// Intel/AMD.
    X86_64,
    /// AWS Graviton.
    Arm64,
}

impl Arch {
    /// The name used in scenario files and reports.
    pub fn name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Arm64 => "arm64",
        }
    }
}
