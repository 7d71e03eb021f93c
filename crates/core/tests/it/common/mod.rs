//! Helpers shared by scalesim-core's integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use scalesim_core::results::{RunReport, VariantReport};
use scalesim_core::scenario::{self, Scenario};

mod run;
pub use run::run;

/// Parse scenario text (no replayed trace: the core reads no files), panicking with the error
/// text if it is invalid.
pub fn scenario(text: &str) -> Scenario {
    scenario::parse(text, "test.toml").unwrap_or_else(|e| panic!("{e}"))
}

/// Parse the scenario file at `path` (a synthetic-traffic scenario), panicking with the error.
pub fn load(path: &Path) -> Scenario {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    scenario::parse(&text, &path.display().to_string()).unwrap_or_else(|e| panic!("{e}"))
}

/// Run scenario text and return its only variant.
pub fn run_one(text: &str) -> VariantReport {
    let mut r = run(&scenario(text));
    assert_eq!(r.variants.len(), 1);
    r.variants.remove(0)
}

/// Erlang B: probability that all `n` servers are busy in an M/M/n/n loss system with offered
/// load `a` = λ·E[S], by the stable recursion B(k) = a·B(k−1)/(k + a·B(k−1)).
pub fn erlang_b(n: u32, a: f64) -> f64 {
    (1..=n).fold(1.0, |b, k| a * b / (f64::from(k) + a * b))
}

/// Erlang C: probability of waiting in an M/M/c queue with offered load `a` < c.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let b = erlang_b(c, a);
    b / (1.0 - (a / f64::from(c)) * (1.0 - b))
}

/// Assert that `v`, ~5 million Poisson arrivals at λ = 8/s of exponential 1 s service on ten
/// slots, waited as M/M/10 does (Erlang C): P(wait) and the mean wait within 2 % (the tolerance
/// `queueing.rs` argues from seeds 1–4), and nothing timed out.
pub fn waits_as_mm10_at_8(v: &VariantReport) {
    assert!(v.requests.arrived > 4_900_000, "{}", v.requests.arrived);
    let c = erlang_c(10, 8.0);
    let wait_s = c * 1.0 / (10.0 - 8.0);
    let pw = v.queueing.wait_probability;
    let wq = v.queueing.mean_wait_ms / 1_000.0;
    assert!((pw / c - 1.0).abs() < 0.02, "P(wait) {pw} vs Erlang C {c}");
    assert!(
        (wq / wait_s - 1.0).abs() < 0.02,
        "mean wait {wq} s vs {wait_s} s"
    );
    assert_eq!(v.requests.timed_out, 0);
}

/// The repository's folder (this crate is `crates/core` in it), from `CARGO_MANIFEST_DIR` as
/// `cargo test` sets it when it runs the tests, else as it was at build time. (Cargo does not
/// rebuild a test when only the folder changed, so the build-time value may name an older
/// clone of the repository.)
pub fn manifest_dir() -> PathBuf {
    let crate_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    crate_dir.join("../..")
}

/// Assert two dollar amounts (or quantities) agree to within 5×10⁻¹⁰.
pub fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 5e-10,
        "got {actual:.12}, expected {expected:.12}"
    );
}

/// The variant of `r` named `name`.
pub fn variant<'a>(r: &'a RunReport, name: &str) -> &'a VariantReport {
    r.variants
        .iter()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("no variant {name}"))
}
