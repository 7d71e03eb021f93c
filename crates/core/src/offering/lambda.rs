//! AWS Lambda (`platform = "lambda"`): everything that makes the function model *Lambda* — the
//! fields a variant takes and their validation (AWS's memory sizes, keep-alive, account and
//! reserved concurrency, the function timeout), its memory per function, its 1 ms meter on
//! configured memory, its invoice (requests, GB-s in tiers, the free tier, an optional API
//! Gateway), its list-rate interval cost, its description and its presets.
//!
//! The model itself is [`crate::platform::serverless`]; its prices are AWS's price book
//! ([`crate::billing::book`]), in the variant's `region`.

use serde::Deserialize;

use crate::billing::book::{Price, list_price};
use crate::billing::catalog::Arch;
use crate::billing::schemes::{self, Metered};
use crate::billing::{CostCategory, Invoice, Period};
use crate::engine::{self, SimDuration, SimTime};
use crate::metrics::{FunctionOutcome, IntervalRow};
use crate::platform::PlatformFamily;
use crate::platform::serverless::limits::{
    self, DEFAULT_CONCURRENCY, MAX_TIMEOUT, MIN_TIMEOUT, MIN_UNRESERVED_CONCURRENCY,
};
use crate::platform::serverless::{
    DEFAULT_KEEP_ALIVE, FunctionConfig, FunctionModel, FunctionSetup, MAX_MEMORY_MB, MIN_MEMORY_MB,
    RUNTIMES, ReservedConcurrency, lambda_memory_for, runtime_cold_start, runtime_names,
};
use crate::results::VariantReport;
use crate::scenario::doc::Step;
use crate::scenario::raw::{RawDist, kind_fields};
use crate::scenario::validate::{Ctx, Result, dist, join, key};
use crate::scenario::{PlatformSpec, RawFields, ScenarioError, VariantCx};
use crate::traffic::{FunctionInfo, Traffic};
use crate::usage::{Invocations, Meter, gb_s};

use super::{Bills, Configured, Product, ProductFields, RunCtx, variant_report};

/// The name scenario files and reports give it: `platform = "lambda"`.
pub const KIND: &str = "lambda";
/// Functions.
pub const FAMILY: PlatformFamily = PlatformFamily::Function;
/// Each invocation's duration (INIT included) rounded up to 1 ms, × configured memory.
pub const METER: Meter = Meter::Millisecond;

/// AWS Lambda, the product.
#[derive(Debug)]
pub struct Lambda;

/// The provider whose price book bills it.
pub const PROVIDER: &str = "aws";

/// How a function is billed: its architecture, what fronts it, whether the free tier applies,
/// and its prices.
#[derive(Clone, Debug, PartialEq)]
pub struct LambdaBilling {
    /// Architecture, which picks the duration price.
    pub arch: Arch,
    /// Whether an API Gateway HTTP API fronts the function.
    pub api_gateway: bool,
    /// Whether the perpetual free tier applies.
    pub free_tier: bool,
    /// Its prices, in its region, after the scenario's changes.
    pub prices: LambdaPrices,
}

/// The prices a function is billed by.
#[derive(Clone, Debug, PartialEq)]
pub struct LambdaPrices {
    /// Per request (`lambda.requests`).
    pub requests: Price,
    /// Per GB-s of duration, in bands (`lambda.duration.<arch>`).
    pub duration: Price,
    /// Per request through an API Gateway HTTP API, in bands (`api_gateway.http.requests`).
    pub gateway: Price,
}

impl LambdaPrices {
    /// The price ids of a function of `arch`: requests, duration, gateway.
    pub fn ids(arch: Arch) -> [String; 3] {
        [
            "lambda.requests".into(),
            format!("lambda.duration.{}", arch.name()),
            "api_gateway.http.requests".into(),
        ]
    }

    /// The list prices of a function of `arch` in `region` of AWS's book.
    ///
    /// # Panics
    /// A region the book does not price.
    pub fn list(region: &str, arch: Arch) -> Self {
        let [r, d, g] = Self::ids(arch).map(|id| list_price(PROVIDER, region, &id));
        LambdaPrices {
            requests: r,
            duration: d,
            gateway: g,
        }
    }
}

impl LambdaBilling {
    /// A function of `arch` billed at AWS's list prices in us-east-1.
    pub fn list(arch: Arch, api_gateway: bool, free_tier: bool) -> Self {
        LambdaBilling {
            arch,
            api_gateway,
            free_tier,
            prices: LambdaPrices::list("us-east-1", arch),
        }
    }
}

impl Product for Lambda {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn family(&self) -> PlatformFamily {
        FAMILY
    }

    fn fields(&self) -> &'static [&'static str] {
        LambdaFields::NAMES
    }

    fn read(
        &self,
        fields: &RawFields<'_>,
    ) -> std::result::Result<Box<dyn ProductFields>, ScenarioError> {
        Ok(Box::new(LambdaFields::read(fields)?))
    }

    fn providers(&self) -> &'static [&'static str] {
        &[PROVIDER]
    }

    fn presets(&self) -> String {
        presets()
    }
}

/// A Lambda variant's configuration: the function model's parameters and the billing options.
#[derive(Clone, Debug, PartialEq)]
pub struct LambdaSpec {
    /// Model parameters.
    pub function: FunctionConfig,
    /// Billing options.
    pub billing: LambdaBilling,
}

impl Configured for LambdaSpec {
    fn product(&self) -> &'static dyn Product {
        &Lambda
    }

    fn run(&self, cx: RunCtx<'_, '_>) -> VariantReport {
        run(&self.function, &self.billing, cx)
    }

    fn warning(&self, variant: &str, report: &VariantReport) -> Option<String> {
        warning(&self.function, variant, report)
    }
}

/// Run a Lambda variant: one function per function the traffic names (its memory from the trace
/// with `memory_from_trace`), billed as Lambda bills.
pub fn run(
    function: &FunctionConfig,
    billing: &LambdaBilling,
    cx: RunCtx<'_, '_>,
) -> VariantReport {
    let RunCtx {
        scenario,
        variant,
        streams,
        requests,
        progress,
        log,
    } = cx;
    let horizon = SimTime::ZERO + scenario.horizon;
    let rng = streams.stream(&format!("cold-starts/{}", variant.name));
    let fns = scenario.traffic.functions();
    let reserved = function.reserved_concurrency.per_function(fns.len());
    let setups: Vec<FunctionSetup> = fns
        .iter()
        .zip(reserved)
        .map(|(f, reserved)| FunctionSetup {
            memory_mb: match f.memory_mb {
                Some(mb) if function.memory_from_trace => lambda_memory_for(mb),
                _ => function.memory_mb,
            },
            reserved,
        })
        .collect();
    let mut model = FunctionModel::new(
        function,
        &scenario.traffic.profile,
        &setups,
        !fns.is_empty(),
        rng,
        horizon,
        scenario.interval,
        METER,
    );
    if let Some(log) = log {
        model.log_requests_to(log);
    }
    let (_, sched) = engine::run(&mut model, &mut *requests, horizon, progress);
    let outcome = model.finish(sched.pending_events());
    let description = describe(billing, &outcome.usage);
    let bill = LambdaBill(billing);
    variant_report(scenario, variant, description, outcome, &bill)
}

/// "Lambda x86_64 512 MB + API Gateway".
pub fn describe(billing: &LambdaBilling, usage: &Invocations) -> String {
    let gateway = if billing.api_gateway {
        " + API Gateway"
    } else {
        ""
    };
    format!(
        "Lambda {} {}{gateway}",
        billing.arch.name(),
        memory_label(usage)
    )
}

/// The memory of a variant: "512 MB", or "memory per function" when its functions differ.
fn memory_label(usage: &Invocations) -> String {
    match usage.memory_mb {
        Some(mb) => format!("{mb} MB"),
        None => "memory per function".to_string(),
    }
}

/// The invoice of one Lambda variant: requests and GB-seconds (INIT included), each with its
/// free-tier line when the free tier applies and a line per price band reached, then API
/// Gateway HTTP API requests in bands when it fronts the function; each priced from the
/// variant's prices and citing their source.
pub fn invoice(usage: &Invocations, billing: &LambdaBilling, period: Period) -> Invoice {
    let prices = &billing.prices;
    let k = period.usage_scale;
    let month = period.month_fraction();
    let arch = billing.arch.name();
    let duration = format!(
        "Lambda duration incl. INIT ({arch}, {})",
        memory_label(usage)
    );
    let mut priced = vec![
        schemes::by_price(
            Metered {
                item: "Lambda requests",
                category: CostCategory::Requests,
                quantity: usage.invocations as f64 * k,
                unit: "requests",
            },
            &prices.requests,
            billing.free_tier,
            month,
        ),
        schemes::by_price(
            Metered {
                item: &duration,
                category: CostCategory::Compute,
                quantity: usage.gb_s() * k,
                unit: "GB-s",
            },
            &prices.duration,
            billing.free_tier,
            month,
        ),
    ];
    if billing.api_gateway {
        priced.push(schemes::by_price(
            Metered {
                item: "API Gateway HTTP API requests",
                category: CostCategory::Gateway,
                quantity: usage.front_door_requests as f64 * k,
                unit: "requests",
            },
            &prices.gateway,
            false,
            month,
        ));
    }
    Invoice::new(period, priced)
}

/// Cost at the first band's rates (no free tier) of `invocations` using `gb_s`, with
/// `front_door` requests through the gateway: the shape of cost over time and the weight of a
/// function's share of the bill.
pub fn list_cost(invocations: u64, gb_s: f64, front_door: u64, billing: &LambdaBilling) -> f64 {
    let prices = &billing.prices;
    let gateway = if billing.api_gateway {
        front_door as f64 * prices.gateway.usd()
    } else {
        0.0
    };
    invocations as f64 * prices.requests.usd() + gb_s * prices.duration.usd() + gateway
}

/// Lambda's bill, for the runner.
struct LambdaBill<'a>(&'a LambdaBilling);

impl Bills for LambdaBill<'_> {
    type Usage = Invocations;

    fn invoice(&self, usage: &Invocations, period: Period) -> Invoice {
        invoice(usage, self.0, period)
    }

    fn interval_cost(&self, row: &IntervalRow, _interval_s: f64) -> f64 {
        list_cost(row.usage_requests, row.usage_compute, row.arrivals, self.0)
    }

    fn function_weight(&self, f: &FunctionOutcome) -> f64 {
        let c = &f.counters;
        list_cost(c.arrived - c.throttled, gb_s(f.mb_ms), c.arrived, self.0)
    }
}

/// A warning when every invocation of the variant ran into its function timeout: the workload
/// does not fit in a function as configured (at most 15 minutes on Lambda).
pub fn warning(function: &FunctionConfig, variant: &str, report: &VariantReport) -> Option<String> {
    let c = &report.requests;
    let invocations = c.arrived - c.throttled - c.in_flight_at_end;
    (invocations > 0 && c.timed_out == invocations).then(|| {
        let timeout_s = function.timeout.as_secs_f64();
        let fix = if function.timeout < MAX_TIMEOUT {
            format!(
                "raise `timeout` (at most {} s, Lambda's maximum) or split the work",
                MAX_TIMEOUT.as_secs_f64()
            )
        } else {
            "Lambda allows no more than 900 s: the work does not fit in a function".to_string()
        };
        format!(
            "variant {variant}: every one of its {invocations} finished invocations ran into its \
             function timeout of {timeout_s} s and was stopped there (billed up to it); {fix}",
        )
    })
}

/// Lambda's lines of `scalesim presets`: limits and cold-start presets (its prices are listed
/// from AWS's price book: `lambda.*`, `api_gateway.*`).
pub fn presets() -> String {
    let mut s = format!("\nLambda (platform = \"{KIND}\"):\n");
    s += &format!(
        "  limits: account concurrency (concurrency) default {}, shared by functions, at least {} \
         unreserved;\n          {} invocations per second per unit of it; {} new environments per \
         function per {} s;\n          timeout {}–{} s (default {} s)\n",
        limits::DEFAULT_CONCURRENCY,
        limits::MIN_UNRESERVED_CONCURRENCY,
        limits::REQUESTS_PER_SECOND_PER_CONCURRENCY,
        limits::SCALE_OUT_ENVIRONMENTS,
        limits::SCALE_OUT_WINDOW.as_secs_f64(),
        limits::MIN_TIMEOUT.as_secs_f64(),
        limits::MAX_TIMEOUT.as_secs_f64(),
        limits::MAX_TIMEOUT.as_secs_f64(),
    );
    s += "  api_gateway = true puts an API Gateway HTTP API in front (api_gateway.http.requests)\n";
    s += "\nCold-start presets (runtime = ...), lognormal INIT latency:\n";
    for r in RUNTIMES {
        s += &format!(
            "  {:<7} median {:>6.1} ms  p99 {:>6.1} ms\n",
            r.name, r.median_ms, r.p99_ms
        );
    }
    s
}

kind_fields! {
    /// The fields of `platform = "lambda"`, in the order messages list them.
    pub struct LambdaFields {
        memory_mb: i64,
        arch: RawArch,
        runtime: String,
        cold_start: RawDist,
        keep_alive: String,
        concurrency: i64,
        reserved_concurrency: RawReserved,
        timeout: String,
        api_gateway: bool,
        free_tier: bool,
        memory_from_trace: bool,
    }
}

/// `arch = "x86_64" | "arm64"`.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
pub enum RawArch {
    /// `x86_64`.
    #[serde(rename = "x86_64")]
    X86_64,
    /// `arm64`.
    #[serde(rename = "arm64")]
    Arm64,
}

/// `reserved_concurrency = 100` (every function of the variant) or
/// `reserved_concurrency = { checkout = 200, search = 50 }` (by function name or unique prefix).
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum RawReserved {
    /// The same reservation for every function.
    Each(i64),
    /// A reservation by function name (or unique prefix).
    ByFunction(std::collections::BTreeMap<String, i64>),
}

impl ProductFields for LambdaFields {
    /// AWS's memory sizes, keep-alive, account and reserved concurrency, timeout (the fields of
    /// other products are already refused).
    fn validate(&self, v: &VariantCx<'_>) -> Result<PlatformSpec> {
        validate(v, v.ctx(), v.base(), self, v.kind(), v.traffic())
    }
}

/// Validate the fields of a `platform = "lambda"` variant at `base`.
///
/// # Errors
/// The first invalid value, located at its field.
fn validate(
    v: &VariantCx<'_>,
    cx: &Ctx,
    base: &[Step],
    raw: &LambdaFields,
    kind: &str,
    traffic: &Traffic,
) -> Result<PlatformSpec> {
    let profile = &traffic.profile;
    let p = |f| join(base, &[key(f)]);
    let memory_mb = cx.int_in(
        &p("memory_mb"),
        cx.need(base, kind, "memory_mb", &raw.memory_mb)?,
        i64::from(MIN_MEMORY_MB),
        i64::from(MAX_MEMORY_MB),
        " MB (AWS Lambda memory sizes)",
    )?;
    if profile.memory_mb > memory_mb {
        return Err(cx.err(
            &p("memory_mb"),
            format!(
                "{memory_mb} MB is less than the {} MB each request uses (traffic.request.memory_mb)",
                profile.memory_mb
            ),
            "give the function at least as much memory as one request uses",
        ));
    }
    let cold_start = match (&raw.runtime, &raw.cold_start) {
        (_, Some(d)) => dist(cx, &p("cold_start"), d)?,
        (Some(rt), None) => runtime_cold_start(rt).ok_or_else(|| {
            cx.err(
                &p("runtime"),
                format!("unknown runtime \"{rt}\""),
                format!(
                    "allowed: {}; or give `cold_start` explicitly",
                    runtime_names().join(", ")
                ),
            )
        })?,
        (None, None) => {
            return Err(cx.err(
                base,
                "a lambda variant needs `runtime` or `cold_start`",
                format!(
                    "set runtime to one of {}, or cold_start = {{ dist = \"constant\", ms = 0 }}",
                    runtime_names().join(", ")
                ),
            ));
        }
    };
    let keep_alive = match &raw.keep_alive {
        None => DEFAULT_KEEP_ALIVE,
        Some(text) => {
            let d = cx.duration(&p("keep_alive"), text)?;
            if d == SimDuration::ZERO {
                return Err(cx.err(
                    &p("keep_alive"),
                    "keep-alive of 0",
                    "allowed: a duration greater than 0",
                ));
            }
            d
        }
    };
    let account_concurrency = cx.int_in(
        &p("concurrency"),
        raw.concurrency.unwrap_or(i64::from(DEFAULT_CONCURRENCY)),
        1,
        1_000_000,
        " concurrent executions (the account's limit, shared by its functions)",
    )?;
    let reserved_concurrency = match &raw.reserved_concurrency {
        None => ReservedConcurrency::None,
        // A replay not checked yet: its function names are resolved when it is (parse_with).
        Some(RawReserved::ByFunction(map)) if traffic.trace_unchecked() => {
            for v in map.values() {
                let path = p("reserved_concurrency");
                let account = i64::from(account_concurrency);
                cx.int_in(&path, *v, 0, account, " concurrent executions")?;
            }
            ReservedConcurrency::ByFunction(Vec::new())
        }
        Some(r) => reserved(
            cx,
            &p("reserved_concurrency"),
            r,
            traffic.functions(),
            account_concurrency,
        )?,
    };
    let timeout = match &raw.timeout {
        None => MAX_TIMEOUT,
        Some(text) => {
            let t = cx.duration(&p("timeout"), text)?;
            if !(MIN_TIMEOUT..=MAX_TIMEOUT).contains(&t) {
                return Err(cx.err(
                    &p("timeout"),
                    format!("timeout \"{text}\" is out of range"),
                    "allowed: 1s to 900s (15 minutes), Lambda's function timeout",
                ));
            }
            t
        }
    };
    let arch = match raw.arch {
        None | Some(RawArch::X86_64) => Arch::X86_64,
        Some(RawArch::Arm64) => Arch::Arm64,
    };
    let [requests, duration, gateway] = LambdaPrices::ids(arch);
    // Bought on demand: a savings plan needs Lambda's usage hour by hour, not metered yet.
    v.purchase(&["on_demand"])?;
    Ok(PlatformSpec::new(LambdaSpec {
        function: FunctionConfig {
            memory_mb,
            keep_alive,
            account_concurrency,
            reserved_concurrency,
            timeout,
            cold_start,
            memory_from_trace: raw.memory_from_trace.unwrap_or(true),
        },
        billing: LambdaBilling {
            arch,
            api_gateway: raw.api_gateway.unwrap_or(false),
            free_tier: raw.free_tier.unwrap_or(false),
            prices: LambdaPrices {
                requests: v.price(&requests)?,
                duration: v.price(&duration)?,
                gateway: v.price(&gateway)?,
            },
        },
    }))
}

/// `reserved_concurrency`: a number for every function, or a table by function name (or unique
/// prefix of one). At least 100 of the account's concurrency must stay unreserved (AWS,
/// configuration-concurrency.html).
fn reserved(
    cx: &Ctx,
    path: &[Step],
    raw: &RawReserved,
    functions: &[FunctionInfo],
    account: u32,
) -> Result<ReservedConcurrency> {
    let range = |v: i64| cx.int_in(path, v, 0, i64::from(account), " concurrent executions");
    let (spec, total) = match raw {
        RawReserved::Each(v) => {
            let r = range(*v)?;
            (
                ReservedConcurrency::Each(r),
                u64::from(r) * functions.len().max(1) as u64,
            )
        }
        RawReserved::ByFunction(map) => {
            if functions.is_empty() {
                return Err(cx.err(
                    path,
                    "a table of reservations needs traffic that names functions",
                    "the traffic has one function: write reserved_concurrency = <number>",
                ));
            }
            let mut list = Vec::with_capacity(map.len());
            for (name, v) in map {
                let r = range(*v)?;
                let hits: Vec<usize> = match functions.iter().position(|f| &f.name == name) {
                    Some(i) => vec![i],
                    None => (0..functions.len())
                        .filter(|&i| functions[i].name.starts_with(name.as_str()))
                        .collect(),
                };
                match hits.as_slice() {
                    [i] => list.push((*i as u32, r)),
                    _ => {
                        let some: Vec<&str> =
                            functions.iter().take(5).map(|f| f.name.as_str()).collect();
                        return Err(cx.err(
                            path,
                            format!(
                                "\"{name}\" names {} of the replayed functions",
                                if hits.is_empty() { "none" } else { "several" }
                            ),
                            format!(
                                "give a function's full name or a unique prefix, e.g. {}",
                                some.join(", ")
                            ),
                        ));
                    }
                }
            }
            let total = list.iter().map(|&(_, r)| u64::from(r)).sum();
            (ReservedConcurrency::ByFunction(list), total)
        }
    };
    let unreserved = u64::from(account).saturating_sub(total);
    if total > u64::from(account) || unreserved < u64::from(MIN_UNRESERVED_CONCURRENCY) {
        return Err(cx.err(
            path,
            format!(
                "{total} reserved of an account concurrency of {account} leaves {unreserved} unreserved"
            ),
            format!(
                "AWS keeps at least {MIN_UNRESERVED_CONCURRENCY} unreserved: reserve at most {} in \
                 all, or raise `concurrency` (the account's limit)",
                u64::from(account).saturating_sub(u64::from(MIN_UNRESERVED_CONCURRENCY))
            ),
        ));
    }
    Ok(spec)
}
