//! The files of the searches: break-even (JSON, the evaluations as CSV, the cost-curve chart)
//! and cheapest setting (the candidates as CSV).

use super::charts;
use super::files::{RenderError, ReportFile};
use crate::experiment::stats::Estimate;
use crate::experiment::{Breakeven, Candidate};

/// CSV text of `rows` under `header`, fields written as given.
fn csv_text(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)
        .expect("writing CSV to memory cannot fail");
    for row in rows {
        w.write_record(&row)
            .expect("writing CSV to memory cannot fail");
    }
    String::from_utf8(w.into_inner().expect("flushing to memory cannot fail"))
        .expect("CSV of UTF-8 fields is UTF-8")
}

/// The ends of an estimate's 95 % interval as text (empty without one).
fn ci(e: &Estimate) -> [String; 2] {
    e.ci95.map_or([String::new(), String::new()], |(l, h)| {
        [l.to_string(), h.to_string()]
    })
}

/// breakeven.json, breakeven.csv and the chart (SVG and PNG).
pub fn breakeven_files(b: &Breakeven) -> Result<Vec<ReportFile>, RenderError> {
    let chart = charts::breakeven_chart(b)?;
    let mut json = serde_json::to_string_pretty(b).expect("results serialise");
    json.push('\n');
    let header = [
        "x",
        "cost_a_usd",
        "cost_a_ci95_low",
        "cost_a_ci95_high",
        "cost_b_usd",
        "cost_b_ci95_low",
        "cost_b_ci95_high",
        "difference_usd",
    ];
    let rows = b.evaluations.iter().map(|e| {
        let ([al, ah], [bl, bh]) = (ci(&e.cost_a), ci(&e.cost_b));
        vec![
            e.x.to_string(),
            e.cost_a.mean.to_string(),
            al,
            ah,
            e.cost_b.mean.to_string(),
            bl,
            bh,
            e.diff.mean.to_string(),
        ]
    });
    Ok(vec![
        ReportFile::new("breakeven.json", json.into_bytes()),
        ReportFile::new("breakeven.csv", csv_text(&header, rows).into_bytes()),
        ReportFile::new("breakeven.svg", chart.svg.into_bytes()),
        ReportFile::new("breakeven.png", chart.png),
    ])
}

/// cheapest.csv: every candidate, whether it keeps the limits and which is cheapest.
pub fn cheapest_csv(candidates: &[Candidate], best: Option<usize>) -> String {
    let header = [
        "value",
        "cost_usd",
        "p99_ms",
        "failed_pct",
        "feasible",
        "cheapest",
    ];
    let rows = candidates.iter().enumerate().map(|(i, c)| {
        vec![
            c.x.to_string(),
            c.cost.mean.to_string(),
            c.p99_ms.mean.to_string(),
            c.failed_pct.mean.to_string(),
            c.feasible.to_string(),
            (Some(i) == best).to_string(),
        ]
    });
    csv_text(&header, rows)
}
