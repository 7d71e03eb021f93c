//! Bare-loop benchmark (issue 15; a documented command, not a timed test; figures in README
//! "Performance"):
//!
//!     cargo bench --bench bare_loop [-- [REQUESTS [ROUNDS]] [serverless|fleet]]
//!
//! A plain Rust loop doing the per-request work of a shipped benchmark scenario, timed side by
//! side in one process with the simulator's model of the same workload (the scenario parsed,
//! its horizon set to REQUESTS ÷ 100 req/s, `scalesim_core::sim::run`: the simulation and its
//! billing, no report folder), and the ratio simulator ÷ bare loop. REQUESTS defaults to 2
//! million; each side runs ROUNDS times (default 3) alternately, and the fastest of each is
//! kept (numbers are read in that order wherever they stand). Both modes run unless one is
//! named.
//!
//! - `serverless` (`scenarios/bench-serverless.toml`): Poisson arrivals at 100 req/s,
//!   exponential durations of mean 2 s (rand_distr's `Exp1` on a xoshiro256++ stream, the
//!   kind of stream the simulator draws from — not its draws: the arrival counts differ by
//!   about 0.3 %), a LIFO pool of idle environments kept 600 s and expired lazily from
//!   the front of a `VecDeque`, a binary heap of completions, each latency into an HDR histogram
//!   (3 significant digits), completions counted per 60 s interval, GB-seconds summed from
//!   durations billed in whole milliseconds at 1,769 MB.
//! - `fleet` (`scenarios/bench-fleet.toml`): the same traffic, each request using 0.1 vCPU,
//!   processor-shared on instances of 2 vCPUs and 32 slots (one virtual time per instance, a
//!   heap of its running requests, one pending completion per instance in the event heap), a
//!   fixed count of [`FLEET_INSTANCES`] instances — what the scenario's target tracking (50 %
//!   CPU) settles on for 20 vCPUs of demand — with least-loaded dispatch and a FIFO queue when
//!   every slot is taken; latencies and interval counts as above.
//!
//! The bare loops do less than the simulator (no autoscaling, no bills, no limits, no request
//! conservation checks): the ratio is what the model's generality costs per request. The fleet
//! scenario starts at 2 instances and scales out, so its early requests queue and its latencies
//! are not the bare loop's; the work per request is the same.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use rand::SeedableRng;
use rand_distr::{Distribution, Exp1};
use rand_xoshiro::Xoshiro256PlusPlus;
use scalesim_core::engine::SimDuration;

/// Arrivals per second in both scenarios.
const RATE_PER_S: f64 = 100.0;
/// Mean request duration, s.
const MEAN_S: f64 = 2.0;
/// Keep-alive of an idle environment, µs (600 s).
const KEEP_ALIVE_US: u64 = 600_000_000;
/// Reporting interval, µs (60 s).
const INTERVAL_US: u64 = 60_000_000;
/// The serverless variant's memory, MB.
const MEMORY_MB: u128 = 1_769;
/// Instances of the fleet: what the scenario's target tracking (50 % CPU on 2-vCPU instances,
/// 100 req/s × 2 s × 0.1 vCPU = 20 vCPUs of demand) settles on — 21 in every interval of its
/// time series from the first hour on.
const FLEET_INSTANCES: usize = 21;
/// vCPUs of an m7g.large.
const VCPUS: f64 = 2.0;
/// Requests an instance runs at once.
const SLOTS: usize = 32;
/// vCPU a request uses (`cpu_fraction`).
const CPU_FRACTION: f64 = 0.1;

/// Seconds → µs, to the nearest microsecond.
#[inline]
fn micros(s: f64) -> u64 {
    (s * 1e6 + 0.5) as u64
}

/// What a bare loop measured, to print and to keep the optimiser honest.
#[derive(Debug, Default)]
struct Outcome {
    arrived: u64,
    completed: u64,
    cold_starts: u64,
    intervals: usize,
    p99_ms: f64,
    /// GB-seconds, where the loop sums them (the serverless bare loop).
    gb_s: Option<f64>,
}

fn latencies() -> Histogram<u64> {
    Histogram::new(3).expect("3 significant digits")
}

/// Counts completions per interval, closing every interval that ended by `now`.
struct Intervals {
    next_end: u64,
    count: u64,
    rows: Vec<u64>,
}

impl Intervals {
    fn new() -> Self {
        Intervals {
            next_end: INTERVAL_US,
            count: 0,
            rows: Vec::new(),
        }
    }

    #[inline]
    fn advance(&mut self, now: u64) {
        while now >= self.next_end {
            self.rows.push(std::mem::take(&mut self.count));
            self.next_end += INTERVAL_US;
        }
    }
}

/// Both benchmarks' traffic: Poisson arrivals at [`RATE_PER_S`] and exponential durations of
/// mean [`MEAN_S`], drawn alternately from one stream (an arrival, then its duration).
struct Traffic {
    rng: Xoshiro256PlusPlus,
    t_s: f64,
    horizon_us: u64,
}

impl Traffic {
    /// As many seconds as `requests` arrivals take on average.
    fn new(requests: u64) -> Self {
        Traffic {
            rng: Xoshiro256PlusPlus::seed_from_u64(1),
            t_s: 0.0,
            horizon_us: micros(requests as f64 / RATE_PER_S),
        }
    }

    /// The next arrival, µs; `None` at the horizon.
    #[inline]
    fn arrival(&mut self) -> Option<u64> {
        let e: f64 = Exp1.sample(&mut self.rng);
        self.t_s += e / RATE_PER_S;
        Some(micros(self.t_s)).filter(|&now| now < self.horizon_us)
    }

    /// The arrival's duration, s.
    #[inline]
    fn duration_s(&mut self) -> f64 {
        let d: f64 = Exp1.sample(&mut self.rng);
        d * MEAN_S
    }
}

/// What both benchmarks measure: latencies, completions per interval, counts.
struct Measured {
    hist: Histogram<u64>,
    intervals: Intervals,
    out: Outcome,
}

impl Measured {
    fn new() -> Self {
        Measured {
            hist: latencies(),
            intervals: Intervals::new(),
            out: Outcome::default(),
        }
    }

    #[inline]
    fn arrived(&mut self, now: u64) {
        self.intervals.advance(now);
        self.out.arrived += 1;
    }

    #[inline]
    fn completed(&mut self, at: u64, arrival: u64) {
        self.intervals.advance(at);
        let _ = self.hist.record(at - arrival);
        self.intervals.count += 1;
        self.out.completed += 1;
    }

    fn finish(mut self) -> Outcome {
        self.out.intervals = self.intervals.rows.len();
        self.out.p99_ms = self.hist.value_at_quantile(0.99) as f64 / 1_000.0;
        self.out
    }
}

/// The serverless benchmark's work for `requests` arrivals.
fn bare_serverless(requests: u64) -> Outcome {
    let mut traffic = Traffic::new(requests);
    // (completion, start) µs; idle environments by the time they went idle (oldest in front).
    let mut done: BinaryHeap<Reverse<(u64, u64)>> = BinaryHeap::new();
    let mut idle: VecDeque<u64> = VecDeque::new();
    let mut m = Measured::new();
    let mut mb_ms: u128 = 0;
    while let Some(now) = traffic.arrival() {
        while let Some(&Reverse((end, start))) = done.peek() {
            if end > now {
                break;
            }
            done.pop();
            m.completed(end, start);
            mb_ms += u128::from((end - start).div_ceil(1_000)) * MEMORY_MB;
            idle.push_back(end);
        }
        m.arrived(now);
        while idle
            .front()
            .is_some_and(|&since| since + KEEP_ALIVE_US <= now)
        {
            idle.pop_front();
        }
        if idle.pop_back().is_none() {
            m.out.cold_starts += 1;
        }
        let d_us = micros(traffic.duration_s());
        done.push(Reverse((now + d_us, now)));
    }
    let mut out = m.finish();
    out.gb_s = Some(mb_ms as f64 / 1_024.0 / 1_000.0);
    out
}

/// One instance of the fleet: its virtual time (solo-seconds every running request has had),
/// its running requests by virtual end time, their summed demand and a generation that stales
/// its older pending completions.
struct Instance {
    v: f64,
    since: u64,
    demand: f64,
    /// (virtual end as ordered bits, arrival µs).
    running: BinaryHeap<Reverse<(u64, u64)>>,
    generation: u64,
}

impl Instance {
    #[inline]
    fn speed(&self) -> f64 {
        if self.demand <= VCPUS {
            1.0
        } else {
            VCPUS / self.demand
        }
    }

    #[inline]
    fn advance(&mut self, now: u64) {
        if !self.running.is_empty() {
            self.v += (now - self.since) as f64 / 1e6 * self.speed();
        }
        self.since = now;
    }

    /// The next completion at the current speed, µs.
    #[inline]
    fn next_finish(&self, now: u64) -> Option<u64> {
        let Reverse((v_end, _)) = *self.running.peek()?;
        let left = (f64::from_bits(v_end) - self.v).max(0.0) / self.speed();
        Some(now + micros(left))
    }
}

/// The fleet benchmark's work for `requests` arrivals.
fn bare_fleet(requests: u64) -> Outcome {
    let mut traffic = Traffic::new(requests);
    let mut fleet: Vec<Instance> = (0..FLEET_INSTANCES)
        .map(|_| Instance {
            v: 0.0,
            since: 0,
            demand: 0.0,
            running: BinaryHeap::new(),
            generation: 0,
        })
        .collect();
    // Pending completions: (time µs, instance, generation).
    let mut events: BinaryHeap<Reverse<(u64, usize, u64)>> = BinaryHeap::new();
    // Requests waiting for a slot: (arrival µs, solo duration s).
    let mut queue: VecDeque<(u64, f64)> = VecDeque::new();
    let mut m = Measured::new();

    fn reschedule(
        inst: &mut Instance,
        i: usize,
        now: u64,
        events: &mut BinaryHeap<Reverse<(u64, usize, u64)>>,
    ) {
        inst.generation += 1;
        if let Some(at) = inst.next_finish(now) {
            events.push(Reverse((at, i, inst.generation)));
        }
    }
    fn start(inst: &mut Instance, arrival: u64, solo_s: f64) {
        inst.demand += CPU_FRACTION;
        let v_end = inst.v + solo_s;
        inst.running.push(Reverse((v_end.to_bits(), arrival)));
    }
    fn least_loaded(fleet: &[Instance]) -> Option<usize> {
        let (i, inst) = fleet
            .iter()
            .enumerate()
            .min_by_key(|(_, inst)| inst.running.len())?;
        (inst.running.len() < SLOTS).then_some(i)
    }

    while let Some(now) = traffic.arrival() {
        while let Some(&Reverse((at, i, generation))) = events.peek() {
            if at > now {
                break;
            }
            events.pop();
            let inst = &mut fleet[i];
            if generation != inst.generation {
                continue;
            }
            inst.advance(at);
            let Reverse((_, arrival)) = inst.running.pop().expect("a pending completion");
            inst.demand = if inst.running.is_empty() {
                0.0
            } else {
                (inst.demand - CPU_FRACTION).max(0.0)
            };
            m.completed(at, arrival);
            if let Some((arrival, solo_s)) = queue.pop_front() {
                start(inst, arrival, solo_s);
            }
            reschedule(inst, i, at, &mut events);
        }
        m.arrived(now);
        let solo_s = traffic.duration_s();
        match least_loaded(&fleet) {
            Some(i) => {
                let inst = &mut fleet[i];
                inst.advance(now);
                start(inst, now, solo_s);
                reschedule(inst, i, now, &mut events);
            }
            None => queue.push_back((now, solo_s)),
        }
    }
    m.finish()
}

/// The simulator on the shipped scenario `file`, for `requests` arrivals at 100 req/s.
fn simulate(file: &str, requests: u64) -> Outcome {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(file);
    let text = std::fs::read_to_string(&path).expect("the shipped scenario");
    let mut s = scalesim_core::scenario::parse(&text, file).expect("a valid scenario");
    s.horizon = SimDuration::from_micros(micros(requests as f64 / RATE_PER_S));
    let report = scalesim_core::sim::run(&s, &|_| {});
    let v = &report.variants[0];
    Outcome {
        arrived: v.requests.arrived,
        completed: v.requests.completed,
        cold_starts: v.requests.cold_starts,
        intervals: v.timeseries.len(),
        p99_ms: v.latency_ms.p99_ms,
        gb_s: None,
    }
}

fn timed<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let t0 = Instant::now();
    let out = black_box(f());
    (t0.elapsed(), out)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let numbers: Vec<u64> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let requests = numbers.first().copied().unwrap_or(2_000_000);
    let rounds = numbers.get(1).copied().unwrap_or(3).max(1);
    let only = |m: &str| {
        !args.iter().any(|a| a == "serverless" || a == "fleet") || args.iter().any(|a| a == m)
    };
    type Bare = fn(u64) -> Outcome;
    let modes: [(&str, &str, Bare); 2] = [
        (
            "serverless",
            "scenarios/bench-serverless.toml",
            bare_serverless,
        ),
        ("fleet", "scenarios/bench-fleet.toml", bare_fleet),
    ];
    for (mode, file, bare) in modes {
        if !only(mode) {
            continue;
        }
        let (mut best_bare, mut best_sim) = (Duration::MAX, Duration::MAX);
        let (mut b_out, mut s_out) = (Outcome::default(), Outcome::default());
        for _ in 0..rounds {
            let (t, o) = timed(|| bare(requests));
            best_bare = best_bare.min(t);
            b_out = o;
            let (t, o) = timed(|| simulate(file, requests));
            best_sim = best_sim.min(t);
            s_out = o;
        }
        let per_s = |d: Duration, n: u64| n as f64 / d.as_secs_f64() / 1e6;
        println!("{mode} ({file}), {requests} requests, fastest of {rounds}:");
        println!(
            "  bare loop  {:>8.3} s  {:>6.2} million req/s  {b_out:?}",
            best_bare.as_secs_f64(),
            per_s(best_bare, b_out.arrived)
        );
        println!(
            "  simulator  {:>8.3} s  {:>6.2} million req/s  {s_out:?}",
            best_sim.as_secs_f64(),
            per_s(best_sim, s_out.arrived)
        );
        println!(
            "  ratio simulator / bare loop: {:.2}",
            best_sim.as_secs_f64() / best_bare.as_secs_f64()
        );
    }
}
