//! Experiments: sweeps give the same results on one thread or many and sharded-then-merged;
//! break-even matches a crossing worked out by hand; the memory search finds a known optimum;
//! replication confidence intervals cover a known mean at about the nominal rate.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

use scalesim_core::billing::book::list_price;
use scalesim_core::experiment::{
    self, BreakevenSpec, CheapestSpec, Limits, Overrides, Plan, aggregate, figure, stats::Estimate,
};
use scalesim_core::scenario::sweep::Sweep;
use scalesim_traces::files;

const SWEEP: &str = r#"
name = "sweep"
seed = 3
horizon = "10m"
[traffic]
arrivals = { process = "poisson", rate_per_s = { from = 2, to = 40, steps = 5, scale = "log" } }
[traffic.request]
duration = { dist = "lognormal", median_ms = 80, p99_ms = 600 }
cpu_fraction = 0.3
[[variant]]
name = "fn"
platform = "lambda"
memory_mb = [512, 1024]
runtime = "python"
[[variant]]
name = "ec2"
platform = "ec2"
instance_type = "t3.medium"
count = 1
slots = 8
"#;

fn plan(text: &str, replications: u32) -> Plan {
    Plan::new(
        Sweep::parse(text, "sweep.toml").unwrap(),
        replications,
        Overrides::default(),
        &files(),
    )
    .unwrap()
}

/// 5 rates × 2 memory sizes × 3 seeds: the same rows on one thread and on four.
#[test]
fn a_sweep_is_the_same_on_one_thread_and_many() {
    let p = plan(SWEEP, 3);
    assert_eq!(p.points.len(), 10);
    let on = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| experiment::run(&p, None, &|| {}).unwrap())
    };
    let one = on(1);
    assert_eq!(one.len(), 10 * 3 * 2);
    // Compared as text: `slo_met` is NaN without an SLO, and NaN != NaN.
    assert_eq!(format!("{one:?}"), format!("{:?}", on(4)));
    // Replication 0 is the scenario's own seed: it equals a plain run of that point.
    let plain = scalesim_core::sim::run(&p.points[7], &|_| {});
    let cost = figure("cost_usd").unwrap();
    assert_eq!(one[7 * 6].figures[cost], plain.variants[0].cost.total_usd);
}

fn sweep_cli(dir: &Path, args: &[&str]) {
    Command::cargo_bin("scalesim")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .assert()
        .success();
}

/// The same sweep whole, and as three shards merged: byte-identical runs and results files.
#[test]
fn sharded_then_merged_equals_unsharded() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    fs::write(d.join("s.toml"), SWEEP).unwrap();
    sweep_cli(
        d,
        &["sweep", "s.toml", "--replications", "2", "--out", "whole"],
    );
    for i in 0..3 {
        let shard = format!("{i}/3");
        let out = format!("part{i}");
        sweep_cli(
            d,
            &[
                "sweep",
                "s.toml",
                "--replications",
                "2",
                "--shard",
                &shard,
                "--out",
                &out,
            ],
        );
        assert!(!d.join(&out).join("results.csv").exists());
    }
    // Shards in any order.
    sweep_cli(d, &["merge", "part2", "part0", "part1", "--out", "merged"]);
    for f in ["results.csv", "runs.csv", "sweep.json", "results.parquet"] {
        assert_eq!(
            fs::read(d.join("whole").join(f)).unwrap(),
            fs::read(d.join("merged").join(f)).unwrap(),
            "{f}"
        );
    }
    // A folder holding the shards (no shell to expand `shards/*`, as in a container).
    fs::create_dir_all(d.join("shards")).unwrap();
    for i in 0..3 {
        fs::rename(d.join(format!("part{i}")), d.join(format!("shards/{i}"))).unwrap();
    }
    sweep_cli(d, &["merge", "shards", "--out", "from-parent"]);
    for f in ["results.csv", "runs.csv", "sweep.json", "results.parquet"] {
        assert_eq!(
            fs::read(d.join("whole").join(f)).unwrap(),
            fs::read(d.join("from-parent").join(f)).unwrap(),
            "{f}"
        );
    }
    for i in 0..3 {
        fs::rename(d.join(format!("shards/{i}")), d.join(format!("part{i}"))).unwrap();
    }
    // A missing shard is refused.
    let err = fails(d, &["merge", "part0", "part2", "--out", "bad"]);
    assert!(err.contains("missing shard(s): 1/3"), "{err}");
    assert!(!d.join("bad").exists());
}

/// A merge of shards that do not belong together names the folders and what differs; a split
/// into more shards than points is warned of, at the sweep and at the merge.
#[test]
fn merge_names_the_folder_that_differs_and_how() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    fs::write(d.join("s.toml"), SWEEP).unwrap();
    let shard = |i: u32, extra: &[&str], out: &str| {
        let sh = format!("{i}/2");
        let mut args = vec!["sweep", "s.toml", "--shard", &sh, "--out", out];
        args.extend_from_slice(extra);
        sweep_cli(d, &args);
    };
    shard(0, &[], "a0");
    shard(1, &[], "a1");
    for (extra, out, says) in [
        (&["--seed", "4"][..], "seed", "seed 3 vs 4"),
        (
            &["--horizon", "5m"][..],
            "horizon",
            "horizon 600 s vs 300 s",
        ),
        (
            &["--replications", "2"][..],
            "reps",
            "--replications 1 vs 2",
        ),
        (
            &["--set", "variant[ec2].count=2"][..],
            "text",
            "ran different scenario texts",
        ),
    ] {
        shard(1, extra, out);
        let err = fails(d, &["merge", "a0", out, "--out", "bad"]);
        assert!(
            err.contains(&format!(
                "{out} and a0 are shards of different sweeps: {says}"
            )),
            "{err}"
        );
    }
    // Another version of scalesim: its sweep.json says so.
    fs::create_dir_all(d.join("old")).unwrap();
    for f in ["runs.parquet", "runs.csv"] {
        fs::copy(d.join("a1").join(f), d.join("old").join(f)).unwrap();
    }
    let json = fs::read_to_string(d.join("a1/sweep.json")).unwrap();
    let version = format!("\"scalesim_version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(json.contains(&version), "{json}");
    fs::write(
        d.join("old/sweep.json"),
        json.replace(&version, "\"scalesim_version\": \"0.0.9\""),
    )
    .unwrap();
    let err = fails(d, &["merge", "a0", "old", "--out", "bad"]);
    assert!(
        err.contains(&format!(
            "old and a0 are shards of different sweeps: made by scalesim {} and scalesim 0.0.9",
            env!("CARGO_PKG_VERSION")
        )),
        "{err}"
    );
    // The same shard twice.
    let err = fails(d, &["merge", "a0", "a0", "a1", "--out", "bad"]);
    assert!(err.contains("shard 0/2 is given twice: a0 and a0"), "{err}");
    assert!(!d.join("bad").exists());
    // 10 points (5 rates × 2 memory sizes) in 12 shards: 2 hold none.
    let out = Command::cargo_bin("scalesim")
        .unwrap()
        .current_dir(d)
        .args(["sweep", "s.toml", "--shard", "11/12", "--out", "p11"])
        .assert()
        .success();
    let said = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        said.contains(
            "the sweep has 10 points and is split into 12 shards: 2 of them hold no point"
        ),
        "{said}"
    );
}

/// A sweep has its own report page — its charts and every row of its results — and
/// `scalesim report` renders a sweep folder again from its runs: the same bytes, every file.
/// A run refuses to replace the sweep's folder (another kind of output) and leaves it whole.
#[test]
fn a_sweep_has_a_report_page_that_report_renders_again() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    fs::write(d.join("s.toml"), SWEEP).unwrap();
    sweep_cli(d, &["sweep", "s.toml", "--out", "sw"]);
    let html = fs::read_to_string(d.join("sw/report.html")).unwrap();
    assert!(html.contains("<table class=\"results\">"), "{html}");
    // One table row per point and variant (5 rates × 2 memory sizes = 10 points, 2 variants),
    // plus the header. (Two swept fields: no line charts, the table only.)
    assert_eq!(html.matches("<tr>").count(), 10 * 2 + 1);
    let files = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                (
                    p.file_name().unwrap().to_string_lossy().to_string(),
                    fs::read(&p).unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let before = files(&d.join("sw"));
    sweep_cli(d, &["report", "sw"]);
    assert_eq!(before, files(&d.join("sw")));
    let err = fails(
        d,
        &[
            "run",
            "s.toml",
            "--set",
            "traffic.arrivals.rate_per_s=5",
            "--set",
            "variant[fn].memory_mb=512",
            "--out",
            "sw",
        ],
    );
    assert!(err.contains("holds a sweep's results"), "{err}");
    assert_eq!(before, files(&d.join("sw")));
}

/// Even arrivals at r per second for an hour, 100 ms each on 1,024 MB, no cold-start time, no
/// free tier: Lambda costs N × ($0.20 / M + 0.1 s × 1 GB × $/GB-s) with N = 3,600 r requests.
/// One m7g.large, no load balancer, costs one hour, whatever the rate. They cross at
/// r* = hour price / (3,600 × per-request cost) ≈ 12.14 req/s. N is a whole number, so the
/// simulated cost moves in steps of one request: the crossing found lies within the tolerance
/// plus one request's worth of rate (1/3,600 req/s) of r*.
#[test]
fn break_even_matches_the_crossing_by_hand() {
    let text = r#"
name = "by-hand"
horizon = "1h"
[traffic]
arrivals = { process = "even", rate_per_s = 5.0 }
[traffic.request]
duration = { dist = "constant", ms = 100 }
cpu_fraction = 0.0
[[variant]]
name = "fn"
platform = "lambda"
memory_mb = 1024
cold_start = { dist = "constant", ms = 0 }
[[variant]]
name = "ec2"
platform = "ec2"
instance_type = "m7g.large"
count = 1
slots = 64
load_balancer = false
"#;
    let price = |id| list_price("aws", "us-east-1", id).usd();
    let per_request = price("lambda.requests") + 0.1 * 1.0 * price("lambda.duration.x86_64");
    let hour = price("ec2.m7g.large");
    let r_star = hour / (3_600.0 * per_request);
    let tolerance = 0.001;
    let spec = BreakevenSpec {
        vary: "traffic.arrivals.rate_per_s".into(),
        between: (1.0, 100.0),
        variants: None,
        replications: 1,
        tolerance: Some(tolerance),
        curve_points: 5,
        overrides: Overrides::default(),
    };
    let b = experiment::breakeven(text, "by-hand.toml", &spec, &files(), &|_| {}).unwrap();
    let crossing = b.crossing.unwrap();
    assert!(
        (crossing - r_star).abs() <= tolerance + 1.0 / 3_600.0,
        "found {crossing} vs {r_star}"
    );
    let bracket = b.bracket.unwrap();
    assert!(bracket.1 - bracket.0 <= tolerance);
    assert_eq!(b.cheaper_below.as_deref(), Some("fn"));
    // Every point feasible: nothing dropped, no SLO.
    assert!(b.evaluations.iter().all(|e| e.comparable()));
    // No crossing in a range where Lambda is always cheaper: an answer, not an error.
    let spec = BreakevenSpec {
        between: (1.0, 10.0),
        ..spec
    };
    let b = experiment::breakeven(text, "by-hand.toml", &spec, &files(), &|_| {}).unwrap();
    assert_eq!((b.crossing, b.bracket), (None, None));
    assert!(
        b.finding
            .contains("No crossing between 1 and 10: fn is cheaper at every value tried where both are feasible (5 of 5)"),
        "{}",
        b.finding
    );
}

/// The scenario above with the function held to one concurrent environment. Even arrivals at
/// r req/s, 100 ms each, need r × 0.1 environments: above 10 req/s some must be throttled, so
/// Lambda drops requests and is not a feasible choice there (no SLO is set: the failure limit
/// is then 0 %). Of the curve 1, 25.75, 50.5, 75.25, 100 req/s only 1 req/s keeps Lambda
/// feasible, where it is cheaper (see above: the costs cross near 12.14 req/s). The pure cost
/// crossing lies beyond the feasible range, so there is no crossing: the answer says so and
/// names where Lambda is not feasible.
#[test]
fn break_even_ignores_points_where_a_variant_drops_requests() {
    let text = r#"
name = "by-hand"
horizon = "10m"
[traffic]
arrivals = { process = "even", rate_per_s = 5.0 }
[traffic.request]
duration = { dist = "constant", ms = 100 }
cpu_fraction = 0.0
[[variant]]
name = "fn"
platform = "lambda"
memory_mb = 1024
concurrency = 1
cold_start = { dist = "constant", ms = 0 }
[[variant]]
name = "ec2"
platform = "ec2"
instance_type = "m7g.large"
count = 1
slots = 64
load_balancer = false
"#;
    let spec = BreakevenSpec {
        vary: "traffic.arrivals.rate_per_s".into(),
        between: (1.0, 100.0),
        variants: None,
        replications: 1,
        tolerance: None,
        curve_points: 5,
        overrides: Overrides::default(),
    };
    let b = experiment::breakeven(text, "by-hand.toml", &spec, &files(), &|_| {}).unwrap();
    assert_eq!(b.crossing, None);
    assert_eq!(b.limits.max_failed_pct, Some(0.0));
    let xs: Vec<f64> = b.evaluations.iter().map(|e| e.x).collect();
    assert_eq!(xs, vec![1.0, 25.75, 50.5, 75.25, 100.0]);
    assert!(b.evaluations[0].comparable());
    for e in &b.evaluations[1..] {
        let why = e.infeasible_a.as_deref().unwrap_or_default();
        assert!(why.contains("throttled"), "{}: {why}", e.x);
        assert_eq!(e.infeasible_b, None);
    }
    assert!(
        b.finding
            .contains("fn is cheaper at every value tried where both are feasible (1 of 5)")
            && b.finding.contains("fn is not feasible at: 25.75 ("),
        "{}",
        b.finding
    );
    // The table says so too.
    let files = scalesim_report::search::breakeven_files(&b).unwrap();
    let csv = String::from_utf8(files[1].bytes.clone()).unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with("feasible_a,why_not_a,feasible_b,why_not_b,invalid")
    );
    assert!(
        csv.lines().nth(1).unwrap().contains(",true,,true,,"),
        "{csv}"
    );
    assert!(csv.lines().nth(2).unwrap().contains(",false,"), "{csv}");
}

/// The memory search. Each request is 200 ms of single-threaded CPU work on one vCPU plus
/// 50 ms of waiting; below 1,769 MB the CPU part stretches by 1,769 / m, so latency is
/// 0.2 × 1,769 / m + 0.05 s (constant: the p99 is exactly that). Billed GB-s per request is
/// that × m / 1,024 = (0.2 × 1,769 + 0.05 m) / 1,024: it grows with m. So the cheapest size
/// under a 300 ms p99 is the smallest m with 0.2 × 1,769 / m + 0.05 ≤ 0.3, i.e. m ≥ 1,415.2 MB:
/// of the sizes 128, 192, …, 3,008 that is 1,472 MB (1,408 MB gives 301.3 ms).
#[test]
fn memory_search_finds_the_known_optimum() {
    let text = r#"
name = "memory"
horizon = "10m"
[traffic]
arrivals = { process = "even", rate_per_s = 1.0 }
[traffic.request]
duration = { dist = "constant", ms = 250 }
cpu_fraction = 0.8
[[variant]]
name = "fn"
platform = "lambda"
memory_mb = 512
cold_start = { dist = "constant", ms = 0 }
"#;
    let sizes: Vec<f64> = (0..)
        .map(|k| 128.0 + 64.0 * f64::from(k))
        .take_while(|m| *m <= 3_008.0)
        .collect();
    let closed_form = sizes
        .iter()
        .copied()
        .find(|m| 0.2 * 1_769.0 / m + 0.05 <= 0.3)
        .unwrap();
    assert_eq!(closed_form, 1_472.0);
    let limits = Limits {
        p99_ms: Some(300.0),
        max_failed_pct: None,
    };
    let spec = CheapestSpec {
        vary: "variant[fn].memory_mb".into(),
        values: sizes.clone(),
        variant: "fn".into(),
        limits,
        replications: 1,
        overrides: Overrides::default(),
    };
    let (candidates, best) = experiment::cheapest(text, "memory.toml", &spec, &files()).unwrap();
    assert_eq!(candidates[best.unwrap()].x, closed_form);
    // 1,408 MB misses the limit by its p99 of 0.2 × 1,769 / 1,408 + 0.05 s = 301.3 ms.
    let smaller = candidates.iter().find(|c| c.x == 1_408.0).unwrap();
    assert!(
        smaller.why_not.as_deref().unwrap().starts_with("p99 301"),
        "{:?}",
        smaller.why_not
    );
    // And it is cheaper than every larger size that also meets the limit.
    let chosen = candidates[best.unwrap()].cost.mean;
    assert!(
        candidates
            .iter()
            .filter(|c| c.feasible)
            .all(|c| c.cost.mean >= chosen)
    );
}

/// Confidence intervals. Poisson arrivals at 20/s for 60 s: the number arrived has mean exactly
/// 1,200. 200 sweeps (base seeds 1–200) of 10 replications each give 200 Student-t 95 %
/// intervals. Poisson(1,200) counts are very nearly normal, so each covers 1,200 with
/// probability ≈ 0.95 and the number that do is Binomial(200, 0.95): mean 190, sd 3.1. We accept
/// 180–199: below 180 is more than 3 sd short (probability < 0.1 %), and all 200 happen with
/// probability 0.95^200 ≈ 3.5e-5 (intervals far too wide).
#[test]
fn intervals_cover_a_known_mean_at_the_nominal_rate() {
    let text = r#"
name = "ci"
horizon = "60s"
[traffic]
arrivals = { process = "poisson", rate_per_s = 20.0 }
[traffic.request]
duration = { dist = "constant", ms = 10 }
[[variant]]
name = "fn"
platform = "lambda"
memory_mb = 512
cold_start = { dist = "constant", ms = 0 }
"#;
    let arrived = figure("arrived").unwrap();
    let covered = (1..=200u64)
        .filter(|&seed| {
            let p = Plan::new(
                Sweep::parse(text, "ci.toml").unwrap(),
                10,
                Overrides {
                    seed: Some(seed),
                    horizon: None,
                },
                &files(),
            )
            .unwrap();
            let rows = experiment::run(&p, None, &|| {}).unwrap();
            let result = &aggregate(&rows, &["fn".to_string()])[0];
            let e: Estimate = result.figures[arrived];
            let (lo, hi) = e.ci95.unwrap();
            lo <= 1_200.0 && 1_200.0 <= hi
        })
        .count();
    assert!(
        (180..=199).contains(&covered),
        "{covered} of 200 intervals cover the mean"
    );
}

/// Run `scalesim` in `dir` expecting failure; its stderr.
fn fails(dir: &Path, args: &[&str]) -> String {
    let out = Command::cargo_bin("scalesim")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .assert()
        .code(1);
    String::from_utf8(out.get_output().stderr.clone()).unwrap()
}

/// `scalesim run` on a sweep points to `scalesim sweep`; `validate` checks every point and names
/// the one that fails; a bad range is refused with what a range is.
#[test]
fn run_and_validate_know_sweeps() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    fs::write(d.join("s.toml"), SWEEP).unwrap();
    insta::assert_snapshot!("run_on_a_sweep", fails(d, &["run", "s.toml"]));
    let bad = SWEEP.replace("memory_mb = [512, 1024]", "memory_mb = [512, 20000]");
    fs::write(d.join("bad.toml"), bad).unwrap();
    insta::assert_snapshot!("sweep_point_invalid", fails(d, &["validate", "bad.toml"]));
    let range = SWEEP.replace("steps = 5, scale = \"log\"", "steps = 1");
    fs::write(d.join("range.toml"), range).unwrap();
    insta::assert_snapshot!("sweep_bad_range", fails(d, &["sweep", "range.toml"]));
}

/// A value at which the scenario does not validate (64 MB: Lambda takes 128 MB to 10,240 MB)
/// is an infeasible candidate carrying the error with the value, and the search goes on: of
/// 64, 1,472 and 3,008 MB under the 300 ms p99 of the test above, 1,472 MB is cheapest. With a
/// 100 ms limit no size qualifies (from 1,769 MB on, one thread runs at full speed: 200 ms of
/// CPU + 50 ms of waiting = 250 ms at 3,008 MB): an answer with no choice, not an error.
#[test]
fn a_search_reports_invalid_values_and_goes_on() {
    let text = r#"
name = "memory"
horizon = "10m"
[traffic]
arrivals = { process = "even", rate_per_s = 1.0 }
[traffic.request]
duration = { dist = "constant", ms = 250 }
cpu_fraction = 0.8
[[variant]]
name = "fn"
platform = "lambda"
memory_mb = 512
cold_start = { dist = "constant", ms = 0 }
"#;
    let search = |p99: f64| {
        let spec = CheapestSpec {
            vary: "variant[fn].memory_mb".into(),
            values: vec![64.0, 1_472.0, 3_008.0],
            variant: "fn".into(),
            limits: Limits {
                p99_ms: Some(p99),
                max_failed_pct: None,
            },
            replications: 1,
            overrides: Overrides::default(),
        };
        experiment::cheapest(text, "memory.toml", &spec, &files()).unwrap()
    };
    let (candidates, best) = search(300.0);
    assert_eq!(best, Some(1));
    let invalid = &candidates[0];
    assert!(!invalid.feasible && invalid.cost.mean.is_nan());
    let why = invalid.why_not.as_deref().unwrap();
    assert!(
        why.contains("variant[fn].memory_mb = 64 is not valid") && why.contains("memory.toml:"),
        "{why}"
    );
    let (candidates, best) = search(100.0);
    assert_eq!(best, None);
    assert!(
        candidates[2]
            .why_not
            .as_deref()
            .unwrap()
            .starts_with("p99 250 ms > 100 ms")
    );
}

/// A break-even over a whole-number field searches whole numbers whatever its bounds: found by
/// trying to break searches, `--between 1,3.5` on `count` tried 2.0, which a count cannot be,
/// at every point. Now it tries only 1, 2 and 3 and every one validates.
#[test]
fn break_even_over_a_count_tries_whole_counts() {
    let text = r#"
name = "counts"
horizon = "10m"
[traffic]
arrivals = { process = "even", rate_per_s = 5.0 }
[traffic.request]
duration = { dist = "constant", ms = 100 }
cpu_fraction = 0.0
[[variant]]
name = "fn"
platform = "lambda"
memory_mb = 1024
cold_start = { dist = "constant", ms = 0 }
[[variant]]
name = "ec2"
platform = "ec2"
instance_type = "m7g.large"
count = 1
slots = 64
load_balancer = false
"#;
    let spec = BreakevenSpec {
        vary: "variant[ec2].count".into(),
        between: (1.0, 3.5),
        variants: None,
        replications: 1,
        tolerance: None,
        curve_points: 3,
        overrides: Overrides::default(),
    };
    let b = experiment::breakeven(text, "counts.toml", &spec, &files(), &|_| {}).unwrap();
    assert!(!b.evaluations.is_empty());
    for e in &b.evaluations {
        assert!(e.invalid.is_none(), "{:?}", e.invalid);
        assert!(e.x.fract() == 0.0 && (1.0..=3.0).contains(&e.x), "{}", e.x);
    }
}

/// `scalesim cheapest` draws cost and p99 against the values tried on one chart, as Lambda
/// Power Tuning does: 250 ms requests, 80 % CPU-bound, at 512, 1,024 and 1,769 MB under a
/// 400 ms p99. At 1,769 MB the CPU part runs at full speed (250 ms in all); at 1,024 MB it
/// takes 200 × 1,769 / 1,024 = 345.5 ms + 50 ms = 395.5 ms (within 400); at 512 MB 741 ms
/// (outside). The chart names the limit, marks the value outside it and rings 1,024 MB.
#[test]
fn cheapest_draws_cost_and_p99_against_the_value() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    fs::write(
        d.join("m.toml"),
        r#"
name = "memory"
horizon = "10m"
[traffic]
arrivals = { process = "even", rate_per_s = 1.0 }
[traffic.request]
duration = { dist = "constant", ms = 250 }
cpu_fraction = 0.8
[[variant]]
name = "fn"
platform = "lambda"
memory_mb = 512
cold_start = { dist = "constant", ms = 0 }
"#,
    )
    .unwrap();
    let out = Command::cargo_bin("scalesim")
        .unwrap()
        .current_dir(d)
        .args([
            "cheapest",
            "m.toml",
            "--variant",
            "fn",
            "--vary",
            "variant[fn].memory_mb",
            "--values",
            "512,1024,1769",
            "--p99-max",
            "400",
            "--out",
            "c",
        ])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("= 1024"), "{text}");
    let svg = fs::read_to_string(d.join("c/cheapest.svg")).unwrap();
    for label in [
        "p99 limit 400 ms",
        "outside the limits",
        "cheapest within the limits: 1024",
        "p99 ms",
    ] {
        assert!(svg.contains(label), "{label}");
    }
    assert!(fs::metadata(d.join("c/cheapest.png")).unwrap().len() > 1_000);
}
