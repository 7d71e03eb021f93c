//! Lambda provisioned concurrency: bills worked out by hand, cold starts removed up to the
//! level, scheduled levels, and validation.
//!
//! Prices (us-east-1, x86_64, `crates/core/prices/aws.toml`): provisioned concurrency
//! $0.0000041667 per GB-s configured; duration on it $0.0000097222 per GB-s; on-demand duration
//! $0.0000166667 per GB-s (first band); requests $0.20 per million.

use crate::common::{run, run_one, scenario};
use scalesim_core::billing::CostCategory;
use scalesim_core::results::VariantReport;

const PC_GB_S: f64 = 0.000_004_166_7;
const PC_DURATION_GB_S: f64 = 0.000_009_722_2;
const DURATION_GB_S: f64 = 0.000_016_666_7;
const REQUEST: f64 = 0.000_000_2;

fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 1e-9 * expected.abs().max(1.0),
        "got {actual:.12}, expected {expected:.12}"
    );
}

fn line<'a>(v: &'a VariantReport, starts: &str) -> &'a scalesim_core::billing::InvoiceLine {
    v.cost
        .lines
        .iter()
        .find(|l| l.item.starts_with(starts))
        .unwrap_or_else(|| panic!("no line {starts}: {:#?}", v.cost.lines))
}

/// AWS's example (aws.amazon.com/lambda/pricing, "Provisioned Concurrency" pricing example, as
/// the reference file §1.1 quotes its rule): 1,024 MB, 1,000 provisioned for 2 hours, 1.2
/// million requests of 1 second, all on provisioned environments.
/// - provisioned concurrency: 1,000 × 1 GB × 7,200 s = 7,200,000 GB-s × $0.0000041667
///   = $30.00024 (AWS: $30.00)
/// - duration: 1,200,000 × 1 s × 1 GB = 1,200,000 GB-s × $0.0000097222 = $11.66664 ($11.67)
/// - requests: 1,200,000 × $0.0000002 = $0.24
/// - on-demand duration: 0 GB-s
/// - total $41.90688 (AWS: $41.91); no free tier.
#[test]
fn aws_example_by_hand() {
    use scalesim_core::billing::{Period, catalog};
    use scalesim_core::offering::lambda::{self, LambdaBilling};
    use scalesim_core::usage::{Invocations, Meter, ProvisionedPeriod, ProvisionedUsage};

    let mut usage = Invocations::new(Meter::Millisecond, Some(1_024));
    usage.invocations = 1_200_000;
    usage.mb_ms = 1_200_000 * 1_000 * 1_024;
    usage.front_door_requests = 1_200_000;
    usage.provisioned = Some(ProvisionedUsage {
        periods: vec![ProvisionedPeriod {
            mb: 1_000 * 1_024,
            start_us: 0,
            end_us: 7_200_000_000,
            running_at_end: false,
        }],
        mb_ms: 1_200_000 * 1_000 * 1_024,
        invocations: 1_200_000,
        ..ProvisionedUsage::default()
    });
    let billing = LambdaBilling::list(catalog::Arch::X86_64, false, false);
    let bill = lambda::invoice(&usage, &billing, Period::horizon(7_200.0));
    let got: Vec<(&str, f64, f64)> = bill
        .lines
        .iter()
        .map(|l| (l.item.as_str(), l.quantity, l.unit_price_usd))
        .collect();
    assert_eq!(
        got,
        [
            ("Lambda requests", 1.2e6, REQUEST),
            (
                "Lambda duration incl. INIT (x86_64, 1024 MB), first 6 B GB-s/month",
                0.0,
                DURATION_GB_S
            ),
            (
                "Lambda provisioned concurrency (x86_64, 1024 MB)",
                7.2e6,
                PC_GB_S
            ),
            (
                "Lambda duration on provisioned concurrency (x86_64, 1024 MB)",
                1.2e6,
                PC_DURATION_GB_S
            ),
        ]
    );
    close(bill.lines[2].cost_usd, 30.000_24);
    close(bill.lines[3].cost_usd, 11.666_64);
    close(bill.lines[0].cost_usd, 0.24);
    close(bill.total_usd, 41.906_88);
    assert_eq!((bill.total_usd * 100.0).round() / 100.0, 41.91);
    assert_eq!(bill.lines[2].category, CostCategory::Commitment);
    close(
        bill.category_usd(CostCategory::Commitment).unwrap(),
        30.000_24,
    );
    assert_eq!(
        bill.sources[1].service,
        "AWS Lambda (Provisioned Concurrency)"
    );
}

/// AWS's example run, scaled down: 10 provisioned for 2 hours, evenly spaced requests at 4 per
/// second (at k/4 s, k = 0 … 28,799: 28,800 before the 7,200 s horizon), each 1 s on 1,024 MB —
/// at most 5 in flight (one ends as the fifth after it arrives), so every one runs on a
/// provisioned environment: no cold start, no INIT.
/// - provisioned: 10 × 1 GB × 7,200 s (a whole number of 5 minutes) = 72,000 GB-s
///   × $0.0000041667 = $0.3000024
/// - duration on it: 28,800 × 1 s × 1 GB = 28,800 GB-s × $0.0000097222 = $0.27999936
/// - on-demand duration: 0; requests 28,800 × $0.0000002 = $0.00576
/// - total $0.58576176
///
/// A 730-hour month is 365 such horizons: everything × 365 (no band is crossed).
#[test]
fn every_request_on_provisioned_environments() {
    let v = run_one(
        r#"
name = "pc"
seed = 1
horizon = "2h"
[traffic]
arrivals = { process = "even", rate_per_s = 4 }
[traffic.request]
duration = { dist = "constant", ms = 1000 }
cpu_fraction = 0.0

[[variant]]
name = "pc"
platform = "lambda"
memory_mb = 1024
cold_start = { dist = "constant", ms = 300 }
provisioned_concurrency = 10
"#,
    );
    assert_eq!(v.requests.arrived, 28_800);
    assert_eq!(v.requests.cold_starts, 0);
    assert_eq!(v.latency_ms.max_ms, 1_000.0);
    assert_eq!(
        line(&v, "Lambda provisioned concurrency").quantity,
        72_000.0
    );
    assert_eq!(
        line(&v, "Lambda duration on provisioned").quantity,
        28_800.0
    );
    assert_eq!(line(&v, "Lambda duration incl. INIT").quantity, 0.0);
    close(v.cost.total_usd, 0.585_761_76);
    close(v.projection_monthly.total_usd, 365.0 * 0.585_761_76);
    assert!(
        v.description.ends_with(", 10 provisioned"),
        "{}",
        v.description
    );
    // The 10 environments are alive all along; 28,800 s of work in 72,000 environment-s.
    assert_eq!(v.capacity.peak_instances, 10);
    close(v.capacity.mean_instances, 10.0);
}

/// 2 provisioned on 1,024 MB, INIT 200 ms, requests of 1 s at 0, 0, 0.1 and 5 s; horizon 10 s.
/// - 0 s, 0 s: the two provisioned environments, no cold start (1,000 ms each).
/// - 0.1 s: both busy → an on-demand environment, cold: 200 + 1,000 = 1,200 ms.
/// - 5 s: a provisioned environment is idle again (since 1 s) and is used first, though the
///   on-demand one is idle too: no cold start.
///
/// Without provisioned concurrency the same requests start 3 environments (0, 0, 0.1 s); the
/// one at 5 s is warm.
///
/// Bill: provisioned 2 × 1 GB × 300 s (10 s rounded up to 5 minutes) = 600 GB-s × $0.0000041667
/// = $0.00250002; on it 3 × 1 GB-s × $0.0000097222 = $0.0000291666; on demand 1.2 GB-s ×
/// $0.0000166667 = $0.00002000004; requests 4 × $0.0000002 = $0.0000008; total
/// $0.00254998664.
#[test]
fn overflow_beyond_the_level_starts_cold() {
    let r = run(&scenario(
        r#"
name = "overflow"
seed = 1
horizon = "10s"
[traffic]
arrivals = { process = "list", at_s = [0.0, 0.0, 0.1, 5.0] }
[traffic.request]
duration = { dist = "constant", ms = 1000 }
cpu_fraction = 0.0

[[variant]]
name = "pc"
platform = "lambda"
memory_mb = 1024
cold_start = { dist = "constant", ms = 200 }
provisioned_concurrency = 2

[[variant]]
name = "on-demand"
platform = "lambda"
memory_mb = 1024
cold_start = { dist = "constant", ms = 200 }
"#,
    ));
    let pc = &r.variants[0];
    assert_eq!(pc.requests.cold_starts, 1);
    assert_eq!(pc.latency_ms.max_ms, 1_200.0);
    close(pc.latency_ms.mean_ms, 4_200.0 / 4.0);
    assert_eq!(line(pc, "Lambda provisioned concurrency").quantity, 600.0);
    assert_eq!(line(pc, "Lambda duration on provisioned").quantity, 3.0);
    assert_eq!(line(pc, "Lambda duration incl. INIT").quantity, 1.2);
    close(pc.cost.total_usd, 0.002_549_986_64);
    close(
        pc.cost.category_usd(CostCategory::Commitment).unwrap(),
        600.0 * PC_GB_S,
    );
    // 2 provisioned + 1 on demand alive at once.
    assert_eq!(pc.capacity.peak_instances, 3);
    let od = &r.variants[1];
    assert_eq!(od.requests.cold_starts, 3);
    assert!(od.cost.category_usd(CostCategory::Commitment).is_none());
}

/// Enabled for 61 minutes bills 65: a schedule sets 2 at 00:00 and 0 at 01:01, horizon 2 h.
/// 2 × 1 GB × 3,900 s = 7,800 GB-s × $0.0000041667 = $0.03250026. A level kept to a 61-minute
/// horizon bills the same on the horizon's bill; its month is 2 × 1 GB × 2,628,000 s (the
/// period still configured goes on; it is not rounded per horizon).
#[test]
fn each_enabled_period_is_rounded_up_to_five_minutes() {
    let text = |pc: &str, horizon: &str| {
        format!(
            r#"
name = "round"
seed = 1
horizon = "{horizon}"
[traffic]
arrivals = {{ process = "list", at_s = [1.0] }}
[traffic.request]
duration = {{ dist = "constant", ms = 1000 }}
cpu_fraction = 0.0

[[variant]]
name = "pc"
platform = "lambda"
memory_mb = 1024
cold_start = {{ dist = "constant", ms = 200 }}
provisioned_concurrency = {pc}
"#
        )
    };
    let schedule = r#"{ schedule = [{ at = "00:00", level = 2 }, { at = "01:01", level = 0 }] }"#;
    let v = run_one(&text(schedule, "2h"));
    assert_eq!(line(&v, "Lambda provisioned concurrency").quantity, 7_800.0);
    close(
        v.cost.category_usd(CostCategory::Commitment).unwrap(),
        0.032_500_26,
    );
    let v = run_one(&text("2", "61m"));
    assert_eq!(line(&v, "Lambda provisioned concurrency").quantity, 7_800.0);
    let month = v
        .projection_monthly
        .lines
        .iter()
        .find(|l| l.item.starts_with("Lambda provisioned concurrency"))
        .unwrap();
    close(month.quantity, 2.0 * 2_628_000.0);
}

/// A schedule: 3 at 01:00, 1 at 02:00, every day; horizon 3 h; INIT 200 ms, requests of 1 s
/// on 1,024 MB, keep-alive 10 minutes.
/// - The run starts at the level of the latest action before it (02:00 the day before): 1.
/// - 30 s, two requests: one provisioned, one on demand (cold).
/// - 01:00 the level rises to 3: two more environments initialise until 01:00:00.2.
/// - 3,600.1 s, two requests: the one ready environment, and one cold on demand (the new ones
///   are still initialising).
/// - 3,602 s, three requests: all three provisioned environments (idle), none cold.
/// - 02:00 the level drops to 1: two idle environments are released.
/// - 7,300 s, two requests: one provisioned, one cold (the on-demand environment of 3,600.1 s
///   expired at 4,201.3 s).
///
/// 3 cold starts; 6 invocations on provisioned environments (6 GB-s), 3 on demand (1.2 s each,
/// 3.6 GB-s). Peak: at 3,600.1 s, 1 busy provisioned + 2 initialising + 1 on demand = 4 (at
/// 3,602 s: 3 + 1).
/// Provisioned: 1 GB × (1 × 3,600 + 3 × 3,600 + 1 × 3,600) s = 18,000 GB-s × $0.0000041667
/// = $0.0750006; on it 6 × $0.0000097222 = $0.0000583332; on demand 3.6 × $0.0000166667
/// = $0.00006000012; requests 9 × $0.0000002 = $0.0000018; total $0.07512073332.
#[test]
fn a_schedule_changes_the_level_at_its_times() {
    let v = run_one(
        r#"
name = "schedule"
seed = 1
horizon = "3h"
[traffic]
arrivals = { process = "list", at_s = [30.0, 30.0, 3600.1, 3600.1, 3602.0, 3602.0, 3602.0, 7300.0, 7300.0] }
[traffic.request]
duration = { dist = "constant", ms = 1000 }
cpu_fraction = 0.0

[[variant]]
name = "pc"
platform = "lambda"
memory_mb = 1024
cold_start = { dist = "constant", ms = 200 }
provisioned_concurrency = { schedule = [{ at = "01:00", level = 3 }, { at = "02:00", level = 1 }] }
"#,
    );
    assert_eq!(v.requests.cold_starts, 3);
    assert_eq!(v.capacity.peak_instances, 4);
    assert_eq!(
        line(&v, "Lambda provisioned concurrency").quantity,
        18_000.0
    );
    assert_eq!(line(&v, "Lambda duration on provisioned").quantity, 6.0);
    close(line(&v, "Lambda duration incl. INIT").quantity, 3.6);
    close(v.cost.total_usd, 0.075_120_733_32);
    assert!(v.description.ends_with(", provisioned by schedule"));
}

/// Weekdays only: 5 at 08:00 Monday to Friday, 0 at 18:00 every day; a 7-day horizon from
/// Monday 00:00. Five periods of 10 h at 5 × 128 MB = 0.125 GB × 5 = 0.625 GB:
/// 5 × 36,000 s × 0.625 GB = 112,500 GB-s.
#[test]
fn a_schedule_on_weekdays() {
    let v = run_one(
        r#"
name = "weekdays"
seed = 1
horizon = "7d"
[traffic]
arrivals = { process = "list", at_s = [1.0] }
[traffic.request]
duration = { dist = "constant", ms = 10 }
cpu_fraction = 0.0

[[variant]]
name = "pc"
platform = "lambda"
memory_mb = 128
runtime = "go"
provisioned_concurrency = { schedule = [
  { at = "08:00", level = 5, days = ["Mon", "Tue", "Wed", "Thu", "Fri"] },
  { at = "18:00", level = 0 },
] }
"#,
    );
    assert_eq!(
        line(&v, "Lambda provisioned concurrency").quantity,
        112_500.0
    );
    // The request at 1 s (Monday 00:00:01) finds level 0: on demand.
    assert_eq!(v.requests.cold_starts, 1);
}

fn error(variant: &str) -> String {
    let text = format!(
        r#"
name = "bad"
seed = 1
horizon = "1m"
[traffic]
arrivals = {{ process = "poisson", rate_per_s = 1 }}
[traffic.request]
duration = {{ dist = "constant", ms = 10 }}

[[variant]]
name = "fn"
platform = "lambda"
memory_mb = 512
runtime = "go"
{variant}
"#
    );
    match scalesim_core::scenario::parse(&text, "bad.toml") {
        Ok(_) => panic!("accepted: {variant}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn levels_are_validated_against_aws_rules() {
    let e = error("reserved_concurrency = 50\nprovisioned_concurrency = 60");
    assert!(e.contains("variant[0].provisioned_concurrency"), "{e}");
    assert!(
        e.contains("60 provisioned is above the function's reserved concurrency of 50"),
        "{e}"
    );
    assert!(e.contains("allowed: at most 50"), "{e}");
    // Without a reservation: at most 1,000 − 100 = 900 of the default account concurrency.
    let e = error("provisioned_concurrency = 901");
    assert!(e.contains("allowed: at most 900 in all"), "{e}");
    let e = error("provisioned_concurrency = -1");
    assert!(e.contains("provisioned_concurrency"), "{e}");
    let e = error("free_tier = true\nprovisioned_concurrency = 1");
    assert!(e.contains("variant[0].free_tier"), "{e}");
    assert!(e.contains("free tier does not apply"), "{e}");
    let e = error(r#"provisioned_concurrency = { schedule = [{ at = "25:00", level = 1 }] }"#);
    assert!(
        e.contains("variant[0].provisioned_concurrency.schedule[0].at"),
        "{e}"
    );
    let e = error(r#"provisioned_concurrency = { schedule = [{ at = "08:00", level = 950 }] }"#);
    assert!(
        e.contains("variant[0].provisioned_concurrency.schedule[0].level"),
        "{e}"
    );
    let e = error(r#"provisioned_concurrency = { schedule = [{ at = "08:00", levl = 1 }] }"#);
    assert!(e.contains("levl"), "{e}");
    let e = error(r#"provisioned_concurrency = { schedule = [], target_value = 0.7 }"#);
    assert!(e.contains("mixes kinds"), "{e}");
    let e = error(
        "provisioned_concurrency = { target_value = 0.7, min_capacity = 5, max_capacity = 2 }",
    );
    assert!(
        e.contains("variant[0].provisioned_concurrency.min_capacity"),
        "{e}"
    );
    let e = error(
        "provisioned_concurrency = { target_value = 1.5, min_capacity = 1, max_capacity = 2 }",
    );
    assert!(
        e.contains("variant[0].provisioned_concurrency.target_value"),
        "{e}"
    );
    let e = error(
        "provisioned_concurrency = { target_value = 0.7, min_capacity = 0, max_capacity = 2 }",
    );
    assert!(e.contains("min_capacity of 0"), "{e}");
    let e = error("provisioned_concurrency = { target_value = 0.7, max_capacity = 2 }");
    assert!(e.contains("needs `min_capacity`"), "{e}");
    let e = error(
        "provisioned_concurrency = { target_value = 0.7, min_capacity = 1, max_capacity = 901 }",
    );
    assert!(
        e.contains("variant[0].provisioned_concurrency.max_capacity"),
        "{e}"
    );
    let e = error("provisioned_concurrency = { checkout = 1 }");
    assert!(e.contains("needs traffic that names functions"), "{e}");
    let e = error("provisioned_concurrency = \"many\"");
    assert!(e.contains("provisioned_concurrency"), "{e}");
}

/// A level within the rules parses: 900 of the default 1,000 (100 stay unreserved), and 1,000
/// of a reservation of 1,000 in an account of 2,000.
#[test]
fn levels_within_the_rules_parse() {
    let ok = |variant: &str| {
        scenario(&format!(
            r#"
name = "ok"
seed = 1
horizon = "1m"
[traffic]
arrivals = {{ process = "poisson", rate_per_s = 1 }}
[traffic.request]
duration = {{ dist = "constant", ms = 10 }}

[[variant]]
name = "fn"
platform = "lambda"
memory_mb = 512
runtime = "go"
{variant}
"#
        ))
    };
    ok("provisioned_concurrency = 900");
    ok("concurrency = 2000\nreserved_concurrency = 1000\nprovisioned_concurrency = 1000");
    ok(r#"provisioned_concurrency = { schedule = [{ at = "Sat 10:00", level = 3 }] }"#);
    ok("provisioned_concurrency = { target_value = 0.7, min_capacity = 1, max_capacity = 900 }");
}

/// Target tracking through a scenario: 5 requests of 1 s each second, evenly (5 in flight), for
/// an hour, from min_capacity 1 at target 0.7. The level rises while the provisioned
/// environments are busy above 70 % and settles at ceil(5 / 0.7) = 8 (the model's unit test
/// works the path out: 1, 2, 3, 5, 8 at 3, 4, 5 and 6 minutes), so from then on every request
/// runs on a provisioned environment: the cold starts all happen in the first 6 minutes, and
/// the hour's last requests (a whole interval, 59–60 min) see none.
#[test]
fn target_tracking_removes_cold_starts_once_it_has_scaled() {
    let v = run_one(
        r#"
name = "tracking"
seed = 1
horizon = "1h"
interval = "60s"
[traffic]
arrivals = { process = "even", rate_per_s = 5 }
[traffic.request]
duration = { dist = "constant", ms = 1000 }
cpu_fraction = 0.0

[[variant]]
name = "pc"
platform = "lambda"
memory_mb = 1024
cold_start = { dist = "constant", ms = 300 }
provisioned_concurrency = { target_value = 0.7, min_capacity = 1, max_capacity = 20 }
"#,
    );
    assert!(v.description.ends_with(", provisioned by target tracking"));
    let rows = &v.timeseries;
    assert!(rows.len() >= 60);
    assert!(rows[6..].iter().all(|r| r.cold_starts == 0), "{rows:#?}");
    assert!(v.requests.cold_starts > 0);
    // At 8 provisioned (from 6:00 to 60:00) the configured GB-s are at least 8 × 54 × 60.
    assert!(line(&v, "Lambda provisioned concurrency").quantity >= 8.0 * 54.0 * 60.0);
}

/// The shipped scenario (scenarios/spiky-provisioned.toml) parses and runs, over 2 hours of
/// night (00:00–02:00: the schedule is at 2): what its comments say to look for holds — the
/// provisioned variants pay a commitment, 40 provisioned take out (nearly) all cold starts and
/// shorten the p99.9. `SPIKY_HORIZON=1d cargo test -p scalesim-core --test it spiky --
/// --nocapture` runs its whole day and prints each variant's figures.
#[test]
fn the_spiky_provisioned_scenario_runs() {
    let path = crate::common::manifest_dir().join("scenarios/spiky-provisioned.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("horizon = \"1d\""));
    let horizon = std::env::var("SPIKY_HORIZON").unwrap_or_else(|_| "2h".into());
    let text = text.replace("horizon = \"1d\"", &format!("horizon = \"{horizon}\""));
    let r = run(&scenario(&text));
    for v in &r.variants {
        if std::env::var("SPIKY_HORIZON").is_ok() {
            eprintln!(
                "{:30} cold {:6} ({:.3} %) p99 {:8.1} ms p99.9 {:8.1}  total ${:.4} commitment ${:.4}  month ${:.2}",
                v.name,
                v.requests.cold_starts,
                v.cold_start_pct,
                v.latency_ms.p99_ms,
                v.latency_ms.p999_ms,
                v.cost.total_usd,
                v.cost.category_usd(CostCategory::Commitment).unwrap_or(0.0),
                v.projection_monthly.total_usd
            );
        }
    }
    let [on_demand, fixed, daytime, tracking] = &r.variants[..] else {
        panic!("four variants")
    };
    assert!(
        on_demand
            .cost
            .category_usd(CostCategory::Commitment)
            .is_none()
    );
    for v in [fixed, daytime, tracking] {
        assert!(v.cost.category_usd(CostCategory::Commitment).unwrap() > 0.0);
    }
    assert!(fixed.requests.cold_starts * 10 < on_demand.requests.cold_starts.max(1));
    assert!(fixed.latency_ms.p999_ms < on_demand.latency_ms.p999_ms);
}

/// The same level written two ways: `provisioned_concurrency = 2`, and a schedule that sets 2
/// at 08:00 and at 20:00 every day (2 all the time: the run starts at the 20:00 action's level).
/// Horizon 26 h, so both actions run (at 8 h and 20 h) and change nothing; one request at 1 s.
/// - horizon: one period of 2 × 1 GB from 0 to 93,600 s, still configured at the horizon:
///   2 × 93,600 = 187,200 GB-s (a whole number of 5 minutes: 93,600 = 312 × 300);
/// - month: the period goes on, 2 × 1 GB × 2,628,000 s = 5,256,000 GB-s;
///
/// and every other line and total the same.
#[test]
fn a_fixed_level_and_a_schedule_that_holds_it_bill_the_same() {
    let text = |pc: &str| {
        format!(
            r#"
name = "same"
seed = 1
horizon = "26h"
[traffic]
arrivals = {{ process = "list", at_s = [1.0] }}
[traffic.request]
duration = {{ dist = "constant", ms = 1000 }}
cpu_fraction = 0.0

[[variant]]
name = "pc"
platform = "lambda"
memory_mb = 1024
cold_start = {{ dist = "constant", ms = 200 }}
provisioned_concurrency = {pc}
"#
        )
    };
    let fixed = run_one(&text("2"));
    let schedule = run_one(&text(
        r#"{ schedule = [{ at = "08:00", level = 2 }, { at = "20:00", level = 2 }] }"#,
    ));
    for v in [&fixed, &schedule] {
        assert_eq!(
            line(v, "Lambda provisioned concurrency").quantity,
            187_200.0
        );
        let month = v
            .projection_monthly
            .lines
            .iter()
            .find(|l| l.item.starts_with("Lambda provisioned concurrency"))
            .unwrap();
        close(month.quantity, 5_256_000.0);
    }
    assert_eq!(fixed.cost, schedule.cost);
    assert_eq!(fixed.projection_monthly, schedule.projection_monthly);
}

/// A compute savings plan of $0.10 an hour (1 year, no upfront: 0.88 of on-demand) over one
/// hour of a 1,024 MB x86_64 function with 10 environments provisioned the whole hour, 1,000
/// invocations of 1 s on them and 100 of 1 s on demand:
/// - on demand the hour costs: duration 100 GB-s × $0.0000166667 = $0.00166667; provisioned
///   concurrency 10 × 1 GB × 3,600 s = 36,000 GB-s × $0.0000041667 = $0.1500012; duration on
///   it 1,000 GB-s × $0.0000097222 = $0.0097222; all three at the same plan rate, so covered
///   in that order;
/// - duration costs the plan 0.88 × $0.00166667 = $0.0014666696: covered whole (100 GB-s);
///   the $0.0985333304 left covers $0.0985333304 / 0.88 = $0.111969693636 of provisioned
///   concurrency, ÷ $0.0000041667 = 26,872.511492635 GB-s; nothing is left for the duration on
///   it;
/// - beyond the plan: provisioned concurrency $0.1500012 − $0.111969693636 = $0.038031506364,
///   duration on it $0.0097222; requests 1,100 × $0.0000002 = $0.00022 (not covered);
/// - total $0.10 + $0.038031506364 + $0.0097222 + $0.00022 = $0.147973706364 (on demand
///   alone: $0.16161007).
#[test]
fn a_compute_savings_plan_covers_provisioned_concurrency() {
    use scalesim_core::billing::Period;
    use scalesim_core::billing::book::list_price;
    use scalesim_core::billing::catalog::Arch;
    use scalesim_core::billing::purchase::{Bought, Payment, PlanKind, Purchase, Term};
    use scalesim_core::offering::lambda::{self, LambdaBilling, purchase_rate_id};
    use scalesim_core::usage::{Invocations, Meter, ProvisionedPeriod, ProvisionedUsage};

    let purchase = Purchase::SavingsPlan {
        kind: PlanKind::Compute,
        commitment_per_hour: 0.10,
        term: Term::OneYear,
        payment: Payment::NoUpfront,
    };
    let rate = purchase_rate_id(&purchase).map(|id| list_price("aws", "us-east-1", &id));
    let billing = LambdaBilling {
        bought: Bought {
            purchase,
            rate,
            words: scalesim_core::billing::purchase::Words::AWS,
        },
        ..LambdaBilling::list(Arch::X86_64, false, false)
    };
    let mut usage = Invocations::new(Meter::Millisecond, Some(1_024));
    // Kept by hour, as a Lambda variant under a plan keeps it.
    usage.by_hour = true;
    let mut pc = ProvisionedUsage {
        periods: vec![ProvisionedPeriod {
            mb: 10 * 1_024,
            start_us: 0,
            end_us: 3_600_000_000,
            running_at_end: true,
        }],
        ..ProvisionedUsage::default()
    };
    for i in 0..1_100u64 {
        let mb_ms = usage.record(i * 1_000_000, 1_000_000, 1_024, 128);
        if i >= 100 {
            pc.record(i * 1_000_000, mb_ms);
        }
    }
    usage.provisioned = Some(pc);
    let bill = lambda::invoice(&usage, &billing, Period::horizon(3_600.0));
    let got: Vec<(&str, f64, f64)> = bill
        .lines
        .iter()
        .map(|l| (l.item.as_str(), l.quantity, l.unit_price_usd))
        .collect();
    let close = |a: f64, b: f64| assert!((a - b).abs() < 5e-10, "got {a:.12}, expected {b:.12}");
    assert_eq!(got[0], ("Lambda requests", 1_100.0, REQUEST));
    assert_eq!((got[1].1, got[1].2), (1.0, 0.10));
    assert_eq!(got[2].1, 100.0);
    assert_eq!((got[3].1, got[3].2), (0.0, DURATION_GB_S));
    assert_eq!(
        got[4].0,
        "Lambda provisioned concurrency (x86_64, 1024 MB), covered by the savings plan"
    );
    close(got[4].1, 26_872.511_492_635);
    close(got[5].1, 36_000.0 - 26_872.511_492_635);
    assert_eq!(got[5].2, PC_GB_S);
    assert_eq!(got[6].1, 0.0);
    assert_eq!((got[7].1, got[7].2), (1_000.0, PC_DURATION_GB_S));
    close(bill.total_usd, 0.147_973_706_364);
}
