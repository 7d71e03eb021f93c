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

/// Ten requests a second, evenly spaced, of 50 ms each: one environment serves them all, made
/// by a cold start at the first request and warm ever after. The run in one go made it at 0 s;
/// the second stretch's guess (from 3,600 − 2,160 = 1,440 s) made its own at 1,440 s. At the
/// boundary both have the same environment, idle since the same completion, and no cold start
/// in the last 10 s: the scale-out window (1,000 new environments per 10 s) has no unit in use
/// in either, so the states are the same and the second stretch is kept — 0 fix-ups. (When the
/// state held the window's entries as the window prunes them, lazily at the next creation, the
/// truth's entry from 0 s and the guess's from 1,440 s stayed forever: 1 fix-up, crossed whole.)
#[test]
fn a_scale_out_window_with_nothing_in_use_meets_the_truth() {
    let s = common::scenario(
        r#"
name = "one-environment"
seed = 3
horizon = "2h"
[traffic]
arrivals = { process = "even", rate_per_s = 10 }
[traffic.request]
duration = { dist = "constant", ms = 50 }
[[variant]]
name = "fn"
platform = "lambda"
memory_mb = 1024
runtime = "python"
"#,
    );
    // Cold starts of no time: the first request is done at 50 ms, before the second arrives.
    let cfg = FunctionConfig {
        cold_start: DurationDist::Constant { secs: 0.0 },
        ..config(600)
    };
    let expected = in_one_go(&cfg, &s);
    // 2 h at 10 req/s, evenly spaced from 0 s: 72,000 arrivals; one cold start.
    assert_eq!(expected.counters.arrived, 72_000);
    assert_eq!(expected.counters.cold_starts, 1);
    let (got, c) = in_stretches(&cfg, &s, &plan(2, 2_160, 8));
    assert_eq!(got, expected);
    assert_eq!((c.chunks, c.fix_ups, c.crossed), (2, 0, 0));
}
