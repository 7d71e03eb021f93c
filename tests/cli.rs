//! The binary, end to end: help texts, every shipped scenario, determinism of the files it
//! writes, and the error text for each kind of bad scenario (exit 1, nothing written).

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

fn scalesim(cwd: &Path) -> Command {
    let mut c = Command::cargo_bin("scalesim").unwrap();
    c.current_dir(cwd);
    c
}

const GOOD: &str = r#"
name = "good"
seed = 4
horizon = "10m"
[traffic]
arrivals = { process = "poisson", rate_per_s = 20 }
[traffic.request]
duration = { dist = "exponential", mean_ms = 150 }
cpu_fraction = 0.4
memory_mb = 256
[[variant]]
name = "lambda-512mb"
platform = "lambda"
memory_mb = 512
runtime = "python"
[[variant]]
name = "ec2"
platform = "ec2"
instance_type = "m7g.large"
count = 2
slots = 8
"#;

#[test]
fn help_shows_examples() {
    let dir = TempDir::new().unwrap();
    for cmd in [
        "run",
        "validate",
        "report",
        "presets",
        "sweep",
        "merge",
        "breakeven",
        "cheapest",
    ]
    .iter()
    .map(|c| vec![*c, "--help"])
    .chain([vec!["--help"]])
    {
        let args = cmd.as_slice();
        let out = scalesim(dir.path()).args(args).assert().success();
        let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        assert!(text.contains("Examples:"), "{args:?}: {text}");
    }
}

#[test]
fn every_shipped_scenario_runs_over_a_short_horizon() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut count = 0;
    for entry in fs::read_dir(root.join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        count += 1;
        let out = TempDir::new().unwrap();
        let text = fs::read_to_string(&path).unwrap();
        let file = path.to_str().unwrap();
        if !scalesim::scenario::sweep::Sweep::parse(&text, file)
            .unwrap()
            .is_empty()
        {
            // A sweep: every point, through `scalesim sweep`.
            scalesim(root)
                .args(["sweep", file, "--horizon", "2h", "--out"])
                .arg(out.path())
                .assert()
                .success();
            let results = fs::read_to_string(out.path().join("results.csv")).unwrap();
            assert!(results.lines().count() > 2, "{results}");
            // One swept field: cost and p99 charts against it.
            for chart in [
                "sweep-cost.svg",
                "sweep-cost.png",
                "sweep-p99.svg",
                "sweep-p99.png",
            ] {
                let len = fs::metadata(out.path().join(chart)).unwrap().len();
                assert!(len > 1_000, "{chart}: {len} bytes");
            }
            continue;
        }
        scalesim(root)
            .args(["run", path.to_str().unwrap(), "--horizon", "2h", "--out"])
            .arg(out.path())
            .assert()
            .success();
        let json: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(out.path().join("summary.json")).unwrap())
                .unwrap();
        let variants = json["variants"].as_array().unwrap();
        assert!(!variants.is_empty());
        for v in variants {
            assert!(v["requests"]["arrived"].as_u64().unwrap() > 0, "{path:?}");
            assert!(v["cost"]["total_usd"].as_f64().unwrap() >= 0.0, "{path:?}");
        }
        assert!(
            variants
                .iter()
                .any(|v| v["cost"]["total_usd"].as_f64().unwrap() > 0.0)
        );
        let csv = fs::read_to_string(out.path().join("summary.csv")).unwrap();
        assert_eq!(csv.lines().count(), variants.len() + 1);
    }
    assert!(count >= 4, "only {count} scenarios shipped");
}

#[test]
fn run_writes_reports_under_the_scenario_name_and_prints_the_table() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("good.toml"), GOOD).unwrap();
    let out = scalesim(dir.path())
        .args(["run", "good.toml"])
        .assert()
        .success();
    let table = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for row in [
        "cost per million requests",
        "latency p99.9 ms",
        "cold starts",
        "mean utilisation",
    ] {
        assert!(table.contains(row), "missing {row}: {table}");
    }
    assert!(dir.path().join("reports/good/summary.json").is_file());
    assert!(dir.path().join("reports/good/summary.csv").is_file());
}

#[test]
fn same_seed_same_files_other_seed_differs() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("good.toml"), GOOD).unwrap();
    let run = |out: &str, seed: &str| {
        scalesim(dir.path())
            .args([
                "run",
                "good.toml",
                "--format",
                "json",
                "--seed",
                seed,
                "--out",
                out,
            ])
            .assert()
            .success();
        fs::read(dir.path().join(out).join("summary.json")).unwrap()
    };
    let a = run("a", "4");
    assert_eq!(a, run("b", "4"));
    assert_ne!(a, run("c", "5"));
}

#[test]
fn json_and_csv_on_stdout_match_the_files() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("good.toml"), GOOD).unwrap();
    for (format, file) in [("json", "summary.json"), ("csv", "summary.csv")] {
        let out = scalesim(dir.path())
            .args(["run", "good.toml", "--format", format, "--out", "o"])
            .assert()
            .success();
        assert_eq!(
            out.get_output().stdout,
            fs::read(dir.path().join("o").join(file)).unwrap()
        );
    }
}

/// Replace `from` in GOOD with `to`, asserting it was there.
fn bad(from: &str, to: &str) -> String {
    assert!(GOOD.contains(from), "{from}");
    GOOD.replacen(from, to, 1)
}

/// Run `scalesim run bad.toml` on `text`: exit 1, nothing written, stderr returned.
fn rejected(text: &str) -> String {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("bad.toml"), text).unwrap();
    let out = scalesim(dir.path())
        .args(["run", "bad.toml"])
        .assert()
        .code(1);
    assert!(!dir.path().join("reports").exists(), "reports/ was written");
    assert!(out.get_output().stdout.is_empty());
    String::from_utf8(out.get_output().stderr.clone()).unwrap()
}

#[test]
fn bad_scenarios_are_rejected_with_pinned_messages() {
    let cases = [
        ("unknown_key", bad("slots = 8", "slots = 8\nslot_count = 3")),
        (
            "wrong_type",
            bad("rate_per_s = 20", "rate_per_s = \"fast\""),
        ),
        ("negative_rate", bad("rate_per_s = 20", "rate_per_s = -20")),
        (
            "memory_too_large",
            bad("memory_mb = 512", "memory_mb = 20000"),
        ),
        ("memory_too_small", bad("memory_mb = 512", "memory_mb = 64")),
        ("zero_slots", bad("slots = 8", "slots = 0")),
        ("unknown_instance_type", bad("m7g.large", "m7g.huge")),
        ("unknown_process", bad("\"poisson\"", "\"poison\"")),
        ("unknown_runtime", bad("\"python\"", "\"cobol\"")),
        (
            "bad_duration",
            bad("horizon = \"10m\"", "horizon = \"ten minutes\""),
        ),
        (
            "cpu_fraction_above_one",
            bad("cpu_fraction = 0.4", "cpu_fraction = 1.5"),
        ),
        ("slots_exceed_memory", bad("slots = 8", "slots = 64")),
        (
            "duplicate_variant",
            bad("name = \"ec2\"", "name = \"lambda-512mb\""),
        ),
        ("toml_syntax", bad("count = 2", "count = = 2")),
        (
            "no_variants",
            GOOD[..GOOD.find("[[variant]]").unwrap()].to_string(),
        ),
        ("missing_field", bad("count = 2\n", "")),
        (
            "field_of_another_platform",
            bad("runtime = \"python\"", "runtime = \"python\"\nslots = 4"),
        ),
        (
            "field_of_another_dist",
            bad("mean_ms = 150", "median_ms = 150"),
        ),
        ("missing_dist_field", bad(", mean_ms = 150", "")),
        (
            "lognormal_p99_below_median",
            bad(
                "dist = \"exponential\", mean_ms = 150",
                "dist = \"lognormal\", median_ms = 150, p99_ms = 100",
            ),
        ),
        (
            "unsorted_list",
            bad(
                "process = \"poisson\", rate_per_s = 20",
                "process = \"list\", at_s = [1.0, 3.0, 2.0]",
            ),
        ),
        (
            "target_tracking_cpu_above_100",
            bad(
                "slots = 8",
                "slots = 8\nautoscaling = { policy = \"target_tracking\", predefined_metric_type = \"ASGAverageCPUUtilization\", target_value = 150, max_size = 4 }",
            ),
        ),
        (
            "hpa_missing_max_replicas",
            bad(
                "slots = 8",
                "slots = 8\nautoscaling = { policy = \"hpa\", average_utilization = 60 }",
            ),
        ),
        (
            "hpa_field_on_target_tracking",
            bad(
                "slots = 8",
                "slots = 8\nautoscaling = { policy = \"target_tracking\", predefined_metric_type = \"ASGAverageCPUUtilization\", target_value = 50, max_size = 4, tolerance = 0.2 }",
            ),
        ),
        (
            "step_on_the_wrong_side",
            bad(
                "slots = 8",
                "slots = 8\nautoscaling = { policy = \"step\", predefined_metric_type = \"ASGAverageCPUUtilization\", max_size = 4, scale_in = { threshold = 30, step_adjustments = [{ metric_interval_lower_bound = 5, scaling_adjustment = -1 }] } }",
            ),
        ),
        (
            "count_outside_min_max",
            bad(
                "count = 2",
                "count = 9\nautoscaling = { policy = \"hpa\", average_utilization = 60, max_replicas = 4 }",
            ),
        ),
        (
            "schedule_bad_time",
            format!("{GOOD}\n[[variant.schedule]]\nat = \"25:00\"\ndesired_capacity = 3\n"),
        ),
    ];
    for (name, text) in cases {
        insta::assert_snapshot!(name, rejected(&text));
    }
}

#[test]
fn missing_file_and_bad_flags() {
    let dir = TempDir::new().unwrap();
    let out = scalesim(dir.path())
        .args(["run", "nope.toml"])
        .assert()
        .code(1);
    insta::assert_snapshot!(
        "missing_file",
        String::from_utf8(out.get_output().stderr.clone()).unwrap()
    );
    fs::write(dir.path().join("good.toml"), GOOD).unwrap();
    scalesim(dir.path())
        .args(["run", "good.toml", "--horizon", "soon"])
        .assert()
        .code(2);
    scalesim(dir.path())
        .args(["run", "good.toml", "--format", "xml"])
        .assert()
        .code(2);
    assert!(!dir.path().join("reports").exists());
}

#[test]
fn validate_accepts_good_and_rejects_bad() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("good.toml"), GOOD).unwrap();
    fs::write(dir.path().join("bad.toml"), bad("slots = 8", "slots = 0")).unwrap();
    scalesim(dir.path())
        .args(["validate", "good.toml"])
        .assert()
        .success();
    scalesim(dir.path())
        .args(["validate", "bad.toml"])
        .assert()
        .code(1);
}
