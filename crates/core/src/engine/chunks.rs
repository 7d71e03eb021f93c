//! Time-parallel runs: one long run cut into stretches of time simulated at once, with exactly
//! the answer of the run from zero.
//!
//! The method is time-parallel simulation with state matching and fix-up computations
//! (Greenberg, Lubachevsky and Mitrani, "Algorithms for unboundedly parallel simulations", ACM
//! TOCS 9(3), 1991; Heidelberger and Stone, "Parallel trace-driven cache simulation by time
//! partitioning", WSC 1990; Fujimoto, *Parallel and Distributed Simulation Systems*, Wiley 2000,
//! ch. 6 "Time-parallel simulation"):
//!
//! 1. The horizon is cut at boundaries `b₁ < … < b_{K−1}`. Stretch 0 runs from zero; stretch
//!    `k` starts from an empty model (the guess) a warm-up before `b_k` and runs to `b_{k+1}`.
//!    All stretches run at once. Each records its state at `b_k` and at a few checkpoints after
//!    it, and hands over what it measured between them as separate parts.
//! 2. Then, in order: the true state at `b_k` is the end state of stretch `k − 1` (itself
//!    exact). If it equals the state stretch `k`'s guess led to, everything stretch `k` did
//!    after `b_k` is what the run from zero does there, and its parts are kept. If not, the
//!    true run goes on (the fix-up) until its state equals stretch `k`'s at one of its
//!    checkpoints — from there stretch `k`'s parts are kept — or to `b_{k+1}`.
//! 3. The parts are merged in time order into the last stretch's model, which then closes its
//!    books as a run from zero would.
//!
//! States are compared exactly: the model's own ([`Chunked::state`]) and its pending events in
//! the order they will run. Two runs in the same state at the same instant, fed the same
//! arrivals, do the same thing from there on — which needs every random draw after the instant
//! to depend only on the instant, not on the past: the streams restart at each
//! [`super::BLOCK`], and every boundary and checkpoint is a multiple of it.
//!
//! What a model measures must merge exactly ([`Chunked::merge`]): counts and integer sums add,
//! extremes take the larger, series concatenate — so the merged books are bit for bit the books
//! of the run from zero.

use crate::par::*;

use super::{BLOCK, Model, Run, SimDuration, SimTime};

/// A model whose state can be compared and whose measurements can be cut and merged.
pub trait Chunked: Model {
    /// Everything in the model that decides what happens next (not what it measured).
    type State: PartialEq + Send;
    /// What the model measured over a stretch of time.
    type Part: Send;

    /// The model's state at `now` (a boundary or checkpoint: everything before it handled,
    /// nothing at or after it), normalised so that two states that decide the same future are
    /// equal (e.g. without records that can no longer matter after `now`).
    fn state(&self, now: SimTime) -> Self::State;

    /// Take out what the model measured since the last cut (or its start), leaving it measuring
    /// from zero.
    fn take_part(&mut self) -> Self::Part;

    /// The parts of two consecutive stretches as one.
    fn merge(earlier: Self::Part, later: Self::Part) -> Self::Part;

    /// Put back everything measured before the model's own measurements (the merge of every
    /// earlier part), as if it had measured it itself.
    fn put_before(&mut self, earlier: Self::Part);
}

/// How to cut a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Stretches wanted (1: the run from zero).
    pub chunks: usize,
    /// How long before its first boundary a stretch starts from its guess.
    pub warm_up: SimDuration,
    /// Every boundary and checkpoint is a multiple of this (the block of the random streams
    /// and the reporting interval).
    pub align: SimDuration,
    /// Checkpoints in each stretch after its first boundary, where a fix-up may meet it.
    pub checkpoints: usize,
}

/// What a time-parallel run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Chunking {
    /// Stretches asked for ([`Plan::chunks`]).
    pub asked: usize,
    /// Stretches run at once: fewer than asked when the horizon holds fewer boundaries at
    /// multiples of [`Plan::align`].
    pub chunks: usize,
    /// Stretches whose guess did not reach the true state at their first boundary, so the
    /// true run went on into them.
    pub fix_ups: usize,
    /// Of those, stretches the true run crossed whole (it never met their state).
    pub crossed: usize,
}

/// How a variant's run went when stretches were asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stretched {
    /// Cut into stretches, run at once.
    Ran(Chunking),
    /// Run in one go (with the same answer), and why it could not be cut.
    InOneGo(&'static str),
}

/// The step every boundary of a run reported every `interval` is a multiple of: the least
/// common multiple of the interval and the random streams' [`BLOCK`] (one minute for any
/// interval that divides it or is a whole number of minutes).
pub fn align(interval: SimDuration) -> SimDuration {
    fn gcd(a: u64, b: u64) -> u64 {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    let (a, b) = (interval.as_micros().max(1), BLOCK.as_micros());
    SimDuration::from_micros((a / gcd(a, b)).saturating_mul(b))
}

/// The boundaries `b₁ … b_{K−1}` for `plan` over `[0, horizon]`: multiples of `plan.align`,
/// evenly spread; fewer when the horizon is too short for them.
pub fn boundaries(plan: &Plan, horizon: SimTime) -> Vec<SimTime> {
    let align = plan.align.as_micros().max(1);
    let h = horizon.as_micros();
    let mut b: Vec<SimTime> = (1..plan.chunks as u64)
        .map(|k| {
            let t = (u128::from(h) * u128::from(k) / plan.chunks as u128) as u64;
            SimTime::from_micros(t / align * align)
        })
        .filter(|t| *t > SimTime::ZERO && *t < horizon)
        .collect();
    b.dedup();
    b
}

/// A run's state at an instant: the instant, the model's state, its pending events in order.
type StateAt<M> = (
    SimTime,
    <M as Chunked>::State,
    Vec<(SimTime, <M as Model>::Event)>,
);

/// One stretch after its run: its state at its first boundary and at each checkpoint, the parts
/// between them, and the run at its end.
struct Stretch<M: Chunked, I: Iterator<Item = (SimTime, M::Arrival)>> {
    /// `(instant, model state, pending events)` at the first boundary, then each checkpoint.
    states: Vec<StateAt<M>>,
    /// The parts from the first boundary to the first checkpoint, … , the last checkpoint to the
    /// end.
    parts: Vec<M::Part>,
    run: Run<M, I>,
}

/// Run over `[0, horizon]` cut as `plan` says, with exactly the result of the run from zero.
/// `make(at)` gives an empty model and the arrivals from `at` on (the same arrivals a run from
/// zero sees from `at`). `progress` receives simulated µs as they pass, from several threads.
/// Returns the run at the horizon — its model holding every measurement, as after a run from
/// zero — and what the cutting did.
pub fn run_chunked<M, I, F>(
    make: F,
    horizon: SimTime,
    plan: &Plan,
    progress: &(dyn Fn(u64) + Sync),
) -> (Run<M, I>, Chunking)
where
    M: Chunked + Send,
    M::Event: Clone + PartialEq + Send,
    M::Arrival: Send,
    I: Iterator<Item = (SimTime, M::Arrival)> + Send,
    F: Fn(SimTime) -> (M, I) + Sync,
{
    let bounds = boundaries(plan, horizon);
    let align = plan.align.as_micros().max(1);
    // Stretch k covers [starts[k], ends[k]).
    let starts: Vec<SimTime> = std::iter::once(SimTime::ZERO)
        .chain(bounds.iter().copied())
        .collect();
    let ends: Vec<SimTime> = bounds
        .iter()
        .copied()
        .chain(std::iter::once(horizon))
        .collect();
    let stretches: Vec<Stretch<M, I>> = (0..starts.len())
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|k| {
            let (from, to) = (starts[k], ends[k]);
            let begin = SimTime::from_micros(
                from.as_micros().saturating_sub(plan.warm_up.as_micros()) / align * align,
            );
            let (model, arrivals) = make(begin);
            let mut run = Run::start(model, arrivals, begin);
            let mut reported = from.as_micros();
            let mut tell = |t: SimTime| {
                let t = t.as_micros();
                if t > reported {
                    progress(t - reported);
                    reported = t;
                }
            };
            let mut states = Vec::new();
            let mut parts = Vec::new();
            if k > 0 {
                run.until(from, &mut tell);
                drop(run.model.take_part());
                states.push((from, run.model.state(from), run.sched.pending_in_order()));
            }
            let span = to.as_micros() - from.as_micros();
            let mut checkpoints: Vec<SimTime> = (1..=plan.checkpoints as u64)
                .map(|j| {
                    let t = from.as_micros() + span * j / (plan.checkpoints as u64 + 1);
                    SimTime::from_micros(t / align * align)
                })
                .filter(|t| *t > from && *t < to)
                .collect();
            checkpoints.dedup();
            // Checkpoints only matter where a fix-up may meet this stretch: not in the first.
            if k == 0 {
                checkpoints.clear();
            }
            for c in checkpoints {
                run.until(c, &mut tell);
                parts.push(run.model.take_part());
                states.push((c, run.model.state(c), run.sched.pending_in_order()));
            }
            if k + 1 == starts.len() {
                run.through(to, &mut tell);
            } else {
                run.until(to, &mut tell);
            }
            parts.push(run.model.take_part());
            Stretch { states, parts, run }
        })
        .collect();

    let mut chunking = Chunking {
        asked: plan.chunks,
        chunks: stretches.len(),
        ..Chunking::default()
    };
    let mut stretches = stretches.into_iter();
    let first = stretches.next().expect("at least one stretch");
    let mut truth = first.run;
    let mut measured: Option<M::Part> = None;
    let keep = |measured: &mut Option<M::Part>, part: M::Part| {
        *measured = Some(match measured.take() {
            Some(earlier) => M::merge(earlier, part),
            None => part,
        });
    };
    for part in first.parts {
        keep(&mut measured, part);
    }
    let last_index = starts.len() - 1;
    for (i, s) in stretches.enumerate() {
        let k = i + 1;
        let same = |truth: &Run<M, I>, (at, state, pending): &StateAt<M>| {
            truth.model.state(*at) == *state && truth.sched.pending_in_order() == *pending
        };
        let mut parts = s.parts.into_iter();
        if same(&truth, &s.states[0]) {
            parts.for_each(|p| keep(&mut measured, p));
            truth = s.run;
            continue;
        }
        // The fix-up: the true run goes on through this stretch until it meets its state.
        chunking.fix_ups += 1;
        let mut met = false;
        for (j, _) in s.states.iter().enumerate().skip(1) {
            let (at, _, _) = &s.states[j];
            truth.until(*at, &mut |_| {});
            keep(&mut measured, truth.model.take_part());
            // This stretch's part up to `at` is the one the true run replaced.
            drop(parts.next());
            if same(&truth, &s.states[j]) {
                parts.for_each(|p| keep(&mut measured, p));
                truth = s.run;
                met = true;
                break;
            }
        }
        if !met {
            chunking.crossed += 1;
            if k == last_index {
                truth.through(horizon, &mut |_| {});
            } else {
                truth.until(ends[k], &mut |_| {});
            }
            keep(&mut measured, truth.model.take_part());
        }
    }
    if let Some(earlier) = measured {
        truth.model.put_before(earlier);
    }
    (truth, chunking)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_are_aligned_and_inside_the_horizon() {
        let plan = Plan {
            chunks: 4,
            warm_up: SimDuration::from_secs(600),
            align: SimDuration::from_secs(60),
            checkpoints: 2,
        };
        let h = SimTime::from_micros(3_600_000_000 + 1);
        // Quarters of an hour (and 1 µs) are 900 s each, already multiples of 60 s.
        assert_eq!(
            boundaries(&plan, h),
            [900, 1_800, 2_700].map(|s| SimTime::from_micros(s * 1_000_000))
        );
        // Too short a horizon for 4 stretches of whole minutes: fewer boundaries.
        assert_eq!(
            boundaries(&plan, SimTime::from_micros(90_000_000)),
            [SimTime::from_micros(60_000_000)]
        );
    }
}
