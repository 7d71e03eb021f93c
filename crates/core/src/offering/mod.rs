//! Offerings: one file per product, holding everything that makes it that product — the
//! fields a `[[variant]]` of it takes and their validation, its defaults, its model built from
//! its configuration, its [`Meter`](crate::usage::Meter), its invoice lines, its interval cost,
//! its one-line description, its [`PlatformFamily`] and its lines of `scalesim presets`. The
//! generic pricing schemes stay in [`crate::billing::schemes`]; each product names those it is
//! billed by.
//!
//! This file is the door: a product is a [`Product`] (what scenario files name, read and
//! validate) whose validation yields a [`Configured`] (what runs and bills), registered in a
//! [`Products`]. [`Products::builtin`] lists the shipped products; [`Products::with`] adds
//! another (a test does, with a toy product in its own file). Nothing else names a product:
//! the scenario reader asks the registry, the runner ([`crate::sim`]) asks the configuration.
//! `docs/adding-a-product.md` is the recipe.
//!
//! `offering` and `scenario` are one floor of the house: a product gives scenario files its
//! fields and takes scenario's validation kit.

pub mod azure_functions;
pub mod azure_vm;
pub mod cloud_run;
pub mod compute_engine;
pub mod containers;
pub mod ec2;
pub mod extras;
pub mod fargate;
pub mod fleet;
pub mod knative;
pub mod lambda;

use std::any::Any;
use std::fmt::Debug;
use std::sync::{Arc, OnceLock};

use crate::billing::book::{PriceChanges, ProviderBook, catalog};
use crate::billing::{Invoice, Period, accrue};
use crate::engine::chunks::Stretched;
use crate::engine::{RngStreams, SimTime};
use crate::metrics::{FunctionOutcome, IntervalRow, RequestSink};
use crate::platform::{Outcome, PlatformFamily};
use crate::results::{
    FunctionReport, Grouped, RunReport, VariantReport, cost_per_million_arrived, slo_misses,
};
use crate::scenario::{RawFields, Scenario, ScenarioError, Variant, VariantCx};
use crate::traffic::Requests;

/// A product as scenario files and reports name it: its `platform` name, its family, the
/// fields a `[[variant]]` of it takes, and how they are read; validating them
/// ([`ProductFields::validate`]) gives the variant's [`Configured`].
pub trait Product: Debug + Send + Sync + 'static {
    /// Its name in scenario files and reports: `platform = "lambda"`.
    fn kind(&self) -> &'static str;
    /// Its family, which is all reports ask of it.
    fn family(&self) -> PlatformFamily;
    /// The fields a `[[variant]]` of it may give besides `name` and `platform`, in the order
    /// messages list them. No two products of a registry may declare the same field.
    fn fields(&self) -> &'static [&'static str];
    /// Read its fields of one `[[variant]]` table with their raw types
    /// ([`RawFields::get`]); its other fields are refused before validation.
    ///
    /// # Errors
    /// A value of the wrong type, located at it ([`RawFields::get`]'s error).
    fn read(&self, fields: &RawFields<'_>) -> Result<Box<dyn ProductFields>, ScenarioError>;
    /// The providers whose price books it is billed from (`provider = ...`), the first the
    /// default; none for a product with prices of its own (a test's toy product).
    fn providers(&self) -> &'static [&'static str] {
        &[]
    }
    /// Its section of `scalesim presets`: limits and presets (its prices are listed from its
    /// provider's price book).
    fn presets(&self) -> String;
}

/// A product's fields of one `[[variant]]`, as read: validated into its configuration.
pub trait ProductFields: Debug + Send + Sync {
    /// The variant's configuration, every value checked.
    ///
    /// # Errors
    /// The first invalid or missing value, located at its field ([`VariantCx::error`]).
    fn validate(&self, v: &VariantCx<'_>) -> Result<PlatformSpec, ScenarioError>;
}

/// A product's validated configuration of one variant: what it runs and how it bills. Any
/// `PartialEq` type can be one; it is compared and inspected through [`AsConfig`], which every
/// such type has.
pub trait Configured: AsConfig + Debug + Send + Sync + 'static {
    /// The product it configures.
    fn product(&self) -> &'static dyn Product;
    /// Simulate it on the context's requests and bill it: the variant's result (usually
    /// assembled by [`variant_report`]).
    fn run(&self, cx: RunCtx<'_, '_>) -> VariantReport;
    /// What a planner should know about its result that the product alone can tell, if
    /// anything (a Lambda variant whose every invocation hit the function timeout; replayed spot
    /// interruptions that never happened); `horizon` is the run's.
    fn warning(
        &self,
        _variant: &str,
        _report: &VariantReport,
        _horizon: crate::engine::SimDuration,
    ) -> Option<String> {
        None
    }
    /// How often its model walks its instances (a scaler's evaluation): what an estimate of a
    /// run's work counts with [`Configured::max_instances`]. A fleet's metric period, one
    /// minute, unless the product says otherwise.
    fn scan_period(&self) -> crate::engine::SimDuration {
        crate::engine::SimDuration::from_secs(60)
    }
    /// The most instances it may run at once (0 for a product without instances): what an
    /// estimate of a run's work counts.
    fn max_instances(&self) -> u32 {
        0
    }
}

/// A configuration as its own type: given to every `PartialEq + 'static` type, so a product
/// writes neither.
pub trait AsConfig: Any {
    /// Itself, to be inspected as its own type.
    fn as_any(&self) -> &dyn Any;
    /// Whether `other` is the same configuration: of this type, and equal.
    fn same(&self, other: &dyn Configured) -> bool;
}

impl<T: PartialEq + Any> AsConfig for T {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn same(&self, other: &dyn Configured) -> bool {
        other.as_any().downcast_ref::<T>() == Some(self)
    }
}

/// A variant's platform: one product's validated configuration, shared (cloned cheaply).
#[derive(Clone, Debug)]
pub struct PlatformSpec(Arc<dyn Configured>);

impl PlatformSpec {
    /// Wrap a product's configuration.
    pub fn new(config: impl Configured) -> Self {
        Self(Arc::new(config))
    }

    /// The product's name: `lambda`, `ec2`.
    pub fn kind(&self) -> &'static str {
        self.0.product().kind()
    }

    /// The product's family.
    pub fn family(&self) -> PlatformFamily {
        self.0.product().family()
    }

    /// The configuration.
    pub fn config(&self) -> &dyn Configured {
        &*self.0
    }

    /// The configuration as its own type `T`, if it is one.
    pub fn get<T: 'static>(&self) -> Option<&T> {
        self.0.as_any().downcast_ref()
    }
}

impl PartialEq for PlatformSpec {
    fn eq(&self, other: &Self) -> bool {
        self.0.same(&*other.0)
    }
}

/// The products a scenario may name, in the order messages list them (`default()`: none).
#[derive(Clone, Debug, Default)]
pub struct Products(Vec<&'static dyn Product>);

impl Products {
    /// The shipped products: AWS Lambda, EC2, Compute Engine, Azure virtual machines, Cloud
    /// Run, Knative, AWS Fargate and Azure Functions.
    pub fn builtin() -> &'static Products {
        static BUILTIN: OnceLock<Products> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            Products::default()
                .with(&lambda::Lambda)
                .and_then(|p| p.with(&ec2::EC2))
                .and_then(|p| p.with(&compute_engine::COMPUTE_ENGINE))
                .and_then(|p| p.with(&azure_vm::AZURE_VM))
                .and_then(|p| p.with(&cloud_run::CLOUD_RUN))
                .and_then(|p| p.with(&knative::KNATIVE))
                .and_then(|p| p.with(&fargate::FARGATE))
                .and_then(|p| p.with(&azure_functions::AZURE_FUNCTIONS))
                .expect("the shipped products have distinct names and none takes a field of every variant")
        })
    }

    /// These products and `product`.
    ///
    /// Products may take fields of the same name (`memory_mb`, `concurrency`, `autoscaling`):
    /// a variant's fields are read by the product its `platform` names, each its own way.
    ///
    /// # Errors
    /// Its name is already taken, or one of its fields is `name`, `platform`, one every variant
    /// may give (`provider`, `region`, `purchase`) or one of the shared bill lines
    /// (`data_transfer_out`, ...): a sentence naming it.
    pub fn with(mut self, product: &'static dyn Product) -> Result<Products, String> {
        if self.find(product.kind()).is_some() {
            return Err(format!(
                "a product named {:?} is already registered",
                product.kind()
            ));
        }
        if let Some(f) = product.fields().iter().find(|f| {
            ["name", "platform", "provider", "region", "purchase"].contains(f)
                || crate::scenario::SHARED.contains(f)
        }) {
            return Err(format!(
                "product {:?}: field `{f}` is already a field of every variant (it is read for \
                 every product, not by one)",
                product.kind()
            ));
        }
        self.0.push(product);
        Ok(self)
    }

    /// The product named `kind`.
    pub fn find(&self, kind: &str) -> Option<&'static dyn Product> {
        self.0.iter().copied().find(|p| p.kind() == kind)
    }

    /// Every product's name, in order.
    pub fn kinds(&self) -> Vec<&'static str> {
        self.0.iter().map(|p| p.kind()).collect()
    }

    /// Every product's fields, product after product, each once.
    pub fn all_fields(&self) -> Vec<&'static str> {
        let mut all: Vec<&'static str> = Vec::new();
        for f in self.0.iter().flat_map(|p| p.fields().iter().copied()) {
            if !all.contains(&f) {
                all.push(f);
            }
        }
        all
    }

    /// The products, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'static dyn Product> + '_ {
        self.0.iter().copied()
    }
}

/// What a product's run needs from the runner: the scenario and variant, the random streams,
/// the variant's stream of requests, where simulated time is reported, and the request log.
pub struct RunCtx<'a, 'r> {
    /// The scenario being run.
    pub scenario: &'a Scenario,
    /// The variant to simulate.
    pub variant: &'a Variant,
    /// The run's random streams (each product draws from streams named after the variant).
    pub streams: &'a RngStreams,
    /// The requests, the same for every variant.
    pub requests: &'r mut Requests<'a>,
    /// Called with the simulated time as it passes.
    pub progress: &'r mut dyn FnMut(SimTime),
    /// Where every request's record goes, if anywhere.
    pub log: Option<&'r mut dyn RequestSink>,
    /// A time-parallel run's progress: simulated µs as they pass, from several threads.
    pub progress_from_threads: &'r (dyn Fn(u64) + Sync),
    /// What a time-parallel run did, when the product ran one (`scenario.stretches > 1`).
    pub chunking: &'r mut Option<Stretched>,
    /// What a run of functions in groups did, when the product ran one
    /// (`scenario.function_groups > 1`).
    pub grouping: &'r mut Option<Grouped>,
}

/// Give every variant of a report read back from `summary.json` its family again (the file
/// does not carry it), from its `platform` name, among the built-in products.
///
/// # Errors
/// The first variant whose `platform` names no product, as a sentence.
pub fn restore_families(report: &mut RunReport) -> Result<(), String> {
    let products = Products::builtin();
    for v in &mut report.variants {
        v.family = products
            .find(&v.platform)
            .map(|p| p.family())
            .ok_or_else(|| {
                format!(
                    "variant {}: platform {:?} is none of {}",
                    v.name,
                    v.platform,
                    products.kinds().join(", ")
                )
            })?;
    }
    Ok(())
}

/// `scalesim presets`: the price book of `provider` (every provider when `None`) in `region`
/// (each book's default when `None`) with `changes` applied, then the limits and presets of
/// the built-in products billed from it.
///
/// # Errors
/// No such provider, or a region its book does not price: a sentence saying what there is.
pub fn presets_text(
    provider: Option<&str>,
    region: Option<&str>,
    changes: &PriceChanges,
) -> Result<String, String> {
    let books = catalog();
    let chosen: Vec<&ProviderBook> = match provider {
        None => books.providers.iter().collect(),
        Some(p) => vec![books.provider(p).ok_or_else(|| {
            format!(
                "no price book for provider \"{p}\"; allowed: {}",
                books.provider_names().join(", ")
            )
        })?],
    };
    if let (None, Some(r)) = (provider, region) {
        return Err(format!(
            "--region {r} needs --provider: regions are a provider's ({})",
            books.provider_names().join(", ")
        ));
    }
    let mut s = String::new();
    for book in chosen {
        if !s.is_empty() {
            s += "\n";
        }
        s += &book.listing(region.unwrap_or(&book.default_region), changes)?;
        for p in Products::builtin().iter() {
            if p.providers().contains(&book.provider.as_str()) {
                s += &p.presets();
            }
        }
    }
    Ok(s)
}

/// How a product turns its usage into money: the three questions [`variant_report`] asks.
pub trait Bills {
    /// The product's metered usage.
    type Usage;
    /// The invoice of `usage` over `period`.
    fn invoice(&self, usage: &Self::Usage, period: Period) -> Invoice;
    /// One interval's cost at list rates (a shape, fitted to the invoice by [`accrue`]);
    /// `interval_s` is its length.
    fn interval_cost(&self, row: &IntervalRow, interval_s: f64) -> f64;
    /// The weight of a function's share of the bill (traffic that names functions).
    fn function_weight(&self, f: &FunctionOutcome) -> f64;
}

/// Bill `outcome` for the horizon and the 730-hour month and assemble the variant's result:
/// interval costs fitted to the invoice, per-function shares, percentages, the SLO verdict.
pub fn variant_report<B: Bills>(
    scenario: &Scenario,
    variant: &Variant,
    description: String,
    outcome: Outcome<B::Usage>,
    bills: &B,
) -> VariantReport {
    let horizon_s = scenario.horizon.as_secs_f64();
    let cost = bills.invoice(&outcome.usage, Period::horizon(horizon_s));
    let projection_monthly = bills.invoice(&outcome.usage, Period::monthly(horizon_s));
    let slo = scenario.slo;
    let mut timeseries = outcome.timeseries;
    let mut start_s = 0.0;
    let mut costs: Vec<f64> = timeseries
        .iter()
        .map(|row| {
            let cost = bills.interval_cost(row, row.end_s - start_s);
            start_s = row.end_s;
            cost
        })
        .collect();
    accrue(&mut costs, cost.total_usd);
    for (row, c) in timeseries.iter_mut().zip(costs) {
        row.cost_usd = c;
    }
    let pct = |n: u64, of: u64| {
        if of == 0 {
            0.0
        } else {
            100.0 * n as f64 / of as f64
        }
    };
    let mut shares: Vec<f64> = outcome
        .functions
        .iter()
        .map(|f| bills.function_weight(f))
        .collect();
    accrue(&mut shares, cost.total_usd);
    let functions = scenario
        .traffic
        .functions()
        .iter()
        .zip(&outcome.functions)
        .zip(shares)
        .map(|((info, f), cost_usd)| FunctionReport {
            name: info.name.clone(),
            requests: f.counters,
            cold_start_pct: pct(
                f.counters.cold_starts,
                f.counters.arrived - f.counters.throttled,
            ),
            latency_ms: f.latency,
            memory_mb: f.memory_mb,
            busy_s: f.busy_s,
            cost_usd,
        })
        .collect();
    let c = outcome.counters;
    let (throttled_pct, timed_out_pct) = (pct(c.throttled, c.arrived), pct(c.timed_out, c.arrived));
    let slo_missed_by = slo.map_or_else(Vec::new, |slo| {
        slo_misses(&slo, outcome.latency.p99_ms, throttled_pct, timed_out_pct)
    });
    let slo_met = slo.map(|_| slo_missed_by.is_empty());
    let (mut worst_p99_window, mut worst_failed_window) =
        crate::results::worst_windows(&timeseries);
    // Name the events of the traffic's calendar under way in each (the sale that caused it).
    if let crate::traffic::Arrivals::Process(crate::traffic::ArrivalProcess::Modulated {
        calendar,
        ..
    }) = &scenario.traffic.arrivals
    {
        for w in [&mut worst_p99_window, &mut worst_failed_window]
            .into_iter()
            .flatten()
        {
            w.events = calendar.events_between(w.start_s, w.end_s);
        }
    }
    VariantReport {
        name: variant.name.clone(),
        platform: variant.platform.kind().to_string(),
        family: variant.platform.family(),
        description,
        requests: c,
        cold_start_pct: pct(c.cold_starts, c.arrived - c.throttled),
        throttled_pct,
        timed_out_pct,
        latency_ms: outcome.latency,
        latency_cdf: outcome.latency_cdf,
        capacity: outcome.capacity,
        queueing: outcome.queueing,
        cost_per_million_arrived_usd: cost_per_million_arrived(cost.total_usd, c.arrived),
        cost,
        projection_monthly,
        slo_met,
        slo_missed_by,
        last_completion_s: outcome.last_completion_s,
        worst_p99_window,
        worst_failed_window,
        scaling_activities: outcome.activities,
        commitment: None,
        interruptions: outcome.interruptions,
        interruptions_missed: outcome.interruptions_missed,
        functions,
        timeseries,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report read back from JSON gets the families its run gave it: the names this file
    /// maps back are the names scenario files use.
    #[test]
    fn families_come_back_from_product_names() {
        let s = crate::scenario::parse(
            r#"
name = "kinds"
horizon = "1m"
[traffic]
arrivals = { process = "poisson", rate_per_s = 1 }
[traffic.request]
duration = { dist = "constant", ms = 10 }
[[variant]]
name = "fn"
platform = "lambda"
memory_mb = 512
runtime = "python"
[[variant]]
name = "fleet"
platform = "ec2"
instance_type = "m7g.large"
count = 1
slots = 8
"#,
            "kinds.toml",
        )
        .expect("a valid scenario");
        let mut r = crate::sim::run(&s, &|_| {});
        let ran: Vec<PlatformFamily> = r.variants.iter().map(|v| v.family).collect();
        assert_eq!(ran, [PlatformFamily::Function, PlatformFamily::Fleet]);
        r.variants
            .iter_mut()
            .for_each(|v| v.family = PlatformFamily::Cluster);
        restore_families(&mut r).expect("known products");
        let back: Vec<PlatformFamily> = r.variants.iter().map(|v| v.family).collect();
        assert_eq!(back, ran);
        r.variants[0].platform = "app_runner".into();
        assert!(restore_families(&mut r).is_err());
    }
}
