//! AWS Lambda (`platform = "lambda"`): everything that makes the function model *Lambda* — the
//! fields a variant takes and their validation (AWS's memory sizes, keep-alive, account and
//! reserved concurrency, the function timeout), its memory per function, its 1 ms meter on
//! configured memory, its invoice (requests, GB-s in tiers, the free tier, an optional API
//! Gateway), its list-rate interval cost, its description and its presets.
//!
//! The model itself is [`crate::platform::serverless`]; its prices are AWS's price book
//! ([`crate::billing::book`]), in the variant's `region`.

use serde::Deserialize;

use crate::autoscale::ScheduledAction;
use crate::billing::book::{Price, list_price};
use crate::billing::catalog::Arch;
use crate::billing::catalog::PriceSource;
use crate::billing::purchase::{
    self, Bought, PlanKind, PlanUsage, Purchase, Words, hour_lengths, savings_plan_hour,
};
use crate::billing::schemes::{self, Metered};
use crate::billing::{CostCategory, Invoice, InvoiceLine, Period};
use crate::engine::chunks::{self, Plan, Stretched};
use crate::engine::{self, SimDuration, SimTime};
use crate::metrics::{FunctionOutcome, IntervalRow};
use crate::platform::Outcome;
use crate::platform::PlatformFamily;
#[cfg(feature = "parallel")]
use crate::platform::serverless::limits::REQUESTS_PER_SECOND_PER_CONCURRENCY;
use crate::platform::serverless::limits::{
    self, DEFAULT_CONCURRENCY, MAX_TIMEOUT, MIN_TIMEOUT, MIN_UNRESERVED_CONCURRENCY,
};
use crate::platform::serverless::{
    DEFAULT_KEEP_ALIVE, FunctionConfig, FunctionModel, FunctionSetup, MAX_MEMORY_MB, MIN_MEMORY_MB,
    ProvisionedConcurrency, ProvisionedTargetTracking, RUNTIMES, ReservedConcurrency,
    lambda_memory_for, runtime_cold_start, runtime_names,
};
use crate::results::{Grouped, VariantReport};
use crate::scenario::doc::Step;
use crate::scenario::raw::{RawDist, kind_fields};
use crate::scenario::validate::{Ctx, Result, dist, index, join, key};
use crate::scenario::{PlatformSpec, RawFields, Scenario, ScenarioError, Variant, VariantCx};
use crate::traffic::{FunctionInfo, Traffic};
use crate::usage::{Invocations, Meter, ProvisionedPeriod, gb_s};

use super::extras::{Extras, Served};
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
    /// What fronts the function: nothing, an API Gateway HTTP or REST API, or a function URL.
    pub front_door: FrontDoor,
    /// Whether the perpetual free tier applies.
    pub free_tier: bool,
    /// Its prices, in its region, after the scenario's changes.
    pub prices: LambdaPrices,
    /// Data transfer out, log ingestion, a NAT gateway, where the variant has them.
    pub extras: Extras,
    /// How its duration and provisioned concurrency are bought (`purchase`): on demand, or
    /// under a compute savings plan with the plan's rate for Lambda
    /// (`savings_plan.compute.<term>.<payment>.lambda`, a share of on-demand).
    pub bought: Bought,
}

/// The options a Lambda function is bought as: on demand, or under a Compute Savings Plan
/// (`kind = "compute"`: AWS's Compute Savings Plans cover Lambda, EC2 Instance Savings Plans
/// one EC2 family only; how the plan is billed: [`invoice`]).
pub const PURCHASE_OPTIONS: [&str; 2] = ["on_demand", "savings_plan"];

/// The price id of the rate `purchase` pays for Lambda, as a share of on-demand:
/// `savings_plan.compute.<term>.<payment>.lambda`; none on demand (or for an option Lambda
/// does not take).
pub fn purchase_rate_id(purchase: &Purchase) -> Option<String> {
    match purchase {
        Purchase::SavingsPlan {
            kind: PlanKind::Compute,
            term,
            payment,
            ..
        } => Some(format!(
            "savings_plan.compute.{}.{}.lambda",
            term.name(),
            payment.name()
        )),
        _ => None,
    }
}

/// What fronts a function (`api_gateway`): each request that reaches the function comes
/// through it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrontDoor {
    /// Nothing billed (`api_gateway = false`, the default): invoked directly.
    None,
    /// An API Gateway HTTP API (`true` or `"http"`), `api_gateway.http.requests` in bands.
    HttpApi,
    /// An API Gateway REST API (`"rest"`), `api_gateway.rest.requests` in bands.
    RestApi,
    /// A Lambda function URL (`"function_url"`): no charge beyond the function's own
    /// (aws.amazon.com/lambda/pricing: function URLs are included in the requests and duration
    /// prices).
    FunctionUrl,
}

impl FrontDoor {
    /// The price id of its requests, when it bills them.
    pub fn price_id(self) -> Option<&'static str> {
        match self {
            FrontDoor::HttpApi => Some("api_gateway.http.requests"),
            FrontDoor::RestApi => Some("api_gateway.rest.requests"),
            FrontDoor::None | FrontDoor::FunctionUrl => None,
        }
    }
}

/// The prices a function is billed by.
#[derive(Clone, Debug, PartialEq)]
pub struct LambdaPrices {
    /// Per request (`lambda.requests`).
    pub requests: Price,
    /// Per GB-s of duration, in bands (`lambda.duration.<arch>`).
    pub duration: Price,
    /// Per request through its front door, in bands: `api_gateway.http.requests` (also when
    /// nothing fronts it), or `api_gateway.rest.requests` for a REST API.
    pub gateway: Price,
    /// Per GB-s of provisioned concurrency configured (`lambda.provisioned.<arch>`).
    pub provisioned: Price,
    /// Per GB-s of duration on provisioned environments (`lambda.provisioned_duration.<arch>`).
    pub provisioned_duration: Price,
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

    /// The price ids of provisioned concurrency for a function of `arch`: configured, and
    /// duration on it.
    pub fn provisioned_ids(arch: Arch) -> [String; 2] {
        [
            format!("lambda.provisioned.{}", arch.name()),
            format!("lambda.provisioned_duration.{}", arch.name()),
        ]
    }

    /// The list prices of a function of `arch` in `region` of AWS's book.
    ///
    /// # Panics
    /// A region the book does not price.
    pub fn list(region: &str, arch: Arch) -> Self {
        let [r, d, g] = Self::ids(arch).map(|id| list_price(PROVIDER, region, &id));
        let [pc, pd] = Self::provisioned_ids(arch).map(|id| list_price(PROVIDER, region, &id));
        LambdaPrices {
            requests: r,
            duration: d,
            gateway: g,
            provisioned: pc,
            provisioned_duration: pd,
        }
    }
}

impl LambdaBilling {
    /// A function of `arch` billed at AWS's list prices in us-east-1.
    /// `api_gateway` puts an API Gateway HTTP API in front.
    pub fn list(arch: Arch, api_gateway: bool, free_tier: bool) -> Self {
        LambdaBilling {
            arch,
            front_door: if api_gateway {
                FrontDoor::HttpApi
            } else {
                FrontDoor::None
            },
            free_tier,
            prices: LambdaPrices::list("us-east-1", arch),
            extras: Extras::default(),
            bought: Bought::on_demand(),
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

    fn warning(&self, variant: &str, report: &VariantReport, _: SimDuration) -> Option<String> {
        warning(&self.function, variant, report)
    }
}

/// How to cut a Lambda variant's run into stretches of time (`None`: run it in one go, when
/// `scenario.stretches` is 1 or its traffic is a replayed trace, read from its first row).
///
/// Warm-up: a stretch starts from no environments twice the keep-alive, plus the function
/// timeout and a reporting interval, before its first boundary. An environment alive at the
/// boundary was last used within a keep-alive of it, by a request that started within a
/// timeout of its end, so by then the guess has usually met the true state; when it has not,
/// the fix-up finds out and the answer is still exact. Boundaries are multiples of the
/// reporting interval and of the random streams' block.
fn stretch_plan(function: &FunctionConfig, scenario: &Scenario) -> Option<Plan> {
    if scenario.stretches <= 1 || !scenario.traffic.starts_anywhere() {
        return None;
    }
    Some(Plan {
        chunks: scenario.stretches,
        warm_up: SimDuration::from_micros(
            2 * function.keep_alive.as_micros()
                + function.timeout.as_micros()
                + scenario.interval.as_micros(),
        ),
        align: chunks::align(scenario.interval),
        checkpoints: 8,
    })
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
        progress_from_threads,
        chunking,
        grouping,
    } = cx;
    let horizon = SimTime::ZERO + scenario.horizon;
    let rng = streams.blocks(&format!("cold-starts/{}", variant.name));
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
    let new_model = || {
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
        // Only a savings plan, applied hour by hour, needs the usage of each hour.
        if matches!(billing.bought.purchase, Purchase::SavingsPlan { .. }) {
            model.keep_usage_by_hour();
        }
        model
    };
    let model = new_model();
    let plan = stretch_plan(function, scenario);
    if scenario.stretches > 1 {
        let why_not = if !scenario.traffic.starts_anywhere() {
            Some("a replayed trace is read from its first row")
        } else if log.is_some() {
            Some("a request log is written in the order the run goes")
        } else if !model.can_run_in_stretches() {
            Some(
                "provisioned concurrency (its levels and target tracking look back over the \
                 whole run) and per-function tallies are not cut",
            )
        } else {
            None
        };
        *chunking = why_not.map(Stretched::InOneGo);
    }
    let groups = if scenario.function_groups > 1 {
        let why_not = if fns.is_empty() {
            Some("the traffic names no functions (an arrival process is one workload)")
        } else if fns.len() < 2 {
            Some("the traffic names one function")
        } else if log.is_some() {
            Some("a request log is written in the order the run goes")
        } else if function.provisioned_concurrency.is_some() {
            Some(
                "provisioned concurrency is not split into groups (its periods, and any schedule \
                 or target tracking, are kept for the variant as a whole)",
            )
        } else if !cfg!(feature = "parallel") {
            Some("scalesim-core was built without the `parallel` feature")
        } else {
            None
        };
        if let Some(why) = why_not {
            *grouping = Some(Grouped::InOneGo(why.to_string()));
        }
        why_not.is_none()
    } else {
        false
    };
    #[cfg(not(feature = "parallel"))]
    let _ = groups;
    #[cfg(feature = "parallel")]
    let model = if groups {
        use crate::platform::serverless::groups;
        let requests_of: Vec<u64> = fns.iter().map(|f| f.requests).collect();
        let owner = groups::assign(&requests_of, scenario.function_groups);
        let rate_limit =
            REQUESTS_PER_SECOND_PER_CONCURRENCY * u64::from(function.account_concurrency);
        match groups::run(
            new_model,
            &mut *requests,
            &owner,
            horizon,
            rate_limit,
            progress,
        ) {
            Ok(outcome) => {
                *grouping = Some(Grouped::Ran {
                    groups: owner.iter().max().map_or(1, |g| g + 1),
                    functions: fns.len(),
                });
                return lambda_report(scenario, variant, function, billing, outcome);
            }
            Err(why) => {
                // Read the trace again from its first row, and run every function together.
                *requests = scenario.traffic.requests(streams, horizon);
                *grouping = Some(Grouped::InOneGo(format!(
                    "{why}; the groups' answer might differ, so it ran again in one go"
                )));
                new_model()
            }
        }
    } else {
        model
    };
    let mut model = model;
    let outcome = match plan {
        Some(plan) if log.is_none() && model.can_run_in_stretches() => {
            let make = |at: SimTime| {
                let mut m = new_model();
                m.start_at(at);
                let requests = scenario
                    .traffic
                    .requests_from(streams, at)
                    .expect("bug: stretch_plan checked that the traffic can start anywhere");
                (m, requests)
            };
            let (run, done) = chunks::run_chunked(make, horizon, &plan, progress_from_threads);
            *chunking = Some(Stretched::Ran(done));
            run.model.finish(run.sched.pending_events())
        }
        _ => {
            if let Some(log) = log {
                model.log_requests_to(log);
            }
            let (_, sched) = engine::run(&mut model, &mut *requests, horizon, progress);
            model.finish(sched.pending_events())
        }
    };
    lambda_report(scenario, variant, function, billing, outcome)
}

/// The report of a Lambda variant from what its run measured: described, billed.
fn lambda_report(
    scenario: &Scenario,
    variant: &Variant,
    function: &FunctionConfig,
    billing: &LambdaBilling,
    outcome: Outcome<Invocations>,
) -> VariantReport {
    let description = describe(billing, &outcome.usage) + &provisioned_label(function);
    let bill = LambdaBill {
        billing,
        served: Served {
            responses: outcome.counters.completed,
            logged: outcome.usage.invocations,
        },
        provisioned: outcome
            .usage
            .provisioned
            .as_ref()
            .map(|p| p.periods.clone())
            .unwrap_or_default(),
    };
    variant_report(scenario, variant, description, outcome, &bill)
}

/// ", 100 provisioned", ", provisioned by schedule", ", provisioned by target tracking", or
/// nothing without provisioned concurrency.
pub fn provisioned_label(function: &FunctionConfig) -> String {
    match &function.provisioned_concurrency {
        ProvisionedConcurrency::None => String::new(),
        ProvisionedConcurrency::Each(l) => format!(", {l} provisioned"),
        ProvisionedConcurrency::ByFunction(_) => ", provisioned per function".into(),
        ProvisionedConcurrency::Schedule(_) => ", provisioned by schedule".into(),
        ProvisionedConcurrency::TargetTracking(_) => ", provisioned by target tracking".into(),
    }
}

/// "Lambda x86_64 512 MB + API Gateway"; under a savings plan "Lambda x86_64 512 MB, compute
/// Savings Plan (1y, no upfront, $0.5/h) + API Gateway".
pub fn describe(billing: &LambdaBilling, usage: &Invocations) -> String {
    let gateway = match billing.front_door {
        FrontDoor::None => "",
        FrontDoor::HttpApi => " + API Gateway",
        FrontDoor::RestApi => " + API Gateway REST API",
        FrontDoor::FunctionUrl => " + function URL",
    };
    let bought = match billing.bought.purchase {
        Purchase::OnDemand => String::new(),
        _ => format!(", {}", billing.bought.describe()),
    };
    format!(
        "Lambda {} {}{bought}{gateway}",
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
/// free-tier line when the free tier applies and a line per price band reached; with
/// provisioned concurrency, the GB-s on on-demand environments only, then the provisioned
/// concurrency configured (each period at a level rounded up to 5 minutes) and the duration on
/// provisioned environments, each at its own flat rate; then API Gateway HTTP or REST API
/// requests in bands when one fronts the function (a function URL costs nothing); each priced
/// from the variant's prices and citing their source. The lines that need what the run served
/// (data transfer out, logs, a NAT gateway: [`Extras`]) are the runner's ([`invoice_serving`]).
///
/// Under a compute savings plan ([`LambdaBilling::bought`]), after the requests: the
/// commitment — the period's hours × its $/hour, used or not ([`CostCategory::Commitment`]) —
/// then, for each of duration, provisioned concurrency configured and duration on it, the GB-s
/// the plan covers at $0 and the rest as above ([`savings_plan_cover`]). Requests are not
/// covered: a Compute Savings Plan covers Lambda's duration (on-demand and on provisioned
/// concurrency) and provisioned concurrency, not requests (concurrencylabs.com/blog/
/// guide-aws-savings-plans/, "Types of Savings Plans"; cloudwiry.com/lambda-functions/, the
/// plan's rates "only apply for Concurrency and Duration"; both read 2026-11, as the price
/// book's note on `savings_plan.compute.1y.no_upfront.lambda` has it; AWS's Savings Plans
/// user guide itself was not among the stored pages searched then, and one page,
/// docs.archera.ai "AWS Lambda — commitment brief" (data of 2026-03), says requests are
/// covered too, which no other source read says).
pub fn invoice(usage: &Invocations, billing: &LambdaBilling, period: Period) -> Invoice {
    Invoice::new(period.clone(), priced_lines(usage, billing, &period))
}

/// [`invoice`], with the [`Extras`] lines of what the horizon `served`.
pub fn invoice_serving(
    usage: &Invocations,
    served: Served,
    billing: &LambdaBilling,
    period: Period,
) -> Invoice {
    let mut priced = priced_lines(usage, billing, &period);
    priced.extend(billing.extras.lines(served, &period));
    Invoice::new(period, priced)
}

/// What a compute savings plan covers of a Lambda bill over a period, GB-s: of duration on
/// on-demand environments, of provisioned concurrency configured, of duration on provisioned
/// concurrency (each at most the period's quantity); and the commitment's line.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanCover {
    /// GB-s covered of [duration, provisioned concurrency configured, duration on it].
    pub gb_s: [f64; 3],
    /// The commitment: the period's hours at the plan's $/hour, with the share of it used.
    pub commitment: InvoiceLine,
}

/// The savings plan of `billing` (if it has one) applied to `usage` over `period`, hour by
/// hour as [`crate::billing::purchase::instance_lines`] applies one to EC2.
///
/// Each hour `h` of the horizon (the last one's share when partial: [`hour_lengths`]), the
/// commitment × the hour's length pays for that hour's on-demand cost of the three covered
/// charges — duration GB-s on on-demand environments started in the hour
/// ([`Invocations::mb_ms_by_hour`] less [`crate::usage::ProvisionedUsage::mb_ms_by_hour`]) × the first
/// duration band's rate, provisioned GB-s configured in the hour
/// ([`crate::usage::ProvisionedUsage::configured_gb_s_by_hour`]) × its rate, duration GB-s on provisioned
/// environments × its rate — at the plan's rate ([`savings_plan_hour`]: highest discount
/// first; all three share Lambda's rate, so they are covered in that order); the rest is
/// billed on demand, and an hour's unused commitment is paid all the same (AWS Savings Plans
/// user guide, "How Savings Plans apply to your AWS usage", read 2026-11, as
/// [`crate::billing::purchase`] cites it). A projection over a longer period repeats the
/// horizon's hours: the covered GB-s × `period.usage_scale`, at most the period's quantities
/// `quantities` ([duration, configured, duration on provisioned], GB-s).
///
/// The order with Lambda's monthly price bands and free tier is a choice, not read: AWS's
/// pages read (2026-11) do not say whether the plan is applied before or after them. The plan
/// is applied first, to each hour's usage at the first band's (list) rate; the free tier and
/// the bands then apply to the GB-s it leaves (so covered GB-s do not count toward the band
/// thresholds, 6 B GB-s a month and more, nor use up the free tier). Hour by hour is how the
/// plan is billed, while the free tier and the bands are monthly totals that a simulated
/// horizon only prorates; if AWS gives the free tier first, a plan covers less than this in
/// the month's first hours.
///
/// `None` on demand.
pub fn savings_plan_cover(
    usage: &Invocations,
    billing: &LambdaBilling,
    period: &Period,
    quantities: [f64; 3],
) -> Option<PlanCover> {
    let Purchase::SavingsPlan {
        commitment_per_hour,
        ..
    } = billing.bought.purchase
    else {
        return None;
    };
    let ratio = billing.bought.rate.as_ref()?.usd();
    let prices = &billing.prices;
    let rates = [
        prices.duration.usd(),
        prices.provisioned.usd(),
        prices.provisioned_duration.usd(),
    ];
    let k = period.usage_scale;
    let lengths = hour_lengths(period.seconds / k);
    let pc = usage.provisioned.as_ref();
    let configured = pc.map_or_else(
        || vec![0.0; lengths.len()],
        |p| p.configured_gb_s_by_hour(lengths.len()),
    );
    let hour = |v: &[u128], h: usize| v.get(h).copied().unwrap_or(0);
    let mut covered_usd = [0.0; 3];
    for (h, &length) in lengths.iter().enumerate() {
        let on_pc = pc.map_or(0, |p| hour(&p.mb_ms_by_hour, h));
        let gb_s_h = [
            gb_s(hour(&usage.mb_ms_by_hour, h) - on_pc),
            configured[h],
            gb_s(on_pc),
        ];
        let uses: Vec<PlanUsage> = (0..3)
            .map(|i| PlanUsage {
                on_demand_usd: gb_s_h[i] * rates[i],
                rate_ratio: ratio,
            })
            .collect();
        let (covered, _) = savings_plan_hour(commitment_per_hour * length, &uses);
        for i in 0..3 {
            covered_usd[i] += covered[i];
        }
    }
    let gb_s_covered: [f64; 3] = std::array::from_fn(|i| {
        if rates[i] > 0.0 {
            (covered_usd[i] * k / rates[i]).min(quantities[i])
        } else {
            0.0
        }
    });
    let period_hours = period.seconds / 3_600.0;
    let paid = commitment_per_hour * period_hours;
    let used: f64 = (0..3).map(|i| gb_s_covered[i] * rates[i] * ratio).sum();
    let describe = purchase::capital(&billing.bought.describe());
    Some(PlanCover {
        gb_s: gb_s_covered,
        commitment: InvoiceLine::priced(
            format!(
                "{describe} commitment ({:.1} % used)",
                100.0 * used / paid.max(f64::MIN_POSITIVE)
            ),
            CostCategory::Commitment,
            period_hours,
            "hours",
            commitment_per_hour,
        ),
    })
}

/// The lines of [`invoice`], by source.
fn priced_lines(
    usage: &Invocations,
    billing: &LambdaBilling,
    period: &Period,
) -> Vec<(PriceSource, Vec<InvoiceLine>)> {
    let prices = &billing.prices;
    let k = period.usage_scale;
    let month = period.month_fraction();
    let arch = billing.arch.name();
    let label = memory_label(usage);
    let pc = usage.provisioned.as_ref();
    let quantities = [
        gb_s(usage.mb_ms - pc.map_or(0, |p| p.mb_ms)) * k,
        pc.map_or(0.0, |p| p.configured_gb_s(k)),
        pc.map_or(0.0, |p| p.duration_gb_s() * k),
    ];
    let cover = savings_plan_cover(usage, billing, period, quantities);
    let mut priced = vec![schemes::by_price(
        Metered {
            item: "Lambda requests",
            category: CostCategory::Requests,
            quantity: usage.invocations as f64 * k,
            unit: "requests",
        },
        &prices.requests,
        billing.free_tier,
        month,
    )];
    if let (Some(cover), Some(rate)) = (&cover, &billing.bought.rate) {
        priced.push((
            rate.source.clone(),
            schemes::marked(vec![cover.commitment.clone()], rate),
        ));
    }
    // Each covered charge: its GB-s under the plan at $0 (when there is a plan), then the rest
    // as without one.
    let mut charge = |i: usize, item: String, category: CostCategory, price: &Price, free| {
        let (item, rest) = match &cover {
            None => (item, quantities[i]),
            Some(c) => {
                priced.push((
                    price.source.clone(),
                    vec![InvoiceLine::priced(
                        format!("{item}, covered by the savings plan"),
                        category,
                        c.gb_s[i],
                        "GB-s",
                        0.0,
                    )],
                ));
                (
                    format!("{item}, beyond the savings plan"),
                    (quantities[i] - c.gb_s[i]).max(0.0),
                )
            }
        };
        priced.push(schemes::by_price(
            Metered {
                item: &item,
                category,
                quantity: rest,
                unit: "GB-s",
            },
            price,
            free,
            month,
        ));
    };
    charge(
        0,
        format!("Lambda duration incl. INIT ({arch}, {label})"),
        CostCategory::Compute,
        &prices.duration,
        billing.free_tier,
    );
    if pc.is_some() {
        charge(
            1,
            format!("Lambda provisioned concurrency ({arch}, {label})"),
            CostCategory::Commitment,
            &prices.provisioned,
            false,
        );
        charge(
            2,
            format!("Lambda duration on provisioned concurrency ({arch}, {label})"),
            CostCategory::Compute,
            &prices.provisioned_duration,
            false,
        );
    }
    let gateway_item = match billing.front_door {
        FrontDoor::RestApi => "API Gateway REST API requests",
        _ => "API Gateway HTTP API requests",
    };
    if billing.front_door.price_id().is_some() {
        priced.push(schemes::by_price(
            Metered {
                item: gateway_item,
                category: CostCategory::Gateway,
                quantity: usage.front_door_requests as f64 * k,
                unit: "requests",
            },
            &prices.gateway,
            false,
            month,
        ));
    }
    priced
}

/// Cost at the first band's rates (no free tier) of `invocations` using `gb_s`, with
/// `front_door` requests through the gateway: the shape of cost over time and the weight of a
/// function's share of the bill.
pub fn list_cost(invocations: u64, gb_s: f64, front_door: u64, billing: &LambdaBilling) -> f64 {
    let prices = &billing.prices;
    let gateway = if billing.front_door.price_id().is_some() {
        front_door as f64 * prices.gateway.usd()
    } else {
        0.0
    };
    invocations as f64 * prices.requests.usd() + gb_s * prices.duration.usd() + gateway
}

/// Lambda's bill, for the runner: its billing options and the periods of provisioned
/// concurrency of the run (for the shape of cost over time).
struct LambdaBill<'a> {
    billing: &'a LambdaBilling,
    served: Served,
    provisioned: Vec<ProvisionedPeriod>,
}

impl LambdaBill<'_> {
    /// GB-s of provisioned concurrency configured between `from_s` and `to_s` (unrounded).
    fn provisioned_gb_s(&self, from_s: f64, to_s: f64) -> f64 {
        let (from_us, to_us) = ((from_s * 1e6) as u64, (to_s * 1e6) as u64);
        self.provisioned
            .iter()
            .map(|p| {
                let overlap = p.end_us.min(to_us).saturating_sub(p.start_us.max(from_us));
                p.mb as f64 * overlap as f64 / 1e3 / crate::usage::MB_MS_PER_GB_S
            })
            .sum()
    }
}

impl Bills for LambdaBill<'_> {
    type Usage = Invocations;

    fn invoice(&self, usage: &Invocations, period: Period) -> Invoice {
        invoice_serving(usage, self.served, self.billing, period)
    }

    /// At list rates; the duration of invocations on provisioned environments is in
    /// `usage_compute` with the rest, at the on-demand rate (the shape only: the intervals'
    /// costs are scaled to the invoice's total), and the provisioned concurrency configured in
    /// the interval at its rate.
    fn interval_cost(&self, row: &IntervalRow, interval_s: f64) -> f64 {
        let pc = if self.provisioned.is_empty() {
            0.0
        } else {
            self.provisioned_gb_s(row.end_s - interval_s, row.end_s)
                * self.billing.prices.provisioned.usd()
        };
        list_cost(
            row.usage_requests,
            row.usage_compute,
            row.arrivals,
            self.billing,
        ) + pc
    }

    /// Its requests and GB-s at list rates (provisioned concurrency configured is left out of a
    /// function's weight).
    fn function_weight(&self, f: &FunctionOutcome) -> f64 {
        let c = &f.counters;
        list_cost(
            c.arrived - c.throttled,
            gb_s(f.mb_ms),
            c.arrived,
            self.billing,
        )
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
    s += "  api_gateway = true or \"http\" puts an API Gateway HTTP API in front \
          (api_gateway.http.requests), \"rest\" a REST API (api_gateway.rest.requests),\n  \
          \"function_url\" a function URL (no charge)\n";
    s += "  every priced variant: data_transfer_out = true (data_transfer.internet_out), \
          cloudwatch_logs (cloudwatch.logs_ingest,\n  of [traffic.request] log_bytes), \
          nat_gateway = true (nat_gateway.hour, nat_gateway.data)\n";
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
        provisioned_concurrency: RawProvisioned,
        timeout: String,
        api_gateway: RawFrontDoor,
        free_tier: bool,
        memory_from_trace: bool,
    }
}

/// `api_gateway = true | false | "http" | "rest" | "function_url"`.
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum RawFrontDoor {
    /// `true` (an HTTP API) or `false` (nothing).
    On(bool),
    /// `"http"`, `"rest"` or `"function_url"`.
    Named(String),
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

/// `provisioned_concurrency`: a number for every function, a table by function name (or unique
/// prefix), `{ schedule = [{ at = "08:00", level = 200, days = [...] }, ...] }` or
/// `{ target_value = 0.7, min_capacity = 1, max_capacity = 100 }`.
#[derive(Debug, Clone)]
pub enum RawProvisioned {
    /// The same level for every function.
    Each(i64),
    /// A table: its keys decide which kind it is (see [`RawProvisionedTable`]).
    Table(RawProvisionedTable),
}

/// The keys of a `provisioned_concurrency` table: `schedule`, or `target_value`,
/// `min_capacity` and `max_capacity`, or function names with their levels.
#[derive(Debug, Clone, Default)]
pub struct RawProvisionedTable {
    /// `schedule = [...]`: scheduled actions.
    pub schedule: Option<Vec<RawLevelAction>>,
    /// `target_value`: target tracking's utilisation target.
    pub target_value: Option<f64>,
    /// `min_capacity`.
    pub min_capacity: Option<i64>,
    /// `max_capacity`.
    pub max_capacity: Option<i64>,
    /// Every other key: a function's name (or unique prefix) and its level.
    pub functions: std::collections::BTreeMap<String, i64>,
}

/// One action of `provisioned_concurrency = { schedule = [...] }`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawLevelAction {
    /// `at`: the time of day, `HH:MM`, or of the week, `Sat 10:00`.
    pub at: String,
    /// `level`: the provisioned concurrency it sets.
    pub level: i64,
    /// `days`: the weekdays a time of day runs on (every day when absent).
    pub days: Option<Vec<String>>,
}

impl<'de> Deserialize<'de> for RawProvisioned {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = RawProvisioned;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a whole number of environments, a table by function name, { schedule = \
                     [{ at = \"08:00\", level = 10 }] } or { target_value = 0.7, min_capacity = \
                     1, max_capacity = 100 }",
                )
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<Self::Value, E> {
                Ok(RawProvisioned::Each(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<Self::Value, E> {
                Ok(RawProvisioned::Each(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> std::result::Result<Self::Value, M::Error> {
                let mut t = RawProvisionedTable::default();
                while let Some(k) = map.next_key::<String>()? {
                    match k.as_str() {
                        "schedule" => t.schedule = Some(map.next_value()?),
                        "target_value" => t.target_value = Some(map.next_value()?),
                        "min_capacity" => t.min_capacity = Some(map.next_value()?),
                        "max_capacity" => t.max_capacity = Some(map.next_value()?),
                        _ => {
                            let level = map.next_value()?;
                            t.functions.insert(k, level);
                        }
                    }
                }
                Ok(RawProvisioned::Table(t))
            }
        }
        d.deserialize_any(Visit)
    }
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
    let provisioned_concurrency = match &raw.provisioned_concurrency {
        None => ProvisionedConcurrency::None,
        Some(r) => provisioned(
            cx,
            &p("provisioned_concurrency"),
            r,
            traffic,
            account_concurrency,
            &reserved_concurrency,
        )?,
    };
    // A level of 0 is no provisioned concurrency (a sweep may try 0 beside other levels).
    let provisioned_concurrency = match provisioned_concurrency {
        ProvisionedConcurrency::Each(0) => ProvisionedConcurrency::None,
        ProvisionedConcurrency::ByFunction(levels) if levels.iter().all(|&(_, l)| l == 0) => {
            ProvisionedConcurrency::None
        }
        other => other,
    };
    if provisioned_concurrency.is_some() && raw.free_tier == Some(true) {
        return Err(cx.err(
            &p("free_tier"),
            "free_tier = true on a function with provisioned concurrency",
            "AWS's free tier does not apply to functions with provisioned concurrency \
             (aws.amazon.com/lambda/pricing): drop free_tier or provisioned_concurrency",
        ));
    }
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
    let [requests, duration, http] = LambdaPrices::ids(arch);
    let front_door = match &raw.api_gateway {
        None | Some(RawFrontDoor::On(false)) => FrontDoor::None,
        Some(RawFrontDoor::On(true)) => FrontDoor::HttpApi,
        Some(RawFrontDoor::Named(n)) => match n.as_str() {
            "http" => FrontDoor::HttpApi,
            "rest" => FrontDoor::RestApi,
            "function_url" => FrontDoor::FunctionUrl,
            _ => {
                return Err(cx.err(
                    &p("api_gateway"),
                    format!("unknown front door \"{n}\""),
                    "allowed: true or \"http\" (an API Gateway HTTP API), \"rest\" (a REST API), \
                     \"function_url\" (a Lambda function URL, no charge), false (nothing)",
                ));
            }
        },
    };
    let gateway = front_door.price_id().map_or(http, str::to_string);
    let [pc, pc_duration] = LambdaPrices::provisioned_ids(arch);
    let bought = bought(v, cx, base)?;
    Ok(PlatformSpec::new(LambdaSpec {
        function: FunctionConfig {
            memory_mb,
            keep_alive,
            account_concurrency,
            reserved_concurrency,
            provisioned_concurrency,
            timeout,
            cold_start,
            memory_from_trace: raw.memory_from_trace.unwrap_or(true),
        },
        billing: LambdaBilling {
            arch,
            front_door,
            free_tier: raw.free_tier.unwrap_or(false),
            prices: LambdaPrices {
                requests: v.price(&requests)?,
                duration: v.price(&duration)?,
                gateway: v.price(&gateway)?,
                provisioned: v.price(&pc)?,
                provisioned_duration: v.price(&pc_duration)?,
            },
            // Lambda sends its functions' logs to CloudWatch Logs unless told otherwise.
            extras: Extras::read(v, true)?,
            bought,
        },
    }))
}

/// How the variant buys its duration and provisioned concurrency (`purchase`): on demand, or
/// under a Compute Savings Plan at the book's rate for Lambda
/// (`savings_plan.compute.<term>.<payment>.lambda`).
///
/// # Errors
/// An option Lambda does not take (reserved, spot); `kind = "ec2_instance"`, at
/// `purchase.kind` (an EC2 Instance Savings Plan covers one EC2 family in one region only,
/// not Lambda: AWS Savings Plans user guide, as [`crate::billing::purchase`] cites it, read
/// 2026-11); a term and payment the book has no Lambda rate for (AWS's book here has
/// 1-year and 3-year no-upfront rates only), at `purchase`, listing the rates it has.
fn bought(v: &VariantCx<'_>, cx: &Ctx, base: &[Step]) -> Result<Bought> {
    let purchase = v.purchase(&PURCHASE_OPTIONS)?;
    if let Purchase::SavingsPlan {
        kind: PlanKind::Ec2Instance,
        ..
    } = purchase
    {
        return Err(cx.err(
            &join(base, &[key("purchase"), key("kind")]),
            "kind \"ec2_instance\" on a Lambda function: an EC2 Instance Savings Plan covers \
             one EC2 instance family in one region only, not Lambda",
            "allowed: kind = \"compute\" (a Compute Savings Plan covers EC2, Fargate and \
             Lambda), or leave `kind` out",
        ));
    }
    let Some(id) = purchase_rate_id(&purchase) else {
        return Ok(Bought {
            purchase,
            rate: None,
            words: Words::AWS,
        });
    };
    if let Some(book) = v.book()
        && book.bands(&id).is_none()
    {
        let rates: Vec<&str> = book
            .ids()
            .filter(|i| i.starts_with("savings_plan.compute.") && i.ends_with(".lambda"))
            .collect();
        return Err(v.error(
            "purchase",
            format!("{} has no rate {id:?}", book.title),
            format!(
                "the book's compute savings plan rates for Lambda: {} (term and payment as they \
                 name them)",
                rates.join(", ")
            ),
        ));
    }
    let rate = Some(v.price(&id)?);
    Ok(Bought {
        purchase,
        rate,
        words: Words::AWS,
    })
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
                let i = function_named(cx, path, name, functions)?;
                list.push((i as u32, r));
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

/// `provisioned_concurrency`: a level for every function, levels by function name (or unique
/// prefix), scheduled levels or target tracking. A level is at most the function's reserved
/// concurrency when it has one, else at most the unreserved account concurrency less 100 (AWS,
/// configuration-concurrency.html); levels of functions without a reservation share that.
fn provisioned(
    cx: &Ctx,
    path: &[Step],
    raw: &RawProvisioned,
    traffic: &Traffic,
    account: u32,
    reserved: &ReservedConcurrency,
) -> Result<ProvisionedConcurrency> {
    let functions = traffic.functions();
    let n = functions.len().max(1);
    let reservations = reserved.per_function(n);
    let total_reserved: u64 = reservations.iter().flatten().map(|&r| u64::from(r)).sum();
    let unreserved = u64::from(account).saturating_sub(total_reserved);
    let pool = unreserved.saturating_sub(u64::from(MIN_UNRESERVED_CONCURRENCY));
    // The levels each function may reach at once, checked against its reservation or the pool.
    let check = |at: &[Step], levels: &[u32]| -> Result<()> {
        let mut shared = 0u64;
        for (f, &level) in levels.iter().enumerate() {
            match reservations.get(f).copied().flatten() {
                Some(r) if level > r => {
                    let name = functions.get(f).map_or("the function", |i| i.name.as_str());
                    return Err(cx.err(
                        at,
                        format!(
                            "{level} provisioned is above {name}'s reserved concurrency of {r}"
                        ),
                        format!(
                            "allowed: at most {r} (provisioned concurrency counts toward the \
                             function's reserved concurrency), or raise reserved_concurrency"
                        ),
                    ));
                }
                Some(_) => {}
                None => shared += u64::from(level),
            }
        }
        if shared > pool {
            return Err(cx.err(
                at,
                format!(
                    "{shared} provisioned from an unreserved account concurrency of {unreserved} \
                     leaves less than {MIN_UNRESERVED_CONCURRENCY}"
                ),
                format!(
                    "allowed: at most {pool} in all for functions without reserved concurrency \
                     (AWS keeps {MIN_UNRESERVED_CONCURRENCY} unreserved); or raise `concurrency` \
                     (the account's limit)"
                ),
            ));
        }
        Ok(())
    };
    let level = |at: &[Step], v: i64| -> Result<u32> {
        cx.int_in(at, v, 0, i64::from(account), " provisioned environments")
    };
    match raw {
        RawProvisioned::Each(v) => {
            let l = level(path, *v)?;
            check(path, &vec![l; n])?;
            Ok(ProvisionedConcurrency::Each(l))
        }
        RawProvisioned::Table(t) => {
            let tracking =
                t.target_value.is_some() || t.min_capacity.is_some() || t.max_capacity.is_some();
            let kinds = [t.schedule.is_some(), tracking, !t.functions.is_empty()];
            if kinds.iter().filter(|k| **k).count() != 1 {
                return Err(cx.err(
                    path,
                    "the table mixes kinds of provisioned concurrency (or is empty)",
                    "give one of: { schedule = [{ at = \"08:00\", level = 200 }, ...] }, \
                     { target_value = 0.7, min_capacity = 1, max_capacity = 100 }, or levels by \
                     function name { checkout = 20, search = 5 }",
                ));
            }
            if let Some(actions) = &t.schedule {
                return schedule(cx, path, actions, &level, &|at, l| check(at, &vec![l; n]));
            }
            if tracking {
                return target_tracking(cx, path, t, &level, &|at, l| check(at, &vec![l; n]));
            }
            if traffic.trace_unchecked() {
                // A replay not checked yet: its function names are resolved when it is.
                for v in t.functions.values() {
                    level(path, *v)?;
                }
                return Ok(ProvisionedConcurrency::ByFunction(Vec::new()));
            }
            if functions.is_empty() {
                return Err(cx.err(
                    path,
                    "a table of levels by function needs traffic that names functions",
                    "the traffic has one function: write provisioned_concurrency = <number>",
                ));
            }
            let mut list = Vec::with_capacity(t.functions.len());
            let mut levels = vec![0; n];
            for (name, v) in &t.functions {
                let at = join(path, &[Step::owned_key(name)]);
                let l = level(&at, *v)?;
                let i = function_named(cx, &at, name, functions)?;
                list.push((i as u32, l));
                levels[i] = l;
            }
            check(path, &levels)?;
            Ok(ProvisionedConcurrency::ByFunction(list))
        }
    }
}

/// The function `name` names (in full, or as the unique prefix of one).
fn function_named(
    cx: &Ctx,
    path: &[Step],
    name: &str,
    functions: &[FunctionInfo],
) -> Result<usize> {
    let hits: Vec<usize> = match functions.iter().position(|f| f.name == name) {
        Some(i) => vec![i],
        None => (0..functions.len())
            .filter(|&i| functions[i].name.starts_with(name))
            .collect(),
    };
    match hits.as_slice() {
        [i] => Ok(*i),
        _ => {
            let some: Vec<&str> = functions.iter().take(5).map(|f| f.name.as_str()).collect();
            Err(cx.err(
                path,
                format!(
                    "\"{name}\" names {} of the replayed functions",
                    if hits.is_empty() { "none" } else { "several" }
                ),
                format!(
                    "give a function's full name or a unique prefix, e.g. {}",
                    some.join(", ")
                ),
            ))
        }
    }
}

type LevelCheck<'a> = dyn Fn(&[Step], u32) -> Result<()> + 'a;
type LevelRead<'a> = dyn Fn(&[Step], i64) -> Result<u32> + 'a;

/// `provisioned_concurrency = { schedule = [...] }`: each action's time (as EC2's
/// `[[variant.schedule]]` writes it) and level.
fn schedule(
    cx: &Ctx,
    path: &[Step],
    raw: &[RawLevelAction],
    level: &LevelRead<'_>,
    check: &LevelCheck<'_>,
) -> Result<ProvisionedConcurrency> {
    let at = join(path, &[key("schedule")]);
    if raw.is_empty() {
        return Err(cx.err(
            &at,
            "the schedule is empty",
            "give at least one action, e.g. schedule = [{ at = \"08:00\", level = 200 }, \
             { at = \"20:00\", level = 10 }]",
        ));
    }
    let mut actions = Vec::with_capacity(raw.len());
    for (i, a) in raw.iter().enumerate() {
        let here = join(&at, &[index(i)]);
        let runs = crate::scenario::validate::recurrence(cx, &here, &a.at, a.days.as_deref())?;
        let l = level(&join(&here, &[key("level")]), a.level)?;
        check(&join(&here, &[key("level")]), l)?;
        for (at, period) in runs {
            actions.push(ScheduledAction {
                at,
                period,
                min_size: None,
                max_size: None,
                desired_capacity: Some(l),
            });
        }
    }
    Ok(ProvisionedConcurrency::Schedule(actions))
}

/// `provisioned_concurrency = { target_value = 0.7, min_capacity = 1, max_capacity = 100 }`.
fn target_tracking(
    cx: &Ctx,
    path: &[Step],
    t: &RawProvisionedTable,
    level: &LevelRead<'_>,
    check: &LevelCheck<'_>,
) -> Result<ProvisionedConcurrency> {
    let p = |f| join(path, &[key(f)]);
    let need = |f: &'static str, v: Option<i64>| {
        v.ok_or_else(|| {
            cx.err(
                path,
                format!("target tracking needs `{f}`"),
                "give target_value, min_capacity and max_capacity, e.g. { target_value = 0.7, \
                 min_capacity = 1, max_capacity = 100 }",
            )
        })
    };
    let target_value = match t.target_value {
        Some(v) if v > 0.0 && v <= 1.0 => v,
        Some(v) => {
            return Err(cx.err(
                &p("target_value"),
                format!("target_value {v} is out of range"),
                "allowed: a utilisation above 0 and at most 1 (AWS's examples use 0.7)",
            ));
        }
        None => {
            return Err(cx.err(
                path,
                "target tracking needs `target_value`",
                "give target_value, min_capacity and max_capacity, e.g. { target_value = 0.7, \
                 min_capacity = 1, max_capacity = 100 }",
            ));
        }
    };
    let min_capacity = level(&p("min_capacity"), need("min_capacity", t.min_capacity)?)?;
    let max_capacity = level(&p("max_capacity"), need("max_capacity", t.max_capacity)?)?;
    if min_capacity > max_capacity {
        return Err(cx.err(
            &p("min_capacity"),
            format!("{min_capacity} is above max_capacity {max_capacity}"),
            "min_capacity must not exceed max_capacity",
        ));
    }
    if min_capacity == 0 {
        return Err(cx.err(
            &p("min_capacity"),
            "min_capacity of 0",
            "allowed: 1 or more (at a level of 0 the utilisation has no data, so target \
             tracking could never scale out from it)",
        ));
    }
    check(&p("max_capacity"), max_capacity)?;
    Ok(ProvisionedConcurrency::TargetTracking(
        ProvisionedTargetTracking {
            target_value,
            min_capacity,
            max_capacity,
        },
    ))
}
