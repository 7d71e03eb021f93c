//! The run every test of both test suites goes through (the core's and the command's, which
//! includes this file by path).

use scalesim_core::results::RunReport;
use scalesim_core::scenario::Scenario;

/// Run a scenario with no progress reporting. A scenario with a Lambda variant on an arrival
/// process runs twice: in one go and cut into 4 stretches of time simulated at once
/// (time-parallel, README "Time-parallel runs"), which must give the same report — so every
/// test through here (the queueing and keep-alive oracles, bills by hand, invariants) holds in
/// both modes. A scenario whose traffic names several functions (a replayed trace) with a
/// Lambda variant runs twice too: together and in 3 groups of functions at once (README
/// "Functions in parallel"), which must give the same report.
pub fn run(s: &Scenario) -> RunReport {
    let report = scalesim_core::sim::run(s, &|_| {});
    if s.traffic.functions().len() > 1 && report.variants.iter().any(|v| v.platform == "lambda") {
        let mut split = s.clone();
        split.function_groups = 3;
        let mut grouped = scalesim_core::sim::run(&split, &|_| {});
        grouped.function_groups.clear();
        assert!(
            grouped == report,
            "{}: the run in 3 groups of functions differs from the run in one go",
            s.name
        );
    }
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
