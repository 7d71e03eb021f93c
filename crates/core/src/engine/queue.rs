//! The event queue: a binary heap ordered by (time, sequence), so events at the same instant run
//! in the order they were scheduled and every run is deterministic.
//!
//! The order is kept as one integer key, `time << 64 | sequence` (a `u128`): the same order
//! and the same ties as comparing the pair, but one comparison instead of two dependent,
//! often mispredicted ones (issue 15 measured a pop at ~37 ns with the pair, ~25 ns with the
//! key, on the project's own entries).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::time::{SimDuration, SimTime};

/// `time` (µs) in the high 64 bits, the scheduling sequence in the low 64.
#[inline]
fn key(time: SimTime, seq: u64) -> u128 {
    (u128::from(time.as_micros()) << 64) | u128::from(seq)
}

/// The time of a key.
#[inline]
fn time_of(key: u128) -> SimTime {
    SimTime::from_micros((key >> 64) as u64)
}

struct Entry<E> {
    key: u128,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest event first.
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// Where a model schedules its future events. It knows the current time, so a model can never
/// schedule into the past.
pub struct Scheduler<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    now: SimTime,
}

impl<E> Default for Scheduler<E> {
    fn default() -> Self {
        Scheduler {
            heap: BinaryHeap::new(),
            next_seq: 0,
            now: SimTime::ZERO,
        }
    }
}

impl<E> Scheduler<E> {
    /// No events, the clock at `at`.
    pub fn starting_at(at: SimTime) -> Self {
        Scheduler {
            heap: BinaryHeap::new(),
            next_seq: 0,
            now: at,
        }
    }

    /// The pending events in the order they will run (time, then the order they were
    /// scheduled), without their sequence numbers: two schedulers with the same list run the
    /// same events in the same order, however many events each scheduled before.
    pub fn pending_in_order(&self) -> Vec<(SimTime, E)>
    where
        E: Clone,
    {
        let mut v: Vec<(u128, E)> = self.heap.iter().map(|e| (e.key, e.event.clone())).collect();
        v.sort_unstable_by_key(|(k, _)| *k);
        v.into_iter().map(|(k, e)| (time_of(k), e)).collect()
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedule `event` to happen `delay` from now.
    pub fn schedule_in(&mut self, delay: SimDuration, event: E) {
        let time = self.now + delay;
        self.heap.push(Entry {
            key: key(time, self.next_seq),
            event,
        });
        self.next_seq += 1;
    }

    /// Number of events waiting.
    pub fn pending(&self) -> usize {
        self.heap.len()
    }

    /// Iterate over the pending events (in no particular order) with their times.
    pub fn pending_events(&self) -> impl Iterator<Item = (SimTime, &E)> {
        self.heap.iter().map(|e| (time_of(e.key), &e.event))
    }

    pub(super) fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| time_of(e.key))
    }

    pub(super) fn pop(&mut self) -> Option<(SimTime, E)> {
        self.heap.pop().map(|e| (time_of(e.key), e.event))
    }

    pub(super) fn advance_to(&mut self, t: SimTime) {
        debug_assert!(t >= self.now, "bug: simulated clock went back");
        self.now = t;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_pop_in_scheduling_order() {
        let mut s = Scheduler::default();
        s.schedule_in(SimDuration::from_secs(2), 'c');
        s.schedule_in(SimDuration::from_secs(1), 'a');
        s.schedule_in(SimDuration::from_secs(1), 'b');
        let order: Vec<char> = std::iter::from_fn(|| s.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!['a', 'b', 'c']);
    }

    /// The key orders by time first, then by sequence, over the whole range of both: a later
    /// time with a smaller sequence still comes after, and the largest time a run can reach
    /// keeps its order.
    #[test]
    fn the_key_orders_as_the_pair() {
        let t = SimTime::from_micros;
        let pairs = [
            (t(0), 0),
            (t(0), u64::MAX),
            (t(1), 0),
            (t(1), 5),
            (t(u64::MAX), 0),
            (t(u64::MAX), u64::MAX),
        ];
        for a in pairs {
            for b in pairs {
                assert_eq!(
                    key(a.0, a.1).cmp(&key(b.0, b.1)),
                    (a.0, a.1).cmp(&(b.0, b.1))
                );
            }
            assert_eq!(time_of(key(a.0, a.1)), a.0);
        }
    }
}
