//! The files of the searches: break-even (JSON, the evaluations as CSV, the cost-curve chart)
//! and cheapest setting (the candidates as CSV).

use super::charts;
use super::files::{RenderError, ReportFile};
use scalesim_core::experiment::stats::Estimate;
use scalesim_core::experiment::{Breakeven, Candidate};

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

/// A number as CSV text; empty for NaN (a value at which nothing ran).
fn number(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else {
        v.to_string()
    }
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
        "feasible_a",
        "why_not_a",
        "feasible_b",
        "why_not_b",
        "invalid",
    ];
    let rows = b.evaluations.iter().map(|e| {
        let ([al, ah], [bl, bh]) = (ci(&e.cost_a), ci(&e.cost_b));
        let why = |w: &Option<String>| w.clone().unwrap_or_default();
        let valid = e.invalid.is_none();
        vec![
            number(e.x),
            number(e.cost_a.mean),
            al,
            ah,
            number(e.cost_b.mean),
            bl,
            bh,
            number(e.diff.mean),
            (valid && e.infeasible_a.is_none()).to_string(),
            why(&e.infeasible_a),
            (valid && e.infeasible_b.is_none()).to_string(),
            why(&e.infeasible_b),
            why(&e.invalid),
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
        "why_not",
    ];
    let rows = candidates.iter().enumerate().map(|(i, c)| {
        vec![
            number(c.x),
            number(c.cost.mean),
            number(c.p99_ms.mean),
            number(c.failed_pct.mean),
            c.feasible.to_string(),
            (Some(i) == best).to_string(),
            c.why_not.clone().unwrap_or_default(),
        ]
    });
    csv_text(&header, rows)
}
