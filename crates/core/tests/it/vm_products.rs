//! Compute Engine and Azure virtual machines: the fleet model under Google's and Microsoft's
//! rules, each bill worked out by hand from the price books (us-central1, eastus).
//!
//! Prices used (crates/core/prices/gcp.toml, azure.toml): n1-standard-2 $0.0949995 an hour,
//! e2-standard-2 $0.06701142, its 1-year commitment at 0.63 of on-demand, Spot at 0.47, the N1
//! sustained use rates 1.0 / 0.8 / 0.6 / 0.4 of the base rate for each quarter of a 730-hour
//! month (182.5 h); Standard_D2s_v5 $0.096 an hour, Spot at 0.208; the Standard Load
//! Balancer $0.025 an hour (up to five rules) and $0.005 a GB processed.

use scalesim_core::billing::Period;
use scalesim_core::billing::book::list_price;
use scalesim_core::billing::purchase::sustained_use_hours;
use scalesim_core::usage::InstanceRun;

use crate::common::{run_one, scenario};

fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 1e-6 * expected.abs().max(1.0),
        "{actual} is not {expected}"
    );
}

/// A fleet of `count` `machine`s on `platform` for `horizon`, one small request every 60.24 s.
fn fleet(platform: &str, machine: &str, count: u32, horizon: &str, extra: &str) -> String {
    format!(
        r#"
name = "vm"
horizon = "{horizon}"
interval = "1h"
[traffic]
arrivals = {{ process = "even", rate_per_s = 0.0166 }}
[traffic.request]
duration = {{ dist = "constant", ms = 10 }}
cpu_fraction = 0.0
[[variant]]
name = "vm"
platform = "{platform}"
instance_type = "{machine}"
count = {count}
slots = 4
{extra}
"#
    )
}

fn run(run: &str) -> (f64, Vec<(String, f64, f64)>) {
    let v = run_one(run);
    let lines = v
        .cost
        .lines
        .iter()
        .map(|l| (l.item.clone(), l.quantity, l.unit_price_usd))
        .collect();
    (v.cost.total_usd, lines)
}

/// Two n1-standard-2 all month (730 h) on demand: each inferred instance runs 730 h, so each
/// bills 182.5 h at each of the rates 1.0, 0.8, 0.6, 0.4 of $0.0949995 — 511 h at the base rate,
/// the full month's 30 % off — and the two 1,022 h: 1,022 × $0.0949995 = $97.0894890 (list:
/// 1,460 × $0.0949995 = $138.69927).
#[test]
fn sustained_use_takes_30_percent_off_a_full_month_of_n1() {
    let (total, lines) = run(&fleet(
        "compute_engine",
        "n1-standard-2",
        2,
        "730h",
        "load_balancer = false",
    ));
    close(total, 1_022.0 * 0.094_999_5);
    assert_eq!(lines.len(), 4, "{lines:?}");
    for (i, share) in [1.0, 0.8, 0.6, 0.4].iter().enumerate() {
        close(lines[i].1, 365.0);
        close(lines[i].2, 0.094_999_5 * share);
    }
    assert!(
        lines[1].0.contains("sustained use 25–50 % of the month"),
        "{lines:?}"
    );
}

/// Compute Engine's inferred instances: two VMs that never run at the same time (one the first
/// 365 h, the other the last 365 h) are one inferred instance of 730 h — the full month's
/// discount, 511 base-rate hours — not two of 365 h (each 182.5 + 182.5 × 0.8 = 328.5, 657 in
/// all).
#[test]
fn vms_that_never_overlap_are_one_inferred_instance() {
    let h = 3_600_000_000u64;
    let runs = [
        InstanceRun {
            launch_us: 0,
            end_us: 365 * h,
            running_at_end: false,
            interrupted: false,
        },
        InstanceRun {
            launch_us: 365 * h,
            end_us: 730 * h,
            running_at_end: true,
            interrupted: false,
        },
    ];
    let sud = list_price("gcp", "us-central1", "compute_engine.sustained_use.n1");
    let bands = sustained_use_hours(&runs, 0, &sud, &Period::horizon(730.0 * 3_600.0));
    for b in &bands {
        close(*b, 182.5);
    }
    let weighted: f64 = bands
        .iter()
        .zip(&sud.tiers)
        .map(|(h, t)| h * t.usd_per_unit)
        .sum();
    close(weighted, 511.0);
}

/// A 1-year commitment of one n1-standard-2 under two all month: the commitment's fee is
/// 730 h × 0.63 × $0.0949995 = $43.68927 whether used or not, it covers the first inferred
/// instance's 730 h at $0, and only the second earns sustained use: 511 base-rate hours,
/// $48.54474. Total (459.9 + 511) × $0.0949995 = $92.23501.
#[test]
fn a_commitment_covers_the_first_inferred_instance_and_sustained_use_the_rest() {
    let (total, lines) = run(&fleet(
        "compute_engine",
        "n1-standard-2",
        2,
        "730h",
        "load_balancer = false\npurchase = { option = \"committed_use\", count = 1, term = \"1y\" }",
    ));
    close(total, 970.9 * 0.094_999_5);
    assert!(
        lines[0].0.contains("committed (1y): 1 committed × 730 h"),
        "{lines:?}"
    );
    close(lines[0].2, 0.63 * 0.094_999_5);
    assert!(
        lines[1].0.contains("covered by the commitment"),
        "{lines:?}"
    );
    close(lines[1].1, 730.0);
}

/// E2 earns no sustained use discount: two e2-standard-2 all month are 1,460 h at $0.06701142
/// = $97.8366732.
#[test]
fn e2_has_no_sustained_use() {
    let (total, lines) = run(&fleet(
        "compute_engine",
        "e2-standard-2",
        2,
        "730h",
        "load_balancer = false",
    ));
    assert_eq!(lines.len(), 1, "{lines:?}");
    close(total, 1_460.0 * 0.067_011_42);
}

/// Spot VMs preempted in their first minute are not billed (Compute Engine), an Azure Spot VM
/// evicted early is billed its five-minute minimum. One VM for an hour, an interruption
/// replayed at 20 s, each provider's 30 s notice: the first VM runs 0 → 50 s, its replacement
/// (launched at the notice, 20 s) runs to the hour: 3,580 s.
/// - Compute Engine: 50 s < 60 s is free; 3,580 s × 0.47 × $0.0949995 / 3,600 s = $0.0444026.
/// - Azure: 300 s (the minimum) + 3,580 s = 3,880 s × 0.208 × $0.096 / 3,600 s = $0.0215211.
#[test]
fn spot_rules_differ_by_provider() {
    let spot =
        "load_balancer = false\npurchase = { option = \"spot\", interruptions_at = [\"20s\"] }";
    let (gce, lines) = run(&fleet("compute_engine", "n1-standard-2", 1, "1h", spot));
    close(lines[0].1, 3_580.0 / 3_600.0);
    close(gce, 3_580.0 / 3_600.0 * 0.47 * 0.094_999_5);
    let (azure, lines) = run(&fleet("azure_vm", "Standard_D2s_v5", 1, "1h", spot));
    close(lines[0].1, 3_880.0 / 3_600.0);
    close(azure, 3_880.0 / 3_600.0 * 0.208 * 0.096);
}

/// An Azure scale set of two Standard_D2s_v5 for an hour behind its Standard Load Balancer
/// (the default): 2 VM-hours × $0.096 = $0.192, one hour of the balancer's rules at $0.025,
/// and 60 requests (one every 60.24 s from 0 s) of 1,000 + 99,000 bytes processed: 0.006 GB × $0.005 = $0.00003.
/// Total $0.21703.
#[test]
fn an_azure_fleet_pays_its_load_balancer_by_the_hour_and_the_gb() {
    let text = fleet("azure_vm", "Standard_D2s_v5", 2, "1h", "").replace(
        "cpu_fraction = 0.0",
        "cpu_fraction = 0.0\nrequest_bytes = 1000\nresponse_bytes = 99000",
    );
    let (total, lines) = run(&text);
    assert_eq!(lines.len(), 3, "{lines:?}");
    close(lines[1].1, 1.0);
    close(lines[1].2, 0.025);
    close(lines[2].1, 60.0 * 100_000.0 / 1e9);
    close(total, 0.192 + 0.025 + 0.006 * 0.005);
}

/// Each provider's words and options: Compute Engine commits, it does not reserve; Azure prices
/// its commitments the same however paid; the table form of `load_balancer` is an ALB's.
#[test]
fn each_provider_sells_what_it_sells() {
    let err = |extra: &str, platform: &str, machine: &str| {
        scalesim_core::scenario::parse(&fleet(platform, machine, 1, "1h", extra), "vm.toml")
            .unwrap_err()
            .to_string()
    };
    let e = err(
        "purchase = { option = \"reserved\", count = 1 }",
        "compute_engine",
        "n1-standard-2",
    );
    assert!(
        e.contains("variant[0].purchase.option")
            && e.contains("allowed: on_demand, committed_use, spot"),
        "{e}"
    );
    let e = err(
        "purchase = { option = \"reserved\", count = 1, payment = \"all_upfront\" }",
        "azure_vm",
        "Standard_D2s_v5",
    );
    assert!(e.contains("the same however they are paid"), "{e}");
    // Even written as the default: Azure has no such choice.
    let e = err(
        "purchase = { option = \"savings_plan\", commitment_per_hour = 0.1, payment = \"no_upfront\" }",
        "azure_vm",
        "Standard_D2s_v5",
    );
    assert!(e.contains("the same however they are paid"), "{e}");
    let e = err(
        "load_balancer = { rules = 10 }",
        "compute_engine",
        "n1-standard-2",
    );
    assert!(e.contains("write load_balancer = true"), "{e}");
    let e = err("", "azure_vm", "Standard_D2s_v6");
    assert!(e.contains("did you mean \"Standard_D2s_v5\"?"), "{e}");
    // The same fields, each product its own name in messages.
    let s = scenario(&fleet("compute_engine", "e2-standard-2", 1, "1h", ""));
    assert_eq!(s.variants[0].platform.kind(), "compute_engine");
}

/// Burstable and shared-core types sustain only their baseline: 10 requests a second of 100 ms
/// of CPU each is 10 × 0.1 = 1 vCPU of steady demand. On one e2-micro (2 vCPUs, 0.25
/// sustained, bursts not banked) the run, which assumes full speed, must warn; on an
/// e2-standard-2 (no baseline) it must not. On a Standard_B1s (1 vCPU, 0.1 sustained, a day of
/// credits banked: 2.4 vCPU-hours) an hour's excess of 0.9 vCPU-hours would fit the bank, but
/// not the month the projection repeats it over: it warns, saying so.
#[test]
fn a_burstable_type_above_its_baseline_is_warned_of() {
    let text = r#"
name = "burst"
horizon = "1h"
[traffic]
arrivals = { process = "poisson", rate_per_s = 10 }
[traffic.request]
duration = { dist = "constant", ms = 100 }
cpu_fraction = 1.0
memory_mb = 64
[[variant]]
name = "e2-micro"
platform = "compute_engine"
instance_type = "e2-micro"
count = 1
slots = 8
load_balancer = false
[[variant]]
name = "e2-standard-2"
platform = "compute_engine"
instance_type = "e2-standard-2"
count = 1
slots = 8
load_balancer = false
[[variant]]
name = "azure-b1s"
platform = "azure_vm"
instance_type = "Standard_B1s"
count = 1
slots = 8
load_balancer = false
"#;
    let r = crate::common::run(&scenario(text));
    let about = |v: &str| {
        r.warnings
            .iter()
            .find(|w| w.contains(&format!("variant {v}:")))
    };
    let micro = about("e2-micro").expect("e2-micro is warned of");
    assert!(
        micro.contains("above the 0.25 vCPU a e2-micro sustains"),
        "{micro}"
    );
    assert!(about("e2-standard-2").is_none(), "{:?}", r.warnings);
    let b1s = about("azure-b1s").expect("B1s is warned of");
    assert!(b1s.contains("a full bank of credits (2.4 vCPU-hours) would carry this horizon"));
}

/// Google's free egress (1 GiB a month) is from North America only: a Compute Engine fleet in
/// europe-west1 sending 2 GiB of responses in a month pays for both at $0.12 ($0.24), one in
/// us-central1 for 1 ($0.12). Two responses of 1 GiB (1,073,741,824 bytes) in a 730-hour
/// horizon; the lines' totals compared.
#[test]
fn free_egress_is_north_americas_only() {
    let cost = |region: &str| {
        let text = fleet(
            "compute_engine",
            "e2-standard-2",
            1,
            "730h",
            "load_balancer = false",
        )
        .replace(
            "arrivals = { process = \"even\", rate_per_s = 0.0166 }",
            "arrivals = { process = \"list\", at_s = [1, 2] }",
        )
        .replace(
            "cpu_fraction = 0.0",
            "cpu_fraction = 0.0\nresponse_bytes = 1073741824",
        )
        .replace(
            "slots = 4",
            &format!("slots = 4\nregion = \"{region}\"\ndata_transfer_out = true"),
        );
        let v = run_one(&text);
        v.cost
            .lines
            .iter()
            .filter(|l| l.item.starts_with("Data transfer out"))
            .map(|l| l.cost_usd)
            .sum::<f64>()
    };
    close(cost("us-central1"), 0.12);
    close(cost("europe-west1"), 0.24);
}
