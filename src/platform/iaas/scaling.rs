//! How the fleet changes size: launching, retiring and draining instances, and the metric
//! period at which the policy is asked.

use super::instance::{Instance, State};
use super::{FleetEvent, FleetModel};
use crate::autoscale::{Capacity, Datapoint, Decision, HISTORY_LEN, Observation, PodSample};
use crate::engine::{Scheduler, SimDuration, SimTime};
use crate::platform::ScalingActivity;
use crate::usage::InstanceRun;

impl FleetModel<'_> {
    pub(super) fn terminate(&mut self, i: usize, now: SimTime) {
        self.advance_cpu(i, now);
        let inst = &mut self.instances[i];
        inst.state = State::Terminated;
        inst.terminated_at = Some(now);
        self.runs.push(InstanceRun {
            launch_us: inst.launched.as_micros(),
            end_us: now.as_micros(),
            running_at_end: false,
        });
        self.alive -= 1;
        self.capacity_changed(now);
    }

    pub(super) fn remove_from_service(&mut self, i: usize, now: SimTime) {
        self.in_service.retain(|&j| j as usize != i);
        self.capacity_changed(now);
    }

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
                let i = self.instances.len() as u32;
                let warmup = self.policy.warmup();
                self.instances
                    .push(Instance::launch(now, State::Booting, warmup));
                let boot =
                    SimDuration::from_secs_f64(self.cfg.boot_time.sample(&mut self.boot_rng));
                sched.schedule_in(boot, FleetEvent::Ready { instance: i });
                self.alive += 1;
            }
            self.peak = self.peak.max(self.alive);
            self.capacity_changed(now);
        } else {
            for _ in new..self.desired {
                self.retire_one(sched);
            }
        }
        self.desired = new;
    }

    /// Retire one instance: a booting one if any (the newest), else the in-service one with the
    /// fewest requests in flight (the newest on ties), which drains.
    pub(super) fn retire_one(&mut self, sched: &mut Scheduler<FleetEvent>) {
        let now = sched.now();
        let booting = (0..self.instances.len())
            .rev()
            .find(|&i| self.instances[i].state == State::Booting);
        if let Some(i) = booting {
            self.terminate(i, now);
            return;
        }
        let Some(&i) = self
            .in_service
            .iter()
            .min_by_key(|&&i| (self.instances[i as usize].in_flight, std::cmp::Reverse(i)))
        else {
            return;
        };
        let i = i as usize;
        self.remove_from_service(i, now);
        self.instances[i].state = State::Draining;
        if self.instances[i].in_flight == 0 {
            self.terminate(i, now);
        } else {
            sched.schedule_in(
                self.cfg.deregistration_delay,
                FleetEvent::DrainDeadline { instance: i as u32 },
            );
        }
    }

    pub(super) fn capacity(&self, now: SimTime) -> Capacity {
        let mut c = Capacity {
            desired: self.desired,
            min: self.min,
            max: self.max,
            ..Capacity::default()
        };
        for inst in &self.instances {
            match inst.state {
                State::Booting => c.booting += 1,
                State::InService if !is_warm(inst, now) => c.warming += 1,
                State::InService => c.in_service += 1,
                State::Draining => c.draining += 1,
                State::Terminated => {}
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
        self.instances
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
        for i in 0..self.instances.len() {
            if self.instances[i].state != State::Terminated {
                self.advance_cpu(i, now);
            }
        }
        let pods = self.pods(now);
        let (mut cpu_used, mut cpu_available) = (0.0, 0.0);
        for inst in &mut self.instances {
            if inst.state == State::Terminated {
                continue;
            }
            if let (State::InService, Some(since)) = (inst.state, inst.in_service_since)
                && is_warm(inst, now)
            {
                cpu_used += inst.period_cpu_core_s;
                cpu_available += self.cfg.vcpus
                    * now
                        .saturating_since(since.max(self.period_start))
                        .as_secs_f64();
            }
            inst.period_cpu_core_s = 0.0;
        }
        let targets = self.in_service.len();
        let in_flight: u64 = self.requests_in_flight();
        let datapoint = Datapoint {
            end_s: now.as_secs_f64(),
            cpu_utilisation: (cpu_available > 0.0).then(|| cpu_used / cpu_available),
            requests_per_target: (targets > 0)
                .then(|| self.period_arrivals as f64 / targets as f64),
            in_flight,
            queue_length: self.queue.len() as u64,
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

/// Whether an instance is in service and past its warm-up.
fn is_warm(inst: &Instance, now: SimTime) -> bool {
    inst.warm_from().is_some_and(|t| t <= now)
}
