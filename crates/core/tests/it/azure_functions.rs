//! Azure Functions' bills worked out by hand — the Consumption plan (each execution on its own:
//! observed memory in 128 MB steps × time in 1 ms steps, at least 100 ms), the Flex Consumption
//! plan (an instance's memory while it executes, each active period at least 1 s then in
//! 100 ms steps; always-ready instances' baseline), the free grants — and the plans' fields
//! refused where they do not belong.
//!
//! Prices (the Azure book, eastus): Consumption $0.000016 per GB-s and $0.0000002 per execution
//! (400,000 GB-s and 1 M executions free a month); Flex on demand $0.000026 per GB-s and
//! $0.0000004 per execution (100,000 GB-s and 250,000 executions free a month), always-ready
//! baseline $0.000004 per GB-s, always-ready execution time $0.000016 per GB-s. 1 GB = 1,024 MB.

use crate::common::{close, run, scenario, variant};
use scalesim_core::billing::{CostCategory, InvoiceLine};
use scalesim_core::results::VariantReport;

/// The lines of `v`'s horizon bill whose item starts with `item`.
fn lines<'a>(v: &'a VariantReport, item: &str) -> Vec<&'a InvoiceLine> {
    v.cost
        .lines
        .iter()
        .filter(|l| l.item.starts_with(item))
        .collect()
}

/// The quantity and cost of those lines, summed.
fn billed(v: &VariantReport, item: &str) -> (f64, f64) {
    let ls = lines(v, item);
    assert!(!ls.is_empty(), "no line {item}: {:#?}", v.cost.lines);
    ls.iter()
        .fold((0.0, 0.0), |(q, c), l| (q + l.quantity, c + l.cost_usd))
}

/// Consumption: four 40 ms executions (all I/O) of 200 MB at 0, 0.01, 0.02 and 20 s; startup
/// 500 ms; horizon 60 s.
const CONSUMPTION: &str = r#"
name = "azure-consumption-bill"
seed = 1
horizon = "60s"
[traffic]
arrivals = { process = "list", at_s = [0.0, 0.01, 0.02, 20.0] }
[traffic.request]
duration = { dist = "constant", ms = 40 }
cpu_fraction = 0.0
memory_mb = 200

[[variant]]
name = "consumption"
platform = "azure_functions"
plan = "consumption"
cold_start = { dist = "constant", ms = 500 }
"#;

/// The request at 0 s finds no instance and starts one (ready at 0.5 s); those at 0.01 and
/// 0.02 s wait for it too (100 executions fit on one instance: no second one): all three are
/// cold starts, and run together 0.5 → 0.54 s on the one instance. The one at 20 s runs at once
/// on it, warm.
///
/// Each execution is billed on its own, not the instance's time: 200 MB observed → 256 MB
/// (⌈200 / 128⌉ × 128), 40 ms → the 100 ms minimum: 256 MB × 100 ms = 25,600 MB·ms each. The
/// three that shared the instance for 40 ms are billed 3 × 100 ms, as the lone one is.
/// - execution time 4 × 25,600 = 102,400 MB·ms = 0.1 GB-s × $0.000016 = $0.0000016;
/// - executions 4 × $0.0000002 = $0.0000008.
///
/// Total $0.0000024.
#[test]
fn consumption_bills_each_execution_in_128_mb_and_100_ms_steps() {
    let r = run(&scenario(CONSUMPTION));
    let v = variant(&r, "consumption");
    assert_eq!(v.requests.completed, 4);
    assert_eq!(v.requests.cold_starts, 3);
    assert_eq!(v.capacity.peak_instances, 1);
    // The first waited 500 ms for the instance and ran 40 ms.
    assert_eq!(v.latency_ms.max_ms, 540.0);
    let (gb_s, cost) = billed(v, "Azure Functions execution time (Consumption");
    close(gb_s, 0.1);
    close(cost, 0.000_001_6);
    let (executions, cost) = billed(v, "Azure Functions executions (Consumption)");
    close(executions, 4.0);
    close(cost, 0.000_000_8);
    close(v.cost.total_usd, 0.000_002_4);
    assert!(
        v.cost
            .lines
            .iter()
            .all(|l| l.category != CostCategory::Commitment)
    );
}

/// Above the minimum the time is rounded to the millisecond and the memory to 128 MB, at most
/// the instance's 1,536 MB: one 150.4 ms execution of 1,500 MB bills 151 ms × 1,536 MB =
/// 231,936 MB·ms = 0.2265 GB-s × $0.000016 = $0.000003624, + $0.0000002 for the execution:
/// $0.000003824.
#[test]
fn consumption_rounds_time_to_the_millisecond_and_memory_up_to_the_instance() {
    let text = CONSUMPTION
        .replace("at_s = [0.0, 0.01, 0.02, 20.0]", "at_s = [1.0]")
        .replace("ms = 40 }", "ms = 150.4 }")
        .replace("memory_mb = 200", "memory_mb = 1500");
    let r = run(&scenario(&text));
    let v = variant(&r, "consumption");
    close(billed(v, "Azure Functions execution time").0, 0.2265);
    close(v.cost.total_usd, 0.000_003_824);
}

/// Three executions of 100 s (all I/O) using 1,536 MB, at 0, 1 and 2 s, over a horizon of
/// 2,628 s: a thousandth of the 730-hour month (2,628,000 s), so the monthly grants are prorated
/// to a thousandth (Consumption: 400 GB-s and 1,000 executions; Flex: 100 GB-s and 250
/// executions). Startup 500 ms.
const GRANT: &str = r#"
name = "azure-free-grant"
seed = 1
horizon = "2628s"
[traffic]
arrivals = { process = "list", at_s = [0.0, 1.0, 2.0] }
[traffic.request]
duration = { dist = "constant", ms = 100000 }
cpu_fraction = 0.0
memory_mb = 1536

[[variant]]
name = "consumption-free"
platform = "azure_functions"
plan = "consumption"
cold_start = { dist = "constant", ms = 500 }
free_tier = true

[[variant]]
name = "consumption-paid"
platform = "azure_functions"
plan = "consumption"
cold_start = { dist = "constant", ms = 500 }

[[variant]]
name = "flex-free"
platform = "azure_functions"
plan = "flex"
cold_start = { dist = "constant", ms = 500 }
free_tier = true

[[variant]]
name = "flex-paid"
platform = "azure_functions"
plan = "flex"
cold_start = { dist = "constant", ms = 500 }
"#;

/// Consumption: 100,000 ms × 1,536 MB = 153,600,000 MB·ms = 150 GB-s per execution, 450 GB-s
/// in all.
/// - Without the grant: 450 × $0.000016 = $0.0072, + 3 × $0.0000002 = $0.0000006: $0.0072006.
/// - With it: 400 GB-s free, 50 × $0.000016 = $0.0008; the 3 executions free: $0.0008.
///
/// Over the month (the horizon's usage × 1,000): 450,000 GB-s, 400,000 free → 50,000 ×
/// $0.000016 = $0.80; 3,000 executions, all free: $0.80.
///
/// Flex, 2,048 MB instances (2 GB), 16 executions each: one instance, started by the request at
/// 0 s, ready at 0.5 s; the three run 0.5 → 100.5, 1 → 101 and 2 → 102 s: one active period
/// 0.5 → 102 s = 101.5 s (its startup not billed), 101.5 × 2 = 203 GB-s.
/// - Without the grant: 203 × $0.000026 = $0.005278, + 3 × $0.0000004 = $0.0000012: $0.0052792.
/// - With it: 100 GB-s free, 103 × $0.000026 = $0.002678; the executions free: $0.002678.
///
/// Over the month: 203,000 GB-s, 100,000 free → 103,000 × $0.000026 = $2.678.
#[test]
fn the_monthly_grants_apply_with_free_tier() {
    let r = run(&scenario(GRANT));
    let free = variant(&r, "consumption-free");
    assert_eq!(free.requests.completed, 3);
    assert_eq!(free.requests.cold_starts, 1);
    close(
        billed(free, "Azure Functions execution time (Consumption").0,
        450.0,
    );
    close(variant(&r, "consumption-paid").cost.total_usd, 0.007_200_6);
    close(free.cost.total_usd, 0.000_8);
    let grant = lines(free, "Azure Functions execution time (Consumption")
        .into_iter()
        .find(|l| l.item.contains("free tier"))
        .expect("a free-tier line");
    close(grant.quantity, 400.0);
    close(grant.cost_usd, 0.0);
    close(free.projection_monthly.total_usd, 0.80);

    let flex = variant(&r, "flex-free");
    assert_eq!(flex.requests.cold_starts, 1);
    close(
        billed(flex, "Azure Functions on-demand execution time").0,
        203.0,
    );
    close(variant(&r, "flex-paid").cost.total_usd, 0.005_279_2);
    close(flex.cost.total_usd, 0.002_678);
    close(flex.projection_monthly.total_usd, 2.678);
}

/// Flex, 2,048 MB instances (2 GB), per_instance_concurrency 2, executions of 900 ms (all I/O)
/// at 0, 0.55, 5, 10.2 (three) and 10.85 s; startup 500 ms; horizon 60 s.
const FLEX: &str = r#"
name = "azure-flex-bill"
seed = 1
horizon = "60s"
[traffic]
arrivals = { process = "list", at_s = [0.0, 0.55, 5.0, 10.2, 10.2, 10.2, 10.85] }
[traffic.request]
duration = { dist = "constant", ms = 900 }
cpu_fraction = 0.0

[[variant]]
name = "always-ready"
platform = "azure_functions"
plan = "flex"
cold_start = { dist = "constant", ms = 500 }
always_ready = 1
per_instance_concurrency = 2

[[variant]]
name = "on-demand"
platform = "azure_functions"
plan = "flex"
cold_start = { dist = "constant", ms = 500 }
per_instance_concurrency = 2
"#;

/// One always-ready instance, up from 0 s, takes executions first:
/// - 0 → 0.9 s and 0.55 → 1.45 s overlap: one active period of 1.45 s → 1.5 s (the two share
///   it; billed one by one they would be 2 × 1 s);
/// - 5 → 5.9 s: 0.9 s → the 1 s minimum;
/// - 10.2 → 11.1 s, two at once (it is then full): 0.9 s → 1 s.
///
/// The third at 10.2 s finds it full and starts an on-demand instance, ready at 10.7 s (a cold
/// start); it runs 10.7 → 11.6 s there, and the one at 10.85 s (the always-ready instance still
/// full) joins it, 10.85 → 11.75 s: one period 10.7 → 11.75 s = 1.05 s → 1.1 s. Its startup,
/// 10.2 → 10.7 s, is not execution and is not billed (billed, the period would be 1.55 s →
/// 1.6 s).
///
/// - baseline: 1 instance × 2 GB × 60 s = 120 GB-s × $0.000004 = $0.00048;
/// - always-ready execution time: (1.5 + 1 + 1) s × 2 GB = 7 GB-s × $0.000016 = $0.000112;
/// - on-demand execution time: 1.1 s × 2 GB = 2.2 GB-s × $0.000026 = $0.0000572;
/// - executions: 7 × $0.0000004 = $0.0000028, no free grant.
///
/// Total $0.000652.
#[test]
fn flex_bills_always_ready_baseline_and_shared_active_periods() {
    let r = run(&scenario(FLEX));
    let v = variant(&r, "always-ready");
    assert_eq!(v.requests.completed, 7);
    assert_eq!(v.requests.cold_starts, 1);
    let (gb_s, cost) = billed(v, "Azure Functions always-ready baseline");
    close(gb_s, 120.0);
    close(cost, 0.000_48);
    let (gb_s, cost) = billed(v, "Azure Functions always-ready execution time");
    close(gb_s, 7.0);
    close(cost, 0.000_112);
    let (gb_s, cost) = billed(v, "Azure Functions on-demand execution time");
    close(gb_s, 2.2);
    close(cost, 0.000_057_2);
    let (executions, cost) = billed(v, "Azure Functions executions (Flex");
    close(executions, 7.0);
    close(cost, 0.000_002_8);
    assert!(v.cost.lines.iter().all(|l| !l.item.contains("free tier")));
    assert!(
        lines(v, "Azure Functions always-ready baseline")
            .iter()
            .all(|l| l.category == CostCategory::Commitment)
    );
    close(v.cost.total_usd, 0.000_652);
}

/// Without always-ready instances every instance is on demand. The request at 0 s starts one
/// (ready at 0.5 s, a cold start) and runs 0.5 → 1.4 s; the one at 0.55 s joins it → 1.45 s:
/// one period 0.5 → 1.45 s = 0.95 s → 1 s. Then 5 → 5.9 s: 1 s; 10.2 → 11.1 s, two at once:
/// 1 s; the third at 10.2 s starts a second instance (ready 10.7 s, a cold start), which takes
/// the one at 10.85 s too: 10.7 → 11.75 s = 1.05 s → 1.1 s.
///
/// (1 + 1 + 1 + 1.1) s × 2 GB = 8.2 GB-s × $0.000026 = $0.0002132, + 7 × $0.0000004 =
/// $0.0000028: $0.000216, and no baseline line.
#[test]
fn flex_on_demand_alone_bills_active_periods_only() {
    let r = run(&scenario(FLEX));
    let v = variant(&r, "on-demand");
    assert_eq!(v.requests.completed, 7);
    assert_eq!(v.requests.cold_starts, 2);
    close(billed(v, "Azure Functions on-demand execution time").0, 8.2);
    assert!(
        v.cost
            .lines
            .iter()
            .all(|l| !l.item.contains("always-ready"))
    );
    close(v.cost.total_usd, 0.000_216);
}

/// A field of one plan given to the other, an instance size Flex does not sell, and the other
/// limits, each refused at its field with what is allowed.
#[test]
fn plan_fields_and_limits_are_refused_where_they_do_not_apply() {
    let err = |plan_fields: &str| {
        scalesim_core::scenario::parse(
            &format!(
                r#"
name = "azure-refused"
horizon = "60s"
[traffic]
arrivals = {{ process = "list", at_s = [1.0] }}
[traffic.request]
duration = {{ dist = "constant", ms = 100 }}
memory_mb = 1600

[[variant]]
name = "fn"
platform = "azure_functions"
runtime = "dotnet"
{plan_fields}
"#
            ),
            "x.toml",
        )
        .err()
        .unwrap_or_else(|| panic!("{plan_fields} was accepted"))
        .to_string()
    };
    let e = err("plan = \"flex\"\ninstance_memory_mb = 1024");
    assert!(e.contains("variant[0].instance_memory_mb"), "{e}");
    assert!(
        e.contains("instance_memory_mb = 1024 is not a Flex Consumption instance size"),
        "{e}"
    );
    assert!(e.contains("allowed: 512, 2048 or 4096 MB"), "{e}");

    let e = err("plan = \"consumption\"\nalways_ready = 1");
    assert!(e.contains("variant[0].always_ready"), "{e}");
    assert!(
        e.contains("always_ready = 1 is a setting of plan = \"flex\", not of the Consumption plan"),
        "{e}"
    );
    assert!(
        e.contains(
            "plan = \"consumption\" takes plan, runtime, cold_start, free_tier, os, \
             max_concurrent_requests, function_app_scale_limit"
        ),
        "{e}"
    );

    let e = err("plan = \"flex\"\nos = \"linux\"");
    assert!(e.contains("variant[0].os"), "{e}");
    assert!(
        e.contains("os = \"linux\" is a setting of plan = \"consumption\""),
        "{e}"
    );

    // 1,600 MB per request does not fit a 1,536 MB Consumption instance, nor a 512 MB Flex one.
    let e = err("plan = \"consumption\"");
    assert!(
        e.contains("more than a Consumption instance's 1536 MB"),
        "{e}"
    );
    let e = err("plan = \"flex\"\ninstance_memory_mb = 512");
    assert!(e.contains("less than the 1600 MB one request uses"), "{e}");

    let e = err("plan = \"flex\"\nalways_ready = 1\nfree_tier = true");
    assert!(e.contains("variant[0].free_tier"), "{e}");
    assert!(e.contains("no free grant"), "{e}");

    let e = err("plan = \"flex\"\nmaximum_instance_count = 10");
    assert!(e.contains("variant[0].maximum_instance_count"), "{e}");
    assert!(e.contains("40"), "{e}");

    let e = err("plan = \"consumption\"\nos = \"linux\"\nfunction_app_scale_limit = 150");
    assert!(e.contains("variant[0].function_app_scale_limit"), "{e}");
    assert!(e.contains("100"), "{e}");

    let e = err("plan = \"premium\"");
    assert!(e.contains("unknown plan \"premium\""), "{e}");
    let e = err("");
    assert!(e.contains("needs `plan`"), "{e}");
}

/// The plans' defaults as a variant gets them: Consumption 100 executions per instance and 200
/// instances (Windows); Flex 2,048 MB, 16 per instance (1 for Python), at most 100 instances.
#[test]
fn defaults_follow_the_plan_and_the_runtime() {
    let text = |fields: &str| {
        format!(
            r#"
name = "azure-defaults"
horizon = "10s"
[traffic]
arrivals = {{ process = "list", at_s = [1.0] }}
[traffic.request]
duration = {{ dist = "constant", ms = 100 }}

[[variant]]
name = "fn"
platform = "azure_functions"
{fields}
"#
        )
    };
    let describe = |fields: &str| {
        let r = run(&scenario(&text(fields)));
        r.variants[0].description.clone()
    };
    let d = describe("plan = \"consumption\"\nruntime = \"node\"");
    assert!(d.contains("Consumption (Windows"), "{d}");
    assert!(
        d.contains("100 executions per instance, at most 200 instances"),
        "{d}"
    );
    let d = describe("plan = \"consumption\"\nruntime = \"node\"\nos = \"linux\"");
    assert!(d.contains("at most 100 instances"), "{d}");
    let d = describe("plan = \"flex\"\nruntime = \"node\"");
    assert!(
        d.contains("Flex Consumption 2048 MB (1 vCPU), 16 executions per instance, 0 always ready, at most 100 instances"),
        "{d}"
    );
    let d = describe("plan = \"flex\"\nruntime = \"python\"\ninstance_memory_mb = 4096");
    assert!(
        d.contains("4096 MB (2 vCPU), 1 executions per instance"),
        "{d}"
    );
    let d = describe("plan = \"flex\"\nruntime = \"node\"\ninstance_memory_mb = 512");
    assert!(
        d.contains("512 MB (0.25 vCPU), 4 executions per instance"),
        "{d}"
    );
}

/// `scalesim presets --provider azure` lists both plans' limits and defaults after the book.
#[test]
fn presets_list_both_plans() {
    let text = scalesim_core::offering::presets_text(
        Some("azure"),
        None,
        &scalesim_core::billing::book::PriceChanges::default(),
    )
    .expect("the Azure book");
    assert!(
        text.contains("functions.flex.always_ready.baseline_gb_s"),
        "{text}"
    );
    for expected in [
        "Azure Functions (platform = \"azure_functions\", plan = \"consumption\" | \"flex\")",
        "max_concurrent_requests (host.json, default 100)",
        "\"linux\" (up to 100)",
        "instance_memory_mb = 512 MB (0.25 vCPU, 4 per instance), 2048 MB (1 vCPU, 16 per \
         instance), 4096 MB (2 vCPU, 32 per instance) (default 2048)",
        "maximum_instance_count 40–1000 (default 100)",
        "dotnet (median 2 s, p99 10 s)",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
}
