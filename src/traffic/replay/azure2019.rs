//! The Azure Functions 2019 trace (Shahrad et al., ATC 2020): per function, invocations started
//! in each minute of a day, percentiles of execution time and allocated memory.
//!
//! A folder holds `invocations.csv` (`HashOwner,HashApp,HashFunction,Trigger,1,…,1440`),
//! `durations.csv` (`…,Average,Count,Minimum,Maximum,percentile_Average_{0,1,25,50,75,99,100}`,
//! milliseconds) and `memory.csv` (`…,AverageAllocatedMb,…`; keyed by app in the public
//! dataset, by function in some redistributions — both are read). The counts are kept sparse (an
//! entry per minute in which a function ran); each minute's invocations are expanded when the replay reaches it, placed evenly or
//! at random within the minute, each with a duration drawn from the function's percentiles by
//! linear interpolation between them. The durations file is optional (functions without one
//! take the request profile's duration), so is the memory file.

use std::collections::HashMap;
use std::path::Path;

use rand::RngExt;

use super::{Interner, ReplayError, Row, Source, WithinMinute};
use crate::engine::SimRng;

/// Quantiles of the duration percentile columns.
const QUANTILES: [f64; 7] = [0.0, 0.01, 0.25, 0.50, 0.75, 0.99, 1.0];
const PERCENTILE_COLUMNS: [&str; 7] = [
    "percentile_Average_0",
    "percentile_Average_1",
    "percentile_Average_25",
    "percentile_Average_50",
    "percentile_Average_75",
    "percentile_Average_99",
    "percentile_Average_100",
];

/// One function's durations: the percentile values (seconds) and the mean (seconds).
#[derive(Clone, Debug)]
struct Durations {
    points: [f64; 7],
    mean_s: f64,
}

impl Durations {
    /// The duration at quantile `u` (0–1), interpolating linearly between percentiles.
    fn at(&self, u: f64) -> f64 {
        let k = QUANTILES
            .partition_point(|&q| q <= u)
            .clamp(1, QUANTILES.len() - 1);
        let (q0, q1) = (QUANTILES[k - 1], QUANTILES[k]);
        let (v0, v1) = (self.points[k - 1], self.points[k]);
        v0 + (v1 - v0) * ((u - q0) / (q1 - q0)).clamp(0.0, 1.0)
    }
}

/// The trace, read.
pub(super) struct Azure2019 {
    /// Per minute, `(function, invocations)` for the functions invoked in it, by function: the
    /// trace is sparse (most functions run in few minutes), so this is much smaller than a
    /// function × minute table.
    minutes: Vec<Vec<(u32, u32)>>,
    /// Invocations of each function over the day.
    totals: Vec<u64>,
    durations: Vec<Option<Durations>>,
    memory: Vec<Option<f64>>,
    minute: usize,
    /// The current minute's rows, latest first.
    buf: Vec<Row>,
    within: WithinMinute,
    rng: SimRng,
}

struct Table {
    path: String,
    header: Vec<String>,
    rows: Vec<(u64, csv::StringRecord)>,
}

fn read_table(path: &Path) -> Result<Option<Table>, ReplayError> {
    let p = path.display().to_string();
    let io = |e: &dyn std::fmt::Display| ReplayError::Io {
        path: p.clone(),
        reason: e.to_string(),
    };
    if !path.exists() {
        return Ok(None);
    }
    let mut rdr = csv::Reader::from_path(path).map_err(|e| io(&e))?;
    let header = rdr
        .headers()
        .map_err(|e| io(&e))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows = Vec::new();
    for r in rdr.records() {
        let r = r.map_err(|e| io(&e))?;
        rows.push((r.position().map_or(0, |p| p.line()), r));
    }
    Ok(Some(Table {
        path: p,
        header,
        rows,
    }))
}

impl Table {
    fn col(&self, name: &str) -> Result<usize, ReplayError> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| ReplayError::MissingColumn {
                path: self.path.clone(),
                column: name.to_string(),
                available: self.header.join(", "),
            })
    }

    fn number(&self, line: u64, r: &csv::StringRecord, i: usize) -> Result<f64, ReplayError> {
        let v = r.get(i).unwrap_or("").trim();
        v.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| ReplayError::BadTraceValue {
                at: format!("{}:{line}", self.path),
                column: self.header[i].clone(),
                value: v.to_string(),
                expected: "a number, 0 or more",
            })
    }
}

impl Azure2019 {
    /// Read the folder, interning functions (`HashApp/HashFunction`) in file order.
    pub(super) fn read(dir: &Path, fns: &mut Interner) -> Result<Self, ReplayError> {
        let inv_path = dir.join("invocations.csv");
        let inv = read_table(&inv_path)?.ok_or_else(|| ReplayError::Io {
            path: inv_path.display().to_string(),
            reason: "no such file (an Azure 2019 folder holds invocations.csv, durations.csv and memory.csv)".into(),
        })?;
        let app = inv.col("HashApp")?;
        let func = inv.col("HashFunction")?;
        let first = inv.col("1")?;
        let minutes = inv.header.len() - first;
        let mut by_minute: Vec<Vec<(u32, u32)>> = vec![Vec::new(); minutes];
        let mut totals: Vec<u64> = Vec::new();
        for (line, r) in &inv.rows {
            let name = format!("{}/{}", &r[app], &r[func]);
            let f = fns.id(&name);
            if totals.len() <= f as usize {
                totals.resize(f as usize + 1, 0);
            }
            for (m, list) in by_minute.iter_mut().enumerate() {
                let text = r.get(first + m).unwrap_or("").trim();
                let n = text
                    .parse::<u32>()
                    .map_err(|_| ReplayError::BadTraceValue {
                        at: format!("{}:{line}", inv.path),
                        column: format!("minute {}", inv.header[first + m]),
                        value: text.to_string(),
                        expected: "a count of invocations (a whole number, 0 or more)",
                    })?;
                if n > 0 {
                    list.push((f, n));
                    totals[f as usize] += u64::from(n);
                }
            }
        }
        // A function listed twice (with two triggers) counts once per minute, summed.
        for list in &mut by_minute {
            list.sort_by_key(|&(f, _)| f);
            list.dedup_by(|next, kept| {
                let same = next.0 == kept.0;
                if same {
                    kept.1 = kept.1.saturating_add(next.1);
                }
                same
            });
        }
        let n = totals.len();
        let mut durations = vec![None; n];
        if let Some(t) = read_table(&dir.join("durations.csv"))? {
            let (app, func) = (t.col("HashApp")?, t.col("HashFunction")?);
            let avg = t.col("Average")?;
            let cols = PERCENTILE_COLUMNS
                .iter()
                .map(|c| t.col(c))
                .collect::<Result<Vec<_>, _>>()?;
            for (line, r) in &t.rows {
                let name = format!("{}/{}", &r[app], &r[func]);
                let Some(&f) = fns.map.get(&name) else {
                    continue; // a function with no invocations that day
                };
                let mut points = [0.0; 7];
                for (k, &c) in cols.iter().enumerate() {
                    points[k] = t.number(*line, r, c)? / 1_000.0;
                }
                // Percentiles of averages are monotone; guard against rounding in the data.
                for k in 1..7 {
                    points[k] = points[k].max(points[k - 1]);
                }
                durations[f as usize] = Some(Durations {
                    points,
                    mean_s: t.number(*line, r, avg)? / 1_000.0,
                });
            }
        }
        let mut memory = vec![None; n];
        if let Some(t) = read_table(&dir.join("memory.csv"))? {
            let app = t.col("HashApp")?;
            let func = t.col("HashFunction").ok();
            let avg = t.col("AverageAllocatedMb")?;
            let mut by_app: HashMap<String, f64> = HashMap::new();
            for (line, r) in &t.rows {
                let mb = t.number(*line, r, avg)?;
                match func {
                    Some(fc) => {
                        if let Some(&f) = fns.map.get(&format!("{}/{}", &r[app], &r[fc])) {
                            memory[f as usize] = Some(mb);
                        }
                    }
                    None => {
                        by_app.insert(r[app].to_string(), mb);
                    }
                }
            }
            if !by_app.is_empty() {
                for (f, name) in fns.names.iter().enumerate() {
                    let app = name.split('/').next().unwrap_or("");
                    if let Some(&mb) = by_app.get(app) {
                        memory[f] = Some(mb);
                    }
                }
            }
        }
        Ok(Azure2019 {
            minutes: by_minute,
            totals,
            durations,
            memory,
            minute: 0,
            buf: Vec::new(),
            within: WithinMinute::Uniform,
            rng: crate::engine::RngStreams::new(0).stream("unused"),
        })
    }

    /// Read the folder to replay it: `within` places invocations, `rng` draws.
    pub(super) fn open(
        dir: &Path,
        within: WithinMinute,
        rng: SimRng,
        fns: &mut Interner,
    ) -> Result<Self, ReplayError> {
        let mut t = Self::read(dir, fns)?;
        t.within = within;
        t.rng = rng;
        Ok(t)
    }

    /// Invocations of function `f` over the day.
    pub(super) fn invocations(&self, f: usize) -> u64 {
        self.totals[f]
    }

    /// Function `f`'s mean duration, seconds, if the trace has its durations.
    pub(super) fn mean_duration_s(&self, f: usize) -> Option<f64> {
        self.durations[f].as_ref().map(|d| d.mean_s)
    }

    /// Function `f`'s allocated memory, MB, if the trace has it.
    pub(super) fn memory_mb(&self, f: usize) -> Option<f64> {
        self.memory[f]
    }

    /// End of the last minute with an invocation, seconds.
    pub(super) fn last_minute_end_s(&self) -> f64 {
        let last = self
            .minutes
            .iter()
            .rposition(|list| !list.is_empty())
            .map_or(0, |m| m + 1);
        last as f64 * 60.0
    }

    /// Expand the next minute with invocations into `buf`; false when the day is over.
    fn expand(&mut self) -> bool {
        while self.buf.is_empty() && self.minute < self.minutes.len() {
            let m = self.minute;
            self.minute += 1;
            let start = m as f64 * 60.0;
            for k in 0..self.minutes[m].len() {
                let (f, n) = self.minutes[m][k];
                let f = f as usize;
                for i in 0..n {
                    let offset = match self.within {
                        WithinMinute::Uniform => (f64::from(i) + 0.5) / f64::from(n),
                        WithinMinute::Poisson => self.rng.random::<f64>(),
                    };
                    let dur = self.durations[f]
                        .as_ref()
                        .map(|d| d.at(self.rng.random::<f64>()));
                    self.buf.push(Row {
                        t: start + offset * 60.0,
                        dur,
                        func: f as u32,
                        mem: self.memory[f],
                    });
                }
            }
            // Latest first, so rows pop off the end in time order (ties: lower function first).
            self.buf
                .sort_unstable_by(|a, b| b.t.total_cmp(&a.t).then(b.func.cmp(&a.func)));
        }
        !self.buf.is_empty()
    }
}

impl Source for Azure2019 {
    fn named(&self) -> bool {
        true
    }

    fn next_row(&mut self, _fns: &mut Interner) -> Option<Result<Row, ReplayError>> {
        if self.buf.is_empty() && !self.expand() {
            return None;
        }
        self.buf.pop().map(Ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_interpolate_between_percentiles() {
        let d = Durations {
            points: [0.1, 0.2, 0.3, 0.4, 0.5, 1.0, 3.0],
            mean_s: 0.45,
        };
        assert_eq!(d.at(0.0), 0.1);
        assert!((d.at(0.005) - 0.15).abs() < 1e-12);
        assert!((d.at(0.375) - 0.35).abs() < 1e-12);
        assert_eq!(d.at(0.5), 0.4);
        assert!((d.at(0.995) - 2.0).abs() < 1e-12);
        assert_eq!(d.at(1.0), 3.0);
    }
}
