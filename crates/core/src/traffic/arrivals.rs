//! Arrival processes: when requests arrive.

use rand::RngExt;
use rand_distr::{Distribution, Exp1};

use super::calendar::Calendar;
use crate::engine::{BLOCK, BlockSeed, MICROS_PER_SEC, SimRng, SimTime};

const HOUR_S: f64 = 3_600.0;
const DAY_S: f64 = 86_400.0;

/// How requests arrive. Rates are validated finite and non-negative, with some positive rate.
#[derive(Clone, Debug, PartialEq)]
pub enum ArrivalProcess {
    /// Homogeneous Poisson process.
    Poisson {
        /// Mean arrivals per second.
        rate_per_s: f64,
    },
    /// Non-homogeneous Poisson process whose rate is constant within each hour of the day and
    /// repeats every 24 hours.
    Hourly {
        /// Rate in each hour 0..24 of the day.
        rates_per_s: [f64; 24],
    },
    /// Non-homogeneous Poisson process with a smooth daily cycle:
    /// `min + (max − min)·(1 + cos(2π(h − peak)/24))/2` at hour of day `h`.
    DailyCycle {
        /// Rate at the quietest moment.
        min_rate_per_s: f64,
        /// Rate at the peak.
        max_rate_per_s: f64,
        /// Hour of day (0–24, fractional allowed) of the peak.
        peak_hour: f64,
    },
    /// Two-state Markov-modulated Poisson process: a base state and a burst state, each lasting
    /// an exponentially distributed time.
    Bursty {
        /// Rate in the base state.
        base_rate_per_s: f64,
        /// Rate in the burst state.
        burst_rate_per_s: f64,
        /// Mean time spent in the base state, seconds.
        mean_base_s: f64,
        /// Mean time spent in the burst state, seconds.
        mean_burst_s: f64,
    },
    /// Poisson process whose rate changes at given times ("what if traffic jumps to 100/s at
    /// 09:00?"): each step's rate holds from its start to the next step's; 0 before the first.
    Steps {
        /// `(start, rate)` pairs: start in seconds (increasing), rate per second.
        steps: Vec<(f64, f64)>,
        /// `Some(p)`: the steps repeat every `p` seconds (a day), every start within `[0, p)`;
        /// before the first start of a period the last step of the period before holds (the
        /// first period's too: a daily pattern has no beginning).
        period_s: Option<f64>,
    },
    /// Evenly spaced arrivals starting at time zero (for tests and demonstrations).
    Even {
        /// Arrivals per second.
        rate_per_s: f64,
    },
    /// Arrivals at the listed times (sorted, seconds).
    List {
        /// Arrival times, seconds from the start, non-decreasing.
        at_s: Vec<f64>,
    },
    /// Another process whose rate is × the [`Calendar`]'s multiplier at each instant (a weekly
    /// pattern, a sale at a clock time). The base is a Poisson, hourly, daily-cycle, bursty or
    /// steps process (not even spacing or a list, which have no rate to modulate; not another
    /// modulated process).
    Modulated {
        /// The process modulated.
        base: Box<ArrivalProcess>,
        /// What multiplies its rate when.
        calendar: Calendar,
    },
}

impl ArrivalProcess {
    /// The same process with every rate × `m` (a volume multiplier: the shape kept, the volume
    /// scaled). A list of arrival times has no rate and comes back unchanged.
    pub fn scaled(self, m: f64) -> ArrivalProcess {
        match self {
            ArrivalProcess::Poisson { rate_per_s } => ArrivalProcess::Poisson {
                rate_per_s: rate_per_s * m,
            },
            ArrivalProcess::Even { rate_per_s } => ArrivalProcess::Even {
                rate_per_s: rate_per_s * m,
            },
            ArrivalProcess::Hourly { rates_per_s } => ArrivalProcess::Hourly {
                rates_per_s: rates_per_s.map(|r| r * m),
            },
            ArrivalProcess::DailyCycle {
                min_rate_per_s,
                max_rate_per_s,
                peak_hour,
            } => ArrivalProcess::DailyCycle {
                min_rate_per_s: min_rate_per_s * m,
                max_rate_per_s: max_rate_per_s * m,
                peak_hour,
            },
            ArrivalProcess::Bursty {
                base_rate_per_s,
                burst_rate_per_s,
                mean_base_s,
                mean_burst_s,
            } => ArrivalProcess::Bursty {
                base_rate_per_s: base_rate_per_s * m,
                burst_rate_per_s: burst_rate_per_s * m,
                mean_base_s,
                mean_burst_s,
            },
            ArrivalProcess::Steps { steps, period_s } => ArrivalProcess::Steps {
                steps: steps.into_iter().map(|(at, r)| (at, r * m)).collect(),
                period_s,
            },
            list @ ArrivalProcess::List { .. } => list,
            ArrivalProcess::Modulated { base, calendar } => ArrivalProcess::Modulated {
                base: Box::new(base.scaled(m)),
                calendar,
            },
        }
    }

    /// The highest rate the process reaches, per second (`None` for a list of times).
    pub fn peak_rate_per_s(&self) -> Option<f64> {
        match self {
            ArrivalProcess::Poisson { rate_per_s } | ArrivalProcess::Even { rate_per_s } => {
                Some(*rate_per_s)
            }
            ArrivalProcess::Hourly { rates_per_s } => {
                Some(rates_per_s.iter().copied().fold(0.0, f64::max))
            }
            ArrivalProcess::DailyCycle { max_rate_per_s, .. } => Some(*max_rate_per_s),
            ArrivalProcess::Bursty {
                base_rate_per_s,
                burst_rate_per_s,
                ..
            } => Some(base_rate_per_s.max(*burst_rate_per_s)),
            ArrivalProcess::Steps { steps, .. } => {
                Some(steps.iter().map(|&(_, r)| r).fold(0.0, f64::max))
            }
            ArrivalProcess::List { .. } => None,
            ArrivalProcess::Modulated { base, calendar } => base
                .peak_rate_per_s()
                .map(|p| p * calendar.max_multiplier()),
        }
    }

    /// Mean arrival rate over `[0, horizon_s)`, per second (the long-run mean for the cyclic and
    /// stationary processes).
    pub fn mean_rate_per_s(&self, horizon_s: f64) -> f64 {
        match self {
            ArrivalProcess::Poisson { rate_per_s } | ArrivalProcess::Even { rate_per_s } => {
                *rate_per_s
            }
            ArrivalProcess::Hourly { rates_per_s } => rates_per_s.iter().sum::<f64>() / 24.0,
            ArrivalProcess::DailyCycle {
                min_rate_per_s,
                max_rate_per_s,
                ..
            } => (min_rate_per_s + max_rate_per_s) / 2.0,
            ArrivalProcess::Bursty {
                base_rate_per_s,
                burst_rate_per_s,
                mean_base_s,
                mean_burst_s,
            } => {
                (base_rate_per_s * mean_base_s + burst_rate_per_s * mean_burst_s)
                    / (mean_base_s + mean_burst_s)
            }
            ArrivalProcess::Steps { .. } => self.expected_arrivals(0.0, horizon_s) / horizon_s,
            ArrivalProcess::List { at_s } => {
                at_s.iter().filter(|t| **t < horizon_s).count() as f64 / horizon_s
            }
            ArrivalProcess::Modulated { base, calendar } => {
                calendar
                    .pieces(0.0, horizon_s)
                    .map(|(a, b, m)| m * base.expected_arrivals(a, b))
                    .sum::<f64>()
                    / horizon_s
            }
        }
    }

    /// Expected arrivals in `[a, b)` (seconds, `a ≤ b`): the integral of the rate; the
    /// long-run mean rate × the span for the bursty process, whose state is random.
    pub fn expected_arrivals(&self, a: f64, b: f64) -> f64 {
        match self {
            ArrivalProcess::Poisson { rate_per_s } | ArrivalProcess::Even { rate_per_s } => {
                rate_per_s * (b - a)
            }
            ArrivalProcess::Bursty { .. } => self.mean_rate_per_s(b - a) * (b - a),
            ArrivalProcess::Hourly { rates_per_s } => {
                let mut sum = 0.0;
                let mut t = a;
                while t < b {
                    let hour = (t / HOUR_S).floor();
                    let end = ((hour + 1.0) * HOUR_S).min(b);
                    sum += rates_per_s[(hour as u64 % 24) as usize] * (end - t);
                    t = end;
                }
                sum
            }
            ArrivalProcess::DailyCycle {
                min_rate_per_s,
                max_rate_per_s,
                peak_hour,
            } => {
                // ∫ min + (max − min)(1 + cos(ωt − φ))/2 dt, ω = 2π/day, φ = 2π·peak/24.
                let w = 2.0 * std::f64::consts::PI / DAY_S;
                let phi = 2.0 * std::f64::consts::PI * peak_hour / 24.0;
                let amp = (max_rate_per_s - min_rate_per_s) / 2.0;
                (min_rate_per_s + amp) * (b - a)
                    + amp * ((w * b - phi).sin() - (w * a - phi).sin()) / w
            }
            ArrivalProcess::Steps { steps, period_s } => {
                let mut sum = 0.0;
                let mut t = a;
                while t < b {
                    let (rate, end) = steps_segment(steps, *period_s, t);
                    let end = end.min(b);
                    sum += rate * (end - t);
                    if end <= t {
                        break;
                    }
                    t = end;
                }
                sum
            }
            ArrivalProcess::List { at_s } => {
                at_s.iter().filter(|t| (a..b).contains(*t)).count() as f64
            }
            ArrivalProcess::Modulated { base, calendar } => calendar
                .pieces(a, b)
                .map(|(x, y, m)| m * base.expected_arrivals(x, y))
                .sum(),
        }
    }

    /// The arrival times this process generates from zero, in order, drawing from `seed`'s
    /// blocks ([`RngStreams::blocks`](crate::engine::RngStreams::blocks)).
    pub fn times(&self, seed: BlockSeed) -> ArrivalTimes<'_> {
        self.times_from(seed, SimTime::ZERO)
    }

    /// The arrival times this process generates at or after `start`, a multiple of [`BLOCK`]:
    /// exactly those [`ArrivalProcess::times`] generates there.
    ///
    /// Every process forgets its past at each block's start (Poisson pieces are memoryless;
    /// `even` and `list` have none), except the bursty one's state, which comes from a chain
    /// of its own replayed from zero (a few draws per burst, not per arrival).
    pub fn times_from(&self, seed: BlockSeed, start: SimTime) -> ArrivalTimes<'_> {
        let (process, calendar) = match self {
            ArrivalProcess::Modulated { base, calendar } => (&**base, Some(calendar)),
            other => (other, None),
        };
        let start_s = start.as_secs_f64();
        let index = match process {
            ArrivalProcess::Even { rate_per_s } if *rate_per_s > 0.0 => {
                let mut i = ((start_s * rate_per_s).floor() as u64).saturating_sub(1);
                while (i as f64 / rate_per_s) < start_s {
                    i += 1;
                }
                i
            }
            ArrivalProcess::List { at_s } => at_s.partition_point(|t| *t < start_s) as u64,
            _ => 0,
        };
        let mut times = ArrivalTimes {
            process,
            seed,
            rng: seed.rng(0),
            block: u64::MAX,
            block_end_s: 0.0,
            t_s: start_s,
            index,
            burst: None,
            burst_rng: seed.rng(BURST_CHAIN),
            calendar,
            scale: 1.0,
            calendar_ends_s: f64::INFINITY,
            piece_ends_s: f64::INFINITY,
        };
        times.move_to(start_s);
        times
    }
}

/// The block of a stream whose generator draws the bursty process's chain of states (never a
/// block of time: that would be 10¹⁵ years into a run).
const BURST_CHAIN: u64 = u64::MAX;

fn steps_segment(steps: &[(f64, f64)], period_s: Option<f64>, t: f64) -> (f64, f64) {
    let Some(p) = period_s else {
        let last = steps.len() - 1;
        return match steps.iter().rposition(|st| st.0 <= t) {
            None => (0.0, steps[0].0),
            Some(i) if i == last => (steps[i].1, f64::INFINITY),
            Some(i) => (steps[i].1, steps[i + 1].0),
        };
    };
    let day = (t / p).floor() * p;
    let within = t - day;
    match steps.iter().rposition(|st| st.0 <= within) {
        None => (steps[steps.len() - 1].1, day + steps[0].0),
        Some(i) => (
            steps[i].1,
            steps
                .get(i + 1)
                .map_or(day + p + steps[0].0, |next| day + next.0),
        ),
    }
}

/// The state of the bursty process: which state it is in and when that ends.
#[derive(Clone, Copy, Debug)]
struct BurstState {
    in_burst: bool,
    ends_s: f64,
}

/// An endless (or, for a list, finite) sorted stream of arrival times.
pub struct ArrivalTimes<'a> {
    /// The process drawn (a modulated process's base).
    process: &'a ArrivalProcess,
    /// The stream's seed: each block's draws come from its own generator.
    seed: BlockSeed,
    /// The generator of the current block.
    rng: SimRng,
    block: u64,
    /// When the current block ends, s.
    block_end_s: f64,
    t_s: f64,
    index: u64,
    burst: Option<BurstState>,
    /// The generator of the bursty process's chain of states.
    burst_rng: SimRng,
    /// A modulated process's calendar.
    calendar: Option<&'a Calendar>,
    /// The calendar's multiplier of every rate, constant until `calendar_ends_s` (1 and never
    /// ending without a calendar).
    scale: f64,
    calendar_ends_s: f64,
    /// The end of the current piece: the earlier of the block's end and the calendar's.
    piece_ends_s: f64,
}

impl ArrivalTimes<'_> {
    fn exp(&mut self) -> f64 {
        Exp1.sample(&mut self.rng)
    }

    /// Next arrival of a Poisson process whose rate is constant on segments: draw within the
    /// segment and, by memorylessness, restart at its end when the draw falls beyond it. A
    /// draw past the current piece returns the piece's end (the caller moves to the next
    /// piece and draws again there). `None` once time has no end left to reach: a last segment
    /// that never ends with no rate (traffic that stopped for good), or time past any finite
    /// instant.
    fn next_piecewise(&mut self, segment: impl Fn(&mut Self) -> (f64, f64)) -> Option<f64> {
        loop {
            let (rate, ends_s) = segment(self);
            if rate <= 0.0 && !ends_s.is_finite() {
                return None;
            }
            let end = ends_s.min(self.piece_ends_s);
            if rate > 0.0 {
                let candidate = self.t_s + self.exp() / rate;
                if candidate < end {
                    return candidate.is_finite().then_some(candidate);
                }
            }
            if end >= self.piece_ends_s {
                return Some(self.piece_ends_s);
            }
            if end <= self.t_s {
                // Cannot happen for valid segments; stopping beats spinning if it ever does.
                return None;
            }
            self.t_s = end;
        }
    }

    fn bursty_segment(
        &mut self,
        base: f64,
        burst: f64,
        mean_base: f64,
        mean_burst: f64,
    ) -> (f64, f64) {
        // The chain of states from zero, on a generator of its own: the same at any instant
        // however the arrivals were drawn up to it.
        let chain = &mut self.burst_rng;
        let mut state = self.burst.unwrap_or_else(|| {
            // Start in the stationary distribution of the two states.
            let in_burst = chain.random::<f64>() < mean_burst / (mean_base + mean_burst);
            let mean = if in_burst { mean_burst } else { mean_base };
            BurstState {
                in_burst,
                ends_s: Distribution::<f64>::sample(&Exp1, chain) * mean,
            }
        });
        // Toggle until the state holds at `t_s`.
        while state.ends_s <= self.t_s {
            let in_burst = !state.in_burst;
            let mean = if in_burst { mean_burst } else { mean_base };
            let ends_s = state.ends_s + Distribution::<f64>::sample(&Exp1, chain) * mean;
            if ends_s <= state.ends_s {
                break; // no time left to reach (ends at infinity or a mean of 0)
            }
            state = BurstState { in_burst, ends_s };
        }
        self.burst = Some(state);
        (if state.in_burst { burst } else { base }, state.ends_s)
    }
}

impl ArrivalTimes<'_> {
    /// The next arrival of the process drawn from `t_s` with every rate × `scale`, ignoring
    /// where the calendar's piece ends; `None` when none ever comes.
    fn draw(&mut self) -> Option<f64> {
        let k = self.scale;
        Some(match self.process {
            ArrivalProcess::Poisson { rate_per_s } => self.t_s + self.exp() / (rate_per_s * k),
            ArrivalProcess::Even { rate_per_s } => self.index as f64 / rate_per_s,
            ArrivalProcess::List { at_s } => *at_s.get(self.index as usize)?,
            ArrivalProcess::Hourly { rates_per_s } => {
                if rates_per_s.iter().all(|r| *r <= 0.0) {
                    return None;
                }
                self.next_piecewise(|s| {
                    let hour = (s.t_s / HOUR_S).floor();
                    let rate = rates_per_s[(hour as u64 % 24) as usize];
                    (rate * k, (hour + 1.0) * HOUR_S)
                })?
            }
            ArrivalProcess::Steps { steps, period_s } => {
                steps.len().checked_sub(1)?;
                self.next_piecewise(|s| {
                    let (rate, ends) = steps_segment(steps, *period_s, s.t_s);
                    (rate * k, ends)
                })?
            }
            ArrivalProcess::DailyCycle {
                min_rate_per_s,
                max_rate_per_s,
                peak_hour,
            } => {
                if *max_rate_per_s <= 0.0 || !max_rate_per_s.is_finite() {
                    return None;
                }
                // Thinning (Lewis–Shedler) against the peak rate.
                let (min, max) = (min_rate_per_s * k, max_rate_per_s * k);
                let mut t = self.t_s;
                loop {
                    t += self.exp() / max;
                    if t >= self.piece_ends_s {
                        break self.piece_ends_s;
                    }
                    let hour = (t % DAY_S) / HOUR_S;
                    let phase = 2.0 * std::f64::consts::PI * (hour - peak_hour) / 24.0;
                    let rate = min + (max - min) * (1.0 + phase.cos()) / 2.0;
                    if self.rng.random::<f64>() * max < rate {
                        break t;
                    }
                }
            }
            ArrivalProcess::Bursty {
                base_rate_per_s,
                burst_rate_per_s,
                mean_base_s,
                mean_burst_s,
            } => {
                if *base_rate_per_s <= 0.0 && *burst_rate_per_s <= 0.0 {
                    return None;
                }
                self.next_piecewise(|s| {
                    let (rate, ends) = s.bursty_segment(
                        *base_rate_per_s,
                        *burst_rate_per_s,
                        *mean_base_s,
                        *mean_burst_s,
                    );
                    (rate * k, ends)
                })?
            }
            // `times` draws a modulated process's base; a base is never modulated itself.
            ArrivalProcess::Modulated { .. } => return None,
        })
    }

    /// Move to the start of the calendar's next piece and take its multiplier.
    /// Move to `t_s`, the start of a piece: the block's generator and the calendar's
    /// multiplier there.
    fn move_to(&mut self, t_s: f64) {
        self.t_s = t_s;
        let block = (t_s / BLOCK_S).floor() as u64;
        if block != self.block {
            self.block = block;
            self.rng = self.seed.rng(block);
            self.block_end_s = (block + 1) as f64 * BLOCK_S;
        }
        if let Some(c) = self.calendar {
            (self.scale, self.calendar_ends_s) = c.at(t_s);
        }
        self.piece_ends_s = self.block_end_s.min(self.calendar_ends_s);
    }
}

impl Iterator for ArrivalTimes<'_> {
    type Item = SimTime;

    fn next(&mut self) -> Option<SimTime> {
        let t_s = loop {
            if self.scale <= 0.0 {
                // No traffic in this piece of the calendar: on to its next one, if it has one.
                if !self.calendar_ends_s.is_finite() {
                    return None;
                }
                self.move_to(self.calendar_ends_s);
                continue;
            }
            let t = self.draw()?;
            if !t.is_finite() {
                return None; // a rate so small that the next arrival never comes
            }
            if t < self.piece_ends_s {
                break t;
            }
            // Past the piece: the rate or the block changes at its end, and the process
            // forgets (Poisson pieces are memoryless; the bursty state is kept), so draw again
            // from there.
            self.move_to(self.piece_ends_s);
        };
        self.t_s = t_s;
        self.index += 1;
        Some(SimTime::from_secs_f64(t_s))
    }
}

/// [`BLOCK`] in seconds.
const BLOCK_S: f64 = BLOCK.as_micros() as f64 / MICROS_PER_SEC as f64;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{RngStreams, SimDuration};

    fn count_until(p: &ArrivalProcess, secs: f64) -> usize {
        let end = SimTime::from_micros((secs * 1e6) as u64);
        p.times(RngStreams::new(11).blocks("a"))
            .take_while(|t| *t < end)
            .count()
    }

    #[test]
    fn every_process_meets_its_mean_rate() {
        let processes = [
            ArrivalProcess::Poisson { rate_per_s: 20.0 },
            ArrivalProcess::Even { rate_per_s: 20.0 },
            ArrivalProcess::Hourly {
                rates_per_s: std::array::from_fn(|h| if h < 12 { 10.0 } else { 30.0 }),
            },
            ArrivalProcess::DailyCycle {
                min_rate_per_s: 5.0,
                max_rate_per_s: 35.0,
                peak_hour: 14.0,
            },
            ArrivalProcess::Bursty {
                base_rate_per_s: 10.0,
                burst_rate_per_s: 110.0,
                mean_base_s: 90.0,
                mean_burst_s: 10.0,
            },
        ];
        for p in &processes {
            let days = 4.0;
            let n = count_until(p, days * DAY_S) as f64;
            let expected = p.mean_rate_per_s(days * DAY_S) * days * DAY_S;
            // Four standard deviations of the count. Poisson-like processes: √n / n ≈ 0.04 %
            // for the ~6.9 M arrivals of 4 days at 20 req/s. Bursty: the count is a sum over
            // ~3,456 cycles of 90 s + 10 s, each bringing 10·B + 110·U arrivals with B ~ Exp(90 s)
            // and U ~ Exp(10 s): variance 10²·90² + 110²·10² = 2.02 M per cycle, so a standard
            // deviation of √(3,456 × 2.02 M) ≈ 83.6 k, 1.2 % of the mean.
            let tolerance = match p {
                ArrivalProcess::Bursty { .. } => 4.0 * 0.0121,
                _ => 0.01,
            };
            assert!(
                (n / expected - 1.0).abs() < tolerance,
                "{p:?}: {n} vs {expected}"
            );
        }
    }

    #[test]
    fn a_stream_started_at_a_block_draws_what_a_stream_from_zero_draws_there() {
        let calendar = Calendar {
            weekly: vec![1.0, 0.0, 2.0, 1.5, 1.0, 0.5, 1.0],
            events: Vec::new(),
        };
        let processes = [
            ArrivalProcess::Poisson { rate_per_s: 20.0 },
            ArrivalProcess::Even { rate_per_s: 3.0 },
            ArrivalProcess::List {
                at_s: vec![1.0, 59.9, 60.0, 60.5, 7_199.0, 7_260.0],
            },
            ArrivalProcess::Hourly {
                rates_per_s: std::array::from_fn(|h| h as f64),
            },
            ArrivalProcess::DailyCycle {
                min_rate_per_s: 5.0,
                max_rate_per_s: 35.0,
                peak_hour: 14.0,
            },
            ArrivalProcess::Bursty {
                base_rate_per_s: 1.0,
                burst_rate_per_s: 50.0,
                mean_base_s: 90.0,
                mean_burst_s: 10.0,
            },
            ArrivalProcess::Steps {
                steps: vec![(0.0, 1.0), (100.0, 30.0), (3_000.0, 0.0), (5_000.0, 4.0)],
                period_s: Some(7_000.0),
            },
            ArrivalProcess::Modulated {
                base: Box::new(ArrivalProcess::Poisson { rate_per_s: 5.0 }),
                calendar,
            },
        ];
        let seed = RngStreams::new(3).blocks("a");
        for p in &processes {
            for minute in [1, 2, 60, 121, 1_440, 1_441, 2_000] {
                let start = SimTime::from_micros(minute * BLOCK.as_micros());
                let end = start + SimDuration::from_secs(7_200);
                let from_zero: Vec<SimTime> = p
                    .times(seed)
                    .skip_while(|t| *t < start)
                    .take_while(|t| *t < end)
                    .collect();
                let from_start: Vec<SimTime> =
                    p.times_from(seed, start).take_while(|t| *t < end).collect();
                assert_eq!(from_zero, from_start, "{p:?} from minute {minute}");
            }
        }
    }

    #[test]
    fn hourly_rates_are_followed_hour_by_hour() {
        let p = ArrivalProcess::Hourly {
            rates_per_s: std::array::from_fn(|h| if h == 3 { 50.0 } else { 0.0 }),
        };
        let times: Vec<SimTime> = p
            .times(RngStreams::new(1).blocks("a"))
            .take_while(|t| t.as_secs_f64() < DAY_S)
            .collect();
        assert!(
            times
                .iter()
                .all(|t| (3.0 * HOUR_S..4.0 * HOUR_S).contains(&t.as_secs_f64()))
        );
        assert!((times.len() as f64 / 180_000.0 - 1.0).abs() < 0.02);
    }

    #[test]
    fn steps_change_the_rate_at_their_start() {
        let p = ArrivalProcess::Steps {
            steps: vec![(100.0, 10.0), (1_100.0, 100.0)],
            period_s: None,
        };
        let times: Vec<f64> = p
            .times(RngStreams::new(4).blocks("a"))
            .take_while(|t| t.as_secs_f64() < 2_100.0)
            .map(|t| t.as_secs_f64())
            .collect();
        assert!(times[0] >= 100.0);
        let first = times.iter().filter(|t| **t < 1_100.0).count() as f64;
        let second = times.iter().filter(|t| **t >= 1_100.0).count() as f64;
        assert!((first / 10_000.0 - 1.0).abs() < 0.05, "{first}");
        assert!((second / 100_000.0 - 1.0).abs() < 0.02, "{second}");
    }

    #[test]
    fn processes_that_stop_end_their_stream() {
        // 1 req/s for 30 s, then 0 for good: about 30 arrivals, then the stream ends (it used to
        // spin forever looking for the next one).
        let stops = ArrivalProcess::Steps {
            steps: vec![(0.0, 1.0), (30.0, 0.0)],
            period_s: None,
        };
        let n = stops.times(RngStreams::new(1).blocks("a")).count();
        assert!((15..=50).contains(&n), "{n}");
        // A process with no rate at all yields nothing, whatever its shape.
        let silent = [
            ArrivalProcess::Steps {
                steps: vec![(0.0, 0.0), (10.0, 0.0)],
                period_s: None,
            },
            ArrivalProcess::Hourly {
                rates_per_s: [0.0; 24],
            },
            ArrivalProcess::Bursty {
                base_rate_per_s: 0.0,
                burst_rate_per_s: 0.0,
                mean_base_s: 1.0,
                mean_burst_s: 1.0,
            },
            ArrivalProcess::DailyCycle {
                min_rate_per_s: 0.0,
                max_rate_per_s: 0.0,
                peak_hour: 12.0,
            },
        ];
        for p in &silent {
            assert_eq!(p.times(RngStreams::new(1).blocks("a")).count(), 0, "{p:?}");
        }
    }

    /// Arrivals per day of the week of a process modulated by a calendar.
    fn per_day(p: &ArrivalProcess, days: usize) -> Vec<usize> {
        let mut counts = vec![0; days];
        for t in p
            .times(RngStreams::new(7).blocks("a"))
            .take_while(|t| t.as_secs_f64() < days as f64 * DAY_S)
        {
            counts[(t.as_secs_f64() / DAY_S) as usize] += 1;
        }
        counts
    }

    /// 2/s on a week of multipliers [1, 1, 1, 1, 1, 0, 0.5] — Saturday 0 (closed: no arrivals
    /// at all), Sunday half — plus a weekly sale on Friday 18:00–20:00 × 4. Expected per day: Mon–Thu 2 × 86,400 = 172,800; Friday 172,800 +
    /// 2 × 7,200 × (4 − 1) = 216,000; Saturday 0; Sunday 86,400. Poisson counts of ~10^5 have a
    /// standard deviation of ~400 (0.2 %), so 1.5 % is > 6 sd.
    #[test]
    fn a_calendar_multiplies_the_rate_day_by_day() {
        use crate::traffic::calendar::{Calendar, Event, Repeat};
        let p = ArrivalProcess::Modulated {
            base: Box::new(ArrivalProcess::Poisson { rate_per_s: 2.0 }),
            calendar: Calendar {
                weekly: vec![1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.5],
                events: vec![Event {
                    name: "sale".into(),
                    start_s: 4.0 * DAY_S + 18.0 * HOUR_S,
                    duration_s: 2.0 * HOUR_S,
                    multiplier: 4.0,
                    repeat: Repeat::Weekly,
                }],
            },
        };
        let want = [
            172_800.0, 172_800.0, 172_800.0, 172_800.0, 216_000.0, 0.0, 86_400.0,
        ];
        let got = per_day(&p, 7);
        for (day, (g, w)) in got.iter().zip(want).enumerate() {
            if w == 0.0 {
                assert_eq!(*g, 0, "day {day}");
            } else {
                assert!((*g as f64 / w - 1.0).abs() < 0.015, "day {day}: {g} vs {w}");
            }
        }
        // The expected count agrees with the sum worked out above: 4 × 172,800 + 216,000 +
        // 86,400 = 993,600 in the week.
        assert!((p.expected_arrivals(0.0, 7.0 * DAY_S) - 993_600.0).abs() < 1e-6);
        assert_eq!(p.peak_rate_per_s(), Some(8.0));
    }

    /// Steps that repeat daily: 1/s from 00:00, 5/s from 12:00 to 14:00, back to 1/s. Each day
    /// expects 22 h × 3,600 × 1 + 2 h × 3,600 × 5 = 79,200 + 36,000 = 115,200 arrivals, on
    /// day 3 as on day 1 (without `period_s` day 3 would stay at the last step's 1/s:
    /// 86,400).
    #[test]
    fn steps_repeat_daily() {
        let p = ArrivalProcess::Steps {
            steps: vec![(0.0, 1.0), (12.0 * HOUR_S, 5.0), (14.0 * HOUR_S, 1.0)],
            period_s: Some(DAY_S),
        };
        for (day, n) in per_day(&p, 3).into_iter().enumerate() {
            assert!((n as f64 / 115_200.0 - 1.0).abs() < 0.015, "day {day}: {n}");
        }
        assert!((p.expected_arrivals(0.0, 3.0 * DAY_S) - 3.0 * 115_200.0).abs() < 1e-6);
        // A daily pattern that starts at 06:00 holds its last step (0.5/s) from midnight.
        let late = ArrivalProcess::Steps {
            steps: vec![(6.0 * HOUR_S, 2.0), (18.0 * HOUR_S, 0.5)],
            period_s: Some(DAY_S),
        };
        // 12 h × 2 + 12 h × 0.5 = 30 h·/s = 108,000 arrivals a day.
        assert!((late.expected_arrivals(0.0, DAY_S) - 108_000.0).abs() < 1e-6);
    }

    #[test]
    fn list_ends() {
        let p = ArrivalProcess::List {
            at_s: vec![0.5, 1.0],
        };
        let v: Vec<u64> = p
            .times(RngStreams::new(1).blocks("a"))
            .map(|t| t.as_micros())
            .collect();
        assert_eq!(v, vec![500_000, 1_000_000]);
    }
}
