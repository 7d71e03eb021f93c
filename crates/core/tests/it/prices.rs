//! Price books and a scenario's own prices: a variant is billed in its region, a private rate
//! or a discount changes exactly the lines priced by what it covers, and every changed line
//! says what was changed.

use crate::common::{run, scenario};
use scalesim_core::billing::{Invoice, InvoiceLine};

/// A Lambda function and two EC2 fleets (one in eu-west-1) behind ALBs, on 2 requests per
/// second for an hour.
fn text(prices: &str) -> String {
    format!(
        r#"
name = "prices"
horizon = "1h"
[traffic]
arrivals = {{ process = "even", rate_per_s = 2 }}
[traffic.request]
duration = {{ dist = "constant", ms = 100 }}
[[variant]]
name = "fn"
platform = "lambda"
memory_mb = 1024
cold_start = {{ dist = "constant", ms = 0 }}
api_gateway = true
[[variant]]
name = "fleet"
platform = "ec2"
instance_type = "m7g.large"
count = 2
slots = 8
load_balancer = true
[[variant]]
name = "fleet-eu"
platform = "ec2"
region = "eu-west-1"
instance_type = "m7g.large"
count = 2
slots = 8
load_balancer = true
{prices}"#
    )
}

fn invoices(prices: &str) -> Vec<(String, Invoice)> {
    run(&scenario(&text(prices)))
        .variants
        .into_iter()
        .map(|v| (v.name, v.cost))
        .collect()
}

fn line<'a>(invoice: &'a Invoice, item: &str) -> &'a InvoiceLine {
    invoice
        .lines
        .iter()
        .find(|l| l.item.starts_with(item))
        .unwrap_or_else(|| panic!("no line {item}"))
}

/// The eu-west-1 fleet is billed at eu-west-1's prices and cites them: m7g.large there is
/// priced in AWS's book, the ALB-hour at $0.0252 (eu-west-1) against $0.0225 (us-east-1).
#[test]
fn a_variant_is_billed_in_its_region() {
    let list = invoices("");
    let (us, eu) = (&list[1].1, &list[2].1);
    let book = scalesim_core::billing::book::catalog()
        .provider("aws")
        .unwrap();
    let eu_hour = book
        .price("ec2.m7g.large", "eu-west-1", &Default::default())
        .unwrap()
        .usd();
    assert_eq!(line(us, "EC2 m7g.large").unit_price_usd, 0.0816);
    assert_eq!(line(eu, "EC2 m7g.large").unit_price_usd, eu_hour);
    assert_eq!(
        line(eu, "Application Load Balancer hours").unit_price_usd,
        0.0252
    );
    assert_eq!(
        line(us, "Application Load Balancer hours").unit_price_usd,
        0.0225
    );
    assert!(eu.sources.iter().all(|s| s.region == "eu-west-1"));
    assert!(us.sources.iter().all(|s| s.region == "us-east-1"));
}

/// A private rate for m7g.large in us-east-1 only: the us-east-1 fleet's instance line — and
/// nothing else, in any variant — changes. Two instances for the hour are 2 instance-hours
/// either way; at $0.05 instead of $0.0816 the line costs 2 × 0.05 = $0.10 instead of
/// $0.1632, and the invoice total moves by exactly the difference, $0.0632.
#[test]
fn a_private_rate_changes_exactly_the_lines_it_prices() {
    let before = invoices("");
    let after = invoices("[prices.rates]\n\"aws/us-east-1/ec2.m7g.large\" = 0.05\n");
    for ((name, b), (_, a)) in before.iter().zip(&after) {
        for (lb, la) in b.lines.iter().zip(&a.lines) {
            if name == "fleet" && lb.item.starts_with("EC2 m7g.large") {
                assert_eq!(la.quantity, lb.quantity);
                assert_eq!(la.quantity, 2.0);
                assert_eq!(la.unit_price_usd, 0.05);
                assert!((la.cost_usd - 0.10).abs() < 1e-12);
                assert_eq!(
                    la.price_change.as_deref(),
                    Some("list $0.0816 → private rate $0.05")
                );
            } else {
                assert_eq!(la, lb, "{name}: {} must not change", lb.item);
            }
        }
        if name == "fleet" {
            assert!((b.total_usd - a.total_usd - 0.0632).abs() < 1e-12);
        } else {
            assert_eq!(a.total_usd, b.total_usd, "{name}");
        }
    }
}

/// An 8 % discount on Lambda only: its requests and duration lines cost 0.92 × as much and
/// say so; the gateway in front of it (service api_gateway) and the fleets do not change.
#[test]
fn a_discount_on_one_service_leaves_the_others() {
    let before = invoices("");
    let after = invoices(
        "[[prices.discount]]\nname = \"EDP\"\npercent = 8\nprovider = \"aws\"\nservice = \"lambda\"\n",
    );
    for ((name, b), (_, a)) in before.iter().zip(&after) {
        for (lb, la) in b.lines.iter().zip(&a.lines) {
            if lb.item.starts_with("Lambda") {
                assert!((la.unit_price_usd - 0.92 * lb.unit_price_usd).abs() < 1e-18);
                assert!((la.cost_usd - 0.92 * lb.cost_usd).abs() < 1e-9);
                assert!(la.price_change.as_deref().unwrap().ends_with("−8 % (EDP)"));
            } else {
                assert_eq!(la, lb, "{name}: {} must not change", lb.item);
            }
        }
    }
}

/// Errors name the key and say what is allowed.
#[test]
fn bad_prices_are_refused_at_their_key() {
    let err = |prices: &str| {
        scalesim_core::scenario::parse(&text(prices), "p.toml")
            .unwrap_err()
            .to_string()
    };
    let e = err("[prices.rates]\n\"ec2.m7g.larg\" = 0.05\n");
    assert!(
        e.contains("no price book has a price \"ec2.m7g.larg\"")
            && e.contains("did you mean \"ec2.m7g.large\"?"),
        "{e}"
    );
    let e = err("[prices.rates]\n\"data_transfer.internet_out\" = 0.05\n");
    assert!(
        e.contains("is a price of several providers") && e.contains("\"aws/data_transfer"),
        "{e}"
    );
    let e = err("[prices.rates]\n\"lambda.duration.x86_64\" = 0.00001\n");
    assert!(e.contains("1 value(s) for a price of 3 band(s)"), "{e}");
    let e = err("[prices.rates]\n\"aws/mars-1/alb.hour\" = 0.01\n");
    assert!(e.contains("AWS has no region \"mars-1\""), "{e}");
    let e = err("[[prices.discount]]\npercent = 100\n");
    assert!(e.contains("100 % is not a discount"), "{e}");
    let e = err("[[prices.discount]]\npercent = 5\nservice = \"lamda\"\n");
    assert!(e.contains("no price belongs to a service \"lamda\""), "{e}");
    let bad_region = text("").replace("region = \"eu-west-1\"", "region = \"eu-west-9\"");
    let e = scalesim_core::scenario::parse(&bad_region, "p.toml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("AWS has no prices for region \"eu-west-9\"")
            && e.contains("did you mean `eu-west-1`?"),
        "{e}"
    );
    let gcp = text("").replace("region = \"eu-west-1\"", "provider = \"gcp\"");
    let e = scalesim_core::scenario::parse(&gcp, "p.toml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("platform = \"ec2\" does not run on \"gcp\""),
        "{e}"
    );
}

/// A change that matches no price of any variant is kept but warned of, at its key: the
/// variants are Lambda in us-east-1 and EC2 in us-east-1 and eu-west-1, so
/// - a Lambda discount in eu-west-1 selects nothing (no Lambda there);
/// - a private rate for m7g.large in ap-southeast-1 replaces nothing (no fleet there);
/// - a discount on gcp's prices selects nothing (every variant is on AWS).
///
/// One that matches (8 % off EC2 in eu-west-1, the eu fleet) gives no warning; a service that
/// no book has stays an error.
#[test]
fn a_price_change_that_matches_nothing_is_warned_of() {
    let warnings = |prices: &str| scenario(&text(prices)).warnings;
    let w = warnings(
        "[[prices.discount]]\npercent = 5\nservice = \"lambda\"\nregion = \"eu-west-1\"\n",
    );
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("prices.discount[0]")
            && w[0].contains("matches no price any variant pays")
            && w[0].contains("service = \"lambda\", region = \"eu-west-1\""),
        "{w:?}"
    );
    let w = warnings("[prices.rates]\n\"aws/ap-southeast-1/ec2.m7g.large\" = 0.05\n");
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("is a price no variant pays")
            && w[0].contains("aws/eu-west-1, aws/us-east-1"),
        "{w:?}"
    );
    let w = warnings("[[prices.discount]]\npercent = 5\nprovider = \"gcp\"\n");
    assert_eq!(w.len(), 1, "{w:?}");
    let w =
        warnings("[[prices.discount]]\npercent = 8\nservice = \"ec2\"\nregion = \"eu-west-1\"\n");
    assert!(w.is_empty(), "{w:?}");
    let e = scalesim_core::scenario::parse(
        &text("[[prices.discount]]\npercent = 5\nservice = \"gke\"\n"),
        "p.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("no price belongs to a service \"gke\""), "{e}");
}
