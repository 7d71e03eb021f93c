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
    let lambda = report.variants.iter().any(|v| v.platform == "lambda");
    if lambda && s.traffic.functions().len() > 1 {
        same_report(s, &report, "in 3 groups of functions", |s| {
            s.function_groups = 3
        });
    }
    if lambda && s.traffic.starts_anywhere() {
        same_report(s, &report, "in 4 stretches", |s| s.stretches = 4);
    }
    report
}

/// Run `s` as `change` says to run it (in stretches, in groups) and assert its report is
/// `report`, the run in one go's (what each mode says of itself, on stderr, left out).
fn same_report(s: &Scenario, report: &RunReport, how: &str, change: impl FnOnce(&mut Scenario)) {
    let mut other = s.clone();
    change(&mut other);
    let mut got = scalesim_core::sim::run(&other, &|_| {});
    got.stretches.clear();
    got.function_groups.clear();
    assert!(
        got == *report,
        "{}: the run {how} differs from the run in one go",
        s.name
    );
}
