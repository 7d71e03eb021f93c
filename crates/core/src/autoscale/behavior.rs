//! The HPA's `behavior` field (autoscaling/v2 `HPAScalingRules`): per direction a stabilisation
//! window, rate-limiting policies and how to choose among them.
//!
//! Sources: Kubernetes documentation, "Horizontal Pod Autoscaling", sections "Configurable
//! scaling behavior", "Scaling policies", "Stabilization window" and "Default behavior"
//! (kubernetes/website `content/en/docs/tasks/run-application/horizontal-pod-autoscale.md`,
//! 2024); the controller, kubernetes/kubernetes `pkg/controller/podautoscaler/horizontal.go`
//! (v1.30, 2024): `calculateScaleUpLimitWithScalingRules`,
//! `calculateScaleDownLimitWithBehaviors`, `getReplicasChangePerPeriod`.

use crate::engine::{SimDuration, SimTime};

/// `HPAScalingPolicyType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyType {
    /// `Pods`: at most `value` pods per period.
    Pods,
    /// `Percent`: at most `value` % of the pods at the start of the period.
    Percent,
}

/// `ScalingPolicySelect`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectPolicy {
    /// `Max`: the policy allowing the largest change (the default).
    Max,
    /// `Min`: the policy allowing the smallest change.
    Min,
    /// `Disabled`: no scaling in this direction.
    Disabled,
}

/// `HPAScalingPolicy`: one rate limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HpaScalingPolicy {
    /// `type`.
    pub kind: PolicyType,
    /// `value` (pods or percent), more than 0.
    pub value: u32,
    /// `periodSeconds`, 1–1,800 s: how far back the changes already made count.
    pub period: SimDuration,
}

/// `HPAScalingRules` for one direction, defaults filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HpaScalingRules {
    /// `stabilizationWindowSeconds`, 0–3,600 s.
    pub stabilization_window: SimDuration,
    /// `selectPolicy`.
    pub select_policy: SelectPolicy,
    /// `policies`, at least one.
    pub policies: Vec<HpaScalingPolicy>,
}

const FIFTEEN_S: SimDuration = SimDuration::from_secs(15);

impl HpaScalingRules {
    /// Kubernetes' default `scaleUp`: no window; at most max(100 %, 4 pods) per 15 s.
    pub fn default_scale_up() -> Self {
        HpaScalingRules {
            stabilization_window: SimDuration::ZERO,
            select_policy: SelectPolicy::Max,
            policies: vec![
                HpaScalingPolicy {
                    kind: PolicyType::Pods,
                    value: 4,
                    period: FIFTEEN_S,
                },
                HpaScalingPolicy {
                    kind: PolicyType::Percent,
                    value: 100,
                    period: FIFTEEN_S,
                },
            ],
        }
    }

    /// Kubernetes' default `scaleDown`: the given window (the controller's
    /// `--horizontal-pod-autoscaler-downscale-stabilization`, 300 s); at most 100 % per 15 s.
    pub fn default_scale_down(window: SimDuration) -> Self {
        HpaScalingRules {
            stabilization_window: window,
            select_policy: SelectPolicy::Max,
            policies: vec![HpaScalingPolicy {
                kind: PolicyType::Percent,
                value: 100,
                period: FIFTEEN_S,
            }],
        }
    }

    /// The longest `periodSeconds` of the policies.
    pub fn longest_period(&self) -> SimDuration {
        self.policies
            .iter()
            .map(|p| p.period)
            .max()
            .unwrap_or(SimDuration::ZERO)
    }
}

/// A scaling the HPA made: when and how many pods it added or removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct ScaleEvent {
    pub at: SimTime,
    pub change: u32,
}

/// Pods changed by `events` strictly after `now − period` (`getReplicasChangePerPeriod`).
fn changed_within(events: &[ScaleEvent], now: SimTime, period: SimDuration) -> i64 {
    events
        .iter()
        .filter(|e| e.at + period > now)
        .map(|e| i64::from(e.change))
        .sum()
}

/// The replicas `period` ago: `current` less what was added since, plus what was removed.
fn replicas_at_period_start(
    current: u32,
    now: SimTime,
    period: SimDuration,
    ups: &[ScaleEvent],
    downs: &[ScaleEvent],
) -> i64 {
    i64::from(current) - changed_within(ups, now, period) + changed_within(downs, now, period)
}

/// The most replicas scale-up rules allow now (`calculateScaleUpLimitWithScalingRules`): per
/// policy, from the replicas at the start of its period (current − added + removed since),
/// `Pods` adds `value`, `Percent` multiplies by 1 + value/100 rounded up; `Max` takes the
/// largest, `Min` the smallest; `Disabled` allows none. Never below `current`.
pub(super) fn scale_up_limit(
    rules: &HpaScalingRules,
    current: u32,
    now: SimTime,
    ups: &[ScaleEvent],
    downs: &[ScaleEvent],
) -> u32 {
    if rules.select_policy == SelectPolicy::Disabled {
        return current;
    }
    let proposals = rules.policies.iter().map(|p| {
        let start = replicas_at_period_start(current, now, p.period, ups, downs);
        match p.kind {
            PolicyType::Pods => start + i64::from(p.value),
            PolicyType::Percent => {
                (start as f64 * (1.0 + f64::from(p.value) / 100.0)).ceil() as i64
            }
        }
    });
    let limit = match rules.select_policy {
        SelectPolicy::Min => proposals.min(),
        _ => proposals.max(),
    }
    .unwrap_or(i64::from(current));
    limit.clamp(i64::from(current), i64::from(u32::MAX)) as u32
}

/// The fewest replicas scale-down rules allow now (`calculateScaleDownLimitWithBehaviors`):
/// per policy, from the replicas at the start of its period, `Pods` removes `value`, `Percent`
/// keeps (1 − value/100) of them rounded down (so the removal rounds up); `Max` takes the
/// smallest result (the largest change), `Min` the largest; `Disabled` allows none. Never above
/// `current`.
pub(super) fn scale_down_limit(
    rules: &HpaScalingRules,
    current: u32,
    now: SimTime,
    ups: &[ScaleEvent],
    downs: &[ScaleEvent],
) -> u32 {
    if rules.select_policy == SelectPolicy::Disabled {
        return current;
    }
    let proposals = rules.policies.iter().map(|p| {
        let start = replicas_at_period_start(current, now, p.period, ups, downs);
        match p.kind {
            PolicyType::Pods => start - i64::from(p.value),
            PolicyType::Percent => (start as f64 * (1.0 - f64::from(p.value) / 100.0)) as i64,
        }
    });
    let limit = match rules.select_policy {
        SelectPolicy::Min => proposals.max(),
        _ => proposals.min(),
    }
    .unwrap_or(i64::from(current));
    limit.clamp(0, i64::from(current)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(s)
    }

    #[test]
    fn default_scale_up_allows_the_larger_of_double_and_four_more() {
        let up = HpaScalingRules::default_scale_up();
        assert_eq!(scale_up_limit(&up, 1, t(0), &[], &[]), 5);
        assert_eq!(scale_up_limit(&up, 10, t(0), &[], &[]), 20);
    }

    #[test]
    fn changes_within_the_period_count_against_the_limit() {
        let up = HpaScalingRules::default_scale_up();
        // 4 pods added at 0 s: at 10 s the period began with 6 pods → max(6 + 4, 12) = 12.
        let ups = [ScaleEvent {
            at: t(0),
            change: 4,
        }];
        assert_eq!(scale_up_limit(&up, 10, t(10), &ups, &[]), 12);
        // At 15 s the event is exactly one period old: no longer counted.
        assert_eq!(scale_up_limit(&up, 10, t(15), &ups, &[]), 20);
    }

    #[test]
    fn disabled_allows_nothing() {
        let mut down = HpaScalingRules::default_scale_down(SimDuration::ZERO);
        down.select_policy = SelectPolicy::Disabled;
        assert_eq!(scale_down_limit(&down, 10, t(0), &[], &[]), 10);
    }
}
