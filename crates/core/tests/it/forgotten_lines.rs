//! The lines people forget on real bills — data transfer out, CloudWatch Logs ingestion, EBS
//! storage, a NAT gateway, the front door of a function — worked out by hand, and absent
//! where the scenario does not ask for them.

use crate::common::{run, scenario};
use scalesim_core::billing::{CostCategory, InvoiceLine};
use scalesim_core::results::{RunReport, VariantReport};

fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 5e-10,
        "got {actual:.12}, expected {expected:.12}"
    );
}

fn variant<'a>(r: &'a RunReport, name: &str) -> &'a VariantReport {
    r.variants.iter().find(|v| v.name == name).unwrap()
}

/// The lines of `v`'s bill whose item starts with `item`.
fn lines<'a>(v: &'a VariantReport, item: &str) -> Vec<&'a InvoiceLine> {
    v.cost
        .lines
        .iter()
        .filter(|l| l.item.starts_with(item))
        .collect()
}

/// `n` requests, one a second from 0 s, each 100 ms, answered with `response_bytes` and writing
/// `log_bytes` of logs, over `horizon`; then `variants`.
fn text(n: usize, horizon: &str, request: &str, variants: &str) -> String {
    let at: Vec<String> = (0..n).map(|i| format!("{i}.0")).collect();
    format!(
        "name = \"lines\"\nseed = 1\nhorizon = \"{horizon}\"\n[traffic]\n\
         arrivals = {{ process = \"list\", at_s = [{}] }}\n[traffic.request]\n\
         duration = {{ dist = \"constant\", ms = 100 }}\ncpu_fraction = 0.0\n{request}\n{variants}",
        at.join(", ")
    )
}

const LAMBDA: &str = "platform = \"lambda\"\nmemory_mb = 128\n\
                      cold_start = { dist = \"constant\", ms = 0 }\n";
const EC2: &str = "platform = \"ec2\"\ninstance_type = \"t3.micro\"\nslots = 4\n\
                   load_balancer = false\n";

/// Over a 730-hour horizon (one month: the allowance is the whole 100 GB), responses of
/// 10 GB (10^10 bytes; GB = 10^9 bytes as AWS bills data transfer):
/// - 5 responses = 50 GB, within the 100 GB free → $0 (one free-tier line, 50 GB).
/// - 20 responses = 200 GB → 100 GB free + 100 GB × $0.09 (first 10 TB, us-east-1) = $9.00.
/// - 20 responses from ap-southeast-1 → 100 GB × $0.12 = $12.00.
///
/// The same on EC2: 20 responses → $9.00.
#[test]
fn data_transfer_out_by_hand() {
    let request = "response_bytes = 10_000_000_000";
    let five = run(&scenario(&text(
        5,
        "730h",
        request,
        &format!("[[variant]]\nname = \"l\"\n{LAMBDA}data_transfer_out = true\n"),
    )));
    let l = variant(&five, "l");
    let dt = lines(l, "Data transfer out");
    assert_eq!(dt.len(), 1, "{dt:?}");
    assert_eq!(
        dt[0].item,
        "Data transfer out to the internet, free tier (100 GB/month)"
    );
    close(dt[0].quantity, 50.0);
    close(l.cost.category_usd(CostCategory::Other).unwrap(), 0.0);

    let twenty = run(&scenario(&text(
        20,
        "730h",
        request,
        &format!(
            "[[variant]]\nname = \"l\"\n{LAMBDA}data_transfer_out = true\n\
             [[variant]]\nname = \"sg\"\nregion = \"ap-southeast-1\"\n{LAMBDA}data_transfer_out = true\n\
             [[variant]]\nname = \"e\"\n{EC2}count = 1\ndata_transfer_out = true\n"
        ),
    )));
    for (name, usd) in [("l", 9.0), ("sg", 12.0), ("e", 9.0)] {
        let v = variant(&twenty, name);
        assert_eq!(v.requests.completed, 20, "{name}");
        let dt = lines(v, "Data transfer out");
        assert_eq!(dt.len(), 2, "{name}: {dt:?}");
        close(dt[0].quantity, 100.0);
        assert_eq!(
            dt[1].item,
            "Data transfer out to the internet, first 10,240 GB/month"
        );
        close(dt[1].quantity, 100.0);
        close(v.cost.category_usd(CostCategory::Other).unwrap(), usd);
        let source = &v.cost.sources[dt[1].source];
        assert!(source.service.contains("Data Transfer"), "{source:?}");
    }
}

/// 8 requests, each writing 1 GB of logs (10^9 bytes), over a 730-hour month:
/// 8 GB − 5 GB free = 3 GB × $0.50 = $1.50 (us-east-1), on Lambda (its logs go to CloudWatch
/// Logs unless `cloudwatch_logs = false`) and on EC2 with `cloudwatch_logs = true`; none on EC2
/// without it, none on Lambda with `cloudwatch_logs = false`.
#[test]
fn log_ingestion_by_hand() {
    let r = run(&scenario(&text(
        8,
        "730h",
        "log_bytes = 1_000_000_000",
        &format!(
            "[[variant]]\nname = \"l\"\n{LAMBDA}\
             [[variant]]\nname = \"l-off\"\n{LAMBDA}cloudwatch_logs = false\n\
             [[variant]]\nname = \"e\"\n{EC2}count = 1\ncloudwatch_logs = true\n\
             [[variant]]\nname = \"e-off\"\n{EC2}count = 1\n"
        ),
    )));
    for name in ["l", "e"] {
        let v = variant(&r, name);
        let logs = lines(v, "CloudWatch Logs ingestion");
        assert_eq!(logs.len(), 2, "{name}: {logs:?}");
        assert_eq!(
            logs[0].item,
            "CloudWatch Logs ingestion, free tier (5 GB/month)"
        );
        close(logs[0].quantity, 5.0);
        close(logs[1].quantity, 3.0);
        close(logs[1].unit_price_usd, 0.5);
        close(v.cost.category_usd(CostCategory::Other).unwrap(), 1.5);
    }
    for name in ["l-off", "e-off"] {
        let v = variant(&r, name);
        assert_eq!(v.cost.category_usd(CostCategory::Other), None, "{name}");
    }
}

/// Two instances, each with an 8 GB gp3 volume, running the whole hour of the horizon:
/// 2 × 3,600 s × 8 GB = 57,600 GB-s ÷ 2,628,000 s (a 730-hour month) = 0.021917808 GB-months
/// × $0.08 = $0.001753424658. Over the month projected, 2 × 8 GB for all 730 h = 16 GB-months ×
/// $0.08 = $1.28.
#[test]
fn block_storage_by_hand() {
    let r = run(&scenario(&text(
        1,
        "1h",
        "",
        &format!("[[variant]]\nname = \"e\"\n{EC2}count = 2\nblock_storage_gb = 8\n"),
    )));
    let v = variant(&r, "e");
    let ebs = lines(v, "EBS gp3 storage");
    assert_eq!(ebs.len(), 1);
    assert_eq!(ebs[0].item, "EBS gp3 storage (8 GB per instance)");
    assert_eq!(ebs[0].unit, "GB-month");
    close(ebs[0].quantity, 57_600.0 / 2_628_000.0);
    close(ebs[0].cost_usd, 57_600.0 / 2_628_000.0 * 0.08);
    close(
        v.cost.category_usd(CostCategory::Other).unwrap(),
        0.001_753_424_658,
    );
    let month: Vec<&InvoiceLine> = v
        .projection_monthly
        .lines
        .iter()
        .filter(|l| l.item.starts_with("EBS"))
        .collect();
    close(month[0].quantity, 16.0);
    close(month[0].cost_usd, 1.28);
}

/// A NAT gateway over 90 minutes: 2 hours (a partial hour billed whole) × $0.045 = $0.09, and the
/// 3 responses of 1 GB it processes × $0.045 = $0.135; $0.225 in all (us-east-1). Over the
/// month projected: 730 h × $0.045 = $32.85 for the hours.
#[test]
fn nat_gateway_by_hand() {
    let r = run(&scenario(&text(
        3,
        "90m",
        "response_bytes = 1_000_000_000",
        &format!(
            "[[variant]]\nname = \"e\"\n{EC2}count = 1\nnat_gateway = true\n\
             [[variant]]\nname = \"l\"\n{LAMBDA}nat_gateway = true\n"
        ),
    )));
    for name in ["e", "l"] {
        let v = variant(&r, name);
        let hours = lines(v, "NAT gateway hours");
        assert_eq!(
            (hours[0].quantity, hours[0].unit.as_str()),
            (2.0, "NAT gateway-hours")
        );
        let data = lines(v, "NAT gateway data processed");
        close(data[0].quantity, 3.0);
        close(v.cost.category_usd(CostCategory::Other).unwrap(), 0.225);
        let month = v
            .projection_monthly
            .lines
            .iter()
            .find(|l| l.item == "NAT gateway hours")
            .unwrap();
        close(month.cost_usd, 32.85);
        // No data transfer line: the NAT gateway's is its own (data_transfer_out not given).
        assert!(lines(v, "Data transfer").is_empty());
    }
}

/// Three requests through each front door: an HTTP API (`true` or `"http"`) 3 × $1.00/M =
/// $0.000003; a REST API 3 × $3.50/M = $0.0000105; a function URL and no door: no gateway line.
#[test]
fn front_doors_by_hand() {
    let door = |name: &str, value: &str| {
        format!("[[variant]]\nname = \"{name}\"\n{LAMBDA}api_gateway = {value}\n")
    };
    let variants = [
        door("true", "true"),
        door("http", "\"http\""),
        door("rest", "\"rest\""),
        door("url", "\"function_url\""),
        door("false", "false"),
    ]
    .concat();
    let r = run(&scenario(&text(3, "1m", "", &variants)));
    let gateway = |name| variant(&r, name).cost.category_usd(CostCategory::Gateway);
    close(gateway("true").unwrap(), 0.000_003);
    close(gateway("http").unwrap(), 0.000_003);
    close(gateway("rest").unwrap(), 0.000_010_5);
    assert_eq!(gateway("url"), None);
    assert_eq!(gateway("false"), None);
    let rest = variant(&r, "rest");
    assert_eq!(
        lines(rest, "API Gateway REST API requests")[0].item,
        "API Gateway REST API requests, first 333 M requests/month"
    );
    assert!(rest.description.ends_with("+ API Gateway REST API"));
    assert!(variant(&r, "url").description.ends_with("+ function URL"));
    assert_eq!(
        variant(&r, "true").cost.lines,
        variant(&r, "http").cost.lines
    );
    // A function URL costs nothing beyond the function: its bill is the bill of no door.
    assert_eq!(
        variant(&r, "url").cost.total_usd,
        variant(&r, "false").cost.total_usd
    );
}

/// Without the fields, no line appears, even where the profile has bytes to bill: responses
/// and logs on a fleet that does not send logs to CloudWatch, no volume, no NAT gateway.
#[test]
fn no_line_unless_asked() {
    let r = run(&scenario(&text(
        3,
        "1h",
        "response_bytes = 1_000_000_000\nrequest_bytes = 1000",
        &format!(
            "[[variant]]\nname = \"l\"\n{LAMBDA}api_gateway = true\n\
             [[variant]]\nname = \"e\"\n{EC2}count = 1\nblock_storage_gb = 0\n"
        ),
    )));
    for v in &r.variants {
        assert_eq!(v.cost.category_usd(CostCategory::Other), None, "{}", v.name);
        assert_eq!(v.projection_monthly.category_usd(CostCategory::Other), None);
    }
}

/// Errors name the field and say what is allowed.
#[test]
fn bad_fields_are_refused_at_the_field() {
    let err = |request: &str, body: &str| {
        scalesim_core::scenario::parse(
            &text(
                1,
                "1m",
                request,
                &format!("[[variant]]\nname = \"v\"\n{body}"),
            ),
            "x.toml",
        )
        .unwrap_err()
        .to_string()
    };
    let e = err("", &format!("{LAMBDA}api_gateway = \"graphql\"\n"));
    assert!(
        e.contains("variant[0].api_gateway")
            && e.contains("unknown front door \"graphql\"")
            && e.contains("\"function_url\""),
        "{e}"
    );
    let e = err("", &format!("{EC2}count = 1\nblock_storage_gb = 20000\n"));
    assert!(
        e.contains("variant[0].block_storage_gb") && e.contains("16384"),
        "{e}"
    );
    let e = err("", &format!("{EC2}count = 1\ncloudwatch_logs = true\n"));
    assert!(
        e.contains("variant[0].cloudwatch_logs") && e.contains("log_bytes"),
        "{e}"
    );
    let e = err("", &format!("{LAMBDA}data_transfer_out = \"yes\"\n"));
    assert!(e.contains("x.toml:15:21"), "at the value: {e}");
    let e = err("log_bytes = -5", LAMBDA);
    assert!(
        e.contains("traffic.request.log_bytes") && e.contains("out of range"),
        "{e}"
    );
    let e = err("", &format!("{LAMBDA}block_storage_gb = 8\n"));
    assert!(
        e.contains("block_storage_gb") && e.contains("platform = \"lambda\""),
        "{e}"
    );
}

/// Allowances and bands are prorated by the period's share of a 730-hour month. Over a 73-hour
/// horizon (a tenth of a month), 20 responses of 1 GB = 20 GB: 10 GB free (100 GB × 0.1), then
/// 10 GB × $0.09 = $0.90. The month projected at that average (× 10) is AWS's 2 M requests ×
/// 100 KB: 200 GB, 100 GB free, 100 GB × $0.09 = $9.00.
#[test]
fn allowances_are_prorated() {
    let r = run(&scenario(&text(
        20,
        "73h",
        "response_bytes = 1_000_000_000",
        &format!("[[variant]]\nname = \"l\"\n{LAMBDA}data_transfer_out = true\n"),
    )));
    let v = variant(&r, "l");
    let dt = lines(v, "Data transfer out");
    close(dt[0].quantity, 10.0);
    close(dt[1].quantity, 10.0);
    close(v.cost.category_usd(CostCategory::Other).unwrap(), 0.9);
    close(
        v.projection_monthly
            .category_usd(CostCategory::Other)
            .unwrap(),
        9.0,
    );
}
