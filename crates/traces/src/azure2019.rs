//! The Azure Functions 2019 trace (Shahrad et al., ATC 2020): per function, invocations started
//! in each minute of a day, percentiles of execution time and allocated memory.
//!
//! A folder holds `invocations.csv` (`HashOwner,HashApp,HashFunction,Trigger,1,…,1440`),
//! `durations.csv` (`…,Average,Count,Minimum,Maximum,percentile_Average_{0,1,25,50,75,99,100}`,
//! milliseconds) and `memory.csv` (`…,AverageAllocatedMb,…`; keyed by app in the public
//! dataset, by function in some redistributions — both are read). The files are streamed, row by
//! row; the counts are kept sparse (an entry per minute in which a function ran). Each minute's
//! invocations are generated one at a time when the replay reaches them — merged across
//! functions in time order, so memory holds one pending invocation per function, whatever the
//! counts — placed evenly or at random within the minute, each with a duration drawn from the
//! function's percentiles by linear interpolation between them. The durations file is optional
//! (functions without one take the request profile's duration), so is the memory file.
//!
//! A count above [`MAX_PER_MINUTE`] is refused with its file, line and minute.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::fs::File;
use std::path::Path;

use rand::RngExt;

use super::input::{self, LineLimit};
use super::{Interner, ReplayError, Row, Source, WithinMinute};
use scalesim_core::engine::SimRng;

/// Most invocations of one function in one minute: 10,000,000 (≈ 167,000 per second). The
/// public trace's busiest functions peak far below it (the shipped samples at 15,001 per
/// minute), and it is 16× what one Lambda function may serve at AWS's default account
/// concurrency of 1,000 (10 requests per second per unit of concurrency: 10,000 per second;
/// AWS Lambda Developer Guide, "Lambda quotas", 2026). A larger count is corrupt data.
pub const MAX_PER_MINUTE: u32 = 10_000_000;

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
    /// The next minute to expand.
    minute: usize,
    /// The expanded minute's next invocation of each of its functions, earliest on top.
    pending: BinaryHeap<Next>,
    within: WithinMinute,
    rng: SimRng,
}

/// The next invocation of one function within the minute being replayed.
#[derive(Clone, Copy, Debug)]
struct Next {
    /// Its time, seconds.
    t: f64,
    func: u32,
    /// Invocations of the function in the minute, and how many come before this one.
    n: u32,
    done: u32,
    /// Its place in the minute, 0–1.
    x: f64,
}

impl Ord for Next {
    /// Reversed, so that the max-heap yields the earliest first (ties: lower function first).
    fn cmp(&self, other: &Self) -> Ordering {
        other.t.total_cmp(&self.t).then(other.func.cmp(&self.func))
    }
}

impl PartialOrd for Next {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Next {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Next {}

/// A CSV file of the trace, streamed row by row (lines of at most [`input::MAX_LINE_BYTES`]).
struct Table {
    path: String,
    header: Vec<String>,
    rdr: csv::Reader<LineLimit<File>>,
    record: csv::StringRecord,
}

/// Open a table of the trace; `None` when the file does not exist.
fn open_table(path: &Path) -> Result<Option<Table>, ReplayError> {
    let p = path.display().to_string();
    if !path.exists() {
        return Ok(None);
    }
    let (file, _) = input::open_regular(path)?;
    let mut rdr = csv::Reader::from_reader(LineLimit::new(file));
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| input::io_error(&p, &e))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if header.iter().any(|h| h.contains(['\n', '\r'])) {
        return Err(input::open_quote(&p, 1));
    }
    Ok(Some(Table {
        path: p,
        header,
        rdr,
        record: csv::StringRecord::new(),
    }))
}

impl Table {
    /// Read the next row; its line, or `None` at the end.
    fn next(&mut self) -> Result<Option<u64>, ReplayError> {
        let more = self
            .rdr
            .read_record(&mut self.record)
            .map_err(|e| input::io_error(&self.path, &e))?;
        if !more {
            return Ok(None);
        }
        let line = self.record.position().map_or(0, |p| p.line());
        if self.record.iter().any(|f| f.contains(['\n', '\r'])) {
            return Err(input::open_quote(&self.path, line));
        }
        Ok(Some(line))
    }

    /// Field `i` of the current row ("" if it has none).
    fn field(&self, i: usize) -> &str {
        self.record.get(i).unwrap_or("")
    }

    /// `app/func` of the current row.
    fn name(&self, app: usize, func: usize) -> String {
        format!("{}/{}", self.field(app), self.field(func))
    }

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

    fn number(&self, line: u64, i: usize) -> Result<f64, ReplayError> {
        let v = self.field(i).trim();
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
        let mut inv = open_table(&inv_path)?.ok_or_else(|| ReplayError::Io {
            path: inv_path.display().to_string(),
            reason: "no such file (an Azure 2019 folder holds invocations.csv, durations.csv and memory.csv)".into(),
        })?;
        let app = inv.col("HashApp")?;
        let func = inv.col("HashFunction")?;
        let first = inv.col("1")?;
        let minutes = inv.header.len() - first;
        let mut by_minute: Vec<Vec<(u32, u32)>> = vec![Vec::new(); minutes];
        let mut totals: Vec<u64> = Vec::new();
        while let Some(line) = inv.next()? {
            let f = fns.id(&inv.name(app, func));
            if totals.len() <= f as usize {
                totals.resize(f as usize + 1, 0);
            }
            for (m, list) in by_minute.iter_mut().enumerate() {
                let text = inv.field(first + m).trim();
                let n = text
                    .parse::<u32>()
                    .ok()
                    .filter(|n| *n <= MAX_PER_MINUTE)
                    .ok_or_else(|| ReplayError::BadTraceValue {
                        at: format!("{}:{line}", inv.path),
                        column: format!("minute {}", inv.header[first + m]),
                        value: text.to_string(),
                        expected: "a count of invocations (a whole number from 0 to 10000000 per minute)",
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
        if let Some(mut t) = open_table(&dir.join("durations.csv"))? {
            let (app, func) = (t.col("HashApp")?, t.col("HashFunction")?);
            let avg = t.col("Average")?;
            let cols = PERCENTILE_COLUMNS
                .iter()
                .map(|c| t.col(c))
                .collect::<Result<Vec<_>, _>>()?;
            while let Some(line) = t.next()? {
                let Some(&f) = fns.map.get(&t.name(app, func)) else {
                    continue; // a function with no invocations that day
                };
                let mut points = [0.0; 7];
                for (k, &c) in cols.iter().enumerate() {
                    points[k] = t.number(line, c)? / 1_000.0;
                }
                // Percentiles of averages are monotone; guard against rounding in the data.
                for k in 1..7 {
                    points[k] = points[k].max(points[k - 1]);
                }
                durations[f as usize] = Some(Durations {
                    points,
                    mean_s: t.number(line, avg)? / 1_000.0,
                });
            }
        }
        let mut memory = vec![None; n];
        if let Some(mut t) = open_table(&dir.join("memory.csv"))? {
            let app = t.col("HashApp")?;
            let func = t.col("HashFunction").ok();
            let avg = t.col("AverageAllocatedMb")?;
            let mut by_app: HashMap<String, f64> = HashMap::new();
            while let Some(line) = t.next()? {
                let mb = t.number(line, avg)?;
                match func {
                    Some(fc) => {
                        if let Some(&f) = fns.map.get(&t.name(app, fc)) {
                            memory[f as usize] = Some(mb);
                        }
                    }
                    None => {
                        by_app.insert(t.field(app).to_string(), mb);
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
            pending: BinaryHeap::new(),
            within: WithinMinute::Uniform,
            rng: scalesim_core::engine::RngStreams::new(0).stream("unused"),
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

    /// Where in its minute (0–1) the invocation after `done` of `n` comes, the previous at
    /// `x`. Uniform: (i + ½)/n for the i-th (0-based). Poisson: the n times are n uniform draws
    /// in time order, generated one after another as order statistics — given the previous at
    /// x and r still to come, the next is the least of r uniforms on (x, 1):
    /// x + (1 − x)(1 − V^(1/r)), V uniform on (0, 1] — so no minute is ever held whole.
    fn place(&mut self, n: u32, done: u32, x: f64) -> f64 {
        match self.within {
            WithinMinute::Uniform => (f64::from(done) + 0.5) / f64::from(n),
            WithinMinute::Poisson => {
                let v = 1.0 - self.rng.random::<f64>();
                x + (1.0 - x) * (1.0 - v.powf(1.0 / f64::from(n - done)))
            }
        }
    }

    /// Start the next minute with invocations; false when the day is over.
    fn expand(&mut self) -> bool {
        while self.pending.is_empty() && self.minute < self.minutes.len() {
            let m = self.minute;
            self.minute += 1;
            for k in 0..self.minutes[m].len() {
                let (func, n) = self.minutes[m][k];
                let x = self.place(n, 0, 0.0);
                self.pending.push(Next {
                    t: m as f64 * 60.0 + x * 60.0,
                    func,
                    n,
                    done: 0,
                    x,
                });
            }
        }
        !self.pending.is_empty()
    }
}

impl Source for Azure2019 {
    fn named(&self) -> bool {
        true
    }

    fn next_row(&mut self, _fns: &mut Interner) -> Option<Result<Row, ReplayError>> {
        if self.pending.is_empty() && !self.expand() {
            return None;
        }
        let next = *self.pending.peek()?;
        let f = next.func as usize;
        let dur = self.durations[f]
            .as_ref()
            .map(|d| d.at(self.rng.random::<f64>()));
        let done = next.done + 1;
        if done < next.n {
            let x = self.place(next.n, done, next.x);
            // The minute being replayed is the one before `self.minute`.
            let start = (self.minute - 1) as f64 * 60.0;
            // The function's next invocation takes its place on top and sinks to where it
            // belongs: one sift instead of a pop's and a push's.
            *self.pending.peek_mut().expect("peeked above") = Next {
                t: start + x * 60.0,
                done,
                x,
                ..next
            };
        } else {
            self.pending.pop();
        }
        Some(Ok(Row {
            t: next.t,
            dur,
            func: next.func,
            mem: self.memory[f],
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A trace folder with `invocations` as invocations.csv; the trace read with `within`.
    fn trace(invocations: &str, within: WithinMinute) -> (Azure2019, tempfile::TempDir) {
        let dir = tempfile::TempDir::new().unwrap();
        std::fs::write(dir.path().join("invocations.csv"), invocations).unwrap();
        let mut fns = Interner::default();
        let rng = scalesim_core::engine::RngStreams::new(7).stream("test");
        let t = Azure2019::open(dir.path(), within, rng, &mut fns).unwrap();
        (t, dir)
    }

    fn rows(t: &mut Azure2019) -> Vec<(f64, u32)> {
        let mut fns = Interner::default();
        std::iter::from_fn(|| t.next_row(&mut fns))
            .map(|r| r.map(|r| (r.t, r.func)).unwrap())
            .collect()
    }

    /// Uniform: the i-th of n invocations in minute m at (m + (i + ½)/n) × 60 s. f (function 0)
    /// runs 3 times in minute 0: 10, 30, 50 s; g (function 1) twice: 15, 45 s, and once in
    /// minute 1: 90 s. Merged in time order.
    #[test]
    fn minutes_expand_one_invocation_at_a_time_in_time_order() {
        let csv = "HashOwner,HashApp,HashFunction,Trigger,1,2\no,a,f,http,3,0\no,a,g,http,2,1\n";
        let (mut t, _dir) = trace(csv, WithinMinute::Uniform);
        assert_eq!(
            rows(&mut t),
            [
                (10.0, 0),
                (15.0, 1),
                (30.0, 0),
                (45.0, 1),
                (50.0, 0),
                (90.0, 1)
            ]
        );
    }

    /// Poisson: 10,000 invocations in minute 0, drawn one after another as order statistics:
    /// in time order, within [0, 60), mean 30 s (standard error 60/√12/√10,000 ≈ 0.17 s).
    /// And the largest count allowed, 10,000,000, holds one pending invocation, not a minute.
    #[test]
    fn poisson_minutes_are_sorted_uniform_draws_and_memory_stays_flat() {
        let csv = "HashOwner,HashApp,HashFunction,Trigger,1\no,a,f,http,10000\n";
        let (mut t, _dir) = trace(csv, WithinMinute::Poisson);
        let r = rows(&mut t);
        assert_eq!(r.len(), 10_000);
        assert!(r.windows(2).all(|w| w[0].0 <= w[1].0));
        assert!(r.iter().all(|&(x, _)| (0.0..60.0).contains(&x)));
        let mean = r.iter().map(|x| x.0).sum::<f64>() / 1e4;
        assert!((mean - 30.0).abs() < 1.0, "{mean}");
        let csv = "HashOwner,HashApp,HashFunction,Trigger,1\no,a,f,http,10000000\n";
        let (mut t, _dir) = trace(csv, WithinMinute::Poisson);
        assert_eq!(t.invocations(0), 10_000_000);
        let mut fns = Interner::default();
        assert!(t.next_row(&mut fns).is_some());
        assert_eq!(t.pending.len(), 1);
    }

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
