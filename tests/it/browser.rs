//! The HTML report in a real headless browser (Debian's chromium, installed by .ci/run): it loads
//! from a file URL with no console errors, every chart is drawn, and the charts that answer the
//! question (cost against p99 with the SLO, decade labels, a throttling variant's distribution)
//! and the projector view show; screenshots of both views are kept for a person to look at.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use tempfile::TempDir;

/// The browser, or `None` outside CI when it is not installed (CI must have it); the watch
/// test uses it too.
pub(crate) fn chromium() -> Option<PathBuf> {
    let found = [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium (apt-get install chromium): the HTML report is checked in it"
        );
        eprintln!("chromium not installed: skipping the browser check (CI runs it)");
    }
    found
}

/// Run headless chromium on `page` with extra `args`; returns (stdout, stderr).
fn headless(browser: &Path, profile: &Path, page: &Path, args: &[&str]) -> (String, String) {
    headless_url(
        browser,
        profile,
        &format!("file://{}", page.display()),
        args,
    )
}

/// Run headless chromium on `url` with extra `args`; returns (stdout, stderr).
fn headless_url(browser: &Path, profile: &Path, url: &str, args: &[&str]) -> (String, String) {
    let out = Process::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .output()
        .expect("chromium starts");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Lines where the page's console reported an error.
fn console_errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| {
            l.contains("CONSOLE")
                && (l.contains("ERROR") || l.contains("Uncaught") || l.contains("error"))
        })
        .collect()
}

#[test]
fn html_report_loads_without_errors_and_draws_every_chart() {
    let Some(browser) = chromium() else { return };
    let dir = TempDir::new().unwrap();
    let profile = dir.path().join("profile");

    // The detector finds a console error when there is one.
    let broken = dir.path().join("broken.html");
    std::fs::write(
        &broken,
        "<html><body><script>console.error('boom'); nosuchfunction();</script></body></html>",
    )
    .unwrap();
    let (_, stderr) = headless(&browser, &profile, &broken, &["--dump-dom"]);
    assert!(
        !console_errors(&stderr).is_empty(),
        "the console check sees nothing: {stderr}"
    );

    let out = dir.path().join("report");
    crate::common::run_shipped("steady-api", "2h", &out);
    let page = out.join("report.html");

    let (dom, stderr) = headless(&browser, &profile, &page, &["--dump-dom"]);
    assert!(
        console_errors(&stderr).is_empty(),
        "console errors: {:?}",
        console_errors(&stderr)
    );
    let charts = dom.matches("<figure class=\"chart\"").count();
    assert_eq!(charts, 8, "charts in the DOM");
    for name in [
        "cost-vs-p99",
        "cost-breakdown",
        "cumulative-cost",
        "capacity",
        "latency-cdf",
        "p99-per-interval",
        "commitment-usage",
        "commitment-cost",
    ] {
        let start = dom
            .find(&format!("id=\"chart-{name}\""))
            .unwrap_or_else(|| panic!("no {name}"));
        let figure = &dom[start..start + dom[start..].find("</figure>").unwrap()];
        assert!(figure.contains("<svg"), "{name}: no svg");
        let marks = figure.matches("<polyline").count()
            + figure.matches("<rect").count()
            + figure.matches("<path").count();
        assert!(marks > 5, "{name}: only {marks} drawn elements");
        assert!(figure.contains("<text"), "{name}: no text");
    }

    let shot = dir.path().join("shot.png");
    headless(
        &browser,
        &profile,
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1100,2400",
            "--hide-scrollbars",
        ],
    );
    let (width, height, channels, buf) = crate::common::decode_png(&std::fs::read(&shot).unwrap());
    let pixels = buf.chunks(channels).take((width * height) as usize);
    let (mut non_white, mut coloured) = (0usize, 0usize);
    for p in pixels {
        if p[0] < 240 || p[1] < 240 || p[2] < 240 {
            non_white += 1;
        }
        if (i32::from(p[0]) - i32::from(p[2])).abs() > 60 {
            coloured += 1; // chart colours, not grey text
        }
    }
    let total = (width * height) as usize;
    assert!(
        non_white > total / 100,
        "screenshot nearly blank: {non_white} of {total} pixels"
    );
    assert!(
        coloured > 2_000,
        "no chart colours in the screenshot: {coloured}"
    );
}

/// Bursts of 120 req/s over a 10 req/s base, an SLO, and a function capped at 15 concurrent
/// next to an uncapped one and a two-instance fleet. The cap throttles: a burst needs about
/// 120 req/s × ~0.2 s ≈ 24 environments at once, and bursts bring (120 × 2 min) / (120 × 2 min +
/// 10 × 10 min) ≈ 70 % of the arrivals, so some 10–50 % of all arrivals are refused.
const SLO_BURSTY: &str = r#"
name = "slo-bursty"
description = "Bursts over a steady base: a function capped at 15 concurrent next to ample ones"
seed = 7
horizon = "2h"

[slo]
p99_ms = 1000
max_failed_pct = 1

[traffic]
arrivals = { process = "bursty", base_rate_per_s = 10, burst_rate_per_s = 120, mean_base = "10m", mean_burst = "2m" }

[traffic.request]
duration = { dist = "exponential", mean_ms = 120 }
cpu_fraction = 0.2
memory_mb = 256

[[variant]]
name = "lambda-capped-15"
platform = "lambda"
memory_mb = 512
runtime = "go"
reserved_concurrency = 15

[[variant]]
name = "lambda-ample"
platform = "lambda"
memory_mb = 512
runtime = "go"

[[variant]]
name = "ec2-2x-m6i.large"
platform = "ec2"
instance_type = "m6i.large"
count = 2
slots = 8
queue_timeout = "10s"
"#;

/// The figure `id="chart-{name}"` of a dumped DOM.
fn figure<'d>(dom: &'d str, name: &str) -> &'d str {
    let start = dom
        .find(&format!("id=\"chart-{name}\""))
        .unwrap_or_else(|| panic!("no {name} chart"));
    &dom[start..start + dom[start..].find("</figure>").unwrap()]
}

/// The texts of a figure's SVG `<text>` elements, trimmed.
fn svg_texts(figure: &str) -> Vec<String> {
    figure
        .split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..];
            Some(body[..body.find("</text>")?].trim().to_string())
        })
        .collect()
}

/// Where `needle` first appears in `dom`.
fn at(dom: &str, needle: &str) -> usize {
    dom.find(needle)
        .unwrap_or_else(|| panic!("{needle} not in the page"))
}

/// Save a screenshot of `url` at `size` under the cargo target folder and print its path.
fn screenshot(browser: &Path, profile: &Path, url: &str, size: &str, name: &str) -> PathBuf {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&folder).unwrap();
    let shot = folder.join(name);
    headless_url(
        browser,
        profile,
        url,
        &[
            &format!("--screenshot={}", shot.display()),
            &format!("--window-size={size}"),
            "--hide-scrollbars",
        ],
    );
    println!("screenshot: {}", shot.display());
    shot
}

#[test]
fn slo_report_answers_the_question_on_desktop_and_projector() {
    let Some(browser) = chromium() else { return };
    let dir = TempDir::new().unwrap();
    let profile = dir.path().join("profile");
    let scenario = dir.path().join("slo-bursty.toml");
    std::fs::write(&scenario, SLO_BURSTY).unwrap();
    let out = dir.path().join("report");
    assert_cmd::Command::cargo_bin("scalesim")
        .unwrap()
        .arg("run")
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let url = format!("file://{}", out.join("report.html").display());

    let (dom, stderr) = headless_url(&browser, &profile, &url, &["--dump-dom"]);
    assert!(
        console_errors(&stderr).is_empty(),
        "console errors: {:?}",
        console_errors(&stderr)
    );
    // Cost against p99 comes first, with the SLO line and the cheapest variant meeting it.
    assert!(at(&dom, "id=\"chart-cost-vs-p99\"") < at(&dom, "id=\"chart-cost-breakdown\""));
    let cost = svg_texts(figure(&dom, "cost-vs-p99"));
    for label in [
        "SLO p99 ≤ 1000 ms",
        "cheapest meeting SLO",
        "lambda-capped-15 (misses the SLO)",
        "1 s",
    ] {
        assert!(cost.iter().any(|t| t == label), "{label} not in {cost:?}");
    }
    // Every latency chart: decades labelled with units, the SLO line labelled.
    for name in ["latency-cdf", "p99-per-interval"] {
        let texts = svg_texts(figure(&dom, name));
        for label in ["100 ms", "1 s", "SLO p99 ≤ 1000 ms"] {
            assert!(
                texts.iter().any(|t| t == label),
                "{name}: no {label} in {texts:?}"
            );
        }
    }
    let cdf = svg_texts(figure(&dom, "latency-cdf"));
    assert!(cdf.iter().any(|t| t == "10 ms"), "{cdf:?}");
    assert!(
        cdf.iter()
            .any(|t| t == "fraction of arrived requests at or below")
    );
    // The throttling variant's curve ends where its served share does: 100 % − throttled %
    // (the worked estimate above puts the throttled share at 10–50 %).
    let capped = cdf
        .iter()
        .find(|t| t.starts_with("lambda-capped-15 — throttled "))
        .unwrap_or_else(|| panic!("no throttling legend in {cdf:?}"));
    let number = |after: &str| -> f64 {
        let rest = &capped[capped.find(after).unwrap() + after.len()..];
        rest[..rest.find(" %").unwrap()].parse().unwrap()
    };
    let (throttled, ends) = (number("throttled "), number("curve ends at "));
    assert!((10.0..50.0).contains(&throttled), "{capped}");
    assert!((ends - (100.0 - throttled)).abs() < 0.2, "{capped}");
    assert!(
        cdf.iter().any(|t| t == "lambda-ample"),
        "the uncapped variant's curve reaches the top: {cdf:?}"
    );
    // Desktop: the verdict after the run's header lines.
    assert!(dom.contains("data-view=\"desktop\""));
    assert!(at(&dom, "id=\"verdict\"") > at(&dom, "<li>SLO:"));

    let (projected, stderr) = headless_url(
        &browser,
        &profile,
        &format!("{url}#projector"),
        &["--dump-dom"],
    );
    assert!(console_errors(&stderr).is_empty(), "{stderr}");
    assert!(
        projected.contains("class=\"projector\""),
        "body not switched"
    );
    assert!(projected.contains("data-view=\"projector\""));
    let first = at(&projected, "id=\"projector-first\"");
    let verdict = at(&projected, "id=\"verdict\"");
    let chart = at(&projected, "id=\"chart-cost-vs-p99\"");
    assert!(
        first < verdict && verdict < chart,
        "verdict, then the chart"
    );
    assert!(
        chart < at(&projected, "<li>SLO:"),
        "both before the header lines"
    );
    assert!(
        chart < at(&projected, "<h2>Comparison</h2>"),
        "and before the tables"
    );
    let (queried, _) = headless_url(
        &browser,
        &profile,
        &format!("{url}?view=projector"),
        &["--dump-dom"],
    );
    assert!(queried.contains("data-view=\"projector\""));

    for (suffix, size, name) in [
        ("", "1280,2400", "report-desktop.png"),
        ("#projector", "1920,1080", "report-projector.png"),
    ] {
        let shot = screenshot(&browser, &profile, &format!("{url}{suffix}"), size, name);
        let (w, h, channels, buf) = crate::common::decode_png(&std::fs::read(&shot).unwrap());
        let coloured = buf
            .chunks(channels)
            .take((w * h) as usize)
            .filter(|p| (i32::from(p[0]) - i32::from(p[2])).abs() > 60)
            .count();
        assert!(coloured > 2_000, "{name}: no chart colours ({coloured})");
    }
}
