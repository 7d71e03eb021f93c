//! Simulated time: integer microseconds, converted to seconds only at the edges.
//!
//! Integer time keeps every billing round exact (1 ms for Lambda, 1 s with a 60 s minimum for
//! EC2) and makes ties between events well defined.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// Microseconds in one second.
pub const MICROS_PER_SEC: u64 = 1_000_000;

/// An instant of simulated time, in microseconds since the start of the run.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(u64);

/// A span of simulated time, in microseconds.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);

    /// An instant from microseconds since the start.
    pub const fn from_micros(us: u64) -> Self {
        SimTime(us)
    }

    /// Microseconds since the start.
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Seconds since the start, for reports.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_SEC as f64
    }

    /// An instant from fractional seconds since the start, rounded to the nearest microsecond
    /// (ties away from zero, as [`f64::round`]; negative or NaN → 0, too large → the last
    /// representable instant).
    #[inline]
    pub fn from_secs_f64(s: f64) -> Self {
        SimTime(round_u64(s * MICROS_PER_SEC as f64))
    }

    /// Time elapsed since `earlier`; zero if `earlier` is later.
    pub fn saturating_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);

    /// The span as people read it, largest unit first, zero parts left out: `2h`, `1h 30m`,
    /// `2m`, `1s 500ms`, `0s` (humantime's `format_duration`, the notation scenario files
    /// write durations in). For text shown to people: activity logs, warnings.
    pub fn human(self) -> String {
        humantime::format_duration(std::time::Duration::from_micros(self.0)).to_string()
    }

    /// A duration of `us` microseconds.
    pub const fn from_micros(us: u64) -> Self {
        SimDuration(us)
    }

    /// A duration of `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        SimDuration(ms * 1_000)
    }

    /// A duration of `s` whole seconds.
    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s * MICROS_PER_SEC)
    }

    /// A duration from fractional seconds, rounded to the nearest microsecond (negative → 0).
    #[inline]
    pub fn from_secs_f64(s: f64) -> Self {
        SimDuration(round_u64(s * MICROS_PER_SEC as f64))
    }

    /// Length in microseconds.
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Length in seconds.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_SEC as f64
    }

    /// Length in milliseconds, rounded up to the next whole millisecond (Lambda's billing round).
    pub const fn ceil_millis(self) -> u64 {
        self.0.div_ceil(1_000)
    }

    /// Length in seconds, rounded up to the next whole second (EC2's billing round).
    pub const fn ceil_secs(self) -> u64 {
        self.0.div_ceil(MICROS_PER_SEC)
    }
}

/// `x.round() as u64` — nearest integer, ties away from zero, negative and NaN → 0, past
/// `u64::MAX` → `u64::MAX` — bit for bit, without the libm call `f64::round` compiles to (it
/// ran about twice per request).
///
/// Below 2^52 the fraction `x − trunc(x)` is exact, so comparing it with 0.5 rounds exactly
/// (0.49999999999999994 stays 0, where adding 0.5 and truncating would give 1); from 2^52 up
/// every `f64` is already an integer and only needs converting.
#[inline]
pub(crate) fn round_u64(x: f64) -> u64 {
    const TWO_POW_52: f64 = 4_503_599_627_370_496.0;
    if x < TWO_POW_52 {
        // In i64 range: the signed conversion is one instruction; negatives end at 0 below.
        let t = x as i64;
        let r = t + i64::from(x - t as f64 >= 0.5);
        r.max(0) as u64
    } else {
        x as u64 // NaN fails the test above and lands here: 0, as `NaN.round() as u64`
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        *self = *self + d;
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }
}

impl AddAssign for SimDuration {
    fn add_assign(&mut self, d: SimDuration) {
        self.0 = self.0.saturating_add(d.0);
    }
}

impl Sub for SimTime {
    type Output = SimDuration;
    /// Panics in debug builds if `rhs` is later: that would be the clock going back.
    fn sub(self, rhs: SimTime) -> SimDuration {
        debug_assert!(self.0 >= rhs.0, "bug: simulated clock went back");
        SimDuration(self.0 - rhs.0)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.6}s", self.as_secs_f64())
    }
}

impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.6}s", self.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The edge cases of rounding half away from zero: just below a half, halves, the last
    /// fractional `f64`s below 2^52, integers past 2^53, the top of `u64` and beyond, negatives,
    /// infinities and NaN.
    #[test]
    fn round_u64_is_round_then_cast() {
        let two52 = 4_503_599_627_370_496.0f64;
        let cases = [
            0.0,
            -0.0,
            0.49999999999999994,
            0.5,
            0.5000000000000001,
            1.5,
            2.5,
            2.4999999999999996,
            1e6 * 0.1234565,
            two52 - 0.5,
            two52 - 1.5,
            two52,
            two52 + 1.0,
            2.0 * two52 + 2.0,
            18_446_744_073_709_549_568.0, // largest f64 below 2^64
            18_446_744_073_709_551_616.0, // 2^64
            1e300,
            f64::MAX,
            f64::INFINITY,
            f64::MIN_POSITIVE,
            -0.4,
            -0.5,
            -0.6,
            -1e300,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        for x in cases {
            assert_eq!(round_u64(x), x.round() as u64, "{x:e}");
        }
        assert_eq!(SimDuration::from_secs_f64(-1.0), SimDuration::ZERO);
        assert_eq!(SimTime::from_secs_f64(2.5).as_micros(), 2_500_000);
    }

    proptest! {
        #[test]
        fn round_u64_matches_f64_round(bits in any::<u64>(), x in 0.0f64..1e12) {
            let any = f64::from_bits(bits);
            prop_assert_eq!(round_u64(any), any.round() as u64);
            prop_assert_eq!(round_u64(x), x.round() as u64);
            // Near halves, where it matters.
            let h = x.trunc() + 0.5;
            for y in [h, f64::from_bits(h.to_bits() - 1), f64::from_bits(h.to_bits() + 1)] {
                prop_assert_eq!(round_u64(y), y.round() as u64);
            }
        }
    }

    /// 7,200 s is 2 h; 5,400 s is 1 h 30 min; 120 s is 2 min; 1.5 s is 1 s 500 ms.
    #[test]
    fn durations_read_as_people_write_them() {
        let h = |s: f64| SimDuration::from_secs_f64(s).human();
        assert_eq!(h(7_200.0), "2h");
        assert_eq!(h(5_400.0), "1h 30m");
        assert_eq!(h(120.0), "2m");
        assert_eq!(h(1.5), "1s 500ms");
        assert_eq!(h(0.0), "0s");
    }

    #[test]
    fn billing_rounds_are_exact() {
        assert_eq!(SimDuration::from_micros(100_001).ceil_millis(), 101);
        assert_eq!(SimDuration::from_micros(100_000).ceil_millis(), 100);
        assert_eq!(SimDuration::from_micros(1).ceil_secs(), 1);
        assert_eq!(SimDuration::from_secs(60).ceil_secs(), 60);
    }

    #[test]
    fn from_secs_rounds_to_nearest_microsecond() {
        assert_eq!(SimDuration::from_secs_f64(0.0000014).as_micros(), 1);
        assert_eq!(SimDuration::from_secs_f64(-3.0).as_micros(), 0);
    }
}
