//! `[prices]`: a scenario's changes to list prices — private rates by price id and negotiated
//! discounts — checked against the price books ([`crate::billing::book`]).

use super::{Ctx, Result, index, join, key};
use crate::billing::book::{Discount, PriceChanges, Rate, catalog};
use crate::scenario::doc::Step;
use crate::scenario::raw::{RawPrices, RawRate};

/// Validate `[prices]`: each rate's key names a price of one provider's book (optionally
/// `provider/` and `region/` first) and gives a value per band; each discount a percentage
/// above 0 and below 100, and filters that exist.
///
/// # Errors
/// The first key or value that does not, at it.
pub(crate) fn prices(cx: &Ctx, raw: Option<&RawPrices>) -> Result<PriceChanges> {
    let Some(raw) = raw else {
        return Ok(PriceChanges::default());
    };
    let books = catalog();
    let providers = books.provider_names().join(", ");
    let mut changes = PriceChanges::default();
    for (text, value) in &raw.rates {
        let path = [key("prices"), key("rates"), Step::owned_key(text)];
        let parts: Vec<&str> = text.split('/').collect();
        let (provider, region, id) = match parts.as_slice() {
            [id] => (None, None, *id),
            [p, id] => (Some(*p), None, *id),
            [p, r, id] => (Some(*p), Some(*r), *id),
            _ => {
                return Err(cx.err(
                    &path,
                    format!("\"{text}\" is not a price"),
                    "write a price id (\"ec2.m7g.large\"), or provider/id, or provider/region/id \
                     (\"aws/eu-west-1/ec2.m7g.large\"); `scalesim presets` lists the ids",
                ));
            }
        };
        let candidates: Vec<_> = books
            .providers
            .iter()
            .filter(|b| provider.is_none_or(|p| p == b.provider))
            .filter(|b| b.bands(id).is_some())
            .collect();
        let book = match (provider, candidates.as_slice()) {
            (Some(p), _) if books.provider(p).is_none() => {
                return Err(cx.err(
                    &path,
                    format!("\"{p}\" is not a provider"),
                    format!("allowed: {providers}"),
                ));
            }
            (_, [one]) => *one,
            (_, []) => {
                let ids: Vec<&str> = books
                    .providers
                    .iter()
                    .filter(|b| provider.is_none_or(|p| p == b.provider))
                    .flat_map(|b| b.ids())
                    .collect();
                let near = crate::scenario::closest(id, &ids)
                    .map(|n| format!("did you mean \"{n}\"? "))
                    .unwrap_or_default();
                return Err(cx.err(
                    &path,
                    format!("no price book has a price \"{id}\""),
                    format!(
                        "{near}`scalesim presets --provider P` lists every price id ({providers})"
                    ),
                ));
            }
            (_, several) => {
                let names: Vec<String> = several
                    .iter()
                    .map(|b| format!("\"{}/{id}\"", b.provider))
                    .collect();
                return Err(cx.err(
                    &path,
                    format!("\"{id}\" is a price of several providers"),
                    format!("name the provider: {}", names.join(" or ")),
                ));
            }
        };
        if let Some(r) = region
            && !book.regions.iter().any(|x| x == r)
        {
            return Err(cx.err(
                &path,
                format!("{} has no region \"{r}\"", book.title),
                format!("allowed: {}", book.regions.join(", ")),
            ));
        }
        let usd = match value {
            RawRate::One(u) => vec![*u],
            RawRate::Bands(v) => v.clone(),
        };
        let bands = book.bands(id).unwrap_or(1);
        if usd.len() != bands {
            return Err(cx.err(
                &path,
                format!("{} value(s) for a price of {bands} band(s)", usd.len()),
                if bands == 1 {
                    "give one number: USD per unit".to_string()
                } else {
                    format!("give a list of {bands} numbers: USD per unit in each band, in order")
                },
            ));
        }
        let unit = book.unit(id).unwrap_or("");
        for (j, u) in usd.iter().enumerate() {
            let at = if matches!(value, RawRate::One(_)) {
                path.to_vec()
            } else {
                join(&path, &[index(j)])
            };
            match unit {
                // A share of on-demand: what a reservation, a plan or spot pays.
                "ratio" if !(*u > 0.0 && *u <= 1.0) => {
                    return Err(cx.err(
                        &at,
                        format!("value {u} is not allowed"),
                        "allowed: above 0 and at most 1 (a share of the on-demand price)",
                    ));
                }
                "per instance-hour" if !(0.0..=60.0).contains(u) => {
                    return Err(cx.err(
                        &at,
                        format!("value {u} is not allowed"),
                        "allowed: 0 to 60 events per instance-hour",
                    ));
                }
                _ => {
                    cx.non_negative(&at, *u)?;
                }
            }
        }
        changes.rates.push(Rate {
            provider: book.provider.clone(),
            region: region.map(str::to_string),
            id: id.to_string(),
            usd,
        });
    }
    for (i, d) in raw.discount.iter().enumerate() {
        let base = [key("prices"), key("discount"), index(i)];
        let p = |f| join(&base, &[key(f)]);
        if !(d.percent > 0.0 && d.percent < 100.0) {
            return Err(cx.err(
                &p("percent"),
                format!("{} % is not a discount", d.percent),
                "allowed: above 0 and below 100 (percent off the list price)",
            ));
        }
        let scope: Vec<_> = match &d.provider {
            None => books.providers.iter().collect(),
            Some(name) => vec![books.provider(name).ok_or_else(|| {
                cx.err(
                    &p("provider"),
                    format!("\"{name}\" is not a provider"),
                    format!("allowed: {providers}"),
                )
            })?],
        };
        if let Some(s) = &d.service
            && !scope.iter().any(|b| b.has_service(s))
        {
            let mut services: Vec<&str> = scope
                .iter()
                .flat_map(|b| b.ids().map(crate::billing::book::service_of))
                .collect();
            services.sort_unstable();
            services.dedup();
            return Err(cx.err(
                &p("service"),
                format!("no price belongs to a service \"{s}\""),
                format!("allowed: {}", services.join(", ")),
            ));
        }
        if let Some(r) = &d.region
            && !scope.iter().any(|b| b.regions.contains(r))
        {
            let regions: Vec<&str> = scope
                .iter()
                .flat_map(|b| b.regions.iter().map(String::as_str))
                .collect();
            return Err(cx.err(
                &p("region"),
                format!("no price book has a region \"{r}\""),
                format!("allowed: {}", regions.join(", ")),
            ));
        }
        changes.discounts.push(Discount {
            name: d.name.clone(),
            percent: d.percent,
            provider: d.provider.clone(),
            service: d.service.clone(),
            region: d.region.clone(),
        });
    }
    Ok(changes)
}

/// Warn of each `[prices]` change that no variant's price matches ([`Ctx::used_prices`], filled
/// as the variants are priced): a private rate for a provider or region no variant is priced
/// in, a discount whose filters together select none of the money the variants pay (a
/// discount never changes a ratio or a rate of events). It changes nothing, which is almost
/// certainly not what was meant; an id or a service that no book has is refused by
/// [`prices`] already.
pub(crate) fn unused(cx: &Ctx, raw: Option<&RawPrices>, changes: &PriceChanges) {
    let Some(raw) = raw else {
        return;
    };
    let used = cx.used_prices.borrow();
    for (text, rate) in raw.rates.keys().zip(&changes.rates) {
        if !used
            .iter()
            .any(|u| rate.covers(&u.provider, &u.region, &u.id))
        {
            let mut priced: Vec<String> = used
                .iter()
                .map(|u| format!("{}/{}", u.provider, u.region))
                .collect();
            priced.sort_unstable();
            priced.dedup();
            cx.warn(
                &[key("prices"), key("rates"), Step::owned_key(text)],
                format!("\"{text}\" is a price no variant pays: the rate changes nothing"),
                if priced.is_empty() {
                    "no variant is priced from a price book".to_string()
                } else {
                    format!(
                        "the variants are priced in {}; check the provider, region and id",
                        priced.join(", ")
                    )
                },
            );
        }
    }
    for (i, d) in changes.discounts.iter().enumerate() {
        if !used
            .iter()
            .any(|u| u.discountable && d.covers(&u.provider, &u.region, &u.id))
        {
            let filters: Vec<String> = [
                ("provider", &d.provider),
                ("service", &d.service),
                ("region", &d.region),
            ]
            .iter()
            .filter_map(|(f, v)| v.as_ref().map(|v| format!("{f} = \"{v}\"")))
            .collect();
            cx.warn(
                &[key("prices"), key("discount"), index(i)],
                format!(
                    "the discount {} matches no price any variant pays: it changes nothing",
                    d.describe()
                ),
                format!(
                    "its filters ({}) select none of the variants' prices; check them, or drop \
                     the discount",
                    if filters.is_empty() {
                        "none".to_string()
                    } else {
                        filters.join(", ")
                    }
                ),
            );
        }
    }
}
