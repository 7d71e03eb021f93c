//! Report folders: the time series survives Parquet, charts draw with the embedded font only,
//! Markdown and CSV are pinned, and `scalesim report` re-renders the same files.

use assert_cmd::Command;
use scalesim_report::{charts, document, render_files, timeseries};
use tempfile::TempDir;

fn steady_api(minutes: u64) -> scalesim_core::results::RunReport {
    let path = crate::common::manifest_dir().join("scenarios/steady-api.toml");
    let mut s = scalesim_traces::scenario_files::load(&path).unwrap();
    s.horizon = scalesim_core::engine::SimDuration::from_secs(minutes * 60);
    crate::common::run(&s)
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
    // Six for every run, two more for the commitment advisor (steady-api has a fleet).
    assert_eq!(charts.len(), 8);
    for c in &charts {
        let (w, h, _, rgb) = crate::common::decode_png(&c.png);
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

/// Cost against p99 without an SLO rings the plain cheapest variant; a variant with no completed
/// request has no p99 and is named instead of plotted; the latency distribution's legend says
/// where a variant that lost requests ends (the counts below: 1,000 arrived, 680 completed,
/// 320 throttled → 32.0 % throttled, the curve ends at 68.0 %).
#[test]
fn cost_against_p99_names_what_it_cannot_plot_and_the_cdf_where_it_ends() {
    let mut report = steady_api(10);
    assert!(report.slo.is_none());
    report.variants[0].latency_ms.p99_ms = f64::NAN;
    let v = &mut report.variants[1];
    v.requests.arrived = 1_000;
    v.requests.completed = 680;
    v.requests.throttled = 320;
    v.requests.timed_out = 0;
    v.requests.in_flight_at_end = 0;
    let name = v.name.clone();
    let charts = charts::render_all(&report).unwrap();
    assert_eq!(charts[0].name, "cost-vs-p99");
    let cost = &charts[0].svg;
    assert!(
        cost.contains(&format!(
            "not plotted, no request completed: {}",
            report.variants[0].name
        )),
        "cost-vs-p99: no not-plotted entry"
    );
    assert!(cost.contains("cheapest") && !cost.contains("cheapest meeting SLO"));
    assert!(!cost.contains("SLO p99"), "no SLO, no line");
    let cdf = &charts.iter().find(|c| c.name == "latency-cdf").unwrap().svg;
    assert!(
        cdf.contains(&format!("{name} — throttled 32.0 %: curve ends at 68.0 %")),
        "latency-cdf: no throttled legend"
    );
    assert!(cdf.contains("fraction of arrived requests at or below"));
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
    crate::common::run_shipped("daily-cycle", "3h", &out);
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
    let scenario = crate::common::manifest_dir().join("scenarios/bursty.toml");
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
        .arg(dir.path().join(out));
        match rate {
            Some(r) => cmd.arg(format!("--request-log={r}")),
            None => cmd.arg("--request-log"),
        };
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
    let path = crate::common::manifest_dir().join("scenarios/daily-cycle.toml");
    let mut s = scalesim_traces::scenario_files::load(&path).unwrap();
    s.horizon = scalesim_core::engine::SimDuration::from_secs(3 * 3_600);
    let files = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| render_files(&crate::common::run(&s)).unwrap())
    };
    let (a, b) = (files(1), files(3));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.path, y.path);
        assert!(x.bytes == y.bytes, "{} differs", x.path);
    }
}

/// Cost per million is per *arrived* request. One t3.micro ($0.0104/h) for 2.5 s bills its
/// 60-second minimum: 60 × 0.0104 / 3,600 = $0.000173333. Four requests arrive (one served,
/// two time out in the queue, one in flight at the end: `tests/it/bills.rs`), so
/// 0.000173333 / 4 × 10^6 = $43.3333 per million — not $173.33 per million served.
/// The projection covers a 730-hour month, 2,628,000 s.
#[test]
fn cost_per_million_counts_arrived_requests_and_a_month_is_730_hours() {
    let v = crate::common::run_one(
        r#"
name = "timeouts"
horizon = "2500ms"
[traffic]
arrivals = { process = "list", at_s = [0.0, 0.01, 0.02, 2.0] }
[traffic.request]
duration = { dist = "constant", ms = 1000 }
cpu_fraction = 0.0
[[variant]]
name = "ec2"
platform = "ec2"
instance_type = "t3.micro"
count = 1
slots = 1
queue_timeout = "500ms"
load_balancer = false
"#,
    );
    assert_eq!(v.requests.arrived, 4);
    let per_million = v.cost_per_million_arrived_usd.unwrap();
    assert!((per_million - 43.333_333).abs() < 1e-3, "{per_million}");
    assert_eq!(v.projection_monthly.period.label, "monthly (730 h)");
    assert_eq!(v.projection_monthly.period.seconds, 730.0 * 3_600.0);
}

/// Lambda held to one environment, even arrivals every 50 ms of 100 ms each: about every other
/// request is throttled (≈ 50 % > 0.1 %), so although it is the cheaper (~6,000 requests ×
/// ~$0.85 per million ≈ $0.005 against a m7g.large's 10 minutes, $0.0816 / 6 = $0.0136) it
/// misses the SLO, and the verdict names the server. With a 50 ms p99 limit neither meets the
/// SLO (both take 100 ms), and the verdict says why for each.
#[test]
fn the_verdict_names_the_cheapest_variant_that_meets_the_slo() {
    let text = |p99: u32| {
        format!(
            r#"
name = "slo"
horizon = "10m"
[slo]
p99_ms = {p99}
max_failed_pct = 0.1
[traffic]
arrivals = {{ process = "even", rate_per_s = 20.0 }}
[traffic.request]
duration = {{ dist = "constant", ms = 100 }}
cpu_fraction = 0.0
[[variant]]
name = "fn"
platform = "lambda"
memory_mb = 512
concurrency = 1
cold_start = {{ dist = "constant", ms = 0 }}
[[variant]]
name = "ec2"
platform = "ec2"
instance_type = "m7g.large"
count = 1
slots = 64
load_balancer = false
"#
        )
    };
    let r = crate::common::run(&crate::common::scenario(&text(1000)));
    let (f, e) = (&r.variants[0], &r.variants[1]);
    assert!(f.throttled_pct > 40.0, "{}", f.throttled_pct);
    assert!(f.cost.total_usd < e.cost.total_usd);
    assert_eq!((f.slo_met, e.slo_met), (Some(false), Some(true)));
    assert!(
        f.slo_missed_by[0].ends_with("throttled > 0.1 % failed"),
        "{:?}",
        f.slo_missed_by
    );
    let line = scalesim_report::verdict::headline(&r);
    assert!(
        line.starts_with("Cheapest that meets the SLO (p99 ≤ 1000 ms, throttled + timed out ≤ 0.1 %): ec2 at $0.01360"),
        "{line}"
    );
    // The same line in the table, the Markdown and the HTML report.
    assert!(scalesim_report::summary_table(&r).contains(&line));
    let md = document::markdown(&r, &[]);
    assert!(md.contains(&format!("**{line}**")));
    let r = crate::common::run(&crate::common::scenario(&text(50)));
    let line = scalesim_report::verdict::headline(&r);
    assert!(
        line.starts_with(
            "No variant meets the SLO (p99 ≤ 50 ms, throttled + timed out ≤ 0.1 %) — fn: p99 "
        ),
        "{line}"
    );
    assert!(
        line.contains("throttled > 0.1 % failed; ec2: p99 "),
        "{line}"
    );
}

/// A variant with more scaling activities than a page lists: the first
/// `document::MAX_ACTIVITY_ROWS` in report.md and report.html, then a line that counts them
/// all and says where they are; summary.json keeps every one.
#[test]
fn long_scaling_logs_are_cut_on_the_page_and_counted() {
    let mut r = steady_api(1);
    let extra = document::MAX_ACTIVITY_ROWS + 5;
    let v = &mut r.variants[0];
    v.scaling_activities = (0..extra)
        .map(|k| scalesim_core::platform::ScalingActivity {
            at_s: k as f64,
            from: (k % 2) as u32 + 1,
            to: ((k + 1) % 2) as u32 + 1,
            reason: format!("change {k}"),
        })
        .collect();
    let md = document::markdown(&r, &[]);
    let html = document::html(&r, &[]);
    let last_listed = format!("change {}", document::MAX_ACTIVITY_ROWS - 1);
    let first_cut = format!("change {}", document::MAX_ACTIVITY_ROWS);
    let note = format!(
        "The first {} of {extra} changes; every one is in summary.json",
        document::MAX_ACTIVITY_ROWS
    );
    for page in [&md, &html] {
        assert!(page.contains(&last_listed) && !page.contains(&first_cut));
        assert!(page.contains(&note), "no count of what was left out");
    }
}
