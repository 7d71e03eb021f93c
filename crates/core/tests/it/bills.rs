//! Bills worked out by hand, to the micro-dollar, on tiny deterministic traces.

use crate::common::{run, scenario};
use scalesim_core::billing::CostCategory;
use scalesim_core::results::VariantReport;

fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 5e-10,
        "got {actual:.12}, expected {expected:.12}"
    );
}

fn variant<'a>(r: &'a scalesim_core::results::RunReport, name: &str) -> &'a VariantReport {
    r.variants.iter().find(|v| v.name == name).unwrap()
}

/// Three requests at 0 s, 1 s and 30 s, each 100.2 ms (no CPU-bound part, so memory does not
/// change it); horizon 45 s.
const TRACE: &str = r#"
name = "hand-bill"
seed = 1
horizon = "45s"
[traffic]
arrivals = { process = "list", at_s = [0.0, 1.0, 30.0] }
[traffic.request]
duration = { dist = "constant", ms = 100.2 }
cpu_fraction = 0.0

[[variant]]
name = "lambda"
platform = "lambda"
memory_mb = 10240
cold_start = { dist = "constant", ms = 250.4 }
keep_alive = "10s"
api_gateway = true

[[variant]]
name = "lambda-free-tier"
platform = "lambda"
memory_mb = 10240
cold_start = { dist = "constant", ms = 250.4 }
keep_alive = "10s"
free_tier = true

[[variant]]
name = "ec2"
platform = "ec2"
instance_type = "t3.micro"
count = 1
slots = 1
load_balancer = true
"#;

/// Lambda, 10,240 MB = 10 GB, x86_64:
/// - 0 s: cold. INIT 250.4 + 100.2 = 350.6 ms → billed 351 ms (INIT billed, rounded up to 1 ms).
/// - 1 s: warm (idle since 0.3506 s, keep-alive to 10.3506 s). 100.2 ms → 101 ms.
/// - 30 s: the environment expired at 11.1002 s → cold again → 351 ms.
///
/// Billed 803 ms × 10 GB = 8.03 GB-s × $0.0000166667 = $0.000133833601
/// Requests 3 × $0.0000002                            = $0.000000600000
/// API Gateway 3 × $0.000001                          = $0.000003000000
/// Total                                              = $0.000137433601
#[test]
fn lambda_bill_by_hand() {
    let r = run(&scenario(TRACE));
    let v = variant(&r, "lambda");
    assert_eq!(v.requests.cold_starts, 2);
    assert_eq!(v.cost.lines[1].quantity, 8.03);
    close(
        v.cost.category_usd(CostCategory::Compute).unwrap(),
        0.000_133_833_601,
    );
    close(
        v.cost.category_usd(CostCategory::Requests).unwrap(),
        0.000_000_6,
    );
    close(
        v.cost.category_usd(CostCategory::Gateway).unwrap(),
        0.000_003,
    );
    close(v.cost.total_usd, 0.000_137_433_601);
    // Latencies 350.6, 100.2, 350.6 ms.
    assert_eq!(v.latency_ms.max_ms, 350.6);
    close(v.latency_ms.mean_ms, 801.4 / 3.0);
    // Environments alive 0 → 11.1002 s and 30 → 40.3506 s (idle from 30.3506 s, reclaimed 10 s
    // later, before the 45 s horizon): 21.4508 s over 45 s.
    close(v.capacity.mean_instances, 21.4508 / 45.0);
    assert_eq!(v.capacity.peak_instances, 1);
    // A 730-hour month is 2,628,000 s = 58,400 horizons of 45 s; no tier boundary is crossed
    // (the free tier is off here), so the projection scales exactly.
    let projected = v.projection_monthly.total_usd;
    assert_eq!(v.projection_monthly.period.label, "monthly (730 h)");
    assert_eq!(v.projection_monthly.period.seconds, 2_628_000.0);
    assert!((projected / (58_400.0 * v.cost.total_usd) - 1.0).abs() < 1e-12);
}

/// The free tier, prorated to the horizon: 400,000 GB-s × 45 / 2,628,000 = 6.849315068 GB-s and
/// 1,000,000 × 45 / 2,628,000 = 17.1 requests are free.
/// (8.03 − 6.849315068) GB-s × $0.0000166667 = $0.000019678155; requests $0; no gateway.
/// Lines: 3 free requests × $0; 6.849315068 free GB-s × $0; 1.180684932 GB-s × $0.0000166667.
#[test]
fn lambda_free_tier_by_hand() {
    let r = run(&scenario(TRACE));
    let v = variant(&r, "lambda-free-tier");
    close(v.cost.category_usd(CostCategory::Requests).unwrap(), 0.0);
    let free_gb_s = 400_000.0 * 45.0 / 2_628_000.0;
    close(v.cost.total_usd, (8.03 - free_gb_s) * 0.000_016_666_7);
    close(v.cost.total_usd, 0.000_019_678_155);
    let lines: Vec<(f64, f64)> = v
        .cost
        .lines
        .iter()
        .map(|l| (l.quantity, l.unit_price_usd))
        .collect();
    assert_eq!(lines.len(), 3, "{:?}", v.cost.lines);
    assert_eq!(lines[0], (3.0, 0.0));
    close(lines[1].0, free_gb_s);
    assert_eq!(lines[1].1, 0.0);
    close(lines[2].0, 8.03 - free_gb_s);
    assert_eq!(lines[2].1, 0.000_016_666_7);
}

/// A 730-hour month of 3,000,000 invocations of a 1,024 MB (1 GB) x86_64 function, each billed
/// 200 ms, behind API Gateway, with the free tier: 3,000,000 × 0.2 s × 1 GB = 600,000 GB-s.
/// - requests, free tier:              1,000,000 × $0            = $0
/// - requests:                         2,000,000 × $0.0000002    = $0.40
/// - duration, free tier:                400,000 GB-s × $0       = $0
/// - duration, first 6 B GB-s/month:     200,000 GB-s × $0.0000166667 = $3.33334
/// - API Gateway, first 300 M/month:   3,000,000 × $0.000001     = $3.00
/// - total                                                        = $6.73334
///
/// The quantities of each meter add up to its usage (3 M requests, 600,000 GB-s); the Lambda
/// lines cite the Lambda price page, the gateway's its own.
#[test]
fn a_lambda_month_across_the_free_tier_line_by_line() {
    use scalesim_core::billing::{MONTH_S, Period, catalog};
    use scalesim_core::offering::lambda::{self, LambdaBilling};
    use scalesim_core::usage::{Invocations, Meter};

    let mut usage = Invocations::new(Meter::Millisecond, Some(1_024));
    usage.invocations = 3_000_000;
    usage.mb_ms = 3_000_000 * 200 * 1_024;
    usage.front_door_requests = 3_000_000;
    let billing = LambdaBilling::list(catalog::Arch::X86_64, true, true);
    let month = lambda::invoice(&usage, &billing, Period::monthly(MONTH_S));
    let duration = "Lambda duration incl. INIT (x86_64, 1024 MB)";
    let want = [
        (
            "Lambda requests, free tier (1 M requests/month)".to_string(),
            1.0e6,
            0.0,
            0,
        ),
        ("Lambda requests".to_string(), 2.0e6, 0.000_000_2, 0),
        (
            format!("{duration}, free tier (400,000 GB-s/month)"),
            400_000.0,
            0.0,
            0,
        ),
        (
            format!("{duration}, first 6 B GB-s/month"),
            200_000.0,
            0.000_016_666_7,
            0,
        ),
        (
            "API Gateway HTTP API requests, first 300 M requests/month".to_string(),
            3.0e6,
            0.000_001,
            1,
        ),
    ];
    let got: Vec<(String, f64, f64, usize)> = month
        .lines
        .iter()
        .map(|l| (l.item.clone(), l.quantity, l.unit_price_usd, l.source))
        .collect();
    assert_eq!(got, want);
    let costs = [0.0, 0.40, 0.0, 3.333_34, 3.0];
    for (line, usd) in month.lines.iter().zip(costs) {
        assert_eq!(line.cost_usd, line.quantity * line.unit_price_usd);
        close(line.cost_usd, usd);
    }
    close(month.total_usd, 6.733_34);
    assert_eq!(
        month.sources,
        [
            billing.prices.duration.source.clone(),
            billing.prices.gateway.source.clone()
        ]
    );
    assert_eq!(month.sources[1].service, "Amazon API Gateway (HTTP API)");
    assert_eq!(
        month.sources[0].url,
        "https://aws.amazon.com/lambda/pricing/"
    );
}

/// Past the first price tier: 6,500,400,000 GB-s in a month with the free tier are 400,000 free,
/// 6 B at $0.0000166667 = $100,000.20 and the next 500,000,000 at $0.000015 = $7,500; no
/// gateway, 1,000 invocations all inside the free requests.
#[test]
fn a_lambda_month_past_the_first_tier_has_a_line_per_tier() {
    use scalesim_core::billing::{MONTH_S, Period, catalog};
    use scalesim_core::offering::lambda::{self, LambdaBilling};
    use scalesim_core::usage::{Invocations, Meter};

    let mut usage = Invocations::new(Meter::Millisecond, Some(10_240));
    usage.invocations = 1_000;
    usage.mb_ms = 6_500_400_000 * 1_024_000;
    let billing = LambdaBilling::list(catalog::Arch::X86_64, false, true);
    let month = lambda::invoice(&usage, &billing, Period::monthly(MONTH_S));
    let got: Vec<(f64, f64)> = month
        .lines
        .iter()
        .map(|l| (l.quantity, l.unit_price_usd))
        .collect();
    assert_eq!(
        got,
        [
            (1_000.0, 0.0),
            (400_000.0, 0.0),
            (6.0e9, 0.000_016_666_7),
            (500.0e6, 0.000_015)
        ]
    );
    assert!(month.lines[3].item.ends_with(", next 9 B GB-s/month"));
    assert!(
        (month.total_usd - 107_500.2).abs() < 1e-6,
        "{}",
        month.total_usd
    );
    assert_eq!(month.sources.len(), 1);
    assert_eq!(month.sources[0], billing.prices.duration.source);
    assert_eq!(month.sources[0].region, "us-east-1");
}

/// EC2 t3.micro ($0.0104/h), one instance for 45 s: the 60-second minimum applies.
/// 60 s = 1/60 instance-hour × $0.0104                  = $0.000173333333
/// ALB: 45 s is a partial hour, billed whole: 1 × $0.0225 = $0.022500000000
/// LCU: 3 new connections in the hour: 3/3600/25 LCU-h × $0.008 = $0.000000266667
/// Total                                                = $0.022673600000
#[test]
fn ec2_bill_by_hand_with_the_60_second_minimum() {
    let r = run(&scenario(TRACE));
    let v = variant(&r, "ec2");
    assert_eq!(v.cost.lines[0].quantity, 60.0 / 3_600.0);
    assert_eq!(v.cost.lines[0].unit, "instance-hours");
    assert_eq!(v.cost.lines[0].unit_price_usd, 0.0104);
    let (alb, lcu) = (&v.cost.lines[1], &v.cost.lines[2]);
    assert_eq!((alb.quantity, alb.unit_price_usd), (1.0, 0.0225));
    close(lcu.quantity, 3.0 / 3_600.0 / 25.0);
    assert_eq!(lcu.unit_price_usd, 0.008);
    close(
        v.cost.category_usd(CostCategory::Compute).unwrap(),
        0.000_173_333_333,
    );
    close(
        v.cost.category_usd(CostCategory::LoadBalancer).unwrap(),
        0.022_500_266_667,
    );
    close(v.cost.total_usd, 0.022_673_6);
    assert_eq!(v.latency_ms.max_ms, 100.2);
    assert_eq!(v.requests.completed, 3);
}

/// Two m7g.large ($0.0816/h) for 90.5 s, no load balancer: each launch is billed 91 s
/// (per second, rounded up): 182 s = 182 / 3,600 instance-hours × $0.0816 = $0.004125333333.
#[test]
fn ec2_bill_rounds_each_launch_up_to_the_second() {
    let r = run(&scenario(
        r#"
name = "per-second"
horizon = "90500ms"
[traffic]
arrivals = { process = "even", rate_per_s = 1 }
[traffic.request]
duration = { dist = "constant", ms = 10 }
[[variant]]
name = "ec2"
platform = "ec2"
instance_type = "m7g.large"
count = 2
slots = 4
load_balancer = false
"#,
    ));
    let v = &r.variants[0];
    assert_eq!(v.cost.lines.len(), 1);
    assert_eq!(v.cost.lines[0].quantity, 182.0 / 3_600.0);
    close(v.cost.total_usd, 0.004_125_333_333);
}

/// One slot; requests at 0, 0.01, 0.02 and 2 s, each 1 s, queue timeout 500 ms, horizon 2.5 s.
/// The first runs 0 → 1 s; the next two wait, and their timeouts (0.51 s, 0.52 s) pass before
/// the slot frees at 1 s: both time out. The last starts at 2 s and is in flight at 2.5 s.
#[test]
fn queued_requests_time_out() {
    let r = run(&scenario(
        r#"
name = "timeouts"
horizon = "2500ms"
[traffic]
arrivals = { process = "list", at_s = [0.0, 0.01, 0.02, 2.0] }
[traffic.request]
duration = { dist = "constant", ms = 1000 }
cpu_fraction = 0.0
[[variant]]
name = "ec2"
platform = "ec2"
instance_type = "t3.micro"
count = 1
slots = 1
queue_timeout = "500ms"
"#,
    ));
    let c = r.variants[0].requests;
    assert_eq!(
        (c.arrived, c.completed, c.timed_out, c.in_flight_at_end),
        (4, 1, 2, 1)
    );
    assert_eq!(r.variants[0].queueing.wait_probability, 0.5);
}

/// Instance runs of `secs` seconds each from time zero, the last `running` of them still running
/// at the horizon.
fn instance_runs(secs: &[u64], running: usize) -> scalesim_core::usage::Instances {
    let first_running = secs.len() - running;
    scalesim_core::usage::Instances {
        runs: secs
            .iter()
            .enumerate()
            .map(|(i, &s)| scalesim_core::usage::InstanceRun {
                launch_us: 0,
                end_us: s * 1_000_000,
                running_at_end: i >= first_running,
                interrupted: false,
            })
            .collect(),
        requests_by_hour: vec![0],
    }
}

/// Instances terminated after 30 s and after 90 s, billed from launch to termination per
/// second with a 60-second minimum: 60 s + 90 s = 150 instance-seconds.
/// m7g.large $0.0816/h: 150 / 3,600 instance-hours × $0.0816 = $0.0034.
#[test]
fn short_lived_instances_pay_the_60_second_minimum() {
    use scalesim_core::billing::Period;
    use scalesim_core::offering::ec2::{self, Ec2Billing};

    let usage = instance_runs(&[30, 90], 0);
    let billing = Ec2Billing::list("m7g.large", false);
    let invoice = ec2::invoice(&usage, &[], &billing, Period::horizon(3_600.0));
    assert_eq!(invoice.lines[0].quantity, 150.0 / 3_600.0);
    close(invoice.total_usd, 0.003_4);
}

/// The month projection scales an instance still running at the horizon by its time, not by its
/// 60 s minimum. One c7g.large ($0.0725/h) running through a 30 s horizon: the horizon bills the
/// minimum, 60 s (1/60 instance-hour); a 730-hour month of it is 730 × $0.0725 = $52.925 (scaling the minimum would
/// say 60 s × 87,600 = 1,460 h = $105.85). A launch that ended inside the horizon (20 s, billed
/// 60 s) recurs in the month with its minimum: 87,600 × 60 s = 1,460 h more, 2,190 h in all =
/// 3 × $52.925.
#[test]
fn the_monthly_projection_scales_time_not_minimums() {
    use scalesim_core::billing::Period;
    use scalesim_core::offering::ec2::{self, Ec2Billing};

    let billing = Ec2Billing::list("c7g.large", false);
    let running = instance_runs(&[30], 1);
    assert_eq!(
        ec2::invoice(&running, &[], &billing, Period::horizon(30.0)).lines[0].quantity,
        60.0 / 3_600.0
    );
    let month = ec2::invoice(&running, &[], &billing, Period::monthly(30.0));
    assert!((month.lines[0].quantity - 730.0).abs() < 1e-9);
    assert!(
        (month.total_usd - 52.925).abs() < 1e-9,
        "{}",
        month.total_usd
    );
    let with_a_short_launch = instance_runs(&[20, 30], 1);
    let month = ec2::invoice(&with_a_short_launch, &[], &billing, Period::monthly(30.0));
    assert!((month.lines[0].quantity - 3.0 * 730.0).abs() < 1e-9);
    assert!(
        (month.total_usd - 3.0 * 52.925).abs() < 1e-9,
        "{}",
        month.total_usd
    );
}

/// The same rule through the fleet model: 1 instance, then a traffic step makes target tracking
/// launch more, which boot in 10 s and are retired by scale-in later; every launch is billed at
/// least 60 s and exactly its life beyond that.
#[test]
fn scaled_instances_are_billed_launch_to_termination() {
    let r = run(&scenario(
        r#"
name = "launches"
seed = 5
horizon = "40m"
[traffic]
arrivals = { process = "steps", steps = [{ at = "0s", rate_per_s = 5 }, { at = "5m", rate_per_s = 60 }, { at = "10m", rate_per_s = 5 }] }
[traffic.request]
duration = { dist = "constant", ms = 100 }
cpu_fraction = 0.1
[[variant]]
name = "ec2"
platform = "ec2"
instance_type = "m7g.large"
slots = 8
load_balancer = false
boot_time = { dist = "constant", ms = 10000 }
autoscaling = { policy = "target_tracking", predefined_metric_type = "ALBRequestCountPerTarget", target_value = 600, min_size = 1, max_size = 10, instance_warmup = "60s" }
"#,
    ));
    let v = &r.variants[0];
    let acts = &v.scaling_activities;
    assert!(acts.len() >= 2, "{acts:?}");
    assert!(acts[0].to > acts[0].from && acts.last().unwrap().to < acts.last().unwrap().from);
    // Billed seconds = Σ max(60, ceil(life)), whole seconds (the line states them as hours);
    // lives sum to mean_instances × horizon.
    let billed = (v.cost.lines[0].quantity * 3_600.0).round();
    let lived = v.capacity.mean_instances * 2_400.0;
    assert!(billed >= lived && billed >= 60.0 * (1 + acts[0].to - acts[0].from) as f64);
    close(v.cost.total_usd, billed * 0.0816 / 3_600.0);
}

/// AWS's own ALB pricing example (aws.amazon.com/elasticloadbalancing/pricing/, us-east-1;
/// the case `alb-lcu-example.toml`): 1 new connection per second, each open 2 minutes and
/// carrying 5 requests (5 requests per second), 60 KB per request and response together,
/// 60 listener rules. Over one hour, 18,000 requests (even arrivals at 0, 0.2, … 3,599.8 s):
/// - new connections: 18,000 / 5 = 3,600 in the hour = 1 per second → 1 / 25 = 0.04 LCU;
/// - active connections: 3,600 × 120 s / 3,600 s = 120 → 120 / 3,000 = 0.04 LCU;
/// - processed bytes: 18,000 × 60,000 B = 1.08 GB → 1.08 / 1 = 1.08 LCU;
/// - rule evaluations: 5/s × (60 − 10 free) = 250/s → 250 / 1,000 = 0.25 LCU.
///
/// The largest is 1.08 LCU; the hour costs $0.0225 + 1.08 × $0.008 = $0.03114.
const ALB_EXAMPLE: &str = r#"
name = "alb-lcu-example"
horizon = "1h"
seed = 1

[traffic]
arrivals = { process = "even", rate_per_s = 5 }

[traffic.request]
duration = { dist = "constant", ms = 20 }
cpu_fraction = 0.5
memory_mb = 64
request_bytes = 10000
response_bytes = 50000

[[variant]]
name = "ec2-behind-alb"
platform = "ec2"
instance_type = "m7g.large"
count = 1
slots = 16
load_balancer = { rules = 60, requests_per_connection = 5, connection_duration = "2m" }
"#;

#[test]
fn alb_lcus_follow_aws_worked_example() {
    // The case file, as shipped in tests/fixtures, is the same scenario.
    let case = crate::common::manifest_dir().join("tests/fixtures/cases/alb-lcu-example.toml");
    let case = std::fs::read_to_string(case).unwrap();
    assert_eq!(scenario(&case).variants, scenario(ALB_EXAMPLE).variants);
    assert_eq!(scenario(&case).traffic, scenario(ALB_EXAMPLE).traffic);
    let r = run(&scenario(ALB_EXAMPLE));
    let v = variant(&r, "ec2-behind-alb");
    assert_eq!(v.requests.arrived, 18_000);
    let lcu = v.cost.lines.iter().find(|l| l.unit == "LCU-hours").unwrap();
    close(lcu.quantity, 1.08);
    close(lcu.cost_usd, 1.08 * 0.008);
    close(
        v.cost.category_usd(CostCategory::LoadBalancer).unwrap(),
        0.031_14,
    );
}

/// Each dimension can be the largest. 5 requests per second for an hour (18,000), no bytes:
/// - defaults (1 request per connection, connections open 60 s, 1 rule): new connections
///   5/s / 25 = 0.2 LCU; active 18,000 × 60 s / 3,600 s = 300 → 0.1; rules (1 − 10) < 0 → 0.
///   0.2 LCU: $0.0225 + 0.2 × $0.008 = $0.0241;
/// - connections open 10 minutes: active 18,000 × 600 s / 3,600 s = 3,000 → 1.0 LCU (new 0.2):
///   $0.0225 + $0.008 = $0.0305;
/// - 100 rules, 5 requests per connection: rules 5/s × 90 = 450/s → 0.45 LCU (new 1/s → 0.04,
///   active 3,600 × 60 / 3,600 = 60 → 0.02): $0.0225 + 0.45 × $0.008 = $0.0261.
#[test]
fn alb_lcus_take_the_largest_dimension() {
    let variants = [
        ("defaults", "true", 0.024_1),
        (
            "long-connections",
            "{ connection_duration = \"10m\" }",
            0.030_5,
        ),
        (
            "many-rules",
            "{ rules = 100, requests_per_connection = 5 }",
            0.026_1,
        ),
    ];
    let mut text = String::from(
        r#"
name = "alb-dimensions"
horizon = "1h"
[traffic]
arrivals = { process = "even", rate_per_s = 5 }
[traffic.request]
duration = { dist = "constant", ms = 20 }
"#,
    );
    for (name, lb, _) in variants {
        text.push_str(&format!(
            "[[variant]]\nname = \"{name}\"\nplatform = \"ec2\"\ninstance_type = \"m7g.large\"\n\
             count = 1\nslots = 16\nload_balancer = {lb}\n"
        ));
    }
    let r = run(&scenario(&text));
    for (name, _, usd) in variants {
        let v = variant(&r, name);
        close(
            v.cost.category_usd(CostCategory::LoadBalancer).unwrap(),
            usd,
        );
    }
}

/// The load balancer's settings are checked with their location and the allowed range.
#[test]
fn alb_settings_out_of_range_are_refused() {
    for (lb, field, allowed) in [
        ("{ rules = 0 }", "load_balancer.rules", "allowed: 1 to 1000"),
        (
            "{ requests_per_connection = 0.5 }",
            "load_balancer.requests_per_connection",
            "allowed: 1 to 1,000,000",
        ),
        (
            "{ connection_duration = \"0s\" }",
            "load_balancer.connection_duration",
            "at most 7d",
        ),
        ("{ rule = 5 }", "unknown field `rule`", "rules"),
    ] {
        let text = ALB_EXAMPLE.replace(
            "{ rules = 60, requests_per_connection = 5, connection_duration = \"2m\" }",
            lb,
        );
        let err = scalesim_core::scenario::parse(&text, "alb.toml")
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains(field), "{err}");
        assert!(err.contains(allowed), "{err}");
    }
}

/// Instance runs `(launch, end, running at the end)` in hours.
fn runs_in_hours(runs: &[(f64, f64, bool)]) -> scalesim_core::usage::Instances {
    scalesim_core::usage::Instances {
        runs: runs
            .iter()
            .map(|&(a, b, running)| scalesim_core::usage::InstanceRun {
                launch_us: (a * 3_600e6) as u64,
                end_us: (b * 3_600e6) as u64,
                running_at_end: running,
                interrupted: false,
            })
            .collect(),
        requests_by_hour: Vec::new(),
    }
}

/// m7g.large at its list price with `purchase` at the book's rate (us-east-1).
fn bought(
    purchase: scalesim_core::billing::purchase::Purchase,
) -> scalesim_core::offering::ec2::Ec2Billing {
    use scalesim_core::billing::book::list_price;
    use scalesim_core::billing::purchase::Bought;
    use scalesim_core::offering::ec2::{Ec2Billing, purchase_rate_id};
    let rate = purchase_rate_id(&purchase).map(|id| list_price("aws", "us-east-1", &id));
    Ec2Billing {
        bought: Bought {
            purchase,
            rate,
            words: scalesim_core::billing::purchase::Words::AWS,
        },
        ..Ec2Billing::list("m7g.large", false)
    }
}

/// Two m7g.large reserved for 1 year, no upfront (the book's rate: 0.63 of on-demand, $0.0816
/// × 0.63 = $0.051408 an hour), over 3 hours of a fleet: A runs 0–3 h (still running), B
/// 1–2 h, C 1–1.5 h. Usage per hour: 1, 2.5, 1 instance-hours (4.5 in all, each run longer
/// than the 60 s minimum).
/// - the reservation covers min(usage, 2) each hour: 1 + 2 + 1 = 4 instance-hours; of its
///   2 × 3 = 6 hours, 2 go unused and are paid all the same;
/// - fee: 6 × $0.051408 = $0.308448; covered: 4 at $0; on demand beyond it: 0.5 × $0.0816 =
///   $0.0408; total $0.349248 (on demand alone: 4.5 × $0.0816 = $0.3672).
#[test]
fn a_reservation_covers_part_of_the_hours_and_its_unused_hours_are_paid() {
    use scalesim_core::billing::Period;
    use scalesim_core::billing::purchase::{Payment, Purchase, Term};
    use scalesim_core::offering::ec2;

    let usage = runs_in_hours(&[(0.0, 3.0, true), (1.0, 2.0, false), (1.0, 1.5, false)]);
    let billing = bought(Purchase::Reserved {
        count: 2,
        term: Term::OneYear,
        payment: Payment::NoUpfront,
    });
    let bill = ec2::invoice(&usage, &[], &billing, Period::horizon(3.0 * 3_600.0));
    let got: Vec<(f64, f64)> = bill
        .lines
        .iter()
        .map(|l| (l.quantity, l.unit_price_usd))
        .collect();
    assert_eq!(got[0], (6.0, 0.0816 * 0.63));
    assert!((got[1].0 - 4.0).abs() < 1e-9 && got[1].1 == 0.0);
    assert!((got[2].0 - 0.5).abs() < 1e-9 && got[2].1 == 0.0816);
    assert!(
        bill.lines[0]
            .item
            .contains("2 reserved × 3 h (66.7 % used)")
    );
    close(bill.lines[0].cost_usd, 0.308_448);
    close(bill.total_usd, 0.349_248);
}

/// A Compute Savings Plan of $0.20 an hour over one hour with two m7g.large running (EC2 on
/// demand: 2 × $0.0816 = $0.1632; the plan's rate for EC2 0.682 of it, 31.8 % off) and
/// Lambda duration worth $0.30 on demand (the plan's rate 0.88, 12 % off), applied as AWS
/// applies it, highest discount first:
/// - EC2 first: it costs the plan 0.682 × $0.1632 = $0.1113024, covered whole;
/// - the $0.0886976 left covers $0.0886976 / 0.88 = $0.100792727… of Lambda's $0.30;
/// - Lambda's other $0.199207273 is billed on demand; nothing of the plan is left unused;
/// - the hour costs $0.20 + $0.199207273 = $0.399207273 (on demand: $0.4632).
#[test]
fn a_compute_savings_plan_covers_ec2_then_lambda_in_the_same_hour() {
    use scalesim_core::billing::book::list_price;
    use scalesim_core::billing::purchase::{PlanUsage, savings_plan_hour};

    let ratio = |id| list_price("aws", "us-east-1", id).usd();
    let ec2 = PlanUsage {
        on_demand_usd: 2.0 * list_price("aws", "us-east-1", "ec2.m7g.large").usd(),
        rate_ratio: ratio("savings_plan.compute.1y.no_upfront.ec2"),
    };
    let lambda = PlanUsage {
        on_demand_usd: 0.30,
        rate_ratio: ratio("savings_plan.compute.1y.no_upfront.lambda"),
    };
    assert_eq!((ec2.rate_ratio, lambda.rate_ratio), (0.682, 0.88));
    // Lambda listed first: the order is the discount's, not the list's.
    let (covered, unused) = savings_plan_hour(0.20, &[lambda, ec2]);
    close(covered[1], 0.1632);
    close(covered[0], 0.088_697_6 / 0.88);
    close(unused, 0.0);
    let bill = 0.20 + (lambda.on_demand_usd - covered[0]) + (ec2.on_demand_usd - covered[1]);
    close(bill, 0.399_207_272_727);
}

/// The same plan ($0.20/h, EC2 at 0.682) over a fleet of m7g.large whose usage is 1 instance in
/// hour 1 and 4 in hour 2:
/// - hour 1: $0.0816 on demand costs the plan $0.0556512: covered whole, $0.1443488 unused;
/// - hour 2: $0.3264 on demand would cost the plan $0.2226048; the $0.20 covers $0.20 / 0.682 =
///   $0.293255132 of it, i.e. ÷ $0.0816 = 3.593812892 instance-hours;
/// - covered 1 + 3.593812892 = 4.593812892 instance-hours at $0; on demand 5 − 4.593812892 =
///   0.406187108 × $0.0816 = $0.033144868; the commitment 2 h × $0.20 = $0.40; total
///   $0.433144868 (on demand alone: 5 × $0.0816 = $0.408 — this plan is too large for this
///   fleet).
#[test]
fn a_savings_plan_over_a_fleet_hour_by_hour() {
    use scalesim_core::billing::Period;
    use scalesim_core::billing::purchase::{Payment, PlanKind, Purchase, Term};
    use scalesim_core::offering::ec2;

    let usage = runs_in_hours(&[
        (0.0, 2.0, true),
        (1.0, 2.0, true),
        (1.0, 2.0, true),
        (1.0, 2.0, true),
    ]);
    let billing = bought(Purchase::SavingsPlan {
        kind: PlanKind::Compute,
        commitment_per_hour: 0.20,
        term: Term::OneYear,
        payment: Payment::NoUpfront,
    });
    let bill = ec2::invoice(&usage, &[], &billing, Period::horizon(2.0 * 3_600.0));
    let covered = 1.0 + 0.20 / 0.682 / 0.0816;
    assert_eq!(
        (bill.lines[0].quantity, bill.lines[0].unit_price_usd),
        (2.0, 0.20)
    );
    close(bill.lines[1].quantity, covered);
    close(bill.lines[2].quantity, 5.0 - covered);
    close(bill.total_usd, 0.40 + (5.0 - covered) * 0.0816);
    close(bill.total_usd, 0.433_144_868_035);
}

/// One m7g.large running the whole of a 366-day horizon (8,784 h), reserved for 1 year, no
/// upfront (0.63 × $0.0816 = $0.051408 an hour). A 1-year term is 8,760 h (31,536,000 s), so
/// the reservation is over 24 h before the horizon:
/// - fee: 8,760 h × $0.051408 = $450.33408 (not 8,784 h);
/// - covered: the first 8,760 instance-hours at $0;
/// - on demand, beyond it: the last 24 h × $0.0816 = $1.9584;
/// - total $452.29248.
///
/// The monthly projection is a month within the term (730 h, each horizon hour counted at
/// 730 / 8,784): fee 730 × $0.051408 = $37.52784, the 730 instance-hours all covered, nothing
/// on demand.
#[test]
fn a_reservation_covers_no_hour_past_its_term() {
    use scalesim_core::billing::Period;
    use scalesim_core::billing::purchase::{Payment, Purchase, Term};
    use scalesim_core::offering::ec2;

    let horizon_h = 366.0 * 24.0;
    let usage = runs_in_hours(&[(0.0, horizon_h, true)]);
    let reserved = |term| {
        bought(Purchase::Reserved {
            count: 1,
            term,
            payment: Payment::NoUpfront,
        })
    };
    let bill = ec2::invoice(
        &usage,
        &[],
        &reserved(Term::OneYear),
        Period::horizon(horizon_h * 3_600.0),
    );
    assert_eq!(bill.lines[0].quantity, 8_760.0);
    assert!(
        bill.lines[0].item.contains("term ends after 8760 h"),
        "{}",
        bill.lines[0].item
    );
    close(bill.lines[0].cost_usd, 450.334_08);
    close(bill.lines[1].quantity, 8_760.0);
    close(bill.lines[2].quantity, 24.0);
    close(bill.lines[2].cost_usd, 1.958_4);
    close(bill.total_usd, 452.292_48);

    let month = ec2::invoice(
        &usage,
        &[],
        &reserved(Term::OneYear),
        Period::monthly(horizon_h * 3_600.0),
    );
    close(month.lines[0].quantity, 730.0);
    close(month.lines[1].quantity, 730.0);
    close(month.lines[2].quantity, 0.0);
    close(month.total_usd, 37.527_84);

    // A 3-year term (26,280 h) outlasts the horizon: the fee is for all its 8,784 hours.
    let bill = ec2::invoice(
        &usage,
        &[],
        &reserved(Term::ThreeYears),
        Period::horizon(horizon_h * 3_600.0),
    );
    assert_eq!(bill.lines[0].quantity, horizon_h);
    close(bill.lines[2].quantity, 0.0);
}

/// The same instance over 366 days under a $0.10/h compute savings plan for 1 year (EC2 at
/// 0.682 of on-demand: an instance-hour costs the plan $0.0556512, covered whole each hour):
/// - commitment: 8,760 h × $0.10 = $876 (the 24 h past the term are not committed);
/// - covered: 8,760 instance-hours; on demand: the last 24 h × $0.0816 = $1.9584;
/// - total $877.9584.
#[test]
fn a_savings_plan_covers_no_hour_past_its_term() {
    use scalesim_core::billing::Period;
    use scalesim_core::billing::purchase::{Payment, PlanKind, Purchase, Term};
    use scalesim_core::offering::ec2;

    let horizon_h = 366.0 * 24.0;
    let usage = runs_in_hours(&[(0.0, horizon_h, true)]);
    let billing = bought(Purchase::SavingsPlan {
        kind: PlanKind::Compute,
        commitment_per_hour: 0.10,
        term: Term::OneYear,
        payment: Payment::NoUpfront,
    });
    let bill = ec2::invoice(&usage, &[], &billing, Period::horizon(horizon_h * 3_600.0));
    assert_eq!(
        (bill.lines[0].quantity, bill.lines[0].unit_price_usd),
        (8_760.0, 0.10)
    );
    assert!((bill.lines[1].quantity - 8_760.0).abs() < 1e-6);
    assert!((bill.lines[2].quantity - 24.0).abs() < 1e-6);
    assert!((bill.total_usd - 877.958_4).abs() < 1e-6);
}

/// Runs in seconds `(launch, end, running at the end)`.
fn runs_in_seconds(runs: &[(u64, u64, bool)]) -> scalesim_core::usage::Instances {
    scalesim_core::usage::Instances {
        runs: runs
            .iter()
            .map(|&(a, b, running)| scalesim_core::usage::InstanceRun {
                launch_us: a * 1_000_000,
                end_us: b * 1_000_000,
                running_at_end: running,
                interrupted: false,
            })
            .collect(),
        requests_by_hour: Vec::new(),
    }
}

/// A 30 s horizon under EC2's 60 s minimum, one m7g.large reserved (1y, no upfront, $0.051408
/// an hour; on demand $0.0816):
/// - one instance running 0–30 s bills 60 s (the minimum). The horizon's one "hour" is 30 s
///   long, so the reservation is 30 s of one instance: fee 30/3,600 h × $0.051408 =
///   $0.0004284; it covers 30 s; the other 30 s of the minimum are on demand: 30/3,600 ×
///   $0.0816 = $0.00068; total $0.0011084. No covered time beyond the 30 s reserved, no
///   negative rest.
/// - two instances: 120 s billed, still 30 s covered, 90 s on demand = $0.00204; total
///   $0.0024684.
/// - its month (k = 2,628,000 / 30 = 87,600): the running instance goes on, 30 s × k = 730 h,
///   its minimum once; 730 h reserved at $0.051408 = $37.52784 cover all of it.
/// - in a 1 h horizon, a run of 10 s (0–10 s, ended) bills 60 s, all in hour 0, where the
///   reservation has 3,600 s: all 60 s covered, nothing on demand; total the fee, 1 h ×
///   $0.051408. (Matched against the unrounded 10 s, 50 s of the minimum went on demand.)
#[test]
fn a_reservation_under_the_minute_minimum() {
    use scalesim_core::billing::Period;
    use scalesim_core::billing::purchase::{Payment, Purchase, Term};
    use scalesim_core::offering::ec2;

    let billing = bought(Purchase::Reserved {
        count: 1,
        term: Term::OneYear,
        payment: Payment::NoUpfront,
    });
    let one = runs_in_seconds(&[(0, 30, true)]);
    let bill = ec2::invoice(&one, &[], &billing, Period::horizon(30.0));
    close(bill.lines[0].quantity, 30.0 / 3_600.0);
    close(bill.lines[0].cost_usd, 0.000_428_4);
    close(bill.lines[1].quantity, 30.0 / 3_600.0);
    close(bill.lines[2].quantity, 30.0 / 3_600.0);
    close(bill.lines[2].cost_usd, 0.000_68);
    close(bill.total_usd, 0.001_108_4);
    assert!(bill.lines.iter().all(|l| l.quantity >= 0.0));

    let two = runs_in_seconds(&[(0, 30, true), (0, 30, true)]);
    let bill = ec2::invoice(&two, &[], &billing, Period::horizon(30.0));
    close(bill.lines[1].quantity, 30.0 / 3_600.0);
    close(bill.lines[2].quantity, 90.0 / 3_600.0);
    close(bill.total_usd, 0.002_468_4);

    let month = ec2::invoice(&one, &[], &billing, Period::monthly(30.0));
    close(month.lines[0].quantity, 730.0);
    close(month.lines[1].quantity, 730.0);
    close(month.lines[2].quantity, 0.0);
    close(month.total_usd, 37.527_84);

    let short = runs_in_seconds(&[(0, 10, false)]);
    let bill = ec2::invoice(&short, &[], &billing, Period::horizon(3_600.0));
    close(bill.lines[1].quantity, 60.0 / 3_600.0);
    close(bill.lines[2].quantity, 0.0);
    close(bill.total_usd, 0.051_408);
}

/// A 1,024 MB (1 GB) x86_64 function in us-east-1, no free tier, 7,000 invocations of 1 s:
/// 3,000 s of duration started in hour 0, 4,000 s in hour 1 (3,000 and 4,000 GB-s), under a
/// compute savings plan of $0.05 an hour (1 year, no upfront: the book's rate for Lambda 0.88
/// of on-demand), over a horizon of 2 hours:
/// - hour 0: 3,000 GB-s × $0.0000166667 = $0.0500001 on demand costs the plan 0.88 × that =
///   $0.044000088: covered whole; $0.005999912 of the hour's $0.05 unused;
/// - hour 1: 4,000 GB-s = $0.0666668 on demand would cost the plan $0.058666784; the $0.05
///   covers $0.05 / 0.88 = $0.056818181818 of it, ÷ $0.0000166667 = 3,409.084090923 GB-s; the
///   other $0.009848618182 (590.915909077 GB-s) is billed on demand;
/// - commitment 2 h × $0.05 = $0.10, used (0.044000088 + 0.05) / 0.10 = 94.0 %;
/// - requests unaffected: 7,000 × $0.0000002 = $0.0014;
/// - total $0.10 + $0.009848618182 + $0.0014 = $0.111248618182 (on demand alone: $0.0500001 +
///   $0.0666668 + $0.0014 = $0.1180669).
///
/// Over a 730-hour month the horizon repeats 365 times: commitment 730 × $0.05 = $36.50,
/// covered (3,000 + 3,409.084090923) × 365 GB-s, beyond 590.915909077 × 365 GB-s ($3.594745636),
/// requests 7,000 × 365 ($0.511): $40.605745636.
#[test]
fn a_compute_savings_plan_covers_lambda_duration_hour_by_hour() {
    use scalesim_core::billing::Period;
    use scalesim_core::billing::book::list_price;
    use scalesim_core::billing::catalog::Arch;
    use scalesim_core::billing::purchase::{Bought, Payment, PlanKind, Purchase, Term};
    use scalesim_core::offering::lambda::{self, LambdaBilling, purchase_rate_id};
    use scalesim_core::usage::{Invocations, Meter};

    let purchase = Purchase::SavingsPlan {
        kind: PlanKind::Compute,
        commitment_per_hour: 0.05,
        term: Term::OneYear,
        payment: Payment::NoUpfront,
    };
    let rate = purchase_rate_id(&purchase).map(|id| list_price("aws", "us-east-1", &id));
    assert_eq!(rate.as_ref().map(|r| r.usd()), Some(0.88));
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
    for (h, seconds) in [(0u64, 3_000u64), (1, 4_000)] {
        for i in 0..seconds {
            usage.record(h * 3_600_000_000 + i * 1_000, 1_000_000, 1_024, 128);
        }
    }
    assert_eq!(
        usage.mb_ms_by_hour,
        [3_000 * 1_000 * 1_024, 4_000 * 1_000 * 1_024]
    );
    let covered = 3_000.0 + 0.05 / 0.88 / 0.000_016_666_7;
    let bill = lambda::invoice(&usage, &billing, Period::horizon(7_200.0));
    let got: Vec<(&str, f64, f64)> = bill
        .lines
        .iter()
        .map(|l| (l.item.as_str(), l.quantity, l.unit_price_usd))
        .collect();
    assert_eq!(got[0], ("Lambda requests", 7_000.0, 0.000_000_2));
    assert_eq!(
        got[1],
        (
            "Compute Savings Plan (1y, no upfront, $0.05/h) commitment (94.0 % used)",
            2.0,
            0.05
        )
    );
    assert_eq!(bill.lines[1].category, CostCategory::Commitment);
    assert_eq!(
        got[2].0,
        "Lambda duration incl. INIT (x86_64, 1024 MB), covered by the savings plan"
    );
    close(got[2].1, covered);
    assert_eq!(got[2].2, 0.0);
    assert_eq!(
        got[3].0,
        "Lambda duration incl. INIT (x86_64, 1024 MB), beyond the savings plan, first 6 B \
         GB-s/month"
    );
    close(got[3].1, 590.915_909_077);
    assert_eq!(got.len(), 4);
    close(bill.category_usd(CostCategory::Requests).unwrap(), 0.001_4);
    close(
        bill.category_usd(CostCategory::Compute).unwrap(),
        0.009_848_618_182,
    );
    close(bill.total_usd, 0.111_248_618_182);

    let month = lambda::invoice(&usage, &billing, Period::monthly(7_200.0));
    close(month.lines[1].cost_usd, 36.5);
    assert!((month.lines[2].quantity - covered * 365.0).abs() < 1e-6);
    assert!((month.total_usd - 40.605_745_636).abs() < 1e-8);
}

/// The same plan applied by a run: two invocations of 1 s (no INIT) on 1,024 MB, at 0 s and at
/// 3,700 s (hour 1), horizon 2 h, a commitment of $0.00001 an hour:
/// - each hour: 1 GB-s = $0.0000166667 on demand would cost the plan $0.000014666696; the
///   $0.00001 covers $0.00001 / 0.88 = $0.0000113636… of it, 0.681816818 GB-s;
/// - covered 2 × 0.681816818 = 1.363633636 GB-s; beyond 2 − that = 0.636366364 GB-s
///   ($0.000010606060…);
/// - commitment 2 × $0.00001; requests 2 × $0.0000002: total $0.000031006127.
#[test]
fn a_lambda_variant_takes_a_compute_savings_plan() {
    let text = r#"
name = "lambda-plan"
seed = 1
horizon = "2h"
[traffic]
arrivals = { process = "list", at_s = [0.0, 3700.0] }
[traffic.request]
duration = { dist = "constant", ms = 1000 }
cpu_fraction = 0.0

[[variant]]
name = "lambda"
platform = "lambda"
memory_mb = 1024
cold_start = { dist = "constant", ms = 0 }
purchase = { option = "savings_plan", kind = "compute", commitment_per_hour = 0.00001 }
"#;
    let r = run(&scenario(text));
    let v = variant(&r, "lambda");
    assert!(
        v.description
            .contains(", compute Savings Plan (1y, no upfront, $0.00001/h)"),
        "{}",
        v.description
    );
    let each = 0.000_01 / 0.88 / 0.000_016_666_7;
    close(v.cost.lines[2].quantity, 2.0 * each);
    close(v.cost.lines[3].quantity, 2.0 - 2.0 * each);
    close(
        v.cost.category_usd(CostCategory::Requests).unwrap(),
        0.000_000_4,
    );
    close(v.cost.total_usd, 0.000_031_006_127);
}

/// A Lambda variant refuses an EC2 Instance Savings Plan, at `purchase.kind`, and a term and
/// payment the book has no Lambda rate for (only 1y and 3y no upfront), listing those it has.
#[test]
fn a_lambda_savings_plan_must_be_a_compute_plan_the_book_prices() {
    let text = |purchase: &str| {
        format!(
            r#"
name = "lambda-plan"
horizon = "1h"
[traffic]
arrivals = {{ process = "poisson", rate_per_s = 1.0 }}
[traffic.request]
duration = {{ dist = "constant", ms = 100 }}

[[variant]]
name = "lambda"
platform = "lambda"
memory_mb = 1024
runtime = "python"
purchase = {purchase}
"#
        )
    };
    let err = scalesim_core::scenario::parse(
        &text(r#"{ option = "savings_plan", kind = "ec2_instance", commitment_per_hour = 1.0 }"#),
        "test.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("purchase.kind"), "{err}");
    assert!(err.contains("ec2_instance"), "{err}");
    assert!(err.contains("one EC2 instance family"), "{err}");
    assert!(err.contains("kind = \"compute\""), "{err}");
    let err = scalesim_core::scenario::parse(
        &text(r#"{ option = "savings_plan", commitment_per_hour = 1.0, payment = "all_upfront" }"#),
        "test.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("savings_plan.compute.1y.all_upfront.lambda"),
        "{err}"
    );
    assert!(
        err.contains(
            "savings_plan.compute.1y.no_upfront.lambda, savings_plan.compute.3y.no_upfront.lambda"
        ),
        "{err}"
    );
    let err = scalesim_core::scenario::parse(&text(r#"{ option = "spot" }"#), "test.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("allowed: on_demand, savings_plan"), "{err}");
}
