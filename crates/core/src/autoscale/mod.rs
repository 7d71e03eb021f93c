//! Autoscaling policies, one per file. A policy looks at what the provider's metrics show —
//! completed periods only, so metric lag is real — and returns a decision. It never touches the
//! event queue or the instances: the fleet model applies the decision.

mod behavior;
mod cloud_run;
mod fixed;
mod hpa;
mod kpa;
pub mod scheduled;
mod simple;
mod step;
mod target_tracking;

pub use behavior::{HpaScalingPolicy, HpaScalingRules, PolicyType, SelectPolicy};
pub use cloud_run::{MetricsScaler, MetricsScalerConfig};
pub use fixed::Fixed;
pub use hpa::{Hpa, HpaConfig};
pub use kpa::{Kpa, KpaConfig, KpaDecision};
pub use scheduled::ScheduledAction;
pub use simple::{SimpleAdjustment, SimpleScaling, SimpleScalingConfig};
pub use step::{
    AdjustmentType, StepAdjustment, StepPolicyConfig, StepScaling, StepScalingConfig,
    apply_adjustment,
};
pub use target_tracking::{TargetMetric, TargetTracking, TargetTrackingConfig};

use serde::Serialize;

use crate::engine::{SimDuration, SimTime};

/// One metric datapoint, as a provider would publish it for a completed period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Datapoint {
    /// End of the period, seconds.
    pub end_s: f64,
    /// Average CPU utilisation (0–1) of in-service instances that are not warming; `None` when
    /// there were none (insufficient data).
    pub cpu_utilisation: Option<f64>,
    /// Requests that arrived in the period per in-service instance (ALBRequestCountPerTarget).
    pub requests_per_target: Option<f64>,
    /// Requests running at the end of the period.
    pub in_flight: u64,
    /// Requests waiting in the queue at the end of the period.
    pub queue_length: u64,
    /// Provisioned concurrency utilisation (0–1) of a Lambda function over the period; `None`
    /// for fleets, and at a level of 0 (insufficient data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provisioned_utilisation: Option<f64>,
}

/// The fleet's capacity as a policy sees it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Capacity {
    /// Desired capacity: instances booting or in service.
    pub desired: u32,
    /// Instances still booting (launched, not yet in service).
    pub booting: u32,
    /// Instances in service but still within their warm-up (counted from entering service).
    pub warming: u32,
    /// Instances in service and past warm-up.
    pub in_service: u32,
    /// Instances deregistered and still finishing their requests.
    pub draining: u32,
    /// Lower bound on desired capacity.
    pub min: u32,
    /// Upper bound on desired capacity.
    pub max: u32,
    /// The latest time an instance entered service or terminated (a scaling activity's last
    /// step), if any has since time zero.
    pub last_change: Option<SimTime>,
}

/// One instance as a Kubernetes pod, as the HPA's metrics pipeline sees it at a sync (pods
/// being deleted — draining instances — are left out, as the controller ignores them).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PodSample {
    /// When the pod started (`status.startTime`): the instance's launch.
    pub started: SimTime,
    /// When the pod last became ready (the `Ready` condition's `lastTransitionTime`): when the
    /// instance entered service. `None`: still starting (phase `Pending`).
    pub ready_since: Option<SimTime>,
    /// CPU utilisation (0–1 of the pod's request, the instance's vCPUs) over the part of the
    /// last period it was ready; `None` when there is no sample (a missing metric).
    pub cpu_utilisation: Option<f64>,
}

/// What a policy sees at an evaluation.
#[derive(Clone, Copy, Debug)]
pub struct Observation<'a> {
    /// When the evaluation happens (the end of the latest period).
    pub now: SimTime,
    /// Current capacity.
    pub capacity: Capacity,
    /// Completed datapoints, oldest first (a bounded recent window).
    pub history: &'a [Datapoint],
    /// Booting and in-service instances, one sample each, for per-pod policies (the HPA).
    pub pods: &'a [PodSample],
}

/// What a policy decided.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Leave the desired capacity as it is.
    Hold,
    /// Set the desired capacity (the fleet clamps it to [min, max]).
    SetDesired {
        /// New desired capacity.
        desired: u32,
        /// Why, for the scaling-activity log.
        reason: String,
    },
}

/// A scaling policy.
pub trait Policy: Send {
    /// How often the policy is evaluated; also the length of a metric period.
    fn period(&self) -> SimDuration;
    /// Instances in service for less than this long are warming (the warm-up counts from
    /// InService, not from launch): their metrics are left out of the datapoints and they do
    /// not count as current capacity when scaling out.
    fn warmup(&self) -> SimDuration;
    /// Evaluate at the end of a period.
    fn decide(&mut self, obs: &Observation) -> Decision;
}

/// A policy as configured in a scenario; `build` makes a fresh one for each run.
#[derive(Clone, Debug, PartialEq)]
pub enum PolicySpec {
    /// Never scales; datapoints every `period`.
    Fixed {
        /// Metric period.
        period: SimDuration,
    },
    /// EC2 Auto Scaling target tracking.
    TargetTracking(TargetTrackingConfig),
    /// Kubernetes HPA.
    Hpa(HpaConfig),
    /// EC2 Auto Scaling step scaling.
    Step(StepScalingConfig),
    /// EC2 Auto Scaling simple scaling (with a cooldown).
    Simple(SimpleScalingConfig),
}

impl PolicySpec {
    /// A fresh policy with no history.
    pub fn build(&self) -> Box<dyn Policy> {
        match self {
            PolicySpec::Fixed { period } => Box::new(Fixed { period: *period }),
            PolicySpec::TargetTracking(c) => Box::new(TargetTracking::new(*c)),
            PolicySpec::Hpa(c) => Box::new(Hpa::new(c.clone())),
            PolicySpec::Step(c) => Box::new(StepScaling::new(c.clone())),
            PolicySpec::Simple(c) => Box::new(SimpleScaling::new(c.clone())),
        }
    }

    /// Short name for reports.
    pub fn name(&self) -> &'static str {
        match self {
            PolicySpec::Fixed { .. } => "fixed",
            PolicySpec::TargetTracking(_) => "target tracking",
            PolicySpec::Hpa(_) => "HPA",
            PolicySpec::Step(_) => "step scaling",
            PolicySpec::Simple(_) => "simple scaling",
        }
    }
}

/// A metric value as a person reads it: CPU as a percentage ("65.0 %"), requests per target
/// as a count.
pub fn show_metric(metric: TargetMetric, value: f64) -> String {
    match metric {
        TargetMetric::Cpu => format!("CPU {:.1} %", value * 100.0),
        TargetMetric::RequestsPerTarget => format!("{value:.1} requests per target"),
        TargetMetric::ProvisionedConcurrencyUtilization => {
            format!("provisioned concurrency utilisation {:.1} %", value * 100.0)
        }
    }
}

/// A threshold or target of `metric` as a person reads it: CPU as a percentage ("50 %").
pub fn show_threshold(metric: TargetMetric, value: f64) -> String {
    match metric {
        TargetMetric::Cpu | TargetMetric::ProvisionedConcurrencyUtilization => {
            format!("{} %", round_display(value * 100.0))
        }
        TargetMetric::RequestsPerTarget => format!("{}", round_display(value)),
    }
}

/// Drop the float noise of a percentage computed from a fraction (0.29 × 100 = 28.999…).
fn round_display(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// Default metric period: one minute (EC2 detailed monitoring).
pub const DEFAULT_PERIOD: SimDuration = SimDuration::from_secs(60);

/// Datapoints kept for policies to look back on (enough for a 15-of-15 alarm or a 300 s window
/// of 15 s periods).
pub const HISTORY_LEN: usize = 64;
