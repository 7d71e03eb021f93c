//! Cold-start presets per runtime, as lognormal (median, p99) distributions of INIT latency.
//!
//! Sources (../shared/reference/pricing-and-autoscaling.md, section 3.1):
//! - Typical end-to-end Lambda cold starts, x86 512 MB outside a VPC, with dependencies: Node 20
//!   150–400 ms, Python 3.12 150–500 ms, Go 80–250 ms, .NET 8 600–1200 ms, Java 17 800–2500 ms
//!   (arcadegame.cloud/arcade/cloud/03-serverless-cold-starts, 2025/26, secondary source). Each
//!   range is read as median = geometric mean of its ends, p99 = its top.
//! - Rust (provided.al2023, arm64): Init Duration 13 ms median, 11–22 ms over 10 forced cold
//!   starts of a hello-world function (maxday/lambda-perf, data/2026-08-22.json); read as median
//!   13 ms, p99 22 ms. This is INIT alone: add your own initialisation with `cold_start`.

use crate::dist::DurationDist;

/// A named cold-start preset.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RuntimePreset {
    /// Name used in scenario files.
    pub name: &'static str,
    /// Median INIT latency, ms.
    pub median_ms: f64,
    /// 99th percentile INIT latency, ms.
    pub p99_ms: f64,
}

/// Every runtime preset.
pub const RUNTIMES: &[RuntimePreset] = &[
    RuntimePreset {
        name: "nodejs",
        median_ms: 244.9,
        p99_ms: 400.0,
    },
    RuntimePreset {
        name: "python",
        median_ms: 273.9,
        p99_ms: 500.0,
    },
    RuntimePreset {
        name: "go",
        median_ms: 141.4,
        p99_ms: 250.0,
    },
    RuntimePreset {
        name: "dotnet",
        median_ms: 848.5,
        p99_ms: 1_200.0,
    },
    RuntimePreset {
        name: "java",
        median_ms: 1_414.2,
        p99_ms: 2_500.0,
    },
    RuntimePreset {
        name: "rust",
        median_ms: 13.0,
        p99_ms: 22.0,
    },
];

/// The cold-start distribution of a runtime, if it has a preset.
pub fn runtime_cold_start(name: &str) -> Option<DurationDist> {
    RUNTIMES
        .iter()
        .find(|r| r.name == name)
        .map(|r| DurationDist::lognormal(r.median_ms / 1_000.0, r.p99_ms / 1_000.0))
}

/// Names of every runtime preset, for error messages.
pub fn runtime_names() -> Vec<&'static str> {
    RUNTIMES.iter().map(|r| r.name).collect()
}
