//! Amazon EC2 behind an Application Load Balancer: what makes the fleet model *EC2* on the
//! run-and-bill side — its per-second meter with a 60 s minimum, its invoice (instance-seconds
//! on demand, ALB hours and LCU-hours), its list-rate interval cost, its description and its
//! presets.
//!
//! The model itself is [`crate::platform::iaas`]; the scenario schema and its validation are in
//! `scenario/` (`platform = "ec2"`).

use crate::autoscale::PolicySpec;
use crate::billing::catalog::{ALB, EC2_INSTANCE_TYPES};
use crate::billing::{Ec2Billing, Invoice, Period, schemes};
use crate::engine::{self, SimTime};
use crate::metrics::{FunctionOutcome, IntervalRow};
use crate::platform::PlatformFamily;
use crate::platform::iaas::{FleetConfig, FleetModel};
use crate::results::VariantReport;
use crate::traffic::RequestProfile;
use crate::usage::{BalancerHour, InstanceHours, Instances, Meter};

use super::{Bills, RunCtx, variant_report};

/// The name scenario files and reports give it: `platform = "ec2"`.
pub const KIND: &str = crate::scenario::PlatformSpec::EC2;
/// A fleet.
pub const FAMILY: PlatformFamily = PlatformFamily::Fleet;
/// Each launch billed per second, at least 60 s (Linux on-demand).
pub const METER: Meter = Meter::SecondWithMinuteMinimum;

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
    let rng = streams.stream(&format!("boot/{}", variant.name));
    let mut model = FleetModel::new(
        fleet,
        profile,
        scenario.traffic.functions().len(),
        policy.build(),
        rng,
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
        balancer_hours: balancer_hours(fleet, profile, &outcome.usage),
    };
    let description = describe(fleet, policy, billing);
    variant_report(scenario, variant, FAMILY, description, outcome, &bill)
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
        let (lo, hi, name) = (fleet.min, fleet.max, billing.instance.name);
        format!("{lo}–{hi} × {name}, {}", policy.name())
    };
    format!("{size}, {} slots each{lb}", fleet.slots)
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

/// The invoice of one EC2 fleet: its instances on demand ([`METER`]: per second, 60 s minimum
/// per launch) and, when an ALB fronts it, ALB-hours and LCU-hours (the largest of the four
/// dimensions, per hour of `balancer_hours`).
pub fn invoice(
    usage: &Instances,
    balancer_hours: &[BalancerHour],
    billing: &Ec2Billing,
    period: Period,
) -> Invoice {
    let k = period.usage_scale;
    let instance_s = METER.instance_seconds(&usage.runs, k);
    let mut lines = vec![schemes::per_instance_second(
        format!("EC2 {} on-demand", billing.instance.name),
        instance_s,
        billing.instance.usd_per_hour,
    )];
    if billing.load_balancer {
        let lcu_hours: f64 = balancer_hours.iter().map(|h| ALB.lcus(h)).sum::<f64>() * k;
        lines.extend(schemes::hours_and_capacity_units(
            [
                ("Application Load Balancer hours", "ALB-hours"),
                (
                    "Application Load Balancer LCUs (largest of 4 dimensions, per hour)",
                    "LCU-hours",
                ),
            ],
            period.seconds,
            lcu_hours,
            ALB.hour_usd,
            ALB.lcu_hour_usd,
        ));
    }
    Invoice::new(period, lines)
}

/// The fleet's instance-seconds in each hour, as its instance type: the usage a reserved
/// instance or savings plan would be matched against, hour by hour (not billed yet: on-demand
/// only).
pub fn instance_hours(usage: &Instances, billing: &Ec2Billing) -> InstanceHours {
    usage.hours(billing.instance.name)
}

/// Cost of one interval of `interval_s` seconds at list rates: its instance-seconds and, with an
/// ALB, its hour share and its LCUs weighed by requests (one connection each) — a shape only,
/// fitted to the invoice by [`crate::billing::accrue`].
pub fn interval_cost(row: &IntervalRow, billing: &Ec2Billing, interval_s: f64) -> f64 {
    let compute = row.usage_compute * billing.instance.usd_per_hour / 3_600.0;
    let lb = if billing.load_balancer {
        interval_s / 3_600.0 * ALB.hour_usd
            + row.usage_requests as f64 / 3_600.0 / ALB.new_conns_per_s_per_lcu * ALB.lcu_hour_usd
    } else {
        0.0
    };
    compute + lb
}

/// EC2's bill, for the runner.
struct Ec2Bill<'a> {
    billing: &'a Ec2Billing,
    balancer_hours: Vec<BalancerHour>,
}

impl Bills for Ec2Bill<'_> {
    type Usage = Instances;

    fn invoice(&self, usage: &Instances, period: Period) -> Invoice {
        invoice(usage, &self.balancer_hours, self.billing, period)
    }

    fn interval_cost(&self, row: &IntervalRow, interval_s: f64) -> f64 {
        interval_cost(row, self.billing, interval_s)
    }

    /// A shared fleet's cost goes to functions by the time it spent on each.
    fn function_weight(&self, f: &FunctionOutcome) -> f64 {
        f.busy_s
    }
}

/// EC2's lines of `scalesim presets`: the instance types of the catalog.
pub fn presets() -> String {
    let mut s = "EC2 instance types (instance_type = ...):\n".to_string();
    for t in EC2_INSTANCE_TYPES {
        s += &format!(
            "  {:<12} {:>2} vCPU {:>5} GiB  ${:.4}/h  {}\n",
            t.name,
            t.vcpus,
            t.memory_gib,
            t.usd_per_hour,
            t.arch.name()
        );
    }
    s
}

/// The load balancer's prices, from the catalog: "ALB $0.0225/h + $0.008/LCU-h".
pub fn front_door_prices() -> String {
    format!("ALB ${}/h + ${}/LCU-h", ALB.hour_usd, ALB.lcu_hour_usd)
}
