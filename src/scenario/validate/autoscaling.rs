//! Validation of `autoscaling` tables: target tracking, step scaling, HPA.

use super::Seg::{I, K};
use super::platform::MAX_FLEET;
use super::{Ctx, Result, Seg, join};
use crate::autoscale::{
    AdjustmentType, HISTORY_LEN, HpaConfig, PolicySpec, StepAdjustment, StepPolicyConfig,
    StepScalingConfig, TargetMetric, TargetTrackingConfig,
};
use crate::engine::SimDuration;
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

pub(super) fn autoscaling(
    cx: &Ctx,
    path: &[Seg],
    raw: &RawAutoscaling,
) -> Result<(PolicySpec, u32, u32)> {
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
