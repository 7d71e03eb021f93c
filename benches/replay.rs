//! Replay benchmark (a documented command, not a timed test; figures in README "Performance"):
//!
//!     cargo bench --bench replay [-- ROWS]
//!
//! Writes a request log of ROWS rows (default 10 million: a day of traffic, epoch-ms timestamps,
//! durations in ms, 50 functions with Zipf-distributed popularity) under target/bench/, once;
//! then runs `scalesim run` on it (one Lambda variant, each function its own, full report
//! folder) and prints the wall time, rows replayed per second and the run's peak RSS.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Exp, LogNormal, Zipf};
use rand_xoshiro::Xoshiro256PlusPlus;

const FUNCTIONS: u64 = 50;

fn generate(path: &Path, rows: u64) -> std::io::Result<()> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(10);
    let gap_ms = Exp::new(1.0 / (86_400_000.0 / rows as f64)).unwrap();
    let duration = LogNormal::new(80f64.ln(), 0.8).unwrap();
    let function = Zipf::new(FUNCTIONS as f64, 1.1).unwrap();
    let tmp = path.with_extension("partial");
    let mut out = BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
    writeln!(out, "timestamp_ms,duration_ms,function")?;
    let mut t = 1_764_316_800_000.0f64; // 2025-11-28T08:00:00Z
    for _ in 0..rows {
        t += gap_ms.sample(&mut rng);
        let d: f64 = duration.sample(&mut rng);
        let f = function.sample(&mut rng) as u64;
        let jitter: f64 = rng.random();
        writeln!(out, "{},{:.1},fn-{f:02}", t.floor() as u64, d + jitter)?;
    }
    out.flush()?;
    drop(out);
    fs::rename(tmp, path)
}

/// Peak resident set of the largest child that has exited, MB.
fn children_peak_rss_mb() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; RUSAGE_CHILDREN is a valid target.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init()
    };
    usage.ru_maxrss as f64 / 1_024.0 // kilobytes on Linux
}

fn main() {
    let rows: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000_000);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    fs::create_dir_all(&dir).unwrap();
    let log = dir.join(format!("requests-{rows}.csv"));
    if !log.exists() {
        eprintln!("writing {} ...", log.display());
        generate(&log, rows).unwrap();
    }
    let scenario = dir.join("bench-replay.toml");
    fs::write(
        &scenario,
        format!(
            r#"name = "bench-replay"
description = "Benchmark: replay a {rows}-row request log"
horizon = "25h"
[traffic]
replay = {{ format = "csv", path = "{}", timestamp = "timestamp_ms", timestamp_unit = "ms", duration = "duration_ms", function = "function" }}
[traffic.request]
cpu_fraction = 0.0
[[variant]]
name = "lambda"
platform = "lambda"
memory_mb = 1024
cold_start = {{ dist = "constant", ms = 300 }}
"#,
            log.display()
        ),
    )
    .unwrap();
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_scalesim"))
        .args(["run", "--format", "json", "--out"])
        .arg(dir.join("out"))
        .arg(&scenario)
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .unwrap();
    let secs = start.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let arrived = summary["variants"][0]["requests"]["arrived"]
        .as_u64()
        .unwrap();
    println!(
        "replayed {arrived} of {rows} rows ({} functions) in {secs:.2} s: {:.2} million rows/s, peak RSS {:.1} MB",
        summary["traffic"]["replay"]["functions_replayed"],
        rows as f64 / secs / 1e6,
        children_peak_rss_mb()
    );
}
