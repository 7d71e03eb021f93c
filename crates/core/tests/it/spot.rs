//! Spot interruptions: the bill of an interrupted fleet by hand, what becomes of the requests
//! running on an interrupted instance (retried or failed, none lost), the hazard's count against
//! Poisson, and a spot fleet that is never interrupted runs as on demand.

use crate::common::{run_one, scenario};

fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 1e-9,
        "{actual} is not {expected}"
    );
}

/// One m7g.large on spot at the book's ratio (us-east-1: 0.37 of $0.0816 = $0.030192 an
/// instance-hour), an interruption replayed at 1 h over a 2 h horizon, AWS's 120 s notice:
/// - instance 0 runs 0 → 1 h 2 min = 3,720 s (notice at 3,600 s, terminated at its end);
/// - its replacement launches at the notice, 3,600 s, and runs to the horizon: 3,600 s;
/// - 7,320 s = 2.033333 instance-hours × $0.030192 = $0.0613904.
///
/// One request a second of 10 ms: the instance drains in 10 ms after its notice; those that
/// come before the replacement is in service (20 s boot) wait (`queue_timeout = "never"`) —
/// none is lost: completed + in flight = arrived.
#[test]
fn a_spot_bill_with_one_interruption_by_hand() {
    let v = run_one(
        r#"
name = "spot-bill"
horizon = "2h"
interval = "10m"
[traffic]
arrivals = { process = "even", rate_per_s = 1 }
[traffic.request]
duration = { dist = "constant", ms = 10 }
cpu_fraction = 0.0
[[variant]]
name = "ec2"
platform = "ec2"
instance_type = "m7g.large"
count = 1
slots = 4
queue_timeout = "never"
boot_time = { dist = "constant", ms = 20000 }
load_balancer = false
purchase = { option = "spot", interruptions_at = ["1h"] }
"#,
    );
    assert_eq!(v.cost.lines.len(), 1);
    let line = &v.cost.lines[0];
    assert_eq!(line.unit, "instance-hours");
    close(line.quantity, 7_320.0 / 3_600.0);
    close(line.unit_price_usd, 0.37 * 0.0816);
    close(v.cost.total_usd, 0.061_390_4);
    assert_eq!(v.interruptions, 1);
    let acts: Vec<(f64, &str)> = v
        .scaling_activities
        .iter()
        .map(|a| (a.at_s, a.reason.as_str()))
        .collect();
    assert_eq!(acts.len(), 2, "{acts:?}");
    assert_eq!(acts[0].0, 3_600.0);
    assert!(
        acts[0].1.starts_with("spot interruption notice"),
        "{acts:?}"
    );
    assert_eq!(acts[1].0, 3_720.0);
    assert!(
        acts[1].1.starts_with("terminated by spot interruption"),
        "{acts:?}"
    );
    let c = v.requests;
    assert_eq!(c.timed_out, 0);
    assert_eq!(c.completed + c.in_flight_at_end, c.arrived);
}

/// Two m7g.large, 4 slots each; eight 300 s I/O-bound jobs arrive at 0, 1, …, 7 s. The least
/// loaded instance takes each (the lowest index on ties): instance 0 runs those of 0, 2, 4, 6 s,
/// instance 1 those of 1, 3, 5, 7 s. At 60 s instance 0 (the longest running: both launched at
/// 0, the lower index) gets its notice; its replacement, instance 2, launches then and serves
/// from 90 s (30 s boot). The notice (120 s) ends at 180 s, with instance 0's four jobs still
/// running (they end at 300–306 s):
/// - retry: they start again at 180 s on instance 2 (4 free slots; instance 1 is full) and end
///   at 480 s: 8 completed, none failed; the slowest, arrived at 0 s, took 480 s;
/// - fail: they are counted as timed out: 4 completed, 4 timed out.
///
/// Either way instance 0 runs 180 s, instance 1 600 s and instance 2 60 → 600 s = 540 s. EC2
/// interrupted instance 0 within its first instance-hour, so AWS does not charge its 180 s
/// (`ec2::SPOT_UNBILLED_WITHIN`): 600 + 540 = 1,140 s billed, not 1,320.
#[test]
fn running_requests_are_retried_elsewhere_or_failed() {
    let text = |on: &str| {
        format!(
            r#"
name = "spot-retry"
horizon = "10m"
interval = "1m"
[traffic]
arrivals = {{ process = "list", at_s = [0, 1, 2, 3, 4, 5, 6, 7] }}
[traffic.request]
duration = {{ dist = "constant", ms = 300000 }}
cpu_fraction = 0.0
[[variant]]
name = "ec2"
platform = "ec2"
instance_type = "m7g.large"
count = 2
slots = 4
queue_timeout = "never"
boot_time = {{ dist = "constant", ms = 30000 }}
load_balancer = false
purchase = {{ option = "spot", interruptions_at = ["60s"], on_interruption = "{on}" }}
"#
        )
    };
    let retry = run_one(&text("retry"));
    let c = retry.requests;
    assert_eq!(
        (c.arrived, c.completed, c.timed_out, c.in_flight_at_end),
        (8, 8, 0, 0)
    );
    assert_eq!(retry.latency_ms.max_ms, 480_000.0);
    assert_eq!(retry.last_completion_s, Some(480.0));
    assert_eq!(retry.interruptions, 1);
    assert!(
        retry.scaling_activities[1]
            .reason
            .contains("instance 0, 4 running requests retried"),
        "{:?}",
        retry.scaling_activities
    );
    let fail = run_one(&text("fail"));
    let c = fail.requests;
    assert_eq!(
        (c.arrived, c.completed, c.timed_out, c.in_flight_at_end),
        (8, 4, 4, 0)
    );
    assert_eq!(fail.latency_ms.max_ms, 300_000.0);
    for v in [&retry, &fail] {
        let instance_s: f64 = v.cost.lines.iter().map(|l| l.quantity * 3_600.0).sum();
        close(instance_s, 1_140.0);
    }
}

/// Ten m7g.large on spot at 0.01 interruptions per instance-hour over 1,000 h. Each of the ten
/// places of the fleet is held by a chain of instances, each interrupted after an exponential
/// time from its launch and replaced at its notice: the notices in each place are a Poisson
/// process of rate 0.01/h, so over the fleet they are Poisson with mean 10 × 1,000 × 0.01 =
/// 100, standard deviation √100 = 10. Within ±40 (4 σ): a correct model fails this about
/// once in 16,000 seeds.
///
/// Every notice is followed by its termination 120 s later (all before the horizon but for
/// a notice in the last 120 s), and the fleet stays at ten places: no request is lost.
#[test]
fn a_hazard_gives_about_its_expected_number_of_interruptions() {
    let v = run_one(
        r#"
name = "spot-hazard"
horizon = "1000h"
interval = "1h"
seed = 7
[traffic]
arrivals = { process = "even", rate_per_s = 0.01 }
[traffic.request]
duration = { dist = "constant", ms = 1000 }
cpu_fraction = 0.0
[[variant]]
name = "ec2"
platform = "ec2"
instance_type = "m7g.large"
count = 10
slots = 4
queue_timeout = "never"
load_balancer = false
purchase = { option = "spot", interruptions_per_hour = 0.01 }
"#,
    );
    let n = v.interruptions;
    assert!(
        (60..=140).contains(&n),
        "{n} interruptions, expected 100 ± 40"
    );
    let notices = v
        .scaling_activities
        .iter()
        .filter(|a| a.reason.starts_with("spot interruption notice"))
        .count() as u64;
    let ends = v
        .scaling_activities
        .iter()
        .filter(|a| a.reason.starts_with("terminated by spot interruption"))
        .count() as u64;
    assert_eq!(notices, n);
    assert!(
        ends == n || ends + 1 == n,
        "{ends} terminations, {n} notices"
    );
    let c = v.requests;
    assert_eq!(c.timed_out, 0);
    assert_eq!(c.completed + c.in_flight_at_end, c.arrived);
    // Eleven instances at most: ten, and one on notice beside its replacement (two notices
    // within 120 s are rare at this rate).
    assert!(v.capacity.peak_instances >= 10 && v.capacity.peak_instances <= 12);
}

/// A spot fleet that is never interrupted (rate 0, no replayed times) runs exactly as the same
/// fleet on demand — same requests, latencies, instances, time series; only the price differs
/// (0.37 of on-demand). An autoscaled fleet, so boot times are drawn: the spot stream takes
/// nothing from them.
#[test]
fn spot_without_interruptions_runs_as_on_demand() {
    let text = |purchase: &str| {
        format!(
            r#"
name = "same"
horizon = "2h"
interval = "5m"
seed = 3
[traffic]
arrivals = {{ process = "poisson", rate_per_s = 40 }}
[traffic.request]
duration = {{ dist = "lognormal", median_ms = 120, p99_ms = 900 }}
cpu_fraction = 0.7
[[variant]]
name = "ec2"
platform = "ec2"
instance_type = "m7g.large"
slots = 8
autoscaling = {{ policy = "target_tracking", predefined_metric_type = "ASGAverageCPUUtilization", target_value = 50, min_size = 1, max_size = 20 }}
load_balancer = false
purchase = {purchase}
"#
        )
    };
    let od = run_one(&text(r#"{ option = "on_demand" }"#));
    let spot = run_one(&text(r#"{ option = "spot", interruptions_per_hour = 0 }"#));
    assert!(!od.scaling_activities.is_empty());
    assert_eq!(od.requests, spot.requests);
    assert_eq!(od.latency_ms, spot.latency_ms);
    assert_eq!(od.capacity, spot.capacity);
    assert_eq!(od.scaling_activities, spot.scaling_activities);
    assert_eq!(od.timeseries.len(), spot.timeseries.len());
    for (a, b) in od.timeseries.iter().zip(&spot.timeseries) {
        assert_eq!(
            (a.arrivals, a.completed, a.p99_ms),
            (b.arrivals, b.completed, b.p99_ms)
        );
    }
    assert_eq!(spot.interruptions, 0);
    close(spot.cost.total_usd, 0.37 * od.cost.total_usd);
}

/// Replayed times and the notice are checked where they are written.
#[test]
fn bad_interruption_fields_are_refused_at_the_field() {
    let text = |purchase: &str| {
        format!(
            r#"
name = "bad"
horizon = "1h"
[traffic]
arrivals = {{ process = "even", rate_per_s = 1 }}
[traffic.request]
duration = {{ dist = "constant", ms = 10 }}
[[variant]]
name = "ec2"
platform = "ec2"
instance_type = "m7g.large"
count = 1
slots = 1
purchase = {purchase}
"#
        )
    };
    let err = |purchase: &str| match scalesim_core::scenario::parse(&text(purchase), "s.toml") {
        Ok(_) => panic!("accepted {purchase}"),
        Err(e) => e.to_string(),
    };
    let e = err(r#"{ option = "spot", interruptions_at = ["1h", "soon"] }"#);
    assert!(
        e.contains("interruptions_at[1]") && e.contains("\"soon\""),
        "{e}"
    );
    let e = err(r#"{ option = "spot", notice = "2h" }"#);
    assert!(
        e.contains("notice") && e.contains("more than an hour"),
        "{e}"
    );
    let e = err(r#"{ option = "on_demand", interruptions_at = ["1h"] }"#);
    assert!(e.contains("does not apply"), "{e}");
    scenario(&text(
        r#"{ option = "spot", interruptions_at = ["1h"], notice = "30s" }"#,
    ));
}

/// `scenarios/batch-spot.toml` says what it shows: every spot variant costs about 0.37 of on
/// demand (the same instance-hours at the book's ratio, plus 120 s of notice per interruption);
/// the busy pool is interrupted and the unlucky ones six times each (replayed); retried jobs
/// all finish or are still running (none failed), and with "fail" exactly the jobs the
/// terminations name are timed out.
#[test]
fn the_shipped_batch_spot_scenario_shows_cost_against_interruptions() {
    let path = crate::common::manifest_dir().join("scenarios/batch-spot.toml");
    let r = crate::common::run(&crate::common::load(&path));
    let [od, spot, busy, retry, fail] = &r.variants[..] else {
        panic!("five variants");
    };
    for v in [spot, busy, retry, fail] {
        let ratio = v.cost.total_usd / od.cost.total_usd;
        assert!((ratio - 0.37).abs() < 0.01, "{}: {ratio}", v.name);
    }
    assert!(busy.interruptions > 0);
    assert_eq!((retry.interruptions, fail.interruptions), (6, 6));
    let failed_by_terminations: u64 = fail
        .scaling_activities
        .iter()
        .filter_map(|a| {
            a.reason
                .strip_prefix("terminated by spot interruption: instance ")
        })
        .map(|rest| {
            let n = rest.split(", ").nth(1).unwrap();
            n.split(' ').next().unwrap().parse::<u64>().unwrap()
        })
        .sum();
    assert_eq!(fail.requests.timed_out, failed_by_terminations);
    assert_eq!(retry.requests.timed_out, 0);
    assert_eq!(od.requests.timed_out, 0);
    for v in &r.variants {
        let c = v.requests;
        assert_eq!(c.completed + c.timed_out + c.in_flight_at_end, c.arrived);
    }
}

/// One m7g.large, one slot, one 600 s job at 0 s; an interruption replayed at 100 s with the
/// 120 s notice: the instance terminates at 220 s with the job running, and the job is sent
/// again. Its replacement launched at 100 s; when it serves depends on its boot time:
/// - boot 60 s (serving at 160 s): the job starts again at 220 s and ends at 820 s, before the
///   15-minute horizon: completed, latency 820 s;
/// - boot 300 s (serving at 400 s), queue timeout 30 s: the retry waits from 220 s and times
///   out at 250 s — its wait is counted from the retry, not from its arrival at 0 s;
/// - boot 300 s, `queue_timeout = "never"`: it starts at 400 s and would end at 1,000 s: still
///   in flight at the horizon (900 s).
#[test]
fn a_retry_waits_for_a_slot_from_when_it_is_sent_again() {
    let text = |boot_ms: u64, queue_timeout: &str| {
        format!(
            r#"
name = "spot-retry-wait"
horizon = "15m"
interval = "1m"
[traffic]
arrivals = {{ process = "list", at_s = [0] }}
[traffic.request]
duration = {{ dist = "constant", ms = 600000 }}
cpu_fraction = 0.0
[[variant]]
name = "ec2"
platform = "ec2"
instance_type = "m7g.large"
count = 1
slots = 1
queue_timeout = "{queue_timeout}"
boot_time = {{ dist = "constant", ms = {boot_ms} }}
load_balancer = false
purchase = {{ option = "spot", interruptions_at = ["100s"] }}
"#
        )
    };
    let fates = |v: &scalesim_core::results::VariantReport| {
        let c = v.requests;
        (c.completed, c.timed_out, c.in_flight_at_end)
    };
    let quick = run_one(&text(60_000, "30s"));
    assert_eq!(fates(&quick), (1, 0, 0));
    assert_eq!(quick.latency_ms.max_ms, 820_000.0);
    assert_eq!(fates(&run_one(&text(300_000, "30s"))), (0, 1, 0));
    assert_eq!(fates(&run_one(&text(300_000, "never"))), (0, 0, 1));
}

/// An autoscaled group keeps its desired capacity: target tracking held at 3 (min = max = 3),
/// an interruption replayed at 30 min. The replacement launches at the notice, so for the 120 s
/// of notice four instances are alive (peak 4) while the desired capacity stays 3 in every
/// interval; the two activity lines say so (desired 3 → 3).
#[test]
fn an_autoscaled_group_keeps_its_desired_capacity() {
    let v = run_one(
        r#"
name = "spot-asg"
horizon = "1h"
interval = "5m"
[traffic]
arrivals = { process = "even", rate_per_s = 10 }
[traffic.request]
duration = { dist = "constant", ms = 100 }
cpu_fraction = 0.5
[[variant]]
name = "ec2"
platform = "ec2"
instance_type = "m7g.large"
slots = 8
autoscaling = { policy = "target_tracking", predefined_metric_type = "ASGAverageCPUUtilization", target_value = 50, min_size = 3, max_size = 3 }
load_balancer = false
purchase = { option = "spot", interruptions_at = ["30m"] }
"#,
    );
    assert_eq!(v.interruptions, 1);
    assert_eq!(v.capacity.peak_instances, 4);
    assert!(v.timeseries.iter().all(|r| r.desired == Some(3)));
    let acts: Vec<(f64, u32, u32)> = v
        .scaling_activities
        .iter()
        .map(|a| (a.at_s, a.from, a.to))
        .collect();
    assert_eq!(acts, vec![(1_800.0, 3, 3), (1_920.0, 3, 3)]);
    let c = v.requests;
    assert_eq!(c.completed + c.in_flight_at_end, c.arrived);
}

/// Replayed interruptions that do not all happen: a fleet of 0 that a scheduled action raises to
/// 1 at 02:00 (20 s boot), horizon 3 h, interruptions_at 30m, 2h 10m, 3h and 5h:
/// - 30m: no instance at all — missed, counted (`interruptions_missed` = 1) and logged;
/// - 2h 10m: instance 0 (launched at 2h, in service since 2h 20s) gets its notice, terminates
///   at 2h 12m; its replacement launches at 2h 10m and runs to the horizon;
/// - 3h is the horizon and 5h past it: they never happen, and the run warns naming them.
///
/// Instance-seconds: instance 0 7,200 → 7,920 s = 720 s, interrupted by EC2 within its first
/// hour and so not charged (`ec2::SPOT_UNBILLED_WITHIN`); the replacement 7,800 → 10,800 s =
/// 3,000 s = 0.833… instance-hours billed. (Had the interruption at the horizon been delivered,
/// it would have launched one more replacement there, billed its 60 s minimum: 3,060 s.)
#[test]
fn replayed_interruptions_that_never_happen_are_said() {
    let r = crate::common::run(&scenario(
        r#"
name = "spot-missed"
horizon = "3h"
[traffic]
arrivals = { process = "even", rate_per_s = 0.01 }
[traffic.request]
duration = { dist = "constant", ms = 10 }
cpu_fraction = 0.0
[[variant]]
name = "batch"
platform = "ec2"
instance_type = "m7g.large"
count = 0
slots = 4
queue_timeout = "never"
boot_time = { dist = "constant", ms = 20000 }
purchase = { option = "spot", interruptions_at = ["30m", "2h 10m", "3h", "5h"] }
[[variant.schedule]]
at = "02:00"
desired_capacity = 1
"#,
    ));
    let v = &r.variants[0];
    assert_eq!(v.interruptions, 1);
    assert_eq!(v.interruptions_missed, 1);
    close(v.cost.lines[0].quantity, 3_000.0 / 3_600.0);
    let reasons: Vec<(f64, &str)> = v
        .scaling_activities
        .iter()
        .map(|a| (a.at_s, a.reason.as_str()))
        .collect();
    assert!(
        reasons.iter().any(|(t, a)| *t == 1_800.0
            && a.starts_with("replayed spot interruption at 30m: no instance to interrupt")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|(t, a)| *t == 7_800.0
            && a.starts_with(
                "spot interruption notice: instance 0 (launched at 2h) terminates in 2m"
            )),
        "{reasons:?}"
    );
    let w: Vec<&String> = r.warnings.iter().filter(|w| w.contains("batch")).collect();
    assert_eq!(w.len(), 1, "{:?}", r.warnings);
    assert!(
        w[0].contains(
            "2 of its interruptions_at (3h, 5h) at or after the horizon (3h) never happen"
        ) && w[0].contains("1 replayed interruption(s) found no instance to interrupt"),
        "{w:?}"
    );
}

/// A replayed spot price history: $0.03 an hour from the start, $0.05 from 1 h 30 min. AWS
/// charges each instance, for each hour from its launch, the price in effect at that hour's
/// start. Two m7g.large for 3 h; instance 0 gets a replayed interruption at 30 min (notice
/// 120 s: gone at 32 min, within its first hour, so not charged) and its replacement launches
/// at 30 min:
/// - instance 1 (0 → 3 h): hours starting at 0, 1 h, 2 h → $0.03 + $0.03 + $0.05 = $0.11 (the
///   change at 1 h 30 min waits for its next instance-hour);
/// - the replacement (30 min → 3 h, 2.5 h): hours starting at 30 min ($0.03), 1 h 30 min
///   ($0.05) and 2 h 30 min (half an hour at $0.05) → $0.03 + $0.05 + $0.025 = $0.105;
/// - 5.5 instance-hours, $0.215.
#[test]
fn a_spot_price_history_is_paid_by_the_instance_hour() {
    let v = run_one(
        r#"
name = "spot-history"
horizon = "3h"
interval = "10m"
[traffic]
arrivals = { process = "even", rate_per_s = 1 }
[traffic.request]
duration = { dist = "constant", ms = 10 }
cpu_fraction = 0.0
[[variant]]
name = "ec2"
platform = "ec2"
instance_type = "m7g.large"
count = 2
slots = 4
boot_time = { dist = "constant", ms = 20000 }
load_balancer = false
purchase = { option = "spot", interruptions_at = ["30m"], price_history = [{ at = "0s", usd_per_hour = 0.03 }, { at = "1h30m", usd_per_hour = 0.05 }] }
"#,
    );
    assert_eq!(v.cost.lines.len(), 1, "{:?}", v.cost.lines);
    let line = &v.cost.lines[0];
    close(line.quantity, 5.5);
    close(v.cost.total_usd, 0.215);
    assert!(line.price_change.is_some());
}

/// A history starts at the start of the run, goes forward in time, and is not given with a
/// ratio.
#[test]
fn a_spot_price_history_is_checked() {
    let text = |history: &str| {
        format!(
            r#"
name = "h"
horizon = "1h"
[traffic]
arrivals = {{ process = "even", rate_per_s = 1 }}
[traffic.request]
duration = {{ dist = "constant", ms = 10 }}
[[variant]]
name = "ec2"
platform = "ec2"
instance_type = "m7g.large"
count = 1
slots = 4
purchase = {{ option = "spot", {history} }}
"#
        )
    };
    let err = |h: &str| {
        scalesim_core::scenario::parse(&text(h), "h.toml")
            .unwrap_err()
            .to_string()
    };
    let e = err(r#"price_history = [{ at = "5m", usd_per_hour = 0.03 }]"#);
    assert!(
        e.contains("purchase.price_history[0].at") && e.contains("\"0s\""),
        "{e}"
    );
    let e = err(
        r#"price_history = [{ at = "0s", usd_per_hour = 0.03 }, { at = "0s", usd_per_hour = 0.04 }]"#,
    );
    assert!(e.contains("is not after the entry before it"), "{e}");
    let e = err(r#"price_history = [{ at = "0s", usd_per_hour = 0.03 }], price_ratio = 0.3"#);
    assert!(
        e.contains("price_history and price_ratio both given"),
        "{e}"
    );
    let e = err(r#"price_history = [{ at = "0s", usd_per_hour = -1 }]"#);
    assert!(e.contains("usd_per_hour"), "{e}");
}
