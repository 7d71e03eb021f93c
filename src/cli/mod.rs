//! Command-line interface: argument parsing, progress and output files. No model internals.

mod experiments;
mod folder;
mod watch;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use scalesim_core::engine::SimDuration;
use scalesim_core::engine::chunks::{self, Stretched};
use scalesim_core::metrics::RequestSink;
use scalesim_core::results::{Grouped, RunReport};
use scalesim_core::scenario::{self, Scenario};
use scalesim_core::traffic::Traces;
use scalesim_report as report;
use scalesim_report::request_log::ParquetRequestLog;

const EXAMPLES: &str = "\
Examples:
  scalesim run scenarios/steady-api.toml
  scalesim run scenarios/daily-cycle.toml --seed 7 --horizon 2d --out /tmp/daily
  scalesim run scenarios/bursty.toml --format json > bursty.json
  scalesim validate scenarios/low-traffic-job.toml
  scalesim sweep scenarios/sweep-rate.toml --replications 5
  scalesim breakeven scenarios/steady-api.toml --vary traffic.arrivals.rate_per_s \\
      --between 1,200 --variants lambda-512mb,ec2-2x-m7g.large
  scalesim presets";

/// Simulate IaaS fleets and serverless functions on the same traffic, and compare what each
/// costs and how fast it answers.
#[derive(Debug, Parser)]
#[command(name = "scalesim", version, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print only the answer (the table, JSON or CSV, the finding) and warnings: no progress
    /// bar, no "Wrote …" or "note:" lines.
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, value_enum, global = true, default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
}

/// When to colour what is printed (`--color`).
#[derive(Clone, Copy, Debug, ValueEnum)]
enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set (CLICOLOR_FORCE forces it).
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// A bold colour for a word of output (`error:`, `warning:`, the verdict); printed through
/// `anstream`, which drops it when colour is off.
pub(crate) fn style(colour: anstyle::AnsiColor) -> anstyle::Style {
    anstyle::Style::new()
        .bold()
        .fg_color(Some(anstyle::Color::Ansi(colour)))
}

/// The terminal's width when standard output is one, else 100 columns (a file or a pipe gets
/// the same table on every machine).
fn terminal_width() -> u16 {
    terminal_size::terminal_size_of(std::io::stdout()).map_or(100, |(terminal_size::Width(w), _)| w)
}

/// `--quiet`, set once from the command line before anything runs.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether `--quiet` was given: informational lines and progress bars are left out.
pub(crate) fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate every variant of a scenario and print them side by side.
    #[command(after_help = "\
Writes a report folder under reports/<scenario-name>/ (or --out): report.html, report.md,
charts/, summary.json, summary.csv, timeseries.parquet and timeseries.csv.

Examples:
  scalesim run scenarios/steady-api.toml
  scalesim run scenarios/steady-api.toml --seed 42 --horizon 6h
  scalesim run scenarios/bursty.toml --out /tmp/bursty --format csv
  scalesim run scenarios/daily-cycle.toml --activity
  scalesim run scenarios/steady-api.toml --horizon 1h --bill
  scalesim run scenarios/steady-api.toml --horizon 1h \\
      --set 'variant[lambda-512mb].memory_mb=1024' --set traffic.arrivals.rate_per_s=80")]
    Run(RunArgs),
    /// Check a scenario file without simulating it.
    #[command(after_help = "\
Examples:
  scalesim validate scenarios/steady-api.toml
  for f in scenarios/*.toml; do scalesim validate \"$f\"; done")]
    Validate {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Set a field first, FIELD=VALUE (as `run --set`); repeat for several.
        #[arg(long = "set", value_name = "FIELD=VALUE")]
        set: Vec<String>,
        /// Apply a prices file first: a [prices] table (private rates, discounts) as a scenario
        /// writes it, added to the scenario's own (its rates win). Recorded in the report.
        #[arg(long, value_name = "FILE")]
        prices: Option<PathBuf>,
    },
    /// Re-render a report folder (charts, report.md, report.html, CSVs) from its saved
    /// summary.json and timeseries.parquet — or a sweep folder (results, charts, report.html)
    /// from its runs.parquet — without simulating again.
    #[command(after_help = "Examples:\n  scalesim report reports/steady-api")]
    Report {
        /// A folder written by `scalesim run`.
        dir: PathBuf,
        /// Also print each variant's bill (as `run --bill`).
        #[arg(long)]
        bill: bool,
    },
    /// Run a scenario whose numeric fields are lists or ranges: every point of the grid,
    /// optionally several seeds each, into one results table.
    #[command(after_help = "\
A field given as a list (rate_per_s = [10, 50, 100]) or a range
(rate_per_s = { from = 1, to = 500, steps = 20, scale = \"log\" }) is swept; several make a
grid. Writes results.csv/.parquet (a row per point and variant: every figure's mean, and with
--replications its standard deviation and 95 % interval), runs.csv/.parquet (a row per run) and
sweep.json under reports/<scenario-name>-sweep/ (or --out).

Examples:
  scalesim sweep scenarios/sweep-rate.toml
  scalesim sweep scenarios/sweep-rate.toml --replications 10 --horizon 1h
  for i in 0 1 2 3; do \\
      scalesim sweep scenarios/sweep-rate.toml --shard $i/4 --out /tmp/s$i; done
  scalesim merge /tmp/s0 /tmp/s1 /tmp/s2 /tmp/s3 --out /tmp/sweep")]
    Sweep(experiments::SweepArgs),
    /// Join the folders of a sweep's shards (written with --shard i/n) into the whole sweep.
    #[command(after_help = "\
Examples:
  for i in 0 1; do \\
      scalesim sweep scenarios/sweep-rate.toml --shard $i/2 --out shards/$i; done
  scalesim merge shards/* --out reports/sweep")]
    Merge(experiments::MergeArgs),
    /// Find the value of one field at which two variants cost the same (bisection on runs).
    #[command(after_help = "\
Writes breakeven.json, breakeven.csv (every evaluation) and the cost curves with the crossing
marked (breakeven.svg/.png) under reports/<scenario-name>-breakeven/ (or --out).

Examples:
  scalesim breakeven scenarios/steady-api.toml --vary traffic.arrivals.rate_per_s \\
      --between 1,200 --variants lambda-512mb,ec2-2x-m7g.large --horizon 1h
  scalesim breakeven scenarios/bursty.toml --vary traffic.arrivals.base_rate_per_s \\
      --between 1,100 --variants lambda-512mb,ec2-2x-m6i.large --replications 5")]
    Breakeven(experiments::BreakevenArgs),
    /// Try values of one field of one variant and pick the cheapest within latency limits
    /// (the memory size that minimises cost under a p99 limit, the smallest fleet meeting an SLO).
    #[command(after_help = "\
Examples:
  scalesim cheapest scenarios/steady-api.toml --variant lambda-512mb \\
      --vary 'variant[lambda-512mb].memory_mb' --values 128,256,512,1024,1769,3008 \\
      --p99-max 300
  scalesim cheapest scenarios/daily-cycle.toml --variant ec2-fixed-4x-c7g.large \\
      --vary 'variant[ec2-fixed-4x-c7g.large].count' --between 1,12 --step 1")]
    Cheapest(experiments::CheapestArgs),
    /// Re-run a scenario each time its file is saved, and serve the report on
    /// http://127.0.0.1:PORT/, where the page reloads itself with each new answer.
    #[command(after_help = "\
Each save of SCENARIO runs it as `scalesim run` would (same --set, --seed, --horizon, the same
report folder: reports/<scenario-name>/ or --out), and the page shows the new report. A save
that `run` would refuse (bad TOML, an invalid field, too much work) shows the error at the top
of the page above the last good answer, and on stderr; the next good save replaces both. Only
127.0.0.1 is served (this machine); the first line on stderr gives the address. Ctrl-C stops.

Examples:
  scalesim watch scenarios/steady-api.toml --horizon 1h
  scalesim watch scenarios/steady-api.toml --port 0 --out /tmp/workshop \\
      --set traffic.arrivals.rate_multiplier=2")]
    Watch(watch::WatchArgs),
    /// Show the variants of several report folders side by side, with the change from the
    /// first to the second when there are two.
    #[command(after_help = "\
Examples:
  scalesim run scenarios/steady-api.toml --horizon 1h --out /tmp/a
  scalesim run scenarios/steady-api.toml --horizon 1h --out /tmp/b \\
      --set 'variant[lambda-512mb].memory_mb=1024'
  scalesim compare /tmp/a /tmp/b --html /tmp/compare.html")]
    Compare {
        /// Report folders written by `scalesim run` (two or more).
        #[arg(required = true, num_args = 2..)]
        dirs: Vec<PathBuf>,
        /// Also write the comparison as one HTML page to this file.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },
    /// Print the shell completion script for SHELL (bash, zsh, fish, elvish, powershell).
    #[command(after_help = "\
Examples:
  scalesim completions bash > /tmp/scalesim.bash
  # then: source /tmp/scalesim.bash (or put it in your shell's completion folder)")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// List the price books (every price with its source and date, the machine types), the
    /// limits and the cold-start presets scenarios can use.
    #[command(after_help = "Examples:
  scalesim presets
  scalesim presets --provider aws --region eu-west-1
  scalesim presets --provider aws --prices scenarios/prices/enterprise-discount.toml")]
    Presets {
        /// Only this provider's book: aws, gcp or azure.
        #[arg(long)]
        provider: Option<String>,
        /// The region to list (with --provider) [default: the provider's default region].
        #[arg(long)]
        region: Option<String>,
        /// Show the prices after a prices file's rates and discounts.
        #[arg(long, value_name = "FILE")]
        prices: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// Scenario file (TOML).
    scenario: PathBuf,
    /// Seed of every random stream (overrides the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Simulated time, e.g. 90m, 6h, 7d (overrides the scenario's `horizon`).
    #[arg(long, value_parser = parse_horizon)]
    horizon: Option<SimDuration>,
    /// Folder for the report (report.html, charts, data) [default: reports/<scenario-name>, with
    /// `--<setting>` added per --set, so each "what if" keeps its own folder]
    #[arg(long)]
    out: Option<PathBuf>,
    /// What to print on standard output.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Also print each fleet's scaling-activity log (time, from → to, reason); with --format
    /// json or csv it goes to stderr.
    #[arg(long)]
    activity: bool,
    /// Also print each variant's bill: every invoice line as quantity × unit price = cost, for
    /// the horizon and the monthly projection, and where the prices come from; with --format
    /// json or csv it goes to stderr.
    #[arg(long)]
    bill: bool,
    /// Log every request (arrival, start, end, cold, outcome) to requests/<variant>.parquet;
    /// give a fraction, e.g. --request-log=0.01, to keep a deterministic sample instead (with
    /// `=`, so a scenario path after the flag is never taken for its value).
    #[arg(long, value_name = "RATE", num_args = 0..=1, require_equals = true, default_missing_value = "1", value_parser = parse_rate)]
    request_log: Option<f64>,
    /// Run even when the estimated work is above 10^10 simulated requests (arrivals ×
    /// variants), which takes hours.
    #[arg(long)]
    force: bool,
    /// Set a field of the scenario before it runs, FIELD=VALUE with FIELD a path as sweeps write
    /// it, e.g. --set 'variant[lambda-512mb].memory_mb=1024'; repeat for several. Recorded in
    /// the report.
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    set: Vec<String>,
    /// Apply a prices file first: a [prices] table (private rates, discounts) as a scenario
    /// writes it, added to the scenario's own (its rates win). Recorded in the report.
    #[arg(long, value_name = "FILE")]
    prices: Option<PathBuf>,
    /// Time-parallel: cut each variant's run into N stretches of time simulated at once on
    /// the cores, with exactly the report of the run in one go (README "Time-parallel runs").
    /// Lambda variants on an arrival process; other variants and replayed traces run in one go.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=1024))]
    stretches: u16,
    /// Functions in parallel: split the functions of each Lambda variant's replayed trace into
    /// N groups simulated at once on the cores, with exactly the report of the run in one go
    /// (README "Functions in parallel"). A run in which an account limit may have throttled a
    /// request runs again in one go. At most 64: each group keeps every function's state.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    function_groups: u16,
}

fn parse_rate(text: &str) -> std::result::Result<f64, String> {
    match text.parse::<f64>() {
        Ok(r) if r > 0.0 && r <= 1.0 => Ok(r),
        _ => Err(format!(
            "\"{text}\" is not a fraction: give a number above 0 and at most 1, e.g. 0.01"
        )),
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// Side-by-side comparison table.
    Table,
    /// The summary as JSON.
    Json,
    /// The summary as CSV.
    Csv,
}

/// `--horizon`: exactly the rule of a scenario file's `horizon` ([`scenario::horizon`]).
pub(crate) fn parse_horizon(text: &str) -> std::result::Result<SimDuration, String> {
    scenario::horizon(text).map_err(|(what, allowed)| format!("{what}; {allowed}"))
}

/// Run the command line.
pub fn run(cli: Cli) -> Result<()> {
    QUIET.store(cli.quiet, std::sync::atomic::Ordering::Relaxed);
    match cli.color {
        // anstream's own choice: a terminal, NO_COLOR and CLICOLOR_FORCE.
        ColorWhen::Auto => {}
        ColorWhen::Always => anstream::ColorChoice::Always.write_global(),
        ColorWhen::Never => anstream::ColorChoice::Never.write_global(),
    }
    match cli.command {
        Command::Run(args) => run_scenario(args),
        Command::Watch(args) => watch::watch(args),
        Command::Sweep(args) => experiments::sweep(args),
        Command::Merge(args) => experiments::merge(args),
        Command::Breakeven(args) => experiments::breakeven(args),
        Command::Cheapest(args) => experiments::cheapest(args),
        Command::Validate {
            scenario,
            set,
            prices,
        } => {
            let text = read_scenario(&scenario, &set, prices.as_deref())?;
            let file = scenario.display().to_string();
            // Each distinct trace is checked once, whatever the points that replay it.
            let traces = scalesim_traces::files();
            let s = match scenario_or_sweep(&text, &file, &traces)? {
                Ok(s) => s,
                Err(sweep) => {
                    for i in 0..sweep.len() {
                        sweep.point_with(i, &traces)?;
                    }
                    println!(
                        "{}: ok — a sweep of {} points, each valid",
                        scenario.display(),
                        sweep.len()
                    );
                    return Ok(());
                }
            };
            print_warnings(&s.warnings);
            println!(
                "{}: ok — scenario \"{}\", {} variant(s), horizon {}",
                scenario.display(),
                s.name,
                s.variants.len(),
                report::human_duration(s.horizon.as_secs_f64())
            );
            Ok(())
        }
        Command::Report { dir, bill } => rerender(&dir, bill),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "scalesim", &mut script);
            // A reader that stops early (`| head`) is not an error (generate() itself would
            // panic on the closed pipe).
            match std::io::stdout().lock().write_all(&script) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => Ok(other?),
            }
        }
        Command::Compare { dirs, html } => compare(&dirs, html.as_deref()),
        Command::Presets {
            provider,
            region,
            prices,
        } => {
            let changes = match &prices {
                None => Default::default(),
                Some(path) => {
                    let text = read_prices(path)?;
                    scenario::check_prices(&text, &path.display().to_string())?
                }
            };
            let text = scalesim_core::offering::presets_text(
                provider.as_deref(),
                region.as_deref(),
                &changes,
            )
            .map_err(anyhow::Error::msg)?;
            print!("{text}");
            Ok(())
        }
    }
}

/// The text of a scenario file (a regular UTF-8 file of at most 10 MiB: see
/// [`scalesim_traces::scenario_files::read_text`]) with the `[prices]` of prices file `prices`
/// (`--prices FILE`, checked first, its errors located in it) added, then `settings`
/// (`--set FIELD=VALUE`) applied.
pub(crate) fn read_scenario(
    path: &Path,
    settings: &[String],
    prices: Option<&Path>,
) -> Result<String> {
    let mut text = scalesim_traces::scenario_files::read_text(path)?;
    if let Some(file) = prices {
        let their = read_prices(file)?;
        scenario::check_prices(&their, &file.display().to_string())?;
        text = scenario::with_prices(&text, &their)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    }
    scenario::doc::apply_settings(&text, settings)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// The text of a prices file (`--prices FILE`), read as a scenario file is.
fn read_prices(path: &Path) -> Result<String> {
    scalesim_traces::scenario_files::read_text(path).map_err(|e| match e {
        scenario::ScenarioError::Read { file, reason } => {
            anyhow::anyhow!("cannot read prices file {file}: {reason}")
        }
        other => other.into(),
    })
}

/// The scenario of `text`, or the sweep it is (`Err`). A table with `from` and `to` may be a
/// field's own (a replay `window`) rather than a range: when reading it as a sweep fails but
/// the scenario validates, it is a scenario; when both fail, the sweep's error says more (it
/// names a field that cannot be swept, such as `seed`, or a range that lacks `steps`).
fn scenario_or_sweep(
    text: &str,
    file: &str,
    traces: &Traces,
) -> Result<std::result::Result<Scenario, scenario::sweep::Sweep>> {
    match scenario::sweep::Sweep::parse(text, file) {
        Ok(sweep) if !sweep.is_empty() => Ok(Err(sweep)),
        Ok(_) => Ok(Ok(scenario::parse_with(text, file, traces)?)),
        Err(sweep_error) => match scenario::parse_with(text, file, traces) {
            Ok(s) => Ok(Ok(s)),
            Err(_) => Err(sweep_error.into()),
        },
    }
}

/// What `run` (and each run of `watch`) is given: the scenario and what the command line
/// changes in it, and where the report goes.
pub(crate) struct RunInputs<'a> {
    /// The scenario file.
    pub(crate) scenario: &'a Path,
    /// `--set FIELD=VALUE` settings, applied in order.
    pub(crate) set: &'a [String],
    /// `--prices FILE`, added to the scenario's `[prices]`.
    pub(crate) prices: Option<&'a Path>,
    /// `--seed`, replacing the scenario's.
    pub(crate) seed: Option<u64>,
    /// `--horizon`, replacing the scenario's.
    pub(crate) horizon: Option<SimDuration>,
    /// `--out`; `None`: `reports/<scenario-name>`.
    pub(crate) out: Option<&'a Path>,
    /// `--request-log`: the fraction of requests logged, if any.
    pub(crate) request_log: Option<f64>,
    /// `--force`: run above the work limit.
    pub(crate) force: bool,
    /// `--stretches`: stretches of time each variant's run is cut into (1: not cut).
    pub(crate) stretches: usize,
    /// `--function-groups`: groups a variant's functions are split into (1: not split).
    pub(crate) function_groups: usize,
}

/// A run done and its report folder written.
pub(crate) struct Simulated {
    /// The run's results.
    pub(crate) report: RunReport,
    /// The report folder written.
    pub(crate) out: PathBuf,
    /// What the folder held before (see [`replaced_run`]), if it held a report.
    pub(crate) replaced: Option<String>,
    /// Every file written into `out` (paths relative to it), except request logs.
    pub(crate) files: Vec<report::ReportFile>,
}

/// Read the scenario (with its settings), refuse a sweep, apply the seed and horizon, check the
/// work, simulate and write the report folder in place: `run` up to what it prints.
///
/// # Errors
/// Anything `run` refuses: an unreadable or invalid scenario, a sweep, too much work, a run
/// with problems (nothing is written then), a folder that cannot be written.
pub(crate) fn simulate_to_folder(inputs: &RunInputs) -> Result<Simulated> {
    let text = read_scenario(inputs.scenario, inputs.set, inputs.prices)?;
    let file = inputs.scenario.display().to_string();
    let traces = scalesim_traces::files();
    let mut s: Scenario = match scenario_or_sweep(&text, &file, &traces)? {
        Ok(s) => s,
        Err(sweep) => {
            let axis = &sweep.axes[0];
            anyhow::bail!(
                "{file} is a sweep ({} takes {} values; {} points in all): run it with `scalesim sweep {file}`",
                axis.name,
                axis.values.len(),
                sweep.len()
            );
        }
    };
    if let Some(seed) = inputs.seed {
        s.seed = seed;
    }
    if let Some(h) = inputs.horizon {
        s.horizon = h;
    }
    s.stretches = inputs.stretches;
    s.function_groups = inputs.function_groups;
    scalesim_core::experiment::Work::of(&s).check(inputs.force)?;
    let out = inputs.out.map_or_else(
        || {
            let mut what_if = inputs.set.to_vec();
            if let Some(p) = inputs.prices {
                let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned());
                what_if.insert(0, format!("prices={}", stem.unwrap_or_default()));
            }
            Path::new("reports").join(default_folder(&s.name, &what_if))
        },
        Path::to_path_buf,
    );
    // A report already there is replaced: say which, so no earlier answer goes silently.
    let replaced = replaced_run(&out);
    // The whole folder is written beside `out` and renamed into place at the end.
    let staged = folder::Staged::new(&out)?;
    let mut report = match inputs.request_log {
        None => simulate_with_progress(&s, &mut []),
        Some(rate) => simulate_with_request_log(&s, staged.path(), rate)?,
    };
    report.settings = inputs.set.to_vec();
    if !report.problems.is_empty() {
        anyhow::bail!(
            "{}; nothing was written — run again",
            report.problems.join("; ")
        );
    }
    let files = write_report(staged, &report)?;
    Ok(Simulated {
        report,
        out,
        replaced,
        files,
    })
}

fn run_scenario(args: RunArgs) -> Result<()> {
    let Simulated {
        report,
        out,
        replaced,
        ..
    } = simulate_to_folder(&RunInputs {
        scenario: &args.scenario,
        set: &args.set,
        prices: args.prices.as_deref(),
        seed: args.seed,
        horizon: args.horizon,
        out: args.out.as_deref(),
        request_log: args.request_log,
        force: args.force,
        stretches: usize::from(args.stretches),
        function_groups: usize::from(args.function_groups),
    })?;
    if !quiet() {
        for (variant, how) in &report.stretches {
            match how {
                Stretched::Ran(c) => {
                    let fewer = if c.chunks < c.asked {
                        format!(
                            " (of {} asked: stretches start at multiples of {} and the horizon holds {})",
                            c.asked,
                            chunks::align(SimDuration::from_secs_f64(report.interval_s)).human(),
                            c.chunks
                        )
                    } else {
                        String::new()
                    };
                    eprintln!(
                        "time-parallel: {variant} ran as {} stretch{} at once{fewer}; {} fix-up{} ({} crossed whole)",
                        c.chunks,
                        if c.chunks == 1 { "" } else { "es" },
                        c.fix_ups,
                        if c.fix_ups == 1 { "" } else { "s" },
                        c.crossed
                    );
                }
                Stretched::InOneGo(why) => {
                    eprintln!("time-parallel: {variant} ran in one go, as --stretches 1: {why}")
                }
            }
        }
        for (variant, how) in &report.function_groups {
            match how {
                Grouped::Ran { groups, functions } => eprintln!(
                    "functions in parallel: {variant} ran its {functions} functions in {groups} \
                     groups at once"
                ),
                Grouped::InOneGo(why) => eprintln!(
                    "functions in parallel: {variant} ran its functions together, as \
                     --function-groups 1: {why}"
                ),
            }
        }
    }
    if let Some(before) = replaced.filter(|_| !quiet()) {
        eprintln!(
            "note: replaced the report that was in {} ({before}); give another --out to keep both",
            out.display()
        );
    }
    print_warnings(&report.warnings);
    let json = report::summary_json(&report);
    let csv = report::summary_csv(&report);
    let stdout = match args.format {
        Format::Table => {
            report::summary_table_width(&report, terminal_width())
                + &report::function_table(&report)
        }
        Format::Json => json,
        Format::Csv => csv,
    };
    let mut lock = std::io::stdout().lock();
    lock.write_all(stdout.as_bytes())?;
    if args.activity {
        // Keep JSON and CSV on stdout parseable: the log goes to stderr with them.
        let log = report::activity_log(&report);
        match args.format {
            Format::Table => lock.write_all(log.as_bytes())?,
            Format::Json | Format::Csv => eprint!("{log}"),
        }
    }
    if args.bill {
        let bills = report::bill::text(&report);
        match args.format {
            Format::Table => lock.write_all(bills.as_bytes())?,
            Format::Json | Format::Csv => eprint!("{bills}"),
        }
    }
    if matches!(args.format, Format::Table) && !quiet() {
        writeln!(
            lock,
            "Wrote {} (open it in a browser) and the data beside it",
            out.join("report.html").display()
        )?;
    }
    Ok(())
}

/// `scalesim compare DIR DIR... [--html FILE]`: the runs side by side on stdout, and as one page
/// in `html` — never over a file scalesim did not write, nor inside a compared folder.
fn compare(dirs: &[PathBuf], html: Option<&Path>) -> Result<()> {
    let mut runs = Vec::with_capacity(dirs.len());
    for dir in dirs {
        let label = dir
            .file_name()
            .map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into());
        let label = if runs.iter().any(|(l, _)| l == &label) {
            dir.display().to_string()
        } else {
            label
        };
        runs.push((label, read_summary(dir)?));
    }
    print!("{}", report::compare::compare_table(&runs));
    if let Some(path) = html {
        // Never over a file scalesim did not write, nor into a folder being compared.
        if path.is_dir() {
            anyhow::bail!(
                "--html {} is a folder; give a file name such as compare.html",
                path.display()
            );
        }
        let parent = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if let Ok(parent) = std::fs::canonicalize(parent) {
            for dir in dirs {
                if std::fs::canonicalize(dir).is_ok_and(|d| parent.starts_with(&d)) {
                    anyhow::bail!(
                        "--html {} is inside {}, one of the folders compared; write it \
                         elsewhere",
                        path.display(),
                        dir.display()
                    );
                }
            }
        }
        if path.exists()
            && !std::fs::read_to_string(path)
                .is_ok_and(|t| t.contains("<title>scalesim compare</title>"))
        {
            anyhow::bail!(
                "--html {} exists and is not a comparison scalesim wrote; give another \
                 file name or remove it",
                path.display()
            );
        }
        // Written beside its place and renamed in, like every output.
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        // 0666 less the umask, as any file the user writes (a temporary file is 0600).
        let mut builder = tempfile::Builder::new();
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let mut file = builder
            .tempfile_in(&dir)
            .with_context(|| format!("cannot write in {}", dir.display()))?;
        file.write_all(report::compare::compare_html(&runs).as_bytes())?;
        file.persist(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        if !quiet() {
            eprintln!("Wrote {}", path.display());
        }
    }
    Ok(())
}

/// The report folder of a run without `--out`: the scenario's name, and with `--set` the
/// settings too (`steady-api--traffic.arrivals.rate_multiplier=2`), so every "what if" keeps its
/// own answer beside the first one's and `scalesim compare` can set them side by side.
pub(crate) fn default_folder(name: &str, settings: &[String]) -> String {
    let mut folder = name.to_string();
    for s in settings {
        folder.push_str("--");
        folder.extend(s.chars().map(|c| {
            if c.is_ascii_alphanumeric() || "._=-".contains(c) {
                c
            } else {
                '_'
            }
        }));
    }
    folder
}

/// Simulate with a Parquet request log per variant, written to temporary files that are renamed
/// once complete.
fn simulate_with_request_log(s: &Scenario, out: &Path, rate: f64) -> Result<RunReport> {
    let dir = out.join("requests");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut logs = Vec::new();
    let mut finals = Vec::new();
    let functions: Vec<String> = s
        .traffic
        .functions()
        .iter()
        .map(|f| f.name.clone())
        .collect();
    for (i, v) in s.variants.iter().enumerate() {
        let file: String = v
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "._-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let tmp = dir.join(format!(".{file}.parquet.tmp"));
        let seed = s.seed ^ (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        logs.push(
            ParquetRequestLog::create(&tmp, &v.name, functions.clone(), rate, seed)
                .with_context(|| format!("cannot create {}", tmp.display()))?,
        );
        finals.push((tmp, dir.join(format!("{file}.parquet"))));
    }
    let mut sinks: Vec<Option<&mut dyn RequestSink>> = logs
        .iter_mut()
        .map(|l| Some(l as &mut dyn RequestSink))
        .collect();
    let report = simulate_with_progress(s, &mut sinks);
    drop(sinks);
    if !report.problems.is_empty() {
        // The caller refuses the run: leave no request log behind either.
        for (log, (tmp, _)) in logs.into_iter().zip(finals) {
            drop(log);
            let _ = std::fs::remove_file(tmp);
        }
        return Ok(report);
    }
    for (log, (tmp, done)) in logs.into_iter().zip(finals) {
        log.finish()
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, &done).with_context(|| format!("cannot write {}", done.display()))?;
    }
    Ok(report)
}

/// A progress bar on stderr that appears only once a second has passed, and only when stderr
/// is a terminal.
pub(crate) struct LateBar {
    bar: ProgressBar,
    started: Instant,
    shown: OnceLock<()>,
}

impl LateBar {
    /// A bar over `len` units (`None`: a counter), drawn with indicatif `template`.
    pub(crate) fn new(len: Option<u64>, template: &str, prefix: String) -> Self {
        let bar = ProgressBar::with_draw_target(len, ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(template)
                .expect("the progress template is valid")
                .progress_chars("=> "),
        );
        bar.set_prefix(prefix);
        LateBar {
            bar,
            started: Instant::now(),
            shown: OnceLock::new(),
        }
    }

    /// Advance by `n`; show the bar if a second has passed.
    pub(crate) fn inc(&self, n: u64) {
        self.bar.inc(n);
        if self.started.elapsed() > Duration::from_secs(1) && !quiet() {
            self.shown
                .get_or_init(|| self.bar.set_draw_target(ProgressDrawTarget::stderr()));
        }
    }

    /// Set the `{msg}` part.
    pub(crate) fn message(&self, msg: String) {
        self.bar.set_message(msg);
    }

    /// Remove the bar.
    pub(crate) fn finish(self) {
        self.bar.finish_and_clear();
    }
}

/// Run the simulation with a progress bar.
/// Print a scenario's warnings on stderr, one `warning: …` line each.
fn print_warnings(warnings: &[String]) {
    let yellow = style(anstyle::AnsiColor::Yellow);
    let mut err = anstream::stderr();
    for w in warnings {
        // A closed stderr loses the warning, not the run.
        let _ = writeln!(err, "{yellow}warning:{yellow:#} {w}");
    }
}

fn simulate_with_progress(s: &Scenario, logs: &mut [Option<&mut dyn RequestSink>]) -> RunReport {
    let total_us = s
        .horizon
        .as_micros()
        .saturating_mul(s.variants.len() as u64);
    let bar = LateBar::new(
        Some(total_us),
        "simulating {prefix} [{bar:40}] {percent:>3}% eta {eta}",
        s.name.clone(),
    );
    let progress = |delta_us| bar.inc(delta_us);
    let report = if logs.is_empty() {
        scalesim_core::sim::run(s, &progress)
    } else {
        scalesim_core::sim::run_logged(s, &progress, logs)
    };
    bar.finish();
    report
}

/// Render every file of the report in memory, write them into the staged folder and move it
/// into place.
fn write_report(staged: folder::Staged, report: &RunReport) -> Result<Vec<report::ReportFile>> {
    let files = report::render_files(report).context("cannot render the report")?;
    staged.write(&files)?;
    staged.commit()?;
    Ok(files)
}

/// `scalesim report DIR`: re-render from summary.json and timeseries.parquet.
/// What the report in folder `dir` was, in a few words ("steady-api, seed 42, 1h, set: …"),
/// when `dir` holds one.
fn replaced_run(dir: &Path) -> Option<String> {
    let r = read_summary(dir).ok()?;
    let mut s = format!(
        "{}, seed {}, {} simulated",
        r.scenario,
        r.seed,
        report::human_duration(r.horizon_s)
    );
    if !r.settings.is_empty() {
        s += &format!(", set: {}", r.settings.join(", "));
    }
    Some(s)
}

/// The report a folder's `summary.json` holds, with its variants' families restored.
fn read_summary(dir: &Path) -> Result<RunReport> {
    let summary = dir.join("summary.json");
    let text = std::fs::read_to_string(&summary).with_context(|| {
        format!(
            "cannot read {} (is {} a report folder?)",
            summary.display(),
            dir.display()
        )
    })?;
    let mut rep: RunReport = serde_json::from_str(&text).map_err(|e| {
        // A summary of another scalesim (an older one lacks the bill's unit prices and price
        // sources, which cannot be made up) says so, and what to do.
        let version = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("scalesim_version")?.as_str().map(str::to_string));
        match version {
            Some(v) => anyhow::anyhow!(
                "{} was written by scalesim {v} in a form this scalesim ({}) cannot read ({e}): \
                 run its scenario again",
                summary.display(),
                env!("CARGO_PKG_VERSION")
            ),
            None => anyhow::anyhow!("{} is not a scalesim summary: {e}", summary.display()),
        }
    })?;
    scalesim_core::offering::restore_families(&mut rep)
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("{} is not a scalesim summary", summary.display()))?;
    Ok(rep)
}

fn rerender(dir: &Path, bill: bool) -> Result<()> {
    if dir.join("sweep.json").exists() && !dir.join("summary.json").exists() {
        return experiments::rerender_sweep(dir);
    }
    let mut rep = read_summary(dir)?;
    let parquet = dir.join("timeseries.parquet");
    let frame = report::timeseries::read_parquet(&parquet)
        .with_context(|| format!("cannot read {}", parquet.display()))?;
    report::timeseries::attach(&mut rep, &frame)
        .with_context(|| format!("{} does not hold a scalesim time series", parquet.display()))?;
    let files = report::render_files(&rep).context("cannot render the report")?;
    // A new folder: what is rendered, plus the request logs (not rendered) carried over.
    let staged = folder::Staged::new(dir)?;
    folder::carry_over(dir, staged.path(), &["requests"])?;
    staged.write(&files)?;
    staged.commit()?;
    if bill {
        print!("{}", report::bill::text(&rep));
    }
    if !quiet() {
        println!("Re-rendered {}", dir.join("report.html").display());
    }
    Ok(())
}
