//! The raw layer of a scenario file: exactly what serde reads, unknown keys refused. Values are
//! checked and turned into domain types by `validate`.

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

/// `traffic.arrivals = { process = "...", ... }`.
#[derive(Debug, Deserialize)]
#[serde(tag = "process", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawArrivals {
    Poisson {
        rate_per_s: f64,
    },
    Daily {
        rate_per_s: Option<f64>,
        hourly: Option<Vec<f64>>,
        min_rate_per_s: Option<f64>,
        max_rate_per_s: Option<f64>,
        peak_hour: Option<f64>,
    },
    Bursty {
        base_rate_per_s: f64,
        burst_rate_per_s: f64,
        mean_base: String,
        mean_burst: String,
    },
    Even {
        rate_per_s: f64,
    },
    List {
        at_s: Vec<f64>,
    },
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

/// A distribution of durations in milliseconds: `{ dist = "...", ... }`.
#[derive(Debug, Deserialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawDist {
    Constant { ms: f64 },
    Exponential { mean_ms: f64 },
    Lognormal { median_ms: f64, p99_ms: f64 },
    Empirical { values_ms: Vec<f64> },
}

/// One `[[variant]]`.
#[derive(Debug, Deserialize)]
#[serde(tag = "platform", rename_all = "snake_case")]
pub enum RawVariant {
    Lambda(RawLambda),
    Ec2(RawEc2),
}

/// `platform = "lambda"`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLambda {
    pub name: String,
    pub memory_mb: i64,
    #[serde(default)]
    pub arch: RawArch,
    pub runtime: Option<String>,
    pub cold_start: Option<RawDist>,
    pub keep_alive: Option<String>,
    pub concurrency: Option<i64>,
    #[serde(default)]
    pub api_gateway: bool,
    #[serde(default)]
    pub free_tier: bool,
}

/// `arch = "x86_64" | "arm64"`.
#[derive(Debug, Default, Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum RawArch {
    #[default]
    #[serde(rename = "x86_64")]
    X86_64,
    Arm64,
}

/// `platform = "ec2"`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEc2 {
    pub name: String,
    pub instance_type: String,
    pub count: i64,
    pub slots: i64,
    pub queue_timeout: Option<String>,
    pub cpu_speed: Option<f64>,
    #[serde(default = "yes")]
    pub load_balancer: bool,
}

fn yes() -> bool {
    true
}
