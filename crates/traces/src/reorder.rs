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

/// Rows held back until no row still to come can start before them.
struct Buffer {
    heap: BinaryHeap<Reverse<Held>>,
    seq: u64,
    latest: f64,
    late_s: f64,
}

impl Buffer {
    fn new(late_s: f64) -> Self {
        Buffer {
            heap: BinaryHeap::new(),
            seq: 0,
            latest: f64::NEG_INFINITY,
            late_s,
        }
    }

    fn push(&mut self, row: Row) {
        self.latest = self.latest.max(row.t);
        self.heap.push(Reverse(Held { seq: self.seq, row }));
        self.seq += 1;
    }

    /// The earliest row held, if no row still to come can start before it (or `all`).
    fn pop(&mut self, all: bool) -> Option<Row> {
        let Reverse(top) = self.heap.peek()?;
        if all || top.row.t <= self.latest - self.late_s {
            self.heap.pop().map(|Reverse(h)| h.row)
        } else {
            None
        }
    }
}

/// `rows` in time order (equal starts keep file order), given that none is more than `late_s`
/// earlier than a row before it.
pub(super) fn ordered(
    mut rows: impl Iterator<Item = Row>,
    late_s: f64,
) -> impl Iterator<Item = Row> {
    let mut held = Buffer::new(late_s);
    let mut done = false;
    std::iter::from_fn(move || {
        if late_s <= 0.0 {
            return rows.next();
        }
        loop {
            if let Some(row) = held.pop(done) {
                return Some(row);
            }
            if done {
                return None;
            }
            match rows.next() {
                Some(row) => held.push(row),
                None => done = true,
            }
        }
    })
}

/// Most rows [`ordered`] holds at once for this source (stops counting past `cap`).
pub(super) fn peak(mut src: Box<dyn Source>, late_s: f64, cap: u64) -> u64 {
    let mut fns = Interner::default();
    let mut held = Buffer::new(late_s);
    let mut peak = 0u64;
    while let Some(row) = src.next_row(&mut fns) {
        let Ok(row) = row else { continue };
        held.push(row);
        while held.pop(false).is_some() {}
        peak = peak.max(held.heap.len() as u64);
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
