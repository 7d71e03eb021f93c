//! The bills of report.html can be audited: every line's quantity × unit price is its cost, and
//! the lines add up to the total shown — read back from the page the binary wrote, as a planner
//! would check it with a calculator. `--bill` prints the same bills on the terminal.

use std::path::Path;

use assert_cmd::Command;
use scalesim_core::results::RunReport;
use tempfile::TempDir;

/// A number as the bill shows it ("$1,234.50", "18,265.5", "$0.0000166667"): its value and the
/// decimals shown.
fn number(cell: &str) -> (f64, usize) {
    let text: String = cell.chars().filter(|c| *c != '$' && *c != ',').collect();
    let value = text
        .parse::<f64>()
        .unwrap_or_else(|_| panic!("not a number: {cell:?}"));
    let decimals = text.split_once('.').map_or(0, |(_, f)| f.len());
    (value, decimals)
}

/// Half a unit of the last decimal of a number shown with `decimals`.
fn half_unit(decimals: usize) -> f64 {
    0.5 * 10f64.powi(-(decimals as i32))
}

/// The text of every `<td class="CLASS">…</td>` in `row`, in order.
fn cells<'a>(row: &'a str, class: &str) -> Vec<&'a str> {
    let open = format!("<td class=\"{class}\">");
    row.split(open.as_str())
        .skip(1)
        .map(|rest| rest.split("</td>").next().unwrap())
        .collect()
}

/// One bill table of the page: its variant, its period, its line rows and its total row.
struct BillTable<'a> {
    variant: &'a str,
    period: &'a str,
    lines: Vec<&'a str>,
    total: &'a str,
}

/// Every `<table class="bill" …>` of `html`.
fn bill_tables(html: &str) -> Vec<BillTable<'_>> {
    html.split("<table class=\"bill\" data-variant=\"")
        .skip(1)
        .map(|rest| {
            let (variant, rest) = rest.split_once('"').unwrap();
            let rest = rest.strip_prefix(" data-period=\"").unwrap();
            let (period, rest) = rest.split_once('"').unwrap();
            let table = rest.split("</table>").next().unwrap();
            let rows: Vec<&str> = table.split("<tr").skip(1).collect();
            BillTable {
                variant,
                period,
                lines: rows
                    .iter()
                    .filter(|r| r.starts_with(" class=\"line\""))
                    .copied()
                    .collect(),
                total: rows
                    .iter()
                    .find(|r| r.starts_with(" class=\"total\""))
                    .copied()
                    .expect("a total row"),
            }
        })
        .collect()
}

/// The shipped steady API (Lambda x86_64 and arm64 behind API Gateway, two m7g.large behind an
/// ALB) over an hour, with the free tier on the x86_64 function so that its bill has free-tier
/// lines at $0 beside the paid ones: report.html holds a horizon bill and a monthly one per
/// variant, and in each
/// - every line's shown quantity × its unit price is its shown cost, within half a unit of the
///   cost's last decimal plus the price × half a unit of the quantity's last decimal (the two
///   roundings of the display; unit prices are shown exactly);
/// - the shown costs add up to the shown total within half a unit of the last decimal per line
///   and for the total;
/// - the shown total is the invoice's total in summary.json, within half a unit;
/// - each line names a price source the variant's list has, and the page links its price page.
#[test]
fn every_bill_line_in_report_html_adds_up_to_the_total_shown() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("steady");
    let scenario = crate::common::manifest_dir().join("scenarios/steady-api.toml");
    Command::cargo_bin("scalesim")
        .unwrap()
        .arg("run")
        .arg(&scenario)
        .args(["--horizon", "1h", "--quiet", "--out"])
        .arg(&out)
        .args(["--set", "variant[lambda-512mb].free_tier=true"])
        .assert()
        .success();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let summary: RunReport =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let tables = bill_tables(&html);
    assert_eq!(tables.len(), 2 * summary.variants.len());
    let mut free_lines = 0;
    for t in &tables {
        let v = summary
            .variants
            .iter()
            .find(|v| v.name == t.variant)
            .unwrap_or_else(|| panic!("a bill for an unknown variant {}", t.variant));
        let invoice = match t.period {
            "horizon" => &v.cost,
            "monthly" => &v.projection_monthly,
            other => panic!("unknown period {other}"),
        };
        let what = format!("{} ({})", t.variant, t.period);
        assert_eq!(t.lines.len(), invoice.lines.len(), "{what}");
        let mut sum = 0.0;
        let mut cost_decimals = None;
        for row in &t.lines {
            let (q, qd) = number(cells(row, "quantity")[0]);
            let (p, _) = number(cells(row, "unit-price")[0]);
            let (c, cd) = number(cells(row, "cost")[0]);
            assert_eq!(
                *cost_decimals.get_or_insert(cd),
                cd,
                "{what}: one precision"
            );
            let slack = half_unit(cd) + p * half_unit(qd) + 1e-12;
            assert!(
                (q * p - c).abs() <= slack,
                "{what}: {q} × {p} = {} is not {c} (±{slack}): {row}",
                q * p
            );
            let source: usize = cells(row, "source")[0].parse().unwrap();
            assert!(
                (1..=invoice.sources.len()).contains(&source),
                "{what}: {row}"
            );
            free_lines += usize::from(p == 0.0 && row.contains("free tier"));
            sum += c;
        }
        let (total, td) = number(cells(t.total, "cost")[0]);
        assert_eq!(Some(td), cost_decimals, "{what}: the total's precision");
        let slack = (t.lines.len() + 1) as f64 * half_unit(td) + 1e-12;
        assert!(
            (sum - total).abs() <= slack,
            "{what}: the lines add up to {sum}, the total shown is {total}"
        );
        assert!(
            (total - invoice.total_usd).abs() <= half_unit(td) + 1e-12,
            "{what}: {total} shown for {}",
            invoice.total_usd
        );
        for s in &invoice.sources {
            assert!(
                html.contains(&format!("<a href=\"{}\">", s.url)),
                "{}",
                s.url
            );
        }
    }
    // The free tier on lambda-512mb: requests and GB-s, in both bills.
    assert_eq!(free_lines, 4);
}

/// `scalesim run --bill` prints every variant's bills after the table, with the price pages;
/// `scalesim report DIR --bill` prints them again from the saved summary.
#[test]
fn the_bill_flag_prints_the_bills() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("steady");
    let scenario = crate::common::manifest_dir().join("scenarios/steady-api.toml");
    let run = Command::cargo_bin("scalesim")
        .unwrap()
        .arg("run")
        .arg(&scenario)
        .args(["--horizon", "10m", "--quiet", "--bill", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success());
    let stdout = String::from_utf8(run.stdout).unwrap();
    for variant in ["lambda-512mb", "lambda-1769mb-arm", "ec2-2x-m7g.large"] {
        for period in ["simulated horizon (10 min)", "monthly (730 h)"] {
            assert!(
                stdout.contains(&format!("Bill of {variant}, {period}")),
                "{stdout}"
            );
        }
    }
    for needle in [
        "unit price",
        "instance-hours",
        "$0.0000166667",
        "https://aws.amazon.com/lambda/pricing/",
        "https://aws.amazon.com/elasticloadbalancing/pricing/",
    ] {
        assert!(stdout.contains(needle), "{needle}: {stdout}");
    }
    // The table comes first, then the bills.
    assert!(stdout.find("latency p99").unwrap() < stdout.find("Bill of").unwrap());
    let again = Command::cargo_bin("scalesim")
        .unwrap()
        .args(["--quiet", "report", "--bill"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(again.status.success());
    let bills = &stdout[stdout.find("Each line is").unwrap()..];
    assert_eq!(String::from_utf8(again.stdout).unwrap(), bills);
    assert!(Path::new(&out.join("report.html")).is_file());

    // A summary from before bills had unit prices cannot be re-rendered (a price cannot be
    // made up): it says which scalesim wrote it and what to do.
    let path = out.join("summary.json");
    let mut old: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for v in old["variants"].as_array_mut().unwrap() {
        for line in v["cost"]["lines"].as_array_mut().unwrap() {
            line.as_object_mut().unwrap().remove("unit_price_usd");
        }
    }
    std::fs::write(&path, old.to_string()).unwrap();
    let refused = Command::cargo_bin("scalesim")
        .unwrap()
        .arg("report")
        .arg(&out)
        .assert()
        .code(1);
    let err = String::from_utf8(refused.get_output().stderr.clone()).unwrap();
    assert!(
        err.contains("was written by scalesim")
            && err.contains("unit_price_usd")
            && err.contains("run its scenario again"),
        "{err}"
    );
}
