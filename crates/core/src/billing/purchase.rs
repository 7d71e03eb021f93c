//! How capacity is bought: on demand, reserved ahead, under a savings plan, or on spot — a
//! variant's `purchase = { option = ..., ... }`, in the providers' own words.
//!
//! - Reserved instances (EC2 Standard RIs; committed use on Compute Engine; Azure
//!   reservations): `count` instances of the variant's type for a `term` of 1 or 3 years, paid
//!   `no_upfront`, `partial_upfront` or `all_upfront`, amortised per hour: each hour the
//!   reservation covers up to `count` instance-hours of matching usage at its effective rate,
//!   and its unused hours are paid all the same (AWS, "How Reserved Instances are applied",
//!   EC2 user guide, read 2026-11).
//! - Savings plans: a commitment in USD per hour for a `term`; each hour the plan covers usage
//!   at its discounted rates up to the commitment, highest discount first, and the rest is
//!   billed on demand; an hour's unused commitment is paid all the same (AWS Savings Plans user
//!   guide, "How Savings Plans apply to your AWS usage", read 2026-11). `kind = "compute"`
//!   covers EC2, Fargate and Lambda; `kind = "ec2_instance"` one EC2 family in one region.
//! - Spot: instances at the spot price (a share of on-demand) that the provider may interrupt
//!   with a notice (two minutes on AWS, 30 s on Google Cloud).
//!
//! The rates are the price book's (`ec2.reserved.<term>.<payment>`,
//! `savings_plan.<kind>.<term>.<payment>.<service>`, `ec2.spot`, each a ratio of on-demand),
//! which a scenario's `[prices]` can change.

use super::MONTH_S;
use super::book::Price;
use super::catalog::PriceSource;
use super::invoice::{CostCategory, InvoiceLine, Period};
use super::schemes;
use crate::usage::InstanceRun;

/// A commitment's length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Term {
    /// One year.
    OneYear,
    /// Three years.
    ThreeYears,
}

impl Term {
    /// `1y`, `3y`: as scenario files and price ids write it.
    pub fn name(self) -> &'static str {
        match self {
            Term::OneYear => "1y",
            Term::ThreeYears => "3y",
        }
    }

    /// The term's length, hours: 8,760 for one year, 26,280 for three — AWS counts a term in
    /// seconds, 31,536,000 (365 days) and 94,608,000 (3 × 365 days) (EC2 API reference,
    /// `ReservedInstancesOffering.Duration`, and Savings Plans user guide, "Savings Plans
    /// terms", read 2026-11). A 366-day horizon is 24 h longer than a 1-year term.
    pub fn hours(self) -> f64 {
        match self {
            Term::OneYear => 8_760.0,
            Term::ThreeYears => 26_280.0,
        }
    }
}

/// How a commitment is paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payment {
    /// Monthly, nothing ahead.
    NoUpfront,
    /// Part ahead, the rest monthly.
    PartialUpfront,
    /// All ahead.
    AllUpfront,
}

impl Payment {
    /// `no_upfront`, `partial_upfront`, `all_upfront`.
    pub fn name(self) -> &'static str {
        match self {
            Payment::NoUpfront => "no_upfront",
            Payment::PartialUpfront => "partial_upfront",
            Payment::AllUpfront => "all_upfront",
        }
    }
}

/// Which usage a savings plan covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanKind {
    /// Compute Savings Plans: EC2 of any family and region, Fargate and Lambda.
    Compute,
    /// EC2 Instance Savings Plans: one EC2 family in one region.
    Ec2Instance,
}

impl PlanKind {
    /// `compute`, `ec2_instance`.
    pub fn name(self) -> &'static str {
        match self {
            PlanKind::Compute => "compute",
            PlanKind::Ec2Instance => "ec2_instance",
        }
    }
}

/// What happens to requests running on a spot instance when it is interrupted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnInterruption {
    /// They are sent again, to the rest of the fleet (a client or load balancer retry).
    Retry,
    /// They fail (counted as timed out).
    Fail,
}

/// How a variant buys its capacity.
#[derive(Clone, Debug, PartialEq)]
pub enum Purchase {
    /// List prices, per use.
    OnDemand,
    /// `count` reserved instances of the variant's type.
    Reserved {
        /// Instances reserved.
        count: u32,
        /// Length.
        term: Term,
        /// How it is paid.
        payment: Payment,
    },
    /// A savings plan.
    SavingsPlan {
        /// What it covers.
        kind: PlanKind,
        /// USD per hour committed.
        commitment_per_hour: f64,
        /// Length.
        term: Term,
        /// How it is paid.
        payment: Payment,
    },
    /// Spot instances.
    Spot {
        /// The spot price as a share of on-demand, if the scenario gives one (else the book's
        /// `ec2.spot`).
        price_ratio: Option<f64>,
        /// Interruptions per instance-hour, if given (else the book's, unless
        /// `interruptions_at_s` replays interruptions).
        interruptions_per_hour: Option<f64>,
        /// Replayed interruptions: seconds from the start of the run at which the
        /// longest-running instance gets its notice (empty: none replayed).
        interruptions_at_s: Vec<f64>,
        /// Seconds of notice before an interrupted instance goes, if given (else the
        /// provider's: 120 s on AWS).
        notice_s: Option<f64>,
        /// What happens to its running requests.
        on_interruption: OnInterruption,
        /// A replayed spot price history, `(seconds from the start, USD per instance-hour)`,
        /// the first at 0, in increasing time (empty: the ratio applies).
        price_history: Vec<(f64, f64)>,
    },
}

impl Purchase {
    /// The option's name: `on_demand`, `reserved`, `savings_plan`, `spot`.
    pub fn option(&self) -> &'static str {
        match self {
            Purchase::OnDemand => "on_demand",
            Purchase::Reserved { .. } => "reserved",
            Purchase::SavingsPlan { .. } => "savings_plan",
            Purchase::Spot { .. } => "spot",
        }
    }
}

/// What a variant bought and the rate it pays, from the price book: the share of on-demand a
/// reservation, a savings plan or spot costs (`None` on demand).
#[derive(Clone, Debug, PartialEq)]
pub struct Bought {
    /// The option and its terms.
    pub purchase: Purchase,
    /// Its rate as a share of on-demand (a price of unit "ratio"), with its source.
    pub rate: Option<Price>,
    /// How its provider names it.
    pub words: Words,
}

/// How a provider names its options: what a reservation is called, and whether its price
/// depends on how it is paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Words {
    /// "reserved" (EC2, Azure), "committed" (Compute Engine).
    pub reserved: &'static str,
    /// What covers hours: "the reservation", "the commitment".
    pub covering: &'static str,
    /// Whether `payment` changes the price (AWS: no, partial or all upfront); Google's
    /// commitments are paid monthly and Azure's cost the same paid upfront or monthly.
    pub payment_priced: bool,
}

impl Words {
    /// AWS's: reserved instances and savings plans, priced by payment.
    pub const AWS: Words = Words {
        reserved: "reserved",
        covering: "the reservation",
        payment_priced: true,
    };
}

impl Bought {
    /// On demand: list prices.
    pub fn on_demand() -> Self {
        Bought {
            purchase: Purchase::OnDemand,
            rate: None,
            words: Words::AWS,
        }
    }

    /// "reserved (1y, no upfront)", "savings plan (compute, 1y, no upfront, $0.5/h)", "spot".
    pub fn describe(&self) -> String {
        match &self.purchase {
            Purchase::OnDemand => "on-demand".into(),
            Purchase::Reserved { term, payment, .. } if self.words.payment_priced => format!(
                "{} ({}, {})",
                self.words.reserved,
                term.name(),
                words(payment.name())
            ),
            Purchase::Reserved { term, .. } => {
                format!("{} ({})", self.words.reserved, term.name())
            }
            Purchase::SavingsPlan {
                kind,
                commitment_per_hour,
                term,
                payment,
            } => format!(
                "{} Savings Plan ({}, {}${}/h)",
                match kind {
                    PlanKind::Compute => "compute",
                    PlanKind::Ec2Instance => "EC2 Instance",
                },
                term.name(),
                if self.words.payment_priced {
                    format!("{}, ", words(payment.name()))
                } else {
                    String::new()
                },
                super::book::number(*commitment_per_hour)
            ),
            Purchase::Spot { .. } => "spot".into(),
        }
    }
}

/// "no upfront" of "no_upfront".
fn words(name: &str) -> String {
    name.replace('_', " ")
}

/// The instance lines of a fleet of `machine` ("EC2 m7g.large") over `period`, bought as
/// `bought`: `instance_s` billed instance-seconds over the period (after the product's meter),
/// `seconds_by_hour` the horizon's instance-seconds in each hour (unrounded), `hourly` the
/// on-demand price per instance-hour.
///
/// - On demand: the instance-hours at the hourly price.
/// - Reserved: the reservation's fee — `count` × the period's hours within its term at its
///   effective rate (a share of on-demand), used or not ([`CostCategory::Commitment`]) — then
///   the instance-hours it covers hour by hour ([`reservation`]) at $0 and the rest on demand.
/// - Savings plan: the commitment — the period's hours within its term × its $/hour — then the
///   instance-hours it covers hour by hour ([`savings_plan_hour`]) at $0 and the rest on
///   demand.
/// - Spot: the instance-hours at the spot rate × the hourly price.
///
/// `seconds_by_hour` is the usage a commitment is matched against, hour by hour: it should be
/// the *billed* seconds (the meter's rounding and minimum included, [`Instances::billed_hours`]),
/// as AWS applies a reservation to the billed usage of each hour — a 10 s run billed 60 s is
/// covered whole by a reservation with room in that hour. Whatever it holds, the instance-hours
/// covered are at most the reservation's hours in force and at most `instance_s`, so the
/// on-demand rest is never negative.
///
/// **The term.** A reservation or plan exists for its term ([`Term::hours`]: 8,760 h or
/// 26,280 h) from the start of the horizon: hours of the period after it are not covered
/// (billed on demand) and carry no fee or commitment. Only a horizon longer than the term
/// (366 days with a 1-year term) reaches its end. A projection over a longer period repeats the
/// horizon's hours (`period.usage_scale`); the monthly projection ([`Period::monthly`], 730 h)
/// is a month *within* the term — the commitment in force all month, every horizon hour counted
/// — since any term is longer than a month (the period's first `term` hours are the horizon's
/// first `term ÷ usage_scale`, here more than the whole horizon).
///
/// [`Instances::billed_hours`]: crate::usage::Instances::billed_hours
pub fn instance_lines(
    machine: &str,
    instance_s: f64,
    seconds_by_hour: &[f64],
    hourly: &Price,
    bought: &Bought,
    period: &Period,
) -> Vec<(PriceSource, Vec<InvoiceLine>)> {
    let od = hourly.usd();
    let hours_used = instance_s / 3_600.0;
    let on_demand = |item: String, seconds: f64| {
        schemes::marked(vec![schemes::per_instance_hour(item, seconds, od)], hourly)
    };
    let Some(rate) = bought
        .rate
        .as_ref()
        .filter(|_| bought.purchase != Purchase::OnDemand)
    else {
        return vec![(
            hourly.source.clone(),
            on_demand(format!("{machine} on-demand"), instance_s),
        )];
    };
    let ratio = rate.usd();
    let k = period.usage_scale;
    let horizon_s = period.seconds / k;
    let period_hours = period.seconds / 3_600.0;
    // The part of the period the commitment is in force: its first `term` hours (spot and on
    // demand have no term).
    let term_h = match &bought.purchase {
        Purchase::Reserved { term, .. } | Purchase::SavingsPlan { term, .. } => term.hours(),
        _ => f64::INFINITY,
    };
    let paid_hours = period_hours.min(term_h);
    let term_note = if paid_hours < period_hours {
        format!(
            "; its term ends after {} h",
            super::book::number(paid_hours)
        )
    } else {
        String::new()
    };
    // The horizon's hours inside the term (all of them in a monthly projection).
    let lengths = hour_lengths(horizon_s.min(term_h * 3_600.0 / k));
    let usage_by_hour: Vec<f64> = seconds_by_hour.iter().map(|s| s / 3_600.0).collect();
    let covered_line = |item: String, hours: f64| {
        InvoiceLine::priced(item, CostCategory::Compute, hours, "instance-hours", 0.0)
    };
    let (commitment, covered_hours, what) = match &bought.purchase {
        Purchase::Reserved { count, .. } => {
            let count = f64::from(*count);
            let (covered, _) = reservation(count, &usage_by_hour, &lengths);
            let paid = count * paid_hours;
            let covered = (covered * k).min(hours_used).min(paid);
            let fee = InvoiceLine::priced(
                format!(
                    "{machine} {}: {} {} × {} h ({:.1} % used{term_note})",
                    bought.describe(),
                    count,
                    bought.words.reserved,
                    super::book::number(paid_hours),
                    100.0 * covered / paid.max(f64::MIN_POSITIVE)
                ),
                CostCategory::Commitment,
                paid,
                &format!("{} instance-hours", bought.words.reserved),
                ratio * od,
            );
            (fee, covered, bought.words.covering)
        }
        Purchase::SavingsPlan {
            commitment_per_hour,
            ..
        } => {
            let mut covered_usd = 0.0;
            for (h, &length) in lengths.iter().enumerate() {
                let use_h = PlanUsage {
                    on_demand_usd: usage_by_hour.get(h).copied().unwrap_or(0.0) * od,
                    rate_ratio: ratio,
                };
                covered_usd += savings_plan_hour(commitment_per_hour * length, &[use_h]).0[0];
            }
            let paid = commitment_per_hour * paid_hours;
            let covered = (covered_usd * k / od).min(hours_used);
            let used = covered * od * ratio;
            let fee = InvoiceLine::priced(
                format!(
                    "{} commitment ({:.1} % used{term_note})",
                    capital(&bought.describe()),
                    100.0 * used / paid.max(f64::MIN_POSITIVE)
                ),
                CostCategory::Commitment,
                paid_hours,
                "hours",
                *commitment_per_hour,
            );
            (fee, covered, "the savings plan")
        }
        Purchase::Spot { .. } => {
            let line = InvoiceLine::priced(
                format!(
                    "{machine} spot ({} % of on-demand ${})",
                    super::book::number(100.0 * ratio),
                    super::book::number(od)
                ),
                CostCategory::Compute,
                hours_used,
                "instance-hours",
                ratio * od,
            );
            let mut line = schemes::marked(vec![line], rate).remove(0);
            if line.price_change.is_none() {
                line.price_change = hourly.change_text();
            }
            return vec![(rate.source.clone(), vec![line])];
        }
        Purchase::OnDemand => unreachable!("on demand returned above"),
    };
    // A reservation's fee is a share of the on-demand price: a change to either changes it.
    let mut commitment = schemes::marked(vec![commitment], rate);
    if matches!(bought.purchase, Purchase::Reserved { .. }) && commitment[0].price_change.is_none()
    {
        commitment[0].price_change = hourly.change_text();
    }
    vec![
        (rate.source.clone(), commitment),
        (
            hourly.source.clone(),
            [
                vec![covered_line(
                    format!("{machine}, covered by {what}"),
                    covered_hours,
                )],
                on_demand(
                    format!("{machine} on-demand, beyond {what}"),
                    (instance_s - covered_hours * 3_600.0).max(0.0),
                ),
            ]
            .concat(),
        ),
    ]
}

/// The spot line of `runs` (the horizon's, metered by `meter`) over `period` at a replayed
/// price `history` (`(seconds from the start, USD per instance-hour)`, the first at 0): each
/// instance pays, for each hour from its launch, the price in effect at that hour's start, per
/// second of it (AWS: "you pay the Spot price that's in effect at the beginning of each
/// instance-hour for your running instance, billed to the nearest second", Amazon EC2 user
/// guide, Spot Instance pricing, read 2026-11-30); its meter's rounding and minimum at its
/// first hour's price. A projection repeats the horizon's cost per hour over the period.
pub fn spot_history_line(
    machine: &str,
    runs: &[InstanceRun],
    meter: crate::usage::Meter,
    history: &[(f64, f64)],
    rate: &Price,
    period: &Period,
) -> (PriceSource, Vec<InvoiceLine>) {
    let price_at = |t_s: f64| {
        let i = history.partition_point(|&(at, _)| at <= t_s);
        history[i.saturating_sub(1)].1
    };
    let (mut seconds, mut usd) = (0.0, 0.0);
    for r in runs {
        let launch_s = r.launch_us as f64 / 1e6;
        let run_s = r.run_us() as f64 / 1e6;
        let billed_s = meter.billed_us(r.run_us()) as f64 / 1e6;
        let mut k = 0.0;
        while k * 3_600.0 < run_s {
            let part = (run_s - k * 3_600.0).min(3_600.0);
            usd += part * price_at(launch_s + k * 3_600.0) / 3_600.0;
            k += 1.0;
        }
        usd += (billed_s - run_s) * price_at(launch_s) / 3_600.0;
        seconds += billed_s;
    }
    let hours = seconds / 3_600.0 * period.usage_scale;
    let cost = usd * period.usage_scale;
    let mut line = InvoiceLine::priced(
        format!(
            "{machine} spot (price history, {} prices, ${}/h on average)",
            history.len(),
            super::book::number(if hours > 0.0 { cost / hours } else { 0.0 })
        ),
        CostCategory::Compute,
        hours,
        "instance-hours",
        if hours > 0.0 { cost / hours } else { 0.0 },
    );
    line.cost_usd = cost;
    line.price_change = Some(format!(
        "the scenario's spot price history ({} prices) in place of the book's ratio",
        history.len()
    ));
    (rate.source.clone(), vec![line])
}

/// "Compute savings plan …" of "compute savings plan …": `text` with its first letter in
/// capitals (the start of an invoice line).
pub(crate) fn capital(text: &str) -> String {
    let mut c = text.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// One kind of usage in one hour that a savings plan may cover: what it costs on demand and
/// the plan's rate for it as a share of on-demand.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlanUsage {
    /// Its on-demand cost in the hour, USD.
    pub on_demand_usd: f64,
    /// The plan's rate as a share of on-demand (0.72 = 28 % off).
    pub rate_ratio: f64,
}

/// One hour of a savings plan with `commitment_usd` to spend (the hourly commitment, times the
/// share of the hour billed): the on-demand USD of each usage it covers, and the commitment left
/// unused.
///
/// AWS's order (Savings Plans user guide, "How Savings Plans apply to your AWS usage", read
/// 2026-11): the plan goes to the usage with the highest discount first (the lowest
/// `rate_ratio`; ties in the order given); each usage costs the plan `rate_ratio ×` its
/// on-demand cost, and what the commitment cannot pay for is billed on demand.
pub fn savings_plan_hour(commitment_usd: f64, usage: &[PlanUsage]) -> (Vec<f64>, f64) {
    let mut order: Vec<usize> = (0..usage.len()).collect();
    order.sort_by(|&a, &b| usage[a].rate_ratio.total_cmp(&usage[b].rate_ratio));
    let mut left = commitment_usd;
    let mut covered = vec![0.0; usage.len()];
    for i in order {
        let u = usage[i];
        let at_plan_rate = u.rate_ratio * u.on_demand_usd;
        if left <= 0.0 || at_plan_rate <= 0.0 {
            continue;
        }
        let paid = left.min(at_plan_rate);
        covered[i] = u.on_demand_usd * paid / at_plan_rate;
        left -= paid;
    }
    (covered, left.max(0.0))
}

/// A reservation of `count` instances applied hour by hour to `usage_by_hour` instance-hours,
/// each hour `hour_lengths[h]` hours long (1, or less for a last partial hour): the
/// instance-hours it covers in all (at most `count × length` an hour) and those it leaves
/// unused (paid all the same).
pub fn reservation(count: f64, usage_by_hour: &[f64], hour_lengths: &[f64]) -> (f64, f64) {
    let (mut covered, mut unused) = (0.0, 0.0);
    for (h, &length) in hour_lengths.iter().enumerate() {
        let capacity = count * length;
        let used = usage_by_hour.get(h).copied().unwrap_or(0.0).min(capacity);
        covered += used;
        unused += capacity - used;
    }
    (covered, unused)
}

/// The lengths of the hours of a horizon of `horizon_s` seconds, in hours: 1 for each whole
/// hour, the last one's share when it is partial.
pub fn hour_lengths(horizon_s: f64) -> Vec<f64> {
    let whole = (horizon_s / 3_600.0).floor() as usize;
    let mut lengths = vec![1.0; whole];
    let rest = horizon_s / 3_600.0 - whole as f64;
    if rest > 1e-12 {
        lengths.push(rest);
    }
    lengths
}

// ---------------------------------------------------------------------------------------------
// Sustained use: Compute Engine's automatic discount for VMs that run much of the month.

/// The hours of the usage above `committed` instances in each band of a sustained use price
/// (quarters of the month), over `period`.
///
/// Compute Engine combines a machine type's VMs into *inferred instances*: the first runs
/// whenever at least one VM runs, the second whenever at least two do, and so on; each inferred
/// instance earns the discount on its own hours of the month (sustained-use-discounts,
/// "inferred instances"). Usage a commitment covers earns none: the lowest `committed`
/// inferred instances are left out. Months are 730-hour windows from the start of the run; a
/// projection (`usage_scale` ≠ 1) scales a horizon shorter than a month up to the month before
/// the bands apply, and averages the months of a longer one. Run time is the VMs' own (the
/// one-minute minimum is billed in the first band).
pub fn sustained_use_hours(
    runs: &[InstanceRun],
    committed: u32,
    sud: &Price,
    period: &Period,
) -> Vec<f64> {
    let horizon_us = runs.iter().map(|r| r.end_us).max().unwrap_or(0);
    let month_us = MONTH_S as u64 * 1_000_000;
    let months = horizon_us.div_ceil(month_us).max(1);
    let mut bands = vec![0.0; sud.tiers.len()];
    let k = period.usage_scale;
    // A horizon within one month is that month's usage pattern: scaled to the period before
    // the bands apply. Longer horizons: each month its own bands, the sum scaled.
    let (within, after) = if months == 1 { (k, 1.0) } else { (1.0, k) };
    for m in 0..months {
        let (lo, hi) = (m * month_us, (m + 1) * month_us);
        let mut edges: Vec<(u64, i64)> = Vec::with_capacity(runs.len() * 2);
        for r in runs {
            let (a, b) = (r.launch_us.max(lo), r.end_us.min(hi));
            if a < b {
                edges.push((a, 1));
                edges.push((b, -1));
            }
        }
        edges.sort_unstable();
        // Time (µs) spent with exactly c VMs running, then hours of inferred instance j.
        let mut at_count: Vec<u64> = Vec::new();
        let (mut count, mut last) = (0i64, lo);
        for (t, d) in edges {
            if count > 0 {
                let c = count as usize;
                if at_count.len() <= c {
                    at_count.resize(c + 1, 0);
                }
                at_count[c] += t - last;
            }
            count += d;
            last = t;
        }
        let mut at_least = 0u64;
        for j in (1..at_count.len()).rev() {
            at_least += at_count[j];
            if j as u64 <= u64::from(committed) {
                continue;
            }
            let mut hours = at_least as f64 / 3.6e9 * within;
            let mut floor = 0.0;
            for (b, tier) in sud.tiers.iter().enumerate() {
                let in_band = hours.min(tier.up_to - floor);
                bands[b] += in_band * after;
                hours -= in_band;
                floor = tier.up_to;
                if hours <= 0.0 {
                    break;
                }
            }
        }
    }
    bands
}

/// The on-demand line `od` split into the sustained use bands: `bands` hours (from
/// [`sustained_use_hours`]) at the base rate × each band's multiplier, the discounted bands
/// first up to the line's hours, the rest at the base rate (its one-minute minimums
/// included), so the lines' hours add up to `od`'s.
pub fn sustained_use_lines(od: &InvoiceLine, bands: &[f64], sud: &Price) -> Vec<InvoiceLine> {
    let mut left = od.quantity;
    let mut discounted = Vec::new();
    for (b, &hours) in bands.iter().enumerate().skip(1) {
        let h = hours.min(left);
        left -= h;
        if h > 0.0 {
            let lo = 100.0 * sud.tiers[b - 1].up_to / (MONTH_S / 3_600.0);
            let hi = (100.0 * sud.tiers[b].up_to / (MONTH_S / 3_600.0)).min(100.0);
            let share = sud.tiers[b].usd_per_unit;
            discounted.push(InvoiceLine {
                item: format!(
                    "{}, sustained use {lo:.0}–{hi:.0} % of the month ({} % of base)",
                    od.item,
                    super::book::number(100.0 * share)
                ),
                cost_usd: h * od.unit_price_usd * share,
                quantity: h,
                unit_price_usd: od.unit_price_usd * share,
                ..od.clone()
            });
        }
    }
    let mut lines = Vec::with_capacity(discounted.len() + 1);
    lines.push(InvoiceLine {
        quantity: left,
        cost_usd: left * od.unit_price_usd,
        ..od.clone()
    });
    lines.extend(discounted);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A $1/h plan, an hour with $1 of EC2 at 0.72 of on-demand (28 % off) and $1 of Lambda at
    /// 0.88 (12 % off): EC2 first — it costs the plan $0.72 and is covered whole; the $0.28
    /// left pays for $0.28 / 0.88 = $0.318… of Lambda's on-demand cost; the other $0.681…
    /// is billed on demand; nothing is left unused.
    #[test]
    fn a_plan_covers_the_highest_discount_first() {
        let usage = [
            PlanUsage {
                on_demand_usd: 1.0,
                rate_ratio: 0.88,
            },
            PlanUsage {
                on_demand_usd: 1.0,
                rate_ratio: 0.72,
            },
        ];
        let (covered, unused) = savings_plan_hour(1.0, &usage);
        assert!((covered[1] - 1.0).abs() < 1e-12);
        assert!((covered[0] - 0.28 / 0.88).abs() < 1e-12);
        assert!(unused.abs() < 1e-12);
        // A plan larger than the usage leaves the rest unused: $2 − 0.72 − 0.88 = $0.40.
        let (covered, unused) = savings_plan_hour(2.0, &usage);
        assert_eq!(covered, [1.0, 1.0]);
        assert!((unused - 0.40).abs() < 1e-12);
    }

    /// Two reserved instances over three hours of 1, 3 and 0 instances, the last hour half
    /// long: covered 1 + 2 + 0 = 3 instance-hours; unused 1 + 0 + 2 × 0.5 = 2.
    #[test]
    fn a_reservation_covers_up_to_its_count_each_hour() {
        let lengths = hour_lengths(2.5 * 3_600.0);
        assert_eq!(lengths, [1.0, 1.0, 0.5]);
        assert_eq!(reservation(2.0, &[1.0, 3.0, 0.0], &lengths), (3.0, 2.0));
    }
}
