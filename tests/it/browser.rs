//! The HTML report in a real headless browser (Debian's chromium, installed by .ci/run): it loads
//! from a file URL with no console errors, and every chart is drawn.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use tempfile::TempDir;

/// The browser, or `None` outside CI when it is not installed (CI must have it).
fn chromium() -> Option<PathBuf> {
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
    let url = format!("file://{}", page.display());
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
        .arg(&url)
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
    assert_eq!(charts, 6, "charts in the DOM");
    for name in [
        "cost-vs-p99",
        "cost-breakdown",
        "cumulative-cost",
        "capacity",
        "latency-cdf",
        "p99-per-interval",
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
