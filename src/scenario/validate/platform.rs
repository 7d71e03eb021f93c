//! Validation of `[[variant]]` tables: Lambda functions and EC2 fleets.

use super::Seg::{I, K};
use super::autoscaling::autoscaling;
use super::traffic::dist;
use super::{Ctx, Result, Seg, join};
use crate::autoscale::{DEFAULT_PERIOD, PolicySpec, ScheduledAction};
use crate::billing::catalog::{self, Arch};
use crate::billing::{Ec2Billing, LambdaBilling};
use crate::engine::SimDuration;
use crate::platform::iaas::{
    Balancer, DEFAULT_DEREGISTRATION_DELAY, FleetConfig, default_boot_time,
};
use crate::platform::serverless::limits::{MAX_TIMEOUT, MIN_TIMEOUT, MIN_UNRESERVED_CONCURRENCY};
use crate::platform::serverless::{
    FunctionConfig, MAX_MEMORY_MB, MIN_MEMORY_MB, ReservedConcurrency, runtime_cold_start,
    runtime_names,
};
use crate::scenario::raw::*;
use crate::scenario::{
    DEFAULT_CONCURRENCY, DEFAULT_KEEP_ALIVE, DEFAULT_QUEUE_TIMEOUT, PlatformSpec, Variant,
};
use crate::traffic::{FunctionInfo, RequestProfile, Traffic};

const LAMBDA_FIELDS: &[&str] = &[
    "name",
    "platform",
    "memory_mb",
    "arch",
    "runtime",
    "cold_start",
    "keep_alive",
    "concurrency",
    "reserved_concurrency",
    "timeout",
    "api_gateway",
    "free_tier",
    "memory_from_trace",
];

const EC2_FIELDS: &[&str] = &[
    "name",
    "platform",
    "instance_type",
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

pub(super) fn lambda(
    cx: &Ctx,
    base: &[Seg],
    raw: &RawVariant,
    traffic: &Traffic,
) -> Result<Variant> {
    let profile = &traffic.profile;
    let kind = "platform = \"lambda\"";
    cx.only(base, kind, &raw.present(), LAMBDA_FIELDS)?;
    let p = |f| join(base, &[K(f)]);
    let memory_mb = cx.int_in(
        &p("memory_mb"),
        cx.need(base, kind, "memory_mb", &raw.memory_mb)?,
        i64::from(MIN_MEMORY_MB),
        i64::from(MAX_MEMORY_MB),
        " MB (AWS Lambda memory sizes)",
    )?;
    if profile.memory_mb > memory_mb {
        return Err(cx.err(
            &p("memory_mb"),
            format!(
                "{memory_mb} MB is less than the {} MB each request uses (traffic.request.memory_mb)",
                profile.memory_mb
            ),
            "give the function at least as much memory as one request uses",
        ));
    }
    let cold_start = match (&raw.runtime, &raw.cold_start) {
        (_, Some(d)) => dist(cx, &p("cold_start"), d)?,
        (Some(rt), None) => runtime_cold_start(rt).ok_or_else(|| {
            cx.err(
                &p("runtime"),
                format!("unknown runtime \"{rt}\""),
                format!(
                    "allowed: {}; or give `cold_start` explicitly",
                    runtime_names().join(", ")
                ),
            )
        })?,
        (None, None) => {
            return Err(cx.err(
                base,
                "a lambda variant needs `runtime` or `cold_start`",
                format!(
                    "set runtime to one of {}, or cold_start = {{ dist = \"constant\", ms = 0 }}",
                    runtime_names().join(", ")
                ),
            ));
        }
    };
    let keep_alive = cx.duration(
        &p("keep_alive"),
        raw.keep_alive.as_deref().unwrap_or(DEFAULT_KEEP_ALIVE),
    )?;
    if keep_alive == SimDuration::ZERO {
        return Err(cx.err(
            &p("keep_alive"),
            "keep-alive of 0",
            "allowed: a duration greater than 0",
        ));
    }
    let account_concurrency = cx.int_in(
        &p("concurrency"),
        raw.concurrency.unwrap_or(DEFAULT_CONCURRENCY),
        1,
        1_000_000,
        " concurrent executions (the account's limit, shared by its functions)",
    )?;
    let reserved_concurrency = match &raw.reserved_concurrency {
        None => ReservedConcurrency::None,
        // A replay not checked yet: its function names are resolved when it is (parse_with).
        Some(RawReserved::ByFunction(map)) if traffic.trace_unchecked() => {
            for v in map.values() {
                let path = p("reserved_concurrency");
                let account = i64::from(account_concurrency);
                cx.int_in(&path, *v, 0, account, " concurrent executions")?;
            }
            ReservedConcurrency::ByFunction(Vec::new())
        }
        Some(r) => reserved(
            cx,
            &p("reserved_concurrency"),
            r,
            traffic.functions(),
            account_concurrency,
        )?,
    };
    let timeout = match &raw.timeout {
        None => MAX_TIMEOUT,
        Some(text) => {
            let t = cx.duration(&p("timeout"), text)?;
            if !(MIN_TIMEOUT..=MAX_TIMEOUT).contains(&t) {
                return Err(cx.err(
                    &p("timeout"),
                    format!("timeout \"{text}\" is out of range"),
                    "allowed: 1s to 900s (15 minutes), Lambda's function timeout",
                ));
            }
            t
        }
    };
    Ok(Variant {
        name: raw.name.clone(),
        platform: PlatformSpec::Lambda {
            function: FunctionConfig {
                memory_mb,
                keep_alive,
                account_concurrency,
                reserved_concurrency,
                timeout,
                cold_start,
                memory_from_trace: raw.memory_from_trace.unwrap_or(true),
            },
            billing: LambdaBilling {
                arch: match raw.arch {
                    None | Some(RawArch::X86_64) => Arch::X86_64,
                    Some(RawArch::Arm64) => Arch::Arm64,
                },
                api_gateway: raw.api_gateway.unwrap_or(false),
                free_tier: raw.free_tier.unwrap_or(false),
            },
        },
    })
}

/// `reserved_concurrency`: a number for every function, or a table by function name (or unique
/// prefix of one). At least 100 of the account's concurrency must stay unreserved (AWS,
/// configuration-concurrency.html).
fn reserved(
    cx: &Ctx,
    path: &[Seg],
    raw: &RawReserved,
    functions: &[FunctionInfo],
    account: u32,
) -> Result<ReservedConcurrency> {
    let range = |v: i64| cx.int_in(path, v, 0, i64::from(account), " concurrent executions");
    let (spec, total) = match raw {
        RawReserved::Each(v) => {
            let r = range(*v)?;
            (
                ReservedConcurrency::Each(r),
                u64::from(r) * functions.len().max(1) as u64,
            )
        }
        RawReserved::ByFunction(map) => {
            if functions.is_empty() {
                return Err(cx.err(
                    path,
                    "a table of reservations needs traffic that names functions",
                    "the traffic has one function: write reserved_concurrency = <number>",
                ));
            }
            let mut list = Vec::with_capacity(map.len());
            for (name, v) in map {
                let r = range(*v)?;
                let hits: Vec<usize> = match functions.iter().position(|f| &f.name == name) {
                    Some(i) => vec![i],
                    None => (0..functions.len())
                        .filter(|&i| functions[i].name.starts_with(name.as_str()))
                        .collect(),
                };
                match hits.as_slice() {
                    [i] => list.push((*i as u32, r)),
                    _ => {
                        let some: Vec<&str> =
                            functions.iter().take(5).map(|f| f.name.as_str()).collect();
                        return Err(cx.err(
                            path,
                            format!(
                                "\"{name}\" names {} of the replayed functions",
                                if hits.is_empty() { "none" } else { "several" }
                            ),
                            format!(
                                "give a function's full name or a unique prefix, e.g. {}",
                                some.join(", ")
                            ),
                        ));
                    }
                }
            }
            let total = list.iter().map(|&(_, r)| u64::from(r)).sum();
            (ReservedConcurrency::ByFunction(list), total)
        }
    };
    let unreserved = u64::from(account).saturating_sub(total);
    if total > u64::from(account) || unreserved < u64::from(MIN_UNRESERVED_CONCURRENCY) {
        return Err(cx.err(
            path,
            format!(
                "{total} reserved of an account concurrency of {account} leaves {unreserved} unreserved"
            ),
            format!(
                "AWS keeps at least {MIN_UNRESERVED_CONCURRENCY} unreserved: reserve at most {} in \
                 all, or raise `concurrency` (the account's limit)",
                u64::from(account).saturating_sub(u64::from(MIN_UNRESERVED_CONCURRENCY))
            ),
        ));
    }
    Ok(spec)
}

pub(super) fn ec2(
    cx: &Ctx,
    base: &[Seg],
    raw: &RawVariant,
    profile: &RequestProfile,
) -> Result<Variant> {
    let kind = "platform = \"ec2\"";
    cx.only(base, kind, &raw.present(), EC2_FIELDS)?;
    let p = |f| join(base, &[K(f)]);
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
    let queue_timeout_text = raw
        .queue_timeout
        .as_deref()
        .unwrap_or(DEFAULT_QUEUE_TIMEOUT);
    let queue_timeout = cx.duration(&p("queue_timeout"), queue_timeout_text)?;
    if queue_timeout > MAX_QUEUE_TIMEOUT {
        return Err(cx.err(
            &p("queue_timeout"),
            format!("\"{queue_timeout_text}\" is longer than the longest horizon"),
            "allowed: 0s to 366d (how long a request may wait for a free slot; a timeout \
             longer than the horizon already means never)",
        ));
    }
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
            let count = cx.int_in(&p("count"), count, 1, MAX_FLEET, " instances")?;
            // Scheduled actions may move a fixed fleet anywhere; without them it stays put.
            let (min, max) = if raw.schedule.is_some() {
                (0, MAX_FLEET as u32)
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
    Ok(Variant {
        name: raw.name.clone(),
        platform: PlatformSpec::Ec2 {
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
fn balancer(cx: &Ctx, path: &[Seg], raw: Option<&RawLoadBalancer>) -> Result<(bool, Balancer)> {
    let alb = match raw {
        None => return Ok((true, Balancer::default())),
        Some(RawLoadBalancer::Enabled(on)) => return Ok((*on, Balancer::default())),
        Some(RawLoadBalancer::Alb(alb)) => alb,
    };
    let p = |f| join(path, &[K(f)]);
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

/// Largest fleet accepted.
pub(super) const MAX_FLEET: i64 = 100_000;

/// Validate `[[variant.schedule]]` actions.
fn schedule(cx: &Ctx, base: &[Seg], raw: &[RawScheduledAction]) -> Result<Vec<ScheduledAction>> {
    let mut actions = Vec::with_capacity(raw.len());
    for (i, a) in raw.iter().enumerate() {
        let p = |f| join(base, &[K("schedule"), I(i), K(f)]);
        let at = parse_time_of_day(&a.at).ok_or_else(|| {
            cx.err(
                &p("at"),
                format!("\"{}\" is not a time of day", a.at),
                "write HH:MM, from 00:00 to 23:59; the action runs every day at that time",
            )
        })?;
        let size = |f, v: Option<i64>| {
            v.map(|v| cx.int_in(&p(f), v, 0, MAX_FLEET, " instances"))
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
                &join(base, &[K("schedule"), I(i)]),
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
