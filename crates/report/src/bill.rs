//! Bills a planner can audit: every invoice line as quantity × unit price = cost, the total, and
//! where the prices come from — in report.md, report.html and on the terminal (`--bill`).
//!
//! One number format everywhere in a bill:
//! - costs and the total with thousands separators and the same number of decimals
//!   ([`cost_decimals`]: cents from $1, else four significant digits of the total), so the
//!   shown lines add up to the shown total within half a unit of the last decimal per line;
//! - unit prices exactly as the catalog has them ("$0.0000166667"), never rounded;
//! - quantities with thousands separators and enough decimals ([`quantity_decimals`]) that the
//!   shown quantity × the unit price is within a tenth of a cost unit of the exact cost.

use super::document::escape;
use comfy_table::{CellAlignment, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use scalesim_core::billing::{Invoice, MONTHLY_LABEL, PriceSource};

use super::table::human_duration;
use super::{RunReport, VariantReport};

/// The columns of a bill table.
pub const COLUMNS: [&str; 6] = ["item", "quantity", "unit", "unit price", "cost", "source"];

/// One invoice as the cells of a bill: a row per line (the [`COLUMNS`]), the total, and the
/// decimals its costs are shown with.
#[derive(Clone, Debug, PartialEq)]
pub struct BillCells {
    /// A row per invoice line: item, quantity, unit, unit price, cost, source number (1-based,
    /// into the invoice's sources).
    pub rows: Vec<[String; 6]>,
    /// The invoice's total, as the costs are shown.
    pub total: String,
}

/// The cells of `invoice`'s bill.
pub fn cells(invoice: &Invoice) -> BillCells {
    let decimals = cost_decimals(invoice.total_usd);
    let rows = invoice
        .lines
        .iter()
        .map(|l| {
            let marked = if l.price_change.is_some() { " *" } else { "" };
            [
                format!("{}{marked}", l.item),
                quantity(l.quantity, l.unit_price_usd, decimals),
                l.unit.clone(),
                unit_price(l.unit_price_usd),
                money(l.cost_usd, decimals),
                (l.source + 1).to_string(),
            ]
        })
        .collect();
    BillCells {
        rows,
        total: money(invoice.total_usd, decimals),
    }
}

/// Decimals of every cost in a bill of `total_usd`: 2 (cents) from $1 or for $0, else enough
/// for four significant digits of the total (at most 9).
pub fn cost_decimals(total_usd: f64) -> usize {
    let t = total_usd.abs();
    if t >= 1.0 || t == 0.0 {
        2
    } else {
        (3 - t.log10().floor() as i32).clamp(2, 9) as usize
    }
}

/// Decimals a quantity at `unit_price_usd` is shown with when costs have `cost_decimals`: the
/// fewest that keep its rounding × the price within a tenth of a cost unit
/// (`⌈cost_decimals + log10 price⌉ + 1`, 0 to 9); for a free line (price 0), four significant
/// digits.
pub fn quantity_decimals(quantity: f64, unit_price_usd: f64, cost_decimals: usize) -> usize {
    let d = if unit_price_usd > 0.0 {
        (cost_decimals as f64 + unit_price_usd.log10()).ceil() as i32 + 1
    } else if quantity > 0.0 {
        3 - quantity.log10().floor() as i32
    } else {
        0
    };
    d.clamp(0, 9) as usize
}

/// A quantity with thousands separators and [`quantity_decimals`] decimals, trailing zeros
/// after the point dropped: "2,000,000", "6.849", "0.01667".
pub fn quantity(quantity: f64, unit_price_usd: f64, cost_decimals: usize) -> String {
    let d = quantity_decimals(quantity, unit_price_usd, cost_decimals);
    let mut s = format!("{quantity:.d$}");
    if s.contains('.') {
        s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    group(&s)
}

/// A unit price as the price book states it, to 7 significant digits (every list price has
/// fewer, so they show exactly; a discounted one without float noise): "$0.0000166667",
/// "$0.0816", "$0.0644" (0.07 × 0.92), "$0".
pub fn unit_price(usd: f64) -> String {
    format!(
        "${}",
        group(&format!("{}", scalesim_core::billing::book::number(usd)))
    )
}

/// What the scenario changed in the prices of `invoice`'s lines: "ITEM: list $0.0816 →
/// private rate $0.07, −8 % (EDP)", once per item, in the order of the lines.
pub fn changes(invoice: &Invoice) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in &invoice.lines {
        if let Some(c) = &l.price_change {
            let line = format!("{}: {c}", l.item);
            if !out.contains(&line) {
                out.push(line);
            }
        }
    }
    out
}

/// The note under a variant's bill when the scenario changed its prices: `star` (the mark, as
/// the format writes it) and a `bullet`ed line per change.
fn changes_note(v: &VariantReport, star: &str, bullet: &str) -> String {
    let c = changes(&v.cost);
    if c.is_empty() {
        return String::new();
    }
    let mut s = format!("{star} Price changed from the list by the scenario's [prices]:\n");
    for line in c {
        s += &format!("{bullet}{line}\n");
    }
    s
}

/// Dollars with thousands separators and `decimals` decimals: "$107,500.20", "$0.0001374".
pub fn money(usd: f64, decimals: usize) -> String {
    format!("${}", group(&format!("{usd:.decimals$}")))
}

/// Thousands separators in the integer part of a decimal number: "1234567.5" → "1,234,567.5".
pub(crate) fn group(number: &str) -> String {
    let (sign, rest) = match number.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", number),
    };
    let (int, frac) = rest.split_at(rest.find('.').unwrap_or(rest.len()));
    let mut out = String::from(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out + frac
}

/// A price source in one line: "AWS Lambda, AWS us-east-1, prices read 2026-05-04:
/// `https://aws.amazon.com/lambda/pricing/`; via …".
pub fn source_line(s: &PriceSource) -> String {
    format!("{}: {}{}", about(s), s.url, via(s))
}

/// "AWS Lambda, AWS us-east-1, prices read 2026-05-04".
fn about(s: &PriceSource) -> String {
    format!(
        "{}, {} {}, prices read {}",
        s.service, s.provider, s.region, s.read_on
    )
}

/// "; via …" when the prices were transcribed from elsewhere.
fn via(s: &PriceSource) -> String {
    if s.via.is_empty() {
        String::new()
    } else {
        format!("; via {}", s.via)
    }
}

/// The two invoices of a variant, each with its heading: the simulated horizon and the monthly
/// projection; `data-period` names in HTML.
fn invoices<'a>(r: &RunReport, v: &'a VariantReport) -> [(String, &'static str, &'a Invoice); 2] {
    [
        (
            format!("simulated horizon ({})", human_duration(r.horizon_s)),
            "horizon",
            &v.cost,
        ),
        (MONTHLY_LABEL.to_string(), "monthly", &v.projection_monthly),
    ]
}

/// What the bill section says before its tables.
fn preamble(r: &RunReport) -> String {
    format!(
        "Each line is quantity × unit price = cost. Monthly allowances — the free tier and the \
         bounds of price tiers, written per month in the items — are prorated to the period \
         billed: the simulated horizon is {} of a 730-hour month. The monthly projection scales \
         the horizon's usage to 730 hours; it is not simulated. Costs are rounded to the \
         decimals shown; unit prices are exact.",
        fraction(r.horizon_s / scalesim_core::billing::MONTH_S)
    )
}

/// A share of a month, to four significant digits: "0.00137", "1".
fn fraction(share: f64) -> String {
    quantity(share, 0.0, 0)
}

/// `text` with its first letter in capitals: "Simulated horizon (1 h)".
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The "Bill" section of report.md: per variant, a table for the horizon and one for the
/// monthly projection, then the price sources.
pub fn markdown(r: &RunReport) -> String {
    let mut md = format!("## Bill\n\n{}\n\n", preamble(r));
    for v in &r.variants {
        md += &format!("### Bill of {}\n\n", v.name);
        for (heading, _, invoice) in invoices(r, v) {
            let c = cells(invoice);
            md += &format!(
                "{}:\n\n| {} |\n|---|---:|---|---:|---:|---:|\n",
                capitalised(&heading),
                COLUMNS.join(" | ")
            );
            for row in &c.rows {
                let row: Vec<String> = row.iter().map(|s| s.replace('|', "\\|")).collect();
                md += &format!("| {} |\n", row.join(" | "));
            }
            md += &format!("| **total** | | | | **{}** | |\n\n", c.total);
        }
        let note = changes_note(v, "\\*", "- ");
        if !note.is_empty() {
            md += &format!("{note}\n");
        }
        md += "Price sources:\n\n";
        for (i, s) in v.cost.sources.iter().enumerate() {
            md += &format!("{}. {}: <{}>{}\n", i + 1, about(s), s.url, via(s));
        }
        md += "\n";
    }
    md
}

/// The "Bill" section of report.html: as [`markdown`], each table marked
/// `<table class="bill" data-variant="NAME" data-period="horizon|monthly">`, its cells by
/// column (`<td class="cost">`, …) and its total `<tr class="total">`.
pub fn html(r: &RunReport) -> String {
    let classes = ["item", "quantity", "unit", "unit-price", "cost", "source"];
    let mut h = format!(
        "<h2 id=\"bill\">Bill</h2>\n<p>{}</p>\n",
        escape(&preamble(r))
    );
    for v in &r.variants {
        h += &format!("<h3>Bill of {}</h3>\n", escape(&v.name));
        for (heading, period, invoice) in invoices(r, v) {
            let c = cells(invoice);
            h += &format!(
                "<table class=\"bill\" data-variant=\"{}\" data-period=\"{period}\">\n\
                 <caption>{}</caption>\n<tr>",
                escape(&v.name),
                escape(&capitalised(&heading))
            );
            for col in COLUMNS {
                h += &format!("<th>{col}</th>");
            }
            h += "</tr>\n";
            for row in &c.rows {
                h += "<tr class=\"line\">";
                for (class, cell) in classes.iter().zip(row) {
                    h += &format!("<td class=\"{class}\">{}</td>", escape(cell));
                }
                h += "</tr>\n";
            }
            h += &format!(
                "<tr class=\"total\"><td class=\"item\">total</td><td></td><td></td><td></td>\
                 <td class=\"cost\">{}</td><td></td></tr>\n</table>\n",
                c.total
            );
        }
        let c = changes(&v.cost);
        if !c.is_empty() {
            h += "<p>* Price changed from the list by the scenario's [prices]:</p>\n\
                  <ul class=\"price-changes\">\n";
            for line in c {
                h += &format!("<li>{}</li>\n", escape(&line));
            }
            h += "</ul>\n";
        }
        h += "<p>Price sources:</p>\n<ol class=\"sources\">\n";
        for s in &v.cost.sources {
            h += &format!(
                "<li>{}: <a href=\"{url}\">{url}</a>{}</li>\n",
                escape(&about(s)),
                escape(&via(s)),
                url = escape(&s.url),
            );
        }
        h += "</ol>\n";
    }
    h
}

/// Every variant's bills for the terminal (`scalesim run --bill`): the same columns, then the
/// price sources.
pub fn text(r: &RunReport) -> String {
    let mut out = format!("{}\n", preamble(r));
    for v in &r.variants {
        for (heading, _, invoice) in invoices(r, v) {
            let c = cells(invoice);
            let mut table = Table::new();
            table
                .load_style(UTF8_FULL_CONDENSED)
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(120)
                .set_header(COLUMNS.to_vec());
            for row in c.rows {
                table.add_row(row.to_vec());
            }
            table.add_row(vec![
                "total".to_string(),
                String::new(),
                String::new(),
                String::new(),
                c.total,
                String::new(),
            ]);
            for i in [1, 3, 4, 5] {
                if let Some(col) = table.column_mut(i) {
                    col.set_cell_alignment(CellAlignment::Right);
                }
            }
            out += &format!("\nBill of {}, {heading}\n{table}\n", v.name);
        }
        out += &changes_note(v, "*", "  ");
        out += "Price sources:\n";
        for (i, s) in v.cost.sources.iter().enumerate() {
            out += &format!("  {}. {}\n", i + 1, source_line(s));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Costs share the decimals of their total: cents from $1, four significant digits below.
    #[test]
    fn costs_take_the_decimals_of_their_total() {
        assert_eq!(cost_decimals(6.733_34), 2);
        assert_eq!(cost_decimals(0.0), 2);
        assert_eq!(cost_decimals(0.35), 4);
        // $0.000137433601: 10^-4 > it ≥ 10^-4 → 3 + 4 = 7 decimals.
        assert_eq!(cost_decimals(0.000_137_433_601), 7);
        assert_eq!(money(0.000_137_433_601, 7), "$0.0001374");
        assert_eq!(money(107_500.2, 2), "$107,500.20");
        assert_eq!(money(0.000_000_6, 7), "$0.0000006");
    }

    /// Unit prices are the catalog's, to the last digit.
    #[test]
    fn unit_prices_are_exact() {
        assert_eq!(unit_price(0.000_016_666_7), "$0.0000166667");
        assert_eq!(unit_price(0.2e-6), "$0.0000002");
        assert_eq!(unit_price(0.0816), "$0.0816");
        assert_eq!(unit_price(0.0), "$0");
        assert_eq!(unit_price(1_234.5), "$1,234.5");
    }

    /// Quantities: thousands separators, and decimals enough that quantity × price is within a
    /// tenth of a cost unit.
    #[test]
    fn quantities_show_what_their_cost_needs() {
        // Requests at $0.0000002 with cents: ⌈2 − 6.7⌉ + 1 < 0 → whole requests.
        assert_eq!(quantity(2_000_000.4, 0.2e-6, 2), "2,000,000");
        // 1/60 instance-hour at $0.0104 with 5 cost decimals: ⌈5 − 1.98⌉ + 1 = 5 decimals.
        assert_eq!(quantity(1.0 / 60.0, 0.0104, 5), "0.01667");
        // 0.01667 × $0.0104 = $0.000173368; the cost $0.000173333 shows as $0.00017 either way.
        assert_eq!(money(0.01667 * 0.0104, 5), money(0.000_173_333, 5));
        // Whole hours lose their zeros.
        assert_eq!(quantity(730.0, 0.0725, 2), "730");
        // A free line: four significant digits.
        assert_eq!(quantity(6.849_315_068, 0.0, 7), "6.849");
        assert_eq!(quantity(400_000.0, 0.0, 2), "400,000");
        assert_eq!(quantity(0.0, 0.0, 2), "0");
    }

    #[test]
    fn numbers_group_by_thousands() {
        assert_eq!(group("1234567.891"), "1,234,567.891");
        assert_eq!(group("-1000"), "-1,000");
        assert_eq!(group("999"), "999");
    }
}
