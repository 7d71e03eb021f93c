//! The public Azure Functions traces (samples shipped under scenarios/traces): every sample replays with
//! each function's request count equal to the trace's, and the 2021 sample's cold starts and
//! bill under a 10-minute keep-alive agree with an independent computation.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use common::{run, scenario};

fn traces() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/traces")
}

/// A scenario replaying `replay` on one Lambda function with a fixed 250 ms cold start and no
/// CPU-bound part (latency = cold start + logged duration), 10-minute keep-alive.
fn lambda_scenario(replay: &str, horizon: &str, extra_variant: &str) -> String {
    format!(
        r#"
name = "trace"
horizon = "{horizon}"
[traffic]
replay = {replay}
[traffic.request]
cpu_fraction = 0.0
[[variant]]
name = "fn"
platform = "lambda"
memory_mb = 1769
memory_from_trace = false
cold_start = {{ dist = "constant", ms = 250 }}
keep_alive = "10m"
free_tier = false
{extra_variant}
"#
    )
}

/// Requests per function (`HashApp/HashFunction`) in an Azure 2019 invocations.csv.
fn azure2019_counts(folder: &str) -> BTreeMap<String, u64> {
    let mut rdr = csv::Reader::from_path(traces().join(folder).join("invocations.csv")).unwrap();
    let mut out = BTreeMap::new();
    for r in rdr.records() {
        let r = r.unwrap();
        let n: u64 = r.iter().skip(4).map(|c| c.parse::<u64>().unwrap()).sum();
        *out.entry(format!("{}/{}", &r[1], &r[2])).or_default() += n;
    }
    out
}

fn replayed_counts(report: &scalesim::report::VariantReport) -> BTreeMap<String, u64> {
    report
        .functions
        .iter()
        .map(|f| (f.name.clone(), f.requests.arrived))
        .collect()
}

/// Each 2019 sample over its day: arrivals per function equal the sums of the trace's per-minute
/// counts (the three READMEs' totals: 20,820,188, 25,268,396 and 13,037,064), whichever way
/// arrivals are placed in the minute.
#[test]
fn every_azure2019_sample_replays_its_counts_per_function() {
    for (folder, total, within) in [
        ("azure2019-sample-1", 20_820_188u64, "uniform"),
        ("azure2019-sample-5", 25_268_396, "poisson"),
        ("azure2019-sample-10", 13_037_064, "uniform"),
    ] {
        let expected = azure2019_counts(folder);
        assert_eq!(expected.values().sum::<u64>(), total, "{folder}");
        let path = traces().join(folder);
        let replay = format!(
            r#"{{ format = "azure2019", path = "{}", within_minute = "{within}" }}"#,
            path.display()
        );
        let r = run(&scenario(&lambda_scenario(&replay, "24h", "")));
        let v = &r.variants[0];
        assert_eq!(replayed_counts(v), expected, "{folder}");
        assert_eq!(v.requests.arrived, total, "{folder}");
        assert!(v.requests.is_conserved());
        let replay = r.traffic.replay.as_ref().unwrap();
        assert_eq!(replay.rows, total);
        assert_eq!(replay.functions_in_trace, expected.len());
        // Each function's share of the bill adds up to the bill.
        let shares: f64 = v.functions.iter().map(|f| f.cost_usd).sum();
        assert!((shares / v.cost.total_usd - 1.0).abs() < 1e-9, "{folder}");
    }
}

/// One Azure 2021 invocation: function, start and duration in µs, as the engine rounds them.
struct Invocation {
    function: String,
    start_us: u64,
    duration_us: u64,
}

fn azure2021() -> Vec<Invocation> {
    let mut rdr =
        csv::Reader::from_path(traces().join("azure2021-sample/Azure2021_200.csv")).unwrap();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            let end: f64 = r[2].parse().unwrap();
            let duration: f64 = r[3].parse().unwrap();
            Invocation {
                function: format!("{}/{}", &r[0], &r[1]),
                start_us: ((end - duration) * 1e6).round() as u64,
                duration_us: (duration * 1e6).round() as u64,
            }
        })
        .collect()
}

/// The 2021 sample: 199 invocations of 31 functions, each function with its own environments.
///
/// By hand (done here step by step, independently of the simulator): take one function's
/// invocations in start order. An invocation is warm when one of the function's environments is
/// idle at its start and has been idle for less than 10 minutes; it takes the most recently
/// freed one. Otherwise it is cold: a new environment, busy for 250 ms of INIT plus the
/// duration. Lambda bills each invocation ceil-to-ms(INIT + duration) × 1,769 MB, plus $0.20 per
/// million requests; no free tier.
#[test]
fn azure2021_cold_starts_and_bill_by_hand() {
    let invocations = azure2021();
    assert_eq!(invocations.len(), 199);
    let mut by_function: HashMap<&str, Vec<&Invocation>> = HashMap::new();
    for i in &invocations {
        by_function.entry(&i.function).or_default().push(i);
    }
    assert_eq!(by_function.len(), 31);
    const INIT_US: u64 = 250_000;
    const KEEP_ALIVE_US: u64 = 600_000_000;
    let (mut cold, mut billed_ms) = (0u64, 0u64);
    let mut cold_by_function: BTreeMap<String, u64> = BTreeMap::new();
    for (name, mut calls) in by_function {
        calls.sort_by_key(|i| i.start_us);
        // Each environment: when it is next free.
        let mut free_at: Vec<u64> = Vec::new();
        for call in calls {
            let t = call.start_us;
            free_at.retain(|&f| f > t || f + KEEP_ALIVE_US > t); // reclaim expired idle ones
            let warm = free_at
                .iter()
                .enumerate()
                .filter(|&(_, &f)| f <= t)
                .max_by_key(|&(_, &f)| f)
                .map(|(k, _)| k);
            let busy_us = match warm {
                Some(k) => {
                    free_at[k] = t + call.duration_us;
                    call.duration_us
                }
                None => {
                    cold += 1;
                    *cold_by_function.entry(name.to_string()).or_default() += 1;
                    free_at.push(t + INIT_US + call.duration_us);
                    INIT_US + call.duration_us
                }
            };
            billed_ms += busy_us.div_ceil(1_000);
        }
    }
    // The figures this gives, written down so a change in the trace reading shows here too.
    assert_eq!(cold, 51);
    assert_eq!(billed_ms, 10_611_920);
    let gb_s = billed_ms as f64 * 1_769.0 / 1_024_000.0;
    let bill = 199.0 * 0.20e-6 + gb_s * 0.000_016_666_7;

    // The trace lasts 1,260 s; a 30-minute horizon lets every invocation finish.
    let path = traces().join("azure2021-sample/Azure2021_200.csv");
    let replay = format!(r#"{{ format = "azure2021", path = "{}" }}"#, path.display());
    let r = run(&scenario(&lambda_scenario(&replay, "30m", "")));
    let v = &r.variants[0];
    assert_eq!(v.requests.arrived, 199);
    assert_eq!(v.requests.completed, 199);
    assert_eq!(v.requests.cold_starts, cold);
    let sim_cold: BTreeMap<String, u64> = v
        .functions
        .iter()
        .filter(|f| f.requests.cold_starts > 0)
        .map(|f| (f.name.clone(), f.requests.cold_starts))
        .collect();
    assert_eq!(sim_cold, cold_by_function);
    let counts: BTreeMap<String, u64> = invocations.iter().fold(BTreeMap::new(), |mut m, i| {
        *m.entry(i.function.clone()).or_default() += 1;
        m
    });
    assert_eq!(replayed_counts(v), counts);
    // functions.csv has a row per function, its counts as in summary.json.
    let csv = scalesim::report::functions_csv(&r).unwrap();
    assert_eq!(csv.lines().count(), 1 + 31);
    let busiest = &v.functions[0];
    assert!(csv.lines().nth(1).unwrap().starts_with(&format!(
        "fn,{},1769,{},{}",
        busiest.name, busiest.requests.arrived, busiest.requests.completed
    )));
    let compute = &v.cost.lines[1];
    assert!(
        (compute.quantity - gb_s).abs() < 1e-9,
        "{} GB-s",
        compute.quantity
    );
    assert!(
        (v.cost.total_usd - bill).abs() < 1e-12,
        "${} vs ${bill}",
        v.cost.total_usd
    );
}

/// The selection: `top_functions` keeps the functions with the most requests, `functions` names
/// them (a unique prefix of an Azure hash is enough); the rest are counted as not selected.
#[test]
fn function_filter_and_top_k() {
    let expected = azure2019_counts("azure2019-sample-10");
    let mut ranked: Vec<(&String, &u64)> = expected.iter().collect();
    ranked.sort_by_key(|(_, n)| std::cmp::Reverse(**n));
    let path = traces().join("azure2019-sample-10");
    let run_with = |select: &str| {
        let replay = format!(
            r#"{{ format = "azure2019", path = "{}", {select} }}"#,
            path.display()
        );
        run(&scenario(&lambda_scenario(&replay, "2h", "")))
    };
    let r = run_with("top_functions = 3");
    let names: Vec<&str> = r.variants[0]
        .functions
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    let top3: Vec<&str> = ranked[..3].iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, top3);
    let replay = r.traffic.replay.as_ref().unwrap();
    assert_eq!(replay.functions_replayed, 3);
    let left: u64 = ranked[3..].iter().map(|(_, n)| **n).sum();
    assert_eq!(replay.not_selected_rows, left);

    let (name, _) = ranked[5];
    let prefix = &name[..12];
    let r = run_with(&format!(r#"functions = ["{prefix}"]"#));
    assert_eq!(r.variants[0].functions.len(), 1);
    assert_eq!(r.variants[0].functions[0].name, *name);
}
