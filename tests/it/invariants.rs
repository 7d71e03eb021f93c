//! Invariants over many seeds: every request is accounted for exactly once, cost is never
//! negative, the same seed gives the same report on one thread or many.

use crate::common::{run, scenario};
use scalesim_report::summary_json;

/// A scenario where every fate happens: bursts overrun a function's limit (throttled) and a
/// small fleet's queue (timed out), and a short horizon leaves requests in flight.
const STRESS: &str = r#"
name = "stress"
horizon = "20m"
[traffic]
arrivals = { process = "bursty", base_rate_per_s = 5, burst_rate_per_s = 200, mean_base = "3m", mean_burst = "30s" }
[traffic.request]
duration = { dist = "lognormal", median_ms = 300, p99_ms = 4000 }
cpu_fraction = 0.5
memory_mb = 256

[[variant]]
name = "lambda-limited"
platform = "lambda"
memory_mb = 512
runtime = "java"
concurrency = 20
keep_alive = "1m"

[[variant]]
name = "ec2-small"
platform = "ec2"
instance_type = "c7g.large"
count = 1
slots = 8
queue_timeout = "2s"
"#;

#[test]
fn every_request_is_accounted_for_over_100_seeds() {
    let mut base = scenario(STRESS);
    let mut seen = [0u64; 4]; // throttled, timed out, in flight, cold starts
    for seed in 1..=100 {
        base.seed = seed;
        let r = run(&base);
        for v in &r.variants {
            let c = v.requests;
            assert!(c.is_conserved(), "seed {seed}, {}: {c:?}", v.name);
            assert!(c.arrived > 0);
            assert!(v.cost.total_usd >= 0.0 && v.projection_monthly.total_usd >= 0.0);
            assert!(
                v.cost
                    .lines
                    .iter()
                    .all(|l| l.cost_usd >= 0.0 && l.quantity >= 0.0)
            );
            assert!(v.latency_ms.p50_ms <= v.latency_ms.p99_ms);
            assert!(v.latency_ms.p99_ms <= v.latency_ms.max_ms * 1.001);
            seen[0] += c.throttled;
            seen[1] += c.timed_out;
            seen[2] += c.in_flight_at_end;
            seen[3] += c.cold_starts;
        }
    }
    // The invariant was exercised by every kind of outcome, not only completions.
    assert!(seen.iter().all(|n| *n > 0), "{seen:?}");
}

#[test]
fn same_seed_same_bytes_other_seed_differs() {
    let s = scenario(STRESS);
    let a = summary_json(&run(&s));
    let b = summary_json(&run(&s));
    assert_eq!(a, b);
    let mut other = s.clone();
    other.seed += 1;
    assert_ne!(a, summary_json(&run(&other)));
}

#[test]
fn one_thread_equals_many() {
    let s = scenario(STRESS);
    let on = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| summary_json(&run(&s)))
    };
    assert_eq!(on(1), on(4));
}

#[test]
fn every_variant_sees_the_same_traffic() {
    let r = run(&scenario(STRESS));
    assert_eq!(
        r.variants[0].requests.arrived,
        r.variants[1].requests.arrived
    );
}
