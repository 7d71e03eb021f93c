//! Queueing theory as the oracle: Erlang C for a fixed fleet, Erlang B for a concurrency limit,
//! Little's law for busy environments, and the known cold-start probability under keep-alive.

use crate::common::{erlang_b, erlang_c, run_one, waits_as_mm10_at_8};

#[test]
fn erlang_formulas_match_textbook_values() {
    // Published table values: B(10, 8) = 0.1217, C(10, 8) = 0.4092.
    assert!((erlang_b(10, 8.0) - 0.121_661).abs() < 1e-6);
    assert!((erlang_c(10, 8.0) - 0.409_180).abs() < 1e-5);
}

/// M/M/10 at utilisation 0.8: 2 instances × 5 slots, λ = 8/s, exponential service of mean 1 s.
/// 625,000 s of traffic ≈ 5 million requests. At this length the estimates move by about 1 %
/// between seeds (measured over seeds 1–4: P(wait) 0.4075–0.4099, mean wait 201.7–205.9 ms), so
/// 2 % is a test that passes for a right model and fails for a wrong one.
#[test]
fn fixed_fleet_waits_as_erlang_c_says() {
    let v = run_one(
        r#"
name = "erlang-c"
seed = 1
horizon = "625000s"
[traffic]
arrivals = { process = "poisson", rate_per_s = 8 }
[traffic.request]
duration = { dist = "exponential", mean_ms = 1000 }
cpu_fraction = 0.0
[[variant]]
name = "fleet"
platform = "ec2"
instance_type = "m5.xlarge"
count = 2
slots = 5
queue_timeout = "100d"
"#,
    );
    waits_as_mm10_at_8(&v);
}

/// M/M/10/10: a function limited to 10 concurrent executions, no cold start, λ = 8/s, E[S] = 1 s.
/// 250,000 s ≈ 2 million arrivals; seeds 1–4 gave 0.1208–0.1220 against B = 0.1217.
#[test]
fn concurrency_limit_throttles_as_erlang_b_says() {
    let v = run_one(
        r#"
name = "erlang-b"
seed = 1
horizon = "250000s"
[traffic]
arrivals = { process = "poisson", rate_per_s = 8 }
[traffic.request]
duration = { dist = "exponential", mean_ms = 1000 }
cpu_fraction = 0.0
[[variant]]
name = "f"
platform = "lambda"
memory_mb = 1769
cold_start = { dist = "constant", ms = 0 }
concurrency = 10
"#,
    );
    let b = erlang_b(10, 8.0);
    let throttled = v.requests.throttled as f64 / v.requests.arrived as f64;
    assert!(
        (throttled / b - 1.0).abs() < 0.02,
        "throttled {throttled} vs Erlang B {b}"
    );
    assert!(v.capacity.peak_instances <= 10);
}

/// Little's law, for any distributions: mean busy environments = λ·E[S]. Lognormal durations
/// (median 100 ms, p99 2 s: E[S] = 0.2715 s) at 50/s for a day: 4.3 million requests.
#[test]
fn busy_environments_follow_littles_law() {
    let v = run_one(
        r#"
name = "little"
seed = 5
horizon = "1d"
[traffic]
arrivals = { process = "poisson", rate_per_s = 50 }
[traffic.request]
duration = { dist = "lognormal", median_ms = 100, p99_ms = 2000 }
[[variant]]
name = "f"
platform = "lambda"
memory_mb = 1769
cold_start = { dist = "constant", ms = 0 }
"#,
    );
    let sigma = (2000.0f64 / 100.0).ln() / 2.326_347_874_040_840_8;
    let mean_s = 0.1 * (sigma * sigma / 2.0).exp();
    let expected = 50.0 * mean_s;
    let busy = v.capacity.mean_busy;
    assert!(
        (busy / expected - 1.0).abs() < 0.01,
        "busy {busy} vs λ·E[S] {expected}"
    );
    assert_eq!(v.requests.throttled, 0);
}

/// A naive oracle for the keep-alive case: an f64 clock, every idle environment scanned for
/// expiry at each arrival, the most recently used one reused — no lazy deque, no integer time.
fn naive_cold_start_probability(seed: u64, arrivals: usize) -> f64 {
    use rand::SeedableRng;
    use rand_distr::{Distribution, Exp};
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let (gap, service) = (Exp::new(0.9).unwrap(), Exp::new(0.5).unwrap());
    let (mut t, mut cold) = (0.0f64, 0usize);
    let mut busy_until: Vec<f64> = Vec::new(); // end times of every environment's last request
    for _ in 0..arrivals {
        t += gap.sample(&mut rng);
        busy_until.retain(|&end| end + 600.0 > t); // reclaim expired
        let idle_mru = (0..busy_until.len())
            .filter(|&i| busy_until[i] <= t)
            .max_by(|&a, &b| busy_until[a].total_cmp(&busy_until[b]));
        let end = t + service.sample(&mut rng);
        match idle_mru {
            Some(i) => busy_until[i] = end,
            None => {
                cold += 1;
                busy_until.push(end);
            }
        }
    }
    cold as f64 / arrivals as f64
}

/// λ = 0.9/s, exponential durations of mean 2 s, keep-alive 600 s: the cold-start probability
/// known for this case is ≈ 0.0014 (SimFaaS, Mahmoudi & Khazaei, from their own simulation).
///
/// Tolerance: that value is given to two digits and carries its own sampling error. The naive
/// oracle above, with nothing in common with the engine but the model, gives 0.00133 (±0.00002
/// between seeds; reusing the newest-created environment, as SimFaaS does, gives the same).
/// 2 million arrivals put our estimate within ±2 % (one standard deviation across seeds, 8 seeds
/// measured). So: within 8 % of 0.0014 — which a keep-alive of 300 s or 1,200 s would miss —
/// and within 5 % of the oracle run on its own random numbers.
#[test]
fn keep_alive_cold_start_probability_matches_the_known_value() {
    let v = run_one(
        r#"
name = "keep-alive"
seed = 2
horizon = "2222222s"
[traffic]
arrivals = { process = "poisson", rate_per_s = 0.9 }
[traffic.request]
duration = { dist = "exponential", mean_ms = 2000 }
cpu_fraction = 0.0
[[variant]]
name = "f"
platform = "lambda"
memory_mb = 1769
cold_start = { dist = "constant", ms = 0 }
keep_alive = "600s"
"#,
    );
    assert!(v.requests.arrived > 1_950_000);
    let p = v.requests.cold_starts as f64 / v.requests.arrived as f64;
    assert!(
        (p / 0.0014 - 1.0).abs() < 0.08,
        "cold-start probability {p}"
    );
    let oracle = naive_cold_start_probability(99, 2_000_000);
    assert!(
        (p / oracle - 1.0).abs() < 0.05,
        "engine {p} vs naive oracle {oracle}"
    );
}
