//! Helpers shared by the integration tests.
#![allow(dead_code)]

use scalesim_core::results::VariantReport;
use scalesim_core::scenario::{self, Scenario};

#[path = "../../../crates/core/tests/it/common/run.rs"]
mod run;
pub use run::run;

/// Parse scenario text, panicking with the error text if it is invalid.
pub fn scenario(text: &str) -> Scenario {
    let traces = scalesim_traces::files();
    scenario::parse_with(text, "test.toml", &traces).unwrap_or_else(|e| panic!("{e}"))
}

/// Run scenario text and return its only variant.
pub fn run_one(text: &str) -> VariantReport {
    let mut r = run(&scenario(text));
    assert_eq!(r.variants.len(), 1);
    r.variants.remove(0)
}

/// Decode a PNG: (width, height, samples per pixel, pixel bytes).
pub fn decode_png(bytes: &[u8]) -> (u32, u32, usize, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info.width, info.height, info.color_type.samples(), buf)
}

/// Run the binary on `scenarios/<name>.toml` over `horizon`, writing the report folder `out`.
pub fn run_shipped(name: &str, horizon: &str, out: &std::path::Path) {
    let scenario = manifest_dir()
        .join("scenarios")
        .join(format!("{name}.toml"));
    assert_cmd::Command::cargo_bin("scalesim")
        .unwrap()
        .arg("run")
        .arg(&scenario)
        .args(["--horizon", horizon, "--out"])
        .arg(out)
        .assert()
        .success();
}

/// The package's folder: `CARGO_MANIFEST_DIR` as `cargo test` sets it when it runs the tests,
/// else as it was at build time. (Cargo does not rebuild a test when only the folder changed,
/// so the build-time value may name an older clone of the repository.)
pub fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}
