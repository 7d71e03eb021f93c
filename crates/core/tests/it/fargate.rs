//! AWS Fargate behind an ECS service (`platform = "fargate"`): each bill worked out by hand
//! from AWS's price book (us-east-1), and the task-size table's checks.
//!
//! Prices used (crates/core/prices/aws.toml): Fargate x86_64 $0.04048 per vCPU-hour and
//! $0.004445 per GB-hour; arm64 $0.03238 and $0.00356; Fargate Spot (x86_64) $0.01264355 and
//! $0.00138835; the 1-year no-upfront Compute Savings Plan for Fargate at 0.8 of on-demand; the
//! ALB $0.0225 an hour. A task is billed per second, one minute at least, from its launch to
//! its termination (or the horizon).

use scalesim_core::billing::book::PriceChanges;
use scalesim_core::offering::presets_text;

use crate::common::{run, run_one, scenario};

fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 1e-9 * expected.abs().max(1.0),
        "{actual} is not {expected}"
    );
}

/// A service of `count` Fargate tasks for `horizon`, one small request a minute, no load
/// balancer unless `extra` says so.
fn service(horizon: &str, extra: &str) -> String {
    format!(
        r#"
name = "fargate"
horizon = "{horizon}"
interval = "10m"
[traffic]
arrivals = {{ process = "even", rate_per_s = 0.0166 }}
[traffic.request]
duration = {{ dist = "constant", ms = 10 }}
cpu_fraction = 0.0
[[variant]]
name = "fargate"
platform = "fargate"
slots = 4
{extra}
"#
    )
}

/// The invoice's lines as (item, quantity, unit, unit price).
fn lines(v: &scalesim_core::results::VariantReport) -> Vec<(String, f64, String, f64)> {
    v.cost
        .lines
        .iter()
        .map(|l| (l.item.clone(), l.quantity, l.unit.clone(), l.unit_price_usd))
        .collect()
}

/// A fixed service of 2 tasks of 1 vCPU and 2 GB (x86_64) for one hour, no load balancer:
/// 2 tasks × 3,600 s = 7,200 task-seconds = 2 task-hours;
/// - vCPU: 2 task-hours × 1 vCPU = 2 vCPU-hours × $0.04048 = $0.08096;
/// - memory: 2 task-hours × 2 GB = 4 GB-hours × $0.004445 = $0.01778;
/// - total 2 × (1 × $0.04048 + 2 × $0.004445) = 2 × $0.04937 = $0.09874.
///
/// The monthly projection (730 h) runs both tasks all month: 1,460 task-hours, 1,460 vCPU-hours
/// × $0.04048 = $59.1008 and 2,920 GB-hours × $0.004445 = $12.9794: $72.0802.
#[test]
fn a_fixed_service_of_two_tasks_for_an_hour() {
    let v = run_one(&service(
        "1h",
        "cpu = 1\nmemory_mb = 2048\ncount = 2\nload_balancer = false",
    ));
    let l = lines(&v);
    assert_eq!(l.len(), 2, "{l:?}");
    assert_eq!(l[0].0, "Fargate vCPU (x86_64, 1 vCPU per task)");
    assert_eq!(l[0].2, "vCPU-hours");
    close(l[0].1, 2.0);
    close(l[0].3, 0.040_48);
    assert_eq!(l[1].0, "Fargate memory (x86_64, 2 GB per task)");
    assert_eq!(l[1].2, "GB-hours");
    close(l[1].1, 4.0);
    close(l[1].3, 0.004_445);
    close(v.cost.total_usd, 0.098_74);
    close(v.projection_monthly.total_usd, 72.080_2);
    assert_eq!(v.platform, "fargate");
    assert_eq!(v.family, scalesim_core::platform::PlatformFamily::Fleet);
    assert!(
        v.description
            .starts_with("2 × Fargate task (1 vCPU, 2 GB, x86_64), 4 slots each"),
        "{}",
        v.description
    );
}

/// A task that a scale-out launches and a scale-in stops 40 s later is billed a minute.
///
/// Target tracking on ALBRequestCountPerTarget, target 5 requests per 10 s period, one
/// datapoint to scale either way, no warm-up; tasks take 35 s to start. Ten requests arrive at
/// 0, 1, …, 9 s, then none:
/// - at 10 s the period [0, 10) had 10 requests on 1 task: 10 > 5, desired ceil(1 × 10 / 5) = 2;
///   task 1 launches at 10 s and serves from 45 s;
/// - the periods from 10 s on have no requests (0 < 0.9 × 5), but no scale-in while a task is
///   starting: at 20, 30 and 40 s the policy holds;
/// - at 50 s: desired ceil(2 × 0 / 5) = 0, held at min_size 1; the in-service task with the
///   fewest requests (the newest on ties), task 1, goes at once (nothing in flight). It ran
///   10 → 50 s = 40 s, billed 60 s.
///
/// Task 0 runs the whole 120 s horizon. 120 + 60 = 180 task-seconds (not 160) of 1 vCPU and
/// 2 GB: 180 × 1 / 3,600 = 0.05 vCPU-hours × $0.04048 = $0.002024, and 180 × 2 / 3,600 = 0.1
/// GB-hours × $0.004445 = $0.0004445: $0.0024685.
#[test]
fn a_task_under_one_minute_is_billed_one_minute() {
    let v = run_one(
        r#"
name = "short-task"
horizon = "120s"
interval = "10s"
[traffic]
arrivals = { process = "list", at_s = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }
[traffic.request]
duration = { dist = "constant", ms = 10 }
cpu_fraction = 0.0
[[variant]]
name = "fargate"
platform = "fargate"
cpu = 1
memory_mb = 2048
slots = 4
load_balancer = false
boot_time = { dist = "constant", ms = 35000 }
[variant.autoscaling]
policy = "target_tracking"
period = "10s"
min_size = 1
max_size = 4
predefined_metric_type = "ALBRequestCountPerTarget"
target_value = 5
instance_warmup = "0s"
scale_out_datapoints = 1
scale_in_datapoints = 1
"#,
    );
    let acts: Vec<(f64, u32, u32)> = v
        .scaling_activities
        .iter()
        .map(|a| (a.at_s, a.from, a.to))
        .collect();
    assert_eq!(
        acts,
        [(10.0, 1, 2), (50.0, 2, 1)],
        "{:?}",
        v.scaling_activities
    );
    let l = lines(&v);
    close(l[0].1, 180.0 / 3_600.0);
    close(l[1].1, 2.0 * 180.0 / 3_600.0);
    close(v.cost.total_usd, 0.002_468_5);
    assert_eq!(v.requests.completed, 10);
}

/// One task of 1 vCPU and 2 GB on Fargate Spot for an hour, interrupted at 1,001 s with
/// Fargate's two-minute warning (the default notice), its replacement starting in 20 s:
/// - task 0 runs 0 → 1,001 + 120 = 1,121 s and is billed every second of it (Fargate Spot
///   has no unbilled first hour, unlike an EC2 Spot Instance interrupted by EC2);
/// - task 1 launches at the warning, 1,001 s, and runs to the horizon: 2,599 s;
/// - 3,720 task-seconds at Fargate Spot's rates: 3,720 / 3,600 vCPU-hours × $0.01264355 =
///   $0.0130650017, and 7,440 / 3,600 GB-hours × $0.00138835 = $0.0028692567: $0.0159342583.
#[test]
fn fargate_spot_rates_and_an_interruption_billed_to_the_second() {
    let v = run_one(&service(
        "1h",
        "cpu = 1\nmemory_mb = 2048\ncount = 1\nload_balancer = false\n\
         queue_timeout = \"never\"\nboot_time = { dist = \"constant\", ms = 20000 }\n\
         purchase = { option = \"spot\", interruptions_at = [\"1001s\"] }",
    ));
    let l = lines(&v);
    assert_eq!(l.len(), 2, "{l:?}");
    assert_eq!(l[0].0, "Fargate Spot vCPU (x86_64, 1 vCPU per task)");
    close(l[0].1, 3_720.0 / 3_600.0);
    close(l[0].3, 0.012_643_55);
    assert_eq!(l[1].0, "Fargate Spot memory (x86_64, 2 GB per task)");
    close(l[1].1, 7_440.0 / 3_600.0);
    close(l[1].3, 0.001_388_35);
    close(v.cost.total_usd, 0.015_934_258_333_333_333);
    assert_eq!(v.interruptions, 1);
    let acts: Vec<(f64, &str)> = v
        .scaling_activities
        .iter()
        .map(|a| (a.at_s, a.reason.as_str()))
        .collect();
    assert_eq!(acts.len(), 2, "{acts:?}");
    assert_eq!(acts[0].0, 1_001.0);
    assert!(acts[0].1.contains("terminates in 2m"), "{acts:?}");
    assert_eq!(acts[1].0, 1_121.0);
    let c = v.requests;
    assert_eq!(c.timed_out, 0);
    assert_eq!(c.completed + c.in_flight_at_end, c.arrived);
}

/// One arm64 task of 0.5 vCPU and 1 GB for 2 hours: 2 task-hours, 1 vCPU-hour × $0.03238 and
/// 2 GB-hours × $0.00356 = $0.00712: $0.0395 (x86_64 would be $0.02024 + $0.00889 =
/// $0.02913 an hour, $0.05826 for the two).
#[test]
fn arm64_tasks_pay_the_graviton_rates() {
    let v = run_one(&service(
        "2h",
        "cpu = 0.5\nmemory_mb = 1024\narchitecture = \"arm64\"\ncount = 1\nload_balancer = false",
    ));
    let l = lines(&v);
    assert_eq!(l[0].0, "Fargate vCPU (arm64, 0.5 vCPU per task)");
    close(l[0].1, 1.0);
    close(l[0].3, 0.032_38);
    assert_eq!(l[1].0, "Fargate memory (arm64, 1 GB per task)");
    close(l[1].1, 2.0);
    close(l[1].3, 0.003_56);
    close(v.cost.total_usd, 0.039_5);
}

/// One task of 1 vCPU and 2 GB for an hour under a 1-year no-upfront Compute Savings Plan of
/// $0.02 an hour at 0.8 of on-demand. The task-hour costs $0.04048 + 2 × $0.004445 = $0.04937
/// on demand; the plan's $0.02 pays for $0.02 / 0.8 = $0.025 of it, 0.025 / 0.04937 =
/// 0.5063804 task-hours, at $0; the other 0.4936196 task-hours are billed on demand as
/// 0.4936196 vCPU-hours and 0.9872392 GB-hours. Total $0.02 + 0.4936196 × $0.04937 =
/// $0.02 + $0.02437 = $0.04437.
#[test]
fn a_compute_savings_plan_covers_fargate_hour_by_hour() {
    let v = run_one(&service(
        "1h",
        "cpu = 1\nmemory_mb = 2048\ncount = 1\nload_balancer = false\n\
         purchase = { option = \"savings_plan\", commitment_per_hour = 0.02 }",
    ));
    let l = lines(&v);
    assert_eq!(l.len(), 4, "{l:?}");
    assert!(l[0].0.starts_with("Compute Savings Plan"), "{l:?}");
    close(l[0].1 * l[0].3, 0.02);
    assert_eq!(l[1].2, "task-hours");
    close(l[1].1, 0.025 / 0.049_37);
    close(l[1].3, 0.0);
    assert_eq!(
        l[2].0,
        "Fargate vCPU (x86_64, 1 vCPU per task), beyond the savings plan"
    );
    close(l[2].1, 1.0 - 0.025 / 0.049_37);
    close(l[3].1, 2.0 * (1.0 - 0.025 / 0.049_37));
    close(v.cost.total_usd, 0.044_37);
}

/// The ALB in front of a Fargate service is EC2's: the same hours and LCU-hours for the same
/// traffic.
#[test]
fn the_load_balancer_is_billed_as_on_ec2() {
    let text = service("3h", "cpu = 0.25\nmemory_mb = 512\ncount = 2")
        + "[[variant]]\nname = \"ec2\"\nplatform = \"ec2\"\ninstance_type = \"m7g.large\"\n\
           count = 2\nslots = 4\n";
    let r = run(&scenario(&text));
    let alb = |i: usize| -> Vec<(String, f64, f64)> {
        r.variants[i]
            .cost
            .lines
            .iter()
            .filter(|l| l.item.starts_with("Application Load Balancer"))
            .map(|l| (l.item.clone(), l.quantity, l.cost_usd))
            .collect()
    };
    let (fargate, ec2) = (alb(0), alb(1));
    assert_eq!(fargate.len(), 2, "{fargate:?}");
    assert_eq!(fargate, ec2);
    // 3 ALB-hours × $0.0225.
    close(fargate[0].1, 3.0);
    close(fargate[0].2, 0.067_5);
    assert!(r.variants[0].description.ends_with("+ ALB"));
}

/// Invalid task sizes, and what ECS services do not have, are refused at the field with what
/// is allowed.
#[test]
fn invalid_task_sizes_are_refused_with_the_allowed_values() {
    let err = |extra: &str| {
        scalesim_core::scenario::parse(&service("1h", extra), "fargate.toml")
            .err()
            .unwrap_or_else(|| panic!("{extra} was accepted"))
            .to_string()
    };
    let e = err("cpu = 0.25\nmemory_mb = 3000\ncount = 1");
    assert!(e.contains("memory_mb"), "{e}");
    assert!(
        e.contains("memory_mb = 3000 is not a Fargate task size with cpu = 0.25"),
        "{e}"
    );
    assert!(
        e.contains("allowed with cpu = 0.25: 512, 1024 or 2048 MB"),
        "{e}"
    );
    // A value of another row says which cpu takes it.
    let e = err("cpu = 0.25\nmemory_mb = 4096\ncount = 1");
    assert!(e.contains("4096 MB goes with cpu = 0.5 or 1 or 2"), "{e}");
    // The long rows are ranges.
    let e = err("cpu = 8\nmemory_mb = 20000\ncount = 1");
    assert!(e.contains("16384 to 61440 in steps of 4096 MB"), "{e}");
    // cpu is in vCPU; AWS's CPU units are recognised.
    let e = err("cpu = 256\nmemory_mb = 512\ncount = 1");
    assert!(e.contains("256 CPU units are cpu = 0.25"), "{e}");
    assert!(e.contains("0.25, 0.5, 1, 2, 4, 8, 16"), "{e}");
    let e = err("cpu = 0.25\nmemory_mb = 512\ncount = 1\narchitecture = \"arm\"");
    assert!(e.contains("\"x86_64\" (default) or \"arm64\""), "{e}");
    let e = err(
        "cpu = 0.25\nmemory_mb = 512\ncount = 1\narchitecture = \"arm64\"\n\
         purchase = { option = \"spot\" }",
    );
    assert!(e.contains("Fargate Spot does not run arm64 tasks"), "{e}");
    let e = err(
        "cpu = 0.25\nmemory_mb = 512\ncount = 1\npurchase = { option = \"spot\", price_ratio = 0.3 }",
    );
    assert!(
        e.contains("`price_ratio` does not apply to Fargate Spot"),
        "{e}"
    );
    let e = err(
        "cpu = 0.25\nmemory_mb = 512\ncount = 1\npurchase = { option = \"reserved\", count = 1 }",
    );
    assert!(e.contains("allowed: on_demand, savings_plan, spot"), "{e}");
    // A fleet's machine type is not a Fargate field.
    let e = err("cpu = 0.25\nmemory_mb = 512\ncount = 1\ninstance_type = \"m7g.large\"");
    assert!(e.contains("`instance_type` does not apply"), "{e}");
    // Application Auto Scaling has no simple scaling; its CPU metric is the service's.
    let policy = |p: &str| {
        format!(
            "cpu = 0.25\nmemory_mb = 512\n[variant.autoscaling]\n{p}\nmin_size = 1\nmax_size = 4\n\
             predefined_metric_type = \"ASGAverageCPUUtilization\"\nscale_out = {{ threshold = 70, \
             scaling_adjustment = 1 }}"
        )
    };
    let e = err(&policy("policy = \"simple\""));
    assert!(e.contains("does not scale by simple scaling"), "{e}");
    let e = err(
        "cpu = 0.25\nmemory_mb = 512\n[variant.autoscaling]\npolicy = \"target_tracking\"\n\
         min_size = 1\nmax_size = 4\npredefined_metric_type = \"ASGAverageCPUUtilization\"\n\
         target_value = 50",
    );
    assert!(e.contains("ECSServiceAverageCPUUtilization"), "{e}");
    // ...which an EC2 fleet does not take.
    let ec2 = service("1h", "").replace(
        "platform = \"fargate\"",
        "platform = \"ec2\"\ninstance_type = \"m7g.large\"",
    ) + "[variant.autoscaling]\npolicy = \"target_tracking\"\nmin_size = 1\nmax_size = 4\n\
           predefined_metric_type = \"ECSServiceAverageCPUUtilization\"\ntarget_value = 50\n";
    let e = scalesim_core::scenario::parse(&ec2, "ec2.toml")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("ASGAverageCPUUtilization"), "{e}");
}

/// A service scaled on its tasks' CPU under ECS's metric name runs, and `scalesim presets`
/// lists the task sizes.
#[test]
fn target_tracking_on_the_service_cpu_and_the_presets() {
    let v = run_one(&service(
        "1h",
        "cpu = 0.25\nmemory_mb = 512\n[variant.autoscaling]\npolicy = \"target_tracking\"\n\
         min_size = 1\nmax_size = 4\npredefined_metric_type = \"ECSServiceAverageCPUUtilization\"\n\
         target_value = 50",
    ));
    assert!(
        v.description.contains("1–4 × Fargate task"),
        "{}",
        v.description
    );
    let text = presets_text(Some("aws"), None, &PriceChanges::default()).unwrap();
    assert!(text.contains("Fargate (platform = \"fargate\")"), "{text}");
    assert!(
        text.contains("cpu = 0.25  memory_mb = 512, 1024 or 2048"),
        "{text}"
    );
    assert!(
        text.contains("cpu = 16    memory_mb = 32768 to 122880 in steps of 8192"),
        "{text}"
    );
}
