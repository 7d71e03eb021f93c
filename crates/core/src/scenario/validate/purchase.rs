//! A variant's `purchase = { option = ..., ... }`: how its capacity is bought
//! ([`crate::billing::purchase`]).

use super::{Ctx, Result, index, join, key};
use crate::billing::purchase::{OnInterruption, Payment, PlanKind, Purchase, Term};
use crate::scenario::doc::Step;
use crate::scenario::raw::RawPurchase;

/// Most spot interruptions per instance-hour a scenario may ask for: one a minute.
pub(crate) const MAX_INTERRUPTIONS_PER_HOUR: f64 = 60.0;

/// The options and the fields each takes besides `option`.
const OPTIONS: [(&str, &[&str]); 5] = [
    ("on_demand", &[]),
    ("reserved", &["count", "term", "payment"]),
    // Compute Engine's resource-based commitments: paid monthly, no payment choice.
    ("committed_use", &["count", "term"]),
    (
        "savings_plan",
        &["kind", "commitment_per_hour", "term", "payment"],
    ),
    (
        "spot",
        &[
            "price_ratio",
            "interruptions_per_hour",
            "interruptions_at",
            "notice",
            "on_interruption",
            "price_history",
        ],
    ),
];

/// Validate `purchase` at `path` (a variant's `purchase`): an option of `allowed` (the
/// product's), its fields and only those.
///
/// # Errors
/// An option the product does not offer, a field of another option, a value out of range: at
/// it, with what is allowed.
pub(crate) fn purchase(
    cx: &Ctx,
    path: &[Step],
    raw: &RawPurchase,
    allowed: &[&str],
    kind: &str,
) -> Result<Purchase> {
    let p = |f| join(path, &[key(f)]);
    let Some((option, fields)) = OPTIONS
        .iter()
        .find(|(o, _)| *o == raw.option && allowed.contains(o))
    else {
        return Err(cx.err(
            &p("option"),
            format!("{kind} is not bought as \"{}\"", raw.option),
            format!("allowed: {}", allowed.join(", ")),
        ));
    };
    let given = [
        ("term", raw.term.is_some()),
        ("payment", raw.payment.is_some()),
        ("count", raw.count.is_some()),
        ("kind", raw.kind.is_some()),
        ("commitment_per_hour", raw.commitment_per_hour.is_some()),
        ("price_ratio", raw.price_ratio.is_some()),
        (
            "interruptions_per_hour",
            raw.interruptions_per_hour.is_some(),
        ),
        ("interruptions_at", raw.interruptions_at.is_some()),
        ("notice", raw.notice.is_some()),
        ("on_interruption", raw.on_interruption.is_some()),
        ("price_history", raw.price_history.is_some()),
    ];
    if let Some((field, _)) = given.iter().find(|(f, g)| *g && !fields.contains(f)) {
        return Err(cx.err(
            &p(field),
            format!("`{field}` does not apply to option = \"{option}\""),
            if fields.is_empty() {
                format!("option = \"{option}\" takes no other field")
            } else {
                format!("fields of option = \"{option}\": {}", fields.join(", "))
            },
        ));
    }
    let term = || -> Result<Term> {
        match raw.term.as_deref() {
            None | Some("1y") => Ok(Term::OneYear),
            Some("3y") => Ok(Term::ThreeYears),
            Some(t) => Err(cx.err(
                &p("term"),
                format!("term \"{t}\""),
                "allowed: \"1y\" (default) or \"3y\"",
            )),
        }
    };
    let payment = || -> Result<Payment> {
        match raw.payment.as_deref() {
            None | Some("no_upfront") => Ok(Payment::NoUpfront),
            Some("partial_upfront") => Ok(Payment::PartialUpfront),
            Some("all_upfront") => Ok(Payment::AllUpfront),
            Some(t) => Err(cx.err(
                &p("payment"),
                format!("payment \"{t}\""),
                "allowed: \"no_upfront\" (default), \"partial_upfront\", \"all_upfront\"",
            )),
        }
    };
    Ok(match *option {
        "on_demand" => Purchase::OnDemand,
        "reserved" | "committed_use" => Purchase::Reserved {
            count: cx.int_in(
                &p("count"),
                cx.need(path, &format!("option = \"{option}\""), "count", &raw.count)?,
                1,
                i64::from(crate::platform::iaas::MAX_INSTANCES),
                if *option == "reserved" {
                    " instances reserved"
                } else {
                    " instances of the machine type committed (their vCPUs and memory)"
                },
            )?,
            term: term()?,
            payment: payment()?,
        },
        "savings_plan" => Purchase::SavingsPlan {
            kind: match raw.kind.as_deref() {
                None | Some("compute") => PlanKind::Compute,
                Some("ec2_instance") => PlanKind::Ec2Instance,
                Some(k) => {
                    return Err(cx.err(
                        &p("kind"),
                        format!("kind \"{k}\""),
                        "allowed: \"compute\" (default; EC2, Fargate, Lambda) or \"ec2_instance\" \
                         (one EC2 family)",
                    ));
                }
            },
            commitment_per_hour: cx.positive(
                &p("commitment_per_hour"),
                cx.need(
                    path,
                    "option = \"savings_plan\"",
                    "commitment_per_hour",
                    &raw.commitment_per_hour,
                )?,
            )?,
            term: term()?,
            payment: payment()?,
        },
        _ => Purchase::Spot {
            price_history: price_history(cx, &p("price_history"), raw)?,
            price_ratio: raw
                .price_ratio
                .map(|r| {
                    if r > 0.0 && r <= 1.0 {
                        Ok(r)
                    } else {
                        Err(cx.err(
                            &p("price_ratio"),
                            format!("value {r} is not allowed"),
                            "allowed: above 0 and at most 1 (the spot price as a share of on-demand)",
                        ))
                    }
                })
                .transpose()?,
            interruptions_per_hour: raw
                .interruptions_per_hour
                .map(|r| {
                    // At most one a minute per instance: each interruption launches a
                    // replacement, so the work of a run grows with the rate.
                    if (0.0..=MAX_INTERRUPTIONS_PER_HOUR).contains(&r) {
                        Ok(r)
                    } else {
                        Err(cx.err(
                            &p("interruptions_per_hour"),
                            format!("value {r} is not allowed"),
                            format!(
                                "allowed: 0 to {MAX_INTERRUPTIONS_PER_HOUR} interruptions per \
                                 instance-hour (AWS's Spot Instance Advisor's worst band, over \
                                 20 % a month, is about 0.0003)"
                            ),
                        ))
                    }
                })
                .transpose()?,
            interruptions_at_s: interruptions_at(cx, &p("interruptions_at"), raw)?,
            notice_s: raw
                .notice
                .as_deref()
                .map(|t| {
                    let d = cx.duration(&p("notice"), t)?;
                    if d > MAX_NOTICE {
                        return Err(cx.err(
                            &p("notice"),
                            format!("\"{t}\" is more than an hour"),
                            "allowed: 0s to 1h (AWS gives two minutes, \"120s\"; Google Cloud and Azure 30 s)",
                        ));
                    }
                    Ok(d.as_secs_f64())
                })
                .transpose()?,
            on_interruption: match raw.on_interruption.as_deref() {
                None | Some("retry") => OnInterruption::Retry,
                Some("fail") => OnInterruption::Fail,
                Some(o) => {
                    return Err(cx.err(
                        &p("on_interruption"),
                        format!("on_interruption \"{o}\""),
                        "allowed: \"retry\" (default: sent again to the fleet) or \"fail\"",
                    ));
                }
            },
        },
    })
}

/// Longest interruption notice accepted: an hour (AWS gives two minutes, Google Cloud 30 s).
const MAX_NOTICE: crate::engine::SimDuration = crate::engine::SimDuration::from_secs(3_600);

/// Most replayed interruptions accepted.
const MAX_REPLAYED: usize = 100_000;

/// Highest spot price accepted in a history, USD per instance-hour (the dearest instance
/// types cost about $100 an hour on demand).
const MAX_SPOT_USD_PER_HOUR: f64 = 1_000.0;

/// `price_history = [{ at = "0s", usd_per_hour = 0.0302 }, ...]`: a replayed spot price,
/// the first at 0, in increasing time; not with `price_ratio`.
///
/// # Errors
/// Both forms given, an empty or too long history, a first time other than 0, times not
/// increasing, a price not above 0 or above [`MAX_SPOT_USD_PER_HOUR`].
fn price_history(cx: &Ctx, path: &[Step], raw: &RawPurchase) -> Result<Vec<(f64, f64)>> {
    let Some(history) = &raw.price_history else {
        return Ok(Vec::new());
    };
    if raw.price_ratio.is_some() {
        return Err(cx.err(
            path,
            "price_history and price_ratio both given",
            "give one: a spot price history in USD an hour, or a ratio of on-demand",
        ));
    }
    if history.is_empty() || history.len() > MAX_REPLAYED {
        return Err(cx.err(
            path,
            format!("{} prices", history.len()),
            format!("allowed: 1 to {MAX_REPLAYED} entries {{ at, usd_per_hour }}"),
        ));
    }
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(history.len());
    for (k, e) in history.iter().enumerate() {
        let at = cx
            .duration(&join(path, &[index(k), key("at")]), &e.at)?
            .as_secs_f64();
        if k == 0 && at != 0.0 {
            return Err(cx.err(
                &join(path, &[index(0), key("at")]),
                format!("the history starts at \"{}\"", e.at),
                "its first price is at \"0s\", the start of the run",
            ));
        }
        if out.last().is_some_and(|&(prev, _)| at <= prev) {
            return Err(cx.err(
                &join(path, &[index(k), key("at")]),
                format!("\"{}\" is not after the entry before it", e.at),
                "list the prices in increasing time",
            ));
        }
        if !(e.usd_per_hour > 0.0 && e.usd_per_hour <= MAX_SPOT_USD_PER_HOUR) {
            return Err(cx.err(
                &join(path, &[index(k), key("usd_per_hour")]),
                format!("value {} is not allowed", e.usd_per_hour),
                format!("allowed: above 0 and at most {MAX_SPOT_USD_PER_HOUR} USD an hour"),
            ));
        }
        out.push((at, e.usd_per_hour));
    }
    Ok(out)
}

/// `interruptions_at = ["2h", "5h30m"]`: times from the start of the run, in seconds.
fn interruptions_at(cx: &Ctx, path: &[Step], raw: &RawPurchase) -> Result<Vec<f64>> {
    let Some(times) = &raw.interruptions_at else {
        return Ok(Vec::new());
    };
    if times.len() > MAX_REPLAYED {
        return Err(cx.err(
            path,
            format!("{} interruptions", times.len()),
            format!("allowed: at most {MAX_REPLAYED} (or a rate, interruptions_per_hour)"),
        ));
    }
    times
        .iter()
        .enumerate()
        .map(|(k, t)| {
            cx.duration(&join(path, &[index(k)]), t)
                .map(|d| d.as_secs_f64())
        })
        .collect()
}
