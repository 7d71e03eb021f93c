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
    #[serde(default)]
    pub interval: Option<String>,
    pub traffic: RawTraffic,
    #[serde(default)]
    pub slo: Option<RawSlo>,
    #[serde(rename = "variant", default)]
    pub variants: Vec<RawVariant>,
}

fn default_seed() -> u64 {
    1
}

/// `[slo]`: what "good enough" means for this workload.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSlo {
    pub p99_ms: Option<f64>,
    pub max_failed_pct: Option<f64>,
}

/// `[traffic]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTraffic {
    pub arrivals: Option<RawArrivals>,
    pub replay: Option<RawReplay>,
    pub request: RawRequest,
}

/// Units of a replayed log's timestamps.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawTimestampUnit {
    S,
    Ms,
    Us,
    Rfc3339,
}

/// Units of a replayed log's durations.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawDurationUnit {
    S,
    Ms,
    Us,
}

/// `on_error` of a replayed log.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawOnError {
    Fail,
    Skip,
}

/// What a trace's logged durations are.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawDurations {
    AsRecorded,
    ReferenceCpu,
}

/// Formats a log can be replayed from.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawReplayFormat {
    Csv,
    Parquet,
    Combined,
    Alb,
    Azure2019,
    Azure2021,
}

/// How an Azure 2019 minute's invocations are placed in it.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawWithinMinute {
    Uniform,
    Poisson,
}

/// `traffic.replay = { format = "csv", path = "...", ... }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReplay {
    pub format: RawReplayFormat,
    pub path: String,
    pub timestamp: Option<String>,
    pub timestamp_unit: Option<RawTimestampUnit>,
    pub timestamp_is_end: Option<bool>,
    pub duration: Option<String>,
    pub duration_unit: Option<RawDurationUnit>,
    pub function: Option<String>,
    pub memory: Option<String>,
    pub within_minute: Option<RawWithinMinute>,
    pub on_error: Option<RawOnError>,
    pub durations: Option<RawDurations>,
    pub window: Option<RawWindow>,
    pub speed: Option<f64>,
    pub rate_multiplier: Option<f64>,
    pub functions: Option<Vec<String>>,
    pub top_functions: Option<i64>,
}

impl RawReplay {
    /// Every format-specific field and whether it was given.
    pub fn present(&self) -> Vec<(&'static str, bool)> {
        vec![
            ("timestamp", self.timestamp.is_some()),
            ("timestamp_unit", self.timestamp_unit.is_some()),
            ("timestamp_is_end", self.timestamp_is_end.is_some()),
            ("duration", self.duration.is_some()),
            ("duration_unit", self.duration_unit.is_some()),
            ("function", self.function.is_some()),
            ("memory", self.memory.is_some()),
            ("within_minute", self.within_minute.is_some()),
        ]
    }
}

/// `window = { from = "1h", to = "3h" }`: the part of a log to replay, from its first row.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWindow {
    pub from: Option<String>,
    pub to: Option<String>,
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
    Steps,
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
    pub steps: Option<Vec<RawStep>>,
}

/// One step of a `steps` process: `{ at = "30m", rate_per_s = 100 }`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub at: String,
    pub rate_per_s: f64,
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
            ("steps", self.steps.is_some()),
        ]
    }
}

/// `[traffic.request]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRequest {
    pub duration: Option<RawDist>,
    #[serde(default = "one")]
    pub cpu_fraction: f64,
    #[serde(default = "one")]
    pub parallelism: f64,
    #[serde(default = "default_request_memory")]
    pub memory_mb: i64,
    pub request_bytes: Option<f64>,
    pub response_bytes: Option<f64>,
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
    pub reserved_concurrency: Option<RawReserved>,
    pub timeout: Option<String>,
    pub api_gateway: Option<bool>,
    pub free_tier: Option<bool>,
    pub memory_from_trace: Option<bool>,
    // ec2
    pub instance_type: Option<String>,
    pub count: Option<i64>,
    pub slots: Option<i64>,
    pub queue_timeout: Option<String>,
    pub cpu_speed: Option<f64>,
    pub load_balancer: Option<RawLoadBalancer>,
    pub boot_time: Option<RawDist>,
    pub deregistration_delay: Option<String>,
    pub autoscaling: Option<RawAutoscaling>,
    pub schedule: Option<Vec<RawScheduledAction>>,
}

/// `reserved_concurrency = 100` (every function of the variant) or
/// `reserved_concurrency = { checkout = 200, search = 50 }` (by function name or unique prefix).
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum RawReserved {
    Each(i64),
    ByFunction(std::collections::BTreeMap<String, i64>),
}

/// `load_balancer` of an EC2 variant: `true`/`false`, or a table describing the Application
/// Load Balancer (which implies `true`).
#[derive(Debug)]
pub enum RawLoadBalancer {
    /// `load_balancer = true` or `false`: defaults for every setting.
    Enabled(bool),
    /// `load_balancer = { rules = 60, ... }`.
    Alb(RawAlb),
}

/// `load_balancer = { rules = ..., requests_per_connection = ..., connection_duration = ... }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAlb {
    pub rules: Option<i64>,
    pub requests_per_connection: Option<f64>,
    pub connection_duration: Option<String>,
}

impl<'de> Deserialize<'de> for RawLoadBalancer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = RawLoadBalancer;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "true, false or a table such as { rules = 10, requests_per_connection = 1, \
                     connection_duration = \"60s\" }",
                )
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<RawLoadBalancer, E> {
                Ok(RawLoadBalancer::Enabled(v))
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                map: M,
            ) -> Result<RawLoadBalancer, M::Error> {
                RawAlb::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RawLoadBalancer::Alb)
            }
        }
        d.deserialize_any(Visit)
    }
}

/// `[[variant.schedule]]`: a daily scheduled action.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawScheduledAction {
    pub at: String,
    pub min_size: Option<i64>,
    pub max_size: Option<i64>,
    pub desired_capacity: Option<i64>,
}

/// AWS's `AdjustmentType` names.
#[allow(clippy::enum_variant_names)] // spelled as AWS spells them, so configurations copy over
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
pub enum RawAdjustmentType {
    ChangeInCapacity,
    ExactCapacity,
    PercentChangeInCapacity,
}

/// One direction of step scaling (its alarm and `step_adjustments`) or simple scaling (its
/// alarm, `scaling_adjustment` and optional `cooldown`).
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawStepPolicy {
    pub threshold: f64,
    pub evaluation_periods: Option<i64>,
    pub adjustment_type: Option<RawAdjustmentType>,
    pub min_adjustment_magnitude: Option<i64>,
    pub step_adjustments: Option<Vec<RawStepAdjustment>>,
    pub scaling_adjustment: Option<i64>,
    pub cooldown: Option<String>,
}

/// AWS's `StepAdjustment`.
#[derive(Debug, Deserialize, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct RawStepAdjustment {
    pub metric_interval_lower_bound: Option<f64>,
    pub metric_interval_upper_bound: Option<f64>,
    pub scaling_adjustment: i64,
}

/// Kinds of scaling policy.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    Fixed,
    TargetTracking,
    Hpa,
    Step,
    Simple,
}

/// The HPA's `behavior` (autoscaling/v2), its names in snake_case.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawHpaBehavior {
    pub scale_up: Option<RawHpaScalingRules>,
    pub scale_down: Option<RawHpaScalingRules>,
}

/// `HPAScalingRules`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawHpaScalingRules {
    pub stabilization_window_seconds: Option<i64>,
    pub select_policy: Option<RawSelectPolicy>,
    pub policies: Option<Vec<RawHpaScalingPolicy>>,
}

/// `HPAScalingPolicy`.
#[derive(Debug, Deserialize, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct RawHpaScalingPolicy {
    #[serde(rename = "type")]
    pub kind: RawHpaPolicyType,
    pub value: i64,
    pub period_seconds: i64,
}

/// `HPAScalingPolicyType`, as Kubernetes spells it.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
pub enum RawHpaPolicyType {
    Pods,
    Percent,
}

/// `ScalingPolicySelect`, as Kubernetes spells it.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
pub enum RawSelectPolicy {
    Max,
    Min,
    Disabled,
}

/// AWS's names for the target-tracking metrics.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
pub enum RawTargetMetric {
    #[serde(rename = "ASGAverageCPUUtilization")]
    Cpu,
    #[serde(rename = "ALBRequestCountPerTarget")]
    RequestsPerTarget,
}

/// `autoscaling = { policy = "...", ... }` of an EC2 variant. Parameters carry the names the
/// provider uses, so they can be copied from a real configuration.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAutoscaling {
    pub policy: PolicyKind,
    pub period: Option<String>,
    // EC2 Auto Scaling
    pub min_size: Option<i64>,
    pub max_size: Option<i64>,
    pub predefined_metric_type: Option<RawTargetMetric>,
    pub target_value: Option<f64>,
    pub instance_warmup: Option<String>,
    pub disable_scale_in: Option<bool>,
    pub scale_in_ratio: Option<f64>,
    pub scale_out_datapoints: Option<i64>,
    pub scale_in_datapoints: Option<i64>,
    pub scale_out: Option<RawStepPolicy>,
    pub scale_in: Option<RawStepPolicy>,
    pub cooldown: Option<String>,
    // Kubernetes HPA
    pub min_replicas: Option<i64>,
    pub max_replicas: Option<i64>,
    pub average_utilization: Option<f64>,
    pub tolerance: Option<f64>,
    pub sync_period: Option<String>,
    pub scale_down_stabilization_window: Option<String>,
    pub scale_up_percent: Option<f64>,
    pub scale_up_pods: Option<i64>,
    pub cpu_initialization_period: Option<String>,
    pub behavior: Option<RawHpaBehavior>,
}

impl RawAutoscaling {
    /// Every optional field and whether it was given.
    pub fn present(&self) -> Vec<(&'static str, bool)> {
        vec![
            ("period", self.period.is_some()),
            ("min_size", self.min_size.is_some()),
            ("max_size", self.max_size.is_some()),
            (
                "predefined_metric_type",
                self.predefined_metric_type.is_some(),
            ),
            ("target_value", self.target_value.is_some()),
            ("instance_warmup", self.instance_warmup.is_some()),
            ("disable_scale_in", self.disable_scale_in.is_some()),
            ("scale_in_ratio", self.scale_in_ratio.is_some()),
            ("scale_out_datapoints", self.scale_out_datapoints.is_some()),
            ("scale_in_datapoints", self.scale_in_datapoints.is_some()),
            ("scale_out", self.scale_out.is_some()),
            ("scale_in", self.scale_in.is_some()),
            ("cooldown", self.cooldown.is_some()),
            ("min_replicas", self.min_replicas.is_some()),
            ("max_replicas", self.max_replicas.is_some()),
            ("average_utilization", self.average_utilization.is_some()),
            ("tolerance", self.tolerance.is_some()),
            ("sync_period", self.sync_period.is_some()),
            (
                "scale_down_stabilization_window",
                self.scale_down_stabilization_window.is_some(),
            ),
            ("scale_up_percent", self.scale_up_percent.is_some()),
            ("scale_up_pods", self.scale_up_pods.is_some()),
            (
                "cpu_initialization_period",
                self.cpu_initialization_period.is_some(),
            ),
            ("behavior", self.behavior.is_some()),
        ]
    }
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
            ("reserved_concurrency", self.reserved_concurrency.is_some()),
            ("timeout", self.timeout.is_some()),
            ("api_gateway", self.api_gateway.is_some()),
            ("free_tier", self.free_tier.is_some()),
            ("memory_from_trace", self.memory_from_trace.is_some()),
            ("instance_type", self.instance_type.is_some()),
            ("count", self.count.is_some()),
            ("slots", self.slots.is_some()),
            ("queue_timeout", self.queue_timeout.is_some()),
            ("cpu_speed", self.cpu_speed.is_some()),
            ("load_balancer", self.load_balancer.is_some()),
            ("boot_time", self.boot_time.is_some()),
            ("deregistration_delay", self.deregistration_delay.is_some()),
            ("autoscaling", self.autoscaling.is_some()),
            ("schedule", self.schedule.is_some()),
        ]
    }
}
