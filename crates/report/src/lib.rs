//! Reports: the formats that show a run's results ([`scalesim_core::results`], plain serde data with
//! units in field names) — a side-by-side table, JSON and CSV, Parquet, charts, report.md and
//! report.html. Nothing here knows the engine; no product is named: what differs by product is
//! asked of its [`scalesim_core::platform::PlatformFamily`].

pub mod bill;
pub mod charts;
pub mod commitment;
pub mod compare;
mod csv_out;
pub mod document;
mod files;
pub mod request_log;
pub mod search;
pub mod sweep;
mod table;
pub mod timeseries;
pub mod verdict;

pub use csv_out::{functions_csv, summary_csv};
pub use files::{RenderError, ReportFile, render_files};
pub use table::{
    activity_log, cells, clock_time, count, function_table, human_duration, rows, summary_table,
    summary_table_width, usd, usd_row,
};

/// The result types live in [`scalesim_core::results`]; re-exported here, where renderers name them.
pub use scalesim_core::results::{
    FunctionReport, ReplaySummary, RunReport, TrafficSummary, VariantReport,
};

/// `summary.json`: the report, pretty-printed, ending in a newline.
pub fn summary_json(report: &RunReport) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("report data always serialises");
    s.push('\n');
    s
}
