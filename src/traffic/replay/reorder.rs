//! Putting a trace that is nearly in time order into order, with bounded memory.
//!
//! Logs written when requests end (access logs, the Azure 2021 trace) list starts out of order
//! by at most the longest request. The check pass measures that lateness L: every row starts at
//! most L before the latest start read so far. So once a start of T has been read, no row still
//! to come starts before T − L, and everything held back up to there can go out. Memory is the
//! rows of one window of L seconds.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use super::{Interner, Row, Source};

struct Held {
    seq: u64,
    row: Row,
}

impl PartialEq for Held {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Held {}
impl PartialOrd for Held {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Held {
    fn cmp(&self, other: &Self) -> Ordering {
        self.row
            .t
            .total_cmp(&other.row.t)
            .then(self.seq.cmp(&other.seq))
    }
}

/// `rows` in time order (equal starts keep file order), given that none is more than `late_s`
/// earlier than a row before it.
pub(super) fn ordered(
    mut rows: impl Iterator<Item = Row>,
    late_s: f64,
) -> impl Iterator<Item = Row> {
    let mut heap: BinaryHeap<Reverse<Held>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut latest = f64::NEG_INFINITY;
    let mut done = false;
    std::iter::from_fn(move || {
        if late_s <= 0.0 {
            return rows.next();
        }
        loop {
            if let Some(Reverse(top)) = heap.peek()
                && (done || top.row.t <= latest - late_s)
            {
                return heap.pop().map(|Reverse(h)| h.row);
            }
            if done {
                return None;
            }
            match rows.next() {
                Some(row) => {
                    latest = latest.max(row.t);
                    heap.push(Reverse(Held { seq, row }));
                    seq += 1;
                }
                None => done = true,
            }
        }
    })
}

/// Most rows [`ordered`] holds at once for this source (stops counting past `cap`).
pub(super) fn peak(mut src: Box<dyn Source>, late_s: f64, cap: u64) -> u64 {
    let mut fns = Interner::default();
    let mut heap: BinaryHeap<Reverse<Held>> = BinaryHeap::new();
    let mut latest = f64::NEG_INFINITY;
    let mut peak = 0u64;
    while let Some(row) = src.next_row(&mut fns) {
        let Ok(row) = row else { continue };
        latest = latest.max(row.t);
        heap.push(Reverse(Held { seq: 0, row }));
        while heap
            .peek()
            .is_some_and(|Reverse(h)| h.row.t <= latest - late_s)
        {
            heap.pop();
        }
        peak = peak.max(heap.len() as u64);
        if peak > cap {
            break;
        }
    }
    peak
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(t: f64, func: u32) -> Row {
        Row {
            t,
            dur: None,
            func,
            mem: None,
        }
    }

    #[test]
    fn puts_late_rows_in_order_keeping_ties_in_file_order() {
        let input = [3.0, 1.0, 4.0, 2.5, 5.0, 4.0, 9.0];
        // Latest-so-far minus each start: at most 2.0 (4.0 then 2.5 is 1.5; 3.0 then 1.0 is 2).
        let out: Vec<(f64, u32)> = ordered(
            input.iter().enumerate().map(|(i, &t)| row(t, i as u32)),
            2.0,
        )
        .map(|r| (r.t, r.func))
        .collect();
        assert_eq!(
            out,
            vec![
                (1.0, 1),
                (2.5, 3),
                (3.0, 0),
                (4.0, 2),
                (4.0, 5),
                (5.0, 4),
                (9.0, 6)
            ]
        );
    }
}
