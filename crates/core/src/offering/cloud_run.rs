//! Google Cloud Run services (`platform = "cloud_run"`; Cloud Run functions, formerly Cloud
//! Functions 2nd gen, are Cloud Run services and are billed the same): container instances that
//! each serve up to `concurrency` requests at once, scaled by Cloud Run's autoscaler, billed per
//! vCPU-second and GiB-second — the serverless-container model ([`crate::platform::containers`])
//! under Google's rules.
//!
//! Rules, each from Google's documentation (read 2026-11-30 through the reference file §1.3,
//! §3.4 and §4.6 and the stored pages it cites):
//! - `concurrency`: requests one instance serves at once, default 80, at most 1,000
//!   (docs.cloud.google.com/run/docs/about-concurrency); `cpu` 0.08–8 vCPUs, whole values 1, 2,
//!   4, 6 or 8 at and above one; below one vCPU needs `concurrency = 1` and request-based
//!   billing; memory 128 MiB–32 GiB, at least 2 GiB for 4 vCPUs and 4 GiB for 6 or 8, at most
//!   512 MiB below 0.5 vCPU, 1 GiB below 1 vCPU and 4 GiB per vCPU from 1
//!   (…/configuring/services/cpu, …/memory-limits; the RunConfig API reference).
//! - Autoscaling (…/about-instance-autoscaling, …/configuring/scaling-controls): metrics-based
//!   scaling on the larger of a concurrency driver and a CPU driver, each averaged over one
//!   minute, targets 60 % (10–95 %), evaluated every 5 s; on-demand scaling starts an instance
//!   when a request finds none free; `min_instances` kept warm (default 0), `max_instances`
//!   (default 100); idle instances kept up to 15 minutes; when instances cannot be added,
//!   requests pend up to max(3.5 × the average startup time, 10 s) and then fail (429).
//! - Billing (cloud.google.com/run/pricing, …/configuring/billing-settings): request-based
//!   (default) bills CPU and memory only while an instance starts or has at least one request
//!   in flight — concurrent requests share that time — rounded up to 100 ms, plus $0.40 per
//!   million requests; minimum instances when idle at a lower rate; instance-based bills every
//!   instance's whole life (start to shutdown), rounded up to 100 ms, with no request fee. Each
//!   mode has its own monthly free tier (`free_tier = true`).
//! - Startup (the cold start), measured with 1 vCPU / 512 MiB without CPU boost (knmts.com/350,
//!   2024-03): Go 0.10–0.15 s, Python 1.5–2 s (1–3 s), Node.js about 3 s (2–7 s).
//!
//! The request timeout (`timeout`, default 300 s, at most 3,600 s) bounds how long a request
//! waits for an instance; a running request is not cut at it.

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
use crate::scenario::validate::{Result, join, key};
use crate::scenario::{PlatformSpec, RawFields, ScenarioError, VariantCx};
use crate::usage::{ContainerUsage, Meter};

use super::containers::served;
use super::containers::{self, StartupPreset};
use super::extras::Extras;
use super::{Bills, Configured, Product, ProductFields, RunCtx};

/// The name scenario files and reports give it: `platform = "cloud_run"`.
pub const KIND: &str = "cloud_run";
/// The provider whose price book bills it.
pub const PROVIDER: &str = "gcp";
/// Its family: serverless containers.
pub const FAMILY: PlatformFamily = PlatformFamily::Container;
/// Billable time is rounded up to the nearest 100 ms (cloud.google.com/run/pricing).
pub const METER: Meter = Meter::HundredMilliseconds;
/// Default requests per instance at once.
pub const DEFAULT_CONCURRENCY: u32 = 80;
/// Most requests per instance at once.
pub const MAX_CONCURRENCY: u32 = 1_000;
/// Default `max_instances`.
pub const DEFAULT_MAX_INSTANCES: u32 = 100;
/// Largest `max_instances` accepted here (Cloud Run scales to 1,000 quickly, more with quota).
pub const MAX_INSTANCES: u32 = 100_000;
/// Default request timeout, and the largest.
pub const DEFAULT_TIMEOUT: SimDuration = SimDuration::from_secs(300);
/// The largest request timeout (60 minutes).
pub const MAX_TIMEOUT: SimDuration = SimDuration::from_secs(3_600);
/// How long an idle instance is kept before it shuts down: up to 15 minutes.
pub const IDLE_KEEP: SimDuration = SimDuration::from_secs(900);
/// The autoscaler's evaluation period.
pub const SCALER_PERIOD: SimDuration = SimDuration::from_secs(5);
/// The window its drivers average over.
pub const SCALER_WINDOW: SimDuration = SimDuration::from_secs(60);
/// Default CPU and concurrency targets, %.
pub const DEFAULT_TARGET_PCT: f64 = 60.0;
/// The shortest a pending request waits before failing when no instance frees up: 10 s.
pub const MIN_PENDING: SimDuration = SimDuration::from_secs(10);

/// Startup-time presets per runtime: (name, median s, p99 s) of a lognormal, from the
/// measurements above (median = the middle of the typical range, p99 = the top of the range
/// seen).
pub const STARTUP_PRESETS: [StartupPreset; 4] = [
    ("go", 0.12, 0.30),
    ("rust", 0.08, 0.20),
    ("python", 1.75, 3.0),
    ("nodejs", 3.0, 7.0),
];

/// The product, as scenario files name it and the registry lists it.
#[derive(Debug)]
pub struct CloudRun;

/// The product.
pub static CLOUD_RUN: CloudRun = CloudRun;

impl Product for CloudRun {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn family(&self) -> PlatformFamily {
        FAMILY
    }

    fn fields(&self) -> &'static [&'static str] {
        CloudRunFields::NAMES
    }

    fn read(
        &self,
        fields: &RawFields<'_>,
    ) -> std::result::Result<Box<dyn ProductFields>, ScenarioError> {
        Ok(Box::new(CloudRunFields::read(fields)?))
    }

    fn providers(&self) -> &'static [&'static str] {
        &[PROVIDER]
    }

    fn presets(&self) -> String {
        presets()
    }
}

kind_fields! {
    /// The fields of `platform = "cloud_run"`, in the order messages list them.
    pub struct CloudRunFields {
        cpu: f64,
        memory_mb: i64,
        concurrency: i64,
        min_instances: i64,
        max_instances: i64,
        billing: String,
        runtime: String,
        cold_start: RawDist,
        timeout: String,
        cpu_target_utilization: f64,
        concurrency_target_utilization: f64,
        free_tier: bool,
    }
}

/// How a Cloud Run service is billed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BillingMode {
    /// Request-based: CPU and memory while starting or serving, plus a fee per request.
    Request,
    /// Instance-based: CPU and memory for the whole life of each instance.
    Instance,
}

/// Cloud Run's prices for one variant, from the GCP book.
#[derive(Clone, Debug, PartialEq)]
pub struct CloudRunPrices {
    /// Per vCPU-second (active under request-based billing).
    pub vcpu_s: Price,
    /// Per GiB-second.
    pub gib_s: Price,
    /// Per request (request-based only).
    pub requests: Option<Price>,
    /// Idle minimum instances per vCPU-second and GiB-second (request-based only).
    pub idle: Option<(Price, Price)>,
}

/// A Cloud Run variant's configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct CloudRunSpec {
    /// The service model's parameters.
    pub service: ContainerConfig,
    /// vCPUs per instance.
    pub cpu: f64,
    /// Memory per instance, MiB.
    pub memory_mb: u32,
    /// How it is billed.
    pub billing: BillingMode,
    /// Its prices.
    pub prices: CloudRunPrices,
    /// Whether the monthly free tier applies.
    pub free_tier: bool,
    /// The lines people forget: data transfer out (`data_transfer_out`).
    pub extras: Extras,
}

impl ProductFields for CloudRunFields {
    fn validate(&self, v: &VariantCx<'_>) -> Result<PlatformSpec> {
        validate(v, self).map(PlatformSpec::new)
    }
}

/// A percentage target in 10–95 %.
fn target(v: &VariantCx<'_>, field: &str, given: Option<f64>) -> Result<f64> {
    let pct = given.unwrap_or(DEFAULT_TARGET_PCT);
    if !(10.0..=95.0).contains(&pct) {
        return Err(v.error(
            field,
            format!("{field} = {pct} is outside 10–95"),
            "a percentage, 10–95 (Cloud Run scaling controls; default 60)",
        ));
    }
    Ok(pct / 100.0)
}

fn validate(v: &VariantCx<'_>, raw: &CloudRunFields) -> Result<CloudRunSpec> {
    let cx = v.ctx();
    let base = v.base();
    let p = |f| join(base, &[key(f)]);
    let cpu = raw.cpu.unwrap_or(1.0);
    let whole = [1.0, 2.0, 4.0, 6.0, 8.0];
    if !(0.08..=8.0).contains(&cpu) || (cpu >= 1.0 && !whole.contains(&cpu)) {
        return Err(v.error(
            "cpu",
            format!("cpu = {cpu} is not a Cloud Run CPU limit"),
            "allowed: 0.08 to below 1 (in steps of 0.01), or 1, 2, 4, 6, 8 vCPUs",
        ));
    }
    let memory_mb = v.int_in(
        "memory_mb",
        raw.memory_mb.unwrap_or(512),
        128,
        32_768,
        " MiB (Cloud Run memory limits)",
    )?;
    let least = if cpu >= 6.0 {
        4_096
    } else if cpu >= 4.0 {
        2_048
    } else {
        128
    };
    if memory_mb < least {
        return Err(v.error(
            "memory_mb",
            format!("{memory_mb} MiB is too little for {cpu} vCPUs"),
            format!("{cpu} vCPUs need at least {least} MiB (Cloud Run CPU limits)"),
        ));
    }
    // The most memory each CPU limit may have (docs.cloud.google.com/run/docs/configuring/
    // services/cpu, "CPU and memory limits", read 2026-11-30): below 0.5 vCPU 512 MiB, below
    // 1 vCPU 1 GiB, then 4 GiB per vCPU up to 32 GiB at 8.
    let most = if cpu < 0.5 {
        512
    } else if cpu < 1.0 {
        1_024
    } else {
        (cpu * 4_096.0) as u32
    };
    if memory_mb > most {
        return Err(v.error(
            "memory_mb",
            format!("{memory_mb} MiB is too much for {cpu} vCPU"),
            format!(
                "{cpu} vCPU takes at most {most} MiB (below 0.5 vCPU 512 MiB, below 1 vCPU 1 GiB, \
                 else 4 GiB per vCPU): raise cpu or lower memory_mb"
            ),
        ));
    }
    let profile_mb = v.traffic().profile.memory_mb;
    if profile_mb > memory_mb {
        return Err(v.error(
            "memory_mb",
            format!("{memory_mb} MiB is less than the {profile_mb} MB one request uses"),
            "give the instance at least as much memory as one request uses",
        ));
    }
    let concurrency = v.int_in(
        "concurrency",
        raw.concurrency.unwrap_or(i64::from(DEFAULT_CONCURRENCY)),
        1,
        i64::from(MAX_CONCURRENCY),
        " requests per instance (Cloud Run maximum concurrency)",
    )?;
    let billing = match raw.billing.as_deref() {
        None | Some("request") => BillingMode::Request,
        Some("instance") => BillingMode::Instance,
        Some(other) => {
            return Err(v.error(
                "billing",
                format!("unknown billing \"{other}\""),
                "allowed: \"request\" (request-based, the default) or \"instance\" \
                 (instance-based)",
            ));
        }
    };
    if cpu < 1.0 && (concurrency != 1 || billing == BillingMode::Instance) {
        return Err(v.error(
            "cpu",
            format!("cpu = {cpu} with concurrency {concurrency} and {billing:?}-based billing"),
            "below 1 vCPU Cloud Run needs concurrency = 1 and billing = \"request\"",
        ));
    }
    let max = v.int_in(
        "max_instances",
        raw.max_instances
            .unwrap_or(i64::from(DEFAULT_MAX_INSTANCES)),
        1,
        i64::from(MAX_INSTANCES),
        " instances",
    )?;
    let min = v.int_in(
        "min_instances",
        raw.min_instances.unwrap_or(0),
        0,
        i64::from(max),
        " instances (at most max_instances)",
    )?;
    let startup = containers::startup(
        v,
        KIND,
        raw.runtime.as_deref(),
        raw.cold_start.as_ref(),
        &STARTUP_PRESETS,
    )?;
    let timeout = match &raw.timeout {
        None => DEFAULT_TIMEOUT,
        Some(text) => {
            let d = cx.duration(&p("timeout"), text)?;
            if d == SimDuration::ZERO || d > MAX_TIMEOUT {
                return Err(v.error(
                    "timeout",
                    format!("timeout of {text}"),
                    "allowed: more than 0, at most 60m (Cloud Run request timeout)",
                ));
            }
            d
        }
    };
    let cpu_target = target(v, "cpu_target_utilization", raw.cpu_target_utilization)?;
    let concurrency_target = target(
        v,
        "concurrency_target_utilization",
        raw.concurrency_target_utilization,
    )?;
    // Pending requests wait up to max(3.5 × the average startup, 10 s), and never past the
    // request timeout.
    let pending = SimDuration::from_secs_f64(3.5 * startup.mean_secs())
        .max(MIN_PENDING)
        .min(timeout);
    let prices = match billing {
        BillingMode::Request => CloudRunPrices {
            vcpu_s: v.price("cloud_run.request.vcpu_s")?,
            gib_s: v.price("cloud_run.request.gib_s")?,
            requests: Some(v.price("cloud_run.requests")?),
            idle: Some((
                v.price("cloud_run.request.idle_vcpu_s")?,
                v.price("cloud_run.request.idle_gib_s")?,
            )),
        },
        BillingMode::Instance => CloudRunPrices {
            vcpu_s: v.price("cloud_run.instance.vcpu_s")?,
            gib_s: v.price("cloud_run.instance.gib_s")?,
            requests: None,
            idle: None,
        },
    };
    let service = ContainerConfig {
        pool: PoolConfig {
            slots: concurrency,
            vcpus: cpu,
            cpu_speed: 1.0,
            queue_timeout: pending,
            queue_cap: crate::platform::iaas::MAX_QUEUE,
            active_meter: Some(METER),
            startup_active: true,
        },
        min,
        initial: min,
        max,
        startup,
        scaler: ScalerSpec::Metrics(MetricsScalerConfig {
            period: SCALER_PERIOD,
            window: SCALER_WINDOW,
            target_concurrency: concurrency_target * f64::from(concurrency),
            cpu_target: Some(cpu_target),
            vcpus: cpu,
        }),
        on_demand: OnDemand::Waiting {
            min_gap: SimDuration::ZERO,
        },
        idle_keep: Some(IDLE_KEEP),
        per_execution: None,
    };
    Ok(CloudRunSpec {
        service,
        cpu,
        memory_mb,
        billing,
        prices,
        free_tier: raw.free_tier.unwrap_or(false),
        extras: Extras::read(v, false)?,
    })
}

impl Configured for CloudRunSpec {
    fn product(&self) -> &'static dyn Product {
        &CLOUD_RUN
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

impl CloudRunSpec {
    /// One line: "Cloud Run 1 vCPU 512 MiB, concurrency 80, min 0 max 100, request-based".
    pub fn describe(&self) -> String {
        format!(
            "Cloud Run {} vCPU {} MiB, concurrency {}, min {} max {} instances, {}",
            self.cpu,
            self.memory_mb,
            self.service.pool.slots,
            self.service.min,
            self.service.max,
            match self.billing {
                BillingMode::Request => "request-based",
                BillingMode::Instance => "instance-based",
            }
        )
    }

    /// GiB per instance.
    fn gib(&self) -> f64 {
        f64::from(self.memory_mb) / 1_024.0
    }

    /// The invoice of `usage` over `period`.
    pub fn invoice(&self, usage: &ContainerUsage, period: Period) -> Invoice {
        let k = period.usage_scale;
        let month = period.month_fraction();
        let free = self.free_tier;
        let mut priced: Vec<(PriceSource, Vec<InvoiceLine>)> = Vec::new();
        let shape = format!("{} vCPU, {} MiB", self.cpu, self.memory_mb);
        let instance_s = match self.billing {
            BillingMode::Request => (usage.active_us + usage.min_active_us) as f64 / 1e6 * k,
            BillingMode::Instance => METER.instance_seconds(&usage.runs, k),
        };
        let which = match self.billing {
            BillingMode::Request => "active instance time",
            BillingMode::Instance => "instance time",
        };
        let mut line = |item: String, quantity: f64, unit: &str, price: &Price, free: bool| {
            priced.push(schemes::by_price(
                Metered {
                    item: &item,
                    category: CostCategory::Compute,
                    quantity,
                    unit,
                },
                price,
                free,
                month,
            ));
        };
        line(
            format!("Cloud Run CPU, {which} ({shape})"),
            instance_s * self.cpu,
            "vCPU-s",
            &self.prices.vcpu_s,
            free,
        );
        line(
            format!("Cloud Run memory, {which} ({shape})"),
            instance_s * self.gib(),
            "GiB-s",
            &self.prices.gib_s,
            free,
        );
        if let Some((idle_vcpu, idle_gib)) = &self.prices.idle
            && usage.min_alive_us > 0
        {
            let idle_s = usage.min_idle_us as f64 / 1e6 * k;
            line(
                format!("Cloud Run CPU, idle minimum instances ({shape})"),
                idle_s * self.cpu,
                "vCPU-s",
                idle_vcpu,
                false,
            );
            line(
                format!("Cloud Run memory, idle minimum instances ({shape})"),
                idle_s * self.gib(),
                "GiB-s",
                idle_gib,
                false,
            );
        }
        if let Some(fee) = &self.prices.requests {
            priced.push(schemes::by_price(
                Metered {
                    item: "Cloud Run requests",
                    category: CostCategory::Requests,
                    quantity: usage.requests as f64 * k,
                    unit: "requests",
                },
                fee,
                free,
                month,
            ));
        }
        priced.extend(self.extras.lines(served(usage), &period));
        Invoice::new(period, priced)
    }

    /// Cost at list rates of `instance_s` instance-seconds and `requests` requests.
    fn list_cost(&self, instance_s: f64, requests: u64) -> f64 {
        instance_s * (self.cpu * self.prices.vcpu_s.usd() + self.gib() * self.prices.gib_s.usd())
            + self
                .prices
                .requests
                .as_ref()
                .map_or(0.0, |p| requests as f64 * p.usd())
    }
}

impl Bills for CloudRunSpec {
    type Usage = ContainerUsage;

    fn invoice(&self, usage: &ContainerUsage, period: Period) -> Invoice {
        CloudRunSpec::invoice(self, usage, period)
    }

    /// Instance-seconds alive in the interval and its requests at list rates (a shape, fitted
    /// to the invoice).
    fn interval_cost(&self, row: &IntervalRow, _interval_s: f64) -> f64 {
        self.list_cost(row.usage_compute, row.usage_requests)
    }

    /// Its request-seconds and requests at list rates.
    fn function_weight(&self, f: &FunctionOutcome) -> f64 {
        self.list_cost(f.busy_s, f.counters.arrived)
    }
}

/// Its lines of `scalesim presets`.
pub fn presets() -> String {
    format!(
        "\nCloud Run (platform = \"{KIND}\"): cpu = 0.08–<1 or 1, 2, 4, 6, 8 vCPUs (default 1); \
         memory_mb 128–32768 MiB (default 512); concurrency 1–{MAX_CONCURRENCY} (default \
         {DEFAULT_CONCURRENCY});\n  min_instances (default 0), max_instances (default \
         {DEFAULT_MAX_INSTANCES}); billing = \"request\" (default: CPU and memory while serving, \
         100 ms steps, + per request; idle minimum instances at the idle rates) or \"instance\" \
         (whole instance life, no request fee);\n  autoscaler every 5 s on 1-minute means: \
         concurrency_target_utilization and cpu_target_utilization 10–95 % (default 60); idle \
         instances kept 15 minutes; timeout (default 5m, at most 60m); startup presets \
         (runtime): {}\n",
        containers::runtimes(&STARTUP_PRESETS)
    )
}
