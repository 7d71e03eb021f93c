//! The commitment advisor's section of a report: per fleet, what its instances cost on demand
//! over a month, the savings plan and the reservation that would cost least, and the cost at
//! levels around them ([`scalesim_core::billing::advisor`]).

use scalesim_core::billing::MONTH_S;
use scalesim_core::billing::advisor::{self, Choice, CommitmentAdvice};
use scalesim_core::billing::book::number;
use scalesim_core::billing::purchase::hour_lengths;

use super::bill::group;
use super::document::escape;
use super::{RunReport, VariantReport};

/// The monthly cost of `a`'s usage with `choice` at `level`, worked out again from the hourly
/// usage ([`advisor::plan_total`], [`advisor::reservation_total`]) over `horizon_s`.
fn monthly_at(a: &CommitmentAdvice, choice: &Choice, level: f64, horizon_s: f64) -> f64 {
    let lengths = hour_lengths(horizon_s);
    let price = a.on_demand_usd_per_hour;
    let total = if choice.unit == "instances" {
        advisor::reservation_total(level, choice.rate_ratio, price, &a.usage_by_hour, &lengths)
    } else {
        let cost: Vec<f64> = a.usage_by_hour.iter().map(|u| u * price).collect();
        advisor::plan_total(level, choice.rate_ratio, &cost, &lengths)
    };
    total * MONTH_S / horizon_s
}

/// "$1,234.56".
fn usd(x: f64) -> String {
    format!("${}", group(&format!("{x:.2}")))
}

/// "−12.3 %" of `cost` against `on_demand`.
fn saving(cost: f64, on_demand: f64) -> String {
    if on_demand <= 0.0 {
        return "—".into();
    }
    let pct = 100.0 * (cost - on_demand) / on_demand;
    if pct.abs() < 0.05 {
        return "0.0 %".into();
    }
    format!("{}{:.1} %", if pct < 0.0 { "−" } else { "+" }, pct.abs())
}

/// A level as written: "$0.1113/h" or "3 instances".
fn level_text(choice: &Choice, level: f64) -> String {
    if choice.unit == "instances" {
        format!("{level} instance{}", if level == 1.0 { "" } else { "s" })
    } else {
        format!("${}/h", number((level * 1e4).round() / 1e4))
    }
}

/// The sentences for one fleet.
fn sentences(v: &VariantReport, a: &CommitmentAdvice) -> Vec<String> {
    let od = a.monthly_on_demand_usd;
    let mut out = vec![format!(
        "{}: its {} instances cost {} a month (730 h) on demand, repeating the horizon's hours.",
        v.name,
        a.machine,
        usd(od)
    )];
    for c in a.choices() {
        out.push(format!(
            "Best {} at {} of on-demand: {} → {} a month ({}).",
            c.label,
            number(c.rate_ratio),
            level_text(c, c.best),
            usd(c.monthly_usd),
            saving(c.monthly_usd, od)
        ));
    }
    out
}

/// The rows of the cost-at-levels table of `choice`: level, monthly cost, against on demand;
/// at 0, ½, ¾, 1, 1¼ and 1½ × the best (whole instances for a reservation).
fn rows(a: &CommitmentAdvice, choice: &Choice, horizon_s: f64) -> Vec<[String; 3]> {
    let on_demand = a.monthly_on_demand_usd;
    let mut levels: Vec<f64> = [0.0, 0.5, 0.75, 1.0, 1.25, 1.5]
        .iter()
        .map(|f| {
            let l = f * choice.best;
            if choice.unit == "instances" {
                l.round()
            } else {
                l
            }
        })
        .collect();
    levels.dedup();
    levels
        .into_iter()
        .map(|l| {
            let m = monthly_at(a, choice, l, horizon_s);
            let best = if l == choice.best { " (best)" } else { "" };
            [
                format!("{}{best}", level_text(choice, l)),
                usd(m),
                saving(m, on_demand),
            ]
        })
        .collect()
}

/// The advised variants.
fn advised(r: &RunReport) -> impl Iterator<Item = (&VariantReport, &CommitmentAdvice)> {
    r.variants
        .iter()
        .filter_map(|v| v.commitment.as_ref().map(|a| (v, a)))
}

/// What the section says first.
const PREAMBLE: &str = "From each fleet's instance-hours hour by hour, the savings plan \
    commitment and the reservation that cost least over a month of such hours (the cost is \
    convex in the commitment: each hour pays the commitment and, on demand, what it does not \
    cover). Instances only: load balancers and the rest of the bill are as they are.";

/// The "Commitments" section of report.md (empty when no variant has advice).
pub fn markdown(r: &RunReport) -> String {
    if advised(r).next().is_none() {
        return String::new();
    }
    let mut md = format!("## Commitments\n\n{PREAMBLE}\n\n");
    for (v, a) in advised(r) {
        for s in sentences(v, a) {
            md += &format!("- {s}\n");
        }
        for c in a.choices() {
            md += &format!(
                "\n| {} | monthly | against on demand |\n|---|---:|---:|\n",
                c.label
            );
            for row in rows(a, c, r.horizon_s) {
                md += &format!("| {} |\n", row.join(" | "));
            }
        }
        md += "\n";
    }
    md
}

/// The "Commitments" section of report.html (empty when no variant has advice).
pub fn html(r: &RunReport) -> String {
    if advised(r).next().is_none() {
        return String::new();
    }
    let mut h = format!(
        "<h2 id=\"commitments\">Commitments</h2>\n<p>{}</p>\n",
        escape(PREAMBLE)
    );
    for (v, a) in advised(r) {
        h += "<ul>\n";
        for s in sentences(v, a) {
            h += &format!("<li>{}</li>\n", escape(&s));
        }
        h += "</ul>\n";
        for c in a.choices() {
            h += &format!(
                "<table class=\"commitment\" data-variant=\"{}\">\n<tr><th>{}</th><th>monthly</th>\
                 <th>against on demand</th></tr>\n",
                escape(&v.name),
                escape(&c.label)
            );
            for row in rows(a, c, r.horizon_s) {
                h += "<tr>";
                for cell in row {
                    h += &format!("<td>{}</td>", escape(&cell));
                }
                h += "</tr>\n";
            }
            h += "</table>\n";
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four hours of 1, 1, 1 and 3 instances at $1 an hour: on demand $6 over the horizon;
    /// reserving 1 at 0.5 costs 4 × 0.5 + 2 = $4 (the advisor's best, −33.3 %), 2 cost
    /// 4 × 1 + 1 = $5; a month repeats the 4 hours 182.5 times.
    #[test]
    fn the_table_works_each_level_out_again() {
        let a = advisor::advise(
            "EC2 x",
            &[1.0, 1.0, 1.0, 3.0],
            4.0 * 3_600.0,
            1.0,
            Some(("plan", 0.5)),
            ("reserved", 0.5),
        );
        assert_eq!(a.reservation.best, 1.0);
        let month = 730.0 / 4.0;
        assert!((monthly_at(&a, &a.reservation, 2.0, 4.0 * 3_600.0) - 5.0 * month).abs() < 1e-9);
        let rows = rows(&a, &a.reservation, 4.0 * 3_600.0);
        assert_eq!(
            rows[0],
            ["0 instances", &usd(6.0 * month), "0.0 %"].map(String::from)
        );
        assert!(
            rows.iter()
                .any(|r| r[0] == "1 instance (best)" && r[2] == "−33.3 %")
        );
    }
}
