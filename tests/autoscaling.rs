//! Autoscaled fleets end to end: how fast target tracking reacts to a traffic step, that it
//! scales in only after 15 low periods and does not flap, and that an HPA holds steady.

mod common;

use common::run_one;
use scalesim::metrics::IntervalRow;

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
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/daily-cycle.toml");
    let s = scalesim::scenario::load(&path).unwrap();
    let slo = s.slo.expect("the scenario states an SLO");
    let r = common::run(&s);
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
