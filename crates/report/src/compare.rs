//! `scalesim compare`: the variants of several runs side by side — a workshop's "what if" next
//! to the answer before it. Each run is a report read back from its folder; a variant is
//! matched by name across runs, and with two runs each figure gets its change.

use super::document::escape;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};

use super::table::{human_duration, usd};
use super::{RunReport, VariantReport};

/// A figure of a variant: its label, how to read it, how to show it.
struct Figure {
    label: &'static str,
    value: fn(&VariantReport) -> Option<f64>,
    show: fn(f64) -> String,
}

fn pct(v: f64) -> String {
    format!("{v:.3} %")
}

fn ms(v: f64) -> String {
    if v >= 1_000.0 {
        super::table::count(v.round() as u64)
    } else {
        format!("{v:.1}")
    }
}

fn plain(v: f64) -> String {
    format!("{v:.2}")
}

/// The figures compared, in order: cost first, then latency and failures, then capacity.
const FIGURES: [Figure; 11] = [
    Figure {
        label: "requests arrived",
        value: |v| Some(v.requests.arrived as f64),
        show: |v| super::table::count(v.round() as u64),
    },
    Figure {
        label: "cost, simulated horizon",
        value: |v| Some(v.cost.total_usd),
        show: usd,
    },
    Figure {
        label: "monthly (730 h)",
        value: |v| Some(v.projection_monthly.total_usd),
        show: usd,
    },
    Figure {
        label: "cost per million arrived",
        value: |v| v.cost_per_million_arrived_usd,
        show: usd,
    },
    Figure {
        label: "latency p50 ms",
        value: |v| Some(v.latency_ms.p50_ms).filter(|ms| !ms.is_nan()),
        show: ms,
    },
    Figure {
        label: "latency p99 ms",
        value: |v| Some(v.latency_ms.p99_ms).filter(|ms| !ms.is_nan()),
        show: ms,
    },
    Figure {
        label: "cold starts",
        value: |v| Some(v.cold_start_pct),
        show: pct,
    },
    Figure {
        label: "throttled",
        value: |v| Some(v.throttled_pct),
        show: pct,
    },
    Figure {
        label: "timed out",
        value: |v| Some(v.timed_out_pct),
        show: pct,
    },
    Figure {
        label: "mean instances",
        value: |v| Some(v.capacity.mean_instances),
        show: plain,
    },
    Figure {
        label: "mean utilisation %",
        value: |v| Some(100.0 * v.capacity.mean_utilisation),
        show: plain,
    },
];

/// The change from `a` to `b`: "+$1.20 (+12.5 %)", "=" when equal, "—" when either is absent.
fn change(a: Option<f64>, b: Option<f64>, show: fn(f64) -> String) -> String {
    match (a, b) {
        (Some(a), Some(b)) if a == b => "=".to_string(),
        (Some(a), Some(b)) => {
            let d = b - a;
            let sign = if d > 0.0 { "+" } else { "−" };
            let shown = show(d.abs());
            if a != 0.0 {
                format!("{sign}{shown} ({sign}{:.1} %)", 100.0 * d.abs() / a.abs())
            } else {
                format!("{sign}{shown}")
            }
        }
        _ => "—".to_string(),
    }
}

/// The runs' header lines: label, scenario, seed, horizon and `--set` settings.
fn run_lines(runs: &[(String, RunReport)]) -> Vec<String> {
    runs.iter()
        .map(|(label, r)| {
            format!(
                "{label}: {} — seed {}, {} simulated{}",
                r.scenario,
                r.seed,
                human_duration(r.horizon_s),
                if r.settings.is_empty() {
                    String::new()
                } else {
                    format!(", set: {}", r.settings.join(", "))
                }
            )
        })
        .collect()
}

/// What differs between the runs besides their settings, which changes every figure (a longer
/// horizon costs more): one sentence per kind of difference, empty when they agree.
pub fn differences(runs: &[(String, RunReport)]) -> Vec<String> {
    let Some((first_label, first)) = runs.first() else {
        return Vec::new();
    };
    let mut notes = Vec::new();
    let mut differ = |what: &str, show: &dyn Fn(&RunReport) -> String| {
        let base = show(first);
        let others: Vec<String> = runs[1..]
            .iter()
            .filter(|(_, r)| show(r) != base)
            .map(|(l, r)| format!("{l} {}", show(r)))
            .collect();
        if !others.is_empty() {
            notes.push(format!(
                "the runs differ in {what} ({first_label} {base}; {}): figures differ for that \
                 reason too",
                others.join(", ")
            ));
        }
    };
    differ("scenario", &|r| format!("\"{}\"", r.scenario));
    differ("horizon", &|r| human_duration(r.horizon_s));
    differ("seed", &|r| r.seed.to_string());
    notes
}

/// The comparison as a grid: a header row, then per variant name a row with its description
/// and a row per figure (the first cell its label); with two runs a last "change" column.
/// Variant rows are marked `true`.
fn grid(runs: &[(String, RunReport)]) -> (Vec<String>, Vec<(bool, Vec<String>)>) {
    let mut names: Vec<&str> = Vec::new();
    for (_, r) in runs {
        for v in &r.variants {
            if !names.contains(&v.name.as_str()) {
                names.push(&v.name);
            }
        }
    }
    let mut header = vec![String::new()];
    header.extend(runs.iter().map(|(label, _)| label.clone()));
    let two = runs.len() == 2;
    if two {
        header.push("change".to_string());
    }
    let mut rows = Vec::new();
    for name in names {
        let found: Vec<Option<&VariantReport>> = runs
            .iter()
            .map(|(_, r)| r.variants.iter().find(|v| v.name == name))
            .collect();
        let mut row = vec![name.to_string()];
        row.extend(
            found
                .iter()
                .map(|v| v.map_or("—".into(), |v| v.description.clone())),
        );
        if two {
            row.push(String::new());
        }
        rows.push((true, row));
        for f in &FIGURES {
            let values: Vec<Option<f64>> =
                found.iter().map(|v| v.and_then(|v| (f.value)(v))).collect();
            let mut row = vec![format!("  {}", f.label)];
            row.extend(values.iter().map(|v| v.map_or("—".into(), f.show)));
            if two {
                row.push(change(values[0], values[1], f.show));
            }
            rows.push((false, row));
        }
    }
    (header, rows)
}

/// The runs side by side as text: a line per run (its label, scenario, seed, horizon and
/// `--set` settings), then one table with a block of figures per variant name and a column per
/// run — and, with exactly two runs, the change from the first to the second. A variant that a
/// run does not have shows "—" there.
pub fn compare_table(runs: &[(String, RunReport)]) -> String {
    let mut s = String::new();
    for line in run_lines(runs) {
        s += &format!("{line}\n");
    }
    for w in differences(runs) {
        s += &format!("note: {w}\n");
    }
    let (header, rows) = grid(runs);
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(100);
    table.set_header(header);
    for (_, row) in rows {
        table.add_row(row);
    }
    s += &format!("{table}\n");
    s
}

/// The same comparison as one self-contained HTML page (`scalesim compare --html FILE`): the
/// run lines, then the table; each change cell carries `class="up"`, `"down"` or `"same"`.
pub fn compare_html(runs: &[(String, RunReport)]) -> String {
    let mut h = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>scalesim compare</title>\n<style>\n\
         body { font-family: sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }\n\
         table { border-collapse: collapse; margin: 1em 0; }\n\
         th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }\n\
         td:first-child { text-align: left; } th { background: #f4f4f4; }\n\
         tr.variant td { background: #eef3f8; font-weight: bold; text-align: left; }\n\
         td.up { color: #a40000; } td.down { color: #006400; } td.same { color: #777; }\n\
         </style>\n</head>\n<body>\n<h1>scalesim compare</h1>\n<ul>\n",
    );
    for line in run_lines(runs) {
        h += &format!("<li>{}</li>\n", escape(&line));
    }
    h += "</ul>\n";
    for w in differences(runs) {
        h += &format!("<p class=\"note\">Note: {}</p>\n", escape(&w));
    }
    h += "<table class=\"compare\">\n<tr>";
    let (header, rows) = grid(runs);
    let two = runs.len() == 2;
    for cell in &header {
        h += &format!("<th>{}</th>", escape(cell));
    }
    h += "</tr>\n";
    for (variant, row) in rows {
        h += if variant {
            "<tr class=\"variant\">"
        } else {
            "<tr>"
        };
        let last = row.len() - 1;
        for (i, cell) in row.iter().enumerate() {
            let class = if two && i == last && !variant {
                match cell.chars().next() {
                    Some('+') => " class=\"up\"",
                    Some('−') => " class=\"down\"",
                    _ => " class=\"same\"",
                }
            } else {
                ""
            };
            h += &format!("<td{class}>{}</td>", escape(cell.trim()));
        }
        h += "</tr>\n";
    }
    h += "</table>\n</body>\n</html>\n";
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Changes carry their sign and share; equal values say so; absent ones show a dash.
    #[test]
    fn changes_read_as_a_planner_reads_them() {
        assert_eq!(change(Some(10.0), Some(12.5), usd), "+$2.50 (+25.0 %)");
        assert_eq!(change(Some(2.0), Some(1.5), plain), "−0.50 (−25.0 %)");
        assert_eq!(change(Some(3.0), Some(3.0), plain), "=");
        assert_eq!(change(None, Some(3.0), plain), "—");
        assert_eq!(change(Some(0.0), Some(1.0), plain), "+1.00");
    }
}
