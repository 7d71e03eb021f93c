//! Replaying a recorded request log (CSV): one row per request, a timestamp column and
//! optionally a duration column. The file is checked once, streaming, before anything is
//! simulated (sorted, every value parses); each run then streams it again.

use std::fs::File;
use std::path::{Path, PathBuf};

use rand::RngExt;

use crate::engine::{MICROS_PER_SEC, SimRng, SimTime};

/// How timestamps are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimestampUnit {
    /// Seconds since the epoch (fractions allowed).
    Seconds,
    /// Milliseconds since the epoch.
    Millis,
    /// Microseconds since the epoch.
    Micros,
    /// RFC 3339, e.g. `2026-11-28T09:00:00.250Z`.
    Rfc3339,
}

/// What to do with a row that does not parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnError {
    /// Stop with an error naming the file, row and column.
    Fail,
    /// Skip it, and count it in the report.
    Skip,
}

/// A request log to replay, as the scenario describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplaySpec {
    /// The CSV file.
    pub path: PathBuf,
    /// Name of the timestamp column.
    pub timestamp_column: String,
    /// How timestamps are written.
    pub timestamp_unit: TimestampUnit,
    /// Name of the duration column, if the log has durations.
    pub duration_column: Option<String>,
    /// Seconds per unit of the duration column (0.001 for milliseconds).
    pub duration_scale_s: f64,
    /// Malformed rows: fail or skip.
    pub on_error: OnError,
    /// Which part of the log to replay and how fast, how much of it.
    pub controls: ReplayControls,
}

/// Replay controls: a window of the log, time compression and a rate multiplier.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReplayControls {
    /// Start of the window, seconds after the log's first row; replay time zero.
    pub from_s: f64,
    /// End of the window, seconds after the log's first row (`None`: to the end).
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

/// What the checking pass found.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ReplayCheck {
    /// Data rows in the file.
    pub rows: u64,
    /// Rows skipped because they did not parse (`on_error = "skip"`).
    pub skipped: u64,
    /// Timestamp of the first good row, seconds (the replay's time zero).
    pub first_s: f64,
    /// Timestamp of the last good row, seconds.
    pub last_s: f64,
    /// Mean logged duration, seconds (`None` without a duration column).
    pub mean_duration_s: Option<f64>,
}

/// Why a log cannot be replayed.
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
        "{path}:{row}: column \"{column}\": \"{value}\" is not {expected} (or set on_error = \"skip\")"
    )]
    BadValue {
        /// File.
        path: String,
        /// 1-based line in the file (the header is line 1).
        row: u64,
        /// Column.
        column: String,
        /// The text found.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
    /// Timestamps go back.
    #[error(
        "{path}:{row}: timestamp {value} comes before the previous row's {previous}; sort the file by time first (e.g. `sort -t, -k1,1 -g`)"
    )]
    Unsorted {
        /// File.
        path: String,
        /// 1-based line.
        row: u64,
        /// This row's timestamp.
        value: String,
        /// The previous row's.
        previous: String,
    },
}

/// One parsed row: timestamp (s) and duration (s), if any.
type Row = (f64, Option<f64>);

struct Reader {
    rows: csv::StringRecordsIntoIter<File>,
    path: String,
    ts: usize,
    dur: Option<usize>,
    spec: ReplaySpec,
    line: u64,
}

impl Reader {
    fn open(spec: &ReplaySpec) -> Result<Self, ReplayError> {
        let path = spec.path.display().to_string();
        let io = |e: &dyn std::fmt::Display| ReplayError::Io {
            path: path.clone(),
            reason: e.to_string(),
        };
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(&spec.path)
            .map_err(|e| io(&e))?;
        let headers = rdr.headers().map_err(|e| io(&e))?.clone();
        let find = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim() == name)
                .ok_or_else(|| ReplayError::MissingColumn {
                    path: path.clone(),
                    column: name.to_string(),
                    available: headers.iter().collect::<Vec<_>>().join(", "),
                })
        };
        let ts = find(&spec.timestamp_column)?;
        let dur = spec.duration_column.as_deref().map(find).transpose()?;
        Ok(Reader {
            rows: rdr.into_records(),
            path,
            ts,
            dur,
            spec: spec.clone(),
            line: 1,
        })
    }

    /// The next row: `Ok(None)` at the end, `Err` for a row that does not parse.
    fn next_row(&mut self) -> Option<Result<Row, ReplayError>> {
        let record = self.rows.next()?;
        self.line += 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                return Some(Err(ReplayError::Io {
                    path: self.path.clone(),
                    reason: format!("line {}: {e}", self.line),
                }));
            }
        };
        let bad = |column: &str, value: &str, expected| ReplayError::BadValue {
            path: self.path.clone(),
            row: self.line,
            column: column.to_string(),
            value: value.to_string(),
            expected,
        };
        let raw_ts = record.get(self.ts).unwrap_or("").trim();
        let ts = match parse_timestamp(raw_ts, self.spec.timestamp_unit) {
            Some(t) => t,
            None => {
                return Some(Err(bad(
                    &self.spec.timestamp_column,
                    raw_ts,
                    expected(self.spec.timestamp_unit),
                )));
            }
        };
        let dur = match (self.dur, &self.spec.duration_column) {
            (Some(i), Some(name)) => {
                let raw = record.get(i).unwrap_or("").trim();
                match raw.parse::<f64>() {
                    Ok(d) if d.is_finite() && d >= 0.0 => Some(d * self.spec.duration_scale_s),
                    _ => return Some(Err(bad(name, raw, "a duration (a number, 0 or more)"))),
                }
            }
            _ => None,
        };
        Some(Ok((ts, dur)))
    }
}

fn expected(unit: TimestampUnit) -> &'static str {
    match unit {
        TimestampUnit::Seconds => "a timestamp in seconds",
        TimestampUnit::Millis => "a timestamp in milliseconds",
        TimestampUnit::Micros => "a timestamp in microseconds",
        TimestampUnit::Rfc3339 => "an RFC 3339 timestamp (2026-11-28T09:00:00Z)",
    }
}

/// Seconds since the epoch.
fn parse_timestamp(text: &str, unit: TimestampUnit) -> Option<f64> {
    let number = |scale: f64| {
        text.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(|v| v * scale)
    };
    match unit {
        TimestampUnit::Seconds => number(1.0),
        TimestampUnit::Millis => number(1e-3),
        TimestampUnit::Micros => number(1e-6),
        TimestampUnit::Rfc3339 => humantime::parse_rfc3339_weak(text.trim_end_matches('Z'))
            .ok()
            .or_else(|| humantime::parse_rfc3339(text).ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs_f64()),
    }
}

/// Read the whole log once: every row parses (or is skipped), timestamps never go back.
pub fn check(spec: &ReplaySpec) -> Result<ReplayCheck, ReplayError> {
    let mut reader = Reader::open(spec)?;
    let mut out = ReplayCheck::default();
    let mut previous: Option<f64> = None;
    let (mut dur_sum, mut dur_n) = (0.0, 0u64);
    while let Some(row) = reader.next_row() {
        out.rows += 1;
        let (ts, dur) = match row {
            Ok(r) => r,
            Err(ReplayError::BadValue { .. }) if spec.on_error == OnError::Skip => {
                out.skipped += 1;
                continue;
            }
            Err(e) => return Err(e),
        };
        if let Some(p) = previous
            && ts < p
        {
            return Err(ReplayError::Unsorted {
                path: reader.path.clone(),
                row: reader.line,
                value: format!("{ts}"),
                previous: format!("{p}"),
            });
        }
        if let Some(d) = dur {
            dur_sum += d;
            dur_n += 1;
        }
        if previous.is_none() {
            out.first_s = ts;
        }
        out.last_s = ts;
        previous = Some(ts);
    }
    out.mean_duration_s = (dur_n > 0).then(|| dur_sum / dur_n as f64);
    Ok(out)
}

/// The log's requests as `(replay time, duration s if logged)`, with the spec's controls
/// applied, skipping rows that do not parse. Call [`check`] first: this assumes a checked file.
/// `rng` draws the rate multiplier's choices.
pub fn rows(
    spec: &ReplaySpec,
    first_s: f64,
    mut rng: SimRng,
) -> impl Iterator<Item = (SimTime, Option<f64>)> {
    let c = spec.controls;
    let mut reader = Reader::open(spec).ok();
    // Good rows, as (seconds since the window's start, duration), inside the window.
    let mut good = std::iter::from_fn(move || {
        let r = reader.as_mut()?;
        loop {
            match r.next_row()? {
                Ok((ts, dur)) => {
                    let t = ts - first_s;
                    if t < c.from_s {
                        continue;
                    }
                    if c.to_s.is_some_and(|to| t >= to) {
                        return None;
                    }
                    return Some((t - c.from_s, dur));
                }
                Err(_) => continue,
            }
        }
    })
    .peekable();
    let mut pending: std::collections::VecDeque<(f64, Option<f64>)> = Default::default();
    std::iter::from_fn(move || {
        loop {
            if let Some((t, dur)) = pending.pop_front() {
                let us = (t / c.speed * MICROS_PER_SEC as f64).round().max(0.0) as u64;
                return Some((SimTime::from_micros(us), dur));
            }
            let (t, dur) = good.next()?;
            let k = c.rate_multiplier;
            if k < 1.0 {
                if rng.random::<f64>() < k {
                    pending.push_back((t, dur));
                }
                continue;
            }
            let extra = k.fract();
            let copies = k.floor() as u64 + u64::from(extra > 0.0 && rng.random::<f64>() < extra);
            let next_t = good.peek().map_or(t, |n| n.0);
            for i in 0..copies {
                let offset = (next_t - t) * i as f64 / copies as f64;
                pending.push_back((t + offset, dur));
            }
        }
    })
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
