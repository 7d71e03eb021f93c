//! A product added from outside the crate, touching nothing but this file: "Functions-100", a
//! made-up function service that runs on the serverless model and bills each invocation
//! rounded up to 100 ms × its memory in GB, plus a fee per request. Its catalog entry is
//! [`FUNCTIONS_100`] below; it registers with `Products::builtin().with(..)`; scenario files
//! then name it `platform = "functions100"` next to the shipped products, and it runs, meters
//! and bills like them. This is the walk-through of docs/adding-a-product.md, compiled.

use std::borrow::Cow;

use scalesim_core::billing::schemes::{self, Metered};
use scalesim_core::billing::{CostCategory, Invoice, Period, PriceSource};
use scalesim_core::dist::DurationDist;
use scalesim_core::engine::{self, SimDuration, SimTime};
use scalesim_core::metrics::{FunctionOutcome, IntervalRow};
use scalesim_core::offering::{
    Bills, Configured, PlatformSpec, Product, ProductFields, Products, RunCtx, variant_report,
};
use scalesim_core::platform::PlatformFamily;
use scalesim_core::platform::serverless::{
    FunctionConfig, FunctionModel, FunctionSetup, ProvisionedConcurrency, ReservedConcurrency,
};
use scalesim_core::results::VariantReport;
use scalesim_core::scenario::{self, RawFields, ScenarioError, VariantCx};
use scalesim_core::usage::{Invocations, Meter};

/// The product's catalog entry (made up for the test; a real one carries its source and date).
const FUNCTIONS_100: Prices = Prices {
    request_usd: 0.000_000_4,
    gb_s_usd: 0.000_02,
};

/// Where [`FUNCTIONS_100`] comes from: nowhere, it is made up for this test.
const FUNCTIONS_100_SOURCE: PriceSource = PriceSource {
    provider: Cow::Borrowed("Functions-100 (a toy provider)"),
    service: Cow::Borrowed("Functions-100"),
    region: Cow::Borrowed("everywhere"),
    read_on: Cow::Borrowed("2026-11-30"),
    url: Cow::Borrowed("docs/adding-a-product.md"),
    via: Cow::Borrowed("invented for the walk-through"),
};

/// Prices of Functions-100, USD.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Prices {
    /// Per request.
    request_usd: f64,
    /// Per GB-second of billed time.
    gb_s_usd: f64,
}

/// The product.
#[derive(Debug)]
struct Functions100;

/// Its fields, as read.
#[derive(Debug)]
struct Fields {
    memory_gb: Option<i64>,
    cold_start_ms: Option<f64>,
}

/// A validated variant of it.
#[derive(Debug, Clone, PartialEq)]
struct Spec {
    function: FunctionConfig,
}

impl Product for Functions100 {
    fn kind(&self) -> &'static str {
        "functions100"
    }

    fn family(&self) -> PlatformFamily {
        PlatformFamily::Function
    }

    fn fields(&self) -> &'static [&'static str] {
        &["memory_gb", "cold_start_ms"]
    }

    fn read(&self, fields: &RawFields<'_>) -> Result<Box<dyn ProductFields>, ScenarioError> {
        Ok(Box::new(Fields {
            memory_gb: fields.get("memory_gb")?,
            cold_start_ms: fields.get("cold_start_ms")?,
        }))
    }

    fn presets(&self) -> String {
        format!(
            "\nFunctions-100: ${} per request, ${} per GB-s\n",
            FUNCTIONS_100.request_usd, FUNCTIONS_100.gb_s_usd
        )
    }
}

impl ProductFields for Fields {
    fn validate(&self, v: &VariantCx<'_>) -> Result<PlatformSpec, ScenarioError> {
        let gb = v.int_in(
            "memory_gb",
            v.need("memory_gb", &self.memory_gb)?,
            1,
            8,
            " GB",
        )?;
        let cold_ms = self.cold_start_ms.unwrap_or(0.0);
        if !(0.0..=10_000.0).contains(&cold_ms) {
            return Err(v.error(
                "cold_start_ms",
                format!("{cold_ms} ms"),
                "allowed: 0 to 10000",
            ));
        }
        Ok(PlatformSpec::new(Spec {
            function: FunctionConfig {
                memory_mb: gb * 1_024,
                keep_alive: SimDuration::from_secs(10),
                account_concurrency: 1_000,
                reserved_concurrency: ReservedConcurrency::None,
                provisioned_concurrency: ProvisionedConcurrency::None,
                timeout: SimDuration::from_secs(900),
                cold_start: DurationDist::Constant {
                    secs: cold_ms / 1e3,
                },
                memory_from_trace: false,
            },
        }))
    }
}

/// How it bills: requests, then 100 ms steps × GB.
struct Bill;

impl Bills for Bill {
    type Usage = Invocations;

    fn invoice(&self, usage: &Invocations, period: Period) -> Invoice {
        let k = period.usage_scale;
        let month = period.month_fraction();
        let mut lines = schemes::per_unit(
            Metered {
                item: "Functions-100 requests",
                category: CostCategory::Requests,
                quantity: usage.invocations as f64 * k,
                unit: "requests",
            },
            0.0,
            FUNCTIONS_100.request_usd,
            month,
        );
        lines.extend(schemes::per_unit(
            Metered {
                item: "Functions-100 duration (100 ms steps)",
                category: CostCategory::Compute,
                quantity: usage.gb_s() * k,
                unit: "GB-s",
            },
            0.0,
            FUNCTIONS_100.gb_s_usd,
            month,
        ));
        Invoice::new(period, vec![(FUNCTIONS_100_SOURCE, lines)])
    }

    fn interval_cost(&self, row: &IntervalRow, _interval_s: f64) -> f64 {
        row.usage_requests as f64 * FUNCTIONS_100.request_usd
            + row.usage_compute * FUNCTIONS_100.gb_s_usd
    }

    fn function_weight(&self, f: &FunctionOutcome) -> f64 {
        f.busy_s
    }
}

impl Configured for Spec {
    fn product(&self) -> &'static dyn Product {
        &Functions100
    }

    fn run(&self, cx: RunCtx<'_, '_>) -> VariantReport {
        let RunCtx {
            scenario,
            variant,
            streams,
            requests,
            progress,
            ..
        } = cx;
        let horizon = SimTime::ZERO + scenario.horizon;
        let setup = [FunctionSetup {
            memory_mb: self.function.memory_mb,
            reserved: None,
        }];
        let mut model = FunctionModel::new(
            &self.function,
            &scenario.traffic.profile,
            &setup,
            false,
            streams.blocks(&format!("cold-starts/{}", variant.name)),
            horizon,
            scenario.interval,
            Meter::HundredMilliseconds,
        );
        let (_, sched) = engine::run(&mut model, &mut *requests, horizon, progress);
        let outcome = model.finish(sched.pending_events());
        let description = format!("Functions-100 {} GB", self.function.memory_mb / 1_024);
        variant_report(scenario, variant, description, outcome, &Bill)
    }
}

static TOY: Functions100 = Functions100;

/// The three requests of the bills tests (0 s, 1 s, 30 s; 100.2 ms each), on the toy and on
/// Lambda side by side.
const SCENARIO: &str = r#"
name = "toy"
seed = 1
horizon = "45s"
[traffic]
arrivals = { process = "list", at_s = [0.0, 1.0, 30.0] }
[traffic.request]
duration = { dist = "constant", ms = 100.2 }
cpu_fraction = 0.0

[[variant]]
name = "toy"
platform = "functions100"
memory_gb = 2
cold_start_ms = 250.4

[[variant]]
name = "lambda"
platform = "lambda"
memory_mb = 2048
cold_start = { dist = "constant", ms = 250.4 }
keep_alive = "10s"
"#;

fn products() -> Products {
    Products::builtin()
        .clone()
        .with(&TOY)
        .expect("distinct name and fields")
}

/// Functions-100, 2 GB, keep-alive 10 s (as the toy fixes it):
/// - 0 s: cold. 250.4 + 100.2 = 350.6 ms → 400 ms (100 ms steps).
/// - 1 s: warm (idle since 0.3506 s). 100.2 ms → 200 ms.
/// - 30 s: the environment expired at 11.1002 s → cold → 400 ms.
///
/// Billed 1,000 ms × 2 GB = 2.0 GB-s × $0.00002 = $0.000040
/// Requests 3 × $0.0000004                    = $0.0000012
/// Total                                       = $0.0000412
///
/// Lambda on the same requests, 1 ms steps: 351 + 101 + 351 = 803 ms × 2 GB = 1.606 GB-s.
#[test]
fn a_toy_product_parses_runs_and_bills_beside_the_shipped_ones() {
    let s = scenario::parse_in(SCENARIO, "toy.toml", &products(), None).unwrap();
    assert_eq!(s.variants[0].platform.kind(), "functions100");
    let r = scalesim_core::sim::run(&s, &|_| {});
    let toy = &r.variants[0];
    assert_eq!(toy.platform, "functions100");
    assert_eq!(toy.family, PlatformFamily::Function);
    assert_eq!(toy.description, "Functions-100 2 GB");
    assert_eq!(toy.requests.cold_starts, 2);
    assert!(
        (toy.cost.lines[1].quantity - 2.0).abs() < 1e-12,
        "{:?}",
        toy.cost.lines
    );
    assert!(
        (toy.cost.total_usd - 0.000_041_2).abs() < 1e-12,
        "{}",
        toy.cost.total_usd
    );
    let lambda = &r.variants[1];
    assert!((lambda.cost.lines[1].quantity - 1.606).abs() < 1e-12);
}

/// Its fields are checked as the shipped products' are: located errors, a field of another
/// product refused, a name every message lists.
#[test]
fn a_toy_product_gets_the_same_checks() {
    let p = products();
    let err = |text: &str| {
        scenario::parse_in(text, "toy.toml", &p, None)
            .unwrap_err()
            .to_string()
    };
    let e = err(&SCENARIO.replace("memory_gb = 2", "memory_gb = 9"));
    assert!(
        e.contains("toy.toml:14:13") && e.contains("variant[0].memory_gb"),
        "{e}"
    );
    let e = err(&SCENARIO.replace("memory_gb = 2", "memory_gb = \"two\""));
    assert!(
        e.contains("invalid type: string \"two\", expected a whole number"),
        "{e}"
    );
    let e = err(&SCENARIO.replace("memory_gb = 2", "memory_gb = 2\nslots = 4"));
    assert!(
        e.contains("`slots` does not apply to platform = \"functions100\""),
        "{e}"
    );
    // A line of a provider's bill, on a product with prices of its own.
    let e = err(&SCENARIO.replace("memory_gb = 2", "memory_gb = 2\nnat_gateway = true"));
    assert!(
        e.contains("variant[0].nat_gateway")
            && e.contains("`nat_gateway` does not apply to platform = \"functions100\""),
        "{e}"
    );
    let e = err(&SCENARIO.replace("\"functions100\"", "\"functions10\""));
    assert!(
        e.contains("unknown platform `functions10`")
            && e.contains("allowed: lambda, ec2, compute_engine, azure_vm, cloud_run, knative, fargate, azure_functions, functions100; did you mean `functions100`?"),
        "{e}"
    );
    // Without registering it, the shipped products do not know it.
    let e = scenario::parse(SCENARIO, "toy.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown platform `functions100`"), "{e}");
}

/// A product cannot take a name another product has, nor a field every variant has; it may take
/// a field of the same name as another product (`memory_mb`): each reads its own.
#[test]
fn products_keep_their_names_apart_and_may_share_field_names() {
    #[derive(Debug)]
    struct Clash;
    impl Product for Clash {
        fn kind(&self) -> &'static str {
            "clash"
        }
        fn family(&self) -> PlatformFamily {
            PlatformFamily::Function
        }
        fn fields(&self) -> &'static [&'static str] {
            &["memory_mb", "region"]
        }
        fn read(&self, f: &RawFields<'_>) -> Result<Box<dyn ProductFields>, ScenarioError> {
            Functions100.read(f)
        }
        fn presets(&self) -> String {
            String::new()
        }
    }
    static CLASH: Clash = Clash;
    let e = Products::builtin().clone().with(&CLASH).unwrap_err();
    assert!(e.contains("`region`"), "{e}");
    #[derive(Debug)]
    struct Shares;
    impl Product for Shares {
        fn kind(&self) -> &'static str {
            "shares"
        }
        fn family(&self) -> PlatformFamily {
            PlatformFamily::Function
        }
        fn fields(&self) -> &'static [&'static str] {
            &["memory_mb"]
        }
        fn read(&self, f: &RawFields<'_>) -> Result<Box<dyn ProductFields>, ScenarioError> {
            Functions100.read(f)
        }
        fn presets(&self) -> String {
            String::new()
        }
    }
    static SHARES: Shares = Shares;
    let with_shares = Products::builtin()
        .clone()
        .with(&SHARES)
        .expect("memory_mb may be shared");
    // Lambda still reads its own `memory_mb` (a string is refused by Lambda's reader).
    let lambda = "name = \"x\"\nhorizon = \"1m\"\n[traffic]\narrivals = { process = \"poisson\", rate_per_s = 1 }\n[traffic.request]\nduration = { dist = \"constant\", ms = 10 }\n[[variant]]\nname = \"fn\"\nplatform = \"lambda\"\nmemory_mb = 512\nruntime = \"python\"\n";
    scenario::parse_in(lambda, "x.toml", &with_shares, None).expect("Lambda reads its memory_mb");
    let e = products().with(&TOY).unwrap_err();
    assert!(e.contains("already registered"), "{e}");
}
