//! The fleet's books: the per-interval snapshot and the closing outcome. Request fates are
//! kept by the pool's [`Books`](crate::platform::books::Books).

use super::{FleetEvent, FleetModel};
use crate::engine::SimTime;
use crate::metrics::RequestSink;
use crate::platform::Outcome;
use crate::platform::pool::PoolInterval;
use crate::usage::Instances;

impl<'a> FleetModel<'a> {
    /// Hand every request's record to `sink`.
    pub fn log_requests_to(&mut self, sink: &'a mut dyn RequestSink) {
        self.pool.books_mut().log_to(sink);
    }

    /// Close the reporting interval at `now` (a tick, or the horizon).
    pub(super) fn close_interval(&mut self, now: SimTime) {
        let PoolInterval {
            mut snapshot,
            alive_us,
        } = self.pool.close_interval(now);
        snapshot.desired = Some(self.desired);
        snapshot.usage_requests = self.pool.books().arrivals_in_interval();
        snapshot.usage_compute = alive_us / 1e6;
        self.pool.books_mut().close_interval(now, snapshot);
        self.interval_start = now;
    }

    /// Close the books at the horizon. `pending` are the events still scheduled (the fleet
    /// keeps what is left in its own books; the argument stays for the runner's sake).
    pub fn finish<'e>(
        mut self,
        _pending: impl Iterator<Item = (SimTime, &'e FleetEvent)>,
    ) -> Outcome<Instances> {
        let horizon = self.horizon;
        if self.interval_start < horizon {
            self.close_interval(horizon);
        }
        let (pool, capacity) = self.pool.close_with_runs(&mut self.runs, horizon);
        let books = pool.books;
        Outcome {
            counters: books.counters,
            latency: books.latency,
            latency_cdf: books.latency_cdf,
            capacity,
            queueing: pool.queueing,
            usage: Instances {
                runs: self.runs,
                requests_by_hour: self.requests_per_hour,
            },
            timeseries: books.timeseries,
            activities: self.activities,
            interruptions: self.interruptions,
            interruptions_missed: self.interruptions_missed,
            functions: books.functions,
            last_completion_s: books.last_completion.map(|t| t.as_secs_f64()),
        }
    }
}
