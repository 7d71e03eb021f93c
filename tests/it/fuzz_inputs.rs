//! Inputs found by fuzzing (`tests/fixtures/fuzz/`, see its README): each once made scalesim
//! panic, abort, run out of memory, take quadratic time or accept nonsense. Each now gives a
//! clean error (pinned) or the right answer (argued in a comment), quickly.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use tempfile::TempDir;

fn fuzz_dir(folder: &str) -> PathBuf {
    crate::common::manifest_dir()
        .join("tests/fixtures/fuzz")
        .join(folder)
}

/// `scalesim <command> <toml>` run in `dir` (so messages name files relatively), the report to
/// a fresh folder; the assertion and that folder.
fn scalesim_in(dir: &Path, command: &str, toml: &str) -> (assert_cmd::assert::Assert, TempDir) {
    let out = TempDir::new().unwrap();
    let mut cmd = Command::cargo_bin("scalesim").unwrap();
    cmd.current_dir(dir).args([command, toml]);
    if command == "run" {
        cmd.args(["--format", "json", "--out"])
            .arg(out.path().join("out"));
    }
    cmd.timeout(Duration::from_secs(120));
    (cmd.assert(), out)
}

/// Run a fixture's scenario; its summary.json.
fn summary_of(folder: &str, toml: &str) -> serde_json::Value {
    let (assert, out) = scalesim_in(&fuzz_dir(folder), "run", toml);
    assert.success();
    serde_json::from_str(&fs::read_to_string(out.path().join("out/summary.json")).unwrap()).unwrap()
}

/// `run` and `validate` of a fixture's scenario both fail with exit code 1 and the same
/// message, never a panic, writing nothing; the message.
fn refused(dir: &Path, toml: &str) -> String {
    let mut messages = Vec::new();
    for command in ["validate", "run"] {
        let (assert, out) = scalesim_in(dir, command, toml);
        let stderr = String::from_utf8(assert.code(1).get_output().stderr.clone()).unwrap();
        assert!(!stderr.contains("panicked"), "{toml}: {stderr}");
        assert!(
            !out.path().join("out").exists(),
            "{toml}: something written"
        );
        messages.push(stderr);
    }
    assert_eq!(
        messages[0], messages[1],
        "{toml}: validate and run disagree"
    );
    messages.remove(0)
}

fn arrived(summary: &serde_json::Value) -> u64 {
    summary["variants"][0]["requests"]["arrived"]
        .as_u64()
        .unwrap()
}

/// Single bytes changed in a small valid Parquet file (in page headers and in the footer):
/// each made polars (or scalesim's own reader) panic, one abort allocating exabytes. Each is
/// now "not a valid Parquet file" with what is wrong, in `validate` as in `run`.
#[test]
fn corrupt_parquet_files_are_errors_not_panics() {
    let dir = fuzz_dir("parquet-corrupt");
    for i in 1..=7 {
        insta::assert_snapshot!(
            format!("fuzz_parquet_corrupt_{i}"),
            refused(&dir, &format!("s-{i}.toml"))
        );
    }
}

/// An unterminated quote swallowed every row after it silently: now an error naming the line
/// where the quote opened (line 2, the first row), not skippable.
#[test]
fn an_unterminated_csv_quote_is_an_error_with_its_line() {
    insta::assert_snapshot!(
        "fuzz_csv_open_quote",
        refused(&fuzz_dir("csv-open-quote"), "s.toml")
    );
}

/// A per-minute count of 4,294,967,295 (u32::MAX) made a multi-GB allocation and an abort:
/// refused with file, line, minute and the allowed range.
#[test]
fn an_absurd_azure2019_count_is_refused() {
    insta::assert_snapshot!(
        "fuzz_azure2019_huge_count",
        refused(&fuzz_dir("azure2019-huge-count"), "s.toml")
    );
}

/// Access-log lines dated 31 Feb, with zone +9999, in year 2^63−1 were accepted (and moved the
/// replay's start): each is refused with its file:line (line 2); with `on_error = "skip"` it is
/// skipped and counted, and the good line 1 replays.
#[test]
fn impossible_access_log_dates_are_refused_with_their_line() {
    for case in ["feb31", "tz9999", "yearmax"] {
        let dir = fuzz_dir("clf-bad-dates");
        insta::assert_snapshot!(
            format!("fuzz_clf_{case}"),
            refused(&dir, &format!("{case}.toml"))
        );
        let tmp = TempDir::new().unwrap();
        let log = format!("{case}.log");
        fs::copy(dir.join(&log), tmp.path().join(&log)).unwrap();
        let text = fs::read_to_string(dir.join(format!("{case}.toml")))
            .unwrap()
            .replace("  }", r#", on_error = "skip" }"#);
        assert!(text.contains("skip"));
        fs::write(tmp.path().join("s.toml"), text).unwrap();
        let (assert, out) = scalesim_in(tmp.path(), "run", "s.toml");
        assert.success();
        let s: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(out.path().join("out/summary.json")).unwrap())
                .unwrap();
        // One good line (28 Nov 2026 09:00:00), one skipped.
        assert_eq!(arrived(&s), 1, "{case}");
        assert_eq!(s["traffic"]["replay"]["skipped_rows"], 1, "{case}");
    }
}

/// RFC 3339 offsets are honoured: `10:00:00.000+01:00` (fraction: the offset was ignored, an
/// hour late, past the 30-minute horizon) and `10:00:00+01:00` (no fraction: refused) are both
/// 09:00:00Z, the same instant as the first row. Both rows arrive at replay time 0, within the
/// 30-minute horizon: 2 arrivals each.
#[test]
fn rfc3339_offsets_are_honoured_with_and_without_fractions() {
    for toml in ["ignored-offset.toml", "rejected-offset.toml"] {
        let s = summary_of("rfc3339-offset", toml);
        assert_eq!(arrived(&s), 2, "{toml}");
    }
}

/// `scalesim validate /dev/zero` read until memory ran out. A scenario must be a regular file
/// of at most 10 MiB: a device, a folder and an 11 MiB file are refused at once.
#[test]
fn scenario_files_that_are_not_small_regular_files_are_refused() {
    let tmp = TempDir::new().unwrap();
    let big = tmp.path().join("big.toml");
    fs::write(&big, "#".repeat(11 * 1024 * 1024)).unwrap();
    fs::create_dir(tmp.path().join("folder.toml")).unwrap();
    for (name, path) in [
        ("fuzz_scenario_dev_zero", "/dev/zero"),
        ("fuzz_scenario_folder", "folder.toml"),
        ("fuzz_scenario_too_big", "big.toml"),
    ] {
        let start = Instant::now();
        let (assert, _) = scalesim_in(tmp.path(), "validate", path);
        let stderr = String::from_utf8(assert.code(1).get_output().stderr.clone()).unwrap();
        assert!(start.elapsed() < Duration::from_secs(10), "{name}");
        insta::assert_snapshot!(name, stderr);
    }
}

/// A Parquet trace with zero rows (a datetime or an int16 column) panicked inside polars, in
/// `validate` too: now a clean error — "no request to replay" for the int16 one, the message
/// for temporal columns (below) for the datetime one.
#[test]
fn empty_parquet_traces_are_refused_cleanly() {
    for case in ["empty-datetime", "empty-int16"] {
        insta::assert_snapshot!(
            format!("fuzz_parquet_{case}"),
            refused(&fuzz_dir("parquet"), &format!("{case}.toml"))
        );
    }
}

/// 800 row groups of one row each: reading took time quadratic in the row groups (each read
/// walked every earlier group). Each read now gets the metadata of its own row group: all 800
/// rows arrive (one per row group), in well under the bound (about a second here; quadratic
/// reading of 800 groups is 320,000 row-group visits).
#[test]
fn many_row_groups_read_in_linear_time() {
    let start = Instant::now();
    let s = summary_of("parquet-row-groups", "rg800.toml");
    assert_eq!(arrived(&s), 800);
    assert_eq!(s["traffic"]["replay"]["rows"], 800);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}

/// Parquet timestamp (datetime) and duration columns were refused with an internal type error
/// ("cannot create series from Timestamp(Millisecond, None)"); README promises them. They carry
/// their own units:
/// - `datetime-2rows`: `timestamp: timestamp[ms]` 2025-11-28 09:00:00 and 09:00:01, `d: double`
///   5 and 6 (ms, the default `duration_unit`): 2 requests 1 s apart, mean duration 5.5 ms.
/// - `duration-col-2rows`: `timestamp: double` 1,764,320,400 and …401 s, `d: duration[us]`
///   1,000 and 2,000 µs: 2 requests, mean duration (1 + 2) / 2 = 1.5 ms.
#[test]
fn parquet_timestamp_and_duration_columns_are_read_with_their_units() {
    for (case, mean_ms) in [("datetime-2rows", 5.5), ("duration-col-2rows", 1.5)] {
        let s = summary_of("parquet", &format!("{case}.toml"));
        assert_eq!(arrived(&s), 2, "{case}");
        let got = s["traffic"]["mean_duration_ms"].as_f64().unwrap();
        assert!((got - mean_ms).abs() < 1e-9, "{case}: {got}");
    }
}
