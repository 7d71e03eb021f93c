//! Amazon EC2 behind an Application Load Balancer (`platform = "ec2"`): everything that makes
//! the fleet model *EC2* — the fields a variant takes and their validation (instance type and
//! slots, queue, boot, load balancer, a fixed count or an autoscaling policy, scheduled
//! actions), its per-second meter with a 60 s minimum, its invoice (instance-hours on demand,
//! ALB hours and LCU-hours), its list-rate interval cost, its description and its presets.
//!
//! The model itself is [`crate::platform::iaas`]; its machine types and prices are AWS's price
//! book ([`crate::billing::book`]), in the variant's `region`.

use serde::Deserialize;

use crate::autoscale::{DEFAULT_PERIOD, PolicySpec, ScheduledAction};
use crate::billing::advisor;
use crate::billing::book::{MachineType, Price, PriceChange, catalog, list_price};
use crate::billing::catalog::ALB_LCU;
use crate::billing::purchase::{self, Bought, OnInterruption, PlanKind, Purchase};
use crate::billing::{CostCategory, Invoice, MONTH_S, Period, schemes};
use crate::engine::{self, SimDuration, SimTime};
use crate::metrics::{FunctionOutcome, IntervalRow};
use crate::platform::PlatformFamily;
use crate::platform::iaas::{
    self, Balancer, DEFAULT_DEREGISTRATION_DELAY, DEFAULT_QUEUE_TIMEOUT, FleetConfig, FleetModel,
    FleetRngs, Interruptions, MAX_INSTANCES, default_boot_time,
};
use crate::results::VariantReport;
use crate::scenario::doc::Step;
use crate::scenario::raw::{RawAutoscaling, RawDist, kind_fields};
use crate::scenario::validate::{Ctx, Result, autoscaling, dist, index, join, key};
use crate::scenario::{PlatformSpec, RawFields, ScenarioError, VariantCx};
use crate::traffic::RequestProfile;
use crate::usage::{BalancerHour, InstanceHours, Instances, Meter};

use super::extras::{Extras, Served};
use super::{Bills, Configured, Product, ProductFields, RunCtx, variant_report};

/// The name scenario files and reports give it: `platform = "ec2"`.
pub const KIND: &str = "ec2";
/// A fleet.
pub const FAMILY: PlatformFamily = PlatformFamily::Fleet;
/// Each launch billed per second, at least 60 s (Linux on-demand).
pub const METER: Meter = Meter::SecondWithMinuteMinimum;

/// Amazon EC2 behind an ALB, the product.
#[derive(Debug)]
pub struct Ec2;

/// The provider whose price book bills it.
pub const PROVIDER: &str = "aws";

/// How a fleet is billed: its instance type and prices, and whether an Application Load
/// Balancer fronts it.
#[derive(Clone, Debug, PartialEq)]
pub struct Ec2Billing {
    /// The instance type.
    pub instance: &'static MachineType,
    /// Its on-demand price per instance-hour (`ec2.<type>`).
    pub hourly: Price,
    /// Whether an Application Load Balancer fronts the fleet.
    pub load_balancer: bool,
    /// The ALB's price per hour (`alb.hour`).
    pub alb_hour: Price,
    /// The ALB's price per LCU-hour (`alb.lcu_hour`).
    pub alb_lcu_hour: Price,
    /// How its instances are bought (`purchase`), with the rate.
    pub bought: Bought,
    /// The rates the commitment advisor weighs: a 1-year no-upfront compute savings plan
    /// (`savings_plan.compute.1y.no_upfront.ec2`) and reservation (`ec2.reserved.1y.no_upfront`).
    pub advice_rates: [Price; 2],
    /// The EBS gp3 volume of each instance (`block_storage_gb`), when it is billed.
    pub block_storage: Option<BlockStorage>,
    /// Data transfer out, log ingestion, a NAT gateway, where the variant has them.
    pub extras: Extras,
}

/// The EBS volume each instance has while it exists.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockStorage {
    /// Its size, GB (`block_storage_gb`).
    pub gb: u32,
    /// Per GB-month of gp3 storage (`ebs.gp3`).
    pub price: Price,
}

/// The largest gp3 volume: 16 TiB = 16,384 GiB (Amazon EBS user guide, volume types).
pub const MAX_BLOCK_STORAGE_GB: i64 = 16_384;

/// The price ids of [`Ec2Billing::advice_rates`].
pub const ADVICE_RATES: [&str; 2] = [
    "savings_plan.compute.1y.no_upfront.ec2",
    "ec2.reserved.1y.no_upfront",
];

impl Ec2Billing {
    /// A fleet of `instance_type` billed at AWS's list prices in us-east-1.
    ///
    /// # Panics
    /// An instance type AWS's book does not have.
    pub fn list(instance_type: &str, load_balancer: bool) -> Self {
        let book = catalog().provider(PROVIDER).expect("AWS's price book");
        let price = |id: &str| list_price(PROVIDER, "us-east-1", id);
        Ec2Billing {
            instance: book.machine(instance_type).expect("a known instance type"),
            hourly: price(&book.machine_price_id(instance_type)),
            load_balancer,
            alb_hour: price("alb.hour"),
            alb_lcu_hour: price("alb.lcu_hour"),
            bought: Bought::on_demand(),
            advice_rates: ADVICE_RATES.map(price),
            block_storage: None,
            extras: Extras::default(),
        }
    }
}

/// The options EC2 instances are bought as.
pub const PURCHASE_OPTIONS: [&str; 4] = ["on_demand", "reserved", "savings_plan", "spot"];

/// The price id of the rate `purchase` pays, as a share of on-demand: `ec2.reserved.1y.
/// no_upfront`, `savings_plan.compute.1y.no_upfront.ec2`, `savings_plan.ec2_instance.1y.
/// no_upfront`, `ec2.spot`; none on demand.
pub fn purchase_rate_id(purchase: &Purchase) -> Option<String> {
    match purchase {
        Purchase::OnDemand => None,
        Purchase::Reserved { term, payment, .. } => {
            Some(format!("ec2.reserved.{}.{}", term.name(), payment.name()))
        }
        Purchase::SavingsPlan {
            kind: PlanKind::Compute,
            term,
            payment,
            ..
        } => Some(format!(
            "savings_plan.compute.{}.{}.ec2",
            term.name(),
            payment.name()
        )),
        Purchase::SavingsPlan {
            kind: PlanKind::Ec2Instance,
            term,
            payment,
            ..
        } => Some(format!(
            "savings_plan.ec2_instance.{}.{}",
            term.name(),
            payment.name()
        )),
        Purchase::Spot { .. } => Some("ec2.spot".into()),
    }
}

impl Product for Ec2 {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn family(&self) -> PlatformFamily {
        FAMILY
    }

    fn fields(&self) -> &'static [&'static str] {
        Ec2Fields::NAMES
    }

    fn read(
        &self,
        fields: &RawFields<'_>,
    ) -> std::result::Result<Box<dyn ProductFields>, ScenarioError> {
        Ok(Box::new(Ec2Fields::read(fields)?))
    }

    fn providers(&self) -> &'static [&'static str] {
        &[PROVIDER]
    }

    fn presets(&self) -> String {
        presets()
    }
}

/// An EC2 variant's configuration: the fleet, how its capacity changes, the billing options.
#[derive(Clone, Debug, PartialEq)]
pub struct Ec2Spec {
    /// Model parameters.
    pub fleet: FleetConfig,
    /// How its capacity changes.
    pub policy: PolicySpec,
    /// Billing options.
    pub billing: Ec2Billing,
}

impl Configured for Ec2Spec {
    fn product(&self) -> &'static dyn Product {
        &Ec2
    }

    fn run(&self, cx: RunCtx<'_, '_>) -> VariantReport {
        run(&self.fleet, &self.policy, &self.billing, cx)
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
        spot_warning(&self.fleet, variant, report, horizon)
    }
}

/// A warning when replayed spot interruptions (`interruptions_at`) did not all happen: those at
/// or after the horizon never do (named, readably), and those that found no instance to
/// interrupt ([`VariantReport::interruptions_missed`]) are counted.
pub fn spot_warning(
    fleet: &FleetConfig,
    variant: &str,
    report: &VariantReport,
    horizon: SimDuration,
) -> Option<String> {
    let after = fleet
        .interruptions
        .as_ref()
        .map(|s| s.after(horizon))
        .unwrap_or_default();
    let mut parts = Vec::new();
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

/// Run an EC2 variant: one fleet shared by every function the traffic names, its cost shared by
/// the time it spent on each.
pub fn run(
    fleet: &FleetConfig,
    policy: &PolicySpec,
    billing: &Ec2Billing,
    cx: RunCtx<'_, '_>,
) -> VariantReport {
    let RunCtx {
        scenario,
        variant,
        streams,
        requests,
        progress,
        log,
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
    let bill = Ec2Bill {
        billing,
        served: Served {
            responses: outcome.counters.completed,
            logged: outcome.counters.completed,
        },
        balancer_hours: balancer_hours(fleet, profile, &outcome.usage),
    };
    let description = describe(fleet, policy, billing);
    let machine = format!("EC2 {}", billing.instance.name);
    let usage_by_hour: Vec<f64> = instance_hours(&outcome.usage, billing)
        .seconds_by_hour
        .iter()
        .map(|s| s / 3_600.0)
        .collect();
    let [plan, reserved] = &billing.advice_rates;
    let advice = advisor::advise(
        &machine,
        &usage_by_hour,
        scenario.horizon.as_secs_f64(),
        billing.hourly.usd(),
        ("compute savings plan, 1y, no upfront", plan.usd()),
        (
            &format!("{} reserved, 1y, no upfront", billing.instance.name),
            reserved.usd(),
        ),
    );
    let mut report = variant_report(scenario, variant, description, outcome, &bill);
    // Advice is for instances bought on demand: a fleet already reserved, under a plan or on
    // spot pays something else, and the advice would compare with the wrong bill.
    if billing.bought.purchase == Purchase::OnDemand {
        report.commitment = Some(advice);
    }
    report
}

/// "2–10 × m7g.large, target tracking, 8 slots each + ALB".
pub fn describe(fleet: &FleetConfig, policy: &PolicySpec, billing: &Ec2Billing) -> String {
    let lb = if billing.load_balancer { " + ALB" } else { "" };
    let size = if matches!(policy, PolicySpec::Fixed { .. }) {
        let scheduled = if fleet.schedule.is_empty() {
            ""
        } else {
            ", scheduled actions"
        };
        format!("{} × {}{scheduled}", fleet.initial, billing.instance.name)
    } else {
        let (lo, hi, name) = (fleet.min, fleet.max, &billing.instance.name);
        format!("{lo}–{hi} × {name}, {}", policy.name())
    };
    let bought = match billing.bought.purchase {
        Purchase::OnDemand => String::new(),
        _ => format!(", {}", billing.bought.describe()),
    };
    format!("{size}, {} slots each{bought}{lb}", fleet.slots)
}

/// What the load balancer handled in each hour: the fleet's requests per hour, metered by how
/// its clients use connections and rules, each request and its response `profile`'s bytes.
pub fn balancer_hours(
    fleet: &FleetConfig,
    profile: &RequestProfile,
    usage: &Instances,
) -> Vec<BalancerHour> {
    let bytes_per_request = (profile.request_bytes + profile.response_bytes) as f64;
    usage
        .requests_by_hour
        .iter()
        .map(|&n| fleet.balancer.meter(n, bytes_per_request))
        .collect()
}

/// The invoice of one EC2 fleet: its instance-hours ([`METER`]: per second, 60 s minimum per
/// launch) as they were bought ([`purchase::instance_lines`]: on demand, reserved, under a
/// savings plan or on spot) and, when an ALB fronts it, ALB-hours and LCU-hours (the largest of the
/// four dimensions, per hour of `balancer_hours`), then the instances' EBS storage when
/// `block_storage_gb` is given (GB × the billed instance-seconds, as GB-months of 730 h), each
/// priced from the variant's prices and citing their source. The lines that need what the run
/// served (data transfer out, logs, a NAT gateway: [`Extras`]) are the runner's
/// ([`invoice_serving`]).
pub fn invoice(
    usage: &Instances,
    balancer_hours: &[BalancerHour],
    billing: &Ec2Billing,
    period: Period,
) -> Invoice {
    invoice_serving(usage, balancer_hours, Served::default(), billing, period)
}

/// [`invoice`], with the [`Extras`] lines of what the horizon `served`.
pub fn invoice_serving(
    usage: &Instances,
    balancer_hours: &[BalancerHour],
    served: Served,
    billing: &Ec2Billing,
    period: Period,
) -> Invoice {
    let k = period.usage_scale;
    let instance_s = METER.instance_seconds(&usage.runs, k);
    // A commitment applies to each hour's billed usage, minimums included.
    let hours = usage.billed_hours(METER, &billing.instance.name);
    let mut priced = purchase::instance_lines(
        &format!("EC2 {}", billing.instance.name),
        instance_s,
        &hours.seconds_by_hour,
        &billing.hourly,
        &billing.bought,
        &period,
    );
    if billing.load_balancer {
        let lcu_hours: f64 = balancer_hours.iter().map(|h| ALB_LCU.lcus(h)).sum::<f64>() * k;
        let balancer = schemes::hours_and_capacity_units(
            [
                ("Application Load Balancer hours", "ALB-hours"),
                (
                    "Application Load Balancer LCUs (largest of 4 dimensions, per hour)",
                    "LCU-hours",
                ),
            ],
            period.seconds,
            lcu_hours,
            billing.alb_hour.usd(),
            billing.alb_lcu_hour.usd(),
        );
        let [hours, lcus] = balancer;
        let mut lines = schemes::marked(vec![hours], &billing.alb_hour);
        lines.extend(schemes::marked(vec![lcus], &billing.alb_lcu_hour));
        priced.push((billing.alb_hour.source.clone(), lines));
    }
    if let Some(storage) = &billing.block_storage {
        // EBS bills a volume per second it exists, 60 s at least, as the instance is billed
        // (per-second billing of both since 2017-10-02).
        priced.push(schemes::by_price(
            schemes::Metered {
                item: &format!("EBS gp3 storage ({} GB per instance)", storage.gb),
                category: CostCategory::Other,
                quantity: instance_s * f64::from(storage.gb) / MONTH_S,
                unit: "GB-month",
            },
            &storage.price,
            false,
            period.month_fraction(),
        ));
    }
    priced.extend(billing.extras.lines(served, &period));
    Invoice::new(period, priced)
}

/// The fleet's instance-seconds in each hour, as its instance type, unrounded: the usage the
/// commitment advisor weighs. (The bill matches a reservation or savings plan against the
/// billed seconds, [`Instances::billed_hours`], which differ by the 60 s minimums and the
/// rounding to whole seconds.)
pub fn instance_hours(usage: &Instances, billing: &Ec2Billing) -> InstanceHours {
    usage.hours(&billing.instance.name)
}

/// Cost of one interval of `interval_s` seconds at list rates: its instance-seconds and, with an
/// ALB, its hour share and its LCUs weighed by requests (one connection each) — a shape only,
/// fitted to the invoice by [`crate::billing::accrue`].
pub fn interval_cost(row: &IntervalRow, billing: &Ec2Billing, interval_s: f64) -> f64 {
    let compute = row.usage_compute * billing.hourly.usd() / 3_600.0;
    let lb = if billing.load_balancer {
        interval_s / 3_600.0 * billing.alb_hour.usd()
            + row.usage_requests as f64 / 3_600.0 / ALB_LCU.new_conns_per_s_per_lcu
                * billing.alb_lcu_hour.usd()
    } else {
        0.0
    };
    compute + lb
}

/// EC2's bill, for the runner.
struct Ec2Bill<'a> {
    billing: &'a Ec2Billing,
    served: Served,
    balancer_hours: Vec<BalancerHour>,
}

impl Bills for Ec2Bill<'_> {
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

    fn interval_cost(&self, row: &IntervalRow, interval_s: f64) -> f64 {
        interval_cost(row, self.billing, interval_s)
    }

    /// A shared fleet's cost goes to functions by the time it spent on each.
    fn function_weight(&self, f: &FunctionOutcome) -> f64 {
        f.busy_s
    }
}

/// EC2's lines of `scalesim presets` (its instance types and prices are listed from AWS's
/// price book: `ec2.*`, `alb.*`).
pub fn presets() -> String {
    format!(
        "\nEC2 (platform = \"{KIND}\"): instance_type = one of the machine types above; \
         load_balancer = true puts an Application Load Balancer in front (alb.hour, alb.lcu_hour);\n  \
         block_storage_gb = an EBS gp3 volume per instance (ebs.gp3)\n"
    )
}

kind_fields! {
    /// The fields of `platform = "ec2"`, in the order messages list them.
    pub struct Ec2Fields {
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

impl ProductFields for Ec2Fields {
    /// The instance type and its slots, queue, boot, load balancer, a fixed count or an
    /// autoscaling policy, scheduled actions (the fields of other products are already refused).
    fn validate(&self, v: &VariantCx<'_>) -> Result<PlatformSpec> {
        validate(v, v.ctx(), v.base(), self, v.kind(), &v.traffic().profile)
    }
}

/// How the variant buys its instances (`purchase`) and the rate it pays, from the price book
/// (a spot `price_ratio` given in the scenario replaces the book's, and says so).
///
/// # Errors
/// An option or field EC2 does not take, or a rate the book does not have.
fn bought(v: &VariantCx<'_>) -> Result<Bought> {
    let purchase = v.purchase(&PURCHASE_OPTIONS)?;
    if let (Some(id), Some(book)) = (purchase_rate_id(&purchase), v.book())
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
    let mut rate = purchase_rate_id(&purchase)
        .map(|id| v.price(&id))
        .transpose()?;
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
    Ok(Bought { purchase, rate })
}

/// AWS's interruption notice: two minutes (Amazon EC2 user guide, "Spot Instance interruption
/// notices", read 2026-11: the notice comes two minutes before EC2 stops or terminates the
/// instance).
pub const SPOT_NOTICE: SimDuration = SimDuration::from_secs(120);

/// How a spot fleet's instances are interrupted (`None` when it is not on spot): at the
/// scenario's `interruptions_per_hour`, else — unless `interruptions_at` replays
/// interruptions, which then stand alone — at the book's `ec2.spot_interruptions` for the
/// variant's region; with the scenario's `notice`, else [`SPOT_NOTICE`].
///
/// # Errors
/// The book has no interruption rate for the region.
fn interruptions(v: &VariantCx<'_>, purchase: &Purchase) -> Result<Option<Interruptions>> {
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
        None => v.price("ec2.spot_interruptions")?.usd(),
    };
    Ok(Some(Interruptions {
        per_instance_hour,
        at: interruptions_at_s
            .iter()
            .map(|&s| SimDuration::from_secs_f64(s))
            .collect(),
        notice: notice_s.map_or(SPOT_NOTICE, SimDuration::from_secs_f64),
        on_interruption: match on_interruption {
            OnInterruption::Retry => iaas::OnInterruption::Retry,
            OnInterruption::Fail => iaas::OnInterruption::Fail,
        },
    }))
}

/// Validate the fields of a `platform = "ec2"` variant at `base`.
///
/// # Errors
/// The first invalid value, located at its field.
fn validate(
    v: &VariantCx<'_>,
    cx: &Ctx,
    base: &[Step],
    raw: &Ec2Fields,
    kind: &str,
    profile: &RequestProfile,
) -> Result<PlatformSpec> {
    let p = |f| join(base, &[key(f)]);
    let type_name = cx.need(base, kind, "instance_type", &raw.instance_type)?;
    let book = v.book().expect("EC2 is priced from AWS's book");
    let bought = bought(v)?;
    let instance = book.machine(&type_name).ok_or_else(|| {
        let names: Vec<&str> = book.machines.iter().map(|m| m.name.as_str()).collect();
        let near = crate::scenario::closest(&type_name, &names)
            .map(|n| format!("did you mean \"{n}\"? "))
            .unwrap_or_default();
        cx.err(
            &p("instance_type"),
            format!("unknown instance type \"{type_name}\""),
            format!("{near}allowed: {}", names.join(", ")),
        )
    })?;
    let slots = cx.int_in(
        &p("slots"),
        cx.need(base, kind, "slots", &raw.slots)?,
        1,
        100_000,
        " requests per instance",
    )?;
    let instance_mb = instance.memory_gib * 1_024.0;
    if f64::from(slots) * f64::from(profile.memory_mb) > instance_mb {
        return Err(cx.err(
            &p("slots"),
            format!(
                "{slots} slots × {} MB per request exceed the {instance_mb} MB of a {}",
                profile.memory_mb, instance.name
            ),
            format!(
                "use at most {} slots, or a larger instance type",
                (instance_mb / f64::from(profile.memory_mb)).floor()
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
        None => default_boot_time(),
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
    let (load_balancer, balancer) = balancer(cx, &p("load_balancer"), raw.load_balancer.as_ref())?;
    let (policy, min, max, initial) = match &raw.autoscaling {
        None => {
            let count = cx.need(base, kind, "count", &raw.count)?;
            if count == 0 && raw.schedule.is_none() {
                return Err(cx.err(
                    &p("count"),
                    "a fixed fleet of 0 instances serves nothing",
                    "allowed: 1 or more; 0 only with scheduled actions ([[variant.schedule]]) \
                     that raise it, e.g. a batch window",
                ));
            }
            let count = cx.int_in(
                &p("count"),
                count,
                0,
                i64::from(MAX_INSTANCES),
                " instances",
            )?;
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
                    " instances (between the policy's minimum and maximum)",
                )?,
                None => min,
            };
            (policy, min, max, initial)
        }
    };
    Ok(PlatformSpec::new(Ec2Spec {
        fleet: FleetConfig {
            initial,
            min,
            max,
            vcpus: f64::from(instance.vcpus),
            cpu_speed,
            slots,
            queue_timeout,
            boot_time,
            deregistration_delay,
            schedule: match &raw.schedule {
                Some(actions) => schedule(cx, base, actions)?,
                None => Vec::new(),
            },
            balancer,
            interruptions: interruptions(v, &bought.purchase)?,
        },
        policy,
        billing: Ec2Billing {
            instance,
            hourly: v.price(&book.machine_price_id(&instance.name))?,
            load_balancer,
            alb_hour: v.price("alb.hour")?,
            alb_lcu_hour: v.price("alb.lcu_hour")?,
            bought,
            advice_rates: [v.price(ADVICE_RATES[0])?, v.price(ADVICE_RATES[1])?],
            block_storage: match raw.block_storage_gb {
                None | Some(0) => None,
                Some(gb) => Some(BlockStorage {
                    gb: cx.int_in(
                        &p("block_storage_gb"),
                        gb,
                        0,
                        MAX_BLOCK_STORAGE_GB,
                        " GB of gp3 per instance (0: not billed)",
                    )?,
                    price: v.price("ebs.gp3")?,
                }),
            },
            // An instance's logs reach CloudWatch Logs only through an agent: not by default.
            extras: Extras::read(v, false)?,
        },
    }))
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
/// whether an ALB is billed, and how clients use it. The table form implies `true`.
fn balancer(cx: &Ctx, path: &[Step], raw: Option<&RawLoadBalancer>) -> Result<(bool, Balancer)> {
    let alb = match raw {
        None => return Ok((true, Balancer::default())),
        Some(RawLoadBalancer::Enabled(on)) => return Ok((*on, Balancer::default())),
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
