//! The raw layer of a scenario file: exactly what serde reads, unknown keys refused. Values are
//! checked and turned into domain types by `validate`.
//!
//! Tables that come in kinds (`process`, `dist`, `policy`) are flat structs with the kind as
//! a plain field, not serde-tagged enums: tagged enums buffer their content and lose the
//! positions that error messages need. Each is declared once with [`raw_table!`] (its fields,
//! and which were given); `validate` checks which fields each kind takes. The `[[variant]]`
//! table is the products' (`variant/`): each product declares its fields with
//! [`kind_fields!`], in its own file.

use serde::Deserialize;

/// Declares the optional fields of a kind of table once, as `name: Type` lines, and emits: the
/// struct of `Option<Type>` fields; `NAMES`, the fields in order (what the kind takes, as
/// messages list it); `present()`, which were given; and `read()`, which reads them from a
/// `[[variant]]` table (serde's errors keep their positions, [`crate::scenario::RawFields`]).
macro_rules! kind_fields {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $($field:ident: $ty:ty,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Default)]
        $vis struct $name {
            $(
                #[doc = concat!("`", stringify!($field), "`, when given.")]
                pub $field: ::std::option::Option<$ty>,
            )*
        }

        impl $name {
            /// The fields, in order.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($field)),*];

            $crate::scenario::raw::raw_table!(@present $($field)*);

            /// Read every field given in `fields` with its raw type.
            ///
            /// # Errors
            /// A field's value has the wrong type (serde's error, at the value).
            pub fn read(
                fields: &$crate::scenario::RawFields<'_>,
            ) -> ::std::result::Result<Self, $crate::scenario::ScenarioError> {
                ::std::result::Result::Ok(Self {
                    $($field: fields.get(stringify!($field))?,)*
                })
            }
        }
    };
}
pub(crate) use kind_fields;

/// Declares a table that comes in kinds once: its kind field (required), then its optional
/// fields as `name: Type` lines. Emits the serde struct (unknown keys refused; each optional
/// field an `Option`) and `present()`, which optional fields were given; `validate` says which
/// ones each kind takes.
macro_rules! raw_table {
    (@present $($field:ident)*) => {
        /// Every optional field and whether it was given.
        pub fn present(&self) -> ::std::vec::Vec<(&'static str, bool)> {
            ::std::vec![$((stringify!($field), self.$field.is_some())),*]
        }
    };
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            kind $kind:ident: $kind_ty:ty;
            $($field:ident: $ty:ty,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, ::serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            pub $kind: $kind_ty,
            $(pub $field: ::std::option::Option<$ty>,)*
        }

        impl $name {
            $crate::scenario::raw::raw_table!(@present $($field)*);
        }
    };
}
pub(crate) use raw_table;

/// A whole scenario file; `V` is a `[[variant]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario<V> {
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
    /// `[prices]`: private rates and discounts.
    #[serde(default)]
    pub prices: Option<RawPrices>,
    /// The `[[variant]]` tables: their name and platform, then as their products read them
    /// (`variant::VariantHead`, then `variant::RawVariant`).
    #[serde(rename = "variant", default = "Vec::new")]
    pub variants: Vec<V>,
}

impl<V> RawScenario<V> {
    /// The same scenario with its `[[variant]]` tables read as `variants`.
    pub fn with_variants<W>(self, variants: Vec<W>) -> RawScenario<W> {
        RawScenario {
            name: self.name,
            description: self.description,
            seed: self.seed,
            horizon: self.horizon,
            interval: self.interval,
            traffic: self.traffic,
            slo: self.slo,
            prices: self.prices,
            variants,
        }
    }
}

fn default_seed() -> u64 {
    1
}

/// `[prices]`: `[[prices.discount]]` tables and `[prices.rates]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPrices {
    #[serde(default)]
    pub discount: Vec<RawDiscount>,
    #[serde(default)]
    pub rates: std::collections::BTreeMap<String, RawRate>,
}

/// `[[prices.discount]]`: a negotiated discount.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDiscount {
    pub name: Option<String>,
    pub percent: f64,
    pub provider: Option<String>,
    pub service: Option<String>,
    pub region: Option<String>,
}

/// A private rate: USD per unit, or a list for a price in bands.
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum RawRate {
    One(f64),
    Bands(Vec<f64>),
}

/// A variant's `purchase = { option = ..., ... }`: every option's fields, checked by
/// validation against the option named.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawPurchase {
    pub option: String,
    pub term: Option<String>,
    pub payment: Option<String>,
    pub count: Option<i64>,
    pub kind: Option<String>,
    pub commitment_per_hour: Option<f64>,
    pub price_ratio: Option<f64>,
    pub interruptions_per_hour: Option<f64>,
    pub interruptions_at: Option<Vec<String>>,
    pub notice: Option<String>,
    pub on_interruption: Option<String>,
    pub price_history: Option<Vec<RawSpotPrice>>,
}

/// One entry of a spot `price_history`: from `at` (a time from the start of the run) the spot
/// price is `usd_per_hour`, as `aws ec2 describe-spot-price-history` lists them.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawSpotPrice {
    pub at: String,
    pub usd_per_hour: f64,
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

raw_table! {
    /// `traffic.arrivals = { process = "...", ... }`.
    pub struct RawArrivals {
        kind process: Process;
        rate_per_s: f64,
        hourly: Vec<f64>,
        min_rate_per_s: f64,
        max_rate_per_s: f64,
        peak_hour: f64,
        base_rate_per_s: f64,
        burst_rate_per_s: f64,
        mean_base: String,
        mean_burst: String,
        at_s: Vec<f64>,
        steps: Vec<RawStep>,
        repeat: RawRepeat,
        rate_multiplier: f64,
        weekly: Vec<f64>,
        events: Vec<RawEvent>,
    }
}

/// How often a step pattern or an event comes back: `repeat = "once" | "daily" | "weekly"`.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum RawRepeat {
    Once,
    Daily,
    Weekly,
}

/// One event on top of the arrivals: `{ name = "sale", at = "Sat 10:00", for = "2 h",
/// multiplier = 5, repeat = "weekly" }`; `days = ["Mon", ...]` with `repeat = "daily"` limits
/// it to those weekdays.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawEvent {
    pub name: Option<String>,
    pub at: String,
    #[serde(rename = "for")]
    pub for_: String,
    pub multiplier: f64,
    pub repeat: Option<RawRepeat>,
    pub days: Option<Vec<String>>,
}

/// One step of a `steps` process: `{ at = "30m", rate_per_s = 100 }`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub at: String,
    pub rate_per_s: f64,
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
    pub request_bytes: Option<Whole>,
    pub response_bytes: Option<Whole>,
    pub log_bytes: Option<Whole>,
}

/// A whole number, written as an integer or as a float without a fraction (`1e10`). That the
/// field takes no fraction is a fact of this layer, so a sweep's fraction probe
/// (`doc::takes_fractions`) sees it without validating; ranges and limits are `validate`'s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Whole(pub f64);

impl<'de> Deserialize<'de> for Whole {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        if v.is_finite() && v.fract() != 0.0 {
            return Err(serde::de::Error::invalid_value(
                serde::de::Unexpected::Float(v),
                &"a whole number",
            ));
        }
        Ok(Whole(v))
    }
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

raw_table! {
    /// A distribution of durations in milliseconds: `{ dist = "...", ... }`.
    pub struct RawDist {
        kind dist: DistKind;
        ms: f64,
        mean_ms: f64,
        median_ms: f64,
        p99_ms: f64,
        values_ms: Vec<f64>,
    }
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
    /// An Auto Scaling group's average CPU (EC2 Auto Scaling).
    #[serde(rename = "ASGAverageCPUUtilization")]
    Cpu,
    #[serde(rename = "ALBRequestCountPerTarget")]
    RequestsPerTarget,
    /// An ECS service's average CPU (Application Auto Scaling's predefined metric for ECS
    /// services): the same measure over the service's tasks.
    #[serde(rename = "ECSServiceAverageCPUUtilization")]
    EcsCpu,
}

impl RawTargetMetric {
    /// Whether it is average CPU utilisation (a percentage), under either name.
    pub fn is_cpu(self) -> bool {
        matches!(self, Self::Cpu | Self::EcsCpu)
    }

    /// Its name, as AWS writes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Cpu => "ASGAverageCPUUtilization",
            Self::RequestsPerTarget => "ALBRequestCountPerTarget",
            Self::EcsCpu => "ECSServiceAverageCPUUtilization",
        }
    }
}

raw_table! {
    /// `autoscaling = { policy = "...", ... }` of an EC2 variant. Parameters carry the names the
    /// provider uses, so they can be copied from a real configuration.
    pub struct RawAutoscaling {
        kind policy: PolicyKind;
        period: String,
        // EC2 Auto Scaling
        min_size: i64,
        max_size: i64,
        predefined_metric_type: RawTargetMetric,
        target_value: f64,
        instance_warmup: String,
        disable_scale_in: bool,
        scale_in_ratio: f64,
        scale_out_datapoints: i64,
        scale_in_datapoints: i64,
        scale_out: RawStepPolicy,
        scale_in: RawStepPolicy,
        cooldown: String,
        // Kubernetes HPA
        min_replicas: i64,
        max_replicas: i64,
        average_utilization: f64,
        tolerance: f64,
        sync_period: String,
        scale_down_stabilization_window: String,
        scale_up_percent: Whole,
        scale_up_pods: i64,
        cpu_initialization_period: String,
        behavior: RawHpaBehavior,
    }
}
