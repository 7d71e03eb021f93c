//! Knative Serving on a Kubernetes cluster whose nodes you pay for (`platform = "knative"`):
//! pods that each serve up to `container_concurrency` requests, scaled by Knative's Pod
//! Autoscaler (KPA, [`crate::autoscale::Kpa`]) from zero and back, on a fixed set of nodes of
//! one machine type billed from the provider's price book (`provider = "aws" | "gcp" |
//! "azure"`) — the serverless-container model ([`crate::platform::containers`]) under
//! Knative's rules.
//!
//! - Every autoscaler setting is the KPA's, under its Knative name (the `config-autoscaler`
//!   keys and the `autoscaling.knative.dev/*` annotations, in snake case), with Knative's
//!   defaults (knative/serving `config/core/configmaps/autoscaler.yaml`).
//! - Scaling from zero: with no pod, the activator holds the request and asks for
//!   `activation_scale` pods at once; held requests wait up to the revision's `timeout`
//!   (`timeoutSeconds`, default 300 s) and count as cold starts.
//! - Pods scaled down are terminated (they finish their requests first).
//! - The nodes bound the pods: at most ⌊node vCPUs ÷ pod `cpu`⌋ (and as many by memory) per
//!   node, so `max_scale` is at most what the nodes hold. The nodes cost the same whether pods
//!   run or not: scale-to-zero saves latency budget, not money, until a cluster autoscaler
//!   removes nodes (not modelled). The control plane's fee (EKS, GKE, AKS tiers) is not billed.
//! - Pod startup: the container's start on a node that has its image (the runtime presets of
//!   Cloud Run, [`super::cloud_run::STARTUP_PRESETS`]), or `cold_start`.

use crate::autoscale::KpaConfig;
use crate::billing::book::{MachineType, Price};
use crate::billing::schemes::{self, Metered};
use crate::billing::{CostCategory, Invoice, Period};
use crate::engine::SimDuration;
use crate::metrics::{FunctionOutcome, IntervalRow};
use crate::platform::PlatformFamily;
use crate::platform::containers::{ContainerConfig, OnDemand, ScalerSpec};
use crate::platform::pool::PoolConfig;
use crate::results::VariantReport;
use crate::scenario::raw::{RawDist, kind_fields};
use crate::scenario::validate::{Result, join, key};
use crate::scenario::{PlatformSpec, RawFields, ScenarioError, VariantCx};
use crate::usage::{ContainerUsage, Meter};

use super::containers::served;
use super::extras::Extras;
use super::{Bills, Configured, Product, ProductFields, RunCtx};

/// The name scenario files and reports give it: `platform = "knative"`.
pub const KIND: &str = "knative";
/// Its family: serverless containers.
pub const FAMILY: PlatformFamily = PlatformFamily::Container;
/// The revision's default request timeout (`timeoutSeconds`, Knative `config-defaults`
/// `revision-timeout-seconds`: 300).
pub const DEFAULT_TIMEOUT: SimDuration = SimDuration::from_secs(300);
/// Requests a pod runs at once when `container_concurrency` is 0 (unlimited): enough that the
/// pod's CPU, shared among them, is the limit.
pub const UNLIMITED_SLOTS: u32 = 10_000;
/// Most nodes accepted (a 5,000-node cluster is Kubernetes' documented limit).
pub const MAX_NODES: u32 = 5_000;

/// The product, as scenario files name it and the registry lists it.
#[derive(Debug)]
pub struct Knative;

/// The product.
pub static KNATIVE: Knative = Knative;

impl Product for Knative {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn family(&self) -> PlatformFamily {
        FAMILY
    }

    fn fields(&self) -> &'static [&'static str] {
        KnativeFields::NAMES
    }

    fn read(
        &self,
        fields: &RawFields<'_>,
    ) -> std::result::Result<Box<dyn ProductFields>, ScenarioError> {
        Ok(Box::new(KnativeFields::read(fields)?))
    }

    fn providers(&self) -> &'static [&'static str] {
        &["aws", "gcp", "azure"]
    }

    fn presets(&self) -> String {
        presets()
    }
}

kind_fields! {
    /// The fields of `platform = "knative"`, in the order messages list them.
    pub struct KnativeFields {
        node_type: String,
        nodes: i64,
        cpu: f64,
        memory_mb: i64,
        container_concurrency: i64,
        target: f64,
        target_utilization_percentage: f64,
        min_scale: i64,
        max_scale: i64,
        initial_scale: i64,
        activation_scale: i64,
        stable_window: String,
        panic_window_percentage: f64,
        panic_threshold_percentage: f64,
        max_scale_up_rate: f64,
        max_scale_down_rate: f64,
        scale_to_zero_grace_period: String,
        scale_down_delay: String,
        enable_scale_to_zero: bool,
        target_burst_capacity: f64,
        runtime: String,
        cold_start: RawDist,
        timeout: String,
    }
}

/// A Knative variant's configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct KnativeSpec {
    /// The service model's parameters (its scaler is the KPA).
    pub service: ContainerConfig,
    /// The node machine type.
    pub node: MachineType,
    /// Nodes.
    pub nodes: u32,
    /// Its on-demand price per node-hour.
    pub hourly: Price,
    /// vCPUs per pod.
    pub cpu: f64,
    /// Memory per pod, MiB.
    pub memory_mb: u32,
    /// The lines people forget: data transfer out, logs (AWS), a NAT gateway.
    pub extras: Extras,
}

impl ProductFields for KnativeFields {
    fn validate(&self, v: &VariantCx<'_>) -> Result<PlatformSpec> {
        validate(v, self).map(PlatformSpec::new)
    }
}

fn validate(v: &VariantCx<'_>, raw: &KnativeFields) -> Result<KnativeSpec> {
    let (cx, base, kind) = (v.ctx(), v.base(), v.kind());
    let p = |f| join(base, &[key(f)]);
    let book = v
        .book()
        .expect("knative is priced from its provider's book");
    let type_name = cx.need(base, kind, "node_type", &raw.node_type)?;
    let noun = format!("{} machine type", book.provider);
    let node = super::fleet::machine_type(v, "node_type", &noun, &type_name)?.clone();
    let nodes = v.int_in(
        "nodes",
        cx.need(base, kind, "nodes", &raw.nodes)?,
        1,
        i64::from(MAX_NODES),
        " nodes",
    )?;
    let cpu = raw.cpu.unwrap_or(1.0);
    if !(cpu > 0.0 && cpu <= f64::from(node.vcpus)) {
        return Err(v.error(
            "cpu",
            format!("cpu = {cpu}"),
            format!(
                "a pod's CPU request, more than 0 and at most the node's {} vCPUs",
                node.vcpus
            ),
        ));
    }
    let node_mb = (node.memory_gib * 1_024.0) as i64;
    let memory_mb = v.int_in(
        "memory_mb",
        raw.memory_mb.unwrap_or(512),
        1,
        node_mb,
        " MiB (a pod's memory request, at most the node's)",
    )?;
    let profile_mb = v.traffic().profile.memory_mb;
    if profile_mb > memory_mb {
        return Err(v.error(
            "memory_mb",
            format!("{memory_mb} MiB is less than the {profile_mb} MB one request uses"),
            "give the pod at least as much memory as one request uses",
        ));
    }
    let per_node =
        ((f64::from(node.vcpus) / cpu).floor() as i64).min(node_mb / i64::from(memory_mb));
    let capacity = u32::try_from(per_node * i64::from(nodes)).unwrap_or(u32::MAX);
    let container_concurrency = v.int_in(
        "container_concurrency",
        raw.container_concurrency.unwrap_or(0),
        0,
        1_000,
        " (0 = unlimited; Knative's containerConcurrency)",
    )?;
    let max_scale = v.int_in(
        "max_scale",
        raw.max_scale.unwrap_or(0),
        0,
        100_000,
        " pods (0 = unlimited)",
    )?;
    let max = if max_scale == 0 {
        capacity
    } else {
        max_scale.min(capacity)
    };
    let min_scale = v.int_in(
        "min_scale",
        raw.min_scale.unwrap_or(0),
        0,
        i64::from(max),
        &format!(" pods (at most max_scale and the {capacity} pods the nodes hold)"),
    )?;
    let d = KpaConfig::default();
    let duration = |field: &'static str, given: &Option<String>, default: SimDuration| match given {
        None => Ok(default),
        Some(text) => cx.duration(&p(field), text),
    };
    let kpa = KpaConfig {
        container_concurrency,
        target: raw.target,
        target_utilization_percentage: raw
            .target_utilization_percentage
            .unwrap_or(d.target_utilization_percentage),
        stable_window: duration("stable_window", &raw.stable_window, d.stable_window)?,
        panic_window_percentage: raw
            .panic_window_percentage
            .unwrap_or(d.panic_window_percentage),
        panic_threshold_percentage: raw
            .panic_threshold_percentage
            .unwrap_or(d.panic_threshold_percentage),
        max_scale_up_rate: raw.max_scale_up_rate.unwrap_or(d.max_scale_up_rate),
        max_scale_down_rate: raw.max_scale_down_rate.unwrap_or(d.max_scale_down_rate),
        scale_to_zero_grace_period: duration(
            "scale_to_zero_grace_period",
            &raw.scale_to_zero_grace_period,
            d.scale_to_zero_grace_period,
        )?,
        scale_down_delay: duration(
            "scale_down_delay",
            &raw.scale_down_delay,
            d.scale_down_delay,
        )?,
        enable_scale_to_zero: raw.enable_scale_to_zero.unwrap_or(d.enable_scale_to_zero),
        target_burst_capacity: raw.target_burst_capacity.unwrap_or(d.target_burst_capacity),
        min_scale,
        max_scale: max,
        initial_scale: v.int_in(
            "initial_scale",
            raw.initial_scale.unwrap_or(i64::from(d.initial_scale)),
            0,
            i64::from(max),
            " pods",
        )?,
        activation_scale: v.int_in(
            "activation_scale",
            raw.activation_scale
                .unwrap_or(i64::from(d.activation_scale)),
            1,
            i64::from(max.max(1)),
            " pods",
        )?,
        ..d
    };
    kpa.validate().map_err(|e| {
        // "stable-window = 5s, must be ..." → the field `stable_window`.
        let knative_key = e.split(" = ").next().unwrap_or_default();
        let name = knative_key
            .trim_start_matches("autoscaling.knative.dev/")
            .replace('-', "_")
            .replace("containerConcurrency", "container_concurrency");
        let field = KnativeFields::NAMES
            .iter()
            .find(|f| **f == name)
            .copied()
            .unwrap_or("stable_window");
        v.error(
            field,
            e.clone(),
            "Knative's allowed range (config-autoscaler, annotations)",
        )
    })?;
    let startup = super::containers::startup(
        v,
        kind,
        raw.runtime.as_deref(),
        raw.cold_start.as_ref(),
        &super::cloud_run::STARTUP_PRESETS,
    )?;
    let timeout = duration("timeout", &raw.timeout, DEFAULT_TIMEOUT)?;
    if timeout == SimDuration::ZERO {
        return Err(v.error(
            "timeout",
            "timeout of 0",
            "allowed: more than 0 (timeoutSeconds)",
        ));
    }
    let hourly = v.price(&book.machine_price_id(&node.name))?;
    let service = ContainerConfig {
        pool: PoolConfig {
            slots: if container_concurrency == 0 {
                UNLIMITED_SLOTS
            } else {
                container_concurrency
            },
            vcpus: cpu,
            cpu_speed: 1.0,
            queue_timeout: timeout,
            queue_cap: crate::platform::iaas::MAX_QUEUE,
            // Nodes are billed, not pods: the meter only marks cold starts and active time.
            active_meter: Some(Meter::Millisecond),
            startup_active: false,
        },
        min: min_scale,
        initial: kpa.initial_scale.max(min_scale),
        max,
        startup,
        scaler: ScalerSpec::Kpa(kpa.clone()),
        on_demand: OnDemand::Activator,
        idle_keep: None,
        per_execution: None,
    };
    Ok(KnativeSpec {
        service,
        node,
        nodes,
        hourly,
        cpu,
        memory_mb,
        extras: Extras::read(v, false)?,
    })
}

impl Configured for KnativeSpec {
    fn product(&self) -> &'static dyn Product {
        &KNATIVE
    }

    fn run(&self, cx: RunCtx<'_, '_>) -> VariantReport {
        super::containers::run_service(&self.service, cx, self.describe(), self)
    }

    fn max_instances(&self) -> u32 {
        self.service.max
    }

    fn scan_period(&self) -> SimDuration {
        self.service.scaler.period()
    }

    fn warning(&self, variant: &str, report: &VariantReport, _: SimDuration) -> Option<String> {
        super::containers::capacity_warning(variant, report, self.service.max)
    }
}

impl KnativeSpec {
    /// One line: "Knative on 3 × m7g.large, pods 1 vCPU 512 MiB, concurrency 0 (unlimited),
    /// 0–12 pods".
    pub fn describe(&self) -> String {
        let cc = match self.service.pool.slots {
            UNLIMITED_SLOTS => "unlimited".to_string(),
            n => n.to_string(),
        };
        format!(
            "Knative on {} × {}, pods {} vCPU {} MiB, concurrency {cc}, {}–{} pods (KPA)",
            self.nodes,
            self.node.name,
            self.cpu,
            self.memory_mb,
            self.service.min,
            self.service.max
        )
    }

    /// The invoice over `period`: the nodes, every hour of it (they run whether pods do or
    /// not).
    pub fn invoice(&self, usage: &ContainerUsage, period: Period) -> Invoice {
        let hours = f64::from(self.nodes) * period.seconds / 3_600.0;
        let line = schemes::by_price(
            Metered {
                item: &format!(
                    "Kubernetes nodes ({} × {}, on demand)",
                    self.nodes, self.node.name
                ),
                category: CostCategory::Compute,
                quantity: hours,
                unit: "instance-hours",
            },
            &self.hourly,
            false,
            period.month_fraction(),
        );
        let mut priced = vec![line];
        priced.extend(self.extras.lines(served(usage), &period));
        Invoice::new(period, priced)
    }
}

impl Bills for KnativeSpec {
    type Usage = ContainerUsage;

    fn invoice(&self, usage: &ContainerUsage, period: Period) -> Invoice {
        KnativeSpec::invoice(self, usage, period)
    }

    /// The nodes' cost of the interval (the same in every interval of equal length).
    fn interval_cost(&self, _row: &IntervalRow, interval_s: f64) -> f64 {
        f64::from(self.nodes) * interval_s / 3_600.0 * self.hourly.usd()
    }

    /// Its request-seconds: the share of the nodes its requests used.
    fn function_weight(&self, f: &FunctionOutcome) -> f64 {
        f.busy_s
    }
}

/// Its lines of `scalesim presets`.
pub fn presets() -> String {
    let d = KpaConfig::default();
    format!(
        "\nKnative (platform = \"{KIND}\", provider = \"aws\" | \"gcp\" | \"azure\"): node_type \
         (a machine type of the provider's book) and nodes, billed on demand all the time; \
         pods of cpu (default 1) and memory_mb (default 512);\n  KPA (Knative names and \
         defaults): container_concurrency 0 (unlimited), target {} when unlimited, \
         target_utilization_percentage {}, stable_window {} s, panic_window_percentage {}, \
         panic_threshold_percentage {}, max_scale_up_rate {}, max_scale_down_rate {}, \
         scale_to_zero_grace_period {} s, enable_scale_to_zero {}, min_scale 0, max_scale 0 \
         (the nodes' room), initial_scale {}, activation_scale {}; timeout 300 s (the \
         activator holds requests up to it)\n",
        d.total_per_pod(),
        d.target_utilization_percentage,
        d.stable_window.as_secs_f64(),
        d.panic_window_percentage,
        d.panic_threshold_percentage,
        d.max_scale_up_rate,
        d.max_scale_down_rate,
        d.scale_to_zero_grace_period.as_secs_f64(),
        d.enable_scale_to_zero,
        d.initial_scale,
        d.activation_scale,
    )
}
