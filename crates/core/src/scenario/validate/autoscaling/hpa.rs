//! Validation of `policy = "hpa"`: the HorizontalPodAutoscaler's fields in snake_case, with
//! `behavior` exactly as a manifest spells it (`behavior.scaleDown.stabilizationWindowSeconds`
//! → `behavior.scale_down.stabilization_window_seconds`).
//!
//! Bounds (Kubernetes API validation, `pkg/apis/autoscaling/validation`, 2024): a stabilisation
//! window 0–3,600 s, a policy's `periodSeconds` 1–1,800 s, its `value` above 0, at least one
//! policy when `policies` is given. The controller flags take any duration; scalesim bounds
//! `sync_period` to 1 s – 1 h (below a second is below the kubelet's CPU sampling and would
//! only make runs slow; above an hour is longer than the longest window, so the HPA could never
//! act on one) and `cpu_initialization_period` to 0 – 1 h.

use super::super::{Ctx, Result, Step, join};
use super::super::{index, key};
use super::{HOUR, SECOND, cpu_percent, duration_in, size_bounds};
use crate::autoscale::{
    HpaConfig, HpaScalingPolicy, HpaScalingRules, PolicySpec, PolicyType, SelectPolicy,
};
use crate::engine::SimDuration;
use crate::scenario::raw::*;

pub(super) const FIELDS: &[&str] = &[
    "min_replicas",
    "max_replicas",
    "average_utilization",
    "tolerance",
    "sync_period",
    "cpu_initialization_period",
    "scale_down_stabilization_window",
    "behavior",
    "scale_up_percent",
    "scale_up_pods",
];

const WINDOW_MAX_S: i64 = 3_600;
const PERIOD_MAX_S: i64 = 1_800;

pub(super) fn hpa(
    cx: &Ctx,
    path: &[Step],
    raw: &RawAutoscaling,
    kind: &str,
) -> Result<(PolicySpec, u32, u32)> {
    let p = |f| join(path, &[key(f)]);
    let util = cx.need(path, kind, "average_utilization", &raw.average_utilization)?;
    let max_replicas = cx.need(path, kind, "max_replicas", &raw.max_replicas)?;
    let (min, max) = size_bounds(
        cx,
        path,
        ("min_replicas", raw.min_replicas, 1),
        ("max_replicas", max_replicas),
    )?;
    let average_utilization = cpu_percent(
        cx,
        &p("average_utilization"),
        util,
        "percent of an instance's vCPUs",
    )?;
    let tolerance = raw.tolerance.unwrap_or(0.1);
    if !(0.0..1.0).contains(&tolerance) {
        return Err(cx.err(
            &p("tolerance"),
            format!("value {tolerance} is out of range"),
            "allowed: 0 or more and less than 1 (a fraction of the target; Kubernetes' default \
             is 0.1)",
        ));
    }
    let sync_period = duration_in(
        cx,
        &p("sync_period"),
        raw.sync_period.as_deref(),
        "15s",
        (SECOND, HOUR),
        "Kubernetes' default is 15s",
    )?;
    let cpu_initialization_period = duration_in(
        cx,
        &p("cpu_initialization_period"),
        raw.cpu_initialization_period.as_deref(),
        "5m",
        (SimDuration::ZERO, HOUR),
        "Kubernetes' default is 5m",
    )?;
    let window = duration_in(
        cx,
        &p("scale_down_stabilization_window"),
        raw.scale_down_stabilization_window.as_deref(),
        "300s",
        (
            SimDuration::ZERO,
            SimDuration::from_secs(WINDOW_MAX_S as u64),
        ),
        "Kubernetes allows 0 to 3600 seconds",
    )?;
    let behavior = raw.behavior.as_ref();
    let bp = |f| join(path, &[key("behavior"), key(f)]);
    let given_down = behavior.and_then(|b| b.scale_down.as_ref());
    if raw.scale_down_stabilization_window.is_some()
        && given_down.is_some_and(|d| d.stabilization_window_seconds.is_some())
    {
        return Err(cx.err(
            &p("scale_down_stabilization_window"),
            "the scale-down window is given twice",
            "keep behavior.scale_down.stabilization_window_seconds (as in a manifest) and \
             remove scale_down_stabilization_window",
        ));
    }
    let scale_down = rules(
        cx,
        &bp("scale_down"),
        given_down,
        HpaScalingRules::default_scale_down(window),
    )?;
    let given_up = behavior.and_then(|b| b.scale_up.as_ref());
    let mut up_default = HpaScalingRules::default_scale_up();
    if raw.scale_up_percent.is_some() || raw.scale_up_pods.is_some() {
        let field = if raw.scale_up_pods.is_some() {
            "scale_up_pods"
        } else {
            "scale_up_percent"
        };
        if given_up.is_some() {
            return Err(cx.err(
                &p(field),
                "scale-up limits are given twice",
                "keep behavior.scale_up.policies (as in a manifest) and remove scale_up_percent \
                 and scale_up_pods",
            ));
        }
        // The older shorthands: the default scale-up policies with other values.
        let pods = cx.int_in(
            &p("scale_up_pods"),
            raw.scale_up_pods.unwrap_or(4),
            1,
            i64::from(i32::MAX),
            " pods per 15 s",
        )?;
        let percent = raw.scale_up_percent.map_or(100.0, |w| w.0);
        if !(percent.is_finite() && percent >= 1.0 && percent.fract() == 0.0) {
            return Err(cx.err(
                &p("scale_up_percent"),
                format!("value {percent} is not allowed"),
                "allowed: a whole number of percent, 1 or more",
            ));
        }
        up_default.policies[0].value = pods;
        up_default.policies[1].value = percent.min(f64::from(i32::MAX)) as u32;
    }
    let scale_up = rules(cx, &bp("scale_up"), given_up, up_default)?;
    let cfg = HpaConfig {
        average_utilization,
        tolerance,
        sync_period,
        cpu_initialization_period,
        scale_up,
        scale_down,
    };
    Ok((PolicySpec::Hpa(cfg), min, max))
}

/// One direction's `HPAScalingRules`, defaults filled in where a field is absent.
fn rules(
    cx: &Ctx,
    path: &[Step],
    raw: Option<&RawHpaScalingRules>,
    default: HpaScalingRules,
) -> Result<HpaScalingRules> {
    let Some(raw) = raw else { return Ok(default) };
    let p = |f| join(path, &[key(f)]);
    let stabilization_window = match raw.stabilization_window_seconds {
        None => default.stabilization_window,
        Some(s) => SimDuration::from_secs(u64::from(cx.int_in(
            &p("stabilization_window_seconds"),
            s,
            0,
            WINDOW_MAX_S,
            " seconds",
        )?)),
    };
    let select_policy = match raw.select_policy.unwrap_or(RawSelectPolicy::Max) {
        RawSelectPolicy::Max => SelectPolicy::Max,
        RawSelectPolicy::Min => SelectPolicy::Min,
        RawSelectPolicy::Disabled => SelectPolicy::Disabled,
    };
    let policies = match &raw.policies {
        None => default.policies,
        Some(list) if list.is_empty() => {
            return Err(cx.err(
                &p("policies"),
                "the list is empty",
                "give at least one { type = \"Pods\" or \"Percent\", value = ..., \
                 period_seconds = ... }, or leave policies out for Kubernetes' defaults",
            ));
        }
        Some(list) => {
            let mut out = Vec::with_capacity(list.len());
            for (i, pol) in list.iter().enumerate() {
                let pp = |f| join(path, &[key("policies"), index(i), key(f)]);
                let value = cx.int_in(&pp("value"), pol.value, 1, i64::from(i32::MAX), "")?;
                let period = cx.int_in(
                    &pp("period_seconds"),
                    pol.period_seconds,
                    1,
                    PERIOD_MAX_S,
                    " seconds",
                )?;
                out.push(HpaScalingPolicy {
                    kind: match pol.kind {
                        RawHpaPolicyType::Pods => PolicyType::Pods,
                        RawHpaPolicyType::Percent => PolicyType::Percent,
                    },
                    value,
                    period: SimDuration::from_secs(u64::from(period)),
                });
            }
            out
        }
    };
    Ok(HpaScalingRules {
        stabilization_window,
        select_policy,
        policies,
    })
}
