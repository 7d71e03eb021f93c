//! A fixed fleet of provisioned servers behind a load balancer.
//!
//! - N instances, each running up to `slots` requests at once, all in service from time zero.
//! - The load balancer sends a request to the instance with the fewest in flight (lowest index
//!   on ties). When every slot is busy the request waits in one FIFO queue; a request that has
//!   waited `queue_timeout` is dropped and counted as timed out.
//! - A request's CPU-bound part runs at the instance's speed on min(parallelism, vCPUs) cores;
//!   when the requests in flight on an instance want more cores than it has, the CPU part of a
//!   starting request is stretched by the overload (processor sharing, fixed at start).
//! - Metering: each launch's run time (billing applies the per-second, 60 s minimum rule) and
//!   requests seen by the load balancer per hour.

use std::collections::VecDeque;

use crate::engine::{Model, Scheduler, SimDuration, SimTime};
use crate::metrics::{Counters, LatencyRecorder};
use crate::platform::{CapacityStats, Outcome, QueueStats, cpu_time};
use crate::traffic::{RequestProfile, Work};

const HOUR_US: u64 = 3_600_000_000;

/// Configuration of a fixed fleet.
#[derive(Clone, Debug, PartialEq)]
pub struct FleetConfig {
    /// Instances, all in service for the whole horizon.
    pub count: u32,
    /// vCPUs per instance.
    pub vcpus: f64,
    /// CPU speed relative to the reference CPU (1.0 = one Lambda vCPU).
    pub cpu_speed: f64,
    /// Requests one instance runs at once.
    pub slots: u32,
    /// Longest a request may wait in the queue before it is dropped.
    pub queue_timeout: SimDuration,
}

/// What a fleet run consumed, as the provider meters it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FleetUsage {
    /// Run time of each instance launch, launch to termination (or the horizon).
    pub instance_runs: Vec<SimDuration>,
    /// Requests that reached the load balancer in each hour of the horizon.
    pub requests_per_hour: Vec<u64>,
}

/// Events of the fleet model.
#[derive(Clone, Copy, Debug)]
pub enum FleetEvent {
    /// A request finished on an instance.
    Done {
        /// Index of the instance.
        instance: u32,
        /// When the request arrived.
        arrival: SimTime,
    },
}

/// The simulation state of a fleet.
pub struct FleetModel<'a> {
    cfg: &'a FleetConfig,
    profile: &'a RequestProfile,
    horizon: SimTime,
    in_flight: Vec<u32>,
    queue: VecDeque<(SimTime, Work)>,
    counters: Counters,
    latency: LatencyRecorder,
    queued: u64,
    started: u64,
    wait_us: u128,
    busy_us: u64,
    cpu_core_s: f64,
    requests_per_hour: Vec<u64>,
}

impl<'a> FleetModel<'a> {
    /// A fleet with every instance idle and in service.
    pub fn new(cfg: &'a FleetConfig, profile: &'a RequestProfile, horizon: SimTime) -> Self {
        let hours = horizon.as_micros().div_ceil(HOUR_US).max(1) as usize;
        FleetModel {
            cfg,
            profile,
            horizon,
            in_flight: vec![0; cfg.count as usize],
            queue: VecDeque::new(),
            counters: Counters::default(),
            latency: LatencyRecorder::default(),
            queued: 0,
            started: 0,
            wait_us: 0,
            busy_us: 0,
            cpu_core_s: 0.0,
            requests_per_hour: vec![0; hours],
        }
    }

    /// The instance with the fewest requests in flight, if it has a free slot.
    #[inline]
    fn least_loaded(&self) -> Option<usize> {
        let (i, n) = self
            .in_flight
            .iter()
            .enumerate()
            .min_by_key(|&(i, n)| (*n, i))?;
        (*n < self.cfg.slots).then_some(i)
    }

    /// Drop queued requests whose wait reached the timeout by `now`.
    #[inline]
    fn drop_timed_out(&mut self, now: SimTime) {
        while let Some(&(arrival, _)) = self.queue.front() {
            if arrival + self.cfg.queue_timeout > now {
                break;
            }
            self.queue.pop_front();
            self.counters.timed_out += 1;
        }
    }

    fn start(&mut self, i: usize, arrival: SimTime, work: Work, sched: &mut Scheduler<FleetEvent>) {
        let now = sched.now();
        self.in_flight[i] += 1;
        self.started += 1;
        self.wait_us += u128::from((now - arrival).as_micros());
        let p = self.profile;
        let cpu_work = work.ref_duration_s * p.cpu_fraction;
        let (cpu_wall, core_s) =
            cpu_time(cpu_work, p.parallelism, self.cfg.vcpus, self.cfg.cpu_speed);
        let cores_wanted =
            f64::from(self.in_flight[i]) * p.cpu_fraction * p.parallelism.min(self.cfg.vcpus);
        let overload = (cores_wanted / self.cfg.vcpus).max(1.0);
        let service =
            SimDuration::from_secs_f64(work.ref_duration_s - cpu_work + cpu_wall * overload);
        let end = now + service;
        let served_us = end.min(self.horizon).saturating_since(now).as_micros();
        self.busy_us += served_us;
        if service > SimDuration::ZERO {
            self.cpu_core_s += core_s * served_us as f64 / service.as_micros() as f64;
        }
        sched.schedule_in(
            service,
            FleetEvent::Done {
                instance: i as u32,
                arrival,
            },
        );
    }

    /// Close the books at the horizon. `pending` are the completions still scheduled.
    pub fn finish<'e>(
        self,
        pending: impl Iterator<Item = (SimTime, &'e FleetEvent)>,
    ) -> Outcome<FleetUsage> {
        let mut counters = self.counters;
        // Queued requests whose timeout fell due by the horizon have timed out.
        let timed_out_in_queue = self
            .queue
            .iter()
            .filter(|(a, _)| *a + self.cfg.queue_timeout <= self.horizon)
            .count() as u64;
        counters.timed_out += timed_out_in_queue;
        counters.in_flight_at_end =
            pending.count() as u64 + self.queue.len() as u64 - timed_out_in_queue;
        let horizon_s = self.horizon.as_secs_f64().max(1e-6);
        let n = f64::from(self.cfg.count);
        Outcome {
            counters,
            latency: self.latency.summary(),
            capacity: CapacityStats {
                mean_instances: n,
                mean_busy: self.busy_us as f64 / 1e6 / horizon_s,
                peak_instances: u64::from(self.cfg.count),
                mean_utilisation: self.cpu_core_s / (self.cfg.vcpus * n * horizon_s),
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
                instance_runs: vec![self.horizon - SimTime::ZERO; self.cfg.count as usize],
                requests_per_hour: self.requests_per_hour,
            },
        }
    }
}

impl Model for FleetModel<'_> {
    type Arrival = Work;
    type Event = FleetEvent;

    #[inline]
    fn on_arrival(&mut self, work: Work, sched: &mut Scheduler<FleetEvent>) {
        let now = sched.now();
        self.counters.arrived += 1;
        let hour = (now.as_micros() / HOUR_US) as usize;
        if let Some(h) = self.requests_per_hour.get_mut(hour) {
            *h += 1;
        }
        self.drop_timed_out(now);
        match self.least_loaded() {
            Some(i) => self.start(i, now, work, sched),
            None => {
                self.queued += 1;
                self.queue.push_back((now, work));
            }
        }
    }

    #[inline]
    fn on_event(&mut self, event: FleetEvent, sched: &mut Scheduler<FleetEvent>) {
        let FleetEvent::Done { instance, arrival } = event;
        let now = sched.now();
        let i = instance as usize;
        self.in_flight[i] -= 1;
        self.counters.completed += 1;
        self.latency.record(now - arrival);
        self.drop_timed_out(now);
        // Every other instance is full whenever the queue is non-empty, so the freed slot is
        // the least loaded one.
        if let Some((queued_at, work)) = self.queue.pop_front() {
            self.start(i, queued_at, work, sched);
        }
    }
}
