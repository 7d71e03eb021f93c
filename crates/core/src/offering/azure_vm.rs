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
use crate::platform::PlatformFamily;
use crate::scenario::{PlatformSpec, RawFields, ScenarioError, VariantCx};
use crate::usage::Meter;

use super::ec2::BlockStorage;
use super::extras::Extras;
use super::fleet::{self, FleetFields, HourlyBalancer, VmBilling, VmRules, VmSpec};
use super::{Product, ProductFields};

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

/// Azure Virtual Machines' rules as a fleet product.
pub const RULES: VmRules = VmRules {
    product: &AzureVm,
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
    max_block_storage_gb: MAX_BLOCK_STORAGE_GB,
    // B-series: at most a day of credits banked (the size table's max banked credits =
    // 24 × credits per hour).
    burst_credit_hours: 24.0,
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

/// Azure Virtual Machines, the product.
#[derive(Debug)]
pub struct AzureVm;

impl Product for AzureVm {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn family(&self) -> PlatformFamily {
        PlatformFamily::Fleet
    }

    fn fields(&self) -> &'static [&'static str] {
        FleetFields::NAMES
    }

    fn read(
        &self,
        fields: &RawFields<'_>,
    ) -> std::result::Result<Box<dyn ProductFields>, ScenarioError> {
        Ok(Box::new(AzureVmFields(FleetFields::read(fields)?)))
    }

    fn providers(&self) -> &'static [&'static str] {
        &[PROVIDER]
    }

    fn presets(&self) -> String {
        format!(
            "\nAzure VMs (platform = \"{KIND}\"): the fields of an EC2 fleet; instance_type = one \
             of the VM sizes above; load_balancer = true (default) bills a Standard Load \
             Balancer (load_balancer.*);\n  block_storage_gb = a Standard SSD managed disk per \
             VM (managed_disks.standard_ssd); purchase = {{ option = \"reserved\", count, term }}, \
             {{ option = \"savings_plan\", commitment_per_hour, term }} or \"spot\" (30 s notice); \
             billed per second, 5 minutes at least\n"
        )
    }
}

/// The fields of `platform = "azure_vm"`: a fleet's.
#[derive(Debug)]
pub struct AzureVmFields(pub FleetFields);

impl ProductFields for AzureVmFields {
    /// The fleet (`fleet::validate`) and Microsoft's prices: the VM size's, the load
    /// balancer's, the reservation's, savings plan's or Spot's rate, the managed disk's.
    fn validate(&self, v: &VariantCx<'_>) -> crate::scenario::validate::Result<PlatformSpec> {
        let f = fleet::validate(v, &self.0, &RULES)?;
        Ok(PlatformSpec::new(VmSpec {
            fleet: f.config,
            policy: f.policy,
            billing: VmBilling {
                rules: &RULES,
                instance: f.instance,
                hourly: f.hourly,
                load_balancer: if f.load_balancer {
                    Some(HourlyBalancer {
                        name: "Standard Load Balancer",
                        hour: v.price("load_balancer.rule_hour")?,
                        data: v.price("load_balancer.data_processed")?,
                    })
                } else {
                    None
                },
                bought: f.bought,
                sustained_use: None,
                advice_rates: (
                    Some(v.price("virtual_machines.savings_plan.1y")?),
                    v.price("virtual_machines.reserved.1y")?,
                ),
                block_storage: match f.block_storage_gb {
                    None => None,
                    Some(gb) => Some(BlockStorage {
                        gb,
                        price: v.price("managed_disks.standard_ssd")?,
                    }),
                },
                extras: Extras::read(v, false)?,
            },
        }))
    }
}
