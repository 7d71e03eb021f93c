//! Replaying recorded request logs (CSV): counts and durations come out as logged, malformed
//! rows fail with file, row and column or are skipped and counted, unsorted logs are refused.

mod common;

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

fn fixture(name: &str) -> String {
    fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
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
    fs::write(dir.join("log.csv"), log).unwrap();
    fs::write(dir.join("s.toml"), scenario(replay)).unwrap();
    Command::cargo_bin("scalesim")
        .unwrap()
        .current_dir(dir)
        .args(["run", "s.toml", "--format", "json", "--out", "out"])
        .assert()
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
            "replay_unsorted",
            "timestamp,duration_ms\n10,100\n12,100\n11,100\n",
            with_durations,
        ),
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
    for (name, log, replay) in cases {
        let dir = TempDir::new().unwrap();
        let out = run_in(dir.path(), log, replay).code(1);
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
    fs::write(
        dir.path().join("s.toml"),
        scenario(&replay).replace("horizon = \"1h\"", &format!("horizon = \"{horizon}\"")),
    )
    .unwrap();
    Command::cargo_bin("scalesim")
        .unwrap()
        .current_dir(dir.path())
        .args(["run", "s.toml", "--format", "json", "--out", "out"])
        .assert()
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
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/replay-request-log.toml");
    let text = fs::read_to_string(&path).unwrap().replace(
        "duration_unit = \"ms\" }",
        "duration_unit = \"ms\", rate_multiplier = 2.5 }",
    );
    assert!(text.contains("rate_multiplier = 2.5"));
    let s = scalesim::scenario::parse(&text, path.to_str().unwrap()).unwrap();
    let r = common::run(&s);
    let n = r.variants[0].requests.arrived as f64;
    assert!((n - 40_202.5).abs() < 5.0 * 63.5, "{n}");
}
