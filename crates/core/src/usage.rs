//! Usage: what a run consumed, as provider-neutral facts that a bill is made from.
//!
//! Platforms record facts — per invocation its run time (µs), configured and observed memory;
//! per instance its launch and end; requests per hour where a product bills per hour — and the
//! [`Meter`] the product chose applies the provider's rounding (1 ms, 100 ms, 1 s with a 60 s
//! minimum, 128 MB steps). `billing/` reads these types and nothing of the platforms; nothing here
//! knows the engine (times are integer microseconds).
//!
//! MB·ms → GB-s happens in one place, [`gb_s`].

/// Microseconds in an hour.
pub const HOUR_US: u64 = 3_600_000_000;

/// MB·ms in one GB-s: 1 GB = 1,024 MB (as AWS Lambda counts GB-seconds of configured memory),
/// 1 s = 1,000 ms.
pub const MB_MS_PER_GB_S: f64 = 1_024_000.0;

/// MB·ms → GB-s, the one conversion every caller uses. MB·ms stay exact integers while a run
/// goes on; this single division rounds once.
#[inline]
pub fn gb_s(mb_ms: u128) -> f64 {
    mb_ms as f64 / MB_MS_PER_GB_S
}

/// A provider's metering rule: how a run time (and the memory an invocation had) becomes a
/// billed quantity. Chosen by the product (its [`crate::offering`]); applied in O(1) per
/// invocation by enum dispatch, without allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Meter {
    /// Run time rounded up to a whole millisecond, × configured memory: AWS Lambda (1 ms
    /// billing granularity since 2020-12, INIT included).
    Millisecond,
    /// Run time rounded up to 100 ms, × configured memory: Google Cloud Functions 1st gen.
    HundredMilliseconds,
    /// Run time rounded up to a millisecond with a 100 ms minimum, × observed memory rounded up
    /// to 128 MB steps: Azure Functions on the Consumption plan.
    ObservedMemory128,
    /// Run time rounded up to a whole second, at least 60 s per run: EC2 Linux on-demand
    /// (per-second billing since 2017-10-02,
    /// aws.amazon.com/about-aws/whats-new/2017/10/announcing-amazon-ec2-per-second-billing/).
    SecondWithMinuteMinimum,
}

impl Meter {
    /// The billed time of one run of `run_us` µs, µs.
    #[inline]
    pub fn billed_us(self, run_us: u64) -> u64 {
        match self {
            Meter::Millisecond => run_us.div_ceil(1_000) * 1_000,
            Meter::HundredMilliseconds => run_us.div_ceil(100_000) * 100_000,
            Meter::ObservedMemory128 => run_us.div_ceil(1_000).max(100) * 1_000,
            Meter::SecondWithMinuteMinimum => run_us.div_ceil(1_000_000).max(60) * 1_000_000,
        }
    }

    /// The billed memory of an invocation configured with `configured_mb` that used
    /// `observed_mb`, MB.
    #[inline]
    pub fn billed_mb(self, configured_mb: u32, observed_mb: u32) -> u32 {
        match self {
            Meter::ObservedMemory128 => observed_mb.div_ceil(128).max(1) * 128,
            _ => configured_mb,
        }
    }

    /// The billed MB·ms of one invocation that ran `run_us` µs (see [`Meter::billed_us`] and
    /// [`Meter::billed_mb`]).
    #[inline]
    pub fn invocation_mb_ms(self, run_us: u64, configured_mb: u32, observed_mb: u32) -> u128 {
        u128::from(self.billed_us(run_us) / 1_000)
            * u128::from(self.billed_mb(configured_mb, observed_mb))
    }

    /// Billed instance-seconds of `runs` over a period whose usage is the horizon's × `scale`
    /// (1 for the horizon itself; see [`crate::billing::Period::usage_scale`]).
    ///
    /// A projection repeats the horizon's finished runs (minimum and all) `scale` times, but a
    /// run still going at the horizon simply keeps going: its seconds scale, its one minimum
    /// does not (else a 30 s horizon would bill a fixed fleet's month twice over).
    pub fn instance_seconds(self, runs: &[InstanceRun], scale: f64) -> f64 {
        let minimum_s = self.billed_us(0) as f64 / 1e6;
        let finished_s: u64 = runs
            .iter()
            .filter(|r| !r.running_at_end)
            .map(|r| self.billed_us(r.run_us()) / 1_000_000)
            .sum();
        let running_s: f64 = runs
            .iter()
            .filter(|r| r.running_at_end)
            .map(|r| (r.run_us() as f64 / 1e6 * scale).max(minimum_s))
            .map(|s| if scale == 1.0 { s.ceil() } else { s })
            .sum();
        finished_s as f64 * scale + running_s
    }
}

/// Function invocations, metered as they start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Invocations {
    /// The rule that turns run times into billed MB·ms.
    pub meter: Meter,
    /// The configured memory, MB, when every function has the same (else `None`).
    pub memory_mb: Option<u32>,
    /// Invocations started (throttled requests are not invocations).
    pub invocations: u64,
    /// Σ billed MB·ms over invocations ([`Meter::invocation_mb_ms`]).
    pub mb_ms: u128,
    /// Requests that reached the product, throttled ones included: what a gateway in front of
    /// it meters.
    pub front_door_requests: u64,
}

impl Invocations {
    /// No invocations yet, metered by `meter`; `memory_mb` as [`Invocations::memory_mb`].
    pub fn new(meter: Meter, memory_mb: Option<u32>) -> Self {
        Invocations {
            meter,
            memory_mb,
            invocations: 0,
            mb_ms: 0,
            front_door_requests: 0,
        }
    }

    /// Meter one invocation that runs `run_us` µs (INIT included) configured with
    /// `configured_mb` and using `observed_mb`; returns its billed MB·ms.
    #[inline]
    pub fn record(&mut self, run_us: u64, configured_mb: u32, observed_mb: u32) -> u128 {
        let mb_ms = self
            .meter
            .invocation_mb_ms(run_us, configured_mb, observed_mb);
        self.invocations += 1;
        self.mb_ms += mb_ms;
        mb_ms
    }

    /// Billed GB-seconds ([`gb_s`] of [`Invocations::mb_ms`]).
    pub fn gb_s(&self) -> f64 {
        gb_s(self.mb_ms)
    }
}

/// One instance's run, launch to termination (or the horizon).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstanceRun {
    /// Launch, µs since the start of the run.
    pub launch_us: u64,
    /// Termination (or the horizon), µs since the start of the run.
    pub end_us: u64,
    /// Whether it was still running at the horizon (cut by it, not terminated).
    pub running_at_end: bool,
}

impl InstanceRun {
    /// Its length, µs.
    pub fn run_us(&self) -> u64 {
        self.end_us - self.launch_us
    }
}

/// What a fleet of instances of one machine type consumed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Instances {
    /// Every launch: terminated ones in the order they ended, then those still running at the
    /// horizon.
    pub runs: Vec<InstanceRun>,
    /// Requests that reached the fleet's front door in each hour of the horizon (the last may be
    /// partial): what an hourly-billed load balancer meters.
    pub requests_by_hour: Vec<u64>,
}

/// Instance-seconds of one machine type (SKU) in each hour of a run: the dimension a
/// commitment (reserved instance, savings plan) is matched against.
#[derive(Clone, Debug, PartialEq)]
pub struct InstanceHours {
    /// The machine type, e.g. `m7g.large`.
    pub sku: &'static str,
    /// Seconds of instance time in hour `i` of the run (at most 3,600 × instances).
    pub seconds_by_hour: Vec<f64>,
}

impl Instances {
    /// The runs' seconds per hour, as instances of `sku` (unrounded: the meter applies per run).
    pub fn hours(&self, sku: &'static str) -> InstanceHours {
        let last_us = self.runs.iter().map(|r| r.end_us).max().unwrap_or(0);
        let mut seconds_by_hour = vec![0.0; last_us.div_ceil(HOUR_US) as usize];
        for r in &self.runs {
            let mut t = r.launch_us;
            while t < r.end_us {
                let hour = t / HOUR_US;
                let end = r.end_us.min((hour + 1) * HOUR_US);
                seconds_by_hour[hour as usize] += (end - t) as f64 / 1e6;
                t = end;
            }
        }
        InstanceHours {
            sku,
            seconds_by_hour,
        }
    }
}

/// What a load balancer handled in one hour of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BalancerHour {
    /// Requests that reached it.
    pub requests: u64,
    /// Connections clients opened (requests ÷ requests per connection).
    pub new_connections: f64,
    /// Connection-seconds of the connections opened in the hour (each open for the connection
    /// duration); ÷ 3,600 s it is the mean number of active connections.
    pub connection_s: f64,
    /// Bytes of requests and responses processed.
    pub processed_bytes: f64,
    /// Listener rule evaluations (requests × rules, before any allowance).
    pub rule_evaluations: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meters_round_as_their_providers_do() {
        // 1.0004 s on 512 MB: Lambda bills 1,001 ms, GCF gen1 1,100 ms.
        assert_eq!(
            Meter::Millisecond.invocation_mb_ms(1_000_400, 512, 90),
            1_001 * 512
        );
        assert_eq!(
            Meter::HundredMilliseconds.invocation_mb_ms(1_000_400, 512, 90),
            1_100 * 512
        );
        // Azure: 30 ms → the 100 ms minimum, 90 MB observed → 128 MB; 200 MB → 256 MB.
        assert_eq!(
            Meter::ObservedMemory128.invocation_mb_ms(30_000, 512, 90),
            100 * 128
        );
        assert_eq!(Meter::ObservedMemory128.billed_mb(512, 200), 256);
        // EC2: 30 s → 60 s; 61.2 s → 62 s.
        assert_eq!(
            Meter::SecondWithMinuteMinimum.billed_us(30_000_000),
            60_000_000
        );
        assert_eq!(
            Meter::SecondWithMinuteMinimum.billed_us(61_200_000),
            62_000_000
        );
        assert_eq!(gb_s(1_024_000), 1.0);
    }

    #[test]
    fn instance_seconds_scale_running_time_not_minimums() {
        let runs = [
            InstanceRun {
                launch_us: 0,
                end_us: 10_000_000,
                running_at_end: false,
            },
            InstanceRun {
                launch_us: 0,
                end_us: 30_000_000,
                running_at_end: true,
            },
        ];
        let m = Meter::SecondWithMinuteMinimum;
        // Horizon: 60 + 60. Twice the horizon: 60 × 2 for the finished run, 30 s × 2 = 60 for the
        // one still running (its minimum once).
        assert_eq!(m.instance_seconds(&runs, 1.0), 120.0);
        assert_eq!(m.instance_seconds(&runs, 2.0), 180.0);
    }

    #[test]
    fn hours_split_runs_at_hour_boundaries() {
        let usage = Instances {
            runs: vec![InstanceRun {
                launch_us: HOUR_US - 1_000_000,
                end_us: HOUR_US + 2_000_000,
                running_at_end: true,
            }],
            requests_by_hour: Vec::new(),
        };
        let h = usage.hours("m7g.large");
        assert_eq!(h.seconds_by_hour, vec![1.0, 2.0]);
    }
}
