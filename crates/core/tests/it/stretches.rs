//! Time-parallel runs ([`scalesim_core::engine::chunks`]): the function model cut into stretches
//! gives exactly the outcome of the run from zero — when every guess meets the true state, when
//! the true run has to go on into a stretch and meets it at a checkpoint (a fix-up), and when it
//! never meets it and crosses the whole stretch. (Every test that runs a Lambda variant on an
//! arrival process through `common::run` — the queueing and keep-alive oracles, the bills —
//! also runs it in 4 stretches and checks the report is the same.)

use scalesim_core::dist::DurationDist;
use scalesim_core::engine::chunks::{self, Chunking, Plan};
use scalesim_core::engine::{self, RngStreams, SimDuration, SimTime};
use scalesim_core::platform::Outcome;
use scalesim_core::platform::serverless::{
    FunctionConfig, FunctionModel, ProvisionedConcurrency, ReservedConcurrency,
};
use scalesim_core::scenario::Scenario;
use scalesim_core::usage::{Invocations, Meter};

use crate::common;

/// Bursty traffic (bursts of 40 req/s every ~5 min over 2 req/s), lognormal durations and cold
/// starts: environments come and go, so a guess started late has fewer of them than the truth.
const BURSTY: &str = r#"
name = "stretches"
seed = 5
horizon = "6h"
[traffic]
arrivals = { process = "bursty", base_rate_per_s = 2, burst_rate_per_s = 40, mean_base = "270s", mean_burst = "30s" }
[traffic.request]
duration = { dist = "lognormal", median_ms = 300, p99_ms = 4000 }
[[variant]]
name = "fn"
platform = "lambda"
memory_mb = 1024
runtime = "python"
"#;

fn config(keep_alive_s: u64) -> FunctionConfig {
    FunctionConfig {
        memory_mb: 1_024,
        keep_alive: SimDuration::from_secs(keep_alive_s),
        account_concurrency: 1_000,
        reserved_concurrency: ReservedConcurrency::None,
        provisioned_concurrency: ProvisionedConcurrency::None,
        timeout: SimDuration::from_secs(900),
        cold_start: DurationDist::lognormal(0.25, 1.2),
        memory_from_trace: false,
    }
}

fn model<'a>(cfg: &'a FunctionConfig, s: &'a Scenario) -> FunctionModel<'a> {
    FunctionModel::new(
        cfg,
        &s.traffic.profile,
        &[],
        false,
        RngStreams::new(s.seed).blocks("cold-starts"),
        SimTime::ZERO + s.horizon,
        s.interval,
        Meter::Millisecond,
    )
}

/// The run from zero to the horizon in one go.
fn in_one_go(cfg: &FunctionConfig, s: &Scenario) -> Outcome<Invocations> {
    let horizon = SimTime::ZERO + s.horizon;
    let mut m = model(cfg, s);
    let streams = RngStreams::new(s.seed);
    let (_, sched) = engine::run(
        &mut m,
        s.traffic.requests(&streams, horizon),
        horizon,
        &mut |_| {},
    );
    m.finish(sched.pending_events())
}

/// The same run cut as `plan` says.
fn in_stretches(
    cfg: &FunctionConfig,
    s: &Scenario,
    plan: &Plan,
) -> (Outcome<Invocations>, Chunking) {
    let horizon = SimTime::ZERO + s.horizon;
    let streams = RngStreams::new(s.seed);
    let make = |at: SimTime| {
        let mut m = model(cfg, s);
        m.start_at(at);
        (m, s.traffic.requests_from(&streams, at).unwrap())
    };
    let (run, chunking) = chunks::run_chunked(make, horizon, plan, &|_| {});
    (run.model.finish(run.sched.pending_events()), chunking)
}

fn plan(chunks: usize, warm_up_s: u64, checkpoints: usize) -> Plan {
    Plan {
        chunks,
        warm_up: SimDuration::from_secs(warm_up_s),
        align: SimDuration::from_secs(60),
        checkpoints,
    }
}

#[test]
fn every_way_of_meeting_the_truth_gives_the_run_in_one_go() {
    let s = common::scenario(BURSTY);
    let cfg = config(600);
    let expected = in_one_go(&cfg, &s);
    assert!(expected.counters.cold_starts > 10 && expected.counters.completed > 50_000);
    // A warm-up of 2 × 600 + 900 + 60 s, as a Lambda variant's run takes: every guess meets the
    // truth at its boundary.
    let (got, c) = in_stretches(&cfg, &s, &plan(4, 2_160, 8));
    assert_eq!(got, expected);
    assert_eq!((c.chunks, c.fix_ups), (4, 0));
    // No warm-up: each stretch starts with no environments at its boundary, where the truth
    // has some — three fix-ups. With checkpoints, the truth meets each stretch at one of them
    // (every environment alive at the boundary has expired or been reused by then)…
    let (got, c) = in_stretches(&cfg, &s, &plan(4, 0, 8));
    assert_eq!(got, expected);
    assert_eq!((c.chunks, c.fix_ups, c.crossed), (4, 3, 0));
    // … without them it crosses every stretch: the run in one go, done in order.
    let (got, c) = in_stretches(&cfg, &s, &plan(4, 0, 0));
    assert_eq!(got, expected);
    assert_eq!((c.chunks, c.fix_ups, c.crossed), (4, 3, 3));
}
