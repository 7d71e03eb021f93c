//! Replaying recorded request logs (CSV, Parquet) and access logs (combined, ALB): counts and
//! durations come out as logged, functions are told apart, malformed rows fail with file, row
//! and column or are skipped and counted, logs a little out of order are put in order and logs
//! far out of order are refused.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use scalesim_traces::files;
use tempfile::TempDir;

fn fixture(name: &str) -> String {
    fs::read_to_string(
        crate::common::manifest_dir()
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

/// A scenario replaying `log.csv` beside it on a function with no cold start and no CPU-bound
/// part, so each request's latency is exactly its logged duration.
fn scenario(replay: &str) -> String {
    format!(
        r#"
name = "replay"
horizon = "1h"
[traffic]
replay = {replay}
[traffic.request]
cpu_fraction = 0.0
[[variant]]
name = "fn"
platform = "lambda"
memory_mb = 1769
cold_start = {{ dist = "constant", ms = 0 }}
"#
    )
}

/// Write `log` and the scenario into a fresh folder; run `scalesim run` there.
fn run_in(dir: &Path, log: &str, replay: &str) -> assert_cmd::assert::Assert {
    run_file(dir, "log.csv", log, &scenario(replay))
}

/// Write `content` as `file` and `scenario` as s.toml into `dir`; run `scalesim run` there.
fn run_file(dir: &Path, file: &str, content: &str, scenario: &str) -> assert_cmd::assert::Assert {
    fs::write(dir.join(file), content).unwrap();
    run_scenario(dir, scenario)
}

/// Write `scenario` as s.toml into `dir` and run it there, the summary to out/.
fn run_scenario(dir: &Path, scenario: &str) -> assert_cmd::assert::Assert {
    fs::write(dir.join("s.toml"), scenario).unwrap();
    Command::cargo_bin("scalesim")
        .unwrap()
        .current_dir(dir)
        .args(["run", "s.toml", "--format", "json", "--out", "out"])
        .assert()
}

/// Run `scenario` on `content` written as `file` in a fresh folder; its summary.json.
fn replayed(file: &str, content: &str, scenario: &str) -> serde_json::Value {
    let dir = TempDir::new().unwrap();
    run_file(dir.path(), file, content, scenario).success();
    summary(dir.path())
}

/// [`scenario`] on a function that runs one request at a time (concurrency 1).
fn one_at_a_time(replay: &str) -> String {
    scenario(replay).replace("memory_mb = 1769", "memory_mb = 1769\nconcurrency = 1")
}

/// `(function name, what)` for each function of a variant in summary.json, in report order.
fn per_function<T>(
    v: &serde_json::Value,
    what: impl Fn(&serde_json::Value) -> T,
) -> Vec<(&str, T)> {
    v["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap(), what(f)))
        .collect()
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(dir.join("out/summary.json")).unwrap()).unwrap()
}

/// 8 requests over 10 s with durations 120, 80, 200, 95.5, 310, 60, 140 and 75 ms: all replayed;
/// latency is the duration (no cold start, no CPU part): mean 1,080.5 / 8 = 135.0625 ms, max 310.
#[test]
fn a_request_log_replays_every_row_with_its_duration() {
    let dir = TempDir::new().unwrap();
    run_in(
        dir.path(),
        &fixture("requests.csv"),
        r#"{ format = "csv", path = "log.csv", duration = "duration_ms" }"#,
    )
    .success();
    let s = summary(dir.path());
    let v = &s["variants"][0];
    assert_eq!(v["requests"]["arrived"], 8);
    assert_eq!(v["requests"]["completed"], 8);
    assert!((v["latency_ms"]["mean_ms"].as_f64().unwrap() - 135.0625).abs() < 1e-9);
    assert_eq!(v["latency_ms"]["max_ms"], 310.0);
    assert_eq!(s["traffic"]["replay"]["rows"], 8);
    assert_eq!(s["traffic"]["replay"]["skipped_rows"], 0);
    // Lambda bills ceil-1 ms: 120+80+200+96+310+60+140+75 = 1,081 ms at 1,769 MB.
    let gb_s = v["cost"]["lines"][1]["quantity"].as_f64().unwrap();
    assert!((gb_s - 1.081 * 1_769.0 / 1_024.0).abs() < 1e-9, "{gb_s}");
}

/// RFC 3339 timestamps, a differently named column and durations in seconds.
#[test]
fn rfc3339_timestamps_and_named_columns() {
    let dir = TempDir::new().unwrap();
    let replay = r#"{ format = "csv", path = "log.csv", timestamp = "time", timestamp_unit = "rfc3339", duration = "latency_s", duration_unit = "s" }"#;
    run_in(dir.path(), &fixture("requests-rfc3339.csv"), replay).success();
    let v = &summary(dir.path())["variants"][0];
    assert_eq!(v["requests"]["arrived"], 4);
    assert!((v["latency_ms"]["mean_ms"].as_f64().unwrap() - 112.5).abs() < 1e-9);
}

/// With on_error = "skip" malformed rows are skipped and counted, never silently dropped.
#[test]
fn malformed_rows_can_be_skipped_and_are_counted() {
    let dir = TempDir::new().unwrap();
    let log = "timestamp,duration_ms\n10,100\nnot-a-time,100\n11,oops\n12,100\n";
    run_in(
        dir.path(),
        log,
        r#"{ format = "csv", path = "log.csv", duration = "duration_ms", on_error = "skip" }"#,
    )
    .success();
    let s = summary(dir.path());
    assert_eq!(s["variants"][0]["requests"]["arrived"], 2);
    assert_eq!(s["traffic"]["replay"]["rows"], 4);
    assert_eq!(s["traffic"]["replay"]["skipped_rows"], 2);
}

/// Each kind of bad log has its error text pinned: exit 1 and nothing written.
#[test]
fn bad_logs_are_rejected_with_pinned_messages() {
    let with_durations = r#"{ format = "csv", path = "log.csv", duration = "duration_ms" }"#;
    let cases = [
        (
            "replay_bad_timestamp",
            "timestamp,duration_ms\n10,100\nsoon,100\n",
            with_durations,
        ),
        (
            "replay_bad_duration",
            "timestamp,duration_ms\n10,100\n11,-5\n",
            with_durations,
        ),
        (
            "replay_missing_column",
            "ts,duration_ms\n10,100\n",
            with_durations,
        ),
        (
            "replay_no_duration",
            "timestamp\n10\n",
            r#"{ format = "csv", path = "log.csv" }"#,
        ),
        (
            "replay_missing_file",
            "",
            r#"{ format = "csv", path = "nope.csv" }"#,
        ),
    ];
    let access = |format: &str, extra: &str| {
        format!(r#"{{ format = "{format}", path = "log.csv"{extra} }}"#)
    };
    let combined = access("combined", "");
    let alb = access("alb", "");
    let alb_line = fixture("access-alb.log")
        .lines()
        .next()
        .unwrap()
        .to_string();
    let more_cases = [
        (
            "combined_bad_line",
            "this is not an access log\n".to_string(),
            combined.clone(),
        ),
        (
            "combined_bad_time",
            "1.2.3.4 - - [28/Nov/2026:25:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"x\" 0.1\n"
                .to_string(),
            combined.clone(),
        ),
        (
            "combined_bad_request_time",
            "1.2.3.4 - - [28/Nov/2026:09:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"x\" fast\n"
                .to_string(),
            combined.clone(),
        ),
        (
            "combined_function_by_host",
            fixture("access-combined.log"),
            access("combined", r#", function = "host""#),
        ),
        (
            "alb_bad_processing_time",
            alb_line.replacen(" 0.119 ", " 0.1.1 ", 1),
            alb.clone(),
        ),
        (
            "alb_short_line",
            "http 2026-11-28T09:00:00.120000Z app/my-lb\n".to_string(),
            alb,
        ),
        (
            "replay_field_of_another_format",
            "timestamp,duration_ms\n10,100\n".to_string(),
            r#"{ format = "csv", path = "log.csv", duration = "duration_ms", within_minute = "poisson" }"#
                .to_string(),
        ),
        (
            "replay_unknown_function",
            "timestamp,duration_ms,fn\n10,100,a\n11,100,b\n".to_string(),
            r#"{ format = "csv", path = "log.csv", duration = "duration_ms", function = "fn", functions = ["c"] }"#
                .to_string(),
        ),
        (
            "replay_azure2019_no_folder",
            String::new(),
            r#"{ format = "azure2019", path = "no-such-folder" }"#.to_string(),
        ),
        (
            "replay_too_disordered",
            // 2.1 M rows, newest first: putting them in order would hold all of them.
            std::iter::once("timestamp,duration_ms\n".to_string())
                .chain((0..2_100_000u32).rev().map(|t| format!("{t},1\n")))
                .collect(),
            with_durations.to_string(),
        ),
        (
            "replay_bad_memory",
            "timestamp,duration_ms,mb\n10,100,256\n11,100,lots\n".to_string(),
            r#"{ format = "csv", path = "log.csv", duration = "duration_ms", memory = "mb" }"#
                .to_string(),
        ),
        (
            "replay_too_many_functions",
            // 10,001 functions, one request each.
            std::iter::once("timestamp,duration_ms,fn\n".to_string())
                .chain((0..10_001u32).map(|i| format!("{i},1,f{i}\n")))
                .collect(),
            r#"{ format = "csv", path = "log.csv", duration = "duration_ms", function = "fn" }"#
                .to_string(),
        ),
        (
            "azure2021_bad_duration",
            "app,func,end_timestamp,duration\na1,f1,10.5,0.25\na1,f1,12.0,-\n".to_string(),
            r#"{ format = "azure2021", path = "log.csv" }"#.to_string(),
        ),
        (
            "replay_timestamp_is_end_without_duration",
            "timestamp\n10\n".to_string(),
            r#"{ format = "csv", path = "log.csv", timestamp_is_end = true }"#.to_string(),
        ),
    ];
    let cases = cases
        .into_iter()
        .map(|(n, l, r)| (n, l.to_string(), r.to_string()))
        .chain(more_cases);
    for (name, log, replay) in cases {
        let dir = TempDir::new().unwrap();
        let out = run_in(dir.path(), &log, &replay).code(1);
        assert!(
            !dir.path().join("out").exists(),
            "{name}: something was written"
        );
        insta::assert_snapshot!(
            name,
            String::from_utf8(out.get_output().stderr.clone()).unwrap()
        );
    }
}

/// Arrivals replayed with `controls` added to the fixture's replay table, over `horizon`.
fn arrived_with(controls: &str, horizon: &str) -> u64 {
    let dir = TempDir::new().unwrap();
    let replay =
        format!(r#"{{ format = "csv", path = "log.csv", duration = "duration_ms"{controls} }}"#);
    fs::write(dir.path().join("log.csv"), fixture("requests.csv")).unwrap();
    run_scenario(
        dir.path(),
        &scenario(&replay).replace("horizon = \"1h\"", &format!("horizon = \"{horizon}\"")),
    )
    .success();
    summary(dir.path())["variants"][0]["requests"]["arrived"]
        .as_u64()
        .unwrap()
}

/// The fixture's rows sit at 0, 0.5, 1, 1.25, 3, 5.75, 6 and 10 s.
/// - window 1 s to 6 s keeps 1, 1.25, 3 and 5.75: 4 requests.
/// - Over a 4 s horizon, 5 rows fall before 4 s; at speed 2 the log runs twice as fast
///   (0, 0.25, 0.5, 0.625, 1.5, 2.875, 3, 5 s) and 7 do.
/// - ×3 replays every row three times: 24; ×0.5 keeps a deterministic sample.
#[test]
fn window_speed_and_rate_multiplier() {
    assert_eq!(
        arrived_with(r#", window = { from = "1s", to = "6s" }"#, "1h"),
        4
    );
    assert_eq!(arrived_with("", "4s"), 5);
    assert_eq!(arrived_with(", speed = 2.0", "4s"), 7);
    assert_eq!(arrived_with(", rate_multiplier = 3.0", "1h"), 24);
    let half = arrived_with(", rate_multiplier = 0.5", "1h");
    assert!((1..8).contains(&half), "{half}");
    assert_eq!(half, arrived_with(", rate_multiplier = 0.5", "1h"));
}

/// On the shipped 16,081-row log, ×2.5 replays close to 40,202 requests (each row twice, and a
/// third time with probability 0.5: σ ≈ 63).
#[test]
fn fractional_multiplier_on_the_shipped_log() {
    let path = crate::common::manifest_dir().join("scenarios/replay-request-log.toml");
    let text = fs::read_to_string(&path).unwrap().replace(
        "duration_unit = \"ms\" }",
        "duration_unit = \"ms\", rate_multiplier = 2.5 }",
    );
    assert!(text.contains("rate_multiplier = 2.5"));
    let s = scalesim_core::scenario::parse_with(&text, path.to_str().unwrap(), &files()).unwrap();
    let r = crate::common::run(&s);
    let n = r.variants[0].requests.arrived as f64;
    assert!((n - 40_202.5).abs() < 5.0 * 63.5, "{n}");
}

/// An unsorted CSV (a few rows late) replays every row, in time order: the request log lists
/// starts 0, 2, 1, 3 and 2.5 s; each request runs 1.2 s on a function allowed one at a time, so
/// in time order 0 runs, 1 is throttled, 2 runs, 2.5 is throttled, 3 is throttled... unless the
/// order were wrong. Expected: requests at 0 and 2 run, 1, 2.5 and 3 are throttled.
#[test]
fn rows_a_little_out_of_order_are_put_in_order() {
    let s = replayed(
        "log.csv",
        "timestamp,duration_ms\n100,1200\n102,1200\n101,1200\n103,1200\n102.5,1200\n",
        &one_at_a_time(r#"{ format = "csv", path = "log.csv", duration = "duration_ms" }"#),
    );
    let v = &s["variants"][0];
    assert_eq!(v["requests"]["arrived"], 5);
    assert_eq!(v["requests"]["completed"], 2);
    assert_eq!(v["requests"]["throttled"], 3);
    assert_eq!(s["traffic"]["replay"]["reordered_max_late_s"], 1.0);
}

/// nginx combined log with $request_time: 6 requests (a blank line is not one), one in another
/// time zone; durations 120, 80, 200, 95, 310 and 1 ms (mean 806 / 6 ms). The first three share
/// a second, so they are spread over it (0, ⅓, ⅔ s): one at a time is enough, nothing is
/// throttled. By path: /api/orders 3, /api/items 2, /health 1.
#[test]
fn a_combined_access_log_replays_with_durations_and_paths() {
    let s = replayed(
        "access.log",
        &fixture("access-combined.log"),
        &one_at_a_time(r#"{ format = "combined", path = "access.log", function = "path" }"#),
    );
    let v = &s["variants"][0];
    assert_eq!(v["requests"]["arrived"], 6);
    assert_eq!(v["requests"]["throttled"], 0);
    assert!((v["latency_ms"]["mean_ms"].as_f64().unwrap() - 806.0 / 6.0).abs() < 1e-9);
    assert_eq!(
        per_function(v, |f| f["requests"]["arrived"].as_u64().unwrap()),
        vec![("/api/orders", 3), ("/api/items", 2), ("/health", 1)]
    );
    assert_eq!(s["traffic"]["replay"]["format"], "combined");
}

/// ALB log: 5 rows; a request starts at time − the three processing times; the target's
/// processing time is the duration: 119, 100, 250 and 500 ms. The last row is a 503 the balancer
/// answered itself (all three times −1): no target served it, so it is counted as never
/// dispatched and not replayed — not given the profile's 50 ms as if it had been served. The
/// fourth started (0.8 s) before the third (1.0 s): put back in order. Mean latency
/// (119 + 100 + 250 + 500) / 4 = 242.25 ms.
#[test]
fn an_alb_log_replays_with_target_processing_times() {
    let text = scenario(r#"{ format = "alb", path = "alb.log", function = "path" }"#).replace(
        "cpu_fraction = 0.0",
        "cpu_fraction = 0.0\nduration = { dist = \"constant\", ms = 50 }",
    );
    let s = replayed("alb.log", &fixture("access-alb.log"), &text);
    let v = &s["variants"][0];
    assert_eq!(v["requests"]["arrived"], 4);
    assert_eq!(v["requests"]["completed"], 4);
    assert!((v["latency_ms"]["mean_ms"].as_f64().unwrap() - 969.0 / 4.0).abs() < 1e-9);
    let replay = &s["traffic"]["replay"];
    assert_eq!(replay["rows"], 5);
    assert_eq!(replay["not_dispatched_rows"], 1);
    assert_eq!(replay["replayed_rows"], 4);
    // Epoch seconds in f64 resolve about 0.25 µs.
    assert!(
        (s["traffic"]["replay"]["reordered_max_late_s"]
            .as_f64()
            .unwrap()
            - 0.2)
            .abs()
            < 1e-6
    );
    // Two functions, two requests each; /api/orders: 119 and 250 ms.
    let orders = per_function(v, |f| f["requests"]["arrived"].as_u64().unwrap());
    assert_eq!(orders, vec![("/api/orders", 2), ("/api/items", 2)]);
    let orders = &v["functions"][0];
    assert!((orders["latency_ms"]["mean_ms"].as_f64().unwrap() - 369.0 / 2.0).abs() < 1e-9);
}

/// Only rows no target served: nothing to replay, said with the count.
#[test]
fn an_alb_log_of_only_undispatched_rows_is_refused() {
    let dir = TempDir::new().unwrap();
    let line = fixture("access-alb.log")
        .lines()
        .last()
        .unwrap()
        .to_string();
    let out = run_file(
        dir.path(),
        "alb.log",
        &format!("{line}\n{line}\n"),
        &scenario(r#"{ format = "alb", path = "alb.log" }"#),
    )
    .failure();
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains(
            "no request to replay (2 rows, 0 skipped as malformed, 2 never dispatched to a target"
        ),
        "{stderr}"
    );
}

/// summary.json's replay counts for `controls` on the fixture over `horizon`.
fn replay_counts(controls: &str, horizon: &str) -> serde_json::Value {
    let dir = TempDir::new().unwrap();
    let replay =
        format!(r#"{{ format = "csv", path = "log.csv", duration = "duration_ms"{controls} }}"#);
    fs::write(dir.path().join("log.csv"), fixture("requests.csv")).unwrap();
    run_scenario(
        dir.path(),
        &scenario(&replay).replace("horizon = \"1h\"", &format!("horizon = \"{horizon}\"")),
    )
    .success();
    summary(dir.path())["traffic"].clone()
}

/// Every row is accounted for. The fixture's 8 rows start at 0, 0.5, 1, 1.25, 3, 5.75, 6, 10 s.
/// - Over 4 s: 5 replayed (0 … 3 s), 3 after the horizon (5.75, 6, 10).
/// - Window 1 s – 6 s over 1 h: 2 before the window (0, 0.5), 4 replayed, 2 after it (6, 10).
/// - Window 1 s – 6 s over 2 s (replay time = start − 1 s): 2 before, 2 replayed (0, 0.25 s),
///   4 after the horizon (3 s → 2 s, 5.75, 6, 10): the horizon came before the window's end.
#[test]
fn rows_after_the_horizon_or_outside_the_window_are_counted() {
    let counts = |controls: &str, horizon: &str| {
        let t = replay_counts(controls, horizon);
        let r = &t["replay"];
        let n = |k: &str| r[k].as_u64().unwrap();
        let all = [
            "skipped_rows",
            "not_dispatched_rows",
            "not_selected_rows",
            "before_window_rows",
            "replayed_rows",
            "after_window_rows",
            "after_horizon_rows",
        ];
        assert_eq!(all.iter().map(|k| n(k)).sum::<u64>(), n("rows"), "{r}");
        (
            n("before_window_rows"),
            n("replayed_rows"),
            n("after_window_rows"),
            n("after_horizon_rows"),
        )
    };
    assert_eq!(counts("", "4s"), (0, 5, 0, 3));
    let window = r#", window = { from = "1s", to = "6s" }"#;
    assert_eq!(counts(window, "1h"), (2, 4, 2, 0));
    assert_eq!(counts(window, "2s"), (2, 2, 0, 4));
}

/// A replay's rate, bill and projection cover one span, the horizon. The fixture's 8 rows span
/// 10 s (the old rate, first → last row, was 8 / 10 = 0.8 req/s).
/// - Over 20 s every row is replayed: 8 / 20 = 0.4 req/s.
/// - Over 4 s: 5 rows, 5 / 4 = 1.25 req/s.
/// - ×3 over 20 s: 24 requests / 20 s = 1.2 req/s (copies spread towards the next row, the
///   last row's three at 10 s).
/// - Over 1 h: 8 / 3,600 req/s, and the bill's period is the same 3,600 s.
#[test]
fn a_replays_rate_is_over_the_horizon_its_bill_covers() {
    let rate = |controls: &str, horizon: &str| {
        let t = replay_counts(controls, horizon);
        (
            t["mean_rate_per_s"].as_f64().unwrap(),
            t["replay"]["replayed_requests"].as_u64().unwrap(),
        )
    };
    assert_eq!(rate("", "20s"), (0.4, 8));
    assert_eq!(rate("", "4s"), (1.25, 5));
    assert_eq!(rate(", rate_multiplier = 3.0", "20s"), (1.2, 24));
    let dir = TempDir::new().unwrap();
    run_in(
        dir.path(),
        &fixture("requests.csv"),
        r#"{ format = "csv", path = "log.csv", duration = "duration_ms" }"#,
    )
    .success();
    let s = summary(dir.path());
    assert_eq!(s["horizon_s"], 3_600.0);
    assert_eq!(s["variants"][0]["cost"]["period"]["seconds"], 3_600.0);
    assert_eq!(s["traffic"]["mean_rate_per_s"], 8.0 / 3_600.0);
}

/// A Parquet request log in three row groups, with a function and a memory column: counts,
/// durations and each function's memory (from the trace) come through.
#[test]
fn a_parquet_request_log_with_functions_and_memory() {
    use polars::prelude::*;
    let dir = TempDir::new().unwrap();
    let mut df = df!(
        "ts_ms" => [1_000i64, 1_500, 2_000, 2_250, 4_000, 6_750, 7_000],
        "dur" => [120.0f64, 80.0, 200.0, 95.5, 310.0, 60.0, 140.0],
        "fn" => ["a", "b", "a", "a", "b", "c", "a"],
        "mb" => [256i64, 512, 256, 256, 512, 128, 256],
    )
    .unwrap();
    let file = fs::File::create(dir.path().join("log.parquet")).unwrap();
    ParquetWriter::new(file)
        .with_row_group_size(Some(3))
        .finish(&mut df)
        .unwrap();
    let text = scenario(
        r#"{ format = "parquet", path = "log.parquet", timestamp = "ts_ms", timestamp_unit = "ms", duration = "dur", function = "fn", memory = "mb" }"#,
    );
    run_scenario(dir.path(), &text).success();
    let s = summary(dir.path());
    let v = &s["variants"][0];
    assert_eq!(v["requests"]["arrived"], 7);
    assert!((v["latency_ms"]["mean_ms"].as_f64().unwrap() - 1_005.5 / 7.0).abs() < 1e-9);
    assert_eq!(
        per_function(v, |f| (
            f["requests"]["arrived"].as_u64().unwrap(),
            f["memory_mb"].as_u64().unwrap()
        )),
        vec![("a", (4, 256)), ("b", (2, 512)), ("c", (1, 128))]
    );
    // Billed per function at its own memory: a = (120+200+96+140) ms × 256 MB, b = (80+310) ×
    // 512, c = 60 × 128 (no cold start, ceil to the ms).
    let mb_ms = 556 * 256 + 390 * 512 + 60 * 128;
    let gb_s = v["cost"]["lines"][1]["quantity"].as_f64().unwrap();
    assert!((gb_s - mb_ms as f64 / 1_024_000.0).abs() < 1e-12, "{gb_s}");
}

/// With `--request-log`, a trace that names functions gets a `function` column: every request
/// of the combined fixture, under its path.
#[test]
fn the_request_log_names_each_requests_function() {
    use polars::prelude::*;
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    fs::write(d.join("access.log"), fixture("access-combined.log")).unwrap();
    fs::write(
        d.join("s.toml"),
        scenario(r#"{ format = "combined", path = "access.log", function = "path" }"#),
    )
    .unwrap();
    Command::cargo_bin("scalesim")
        .unwrap()
        .current_dir(d)
        .args(["run", "s.toml", "--out", "out", "--request-log"])
        .assert()
        .success();
    let file = fs::File::open(d.join("out/requests/fn.parquet")).unwrap();
    let df = ParquetReader::new(file).finish().unwrap();
    let mut names: Vec<&str> = df
        .column("function")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "/api/items",
            "/api/items",
            "/api/orders",
            "/api/orders",
            "/api/orders",
            "/health"
        ]
    );
}

/// Malformed Parquet and Azure 2019 inputs, each with its error text pinned: a Parquet log
/// without the named column, a null timestamp (named by row), an Azure 2019 count that is not a
/// whole number.
#[test]
fn bad_parquet_and_azure2019_inputs_are_rejected_with_pinned_messages() {
    use polars::prelude::*;
    let run = |dir: &Path, replay: &str| {
        fs::write(dir.join("s.toml"), scenario(replay)).unwrap();
        let out = Command::cargo_bin("scalesim")
            .unwrap()
            .current_dir(dir)
            .args(["run", "s.toml", "--out", "out"])
            .assert()
            .code(1);
        assert!(!dir.join("out").exists());
        String::from_utf8(out.get_output().stderr.clone()).unwrap()
    };
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let mut df = df!(
        "ts" => [Some(1.0f64), None, Some(3.0)],
        "dur" => [100.0f64, 100.0, 100.0],
    )
    .unwrap();
    ParquetWriter::new(fs::File::create(d.join("log.parquet")).unwrap())
        .finish(&mut df)
        .unwrap();
    insta::assert_snapshot!(
        "parquet_missing_column",
        run(
            d,
            r#"{ format = "parquet", path = "log.parquet", duration = "latency" }"#
        )
    );
    insta::assert_snapshot!(
        "parquet_null_timestamp",
        run(
            d,
            r#"{ format = "parquet", path = "log.parquet", timestamp = "ts", duration = "dur" }"#
        )
    );
    fs::create_dir(d.join("az")).unwrap();
    fs::write(
        d.join("az/invocations.csv"),
        "HashOwner,HashApp,HashFunction,Trigger,1,2,3\no,a,f,http,5,2.5,1\n",
    )
    .unwrap();
    insta::assert_snapshot!(
        "azure2019_bad_count",
        run(d, r#"{ format = "azure2019", path = "az" }"#)
    );
}

/// A trace that changes between the check and the replay is not replayed silently: the run
/// reports the problem (and the CLI then writes nothing).
#[test]
fn a_trace_changed_after_its_check_is_reported() {
    let dir = TempDir::new().unwrap();
    let log = dir.path().join("log.csv");
    fs::write(&log, fixture("requests.csv")).unwrap();
    let file = dir.path().join("s.toml");
    let text = scenario(r#"{ format = "csv", path = "log.csv", duration = "duration_ms" }"#);
    let s = scalesim_core::scenario::parse_with(&text, file.to_str().unwrap(), &files()).unwrap();
    // One row fewer, and one that no longer parses.
    let original = fixture("requests.csv");
    let changed: Vec<&str> = original.lines().take(8).collect();
    fs::write(&log, changed.join("\n").replace(",140,", ",soon,")).unwrap();
    let r = crate::common::run(&s);
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    assert!(
        r.problems[0].contains("changed after it was checked"),
        "{}",
        r.problems[0]
    );
    fs::remove_file(&log).unwrap();
    let r = crate::common::run(&s);
    assert!(r.problems[0].contains("cannot reopen"), "{}", r.problems[0]);
    assert_eq!(r.variants[0].requests.arrived, 0);
}

/// A row moved earlier after the check (same number of rows, all well formed) is a change too:
/// the run reports it, and the engine never sees time go back (it used to panic, "arrivals out
/// of order"). Sorted log (nothing held back): the last row, 10 s, moved to 1 s. Slightly
/// unsorted log (rows held back 1 s): a row moved 5 s back, more than the check measured. And a
/// row moved before the trace's first start (the timeline would shift).
#[test]
fn a_row_moved_earlier_after_the_check_is_a_change_not_a_panic() {
    let dir = TempDir::new().unwrap();
    let log = dir.path().join("log.csv");
    let file = dir.path().join("s.toml");
    let text = scenario(r#"{ format = "csv", path = "log.csv", duration = "duration_ms" }"#);
    let sorted = "timestamp,duration_ms\n100,10\n101,10\n102,10\n110,10\n";
    let unsorted = "timestamp,duration_ms\n100,10\n102,10\n101,10\n108,10\n110,10\n";
    for (before, after, what) in [
        (
            sorted,
            sorted.replace("110,", "101,"),
            "before an earlier row",
        ),
        (
            unsorted,
            unsorted.replace("110,", "103,"),
            "before an earlier row",
        ),
        (
            sorted,
            sorted.replace("101,", "99,"),
            "before the trace's first start",
        ),
    ] {
        fs::write(&log, before).unwrap();
        let s =
            scalesim_core::scenario::parse_with(&text, file.to_str().unwrap(), &files()).unwrap();
        fs::write(&log, &after).unwrap();
        let r = crate::common::run(&s);
        assert_eq!(r.problems.len(), 1, "{after}: {:?}", r.problems);
        let p = &r.problems[0];
        assert!(
            p.contains("changed after it was checked") && p.contains(what),
            "{p}"
        );
    }
}

/// On a fleet a recorded duration runs as recorded too; `cpu_fraction` says how much of it is
/// CPU work. Two requests at 0 s of 2,000 ms each on one t3.medium (2 vCPUs) whose CPU is twice
/// the reference (`cpu_speed = 2`), half of each duration CPU work, over 10 s:
/// - as recorded: each runs 2,000 ms (the faster CPU does not change a measured time) and uses
///   1 CPU core-second; two in flight need 2 × 1 / 2 vCPUs = 1 s < 2 s, no slow-down. CPU
///   utilisation = 2 core-s ÷ (2 vCPUs × 10 s) = 10 %.
/// - `durations = "reference_cpu"`: 1 s of CPU work at speed 2 takes 0.5 s and 0.5 core-s, plus
///   1 s of waiting: 1,500 ms each; utilisation = 1 ÷ 20 = 5 %.
#[test]
fn a_fleet_runs_recorded_durations_as_recorded_and_counts_their_cpu() {
    let dir = TempDir::new().unwrap();
    let log = dir.path().join("log.csv");
    fs::write(&log, "timestamp,duration_ms\n100,2000\n100,2000\n").unwrap();
    let fleet = |durations: &str| {
        crate::common::run_one(&format!(
            r#"
name = "fleet"
horizon = "10s"
[traffic]
replay = {{ format = "csv", path = "{}", duration = "duration_ms"{durations} }}
[traffic.request]
cpu_fraction = 0.5
[[variant]]
name = "ec2"
platform = "ec2"
instance_type = "t3.medium"
count = 1
slots = 4
cpu_speed = 2.0
"#,
            log.display()
        ))
    };
    let v = fleet("");
    assert_eq!(v.requests.completed, 2);
    assert!(
        (v.latency_ms.mean_ms - 2_000.0).abs() < 1e-9,
        "{:?}",
        v.latency_ms
    );
    assert!(
        (v.capacity.mean_utilisation - 0.10).abs() < 1e-9,
        "{:?}",
        v.capacity
    );
    let v = fleet(r#", durations = "reference_cpu""#);
    assert!(
        (v.latency_ms.mean_ms - 1_500.0).abs() < 1e-9,
        "{:?}",
        v.latency_ms
    );
    assert!(
        (v.capacity.mean_utilisation - 0.05).abs() < 1e-9,
        "{:?}",
        v.capacity
    );
}

/// A trace reader that counts its checks and its opened replays, around the file readers.
#[derive(Default)]
struct CountingReader {
    checks: std::sync::atomic::AtomicUsize,
    opens: std::sync::atomic::AtomicUsize,
}

impl CountingReader {
    fn counts(&self) -> (usize, usize) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.checks.load(Relaxed), self.opens.load(Relaxed))
    }
}

impl scalesim_core::traffic::TraceReader for CountingReader {
    fn check(
        &self,
        spec: &scalesim_core::traffic::ReplaySpec,
    ) -> Result<scalesim_core::traffic::ReplayCheck, scalesim_core::traffic::ReplayError> {
        self.checks
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        scalesim_core::traffic::TraceReader::check(&scalesim_traces::Files, spec)
    }

    fn open(
        &self,
        spec: &scalesim_core::traffic::ReplaySpec,
        check: &scalesim_core::traffic::ReplayCheck,
        rng: scalesim_core::engine::SimRng,
        horizon: scalesim_core::engine::SimTime,
    ) -> Box<dyn scalesim_core::traffic::ReplayStream> {
        self.opens
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        scalesim_core::traffic::TraceReader::open(
            &scalesim_traces::Files,
            spec,
            check,
            rng,
            horizon,
        )
    }
}

/// Counted traces: the counter and the traces of one command reading through it.
fn counted() -> (
    std::sync::Arc<CountingReader>,
    scalesim_core::traffic::Traces,
) {
    let reader = std::sync::Arc::new(CountingReader::default());
    let traces = scalesim_core::traffic::Traces::new(reader.clone());
    (reader, traces)
}

/// A 100-point sweep over a replayed trace reads the trace once to check it (for every point,
/// however its controls differ) and once per run; `validate`'s pass over the points is the same
/// one check. A scenario parsed without traces reads nothing, and does not run.
#[test]
fn a_sweep_over_a_trace_checks_it_once_and_reads_it_once_per_run() {
    use scalesim_core::experiment::{self, Overrides, Plan};
    use scalesim_core::scenario::sweep::Sweep;
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("log.csv"), fixture("requests.csv")).unwrap();
    let file = dir.path().join("s.toml");
    let file = file.to_str().unwrap();
    // 10 memory sizes × 10 rate multipliers: 100 points, one trace.
    let text = scenario(
        r#"{ format = "csv", path = "log.csv", duration = "duration_ms", rate_multiplier = { from = 0.5, to = 5, steps = 10 } }"#,
    )
    .replace(
        "memory_mb = 1769",
        "memory_mb = { from = 1024, to = 2048, steps = 10 }",
    );
    let sweep = Sweep::parse(&text, file).unwrap();
    assert_eq!(sweep.len(), 100);
    let (reader, traces) = counted();
    let plan = Plan::new(sweep.clone(), 1, Overrides::default(), &traces).unwrap();
    assert_eq!(reader.counts(), (1, 0), "the plan checks the trace once");
    let rows = experiment::run(&plan, None, &|| {}).unwrap();
    assert_eq!(rows.len(), 100);
    assert_eq!(reader.counts(), (1, 100), "one read per run");
    // `validate`'s walk over the points: one check.
    let (reader, traces) = counted();
    for i in 0..sweep.len() {
        sweep.point_with(i, &traces).unwrap();
    }
    assert_eq!(reader.counts(), (1, 0));
    // Parsing alone reads nothing: its scenario has no checked trace and does not run.
    let s = scalesim_core::scenario::parse(
        &text
            .replace("{ from = 1024, to = 2048, steps = 10 }", "1024")
            .replace("{ from = 0.5, to = 5, steps = 10 }", "1"),
        file,
    )
    .unwrap();
    assert!(s.traffic.trace_unchecked());
    let r = crate::common::run(&s);
    assert!(r.problems[0].contains("not checked"), "{:?}", r.problems);
}

/// Break-even and cheapest-setting searches over a trace check it once, for their estimate and
/// every evaluation, and read it once per run.
#[test]
fn searches_over_a_trace_check_it_once() {
    use scalesim_core::experiment::{self, BreakevenSpec, CheapestSpec, Limits, Overrides};
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("log.csv"), fixture("requests.csv")).unwrap();
    let file = dir.path().join("s.toml");
    let file = file.to_str().unwrap();
    let text = scenario(
        r#"{ format = "csv", path = "log.csv", duration = "duration_ms", rate_multiplier = 1 }"#,
    ) + r#"
[[variant]]
name = "vm"
platform = "ec2"
instance_type = "t3.medium"
count = 1
slots = 8
"#;
    let spec = BreakevenSpec {
        vary: "traffic.replay.rate_multiplier".into(),
        between: (1.0, 100.0),
        variants: None,
        replications: 2,
        tolerance: None,
        curve_points: 5,
        overrides: Overrides::default(),
    };
    let (reader, traces) = counted();
    experiment::breakeven_work(&text, file, &spec, &traces).unwrap();
    let b = experiment::breakeven(&text, file, &spec, &traces, &|_| {}).unwrap();
    let runs = b.evaluations.len() * 2;
    assert_eq!(reader.counts(), (1, runs * 2), "2 variants a run");
    let (reader, traces) = counted();
    let spec = CheapestSpec {
        vary: "variant[fn].memory_mb".into(),
        values: vec![1024.0, 1536.0, 2048.0],
        variant: "fn".into(),
        limits: Limits::default(),
        replications: 1,
        overrides: Overrides::default(),
    };
    experiment::cheapest_work(&text, file, &spec, &traces).unwrap();
    let (candidates, _) = experiment::cheapest(&text, file, &spec, &traces).unwrap();
    assert_eq!(candidates.len(), 3);
    assert_eq!(reader.counts(), (1, 3));
}
