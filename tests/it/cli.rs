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
        "compare",
        "completions",
        "watch",
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
    let root = crate::common::manifest_dir();
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
        if !scalesim_core::scenario::sweep::Sweep::parse(&text, file)
            .unwrap()
            .is_empty()
        {
            // A sweep: every point, through `scalesim sweep`.
            scalesim(&root)
                .args(["sweep", file, "--horizon", "2h", "--out"])
                .arg(out.path())
                .assert()
                .success();
            let results = fs::read_to_string(out.path().join("results.csv")).unwrap();
            assert!(results.lines().count() > 2, "{results}");
            // One swept field: cost and p99 charts against it.
            for chart in [
                "sweep-cost.svg",
                "report.html",
                "sweep-cost.png",
                "sweep-p99.svg",
                "sweep-p99.png",
            ] {
                let len = fs::metadata(out.path().join(chart)).unwrap().len();
                assert!(len > 1_000, "{chart}: {len} bytes");
            }
            continue;
        }
        scalesim(&root)
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
        "cost per million arrived",
        "monthly (730 h)",
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

/// `--horizon` takes exactly the rule of a scenario's `horizon`: 1 ns is 0 µs (the engine's
/// tick) and 500,000 years is past 366 days; both are refused on the command line (exit 2) with
/// the same words as in a file (exit 1).
#[test]
fn the_command_line_horizon_follows_the_file_rule() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("good.toml"), GOOD).unwrap();
    for horizon in ["1ns", "500000y"] {
        let cli = scalesim(dir.path())
            .args(["run", "good.toml", "--horizon", horizon])
            .assert()
            .code(2);
        let cli = String::from_utf8(cli.get_output().stderr.clone()).unwrap();
        let file = rejected(&bad(
            "horizon = \"10m\"",
            &format!("horizon = \"{horizon}\""),
        ));
        let rule = format!("\"{horizon}\" is not a usable horizon");
        for text in [&cli, &file] {
            assert!(text.contains(&rule), "{text}");
            assert!(
                text.contains("at least 1 µs and at most 366 days"),
                "{text}"
            );
        }
        for cmd in ["sweep", "breakeven", "cheapest"] {
            scalesim(dir.path())
                .args([cmd, "good.toml", "--horizon", horizon])
                .assert()
                .code(2);
        }
    }
    assert!(!dir.path().join("reports").exists());
}

/// A fleet's work grows with its instances × its periods, whatever its traffic: 10,000 fixed
/// instances over 366 days, metric period 60 s and 60 s intervals, are 10,000 × (527,040 +
/// 527,040) = 1.05 × 10^10 instance-periods — over the 10^10 a command starts without --force,
/// though only ~30 requests arrive. Said up front, nothing written.
#[test]
fn a_huge_fleet_over_a_long_horizon_is_refused_up_front() {
    let dir = TempDir::new().unwrap();
    let text = r#"
name = "big-fleet"
horizon = "366d"
[traffic]
arrivals = { process = "poisson", rate_per_s = 0.000001 }
[traffic.request]
duration = { dist = "constant", ms = 10 }
[[variant]]
name = "fleet"
platform = "ec2"
instance_type = "t3.nano"
count = 10000
slots = 1
load_balancer = false
"#;
    fs::write(dir.path().join("big.toml"), text).unwrap();
    let out = scalesim(dir.path())
        .args(["run", "big.toml"])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("1.1e10 fleet instance-periods"), "{err}");
    assert!(!dir.path().join("reports").exists());
}

/// 1,000 req/s for 200 days on two variants: 1,000 × 200 × 86,400 × 2 = 3.456 × 10^10
/// simulated requests, above the 10^10 a command starts without --force. It says so up front,
/// with its estimate, and writes nothing. A sweep of two such points doubles it.
#[test]
fn huge_work_is_refused_up_front_with_its_estimate() {
    let dir = TempDir::new().unwrap();
    let huge = bad("rate_per_s = 20", "rate_per_s = 1000").replace("\"10m\"", "\"200d\"");
    fs::write(dir.path().join("huge.toml"), &huge).unwrap();
    let out = scalesim(dir.path())
        .args(["run", "huge.toml"])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("about 3.5e10 requests"), "{err}");
    assert!(err.contains("--force"), "{err}");
    let sweep = huge.replace("rate_per_s = 1000", "rate_per_s = [999, 1000]");
    fs::write(dir.path().join("sweep.toml"), sweep).unwrap();
    let out = scalesim(dir.path())
        .args(["sweep", "sweep.toml"])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    // (999 + 1,000) × 200 × 86,400 × 2 = 6.9 × 10^10.
    assert!(err.contains("about 6.9e10 requests (2 run(s)"), "{err}");
    assert!(!dir.path().join("reports").exists());
}

/// `seed = [1, 2]` is refused by validate, at its line, before anything runs.
#[test]
fn sweeping_the_seed_is_refused_where_it_stands() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("s.toml"), bad("seed = 4", "seed = [1, 2]")).unwrap();
    for cmd in ["validate", "sweep", "run"] {
        let out = scalesim(dir.path()).args([cmd, "s.toml"]).assert().code(1);
        let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        assert!(err.contains("s.toml:3:"), "{cmd}: {err}");
        assert!(err.contains("`seed` cannot be swept"), "{cmd}: {err}");
    }
}

/// A scenario file that is not one is refused without reading it all.
#[test]
fn validate_dev_zero_ends_at_once() {
    let dir = TempDir::new().unwrap();
    let out = scalesim(dir.path())
        .args(["validate", "/dev/zero"])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("not a regular file"), "{err}");
}

/// The folder is replaced as a whole: a stale file of the old report is gone, nothing is left
/// beside it, and a folder that scalesim did not write is not touched.
#[test]
fn a_report_folder_is_replaced_as_a_whole() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("good.toml"), GOOD).unwrap();
    let out = dir.path().join("out");
    fs::create_dir_all(out.join("charts")).unwrap();
    fs::write(out.join("summary.json"), "{}").unwrap();
    fs::write(out.join("charts/stale.svg"), "old").unwrap();
    scalesim(dir.path())
        .args(["run", "good.toml", "--out", "out"])
        .assert()
        .success();
    assert!(!out.join("charts/stale.svg").exists());
    assert!(out.join("report.html").is_file());
    let beside: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(beside.is_empty(), "{beside:?}");
    // `scalesim report` rewrites the folder the same way, keeping the request logs.
    scalesim(dir.path())
        .args(["run", "good.toml", "--out", "out", "--request-log=0.5"])
        .assert()
        .success();
    // A file scalesim did not write (the planner's notes) is never deleted: the rewrite is
    // refused, the note kept, until it is moved.
    fs::write(out.join("notes.txt"), "mine").unwrap();
    let refused = scalesim(dir.path())
        .args(["report", "out"])
        .assert()
        .code(1);
    let err = String::from_utf8(refused.get_output().stderr.clone()).unwrap();
    assert!(
        err.contains("out holds notes.txt that scalesim did not write"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
    fs::remove_file(out.join("notes.txt")).unwrap();
    scalesim(dir.path())
        .args(["report", "out"])
        .assert()
        .success();
    assert!(out.join("requests/ec2.parquet").is_file());
    assert!(out.join("report.html").is_file());
    // Not a scalesim folder: refused, untouched.
    let mine = dir.path().join("mine");
    fs::create_dir(&mine).unwrap();
    fs::write(mine.join("notes.txt"), "keep").unwrap();
    let refused = scalesim(dir.path())
        .args(["run", "good.toml", "--out", "mine"])
        .assert()
        .code(1);
    let err = String::from_utf8(refused.get_output().stderr.clone()).unwrap();
    assert!(err.contains("is not a scalesim output folder"), "{err}");
    assert_eq!(fs::read_to_string(mine.join("notes.txt")).unwrap(), "keep");
}

/// Nothing a user put in an output folder is deleted by a rewrite: a chart of one's own in
/// `charts/` of a folder scalesim wrote; a folder written before the manifest existed (no
/// `.scalesim-output`) that holds a report.html beside one's code; an HTML file `compare
/// --html` would overwrite, or one inside a folder being compared. Each is refused, untouched.
#[test]
fn user_files_in_output_folders_survive() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    fs::write(d.join("good.toml"), GOOD).unwrap();
    let run = |out: &str| {
        scalesim(d)
            .args(["run", "good.toml", "--out", out])
            .assert()
    };
    run("a").success();
    fs::write(d.join("a/charts/mine.svg"), "mine").unwrap();
    let err = String::from_utf8(run("a").code(1).get_output().stderr.clone()).unwrap();
    assert!(
        err.contains("charts/mine.svg that scalesim did not write"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(d.join("a/charts/mine.svg")).unwrap(),
        "mine"
    );
    // An old-style folder: a report.html beside someone's code.
    fs::create_dir_all(d.join("proj/src")).unwrap();
    fs::write(d.join("proj/src/main.rs"), "code").unwrap();
    fs::write(d.join("proj/report.html"), "old").unwrap();
    let err = String::from_utf8(run("proj").code(1).get_output().stderr.clone()).unwrap();
    assert!(err.contains("proj holds src"), "{err}");
    assert_eq!(
        fs::read_to_string(d.join("proj/src/main.rs")).unwrap(),
        "code"
    );
    // compare --html: not over a file of one's own, not into a compared folder.
    fs::remove_file(d.join("a/charts/mine.svg")).unwrap();
    run("b").success();
    fs::write(d.join("mine.html"), "mine").unwrap();
    for target in ["mine.html", "a/summary.json", "a"] {
        scalesim(d)
            .args(["compare", "a", "b", "--html", target])
            .assert()
            .code(1);
    }
    assert_eq!(fs::read_to_string(d.join("mine.html")).unwrap(), "mine");
    assert!(
        fs::read_to_string(d.join("a/summary.json"))
            .unwrap()
            .starts_with('{')
    );
    // Its own page it replaces.
    for _ in 0..2 {
        scalesim(d)
            .args(["compare", "a", "b", "--html", "c.html"])
            .assert()
            .success();
    }
}

/// Two runs into one folder at once, with different seeds: whichever finishes last wins, and
/// every file of the folder comes from that one run (the seed in summary.json, summary.csv and
/// report.md agrees).
#[test]
fn two_runs_into_one_folder_leave_one_whole_report() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("good.toml"), GOOD).unwrap();
    let bin = env!("CARGO_BIN_EXE_scalesim");
    for _ in 0..3 {
        let children: Vec<std::process::Child> = ["1", "2"]
            .iter()
            .map(|seed| {
                std::process::Command::new(bin)
                    .current_dir(dir.path())
                    .args(["run", "good.toml", "--out", "out", "--seed", seed])
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut c in children {
            assert!(c.wait().unwrap().success());
        }
        let out = dir.path().join("out");
        let json: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
        let seed = json["seed"].as_u64().unwrap();
        let csv = fs::read_to_string(out.join("summary.csv")).unwrap();
        assert!(csv.starts_with("scenario,seed,"), "{csv}");
        for row in csv.lines().skip(1) {
            assert_eq!(row.split(',').nth(1).unwrap(), seed.to_string(), "{csv}");
        }
        let md = fs::read_to_string(out.join("report.md")).unwrap();
        assert!(md.contains(&format!(", seed {seed}")), "{md}");
    }
}

/// `merge --out` naming one of its inputs (or a folder holding one) is refused; the shard is
/// left as it was.
#[test]
fn merge_refuses_to_write_over_its_inputs() {
    let dir = TempDir::new().unwrap();
    fs::write(
        dir.path().join("s.toml"),
        bad("rate_per_s = 20", "rate_per_s = [10, 20]"),
    )
    .unwrap();
    for i in 0..2 {
        scalesim(dir.path())
            .args(["sweep", "s.toml", "--horizon", "1m", "--shard"])
            .arg(format!("{i}/2"))
            .args(["--out", &format!("shards/{i}")])
            .assert()
            .success();
    }
    let before = fs::read(dir.path().join("shards/0/sweep.json")).unwrap();
    for out in ["shards/0", "shards"] {
        let refused = scalesim(dir.path())
            .args(["merge", "shards/0", "shards/1", "--out", out])
            .assert()
            .code(1);
        let err = String::from_utf8(refused.get_output().stderr.clone()).unwrap();
        assert!(err.contains("would replace the input"), "{err}");
    }
    assert_eq!(
        fs::read(dir.path().join("shards/0/sweep.json")).unwrap(),
        before
    );
    scalesim(dir.path())
        .args(["merge", "shards/0", "shards/1", "--out", "all"])
        .assert()
        .success();
}

/// "No crossing" is an answer: exit 0, the reason on stdout, the files written.
#[test]
fn no_crossing_is_an_answer() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("good.toml"), GOOD).unwrap();
    let out = scalesim(dir.path())
        .args([
            "breakeven",
            "good.toml",
            "--vary",
            "variant[ec2].count",
            "--between",
            "20,30",
            "--curve-points",
            "2",
            "--horizon",
            "1m",
        ])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    // 20 m7g.large for a minute cost 20 × $0.0816 / 60 = $0.0272; Lambda serves the minute's
    // ~1,200 requests for a few tenths of a cent: cheaper at both ends.
    assert!(
        text.contains("No crossing between 20 and 30: lambda-512mb is cheaper"),
        "{text}"
    );
    assert!(
        dir.path()
            .join("reports/good-breakeven/breakeven.csv")
            .is_file()
    );
}

/// The CLI prints a scenario's warnings on stderr, one `warning:` line each, and still
/// validates it (exit 0).
#[test]
fn validate_prints_the_fractional_target_warning_on_stderr() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("fraction.toml");
    std::fs::write(
        &path,
        r#"name = "fraction"
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
autoscaling = { policy = "hpa", average_utilization = 0.5, min_replicas = 1, max_replicas = 4 }
"#,
    )
    .unwrap();
    let out = assert_cmd::Command::cargo_bin("scalesim")
        .unwrap()
        .arg("validate")
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: ")
            && stderr.contains("fraction.toml:12:55:")
            && stderr.contains("average_utilization: 0.5 means 0.5 % CPU, not 50 %"),
        "{stderr}"
    );
}

/// `--set FIELD=VALUE` changes the scenario before it runs — a field that is there, one that is
/// new in its table — and the report records it; a setting that cannot apply, or sets a value
/// the field refuses, is an error that names it, and nothing is written.
#[test]
fn set_changes_fields_and_is_recorded() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("good.toml"), GOOD).unwrap();
    let out = scalesim(dir.path())
        .args(["run", "good.toml", "--format", "json", "--out", "r"])
        .args(["--set", "variant[lambda-512mb].memory_mb=1024"])
        .args(["--set", "variant[lambda-512mb].api_gateway=true"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(
        json["settings"],
        serde_json::json!([
            "variant[lambda-512mb].memory_mb=1024",
            "variant[lambda-512mb].api_gateway=true"
        ])
    );
    let fn_variant = &json["variants"][0];
    assert_eq!(
        fn_variant["description"],
        "Lambda x86_64 1024 MB + API Gateway"
    );
    let md = fs::read_to_string(dir.path().join("r/report.md")).unwrap();
    assert!(
        md.contains("- set: variant[lambda-512mb].memory_mb=1024, "),
        "{md}"
    );
    // Without --set the summary has no `settings`.
    let out = scalesim(dir.path())
        .args(["run", "good.toml", "--format", "json", "--out", "r0"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert!(json.get("settings").is_none());
    for (setting, says) in [
        (
            "variant[nope].memory_mb=1024",
            "no `variant` named or numbered \"nope\"",
        ),
        ("variant[lambda-512mb].memory_mb", "write FIELD=VALUE"),
        ("variant[lambda-512mb].memory_mb=64", "variant[0].memory_mb"),
    ] {
        let out = scalesim(dir.path())
            .args(["validate", "good.toml", "--set", setting])
            .assert()
            .failure();
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(err.contains(says), "{setting}: {err}");
    }
    assert!(!dir.path().join("reports").exists());
}

/// `compare` puts two runs of one scenario side by side, the second with the Lambda variant
/// at 1024 MB instead of 512 MB (`--set`), same seed. Expected: the Lambda variant's cost
/// changes upward — twice the memory, and a request 30 % CPU-bound runs 0.7 + 0.3 / 2 = 0.85
/// as long, so about 1.7 × the GB-s — its p50 latency goes down, and the EC2 variant, which
/// the setting does not touch, is the same to the cent (=).
#[test]
fn compare_shows_what_a_setting_changed() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("good.toml"), GOOD).unwrap();
    for (out, set) in [
        ("a", None),
        ("b", Some("variant[lambda-512mb].memory_mb=1024")),
    ] {
        let mut cmd = scalesim(dir.path());
        cmd.args(["run", "good.toml", "--format", "json", "--out", out]);
        if let Some(set) = set {
            cmd.args(["--set", set]);
        }
        cmd.assert().success();
    }
    let out = scalesim(dir.path())
        .args(["compare", "a", "b"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains(
            "b: good — seed 4, 10 min simulated, set: variant[lambda-512mb].memory_mb=1024"
        ),
        "{text}"
    );
    let row = |variant: &str, figure: &str| -> String {
        let start = text.find(&format!("│ {variant}")).unwrap();
        text[start..]
            .lines()
            .find(|l| l.contains(figure))
            .unwrap()
            .to_string()
    };
    let cost = row("lambda-512mb", "cost, simulated horizon");
    assert!(cost.contains("┆ +$"), "{cost}");
    let p50 = row("lambda-512mb", "latency p50 ms");
    assert!(p50.contains("┆ −"), "{p50}");
    let ec2 = row("ec2", "cost, simulated horizon");
    assert!(ec2.trim_end_matches('│').trim_end().ends_with('='), "{ec2}");
    // One folder is not a comparison.
    scalesim(dir.path()).args(["compare", "a"]).assert().code(2);
}

/// The workshop loop on the shipped steady API (10 minutes of it): a run, then the same with
/// `--set traffic.arrivals.rate_multiplier=2`, neither with `--out`. The "what if" gets its own
/// folder beside the first (`reports/steady-api--traffic.arrivals.rate_multiplier=2`), so the
/// first answer is still there, and `compare` sets them side by side. Expected, same seed:
/// twice the rate brings about twice the requests (50/s × 600 s = 30,000 against 60,000; a
/// Poisson count's spread is under 1 %, so +100 % ± 5 %); Lambda's bill is per request and
/// per GB-s, both doubling, so its cost rises by about as much (+90 % to +110 %); the fixed
/// pair of servers has the same instances (mean instances "="). The HTML page carries the same
/// rows, the cost change marked as a rise.
#[test]
fn compare_shows_a_doubled_rate_on_the_steady_api() {
    let dir = TempDir::new().unwrap();
    let scenario = crate::common::manifest_dir().join("scenarios/steady-api.toml");
    let scenario = scenario.to_str().unwrap();
    for set in [None, Some("traffic.arrivals.rate_multiplier=2")] {
        let mut cmd = scalesim(dir.path());
        cmd.args(["run", scenario, "--horizon", "10m", "--format", "json"]);
        if let Some(set) = set {
            cmd.args(["--set", set]);
        }
        cmd.assert().success();
    }
    let first = dir.path().join("reports/steady-api");
    let what_if = dir
        .path()
        .join("reports/steady-api--traffic.arrivals.rate_multiplier=2");
    assert!(first.join("summary.json").exists() && what_if.join("summary.json").exists());
    let out = scalesim(dir.path())
        .args(["compare"])
        .arg(&first)
        .arg(&what_if)
        .args(["--html", "compare.html"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let change = |variant: &str, figure: &str| -> String {
        let start = text.find(&format!("│ {variant}")).unwrap();
        let line = text[start..]
            .lines()
            .find(|l| l.contains(figure))
            .unwrap()
            .to_string();
        line.trim_end_matches('│')
            .rsplit('┆')
            .next()
            .unwrap()
            .trim()
            .to_string()
    };
    let share = |cell: &str| -> f64 {
        let inside = cell.split('(').nth(1).unwrap().trim_end_matches(')');
        inside
            .trim_end_matches(" %")
            .replace('+', "")
            .parse()
            .unwrap()
    };
    let arrived = change("lambda-512mb", "requests arrived");
    assert!(
        (95.0..105.0).contains(&share(&arrived)),
        "{arrived}\n{text}"
    );
    let cost = change("lambda-512mb", "cost, simulated horizon");
    assert!((90.0..110.0).contains(&share(&cost)), "{cost}\n{text}");
    assert_eq!(change("ec2-2x-m7g.large", "mean instances"), "=", "{text}");
    let html = fs::read_to_string(dir.path().join("compare.html")).unwrap();
    assert!(
        html.contains("set: traffic.arrivals.rate_multiplier=2"),
        "{html}"
    );
    // Readable as any file the user writes (the umask's mode, not a temporary file's 0600).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        fs::write(dir.path().join("plain.txt"), "x").unwrap();
        assert_eq!(
            mode(&dir.path().join("compare.html")),
            mode(&dir.path().join("plain.txt"))
        );
    }
    assert!(html.contains("<td class=\"up\">+$"), "{html}");
}

/// A run into a folder that holds a report says what it replaced (on stderr), so no earlier
/// answer goes silently; a run into a new folder says nothing of the kind.
#[test]
fn a_run_says_which_report_it_replaced() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("good.toml"), GOOD).unwrap();
    let first = scalesim(dir.path())
        .args(["run", "good.toml", "--out", "r"])
        .assert()
        .success();
    assert!(!String::from_utf8_lossy(&first.get_output().stderr).contains("replaced"));
    let second = scalesim(dir.path())
        .args(["run", "good.toml", "--out", "r", "--seed", "5"])
        .args(["--set", "variant[lambda-512mb].memory_mb=1024"])
        .assert()
        .success();
    let err = String::from_utf8_lossy(&second.get_output().stderr).to_string();
    assert!(
        err.contains("note: replaced the report that was in r (good, seed 4, 10 min simulated)"),
        "{err}"
    );
    let third = scalesim(dir.path())
        .args(["run", "good.toml", "--out", "r"])
        .assert()
        .success();
    let err = String::from_utf8_lossy(&third.get_output().stderr).to_string();
    assert!(
        err.contains("(good, seed 5, 10 min simulated, set: variant[lambda-512mb].memory_mb=1024)"),
        "{err}"
    );
}

/// An optional flag value never swallows the scenario path: `--request-log` before the path
/// logs every request of that scenario (its rate takes `=`).
#[test]
fn request_log_before_the_path_keeps_the_path() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("good.toml"), GOOD).unwrap();
    scalesim(dir.path())
        .args(["run", "--request-log", "good.toml", "--out", "out"])
        .assert()
        .success();
    assert!(
        dir.path()
            .join("out/requests/lambda-512mb.parquet")
            .exists()
    );
}

/// The shell completion scripts come from the command-line definition itself, so they know
/// every command and flag (here: `compare` and `--set`).
#[test]
fn completions_know_every_command() {
    let dir = TempDir::new().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let out = scalesim(dir.path())
            .args(["completions", shell])
            .assert()
            .success();
        let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        assert!(
            text.contains("compare") && text.contains("--set"),
            "{shell}: {text}"
        );
    }
    scalesim(dir.path())
        .args(["completions", "tcsh"])
        .assert()
        .code(2);
}

/// `--quiet` (`-q`, anywhere on the line) leaves the answer and nothing else: the table on
/// stdout without the "Wrote …" line, and no "note: replaced" on stderr.
#[test]
fn quiet_prints_only_the_answer() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("good.toml"), GOOD).unwrap();
    scalesim(dir.path())
        .args(["run", "good.toml", "--out", "r"])
        .assert()
        .success();
    for args in [
        &["-q", "run", "good.toml", "--out", "r"][..],
        &["run", "good.toml", "--out", "r", "--quiet"],
    ] {
        let out = scalesim(dir.path()).args(args).assert().success();
        let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(
            stdout.contains("lambda-512mb") && stdout.contains("Cheapest"),
            "{stdout}"
        );
        assert!(!stdout.contains("Wrote"), "{stdout}");
        assert!(stderr.is_empty(), "{stderr}");
    }
}

/// A reader that closes the pipe early (`scalesim completions fish | head -2`) ends the
/// command quietly: no panic on the broken pipe.
#[test]
fn completions_into_a_closed_pipe_do_not_panic() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_scalesim"))
        .args(["completions", "fish"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && !stderr.contains("panicked"),
        "{stderr}"
    );
}
