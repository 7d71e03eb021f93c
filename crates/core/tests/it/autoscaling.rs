//! Autoscaled fleets end to end: how fast target tracking reacts to a traffic step, that it
//! scales in only after 15 low periods and does not flap, and that an HPA holds steady.

use crate::common::run_one;
use scalesim_core::metrics::IntervalRow;

fn period_ending(timeseries: &[IntervalRow], end_s: f64) -> &IntervalRow {
    timeseries
        .iter()
        .find(|p| p.end_s == end_s)
        .unwrap_or_else(|| panic!("no period ends at {end_s}"))
}

/// 10 req/s for 30 minutes, then 100 req/s. Requests take 100 ms; an instance runs 4 at once,
/// so it serves at most 40 req/s. Target: 900 requests per target per minute (15 req/s).
///
/// Worked out:
/// - Before the step a single instance sees ~600/min: below 900, no scale-out; below the
///   scale-in threshold 0.9 × 900 = 810 too, but ceil(1 × 600/900) = 1 = min: nothing.
/// - The step is at 1,800 s. Periods end at 1,860, 1,920 and 1,980 s with ~6,000 requests on one
///   target: the 3-of-3 alarm fires at 1,980 s — within the alarm window (180 s) plus one period
///   of the step — and sets desired = ceil(1 × ~6,000 / 900) = 7 (5,770–6,230 at ±3σ: always 7).
/// - Boot is 60 s: the six new instances are in service at 2,040 s.
/// - Meanwhile one instance serves 40 of 100 req/s: the queue fills to its 30 s timeout, so the
///   p99 of the minute ending 1,980 s is tens of seconds. From 2,040 s seven instances drain
///   the queue in ~10 s; the minute ending 2,100 s still completes requests that waited; the
///   minute ending 2,160 s has none: its p99 is the bare 100 ms service time.
/// - Afterwards 100/7 ≈ 857/min per target: neither above 900 nor below 810. No more activity.
#[test]
fn target_tracking_follows_a_traffic_step_within_its_alarm_window() {
    let v = run_one(
        r#"
name = "step"
seed = 1
horizon = "50m"
[traffic]
arrivals = { process = "steps", steps = [{ at = "0s", rate_per_s = 10 }, { at = "30m", rate_per_s = 100 }] }
[traffic.request]
duration = { dist = "constant", ms = 100 }
cpu_fraction = 0.2
memory_mb = 256
[[variant]]
name = "tt"
platform = "ec2"
instance_type = "c7g.large"
slots = 4
queue_timeout = "30s"
boot_time = { dist = "constant", ms = 60000 }
autoscaling = { policy = "target_tracking", predefined_metric_type = "ALBRequestCountPerTarget", target_value = 900, min_size = 1, max_size = 20 }
"#,
    );
    let acts = &v.scaling_activities;
    assert_eq!(acts.len(), 1, "{acts:?}");
    let first = &acts[0];
    assert!(
        first.at_s > 1_800.0 && first.at_s <= 1_800.0 + 180.0 + 60.0,
        "{first:?}"
    );
    assert_eq!((first.from, first.to), (1, 7));
    let t = &v.timeseries;
    assert!(
        period_ending(t, first.at_s).p99_ms.unwrap() > 10_000.0,
        "overload not visible"
    );
    let serving = period_ending(t, first.at_s + 60.0);
    assert!(serving.in_service + serving.idle >= 7, "{serving:?}");
    let recovered = period_ending(t, first.at_s + 180.0);
    assert!(recovered.p99_ms.unwrap() < 150.0, "{recovered:?}");
    assert!(
        t.iter()
            .all(|p| p.end_s >= first.at_s || p.desired == Some(1))
    );
    assert!(v.requests.is_conserved());
}

/// 50 req/s of 100 ms requests on 8 instances: ~375 requests per target per minute, below the
/// scale-in threshold 810 from the first period. Scale-in needs 15 low periods in a row: it
/// happens at 15 × 60 = 900 s, not before, to ceil(8 × 375/900) = ceil(3.3) = 4. At 4 instances
/// ~750/min is still below 810, but ceil(4 × 750/900) = 4: no further change. One action in an
/// hour of steady traffic.
#[test]
fn scale_in_waits_for_fifteen_low_periods_and_steady_traffic_does_not_flap() {
    let v = run_one(
        r#"
name = "steady"
seed = 3
horizon = "1h"
[traffic]
arrivals = { process = "poisson", rate_per_s = 50 }
[traffic.request]
duration = { dist = "constant", ms = 100 }
cpu_fraction = 0.2
memory_mb = 256
[[variant]]
name = "tt"
platform = "ec2"
instance_type = "c7g.large"
count = 8
slots = 4
boot_time = { dist = "constant", ms = 60000 }
autoscaling = { policy = "target_tracking", predefined_metric_type = "ALBRequestCountPerTarget", target_value = 900, min_size = 1, max_size = 20 }
"#,
    );
    let acts = &v.scaling_activities;
    assert_eq!(acts.len(), 1, "{acts:?}");
    assert_eq!(acts[0].at_s, 900.0);
    assert_eq!((acts[0].from, acts[0].to), (8, 4));
    // Four instances were billed from 0 to 900 s (plus draining, at most 100 ms), four to 3600 s.
    let mean = v.capacity.mean_instances;
    let expected = (4.0 * 900.0 + 4.0 * 3_600.0) / 3_600.0;
    assert!((mean - expected).abs() < 0.001, "{mean} vs {expected}");
}

/// An HPA on CPU: 50 req/s × 50 ms of CPU = 2.5 cores; c7g.large has 2 vCPUs, target 50 %: three
/// pods run at 2.5/6 = 42 %, ratio 0.83, ceil(3 × 0.83) = 3. Per 15 s period the ratio moves
/// ±0.03, never enough to change ceil(). An hour at steady load: no action at all.
#[test]
fn hpa_holds_steady_traffic_without_flapping() {
    let v = run_one(
        r#"
name = "hpa"
seed = 9
horizon = "1h"
[traffic]
arrivals = { process = "poisson", rate_per_s = 50 }
[traffic.request]
duration = { dist = "constant", ms = 100 }
cpu_fraction = 0.5
memory_mb = 256
[[variant]]
name = "hpa"
platform = "ec2"
instance_type = "c7g.large"
count = 3
slots = 4
autoscaling = { policy = "hpa", average_utilization = 50, min_replicas = 1, max_replicas = 10 }
"#,
    );
    assert!(
        v.scaling_activities.is_empty(),
        "{:?}",
        v.scaling_activities
    );
    assert!((v.capacity.mean_utilisation - 2.5 / 6.0).abs() < 0.01);
}

/// The HPA doubles a saturated deployment each sync period (max(100 %, 4 pods)) until the CPU
/// ratio is back within tolerance: from 1 pod at ~10 req/s to 100 req/s of 50 ms CPU needs
/// 5 cores → 5 pods at 50 % of 2 vCPUs.
#[test]
fn hpa_scales_out_on_a_step() {
    let v = run_one(
        r#"
name = "hpa-step"
seed = 2
horizon = "20m"
[traffic]
arrivals = { process = "steps", steps = [{ at = "0s", rate_per_s = 10 }, { at = "5m", rate_per_s = 100 }] }
[traffic.request]
duration = { dist = "constant", ms = 100 }
cpu_fraction = 0.5
memory_mb = 256
[[variant]]
name = "hpa"
platform = "ec2"
instance_type = "c7g.large"
count = 1
slots = 8
boot_time = { dist = "constant", ms = 30000 }
autoscaling = { policy = "hpa", average_utilization = 50, min_replicas = 1, max_replicas = 20 }
"#,
    );
    let acts = &v.scaling_activities;
    assert!(!acts.is_empty());
    assert!(
        acts[0].at_s > 300.0 && acts[0].at_s <= 300.0 + 30.0,
        "{acts:?}"
    );
    let last = v.timeseries.last().unwrap();
    assert!(
        (5..=7).contains(&last.desired.unwrap()),
        "{last:?} after {acts:?}"
    );
}

/// The shipped daily-cycle scenario: over two days the target-tracking fleet costs less than
/// the fixed fleet sized for the peak, and both keep p99 and failures within the scenario's SLO.
#[test]
fn shipped_daily_cycle_target_tracking_beats_the_peak_sized_fleet_within_the_slo() {
    let path = crate::common::manifest_dir().join("scenarios/daily-cycle.toml");
    let s = crate::common::load(&path);
    let slo = s.slo.expect("the scenario states an SLO");
    let r = crate::common::run(&s);
    let by_name = |n: &str| r.variants.iter().find(|v| v.name == n).unwrap();
    let fixed = by_name("ec2-fixed-4x-c7g.large");
    let scaled = by_name("ec2-target-tracking");
    assert!(scaled.cost.total_usd < fixed.cost.total_usd);
    assert!(scaled.latency_ms.p99_ms <= slo.p99_ms.unwrap());
    assert_eq!(scaled.slo_met, Some(true));
    assert_eq!(fixed.slo_met, Some(true));
    assert!(!scaled.scaling_activities.is_empty());
}

/// Scheduled actions run daily at their time, whatever the load: a fixed fleet of 2 goes to 5 at
/// 08:00 and back to 2 at 20:00, two days running: four actions at 8 h, 20 h, 32 h and 44 h.
/// Instances launched at 08:00 and drained at 20:00 add 3 × 12 h a day: mean
/// (2 × 48 + 3 × 24) / 48 = 3.5 instances.
#[test]
fn scheduled_actions_run_every_day_at_their_time() {
    let v = run_one(
        r#"
name = "scheduled"
horizon = "2d"
[traffic]
arrivals = { process = "poisson", rate_per_s = 1 }
[traffic.request]
duration = { dist = "constant", ms = 50 }
[[variant]]
name = "office-hours"
platform = "ec2"
instance_type = "t3.small"
count = 2
slots = 4
boot_time = { dist = "constant", ms = 0 }
[[variant.schedule]]
at = "08:00"
desired_capacity = 5
[[variant.schedule]]
at = "20:00"
desired_capacity = 2
"#,
    );
    let at: Vec<(f64, u32, u32)> = v
        .scaling_activities
        .iter()
        .map(|a| (a.at_s / 3_600.0, a.from, a.to))
        .collect();
    assert_eq!(
        at,
        vec![(8.0, 2, 5), (20.0, 5, 2), (32.0, 2, 5), (44.0, 5, 2)]
    );
    assert!(
        (v.capacity.mean_instances - 3.5).abs() < 1e-3,
        "{}",
        v.capacity.mean_instances
    );
}

/// Step scaling on CPU: alarm at 60 % for 1 period, +1 instance for a breach under 20 points,
/// +3 beyond. 1 instance (2 vCPUs) hit by 100 req/s of 40 ms CPU (4 cores of demand) is
/// saturated: CPU 100 % is 40 points over the threshold, so the first action adds 3 (1 → 4),
/// and while those warm the policy adds nothing more for the same breach.
#[test]
fn step_scaling_picks_the_step_by_breach_size() {
    let v = run_one(
        r#"
name = "step-scaling"
seed = 4
horizon = "15m"
[traffic]
arrivals = { process = "steps", steps = [{ at = "0s", rate_per_s = 5 }, { at = "5m", rate_per_s = 100 }] }
[traffic.request]
duration = { dist = "constant", ms = 50 }
cpu_fraction = 0.8
[[variant]]
name = "step"
platform = "ec2"
instance_type = "c7g.large"
slots = 8
boot_time = { dist = "constant", ms = 60000 }
[variant.autoscaling]
policy = "step"
predefined_metric_type = "ASGAverageCPUUtilization"
min_size = 1
max_size = 10
scale_out = { threshold = 60, evaluation_periods = 1, step_adjustments = [{ metric_interval_lower_bound = 0, metric_interval_upper_bound = 20, scaling_adjustment = 1 }, { metric_interval_lower_bound = 20, scaling_adjustment = 3 }] }
"#,
    );
    let acts = &v.scaling_activities;
    assert!(!acts.is_empty());
    assert_eq!((acts[0].from, acts[0].to), (1, 4), "{acts:?}");
    assert!(acts[0].at_s > 300.0 && acts[0].at_s <= 360.0);
    // No further addition for the same breach while the three new instances warm (300 s).
    assert!(
        acts.iter().skip(1).all(|a| a.at_s >= acts[0].at_s + 300.0),
        "{acts:?}"
    );
}

/// The fleet present at time zero is already running, not warming: overloaded from the start,
/// target tracking has CPU datapoints from the first minute and scales out when its 3-of-3
/// alarm completes, at 180 s (it once waited out a 300 s warm-up first).
#[test]
fn the_initial_fleet_is_not_warming() {
    let v = run_one(
        r#"
name = "overloaded-from-the-start"
seed = 6
horizon = "10m"
[traffic]
arrivals = { process = "poisson", rate_per_s = 100 }
[traffic.request]
duration = { dist = "constant", ms = 100 }
cpu_fraction = 0.5
[[variant]]
name = "tt"
platform = "ec2"
instance_type = "m7g.large"
count = 2
slots = 16
autoscaling = { policy = "target_tracking", predefined_metric_type = "ASGAverageCPUUtilization", target_value = 50, min_size = 2, max_size = 20 }
"#,
    );
    assert!(v.timeseries[0].utilisation.is_some());
    assert_eq!(
        v.scaling_activities[0].at_s, 180.0,
        "{:?}",
        v.scaling_activities
    );
}

// ---------------------------------------------------------------------------------------------
// Autoscalers exactly as the providers document them (issue 10, item 3).
// ---------------------------------------------------------------------------------------------

fn activities(v: &scalesim_core::results::VariantReport) -> Vec<(f64, u32, u32)> {
    v.scaling_activities
        .iter()
        .map(|a| (a.at_s, a.from, a.to))
        .collect()
}

/// `../shared/cases/hpa-window-zero.toml`. Kubernetes documentation, "Stabilization window":
/// the window is 0–3,600 s; with 0 the current recommendation is acted on at once.
///
/// m7g.large: 2 vCPUs at the reference speed; a request is 50 ms of one core. 40 req/s is
/// 40 × 0.05 = 2 cores: the single pod runs at ~100 % of its 2 vCPUs, target 50 %.
/// - 15 s: ratio 100/50 = 2 → ceil(2 × 1) = 2 (the default scale-up limit max(1 + 4, 2 × 1)
///   and max_replicas 2 allow it): 1 → 2. The new pod boots 5 s: ready at 20 s.
/// - 30 s: the new pod became ready 10 s ago, less than one metric window (the 15 s sync
///   period) within its 5-minute CPU initialisation: it is not ready yet for the HPA. The old
///   pod ran 15–20 s alone (~2 cores × 5 s = 10 core-s), 20–25 s sharing the load (≥ 1 core ×
///   5 s) and little after: 15–18 core-s of 30 = 50–60 %, ratio 1.0–1.2. Within the
///   tolerance: nothing; above it, the not-ready pod counts at 0 %: ratio 0.5–0.6 < 1, the
///   direction flips: nothing.
/// - 45 s: both pods ready and idle (0.01 req/s): ratio ≈ 0 → 0 replicas, floored at
///   min_replicas 1. With a 0 s window nothing older holds it up, and the scale-down policy
///   (100 % per 15 s) allows it: 2 → 1.
///
/// Nothing more happens in the 5 minutes: 1 pod at ~0 % stays at min_replicas.
#[test]
fn hpa_with_a_zero_window_removes_the_surplus_pod_at_the_next_sync() {
    let v = run_one(
        r#"
name = "hpa-window-zero"
horizon = "5m"
seed = 1
[traffic]
arrivals = { process = "steps", steps = [{ at = "0s", rate_per_s = 40 }, { at = "25s", rate_per_s = 0.01 }] }
[traffic.request]
duration = { dist = "constant", ms = 50 }
cpu_fraction = 1.0
memory_mb = 64
[[variant]]
name = "hpa-window-0s"
platform = "ec2"
instance_type = "m7g.large"
slots = 16
load_balancer = false
boot_time = { dist = "constant", ms = 5000 }
deregistration_delay = "0s"
autoscaling = { policy = "hpa", average_utilization = 50, min_replicas = 1, max_replicas = 2, sync_period = "15s", scale_down_stabilization_window = "0s" }
"#,
    );
    assert_eq!(activities(&v), vec![(15.0, 1, 2), (45.0, 2, 1)]);
}

/// The same fleet with the default 300 s window: the recommendation of 2 made at 15 s holds
/// the second pod until it leaves the window. Recommendations are kept for times t with
/// t + 300 > now, so the 30 s recommendation (2, the current count, as the ratio was within
/// the tolerance or flipped) is the last to expire: at 330 s all recommendations in the window
/// are 1 → 2 → 1 at 330 s.
#[test]
fn hpa_default_window_keeps_the_pod_for_300_s_after_the_last_high_recommendation() {
    let v = run_one(
        r#"
name = "hpa-window-default"
horizon = "10m"
seed = 1
[traffic]
arrivals = { process = "steps", steps = [{ at = "0s", rate_per_s = 40 }, { at = "25s", rate_per_s = 0.01 }] }
[traffic.request]
duration = { dist = "constant", ms = 50 }
[[variant]]
name = "hpa"
platform = "ec2"
instance_type = "m7g.large"
slots = 16
load_balancer = false
boot_time = { dist = "constant", ms = 5000 }
deregistration_delay = "0s"
autoscaling = { policy = "hpa", average_utilization = 50, min_replicas = 1, max_replicas = 2 }
"#,
    );
    assert_eq!(activities(&v), vec![(15.0, 1, 2), (330.0, 2, 1)]);
}

/// `../shared/cases/step-scaling-aws-example.toml`: AWS's own example (EC2 Auto Scaling user
/// guide, "Step and simple scaling policies", "Step adjustments" and "Instance warmup"), its
/// policy as written — the first step's adjustment is 0.
///
/// c7g.large: 2 vCPUs; a request is 10 ms of one core; 10 instances = 20 vCPUs.
/// - 0–5 min, 800 req/s = 8 cores: 40 %. Neither above 50 nor below 30: nothing.
/// - 5–6 min, 1,300 req/s = 13 cores: 65 %, 15 points above 50: the [10, 20) step, +10 % of
///   the 10 instances = 1 → desired 11 at 360 s. The instance boots 60 s: in service at
///   420 s, and its 300 s warm-up counts from then: warming until 720 s.
/// - 7–10 min: 13 cores over 11 instances = 59 %, 9 points: the [0, 10) step, 0 — nothing.
/// - 10–11 min, 1,800 req/s = 18 cores over 22 vCPUs: 82 %, 32 points: the [20, ∞) step,
///   +30 % of the current capacity, which leaves out the warming instance: 30 % of 10 = 3 →
///   desired 13 at 660 s (had the warm-up counted from launch, the instance would be warm at
///   660 s and 30 % of 11 = 3.3 → 3 → 14).
/// - 12 min: the first new instance is warm (720 s); the two launched at 660 s are warming.
///   The metric of 11–12 min is still 82 %: 30 % of 11 counted = 3 → 14 > 13: one more. AWS's
///   rule, followed one step further than its example goes.
#[test]
fn step_scaling_follows_aws_example_with_warm_up_from_in_service() {
    let v = run_one(
        r#"
name = "step-scaling-aws-example"
horizon = "13m"
seed = 10
[traffic]
arrivals = { process = "steps", steps = [
  { at = "0s", rate_per_s = 800 }, { at = "5m", rate_per_s = 1300 }, { at = "10m", rate_per_s = 1800 } ] }
[traffic.request]
duration = { dist = "constant", ms = 10 }
cpu_fraction = 1.0
memory_mb = 64
[[variant]]
name = "asg-step"
platform = "ec2"
instance_type = "c7g.large"
count = 10
slots = 32
load_balancer = false
boot_time = { dist = "constant", ms = 60000 }
[variant.autoscaling]
policy = "step"
predefined_metric_type = "ASGAverageCPUUtilization"
min_size = 1
max_size = 30
instance_warmup = "300s"
scale_out = { threshold = 50, evaluation_periods = 1, adjustment_type = "PercentChangeInCapacity",
              step_adjustments = [{ metric_interval_lower_bound = 0, metric_interval_upper_bound = 10, scaling_adjustment = 0 },
                                  { metric_interval_lower_bound = 10, metric_interval_upper_bound = 20, scaling_adjustment = 10 },
                                  { metric_interval_lower_bound = 20, scaling_adjustment = 30 }] }
scale_in = { threshold = 30, evaluation_periods = 15,
             step_adjustments = [{ metric_interval_upper_bound = 0, scaling_adjustment = -1 }] }
"#,
    );
    assert_eq!(
        activities(&v),
        vec![(360.0, 10, 11), (660.0, 11, 13), (720.0, 13, 14)]
    );
    // The reason states the metric and the threshold in percent and the step taken.
    let reason = &v.scaling_activities[1].reason;
    assert!(
        reason.contains("above 50 % (step +30 %) over 10 instances"),
        "{reason}"
    );
}

/// Simple scaling (`policy = "simple"`): after an activity the group waits until it completes
/// (the new instance in service) and then the cooldown before any simple policy acts again.
///
/// c7g.large (2 vCPUs); 300 req/s × 10 ms = 3 cores.
/// - 1 instance is saturated (100 % > 70 %): at 60 s, +1 → 2. In service at 120 s (boot 60 s).
/// - Default cooldown 300 s: nothing until 420 s though 2 instances run at 3/4 = 75 % > 70 %.
///   At 420 s: +1 → 3, in service at 480 s, cooldown until 780 s.
/// - 3 instances: 3/6 = 50 %: below 70, above the scale-in threshold 20: nothing more.
///
/// With the policy's own `cooldown = "60s"`: 60 s → 2, in service 120 s, cooldown ends
/// 180 s → 3 at 180 s.
#[test]
fn simple_scaling_waits_for_the_activity_and_its_cooldown() {
    let fleet = |name: &str, extra: &str| {
        format!(
            r#"
[[variant]]
name = "{name}"
platform = "ec2"
instance_type = "c7g.large"
slots = 32
load_balancer = false
boot_time = {{ dist = "constant", ms = 60000 }}
[variant.autoscaling]
policy = "simple"
predefined_metric_type = "ASGAverageCPUUtilization"
min_size = 1
max_size = 10
scale_out = {{ threshold = 70, evaluation_periods = 1, adjustment_type = "ChangeInCapacity", scaling_adjustment = 1{extra} }}
scale_in = {{ threshold = 20, evaluation_periods = 5, scaling_adjustment = -1 }}
"#
        )
    };
    let text = format!(
        r#"
name = "simple"
horizon = "15m"
seed = 3
[traffic]
arrivals = {{ process = "poisson", rate_per_s = 300 }}
[traffic.request]
duration = {{ dist = "constant", ms = 10 }}
{}{}"#,
        fleet("default-cooldown", ""),
        fleet("cooldown-60s", ", cooldown = \"60s\"")
    );
    let r = crate::common::run(&crate::common::scenario(&text));
    assert_eq!(
        activities(&r.variants[0]),
        vec![(60.0, 1, 2), (420.0, 2, 3)]
    );
    assert_eq!(
        activities(&r.variants[1]),
        vec![(60.0, 1, 2), (180.0, 2, 3)]
    );
}

/// Percentages are percentages in every scaling reason: the 50 % target reads "50 %", the
/// metric "CPU 99.8 %" — never 0.5 or 0.998.
#[test]
fn scaling_reasons_show_cpu_in_percent() {
    let v = run_one(
        r#"
name = "reasons"
horizon = "4m"
seed = 2
[traffic]
arrivals = { process = "poisson", rate_per_s = 100 }
[traffic.request]
duration = { dist = "constant", ms = 100 }
[[variant]]
name = "tt"
platform = "ec2"
instance_type = "m7g.large"
count = 2
slots = 16
autoscaling = { policy = "target_tracking", predefined_metric_type = "ASGAverageCPUUtilization", target_value = 50, min_size = 2, max_size = 20 }
"#,
    );
    let reason = &v.scaling_activities[0].reason;
    assert!(reason.contains("target 50 %"), "{reason}");
    // 10 cores of demand on 4 vCPUs: saturated, shown as a percentage near 100.
    let cpu: f64 = reason
        .strip_prefix("CPU ")
        .and_then(|r| r.split(" %").next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{reason}"));
    assert!(cpu > 90.0, "{reason}");
}

/// A CPU target of 1 or less is almost certainly a fraction typed for a percentage: the
/// scenario is accepted (0.5 % is a legal target) but warns, naming the file, line and field.
#[test]
fn a_fractional_cpu_target_warns_with_its_location() {
    let s = crate::common::scenario(
        r#"
name = "fraction"
horizon = "1m"
[traffic]
arrivals = { process = "poisson", rate_per_s = 1 }
[traffic.request]
duration = { dist = "constant", ms = 10 }
[[variant]]
name = "tt"
platform = "ec2"
instance_type = "m7g.large"
slots = 4
autoscaling = { policy = "target_tracking", predefined_metric_type = "ASGAverageCPUUtilization", target_value = 0.6, min_size = 1, max_size = 4 }
"#,
    );
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    let w = &s.warnings[0];
    assert!(w.starts_with("test.toml:13:"), "{w}");
    assert!(w.contains("variant[0].autoscaling.target_value"), "{w}");
    assert!(w.contains("0.6 % CPU, not 60 %"), "{w}");
    let r = crate::common::run(&s);
    assert_eq!(r.warnings, s.warnings);
}

mod hpa_behavior {
    //! The examples of the Kubernetes documentation's "Configurable scaling behavior" section
    //! (kubernetes/website `content/en/docs/tasks/run-application/horizontal-pod-autoscale.md`),
    //! driven sync by sync: every 15 s the pods run at a CPU that recommends `want` replicas.

    use scalesim_core::autoscale::{
        Capacity, Decision, Hpa, HpaConfig, HpaScalingPolicy, HpaScalingRules, Observation,
        PodSample, Policy, PolicyType, SelectPolicy,
    };
    use scalesim_core::engine::{SimDuration, SimTime};

    fn policy(kind: PolicyType, value: u32, period_s: u64) -> HpaScalingPolicy {
        HpaScalingPolicy {
            kind,
            value,
            period: SimDuration::from_secs(period_s),
        }
    }

    /// Run syncs every 15 s from 600 s (every pod past its initialisation) for `seconds`,
    /// starting at `current` replicas, the load recommending `want`; the replica count after
    /// each sync.
    fn run(cfg: HpaConfig, current: u32, want: u32, seconds: u64) -> Vec<u32> {
        let mut hpa = Hpa::new(cfg.clone());
        let mut current = current;
        let mut out = Vec::new();
        for sync in 0..=seconds / 15 {
            let now = SimTime::ZERO + SimDuration::from_secs(600 + 15 * sync);
            // Each pod at a CPU such that ceil(current × cpu / target) = want exactly.
            let cpu = cfg.average_utilization * f64::from(want) / f64::from(current);
            let pods = vec![
                PodSample {
                    started: SimTime::ZERO,
                    ready_since: Some(SimTime::ZERO),
                    cpu_utilisation: Some(cpu),
                };
                current as usize
            ];
            let obs = Observation {
                now,
                capacity: Capacity {
                    desired: current,
                    in_service: current,
                    min: 1,
                    max: 1_000,
                    ..Capacity::default()
                },
                history: &[],
                pods: &pods,
            };
            if let Decision::SetDesired { desired, .. } = hpa.decide(&obs) {
                current = desired;
            }
            out.push(current);
        }
        out
    }

    /// The count after each minute (every 4th sync, from the first).
    fn per_minute(counts: &[u32]) -> Vec<u32> {
        counts.iter().step_by(4).copied().collect()
    }

    fn config() -> HpaConfig {
        HpaConfig::with_defaults(0.5)
    }

    /// "Scaling policies": Pods 4 per 60 s and Percent 10 per 60 s, the larger change chosen.
    /// "if there are 80 replicas and the target has to be scaled down to 10 replicas then during
    /// the first step 8 replicas will be reduced. In the next iteration when the number of
    /// replicas is 72, 10% of the pods is 7.2 but the number is rounded up to 8 … When the number
    /// of replicas falls below 40 the first policy (Pods) is applied and 4 replicas will be
    /// reduced at a time."
    /// Per minute (a removal counts against its policies for 60 s): 80 − max(4, 8) = 72;
    /// 72 − max(4, ⌈7.2⌉) = 64; 64 − ⌈6.4⌉ = 57; 57 − ⌈5.7⌉ = 51; 51 − ⌈5.1⌉ = 45;
    /// 45 − ⌈4.5⌉ = 40; 40 − 4 = 36; 36 − max(4, ⌈3.6⌉) = 32; 28; 24; 20; 16; 12; then 12 − 4
    /// = 8 is below the recommendation: 10.
    #[test]
    fn scale_down_policies_pods_and_percent() {
        let mut cfg = config();
        cfg.scale_down.policies = vec![
            policy(PolicyType::Pods, 4, 60),
            policy(PolicyType::Percent, 10, 60),
        ];
        let counts = run(cfg, 80, 10, 15 * 60);
        assert_eq!(
            per_minute(&counts),
            vec![
                72, 64, 57, 51, 45, 40, 36, 32, 28, 24, 20, 16, 12, 10, 10, 10
            ]
        );
        // Within a minute of a removal nothing more goes: the sync 15 s after the first still
        // shows 72.
        assert_eq!(counts[1], 72);
    }

    /// "Example: limit scale down rate": Percent 10 per 60 s and Pods 5 per 60 s with
    /// `selectPolicy: Min` — "no more than 5 Pods are removed per minute". From 80: the
    /// proposals are 72 (10 %) and 75 (5 pods); Min picks the smaller change: 75, then 70, 65…
    /// From 30: 27 (10 %) vs 25: 27.
    #[test]
    fn limit_scale_down_rate_with_select_policy_min() {
        let mut cfg = config();
        cfg.scale_down.policies = vec![
            policy(PolicyType::Percent, 10, 60),
            policy(PolicyType::Pods, 5, 60),
        ];
        cfg.scale_down.select_policy = SelectPolicy::Min;
        assert_eq!(per_minute(&run(cfg.clone(), 80, 10, 120)), vec![75, 70, 65]);
        assert_eq!(run(cfg, 30, 10, 0), vec![27]);
    }

    /// "Example: disable scale down": `selectPolicy: Disabled` — the replicas never go down.
    #[test]
    fn disabled_scale_down_never_removes_a_pod() {
        let mut cfg = config();
        cfg.scale_down.select_policy = SelectPolicy::Disabled;
        assert!(run(cfg, 20, 2, 600).iter().all(|&n| n == 20));
    }

    /// "Default behavior", scale-up: "4 pods or a 100% of the currently running replicas may
    /// at most be added every 15 seconds". From 2 replicas wanting 40: max(2 + 4, 2 × 2) = 6,
    /// then max(10, 12) = 12, 24, then 40 (below 48).
    #[test]
    fn default_scale_up_adds_the_larger_of_4_pods_and_100_percent_per_15_s() {
        assert_eq!(run(config(), 2, 40, 60), vec![6, 12, 24, 40, 40]);
    }

    /// "Stabilization window" / "Example: change downscale stabilization window" (60 s): the
    /// highest recommendation of the last 60 s is used. At 600 s the load recommends 10 (the
    /// current count), then 4 from 615 s on: the 600 s recommendation stays in the window until
    /// 660 s (600 + 60 is not after 660): 10 → 4 at 660 s, the fifth sync. (The 100 %-per-15 s
    /// scale-down policy allows the whole change.)
    #[test]
    fn a_60_s_downscale_window_holds_the_highest_recommendation_for_60_s() {
        let mut cfg = config();
        cfg.scale_down.stabilization_window = SimDuration::from_secs(60);
        let mut hpa = Hpa::new(cfg.clone());
        let mut counts = Vec::new();
        let mut current = 10;
        for (sync, want) in [10u32, 4, 4, 4, 4, 4].into_iter().enumerate() {
            let now = SimTime::ZERO + SimDuration::from_secs(600 + 15 * sync as u64);
            let cpu = cfg.average_utilization * f64::from(want) / f64::from(current);
            let pods = vec![
                PodSample {
                    started: SimTime::ZERO,
                    ready_since: Some(SimTime::ZERO),
                    cpu_utilisation: Some(cpu),
                };
                current as usize
            ];
            let obs = Observation {
                now,
                capacity: Capacity {
                    desired: current,
                    in_service: current,
                    min: 1,
                    max: 100,
                    ..Capacity::default()
                },
                history: &[],
                pods: &pods,
            };
            if let Decision::SetDesired { desired, .. } = hpa.decide(&obs) {
                current = desired;
            }
            counts.push(current);
        }
        assert_eq!(counts, vec![10, 10, 10, 10, 4, 4]);
    }

    /// Kubernetes' defaults are the documented "Default behavior".
    #[test]
    fn defaults_are_the_documented_default_behavior() {
        let cfg = config();
        assert_eq!(
            cfg.scale_down.stabilization_window,
            SimDuration::from_secs(300)
        );
        assert_eq!(
            cfg.scale_down.policies,
            vec![policy(PolicyType::Percent, 100, 15)]
        );
        assert_eq!(cfg.scale_up.stabilization_window, SimDuration::ZERO);
        assert_eq!(cfg.scale_up.select_policy, SelectPolicy::Max);
        assert_eq!(
            cfg.scale_up.policies,
            vec![
                policy(PolicyType::Pods, 4, 15),
                policy(PolicyType::Percent, 100, 15)
            ]
        );
        assert_eq!(cfg.scale_up, HpaScalingRules::default_scale_up());
    }
}

/// A `behavior` copied from an HPA manifest, each name in snake_case, gives the same rules as
/// the manifest: here the documentation's "limit scale down rate" example and a scale-up
/// window of 60 s.
#[test]
fn an_hpa_manifest_behavior_maps_one_to_one() {
    use scalesim_core::autoscale::{HpaScalingPolicy, PolicySpec, PolicyType, SelectPolicy};
    use scalesim_core::engine::SimDuration;
    use scalesim_core::offering::ec2::Ec2Spec;
    let s = crate::common::scenario(
        r#"
name = "manifest"
horizon = "1m"
[traffic]
arrivals = { process = "poisson", rate_per_s = 1 }
[traffic.request]
duration = { dist = "constant", ms = 10 }
[[variant]]
name = "k8s"
platform = "ec2"
instance_type = "m7g.large"
slots = 4
[variant.autoscaling]
policy = "hpa"
min_replicas = 2
max_replicas = 20
average_utilization = 60
[variant.autoscaling.behavior.scale_down]
stabilization_window_seconds = 120
policies = [{ type = "Percent", value = 10, period_seconds = 60 },
            { type = "Pods", value = 5, period_seconds = 60 }]
select_policy = "Min"
[variant.autoscaling.behavior.scale_up]
stabilization_window_seconds = 60
"#,
    );
    let Some(Ec2Spec {
        policy: PolicySpec::Hpa(cfg),
        ..
    }) = s.variants[0].platform.get::<Ec2Spec>()
    else {
        panic!("not an HPA");
    };
    assert_eq!(cfg.average_utilization, 0.6);
    assert_eq!(
        cfg.scale_down.stabilization_window,
        SimDuration::from_secs(120)
    );
    assert_eq!(cfg.scale_down.select_policy, SelectPolicy::Min);
    let minute = SimDuration::from_secs(60);
    assert_eq!(
        cfg.scale_down.policies,
        vec![
            HpaScalingPolicy {
                kind: PolicyType::Percent,
                value: 10,
                period: minute
            },
            HpaScalingPolicy {
                kind: PolicyType::Pods,
                value: 5,
                period: minute
            }
        ]
    );
    // Only the window was given for scale-up: the default policies fill the rest.
    assert_eq!(cfg.scale_up.stabilization_window, minute);
    assert_eq!(cfg.scale_up.policies.len(), 2);
}

/// Absurd values are refused with the allowed range (file, line, field, value).
#[test]
fn absurd_autoscaling_values_are_refused_with_the_allowed_range() {
    let hpa = |extra: &str| {
        format!(
            r#"
name = "x"
horizon = "1m"
[traffic]
arrivals = {{ process = "poisson", rate_per_s = 1 }}
[traffic.request]
duration = {{ dist = "constant", ms = 10 }}
[[variant]]
name = "k"
platform = "ec2"
instance_type = "m7g.large"
slots = 4
[variant.autoscaling]
policy = "hpa"
min_replicas = 1
max_replicas = 4
average_utilization = 50
{extra}
"#
        )
    };
    let cases = [
        ("sync_period = \"1us\"", "allowed: 1s to 1h"),
        (
            "scale_down_stabilization_window = \"2h\"",
            "allowed: 0s to 1h",
        ),
        (
            "behavior = { scale_down = { stabilization_window_seconds = 3601 } }",
            "allowed: 0 to 3600 seconds",
        ),
        (
            "behavior = { scale_up = { policies = [{ type = \"Pods\", value = 4, period_seconds = 1801 }] } }",
            "allowed: 1 to 1800 seconds",
        ),
        (
            "behavior = { scale_up = { policies = [{ type = \"Pods\", value = 0, period_seconds = 15 }] } }",
            "allowed: 1 to",
        ),
        (
            "behavior = { scale_up = { policies = [] } }",
            "the list is empty",
        ),
        ("tolerance = 1.5", "less than 1"),
        ("cpu_initialization_period = \"2h\"", "allowed: 0s to 1h"),
    ];
    for (extra, expected) in cases {
        let e = scalesim_core::scenario::parse(&hpa(extra), "x.toml")
            .err()
            .unwrap_or_else(|| panic!("{extra} was accepted"))
            .to_string();
        assert!(e.contains(expected), "{extra}: {e}");
        assert!(e.starts_with("x.toml:1"), "{extra}: {e}");
    }
    let e = scalesim_core::scenario::parse(
        &hpa("").replace("min_replicas = 1", "min_replicas = 0"),
        "x.toml",
    )
    .expect_err("min_replicas = 0 accepted")
    .to_string();
    assert!(e.contains("Kubernetes requires at least 1"), "{e}");
}
