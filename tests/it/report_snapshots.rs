//! The exporters pinned at a fixed seed: any change to the JSON, CSV or table — in format or in
//! the numbers the models produce — shows up as a snapshot diff to review.

use scalesim_core::engine::SimDuration;
use scalesim_report::{summary_csv, summary_json, summary_table};

fn steady_api_10_minutes() -> scalesim_core::results::RunReport {
    let path = crate::common::manifest_dir().join("scenarios/steady-api.toml");
    let mut s = scalesim_traces::scenario_files::load(&path).unwrap();
    s.horizon = SimDuration::from_secs(600);
    scalesim_core::sim::run(&s, &|_| {})
}

#[test]
fn summary_json_is_pinned() {
    insta::assert_snapshot!(summary_json(&steady_api_10_minutes()));
}

#[test]
fn summary_csv_is_pinned() {
    insta::assert_snapshot!(summary_csv(&steady_api_10_minutes()));
}

#[test]
fn summary_table_is_pinned() {
    insta::assert_snapshot!(summary_table(&steady_api_10_minutes()));
}
