//! The per-interval time series as a polars DataFrame: one row per (variant, interval), written
//! as `timeseries.parquet` and `timeseries.csv`, and read back for `scalesim report`.

use std::path::Path;

use polars::prelude::*;

use super::RunReport;
use scalesim_core::metrics::IntervalRow;

/// Columns of the frame, in order, for documentation and checks.
pub const COLUMNS: [&str; 21] = [
    "variant",
    "interval_end_s",
    "arrivals",
    "completed",
    "cold_starts",
    "throttled",
    "timed_out",
    "p50_ms",
    "p99_ms",
    "instances_serving",
    "instances_booting",
    "instances_idle",
    "instances_draining",
    "desired_capacity",
    "queue_length",
    "utilisation",
    "usage_requests",
    "usage_compute",
    "cost_usd",
    "cost_cumulative_usd",
    "platform",
];

/// Build the frame from a report's variants, in scenario order.
pub fn frame(report: &RunReport) -> PolarsResult<DataFrame> {
    let rows: Vec<(&str, &str, &IntervalRow, f64)> = report
        .variants
        .iter()
        .flat_map(|v| {
            let mut total = 0.0;
            v.timeseries.iter().map(move |row| {
                total += row.cost_usd;
                (v.name.as_str(), v.platform.as_str(), row, total)
            })
        })
        .collect();
    let col = |f: fn(&IntervalRow) -> f64| rows.iter().map(|r| f(r.2)).collect::<Vec<f64>>();
    let count = |f: fn(&IntervalRow) -> u64| rows.iter().map(|r| f(r.2)).collect::<Vec<u64>>();
    let opt = |f: fn(&IntervalRow) -> Option<f64>| {
        rows.iter().map(|r| f(r.2)).collect::<Vec<Option<f64>>>()
    };
    let opt_u32 = |f: fn(&IntervalRow) -> Option<u32>| {
        rows.iter().map(|r| f(r.2)).collect::<Vec<Option<u32>>>()
    };
    df!(
        "variant" => rows.iter().map(|r| r.0).collect::<Vec<&str>>(),
        "interval_end_s" => col(|r| r.end_s),
        "arrivals" => count(|r| r.arrivals),
        "completed" => count(|r| r.completed),
        "cold_starts" => count(|r| r.cold_starts),
        "throttled" => count(|r| r.throttled),
        "timed_out" => count(|r| r.timed_out),
        "p50_ms" => opt(|r| r.p50_ms),
        "p99_ms" => opt(|r| r.p99_ms),
        "instances_serving" => rows.iter().map(|r| r.2.in_service).collect::<Vec<u32>>(),
        "instances_booting" => opt_u32(|r| r.booting),
        "instances_idle" => rows.iter().map(|r| r.2.idle).collect::<Vec<u32>>(),
        "instances_draining" => opt_u32(|r| r.draining),
        "desired_capacity" => opt_u32(|r| r.desired),
        "queue_length" => rows.iter().map(|r| r.2.queue_length).collect::<Vec<Option<u64>>>(),
        "utilisation" => opt(|r| r.utilisation),
        "usage_requests" => count(|r| r.usage_requests),
        "usage_compute" => col(|r| r.usage_compute),
        "cost_usd" => col(|r| r.cost_usd),
        "cost_cumulative_usd" => rows.iter().map(|r| r.3).collect::<Vec<f64>>(),
        "platform" => rows.iter().map(|r| r.1).collect::<Vec<&str>>(),
    )
}

/// Write the frame as Parquet.
pub fn write_parquet(df: &mut DataFrame, path: &Path) -> PolarsResult<()> {
    let file = std::fs::File::create(path)?;
    ParquetWriter::new(file).finish(df)?;
    Ok(())
}

/// Write the frame as CSV.
pub fn write_csv(df: &mut DataFrame, path: &Path) -> PolarsResult<()> {
    let mut file = std::fs::File::create(path)?;
    CsvWriter::new(&mut file).finish(df)
}

/// Read a frame written by [`write_parquet`].
pub fn read_parquet(path: &Path) -> PolarsResult<DataFrame> {
    let file = std::fs::File::open(path)?;
    ParquetReader::new(file).finish()
}

/// Put rows read back from a frame into the report's variants (by name).
pub fn attach(report: &mut RunReport, df: &DataFrame) -> PolarsResult<()> {
    let names = df.column("variant")?.str()?;
    let f64_col =
        |n: &str| -> PolarsResult<Vec<Option<f64>>> { Ok(df.column(n)?.f64()?.iter().collect()) };
    let u64_col =
        |n: &str| -> PolarsResult<Vec<Option<u64>>> { Ok(df.column(n)?.u64()?.iter().collect()) };
    let u32_col =
        |n: &str| -> PolarsResult<Vec<Option<u32>>> { Ok(df.column(n)?.u32()?.iter().collect()) };
    let (end, p50, p99, util, compute, cost) = (
        f64_col("interval_end_s")?,
        f64_col("p50_ms")?,
        f64_col("p99_ms")?,
        f64_col("utilisation")?,
        f64_col("usage_compute")?,
        f64_col("cost_usd")?,
    );
    let (arrivals, completed, cold, throttled, timed_out, queue, requests) = (
        u64_col("arrivals")?,
        u64_col("completed")?,
        u64_col("cold_starts")?,
        u64_col("throttled")?,
        u64_col("timed_out")?,
        u64_col("queue_length")?,
        u64_col("usage_requests")?,
    );
    let (serving, booting, idle, draining, desired) = (
        u32_col("instances_serving")?,
        u32_col("instances_booting")?,
        u32_col("instances_idle")?,
        u32_col("instances_draining")?,
        u32_col("desired_capacity")?,
    );
    for v in &mut report.variants {
        v.timeseries.clear();
    }
    for (i, name) in names.iter().enumerate() {
        let Some(v) = report
            .variants
            .iter_mut()
            .find(|v| Some(v.name.as_str()) == name)
        else {
            continue;
        };
        v.timeseries.push(IntervalRow {
            end_s: end[i].unwrap_or_default(),
            arrivals: arrivals[i].unwrap_or_default(),
            completed: completed[i].unwrap_or_default(),
            cold_starts: cold[i].unwrap_or_default(),
            throttled: throttled[i].unwrap_or_default(),
            timed_out: timed_out[i].unwrap_or_default(),
            p50_ms: p50[i],
            p99_ms: p99[i],
            in_service: serving[i].unwrap_or_default(),
            booting: booting[i],
            idle: idle[i].unwrap_or_default(),
            draining: draining[i],
            desired: desired[i],
            queue_length: queue[i],
            utilisation: util[i],
            usage_requests: requests[i].unwrap_or_default(),
            usage_compute: compute[i].unwrap_or_default(),
            cost_usd: cost[i].unwrap_or_default(),
        });
    }
    Ok(())
}
