//! How the fleet changes size: launching and retiring instances (the pool drains them), and the
//! metric period at which the policy is asked.

use super::{FleetEvent, FleetModel};
use crate::autoscale::{Capacity, Datapoint, Decision, HISTORY_LEN, Observation, PodSample};
use crate::engine::{Scheduler, SimDuration, SimTime};
use crate::platform::ScalingActivity;
use crate::platform::pool::{Retired, State};

impl FleetModel<'_> {
    /// Change the desired capacity: launch or retire instances.
    pub(super) fn set_desired(
        &mut self,
        wanted: u32,
        reason: String,
        sched: &mut Scheduler<FleetEvent>,
    ) {
        let now = sched.now();
        let new = wanted.clamp(self.min, self.max);
        if new == self.desired {
            return;
        }
        self.activities.push(ScalingActivity {
            at_s: now.as_secs_f64(),
            from: self.desired,
            to: new,
            reason,
        });
        if new > self.desired {
            for _ in self.desired..new {
                self.launch_one(sched);
            }
        } else {
            for _ in new..self.desired {
                self.retire_one(sched);
            }
        }
        self.desired = new;
    }

    /// Launch one instance: it boots (a drawn boot time), then serves.
    pub(super) fn launch_one(&mut self, sched: &mut Scheduler<FleetEvent>) {
        let warmup = self.policy.warmup();
        let i = self.pool.launch(sched.now(), State::Booting, warmup);
        let boot = SimDuration::from_secs_f64(self.cfg.boot_time.sample(&mut self.boot_rng));
        sched.schedule_in(boot, FleetEvent::Ready { instance: i });
        self.spot_launched(i, sched);
    }

    /// Retire one instance: a booting one if any (the newest), else the in-service one with the
    /// fewest requests in flight (the newest on ties), which drains until its requests finish
    /// or the deregistration delay runs out.
    fn retire_one(&mut self, sched: &mut Scheduler<FleetEvent>) {
        let now = sched.now();
        match self.pool.retire_one(now) {
            Retired::Nothing => {}
            Retired::Terminated { launched, .. } => self.terminated(launched, now, false),
            Retired::Draining { replica } => sched.schedule_in(
                self.cfg.deregistration_delay,
                FleetEvent::DrainDeadline { instance: replica },
            ),
        }
    }

    pub(super) fn capacity(&self, now: SimTime) -> Capacity {
        let mut c = Capacity {
            desired: self.desired,
            min: self.min,
            max: self.max,
            ..Capacity::default()
        };
        for inst in self.pool.replicas() {
            match inst.state {
                State::Booting => c.booting += 1,
                State::InService if !inst.is_warm(now) => c.warming += 1,
                State::InService => c.in_service += 1,
                State::Draining => c.draining += 1,
                State::Terminated | State::Standby => {}
            }
            let changed = inst.terminated_at.or(inst.in_service_since);
            if changed > Some(SimTime::ZERO) {
                c.last_change = c.last_change.max(changed);
            }
        }
        c
    }

    /// Booting and in-service instances as the HPA sees pods; call before the period's CPU
    /// accounts are reset.
    fn pods(&self, now: SimTime) -> Vec<PodSample> {
        let vcpus = self.cfg.vcpus;
        self.pool
            .replicas()
            .iter()
            .filter(|inst| matches!(inst.state, State::Booting | State::InService))
            .map(|inst| {
                let ready_s = inst.in_service_since.map(|since| {
                    now.saturating_since(since.max(self.period_start))
                        .as_secs_f64()
                });
                PodSample {
                    started: inst.launched,
                    ready_since: inst.in_service_since,
                    cpu_utilisation: ready_s
                        .filter(|s| *s > 0.0)
                        .map(|s| (inst.period_cpu_core_s / (vcpus * s)).min(1.0)),
                }
            })
            .collect()
    }

    /// End of a metric period: publish the datapoint, record the period, ask the policy.
    pub(super) fn tick(&mut self, sched: &mut Scheduler<FleetEvent>) {
        let now = sched.now();
        self.pool.advance_all(now);
        let pods = self.pods(now);
        let (cpu_used, cpu_available) = self.pool.period_cpu(now, self.period_start);
        let targets = self.pool.in_service();
        let in_flight: u64 = self.pool.requests_in_flight();
        let datapoint = Datapoint {
            end_s: now.as_secs_f64(),
            cpu_utilisation: (cpu_available > 0.0).then(|| cpu_used / cpu_available),
            requests_per_target: (targets > 0)
                .then(|| self.period_arrivals as f64 / targets as f64),
            in_flight,
            queue_length: self.pool.queue_len() as u64,
            provisioned_utilisation: None,
        };
        if self.history.len() == HISTORY_LEN {
            self.history.pop_front();
        }
        self.history.push_back(datapoint);
        let obs_capacity = self.capacity(now);
        let history = self.history.make_contiguous();
        let decision = self.policy.decide(&Observation {
            now,
            capacity: obs_capacity,
            history,
            pods: &pods,
        });
        if let Decision::SetDesired { desired, reason } = decision {
            self.set_desired(desired, reason, sched);
        }
        self.period_arrivals = 0;
        self.period_start = now;
        sched.schedule_in(self.policy.period(), FleetEvent::Tick);
    }
}
