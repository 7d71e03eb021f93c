//! The commitment advisor: from a run's hourly usage, the savings plan commitment ($/hour) or
//! the reservation (instances) that costs least, and the cost at every level — the question
//! "how much should we commit?" that AWS's own recommendations answer from hourly usage
//! (AWS Cost Management, "Savings Plans recommendations" and "Reservation recommendations",
//! read 2026-11: both look back at hourly on-demand usage and pick the commitment that
//! minimises the total).
//!
//! Over hours `h` of on-demand cost `d_h`, a plan of `C` $/hour at a rate `r` (the plan's
//! price as a share of on-demand) costs `total(C) = Σ_h C + max(0, d_h − C / r)`: the
//! commitment every hour, and what it cannot cover on demand. `total` is convex and piecewise
//! linear, with a kink at each `C = r · d_h`; its slope just above `C` is `H − #{h : d_h > C /
//! r} / r`, so the optimum is `C* = r · q*` with `q*` the least usage level exceeded in at most
//! a share `r` of the hours — the one level whose hours above it pay back the commitment.
//! A reservation of `n` instances at a rate `r` is the same problem in instance-hours:
//! `total(n) = Σ_h n · r · p + max(0, u_h − n) · p` for an on-demand price `p`, so `n*` is the
//! least count exceeded in at most a share `r` of the hours. Both are found by evaluating
//! `total` at every kink (exact for a piecewise-linear convex function).

use serde::{Deserialize, Serialize};

/// One commitment option's advice: the best level and the cost at every level tried.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// What it is: "compute savings plan, 1y, no upfront", "m7g.large reserved, 1y, no
    /// upfront".
    pub label: String,
    /// Its unit: "$/hour" (a savings plan) or "instances" (a reservation).
    pub unit: String,
    /// Its rate as a share of on-demand.
    pub rate_ratio: f64,
    /// The level that costs least (the smallest of equals).
    pub best: f64,
    /// The usage's cost at that level over a 730-hour month, USD.
    pub monthly_usd: f64,
    /// `(level, monthly USD)` at 0, at the kinks of the cost (every one, or about 200 of them
    /// evenly spread, the best always among them) and a little above the largest, in
    /// increasing level: what a chart draws.
    pub levels: Vec<(f64, f64)>,
}

/// The advice for one fleet: its hourly usage and the best of each option.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommitmentAdvice {
    /// What runs: "EC2 m7g.large".
    pub machine: String,
    /// Instance-hours in each hour of the horizon (the last hour may be partial).
    pub usage_by_hour: Vec<f64>,
    /// The on-demand price of an instance-hour, USD.
    pub on_demand_usd_per_hour: f64,
    /// The usage's cost on demand over a 730-hour month, USD.
    pub monthly_on_demand_usd: f64,
    /// The best savings plan, when the provider sells one for the machine (Compute Engine's
    /// advice weighs its resource commitments only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub savings_plan: Option<Choice>,
    /// The best reservation.
    pub reservation: Choice,
}

impl CommitmentAdvice {
    /// Its choices: the savings plan (when there is one), then the reservation.
    pub fn choices(&self) -> impl Iterator<Item = &Choice> {
        self.savings_plan.iter().chain([&self.reservation])
    }
}

/// The cost over the horizon of covering hourly on-demand costs `cost_by_hour` (hour `h`
/// `lengths[h]` hours long) with a commitment of `c` $/hour at `rate`: each hour `c × length`
/// plus what it does not cover, on demand.
pub fn plan_total(c: f64, rate: f64, cost_by_hour: &[f64], lengths: &[f64]) -> f64 {
    lengths
        .iter()
        .enumerate()
        .map(|(h, &len)| {
            let d = cost_by_hour.get(h).copied().unwrap_or(0.0);
            c * len + (d - c * len / rate).max(0.0)
        })
        .sum()
}

/// The commitment ($/hour, at `rate`) that minimises [`plan_total`], with the total at it and
/// at every kink: `(best, its total, levels)` (totals over the horizon).
pub fn best_plan(rate: f64, cost_by_hour: &[f64], lengths: &[f64]) -> (f64, f64, Vec<(f64, f64)>) {
    let mut kinks: Vec<f64> = lengths
        .iter()
        .enumerate()
        .filter(|&(_, &len)| len > 0.0)
        .map(|(h, &len)| rate * cost_by_hour.get(h).copied().unwrap_or(0.0) / len)
        .collect();
    kinks.push(0.0);
    kinks.sort_by(f64::total_cmp);
    kinks.dedup();
    let top = kinks.last().copied().unwrap_or(0.0);
    if top > 0.0 {
        kinks.push(top * 1.25);
    }
    let levels: Vec<(f64, f64)> = kinks
        .iter()
        .map(|&c| (c, plan_total(c, rate, cost_by_hour, lengths)))
        .collect();
    let (best, total) = cheapest(&levels);
    (best, total, levels)
}

/// The level of `levels` (`(level, total)`, increasing level) with the least total, the
/// smallest of equals (within 10^-12).
fn cheapest(levels: &[(f64, f64)]) -> (f64, f64) {
    levels
        .iter()
        .copied()
        .fold((0.0, f64::INFINITY), |(bl, bt), (l, t)| {
            if t < bt - 1e-12 { (l, t) } else { (bl, bt) }
        })
}

/// The cost over the horizon of `usage_by_hour` instance-hours with `n` instances reserved at
/// `rate` × `price` an instance-hour (paid every hour) and the rest at `price` on demand.
pub fn reservation_total(
    n: f64,
    rate: f64,
    price: f64,
    usage_by_hour: &[f64],
    lengths: &[f64],
) -> f64 {
    lengths
        .iter()
        .enumerate()
        .map(|(h, &len)| {
            let u = usage_by_hour.get(h).copied().unwrap_or(0.0);
            n * len * rate * price + (u - n * len).max(0.0) * price
        })
        .sum()
}

/// The whole number of instances to reserve that minimises [`reservation_total`]: `(best, its
/// total, levels)` at 0 and every whole count up to the largest hour's (at most 200 levels,
/// evenly spread above that).
pub fn best_reservation(
    rate: f64,
    price: f64,
    usage_by_hour: &[f64],
    lengths: &[f64],
) -> (f64, f64, Vec<(f64, f64)>) {
    let peak = usage_by_hour
        .iter()
        .zip(lengths)
        .filter(|&(_, &len)| len > 0.0)
        .map(|(u, len)| (u / len).ceil())
        .fold(0.0, f64::max);
    let step = (peak / 200.0).ceil().max(1.0);
    let mut counts: Vec<f64> = (0..)
        .map(|i| f64::from(i) * step)
        .take_while(|&n| n <= peak)
        .collect();
    // The kinks (each hour's whole usage, rounded either way) are where the best one lies.
    for (u, len) in usage_by_hour.iter().zip(lengths) {
        if *len > 0.0 {
            counts.push((u / len).floor());
            counts.push((u / len).ceil());
        }
    }
    counts.sort_by(f64::total_cmp);
    counts.dedup();
    let levels: Vec<(f64, f64)> = counts
        .iter()
        .map(|&n| (n, reservation_total(n, rate, price, usage_by_hour, lengths)))
        .collect();
    let (best, total) = cheapest(&levels);
    (best, total, levels)
}

/// The advice for a fleet of `machine` whose horizon of `horizon_s` seconds had
/// `usage_by_hour` instance-hours in each hour, at `price` per instance-hour on demand, for a
/// savings plan at `plan_rate` (labelled `plan_label`; none when `plan` is `None`) and a
/// reservation (or commitment) at `reserved_rate` (`reserved_label`); monthly figures repeat the
/// horizon over 730 hours.
pub fn advise(
    machine: &str,
    usage_by_hour: &[f64],
    horizon_s: f64,
    price: f64,
    plan: Option<(&str, f64)>,
    (reserved_label, reserved_rate): (&str, f64),
) -> CommitmentAdvice {
    let lengths = super::purchase::hour_lengths(horizon_s);
    let month = super::MONTH_S / horizon_s;
    let cost_by_hour: Vec<f64> = usage_by_hour.iter().map(|u| u * price).collect();
    let (n, n_total, n_levels) = best_reservation(reserved_rate, price, usage_by_hour, &lengths);
    // At most about 200 levels for the chart (every kink is kept when there are fewer): the
    // best one and both ends always.
    let monthly = |levels: Vec<(f64, f64)>, best: f64| -> Vec<(f64, f64)> {
        let step = levels.len().div_ceil(200).max(1);
        let last = levels.len().saturating_sub(1);
        levels
            .into_iter()
            .enumerate()
            .filter(|&(i, (l, _))| i % step == 0 || i == last || l == best)
            .map(|(_, (l, t))| (l, t * month))
            .collect()
    };
    CommitmentAdvice {
        machine: machine.to_string(),
        usage_by_hour: usage_by_hour.to_vec(),
        on_demand_usd_per_hour: price,
        monthly_on_demand_usd: cost_by_hour.iter().sum::<f64>() * month,
        savings_plan: plan.map(|(plan_label, plan_rate)| {
            let (c, c_total, c_levels) = best_plan(plan_rate, &cost_by_hour, &lengths);
            Choice {
                label: plan_label.to_string(),
                unit: "$/hour".into(),
                rate_ratio: plan_rate,
                best: c,
                monthly_usd: c_total * month,
                levels: monthly(c_levels, c),
            }
        }),
        reservation: Choice {
            label: reserved_label.to_string(),
            unit: "instances".into(),
            rate_ratio: reserved_rate,
            best: n,
            monthly_usd: n_total * month,
            levels: monthly(n_levels, n),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 100 hours: 40 at $10 of on-demand usage, 60 at $2; a plan at 0.7 of on-demand.
    /// Closed form (module doc): the least level exceeded in at most 70 % of the hours is $2
    /// ($0 is exceeded in 100 %, $2 in 40 %), so C* = 0.7 × $2 = $1.40/hour, and
    /// total(C*) = 100 × 1.4 + 40 × (10 − 1.4 / 0.7) = 140 + 320 = $460, against $520 on
    /// demand (40 × 10 + 60 × 2). Either side costs more: at $1.20, 120 + 40 × (10 − 1.714…)
    /// + 60 × (2 − 1.714…) = $468.57; at $2, 200 + 40 × (10 − 2.857…) = $485.71.
    #[test]
    fn the_plan_is_the_closed_form_optimum() {
        let mut cost = vec![10.0; 40];
        cost.extend(vec![2.0; 60]);
        let lengths = vec![1.0; 100];
        let (c, total, levels) = best_plan(0.7, &cost, &lengths);
        assert!((c - 1.4).abs() < 1e-12, "{c}");
        assert!((total - 460.0).abs() < 1e-9, "{total}");
        assert!((plan_total(0.0, 0.7, &cost, &lengths) - 520.0).abs() < 1e-9);
        assert!((plan_total(1.2, 0.7, &cost, &lengths) - 468.571_428_571).abs() < 1e-6);
        assert!((plan_total(2.0, 0.7, &cost, &lengths) - 485.714_285_714).abs() < 1e-6);
        assert!(levels.iter().all(|&(_, t)| t >= total - 1e-9));
    }

    /// 10 hours of 6 instances, 20 of 3 and 70 of 1; reserved at 0.6 of on-demand ($1 an
    /// hour). Closed form: the least count exceeded in at most 60 % of the hours is 1 (0 is
    /// exceeded in 100 %, 1 in 30 %), so n* = 1: total = 100 × 0.6 + 10 × 5 + 20 × 2 = $150,
    /// against $190 on demand (60 + 60 + 70) and, with 3 reserved, 180 + 10 × 3 = $210.
    #[test]
    fn the_reservation_is_the_closed_form_optimum() {
        let mut usage = vec![6.0; 10];
        usage.extend(vec![3.0; 20]);
        usage.extend(vec![1.0; 70]);
        let lengths = vec![1.0; 100];
        let (n, total, _) = best_reservation(0.6, 1.0, &usage, &lengths);
        assert_eq!(n, 1.0);
        assert!((total - 150.0).abs() < 1e-9);
        assert!((reservation_total(0.0, 0.6, 1.0, &usage, &lengths) - 190.0).abs() < 1e-9);
        assert!((reservation_total(3.0, 0.6, 1.0, &usage, &lengths) - 210.0).abs() < 1e-9);
    }

    /// Steady usage is covered whole: 2 instances every hour, a plan at 0.7 → $0.7 × 2 × price.
    #[test]
    fn steady_usage_is_covered_whole() {
        let a = advise(
            "EC2 m7g.large",
            &[2.0; 24],
            86_400.0,
            0.0816,
            Some(("plan", 0.7)),
            ("reserved", 0.63),
        );
        let plan = a.savings_plan.as_ref().expect("a plan was weighed");
        assert!((plan.best - 0.7 * 2.0 * 0.0816).abs() < 1e-12);
        assert_eq!(a.reservation.best, 2.0);
        // 730 h × 2 × $0.0816 × 0.63 = $75.06.
        assert!((a.reservation.monthly_usd - 730.0 * 2.0 * 0.0816 * 0.63).abs() < 1e-6);
    }
}
