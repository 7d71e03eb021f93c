//! Google Compute Engine (`platform = "compute_engine"`): a managed instance group of one
//! machine type behind an external Application Load Balancer — the fleet model
//! ([`super::fleet`]) under Google's rules: per-second billing with a one-minute minimum,
//! resource-based committed use (`purchase = { option = "committed_use", count, term }`), Spot
//! VMs (30 s notice, a VM preempted in its first minute not charged), and sustained use
//! discounts applied automatically to the N1 and N2 usage no commitment covers.
//!
//! Sources (read 2026-11-30; the price book cites each price): billing granularity and Spot —
//! cloud.google.com/compute/vm-instance-pricing ("a minimum of 1 minute ... after that, per
//! second") and docs.cloud.google.com/compute/docs/instances/spot (30-second preemption notice;
//! "no charge" for a VM preempted within its first minute, as the reference file and public
//! guides quote it); sustained use — cloud.google.com/compute/docs/sustained-use-discounts
//! (incremental rates per quarter of the month, inferred instances, no discount for Spot VMs,
//! E2 or usage a commitment covers); committed use — cloud.google.com/compute/docs/instances/
//! committed-use-discounts-overview (a resource commitment in a region, paid monthly for 1 or 3
//! years whether used or not).
//!
//! The Compute Engine autoscaler is not modelled on its own: the fleet takes the same
//! `autoscaling` policies as EC2 (target tracking is the closest to a MIG's CPU utilisation
//! target).

use crate::billing::purchase::{Purchase, Words};
use crate::engine::SimDuration;
use crate::platform::iaas::default_boot_time;
use crate::scenario::{PlatformSpec, VariantCx};
use crate::usage::Meter;

use super::fleet::{self, FleetProduct, VmPrices, VmRules};

/// The name scenario files and reports give it: `platform = "compute_engine"`.
pub const KIND: &str = "compute_engine";
/// The provider whose price book bills it.
pub const PROVIDER: &str = "gcp";
/// Per second after a one-minute minimum per VM start (vm-instance-pricing).
pub const METER: Meter = Meter::SecondWithMinuteMinimum;
/// The options its VMs are bought as.
pub const PURCHASE_OPTIONS: [&str; 3] = ["on_demand", "committed_use", "spot"];
/// Google's preemption notice for Spot VMs: 30 s.
pub const SPOT_NOTICE: SimDuration = SimDuration::from_secs(30);
/// A Spot VM preempted within its first minute is not charged.
pub const SPOT_UNBILLED_WITHIN: SimDuration = SimDuration::from_secs(60);
/// The largest Persistent Disk volume: 64 TB (Compute Engine disk limits).
pub const MAX_BLOCK_STORAGE_GB: i64 = 65_536;

/// The product, as scenario files name it and the registry lists it.
pub static COMPUTE_ENGINE: FleetProduct = FleetProduct {
    rules: &RULES,
    presets,
    price,
};

/// Compute Engine's rules as a fleet product.
pub static RULES: VmRules = VmRules {
    product: &COMPUTE_ENGINE,
    kind: KIND,
    provider: PROVIDER,
    label: "Compute Engine",
    meter: METER,
    purchase_options: &PURCHASE_OPTIONS,
    words: Words {
        reserved: "committed",
        covering: "the commitment",
        payment_priced: false,
    },
    rate_id: purchase_rate_id,
    interruptions_id: "compute_engine.spot_interruptions",
    spot_notice: SPOT_NOTICE,
    spot_unbilled_within: SPOT_UNBILLED_WITHIN,
    load_balancer_default: true,
    alb: false,
    block_storage: "Persistent Disk (balanced)",
    prices: VmPrices {
        balancer: (
            "external Application Load Balancer",
            "load_balancing.forwarding_rule_hour",
            "load_balancing.data_processed",
        ),
        block_storage: "persistent_disk.balanced",
        advice_plan: None,
        advice_reserved: "compute_engine.cud.1y",
    },
    max_block_storage_gb: MAX_BLOCK_STORAGE_GB,
    // E2 shared-core types burst for short periods only, with no credits banked.
    burst_credit_hours: 0.0,
    // The fleet's policies under EC2 Auto Scaling's names (see the module docs).
    replica: "instance",
    replicas: "instances",
    cpu_metric: "ASGAverageCPUUtilization",
    boot_time: default_boot_time,
};

/// The price id of `purchase`'s rate as a share of on-demand: `compute_engine.cud.1y`,
/// `compute_engine.cud.3y`, `compute_engine.spot`; none on demand.
pub fn purchase_rate_id(purchase: &Purchase) -> Option<String> {
    match purchase {
        Purchase::Reserved { term, .. } => Some(format!("compute_engine.cud.{}", term.name())),
        Purchase::Spot { .. } => Some("compute_engine.spot".into()),
        Purchase::OnDemand | Purchase::SavingsPlan { .. } => None,
    }
}

/// The fleet (`fleet::validate`) and Google's prices: the machine type's, the load
/// balancer's, the commitment's or Spot's rate, the sustained use rates of the machine's
/// family (`compute_engine.sustained_use.<family>`: N1, N2; none for Spot VMs or families
/// without them), the Persistent Disk's.
fn price(v: &VariantCx<'_>, f: fleet::Fleet) -> crate::scenario::validate::Result<PlatformSpec> {
    let family = f.instance.name.split('-').next().unwrap_or_default();
    let sud_id = format!("compute_engine.sustained_use.{family}");
    let sustained_use = match (&f.bought.purchase, v.book()) {
        (Purchase::Spot { .. }, _) => None,
        (_, Some(book)) if book.bands(&sud_id).is_some() => Some(v.price(&sud_id)?),
        _ => None,
    };
    fleet::vm_spec(v, f, &RULES, sustained_use)
}

/// Its lines of `scalesim presets`.
pub fn presets() -> String {
    format!(
        "\nCompute Engine (platform = \"{KIND}\"): the fields of an EC2 fleet; instance_type = \
         one of the machine types above; load_balancer = true (default) bills an external \
         Application Load Balancer (load_balancing.*);\n  block_storage_gb = a balanced \
         Persistent Disk per VM (persistent_disk.balanced); purchase = {{ option = \
         \"committed_use\", count, term }} or \"spot\" (30 s notice); sustained use \
         discounts apply by themselves to N1 and N2 (compute_engine.sustained_use.*)\n"
    )
}
