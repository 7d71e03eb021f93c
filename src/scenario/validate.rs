//! Raw scenario → validated domain types. Every check names the field, quotes the value and
//! says what is allowed; the location comes from the TOML document's spans.

use std::collections::HashSet;

use super::error::{Located, ScenarioError};
use super::raw::*;
use super::{PlatformSpec, Scenario, Slo, Variant};
use crate::autoscale::{
    AdjustmentType, DEFAULT_PERIOD, HISTORY_LEN, HpaConfig, PolicySpec, ScheduledAction,
    StepAdjustment, StepPolicyConfig, StepScalingConfig, TargetMetric, TargetTrackingConfig,
};
use crate::billing::catalog::{self, Arch};
use crate::billing::{Ec2Billing, LambdaBilling};
use crate::dist::DurationDist;
use crate::engine::SimDuration;
use crate::platform::iaas::{DEFAULT_DEREGISTRATION_DELAY, FleetConfig, default_boot_time};
use crate::platform::serverless::{
    FunctionConfig, MAX_MEMORY_MB, MIN_MEMORY_MB, runtime_cold_start, runtime_names,
};
use crate::traffic::{ArrivalProcess, RequestProfile, Traffic};

/// Default keep-alive of an idle Lambda environment: ~10 minutes, fixed since July 2019
/// (mikhail.io/2019/08/aws-lambda-cold-starts-after-10-minutes; Shahrad et al., ATC'20).
pub const DEFAULT_KEEP_ALIVE: &str = "10m";
/// Default account concurrency per Region (docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html).
pub const DEFAULT_CONCURRENCY: i64 = 1_000;
/// Default longest wait in a fleet's queue.
pub const DEFAULT_QUEUE_TIMEOUT: &str = "30s";
/// Longest horizon accepted: a year.
const MAX_HORIZON_S: u64 = 366 * 86_400;

/// One step of a path to a field.
#[derive(Clone, Copy, Debug)]
pub(super) enum Seg {
    K(&'static str),
    I(usize),
}
use Seg::{I, K};

type Result<T> = std::result::Result<T, ScenarioError>;

/// Where errors are reported: the file's name, its text and its parsed document (for spans).
pub(super) struct Ctx<'a> {
    pub file: &'a str,
    pub text: &'a str,
    pub doc: &'a toml_edit::Document<&'a str>,
}

impl Ctx<'_> {
    fn err(
        &self,
        path: &[Seg],
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> ScenarioError {
        let mut item = self.doc.as_item();
        let mut span = item.span();
        for seg in path {
            let next = match seg {
                K(k) => item.get(k),
                I(i) => item.get(i),
            };
            let Some(next) = next else { break };
            item = next;
            span = item.span().or(span);
        }
        let help = help.into();
        ScenarioError::Invalid(Located::at(
            self.file,
            self.text,
            span,
            (!path.is_empty()).then(|| path_text(path)),
            message.into(),
            (!help.is_empty()).then_some(help),
        ))
    }

    fn finite(
        &self,
        path: &[Seg],
        v: f64,
        min: f64,
        min_inclusive: bool,
        help: &str,
    ) -> Result<f64> {
        let ok = v.is_finite() && if min_inclusive { v >= min } else { v > min };
        if ok {
            Ok(v)
        } else {
            Err(self.err(path, format!("value {v} is not allowed"), help))
        }
    }

    /// Refuse fields given that `kind` does not take.
    fn only(
        &self,
        base: &[Seg],
        kind: &str,
        present: &[(&'static str, bool)],
        allowed: &[&str],
    ) -> Result<()> {
        match present
            .iter()
            .find(|(f, given)| *given && !allowed.contains(f))
        {
            Some((field, _)) => Err(self.err(
                &join(base, &[K(field)]),
                format!("`{field}` does not apply to {kind}"),
                format!("fields for {kind}: {}", allowed.join(", ")),
            )),
            None => Ok(()),
        }
    }

    /// A field that `kind` requires.
    fn need<T: Clone>(
        &self,
        base: &[Seg],
        kind: &str,
        field: &str,
        value: &Option<T>,
    ) -> Result<T> {
        value.clone().ok_or_else(|| {
            self.err(
                base,
                format!("missing field `{field}` for {kind}"),
                format!("add `{field} = ...` to this table"),
            )
        })
    }

    fn positive(&self, path: &[Seg], v: f64) -> Result<f64> {
        self.finite(
            path,
            v,
            0.0,
            false,
            "allowed: a finite number greater than 0",
        )
    }

    fn non_negative(&self, path: &[Seg], v: f64) -> Result<f64> {
        self.finite(path, v, 0.0, true, "allowed: a finite number, 0 or more")
    }

    fn int_in(&self, path: &[Seg], v: i64, lo: i64, hi: i64, unit: &str) -> Result<u32> {
        if (lo..=hi).contains(&v) {
            Ok(v as u32)
        } else {
            Err(self.err(
                path,
                format!("value {v} is out of range"),
                format!("allowed: {lo} to {hi}{unit}"),
            ))
        }
    }

    fn duration(&self, path: &[Seg], text: &str) -> Result<SimDuration> {
        match humantime::parse_duration(text) {
            Ok(d) => Ok(SimDuration::from_micros(
                u64::try_from(d.as_micros()).unwrap_or(u64::MAX),
            )),
            Err(e) => Err(self.err(
                path,
                format!("\"{text}\" is not a duration ({e})"),
                "write a duration such as \"250ms\", \"90s\", \"10m\", \"6h\" or \"7d\"",
            )),
        }
    }
}

fn path_text(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            K(k) if s.is_empty() => s.push_str(k),
            K(k) => {
                s.push('.');
                s.push_str(k);
            }
            I(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

fn join(base: &[Seg], tail: &[Seg]) -> Vec<Seg> {
    base.iter().chain(tail).copied().collect()
}

/// Validate a whole raw scenario.
pub(super) fn scenario(cx: &Ctx, raw: RawScenario) -> Result<Scenario> {
    let name_ok = !raw.name.is_empty()
        && raw
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !raw.name.starts_with('.');
    if !name_ok {
        return Err(cx.err(
            &[K("name")],
            format!("\"{}\" cannot name a report folder", raw.name),
            "allowed: letters, digits, '-', '_' and '.', not starting with '.'",
        ));
    }
    let horizon = cx.duration(&[K("horizon")], &raw.horizon)?;
    if horizon == SimDuration::ZERO || horizon > SimDuration::from_secs(MAX_HORIZON_S) {
        return Err(cx.err(
            &[K("horizon")],
            format!("\"{}\" is not a usable horizon", raw.horizon),
            "allowed: more than 0 and at most 366 days",
        ));
    }
    let interval = cx.duration(&[K("interval")], raw.interval.as_deref().unwrap_or("60s"))?;
    if interval < SimDuration::from_secs(1) {
        return Err(cx.err(
            &[K("interval")],
            format!(
                "\"{}\" is shorter than a second",
                raw.interval.as_deref().unwrap_or("")
            ),
            "allowed: 1s or longer (one time-series row per interval)",
        ));
    }
    let traffic = traffic(cx, &raw.traffic)?;
    if raw.variants.is_empty() {
        return Err(cx.err(
            &[],
            "the scenario has no platform variants",
            "add at least one [[variant]] table with platform = \"lambda\" or \"ec2\"",
        ));
    }
    let mut names = HashSet::new();
    let mut variants = Vec::with_capacity(raw.variants.len());
    for (i, v) in raw.variants.iter().enumerate() {
        let base = [K("variant"), I(i)];
        let variant = match v.platform {
            PlatformKind::Lambda => lambda(cx, &base, v, &traffic.profile)?,
            PlatformKind::Ec2 => ec2(cx, &base, v, &traffic.profile)?,
        };
        if variant.name.is_empty() || !names.insert(variant.name.clone()) {
            return Err(cx.err(
                &join(&base, &[K("name")]),
                format!("variant name \"{}\" is empty or used twice", variant.name),
                "give every variant its own non-empty name",
            ));
        }
        variants.push(variant);
    }
    let slo = match &raw.slo {
        None => None,
        Some(r) => {
            let p99_ms = r
                .p99_ms
                .map(|v| cx.positive(&[K("slo"), K("p99_ms")], v))
                .transpose()?;
            let path = [K("slo"), K("max_failed_pct")];
            let max_failed_pct = r
                .max_failed_pct
                .map(|v| cx.non_negative(&path, v))
                .transpose()?;
            if p99_ms.is_none() && max_failed_pct.is_none() {
                return Err(cx.err(
                    &[K("slo")],
                    "the SLO sets no limit",
                    "give p99_ms, max_failed_pct or both",
                ));
            }
            Some(Slo {
                p99_ms,
                max_failed_pct,
            })
        }
    };
    Ok(Scenario {
        name: raw.name,
        description: raw.description.unwrap_or_default(),
        seed: raw.seed,
        horizon,
        interval,
        traffic,
        slo,
        variants,
        source: cx.text.to_string(),
    })
}

fn traffic(cx: &Ctx, raw: &RawTraffic) -> Result<Traffic> {
    let a = [K("traffic"), K("arrivals")];
    let r = [K("traffic"), K("request")];
    let q = |f| join(&r, &[K(f)]);
    let cpu_fraction = cx.non_negative(&q("cpu_fraction"), raw.request.cpu_fraction)?;
    if cpu_fraction > 1.0 {
        return Err(cx.err(
            &q("cpu_fraction"),
            format!("value {cpu_fraction} is out of range"),
            "allowed: 0 to 1 (the CPU-bound fraction of the duration)",
        ));
    }
    let parallelism = cx.finite(
        &q("parallelism"),
        raw.request.parallelism,
        1.0,
        true,
        "allowed: 1 or more threads",
    )?;
    let memory_mb = cx.int_in(
        &q("memory_mb"),
        raw.request.memory_mb,
        1,
        i64::from(MAX_MEMORY_MB),
        " MB",
    )?;
    Ok(Traffic {
        arrivals: arrivals(cx, &a, &raw.arrivals)?,
        profile: RequestProfile {
            duration: dist(cx, &q("duration"), &raw.request.duration)?,
            cpu_fraction,
            parallelism,
            memory_mb,
        },
    })
}

fn arrivals(cx: &Ctx, a: &[Seg], raw: &RawArrivals) -> Result<ArrivalProcess> {
    let p = |f| join(a, &[K(f)]);
    let (kind, allowed): (&str, &[&str]) = match raw.process {
        Process::Poisson => ("process = \"poisson\"", &["rate_per_s"]),
        Process::Even => ("process = \"even\"", &["rate_per_s"]),
        Process::Daily => (
            "process = \"daily\"",
            &[
                "rate_per_s",
                "hourly",
                "min_rate_per_s",
                "max_rate_per_s",
                "peak_hour",
            ],
        ),
        Process::Bursty => (
            "process = \"bursty\"",
            &[
                "base_rate_per_s",
                "burst_rate_per_s",
                "mean_base",
                "mean_burst",
            ],
        ),
        Process::List => ("process = \"list\"", &["at_s"]),
        Process::Steps => ("process = \"steps\"", &["steps"]),
    };
    cx.only(a, kind, &raw.present(), allowed)?;
    let need_f64 = |field, v: &Option<f64>| cx.need(a, kind, field, v);
    Ok(match raw.process {
        Process::Poisson => ArrivalProcess::Poisson {
            rate_per_s: cx.positive(&p("rate_per_s"), need_f64("rate_per_s", &raw.rate_per_s)?)?,
        },
        Process::Even => ArrivalProcess::Even {
            rate_per_s: cx.positive(&p("rate_per_s"), need_f64("rate_per_s", &raw.rate_per_s)?)?,
        },
        Process::Daily => daily(cx, a, raw)?,
        Process::Bursty => {
            let base = cx.non_negative(
                &p("base_rate_per_s"),
                need_f64("base_rate_per_s", &raw.base_rate_per_s)?,
            )?;
            let burst = cx.non_negative(
                &p("burst_rate_per_s"),
                need_f64("burst_rate_per_s", &raw.burst_rate_per_s)?,
            )?;
            if base + burst <= 0.0 {
                return Err(cx.err(
                    &p("burst_rate_per_s"),
                    "both rates are 0",
                    "give at least one state a positive rate",
                ));
            }
            let positive_duration = |f, text: &Option<String>| -> Result<f64> {
                let text = cx.need(a, kind, f, text)?;
                let d = cx.duration(&p(f), &text)?;
                if d == SimDuration::ZERO {
                    return Err(cx.err(
                        &p(f),
                        format!("\"{text}\" is zero"),
                        "allowed: a duration greater than 0",
                    ));
                }
                Ok(d.as_secs_f64())
            };
            ArrivalProcess::Bursty {
                base_rate_per_s: base,
                burst_rate_per_s: burst,
                mean_base_s: positive_duration("mean_base", &raw.mean_base)?,
                mean_burst_s: positive_duration("mean_burst", &raw.mean_burst)?,
            }
        }
        Process::Steps => {
            let raw_steps = cx.need(a, kind, "steps", &raw.steps)?;
            let help = "give steps as [{ at = \"0s\", rate_per_s = 10 }, { at = \"30m\", rate_per_s = 100 }, ...]";
            if raw_steps.is_empty() {
                return Err(cx.err(&p("steps"), "the list is empty", help));
            }
            let mut steps = Vec::with_capacity(raw_steps.len());
            for (i, st) in raw_steps.iter().enumerate() {
                let at = cx
                    .duration(&join(a, &[K("steps"), I(i), K("at")]), &st.at)?
                    .as_secs_f64();
                let rate = cx.non_negative(
                    &join(a, &[K("steps"), I(i), K("rate_per_s")]),
                    st.rate_per_s,
                )?;
                if let Some(&(before, _)) = steps.last()
                    && at <= before
                {
                    return Err(cx.err(
                        &join(a, &[K("steps"), I(i), K("at")]),
                        format!("\"{}\" does not come after the step before it", st.at),
                        "list steps in increasing order of `at`",
                    ));
                }
                steps.push((at, rate));
            }
            if steps.iter().all(|s| s.1 == 0.0) {
                return Err(cx.err(
                    &p("steps"),
                    "every rate is 0",
                    "give at least one step a positive rate",
                ));
            }
            ArrivalProcess::Steps { steps }
        }
        Process::List => {
            let at_s = cx.need(a, kind, "at_s", &raw.at_s)?;
            for (i, t) in at_s.iter().enumerate() {
                let path = join(a, &[K("at_s"), I(i)]);
                cx.non_negative(&path, *t)?;
                if i > 0 && *t < at_s[i - 1] {
                    return Err(cx.err(
                        &path,
                        format!("{t} comes before {}", at_s[i - 1]),
                        "list arrival times in non-decreasing order",
                    ));
                }
            }
            ArrivalProcess::List { at_s }
        }
    })
}

fn daily(cx: &Ctx, a: &[Seg], raw: &RawArrivals) -> Result<ArrivalProcess> {
    let p = |f| join(a, &[K(f)]);
    let shapes = "give either `rate_per_s` and `hourly` (24 multipliers), or `min_rate_per_s`, \
                  `max_rate_per_s` and `peak_hour`";
    match (
        raw.rate_per_s,
        &raw.hourly,
        raw.min_rate_per_s,
        raw.max_rate_per_s,
        raw.peak_hour,
    ) {
        (Some(rate), Some(hourly), None, None, None) => {
            let rate = cx.positive(&p("rate_per_s"), rate)?;
            if hourly.len() != 24 {
                return Err(cx.err(
                    &p("hourly"),
                    format!("{} multipliers given", hourly.len()),
                    "give exactly 24 multipliers, one per hour of the day from 00:00",
                ));
            }
            let mut rates_per_s = [0.0; 24];
            for (h, m) in hourly.iter().enumerate() {
                rates_per_s[h] = rate * cx.non_negative(&join(a, &[K("hourly"), I(h)]), *m)?;
            }
            if rates_per_s.iter().all(|r| *r == 0.0) {
                return Err(cx.err(
                    &p("hourly"),
                    "every multiplier is 0",
                    "give at least one hour a positive multiplier",
                ));
            }
            Ok(ArrivalProcess::Hourly { rates_per_s })
        }
        (None, None, Some(min), Some(max), Some(peak)) => {
            let min = cx.non_negative(&p("min_rate_per_s"), min)?;
            let max = cx.positive(&p("max_rate_per_s"), max)?;
            if min > max {
                return Err(cx.err(
                    &p("min_rate_per_s"),
                    format!("{min} is above max_rate_per_s {max}"),
                    "min_rate_per_s must not exceed max_rate_per_s",
                ));
            }
            if !(0.0..24.0).contains(&peak) {
                return Err(cx.err(
                    &p("peak_hour"),
                    format!("value {peak} is out of range"),
                    "allowed: 0 to 24 (hour of day, fractions allowed)",
                ));
            }
            Ok(ArrivalProcess::DailyCycle {
                min_rate_per_s: min,
                max_rate_per_s: max,
                peak_hour: peak,
            })
        }
        _ => Err(cx.err(a, "a daily process needs one of two shapes", shapes)),
    }
}

fn dist(cx: &Ctx, path: &[Seg], raw: &RawDist) -> Result<DurationDist> {
    let p = |f| join(path, &[K(f)]);
    let (kind, allowed): (&str, &[&str]) = match raw.dist {
        DistKind::Constant => ("dist = \"constant\"", &["ms"]),
        DistKind::Exponential => ("dist = \"exponential\"", &["mean_ms"]),
        DistKind::Lognormal => ("dist = \"lognormal\"", &["median_ms", "p99_ms"]),
        DistKind::Empirical => ("dist = \"empirical\"", &["values_ms"]),
    };
    cx.only(path, kind, &raw.present(), allowed)?;
    Ok(match raw.dist {
        DistKind::Constant => DurationDist::Constant {
            secs: cx.non_negative(&p("ms"), cx.need(path, kind, "ms", &raw.ms)?)? / 1_000.0,
        },
        DistKind::Exponential => DurationDist::Exponential {
            mean_secs: cx.positive(&p("mean_ms"), cx.need(path, kind, "mean_ms", &raw.mean_ms)?)?
                / 1_000.0,
        },
        DistKind::Lognormal => {
            let median = cx.positive(
                &p("median_ms"),
                cx.need(path, kind, "median_ms", &raw.median_ms)?,
            )?;
            let p99 = cx.positive(&p("p99_ms"), cx.need(path, kind, "p99_ms", &raw.p99_ms)?)?;
            if p99 < median {
                return Err(cx.err(
                    &p("p99_ms"),
                    format!("p99 {p99} is below the median {median}"),
                    "p99_ms must be at least median_ms",
                ));
            }
            DurationDist::lognormal(median / 1_000.0, p99 / 1_000.0)
        }
        DistKind::Empirical => {
            let values_ms = cx.need(path, kind, "values_ms", &raw.values_ms)?;
            if values_ms.is_empty() {
                return Err(cx.err(
                    &p("values_ms"),
                    "the list is empty",
                    "give at least one duration in ms",
                ));
            }
            let mut values_secs = Vec::with_capacity(values_ms.len());
            for (i, v) in values_ms.iter().enumerate() {
                values_secs
                    .push(cx.non_negative(&join(path, &[K("values_ms"), I(i)]), *v)? / 1_000.0);
            }
            DurationDist::Empirical { values_secs }
        }
    })
}

const LAMBDA_FIELDS: &[&str] = &[
    "name",
    "platform",
    "memory_mb",
    "arch",
    "runtime",
    "cold_start",
    "keep_alive",
    "concurrency",
    "api_gateway",
    "free_tier",
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

fn lambda(cx: &Ctx, base: &[Seg], raw: &RawVariant, profile: &RequestProfile) -> Result<Variant> {
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
    let concurrency_limit = cx.int_in(
        &p("concurrency"),
        raw.concurrency.unwrap_or(DEFAULT_CONCURRENCY),
        1,
        1_000_000,
        " concurrent executions",
    )?;
    Ok(Variant {
        name: raw.name.clone(),
        platform: PlatformSpec::Lambda {
            function: FunctionConfig {
                memory_mb,
                keep_alive,
                concurrency_limit,
                cold_start,
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

fn ec2(cx: &Ctx, base: &[Seg], raw: &RawVariant, profile: &RequestProfile) -> Result<Variant> {
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
    let queue_timeout = cx.duration(
        &p("queue_timeout"),
        raw.queue_timeout
            .as_deref()
            .unwrap_or(DEFAULT_QUEUE_TIMEOUT),
    )?;
    let cpu_speed = cx.positive(&p("cpu_speed"), raw.cpu_speed.unwrap_or(1.0))?;
    let boot_time = match &raw.boot_time {
        Some(d) => dist(cx, &p("boot_time"), d)?,
        None => default_boot_time(),
    };
    let deregistration_delay = match &raw.deregistration_delay {
        Some(text) => cx.duration(&p("deregistration_delay"), text)?,
        None => DEFAULT_DEREGISTRATION_DELAY,
    };
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
            },
            policy,
            billing: Ec2Billing {
                instance,
                load_balancer: raw.load_balancer.unwrap_or(true),
            },
        },
    })
}

/// Largest fleet accepted.
const MAX_FLEET: i64 = 100_000;

const TARGET_TRACKING_FIELDS: &[&str] = &[
    "period",
    "min_size",
    "max_size",
    "predefined_metric_type",
    "target_value",
    "instance_warmup",
    "disable_scale_in",
    "scale_in_ratio",
    "scale_out_datapoints",
    "scale_in_datapoints",
];

const HPA_FIELDS: &[&str] = &[
    "min_replicas",
    "max_replicas",
    "average_utilization",
    "tolerance",
    "sync_period",
    "scale_down_stabilization_window",
    "scale_up_percent",
    "scale_up_pods",
];

fn autoscaling(cx: &Ctx, path: &[Seg], raw: &RawAutoscaling) -> Result<(PolicySpec, u32, u32)> {
    let p = |f| join(path, &[K(f)]);
    let (kind, allowed): (&str, &[&str]) = match raw.policy {
        PolicyKind::Fixed => ("policy = \"fixed\"", &["period"]),
        PolicyKind::TargetTracking => ("policy = \"target_tracking\"", TARGET_TRACKING_FIELDS),
        PolicyKind::Hpa => ("policy = \"hpa\"", HPA_FIELDS),
        PolicyKind::Step => ("policy = \"step\"", STEP_FIELDS),
    };
    cx.only(path, kind, &raw.present(), allowed)?;
    let positive_duration = |f, text: Option<&str>, default: &str| -> Result<SimDuration> {
        let text = text.unwrap_or(default);
        let d = cx.duration(&p(f), text)?;
        if d == SimDuration::ZERO {
            return Err(cx.err(
                &p(f),
                format!("\"{text}\" is zero"),
                "allowed: a duration greater than 0",
            ));
        }
        Ok(d)
    };
    let bounds = |min_f: &'static str, min: Option<i64>, max_f: &'static str, max: i64| {
        let min = cx.int_in(&p(min_f), min.unwrap_or(1), 0, MAX_FLEET, " instances")?;
        let floor = i64::from(min.max(1));
        let unit = format!(" instances (at least {min_f}, and at least 1)");
        let max = cx.int_in(&p(max_f), max, floor, MAX_FLEET, &unit)?;
        Ok::<_, ScenarioError>((min, max))
    };
    let datapoints = |f, v: Option<i64>, default: i64| -> Result<usize> {
        let n = cx.int_in(
            &p(f),
            v.unwrap_or(default),
            1,
            HISTORY_LEN as i64,
            " periods",
        )?;
        Ok(n as usize)
    };
    let percent = |f, v: f64, what: &str| -> Result<f64> {
        let v = cx.positive(&p(f), v)?;
        if v > 100.0 {
            return Err(cx.err(
                &p(f),
                format!("value {v} is out of range"),
                format!("allowed: more than 0 and at most 100 ({what})"),
            ));
        }
        Ok(v / 100.0)
    };
    match raw.policy {
        PolicyKind::Fixed => Err(cx.err(
            path,
            "an autoscaling table with policy = \"fixed\" changes nothing",
            "remove the autoscaling table and give `count`, or choose target_tracking, step or hpa",
        )),
        PolicyKind::TargetTracking => {
            let metric = cx.need(
                path,
                kind,
                "predefined_metric_type",
                &raw.predefined_metric_type,
            )?;
            let value = cx.need(path, kind, "target_value", &raw.target_value)?;
            let (metric, target_value) = match metric {
                RawTargetMetric::Cpu => (
                    TargetMetric::Cpu,
                    percent("target_value", value, "percent CPU, as AWS writes it")?,
                ),
                RawTargetMetric::RequestsPerTarget => (
                    TargetMetric::RequestsPerTarget,
                    cx.positive(&p("target_value"), value)?,
                ),
            };
            let ratio = cx.positive(&p("scale_in_ratio"), raw.scale_in_ratio.unwrap_or(0.9))?;
            if ratio > 1.0 {
                return Err(cx.err(
                    &p("scale_in_ratio"),
                    format!("value {ratio} is out of range"),
                    "allowed: more than 0 and at most 1 (the scale-in alarm's fraction of the target)",
                ));
            }
            let max_size = cx.need(path, kind, "max_size", &raw.max_size)?;
            let (min, max) = bounds("min_size", raw.min_size, "max_size", max_size)?;
            let warmup = raw.instance_warmup.as_deref().unwrap_or("300s");
            let cfg = TargetTrackingConfig {
                metric,
                target_value,
                scale_in_ratio: ratio,
                scale_out_datapoints: datapoints(
                    "scale_out_datapoints",
                    raw.scale_out_datapoints,
                    3,
                )?,
                scale_in_datapoints: datapoints(
                    "scale_in_datapoints",
                    raw.scale_in_datapoints,
                    15,
                )?,
                period: positive_duration("period", raw.period.as_deref(), "60s")?,
                instance_warmup: cx.duration(&p("instance_warmup"), warmup)?,
                disable_scale_in: raw.disable_scale_in.unwrap_or(false),
            };
            Ok((PolicySpec::TargetTracking(cfg), min, max))
        }
        PolicyKind::Step => {
            let metric = cx.need(
                path,
                kind,
                "predefined_metric_type",
                &raw.predefined_metric_type,
            )?;
            let max_size = cx.need(path, kind, "max_size", &raw.max_size)?;
            let (min, max) = bounds("min_size", raw.min_size, "max_size", max_size)?;
            if raw.scale_out.is_none() && raw.scale_in.is_none() {
                return Err(cx.err(
                    path,
                    "step scaling needs a scale_out or a scale_in policy",
                    "add scale_out = { threshold = ..., step_adjustments = [...] } and/or scale_in",
                ));
            }
            let side = |f, r: &Option<RawStepPolicy>, above| {
                r.as_ref()
                    .map(|r| step_policy(cx, &p(f), r, metric, above))
                    .transpose()
            };
            let warmup = raw.instance_warmup.as_deref().unwrap_or("300s");
            let cfg = StepScalingConfig {
                metric: match metric {
                    RawTargetMetric::Cpu => TargetMetric::Cpu,
                    RawTargetMetric::RequestsPerTarget => TargetMetric::RequestsPerTarget,
                },
                period: positive_duration("period", raw.period.as_deref(), "60s")?,
                instance_warmup: cx.duration(&p("instance_warmup"), warmup)?,
                scale_out: side("scale_out", &raw.scale_out, true)?,
                scale_in: side("scale_in", &raw.scale_in, false)?,
            };
            Ok((PolicySpec::Step(cfg), min, max))
        }
        PolicyKind::Hpa => {
            let util = cx.need(path, kind, "average_utilization", &raw.average_utilization)?;
            let max_replicas = cx.need(path, kind, "max_replicas", &raw.max_replicas)?;
            let (min, max) = bounds(
                "min_replicas",
                raw.min_replicas,
                "max_replicas",
                max_replicas,
            )?;
            let window = raw
                .scale_down_stabilization_window
                .as_deref()
                .unwrap_or("300s");
            let cfg = HpaConfig {
                average_utilization: percent(
                    "average_utilization",
                    util,
                    "percent of an instance's vCPUs",
                )?,
                tolerance: cx.non_negative(&p("tolerance"), raw.tolerance.unwrap_or(0.1))?,
                sync_period: positive_duration("sync_period", raw.sync_period.as_deref(), "15s")?,
                scale_down_stabilization: cx
                    .duration(&p("scale_down_stabilization_window"), window)?,
                scale_up_percent: cx.non_negative(
                    &p("scale_up_percent"),
                    raw.scale_up_percent.unwrap_or(100.0),
                )?,
                scale_up_pods: cx.int_in(
                    &p("scale_up_pods"),
                    raw.scale_up_pods.unwrap_or(4),
                    0,
                    MAX_FLEET,
                    " pods",
                )?,
            };
            Ok((PolicySpec::Hpa(cfg), min, max))
        }
    }
}

const STEP_FIELDS: &[&str] = &[
    "period",
    "min_size",
    "max_size",
    "predefined_metric_type",
    "instance_warmup",
    "scale_out",
    "scale_in",
];

/// Validate one direction of step scaling. `above`: the scale-out side.
fn step_policy(
    cx: &Ctx,
    path: &[Seg],
    raw: &RawStepPolicy,
    metric: RawTargetMetric,
    above: bool,
) -> Result<StepPolicyConfig> {
    let p = |f| join(path, &[K(f)]);
    // CPU thresholds and bounds are percent, as AWS writes them.
    let scale = if metric == RawTargetMetric::Cpu {
        0.01
    } else {
        1.0
    };
    let threshold = cx.non_negative(&p("threshold"), raw.threshold)? * scale;
    if metric == RawTargetMetric::Cpu && raw.threshold > 100.0 {
        return Err(cx.err(
            &p("threshold"),
            format!("value {} is out of range", raw.threshold),
            "allowed: 0 to 100 (percent CPU)",
        ));
    }
    let default_periods = if above { 3 } else { 15 };
    let periods = raw.evaluation_periods.unwrap_or(default_periods);
    let evaluation_periods = cx.int_in(
        &p("evaluation_periods"),
        periods,
        1,
        HISTORY_LEN as i64,
        " periods",
    )?;
    let adjustment_type = match raw
        .adjustment_type
        .unwrap_or(RawAdjustmentType::ChangeInCapacity)
    {
        RawAdjustmentType::ChangeInCapacity => AdjustmentType::ChangeInCapacity,
        RawAdjustmentType::ExactCapacity => AdjustmentType::ExactCapacity,
        RawAdjustmentType::PercentChangeInCapacity => AdjustmentType::PercentChangeInCapacity,
    };
    let min_adjustment_magnitude = raw
        .min_adjustment_magnitude
        .map(|m| {
            cx.int_in(
                &p("min_adjustment_magnitude"),
                m,
                1,
                MAX_FLEET,
                " instances",
            )
        })
        .transpose()?;
    if raw.step_adjustments.is_empty() {
        return Err(cx.err(
            &p("step_adjustments"),
            "the list is empty",
            "give at least one { metric_interval_lower_bound = ..., scaling_adjustment = ... }",
        ));
    }
    let mut steps = Vec::with_capacity(raw.step_adjustments.len());
    for (i, st) in raw.step_adjustments.iter().enumerate() {
        let sp = |f| join(path, &[K("step_adjustments"), I(i), K(f)]);
        let lower = st.metric_interval_lower_bound.map(|v| v * scale);
        let upper = st.metric_interval_upper_bound.map(|v| v * scale);
        // Bounds are relative to the threshold: scale-out steps sit above it, scale-in below.
        let wrong_side = |b: Option<f64>| b.is_some_and(|b| if above { b < 0.0 } else { b > 0.0 });
        let (bound_field, bound_ok) = if wrong_side(lower) {
            ("metric_interval_lower_bound", false)
        } else {
            ("metric_interval_upper_bound", !wrong_side(upper))
        };
        if !bound_ok {
            return Err(cx.err(
                &sp(bound_field),
                "this step lies on the wrong side of the threshold",
                if above {
                    "scale-out steps have bounds ≥ 0 (relative to the threshold)"
                } else {
                    "scale-in steps have bounds ≤ 0 (relative to the threshold)"
                },
            ));
        }
        if let (Some(l), Some(u)) = (lower, upper)
            && l >= u
        {
            return Err(cx.err(
                &sp("metric_interval_upper_bound"),
                "the upper bound is not above the lower bound",
                "give metric_interval_lower_bound < metric_interval_upper_bound",
            ));
        }
        let sign_ok = match adjustment_type {
            AdjustmentType::ExactCapacity => st.scaling_adjustment >= 0,
            _ if above => st.scaling_adjustment > 0,
            _ => st.scaling_adjustment < 0,
        };
        if !sign_ok {
            return Err(cx.err(
                &sp("scaling_adjustment"),
                format!("value {} is not allowed here", st.scaling_adjustment),
                if above {
                    "scale-out adjustments are positive (ExactCapacity: 0 or more)"
                } else {
                    "scale-in adjustments are negative (ExactCapacity: 0 or more)"
                },
            ));
        }
        steps.push(StepAdjustment {
            lower,
            upper,
            adjustment: st.scaling_adjustment,
        });
    }
    Ok(StepPolicyConfig {
        threshold,
        evaluation_periods: evaluation_periods as usize,
        adjustment_type,
        min_adjustment_magnitude,
        steps,
    })
}

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
