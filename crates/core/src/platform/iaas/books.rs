//! The fleet's books: the per-interval snapshot and the closing outcome. Request fates are
//! kept by the pool's [`Books`](crate::platform::books::Books).

use super::{FleetEvent, FleetModel};
use crate::engine::SimTime;
use crate::metrics::RequestSink;
use crate::platform::pool::PoolInterval;
use crate::platform::{CapacityStats, Outcome};
use crate::usage::InstanceRun;
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
        for launched in self.pool.alive_launches() {
            self.runs.push(InstanceRun {
                launch_us: launched.as_micros(),
                end_us: horizon.as_micros(),
                running_at_end: true,
                interrupted: false,
            });
        }
        let horizon_s = horizon.as_secs_f64().max(1e-6);
        // A fold from +0.0: an empty sum of f64 is −0.0, which printed as "-0.00" instances.
        let instance_s: f64 = self
            .runs
            .iter()
            .fold(0.0, |sum, r| sum + r.run_us() as f64 / 1e6);
        let pool = self.pool.close(horizon);
        let books = pool.books;
        Outcome {
            counters: books.counters,
            latency: books.latency,
            latency_cdf: books.latency_cdf,
            capacity: CapacityStats {
                mean_instances: instance_s / horizon_s,
                peak_instances: u64::from(pool.peak),
                mean_busy: pool.busy_us as f64 / 1e6 / horizon_s,
                mean_utilisation: if instance_s > 0.0 {
                    pool.cpu_core_s / (self.cfg.vcpus * instance_s)
                } else {
                    0.0
                },
            },
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
