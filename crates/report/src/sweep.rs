//! Sweep results as tables: one row per run and variant (`runs`), one per point and variant
//! with mean, standard deviation and 95 % interval of every figure (`results`); polars frames
//! written as CSV and Parquet. Shards write their runs; `merge` reads them back.

use std::io::Cursor;

use polars::prelude::*;

use super::document::{escape, figure, table_rows};
use super::files::ReportFile;
use scalesim_core::experiment::{FIGURES, ResultRow, RunRow, SweepMeta};

/// The leading columns of both tables: the point and its swept values.
fn point_columns<R>(meta: &SweepMeta, rows: &[R], point: fn(&R) -> (u32, &[f64])) -> Vec<Column> {
    let mut cols: Vec<Column> = vec![Column::new(
        "point".into(),
        rows.iter().map(|r| point(r).0).collect::<Vec<_>>(),
    )];
    for (k, axis) in meta.axes.iter().enumerate() {
        cols.push(Column::new(
            axis.as_str().into(),
            rows.iter().map(|r| point(r).1[k]).collect::<Vec<_>>(),
        ));
    }
    cols
}

/// The runs as a frame: point, the swept values, replication, seed, variant, every figure.
pub fn runs_frame(meta: &SweepMeta, rows: &[RunRow]) -> PolarsResult<DataFrame> {
    let mut cols = point_columns(meta, rows, |r| (r.point, &r.values));
    cols.push(Column::new(
        "replication".into(),
        rows.iter().map(|r| r.replication).collect::<Vec<_>>(),
    ));
    cols.push(Column::new(
        "seed".into(),
        rows.iter().map(|r| r.seed).collect::<Vec<_>>(),
    ));
    cols.push(Column::new(
        "variant".into(),
        rows.iter().map(|r| r.variant.as_str()).collect::<Vec<_>>(),
    ));
    for (f, (name, _)) in FIGURES.iter().enumerate() {
        cols.push(Column::new(
            (*name).into(),
            rows.iter().map(|r| r.figures[f]).collect::<Vec<_>>(),
        ));
    }
    DataFrame::new(rows.len(), cols)
}

/// Read runs back from a frame written by [`runs_frame`] for the same sweep.
pub fn runs_from_frame(meta: &SweepMeta, df: &DataFrame) -> PolarsResult<Vec<RunRow>> {
    let point: Vec<u32> = df.column("point")?.u32()?.into_no_null_iter().collect();
    let axes: Vec<Vec<f64>> = meta
        .axes
        .iter()
        .map(|a| Ok(df.column(a)?.f64()?.into_no_null_iter().collect()))
        .collect::<PolarsResult<_>>()?;
    let replication: Vec<u32> = df
        .column("replication")?
        .u32()?
        .into_no_null_iter()
        .collect();
    let seed: Vec<u64> = df.column("seed")?.u64()?.into_no_null_iter().collect();
    let variant: Vec<String> = df
        .column("variant")?
        .str()?
        .iter()
        .map(|v| v.unwrap_or_default().to_string())
        .collect();
    let figures: Vec<Vec<f64>> = FIGURES
        .iter()
        .map(|(n, _)| Ok(df.column(n)?.f64()?.into_no_null_iter().collect()))
        .collect::<PolarsResult<_>>()?;
    Ok((0..df.height())
        .map(|i| RunRow {
            point: point[i],
            values: axes.iter().map(|a| a[i]).collect(),
            replication: replication[i],
            seed: seed[i],
            variant: variant[i].clone(),
            figures: figures.iter().map(|f| f[i]).collect(),
        })
        .collect())
}

/// The results as a frame: per figure its mean, and `_sd`, `_ci95_low`, `_ci95_high` (null
/// with one replication).
pub fn results_frame(meta: &SweepMeta, rows: &[ResultRow]) -> PolarsResult<DataFrame> {
    let mut cols = point_columns(meta, rows, |r| (r.point, &r.values));
    cols.push(Column::new(
        "variant".into(),
        rows.iter().map(|r| r.variant.as_str()).collect::<Vec<_>>(),
    ));
    cols.push(Column::new(
        "replications".into(),
        rows.iter().map(|r| r.replications).collect::<Vec<_>>(),
    ));
    for (f, (name, _)) in FIGURES.iter().enumerate() {
        let est = |r: &ResultRow| r.figures[f];
        cols.push(Column::new(
            (*name).into(),
            rows.iter().map(|r| est(r).mean).collect::<Vec<_>>(),
        ));
        cols.push(Column::new(
            format!("{name}_sd").into(),
            rows.iter().map(|r| est(r).sd).collect::<Vec<_>>(),
        ));
        cols.push(Column::new(
            format!("{name}_ci95_low").into(),
            rows.iter()
                .map(|r| est(r).ci95.map(|c| c.0))
                .collect::<Vec<_>>(),
        ));
        cols.push(Column::new(
            format!("{name}_ci95_high").into(),
            rows.iter()
                .map(|r| est(r).ci95.map(|c| c.1))
                .collect::<Vec<_>>(),
        ));
    }
    DataFrame::new(rows.len(), cols)
}

fn parquet(df: &mut DataFrame) -> PolarsResult<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    ParquetWriter::new(&mut out).finish(df)?;
    Ok(out.into_inner())
}

fn csv(df: &mut DataFrame) -> PolarsResult<Vec<u8>> {
    let mut out = Vec::new();
    CsvWriter::new(&mut out).finish(df)?;
    Ok(out)
}

/// The files of a sweep folder: sweep.json, runs and (for a whole sweep) results, each as CSV
/// and Parquet, and for a one-field sweep the cost and p99 charts (SVG and PNG).
pub fn sweep_files(
    meta: &SweepMeta,
    runs: &[RunRow],
    results: Option<&[ResultRow]>,
) -> Result<Vec<ReportFile>, super::files::RenderError> {
    let mut json = serde_json::to_string_pretty(meta).expect("sweep metadata serialises");
    json.push('\n');
    let mut r = runs_frame(meta, runs)?;
    let mut files = vec![
        ReportFile::new("sweep.json", json.into_bytes()),
        ReportFile::new("runs.parquet", parquet(&mut r)?),
        ReportFile::new("runs.csv", csv(&mut r)?),
    ];
    if let Some(results) = results {
        let mut df = results_frame(meta, results)?;
        files.push(ReportFile::new("results.parquet", parquet(&mut df)?));
        files.push(ReportFile::new("results.csv", csv(&mut df)?));
        let charts = super::charts::sweep_charts(meta, results)?;
        files.push(ReportFile::new(
            "report.html",
            sweep_html(meta, results, &charts).into_bytes(),
        ));
        for c in charts {
            files.push(ReportFile::new(
                format!("{}.svg", c.name),
                c.svg.into_bytes(),
            ));
            files.push(ReportFile::new(format!("{}.png", c.name), c.png));
        }
    }
    Ok(files)
}

/// The cells of a sweep's results, a row per point and variant: the swept values, the variant,
/// then cost, monthly, p99, failed share and whether it met the SLO, each the mean over the
/// replications (± half the 95 % interval when there are several).
fn result_cells(meta: &SweepMeta, results: &[ResultRow]) -> (Vec<String>, Vec<Vec<String>>) {
    let fig = |n| scalesim_core::experiment::figure(n).expect("a known figure");
    let columns = [
        ("cost_usd", "cost USD", 4),
        ("monthly_730h_usd", "monthly (730 h) USD", 2),
        ("latency_p99_ms", "p99 ms", 1),
        ("throttled_pct", "throttled %", 3),
        ("timed_out_pct", "timed out %", 3),
        ("slo_met", "meets the SLO", 2),
    ];
    let mut header: Vec<String> = meta.axes.clone();
    header.push("variant".into());
    header.extend(columns.iter().map(|c| c.1.to_string()));
    let rows = results
        .iter()
        .map(|r| {
            let mut row: Vec<String> = r.values.iter().map(|&v| value(v)).collect();
            row.push(r.variant.clone());
            for (name, _, digits) in columns {
                let e = &r.figures[fig(name)];
                row.push(if name == "slo_met" {
                    slo_share(e.mean, |pct| format!("in {pct:.0} % of runs"))
                } else if e.mean.is_nan() {
                    "—".into()
                } else {
                    estimate(e, digits)
                });
            }
            row
        })
        .collect();
    (header, rows)
}

/// A sweep's own report page: what was swept, the charts inline (one swept field) and every
/// row of the results table, as one self-contained page.
pub fn sweep_html(
    meta: &SweepMeta,
    results: &[ResultRow],
    charts: &[super::charts::Chart],
) -> String {
    let font = super::charts::base64(super::charts::FONT);
    let family = super::charts::FONT_FAMILY;
    let title = escape(&meta.scenario);
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{title} — scalesim sweep</title>\n<style>\n\
         @font-face {{ font-family: '{family}'; src: url(data:font/ttf;base64,{font}); }}\n\
         body {{ font-family: '{family}', sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }}\n\
         table {{ border-collapse: collapse; margin: 1em 0; }}\n\
         th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: right; }} th {{ background: #f4f4f4; }}\n\
         figure {{ margin: 1.5em 0; }} figure svg {{ width: 100%; height: auto; }}\n\
         </style>\n</head>\n<body>\n<h1>{title} — scalesim sweep</h1>\n"
    );
    let reps = if meta.replications > 1 {
        format!(
            ", {} replications each (mean ± half the 95 % interval)",
            meta.replications
        )
    } else {
        String::new()
    };
    h += &format!(
        "<p>{} point(s) over {}{reps}; variants {}. The data: results.csv and results.parquet \
         (a row per point and variant), runs.csv and runs.parquet (a row per run).</p>\n",
        meta.points,
        escape(&meta.axes.join(" × ")),
        escape(&meta.variants.join(", "))
    );
    if !charts.is_empty() {
        h += "<h2>Charts</h2>\n";
    }
    for c in charts {
        h += &figure(c);
    }
    let (header, rows) = result_cells(meta, results);
    h += &format!(
        "<h2>Results</h2>\n<table class=\"results\">\n{}</table>\n</body>\n</html>\n",
        table_rows(&header, &rows)
    );
    h
}

/// An estimate's mean with `digits` decimals, and ± half its 95 % interval when it has one
/// (replications).
fn estimate(e: &scalesim_core::experiment::stats::Estimate, digits: usize) -> String {
    match e.ci95 {
        Some(_) => format!("{:.digits$} ± {:.digits$}", e.mean, e.half_width()),
        None => format!("{:.digits$}", e.mean),
    }
}

/// Whether a point met the SLO, from the share of its runs that did (`slo_met`'s mean): "yes",
/// "NO", "—" without an SLO, else `partial` of the share in percent.
fn slo_share(mean: f64, partial: fn(f64) -> String) -> String {
    match mean {
        m if m.is_nan() => "—".into(),
        m if m >= 1.0 => "yes".into(),
        m if m <= 0.0 => "NO".into(),
        m => partial(m * 100.0),
    }
}

/// A swept value, short: whole numbers as such, others to 4 significant decimals.
fn value(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v}")
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// The results for the terminal: a row per point and variant with cost and p99 (± the half
/// width of their 95 % interval with replications), at most `limit` rows.
pub fn sweep_table(meta: &SweepMeta, results: &[ResultRow], limit: usize) -> String {
    use comfy_table::{CellAlignment, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
    let fig = |n| scalesim_core::experiment::figure(n).expect("a known figure");
    let (cost, p99, cold, throttled, timed_out, slo) = (
        fig("cost_usd"),
        fig("latency_p99_ms"),
        fig("cold_start_pct"),
        fig("throttled_pct"),
        fig("timed_out_pct"),
        fig("slo_met"),
    );
    let with_slo = results.iter().any(|r| !r.figures[slo].mean.is_nan());
    let mut header: Vec<String> = meta.axes.clone();
    header.extend(["variant", "cost USD", "p99 ms", "cold starts %", "failed %"].map(String::from));
    if with_slo {
        header.push("SLO".into());
    }
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header);
    for r in results.iter().take(limit) {
        let mut row: Vec<String> = r.values.iter().map(|&v| value(v)).collect();
        row.push(r.variant.clone());
        row.push(estimate(&r.figures[cost], 4));
        row.push(estimate(&r.figures[p99], 1));
        row.push(estimate(&r.figures[cold], 3));
        // Throttled + timed out: a cheap point that drops requests is no option.
        let failed = r.figures[throttled].mean + r.figures[timed_out].mean;
        row.push(format!("{failed:.3}"));
        if with_slo {
            row.push(slo_share(r.figures[slo].mean, |pct| format!("{pct:.0} %")));
        }
        table.add_row(row);
    }
    for i in 0..table.column_count() {
        if i != meta.axes.len()
            && let Some(col) = table.column_mut(i)
        {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    let more = if results.len() > limit {
        format!("… {} more rows in results.csv\n", results.len() - limit)
    } else {
        String::new()
    };
    let reps = if meta.replications > 1 {
        format!(
            ", {} replications each (mean ± half the 95 % interval)",
            meta.replications
        )
    } else {
        String::new()
    };
    format!(
        "{} — sweep of {} point(s){reps}\n{table}\n{more}",
        meta.scenario, meta.points
    )
}
