//! Validation of `autoscaling` tables: target tracking, step and simple scaling (EC2 Auto
//! Scaling), HPA (Kubernetes, in `autoscaling/hpa.rs`).
//!
//! Bounds on durations, with their reasons:
//! - metric `period` of AWS policies: 10 s to 1 h. CloudWatch alarms evaluate high-resolution
//!   metrics every 10 s at the shortest (Amazon CloudWatch user guide, "High-resolution
//!   alarms", 2024); EC2 metrics come every 60 s (detailed) or 5 min (basic); a period beyond an
//!   hour would not react within any horizon worth simulating.
//! - `instance_warmup`: 0 to 3,600 s, the range of the group's `DefaultInstanceWarmup`
//!   (EC2 Auto Scaling API reference, `CreateAutoScalingGroup`, 2024).
//! - `cooldown`: 0 to 86,400 s (one day): AWS sets no maximum; a longer cooldown would mean the
//!   policy acts at most once in a day-long run, which is a typo rather than a configuration.

mod hpa;

use super::{Ctx, Result, Step, join};
use super::{index, key};
use crate::autoscale::{
    AdjustmentType, HISTORY_LEN, PolicySpec, SimpleAdjustment, SimpleScalingConfig, StepAdjustment,
    StepPolicyConfig, StepScalingConfig, TargetMetric, TargetTrackingConfig,
};
use crate::engine::SimDuration;
use crate::platform::iaas::MAX_INSTANCES;
use crate::scenario::ScenarioError;
use crate::scenario::raw::*;

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

const STEP_FIELDS: &[&str] = &[
    "period",
    "min_size",
    "max_size",
    "predefined_metric_type",
    "instance_warmup",
    "scale_out",
    "scale_in",
];

const SIMPLE_FIELDS: &[&str] = &[
    "period",
    "min_size",
    "max_size",
    "predefined_metric_type",
    "cooldown",
    "scale_out",
    "scale_in",
];

const SECOND: SimDuration = SimDuration::from_secs(1);
const HOUR: SimDuration = SimDuration::from_secs(3_600);
const DAY: SimDuration = SimDuration::from_secs(86_400);

/// A duration field (`default` when absent) within `[lo, hi]`.
pub(super) fn duration_in(
    cx: &Ctx,
    path: &[Step],
    text: Option<&str>,
    default: &str,
    (lo, hi): (SimDuration, SimDuration),
    why: &str,
) -> Result<SimDuration> {
    let text = text.unwrap_or(default);
    let d = cx.duration(path, text)?;
    if d < lo || d > hi {
        let show = |d: SimDuration| {
            humantime::format_duration(std::time::Duration::from_micros(d.as_micros()))
        };
        return Err(cx.err(
            path,
            format!("\"{text}\" is out of range"),
            format!("allowed: {} to {} ({why})", show(lo), show(hi)),
        ));
    }
    Ok(d)
}

/// A CPU percentage (more than 0, at most 100) as a fraction, warning when it is 1 or less: a
/// fraction typed where AWS and Kubernetes write percent.
pub(super) fn cpu_percent(cx: &Ctx, path: &[Step], v: f64, what: &str) -> Result<f64> {
    let v = cx.positive(path, v)?;
    if v > 100.0 {
        return Err(cx.err(
            path,
            format!("value {v} is out of range"),
            format!("allowed: more than 0 and at most 100 ({what})"),
        ));
    }
    if v <= 1.0 {
        cx.warn(
            path,
            format!("{v} means {v} % CPU, not {} %", v * 100.0),
            "the value is a percentage: write 50 for 50 %",
        );
    }
    Ok(v / 100.0)
}

fn metric_of(raw: RawTargetMetric) -> TargetMetric {
    match raw {
        RawTargetMetric::Cpu | RawTargetMetric::EcsCpu => TargetMetric::Cpu,
        RawTargetMetric::RequestsPerTarget => TargetMetric::RequestsPerTarget,
    }
}

/// Validate an `autoscaling` table: the policy and the fleet's bounds (min, max).
pub(crate) fn autoscaling(
    cx: &Ctx,
    path: &[Step],
    raw: &RawAutoscaling,
) -> Result<(PolicySpec, u32, u32)> {
    let p = |f| join(path, &[key(f)]);
    let (kind, allowed): (&str, &[&str]) = match raw.policy {
        PolicyKind::Fixed => ("policy = \"fixed\"", &["period"]),
        PolicyKind::TargetTracking => ("policy = \"target_tracking\"", TARGET_TRACKING_FIELDS),
        PolicyKind::Hpa => ("policy = \"hpa\"", hpa::FIELDS),
        PolicyKind::Step => ("policy = \"step\"", STEP_FIELDS),
        PolicyKind::Simple => ("policy = \"simple\"", SIMPLE_FIELDS),
    };
    cx.only(path, kind, &raw.present(), allowed)?;
    let period = || {
        duration_in(
            cx,
            &p("period"),
            raw.period.as_deref(),
            "60s",
            (SimDuration::from_secs(10), HOUR),
            "a CloudWatch alarm period",
        )
    };
    let warmup = || {
        duration_in(
            cx,
            &p("instance_warmup"),
            raw.instance_warmup.as_deref(),
            "300s",
            (SimDuration::ZERO, HOUR),
            "AWS's instance warm-up range",
        )
    };
    let bounds = || {
        let max = cx.need(path, kind, "max_size", &raw.max_size)?;
        size_bounds(cx, path, ("min_size", raw.min_size, 0), ("max_size", max))
    };
    match raw.policy {
        PolicyKind::Fixed => Err(cx.err(
            path,
            "an autoscaling table with policy = \"fixed\" changes nothing",
            "remove the autoscaling table and give `count`, or choose target_tracking, step, \
             simple or hpa",
        )),
        PolicyKind::Hpa => hpa::hpa(cx, path, raw, kind),
        PolicyKind::TargetTracking => {
            let metric = cx.need(
                path,
                kind,
                "predefined_metric_type",
                &raw.predefined_metric_type,
            )?;
            let value = cx.need(path, kind, "target_value", &raw.target_value)?;
            let target_value = match metric {
                RawTargetMetric::Cpu | RawTargetMetric::EcsCpu => cpu_percent(
                    cx,
                    &p("target_value"),
                    value,
                    "percent CPU, as AWS writes it",
                )?,
                RawTargetMetric::RequestsPerTarget => cx.positive(&p("target_value"), value)?,
            };
            let ratio = cx.positive(&p("scale_in_ratio"), raw.scale_in_ratio.unwrap_or(0.9))?;
            if ratio > 1.0 {
                return Err(cx.err(
                    &p("scale_in_ratio"),
                    format!("value {ratio} is out of range"),
                    "allowed: more than 0 and at most 1 (the scale-in alarm's fraction of the target)",
                ));
            }
            let (min, max) = bounds()?;
            let datapoints = |f, v: Option<i64>, default: i64| {
                cx.int_in(
                    &p(f),
                    v.unwrap_or(default),
                    1,
                    HISTORY_LEN as i64,
                    " periods",
                )
                .map(|n| n as usize)
            };
            let cfg = TargetTrackingConfig {
                metric: metric_of(metric),
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
                period: period()?,
                instance_warmup: warmup()?,
                disable_scale_in: raw.disable_scale_in.unwrap_or(false),
            };
            Ok((PolicySpec::TargetTracking(cfg), min, max))
        }
        PolicyKind::Step | PolicyKind::Simple => {
            let metric = cx.need(
                path,
                kind,
                "predefined_metric_type",
                &raw.predefined_metric_type,
            )?;
            let (min, max) = bounds()?;
            if raw.scale_out.is_none() && raw.scale_in.is_none() {
                return Err(cx.err(
                    path,
                    format!("{kind} needs a scale_out or a scale_in policy"),
                    "add scale_out = { threshold = ..., ... } and/or scale_in",
                ));
            }
            let simple = raw.policy == PolicyKind::Simple;
            if simple {
                let side = |f, r: &Option<RawStepPolicy>, above| {
                    r.as_ref()
                        .map(|r| simple_policy(cx, &p(f), r, metric, above))
                        .transpose()
                };
                let cfg = SimpleScalingConfig {
                    metric: metric_of(metric),
                    period: period()?,
                    default_cooldown: cooldown(cx, &p("cooldown"), raw.cooldown.as_deref())?,
                    scale_out: side("scale_out", &raw.scale_out, true)?,
                    scale_in: side("scale_in", &raw.scale_in, false)?,
                };
                return Ok((PolicySpec::Simple(cfg), min, max));
            }
            let side = |f, r: &Option<RawStepPolicy>, above| {
                r.as_ref()
                    .map(|r| step_policy(cx, &p(f), r, metric, above))
                    .transpose()
            };
            let cfg = StepScalingConfig {
                metric: metric_of(metric),
                period: period()?,
                instance_warmup: warmup()?,
                scale_out: side("scale_out", &raw.scale_out, true)?,
                scale_in: side("scale_in", &raw.scale_in, false)?,
            };
            Ok((PolicySpec::Step(cfg), min, max))
        }
    }
}

/// `min` (default 1, at least `lowest`) and `max` sizes: min ≤ max ≤ the largest fleet,
/// max ≥ 1.
pub(super) fn size_bounds(
    cx: &Ctx,
    path: &[Step],
    (min_f, min, lowest): (&'static str, Option<i64>, i64),
    (max_f, max): (&'static str, i64),
) -> Result<(u32, u32)> {
    let p = |f| join(path, &[key(f)]);
    let unit = if lowest > 0 {
        " replicas (Kubernetes requires at least 1)"
    } else {
        " instances"
    };
    let min = cx.int_in(
        &p(min_f),
        min.unwrap_or(1),
        lowest,
        i64::from(MAX_INSTANCES),
        unit,
    )?;
    let floor = i64::from(min.max(1));
    let unit = format!(" (at least {min_f}, and at least 1)");
    let max = cx.int_in(&p(max_f), max, floor, i64::from(MAX_INSTANCES), &unit)?;
    Ok::<_, ScenarioError>((min, max))
}

fn cooldown(cx: &Ctx, path: &[Step], text: Option<&str>) -> Result<SimDuration> {
    duration_in(
        cx,
        path,
        text,
        "300s",
        (SimDuration::ZERO, DAY),
        "DefaultCooldown is 300 s; more than a day is a typo",
    )
}

/// The alarm of one direction: threshold (CPU in percent, as AWS writes it) and datapoints.
fn alarm(
    cx: &Ctx,
    path: &[Step],
    raw: &RawStepPolicy,
    metric: RawTargetMetric,
    above: bool,
) -> Result<(f64, usize)> {
    let p = |f| join(path, &[key(f)]);
    let threshold = if metric.is_cpu() {
        let t = cx.non_negative(&p("threshold"), raw.threshold)?;
        if t > 100.0 {
            return Err(cx.err(
                &p("threshold"),
                format!("value {t} is out of range"),
                "allowed: 0 to 100 (percent CPU)",
            ));
        }
        if t > 0.0 && t <= 1.0 {
            cx.warn(
                &p("threshold"),
                format!("{t} means {t} % CPU, not {} %", t * 100.0),
                "the value is a percentage: write 50 for 50 %",
            );
        }
        t / 100.0
    } else {
        cx.non_negative(&p("threshold"), raw.threshold)?
    };
    let default_periods = if above { 3 } else { 15 };
    let periods = raw.evaluation_periods.unwrap_or(default_periods);
    let n = cx.int_in(
        &p("evaluation_periods"),
        periods,
        1,
        HISTORY_LEN as i64,
        " periods",
    )?;
    Ok((threshold, n as usize))
}

fn adjustment_type(raw: &RawStepPolicy) -> AdjustmentType {
    match raw
        .adjustment_type
        .unwrap_or(RawAdjustmentType::ChangeInCapacity)
    {
        RawAdjustmentType::ChangeInCapacity => AdjustmentType::ChangeInCapacity,
        RawAdjustmentType::ExactCapacity => AdjustmentType::ExactCapacity,
        RawAdjustmentType::PercentChangeInCapacity => AdjustmentType::PercentChangeInCapacity,
    }
}

fn min_magnitude(cx: &Ctx, path: &[Step], raw: &RawStepPolicy) -> Result<Option<u32>> {
    raw.min_adjustment_magnitude
        .map(|m| {
            let path = join(path, &[key("min_adjustment_magnitude")]);
            cx.int_in(&path, m, 1, i64::from(MAX_INSTANCES), " instances")
        })
        .transpose()
}

/// A `scaling_adjustment` of the right sign: scale-out ≥ 0, scale-in ≤ 0 (0 does nothing, as
/// AWS's own example's first step), `ExactCapacity` ≥ 0.
fn check_adjustment(
    cx: &Ctx,
    path: &[Step],
    kind: AdjustmentType,
    adjustment: i64,
    above: bool,
) -> Result<()> {
    let ok = match kind {
        AdjustmentType::ExactCapacity => (0..=i64::from(MAX_INSTANCES)).contains(&adjustment),
        _ if above => (0..=i64::from(MAX_INSTANCES)).contains(&adjustment),
        _ => (-i64::from(MAX_INSTANCES)..=0).contains(&adjustment),
    };
    if ok {
        return Ok(());
    }
    Err(cx.err(
        path,
        format!("value {adjustment} is not allowed here"),
        match (kind, above) {
            (AdjustmentType::ExactCapacity, _) => {
                format!("allowed: 0 to {MAX_INSTANCES} instances")
            }
            (_, true) => format!("scale-out adjustments are 0 to {MAX_INSTANCES}"),
            (_, false) => format!("scale-in adjustments are -{MAX_INSTANCES} to 0"),
        },
    ))
}

/// Refuse a field of the other kind of AWS policy, naming the kind it belongs to.
fn refuse(cx: &Ctx, path: &[Step], given: bool, field: &'static str, kind: &str) -> Result<()> {
    if given {
        return Err(cx.err(
            &join(path, &[key(field)]),
            format!("`{field}` does not apply to {kind}"),
            if kind == "step scaling" {
                "step scaling has no cooldown (AWS uses the instance warm-up); use \
                 step_adjustments, or policy = \"simple\" for scaling_adjustment and cooldown"
            } else {
                "simple scaling takes scaling_adjustment (and cooldown); use policy = \"step\" for \
                 step_adjustments"
            },
        ));
    }
    Ok(())
}

/// Validate one direction of simple scaling. `above`: the scale-out side.
fn simple_policy(
    cx: &Ctx,
    path: &[Step],
    raw: &RawStepPolicy,
    metric: RawTargetMetric,
    above: bool,
) -> Result<SimpleAdjustment> {
    let p = |f| join(path, &[key(f)]);
    refuse(
        cx,
        path,
        raw.step_adjustments.is_some(),
        "step_adjustments",
        "simple scaling",
    )?;
    let (threshold, evaluation_periods) = alarm(cx, path, raw, metric, above)?;
    let adjustment_type = adjustment_type(raw);
    let kind = if above { "scale_out" } else { "scale_in" };
    let adjustment = cx.need(
        path,
        &format!("a simple {kind} policy"),
        "scaling_adjustment",
        &raw.scaling_adjustment,
    )?;
    check_adjustment(
        cx,
        &p("scaling_adjustment"),
        adjustment_type,
        adjustment,
        above,
    )?;
    Ok(SimpleAdjustment {
        threshold,
        evaluation_periods,
        adjustment_type,
        scaling_adjustment: adjustment,
        min_adjustment_magnitude: min_magnitude(cx, path, raw)?,
        cooldown: raw
            .cooldown
            .as_deref()
            .map(|c| cooldown(cx, &p("cooldown"), Some(c)))
            .transpose()?,
    })
}

/// Validate one direction of step scaling. `above`: the scale-out side.
///
/// AWS's rules (EC2 Auto Scaling user guide, "Step adjustments", 2024): bounds are relative to
/// the threshold (scale-out steps at or above it, scale-in steps at or below it); the steps'
/// ranges may neither overlap nor leave a gap; only the outermost step may be unbounded.
fn step_policy(
    cx: &Ctx,
    path: &[Step],
    raw: &RawStepPolicy,
    metric: RawTargetMetric,
    above: bool,
) -> Result<StepPolicyConfig> {
    let p = |f| join(path, &[key(f)]);
    refuse(
        cx,
        path,
        raw.scaling_adjustment.is_some(),
        "scaling_adjustment",
        "step scaling",
    )?;
    refuse(cx, path, raw.cooldown.is_some(), "cooldown", "step scaling")?;
    // CPU thresholds and bounds are percent, as AWS writes them.
    let scale = if metric.is_cpu() { 0.01 } else { 1.0 };
    let (threshold, evaluation_periods) = alarm(cx, path, raw, metric, above)?;
    let adjustment_type = adjustment_type(raw);
    let raw_steps = raw.step_adjustments.as_deref().unwrap_or_default();
    if raw_steps.is_empty() {
        return Err(cx.err(
            &p("step_adjustments"),
            if raw.step_adjustments.is_some() {
                "the list is empty"
            } else {
                "missing field `step_adjustments` for step scaling"
            },
            "give at least one { metric_interval_lower_bound = ..., scaling_adjustment = ... }",
        ));
    }
    let mut steps = Vec::with_capacity(raw_steps.len());
    for (i, st) in raw_steps.iter().enumerate() {
        let sp = |f| join(path, &[key("step_adjustments"), index(i), key(f)]);
        let finite = |f, v: Option<f64>| {
            v.map(|v| cx.finite(&sp(f), v, f64::MIN, true, "allowed: a finite number"))
                .transpose()
        };
        let lower = finite(
            "metric_interval_lower_bound",
            st.metric_interval_lower_bound,
        )?
        .map(|v| v * scale);
        let upper = finite(
            "metric_interval_upper_bound",
            st.metric_interval_upper_bound,
        )?
        .map(|v| v * scale);
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
        check_adjustment(
            cx,
            &sp("scaling_adjustment"),
            adjustment_type,
            st.scaling_adjustment,
            above,
        )?;
        steps.push(StepAdjustment {
            lower,
            upper,
            adjustment: st.scaling_adjustment,
        });
    }
    check_contiguous(cx, path, &steps, above)?;
    Ok(StepPolicyConfig {
        threshold,
        evaluation_periods,
        adjustment_type,
        min_adjustment_magnitude: min_magnitude(cx, path, raw)?,
        steps,
    })
}

/// The steps, ordered by their lower bounds, must tile the side of the threshold they cover:
/// each step's upper bound is the next one's lower bound; an absent bound may only face away
/// from the threshold, at the ends (an absent lower bound above the threshold means 0, an
/// absent upper bound below it means 0).
fn check_contiguous(cx: &Ctx, path: &[Step], steps: &[StepAdjustment], above: bool) -> Result<()> {
    let lo = |s: &StepAdjustment| {
        s.lower
            .unwrap_or(if above { 0.0 } else { f64::NEG_INFINITY })
    };
    let hi = |s: &StepAdjustment| s.upper.unwrap_or(if above { f64::INFINITY } else { 0.0 });
    let mut order: Vec<usize> = (0..steps.len()).collect();
    order.sort_by(|&a, &b| lo(&steps[a]).total_cmp(&lo(&steps[b])));
    for pair in order.windows(2) {
        let (a, b) = (&steps[pair[0]], &steps[pair[1]]);
        if hi(a) != lo(b) {
            let what = if hi(a) > lo(b) {
                "overlaps"
            } else {
                "leaves a gap after"
            };
            return Err(cx.err(
                &join(
                    path,
                    &[
                        key("step_adjustments"),
                        index(pair[1]),
                        key("metric_interval_lower_bound"),
                    ],
                ),
                format!("this step {what} step_adjustments[{}]", pair[0]),
                "AWS requires the steps' ranges to neither overlap nor leave a gap: each \
                 metric_interval_lower_bound equals the previous step's upper bound",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::scenario::parse;

    fn hpa(extra: &str) -> String {
        format!(
            "name = \"x\"\nhorizon = \"1m\"\n[traffic]\narrivals = {{ process = \"poisson\", \
             rate_per_s = 1 }}\n[traffic.request]\nduration = {{ dist = \"constant\", ms = 10 }}\n\
             [[variant]]\nname = \"k\"\nplatform = \"ec2\"\ninstance_type = \"m7g.large\"\nslots = 4\n\
             [variant.autoscaling]\npolicy = \"hpa\"\nmin_replicas = 1\nmax_replicas = 4\n{extra}\n"
        )
    }

    #[test]
    fn a_cpu_target_of_one_or_less_warns() {
        let s = parse(&hpa("average_utilization = 0.5"), "s.toml").unwrap();
        assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
        assert!(
            s.warnings[0].contains("average_utilization"),
            "{:?}",
            s.warnings
        );
        let s = parse(&hpa("average_utilization = 50"), "s.toml").unwrap();
        assert!(s.warnings.is_empty());
    }
}
