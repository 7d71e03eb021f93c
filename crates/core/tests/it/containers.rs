//! Serverless containers: Cloud Run's bills worked out by hand, the pool of instances against
//! Erlang C, cold starts with minimum instances, Knative's scale to zero and back, Azure's
//! scale-out rate, and the rules the trial and the breaking session pinned.

use crate::common::{close, run, run_one, scenario, variant, waits_as_mm10_at_8};

/// Five 1,000 ms requests (all I/O) at 0, 0.55, 10, 20 and 20.02 s; horizon 60 s; one instance
/// of 1 vCPU and 512 MiB (0.5 GiB), concurrency 80, us-central1.
const SHARED_TIME: &str = r#"
name = "cloud-run-bill"
seed = 1
horizon = "60s"
[traffic]
arrivals = { process = "list", at_s = [0.0, 0.55, 10.0, 20.0, 20.02] }
[traffic.request]
duration = { dist = "constant", ms = 1000 }
cpu_fraction = 0.0

[[variant]]
name = "min-one"
platform = "cloud_run"
cold_start = { dist = "constant", ms = 500 }
min_instances = 1
max_instances = 1

[[variant]]
name = "from-zero"
platform = "cloud_run"
cold_start = { dist = "constant", ms = 500 }
max_instances = 1

[[variant]]
name = "instance-based"
platform = "cloud_run"
cold_start = { dist = "constant", ms = 500 }
min_instances = 1
max_instances = 1
billing = "instance"
"#;

/// Request-based, one minimum instance in service from 0 s. Its active periods (at least one
/// request in flight), each rounded up to 100 ms:
/// - 0 → 1.0 s and 0.55 → 1.55 s overlap: one period of 1.55 s → 1.6 s (the two requests
///   share it; billed one by one they would be 2 s);
/// - 10 → 11 s: 1.0 s → 1.0 s;
/// - 20 → 21 s and 20.02 → 21.02 s: one period of 1.02 s → 1.1 s.
///
/// Billed active 1.6 + 1.0 + 1.1 = 3.7 s:
/// - CPU 3.7 vCPU-s × $0.000024 = $0.0000888;
/// - memory 3.7 × 0.5 = 1.85 GiB-s × $0.0000025 = $0.000004625.
///
/// The minimum instance is idle the rest of its 60 s — its life less the billed active time
/// (no instant is billed both ways): 60 − 3.7 = 56.3 s at the idle rates: CPU 56.3 ×
/// $0.0000025 = $0.00014075, memory 56.3 × 0.5 = 28.15 GiB-s × $0.0000025 = $0.000070375.
/// Requests 5 × $0.0000004 = $0.000002.
///
/// Total $0.0000888 + $0.000004625 + $0.00014075 + $0.000070375 + $0.000002 = $0.00030655.
#[test]
fn request_based_bills_shared_active_time_in_100_ms_steps() {
    let r = run(&scenario(SHARED_TIME));
    let v = variant(&r, "min-one");
    assert_eq!(v.requests.completed, 5);
    assert_eq!(v.requests.cold_starts, 0);
    let line = |item: &str| {
        v.cost
            .lines
            .iter()
            .find(|l| l.item.starts_with(item))
            .unwrap_or_else(|| panic!("no line {item}: {:#?}", v.cost.lines))
    };
    close(line("Cloud Run CPU, active").quantity, 3.7);
    close(line("Cloud Run CPU, active").cost_usd, 0.000_088_8);
    close(line("Cloud Run memory, active").cost_usd, 0.000_004_625);
    close(line("Cloud Run CPU, idle").quantity, 56.3);
    close(line("Cloud Run CPU, idle").cost_usd, 0.000_140_75);
    close(line("Cloud Run memory, idle").cost_usd, 0.000_070_375);
    close(line("Cloud Run requests").cost_usd, 0.000_002);
    close(v.cost.total_usd, 0.000_306_55);
}

/// From zero, startup 500 ms. The request at 0 s starts an instance at once (on arrival, not
/// at the autoscaler's next evaluation at 5 s); it is active from its start: 0 → 0.5 s starting,
/// then the request 0.5 → 1.5 s, and the request of 0.55 s (the instance was in service by
/// then: warm) to 1.55 s. One period of 1.55 s → 1.6 s; then 1.0 and 1.1 s as above: 3.7 s
/// again, one cold start, no minimum instance so no idle line:
/// $0.0000888 + $0.000004625 + $0.000002 = $0.000095425.
#[test]
fn a_request_that_finds_no_instance_starts_one_and_startup_is_billed() {
    let r = run(&scenario(SHARED_TIME));
    let v = variant(&r, "from-zero");
    assert_eq!(v.requests.completed, 5);
    assert_eq!(v.requests.cold_starts, 1);
    // Its latency is the startup and the request: 1,500 ms, the longest.
    assert_eq!(v.latency_ms.max_ms, 1_500.0);
    assert!(v.cost.lines.iter().all(|l| !l.item.contains("idle")));
    close(v.cost.total_usd, 0.000_095_425);
}

/// Instance-based: the instance's whole life, 0 → 60 s (still up at the horizon), no request
/// fee: CPU 60 vCPU-s × $0.000018 = $0.00108, memory 30 GiB-s × $0.000002 = $0.00006; total
/// $0.00114.
#[test]
fn instance_based_bills_the_whole_life_and_no_request_fee() {
    let r = run(&scenario(SHARED_TIME));
    let v = variant(&r, "instance-based");
    assert!(v.cost.lines.iter().all(|l| !l.item.contains("requests")));
    close(v.cost.total_usd, 0.001_14);
}

/// M/M/10 through Cloud Run: two instances (min = max = 2) × concurrency 5, λ = 8/s,
/// exponential service of mean 1 s, all I/O — the same system as the fleet's Erlang C test
/// (`queueing.rs`), and the same 2 % tolerance argued there. A startup of 100 s keeps the pending
/// limit (3.5 × 100 s) far above any wait, so nothing times out.
#[test]
fn a_cloud_run_pool_waits_as_erlang_c_says() {
    let v = run_one(
        r#"
name = "erlang-c-cloud-run"
seed = 1
horizon = "625000s"
[traffic]
arrivals = { process = "poisson", rate_per_s = 8 }
[traffic.request]
duration = { dist = "exponential", mean_ms = 1000 }
cpu_fraction = 0.0
[[variant]]
name = "run"
platform = "cloud_run"
cold_start = { dist = "constant", ms = 100000 }
concurrency = 5
min_instances = 2
max_instances = 2
timeout = "60m"
"#,
    );
    waits_as_mm10_at_8(&v);
    assert_eq!(v.requests.cold_starts, 0);
}

/// Steady Poisson traffic at 20 requests/s of 1 s (all I/O): 20 in flight on average, at most
/// 40 with probability 1 − 3×10⁻⁵ per instant (Poisson(20)). Four minimum instances of
/// concurrency 10 hold 40: on the steady hour cold starts are about zero (a handful at most,
/// from the rare moment above 40). A burst to 80 requests/s for one minute needs 80 in flight:
/// beyond 4 × 10, instances start on demand and their first requests are cold.
#[test]
fn minimum_instances_at_the_steady_need_make_cold_starts_rare_until_a_burst() {
    let text = |burst: &str| {
        format!(
            r#"
name = "min-instances"
seed = 3
horizon = "1h"
[traffic]
arrivals = {{ process = "steps", steps = [{{ at = "0s", rate_per_s = 20 }}{burst}] }}
[traffic.request]
duration = {{ dist = "constant", ms = 1000 }}
cpu_fraction = 0.0
[[variant]]
name = "run"
platform = "cloud_run"
runtime = "python"
concurrency = 10
min_instances = 4
"#
        )
    };
    let steady = run_one(&text(""));
    let pct = 100.0 * steady.requests.cold_starts as f64 / steady.requests.arrived as f64;
    assert!(pct < 0.01, "steady: {pct} % cold");
    let burst = run_one(&text(
        r#", { at = "30m", rate_per_s = 80 }, { at = "31m", rate_per_s = 20 }"#,
    ));
    assert!(
        burst.requests.cold_starts >= 40,
        "burst: {} cold starts",
        burst.requests.cold_starts
    );
    assert!(burst.capacity.peak_instances >= 8, "{:?}", burst.capacity);
}

/// Knative on one m7g.large node (2 vCPUs → two 1-vCPU pods at most), `initial_scale = 1`,
/// `target_burst_capacity = 0` (the activator only at zero, so the grace period applies in
/// full), 1 s requests (all I/O) at 0 s and at 300 s, pod startup 2 s:
/// - 0 s: the initial pod serves it, warm.
/// - The KPA's 60 s stable window holds that one request-second until the window's start
///   passes it: the first tick (every 2 s) whose window (t − 60, t] has no concurrency is
///   t = 62 s, when it wants 0 pods; the reconciler waits `scale_to_zero_grace_period` (30 s)
///   more: the pod goes at 92 s (the tick then: 62 + 30 = 92).
/// - 300 s: no pod. The activator holds the request and pokes the KPA, which asks for one pod
///   at once (not at the next tick): it starts at 300 s, serves at 302 s, the request is done
///   at 303 s — a cold start with 3,000 ms of latency.
#[test]
fn knative_scales_to_zero_after_window_and_grace_and_the_activator_wakes_it() {
    let v = run_one(
        r#"
name = "knative-zero"
seed = 1
horizon = "10m"
[traffic]
arrivals = { process = "list", at_s = [0.0, 300.0] }
[traffic.request]
duration = { dist = "constant", ms = 1000 }
cpu_fraction = 0.0
[[variant]]
name = "kn"
platform = "knative"
node_type = "m7g.large"
nodes = 1
cold_start = { dist = "constant", ms = 2000 }
target_burst_capacity = 0
"#,
    );
    assert_eq!(v.requests.completed, 2);
    assert_eq!(v.requests.cold_starts, 1);
    assert_eq!(v.latency_ms.max_ms, 3_000.0);
    let to_zero: Vec<f64> = v
        .scaling_activities
        .iter()
        .filter(|a| a.to == 0)
        .map(|a| a.at_s)
        .collect();
    assert_eq!(to_zero.first(), Some(&92.0), "{:#?}", v.scaling_activities);
    let wake = v
        .scaling_activities
        .iter()
        .find(|a| a.at_s == 300.0)
        .unwrap_or_else(|| panic!("{:#?}", v.scaling_activities));
    assert_eq!((wake.from, wake.to), (0, 1));
    assert!(wake.reason.starts_with("activator"), "{}", wake.reason);
}

/// Knative bills the nodes, pods or no pods: one m7g.large all 10 minutes at the book's
/// us-east-1 on-demand rate ($0.0816 an hour): 1/6 h × $0.0816 = $0.0136.
#[test]
fn knative_bills_its_nodes_all_the_time() {
    let v = run_one(
        r#"
name = "knative-nodes"
seed = 1
horizon = "10m"
[traffic]
arrivals = { process = "list", at_s = [0.0] }
[traffic.request]
duration = { dist = "constant", ms = 1000 }
cpu_fraction = 0.0
[[variant]]
name = "kn"
platform = "knative"
node_type = "m7g.large"
nodes = 1
runtime = "go"
"#,
    );
    close(v.cost.total_usd, 0.0816 / 6.0);
}

/// A request that starts within the time its instance's last active period was already billed
/// for (rounded up to 100 ms) continues that period: no instant is billed twice. One minimum
/// instance (1 vCPU, 0.5 GiB), 30 ms requests (all I/O) at 0, 0.05 and 0.30 s; horizon 10 s:
/// - 0 → 0.03 s, billed 0.1 s (to 0.1 s);
/// - 0.05 s falls inside that 0.1 s: the period runs on from 0 to 0.08 s — 0.1 s billed once,
///   not 0.1 + 0.1;
/// - 0.30 → 0.33 s: a new period, 0.1 s.
///
/// Active 0.2 s: CPU 0.2 × $0.000024 = $0.0000048, memory 0.1 GiB-s × $0.0000025 =
/// $0.00000025. Idle: the rest of the 10 s, 10 − 0.2 = 9.8 s: CPU 9.8 × $0.0000025 =
/// $0.0000245, memory 4.9 × $0.0000025 = $0.00001225. Requests 3 × $0.0000004 = $0.0000012.
/// Total $0.000043.
#[test]
fn an_instant_is_billed_once_even_when_rounding_overlaps_the_next_request() {
    let v = run_one(
        r#"
name = "rounding-overlap"
seed = 1
horizon = "10s"
[traffic]
arrivals = { process = "list", at_s = [0.0, 0.05, 0.3] }
[traffic.request]
duration = { dist = "constant", ms = 30 }
cpu_fraction = 0.0
[[variant]]
name = "run"
platform = "cloud_run"
cold_start = { dist = "constant", ms = 500 }
min_instances = 1
max_instances = 1
"#,
    );
    let active = v
        .cost
        .lines
        .iter()
        .find(|l| l.item.starts_with("Cloud Run CPU, active"))
        .expect("an active CPU line");
    close(active.quantity, 0.2);
    close(v.cost.total_usd, 0.000_043);
}

/// Data transfer out on Cloud Run, in europe-west1 (Google's free egress is from North America
/// only), over a whole 730-hour month (so the bands are not prorated): three completed
/// requests, each answering 1 GiB (2³⁰ bytes), are 3 GiB, all in the first band (1,024 GiB) at
/// $0.12 per GiB = $0.36; the other bands' lines carry 0.
#[test]
fn cloud_run_bills_data_transfer_out_when_asked() {
    let v = run_one(
        r#"
name = "egress"
seed = 1
horizon = "730h"
[traffic]
arrivals = { process = "list", at_s = [0.0, 1.0, 2.0] }
[traffic.request]
duration = { dist = "constant", ms = 100 }
cpu_fraction = 0.0
response_bytes = 1073741824
[[variant]]
name = "run"
platform = "cloud_run"
region = "europe-west1"
cold_start = { dist = "constant", ms = 500 }
min_instances = 1
max_instances = 1
data_transfer_out = true
"#,
    );
    let egress: Vec<_> = v
        .cost
        .lines
        .iter()
        .filter(|l| l.item.to_lowercase().contains("transfer"))
        .collect();
    assert!(egress[0].item.contains("first"), "{:#?}", v.cost.lines);
    close(egress[0].quantity, 3.0);
    close(egress[0].cost_usd, 0.36);
    close(egress.iter().map(|l| l.cost_usd).sum(), 0.36);
}

/// Eight 1 s requests (all I/O) at 0 s on one Cloud Run instance at most, concurrency 1,
/// startup 1 s.
const QUEUED_BEHIND_ONE: &str = r#"
name = "cold-def"
seed = 1
horizon = "1m"
[traffic]
arrivals = { process = "list", at_s = [0, 0, 0, 0, 0, 0, 0, 0] }
[traffic.request]
duration = { dist = "constant", ms = 1000 }
cpu_fraction = 0.0
[[variant]]
name = "run"
platform = "cloud_run"
cpu = 0.5
memory_mb = 512
concurrency = 1
max_instances = 1
cold_start = { dist = "constant", ms = 1000 }
"#;

/// A cold start is a request that waited for its instance to start, not one that waited for a
/// busy slot. Eight 1 s requests (all I/O) at 0 s, one instance at most (concurrency 1),
/// startup 1 s (so requests may wait max(3.5 × 1 s, 10 s) = 10 s): the instance starts at 0 and
/// serves at 1 s; the first request starts then — cold; the other seven wait their turn on an
/// instance already up (starting at 2, 3, …, 8 s) — warm. The last ends at 9 s: latency
/// 9,000 ms.
#[test]
fn only_requests_that_wait_for_a_start_are_cold() {
    let v = run_one(QUEUED_BEHIND_ONE);
    assert_eq!(v.requests.completed, 8);
    assert_eq!(v.requests.cold_starts, 1);
    assert_eq!(v.latency_ms.max_ms, 9_000.0);
}

/// A service that reached its most instances while requests waited is said to have: the same
/// eight requests on one instance at most wait 1 + 2 + … + 7 s after the first's startup.
#[test]
fn a_service_at_its_maximum_with_requests_waiting_is_warned_of() {
    let r = run(&scenario(QUEUED_BEHIND_ONE));
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("variant run reached its most instances (1)")),
        "{:?}",
        r.warnings
    );
}

/// Azure's scale controller allocates HTTP instances "at most once per second"
/// (event-driven-scaling.md): 2,000 requests of 10 s at 0 s on Consumption (100 per instance)
/// want 20 instances at once, but they come one a second, whoever asks — the start on arrival
/// at 0 s, then the scaler's evaluations at 1, 2, … s. Each scaling activity adds one.
#[test]
fn azure_adds_at_most_one_instance_a_second() {
    let v = run_one(
        r#"
name = "azure-rate"
seed = 1
horizon = "1m"
[traffic]
arrivals = { process = "steps", steps = [{ at = "0s", rate_per_s = 2000 }, { at = "1s", rate_per_s = 0 }] }
[traffic.request]
duration = { dist = "constant", ms = 10000 }
cpu_fraction = 0.0
[[variant]]
name = "fn"
platform = "azure_functions"
plan = "consumption"
cold_start = { dist = "constant", ms = 500 }
"#,
    );
    let ups: Vec<_> = v
        .scaling_activities
        .iter()
        .filter(|a| a.to > a.from)
        .collect();
    assert!(ups.len() >= 10, "{:#?}", v.scaling_activities);
    for w in ups.windows(2) {
        assert_eq!(w[1].to - w[1].from, 1, "{:#?}", w[1]);
        assert!(w[1].at_s - w[0].at_s >= 1.0 - 1e-9, "{:#?}", w);
    }
}

/// Azure Consumption meters an execution still running at the horizon up to it, as Flex and
/// Cloud Run meter their active time: one request at 0 s of 600 s, 200 MB observed, startup
/// 1 s, horizon 60 s: it runs 1 → 60 s = 59 s at 256 MB (200 rounded up to 128 MB steps):
/// 59,000 ms × 256 MB = 15,104,000 MB·ms = 14.75 GB-s × $0.000016 = $0.000236, plus one
/// execution at $0.0000002: $0.0002362.
#[test]
fn an_execution_running_at_the_horizon_is_billed_to_it() {
    let v = run_one(
        r#"
name = "inflight"
seed = 1
horizon = "1m"
[traffic]
arrivals = { process = "list", at_s = [0] }
[traffic.request]
duration = { dist = "constant", ms = 600000 }
cpu_fraction = 0.0
memory_mb = 200
[[variant]]
name = "fn"
platform = "azure_functions"
plan = "consumption"
cold_start = { dist = "constant", ms = 1000 }
"#,
    );
    assert_eq!(v.requests.in_flight_at_end, 1);
    close(v.cost.total_usd, 0.000_236_2);
}

/// A run's work estimate counts a container service's instances at each of its scaler's
/// evaluations, not once a minute: Cloud Run with at most 1,000 instances over a day walks them
/// every 5 s (17,280 times) and at each of the 1,440 one-minute reporting intervals:
/// 1,000 × (17,280 + 1,440) = 18,720,000 instance-periods.
#[test]
fn the_work_estimate_counts_a_scalers_evaluations() {
    let s = scenario(
        r#"
name = "estimate"
seed = 1
horizon = "1d"
[traffic]
arrivals = { process = "poisson", rate_per_s = 1 }
[traffic.request]
duration = { dist = "constant", ms = 100 }
[[variant]]
name = "run"
platform = "cloud_run"
runtime = "go"
max_instances = 1000
"#,
    );
    let w = scalesim_core::experiment::Work::of(&s);
    close(w.instance_periods, 18_720_000.0);
}
