//! Functions in parallel (`scalesim run --function-groups N`, README "Functions in parallel"):
//! a Lambda variant's functions split into groups simulated at once write exactly the report
//! folder of the run in one go, for every shipped scenario whose trace names several
//! functions; a run in which an account limit may have throttled a request runs again in one
//! go.

use std::path::Path;

use crate::common::manifest_dir;
use crate::stretches::{run_with, same_folder};

/// Run `file` with `--function-groups groups` and the extra `args` into `out`; returns what it
/// printed on stderr.
fn run(file: &Path, groups: u32, args: &[&str], out: &Path) -> String {
    let groups = groups.to_string();
    let mut all = vec!["--function-groups", groups.as_str()];
    all.extend_from_slice(args);
    run_with(file, &all, out)
}

#[test]
fn shipped_traces_write_the_same_report_in_groups_of_functions() {
    let tmp = tempfile::tempdir().unwrap();
    // azure-2021: 31 functions over 30 minutes, whole. azure-2019: the sample's functions over
    // two hours (its whole day is the benchmark in README "Performance").
    for (name, args) in [
        ("azure-2021", &[][..]),
        ("azure-2019", &["--horizon", "2h"][..]),
    ] {
        let file = manifest_dir()
            .join("scenarios")
            .join(format!("{name}.toml"));
        let one = tmp.path().join(format!("{name}-1"));
        run(&file, 1, args, &one);
        for groups in [2, 4] {
            let out = tmp.path().join(format!("{name}-{groups}"));
            let said = run(&file, groups, args, &out);
            assert!(
                said.contains(&format!("functions in {groups} groups at once")),
                "{name}: {said}"
            );
            // The fleet serves every function: it says so and runs as before.
            assert!(
                said.contains("ran its functions together, as --function-groups 1: only Lambda"),
                "{name}: {said}"
            );
            same_folder(&one, &out, &format!("{name} in {groups} groups"));
        }
    }
}

/// Write `csv` and a one-variant Lambda scenario replaying it (keep-alive 60 s, the account's
/// concurrency `concurrency`) into `dir`; returns the scenario's path.
fn csv_scenario(dir: &Path, csv: &str, concurrency: u32) -> std::path::PathBuf {
    std::fs::write(dir.join("log.csv"), csv).unwrap();
    let scenario = dir.join("two.toml");
    std::fs::write(
        &scenario,
        format!(
            r#"name = "two"
horizon = "30m"

[traffic]
replay = {{ format = "csv", path = "log.csv", duration = "duration", duration_unit = "s", function = "function" }}

[traffic.request]

[[variant]]
name = "lambda"
platform = "lambda"
memory_mb = 1024
runtime = "python"
keep_alive = "60s"
concurrency = {concurrency}
"#
        ),
    )
    .unwrap();
    scenario
}

fn summary(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap()
}

#[test]
fn the_peak_of_environments_is_the_peak_of_the_sum_over_groups() {
    // Function a: 3 requests of 60 s at 0 s, so 3 environments, idle from 60 s and reclaimed at
    // 120 s (keep-alive 60 s). Function b: 2 requests of 60 s at 600 s, 2 environments. At most
    // 3 are alive at once: the peak is 3 — not 3 + 2 = 5, the sum of each group's peak, nor 2.
    let tmp = tempfile::tempdir().unwrap();
    let csv = "timestamp,duration,function\n0,60,a\n0,60,a\n0,60,a\n600,60,b\n600,60,b\n";
    let scenario = csv_scenario(tmp.path(), csv, 1_000);
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    run(&scenario, 1, &[], &one);
    let said = run(&scenario, 2, &[], &two);
    assert!(
        said.contains("ran its 2 functions in 2 groups at once"),
        "{said}"
    );
    same_folder(&one, &two, "two functions apart in time");
    assert_eq!(
        summary(&two)["variants"][0]["capacity"]["peak_instances"],
        3
    );
    // Both at 0 s instead: 5 alive at once.
    let csv = "timestamp,duration,function\n0,60,a\n0,60,a\n0,60,a\n0,60,b\n0,60,b\n";
    let scenario = csv_scenario(tmp.path(), csv, 1_000);
    run(&scenario, 2, &[], &two);
    assert_eq!(
        summary(&two)["variants"][0]["capacity"]["peak_instances"],
        5
    );
}

#[test]
fn a_run_within_reach_of_the_account_concurrency_runs_again_in_one_go() {
    // Two functions, each with 60 requests of 100 s, one every 0.1 s from 0 to 5.9 s, on an
    // account limited to 100 concurrent executions (all unreserved). Nothing finishes before
    // 100 s, so in the run in one go the 101st to the 120th arrival find 100 in flight: 20
    // throttled. Each group alone peaks at 60; 60 + 60 = 120 reaches the pool of 100, so the
    // groups' answer might differ and the variant runs again in one go — the report of the run
    // without groups, 20 throttled.
    let tmp = tempfile::tempdir().unwrap();
    let mut csv = String::from("timestamp,duration,function\n");
    for i in 0..60 {
        for f in ["a", "b"] {
            csv += &format!("{:.2},100,{f}\n", f64::from(i) * 0.1);
        }
    }
    let scenario = csv_scenario(tmp.path(), &csv, 100);
    let one = tmp.path().join("one");
    run(&scenario, 1, &[], &one);
    let out = tmp.path().join("two");
    let said = run(&scenario, 2, &[], &out);
    assert!(
        said.contains(
            "add up to 120 in the minute to 60 s, not below the account's unreserved pool of 100"
        ) && said.contains("so it ran again in one go"),
        "{said}"
    );
    same_folder(
        &one,
        &out,
        "two functions within reach of the account's concurrency",
    );
    assert_eq!(summary(&out)["variants"][0]["requests"]["throttled"], 20);
}

#[test]
fn a_year_long_interval_sums_environment_time_exactly() {
    // 300 functions, one 0.123 s request each, 0.5 s apart, kept alive for the whole 366-day
    // run, reported as one 366-day interval: the interval holds about 300 × 3.16e13 ≈ 9.5e15
    // environment-µs, past 2^53 (≈ 9.0e15), where a floating-point sum rounds at each addition
    // and the groups' parts, each exact, no longer add up to it. Kept as integers, the run in
    // one go and the run in 3 groups give the same folder.
    let tmp = tempfile::tempdir().unwrap();
    let mut csv = String::from("timestamp,duration,function\n");
    for f in 0..300 {
        csv += &format!(
            "{:.6},0.123,fn{f:04}\n",
            f64::from(f) * 0.5 + 1e-6 * f64::from(f)
        );
    }
    std::fs::write(tmp.path().join("log.csv"), csv).unwrap();
    let scenario = tmp.path().join("year.toml");
    std::fs::write(
        &scenario,
        r#"name = "year"
horizon = "366d"
interval = "366d"

[traffic]
replay = { format = "csv", path = "log.csv", duration = "duration", duration_unit = "s", function = "function" }

[traffic.request]

[[variant]]
name = "lambda"
platform = "lambda"
memory_mb = 128
runtime = "python"
keep_alive = "366d"
"#,
    )
    .unwrap();
    let (one, three) = (tmp.path().join("one"), tmp.path().join("three"));
    run(&scenario, 1, &[], &one);
    run(&scenario, 3, &[], &three);
    same_folder(&one, &three, "a 366-day interval");
}
