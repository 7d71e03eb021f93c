//! Report folders: the time series survives Parquet, charts draw with the embedded font only,
//! Markdown and CSV are pinned, and `scalesim report` re-renders the same files.

mod common;

use std::path::Path;

use assert_cmd::Command;
use scalesim::report::{charts, document, render_files, timeseries};
use tempfile::TempDir;

fn steady_api(minutes: u64) -> scalesim::report::RunReport {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/steady-api.toml");
    let mut s = scalesim::scenario::load(&path).unwrap();
    s.horizon = scalesim::engine::SimDuration::from_secs(minutes * 60);
    common::run(&s)
}

#[test]
fn parquet_written_and_read_back_with_polars_gives_the_same_frame() {
    let report = steady_api(30);
    let mut frame = timeseries::frame(&report).unwrap();
    assert_eq!(frame.height(), 3 * 30);
    let names: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(names, timeseries::COLUMNS);
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("t.parquet");
    timeseries::write_parquet(&mut frame, &path).unwrap();
    let back = timeseries::read_parquet(&path).unwrap();
    assert_eq!(back.height(), frame.height());
    for name in timeseries::COLUMNS {
        let (a, b) = (frame.column(name).unwrap(), back.column(name).unwrap());
        assert_eq!(a.dtype(), b.dtype(), "{name}");
        assert!(
            a.equals_missing(b),
            "column {name} differs after the round trip"
        );
    }
    // Cost accrued per interval adds up to each variant's bill.
    for v in &report.variants {
        let accrued: f64 = v.timeseries.iter().map(|r| r.cost_usd).sum();
        assert!(
            (accrued - v.cost.total_usd).abs() < 1e-9 * v.cost.total_usd.max(1.0),
            "{}",
            v.name
        );
    }
}

/// Charts use only the font compiled into the binary (plotters is built without its system-font
/// backend), so they draw the same on a machine with no fonts: the caption band of every PNG
/// has dark text pixels, and every SVG declares the embedded font.
#[test]
fn charts_render_with_the_embedded_font_only() {
    let report = steady_api(30);
    let charts = charts::render_all(&report).unwrap();
    assert_eq!(charts.len(), 5);
    for c in &charts {
        let (w, h, _, rgb) = common::decode_png(&c.png);
        assert_eq!((w, h), (960, 540));
        let dark = |y0: u32, y1: u32| {
            (y0..y1)
                .flat_map(|y| (0..w).map(move |x| ((y * w + x) * 3) as usize))
                .filter(|&i| rgb[i] < 80 && rgb[i + 1] < 80 && rgb[i + 2] < 80)
                .count()
        };
        assert!(dark(0, 45) > 200, "{}: no caption text drawn", c.name);
        assert!(dark(45, h) > 2_000, "{}: nearly empty plot", c.name);
        assert!(
            c.svg.contains("@font-face") && c.svg.contains(charts::FONT_FAMILY),
            "{}",
            c.name
        );
        assert!(c.svg.contains("<text"), "{}", c.name);
    }
}

#[test]
fn markdown_report_is_pinned() {
    let report = steady_api(10);
    let charts = charts::render_all(&report).unwrap();
    insta::assert_snapshot!(document::markdown(&report, &charts));
}

#[test]
fn timeseries_csv_is_pinned() {
    let report = steady_api(10);
    let files = render_files(&report).unwrap();
    let csv = files.iter().find(|f| f.path == "timeseries.csv").unwrap();
    insta::assert_snapshot!(String::from_utf8(csv.bytes.clone()).unwrap());
}

#[test]
fn verdicts_compare_serverless_with_servers() {
    let report = steady_api(10);
    let v = document::verdicts(&report);
    assert_eq!(v.len(), 2, "{v:?}");
    assert!(v[0].starts_with("lambda-512mb costs") && v[0].contains("than ec2-2x-m7g.large"));
    assert!(v[0].contains("slower at p99") || v[0].contains("faster at p99"));
}

#[test]
fn report_command_rerenders_the_same_files() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("r");
    common::run_shipped("daily-cycle", "3h", &out);
    let read = |f: &str| std::fs::read(out.join(f)).unwrap();
    let names = [
        "report.md",
        "report.html",
        "summary.json",
        "summary.csv",
        "timeseries.csv",
        "charts/capacity.svg",
        "charts/capacity.png",
        "charts/latency-cdf.svg",
    ];
    let before: Vec<Vec<u8>> = names.iter().map(|f| read(f)).collect();
    std::fs::remove_file(out.join("report.html")).unwrap();
    std::fs::remove_dir_all(out.join("charts")).unwrap();
    Command::cargo_bin("scalesim")
        .unwrap()
        .arg("report")
        .arg(&out)
        .assert()
        .success();
    for (name, bytes) in names.iter().zip(before) {
        assert!(read(name) == bytes, "{name} differs after re-rendering");
    }
}

#[test]
fn report_command_explains_a_folder_that_is_not_a_report() {
    let dir = TempDir::new().unwrap();
    let out = Command::cargo_bin("scalesim")
        .unwrap()
        .arg("report")
        .arg(dir.path())
        .assert()
        .code(1);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        err.contains("summary.json") && err.contains("is") && err.contains("a report folder"),
        "{err}"
    );
}

/// `--request-log` writes one row per request whose outcomes match the summary's counters
/// exactly (the bursty scenario has completions, throttles, timeouts and requests in flight);
/// a sampled log keeps about that fraction, the same rows on every run.
#[test]
fn request_log_accounts_for_every_request() {
    let dir = TempDir::new().unwrap();
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/bursty.toml");
    let run = |out: &str, rate: Option<&str>| {
        let mut cmd = Command::cargo_bin("scalesim").unwrap();
        cmd.args([
            "run",
            scenario.to_str().unwrap(),
            "--horizon",
            "40m",
            "--format",
            "json",
            "--out",
        ])
        .arg(dir.path().join(out))
        .arg("--request-log");
        if let Some(r) = rate {
            cmd.arg(r);
        }
        cmd.assert().success();
    };
    run("full", None);
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("full/summary.json")).unwrap(),
    )
    .unwrap();
    for v in summary["variants"].as_array().unwrap() {
        let name = v["name"].as_str().unwrap();
        let path = dir.path().join(format!("full/requests/{name}.parquet"));
        let df = timeseries::read_parquet(&path).unwrap();
        let c = &v["requests"];
        assert_eq!(df.height() as u64, c["arrived"].as_u64().unwrap(), "{name}");
        let outcomes: Vec<String> = df
            .column("outcome")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|o| o.unwrap().to_string())
            .collect();
        let count = |o: &str| outcomes.iter().filter(|x| *x == o).count() as u64;
        assert_eq!(
            count("completed"),
            c["completed"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            count("throttled"),
            c["throttled"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            count("timed_out"),
            c["timed_out"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            count("in_flight"),
            c["in_flight_at_end"].as_u64().unwrap(),
            "{name}"
        );
        let cold = df
            .column("cold")
            .unwrap()
            .bool()
            .unwrap()
            .iter()
            .filter(|c| *c == Some(true))
            .count();
        assert_eq!(cold as u64, c["cold_starts"].as_u64().unwrap(), "{name}");
    }
    run("sample-a", Some("0.1"));
    run("sample-b", Some("0.1"));
    let name = "lambda-512mb";
    let full = timeseries::read_parquet(&dir.path().join(format!("full/requests/{name}.parquet")))
        .unwrap();
    let a = std::fs::read(dir.path().join(format!("sample-a/requests/{name}.parquet"))).unwrap();
    let b = std::fs::read(dir.path().join(format!("sample-b/requests/{name}.parquet"))).unwrap();
    assert_eq!(a, b, "a sampled log is the same on every run");
    let sampled =
        timeseries::read_parquet(&dir.path().join(format!("sample-a/requests/{name}.parquet")))
            .unwrap();
    let ratio = sampled.height() as f64 / full.height() as f64;
    assert!((ratio - 0.1).abs() < 0.01, "kept {ratio}");
}

/// The whole report folder — Parquet, charts, HTML — is byte-identical for the same scenario and
/// seed, on one thread or several.
#[test]
fn every_report_file_is_byte_identical_across_runs_and_threads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/daily-cycle.toml");
    let mut s = scalesim::scenario::load(&path).unwrap();
    s.horizon = scalesim::engine::SimDuration::from_secs(3 * 3_600);
    let files = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| render_files(&common::run(&s)).unwrap())
    };
    let (a, b) = (files(1), files(3));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.path, y.path);
        assert!(x.bytes == y.bytes, "{} differs", x.path);
    }
}
