//! # scalesim-core — IaaS or serverless: what will each cost, and how fast will it answer?
//!
//! The simulator of scalesim, without the files around it. scalesim replays one stream of traffic against several platform variants — provisioned
//! servers and pay-per-use functions — meters their usage the way the provider does, bills it
//! from a dated, sourced price catalog, and reports cost and latency side by side.
//!
//! ```text
//! scenario.toml ──parse──▶ RawScenario ──validate──▶ Scenario
//!                                                      │  one run per platform variant
//!                                                      ▼    (× sweep point × seed: experiment)
//! traffic (synthetic | replayed trace) + request profile ──requests──▶ engine ──▶ platform model
//!                                                      │              (serverless | iaas)
//!                                                      ▼
//!                                          usage meter + metrics
//!                                                      │
//!                                 billing (price catalog → invoice lines)
//!                                                      ▼
//!         RunReport ──▶ scalesim-report: table · JSON · CSV · Parquet · charts · HTML
//! ```
//!
//! This crate has no polars, plotters, progress bars, files or threads of its own (rayon runs
//! variants in parallel behind the default feature `parallel`; without it the same runs go one
//! after another with the same results), and it builds for `wasm32-unknown-unknown`. Around it:
//! `scalesim-traces` reads recorded traces (it implements [`traffic::TraceReader`]) and
//! scenario files; `scalesim-report` renders [`results::RunReport`]; the `scalesim` binary is
//! the command line.
//!
//! Layers, each knowing nothing of the ones after it:
//! - [`engine`]: integer simulated time, the event heap, the run loop, seeded random streams.
//! - [`traffic`]: arrival processes, request profiles, and the trace seam — a
//!   [`traffic::TraceReader`] checks a recorded trace and opens each run's requests, the
//!   simulation knowing neither format nor file; [`traffic::Traces`] checks each distinct trace
//!   once per command. Its readers (request logs, access logs, the Azure Functions traces,
//!   streamed with bounded memory) are in the scalesim-traces crate. [`scenario::parse`] reads no
//!   trace; [`scenario::parse_with`] checks it through a [`traffic::Traces`].
//! - [`usage`]: what a run consumed, as neutral facts, and the meters that round them as a
//!   provider does (MB·ms → GB-s once).
//! - [`platform`]: Lambda-style functions, server fleets and serverless containers (fleets and
//!   containers are pools of replicas, [`platform::pool`]); one set of books for all
//!   ([`platform::books`]); they record usage, never prices.
//! - [`billing`]: the price catalog, generic pricing schemes and invoices; no platform types.
//! - [`scenario`]: TOML files, validated with errors that point at file:line:column.
//! - [`results`]: the run's result as plain data ([`results::RunReport`] and its parts).
//! - [`offering`]: one file per product (Lambda, EC2, Compute Engine, Azure VMs, Fargate, Cloud
//!   Run, Knative, Azure Functions): its model built from its spec, its meter, invoice lines,
//!   description, family and presets.
//! - [`sim`]: runs a scenario's variants (in parallel) and builds the [`results::RunReport`].
//! - [`experiment`]: sweeps over scenario fields, replications with confidence intervals,
//!   shards, break-even and cheapest-setting searches — all made of ordinary runs.
//!
//! The same scenario and seed give byte-identical report files, on one thread or many.
//!
//! Using the library directly:
//!
//! ```
//! let scenario = scalesim_core::scenario::parse(
//!     r#"
//!     name = "example"
//!     horizon = "10m"
//!     [traffic]
//!     arrivals = { process = "poisson", rate_per_s = 5 }
//!     [traffic.request]
//!     duration = { dist = "exponential", mean_ms = 200 }
//!     [[variant]]
//!     name = "fn-512mb"
//!     platform = "lambda"
//!     memory_mb = 512
//!     runtime = "python"
//!     "#,
//!     "example.toml",
//! )
//! .expect("a valid scenario");
//! let report = scalesim_core::sim::run(&scenario, &|_simulated_us| {});
//! let v = &report.variants[0];
//! assert!(v.requests.is_conserved());
//! println!("{}: ${:.4} for {} requests", v.name, v.cost.total_usd, v.requests.completed);
//! ```

#![warn(missing_docs)]

pub mod autoscale;
pub mod billing;
pub mod dist;
pub mod engine;
pub mod experiment;
pub mod metrics;
pub mod offering;
mod par;
pub mod platform;
pub mod results;
pub mod scenario;
pub mod sim;
pub mod traffic;
pub mod usage;

#[cfg(test)]
mod layers;
