//! The lines people forget on real bills, for products that serve requests and are priced from
//! a provider's book: data transfer out to the internet, CloudWatch Logs ingestion and a NAT
//! gateway, each optional and driven by the request profile (`response_bytes`, `log_bytes`).
//! Each product reads the variant's fields (`Extras::read`) and adds [`Extras::lines`] to its
//! invoice; all of them are [`CostCategory::Other`].

use crate::billing::book::Price;
use crate::billing::catalog::PriceSource;
use crate::billing::schemes::{self, Metered};
use crate::billing::{CostCategory, InvoiceLine, Period};
use crate::scenario::VariantCx;
use crate::scenario::validate::Result;

/// Bytes in a GB as AWS bills data transfer, log ingestion and NAT gateway data: 10^9 (decimal
/// gigabytes).
pub const BYTES_PER_GB: f64 = 1e9;

/// "GiB" for a price per GiB, else "GB".
pub fn unit_of(price: &Price) -> &'static str {
    if price.unit == "GiB" { "GiB" } else { "GB" }
}

/// Bytes in one unit of `price`: 2³⁰ for a price per GiB (Google Cloud's network and logging
/// prices), else [`BYTES_PER_GB`] (AWS and Azure price per GB of 10⁹ bytes).
pub fn bytes_per_unit(price: &Price) -> f64 {
    if price.unit == "GiB" {
        1_073_741_824.0
    } else {
        BYTES_PER_GB
    }
}

/// A NAT gateway's prices: per hour it exists and per GB it processes.
#[derive(Clone, Debug, PartialEq)]
pub struct NatGateway {
    /// Per NAT gateway-hour (`nat_gateway.hour`).
    pub hour: Price,
    /// Per GB processed (`nat_gateway.data`).
    pub data: Price,
}

/// Which of the forgotten lines a variant's bill has, with their prices and the request
/// profile's bytes. `Extras::default()` has none of them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Extras {
    /// `data_transfer_out = true`: each response served is billed as data transfer out to the
    /// internet (`data_transfer.internet_out`, in bands, 100 GB a month free).
    pub data_transfer_out: Option<Price>,
    /// Logs ingested by CloudWatch Logs (`cloudwatch.logs_ingest`, 5 GB a month free).
    pub logs: Option<Price>,
    /// `nat_gateway = true`: one NAT gateway for the whole period, and the responses served
    /// processed by it.
    pub nat_gateway: Option<NatGateway>,
    /// Bytes of each response (`traffic.request.response_bytes`).
    pub response_bytes: u64,
    /// Bytes of logs each request writes (`traffic.request.log_bytes`).
    pub log_bytes: u64,
}

/// What a run served, for the lines: requests completed (each sends its response), and the
/// requests that wrote logs (a function's invocations; a fleet's completed requests).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Served {
    /// Requests that completed by the horizon.
    pub responses: u64,
    /// Requests (invocations) that wrote `log_bytes` of logs.
    pub logged: u64,
}

impl Extras {
    /// The variant's `data_transfer_out`, `cloudwatch_logs` (`logs_by_default` when not given)
    /// and `nat_gateway`, priced in its region. Logs are billed only where `log_bytes` is above
    /// 0.
    ///
    /// # Errors
    /// `cloudwatch_logs = true` with `log_bytes` of 0 (it would bill nothing), or a price the
    /// book lacks.
    pub(crate) fn read(v: &VariantCx<'_>, logs_by_default: bool) -> Result<Extras> {
        let profile = &v.traffic().profile;
        let given_logs = v.cloudwatch_logs();
        if given_logs == Some(true) && profile.log_bytes == 0 {
            return Err(v.error(
                "cloudwatch_logs",
                "cloudwatch_logs = true, but each request writes no logs",
                "give [traffic.request] log_bytes = <bytes of logs per request>, e.g. 500",
            ));
        }
        if given_logs == Some(true)
            && v.book()
                .is_some_and(|b| b.bands("cloudwatch.logs_ingest").is_none())
        {
            return Err(v.error(
                "cloudwatch_logs",
                "cloudwatch_logs = true",
                "CloudWatch Logs is AWS's; this provider's log ingestion (Cloud Logging, Log \
                 Analytics) is not billed by scalesim yet: leave it out",
            ));
        }
        let logs = given_logs.unwrap_or(logs_by_default) && profile.log_bytes > 0;
        Ok(Extras {
            data_transfer_out: v
                .data_transfer_out()
                .then(|| v.price("data_transfer.internet_out"))
                .transpose()?,
            logs: logs
                .then(|| v.price("cloudwatch.logs_ingest"))
                .transpose()?,
            nat_gateway: if v.nat_gateway() {
                if v.book()
                    .is_some_and(|b| b.bands("nat_gateway.hour").is_none())
                {
                    return Err(v.error(
                        "nat_gateway",
                        "nat_gateway = true",
                        "this provider's price book prices no NAT gateway by the hour (Cloud \
                         NAT is priced per VM-hour, not modelled yet): leave it out",
                    ));
                }
                Some(NatGateway {
                    hour: v.price("nat_gateway.hour")?,
                    data: v.price("nat_gateway.data")?,
                })
            } else {
                None
            },
            response_bytes: profile.response_bytes,
            log_bytes: profile.log_bytes,
        })
    }

    /// The lines over `period` of what the horizon `served`: data transfer out (GB of
    /// responses, the free 100 GB a month first, then the bands), log ingestion (GB of logs, the
    /// free 5 GB a month first), and a NAT gateway's hours (the period's, a partial hour billed
    /// whole) and GB processed (the responses); each with its price's source.
    pub fn lines(&self, served: Served, period: &Period) -> Vec<(PriceSource, Vec<InvoiceLine>)> {
        let k = period.usage_scale;
        let month = period.month_fraction();
        let response_bytes = served.responses as f64 * self.response_bytes as f64 * k;
        let mut priced = Vec::new();
        if let Some(price) = &self.data_transfer_out {
            priced.push(schemes::by_price(
                Metered {
                    item: "Data transfer out to the internet",
                    category: CostCategory::Other,
                    quantity: response_bytes / bytes_per_unit(price),
                    unit: unit_of(price),
                },
                price,
                true,
                month,
            ));
        }
        if let Some(price) = &self.logs {
            priced.push(schemes::by_price(
                Metered {
                    item: "CloudWatch Logs ingestion",
                    category: CostCategory::Other,
                    quantity: served.logged as f64 * self.log_bytes as f64 / BYTES_PER_GB * k,
                    unit: "GB",
                },
                price,
                true,
                month,
            ));
        }
        if let Some(nat) = &self.nat_gateway {
            let hours = InvoiceLine::priced(
                "NAT gateway hours".into(),
                CostCategory::Other,
                (period.seconds / 3_600.0).ceil(),
                "NAT gateway-hours",
                nat.hour.usd(),
            );
            priced.push((
                nat.hour.source.clone(),
                schemes::marked(vec![hours], &nat.hour),
            ));
            priced.push(schemes::by_price(
                Metered {
                    item: "NAT gateway data processed",
                    category: CostCategory::Other,
                    quantity: response_bytes / bytes_per_unit(&nat.data),
                    unit: unit_of(&nat.data),
                },
                &nat.data,
                false,
                month,
            ));
        }
        priced
    }
}
