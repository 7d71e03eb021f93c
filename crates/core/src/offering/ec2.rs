//! Amazon EC2 behind an Application Load Balancer (`platform = "ec2"`): everything that makes
//! the fleet model *EC2* — the fields a variant takes and their validation (instance type and
//! slots, queue, boot, load balancer, a fixed count or an autoscaling policy, scheduled
//! actions), its per-second meter with a 60 s minimum, its invoice (instance-hours on demand,
//! ALB hours and LCU-hours), its list-rate interval cost, its description and its presets.
//!
//! The model itself is [`crate::platform::iaas`]; its machine types and prices are AWS's price
//! book ([`crate::billing::book`]), in the variant's `region`.

use crate::autoscale::PolicySpec;
use crate::billing::advisor;
use crate::billing::book::{MachineType, Price, catalog, list_price};
use crate::billing::catalog::{ALB_LCU, PriceSource};
use crate::billing::purchase::{Bought, PlanKind, Purchase, Words};
use crate::billing::{Invoice, InvoiceLine, Period, schemes};
use crate::engine::SimDuration;
use crate::metrics::{FunctionOutcome, IntervalRow};
use crate::platform::PlatformFamily;
use crate::platform::iaas::{FleetConfig, default_boot_time};
use crate::results::VariantReport;
use crate::scenario::{PlatformSpec, VariantCx};
use crate::traffic::RequestProfile;
use crate::usage::{BalancerHour, InstanceHours, Instances, Meter};

use super::extras::{Extras, Served};
use super::fleet::{self, FleetProduct, VmPrices, VmRules};
use super::{Bills, Configured, Product, RunCtx};

/// The name scenario files and reports give it: `platform = "ec2"`.
pub const KIND: &str = "ec2";
/// A fleet.
pub const FAMILY: PlatformFamily = PlatformFamily::Fleet;
/// Each launch billed per second, at least 60 s (Linux on-demand).
pub const METER: Meter = Meter::SecondWithMinuteMinimum;

/// The provider whose price book bills it.
pub const PROVIDER: &str = "aws";

/// AWS's interruption notice: two minutes (Amazon EC2 user guide, "Spot Instance interruption
/// notices", read 2026-11: the notice comes two minutes before EC2 stops or terminates the
/// instance).
pub const SPOT_NOTICE: SimDuration = SimDuration::from_secs(120);

/// A Linux spot instance that EC2 interrupts in its first instance-hour is not charged at all;
/// after it, its seconds are (Amazon EC2 user guide, "Billing for interrupted Spot Instances",
/// docs.aws.amazon.com/AWSEC2/latest/UserGuide/billing-for-interrupted-spot-instances.html, as
/// quoted by public guides read 2026-11-30: "AWS doesn't charge you for spot instances
/// interrupted less than 1 hour after launch"). An instance the fleet itself terminates is
/// billed per second as usual.
pub const SPOT_UNBILLED_WITHIN: SimDuration = SimDuration::from_secs(3_600);

/// The product, as scenario files name it and the registry lists it.
pub static EC2: FleetProduct = FleetProduct {
    rules: &RULES,
    presets,
    price,
};

/// EC2's rules as a fleet product.
pub static RULES: VmRules = VmRules {
    product: &EC2,
    kind: KIND,
    provider: PROVIDER,
    label: "EC2",
    meter: METER,
    purchase_options: &PURCHASE_OPTIONS,
    words: Words::AWS,
    rate_id: purchase_rate_id,
    interruptions_id: "ec2.spot_interruptions",
    spot_notice: SPOT_NOTICE,
    spot_unbilled_within: SPOT_UNBILLED_WITHIN,
    load_balancer_default: true,
    alb: true,
    block_storage: "EBS gp3",
    // The ALB's per-hour and per-LCU-hour prices (its bill is EC2's own, `Ec2Billing`).
    prices: VmPrices {
        balancer: ("Application Load Balancer", "alb.hour", "alb.lcu_hour"),
        block_storage: "ebs.gp3",
        advice_plan: Some(ADVICE_RATES[0]),
        advice_reserved: ADVICE_RATES[1],
    },
    max_block_storage_gb: MAX_BLOCK_STORAGE_GB,
    // T3: at most the credits earned in 24 hours are banked (EC2 user guide, burstable
    // performance instances, read 2026-11-30).
    burst_credit_hours: 24.0,
    replica: "instance",
    replicas: "instances",
    cpu_metric: "ASGAverageCPUUtilization",
    boot_time: default_boot_time,
};

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
        &EC2
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
        fleet::fleet_warning(
            &self.fleet,
            Some(self.billing.instance),
            &RULES,
            variant,
            report,
            horizon,
        )
    }
}

/// Run an EC2 variant: one fleet shared by every function the traffic names, its cost shared by
/// the time it spent on each; the commitment advice for a fleet bought on demand.
pub fn run(
    fleet: &FleetConfig,
    policy: &PolicySpec,
    billing: &Ec2Billing,
    cx: RunCtx<'_, '_>,
) -> VariantReport {
    let profile = &cx.scenario.traffic.profile;
    let horizon_s = cx.scenario.horizon.as_secs_f64();
    fleet::run_fleet(
        fleet,
        policy,
        cx,
        describe(fleet, policy, billing),
        |usage, completed| Ec2Bill {
            billing,
            served: Served {
                responses: completed,
                logged: completed,
            },
            balancer_hours: balancer_hours(fleet, profile, usage),
        },
        |usage| {
            // Advice is for instances bought on demand: a fleet already reserved, under a plan
            // or on spot pays something else, and the advice would compare with the wrong bill.
            if billing.bought.purchase != Purchase::OnDemand {
                return None;
            }
            let usage_by_hour = instance_hours(usage, billing).instance_hours();
            let [plan, reserved] = &billing.advice_rates;
            Some(advisor::advise(
                &format!("EC2 {}", billing.instance.name),
                &usage_by_hour,
                horizon_s,
                billing.hourly.usd(),
                Some(("compute savings plan, 1y, no upfront", plan.usd())),
                (
                    &format!("{} reserved, 1y, no upfront", billing.instance.name),
                    reserved.usd(),
                ),
            ))
        },
    )
}

/// "2–10 × m7g.large, target tracking, 8 slots each + ALB".
pub fn describe(fleet: &FleetConfig, policy: &PolicySpec, billing: &Ec2Billing) -> String {
    fleet::describe(
        fleet,
        policy,
        &billing.instance.name,
        &billing.bought,
        billing.load_balancer.then_some("ALB"),
    )
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
/// launch) as they were bought ([`crate::billing::purchase::instance_lines`]: on demand, reserved, under a
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
    let billed = fleet::billed_usage(usage, RULES.spot_unbilled_within);
    let instance_s = METER.instance_seconds(&billed.runs, k);
    let mut priced = fleet::bought_lines(
        &format!("EC2 {}", billing.instance.name),
        &billed,
        METER,
        &billing.instance.name,
        &billing.hourly,
        &billing.bought,
        &period,
    );
    if billing.load_balancer {
        priced.push(alb_lines(
            balancer_hours,
            &billing.alb_hour,
            &billing.alb_lcu_hour,
            &period,
        ));
    }
    if let Some(storage) = &billing.block_storage {
        // EBS bills a volume per second it exists, 60 s at least, as the instance is billed
        // (per-second billing of both since 2017-10-02).
        priced.push(fleet::storage_line(
            &format!("EBS gp3 storage ({} GB per instance)", storage.gb),
            instance_s,
            storage,
            &period,
        ));
    }
    priced.extend(billing.extras.lines(served, &period));
    Invoice::new(period, priced)
}

/// An Application Load Balancer's lines over `period` (EC2's, and an ECS service's): the
/// period's hours, each partial hour billed whole, at `hour`, and its LCU-hours — the largest
/// of the four dimensions in each hour of `balancer_hours` (the horizon's, scaled to the
/// period) — at `lcu_hour`.
pub fn alb_lines(
    balancer_hours: &[BalancerHour],
    hour: &Price,
    lcu_hour: &Price,
    period: &Period,
) -> (PriceSource, Vec<InvoiceLine>) {
    let lcu_hours: f64 =
        balancer_hours.iter().map(|h| ALB_LCU.lcus(h)).sum::<f64>() * period.usage_scale;
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
        hour.usd(),
        lcu_hour.usd(),
    );
    let [hours, lcus] = balancer;
    let mut lines = schemes::marked(vec![hours], hour);
    lines.extend(schemes::marked(vec![lcus], lcu_hour));
    (hour.source.clone(), lines)
}

/// An Application Load Balancer's cost in one interval of `interval_s` seconds at list rates:
/// its share of the hour and its LCUs weighed by the interval's requests (one connection
/// each) — a shape, fitted to the invoice.
pub fn alb_interval_cost(
    row: &IntervalRow,
    hour: &Price,
    lcu_hour: &Price,
    interval_s: f64,
) -> f64 {
    interval_s / 3_600.0 * hour.usd()
        + row.usage_requests as f64 / 3_600.0 / ALB_LCU.new_conns_per_s_per_lcu * lcu_hour.usd()
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
        alb_interval_cost(row, &billing.alb_hour, &billing.alb_lcu_hour, interval_s)
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

/// The fleet (`fleet::validate`) and EC2's prices: the instance type's, the ALB's, the
/// purchase option's, the EBS volume's, the commitment advisor's rates.
fn price(v: &VariantCx<'_>, f: fleet::Fleet) -> crate::scenario::validate::Result<PlatformSpec> {
    let ids = &RULES.prices;
    Ok(PlatformSpec::new(Ec2Spec {
        fleet: f.config,
        policy: f.policy,
        billing: Ec2Billing {
            instance: f.instance,
            hourly: f.hourly,
            load_balancer: f.load_balancer,
            alb_hour: v.price(ids.balancer.1)?,
            alb_lcu_hour: v.price(ids.balancer.2)?,
            bought: f.bought,
            advice_rates: [v.price(ADVICE_RATES[0])?, v.price(ids.advice_reserved)?],
            block_storage: match f.block_storage_gb {
                None => None,
                Some(gb) => Some(BlockStorage {
                    gb,
                    price: v.price(ids.block_storage)?,
                }),
            },
            // An instance's logs reach CloudWatch Logs only through an agent: not by default.
            extras: Extras::read(v, false)?,
        },
    }))
}
