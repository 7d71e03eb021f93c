//! Azure Functions (`platform = "azure_functions"`) on its two serverless plans, `plan =
//! "consumption"` (the legacy Consumption plan) and `plan = "flex"` (Flex Consumption): HTTP
//! executions that share an instance, instances added by Azure's scale controller — the
//! serverless-container model ([`crate::platform::containers`]) under Microsoft's rules. The
//! two plans bill differently: Consumption bills each execution on its own (its observed memory
//! × its time), Flex bills an instance's memory while it executes (concurrent executions share
//! that time) and, when always-ready instances are configured, their memory all the time.
//!
//! Fields carry Azure's own names in snake case (the original in parentheses); the sources were
//! read 2026-11-30, through the reference file (`pricing-and-autoscaling.md` §1.5, §3.2, §4.8),
//! the stored copies of MicrosoftDocs/azure-docs and the pages named below.
//!
//! **Consumption** (`plan = "consumption"`):
//! - An instance is "limited, typically to 1.5 GB of memory and one CPU"; "for HTTP triggers,
//!   new instances are allocated, at most, once per second"; an app scales out to 200
//!   instances by default, lowered with `functionAppScaleLimit` (1 to the maximum)
//!   (articles/azure-functions/event-driven-scaling.md, 2023-06-16). Linux apps scale to 100
//!   (learn.microsoft.com training module "Scale Azure Functions", AZ-204; Linux Consumption is
//!   retired for new apps and ends 2028-09-30, docs.azure.cn …/azure-functions/consumption-plan).
//!   Fields: `os` = "windows" (default) | "linux"; `function_app_scale_limit`
//!   (`functionAppScaleLimit`, default the plan's maximum).
//! - Executions share an instance up to host.json's `http.maxConcurrentRequests`, "The default
//!   for a Consumption plan is 100" (articles/azure-functions/functions-bindings-http-webhook.md,
//!   2022-03-04): field `max_concurrent_requests`.
//! - Billing: "Memory used by a function is measured by rounding up to the nearest 128 MB, up
//!   to the maximum memory size of 1,536 MB, with execution time calculated by rounding up to
//!   the nearest 1 ms. The minimum execution time and memory for a single function execution
//!   is 100 ms and 128 mb respectively" (the Functions meter as the Azure Stack usage FAQ quotes
//!   the pricing page, articles/azure-stack/azure-stack-usage-related-faq.md, 2018-03-09; the
//!   128 MB rounding also in articles/azure-functions/functions-consumption-costs.md,
//!   2019-09-20: "When your process is using 160 MB, you're charged for 256 MB") —
//!   [`Meter::ObservedMemory128`] on each execution one by one, its observed memory the request
//!   profile's `memory_mb`; then per execution. The monthly grant (400,000 GB-s and 1 million
//!   executions per subscription) applies with `free_tier = true` (default false, as on
//!   Lambda).
//!
//! **Flex Consumption** (`plan = "flex"`, articles/azure-functions/flex-consumption-plan.md,
//! 2025-05-12, unless said):
//! - `instance_memory_mb` (`scaleAndConcurrency.instanceMemoryMB`) 512, 2,048 (default) or
//!   4,096 MB, with 0.25, 1 and 2 CPU cores; billed on that memory (the platform's extra
//!   272 MB is not billed).
//! - `per_instance_concurrency` (`scaleAndConcurrency.triggers.http.perInstanceConcurrency`):
//!   HTTP executions per instance; by default 16 at 2,048 MB and 32 at 4,096 MB, 1 for Python
//!   apps at every size (articles/azure-functions/functions-concurrency.md, 2024-05-05, the
//!   preview's copy, which has no 512 MB row: 4 is assumed here, the same 8 per GB). New
//!   instances are allocated on that concurrency: the scaler's target.
//! - `always_ready` (`scaleAndConcurrency.alwaysReady`, the `http` group's instance count,
//!   default 0): instances always running, which take executions first — the model's pinned
//!   minimum.
//! - `maximum_instance_count` (`scaleAndConcurrency.maximumInstanceCount`): default 100
//!   (articles/azure-functions/flex-consumption-how-to.md, 2024-05-03), "The lowest maximum
//!   scale is currently 40. The highest currently supported value is 1000."
//! - Billing (includes/functions-flex-consumption-billing-table.md, 2024-05-13): on demand,
//!   "the total amount of memory provisioned while each on demand instance is actively
//!   executing functions (in GB-seconds)" and executions, each less a monthly free grant
//!   (100,000 GB-s and 250,000 executions, the price book); with any always-ready instance,
//!   their memory all the time (the baseline), their memory while they execute, and
//!   executions, "In always ready billing, there are no free grants". "The minimum billable
//!   execution period for both execution modes is 1,000 ms. Past that, the billable activity
//!   period is rounded up to the nearest 100 ms" — [`Meter::HundredMillisecondsWithSecondMinimum`]
//!   on each active period of an instance (from its first execution to the moment it has none
//!   left; an instance's startup is not execution and is not billed).
//!
//! **Both plans**: a request waits for an instance at most 230 s — "Regardless of the function
//! app time-out setting, 230 seconds is the maximum amount of time that an HTTP triggered
//! function can take to respond to a request" (articles/azure-functions/functions-scale.md,
//! its timeout table) — and then fails (timed out); an execution already running is not cut.
//! Requests that time out waiting are not executions. The scale controller's evaluation period and window are not
//! documented: evaluated every second (the HTTP allocation rate) on one-minute means of the
//! requests in the app, aiming at the per-instance concurrency (an evaluation may add more than
//! one instance when the minute's mean asks for them); a request that finds every instance full
//! starts one at once (on Consumption at most one per second). Idle instances are
//! kept 20 minutes, then shut down: the Consumption plan's measured keep-alive (mikhail.io,
//! "Azure Functions: Cold Starts in Numbers", 2018-04: "an idle instance lives for 20 minutes";
//! Shahrad et al., USENIX ATC 2020), assumed for Flex too (Microsoft documents none).
//! Startup presets (`runtime`) follow measured Consumption cold starts (mikhail.io/serverless/
//! coldstarts/azure, Functions V2/V3, 2019–2021 versions): "A typical cold start latency spans
//! from 1 to 3 seconds. However, less lucky executions may take up to 10-15 seconds
//! occasionally", "Node is consistently slower than .NET or Python", PowerShell "from 5 to 25
//! seconds" (a later version: 4 to 27). Microsoft says Flex starts faster but publishes no
//! figure; the same presets serve both plans.
//!
//! Not modelled: non-HTTP triggers and Flex's other scale groups (one HTTP group per app);
//! host.json's `maxOutstandingRequests` (429 beyond 200 held per Consumption instance) and
//! `dynamicThrottlesEnabled`; `functionTimeout` (5 minutes by default on Consumption, at most
//! 10) cutting a long execution; Flex's regional memory quota (250 cores a subscription) and
//! zone redundancy; a scale-in's drain of up to 10 minutes (an instance the scaler lets go
//! finishes what it runs, then idles on standby).

use crate::autoscale::MetricsScalerConfig;
use crate::billing::book::Price;
use crate::billing::catalog::PriceSource;
use crate::billing::schemes::{self, Metered};
use crate::billing::{CostCategory, Invoice, InvoiceLine, Period};
use crate::engine::SimDuration;
use crate::metrics::{FunctionOutcome, IntervalRow};
use crate::platform::PlatformFamily;
use crate::platform::containers::{ContainerConfig, OnDemand, ScalerSpec};
use crate::platform::pool::PoolConfig;
use crate::results::VariantReport;
use crate::scenario::raw::{RawDist, kind_fields};
use crate::scenario::validate::Result;
use crate::scenario::{PlatformSpec, RawFields, ScenarioError, VariantCx};
use crate::usage::{ContainerUsage, Meter};

use super::containers::served;
use super::containers::{self, StartupPreset};
use super::extras::Extras;
use super::{Bills, Configured, Product, ProductFields, RunCtx};

/// The name scenario files and reports give it: `platform = "azure_functions"`.
pub const KIND: &str = "azure_functions";
/// The provider whose price book bills it.
pub const PROVIDER: &str = "azure";
/// Its family: serverless containers (instances that each run several executions).
pub const FAMILY: PlatformFamily = PlatformFamily::Container;

/// Consumption: each execution's time rounded up to 1 ms (at least 100 ms) × its observed
/// memory in 128 MB steps (at least 128 MB, at most the instance's 1,536 MB).
pub const CONSUMPTION_METER: Meter = Meter::ObservedMemory128;
/// A Consumption instance's memory, MB: 1.5 GB, the most an execution is billed for.
pub const CONSUMPTION_INSTANCE_MB: u32 = 1_536;
/// A Consumption instance's CPU: one.
pub const CONSUMPTION_VCPUS: f64 = 1.0;
/// host.json `http.maxConcurrentRequests` on the Consumption plan.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: u32 = 100;
/// The largest `max_concurrent_requests` accepted here (host.json takes any number, or -1 for
/// unbounded; this bound is the simulator's, not Azure's).
pub const MAX_CONCURRENT_REQUESTS: u32 = 100_000;
/// Most instances of a Consumption app on Windows.
pub const MAX_INSTANCES_WINDOWS: u32 = 200;
/// Most instances of a Consumption app on Linux.
pub const MAX_INSTANCES_LINUX: u32 = 100;
/// The Consumption plan's scale controller allocates HTTP instances at most once per second.
pub const HTTP_INSTANCE_GAP: SimDuration = SimDuration::from_secs(1);

/// Flex Consumption: an instance's memory while it executes, each active period rounded up to
/// 100 ms with a 1,000 ms minimum.
pub const FLEX_METER: Meter = Meter::HundredMillisecondsWithSecondMinimum;
/// Flex instance sizes: (memory MB, CPU cores, default HTTP executions per instance).
pub const INSTANCE_SIZES: [(u32, f64, u32); 3] =
    [(512, 0.25, 4), (2_048, 1.0, 16), (4_096, 2.0, 32)];
/// The default Flex instance size, MB.
pub const DEFAULT_INSTANCE_MEMORY_MB: u32 = 2_048;
/// Default HTTP executions per instance of a Python app, at every size.
pub const PYTHON_PER_INSTANCE_CONCURRENCY: u32 = 1;
/// The largest `per_instance_concurrency` accepted here (the documents read give no bound;
/// 1,000 is Cloud Run's).
pub const MAX_PER_INSTANCE_CONCURRENCY: u32 = 1_000;
/// Default `maximum_instance_count`.
pub const DEFAULT_MAXIMUM_INSTANCE_COUNT: u32 = 100;
/// The lowest `maximum_instance_count` Flex accepts.
pub const MIN_MAXIMUM_INSTANCE_COUNT: u32 = 40;
/// The highest `maximum_instance_count` Flex supports.
pub const MAX_MAXIMUM_INSTANCE_COUNT: u32 = 1_000;

/// How long a request waits for an instance before it fails: the 230 s an HTTP-triggered
/// function has to respond.
pub const HTTP_TIMEOUT: SimDuration = SimDuration::from_secs(230);
/// How long an idle instance is kept before it shuts down: 20 minutes.
pub const IDLE_KEEP: SimDuration = SimDuration::from_secs(1_200);
/// The scale controller's evaluation period (assumed: the HTTP allocation rate).
pub const SCALER_PERIOD: SimDuration = SimDuration::from_secs(1);
/// The window its mean concurrency is taken over (assumed).
pub const SCALER_WINDOW: SimDuration = SimDuration::from_secs(60);

/// Startup-time presets per runtime (Azure's `FUNCTIONS_WORKER_RUNTIME` names): (name, median
/// s, p99 s) of a lognormal, from the measurements above — .NET and Python: the middle and the
/// top of "1 to 3 seconds … up to 10-15 seconds" (10 s taken as the p99); Node.js ("slower"):
/// the top of the typical range and of the tail; PowerShell: about the geometric middle of 4 to
/// 27 s, and 27 s.
pub const STARTUP_PRESETS: [StartupPreset; 4] = [
    ("dotnet", 2.0, 10.0),
    ("python", 2.0, 10.0),
    ("node", 3.0, 15.0),
    ("powershell", 10.0, 27.0),
];

/// The fields only `plan = "consumption"` takes.
const CONSUMPTION_ONLY: [&str; 3] = ["os", "max_concurrent_requests", "function_app_scale_limit"];
/// The fields only `plan = "flex"` takes.
const FLEX_ONLY: [&str; 4] = [
    "instance_memory_mb",
    "per_instance_concurrency",
    "always_ready",
    "maximum_instance_count",
];
/// The fields both plans take.
const COMMON: [&str; 4] = ["plan", "runtime", "cold_start", "free_tier"];

/// The product, as scenario files name it and the registry lists it.
#[derive(Debug)]
pub struct AzureFunctions;

/// The product.
pub static AZURE_FUNCTIONS: AzureFunctions = AzureFunctions;

impl Product for AzureFunctions {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn family(&self) -> PlatformFamily {
        FAMILY
    }

    fn fields(&self) -> &'static [&'static str] {
        AzureFunctionsFields::NAMES
    }

    fn read(
        &self,
        fields: &RawFields<'_>,
    ) -> std::result::Result<Box<dyn ProductFields>, ScenarioError> {
        Ok(Box::new(AzureFunctionsFields::read(fields)?))
    }

    fn providers(&self) -> &'static [&'static str] {
        &[PROVIDER]
    }

    fn presets(&self) -> String {
        presets()
    }
}

kind_fields! {
    /// The fields of `platform = "azure_functions"`, in the order messages list them.
    pub struct AzureFunctionsFields {
        plan: String,
        runtime: String,
        cold_start: RawDist,
        free_tier: bool,
        os: String,
        max_concurrent_requests: i64,
        function_app_scale_limit: i64,
        instance_memory_mb: i64,
        per_instance_concurrency: i64,
        always_ready: i64,
        maximum_instance_count: i64,
    }
}

impl AzureFunctionsFields {
    /// Field `name` as given, as a scenario file writes it (`None`: not given).
    fn given(&self, name: &str) -> Option<String> {
        let int = |v: Option<i64>| v.map(|n| n.to_string());
        match name {
            "os" => self.os.as_ref().map(|s| format!("\"{s}\"")),
            "max_concurrent_requests" => int(self.max_concurrent_requests),
            "function_app_scale_limit" => int(self.function_app_scale_limit),
            "instance_memory_mb" => int(self.instance_memory_mb),
            "per_instance_concurrency" => int(self.per_instance_concurrency),
            "always_ready" => int(self.always_ready),
            "maximum_instance_count" => int(self.maximum_instance_count),
            _ => None,
        }
    }
}

/// The operating system of a Consumption app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Os {
    /// Windows: up to 200 instances.
    Windows,
    /// Linux: up to 100 instances.
    Linux,
}

impl Os {
    /// Most instances of a Consumption app on it.
    pub fn max_instances(self) -> u32 {
        match self {
            Os::Windows => MAX_INSTANCES_WINDOWS,
            Os::Linux => MAX_INSTANCES_LINUX,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Os::Windows => "Windows",
            Os::Linux => "Linux",
        }
    }
}

/// The plan of a variant and what only that plan has.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Plan {
    /// The Consumption plan.
    Consumption {
        /// Its operating system.
        os: Os,
    },
    /// The Flex Consumption plan.
    Flex {
        /// Memory per instance, MB (512, 2,048 or 4,096).
        instance_memory_mb: u32,
        /// Always-ready instances.
        always_ready: u32,
    },
}

/// Azure Functions' prices for one variant, from the Azure book.
#[derive(Clone, Debug, PartialEq)]
pub struct AzureFunctionsPrices {
    /// Per execution.
    pub executions: Price,
    /// Per GB-s of execution time (Consumption: observed memory; Flex: on-demand instances'
    /// memory while they execute).
    pub gb_s: Price,
    /// Flex with always-ready instances: their baseline per GB-s all the time, and per GB-s
    /// while they execute.
    pub always_ready: Option<(Price, Price)>,
}

/// An Azure Functions variant's configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct AzureFunctionsSpec {
    /// The service model's parameters.
    pub service: ContainerConfig,
    /// Its plan.
    pub plan: Plan,
    /// Its prices.
    pub prices: AzureFunctionsPrices,
    /// Whether the monthly free grant applies (never with always-ready instances).
    pub free_tier: bool,
    /// The lines people forget: data transfer out (`data_transfer_out`).
    pub extras: Extras,
}

impl ProductFields for AzureFunctionsFields {
    fn validate(&self, v: &VariantCx<'_>) -> Result<PlatformSpec> {
        validate(v, self).map(PlatformSpec::new)
    }
}

/// Which plan `raw` names.
fn plan_name(v: &VariantCx<'_>, raw: &AzureFunctionsFields) -> Result<&'static str> {
    match raw.plan.as_deref() {
        Some("consumption") => Ok("consumption"),
        Some("flex") => Ok("flex"),
        Some(other) => Err(v.error(
            "plan",
            format!("unknown plan \"{other}\""),
            "allowed: \"flex\" (Flex Consumption) or \"consumption\" (the legacy Consumption plan)",
        )),
        None => Err(v.error(
            "plan",
            format!("an {KIND} variant needs `plan`"),
            "set plan = \"flex\" (Flex Consumption) or plan = \"consumption\" (the legacy \
             Consumption plan)",
        )),
    }
}

/// Refuse the first field given that only the other plan takes.
fn refuse_other_plan(
    v: &VariantCx<'_>,
    raw: &AzureFunctionsFields,
    plan: &str,
    others: &[&str],
    own: &[&str],
) -> Result<()> {
    let Some((field, value)) = others
        .iter()
        .find_map(|&f| raw.given(f).map(|value| (f, value)))
    else {
        return Ok(());
    };
    let (this, that) = if plan == "flex" {
        ("Flex Consumption", "consumption")
    } else {
        ("Consumption", "flex")
    };
    let takes: Vec<&str> = COMMON.iter().chain(own).copied().collect();
    Err(v.error(
        field,
        format!("{field} = {value} is a setting of plan = \"{that}\", not of the {this} plan"),
        format!(
            "plan = \"{plan}\" takes {}; drop {field}, or set plan = \"{that}\"",
            takes.join(", ")
        ),
    ))
}

fn validate(v: &VariantCx<'_>, raw: &AzureFunctionsFields) -> Result<AzureFunctionsSpec> {
    let plan = plan_name(v, raw)?;
    let startup = containers::startup(
        v,
        KIND,
        raw.runtime.as_deref(),
        raw.cold_start.as_ref(),
        &STARTUP_PRESETS,
    )?;
    let profile_mb = v.traffic().profile.memory_mb;
    let free_tier = raw.free_tier.unwrap_or(false);
    if plan == "consumption" {
        refuse_other_plan(v, raw, plan, &FLEX_ONLY, &CONSUMPTION_ONLY)?;
        let os = match raw.os.as_deref() {
            None | Some("windows") => Os::Windows,
            Some("linux") => Os::Linux,
            Some(other) => {
                return Err(v.error(
                    "os",
                    format!("unknown os \"{other}\""),
                    "allowed: \"windows\" (the default; up to 200 instances) or \"linux\" (up to \
                     100)",
                ));
            }
        };
        let max = v.int_in(
            "function_app_scale_limit",
            raw.function_app_scale_limit
                .unwrap_or(i64::from(os.max_instances())),
            1,
            i64::from(os.max_instances()),
            &format!(
                " instances (functionAppScaleLimit; a Consumption app on {} scales to {})",
                os.name(),
                os.max_instances()
            ),
        )?;
        let slots = v.int_in(
            "max_concurrent_requests",
            raw.max_concurrent_requests
                .unwrap_or(i64::from(DEFAULT_MAX_CONCURRENT_REQUESTS)),
            1,
            i64::from(MAX_CONCURRENT_REQUESTS),
            " executions per instance (host.json http.maxConcurrentRequests; default 100)",
        )?;
        if profile_mb > CONSUMPTION_INSTANCE_MB {
            return Err(v.error(
                "plan",
                format!(
                    "one request uses {profile_mb} MB (traffic.request.memory_mb), more than a \
                     Consumption instance's {CONSUMPTION_INSTANCE_MB} MB"
                ),
                "use at most 1536 MB per request, or plan = \"flex\" with instance_memory_mb = \
                 2048 or 4096",
            ));
        }
        let service = ContainerConfig {
            pool: PoolConfig {
                slots,
                vcpus: CONSUMPTION_VCPUS,
                cpu_speed: 1.0,
                queue_timeout: HTTP_TIMEOUT,
                queue_cap: crate::platform::iaas::MAX_QUEUE,
                // Instance time is not billed on Consumption: this meter only marks cold starts
                // and feeds the scaler.
                active_meter: Some(Meter::Millisecond),
                startup_active: false,
            },
            min: 0,
            initial: 0,
            max,
            startup,
            scaler: scaler(slots, CONSUMPTION_VCPUS),
            on_demand: OnDemand::Waiting {
                min_gap: HTTP_INSTANCE_GAP,
            },
            idle_keep: Some(IDLE_KEEP),
            per_execution: Some((CONSUMPTION_METER, CONSUMPTION_INSTANCE_MB)),
        };
        return Ok(AzureFunctionsSpec {
            service,
            plan: Plan::Consumption { os },
            prices: AzureFunctionsPrices {
                executions: v.price("functions.consumption.executions")?,
                gb_s: v.price("functions.consumption.gb_s")?,
                always_ready: None,
            },
            free_tier,
            extras: Extras::read(v, false)?,
        });
    }
    refuse_other_plan(v, raw, plan, &CONSUMPTION_ONLY, &FLEX_ONLY)?;
    let memory = raw
        .instance_memory_mb
        .unwrap_or(i64::from(DEFAULT_INSTANCE_MEMORY_MB));
    let Some(&(instance_memory_mb, vcpus, size_concurrency)) = INSTANCE_SIZES
        .iter()
        .find(|(mb, ..)| i64::from(*mb) == memory)
    else {
        return Err(v.error(
            "instance_memory_mb",
            format!("instance_memory_mb = {memory} is not a Flex Consumption instance size"),
            "allowed: 512, 2048 or 4096 MB (instanceMemoryMB; default 2048)",
        ));
    };
    let default_concurrency = if raw.runtime.as_deref() == Some("python") {
        PYTHON_PER_INSTANCE_CONCURRENCY
    } else {
        size_concurrency
    };
    let slots = v.int_in(
        "per_instance_concurrency",
        raw.per_instance_concurrency
            .unwrap_or(i64::from(default_concurrency)),
        1,
        i64::from(MAX_PER_INSTANCE_CONCURRENCY),
        &format!(
            " HTTP executions per instance (perInstanceConcurrency; default {size_concurrency} \
             at {instance_memory_mb} MB, 1 for Python)"
        ),
    )?;
    let max = v.int_in(
        "maximum_instance_count",
        raw.maximum_instance_count
            .unwrap_or(i64::from(DEFAULT_MAXIMUM_INSTANCE_COUNT)),
        i64::from(MIN_MAXIMUM_INSTANCE_COUNT),
        i64::from(MAX_MAXIMUM_INSTANCE_COUNT),
        " instances (maximumInstanceCount; default 100)",
    )?;
    let always_ready = v.int_in(
        "always_ready",
        raw.always_ready.unwrap_or(0),
        0,
        i64::from(max),
        " instances (alwaysReady; at most maximum_instance_count)",
    )?;
    if free_tier && always_ready > 0 {
        return Err(v.error(
            "free_tier",
            format!("free_tier = true with always_ready = {always_ready}"),
            "Flex Consumption has no free grant while always-ready instances are configured \
             (\"In always ready billing, there are no free grants\"): drop free_tier or \
             always_ready",
        ));
    }
    if profile_mb > instance_memory_mb {
        return Err(v.error(
            "instance_memory_mb",
            format!(
                "instance_memory_mb = {instance_memory_mb} is less than the {profile_mb} MB one \
                 request uses (traffic.request.memory_mb)"
            ),
            "give the instance at least as much memory as one request uses: 512, 2048 or 4096",
        ));
    }
    let service = ContainerConfig {
        pool: PoolConfig {
            slots,
            vcpus,
            cpu_speed: 1.0,
            queue_timeout: HTTP_TIMEOUT,
            queue_cap: crate::platform::iaas::MAX_QUEUE,
            active_meter: Some(FLEX_METER),
            startup_active: false,
        },
        min: always_ready,
        initial: always_ready,
        max,
        startup,
        scaler: scaler(slots, vcpus),
        on_demand: OnDemand::Waiting {
            min_gap: SimDuration::ZERO,
        },
        idle_keep: Some(IDLE_KEEP),
        per_execution: None,
    };
    let always_ready_prices = if always_ready > 0 {
        Some((
            v.price("functions.flex.always_ready.baseline_gb_s")?,
            v.price("functions.flex.always_ready.gb_s")?,
        ))
    } else {
        None
    };
    Ok(AzureFunctionsSpec {
        service,
        plan: Plan::Flex {
            instance_memory_mb,
            always_ready,
        },
        prices: AzureFunctionsPrices {
            executions: v.price("functions.flex.executions")?,
            gb_s: v.price("functions.flex.gb_s")?,
            always_ready: always_ready_prices,
        },
        free_tier,
        extras: Extras::read(v, false)?,
    })
}

/// The scale controller as the model runs it: every second, one-minute means of the requests
/// in the app, `per_instance` of them per instance, and of the CPU its instances use, at most
/// [`CPU_TARGET`] of theirs.
fn scaler(per_instance: u32, vcpus: f64) -> ScalerSpec {
    ScalerSpec::Metrics(MetricsScalerConfig {
        period: SCALER_PERIOD,
        window: SCALER_WINDOW,
        target_concurrency: f64::from(per_instance),
        cpu_target: Some(CPU_TARGET),
        vcpus,
    })
}

/// The CPU utilisation the scale controller keeps instances under: 60 %, an assumption (Cloud
/// Run's default target). Microsoft documents only that "high demand on a specific instance
/// causes the Functions host to automatically create new instances" (functions-concurrency.md,
/// "Scaling versus concurrency", read 2026-11-30): without a CPU driver a CPU-bound app would
/// pile `maxConcurrentRequests` executions on one core.
pub const CPU_TARGET: f64 = 0.6;

impl Configured for AzureFunctionsSpec {
    fn product(&self) -> &'static dyn Product {
        &AZURE_FUNCTIONS
    }

    fn run(&self, cx: RunCtx<'_, '_>) -> VariantReport {
        containers::run_service(&self.service, cx, self.describe(), self)
    }

    fn max_instances(&self) -> u32 {
        self.service.max
    }

    fn scan_period(&self) -> SimDuration {
        self.service.scaler.period()
    }

    fn warning(&self, variant: &str, report: &VariantReport, _: SimDuration) -> Option<String> {
        super::containers::capacity_warning(variant, report, self.service.max)
    }
}

impl AzureFunctionsSpec {
    /// One line: "Azure Functions Flex Consumption 2048 MB (1 vCPU), 16 executions per
    /// instance, 0 always ready, at most 100 instances".
    pub fn describe(&self) -> String {
        let s = &self.service;
        match self.plan {
            Plan::Consumption { os } => format!(
                "Azure Functions Consumption ({}, 1.5 GB instances), {} executions per \
                 instance, at most {} instances",
                os.name(),
                s.pool.slots,
                s.max
            ),
            Plan::Flex {
                instance_memory_mb,
                always_ready,
            } => format!(
                "Azure Functions Flex Consumption {instance_memory_mb} MB ({} vCPU), {} \
                 executions per instance, {always_ready} always ready, at most {} instances",
                s.pool.vcpus, s.pool.slots, s.max
            ),
        }
    }

    /// GB per Flex instance (1 GB = 1,024 MB, as Azure counts 2,048 MB as 2 GB).
    fn instance_gb(&self) -> f64 {
        match self.plan {
            Plan::Flex {
                instance_memory_mb, ..
            } => f64::from(instance_memory_mb) / 1_024.0,
            Plan::Consumption { .. } => f64::from(CONSUMPTION_INSTANCE_MB) / 1_024.0,
        }
    }

    /// The invoice of `usage` over `period`.
    pub fn invoice(&self, usage: &ContainerUsage, period: Period) -> Invoice {
        let k = period.usage_scale;
        let month = period.month_fraction();
        let mut priced: Vec<(PriceSource, Vec<InvoiceLine>)> = Vec::new();
        let mut line = |item: String,
                        category: CostCategory,
                        quantity: f64,
                        unit: &str,
                        price: &Price,
                        free: bool| {
            priced.push(schemes::by_price(
                Metered {
                    item: &item,
                    category,
                    quantity,
                    unit,
                },
                price,
                free,
                month,
            ));
        };
        let executions = usage.started as f64 * k;
        let prices = &self.prices;
        match self.plan {
            Plan::Consumption { .. } => {
                let gb_s = usage.executions.as_ref().map_or(0.0, |e| e.gb_s()) * k;
                line(
                    "Azure Functions execution time (Consumption, observed memory in 128 MB \
                     steps)"
                        .into(),
                    CostCategory::Compute,
                    gb_s,
                    "GB-s",
                    &prices.gb_s,
                    self.free_tier,
                );
                line(
                    "Azure Functions executions (Consumption)".into(),
                    CostCategory::Requests,
                    executions,
                    "executions",
                    &prices.executions,
                    self.free_tier,
                );
            }
            Plan::Flex {
                instance_memory_mb,
                always_ready,
            } => {
                let gb = self.instance_gb();
                let s = |us: u64| us as f64 / 1e6 * k;
                line(
                    format!(
                        "Azure Functions on-demand execution time (Flex Consumption, \
                         {instance_memory_mb} MB instances)"
                    ),
                    CostCategory::Compute,
                    s(usage.active_us) * gb,
                    "GB-s",
                    &prices.gb_s,
                    self.free_tier,
                );
                if let Some((baseline, busy)) = &prices.always_ready {
                    line(
                        format!(
                            "Azure Functions always-ready baseline (Flex Consumption, \
                             {always_ready} × {instance_memory_mb} MB)"
                        ),
                        CostCategory::Commitment,
                        s(usage.min_alive_us) * gb,
                        "GB-s",
                        baseline,
                        false,
                    );
                    line(
                        format!(
                            "Azure Functions always-ready execution time (Flex Consumption, \
                             {instance_memory_mb} MB instances)"
                        ),
                        CostCategory::Compute,
                        s(usage.min_active_us) * gb,
                        "GB-s",
                        busy,
                        false,
                    );
                }
                line(
                    "Azure Functions executions (Flex Consumption)".into(),
                    CostCategory::Requests,
                    executions,
                    "executions",
                    &prices.executions,
                    self.free_tier,
                );
            }
        }
        priced.extend(self.extras.lines(served(usage), &period));
        Invoice::new(period, priced)
    }

    /// Cost at list rates of `requests` executions and `busy_s` seconds of execution (one
    /// execution's profile memory on Consumption, an instance's memory on Flex): a shape, fitted
    /// to the invoice.
    fn list_cost(&self, busy_s: f64, requests: u64) -> f64 {
        requests as f64 * self.prices.executions.usd()
            + busy_s * self.instance_gb() * self.prices.gb_s.usd()
    }
}

impl Bills for AzureFunctionsSpec {
    type Usage = ContainerUsage;

    fn invoice(&self, usage: &ContainerUsage, period: Period) -> Invoice {
        AzureFunctionsSpec::invoice(self, usage, period)
    }

    /// Consumption: the interval's executions (each billed on its own, they cost about the
    /// same). Flex: its executions and instance-seconds alive at list rates, plus the
    /// always-ready baseline over the interval.
    fn interval_cost(&self, row: &IntervalRow, interval_s: f64) -> f64 {
        match self.plan {
            Plan::Consumption { .. } => row.usage_requests as f64,
            Plan::Flex { always_ready, .. } => {
                let baseline = self.prices.always_ready.as_ref().map_or(0.0, |(b, _)| {
                    f64::from(always_ready) * interval_s * self.instance_gb() * b.usd()
                });
                self.list_cost(row.usage_compute, row.usage_requests) + baseline
            }
        }
    }

    /// Its execution-seconds and requests at list rates.
    fn function_weight(&self, f: &FunctionOutcome) -> f64 {
        self.list_cost(f.busy_s, f.counters.arrived)
    }
}

/// Its lines of `scalesim presets`.
pub fn presets() -> String {
    let sizes: Vec<String> = INSTANCE_SIZES
        .iter()
        .map(|(mb, cpu, c)| format!("{mb} MB ({cpu} vCPU, {c} per instance)"))
        .collect();
    format!(
        "\nAzure Functions (platform = \"{KIND}\", plan = \"consumption\" | \"flex\"):\n  \
         consumption: 1.5 GB, 1 vCPU instances; max_concurrent_requests (host.json, default \
         {DEFAULT_MAX_CONCURRENT_REQUESTS}); os = \"windows\" (default, up to \
         {MAX_INSTANCES_WINDOWS} instances) | \"linux\" (up to {MAX_INSTANCES_LINUX}); \
         function_app_scale_limit (default the os maximum); an HTTP instance added at most once \
         per second;\n    billed per execution: observed memory in 128 MB steps (128–1536 MB) \
         × time rounded up to 1 ms (at least 100 ms), + per execution; free_tier = true: 400,000 \
         GB-s and 1 M executions a month\n  flex: instance_memory_mb = {} (default \
         {DEFAULT_INSTANCE_MEMORY_MB}); per_instance_concurrency (default by size, 1 for Python, \
         at most {MAX_PER_INSTANCE_CONCURRENCY}); always_ready (default 0); \
         maximum_instance_count {MIN_MAXIMUM_INSTANCE_COUNT}–{MAX_MAXIMUM_INSTANCE_COUNT} (default \
         {DEFAULT_MAXIMUM_INSTANCE_COUNT});\n    billed: instance memory while executing (each \
         active period at least 1 s, then 100 ms steps), + per execution; always-ready \
         instances: a baseline on their memory all the time + their execution time; free_tier = \
         true (no always-ready): 100,000 GB-s and 250,000 executions a month\n  both: scale \
         controller every 1 s on 1-minute means, target = executions per instance; a request \
         waits for an instance up to 230 s; idle instances kept 20 minutes; startup presets \
         (runtime): {}\n",
        sizes.join(", "),
        containers::runtimes(&STARTUP_PRESETS)
    )
}
