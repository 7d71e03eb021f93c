//! The price catalog: dated list prices, each with its source. USD, us-east-1, Linux, on-demand.
//! Compiled from ../shared/reference/pricing-and-autoscaling.md (sections 1.1, 2.1, 2.3).
//!
//! Each price list has a [`PriceSource`] beside it: the provider's public price page a planner
//! checks a bill's line against, the region, when the prices were read and through which
//! transcriptions. Invoices carry them ([`super::Invoice::sources`]).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// When the prices in this catalog were last checked.
pub const CATALOG_AS_OF: &str = "2026-08";

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

/// A catalog source: every field borrowed.
const fn source(
    service: &'static str,
    read_on: &'static str,
    url: &'static str,
    via: &'static str,
) -> PriceSource {
    PriceSource {
        provider: Cow::Borrowed("AWS"),
        service: Cow::Borrowed(service),
        region: Cow::Borrowed("us-east-1"),
        read_on: Cow::Borrowed(read_on),
        url: Cow::Borrowed(url),
        via: Cow::Borrowed(via),
    }
}

/// One band of a tiered price: units up to `up_to` (cumulative, per month) cost `usd_per_unit`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tier {
    /// Upper bound of the band in units per month (cumulative); `f64::INFINITY` for the last.
    pub up_to: f64,
    /// Price of one unit in this band.
    pub usd_per_unit: f64,
}

/// AWS Lambda prices for one architecture.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LambdaPrices {
    /// Per request.
    pub request_usd: f64,
    /// Per GB-second of duration, tiered by monthly GB-seconds.
    pub gb_s_tiers: &'static [Tier],
    /// Monthly free requests (perpetual free tier, pooled across architectures).
    pub free_requests: f64,
    /// Monthly free GB-seconds.
    pub free_gb_s: f64,
}

// Requests $0.20/M: aws.amazon.com/lambda/pricing (2026 transcription: github
// api-evangelist/aws-lambda plans/aws-lambda-plans-pricing.yml, 2026-05-04).
// GB-s tiers: AWS Compute Blog "Introducing tiered pricing for AWS Lambda" (2022); rates from
// cloudchipr.com/blog/aws-lambda-pricing (2024); unchanged through at least mid-2026.
// Free tier 1M requests + 400,000 GB-s per month: same sources.
/// Where [`LAMBDA_X86_64`] and [`LAMBDA_ARM64`] come from (requests, GB-s tiers, free tier).
pub const LAMBDA_SOURCE: PriceSource = source(
    "AWS Lambda",
    "2026-05-04",
    "https://aws.amazon.com/lambda/pricing/",
    "github api-evangelist/aws-lambda plans/aws-lambda-plans-pricing.yml (2026-05-04); GB-s \
     tiers: aws.amazon.com/blogs/compute/introducing-tiered-pricing-for-aws-lambda/ (2022), \
     cloudchipr.com/blog/aws-lambda-pricing (2024); arm64 tier 3 derived as 20 % below tier 1",
);

/// Lambda x86_64, us-east-1.
pub const LAMBDA_X86_64: LambdaPrices = LambdaPrices {
    request_usd: 0.20e-6,
    gb_s_tiers: &[
        Tier {
            up_to: 6.0e9,
            usd_per_unit: 0.000_016_666_7,
        },
        Tier {
            up_to: 15.0e9,
            usd_per_unit: 0.000_015,
        },
        Tier {
            up_to: f64::INFINITY,
            usd_per_unit: 0.000_013_333_4,
        },
    ],
    free_requests: 1.0e6,
    free_gb_s: 400_000.0,
};

/// Lambda arm64 (Graviton), us-east-1. Tier 3 derived as −20 % (reference file, 1.1).
pub const LAMBDA_ARM64: LambdaPrices = LambdaPrices {
    request_usd: 0.20e-6,
    gb_s_tiers: &[
        Tier {
            up_to: 7.5e9,
            usd_per_unit: 0.000_013_333_4,
        },
        Tier {
            up_to: 18.75e9,
            usd_per_unit: 0.000_012_000_1,
        },
        Tier {
            up_to: f64::INFINITY,
            usd_per_unit: 0.000_010_666_7,
        },
    ],
    free_requests: 1.0e6,
    free_gb_s: 400_000.0,
};

// API Gateway HTTP API: $1.00/M first 300M, $0.90/M next 700M, $0.80/M beyond 1B.
// Source: apigatewaycost.com/aws, amnic.com/blogs/aws-api-gateway-pricing (2025–26).
/// Where [`API_GATEWAY_HTTP`] comes from: read in the catalog's check ([`CATALOG_AS_OF`]) from
/// 2025–26 transcriptions.
pub const API_GATEWAY_SOURCE: PriceSource = source(
    "Amazon API Gateway (HTTP API)",
    CATALOG_AS_OF,
    "https://aws.amazon.com/api-gateway/pricing/",
    "apigatewaycost.com/aws, amnic.com/blogs/aws-api-gateway-pricing (2025-26)",
);

/// API Gateway HTTP API, per request, tiered monthly.
pub const API_GATEWAY_HTTP: &[Tier] = &[
    Tier {
        up_to: 300.0e6,
        usd_per_unit: 1.00e-6,
    },
    Tier {
        up_to: 1.0e9,
        usd_per_unit: 0.90e-6,
    },
    Tier {
        up_to: f64::INFINITY,
        usd_per_unit: 0.80e-6,
    },
];

/// Application Load Balancer prices and the size of one load balancer capacity unit (LCU).
///
/// Each hour (a partial hour billed whole) costs `hour_usd` plus `lcu_hour_usd` per LCU, the
/// LCUs being the largest of four dimensions measured over the hour: new connections per second
/// ÷ 25, active connections per minute ÷ 3,000, processed GB ÷ 1 (EC2, container and IP
/// targets; 0.4 GB for Lambda targets) and rule evaluations per second ÷ 1,000 (the first 10
/// rules evaluated for a request are free).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AlbPrices {
    /// Per ALB-hour (partial hours billed as whole).
    pub hour_usd: f64,
    /// Per LCU-hour.
    pub lcu_hour_usd: f64,
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

// Source: aws.amazon.com/elasticloadbalancing/pricing/ (us-east-1 and its worked example:
// $0.0225 per ALB-hour, $0.008 per LCU-hour; "25 new connections per second, 3,000 active
// connections per minute, 1 GB per hour for EC2 instances, containers and IP addresses as
// targets, 1,000 rule evaluations per second"; first 10 rules free), as transcribed on
// 2026-09-20 (github api-evangelist/amazon-elastic-load-balancing,
// plans/amazon-elastic-load-balancing-plans-pricing.yml); the same in
// handbook.vantage.sh/aws/services/elb-pricing and cloud-horizons.com (May 2026).
/// Where [`ALB`] comes from.
pub const ALB_SOURCE: PriceSource = source(
    "Elastic Load Balancing (Application Load Balancer)",
    "2026-09-20",
    "https://aws.amazon.com/elasticloadbalancing/pricing/",
    "github api-evangelist/amazon-elastic-load-balancing \
     plans/amazon-elastic-load-balancing-plans-pricing.yml (2026-09-20); \
     handbook.vantage.sh/aws/services/elb-pricing; cloud-horizons.com (May 2026)",
);

/// Application Load Balancer, us-east-1.
pub const ALB: AlbPrices = AlbPrices {
    hour_usd: 0.0225,
    lcu_hour_usd: 0.008,
    new_conns_per_s_per_lcu: 25.0,
    active_conns_per_lcu: 3_000.0,
    bytes_per_hour_per_lcu: 1.0e9,
    rule_evals_per_s_per_lcu: 1_000.0,
    free_rules_per_request: 10.0,
};

impl AlbPrices {
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

/// An EC2 instance type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InstanceType {
    /// API name, e.g. `m7g.large`.
    pub name: &'static str,
    /// vCPUs.
    pub vcpus: u32,
    /// Memory, GiB.
    pub memory_gib: f64,
    /// On-demand Linux price per hour.
    pub usd_per_hour: f64,
    /// CPU architecture.
    pub arch: Arch,
}

const fn it(
    name: &'static str,
    vcpus: u32,
    memory_gib: f64,
    usd_per_hour: f64,
    arch: Arch,
) -> InstanceType {
    InstanceType {
        name,
        vcpus,
        memory_gib,
        usd_per_hour,
        arch,
    }
}

use Arch::{Arm64, X86_64};

// EC2 on-demand, us-east-1, Linux, per hour; no list-price changes 2023–2026.
// Sources: factualminds.com/blog/amazon-ec2-on-demand-pricing-instance-families-2026 (June 2026:
// "m7g.large is $0.0816/hr"); go-cloud.io (t3.large $0.0832, 2026); public "2025 us-east-1
// rates" tables (c7g.large 0.0725, m7g.large 0.0816). m7g.4xlarge = 4 × xlarge (derived: AWS
// prices scale linearly within a family). vCPU and memory sizes: AWS instance type pages.
/// Where [`EC2_INSTANCE_TYPES`]' hourly prices come from.
pub const EC2_SOURCE: PriceSource = source(
    "Amazon EC2 On-Demand (Linux)",
    "2026-06",
    "https://aws.amazon.com/ec2/pricing/on-demand/",
    "factualminds.com/blog/amazon-ec2-on-demand-pricing-instance-families-2026 (June 2026); \
     go-cloud.io (2026); m7g.4xlarge derived as 4 × m7g.xlarge",
);

/// Every EC2 instance type in the catalog.
pub const EC2_INSTANCE_TYPES: &[InstanceType] = &[
    it("t3.nano", 2, 0.5, 0.0052, X86_64),
    it("t3.micro", 2, 1.0, 0.0104, X86_64),
    it("t3.small", 2, 2.0, 0.0208, X86_64),
    it("t3.medium", 2, 4.0, 0.0416, X86_64),
    it("t3.large", 2, 8.0, 0.0832, X86_64),
    it("t3.xlarge", 4, 16.0, 0.1664, X86_64),
    it("m5.large", 2, 8.0, 0.096, X86_64),
    it("m5.xlarge", 4, 16.0, 0.192, X86_64),
    it("m5.2xlarge", 8, 32.0, 0.384, X86_64),
    it("m5.4xlarge", 16, 64.0, 0.768, X86_64),
    it("m6i.large", 2, 8.0, 0.096, X86_64),
    it("m6i.xlarge", 4, 16.0, 0.192, X86_64),
    it("m6i.2xlarge", 8, 32.0, 0.384, X86_64),
    it("m6i.4xlarge", 16, 64.0, 0.768, X86_64),
    it("m7g.medium", 1, 4.0, 0.0408, Arm64),
    it("m7g.large", 2, 8.0, 0.0816, Arm64),
    it("m7g.xlarge", 4, 16.0, 0.1632, Arm64),
    it("m7g.2xlarge", 8, 32.0, 0.3264, Arm64),
    it("m7g.4xlarge", 16, 64.0, 0.6528, Arm64),
    it("c6i.large", 2, 4.0, 0.085, X86_64),
    it("c6i.xlarge", 4, 8.0, 0.17, X86_64),
    it("c6i.2xlarge", 8, 16.0, 0.34, X86_64),
    it("c6i.4xlarge", 16, 32.0, 0.68, X86_64),
    it("c7g.medium", 1, 2.0, 0.0363, Arm64),
    it("c7g.large", 2, 4.0, 0.0725, Arm64),
    it("c7g.xlarge", 4, 8.0, 0.145, Arm64),
    it("c7g.2xlarge", 8, 16.0, 0.29, Arm64),
];

/// Per-second billing with a 60-second minimum per launch (Linux on-demand, since 2017-10-02:
/// aws.amazon.com/about-aws/whats-new/2017/10/announcing-amazon-ec2-per-second-billing/).
pub const EC2_MIN_BILLED_S: u64 = 60;

/// Look up an instance type by name.
pub fn instance_type(name: &str) -> Option<&'static InstanceType> {
    EC2_INSTANCE_TYPES.iter().find(|t| t.name == name)
}

/// Names of every instance type, for error messages.
pub fn instance_type_names() -> Vec<&'static str> {
    EC2_INSTANCE_TYPES.iter().map(|t| t.name).collect()
}
