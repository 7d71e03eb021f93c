//! An EC2 fleet as a `[[variant]]`: the fields it takes, each written once (in [`Ec2Fields`]),
//! their raw types, and their validation into [`PlatformSpec::Ec2`].

use super::super::doc::Step;
use super::super::raw::{RawAutoscaling, RawDist, kind_fields};
use super::super::validate::{Ctx, Result, autoscaling, dist, index, join, key};
use crate::autoscale::{DEFAULT_PERIOD, PolicySpec, ScheduledAction};
use crate::billing::Ec2Billing;
use crate::billing::catalog;
use crate::engine::SimDuration;
use crate::platform::iaas::{
    Balancer, DEFAULT_DEREGISTRATION_DELAY, DEFAULT_QUEUE_TIMEOUT, FleetConfig, MAX_INSTANCES,
    default_boot_time,
};
use crate::scenario::PlatformSpec;
use crate::traffic::RequestProfile;
use serde::Deserialize;

/// How errors name the kind.
pub(super) const KIND: &str = "platform = \"ec2\"";

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
    pub rules: Option<i64>,
    pub requests_per_connection: Option<f64>,
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

/// `[[variant.schedule]]`: a daily scheduled action.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawScheduledAction {
    pub at: String,
    pub min_size: Option<i64>,
    pub max_size: Option<i64>,
    pub desired_capacity: Option<i64>,
}

/// Validate the fields of a `platform = "ec2"` variant at `base` (its other fields are
/// already refused): the instance type and its slots, queue, boot, load balancer, a fixed count
/// or an autoscaling policy, scheduled actions.
///
/// # Errors
/// The first invalid value, located at its field.
pub(super) fn validate(
    cx: &Ctx,
    base: &[Step],
    raw: &Ec2Fields,
    profile: &RequestProfile,
) -> Result<PlatformSpec> {
    let kind = KIND;
    let p = |f| join(base, &[key(f)]);
    let type_name = cx.need(base, kind, "instance_type", &raw.instance_type)?;
    let instance = catalog::instance_type(&type_name).ok_or_else(|| {
        cx.err(
            &p("instance_type"),
            format!("unknown instance type \"{type_name}\""),
            format!("allowed: {}", catalog::instance_type_names().join(", ")),
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
        Some(text) => {
            let d = cx.duration(&p("queue_timeout"), text)?;
            if d > MAX_QUEUE_TIMEOUT {
                return Err(cx.err(
                    &p("queue_timeout"),
                    format!("\"{text}\" is longer than the longest horizon"),
                    "allowed: 0s to 366d (how long a request may wait for a free slot; a \
                     timeout longer than the horizon already means never)",
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
            let count = cx.int_in(
                &p("count"),
                count,
                1,
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
    Ok(PlatformSpec::Ec2 {
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
        },
        policy,
        billing: Ec2Billing {
            instance,
            load_balancer,
        },
    })
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
        let at = parse_time_of_day(&a.at).ok_or_else(|| {
            cx.err(
                &p("at"),
                format!("\"{}\" is not a time of day", a.at),
                "write HH:MM, from 00:00 to 23:59; the action runs every day at that time",
            )
        })?;
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
        actions.push(ScheduledAction {
            at,
            min_size,
            max_size,
            desired_capacity,
        });
    }
    Ok(actions)
}

fn parse_time_of_day(text: &str) -> Option<SimDuration> {
    let (h, m) = text.split_once(':')?;
    let (h, m): (u64, u64) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && text.len() == 5).then(|| SimDuration::from_secs(h * 3_600 + m * 60))
}
