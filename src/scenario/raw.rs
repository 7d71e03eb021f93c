//! The raw layer of a scenario file: exactly what serde reads, unknown keys refused. Values are
//! checked and turned into domain types by `validate`.
//!
//! Tables that come in kinds (`process`, `dist`, `platform`) are flat structs with the kind as
//! a plain field, not serde-tagged enums: tagged enums buffer their content and lose the
//! positions that error messages need. `validate` checks which fields each kind takes.

use serde::Deserialize;

/// A whole scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default = "default_seed")]
    pub seed: u64,
    pub horizon: String,
    pub traffic: RawTraffic,
    #[serde(rename = "variant", default)]
    pub variants: Vec<RawVariant>,
}

fn default_seed() -> u64 {
    1
}

/// `[traffic]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTraffic {
    pub arrivals: RawArrivals,
    pub request: RawRequest,
}

/// Kinds of arrival process.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Process {
    Poisson,
    Daily,
    Bursty,
    Even,
    List,
}

/// `traffic.arrivals = { process = "...", ... }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawArrivals {
    pub process: Process,
    pub rate_per_s: Option<f64>,
    pub hourly: Option<Vec<f64>>,
    pub min_rate_per_s: Option<f64>,
    pub max_rate_per_s: Option<f64>,
    pub peak_hour: Option<f64>,
    pub base_rate_per_s: Option<f64>,
    pub burst_rate_per_s: Option<f64>,
    pub mean_base: Option<String>,
    pub mean_burst: Option<String>,
    pub at_s: Option<Vec<f64>>,
}

impl RawArrivals {
    /// Every optional field and whether it was given.
    pub fn present(&self) -> Vec<(&'static str, bool)> {
        vec![
            ("rate_per_s", self.rate_per_s.is_some()),
            ("hourly", self.hourly.is_some()),
            ("min_rate_per_s", self.min_rate_per_s.is_some()),
            ("max_rate_per_s", self.max_rate_per_s.is_some()),
            ("peak_hour", self.peak_hour.is_some()),
            ("base_rate_per_s", self.base_rate_per_s.is_some()),
            ("burst_rate_per_s", self.burst_rate_per_s.is_some()),
            ("mean_base", self.mean_base.is_some()),
            ("mean_burst", self.mean_burst.is_some()),
            ("at_s", self.at_s.is_some()),
        ]
    }
}

/// `[traffic.request]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRequest {
    pub duration: RawDist,
    #[serde(default = "one")]
    pub cpu_fraction: f64,
    #[serde(default = "one")]
    pub parallelism: f64,
    #[serde(default = "default_request_memory")]
    pub memory_mb: i64,
}

fn one() -> f64 {
    1.0
}

fn default_request_memory() -> i64 {
    128
}

/// Kinds of duration distribution.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DistKind {
    Constant,
    Exponential,
    Lognormal,
    Empirical,
}

/// A distribution of durations in milliseconds: `{ dist = "...", ... }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDist {
    pub dist: DistKind,
    pub ms: Option<f64>,
    pub mean_ms: Option<f64>,
    pub median_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub values_ms: Option<Vec<f64>>,
}

impl RawDist {
    /// Every optional field and whether it was given.
    pub fn present(&self) -> Vec<(&'static str, bool)> {
        vec![
            ("ms", self.ms.is_some()),
            ("mean_ms", self.mean_ms.is_some()),
            ("median_ms", self.median_ms.is_some()),
            ("p99_ms", self.p99_ms.is_some()),
            ("values_ms", self.values_ms.is_some()),
        ]
    }
}

/// Kinds of platform.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PlatformKind {
    Lambda,
    Ec2,
}

/// `arch = "x86_64" | "arm64"`.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
pub enum RawArch {
    #[serde(rename = "x86_64")]
    X86_64,
    #[serde(rename = "arm64")]
    Arm64,
}

/// One `[[variant]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVariant {
    pub name: String,
    pub platform: PlatformKind,
    // lambda
    pub memory_mb: Option<i64>,
    pub arch: Option<RawArch>,
    pub runtime: Option<String>,
    pub cold_start: Option<RawDist>,
    pub keep_alive: Option<String>,
    pub concurrency: Option<i64>,
    pub api_gateway: Option<bool>,
    pub free_tier: Option<bool>,
    // ec2
    pub instance_type: Option<String>,
    pub count: Option<i64>,
    pub slots: Option<i64>,
    pub queue_timeout: Option<String>,
    pub cpu_speed: Option<f64>,
    pub load_balancer: Option<bool>,
}

impl RawVariant {
    /// Every optional field and whether it was given.
    pub fn present(&self) -> Vec<(&'static str, bool)> {
        vec![
            ("memory_mb", self.memory_mb.is_some()),
            ("arch", self.arch.is_some()),
            ("runtime", self.runtime.is_some()),
            ("cold_start", self.cold_start.is_some()),
            ("keep_alive", self.keep_alive.is_some()),
            ("concurrency", self.concurrency.is_some()),
            ("api_gateway", self.api_gateway.is_some()),
            ("free_tier", self.free_tier.is_some()),
            ("instance_type", self.instance_type.is_some()),
            ("count", self.count.is_some()),
            ("slots", self.slots.is_some()),
            ("queue_timeout", self.queue_timeout.is_some()),
            ("cpu_speed", self.cpu_speed.is_some()),
            ("load_balancer", self.load_balancer.is_some()),
        ]
    }
}
