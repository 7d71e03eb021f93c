//! The fleet's books: the per-interval time series, the request log and the closing outcome.

use super::instance::State;
use super::{FleetEvent, FleetModel, FleetUsage};
use crate::engine::SimTime;
use crate::metrics::{FunctionOutcome, RequestOutcome, RequestRecord, RequestSink, Snapshot};
use crate::platform::{CapacityStats, Outcome, QueueStats};
use crate::usage::InstanceRun;

impl<'a> FleetModel<'a> {
    /// Hand every request's record to `sink`.
    pub fn log_requests_to(&mut self, sink: &'a mut dyn RequestSink) {
        self.log = Some(sink);
    }

    #[inline]
    pub(super) fn log(&mut self, record: RequestRecord) {
        if let Some(sink) = &mut self.log {
            sink.record(record);
        }
    }

    pub(super) fn log_timed_out_in_queue(&mut self, arrival: SimTime, function: u32) {
        let end = arrival + self.cfg.queue_timeout;
        self.log(RequestRecord {
            arrival,
            start: None,
            end: Some(end),
            cold: false,
            outcome: RequestOutcome::TimedOut,
            function,
        });
    }

    /// Record the in-service and running counts after a change at `now`.
    pub(super) fn capacity_changed(&mut self, now: SimTime) {
        self.in_service_area.set(now, self.in_service.len() as f64);
        self.alive_area.set(now, f64::from(self.alive));
    }

    /// Close the reporting interval at `now` (a tick, or the horizon).
    pub(super) fn close_interval(&mut self, now: SimTime) {
        for i in 0..self.instances.len() {
            if self.instances[i].state != State::Terminated {
                self.advance_cpu(i, now);
            }
        }
        let in_service_us = self.in_service_area.take(now);
        let alive_us = self.alive_area.take(now);
        let busy = self
            .in_service
            .iter()
            .filter(|&&i| self.instances[i as usize].in_flight > 0)
            .count() as u32;
        let cpu_available = self.cfg.vcpus * in_service_us / 1e6;
        self.series.close(
            now,
            Snapshot {
                in_service: busy,
                booting: Some(self.count_in(State::Booting)),
                idle: self.in_service.len() as u32 - busy,
                draining: Some(self.count_in(State::Draining)),
                desired: Some(self.desired),
                queue_length: Some(self.queue.len() as u64),
                utilisation: (cpu_available > 0.0)
                    .then(|| self.interval_cpu_core_s / cpu_available),
                usage_requests: self.series.arrivals(),
                usage_compute: alive_us / 1e6,
            },
        );
        self.interval_cpu_core_s = 0.0;
        self.interval_start = now;
    }

    pub(super) fn count_in(&self, state: State) -> u32 {
        self.instances.iter().filter(|i| i.state == state).count() as u32
    }

    pub(super) fn requests_in_flight(&self) -> u64 {
        self.instances
            .iter()
            .filter(|i| i.state != State::Terminated)
            .map(|i| u64::from(i.in_flight))
            .sum()
    }

    /// Log what is left at the horizon: requests still running, and the queue.
    fn log_at_horizon(&mut self) {
        let mut left: Vec<(SimTime, SimTime, u32)> = self
            .instances
            .iter()
            .flat_map(|inst| inst.work.running())
            .map(|r| (r.arrival, r.start, r.function))
            .collect();
        left.sort_unstable();
        for (arrival, start, function) in left {
            self.log(RequestRecord {
                arrival,
                start: Some(start),
                end: None,
                cold: false,
                outcome: RequestOutcome::InFlight,
                function,
            });
        }
        let queued: Vec<(SimTime, u32)> =
            self.queue.iter().map(|(a, w)| (*a, w.function)).collect();
        for (arrival, function) in queued {
            if arrival + self.cfg.queue_timeout <= self.horizon {
                self.log_timed_out_in_queue(arrival, function);
            } else {
                self.log(RequestRecord {
                    arrival,
                    start: None,
                    end: None,
                    cold: false,
                    outcome: RequestOutcome::InFlight,
                    function,
                });
            }
        }
    }

    /// Per-function figures at the horizon: requests still running are in flight (and were
    /// busy from their start), queued ones past their timeout timed out, the rest in flight.
    fn function_outcomes(&mut self) -> Vec<FunctionOutcome> {
        let Some(tallies) = &mut self.tallies else {
            return Vec::new();
        };
        let mut in_flight = vec![0u64; tallies.len()];
        for r in self.instances.iter().flat_map(|inst| inst.work.running()) {
            let f = r.function as usize;
            in_flight[f] += 1;
            tallies[f].busy_s += self.horizon.saturating_since(r.start).as_secs_f64();
        }
        for (arrival, work) in &self.queue {
            let f = work.function as usize;
            if *arrival + self.cfg.queue_timeout <= self.horizon {
                tallies[f].counters.timed_out += 1;
            } else {
                in_flight[f] += 1;
            }
        }
        tallies
            .iter()
            .zip(in_flight)
            .map(|(t, n)| t.outcome(n, None))
            .collect()
    }

    /// Close the books at the horizon. `pending` are the events still scheduled (the fleet
    /// keeps what is left in its own books; the argument stays for the runner's sake).
    pub fn finish<'e>(
        mut self,
        _pending: impl Iterator<Item = (SimTime, &'e FleetEvent)>,
    ) -> Outcome<FleetUsage> {
        let horizon = self.horizon;
        if self.interval_start < horizon {
            self.close_interval(horizon);
        }
        let mut counters = self.counters;
        // Queued requests whose timeout fell due by the horizon have timed out.
        let timed_out_in_queue = self
            .queue
            .iter()
            .filter(|(a, _)| *a + self.cfg.queue_timeout <= horizon)
            .count() as u64;
        counters.timed_out += timed_out_in_queue;
        let functions = self.function_outcomes();
        if self.log.is_some() {
            self.log_at_horizon();
        }
        // Requests still running were busy from their start to the horizon.
        self.busy_us += self
            .instances
            .iter()
            .flat_map(|inst| inst.work.running())
            .map(|r| horizon.saturating_since(r.start).as_micros())
            .sum::<u64>();
        counters.in_flight_at_end =
            self.requests_in_flight() + self.queue.len() as u64 - timed_out_in_queue;
        for i in 0..self.instances.len() {
            if self.instances[i].state != State::Terminated {
                self.advance_cpu(i, horizon);
                self.runs.push(InstanceRun {
                    launch_us: self.instances[i].launched.as_micros(),
                    end_us: horizon.as_micros(),
                    running_at_end: true,
                });
            }
        }
        let horizon_s = horizon.as_secs_f64().max(1e-6);
        let instance_s: f64 = self.runs.iter().map(|r| r.run_us() as f64 / 1e6).sum();
        let latency = self.series.total_latency();
        Outcome {
            counters,
            latency: latency.summary(),
            latency_cdf: latency.cdf(),
            capacity: CapacityStats {
                mean_instances: instance_s / horizon_s,
                peak_instances: u64::from(self.peak),
                mean_busy: self.busy_us as f64 / 1e6 / horizon_s,
                mean_utilisation: if instance_s > 0.0 {
                    self.cpu_core_s / (self.cfg.vcpus * instance_s)
                } else {
                    0.0
                },
            },
            queueing: QueueStats {
                wait_probability: if counters.arrived == 0 {
                    0.0
                } else {
                    self.queued as f64 / counters.arrived as f64
                },
                mean_wait_ms: if self.started == 0 {
                    0.0
                } else {
                    self.wait_us as f64 / self.started as f64 / 1_000.0
                },
            },
            usage: FleetUsage {
                runs: self.runs,
                requests_by_hour: self.requests_per_hour,
            },
            timeseries: self.series.into_rows(),
            activities: self.activities,
            functions,
        }
    }
}
