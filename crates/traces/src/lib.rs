//! scalesim-traces: the trace readers, and scenario files read from disk ([`scenario_files`]).
//!
//! Replaying recorded traffic: request logs (CSV, Parquet), web access logs (nginx/Apache
//! combined, AWS ALB) and the public Azure Functions traces (2019, 2021).
//!
//! Every format is read by a `Source` that yields rows — a start time, a duration if the
//! format has one, a function — streaming with bounded memory. The input is checked once before
//! anything is simulated ([`check`]: every row parses or is skipped and counted, the functions
//! and their counts, how far rows are out of time order); each run then streams it again
//! ([`rows`]) through the same pipeline: function selection, reordering, window, rate multiplier,
//! time compression.

mod access_log;
mod azure2019;
mod check;
mod input;
mod parquet_pages;
mod reorder;
mod tabular;
mod timestamp;

pub mod scenario_files;

use std::collections::HashMap;

use rand::RngExt;

use scalesim_core::engine::{SimRng, SimTime};

pub use check::check;
// The trace's data, which the readers take and fill in (it lives in `traffic::trace`, with no
// files, threads or parsing).
pub use scalesim_core::traffic::trace::{
    Columns, Durations, Format, FunctionInfo, FunctionSelect, MAX_FUNCTIONS, OnError, ReplayCheck,
    ReplayControls, ReplayError, ReplaySpec, ReplayTally, Replayed, TimestampUnit, WithinMinute,
};

/// Most rows held back to put an out-of-order input in time order (about 100 MB).
pub const MAX_REORDER_ROWS: u64 = 2_000_000;

/// One row of a trace: when the request started (seconds, the trace's clock), its duration
/// (seconds) if known, its function (index in the [`Interner`]) and memory (MB) if known.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Row {
    pub t: f64,
    pub dur: Option<f64>,
    pub func: u32,
    pub mem: Option<f64>,
}

/// Function names to dense indices, in order of first appearance.
#[derive(Default)]
pub(crate) struct Interner {
    map: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    pub fn id(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.map.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.map.insert(name.to_string(), i);
        self.names.push(name.to_string());
        i
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }
}

/// A reader of one format: yields rows in file order.
pub(crate) trait Source: Send {
    /// The next row: `None` at the end, `Err` for a row that does not parse.
    fn next_row(&mut self, fns: &mut Interner) -> Option<Result<Row, ReplayError>>;
    /// Whether rows carry function names.
    fn named(&self) -> bool;
    /// Rows read so far that stand for requests never dispatched to a target (not yielded).
    fn not_dispatched(&self) -> u64 {
        0
    }
}

fn open(
    spec: &ReplaySpec,
    rng: SimRng,
    fns: &mut Interner,
) -> Result<Box<dyn Source>, ReplayError> {
    let src: Box<dyn Source> = match &spec.format {
        Format::Csv(cols) => Box::new(tabular::CsvSource::open(&spec.path, cols)?),
        Format::Azure2021 => Box::new(tabular::CsvSource::open(&spec.path, &tabular::azure2021())?),
        Format::Parquet(cols) => Box::new(tabular::ParquetSource::open(&spec.path, cols)?),
        Format::Combined {
            by_path,
            duration_scale_s,
        } => Box::new(access_log::AccessLog::open(
            &spec.path,
            access_log::Kind::Combined {
                duration_scale_s: *duration_scale_s,
            },
            *by_path,
        )?),
        Format::Alb { by_path } => Box::new(access_log::AccessLog::open(
            &spec.path,
            access_log::Kind::Alb,
            *by_path,
        )?),
        Format::Azure2019 { within_minute } => Box::new(azure2019::Azure2019::open(
            &spec.path,
            *within_minute,
            rng,
            fns,
        )?),
    };
    if !src.named() {
        // Every row calls function 0, the trace's one unnamed function.
        fns.id("");
    }
    Ok(src)
}

/// Whether a replay met a trace that changed after it was checked (reopened, a row no longer
/// parses, fewer or more rows, a row earlier than the check allowed): results of such a run
/// must not be trusted.
#[derive(Clone, Debug, Default)]
pub struct ReplayWatch(std::sync::Arc<std::sync::Mutex<Option<String>>>);

impl ReplayWatch {
    fn report(&self, problem: String) {
        if let Ok(mut p) = self.0.lock() {
            p.get_or_insert(problem);
        }
    }

    /// The problem met, if any.
    pub fn problem(&self) -> Option<String> {
        self.0.lock().ok().and_then(|p| p.clone())
    }
}

/// Whether a row read during a replay is one the check allowed: not before the trace's time
/// zero, not after its latest start, not more than the measured lateness before an earlier
/// row (else the reorder buffer could not put it in order). `latest` is the latest start so far.
fn out_of_bounds(
    row: &Row,
    latest: f64,
    check: &ReplayCheck,
    starts_at_zero: bool,
) -> Option<String> {
    if !starts_at_zero && row.t < check.first_s {
        Some(format!(
            "a row starts at {:.6} s, before the trace's first start then ({:.6} s)",
            row.t, check.first_s
        ))
    } else if row.t > check.last_s {
        Some(format!(
            "a row starts at {:.6} s, after the trace's last start then ({:.6} s)",
            row.t, check.last_s
        ))
    } else if latest - row.t > check.max_late_s {
        Some(format!(
            "a row starts {:.6} s before an earlier row, more than the {:.6} s the check measured",
            latest - row.t,
            check.max_late_s
        ))
    } else {
        None
    }
}

/// Good rows of selected functions, in file order, parsed on a thread of their own so that
/// reading overlaps simulating; batches keep the hand-over cheap and memory bounded. A trace
/// that no longer matches its check is reported to `watch` before any row that breaks it is
/// handed over, and the rows stop there.
fn read_on_thread(
    spec: &ReplaySpec,
    check: &ReplayCheck,
    rng: SimRng,
    watch: ReplayWatch,
) -> impl Iterator<Item = Row> + use<> {
    const BATCH: usize = 8_192;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Row>>(4);
    let spec = spec.clone();
    let check = check.clone();
    std::thread::spawn(move || {
        let path = spec.path.display().to_string();
        let changed = |what: String| format!("{path} changed after it was checked: {what}");
        let starts_at_zero = spec.format.starts_at_zero();
        let mut fns = Interner::default();
        let mut src = match open(&spec, rng, &mut fns) {
            Ok(src) => src,
            Err(e) => return watch.report(format!("cannot reopen the trace to replay it: {e}")),
        };
        let (mut read, mut skipped) = (0u64, 0u64);
        let mut latest = f64::NEG_INFINITY;
        let mut batch = Vec::with_capacity(BATCH);
        while let Some(row) = src.next_row(&mut fns) {
            read += 1;
            let row = match row {
                Ok(row) => row,
                Err(e) if spec.on_error == OnError::Skip && e.is_row_error() => {
                    skipped += 1;
                    continue;
                }
                Err(e) => return watch.report(changed(e.to_string())),
            };
            if let Some(what) = out_of_bounds(&row, latest, &check, starts_at_zero) {
                return watch.report(changed(what));
            }
            latest = latest.max(row.t);
            if let Some(Some(f)) = check.keep.get(row.func as usize) {
                batch.push(Row { func: *f, ..row });
                if batch.len() == BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    if tx.send(full).is_err() {
                        return; // the run stopped reading (its horizon came first)
                    }
                }
            }
        }
        // Rows never dispatched are read but not yielded: count them in.
        let not_dispatched = src.not_dispatched();
        read += not_dispatched;
        let now = (read, skipped, not_dispatched);
        let then = (check.rows, check.skipped, check.not_dispatched);
        if now != then {
            return watch.report(changed(format!(
                "{} rows ({} malformed, {} never dispatched) now, {} ({}, {}) then",
                now.0, now.1, now.2, then.0, then.1, then.2
            )));
        }
        if !batch.is_empty() {
            let _ = tx.send(batch);
        }
    });
    rx.into_iter().flatten()
}

/// Which end stopped a replay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    /// The trace ran out (or the run stopped reading).
    Trace,
    /// A row at or after the window's `to`.
    Window,
    /// A row at or after the horizon.
    Horizon,
}

/// The requests of a replay, in time order: see [`rows`].
pub struct Replay {
    ordered: Box<dyn Iterator<Item = Row>>,
    controls: ReplayControls,
    first_s: f64,
    horizon: SimTime,
    selected_rows: u64,
    rng: SimRng,
    watch: ReplayWatch,
    /// The latest start handed on (trace clock), to refuse a row that goes back in time.
    last_t: f64,
    /// The next row in the window (seconds since the window's start), read ahead.
    ahead: Option<(f64, Option<f64>, u32)>,
    /// The first row at or after the horizon (seconds since the window's start): the last
    /// replayed row's copies spread towards it.
    beyond: Option<f64>,
    pending: std::collections::VecDeque<Replayed>,
    end: Option<End>,
    tally: ReplayTally,
    /// No window, no time compression, no rate multiplier, nothing to reorder: rows go out
    /// as they come ([`Replay::next_plain`]).
    plain: bool,
}

impl Replay {
    /// A time in the window (seconds since its start) as replay time.
    fn replay_time(&self, t: f64) -> SimTime {
        SimTime::from_secs_f64(t / self.controls.speed)
    }

    /// The trace's next row, or `None` once the replay has ended: the trace ran out, or a row
    /// went back in time (the reader thread checks every row against the check's bounds first;
    /// this is the last line of defence, so that the engine never sees time go back).
    #[inline]
    fn next_row(&mut self) -> Option<Row> {
        if self.end.is_some() {
            return None;
        }
        let Some(r) = self.ordered.next() else {
            self.end = Some(End::Trace);
            return None;
        };
        if r.t < self.last_t {
            self.watch.report(format!(
                "the trace changed after it was checked: a row starting at {:.6} s came after one at {:.6} s",
                r.t, self.last_t
            ));
            self.end = Some(End::Trace);
            return None;
        }
        self.last_t = r.t;
        Some(r)
    }

    /// The next row in the window and before the horizon: (seconds since the window's start,
    /// duration, function).
    fn next_in_window(&mut self) -> Option<(f64, Option<f64>, u32)> {
        let c = self.controls;
        loop {
            let r = self.next_row()?;
            let t = r.t - self.first_s;
            if t < c.from_s {
                self.tally.before_window += 1;
                continue;
            }
            if c.to_s.is_some_and(|to| t >= to) {
                self.end = Some(End::Window);
                return None;
            }
            let t = t - c.from_s;
            if self.replay_time(t) >= self.horizon {
                self.end = Some(End::Horizon);
                self.beyond = Some(t);
                return None;
            }
            self.tally.replayed += 1;
            return Some((t, r.dur, r.func));
        }
    }

    /// [`Iterator::next`] of a plain replay ([`Replay::plain`]): what the general path does
    /// with a window from 0 to the end, speed 1 and a multiplier of 1 — the same requests at
    /// the same times and the same tally — without reading a row ahead, spreading copies or
    /// queueing the one copy. `t / 1` and `t − 0` are `t` exactly, so times are bit for bit
    /// those of the general path.
    #[inline]
    fn next_plain(&mut self) -> Option<Replayed> {
        loop {
            let r = self.next_row()?;
            let t = r.t - self.first_s;
            if t < 0.0 {
                self.tally.before_window += 1;
                continue;
            }
            let at = SimTime::from_secs_f64(t);
            if at >= self.horizon {
                self.end = Some(End::Horizon);
                self.beyond = Some(t);
                return None;
            }
            self.tally.replayed += 1;
            self.tally.requests += 1;
            return Some((at, r.dur, r.func));
        }
    }

    /// What this replay did with the selected rows so far; complete once it has ended.
    pub fn tally(&self) -> ReplayTally {
        let mut tally = self.tally;
        // (A trace that changed since the check may not add up: its run is refused anyway.)
        let rest = self
            .selected_rows
            .saturating_sub(tally.before_window + tally.replayed);
        match self.end {
            Some(End::Horizon) => tally.after_horizon = rest,
            Some(End::Window) => tally.after_window = rest,
            Some(End::Trace) | None => {}
        }
        tally
    }

    /// A problem met while reading the trace (it changed after it was checked).
    pub fn problem(&self) -> Option<String> {
        self.watch.problem()
    }
}

impl Iterator for Replay {
    type Item = Replayed;

    fn next(&mut self) -> Option<Replayed> {
        if self.plain {
            return self.next_plain();
        }
        loop {
            if let Some(r) = self.pending.pop_front() {
                self.tally.requests += 1;
                return Some(r);
            }
            let (t, dur, f) = match self.ahead.take() {
                Some(row) => row,
                None => self.next_in_window()?,
            };
            let k = self.controls.rate_multiplier;
            if k < 1.0 {
                if self.rng.random::<f64>() < k {
                    self.pending.push_back((self.replay_time(t), dur, f));
                }
                continue;
            }
            let extra = k.fract();
            let copies =
                k.floor() as u64 + u64::from(extra > 0.0 && self.rng.random::<f64>() < extra);
            self.ahead = self.next_in_window();
            let next_t = self.ahead.map(|n| n.0).or(self.beyond).unwrap_or(t);
            for i in 0..copies {
                let offset = (next_t - t) * i as f64 / copies as f64;
                let at = self.replay_time(t + offset);
                // Copies spread towards a next row past the horizon stop at the horizon.
                if at < self.horizon {
                    self.pending.push_back((at, dur, f));
                }
            }
        }
    }
}

/// The trace's requests with the spec's selection and controls applied, in time order,
/// skipping rows that do not parse, up to `horizon` (replay time). Call [`check`] first: this
/// assumes a checked trace, and reports through [`Replay::problem`] if the trace turns out to
/// have changed since (the requests then stop). [`Replay::tally`] accounts for every selected row.
/// `rng` draws the rate multiplier's choices and whatever the format draws (Azure 2019).
pub fn rows(spec: &ReplaySpec, check: &ReplayCheck, rng: SimRng, horizon: SimTime) -> Replay {
    let mut format_rng = rng.clone();
    format_rng.long_jump();
    let watch = ReplayWatch::default();
    let good = read_on_thread(spec, check, format_rng, watch.clone());
    let c = spec.controls;
    let in_order = check.max_late_s <= 0.0;
    let plain = in_order
        && c.from_s == 0.0
        && c.to_s.is_none()
        && c.speed == 1.0
        && c.rate_multiplier == 1.0;
    Replay {
        ordered: if in_order {
            Box::new(good)
        } else {
            Box::new(reorder::ordered(good, check.max_late_s))
        },
        controls: spec.controls,
        first_s: check.first_s,
        horizon,
        selected_rows: check.selected_rows(),
        rng,
        watch,
        last_t: f64::NEG_INFINITY,
        ahead: None,
        beyond: None,
        pending: Default::default(),
        end: None,
        tally: ReplayTally::default(),
        plain,
    }
}

impl scalesim_core::traffic::ReplayStream for Replay {
    fn problem(&self) -> Option<String> {
        Replay::problem(self)
    }

    fn tally(&self) -> ReplayTally {
        Replay::tally(self)
    }
}

/// The trace readers of this module, from files: [`check`] to check, [`rows`] (a reader
/// thread, the format's `Source`, reordering) to replay.
#[derive(Clone, Copy, Debug, Default)]
pub struct Files;

impl scalesim_core::traffic::TraceReader for Files {
    fn check(&self, spec: &ReplaySpec) -> Result<ReplayCheck, ReplayError> {
        check(spec)
    }

    fn open(
        &self,
        spec: &ReplaySpec,
        check: &ReplayCheck,
        rng: SimRng,
        horizon: SimTime,
    ) -> Box<dyn scalesim_core::traffic::ReplayStream> {
        Box::new(rows(spec, check, rng, horizon))
    }
}

/// The traces of one command, read from files by [`Files`]: each distinct trace checked once.
pub fn files() -> scalesim_core::traffic::Traces {
    scalesim_core::traffic::Traces::new(std::sync::Arc::new(Files))
}

#[cfg(test)]
mod tests {
    use super::*;
    use scalesim_core::engine::{MICROS_PER_SEC, RngStreams};

    /// A replay of rows starting at `starts` (the plain path when `controls` are the defaults).
    fn replay_of(starts: &[f64], horizon_s: u64, controls: ReplayControls) -> Replay {
        let rows: Vec<Row> = starts
            .iter()
            .map(|&t| Row {
                t,
                dur: Some(0.1),
                func: 0,
                mem: None,
            })
            .collect();
        Replay {
            ordered: Box::new(rows.into_iter()),
            controls,
            first_s: 0.0,
            horizon: SimTime::from_micros(horizon_s * MICROS_PER_SEC),
            selected_rows: starts.len() as u64,
            rng: RngStreams::new(1).stream("test"),
            watch: ReplayWatch::default(),
            last_t: f64::NEG_INFINITY,
            ahead: None,
            beyond: None,
            pending: Default::default(),
            end: None,
            tally: ReplayTally::default(),
            plain: controls == ReplayControls::default(),
        }
    }

    /// The plain path gives what the general one gives with default controls: the same
    /// requests at the same times and the same tally, rows before the trace's start, at the
    /// horizon or going back in time included.
    #[test]
    fn a_plain_replay_is_the_general_one_without_controls() {
        let cases: [(&[f64], u64); 5] = [
            (&[0.0, 0.5, 0.5, 1.0000004, 2.9999995, 3.0, 7.0], 3),
            (&[-1.0, -0.0, 0.0, 59.9999996, 60.0], 60),
            (&[1.0, 3.0, 2.0, 4.0], 60),
            (&[], 10),
            (&[0.1234565, 0.2500005, 9.0], 100),
        ];
        for (starts, horizon_s) in cases {
            let mut plain = replay_of(starts, horizon_s, ReplayControls::default());
            let mut general = replay_of(starts, horizon_s, ReplayControls::default());
            general.plain = false;
            assert!(plain.plain);
            let a: Vec<Replayed> = plain.by_ref().collect();
            let b: Vec<Replayed> = general.by_ref().collect();
            assert_eq!(a, b, "{starts:?}");
            assert_eq!(plain.tally(), general.tally(), "{starts:?}");
            assert_eq!(plain.problem(), general.problem(), "{starts:?}");
        }
    }

    /// Should a row that goes back in time get past the reader's checks, the replay stops there
    /// and says the trace changed: the engine never sees arrivals out of order.
    #[test]
    fn a_row_back_in_time_stops_the_replay_with_a_problem() {
        let mut r = replay_of(&[1.0, 3.0, 2.0, 4.0], 60, ReplayControls::default());
        let times: Vec<u64> = r.by_ref().map(|(t, _, _)| t.as_micros()).collect();
        assert_eq!(times, vec![1_000_000, 3_000_000]);
        assert!(
            r.problem()
                .unwrap()
                .contains("changed after it was checked")
        );
    }

    /// Rows 0, 1, 2, 5, 8, 9 s over a 6 s horizon with a window from 1 s: 1 row before the
    /// window, 3 replayed (at 0, 1, 4 s), 2 after the horizon (7 and 8 s of replay time).
    /// ×2: each replayed row twice, spread towards the next (0, 0.5, 1, 2.5, 4, 5.5 s): 6.
    #[test]
    fn the_tally_accounts_for_every_row() {
        let controls = ReplayControls {
            from_s: 1.0,
            rate_multiplier: 2.0,
            ..ReplayControls::default()
        };
        let mut r = replay_of(&[0.0, 1.0, 2.0, 5.0, 8.0, 9.0], 6, controls);
        let times: Vec<u64> = r.by_ref().map(|(t, _, _)| t.as_micros() / 1_000).collect();
        assert_eq!(times, vec![0, 500, 1_000, 2_500, 4_000, 5_500]);
        assert_eq!(
            r.tally(),
            ReplayTally {
                before_window: 1,
                replayed: 3,
                after_window: 0,
                after_horizon: 2,
                requests: 6,
            }
        );
        assert!(r.problem().is_none());
    }
}
