//! Azure Virtual Machines (`platform = "azure_vm"`): a virtual machine scale set of one size
//! behind a Standard Load Balancer — the fleet model ([`super::fleet`]) under Microsoft's
//! rules: per-second billing with a five-minute minimum, reservations and savings plans for
//! compute (1 or 3 years, the same price paid upfront or monthly), Spot VMs evicted with 30 s
//! notice.
//!
//! Sources (read 2026-11-30; the price book cites each price): billing granularity — Microsoft's
//! notice of a 5-minute (300 s) minimum for VMs from 2025-06-01, as quoted in
//! learn.microsoft.com/en-us/answers/questions/2259765 (a Microsoft Q&A answer, not the pricing
//! page), per second beyond it; Spot eviction notice — Azure Scheduled Events, "Preempt: minimum
//! notice 30 seconds" (MicrosoftDocs/azure-docs, articles/virtual-machines/linux/
//! scheduled-events.md); reservations and savings plans — azure.microsoft.com/pricing/
//! reserved-vm-instances and /offers/savings-plan-compute (applied hour by hour, unused
//! commitment paid; the same total paid upfront or monthly).
//!
//! The scale set's own autoscale rules are not modelled on their own: the fleet takes the same
//! `autoscaling` policies as EC2 (step scaling is the closest to autoscale rules with
//! thresholds).

use crate::billing::purchase::{Purchase, Words};
use crate::engine::SimDuration;
use crate::platform::iaas::default_boot_time;
use crate::scenario::{PlatformSpec, VariantCx};
use crate::usage::Meter;

use super::fleet::{self, FleetProduct, VmPrices, VmRules};

/// The name scenario files and reports give it: `platform = "azure_vm"`.
pub const KIND: &str = "azure_vm";
/// The provider whose price book bills it.
pub const PROVIDER: &str = "azure";
/// Per second after a five-minute minimum per VM start.
pub const METER: Meter = Meter::SecondWithFiveMinuteMinimum;
/// The options its VMs are bought as.
pub const PURCHASE_OPTIONS: [&str; 4] = ["on_demand", "reserved", "savings_plan", "spot"];
/// Azure's eviction notice for Spot VMs: at least 30 s (Scheduled Events, `Preempt`).
pub const SPOT_NOTICE: SimDuration = SimDuration::from_secs(30);
/// The largest managed disk: 32,767 GiB (Azure managed disk sizes).
pub const MAX_BLOCK_STORAGE_GB: i64 = 32_767;

/// The product, as scenario files name it and the registry lists it.
pub static AZURE_VM: FleetProduct = FleetProduct {
    rules: &RULES,
    presets,
    price,
};

/// Azure Virtual Machines' rules as a fleet product.
pub static RULES: VmRules = VmRules {
    product: &AZURE_VM,
    kind: KIND,
    provider: PROVIDER,
    label: "Azure VM",
    meter: METER,
    purchase_options: &PURCHASE_OPTIONS,
    words: Words {
        reserved: "reserved",
        covering: "the reservation",
        payment_priced: false,
    },
    rate_id: purchase_rate_id,
    interruptions_id: "virtual_machines.spot_interruptions",
    spot_notice: SPOT_NOTICE,
    // Azure bills an evicted Spot VM for the time it ran, like any other.
    spot_unbilled_within: SimDuration::ZERO,
    load_balancer_default: true,
    alb: false,
    block_storage: "Standard SSD managed disk",
    prices: VmPrices {
        balancer: (
            "Standard Load Balancer",
            "load_balancer.rule_hour",
            "load_balancer.data_processed",
        ),
        block_storage: "managed_disks.standard_ssd",
        advice_plan: Some("virtual_machines.savings_plan.1y"),
        advice_reserved: "virtual_machines.reserved.1y",
    },
    max_block_storage_gb: MAX_BLOCK_STORAGE_GB,
    // B-series: at most a day of credits banked (the size table's max banked credits =
    // 24 × credits per hour).
    burst_credit_hours: 24.0,
    // The fleet's policies under EC2 Auto Scaling's names (see the module docs).
    replica: "instance",
    replicas: "instances",
    cpu_metric: "ASGAverageCPUUtilization",
    boot_time: default_boot_time,
};

/// The price id of `purchase`'s rate as a share of pay-as-you-go: `virtual_machines.reserved.
/// <term>`, `virtual_machines.savings_plan.<term>`, `virtual_machines.spot`; none on demand.
pub fn purchase_rate_id(purchase: &Purchase) -> Option<String> {
    match purchase {
        Purchase::OnDemand => None,
        Purchase::Reserved { term, .. } => {
            Some(format!("virtual_machines.reserved.{}", term.name()))
        }
        Purchase::SavingsPlan { term, .. } => {
            Some(format!("virtual_machines.savings_plan.{}", term.name()))
        }
        Purchase::Spot { .. } => Some("virtual_machines.spot".into()),
    }
}

/// The validated fleet priced from Microsoft's book ([`RULES`]'s price ids): no sustained use.
fn price(v: &VariantCx<'_>, f: fleet::Fleet) -> crate::scenario::validate::Result<PlatformSpec> {
    fleet::vm_spec(v, f, &RULES, None)
}

/// Its lines of `scalesim presets`.
pub fn presets() -> String {
    format!(
        "\nAzure VMs (platform = \"{KIND}\"): the fields of an EC2 fleet; instance_type = one \
         of the VM sizes above; load_balancer = true (default) bills a Standard Load \
         Balancer (load_balancer.*);\n  block_storage_gb = a Standard SSD managed disk per \
         VM (managed_disks.standard_ssd); purchase = {{ option = \"reserved\", count, term }}, \
         {{ option = \"savings_plan\", commitment_per_hour, term }} or \"spot\" (30 s notice); \
         billed per second, 5 minutes at least\n"
    )
}
