//! What a recorded trace is, as a scenario describes it and as checking it finds it: the data
//! the simulation, the scenario and the results share. No files, threads or parsing here: the
//! readers that check and replay traces from files (`traffic::replay`) sit behind the
//! [`crate::traffic::TraceReader`] seam.

use std::path::{Path, PathBuf};

use crate::engine::SimTime;

/// Most functions simulated one by one; more need `top_functions` or a filter.
pub const MAX_FUNCTIONS: usize = 10_000;

/// How timestamps are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimestampUnit {
    /// Seconds (since the epoch, or since the trace's start; fractions allowed).
    Seconds,
    /// Milliseconds.
    Millis,
    /// Microseconds.
    Micros,
    /// RFC 3339, e.g. `2026-11-28T09:00:00.250Z` or `2026-11-28T10:00:00.250+01:00`.
    Rfc3339,
}

impl TimestampUnit {
    /// What a value of this unit looks like, for error messages.
    pub fn expected(self) -> &'static str {
        match self {
            TimestampUnit::Seconds => {
                "a timestamp in seconds (within ±253402300799: no later than the year 9999)"
            }
            TimestampUnit::Millis => {
                "a timestamp in milliseconds (within ±253402300799000: no later than the year 9999)"
            }
            TimestampUnit::Micros => {
                "a timestamp in microseconds (within ±253402300799000000: no later than the year 9999)"
            }
            TimestampUnit::Rfc3339 => {
                "an RFC 3339 timestamp (2026-11-28T09:00:00Z, 2026-11-28T10:00:00.250+01:00; a real date, years 1970–9999)"
            }
        }
    }

    /// Seconds per unit of a numeric timestamp.
    pub fn scale_s(self) -> f64 {
        match self {
            TimestampUnit::Seconds | TimestampUnit::Rfc3339 => 1.0,
            TimestampUnit::Millis => 1e-3,
            TimestampUnit::Micros => 1e-6,
        }
    }
}

/// What to do with a row that does not parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnError {
    /// Stop with an error naming the file, row and column.
    Fail,
    /// Skip it, and count it in the report.
    Skip,
}

/// Where a tabular log (CSV, Parquet, Azure 2021) keeps what.
#[derive(Clone, Debug, PartialEq)]
pub struct Columns {
    /// Name of the timestamp column.
    pub timestamp: String,
    /// How timestamps are written.
    pub unit: TimestampUnit,
    /// The timestamp marks the request's end (start = timestamp − duration).
    pub timestamp_is_end: bool,
    /// Name of the duration column, if the log has durations.
    pub duration: Option<String>,
    /// Seconds per unit of the duration column (0.001 for milliseconds).
    pub duration_scale_s: f64,
    /// Columns naming the function, joined with `/` (none: one unnamed function).
    pub function: Vec<String>,
    /// Name of a column with each request's memory, MB.
    pub memory: Option<String>,
}

/// How the requests of one minute of an Azure 2019 trace are placed in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WithinMinute {
    /// Evenly spaced: request i of n at (i + ½)/n of the minute.
    Uniform,
    /// At random, uniformly (a Poisson process given the minute's count).
    Poisson,
}

/// The formats a trace can be replayed from.
#[derive(Clone, Debug, PartialEq)]
pub enum Format {
    /// A CSV request log.
    Csv(Columns),
    /// A Parquet request log.
    Parquet(Columns),
    /// nginx/Apache combined access log; a number after the user agent is the duration.
    Combined {
        /// Group requests into functions by URL path (query string dropped).
        by_path: bool,
        /// Seconds per unit of the trailing duration (nginx `$request_time`: 1; Apache `%D`: 1e-6).
        duration_scale_s: f64,
    },
    /// AWS Application Load Balancer access log.
    Alb {
        /// Group requests into functions by URL path.
        by_path: bool,
    },
    /// Azure Functions 2019: a folder with invocations.csv, durations.csv and memory.csv.
    Azure2019 {
        /// Placement of each minute's invocations.
        within_minute: WithinMinute,
    },
    /// Azure Functions 2021: `app,func,end_timestamp,duration`, one row per invocation.
    Azure2021,
}

impl Format {
    /// The name used in scenario files.
    pub fn name(&self) -> &'static str {
        match self {
            Format::Csv(_) => "csv",
            Format::Parquet(_) => "parquet",
            Format::Combined { .. } => "combined",
            Format::Alb { .. } => "alb",
            Format::Azure2019 { .. } => "azure2019",
            Format::Azure2021 => "azure2021",
        }
    }

    /// Whether the trace's own clock starts at zero (Azure traces) rather than at its first row.
    pub fn starts_at_zero(&self) -> bool {
        matches!(self, Format::Azure2019 { .. } | Format::Azure2021)
    }
}

/// What a trace's logged durations are, and so how they run on a platform.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durations {
    /// Wall-clock times measured where the requests ran (the memory size or machine they ran
    /// on): replayed as they are, on every platform. The request profile's `cpu_fraction` only
    /// says how much of them is CPU work (a fleet's CPU core-seconds and utilisation).
    #[default]
    AsRecorded,
    /// Durations on the reference CPU (one Lambda vCPU, 1,769 MB): the CPU-bound part
    /// stretches or shrinks with the CPU a platform gives a request, like a synthetic profile's.
    ReferenceCpu,
}

/// Which functions of a trace to replay.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FunctionSelect {
    /// Only these functions (empty: all).
    pub only: Vec<String>,
    /// Only the k functions with the most requests (after `only`).
    pub top: Option<usize>,
}

/// A recorded trace to replay, as the scenario describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplaySpec {
    /// The file (a folder for Azure 2019).
    pub path: PathBuf,
    /// Its format.
    pub format: Format,
    /// Malformed rows: fail or skip.
    pub on_error: OnError,
    /// What the logged durations are.
    pub durations: Durations,
    /// Which part of the trace to replay and how fast, how much of it.
    pub controls: ReplayControls,
    /// Which functions.
    pub select: FunctionSelect,
}

impl ReplaySpec {
    /// Whether `other` reads the same trace the same way and selects the same functions, so
    /// that checking one checks the other: the check depends on the path, format, `on_error`
    /// and selection, not on the controls or what the durations are.
    pub fn same_trace(&self, other: &ReplaySpec) -> bool {
        self.path == other.path
            && self.format == other.format
            && self.on_error == other.on_error
            && self.select == other.select
    }
}

/// Replay controls: a window of the log, time compression and a rate multiplier.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReplayControls {
    /// Start of the window, seconds after the trace's start; replay time zero.
    pub from_s: f64,
    /// End of the window, seconds after the trace's start (`None`: to the end).
    pub to_s: Option<f64>,
    /// Time compression: 24 replays a day in an hour (durations are not compressed).
    pub speed: f64,
    /// Traffic ×k: below 1 each row is kept with probability k; above 1 each row also yields
    /// floor(k) − 1 copies (plus one more with probability frac(k)) spread evenly between it and
    /// the next row.
    pub rate_multiplier: f64,
}

impl Default for ReplayControls {
    fn default() -> Self {
        ReplayControls {
            from_s: 0.0,
            to_s: None,
            speed: 1.0,
            rate_multiplier: 1.0,
        }
    }
}

/// A function of a trace and what checking found about it.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionInfo {
    /// Its name in the trace (Azure: the app and function hashes, `app/func`).
    pub name: String,
    /// Its requests in the trace (good rows; Azure 2019: invocations).
    pub requests: u64,
    /// Its memory from the trace, MB, if the trace has it (the largest value seen).
    pub memory_mb: Option<f64>,
}

/// What the checking pass found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReplayCheck {
    /// Data rows in the input (Azure 2019: invocations).
    pub rows: u64,
    /// Rows skipped because they did not parse (`on_error = "skip"`).
    pub skipped: u64,
    /// Good rows of functions left out by the function selection.
    pub not_selected: u64,
    /// Rows of requests the load balancer never dispatched to a target (an ALB log's `-1`
    /// processing times: a 460, 502, 503… answered by the balancer itself). Counted, not
    /// replayed: no target served them.
    pub not_dispatched: u64,
    /// Good rows without a duration (they take the request profile's).
    pub without_duration: u64,
    /// The trace's time zero, seconds (its earliest start; 0 for Azure traces).
    pub first_s: f64,
    /// The latest start, seconds.
    pub last_s: f64,
    /// Mean logged duration of the selected rows, seconds (`None` without durations).
    pub mean_duration_s: Option<f64>,
    /// Whether the trace names functions.
    pub named: bool,
    /// The selected functions, most requests first (one unnamed function when not `named`).
    pub functions: Vec<FunctionInfo>,
    /// Functions in the whole trace.
    pub functions_in_trace: usize,
    /// How far, at most, a row's start comes before an earlier row's, seconds (0: sorted).
    pub max_late_s: f64,
    /// Most rows held back at once to replay in time order.
    pub reorder_peak: u64,
    /// Trace function index (order of first appearance) → selected function index (`None`: not
    /// selected); the readers renumber rows with it.
    pub keep: Vec<Option<u32>>,
}

impl ReplayCheck {
    /// Good rows that will be replayed (before window, horizon and multiplier).
    pub fn selected_rows(&self) -> u64 {
        self.rows - self.skipped - self.not_dispatched - self.not_selected
    }
}

/// Why a trace cannot be replayed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReplayError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {reason}")]
    Io {
        /// File.
        path: String,
        /// Why.
        reason: String,
    },
    /// A named column is not in the header.
    #[error("{path}: no column \"{column}\"; the header has: {available}")]
    MissingColumn {
        /// File.
        path: String,
        /// Column asked for.
        column: String,
        /// Columns present.
        available: String,
    },
    /// A value does not parse.
    #[error(
        "{at}: column \"{column}\": \"{value}\" is not {expected} (or set on_error = \"skip\")"
    )]
    BadValue {
        /// File and line (`log.csv:12`) or row (`log.parquet row 12`).
        at: String,
        /// Column.
        column: String,
        /// The text found.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
    /// A value of a trace that is read whole (Azure 2019) does not parse; rows cannot be skipped.
    #[error("{at}: column \"{column}\": \"{value}\" is not {expected}")]
    BadTraceValue {
        /// File and line.
        at: String,
        /// Column.
        column: String,
        /// The text found.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
    /// A line does not have the format's shape.
    #[error("{at}: not a line of {format}: {reason} (or set on_error = \"skip\")")]
    BadLine {
        /// File and line.
        at: String,
        /// The format's name.
        format: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// Rows are too far out of time order to reorder in memory.
    #[error(
        "{path}: rows are out of time order by up to {late_s:.3} s; putting them in order would hold {rows} rows in memory (at most {max}); sort the file by time first (e.g. `sort -t, -k1,1 -g`)"
    )]
    TooDisordered {
        /// File.
        path: String,
        /// How late the latest row is.
        late_s: f64,
        /// Rows that would be held back.
        rows: u64,
        /// The limit.
        max: u64,
    },
    /// Too many functions to simulate one by one.
    #[error(
        "{path}: {count} functions; at most {max} are simulated one by one — set top_functions (e.g. top_functions = 100) or list functions = [...]"
    )]
    TooManyFunctions {
        /// File.
        path: String,
        /// Functions found.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A function asked for is not in the trace.
    #[error("{path}: no function \"{name}\" in the trace; it has: {some}")]
    UnknownFunction {
        /// File.
        path: String,
        /// Name asked for.
        name: String,
        /// Some names it has.
        some: String,
    },
}

impl ReplayError {
    /// Whether this is one malformed row (which `on_error = "skip"` skips).
    pub fn is_row_error(&self) -> bool {
        matches!(
            self,
            ReplayError::BadValue { .. } | ReplayError::BadLine { .. }
        )
    }
}
/// One request of a replay: arrival time, logged duration (s) if any, selected function index.
pub type Replayed = (SimTime, Option<f64>, u32);

/// What one replay did with the trace's selected rows (those of selected functions that parse
/// and were dispatched): every one is before the window, replayed, after the window or after the
/// horizon.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplayTally {
    /// Rows before the window's `from`.
    pub before_window: u64,
    /// Rows replayed: in the window, starting before the horizon.
    pub replayed: u64,
    /// Rows at or after the window's `to`, when the window ends before the horizon.
    pub after_window: u64,
    /// Rows at or after the horizon (in replay time), when the horizon comes first.
    pub after_horizon: u64,
    /// Requests the replayed rows became (`rate_multiplier` thins or copies them), all
    /// arriving before the horizon.
    pub requests: u64,
}

/// Resolve `path` against the scenario file's folder.
pub fn resolve(scenario_file: &str, path: &str) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() {
        return p.to_path_buf();
    }
    Path::new(scenario_file)
        .parent()
        .unwrap_or(Path::new("."))
        .join(p)
}
