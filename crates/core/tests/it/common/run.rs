//! The run every test of both test suites goes through (the core's and the command's, which
//! includes this file by path).

use scalesim_core::results::RunReport;
use scalesim_core::scenario::Scenario;

/// Run a scenario with no progress reporting. A scenario with a Lambda variant on an arrival
/// process runs twice: in one go and cut into 4 stretches of time simulated at once
/// (time-parallel, README "Time-parallel runs"), which must give the same report — so every
/// test through here (the queueing and keep-alive oracles, bills by hand, invariants) holds in
/// both modes.
pub fn run(s: &Scenario) -> RunReport {
    let report = scalesim_core::sim::run(s, &|_| {});
    if s.traffic.starts_anywhere() && report.variants.iter().any(|v| v.platform == "lambda") {
        let mut cut = s.clone();
        cut.stretches = 4;
        let mut stretched = scalesim_core::sim::run(&cut, &|_| {});
        stretched.stretches.clear();
        assert!(
            stretched == report,
            "{}: the run in 4 stretches differs from the run in one go",
            s.name
        );
    }
    report
}
