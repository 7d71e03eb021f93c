//! Experiments on top of single runs: parameter sweeps (grids of scenario values), replications
//! with confidence intervals, shards of a sweep for a cluster, break-even and cheapest-setting
//! searches. Every run is an ordinary simulation of a validated scenario; runs spread over the
//! cores with rayon (the `parallel` feature, on by default; without it they run one after
//! another) and come back in a fixed order, so results do not depend on the thread count.

mod breakeven;
mod cheapest;
pub mod stats;
mod vary;

pub use breakeven::{Breakeven, BreakevenSpec, Evaluation, breakeven, breakeven_work};
pub use cheapest::{Candidate, CheapestSpec, Limits, cheapest, cheapest_work};

use crate::par::*;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::engine::{RngStreams, SimDuration};
use crate::results::VariantReport;
use crate::scenario::sweep::Sweep;
use crate::scenario::{Scenario, ScenarioError};
use crate::traffic::Traces;
use stats::Estimate;

/// Most simulated requests (arrivals × variants, summed over every run) a command starts
/// without `--force`: about 10^10, hours of simulation on a laptop at a few million per second.
pub const MAX_WORK_REQUESTS: f64 = 1e10;

/// An estimate of a command's work, made before anything runs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Work {
    /// Requests simulated: arrivals × variants, summed over runs.
    pub requests: f64,
    /// Fleet instance-periods: a fleet's work grows with its instances × its metric periods and
    /// reporting intervals, whatever its traffic (100,000 instances over a year is ~10^11 of
    /// them): the most instances × (horizon ÷ 60 s + horizon ÷ interval), summed over fleets
    /// and runs.
    pub instance_periods: f64,
    /// Runs (scenario × seed).
    pub runs: u64,
}

impl Work {
    /// One run of `s`: its traffic's mean arrival rate × the horizon (for a replayed trace at
    /// most its selected rows × the rate multiplier, rounded up), × its variants.
    pub fn of(s: &Scenario) -> Work {
        let horizon_s = s.horizon.as_secs_f64();
        let arrivals = match (&s.traffic.arrivals, s.traffic.replay()) {
            (_, Some((spec, check))) => {
                check.selected_rows() as f64 * spec.controls.rate_multiplier.ceil()
            }
            (crate::traffic::Arrivals::Process(p), _) => p.mean_rate_per_s(horizon_s) * horizon_s,
            // A trace not checked yet: its rows are not known (it does not run either).
            (crate::traffic::Arrivals::Replay { .. }, None) => 0.0,
        };
        let reports = horizon_s / s.interval.as_secs_f64().max(1.0);
        let instance_periods = s
            .variants
            .iter()
            .map(|v| {
                let c = v.platform.config();
                let scans = horizon_s / c.scan_period().as_secs_f64().max(1e-3);
                f64::from(c.max_instances()) * (scans + reports)
            })
            .sum();
        Work {
            requests: arrivals.max(0.0) * s.variants.len() as f64,
            instance_periods,
            runs: 1,
        }
    }

    /// Add `replications` runs of `s`.
    pub fn add(&mut self, s: &Scenario, replications: u32) {
        let one = Work::of(s);
        self.requests += one.requests * f64::from(replications.max(1));
        self.instance_periods += one.instance_periods * f64::from(replications.max(1));
        self.runs += u64::from(replications.max(1));
    }

    /// Refuse more than [`MAX_WORK_REQUESTS`] requests and fleet instance-periods in all
    /// unless `force`.
    ///
    /// # Errors
    /// [`ExperimentError::TooMuchWork`], with the estimate.
    pub fn check(&self, force: bool) -> Result<(), ExperimentError> {
        let total = self.requests + self.instance_periods;
        if force || total.is_nan() || total <= MAX_WORK_REQUESTS {
            return Ok(());
        }
        Err(ExperimentError::TooMuchWork(format!(
            "this would simulate about {:.1e} requests ({} run(s), arrivals × variants) and \
             {:.1e} fleet instance-periods (instances × metric periods and intervals); more than \
             {MAX_WORK_REQUESTS:.0e} in all takes hours. Shorten --horizon, lower the rate, the \
             fleet's size or the replications, or give --force to run it anyway",
            self.requests, self.runs, self.instance_periods
        )))
    }
}

/// Settings given on the command line that override every point's scenario.
#[derive(Clone, Copy, Debug, Default)]
pub struct Overrides {
    /// Base seed.
    pub seed: Option<u64>,
    /// Horizon.
    pub horizon: Option<SimDuration>,
}

impl Overrides {
    fn apply(&self, s: &mut Scenario) {
        if let Some(seed) = self.seed {
            s.seed = seed;
        }
        if let Some(h) = self.horizon {
            s.horizon = h;
        }
    }
}

/// The seed of replication `r` of a scenario with seed `seed`: replication 0 is the scenario's
/// own seed (so it equals `scalesim run`), the others are derived from it.
pub fn replication_seed(seed: u64, r: u32) -> u64 {
    if r == 0 {
        seed
    } else {
        RngStreams::new(seed)
            .stream(&format!("replication/{r}"))
            .next_u64()
    }
}

/// What is recorded of each variant in each run, with its name and unit in the name.
pub type Figure = (&'static str, fn(&VariantReport) -> f64);

/// Every figure a sweep records.
pub const FIGURES: &[Figure] = &[
    ("cost_usd", |v| v.cost.total_usd),
    ("monthly_730h_usd", |v| v.projection_monthly.total_usd),
    ("cost_per_million_arrived_usd", |v| {
        v.cost_per_million_arrived_usd.unwrap_or(f64::NAN)
    }),
    ("latency_mean_ms", |v| v.latency_ms.mean_ms),
    ("latency_p50_ms", |v| v.latency_ms.p50_ms),
    ("latency_p90_ms", |v| v.latency_ms.p90_ms),
    ("latency_p99_ms", |v| v.latency_ms.p99_ms),
    ("latency_p999_ms", |v| v.latency_ms.p999_ms),
    ("latency_max_ms", |v| v.latency_ms.max_ms),
    ("cold_start_pct", |v| v.cold_start_pct),
    ("throttled_pct", |v| v.throttled_pct),
    ("timed_out_pct", |v| v.timed_out_pct),
    ("arrived", |v| v.requests.arrived as f64),
    ("completed", |v| v.requests.completed as f64),
    ("mean_instances", |v| v.capacity.mean_instances),
    ("peak_instances", |v| v.capacity.peak_instances as f64),
    ("mean_utilisation", |v| v.capacity.mean_utilisation),
    ("slo_met", |v| {
        v.slo_met.map_or(f64::NAN, |m| f64::from(u8::from(m)))
    }),
];

/// Index of figure `name` in [`FIGURES`].
pub fn figure(name: &str) -> Option<usize> {
    FIGURES.iter().position(|(n, _)| *n == name)
}

/// A sweep ready to run: its points validated, how many replications each.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The swept scenario.
    pub sweep: Sweep,
    /// Each point's scenario, overrides applied.
    pub points: Vec<Scenario>,
    /// Seeds per point.
    pub replications: u32,
}

/// Describes a sweep so shards of it can be checked to belong together.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepMeta {
    /// The version of scalesim that ran it (`scalesim --version`); shards of one sweep must
    /// share it. Empty in sweeps written before it was recorded.
    #[serde(default)]
    pub scalesim_version: String,
    /// Scenario name.
    pub scenario: String,
    /// Hash of the scenario text and settings: shards of one sweep share it.
    pub fingerprint: String,
    /// Swept fields.
    pub axes: Vec<String>,
    /// Variant names, in scenario order.
    pub variants: Vec<String>,
    /// Points of the whole grid.
    pub points: usize,
    /// Seeds per point.
    pub replications: u32,
    /// This part of the sweep, `(index, count)`; `None` for the whole of it.
    pub shard: Option<(u32, u32)>,
    /// The seed of replication 0 (`--seed` or the scenario's).
    #[serde(default)]
    pub seed: u64,
    /// The horizon, seconds (`--horizon` or the scenario's).
    #[serde(default)]
    pub horizon_s: f64,
    /// Hash of the scenario's text with its settings (`--set`, `--prices`) alone, without seed,
    /// horizon or replications: tells a merge whether two shards ran the same scenario.
    #[serde(default)]
    pub scenario_hash: String,
}

impl Plan {
    /// Validate every point of `sweep` up front (errors name the point), each replayed trace
    /// checked once through `traces` and shared by the points that replay it.
    ///
    /// # Errors
    /// The first point that does not validate, named.
    pub fn new(
        sweep: Sweep,
        replications: u32,
        overrides: Overrides,
        traces: &Traces,
    ) -> Result<Plan, ScenarioError> {
        let points = (0..sweep.len())
            .map(|i| {
                let mut s = sweep.point_with(i, traces)?;
                overrides.apply(&mut s);
                Ok(s)
            })
            .collect::<Result<Vec<_>, ScenarioError>>()?;
        Ok(Plan {
            sweep,
            points,
            replications: replications.max(1),
        })
    }

    /// The estimated work of the points of `shard` (all without one), each `replications`
    /// times.
    pub fn work(&self, shard: Option<Shard>) -> Work {
        let mut w = Work::default();
        for (p, s) in self.points.iter().enumerate() {
            if shard.is_none_or(|sh| sh.has(p)) {
                w.add(s, self.replications);
            }
        }
        w
    }

    /// The sweep's description; `shard` when only a part runs.
    pub fn meta(&self, shard: Option<Shard>) -> SweepMeta {
        let first = &self.points[0];
        let settings = format!(
            "{}\u{0}{}\u{0}{}\u{0}{}",
            self.sweep.text,
            self.replications,
            first.seed,
            first.horizon.as_micros()
        );
        let h = crate::engine::fnv1a(settings.as_bytes());
        SweepMeta {
            scalesim_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: first.name.clone(),
            fingerprint: format!("{h:016x}"),
            axes: self.sweep.axes.iter().map(|a| a.name.clone()).collect(),
            variants: first.variants.iter().map(|v| v.name.clone()).collect(),
            points: self.points.len(),
            replications: self.replications,
            shard: shard.map(|s| (s.index, s.count)),
            seed: first.seed,
            horizon_s: first.horizon.as_secs_f64(),
            scenario_hash: format!("{:016x}", crate::engine::fnv1a(self.sweep.text.as_bytes())),
        }
    }
}

/// A deterministic slice of a sweep: the points whose index is `index` modulo `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Which slice, 0-based.
    pub index: u32,
    /// How many slices.
    pub count: u32,
}

impl Shard {
    /// Parse `i/n` (0 ≤ i < n).
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| format!("\"{text}\" is not i/n (e.g. 0/4 for the first of four)"))?;
        let (index, count): (u32, u32) = match (i.trim().parse(), n.trim().parse()) {
            (Ok(i), Ok(n)) => (i, n),
            _ => {
                return Err(format!(
                    "\"{text}\" is not i/n with whole numbers, e.g. 0/4"
                ));
            }
        };
        if count == 0 || index >= count {
            return Err(format!(
                "shard {index}/{count}: the index counts from 0 and must be below the count (0/{count} … {}/{count})",
                count.saturating_sub(1)
            ));
        }
        Ok(Shard { index, count })
    }

    /// Whether point `p` belongs to this shard.
    pub fn has(&self, p: usize) -> bool {
        p % self.count as usize == self.index as usize
    }
}

/// One variant in one run of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRow {
    /// Point of the grid.
    pub point: u32,
    /// The swept values at the point.
    pub values: Vec<f64>,
    /// Replication, from 0.
    pub replication: u32,
    /// Its seed.
    pub seed: u64,
    /// Variant name.
    pub variant: String,
    /// [`FIGURES`], in order.
    pub figures: Vec<f64>,
}

/// Run `scenario` with `seed`; an error if its results cannot be trusted.
fn run_once(scenario: &Scenario, seed: u64) -> Result<crate::results::RunReport, ExperimentError> {
    let mut s = scenario.clone();
    s.seed = seed;
    let report = crate::sim::run(&s, &|_| {});
    match report.problems.first() {
        Some(p) => Err(ExperimentError::Untrusted(p.clone())),
        None => Ok(report),
    }
}

/// Run every point of the plan (of `shard`, if given) `replications` times; `done` is called
/// after each run. Rows come sorted by point, replication and variant. A run whose results
/// cannot be trusted (a replayed trace changed under it) fails the whole sweep.
pub fn run(
    plan: &Plan,
    shard: Option<Shard>,
    done: &(dyn Fn() + Sync),
) -> Result<Vec<RunRow>, ExperimentError> {
    let jobs: Vec<(usize, u32)> = (0..plan.points.len())
        .filter(|&p| shard.is_none_or(|s| s.has(p)))
        .flat_map(|p| (0..plan.replications).map(move |r| (p, r)))
        .collect();
    let per_job = jobs
        .par_iter()
        .map(|&(p, r)| {
            let scenario = &plan.points[p];
            let seed = replication_seed(scenario.seed, r);
            let report = run_once(scenario, seed)?;
            done();
            let values = plan.sweep.values(p);
            Ok(report
                .variants
                .iter()
                .map(|v| RunRow {
                    point: p as u32,
                    values: values.clone(),
                    replication: r,
                    seed,
                    variant: v.name.clone(),
                    figures: FIGURES.iter().map(|(_, f)| f(v)).collect(),
                })
                .collect::<Vec<_>>())
        })
        .collect::<Result<Vec<_>, ExperimentError>>()?;
    Ok(per_job.into_iter().flatten().collect())
}

/// One variant at one point, over its replications.
#[derive(Clone, Debug, PartialEq)]
pub struct ResultRow {
    /// Point of the grid.
    pub point: u32,
    /// The swept values.
    pub values: Vec<f64>,
    /// Variant name.
    pub variant: String,
    /// Replications behind the figures.
    pub replications: u32,
    /// [`FIGURES`] over the replications.
    pub figures: Vec<Estimate>,
}

/// Fold run rows (sorted by point, replication, variant in scenario order) into one row per
/// point and variant, variants in `variants` order.
pub fn aggregate(rows: &[RunRow], variants: &[String]) -> Vec<ResultRow> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let point = rows[i].point;
        let end = rows[i..]
            .iter()
            .position(|r| r.point != point)
            .map_or(rows.len(), |k| i + k);
        let at_point = &rows[i..end];
        for name in variants {
            let mine: Vec<&RunRow> = at_point.iter().filter(|r| &r.variant == name).collect();
            if mine.is_empty() {
                continue;
            }
            let figures = (0..FIGURES.len())
                .map(|f| {
                    let values: Vec<f64> = mine.iter().map(|r| r.figures[f]).collect();
                    Estimate::of(&values)
                })
                .collect();
            out.push(ResultRow {
                point,
                values: mine[0].values.clone(),
                variant: name.clone(),
                replications: mine.len() as u32,
                figures,
            });
        }
        i = end;
    }
    out
}

/// Why an experiment cannot run.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    /// The scenario (or a point of it) is invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A run's results cannot be trusted (a replayed trace changed under it): the problem.
    #[error("{0}")]
    Untrusted(String),
    /// The scenario has no variant of this name.
    #[error("no variant \"{name}\"; the scenario has: {available}")]
    NoVariant {
        /// The name asked for.
        name: String,
        /// The scenario's variants, comma-separated.
        available: String,
    },
    /// A search's scenario already sweeps a field.
    #[error(
        "{file} sweeps {field}; {what} varies one field itself — give the field a single value"
    )]
    AlreadySwept {
        /// The scenario file.
        file: String,
        /// The swept field.
        field: String,
        /// The search (`break-even`, `the search`).
        what: String,
    },
    /// The field to vary is not in the scenario (or is not a number).
    #[error("--vary {vary}: {reason}")]
    UnknownField {
        /// The field as given.
        vary: String,
        /// Why it is not one.
        reason: String,
    },
    /// A break-even range that is not two finite numbers, the smaller first.
    #[error("--between {from},{to}: give two numbers, the smaller first")]
    EmptyRange {
        /// Its first end.
        from: f64,
        /// Its second end.
        to: f64,
    },
    /// A break-even over a scenario without exactly two variants, and none named.
    #[error("the scenario has {variants} variants; say which two to compare with --variants A,B")]
    WhichTwo {
        /// How many variants it has.
        variants: usize,
    },
    /// A cheapest-setting search with no values to try.
    #[error("no values to try")]
    NoValues,
    /// The estimated work is too large to start without `--force`.
    #[error("{0}")]
    TooMuchWork(String),
}

/// A search's point at which the scenario does not validate, in one line: the value that
/// caused it, then the error's place, field and message and its help.
fn invalid_at(vary: &str, x: f64, e: &ScenarioError) -> String {
    let text = e.to_string();
    let mut lines = text.lines();
    let mut s = format!(
        "{vary} = {x} is not valid: {}",
        lines.next().unwrap_or_default()
    );
    if let Some(help) = lines.find_map(|l| l.trim().strip_prefix("= help: ")) {
        s += &format!(" ({help})");
    }
    s
}

/// The runs of one scenario at `replications` seeds, in parallel: the reports in seed order.
fn replicate(
    scenario: &Scenario,
    replications: u32,
) -> Result<Vec<crate::results::RunReport>, ExperimentError> {
    (0..replications.max(1))
        .into_par_iter()
        .map(|r| run_once(scenario, replication_seed(scenario.seed, r)))
        .collect()
}

/// The index of variant `name` in `scenario`, or an error listing the variants.
fn variant_index(scenario: &Scenario, name: &str) -> Result<usize, ExperimentError> {
    scenario
        .variants
        .iter()
        .position(|v| v.name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = scenario.variants.iter().map(|v| v.name.as_str()).collect();
            ExperimentError::NoVariant {
                name: name.to_string(),
                available: names.join(", "),
            }
        })
}

/// How two shards' descriptions differ, first what matters most: the scalesim version, the
/// scenario, the seed, the horizon, the replications, then anything else the fingerprint covers;
/// `None` when they belong to one sweep.
fn shards_differ(a: &SweepMeta, b: &SweepMeta) -> Option<String> {
    if a.scalesim_version != b.scalesim_version {
        let v = |m: &SweepMeta| {
            if m.scalesim_version.is_empty() {
                "a version before 0.1.0 recorded it".to_string()
            } else {
                format!("scalesim {}", m.scalesim_version)
            }
        };
        return Some(format!(
            "made by {} and {}: run every shard with the same scalesim",
            v(a),
            v(b)
        ));
    }
    if a.scenario_hash != b.scenario_hash || a.scenario != b.scenario {
        return Some(format!(
            "ran different scenario texts ({} vs {}, or other --set/--prices): run every shard from the same file",
            a.scenario, b.scenario
        ));
    }
    if a.seed != b.seed {
        return Some(format!("seed {} vs {}", a.seed, b.seed));
    }
    if a.horizon_s != b.horizon_s {
        return Some(format!("horizon {} s vs {} s", a.horizon_s, b.horizon_s));
    }
    if a.replications != b.replications {
        return Some(format!(
            "--replications {} vs {}",
            a.replications, b.replications
        ));
    }
    (a.fingerprint != b.fingerprint).then(|| {
        format!(
            "fingerprint {} vs {}: run every shard with the same scenario, --replications, --seed and --horizon",
            a.fingerprint, b.fingerprint
        )
    })
}

/// Join the runs of a sweep's shards (each with the folder it was read from, and its
/// description) into the whole sweep's runs, sorted as an unsharded run sorts them. Every shard
/// of one sweep must be there exactly once.
///
/// # Errors
/// Nothing to merge; a folder holding a whole sweep; shards of different sweeps (naming both
/// folders and what differs: version, scenario, seed, horizon, replications); a shard given
/// twice, of another split, or missing.
pub fn merge(
    parts: Vec<(String, SweepMeta, Vec<RunRow>)>,
) -> Result<(SweepMeta, Vec<RunRow>), String> {
    let Some((first_dir, first, _)) = parts.first() else {
        return Err("nothing to merge".into());
    };
    let mut meta = first.clone();
    let first_dir = first_dir.clone();
    let count = match meta.shard {
        Some((_, n)) => n,
        None => return Err(format!("{first_dir} holds a whole sweep, not a shard")),
    };
    let mut seen: Vec<Option<&str>> = vec![None; count as usize];
    for (dir, m, _) in &parts {
        if let Some(how) = shards_differ(&meta, m) {
            return Err(format!(
                "{dir} and {first_dir} are shards of different sweeps: {how}"
            ));
        }
        match m.shard {
            Some((i, n)) if n == count => {
                if let Some(other) = seen[i as usize].replace(dir) {
                    return Err(format!("shard {i}/{n} is given twice: {other} and {dir}"));
                }
            }
            Some((i, n)) => {
                return Err(format!(
                    "{dir} holds shard {i}/{n}, of a split into {n}; {first_dir} is of a split into {count}"
                ));
            }
            None => return Err(format!("{dir} holds a whole sweep, not a shard")),
        }
    }
    let missing: Vec<String> = (0..count)
        .filter(|&i| seen[i as usize].is_none())
        .map(|i| format!("{i}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "missing shard(s): {} (no folder given holds it): run each again with `scalesim sweep … --shard I/N` and merge all {count}",
            missing.join(", ")
        ));
    }
    let order = |v: &str| meta.variants.iter().position(|n| n == v);
    let mut rows: Vec<RunRow> = parts.into_iter().flat_map(|(_, _, r)| r).collect();
    rows.sort_by_key(|r| (r.point, r.replication, order(&r.variant)));
    meta.shard = None;
    Ok((meta, rows))
}
