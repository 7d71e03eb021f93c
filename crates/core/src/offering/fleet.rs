//! What the fleet products share: a fleet of virtual machines of one type behind a load
//! balancer, a fixed count or an autoscaling policy, scheduled actions, bought on demand,
//! committed ahead or on spot — the fields and validation of `platform = "ec2"`,
//! `"compute_engine"` and `"azure_vm"` ([`FleetFields`], `validate`), the run
//! (`run_fleet`) and the pieces of their bills that follow the same rules.
//!
//! Each product is its own file and says how it differs in a [`VmRules`]: its provider, its
//! meter, the purchase options it sells and their rate ids, the spot notice and the rule for
//! short interrupted runs, its load balancer. The model is [`crate::platform::iaas`]; the
//! autoscaling policies are the ones every fleet takes ([`crate::autoscale`]).
//!
//! A replica's shape is a machine type for the VM products and a task size for
//! `platform = "fargate"` ([`super::fargate`]), which validates its own size and then the
//! fields it shares with them here (`replicas`, given the shape), and bills with
//! [`bought_lines`] and EC2's ALB.

use std::borrow::Cow;

use serde::Deserialize;

use crate::autoscale::{DEFAULT_PERIOD, PolicySpec, ScheduledAction};
use crate::billing::advisor::{self, CommitmentAdvice};
use crate::billing::book::{MachineType, Price, PriceChange};
use crate::billing::catalog::PriceSource;
use crate::billing::purchase::{self, Bought, OnInterruption, PlanKind, Purchase, Words};
use crate::billing::{CostCategory, Invoice, InvoiceLine, MONTH_S, Period, schemes};
use crate::dist::DurationDist;
use crate::engine::{self, SimDuration, SimTime};
use crate::metrics::{FunctionOutcome, IntervalRow};
use crate::platform::PlatformFamily;
use crate::platform::iaas::{
    self, Balancer, DEFAULT_DEREGISTRATION_DELAY, DEFAULT_QUEUE_TIMEOUT, FleetConfig, FleetModel,
    FleetRngs, Interruptions, MAX_INSTANCES,
};
use crate::results::VariantReport;
use crate::scenario::doc::Step;
use crate::scenario::raw::{RawAutoscaling, RawDist, kind_fields};
use crate::scenario::validate::{Ctx, Result, autoscaling, dist, index, join, key};
use crate::scenario::{PlatformSpec, RawFields, ScenarioError, VariantCx};
use crate::usage::{InstanceRun, Instances, Meter};

use super::ec2::BlockStorage;
use super::extras::{Extras, Served, bytes_per_unit, unit_of};
use super::{Bills, Configured, Product, ProductFields, RunCtx, variant_report};

/// How one fleet product differs from the others: the provider's rules, in one place in the
/// product's file.
#[derive(Debug)]
pub struct VmRules {
    /// The product.
    pub product: &'static dyn Product,
    /// Its name in scenario files: `ec2`.
    pub kind: &'static str,
    /// The provider whose price book bills it: `aws`.
    pub provider: &'static str,
    /// How reports name it before a machine type: `EC2`, `Compute Engine`, `Azure VM`.
    pub label: &'static str,
    /// How an instance's run is billed (per second with the provider's minimum).
    pub meter: Meter,
    /// The options its instances are bought as (`purchase = { option = ... }`).
    pub purchase_options: &'static [&'static str],
    /// How its provider names them.
    pub words: Words,
    /// The price id of an option's rate as a share of on-demand; `None` on demand.
    pub rate_id: fn(&Purchase) -> Option<String>,
    /// The price id of the book's spot interruptions per instance-hour.
    pub interruptions_id: &'static str,
    /// The provider's interruption notice.
    pub spot_notice: SimDuration,
    /// A spot instance the provider interrupts before it has run this long is not billed at
    /// all (zero: every interrupted run is billed).
    pub spot_unbilled_within: SimDuration,
    /// Whether a load balancer fronts the fleet when `load_balancer` is not given.
    pub load_balancer_default: bool,
    /// Whether its load balancer is an ALB metered in capacity units (the table form of
    /// `load_balancer`).
    pub alb: bool,
    /// What `block_storage_gb` buys: "EBS gp3".
    pub block_storage: &'static str,
    /// The largest volume of that kind, GB.
    pub max_block_storage_gb: i64,
    /// The price ids of its load balancer, block storage and the advisor's rates (a Compute
    /// Engine or Azure fleet, [`VmBilling`]; EC2 names its own).
    pub prices: VmPrices,
    /// Hours of its baseline a burstable instance can bank as credits (AWS T3 and Azure
    /// B-series: a day's earnings; Compute Engine's shared-core types only burst briefly: 0).
    pub burst_credit_hours: f64,
    /// How messages name one replica and several: "instance", "instances" (a Fargate
    /// service's: "task", "tasks").
    pub replica: &'static str,
    /// See [`VmRules::replica`].
    pub replicas: &'static str,
    /// The name of its average-CPU metric in `autoscaling.predefined_metric_type`: an Auto
    /// Scaling group's `ASGAverageCPUUtilization` (the VM products), an ECS service's
    /// `ECSServiceAverageCPUUtilization` (Fargate); the other name is refused.
    pub cpu_metric: &'static str,
    /// Its time from launch to serving when `boot_time` is not given.
    pub boot_time: fn() -> DurationDist,
}

/// The price ids of a fleet product's bill beside its instances.
#[derive(Debug)]
pub struct VmPrices {
    /// Its load balancer's name in the bill, its per-hour price id and its per-GB (or GiB)
    /// price id (EC2's ALB: per LCU-hour).
    pub balancer: (&'static str, &'static str, &'static str),
    /// The block storage price per GB-month.
    pub block_storage: &'static str,
    /// The advisor's 1-year savings plan rate, where the provider sells one.
    pub advice_plan: Option<&'static str>,
    /// The advisor's 1-year reservation or commitment rate.
    pub advice_reserved: &'static str,
}

impl PartialEq for VmRules {
    /// The same product's rules.
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

/// A load balancer billed by the hour it exists and the data it processes (Compute Engine's
/// forwarding rule, Azure's Standard Load Balancer rule): one rule, every request and its
/// response through it.
#[derive(Clone, Debug, PartialEq)]
pub struct HourlyBalancer {
    /// Its name in the bill: "external Application Load Balancer".
    pub name: &'static str,
    /// Per rule-hour.
    pub hour: Price,
    /// Per GB (or GiB) processed.
    pub data: Price,
}

impl HourlyBalancer {
    /// Its lines over a period of `period_s` seconds (a partial hour billed whole) that
    /// processed `bytes`: the rule-hours and the data.
    pub fn lines(&self, period_s: f64, bytes: f64) -> Vec<(PriceSource, Vec<InvoiceLine>)> {
        let hours = InvoiceLine::priced(
            format!("{} hours (up to 5 rules)", purchase::capital(self.name)),
            CostCategory::LoadBalancer,
            (period_s / 3_600.0).ceil(),
            "hours",
            self.hour.usd(),
        );
        let data = schemes::by_price(
            schemes::Metered {
                item: &format!("{} data processed", purchase::capital(self.name)),
                category: CostCategory::LoadBalancer,
                quantity: bytes / bytes_per_unit(&self.data),
                unit: unit_of(&self.data),
            },
            &self.data,
            false,
            period_s / MONTH_S,
        );
        vec![
            (
                self.hour.source.clone(),
                schemes::marked(vec![hours], &self.hour),
            ),
            data,
        ]
    }
}

/// The line of each instance's block storage volume: `storage.gb` × the billed
/// instance-seconds, as GB-months of 730 hours (a volume exists, and is billed, while its
/// instance does).
pub fn storage_line(
    item: &str,
    instance_s: f64,
    storage: &BlockStorage,
    period: &Period,
) -> (PriceSource, Vec<InvoiceLine>) {
    schemes::by_price(
        schemes::Metered {
            item,
            category: CostCategory::Other,
            quantity: instance_s * f64::from(storage.gb) / MONTH_S,
            unit: "GB-month",
        },
        &storage.price,
        false,
        period.month_fraction(),
    )
}

/// A fleet product: its rules, its lines of `scalesim presets`, and how it prices a validated
/// fleet into its configuration. EC2, Compute Engine and Azure VMs are each one, a `static`
/// in their own file.
#[derive(Debug)]
pub struct FleetProduct {
    /// Its rules.
    pub rules: &'static VmRules,
    /// Its section of `scalesim presets`.
    pub presets: fn() -> String,
    /// Its prices on a validated fleet: the variant's configuration.
    pub(crate) price: fn(&VariantCx<'_>, Fleet) -> Result<PlatformSpec>,
}

impl Product for FleetProduct {
    fn kind(&self) -> &'static str {
        self.rules.kind
    }

    fn family(&self) -> PlatformFamily {
        PlatformFamily::Fleet
    }

    fn fields(&self) -> &'static [&'static str] {
        FleetFields::NAMES
    }

    fn read(
        &self,
        fields: &RawFields<'_>,
    ) -> std::result::Result<Box<dyn ProductFields>, ScenarioError> {
        Ok(Box::new(FleetVariant {
            rules: self.rules,
            price: self.price,
            fields: FleetFields::read(fields)?,
        }))
    }

    fn providers(&self) -> &'static [&'static str] {
        std::slice::from_ref(&self.rules.provider)
    }

    fn presets(&self) -> String {
        (self.presets)()
    }
}

/// A fleet variant's fields as read, with its product's rules and prices.
#[derive(Debug)]
struct FleetVariant {
    rules: &'static VmRules,
    price: fn(&VariantCx<'_>, Fleet) -> Result<PlatformSpec>,
    fields: FleetFields,
}

impl ProductFields for FleetVariant {
    /// The fleet ([`validate`]), then its product's prices.
    fn validate(&self, v: &VariantCx<'_>) -> Result<PlatformSpec> {
        let fleet = validate(v, &self.fields, self.rules)?;
        (self.price)(v, fleet)
    }
}

/// A Compute Engine or Azure variant's configuration: the validated `fleet` priced from its
/// product's price ids ([`VmRules::prices`]), with `sustained_use` rates where they apply.
///
/// # Errors
/// A price its book does not have in the variant's region, or an extra it does not bill.
pub(crate) fn vm_spec(
    v: &VariantCx<'_>,
    f: Fleet,
    rules: &'static VmRules,
    sustained_use: Option<Price>,
) -> Result<PlatformSpec> {
    let ids = &rules.prices;
    let (name, hour, data) = ids.balancer;
    Ok(PlatformSpec::new(VmSpec {
        fleet: f.config,
        policy: f.policy,
        billing: VmBilling {
            rules,
            instance: f.instance,
            hourly: f.hourly,
            load_balancer: if f.load_balancer {
                Some(HourlyBalancer {
                    name,
                    hour: v.price(hour)?,
                    data: v.price(data)?,
                })
            } else {
                None
            },
            bought: f.bought,
            sustained_use,
            advice_rates: (
                ids.advice_plan.map(|id| v.price(id)).transpose()?,
                v.price(ids.advice_reserved)?,
            ),
            block_storage: match f.block_storage_gb {
                None => None,
                Some(gb) => Some(BlockStorage {
                    gb,
                    price: v.price(ids.block_storage)?,
                }),
            },
            extras: Extras::read(v, false)?,
        },
    }))
}

/// A fleet variant's validated configuration, before its product prices the rest.
#[derive(Clone, Debug)]
pub(crate) struct Fleet {
    /// The model's parameters.
    pub config: FleetConfig,
    /// How its capacity changes.
    pub policy: PolicySpec,
    /// The machine type.
    pub instance: &'static MachineType,
    /// Its on-demand price per instance-hour.
    pub hourly: Price,
    /// Whether a load balancer fronts it.
    pub load_balancer: bool,
    /// How its instances are bought.
    pub bought: Bought,
    /// The block storage volume of each instance, GB, when billed.
    pub block_storage_gb: Option<u32>,
}

/// "2–10 × m7g.large, target tracking, 8 slots each + ALB": the fleet, its policy, how it is
/// bought and, after `+`, its load balancer's name when it has one.
pub fn describe(
    fleet: &FleetConfig,
    policy: &PolicySpec,
    machine: &str,
    bought: &Bought,
    load_balancer: Option<&str>,
) -> String {
    let lb = load_balancer.map(|n| format!(" + {n}")).unwrap_or_default();
    let size = if matches!(policy, PolicySpec::Fixed { .. }) {
        let scheduled = if fleet.schedule.is_empty() {
            ""
        } else {
            ", scheduled actions"
        };
        format!("{} × {machine}{scheduled}", fleet.initial)
    } else {
        let (lo, hi) = (fleet.min, fleet.max);
        format!("{lo}–{hi} × {machine}, {}", policy.name())
    };
    let bought = match bought.purchase {
        Purchase::OnDemand => String::new(),
        _ => format!(", {}", bought.describe()),
    };
    format!("{size}, {} slots each{bought}{lb}", fleet.slots)
}

/// Run a fleet variant: one fleet shared by every function the traffic names, billed by
/// `bill` (its cost shared by the time the fleet spent on each function), with the commitment
/// `advice` its product gives for the run's hourly usage (`None`: none).
pub(crate) fn run_fleet<B: Bills<Usage = Instances>>(
    fleet: &FleetConfig,
    policy: &PolicySpec,
    cx: RunCtx<'_, '_>,
    description: String,
    make_bill: impl FnOnce(&Instances, u64) -> B,
    advice: impl FnOnce(&Instances) -> Option<CommitmentAdvice>,
) -> VariantReport {
    let RunCtx {
        scenario,
        variant,
        streams,
        requests,
        progress,
        log,
        ..
    } = cx;
    let horizon = SimTime::ZERO + scenario.horizon;
    let profile = &scenario.traffic.profile;
    // Each concern its own stream: interruptions draw from `spot/<variant>` only, so a fleet
    // that is not on spot sees the boot times it always saw.
    let rngs = FleetRngs {
        boot: streams.stream(&format!("boot/{}", variant.name)),
        spot: streams.stream(&format!("spot/{}", variant.name)),
    };
    let mut model = FleetModel::new(
        fleet,
        profile,
        scenario.traffic.functions().len(),
        policy.build(),
        rngs,
        horizon,
        scenario.interval,
    );
    if let Some(log) = log {
        model.log_requests_to(log);
    }
    let (_, sched) = engine::run(&mut model, &mut *requests, horizon, progress);
    let outcome = model.finish(sched.pending_events());
    let bill = make_bill(&outcome.usage, outcome.counters.completed);
    let advice = advice(&outcome.usage);
    let mut report = variant_report(scenario, variant, description, outcome, &bill);
    report.commitment = advice;
    report
}

/// What a planner should know about a fleet's run that its numbers do not say, if anything:
///
/// - for a burstable or shared-core machine type `instance` (none for a Fargate service) ([`MachineType::baseline_vcpus`]), a mean CPU
///   use above what the type sustains: the model runs every vCPU at full speed (as if its
///   credits or bursts never ran out), which such a fleet cannot keep up — it is throttled to
///   its baseline (T3 standard mode, E2 shared-core, Azure B-series) or pays for surplus
///   credits (T3 unlimited), neither of which is modelled;
/// - replayed spot interruptions (`interruptions_at`) that did not all happen: those at or after
///   the horizon never do (named, readably), and those that found no instance to interrupt
///   ([`VariantReport::interruptions_missed`]) are counted.
pub fn fleet_warning(
    fleet: &FleetConfig,
    instance: Option<&MachineType>,
    rules: &VmRules,
    variant: &str,
    report: &VariantReport,
    horizon: SimDuration,
) -> Option<String> {
    let mut parts = Vec::new();
    if let Some((instance, baseline)) = instance.and_then(|i| Some((i, i.baseline_vcpus?))) {
        let used = report.capacity.mean_utilisation * fleet.vcpus;
        // What the run used above the baseline, per instance, against the most credits an
        // instance can bank (none where bursts are short and unbanked).
        let excess_h = (used - baseline) * horizon.as_secs_f64() / 3_600.0;
        let bank_h = baseline * rules.burst_credit_hours;
        if used > baseline {
            let credits = if excess_h <= bank_h {
                format!(
                    "a full bank of credits ({} vCPU-hours) would carry this horizon, not the \
                     month the projection repeats it over; ",
                    crate::billing::book::number(bank_h)
                )
            } else {
                String::new()
            };
            parts.push(format!(
                "its {} instances used {:.2} vCPU each on average, above the {} vCPU a {} \
                 sustains (a burstable type): {credits}the run assumed full speed throughout, \
                 but such an instance is throttled to its baseline once its credits or bursts \
                 run out (or, for EC2 T3 in unlimited mode, billed surplus credits), neither \
                 modelled — choose a type that sustains the load",
                instance.name,
                used,
                crate::billing::book::number(baseline),
                instance.name,
            ));
        }
    }
    let after = fleet
        .interruptions
        .as_ref()
        .map(|s| s.after(horizon))
        .unwrap_or_default();
    if !after.is_empty() {
        let times: Vec<String> = after.iter().map(|t| t.human()).collect();
        parts.push(format!(
            "{} of its interruptions_at ({}) at or after the horizon ({}) never happen in this run",
            after.len(),
            times.join(", "),
            horizon.human()
        ));
    }
    if report.interruptions_missed > 0 {
        parts.push(format!(
            "{} replayed interruption(s) found no instance to interrupt (none in service or \
             booting at that time; see the scaling activities)",
            report.interruptions_missed
        ));
    }
    (!parts.is_empty()).then(|| format!("variant {variant}: {}", parts.join("; ")))
}

/// The instance lines of a fleet's `billed` usage over `period` as its instances (of machine
/// type or task size `sku`) were bought:
/// a replayed spot price history ([`purchase::spot_history_line`]), else
/// [`purchase::instance_lines`] (on demand, committed, under a plan, spot at a ratio), each
/// hour's billed usage (minimums included) what a commitment is matched against.
pub fn bought_lines(
    machine: &str,
    billed: &Instances,
    meter: Meter,
    sku: &'static str,
    hourly: &Price,
    bought: &Bought,
    period: &Period,
) -> Vec<(PriceSource, Vec<InvoiceLine>)> {
    if let (Purchase::Spot { price_history, .. }, Some(rate)) = (&bought.purchase, &bought.rate)
        && !price_history.is_empty()
    {
        return vec![purchase::spot_history_line(
            machine,
            &billed.runs,
            meter,
            price_history,
            rate,
            period,
        )];
    }
    let instance_s = meter.instance_seconds(&billed.runs, period.usage_scale);
    let hours = billed.billed_hours(meter, sku);
    purchase::instance_lines(
        machine,
        instance_s,
        &hours.seconds_by_hour,
        hourly,
        bought,
        period,
    )
}

/// The usage a bill counts: every run, except spot runs the provider interrupted before
/// `unbilled_within` (AWS: the first instance-hour of a Linux spot instance EC2 interrupts is
/// not charged; Compute Engine: a Spot VM preempted in its first minute is not charged).
pub fn billed_usage(usage: &Instances, unbilled_within: SimDuration) -> Cow<'_, Instances> {
    let within = unbilled_within.as_micros();
    let unbilled = |r: &InstanceRun| r.interrupted && r.run_us() < within;
    if !usage.runs.iter().any(unbilled) {
        return Cow::Borrowed(usage);
    }
    Cow::Owned(Instances {
        runs: usage
            .runs
            .iter()
            .filter(|r| !unbilled(r))
            .copied()
            .collect(),
        requests_by_hour: usage.requests_by_hour.clone(),
    })
}

kind_fields! {
    /// The fields of a fleet of virtual machines (`platform = "ec2"`, `"compute_engine"`,
    /// `"azure_vm"`), in the order messages list them.
    pub struct FleetFields {
        instance_type: String,
        count: i64,
        slots: i64,
        queue_timeout: String,
        cpu_speed: f64,
        load_balancer: RawLoadBalancer,
        boot_time: RawDist,
        deregistration_delay: String,
        autoscaling: RawAutoscaling,
        schedule: Vec<RawScheduledAction>,
        block_storage_gb: i64,
    }
}

/// `load_balancer` of a fleet: `true`/`false`, or a table describing the Application
/// Load Balancer (which implies `true`; EC2 only).
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
    /// `rules`: listener rules evaluated per request.
    pub rules: Option<i64>,
    /// `requests_per_connection`: keep-alive reuse.
    pub requests_per_connection: Option<f64>,
    /// `connection_duration`: how long a client keeps a connection open.
    pub connection_duration: Option<String>,
}

impl<'de> Deserialize<'de> for RawLoadBalancer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = RawLoadBalancer;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "true, false or a table such as { rules = 10, requests_per_connection = 1, \
                     connection_duration = \"60s\" }",
                )
            }
            fn visit_bool<E: serde::de::Error>(
                self,
                v: bool,
            ) -> std::result::Result<RawLoadBalancer, E> {
                Ok(RawLoadBalancer::Enabled(v))
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                map: M,
            ) -> std::result::Result<RawLoadBalancer, M::Error> {
                RawAlb::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RawLoadBalancer::Alb)
            }
        }
        d.deserialize_any(Visit)
    }
}

/// `[[variant.schedule]]`: a scheduled action, daily or weekly.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawScheduledAction {
    /// `at`: the time of day, `HH:MM`, or of the week, `Sat 10:00`.
    pub at: String,
    /// `days`: the weekdays a daily time runs on (every day when absent).
    pub days: Option<Vec<String>>,
    /// `min_size`.
    pub min_size: Option<i64>,
    /// `max_size`.
    pub max_size: Option<i64>,
    /// `desired_capacity`.
    pub desired_capacity: Option<i64>,
}

/// How the variant buys its instances (`purchase`) and the rate it pays, from the price book
/// (a spot `price_ratio` given in the scenario replaces the book's, and says so).
///
/// # Errors
/// An option or field the product does not take, a `payment` its provider does not price, or a
/// rate the book does not have.
pub(crate) fn bought(v: &VariantCx<'_>, rules: &VmRules) -> Result<Bought> {
    let purchase = v.purchase(rules.purchase_options)?;
    if !rules.words.payment_priced
        && let Purchase::Reserved { payment, .. } | Purchase::SavingsPlan { payment, .. } =
            &purchase
        && v.purchase_gives_payment()
    {
        return Err(v.error(
            "purchase",
            format!("payment = \"{}\"", payment.name()),
            format!(
                "{} prices its commitments the same however they are paid: leave payment out",
                rules.label
            ),
        ));
    }
    if let Purchase::SavingsPlan {
        kind: PlanKind::Ec2Instance,
        ..
    } = &purchase
        && rules.kind != "ec2"
    {
        return Err(v.error(
            "purchase",
            "kind = \"ec2_instance\"",
            format!(
                "an EC2 Instance Savings Plan covers one EC2 family; {} takes kind = \"compute\"",
                rules.label
            ),
        ));
    }
    let rate_id = rules.rate_id;
    if let (Some(id), Some(book)) = (rate_id(&purchase), v.book())
        && book.bands(&id).is_none()
    {
        let prefix = id.rsplit_once('.').map_or(id.as_str(), |(p, _)| p);
        let terms: Vec<&str> = book
            .ids()
            .filter(|i| {
                i.starts_with(
                    prefix
                        .split('.')
                        .take(2)
                        .collect::<Vec<_>>()
                        .join(".")
                        .as_str(),
                )
            })
            .collect();
        return Err(v.error(
            "purchase",
            format!("{} has no rate {id:?}", book.title),
            format!(
                "the book's rates for this option: {} (term and payment as they name them)",
                terms.join(", ")
            ),
        ));
    }
    let mut rate = rate_id(&purchase).map(|id| v.price(&id)).transpose()?;
    if let (
        Some(r),
        Purchase::Spot {
            price_ratio: Some(ratio),
            ..
        },
    ) = (&mut rate, &purchase)
    {
        r.change = Some(PriceChange {
            list_usd: vec![r.usd()],
            money: false,
            how: vec![format!("purchase.price_ratio {ratio}")],
        });
        r.tiers[0].usd_per_unit = *ratio;
    }
    Ok(Bought {
        purchase,
        rate,
        words: rules.words,
    })
}

/// How a spot fleet's instances are interrupted (`None` when it is not on spot): at the
/// scenario's `interruptions_per_hour`, else — unless `interruptions_at` replays
/// interruptions, which then stand alone — at the book's rate for the variant's region
/// ([`VmRules::interruptions_id`]); with the scenario's `notice`, else the provider's
/// ([`VmRules::spot_notice`]).
///
/// # Errors
/// The book has no interruption rate for the region.
fn interruptions(
    v: &VariantCx<'_>,
    purchase: &Purchase,
    rules: &VmRules,
) -> Result<Option<Interruptions>> {
    let Purchase::Spot {
        interruptions_per_hour,
        interruptions_at_s,
        notice_s,
        on_interruption,
        ..
    } = purchase
    else {
        return Ok(None);
    };
    let per_instance_hour = match interruptions_per_hour {
        Some(rate) => *rate,
        None if !interruptions_at_s.is_empty() => 0.0,
        None => v.price(rules.interruptions_id)?.usd(),
    };
    Ok(Some(Interruptions {
        per_instance_hour,
        at: interruptions_at_s
            .iter()
            .map(|&s| SimDuration::from_secs_f64(s))
            .collect(),
        notice: notice_s.map_or(rules.spot_notice, SimDuration::from_secs_f64),
        on_interruption: match on_interruption {
            OnInterruption::Retry => iaas::OnInterruption::Retry,
            OnInterruption::Fail => iaas::OnInterruption::Fail,
        },
    }))
}

/// Machine type `name` of the variant's price book, given at `field`.
///
/// # Errors
/// The book has no such type: an error at the field naming it as `noun`, the closest name and
/// every name the book has.
pub(crate) fn machine_type(
    v: &VariantCx<'_>,
    field: &str,
    noun: &str,
    name: &str,
) -> Result<&'static MachineType> {
    let book = v
        .book()
        .expect("a product with machine types is priced from its provider's book");
    book.machine(name).ok_or_else(|| {
        let names: Vec<&str> = book.machines.iter().map(|m| m.name.as_str()).collect();
        let near = crate::scenario::closest(name, &names)
            .map(|n| format!("did you mean \"{n}\"? "))
            .unwrap_or_default();
        v.error(
            field,
            format!("unknown {noun} \"{name}\""),
            format!("{near}allowed: {}", names.join(", ")),
        )
    })
}

/// What one replica of a fleet is, as its validation needs it: a machine type (EC2, Compute
/// Engine, Azure VM) or a task size (Fargate).
#[derive(Clone, Debug)]
pub(crate) struct Shape {
    /// How messages name one: "m7g.large", "0.25 vCPU / 512 MB task".
    pub name: String,
    /// Its vCPUs.
    pub vcpus: f64,
    /// Its memory, MB (MiB, as AWS counts a task's and EC2 an instance's).
    pub memory_mb: f64,
    /// What to choose when it is too small: "a larger instance type".
    pub larger: &'static str,
}

/// Validate the fields of a fleet variant of the product `rules` describes: the instance type
/// and its slots, queue, boot, load balancer, a fixed count or an autoscaling policy, scheduled
/// actions, how its instances are bought (the fields of other products are already refused).
///
/// # Errors
/// The first invalid value, located at its field.
pub(crate) fn validate(v: &VariantCx<'_>, raw: &FleetFields, rules: &VmRules) -> Result<Fleet> {
    let (cx, base, kind) = (v.ctx(), v.base(), v.kind());
    let p = |f| join(base, &[key(f)]);
    let type_name = cx.need(base, kind, "instance_type", &raw.instance_type)?;
    let book = v
        .book()
        .expect("a fleet product is priced from its provider's book");
    let bought = bought(v, rules)?;
    let instance = machine_type(v, "instance_type", "instance type", &type_name)?;
    let shape = Shape {
        name: instance.name.clone(),
        vcpus: f64::from(instance.vcpus),
        memory_mb: instance.memory_gib * 1_024.0,
        larger: "a larger instance type",
    };
    let replicas = replicas(v, raw, rules, &shape, bought)?;
    let block_storage_gb = match raw.block_storage_gb {
        None | Some(0) => None,
        Some(gb) => Some(cx.int_in(
            &p("block_storage_gb"),
            gb,
            0,
            rules.max_block_storage_gb,
            &format!(
                " GB of {} per instance (0: not billed)",
                rules.block_storage
            ),
        )?),
    };
    let Replicas {
        config,
        policy,
        load_balancer,
        bought,
    } = replicas.finish(v, raw, rules)?;
    Ok(Fleet {
        config,
        policy,
        hourly: v.price(&book.machine_price_id(&instance.name))?,
        instance,
        load_balancer,
        bought,
        block_storage_gb,
    })
}

/// A fleet variant's replicas as its shared fields describe them, whatever its shape: the
/// model's parameters, its policy, its load balancer, how they are bought.
pub(crate) struct Replicas {
    /// The model's parameters (no scheduled actions nor interruptions until
    /// [`Replicas::finish`]).
    pub config: FleetConfig,
    /// How its capacity changes.
    pub policy: PolicySpec,
    /// Whether a load balancer fronts it.
    pub load_balancer: bool,
    /// How its replicas are bought.
    pub bought: Bought,
}

/// Validate the fields every fleet product shares, for replicas of `shape` bought as `bought`:
/// slots, queue, speed, boot, deregistration, load balancer, a fixed count or an autoscaling
/// policy; [`Replicas::finish`] adds the scheduled actions and spot interruptions.
///
/// # Errors
/// The first invalid value, located at its field.
pub(crate) fn replicas(
    v: &VariantCx<'_>,
    raw: &FleetFields,
    rules: &VmRules,
    shape: &Shape,
    bought: Bought,
) -> Result<Replicas> {
    let (cx, base, kind) = (v.ctx(), v.base(), v.kind());
    let profile = &v.traffic().profile;
    let p = |f| join(base, &[key(f)]);
    let unit = format!(" {}", rules.replicas);
    let slots = cx.int_in(
        &p("slots"),
        cx.need(base, kind, "slots", &raw.slots)?,
        1,
        100_000,
        &format!(" requests per {}", rules.replica),
    )?;
    let replica_mb = shape.memory_mb;
    if f64::from(slots) * f64::from(profile.memory_mb) > replica_mb {
        return Err(cx.err(
            &p("slots"),
            format!(
                "{slots} slots × {} MB per request exceed the {replica_mb} MB of a {}",
                profile.memory_mb, shape.name
            ),
            format!(
                "use at most {} slots, or {}",
                (replica_mb / f64::from(profile.memory_mb)).floor(),
                shape.larger
            ),
        ));
    }
    if let Some(metric) = raw
        .autoscaling
        .as_ref()
        .and_then(|a| a.predefined_metric_type)
        && metric.is_cpu()
        && metric.name() != rules.cpu_metric
    {
        return Err(cx.err(
            &join(base, &[key("autoscaling"), key("predefined_metric_type")]),
            format!("{} is not {}'s metric", metric.name(), rules.label),
            format!(
                "{} scales on its average CPU as {}",
                rules.label, rules.cpu_metric
            ),
        ));
    }
    let queue_timeout = match &raw.queue_timeout {
        None => DEFAULT_QUEUE_TIMEOUT,
        // Batch work waits as long as it takes: longer than any horizon.
        Some(text) if text == "never" => MAX_QUEUE_TIMEOUT,
        Some(text) => {
            let d = cx.duration(&p("queue_timeout"), text)?;
            if d > MAX_QUEUE_TIMEOUT {
                return Err(cx.err(
                    &p("queue_timeout"),
                    format!("\"{text}\" is longer than the longest horizon"),
                    "allowed: 0s to 366d (how long a request may wait for a free slot), or \
                     \"never\" (batch work that waits as long as it takes)",
                ));
            }
            d
        }
    };
    let cpu_speed = cx.positive(&p("cpu_speed"), raw.cpu_speed.unwrap_or(1.0))?;
    let boot_time = match &raw.boot_time {
        Some(d) => dist(cx, &p("boot_time"), d)?,
        None => (rules.boot_time)(),
    };
    let deregistration_delay = match &raw.deregistration_delay {
        Some(text) => {
            let d = cx.duration(&p("deregistration_delay"), text)?;
            if d > MAX_DEREGISTRATION_DELAY {
                return Err(cx.err(
                    &p("deregistration_delay"),
                    format!("\"{text}\" is more than an hour"),
                    "allowed: 0s to 3600s (the target group's deregistration_delay.timeout_seconds)",
                ));
            }
            d
        }
        None => DEFAULT_DEREGISTRATION_DELAY,
    };
    let (load_balancer, balancer) =
        balancer(cx, &p("load_balancer"), raw.load_balancer.as_ref(), rules)?;
    let (policy, min, max, initial) = match &raw.autoscaling {
        None => {
            let count = cx.need(base, kind, "count", &raw.count)?;
            if count == 0 && raw.schedule.is_none() {
                return Err(cx.err(
                    &p("count"),
                    format!("a fixed fleet of 0 {} serves nothing", rules.replicas),
                    "allowed: 1 or more; 0 only with scheduled actions ([[variant.schedule]]) \
                     that raise it, e.g. a batch window",
                ));
            }
            let count = cx.int_in(&p("count"), count, 0, i64::from(MAX_INSTANCES), &unit)?;
            // Scheduled actions may move a fixed fleet anywhere; without them it stays put.
            let (min, max) = if raw.schedule.is_some() {
                (0, MAX_INSTANCES)
            } else {
                (count, count)
            };
            let policy = PolicySpec::Fixed {
                period: DEFAULT_PERIOD,
            };
            (policy, min, max, count)
        }
        Some(a) => {
            let (policy, min, max) = autoscaling(cx, &p("autoscaling"), a)?;
            // A scheduled action may not set the group beyond its maximum unless it (or another
            // action) raises the maximum too: AWS refuses MinSize or DesiredCapacity above
            // MaxSize.
            if let Some(actions) = &raw.schedule {
                let highest_max = actions
                    .iter()
                    .filter_map(|a| a.max_size)
                    .fold(i64::from(max), i64::max);
                for (i, a) in actions.iter().enumerate() {
                    for (field, v) in [
                        ("min_size", a.min_size),
                        ("desired_capacity", a.desired_capacity),
                    ] {
                        if let Some(v) = v
                            && v > highest_max
                        {
                            return Err(cx.err(
                                &join(base, &[key("schedule"), index(i), key(field)]),
                                format!("{v} is above the group's max_size {highest_max}"),
                                "raise max_size in the policy or in a scheduled action, or set at \
                                 most the maximum",
                            ));
                        }
                    }
                }
            }
            let initial = match raw.count {
                Some(c) => cx.int_in(
                    &p("count"),
                    c,
                    i64::from(min),
                    i64::from(max),
                    &format!("{unit} (between the policy's minimum and maximum)"),
                )?,
                None => min,
            };
            (policy, min, max, initial)
        }
    };
    Ok(Replicas {
        config: FleetConfig {
            initial,
            min,
            max,
            vcpus: shape.vcpus,
            cpu_speed,
            slots,
            queue_timeout,
            boot_time,
            deregistration_delay,
            schedule: Vec::new(),
            balancer,
            interruptions: None,
        },
        policy,
        load_balancer,
        bought,
    })
}

impl Replicas {
    /// The variant's scheduled actions and, on spot, how its replicas are interrupted.
    ///
    /// # Errors
    /// An invalid scheduled action, or no interruption rate in the book for the region.
    pub(crate) fn finish(
        mut self,
        v: &VariantCx<'_>,
        raw: &FleetFields,
        rules: &VmRules,
    ) -> Result<Replicas> {
        if let Some(actions) = &raw.schedule {
            self.config.schedule = schedule(v.ctx(), v.base(), actions)?;
        }
        self.config.interruptions = interruptions(v, &self.bought.purchase, rules)?;
        Ok(self)
    }
}

/// Longest queue timeout accepted: 366 days, the longest horizon (a longer one changes nothing).
const MAX_QUEUE_TIMEOUT: SimDuration = SimDuration::from_secs(366 * 86_400);

/// Longest deregistration delay ELB accepts: `deregistration_delay.timeout_seconds` is 0–3,600
/// (docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes).
const MAX_DEREGISTRATION_DELAY: SimDuration = SimDuration::from_secs(3_600);

/// Most listener rules a request may be evaluated against. ALB's quota is 100 rules per load
/// balancer by default (adjustable): 1,000 leaves room for a raised quota.
const MAX_RULES: i64 = 1_000;

/// `load_balancer = true | false | { rules, requests_per_connection, connection_duration }`:
/// whether a load balancer is billed (the product's default when not given), and how clients
/// use it. The table form implies `true`; it describes an ALB's capacity-unit dimensions, so
/// only EC2 takes it.
fn balancer(
    cx: &Ctx,
    path: &[Step],
    raw: Option<&RawLoadBalancer>,
    vm: &VmRules,
) -> Result<(bool, Balancer)> {
    let alb = match raw {
        None => return Ok((vm.load_balancer_default, Balancer::default())),
        Some(RawLoadBalancer::Enabled(on)) => return Ok((*on, Balancer::default())),
        Some(RawLoadBalancer::Alb(_)) if !vm.alb => {
            return Err(cx.err(
                path,
                "a table describes an Application Load Balancer's capacity units",
                format!(
                    "{}'s load balancer is billed by the hour and the data it processes: write \
                     load_balancer = true",
                    vm.label
                ),
            ));
        }
        Some(RawLoadBalancer::Alb(alb)) => alb,
    };
    let p = |f| join(path, &[key(f)]);
    let rules = cx.int_in(
        &p("rules"),
        alb.rules.unwrap_or(i64::from(Balancer::DEFAULT_RULES)),
        1,
        MAX_RULES,
        " listener rules evaluated per request (the default rule counts)",
    )?;
    let requests_per_connection = alb
        .requests_per_connection
        .unwrap_or(Balancer::DEFAULT_REQUESTS_PER_CONNECTION);
    if !(requests_per_connection.is_finite() && (1.0..=1.0e6).contains(&requests_per_connection)) {
        return Err(cx.err(
            &p("requests_per_connection"),
            format!("value {requests_per_connection} is out of range"),
            "allowed: 1 to 1,000,000 requests per connection (1 = no keep-alive reuse)",
        ));
    }
    let connection_duration = match &alb.connection_duration {
        None => Balancer::DEFAULT_CONNECTION_DURATION,
        Some(text) => {
            let d = cx.duration(&p("connection_duration"), text)?;
            if d == SimDuration::ZERO || d > MAX_CONNECTION_DURATION {
                return Err(cx.err(
                    &p("connection_duration"),
                    format!("\"{text}\" is out of range"),
                    "allowed: more than 0 and at most 7d (how long a client keeps a connection open)",
                ));
            }
            d
        }
    };
    Ok((
        true,
        Balancer {
            requests_per_connection,
            connection_duration,
            rules,
        },
    ))
}

/// Longest connection accepted: a week (ALB's idle timeout is at most 4,000 s; only a
/// connection that is never idle lives longer).
const MAX_CONNECTION_DURATION: SimDuration = SimDuration::from_secs(7 * 86_400);

/// Validate `[[variant.schedule]]` actions.
fn schedule(cx: &Ctx, base: &[Step], raw: &[RawScheduledAction]) -> Result<Vec<ScheduledAction>> {
    let mut actions = Vec::with_capacity(raw.len());
    for (i, a) in raw.iter().enumerate() {
        let p = |f| join(base, &[key("schedule"), index(i), key(f)]);
        let runs = crate::scenario::validate::recurrence(
            cx,
            &join(base, &[key("schedule"), index(i)]),
            &a.at,
            a.days.as_deref(),
        )?;
        let size = |f, v: Option<i64>| {
            v.map(|v| cx.int_in(&p(f), v, 0, i64::from(MAX_INSTANCES), " instances"))
                .transpose()
        };
        let (min_size, max_size) = (size("min_size", a.min_size)?, size("max_size", a.max_size)?);
        let desired_capacity = size("desired_capacity", a.desired_capacity)?;
        if let (Some(lo), Some(hi)) = (min_size, max_size)
            && lo > hi
        {
            return Err(cx.err(
                &p("min_size"),
                format!("{lo} is above max_size {hi}"),
                "min_size must not exceed max_size",
            ));
        }
        if min_size.is_none() && max_size.is_none() && desired_capacity.is_none() {
            return Err(cx.err(
                &join(base, &[key("schedule"), index(i)]),
                "the action changes nothing",
                "give min_size, max_size, desired_capacity or several of them",
            ));
        }
        for (at, period) in runs {
            actions.push(ScheduledAction {
                at,
                period,
                min_size,
                max_size,
                desired_capacity,
            });
        }
    }
    Ok(actions)
}

/// How a fleet of Compute Engine or Azure virtual machines is billed (EC2 has its own, with
/// its ALB's capacity units: [`super::ec2::Ec2Billing`]).
#[derive(Clone, Debug, PartialEq)]
pub struct VmBilling {
    /// Its product's rules.
    pub rules: &'static VmRules,
    /// The machine type.
    pub instance: &'static MachineType,
    /// Its on-demand price per instance-hour.
    pub hourly: Price,
    /// The load balancer in front, when there is one.
    pub load_balancer: Option<HourlyBalancer>,
    /// How its instances are bought, with the rate.
    pub bought: Bought,
    /// Compute Engine's sustained use rates for the machine's family, when they apply
    /// ([`purchase::sustained_use_hours`]).
    pub sustained_use: Option<Price>,
    /// The rates the commitment advisor weighs: a 1-year savings plan (when the provider sells
    /// one) and a 1-year reservation or commitment.
    pub advice_rates: (Option<Price>, Price),
    /// The block storage volume of each instance, when billed.
    pub block_storage: Option<BlockStorage>,
    /// Data transfer out and a NAT gateway, where the variant has them.
    pub extras: Extras,
}

/// A Compute Engine or Azure VM variant's configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct VmSpec {
    /// Model parameters.
    pub fleet: FleetConfig,
    /// How its capacity changes.
    pub policy: PolicySpec,
    /// Billing options.
    pub billing: VmBilling,
}

impl Configured for VmSpec {
    fn product(&self) -> &'static dyn Product {
        self.billing.rules.product
    }

    fn run(&self, cx: RunCtx<'_, '_>) -> VariantReport {
        let billing = &self.billing;
        let profile = &cx.scenario.traffic.profile;
        let bytes = (profile.request_bytes + profile.response_bytes) as f64;
        let horizon_s = cx.scenario.horizon.as_secs_f64();
        let machine = format!("{} {}", billing.rules.label, billing.instance.name);
        run_fleet(
            &self.fleet,
            &self.policy,
            cx,
            describe(
                &self.fleet,
                &self.policy,
                &billing.instance.name,
                &billing.bought,
                billing.load_balancer.as_ref().map(|_| "load balancer"),
            ),
            |usage, completed| VmBill {
                billing,
                served: Served {
                    responses: completed,
                    logged: 0,
                },
                processed_bytes: usage.requests_by_hour.iter().sum::<u64>() as f64 * bytes,
            },
            |usage| {
                // Advice is for instances bought on demand (see EC2's).
                (billing.bought.purchase == Purchase::OnDemand).then(|| {
                    let usage_by_hour = usage.hours(&billing.instance.name).instance_hours();
                    let (plan, reserved) = &billing.advice_rates;
                    // Sustained use makes on-demand hours cheaper the more of the month they
                    // run: the advice weighs commitments against the fleet's on-demand hours
                    // at their average sustained use rate over the month (exact for a steady
                    // fleet; for a varying one the hours above a commitment earn a little less
                    // than the average), each commitment's rate restated against it.
                    let list = billing.hourly.usd();
                    let effective = billing.sustained_use.as_ref().map_or(1.0, |sud| {
                        let billed = billed_usage(usage, billing.rules.spot_unbilled_within);
                        let bands = purchase::sustained_use_hours(
                            &billed.runs,
                            0,
                            sud,
                            &Period::monthly(horizon_s),
                        );
                        let hours: f64 = bands.iter().sum();
                        let paid: f64 = bands
                            .iter()
                            .zip(&sud.tiers)
                            .map(|(h, t)| h * t.usd_per_unit)
                            .sum();
                        if hours > 0.0 { paid / hours } else { 1.0 }
                    });
                    let sud = if effective < 1.0 {
                        format!(
                            " (against on-demand after sustained use: {:.1} % of list)",
                            100.0 * effective
                        )
                    } else {
                        String::new()
                    };
                    advisor::advise(
                        &machine,
                        &usage_by_hour,
                        horizon_s,
                        list * effective,
                        plan.as_ref()
                            .map(|p| ("savings plan, 1y", p.usd() / effective)),
                        (
                            &format!(
                                "{} {}, 1y{sud}",
                                billing.instance.name, billing.rules.words.reserved
                            ),
                            reserved.usd() / effective,
                        ),
                    )
                })
            },
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
        fleet_warning(
            &self.fleet,
            Some(self.billing.instance),
            self.billing.rules,
            variant,
            report,
            horizon,
        )
    }
}

/// The invoice of a Compute Engine or Azure fleet over `period`: its instance time as it was
/// bought (on demand, committed, under a savings plan, spot; [`purchase::instance_lines`] after
/// the product's meter and spot rule), the on-demand hours at the sustained use rates where they
/// apply ([`purchase::sustained_use_lines`]), the load balancer's rule-hours and the
/// `processed_bytes` (the horizon's) it processed, each instance's block storage, data transfer
/// out and a NAT gateway.
pub fn vm_invoice(
    usage: &Instances,
    processed_bytes: f64,
    served: Served,
    billing: &VmBilling,
    period: Period,
) -> Invoice {
    let rules = billing.rules;
    let billed = billed_usage(usage, rules.spot_unbilled_within);
    let runs = &billed.runs;
    let instance_s = rules.meter.instance_seconds(runs, period.usage_scale);
    let machine = format!("{} {}", rules.label, billing.instance.name);
    let mut priced = bought_lines(
        &machine,
        &billed,
        rules.meter,
        &billing.instance.name,
        &billing.hourly,
        &billing.bought,
        &period,
    );
    if let Some(sud) = &billing.sustained_use {
        let committed = match billing.bought.purchase {
            Purchase::Reserved { count, .. } => count,
            _ => 0,
        };
        let bands = purchase::sustained_use_hours(runs, committed, sud, &period);
        let on_demand = format!("{machine} on-demand");
        for (_, lines) in &mut priced {
            if let Some(i) = lines.iter().position(|l| l.item.starts_with(&on_demand)) {
                let od = lines.remove(i);
                let split = purchase::sustained_use_lines(&od, &bands, sud);
                lines.splice(i..i, split);
            }
        }
    }
    if let Some(lb) = &billing.load_balancer {
        priced.extend(lb.lines(period.seconds, processed_bytes * period.usage_scale));
    }
    if let Some(storage) = &billing.block_storage {
        priced.push(storage_line(
            &format!("{} ({} GB per instance)", rules.block_storage, storage.gb),
            instance_s,
            storage,
            &period,
        ));
    }
    priced.extend(billing.extras.lines(served, &period));
    Invoice::new(period, priced)
}

/// A Compute Engine or Azure fleet's bill, for the runner.
struct VmBill<'a> {
    billing: &'a VmBilling,
    served: Served,
    processed_bytes: f64,
}

impl Bills for VmBill<'_> {
    type Usage = Instances;

    fn invoice(&self, usage: &Instances, period: Period) -> Invoice {
        vm_invoice(
            usage,
            self.processed_bytes,
            self.served,
            self.billing,
            period,
        )
    }

    /// Instance-seconds at the on-demand rate and the load balancer's hour share: a shape,
    /// fitted to the invoice.
    fn interval_cost(&self, row: &IntervalRow, interval_s: f64) -> f64 {
        let lb = self
            .billing
            .load_balancer
            .as_ref()
            .map_or(0.0, |lb| interval_s / 3_600.0 * lb.hour.usd());
        row.usage_compute * self.billing.hourly.usd() / 3_600.0 + lb
    }

    /// A shared fleet's cost goes to functions by the time it spent on each.
    fn function_weight(&self, f: &FunctionOutcome) -> f64 {
        f.busy_s
    }
}
