//! The side-by-side table printed by `scalesim run`: one column per variant.

use comfy_table::{CellAlignment, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

use super::{RunReport, VariantReport};
use scalesim_core::billing::{CostCategory, MONTHLY_LABEL};

/// Format dollars: cents above $1, four significant digits below.
pub fn usd(v: f64) -> String {
    if v.abs() >= 1.0 || v == 0.0 {
        format!("${v:.2}")
    } else {
        let digits = (3 - v.abs().log10().floor() as i32).clamp(2, 9) as usize;
        format!("${v:.digits$}")
    }
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

fn category(v: &VariantReport, c: CostCategory) -> String {
    v.cost.category_usd(c).map_or_else(|| "—".to_string(), usd)
}

fn ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Shows one variant's value in a row of the table.
pub type RowFn = fn(&VariantReport) -> String;

/// The rows of the comparison table: a label and how to show a variant's value.
pub fn rows(report: &RunReport) -> Vec<(&'static str, RowFn)> {
    let mut rows: Vec<(&str, RowFn)> = vec![
        ("platform", |v| v.description.clone()),
        ("cost, simulated horizon", |v| usd(v.cost.total_usd)),
        ("  compute", |v| category(v, CostCategory::Compute)),
        ("  requests", |v| category(v, CostCategory::Requests)),
        ("  API gateway", |v| category(v, CostCategory::Gateway)),
        ("  load balancer", |v| {
            category(v, CostCategory::LoadBalancer)
        }),
        ("cost per million arrived", |v| {
            v.cost_per_million_arrived_usd
                .map_or_else(|| "—".to_string(), usd)
        }),
        (MONTHLY_LABEL, |v| usd(v.projection_monthly.total_usd)),
        ("requests arrived", |v| v.requests.arrived.to_string()),
        ("latency p50 ms", |v| ms(v.latency_ms.p50_ms)),
        ("latency p90 ms", |v| ms(v.latency_ms.p90_ms)),
        ("latency p99 ms", |v| ms(v.latency_ms.p99_ms)),
        ("latency p99.9 ms", |v| ms(v.latency_ms.p999_ms)),
        ("latency max ms", |v| ms(v.latency_ms.max_ms)),
        ("cold starts", |v| format!("{:.3} %", v.cold_start_pct)),
        ("throttled", |v| format!("{:.3} %", v.throttled_pct)),
        ("timed out", |v| format!("{:.3} %", v.timed_out_pct)),
        ("mean instances", |v| {
            format!("{:.2}", v.capacity.mean_instances)
        }),
        ("peak instances", |v| v.capacity.peak_instances.to_string()),
        ("scaling actions", |v| {
            if v.family.has_scaling_policy() {
                v.scaling_activities.len().to_string()
            } else {
                "—".to_string()
            }
        }),
        ("mean utilisation", |v| {
            format!("{:.1} %", 100.0 * v.capacity.mean_utilisation)
        }),
    ];
    if report.slo.is_some() {
        rows.push(("meets the SLO", |v| match v.slo_met {
            Some(true) => "yes".to_string(),
            Some(false) => "NO".to_string(),
            None => "—".to_string(),
        }));
    }
    rows
}

/// The comparison table as text, sized for an 100-column terminal when possible.
pub fn summary_table(report: &RunReport) -> String {
    let rows = rows(report);
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(100);
    let mut header = vec![String::new()];
    header.extend(report.variants.iter().map(|v| v.name.clone()));
    table.set_header(header);
    for (label, f) in rows {
        let mut row = vec![label.to_string()];
        row.extend(report.variants.iter().map(f));
        table.add_row(row);
    }
    for i in 1..=report.variants.len() {
        if let Some(col) = table.column_mut(i) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
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
    format!(
        "{} — seed {}, {} simulated, {} on average\n{description}{table}\n\
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
            let mut row = vec![short_name(&f.name), f.requests.arrived.to_string()];
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
        assert_eq!(usd(1234.5), "$1234.50");
        assert_eq!(usd(0.0), "$0.00");
        assert_eq!(usd(0.012345), "$0.01235");
        assert_eq!(usd(0.00001234), "$0.00001234");
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
