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
    /// to 128 MB steps, at least 128 MB and at most the configured memory (the instance's):
    /// Azure Functions on the Consumption plan ("rounding up to the nearest 128 MB, up to the
    /// maximum memory size of 1,536 MB, with execution time calculated by rounding up to the
    /// nearest 1 ms. The minimum execution time and memory for a single function execution is
    /// 100 ms and 128 mb respectively": the Functions meter as Microsoft's Azure Stack usage FAQ
    /// quotes the pricing page, MicrosoftDocs/azure-docs, 2018-03-09; read 2026-11-30).
    ObservedMemory128,
    /// Run time rounded up to 100 ms with a 1,000 ms minimum, × configured memory: Azure
    /// Functions' Flex Consumption plan, one instance's active period at a time ("The minimum
    /// billable execution period for both execution modes is 1,000 ms. Past that, the billable
    /// activity period is rounded up to the nearest 100 ms": flex-consumption-plan.md,
    /// MicrosoftDocs/azure-docs, 2025-05-12; read 2026-11-30).
    HundredMillisecondsWithSecondMinimum,
    /// Run time rounded up to a whole second, at least 60 s per run: EC2 Linux on-demand
    /// (per-second billing since 2017-10-02,
    /// aws.amazon.com/about-aws/whats-new/2017/10/announcing-amazon-ec2-per-second-billing/).
    SecondWithMinuteMinimum,
    /// Run time rounded up to a whole second, at least 300 s per run: Azure virtual machines
    /// (per-second billing with a 5-minute minimum from 2025-06-01, Microsoft's notice as
    /// quoted at learn.microsoft.com/en-us/answers/questions/2259765, read 2026-11-30). Not
    /// confirmed by a Microsoft page: a 2026 transcription of Azure's VM pricing FAQ says
    /// full minutes are billed; the price book's `vm_billing` source records both. The two
    /// differ by less than a minute per run beyond the first five.
    SecondWithFiveMinuteMinimum,
}

impl Meter {
    /// The billed time of one run of `run_us` µs, µs.
    #[inline]
    pub fn billed_us(self, run_us: u64) -> u64 {
        match self {
            Meter::Millisecond => run_us.div_ceil(1_000) * 1_000,
            Meter::HundredMilliseconds => run_us.div_ceil(100_000) * 100_000,
            Meter::ObservedMemory128 => run_us.div_ceil(1_000).max(100) * 1_000,
            Meter::HundredMillisecondsWithSecondMinimum => {
                run_us.div_ceil(100_000).max(10) * 100_000
            }
            Meter::SecondWithMinuteMinimum => run_us.div_ceil(1_000_000).max(60) * 1_000_000,
            Meter::SecondWithFiveMinuteMinimum => run_us.div_ceil(1_000_000).max(300) * 1_000_000,
        }
    }

    /// The billed memory of an invocation configured with `configured_mb` that used
    /// `observed_mb`, MB. [`Meter::ObservedMemory128`] bills what was observed, in 128 MB steps,
    /// never more than `configured_mb` (the instance's memory, the cap).
    #[inline]
    pub fn billed_mb(self, configured_mb: u32, observed_mb: u32) -> u32 {
        match self {
            Meter::ObservedMemory128 => (observed_mb.div_ceil(128).max(1) * 128).min(configured_mb),
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocations {
    /// The rule that turns run times into billed MB·ms.
    pub meter: Meter,
    /// The configured memory, MB, when every function has the same (else `None`).
    pub memory_mb: Option<u32>,
    /// Invocations started (throttled requests are not invocations).
    pub invocations: u64,
    /// Σ billed MB·ms over invocations ([`Meter::invocation_mb_ms`]).
    pub mb_ms: u128,
    /// Billed MB·ms by hour of the run: entry `h` sums the invocations that started in hour
    /// `h` ([`HOUR_US`]) — what a savings plan is matched against hour by hour. As long as the
    /// last hour an invocation started in (empty without invocations); it sums to
    /// [`Invocations::mb_ms`]. Kept only when [`Invocations::by_hour`] is set (empty otherwise).
    pub mb_ms_by_hour: Vec<u128>,
    /// Whether [`Invocations::mb_ms_by_hour`] is kept: by a product whose bill needs it (a
    /// savings plan), so that the others pay nothing for it on each invocation.
    pub by_hour: bool,
    /// Requests that reached the product, throttled ones included: what a gateway in front of
    /// it meters.
    pub front_door_requests: u64,
    /// Provisioned concurrency, when the functions have some configured (else `None`).
    pub provisioned: Option<ProvisionedUsage>,
}

impl Invocations {
    /// No invocations yet, metered by `meter`; `memory_mb` as [`Invocations::memory_mb`].
    pub fn new(meter: Meter, memory_mb: Option<u32>) -> Self {
        Invocations {
            meter,
            memory_mb,
            invocations: 0,
            mb_ms: 0,
            mb_ms_by_hour: Vec::new(),
            by_hour: false,
            front_door_requests: 0,
            provisioned: None,
        }
    }

    /// Meter one invocation that starts `start_us` µs into the run and runs `run_us` µs
    /// (INIT included), configured with `configured_mb` and using `observed_mb`; returns its
    /// billed MB·ms.
    ///
    /// Called once per invocation: besides the meter, when kept by hour, one division (the hour
    /// of `start_us`), one bounds check and one add (the vector grows once an hour of the run).
    #[inline]
    pub fn record(
        &mut self,
        start_us: u64,
        run_us: u64,
        configured_mb: u32,
        observed_mb: u32,
    ) -> u128 {
        let mb_ms = self
            .meter
            .invocation_mb_ms(run_us, configured_mb, observed_mb);
        self.invocations += 1;
        self.mb_ms += mb_ms;
        if self.by_hour {
            add_to_hour(&mut self.mb_ms_by_hour, start_us, mb_ms);
        }
        mb_ms
    }

    /// Billed GB-seconds ([`gb_s`] of [`Invocations::mb_ms`]).
    pub fn gb_s(&self) -> f64 {
        gb_s(self.mb_ms)
    }
}

/// Add `mb_ms` to the hour of `start_us` in `by_hour`, growing it as needed.
#[inline]
fn add_to_hour(by_hour: &mut Vec<u128>, start_us: u64, mb_ms: u128) {
    let h = (start_us / HOUR_US) as usize;
    if h >= by_hour.len() {
        by_hour.resize(h + 1, 0);
    }
    by_hour[h] += mb_ms;
}

/// How long AWS bills each period of provisioned concurrency at least, and the step it rounds
/// up to: 5 minutes ("rounded up to the nearest 5 minutes", aws.amazon.com/lambda/pricing,
/// Provisioned Concurrency; read through the reference file §1.1, 2026-05).
pub const PROVISIONED_STEP_US: u64 = 300_000_000;

/// One period at one level of provisioned concurrency of one function: from when the level was
/// configured (enabled or changed) to when it changed again (or was disabled, or the horizon).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProvisionedPeriod {
    /// Level × configured memory: environments × MB.
    pub mb: u64,
    /// When the level was configured, µs since the start of the run.
    pub start_us: u64,
    /// When it changed (or the horizon), µs since the start of the run.
    pub end_us: u64,
    /// Whether it was still configured at the horizon (cut by it, not changed).
    pub running_at_end: bool,
}

/// What provisioned concurrency consumed: the configured periods, and the duration of the
/// invocations that ran on provisioned environments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProvisionedUsage {
    /// Every period at a level above 0, of every function: ended ones in the order they ended,
    /// then those still configured at the horizon.
    pub periods: Vec<ProvisionedPeriod>,
    /// Σ billed MB·ms of the invocations that ran on provisioned environments (a part of
    /// [`Invocations::mb_ms`]; no INIT: they were initialised ahead).
    pub mb_ms: u128,
    /// [`ProvisionedUsage::mb_ms`] by hour of the run, by each invocation's start (as
    /// [`Invocations::mb_ms_by_hour`], of which it is a part hour by hour).
    pub mb_ms_by_hour: Vec<u128>,
    /// Invocations that ran on provisioned environments.
    pub invocations: u64,
}

impl ProvisionedUsage {
    /// Count one invocation on a provisioned environment that started `start_us` µs into the
    /// run and was billed `mb_ms` ([`Invocations::record`] metered it).
    #[inline]
    pub fn record(&mut self, start_us: u64, mb_ms: u128) {
        self.mb_ms += mb_ms;
        self.invocations += 1;
        add_to_hour(&mut self.mb_ms_by_hour, start_us, mb_ms);
    }

    /// Configured GB-s in each hour of the run ([`HOUR_US`]), `hours` entries: each period's
    /// level × memory spread over the hours it spans, unrounded (the 5-minute rounding of
    /// [`ProvisionedUsage::configured_gb_s`] is left out here; a period's part past `hours`
    /// is dropped). What a savings plan is matched against hour by hour.
    pub fn configured_gb_s_by_hour(&self, hours: usize) -> Vec<f64> {
        let mut by_hour = vec![0.0; hours];
        for p in &self.periods {
            let mut t = p.start_us;
            while t < p.end_us {
                let h = (t / HOUR_US) as usize;
                let end = p.end_us.min((t / HOUR_US + 1) * HOUR_US);
                if let Some(slot) = by_hour.get_mut(h) {
                    *slot += p.mb as f64 * (end - t) as f64 / 1_000.0 / MB_MS_PER_GB_S;
                }
                t = end;
            }
        }
        by_hour
    }

    /// Configured GB-s over a period whose usage is the horizon's × `scale` (1 for the horizon
    /// itself; see [`crate::billing::Period::usage_scale`]): each period's level × memory × its
    /// length rounded up to whole 5 minutes ([`PROVISIONED_STEP_US`]).
    ///
    /// As [`Meter::instance_seconds`] does for instances, a projection repeats the periods that
    /// ended, rounding and all, `scale` times, while a period still configured at the horizon
    /// simply goes on: its length scales, and is rounded once (for the horizon itself; over a
    /// month the one rounding of at most 5 minutes is left out).
    pub fn configured_gb_s(&self, scale: f64) -> f64 {
        let rounded = |us: u64| us.div_ceil(PROVISIONED_STEP_US) * PROVISIONED_STEP_US;
        let mut ended_mb_ms: u128 = 0;
        let mut running_mb_ms = 0.0;
        for p in &self.periods {
            let len = p.end_us - p.start_us;
            if !p.running_at_end {
                ended_mb_ms += u128::from(p.mb) * u128::from(rounded(len) / 1_000);
            } else if scale == 1.0 {
                running_mb_ms += (u128::from(p.mb) * u128::from(rounded(len) / 1_000)) as f64;
            } else {
                running_mb_ms += p.mb as f64 * len as f64 / 1_000.0 * scale;
            }
        }
        gb_s(ended_mb_ms) * scale + running_mb_ms / MB_MS_PER_GB_S
    }

    /// Billed GB-s of the invocations on provisioned environments ([`gb_s`] of `mb_ms`).
    pub fn duration_gb_s(&self) -> f64 {
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
    /// Whether the provider ended it (a spot interruption), not the fleet: some providers do
    /// not bill such a run when it was short (see the products' spot rules).
    pub interrupted: bool,
}

impl InstanceRun {
    /// A run from `launch_us` to `end_us` that ended before the horizon, by the provider
    /// (`interrupted`: a spot interruption) or by its owner.
    pub fn ended(launch_us: u64, end_us: u64, interrupted: bool) -> Self {
        InstanceRun {
            launch_us,
            end_us,
            running_at_end: false,
            interrupted,
        }
    }

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

/// What a service of serverless containers consumed (Cloud Run, Knative, Azure Functions):
/// its instances' runs, their active time as the product's meter rounds it, its minimum
/// instances' time, its requests, and, where a product bills executions one by one, those.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ContainerUsage {
    /// Every instance's run, launch to termination (or the horizon): what instance-based
    /// billing and nodes meter.
    pub runs: Vec<InstanceRun>,
    /// Billed active time of instances started on demand, µs: each period in which an
    /// instance was starting (where the product bills startup) or had at least one request in
    /// flight, rounded up by the product's meter one period at a time.
    pub active_us: u64,
    /// The same on the minimum (always-ready) instances, µs.
    pub min_active_us: u64,
    /// Time the minimum instances were alive, µs.
    pub min_alive_us: u64,
    /// Time the minimum instances were alive and not in a billed active period, µs (their life
    /// less their rounded active time: no instant is billed twice).
    pub min_idle_us: u64,
    /// Requests that reached the service (what a per-request fee counts).
    pub requests: u64,
    /// Requests that started running on an instance, those still running at the horizon
    /// included (what Azure Functions counts as executions: a request that timed out waiting
    /// never ran).
    pub started: u64,
    /// Requests that completed by the horizon (each sent its response: what data transfer out
    /// counts).
    pub completed: u64,
    /// Executions metered one by one (Azure Functions' Consumption plan), if the product
    /// asked.
    pub executions: Option<Invocations>,
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

impl InstanceHours {
    /// Instance-hours in each hour (its seconds ÷ 3,600): what the commitment advisor reads.
    pub fn instance_hours(&self) -> Vec<f64> {
        self.seconds_by_hour.iter().map(|s| s / 3_600.0).collect()
    }
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

    /// [`Instances::hours`] as `meter` bills them: each run's seconds in the hours it spans,
    /// and its billed extra — the meter's rounding up and its minimum ([`Meter::billed_us`]:
    /// a 10 s run bills 60 s on EC2) — in the hour it ends in. Over the horizon they add up to
    /// `meter.instance_seconds(&self.runs, 1.0)`.
    ///
    /// The usage a reservation or savings plan is applied to: AWS applies it to each hour's
    /// billed usage (EC2 user guide, "How Reserved Instances are applied", read 2026-11), so
    /// the minimum of a short run is covered where the commitment has room in its hour.
    pub fn billed_hours(&self, meter: Meter, sku: &'static str) -> InstanceHours {
        let mut hours = self.hours(sku);
        for r in &self.runs {
            let extra_us = meter.billed_us(r.run_us()) - r.run_us();
            if extra_us == 0 {
                continue;
            }
            let hour = (r.end_us.saturating_sub(1) / HOUR_US) as usize;
            if hours.seconds_by_hour.len() <= hour {
                hours.seconds_by_hour.resize(hour + 1, 0.0);
            }
            hours.seconds_by_hour[hour] += extra_us as f64 / 1e6;
        }
        hours
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
        // ... at most the instance's memory: 1,600 MB observed on a 1,536 MB instance bills
        // 1,536 MB (not ⌈1,600 / 128⌉ × 128 = 1,664); 1,500 MB rounds up to 1,536 MB, the cap
        // itself; nothing observed still bills the 128 MB minimum.
        assert_eq!(Meter::ObservedMemory128.billed_mb(1_536, 1_600), 1_536);
        assert_eq!(Meter::ObservedMemory128.billed_mb(1_536, 1_500), 1_536);
        assert_eq!(Meter::ObservedMemory128.billed_mb(1_536, 0), 128);
        // 2 s at 1,664 MB observed on a 1,536 MB instance: 2,000 ms × 1,536 MB.
        assert_eq!(
            Meter::ObservedMemory128.invocation_mb_ms(2_000_000, 1_536, 1_664),
            2_000 * 1_536
        );
        // Azure Flex Consumption: 0.3 s → the 1,000 ms minimum; 1.05 s → 1.1 s; 1.45 s → 1.5 s;
        // exactly 1 s stays 1 s; memory is the configured (instance) memory.
        let flex = Meter::HundredMillisecondsWithSecondMinimum;
        assert_eq!(flex.billed_us(300_000), 1_000_000);
        assert_eq!(flex.billed_us(1_050_000), 1_100_000);
        assert_eq!(flex.billed_us(1_450_000), 1_500_000);
        assert_eq!(flex.billed_us(1_000_000), 1_000_000);
        assert_eq!(flex.billed_mb(2_048, 200), 2_048);
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
                interrupted: false,
            },
            InstanceRun {
                launch_us: 0,
                end_us: 30_000_000,
                running_at_end: true,
                interrupted: false,
            },
        ];
        let m = Meter::SecondWithMinuteMinimum;
        // Horizon: 60 + 60. Twice the horizon: 60 × 2 for the finished run, 30 s × 2 = 60 for the
        // one still running (its minimum once).
        assert_eq!(m.instance_seconds(&runs, 1.0), 120.0);
        assert_eq!(m.instance_seconds(&runs, 2.0), 180.0);
    }

    /// 2 environments × 1,024 MB for 61 minutes bill 65 minutes: 2 × 1 GB × 3,900 s = 7,800
    /// GB-s; one still configured at the horizon after 10 s bills 5 minutes (300 GB-s at 1 GB)
    /// on the horizon's bill, and 10 s × 3 = 30 GB-s over three horizons, where the ended
    /// period bills 3 × 7,800.
    #[test]
    fn provisioned_periods_round_up_to_five_minutes() {
        let period = |mb, start_s: u64, end_s: u64, running_at_end| ProvisionedPeriod {
            mb,
            start_us: start_s * 1_000_000,
            end_us: end_s * 1_000_000,
            running_at_end,
        };
        let mut usage = ProvisionedUsage {
            periods: vec![period(2_048, 0, 61 * 60, false)],
            ..ProvisionedUsage::default()
        };
        assert_eq!(usage.configured_gb_s(1.0), 7_800.0);
        usage.periods.push(period(1_024, 3_660, 3_670, true));
        assert_eq!(usage.configured_gb_s(1.0), 7_800.0 + 300.0);
        assert_eq!(usage.configured_gb_s(3.0), 3.0 * 7_800.0 + 30.0);
        // Exactly 5 minutes is not rounded further.
        let exact = ProvisionedUsage {
            periods: vec![period(1_024, 0, 300, false)],
            ..ProvisionedUsage::default()
        };
        assert_eq!(exact.configured_gb_s(1.0), 300.0);
    }

    /// EC2's meter: a run of 10 s from 0:00 bills 60 s (the minimum), its 50 s extra in hour 0:
    /// 60 s there. A run 59:59.5–1:01:00.25 (60.75 s) bills 61 s: 0.5 s in hour 0, 60.25 s in
    /// hour 1 plus its 0.25 s extra where it ends. Hours: 60 + 0.5 = 60.5 s and 60.25 + 0.25 =
    /// 60.5 s; in all 121 s = 60 + 61, what `instance_seconds` bills.
    #[test]
    fn billed_hours_put_the_minimum_in_the_hour_a_run_ends() {
        let usage = Instances {
            runs: vec![
                InstanceRun {
                    launch_us: 0,
                    end_us: 10_000_000,
                    running_at_end: false,
                    interrupted: false,
                },
                InstanceRun {
                    launch_us: HOUR_US - 500_000,
                    end_us: HOUR_US + 60_250_000,
                    running_at_end: false,
                    interrupted: false,
                },
            ],
            requests_by_hour: Vec::new(),
        };
        let m = Meter::SecondWithMinuteMinimum;
        let h = usage.billed_hours(m, "m7g.large");
        assert_eq!(h.seconds_by_hour, vec![60.5, 60.5]);
        assert_eq!(m.instance_seconds(&usage.runs, 1.0), 121.0);
    }

    /// Invocations are kept by the hour they start in, whole (one running across the hour
    /// stays in its first): 2 s at 512 MB at 0 s and at 3,599.5 s are 1,024,000 MB·ms each in
    /// hour 0; 1 s at 3 h is 512,000 in hour 3, hours 1 and 2 empty.
    #[test]
    fn invocations_are_kept_by_the_hour_they_start() {
        let mut usage = Invocations::new(Meter::Millisecond, Some(512));
        usage.by_hour = true;
        usage.record(0, 2_000_000, 512, 100);
        usage.record(HOUR_US - 500_000, 2_000_000, 512, 100);
        usage.record(3 * HOUR_US, 1_000_000, 512, 100);
        assert_eq!(usage.mb_ms_by_hour, [2_048_000, 0, 0, 512_000]);
        assert_eq!(usage.mb_ms_by_hour.iter().sum::<u128>(), usage.mb_ms);
    }

    /// 2 GB configured from 30 min to 1 h 30 min: 1,800 s × 2 GB = 3,600 GB-s in each of hours
    /// 0 and 1; asked for one hour only, the second hour's part is dropped.
    #[test]
    fn configured_gb_s_are_spread_over_the_hours_a_period_spans() {
        let usage = ProvisionedUsage {
            periods: vec![ProvisionedPeriod {
                mb: 2_048,
                start_us: HOUR_US / 2,
                end_us: 3 * HOUR_US / 2,
                running_at_end: false,
            }],
            ..ProvisionedUsage::default()
        };
        assert_eq!(usage.configured_gb_s_by_hour(3), [3_600.0, 3_600.0, 0.0]);
        assert_eq!(usage.configured_gb_s_by_hour(1), [3_600.0]);
    }

    #[test]
    fn hours_split_runs_at_hour_boundaries() {
        let usage = Instances {
            runs: vec![InstanceRun {
                launch_us: HOUR_US - 1_000_000,
                end_us: HOUR_US + 2_000_000,
                running_at_end: true,
                interrupted: false,
            }],
            requests_by_hour: Vec::new(),
        };
        let h = usage.hours("m7g.large");
        assert_eq!(h.seconds_by_hour, vec![1.0, 2.0]);
    }
}
