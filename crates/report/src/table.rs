//! The side-by-side table printed by `scalesim run`: one column per variant.

use comfy_table::{CellAlignment, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

use super::{RunReport, VariantReport};
use scalesim_core::billing::{CostCategory, MONTHLY_LABEL};
use scalesim_core::results::Window;

/// Format dollars: cents above $1, four significant digits below, thousands separators:
/// "$1,234.50", "$0.05234".
pub fn usd(v: f64) -> String {
    money(v, usd_decimals(v))
}

/// The decimals [`usd`] gives `v`: 2 from $1 (and for 0), else enough for four significant
/// digits (at most 9).
fn usd_decimals(v: f64) -> usize {
    if v.abs() >= 1.0 || v == 0.0 || !v.is_finite() {
        2
    } else {
        (3 - v.abs().log10().floor() as i32).clamp(2, 9) as usize
    }
}

/// Dollars with `decimals` decimals and thousands separators.
fn money(v: f64, decimals: usize) -> String {
    let text = format!("{:.decimals$}", v.abs());
    let sign = if v < 0.0 && text.chars().any(|c| ('1'..='9').contains(&c)) {
        "−"
    } else {
        ""
    };
    format!("{sign}${}", super::bill::group(&text))
}

/// Dollars of one row, all with the decimals its smallest non-zero amount needs ([`usd`]), so
/// a row reads at one precision: "$0.0523" beside "$12.3400" rather than beside "$12.34".
/// `None` shows "—".
pub fn usd_row(values: &[Option<f64>]) -> Vec<String> {
    let decimals = values
        .iter()
        .flatten()
        .filter(|v| **v != 0.0)
        .map(|v| usd_decimals(*v))
        .max()
        .unwrap_or(2);
    values
        .iter()
        .map(|v| v.map_or_else(|| "—".to_string(), |v| money(v, decimals)))
        .collect()
}

/// A whole number with thousands separators: "4,320,000".
pub fn count(n: u64) -> String {
    super::bill::group(&n.to_string())
}

/// A span of time as a planner writes it: "1 day", "2 days 7 h 33 min 20 s", "10 min",
/// "1.5 s", "500 ms", "250 µs" (`secs` ≥ 0).
pub fn human_duration(secs: f64) -> String {
    if secs < 1e-3 {
        return format!("{} µs", (secs * 1e6).round());
    }
    if secs < 1.0 {
        return format!("{} ms", (secs * 1e6).round() / 1e3);
    }
    if secs < 60.0 && secs.fract() != 0.0 {
        return format!("{} s", (secs * 1e3).round() / 1e3);
    }
    let total = secs.round() as u64;
    let (days, rest) = (total / 86_400, total % 86_400);
    let parts = [
        (days, if days == 1 { " day" } else { " days" }),
        (rest / 3_600, " h"),
        (rest % 3_600 / 60, " min"),
        (rest % 60, " s"),
    ];
    parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A moment of the simulation on the clock, the run starting at midnight of day 1:
/// "day 1 00:05:00", "day 2 14:22:30" (`at_s` ≥ 0, seconds since the start).
pub fn clock_time(at_s: f64) -> String {
    let s = at_s.max(0.0).floor() as u64;
    format!(
        "day {} {:02}:{:02}:{:02}",
        s / 86_400 + 1,
        s % 86_400 / 3_600,
        s % 3_600 / 60,
        s % 60
    )
}

fn ms(v: f64) -> String {
    if !v.is_finite() {
        "—".to_string()
    } else if v >= 100.0 {
        count(v.round() as u64)
    } else {
        format!("{v:.1}")
    }
}

/// A latency figure of a variant, "—" when no request completed (there is none to show, and
/// a 0 would read as instant).
fn latency(v: &VariantReport, value_ms: f64) -> String {
    if v.requests.completed == 0 {
        "—".to_string()
    } else {
        ms(value_ms)
    }
}

/// Shows one variant's value in a row of the table.
pub type RowFn = fn(&VariantReport) -> String;
/// A variant's amount in dollars for a row of the table (`None`: does not apply).
pub type MoneyFn = fn(&VariantReport) -> Option<f64>;

/// How a row shows its values.
#[derive(Clone, Copy)]
pub enum RowValue {
    /// Each variant's text on its own.
    Text(RowFn),
    /// Dollars, the row at one precision ([`usd_row`]).
    Money(MoneyFn),
}

/// A worst window in a cell, the figure first: "2,310 ms, day 6 10:14–10:15 (Saturday sale)"
/// (or the failed share), with the traffic's events under way; seconds shown only when the
/// interval does not start and end on whole minutes.
pub fn window(w: Option<&Window>, figure: fn(&Window) -> String) -> String {
    w.map_or_else(
        || "—".to_string(),
        |w| {
            let whole = w.start_s % 60.0 == 0.0 && w.end_s % 60.0 == 0.0;
            let at = |t: f64| {
                let c = clock_time(t);
                if whole {
                    c[..c.len() - 3].to_string()
                } else {
                    c
                }
            };
            let end = at(w.end_s);
            let end = end.rsplit(' ').next().unwrap_or(&end).to_string();
            let during = if w.events.is_empty() {
                String::new()
            } else {
                format!(" ({})", w.events.join(", "))
            };
            format!("{}, {}–{end}{during}", figure(w), at(w.start_s))
        },
    )
}

/// The rows of the comparison table: a label and how to show the variants' values.
pub fn rows(report: &RunReport) -> Vec<(&'static str, RowValue)> {
    use RowValue::{Money, Text};
    let mut rows: Vec<(&str, RowValue)> = vec![
        ("platform", Text(|v| v.description.clone())),
        ("cost, simulated horizon", Money(|v| Some(v.cost.total_usd))),
        (
            "  compute",
            Money(|v| v.cost.category_usd(CostCategory::Compute)),
        ),
        (
            "  requests",
            Money(|v| v.cost.category_usd(CostCategory::Requests)),
        ),
        (
            "  API gateway",
            Money(|v| v.cost.category_usd(CostCategory::Gateway)),
        ),
        (
            "  load balancer",
            Money(|v| v.cost.category_usd(CostCategory::LoadBalancer)),
        ),
        (
            "  capacity bought ahead",
            Money(|v| v.cost.category_usd(CostCategory::Commitment)),
        ),
        (
            "  transfer, logs, storage",
            Money(|v| v.cost.category_usd(CostCategory::Other)),
        ),
        (
            "cost per million arrived",
            Money(|v| v.cost_per_million_arrived_usd),
        ),
        (
            MONTHLY_LABEL,
            Money(|v| Some(v.projection_monthly.total_usd)),
        ),
        ("requests arrived", Text(|v| count(v.requests.arrived))),
        ("latency p50 ms", Text(|v| latency(v, v.latency_ms.p50_ms))),
        ("latency p90 ms", Text(|v| latency(v, v.latency_ms.p90_ms))),
        ("latency p99 ms", Text(|v| latency(v, v.latency_ms.p99_ms))),
        (
            "latency p99.9 ms",
            Text(|v| latency(v, v.latency_ms.p999_ms)),
        ),
        ("latency max ms", Text(|v| latency(v, v.latency_ms.max_ms))),
        (
            "cold starts",
            Text(|v| format!("{:.3} %", v.cold_start_pct)),
        ),
        ("throttled", Text(|v| format!("{:.3} %", v.throttled_pct))),
        ("timed out", Text(|v| format!("{:.3} %", v.timed_out_pct))),
        (
            "worst p99, interval",
            Text(|v| {
                window(v.worst_p99_window.as_ref(), |w| {
                    w.p99_ms
                        .map_or_else(|| "—".into(), |p| format!("{} ms", ms(p)))
                })
            }),
        ),
        (
            "worst failed, interval",
            Text(|v| {
                window(v.worst_failed_window.as_ref(), |w| {
                    scalesim_core::results::pct_text(w.failed_pct)
                })
            }),
        ),
        (
            "last request done",
            Text(|v| v.last_completion_s.map_or_else(|| "—".into(), clock_time)),
        ),
        (
            "mean instances",
            Text(|v| format!("{:.2}", v.capacity.mean_instances)),
        ),
        ("peak instances", Text(|v| count(v.capacity.peak_instances))),
        (
            "scaling actions",
            Text(|v| {
                if v.family.has_scaling_policy() {
                    count(v.scaling_activities.len() as u64)
                } else {
                    "—".to_string()
                }
            }),
        ),
        (
            "mean utilisation",
            Text(|v| format!("{:.1} %", 100.0 * v.capacity.mean_utilisation)),
        ),
    ];
    // Capacity bought ahead only where a variant buys some.
    let committed = |v: &VariantReport| v.cost.category_usd(CostCategory::Commitment).is_some();
    if !report.variants.iter().any(committed) {
        rows.retain(|(label, _)| *label != "  capacity bought ahead");
    }
    // Data transfer, logs, storage and NAT gateways only where a variant bills some.
    let other = |v: &VariantReport| v.cost.category_usd(CostCategory::Other).is_some();
    if !report.variants.iter().any(other) {
        rows.retain(|(label, _)| *label != "  transfer, logs, storage");
    }
    if report.variants.iter().any(|v| v.interruptions > 0) {
        rows.push(("spot interruptions", Text(|v| count(v.interruptions))));
    }
    if report.slo.is_some() {
        rows.push((
            "meets the SLO",
            Text(|v| match v.slo_met {
                Some(true) => "yes".to_string(),
                Some(false) => "NO".to_string(),
                None => "—".to_string(),
            }),
        ));
    }
    rows
}

/// The comparison table's cells: per row its label and one cell per variant, money rows at
/// one precision.
pub fn cells(report: &RunReport) -> Vec<(&'static str, Vec<String>)> {
    rows(report)
        .into_iter()
        .map(|(label, value)| {
            let cells = match value {
                RowValue::Text(f) => report.variants.iter().map(f).collect(),
                RowValue::Money(f) => usd_row(&report.variants.iter().map(f).collect::<Vec<_>>()),
            };
            (label, cells)
        })
        .collect()
}

/// The comparison table as text for a 100-column terminal ([`summary_table_width`]).
pub fn summary_table(report: &RunReport) -> String {
    summary_table_width(report, 100)
}

/// Width a variant's column needs at least to stay readable, characters.
const MIN_COLUMN: usize = 16;
/// Width of the label column.
const LABEL_COLUMN: usize = 26;

/// The comparison table as text for a terminal `width` columns wide: a column per variant when
/// they fit, else transposed — a row per variant with the figures that decide (cost, monthly,
/// p99, failed, the SLO) — so many variants never wrap into an unreadable grid.
pub fn summary_table_width(report: &RunReport, width: u16) -> String {
    let width = usize::from(width).max(60);
    let fits = LABEL_COLUMN + report.variants.len() * MIN_COLUMN <= width;
    let table = if fits {
        let mut table = Table::new();
        table
            .load_style(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(width as u16);
        let mut header = vec![String::new()];
        header.extend(report.variants.iter().map(|v| v.name.clone()));
        table.set_header(header);
        for (label, cells) in cells(report) {
            let mut row = vec![label.to_string()];
            row.extend(cells);
            table.add_row(row);
        }
        for i in 1..=report.variants.len() {
            if let Some(col) = table.column_mut(i) {
                col.set_cell_alignment(CellAlignment::Right);
            }
        }
        table
    } else {
        transposed(report, width)
    };
    let mut description = if report.description.is_empty() {
        String::new()
    } else {
        format!("{}\n", report.description)
    };
    if let Some(log) = &report.traffic.replay {
        description += &format!("Replayed {}\n", replay_line(log));
    }
    if let Some(slo) = report.slo {
        description += &format!("SLO: {}\n", super::verdict::slo_text(&slo));
    }
    if !report.settings.is_empty() {
        description += &format!("Set: {}\n", report.settings.join(", "));
    }
    let note = if fits {
        ""
    } else {
        "One row per variant (the variants do not fit side by side at this width; every figure \
         is in report.html and summary.csv).\n"
    };
    format!(
        "{} — seed {}, {} simulated, {} on average\n{description}{table}\n{note}\
         Utilisation: busy share of environment time (serverless), CPU (fleets). \
         Monthly (730 h) scales the horizon's usage to a 730-hour month; it is not \
         simulated. Cost per million counts every arrived request, failed ones too.\n{}\n",
        report.scenario,
        report.seed,
        human_duration(report.horizon_s),
        rate(report.traffic.mean_rate_per_s),
        super::verdict::headline(report),
    )
}

/// The figures of the transposed table, by their labels in [`rows`].
const TRANSPOSED: [(&str, &str); 5] = [
    ("cost, simulated horizon", "cost"),
    (MONTHLY_LABEL, "monthly"),
    ("latency p99 ms", "p99 ms"),
    ("failed", "failed"),
    ("meets the SLO", "SLO"),
];

/// A row per variant with the deciding figures.
fn transposed(report: &RunReport, width: usize) -> Table {
    let mut all = cells(report);
    // Throttled and timed out as one figure, so the variant's name keeps its room.
    all.push((
        "failed",
        report
            .variants
            .iter()
            .map(|v| format!("{:.3} %", v.throttled_pct + v.timed_out_pct))
            .collect(),
    ));
    let picked: Vec<(&str, &Vec<String>)> = TRANSPOSED
        .iter()
        .filter_map(|(label, short)| {
            all.iter()
                .find(|(l, _)| l == label)
                .map(|(_, cells)| (*short, cells))
        })
        .collect();
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width as u16);
    let mut header = vec!["variant".to_string()];
    header.extend(picked.iter().map(|(short, _)| short.to_string()));
    table.set_header(header);
    for (i, v) in report.variants.iter().enumerate() {
        let mut row = vec![v.name.clone()];
        row.extend(picked.iter().map(|(_, cells)| cells[i].clone()));
        table.add_row(row);
    }
    // The names whole (up to 30 characters); the figures wrap first.
    let longest = report
        .variants
        .iter()
        .map(|v| v.name.chars().count())
        .max()
        .unwrap_or(0)
        .min(30) as u16;
    if let Some(col) = table.column_mut(0) {
        col.set_constraint(comfy_table::ColumnConstraint::LowerBoundary(
            comfy_table::Width::Fixed(longest + 2),
        ));
    }
    for i in 1..=picked.len() {
        if let Some(col) = table.column_mut(i) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

/// A function's name, short enough for a table: long hashes (the Azure traces') cut to 8
/// characters.
pub fn short_name(name: &str) -> String {
    name.split('/')
        .map(|part| {
            if part.len() > 16 && part.chars().all(|c| c.is_ascii_hexdigit()) {
                format!("{}…", &part[..8])
            } else {
                part.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The per-function table: a header and up to `limit` rows (most requests first), and how many
/// functions there are in all; `None` when the traffic names no functions.
pub fn function_rows(
    report: &RunReport,
    limit: usize,
) -> Option<(Vec<String>, Vec<Vec<String>>, usize)> {
    let first = report.variants.first()?;
    if first.functions.is_empty() {
        return None;
    }
    let mut header = vec!["function".to_string(), "requests".to_string()];
    for v in &report.variants {
        header.push(format!("{} p99 ms", v.name));
        if v.family.has_cold_starts() {
            header.push(format!("{} cold", v.name));
        }
        header.push(format!("{} cost", v.name));
    }
    let rows = (0..first.functions.len().min(limit))
        .map(|i| {
            let f = &first.functions[i];
            let mut row = vec![short_name(&f.name), count(f.requests.arrived)];
            for v in &report.variants {
                let g = &v.functions[i];
                row.push(ms(g.latency_ms.p99_ms));
                if v.family.has_cold_starts() {
                    row.push(format!("{:.1} %", g.cold_start_pct));
                }
                row.push(usd(g.cost_usd));
            }
            row
        })
        .collect();
    Some((header, rows, first.functions.len()))
}

/// The per-function table for the terminal (top 10), or nothing.
pub fn function_table(report: &RunReport) -> String {
    let Some((header, rows, n)) = function_rows(report, 10) else {
        return String::new();
    };
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header);
    let shown = rows.len();
    for row in rows {
        table.add_row(row);
    }
    for i in 1..table.column_count() {
        if let Some(col) = table.column_mut(i) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    let title = if shown < n {
        format!("Per function: the {shown} with the most requests of {n} (all in summary.json)")
    } else {
        format!("Per function ({n})")
    };
    format!("{title}\n{table}\nA fleet's cost is shared by the time it spent on each function.\n")
}

/// The scaling-activity log of every variant that scaled, one line per change.
pub fn activity_log(report: &RunReport) -> String {
    let mut out = String::new();
    for v in report
        .variants
        .iter()
        .filter(|v| !v.scaling_activities.is_empty())
    {
        out += &format!("Scaling activity of {}:\n", v.name);
        for a in &v.scaling_activities {
            out += &format!(
                "  {:>14}  {:>4} → {:<4} {}\n",
                clock_time(a.at_s),
                a.from,
                a.to,
                a.reason
            );
        }
    }
    if out.is_empty() {
        out = "No variant changed its capacity.\n".to_string();
    }
    out
}

/// What a replay read: every row (replayed, malformed, never dispatched, left out by the
/// selection, outside the window, after the horizon), functions and reordering.
pub fn replay_line(log: &super::ReplaySummary) -> String {
    let mut s = format!(
        "{} ({}): {} rows, {} replayed, {} skipped as malformed",
        log.file, log.format, log.rows, log.replayed_rows, log.skipped_rows
    );
    for (n, what) in [
        (log.not_dispatched_rows, "never dispatched to a target"),
        (log.before_window_rows, "before the window"),
        (log.after_window_rows, "after the window"),
        (log.after_horizon_rows, "after the horizon"),
    ] {
        if n > 0 {
            s += &format!(", {n} {what}");
        }
    }
    if log.functions_in_trace > 0 {
        s += &format!(
            "; {} of {} functions replayed",
            log.functions_replayed, log.functions_in_trace
        );
    }
    if log.not_selected_rows > 0 {
        s += &format!(" ({} rows of the others left out)", log.not_selected_rows);
    }
    if log.reordered_max_late_s > 0.0 {
        s += &format!(
            "; rows put in time order (up to {:.3} s late)",
            log.reordered_max_late_s
        );
    }
    s
}

/// A request rate, per second, or per hour when it is below one every ten seconds.
fn rate(per_s: f64) -> String {
    if per_s >= 0.1 {
        format!("{per_s:.1} req/s")
    } else {
        format!("{:.1} req/h", per_s * 3_600.0)
    }
}

#[cfg(test)]
mod tests {
    use super::{rate, usd};

    #[test]
    fn low_rates_read_per_hour() {
        assert_eq!(rate(50.0), "50.0 req/s");
        assert_eq!(rate(4.0 / 3_600.0), "4.0 req/h");
    }

    /// Every row of a trace shows up in the line under the table: 10 = 5 replayed + 1 malformed
    /// + 1 never dispatched + 1 before the window + 2 after the horizon.
    #[test]
    fn the_replay_line_accounts_for_every_row() {
        let log = crate::ReplaySummary {
            file: "alb.log".into(),
            format: "alb".into(),
            rows: 10,
            skipped_rows: 1,
            not_dispatched_rows: 1,
            not_selected_rows: 0,
            before_window_rows: 1,
            replayed_rows: 5,
            replayed_requests: 5,
            after_window_rows: 0,
            after_horizon_rows: 2,
            functions_in_trace: 0,
            functions_replayed: 1,
            reordered_max_late_s: 0.0,
        };
        assert_eq!(
            super::replay_line(&log),
            "alb.log (alb): 10 rows, 5 replayed, 1 skipped as malformed, 1 never dispatched to a \
             target, 1 before the window, 2 after the horizon"
        );
    }

    #[test]
    fn dollars_read_well() {
        assert_eq!(usd(1234.5), "$1,234.50");
        assert_eq!(usd(1_234_567.0), "$1,234,567.00");
        assert_eq!(usd(0.0), "$0.00");
        assert_eq!(usd(0.012345), "$0.01235");
        assert_eq!(usd(0.00001234), "$0.00001234");
        assert_eq!(usd(-2.5), "−$2.50");
        assert_eq!(super::count(4_320_000), "4,320,000");
    }

    /// A row of dollars reads at one precision, that of its smallest non-zero amount: $0.0523
    /// needs five decimals for four significant digits ($0.05230), so $12.34 shows as
    /// $12.34000; an absent amount is a dash, a zero does not set the precision.
    #[test]
    fn a_row_of_dollars_has_one_precision() {
        assert_eq!(
            super::usd_row(&[Some(12.34), Some(0.0523), None, Some(0.0)]),
            ["$12.34000", "$0.05230", "—", "$0.00000"]
        );
        assert_eq!(
            super::usd_row(&[Some(1_500.0), Some(3.0)]),
            ["$1,500.00", "$3.00"]
        );
    }

    /// Durations read as a planner writes them; moments on the simulation's clock.
    #[test]
    fn durations_and_clock_times_read_as_planners_write_them() {
        use super::{clock_time, human_duration};
        assert_eq!(human_duration(86_400.0), "1 day");
        assert_eq!(human_duration(200_000.0), "2 days 7 h 33 min 20 s");
        assert_eq!(human_duration(600.0), "10 min");
        assert_eq!(human_duration(3_600.0), "1 h");
        assert_eq!(human_duration(1.5), "1.5 s");
        assert_eq!(human_duration(0.5), "500 ms");
        assert_eq!(human_duration(0.000_25), "250 µs");
        assert_eq!(clock_time(0.0), "day 1 00:00:00");
        assert_eq!(clock_time(51_750.4), "day 1 14:22:30");
        assert_eq!(clock_time(86_400.0 + 60.0), "day 2 00:01:00");
    }
}
