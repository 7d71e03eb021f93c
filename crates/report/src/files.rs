//! Every file of a report folder, rendered in memory; the caller writes them (atomically).

use std::io::Cursor;

use super::{RunReport, charts, csv_out, document, summary_csv, summary_json, timeseries};

/// One output file: its path inside the report folder and its bytes.
#[derive(Clone, Debug)]
pub struct ReportFile {
    /// Relative path, e.g. `charts/capacity.svg`.
    pub path: String,
    /// Contents.
    pub bytes: Vec<u8>,
}

impl ReportFile {
    /// The file at `path` with `bytes`.
    pub fn new(path: impl Into<String>, bytes: Vec<u8>) -> Self {
        ReportFile {
            path: path.into(),
            bytes,
        }
    }
}

/// Why a report could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A chart failed.
    #[error(transparent)]
    Chart(#[from] charts::ChartError),
    /// polars failed to build or write the time series.
    #[error("writing the time series failed: {0}")]
    Frame(#[from] polars::prelude::PolarsError),
}

/// Render summary, time series, charts and documents.
pub fn render_files(report: &RunReport) -> Result<Vec<ReportFile>, RenderError> {
    let mut frame = timeseries::frame(report)?;
    let mut parquet = Cursor::new(Vec::new());
    polars::prelude::ParquetWriter::new(&mut parquet).finish(&mut frame)?;
    let mut csv = Vec::new();
    {
        use polars::prelude::SerWriter;
        polars::prelude::CsvWriter::new(&mut csv).finish(&mut frame)?;
    }
    let charts = charts::render_all(report)?;
    let mut files = vec![
        ReportFile::new("summary.json", summary_json(report).into_bytes()),
        ReportFile::new("summary.csv", summary_csv(report).into_bytes()),
        ReportFile::new("timeseries.parquet", parquet.into_inner()),
        ReportFile::new("timeseries.csv", csv),
    ];
    if let Some(functions) = csv_out::functions_csv(report) {
        files.push(ReportFile::new("functions.csv", functions.into_bytes()));
    }
    for c in &charts {
        files.push(ReportFile::new(
            format!("charts/{}.svg", c.name),
            c.svg.clone().into_bytes(),
        ));
        files.push(ReportFile::new(
            format!("charts/{}.png", c.name),
            c.png.clone(),
        ));
    }
    files.push(ReportFile::new(
        "report.md",
        document::markdown(report, &charts).into_bytes(),
    ));
    files.push(ReportFile::new(
        "report.html",
        document::html(report, &charts).into_bytes(),
    ));
    Ok(files)
}
