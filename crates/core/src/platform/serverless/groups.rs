//! Functions in parallel: the functions of one Lambda variant (a replayed trace's) split into
//! groups, each group simulated on a thread of its own, with exactly the answer of the run in
//! one go.
//!
//! Functions share only the account: its unreserved concurrency, its requests per second, and
//! the figures of the run as a whole (each interval's latencies and capacity, the peak of
//! environments alive at once). Everything else — environments, keep-alive, scale-out window,
//! reserved concurrency, cold-start draws (a stream per function) — is a function's own. So:
//!
//! 1. One thread reads the requests in time order, as the run in one go does (every draw the
//!    traffic makes happens in the same order), and hands each to its function's group.
//! 2. Each group runs a whole model ([`FunctionModel`]) fed only its functions' requests, a
//!    minute of simulated time at a time ([`Fed`]), and hands over what the run's books need:
//!    each interval that ended,
//!    its counts and latencies, busy and alive areas and metered usage; when environments
//!    appeared and went, and the most requests it had in flight on unreserved concurrency.
//! 3. The reading thread merges each interval of every group into one row (a latency multiset
//!    gives the same quantiles whoever recorded it; areas and MB·ms are kept as integers, so
//!    sums are exact), and the peak of environments as the peak of their sum.
//! 4. Nothing coupled the groups when no request met an account limit: at most 10 × the
//!    account's concurrency requests arrived in any second (so none was refused for the rate,
//!    which counts only invocations), and the groups' peaks of unreserved concurrency in each
//!    interval add up to less than the unreserved pool (so none was refused for concurrency).
//!    Then every group did what the run in one go does with its functions. When either check
//!    fails, the grouped run stops and says why, and the caller runs the variant in one go.

use std::collections::VecDeque;
use std::sync::mpsc;

use super::{FunctionModel, GroupLog, IntervalMeasure, in_flight};
use crate::engine::{Fed, SimDuration, SimTime};
use crate::metrics::IntervalSlice;
use crate::platform::Outcome;
use crate::platform::books::GroupBooks;
use crate::traffic::Work;
use crate::usage::Invocations;

/// Requests handed to a group at once, at most.
const FEED: usize = 8_192;

/// Simulated time the groups run between two merges: long enough that short reporting
/// intervals do not cost a round trip each (a window holds every interval that ends in it), short
/// enough that what a group keeps for the merge (its environments' changes) stays small
/// whatever the interval.
const WINDOW: SimDuration = SimDuration::from_secs(60);

/// Windows the reading may run ahead of the merge: the groups simulate while it reads, and a
/// group that is slower in one window catches up in the next.
const AHEAD: usize = 4;

/// What the reading thread tells a group.
enum ToGroup {
    /// Its next requests, in time order.
    Feed(Vec<(SimTime, Work)>),
    /// Every request before this instant has been fed: run through it (an interval's end, or
    /// the horizon) and hand over what was measured.
    Through(SimTime),
}

/// What a group measured over the whole run, for the run's books.
struct GroupEnd {
    books: GroupBooks,
    total_env_us: i128,
    total_busy_us: u128,
    invocations: u64,
    mb_ms: u128,
    mb_ms_by_hour: Vec<u128>,
    in_flight: Vec<(SimTime, bool, u32)>,
}

/// Which group each function runs in: `groups` groups (at least one function each) balanced
/// by the functions' requests, the busiest function first into the least loaded group (ties:
/// the lower index), so the split is the same on every machine.
pub fn assign(requests: &[u64], groups: usize) -> Vec<usize> {
    let groups = groups.clamp(1, requests.len().max(1));
    let mut order: Vec<usize> = (0..requests.len()).collect();
    order.sort_by_key(|&f| (std::cmp::Reverse(requests[f]), f));
    let mut load = vec![0u64; groups];
    let mut owner = vec![0; requests.len()];
    for f in order {
        let g = (0..groups)
            .min_by_key(|&g| (load[g], g))
            .expect("at least one group");
        owner[f] = g;
        load[g] += requests[f].max(1);
    }
    owner
}

/// Run `make`'s model (every function of the variant) as `groups` groups, `owner[f]` the group
/// of function `f`, fed `requests` up to `horizon`; `rate_limit` is the account's invocations
/// per second. `progress` gets the simulated time reached, interval by interval.
///
/// # Errors
/// Why the groups may not have met the run in one go (a request arrived when an account limit
/// was within reach); the run stops there and the caller runs the variant in one go.
pub fn run<'a, F>(
    make: F,
    requests: &mut dyn Iterator<Item = (SimTime, Work)>,
    owner: &[usize],
    horizon: SimTime,
    rate_limit: u64,
    progress: &mut dyn FnMut(SimTime),
) -> Result<Outcome<Invocations>, String>
where
    F: Fn() -> FunctionModel<'a> + Sync,
{
    let groups = owner.iter().copied().max().map_or(1, |g| g + 1);
    let mut whole = make();
    let unreserved_limit = whole.unreserved_limit;
    std::thread::scope(|s| {
        let mut to_groups = Vec::with_capacity(groups);
        let mut from_groups = Vec::with_capacity(groups);
        let mut threads = Vec::with_capacity(groups);
        for g in 0..groups {
            let (to, inbox) = mpsc::sync_channel::<ToGroup>(4);
            let (outbox, from) = mpsc::channel::<GroupLog>();
            let make = &make;
            threads.push(s.spawn(move || {
                let mut model = make();
                model.group = Some(Box::default());
                let mut fed = Fed::start(model);
                for message in inbox {
                    match message {
                        ToGroup::Feed(requests) => fed.feed(requests),
                        ToGroup::Through(end) => {
                            fed.through(end);
                            // Every environment expired by `end` is reclaimed (with its exact
                            // expiry time, as a later reclaim would) and its going reported.
                            fed.model.reclaim_all_expired(end);
                            if end == fed.model.horizon {
                                fed.model.close_at_horizon();
                            }
                            if outbox.send(fed.model.take_window()).is_err() {
                                break;
                            }
                        }
                    }
                }
                let in_flight = in_flight(fed.sched.pending_events());
                fed.model
                    .into_group_end(in_flight, |f| owner[f as usize] == g)
            }));
            to_groups.push(to);
            from_groups.push(from);
        }
        let mut merge = Merge {
            whole: &mut whole,
            unreserved_limit,
            alive: 0,
            peak: 0,
        };
        let result = dispatch(
            requests,
            owner,
            &to_groups,
            &from_groups,
            &mut merge,
            horizon,
            rate_limit,
            progress,
        );
        let peak = merge.peak;
        drop(to_groups);
        let ends: Vec<GroupEnd> = threads
            .into_iter()
            .map(|t| t.join().expect("a function group's thread panicked"))
            .collect();
        result.map(|()| (ends, peak))
    })
    .map(|(ends, peak)| whole.finish_grouped(ends, peak))
}

/// Read `requests` to the horizon, hand each to its group, and merge what the groups measured
/// window by window ([`WINDOW`]; one window behind the reading, so reading and simulating
/// overlap).
#[allow(clippy::too_many_arguments)]
fn dispatch(
    requests: &mut dyn Iterator<Item = (SimTime, Work)>,
    owner: &[usize],
    to_groups: &[mpsc::SyncSender<ToGroup>],
    from_groups: &[mpsc::Receiver<GroupLog>],
    merge: &mut Merge<'_, '_>,
    horizon: SimTime,
    rate_limit: u64,
    progress: &mut dyn FnMut(SimTime),
) -> Result<(), String> {
    let groups = to_groups.len();
    let send = |g: usize, m: ToGroup| {
        to_groups[g]
            .send(m)
            .expect("a function group's thread stopped early (a bug)");
    };
    let mut feeds: Vec<Vec<(SimTime, Work)>> = vec![Vec::new(); groups];
    let next_end = |end: SimTime| (end + WINDOW).min(horizon);
    let mut end = next_end(SimTime::ZERO);
    // Windows handed to the groups and not merged yet, by their end.
    let mut unmerged: VecDeque<SimTime> = VecDeque::with_capacity(AHEAD + 1);
    let (mut second, mut in_second) = (u64::MAX, 0u64);
    let mut close = |end: SimTime,
                     feeds: &mut Vec<Vec<(SimTime, Work)>>,
                     unmerged: &mut VecDeque<SimTime>|
     -> Result<(), String> {
        for (g, feed) in feeds.iter_mut().enumerate() {
            if !feed.is_empty() {
                send(g, ToGroup::Feed(std::mem::take(feed)));
            }
            send(g, ToGroup::Through(end));
        }
        unmerged.push_back(end);
        if unmerged.len() > AHEAD {
            let done = unmerged.pop_front().expect("two windows");
            merge.window(from_groups, done)?;
            progress(done);
        }
        Ok(())
    };
    // Pull requests as the run in one go does: up to and including the first at or after the
    // horizon (which it peeks at and leaves).
    for (t, work) in &mut *requests {
        if t >= horizon {
            break;
        }
        if t >= end {
            // A window without requests is not handed over on its own: the next one runs from
            // here to a minute after this request (what a group keeps is bounded by the
            // requests in a window and the environments they left).
            close(end, &mut feeds, &mut unmerged)?;
            end = next_end(end).max(next_end(t));
        }
        let s = t.as_micros() / 1_000_000;
        if s != second {
            (second, in_second) = (s, 0);
        }
        in_second += 1;
        if in_second > rate_limit {
            return Err(format!(
                "more than {rate_limit} requests arrived in the second from {s} s to {} s: the \
                 account's limit of {rate_limit} invocations per second may have throttled some",
                s + 1
            ));
        }
        let g = owner[work.function as usize];
        feeds[g].push((t, work));
        if feeds[g].len() >= FEED {
            send(g, ToGroup::Feed(std::mem::take(&mut feeds[g])));
        }
    }
    // After the last request: to the horizon in one window.
    close(end, &mut feeds, &mut unmerged)?;
    if end < horizon {
        close(horizon, &mut feeds, &mut unmerged)?;
    }
    while let Some(done) = unmerged.pop_front() {
        merge.window(from_groups, done)?;
    }
    progress(horizon);
    Ok(())
}

/// The run's books, fed every group's measurements window by window.
struct Merge<'w, 'a> {
    whole: &'w mut FunctionModel<'a>,
    unreserved_limit: u32,
    /// Environments alive over all groups, as of the last instant merged.
    alive: i64,
    peak: u32,
}

impl Merge<'_, '_> {
    /// Merge the next window of every group, the one ending at `end`.
    fn window(
        &mut self,
        from_groups: &[mpsc::Receiver<GroupLog>],
        end: SimTime,
    ) -> Result<(), String> {
        let logs: Vec<GroupLog> = from_groups
            .iter()
            .map(|r| {
                r.recv()
                    .expect("a function group's thread stopped early (a bug)")
            })
            .collect();
        let unreserved: u64 = logs.iter().map(|l| u64::from(l.unreserved_peak)).sum();

        if unreserved >= u64::from(self.unreserved_limit) {
            return Err(format!(
                "the groups' peaks of requests in flight on unreserved concurrency add up to \
                 {unreserved} in the minute to {} s, not below the account's unreserved pool \
                 of {}: its limit may have throttled some",
                end.as_secs_f64(),
                self.unreserved_limit
            ));
        }
        // The peak of the sum: environments appear only at cold starts, which run after every
        // event of their instant, so the peak is the sum at the end of an instant with one.
        let mut changes: Vec<(SimTime, i32, bool)> =
            logs.iter().flat_map(|l| l.alive.iter().copied()).collect();
        changes.sort_unstable_by_key(|c| c.0);
        let mut i = 0;
        while i < changes.len() {
            let at = changes[i].0;
            let mut cold = false;
            while i < changes.len() && changes[i].0 == at {
                self.alive += i64::from(changes[i].1);
                cold |= changes[i].2;
                i += 1;
            }
            if cold {
                self.peak = self.peak.max(self.alive as u32);
            }
        }
        let intervals = logs[0].slices.len();
        debug_assert!(logs.iter().all(|l| l.slices.len() == intervals));
        let mut slices: Vec<_> = logs.into_iter().map(|l| l.slices.into_iter()).collect();
        for _ in 0..intervals {
            let parts: Vec<_> = slices
                .iter_mut()
                .map(|s| s.next().expect("every group closes the same intervals"))
                .collect();
            let at = parts[0].end;
            debug_assert!(parts.iter().all(|p| p.end == at));
            let mut measured = IntervalMeasure::default();
            for p in &parts {
                measured.add(&p.measured);
            }
            let snapshot = measured.snapshot();
            let slices: Vec<IntervalSlice> = parts.into_iter().map(|p| p.open).collect();
            self.whole.books.close_merged_interval(at, slices, snapshot);
        }
        Ok(())
    }
}

impl FunctionModel<'_> {
    /// What the group measured since the last call: the intervals it closed, the changes of
    /// its environments alive, its peak of unreserved concurrency (from now on counted from
    /// what is in flight now).
    fn take_window(&mut self) -> GroupLog {
        let peak = std::mem::replace(&mut self.unreserved_peak, self.unreserved_busy);
        let log = self.group.as_mut().expect("a model run as a group");
        GroupLog {
            unreserved_peak: peak,
            ..std::mem::take(log)
        }
    }

    /// What the group measured over the whole run; `owns` says which functions are its own.
    fn into_group_end(
        self,
        in_flight: Vec<(SimTime, bool, u32)>,
        owns: impl Fn(u32) -> bool,
    ) -> GroupEnd {
        GroupEnd {
            books: self.books.into_group_end(owns),
            total_env_us: self.total_env_us,
            total_busy_us: self.total_busy_us,
            invocations: self.usage.invocations,
            mb_ms: self.usage.mb_ms,
            mb_ms_by_hour: self.usage.mb_ms_by_hour,
            in_flight,
        }
    }

    /// Close the run's books from every group's end, its rows already merged and `peak` the
    /// peak of environments alive at once over all groups.
    fn finish_grouped(mut self, ends: Vec<GroupEnd>, peak: u32) -> Outcome<Invocations> {
        let mut in_flight = Vec::new();
        for end in ends {
            self.books.absorb(end.books);
            self.total_env_us += end.total_env_us;
            self.total_busy_us += end.total_busy_us;
            self.usage.invocations += end.invocations;
            self.usage.mb_ms += end.mb_ms;
            let by_hour = &mut self.usage.mb_ms_by_hour;
            if by_hour.len() < end.mb_ms_by_hour.len() {
                by_hour.resize(end.mb_ms_by_hour.len(), 0);
            }
            for (x, y) in by_hour.iter_mut().zip(end.mb_ms_by_hour) {
                *x += y;
            }
            in_flight.extend(end.in_flight);
        }
        in_flight.sort_unstable();
        self.peak = peak;
        self.interval_start = self.horizon;
        self.finish_with(in_flight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_go_to_the_least_loaded_group_busiest_first() {
        // Requests 50, 40, 30, 20, 10 into 2 groups: 50 → g0; 40 → g1; 30 → g1 (40 < 50);
        // 20 → g0 (50 < 70); 10 → g0 (70 = 70, the lower index). Loads 80 and 70.
        assert_eq!(assign(&[50, 40, 30, 20, 10], 2), vec![0, 1, 1, 0, 0]);
        // Ties in requests go by index; more groups than functions: one group per function.
        assert_eq!(assign(&[5, 5, 5], 8), vec![0, 1, 2]);
        // A function with no requests still weighs one, so the groups stay balanced in count.
        assert_eq!(assign(&[0, 0, 0, 0], 2), vec![0, 1, 0, 1]);
    }
}
