//! The experiment commands: sweep, merge, breakeven, cheapest.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use scalesim_core::engine::SimDuration;
use scalesim_core::experiment::{
    self, BreakevenSpec, CheapestSpec, Limits, Overrides, Plan, Shard, SweepMeta, aggregate,
};
use scalesim_core::scenario::sweep::Sweep;
use scalesim_report::ReportFile;
use scalesim_report::{self as report, sweep as tables};

use super::folder::{refuse_over_inputs, write_folder};
use super::{LateBar, parse_horizon, quiet, read_scenario};

/// "Wrote PATH (what)" on stdout, unless `--quiet`.
fn wrote(path: &Path, what: &str) {
    if !quiet() {
        println!("Wrote {}{what}", path.display());
    }
}

#[derive(Debug, clap::Args)]
pub(super) struct Common {
    /// Seeds per point: the scenario's seed, then seeds derived from it; figures get a mean,
    /// standard deviation and 95 % confidence interval.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    replications: u32,
    /// Base seed (overrides the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Simulated time of every run (overrides the scenario's `horizon`).
    #[arg(long, value_parser = parse_horizon)]
    horizon: Option<SimDuration>,
    /// Run even when the estimated work is above 10^10 simulated requests (arrivals ×
    /// variants, summed over every run), which takes hours.
    #[arg(long)]
    force: bool,
    /// Set a field of the scenario first, FIELD=VALUE with FIELD a path as sweeps write it,
    /// e.g. --set 'variant[lambda-512mb].keep_alive=5m'; repeat for several.
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    set: Vec<String>,
    /// Apply a prices file first: a [prices] table (private rates, discounts) as a scenario
    /// writes it, added to the scenario's own (its rates win). Recorded in the report.
    #[arg(long, value_name = "FILE")]
    prices: Option<PathBuf>,
}

impl Common {
    fn overrides(&self) -> Overrides {
        Overrides {
            seed: self.seed,
            horizon: self.horizon,
        }
    }
}

#[derive(Debug, clap::Args)]
pub(super) struct SweepArgs {
    /// Scenario file whose numeric fields are lists or ranges.
    scenario: PathBuf,
    #[command(flatten)]
    common: Common,
    /// Run only slice i of n (0-based): the points whose index is i modulo n. Merge the slices'
    /// folders with `scalesim merge`.
    #[arg(long, value_parser = Shard::parse, value_name = "I/N")]
    shard: Option<Shard>,
    /// Folder for the results [default: reports/<scenario-name>-sweep, or …/shard-I-of-N]
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub(super) struct MergeArgs {
    /// The shards' folders, or a folder holding them (every folder in it with a sweep.json:
    /// what `shards/*` names, where no shell expands it, as in a container).
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    /// Folder for the merged sweep.
    #[arg(long)]
    out: PathBuf,
}

fn parse_pair(text: &str) -> std::result::Result<(f64, f64), String> {
    let bad = || format!("\"{text}\" is not two numbers A,B (e.g. 1,500)");
    let (a, b) = text.split_once(',').ok_or_else(bad)?;
    Ok((
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    ))
}

fn parse_names(text: &str) -> std::result::Result<(String, String), String> {
    match text.split_once(',') {
        Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => {
            Ok((a.trim().to_string(), b.trim().to_string()))
        }
        _ => Err(format!("\"{text}\" is not two variant names A,B")),
    }
}

fn parse_values(text: &str) -> std::result::Result<Vec<f64>, String> {
    text.split(',')
        .map(|v| {
            v.trim()
                .parse::<f64>()
                .map_err(|_| format!("\"{v}\" in \"{text}\" is not a number"))
        })
        .collect()
}

#[derive(Debug, clap::Args)]
pub(super) struct BreakevenArgs {
    /// Scenario file with (at least) the two variants to compare.
    scenario: PathBuf,
    /// The field to vary, e.g. traffic.arrivals.rate_per_s, or variant[NAME].count for the
    /// variant named NAME.
    #[arg(long)]
    vary: String,
    /// The range to search, A,B.
    #[arg(long, value_parser = parse_pair, value_name = "A,B")]
    between: (f64, f64),
    /// The two variants, by name [default: the scenario's two].
    #[arg(long, value_parser = parse_names, value_name = "A,B")]
    variants: Option<(String, String)>,
    /// Stop bisecting when the bracket is this narrow [default: 1/1000 of the range; 1 for whole
    /// numbers].
    #[arg(long)]
    tolerance: Option<f64>,
    /// Evenly spaced points drawn as the cost curves.
    #[arg(long, default_value_t = 11, value_parser = clap::value_parser!(u32).range(2..=200))]
    curve_points: u32,
    #[command(flatten)]
    common: Common,
    /// Folder for the results [default: reports/<scenario-name>-breakeven]
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub(super) struct CheapestArgs {
    /// Scenario file.
    scenario: PathBuf,
    /// The variant to tune.
    #[arg(long)]
    variant: String,
    /// The field to try values of, e.g. variant[NAME].memory_mb for the variant named NAME.
    #[arg(long)]
    vary: String,
    /// The values to try, e.g. 128,256,512,1024.
    #[arg(long, value_name = "LIST", conflicts_with = "between")]
    values: Option<String>,
    /// Or a range A,B tried every --step.
    #[arg(long, value_parser = parse_pair, value_name = "A,B", requires = "step")]
    between: Option<(f64, f64)>,
    /// Step through --between.
    #[arg(long)]
    step: Option<f64>,
    /// Highest acceptable p99 latency, ms [default: the scenario's [slo]].
    #[arg(long)]
    p99_max: Option<f64>,
    /// Highest acceptable share of throttled + timed-out requests, % [default: the scenario's
    /// [slo]].
    #[arg(long)]
    max_failed_pct: Option<f64>,
    #[command(flatten)]
    common: Common,
    /// Folder for the results [default: reports/<scenario-name>-cheapest]
    #[arg(long)]
    out: Option<PathBuf>,
}

fn read(path: &Path, common: &Common) -> Result<(String, String)> {
    let text = read_scenario(path, &common.set, common.prices.as_deref())?;
    Ok((text, path.display().to_string()))
}

fn write_all(out: &Path, files: Vec<ReportFile>) -> Result<()> {
    write_folder(out, &files)
}

pub(super) fn sweep(args: SweepArgs) -> Result<()> {
    let (text, file) = read(&args.scenario, &args.common)?;
    let sweep = Sweep::parse(&text, &file)?;
    let traces = scalesim_traces::files();
    let plan = Plan::new(
        sweep,
        args.common.replications,
        args.common.overrides(),
        &traces,
    )?;
    plan.work(args.shard).check(args.common.force)?;
    let meta = plan.meta(args.shard);
    if let Some(s) = args.shard.filter(|s| s.count as usize > meta.points) {
        eprintln!("{}", more_shards_than_points(s.count, meta.points));
    }
    let out = args.out.unwrap_or_else(|| {
        let base = Path::new("reports").join(format!("{}-sweep", meta.scenario));
        match args.shard {
            Some(s) => base.join(format!("shard-{}-of-{}", s.index, s.count)),
            None => base,
        }
    });
    let points = (0..plan.points.len())
        .filter(|&p| args.shard.is_none_or(|s| s.has(p)))
        .count();
    let bar = LateBar::new(
        Some(points as u64 * u64::from(plan.replications)),
        "{prefix} [{bar:40}] {pos}/{len} runs, eta {eta}",
        format!("sweeping {}", meta.scenario),
    );
    let runs = experiment::run(&plan, args.shard, &|| bar.inc(1))?;
    bar.finish();
    if args.shard.is_some() {
        write_all(&out, tables::sweep_files(&meta, &runs, None)?)?;
        println!(
            "Shard {}/{}: {points} of {} points, {} runs; merge the shards' folders with `scalesim merge DIR... --out DIR`.",
            meta.shard.map_or(0, |s| s.0),
            meta.shard.map_or(1, |s| s.1),
            meta.points,
            runs.len(),
        );
        wrote(&out, "");
        return Ok(());
    }
    let results = aggregate(&runs, &meta.variants);
    write_all(&out, tables::sweep_files(&meta, &runs, Some(&results))?)?;
    print!("{}", tables::sweep_table(&meta, &results, 60));
    wrote(
        &out.join("report.html"),
        " (open it in a browser) and results.csv, .parquet, runs.csv and the charts beside it",
    );
    Ok(())
}

/// A sweep folder's description and runs (`sweep.json`, `runs.parquet`).
/// The warning for a sweep split into more shards than it has points.
fn more_shards_than_points(shards: u32, points: usize) -> String {
    format!(
        "warning: the sweep has {points} point{} and is split into {shards} shards: {} of them hold no point (their tasks only write an empty shard); {points} shard{} would do",
        if points == 1 { "" } else { "s" },
        shards as usize - points,
        if points == 1 { "" } else { "s" },
    )
}

fn read_sweep(dir: &Path) -> Result<(SweepMeta, Vec<experiment::RunRow>)> {
    let meta_path = dir.join("sweep.json");
    let meta: SweepMeta =
        serde_json::from_str(&std::fs::read_to_string(&meta_path).with_context(|| {
            format!(
                "cannot read {} (is {} a sweep shard?)",
                meta_path.display(),
                dir.display()
            )
        })?)
        .with_context(|| {
            format!(
                "{} is not a scalesim sweep description",
                meta_path.display()
            )
        })?;
    let runs_path = dir.join("runs.parquet");
    let df = report::timeseries::read_parquet(&runs_path)
        .with_context(|| format!("cannot read {}", runs_path.display()))?;
    let runs = tables::runs_from_frame(&meta, &df)
        .with_context(|| format!("{} does not hold a sweep's runs", runs_path.display()))?;
    Ok((meta, runs))
}

/// `scalesim report DIR` on a sweep folder: its results, charts and report page rendered
/// again from its runs, without simulating. A shard's folder is refused (merge it first).
pub(super) fn rerender_sweep(dir: &Path) -> Result<()> {
    let (meta, runs) = read_sweep(dir)?;
    if let Some((i, n)) = meta.shard {
        bail!(
            "{} holds shard {i}/{n} of a sweep (runs only, no results or page): merge the shards \
             first (scalesim merge SHARD... --out DIR), then render the merged folder",
            dir.display()
        );
    }
    let results = aggregate(&runs, &meta.variants);
    write_all(dir, tables::sweep_files(&meta, &runs, Some(&results))?)?;
    if !quiet() {
        println!("Re-rendered {}", dir.join("report.html").display());
    }
    Ok(())
}

/// The shard folders `given` names: each folder holding a sweep.json itself, else each folder in
/// it that holds one (hidden ones, such as a folder being written, left out), in name order.
fn shard_folders(given: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut dirs = Vec::new();
    for dir in given {
        if dir.join("sweep.json").is_file() || !dir.is_dir() {
            dirs.push(dir.clone());
            continue;
        }
        let mut inside: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.join("sweep.json").is_file()
                    && !p
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        if inside.is_empty() {
            anyhow::bail!(
                "{} holds no sweep shard (no sweep.json in it or in a folder in it)",
                dir.display()
            );
        }
        inside.sort();
        dirs.extend(inside);
    }
    Ok(dirs)
}

pub(super) fn merge(args: MergeArgs) -> Result<()> {
    let shards = shard_folders(&args.shards)?;
    refuse_over_inputs(&args.out, &shards)?;
    let mut parts = Vec::new();
    for dir in &shards {
        let (meta, runs) = read_sweep(dir)?;
        parts.push((dir.display().to_string(), meta, runs));
    }
    let split = parts
        .first()
        .and_then(|(_, m, _)| m.shard)
        .map_or(0, |s| s.1);
    let (meta, runs) = experiment::merge(parts).map_err(anyhow::Error::msg)?;
    if split as usize > meta.points {
        eprintln!("{}", more_shards_than_points(split, meta.points));
    }
    let results = aggregate(&runs, &meta.variants);
    write_all(
        &args.out,
        tables::sweep_files(&meta, &runs, Some(&results))?,
    )?;
    print!("{}", tables::sweep_table(&meta, &results, 60));
    if !quiet() {
        println!("Merged {} shards into {}", shards.len(), args.out.display());
    }
    Ok(())
}

pub(super) fn breakeven(args: BreakevenArgs) -> Result<()> {
    let (text, file) = read(&args.scenario, &args.common)?;
    let spec = BreakevenSpec {
        vary: args.vary,
        between: args.between,
        variants: args.variants,
        replications: args.common.replications,
        tolerance: args.tolerance,
        curve_points: args.curve_points as usize,
        overrides: args.common.overrides(),
    };
    // The trace is checked once, for the estimate and every evaluation.
    let traces = scalesim_traces::files();
    experiment::breakeven_work(&text, &file, &spec, &traces)?.check(args.common.force)?;
    let bar = LateBar::new(
        None,
        "{prefix}: {pos} evaluations, {msg}",
        "searching".into(),
    );
    let b = experiment::breakeven(&text, &file, &spec, &traces, &|e| {
        bar.message(format!("last at {}", e.x));
        bar.inc(1);
    })?;
    bar.finish();
    let out = args
        .out
        .unwrap_or_else(|| Path::new("reports").join(format!("{}-breakeven", b.scenario)));
    write_all(&out, report::search::breakeven_files(&b)?)?;
    println!("{}: {}", b.scenario, b.finding);
    if let (Some(bracket), Some(band)) = (b.bracket, b.noise_band) {
        println!(
            "  bracket [{}, {}] (tolerance {}), {} evaluations, {} replication(s) each",
            bracket.0,
            bracket.1,
            b.tolerance,
            b.evaluations.len(),
            b.replications,
        );
        if band != bracket {
            println!(
                "  within noise (95 % interval of the difference containing 0): {} to {}",
                band.0, band.1
            );
        }
    }
    wrote(
        &out.join("breakeven.json"),
        " (table: breakeven.csv, chart: breakeven.svg/.png)",
    );
    Ok(())
}

pub(super) fn cheapest(args: CheapestArgs) -> Result<()> {
    let (text, file) = read(&args.scenario, &args.common)?;
    let values = match (args.values, args.between, args.step) {
        (Some(v), _, _) => parse_values(&v).map_err(anyhow::Error::msg)?,
        (None, Some((a, b)), Some(step)) => {
            if !(step > 0.0 && a <= b) {
                bail!("--between {a},{b} --step {step}: give A ≤ B and a step above 0");
            }
            let n = ((b - a) / step + 1e-9).floor() as usize + 1;
            if n > 10_000 {
                bail!("--between {a},{b} --step {step} makes {n} values; at most 10000");
            }
            (0..n).map(|i| a + step * i as f64).collect()
        }
        _ => bail!("give the values to try: --values 128,256,512 or --between A,B --step S"),
    };
    let limits = Limits {
        p99_ms: args.p99_max,
        max_failed_pct: args.max_failed_pct,
    };
    let spec = CheapestSpec {
        vary: args.vary.clone(),
        values,
        variant: args.variant,
        limits,
        replications: args.common.replications,
        overrides: args.common.overrides(),
    };
    // The trace is checked once, for the estimate and every value.
    let traces = scalesim_traces::files();
    experiment::cheapest_work(&text, &file, &spec, &traces)?.check(args.common.force)?;
    let (candidates, best) = experiment::cheapest(&text, &file, &spec, &traces)?;
    println!(
        "{:>12}  {:>14}  {:>10}  {:>9}  ok",
        args.vary.rsplit('.').next().unwrap_or(""),
        "cost USD",
        "p99 ms",
        "failed %"
    );
    for (i, c) in candidates.iter().enumerate() {
        let verdict = match (Some(i) == best, &c.why_not) {
            (true, _) => "yes  ← cheapest".to_string(),
            (false, None) => "yes".to_string(),
            (false, Some(why)) => format!("no: {why}"),
        };
        // NaN: nothing to show (a point that failed validation ran nothing; a point where no
        // request completed has no p99).
        let cell = |v: f64, digits: usize| {
            if v.is_nan() {
                "—".to_string()
            } else {
                format!("{v:.digits$}")
            }
        };
        println!(
            "{:>12}  {:>14}  {:>10}  {:>9}  {verdict}",
            c.x,
            cell(c.cost.mean, 6),
            cell(c.p99_ms.mean, 1),
            cell(c.failed_pct.mean, 3),
        );
    }
    let name = Path::new(&file)
        .file_stem()
        .map_or("scenario".to_string(), |s| s.to_string_lossy().to_string());
    let out = args
        .out
        .unwrap_or_else(|| Path::new("reports").join(format!("{name}-cheapest")));
    let chart = report::charts::cheapest_chart(&report::charts::CheapestFigure {
        vary: &args.vary,
        candidates: &candidates,
        best,
        p99_max_ms: spec.limits.p99_ms,
    })?;
    write_all(
        &out,
        vec![
            ReportFile::new(
                "cheapest.csv",
                report::search::cheapest_csv(&candidates, best).into_bytes(),
            ),
            ReportFile::new("cheapest.svg", chart.svg.into_bytes()),
            ReportFile::new("cheapest.png", chart.png),
        ],
    )?;
    match best {
        Some(i) => println!(
            "Cheapest within the limits: {} = {} (${:.6} over the horizon).",
            args.vary, candidates[i].x, candidates[i].cost.mean,
        ),
        // An answer, not an error: the table says why each value fails.
        None => println!(
            "No value of {} keeps within the limits (why each fails: above); try other values.",
            args.vary,
        ),
    }
    wrote(&out.join("cheapest.csv"), "");
    Ok(())
}
