//! AWS Fargate tasks behind an Amazon ECS service (`platform = "fargate"`): a task is a
//! replica, the service a fleet of them — the fleet model ([`crate::platform::iaas`]) and the
//! fleet products' fields and validation ([`super::fleet`]) with a task size for a shape:
//! `cpu` and `memory_mb` from Fargate's task-size table, its `architecture`, billed per
//! vCPU-hour and GB-hour, per second with a one-minute minimum, on demand, on Fargate Spot or
//! under a Compute Savings Plan, behind an Application Load Balancer metered as EC2's.
//!
//! Sources (read 2026-11-30):
//! - **Task sizes** — Amazon ECS Developer Guide, "Task CPU and memory" and "Troubleshoot
//!   Amazon ECS task definition invalid CPU or memory errors"
//!   (docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html), the same
//!   table as the ECS API reference's `TaskDefinition.memory`: 0.25 vCPU with 512, 1,024 or
//!   2,048 MiB; 0.5 vCPU with 1–4 GB; 1 vCPU with 2–8 GB; 2 vCPU with 4–16 GB and 4 vCPU with
//!   8–30 GB, in 1 GB steps; 8 vCPU with 16–60 GB in 4 GB steps and 16 vCPU with 32–120 GB in
//!   8 GB steps (Linux platform 1.4.0 or later) — [`TASK_SIZES`].
//! - **Billing** — aws.amazon.com/fargate/pricing (as quoted at devops.stackexchange.com,
//!   question 4830, and in the price book's `fargate` source): the vCPU and memory configured,
//!   "from the time you start to download your container image (docker pull) until the Amazon
//!   ECS Task terminates, rounded up to the nearest second", one minute at least; 20 GB of
//!   ephemeral storage included. The rates are the price book's `fargate.vcpu.<arch>` and
//!   `fargate.memory.<arch>` (per GB-hour, GB = `memory_mb` / 1,024).
//! - **Fargate Spot** — ECS Developer Guide, "AWS Fargate capacity providers" (awsdocs/
//!   amazon-ecs-developer-guide `fargate-capacity-providers.md`, archived 2023-06-15, and its
//!   current page): interrupted "with a two-minute warning", sent as a task state change event
//!   and as SIGTERM to the task; a service launches replacements on Fargate Spot; Linux X86_64
//!   tasks only ("Linux tasks with the ARM64 architecture don't support the Fargate Spot
//!   capacity provider"). Billed at the book's `fargate_spot.*` rates like any task (no rule
//!   like EC2's unbilled first hour); AWS publishes no interruption frequency, so the book's
//!   `fargate_spot.interruptions` is EC2's rate, marked derived.
//! - **Service auto scaling** — ECS Developer Guide, "Service auto scaling" (awsdocs
//!   `service-auto-scaling.md`): Application Auto Scaling target tracking (on
//!   `ECSServiceAverageCPUUtilization` or `ALBRequestCountPerTarget`), step scaling and
//!   scheduled scaling — no simple scaling, which is EC2 Auto Scaling's, and no HPA, which is
//!   Kubernetes'. Its cooldowns default to 300 s for ECS services (AWS CDK reference,
//!   `aws_applicationautoscaling.BaseTargetTrackingProps`: "Duration.seconds(300) for ... ECS
//!   services"); the fleet's policies take the scale-out side as their `instance_warmup`
//!   (default 300 s: the capacity a scale-out added counts toward the next one until it
//!   passes, as AWS describes the scale-out cooldown); a separate scale-in cooldown is not
//!   modelled. Scheduled actions of Application Auto Scaling set MinCapacity and MaxCapacity
//!   only: `desired_capacity` is refused.
//! - **Task start** — [`default_task_start`].
//!
//! What is not modelled: the seconds before the image pull (placement and the task's network
//! interface) are part of `boot_time` and billed, though AWS does not bill them — at most a
//! few seconds per task launched after time zero; ephemeral storage above the 20 GB included;
//! Windows tasks; the commitment advisor (it weighs reservations, which Fargate does not sell).

use crate::autoscale::PolicySpec;
use crate::billing::book::Price;
use crate::billing::catalog::{Arch, PriceSource, Tier};
use crate::billing::purchase::{Bought, Purchase, Words};
use crate::billing::{CostCategory, Invoice, InvoiceLine, Period, schemes};
use crate::dist::DurationDist;
use crate::engine::SimDuration;
use crate::metrics::{FunctionOutcome, IntervalRow};
use crate::platform::PlatformFamily;
use crate::platform::iaas::FleetConfig;
use crate::results::VariantReport;
use crate::scenario::raw::PolicyKind;
use crate::scenario::validate::{Result, index, join, key};
use crate::scenario::{PlatformSpec, RawFields, ScenarioError, VariantCx};
use crate::usage::{BalancerHour, Instances, Meter};

use super::ec2;
use super::extras::{Extras, Served};
use super::fleet::{self, FleetFields, Replicas, Shape, VmPrices, VmRules};
use super::{Bills, Configured, Product, ProductFields, RunCtx};

/// The name scenario files and reports give it: `platform = "fargate"`.
pub const KIND: &str = "fargate";
/// A fleet: tasks billed while they run, used or not, behind a load balancer, sized by a
/// policy (not per request: the report compares it with the functions as provisioned capacity).
pub const FAMILY: PlatformFamily = PlatformFamily::Fleet;
/// Each task billed per second, at least 60 s.
pub const METER: Meter = Meter::SecondWithMinuteMinimum;
/// The provider whose price book bills it.
pub const PROVIDER: &str = "aws";
/// Fargate Spot's interruption warning: two minutes (ECS Developer Guide, "AWS Fargate
/// capacity providers", read 2026-11-30).
pub const SPOT_NOTICE: SimDuration = SimDuration::from_secs(120);
/// The options its tasks are bought as: Fargate has no reservations.
pub const PURCHASE_OPTIONS: [&str; 3] = ["on_demand", "savings_plan", "spot"];

/// A task's memory, MiB, for one `cpu`: exactly the values listed, or `from` to `to` in steps
/// of `step`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TaskMemory {
    /// These values.
    Listed(&'static [u32]),
    /// `from`, `from + step`, … `to`.
    Range {
        /// The smallest.
        from: u32,
        /// The largest.
        to: u32,
        /// The step.
        step: u32,
    },
}

impl TaskMemory {
    /// Whether `mb` is one of them.
    pub fn allows(self, mb: u32) -> bool {
        match self {
            TaskMemory::Listed(values) => values.contains(&mb),
            TaskMemory::Range { from, to, step } => {
                (from..=to).contains(&mb) && (mb - from) % step == 0
            }
        }
    }

    /// Every value, smallest first.
    pub fn values(self) -> Vec<u32> {
        match self {
            TaskMemory::Listed(values) => values.to_vec(),
            TaskMemory::Range { from, to, step } => (from..=to).step_by(step as usize).collect(),
        }
    }

    /// "512, 1024 or 2048"; "4096 to 16384 in steps of 1024" for a longer list.
    pub fn describe(self) -> String {
        let values = self.values();
        match self {
            TaskMemory::Range { from, to, step } if values.len() > 8 => {
                format!("{from} to {to} in steps of {step}")
            }
            _ => {
                let text: Vec<String> = values.iter().map(u32::to_string).collect();
                let (last, rest) = text.split_last().expect("a row has values");
                format!("{} or {last}", rest.join(", "))
            }
        }
    }
}

/// A row of Fargate's task-size table (Linux): a task's vCPU and the memory it may have.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TaskSize {
    /// vCPU (`cpu`; AWS's CPU units ÷ 1,024).
    pub cpu: f64,
    /// The memory allowed with it, MiB (`memory_mb`).
    pub memory_mb: TaskMemory,
}

/// Fargate's task sizes for Linux tasks (ECS Developer Guide, "Task CPU and memory", read
/// 2026-11-30; the 8 and 16 vCPU rows need Linux platform 1.4.0 or later).
pub const TASK_SIZES: [TaskSize; 7] = [
    TaskSize {
        cpu: 0.25,
        memory_mb: TaskMemory::Listed(&[512, 1_024, 2_048]),
    },
    TaskSize {
        cpu: 0.5,
        memory_mb: TaskMemory::Range {
            from: 1_024,
            to: 4_096,
            step: 1_024,
        },
    },
    TaskSize {
        cpu: 1.0,
        memory_mb: TaskMemory::Range {
            from: 2_048,
            to: 8_192,
            step: 1_024,
        },
    },
    TaskSize {
        cpu: 2.0,
        memory_mb: TaskMemory::Range {
            from: 4_096,
            to: 16_384,
            step: 1_024,
        },
    },
    TaskSize {
        cpu: 4.0,
        memory_mb: TaskMemory::Range {
            from: 8_192,
            to: 30_720,
            step: 1_024,
        },
    },
    TaskSize {
        cpu: 8.0,
        memory_mb: TaskMemory::Range {
            from: 16_384,
            to: 61_440,
            step: 4_096,
        },
    },
    TaskSize {
        cpu: 16.0,
        memory_mb: TaskMemory::Range {
            from: 32_768,
            to: 122_880,
            step: 8_192,
        },
    },
];

/// Default time from a task's launch to serving behind the load balancer: lognormal, median
/// 45 s, p99 120 s — a preset judged from reports, not one measured distribution:
/// - provisioning, image pull and container start: "20-40 seconds when pulling images from
///   within a VPC", "1+ minute" from Docker Hub (aws/containers-roadmap issue 358, 2019-12-13);
///   about 70 s in PENDING for a 900 MB image in the same region (issue 696, 2020-02-21); "60-90s
///   startup time" (issue 649, 2022-01-30); ECS on Fargate's first new tasks about 30 s after a
///   scale-out (Vlad Ionescu, "Scaling containers on AWS in 2022", 2022-04-13);
/// - then the load balancer's first passing health check, every 30 s by default: 0–30 s more
///   (ELB user guide, target group health checks; the reference file §2.3).
///
/// A small image from ECR in the task's region lands near the median (20–40 s plus half a
/// health-check interval); large images and images from other registries in the tail. Give
/// `boot_time` for your image.
pub fn default_task_start() -> DurationDist {
    DurationDist::lognormal(45.0, 120.0)
}

/// The product, as scenario files name it and the registry lists it.
#[derive(Debug)]
pub struct Fargate;

/// The product.
pub static FARGATE: Fargate = Fargate;

/// Fargate's rules as a fleet product (what its shared validation and run ask).
pub static RULES: VmRules = VmRules {
    product: &FARGATE,
    kind: KIND,
    provider: PROVIDER,
    label: "Fargate",
    meter: METER,
    purchase_options: &PURCHASE_OPTIONS,
    words: Words::AWS,
    rate_id: purchase_rate_id,
    interruptions_id: "fargate_spot.interruptions",
    spot_notice: SPOT_NOTICE,
    // Fargate Spot tasks are billed as any task, per second with a one-minute minimum.
    spot_unbilled_within: SimDuration::ZERO,
    load_balancer_default: true,
    alb: true,
    // No block storage: a task's 20 GB of ephemeral storage is included (no field, no line).
    block_storage: "",
    max_block_storage_gb: 0,
    prices: VmPrices {
        balancer: ("Application Load Balancer", "alb.hour", "alb.lcu_hour"),
        block_storage: "",
        advice_plan: None,
        // No reservations: the commitment advisor is not run for Fargate.
        advice_reserved: "",
    },
    burst_credit_hours: 0.0,
    replica: "task",
    replicas: "tasks",
    cpu_metric: "ECSServiceAverageCPUUtilization",
    boot_time: default_task_start,
};

/// The price id of the rate `purchase` pays as a share of on-demand: a Compute Savings Plan's
/// `savings_plan.compute.<term>.<payment>.fargate`; none on demand, nor on Fargate Spot, which
/// has vCPU and GB rates of its own (`fargate_spot.*`).
pub fn purchase_rate_id(purchase: &Purchase) -> Option<String> {
    match purchase {
        Purchase::SavingsPlan { term, payment, .. } => Some(format!(
            "savings_plan.compute.{}.{}.fargate",
            term.name(),
            payment.name()
        )),
        _ => None,
    }
}

impl Product for Fargate {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn family(&self) -> PlatformFamily {
        FAMILY
    }

    fn fields(&self) -> &'static [&'static str] {
        FargateFields::NAMES
    }

    fn read(
        &self,
        fields: &RawFields<'_>,
    ) -> std::result::Result<Box<dyn ProductFields>, ScenarioError> {
        Ok(Box::new(FargateFields::read(fields)?))
    }

    fn providers(&self) -> &'static [&'static str] {
        &[PROVIDER]
    }

    fn presets(&self) -> String {
        presets()
    }
}

/// The fields of `platform = "fargate"` as read: the task size, then the fields it shares with
/// the fleet products (their names, `count` for the service's desired count at the start).
#[derive(Debug)]
pub struct FargateFields {
    /// `cpu`: the task's vCPU.
    pub cpu: Option<f64>,
    /// `memory_mb`: the task's memory, MiB.
    pub memory_mb: Option<i64>,
    /// `architecture`: "x86_64" or "arm64".
    pub architecture: Option<String>,
    /// The fleet's fields (`instance_type` and `block_storage_gb` are not Fargate's, and are
    /// refused before validation).
    fleet: FleetFields,
}

impl FargateFields {
    /// The fields, in the order messages list them.
    pub const NAMES: &'static [&'static str] = &[
        "cpu",
        "memory_mb",
        "architecture",
        "count",
        "slots",
        "queue_timeout",
        "cpu_speed",
        "load_balancer",
        "boot_time",
        "deregistration_delay",
        "autoscaling",
        "schedule",
    ];

    /// Read every field given in `fields` with its raw type.
    ///
    /// # Errors
    /// A field's value has the wrong type (serde's error, at the value).
    pub fn read(fields: &RawFields<'_>) -> std::result::Result<Self, ScenarioError> {
        Ok(FargateFields {
            cpu: fields.get("cpu")?,
            memory_mb: fields.get("memory_mb")?,
            architecture: fields.get("architecture")?,
            fleet: FleetFields::read(fields)?,
        })
    }
}

impl ProductFields for FargateFields {
    fn validate(&self, v: &VariantCx<'_>) -> Result<PlatformSpec> {
        validate(v, self)
    }
}

/// A task size: its vCPU, memory and architecture.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Task {
    /// vCPU.
    pub cpu: f64,
    /// Memory, MiB.
    pub memory_mb: u32,
    /// Architecture, which picks the rates.
    pub arch: Arch,
}

impl Task {
    /// Memory in the GB the rates are per: MiB ÷ 1,024.
    pub fn gb(&self) -> f64 {
        f64::from(self.memory_mb) / 1_024.0
    }

    /// "1 vCPU, 2 GB, x86_64".
    pub fn describe(&self) -> String {
        format!(
            "{} vCPU, {} GB, {}",
            self.cpu,
            crate::billing::book::number(self.gb()),
            self.arch.name()
        )
    }
}

/// How a Fargate service is billed: its task size, the rates its tasks pay, how they are
/// bought, and whether an Application Load Balancer fronts it.
#[derive(Clone, Debug, PartialEq)]
pub struct FargateBilling {
    /// The task size.
    pub task: Task,
    /// Per vCPU-hour: `fargate.vcpu.<arch>`, or `fargate_spot.vcpu.x86_64` on Fargate Spot.
    pub vcpu_hour: Price,
    /// Per GB-hour: `fargate.memory.<arch>`, or `fargate_spot.memory.x86_64` on Fargate Spot.
    pub gb_hour: Price,
    /// How its tasks are bought (a savings plan's rate with it).
    pub bought: Bought,
    /// Whether an Application Load Balancer fronts the service.
    pub load_balancer: bool,
    /// The ALB's price per hour (`alb.hour`).
    pub alb_hour: Price,
    /// The ALB's price per LCU-hour (`alb.lcu_hour`).
    pub alb_lcu_hour: Price,
    /// Data transfer out, log ingestion, a NAT gateway, where the variant has them.
    pub extras: Extras,
}

impl FargateBilling {
    /// Whether its tasks run on Fargate Spot.
    pub fn spot(&self) -> bool {
        matches!(self.bought.purchase, Purchase::Spot { .. })
    }

    /// One task-hour at its rates: cpu × the vCPU rate + GB × the GB rate.
    pub fn task_hour_usd(&self) -> f64 {
        self.task.cpu * self.vcpu_hour.usd() + self.task.gb() * self.gb_hour.usd()
    }
}

/// A Fargate variant's configuration: the service, how its task count changes, its bill.
#[derive(Clone, Debug, PartialEq)]
pub struct FargateSpec {
    /// Model parameters (a task is an instance of the fleet model).
    pub fleet: FleetConfig,
    /// How its task count changes.
    pub policy: PolicySpec,
    /// Billing options.
    pub billing: FargateBilling,
}

impl Configured for FargateSpec {
    fn product(&self) -> &'static dyn Product {
        &FARGATE
    }

    fn run(&self, cx: RunCtx<'_, '_>) -> VariantReport {
        let (fleet, billing) = (&self.fleet, &self.billing);
        let profile = &cx.scenario.traffic.profile;
        fleet::run_fleet(
            fleet,
            &self.policy,
            cx,
            describe(fleet, &self.policy, billing),
            |usage, completed| FargateBill {
                billing,
                served: Served {
                    responses: completed,
                    logged: completed,
                },
                balancer_hours: ec2::balancer_hours(fleet, profile, usage),
            },
            // Fargate sells no reservations, which the advisor weighs a plan against.
            |_| None,
        )
    }

    fn max_instances(&self) -> u32 {
        self.fleet.max.max(self.fleet.initial)
    }

    fn warning(
        &self,
        variant: &str,
        report: &VariantReport,
        horizon: SimDuration,
    ) -> Option<String> {
        fleet::fleet_warning(&self.fleet, None, &RULES, variant, report, horizon)
    }
}

/// "2–10 × Fargate task (1 vCPU, 2 GB, x86_64), target tracking, 8 slots each + ALB".
pub fn describe(fleet: &FleetConfig, policy: &PolicySpec, billing: &FargateBilling) -> String {
    fleet::describe(
        fleet,
        policy,
        &format!("Fargate task ({})", billing.task.describe()),
        &billing.bought,
        billing.load_balancer.then_some("ALB"),
    )
}

/// How the invoice names the tasks' time: "Fargate task (1 vCPU, 2 GB, x86_64)".
fn tasks_item(billing: &FargateBilling) -> String {
    format!("Fargate task ({})", billing.task.describe())
}

/// The commitment-matching usage's name ([`crate::usage::InstanceHours::sku`]).
const SKU: &str = "Fargate task";

/// The vCPU and memory lines of `task_s` billed task-seconds: task-seconds × `cpu` ÷ 3,600
/// vCPU-hours at the vCPU rate, and × GB ÷ 3,600 GB-hours at the GB rate (Fargate Spot's rates
/// on spot); `note` follows the item (", beyond the savings plan").
fn resource_lines(
    billing: &FargateBilling,
    task_s: f64,
    note: &str,
) -> Vec<(PriceSource, Vec<InvoiceLine>)> {
    let task = &billing.task;
    let what = if billing.spot() {
        "Fargate Spot"
    } else {
        "Fargate"
    };
    let arch = task.arch.name();
    let vcpu = InvoiceLine::priced(
        format!("{what} vCPU ({arch}, {} vCPU per task){note}", task.cpu),
        CostCategory::Compute,
        task_s * task.cpu / 3_600.0,
        "vCPU-hours",
        billing.vcpu_hour.usd(),
    );
    let memory = InvoiceLine::priced(
        format!(
            "{what} memory ({arch}, {} GB per task){note}",
            crate::billing::book::number(task.gb())
        ),
        CostCategory::Compute,
        task_s * task.gb() / 3_600.0,
        "GB-hours",
        billing.gb_hour.usd(),
    );
    vec![
        (
            billing.vcpu_hour.source.clone(),
            schemes::marked(vec![vcpu], &billing.vcpu_hour),
        ),
        (
            billing.gb_hour.source.clone(),
            schemes::marked(vec![memory], &billing.gb_hour),
        ),
    ]
}

/// A task-hour as one price (cpu × the vCPU rate + GB × the GB rate), for a savings plan's
/// matching, which goes by on-demand dollars hour by hour.
fn task_hour_price(billing: &FargateBilling) -> Price {
    Price {
        id: "fargate.task".into(),
        unit: "task-hour".into(),
        tiers: vec![Tier {
            up_to: f64::INFINITY,
            usd_per_unit: billing.task_hour_usd(),
        }],
        free_per_month: 0.0,
        source: billing.vcpu_hour.source.clone(),
        note: String::new(),
        unverified: billing.vcpu_hour.unverified || billing.gb_hour.unverified,
        change: None,
    }
}

/// The invoice of one Fargate service over `period`: its tasks' billed time ([`METER`]: per
/// second, 60 s at least per task) as vCPU-hours and GB-hours at the architecture's rates (or
/// Fargate Spot's); under a Compute Savings Plan, the commitment, the task-hours it covers hour
/// by hour at $0 ([`crate::billing::purchase::instance_lines`], matched on the billed usage of
/// each hour) and the rest as vCPU-hours and GB-hours on demand; then, when an ALB fronts it,
/// ALB-hours and LCU-hours as EC2's ([`ec2::alb_lines`]); then data transfer out, logs and a
/// NAT gateway ([`Extras`]) of what the horizon `served`.
pub fn invoice_serving(
    usage: &Instances,
    balancer_hours: &[BalancerHour],
    served: Served,
    billing: &FargateBilling,
    period: Period,
) -> Invoice {
    let billed = fleet::billed_usage(usage, RULES.spot_unbilled_within);
    let task_s = METER.instance_seconds(&billed.runs, period.usage_scale);
    let mut priced = match &billing.bought.purchase {
        Purchase::SavingsPlan { .. } => {
            let item = tasks_item(billing);
            let on_demand = format!("{item} on-demand");
            let (mut priced, mut beyond) = (Vec::new(), Vec::new());
            for (source, lines) in fleet::bought_lines(
                &item,
                &billed,
                METER,
                SKU,
                &task_hour_price(billing),
                &billing.bought,
                &period,
            ) {
                let mut kept = Vec::new();
                for mut line in lines {
                    if line.item.starts_with(&on_demand) {
                        // The usage beyond the plan, as AWS bills it: vCPU and memory.
                        let beyond_s = line.quantity * 3_600.0;
                        beyond = resource_lines(billing, beyond_s, ", beyond the savings plan");
                        continue;
                    }
                    if line.unit == "instance-hours" {
                        line.unit = "task-hours".into();
                    }
                    kept.push(line);
                }
                priced.push((source, kept));
            }
            priced.extend(beyond);
            priced
        }
        _ => resource_lines(billing, task_s, ""),
    };
    if billing.load_balancer {
        priced.push(ec2::alb_lines(
            balancer_hours,
            &billing.alb_hour,
            &billing.alb_lcu_hour,
            &period,
        ));
    }
    priced.extend(billing.extras.lines(served, &period));
    Invoice::new(period, priced)
}

/// A Fargate service's bill, for the runner.
struct FargateBill<'a> {
    billing: &'a FargateBilling,
    served: Served,
    balancer_hours: Vec<BalancerHour>,
}

impl Bills for FargateBill<'_> {
    type Usage = Instances;

    fn invoice(&self, usage: &Instances, period: Period) -> Invoice {
        invoice_serving(
            usage,
            &self.balancer_hours,
            self.served,
            self.billing,
            period,
        )
    }

    /// Task-seconds at the task-hour rate and the ALB's share: a shape, fitted to the invoice.
    fn interval_cost(&self, row: &IntervalRow, interval_s: f64) -> f64 {
        let b = self.billing;
        let lb = if b.load_balancer {
            ec2::alb_interval_cost(row, &b.alb_hour, &b.alb_lcu_hour, interval_s)
        } else {
            0.0
        };
        row.usage_compute * b.task_hour_usd() / 3_600.0 + lb
    }

    /// A shared service's cost goes to functions by the time it spent on each.
    fn function_weight(&self, f: &FunctionOutcome) -> f64 {
        f.busy_s
    }
}

/// The row of [`TASK_SIZES`] for `cpu`.
pub fn task_size(cpu: f64) -> Option<&'static TaskSize> {
    TASK_SIZES.iter().find(|t| t.cpu == cpu)
}

/// Validate a Fargate variant: the task size and architecture, the policies ECS services have,
/// then the fleet's fields for tasks of that size, and the prices.
fn validate(v: &VariantCx<'_>, raw: &FargateFields) -> Result<PlatformSpec> {
    let (cx, base, kind) = (v.ctx(), v.base(), v.kind());
    let p = |f| join(base, &[key(f)]);
    let cpus = || {
        let all: Vec<String> = TASK_SIZES.iter().map(|t| t.cpu.to_string()).collect();
        all.join(", ")
    };
    let cpu = cx.need(base, kind, "cpu", &raw.cpu)?;
    let size = task_size(cpu).ok_or_else(|| {
        let units = TASK_SIZES
            .iter()
            .find(|t| t.cpu * 1_024.0 == cpu)
            .map(|t| format!("{cpu} CPU units are cpu = {}; ", t.cpu))
            .unwrap_or_default();
        cx.err(
            &p("cpu"),
            format!("cpu = {cpu} is not a Fargate task size"),
            format!("{units}allowed: {} (vCPU per task)", cpus()),
        )
    })?;
    let memory = cx.need(base, kind, "memory_mb", &raw.memory_mb)?;
    let memory_mb = u32::try_from(memory)
        .ok()
        .filter(|&mb| size.memory_mb.allows(mb))
        .ok_or_else(|| {
            let fits: Vec<String> = TASK_SIZES
                .iter()
                .filter(|t| u32::try_from(memory).is_ok_and(|mb| t.memory_mb.allows(mb)))
                .map(|t| t.cpu.to_string())
                .collect();
            let other = if fits.is_empty() {
                String::new()
            } else {
                format!("; {memory} MB goes with cpu = {}", fits.join(" or "))
            };
            cx.err(
                &p("memory_mb"),
                format!("memory_mb = {memory} is not a Fargate task size with cpu = {cpu}"),
                format!(
                    "allowed with cpu = {cpu}: {} MB (Fargate's task-size table){other}",
                    size.memory_mb.describe()
                ),
            )
        })?;
    let arch = match raw.architecture.as_deref() {
        None | Some("x86_64") => Arch::X86_64,
        Some("arm64") => Arch::Arm64,
        Some(other) => {
            return Err(cx.err(
                &p("architecture"),
                format!("architecture \"{other}\""),
                "allowed: \"x86_64\" (default) or \"arm64\" (Graviton)",
            ));
        }
    };
    if let Some(a) = &raw.fleet.autoscaling {
        let not = match a.policy {
            PolicyKind::Simple => Some("simple scaling (EC2 Auto Scaling's)"),
            PolicyKind::Hpa => Some("the HPA (Kubernetes')"),
            _ => None,
        };
        if let Some(what) = not {
            return Err(cx.err(
                &join(base, &[key("autoscaling"), key("policy")]),
                format!("an ECS service does not scale by {what}"),
                "ECS service auto scaling (Application Auto Scaling) has target tracking and \
                 step scaling: policy = \"target_tracking\" or \"step\"",
            ));
        }
    }
    if let Some(actions) = &raw.fleet.schedule
        && let Some(i) = actions.iter().position(|a| a.desired_capacity.is_some())
    {
        return Err(cx.err(
            &join(base, &[key("schedule"), index(i), key("desired_capacity")]),
            "an ECS service's scheduled action does not set its desired count",
            "Application Auto Scaling's scheduled actions set MinCapacity and MaxCapacity: give \
             min_size and max_size (the desired count moves into them)",
        ));
    }
    let bought = fleet::bought(v, &RULES)?;
    if let Purchase::Spot {
        price_ratio,
        price_history,
        ..
    } = &bought.purchase
    {
        if arch == Arch::Arm64 {
            return Err(cx.err(
                &p("purchase"),
                "Fargate Spot does not run arm64 tasks",
                "Fargate Spot supports Linux x86_64 tasks only (ECS Developer Guide, Fargate \
                 capacity providers): use architecture = \"x86_64\", or buy arm64 tasks on demand",
            ));
        }
        let given = if price_ratio.is_some() {
            Some("price_ratio")
        } else if !price_history.is_empty() {
            Some("price_history")
        } else {
            None
        };
        if let Some(field) = given {
            return Err(cx.err(
                &join(base, &[key("purchase"), key(field)]),
                format!("`{field}` does not apply to Fargate Spot"),
                "Fargate Spot has its own vCPU and GB rates (fargate_spot.vcpu.x86_64, \
                 fargate_spot.memory.x86_64): change them in [prices.rates]",
            ));
        }
    }
    let task = Task {
        cpu,
        memory_mb,
        arch,
    };
    let shape = Shape {
        name: format!("{cpu} vCPU / {memory_mb} MB task"),
        vcpus: cpu,
        memory_mb: f64::from(memory_mb),
        larger: "a larger task size (memory_mb)",
    };
    let Replicas {
        config,
        policy,
        load_balancer,
        bought,
    } = fleet::replicas(v, &raw.fleet, &RULES, &shape, bought)?.finish(v, &raw.fleet, &RULES)?;
    let (vcpu_id, gb_id) = if matches!(bought.purchase, Purchase::Spot { .. }) {
        (
            "fargate_spot.vcpu.x86_64".to_string(),
            "fargate_spot.memory.x86_64".to_string(),
        )
    } else {
        (
            format!("fargate.vcpu.{}", arch.name()),
            format!("fargate.memory.{}", arch.name()),
        )
    };
    let (_, hour, lcu_hour) = RULES.prices.balancer;
    Ok(PlatformSpec::new(FargateSpec {
        fleet: config,
        policy,
        billing: FargateBilling {
            task,
            vcpu_hour: v.price(&vcpu_id)?,
            gb_hour: v.price(&gb_id)?,
            bought,
            load_balancer,
            alb_hour: v.price(hour)?,
            alb_lcu_hour: v.price(lcu_hour)?,
            // A task's logs reach CloudWatch Logs through the awslogs driver when its task
            // definition says so: not by default (cloudwatch_logs = true bills them).
            extras: Extras::read(v, false)?,
        },
    }))
}

/// Fargate's lines of `scalesim presets` (its rates are listed from AWS's price book:
/// `fargate.*`, `fargate_spot.*`, `alb.*`).
pub fn presets() -> String {
    let mut s = format!(
        "\nFargate (platform = \"{KIND}\"): an ECS service of Fargate tasks behind an \
         Application Load Balancer; the fields of an EC2 fleet but instance_type and \
         block_storage_gb, and a task size:\n"
    );
    for t in &TASK_SIZES {
        s += &format!(
            "  cpu = {:<4}  memory_mb = {}\n",
            t.cpu,
            t.memory_mb.describe()
        );
    }
    s += &format!(
        "  architecture = \"x86_64\" (default) or \"arm64\"; billed per second, 1 minute at least \
         per task: vCPU-hours (fargate.vcpu.<arch>) + GB-hours (fargate.memory.<arch>), 20 GB \
         of ephemeral storage included;\n  purchase = {{ option = \"spot\" }} (Fargate Spot, \
         x86_64 only, fargate_spot.*, {} s notice) or {{ option = \"savings_plan\", \
         commitment_per_hour, term }} (savings_plan.compute.*.fargate); autoscaling: \
         target_tracking (ECSServiceAverageCPUUtilization, ALBRequestCountPerTarget) or step; \
         boot_time default lognormal, median 45 s, p99 120 s (task start and first health \
         check)\n",
        SPOT_NOTICE.as_secs_f64(),
    );
    s
}
