//! AWS Lambda's documented limits on how far and how fast functions scale.
//!
//! Sources (read 2026-11):
//! - Scaling rate: docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html ("for each
//!   function, your concurrency scaling rate is 1,000 execution environment instances every 10
//!   seconds"; "Lambda makes a best attempt to refill your concurrency scaling rate continuously
//!   over time … doesn't accumulate unused portions"; in force since 2023-11-27, AWS News Blog
//!   "AWS Lambda functions now scale 12 times faster").
//! - Requests per second: docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html (an
//!   account may invoke at most 10 × its concurrency limit per second).
//! - Timeout: docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html (1–900 s, the
//!   default of the API is 3 s; an invocation past it is stopped, "Task timed out", and the time
//!   it ran is billed).
//! - Reserved concurrency: docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
//!   (a function's reserved concurrency is both its guaranteed share and its cap; at least 100
//!   of the account's concurrency stays unreserved).

use std::collections::VecDeque;

use crate::engine::{SimDuration, SimTime};

/// New execution environments one function may add per [`SCALE_OUT_WINDOW`].
pub const SCALE_OUT_ENVIRONMENTS: usize = 1_000;
/// The window of the scale-out rate: 10 seconds.
pub const SCALE_OUT_WINDOW: SimDuration = SimDuration::from_secs(10);
/// Invocations per second an account may make, per unit of its concurrency limit.
pub const REQUESTS_PER_SECOND_PER_CONCURRENCY: u64 = 10;
/// Longest function timeout Lambda accepts.
pub const MAX_TIMEOUT: SimDuration = SimDuration::from_secs(900);
/// Shortest function timeout Lambda accepts.
pub const MIN_TIMEOUT: SimDuration = SimDuration::from_secs(1);
/// Concurrency that must stay unreserved in an account.
pub const MIN_UNRESERVED_CONCURRENCY: u32 = 100;
/// Default account concurrency per Region, concurrent executions
/// (docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html).
pub const DEFAULT_CONCURRENCY: u32 = 1_000;

/// The scale-out rate of one function as a sliding window: an environment created at `t` uses
/// one of the [`SCALE_OUT_ENVIRONMENTS`] units until `t` + 10 s, when it comes back. So the rate
/// refills continuously (each unit 10 s after it was used), never holds more than 1,000 units,
/// and no 10-second span ever sees more than 1,000 new environments — both of AWS's statements.
/// An idle function starts with all 1,000 units.
///
/// Memory: one instant per environment created in the last 10 s, at most 1,000.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScaleOutWindow {
    created: VecDeque<SimTime>,
}

impl ScaleOutWindow {
    /// Take a unit at `now` for a new environment; `false` when all 1,000 are in use (the
    /// request that needed it is throttled).
    #[inline]
    pub fn try_create(&mut self, now: SimTime) -> bool {
        while let Some(&t) = self.created.front() {
            if t + SCALE_OUT_WINDOW > now {
                break;
            }
            self.created.pop_front();
        }
        if self.created.is_empty() && self.created.capacity() > 64 {
            // A burst is over: give its memory back (many functions may each have had one).
            self.created.shrink_to(8);
        }
        if self.created.len() >= SCALE_OUT_ENVIRONMENTS {
            return false;
        }
        self.created.push_back(now);
        true
    }

    /// The units still in use at `now` (their environments created less than 10 s before):
    /// all that decides what the window does from `now` on — an older one is dropped at the
    /// next creation whenever it comes.
    pub fn in_use_at(&self, now: SimTime) -> Vec<SimTime> {
        self.created
            .iter()
            .copied()
            .filter(|&t| t + SCALE_OUT_WINDOW > now)
            .collect()
    }
}

/// The account's request-rate limit: at most `limit` invocations in each whole second of
/// simulated time (throttled requests are not invocations and use none of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestRate {
    limit: u64,
    second: u64,
    used: u64,
}

impl RequestRate {
    /// `10 × account_concurrency` invocations per second.
    pub fn for_account(account_concurrency: u32) -> Self {
        RequestRate {
            limit: REQUESTS_PER_SECOND_PER_CONCURRENCY * u64::from(account_concurrency),
            second: 0,
            used: 0,
        }
    }

    /// Whether an invocation at `now` is within the limit; count it with [`Self::invoked`].
    #[inline]
    pub fn allows(&mut self, now: SimTime) -> bool {
        let second = now.as_micros() / 1_000_000;
        if second != self.second {
            self.second = second;
            self.used = 0;
        }
        self.used < self.limit
    }

    /// An invocation was made (in the second of the last [`Self::allows`]).
    #[inline]
    pub fn invoked(&mut self) {
        self.used += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_comes_back_ten_seconds_after_it_was_used() {
        let mut w = ScaleOutWindow::default();
        let at = |ms: u64| SimTime::from_micros(ms * 1_000);
        // 1,000 environments at 0–999 ms use every unit.
        assert!((0..1_000).all(|i| w.try_create(at(i))));
        assert!(!w.try_create(at(5_000)));
        // The unit used at 0 ms is back at exactly 10 s, the one used at 1 ms at 10.001 s.
        assert!(!w.try_create(at(9_999)));
        assert!(w.try_create(at(10_000)));
        assert!(!w.try_create(at(10_000)));
        assert!(w.try_create(at(10_001)));
    }

    #[test]
    fn request_rate_resets_each_whole_second() {
        let mut r = RequestRate::for_account(1); // 10 per second
        let at = |ms: u64| SimTime::from_micros(ms * 1_000);
        let mut invoke = |t| {
            r.allows(t) && {
                r.invoked();
                true
            }
        };
        assert_eq!((0..20).filter(|&i| invoke(at(i * 10))).count(), 10);
        assert!(invoke(at(1_000)));
    }
}
