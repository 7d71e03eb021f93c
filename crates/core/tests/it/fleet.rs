//! A fleet's figures mean what they say: CPU utilisation is a share (never above 100 %) and the
//! CPU work is conserved; memory stays flat however overloaded the fleet; absurd inputs are
//! refused with the allowed range. Inputs from the cases in `tests/fixtures/cases/` and
//! `tests/fixtures/fuzz/` (copied from the shared case files, whose headers state the rules).

use crate::common::{run_one, scenario};

fn fixture(path: &str) -> String {
    let path = crate::common::manifest_dir()
        .join("tests/fixtures")
        .join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse_error(text: &str) -> String {
    match scalesim_core::scenario::parse(text, "s.toml") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// `cpu-over-100.toml`: four CPU-bound one-hour requests start at once on one 2-vCPU
/// m7g.large. They want 4 cores; the instance has 2, so the four share them and each runs at
/// half speed. Over the 10-minute horizon the instance uses 2 cores all the time: mean CPU
/// utilisation 2 × 600 / (2 × 600) = 100 % (it was 158 % when each request's share was fixed
/// at its start), and so is every 1-minute interval.
#[test]
fn cpu_utilisation_is_a_share_of_the_vcpus() {
    let v = run_one(&fixture("cases/cpu-over-100.toml"));
    assert!(
        (v.capacity.mean_utilisation - 1.0).abs() < 1e-9,
        "{}",
        v.capacity.mean_utilisation
    );
    assert_eq!(v.timeseries.len(), 10);
    for row in &v.timeseries {
        let u = row.utilisation.unwrap();
        assert!((u - 1.0).abs() < 1e-9, "{u} at {}", row.end_s);
    }
    assert_eq!(v.requests.in_flight_at_end, 4);
}

/// The same four requests over 3 hours: the work is conserved and the latencies follow. Four
/// requests × 3,600 core-seconds = 14,400 core-seconds on 2 vCPUs take 7,200 s; sharing alike,
/// all four finish together at 7,200 s (latency 7,200,000 ms each, none at 3,600 s). Mean
/// utilisation over 3 h: 14,400 / (2 × 10,800) = 2/3.
#[test]
fn shared_cpu_work_is_conserved_and_slows_every_request() {
    let text = fixture("cases/cpu-over-100.toml").replace("horizon = \"10m\"", "horizon = \"3h\"");
    let v = run_one(&text);
    assert_eq!(v.requests.completed, 4);
    assert_eq!(v.latency_ms.max_ms, 7_200_000.0);
    assert_eq!(v.latency_ms.mean_ms, 7_200_000.0);
    assert!((v.capacity.mean_utilisation - 2.0 / 3.0).abs() < 1e-9);
    // Busy slots: 4 requests × 7,200 s over 10,800 s = 2.667 on average.
    assert!((v.capacity.mean_busy - 4.0 * 7_200.0 / 10_800.0).abs() < 1e-9);
}

/// A request that starts later slows those already running. One vCPU (m7g.medium), two
/// CPU-bound 10 s requests at 0 s and 4 s: alone the first would end at 10 s; from 4 s both
/// run at half speed, so the first (6 s of work left) ends at 4 + 12 = 16 s (latency 16 s), and
/// the second, with 4 s of work left, alone again, ends at 20 s (latency 16 s). 20
/// core-seconds in 20 s on 1 vCPU: 100 % over a 20 s horizon.
#[test]
fn a_later_request_slows_the_running_ones() {
    let v = run_one(
        r#"
name = "ps"
horizon = "20s"
interval = "10s"
[traffic]
arrivals = { process = "list", at_s = [0, 4] }
[traffic.request]
duration = { dist = "constant", ms = 10000 }
cpu_fraction = 1.0
[[variant]]
name = "ec2"
platform = "ec2"
instance_type = "m7g.medium"
count = 1
slots = 2
load_balancer = false
"#,
    );
    assert_eq!(v.requests.completed, 2);
    assert_eq!(v.latency_ms.max_ms, 16_000.0);
    assert_eq!(v.latency_ms.mean_ms, 16_000.0);
    assert!((v.capacity.mean_utilisation - 1.0).abs() < 1e-9);
}

/// Memory stays flat: the queue holds at most a million requests. One instance with one slot is
/// held by a one-hour request; a million more arrive each second for 2 s (even arrivals at every
/// microsecond: 2,000,000 in all). The first starts; the next 1,000,000 wait (the 30 s queue
/// timeout does not fall due before the 2 s horizon); the remaining 999,999 find the queue
/// full and are dropped at once (timed out). Nothing is lost: 0 completed + 999,999 timed out
/// + 1,000,001 in flight = 2,000,000 arrived.
#[test]
fn an_overloaded_fleet_queue_is_bounded() {
    let v = run_one(
        r#"
name = "flood"
horizon = "2s"
interval = "1s"
[traffic]
arrivals = { process = "even", rate_per_s = 1000000 }
[traffic.request]
duration = { dist = "constant", ms = 3600000 }
cpu_fraction = 0.0
[[variant]]
name = "ec2"
platform = "ec2"
instance_type = "m7g.large"
count = 1
slots = 1
load_balancer = false
"#,
    );
    let c = v.requests;
    assert_eq!(c.arrived, 2_000_000);
    assert_eq!(c.completed, 0);
    assert_eq!(c.timed_out, 999_999);
    assert_eq!(c.in_flight_at_end, 1_000_001);
    assert_eq!(v.timeseries[1].queue_length, Some(1_000_000));
    assert_eq!(scalesim_core::platform::iaas::MAX_QUEUE, 1_000_000);
}

/// `fleet-queue-unbounded.toml` and the fuzzed scenarios with rates of 10^9/s and more are
/// refused at validation with the allowed range, at the field that is too high.
#[test]
fn absurd_rates_are_refused_with_the_allowed_range() {
    for (file, field) in [
        (
            "cases/fleet-queue-unbounded.toml",
            "traffic.arrivals.rate_per_s",
        ),
        (
            "fuzz/scenarios/case-282.toml",
            "traffic.arrivals.steps[0].rate_per_s",
        ),
        (
            "fuzz/scenarios/case-4441.toml",
            "traffic.arrivals.rate_per_s",
        ),
        (
            "fuzz/scenarios/case-5484.toml",
            "traffic.arrivals.base_rate_per_s",
        ),
        (
            "fuzz/scenarios/case-677.toml",
            "traffic.arrivals.rate_per_s",
        ),
    ] {
        let err = parse_error(&fixture(file));
        assert!(err.contains(field), "{file}: {err}");
        assert!(
            err.contains("at most 1,000,000 requests per second"),
            "{file}: {err}"
        );
    }
    // 1e308/s (case-4441) is written as such, not as its 309 digits.
    let err = parse_error(&fixture("fuzz/scenarios/case-4441.toml"));
    assert!(
        err.contains("1e308 requests per second is too high") && !err.contains("000000000"),
        "{err}"
    );
    // A daily profile whose peak hour goes past the bound is refused at that hour.
    let daily = fixture("fuzz/scenarios/case-19.toml")
        .replace("rate_per_s = 20,", "rate_per_s = 300000,")
        .replace("mean_ms = 1000000000000000.0", "mean_ms = 100");
    let err = parse_error(&daily);
    assert!(err.contains("traffic.arrivals.hourly[9]"), "{err}");
}

/// Durations of more than a week (10^20 ms, 10^15 ms, 10^12 ms in the fuzzed files) are
/// refused at validation, at the field, with the allowed range; a week itself is accepted.
#[test]
fn absurd_durations_are_refused_with_the_allowed_range() {
    for (file, field) in [
        ("fuzz/huge-duration.toml", "traffic.request.duration.ms"),
        (
            "fuzz/scenarios/case-19.toml",
            "traffic.request.duration.mean_ms",
        ),
        ("fuzz/scenarios/case-34.toml", "traffic.request.duration.ms"),
    ] {
        let err = parse_error(&fixture(file));
        assert!(err.contains(field), "{file}: {err}");
        assert!(
            err.contains("allowed: 0 to 604,800,000 ms"),
            "{file}: {err}"
        );
    }
    let week = fixture("fuzz/huge-duration.toml").replace("ms = 1e20", "ms = 604800000");
    scenario(&week);
    let dereg = fixture("cases/cpu-over-100.toml")
        .replace("load_balancer = false", "deregistration_delay = \"2h\"");
    assert!(parse_error(&dereg).contains("allowed: 0s to 3600s"));
    let queue = fixture("cases/cpu-over-100.toml")
        .replace("load_balancer = false", "queue_timeout = \"400d\"");
    assert!(parse_error(&queue).contains("allowed: 0s to 366d"));
}

/// Over 20 seeds of bursts on a fleet whose 8 slots per 2-vCPU instance let CPU-bound requests
/// ask for up to 4× its vCPUs, and that scales on CPU: no interval, no run shows more than
/// 100 % CPU, and every request is accounted for exactly once.
#[test]
fn utilisation_never_exceeds_100_percent_over_seeds() {
    let text = r#"
name = "oversubscribed"
horizon = "20m"
[traffic]
arrivals = { process = "bursty", base_rate_per_s = 5, burst_rate_per_s = 60, mean_base = "3m", mean_burst = "1m" }
[traffic.request]
duration = { dist = "lognormal", median_ms = 300, p99_ms = 4000 }
cpu_fraction = 1.0
parallelism = 2
[[variant]]
name = "ec2"
platform = "ec2"
instance_type = "c7g.large"
slots = 8
queue_timeout = "5s"
deregistration_delay = "10s"
autoscaling = { policy = "target_tracking", predefined_metric_type = "ASGAverageCPUUtilization", target_value = 50, min_size = 1, max_size = 6, instance_warmup = "30s" }
"#;
    let base = scenario(text);
    for seed in 1..=20 {
        let mut s = base.clone();
        s.seed = seed;
        let mut r = crate::common::run(&s);
        let v = r.variants.remove(0);
        assert!(v.requests.is_conserved(), "seed {seed}: {:?}", v.requests);
        assert!(v.capacity.mean_utilisation <= 1.0 + 1e-9, "seed {seed}");
        for row in &v.timeseries {
            let u = row.utilisation.unwrap_or(0.0);
            assert!(u <= 1.0 + 1e-9, "seed {seed}: {u} at {} s", row.end_s);
        }
    }
}
